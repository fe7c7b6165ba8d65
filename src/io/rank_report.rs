//! The "Call them first" list as CSV and JSON, in stable, documented formats
//! (see docs/formats.md).

use std::io::Write;

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};

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
        serializer.collect_seq(self.ranked.iter().map(|c| json_customer(c, team)))
    }
}

fn json_customer<'a>(c: &'a RankedCustomer, team: Option<&'a TeamRanking>) -> JsonCustomer<'a> {
    JsonCustomer {
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

/// From this many customers on, the second half of the list is rendered on another core
/// while the first is written: 10,000 customers make 7 MB of JSON, a fifth of
/// `candor rank --format json`'s time on one core (issue 14).
const RENDER_ON_TWO_CORES_FROM: usize = 1_000;

fn write_json_document(
    out: impl Write,
    ranked: &[RankedCustomer],
    today: NaiveDate,
    format: &'static str,
    team: Option<&TeamRanking>,
) -> serde_json::Result<()> {
    let split = (ranked.len() >= RENDER_ON_TWO_CORES_FROM).then(|| ranked.len().div_ceil(2));
    write_json_split(out, ranked, today, format, team, split)
}

/// [`write_json_document`], the customers from `split` on rendered on a second thread and
/// written where the first half ends: byte for byte what one thread writes.
fn write_json_split(
    mut out: impl Write,
    ranked: &[RankedCustomer],
    today: NaiveDate,
    format: &'static str,
    team: Option<&TeamRanking>,
    split: Option<usize>,
) -> serde_json::Result<()> {
    // Both halves are split where the first is not empty, so the tail always follows an
    // element of the first half.
    let (first, tail) = match split {
        Some(at) if at > 0 && at < ranked.len() => ranked.split_at(at),
        _ => (ranked, &[][..]),
    };
    std::thread::scope(|scope| {
        let rendered = (!tail.is_empty())
            .then(|| {
                std::thread::Builder::new()
                    .spawn_scoped(scope, move || render_array_elements(tail, team))
                    .ok()
            })
            .flatten();
        // No thread to be had: the whole list is written here.
        let first = if rendered.is_none() { ranked } else { first };
        let document = JsonRanking {
            format,
            today: format_date(today),
            customers: JsonCustomers {
                ranked: first,
                team,
            },
        };
        let formatter = TailFormatter {
            pretty: PrettyFormatter::new(),
            depth: 0,
            tail: rendered,
        };
        let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
        document.serialize(&mut serializer)
    })?;
    out.write_all(b"\n").map_err(serde_json::Error::io)
}

/// The depth of the customers' array in the document (inside its outer object).
const CUSTOMERS_DEPTH: usize = 2;

/// Customers as the elements that follow others in the document's customers array: each
/// with its separator and indented to its depth, as `serde_json`'s pretty printer writes
/// them there.
fn render_array_elements(
    customers: &[RankedCustomer],
    team: Option<&TeamRanking>,
) -> serde_json::Result<Vec<u8>> {
    // The pretty printer, inside the outer object and the customers' array.
    let mut inside = PrettyFormatter::new();
    let mut nowhere = std::io::sink();
    inside
        .begin_object(&mut nowhere)
        .map_err(serde_json::Error::io)?;
    inside
        .begin_array(&mut nowhere)
        .map_err(serde_json::Error::io)?;
    // About 680 bytes a customer in a usual journal.
    let mut bytes = Vec::with_capacity(customers.len() * 768);
    for customer in customers {
        inside
            .begin_array_value(&mut bytes, false)
            .map_err(serde_json::Error::io)?;
        let mut serializer = serde_json::Serializer::with_formatter(&mut bytes, inside.clone());
        json_customer(customer, team).serialize(&mut serializer)?;
    }
    Ok(bytes)
}

/// `serde_json`'s pretty printer that, as the customers' array closes, first writes the
/// elements rendered by [`render_array_elements`] on another thread.
struct TailFormatter<'scope> {
    pretty: PrettyFormatter<'static>,
    /// How many arrays and objects are open.
    depth: usize,
    tail: Option<std::thread::ScopedJoinHandle<'scope, serde_json::Result<Vec<u8>>>>,
}

impl Formatter for TailFormatter<'_> {
    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.depth += 1;
        self.pretty.begin_array(writer)
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        if self.depth == CUSTOMERS_DEPTH
            && let Some(tail) = self.tail.take()
        {
            let bytes = match tail.join() {
                Ok(rendered) => rendered.map_err(std::io::Error::from)?,
                Err(panic) => std::panic::resume_unwind(panic),
            };
            // The pretty printer's own state still says an element was written.
            writer.write_all(&bytes)?;
        }
        self.depth -= 1;
        self.pretty.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.pretty.begin_array_value(writer, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.pretty.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.depth += 1;
        self.pretty.begin_object(writer)
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.depth -= 1;
        self.pretty.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.pretty.begin_object_key(writer, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.pretty.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.pretty.end_object_value(writer)
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::customer::CustomerId;
    use crate::domain::entry::EntryId;
    use crate::domain::rank::{Reason, ReasonKind};

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).expect("a November day")
    }

    /// A customer with 0 to 3 reasons, and text that needs escaping.
    fn customer(i: usize) -> RankedCustomer {
        let reasons = (0..i % 4)
            .map(|r| Reason {
                kind: if r == 0 {
                    ReasonKind::BrokenUnexplained
                } else {
                    ReasonKind::ContactOverdue
                },
                points: 100 - r as i64,
                text: format!("Promise \"quote {i}\" — broken ×{r}\n\ttab"),
                since: day(1 + (i % 28) as u32),
                entry_id: (r != 2).then_some(EntryId(i as i64 * 10 + r as i64)),
                opener: String::new(),
            })
            .collect();
        RankedCustomer {
            rank: i + 1,
            customer_id: CustomerId(i as i64 + 1),
            name: format!("Zoë \"{i}\" Ødegaard"),
            company: if i.is_multiple_of(3) {
                String::new()
            } else {
                "Voss\\GmbH".into()
            },
            phone: "+1 555 0100".into(),
            score: 1000 - i as i64,
            reasons,
            opener: format!("I owe you a call ({i})"),
        }
    }

    fn written(
        ranked: &[RankedCustomer],
        team: Option<&TeamRanking>,
        split: Option<usize>,
    ) -> String {
        let mut bytes = Vec::new();
        write_json_split(&mut bytes, ranked, day(30), "candor.rank.v1", team, split)
            .expect("written to memory");
        String::from_utf8(bytes).expect("JSON is UTF-8")
    }

    /// What serde_json's own pretty printer writes for the whole document at once.
    fn pretty(ranked: &[RankedCustomer], team: Option<&TeamRanking>) -> String {
        let document = JsonRanking {
            format: "candor.rank.v1",
            today: format_date(day(30)),
            customers: JsonCustomers { ranked, team },
        };
        serde_json::to_string_pretty(&document).expect("serialized") + "\n"
    }

    #[test]
    fn a_list_written_in_two_halves_is_byte_for_byte_the_list_written_at_once() {
        let team = TeamRanking::default();
        for n in [0, 1, 2, 3, 7] {
            let ranked: Vec<_> = (0..n).map(customer).collect();
            for team in [None, Some(&team)] {
                let whole = pretty(&ranked, team);
                assert_eq!(written(&ranked, team, None), whole, "{n} customers");
                for split in 0..=n + 1 {
                    assert_eq!(
                        written(&ranked, team, Some(split)),
                        whole,
                        "{n} customers split at {split}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_long_list_is_written_in_halves_and_reads_back_whole() {
        let ranked: Vec<_> = (0..RENDER_ON_TWO_CORES_FROM + 2).map(customer).collect();
        let mut bytes = Vec::new();
        write_json(&mut bytes, &ranked, day(30)).expect("written to memory");
        let text = String::from_utf8(bytes).expect("JSON is UTF-8");
        assert_eq!(text, pretty(&ranked, None));
        let read: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        let customers = read["customers"].as_array().expect("a list of customers");
        assert_eq!(customers.len(), ranked.len());
        // The last one, from the second half, with its reason.
        let last = &customers[RENDER_ON_TWO_CORES_FROM + 1];
        assert_eq!(last["rank"], RENDER_ON_TWO_CORES_FROM + 2);
        assert_eq!(
            last["reasons"][0]["text"],
            format!(
                "Promise \"quote {}\" — broken ×0\n\ttab",
                RENDER_ON_TWO_CORES_FROM + 1
            )
        );
    }

    #[test]
    fn a_write_that_fails_in_the_second_half_says_so() {
        /// Takes `room` bytes, then refuses.
        struct Full {
            room: usize,
        }
        impl Write for Full {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                if self.room == 0 {
                    return Err(std::io::Error::new(std::io::ErrorKind::StorageFull, "full"));
                }
                let n = buf.len().min(self.room);
                self.room -= n;
                Ok(n)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let ranked: Vec<_> = (0..RENDER_ON_TWO_CORES_FROM * 2).map(customer).collect();
        let whole = pretty(&ranked, None).len();
        for room in [0, whole / 4, whole * 3 / 4, whole - 1] {
            let error = write_json(Full { room }, &ranked, day(30))
                .expect_err("no room for the whole document");
            assert!(error.is_io(), "{error}");
        }
        write_json(Full { room: whole }, &ranked, day(30)).expect("room for it all");
    }
}
