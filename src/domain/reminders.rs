//! What is due and when: the items a salesperson must not forget (open promises, orders
//! due, invoices due, callbacks owed, snoozed customers coming back), the Today agenda that
//! groups them, and which desktop reminders are due at a given moment. Plain functions of
//! their inputs: "now" and "today" always come in as parameters.

use std::collections::HashSet;

use chrono::{Days, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

use super::customer::CustomerId;
use super::entry::{EntryId, PromiseCategory};
use super::money::Cents;

/// What kind of thing is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DueKind {
    /// Something you said you would do.
    Promise(PromiseCategory),
    /// An order's promised delivery.
    Order,
    /// An invoice the customer should pay.
    Invoice { invoice_ref: String, amount: Cents },
    /// They called or wrote and nobody got back to them.
    CallbackOwed,
    /// A snoozed customer returns to the "Call them first" list.
    SnoozeEnds,
}

impl DueKind {
    /// A stable code, part of calendar UIDs: never change one.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Promise(_) => "promise",
            Self::Order => "order",
            Self::Invoice { .. } => "invoice",
            Self::CallbackOwed => "callback",
            Self::SnoozeEnds => "snooze",
        }
    }

    /// The sentence-case word shown in the agenda and calendars.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Promise(_) => "Promise",
            Self::Order => "Order due",
            Self::Invoice { .. } => "Invoice due",
            Self::CallbackOwed => "Call back",
            Self::SnoozeEnds => "Snooze ends",
        }
    }
}

/// How a due item was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClosedHow {
    Kept,
    Broken,
    Delivered,
    Paid,
}

impl ClosedHow {
    /// The word for people ("kept").
    pub fn label(self) -> &'static str {
        match self {
            Self::Kept => "kept",
            Self::Broken => "broken",
            Self::Delivered => "delivered",
            Self::Paid => "paid",
        }
    }
}

/// One thing due on a day, for one customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueItem {
    pub kind: DueKind,
    /// The promise, order, invoice or snooze entry; `None` for a callback owed, which is a
    /// state of the customer rather than an entry.
    pub entry_id: Option<EntryId>,
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub company: String,
    pub phone: String,
    /// What was promised, ordered or invoiced (the entry's summary).
    pub what: String,
    /// The day it is due.
    pub due: NaiveDate,
    /// The local time it is due, when it has one (a callback owed: when they called).
    pub at: Option<NaiveDateTime>,
    /// When the item came into being (the entry's creation; when they called).
    pub created_at: NaiveDateTime,
    /// Its last change (renegotiated, kept, edited): calendars use it to see it changed.
    pub updated_at: NaiveDateTime,
    /// Set once it was kept, broken, delivered or paid.
    pub closed: Option<(ClosedHow, NaiveDate)>,
}

/// 64-bit FNV-1a: a tiny hash whose value never changes between Rust versions or runs
/// (std's `DefaultHasher` promises neither), so UIDs stay the same for years.
fn stable_hash(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0x1f)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

impl DueItem {
    /// The item's calendar UID: the same on every run for the same item, different for
    /// items of different journals. It is built from what never changes about the item —
    /// its kind, its entry (or customer) id and the second it was created — so it survives
    /// moving or copying the journal file and needs no journal id in the schema.
    pub fn uid(&self) -> String {
        let created = self.created_at.format("%Y%m%dT%H%M%S").to_string();
        let customer = self.customer_id.0.to_string();
        match self.entry_id {
            Some(entry) => {
                let id = entry.0.to_string();
                let hash = stable_hash(&[self.kind.code(), &id, &customer, &created]);
                format!("candor-{}-{id}-{hash:016x}@candor", self.kind.code())
            }
            None => {
                let hash = stable_hash(&[self.kind.code(), &customer, &created]);
                format!("candor-{}-c{customer}-{hash:016x}@candor", self.kind.code())
            }
        }
    }

    /// The iCalendar SEQUENCE: the seconds between the item's creation and its last change.
    /// Every renegotiation, status change or edit stamps `updated_at`, so the number rises
    /// with each revision and is the same on every run (a subscribed calendar takes the
    /// higher one as the newer version).
    pub fn sequence(&self) -> u32 {
        let secs = (self.updated_at - self.created_at).num_seconds();
        u32::try_from(secs.max(0)).unwrap_or(u32::MAX)
    }

    /// Still open: not kept, broken, delivered or paid.
    pub fn is_open(&self) -> bool {
        self.closed.is_none()
    }

    /// A one-line title: "Promise: send the quote — Ana Ruiz (Ruiz SL)".
    pub fn title(&self) -> String {
        let who = if self.company.is_empty() {
            self.customer_name.clone()
        } else {
            format!("{} ({})", self.customer_name, self.company)
        };
        let what = first_line(&self.what);
        match &self.kind {
            DueKind::CallbackOwed => format!("Call back {who}"),
            DueKind::SnoozeEnds => format!("{who} is back on your call-first list"),
            kind if what.is_empty() => format!("{}: {who}", kind.label()),
            kind => format!("{}: {what} — {who}", kind.label()),
        }
    }
}

/// The first line of a summary, at most 120 characters, for titles.
fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default().trim();
    match line.char_indices().nth(120) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_owned(),
    }
}

/// The Today agenda: what is overdue, due today and due tomorrow, open items only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Agenda {
    /// Oldest first: the longest-waiting customer leads.
    pub overdue: Vec<DueItem>,
    pub today: Vec<DueItem>,
    pub tomorrow: Vec<DueItem>,
}

/// One of the agenda's groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgendaGroup {
    Overdue,
    Today,
    Tomorrow,
}

impl AgendaGroup {
    /// The group heading.
    pub fn label(self) -> &'static str {
        match self {
            Self::Overdue => "Overdue",
            Self::Today => "Due today",
            Self::Tomorrow => "Due tomorrow",
        }
    }
}

impl Agenda {
    /// Groups the open items by their due day relative to `today`. Snoozes are left out:
    /// a customer coming back is not a task. Within a group, the earliest due (and, on the
    /// same day, the earliest time) comes first.
    pub fn build(items: &[DueItem], today: NaiveDate) -> Self {
        let tomorrow = today.checked_add_days(Days::new(1)).unwrap_or(today);
        let mut agenda = Self::default();
        for item in items
            .iter()
            .filter(|i| i.is_open() && i.kind != DueKind::SnoozeEnds)
        {
            let group = if item.due < today {
                &mut agenda.overdue
            } else if item.due == today {
                &mut agenda.today
            } else if item.due == tomorrow {
                &mut agenda.tomorrow
            } else {
                continue;
            };
            group.push(item.clone());
        }
        for group in [&mut agenda.overdue, &mut agenda.today, &mut agenda.tomorrow] {
            group.sort_by(|a, b| {
                (a.due, a.at, &a.customer_name, a.entry_id).cmp(&(
                    b.due,
                    b.at,
                    &b.customer_name,
                    b.entry_id,
                ))
            });
        }
        agenda
    }

    /// The groups with their items, in display order.
    pub fn groups(&self) -> [(AgendaGroup, &[DueItem]); 3] {
        [
            (AgendaGroup::Overdue, &self.overdue),
            (AgendaGroup::Today, &self.today),
            (AgendaGroup::Tomorrow, &self.tomorrow),
        ]
    }

    /// Every item in display order (the agenda's rows, for keyboard movement).
    pub fn rows(&self) -> impl Iterator<Item = &DueItem> {
        self.overdue.iter().chain(&self.today).chain(&self.tomorrow)
    }

    /// How many rows the agenda has.
    pub fn len(&self) -> usize {
        self.overdue.len() + self.today.len() + self.tomorrow.len()
    }

    /// True when nothing is overdue, due today or tomorrow.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// When and whether desktop reminders come.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReminderSettings {
    /// Off until the user turns reminders on.
    pub enabled: bool,
    /// When the morning summary comes (local time).
    pub summary_at: NaiveTime,
    /// How long before an item's time its nudge comes.
    pub nudge_minutes_before: u32,
}

impl Default for ReminderSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            summary_at: NaiveTime::from_hms_opt(8, 30, 0).unwrap_or(NaiveTime::MIN),
            nudge_minutes_before: 15,
        }
    }
}

/// What a reminder is about, so that each is sent at most once.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReminderKey {
    /// The morning summary of one day.
    Summary(NaiveDate),
    /// The nudge before one item's time (by the item's UID).
    Nudge(String),
}

/// A desktop notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub key: ReminderKey,
    pub title: String,
    pub body: String,
}

/// What was already sent (or silenced): remembered for the session, and the last summary's
/// day across restarts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SentReminders {
    pub sent: HashSet<ReminderKey>,
    /// The day of the last morning summary, kept in preferences so a restart does not
    /// repeat it.
    pub last_summary_on: Option<NaiveDate>,
    /// "Silence reminders today": nothing more until this day has passed.
    pub silenced_on: Option<NaiveDate>,
}

impl SentReminders {
    /// Records a notification as sent, so it never comes again.
    pub fn mark_sent(&mut self, notification: &Notification) {
        if let ReminderKey::Summary(day) = notification.key {
            self.last_summary_on = Some(day);
        }
        self.sent.insert(notification.key.clone());
    }

    fn was_sent(&self, key: &ReminderKey) -> bool {
        match key {
            ReminderKey::Summary(day) => {
                self.last_summary_on.is_some_and(|last| last >= *day) || self.sent.contains(key)
            }
            ReminderKey::Nudge(_) => self.sent.contains(key),
        }
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The morning summary's text: "5 customers to call first; 2 promises due today".
pub fn summary_text(items: &[DueItem], customers_to_call: usize, today: NaiveDate) -> String {
    let agenda = Agenda::build(items, today);
    let promises_today = agenda
        .today
        .iter()
        .filter(|i| matches!(i.kind, DueKind::Promise(_)))
        .count();
    let others_today = agenda.today.len() - promises_today;
    let mut parts = vec![
        format!(
            "{} to call first",
            count(customers_to_call, "customer", "customers")
        ),
        format!("{} due today", count(promises_today, "promise", "promises")),
    ];
    if others_today > 0 {
        parts.push(format!(
            "{} due today",
            count(others_today, "other item", "other items")
        ));
    }
    if !agenda.overdue.is_empty() {
        parts.push(format!("{} overdue", agenda.overdue.len()));
    }
    parts.join("; ")
}

/// The reminders due at `now`, given what was already sent. A pure function: the app calls
/// it every minute and shows what it returns, then marks each as sent.
///
/// - The morning summary comes once a day, at or after `settings.summary_at`.
/// - An item with a time gets one nudge from `nudge_minutes_before` minutes before that time
///   until the time itself; one whose time has passed gets none (it is in the agenda).
/// - Nothing comes while reminders are off, or on a day they were silenced.
pub fn due_notifications(
    items: &[DueItem],
    customers_to_call: usize,
    settings: &ReminderSettings,
    now: NaiveDateTime,
    already: &SentReminders,
) -> Vec<Notification> {
    let today = now.date();
    if !settings.enabled || already.silenced_on == Some(today) {
        return Vec::new();
    }
    let mut due = Vec::new();
    let summary = ReminderKey::Summary(today);
    if now.time() >= settings.summary_at && !already.was_sent(&summary) {
        due.push(Notification {
            key: summary,
            title: "Candor: your day".to_owned(),
            body: summary_text(items, customers_to_call, today),
        });
    }
    let lead = chrono::Duration::minutes(i64::from(settings.nudge_minutes_before));
    for item in items.iter().filter(|i| i.is_open()) {
        let Some(at) = item.at else {
            continue;
        };
        let key = ReminderKey::Nudge(item.uid());
        if now < at - lead || now > at || already.was_sent(&key) {
            continue;
        }
        let phone = if item.phone.is_empty() {
            String::new()
        } else {
            format!(" · {}", item.phone)
        };
        due.push(Notification {
            key,
            title: item.title(),
            body: format!("At {}{phone}", at.format("%H:%M")),
        });
    }
    due
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    fn item(id: i64, kind: DueKind, due: &str) -> DueItem {
        DueItem {
            kind,
            entry_id: Some(EntryId(id)),
            customer_id: CustomerId(id * 10),
            customer_name: format!("Customer {id}"),
            company: String::new(),
            phone: "+34 600 000 000".to_owned(),
            what: format!("thing {id}"),
            due: date(due),
            at: None,
            created_at: at("2026-03-01 09:00"),
            updated_at: at("2026-03-01 09:00"),
            closed: None,
        }
    }

    fn promise(id: i64, due: &str) -> DueItem {
        item(id, DueKind::Promise(PromiseCategory::Delivery), due)
    }

    #[test]
    fn agenda_groups_overdue_today_and_tomorrow_and_leaves_the_rest_out() {
        let today = date("2026-03-10");
        let mut kept = promise(5, "2026-03-10");
        kept.closed = Some((ClosedHow::Kept, today));
        let items = vec![
            promise(1, "2026-03-08"),
            promise(2, "2026-03-10"),
            item(3, DueKind::Order, "2026-03-11"),
            promise(4, "2026-03-12"),
            kept,
            item(6, DueKind::SnoozeEnds, "2026-03-10"),
            item(7, DueKind::Order, "2026-03-05"),
        ];
        let agenda = Agenda::build(&items, today);
        let ids = |group: &[DueItem]| -> Vec<i64> {
            group.iter().map(|i| i.entry_id.unwrap().0).collect()
        };
        assert_eq!(ids(&agenda.overdue), [7, 1], "oldest first");
        assert_eq!(ids(&agenda.today), [2]);
        assert_eq!(ids(&agenda.tomorrow), [3]);
        assert_eq!(agenda.len(), 4);
        let rows: Vec<i64> = agenda.rows().map(|i| i.entry_id.unwrap().0).collect();
        assert_eq!(rows, [7, 1, 2, 3]);
    }

    #[test]
    fn uid_is_stable_and_differs_by_kind_entry_and_creation() {
        let a = promise(1, "2026-03-10");
        let mut renegotiated = a.clone();
        renegotiated.due = date("2026-03-20");
        renegotiated.updated_at = at("2026-03-05 10:00");
        assert_eq!(a.uid(), renegotiated.uid(), "same item, same UID");
        assert!(renegotiated.sequence() > a.sequence());
        assert!(a.uid().starts_with("candor-promise-1-"), "{}", a.uid());
        let mut other_journal = a.clone();
        other_journal.created_at = at("2026-03-01 09:01");
        assert_ne!(a.uid(), other_journal.uid());
        let order = item(1, DueKind::Order, "2026-03-10");
        assert_ne!(a.uid(), order.uid());
        // The value is pinned: a UID that changed between versions would duplicate every
        // event in a subscribed calendar.
        assert_eq!(a.uid(), "candor-promise-1-37aa65c485d934b3@candor");
        assert!(a.uid().ends_with("@candor"));
    }

    fn settings() -> ReminderSettings {
        ReminderSettings {
            enabled: true,
            summary_at: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
            nudge_minutes_before: 15,
        }
    }

    #[test]
    fn morning_summary_comes_once_at_the_set_time_and_not_after_a_restart() {
        let items = vec![
            promise(1, "2026-03-10"),
            promise(2, "2026-03-10"),
            item(3, DueKind::Order, "2026-03-10"),
        ];
        let mut sent = SentReminders::default();
        let early = due_notifications(&items, 5, &settings(), at("2026-03-10 07:59"), &sent);
        assert!(early.is_empty(), "{early:?}");
        let due = due_notifications(&items, 5, &settings(), at("2026-03-10 08:00"), &sent);
        assert_eq!(due.len(), 1);
        assert_eq!(
            due[0].body,
            "5 customers to call first; 2 promises due today; 1 other item due today"
        );
        sent.mark_sent(&due[0]);
        assert!(
            due_notifications(&items, 5, &settings(), at("2026-03-10 09:00"), &sent).is_empty()
        );
        // After a restart only the day of the last summary survives (in preferences).
        let restarted = SentReminders {
            last_summary_on: sent.last_summary_on,
            ..SentReminders::default()
        };
        assert!(
            due_notifications(&items, 5, &settings(), at("2026-03-10 11:00"), &restarted)
                .is_empty()
        );
        // The next morning brings the next summary.
        let next = due_notifications(&items, 1, &settings(), at("2026-03-11 08:30"), &restarted);
        assert_eq!(next.len(), 1);
        assert_eq!(next[0].key, ReminderKey::Summary(date("2026-03-11")));
        assert!(
            next[0]
                .body
                .starts_with("1 customer to call first; 0 promises due today")
        );
        assert!(next[0].body.ends_with("3 overdue"));
    }

    #[test]
    fn nudge_comes_once_in_the_window_before_an_items_time() {
        let mut timed = item(1, DueKind::CallbackOwed, "2026-03-10");
        timed.entry_id = None;
        timed.at = Some(at("2026-03-10 14:00"));
        let items = vec![timed];
        let mut sent = SentReminders {
            last_summary_on: Some(date("2026-03-10")),
            ..SentReminders::default()
        };
        let s = settings();
        assert!(due_notifications(&items, 0, &s, at("2026-03-10 13:44"), &sent).is_empty());
        let due = due_notifications(&items, 0, &s, at("2026-03-10 13:45"), &sent);
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].title, "Call back Customer 1");
        assert_eq!(due[0].body, "At 14:00 · +34 600 000 000");
        sent.mark_sent(&due[0]);
        assert!(due_notifications(&items, 0, &s, at("2026-03-10 13:50"), &sent).is_empty());
        let fresh = SentReminders {
            last_summary_on: Some(date("2026-03-10")),
            ..SentReminders::default()
        };
        assert!(
            due_notifications(&items, 0, &s, at("2026-03-10 14:01"), &fresh).is_empty(),
            "a time already past is the agenda's job, not a nudge"
        );
    }

    #[test]
    fn nothing_comes_when_off_or_silenced_for_the_day() {
        let items = vec![promise(1, "2026-03-10")];
        let off = ReminderSettings::default();
        assert!(!off.enabled, "reminders are off until turned on");
        let sent = SentReminders::default();
        assert!(due_notifications(&items, 3, &off, at("2026-03-10 12:00"), &sent).is_empty());
        let silenced = SentReminders {
            silenced_on: Some(date("2026-03-10")),
            ..SentReminders::default()
        };
        assert!(
            due_notifications(&items, 3, &settings(), at("2026-03-10 12:00"), &silenced).is_empty()
        );
        assert_eq!(
            due_notifications(&items, 3, &settings(), at("2026-03-11 12:00"), &silenced).len(),
            1,
            "silence lasts the day"
        );
    }
}
