//! The writing side shared by the imports: each importer (timeline, contacts) takes the
//! rows its reading side made, one at a time, inside the import's one transaction.

use super::ImportSummary;
use crate::store::{BulkWriter, StoreError};

/// What the reading pass (`stream.rs`) and the whole-file imports hand each row to, inside
/// the import's one transaction, in the file's order.
pub(super) trait RowWriter {
    /// A row as the reading thread made it from the file's cells.
    type Row: Send;

    /// Writes (or leaves out, counted) one row.
    fn apply(
        &mut self,
        w: &mut BulkWriter<'_, '_>,
        row: Self::Row,
        summary: &mut ImportSummary,
    ) -> Result<(), StoreError>;

    /// Finishes the import, once every row was handed over (nothing to do by default).
    fn finish(
        &mut self,
        _w: &mut BulkWriter<'_, '_>,
        _summary: &mut ImportSummary,
    ) -> Result<(), StoreError> {
        Ok(())
    }
}
