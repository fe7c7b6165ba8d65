//! `candor announce status`: every announcement's progress as a table for people or JSON
//! for scripts (format: docs/formats.md).

use std::io::Write;

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::announcement::Progress;
use crate::domain::dates::format_date;

/// One announcement in the JSON output.
#[derive(Serialize)]
struct StatusJson<'a> {
    id: i64,
    kind: &'static str,
    title: &'a str,
    reason: &'a str,
    effective: String,
    days_left: i64,
    audience: String,
    affected: usize,
    told: usize,
    told_late: usize,
    not_told: usize,
    not_told_customers: Vec<CustomerJson<'a>>,
}

#[derive(Serialize)]
struct CustomerJson<'a> {
    customer_id: i64,
    name: &'a str,
    company: &'a str,
}

/// Writes the progress as a JSON array, one object per announcement.
pub fn write_json(out: &mut impl Write, progress: &[Progress]) -> std::io::Result<()> {
    let rows: Vec<StatusJson<'_>> = progress
        .iter()
        .map(|p| StatusJson {
            id: p.announcement.id.0,
            kind: p.announcement.kind.code(),
            title: &p.announcement.title,
            reason: &p.announcement.reason,
            effective: format_date(p.announcement.effective),
            days_left: p.days_left,
            audience: p.announcement.audience.describe(),
            affected: p.affected.len(),
            told: p.told,
            told_late: p.told_late,
            not_told: p.not_told,
            not_told_customers: p
                .not_told_customers()
                .map(|c| CustomerJson {
                    customer_id: c.customer_id.0,
                    name: &c.name,
                    company: &c.company,
                })
                .collect(),
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &rows)?;
    writeln!(out)
}

/// Writes the progress as a table: one block per announcement, the customers not told
/// yet listed under it.
pub fn write_table(
    out: &mut impl Write,
    progress: &[Progress],
    today: NaiveDate,
) -> std::io::Result<()> {
    writeln!(out, "Announcements — {}", format_date(today))?;
    if progress.is_empty() {
        writeln!(
            out,
            "No announcements yet. Make one with `candor announce --kind price-increase --title … --effective YYYY-MM-DD --all`."
        )?;
    }
    for p in progress {
        let a = &p.announcement;
        writeln!(
            out,
            "#{} \"{}\" — {}, effective {} ({}), {}",
            a.id.0,
            a.title,
            a.kind.label().to_lowercase(),
            format_date(a.effective),
            p.days_left_text(),
            a.audience.describe()
        )?;
        writeln!(
            out,
            "    affected {} · told {} · told late {} · not told {}",
            p.affected.len(),
            p.told,
            p.told_late,
            p.not_told
        )?;
        for customer in p.not_told_customers() {
            if customer.company.is_empty() {
                writeln!(out, "    not told: {}", customer.name)?;
            } else {
                writeln!(
                    out,
                    "    not told: {} ({})",
                    customer.name, customer.company
                )?;
            }
        }
    }
    Ok(())
}
