//! The command line, malformed one argument at a time: every mistake gives exactly one
//! line on stderr starting with "candor: " and a non-zero exit, and leaves files alone.
//! Plus the happy paths of `candor backup` and `candor restore`.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::cargo::cargo_bin_cmd;
use candor::domain::CustomerDraft;
use candor::store::Store;
use sha2::{Digest as _, Sha256};

/// A scratch folder with a journal (one customer), a CSV file, a damaged journal and one
/// from a newer Candor.
struct Scene {
    dir: tempfile::TempDir,
}

impl Scene {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let scene = Self { dir };
        let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 20)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        {
            let mut store = Store::open(&scene.journal()).unwrap();
            store
                .add_customer(CustomerDraft::named("Ada Lovelace"), now)
                .unwrap();
        }
        fs::write(scene.csv(), "name,company\nAda,Engines\n").unwrap();
        let bytes = fs::read(scene.journal()).unwrap();
        fs::write(scene.truncated(), &bytes[..bytes.len() / 2]).unwrap();
        fs::copy(scene.journal(), scene.too_new()).unwrap();
        {
            let conn = rusqlite::Connection::open(scene.too_new()).unwrap();
            conn.pragma_update(None, "user_version", 99).unwrap();
            conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
        }
        fs::create_dir(scene.path("a-folder")).unwrap();
        scene
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn journal(&self) -> PathBuf {
        self.path("journal.sqlite3")
    }

    fn csv(&self) -> PathBuf {
        self.path("customers.csv")
    }

    fn truncated(&self) -> PathBuf {
        self.path("truncated.sqlite3")
    }

    fn too_new(&self) -> PathBuf {
        self.path("newer.sqlite3")
    }

    fn s(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }

    fn command(&self, args: &[&str]) -> assert_cmd::Command {
        let mut command = cargo_bin_cmd!("candor");
        command
            .args(args)
            .env("HOME", self.dir.path())
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env_remove("RUST_BACKTRACE")
            .timeout(std::time::Duration::from_secs(60));
        command
    }

    /// Runs a command that must fail; returns its one line of stderr.
    fn fails(&self, args: &[&str]) -> String {
        let output = self.command(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(
            !output.status.success(),
            "{args:?} succeeded: {}",
            String::from_utf8_lossy(&output.stdout)
        );
        assert_ne!(output.status.code(), Some(0), "{args:?}");
        assert!(
            stderr.starts_with("candor: "),
            "{args:?}: stderr does not start with \"candor: \": {stderr:?}"
        );
        assert!(
            stderr.ends_with('\n') && stderr.matches('\n').count() == 1,
            "{args:?}: stderr is not exactly one line: {stderr:?}"
        );
        assert!(stderr.len() > "candor: ".len() + 10, "{args:?}: {stderr:?}");
        stderr
    }
}

fn hash(path: &Path) -> Vec<u8> {
    Sha256::digest(fs::read(path).unwrap()).to_vec()
}

/// Each case: the arguments, and a piece of the one line it must say.
fn check_all(scene: &Scene, cases: &[(Vec<String>, &str)]) {
    let watched = [
        scene.journal(),
        scene.csv(),
        scene.truncated(),
        scene.too_new(),
    ];
    let before: Vec<_> = watched.iter().map(|p| hash(p)).collect();
    for (args, expected) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let line = scene.fails(&args);
        assert!(
            line.contains(expected),
            "{args:?}: expected {expected:?} in {line:?}"
        );
    }
    let after: Vec<_> = watched.iter().map(|p| hash(p)).collect();
    assert_eq!(before, after, "a failed command changed a file");
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn malformed_global_arguments() {
    let scene = Scene::new();
    let journal = scene.journal().display().to_string();
    check_all(
        &scene,
        &[
            (args(&["frobnicate"]), "unrecognized subcommand"),
            (args(&["rank", "--db"]), "--db"),
            (args(&["rank", "--bogus", "--db", &journal]), "--bogus"),
            (args(&["--db", &journal, "rank", "extra"]), "extra"),
            (args(&["rank", "--db", ""]), "--db"),
        ],
    );
}

#[test]
fn malformed_demo_arguments() {
    let scene = Scene::new();
    let new = scene.s("new.sqlite3");
    check_all(
        &scene,
        &[
            (
                args(&["demo", "--db", &new, "--today", "someday"]),
                "--today",
            ),
            (
                args(&["demo", "--db", &new, "--today", "1850-01-01"]),
                "out of range",
            ),
            (args(&["demo", "--db", &new, "--today"]), "--today"),
            (args(&["demo", "--db", &new, "again"]), "again"),
            (
                args(&["demo", "--db", &scene.journal().display().to_string()]),
                "already holds 1 customers",
            ),
            (
                args(&["demo", "--db", &scene.csv().display().to_string()]),
                "is not a Candor journal",
            ),
            (
                args(&["demo", "--db", &scene.s("a-folder")]),
                "is not a Candor journal",
            ),
            (
                args(&["demo", "--db", &scene.truncated().display().to_string()]),
                "is damaged",
            ),
        ],
    );
    assert!(!scene.path("new.sqlite3").exists());
}

#[test]
fn malformed_generate_arguments() {
    let scene = Scene::new();
    let new = scene.s("big.sqlite3");
    let base = |extra: &[&str]| -> Vec<String> {
        let mut all = args(&["generate", "--db", &new]);
        all.extend(extra.iter().map(|s| s.to_string()));
        all
    };
    check_all(
        &scene,
        &[
            (base(&["--entries", "10"]), "required"),
            (base(&["--customers", "10"]), "required"),
            (base(&["--customers", "ten", "--entries", "10"]), "ten"),
            (base(&["--customers", "-1", "--entries", "10"]), "-1"),
            (base(&["--customers", "1.5", "--entries", "10"]), "1.5"),
            (base(&["--customers", "10", "--entries", "x"]), "x"),
            (base(&["--customers", "10", "--entries", "-5"]), "-5"),
            (
                base(&["--customers", "99999999999999999999999", "--entries", "1"]),
                "99999999999999999999999",
            ),
            (
                base(&["--customers", "10", "--entries", "10", "--seed", "s"]),
                "--seed",
            ),
            (
                base(&["--customers", "10", "--entries", "10", "--seed", "-1"]),
                "-1",
            ),
            (
                base(&["--customers", "10", "--entries", "10", "--today", "13/13"]),
                "--today",
            ),
            (
                base(&["--customers", "0", "--entries", "5"]),
                "needs at least one customer",
            ),
            (
                args(&[
                    "generate",
                    "--db",
                    &scene.journal().display().to_string(),
                    "--customers",
                    "1",
                    "--entries",
                    "1",
                ]),
                "already holds",
            ),
        ],
    );
}

#[test]
fn malformed_rank_arguments() {
    let scene = Scene::new();
    let journal = scene.journal().display().to_string();
    let on = |extra: &[&str]| -> Vec<String> {
        let mut all = args(&["rank", "--db", &journal]);
        all.extend(extra.iter().map(|s| s.to_string()));
        all
    };
    check_all(
        &scene,
        &[
            (on(&["--today", "yesterdayish"]), "--today"),
            (on(&["--today", "2300-01-01"]), "out of range"),
            (on(&["--limit", "many"]), "--limit"),
            (on(&["--limit", "-3"]), "-3"),
            (on(&["--format", "xml"]), "xml"),
            (on(&["--format"]), "--format"),
            (
                args(&["rank", "--db", &scene.s("missing.sqlite3")]),
                "there is no journal",
            ),
            (
                args(&["rank", "--db", &scene.csv().display().to_string()]),
                "is not a Candor journal",
            ),
            (
                args(&["rank", "--db", &scene.s("a-folder")]),
                "is not a Candor journal",
            ),
            (
                args(&["rank", "--db", &scene.truncated().display().to_string()]),
                "is damaged",
            ),
            (
                args(&["rank", "--db", &scene.too_new().display().to_string()]),
                "newer Candor",
            ),
        ],
    );
    assert!(!scene.path("missing.sqlite3").exists());
}

#[test]
fn malformed_backup_arguments() {
    let scene = Scene::new();
    let journal = scene.journal().display().to_string();
    check_all(
        &scene,
        &[
            (
                args(&["backup", "--db", &scene.s("missing.sqlite3")]),
                "no journal",
            ),
            (args(&["backup", "--db", &journal, "--out"]), "--out"),
            (
                args(&[
                    "backup",
                    "--db",
                    &journal,
                    "--out",
                    &scene.csv().display().to_string(),
                ]),
                "already exists",
            ),
            (
                args(&[
                    "backup",
                    "--db",
                    &journal,
                    "--out",
                    &scene.s("no-such-folder/copy.sqlite3"),
                ]),
                "no-such-folder",
            ),
            (args(&["backup", "--db", &journal, "copy.sqlite3"]), "copy"),
            (
                args(&["backup", "--db", &scene.csv().display().to_string()]),
                "is not a Candor journal",
            ),
            (
                args(&["backup", "--db", &scene.truncated().display().to_string()]),
                "is damaged",
            ),
            (
                args(&["backup", "--db", &scene.too_new().display().to_string()]),
                "newer Candor",
            ),
        ],
    );
    assert!(!scene.path("missing.sqlite3").exists());
    assert!(!scene.path("backups").exists());
}

#[test]
fn malformed_restore_arguments() {
    let scene = Scene::new();
    let journal = scene.journal().display().to_string();
    let restore = |file: &str| args(&["restore", "--db", &journal, file]);
    check_all(
        &scene,
        &[
            (args(&["restore", "--db", &journal]), "required"),
            (restore(&scene.s("missing.sqlite3")), "no backup"),
            (
                restore(&scene.csv().display().to_string()),
                "is not a Candor journal",
            ),
            (restore(&journal), "is the journal itself"),
            (
                restore(&scene.truncated().display().to_string()),
                "is damaged",
            ),
            (
                restore(&scene.too_new().display().to_string()),
                "newer Candor",
            ),
            (restore(&scene.s("a-folder")), "is not a Candor journal"),
            (args(&["restore", "--db", &journal, "one", "two"]), "two"),
        ],
    );
    assert!(!scene.path("backups").exists());
}

#[test]
fn backup_and_restore_work_headless() {
    let scene = Scene::new();
    let journal = scene.journal().display().to_string();
    let out = scene.s("copy.sqlite3");
    let assert = scene
        .command(&["backup", "--db", &journal, "--out", &out])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(
        stdout.contains("1 customers") && stdout.contains(&out),
        "{stdout}"
    );

    scene
        .command(&["backup", "--db", &journal])
        .assert()
        .success();
    let in_folder: Vec<_> = fs::read_dir(scene.path("backups"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(in_folder.len(), 1);

    // A second customer, then back to the copy.
    {
        let mut store = Store::open(&scene.journal()).unwrap();
        let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 21)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        store.add_customer(CustomerDraft::named("Bo"), now).unwrap();
    }
    let assert = scene
        .command(&["restore", "--db", &journal, &out])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(stdout.contains("before-restore"), "{stdout}");
    let store = Store::open(&scene.journal()).unwrap();
    assert_eq!(store.customer_count().unwrap(), 1);
    assert_eq!(store.integrity_check().unwrap(), Ok(()));
}

/// clap reports a missing argument over several lines and `main` keeps only the first,
/// "the following required arguments were not provided:", which does not say which one.
/// The fix is in src/main.rs (not this file's owner's).
#[test]
fn a_missing_argument_is_named() {
    let scene = Scene::new();
    let journal = scene.journal().display().to_string();
    let cases = [
        (
            args(&["generate", "--db", &journal, "--entries", "10"]),
            "--customers",
        ),
        (
            args(&["generate", "--db", &journal, "--customers", "10"]),
            "--entries",
        ),
        (args(&["restore", "--db", &journal]), "FILE"),
    ];
    check_all(&scene, &cases);
}

/// Hostile text (right-to-left, emoji, combining marks, a NUL byte, formula triggers)
/// comes out of `candor rank` exports exactly as it went in.
#[test]
fn hostile_text_is_exported_intact() {
    let scene = Scene::new();
    let path = scene.path("hostile.sqlite3");
    let name = "=مرحبا \u{202E}👩‍👩‍👧 e\u{0301} \0 \"quoted\", 'x'";
    let company = "-Ünïcödé\u{200F} 株式会社\r\n\tLtd";
    let phone = "+1 (555) ٠١٢٣";
    {
        let mut store = Store::open(&path).unwrap();
        let created = chrono::NaiveDate::from_ymd_opt(2026, 1, 5)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        let mut draft = CustomerDraft::named("placeholder");
        draft.phone = phone.to_owned();
        store.add_customer(draft, created).unwrap();
    }
    // Control characters are refused at every entrance now; a journal from before that
    // rule may still hold them, and they must come out intact.
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute(
            "UPDATE customers SET name = ?1, company = ?2",
            (name, company.trim()),
        )
        .unwrap();
    }
    let db = path.display().to_string();
    let run = |format: &str| -> Vec<u8> {
        let assert = scene
            .command(&[
                "rank",
                "--db",
                &db,
                "--today",
                "2026-11-20",
                "--format",
                format,
            ])
            .assert()
            .success();
        assert.get_output().stdout.clone()
    };
    let json: serde_json::Value = serde_json::from_slice(&run("json")).unwrap();
    let customer = &json["customers"][0];
    assert_eq!(customer["customer"], name);
    assert_eq!(customer["company"], company.trim());
    assert_eq!(customer["phone"], phone);

    let csv_bytes = run("csv");
    let csv_bytes = csv_bytes.strip_prefix(candor::io::UTF8_BOM).unwrap();
    let mut reader = csv::Reader::from_reader(csv_bytes);
    let headers = reader.headers().unwrap().clone();
    let row = reader.records().next().unwrap().unwrap();
    let cell = |column: &str| {
        let index = headers.iter().position(|h| h == column).unwrap();
        candor::io::csv_text::unescape(&row[index]).to_owned()
    };
    assert_eq!(cell("customer"), name);
    assert_eq!(cell("company"), company.trim());
    assert_eq!(cell("phone"), phone);
}

// ---------------------------------------------------------------------------------------
// Hostile arguments and files; refusals leave no trace; private files

/// The names in `dir`, to compare before and after.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn arguments_with_control_characters_are_refused_in_one_line() {
    let scene = Scene::new();
    let journal = scene.journal().display().to_string();
    let before = listing(scene.dir.path());
    check_all(
        &scene,
        &[
            (
                args(&["rank", "--db", &journal, "--today", "\u{1}2026-11-20"]),
                "--today holds an invisible control character (U+0001, character 1)",
            ),
            (
                args(&["rank", "--db", &scene.s("new\njournal.sqlite3")]),
                "--db holds an invisible control character (U+000A",
            ),
            (
                args(&[
                    "export",
                    "--db",
                    &journal,
                    "--report",
                    "timeline",
                    "--out",
                    &scene.s("report\u{1b}[2J.csv"),
                ]),
                "--out holds an invisible control character (U+001B",
            ),
            (
                args(&["import", "--db", &journal, &scene.s("x\u{7}.csv")]),
                "FILE holds an invisible control character (U+0007",
            ),
            (
                args(&[
                    "demo",
                    "--db",
                    &scene.s("demo.sqlite3"),
                    "--today",
                    "today\r",
                ]),
                "--today holds an invisible control character (U+000D",
            ),
        ],
    );
    assert_eq!(listing(scene.dir.path()), before, "nothing was created");
}

#[test]
fn an_import_that_leaves_every_row_out_creates_no_journal() {
    let scene = Scene::new();
    let file = scene.path("all-bad.csv");
    fs::write(
        &file,
        "name,email\n\u{1}Ada,a@x.example\n\u{2}Bo,b@x.example\n",
    )
    .unwrap();
    let new = scene.dir.path().join("fresh").join("journal.sqlite3");
    let output = scene
        .command(&[
            "import",
            "--db",
            new.to_str().unwrap(),
            file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(3), "{stdout}");
    assert!(
        stdout.contains("2 rows read: 0 customers added, 0 merged, 2 left out"),
        "{stdout}"
    );
    // The rows are listed for fixing; no journal, working file or folder was made for them.
    assert!(scene.path("all-bad-not-imported.csv").exists());
    assert!(!scene.dir.path().join("fresh").exists(), "{stdout}");
}

#[test]
fn a_refused_import_or_a_missing_journal_leaves_no_trace() {
    let scene = Scene::new();
    let no_names = scene.path("no-names.csv");
    // Nothing to name a customer by (no name, nickname, company, e-mail or phone column).
    fs::write(&no_names, "city,zip\nBerlin,10115\n").unwrap();
    let binary = scene.path("photo.csv");
    fs::write(&binary, [0xFFu8, 0xD8, 0xFF, 0xE0, 0, 0, 0, 1, 2, 3]).unwrap();
    let new = scene.s("new.sqlite3");
    let missing = scene.s("missing.sqlite3");
    let before = listing(scene.dir.path());
    let hashes: Vec<_> = [&no_names, &binary].iter().map(|p| hash(p)).collect();
    for (arguments, expected) in [
        (
            vec!["import", "--db", &new, no_names.to_str().unwrap()],
            "name",
        ),
        (
            vec!["import", "--db", &new, binary.to_str().unwrap()],
            "photo.csv",
        ),
        (
            vec!["import", "--db", &new, &scene.s("absent.csv")],
            "absent.csv",
        ),
        (vec!["rank", "--db", &missing], "there is no journal"),
        (
            vec![
                "export",
                "--db",
                &missing,
                "--report",
                "customers",
                "--out",
                &scene.s("out.csv"),
            ],
            "There is no journal",
        ),
        (vec!["backup", "--db", &missing], "There is no journal"),
    ] {
        let line = scene.fails(&arguments);
        assert!(line.contains(expected), "{arguments:?}: {line}");
        assert_eq!(
            listing(scene.dir.path()),
            before,
            "{arguments:?} left something behind"
        );
    }
    let after: Vec<_> = [&no_names, &binary].iter().map(|p| hash(p)).collect();
    assert_eq!(hashes, after);
}

#[test]
fn an_import_leaves_out_rows_with_huge_fields_or_control_characters_and_says_which() {
    let scene = Scene::new();
    let file = scene.path("contacts.csv");
    let huge = "x".repeat(10 * 1024 * 1024);
    fs::write(
        &file,
        format!(
            "name,company,phone\nAda,Engines,1\n{huge},Big,2\n\"Bob\u{8}=HYPERLINK(1)\",Ltd,3\nCy,\"Acme\u{1b}\",4\nDee,Co,5\n"
        ),
    )
    .unwrap();
    let new = scene.path("new.sqlite3");
    let output = scene
        .command(&[
            "import",
            "--db",
            new.to_str().unwrap(),
            file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    // Rows were left out: the import says so with its documented exit status.
    assert_eq!(
        output.status.code(),
        Some(3),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("2 customers added"), "{stdout}");
    assert!(
        stdout.contains(
            "line 3: The name is 10,485,760 characters long; the limit is 200: shorten it."
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("line 4: The name holds an invisible control character (U+0008"),
        "{stdout}"
    );
    assert!(
        stdout.contains("line 5: The company holds an invisible control character (U+001B"),
        "{stdout}"
    );
    assert!(stdout.len() < 10_000, "the huge field is not echoed back");
    let store = Store::open(&new).unwrap();
    let mut names: Vec<String> = store
        .customers()
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    names.sort();
    assert_eq!(names, ["Ada", "Dee"]);
}

#[cfg(target_os = "linux")]
#[test]
fn the_data_folder_and_journal_are_private_and_an_old_open_one_is_tightened() {
    use std::os::unix::fs::PermissionsExt as _;
    let scene = Scene::new();
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    // No --db: the journal goes to the data folder ($XDG_DATA_HOME/candor).
    scene
        .command(&["demo", "--today", "2026-11-20"])
        .assert()
        .success();
    let folder = scene.path("data").join("candor");
    let journal = folder.join("journal.sqlite3");
    assert_eq!(mode(&folder), 0o700);
    assert_eq!(mode(&journal), 0o600);
    scene.command(&["backup"]).assert().success();
    assert_eq!(mode(&folder.join("backups")), 0o700);
    for backup in fs::read_dir(folder.join("backups")).unwrap() {
        assert_eq!(mode(&backup.unwrap().path()), 0o600);
    }
    // As an older Candor left them: readable by everyone. Opening tightens, data unchanged.
    fs::set_permissions(&folder, fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(&journal, fs::Permissions::from_mode(0o644)).unwrap();
    let before = hash(&journal);
    scene
        .command(&["rank", "--today", "2026-11-20"])
        .assert()
        .success();
    assert_eq!(mode(&folder), 0o700);
    assert_eq!(mode(&journal), 0o600);
    assert_eq!(hash(&journal), before);
}

#[test]
fn a_formula_behind_invisible_characters_is_quoted_in_every_export() {
    let scene = Scene::new();
    let path = scene.path("legacy.sqlite3");
    {
        let mut store = Store::open(&path).unwrap();
        let created = chrono::NaiveDate::from_ymd_opt(2026, 1, 5)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        store
            .add_customer(CustomerDraft::named("placeholder"), created)
            .unwrap();
    }
    // Written by a Candor from before control characters were refused.
    // (The schema's CHECK keeps a NUL from starting a name; a company may start with one.)
    let name = "\u{1}=HYPERLINK(\"http://evil.example\",\"Invoice\")";
    let company = "\u{0}=HYPERLINK(\"http://evil.example\",\"Invoice\")";
    let phone = "\u{feff} =1+1";
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute(
            "UPDATE customers SET name = ?1, company = ?2, phone = ?3",
            (name, company, phone),
        )
        .unwrap();
    }
    let db = path.display().to_string();
    let output = scene
        .command(&[
            "export",
            "--db",
            &db,
            "--report",
            "customers",
            "--today",
            "2026-11-20",
            "--out",
            "-",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader.headers().unwrap().clone();
    let row = reader.records().next().unwrap().unwrap();
    let raw = |column: &str| row[headers.iter().position(|h| h == column).unwrap()].to_owned();
    assert_eq!(raw("name"), format!("'{name}"));
    assert_eq!(raw("company"), format!("'{company}"));
    assert_eq!(raw("phone"), format!("'{phone}"));
    assert_eq!(candor::io::csv_text::unescape(&raw("name")), name);
}

/// Writes garbage over the start (the b-tree header) of every page from the middle of
/// `path` to its end, the way a failing disk or a crashed copy tool damages a file, so the
/// damage reaches the timeline's pages wherever the schema puts them.
fn damage_the_second_half(path: &Path) {
    let mut bytes = fs::read(path).unwrap();
    let page_size = usize::from(u16::from_be_bytes([bytes[16], bytes[17]]));
    let mut page = bytes.len() / page_size / 2 * page_size;
    while page + 200 <= bytes.len() {
        for byte in &mut bytes[page..page + 200] {
            *byte = 0x5A;
        }
        page += page_size;
    }
    fs::write(path, &bytes).unwrap();
}

#[test]
fn a_damaged_journal_takes_no_import_stops_a_report_that_reads_the_damage_and_is_named_by_backup() {
    let scene = Scene::new();
    let journal = scene.s("demo.sqlite3");
    scene
        .command(&["demo", "--db", &journal, "--today", "2026-11-20"])
        .assert()
        .success();
    scene
        .command(&["backup", "--db", &journal])
        .assert()
        .success();
    let good = fs::read_dir(scene.path("backups"))
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .file_name()
        .to_string_lossy()
        .into_owned();
    damage_the_second_half(&scene.path("demo.sqlite3"));
    let error = candor::store::quick_check(&scene.path("demo.sqlite3")).unwrap_err();
    assert!(
        matches!(error, candor::store::StoreError::Corrupt { .. }),
        "the quick check finds the damage: {error:?}"
    );
    let damaged = hash(&scene.path("demo.sqlite3"));

    // An import is refused before it writes anything, naming the journal and the backup.
    let line = scene.fails(&["import", "--db", &journal, &scene.s("customers.csv")]);
    assert!(line.contains(&format!("{journal} is damaged")), "{line}");
    assert!(line.contains("nothing was imported"), "{line}");
    assert!(line.contains(&good), "names the newest good backup: {line}");
    assert_eq!(hash(&scene.path("demo.sqlite3")), damaged);

    // Reports run no full check (half a second on a large journal, every morning), but
    // SQLite refuses any damaged page they read: this export reads every entry, so it
    // stops, naming the journal as damaged, and writes nothing.
    let out = scene.s("timeline.csv");
    let line = scene.fails(&[
        "export", "--db", &journal, "--report", "timeline", "--out", &out,
    ]);
    assert!(line.contains(&format!("{journal} is damaged")), "{line}");
    assert!(!scene.path("timeline.csv").exists());

    // A backup of it names the journal as the damaged one, not the copy it was making.
    let out = scene.s("b2.sqlite3");
    let line = scene.fails(&["backup", "--db", &journal, "--out", &out]);
    assert!(line.contains(&format!("{journal} is damaged")), "{line}");
    assert!(!line.contains("b2.sqlite3"), "{line}");
    assert!(!scene.path("b2.sqlite3").exists());
    assert_eq!(hash(&scene.path("demo.sqlite3")), damaged);
}

#[test]
fn malformed_insights_arguments() {
    let scene = Scene::new();
    let journal = scene.journal().display().to_string();
    let on = |extra: &[&str]| -> Vec<String> {
        let mut all = args(&["insights", "--db", &journal]);
        all.extend(extra.iter().map(|s| s.to_string()));
        all
    };
    check_all(
        &scene,
        &[
            (on(&["--from", "soonish"]), "--from"),
            (on(&["--to", "2300-01-01"]), "out of range"),
            (
                on(&["--from", "2026-11-20", "--to", "2026-11-01"]),
                "pick a --from on or before --to",
            ),
            (on(&["--format", "pdf"]), "pdf"),
            (on(&["--per", "day"]), "day"),
            (on(&["--threshold", "-1"]), "-1"),
            (on(&["--format", "html"]), "add --out FILE"),
            (
                on(&["--format", "html", "--out", &scene.s("a-folder")]),
                "cannot write the insights report",
            ),
            (
                args(&["insights", "--db", &scene.s("missing.sqlite3")]),
                "there is no journal",
            ),
        ],
    );
    assert!(!scene.path("missing.sqlite3").exists());
}

/// A manager's journal: `--rep` measures one rep's customers (or several reps'), and
/// `--per-rep` prints the whole team, then each rep.
#[test]
fn insights_per_rep_for_a_manager() {
    let scene = Scene::new();
    let demo = scene.s("team.sqlite3");
    scene
        .command(&["demo", "--db", &demo, "--today", "2026-11-20"])
        .assert()
        .success();
    let common = ["insights", "--db", &demo, "--today", "2026-11-20"];
    // A journal without team owners says what --rep needs.
    let mut no_reps = common.to_vec();
    no_reps.extend(["--rep", "ann"]);
    assert!(
        scene
            .fails(&no_reps)
            .contains("this journal has no team reps")
    );
    let store = Store::open(Path::new(&demo)).unwrap();
    store
        .execute_batch_for_tests(
            "INSERT INTO team_reps (login, full_name) VALUES ('ann', 'Ann Archer'), ('bob', 'Bob Baker');
             UPDATE customers SET team_owner = CASE WHEN id % 2 = 0 THEN 'ann' ELSE 'bob' END;",
        )
        .unwrap();
    let run = |extra: &[&str]| {
        let mut all: Vec<&str> = common.to_vec();
        all.extend_from_slice(extra);
        let output = scene.command(&all).output().unwrap();
        assert!(output.status.success(), "{all:?}: {output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let options = candor::domain::insights::InsightOptions::last_weeks(today);
    let reps = store.insight_reps().unwrap();
    let bob = &reps.iter().find(|r| r.login == "bob").unwrap().customers;
    let values = |json: &serde_json::Value, code: &str| -> Vec<Option<f64>> {
        json["measures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["measure"] == code)
            .unwrap()["series"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["value"].as_f64())
            .collect()
    };
    let expected =
        |insights: &candor::domain::insights::Insights, code: &str| -> Vec<Option<f64>> {
            insights
                .measure(code)
                .unwrap()
                .series
                .iter()
                .map(|p| p.value)
                .collect()
        };
    let bobs = store.insights_of(&options, Some(bob.as_slice())).unwrap();
    let team = store.insights(&options).unwrap();
    let printed: serde_json::Value =
        serde_json::from_str(&run(&["--rep", "bob", "--format", "json"])).unwrap();
    let both: serde_json::Value =
        serde_json::from_str(&run(&["--rep", "ann", "--rep", "bob", "--format", "json"])).unwrap();
    for code in [
        "promises_due",
        "kept_rate",
        "at_risk_customers",
        "owed_a_call",
    ] {
        assert_eq!(values(&printed, code), expected(&bobs, code), "{code}");
        // Every customer has a rep here: both reps are the whole team.
        assert_eq!(values(&both, code), expected(&team, code), "{code}");
    }

    let per_rep: serde_json::Value =
        serde_json::from_str(&run(&["--per-rep", "--format", "json"])).unwrap();
    assert_eq!(per_rep["format"], "candor.insights.per_rep.v1");
    assert_eq!(per_rep["reps"][0]["rep"], "ann");
    assert_eq!(per_rep["reps"][1]["name"], "Bob Baker");
    assert_eq!(per_rep["reps"][1]["customers"], bob.len());
    assert_eq!(
        values(&per_rep["reps"][1]["insights"], "owed_a_call"),
        expected(&bobs, "owed_a_call")
    );
    assert_eq!(
        values(&per_rep["team"], "owed_a_call"),
        expected(&team, "owed_a_call")
    );
    let csv = run(&["--per-rep", "--format", "csv"]);
    assert_eq!(csv.lines().next(), Some("rep,measure,label,period,value"));
    for rep in ["", "ann", "bob"] {
        assert!(
            csv.contains(&format!("\r\n{rep},kept_rate,Kept rate,2026-W35,")),
            "{rep}: {csv}"
        );
    }
    let table = run(&["--per-rep"]);
    assert!(table.contains("== Bob Baker (bob), "), "{table}");

    let mut unknown = common.to_vec();
    unknown.extend(["--rep", "zed"]);
    assert!(scene.fails(&unknown).contains(
        "no customer in this journal belongs to rep \"zed\": the reps here are ann, bob"
    ));
    let out = scene.s("per-rep.html");
    let mut html = common.to_vec();
    html.extend(["--per-rep", "--format", "html", "--out", out.as_str()]);
    assert!(
        scene
            .fails(&html)
            .contains("--per-rep writes table, json or csv")
    );
}

#[test]
fn insights_print_the_same_numbers_as_json_csv_and_a_self_contained_private_html_report() {
    let scene = Scene::new();
    let demo = scene.s("demo.sqlite3");
    scene
        .command(&["demo", "--db", &demo, "--today", "2026-11-20"])
        .assert()
        .success();
    let common = ["insights", "--db", &demo, "--today", "2026-11-20"];
    let run = |extra: &[&str]| {
        let mut all: Vec<&str> = common.to_vec();
        all.extend_from_slice(extra);
        let output = scene.command(&all).output().unwrap();
        assert!(output.status.success(), "{all:?}: {output:?}");
        String::from_utf8(output.stdout).unwrap()
    };

    let json: serde_json::Value = serde_json::from_str(&run(&["--format", "json"])).unwrap();
    assert_eq!(json["format"], "candor.insights.v1");
    assert_eq!(json["from"], "2026-08-29");
    let measures = json["measures"].as_array().unwrap();
    let kept = measures
        .iter()
        .find(|m| m["measure"] == "kept_rate")
        .unwrap();
    let series = kept["series"].as_array().unwrap();
    assert_eq!(series.len(), 13);
    assert_eq!(series[0]["period"], "2026-W35");
    // The same numbers the store computes for the app.
    let store = Store::open(Path::new(&demo)).unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let insights = store
        .insights(&candor::domain::insights::InsightOptions::last_weeks(today))
        .unwrap();
    for measure in &insights.measures {
        let printed = measures
            .iter()
            .find(|m| m["measure"] == measure.code)
            .unwrap();
        let values: Vec<Option<f64>> = printed["series"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["value"].as_f64())
            .collect();
        let expected: Vec<Option<f64>> = measure.series.iter().map(|p| p.value).collect();
        assert_eq!(values, expected, "{}", measure.code);
    }
    assert!(measures.iter().any(|m| m["measure"] == "root_causes"));

    let csv = run(&["--format", "csv", "--per", "month"]);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("measure,label,period,value"));
    assert!(
        csv.contains("\r\nkept_rate,Kept rate,2026-11,"),
        "monthly kept rate row: {csv}"
    );

    let table = run(&[]);
    assert!(table.contains("Kept rate"), "{table}");
    assert!(
        table.contains("Problems resolved, by root cause"),
        "{table}"
    );

    let report = scene.path("report.html");
    let out = report.display().to_string();
    let said = run(&["--format", "html", "--out", &out, "--threshold", "0"]);
    assert!(said.contains("Wrote the insights report to"), "{said}");
    let html = fs::read_to_string(&report).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<svg"), "charts are inline SVG");
    assert_eq!(
        html.matches("<svg").count(),
        9,
        "one chart per measure group"
    );
    // The SVG namespace is a name, not an address: nothing else may point anywhere.
    let addresses = html.replace("http://www.w3.org/2000/svg", "");
    assert!(
        !addresses.contains("http:") && !addresses.contains("https:"),
        "nothing fetched from the network"
    );
    assert!(!html.contains("<script"), "no script");
    assert!(
        html.contains("days above the line of 0"),
        "days over the line listed"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = fs::metadata(&report).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the report names customers: private");
    }
    // No temporary file left beside it.
    let left: Vec<_> = fs::read_dir(scene.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// Issue 11: `candor rank` puts the customer with a broken, unexplained promise first and
/// names the reason, and lists an unhappy answer to "how are we doing?".
#[test]
fn rank_puts_a_broken_unexplained_promise_first_and_lists_an_unhappy_answer() {
    use candor::domain::{EntryDraft, EntryKind, Feedback, Promise, PromiseCategory};
    let scene = Scene::new();
    let path = scene.path("trust.sqlite3");
    let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
    let at = |d: u32, h: u32| day(d).and_hms_opt(h, 0, 0).unwrap();
    {
        let mut store = Store::open(&path).unwrap();
        let ann = store
            .add_customer(CustomerDraft::named("Ann Broken"), at(1, 9))
            .unwrap()
            .id;
        let cem = store
            .add_customer(CustomerDraft::named("Cem Unhappy"), at(1, 9))
            .unwrap()
            .id;
        let promise = store
            .add_entry(
                EntryDraft {
                    customer_id: ann,
                    occurred_at: at(10, 9),
                    summary: "Quote for the new line".into(),
                    kind: EntryKind::Promise(Promise::new(day(17), PromiseCategory::Information)),
                },
                at(10, 9),
            )
            .unwrap();
        let mut draft = promise.to_draft();
        if let EntryKind::Promise(p) = &mut draft.kind {
            p.break_on(day(19)).unwrap();
        }
        store.update_entry(promise.id, draft, at(19, 16)).unwrap();
        store
            .add_entry(
                EntryDraft {
                    customer_id: cem,
                    occurred_at: at(18, 11),
                    summary: "Invoices are confusing".into(),
                    kind: EntryKind::Feedback(Feedback { rating: Some(1) }),
                },
                at(18, 11),
            )
            .unwrap();
    }
    let db = path.display().to_string();
    let output = scene
        .command(&[
            "rank",
            "--db",
            &db,
            "--today",
            "2026-11-20",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&output).unwrap();
    let customers = json["customers"].as_array().unwrap();
    assert_eq!(customers[0]["customer"], "Ann Broken", "{json:#}");
    assert_eq!(
        customers[0]["reasons"][0]["kind"], "broken_unexplained",
        "{json:#}"
    );
    assert_eq!(customers[1]["customer"], "Cem Unhappy", "{json:#}");
    assert_eq!(
        customers[1]["reasons"][0]["kind"], "unhappy_feedback",
        "{json:#}"
    );
}

/// `candor currency` shows and sets the journal's currency and number format; the ranking
/// then reads amounts that way, and a code Candor does not know changes nothing.
#[test]
fn the_currency_is_set_from_the_command_line_and_the_ranking_reads_it() {
    let scene = Scene::new();
    let journal = scene.journal().display().to_string();
    let show = scene
        .command(&["currency", "--db", &journal])
        .output()
        .unwrap();
    assert!(show.status.success());
    assert_eq!(
        String::from_utf8_lossy(&show.stdout),
        "Currency: none set; number format: en-US (English (United States)), e.g. 1,234.50\n"
    );
    let set = scene
        .command(&[
            "currency",
            "--db",
            &journal,
            "--set",
            "chf",
            "--number-format",
            "de_CH",
        ])
        .output()
        .unwrap();
    assert!(set.status.success(), "{set:?}");
    assert_eq!(
        String::from_utf8_lossy(&set.stdout),
        "Currency: CHF (Swiss franc); number format: de-CH (German (Switzerland)), e.g. \
         CHF\u{a0}1’234.50\n"
    );
    let store = Store::open(&scene.journal()).unwrap();
    assert_eq!(
        store.money_format().unwrap(),
        candor::domain::MoneyFormat::new(
            Some(candor::domain::Currency::Chf),
            candor::domain::NumberLocale::DeCh
        )
    );
    drop(store);
    let before = hash(&scene.journal());
    let said = scene.fails(&["currency", "--db", &journal, "--set", "EUX"]);
    assert!(
        said.contains("\"EUX\" is not a currency Candor knows: use one of EUR, USD"),
        "{said}"
    );
    let said = scene.fails(&["currency", "--db", &journal, "--number-format", "xx"]);
    assert!(
        said.contains("is not a number format Candor knows"),
        "{said}"
    );
    assert_eq!(hash(&scene.journal()), before, "nothing changed");
}
