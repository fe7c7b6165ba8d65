//! Changes that lost: when two people (or two devices of one rep) change the same field
//! before syncing, the later change wins and the other value is kept, shown in plain words
//! ("Phone: 555-0100 by maria on 3 Dec 2026 10:02 — replaced by 555-0199 (later change by
//! jon)").

use chrono::{NaiveDateTime, TimeZone as _};

use super::EntryKindTag;
use super::hlc::HlcStamp;

/// What the changed field belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangedThing {
    /// The customer's own details (phone, email…).
    Customer,
    /// One of the customer's timeline entries: its kind code and summary.
    Entry {
        /// The entry's kind as stored (`promise`, `contact`…).
        kind: String,
        /// The entry's summary.
        summary: String,
    },
}

impl ChangedThing {
    /// "Customer details" or `Promise "Send the quote"`.
    pub fn describe(&self) -> String {
        match self {
            Self::Customer => "Customer details".to_owned(),
            Self::Entry { kind, summary } => {
                let kind = EntryKindTag::from_code(kind).map_or("Entry", EntryKindTag::label);
                let first_line = summary.lines().next().unwrap_or_default();
                format!("{kind} \"{first_line}\"")
            }
        }
    }
}

/// One value that lost to a later change of the same field.
#[derive(Debug, Clone, PartialEq)]
pub struct LostChange {
    /// What the field belongs to.
    pub thing: ChangedThing,
    /// The field as stored (`phone`, `status`…).
    pub field: String,
    /// The losing value, as JSON (`"555-0100"`, `null`, `3`).
    pub lost_value: String,
    /// Who made the losing change (their login; empty when unknown).
    pub lost_by: String,
    /// The losing change's hybrid-clock stamp.
    pub lost_stamp: String,
    /// The value that won, as JSON; `None` when it was itself changed again since, without
    /// a conflict, so this journal no longer holds it.
    pub won_value: Option<String>,
    /// Who made the winning change (their login; empty when unknown).
    pub won_by: String,
    /// The winning change's hybrid-clock stamp.
    pub won_stamp: String,
}

impl LostChange {
    /// The field's name in plain words ("Phone", "Due date").
    pub fn field_label(&self) -> String {
        field_label(&self.field)
    }

    /// The losing value as a person reads it.
    pub fn lost_text(&self) -> String {
        value_text(&self.lost_value)
    }

    /// The winning value as a person reads it, when known.
    pub fn won_text(&self) -> Option<String> {
        self.won_value.as_deref().map(value_text)
    }

    /// When the losing change was made, in this computer's time zone.
    pub fn lost_at(&self) -> Option<NaiveDateTime> {
        local_time(&self.lost_stamp)
    }

    /// When the winning change was made, in this computer's time zone.
    pub fn won_at(&self) -> Option<NaiveDateTime> {
        local_time(&self.won_stamp)
    }

    /// The whole story in one line: "Phone: 555-0100 by maria on 3 Dec 2026 10:02 —
    /// replaced by 555-0199 (later change by jon)".
    pub fn sentence(&self) -> String {
        let mut line = format!("{}: {}", self.field_label(), self.lost_text());
        line.push_str(&format!(" by {}", who(&self.lost_by)));
        if let Some(at) = self.lost_at() {
            line.push_str(&format!(" on {}", when_text(at)));
        }
        let later = format!("later change by {}", who(&self.won_by));
        match self.won_text() {
            Some(won) => line.push_str(&format!(" — replaced by {won} ({later})")),
            None => line.push_str(&format!(
                " — replaced by a {later} (since changed again; the current value is shown on the customer)"
            )),
        }
        line
    }
}

/// The changes grouped by what they belong to: the customer's details first, then each
/// entry in the order its first change appears.
pub fn grouped(changes: &[LostChange]) -> Vec<(&ChangedThing, Vec<&LostChange>)> {
    let mut groups: Vec<(&ChangedThing, Vec<&LostChange>)> = Vec::new();
    for change in changes {
        match groups.iter_mut().find(|(thing, _)| **thing == change.thing) {
            Some((_, list)) => list.push(change),
            None => groups.push((&change.thing, vec![change])),
        }
    }
    groups.sort_by_key(|(thing, _)| !matches!(thing, ChangedThing::Customer));
    groups
}

/// "someone" for an author this journal does not know.
fn who(login: &str) -> &str {
    if login.is_empty() { "someone" } else { login }
}

/// "3 Dec 2026 10:02".
pub fn when_text(at: NaiveDateTime) -> String {
    at.format("%-d %b %Y %H:%M").to_string()
}

/// The wall time of a hybrid-clock stamp in this computer's time zone.
pub fn local_time(stamp: &str) -> Option<NaiveDateTime> {
    let stamp = HlcStamp::parse(stamp)?;
    chrono::Local
        .timestamp_millis_opt(stamp.wall_ms)
        .single()
        .map(|at| at.naive_local())
}

/// A stored field name in plain words.
pub fn field_label(field: &str) -> String {
    let known = match field {
        "name" => "Name",
        "company" => "Company",
        "phone" => "Phone",
        "email" => "Email",
        "notes" => "Notes",
        "tags" => "Tags",
        "cadence_days" => "Call every (days)",
        "archived" => "Archived",
        "deleted_at" => "Deleted on",
        "occurred_at" => "When",
        "summary" => "Summary",
        "status" => "Status",
        "due_date" => "Due date",
        "closed_on" => "Closed on",
        "at_risk_since" => "At risk since",
        "risk_reason" => "Why at risk",
        "owner" => "Owner",
        "root_cause" => "Cause",
        "prevention" => "Prevention",
        "amount_cents" => "Amount (cents)",
        "invoice_ref" => "Invoice",
        "snooze_until" => "Snoozed until",
        "duration_mins" => "Duration (minutes)",
        other => {
            let mut words = other.replace('_', " ");
            if let Some(first) = words.get(..1) {
                let upper = first.to_uppercase();
                words.replace_range(..1, &upper);
            }
            return words;
        }
    };
    known.to_owned()
}

/// A JSON value as a person reads it: text without quotes, "(empty)" for nothing.
pub fn value_text(json: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(serde_json::Value::Null) => "(empty)".to_owned(),
        Ok(serde_json::Value::String(text)) if text.is_empty() => "(empty)".to_owned(),
        Ok(serde_json::Value::String(text)) => text,
        Ok(other) => other.to_string(),
        Err(_) => json.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone_change(won_value: Option<&str>) -> LostChange {
        LostChange {
            thing: ChangedThing::Customer,
            field: "phone".into(),
            lost_value: "\"555-0100\"".into(),
            lost_by: "maria".into(),
            lost_stamp: "001795000000000-000000-dev-a".into(),
            won_value: won_value.map(str::to_owned),
            won_by: "jon".into(),
            won_stamp: "001795000060000-000000-dev-b".into(),
        }
    }

    #[test]
    fn a_lost_phone_reads_as_a_sentence_with_who_when_and_what_won() {
        let change = phone_change(Some("\"555-0199\""));
        let at = when_text(change.lost_at().unwrap());
        assert_eq!(
            change.sentence(),
            format!(
                "Phone: 555-0100 by maria on {at} — replaced by 555-0199 (later change by jon)"
            )
        );
    }

    #[test]
    fn a_winner_changed_again_since_and_unknown_authors_still_read_plainly() {
        let mut change = phone_change(None);
        change.lost_by.clear();
        let sentence = change.sentence();
        assert!(sentence.starts_with("Phone: 555-0100 by someone on "));
        assert!(sentence.contains("replaced by a later change by jon (since changed again"));
        assert_eq!(value_text("null"), "(empty)");
        assert_eq!(value_text("\"\""), "(empty)");
        assert_eq!(value_text("3"), "3");
        assert_eq!(field_label("due_date"), "Due date");
        assert_eq!(field_label("is_open"), "Is open");
    }

    #[test]
    fn an_entry_is_named_by_its_kind_and_first_line() {
        let thing = ChangedThing::Entry {
            kind: "promise".into(),
            summary: "Send the quote\nwith the discount".into(),
        };
        assert_eq!(thing.describe(), "Promise \"Send the quote\"");
    }
}
