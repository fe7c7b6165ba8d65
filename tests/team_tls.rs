//! TLS really works: a PostgreSQL cluster with `ssl = on` on 127.0.0.1, certificates made
//! here with the `openssl` command (a company root and a server certificate for 127.0.0.1
//! and localhost). `sslmode=require` encrypts; `verify-full` with the root connects; a
//! wrong host name or a root that did not sign the server is refused in one sentence.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::cargo_bin_cmd;
use candor::domain::CustomerDraft;
use candor::store::Store;
use candor::team::{TeamAddress, TeamConnection, TeamError};
use chrono::NaiveDate;
use sha2::{Digest as _, Sha256};
use support::pg::{Cluster, tls_cluster};

const LOGIN: &str = "tls_ann";
const PASSWORD: &str = "pw-tls-ann";

fn openssl(dir: &Path, args: &[&str]) {
    let output = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("the TLS test needs the openssl command (apt-get install openssl): {e}")
        });
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A root certificate `{name}.crt` with its key `{name}.key` in `dir`.
fn make_root(dir: &Path, name: &str) -> PathBuf {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.crt"),
            "-days",
            "30",
            "-subj",
            &format!("/CN={name}"),
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    dir.join(format!("{name}.crt"))
}

/// The company root, a root that signed nothing of ours, and the server's certificate
/// (for 127.0.0.1 and localhost, signed by the company root) with its key.
struct Certificates {
    root: PathBuf,
    stranger_root: PathBuf,
    server_cert: PathBuf,
    server_key: PathBuf,
}

fn make_certificates(dir: &Path) -> Certificates {
    let root = make_root(dir, "company-root");
    let stranger_root = make_root(dir, "stranger-root");
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ],
    );
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
         keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "company-root.crt",
            "-CAkey",
            "company-root.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "30",
            "-extfile",
            "server.ext",
        ],
    );
    Certificates {
        root,
        stranger_root,
        server_cert: dir.join("server.crt"),
        server_key: dir.join("server.key"),
    }
}

/// The address of the team database over TCP, as a person would write it.
fn address(pg: &Cluster, db: &str, host: &str, mode: &str, root: Option<&Path>) -> String {
    let mut text = format!(
        "{host} port={} user={LOGIN} dbname={db} sslmode={mode}",
        pg.port()
    );
    if let Some(root) = root {
        text.push_str(&format!(" sslrootcert={}", root.display()));
    }
    text
}

fn connect(text: &str) -> Result<TeamConnection, TeamError> {
    TeamConnection::open(&TeamAddress::parse(text).unwrap(), Some(PASSWORD))
}

/// True when the connection's own session is encrypted, as the server sees it.
fn is_encrypted(connection: &mut TeamConnection) -> bool {
    connection
        .client_for_tests()
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .unwrap()
        .get(0)
}

fn sha(path: &Path) -> Vec<u8> {
    Sha256::digest(std::fs::read(path).unwrap()).to_vec()
}

#[test]
fn require_and_verify_full_connect_and_a_wrong_host_or_root_is_refused_in_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let certs = make_certificates(dir.path());
    let pg = tls_cluster(&certs.server_cert, &certs.server_key);
    let db = pg.database("t_tls");
    let mut admin =
        TeamConnection::open(&TeamAddress::parse(&pg.admin_url(&db)).unwrap(), None).unwrap();
    admin.init().unwrap();
    admin.add_rep(LOGIN, "Ann", PASSWORD, false).unwrap();

    let journal = dir.path().join("journal.sqlite3");
    {
        let mut store = Store::open(&journal).unwrap();
        let when = NaiveDate::from_ymd_opt(2026, 11, 20)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        store
            .add_customer(CustomerDraft::named("Ada"), when)
            .unwrap();
    }

    // sslmode=require: `candor sync` goes through, encrypted.
    let require = address(pg, &db, "host=127.0.0.1", "require", None);
    let output = cargo_bin_cmd!("candor")
        .args(["sync", "--db"])
        .arg(&journal)
        .args(["--server", &require])
        .env("PGPASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "1 change sent, 0 received, 0 conflicts"
    );
    assert!(is_encrypted(&mut connect(&require).unwrap()));

    // The server takes no password over plain TCP at all (pg_hba: hostssl only).
    let plain = address(pg, &db, "host=127.0.0.1", "disable", None);
    assert!(matches!(
        connect(&plain),
        Err(TeamError::LoginRefused { .. })
    ));

    // verify-full with the company root: by address and by name.
    for host in ["host=127.0.0.1", "host=localhost"] {
        let verified = address(pg, &db, host, "verify-full", Some(&certs.root));
        let mut connection = connect(&verified).unwrap_or_else(|e| panic!("{host}: {e}"));
        assert!(is_encrypted(&mut connection));
        let mut store = Store::open(&journal).unwrap();
        let report = connection.sync(&mut store, 1_795_000_000_000, &mut |_| {});
        assert_eq!(report.unwrap().sent, 0, "{host}: already sent");
    }
    let url = format!(
        "postgresql://{LOGIN}@127.0.0.1:{}/{db}?sslmode=verify-full&sslrootcert={}",
        pg.port(),
        certs.root.display()
    );
    assert!(is_encrypted(&mut connect(&url).unwrap()));

    // verify-full refuses a server whose certificate names another host (the right
    // server reached under a name its certificate does not carry)…
    let wrong_name = address(
        pg,
        &db,
        "host=db.wrong.example hostaddr=127.0.0.1",
        "verify-full",
        Some(&certs.root),
    );
    let Err(refusal) = connect(&wrong_name) else {
        panic!("verify-full accepted a certificate made out to another host");
    };
    assert!(
        matches!(refusal, TeamError::Untrusted { .. }),
        "{refusal:?}"
    );
    let sentence = refusal.to_string();
    assert!(sentence.contains("could not prove it is the server you named"));
    assert!(
        sentence.contains("certificate not valid for name \"db.wrong.example\""),
        "{sentence}"
    );
    assert_eq!(sentence.lines().count(), 1, "{sentence}");

    // …and a certificate its root did not sign, with `candor sync`: one sentence, a
    // non-zero exit, the journal untouched.
    let before = sha(&journal);
    let stranger = address(
        pg,
        &db,
        "host=127.0.0.1",
        "verify-full",
        Some(&certs.stranger_root),
    );
    let output = cargo_bin_cmd!("candor")
        .args(["sync", "--db"])
        .arg(&journal)
        .args(["--server", &stranger])
        .env("PGPASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("could not prove it is the server you named"),
        "{stderr}"
    );
    assert!(stderr.contains("UnknownIssuer"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!stderr.contains(PASSWORD));
    assert_eq!(sha(&journal), before, "the journal changed");
}
