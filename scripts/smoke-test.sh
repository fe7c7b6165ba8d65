#!/usr/bin/env bash
# Real-window smoke test: starts the candor binary under Xvfb on a demo journal, takes a
# screenshot, and fails if the process died or the screenshot is blank.
# Needs: Xvfb, xdotool, ImageMagick (import, identify). `.ci/run` installs them.
# Uses the debug binary `cargo test` already built (set CANDOR_BIN to use another).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin="${CANDOR_BIN:-$root/target/debug/candor}"
out_dir="$root/target/smoke"
shot="$out_dir/candor-window.png"
mkdir -p "$out_dir"

for tool in Xvfb xdotool import identify; do
    command -v "$tool" >/dev/null || { echo "smoke test: $tool is missing; run .ci/run or install xvfb, xdotool and imagemagick" >&2; exit 1; }
done
[ -x "$bin" ] || { echo "smoke test: $bin is missing; run 'cargo test' (or 'cargo build') first" >&2; exit 1; }

work=$(mktemp -d)
xvfb_pid=""
app_pid=""
cleanup() {
    [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
    [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

"$bin" demo --db "$work/demo.sqlite3" >/dev/null

# Starts Xvfb on a free display and waits until it takes connections (its socket exists): a
# fixed pause lost the race on a loaded machine. A display already in use makes Xvfb exit:
# then another is tried. Sets `display` and `xvfb_pid`.
start_xvfb() {
    display=""
    for _ in 1 2 3 4 5; do
        candidate=":$((100 + RANDOM % 400))"
        Xvfb "$candidate" -screen 0 1280x800x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
        xvfb_pid=$!
        for _ in $(seq 1 100); do
            if [ -S "/tmp/.X11-unix/X${candidate#:}" ] && DISPLAY="$candidate" xdotool getmouselocation >/dev/null 2>&1; then
                display="$candidate"
                break
            fi
            kill -0 "$xvfb_pid" 2>/dev/null || break
            sleep 0.1
        done
        [ -n "$display" ] && break
        kill "$xvfb_pid" 2>/dev/null || true
        wait "$xvfb_pid" 2>/dev/null || true
        xvfb_pid=""
    done
    [ -n "$display" ] || { echo "smoke test: Xvfb did not start:" >&2; cat "$work/xvfb.log" >&2; exit 1; }
}

# Starts candor on the display and waits for its window (sets `app_pid` and `window`);
# returns 1 when candor exited first.
start_candor() {
    # A private HOME keeps the test away from the user's own preferences and journal.
    env -u WAYLAND_DISPLAY DISPLAY="$display" HOME="$work/home" XDG_DATA_HOME="$work/data" \
        XDG_CONFIG_HOME="$work/config" "$bin" --db "$work/demo.sqlite3" >"$work/app.log" 2>&1 &
    app_pid=$!
    window=""
    for _ in $(seq 1 60); do
        kill -0 "$app_pid" 2>/dev/null || return 1
        window=$(DISPLAY="$display" xdotool search --name "^Candor" 2>/dev/null | head -n 1 || true)
        [ -n "$window" ] && return 0
        sleep 0.5
    done
}

# Once in CI (2026-12-03) candor could not connect to an Xvfb that had just answered: that
# is the virtual display's fault, not the app's, so a display that refuses candor is
# replaced once. Any other early exit fails at once.
start_xvfb
if ! start_candor; then
    if grep -q "connection to X server" "$work/app.log" && [ -z "${retried:-}" ]; then
        echo "smoke test: the X server refused candor (Xvfb $(kill -0 "$xvfb_pid" 2>/dev/null && echo running || echo gone)); trying a new display once" >&2
        cat "$work/xvfb.log" >&2
        retried=1
        kill "$xvfb_pid" 2>/dev/null || true
        wait "$xvfb_pid" 2>/dev/null || true
        start_xvfb
        start_candor || { echo "smoke test: candor exited before showing a window:" >&2; cat "$work/app.log" >&2; exit 1; }
    else
        echo "smoke test: candor exited before showing a window:" >&2
        cat "$work/app.log" >&2
        exit 1
    fi
fi
[ -n "$window" ] || { echo "smoke test: no Candor window appeared within 30 s" >&2; cat "$work/app.log" >&2; exit 1; }
sleep 3

DISPLAY="$display" import -window root "$shot"
if ! kill -0 "$app_pid" 2>/dev/null; then
    echo "smoke test: candor died while drawing:" >&2
    cat "$work/app.log" >&2
    exit 1
fi
colours=$(identify -format '%k' "$shot")
if [ "$colours" -lt 50 ]; then
    echo "smoke test: the screenshot $shot is blank ($colours colours)" >&2
    exit 1
fi
title=$(DISPLAY="$display" xdotool getwindowname "$window")
echo "smoke test: \"$title\" is up and drawn ($colours colours in $shot)"
