//! The selected customer: their details and record, quick-log buttons, and the timeline,
//! newest first, one virtualised row per entry so 10,000 entries scroll smoothly.

use chrono::NaiveDate;

use super::action::Action;
use super::commands::UiCommand;
use super::journal::Journal;
use crate::domain::dates::{days_between, format_date};
use crate::domain::rank::ReasonKind;
use crate::domain::{
    CustomerId, Entry, EntryId, EntryKind, EntryKindTag, MoneyFormat, OrderStatus, ProblemStatus,
    PromiseStatus,
};

/// The timeline's own state: the kind filter, the selected entry and the visible rows.
#[derive(Default)]
pub struct TimelineView {
    pub kinds: Vec<EntryKindTag>,
    pub selected_entry: Option<EntryId>,
    /// Put keyboard focus on the selected entry's row next frame.
    pub focus_selected: bool,
    /// Put keyboard focus on "Tell them now…" next frame (after "Mark broken").
    pub focus_tell_them: bool,
    /// Show the top (the newest entries) next frame.
    pub scroll_to_top: bool,
    rows: Vec<usize>,
    rows_valid: bool,
}

impl TimelineView {
    /// Forgets the visible rows (the timeline changed).
    pub fn invalidate(&mut self) {
        self.rows_valid = false;
    }
}

/// The icon and colour that mark an entry's kind.
fn kind_mark(kind: EntryKindTag) -> (&'static str, egui::Color32) {
    use egui::Color32;
    match kind {
        EntryKindTag::Contact => ("📞", Color32::from_rgb(70, 130, 200)),
        EntryKindTag::Promise => ("⏰", Color32::from_rgb(40, 150, 110)),
        EntryKindTag::BadNews => ("⚠", Color32::from_rgb(220, 120, 30)),
        EntryKindTag::Problem => ("🔧", Color32::from_rgb(200, 60, 60)),
        EntryKindTag::Order => ("📦", Color32::from_rgb(130, 100, 190)),
        EntryKindTag::Payment => ("💰", Color32::from_rgb(170, 140, 30)),
        EntryKindTag::Note => ("📝", Color32::from_rgb(120, 120, 120)),
        EntryKindTag::Feedback => ("⭐", Color32::from_rgb(200, 160, 0)),
        EntryKindTag::Snooze => ("💤", Color32::from_rgb(110, 110, 160)),
    }
}

/// A short status for the row ("due 2026-03-01", "kept", "overdue 12 d").
fn status_text(entry: &Entry, today: NaiveDate, money: MoneyFormat) -> String {
    match &entry.kind {
        EntryKind::Contact(c) => {
            let minutes = c
                .duration_mins
                .map(|m| format!(", {m} min"))
                .unwrap_or_default();
            format!(
                "{} {} — {}{minutes}",
                c.direction.label(),
                c.channel.label().to_lowercase(),
                c.outcome.label().to_lowercase()
            )
        }
        EntryKind::Promise(p) => {
            let history = match p.renegotiations.last() {
                None => String::new(),
                Some(last) => {
                    let times = match p.renegotiations.len() {
                        1 => String::new(),
                        n => format!(" ({n}×)"),
                    };
                    let told = match last.note.lines().next().unwrap_or_default().trim() {
                        "" => String::new(),
                        note => format!(", told: {note}"),
                    };
                    let agreed = if last.agreed {
                        "they agreed"
                    } else {
                        "not agreed yet"
                    };
                    format!(
                        ", moved from {}{times}{told} — {agreed}",
                        format_date(last.from_due)
                    )
                }
            };
            match p.status {
                PromiseStatus::Open if p.at_risk.is_some() => {
                    format!("AT RISK, due {}{history}", format_date(p.due))
                }
                PromiseStatus::Open if p.due < today => {
                    format!(
                        "OVERDUE {} d (due {}){history}",
                        days_between(p.due, today),
                        format_date(p.due)
                    )
                }
                PromiseStatus::Open => format!("due {}{history}", format_date(p.due)),
                PromiseStatus::Kept(on) => format!("KEPT {}{history}", format_date(on)),
                PromiseStatus::Broken(on) => format!("BROKEN {}{history}", format_date(on)),
            }
        }
        EntryKind::BadNews(b) => format!(
            "{} — {}",
            b.about.label(),
            if b.proactive {
                "we told them first"
            } else {
                "they had to ask"
            }
        ),
        EntryKind::Problem(p) => match &p.status {
            ProblemStatus::Open => format!("OPEN, owner {}", p.owner),
            ProblemStatus::Resolved { on, root_cause, .. } => {
                format!(
                    "resolved {} ({})",
                    format_date(*on),
                    root_cause.label().to_lowercase()
                )
            }
        },
        EntryKind::Order(o) => {
            let amount = o
                .amount
                .map(|a| format!("{}, ", money.format(a)))
                .unwrap_or_default();
            format!(
                "{amount}{} — delivery {}",
                o.status.label(),
                format_date(o.promised_delivery)
            )
        }
        EntryKind::Payment(p) => match p.paid_on {
            Some(paid) => format!(
                "{} {} — paid {}",
                p.invoice_ref,
                money.format(p.amount),
                format_date(paid)
            ),
            None if p.is_overdue(today) => format!(
                "OVERDUE {} d — {} {}",
                days_between(p.due, today),
                p.invoice_ref,
                money.format(p.amount)
            ),
            None => format!(
                "{} {} — due {}",
                p.invoice_ref,
                money.format(p.amount),
                format_date(p.due)
            ),
        },
        EntryKind::Note => String::new(),
        EntryKind::Feedback(f) => match f.rating {
            Some(r) => format!("{r} of 5"),
            None => "asked".to_owned(),
        },
        EntryKind::Snooze(s) => format!("until {}", format_date(s.until)),
    }
}

/// Draws the centre panel.
pub fn ui(
    ui: &mut egui::Ui,
    journal: &Journal,
    selected: Option<CustomerId>,
    view: &mut TimelineView,
    today: NaiveDate,
    actions: &mut Vec<Action>,
) {
    let Some(customer) = selected.and_then(|id| journal.customer(id)) else {
        ui.vertical_centered(|ui| {
            ui.add_space(80.0);
            ui.heading("Pick a customer on the left");
            ui.label("…or start with the first name in \"Call them first\" on the right.");
        });
        return;
    };
    let stats = journal.stats.get(&customer.id).cloned().unwrap_or_default();

    ui.horizontal(|ui| {
        // The buttons first (right-aligned) so a long name is cut to the space left,
        // never pushing them off or over each other; hovering shows the whole name.
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let (label, archive) = if customer.archived {
                ("Bring back", false)
            } else {
                ("Archive", true)
            };
            if ui.button(label).clicked() {
                actions.push(Action::SetArchived(customer.id, archive));
            }
            if ui
                .button("Merge into…")
                .on_hover_text("Two records of one customer? Merge this one into the other")
                .clicked()
            {
                actions.push(Action::MergeInto(customer.id));
            }
            if journal.is_team_manager
                && ui
                    .button("Hand over…")
                    .on_hover_text("Give this customer, with its whole history, to another rep")
                    .clicked()
            {
                actions.push(Action::HandOver(customer.id));
            }
            if ui.button(UiCommand::EditCustomer.label()).clicked() {
                actions.push(Action::Command(UiCommand::EditCustomer));
            }
            if journal.in_team && command_button(ui, UiCommand::ShowHistory).clicked() {
                actions.push(Action::Command(UiCommand::ShowHistory));
            }
            if customer.archived {
                ui.colored_label(ui.visuals().warn_fg_color, "archived");
            }
            ui.with_layout(egui::Layout::left_to_right(egui::Align::Center), |ui| {
                let title = if customer.company.is_empty() {
                    super::bidi::display(&customer.name).into_owned()
                } else {
                    format!(
                        "{} — {}",
                        super::bidi::display(&customer.name),
                        super::bidi::display(&customer.company)
                    )
                };
                ui.add(egui::Label::new(egui::RichText::new(title).heading()).truncate())
                    .on_hover_text(format!("{}\n{}", customer.name, customer.company));
            });
        });
    });
    if !customer.phone.is_empty() || !customer.email.is_empty() {
        ui.horizontal_wrapped(|ui| {
            if !customer.phone.is_empty() {
                let dial: String = customer
                    .phone
                    .chars()
                    .filter(|c| c.is_ascii_digit() || *c == '+')
                    .collect();
                let link = ui
                    .hyperlink_to(format!("📞 {}", customer.phone), format!("tel:{dial}"))
                    .on_hover_text("Call with your phone app; the call form opens for the notes");
                if link.clicked() {
                    // Back from the phone app, the notes go straight into the call form.
                    actions.push(Action::LogFor(customer.id, EntryKindTag::Contact));
                }
                if ui.small_button("Copy phone").clicked() {
                    ui.ctx().copy_text(customer.phone.clone());
                }
            }
            if !customer.email.is_empty() {
                ui.hyperlink_to(
                    format!("✉ {}", customer.email),
                    format!("mailto:{}", customer.email),
                );
                if ui.small_button("Copy email").clicked() {
                    ui.ctx().copy_text(customer.email.clone());
                }
            }
        });
    }
    let promises = stats.promises_kept + stats.promises_broken;
    let reached = match stats.last_reached_at {
        Some(at) => match days_between(at.date(), today) {
            0 => "reached today".to_owned(),
            1 => "reached yesterday".to_owned(),
            days => format!("{days} days since last reached"),
        },
        None => "never reached yet".to_owned(),
    };
    let tags = if customer.tags.is_empty() {
        String::new()
    } else {
        format!(" · {}", customer.tags.join(", "))
    };
    ui.label(format!(
        "Kept {} of {promises} promises, {} broken · {reached} · call every {} days{tags}",
        stats.promises_kept, stats.promises_broken, customer.cadence_days
    ));
    if !customer.notes.is_empty() {
        let first_line = customer.notes.lines().next().unwrap_or_default();
        ui.add(
            egui::Label::new(egui::RichText::new(super::bidi::display(first_line)).weak())
                .truncate(),
        )
        .on_hover_text(&customer.notes);
    }

    ui.add_space(4.0);
    ui.horizontal_wrapped(|ui| {
        for command in UiCommand::ALL.iter().filter(|c| c.entry_kind().is_some()) {
            let hover = format!(
                "{} ({})",
                command.tooltip(),
                command.shortcut_text(ui.ctx())
            );
            if ui.button(command.label()).on_hover_text(hover).clicked() {
                actions.push(Action::Command(*command));
            }
        }
    });
    announcements_to_tell_ui(ui, journal, customer.id, actions);
    ownership_ui(ui, journal);
    ui.separator();

    ui.horizontal_wrapped(|ui| {
        ui.label("Show:");
        let all = view.kinds.is_empty();
        if ui.selectable_label(all, "All kinds").clicked() {
            view.kinds.clear();
            view.rows_valid = false;
        }
        for kind in EntryKindTag::ALL {
            let on = view.kinds.contains(kind);
            if ui.selectable_label(on, kind.label()).clicked() {
                if on {
                    view.kinds.retain(|k| k != kind);
                } else {
                    view.kinds.push(*kind);
                }
                view.rows_valid = false;
            }
        }
    });
    if !view.rows_valid {
        view.rows = journal.timeline_indexes(&view.kinds);
        view.rows_valid = true;
    }

    let unexplained: Vec<EntryId> = journal
        .ranking
        .iter()
        .filter(|r| r.customer_id == customer.id)
        .flat_map(|r| r.reasons.iter())
        .filter(|r| r.kind == ReasonKind::BrokenUnexplained)
        .filter_map(|r| r.entry_id)
        .collect();
    // The bar keeps its height whether or not an entry is selected, so selecting a row
    // never moves the rows under the pointer.
    ui.horizontal_wrapped(|ui| {
        ui.set_min_height(ui.spacing().interact_size.y);
        match view
            .selected_entry
            .and_then(|id| journal.timeline.iter().find(|e| e.id == id))
        {
            Some(entry) => selected_entry_actions_ui(ui, entry, &unexplained, view, today, actions),
            None => {
                ui.weak("Select an entry (click it, or ↑/↓ on the timeline) to act on it.");
            }
        }
    });

    ui.weak(match view.rows.len() {
        1 => "1 entry".to_owned(),
        n => format!("{n} entries"),
    });
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 8.0;
    let focus_selected = std::mem::take(&mut view.focus_selected);
    let mut step: Option<isize> = None;
    let mut scroll = egui::ScrollArea::vertical().auto_shrink([false, false]);
    if std::mem::take(&mut view.scroll_to_top) {
        // Another customer opens on their newest entries, not at the last one's position.
        scroll = scroll.vertical_scroll_offset(0.0);
    }
    scroll.show_rows(ui, row_height, view.rows.len(), |ui, range| {
        for &index in &view.rows[range] {
            let Some(entry) = journal.timeline.get(index) else {
                continue;
            };
            let is_selected = view.selected_entry == Some(entry.id);
            let author = journal.timeline_authors.get(&entry.id).map(String::as_str);
            let response = entry_row_ui(
                ui,
                entry,
                author,
                is_selected,
                today,
                journal.money,
                row_height,
                actions,
            );
            if is_selected && focus_selected {
                response.request_focus();
                response.scroll_to_me(None);
            }
            if response.has_focus() {
                // The row takes ↑/↓ for itself: they move the selection, not egui's focus.
                super::widgets::arrow_keys(ui, response.id, &mut step);
                if !is_selected {
                    // Tab reached this row: the keyboard selects what it stands on.
                    actions.push(Action::SelectEntry(Some(entry.id)));
                }
            }
        }
    });
    if let Some(step) = step {
        let position = view
            .selected_entry
            .and_then(|id| {
                view.rows
                    .iter()
                    .position(|&i| journal.timeline.get(i).is_some_and(|e| e.id == id))
            })
            .unwrap_or(0);
        let next = position
            .saturating_add_signed(step)
            .min(view.rows.len().saturating_sub(1));
        if let Some(entry) = view.rows.get(next).and_then(|&i| journal.timeline.get(i)) {
            actions.push(Action::SelectEntry(Some(entry.id)));
            view.focus_selected = true;
        }
    }
}

/// Whose customer this is, when the team says it is not (only) ours: a copy handed over
/// to someone else is read-only, and says so before anyone tries to log a call.
fn ownership_ui(ui: &mut egui::Ui, journal: &Journal) {
    let ownership = &journal.ownership;
    if ownership.read_only {
        let owner = ownership.owner.as_deref().unwrap_or("another rep");
        let when = match &ownership.handed_over {
            Some((_, at)) => format!(" on {}", at.format("%-d %B %Y")),
            None => String::new(),
        };
        let why = if ownership.handed_over.is_some() {
            format!("Handed over to {owner}{when}")
        } else {
            format!("{owner}'s customer")
        };
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!(
                "🔒 {why}: this copy is read-only. Ask {owner} to log calls and problems, or your manager to share the customer with you."
            ),
        );
    } else if let Some((from, at)) = &ownership.handed_over {
        ui.weak(format!(
            "Yours since {}: taken over from {from}",
            at.format("%-d %B %Y")
        ));
    }
}

#[allow(clippy::too_many_arguments)]
fn entry_row_ui(
    ui: &mut egui::Ui,
    entry: &Entry,
    author: Option<&str>,
    is_selected: bool,
    today: NaiveDate,
    money: MoneyFormat,
    row_height: f32,
    actions: &mut Vec<Action>,
) -> egui::Response {
    let (icon, color) = kind_mark(entry.kind.tag());
    let summary = entry.summary.lines().next().unwrap_or_default();
    let status = status_text(entry, today, money);
    let style = ui.style();
    let mut job = egui::text::LayoutJob::default();
    let body = egui::TextStyle::Body.resolve(style);
    job.append(
        &format!("{icon} "),
        0.0,
        egui::TextFormat::simple(body.clone(), color),
    );
    job.append(
        &format!("{}  ", entry.occurred_at.format("%Y-%m-%d %H:%M")),
        0.0,
        egui::TextFormat::simple(body.clone(), style.visuals.weak_text_color()),
    );
    job.append(
        &format!("{}  ", entry.kind.tag().label()),
        0.0,
        egui::TextFormat::simple(body.clone(), color),
    );
    job.append(
        &super::bidi::display(summary),
        0.0,
        egui::TextFormat::simple(body.clone(), style.visuals.strong_text_color()),
    );
    if let Some(author) = author {
        // Written by someone else of the team: whoever heard about it owns it.
        job.append(
            &format!("  by {author}"),
            0.0,
            egui::TextFormat::simple(body.clone(), style.visuals.weak_text_color()),
        );
    }
    if !status.is_empty() {
        // Status words carry an icon as well as a colour, never colour alone.
        let (icon, color) = super::widgets::status_mark(&status, style.visuals.dark_mode)
            .unwrap_or(("", style.visuals.text_color()));
        let text = if icon.is_empty() {
            format!("   {status}")
        } else {
            format!("   {icon} {status}")
        };
        job.append(&text, 0.0, egui::TextFormat::simple(body, color));
    }
    let response = ui.add(
        egui::Button::selectable(is_selected, job)
            .wrap_mode(egui::TextWrapMode::Truncate)
            .min_size(egui::vec2(ui.available_width(), row_height - 2.0)),
    );
    if response.clicked() {
        // Keyboard focus follows the click, so ↑/↓ and the item shortcuts go on from here.
        response.request_focus();
        actions.push(Action::SelectEntry(Some(entry.id)));
    }
    if response.double_clicked() {
        actions.push(Action::EditEntry(entry.id));
    }
    if entry.summary.is_empty() {
        response
    } else {
        response.on_hover_text(&entry.summary)
    }
}

/// One button per announcement this customer has not been told about yet.
fn announcements_to_tell_ui(
    ui: &mut egui::Ui,
    journal: &Journal,
    customer: CustomerId,
    actions: &mut Vec<Action>,
) {
    let pending: Vec<_> = journal.not_told_announcements(customer).collect();
    if pending.is_empty() {
        return;
    }
    ui.horizontal_wrapped(|ui| {
        ui.label("Not told yet:");
        for progress in pending {
            let a = &progress.announcement;
            if ui
                .button(format!("Tell about \"{}\"…", a.title))
                .on_hover_text(format!(
                    "{}, {} — record that you told them, and how they took it",
                    a.kind.label(),
                    progress.days_left_text()
                ))
                .clicked()
            {
                actions.push(Action::TellAbout(customer, a.id));
            }
        }
    });
}

/// The buttons for the selected entry: what can be done with it now.
/// A button for a command, its shortcut in the tooltip.
fn command_button(ui: &mut egui::Ui, command: UiCommand) -> egui::Response {
    ui.button(command.label()).on_hover_text(format!(
        "{} ({})",
        command.tooltip(),
        command.shortcut_text(ui.ctx())
    ))
}

fn selected_entry_actions_ui(
    ui: &mut egui::Ui,
    entry: &Entry,
    unexplained: &[EntryId],
    view: &mut TimelineView,
    today: NaiveDate,
    actions: &mut Vec<Action>,
) {
    ui.label(format!(
        "Selected {}:",
        entry.kind.tag().label().to_lowercase()
    ));
    let id = entry.id;
    match &entry.kind {
        EntryKind::Promise(p) if p.status == PromiseStatus::Open => {
            if command_button(ui, UiCommand::MarkKept).clicked() {
                actions.push(Action::PromiseKept(id));
            }
            if command_button(ui, UiCommand::MarkBroken).clicked() {
                actions.push(Action::PromiseBroken(id));
            }
            if command_button(ui, UiCommand::Renegotiate).clicked() {
                actions.push(Action::Renegotiate(id));
            }
            if p.at_risk.is_none() && command_button(ui, UiCommand::FlagAtRisk).clicked() {
                actions.push(Action::FlagAtRisk(id));
            }
            let slipping = p.at_risk.is_some() || p.due < today;
            if slipping && command_button(ui, UiCommand::TellThemNow).clicked() {
                actions.push(Action::TellThemNow(id));
            }
        }
        EntryKind::Promise(p)
            if matches!(p.status, PromiseStatus::Broken(_)) && unexplained.contains(&id) =>
        {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                "⚠ Broken and not explained yet:",
            );
            let tell = command_button(ui, UiCommand::TellThemNow);
            if std::mem::take(&mut view.focus_tell_them) {
                tell.request_focus();
                view.focus_selected = false;
            }
            if tell.clicked() {
                actions.push(Action::TellThemNow(id));
            }
        }
        EntryKind::Problem(p)
            if p.status == ProblemStatus::Open
                && command_button(ui, UiCommand::ResolveProblem).clicked() =>
        {
            actions.push(Action::ResolveProblem(id));
        }
        EntryKind::Payment(p)
            if p.paid_on.is_none() && command_button(ui, UiCommand::MarkPaid).clicked() =>
        {
            actions.push(Action::MarkPaid(id));
        }
        EntryKind::Order(o) if o.status != OrderStatus::Delivered => {
            for status in OrderStatus::ALL.iter().filter(|s| **s != o.status) {
                if ui.button(status.label()).clicked() {
                    actions.push(Action::SetOrderStatus(id, *status));
                }
            }
            if o.is_flagged_slipping() && command_button(ui, UiCommand::TellThemNow).clicked() {
                actions.push(Action::TellThemNow(id));
            }
        }
        _ => {}
    }
    // Whatever was offered above, a later "focus Tell them now" must not linger.
    view.focus_tell_them = false;
    if ui.button("Edit…").clicked() {
        actions.push(Action::EditEntry(id));
    }
    // Delete sits apart, last, and never takes focus by itself: it only moves to the trash
    // (Undo brings it back).
    ui.separator();
    if ui
        .button("Delete")
        .on_hover_text("Move to the trash (Undo brings it back)")
        .clicked()
    {
        actions.push(Action::DeleteEntry(id));
    }
}
