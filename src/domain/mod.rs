//! The journal's vocabulary in plain Rust: customers, timeline entries, typed dates and
//! amounts, and the "Call them first" ranking. Nothing here knows SQL or egui.

pub mod announcement;
pub mod customer;
pub mod dates;
pub mod entry;
pub mod history;
pub mod hlc;
pub mod insights;
pub mod limits;
pub mod money;
pub mod money_format;
pub mod rank;
pub mod reminders;

pub use customer::{Customer, CustomerDraft, CustomerId, DEFAULT_CADENCE_DAYS};
pub use entry::{
    BadNews, BadNewsKind, Channel, Contact, Direction, Entry, EntryDraft, EntryId, EntryKind,
    EntryKindTag, Feedback, Order, OrderStatus, Outcome, Payment, Problem, ProblemStatus, Promise,
    PromiseCategory, PromiseStatus, Renegotiation, RootCause, Snooze,
};
pub use money::Cents;
pub use money_format::{Currency, MoneyFormat, NumberLocale};

/// A value a person typed that Candor cannot accept, with one sentence saying what is wrong
/// and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValidationError(pub String);

impl ValidationError {
    /// Builds the error from its user-facing sentence.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}
