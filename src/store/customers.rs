//! Customers: add, edit, archive, list.

use chrono::NaiveDateTime;
use rusqlite::{OptionalExtension, Row, Transaction, params};

use super::entry_row::get_datetime;
use super::{Result, Store, StoreError};
use crate::domain::dates::format_datetime;
use crate::domain::{Customer, CustomerDraft, CustomerId};

const CUSTOMER_COLUMNS: &str =
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

    /// Every customer, archived ones included, by name.
    pub fn customers(&self) -> Result<Vec<Customer>> {
        let mut statement = self
            .conn
            .prepare_cached(&format!(
                "SELECT {CUSTOMER_COLUMNS} FROM customers ORDER BY name COLLATE NOCASE, id"
            ))
            .map_err(self.fail())?;
        statement
            .query_map([], read_customer)
            .and_then(|rows| rows.collect())
            .map_err(self.fail())
    }

    /// The number of customers (archived included).
    pub fn customer_count(&self) -> Result<usize> {
        self.conn
            .query_row("SELECT COUNT(*) FROM customers", [], |row| {
                row.get::<_, i64>(0)
            })
            .map(|count| count as usize)
            .map_err(self.fail())
    }
}
