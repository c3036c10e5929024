"""`cramp-coach service install|remove`: start the coach at login and after a crash."""

from __future__ import annotations

import argparse

from voice.cli import systemd as service


def _install(args: argparse.Namespace) -> int:
    path = service.install(service.unit_dir(), service.coach_command(), start=not args.no_start)
    print(f"installed {path}")
    if args.no_start:
        print(f"start it with: systemctl --user daemon-reload && "
              f"systemctl --user enable --now {service.UNIT_NAME}")
    else:
        print("cramp coach is running, starts at each login and again if it stops "
              f"(see: systemctl --user status {service.UNIT_NAME}; "
              "to start at boot before anyone logs in: loginctl enable-linger)")
    return 0


def _remove(args: argparse.Namespace) -> int:
    path = service.remove(service.unit_dir(), stop=not args.no_start)
    print(f"removed {path}" if path else f"{service.UNIT_NAME} was not installed")
    return 0


def run(args: argparse.Namespace) -> int:
    """Dispatch to the service sub-command."""
    return {"install": _install, "remove": _remove}[args.service_command](args)
