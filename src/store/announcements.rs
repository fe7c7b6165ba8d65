//! Announcements: saving them, telling a customer (the bad news entry and its link in one
//! transaction), and what the ranking and reports need to know about them.

use std::collections::{HashMap, HashSet};

use chrono::{Days, NaiveDate, NaiveDateTime};
use rusqlite::{OptionalExtension, Row, params};

use super::entries::{insert_entry, self_fail};
use super::entry_row::{EntryRow, get_datetime};
use super::{Result, Store, StoreError, summary};
use crate::domain::announcement::{
    Announcement, AnnouncementDraft, AnnouncementId, AnnouncementKind, Audience, Progress,
    Reaction, Telling, progress,
};
use crate::domain::dates::{days_between, format_date, format_datetime, parse_stored_date};
use crate::domain::rank::{CustomerFacts, PendingAnnouncement, weights};
use crate::domain::{Cents, CustomerId, Entry, EntryDraft, EntryId, EntryKind, ValidationError};

const ANNOUNCEMENT_COLUMNS: &str =
    "id, kind, title, reason, effective_on, audience, audience_value, created_at";

fn bad_value(column: usize, text: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        column,
        rusqlite::types::Type::Text,
        format!("unexpected value \"{text}\"").into(),
    )
}

/// Reads an announcement row; picked customers are filled in by the caller.
fn read_announcement(row: &Row<'_>) -> rusqlite::Result<Announcement> {
    let kind: String = row.get(1)?;
    let effective: String = row.get(4)?;
    let audience: String = row.get(5)?;
    let value: String = row.get(6)?;
    Ok(Announcement {
        id: AnnouncementId(row.get(0)?),
        kind: AnnouncementKind::from_code(&kind).ok_or_else(|| bad_value(1, &kind))?,
        title: row.get(2)?,
        reason: row.get(3)?,
        effective: parse_stored_date(&effective).ok_or_else(|| bad_value(4, &effective))?,
        audience: match audience.as_str() {
            "all" => Audience::All,
            "tag" => Audience::Tag(value),
            "company" => Audience::Company(value),
            "picked" => Audience::Picked(Vec::new()),
            _ => return Err(bad_value(5, &audience)),
        },
        created_at: get_datetime(row, 7)?,
    })
}

impl Store {
    /// Saves a new announcement; returns it as saved. Picked customers must exist.
    pub fn add_announcement(
        &mut self,
        draft: AnnouncementDraft,
        now: NaiveDateTime,
    ) -> Result<Announcement> {
        let draft = draft.validated()?;
        let id = self.write_checked(|tx| {
            let fail = self_fail(tx);
            let value = match &draft.audience {
                Audience::Tag(text) | Audience::Company(text) => text.as_str(),
                Audience::All | Audience::Picked(_) => "",
            };
            tx.prepare_cached(
                "INSERT INTO announcements (kind, title, reason, effective_on, audience, \
                 audience_value, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    draft.kind.code(),
                    draft.title,
                    draft.reason,
                    format_date(draft.effective),
                    draft.audience.code(),
                    value,
                    format_datetime(now),
                ])
            })
            .map_err(&fail)?;
            let id = tx.last_insert_rowid();
            if let Audience::Picked(customers) = &draft.audience {
                for customer in customers {
                    let exists = tx
                        .prepare_cached("SELECT 1 FROM customers WHERE id = ?1")
                        .and_then(|mut s| s.query_row([customer.0], |_| Ok(())).optional())
                        .map_err(&fail)?;
                    if exists.is_none() {
                        return Err(StoreError::NotFound { what: "customer" });
                    }
                    tx.prepare_cached(
                        "INSERT INTO announcement_customers (announcement_id, customer_id) \
                         VALUES (?1, ?2)",
                    )
                    .and_then(|mut s| s.execute(params![id, customer.0]))
                    .map_err(&fail)?;
                }
            }
            Ok(id)
        })?;
        self.announcement(AnnouncementId(id))
    }

    /// One announcement.
    pub fn announcement(&self, id: AnnouncementId) -> Result<Announcement> {
        self.announcements()?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or(StoreError::NotFound {
                what: "announcement",
            })
    }

    /// Every announcement, nearest effective day first.
    pub fn announcements(&self) -> Result<Vec<Announcement>> {
        let fail = self.fail();
        let mut announcements: Vec<Announcement> = self
            .conn
            .prepare_cached(&format!(
                "SELECT {ANNOUNCEMENT_COLUMNS} FROM announcements ORDER BY effective_on, id"
            ))
            .and_then(|mut s| {
                s.query_map([], read_announcement)
                    .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            })
            .map_err(&fail)?;
        if announcements
            .iter()
            .any(|a| matches!(a.audience, Audience::Picked(_)))
        {
            let mut picked: HashMap<i64, Vec<CustomerId>> = HashMap::new();
            let mut statement = self
                .conn
                .prepare_cached(
                    "SELECT announcement_id, customer_id FROM announcement_customers \
                     ORDER BY announcement_id, customer_id",
                )
                .map_err(&fail)?;
            let mut rows = statement.query([]).map_err(&fail)?;
            while let Some(row) = rows.next().map_err(&fail)? {
                let announcement: i64 = row.get(0).map_err(&fail)?;
                picked
                    .entry(announcement)
                    .or_default()
                    .push(CustomerId(row.get(1).map_err(&fail)?));
            }
            for announcement in &mut announcements {
                if let Audience::Picked(ids) = &mut announcement.audience {
                    *ids = picked.remove(&announcement.id.0).unwrap_or_default();
                }
            }
        }
        Ok(announcements)
    }

    /// Every telling whose bad news entry is not in the trash, oldest first.
    pub fn announcement_tellings(&self) -> Result<Vec<Telling>> {
        let fail = self.fail();
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT t.announcement_id, e.customer_id, e.id, e.occurred_at, t.reaction \
                 FROM announcement_tellings t JOIN entries e ON e.id = t.entry_id \
                 WHERE e.deleted_at IS NULL ORDER BY e.occurred_at, e.id",
            )
            .map_err(&fail)?;
        statement
            .query_map([], |row| {
                let reaction: String = row.get(4)?;
                Ok(Telling {
                    announcement_id: AnnouncementId(row.get(0)?),
                    customer_id: CustomerId(row.get(1)?),
                    entry_id: EntryId(row.get(2)?),
                    told_at: get_datetime(row, 3)?,
                    reaction: Reaction::from_code(&reaction)
                        .ok_or_else(|| bad_value(4, &reaction))?,
                })
            })
            .and_then(|rows| rows.collect())
            .map_err(&fail)
    }

    /// The telling recorded by a bad news entry, if it records one (trashed or not).
    pub fn telling_of(&self, entry: EntryId) -> Result<Option<(AnnouncementId, Reaction)>> {
        let found: Option<(i64, String)> = self
            .conn
            .prepare_cached(
                "SELECT announcement_id, reaction FROM announcement_tellings WHERE entry_id = ?1",
            )
            .and_then(|mut s| {
                s.query_row([entry.0], |row| Ok((row.get(0)?, row.get(1)?)))
                    .optional()
            })
            .map_err(self.fail())?;
        Ok(found.and_then(|(id, reaction)| {
            Reaction::from_code(&reaction).map(|r| (AnnouncementId(id), r))
        }))
    }

    /// Records that a customer was told about an announcement: the bad news entry on their
    /// timeline and its link, in one transaction. Heard after the effective day, it is
    /// recorded as not proactive, whatever the draft said: they did not hear it first.
    pub fn tell_announcement(
        &mut self,
        announcement: AnnouncementId,
        draft: EntryDraft,
        reaction: Reaction,
        now: NaiveDateTime,
    ) -> Result<Entry> {
        let mut draft = draft.validated()?;
        let found = self.announcement(announcement)?;
        let customer = self.customer(draft.customer_id)?;
        if !found.affects(&customer) {
            return Err(ValidationError::new(format!(
                "{} is not among the customers \"{}\" affects ({}): check the customer, or the announcement's audience.",
                customer.name,
                found.title,
                found.audience.describe()
            ))
            .into());
        }
        let late = found.is_late(draft.occurred_at);
        let EntryKind::BadNews(news) = &mut draft.kind else {
            return Err(ValidationError::new(
                "Telling a customer about an announcement is recorded as bad news delivered.",
            )
            .into());
        };
        if late {
            news.proactive = false;
        }
        let row = EntryRow::from_draft(&draft);
        let id = self.write_checked(|tx| {
            let fail = self_fail(tx);
            let id = insert_entry(tx, &row, &format_datetime(now)).map_err(&fail)?;
            tx.prepare_cached(
                "INSERT INTO announcement_tellings (entry_id, announcement_id, reaction) \
                 VALUES (?1, ?2, ?3)",
            )
            .and_then(|mut s| s.execute(params![id, announcement.0, reaction.code()]))
            .map_err(&fail)?;
            summary::refresh(tx, draft.customer_id).map_err(&fail)?;
            Ok(id)
        })?;
        self.entry(EntryId(id))
    }

    /// Deletes an announcement made by mistake. Its customers leave the list; those already
    /// told keep the bad news on their timelines (it happened), no longer linked.
    pub fn delete_announcement(&mut self, id: AnnouncementId) -> Result<()> {
        let deleted = self.write(|tx| {
            tx.prepare_cached("DELETE FROM announcements WHERE id = ?1")?
                .execute([id.0])
        })?;
        if deleted == 0 {
            return Err(StoreError::NotFound {
                what: "announcement",
            });
        }
        Ok(())
    }

    /// Changes how a customer took the news, for a telling already recorded.
    pub fn set_telling_reaction(&mut self, entry: EntryId, reaction: Reaction) -> Result<()> {
        let changed = self.write(|tx| {
            tx.prepare_cached("UPDATE announcement_tellings SET reaction = ?2 WHERE entry_id = ?1")?
                .execute(params![entry.0, reaction.code()])
        })?;
        if changed == 0 {
            return Err(StoreError::NotFound { what: "telling" });
        }
        Ok(())
    }

    /// Every announcement's progress as of `today`, nearest effective day first.
    pub fn announcement_progress(&self, today: NaiveDate) -> Result<Vec<Progress>> {
        let announcements = self.announcements()?;
        if announcements.is_empty() {
            return Ok(Vec::new());
        }
        let customers = self.customers()?;
        let tellings = self.announcement_tellings()?;
        Ok(announcements
            .iter()
            .map(|a| progress(a, &customers, &tellings, today))
            .collect())
    }

    /// Adds to each customer's facts the announcements they have not been told about, and
    /// what they ordered in the last year (the stake), for the ranking.
    pub(super) fn attach_pending_announcements(
        &self,
        facts: &mut [CustomerFacts],
        today: NaiveDate,
    ) -> Result<()> {
        let announcements: Vec<Announcement> = self
            .announcements()?
            .into_iter()
            .filter(|a| days_between(a.effective, today) <= weights::ANNOUNCEMENT_PAST_WINDOW_DAYS)
            .collect();
        if announcements.is_empty() {
            return Ok(());
        }
        let customers = self.customers()?;
        let told: HashSet<(AnnouncementId, CustomerId)> = self
            .announcement_tellings()?
            .into_iter()
            .map(|t| (t.announcement_id, t.customer_id))
            .collect();
        let mut with_pending: HashSet<i64> = HashSet::new();
        for announcement in &announcements {
            for customer in customers.iter().filter(|c| announcement.affects(c)) {
                if told.contains(&(announcement.id, customer.id)) {
                    continue;
                }
                let Some(i) = super::facts::position_of(facts, customer.id.0) else {
                    continue;
                };
                facts[i].pending_announcements.push(PendingAnnouncement {
                    announcement_id: announcement.id,
                    kind: announcement.kind,
                    title: announcement.title.clone(),
                    reason: announcement.reason.clone(),
                    effective: announcement.effective,
                    owed_by: None,
                });
                with_pending.insert(customer.id.0);
            }
        }
        if with_pending.is_empty() {
            return Ok(());
        }
        let since = today
            .checked_sub_days(Days::new(weights::ANNOUNCEMENT_STAKE_WINDOW_DAYS as u64))
            .unwrap_or(today);
        let fail = self.fail();
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT customer_id, SUM(amount_cents) FROM entries \
                 WHERE kind = 'order' AND deleted_at IS NULL AND amount_cents IS NOT NULL \
                   AND occurred_at >= ?1 GROUP BY customer_id",
            )
            .map_err(&fail)?;
        let mut rows = statement.query([format_date(since)]).map_err(&fail)?;
        while let Some(row) = rows.next().map_err(&fail)? {
            let customer: i64 = row.get(0).map_err(&fail)?;
            if !with_pending.contains(&customer) {
                continue;
            }
            if let Some(i) = super::facts::position_of(facts, customer) {
                facts[i].orders_last_year = Cents(row.get(1).map_err(&fail)?);
            }
        }
        Ok(())
    }
}
