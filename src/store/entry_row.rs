//! How an entry of each kind maps onto the wide `entries` row, and back.

use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::types::{FromSql, ToSql, Type, ValueRef};
use rusqlite::{Row, Statement};

use crate::domain::dates::{
    format_date, format_datetime, parse_stored_date, parse_stored_datetime,
};
use crate::domain::entry::AtRisk;
use crate::domain::{
    BadNews, BadNewsKind, Cents, Channel, Contact, CustomerId, Direction, Entry, EntryDraft,
    EntryId, EntryKind, EntryKindTag, Feedback, Order, OrderStatus, Outcome, Payment, Problem,
    ProblemStatus, Promise, PromiseCategory, PromiseStatus, RootCause, Snooze,
};

/// The columns of `entries` that an entry's content fills, in [`EntryRow::values`] order.
pub const CONTENT_COLUMNS: &str = "customer_id, kind, occurred_at, summary, channel, direction, \
    outcome, duration_mins, category, status, due_date, closed_on, at_risk_since, risk_reason, \
    status_changed_at, renegotiations, related_id, proactive, owner, root_cause, prevention, \
    amount_cents, invoice_ref, rating, snooze_until, is_open";

/// Every column a stored entry is read from, in [`read_entry`] order.
pub const SELECT_COLUMNS: &str = "id, customer_id, kind, occurred_at, summary, channel, \
    direction, outcome, duration_mins, category, status, due_date, closed_on, at_risk_since, \
    risk_reason, status_changed_at, renegotiations, related_id, proactive, owner, root_cause, \
    prevention, amount_cents, invoice_ref, rating, snooze_until, created_at, updated_at, deleted_at";

/// The number of [`CONTENT_COLUMNS`].
pub const CONTENT_COLUMN_COUNT: usize = 26;

/// An entry's content as column values (the summary's tally reads a few of them).
#[derive(Default)]
pub struct EntryRow {
    pub(super) customer_id: i64,
    pub(super) kind: &'static str,
    pub(super) occurred_at: String,
    summary: String,
    channel: Option<&'static str>,
    pub(super) direction: Option<&'static str>,
    pub(super) outcome: Option<&'static str>,
    duration_mins: Option<u32>,
    category: Option<&'static str>,
    pub(super) status: Option<&'static str>,
    due_date: Option<String>,
    pub(super) closed_on: Option<String>,
    at_risk_since: Option<String>,
    risk_reason: Option<String>,
    status_changed_at: Option<String>,
    pub(super) renegotiations: Option<String>,
    related_id: Option<i64>,
    proactive: Option<bool>,
    owner: Option<String>,
    root_cause: Option<&'static str>,
    prevention: Option<String>,
    amount_cents: Option<i64>,
    invoice_ref: Option<String>,
    pub(super) rating: Option<u8>,
    pub(super) snooze_until: Option<String>,
    is_open: bool,
}

impl EntryRow {
    /// Flattens a validated draft.
    pub fn from_draft(draft: &EntryDraft) -> Self {
        let mut row = Self {
            customer_id: draft.customer_id.0,
            kind: draft.kind.tag().code(),
            occurred_at: format_datetime(draft.occurred_at),
            summary: draft.summary.clone(),
            is_open: draft.kind.is_open(),
            due_date: draft.kind.due().map(format_date),
            ..Self::default()
        };
        match &draft.kind {
            EntryKind::Contact(c) => {
                row.channel = Some(c.channel.code());
                row.direction = Some(c.direction.code());
                row.outcome = Some(c.outcome.code());
                row.duration_mins = c.duration_mins;
            }
            EntryKind::Promise(p) => {
                row.category = Some(p.category.code());
                row.status = Some(p.status.code());
                row.closed_on = p.status.closed_on().map(format_date);
                if let Some(risk) = &p.at_risk {
                    row.at_risk_since = Some(format_datetime(risk.flagged_at));
                    row.risk_reason = Some(risk.reason.clone());
                }
                // Serialising plain structs of dates, strings and bools cannot fail.
                row.renegotiations =
                    Some(serde_json::to_string(&p.renegotiations).unwrap_or_default());
            }
            EntryKind::BadNews(b) => {
                row.category = Some(b.about.code());
                row.related_id = b.related.map(|id| id.0);
                row.proactive = Some(b.proactive);
            }
            EntryKind::Problem(p) => {
                row.owner = Some(p.owner.clone());
                match &p.status {
                    ProblemStatus::Open => row.status = Some("open"),
                    ProblemStatus::Resolved {
                        on,
                        root_cause,
                        prevention,
                    } => {
                        row.status = Some("resolved");
                        row.closed_on = Some(format_date(*on));
                        row.root_cause = Some(root_cause.code());
                        row.prevention = Some(prevention.clone());
                    }
                }
            }
            EntryKind::Order(o) => {
                row.amount_cents = o.amount.map(|a| a.0);
                row.status = Some(o.status.code());
                row.status_changed_at = o.status_changed_at.map(format_datetime);
            }
            EntryKind::Payment(p) => {
                row.invoice_ref = Some(p.invoice_ref.clone());
                row.amount_cents = Some(p.amount.0);
                row.status = Some(if p.paid_on.is_some() {
                    "paid"
                } else {
                    "unpaid"
                });
                row.closed_on = p.paid_on.map(format_date);
            }
            EntryKind::Note => {}
            EntryKind::Feedback(f) => row.rating = f.rating,
            EntryKind::Snooze(s) => row.snooze_until = Some(format_date(s.until)),
        }
        row
    }

    /// The values for [`CONTENT_COLUMNS`], in order.
    pub fn values(&self) -> [&dyn ToSql; CONTENT_COLUMN_COUNT] {
        [
            &self.customer_id,
            &self.kind,
            &self.occurred_at,
            &self.summary,
            &self.channel,
            &self.direction,
            &self.outcome,
            &self.duration_mins,
            &self.category,
            &self.status,
            &self.due_date,
            &self.closed_on,
            &self.at_risk_since,
            &self.risk_reason,
            &self.status_changed_at,
            &self.renegotiations,
            &self.related_id,
            &self.proactive,
            &self.owner,
            &self.root_cause,
            &self.prevention,
            &self.amount_cents,
            &self.invoice_ref,
            &self.rating,
            &self.snooze_until,
            &self.is_open,
        ]
    }

    /// Runs a prepared statement whose first parameters are [`CONTENT_COLUMNS`], followed by
    /// `extra`.
    pub fn execute(
        &self,
        statement: &mut Statement<'_>,
        extra: &[&dyn ToSql],
    ) -> rusqlite::Result<usize> {
        let values = self.values();
        let all: Vec<&dyn ToSql> = values
            .iter()
            .copied()
            .chain(extra.iter().copied())
            .collect();
        statement.execute(all.as_slice())
    }
}

fn bad_value(column: usize, what: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, Type::Text, what.into())
}

/// Runs `read` on a text column borrowed from SQLite, without copying it into a `String`
/// (a report reads a few dates of each of a million rows). Anything but valid UTF-8 text
/// takes the `String` path, so NULLs and other values fail exactly as before.
fn with_text<T>(
    row: &Row<'_>,
    column: usize,
    read: impl FnOnce(&str) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    if let ValueRef::Text(bytes) = row.get_ref(column)?
        && let Ok(text) = std::str::from_utf8(bytes)
    {
        return read(text);
    }
    let text: String = row.get(column)?;
    read(&text)
}

/// [`with_text`] for a column that may be NULL (then `None`), asking SQLite for the value
/// once: the ranking reads six such columns of each of 10,000 customers.
fn with_opt_text<T>(
    row: &Row<'_>,
    column: usize,
    read: impl FnOnce(&str) -> rusqlite::Result<T>,
) -> rusqlite::Result<Option<T>> {
    match row.get_ref(column)? {
        ValueRef::Null => return Ok(None),
        ValueRef::Text(bytes) => {
            if let Ok(text) = std::str::from_utf8(bytes) {
                return read(text).map(Some);
            }
        }
        _ => {}
    }
    with_text(row, column, read).map(Some)
}

/// True when the column is NULL.
fn is_null(row: &Row<'_>, column: usize) -> rusqlite::Result<bool> {
    Ok(matches!(row.get_ref(column)?, ValueRef::Null))
}

fn get_code<T>(row: &Row<'_>, column: usize, parse: fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    with_text(row, column, |text| {
        parse(text).ok_or_else(|| bad_value(column, format!("unknown value \"{text}\"")))
    })
}

fn get_date(row: &Row<'_>, column: usize) -> rusqlite::Result<NaiveDate> {
    with_text(row, column, |text| {
        parse_stored_date(text).ok_or_else(|| bad_value(column, format!("bad date \"{text}\"")))
    })
}

fn get_opt_date(row: &Row<'_>, column: usize) -> rusqlite::Result<Option<NaiveDate>> {
    if is_null(row, column)? {
        return Ok(None);
    }
    get_date(row, column).map(Some)
}

/// Reads a stored date-time column.
pub fn get_datetime(row: &Row<'_>, column: usize) -> rusqlite::Result<NaiveDateTime> {
    with_text(row, column, |text| {
        parse_stored_datetime(text).ok_or_else(|| bad_value(column, format!("bad time \"{text}\"")))
    })
}

/// Reads an optional stored date-time column.
pub fn get_opt_datetime(row: &Row<'_>, column: usize) -> rusqlite::Result<Option<NaiveDateTime>> {
    with_opt_text(row, column, |text| {
        parse_stored_datetime(text).ok_or_else(|| bad_value(column, format!("bad time \"{text}\"")))
    })
}

/// Reads an optional stored date-time column; a time that does not read is taken as none.
pub fn get_lenient_opt_datetime(
    row: &Row<'_>,
    column: usize,
) -> rusqlite::Result<Option<NaiveDateTime>> {
    with_opt_text(row, column, |text| Ok(parse_stored_datetime(text))).map(Option::flatten)
}

/// Reads an optional stored date column; a date that does not read is taken as none.
pub fn get_lenient_opt_date(row: &Row<'_>, column: usize) -> rusqlite::Result<Option<NaiveDate>> {
    with_opt_text(row, column, |text| Ok(parse_stored_date(text))).map(Option::flatten)
}

fn get_or_default<T: FromSql + Default>(row: &Row<'_>, column: usize) -> rusqlite::Result<T> {
    Ok(row.get::<_, Option<T>>(column)?.unwrap_or_default())
}

/// Reads the promise of a row selected with [`SELECT_COLUMNS`] whose kind is a promise
/// (reports that count promises read only this of each).
pub fn read_promise(row: &Row<'_>) -> rusqlite::Result<Promise> {
    let status = with_text(row, 10, |status_code| match status_code {
        "open" => Ok(PromiseStatus::Open),
        "kept" => Ok(PromiseStatus::Kept(get_date(row, 12)?)),
        "broken" => Ok(PromiseStatus::Broken(get_date(row, 12)?)),
        other => Err(bad_value(10, format!("unknown promise status \"{other}\""))),
    })?;
    let at_risk = match get_opt_datetime(row, 13)? {
        Some(flagged_at) => Some(AtRisk {
            flagged_at,
            reason: get_or_default(row, 14)?,
        }),
        None => None,
    };
    let renegotiations = if is_null(row, 16)? {
        Vec::new()
    } else {
        with_text(row, 16, |json| {
            if json.is_empty() {
                return Ok(Vec::new());
            }
            serde_json::from_str(json)
                .map_err(|e| bad_value(16, format!("bad renegotiation history: {e}")))
        })?
    };
    Ok(Promise {
        due: get_date(row, 11)?,
        category: get_code(row, 9, PromiseCategory::from_code)?,
        status,
        at_risk,
        renegotiations,
    })
}

/// Reads a row selected with [`SELECT_COLUMNS`].
pub fn read_entry(row: &Row<'_>) -> rusqlite::Result<Entry> {
    let tag = get_code(row, 2, EntryKindTag::from_code)?;
    let kind = match tag {
        EntryKindTag::Contact => EntryKind::Contact(Contact {
            channel: get_code(row, 5, Channel::from_code)?,
            direction: get_code(row, 6, Direction::from_code)?,
            outcome: get_code(row, 7, Outcome::from_code)?,
            duration_mins: row.get(8)?,
        }),
        EntryKindTag::Promise => EntryKind::Promise(read_promise(row)?),
        EntryKindTag::BadNews => EntryKind::BadNews(BadNews {
            about: get_code(row, 9, BadNewsKind::from_code)?,
            related: row.get::<_, Option<i64>>(17)?.map(EntryId),
            proactive: get_or_default(row, 18)?,
        }),
        EntryKindTag::Problem => {
            let status = match get_opt_date(row, 12)? {
                Some(on) => ProblemStatus::Resolved {
                    on,
                    root_cause: get_code(row, 20, RootCause::from_code)?,
                    prevention: get_or_default(row, 21)?,
                },
                None => ProblemStatus::Open,
            };
            EntryKind::Problem(Problem {
                owner: get_or_default(row, 19)?,
                status,
            })
        }
        EntryKindTag::Order => EntryKind::Order(Order {
            amount: row.get::<_, Option<i64>>(22)?.map(Cents),
            promised_delivery: get_date(row, 11)?,
            status: get_code(row, 10, OrderStatus::from_code)?,
            status_changed_at: get_opt_datetime(row, 15)?,
        }),
        EntryKindTag::Payment => EntryKind::Payment(Payment {
            invoice_ref: get_or_default(row, 23)?,
            amount: Cents(get_or_default(row, 22)?),
            due: get_date(row, 11)?,
            paid_on: get_opt_date(row, 12)?,
        }),
        EntryKindTag::Note => EntryKind::Note,
        EntryKindTag::Feedback => EntryKind::Feedback(Feedback {
            rating: row.get(24)?,
        }),
        EntryKindTag::Snooze => EntryKind::Snooze(Snooze {
            until: get_date(row, 25)?,
        }),
    };
    Ok(Entry {
        id: EntryId(row.get(0)?),
        customer_id: CustomerId(row.get(1)?),
        occurred_at: get_datetime(row, 3)?,
        summary: row.get(4)?,
        kind,
        created_at: get_datetime(row, 26)?,
        updated_at: get_datetime(row, 27)?,
        deleted_at: get_opt_datetime(row, 28)?,
    })
}
