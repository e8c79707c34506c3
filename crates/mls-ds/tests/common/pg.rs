//! A throwaway PostgreSQL cluster for tests: `initdb` into a temporary
//! directory (under [`test_dir`](super::stores::test_dir)), `pg_ctl start` listening only on a Unix socket in that
//! directory, a fresh database per store, `pg_ctl stop` and the directory
//! removed when the last user drops it (on panic too: [`PgCluster`]'s
//! `Drop`).
//!
//! PostgreSQL refuses to run as root: as root, `initdb` and `pg_ctl` run
//! as the `postgres` user (`runuser -u postgres --`), owner of the
//! directory. Without the binaries (on `PATH` or in
//! `/usr/lib/postgresql/*/bin`) the tests fail, unless
//! `MLS_SKIP_POSTGRES=1`, which skips them loudly.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

/// A running throwaway cluster; stopped and deleted on drop.
pub struct PgCluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

static SHARED: Mutex<Weak<PgCluster>> = Mutex::new(Weak::new());
static DATABASES: AtomicU64 = AtomicU64::new(0);

/// The test binary's cluster (started by the first caller, stopped when
/// the last holder drops it), or `None` when `MLS_SKIP_POSTGRES=1` (after
/// saying so loudly). Panics if PostgreSQL is missing or fails to start.
pub fn cluster() -> Option<Arc<PgCluster>> {
    if std::env::var("MLS_SKIP_POSTGRES").as_deref() == Ok("1") {
        // Straight to stderr: the test harness captures `eprintln!`.
        let test = std::thread::current().name().unwrap_or("?").to_string();
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            format!(
                "\n*** MLS_SKIP_POSTGRES=1: PostgreSQL test {test} SKIPPED: \
                 the PostgreSQL store is NOT tested ***\n"
            )
            .as_bytes(),
        );
        return None;
    }
    let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(c) = shared.upgrade() {
        return Some(c);
    }
    let c = Arc::new(PgCluster::start());
    *shared = Arc::downgrade(&c);
    Some(c)
}

fn find_bin() -> Option<PathBuf> {
    let has_both = |d: &Path| d.join("initdb").is_file() && d.join("pg_ctl").is_file();
    let path = std::env::var_os("PATH").unwrap_or_default();
    if let Some(d) = std::env::split_paths(&path).find(|d| has_both(d)) {
        return Some(d);
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|d| has_both(d))
        .collect();
    versions.sort();
    versions.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl PgCluster {
    fn start() -> PgCluster {
        let bin = find_bin().unwrap_or_else(|| {
            panic!(
                "PostgreSQL's initdb and pg_ctl were not found (neither on PATH nor in \
                 /usr/lib/postgresql/*/bin): the PostgreSQL store tests need them. Install \
                 PostgreSQL (`apt-get install -y postgresql`; .ci/run does) or set \
                 MLS_SKIP_POSTGRES=1 to skip these tests."
            )
        });
        let n = DATABASES.fetch_add(1, Ordering::Relaxed);
        let dir = super::stores::test_dir().join(format!("mls-ds-pg-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the cluster directory");
        let as_postgres = is_root();
        let cluster = PgCluster {
            dir,
            bin,
            port: free_port(),
            as_postgres,
        };
        if as_postgres {
            let ok = Command::new("chown")
                .arg("postgres:")
                .arg(&cluster.dir)
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "chown of {} to postgres failed", cluster.dir.display());
        }
        let data = cluster.dir.join("data");
        cluster.run(
            "initdb",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-U".as_ref(),
                "postgres".as_ref(),
                "--auth=trust".as_ref(),
                "--no-sync".as_ref(),
                "--encoding=UTF8".as_ref(),
                "--locale=C".as_ref(),
            ],
        );
        // Only a Unix socket, in our directory. The server keeps its
        // durability defaults (fsync, synchronous_commit on).
        let conf = format!(
            "\nport = {}\nunix_socket_directories = '{}'\nlisten_addresses = ''\n\
             max_connections = 200\n",
            cluster.port,
            cluster.dir.display()
        );
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))
            .expect("postgresql.conf");
        std::io::Write::write_all(&mut f, conf.as_bytes()).unwrap();
        let log = cluster.dir.join("server.log");
        cluster.run(
            "pg_ctl",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-l".as_ref(),
                log.as_os_str(),
                "-w".as_ref(),
                "start".as_ref(),
            ],
        );
        cluster
    }

    /// Runs one of the PostgreSQL binaries (as `postgres` when we are
    /// root), panicking with its output (and the server log) on failure.
    fn run(&self, tool: &str, args: &[&std::ffi::OsStr]) {
        let exe = self.bin.join(tool);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let out = cmd
            .args(args)
            .current_dir(&self.dir)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", exe.display()));
        if !out.status.success() {
            let log = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
            panic!(
                "{tool} failed ({}):\n{}\n{}\nserver log:\n{log}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    /// The connection parameters of database `dbname`.
    pub fn params(&self, dbname: &str) -> String {
        format!(
            "host={} port={} user=postgres dbname={dbname}",
            self.dir.display(),
            self.port
        )
    }

    /// A new empty database; its connection parameters.
    pub fn new_database(&self) -> String {
        let name = format!("t{}", DATABASES.fetch_add(1, Ordering::Relaxed));
        let mut admin = postgres::Client::connect(&self.params("postgres"), postgres::NoTls)
            .expect("connect to the test cluster");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create a test database");
        self.params(&name)
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let exe = self.bin.join("pg_ctl");
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let stopped = cmd
            .arg("-D")
            .arg(&data)
            .args(["-m", "immediate", "-w", "stop"])
            .output();
        if !stopped.is_ok_and(|o| o.status.success()) {
            eprintln!("pg_ctl stop failed for {}", self.dir.display());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
