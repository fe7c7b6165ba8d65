//! The actions on one timeline entry (kept, broken, renegotiate, at risk, resolve, paid,
//! tell them now), reached from the keyboard: each acts on the selected entry, or — when
//! none of the right kind is selected — on the customer's only candidate, so the common
//! case takes one chord and an ambiguous one never guesses.

use super::action::Action;
use super::candor_app::{CandorApp, ErrorTopic};
use super::commands::UiCommand;
use super::entry_form::{EntryForm, RelatedChoice};
use crate::domain::dates::format_date;
use crate::domain::rank::ReasonKind;
use crate::domain::{
    BadNewsKind, Entry, EntryId, EntryKind, EntryKindTag, OrderStatus, ProblemStatus,
    PromiseCategory, PromiseStatus,
};

/// Whether `command` can act on `entry` as it stands.
fn fits(command: UiCommand, entry: &Entry, unexplained: &dyn Fn(EntryId) -> bool) -> bool {
    match (&entry.kind, command) {
        (EntryKind::Promise(p), UiCommand::MarkKept | UiCommand::MarkBroken)
        | (EntryKind::Promise(p), UiCommand::Renegotiate) => p.status == PromiseStatus::Open,
        (EntryKind::Promise(p), UiCommand::FlagAtRisk) => {
            p.status == PromiseStatus::Open && p.at_risk.is_none()
        }
        (EntryKind::Order(o), UiCommand::MarkKept) => o.status != OrderStatus::Delivered,
        (EntryKind::Order(o), UiCommand::FlagAtRisk) => {
            o.status != OrderStatus::Delivered && !o.is_flagged_slipping()
        }
        (EntryKind::Problem(p), UiCommand::ResolveProblem) => p.status == ProblemStatus::Open,
        (EntryKind::Payment(p), UiCommand::MarkPaid) => p.paid_on.is_none(),
        _ => {
            let _ = unexplained;
            false
        }
    }
}

/// An item bad news can be about, if `entry` is one: a slipping or overdue promise or
/// order, or a broken promise nobody explained. The flag says whether its due day is past.
fn tell_candidate(
    entry: &Entry,
    today: chrono::NaiveDate,
    unexplained: &dyn Fn(EntryId) -> bool,
) -> Option<bool> {
    match &entry.kind {
        EntryKind::Promise(p) => match p.status {
            PromiseStatus::Open if p.at_risk.is_some() || p.due < today => Some(p.due < today),
            PromiseStatus::Broken(_) if unexplained(entry.id) => Some(true),
            _ => None,
        },
        EntryKind::Order(o)
            if o.status != OrderStatus::Delivered
                && (o.is_flagged_slipping() || o.promised_delivery < today) =>
        {
            Some(o.promised_delivery < today)
        }
        _ => None,
    }
}

/// A short name for an item in a choice list and a notice.
fn item_label(entry: &Entry) -> String {
    const MAX_CHARS: usize = 40;
    let line = entry.summary.lines().next().unwrap_or_default().trim();
    let what = if line.chars().count() > MAX_CHARS {
        let cut: String = line.chars().take(MAX_CHARS - 1).collect();
        format!("{}…", cut.trim_end())
    } else {
        line.to_owned()
    };
    match entry.kind.due() {
        Some(due) => format!("{what} (due {})", format_date(due)),
        None => what,
    }
}

impl CandorApp {
    /// The promises whose ranking says "broken, not explained", for the selected customer.
    fn unexplained_broken(&self) -> Vec<EntryId> {
        let Some(journal) = self.journal.as_ref() else {
            return Vec::new();
        };
        journal
            .ranking
            .iter()
            .filter(|r| Some(r.customer_id) == self.selected)
            .flat_map(|r| r.reasons.iter())
            .filter(|reason| reason.kind == ReasonKind::BrokenUnexplained)
            .filter_map(|reason| reason.entry_id)
            .collect()
    }

    /// Runs a command that acts on one timeline entry.
    pub(super) fn run_entry_command(&mut self, command: UiCommand) {
        let Some(customer) = self.selected else {
            self.fail_about(
                ErrorTopic::Hint,
                "Select a customer first, then pick the item on their timeline.",
            );
            return;
        };
        let today = self.today();
        let unexplained_ids = self.unexplained_broken();
        let unexplained = |id: EntryId| unexplained_ids.contains(&id);
        let fits_now = |entry: &Entry| match command {
            UiCommand::TellThemNow => tell_candidate(entry, today, &unexplained).is_some(),
            _ => fits(command, entry, &unexplained),
        };
        let Some(journal) = self.journal.as_ref() else {
            return;
        };
        let selected = self
            .timeline
            .selected_entry
            .and_then(|id| journal.timeline.iter().find(|e| e.id == id))
            .filter(|e| fits_now(e));
        let target = match selected {
            Some(entry) => entry.id,
            None => {
                let mut candidates: Vec<&Entry> =
                    journal.timeline.iter().filter(|e| fits_now(e)).collect();
                candidates.sort_by_key(|e| (e.kind.due(), e.id));
                match candidates.as_slice() {
                    [] => {
                        let name = self.customer_name(customer);
                        self.fail_about(
                            ErrorTopic::Hint,
                            format!(
                                "{name} has nothing that \"{}\" applies to.",
                                command.label().trim_end_matches('…')
                            ),
                        );
                        return;
                    }
                    [only] => only.id,
                    [first, ..] => {
                        let (id, label) = (first.id, item_label(first));
                        let shortcut = command.shortcut_text_plain();
                        self.timeline.selected_entry = Some(id);
                        self.timeline.focus_selected = true;
                        self.say(format!(
                            "Selected \"{label}\": press {shortcut} again for \"{}\", or pick another item with ↑/↓.",
                            command.label().trim_end_matches('…')
                        ));
                        return;
                    }
                }
            }
        };
        self.timeline.selected_entry = Some(target);
        self.actions.push(match command {
            UiCommand::MarkKept => {
                let is_order = journal
                    .timeline
                    .iter()
                    .any(|e| e.id == target && e.kind.tag() == EntryKindTag::Order);
                if is_order {
                    Action::SetOrderStatus(target, OrderStatus::Delivered)
                } else {
                    Action::PromiseKept(target)
                }
            }
            UiCommand::MarkBroken => Action::PromiseBroken(target),
            UiCommand::Renegotiate => Action::Renegotiate(target),
            UiCommand::FlagAtRisk => {
                let is_order = journal
                    .timeline
                    .iter()
                    .any(|e| e.id == target && e.kind.tag() == EntryKindTag::Order);
                if is_order {
                    Action::SetOrderStatus(target, OrderStatus::AtRisk)
                } else {
                    Action::FlagAtRisk(target)
                }
            }
            UiCommand::ResolveProblem => Action::ResolveProblem(target),
            UiCommand::MarkPaid => Action::MarkPaid(target),
            _ => Action::TellThemNow(target),
        });
    }

    /// The selected customer's slips and broken promises nobody told them about, as the
    /// ranking sees them.
    pub(super) fn untold_items(&self) -> Vec<RelatedChoice> {
        let (Some(customer), Some(journal)) = (self.selected, self.journal.as_ref()) else {
            return Vec::new();
        };
        let today = self.today();
        let untold: Vec<EntryId> = journal
            .ranking
            .iter()
            .filter(|r| r.customer_id == customer)
            .flat_map(|r| r.reasons.iter())
            .filter(|r| {
                matches!(
                    r.kind,
                    ReasonKind::SlippingUntold | ReasonKind::BrokenUnexplained
                )
            })
            .filter_map(|r| r.entry_id)
            .collect();
        journal
            .timeline
            .iter()
            .filter(|e| untold.contains(&e.id))
            .map(|e| RelatedChoice {
                id: e.id,
                label: format!("\"{}\"", item_label(e)),
                past_due: e.kind.due().is_some_and(|d| d < today)
                    || matches!(&e.kind, EntryKind::Promise(p) if matches!(p.status, PromiseStatus::Broken(_))),
            })
            .collect()
    }

    /// The bad-news form for the selected customer: it asks which slipping or broken item
    /// the news is about, with `about` (or the likeliest one) chosen, and "we told them
    /// first" unticked when that item's due day has already passed.
    pub(super) fn bad_news_form(&self, about: Option<EntryId>, prefill: bool) -> Option<EntryForm> {
        let customer = self.selected?;
        let journal = self.journal.as_ref()?;
        let today = self.today();
        let unexplained_ids = self.unexplained_broken();
        let unexplained = |id: EntryId| unexplained_ids.contains(&id);
        let mut choices: Vec<(RelatedChoice, u8)> = journal
            .timeline
            .iter()
            .filter_map(|entry| {
                let past_due = tell_candidate(entry, today, &unexplained)?;
                // Likeliest first: a broken promise, then overdue, then flagged.
                let rank = match &entry.kind {
                    EntryKind::Promise(p) if matches!(p.status, PromiseStatus::Broken(_)) => 0,
                    _ if past_due => 1,
                    _ => 2,
                };
                Some((
                    RelatedChoice {
                        id: entry.id,
                        label: item_label(entry),
                        past_due,
                    },
                    rank,
                ))
            })
            .collect();
        choices.sort_by_key(|(choice, rank)| (*rank, choice.id));
        let choices: Vec<RelatedChoice> = choices.into_iter().map(|(c, _)| c).collect();
        let mut form = EntryForm::new(
            EntryKindTag::BadNews,
            customer,
            &self.customer_name(customer),
        );
        let chosen = about
            .filter(|id| choices.iter().any(|c| c.id == *id))
            .or_else(|| {
                self.timeline
                    .selected_entry
                    .filter(|id| choices.iter().any(|c| c.id == *id))
            })
            .or_else(|| choices.first().map(|c| c.id));
        form.related_choices = choices;
        form.choose_related(chosen);
        if prefill
            && let Some(entry) = chosen.and_then(|id| journal.timeline.iter().find(|e| e.id == id))
        {
            let what = entry.summary.lines().next().unwrap_or_default().trim();
            let due = entry.kind.due().map(format_date).unwrap_or_default();
            let late = entry.kind.due().is_some_and(|d| d < today);
            form.summary = match &entry.kind {
                EntryKind::Order(_) if late => {
                    format!("Your order \"{what}\" was due {due} and has not arrived yet. ")
                }
                EntryKind::Order(_) => {
                    format!("Your order \"{what}\" will not arrive on {due} as planned. ")
                }
                EntryKind::Promise(p) if matches!(p.status, PromiseStatus::Broken(_)) => {
                    format!("I could not keep my promise \"{what}\" (due {due}). ")
                }
                _ if late => format!("My promise \"{what}\" was due {due} and is late. "),
                _ => format!("My promise \"{what}\" (due {due}) will slip. "),
            };
            if let EntryKind::Promise(p) = &entry.kind {
                form.about = match p.category {
                    PromiseCategory::Delivery => BadNewsKind::Delay,
                    _ => BadNewsKind::OurMistake,
                };
            }
        }
        Some(form)
    }
}
