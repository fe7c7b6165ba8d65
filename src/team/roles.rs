//! Adding a person to the team: their own PostgreSQL role, with the right grants.

/// Whether a login can be a PostgreSQL role name without quoting surprises.
pub fn is_valid_login(login: &str) -> bool {
    let mut chars = login.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && login.len() <= 63
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !login.starts_with("pg_")
        && !login.starts_with("candor_")
}

/// What `add_rep` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepOutcome {
    /// A new role was created.
    Created,
    /// The role existed: its password, name and manager flag were set anew.
    Updated,
}

/// Creates (or resets) the role `login` with `password`, as a rep or a manager. The
/// password is sent as a SCRAM verifier, so it appears in no server log in clear.
/// `login` must pass [`is_valid_login`].
pub fn add_rep(
    client: &mut postgres::Client,
    login: &str,
    full_name: &str,
    password: &str,
    manager: bool,
) -> Result<RepOutcome, postgres::Error> {
    let verifier = postgres_protocol::password::scram_sha_256(password.as_bytes());
    // The verifier is base64 and punctuation without quotes; doubled anyway.
    let verifier = verifier.replace('\'', "''");
    let mut tx = client.transaction()?;
    let exists = tx
        .query_opt("SELECT 1 FROM pg_roles WHERE rolname = $1", &[&login])?
        .is_some();
    let outcome = if exists {
        tx.batch_execute(&format!(
            "ALTER ROLE \"{login}\" WITH LOGIN PASSWORD '{verifier}'"
        ))?;
        RepOutcome::Updated
    } else {
        tx.batch_execute(&format!(
            "CREATE ROLE \"{login}\" WITH LOGIN PASSWORD '{verifier}'"
        ))?;
        RepOutcome::Created
    };
    tx.batch_execute(&format!("GRANT candor_rep TO \"{login}\""))?;
    if manager {
        tx.batch_execute(&format!("GRANT candor_manager TO \"{login}\""))?;
    } else if exists {
        tx.batch_execute(&format!("REVOKE candor_manager FROM \"{login}\""))?;
    }
    tx.execute(
        "INSERT INTO candor.reps (login, full_name, is_manager) VALUES ($1, $2, $3) \
         ON CONFLICT (login) DO UPDATE SET full_name = EXCLUDED.full_name, \
         is_manager = EXCLUDED.is_manager",
        &[&login, &full_name, &manager],
    )?;
    tx.commit()?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_plain_lower_case_names() {
        assert!(is_valid_login("ann_smith2"));
        assert!(!is_valid_login("Ann"));
        assert!(!is_valid_login("2ann"));
        assert!(!is_valid_login("ann\"; DROP ROLE x; --"));
        assert!(!is_valid_login("candor_owner"));
        assert!(!is_valid_login(""));
    }
}
