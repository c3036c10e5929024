#!/usr/bin/env bash
# Sets everything up, then starts the coach listening on the microphone.
# Any options are passed on, e.g. scripts/coach.sh --text   (type instead of speaking)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >&2
exec .venv/bin/cramp-coach "$@"
