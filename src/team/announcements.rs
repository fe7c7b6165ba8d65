//! What the team ranking knows of announcements (team schema 9): the ones still on a list
//! as of the day, who each applies to, who was told, and what is at stake — read in a few
//! set-based queries before the summary rows, never per customer, and only when an
//! announcement is in the ranking's window (the usual case reads one empty result).
//!
//! Which customers an announcement affects is decided by the journal's own rule
//! ([`Announcement::affects_parts`]). Whose list it is on follows the journals: a rep's own
//! announcement reaches their own journal only, a manager's every rep's; so on the team's
//! list it applies to a customer when a manager wrote it, when the customer's rep wrote it,
//! or when the reader wrote it (a customer shared with them, as in their own journal). A
//! reader who does not owe it (a manager reading the whole team) is told who does.

use std::collections::{HashMap, HashSet};

use chrono::{Days, NaiveDate, NaiveDateTime};
use uuid::Uuid;

use crate::domain::announcement::{Announcement, AnnouncementId, AnnouncementKind, Audience};
use crate::domain::dates::{format_date, parse_stored_date, parse_stored_datetime};
use crate::domain::rank::{CustomerFacts, PendingAnnouncement, weights};
use crate::domain::{Cents, customer::parse_tags};

/// One announcement in the window, with who wrote it.
#[derive(Debug)]
struct Known {
    gid: Uuid,
    announcement: Announcement,
    author: String,
    by_manager: bool,
}

/// One customer's standing on the announcements of the window, as the customers report
/// counts it (the journal's own report counts the same from its announcements' progress).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Standing {
    pub affecting: u32,
    /// Told on or before the effective day.
    pub told: u32,
    /// Told after the effective day.
    pub told_late: u32,
    pub not_told: u32,
    /// The nearest one they have not been told about: title and effective day.
    pub next_not_told: Option<(String, NaiveDate)>,
}

/// The announcements of the team ranking's window, and the per-customer facts they need.
#[derive(Debug, Default)]
pub struct TeamAnnouncements {
    /// The login reading the ranking.
    reader: String,
    known: Vec<Known>,
    /// (announcement, customer) picked.
    picked: HashSet<(usize, Uuid)>,
    /// (announcement, customer) told, by a live bad-news entry: when first.
    told: HashMap<(usize, Uuid), NaiveDateTime>,
    /// The tags of customers, read only when an announcement goes by tag.
    tags: HashMap<Uuid, Vec<String>>,
    /// What each customer ordered in the stake window (cents).
    stakes: HashMap<Uuid, i64>,
    /// Full names by login, to name who owes the telling.
    names: HashMap<String, String>,
}

fn uuid(text: &str) -> Option<Uuid> {
    Uuid::parse_str(text).ok()
}

impl TeamAnnouncements {
    /// Reads what the ranking as of `today` needs (of `rep`'s customers only, when given),
    /// in the transaction of the ranking.
    pub(super) fn read(
        tx: &mut postgres::Transaction<'_>,
        today: NaiveDate,
        rep: Option<&str>,
    ) -> Result<Self, postgres::Error> {
        let window_start = today
            .checked_sub_days(Days::new(weights::ANNOUNCEMENT_PAST_WINDOW_DAYS as u64))
            .unwrap_or(today);
        let rows = tx.query(
            "SELECT a.gid::text, a.author, COALESCE(r.is_manager, false), a.kind, a.title, \
                    a.reason, a.effective_on, a.audience, a.audience_value, a.created_at \
             FROM candor.announcements a LEFT JOIN candor.reps r ON r.login = a.author \
             WHERE a.effective_on >= $1 ORDER BY a.effective_on, a.created_at, a.gid",
            &[&format_date(window_start)],
        )?;
        let mut found = Self::default();
        for row in rows {
            let (Some(gid), Some(kind), Some(effective)) = (
                uuid(row.get(0)),
                AnnouncementKind::from_code(row.get(3)),
                parse_stored_date(row.get(6)),
            ) else {
                continue;
            };
            let value: String = row.get(8);
            let audience = match row.get::<_, &str>(7) {
                "all" => Audience::All,
                "tag" => Audience::Tag(value),
                "company" => Audience::Company(value),
                "picked" => Audience::Picked(Vec::new()),
                _ => continue,
            };
            let id = AnnouncementId(found.known.len() as i64 + 1);
            found.known.push(Known {
                gid,
                announcement: Announcement {
                    id,
                    kind,
                    title: row.get(4),
                    reason: row.get(5),
                    effective,
                    audience,
                    created_at: parse_stored_datetime(row.get(9))
                        .unwrap_or_else(|| effective.and_time(chrono::NaiveTime::MIN)),
                },
                author: row.get(1),
                by_manager: row.get(2),
            });
        }
        if found.known.is_empty() {
            return Ok(found);
        }
        let index: HashMap<Uuid, usize> = found
            .known
            .iter()
            .enumerate()
            .map(|(i, known)| (known.gid, i))
            .collect();
        let gids: Vec<String> = found.known.iter().map(|k| k.gid.to_string()).collect();
        let pair = |row: &postgres::Row| match (uuid(row.get(0)), uuid(row.get(1))) {
            (Some(a), Some(c)) => index.get(&a).map(|&i| (i, c)),
            _ => None,
        };
        if found
            .known
            .iter()
            .any(|k| matches!(k.announcement.audience, Audience::Picked(_)))
        {
            for row in tx.query(
                "SELECT p.announcement_gid::text, p.customer_gid::text \
                 FROM candor.announcement_customers p \
                 WHERE p.announcement_gid = ANY ($1::text[]::uuid[])",
                &[&gids],
            )? {
                found.picked.extend(pair(&row));
            }
        }
        // The first telling of each customer, by a bad-news entry not in the trash.
        for row in tx.query(
            "SELECT t.announcement_gid::text, e.customer_gid::text, \
                    MIN(e.occurred_at COLLATE \"C\") \
             FROM candor.announcement_tellings t JOIN candor.entries e ON e.gid = t.entry_gid \
             WHERE t.announcement_gid = ANY ($1::text[]::uuid[]) AND e.deleted_at IS NULL \
             GROUP BY 1, 2",
            &[&gids],
        )? {
            if let (Some(key), Some(at)) = (
                pair(&row),
                row.get::<_, Option<&str>>(2)
                    .and_then(parse_stored_datetime),
            ) {
                found.told.insert(key, at);
            }
        }
        if found
            .known
            .iter()
            .any(|k| matches!(k.announcement.audience, Audience::Tag(_)))
        {
            for row in tx.query(
                "SELECT c.gid::text, c.data ->> 'tags' FROM candor.customers c \
                 WHERE COALESCE(c.data ->> 'tags', '[]') NOT IN ('', '[]') \
                   AND ($1::text IS NULL OR c.owner_login = $1)",
                &[&rep],
            )? {
                if let Some(gid) = uuid(row.get(0)) {
                    let text: &str = row.get(1);
                    // The journal sends its tags as a JSON list; an older writer as text.
                    let tags = serde_json::from_str::<Vec<String>>(text)
                        .unwrap_or_else(|_| parse_tags(text));
                    found.tags.insert(gid, tags);
                }
            }
        }
        // What is at stake, as the journal sums it: orders in the trash left out, dates
        // compared as text.
        let stake_start = today
            .checked_sub_days(Days::new(weights::ANNOUNCEMENT_STAKE_WINDOW_DAYS as u64))
            .unwrap_or(today);
        for row in tx.query(
            "SELECT e.customer_gid::text, SUM((e.data ->> 'amount_cents')::bigint)::bigint \
             FROM candor.entries e \
             WHERE e.kind = 'order' AND e.deleted_at IS NULL \
               AND e.data ->> 'amount_cents' ~ '^-?[0-9]{1,18}$' \
               AND e.occurred_at COLLATE \"C\" >= $1 \
               AND ($2::text IS NULL OR e.customer_gid IN \
                    (SELECT c.gid FROM candor.customers c WHERE c.owner_login = $2)) \
             GROUP BY e.customer_gid",
            &[&format_date(stake_start), &rep],
        )? {
            if let Some(gid) = uuid(row.get(0)) {
                found.stakes.insert(gid, row.get(1));
            }
        }
        for row in tx.query("SELECT login, full_name FROM candor.reps", &[])? {
            found.names.insert(row.get(0), row.get(1));
        }
        found.reader = tx.query_one("SELECT current_user::text", &[])?.get(0);
        Ok(found)
    }

    /// Whether no announcement is in the window (nothing to add to any customer).
    pub(super) fn is_empty(&self) -> bool {
        self.known.is_empty()
    }

    /// The announcements (by position) that affect the customer `gid`, whose rep is
    /// `owner`: on that rep's list (see the module notes), and in their audience by the
    /// journal's rule.
    fn affecting<'a>(
        &'a self,
        gid: Uuid,
        owner: &'a str,
        archived: bool,
        created_at: NaiveDateTime,
        company: &'a str,
    ) -> impl Iterator<Item = (usize, &'a Known)> + 'a {
        let tags = self.tags.get(&gid).map_or(&[][..], Vec::as_slice);
        self.known.iter().enumerate().filter(move |(i, known)| {
            (known.by_manager || known.author == owner || known.author == self.reader)
                && known
                    .announcement
                    .affects_parts(archived, created_at, company, tags, |_| {
                        self.picked.contains(&(*i, gid))
                    })
        })
    }

    /// The customer `gid`'s standing for the customers report (`archived`, `created_at`
    /// and `company` as the report reads them).
    pub fn standing(
        &self,
        gid: &str,
        owner: &str,
        archived: bool,
        created_at: NaiveDateTime,
        company: &str,
    ) -> Standing {
        let mut standing = Standing::default();
        let Some(gid) = uuid(gid) else {
            return standing;
        };
        for (i, known) in self.affecting(gid, owner, archived, created_at, company) {
            standing.affecting += 1;
            match self.told.get(&(i, gid)) {
                Some(&at) if known.announcement.is_late(at) => standing.told_late += 1,
                Some(_) => standing.told += 1,
                None => {
                    standing.not_told += 1;
                    // Nearest effective day first: keep the first.
                    if standing.next_not_told.is_none() {
                        standing.next_not_told = Some((
                            known.announcement.title.clone(),
                            known.announcement.effective,
                        ));
                    }
                }
            }
        }
        standing
    }

    /// Adds to `facts` (the customer `gid`, whose rep is `owner`) the announcements they
    /// have not been told about, and their stake when there is one.
    pub(super) fn attach(&self, facts: &mut CustomerFacts, gid: Uuid, owner: &str) {
        for (i, known) in self.affecting(gid, owner, false, facts.created_at, &facts.company) {
            if self.told.contains_key(&(i, gid)) {
                continue;
            }
            let by_owner = known.author == owner;
            let owed_by = if known.by_manager || by_owner {
                owner
            } else {
                known.author.as_str()
            };
            let announcement = &known.announcement;
            facts.pending_announcements.push(PendingAnnouncement {
                announcement_id: announcement.id,
                kind: announcement.kind,
                title: announcement.title.clone(),
                reason: announcement.reason.clone(),
                effective: announcement.effective,
                owed_by: (owed_by != self.reader).then(|| {
                    self.names
                        .get(owed_by)
                        .filter(|name| !name.trim().is_empty())
                        .cloned()
                        .unwrap_or_else(|| owed_by.to_owned())
                }),
            });
        }
        if !facts.pending_announcements.is_empty() {
            facts.orders_last_year = Cents(self.stakes.get(&gid).copied().unwrap_or(0));
        }
    }
}
