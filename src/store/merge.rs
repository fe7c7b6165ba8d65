//! Two records of one customer become one: the second one's entries (trash included) move
//! to the first, its details fill the first's gaps, and it goes. Everything needed to undo
//! it is returned, and [`Store::undo_merge`] puts both records back exactly.

use chrono::NaiveDateTime;
use rusqlite::params;

use super::customers::update_customer_row;
use super::{Result, Store};
use crate::domain::customer::merged_details;
use crate::domain::dates::format_datetime;
use crate::domain::{Customer, CustomerId, EntryId, ValidationError};

/// What a merge changed.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerMerge {
    /// The customer kept, as it was before.
    pub kept_before: Customer,
    /// The customer merged into it, as it was.
    pub absorbed: Customer,
    /// The entries that moved from `absorbed` to the kept customer.
    pub moved: Vec<EntryId>,
}

impl Store {
    /// Merges `absorb` into `keep` in one transaction.
    pub fn merge_customers(
        &mut self,
        keep: CustomerId,
        absorb: CustomerId,
        now: NaiveDateTime,
    ) -> Result<CustomerMerge> {
        if keep == absorb {
            return Err(ValidationError::new(
                "Pick another customer to merge with: a customer cannot be merged into itself.",
            )
            .into());
        }
        let kept_before = self.customer(keep)?;
        let absorbed = self.customer(absorb)?;
        let draft = merged_details(&kept_before, &absorbed).validated()?;
        let moved = self.write(|tx| {
            let moved: Vec<EntryId> = tx
                .prepare_cached("SELECT id FROM entries WHERE customer_id = ?1 ORDER BY id")?
                .query_map([absorb.0], |row| row.get(0).map(EntryId))?
                .collect::<rusqlite::Result<_>>()?;
            tx.prepare_cached("UPDATE entries SET customer_id = ?1 WHERE customer_id = ?2")?
                .execute(params![keep.0, absorb.0])?;
            tx.prepare_cached("DELETE FROM customer_summary WHERE customer_id = ?1")?
                .execute([absorb.0])?;
            tx.prepare_cached("DELETE FROM customers WHERE id = ?1")?
                .execute([absorb.0])?;
            update_customer_row(tx, keep, &draft, now)?;
            super::summary::refresh(tx, keep)?;
            Ok(moved)
        })?;
        Ok(CustomerMerge {
            kept_before,
            absorbed,
            moved,
        })
    }

    /// Takes a merge back: the absorbed customer returns with its own id, details and
    /// entries, and the kept one gets its details back.
    pub fn undo_merge(&mut self, merge: &CustomerMerge, now: NaiveDateTime) -> Result<()> {
        let absorbed = &merge.absorbed;
        let kept = merge.kept_before.id;
        let exists = self.write(|tx| {
            let taken: i64 = tx.query_row(
                "SELECT COUNT(*) FROM customers WHERE id = ?1",
                [absorbed.id.0],
                |row| row.get(0),
            )?;
            if taken > 0 {
                return Ok(false);
            }
            tx.prepare_cached(
                "INSERT INTO customers (id, name, company, phone, email, notes, tags, \
                 cadence_days, archived, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                absorbed.id.0,
                absorbed.name,
                absorbed.company,
                absorbed.phone,
                absorbed.email,
                absorbed.notes,
                serde_json::to_string(&absorbed.tags).unwrap_or_else(|_| "[]".to_owned()),
                absorbed.cadence_days,
                absorbed.archived,
                format_datetime(absorbed.created_at),
                format_datetime(absorbed.updated_at),
            ])?;
            let mut move_back = tx.prepare_cached(
                "UPDATE entries SET customer_id = ?1 WHERE id = ?2 AND customer_id = ?3",
            )?;
            for id in &merge.moved {
                move_back.execute(params![absorbed.id.0, id.0, kept.0])?;
            }
            update_customer_row(tx, kept, &merge.kept_before.to_draft(), now)?;
            super::summary::refresh(tx, kept)?;
            super::summary::refresh(tx, absorbed.id)?;
            Ok(true)
        })?;
        if exists {
            Ok(())
        } else {
            Err(ValidationError::new(format!(
                "{} cannot come back: their customer number is in use again. Their entries stay with {}.",
                absorbed.name, merge.kept_before.name
            ))
            .into())
        }
    }
}
