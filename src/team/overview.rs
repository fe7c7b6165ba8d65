//! The manager's Team view: one row per rep — customers owed a call today, untold slips,
//! promises kept this month, when their journal last sent changes — and the team's "Call
//! them first" list it filters. Read from the per-customer summary (the same ranking as
//! `candor team rank`), a few small queries, never the entries one by one.

use chrono::{Datelike, NaiveDate};

use crate::domain::dates::format_date;
use crate::domain::rank::{RankSettings, ReasonKind};

use super::{TeamConnection, TeamError, TeamRanking};

/// One rep's line in the Team view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepLine {
    pub login: String,
    pub full_name: String,
    /// Their customers on today's list.
    pub owed_today: usize,
    /// Slipping promises their customers have not been told about.
    pub untold_slips: usize,
    /// Promises kept since the first of this month.
    pub kept_this_month: i64,
    /// When their journal last sent changes (server time, to the minute), if ever.
    pub last_sync: Option<String>,
}

/// What the Team view shows.
#[derive(Debug, Clone, Default)]
pub struct TeamOverview {
    /// Every rep the caller may see a customer of (all, for a manager), by name.
    pub reps: Vec<RepLine>,
    /// The whole list, first to call first.
    pub ranking: TeamRanking,
}

impl TeamConnection {
    /// The Team view as of `today`.
    pub fn overview(&mut self, today: NaiveDate) -> Result<TeamOverview, TeamError> {
        let settings = RankSettings::with_money(self.money_format()?);
        let ranking = self.rank(today, None, &settings)?;
        let month_start = today.with_day(1).unwrap_or(today);
        let rows = self
            .client
            .query(
                "SELECT r.login, r.full_name, \
                   (SELECT COUNT(*) FROM candor.entries e \
                      JOIN candor.customer_summary s ON s.customer_gid = e.customer_gid \
                    WHERE s.owner_login = r.login AND e.kind = 'promise' AND e.status = 'kept' \
                      AND e.deleted_at IS NULL \
                      AND (e.data ->> 'closed_on') COLLATE \"C\" >= $1 \
                      AND (e.data ->> 'closed_on') COLLATE \"C\" <= $2), \
                   (SELECT to_char(MAX(ev.received_at), 'YYYY-MM-DD HH24:MI') \
                      FROM candor.events ev WHERE ev.author = r.login) \
                 FROM candor.reps r ORDER BY lower(r.full_name), r.login",
                &[&format_date(month_start), &format_date(today)],
            )
            .map_err(self.fail())?;
        let mut reps: Vec<RepLine> = rows
            .iter()
            .map(|row| RepLine {
                login: row.get(0),
                full_name: row.get(1),
                owed_today: 0,
                untold_slips: 0,
                kept_this_month: row.get(2),
                last_sync: row.get(3),
            })
            .collect();
        for customer in &ranking.ranked {
            let rep = ranking.rep_of(customer.customer_id);
            if let Some(line) = reps.iter_mut().find(|line| line.login == rep) {
                line.owed_today += 1;
                line.untold_slips += customer
                    .reasons
                    .iter()
                    .filter(|r| r.kind == ReasonKind::SlippingUntold)
                    .count();
            }
        }
        Ok(TeamOverview { reps, ranking })
    }
}
