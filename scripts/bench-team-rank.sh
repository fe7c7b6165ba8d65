#!/usr/bin/env bash
# Team ranking figures for BENCHMARKS.md, against a throwaway local PostgreSQL cluster.
#
# For each size REPSxCUSTOMERSxENTRIES (customers per rep, entries per customer), the team
# database is filled straight in SQL with generate_series — customers of every rep, and a
# mix of calls, promises (open, kept, broken; due around today), problems, unpaid
# invoices, ratings and bad news — the per-customer summary is filled once (as
# `candor team init` fills it for an existing database), and `candor team rank` is timed
# (RUNS times each, after one warm-up) as the manager (whole team, JSON, all rows; the top
# 20 as a table; one rep with --rep) and as a rep (their own customers), with peak memory.
# The server's share is EXPLAIN (ANALYZE, BUFFERS) of the summary query, as the manager
# and as a rep, with JIT off as team rank sets it.
#
#   bash scripts/bench-team-rank.sh                      # 50 reps: 10k … 500k customers
#   bash scripts/bench-team-rank.sh 2x20x10              # a quick check that it works
#   CANDOR=target/debug/candor bash scripts/bench-team-rank.sh 2x20x10   # no release build
#   ANNOUNCEMENT=1 bash scripts/bench-team-rank.sh 50x10000x2  # plus a manager's announcement
#                                                 # to every customer (team schema 9+)
#
# The ranking reads one summary row per customer, never the entries, so its cost grows
# with customers: the default sizes keep 2 entries per customer, and the largest,
# 50x10000x2, is the 500,000 customers of issue 13's target in about 1 GB and 1.5 minutes
# of loading (50x10000x100, the issue's 50M entries, would need about 40 GB and hours).
# Needs PostgreSQL 15+ server binaries (CANDOR_PG_BIN, or /usr/lib/postgresql/*/bin) and
# /usr/bin/time. Run from the repository.
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=("$@")
if [ ${#sizes[@]} -eq 0 ]; then
    sizes=(50x200x2 50x1000x2 50x2000x2 50x5000x2 50x10000x2)
fi
runs=${RUNS:-3}
today=2026-11-22

bin_dir="${CANDOR_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}"
work="$(mktemp -d /tmp/candor-bench-rank.XXXXXX)"
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$work"
    as_pg=(runuser -u postgres --)
fi
stop() {
    "${as_pg[@]}" "$bin_dir/pg_ctl" stop -D "$work/data" -m fast >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap stop EXIT

"${as_pg[@]}" "$bin_dir/initdb" -D "$work/data" -U postgres -A trust --no-sync >/dev/null
printf 'local all postgres trust\nlocal all all scram-sha-256\n' >"$work/data/pg_hba.conf"
"${as_pg[@]}" "$bin_dir/pg_ctl" start -D "$work/data" -w -l "$work/server.log" \
    -o "-c listen_addresses='' -k $work -p 5432 -c shared_buffers=512MB -c max_wal_size=8GB" \
    >/dev/null

if [ -z "${CANDOR:-}" ]; then
    cargo build --release --quiet
    CANDOR=target/release/candor
fi
psql=("$bin_dir/psql" -X -q -v ON_ERROR_STOP=1 -h "$work" -U postgres -d sales)
psql_admin() { "${psql[@]}" "$@"; }

timed() { # label, command…: prints wall seconds and peak memory
    local label="$1"; shift
    /usr/bin/time -f "$label: %e s wall, %M KiB peak" "$@"
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for size in "${sizes[@]}"; do
    IFS=x read -r reps per_rep per_customer <<<"$size"
    customers=$((reps * per_rep))
    echo "== $reps reps x $per_rep customers x $per_customer entries" \
        "($customers customers, $((customers * per_customer)) entries)"
    "${as_pg[@]}" "$bin_dir/dropdb" -h "$work" -U postgres --if-exists sales
    "${as_pg[@]}" "$bin_dir/createdb" -h "$work" -U postgres sales
    admin="host=$work user=postgres dbname=sales sslmode=disable"
    boss="host=$work user=boss dbname=sales sslmode=disable"
    "$CANDOR" team init --server "$admin" >/dev/null
    rep="host=$work user=rep1 dbname=sales sslmode=disable"
    echo bench-password | "$CANDOR" team add-rep --server "$admin" --login boss \
        --name "The Manager" --manager >/dev/null
    echo bench-password | "$CANDOR" team add-rep --server "$admin" --login rep1 \
        --name "Rep 1" >/dev/null
    started=$(date +%s.%N)
    psql_admin <<SQL
-- The reps (rank reads them; they need no login of their own here).
INSERT INTO candor.reps (login, full_name)
SELECT 'rep' || r, 'Rep ' || r FROM generate_series(1, $reps) r ON CONFLICT DO NOTHING;

-- Loaded in bulk: the summary is filled once afterwards, as a team init does. Every
-- trigger of these two tables keeps the summary (row triggers since version 3, statement
-- triggers for inserts since version 4): without them off, the load's commit refreshed
-- every customer's summary against an entries table not yet analysed, for minutes.
ALTER TABLE candor.customers DISABLE TRIGGER USER;
ALTER TABLE candor.entries DISABLE TRIGGER USER;

INSERT INTO candor.customers (gid, owner_login, data, created_hlc, updated_hlc)
SELECT gen_random_uuid(), 'rep' || (1 + (i - 1) % $reps),
    jsonb_build_object('name', 'Customer ' || i, 'company', 'Company ' || (i % 997),
        'phone', '+1 555 ' || lpad((i % 10000)::text, 4, '0'), 'email', '',
        'notes', '', 'tags', '[]', 'cadence_days', 14 + (i % 4) * 7, 'archived', 0,
        'created_at', '2025-01-02T09:00:00', 'updated_at', '2025-01-02T09:00:00',
        'deleted_at', NULL),
    '0', '0'
FROM generate_series(1, $customers) i;

-- Entries: per customer, one every 3 days back from today, kinds in a fixed rhythm.
INSERT INTO candor.entries (gid, data, created_hlc, updated_hlc)
SELECT gen_random_uuid(),
    jsonb_build_object(
        'customer', c.gid, 'related', NULL,
        'kind', k.kind,
        'occurred_at', to_char(k.t0, 'YYYY-MM-DD"T"HH24:MI:SS'),
        'summary', k.kind || ' ' || j,
        'channel', CASE WHEN k.kind = 'contact' THEN 'call' END,
        'direction', CASE WHEN k.kind = 'contact' THEN
            CASE WHEN (c.n + j) % 7 = 0 THEN 'inbound' ELSE 'outbound' END END,
        'outcome', CASE WHEN k.kind = 'contact' THEN
            CASE WHEN (c.n + j) % 5 = 0 THEN 'no_answer' ELSE 'reached' END END,
        'duration_mins', CASE WHEN k.kind = 'contact' THEN 5 END,
        'category', CASE WHEN k.kind = 'promise' THEN 'delivery' END,
        'status', CASE k.kind
            WHEN 'promise' THEN (ARRAY['open', 'kept', 'broken'])[1 + (c.n + j) % 3]
            WHEN 'problem' THEN CASE WHEN (c.n + j) % 4 = 0 THEN 'open' ELSE 'resolved' END
            WHEN 'payment' THEN CASE WHEN (c.n + j) % 3 = 0 THEN 'unpaid' ELSE 'paid' END
        END,
        'due_date', CASE WHEN k.kind IN ('promise', 'payment') THEN
            to_char(k.t0 + ((c.n + j) % 40 - 10) * interval '1 day', 'YYYY-MM-DD') END,
        'closed_on', CASE
            WHEN k.kind = 'promise' AND (c.n + j) % 3 <> 0 THEN
                to_char(k.t0 + interval '5 days', 'YYYY-MM-DD')
            WHEN k.kind = 'problem' AND (c.n + j) % 4 <> 0 THEN
                to_char(k.t0 + interval '2 days', 'YYYY-MM-DD') END,
        'owner', CASE WHEN k.kind = 'problem' THEN 'Rep' END,
        'amount_cents', CASE WHEN k.kind = 'payment' THEN 10000 + (c.n % 50) * 1000 END,
        'invoice_ref', CASE WHEN k.kind = 'payment' THEN 'INV-' || c.n || '-' || j END,
        'rating', CASE WHEN k.kind = 'feedback' THEN 1 + (c.n + j) % 5 END,
        'renegotiations', CASE WHEN k.kind = 'promise' THEN '[]' END,
        'is_open', CASE
            WHEN k.kind = 'promise' AND (c.n + j) % 3 = 0 THEN 1
            WHEN k.kind = 'problem' AND (c.n + j) % 4 = 0 THEN 1
            WHEN k.kind = 'payment' AND (c.n + j) % 3 = 0 THEN 1
            ELSE 0 END,
        'created_at', to_char(k.t0, 'YYYY-MM-DD"T"HH24:MI:SS'),
        'updated_at', to_char(k.t0 + interval '5 days', 'YYYY-MM-DD"T"HH24:MI:SS'),
        'deleted_at', NULL),
    '0', '0'
FROM (SELECT gid, row_number() OVER () AS n FROM candor.customers) c
CROSS JOIN generate_series(1, $per_customer) j
CROSS JOIN LATERAL (SELECT
    timestamp '$today 10:00' - ($per_customer - j) * 3 * interval '1 day'
        - (c.n % 3) * interval '1 day' AS t0,
    (ARRAY['contact', 'contact', 'contact', 'promise', 'contact', 'problem', 'payment',
           'contact', 'feedback', 'bad_news'])[1 + (c.n + j) % 10] AS kind) k(t0, kind);

ALTER TABLE candor.customers ENABLE TRIGGER USER;
ALTER TABLE candor.entries ENABLE TRIGGER USER;
ANALYZE candor.entries;
SQL
    loaded=$(date +%s.%N)
    awk -v a="$started" -v b="$loaded" 'BEGIN { printf "load (SQL generate_series): %.1f s\n", b - a }'
    timed "summary backfill (SQL)" "${psql[@]}" -c "SELECT candor.refresh_all_summaries()" >/dev/null
    psql_admin -c "ANALYZE candor.customer_summary" >/dev/null
    if [ -n "${ANNOUNCEMENT:-}" ]; then
        # Pending for every customer: the team rank reads it, who was told and every
        # customer's orders of the last year before the summary rows.
        psql_admin -c "INSERT INTO candor.announcements (gid, author, kind, title, reason,
            effective_on, audience, audience_value, created_at)
            VALUES (gen_random_uuid(), 'boss', 'price_increase', 'Prices rise 4%', 'costs',
                    '$today'::date + 9, 'all', '', '2026-11-01T09:00:00')" >/dev/null
    fi
    export PGPASSWORD=bench-password
    # Once to warm the cache, then timed.
    "$CANDOR" team rank --server "$boss" --today "$today" --format json >"$work/rank.json"
    for run in $(seq "$runs"); do
        timed "team rank, whole team (manager, JSON), run $run" \
            "$CANDOR" team rank --server "$boss" --today "$today" --format json >/dev/null
    done
    for run in $(seq "$runs"); do
        timed "team rank, whole team, top 20 (table), run $run" \
            "$CANDOR" team rank --server "$boss" --today "$today" --limit 20 >/dev/null
    done
    for run in $(seq "$runs"); do
        timed "team rank, one rep (manager, --rep rep1), run $run" \
            "$CANDOR" team rank --server "$boss" --today "$today" --format json --rep rep1 \
            >/dev/null
    done
    for run in $(seq "$runs"); do
        timed "team rank as a rep (rep1, their own), run $run" \
            "$CANDOR" team rank --server "$rep" --today "$today" --format json >/dev/null
    done
    # The server's share: the same rows team rank reads, as the manager and as a rep.
    for who in boss rep1; do
        "$bin_dir/psql" -X -q -At -h "$work" -U "$who" -d sales -c "SET jit = off" -c \
            "EXPLAIN (ANALYZE, BUFFERS, TIMING OFF)
             SELECT customer_gid, owner_login, name, company, phone, cadence_days,
                    created_at, last_reached_at, callback_owed_since, last_bad_news_at,
                    last_problem_resolved_on, last_feedback_at, snoozed_until,
                    last_rating::text, broken_promises::text, open_items::text,
                    taken_over::text
             FROM candor.customer_summary WHERE active" |
            sed -n "s/^Execution Time: /server side of team rank (summary rows, as $who): /p"
    done
    echo "ranked: $(grep -c '"rep":' "$work/rank.json") customers on the list of $customers"
    if [ -n "${ANNOUNCEMENT:-}" ]; then
        echo "announcement reasons: $(grep -c '"announcement_untold"' "$work/rank.json")"
    fi
    unset PGPASSWORD
done
