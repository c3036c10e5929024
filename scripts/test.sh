#!/usr/bin/env bash
# Sets everything up, then runs the whole test suite (the live tests start their own
# PulseAudio server with a virtual microphone and speaker).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
exec .venv/bin/python -m pytest -q "$@"
