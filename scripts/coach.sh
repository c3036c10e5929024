#!/usr/bin/env bash
# Starts the coach listening on the microphone. The first run sets everything up
# (scripts/setup.sh: system packages, .venv/); later runs find its stamp, skip the set-up
# and start at once, with no network.
# Any options are passed on, e.g. scripts/coach.sh --text   (type instead of speaking)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >&2
exec .venv/bin/cramp-coach "$@"
