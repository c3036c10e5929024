#!/bin/sh
# A private PulseAudio server with virtual devices, for CI jobs with no sound card.
#
#   eval "$(.ci/pulse.sh start)"   # starts it; exports XDG_RUNTIME_DIR and PULSE_SERVER
#   ...                            # programs now play to `speaker` and record from `mic`
#   .ci/pulse.sh stop              # stops the server named by XDG_RUNTIME_DIR
#
# Devices: null sinks `speaker` (default sink; record speaker.monitor) and `micfeed`
# (`paplay -d micfeed x.wav` is heard on `mic`, the default source). Without rewinds:
# a null sink that rewinds drops the start of what its monitor records.
# Programs using sounddevice/PortAudio must be started after `start`, with the exported
# environment: PortAudio lists devices only when it is initialised.
# pytest does not need this: tests/support/pulse.py starts its own server per session.
set -eu

start() {
    for tool in pulseaudio pactl; do
        command -v "$tool" >/dev/null || {
            echo "pulse.sh: $tool not found" \
                "(apt-get install pulseaudio pulseaudio-utils libasound2-plugins)" >&2
            exit 3
        }
    done
    dir=$(mktemp -d "${TMPDIR:-/tmp}/pulse-ci-XXXXXX")
    export XDG_RUNTIME_DIR="$dir"
    unset PULSE_SERVER PULSE_SINK PULSE_SOURCE
    pulseaudio -D -n --exit-idle-time=-1 --log-target="file:$dir/pulseaudio.log" \
        --load=module-native-protocol-unix \
        --load="module-null-sink sink_name=speaker norewinds=1" \
        --load="module-null-sink sink_name=micfeed norewinds=1" \
        --load="module-remap-source master=micfeed.monitor source_name=mic" >&2
    tries=0
    until pactl info >/dev/null 2>&1; do
        tries=$((tries + 1))
        if [ "$tries" -gt 200 ]; then
            echo "pulse.sh: server did not answer within 10 s; log:" >&2
            cat "$dir/pulseaudio.log" >&2 || true
            exit 1
        fi
        sleep 0.05
    done
    pactl set-default-sink speaker
    pactl set-default-source mic
    echo "export XDG_RUNTIME_DIR='$dir'"
    echo "export PULSE_SERVER='unix:$dir/pulse/native'"
}

running() {  # true while pid $1 exists and is not a zombie waiting to be reaped
    state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)
    [ -n "$state" ] && [ "$state" != Z ]
}

stop() {
    dir=${XDG_RUNTIME_DIR:-}
    case "$dir" in
        */pulse-ci-*) ;;
        *) echo "pulse.sh: XDG_RUNTIME_DIR is not a folder made by 'pulse.sh start'" >&2; exit 2 ;;
    esac
    pid=$(cat "$dir/pulse/pid" 2>/dev/null || true)
    pulseaudio -k 2>/dev/null || true
    if [ -n "$pid" ]; then
        tries=0
        while running "$pid" && [ "$tries" -lt 50 ]; do
            tries=$((tries + 1))
            sleep 0.1
        done
        if running "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
    fi
    rm -rf "$dir"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
