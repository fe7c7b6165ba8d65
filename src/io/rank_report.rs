//! The "Call them first" list as CSV and JSON, in stable, documented formats
//! (see docs/formats.md).

use std::io::Write;

use chrono::NaiveDate;
use serde::Serialize;

use super::csv_text::SafeText;
use crate::domain::dates::format_date;
use crate::domain::rank::RankedCustomer;
use crate::team::TeamRanking;

/// One CSV row of the ranking.
#[derive(Serialize)]
struct RankRow {
    /// The rep who owns the customer (team reports only).
    #[serde(skip_serializing_if = "Option::is_none")]
    rep: Option<SafeText>,
    rank: usize,
    customer_id: super::csv_text::CsvId,
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
    write_csv_rows(out, ranked, bom, None)
}

/// Writes a team ranking as CSV: the single-journal columns after a `rep` column, with
/// global customer ids.
pub fn write_team_csv(out: impl Write, ranking: &TeamRanking, bom: bool) -> csv::Result<()> {
    write_csv_rows(out, &ranking.ranked, bom, Some(ranking))
}

const RANK_COLUMNS: &[&str] = &[
    "rank",
    "customer_id",
    "customer",
    "company",
    "phone",
    "score",
    "top_reason",
    "reasons",
    "opener",
];

fn write_csv_rows(
    out: impl Write,
    ranked: &[RankedCustomer],
    bom: bool,
    team: Option<&TeamRanking>,
) -> csv::Result<()> {
    let mut out = out;
    if bom {
        out.write_all(super::UTF8_BOM)?;
    }
    let mut writer = super::csv_writer_without_header(out);
    let mut header: Vec<&str> = team.map(|_| "rep").into_iter().collect();
    header.extend_from_slice(RANK_COLUMNS);
    writer.write_record(&header)?;
    for customer in ranked {
        let reasons: Vec<String> = customer
            .reasons
            .iter()
            .map(|r| format!("{} ({} pts)", r.text, r.points))
            .collect();
        writer.serialize(RankRow {
            rep: team.map(|t| t.rep_of(customer.customer_id).into()),
            rank: customer.rank,
            customer_id: match team {
                Some(t) => super::csv_text::CsvId::Global(t.gid_of(customer.customer_id)),
                None => super::csv_text::CsvId::Local(customer.customer_id.0),
            },
            customer: customer.name.as_str().into(),
            company: customer.company.as_str().into(),
            phone: customer.phone.as_str().into(),
            score: customer.score,
            top_reason: customer.top_reason().map_or("", |r| r.kind.code()),
            reasons: reasons.join(" | ").into(),
            opener: customer.opener.as_str().into(),
        })?;
    }
    writer.flush()?;
    Ok(())
}

#[derive(Serialize)]
struct JsonReason<'a> {
    kind: &'static str,
    points: i64,
    text: &'a str,
    since: JsonDate,
    entry_id: Option<i64>,
    /// The entry's global id (team rankings, where local ids mean nothing).
    #[serde(skip_serializing_if = "Option::is_none")]
    entry_gid: Option<String>,
}

#[derive(Serialize)]
struct JsonCustomer<'a> {
    rank: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer_id: Option<i64>,
    /// The customer's global id (team rankings).
    #[serde(skip_serializing_if = "Option::is_none")]
    customer_gid: Option<String>,
    /// The rep who owns the customer (team rankings).
    #[serde(skip_serializing_if = "Option::is_none")]
    rep: Option<&'a str>,
    customer: &'a str,
    company: &'a str,
    phone: &'a str,
    score: i64,
    opener: &'a str,
    reasons: JsonReasons<'a>,
}

/// A date written as the journal stores it (`YYYY-MM-DD`), without a `String` of its own:
/// 26,000 reasons for 10,000 customers.
struct JsonDate(NaiveDate);

impl Serialize for JsonDate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&crate::domain::dates::DateText(self.0))
    }
}

/// A customer's reasons, serialized one by one as they are read (no list of them built).
struct JsonReasons<'a> {
    customer: &'a RankedCustomer,
    team: Option<&'a TeamRanking>,
}

impl Serialize for JsonReasons<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let team = self.team;
        serializer.collect_seq(self.customer.reasons.iter().map(|r| JsonReason {
            kind: r.kind.code(),
            points: r.points,
            text: &r.text,
            since: JsonDate(r.since),
            entry_id: match team {
                None => r.entry_id.map(|id| id.0),
                Some(_) => None,
            },
            entry_gid: team.and_then(|t| r.entry_id.and_then(|id| t.entry_gid_of(id))),
        }))
    }
}

/// The customers, serialized one by one as they are read: 10,000 customers went through
/// a list of them, and a list of each one's reasons, before the first byte was written.
struct JsonCustomers<'a> {
    ranked: &'a [RankedCustomer],
    team: Option<&'a TeamRanking>,
}

impl Serialize for JsonCustomers<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let team = self.team;
        serializer.collect_seq(self.ranked.iter().map(|c| JsonCustomer {
            rank: c.rank,
            customer_id: team.is_none().then_some(c.customer_id.0),
            customer_gid: team.map(|t| t.gid_of(c.customer_id)),
            rep: team.map(|t| t.rep_of(c.customer_id)),
            customer: &c.name,
            company: &c.company,
            phone: &c.phone,
            score: c.score,
            opener: &c.opener,
            reasons: JsonReasons { customer: c, team },
        }))
    }
}

#[derive(Serialize)]
struct JsonRanking<'a> {
    format: &'static str,
    today: String,
    customers: JsonCustomers<'a>,
}

/// Writes the ranking as one JSON document.
pub fn write_json(
    out: impl Write,
    ranked: &[RankedCustomer],
    today: NaiveDate,
) -> serde_json::Result<()> {
    write_json_document(out, ranked, today, "candor.rank.v1", None)
}

/// Writes a team ranking as one JSON document: the single-journal format with each
/// customer's rep and global id, and global entry ids in the reasons.
pub fn write_team_json(
    out: impl Write,
    ranking: &TeamRanking,
    today: NaiveDate,
) -> serde_json::Result<()> {
    write_json_document(
        out,
        &ranking.ranked,
        today,
        "candor.team-rank.v1",
        Some(ranking),
    )
}

fn write_json_document(
    out: impl Write,
    ranked: &[RankedCustomer],
    today: NaiveDate,
    format: &'static str,
    team: Option<&TeamRanking>,
) -> serde_json::Result<()> {
    let document = JsonRanking {
        format,
        today: format_date(today),
        customers: JsonCustomers { ranked, team },
    };
    let mut out = out;
    serde_json::to_writer_pretty(&mut out, &document)?;
    out.write_all(b"\n").map_err(serde_json::Error::io)
}

/// Writes a team ranking as the text table `candor rank` prints, each customer naming
/// its rep.
pub fn write_team_table(
    out: &mut impl Write,
    ranking: &TeamRanking,
    today: NaiveDate,
) -> std::io::Result<()> {
    writeln!(out, "Call them first, whole team — {}", format_date(today))?;
    if ranking.ranked.is_empty() {
        writeln!(out, "Nobody is waiting on the team today.")?;
    }
    for customer in &ranking.ranked {
        let who = if customer.company.is_empty() {
            customer.name.clone()
        } else {
            format!("{} ({})", customer.name, customer.company)
        };
        writeln!(
            out,
            "{:>3}. {who} — score {} — rep {}",
            customer.rank,
            customer.score,
            ranking.rep_of(customer.customer_id)
        )?;
        for reason in &customer.reasons {
            writeln!(out, "       {:>4}  {}", reason.points, reason.text)?;
        }
        writeln!(out, "       Say: {}", customer.opener)?;
    }
    Ok(())
}
