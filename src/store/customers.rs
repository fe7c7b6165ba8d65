//! Customers: add, edit, archive, list.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use rusqlite::{OptionalExtension, Row, Transaction, params};

use super::entry_row::get_datetime;
use super::{Result, Store, StoreError};
use crate::domain::dates::format_datetime;
use crate::domain::{Customer, CustomerDraft, CustomerId};

pub(super) const CUSTOMER_COLUMNS: &str =
    "id, name, company, phone, email, notes, tags, cadence_days, archived, created_at, updated_at";

pub(super) fn read_customer(row: &Row<'_>) -> rusqlite::Result<Customer> {
    let tags_json: String = row.get(6)?;
    let tags = serde_json::from_str(&tags_json).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(Customer {
        id: CustomerId(row.get(0)?),
        name: row.get(1)?,
        company: row.get(2)?,
        phone: row.get(3)?,
        email: row.get(4)?,
        notes: row.get(5)?,
        tags,
        cadence_days: row.get(7)?,
        archived: row.get(8)?,
        created_at: get_datetime(row, 9)?,
        updated_at: get_datetime(row, 10)?,
    })
}

fn tags_json(tags: &[String]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".to_owned())
}

/// Inserts a customer row; the caller refreshes its summary.
pub(super) fn insert_customer(
    tx: &Transaction<'_>,
    draft: &CustomerDraft,
    created_at: NaiveDateTime,
    now: NaiveDateTime,
) -> rusqlite::Result<CustomerId> {
    tx.prepare_cached(
        "INSERT INTO customers (name, company, phone, email, notes, tags, cadence_days, \
         archived, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        draft.name,
        draft.company,
        draft.phone,
        draft.email,
        draft.notes,
        tags_json(&draft.tags),
        draft.cadence_days,
        draft.archived,
        format_datetime(created_at),
        format_datetime(now),
    ])?;
    Ok(CustomerId(tx.last_insert_rowid()))
}

/// Overwrites a customer's editable fields; returns how many rows changed (0: no such
/// customer).
pub(super) fn update_customer_row(
    tx: &Transaction<'_>,
    id: CustomerId,
    draft: &CustomerDraft,
    now: NaiveDateTime,
) -> rusqlite::Result<usize> {
    tx.prepare_cached(
        "UPDATE customers SET name = ?2, company = ?3, phone = ?4, email = ?5, notes = ?6, \
         tags = ?7, cadence_days = ?8, archived = ?9, updated_at = ?10 WHERE id = ?1",
    )?
    .execute(params![
        id.0,
        draft.name,
        draft.company,
        draft.phone,
        draft.email,
        draft.notes,
        tags_json(&draft.tags),
        draft.cadence_days,
        draft.archived,
        format_datetime(now),
    ])
}

impl Store {
    /// Adds a customer; returns it as saved.
    pub fn add_customer(&mut self, draft: CustomerDraft, now: NaiveDateTime) -> Result<Customer> {
        let draft = draft.validated()?;
        let id = self.write(|tx| {
            let id = insert_customer(tx, &draft, now, now)?;
            super::summary::refresh(tx, id)?;
            Ok(id)
        })?;
        self.customer(id)
    }

    /// Saves the edited fields of a customer.
    pub fn update_customer(
        &mut self,
        id: CustomerId,
        draft: CustomerDraft,
        now: NaiveDateTime,
    ) -> Result<Customer> {
        let draft = draft.validated()?;
        let changed = self.write(|tx| update_customer_row(tx, id, &draft, now))?;
        if changed == 0 {
            return Err(StoreError::NotFound { what: "customer" });
        }
        self.customer(id)
    }

    /// Archives or brings back a customer (archived customers leave lists and the ranking;
    /// nothing of their history is deleted).
    pub fn set_archived(
        &mut self,
        id: CustomerId,
        archived: bool,
        now: NaiveDateTime,
    ) -> Result<Customer> {
        let mut draft = self.customer(id)?.to_draft();
        draft.archived = archived;
        self.update_customer(id, draft, now)
    }

    /// One customer.
    pub fn customer(&self, id: CustomerId) -> Result<Customer> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {CUSTOMER_COLUMNS} FROM customers WHERE id = ?1"
            ))
            .and_then(|mut s| s.query_row([id.0], read_customer).optional())
            .map_err(self.fail())?
            .ok_or(StoreError::NotFound { what: "customer" })
    }

    /// Every customer not in the trash, archived ones included, by name.
    pub fn customers(&self) -> Result<Vec<Customer>> {
        let mut statement = self
            .conn
            .prepare_cached(&format!(
                "SELECT {CUSTOMER_COLUMNS} FROM customers WHERE deleted_at IS NULL \
                 ORDER BY name COLLATE NOCASE, id"
            ))
            .map_err(self.fail())?;
        statement
            .query_map([], read_customer)
            .and_then(|rows| rows.collect())
            .map_err(self.fail())
    }

    /// Each customer's name and company (customers not in the trash), for a report that
    /// names the customer beside each row: no other column read, no order.
    pub fn customer_names(&self) -> Result<HashMap<CustomerId, (String, String)>> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT id, name, company FROM customers WHERE deleted_at IS NULL")
            .map_err(self.fail())?;
        statement
            .query_map([], |row| {
                Ok((CustomerId(row.get(0)?), (row.get(1)?, row.get(2)?)))
            })
            .and_then(|rows| rows.collect())
            .map_err(self.fail())
    }

    /// The number of customers not in the trash (archived included).
    pub fn customer_count(&self) -> Result<usize> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM customers WHERE deleted_at IS NULL",
                [],
                |row| row.get::<_, i64>(0),
            )
            .map(|count| count as usize)
            .map_err(self.fail())
    }

    /// Moves a customer to the trash: they leave lists, the ranking, reports and reminders;
    /// their details and entries stay until purged from the trash. Returns them as they were.
    pub fn delete_customer(&mut self, id: CustomerId, now: NaiveDateTime) -> Result<Customer> {
        let customer = self.customer(id)?;
        let changed = self.write(|tx| {
            tx.prepare_cached(
                "UPDATE customers SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
            )?
            .execute(params![id.0, format_datetime(now)])
        })?;
        if changed == 0 {
            return Err(StoreError::Invalid(crate::domain::ValidationError::new(
                format!(
                    "{} is already in the trash: restore them from Edit → Trash.",
                    customer.name
                ),
            )));
        }
        Ok(customer)
    }

    /// Brings a customer back from the trash, with all their entries.
    pub fn restore_customer(&mut self, id: CustomerId) -> Result<Customer> {
        let changed = self.write(|tx| {
            tx.prepare_cached("UPDATE customers SET deleted_at = NULL WHERE id = ?1")?
                .execute([id.0])
        })?;
        if changed == 0 {
            return Err(StoreError::NotFound { what: "customer" });
        }
        self.customer(id)
    }

    /// Deletes a customer and their whole history for good. Only customers already in the
    /// trash can be purged, so nothing is lost by one mistaken click.
    pub fn purge_customer(&mut self, id: CustomerId) -> Result<()> {
        let customer = self.customer(id)?;
        let in_trash: bool = self
            .conn
            .prepare_cached("SELECT deleted_at IS NOT NULL FROM customers WHERE id = ?1")
            .and_then(|mut s| s.query_row([id.0], |row| row.get(0)))
            .map_err(self.fail())?;
        if !in_trash {
            return Err(StoreError::Invalid(crate::domain::ValidationError::new(
                format!(
                    "Only customers in the trash can be deleted for good: delete {} first.",
                    customer.name
                ),
            )));
        }
        self.write(|tx| {
            // Links from other customers' entries to this one's would dangle.
            tx.prepare_cached(
                "UPDATE entries SET related_id = NULL WHERE related_id IN \
                 (SELECT id FROM entries WHERE customer_id = ?1) AND customer_id <> ?1",
            )?
            .execute([id.0])?;
            tx.prepare_cached("DELETE FROM announcement_customers WHERE customer_id = ?1")?
                .execute([id.0])?;
            tx.prepare_cached("DELETE FROM entries WHERE customer_id = ?1")?
                .execute([id.0])?;
            tx.prepare_cached("DELETE FROM customer_summary WHERE customer_id = ?1")?
                .execute([id.0])?;
            tx.prepare_cached("DELETE FROM customers WHERE id = ?1")?
                .execute([id.0])?;
            Ok(())
        })
    }

    /// Customers in the trash with when they were deleted, most recently deleted first.
    pub fn deleted_customers(&self) -> Result<Vec<(Customer, NaiveDateTime)>> {
        let mut statement = self
            .conn
            .prepare_cached(&format!(
                "SELECT {CUSTOMER_COLUMNS}, deleted_at FROM customers \
                 WHERE deleted_at IS NOT NULL ORDER BY deleted_at DESC, id DESC"
            ))
            .map_err(self.fail())?;
        statement
            .query_map([], |row| Ok((read_customer(row)?, get_datetime(row, 11)?)))
            .and_then(|rows| rows.collect())
            .map_err(self.fail())
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::domain::{EntryDraft, EntryKind, Promise, PromiseCategory};

    fn at(day: u32, hour: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, day)
            .and_then(|d| d.and_hms_opt(hour, 0, 0))
            .unwrap_or_default()
    }

    /// A journal with Ada, who is owed a promise due today, and Bo.
    fn journal() -> (Store, CustomerId, CustomerId) {
        let mut store = Store::open_in_memory().unwrap();
        let ada = store
            .add_customer(CustomerDraft::named("Ada"), at(1, 9))
            .unwrap();
        let bo = store
            .add_customer(CustomerDraft::named("Bo"), at(1, 9))
            .unwrap();
        let due = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        store
            .add_entry(
                EntryDraft {
                    customer_id: ada.id,
                    occurred_at: at(2, 9),
                    summary: "Send the quote".into(),
                    kind: EntryKind::Promise(Promise::new(due, PromiseCategory::Information)),
                },
                at(2, 9),
            )
            .unwrap();
        (store, ada.id, bo.id)
    }

    #[test]
    fn a_deleted_customer_leaves_lists_ranking_and_reminders_until_restored() {
        let (mut store, ada, _bo) = journal();
        let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let ranked = |store: &Store| -> Vec<CustomerId> {
            store
                .rank_facts(today)
                .unwrap()
                .iter()
                .map(|f| f.customer_id)
                .collect()
        };
        assert!(ranked(&store).contains(&ada));
        assert_eq!(store.due_items(today, 0).unwrap().len(), 1);

        let deleted = store.delete_customer(ada, at(20, 10)).unwrap();
        assert_eq!(deleted.name, "Ada");
        let names: Vec<String> = store
            .customers()
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, ["Bo"]);
        assert_eq!(store.customer_count().unwrap(), 1);
        assert!(!ranked(&store).contains(&ada));
        assert!(store.due_items(today, 0).unwrap().is_empty());
        let trash = store.deleted_customers().unwrap();
        assert_eq!(trash.len(), 1);
        assert_eq!((trash[0].0.id, trash[0].1), (ada, at(20, 10)));
        // Deleting twice says where they are.
        let again = store.delete_customer(ada, at(20, 11)).unwrap_err();
        assert!(
            again.to_string().contains("already in the trash"),
            "{again}"
        );

        store.restore_customer(ada).unwrap();
        assert_eq!(store.customers().unwrap().len(), 2);
        assert!(ranked(&store).contains(&ada));
        assert_eq!(
            store.timeline(ada).unwrap().len(),
            1,
            "history came back with them"
        );
        assert!(store.deleted_customers().unwrap().is_empty());
    }

    #[test]
    fn only_a_customer_in_the_trash_can_be_purged_and_then_nothing_of_theirs_remains() {
        let (mut store, ada, bo) = journal();
        let refused = store.purge_customer(ada).unwrap_err();
        assert!(
            refused.to_string().contains("Only customers in the trash"),
            "{refused}"
        );
        assert_eq!(store.timeline(ada).unwrap().len(), 1);

        store.delete_customer(ada, at(20, 10)).unwrap();
        store.purge_customer(ada).unwrap();
        assert!(matches!(
            store.customer(ada),
            Err(StoreError::NotFound { .. })
        ));
        assert!(store.deleted_customers().unwrap().is_empty());
        assert!(store.timeline(ada).unwrap().is_empty());
        assert_eq!(store.customers().unwrap()[0].id, bo);
        assert_eq!(store.integrity_check().unwrap(), Ok(()));
    }
}
