//! Insights: is our honesty working? The measures behind the Insights view, `candor
//! insights` and the reports — kept rate, told-first share, days late, problems, the
//! at-risk threshold, "Call them first" history and late payers — as plain functions over
//! the facts the store queries ([`InsightFacts`]). The app and the command line both call
//! [`compute`]; the customers and promises reports call [`promise_record`]. There is one
//! copy of each formula.
//!
//! Past days are reconstructed from the journal itself (every promise's renegotiations,
//! every bad news, contact and problem keeps its date), so any period can be looked at, not
//! only the days the app happened to be open. What the journal does not keep the history
//! of is left out of past days: an at-risk flag is known only while it stands (a promise
//! kept or renegotiated loses it), and of an order's statuses only the last change is kept
//! (a delivered order counts as late until it was delivered; an order still flagged counts
//! from its flag); otherwise a promise or order counts as slipping once its date passed.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, Days, Months, NaiveDate, NaiveDateTime, NaiveTime};
use serde::Serialize;

use super::customer::CustomerId;
use super::dates::{days_between, format_date};
use super::entry::{
    Direction, EntryId, Order, OrderStatus, Outcome, Promise, PromiseStatus, RootCause,
};
use super::money::Cents;
use super::rank::{
    self, BrokenPromise, CustomerFacts, OpenDetail, OpenItem, RankSettings, RatingAnswer, weights,
};

/// A promise's record, for reports and measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PromiseRecord {
    /// The date first agreed (before any renegotiation).
    pub original_due: NaiveDate,
    /// Days between the due date in force and the day it was kept or broken (or today,
    /// while still open); 0 when on time.
    pub days_late: i64,
    /// It did not happen by the date first agreed: renegotiated, broken, or kept late
    /// (or still open past its due date).
    pub slipped: bool,
    /// The customer heard of the slip on or before the due date it missed: an honest
    /// renegotiation, or bad news delivered about it, in time.
    pub told_before_due: bool,
}

/// The record of promise `id`; `first_bad_news` holds, per entry, when the first bad news
/// about it was delivered.
pub fn promise_record(
    id: EntryId,
    promise: &Promise,
    first_bad_news: &HashMap<EntryId, NaiveDateTime>,
    today: NaiveDate,
) -> PromiseRecord {
    let original_due = promise
        .renegotiations
        .first()
        .map_or(promise.due, |r| r.from_due);
    let end = promise.status.closed_on().unwrap_or(today);
    let days_late = days_between(promise.due, end).max(0);
    let broken = matches!(promise.status, PromiseStatus::Broken(_));
    let slipped = !promise.renegotiations.is_empty() || broken || days_late > 0;
    let renegotiated_in_time = promise
        .renegotiations
        .first()
        .is_some_and(|r| r.told_before_due);
    let news_in_time = first_bad_news
        .get(&id)
        .is_some_and(|at| at.date() <= original_due);
    PromiseRecord {
        original_due,
        days_late,
        slipped,
        told_before_due: slipped && (renegotiated_in_time || news_in_time),
    }
}

/// How a promise that fell due turned out, for the kept rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PromiseOutcome {
    /// Kept by the date first agreed, never renegotiated.
    KeptOnTime,
    /// A new date agreed with the customer before the first one passed (counted apart from
    /// broken, however many times it was renegotiated), and not broken since.
    RenegotiatedBeforeDue,
    /// Kept after its date, renegotiated only once the date had passed, or still open past
    /// its date.
    Late,
    /// Marked broken.
    Broken,
    /// Not yet due: not counted.
    NotYetDue,
}

/// How promise `promise` (with record `record`) turned out as of `today`.
pub fn promise_outcome(
    promise: &Promise,
    record: &PromiseRecord,
    today: NaiveDate,
) -> PromiseOutcome {
    let renegotiated_in_time = promise
        .renegotiations
        .first()
        .is_some_and(|r| r.told_before_due);
    match promise.status {
        PromiseStatus::Broken(_) => PromiseOutcome::Broken,
        _ if renegotiated_in_time => PromiseOutcome::RenegotiatedBeforeDue,
        PromiseStatus::Kept(_) if !record.slipped => PromiseOutcome::KeptOnTime,
        PromiseStatus::Open if record.original_due >= today && !record.slipped => {
            PromiseOutcome::NotYetDue
        }
        _ => PromiseOutcome::Late,
    }
}

// ---------------------------------------------------------------------------------------
// Facts

/// A promise, as the store reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromiseFact {
    pub id: EntryId,
    pub customer: CustomerId,
    pub made_at: NaiveDateTime,
    /// The entry's last change (when a promise broken that day was marked broken).
    pub updated_at: NaiveDateTime,
    pub promise: Promise,
}

/// An order: its delivery date is a promise in its own right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFact {
    pub id: EntryId,
    pub customer: CustomerId,
    pub ordered_at: NaiveDateTime,
    pub order: Order,
}

/// Bad news delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadNewsFact {
    pub customer: CustomerId,
    pub at: NaiveDateTime,
    /// The promise, order or problem it is about.
    pub related: Option<EntryId>,
    /// The due date of the related entry as stored (an order's promised delivery); for a
    /// related promise the date first agreed is taken from its [`PromiseFact`] instead.
    pub related_due: Option<NaiveDate>,
    /// Marked "we told them first".
    pub proactive: bool,
}

/// A problem the customer reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemFact {
    pub id: EntryId,
    pub customer: CustomerId,
    pub opened_at: NaiveDateTime,
    /// When it was resolved, why it happened and what will stop it happening again.
    pub resolved: Option<(NaiveDate, RootCause, String)>,
}

/// A call, email, meeting or message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContactFact {
    pub customer: CustomerId,
    pub at: NaiveDateTime,
    pub direction: Direction,
    pub outcome: Outcome,
}

/// An invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaymentFact {
    pub id: EntryId,
    pub customer: CustomerId,
    /// When the invoice was logged.
    pub issued_at: NaiveDateTime,
    pub due: NaiveDate,
    pub paid_on: Option<NaiveDate>,
    pub amount: Cents,
}

/// A customer, for the mornings of the "Call them first" history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustomerFact {
    pub id: CustomerId,
    pub created_at: NaiveDateTime,
    pub cadence_days: u32,
}

/// A "how are we doing?" asked, answered or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedbackFact {
    pub id: EntryId,
    pub customer: CustomerId,
    pub at: NaiveDateTime,
    pub rating: Option<u8>,
}

/// "Not today": off the call-first list until `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnoozeFact {
    pub customer: CustomerId,
    pub at: NaiveDateTime,
    pub until: NaiveDate,
}

/// A rep of the team and the customers they own in this journal, for a manager's view
/// per rep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepCustomers {
    pub login: String,
    /// Their full name when the team told us, else their login.
    pub name: String,
    pub customers: Vec<CustomerId>,
}

/// Everything the measures read, for the customers who are not archived, as the store
/// queries it (entries in the trash left out). A team store can fill the same struct.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InsightFacts {
    pub promises: Vec<PromiseFact>,
    pub orders: Vec<OrderFact>,
    pub bad_news: Vec<BadNewsFact>,
    pub problems: Vec<ProblemFact>,
    /// Every contact in the period, in any order; before it, per customer, the last
    /// contact that reached them and the first unanswered call of theirs since (all the
    /// measures need of the earlier history).
    pub contacts: Vec<ContactFact>,
    pub payments: Vec<PaymentFact>,
    /// The customers themselves (the "Call them first" history scores each of them every
    /// morning; one missing here is never owed a call).
    pub customers: Vec<CustomerFact>,
    pub feedback: Vec<FeedbackFact>,
    pub snoozes: Vec<SnoozeFact>,
}

impl InsightFacts {
    /// Adds the facts of `other` after these, list by list.
    pub fn append(&mut self, mut other: Self) {
        self.promises.append(&mut other.promises);
        self.orders.append(&mut other.orders);
        self.bad_news.append(&mut other.bad_news);
        self.problems.append(&mut other.problems);
        self.contacts.append(&mut other.contacts);
        self.payments.append(&mut other.payments);
        self.customers.append(&mut other.customers);
        self.feedback.append(&mut other.feedback);
        self.snoozes.append(&mut other.snoozes);
    }

    /// Leaves out the facts about customers [`Self::customers`] does not list (archived
    /// ones, when the store reads them with the rest), keeping the order of the others.
    pub fn keep_listed_customers_only(&mut self) {
        let listed: HashSet<CustomerId> = self.customers.iter().map(|c| c.id).collect();
        self.promises.retain(|f| listed.contains(&f.customer));
        self.orders.retain(|f| listed.contains(&f.customer));
        self.bad_news.retain(|f| listed.contains(&f.customer));
        self.problems.retain(|f| listed.contains(&f.customer));
        self.contacts.retain(|f| listed.contains(&f.customer));
        self.payments.retain(|f| listed.contains(&f.customer));
        self.feedback.retain(|f| listed.contains(&f.customer));
        self.snoozes.retain(|f| listed.contains(&f.customer));
    }

    /// Only the facts about the customers in `only` (one rep's, for a manager).
    pub fn only(&self, only: &HashSet<CustomerId>) -> Self {
        fn pick<T: Clone>(list: &[T], keep: impl Fn(&T) -> bool) -> Vec<T> {
            list.iter().filter(|f| keep(f)).cloned().collect()
        }
        Self {
            promises: pick(&self.promises, |f| only.contains(&f.customer)),
            orders: pick(&self.orders, |f| only.contains(&f.customer)),
            bad_news: pick(&self.bad_news, |f| only.contains(&f.customer)),
            problems: pick(&self.problems, |f| only.contains(&f.customer)),
            contacts: pick(&self.contacts, |f| only.contains(&f.customer)),
            payments: pick(&self.payments, |f| only.contains(&f.customer)),
            customers: pick(&self.customers, |f| only.contains(&f.id)),
            feedback: pick(&self.feedback, |f| only.contains(&f.customer)),
            snoozes: pick(&self.snoozes, |f| only.contains(&f.customer)),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Periods

/// How the period is cut for the per-period measures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    /// ISO weeks, Monday to Sunday ("2026-W10").
    #[default]
    Week,
    /// Calendar months ("2026-03").
    Month,
}

impl Granularity {
    /// Every choice, for menus.
    pub const ALL: &'static [Self] = &[Self::Week, Self::Month];

    /// A sentence-case label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Week => "Per week",
            Self::Month => "Per month",
        }
    }
}

/// One week or month of the period (clipped to the period).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    /// "2026-W10" or "2026-03".
    pub label: String,
    pub start: NaiveDate,
    /// Inclusive.
    pub end: NaiveDate,
}

/// The weeks or months covering `from..=to`, each clipped to it.
pub fn periods(from: NaiveDate, to: NaiveDate, granularity: Granularity) -> Vec<Period> {
    let mut out = Vec::new();
    let mut start = from;
    while start <= to {
        let (label, natural_end) = match granularity {
            Granularity::Week => {
                let week = start.iso_week();
                let monday = start - Days::new(u64::from(start.weekday().num_days_from_monday()));
                (
                    format!("{}-W{:02}", week.year(), week.week()),
                    monday + Days::new(6),
                )
            }
            Granularity::Month => {
                let first = start.with_day(1).unwrap_or(start);
                let next = first.checked_add_months(Months::new(1)).unwrap_or(to);
                (
                    format!("{}-{:02}", start.year(), start.month()),
                    next.pred_opt().unwrap_or(next),
                )
            }
        };
        let end = natural_end.min(to);
        out.push(Period { label, start, end });
        match end.succ_opt() {
            Some(next) => start = next,
            None => break,
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Results

/// What a measure counts in, for labels and formatting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A share from 0 to 1.
    Share,
    Count,
    Days,
    /// An amount of money, in the journal's currency units (not cents).
    Money,
}

/// Which chart a measure is drawn in. The measures of a chart in the first one's unit
/// share its axes; any other (the number of bad news beside the told-first share) is
/// shown with them when a point is hovered, and in the tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Chart {
    KeptRate,
    Promises,
    ToldFirst,
    DaysLate,
    Problems,
    DaysToResolve,
    Threshold,
    CallFirst,
    LatePayers,
}

impl Chart {
    /// Every chart, in the order the view and the report show them.
    pub const ALL: &'static [Self] = &[
        Self::KeptRate,
        Self::Promises,
        Self::ToldFirst,
        Self::DaysLate,
        Self::Problems,
        Self::DaysToResolve,
        Self::Threshold,
        Self::CallFirst,
        Self::LatePayers,
    ];

    /// The chart's title.
    pub fn title(self) -> &'static str {
        match self {
            Self::KeptRate => "Kept rate: promises kept on time / promises due",
            Self::Promises => "Promises due, by outcome",
            Self::ToldFirst => "Told first: bad news we delivered before they found out",
            Self::DaysLate => "Days late, when promises slip",
            Self::Problems => "Problems open at the end of each period",
            Self::DaysToResolve => "Days to resolve a problem (median)",
            Self::Threshold => "Customers at risk each day",
            Self::CallFirst => "Call them first: owed a call each morning, and called that day",
            Self::LatePayers => "Late payers: overdue amount by age",
        }
    }

    /// True for charts with one point per day (the others have one per week or month).
    pub fn is_daily(self) -> bool {
        matches!(self, Self::Threshold | Self::CallFirst)
    }
}

/// One point of a series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    /// The week, month or day ("2026-W10", "2026-03", "2026-03-04").
    pub period: String,
    /// The first day the point covers.
    #[serde(skip)]
    pub start: NaiveDate,
    /// `None` when there is nothing to measure (no promise fell due that week).
    pub value: Option<f64>,
    /// The customers behind the point (at risk that day, broke a promise that week…).
    #[serde(skip)]
    pub customers: Vec<CustomerId>,
}

/// One measure over the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measure {
    /// A stable code for JSON and CSV ("kept_rate").
    pub code: &'static str,
    /// A sentence-case label.
    pub label: &'static str,
    pub unit: Unit,
    #[serde(skip)]
    pub chart: Chart,
    pub series: Vec<Point>,
}

impl Measure {
    fn new(code: &'static str, label: &'static str, unit: Unit, chart: Chart) -> Self {
        Self {
            code,
            label,
            unit,
            chart,
            series: Vec::new(),
        }
    }

    fn push(
        &mut self,
        period: &str,
        start: NaiveDate,
        value: Option<f64>,
        customers: Vec<CustomerId>,
    ) {
        self.series.push(Point {
            period: period.to_owned(),
            start,
            value,
            customers,
        });
    }
}

/// A root cause of the problems resolved in the period, most frequent first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RootCauseShare {
    pub cause: RootCause,
    pub count: u32,
    /// The share of all resolved problems up to and including this cause (Pareto line).
    pub cumulative_share: f64,
    /// The preventions noted for it, newest first, without repeats (at most five).
    pub preventions: Vec<String>,
}

/// How many slipped promises were late by how much.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DaysLateBucket {
    /// "1–2 days", "3–7 days"…
    pub label: &'static str,
    pub count: u32,
}

/// What [`compute`] needs besides the facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InsightOptions {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub today: NaiveDate,
    pub granularity: Granularity,
    /// "Warn me above this many customers at risk."
    pub threshold: u32,
    /// Days without an update before an open problem counts as silent (the ranking's
    /// setting).
    pub problem_update_days: i64,
}

impl InsightOptions {
    /// The 12 weeks up to `today`, warning above 10 customers at risk.
    pub fn last_weeks(today: NaiveDate) -> Self {
        Self {
            from: today
                .checked_sub_days(Days::new(7 * 12 - 1))
                .unwrap_or(today),
            to: today,
            today,
            granularity: Granularity::Week,
            threshold: 10,
            problem_update_days: weights::PROBLEM_UPDATE_DAYS,
        }
    }
}

/// Every measure over one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Insights {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub today: NaiveDate,
    pub granularity: Granularity,
    pub threshold: u32,
    pub measures: Vec<Measure>,
    /// Slipped promises due in the period, by days late.
    pub days_late_histogram: Vec<DaysLateBucket>,
    /// Root causes of the problems resolved in the period (Pareto).
    pub root_causes: Vec<RootCauseShare>,
    /// The days when more customers than the threshold were at risk.
    pub days_over_threshold: Vec<NaiveDate>,
}

impl Insights {
    /// The measure with `code`.
    pub fn measure(&self, code: &str) -> Option<&Measure> {
        self.measures.iter().find(|m| m.code == code)
    }
}

/// The buckets of the days-late distribution: (label, first day, last day).
const DAYS_LATE_BUCKETS: [(&str, i64, i64); 5] = [
    ("1–2 days", 1, 2),
    ("3–7 days", 3, 7),
    ("8–14 days", 8, 14),
    ("15–30 days", 15, 30),
    ("over 30 days", 31, i64::MAX),
];

/// The age buckets of overdue invoices: (code, label, first day overdue, last).
const OVERDUE_BUCKETS: [(&str, &str, i64, i64); 4] = [
    ("overdue_1_30", "Overdue 1–30 days", 1, 30),
    ("overdue_31_60", "Overdue 31–60 days", 31, 60),
    ("overdue_61_90", "Overdue 61–90 days", 61, 90),
    ("overdue_over_90", "Overdue over 90 days", 91, i64::MAX),
];

/// How long after being broken an unexplained promise still counts as at risk.
const BROKEN_UNEXPLAINED_DAYS: i64 = weights::FOLLOW_UP_WINDOW_DAYS;

/// The `q`-quantile (0..=1) of sorted `values` by nearest rank.
fn quantile(sorted: &[i64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1] as f64)
}

/// The median of sorted `values` (the mean of the middle two for an even count).
fn median(sorted: &[i64]) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    Some(if n % 2 == 1 {
        sorted[n / 2] as f64
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) as f64 / 2.0
    })
}

fn share(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| f64::from(part) / f64::from(whole))
}

fn sorted_unique(mut ids: Vec<CustomerId>) -> Vec<CustomerId> {
    ids.sort();
    ids.dedup();
    ids
}

/// Computes every measure over `options.from..=options.to` from `facts`.
pub fn compute(facts: &InsightFacts, options: &InsightOptions) -> Insights {
    compute_with_mornings(facts, options, &BTreeMap::new()).0
}

/// The version of how a [`Morning`] is worked out: mornings kept by a Candor that worked
/// them out differently are not used. Raise it with any change to what `daily_risk` or
/// `listed_each_morning` find (or to the ranking's decision they ask).
pub const MORNING_FORMULA: i64 = 2;

/// What one morning of the period found: who was at risk, who was on the "Call them
/// first" list, and who of them was called that day. A past morning depends only on what
/// the journal holds dated on or before it (and on the customers and
/// `problem_update_days`), never on `today` or the period, so the store can keep it
/// between openings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Morning {
    pub day: NaiveDate,
    /// Sorted.
    pub at_risk: Vec<CustomerId>,
    /// Sorted.
    pub listed: Vec<CustomerId>,
    /// Those of `listed` called that day; sorted.
    pub called: Vec<CustomerId>,
}

/// Like [`compute`], but the mornings in `known` (kept from an earlier opening, keyed by
/// day) are taken as they are: only the mornings from the first day of the period missing
/// from `known` on are rebuilt from `facts`, which must hold every contact from that day
/// on (earlier contacts may be summarised as [`InsightFacts::contacts`] says). Returns the
/// measures and every morning of the period.
pub fn compute_with_mornings(
    facts: &InsightFacts,
    options: &InsightOptions,
    known: &BTreeMap<NaiveDate, Morning>,
) -> (Insights, Vec<Morning>) {
    let from = options.from.min(options.to);
    let to = options.to.max(options.from);
    // Every day: who was at risk that morning, and who of them was called. Mornings
    // already known are kept; the rest, from the first one missing, are rebuilt.
    let first_missing = {
        let mut day = from;
        loop {
            if day > to || !known.contains_key(&day) {
                break day;
            }
            match day.succ_opt() {
                Some(next) => day = next,
                None => break day,
            }
        }
    };
    if first_missing > to {
        return measures_and_mornings(facts, options, known, first_missing, Vec::new);
    }
    // Who was listed each morning rebuilt (the "Call them first" rules run for every
    // customer every morning) is the longest part: worked out on another thread while
    // this one computes the rest, from the same facts.
    let settings = RankSettings {
        problem_update_days: options.problem_update_days,
        ..RankSettings::default()
    };
    std::thread::scope(|scope| {
        let listed = scope.spawn(|| listed_each_morning(facts, first_missing, to, &settings));
        measures_and_mornings(facts, options, known, first_missing, || {
            listed
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    })
}

/// [`compute_with_mornings`], the mornings from `first_missing` on rebuilt, with
/// `listed` giving who was listed each of those mornings.
fn measures_and_mornings(
    facts: &InsightFacts,
    options: &InsightOptions,
    known: &BTreeMap<NaiveDate, Morning>,
    first_missing: NaiveDate,
    listed: impl FnOnce() -> Vec<Vec<CustomerId>>,
) -> (Insights, Vec<Morning>) {
    let from = options.from.min(options.to);
    let to = options.to.max(options.from);
    let today = options.today;
    let periods = periods(from, to, options.granularity);
    let period_of = |day: NaiveDate| -> Option<usize> {
        if day < from || day > to {
            return None;
        }
        periods.iter().position(|p| day >= p.start && day <= p.end)
    };

    let mut first_bad_news: HashMap<EntryId, NaiveDateTime> = HashMap::new();
    for news in &facts.bad_news {
        if let Some(related) = news.related {
            first_bad_news
                .entry(related)
                .and_modify(|at| *at = (*at).min(news.at))
                .or_insert(news.at);
        }
    }

    let mut measures = Vec::new();

    // Promises due in each period (by the date first agreed).
    let n = periods.len();
    let mut outcomes: Vec<HashMap<PromiseOutcome, u32>> = vec![HashMap::new(); n];
    let mut not_kept_customers: Vec<Vec<CustomerId>> = vec![Vec::new(); n];
    let mut late_days: Vec<Vec<i64>> = vec![Vec::new(); n];
    let mut histogram = [0u32; DAYS_LATE_BUCKETS.len()];
    let mut original_due: HashMap<EntryId, NaiveDate> = HashMap::new();
    for fact in &facts.promises {
        let record = promise_record(fact.id, &fact.promise, &first_bad_news, today);
        original_due.insert(fact.id, record.original_due);
        let Some(i) = period_of(record.original_due) else {
            continue;
        };
        let outcome = promise_outcome(&fact.promise, &record, today);
        *outcomes[i].entry(outcome).or_default() += 1;
        if matches!(outcome, PromiseOutcome::Broken | PromiseOutcome::Late) {
            not_kept_customers[i].push(fact.customer);
        }
        if record.days_late > 0 {
            late_days[i].push(record.days_late);
            if let Some(b) = DAYS_LATE_BUCKETS
                .iter()
                .position(|(_, lo, hi)| (*lo..=*hi).contains(&record.days_late))
            {
                histogram[b] += 1;
            }
        }
    }
    let mut kept_rate = Measure::new("kept_rate", "Kept rate", Unit::Share, Chart::KeptRate);
    let mut due = Measure::new("promises_due", "Promises due", Unit::Count, Chart::Promises);
    let mut kept = Measure::new("kept_on_time", "Kept on time", Unit::Count, Chart::Promises);
    let mut renegotiated = Measure::new(
        "renegotiated_before_due",
        "Renegotiated before due",
        Unit::Count,
        Chart::Promises,
    );
    let mut late = Measure::new("late", "Late", Unit::Count, Chart::Promises);
    let mut broken = Measure::new("broken", "Broken", Unit::Count, Chart::Promises);
    let mut late_median = Measure::new(
        "days_late_median",
        "Days late, median",
        Unit::Days,
        Chart::DaysLate,
    );
    let mut late_p90 = Measure::new(
        "days_late_p90",
        "Days late, 90th percentile",
        Unit::Days,
        Chart::DaysLate,
    );
    let mut late_max = Measure::new(
        "days_late_max",
        "Days late, most",
        Unit::Days,
        Chart::DaysLate,
    );
    for (i, p) in periods.iter().enumerate() {
        let count = |o| outcomes[i].get(&o).copied().unwrap_or(0);
        let counted = count(PromiseOutcome::KeptOnTime)
            + count(PromiseOutcome::RenegotiatedBeforeDue)
            + count(PromiseOutcome::Late)
            + count(PromiseOutcome::Broken);
        let not_kept = sorted_unique(not_kept_customers[i].clone());
        kept_rate.push(
            &p.label,
            p.start,
            share(count(PromiseOutcome::KeptOnTime), counted),
            not_kept.clone(),
        );
        due.push(&p.label, p.start, Some(f64::from(counted)), Vec::new());
        kept.push(
            &p.label,
            p.start,
            Some(f64::from(count(PromiseOutcome::KeptOnTime))),
            Vec::new(),
        );
        renegotiated.push(
            &p.label,
            p.start,
            Some(f64::from(count(PromiseOutcome::RenegotiatedBeforeDue))),
            Vec::new(),
        );
        late.push(
            &p.label,
            p.start,
            Some(f64::from(count(PromiseOutcome::Late))),
            Vec::new(),
        );
        broken.push(
            &p.label,
            p.start,
            Some(f64::from(count(PromiseOutcome::Broken))),
            not_kept,
        );
        let days = &mut late_days[i];
        days.sort_unstable();
        late_median.push(&p.label, p.start, median(days), Vec::new());
        late_p90.push(&p.label, p.start, quantile(days, 0.9), Vec::new());
        late_max.push(
            &p.label,
            p.start,
            days.last().map(|d| *d as f64),
            Vec::new(),
        );
    }

    // Bad news delivered in each period: told first, or had they to ask?
    let mut told = vec![0u32; n];
    let mut all_news = vec![0u32; n];
    let mut asked_customers: Vec<Vec<CustomerId>> = vec![Vec::new(); n];
    for news in &facts.bad_news {
        let Some(i) = period_of(news.at.date()) else {
            continue;
        };
        all_news[i] += 1;
        let due = news
            .related
            .and_then(|id| original_due.get(&id).copied())
            .or(news.related_due);
        if news.proactive || due.is_some_and(|due| news.at.date() <= due) {
            told[i] += 1;
        } else {
            asked_customers[i].push(news.customer);
        }
    }
    let mut told_first = Measure::new(
        "told_first_share",
        "Told first",
        Unit::Share,
        Chart::ToldFirst,
    );
    let mut bad_news = Measure::new(
        "bad_news",
        "Bad news delivered",
        Unit::Count,
        Chart::ToldFirst,
    );
    for (i, p) in periods.iter().enumerate() {
        told_first.push(
            &p.label,
            p.start,
            share(told[i], all_news[i]),
            sorted_unique(std::mem::take(&mut asked_customers[i])),
        );
        bad_news.push(&p.label, p.start, Some(f64::from(all_news[i])), Vec::new());
    }

    // Problems.
    let mut open_problems = Measure::new(
        "open_problems",
        "Open problems at the end",
        Unit::Count,
        Chart::Problems,
    );
    let mut resolve_median = Measure::new(
        "days_to_resolve_median",
        "Days to resolve, median",
        Unit::Days,
        Chart::DaysToResolve,
    );
    let mut causes: BTreeMap<RootCause, (u32, Vec<(NaiveDate, String)>)> = BTreeMap::new();
    let mut resolved_total = 0u32;
    for p in &periods {
        let mut open = Vec::new();
        let mut days = Vec::new();
        for problem in &facts.problems {
            let opened = problem.opened_at.date();
            let resolved_on = problem.resolved.as_ref().map(|r| r.0);
            if opened <= p.end && resolved_on.is_none_or(|on| on > p.end) {
                open.push(problem.customer);
            }
            if let Some(on) = resolved_on.filter(|on| *on >= p.start && *on <= p.end) {
                days.push(days_between(opened, on).max(0));
            }
        }
        days.sort_unstable();
        open_problems.push(
            &p.label,
            p.start,
            Some(open.len() as f64),
            sorted_unique(open),
        );
        resolve_median.push(&p.label, p.start, median(&days), Vec::new());
    }
    for problem in &facts.problems {
        if let Some((on, cause, prevention)) = &problem.resolved
            && *on >= from
            && *on <= to
        {
            resolved_total += 1;
            let slot = causes.entry(*cause).or_default();
            slot.0 += 1;
            if !prevention.trim().is_empty() {
                slot.1.push((*on, prevention.trim().to_owned()));
            }
        }
    }
    let mut root_causes: Vec<RootCauseShare> = causes
        .into_iter()
        .map(|(cause, (count, mut notes))| {
            notes.sort_by_key(|note| std::cmp::Reverse(note.0));
            let mut preventions: Vec<String> = Vec::new();
            for (_, note) in notes {
                if preventions.len() < 5 && !preventions.contains(&note) {
                    preventions.push(note);
                }
            }
            RootCauseShare {
                cause,
                count,
                cumulative_share: 0.0,
                preventions,
            }
        })
        .collect();
    root_causes.sort_by(|a, b| b.count.cmp(&a.count).then(a.cause.cmp(&b.cause)));
    let mut running = 0;
    for cause in &mut root_causes {
        running += cause.count;
        cause.cumulative_share = share(running, resolved_total).unwrap_or(0.0);
    }

    let mut mornings: Vec<Morning> = Vec::new();
    let mut day = from;
    while day < first_missing {
        if let Some(morning) = known.get(&day) {
            mornings.push(morning.clone());
        }
        match day.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    if first_missing <= to {
        let daily = daily_risk(
            facts,
            &first_bad_news,
            first_missing,
            to,
            options.problem_update_days,
        );
        for (day, listed) in daily.into_iter().zip(listed()) {
            let called = listed
                .iter()
                .copied()
                .filter(|c| day.called.contains(c))
                .collect();
            mornings.push(Morning {
                day: day.day,
                at_risk: day.at_risk,
                listed,
                called,
            });
        }
    }
    let mut at_risk = Measure::new(
        "at_risk_customers",
        "Customers at risk",
        Unit::Count,
        Chart::Threshold,
    );
    let mut owed = Measure::new(
        "owed_a_call",
        "Owed a call that morning",
        Unit::Count,
        Chart::CallFirst,
    );
    let mut called = Measure::new(
        "called_that_day",
        "Of them, called that day",
        Unit::Count,
        Chart::CallFirst,
    );
    for morning in &mornings {
        let label = format_date(morning.day);
        let count = morning.at_risk.len();
        at_risk.push(
            &label,
            morning.day,
            Some(count as f64),
            morning.at_risk.clone(),
        );
        let not_called: Vec<CustomerId> = morning
            .listed
            .iter()
            .copied()
            .filter(|c| morning.called.binary_search(c).is_err())
            .collect();
        owed.push(
            &label,
            morning.day,
            Some(morning.listed.len() as f64),
            not_called,
        );
        called.push(
            &label,
            morning.day,
            Some(morning.called.len() as f64),
            morning.called.clone(),
        );
    }

    // Late payers, as of the end of each period (or today, if sooner).
    let mut overdue: Vec<Measure> = OVERDUE_BUCKETS
        .iter()
        .map(|(code, label, _, _)| Measure::new(code, label, Unit::Money, Chart::LatePayers))
        .collect();
    for p in &periods {
        let as_of = p.end.min(today);
        let mut sums = [0i64; OVERDUE_BUCKETS.len()];
        let mut who: [Vec<CustomerId>; OVERDUE_BUCKETS.len()] = Default::default();
        for payment in &facts.payments {
            if payment.paid_on.is_some_and(|paid| paid <= as_of) {
                continue;
            }
            let days = days_between(payment.due, as_of);
            if let Some(b) = OVERDUE_BUCKETS
                .iter()
                .position(|(_, _, lo, hi)| (*lo..=*hi).contains(&days))
            {
                sums[b] += payment.amount.0;
                who[b].push(payment.customer);
            }
        }
        for (b, measure) in overdue.iter_mut().enumerate() {
            let customers = sorted_unique(std::mem::take(&mut who[b]));
            measure.push(&p.label, p.start, Some(sums[b] as f64 / 100.0), customers);
        }
    }

    measures.extend([
        kept_rate,
        due,
        kept,
        renegotiated,
        late,
        broken,
        told_first,
        bad_news,
        late_median,
        late_p90,
        late_max,
        open_problems,
        resolve_median,
        at_risk,
        owed,
        called,
    ]);
    measures.extend(overdue);
    let days_over_threshold = measures
        .iter()
        .find(|m| m.code == "at_risk_customers")
        .map(|m| days_over(m, options.threshold))
        .unwrap_or_default();

    let insights = Insights {
        from,
        to,
        today,
        granularity: options.granularity,
        threshold: options.threshold,
        measures,
        days_late_histogram: DAYS_LATE_BUCKETS
            .iter()
            .zip(histogram)
            .map(|((label, _, _), count)| DaysLateBucket { label, count })
            .collect(),
        root_causes,
        days_over_threshold,
    };
    (insights, mornings)
}

/// The days of a daily `measure` whose value is above `threshold` ("warn me above 10"):
/// the days a manager must act.
pub fn days_over(measure: &Measure, threshold: u32) -> Vec<NaiveDate> {
    measure
        .series
        .iter()
        .filter(|p| p.value.is_some_and(|v| v > f64::from(threshold)))
        .map(|p| p.start)
        .collect()
}

/// One customer's journal, in time order, for rebuilding their facts morning by morning.
#[derive(Default)]
struct CustomerHistory<'a> {
    contacts: Vec<&'a ContactFact>,
    bad_news: Vec<&'a BadNewsFact>,
    feedback: Vec<&'a FeedbackFact>,
    snoozes: Vec<&'a SnoozeFact>,
    promises: Vec<&'a PromiseFact>,
    orders: Vec<&'a OrderFact>,
    problems: Vec<&'a ProblemFact>,
    payments: Vec<&'a PaymentFact>,
}

/// Who was on the "Call them first" list each morning of `from..=to`, sorted: every
/// customer's facts as they stood when the day began (all that was logged before it) are
/// rebuilt from the journal and handed to [`rank::is_listed`], the list's own decision
/// (the one [`rank::listed`] makes, without writing the reasons' sentences), so the
/// history follows the list's rules and cannot drift from them.
///
/// What the journal keeps no history of is taken as it stands now: a promise's at-risk
/// flag counts from when it was set if it still stands (keeping or renegotiating clears
/// it); an order's status from its last change (before it, on track); announcements and
/// handovers are left out of past mornings.
fn listed_each_morning(
    facts: &InsightFacts,
    from: NaiveDate,
    to: NaiveDate,
    settings: &RankSettings,
) -> Vec<Vec<CustomerId>> {
    let day_count = (days_between(from, to) + 1).max(0) as usize;
    let mut histories: HashMap<CustomerId, CustomerHistory<'_>> = facts
        .customers
        .iter()
        .map(|c| (c.id, CustomerHistory::default()))
        .collect();
    macro_rules! group {
        ($list:ident, $customer:ident) => {
            for fact in &facts.$list {
                if let Some(history) = histories.get_mut(&fact.$customer) {
                    history.$list.push(fact);
                }
            }
        };
    }
    group!(contacts, customer);
    group!(bad_news, customer);
    group!(feedback, customer);
    group!(snoozes, customer);
    group!(problems, customer);
    // Promises, orders and invoices closed for good before the period changes nothing on
    // any of its mornings (`morning_items` would skip them every day); most of a long
    // journal is such history, so it is left out once rather than skipped each morning.
    let from_morning = from.and_time(NaiveTime::MIN);
    let trust_window_start = from.checked_sub_days(Days::new(weights::TRUST_WINDOW_DAYS as u64));
    let promise_matters = |fact: &PromiseFact| match fact.promise.status {
        PromiseStatus::Open => true,
        PromiseStatus::Kept(on) => on >= from,
        // A broken promise counts for trust while it is inside the window of a morning.
        PromiseStatus::Broken(on) => {
            on >= from || trust_window_start.is_none_or(|start| on > start)
        }
    };
    let order_matters = |fact: &OrderFact| {
        let known_from = fact.order.status_changed_at.unwrap_or(fact.ordered_at);
        fact.order.status != OrderStatus::Delivered || known_from >= from_morning
    };
    let payment_matters = |fact: &PaymentFact| fact.paid_on.is_none_or(|paid| paid >= from);
    macro_rules! group_if {
        ($list:ident, $matters:ident) => {
            for fact in facts.$list.iter().filter(|f| $matters(f)) {
                if let Some(history) = histories.get_mut(&fact.customer) {
                    history.$list.push(fact);
                }
            }
        };
    }
    group_if!(promises, promise_matters);
    group_if!(orders, order_matters);
    group_if!(payments, payment_matters);
    let customers: Vec<(&CustomerFact, CustomerHistory<'_>)> = facts
        .customers
        .iter()
        .filter_map(|c| histories.remove(&c.id).map(|h| (c, h)))
        .collect();
    // Every customer's mornings are independent: split them across the cores.
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4);
    let chunk = customers.len().div_ceil(threads).max(1);
    let mut listed: Vec<Vec<CustomerId>> = vec![Vec::new(); day_count];
    std::thread::scope(|scope| {
        let handles: Vec<_> = customers
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut found: Vec<(usize, CustomerId)> = Vec::new();
                    for (customer, history) in part {
                        customer_mornings(customer, history, from, to, settings, &mut found);
                    }
                    found
                })
            })
            .collect();
        for handle in handles {
            // A bug that panics in one part stops the whole computation, as it would
            // without threads (the app then says the insights could not be computed).
            let found = handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            for (day, customer) in found {
                listed[day].push(customer);
            }
        }
    });
    for day in &mut listed {
        day.sort_unstable();
    }
    listed
}

/// Adds `(day index, customer)` to `found` for each morning of `from..=to` the customer
/// was on the list.
fn customer_mornings(
    customer: &CustomerFact,
    history: &CustomerHistory<'_>,
    from: NaiveDate,
    to: NaiveDate,
    settings: &RankSettings,
    found: &mut Vec<(usize, CustomerId)>,
) {
    let mut contacts = history.contacts.clone();
    // At the same moment an unanswered call comes before the one that reached them (the
    // journal owes a callback only for calls after the last that reached them).
    contacts.sort_by_key(|c| (c.at, c.outcome == Outcome::Reached));
    let mut bad_news = history.bad_news.clone();
    bad_news.sort_by_key(|n| n.at);
    let mut feedback = history.feedback.clone();
    feedback.sort_by_key(|f| f.at);
    let mut snoozes = history.snoozes.clone();
    snoozes.sort_by_key(|s| s.at);

    let mut state = CustomerFacts::new(customer.id, "", customer.created_at);
    state.cadence_days = customer.cadence_days;
    let (mut next_contact, mut next_news, mut next_feedback, mut next_snooze) = (0, 0, 0, 0);
    let mut day = from;
    let mut index = 0;
    while day <= to {
        let morning = day.and_time(NaiveTime::MIN);
        // What happened before this morning: contacts, bad news, feedback and snoozes are
        // walked once in time order; the few open items are looked at each morning.
        while let Some(contact) = contacts.get(next_contact).filter(|c| c.at < morning) {
            if contact.outcome == Outcome::Reached {
                state.last_reached_at = Some(contact.at);
                state.callback_owed_since = None;
            } else if contact.direction == Direction::Inbound && state.callback_owed_since.is_none()
            {
                state.callback_owed_since = Some(contact.at);
            }
            next_contact += 1;
        }
        while let Some(news) = bad_news.get(next_news).filter(|n| n.at < morning) {
            state.last_bad_news_at = Some(news.at);
            next_news += 1;
        }
        while let Some(answer) = feedback.get(next_feedback).filter(|f| f.at < morning) {
            state.last_feedback_at = Some(answer.at);
            if let Some(rating) = answer.rating {
                state.last_rating = Some(RatingAnswer {
                    entry_id: answer.id,
                    at: answer.at,
                    rating,
                });
            }
            next_feedback += 1;
        }
        while let Some(snooze) = snoozes.get(next_snooze).filter(|s| s.at < morning) {
            state.snoozed_until = state.snoozed_until.max(Some(snooze.until));
            next_snooze += 1;
        }
        if customer.created_at < morning {
            let mut facts = state.clone();
            morning_items(history, &bad_news[..next_news], day, morning, &mut facts);
            if rank::is_listed(&facts, day, settings) {
                found.push((index, customer.id));
            }
        }
        index += 1;
        match day.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
}

/// Fills in what was open, broken and resolved on the morning of `day`; `news_before` is
/// the bad news delivered before it.
fn morning_items(
    history: &CustomerHistory<'_>,
    news_before: &[&BadNewsFact],
    day: NaiveDate,
    morning: NaiveDateTime,
    facts: &mut CustomerFacts,
) {
    let window_start = day
        .checked_sub_days(Days::new(weights::TRUST_WINDOW_DAYS as u64))
        .unwrap_or(day);
    for fact in &history.promises {
        if fact.made_at >= morning {
            continue;
        }
        let promise = &fact.promise;
        match promise.status.closed_on() {
            Some(closed) if closed < day => {
                if let PromiseStatus::Broken(on) = promise.status
                    && on > window_start
                {
                    facts.broken_promises_recent += 1;
                    facts.broken_promises.push(BrokenPromise {
                        entry_id: fact.id,
                        what: String::new(),
                        due: promise.due,
                        broken_at: rank::broken_moment(on, fact.updated_at),
                        bad_news_logged: news_before.iter().any(|n| n.related == Some(fact.id)),
                    });
                }
                continue;
            }
            _ => {}
        }
        // The due date in force that morning: the last one agreed before it.
        let due = promise
            .renegotiations
            .iter()
            .rev()
            .find(|r| r.on < day)
            .map(|r| r.to_due)
            .or_else(|| promise.renegotiations.first().map(|r| r.from_due))
            .unwrap_or(promise.due);
        let flag = promise.at_risk.as_ref().filter(|f| f.flagged_at < morning);
        facts.open_items.push(OpenItem {
            entry_id: fact.id,
            what: String::new(),
            opened_at: fact.made_at,
            detail: OpenDetail::Promise {
                due,
                category: promise.category,
                at_risk_since: flag.map(|f| f.flagged_at),
                risk_reason: flag.map(|f| f.reason.clone()).unwrap_or_default(),
            },
        });
    }
    for fact in &history.orders {
        if fact.ordered_at >= morning {
            continue;
        }
        let order = &fact.order;
        let known_from = order.status_changed_at.unwrap_or(fact.ordered_at);
        let (status, changed) = if known_from < morning {
            (order.status, order.status_changed_at)
        } else {
            (OrderStatus::OnTrack, None)
        };
        if status == OrderStatus::Delivered {
            continue;
        }
        facts.open_items.push(OpenItem {
            entry_id: fact.id,
            what: String::new(),
            opened_at: fact.ordered_at,
            detail: OpenDetail::Order {
                due: order.promised_delivery,
                status,
                status_changed_at: changed,
            },
        });
    }
    for fact in &history.problems {
        let resolved_on = fact.resolved.as_ref().map(|r| r.0);
        if let Some(on) = resolved_on.filter(|on| *on < day) {
            facts.last_problem_resolved_on = facts.last_problem_resolved_on.max(Some(on));
        }
        if fact.opened_at >= morning || resolved_on.is_some_and(|on| on < day) {
            continue;
        }
        facts.open_items.push(OpenItem {
            entry_id: fact.id,
            what: String::new(),
            opened_at: fact.opened_at,
            detail: OpenDetail::Problem {
                owner: String::new(),
            },
        });
    }
    for fact in &history.payments {
        if fact.issued_at >= morning || fact.paid_on.is_some_and(|paid| paid < day) {
            continue;
        }
        facts.open_items.push(OpenItem {
            entry_id: fact.id,
            what: String::new(),
            opened_at: fact.issued_at,
            detail: OpenDetail::Payment {
                invoice_ref: String::new(),
                amount: fact.amount,
                due: fact.due,
            },
        });
    }
    facts.open_items.sort_by_key(|item| item.entry_id);
}

/// Who was at risk on the morning of one day (from what was in the journal by the end of
/// the day before), and who was called that day.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DailyRisk {
    day: NaiveDate,
    /// Sorted.
    at_risk: Vec<CustomerId>,
    called: HashSet<CustomerId>,
}

/// Marks every day of `from..=to` within `first..=last` for `customer`.
fn mark(
    days: &mut [HashSet<CustomerId>],
    from: NaiveDate,
    to: NaiveDate,
    first: NaiveDate,
    last: NaiveDate,
    customer: CustomerId,
) {
    let first = first.max(from);
    let last = last.min(to);
    let mut day = first;
    while day <= last {
        days[days_between(from, day) as usize].insert(customer);
        match day.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
}

/// The at-risk customers of each morning: a promise past its due date (as in force that
/// morning), or open and flagged at risk, or an order late or flagged slipping, that they
/// were not told about, a promise broken in the last 30 days with no
/// bad news explaining it, an open problem without an update for longer than
/// `problem_update_days`, or a call or message of theirs nobody answered. These are the
/// ranking's pressing reasons, so the same set is who was owed a call that morning.
fn daily_risk(
    facts: &InsightFacts,
    first_bad_news: &HashMap<EntryId, NaiveDateTime>,
    from: NaiveDate,
    to: NaiveDate,
    problem_update_days: i64,
) -> Vec<DailyRisk> {
    let day_count = (days_between(from, to) + 1).max(0) as usize;
    let mut risk: Vec<HashSet<CustomerId>> = vec![HashSet::new(); day_count];
    let mut called: Vec<HashSet<CustomerId>> = vec![HashSet::new(); day_count];
    let index = |day: NaiveDate| -> Option<usize> {
        (day >= from && day <= to).then(|| days_between(from, day) as usize)
    };

    // Bad news per promise, in time order, to tell "told" from "untold" on a given day.
    let mut news_about: HashMap<EntryId, Vec<NaiveDate>> = HashMap::new();
    for news in &facts.bad_news {
        if let Some(related) = news.related {
            news_about.entry(related).or_default().push(news.at.date());
        }
        if let Some(i) = index(news.at.date()) {
            called[i].insert(news.customer);
        }
    }
    for dates in news_about.values_mut() {
        dates.sort_unstable();
    }

    for fact in &facts.promises {
        let promise = &fact.promise;
        let news = news_about.get(&fact.id).map_or(&[][..], Vec::as_slice);
        // Untold slips: each due date in force (the first, then each renegotiated one)
        // counts from the morning after it passed until the promise was closed or
        // renegotiated again, unless bad news about it came first. A change made on day D
        // shows from the morning of D + 1.
        let closed = promise.status.closed_on().unwrap_or(NaiveDate::MAX);
        let mut set_on = fact.made_at.date();
        let mut due = promise
            .renegotiations
            .first()
            .map_or(promise.due, |r| r.from_due);
        let mut segments = Vec::with_capacity(promise.renegotiations.len() + 1);
        for r in &promise.renegotiations {
            segments.push((set_on, due, r.on));
            set_on = r.on;
            due = r.to_due;
        }
        segments.push((set_on, due, NaiveDate::MAX));
        for (set_on, due, until) in segments {
            let last = until.min(closed).min(to);
            let mut day = due.max(set_on).succ_opt().unwrap_or(due).max(from);
            while day <= last {
                if news.iter().any(|d| *d >= set_on && *d < day) {
                    break;
                }
                if let Some(i) = index(day) {
                    risk[i].insert(fact.customer);
                }
                match day.succ_opt() {
                    Some(next) => day = next,
                    None => break,
                }
            }
        }
        // Flagged at risk and still open (a flag is cleared when the promise is kept or
        // renegotiated, so only a standing flag is known): slipping from the morning
        // after it was flagged, until bad news about it.
        if promise.status == PromiseStatus::Open
            && let Some(flag) = &promise.at_risk
        {
            let flagged = flag.flagged_at.date();
            let mut day = flagged.succ_opt().unwrap_or(flagged).max(from);
            while day <= to {
                if news.iter().any(|d| *d >= flagged && *d < day) {
                    break;
                }
                if let Some(i) = index(day) {
                    risk[i].insert(fact.customer);
                }
                match day.succ_opt() {
                    Some(next) => day = next,
                    None => break,
                }
            }
        }
        // Broken, and nothing said about it yet.
        if let PromiseStatus::Broken(on) = promise.status {
            let explained = first_bad_news.get(&fact.id).map(|at| at.date());
            let first = on.succ_opt().unwrap_or(on);
            let mut last = on + Days::new(BROKEN_UNEXPLAINED_DAYS as u64);
            if let Some(explained) = explained.filter(|d| *d >= on) {
                last = last.min(explained);
            }
            if explained.is_none_or(|d| d >= on) {
                mark(&mut risk, from, to, first, last, fact.customer);
            }
        }
    }

    // Orders slipping untold: past the delivery date and not delivered (a delivered order
    // was delivered when its status last changed), or still flagged at risk, delayed or
    // back-ordered since its last status change.
    for fact in &facts.orders {
        let order = &fact.order;
        let news = news_about.get(&fact.id).map_or(&[][..], Vec::as_slice);
        let ordered = fact.ordered_at.date();
        let late_from = order
            .promised_delivery
            .succ_opt()
            .unwrap_or(order.promised_delivery);
        let (first, last) = match (order.status, order.status_changed_at) {
            (OrderStatus::Delivered, Some(changed)) => (late_from, changed.date()),
            (OrderStatus::Delivered, None) => continue,
            (_, Some(changed)) if order.is_flagged_slipping() => (
                late_from.min(changed.date().succ_opt().unwrap_or(late_from)),
                to,
            ),
            _ => (late_from, to),
        };
        let mut day = first.max(ordered.succ_opt().unwrap_or(ordered)).max(from);
        while day <= last.min(to) {
            if news.iter().any(|d| *d >= ordered && *d < day) {
                break;
            }
            if let Some(i) = index(day) {
                risk[i].insert(fact.customer);
            }
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
    }

    // Contacts per customer, in time order: callbacks owed, problem updates, calls made.
    let mut contacts: HashMap<CustomerId, Vec<&ContactFact>> = HashMap::new();
    for contact in &facts.contacts {
        contacts.entry(contact.customer).or_default().push(contact);
        if let Some(i) = index(contact.at.date())
            && (contact.direction == Direction::Outbound || contact.outcome == Outcome::Reached)
        {
            called[i].insert(contact.customer);
        }
    }
    let mut told_dates: HashMap<CustomerId, Vec<NaiveDate>> = HashMap::new();
    for (customer, list) in &mut contacts {
        // At the same moment an unanswered call comes before the one that reached them, as
        // `callback_owed_since` and the list's history take it: otherwise the order they
        // were stored in decided, and a morning's count depended on how far back the
        // period began (earlier contacts are summarised by the one that last reached them).
        list.sort_by_key(|c| (c.at, c.outcome == Outcome::Reached));
        let mut owed_since: Option<NaiveDate> = None;
        for contact in list.iter() {
            let day = contact.at.date();
            if contact.outcome == Outcome::Reached {
                if let Some(since) = owed_since.take() {
                    // Owed from the morning after the unanswered call to the morning of
                    // the day they were reached.
                    mark(
                        &mut risk,
                        from,
                        to,
                        since.succ_opt().unwrap_or(since),
                        day,
                        *customer,
                    );
                }
                told_dates.entry(*customer).or_default().push(day);
            } else if contact.direction == Direction::Inbound && owed_since.is_none() {
                owed_since = Some(day);
            }
        }
        if let Some(since) = owed_since {
            mark(
                &mut risk,
                from,
                to,
                since.succ_opt().unwrap_or(since),
                to,
                *customer,
            );
        }
    }
    for news in &facts.bad_news {
        told_dates
            .entry(news.customer)
            .or_default()
            .push(news.at.date());
    }
    for dates in told_dates.values_mut() {
        dates.sort_unstable();
    }

    // Open problems without an update for longer than the threshold.
    for problem in &facts.problems {
        let opened = problem.opened_at.date();
        let resolved = problem.resolved.as_ref().map(|r| r.0);
        let told = told_dates
            .get(&problem.customer)
            .map_or(&[][..], Vec::as_slice);
        let first = opened.succ_opt().unwrap_or(opened).max(from);
        let last = resolved.unwrap_or(to).min(to);
        let mut day = first;
        while day <= last {
            // The last update before this morning (binary search: days before `day`).
            let before = told.partition_point(|d| *d < day);
            let last_update = told[..before].last().copied().unwrap_or(opened).max(opened);
            if days_between(last_update, day) > problem_update_days
                && let Some(i) = index(day)
            {
                risk[i].insert(problem.customer);
            }
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
    }

    risk.into_iter()
        .zip(called)
        .enumerate()
        .map(|(i, (at_risk, called))| DailyRisk {
            day: from + Days::new(i as u64),
            at_risk: sorted_unique(at_risk.into_iter().collect()),
            called,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::entry::{PromiseCategory, Renegotiation};

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn at(text: &str) -> NaiveDateTime {
        d(text).and_hms_opt(10, 0, 0).unwrap()
    }

    const ANNA: CustomerId = CustomerId(1);
    const BEN: CustomerId = CustomerId(2);
    const CLEO: CustomerId = CustomerId(3);

    fn promise(id: i64, customer: CustomerId, made: &str, due: &str) -> PromiseFact {
        PromiseFact {
            id: EntryId(id),
            customer,
            made_at: at(made),
            updated_at: at(made),
            promise: Promise::new(d(due), PromiseCategory::Delivery),
        }
    }

    fn renegotiate(fact: &mut PromiseFact, on: &str, to_due: &str) {
        fact.promise.renegotiations.push(Renegotiation {
            on: d(on),
            from_due: fact.promise.due,
            to_due: d(to_due),
            told_before_due: d(on) <= fact.promise.due,
            note: String::new(),
            agreed: true,
        });
        fact.promise.due = d(to_due);
    }

    /// Two weeks: Monday 2026-03-02 to Sunday 2026-03-15, as of 2026-03-20.
    fn options() -> InsightOptions {
        InsightOptions {
            from: d("2026-03-02"),
            to: d("2026-03-15"),
            today: d("2026-03-20"),
            granularity: Granularity::Week,
            threshold: 1,
            problem_update_days: 3,
        }
    }

    fn values(insights: &Insights, code: &str) -> Vec<Option<f64>> {
        insights
            .measure(code)
            .unwrap()
            .series
            .iter()
            .map(|p| p.value)
            .collect()
    }

    fn day_value(insights: &Insights, code: &str, day: &str) -> f64 {
        insights
            .measure(code)
            .unwrap()
            .series
            .iter()
            .find(|p| p.period == day)
            .unwrap()
            .value
            .unwrap()
    }

    #[test]
    fn weeks_and_months_are_cut_at_their_natural_ends_and_clipped_to_the_period() {
        let weeks = periods(d("2026-03-04"), d("2026-03-17"), Granularity::Week);
        let labels: Vec<_> = weeks
            .iter()
            .map(|p| (p.label.as_str(), p.start, p.end))
            .collect();
        assert_eq!(
            labels,
            vec![
                ("2026-W10", d("2026-03-04"), d("2026-03-08")),
                ("2026-W11", d("2026-03-09"), d("2026-03-15")),
                ("2026-W12", d("2026-03-16"), d("2026-03-17")),
            ]
        );
        let months = periods(d("2026-01-31"), d("2026-03-01"), Granularity::Month);
        let labels: Vec<_> = months.iter().map(|p| (p.label.as_str(), p.end)).collect();
        assert_eq!(
            labels,
            vec![
                ("2026-01", d("2026-01-31")),
                ("2026-02", d("2026-02-28")),
                ("2026-03", d("2026-03-01")),
            ]
        );
    }

    #[test]
    fn kept_rate_counts_renegotiated_before_due_apart_from_broken() {
        let mut kept = promise(1, ANNA, "2026-02-20", "2026-03-03");
        kept.promise.keep(d("2026-03-03")).unwrap();
        let mut broken = promise(2, BEN, "2026-02-20", "2026-03-04");
        broken.promise.break_on(d("2026-03-06")).unwrap();
        // Renegotiated twice, both times in time, then kept: one renegotiated promise.
        let mut twice = promise(3, CLEO, "2026-02-20", "2026-03-05");
        renegotiate(&mut twice, "2026-03-04", "2026-03-20");
        renegotiate(&mut twice, "2026-03-19", "2026-03-25");
        let mut late = promise(4, ANNA, "2026-02-20", "2026-03-06");
        late.promise.keep(d("2026-03-09")).unwrap();
        // Week 2 has no promise due; due after the period: not counted.
        let later = promise(5, BEN, "2026-02-20", "2026-03-30");
        let facts = InsightFacts {
            promises: vec![kept, broken, twice, late, later],
            ..InsightFacts::default()
        };
        let insights = compute(&facts, &options());
        assert_eq!(values(&insights, "kept_rate"), vec![Some(0.25), None]);
        assert_eq!(
            values(&insights, "promises_due"),
            vec![Some(4.0), Some(0.0)]
        );
        assert_eq!(
            values(&insights, "kept_on_time"),
            vec![Some(1.0), Some(0.0)]
        );
        assert_eq!(
            values(&insights, "renegotiated_before_due"),
            vec![Some(1.0), Some(0.0)]
        );
        assert_eq!(values(&insights, "broken"), vec![Some(1.0), Some(0.0)]);
        assert_eq!(values(&insights, "late"), vec![Some(1.0), Some(0.0)]);
        // The customers behind the week's kept rate: those who did not get what was promised.
        let point = &insights.measure("kept_rate").unwrap().series[0];
        assert_eq!(point.customers, vec![ANNA, BEN]);
    }

    #[test]
    fn days_late_are_a_distribution_per_week() {
        let mut facts = InsightFacts::default();
        for (id, kept_on) in [
            (1, "2026-03-03"),
            (2, "2026-03-04"),
            (3, "2026-03-08"),
            (4, "2026-03-25"),
        ] {
            let mut p = promise(id, ANNA, "2026-02-20", "2026-03-02");
            p.promise.keep(d(kept_on)).unwrap();
            facts.promises.push(p);
        }
        let mut on_time = promise(5, ANNA, "2026-02-20", "2026-03-02");
        on_time.promise.keep(d("2026-03-02")).unwrap();
        facts.promises.push(on_time);
        let insights = compute(&facts, &options());
        // Late by 1, 2, 6 and 23 days; the one on time is not a slip.
        assert_eq!(values(&insights, "days_late_median"), vec![Some(4.0), None]);
        assert_eq!(values(&insights, "days_late_p90"), vec![Some(23.0), None]);
        assert_eq!(values(&insights, "days_late_max"), vec![Some(23.0), None]);
        let histogram: Vec<u32> = insights
            .days_late_histogram
            .iter()
            .map(|b| b.count)
            .collect();
        assert_eq!(histogram, vec![2, 1, 0, 1, 0]);
    }

    #[test]
    fn told_first_counts_proactive_news_and_news_before_the_promise_was_due() {
        let p = promise(1, ANNA, "2026-02-20", "2026-03-05");
        let news = |customer, day: &str, related: Option<i64>, proactive| BadNewsFact {
            customer,
            at: at(day),
            related: related.map(EntryId),
            related_due: None,
            proactive,
        };
        let facts = InsightFacts {
            promises: vec![p],
            bad_news: vec![
                // Before the due day, though not marked proactive: told first.
                news(ANNA, "2026-03-04", Some(1), false),
                // After the due day, they had to ask.
                news(ANNA, "2026-03-06", Some(1), false),
                // No related promise: only the proactive mark counts.
                news(BEN, "2026-03-10", None, true),
                news(CLEO, "2026-03-11", None, false),
                // An order's delivery date, as the store reads it.
                BadNewsFact {
                    related_due: Some(d("2026-03-12")),
                    ..news(CLEO, "2026-03-12", Some(99), false)
                },
            ],
            ..InsightFacts::default()
        };
        let insights = compute(&facts, &options());
        assert_eq!(
            values(&insights, "told_first_share"),
            vec![Some(0.5), Some(2.0 / 3.0)]
        );
        assert_eq!(values(&insights, "bad_news"), vec![Some(2.0), Some(3.0)]);
        let week2 = &insights.measure("told_first_share").unwrap().series[1];
        assert_eq!(week2.customers, vec![CLEO]);
    }

    #[test]
    fn no_promises_and_no_news_give_no_value_rather_than_zero() {
        let insights = compute(&InsightFacts::default(), &options());
        assert_eq!(values(&insights, "kept_rate"), vec![None, None]);
        assert_eq!(values(&insights, "told_first_share"), vec![None, None]);
        assert_eq!(
            values(&insights, "promises_due"),
            vec![Some(0.0), Some(0.0)]
        );
        assert_eq!(
            insights.measure("at_risk_customers").unwrap().series.len(),
            14
        );
        assert!(insights.days_over_threshold.is_empty());
    }

    #[test]
    fn problems_open_over_time_days_to_resolve_and_the_pareto_of_causes() {
        let problem =
            |customer, opened: &str, resolved: Option<(&str, RootCause, &str)>| ProblemFact {
                id: EntryId(0),
                customer,
                opened_at: at(opened),
                resolved: resolved.map(|(on, cause, note)| (d(on), cause, note.to_owned())),
            };
        let facts = InsightFacts {
            problems: vec![
                problem(
                    ANNA,
                    "2026-02-25",
                    Some(("2026-03-03", RootCause::OurError, "Check the label")),
                ),
                problem(
                    BEN,
                    "2026-03-02",
                    Some(("2026-03-10", RootCause::OurError, "Second check at packing")),
                ),
                problem(
                    CLEO,
                    "2026-03-05",
                    Some(("2026-03-09", RootCause::ThirdParty, "")),
                ),
                problem(ANNA, "2026-03-12", None),
            ],
            ..InsightFacts::default()
        };
        let insights = compute(&facts, &options());
        // End of week 1: Ben's and Cleo's; end of week 2: Anna's new one.
        assert_eq!(
            values(&insights, "open_problems"),
            vec![Some(2.0), Some(1.0)]
        );
        // Week 1: 6 days; week 2: 4 and 8 days.
        assert_eq!(
            values(&insights, "days_to_resolve_median"),
            vec![Some(6.0), Some(6.0)]
        );
        let causes: Vec<_> = insights
            .root_causes
            .iter()
            .map(|c| (c.cause, c.count, c.cumulative_share))
            .collect();
        assert_eq!(
            causes,
            vec![
                (RootCause::OurError, 2, 2.0 / 3.0),
                (RootCause::ThirdParty, 1, 1.0)
            ]
        );
        assert_eq!(
            insights.root_causes[0].preventions,
            vec![
                "Second check at packing".to_owned(),
                "Check the label".to_owned()
            ]
        );
    }

    #[test]
    fn the_threshold_counts_each_morning_who_is_at_risk_and_why() {
        // Anna: a promise due on the 3rd, not told: at risk from the 4th until bad news on
        // the 6th (the morning of the 6th still counts; from the 7th she knows).
        let anna = promise(1, ANNA, "2026-02-20", "2026-03-03");
        // Ben called on the 5th, nobody answered; reached on the 9th.
        let contact = |customer, day: &str, direction, outcome| ContactFact {
            customer,
            at: at(day),
            direction,
            outcome,
        };
        // Cleo: a problem opened on the 2nd with no update: silent from the 6th (4 days).
        let facts = InsightFacts {
            promises: vec![anna],
            bad_news: vec![BadNewsFact {
                customer: ANNA,
                at: at("2026-03-06"),
                related: Some(EntryId(1)),
                related_due: None,
                proactive: false,
            }],
            contacts: vec![
                contact(BEN, "2026-03-05", Direction::Inbound, Outcome::NoAnswer),
                contact(BEN, "2026-03-09", Direction::Outbound, Outcome::Reached),
                contact(CLEO, "2026-03-08", Direction::Outbound, Outcome::Reached),
            ],
            problems: vec![ProblemFact {
                id: EntryId(7),
                customer: CLEO,
                opened_at: at("2026-03-02"),
                resolved: None,
            }],
            customers: [ANNA, BEN, CLEO]
                .map(|id| CustomerFact {
                    id,
                    created_at: at("2026-02-25"),
                    cadence_days: 30,
                })
                .to_vec(),
            ..InsightFacts::default()
        };
        let insights = compute(&facts, &options());
        let at_risk = |day| day_value(&insights, "at_risk_customers", day);
        assert_eq!(at_risk("2026-03-03"), 0.0);
        assert_eq!(at_risk("2026-03-04"), 1.0); // Anna
        assert_eq!(at_risk("2026-03-06"), 3.0); // Anna, Ben, Cleo
        assert_eq!(at_risk("2026-03-07"), 2.0); // Ben, Cleo
        assert_eq!(at_risk("2026-03-08"), 2.0); // Cleo reached during the day, not yet
        assert_eq!(at_risk("2026-03-09"), 1.0); // Ben, reached today
        assert_eq!(at_risk("2026-03-10"), 0.0);
        // Cleo's problem got its update on the 8th: silent again from the 12th.
        assert_eq!(at_risk("2026-03-12"), 1.0);
        let point = insights
            .measure("at_risk_customers")
            .unwrap()
            .series
            .iter()
            .find(|p| p.period == "2026-03-06")
            .unwrap();
        assert_eq!(point.customers, vec![ANNA, BEN, CLEO]);
        // Over the line of 1: the 6th, 7th and 8th.
        assert_eq!(
            insights.days_over_threshold,
            vec![d("2026-03-06"), d("2026-03-07"), d("2026-03-08")]
        );
        // Call them first history: owed that morning, and called that day.
        assert_eq!(day_value(&insights, "owed_a_call", "2026-03-06"), 3.0);
        assert_eq!(day_value(&insights, "called_that_day", "2026-03-06"), 1.0); // Anna's bad news
        assert_eq!(day_value(&insights, "called_that_day", "2026-03-08"), 1.0); // Cleo
        assert_eq!(day_value(&insights, "called_that_day", "2026-03-09"), 1.0); // Ben
        assert_eq!(day_value(&insights, "called_that_day", "2026-03-10"), 0.0);
    }

    #[test]
    fn a_call_unanswered_at_the_moment_they_were_reached_leaves_no_callback_owed() {
        // Ben was reached at 10:00 on the 5th, and a call of his at the same moment went
        // unanswered (stored after it): the call that reached him settles it, as
        // `callback_owed_since` says, whatever the order they were stored in and however
        // far back the period begins.
        let contact = |direction, outcome| ContactFact {
            customer: BEN,
            at: at("2026-03-05"),
            direction,
            outcome,
        };
        let facts = InsightFacts {
            contacts: vec![
                contact(Direction::Outbound, Outcome::Reached),
                contact(Direction::Inbound, Outcome::NoAnswer),
            ],
            customers: vec![CustomerFact {
                id: BEN,
                created_at: at("2026-02-25"),
                cadence_days: 30,
            }],
            ..InsightFacts::default()
        };
        for from in ["2026-03-02", "2026-03-06"] {
            let options = InsightOptions {
                from: d(from),
                ..options()
            };
            let insights = compute(&facts, &options);
            assert_eq!(day_value(&insights, "at_risk_customers", "2026-03-06"), 0.0);
            assert_eq!(day_value(&insights, "at_risk_customers", "2026-03-10"), 0.0);
        }
    }

    #[test]
    fn a_renegotiated_promise_slips_again_only_after_its_new_date() {
        // Due the 3rd, renegotiated late on the 5th to the 9th, then nothing: untold
        // mornings 4th and 5th, then from the 10th.
        let mut p = promise(1, ANNA, "2026-02-20", "2026-03-03");
        renegotiate(&mut p, "2026-03-05", "2026-03-09");
        let mut broken = promise(2, BEN, "2026-02-20", "2026-03-20");
        broken.promise.break_on(d("2026-03-11")).unwrap();
        let facts = InsightFacts {
            promises: vec![p, broken],
            ..InsightFacts::default()
        };
        let insights = compute(&facts, &options());
        let series: Vec<f64> = insights
            .measure("at_risk_customers")
            .unwrap()
            .series
            .iter()
            .map(|p| p.value.unwrap())
            .collect();
        assert_eq!(
            series,
            vec![0., 0., 1., 1., 0., 0., 0., 0., 1., 1., 2., 2., 2., 2.]
        );
        assert_eq!(values(&insights, "late"), vec![Some(1.0), Some(0.0)]);
    }

    #[test]
    fn a_standing_at_risk_flag_counts_from_the_morning_after_until_bad_news() {
        let mut p = promise(1, ANNA, "2026-02-20", "2026-03-30");
        p.promise.flag_at_risk(at("2026-03-10"), "Customs").unwrap();
        let facts = InsightFacts {
            promises: vec![p],
            bad_news: vec![BadNewsFact {
                customer: ANNA,
                at: at("2026-03-13"),
                related: Some(EntryId(1)),
                related_due: None,
                proactive: true,
            }],
            ..InsightFacts::default()
        };
        let insights = compute(&facts, &options());
        let at_risk = |day| day_value(&insights, "at_risk_customers", day);
        assert_eq!(at_risk("2026-03-10"), 0.0);
        assert_eq!(at_risk("2026-03-11"), 1.0);
        assert_eq!(at_risk("2026-03-13"), 1.0);
        assert_eq!(at_risk("2026-03-14"), 0.0);
    }

    #[test]
    fn orders_slip_past_their_delivery_date_or_from_their_flag_until_told() {
        let order = |id, customer, due: &str, status, changed: Option<&str>| OrderFact {
            id: EntryId(id),
            customer,
            ordered_at: at("2026-02-20"),
            order: Order {
                amount: None,
                promised_delivery: d(due),
                status,
                status_changed_at: changed.map(at),
            },
        };
        let facts = InsightFacts {
            orders: vec![
                // Delivered on the 6th, due the 4th: late the mornings of the 5th and 6th.
                order(
                    1,
                    ANNA,
                    "2026-03-04",
                    OrderStatus::Delivered,
                    Some("2026-03-06"),
                ),
                // Delayed on the 9th, due the 20th: slipping from the 10th; Ben told on
                // the 12th, so the 12th is the last morning.
                order(
                    2,
                    BEN,
                    "2026-03-20",
                    OrderStatus::Delayed,
                    Some("2026-03-09"),
                ),
                // On track, due after the period: never at risk.
                order(3, CLEO, "2026-03-30", OrderStatus::OnTrack, None),
            ],
            bad_news: vec![BadNewsFact {
                customer: BEN,
                at: at("2026-03-12"),
                related: Some(EntryId(2)),
                related_due: Some(d("2026-03-20")),
                proactive: false,
            }],
            ..InsightFacts::default()
        };
        let insights = compute(&facts, &options());
        let series: Vec<f64> = insights
            .measure("at_risk_customers")
            .unwrap()
            .series
            .iter()
            .map(|p| p.value.unwrap())
            .collect();
        assert_eq!(
            series,
            vec![0., 0., 0., 1., 1., 0., 0., 0., 1., 1., 1., 0., 0., 0.]
        );
        // Told before the order's delivery date: told first.
        assert_eq!(values(&insights, "told_first_share"), vec![None, Some(1.0)]);
    }

    #[test]
    fn late_payers_are_bucketed_by_days_overdue_at_the_end_of_each_period() {
        let payment = |customer, due: &str, paid: Option<&str>, cents| PaymentFact {
            id: EntryId(0),
            customer,
            issued_at: at("2025-10-01"),
            due: d(due),
            paid_on: paid.map(d),
            amount: Cents(cents),
        };
        let facts = InsightFacts {
            payments: vec![
                payment(ANNA, "2026-02-27", None, 10_000),
                payment(BEN, "2026-01-05", None, 25_050),
                payment(CLEO, "2025-11-01", Some("2026-03-10"), 5_000),
                payment(CLEO, "2026-03-14", None, 999),
            ],
            ..InsightFacts::default()
        };
        let insights = compute(&facts, &options());
        // 8 March: Anna 9 days, Ben 62 days, Cleo 127 days. 15 March: Anna 16, Cleo 1, Ben 69.
        assert_eq!(
            values(&insights, "overdue_1_30"),
            vec![Some(100.0), Some(109.99)]
        );
        assert_eq!(
            values(&insights, "overdue_31_60"),
            vec![Some(0.0), Some(0.0)]
        );
        assert_eq!(
            values(&insights, "overdue_61_90"),
            vec![Some(250.5), Some(250.5)]
        );
        assert_eq!(
            values(&insights, "overdue_over_90"),
            vec![Some(50.0), Some(0.0)]
        );
        let point = &insights.measure("overdue_over_90").unwrap().series[0];
        assert_eq!(point.customers, vec![CLEO]);
    }

    #[test]
    fn the_record_of_a_promise_says_when_it_slipped_and_whether_they_were_told() {
        let mut p = promise(1, ANNA, "2026-02-20", "2026-03-03");
        renegotiate(&mut p, "2026-03-02", "2026-03-08");
        p.promise.keep(d("2026-03-10")).unwrap();
        let record = promise_record(EntryId(1), &p.promise, &HashMap::new(), d("2026-03-20"));
        assert_eq!(
            record,
            PromiseRecord {
                original_due: d("2026-03-03"),
                days_late: 2,
                slipped: true,
                told_before_due: true,
            }
        );
    }
}
