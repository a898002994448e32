//! Shared test harness: a database of its own per test on the server named
//! by DATABASE_URL (scripts/test.sh starts a throwaway one), the real binary,
//! fixture SQL, and private clusters for tests that restart PostgreSQL.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

pub mod factory;
pub use factory::*;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};
use std::str::FromStr;

/// The server tests run against.
pub fn server_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| {
        panic!("DATABASE_URL is not set: run the tests with scripts/test.sh, which starts a throwaway PostgreSQL")
    })
}

/// `url` with its database replaced by `db`.
pub fn url_with_db(url: &str, db: &str) -> String {
    let (scheme, rest) = url
        .split_once("://")
        .expect("DATABASE_URL is a postgres:// URL");
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, format!("?{q}")),
        None => (rest, String::new()),
    };
    let authority = rest.split('/').next().unwrap();
    format!("{scheme}://{authority}/{db}{query}")
}

/// A database of its own, dropped at the end of the test.
pub struct TestDb {
    pub name: String,
    pub url: String,
    server: String,
}

impl TestDb {
    /// An empty database (shape L0).
    pub async fn empty() -> TestDb {
        Self::empty_on(&server_url()).await
    }

    pub async fn empty_on(server: &str) -> TestDb {
        let name = format!("absurdctl_t_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::connect(server)
            .await
            .expect("connect to test server");
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut conn)
            .await
            .expect("create test database");
        conn.close().await.ok();
        TestDb {
            url: url_with_db(server, &name),
            name,
            server: server.to_string(),
        }
    }

    /// A database migrated to the current schema by the real binary.
    pub async fn migrated() -> TestDb {
        let db = Self::empty().await;
        db.cli(&["migrate"]).assert_success();
        db
    }

    /// A pool on this database (for assertions and setup).
    pub async fn pool(&self) -> PgPool {
        PgPoolOptions::new()
            .max_connections(8)
            .connect(&self.url)
            .await
            .expect("connect to test database")
    }

    /// Runs psql on a fixture file in tests/fixtures.
    pub fn load_fixture(&self, file: &str) {
        psql_file(&self.url, &fixture_path(file));
    }

    /// Runs SQL through psql (for DDL-heavy setup).
    pub fn psql(&self, sql: &str) -> String {
        let out = Command::new("psql")
            .args([
                self.url.as_str(),
                "-v",
                "ON_ERROR_STOP=1",
                "-X",
                "-q",
                "-t",
                "-A",
                "-c",
                sql,
            ])
            .output()
            .expect("run psql");
        assert!(
            out.status.success(),
            "psql failed: {}\n{}",
            sql,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Inserts `rows` (see `factory`) in one statement: their ids, in order.
    pub fn seed(&self, rows: impl IntoIterator<Item = TaskSeed>) -> Vec<uuid::Uuid> {
        seed_url(&self.url, rows)
    }

    /// Inserts `n` rows like `row` (see `factory::seed_series_url`).
    pub fn seed_series(&self, n: usize, row: &TaskSeed) {
        seed_series_url(&self.url, n, row)
    }

    /// Inserts one task: its id.
    pub fn seed_one(&self, row: TaskSeed) -> uuid::Uuid {
        self.seed([row])[0]
    }

    /// Runs absurdctl with --database-url pointing here.
    pub fn cli(&self, args: &[&str]) -> CliOutput {
        let mut full = vec!["--database-url", self.url.as_str()];
        full.extend_from_slice(args);
        absurdctl(&full)
    }

    /// A checksum of absurd.tasks, to prove a command changed nothing.
    pub fn tasks_checksum(&self) -> String {
        self.psql("SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY task_id), '')) FROM absurd.tasks t")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let server = self.server.clone();
        let name = self.name.clone();
        // Drop runs outside any runtime guarantee: use a thread of its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let mut conn = PgConnection::connect(&server).await.ok()?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .execute(&mut conn)
                    .await
                    .ok()?;
                Some(())
            })
        })
        .join();
    }
}

pub fn fixture_path(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(file)
}

/// Runs one statement through psql on its standard input (a seed of
/// thousands of rows is longer than an argument may be): what it printed,
/// unaligned and trimmed.
pub fn psql_stdin(url: &str, sql: &str) -> String {
    use std::io::Write;
    let mut child = Command::new("psql")
        .args([
            url,
            "-v",
            "ON_ERROR_STOP=1",
            "-X",
            "-q",
            "-t",
            "-A",
            "-f",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run psql");
    let mut stdin = child.stdin.take().unwrap();
    let text = sql.to_string();
    // Written from a thread of its own: psql may fill its stdout pipe first.
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let out = child.wait_with_output().expect("run psql");
    let _ = writer.join();
    assert!(
        out.status.success(),
        "psql failed: {}\n{}",
        sql.chars().take(4000).collect::<String>(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

pub fn psql_file(url: &str, path: &Path) {
    let out = Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-X", "-q", "-f"])
        .arg(path)
        .output()
        .expect("run psql");
    assert!(
        out.status.success(),
        "loading {} failed: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What a run of the binary printed and how it exited.
#[derive(Debug)]
pub struct CliOutput {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl CliOutput {
    pub fn assert_success(&self) -> &Self {
        assert_eq!(self.code, Some(0), "expected success:\n{self}");
        self
    }

    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, Some(code), "expected exit code {code}:\n{self}");
        self
    }

    /// Its stderr, line by line.
    pub fn log(&self) -> Vec<String> {
        self.stderr.lines().map(str::to_string).collect()
    }

    /// The JSON lines of its stderr (a worker's --log-format json).
    pub fn events(&self) -> Vec<serde_json::Value> {
        self.stderr
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{self}"))
    }
}

impl std::fmt::Display for CliOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit: {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// The real binary, with no configuration leaking in from the environment
/// and no standard input.
pub fn absurdctl_command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_absurdctl"));
    cmd.args(args).stdin(Stdio::null());
    for (k, _) in std::env::vars() {
        if k.starts_with("PG") || k.starts_with("ABSURD_") || k == "DATABASE_URL" {
            cmd.env_remove(k);
        }
    }
    cmd.env("NO_COLOR", "1");
    cmd
}

pub fn absurdctl(args: &[&str]) -> CliOutput {
    let out: Output = absurdctl_command(args).output().expect("run absurdctl");
    CliOutput {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A PostgreSQL cluster of a test's own, for tests that stop or restart it.
pub struct PgCluster {
    pub dir: PathBuf,
    pub url: String,
}

impl PgCluster {
    pub fn start() -> PgCluster {
        let dir =
            std::env::temp_dir().join(format!("absurdctl-pg-{}", uuid::Uuid::new_v4().simple()));
        let url = throwaway(&["start", dir.to_str().unwrap()]);
        PgCluster { dir, url }
    }

    /// Stops the server (immediately, like a crash) and starts it again on the same port.
    pub fn restart(&self) {
        throwaway(&["stop", self.dir.to_str().unwrap()]);
        let port = std::fs::read_to_string(self.dir.join("port")).unwrap();
        let mut last = String::new();
        for _ in 0..20 {
            let out = Command::new(script())
                .args(["start", self.dir.to_str().unwrap()])
                .env("PG_PORT", port.trim())
                .output()
                .unwrap();
            if out.status.success() {
                return;
            }
            last = String::from_utf8_lossy(&out.stderr).into_owned();
            std::thread::sleep(Duration::from_millis(250));
        }
        panic!("restarting PostgreSQL failed: {last}");
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = Command::new(script())
            .args(["stop", self.dir.to_str().unwrap()])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/pg-throwaway.sh")
}

fn throwaway(args: &[&str]) -> String {
    let out = Command::new(script())
        .args(args)
        .output()
        .expect("run pg-throwaway.sh");
    assert!(
        out.status.success(),
        "pg-throwaway.sh {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Connect options for `url` quietly (no statement logging).
pub fn quiet_options(url: &str) -> PgConnectOptions {
    PgConnectOptions::from_str(url)
        .unwrap()
        .disable_statement_logging()
}

/// A LOGIN role of the server for one test, connecting to this test's
/// database; what it owns, and the role itself, are dropped with it (roles
/// are shared by every database of the server).
pub struct TestRole {
    pub name: String,
    /// This test database, connected to as the role.
    pub url: String,
    db_url: String,
}

impl TestRole {
    /// Creates the role `<prefix>_<random>`, then runs `setup` with every
    /// `{name}` in it replaced by the role's name.
    pub fn create(db: &TestDb, prefix: &str, setup: &str) -> TestRole {
        let name = format!(
            "{prefix}_{}",
            &uuid::Uuid::new_v4().simple().to_string()[..10]
        );
        db.psql(&format!("CREATE ROLE {name} LOGIN"));
        if !setup.is_empty() {
            db.psql(&setup.replace("{name}", &name));
        }
        let url = db.url.replacen("postgres@", &format!("{name}@"), 1);
        assert_ne!(url, db.url, "the test URL names the user postgres");
        TestRole {
            name,
            url,
            db_url: db.url.clone(),
        }
    }

    /// A role that may only read the absurd schema, as a monitor would have.
    pub fn read_only(db: &TestDb) -> TestRole {
        TestRole::create(
            db,
            "reader",
            "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA absurd FROM PUBLIC;
             GRANT USAGE ON SCHEMA absurd TO {name};
             GRANT SELECT ON ALL TABLES IN SCHEMA absurd TO {name};",
        )
    }

    /// Runs absurdctl connected as the role.
    pub fn cli(&self, args: &[&str]) -> CliOutput {
        let mut full = vec!["--database-url", self.url.as_str()];
        full.extend_from_slice(args);
        absurdctl(&full)
    }

    /// Runs SQL through psql as the role; the caller looks at what it said.
    pub fn psql(&self, sql: &str) -> Output {
        Command::new("psql")
            .args([
                self.url.as_str(),
                "-X",
                "-q",
                "-t",
                "-A",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ])
            .output()
            .expect("run psql")
    }
}

impl Drop for TestRole {
    fn drop(&mut self) {
        let psql = |url: &str, sql: String| {
            let _ = Command::new("psql")
                .args([url, "-X", "-q", "-c", &sql])
                .output();
        };
        psql(&self.db_url, format!("DROP OWNED BY {}", self.name));
        psql(&server_url(), format!("DROP ROLE IF EXISTS {}", self.name));
    }
}

impl PgCluster {
    /// Stops the server (immediately, like a crash), keeps it down for
    /// `down`, then starts it again on the same port.
    pub fn restart_after(&self, down: Duration) {
        throwaway(&["stop", self.dir.to_str().unwrap()]);
        std::thread::sleep(down);
        self.restart();
    }
}

/// Sends `sig` to `pid` (to a process group when negative).
pub fn signal(pid: i32, sig: i32) {
    // SAFETY: kill has no memory-safety preconditions.
    unsafe {
        libc::kill(pid, sig);
    }
}

/// Whether a process is gone (or a zombie nobody has waited for yet).
pub fn process_gone(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

/// A process run in the background (a worker, a long command), its stderr
/// collected line by line as it comes.
pub struct Background {
    pub child: std::process::Child,
    lines: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Background {
    pub fn start(mut cmd: Command) -> Background {
        use std::io::BufRead;
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start a background process");
        let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = lines.clone();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                sink.lock().unwrap().push(line);
            }
        });
        Background { child, lines }
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Its stderr so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// The JSON lines of its stderr so far (a worker's --log-format json).
    pub fn events(&self) -> Vec<serde_json::Value> {
        self.lines()
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// Waits for a JSON line of stderr that `want` accepts.
    pub fn wait_for_event(
        &mut self,
        what: &str,
        timeout: Duration,
        want: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let started = std::time::Instant::now();
        loop {
            if let Some(e) = self.events().into_iter().find(|e| want(e)) {
                return e;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "exited ({status}) before {what}:\n{}",
                    self.lines().join("\n")
                );
            }
            assert!(
                started.elapsed() < timeout,
                "no {what} within {timeout:?}:\n{}",
                self.lines().join("\n")
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for the JSON line of stderr of the event named `event`.
    pub fn wait_for_named(&mut self, event: &str, timeout: Duration) -> serde_json::Value {
        self.wait_for_event(&format!("`{event}` event"), timeout, |e| {
            e["event"] == event
        })
    }

    /// Sends it `sig`, which must reach it.
    pub fn signal(&self, sig: i32) {
        // SAFETY: kill has no memory-safety preconditions.
        assert_eq!(unsafe { libc::kill(self.pid(), sig) }, 0);
    }

    /// Waits for it to exit (killing it after `timeout`): its exit code,
    /// stdout and stderr.
    pub fn wait(&mut self, timeout: Duration) -> CliOutput {
        use std::io::Read;
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > timeout {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "still running after {timeout:?}:\n{}",
                    self.lines().join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stdout = String::new();
        if let Some(mut out) = self.child.stdout.take() {
            out.read_to_string(&mut stdout).unwrap();
        }
        // The reader thread finishes with the pipe.
        std::thread::sleep(Duration::from_millis(50));
        CliOutput {
            code: status.code(),
            stdout,
            stderr: self.lines().join("\n"),
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A directory of a test's own under the system temp dir (handler scripts,
/// the files they leave, archives), removed when dropped.
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(prefix: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("{prefix}-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// A /bin/sh script; `$DIR` in it is this directory.
    pub fn script(&self, name: &str, body: &str) -> String {
        use std::os::unix::fs::PermissionsExt;
        let path = self.0.join(name);
        let text = format!("#!/bin/sh\nDIR='{}'\n{body}\n", self.0.display());
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path.to_str().unwrap().to_string()
    }

    /// The file `name`, trimmed.
    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.0.join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .trim()
            .to_string()
    }

    /// Waits until the file `name` holds a whole line: its text, trimmed.
    pub fn wait_for(&self, name: &str, timeout: Duration) -> String {
        let started = std::time::Instant::now();
        loop {
            let text = std::fs::read_to_string(self.0.join(name)).unwrap_or_default();
            if text.ends_with('\n') {
                return text.trim().to_string();
            }
            assert!(started.elapsed() < timeout, "{name} never appeared");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The first check named `check` in a `status -o json` report.
pub fn status_check<'a>(report: &'a serde_json::Value, check: &str) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == check)
        .unwrap_or_else(|| panic!("no check {check} in {report:#}"))
}

/// Its level: OK, WARNING, CRITICAL or UNKNOWN.
pub fn status_level(report: &serde_json::Value, check: &str) -> String {
    status_check(report, check)["level"]
        .as_str()
        .unwrap()
        .to_string()
}
