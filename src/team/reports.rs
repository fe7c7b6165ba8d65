//! The rows of the team-wide CSV reports (`candor team export`), read through a portal a
//! batch at a time, so a report of any size goes out in bounded memory. Row-level security
//! decides what the caller sees, as everywhere in the team database. Customers in the
//! trash and their entries are left out, as the journal's reports leave them out.

use chrono::{NaiveDate, NaiveDateTime};
use postgres::Row;
use postgres::types::ToSql;

use crate::domain::dates::{format_datetime, parse_stored_date, parse_stored_datetime};
use crate::domain::entry::AtRisk;
use crate::domain::{Promise, PromiseCategory, PromiseStatus};

/// Rows fetched per round trip.
const BATCH: i32 = 2_000;

/// Why visiting the rows of a report stopped.
#[derive(Debug)]
pub enum VisitError {
    /// The server failed.
    Server(postgres::Error),
    /// The visitor stopped (writing the report failed).
    Stopped(std::io::Error),
}

impl From<postgres::Error> for VisitError {
    fn from(error: postgres::Error) -> Self {
        Self::Server(error)
    }
}

/// Runs `sql` in a read-only transaction and hands its rows to `visit`, a batch at a time.
fn each_row(
    client: &mut postgres::Client,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
    mut visit: impl FnMut(&Row) -> std::io::Result<()>,
) -> Result<usize, VisitError> {
    let mut tx = client
        .build_transaction()
        .read_only(true)
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .start()?;
    let portal = tx.bind(sql, params)?;
    let mut count = 0;
    loop {
        let rows = tx.query_portal(&portal, BATCH)?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            visit(row).map_err(VisitError::Stopped)?;
            count += 1;
        }
    }
    tx.commit()?;
    Ok(count)
}

/// The period as the journal writes its times.
fn period(from: NaiveDateTime, to: NaiveDateTime) -> (String, String) {
    (format_datetime(from), format_datetime(to))
}

/// The timeline's columns after the ids: kind, time, then every field of the entry.
const TIMELINE_FIELDS: &[&str] = &[
    "summary",
    "channel",
    "direction",
    "outcome",
    "duration_mins",
    "category",
    "status",
    "due_date",
    "closed_on",
    "at_risk_since",
    "risk_reason",
    "status_changed_at",
    "renegotiations",
    "related",
    "proactive",
    "owner",
    "root_cause",
    "prevention",
    "amount_cents",
    "invoice_ref",
    "rating",
    "snooze_until",
];

/// One timeline row: its rep and customer, then the entry's fields as text (`fields` in
/// the order of [`TIMELINE_FIELDS`]).
#[derive(Debug)]
pub struct TimelineRow<'a> {
    pub rep: &'a str,
    pub entry_gid: &'a str,
    pub customer_gid: &'a str,
    pub customer: &'a str,
    pub company: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub kind: &'a str,
    pub occurred_at: &'a str,
    row: &'a Row,
}

impl<'a> TimelineRow<'a> {
    /// The entry's field `name` (one of [`TIMELINE_FIELDS`]) as text, if set.
    pub fn field(&self, name: &str) -> Option<&'a str> {
        let index = TIMELINE_FIELDS.iter().position(|f| *f == name)?;
        self.row.get(FIRST_FIELD + index)
    }
}

const FIRST_FIELD: usize = 9;

/// Visits every entry in `from..=to` the caller may see, oldest first.
pub fn for_each_timeline_row(
    client: &mut postgres::Client,
    from: NaiveDateTime,
    to: NaiveDateTime,
    mut visit: impl FnMut(&TimelineRow<'_>) -> std::io::Result<()>,
) -> Result<usize, VisitError> {
    let fields: Vec<String> = TIMELINE_FIELDS
        .iter()
        .map(|f| format!("e.data ->> '{f}'"))
        .collect();
    let sql = format!(
        "SELECT c.owner_login, e.gid::text, e.customer_gid::text, COALESCE(c.name, ''), \
         COALESCE(c.data ->> 'company', ''), COALESCE(c.data ->> 'email', ''), \
         COALESCE(c.data ->> 'phone', ''), COALESCE(e.kind, ''), COALESCE(e.occurred_at, ''), {} \
         FROM candor.entries e JOIN candor.customers c ON c.gid = e.customer_gid \
         WHERE e.deleted_at IS NULL AND c.data ->> 'deleted_at' IS NULL \
           AND e.occurred_at COLLATE \"C\" >= $1 AND e.occurred_at COLLATE \"C\" <= $2 \
         ORDER BY e.occurred_at COLLATE \"C\", e.created_hlc, e.gid",
        fields.join(", ")
    );
    let (from, to) = period(from, to);
    each_row(client, &sql, &[&from, &to], |row| {
        visit(&TimelineRow {
            rep: row.get(0),
            entry_gid: row.get(1),
            customer_gid: row.get(2),
            customer: row.get(3),
            company: row.get(4),
            email: row.get(5),
            phone: row.get(6),
            kind: row.get(7),
            occurred_at: row.get(8),
            row,
        })
    })
}

/// One promise made in the period, read into the journal's own type.
#[derive(Debug, Clone)]
pub struct PromiseMade {
    pub rep: String,
    pub entry_gid: String,
    pub customer_gid: String,
    pub customer: String,
    pub company: String,
    pub made_at: NaiveDateTime,
    pub summary: String,
    pub promise: Promise,
    /// When the first bad news about it was delivered.
    pub first_bad_news: Option<NaiveDateTime>,
}

/// Visits every promise made in `from..=to` the caller may see, oldest first. A promise
/// whose dates cannot be read is skipped (it cannot be one the journal wrote).
pub fn for_each_promise(
    client: &mut postgres::Client,
    from: NaiveDateTime,
    to: NaiveDateTime,
    mut visit: impl FnMut(PromiseMade) -> std::io::Result<()>,
) -> Result<usize, VisitError> {
    let sql = "SELECT c.owner_login, p.gid::text, p.customer_gid::text, COALESCE(c.name, ''), \
         COALESCE(c.data ->> 'company', ''), p.occurred_at, COALESCE(p.data ->> 'summary', ''), \
         p.data ->> 'category', p.data ->> 'due_date', p.status, p.data ->> 'closed_on', \
         p.data ->> 'renegotiations', p.data ->> 'at_risk_since', p.data ->> 'risk_reason', \
         (SELECT MIN(b.occurred_at COLLATE \"C\") FROM candor.entries b \
            WHERE b.customer_gid = p.customer_gid AND b.kind = 'bad_news' \
              AND b.deleted_at IS NULL AND b.data ->> 'related' = p.gid::text) \
         FROM candor.entries p JOIN candor.customers c ON c.gid = p.customer_gid \
         WHERE p.kind = 'promise' AND p.deleted_at IS NULL AND c.data ->> 'deleted_at' IS NULL \
           AND p.occurred_at COLLATE \"C\" >= $1 AND p.occurred_at COLLATE \"C\" <= $2 \
         ORDER BY p.occurred_at COLLATE \"C\", p.created_hlc, p.gid";
    let (from, to) = period(from, to);
    let mut visited = 0;
    each_row(client, sql, &[&from, &to], |row| {
        let Some(made) = read_promise(row) else {
            return Ok(());
        };
        visited += 1;
        visit(made)
    })?;
    Ok(visited)
}

fn read_promise(row: &Row) -> Option<PromiseMade> {
    let date = |i: usize| row.get::<_, Option<&str>>(i).and_then(parse_stored_date);
    let datetime = |i: usize| {
        row.get::<_, Option<&str>>(i)
            .and_then(parse_stored_datetime)
    };
    let status = match row.get::<_, Option<&str>>(9)? {
        "kept" => PromiseStatus::Kept(date(10)?),
        "broken" => PromiseStatus::Broken(date(10)?),
        _ => PromiseStatus::Open,
    };
    let renegotiations = row
        .get::<_, Option<&str>>(11)
        .filter(|text| !text.is_empty())
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default();
    Some(PromiseMade {
        rep: row.get(0),
        entry_gid: row.get(1),
        customer_gid: row.get(2),
        customer: row.get(3),
        company: row.get(4),
        made_at: datetime(5)?,
        summary: row.get(6),
        promise: Promise {
            due: date(8)?,
            category: row
                .get::<_, Option<&str>>(7)
                .and_then(PromiseCategory::from_code)
                .unwrap_or(PromiseCategory::Other),
            status,
            at_risk: datetime(12).map(|flagged_at| AtRisk {
                flagged_at,
                reason: row.get::<_, Option<String>>(13).unwrap_or_default(),
            }),
            renegotiations,
        },
        first_bad_news: datetime(14),
    })
}

/// One customer of the customers report, with its summary.
#[derive(Debug, Clone)]
pub struct TeamCustomerRow {
    pub rep: String,
    pub gid: String,
    pub name: String,
    pub company: String,
    pub phone: String,
    pub email: String,
    pub tags: Vec<String>,
    pub notes: String,
    pub cadence_days: u32,
    pub archived: bool,
    pub created_at: Option<NaiveDateTime>,
    pub last_reached_at: Option<NaiveDateTime>,
    pub open_promises: u32,
    pub open_problems: u32,
    /// Unpaid invoices past their due date, in cents.
    pub overdue_cents: i64,
}

/// Visits every customer the caller may see (not in the trash), by rep then name, with
/// open totals as of `today` from the summary's open items.
pub fn for_each_customer(
    client: &mut postgres::Client,
    today: NaiveDate,
    mut visit: impl FnMut(TeamCustomerRow) -> std::io::Result<()>,
) -> Result<usize, VisitError> {
    let sql = "SELECT c.owner_login, c.gid::text, COALESCE(c.name, ''), \
         COALESCE(c.data ->> 'company', ''), COALESCE(c.data ->> 'phone', ''), \
         COALESCE(c.data ->> 'email', ''), c.data ->> 'tags', COALESCE(c.data ->> 'notes', ''), \
         (c.data ->> 'cadence_days')::integer, c.archived, c.data ->> 'created_at', \
         s.last_reached_at, s.open_items::text \
         FROM candor.customers c LEFT JOIN candor.customer_summary s ON s.customer_gid = c.gid \
         WHERE c.data ->> 'deleted_at' IS NULL \
         ORDER BY c.owner_login, lower(c.name), c.gid";
    each_row(client, sql, &[], |row| {
        let datetime = |i: usize| {
            row.get::<_, Option<&str>>(i)
                .and_then(parse_stored_datetime)
        };
        let mut customer = TeamCustomerRow {
            rep: row.get(0),
            gid: row.get(1),
            name: row.get(2),
            company: row.get(3),
            phone: row.get(4),
            email: row.get(5),
            tags: row
                .get::<_, Option<&str>>(6)
                .and_then(|text| serde_json::from_str(text).ok())
                .unwrap_or_default(),
            notes: row.get(7),
            cadence_days: row
                .get::<_, Option<i32>>(8)
                .and_then(|days| u32::try_from(days).ok())
                .unwrap_or(crate::domain::DEFAULT_CADENCE_DAYS),
            archived: row.get::<_, Option<bool>>(9).unwrap_or(false),
            created_at: datetime(10),
            last_reached_at: datetime(11),
            open_promises: 0,
            open_problems: 0,
            overdue_cents: 0,
        };
        let open: serde_json::Value = row
            .get::<_, Option<&str>>(12)
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_default();
        for item in open.as_array().into_iter().flatten() {
            match item.get("kind").and_then(serde_json::Value::as_str) {
                Some("promise") => customer.open_promises += 1,
                Some("problem") => customer.open_problems += 1,
                Some("payment") => {
                    let due = item
                        .get("due")
                        .and_then(serde_json::Value::as_str)
                        .and_then(parse_stored_date);
                    if due.is_some_and(|due| today > due) {
                        customer.overdue_cents += item
                            .get("amount_cents")
                            .and_then(serde_json::Value::as_i64)
                            .unwrap_or_default();
                    }
                }
                _ => {}
            }
        }
        visit(customer)
    })
}
