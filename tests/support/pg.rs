//! A throwaway PostgreSQL cluster for the team tests: one per test binary, started on first
//! use, listening only on a Unix socket in its own folder, stopped when the binary exits
//! (also after a failed test); each test gets its own database.
//!
//! The server binaries are looked for in `$CANDOR_PG_BIN`, on `PATH` and in
//! `/usr/lib/postgresql/*/bin`. When they are missing and the tests run as root on a
//! machine with apt-get (CI, a fresh container), `postgresql` is installed once; otherwise
//! the test fails and says how to install them. It never skips.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The running cluster.
pub struct Cluster {
    base: PathBuf,
    bin: PathBuf,
    as_postgres: bool,
    port: u16,
}

static CLUSTER: OnceLock<Cluster> = OnceLock::new();
static STOP: OnceLock<(PathBuf, PathBuf, bool)> = OnceLock::new();
static TLS_CLUSTER: OnceLock<Cluster> = OnceLock::new();
static TLS_STOP: OnceLock<(PathBuf, PathBuf, bool)> = OnceLock::new();

const PORT: u16 = 5432;

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

fn has_server_binaries(dir: &Path) -> bool {
    ["initdb", "pg_ctl", "postgres"]
        .iter()
        .all(|name| dir.join(name).is_file())
}

fn find_binaries() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("CANDOR_PG_BIN") {
        let dir = PathBuf::from(dir);
        return has_server_binaries(&dir).then_some(dir);
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if has_server_binaries(&dir) {
                return Some(dir);
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            (version >= 15 && has_server_binaries(&bin)).then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// Installs `postgresql` with apt-get, once even when several test binaries ask at once.
fn install_with_apt() {
    let lock_path = std::env::temp_dir().join("candor-test-pg-install.lock");
    let lock = loop {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&lock_path)
        {
            Ok(file) => break file,
            Err(_) => {
                // Another binary installs; when it is done the binaries are there.
                std::thread::sleep(std::time::Duration::from_secs(2));
                if find_binaries().is_some() {
                    return;
                }
                // A lock older than 15 minutes was left by a killed run.
                if let Ok(modified) = std::fs::metadata(&lock_path).and_then(|m| m.modified())
                    && modified.elapsed().is_ok_and(|age| age.as_secs() > 900)
                {
                    let _ = std::fs::remove_file(&lock_path);
                }
            }
        }
    };
    eprintln!("PostgreSQL server binaries not found: installing postgresql with apt-get…");
    let ok = Command::new("apt-get")
        .arg("update")
        .arg("-qq")
        .status()
        .is_ok_and(|s| s.success())
        && Command::new("apt-get")
            .args([
                "install",
                "-y",
                "-qq",
                "--no-install-recommends",
                "postgresql",
            ])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success());
    drop(lock);
    let _ = std::fs::remove_file(&lock_path);
    assert!(
        ok,
        "apt-get could not install postgresql; install it by hand (apt-get install postgresql) and run the tests again"
    );
}

fn binaries() -> PathBuf {
    if let Some(bin) = find_binaries() {
        return bin;
    }
    if is_root() && Path::new("/usr/bin/apt-get").exists() {
        install_with_apt();
        if let Some(bin) = find_binaries() {
            return bin;
        }
    }
    panic!(
        "The team tests need PostgreSQL 15 or newer (initdb, pg_ctl, postgres): install it \
         (Debian/Ubuntu: sudo apt-get install postgresql; macOS: brew install postgresql@16) \
         or point CANDOR_PG_BIN at its bin folder."
    );
}

fn run(bin: &Path, as_postgres: bool, program: &str, args: &[&str]) -> std::process::Output {
    let mut command = if as_postgres {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin.join(program));
        c
    } else {
        Command::new(bin.join(program))
    };
    command
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} could not be started: {e}"))
}

extern "C" fn stop_at_exit() {
    for (bin, data_dir, as_postgres) in STOP.get().into_iter().chain(TLS_STOP.get()) {
        let data = data_dir.to_string_lossy();
        let _ = run(
            bin,
            *as_postgres,
            "pg_ctl",
            &["stop", "-D", &data, "-m", "immediate", "-w"],
        );
        // The cluster's folder goes with it: a passing run leaves nothing in the temp
        // folder (a killed run's leftover is cleared by the next run's `start_with`).
        if let Some(base) = data_dir.parent() {
            let _ = std::fs::remove_dir_all(base);
        }
    }
}

/// Kills a cluster a killed earlier run left behind (its pid file says which process).
fn kill_leftover(data: &Path) {
    let Ok(text) = std::fs::read_to_string(data.join("postmaster.pid")) else {
        return;
    };
    if let Some(pid) = text
        .lines()
        .next()
        .and_then(|l| l.trim().parse::<i32>().ok())
    {
        // SAFETY: kill with a pid read from the cluster's own pid file.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
}

/// A free TCP port on 127.0.0.1 (free a moment ago: the server takes it right after).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

impl Cluster {
    fn start() -> Self {
        Self::start_with(None)
    }

    /// Starts the cluster; with `tls` (a server certificate and its key, PEM) it also
    /// listens on 127.0.0.1 with `ssl = on` and takes password logins there over TLS only.
    fn start_with(tls: Option<(&Path, &Path)>) -> Self {
        let bin = binaries();
        let as_postgres = is_root();
        let exe = std::env::current_exe().unwrap();
        let stem = exe.file_stem().unwrap().to_string_lossy().into_owned();
        // The binary's name is the same in every checkout of the project: the hash of its
        // whole path keeps two checkouts' test runs from killing each other's cluster,
        // while a rerun of the same binary still finds (and stops) its crashed leftover.
        let place = {
            use std::hash::{Hash, Hasher};
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            exe.hash(&mut hasher);
            hasher.finish()
        };
        let kind = if tls.is_some() { "-tls" } else { "" };
        let base = std::env::temp_dir().join(format!("candor-pg-{stem}-{place:016x}{kind}"));
        let data = base.join("data");
        kill_leftover(&data);
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).unwrap();
        if as_postgres {
            // initdb refuses root: the cluster belongs to the postgres user.
            let status = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(&base)
                .status()
                .unwrap();
            assert!(status.success(), "chown postgres {} failed", base.display());
        }
        let data_text = data.to_string_lossy().into_owned();
        let out = run(
            &bin,
            as_postgres,
            "initdb",
            &[
                "-D",
                &data_text,
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
                "-A",
                "trust",
            ],
        );
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The administrator (postgres) is trusted on the socket; everyone else gives a
        // password, so the tests see real logins refused.
        std::fs::write(
            data.join("pg_hba.conf"),
            "local all postgres trust\nlocal all all scram-sha-256\n\
             hostssl all all 127.0.0.1/32 scram-sha-256\n",
        )
        .unwrap();
        let base_text = base.to_string_lossy().into_owned();
        let port = if tls.is_some() { free_port() } else { PORT };
        let mut options = format!(
            "-c listen_addresses='' -k {base_text} -p {port} -c fsync=off \
             -c synchronous_commit=off -c max_connections=60 -c shared_buffers=64MB"
        );
        if let Some((cert, key)) = tls {
            for (from, name) in [(cert, "server.crt"), (key, "server.key")] {
                let to = data.join(name);
                std::fs::copy(from, &to).unwrap();
                // PostgreSQL refuses a key others can read, or one it does not own.
                let mode = if name == "server.key" { "600" } else { "644" };
                assert!(
                    Command::new("chmod")
                        .arg(mode)
                        .arg(&to)
                        .status()
                        .unwrap()
                        .success()
                );
                if as_postgres {
                    let owner = Command::new("chown")
                        .arg("postgres:postgres")
                        .arg(&to)
                        .status();
                    assert!(owner.unwrap().success());
                }
            }
            options = options.replace("listen_addresses=''", "listen_addresses='127.0.0.1'")
                + " -c ssl=on -c ssl_cert_file=server.crt -c ssl_key_file=server.key";
        }
        let log = base.join("server.log").to_string_lossy().into_owned();
        let stop = if tls.is_some() { &TLS_STOP } else { &STOP };
        let _ = stop.set((bin.clone(), data.clone(), as_postgres));
        // SAFETY: registers a plain extern "C" function with no captured state.
        unsafe {
            libc::atexit(stop_at_exit);
        }
        let out = run(
            &bin,
            as_postgres,
            "pg_ctl",
            &[
                "start", "-D", &data_text, "-w", "-t", "60", "-l", &log, "-o", &options,
            ],
        );
        assert!(
            out.status.success(),
            "pg_ctl start failed: {}{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        Self {
            base,
            bin,
            as_postgres,
            port,
        }
    }

    /// The TCP port (127.0.0.1) of a cluster started with TLS.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Restarts the server, dropping every connection (a server restart mid-sync).
    pub fn restart(&self) {
        let data = self.base.join("data").to_string_lossy().into_owned();
        // With its log in a file: a server writing to our pipe would keep it open forever.
        let log = self.base.join("server.log").to_string_lossy().into_owned();
        let out = run(
            &self.bin,
            self.as_postgres,
            "pg_ctl",
            &[
                "restart", "-D", &data, "-w", "-t", "60", "-m", "fast", "-l", &log,
            ],
        );
        assert!(
            out.status.success(),
            "pg_ctl restart failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The address of `database` for `login` (no password in it).
    pub fn url(&self, login: &str, database: &str) -> String {
        format!(
            "host={} port={} user={login} dbname={database} sslmode=disable",
            self.base.display(),
            self.port
        )
    }

    /// The administrator's address of `database`.
    pub fn admin_url(&self, database: &str) -> String {
        self.url("postgres", database)
    }

    /// A connection as the administrator.
    pub fn admin(&self, database: &str) -> postgres::Client {
        postgres::Client::connect(&self.admin_url(database), postgres::NoTls).unwrap()
    }

    /// A connection as `login` with `password`.
    pub fn login(
        &self,
        login: &str,
        password: &str,
        database: &str,
    ) -> Result<postgres::Client, postgres::Error> {
        postgres::Client::connect(
            &format!("{} password={password}", self.url(login, database)),
            postgres::NoTls,
        )
    }

    /// A fresh, empty database for one test.
    pub fn database(&self, name: &str) -> String {
        let mut admin = self.admin("postgres");
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        name.to_owned()
    }
}

/// The cluster of this test binary, started on first use.
pub fn cluster() -> &'static Cluster {
    CLUSTER.get_or_init(Cluster::start)
}

/// A second cluster of this test binary, started on first use, that also listens on
/// 127.0.0.1 (see [`Cluster::port`]) with `ssl = on`, serving `cert` and `key` (PEM; only
/// the first call's are used). Its Unix socket works as [`cluster`]'s does.
pub fn tls_cluster(cert: &Path, key: &Path) -> &'static Cluster {
    TLS_CLUSTER.get_or_init(|| Cluster::start_with(Some((cert, key))))
}
