//! Ownership: a manager hands customers over from one rep to another, and a customer's rep
//! (or a manager) shares a customer with a colleague. The server functions
//! (`candor.hand_over`, `candor.share_customer`, team schema version 2) check the caller
//! themselves; the checks here only turn the common refusals into one clear sentence
//! before anything is sent.

use postgres::Client;

use crate::domain::hlc::HlcStamp;

use super::TeamError;

/// One customer moved by a handover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandedOver {
    /// The customer's global id.
    pub customer_gid: String,
    /// The customer's name.
    pub name: String,
    /// The login of the rep who had it.
    pub former_owner: String,
}

/// Which customers a handover moves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandoverScope {
    /// One customer, by global id or exact name (case-insensitive).
    Customer(String),
    /// Every customer of a rep (who leaves), in one transaction.
    AllOf(String),
}

/// A customer found in the team database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamCustomer {
    /// Its global id.
    pub gid: String,
    /// Its name.
    pub name: String,
    /// The login of its rep.
    pub owner: String,
}

/// The customer the caller may see whose global id or name is `what`.
pub fn find_customer(client: &mut Client, what: &str) -> Result<TeamCustomer, FindError> {
    let what = what.trim();
    let rows = client.query(
        "SELECT gid::text, COALESCE(name, ''), owner_login FROM candor.customers \
         WHERE gid::text = lower($1) OR lower(name) = lower($1) ORDER BY gid LIMIT 50",
        &[&what],
    )?;
    let found: Vec<TeamCustomer> = rows
        .iter()
        .map(|row| TeamCustomer {
            gid: row.get(0),
            name: row.get(1),
            owner: row.get(2),
        })
        .collect();
    if let Some(by_id) = found.iter().find(|c| c.gid.eq_ignore_ascii_case(what)) {
        return Ok(by_id.clone());
    }
    match found.len() {
        0 => Err(FindError::NotFound),
        1 => Ok(found.into_iter().next().ok_or(FindError::NotFound)?),
        count => Err(FindError::Ambiguous(count)),
    }
}

/// Why [`find_customer`] found no single customer.
#[derive(Debug)]
pub enum FindError {
    /// Nothing visible matches.
    NotFound,
    /// This many customers have that name.
    Ambiguous(usize),
    /// The server failed.
    Server(postgres::Error),
}

impl From<postgres::Error> for FindError {
    fn from(error: postgres::Error) -> Self {
        Self::Server(error)
    }
}

/// Whether the connected login is a manager.
pub fn is_manager(client: &mut Client) -> Result<bool, postgres::Error> {
    Ok(client
        .query_one(
            "SELECT pg_has_role(current_user, 'candor_manager', 'MEMBER')",
            &[],
        )?
        .get(0))
}

/// Whether `login` is a member of the team.
pub fn is_rep(client: &mut Client, login: &str) -> Result<bool, postgres::Error> {
    Ok(client
        .query_opt("SELECT 1 FROM candor.reps WHERE login = $1", &[&login])?
        .is_some())
}

/// The device id the team functions record for changes made without a journal.
pub fn admin_device(login: &str) -> String {
    format!("team-cli-{login}")
}

/// A hybrid-clock stamp for a change made at `now_ms` without a journal.
pub fn admin_stamp(login: &str, now_ms: i64) -> String {
    HlcStamp {
        wall_ms: now_ms,
        counter: 0,
        device: admin_device(login),
    }
    .encode()
}

/// Hands `gids` (or every customer of a rep, found in the same statement) over to
/// `new_owner`, in one transaction. `at_local` is when, as the journal writes date-times.
#[allow(clippy::too_many_arguments)]
pub fn hand_over(
    client: &mut Client,
    scope: &HandoverGids,
    new_owner: &str,
    note: &str,
    at_local: &str,
    stamp: &str,
    device: &str,
) -> Result<Vec<HandedOver>, postgres::Error> {
    let rows = match scope {
        HandoverGids::Customers(gids) => client.query(
            "SELECT customer::text, COALESCE(customer_name, ''), former_owner \
             FROM candor.hand_over($1::text[]::uuid[], $2, $3, $4, $5, $6)",
            &[gids, &new_owner, &note, &at_local, &stamp, &device],
        )?,
        HandoverGids::AllOf(former) => client.query(
            "SELECT customer::text, COALESCE(customer_name, ''), former_owner \
             FROM candor.hand_over(ARRAY(SELECT gid FROM candor.customers WHERE owner_login = $1), \
                                   $2, $3, $4, $5, $6)",
            &[former, &new_owner, &note, &at_local, &stamp, &device],
        )?,
    };
    let mut moved: Vec<HandedOver> = rows
        .iter()
        .map(|row| HandedOver {
            customer_gid: row.get(0),
            name: row.get(1),
            former_owner: row.get(2),
        })
        .collect();
    moved.sort_by_key(|one| one.name.to_lowercase());
    Ok(moved)
}

/// The customers a handover names, once resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandoverGids {
    /// These global ids.
    Customers(Vec<String>),
    /// Every customer this login owns when the handover runs.
    AllOf(String),
}

/// Shares customer `gid` with `login`; `false` when it already was (or is theirs).
pub fn share(
    client: &mut Client,
    gid: &str,
    login: &str,
    stamp: &str,
    device: &str,
) -> Result<bool, postgres::Error> {
    Ok(client
        .query_one(
            "SELECT candor.share_customer($1::text::uuid, $2, $3, $4)",
            &[&gid, &login, &stamp, &device],
        )?
        .get(0))
}

/// Maps a [`FindError`] to the error a person reads.
pub(super) fn find_failed(
    error: FindError,
    what: &str,
    fail: impl Fn(postgres::Error) -> TeamError,
) -> TeamError {
    match error {
        FindError::NotFound => TeamError::NoSuchCustomer {
            what: what.to_owned(),
        },
        FindError::Ambiguous(count) => TeamError::AmbiguousCustomer {
            what: what.to_owned(),
            count,
        },
        FindError::Server(e) => fail(e),
    }
}
