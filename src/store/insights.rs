//! The facts the Insights measures read ([`InsightFacts`]): promises, bad news, problems,
//! contacts and invoices of the customers who are not archived, up to the end of a period,
//! each read in one pass with only the columns the measures need.

use chrono::{NaiveDate, NaiveTime};

use super::entry_row::{SELECT_COLUMNS, get_datetime, read_entry};
use super::{Result, Store};
use crate::domain::dates::{format_datetime, parse_stored_date};
use crate::domain::insights::{
    BadNewsFact, ContactFact, InsightFacts, InsightOptions, Insights, PaymentFact, ProblemFact,
    PromiseFact,
};
use crate::domain::{Cents, CustomerId, Direction, EntryId, EntryKind, Outcome, RootCause};

/// Entries not in the trash, of customers not archived, up to the time `?1`.
const FILTER: &str = "deleted_at IS NULL AND occurred_at <= ?1 \
    AND customer_id IN (SELECT id FROM customers WHERE archived = 0)";

fn bad_date(column: usize, text: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        column,
        rusqlite::types::Type::Text,
        format!("bad date \"{text}\"").into(),
    )
}

fn date(row: &rusqlite::Row<'_>, column: usize) -> rusqlite::Result<Option<NaiveDate>> {
    match row.get::<_, Option<String>>(column)? {
        None => Ok(None),
        Some(text) => parse_stored_date(&text)
            .map(Some)
            .ok_or_else(|| bad_date(column, &text)),
    }
}

impl Store {
    /// Every Insights measure over `options`' period: the one call the Insights view, `candor
    /// insights` and the HTML report make, so they can never disagree.
    pub fn insights(&self, options: &InsightOptions) -> Result<Insights> {
        let facts = self.insight_facts(options.to.max(options.from))?;
        Ok(crate::domain::insights::compute(&facts, options))
    }

    /// Everything the Insights measures need about what happened up to the end of `to`.
    pub fn insight_facts(&self, to: NaiveDate) -> Result<InsightFacts> {
        let fail = self.fail();
        let end = format_datetime(
            to.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN)),
        );
        let mut facts = InsightFacts::default();

        // Promises, without their text (the measures never show it).
        let columns = SELECT_COLUMNS.replacen("summary,", "'' AS summary,", 1);
        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT {columns} FROM entries WHERE kind = 'promise' AND {FILTER}"
            ))
            .map_err(&fail)?;
        let mut rows = statement.query([&end]).map_err(&fail)?;
        while let Some(row) = rows.next().map_err(&fail)? {
            let entry = read_entry(row).map_err(&fail)?;
            if let EntryKind::Promise(promise) = entry.kind {
                facts.promises.push(PromiseFact {
                    id: entry.id,
                    customer: entry.customer_id,
                    made_at: entry.occurred_at,
                    promise,
                });
            }
        }

        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT b.customer_id, b.occurred_at, b.related_id, b.proactive, r.due_date \
                 FROM (SELECT customer_id, occurred_at, related_id, proactive FROM entries \
                       WHERE kind = 'bad_news' AND {FILTER}) b \
                 LEFT JOIN entries r ON r.id = b.related_id AND r.deleted_at IS NULL"
            ))
            .map_err(&fail)?;
        let mut rows = statement.query([&end]).map_err(&fail)?;
        while let Some(row) = rows.next().map_err(&fail)? {
            let read = || -> rusqlite::Result<BadNewsFact> {
                Ok(BadNewsFact {
                    customer: CustomerId(row.get(0)?),
                    at: get_datetime(row, 1)?,
                    related: row.get::<_, Option<i64>>(2)?.map(EntryId),
                    proactive: row.get::<_, Option<bool>>(3)?.unwrap_or(false),
                    related_due: date(row, 4)?,
                })
            };
            facts.bad_news.push(read().map_err(&fail)?);
        }

        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT customer_id, occurred_at, closed_on, root_cause, prevention FROM entries \
                 WHERE kind = 'problem' AND {FILTER}"
            ))
            .map_err(&fail)?;
        let mut rows = statement.query([&end]).map_err(&fail)?;
        while let Some(row) = rows.next().map_err(&fail)? {
            let read = || -> rusqlite::Result<ProblemFact> {
                let resolved = match date(row, 2)? {
                    Some(on) => Some((
                        on,
                        row.get::<_, Option<String>>(3)?
                            .as_deref()
                            .and_then(RootCause::from_code)
                            .unwrap_or(RootCause::Unknown),
                        row.get::<_, Option<String>>(4)?.unwrap_or_default(),
                    )),
                    None => None,
                };
                Ok(ProblemFact {
                    customer: CustomerId(row.get(0)?),
                    opened_at: get_datetime(row, 1)?,
                    resolved,
                })
            };
            facts.problems.push(read().map_err(&fail)?);
        }

        // The largest part of a journal: read as codes, a million rows in one pass.
        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT customer_id, occurred_at, direction = 'inbound', outcome = 'reached' \
                 FROM entries WHERE kind = 'contact' AND {FILTER}"
            ))
            .map_err(&fail)?;
        let mut rows = statement.query([&end]).map_err(&fail)?;
        while let Some(row) = rows.next().map_err(&fail)? {
            let read = || -> rusqlite::Result<ContactFact> {
                Ok(ContactFact {
                    customer: CustomerId(row.get(0)?),
                    at: get_datetime(row, 1)?,
                    direction: if row.get::<_, Option<bool>>(2)?.unwrap_or(false) {
                        Direction::Inbound
                    } else {
                        Direction::Outbound
                    },
                    outcome: if row.get::<_, Option<bool>>(3)?.unwrap_or(false) {
                        Outcome::Reached
                    } else {
                        Outcome::NoAnswer
                    },
                })
            };
            facts.contacts.push(read().map_err(&fail)?);
        }

        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT customer_id, due_date, closed_on, amount_cents FROM entries \
                 WHERE kind = 'payment' AND {FILTER}"
            ))
            .map_err(&fail)?;
        let mut rows = statement.query([&end]).map_err(&fail)?;
        while let Some(row) = rows.next().map_err(&fail)? {
            let read = || -> rusqlite::Result<Option<PaymentFact>> {
                let Some(due) = date(row, 1)? else {
                    return Ok(None);
                };
                Ok(Some(PaymentFact {
                    customer: CustomerId(row.get(0)?),
                    due,
                    paid_on: date(row, 2)?,
                    amount: Cents(row.get::<_, Option<i64>>(3)?.unwrap_or_default()),
                }))
            };
            if let Some(payment) = read().map_err(&fail)? {
                facts.payments.push(payment);
            }
        }
        Ok(facts)
    }
}
