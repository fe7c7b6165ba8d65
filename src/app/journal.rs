//! The open journal and what the window shows of it, queried once after each change and
//! drawn from memory every frame.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::domain::announcement::{Progress, progress};
use crate::domain::rank::{Badges, RankSettings, RankedCustomer, rank};
use crate::domain::reminders::{Agenda, DueItem};
use crate::domain::{Customer, CustomerId, Entry, EntryId, EntryKindTag, MoneyFormat};
use crate::store::ownership::Ownership;
use crate::store::{CustomerStats, Result, Store};

/// A journal with its cached views.
pub struct Journal {
    pub store: Store,
    /// Every customer, by name.
    pub customers: Vec<Customer>,
    pub badges: HashMap<CustomerId, Badges>,
    pub stats: HashMap<CustomerId, CustomerStats>,
    /// Today's "Call them first" list.
    pub ranking: Vec<RankedCustomer>,
    /// Every announcement's progress, nearest effective day first.
    pub announcements: Vec<Progress>,
    /// For each customer, the announcements they have not been told about (indexes into
    /// [`Self::announcements`], nearest effective day first), so panels need no search.
    pub not_told: HashMap<CustomerId, Vec<usize>>,
    /// What is due (open items; closed ones are the calendar file's business), for the
    /// agenda and reminders.
    pub due_items: Vec<DueItem>,
    /// Today's agenda: overdue, due today, due tomorrow.
    pub agenda: Agenda,
    /// The selected customer's timeline, newest first.
    pub timeline: Vec<Entry>,
    /// Who wrote the selected customer's entries that someone else of the team wrote.
    pub timeline_authors: HashMap<EntryId, String>,
    /// The selected customer's place in the team (whose it is, whether it is read-only).
    pub ownership: Ownership,
    /// True when this journal syncs as a team manager (who may hand customers over).
    pub is_team_manager: bool,
    /// True once the journal syncs with a team (its changes can lose to later ones).
    pub in_team: bool,
    pub timeline_customer: Option<CustomerId>,
    /// How this journal writes money (its currency and number format).
    pub money: MoneyFormat,
    /// The day the caches were computed for.
    pub as_of: NaiveDate,
    /// `PRAGMA data_version` when the caches were filled: a change means another window wrote.
    data_version: i64,
    /// This connection's `total_changes` when the caches were filled.
    total_changes: u64,
}

impl Journal {
    /// Wraps an open store and fills the caches.
    pub fn new(store: Store, today: NaiveDate) -> Result<Self> {
        let mut journal = Self {
            store,
            customers: Vec::new(),
            badges: HashMap::new(),
            stats: HashMap::new(),
            ranking: Vec::new(),
            announcements: Vec::new(),
            not_told: HashMap::new(),
            due_items: Vec::new(),
            agenda: Agenda::default(),
            timeline: Vec::new(),
            timeline_authors: HashMap::new(),
            ownership: Ownership::default(),
            is_team_manager: false,
            in_team: false,
            timeline_customer: None,
            money: MoneyFormat::default(),
            as_of: today,
            data_version: 0,
            total_changes: 0,
        };
        journal.reload(today)?;
        Ok(journal)
    }

    /// Re-reads everything the window shows.
    pub fn reload(&mut self, today: NaiveDate) -> Result<()> {
        self.customers = self.store.customers()?;
        self.is_team_manager = self.store.is_team_manager()?;
        self.in_team = self.store.sync_is_recording()?;
        self.money = self.store.money_format()?;
        let facts = self.store.rank_facts(today)?;
        self.badges = facts
            .iter()
            .map(|f| (f.customer_id, f.badges(today)))
            .collect();
        self.ranking = rank(&facts, today, &RankSettings::with_money(self.money));
        self.stats = self.store.all_customer_stats()?;
        // The customers are already in memory: only the announcements and tellings are read.
        let tellings = self.store.announcement_tellings()?;
        self.announcements = self
            .store
            .announcements()?
            .iter()
            .map(|a| progress(a, &self.customers, &tellings, today))
            .collect();
        self.not_told.clear();
        for (index, announcement) in self.announcements.iter().enumerate() {
            for customer in announcement.not_told_customers() {
                self.not_told
                    .entry(customer.customer_id)
                    .or_default()
                    .push(index);
            }
        }
        self.due_items = self.store.due_items(today, 0)?;
        self.due_items.retain(DueItem::is_open);
        self.agenda = Agenda::build(&self.due_items, today);
        self.as_of = today;
        if let Some(customer) = self.timeline_customer {
            self.load_timeline(customer)?;
        }
        self.data_version = self.store.data_version()?;
        self.total_changes = self.store.total_changes();
        Ok(())
    }

    /// Loads one customer's timeline.
    pub fn load_timeline(&mut self, customer: CustomerId) -> Result<()> {
        self.timeline = self.store.timeline(customer)?;
        self.timeline_authors = self.store.entry_authors(customer)?;
        self.ownership = self.store.ownership(customer)?;
        self.timeline_customer = Some(customer);
        Ok(())
    }

    /// Keeps the Insights mornings computed on another connection, if nothing was written
    /// to the journal since the caches were filled (by this window or another): the caller
    /// makes sure the computation started after that. The write is this window's own, so
    /// it is not taken for a change made elsewhere.
    pub fn keep_insight_mornings(&mut self, keep: &crate::store::MorningsToKeep) -> Result<()> {
        if self.store.is_read_only()
            || self.changed_elsewhere()?
            || self.store.total_changes() != self.total_changes
        {
            return Ok(());
        }
        self.store.keep_insight_mornings(keep)?;
        self.total_changes = self.store.total_changes();
        Ok(())
    }

    /// True when another window committed a change since the caches were filled.
    pub fn changed_elsewhere(&self) -> Result<bool> {
        Ok(self.store.data_version()? != self.data_version)
    }

    /// A customer from the cache.
    pub fn customer(&self, id: CustomerId) -> Option<&Customer> {
        self.customers.iter().find(|c| c.id == id)
    }

    /// The announcements `customer` has not been told about, nearest effective day first.
    pub fn not_told_announcements(&self, customer: CustomerId) -> impl Iterator<Item = &Progress> {
        self.not_told
            .get(&customer)
            .into_iter()
            .flatten()
            .filter_map(|&index| self.announcements.get(index))
    }

    /// The indexes of the timeline entries of the given kinds (all when `kinds` is empty).
    pub fn timeline_indexes(&self, kinds: &[EntryKindTag]) -> Vec<usize> {
        self.timeline
            .iter()
            .enumerate()
            .filter(|(_, e)| kinds.is_empty() || kinds.contains(&e.kind.tag()))
            .map(|(i, _)| i)
            .collect()
    }
}
