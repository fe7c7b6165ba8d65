//! A team database for the team tests: `{prefix}_ann` (Maria) and `{prefix}_bob` (Ben),
//! both reps, and `{prefix}_meg` (Meg, a manager), each with the password "pw-<login>", on
//! this test binary's throwaway cluster (see [`super::pg`]).

use std::path::Path;

use assert_cmd::cargo::cargo_bin_cmd;
use candor::store::Store;
use candor::team::{SyncReport, TeamAddress, TeamConnection};

use super::pg::cluster;

/// The team's people: (who, full name, manager?).
pub const PEOPLE: [(&str, &str, bool); 3] = [
    ("ann", "Maria", false),
    ("bob", "Ben", false),
    ("meg", "Meg", true),
];

/// A team database and its three people.
pub struct Team {
    /// The database's name on the cluster.
    pub db: String,
    /// What every login starts with (`{prefix}_ann`).
    pub prefix: String,
}

impl Team {
    /// A team created by `candor team init`, at the current schema.
    pub fn new(prefix: &str) -> Self {
        Self::build(prefix, None)
    }

    /// A team whose schema is at `version` (older ones to test an upgrade).
    pub fn at_version(prefix: &str, version: i32) -> Self {
        Self::build(prefix, Some(version))
    }

    fn build(prefix: &str, version: Option<i32>) -> Self {
        let team = Self {
            db: cluster().database(&format!("team_{prefix}")),
            prefix: prefix.to_owned(),
        };
        match version {
            Some(version) => {
                candor::team::schema::init_to(&mut cluster().admin(&team.db), version).unwrap();
            }
            None => {
                cargo_bin_cmd!("candor")
                    .args(["team", "init", "--server", &cluster().admin_url(&team.db)])
                    .assert()
                    .success();
            }
        }
        for (who, name, manager) in PEOPLE {
            let login = team.login(who);
            let mut command = cargo_bin_cmd!("candor");
            command.args([
                "team",
                "add-rep",
                "--server",
                &cluster().admin_url(&team.db),
                "--login",
                &login,
                "--name",
                name,
            ]);
            if manager {
                command.arg("--manager");
            }
            command
                .write_stdin(format!("pw-{login}\n"))
                .assert()
                .success();
        }
        team
    }

    /// `who`'s login (`ann` → `{prefix}_ann`).
    pub fn login(&self, who: &str) -> String {
        format!("{}_{who}", self.prefix)
    }

    /// The server address `who` connects with (no password in it).
    pub fn url(&self, who: &str) -> String {
        cluster().url(&self.login(who), &self.db)
    }

    /// A connection as `who`.
    pub fn connect(&self, who: &str) -> TeamConnection {
        let address = TeamAddress::parse(&self.url(who)).unwrap();
        TeamConnection::open(&address, Some(&format!("pw-{}", self.login(who)))).unwrap()
    }

    /// A plain PostgreSQL session as `who`, as `psql` would open it.
    pub fn psql(&self, who: &str) -> postgres::Client {
        let login = self.login(who);
        cluster()
            .login(&login, &format!("pw-{login}"), &self.db)
            .unwrap()
    }

    /// Syncs `store` as `who` (the app's and the CLI's sync), at `now_ms`.
    pub fn sync(&self, who: &str, store: &mut Store, now_ms: i64) -> SyncReport {
        self.connect(who).sync(store, now_ms, &mut |_| {}).unwrap()
    }

    /// `candor` as `who` (their password in PGPASSWORD); returns the output.
    pub fn cli(&self, who: &str, args: &[&str]) -> std::process::Output {
        cargo_bin_cmd!("candor")
            .args(args)
            .env("PGPASSWORD", format!("pw-{}", self.login(who)))
            .output()
            .unwrap()
    }

    /// `candor sync` as `who` on `journal`, which must succeed; returns its output line.
    pub fn cli_sync(&self, who: &str, journal: &Path) -> String {
        let journal = journal.display().to_string();
        let output = self.cli(who, &["sync", "--db", &journal, "--server", &self.url(who)]);
        assert!(
            output.status.success(),
            "sync failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }
}
