//! `candor history`: the changes to one customer (and their entries) that lost to a later
//! change, as lines for people or JSON for scripts.

use std::io::Write;

use serde::Serialize;

use crate::domain::Customer;
use crate::domain::dates::format_datetime;
use crate::domain::history::{LostChange, grouped};

/// How `candor history` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HistoryFormat {
    Table,
    Json,
}

/// One lost change in the JSON output.
#[derive(Serialize)]
struct LostJson {
    /// "Customer details" or `Promise "Send the quote"`.
    about: String,
    field: String,
    lost_value: String,
    lost_by: String,
    lost_at: Option<String>,
    /// `null` when the winner was changed again since and is no longer known here.
    won_value: Option<String>,
    won_by: String,
    won_at: Option<String>,
    sentence: String,
}

/// Writes the lost changes as a JSON array, oldest first.
pub fn write_json(out: &mut impl Write, changes: &[LostChange]) -> std::io::Result<()> {
    let rows: Vec<LostJson> = changes
        .iter()
        .map(|change| LostJson {
            about: change.thing.describe(),
            field: change.field_label(),
            lost_value: change.lost_text(),
            lost_by: change.lost_by.clone(),
            lost_at: change.lost_at().map(format_datetime),
            won_value: change.won_text(),
            won_by: change.won_by.clone(),
            won_at: change.won_at().map(format_datetime),
            sentence: change.sentence(),
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &rows)?;
    writeln!(out)
}

/// Writes the lost changes for people: the customer's details first, then each entry.
pub fn write_table(
    out: &mut impl Write,
    customer: &Customer,
    changes: &[LostChange],
) -> std::io::Result<()> {
    if changes.is_empty() {
        return writeln!(
            out,
            "No change to {} or their entries lost to a later one.",
            customer.name
        );
    }
    writeln!(
        out,
        "Changes to {} that lost to a later change ({}):",
        customer.name,
        changes.len()
    )?;
    for (thing, list) in grouped(changes) {
        writeln!(out, "{}", thing.describe())?;
        for change in list {
            writeln!(out, "  {}", change.sentence())?;
        }
    }
    Ok(())
}
