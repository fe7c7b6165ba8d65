//! The team's "Call them first": every customer the caller may see (row-level security
//! decides: a rep sees their own and the ones shared with them, a manager all), ranked by
//! the journal's own ranking function ([`crate::domain::rank::rank_each`]) from the
//! per-customer summary the server keeps (team schema version 3): one row per customer is
//! read, never an entry, and rows are scored as they arrive, so only the customers who need
//! a call stay in memory.

use chrono::{Days, NaiveDate, NaiveDateTime};
use postgres::fallible_iterator::FallibleIterator;
use serde_json::Value as JsonValue;
use uuid::Uuid;

use crate::domain::dates::{format_date, parse_stored_date, parse_stored_datetime};
use crate::domain::rank::{
    BrokenPromise, CustomerFacts, OpenDetail, OpenItem, RankSettings, RankedCustomer, RatingAnswer,
    TakenOver, broken_moment, rank_each, weights,
};
use crate::domain::{
    Cents, CustomerId, DEFAULT_CADENCE_DAYS, EntryId, EntryKindTag, OrderStatus, PromiseCategory,
};

/// The team ranking: the ranked customers, and for each the global ids and rep behind the
/// ids the ranking gives (a team has no local integer ids).
#[derive(Debug, Clone, Default)]
pub struct TeamRanking {
    /// First to call first; `customer_id` and reasons' `entry_id` are ids of this ranking.
    pub ranked: Vec<RankedCustomer>,
    customers: Vec<(Uuid, usize)>,
    entries: Vec<Uuid>,
    reps: Vec<String>,
}

impl TeamRanking {
    /// The login of the rep who owns `customer` (a ranked customer's id).
    pub fn rep_of(&self, customer: CustomerId) -> &str {
        self.slot(customer)
            .and_then(|(_, rep)| self.reps.get(*rep))
            .map_or("", String::as_str)
    }

    /// The global id of `customer` (a ranked customer's id).
    pub fn gid_of(&self, customer: CustomerId) -> String {
        self.slot(customer)
            .map_or_else(String::new, |(gid, _)| gid.to_string())
    }

    /// The global id of the entry a reason names.
    pub fn entry_gid_of(&self, entry: EntryId) -> Option<String> {
        let index = usize::try_from(entry.0).ok()?.checked_sub(1)?;
        self.entries.get(index).map(Uuid::to_string)
    }

    fn slot(&self, customer: CustomerId) -> Option<&(Uuid, usize)> {
        let index = usize::try_from(customer.0).ok()?.checked_sub(1)?;
        self.customers.get(index)
    }

    /// Keeps only the first `limit` customers.
    pub fn truncate(&mut self, limit: usize) {
        self.ranked.truncate(limit);
    }
}

/// The summary columns one customer's facts are read from.
const SUMMARY_COLUMNS: &str = "customer_gid::text, owner_login, name, company, phone, \
    cadence_days, created_at, last_reached_at, callback_owed_since, last_bad_news_at, \
    last_problem_resolved_on, last_feedback_at, snoozed_until, last_rating::text, \
    broken_promises::text, open_items::text, taken_over::text";

/// Ranks every active customer the connected login may see (only `rep`'s when given), as
/// of `today`.
pub fn rank(
    client: &mut postgres::Client,
    today: NaiveDate,
    rep: Option<&str>,
    settings: &RankSettings,
) -> Result<TeamRanking, postgres::Error> {
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM candor.customer_summary \
         WHERE active AND ($1::text IS NULL OR owner_login = $1)"
    );
    let mut rows = client.query_raw(&sql, [&rep as &(dyn postgres::types::ToSql + Sync)])?;
    let mut ranking = TeamRanking::default();
    let mut failed: Option<postgres::Error> = None;
    let window_start = today
        .checked_sub_days(Days::new(weights::TRUST_WINDOW_DAYS as u64))
        .unwrap_or(today);
    let window = (format_date(window_start), format_date(today));
    let facts = std::iter::from_fn(|| match rows.next() {
        Ok(Some(row)) => Some(read_facts(&row, today, &window, &mut ranking)),
        Ok(None) => None,
        Err(error) => {
            failed = Some(error);
            None
        }
    });
    let ranked = rank_each(facts, today, settings);
    if let Some(error) = failed {
        return Err(error);
    }
    ranking.ranked = ranked;
    Ok(ranking)
}

fn json(text: Option<String>) -> JsonValue {
    text.and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(JsonValue::Null)
}

fn text_of<'a>(value: &'a JsonValue, key: &str) -> Option<&'a str> {
    value.get(key).and_then(JsonValue::as_str)
}

fn date_of(value: &JsonValue, key: &str) -> Option<NaiveDate> {
    text_of(value, key).and_then(parse_stored_date)
}

fn datetime_of(value: &JsonValue, key: &str) -> Option<NaiveDateTime> {
    text_of(value, key).and_then(parse_stored_datetime)
}

/// Items of a summary array in the order the journal gives them ids (creation order: the
/// hybrid-clock stamp of their first event), each with a fresh id of this ranking.
fn in_creation_order<'a>(
    array: &'a JsonValue,
    ranking: &mut TeamRanking,
) -> Vec<(EntryId, &'a JsonValue)> {
    let mut items: Vec<&JsonValue> = array
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    items.sort_by(|a, b| {
        (text_of(a, "hlc"), text_of(a, "gid")).cmp(&(text_of(b, "hlc"), text_of(b, "gid")))
    });
    items
        .into_iter()
        .map(|item| (entry_id(item, ranking), item))
        .collect()
}

fn entry_id(item: &JsonValue, ranking: &mut TeamRanking) -> EntryId {
    let gid = text_of(item, "gid")
        .and_then(|gid| Uuid::parse_str(gid).ok())
        .unwrap_or_default();
    ranking.entries.push(gid);
    EntryId(ranking.entries.len() as i64)
}

/// One customer's facts from its summary row, as [`crate::store::Store::rank_facts`] reads
/// them from the journal.
fn read_facts(
    row: &postgres::Row,
    today: NaiveDate,
    (window_start, window_end): &(String, String),
    ranking: &mut TeamRanking,
) -> CustomerFacts {
    let gid = Uuid::parse_str(row.get::<_, &str>(0)).unwrap_or_default();
    let owner: &str = row.get(1);
    let rep = match ranking.reps.iter().position(|r| r == owner) {
        Some(rep) => rep,
        None => {
            ranking.reps.push(owner.to_owned());
            ranking.reps.len() - 1
        }
    };
    ranking.customers.push((gid, rep));
    let opt_datetime = |i: usize| {
        row.get::<_, Option<&str>>(i)
            .and_then(parse_stored_datetime)
    };
    let opt_date = |i: usize| row.get::<_, Option<&str>>(i).and_then(parse_stored_date);
    let mut f = CustomerFacts::new(
        CustomerId(ranking.customers.len() as i64),
        row.get::<_, String>(2),
        opt_datetime(6).unwrap_or_else(|| today.and_time(chrono::NaiveTime::MIN)),
    );
    f.company = row.get(3);
    f.phone = row.get(4);
    f.cadence_days = row
        .get::<_, Option<i32>>(5)
        .and_then(|days| u32::try_from(days).ok())
        .unwrap_or(DEFAULT_CADENCE_DAYS);
    f.last_reached_at = opt_datetime(7);
    f.callback_owed_since = opt_datetime(8);
    f.last_bad_news_at = opt_datetime(9);
    f.last_problem_resolved_on = opt_date(10);
    f.last_feedback_at = opt_datetime(11);
    f.snoozed_until = opt_date(12);

    let rating = json(row.get(13));
    if !rating.is_null() {
        let value = rating.get("rating").and_then(|r| {
            r.as_u64()
                .or_else(|| r.as_str().and_then(|text| text.parse().ok()))
        });
        if let (Some(value), Some(at)) = (value, datetime_of(&rating, "at")) {
            f.last_rating = Some(RatingAnswer {
                entry_id: entry_id(&rating, ranking),
                at,
                rating: u8::try_from(value).unwrap_or(u8::MAX),
            });
        }
    }

    // Promises broken in the trust window, compared as the journal compares its dates.
    let broken = json(row.get(14));
    for (id, promise) in in_creation_order(&broken, ranking) {
        let Some(closed_text) = text_of(promise, "closed_on") else {
            continue;
        };
        if closed_text <= window_start.as_str() || closed_text > window_end.as_str() {
            continue;
        }
        f.broken_promises_recent += 1;
        let (Some(due), Some(closed_on), Some(updated_at)) = (
            date_of(promise, "due"),
            date_of(promise, "closed_on"),
            datetime_of(promise, "updated_at"),
        ) else {
            continue;
        };
        f.broken_promises.push(BrokenPromise {
            entry_id: id,
            what: text_of(promise, "what").unwrap_or_default().to_owned(),
            due,
            broken_at: broken_moment(closed_on, updated_at),
            bad_news_logged: promise
                .get("told")
                .and_then(JsonValue::as_bool)
                .unwrap_or(false),
        });
    }

    let open = json(row.get(15));
    for (id, item) in in_creation_order(&open, ranking) {
        if let Some(item) = open_item(id, item) {
            f.open_items.push(item);
        }
    }

    let taken_over = json(row.get(16));
    if let (Some(from), Some(at)) = (text_of(&taken_over, "from"), datetime_of(&taken_over, "at")) {
        f.taken_over = Some(TakenOver {
            from: from.to_owned(),
            at,
        });
    }
    f
}

fn open_item(id: EntryId, item: &JsonValue) -> Option<OpenItem> {
    let due = || date_of(item, "due");
    let text = |key: &str| text_of(item, key).unwrap_or_default().to_owned();
    let detail = match EntryKindTag::from_code(text_of(item, "kind")?)? {
        EntryKindTag::Promise => OpenDetail::Promise {
            due: due()?,
            category: text_of(item, "category")
                .and_then(PromiseCategory::from_code)
                .unwrap_or(PromiseCategory::Other),
            at_risk_since: datetime_of(item, "at_risk_since"),
            risk_reason: text("risk_reason"),
        },
        EntryKindTag::Order => OpenDetail::Order {
            due: due()?,
            status: text_of(item, "status")
                .and_then(OrderStatus::from_code)
                .unwrap_or(OrderStatus::OnTrack),
            status_changed_at: datetime_of(item, "status_changed_at"),
        },
        EntryKindTag::Problem => OpenDetail::Problem {
            owner: text("owner"),
        },
        EntryKindTag::Payment => OpenDetail::Payment {
            invoice_ref: text("invoice_ref"),
            amount: Cents(
                item.get("amount_cents")
                    .and_then(|a| {
                        a.as_i64()
                            .or_else(|| a.as_str().and_then(|t| t.parse().ok()))
                    })
                    .unwrap_or_default(),
            ),
            due: due()?,
        },
        _ => return None,
    };
    Some(OpenItem {
        entry_id: id,
        what: text("what"),
        opened_at: datetime_of(item, "occurred_at")?,
        detail,
    })
}
