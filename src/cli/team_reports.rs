//! `candor team rank` and `candor team export`: the team-wide list and reports.

use std::io::Write as _;

use anyhow::Result;

use super::{TeamRankFormat, today_from};
use crate::domain::rank::RankSettings;
use crate::team::{TeamAddress, TeamConnection};

fn connect(server: &str) -> Result<TeamConnection> {
    let address = TeamAddress::parse(server)?;
    let password = std::env::var("PGPASSWORD").ok();
    Ok(TeamConnection::open(&address, password.as_deref())?)
}

/// `candor team rank`.
pub(super) fn rank(
    server: &str,
    today: Option<&str>,
    format: TeamRankFormat,
    rep: Option<&str>,
    limit: Option<usize>,
) -> Result<()> {
    let today = today_from(today)?;
    let mut team = connect(server)?;
    // Amounts in reasons as the team writes them (its currency, `candor team currency`).
    let settings = RankSettings::with_money(team.money_format()?);
    let ranking = team.rank_first(today, rep, &settings, limit)?;
    // Straight to standard output through a buffer: the whole team's JSON is hundreds of
    // megabytes at 500,000 customers, and the ranking is complete before the first byte.
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let written = match format {
        TeamRankFormat::Table => {
            crate::io::rank_report::write_team_table(&mut out, &ranking, today)
        }
        TeamRankFormat::Json => crate::io::rank_report::write_team_json(&mut out, &ranking, today)
            .map_err(std::io::Error::from),
    };
    written.and_then(|()| out.flush()).map_err(|e| {
        anyhow::anyhow!(
            "cannot write the ranking to standard output: {}",
            crate::store::write_problem(std::path::Path::new("-"), &e)
        )
    })?;
    Ok(())
}

/// `candor team export`.
pub(super) fn export(
    server: &str,
    report: &str,
    (from, to): (Option<&str>, Option<&str>),
    today: Option<&str>,
    bom: bool,
    out: &std::path::Path,
) -> Result<()> {
    use crate::io::export::{ExportOptions, Report};
    let today = today_from(today)?;
    let report = match report.trim() {
        "customers" => Report::Customers,
        "timeline" => Report::Timeline,
        "promises" => Report::Promises,
        "call-list" | "call-first" => Report::CallFirst,
        other => anyhow::bail!(
            "--report {other:?} is not a team report: choose customers, timeline, promises or call-list"
        ),
    };
    let date = |flag: &str, text: Option<&str>| -> Result<Option<chrono::NaiveDate>> {
        text.map(|t| {
            crate::domain::dates::parse_date(t, today).map_err(|e| anyhow::anyhow!("--{flag}: {e}"))
        })
        .transpose()
    };
    let options = ExportOptions {
        from: date("from", from)?,
        to: date("to", to)?,
        bom,
    };
    if out.as_os_str() == "-" {
        anyhow::bail!(
            "--out -: a team report goes to a file (it may be large): give a file name, e.g. --out team-{}.csv",
            report.code()
        );
    }
    let mut team = connect(server)?;
    let rows = crate::io::team_export::export_team_report(&mut team, report, &options, today, out)?;
    println!("Wrote {rows} rows to {}", out.display());
    Ok(())
}
