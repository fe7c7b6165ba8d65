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
    let mut ranking = team.rank(today, rep, &RankSettings::default())?;
    if let Some(limit) = limit {
        ranking.truncate(limit);
    }
    let mut report = Vec::new();
    match format {
        TeamRankFormat::Table => {
            crate::io::rank_report::write_team_table(&mut report, &ranking, today)?
        }
        TeamRankFormat::Json => {
            crate::io::rank_report::write_team_json(&mut report, &ranking, today)?
        }
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    out.write_all(&report)
        .and_then(|()| out.flush())
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot write the ranking to standard output: {}",
                crate::store::write_problem(std::path::Path::new("-"), &e)
            )
        })?;
    Ok(())
}
