//! CSV reports: customers, timeline, promises and the call-first list, in the stable formats
//! documented in docs/formats.md.
//!
//! Every report has a header row, RFC 4180 quoting with CRLF line ends, ISO dates, plain
//! numbers, and (by default) a UTF-8 byte-order mark so Excel shows accented names right.
//! Every text cell goes through [`neutralise`] so a spreadsheet never runs it as a formula;
//! numeric columns are written as numbers and left alone. [`export_report`] writes to a
//! temporary file beside the target and renames it into place, so a failed export never
//! leaves half a file over a good one.

use std::collections::HashMap;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::Serialize;

use super::csv_text::{CsvId, SafeText, neutralise};
use super::sorted_rows::SortedRows;
use crate::domain::dates::{MAX_DATE, MIN_DATE, days_between, format_date, format_datetime};
use crate::domain::insights::{PromiseRecord, promise_record};
use crate::domain::rank::{RankSettings, rank, weights};
use crate::domain::{Cents, CustomerId, EntryKind, Promise, PromiseStatus};
use crate::store::{EntryCells, PromisesMade, Store, StoreError};

/// The four CSV reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Report {
    /// One row per customer: contact details, promise record, open items, today's score.
    Customers,
    /// Every timeline entry in the period, one row each, with every kind's fields.
    Timeline,
    /// Every promise made in the period, with its outcome.
    Promises,
    /// Today's "Call them first" ranking with reasons and openers.
    CallFirst,
    /// Every customer each announcement affects: who was told when, and how they took it.
    Announcements,
}

impl Report {
    /// Every report, in menu order.
    pub const ALL: &'static [Self] = &[
        Self::Customers,
        Self::Timeline,
        Self::Promises,
        Self::CallFirst,
        Self::Announcements,
    ];

    /// The name used on the command line and in default file names.
    pub fn code(self) -> &'static str {
        match self {
            Self::Customers => "customers",
            Self::Timeline => "timeline",
            Self::Promises => "promises",
            Self::CallFirst => "call-first",
            Self::Announcements => "announcements",
        }
    }

    /// The sentence-case label for menus.
    pub fn label(self) -> &'static str {
        match self {
            Self::Customers => "Customers",
            Self::Timeline => "Timeline",
            Self::Promises => "Promises",
            Self::CallFirst => "Call them first",
            Self::Announcements => "Announcements",
        }
    }

    /// Whether the report uses the `from`/`to` period (the call-first list is always today's).
    pub fn uses_period(self) -> bool {
        !matches!(self, Self::CallFirst)
    }
}

/// How to write a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportOptions {
    /// The first day of the period (inclusive); `None` for the start of the journal.
    pub from: Option<NaiveDate>,
    /// The last day of the period (inclusive); `None` for the end of the journal.
    pub to: Option<NaiveDate>,
    /// Start the file with a UTF-8 byte-order mark (for Excel). On by default.
    pub bom: bool,
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self {
            from: None,
            to: None,
            bom: true,
        }
    }
}

impl ExportOptions {
    pub(super) fn period(&self) -> Result<(NaiveDateTime, NaiveDateTime), ExportError> {
        let from = self.from.unwrap_or(MIN_DATE);
        let to = self.to.unwrap_or(MAX_DATE);
        if from > to {
            return Err(ExportError::ReversedPeriod { from, to });
        }
        let end = NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN);
        Ok((from.and_time(NaiveTime::MIN), to.and_time(end)))
    }
}

/// Why an export failed. A failed export leaves any earlier file at the target unchanged.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),

    #[error(
        "The period starts on {} but ends on {}: pick a \"from\" date on or before the \"to\" date.",
        format_date(*from),
        format_date(*to)
    )]
    ReversedPeriod { from: NaiveDate, to: NaiveDate },

    #[error(
        "Cannot write the export to {}: {}; nothing was changed there: choose another file or folder and export again.",
        path.display(),
        crate::store::write_problem(path, cause)
    )]
    File { path: PathBuf, cause: io::Error },

    #[error("Cannot write the export ({0}): check where the output goes and try again.")]
    Output(#[source] io::Error),

    #[error("--{flag}: {error}")]
    BadDate {
        flag: &'static str,
        error: crate::domain::ValidationError,
    },

    #[error(
        "There is no journal at {}: check the path, or create one with `candor demo --db {}`.",
        path.display(),
        path.display()
    )]
    NoJournal { path: PathBuf },
}

impl From<io::Error> for ExportError {
    fn from(error: io::Error) -> Self {
        Self::Output(error)
    }
}

impl From<csv::Error> for ExportError {
    fn from(error: csv::Error) -> Self {
        Self::Output(io::Error::from(error))
    }
}

/// Writes `report` to the file `out` atomically (a temporary file in the same folder,
/// renamed over the target once complete). Returns the number of data rows written.
pub fn export_report(
    store: &Store,
    report: Report,
    options: &ExportOptions,
    today: NaiveDate,
    out: &Path,
) -> Result<usize, ExportError> {
    let file_error = |cause| ExportError::File {
        path: out.to_path_buf(),
        cause,
    };
    // Check the period before creating anything.
    options.period()?;
    let (temp_path, file) = create_temp_beside(out).map_err(file_error)?;
    let mut guard = TempGuard(Some(temp_path.clone()));
    let mut writer = BufWriter::with_capacity(1 << 16, file);
    // The timeline's sort spills beside the report: where there is room for the report,
    // there is room for its rows once more.
    let spill_dir = temp_path.parent().unwrap_or(Path::new("."));
    let rows = match write_report_spilling(store, report, options, today, spill_dir, &mut writer) {
        Ok(rows) => rows,
        Err(ExportError::Output(cause)) => return Err(file_error(cause)),
        Err(other) => return Err(other),
    };
    let file = writer
        .into_inner()
        .map_err(|e| file_error(e.into_error()))?;
    file.sync_all().map_err(file_error)?;
    drop(file);
    fs::rename(&temp_path, out).map_err(file_error)?;
    guard.0 = None;
    Ok(rows)
}

/// Writes `report` to any writer (standard output, a buffer). Returns the number of data
/// rows written. A long timeline is sorted through a temporary file in the system's
/// temporary folder.
pub fn write_report<W: Write>(
    store: &Store,
    report: Report,
    options: &ExportOptions,
    today: NaiveDate,
    out: W,
) -> Result<usize, ExportError> {
    write_report_spilling(store, report, options, today, &std::env::temp_dir(), out)
}

fn write_report_spilling<W: Write>(
    store: &Store,
    report: Report,
    options: &ExportOptions,
    today: NaiveDate,
    spill_dir: &Path,
    mut out: W,
) -> Result<usize, ExportError> {
    let (from, to) = options.period()?;
    if options.bom {
        out.write_all(super::UTF8_BOM)?;
    }
    let rows = match report {
        Report::Customers => write_customers(store, from, to, today, &mut out)?,
        Report::Timeline => write_timeline(store, from, to, spill_dir, RUN_BYTES, &mut out)?,
        Report::Promises => write_promises(store, from, to, today, &mut out)?,
        Report::CallFirst => {
            let ranked = rank(
                &store.rank_facts(today)?,
                today,
                &RankSettings::with_money(store.money_format()?),
            );
            super::rank_report::write_csv(&mut out, &ranked, false)?;
            ranked.len()
        }
        Report::Announcements => write_announcements(store, from, to, today, &mut out)?,
    };
    out.flush()?;
    Ok(rows)
}

/// `candor export`: opens the journal at `journal` (which must exist), reads `--from` and
/// `--to` relative to `today`, and writes the report to `out` (`-` for standard output).
/// Returns the number of data rows written.
pub fn run_cli(
    journal: &Path,
    report: Report,
    from: Option<&str>,
    to: Option<&str>,
    today: NaiveDate,
    bom: bool,
    out: &Path,
) -> Result<usize, ExportError> {
    let date = |flag: &'static str, text: Option<&str>| {
        text.map(|t| {
            crate::domain::dates::parse_date(t, today)
                .map_err(|error| ExportError::BadDate { flag, error })
        })
        .transpose()
    };
    let options = ExportOptions {
        from: date("from", from)?,
        to: date("to", to)?,
        bom,
    };
    if !journal.exists() {
        return Err(ExportError::NoJournal {
            path: journal.to_path_buf(),
        });
    }
    let store = Store::open(journal)?;
    // One report, then the process ends.
    store.cache_for_one_read()?;
    if out.as_os_str() == "-" {
        let stdout = io::stdout();
        write_report(
            &store,
            report,
            &options,
            today,
            BufWriter::new(stdout.lock()),
        )
    } else {
        export_report(&store, report, &options, today, out)
    }
}

/// A file name for `report` exported on `today`, e.g. `candor-timeline-2026-11-20.csv`.
pub fn default_file_name(report: Report, today: NaiveDate) -> String {
    format!("candor-{}-{}.csv", report.code(), format_date(today))
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Creates a new, empty temporary file in the folder of `target`.
pub(super) fn create_temp_beside(target: &Path) -> io::Result<(PathBuf, fs::File)> {
    let folder = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".to_owned());
    loop {
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = folder.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Removes the temporary file unless the export completed.
pub(super) struct TempGuard(pub(super) Option<PathBuf>);

impl Drop for TempGuard {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = fs::remove_file(path);
        }
    }
}

pub(super) fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}

pub(super) fn opt_date(date: Option<NaiveDate>) -> String {
    date.map(format_date).unwrap_or_default()
}

pub(super) fn opt_datetime(datetime: Option<NaiveDateTime>) -> String {
    datetime.map(format_datetime).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// Customers

/// The columns of the customers report, in order.
pub const CUSTOMER_COLUMNS: &[&str] = &[
    "customer_id",
    "name",
    "company",
    "phone",
    "email",
    "tags",
    "notes",
    "cadence_days",
    "archived",
    "created_at",
    "last_reached_at",
    "days_since_reached",
    "open_promises",
    "promises_kept",
    "promises_broken",
    "promises_renegotiated",
    "promise_kept_rate",
    "slips_told_before_due",
    "open_problems",
    "overdue_amount",
    "currency",
    "call_first_score",
    "top_reason",
    "announcements_affecting",
    "announcements_told",
    "announcements_told_late",
    "announcements_not_told",
    "next_announcement_not_told",
    "next_announcement_effective",
];

#[derive(Serialize)]
pub(super) struct CustomerRow {
    /// The rep who owns the customer (team reports only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) rep: Option<SafeText>,
    pub(super) customer_id: CsvId,
    pub(super) name: SafeText,
    pub(super) company: SafeText,
    pub(super) phone: SafeText,
    pub(super) email: SafeText,
    pub(super) tags: SafeText,
    pub(super) notes: SafeText,
    pub(super) cadence_days: u32,
    pub(super) archived: &'static str,
    pub(super) created_at: String,
    pub(super) last_reached_at: String,
    pub(super) days_since_reached: Option<i64>,
    pub(super) open_promises: u32,
    pub(super) promises_kept: u32,
    pub(super) promises_broken: u32,
    pub(super) promises_renegotiated: u32,
    pub(super) promise_kept_rate: String,
    pub(super) slips_told_before_due: u32,
    pub(super) open_problems: u32,
    pub(super) overdue_amount: String,
    pub(super) currency: &'static str,
    pub(super) call_first_score: i64,
    pub(super) top_reason: &'static str,
    pub(super) announcements_affecting: u32,
    pub(super) announcements_told: u32,
    pub(super) announcements_told_late: u32,
    pub(super) announcements_not_told: u32,
    pub(super) next_announcement_not_told: SafeText,
    pub(super) next_announcement_effective: String,
}

/// One customer's standing on the current announcements (see [`current_announcements`]).
#[derive(Default)]
struct AnnouncementRecord {
    affecting: u32,
    told: u32,
    told_late: u32,
    not_told: u32,
    /// The nearest one they have not been told about: title and effective day.
    next_not_told: Option<(String, NaiveDate)>,
}

/// The announcements the customers report counts: the ones still on the "Call them first"
/// list's horizon (effective today or later, or at most
/// [`weights::ANNOUNCEMENT_PAST_WINDOW_DAYS`] days ago). Older ones are history, in the
/// announcements report.
fn current_announcements(
    store: &Store,
    today: NaiveDate,
) -> Result<HashMap<CustomerId, AnnouncementRecord>, ExportError> {
    let mut records: HashMap<CustomerId, AnnouncementRecord> = HashMap::new();
    for progress in store.announcement_progress(today)? {
        if -progress.days_left > weights::ANNOUNCEMENT_PAST_WINDOW_DAYS {
            continue;
        }
        for affected in &progress.affected {
            let record = records.entry(affected.customer_id).or_default();
            record.affecting += 1;
            match (&affected.told, affected.told_late) {
                (Some(_), true) => record.told_late += 1,
                (Some(_), false) => record.told += 1,
                (None, _) => {
                    record.not_told += 1;
                    let effective = progress.announcement.effective;
                    // Progress comes nearest effective day first: keep the first.
                    if record.next_not_told.is_none() {
                        record.next_not_told =
                            Some((progress.announcement.title.clone(), effective));
                    }
                }
            }
        }
    }
    Ok(records)
}

#[derive(Default)]
struct PeriodRecord {
    kept: u32,
    broken: u32,
    renegotiated: u32,
    told_before_due: u32,
}

fn write_customers(
    store: &Store,
    from: NaiveDateTime,
    to: NaiveDateTime,
    today: NaiveDate,
    out: &mut impl Write,
) -> Result<usize, ExportError> {
    let customers = store.customers()?;
    let money = store.money_format()?;
    let stats = store.all_customer_stats()?;
    let open = store.open_totals(today)?;
    let (promises, first_bad_news) = store.promise_counts_and_first_bad_news(from, to)?;
    let mut record: HashMap<CustomerId, PeriodRecord> = HashMap::new();
    for (id, customer_id, promise) in &promises {
        let facts = promise_record(*id, promise, &first_bad_news, today);
        let r = record.entry(*customer_id).or_default();
        match promise.status {
            PromiseStatus::Kept(_) => r.kept += 1,
            PromiseStatus::Broken(_) => r.broken += 1,
            PromiseStatus::Open => {}
        }
        if !promise.renegotiations.is_empty() {
            r.renegotiated += 1;
        }
        if facts.told_before_due {
            r.told_before_due += 1;
        }
    }
    let ranked = rank(
        &store.rank_facts(today)?,
        today,
        &RankSettings::with_money(store.money_format()?),
    );
    let scores: HashMap<CustomerId, (i64, &'static str)> = ranked
        .iter()
        .map(|c| {
            (
                c.customer_id,
                (c.score, c.top_reason().map_or("", |r| r.kind.code())),
            )
        })
        .collect();

    let announcements = current_announcements(store, today)?;
    let no_announcements = AnnouncementRecord::default();

    let mut writer = super::csv_writer_without_header(out);
    writer.write_record(CUSTOMER_COLUMNS)?;
    for customer in &customers {
        let last_reached = stats.get(&customer.id).and_then(|s| s.last_reached_at);
        let totals = open.get(&customer.id).copied().unwrap_or_default();
        let period = record.get(&customer.id);
        let (kept, broken, renegotiated, told) = period.map_or((0, 0, 0, 0), |r| {
            (r.kept, r.broken, r.renegotiated, r.told_before_due)
        });
        let rate = if kept + broken > 0 {
            format!("{:.2}", f64::from(kept) / f64::from(kept + broken))
        } else {
            String::new()
        };
        let (score, top_reason) = scores.get(&customer.id).copied().unwrap_or((0, ""));
        let news = announcements.get(&customer.id).unwrap_or(&no_announcements);
        writer.serialize(CustomerRow {
            rep: None,
            customer_id: CsvId::Local(customer.id.0),
            name: customer.name.as_str().into(),
            company: customer.company.as_str().into(),
            phone: customer.phone.as_str().into(),
            email: customer.email.as_str().into(),
            tags: crate::domain::customer::format_tags(&customer.tags).into(),
            notes: customer.notes.as_str().into(),
            cadence_days: customer.cadence_days,
            archived: yes_no(customer.archived),
            created_at: format_datetime(customer.created_at),
            last_reached_at: opt_datetime(last_reached),
            days_since_reached: last_reached.map(|at| days_between(at.date(), today)),
            open_promises: totals.open_promises,
            promises_kept: kept,
            promises_broken: broken,
            promises_renegotiated: renegotiated,
            promise_kept_rate: rate,
            slips_told_before_due: told,
            open_problems: totals.open_problems,
            overdue_amount: money.plain(Cents(totals.overdue_cents)),
            currency: money.code(),
            call_first_score: score,
            top_reason,
            announcements_affecting: news.affecting,
            announcements_told: news.told,
            announcements_told_late: news.told_late,
            announcements_not_told: news.not_told,
            next_announcement_not_told: news
                .next_not_told
                .as_ref()
                .map_or("", |(title, _)| title.as_str())
                .into(),
            next_announcement_effective: opt_date(news.next_not_told.as_ref().map(|(_, on)| *on)),
        })?;
    }
    writer.flush()?;
    Ok(customers.len())
}

// ---------------------------------------------------------------------------------------
// Announcements

/// The columns of the announcements report, in order.
pub const ANNOUNCEMENT_COLUMNS: &[&str] = &[
    "announcement_id",
    "announcement",
    "kind",
    "reason",
    "effective",
    "audience",
    "customer_id",
    "customer",
    "company",
    "status",
    "told_at",
    "told_late",
    "reaction",
    "entry_id",
];

#[derive(Serialize)]
struct AnnouncementRow {
    announcement_id: i64,
    announcement: SafeText,
    kind: &'static str,
    reason: SafeText,
    effective: String,
    audience: SafeText,
    customer_id: i64,
    customer: SafeText,
    company: SafeText,
    status: &'static str,
    told_at: String,
    told_late: &'static str,
    reaction: &'static str,
    entry_id: Option<i64>,
}

fn write_announcements(
    store: &Store,
    from: NaiveDateTime,
    to: NaiveDateTime,
    today: NaiveDate,
    out: &mut impl Write,
) -> Result<usize, ExportError> {
    let mut writer = super::csv_writer_without_header(out);
    writer.write_record(ANNOUNCEMENT_COLUMNS)?;
    let mut rows = 0;
    for progress in store.announcement_progress(today)? {
        let a = &progress.announcement;
        if a.effective < from.date() || a.effective > to.date() {
            continue;
        }
        for affected in &progress.affected {
            let told = affected.told.as_ref();
            writer.serialize(AnnouncementRow {
                announcement_id: a.id.0,
                announcement: a.title.as_str().into(),
                kind: a.kind.code(),
                reason: a.reason.as_str().into(),
                effective: format_date(a.effective),
                audience: a.audience.describe().into(),
                customer_id: affected.customer_id.0,
                customer: affected.name.as_str().into(),
                company: affected.company.as_str().into(),
                status: match (told, affected.told_late) {
                    (None, _) => "not_told",
                    (Some(_), true) => "told_late",
                    (Some(_), false) => "told",
                },
                told_at: opt_datetime(told.map(|t| t.told_at)),
                told_late: if told.is_some() {
                    yes_no(affected.told_late)
                } else {
                    ""
                },
                reaction: told.map_or("", |t| t.reaction.code()),
                entry_id: told.map(|t| t.entry_id.0),
            })?;
            rows += 1;
        }
    }
    writer.flush()?;
    Ok(rows)
}

// ---------------------------------------------------------------------------------------
// Promises

/// The columns of the promises report, in order.
pub const PROMISE_COLUMNS: &[&str] = &[
    "entry_id",
    "customer_id",
    "customer",
    "company",
    "made_at",
    "summary",
    "category",
    "original_due",
    "due",
    "outcome",
    "closed_on",
    "days_late",
    "renegotiations",
    "slipped",
    "told_before_due",
    "at_risk_since",
    "risk_reason",
];

#[derive(Serialize)]
pub(super) struct PromiseRow {
    /// The rep who owns the customer (team reports only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) rep: Option<SafeText>,
    pub(super) entry_id: CsvId,
    pub(super) customer_id: CsvId,
    pub(super) customer: SafeText,
    pub(super) company: SafeText,
    pub(super) made_at: String,
    pub(super) summary: SafeText,
    pub(super) category: &'static str,
    pub(super) original_due: String,
    pub(super) due: String,
    pub(super) outcome: &'static str,
    pub(super) closed_on: String,
    pub(super) days_late: i64,
    pub(super) renegotiations: usize,
    pub(super) slipped: &'static str,
    pub(super) told_before_due: &'static str,
    pub(super) at_risk_since: String,
    pub(super) risk_reason: SafeText,
}

/// Which promise a row is about, and whose: what differs between a journal's report and
/// the team's (local or global ids, the rep); the rest of the row comes from the promise.
pub(super) struct PromiseMade<'a> {
    pub(super) rep: Option<&'a str>,
    pub(super) entry_id: CsvId,
    pub(super) customer_id: CsvId,
    pub(super) customer: &'a str,
    pub(super) company: &'a str,
    pub(super) made_at: NaiveDateTime,
    pub(super) summary: &'a str,
}

impl PromiseRow {
    /// The row of one promise, with what `promise_record` found out about it.
    pub(super) fn new(made: PromiseMade<'_>, promise: &Promise, facts: &PromiseRecord) -> Self {
        Self {
            rep: made.rep.map(SafeText::from),
            entry_id: made.entry_id,
            customer_id: made.customer_id,
            customer: made.customer.into(),
            company: made.company.into(),
            made_at: format_datetime(made.made_at),
            summary: made.summary.into(),
            category: promise.category.code(),
            original_due: format_date(facts.original_due),
            due: format_date(promise.due),
            outcome: promise.outcome_code(),
            closed_on: opt_date(promise.status.closed_on()),
            days_late: facts.days_late,
            renegotiations: promise.renegotiations.len(),
            slipped: yes_no(facts.slipped),
            told_before_due: if facts.slipped {
                yes_no(facts.told_before_due)
            } else {
                ""
            },
            at_risk_since: opt_datetime(promise.at_risk.as_ref().map(|r| r.flagged_at)),
            risk_reason: promise
                .at_risk
                .as_ref()
                .map_or("", |r| r.reason.as_str())
                .into(),
        }
    }
}

fn write_promises(
    store: &Store,
    from: NaiveDateTime,
    to: NaiveDateTime,
    today: NaiveDate,
    out: &mut impl Write,
) -> Result<usize, ExportError> {
    let PromisesMade {
        promises,
        first_bad_news,
        names: customers,
    } = store.promises_report(from, to)?;
    let mut writer = super::csv_writer_without_header(out);
    writer.write_record(PROMISE_COLUMNS)?;
    let mut rows = 0;
    for entry in promises {
        let EntryKind::Promise(promise) = &entry.kind else {
            continue;
        };
        let facts = promise_record(entry.id, promise, &first_bad_news, today);
        let (name, company) = customers
            .get(&entry.customer_id)
            .map_or(("", ""), |(n, c)| (n.as_str(), c.as_str()));
        writer.serialize(PromiseRow::new(
            PromiseMade {
                rep: None,
                entry_id: CsvId::Local(entry.id.0),
                customer_id: CsvId::Local(entry.customer_id.0),
                customer: name,
                company,
                made_at: entry.occurred_at,
                summary: &entry.summary,
            },
            promise,
            &facts,
        ))?;
        rows += 1;
    }
    writer.flush()?;
    Ok(rows)
}

// ---------------------------------------------------------------------------------------
// Timeline

/// The columns of the timeline report, in order. Columns that do not apply to an entry's
/// kind are empty.
pub const TIMELINE_COLUMNS: &[&str] = &[
    "entry_id",
    "customer_id",
    "customer",
    "company",
    "email",
    "phone",
    "kind",
    "occurred_at",
    "summary",
    "due",
    "status",
    "closed_on",
    "channel",
    "direction",
    "outcome",
    "duration_mins",
    "category",
    "proactive",
    "related_entry_id",
    "owner",
    "root_cause",
    "prevention",
    "amount",
    "currency",
    "invoice_ref",
    "rating",
    "snooze_until",
    "at_risk_since",
    "risk_reason",
    "status_changed_at",
    "renegotiations",
];

/// The timeline rows held in memory before a sorted run goes to the temporary file (about
/// 90,000 rows of the generated journal): a journal below that never touches the disk, and
/// an export of any length stays well under 64 MB.
const RUN_BYTES: usize = 16 << 20;

/// The digits of an ISO date-time as one number, which sorts like the time.
fn time_key(iso: &str) -> u64 {
    iso.bytes()
        .filter(u8::is_ascii_digit)
        .fold(0u64, |acc, d| acc.wrapping_mul(10) + u64::from(d - b'0'))
}

/// Cells of one customer, neutralised once.
pub(super) struct CustomerCells {
    pub(super) name: String,
    pub(super) company: String,
    pub(super) email: String,
    pub(super) phone: String,
}

fn write_timeline(
    store: &Store,
    from: NaiveDateTime,
    to: NaiveDateTime,
    spill_dir: &Path,
    run_bytes: usize,
    out: &mut impl Write,
) -> Result<usize, ExportError> {
    let customers: HashMap<i64, CustomerCells> = store
        .customers()?
        .into_iter()
        .map(|c| {
            (
                c.id.0,
                CustomerCells {
                    name: neutralise(&c.name).into_owned(),
                    company: neutralise(&c.company).into_owned(),
                    email: neutralise(&c.email).into_owned(),
                    phone: neutralise(&c.phone).into_owned(),
                },
            )
        })
        .collect();
    let missing = CustomerCells {
        name: String::new(),
        company: String::new(),
        email: String::new(),
        phone: String::new(),
    };

    // SQLite streams rows in storage order; sorting a million wide rows inside SQLite
    // costs more than the export itself, so rows are formatted here and put in time order
    // by a merge sort that holds at most RUN_BYTES of them (the rest waits, sorted, in a
    // temporary file beside the report): memory stays flat however long the journal is.
    // The two halves of the table (by id) are read and formatted at once, one per core, on
    // two connections in one snapshot, each into its own sort (half the memory each), and
    // merged as they are written.
    let currency = store.money_format()?.code();
    let half = |store: &Store, ids| -> crate::store::Result<io::Result<SortedRows>> {
        let mut field_writer = timeline_field_writer();
        let mut scratch = vec![0u8; 64 << 10];
        let mut rows = SortedRows::new(spill_dir, run_bytes / 2);
        let visited = store.for_each_entry_cells_in(from, to, ids, |cells: &EntryCells<'_>| {
            let customer = customers.get(&cells.customer_id).unwrap_or(&missing);
            rows.push((time_key(cells.occurred_at), cells.id), |buffer| {
                write_timeline_row(
                    &mut field_writer,
                    &mut scratch,
                    buffer,
                    &TimelineIds::Local,
                    cells,
                    customer,
                    currency,
                );
            })
        })?;
        Ok(visited.map(|()| rows))
    };
    let [first, second] = store.entry_id_halves()?;
    let (first, second) =
        store.read_on_two_connections(|store| half(store, first), |store| half(store, second))?;
    let parts = vec![first?, second?];

    let mut header = super::csv_writer(&mut *out);
    header.write_record(TIMELINE_COLUMNS)?;
    header.flush()?;
    drop(header);
    Ok(SortedRows::write_merged(parts, out)?)
}

/// One CSV record formatted by `csv-core`, the engine under the `csv` crate (same RFC 4180
/// quoting: only when needed, quotes doubled, CRLF), into a reusable scratch buffer, then
/// appended to the report in one copy. The timeline's hot loop skips `csv::Writer`'s own
/// buffering, which cost more over a million rows than reading them from SQLite.
struct RowWriter<'a> {
    core: &'a mut csv_core::Writer,
    scratch: &'a mut Vec<u8>,
    len: usize,
    started: bool,
}

impl<'a> RowWriter<'a> {
    fn new(core: &'a mut csv_core::Writer, scratch: &'a mut Vec<u8>) -> Self {
        Self {
            core,
            scratch,
            len: 0,
            started: false,
        }
    }

    /// Lets `write` fill up to `room` bytes after what the row holds so far.
    fn with_room(
        &mut self,
        room: usize,
        write: impl FnOnce(&mut csv_core::Writer, &mut [u8]) -> usize,
    ) {
        let needed = self.len + room;
        if self.scratch.len() < needed {
            // Grows rarely (a long note); the buffer is reused for every row after.
            self.scratch.resize(needed.max(2 * self.scratch.len()), 0);
        }
        self.len += write(self.core, &mut self.scratch[self.len..needed]);
    }

    /// Appends one field as it is (already neutralised where it is text).
    fn raw(&mut self, field: &[u8]) {
        if self.started {
            self.with_room(2, |core, buf| core.delimiter(buf).1);
        }
        self.started = true;
        // csv-core needs at most 2 + 2 × len bytes (every byte a quote, plus the quotes).
        self.with_room(2 + 2 * field.len(), |core, buf| core.field(field, buf).2);
    }

    /// Appends a text cell, neutralised against formula injection.
    fn text(&mut self, text: Option<&str>) {
        self.raw(neutralise(text.unwrap_or_default()).as_bytes());
    }

    /// Appends a whole number, or an empty cell.
    fn int(&mut self, value: Option<i64>) {
        match value {
            Some(value) => self.raw(itoa::Buffer::new().format(value).as_bytes()),
            None => self.raw(b""),
        }
    }

    /// Ends the record and appends it to `out`.
    fn end_into(mut self, out: &mut Vec<u8>) {
        self.with_room(3, |core, buf| core.terminator(buf).1);
        out.extend_from_slice(&self.scratch[..self.len]);
    }
}

/// The csv-core writer the timeline rows share: CRLF line ends, quotes only when needed.
pub(super) fn timeline_field_writer() -> csv_core::Writer {
    csv_core::WriterBuilder::new()
        .terminator(csv_core::Terminator::CRLF)
        .build()
}

/// The ids of a timeline row: the journal's numbers, or (team reports) the rep and the
/// global ids.
pub(super) enum TimelineIds<'a> {
    Local,
    Team {
        rep: &'a str,
        entry: &'a str,
        customer: &'a str,
        related: Option<&'a str>,
    },
}

pub(super) fn write_timeline_row(
    core: &mut csv_core::Writer,
    scratch: &mut Vec<u8>,
    out: &mut Vec<u8>,
    ids: &TimelineIds<'_>,
    c: &EntryCells<'_>,
    customer: &CustomerCells,
    currency: &str,
) {
    let mut row = RowWriter::new(core, scratch);
    match ids {
        TimelineIds::Local => {
            row.int(Some(c.id));
            row.int(Some(c.customer_id));
        }
        TimelineIds::Team {
            rep,
            entry,
            customer,
            ..
        } => {
            row.text(Some(rep));
            row.text(Some(entry));
            row.text(Some(customer));
        }
    }
    for cell in [
        &customer.name,
        &customer.company,
        &customer.email,
        &customer.phone,
    ] {
        row.raw(cell.as_bytes());
    }
    row.text(Some(c.kind));
    row.text(Some(c.occurred_at));
    row.text(Some(c.summary));
    row.text(c.due_date);
    row.text(c.status);
    row.text(c.closed_on);
    row.text(c.channel);
    row.text(c.direction);
    row.text(c.outcome);
    row.int(c.duration_mins);
    row.text(c.category);
    row.text(
        c.proactive
            .map(|p| if p { "proactive" } else { "reactive" }),
    );
    match ids {
        TimelineIds::Local => row.int(c.related_id),
        TimelineIds::Team { related, .. } => row.text(*related),
    }
    row.text(c.owner);
    row.text(c.root_cause);
    row.text(c.prevention);
    // A plain number a spreadsheet sums, and its currency beside it.
    match c.amount_cents {
        Some(cents) => {
            row.raw(Cents(cents).to_string().as_bytes());
            row.raw(currency.as_bytes());
        }
        None => {
            row.raw(b"");
            row.raw(b"");
        }
    }
    row.text(c.invoice_ref);
    row.int(c.rating);
    row.text(c.snooze_until);
    row.text(c.at_risk_since);
    row.text(c.risk_reason);
    row.text(c.status_changed_at);
    row.text(c.renegotiations.filter(|r| *r != "[]"));
    row.end_into(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timeline_too_long_to_hold_comes_out_in_time_order_like_a_short_one() {
        // A journal in a file: its two halves are read at once on two connections, each
        // sorted apart; the same journal in memory is read on one.
        let dir = tempfile::tempdir().expect("temp dir");
        let journal = tempfile::tempdir().expect("journal dir");
        let today = NaiveDate::from_ymd_opt(2026, 11, 20).expect("date");
        let options = crate::sample::GenerateOptions {
            customers: 20,
            entries: 600,
            seed: 3,
        };
        let mut store = Store::open(&journal.path().join("journal.sqlite3")).expect("journal");
        crate::sample::write_generated(&mut store, options, today).expect("generate");
        let mut in_memory = Store::open_in_memory().expect("journal");
        crate::sample::write_generated(&mut in_memory, options, today).expect("generate");
        let (from, to) = ExportOptions::default().period().expect("period");
        let export_of = |store: &Store, run_bytes| {
            let mut out = Vec::new();
            let rows =
                write_timeline(store, from, to, dir.path(), run_bytes, &mut out).expect("export");
            (rows, out)
        };
        let export = |run_bytes| export_of(&store, run_bytes);
        let (held_rows, held) = export(1 << 30);
        assert_eq!(export_of(&in_memory, 1 << 30), (held_rows, held.clone()));
        assert_eq!(export_of(&in_memory, 4 << 10), (held_rows, held.clone()));
        // Runs of 4 KB: the 600 rows go through the temporary file in about 25 runs.
        let (spilled_rows, spilled) = export(4 << 10);
        assert_eq!((held_rows, spilled_rows), (600, 600));
        assert!(spilled.len() > 20 * (4 << 10), "{} bytes", spilled.len());
        assert_eq!(spilled, held);
        let text = String::from_utf8(spilled).expect("UTF-8");
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let at = TIMELINE_COLUMNS
            .iter()
            .position(|c| *c == "occurred_at")
            .expect("column");
        let keys: Vec<(String, i64)> = reader
            .records()
            .map(|r| {
                let r = r.expect("record");
                (r[at].to_owned(), r[0].parse().expect("id"))
            })
            .collect();
        assert_eq!(keys.len(), 600);
        assert!(keys.windows(2).all(|w| w[0] <= w[1]), "in time order");
        // The storage order was not the time order, so the sort did something.
        assert!(keys.windows(2).any(|w| w[0].1 > w[1].1));
        let left: Vec<_> = fs::read_dir(dir.path()).expect("dir").collect();
        assert!(left.is_empty(), "the temporary sort file is removed");
    }

    #[test]
    fn rows_are_quoted_like_the_csv_crate_does() {
        let fields = [
            "plain",
            "",
            "a,b",
            "say \"hi\"",
            "\"",
            "line\nbreak",
            "cr\rx",
            "'=x",
            "=1+1",
        ];
        let mut core = timeline_field_writer();
        let mut scratch = vec![0u8; 8];
        let mut ours = Vec::new();
        let mut row = RowWriter::new(&mut core, &mut scratch);
        for field in fields {
            row.text(Some(field));
        }
        row.int(Some(i64::MIN));
        row.int(None);
        row.end_into(&mut ours);
        let mut theirs = super::super::csv_writer(Vec::new());
        let mut expected: Vec<String> = fields.iter().map(|f| neutralise(f).into_owned()).collect();
        expected.push(i64::MIN.to_string());
        expected.push(String::new());
        theirs.write_record(&expected).unwrap();
        assert_eq!(
            String::from_utf8(ours).unwrap(),
            String::from_utf8(theirs.into_inner().unwrap()).unwrap()
        );
    }

    #[test]
    fn time_keys_sort_like_times() {
        assert!(time_key("2026-11-20T09:00:00") < time_key("2026-11-20T10:00:00"));
        assert!(time_key("2025-12-31T23:59:59") < time_key("2026-01-01T00:00:00"));
    }

    #[test]
    fn a_reversed_period_is_refused_with_both_dates() {
        let options = ExportOptions {
            from: NaiveDate::from_ymd_opt(2026, 5, 1),
            to: NaiveDate::from_ymd_opt(2026, 4, 1),
            bom: true,
        };
        let err = options.period().unwrap_err().to_string();
        assert!(
            err.contains("2026-05-01") && err.contains("2026-04-01"),
            "{err}"
        );
    }
}
