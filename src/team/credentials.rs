//! Where a rep's team password is kept: the operating system's keychain (macOS Keychain,
//! Windows Credential Manager, the Secret Service on Linux desktops), or, where no keychain
//! service runs (a Linux machine without a desktop session), libpq's password file
//! (`~/.pgpass`, or `%APPDATA%\postgresql\pgpass.conf`), readable by its owner only.
//! Never the settings, never in plain text beside the journal.

use std::path::{Path, PathBuf};

use super::{TeamAddress, TeamError};

const KEYCHAIN_SERVICE: &str = "candor";

/// Where a password was saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordPlace {
    /// The operating system's keychain.
    Keychain,
    /// libpq's password file.
    PasswordFile(PathBuf),
}

impl std::fmt::Display for PasswordPlace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Keychain => write!(f, "the system keychain"),
            Self::PasswordFile(path) => write!(f, "the password file {}", path.display()),
        }
    }
}

fn keychain_account(address: &TeamAddress) -> String {
    format!("{}@{}", address.login(), address.server())
}

/// libpq's password file: `$PGPASSFILE`, else `~/.pgpass` (Windows:
/// `%APPDATA%\postgresql\pgpass.conf`).
pub fn password_file() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PGPASSFILE") {
        return Some(PathBuf::from(path));
    }
    let home = directories::BaseDirs::new()?;
    if cfg!(windows) {
        Some(home.config_dir().join("postgresql").join("pgpass.conf"))
    } else {
        Some(home.home_dir().join(".pgpass"))
    }
}

/// The saved password for the address's login, if any: keychain first, then the
/// password file.
pub fn lookup_password(address: &TeamAddress) -> Option<String> {
    if let Ok(entry) = keyring::Entry::new(KEYCHAIN_SERVICE, &keychain_account(address))
        && let Ok(password) = entry.get_password()
    {
        return Some(password);
    }
    let file = password_file()?;
    let text = std::fs::read_to_string(file).ok()?;
    find_in_password_file(&text, address)
}

/// Saves the password: in the keychain when one is running, else in the password file.
pub fn save_password(address: &TeamAddress, password: &str) -> Result<PasswordPlace, TeamError> {
    if let Ok(entry) = keyring::Entry::new(KEYCHAIN_SERVICE, &keychain_account(address))
        && entry.set_password(password).is_ok()
    {
        return Ok(PasswordPlace::Keychain);
    }
    let file = password_file().ok_or_else(|| TeamError::Server {
        detail: "no keychain is running and no home folder is known for a password file".into(),
    })?;
    write_password_file(&file, address, password)?;
    Ok(PasswordPlace::PasswordFile(file))
}

fn fields(address: &TeamAddress) -> [String; 4] {
    let server = address.server();
    let (host_port, database) = server.rsplit_once('/').unwrap_or((&server, ""));
    let (host, port) = host_port.rsplit_once(':').unwrap_or((host_port, "5432"));
    [
        host.to_owned(),
        port.to_owned(),
        database.to_owned(),
        address.login().to_owned(),
    ]
}

fn escape(field: &str) -> String {
    field.replace('\\', "\\\\").replace(':', "\\:")
}

/// Splits a password-file line at unescaped colons, unescaping.
fn split_line(line: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next()
                    && let Some(last) = parts.last_mut()
                {
                    last.push(next);
                }
            }
            ':' if parts.len() < 5 => parts.push(String::new()),
            c => {
                if let Some(last) = parts.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    parts
}

fn find_in_password_file(text: &str, address: &TeamAddress) -> Option<String> {
    let wanted = fields(address);
    text.lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .map(split_line)
        .filter(|parts| parts.len() == 5)
        .find(|parts| {
            parts[..4]
                .iter()
                .zip(&wanted)
                .enumerate()
                .all(|(i, (have, want))| {
                    have == "*"
                    || have == want
                    // libpq matches "localhost" to a Unix socket in the default folder.
                    || (i == 0 && have == "localhost" && want.starts_with('/'))
                })
        })
        .map(|parts| parts[4].clone())
}

fn write_password_file(
    path: &Path,
    address: &TeamAddress,
    password: &str,
) -> Result<(), TeamError> {
    let failed = |e: std::io::Error| TeamError::Server {
        detail: format!(
            "the password file {} cannot be written: {e}",
            path.display()
        ),
    };
    let wanted: Vec<String> = fields(address).iter().map(|f| escape(f)).collect();
    let prefix = format!("{}:", wanted.join(":"));
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let mut lines: Vec<String> = old
        .lines()
        .filter(|line| !line.starts_with(&prefix))
        .map(str::to_owned)
        .collect();
    lines.push(format!("{prefix}{}", escape(password)));
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(failed)?;
    }
    let temp = path.with_extension("candor-new");
    {
        use std::io::Write as _;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            // libpq ignores a password file others may read.
            options.mode(0o600);
        }
        let mut file = options.open(&temp).map_err(failed)?;
        file.write_all(format!("{}\n", lines.join("\n")).as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(failed)?;
    }
    std::fs::rename(&temp, path).map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_file_line_is_found_by_host_port_database_and_login() {
        let address = TeamAddress::parse("postgresql://ann@db.example.com:6543/sales").unwrap();
        let text = "# team\n\
                    db.example.com:6543:other:ann:wrong\n\
                    db.example.com:6543:sales:bob:wrong\n\
                    db.example.com:*:sales:ann:pa\\:ss\n";
        assert_eq!(
            find_in_password_file(text, &address).as_deref(),
            Some("pa:ss")
        );
    }

    #[test]
    fn saving_replaces_the_old_line_and_keeps_others_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pgpass");
        std::fs::write(&path, "other:5432:x:y:keep\n").unwrap();
        let address = TeamAddress::parse("postgresql://ann@db:5432/sales").unwrap();
        write_password_file(&path, &address, "first").unwrap();
        write_password_file(&path, &address, "second").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, "other:5432:x:y:keep\ndb:5432:sales:ann:second\n");
        assert_eq!(
            find_in_password_file(&text, &address).as_deref(),
            Some("second")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
