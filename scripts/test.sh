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
# Every phase runs even when one before it fails; a summary of each is printed at the end,
# and the exit status is non-zero if any failed.
summary=() failed=0
phase() {
  local name=$1; shift
  echo "== $name: $*" >&2
  if "$@"; then summary+=("passed  $name"); else summary+=("FAILED  $name (exit $?)"); failed=1; fi
}
workers=$(nproc 2>/dev/null || echo 1)
if [ "$workers" -gt 4 ]; then workers=4; fi  # each worker loads its own recognisers
phase "lint (ruff)" .venv/bin/ruff check voice bench tests
phase "types (mypy --strict)" .venv/bin/mypy voice bench tests/support
phase "tests (no sound server)" .venv/bin/python -m pytest -q -m "not pulse and not serial" \
  -n "$workers" --dist loadfile
phase "live tests and soak" .venv/bin/python -m pytest -q -m "pulse or serial"
echo "== summary" >&2
printf '  %s\n' "${summary[@]}" >&2
exit "$failed"
