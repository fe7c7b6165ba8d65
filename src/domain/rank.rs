//! "Call them first": who needs an honest update today, and why.
//!
//! A pure function from per-customer facts (as of a given day) to a ranked list. The score
//! is a sum of weighted terms, one per reason, in whole points; broken promises in the last
//! 90 days then scale the sum up (trust repair), and that extra is shown as a reason of its
//! own so the numbers on screen always add up to the score.
//!
//! Every weight lives in [`weights`], with the reasoning beside it.

use chrono::{Days, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::customer::CustomerId;
use super::dates::{DateText, days_between};
use super::entry::{EntryId, OrderStatus, PromiseCategory};
use super::money::Cents;

/// The weights of the ranking, in points. Read top to bottom, they are Candor's view of
/// after-sales practice: bad news first, then people waiting on you, then silence.
pub mod weights {
    /// A promise slipped (flagged at risk, or past due) and the customer has not heard it
    /// from us. The strongest signal: "be the bearer of bad news before the customer calls".
    pub const SLIP_UNTOLD: i64 = 80;
    /// Extra when the untold slip is imminent: at risk and due within
    /// [`SLIP_IMMINENT_DAYS`] days ("tell them before Tuesday, not on Tuesday"), or already
    /// past due.
    pub const SLIP_UNTOLD_IMMINENT: i64 = 70;
    /// How close a due date makes an at-risk promise imminent.
    pub const SLIP_IMMINENT_DAYS: i64 = 2;
    /// Per day past due while still untold: the longer they wait, the worse it gets.
    pub const SLIP_UNTOLD_PER_DAY_OVERDUE: i64 = 10;
    /// Days past due after which the untold slip stops growing (it is already at the top).
    pub const SLIP_OVERDUE_CAP_DAYS: i64 = 60;
    /// A slip the customer knows about still matters until it is kept or renegotiated, but
    /// far less: keep them posted.
    pub const SLIP_TOLD: i64 = 15;
    /// Per day past due for a slip they were told about.
    pub const SLIP_TOLD_PER_DAY_OVERDUE: i64 = 1;

    /// They called or wrote and nobody got back to them: an unanswered call is a debt.
    pub const CALLBACK_OWED: i64 = 60;
    /// Per day they have been waiting.
    pub const CALLBACK_PER_DAY: i64 = 15;
    /// Days after which the callback weight stops growing.
    pub const CALLBACK_CAP_DAYS: i64 = 14;

    /// An open problem with no update for longer than the threshold: whoever heard it owns
    /// it and keeps the customer informed until it is solved.
    pub const PROBLEM_SILENT: i64 = 40;
    /// Per day of silence beyond the threshold.
    pub const PROBLEM_SILENT_PER_DAY: i64 = 4;
    /// Days of silence after which the weight stops growing.
    pub const PROBLEM_SILENT_CAP_DAYS: i64 = 20;
    /// Default threshold: days without an update before an open problem counts as silent.
    pub const PROBLEM_UPDATE_DAYS: i64 = 3;

    /// A problem was resolved or bad news delivered and nobody checked back.
    pub const NO_FOLLOW_UP: i64 = 30;
    /// Per day beyond the follow-up point.
    pub const NO_FOLLOW_UP_PER_DAY: i64 = 3;
    /// Days after the event when a follow-up is due.
    pub const FOLLOW_UP_AFTER_DAYS: i64 = 2;
    /// Days after the event when a missing follow-up stops being listed (the moment passed;
    /// cadence takes over).
    pub const FOLLOW_UP_WINDOW_DAYS: i64 = 30;

    /// A promise due today: confirm it, or warn now. Today is the last chance to keep it
    /// honestly, so it outweighs plain silence.
    pub const DUE_TODAY: i64 = 50;
    /// A promise due tomorrow.
    pub const DUE_TOMORROW: i64 = 30;

    /// Silence beyond the customer's cadence: a base once overdue…
    pub const CONTACT_OVERDUE: i64 = 10;
    /// …plus this much per whole cadence beyond the first (in points per cadence, pro rata).
    pub const CONTACT_OVERDUE_PER_CADENCE: i64 = 10;
    /// The most silence alone can weigh: it never outranks a real problem.
    pub const CONTACT_OVERDUE_CAP: i64 = 40;

    /// An unpaid invoice past due: a gentle reminder…
    pub const PAYMENT_OVERDUE: i64 = 10;
    /// …a little stronger at 30, 60 and 90 days.
    pub const PAYMENT_OVERDUE_STEPS: [(i64, i64); 3] = [(30, 10), (60, 10), (90, 15)];

    /// No feedback asked for this many days.
    pub const FEEDBACK_AFTER_DAYS: i64 = 90;
    /// Asking how we are doing is worth doing, but never urgent.
    pub const ASK_FEEDBACK: i64 = 5;

    /// Trust repair: each promise broken in the last [`TRUST_WINDOW_DAYS`] days adds this many
    /// quarters to the multiplier of everything above (1 broken: ×1.25)…
    pub const TRUST_QUARTERS_PER_BROKEN: i64 = 1;
    /// …up to this many quarters (×1.75).
    pub const TRUST_MAX_QUARTERS: i64 = 3;
    /// How far back broken promises count.
    pub const TRUST_WINDOW_DAYS: i64 = 90;

    /// An announcement (a price increase, new terms, a new representative) that this
    /// customer has not heard from us yet. It is on the list from the day it is made, but
    /// low at first — below plain silence — so 140 affected customers do not bury today's
    /// slips: there is time to tell them well ("give them time to absorb it").
    pub const ANNOUNCEMENT_UNTOLD: i64 = 30;
    /// The run-up: within this many days of the effective day the weight grows every day.
    pub const ANNOUNCEMENT_RUN_UP_DAYS: i64 = 28;
    /// Per day inside the run-up, so on the effective day itself an untold customer weighs
    /// 30 + 4 × 28 = 142 points: just under an imminent untold slip (150), far above
    /// silence.
    pub const ANNOUNCEMENT_PER_DAY: i64 = 4;
    /// Past the effective day and still not told: they found out from the invoice. As
    /// strong as a promise broken without a word, and it no longer grows.
    pub const ANNOUNCEMENT_PAST_EFFECTIVE: i64 = 160;
    /// Days after the effective day when an untold announcement leaves the list: by then
    /// the news has reached them anyway; the announcement's progress still shows them as
    /// not told.
    pub const ANNOUNCEMENT_PAST_WINDOW_DAYS: i64 = 60;
    /// "Most at stake": customers who ordered more in the last year come first among
    /// customers facing the same day. Up to this many extra points…
    pub const ANNOUNCEMENT_STAKE_MAX: i64 = 20;
    /// …reached at this much ordered in the last [`ANNOUNCEMENT_STAKE_WINDOW_DAYS`] days
    /// (in cents: 20,000.00; pro rata below it). The most it adds is worth five days of the run-up:
    /// it orders customers facing the same day, and a customer whose effective day is a
    /// week nearer still comes first.
    pub const ANNOUNCEMENT_STAKE_FULL_CENTS: i64 = 2_000_000;
    /// How far back orders count toward the stake.
    pub const ANNOUNCEMENT_STAKE_WINDOW_DAYS: i64 = 365;
    /// A promise we broke and have not explained: no bad news about it, and no contact
    /// that reached them since it was marked broken. The strongest reason there is — above
    /// an untold slip at its cap (80 + 70 + 10 × 60 = 750), because the date has passed
    /// *and* we gave up on it, and the customer is left to find out alone. It stays until
    /// bad news about it is logged or a call reaches them; [`TRUST_WINDOW_DAYS`] bounds how
    /// far back it looks, so an old imported history does not flood the list.
    pub const BROKEN_UNEXPLAINED: i64 = SLIP_UNTOLD
        + SLIP_UNTOLD_IMMINENT
        + SLIP_UNTOLD_PER_DAY_OVERDUE * SLIP_OVERDUE_CAP_DAYS
        + 50;

    /// The customer answered "how are we doing?" with this rating or lower (of 5).
    pub const UNHAPPY_RATING_MAX: u8 = 2;
    /// An unhappy answer nobody followed up: they told us, they wait to hear what we do
    /// about it. Above a callback owed (it is one, unasked), below an untold slip.
    pub const UNHAPPY_FEEDBACK: i64 = 70;
    /// Per day since the answer while nobody reached them.
    pub const UNHAPPY_FEEDBACK_PER_DAY: i64 = 5;
    /// Days after which the unhappy-answer weight stops growing.
    pub const UNHAPPY_FEEDBACK_CAP_DAYS: i64 = 14;

    /// A customer a manager handed over to you, not reached since: they should hear of
    /// their new representative from you — not find out when a stranger answers — and
    /// hear the promises made to them confirmed. Above a callback owed (they wait on us
    /// without knowing it yet) and below an untold slip, until a call reaches them.
    pub const TOOK_OVER: i64 = 90;
    /// Per open promise the former rep made, to confirm: a handover with promises in
    /// flight is where they get dropped.
    pub const TOOK_OVER_PER_PROMISE: i64 = 10;
    /// Open promises counted at most.
    pub const TOOK_OVER_PROMISES_CAP: i64 = 5;

    // What each entry kind and status does to the score (the audit of issue 11: every
    // trust signal the journal holds reaches the ranking):
    //
    // | entry                              | effect on the score                          |
    // |------------------------------------|----------------------------------------------|
    // | contact reached (any direction)    | settles callbacks, due-soon confirmations,   |
    // |                                    | follow-ups, broken-unexplained, unhappy      |
    // |                                    | answers; resets the cadence clock            |
    // | contact inbound, not reached       | CALLBACK_OWED (+ per day) until one reaches  |
    // | contact outbound, not reached      | nothing: trying is not talking               |
    // | promise open, due today / tomorrow | DUE_TODAY / DUE_TOMORROW until reached       |
    // | promise at risk or past due        | SLIP_UNTOLD… until told, then SLIP_TOLD…     |
    // | promise renegotiated               | an open promise with its new date (above)    |
    // | promise kept                       | nothing (it is the good case)                |
    // | promise broken                     | BROKEN_UNEXPLAINED until explained, and the  |
    // |                                    | trust-repair multiplier for 90 days          |
    // | bad news                           | tells them about slips and broken promises;  |
    // |                                    | NO_FOLLOW_UP 2–30 days later if not reached  |
    // | problem open                       | PROBLEM_SILENT after the update threshold    |
    // | problem resolved                   | NO_FOLLOW_UP 2–30 days later if not reached  |
    // | order at risk/delayed/back-ordered | like a slipping promise                      |
    // | order on track, due today/tomorrow | like a promise due soon                      |
    // | order delivered                    | nothing                                      |
    // | payment unpaid past due            | PAYMENT_OVERDUE (+ steps at 30/60/90 days)   |
    // | payment paid                       | nothing                                      |
    // | feedback asked, no rating          | resets the ASK_FEEDBACK clock                |
    // | feedback rated 1–2                 | UNHAPPY_FEEDBACK (+ per day) until reached   |
    // |                                    | on a later day, within 90 days               |
    // | feedback rated 3–5                 | nothing beyond resetting the feedback clock  |
    // | note                               | nothing: free text carries no status         |
    // | snooze                             | hides the customer until its date            |
    // | handover to you (team)             | TOOK_OVER (+ per open promise) until a       |
    // |                                    | contact reaches them after the handover      |
}

use weights as w;

/// Tunable thresholds of the ranking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankSettings {
    /// Days without an update before an open problem counts as silent.
    pub problem_update_days: i64,
    /// How amounts read in reasons and openers (the journal's currency and locale).
    #[serde(default)]
    pub money: super::MoneyFormat,
}

impl Default for RankSettings {
    fn default() -> Self {
        Self {
            problem_update_days: w::PROBLEM_UPDATE_DAYS,
            money: super::MoneyFormat::default(),
        }
    }
}

impl RankSettings {
    /// The default thresholds, with amounts written as the journal writes them.
    pub fn with_money(money: super::MoneyFormat) -> Self {
        Self {
            money,
            ..Self::default()
        }
    }
}

/// One open item (promise, order, problem, unpaid invoice) the ranking looks at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenItem {
    pub entry_id: EntryId,
    /// The entry's summary: what was promised, ordered, reported or invoiced.
    pub what: String,
    pub opened_at: NaiveDateTime,
    pub detail: OpenDetail,
}

/// The kind-specific facts of an open item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OpenDetail {
    Promise {
        due: NaiveDate,
        category: PromiseCategory,
        at_risk_since: Option<NaiveDateTime>,
        risk_reason: String,
    },
    Order {
        due: NaiveDate,
        status: OrderStatus,
        status_changed_at: Option<NaiveDateTime>,
    },
    Problem {
        owner: String,
    },
    Payment {
        invoice_ref: String,
        amount: Cents,
        due: NaiveDate,
    },
}

/// An announcement that affects a customer who has not been told yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingAnnouncement {
    pub announcement_id: super::announcement::AnnouncementId,
    pub kind: super::announcement::AnnouncementKind,
    pub title: String,
    /// The reason to give.
    pub reason: String,
    pub effective: NaiveDate,
    /// Who is to tell them, when the list is read by someone else (the team ranking of a
    /// manager names the customer's rep); `None` on the list of the one who owes it.
    #[serde(default)]
    pub owed_by: Option<String>,
}

/// What the ranking needs to know about one customer, as of a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerFacts {
    pub customer_id: CustomerId,
    pub name: String,
    pub company: String,
    pub phone: String,
    pub cadence_days: u32,
    pub archived: bool,
    pub created_at: NaiveDateTime,
    /// The last contact, either way, that reached them.
    pub last_reached_at: Option<NaiveDateTime>,
    /// The first unanswered inbound contact since they were last reached.
    pub callback_owed_since: Option<NaiveDateTime>,
    pub last_bad_news_at: Option<NaiveDateTime>,
    pub last_problem_resolved_on: Option<NaiveDate>,
    pub last_feedback_at: Option<NaiveDateTime>,
    pub snoozed_until: Option<NaiveDate>,
    /// Promises broken in the last [`weights::TRUST_WINDOW_DAYS`] days before today.
    pub broken_promises_recent: u32,
    /// Those broken promises, one by one, to tell the explained from the unexplained.
    pub broken_promises: Vec<BrokenPromise>,
    /// The newest answer to "how are we doing?" that carries a rating.
    pub last_rating: Option<RatingAnswer>,
    pub open_items: Vec<OpenItem>,
    /// Announcements affecting them that they have not been told about.
    pub pending_announcements: Vec<PendingAnnouncement>,
    /// The handover that made this customer yours, if any (teams).
    pub taken_over: Option<TakenOver>,
    /// What they ordered in the last [`weights::ANNOUNCEMENT_STAKE_WINDOW_DAYS`] days: what
    /// is at stake. Read only while an announcement is pending for them (the one reason
    /// that uses it), so the store fills it only then.
    pub orders_last_year: Cents,
}

/// A promise marked broken (within [`weights::TRUST_WINDOW_DAYS`] days).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokenPromise {
    pub entry_id: EntryId,
    /// What was promised.
    pub what: String,
    pub due: NaiveDate,
    /// When it was marked broken (to the minute when known, else the start of that day).
    pub broken_at: NaiveDateTime,
    /// Bad news linked to this promise was logged.
    pub bad_news_logged: bool,
}

/// When a promise was marked broken: the journal keeps the day; the entry's last change
/// gives the time when it happened that same day (marking broken is such a change).
pub fn broken_moment(closed_on: NaiveDate, updated_at: NaiveDateTime) -> NaiveDateTime {
    if updated_at.date() == closed_on {
        updated_at
    } else {
        closed_on.and_time(chrono::NaiveTime::MIN)
    }
}

/// A customer handed over to you by a manager.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TakenOver {
    /// The former rep's name.
    pub from: String,
    /// When the handover was made.
    pub at: NaiveDateTime,
}

/// A rated answer to "how are we doing?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingAnswer {
    pub entry_id: EntryId,
    pub at: NaiveDateTime,
    /// 1 (unhappy) to 5 (delighted).
    pub rating: u8,
}

impl CustomerFacts {
    /// Facts for a customer with no history, created at `created_at`.
    pub fn new(
        customer_id: CustomerId,
        name: impl Into<String>,
        created_at: NaiveDateTime,
    ) -> Self {
        Self {
            customer_id,
            name: name.into(),
            company: String::new(),
            phone: String::new(),
            cadence_days: super::customer::DEFAULT_CADENCE_DAYS,
            archived: false,
            created_at,
            last_reached_at: None,
            callback_owed_since: None,
            last_bad_news_at: None,
            last_problem_resolved_on: None,
            last_feedback_at: None,
            snoozed_until: None,
            broken_promises_recent: 0,
            broken_promises: Vec::new(),
            last_rating: None,
            open_items: Vec::new(),
            pending_announcements: Vec::new(),
            taken_over: None,
            orders_last_year: Cents(0),
        }
    }

    /// The last time they heard from us about anything: a contact that reached them, or
    /// bad news delivered.
    fn last_told_at(&self) -> Option<NaiveDateTime> {
        self.last_reached_at.max(self.last_bad_news_at)
    }
}

/// Why a customer is on the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonKind {
    BrokenUnexplained,
    SlippingUntold,
    CallbackOwed,
    UnhappyFeedback,
    ProblemSilent,
    NoFollowUp,
    DueSoon,
    SlippingTold,
    ContactOverdue,
    PaymentOverdue,
    AskFeedback,
    TrustRepair,
    AnnouncementUntold,
    TookOver,
}

impl ReasonKind {
    /// The stable code used in CSV and JSON output.
    pub fn code(self) -> &'static str {
        match self {
            Self::BrokenUnexplained => "broken_unexplained",
            Self::SlippingUntold => "slipping_untold",
            Self::CallbackOwed => "callback_owed",
            Self::UnhappyFeedback => "unhappy_feedback",
            Self::ProblemSilent => "problem_silent",
            Self::NoFollowUp => "no_follow_up",
            Self::DueSoon => "due_soon",
            Self::SlippingTold => "slipping_told",
            Self::ContactOverdue => "contact_overdue",
            Self::PaymentOverdue => "payment_overdue",
            Self::AskFeedback => "ask_feedback",
            Self::TrustRepair => "trust_repair",
            Self::AnnouncementUntold => "announcement_untold",
            Self::TookOver => "took_over",
        }
    }

    /// A short sentence-case label.
    pub fn label(self) -> &'static str {
        match self {
            Self::BrokenUnexplained => "Broken, not explained",
            Self::SlippingUntold => "Slipping, not told",
            Self::CallbackOwed => "Callback owed",
            Self::UnhappyFeedback => "Unhappy answer",
            Self::ProblemSilent => "Problem without update",
            Self::NoFollowUp => "No follow-up",
            Self::DueSoon => "Due soon",
            Self::SlippingTold => "Slipping, told",
            Self::ContactOverdue => "Overdue for contact",
            Self::PaymentOverdue => "Overdue payment",
            Self::AskFeedback => "Ask for feedback",
            Self::TrustRepair => "Trust repair",
            Self::AnnouncementUntold => "Announcement, not told",
            Self::TookOver => "Taken over",
        }
    }
}

/// One reason, with the points it adds and the numbers that triggered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    pub kind: ReasonKind,
    pub points: i64,
    /// A sentence with the numbers ("Promise … is 3 days overdue and they have not been told").
    pub text: String,
    /// When the underlying wait began (for ordering: longest-waiting first on ties).
    pub since: NaiveDate,
    /// The entry it concerns, if any.
    pub entry_id: Option<EntryId>,
    /// What to say when you call. Written for the customer's top reason (the one
    /// [`RankedCustomer::opener`] comes from), and left empty for most others: nothing
    /// shows them, and the 10,000-customer bench journal has 26,000 reasons.
    pub opener: String,
}

/// A customer's place on the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankedCustomer {
    /// 1 for the first to call.
    pub rank: usize,
    pub customer_id: CustomerId,
    pub name: String,
    pub company: String,
    pub phone: String,
    /// The sum of the reasons' points.
    pub score: i64,
    /// Strongest first.
    pub reasons: Vec<Reason>,
    /// The suggested opening line, from the top reason.
    pub opener: String,
}

impl RankedCustomer {
    /// The strongest reason that is not trust repair (which only scales the others).
    pub fn top_reason(&self) -> Option<&Reason> {
        self.reasons
            .iter()
            .find(|reason| reason.kind != ReasonKind::TrustRepair)
    }
}

/// Ranks the customers who need a call as of `today`, first to call first. Archived,
/// snoozed and customers with nothing pending are left out.
pub fn rank(
    facts: &[CustomerFacts],
    today: NaiveDate,
    settings: &RankSettings,
) -> Vec<RankedCustomer> {
    // A long list is scored in two halves at once, one per core: scoring and writing the
    // reasons' sentences is about a third of `candor rank` on 10,000 customers (issue 14).
    // The list is then sorted as one, so it is the list a single pass gives.
    const WORTH_A_THREAD: usize = 2_000;
    if facts.len() < 2 * WORTH_A_THREAD {
        return rank_each(facts, today, settings);
    }
    let (first, second) = facts.split_at(facts.len() / 2);
    let score = |part: &[CustomerFacts]| score_part(part, today, settings);
    let parts = std::thread::scope(|scope| {
        let Ok(other) = std::thread::Builder::new().spawn_scoped(scope, || score(second)) else {
            // No thread to be had: one pass, as on a single core.
            return vec![score(first), score(second)];
        };
        let first = score(first);
        match other.join() {
            Ok(second) => vec![first, second],
            Err(panic) => std::panic::resume_unwind(panic),
        }
    });
    join_ranked(parts)
}

/// The customers of `facts` who need a call as of `today`, scored and in the list's order:
/// one part of a list scored in parts, one per core, then joined by [`join_ranked`].
pub fn score_part(
    facts: &[CustomerFacts],
    today: NaiveDate,
    settings: &RankSettings,
) -> Vec<RankedCustomer> {
    let mut part: Vec<RankedCustomer> = facts
        .iter()
        .filter_map(|f| listed(f, today, settings))
        .collect();
    // Sorted here, on the part's own core: the join then only merges.
    sort_list(&mut part);
    part
}

/// The list made of parts scored apart ([`score_part`], each in the list's order): exactly
/// the list [`rank`] gives for all their facts at once, first to call first.
pub fn join_ranked(parts: Vec<Vec<RankedCustomer>>) -> Vec<RankedCustomer> {
    let mut ranked = parts.into_iter().reduce(merge_in_order).unwrap_or_default();
    for (index, customer) in ranked.iter_mut().enumerate() {
        customer.rank = index + 1;
    }
    ranked
}

/// Two lists, each in the list's order ([`list_cmp`], a total order), as one.
fn merge_in_order(a: Vec<RankedCustomer>, b: Vec<RankedCustomer>) -> Vec<RankedCustomer> {
    let mut merged = Vec::with_capacity(a.len() + b.len());
    let mut a = a.into_iter().peekable();
    let mut b = b.into_iter().peekable();
    while let (Some(x), Some(y)) = (a.peek(), b.peek()) {
        let next = if list_cmp(x, y).is_le() {
            a.next()
        } else {
            b.next()
        };
        merged.extend(next);
    }
    merged.extend(a);
    merged.extend(b);
    merged
}

/// Puts a whole list in its order: highest score first, then who has waited longest, then
/// by name (see [`list_cmp`]).
fn sort_list(ranked: &mut [RankedCustomer]) {
    // Score and waiting time read once per customer; names only decide a tie.
    ranked.sort_by_cached_key(|c| (std::cmp::Reverse(c.score), waiting_since(c)));
    for tied in
        ranked.chunk_by_mut(|a, b| a.score == b.score && waiting_since(a) == waiting_since(b))
    {
        tied.sort_unstable_by(list_cmp);
    }
}

/// [`rank`] over facts as they come (the team ranking streams them from the server, so
/// only the customers who need a call are kept in memory).
pub fn rank_each<F: std::borrow::Borrow<CustomerFacts>>(
    facts: impl IntoIterator<Item = F>,
    today: NaiveDate,
    settings: &RankSettings,
) -> Vec<RankedCustomer> {
    rank_first(facts, today, settings, None)
}

/// The order of the list: highest score first, then who has waited longest, then by name
/// (then by id, so no two customers tie): the key the limited ranking keeps beside each
/// customer it holds; the whole list compares with [`list_cmp`] instead.
type ListOrder = (
    std::cmp::Reverse<i64>,
    NaiveDate,
    String,
    String,
    CustomerId,
);

/// The order of [`ListOrder`] without building it: the names are lower-cased only when the
/// score and the waiting time tie, and without a copy when both are ASCII (a key per
/// customer cost two allocations each, 20,000 for 10,000 customers).
fn list_cmp(a: &RankedCustomer, b: &RankedCustomer) -> std::cmp::Ordering {
    (std::cmp::Reverse(a.score), waiting_since(a))
        .cmp(&(std::cmp::Reverse(b.score), waiting_since(b)))
        .then_with(|| {
            if a.name.is_ascii() && b.name.is_ascii() {
                let lower_a = a.name.bytes().map(|byte| byte.to_ascii_lowercase());
                lower_a.cmp(b.name.bytes().map(|byte| byte.to_ascii_lowercase()))
            } else {
                a.name.to_lowercase().cmp(&b.name.to_lowercase())
            }
        })
        .then_with(|| a.name.cmp(&b.name))
        .then_with(|| a.customer_id.cmp(&b.customer_id))
}

/// [`rank_each`] cut to its first `limit` customers (all when `None`): exactly the first
/// `limit` of its list, but the others are dropped as they are scored, so a team of
/// 500,000 customers asked for its top 20 keeps about 40 in memory and sorts only those.
/// With a limit, customers are first scored without their sentences (the same rules,
/// [`Reasons::without_words`]): the sentences and openers are written only for the ones
/// kept, not for the hundreds of thousands behind them.
pub fn rank_first<F: std::borrow::Borrow<CustomerFacts>>(
    facts: impl IntoIterator<Item = F>,
    today: NaiveDate,
    settings: &RankSettings,
    limit: Option<usize>,
) -> Vec<RankedCustomer> {
    let mut ranked: Vec<RankedCustomer> = match limit {
        None => {
            let mut ranked: Vec<RankedCustomer> = facts
                .into_iter()
                .filter_map(|f| listed(f.borrow(), today, settings))
                .collect();
            sort_list(&mut ranked);
            ranked
        }
        Some(limit) => {
            // Keep at most twice the limit; when full, keep the best `limit` of them. After
            // a cut, a customer whose score and waiting time come strictly after the worst
            // kept cannot make the list: skipped before their name is lower-cased.
            let mut best: Vec<(ListOrder, F)> = Vec::new();
            let mut cutoff: Option<(std::cmp::Reverse<i64>, NaiveDate)> = None;
            for f in facts {
                if limit == 0 {
                    continue;
                }
                let customer = f.borrow();
                if is_set_aside(customer, today) {
                    continue;
                }
                let Some(found) =
                    scored_reasons(customer, today, settings, Reasons::without_words())
                else {
                    continue;
                };
                let head = (std::cmp::Reverse(found.score), found.waiting_since());
                if cutoff.is_some_and(|worst| head > worst) {
                    continue;
                }
                let key = (
                    head.0,
                    head.1,
                    customer.name.to_lowercase(),
                    customer.name.clone(),
                    customer.customer_id,
                );
                best.push((key, f));
                if best.len() >= limit.saturating_mul(2) {
                    best.select_nth_unstable_by(limit - 1, |a, b| a.0.cmp(&b.0));
                    best.truncate(limit);
                    cutoff = best.iter().map(|(key, _)| (key.0, key.1)).max();
                }
            }
            best.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            best.truncate(limit);
            best.into_iter()
                .filter_map(|(_, f)| score_customer(f.borrow(), today, settings))
                .collect()
        }
    };
    for (index, customer) in ranked.iter_mut().enumerate() {
        customer.rank = index + 1;
    }
    ranked
}

/// Archived, or snoozed past `today`: never on the list, whatever is pending.
fn is_set_aside(facts: &CustomerFacts, today: NaiveDate) -> bool {
    facts.archived || facts.snoozed_until.is_some_and(|until| until > today)
}

/// Whether and how the customer with `facts` is on the list as of `today`: not archived,
/// not snoozed, and something pending. [`rank`] lists exactly these; the Insights' "Call
/// them first" history asks it of each morning it reconstructs, so the history can never
/// follow other rules than the list.
pub fn listed(
    facts: &CustomerFacts,
    today: NaiveDate,
    settings: &RankSettings,
) -> Option<RankedCustomer> {
    if is_set_aside(facts, today) {
        return None;
    }
    score_customer(facts, today, settings)
}

/// Whether the customer with `facts` is on the list as of `today`: [`listed`]'s decision
/// by the same rules, without writing the reasons' sentences and openers (the Insights'
/// "Call them first" history asks it of every customer every morning, and only counts).
pub fn is_listed(facts: &CustomerFacts, today: NaiveDate, settings: &RankSettings) -> bool {
    if is_set_aside(facts, today) {
        return false;
    }
    let mut reasons = Reasons::without_words();
    collect_reasons(facts, today, settings, &mut reasons);
    !reasons.list.is_empty()
}

/// The reasons of one customer as they are found. Each reason's points and dates are
/// decided by the same code either way; its sentence and opener are written only when
/// `words` is set (the list shows them; a count of who is listed does not need them), and
/// the opener only for a reason that comes before every reason found so far: the top
/// reason is among those, and its opener is the only one shown.
struct Reasons {
    list: Vec<Reason>,
    words: bool,
    /// The position in `list` of the first reason in list order so far.
    first: Option<usize>,
}

impl Reasons {
    fn with_words() -> Self {
        Self {
            list: Vec::new(),
            words: true,
            first: None,
        }
    }

    fn without_words() -> Self {
        Self {
            list: Vec::new(),
            words: false,
            first: None,
        }
    }

    /// Adds a reason; `words` writes its text and returns how to write its opener, called
    /// only when they are kept.
    fn push<O: FnOnce() -> String>(
        &mut self,
        kind: ReasonKind,
        points: i64,
        since: NaiveDate,
        entry_id: Option<EntryId>,
        words: impl FnOnce() -> (String, O),
    ) {
        // Strictly before: on a tie the stable sort keeps the earlier reason first.
        let order = (std::cmp::Reverse(points), since, kind, entry_id);
        let comes_first = self
            .first
            .is_none_or(|first| order < self.list[first].order());
        if comes_first {
            self.first = Some(self.list.len());
        }
        let (text, opener) = if self.words {
            let (text, opener) = words();
            (text, if comes_first { opener() } else { String::new() })
        } else {
            (String::new(), String::new())
        };
        self.list.push(Reason {
            kind,
            points,
            text,
            since,
            entry_id,
            opener,
        });
    }
}

/// Every reason that applies to the customer with `facts` as of `today`, trust repair
/// aside (it scales the others).
fn collect_reasons(
    facts: &CustomerFacts,
    today: NaiveDate,
    settings: &RankSettings,
    reasons: &mut Reasons,
) {
    for item in &facts.open_items {
        open_item_reasons(facts, item, today, settings, reasons);
    }
    for pending in &facts.pending_announcements {
        announcement_reason(facts, pending, today, reasons);
    }
    broken_reasons(facts, today, reasons);
    callback_reason(facts, today, reasons);
    took_over_reason(facts, reasons);
    unhappy_feedback_reason(facts, today, reasons);
    follow_up_reasons(facts, today, reasons);
    contact_overdue_reason(facts, today, reasons);
    feedback_reason(facts, today, reasons);
}

fn waiting_since(customer: &RankedCustomer) -> NaiveDate {
    customer
        .top_reason()
        .map_or(NaiveDate::MAX, |reason| reason.since)
}

/// A customer's reasons, strongest first (trust repair among them), and their sum.
struct Scored {
    reasons: Vec<Reason>,
    score: i64,
    /// The top reason's opener (before trust repair is weighed in).
    opener: String,
}

impl Scored {
    /// When the wait behind the strongest reason began (trust repair aside).
    fn waiting_since(&self) -> NaiveDate {
        self.reasons
            .iter()
            .find(|reason| reason.kind != ReasonKind::TrustRepair)
            .map_or(NaiveDate::MAX, |reason| reason.since)
    }
}

/// The scoring of one customer: [`score_customer`] with sentences, the limited ranking
/// without them (`found` decides), by the same rules; `None` when nothing is pending.
fn scored_reasons(
    facts: &CustomerFacts,
    today: NaiveDate,
    settings: &RankSettings,
    mut found: Reasons,
) -> Option<Scored> {
    collect_reasons(facts, today, settings, &mut found);
    let words = found.words;
    let mut reasons = found.list;
    if reasons.is_empty() {
        return None;
    }
    sort_reasons(&mut reasons);
    let base: i64 = reasons.iter().map(|r| r.points).sum();
    let opener = reasons[0].opener.clone();
    if let Some(trust) = trust_reason(facts, base, today, words) {
        reasons.push(trust);
        sort_reasons(&mut reasons);
    }
    let score = reasons.iter().map(|r| r.points).sum();
    Some(Scored {
        reasons,
        score,
        opener,
    })
}

/// Scores one customer; `None` when nothing is pending.
pub fn score_customer(
    facts: &CustomerFacts,
    today: NaiveDate,
    settings: &RankSettings,
) -> Option<RankedCustomer> {
    let Scored {
        reasons,
        score,
        opener,
    } = scored_reasons(facts, today, settings, Reasons::with_words())?;
    Some(RankedCustomer {
        rank: 0,
        customer_id: facts.customer_id,
        name: facts.name.clone(),
        company: facts.company.clone(),
        phone: facts.phone.clone(),
        score,
        reasons,
        opener,
    })
}

fn sort_reasons(reasons: &mut [Reason]) {
    reasons.sort_by_key(Reason::order);
}

/// The order of a customer's reasons: most points first, then the longest waiting, then by
/// kind and entry.
type ReasonOrder = (
    std::cmp::Reverse<i64>,
    NaiveDate,
    ReasonKind,
    Option<EntryId>,
);

impl Reason {
    fn order(&self) -> ReasonOrder {
        (
            std::cmp::Reverse(self.points),
            self.since,
            self.kind,
            self.entry_id,
        )
    }
}

/// Shortens an item's text for a reason sentence, in double quotes. Double quotes inside
/// become single ones, so a quote never sits inside a quote of its own kind.
fn quoted(what: &str) -> String {
    const MAX_CHARS: usize = 60;
    let line = what.lines().next().unwrap_or("").trim();
    // One allocation: a reason's sentence and its opener quote the item, 15,000 times for
    // 10,000 customers.
    let mut text = String::with_capacity(line.len() + 5);
    text.push('"');
    let (kept, cut) = match line.char_indices().nth(MAX_CHARS) {
        Some(_) => {
            let end = line
                .char_indices()
                .nth(MAX_CHARS - 1)
                .map_or(line.len(), |(at, _)| at);
            (line[..end].trim_end(), true)
        }
        None => (line, false),
    };
    text.extend(kept.chars().map(|c| if c == '"' { '\'' } else { c }));
    if cut {
        text.push('…');
    }
    text.push('"');
    text
}

/// "1 day", "3 days": written into the sentence that shows it, with no `String` of its own
/// (most reasons count something, and there are 26,000 of them for 10,000 customers).
fn plural(count: i64, one: &str) -> Plural<'_> {
    Plural { count, one }
}

struct Plural<'a> {
    count: i64,
    one: &'a str,
}

impl std::fmt::Display for Plural<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Self { count, one } = *self;
        if count == 1 {
            write!(f, "1 {one}")
        } else {
            write!(f, "{count} {one}s")
        }
    }
}

fn day_name(due: NaiveDate, today: NaiveDate) -> String {
    match days_between(today, due) {
        0 => "today".to_owned(),
        1 => "tomorrow".to_owned(),
        _ => format!("{} ({})", due.format("%A"), DateText(due)),
    }
}

fn open_item_reasons(
    facts: &CustomerFacts,
    item: &OpenItem,
    today: NaiveDate,
    settings: &RankSettings,
    reasons: &mut Reasons,
) {
    match &item.detail {
        OpenDetail::Promise {
            due,
            at_risk_since,
            risk_reason,
            ..
        } => {
            let slip = Slip {
                noun: "Promise",
                is_order: false,
                flag_word: "at risk",
                due: *due,
                flagged_at: *at_risk_since,
                reason: risk_reason,
            };
            promise_reasons(facts, item, &slip, today, reasons);
        }
        OpenDetail::Order {
            due,
            status,
            status_changed_at,
        } => {
            let flagged = matches!(
                status,
                OrderStatus::AtRisk | OrderStatus::Delayed | OrderStatus::BackOrdered
            );
            let flagged_at = if flagged {
                Some(status_changed_at.unwrap_or(item.opened_at))
            } else {
                None
            };
            let slip = Slip {
                noun: "Order delivery",
                is_order: true,
                flag_word: status.label(),
                due: *due,
                flagged_at,
                reason: "",
            };
            promise_reasons(facts, item, &slip, today, reasons);
        }
        OpenDetail::Problem { owner } => {
            problem_reason(facts, item, owner, today, settings, reasons)
        }
        OpenDetail::Payment {
            invoice_ref,
            amount,
            due,
        } => payment_reason(
            item,
            invoice_ref,
            || settings.money.format(*amount),
            *due,
            today,
            reasons,
        ),
    }
}

/// A promise, or an order's delivery date, that may be slipping.
struct Slip<'a> {
    noun: &'a str,
    /// An order speaks of "your order", not of "what I promised".
    is_order: bool,
    /// "at risk", "delayed", "back-ordered" (written in lower case).
    flag_word: &'a str,
    due: NaiveDate,
    flagged_at: Option<NaiveDateTime>,
    reason: &'a str,
}

fn promise_reasons(
    facts: &CustomerFacts,
    item: &OpenItem,
    slip: &Slip<'_>,
    today: NaiveDate,
    reasons: &mut Reasons,
) {
    let Slip {
        noun,
        is_order,
        flag_word,
        due,
        flagged_at,
        reason: risk_reason,
    } = *slip;
    let days_overdue = days_between(due, today);
    let overdue = days_overdue > 0;
    if flagged_at.is_none() && !overdue {
        due_soon_reason(facts, item, noun, is_order, due, today, reasons);
        return;
    }
    // The slip began when it was flagged, or when the due date arrived, whichever came first.
    let due_start = due.and_hms_opt(0, 0, 0).unwrap_or(item.opened_at);
    let slip_start = match flagged_at {
        Some(flagged) if overdue => flagged.min(due_start),
        Some(flagged) => flagged,
        None => due_start,
    };
    let told = facts.last_told_at().is_some_and(|told| told >= slip_start);
    let what = || quoted(&item.what);
    let flag_word = || flag_word.to_lowercase();
    let when = || {
        if overdue {
            format!(
                "{} overdue (due {})",
                plural(days_overdue, "day"),
                DateText(due)
            )
        } else {
            match days_between(today, due) {
                0 => format!("{}, due today", flag_word()),
                1 => format!("{}, due tomorrow ({})", flag_word(), DateText(due)),
                days_left => format!(
                    "{}, due {} (in {})",
                    flag_word(),
                    DateText(due),
                    plural(days_left, "day")
                ),
            }
        }
    };
    let because = || {
        if risk_reason.is_empty() {
            String::new()
        } else {
            format!(" ({risk_reason})")
        }
    };
    if told {
        let points = w::SLIP_TOLD
            + w::SLIP_TOLD_PER_DAY_OVERDUE * days_overdue.clamp(0, w::SLIP_OVERDUE_CAP_DAYS);
        reasons.push(
            ReasonKind::SlippingTold,
            points,
            slip_start.date(),
            Some(item.entry_id),
            || {
                let (what, when, because) = (what(), when(), because());
                (
                    format!(
                        "{noun} {what} is {when}{because}; they know — keep them posted until it is done"
                    ),
                    move || if is_order {
                        format!(
                            "A quick update on your order {what}: here is where it stands now and when you can expect it."
                        )
                    } else {
                        format!(
                            "A quick update on {what}: here is where it stands now and when you can expect it."
                        )
                    },
                )
            },
        );
        return;
    }
    let imminent = overdue || days_between(today, due) <= w::SLIP_IMMINENT_DAYS;
    let points = w::SLIP_UNTOLD
        + if imminent { w::SLIP_UNTOLD_IMMINENT } else { 0 }
        + w::SLIP_UNTOLD_PER_DAY_OVERDUE * days_overdue.clamp(0, w::SLIP_OVERDUE_CAP_DAYS);
    let opener = |what: &str| match (is_order, overdue) {
        (true, true) => format!(
            "Your order {what} should have reached you on {}, and it has not. I'd rather you hear it from me: here is where it stands, why, and the new date I can stand behind.",
            DateText(due)
        ),
        (true, false) => format!(
            "Your order {what}, due {}, will be late. I'm telling you now so you can plan: here is why, and the new date I can commit to.",
            day_name(due, today)
        ),
        (false, true) => format!(
            "I promised you {what} by {}, and I did not keep that. I'd rather you hear it from me: here is where it stands, why, and the new date I can stand behind.",
            DateText(due)
        ),
        (false, false) => format!(
            "I promised you {what} by {}, and I now know it will slip. I'm telling you now so you can plan: here is why, and the new date I can commit to.",
            day_name(due, today)
        ),
    };
    reasons.push(
        ReasonKind::SlippingUntold,
        points,
        slip_start.date(),
        Some(item.entry_id),
        || {
            let (what, when, because) = (what(), when(), because());
            (
                format!("{noun} {what} is {when}{because}, and they have not been told"),
                move || opener(&what),
            )
        },
    );
}

fn due_soon_reason(
    facts: &CustomerFacts,
    item: &OpenItem,
    noun: &str,
    is_order: bool,
    due: NaiveDate,
    today: NaiveDate,
    reasons: &mut Reasons,
) {
    let days_left = days_between(today, due);
    let points = match days_left {
        0 => w::DUE_TODAY,
        1 => w::DUE_TOMORROW,
        _ => return,
    };
    // Reaching them the day before (or on the day) is the confirmation this asks for.
    let confirm_from = due.checked_sub_days(Days::new(1)).unwrap_or(due);
    if facts
        .last_reached_at
        .is_some_and(|at| at.date() >= confirm_from)
    {
        return;
    }
    reasons.push(ReasonKind::DueSoon, points, due, Some(item.entry_id), || {
        let what = quoted(&item.what);
        let when = day_name(due, today);
        (
            format!("{noun} {what} is due {when}: confirm it, or warn them now"),
            move || if is_order {
                format!(
                    "About your order {what}, due {when}: I'm calling to confirm it arrives as planned, before the date, not after."
                )
            } else {
                format!(
                    "About {what}, due {when}: I'm calling to confirm where it stands before the date, not after."
                )
            },
        )
    });
}

fn problem_reason(
    facts: &CustomerFacts,
    item: &OpenItem,
    owner: &str,
    today: NaiveDate,
    settings: &RankSettings,
    reasons: &mut Reasons,
) {
    let last_update = facts
        .last_told_at()
        .map_or(item.opened_at, |told| told.max(item.opened_at));
    let silent_days = days_between(last_update.date(), today);
    if silent_days <= settings.problem_update_days {
        return;
    }
    let beyond = (silent_days - settings.problem_update_days).min(w::PROBLEM_SILENT_CAP_DAYS);
    reasons.push(
        ReasonKind::ProblemSilent,
        w::PROBLEM_SILENT + w::PROBLEM_SILENT_PER_DAY * beyond,
        last_update.date(),
        Some(item.entry_id),
        || {
            let what = quoted(&item.what);
            let owner_note = if owner.is_empty() || owner.eq_ignore_ascii_case("me") {
                String::new()
            } else {
                format!(" (owner: {owner})")
            };
            (
                format!(
                    "Open problem {what}{owner_note}: no update for {}",
                    plural(silent_days, "day")
                ),
                move || format!(
                    "An update on {what}: it isn't solved yet, but here is where it stands and what happens next."
                ),
            )
        },
    );
}

fn payment_reason(
    item: &OpenItem,
    invoice_ref: &str,
    amount: impl FnOnce() -> String,
    due: NaiveDate,
    today: NaiveDate,
    reasons: &mut Reasons,
) {
    let days_overdue = days_between(due, today);
    if days_overdue <= 0 {
        return;
    }
    let points = w::PAYMENT_OVERDUE
        + w::PAYMENT_OVERDUE_STEPS
            .iter()
            .filter(|(days, _)| days_overdue >= *days)
            .map(|(_, extra)| extra)
            .sum::<i64>();
    reasons.push(ReasonKind::PaymentOverdue, points, due, Some(item.entry_id), || {
        let amount = amount();
        let invoice = if invoice_ref.is_empty() {
            quoted(&item.what)
        } else {
            invoice_ref.to_owned()
        };
        (
            format!(
                "Invoice {invoice} ({amount}) is {} overdue",
                plural(days_overdue, "day")
            ),
            move || format!(
                "A quick note on invoice {invoice} for {amount}, due {}: could you check where it stands on your side?",
                DateText(due)
            ),
        )
    });
}

fn announcement_reason(
    facts: &CustomerFacts,
    pending: &PendingAnnouncement,
    today: NaiveDate,
    reasons: &mut Reasons,
) {
    let days_left = days_between(today, pending.effective);
    if -days_left > w::ANNOUNCEMENT_PAST_WINDOW_DAYS {
        return;
    }
    let stake = if facts.orders_last_year.0 > 0 {
        w::ANNOUNCEMENT_STAKE_MAX
            * facts
                .orders_last_year
                .0
                .min(w::ANNOUNCEMENT_STAKE_FULL_CENTS)
            / w::ANNOUNCEMENT_STAKE_FULL_CENTS
    } else {
        0
    };
    let points = if days_left < 0 {
        w::ANNOUNCEMENT_PAST_EFFECTIVE
    } else {
        w::ANNOUNCEMENT_UNTOLD
            + w::ANNOUNCEMENT_PER_DAY
                * (w::ANNOUNCEMENT_RUN_UP_DAYS - days_left).clamp(0, w::ANNOUNCEMENT_RUN_UP_DAYS)
    } + stake;
    reasons.push(
        ReasonKind::AnnouncementUntold,
        points,
        pending.effective,
        None,
        || announcement_words(facts, pending, days_left, today),
    );
}

/// The sentence and opener of an untold announcement `days_left` days before it takes effect.
fn announcement_words(
    facts: &CustomerFacts,
    pending: &PendingAnnouncement,
    days_left: i64,
    today: NaiveDate,
) -> (String, impl FnOnce() -> String) {
    let title = quoted(&pending.title);
    let on = pending.effective.format("%-d %B");
    let when = match days_left {
        0 => format!("{title} takes effect today ({on}), not told yet"),
        1 => format!("{title} takes effect tomorrow ({on}) — 1 day left, not told yet"),
        n if n > 1 => format!("{title} takes effect on {on} — {n} days left, not told yet"),
        n => format!(
            "{title} took effect on {on}, {} ago, and they have not been told: they may have found out from the invoice",
            plural(-n, "day")
        ),
    };
    let at_stake = if facts.orders_last_year.0 > 0 {
        format!(" ({} ordered in the last year)", facts.orders_last_year)
    } else {
        String::new()
    };
    let owed = match &pending.owed_by {
        Some(who) => format!(" — {who}'s to tell"),
        None => String::new(),
    };
    (format!("{when}{at_stake}{owed}"), move || {
        announcement_opener(pending, today)
    })
}

/// What to say for each kind of news, with the reason filled in: present it in person,
/// explain why, and look for a way both sides still do well.
pub fn announcement_opener(pending: &PendingAnnouncement, today: NaiveDate) -> String {
    use super::announcement::AnnouncementKind as Kind;
    let title = pending.title.trim().trim_end_matches('.');
    let on = pending.effective.format("%-d %B");
    let why = match pending.reason.trim().trim_end_matches('.') {
        "" => String::new(),
        reason => format!(" The reason: {reason}."),
    };
    let core = match pending.kind {
        Kind::PriceIncrease => format!(
            "I wanted to tell you myself, before it reaches you on an invoice. {title}, from {on}.{why} I know that is not welcome news. Let's look together at how you still get a good deal — for instance by ordering before then."
        ),
        Kind::ChangeOfTerms => format!(
            "Before it takes effect on {on}, I'd like to walk you through a change. {title}.{why} Could you try it and tell me how it works for you?"
        ),
        Kind::ChangeOfRepresentative => format!(
            "I wanted to tell you in person. {title}, from {on}.{why} Take the time you need with it — I'm glad to be working with you, and I want to hear what mattered most to you until now."
        ),
        Kind::DiscontinuedProduct => format!(
            "I'd rather you hear it from me than when you next reorder. {title}, from {on}.{why} Let's look at what can replace it for you, and whether you want to stock up before then."
        ),
        Kind::Other => format!(
            "I wanted to tell you myself before {on}. {title}.{why} What does it change for you, and how can I help?"
        ),
    };
    if pending.effective < today {
        format!(
            "I should have told you this before {on}, and I'm sorry if you found out another way. {core}"
        )
    } else {
        core
    }
}

fn broken_reasons(facts: &CustomerFacts, today: NaiveDate, reasons: &mut Reasons) {
    for broken in &facts.broken_promises {
        let told_since = facts
            .last_told_at()
            .is_some_and(|told| told >= broken.broken_at);
        if broken.bad_news_logged || told_since {
            continue;
        }
        reasons.push(
            ReasonKind::BrokenUnexplained,
            w::BROKEN_UNEXPLAINED,
            broken.broken_at.date(),
            Some(broken.entry_id),
            || {
                let what = quoted(&broken.what);
                let days = days_between(broken.broken_at.date(), today).max(0);
                let ago = match days {
                    0 => "today".to_owned(),
                    1 => "yesterday".to_owned(),
                    _ => format!("{} ago", plural(days, "day")),
                };
                (
                    format!(
                        "Promise {what} (due {}) was broken {ago}, and nobody has explained it to them",
                        DateText(broken.due)
                    ),
                    move || format!(
                        "I promised you {what} by {}, and I did not keep that promise. You deserve to hear it from me: here is what happened, and what I am doing to put it right.",
                        DateText(broken.due)
                    ),
                )
            },
        );
    }
}

fn unhappy_feedback_reason(facts: &CustomerFacts, today: NaiveDate, reasons: &mut Reasons) {
    let Some(answer) = facts.last_rating else {
        return;
    };
    if answer.rating > w::UNHAPPY_RATING_MAX {
        return;
    }
    let days = days_between(answer.at.date(), today);
    // Reaching them on a later day is the follow-up: the answer itself is often given on
    // the call that asked for it.
    let followed_up = facts
        .last_reached_at
        .is_some_and(|at| at.date() > answer.at.date());
    if followed_up || !(0..=w::TRUST_WINDOW_DAYS).contains(&days) {
        return;
    }
    reasons.push(
        ReasonKind::UnhappyFeedback,
        w::UNHAPPY_FEEDBACK + w::UNHAPPY_FEEDBACK_PER_DAY * days.min(w::UNHAPPY_FEEDBACK_CAP_DAYS),
        answer.at.date(),
        Some(answer.entry_id),
        || {
            (
                format!(
                    "They rated us {} of 5 on {} and nobody has got back to them since",
                    answer.rating,
                    DateText(answer.at.date())
                ),
                move || format!(
                    "You told me on {} that we were not doing well. Thank you for saying it: here is what I have changed, and I would like to hear what else would make it better.",
                    answer.at.format("%A %-d %B")
                ),
            )
        },
    );
}

fn took_over_reason(facts: &CustomerFacts, reasons: &mut Reasons) {
    let Some(handover) = &facts.taken_over else {
        return;
    };
    if facts
        .last_reached_at
        .is_some_and(|reached| reached >= handover.at)
    {
        return;
    }
    let promises: Vec<&OpenItem> = facts
        .open_items
        .iter()
        .filter(|item| matches!(item.detail, OpenDetail::Promise { .. }))
        .collect();
    let count = promises.len() as i64;
    reasons.push(
        ReasonKind::TookOver,
        w::TOOK_OVER + w::TOOK_OVER_PER_PROMISE * count.min(w::TOOK_OVER_PROMISES_CAP),
        handover.at.date(),
        None,
        || {
            let from = &handover.from;
            let confirm = match count {
                0 => String::new(),
                1 => format!(" and confirm the open promise {from} made"),
                n => format!(" and confirm the {n} open promises {from} made"),
            };
            let promised = match promises.first() {
                Some(first) if count == 1 => format!(
                    " {from} promised you {}: that still stands.",
                    quoted(&first.what)
                ),
                Some(_) => format!(
                    " {from} made you {count} promises; let's go through them: each still stands."
                ),
                None => String::new(),
            };
            (
                format!(
                    "You took over from {from} on {}: introduce yourself{confirm}",
                    handover.at.format("%-d %B")
                ),
                move || format!(
                    "Hello, I'm your new contact: I've taken over from {from}, and I wanted you to hear it from me.{promised}"
                ),
            )
        },
    );
}

fn callback_reason(facts: &CustomerFacts, today: NaiveDate, reasons: &mut Reasons) {
    let Some(since) = facts.callback_owed_since else {
        return;
    };
    let waiting = days_between(since.date(), today).max(0);
    reasons.push(
        ReasonKind::CallbackOwed,
        w::CALLBACK_OWED + w::CALLBACK_PER_DAY * waiting.min(w::CALLBACK_CAP_DAYS),
        since.date(),
        None,
        || {
            let waited = match waiting {
                0 => "since today".to_owned(),
                days => format!("for {}", plural(days, "day")),
            };
            (
                format!(
                    "They reached out on {} and are still waiting for a call back ({waited})",
                    DateText(since.date())
                ),
                move || format!(
                    "You tried to reach me on {} and I didn't get back to you — I'm sorry for the wait. What can I do for you?",
                    since.format("%A %-d %B")
                ),
            )
        },
    );
}

fn follow_up_reasons(facts: &CustomerFacts, today: NaiveDate, reasons: &mut Reasons) {
    // A follow-up is a contact that reached them on a later day than the event.
    let followed_up = |event: NaiveDate| facts.last_reached_at.is_some_and(|at| at.date() > event);
    let mut push = |event: NaiveDate, what: &str, opener: &dyn Fn() -> String| {
        let days = days_between(event, today);
        if !(w::FOLLOW_UP_AFTER_DAYS..=w::FOLLOW_UP_WINDOW_DAYS).contains(&days)
            || followed_up(event)
        {
            return;
        }
        reasons.push(
            ReasonKind::NoFollowUp,
            w::NO_FOLLOW_UP + w::NO_FOLLOW_UP_PER_DAY * (days - w::FOLLOW_UP_AFTER_DAYS),
            event,
            None,
            || {
                (
                    format!(
                        "{what} {} ago and nobody has checked back since",
                        plural(days, "day")
                    ),
                    opener,
                )
            },
        );
    };
    if let Some(resolved) = facts.last_problem_resolved_on {
        push(resolved, "A problem was resolved", &|| {
            "Checking in after we fixed the problem: is everything working as it should now?"
                .to_owned()
        });
    }
    if let Some(news) = facts.last_bad_news_at {
        push(news.date(), "Bad news was delivered", &|| {
            format!(
                "Following up on what I told you on {}: how is it affecting you, and is there anything I can do?",
                news.format("%A %-d %B")
            )
        });
    }
}

fn contact_overdue_reason(facts: &CustomerFacts, today: NaiveDate, reasons: &mut Reasons) {
    let cadence = i64::from(facts.cadence_days.max(1));
    let (since, never) = match facts.last_reached_at {
        Some(at) => (at.date(), false),
        None => (facts.created_at.date(), true),
    };
    let days = days_between(since, today);
    if days <= cadence {
        return;
    }
    // Pro rata per cadence beyond the first, in whole points.
    let growth = w::CONTACT_OVERDUE_PER_CADENCE * (days - cadence) / cadence;
    let points = (w::CONTACT_OVERDUE + growth).min(w::CONTACT_OVERDUE_CAP);
    reasons.push(ReasonKind::ContactOverdue, points, since, None, || {
        let text = if never {
            format!(
                "Never reached since they were added {} ago (cadence: every {})",
                plural(days, "day"),
                plural(cadence, "day")
            )
        } else {
            format!(
                "Last reached {} ago (cadence: every {})",
                plural(days, "day"),
                plural(cadence, "day")
            )
        };
        (
            text,
            || "No particular reason — it's been a while and I wanted to hear how things are going for you.".to_owned(),
        )
    });
}

fn feedback_reason(facts: &CustomerFacts, today: NaiveDate, reasons: &mut Reasons) {
    let since = facts.last_feedback_at.unwrap_or(facts.created_at).date();
    let days = days_between(since, today);
    if days < w::FEEDBACK_AFTER_DAYS {
        return;
    }
    reasons.push(ReasonKind::AskFeedback, w::ASK_FEEDBACK, since, None, || {
        let text = match facts.last_feedback_at {
            Some(_) => format!("No feedback asked for {}", plural(days, "day")),
            None => format!("Feedback never asked in {}", plural(days, "day")),
        };
        (
            text,
            || "How are we doing? I'd value an honest score from 1 to 5, and what would make it better.".to_owned(),
        )
    });
}

fn trust_reason(facts: &CustomerFacts, base: i64, today: NaiveDate, words: bool) -> Option<Reason> {
    let broken = i64::from(facts.broken_promises_recent);
    let quarters = (broken * w::TRUST_QUARTERS_PER_BROKEN).min(w::TRUST_MAX_QUARTERS);
    let extra = base * quarters / 4;
    if extra <= 0 {
        return None;
    }
    let (text, opener) = if words {
        (
            format!(
                "{} broken in the last {} days: everything above weighs ×{}.{:02}",
                plural(broken, "promise"),
                w::TRUST_WINDOW_DAYS,
                1 + quarters / 4,
                (quarters % 4) * 25
            ),
            "I know I let you down recently; I want to make sure it doesn't happen again."
                .to_owned(),
        )
    } else {
        (String::new(), String::new())
    };
    Some(Reason {
        kind: ReasonKind::TrustRepair,
        points: extra,
        text,
        since: today,
        entry_id: None,
        opener,
    })
}

/// The status marks a customer list shows, and its filters use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Badges {
    /// An open promise or order past due or flagged at risk.
    pub slipping: bool,
    pub callback_owed: bool,
    pub open_problem: bool,
    pub overdue_payment: bool,
}

impl Badges {
    /// True when any mark is set.
    pub fn any(self) -> bool {
        self.slipping || self.callback_owed || self.open_problem || self.overdue_payment
    }
}

impl CustomerFacts {
    /// The customer's status marks as of `today`.
    pub fn badges(&self, today: NaiveDate) -> Badges {
        let mut badges = Badges {
            callback_owed: self.callback_owed_since.is_some(),
            ..Badges::default()
        };
        for item in &self.open_items {
            match &item.detail {
                OpenDetail::Promise {
                    due, at_risk_since, ..
                } => badges.slipping |= at_risk_since.is_some() || *due < today,
                OpenDetail::Order { due, status, .. } => {
                    badges.slipping |= *due < today
                        || matches!(
                            status,
                            OrderStatus::AtRisk | OrderStatus::Delayed | OrderStatus::BackOrdered
                        );
                }
                OpenDetail::Problem { .. } => badges.open_problem = true,
                OpenDetail::Payment { due, .. } => badges.overdue_payment |= *due < today,
            }
        }
        badges
    }
}
