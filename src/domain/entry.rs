//! Timeline entries: every call, promise, piece of bad news, problem, order, payment, note,
//! feedback request and snooze in a customer's history.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::customer::CustomerId;
use super::dates::format_date;
use super::money::Cents;
use super::{ValidationError, limits};

/// Defines a fieldless enum stored and exported as a stable lowercase code, shown to people
/// with a sentence-case label.
macro_rules! coded_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $code:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)+];

            /// The stable code used in the journal file and in CSV exports.
            pub fn code(self) -> &'static str {
                match self { $(Self::$variant => $code,)+ }
            }

            /// The sentence-case label shown in the app.
            pub fn label(self) -> &'static str {
                match self { $(Self::$variant => $label,)+ }
            }

            /// Reads a stable code (or a label, ignoring case) back.
            pub fn from_code(text: &str) -> Option<Self> {
                let text = text.trim();
                Self::ALL.iter().copied().find(|v| {
                    v.code().eq_ignore_ascii_case(text) || v.label().eq_ignore_ascii_case(text)
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

// Announcements (src/domain/announcement.rs) use the same coded enums.
pub(crate) use coded_enum;

coded_enum!(
    /// How a contact happened.
    Channel {
        Call => "call", "Call";
        Email => "email", "Email";
        Meeting => "meeting", "Meeting";
        Message => "message", "Message";
    }
);

coded_enum!(
    /// Who started a contact.
    Direction {
        Outbound => "outbound", "Outbound";
        Inbound => "inbound", "Inbound";
    }
);

coded_enum!(
    /// Whether a contact reached the person.
    Outcome {
        Reached => "reached", "Reached";
        Voicemail => "voicemail", "Voicemail";
        NoAnswer => "no_answer", "No answer";
    }
);

coded_enum!(
    /// What a promise is about.
    PromiseCategory {
        Delivery => "delivery", "Delivery";
        Callback => "callback", "Callback";
        Fix => "fix", "Fix";
        Information => "information", "Information or quote";
        Other => "other", "Other";
    }
);

coded_enum!(
    /// What kind of bad news was delivered.
    BadNewsKind {
        Delay => "delay", "Delay";
        BackOrder => "back_order", "Back order";
        PriceIncrease => "price_increase", "Price increase";
        ChangeOfTerms => "change_of_terms", "Change of terms";
        ChangeOfRepresentative => "change_of_representative", "Change of representative";
        DiscontinuedProduct => "discontinued_product", "Discontinued product";
        OurMistake => "our_mistake", "Our mistake";
        Other => "other", "Other";
    }
);

coded_enum!(
    /// Why a problem happened.
    RootCause {
        OurError => "our_error", "Our error";
        CustomerMisunderstanding => "customer_misunderstanding", "Customer misunderstanding";
        ThirdParty => "third_party", "Third party";
        Unknown => "unknown", "Unknown";
    }
);

coded_enum!(
    /// Where an order stands.
    OrderStatus {
        OnTrack => "on_track", "On track";
        AtRisk => "at_risk", "At risk";
        Delayed => "delayed", "Delayed";
        BackOrdered => "back_ordered", "Back-ordered";
        Delivered => "delivered", "Delivered";
    }
);

coded_enum!(
    /// The kind of a timeline entry, without its details (for filters and exports).
    EntryKindTag {
        Contact => "contact", "Contact";
        Promise => "promise", "Promise";
        BadNews => "bad_news", "Bad news";
        Problem => "problem", "Problem";
        Order => "order", "Order";
        Payment => "payment", "Payment";
        Note => "note", "Note";
        Feedback => "feedback", "Feedback";
        Snooze => "snooze", "Snooze";
    }
);

/// A timeline entry's row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EntryId(pub i64);

/// A call, email, meeting or message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub channel: Channel,
    pub direction: Direction,
    pub outcome: Outcome,
    pub duration_mins: Option<u32>,
}

impl Default for Contact {
    /// The usual case: an outbound call that reached them.
    fn default() -> Self {
        Self {
            channel: Channel::Call,
            direction: Direction::Outbound,
            outcome: Outcome::Reached,
            duration_mins: None,
        }
    }
}

impl Contact {
    /// They called or wrote and nobody answered: a callback is owed.
    pub fn leaves_callback_owed(&self) -> bool {
        self.direction == Direction::Inbound && self.outcome != Outcome::Reached
    }

    /// We spoke with them (or they read us and answered, for written channels).
    pub fn reached(&self) -> bool {
        self.outcome == Outcome::Reached
    }
}

/// Where a promise stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", content = "on", rename_all = "snake_case")]
pub enum PromiseStatus {
    Open,
    Kept(NaiveDate),
    Broken(NaiveDate),
}

impl PromiseStatus {
    /// The stable code used in the journal and exports.
    pub fn code(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Kept(_) => "kept",
            Self::Broken(_) => "broken",
        }
    }

    /// When the promise was kept or broken.
    pub fn closed_on(self) -> Option<NaiveDate> {
        match self {
            Self::Open => None,
            Self::Kept(on) | Self::Broken(on) => Some(on),
        }
    }
}

/// "I already know this will slip": flagged before the due date passes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AtRisk {
    pub flagged_at: NaiveDateTime,
    pub reason: String,
}

/// One honest renegotiation of a promise's due date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Renegotiation {
    pub on: NaiveDate,
    pub from_due: NaiveDate,
    pub to_due: NaiveDate,
    /// Whether the customer heard about it before the old date passed.
    pub told_before_due: bool,
    /// What the customer was told.
    pub note: String,
    /// Whether the customer agreed to the new date (journals from before this field was
    /// kept only recorded agreed dates).
    #[serde(default = "agreed_by_default")]
    pub agreed: bool,
}

fn agreed_by_default() -> bool {
    true
}

/// Something you said you would do, by a date. The summary says what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Promise {
    pub due: NaiveDate,
    pub category: PromiseCategory,
    pub status: PromiseStatus,
    pub at_risk: Option<AtRisk>,
    /// Every renegotiation, oldest first.
    pub renegotiations: Vec<Renegotiation>,
}

impl Promise {
    /// A new open promise.
    pub fn new(due: NaiveDate, category: PromiseCategory) -> Self {
        Self {
            due,
            category,
            status: PromiseStatus::Open,
            at_risk: None,
            renegotiations: Vec::new(),
        }
    }

    /// The outcome word for people and reports: open, kept, broken or renegotiated
    /// (still open, with a new date agreed).
    pub fn outcome_code(&self) -> &'static str {
        match self.status {
            PromiseStatus::Open if !self.renegotiations.is_empty() => "renegotiated",
            status => status.code(),
        }
    }

    fn require_open(&self) -> Result<(), ValidationError> {
        match self.status {
            PromiseStatus::Open => Ok(()),
            status => Err(ValidationError::new(format!(
                "This promise is already {}: reopen it by editing it if that was a mistake.",
                status.code()
            ))),
        }
    }

    /// Marks the promise kept on `on`.
    pub fn keep(&mut self, on: NaiveDate) -> Result<(), ValidationError> {
        self.require_open()?;
        self.status = PromiseStatus::Kept(on);
        self.at_risk = None;
        Ok(())
    }

    /// Marks the promise broken on `on`.
    pub fn break_on(&mut self, on: NaiveDate) -> Result<(), ValidationError> {
        self.require_open()?;
        self.status = PromiseStatus::Broken(on);
        Ok(())
    }

    /// Agrees a new due date with the customer today; the old date stays in the history.
    pub fn renegotiate(
        &mut self,
        to_due: NaiveDate,
        today: NaiveDate,
        note: impl Into<String>,
    ) -> Result<(), ValidationError> {
        self.require_open()?;
        if to_due == self.due {
            return Err(ValidationError::new(
                "The new date is the same as the current one: pick the date you agreed with the customer.",
            ));
        }
        if to_due < today {
            return Err(ValidationError::new(format!(
                "The new date {} is already past: agree a date from today on.",
                format_date(to_due)
            )));
        }
        self.renegotiations.push(Renegotiation {
            on: today,
            from_due: self.due,
            to_due,
            told_before_due: today <= self.due,
            note: note.into().trim().to_owned(),
            agreed: true,
        });
        self.due = to_due;
        self.at_risk = None;
        Ok(())
    }

    /// Flags the promise at risk now, with the reason.
    pub fn flag_at_risk(
        &mut self,
        now: NaiveDateTime,
        reason: impl Into<String>,
    ) -> Result<(), ValidationError> {
        self.require_open()?;
        self.at_risk = Some(AtRisk {
            flagged_at: now,
            reason: reason.into().trim().to_owned(),
        });
        Ok(())
    }
}

/// Bad news you delivered. The summary says what you told them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BadNews {
    pub about: BadNewsKind,
    /// The promise, order or problem it concerns.
    pub related: Option<EntryId>,
    /// True when we told them first; false when they had to ask.
    pub proactive: bool,
}

/// Where a problem stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProblemStatus {
    Open,
    Resolved {
        on: NaiveDate,
        root_cause: RootCause,
        /// What will stop it happening again.
        prevention: String,
    },
}

/// A problem the customer reported. The summary says what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Whoever heard about it owns it.
    pub owner: String,
    pub status: ProblemStatus,
}

impl Default for Problem {
    fn default() -> Self {
        Self {
            owner: "me".to_owned(),
            status: ProblemStatus::Open,
        }
    }
}

/// An order. The summary is its description; the delivery date is a promise in its own right.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub amount: Option<Cents>,
    pub promised_delivery: NaiveDate,
    pub status: OrderStatus,
    /// When the status last changed (the moment it slipped, for at risk / delayed / back-ordered).
    pub status_changed_at: Option<NaiveDateTime>,
}

impl Order {
    /// Changes the status now, remembering when.
    pub fn set_status(&mut self, status: OrderStatus, now: NaiveDateTime) {
        if self.status != status {
            self.status = status;
            self.status_changed_at = Some(now);
        }
    }

    /// At risk, delayed or back-ordered.
    pub fn is_flagged_slipping(&self) -> bool {
        matches!(
            self.status,
            OrderStatus::AtRisk | OrderStatus::Delayed | OrderStatus::BackOrdered
        )
    }
}

/// An invoice and whether it was paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub invoice_ref: String,
    pub amount: Cents,
    pub due: NaiveDate,
    pub paid_on: Option<NaiveDate>,
}

impl Payment {
    /// Unpaid past its due date.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.paid_on.is_none() && today > self.due
    }
}

/// A request for the customer's satisfaction; the summary holds their comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Feedback {
    /// 1 (unhappy) to 5 (delighted), once they answered.
    pub rating: Option<u8>,
}

/// "Not today": the customer leaves the call-first list until the given date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snooze {
    pub until: NaiveDate,
}

/// What an entry is, with the fields of its kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EntryKind {
    Contact(Contact),
    Promise(Promise),
    BadNews(BadNews),
    Problem(Problem),
    Order(Order),
    Payment(Payment),
    Note,
    Feedback(Feedback),
    Snooze(Snooze),
}

impl EntryKind {
    /// The kind without its details.
    pub fn tag(&self) -> EntryKindTag {
        match self {
            Self::Contact(_) => EntryKindTag::Contact,
            Self::Promise(_) => EntryKindTag::Promise,
            Self::BadNews(_) => EntryKindTag::BadNews,
            Self::Problem(_) => EntryKindTag::Problem,
            Self::Order(_) => EntryKindTag::Order,
            Self::Payment(_) => EntryKindTag::Payment,
            Self::Note => EntryKindTag::Note,
            Self::Feedback(_) => EntryKindTag::Feedback,
            Self::Snooze(_) => EntryKindTag::Snooze,
        }
    }

    /// Still asks something of you: an open promise, an undelivered order, an open problem
    /// or an unpaid invoice.
    pub fn is_open(&self) -> bool {
        match self {
            Self::Promise(p) => p.status == PromiseStatus::Open,
            Self::Order(o) => o.status != OrderStatus::Delivered,
            Self::Problem(p) => p.status == ProblemStatus::Open,
            Self::Payment(p) => p.paid_on.is_none(),
            _ => false,
        }
    }

    /// The date something is due, for promises, orders and payments.
    pub fn due(&self) -> Option<NaiveDate> {
        match self {
            Self::Promise(p) => Some(p.due),
            Self::Order(o) => Some(o.promised_delivery),
            Self::Payment(p) => Some(p.due),
            _ => None,
        }
    }
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub id: EntryId,
    pub customer_id: CustomerId,
    /// When it happened, in local time.
    pub occurred_at: NaiveDateTime,
    pub summary: String,
    pub kind: EntryKind,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Set while the entry is in the trash.
    pub deleted_at: Option<NaiveDateTime>,
}

impl Entry {
    /// The editable part, to change and save back.
    pub fn to_draft(&self) -> EntryDraft {
        EntryDraft {
            customer_id: self.customer_id,
            occurred_at: self.occurred_at,
            summary: self.summary.clone(),
            kind: self.kind.clone(),
        }
    }
}

/// The largest entry text Candor stores ([`limits::MAX_TEXT_BYTES`]).
pub const MAX_SUMMARY_BYTES: usize = limits::MAX_TEXT_BYTES;

/// An entry to create, or the new content of an existing one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryDraft {
    pub customer_id: CustomerId,
    pub occurred_at: NaiveDateTime,
    pub summary: String,
    pub kind: EntryKind,
}

impl EntryDraft {
    /// Trims the text, checks every text field's length and characters ([`limits`]) and
    /// the rules of the entry's kind.
    pub fn validated(mut self) -> Result<Self, ValidationError> {
        self.summary = limits::clean_text("text", self.summary.trim())?;
        super::dates::check_range(self.occurred_at.date())?;
        let started = self.occurred_at.date();
        let needs_summary = |what: &str| -> Result<(), ValidationError> {
            if self.summary.is_empty() {
                Err(ValidationError::new(format!(
                    "Say {what}: the text field is empty."
                )))
            } else {
                Ok(())
            }
        };
        match &mut self.kind {
            EntryKind::Contact(contact) => {
                if contact.duration_mins.is_some_and(|m| m > 24 * 60) {
                    return Err(ValidationError::new(
                        "A contact lasts at most 24 hours (1440 minutes): check the duration.",
                    ));
                }
            }
            EntryKind::Promise(promise) => {
                needs_summary("what you promised")?;
                if promise.due < started {
                    return Err(ValidationError::new(format!(
                        "The due date {} is before the promise was made ({}): pick a date on or after it.",
                        format_date(promise.due),
                        format_date(started)
                    )));
                }
                if let Some(risk) = &mut promise.at_risk {
                    risk.reason = limits::clean_text("at-risk reason", risk.reason.trim())?;
                }
                for renegotiation in &mut promise.renegotiations {
                    renegotiation.note =
                        limits::clean_text("renegotiation note", renegotiation.note.trim())?;
                }
            }
            EntryKind::BadNews(_) => needs_summary("what bad news you delivered")?,
            EntryKind::Problem(problem) => {
                needs_summary("what the problem is")?;
                problem.owner = problem.owner.trim().to_owned();
                limits::check_line("problem owner", &problem.owner, limits::MAX_LABEL_CHARS)?;
                if problem.owner.is_empty() {
                    problem.owner = "me".to_owned();
                }
                if let ProblemStatus::Resolved { on, prevention, .. } = &mut problem.status {
                    *prevention = limits::clean_text("prevention note", prevention.trim())?;
                    if *on < started {
                        return Err(ValidationError::new(format!(
                            "The problem cannot be resolved on {}, before it was reported ({}).",
                            format_date(*on),
                            format_date(started)
                        )));
                    }
                }
            }
            EntryKind::Order(order) => {
                needs_summary("what was ordered")?;
                if order.promised_delivery < started {
                    return Err(ValidationError::new(format!(
                        "The promised delivery {} is before the order was placed ({}): pick a date on or after it.",
                        format_date(order.promised_delivery),
                        format_date(started)
                    )));
                }
            }
            EntryKind::Payment(payment) => {
                payment.invoice_ref = payment.invoice_ref.trim().to_owned();
                limits::check_line(
                    "invoice reference",
                    &payment.invoice_ref,
                    limits::MAX_LABEL_CHARS,
                )?;
                if payment.invoice_ref.is_empty() && self.summary.is_empty() {
                    return Err(ValidationError::new(
                        "Give the invoice a reference (or a description) so you can find it later.",
                    ));
                }
                if payment.amount.0 <= 0 {
                    return Err(ValidationError::new(
                        "An invoice needs an amount above zero.",
                    ));
                }
                if payment.paid_on.is_some_and(|paid| paid < started) {
                    return Err(ValidationError::new(
                        "The paid date is before the invoice was issued: check both dates.",
                    ));
                }
            }
            EntryKind::Note => needs_summary("what you want to remember")?,
            EntryKind::Feedback(feedback) => {
                if feedback.rating.is_some_and(|r| !(1..=5).contains(&r)) {
                    return Err(ValidationError::new(
                        "A satisfaction rating is from 1 (unhappy) to 5 (delighted).",
                    ));
                }
            }
            EntryKind::Snooze(snooze) => {
                if snooze.until <= started {
                    return Err(ValidationError::new("Snooze until a later day than today."));
                }
            }
        }
        Ok(self)
    }
}

/// When a callback became owed: the first inbound contact nobody answered since the last
/// contact that reached them. Contacts may come in any order.
///
/// A later contact that reached them (our call back, or their next call we picked up)
/// settles the debt.
pub fn callback_owed_since<'a>(
    contacts: impl IntoIterator<Item = (NaiveDateTime, &'a Contact)>,
) -> Option<NaiveDateTime> {
    let contacts: Vec<_> = contacts.into_iter().collect();
    let last_reached = contacts
        .iter()
        .filter(|(_, c)| c.reached())
        .map(|(at, _)| *at)
        .max();
    contacts
        .iter()
        .filter(|(at, c)| c.leaves_callback_owed() && last_reached.is_none_or(|r| *at > r))
        .map(|(at, _)| *at)
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    fn at(d: u32, h: u32) -> NaiveDateTime {
        day(d).and_hms_opt(h, 0, 0).unwrap()
    }

    fn contact(direction: Direction, outcome: Outcome) -> Contact {
        Contact {
            direction,
            outcome,
            ..Contact::default()
        }
    }

    #[test]
    fn codes_round_trip_and_labels_are_accepted_too() {
        for kind in EntryKindTag::ALL {
            assert_eq!(EntryKindTag::from_code(kind.code()), Some(*kind));
        }
        assert_eq!(Outcome::from_code("No answer"), Some(Outcome::NoAnswer));
        assert_eq!(Outcome::from_code("maybe"), None);
    }

    #[test]
    fn a_missed_inbound_call_is_owed_until_a_later_call_reaches_them() {
        let missed = contact(Direction::Inbound, Outcome::Voicemail);
        let missed_again = contact(Direction::Inbound, Outcome::NoAnswer);
        let our_call = contact(Direction::Outbound, Outcome::Reached);
        let our_voicemail = contact(Direction::Outbound, Outcome::Voicemail);

        assert_eq!(callback_owed_since([(at(3, 9), &missed)]), Some(at(3, 9)));
        assert_eq!(
            callback_owed_since([(at(3, 9), &missed), (at(4, 9), &missed_again)]),
            Some(at(3, 9)),
            "owed since the first call nobody answered"
        );
        assert_eq!(
            callback_owed_since([(at(3, 9), &missed), (at(3, 15), &our_voicemail)]),
            Some(at(3, 9)),
            "leaving them a voicemail does not settle it"
        );
        assert_eq!(
            callback_owed_since([(at(3, 15), &our_call), (at(3, 9), &missed)]),
            None
        );
        assert_eq!(
            callback_owed_since([(at(2, 9), &our_call), (at(3, 9), &missed)]),
            Some(at(3, 9)),
            "an earlier call does not answer a later one"
        );
    }

    #[test]
    fn a_promise_keeps_every_renegotiation_and_knows_if_it_was_told_in_time() {
        let mut promise = Promise::new(day(10), PromiseCategory::Delivery);
        promise.flag_at_risk(at(8, 10), "supplier late").unwrap();
        promise.renegotiate(day(14), day(9), "new truck").unwrap();
        assert!(promise.at_risk.is_none(), "a new date clears the risk flag");
        promise.renegotiate(day(20), day(16), "").unwrap();
        assert_eq!(promise.due, day(20));
        assert_eq!(promise.outcome_code(), "renegotiated");
        let told: Vec<_> = promise
            .renegotiations
            .iter()
            .map(|r| (r.from_due, r.to_due, r.told_before_due))
            .collect();
        assert_eq!(
            told,
            vec![(day(10), day(14), true), (day(14), day(20), false)]
        );
        promise.keep(day(19)).unwrap();
        assert_eq!(promise.outcome_code(), "kept");
        assert!(promise.renegotiate(day(25), day(19), "").is_err());
        assert!(promise.break_on(day(21)).is_err());
    }

    #[test]
    fn renegotiating_to_the_past_or_the_same_date_is_refused() {
        let mut promise = Promise::new(day(10), PromiseCategory::Fix);
        assert!(promise.renegotiate(day(10), day(5), "").is_err());
        assert!(promise.renegotiate(day(4), day(5), "").is_err());
        assert!(promise.renegotiations.is_empty());
    }

    #[test]
    fn drafts_refuse_due_dates_before_the_entry_and_bad_amounts() {
        let draft = |kind| EntryDraft {
            customer_id: CustomerId(1),
            occurred_at: at(10, 9),
            summary: "Parts".into(),
            kind,
        };
        let err = draft(EntryKind::Promise(Promise::new(
            day(9),
            PromiseCategory::Delivery,
        )))
        .validated()
        .unwrap_err();
        assert!(err.0.contains("before the promise was made"), "{err}");
        let err = draft(EntryKind::Payment(Payment {
            invoice_ref: "INV-1".into(),
            amount: Cents(0),
            due: day(20),
            paid_on: None,
        }))
        .validated()
        .unwrap_err();
        assert!(err.0.contains("amount"), "{err}");
        let err = draft(EntryKind::Feedback(Feedback { rating: Some(6) }))
            .validated()
            .unwrap_err();
        assert!(err.0.contains("1 (unhappy) to 5"), "{err}");
        let mut empty = draft(EntryKind::Note);
        empty.summary = "   ".into();
        assert!(empty.validated().unwrap_err().0.contains("empty"));
    }

    #[test]
    fn entry_texts_are_checked_for_length_and_control_characters() {
        let draft = |summary: &str, kind| EntryDraft {
            customer_id: CustomerId(1),
            occurred_at: at(10, 9),
            summary: summary.into(),
            kind,
        };
        let err = draft(&"x".repeat(10 << 20), EntryKind::Note)
            .validated()
            .unwrap_err();
        assert_eq!(
            err.0,
            "The text is 10,240 KB long; the limit is 100 KB: shorten it."
        );
        let err = draft("\u{0}=HYPERLINK(\"x\")", EntryKind::Note)
            .validated()
            .unwrap_err();
        assert!(
            err.0
                .starts_with("The text holds an invisible control character (U+0000"),
            "{err}"
        );
        let kept = draft("a\r\n\tb", EntryKind::Note).validated().unwrap();
        assert_eq!(kept.summary, "a\n\tb");
        let err = draft(
            "Invoice",
            EntryKind::Payment(Payment {
                invoice_ref: "INV\u{8}1".into(),
                amount: Cents(100),
                due: day(20),
                paid_on: None,
            }),
        )
        .validated()
        .unwrap_err();
        assert!(err.0.starts_with("The invoice reference holds"), "{err}");
        let err = draft(
            "Broken pump",
            EntryKind::Problem(Problem {
                owner: "o".repeat(201),
                status: ProblemStatus::Open,
            }),
        )
        .validated()
        .unwrap_err();
        assert!(
            err.0
                .starts_with("The problem owner is 201 characters long; the limit is 200"),
            "{err}"
        );
    }
}
