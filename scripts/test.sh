#!/usr/bin/env bash
# Sets everything up (first run only: scripts/setup.sh keeps a stamp), then runs the whole
# test suite (the live tests start their own PulseAudio server with a virtual microphone
# and speaker).
#   scripts/test.sh               everything: lint and types (ruff, mypy --strict), then the tests
#                                 that need no sound server,
#                                 spread over the CPU cores (a file per worker), then the
#                                 live tests and the soak on their own, so that no decoding beside them
#                                 makes the speaker run late
#   scripts/test.sh ARGS...       pytest ARGS, as given
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
if [ "$#" -gt 0 ]; then
  exec .venv/bin/python -m pytest -q "$@"
fi
.venv/bin/ruff check voice bench tests
.venv/bin/mypy voice bench tests/support
workers=$(nproc 2>/dev/null || echo 1)
if [ "$workers" -gt 4 ]; then workers=4; fi  # each worker loads its own recognisers
.venv/bin/python -m pytest -q -m "not pulse and not serial" -n "$workers" --dist loadfile
exec .venv/bin/python -m pytest -q -m "pulse or serial"
