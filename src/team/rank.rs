//! The team's "Call them first": every customer the caller may see (row-level security
//! decides: a rep sees their own and the ones shared with them, a manager all), ranked by
//! the journal's own ranking function ([`crate::domain::rank::rank_each`]) from the
//! per-customer summary the server keeps (team schema version 3): one row per customer is
//! read, never an entry, and rows are scored as they arrive, so only the customers who need
//! a call stay in memory. The announcements not told yet (team schema 9) are read before
//! the rows, set-based (see [`super::announcements`]), and added to each customer's facts.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{Days, NaiveDate, NaiveDateTime};
use postgres::fallible_iterator::FallibleIterator;
use serde::Deserialize;
use uuid::Uuid;

use super::announcements::TeamAnnouncements;
use crate::domain::dates::{format_date, parse_stored_date, parse_stored_datetime};
use crate::domain::rank::{
    BrokenPromise, CustomerFacts, OpenDetail, OpenItem, RankSettings, RankedCustomer, RatingAnswer,
    TakenOver, broken_moment, rank_first, weights,
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
    /// Where each login is in `reps` (a search of 50 logins per row was 4% of the time).
    rep_index: HashMap<String, usize>,
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

/// The summary columns one customer's facts are read from. The id comes as its 16 bytes
/// (not 36 characters to parse); the casts to text keep a server at team schema 3 to 6
/// (`jsonb` there, text since version 7, where the cast does nothing) readable.
const SUMMARY_COLUMNS: &str = "customer_gid, owner_login, name, company, phone, \
    cadence_days, created_at, last_reached_at, callback_owed_since, last_bad_news_at, \
    last_problem_resolved_on, last_feedback_at, snoozed_until, last_rating::text, \
    broken_promises::text, open_items::text, taken_over::text";

/// How many summary rows go to the scoring thread at a time.
const FACTS_BATCH: usize = 256;

/// Ranks every active customer the connected login may see (only `rep`'s when given), as
/// of `today`; only the first `limit` are kept when given.
pub fn rank(
    client: &mut postgres::Client,
    today: NaiveDate,
    rep: Option<&str>,
    settings: &RankSettings,
    limit: Option<usize>,
    with_announcements: bool,
) -> Result<TeamRanking, postgres::Error> {
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM candor.customer_summary \
         WHERE active AND ($1::text IS NULL OR owner_login = $1)"
    );
    // One read-only transaction, so that the setting below ends with it.
    let mut tx = client.build_transaction().read_only(true).start()?;
    // The scan is cheap per row, but before team schema 6 the row-level security policy
    // made the planner's estimate large enough for PostgreSQL's JIT compiler, which then
    // spent about 0.4 s compiling a plan that ran in a tenth of that (a few million
    // customers, or a server with lower thresholds, would still get there). Nothing in
    // this query gains from JIT.
    tx.batch_execute("SET LOCAL jit = off")?;
    // The announcements still on a list (team schema 9), read before the rows so each
    // customer's untold ones are added as its row goes by.
    let announcements = if with_announcements {
        TeamAnnouncements::read(&mut tx, today, rep)?
    } else {
        TeamAnnouncements::default()
    };
    let announcements = (!announcements.is_empty()).then_some(&announcements);
    let mut rows = tx.query_raw(&sql, [&rep as &(dyn postgres::types::ToSql + Sync)])?;
    let mut failed: Option<postgres::Error> = None;
    let window_start = today
        .checked_sub_days(Days::new(weights::TRUST_WINDOW_DAYS as u64))
        .unwrap_or(today);
    let window = (format_date(window_start), format_date(today));
    // Two threads: this one only reads the rows off the socket (so the server keeps
    // sending); the other turns them into facts and scores and orders them with the
    // journal's own function as they come (decoding on the reading thread made it the
    // slower of the two). Batches keep the hand-over cheap; a bounded queue keeps memory
    // flat when the scoring falls behind.
    let scored = std::thread::scope(|scope| {
        let (batches, inbox) = std::sync::mpsc::sync_channel::<Vec<postgres::Row>>(16);
        let window = &window;
        let scorer = scope.spawn(move || {
            let mut ranking = TeamRanking::default();
            let facts = inbox
                .into_iter()
                .flatten()
                .map(|row| read_facts(&row, today, window, announcements, &mut ranking));
            let ranked = rank_first(facts, today, settings, limit);
            (ranked, ranking)
        });
        let mut batch = Vec::with_capacity(FACTS_BATCH);
        loop {
            match rows.next() {
                Ok(Some(row)) => {
                    batch.push(row);
                    if batch.len() == FACTS_BATCH
                        && batches
                            .send(std::mem::replace(
                                &mut batch,
                                Vec::with_capacity(FACTS_BATCH),
                            ))
                            .is_err()
                    {
                        break;
                    }
                }
                Ok(None) => {
                    let _ = batches.send(batch);
                    break;
                }
                Err(error) => {
                    failed = Some(error);
                    break;
                }
            }
        }
        drop(batches);
        scorer.join()
    });
    if let Some(error) = failed {
        return Err(error);
    }
    let (ranked, mut ranking) = scored.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    drop(rows);
    tx.commit()?;
    ranking.ranked = ranked;
    Ok(ranking)
}

/// One element of a summary's JSON (an open item, a broken promise, the last rating, the
/// handover): read into fields, not a map of values, as 500,000 rows go by. Text borrows
/// from the row where it can (no escapes in it), so most fields cost no allocation.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Item<'a> {
    #[serde(borrow)]
    gid: Option<Cow<'a, str>>,
    #[serde(borrow)]
    hlc: Option<Cow<'a, str>>,
    #[serde(borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    what: Option<Cow<'a, str>>,
    #[serde(borrow)]
    occurred_at: Option<Cow<'a, str>>,
    #[serde(borrow)]
    due: Option<Cow<'a, str>>,
    #[serde(borrow)]
    closed_on: Option<Cow<'a, str>>,
    #[serde(borrow)]
    updated_at: Option<Cow<'a, str>>,
    #[serde(borrow)]
    category: Option<Cow<'a, str>>,
    #[serde(borrow)]
    at_risk_since: Option<Cow<'a, str>>,
    #[serde(borrow)]
    risk_reason: Option<Cow<'a, str>>,
    #[serde(borrow)]
    status: Option<Cow<'a, str>>,
    #[serde(borrow)]
    status_changed_at: Option<Cow<'a, str>>,
    #[serde(borrow)]
    owner: Option<Cow<'a, str>>,
    #[serde(borrow)]
    invoice_ref: Option<Cow<'a, str>>,
    amount_cents: Option<Number>,
    rating: Option<Number>,
    told: Option<bool>,
    #[serde(borrow)]
    from: Option<Cow<'a, str>>,
    #[serde(borrow)]
    at: Option<Cow<'a, str>>,
}

/// A number as the journal's JSON carries it (or, from an older writer, as text).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Number {
    Int(i64),
    Text(String),
    /// Anything else (a fraction): no whole number.
    Other(serde::de::IgnoredAny),
}

impl Number {
    fn as_i64(&self) -> Option<i64> {
        match self {
            Self::Int(value) => Some(*value),
            Self::Text(text) => text.parse().ok(),
            Self::Other(_) => None,
        }
    }
}

fn item(text: Option<&str>) -> Option<Item<'_>> {
    text.and_then(|text| serde_json::from_str(text).ok())
}

/// The items of a summary array. Boxed: an item is about 450 bytes, and a vector of four
/// of them is an allocation large enough to make the C allocator consolidate its free
/// lists on every row (a sixth of the ranking's time at 500,000 customers).
fn items(text: Option<&str>) -> Vec<Box<Item<'_>>> {
    text.and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default()
}

fn date_of(text: &Option<Cow<'_, str>>) -> Option<NaiveDate> {
    text.as_deref().and_then(parse_stored_date)
}

fn datetime_of(text: &Option<Cow<'_, str>>) -> Option<NaiveDateTime> {
    text.as_deref().and_then(parse_stored_datetime)
}

fn owned(text: Option<Cow<'_, str>>) -> String {
    text.map(Cow::into_owned).unwrap_or_default()
}

/// Items of a summary array in the order the journal gives them ids (creation order: the
/// hybrid-clock stamp of their first event), each with a fresh id of this ranking.
fn in_creation_order<'a>(
    mut items: Vec<Box<Item<'a>>>,
    ranking: &mut TeamRanking,
) -> Vec<(EntryId, Box<Item<'a>>)> {
    items.sort_by(|a, b| (&a.hlc, &a.gid).cmp(&(&b.hlc, &b.gid)));
    items
        .into_iter()
        .map(|item| (entry_id(&item, ranking), item))
        .collect()
}

fn entry_id(item: &Item<'_>, ranking: &mut TeamRanking) -> EntryId {
    let gid = item
        .gid
        .as_deref()
        .and_then(|gid| Uuid::parse_str(gid).ok())
        .unwrap_or_default();
    ranking.entries.push(gid);
    EntryId(ranking.entries.len() as i64)
}

/// A uuid as the server sends it in binary: its 16 bytes.
struct Gid(Uuid);

impl<'a> postgres::types::FromSql<'a> for Gid {
    fn from_sql(
        _: &postgres::types::Type,
        raw: &'a [u8],
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Self(Uuid::from_slice(raw)?))
    }

    fn accepts(ty: &postgres::types::Type) -> bool {
        *ty == postgres::types::Type::UUID
    }
}

/// One customer's facts from its summary row, as [`crate::store::Store::rank_facts`] reads
/// them from the journal.
fn read_facts(
    row: &postgres::Row,
    today: NaiveDate,
    (window_start, window_end): &(String, String),
    announcements: Option<&TeamAnnouncements>,
    ranking: &mut TeamRanking,
) -> CustomerFacts {
    let gid = row
        .try_get::<_, Option<Gid>>(0)
        .ok()
        .flatten()
        .map_or_else(Uuid::default, |gid| gid.0);
    let owner: &str = row.get(1);
    let rep = match ranking.rep_index.get(owner) {
        Some(rep) => *rep,
        None => {
            ranking.reps.push(owner.to_owned());
            ranking
                .rep_index
                .insert(owner.to_owned(), ranking.reps.len() - 1);
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

    if let Some(rating) = item(row.get(13)) {
        let value = rating
            .rating
            .as_ref()
            .and_then(Number::as_i64)
            .and_then(|value| u64::try_from(value).ok());
        if let (Some(value), Some(at)) = (value, datetime_of(&rating.at)) {
            f.last_rating = Some(RatingAnswer {
                entry_id: entry_id(&rating, ranking),
                at,
                rating: u8::try_from(value).unwrap_or(u8::MAX),
            });
        }
    }

    // Promises broken in the trust window, compared as the journal compares its dates.
    for (id, promise) in in_creation_order(items(row.get(14)), ranking) {
        let Some(closed_text) = promise.closed_on.as_deref() else {
            continue;
        };
        if closed_text <= window_start.as_str() || closed_text > window_end.as_str() {
            continue;
        }
        f.broken_promises_recent += 1;
        let (Some(due), Some(closed_on), Some(updated_at)) = (
            date_of(&promise.due),
            date_of(&promise.closed_on),
            datetime_of(&promise.updated_at),
        ) else {
            continue;
        };
        f.broken_promises.push(BrokenPromise {
            entry_id: id,
            what: owned(promise.what),
            due,
            broken_at: broken_moment(closed_on, updated_at),
            bad_news_logged: promise.told.unwrap_or(false),
        });
    }

    for (id, item) in in_creation_order(items(row.get(15)), ranking) {
        if let Some(item) = open_item(id, item) {
            f.open_items.push(item);
        }
    }

    if let Some(handover) = item(row.get(16))
        && let (Some(from), Some(at)) = (handover.from, datetime_of(&handover.at))
    {
        f.taken_over = Some(TakenOver {
            from: from.into_owned(),
            at,
        });
    }
    if let Some(announcements) = announcements {
        announcements.attach(&mut f, gid, owner);
    }
    f
}

fn open_item(id: EntryId, item: Box<Item<'_>>) -> Option<OpenItem> {
    let due = date_of(&item.due);
    let detail = match EntryKindTag::from_code(item.kind.as_deref()?)? {
        EntryKindTag::Promise => OpenDetail::Promise {
            due: due?,
            category: item
                .category
                .as_deref()
                .and_then(PromiseCategory::from_code)
                .unwrap_or(PromiseCategory::Other),
            at_risk_since: datetime_of(&item.at_risk_since),
            risk_reason: owned(item.risk_reason),
        },
        EntryKindTag::Order => OpenDetail::Order {
            due: due?,
            status: item
                .status
                .as_deref()
                .and_then(OrderStatus::from_code)
                .unwrap_or(OrderStatus::OnTrack),
            status_changed_at: datetime_of(&item.status_changed_at),
        },
        EntryKindTag::Problem => OpenDetail::Problem {
            owner: owned(item.owner),
        },
        EntryKindTag::Payment => OpenDetail::Payment {
            invoice_ref: owned(item.invoice_ref),
            amount: Cents(
                item.amount_cents
                    .as_ref()
                    .and_then(Number::as_i64)
                    .unwrap_or_default(),
            ),
            due: due?,
        },
        _ => return None,
    };
    Some(OpenItem {
        entry_id: id,
        what: owned(item.what),
        opened_at: datetime_of(&item.occurred_at)?,
        detail,
    })
}
