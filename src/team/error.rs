//! What can go wrong with the team database, each as one sentence a rep can act on.

use crate::store::StoreError;

/// A team-database failure.
#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    /// The server address cannot be read.
    #[error(
        "The team database address {address:?} cannot be read ({detail}): write it as postgresql://LOGIN@HOST:PORT/DATABASE."
    )]
    BadAddress { address: String, detail: String },

    /// The server did not answer.
    #[error(
        "The team database at {server} cannot be reached ({detail}): check the address and your network; your journal is unchanged and will sync later."
    )]
    Unreachable { server: String, detail: String },

    /// The server's certificate was refused (`sslmode=verify-full`): not signed by the
    /// root certificate, or made out to another host name.
    #[error(
        "The team database at {server} could not prove it is the server you named ({detail}): check the host name in the address and that sslrootcert names your company's root certificate; nothing was sent."
    )]
    Untrusted { server: String, detail: String },

    /// No password is known for the login.
    #[error(
        "No password is known for {login} at {server}: save it with File → Team… or `candor team save-password`, put it in your password file (~/.pgpass), or set PGPASSWORD."
    )]
    NoPassword { login: String, server: String },

    /// Wrong login or password.
    #[error(
        "The team database at {server} refused the login {login} ({detail}): check the login and password."
    )]
    LoginRefused {
        login: String,
        server: String,
        detail: String,
    },

    /// The database has no Candor team schema.
    #[error(
        "The team database at {server} has no Candor team schema yet: ask its administrator to run `candor team init --server URL` first."
    )]
    NoSchema { server: String },

    /// The schema was written by a newer Candor.
    #[error(
        "The team database at {server} uses team schema version {found}, newer than this Candor understands (up to {supported}): update Candor."
    )]
    TooNew {
        server: String,
        found: i32,
        supported: i32,
    },

    /// The server refused an action for lack of rights.
    #[error(
        "The team database refused this: {detail}. Ask its administrator for the rights you need."
    )]
    NotAllowed { detail: String },

    /// A login name that PostgreSQL or Candor cannot take.
    #[error(
        "The login {login:?} cannot be used: use lower-case letters, digits and underscores, starting with a letter (at most 63)."
    )]
    BadLogin { login: String },

    /// The database's schema is older than an action needs.
    #[error(
        "The team database at {server} has team schema version {found}, and {what} need version {needed}: ask its administrator to run `candor team init --server URL` to upgrade it."
    )]
    NeedsUpgrade {
        server: String,
        found: i32,
        needed: i32,
        what: &'static str,
    },

    /// A handover asked for by someone who is not a manager.
    #[error(
        "Only a manager may hand customers over, and {login} is not one: ask your manager to do it."
    )]
    NotManager { login: String },

    /// A team setting changed by someone who is neither a manager nor the administrator.
    #[error(
        "Only a manager or the team database's administrator may set the team's currency, and {login} is neither: ask your manager to do it."
    )]
    NotManagerForSettings { login: String },

    /// No customer the caller may see matches what was typed.
    #[error(
        "No customer you may see in the team database is named or numbered {what:?}: check the name (as in `candor team rank`) or use the customer's id."
    )]
    NoSuchCustomer { what: String },

    /// More than one customer has the name typed.
    #[error(
        "{count} customers in the team database are named {what:?}: use the customer's id instead."
    )]
    AmbiguousCustomer { what: String, count: usize },

    /// The login named is not in the team.
    #[error(
        "Nobody in the team has the login {login:?}: add them with `candor team add-rep` first, or check the spelling."
    )]
    NoSuchRep { login: String },

    /// Another server failure.
    #[error("The team database failed: {detail}.")]
    Server { detail: String },

    /// The local journal failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl TeamError {
    /// Classifies a PostgreSQL client error.
    pub fn from_postgres(server: &str, login: &str, error: &postgres::Error) -> Self {
        use postgres::error::SqlState;
        if let Some(db) = error.as_db_error() {
            let detail = db.message().trim_end_matches('.').to_owned();
            let code = db.code();
            if *code == SqlState::INVALID_PASSWORD
                || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION
            {
                return Self::LoginRefused {
                    login: login.to_owned(),
                    server: server.to_owned(),
                    detail,
                };
            }
            if *code == SqlState::INVALID_SCHEMA_NAME || *code == SqlState::UNDEFINED_TABLE {
                return Self::NoSchema {
                    server: server.to_owned(),
                };
            }
            if *code == SqlState::INSUFFICIENT_PRIVILEGE
                || *code == SqlState::WITH_CHECK_OPTION_VIOLATION
            {
                return Self::NotAllowed { detail };
            }
            return Self::Server { detail };
        }
        let text = error.to_string();
        if text.contains("password missing") {
            return Self::NoPassword {
                login: login.to_owned(),
                server: server.to_owned(),
            };
        }
        let mut detail = text;
        let mut source = std::error::Error::source(error);
        while let Some(inner) = source {
            detail = format!("{detail}: {inner}");
            source = inner.source();
        }
        // rustls refused the certificate: a wrong server (or a wrong root), not a network
        // problem, so not "offline".
        if detail.contains("invalid peer certificate") {
            return Self::Untrusted {
                server: server.to_owned(),
                detail,
            };
        }
        Self::Unreachable {
            server: server.to_owned(),
            detail,
        }
    }
}
