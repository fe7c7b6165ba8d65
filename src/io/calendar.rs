//! The calendar file (iCalendar, RFC 5545): one event for each open promise, callback owed,
//! order due, invoice due and snoozed customer's return, so the due days reach the
//! calendar a salesperson already lives in — Outlook, Apple Calendar, Thunderbird — even
//! while Candor is closed.
//!
//! Choices a subscribed calendar depends on:
//! - **Dates**: due dates are dates, so most events are all-day (`DTSTART;VALUE=DATE`, and
//!   `DTEND` the next day, exclusive as RFC 5545 says). An item with a time (a callback
//!   owed: when they called) is a 15-minute event written in UTC, converted from local
//!   time with the time zone passed in — a DST change is the zone's business, not ours.
//! - **Alarm**: the morning before, 09:00. For all-day events that is `TRIGGER:-PT15H`
//!   (15 hours before midnight of the due day, in whatever zone the calendar shows); for
//!   timed events an absolute UTC time for 09:00 local the day before.
//! - **UIDs** are stable per item ([`DueItem::uid`]) and `SEQUENCE` rises with every change
//!   ([`DueItem::sequence`]), so a re-import updates events rather than duplicating them.
//! - **Closed items** (kept, broken, delivered, paid) stay in the file as
//!   `STATUS:CANCELLED` for as long as the caller includes them (30 days by default):
//!   calendars that import the file remove or strike them; subscriptions, which re-read the
//!   whole file, drop anything that is gone anyway.
//! - `DTSTAMP` and `LAST-MODIFIED` are the item's last change, not the time of writing, so
//!   the same journal always gives the same bytes (and an unchanged file need not be
//!   rewritten).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{Days, NaiveDateTime, NaiveTime, TimeZone, Utc};
use icalendar::{Alarm, Calendar, Component, Event, EventLike, EventStatus, Trigger};

use crate::domain::MoneyFormat;
use crate::domain::dates::format_date;
use crate::domain::reminders::{DueItem, DueKind};

/// How long closed items stay in the file as cancelled events.
pub const CANCELLED_KEPT_DAYS: u32 = 30;

/// How long a timed event lasts (a callback).
const TIMED_EVENT_MINUTES: i64 = 15;

/// When the alarm rings on the day before an item.
const ALARM_HOUR: u32 = 9;

/// A calendar file that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    #[error(
        "The calendar file {path} could not be written ({detail}): check that its folder exists and that you may write there."
    )]
    Write { path: PathBuf, detail: String },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// The local time as an instant, in `tz`. A time skipped by a DST change (02:30 on a
/// spring-forward night) is taken as the same wall time an hour later, which is what a
/// person means; a time that happens twice (autumn) as its first occurrence.
pub fn local_to_utc<Z: TimeZone>(tz: &Z, local: NaiveDateTime) -> chrono::DateTime<Utc> {
    use chrono::LocalResult;
    let mut probe = local;
    for _ in 0..4 {
        match tz.from_local_datetime(&probe) {
            LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => {
                return at.with_timezone(&Utc);
            }
            LocalResult::None => probe += chrono::Duration::hours(1),
        }
    }
    // No zone skips four hours; fall back to reading the time as UTC.
    Utc.from_utc_datetime(&local)
}

/// Text as an iCalendar TEXT value accepts it: line breaks as `\n` (the writer escapes
/// those), no other control characters.
fn clean(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|c| *c == '\n' || !c.is_control())
        .collect()
}

/// The event's description: who, their phone, what was promised and its state.
fn description(item: &DueItem, money: MoneyFormat) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "Customer: {}", item.customer_name);
    if !item.company.is_empty() {
        let _ = writeln!(text, "Company: {}", item.company);
    }
    if !item.phone.is_empty() {
        let _ = writeln!(text, "Phone: {}", item.phone);
    }
    match &item.kind {
        DueKind::Promise(category) => {
            let _ = writeln!(text, "Promised ({}): {}", category.label(), item.what);
        }
        DueKind::Order => {
            let _ = writeln!(text, "Order: {}", item.what);
        }
        DueKind::Invoice {
            invoice_ref,
            amount,
        } => {
            let _ = writeln!(
                text,
                "Invoice {invoice_ref}: {} — {}",
                money.format(*amount),
                item.what
            );
        }
        DueKind::CallbackOwed => {
            if let Some(at) = item.at {
                let _ = writeln!(
                    text,
                    "They called or wrote on {} at {} and are waiting for you to get back to them.",
                    format_date(at.date()),
                    at.format("%H:%M")
                );
            }
        }
        DueKind::SnoozeEnds => {
            let _ = writeln!(text, "Snoozed until today: they are back on your list.");
        }
    }
    let _ = write!(text, "Due: {}", format_date(item.due));
    if let Some((how, on)) = item.closed {
        let _ = write!(text, "\nClosed: {} on {}", how.label(), format_date(on));
    }
    clean(&text)
}

/// The alarm with a UID and DTSTAMP of its own: left out, the crate would invent a random
/// UID and the time of writing, and every rewrite would look like a change.
fn stable_alarm(mut alarm: Alarm, item: &DueItem, changed: chrono::DateTime<Utc>) -> Alarm {
    alarm
        .uid(&format!("{}-alarm", item.uid()))
        .timestamp(changed)
        .done()
}

/// One event for one item.
fn event<Z: TimeZone>(item: &DueItem, tz: &Z, money: MoneyFormat) -> Event {
    let mut event = Event::new();
    let changed = local_to_utc(tz, item.updated_at);
    event
        .uid(&item.uid())
        .sequence(item.sequence())
        .timestamp(changed)
        .last_modified(changed)
        .summary(&clean(&item.title()))
        .description(&description(item, money));
    let day_before_morning = item
        .due
        .checked_sub_days(Days::new(1))
        .unwrap_or(item.due)
        .and_time(NaiveTime::from_hms_opt(ALARM_HOUR, 0, 0).unwrap_or(NaiveTime::MIN));
    match item.at {
        Some(at) => {
            let start = local_to_utc(tz, at);
            event
                .starts(start)
                .ends(start + chrono::Duration::minutes(TIMED_EVENT_MINUTES));
            event.alarm(stable_alarm(
                Alarm::display(
                    &clean(&item.title()),
                    Trigger::from(local_to_utc(tz, day_before_morning)),
                ),
                item,
                changed,
            ));
        }
        None => {
            let end = item.due.checked_add_days(Days::new(1)).unwrap_or(item.due);
            event.starts(item.due).ends(end);
            // 15 hours before the due day's midnight is 09:00 the day before. Written
            // as -PT15H (the crate would write -PT54000S, equal but unreadable).
            let mut alarm = Alarm::display(
                &clean(&item.title()),
                Trigger::before_start(chrono::Duration::hours(i64::from(24 - ALARM_HOUR))),
            );
            alarm.add_property("TRIGGER", format!("-PT{}H", 24 - ALARM_HOUR));
            event.alarm(stable_alarm(alarm, item, changed));
        }
    }
    event.status(if item.closed.is_some() {
        EventStatus::Cancelled
    } else {
        EventStatus::Confirmed
    });
    // A due date is a reminder, not a meeting: it must not show the day as busy.
    event.add_property("TRANSP", "TRANSPARENT");
    event.done()
}

/// The whole calendar as iCalendar text (CRLF line ends, folded at 75 octets).
/// `calendar_name` names the calendar in clients that show one (`X-WR-CALNAME`).
pub fn calendar_text<Z: TimeZone>(items: &[DueItem], tz: &Z, calendar_name: &str) -> String {
    calendar_text_in(items, tz, calendar_name, MoneyFormat::default())
}

/// [`calendar_text`] with amounts written in the journal's currency and number format.
pub fn calendar_text_in<Z: TimeZone>(
    items: &[DueItem],
    tz: &Z,
    calendar_name: &str,
    money: MoneyFormat,
) -> String {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(icalendar::Property::new("VERSION", "2.0"))
        .append_property(icalendar::Property::new(
            "PRODID",
            "-//Candor//Candor customer journal//EN",
        ))
        .append_property(icalendar::Property::new("CALSCALE", "GREGORIAN"))
        .append_property(icalendar::Property::new("METHOD", "PUBLISH"))
        .name(&clean(calendar_name))
        .description("Due dates from your Candor journal: promises, orders, invoices, callbacks.");
    for item in items {
        calendar.push(event(item, tz, money));
    }
    calendar.done().to_string()
}

/// Writes `text` to `path` atomically: into a temporary file beside it, flushed to disk,
/// then renamed over the old file, so a calendar app never reads half a file. The file is
/// readable only by its owner on Unix (it names customers and phone numbers).
pub fn write_calendar_file(path: &Path, text: &str) -> Result<(), CalendarError> {
    use std::io::Write as _;
    let fail = |e: std::io::Error| CalendarError::Write {
        path: path.to_path_buf(),
        detail: e.to_string(),
    };
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "calendar.ics".to_owned());
    let temp = folder.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let mut file = options.open(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        drop(file);
        // rename replaces an existing file atomically on Unix and on Windows.
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result.map_err(fail)
}

/// Reads what is due from the journal at `journal` as of `today` and writes the calendar to
/// `out` (atomically), with times in this computer's time zone. Returns how many events
/// the file holds. The one path both `candor calendar` and the app's "Keep a calendar
/// file" use.
pub fn write_for_journal(
    journal: &Path,
    out: &Path,
    today: chrono::NaiveDate,
) -> Result<usize, CalendarError> {
    let store = crate::store::Store::open(journal)?;
    let items = store.due_items(today, CANCELLED_KEPT_DAYS)?;
    let text = calendar_text_in(
        &items,
        &chrono::Local,
        &calendar_name(journal),
        store.money_format()?,
    );
    write_calendar_file(out, &text)?;
    Ok(items.len())
}

/// The calendar's display name: "Candor — journal".
pub fn calendar_name(journal: &Path) -> String {
    match journal.file_stem() {
        Some(stem) => format!("Candor — {}", stem.to_string_lossy()),
        None => "Candor".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::domain::{Cents, Currency, CustomerId, EntryId, NumberLocale};

    #[test]
    fn an_invoice_reads_in_the_journals_currency() {
        let due = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
        let created = due.and_hms_opt(9, 0, 0).unwrap_or_default();
        let item = DueItem {
            kind: DueKind::Invoice {
                invoice_ref: "INV-7".into(),
                amount: Cents(123_450),
            },
            entry_id: Some(EntryId(7)),
            customer_id: CustomerId(1),
            customer_name: "Ann Keller".into(),
            company: String::new(),
            phone: String::new(),
            what: "Pump".into(),
            due,
            at: None,
            created_at: created,
            updated_at: created,
            closed: None,
        };
        let pounds = MoneyFormat::new(Some(Currency::Gbp), NumberLocale::EnGb);
        assert!(description(&item, pounds).contains("Invoice INV-7: £1,234.50 — Pump"));
        let text = calendar_text_in(&[item], &Utc, "Candor", pounds);
        assert!(text.contains("£1\\,234.50"), "{text}");
    }
}
