#!/usr/bin/env bash
# Regenerates BENCHMARKS.md: every figure in it comes from this script, with the exact
# command beside it and a comparison run in the same loop (A B A B …), because the machine
# it runs on may be shared and noisy. Whole processes are timed from the shell
# (`date +%s%N`) and their peak resident memory is read from GNU time (`/usr/bin/time -f %M`).
#
# Needs: a release build (made here unless CANDOR is set), the sqlite3 command-line shell
# and GNU time (`apt-get install sqlite3 time`). Takes 15–30 minutes; not run by CI.
#
#   scripts/bench.sh                 # writes BENCHMARKS.md
#   RUNS=3 SLOW_RUNS=2 CURVE="1 2" BENCH_DIR=/tmp/bench scripts/bench.sh
#   ONLY=Import SLOW_RUNS=1 CURVE= OUT=/tmp/import.md scripts/bench.sh   # one section
#
# Journals are generated once into BENCH_DIR and reused (delete them to start afresh).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
if [ -z "${CANDOR:-}" ]; then
    cargo build --release --bin candor >&2
    CANDOR="$CARGO_TARGET_DIR/release/candor"
fi
BENCH_DIR="${BENCH_DIR:-/tmp/bench}"
RUNS="${RUNS:-5}"
SLOW_RUNS="${SLOW_RUNS:-3}"
# Journal sizes, in millions of entries, for the memory curve.
CURVE="${CURVE-1 2 3}"
# Entries per step of the curve; only a quick trial of this script sets it lower.
UNIT="${UNIT:-1000000}"
OUT="${OUT:-$root/BENCHMARKS.md}"
# Only the paired sections whose title contains this text (a quick check of one row).
ONLY="${ONLY:-}"
for tool in sqlite3 /usr/bin/time awk; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install sqlite3 time)" >&2; exit 1; }
done
mkdir -p "$BENCH_DIR"
work="$BENCH_DIR/work"
rm -rf "$work"
mkdir -p "$work"
J="$BENCH_DIR/10k1m.sqlite3"
body="$work/body.md"
: >"$body"

# The command lines shown in BENCHMARKS.md name files relative to BENCH_DIR's default.
show() { sed -e "s#$CANDOR#candor#g" -e "s#$BENCH_DIR#/tmp/bench#g" <<<"$1"; }

# measure PREP CMD: runs PREP (untimed), then CMD; prints "milliseconds peak_MiB".
measure() {
    local prep=$1 cmd=$2
    if [ -n "$prep" ]; then bash -c "$prep" >/dev/null; fi
    local t0 t1
    t0=$(date +%s%N)
    if ! /usr/bin/time -f "%M" -o "$work/rss" bash -c "$cmd" >/dev/null 2>"$work/err"; then
        echo "bench: failed: $cmd" >&2
        cat "$work/err" >&2
        exit 1
    fi
    t1=$(date +%s%N)
    echo "$(((t1 - t0) / 1000000)) $(($(tail -n 1 "$work/rss") / 1024))"
}

# stats FILE COLUMN: "min / median / max" of one column of numbers.
stats() {
    awk -v c="$2" '{print $c}' "$1" | sort -g | awk '
        { v[NR] = $1 }
        END {
            m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%s / %s / %s", v[1], m, v[NR]
        }'
}

median() {
    awk -v c="$2" '{print $c}' "$1" | sort -g | awk '
        { v[NR] = $1 }
        END { printf "%s", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

seconds() { awk '{printf "%.3f", $1 / 1000}' <<<"$1"; }

# paired TITLE RUNS PREP_A CMD_A PREP_B CMD_B TARGET: one warm-up of each, then RUNS
# pairs A B; A is Candor, B the comparison. Appends a section to the report.
paired() {
    local title=$1 runs=$2 prep_a=$3 cmd_a=$4 prep_b=$5 cmd_b=$6 target=$7
    if [[ "$title" != *"$ONLY"* ]]; then return; fi
    echo "bench: $title" >&2
    measure "$prep_a" "$cmd_a" >/dev/null
    measure "$prep_b" "$cmd_b" >/dev/null
    : >"$work/a"
    : >"$work/b"
    : >"$work/r"
    local i a b
    for i in $(seq "$runs"); do
        a=$(measure "$prep_a" "$cmd_a")
        b=$(measure "$prep_b" "$cmd_b")
        echo "$a" >>"$work/a"
        echo "$b" >>"$work/b"
        awk -v a="${a%% *}" -v b="${b%% *}" 'BEGIN { printf "%.2f\n", a / b }' >>"$work/r"
    done
    {
        echo "### $title"
        echo
        echo '```sh'
        echo "# Candor"
        if [ -n "$prep_a" ]; then echo "# (before each run, not timed: $(show "$prep_a"))"; fi
        show "$cmd_a"
        echo "# comparison"
        if [ -n "$prep_b" ]; then echo "# (before each run, not timed: $(show "$prep_b"))"; fi
        show "$cmd_b"
        echo '```'
        echo
        echo "| $runs paired runs | min / median / max | peak RSS (median) |"
        echo "| --- | --- | --- |"
        echo "| Candor, ms | $(stats "$work/a" 1) | $(median "$work/a" 2) MiB |"
        echo "| Comparison, ms | $(stats "$work/b" 1) | $(median "$work/b" 2) MiB |"
        echo "| **Candor ÷ comparison**, per pair | **$(stats "$work/r" 1)** | |"
        echo
        echo "Target: $target"
        echo
    } >>"$body"
}

# single TITLE PREP CMD NOTE: one run, for what has no comparison (sizes, memory curves).
single_row() {
    local prep=$1 cmd=$2
    local r
    r=$(measure "$prep" "$cmd")
    echo "| \`$(show "$cmd")\` | $(seconds "${r%% *}") s | ${r##* } MiB |"
}

# --- Journals ------------------------------------------------------------------------

gen_cmd() { echo "$CANDOR generate --db $1 --customers 10000 --entries $2 --seed 7"; }
{
    echo "## Generating the journals"
    echo
    echo "Each journal is generated once and reused; \`candor generate\` writes everything in"
    echo "one transaction with a 64 MiB page cache (see \`store::BULK_CACHE_KIB\`)."
    echo
    echo "| Command | Wall time | Peak RSS | File |"
    echo "| --- | --- | --- | --- |"
} >>"$body"
for m in $(printf '%s\n' 1 $CURVE | sort -un); do
    n=$((m * UNIT))
    db="$BENCH_DIR/10k${m}m.sqlite3"
    if [ ! -f "$db" ]; then
        echo "bench: generating $db" >&2
        r=$(measure "" "$(gen_cmd "$db" "$n")")
        echo "| \`$(show "$(gen_cmd "$db" "$n")")\` | $(seconds "${r%% *}") s | ${r##* } MiB | $(stat -c %s "$db") bytes |" >>"$body"
    else
        echo "| \`$(show "$(gen_cmd "$db" "$n")")\` | (generated earlier, not timed in this run) | | $(stat -c %s "$db") bytes |" >>"$body"
    fi
done
echo >>"$body"

echo "## Paired runs on the 10k / 1M journal" >>"$body"
echo >>"$body"

# --- Rank ----------------------------------------------------------------------------

cat >"$work/facts.sql" <<'SQL'
SELECT c.id, c.name, c.company, c.phone, c.cadence_days, c.created_at, s.last_reached_at,
       s.callback_owed_since, s.last_bad_news_at, s.last_problem_resolved_on,
       s.last_feedback_at, s.snoozed_until
  FROM customers c LEFT JOIN customer_summary s ON s.customer_id = c.id
 WHERE c.archived = 0 ORDER BY c.id;
SELECT customer_id, COUNT(*) FROM entries
 WHERE kind = 'promise' AND status = 'broken' AND deleted_at IS NULL
   AND closed_on > date('now', '-90 days') AND closed_on <= date('now')
 GROUP BY customer_id;
SELECT id, customer_id, kind, substr(summary, 1, 200), occurred_at, due_date, category,
       at_risk_since, risk_reason, status, status_changed_at, owner, invoice_ref, amount_cents
  FROM entries WHERE is_open = 1 AND deleted_at IS NULL;
SQL
cp "$work/facts.sql" "$BENCH_DIR/facts.sql"
paired "Call them first, table (\`candor rank\`)" "$RUNS" \
    "" "$CANDOR rank --db $J" \
    "" "sqlite3 $J < $BENCH_DIR/facts.sql" \
    "≤ 60 ms per process including start-up; the comparison is the three facts queries alone in the sqlite3 shell (no scoring, no output formatting)."
paired "Call them first, JSON (\`candor rank --format json\`)" "$RUNS" \
    "" "$CANDOR rank --db $J --format json" \
    "" "sqlite3 $J < $BENCH_DIR/facts.sql" \
    "≤ 60 ms per process including start-up."

# --- Exports -------------------------------------------------------------------------

# The comparisons read the entries NOT INDEXED, as Candor does: left to itself SQLite walks
# the partial index entries_by_kind_time (schema 10) and looks every row up in the table,
# which made the timeline comparison several times slower than its best plan.

timeline_sql="SELECT e.id, e.customer_id, c.name, c.company, c.email, c.phone, e.kind, e.occurred_at, e.summary, e.due_date, e.status, e.closed_on, e.channel, e.direction, e.outcome, e.duration_mins, e.category, e.proactive, e.related_id, e.owner, e.root_cause, e.prevention, e.amount_cents, e.invoice_ref, e.rating, e.snooze_until, e.at_risk_since, e.risk_reason, e.status_changed_at, e.renegotiations FROM entries e NOT INDEXED JOIN customers c ON c.id = e.customer_id WHERE e.deleted_at IS NULL ORDER BY e.occurred_at, e.id"
paired "Timeline export, 1,000,000 rows" "$RUNS" \
    "rm -f $work/timeline.csv" "$CANDOR export --db $J --report timeline --out $work/timeline.csv" \
    "" "sqlite3 -csv -header $J \"$timeline_sql\" > $work/timeline-sqlite3.csv" \
    "Candor at least 2× faster (≤ 0.50) and ≤ 64 MB peak. The comparison streams the same join in the same order to a file."

customers_sql="SELECT c.id, c.name, c.company, c.phone, c.email, c.tags, c.notes, c.cadence_days, c.archived, c.created_at, s.last_reached_at, p.kept, p.broken, p.renegotiated, o.open_promises, o.open_problems FROM customers c LEFT JOIN customer_summary s ON s.customer_id = c.id LEFT JOIN (SELECT customer_id, SUM(status = 'kept') AS kept, SUM(status = 'broken') AS broken, SUM(renegotiations <> '[]') AS renegotiated FROM entries NOT INDEXED WHERE kind = 'promise' AND deleted_at IS NULL GROUP BY customer_id) p ON p.customer_id = c.id LEFT JOIN (SELECT customer_id, SUM(kind = 'promise') AS open_promises, SUM(kind = 'problem') AS open_problems FROM entries WHERE is_open = 1 AND deleted_at IS NULL GROUP BY customer_id) o ON o.customer_id = c.id ORDER BY c.id"
paired "Customers report, 10,000 rows" "$RUNS" \
    "rm -f $work/customers.csv" "$CANDOR export --db $J --report customers --out $work/customers.csv" \
    "" "sqlite3 -csv -header $J \"$customers_sql\" > $work/customers-sqlite3.csv" \
    "within 1.2× (≤ 1.20) of one join giving the same rows' promise record and open items (the comparison does not score the ranking nor count announcements, which Candor's report also does)."

promises_sql="SELECT e.id, e.customer_id, c.name, c.company, e.occurred_at, e.summary, e.category, e.due_date, e.status, e.closed_on, e.renegotiations FROM entries e NOT INDEXED JOIN customers c ON c.id = e.customer_id WHERE e.kind = 'promise' AND e.deleted_at IS NULL ORDER BY e.occurred_at, e.id"
paired "Promises report, every promise" "$RUNS" \
    "rm -f $work/promises.csv" "$CANDOR export --db $J --report promises --out $work/promises.csv" \
    "" "sqlite3 -csv -header $J \"$promises_sql\" > $work/promises-sqlite3.csv" \
    "within 1.2× (≤ 1.20) of the one query giving the same promises in the same order."

# --- Import --------------------------------------------------------------------------

csv1m="$BENCH_DIR/timeline-1m.csv"
[ -f "$csv1m" ] || "$CANDOR" export --db "$J" --report timeline --out "$csv1m" >/dev/null
paired "Import the 1,000,000-row timeline CSV into a new journal" "$SLOW_RUNS" \
    "rm -f $work/imported.sqlite3*" "$CANDOR import --db $work/imported.sqlite3 $csv1m" \
    "rm -f $work/plain.sqlite3" "sqlite3 $work/plain.sqlite3 -cmd '.mode csv' '.import $csv1m entries'" \
    "≤ 2× (≤ 2.00) \`sqlite3 .import\` into a plain table, and ≤ 200 MB peak."

# --- Backups -------------------------------------------------------------------------

paired "Backup (\`candor backup\`, quick check)" "$SLOW_RUNS" \
    "rm -f $work/backup.sqlite3" "$CANDOR backup --db $J --out $work/backup.sqlite3" \
    "rm -f $work/backup-sqlite3.sqlite3" "sqlite3 $J '.backup $work/backup-sqlite3.sqlite3'" \
    "≤ 2× (≤ 2.00) \`sqlite3 .backup\` for the daily backup."
paired "Restore (\`candor restore\`: full check of the backup, quick-checked copy of the journal kept)" "$SLOW_RUNS" \
    "rm -rf $work/restore && mkdir -p $work/restore && cp $J $work/restore/j.sqlite3" "$CANDOR restore --db $work/restore/j.sqlite3 $work/backup.sqlite3" \
    "rm -f $work/copy.sqlite3" "cp $work/backup.sqlite3 $work/copy.sqlite3" \
    "none set; the comparison is a plain copy of the backup file."

# --- Memory curves -------------------------------------------------------------------

{
    echo "## Peak memory as the journal grows"
    echo
    echo "One run each; the timeline export of each journal, then that file imported into a new journal."
    echo
    echo "| Command | Wall time | Peak RSS |"
    echo "| --- | --- | --- |"
} >>"$body"
for m in $CURVE; do
    db="$BENCH_DIR/10k${m}m.sqlite3"
    csv="$work/timeline-${m}m.csv"
    single_row "rm -f $csv" "$CANDOR export --db $db --report timeline --out $csv" >>"$body"
    single_row "rm -f $work/curve.sqlite3*" "$CANDOR import --db $work/curve.sqlite3 $csv" >>"$body"
    rm -f "$csv" "$work"/curve.sqlite3*
done
echo >>"$body"

# --- The report ----------------------------------------------------------------------

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
mem=$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
{
    echo "# Benchmarks"
    echo
    echo "Generated by \`RUNS=$RUNS SLOW_RUNS=$SLOW_RUNS CURVE=\"$CURVE\" scripts/bench.sh\` on"
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'): every figure in its sections is from that one run, with"
    echo "the command that produced it beside it."
    echo
    echo "Machine: $(nproc) cores (\"$cpu\"), $mem RAM, $(uname -sr), SQLite $(sqlite3 -version | cut -d' ' -f1)"
    echo "for the comparisons. The machine is shared and noisy (other engineers compile on the"
    echo "same two cores; load average $(cut -d' ' -f1-3 /proc/loadavg) at the end of the run), so"
    echo "absolute times move from run to run: read the ratio of each pair (Candor and its"
    echo "comparison run back to back, A B A B …), and its spread. Times are whole processes"
    echo "including start-up, in milliseconds; peak RSS is GNU time's maximum resident set size."
    echo
    echo "The journals are \`candor generate\` output (10,000 customers, seed 7) kept in"
    echo "\`/tmp/bench\`; \`candor\` is \`target/release/candor\`."
    echo
    cat "$body"
    cat <<'NOTES'
## How the figures come about

- **Timeline export**: the entries are read in two halves by id, each on its own
  connection and core, in one snapshot (`store/two_readers.rs`), and in storage order (an
  `ORDER BY occurred_at` would make SQLite sort a million wide rows). Each half is
  formatted by `csv-core` into runs of 8 MB; each full run is sorted by (time, id) and
  appended to a temporary file beside the report; at the end the runs of both halves are
  merged into the report (`src/io/sorted_rows.rs`). Memory is one run per half plus a
  64 KB buffer per run, however long the journal is; the rows are written once more to the
  temporary file, which the file system cache mostly absorbs.
- **Backups**: the daily backup is checked with `PRAGMA quick_check`; the first of each
  week and a backup about to be restored get `PRAGMA integrity_check` (see the README's
  "Your data").
- **Page cache**: 8 MiB for windows and commands (`store::APP_CACHE_KIB`), 64 MiB during
  bulk writes such as imports and `candor generate` (`store::BULK_CACHE_KIB`).
- **`candor rank`** reads and scores each half of the customers by id on its own
  connection and core, in one snapshot, and sorts each half there; the halves are then
  merged. Its JSON is written by two threads: the second half of the list is rendered on
  the other core while the first is written.
- **`candor rank` and `candor export`** only read, and skip SQLite's quick check of the
  whole journal (see the README's "Your data"): SQLite still refuses every damaged page
  they read.
- **Imports**: a timeline CSV of 8 MiB or more (UTF-8, Candor's timeline columns) is read
  twice and never held: a first pass checks every byte (valid UTF-8, no quoted field that
  never closes) and, on a second thread, notes the entry ids bad news relates to; the
  second reads and checks records on one thread and writes them on another (a bounded
  channel of 1,024-row batches) inside the import's one transaction, so a refused import still
  leaves the journal untouched (`src/io/import/stream.rs`). Into a journal without entries
  the entries' indexes are dropped and built once at the end of that transaction
  (`BulkWriter::defer_entry_indexes`, sorted in 16 MiB pieces with `PRAGMA threads = 2`),
  the insert triggers are set aside while they cannot fire
  (`BulkWriter::defer_entry_triggers`), and each customer's summary is tallied as their
  entries are written instead of recomputed from the journal afterwards (`summary::Tally`,
  checked against the SQL by a test). A journal that did not exist is built in a temporary
  file beside its place, without a write-ahead log or a wait for the disk per write, flushed
  once and linked into place when complete (`store::NewJournal`); a failed import removes
  it. A customer's cells are read once per distinct set of cells, not once per row. A
  contacts CSV of 8 MiB or more goes the same way (duplicates found through a key table in
  SQLite's temporary database), and a large file in another encoding (Windows-1252, UTF-16,
  a code page chosen in the import dialog) is first copied as UTF-8 into a private
  temporary file as it is read, then imported from the copy. A vCard file of any size is
  read a card at a time through the same path (`src/io/import/vcards.rs`); only contacts
  CSV files under 8 MiB are still read whole before writing.
NOTES
} >"$OUT"
echo "bench: wrote $OUT" >&2
