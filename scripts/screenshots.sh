#!/usr/bin/env bash
# Takes the README's screenshots from the real app under Xvfb (kittest does not render
# with glow here): a demo journal plus customers whose names are in Arabic, Chinese,
# Hebrew, Japanese, Korean, Devanagari, Greek and Cyrillic, and one very long name, at
# 800×600, 1280×800 and 2560×1440, into docs/screenshots/.
# Needs: Xvfb, xdotool, ImageMagick (import); fonts for the scripts shown (on Debian:
# fonts-noto-core, fonts-wqy-microhei). Uses the debug binary (CANDOR_BIN for another).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin="${CANDOR_BIN:-$root/target/debug/candor}"
out_dir="$root/docs/screenshots"
mkdir -p "$out_dir"
for tool in Xvfb xdotool import; do
    command -v "$tool" >/dev/null || { echo "screenshots: $tool is missing" >&2; exit 1; }
done
[ -x "$bin" ] || { echo "screenshots: $bin is missing; run 'cargo build' first" >&2; exit 1; }

work=$(mktemp -d)
xvfb_pid=""
app_pid=""
cleanup() {
    [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
    [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

today=$(date +%F)
day() { date -d "$today $1 days" +%F; }
"$bin" demo --db "$work/journal.sqlite3" --today "$today" >/dev/null
cat >"$work/people.csv" <<CSV
entry_id,customer,company,email,phone,kind,occurred_at,summary,due,status,channel,direction,outcome,category
1,شركة النور للتجارة,Al-Nour Trading,info@alnour.example,+971 4 123 4567,promise,$(day -9) 10:00,Replacement compressor for the cold store,$(day -2),open,,,,delivery
2,شركة النور للتجارة,Al-Nour Trading,info@alnour.example,+971 4 123 4567,contact,$(day -9) 10:00,سنرسل الضاغط الأسبوع المقبل,,,call,outbound,reached,
3,北京长城贸易有限公司,长城贸易,li.wei@changcheng.example,+86 10 6552 3300,contact,$(day -1) 09:30,,,,call,inbound,no_answer,
4,יעל כהן,כהן ובניו,yael@cohen.example,+972 3 555 0101,promise,$(day -3) 15:00,Price list for 2027,$(day 1),open,,,,delivery
5,山田 太郎,山田商事,taro@yamada.example,+81 3 1234 5678,note,$(day -5) 11:00,新しい倉庫を探している,,,,,,
6,김민준,서울물산,minjun@seoul.example,+82 2 555 1234,note,$(day -6) 11:00,Prefers e-mail after 4 pm,,,,,,
7,अनन्या शर्मा,शर्मा एंटरप्राइज़,ananya@sharma.example,+91 22 5555 0199,note,$(day -7) 11:00,Meeting in Mumbai next month,,,,,,
8,Νίκος Παπαδόπουλος,Παπαδόπουλος ΑΕ,nikos@papadopoulos.example,+30 21 0555 0101,note,$(day -8) 11:00,Wants samples,,,,,,
9,Сергей Иванов,Иванов и партнёры,sergey@ivanov.example,+7 495 555 0101,note,$(day -8) 12:00,Called about the contract,,,,,,
10,Maximiliane Alexandra von und zu Hohenzollern-Sigmaringen,Hohenzollern-Sigmaringen Vertriebsgesellschaft mbH & Co. KG Niederlassung Süd,max@hohenzollern.example,+49 7571 555 0101,promise,$(day -4) 09:00,"Deliver the complete spare-parts catalogue with every part number, price and delivery time for the southern region",$(day -1),open,,,,delivery
CSV
"$bin" import --db "$work/journal.sqlite3" "$work/people.csv" >"$work/import.log" || { cat "$work/import.log" >&2; exit 1; }

shoot() {
    local width=$1 height=$2 search=$3
    local display=":$((100 + RANDOM % 400))"
    Xvfb "$display" -screen 0 "${width}x${height}x24" -nolisten tcp >"$work/xvfb.log" 2>&1 &
    xvfb_pid=$!
    sleep 1
    env -u WAYLAND_DISPLAY DISPLAY="$display" HOME="$work/home" XDG_DATA_HOME="$work/data" \
        XDG_CONFIG_HOME="$work/config" "$bin" --db "$work/journal.sqlite3" >"$work/app.log" 2>&1 &
    app_pid=$!
    local window=""
    for _ in $(seq 1 60); do
        window=$(DISPLAY="$display" xdotool search --name "^Candor" 2>/dev/null | head -n 1 || true)
        [ -n "$window" ] && break
        sleep 0.5
    done
    [ -n "$window" ] || { echo "screenshots: no window" >&2; cat "$work/app.log" >&2; exit 1; }
    DISPLAY="$display" xdotool windowmove "$window" 0 0 windowsize "$window" "$width" "$height"
    sleep 4 # the system fonts are found off the UI thread
    DISPLAY="$display" xdotool windowfocus --sync "$window" 2>/dev/null || true
    DISPLAY="$display" xdotool key ctrl+f
    sleep 0.5
    DISPLAY="$display" xdotool type --delay 50 "$search"
    sleep 0.5
    DISPLAY="$display" xdotool key Return
    sleep 2
    DISPLAY="$display" import -window root "$out_dir/candor-${width}x${height}.png"
    kill "$app_pid" 2>/dev/null || true
    wait "$app_pid" 2>/dev/null || true
    app_pid=""
    kill "$xvfb_pid" 2>/dev/null || true
    wait "$xvfb_pid" 2>/dev/null || true
    xvfb_pid=""
}

shoot 800 600 "Al-Nour"
shoot 1280 800 "Hohenzollern"
shoot 2560 1440 "Al-Nour"
echo "screenshots: written to $out_dir"
