//! The "Call them first" list as CSV and JSON, in stable, documented formats
//! (see docs/formats.md).

use std::io::Write;

use chrono::NaiveDate;
use serde::Serialize;

use super::csv_text::SafeText;
use crate::domain::dates::format_date;
use crate::domain::rank::RankedCustomer;

/// One CSV row of the ranking.
#[derive(Serialize)]
struct RankRow {
    rank: usize,
    customer_id: i64,
    customer: SafeText,
    company: SafeText,
    phone: SafeText,
    score: i64,
    top_reason: &'static str,
    reasons: SafeText,
    opener: SafeText,
}

/// Writes the ranking as CSV: one row per customer, reasons joined by " | ".
pub fn write_csv(out: impl Write, ranked: &[RankedCustomer], bom: bool) -> csv::Result<()> {
    let mut out = out;
    if bom {
        out.write_all(super::UTF8_BOM)?;
    }
    let mut writer = super::csv_writer(out);
    for customer in ranked {
        let reasons: Vec<String> = customer
            .reasons
            .iter()
            .map(|r| format!("{} ({} pts)", r.text, r.points))
            .collect();
        writer.serialize(RankRow {
            rank: customer.rank,
            customer_id: customer.customer_id.0,
            customer: customer.name.as_str().into(),
            company: customer.company.as_str().into(),
            phone: customer.phone.as_str().into(),
            score: customer.score,
            top_reason: customer.top_reason().map_or("", |r| r.kind.code()),
            reasons: reasons.join(" | ").into(),
            opener: customer.opener.as_str().into(),
        })?;
    }
    if ranked.is_empty() {
        writer.write_record([
            "rank",
            "customer_id",
            "customer",
            "company",
            "phone",
            "score",
            "top_reason",
            "reasons",
            "opener",
        ])?;
    }
    writer.flush()?;
    Ok(())
}

#[derive(Serialize)]
struct JsonReason<'a> {
    kind: &'static str,
    points: i64,
    text: &'a str,
    since: String,
    entry_id: Option<i64>,
}

#[derive(Serialize)]
struct JsonCustomer<'a> {
    rank: usize,
    customer_id: i64,
    customer: &'a str,
    company: &'a str,
    phone: &'a str,
    score: i64,
    opener: &'a str,
    reasons: Vec<JsonReason<'a>>,
}

#[derive(Serialize)]
struct JsonRanking<'a> {
    format: &'static str,
    today: String,
    customers: Vec<JsonCustomer<'a>>,
}

/// Writes the ranking as one JSON document.
pub fn write_json(
    out: impl Write,
    ranked: &[RankedCustomer],
    today: NaiveDate,
) -> serde_json::Result<()> {
    let document = JsonRanking {
        format: "candor.rank.v1",
        today: format_date(today),
        customers: ranked
            .iter()
            .map(|c| JsonCustomer {
                rank: c.rank,
                customer_id: c.customer_id.0,
                customer: &c.name,
                company: &c.company,
                phone: &c.phone,
                score: c.score,
                opener: &c.opener,
                reasons: c
                    .reasons
                    .iter()
                    .map(|r| JsonReason {
                        kind: r.kind.code(),
                        points: r.points,
                        text: &r.text,
                        since: format_date(r.since),
                        entry_id: r.entry_id.map(|id| id.0),
                    })
                    .collect(),
            })
            .collect(),
    };
    let mut out = out;
    serde_json::to_writer_pretty(&mut out, &document)?;
    out.write_all(b"\n").map_err(serde_json::Error::io)
}
