#!/usr/bin/env bash
# Team sync figures for BENCHMARKS.md, against a throwaway local PostgreSQL cluster:
#   1. a day's changes (about 200 events) pushed by one device and pulled by another;
#   2. the first sync of a 10k-customer / 1M-entry journal (upload), wall time and peak
#      memory;
#   3. the first sync of a new, empty device of the same rep (download).
# Needs PostgreSQL 15+ server binaries (CANDOR_PG_BIN, or /usr/lib/postgresql/*/bin) and
# /usr/bin/time. Run from the repository: bash scripts/bench-team-sync.sh
# CANDOR=path/to/candor skips the release build; PG_SETTINGS adds server settings, e.g.
# PG_SETTINGS="-c shared_buffers=1GB -c max_wal_size=4GB" for a server sized for the machine.
set -euo pipefail
cd "$(dirname "$0")/.."

bin_dir="${CANDOR_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}"
work="$(mktemp -d /tmp/candor-bench-sync.XXXXXX)"
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$work"
    as_pg=(runuser -u postgres --)
fi
# The cluster and journals of a 1M run take about 5 GB: removed at the end (KEEP=1 keeps them).
stop() {
    "${as_pg[@]}" "$bin_dir/pg_ctl" stop -D "$work/data" -m fast >/dev/null 2>&1 || true
    if [ -z "${KEEP:-}" ]; then rm -rf "$work"; fi
}
trap stop EXIT

"${as_pg[@]}" "$bin_dir/initdb" -D "$work/data" -U postgres -A trust --no-sync >/dev/null
printf 'local all postgres trust\nlocal all all scram-sha-256\n' >"$work/data/pg_hba.conf"
# Default durability (fsync on): the figures are those of a real server on this disk.
"${as_pg[@]}" "$bin_dir/pg_ctl" start -D "$work/data" -w -l "$work/server.log" \
    -o "-c listen_addresses='' -k $work -p 5432 ${PG_SETTINGS:-}" >/dev/null
"${as_pg[@]}" "$bin_dir/createdb" -h "$work" -U postgres sales

if [ -z "${CANDOR:-}" ]; then
    cargo build --release --quiet --bin candor
    CANDOR="${CARGO_TARGET_DIR:-target}/release/candor"
fi
candor="$CANDOR"
# The large journal's size (BENCH_CUSTOMERS=100 BENCH_ENTRIES=10000 for a quick trial).
customers="${BENCH_CUSTOMERS:-10000}"
entries="${BENCH_ENTRIES:-1000000}"
admin="host=$work user=postgres dbname=sales sslmode=disable"
rep="host=$work user=ann dbname=sales sslmode=disable"
export PGPASSWORD=bench-password
$candor team init --server "$admin"
echo "$PGPASSWORD" | $candor team add-rep --server "$admin" --login ann --name "Ann Bench"

timed() { # label, command…: prints wall seconds and peak memory
    local label="$1"; shift
    /usr/bin/time -f "$label: %e s wall, %M KiB peak" "$@"
}

echo "== A day's changes"
$candor generate --db "$work/laptop.sqlite3" --customers 50 --entries 2000 --today 2026-11-22 >/dev/null
$candor sync --db "$work/laptop.sqlite3" --server "$rep"
$candor sync --db "$work/desktop.sqlite3" --server "$rep"
$candor generate --db "$work/day.sqlite3" --customers 20 --entries 200 --seed 7 --today 2026-11-22 >/dev/null
$candor export --db "$work/day.sqlite3" --report timeline --out "$work/day.csv" --today 2026-11-22
$candor import --db "$work/laptop.sqlite3" "$work/day.csv" | tail -1
timed "push (laptop)" $candor sync --db "$work/laptop.sqlite3" --server "$rep"
timed "pull (desktop)" $candor sync --db "$work/desktop.sqlite3" --server "$rep"

echo "== First sync of a $customers-customer / $entries-entry journal"
$candor generate --db "$work/big.sqlite3" --customers "$customers" --entries "$entries" --today 2026-11-22 >/dev/null
timed "upload" $candor sync --db "$work/big.sqlite3" --server "$rep"
timed "download (new device)" $candor sync --db "$work/big-copy.sqlite3" --server "$rep"
