//! The team-wide CSV reports (`candor team export`): the same customers, timeline, promises
//! and call-list reports as [`super::export`], written by its row writers, with a `rep`
//! column first and global ids where the journal has its own numbers. Rows are streamed
//! from the team database (a portal, a batch at a time) straight into the file, so memory
//! stays bounded however big the team is; the file is written beside the target (0600)
//! and renamed into place once complete, as the journal's own export does.

use std::collections::HashMap;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};

use super::csv_text::{CsvId, neutralise};
use super::export::{
    CUSTOMER_COLUMNS, CustomerCells, CustomerRow, ExportOptions, PROMISE_COLUMNS, PromiseMade,
    PromiseRow, Report, TIMELINE_COLUMNS, TempGuard, TimelineIds, create_temp_beside, opt_datetime,
    timeline_field_writer, write_timeline_row, yes_no,
};
use crate::domain::dates::{days_between, format_date};
use crate::domain::insights::promise_record;
use crate::domain::rank::RankSettings;
use crate::domain::{Cents, EntryId, MoneyFormat, PromiseStatus};
use crate::store::EntryCells;
use crate::team::reports::{self, VisitError};
use crate::team::{TeamConnection, TeamError};

/// Why a team export failed. A failed export leaves any earlier file at the target as it
/// was.
#[derive(Debug, thiserror::Error)]
pub enum TeamExportError {
    #[error(transparent)]
    Team(#[from] TeamError),

    #[error(transparent)]
    Export(#[from] super::export::ExportError),

    #[error(
        "The team export has no announcements report (announcements stay in each journal): choose customers, timeline, promises or call-list."
    )]
    NoAnnouncements,
}

/// Writes `report` for everyone the connected login may see to the file `out`, atomically.
/// Returns the number of data rows written.
pub fn export_team_report(
    team: &mut TeamConnection,
    report: Report,
    options: &ExportOptions,
    today: NaiveDate,
    out: &Path,
) -> Result<usize, TeamExportError> {
    if report == Report::Announcements {
        return Err(TeamExportError::NoAnnouncements);
    }
    let (from, to) = options.period()?;
    team.require_summary("team reports")?;
    let file_error = |cause| super::export::ExportError::File {
        path: out.to_path_buf(),
        cause,
    };
    let (temp_path, file) = create_temp_beside(out).map_err(file_error)?;
    let mut guard = TempGuard(Some(temp_path.clone()));
    // Customers' names are in it: readable by its owner only, as the journal is.
    crate::store::private_files::make_private(&temp_path);
    let mut writer = BufWriter::with_capacity(1 << 16, file);
    if options.bom {
        writer.write_all(super::UTF8_BOM).map_err(file_error)?;
    }
    let written = write_rows(team, report, from, to, today, &mut writer);
    let rows = match written {
        Ok(rows) => rows,
        Err(Written::Team(error)) => return Err(error.into()),
        Err(Written::File(cause)) => return Err(file_error(cause).into()),
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

/// A default file name, e.g. `candor-team-timeline-2026-11-20.csv`.
pub fn default_file_name(report: Report, today: NaiveDate) -> PathBuf {
    PathBuf::from(format!(
        "candor-team-{}-{}.csv",
        report.code(),
        format_date(today)
    ))
}

enum Written {
    Team(TeamError),
    File(io::Error),
}

impl From<io::Error> for Written {
    fn from(error: io::Error) -> Self {
        Self::File(error)
    }
}

impl From<csv::Error> for Written {
    fn from(error: csv::Error) -> Self {
        Self::File(io::Error::from(error))
    }
}

fn visited(team: &TeamConnection, result: Result<usize, VisitError>) -> Result<usize, Written> {
    match result {
        Ok(rows) => Ok(rows),
        Err(VisitError::Stopped(cause)) => Err(Written::File(cause)),
        Err(VisitError::Server(error)) => Err(Written::Team(team.server_error(&error))),
    }
}

fn with_rep(columns: &[&'static str]) -> Vec<&'static str> {
    let mut all = vec!["rep"];
    all.extend_from_slice(columns);
    all
}

fn write_rows(
    team: &mut TeamConnection,
    report: Report,
    from: NaiveDateTime,
    to: NaiveDateTime,
    today: NaiveDate,
    out: &mut impl Write,
) -> Result<usize, Written> {
    // The team's currency (`candor team currency`), written as the journal's own reports
    // write theirs: plain numbers, the code in the currency column.
    let money = team.money_format().map_err(Written::Team)?;
    let rows = match report {
        Report::Timeline => {
            let mut header = super::csv_writer(&mut *out);
            header.write_record(with_rep(TIMELINE_COLUMNS))?;
            header.flush()?;
            drop(header);
            let mut core = timeline_field_writer();
            let mut scratch = vec![0u8; 64 << 10];
            let mut buffer = Vec::with_capacity(4 << 10);
            let currency = money.code();
            let result = reports::for_each_timeline_row(team.client(), from, to, |row| {
                let int = |name: &str| row.field(name).and_then(|v| v.parse::<i64>().ok());
                let cells = EntryCells {
                    kind: row.kind,
                    occurred_at: row.occurred_at,
                    summary: row.field("summary").unwrap_or_default(),
                    channel: row.field("channel"),
                    direction: row.field("direction"),
                    outcome: row.field("outcome"),
                    duration_mins: int("duration_mins"),
                    category: row.field("category"),
                    status: row.field("status"),
                    due_date: row.field("due_date"),
                    closed_on: row.field("closed_on"),
                    at_risk_since: row.field("at_risk_since"),
                    risk_reason: row.field("risk_reason"),
                    status_changed_at: row.field("status_changed_at"),
                    renegotiations: row.field("renegotiations"),
                    proactive: row.field("proactive").map(|v| v != "0" && v != "false"),
                    owner: row.field("owner"),
                    root_cause: row.field("root_cause"),
                    prevention: row.field("prevention"),
                    amount_cents: int("amount_cents"),
                    invoice_ref: row.field("invoice_ref"),
                    rating: int("rating"),
                    snooze_until: row.field("snooze_until"),
                    ..EntryCells::default()
                };
                let customer = CustomerCells {
                    name: neutralise(row.customer).into_owned(),
                    company: neutralise(row.company).into_owned(),
                    email: neutralise(row.email).into_owned(),
                    phone: neutralise(row.phone).into_owned(),
                };
                let ids = TimelineIds::Team {
                    rep: row.rep,
                    entry: row.entry_gid,
                    customer: row.customer_gid,
                    related: row.field("related"),
                };
                buffer.clear();
                write_timeline_row(
                    &mut core,
                    &mut scratch,
                    &mut buffer,
                    &ids,
                    &cells,
                    &customer,
                    currency,
                );
                out.write_all(&buffer)
            });
            visited(team, result)?
        }
        Report::Promises => {
            let mut writer = super::csv_writer_without_header(&mut *out);
            writer.write_record(with_rep(PROMISE_COLUMNS))?;
            let result = reports::for_each_promise(team.client(), from, to, |made| {
                let first_bad_news: HashMap<EntryId, NaiveDateTime> = made
                    .first_bad_news
                    .map(|at| (EntryId(0), at))
                    .into_iter()
                    .collect();
                let promise = &made.promise;
                let facts = promise_record(EntryId(0), promise, &first_bad_news, today);
                writer
                    .serialize(PromiseRow::new(
                        PromiseMade {
                            rep: Some(&made.rep),
                            entry_id: CsvId::Global(made.entry_gid.clone()),
                            customer_id: CsvId::Global(made.customer_gid.clone()),
                            customer: &made.customer,
                            company: &made.company,
                            made_at: made.made_at,
                            summary: &made.summary,
                        },
                        promise,
                        &facts,
                    ))
                    .map_err(io::Error::from)
            });
            let rows = visited(team, result)?;
            writer.flush()?;
            rows
        }
        Report::CallFirst => {
            let ranking = team
                .rank(today, None, &RankSettings::with_money(money))
                .map_err(Written::Team)?;
            super::rank_report::write_team_csv(&mut *out, &ranking, false)?;
            ranking.ranked.len()
        }
        Report::Customers => write_customers(team, from, to, today, &money, out)?,
        Report::Announcements => 0,
    };
    out.flush()?;
    Ok(rows)
}

/// Promises made in the period, per customer (global id).
#[derive(Default)]
struct PeriodRecord {
    kept: u32,
    broken: u32,
    renegotiated: u32,
    told_before_due: u32,
}

fn write_customers(
    team: &mut TeamConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
    today: NaiveDate,
    money: &MoneyFormat,
    out: &mut impl Write,
) -> Result<usize, Written> {
    // Held per customer, not per entry: promises made in the period and today's scores.
    let mut record: HashMap<String, PeriodRecord> = HashMap::new();
    let result = reports::for_each_promise(team.client(), from, to, |made| {
        let first_bad_news: HashMap<EntryId, NaiveDateTime> = made
            .first_bad_news
            .map(|at| (EntryId(0), at))
            .into_iter()
            .collect();
        let facts = promise_record(EntryId(0), &made.promise, &first_bad_news, today);
        let r = record.entry(made.customer_gid).or_default();
        match made.promise.status {
            PromiseStatus::Kept(_) => r.kept += 1,
            PromiseStatus::Broken(_) => r.broken += 1,
            PromiseStatus::Open => {}
        }
        if !made.promise.renegotiations.is_empty() {
            r.renegotiated += 1;
        }
        if facts.told_before_due {
            r.told_before_due += 1;
        }
        Ok(())
    });
    visited(team, result)?;
    let ranking = team
        .rank(today, None, &RankSettings::with_money(*money))
        .map_err(Written::Team)?;
    let scores: HashMap<String, (i64, &'static str)> = ranking
        .ranked
        .iter()
        .map(|c| {
            (
                ranking.gid_of(c.customer_id),
                (c.score, c.top_reason().map_or("", |r| r.kind.code())),
            )
        })
        .collect();

    let announcements = team.announcements(today).map_err(Written::Team)?;

    let mut writer = super::csv_writer_without_header(&mut *out);
    writer.write_record(with_rep(CUSTOMER_COLUMNS))?;
    let result = reports::for_each_customer(team.client(), today, |c| {
        let (kept, broken, renegotiated, told) = record.get(&c.gid).map_or((0, 0, 0, 0), |r| {
            (r.kept, r.broken, r.renegotiated, r.told_before_due)
        });
        let rate = if kept + broken > 0 {
            format!("{:.2}", f64::from(kept) / f64::from(kept + broken))
        } else {
            String::new()
        };
        let (score, top_reason) = scores.get(&c.gid).copied().unwrap_or((0, ""));
        let news = announcements.standing(
            &c.gid,
            &c.rep,
            c.archived,
            c.created_at
                .unwrap_or_else(|| today.and_time(chrono::NaiveTime::MIN)),
            &c.company,
        );
        writer
            .serialize(CustomerRow {
                rep: Some(c.rep.as_str().into()),
                customer_id: CsvId::Global(c.gid.clone()),
                name: c.name.as_str().into(),
                company: c.company.as_str().into(),
                phone: c.phone.as_str().into(),
                email: c.email.as_str().into(),
                tags: crate::domain::customer::format_tags(&c.tags).into(),
                notes: c.notes.as_str().into(),
                cadence_days: c.cadence_days,
                archived: yes_no(c.archived),
                created_at: opt_datetime(c.created_at),
                last_reached_at: opt_datetime(c.last_reached_at),
                days_since_reached: c.last_reached_at.map(|at| days_between(at.date(), today)),
                open_promises: c.open_promises,
                promises_kept: kept,
                promises_broken: broken,
                promises_renegotiated: renegotiated,
                promise_kept_rate: rate,
                slips_told_before_due: told,
                open_problems: c.open_problems,
                overdue_amount: money.plain(Cents(c.overdue_cents)),
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
                next_announcement_effective: news
                    .next_not_told
                    .as_ref()
                    .map_or_else(String::new, |(_, on)| format_date(*on)),
            })
            .map_err(io::Error::from)
    });
    let rows = visited(team, result)?;
    writer.flush()?;
    Ok(rows)
}
