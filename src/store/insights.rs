//! The facts the Insights measures read ([`InsightFacts`]): promises, bad news, problems,
//! contacts and invoices of the customers who are not archived, up to the end of a period,
//! each read in one pass with only the columns the measures need.

use chrono::{NaiveDate, NaiveTime};

use super::entry_row::{SELECT_COLUMNS, get_datetime, get_opt_datetime, read_entry};
use super::{Result, Store};
use crate::domain::dates::{format_datetime, parse_stored_date};
use crate::domain::insights::{
    BadNewsFact, ContactFact, CustomerFact, FeedbackFact, InsightFacts, InsightOptions, Insights,
    OrderFact, PaymentFact, ProblemFact, PromiseFact, RepCustomers, SnoozeFact, compute,
};
use crate::domain::{CustomerId, Direction, EntryKind, Outcome, ProblemStatus};

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
        self.insights_of(options, None)
    }

    /// The same measures over the customers in `only` (one rep's, for a manager), or over
    /// every customer when `None`.
    pub fn insights_of(
        &self,
        options: &InsightOptions,
        only: Option<&[CustomerId]>,
    ) -> Result<Insights> {
        let mut facts =
            self.insight_facts(options.from.min(options.to), options.to.max(options.from))?;
        if let Some(only) = only {
            facts = facts.only(&only.iter().copied().collect());
        }
        Ok(compute(&facts, options))
    }

    /// The same measures for the whole journal and for each rep who owns customers in it
    /// (a manager's journal), from one read of the facts.
    pub fn insights_per_rep(
        &self,
        options: &InsightOptions,
    ) -> Result<(Insights, Vec<(RepCustomers, Insights)>)> {
        let facts =
            self.insight_facts(options.from.min(options.to), options.to.max(options.from))?;
        let reps = self.insight_reps()?;
        let per_rep = reps
            .into_iter()
            .map(|rep| {
                let only = rep.customers.iter().copied().collect();
                let insights = compute(&facts.only(&only), options);
                (rep, insights)
            })
            .collect();
        Ok((compute(&facts, options), per_rep))
    }

    /// The reps who own customers in this journal (customers pulled from the team), by
    /// login, with their customers; empty for a journal of one's own.
    pub fn insight_reps(&self) -> Result<Vec<RepCustomers>> {
        let fail = self.fail();
        let mut statement = self
            .conn
            .prepare(
                "SELECT c.team_owner, COALESCE(r.full_name, c.team_owner), c.id \
                 FROM customers c LEFT JOIN team_reps r ON r.login = c.team_owner \
                 WHERE c.team_owner IS NOT NULL AND c.archived = 0 AND c.deleted_at IS NULL \
                 ORDER BY c.team_owner, c.id",
            )
            .map_err(&fail)?;
        let mut rows = statement.query([]).map_err(&fail)?;
        let mut reps: Vec<RepCustomers> = Vec::new();
        while let Some(row) = rows.next().map_err(&fail)? {
            let login: String = row.get(0).map_err(&fail)?;
            let customer = CustomerId(row.get(2).map_err(&fail)?);
            match reps.last_mut() {
                Some(rep) if rep.login == login => rep.customers.push(customer),
                _ => reps.push(RepCustomers {
                    login,
                    name: row.get(1).map_err(&fail)?,
                    customers: vec![customer],
                }),
            }
        }
        Ok(reps)
    }

    /// Everything the Insights measures need about what happened up to the end of `to`,
    /// read in one pass over the entries in storage order. The unary `+` keeps SQLite off
    /// the (customer, kind, time) index: walking it customer by customer reads the same
    /// rows in random order, 4–6 times slower on a million entries than one plain scan.
    ///
    /// Contacts are most of a journal; those before `from` are summarised per customer by
    /// the two that still matter in the period — the last that reached them, and the first
    /// call of theirs left unanswered since — found by walking the (customer, kind, time)
    /// index a few rows per customer.
    pub fn insight_facts(&self, from: NaiveDate, to: NaiveDate) -> Result<InsightFacts> {
        let fail = self.fail();
        let start = format_datetime(from.and_time(NaiveTime::MIN));
        let end = format_datetime(
            to.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN)),
        );
        // The entry's columns as `read_entry` expects them, without the text (the measures
        // never show it), then the due date of the entry a bad news is about.
        let columns: Vec<String> = SELECT_COLUMNS
            .split(',')
            .map(str::trim)
            .map(|c| {
                if c == "summary" {
                    "'' AS summary".to_owned()
                } else {
                    format!("e.{c}")
                }
            })
            .collect();
        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT {}, r.due_date FROM entries e \
                 LEFT JOIN entries r ON r.id = e.related_id AND r.deleted_at IS NULL \
                 WHERE +e.kind IN ('promise', 'order', 'bad_news', 'problem', 'contact', 'payment', \
                                  'feedback', 'snooze') \
                   AND e.deleted_at IS NULL AND e.occurred_at <= ?1 \
                   AND (e.kind <> 'contact' OR e.occurred_at >= ?2) \
                   AND +e.customer_id IN (SELECT id FROM customers WHERE archived = 0 AND deleted_at IS NULL)",
                columns.join(", ")
            ))
            .map_err(&fail)?;
        let related_due_column = columns.len();
        let mut facts = InsightFacts::default();
        let mut rows = statement.query([&end, &start]).map_err(&fail)?;
        while let Some(row) = rows.next().map_err(&fail)? {
            let entry = read_entry(row).map_err(&fail)?;
            let customer = entry.customer_id;
            match entry.kind {
                EntryKind::Promise(promise) => facts.promises.push(PromiseFact {
                    id: entry.id,
                    customer,
                    made_at: entry.occurred_at,
                    updated_at: entry.updated_at,
                    promise,
                }),
                EntryKind::Order(order) => facts.orders.push(OrderFact {
                    id: entry.id,
                    customer,
                    ordered_at: entry.occurred_at,
                    order,
                }),
                EntryKind::BadNews(news) => facts.bad_news.push(BadNewsFact {
                    customer,
                    at: entry.occurred_at,
                    related: news.related,
                    related_due: date(row, related_due_column).map_err(&fail)?,
                    proactive: news.proactive,
                }),
                EntryKind::Problem(problem) => facts.problems.push(ProblemFact {
                    id: entry.id,
                    customer,
                    opened_at: entry.occurred_at,
                    resolved: match problem.status {
                        ProblemStatus::Open => None,
                        ProblemStatus::Resolved {
                            on,
                            root_cause,
                            prevention,
                        } => Some((on, root_cause, prevention)),
                    },
                }),
                EntryKind::Contact(contact) => facts.contacts.push(ContactFact {
                    customer,
                    at: entry.occurred_at,
                    direction: contact.direction,
                    outcome: contact.outcome,
                }),
                EntryKind::Payment(payment) => facts.payments.push(PaymentFact {
                    id: entry.id,
                    customer,
                    issued_at: entry.occurred_at,
                    due: payment.due,
                    paid_on: payment.paid_on,
                    amount: payment.amount,
                }),
                EntryKind::Feedback(feedback) => facts.feedback.push(FeedbackFact {
                    id: entry.id,
                    customer,
                    at: entry.occurred_at,
                    rating: feedback.rating,
                }),
                EntryKind::Snooze(snooze) => facts.snoozes.push(SnoozeFact {
                    customer,
                    at: entry.occurred_at,
                    until: snooze.until,
                }),
                _ => {}
            }
        }
        drop(rows);

        let mut statement = self
            .conn
            .prepare(
                "SELECT id, created_at, cadence_days FROM customers \
                 WHERE archived = 0 AND deleted_at IS NULL ORDER BY id",
            )
            .map_err(&fail)?;
        let mut rows = statement.query([]).map_err(&fail)?;
        while let Some(row) = rows.next().map_err(&fail)? {
            let read = || -> rusqlite::Result<CustomerFact> {
                Ok(CustomerFact {
                    id: CustomerId(row.get(0)?),
                    created_at: get_datetime(row, 1)?,
                    cadence_days: row.get(2)?,
                })
            };
            facts.customers.push(read().map_err(&fail)?);
        }
        drop(rows);

        let mut statement = self
            .conn
            .prepare(
                "SELECT c.id, r.reached, \
                   (SELECT e.occurred_at FROM entries e \
                     WHERE e.customer_id = c.id AND e.kind = 'contact' \
                       AND e.occurred_at < ?1 AND e.occurred_at > COALESCE(r.reached, '') \
                       AND e.direction = 'inbound' AND e.outcome <> 'reached' \
                       AND e.deleted_at IS NULL \
                     ORDER BY e.occurred_at LIMIT 1) \
                 FROM customers c, (SELECT c2.id AS id, \
                   (SELECT e.occurred_at FROM entries e \
                     WHERE e.customer_id = c2.id AND e.kind = 'contact' AND e.occurred_at < ?1 \
                       AND e.outcome = 'reached' AND e.deleted_at IS NULL \
                     ORDER BY e.occurred_at DESC LIMIT 1) AS reached \
                   FROM customers c2) r \
                 WHERE r.id = c.id AND c.archived = 0 AND c.deleted_at IS NULL",
            )
            .map_err(&fail)?;
        let mut rows = statement.query([&start]).map_err(&fail)?;
        while let Some(row) = rows.next().map_err(&fail)? {
            let customer = CustomerId(row.get(0).map_err(&fail)?);
            if let Some(at) = get_opt_datetime(row, 1).map_err(&fail)? {
                facts.contacts.push(ContactFact {
                    customer,
                    at,
                    direction: Direction::Outbound,
                    outcome: Outcome::Reached,
                });
            }
            if let Some(at) = get_opt_datetime(row, 2).map_err(&fail)? {
                facts.contacts.push(ContactFact {
                    customer,
                    at,
                    direction: Direction::Inbound,
                    outcome: Outcome::NoAnswer,
                });
            }
        }
        Ok(facts)
    }
}
