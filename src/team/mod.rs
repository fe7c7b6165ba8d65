//! The team database: every rep's journal syncs through a shared PostgreSQL database.
//!
//! A layer beside [`crate::store`]: it uses the journal's outbox and apply functions and
//! holds all PostgreSQL SQL; the store never imports it. The CLI calls [`TeamConnection`]
//! directly; the app reaches it through [`SyncHandle`], which runs off the UI thread.

mod announcements;
mod credentials;
mod error;
mod handle;
pub mod handover;
mod overview;
pub mod rank;
pub mod reports;
pub mod roles;
pub mod schema;
mod server;
mod settings;
pub mod sync;

pub use announcements::{Standing, TeamAnnouncements};
pub use credentials::{PasswordPlace, lookup_password, password_file, save_password};
pub use error::TeamError;
pub use handle::{SyncHandle, SyncState};
pub use handover::{HandedOver, HandoverScope};
pub use overview::{RepLine, TeamOverview};
pub use rank::TeamRanking;
pub use server::{TeamAddress, TlsMode};
pub use sync::{SyncProgress, SyncReport};

use crate::store::Store;

/// The journal setting that remembers the team address (without its password).
pub const SERVER_SETTING: &str = "server";

/// An open connection to the team database.
pub struct TeamConnection {
    address: TeamAddress,
    client: postgres::Client,
}

impl std::fmt::Debug for TeamConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TeamConnection")
            .field("server", &self.address.server())
            .finish_non_exhaustive()
    }
}

impl TeamConnection {
    /// Connects with `password`, or the saved one (keychain or password file) when `None`.
    pub fn open(address: &TeamAddress, password: Option<&str>) -> Result<Self, TeamError> {
        let saved;
        let password = match password {
            Some(password) => Some(password),
            None if address.has_password() => None,
            None => {
                saved = lookup_password(address);
                saved.as_deref()
            }
        };
        let client = address.connect(password)?;
        Ok(Self {
            address: address.clone(),
            client,
        })
    }

    fn fail(&self) -> impl Fn(postgres::Error) -> TeamError + '_ {
        |e| TeamError::from_postgres(&self.address.server(), self.address.login(), &e)
    }

    /// Checks that the team schema is there and understood; returns the team id.
    pub fn check(&mut self) -> Result<String, TeamError> {
        let server = self.address.server();
        let (found, team) = sync::check_schema(&mut self.client)
            .map_err(|e| TeamError::from_postgres(&server, self.address.login(), &e))?;
        match found {
            0 => Err(TeamError::NoSchema { server }),
            found if found > schema::TEAM_SCHEMA_VERSION => Err(TeamError::TooNew {
                server,
                found,
                supported: schema::TEAM_SCHEMA_VERSION,
            }),
            _ => Ok(team),
        }
    }

    /// Refuses `what` (handovers, shares) on a schema without ownership.
    fn require_ownership(&mut self, what: &'static str) -> Result<(), TeamError> {
        self.require_version(what, schema::OWNERSHIP_VERSION)
            .map(|_| ())
    }

    /// Refuses `what` on a schema older than `needed`; returns the version found.
    fn require_version(&mut self, what: &'static str, needed: i32) -> Result<i32, TeamError> {
        self.check()?;
        let server = self.address.server();
        let (found, _) = sync::check_schema(&mut self.client).map_err(self.fail())?;
        if found < needed {
            return Err(TeamError::NeedsUpgrade {
                server,
                found,
                needed,
                what,
            });
        }
        Ok(found)
    }

    /// Creates or upgrades the team schema (run by the database's administrator).
    pub fn init(&mut self) -> Result<schema::InitOutcome, TeamError> {
        let server = self.address.server();
        let login = self.address.login().to_owned();
        schema::init(&mut self.client).map_err(|refusal| match refusal {
            schema::InitRefusal::TooNew(found) => TeamError::TooNew {
                server,
                found,
                supported: schema::TEAM_SCHEMA_VERSION,
            },
            schema::InitRefusal::Server(e) => TeamError::from_postgres(&server, &login, &e),
        })
    }

    /// Adds a rep (or manager) with their own login, or resets an existing one.
    pub fn add_rep(
        &mut self,
        login: &str,
        full_name: &str,
        password: &str,
        manager: bool,
    ) -> Result<roles::RepOutcome, TeamError> {
        if !roles::is_valid_login(login) {
            return Err(TeamError::BadLogin {
                login: login.to_owned(),
            });
        }
        self.check()?;
        roles::add_rep(&mut self.client, login, full_name, password, manager).map_err(self.fail())
    }

    /// Pushes then pulls; see [`sync::sync`].
    pub fn sync(
        &mut self,
        store: &mut Store,
        now_ms: i64,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<SyncReport, TeamError> {
        let server = self.address.server();
        let login = self.address.login().to_owned();
        sync::sync(store, &mut self.client, &server, &login, now_ms, progress)
    }

    /// Hands customers over to `to` (manager only), in one transaction; `at_local` is
    /// when, for the timeline note. Returns the customers moved (none already `to`'s).
    pub fn hand_over(
        &mut self,
        scope: &HandoverScope,
        to: &str,
        note: &str,
        at_local: chrono::NaiveDateTime,
        now_ms: i64,
    ) -> Result<Vec<HandedOver>, TeamError> {
        self.require_ownership("handovers")?;
        let login = self.address.login().to_owned();
        if !handover::is_manager(&mut self.client).map_err(self.fail())? {
            return Err(TeamError::NotManager { login });
        }
        if !handover::is_rep(&mut self.client, to).map_err(self.fail())? {
            return Err(TeamError::NoSuchRep {
                login: to.to_owned(),
            });
        }
        let gids = match scope {
            HandoverScope::Customer(what) => {
                let found = handover::find_customer(&mut self.client, what)
                    .map_err(|e| handover::find_failed(e, what, self.fail()))?;
                handover::HandoverGids::Customers(vec![found.gid])
            }
            HandoverScope::AllOf(former) => {
                if !handover::is_rep(&mut self.client, former).map_err(self.fail())? {
                    return Err(TeamError::NoSuchRep {
                        login: former.clone(),
                    });
                }
                handover::HandoverGids::AllOf(former.clone())
            }
        };
        let at_local = crate::domain::dates::format_datetime(at_local);
        let stamp = handover::admin_stamp(&login, now_ms);
        let device = handover::admin_device(&login);
        handover::hand_over(
            &mut self.client,
            &gids,
            to,
            note,
            &at_local,
            &stamp,
            &device,
        )
        .map_err(self.fail())
    }

    /// Shares a customer (by id or name) with `with`, who may then log calls and problems
    /// on it; its rep or a manager may. Returns the customer and whether it was new.
    pub fn share(
        &mut self,
        customer: &str,
        with: &str,
        now_ms: i64,
    ) -> Result<(handover::TeamCustomer, bool), TeamError> {
        self.require_ownership("shares")?;
        let login = self.address.login().to_owned();
        if !handover::is_rep(&mut self.client, with).map_err(self.fail())? {
            return Err(TeamError::NoSuchRep {
                login: with.to_owned(),
            });
        }
        let found = handover::find_customer(&mut self.client, customer)
            .map_err(|e| handover::find_failed(e, customer, self.fail()))?;
        let stamp = handover::admin_stamp(&login, now_ms);
        let device = handover::admin_device(&login);
        let added = handover::share(&mut self.client, &found.gid, with, &stamp, &device)
            .map_err(self.fail())?;
        Ok((found, added))
    }

    /// The team's "Call them first" as of `today`: every customer this login may see, or
    /// only `rep`'s, each naming its rep (see [`rank::rank`]).
    pub fn rank(
        &mut self,
        today: chrono::NaiveDate,
        rep: Option<&str>,
        settings: &crate::domain::rank::RankSettings,
    ) -> Result<TeamRanking, TeamError> {
        self.rank_first(today, rep, settings, None)
    }

    /// [`Self::rank`] keeping only the first `limit` customers (all when `None`), without
    /// holding the rest of the list in memory.
    pub fn rank_first(
        &mut self,
        today: chrono::NaiveDate,
        rep: Option<&str>,
        settings: &crate::domain::rank::RankSettings,
        limit: Option<usize>,
    ) -> Result<TeamRanking, TeamError> {
        let found = self.require_summary("team rankings")?;
        self.require_rep(rep)?;
        let announcements = found >= schema::ANNOUNCEMENTS_VERSION;
        rank::rank(&mut self.client, today, rep, settings, limit, announcements)
            .map_err(self.fail())
    }

    /// The team's currency and number format (team schema 9; unset before): what the team
    /// reports and the team ranking write amounts with.
    pub fn money_format(&mut self) -> Result<crate::domain::MoneyFormat, TeamError> {
        if self.schema_version()? < schema::ANNOUNCEMENTS_VERSION {
            return Ok(crate::domain::MoneyFormat::default());
        }
        settings::money_format(&mut self.client).map_err(self.fail())
    }

    /// Sets the team's currency and number format (a manager or the administrator).
    pub fn set_money_format(
        &mut self,
        format: crate::domain::MoneyFormat,
    ) -> Result<(), TeamError> {
        self.require_version("team settings", schema::ANNOUNCEMENTS_VERSION)?;
        if !settings::may_set(&mut self.client).map_err(self.fail())? {
            return Err(TeamError::NotManagerForSettings {
                login: self.address.login().to_owned(),
            });
        }
        settings::set_money_format(&mut self.client, format).map_err(self.fail())
    }

    /// The announcements as of `today` that the customers report counts (none before team
    /// schema 9), read as the team ranking reads them.
    pub fn announcements(
        &mut self,
        today: chrono::NaiveDate,
    ) -> Result<TeamAnnouncements, TeamError> {
        if self.schema_version()? < schema::ANNOUNCEMENTS_VERSION {
            return Ok(TeamAnnouncements::default());
        }
        let mut tx = self
            .client
            .build_transaction()
            .read_only(true)
            .start()
            .map_err(|e| {
                TeamError::from_postgres(&self.address.server(), self.address.login(), &e)
            })?;
        let found = TeamAnnouncements::read(&mut tx, today, None)
            .and_then(|found| tx.commit().map(|()| found));
        found.map_err(self.fail())
    }

    /// The team schema's version on the server.
    fn schema_version(&mut self) -> Result<i32, TeamError> {
        let (found, _) = sync::check_schema(&mut self.client).map_err(self.fail())?;
        Ok(found)
    }

    /// Refuses a `--rep` filter naming nobody in the team.
    fn require_rep(&mut self, rep: Option<&str>) -> Result<(), TeamError> {
        if let Some(rep) = rep
            && !handover::is_rep(&mut self.client, rep).map_err(self.fail())?
        {
            return Err(TeamError::NoSuchRep {
                login: rep.to_owned(),
            });
        }
        Ok(())
    }

    /// Refuses `what` on a schema without the per-customer summary (version 3); returns
    /// the version found.
    pub fn require_summary(&mut self, what: &'static str) -> Result<i32, TeamError> {
        self.require_version(what, schema::SUMMARY_VERSION)
    }

    /// The client, for the team reports' queries (see [`reports`]).
    pub(crate) fn client(&mut self) -> &mut postgres::Client {
        &mut self.client
    }

    /// A server error as the person reads it.
    pub(crate) fn server_error(&self, error: &postgres::Error) -> TeamError {
        TeamError::from_postgres(&self.address.server(), self.address.login(), error)
    }

    /// The raw client, for administration tests.
    #[doc(hidden)]
    pub fn client_for_tests(&mut self) -> &mut postgres::Client {
        &mut self.client
    }
}
