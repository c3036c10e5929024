"""`cramp-coach models list|install NAME|verify [NAME]|path`."""

from __future__ import annotations

import argparse
import sys

from voice.hear.engines.vosk import load_problem
from voice.models import catalog as models


def _list(args: argparse.Namespace) -> int:
    rows = models.list_models(args.models_dir)
    catalogue = models.load_catalogue()
    for info in rows:
        entry = catalogue.get(info.name)
        shipped = (not info.installed and entry is not None and entry.package
                   and models.packaged_folder(entry) is not None)
        state = "installed" if info.installed else "in package" if shipped else "not installed"
        size = f"{info.size_mb:.0f} MB" if info.size_mb else ""
        print(f"{info.name:<24} {info.engine:<7} {info.language or '?':<3} {state:<14} "
              f"{size:>7}  {info.description}")
    print("pocketsphinx-en-us       pocketsphinx en  built in                 "
          "US English, ships inside the pocketsphinx package")
    return 0


def _install(args: argparse.Namespace) -> int:
    path = models.install(args.name, args.models_dir, source=args.source, progress=True,
                          sha256=args.sha256, force=args.force)
    print(f"installed {args.name} in {path}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    problems = models.verify(args.name, args.models_dir, loads=load_problem)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 2
    catalogue = models.load_catalogue()
    for name, path in models.verify_targets(args.name, args.models_dir, catalogue):
        entry = catalogue.get(name)
        engine = models.engine_label(entry.engine) if entry is not None else "Vosk"
        print(f"ok: {name}, for {engine}, in {path}")
    return 0


def _path(args: argparse.Namespace) -> int:
    print(models.models_path(args.models_dir))
    return 0


def run(args: argparse.Namespace) -> int:
    """Dispatch to the models sub-command."""
    return {"list": _list, "install": _install, "verify": _verify,
            "path": _path}[args.models_command](args)
