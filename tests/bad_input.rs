//! The bad-input matrix: every subcommand (enumerated from the clap
//! definition, so a new command without an entry here fails) against
//! malformed and out-of-range values, conflicting flags, an unknown queue,
//! an unreachable database, a role that may only read, a database migrated
//! by a newer absurdctl, and SQL metacharacters in every text filter. Each
//! case: a clear message on stderr, the documented exit code, and the
//! database unchanged.
//!
//! Every run connects with a password planted in the URL (or PGPASSWORD)
//! of a real role, and no run may print it.

mod common;

use std::collections::BTreeSet;

use common::*;
use uuid::Uuid;

/// Both planted passwords start with this: no output may contain it.
const PLANTED: &str = "PLANTED";
const PASSWORD: &str = "PLANTED-pw-9f3";
const ENV_PASSWORD: &str = "PLANTED-env-7c1";

/// What kind of access a command needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Reads only: works for a SELECT-only role and on a newer schema.
    Read,
    /// Changes the queue: refused for a SELECT-only role and on a newer schema.
    Write,
    /// Touches no database.
    NoDb,
}

/// One subcommand's row of the matrix.
struct Entry {
    /// The command path, as `absurdctl::docs::command()` names it.
    path: &'static str,
    kind: Kind,
    /// The queue the base invocation works on (None: the default queue).
    queue: Option<&'static str>,
    /// An invocation that acts on the seeded database.
    base: Vec<String>,
    /// Malformed, out-of-range and conflicting inputs: exit 2, with this
    /// text on stderr.
    bad: Vec<(Vec<String>, &'static str)>,
    /// Exit code on an unknown queue, and text on stdout or stderr.
    unknown_queue: (i32, &'static str),
    /// The exit code when the server does not answer.
    unreachable: i32,
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// `prefix` followed by each extra set of flags, with the text expected.
fn cases(prefix: &[&str], extra: &[(&[&str], &'static str)]) -> Vec<(Vec<String>, &'static str)> {
    extra
        .iter()
        .map(|(args, want)| {
            let mut v = strings(prefix);
            v.extend(strings(args));
            (v, *want)
        })
        .collect()
}

/// Bad filter and batch flags, shared by every bulk command.
const BULK_BAD: &[(&[&str], &str)] = &[
    (&["--limit", "0"], "--limit"),
    (&["--limit", "ten"], "--limit"),
    (&["--batch-size", "0"], "--batch-size"),
    (&["--batch-size", "100001"], "--batch-size"),
    (&["--sample", "-1"], "--sample"),
    (&["--older-than", "101y"], "century"),
    (&["--older-than", "yesterday"], "--older-than"),
    (
        &["--newer-than", "1h", "--older-than", "2h"],
        "select nothing",
    ),
    (&["--id", "not-a-uuid"], "--id"),
    (&["--ids-from", "/no/such/file"], "--ids-from"),
    (&["--ids-from", "/dev/zero"], "the most --ids-from reads"),
    (&["--attempts-at-least", "-1"], "--attempts-at-least"),
    (&["--attempts-below", "0"], "--attempts-below"),
    (&["--error-like", ""], "must not be empty"),
    (&["--task-name", " "], "must not be empty"),
    (&["--status", "finished"], "--status"),
    (&["--dry-run", "--output", "prometheus"], "prometheus"),
    (&["--output", "yaml"], "--output"),
    (&["--lock-timeout", "25d"], "PostgreSQL allows"),
];

fn matrix(pending_id: &str) -> Vec<Entry> {
    let handler = "/bin/true";
    vec![
        Entry {
            path: "migrate",
            kind: Kind::Write,
            queue: None,
            base: strings(&["migrate"]),
            bad: cases(
                &["migrate"],
                &[
                    (&["--check", "--dry-run"], "cannot be used with"),
                    (&["--force"], "--force"),
                ],
            ),
            unknown_queue: (0, "schema is current"),
            unreachable: 3,
        },
        Entry {
            path: "spawn",
            kind: Kind::Write,
            queue: None,
            base: strings(&["spawn", "--task-name", "imaging"]),
            bad: cases(
                &["spawn"],
                &[
                    (&[], "--task-name"),
                    (&["--task-name", ""], "must not be empty"),
                    (&["--task-name", "x", "--params", "{bad"], "not valid JSON"),
                    (&["--task-name", "x", "--params", "[1, 2]"], "JSON object"),
                    (
                        &["--task-name", "x", "--params", r#"{"a": "\u0000"}"#],
                        "cannot store",
                    ),
                    (
                        &["--task-name", "x", "--params", r#"{"a": [{"\u0000": 1}]}"#],
                        "cannot store",
                    ),
                    (&["--task-name", "x", "--priority", "high"], "--priority"),
                    (
                        &["--task-name", "x", "--priority", "99999999999"],
                        "--priority",
                    ),
                    (
                        &["--task-name", "x", "--max-retries", "-1"],
                        "--max-retries",
                    ),
                    (&["--task-name", "x", "--timeout", "soon"], "--timeout"),
                    (&["--task-name", "x", "--timeout", "200y"], "century"),
                    (&["--task-name", "x", "--timeout", "90y"], "too long"),
                    (&["--task-name", "x", "--delay", "101y"], "century"),
                    (
                        &["--task-name", "x", "--depends-on", "not-a-uuid"],
                        "--depends-on",
                    ),
                    (
                        &[
                            "--task-name",
                            "x",
                            "--depends-on",
                            "0b6e6f3c-8a1e-4f4e-9a55-0d2d8c1f2a10",
                        ],
                        "no such task",
                    ),
                ],
            ),
            // An unknown queue is a new queue: the task goes there.
            unknown_queue: (0, ""),
            unreachable: 3,
        },
        Entry {
            path: "tasks list",
            kind: Kind::Read,
            queue: None,
            base: strings(&["tasks", "list"]),
            bad: cases(
                &["tasks", "list"],
                &[
                    (&["--limit", "-3"], "--limit"),
                    (&["--limit", "99999999999999999999"], "--limit"),
                    (&["--status", "done"], "--status"),
                    (&["--task-name", ""], "must not be empty"),
                    (&["--output", "prometheus"], "prometheus"),
                    (&["--sort", "oldest"], "--sort"),
                    (&["--since", "soon"], "--since"),
                    (&["--error-contains", ""], "must not be empty"),
                    (
                        &["--sort", "failed_at", "--status", "pending"],
                        "--sort failed_at",
                    ),
                ],
            ),
            unknown_queue: (0, "no tasks match"),
            unreachable: 3,
        },
        Entry {
            path: "tasks show",
            kind: Kind::Read,
            queue: None,
            base: strings(&["tasks", "show", pending_id]),
            bad: cases(
                &["tasks", "show"],
                &[
                    (&[], "<ID>"),
                    (&["123"], "invalid"),
                    (&[pending_id, "extra"], "extra"),
                ],
            ),
            // An id names one task, whatever the queue: it is shown, in
            // its own queue.
            unknown_queue: (0, "dsa110-pipeline"),
            unreachable: 3,
        },
        Entry {
            path: "tasks logs",
            kind: Kind::Read,
            queue: None,
            // A pending task has no attempt, so no output: said, exit 1.
            base: strings(&["tasks", "logs", pending_id]),
            bad: cases(
                &["tasks", "logs"],
                &[
                    (&[], "<ID>"),
                    (&["123"], "invalid"),
                    (&[pending_id, "--attempt", "0"], "--attempt"),
                    (&[pending_id, "--stream", "both2"], "--stream"),
                    (&[pending_id, "--interval", "soon"], "--interval"),
                ],
            ),
            unknown_queue: (1, "has not been claimed yet"),
            unreachable: 3,
        },
        Entry {
            path: "worker run",
            kind: Kind::Write,
            queue: None,
            base: strings(&["worker", "run", "--exit-when-empty", "--", handler]),
            bad: cases(
                &["worker", "run"],
                &[
                    (&[], "COMMAND"),
                    (&["--concurrency", "0", "--", handler], "--concurrency"),
                    (&["--concurrency", "2000", "--", handler], "--concurrency"),
                    (
                        &["--heartbeat-interval", "0s", "--", handler],
                        "longer than zero",
                    ),
                    (&["--poll-interval=-1s", "--", handler], "--poll-interval"),
                    (&["--grace", "101y", "--", handler], "century"),
                    (&["--max-output", "10", "--", handler], "--max-output"),
                    (&["--max-tasks", "0", "--", handler], "--max-tasks"),
                    (&["--worker-id", "", "--", handler], "must not be empty"),
                    (&["--task-name", "", "--", handler], "must not be empty"),
                    (&["--log-format", "xml", "--", handler], "--log-format"),
                    (&["--output", "prometheus", "--", handler], "prometheus"),
                    (&["--", "/no/such/handler"], "no such executable"),
                ],
            ),
            unknown_queue: (0, "exit-when-empty"),
            unreachable: 3,
        },
        Entry {
            path: "workers list",
            kind: Kind::Read,
            queue: None,
            base: strings(&["workers", "list"]),
            bad: cases(
                &["workers"],
                &[
                    (&["list", "--all", "yes"], "unexpected argument"),
                    (&["--all", "prune"], "cannot be used with"),
                    (&["list", "--output", "prometheus"], "prometheus"),
                ],
            ),
            unknown_queue: (0, "no worker of queue"),
            unreachable: 3,
        },
        Entry {
            path: "workers prune",
            kind: Kind::Write,
            queue: None,
            base: strings(&["workers", "prune", "--yes"]),
            bad: cases(
                &["workers", "prune", "--yes"],
                &[
                    (&["--older-than", "0s"], "longer than zero"),
                    (&["--older-than", "soon"], "--older-than"),
                    (&["--older-than", "101y"], "century"),
                    (&["--output", "prometheus"], "prometheus"),
                ],
            ),
            unknown_queue: (0, "deleted 0 registration"),
            unreachable: 3,
        },
        Entry {
            path: "workers stop",
            kind: Kind::Write,
            queue: None,
            // The seeded claims' worker is a legacy one: no registration.
            base: strings(&["workers", "stop", "w-dead", "--yes"]),
            bad: cases(
                &["workers", "stop"],
                &[
                    (&[], "<ID>"),
                    (&["", "--yes"], "must not be empty"),
                    (&["w-dead", "--yes"], "no registered worker"),
                    (&["w-dead", "--now=x"], "--now"),
                    (&["w-dead", "--output", "prometheus"], "prometheus"),
                ],
            ),
            unknown_queue: (2, "no registered worker"),
            unreachable: 3,
        },
        Entry {
            path: "retry-failed",
            kind: Kind::Write,
            queue: None,
            base: strings(&["retry-failed", "--yes", "--all"]),
            bad: [
                cases(&["retry-failed", "--yes", "--all"], BULK_BAD),
                cases(
                    &["retry-failed", "--yes", "--all"],
                    &[(&["--status", "pending"], "--status pending")],
                ),
            ]
            .concat(),
            unknown_queue: (0, "no tasks match"),
            unreachable: 3,
        },
        Entry {
            path: "cancel",
            kind: Kind::Write,
            queue: None,
            base: strings(&["cancel", "--yes", "--all"]),
            bad: [
                cases(&["cancel", "--yes", "--all"], BULK_BAD),
                cases(
                    &["cancel", "--yes", "--all"],
                    &[(&["--status", "completed"], "--status completed")],
                ),
            ]
            .concat(),
            unknown_queue: (0, "no tasks match"),
            unreachable: 3,
        },
        Entry {
            path: "fail",
            kind: Kind::Write,
            queue: None,
            base: strings(&["fail", "--reason", "hung", "--yes", "--all"]),
            bad: [
                cases(&["fail", "--reason", "hung", "--yes", "--all"], BULK_BAD),
                cases(
                    &["fail", "--yes", "--all"],
                    &[(&[], "--reason"), (&["--reason", ""], "must not be empty")],
                ),
                cases(
                    &["fail", "--reason", "hung", "--yes", "--all"],
                    &[(&["--status", "failed"], "--status failed")],
                ),
            ]
            .concat(),
            unknown_queue: (0, "no tasks match"),
            unreachable: 3,
        },
        Entry {
            path: "prioritize",
            kind: Kind::Write,
            queue: None,
            base: strings(&["prioritize", "--priority", "7", "--yes", "--all"]),
            bad: [
                cases(
                    &["prioritize", "--priority", "7", "--yes", "--all"],
                    BULK_BAD,
                ),
                cases(
                    &["prioritize", "--yes", "--all"],
                    &[
                        (&[], "--priority"),
                        (&["--priority", "urgent"], "--priority"),
                        (&["--priority", "3000000000"], "--priority"),
                    ],
                ),
            ]
            .concat(),
            unknown_queue: (0, "no tasks match"),
            unreachable: 3,
        },
        Entry {
            path: "audit",
            kind: Kind::Read,
            queue: None,
            base: strings(&["audit"]),
            bad: cases(
                &["audit"],
                &[
                    (&["--limit", "0"], "--limit"),
                    (&["--limit", "x"], "--limit"),
                ],
            ),
            unknown_queue: (0, "no recorded actions"),
            unreachable: 3,
        },
        Entry {
            path: "completions",
            kind: Kind::NoDb,
            queue: None,
            base: strings(&["completions", "bash"]),
            bad: cases(&["completions"], &[(&[], "<SHELL>"), (&["tcsh"], "tcsh")]),
            unknown_queue: (0, ""),
            unreachable: 0,
        },
        Entry {
            path: "reap-stuck",
            kind: Kind::Write,
            queue: None,
            base: strings(&["reap-stuck"]),
            bad: cases(
                &["reap-stuck"],
                &[
                    (&["--heartbeat-timeout", "500ms"], "at least 1s"),
                    (&["--heartbeat-timeout", "soon"], "--heartbeat-timeout"),
                    (&["--heartbeat-timeout", "101y"], "century"),
                    (&["--older-than", "0s"], "at least 1s"),
                    (&["--timeout-grace", "x"], "--timeout-grace"),
                    (&["--statement-timeout", "30d"], "PostgreSQL allows"),
                ],
            ),
            unknown_queue: (0, "nothing to reap"),
            unreachable: 3,
        },
        Entry {
            path: "drain",
            kind: Kind::Write,
            queue: None,
            base: strings(&["drain", "--yes", "--no-wait"]),
            bad: cases(
                &["drain", "--yes"],
                &[
                    (&["--no-wait", "--timeout", "1m"], "cannot be used with"),
                    (&["--timeout", "never"], "--timeout"),
                    (&["--timeout", "101y"], "century"),
                    (&["--reason", ""], "must not be empty"),
                ],
            ),
            // Pausing a queue before it has tasks is allowed: tasks are untouched.
            unknown_queue: (0, "paused claims on"),
            unreachable: 3,
        },
        Entry {
            path: "wait",
            kind: Kind::Read,
            queue: None,
            base: strings(&["wait", "--no-claimed", "--timeout", "5s"]),
            bad: cases(
                &["wait"],
                &[
                    (&[], "--backlog-below"),
                    (&["--backlog-below", "0"], "--backlog-below"),
                    (&["--backlog-below", "many"], "--backlog-below"),
                    (&["--idle", "--timeout", "0s"], "longer than zero"),
                    (&["--idle", "--interval", "never"], "--interval"),
                    (&["--idle", "--output", "prometheus"], "prometheus"),
                ],
            ),
            // An unknown queue has nothing claimed.
            unknown_queue: (0, "no claimed task"),
            unreachable: 3,
        },
        Entry {
            path: "resume",
            kind: Kind::Write,
            queue: Some("paused-q"),
            base: strings(&["resume", "--yes"]),
            bad: cases(
                &["resume", "--yes"],
                &[
                    (&["--all"], "--all"),
                    (&["--output", "prometheus"], "prometheus"),
                ],
            ),
            unknown_queue: (0, "not paused"),
            unreachable: 3,
        },
        Entry {
            path: "vacuum",
            kind: Kind::Write,
            queue: None,
            base: strings(&["vacuum", "--yes"]),
            bad: cases(
                &["vacuum", "--yes"],
                &[
                    (&["--batch-size", "0"], "--batch-size"),
                    (&["--batch-size", "-1"], "--batch-size"),
                    (&["--duty-cycle", "0"], "--duty-cycle"),
                    (&["--duty-cycle", "101"], "--duty-cycle"),
                    (&["--reindex-threshold", "101"], "--reindex-threshold"),
                    (&["--completed-older-than", "101y"], "century"),
                    (&["--failed-older-than", "ages"], "--failed-older-than"),
                    (&["--max-duration", "soon"], "--max-duration"),
                    (&["--append"], "--archive"),
                    (&["--full", "--no-vacuum"], "cannot be used with"),
                    (&["--reindex", "--full"], "cannot be used with"),
                    (&["--attempts-at-least", "0"], "--attempts-at-least"),
                    (&["--analyze-only", "--full"], "cannot be used with"),
                    (&["--analyze-only", "--dry-run"], "cannot be used with"),
                    (&["--archive", "/"], "exists"),
                    (&["--archive", "/no/such/dir/tasks.jsonl"], "no directory"),
                    (&["--output", "prometheus"], "prometheus"),
                ],
            ),
            unknown_queue: (0, "deleted 0 finished tasks"),
            unreachable: 3,
        },
        Entry {
            path: "bench",
            kind: Kind::Write,
            queue: None,
            base: strings(&[
                "--yes",
                "bench",
                "--tasks",
                "20",
                "--samples",
                "5",
                "--workers",
                "1",
                "--batch",
                "5",
            ]),
            bad: cases(
                &["bench"],
                &[
                    (&["--tasks", "0"], "--tasks"),
                    (&["--tasks", "-1"], "--tasks"),
                    (&["--samples", "0"], "--samples"),
                    (&["--workers", "65"], "--workers"),
                    (&["--batch", "0"], "--batch"),
                    (&["--history", "-1"], "--history"),
                    (&["--output", "prometheus"], "prometheus"),
                ],
            ),
            // It works in a queue of its own whatever --queue says, and
            // removes it at the end.
            unknown_queue: (0, "removed"),
            unreachable: 3,
        },
        Entry {
            path: "status",
            kind: Kind::Read,
            queue: None,
            base: strings(&["status"]),
            bad: cases(
                &["status"],
                &[
                    (&["--watch", "0"], "--watch"),
                    (&["--check", "--watch", "5"], "cannot be used with"),
                    (&["--backlog-warn", "-1"], "--backlog-warn"),
                    (&["--success-warn", "120"], "--success-warn"),
                    (
                        &["--oldest-warn", "1h", "--oldest-crit", "10m"],
                        "must not be above",
                    ),
                    (&["--heartbeat-timeout", "101y"], "century"),
                    (&["--output", "csv"], "--output"),
                ],
            ),
            // A misspelled --queue must not look healthy: UNKNOWN, naming
            // the known queues (--allow-empty for a new one).
            unknown_queue: (0, "is the name right? (known queues: dsa110-pipeline"),
            unreachable: 3,
        },
        Entry {
            path: "exporter",
            kind: Kind::Read,
            queue: None,
            base: strings(&["exporter", "--once"]),
            bad: cases(
                &["exporter", "--once"],
                &[
                    (&["--listen", "localhost"], "--listen"),
                    (&["--listen", "127.0.0.1:70000"], "--listen"),
                    (&["--min-interval", "0s"], "--min-interval"),
                    (&["--min-interval", "often"], "--min-interval"),
                    (&["--read-timeout", "0s"], "--read-timeout"),
                    (&["--output", "json"], "--output"),
                    (&["--backlog-warn", "-1"], "--backlog-warn"),
                    (
                        &["--oldest-warn", "1h", "--oldest-crit", "10m"],
                        "must not be above",
                    ),
                ],
            ),
            // Served as status judges it: UNKNOWN (3) in absurd_health.
            unknown_queue: (0, "absurd_health{queue=\"no-such-queue-"),
            unreachable: 3,
        },
        Entry {
            path: "top",
            kind: Kind::Read,
            queue: None,
            base: strings(&["top"]),
            bad: cases(
                &["top"],
                &[
                    (&["--interval", "0"], "--interval"),
                    (&["--interval", "soon"], "--interval"),
                    (&["--backlog-warn", "-1"], "--backlog-warn"),
                    (&["--output", "json"], "status --watch --output json"),
                ],
            ),
            // No terminal in these runs: refused, pointing to `status --watch`.
            unknown_queue: (2, "status --watch"),
            unreachable: 3,
        },
        Entry {
            path: "errors",
            kind: Kind::Read,
            queue: None,
            base: strings(&["errors"]),
            bad: cases(
                &["errors"],
                &[
                    (&["--since", "101y"], "century"),
                    (&["--since", "recently"], "--since"),
                    (&["--limit", "0"], "--limit"),
                    (&["--task-name", ""], "must not be empty"),
                ],
            ),
            unknown_queue: (0, "no failed or retrying tasks"),
            unreachable: 3,
        },
        Entry {
            path: "trends",
            kind: Kind::Read,
            queue: None,
            base: strings(&["trends"]),
            bad: cases(
                &["trends"],
                &[
                    (&["--by", "week"], "--by"),
                    (&["--since", "101y"], "century"),
                    (&["--since", "recently"], "--since"),
                    (&["--by", "minute", "--since", "30d"], "buckets"),
                    (&["--task-name", ""], "must not be empty"),
                    (&["--output", "prometheus"], "prometheus"),
                ],
            ),
            unknown_queue: (0, "no task of queue"),
            unreachable: 3,
        },
        Entry {
            path: "preflight",
            kind: Kind::Read,
            queue: None,
            base: strings(&["preflight", "--min-workers", "0"]),
            bad: cases(
                &["preflight"],
                &[
                    (&["--min-workers", "-1"], "--min-workers"),
                    (&["--disk", "/tmp:150"], "--disk"),
                    (&["--connections-warn", "101"], "--connections-warn"),
                    (
                        &[
                            "--long-transaction-warn",
                            "1h",
                            "--long-transaction-crit",
                            "5m",
                        ],
                        "must not be above",
                    ),
                    (&["--output", "prometheus"], "prometheus"),
                ],
            ),
            // Nagios WARNING: the queue has no tasks and no workers.
            unknown_queue: (1, "WARN"),
            unreachable: 2,
        },
    ]
}

/// Every leaf subcommand, as "tasks list", "worker run", ...
fn leaf_commands() -> BTreeSet<String> {
    fn walk(cmd: &clap::Command, prefix: &str, out: &mut BTreeSet<String>) {
        let subs: Vec<&clap::Command> = cmd
            .get_subcommands()
            .filter(|s| s.get_name() != "help")
            .collect();
        if subs.is_empty() {
            out.insert(prefix.trim().to_string());
        }
        for s in subs {
            walk(s, &format!("{prefix} {}", s.get_name()), out);
        }
    }
    let mut out = BTreeSet::new();
    walk(&absurdctl::docs::command(), "", &mut out);
    out
}

/// A migrated database with two roles of its own, both with a planted
/// password: a writer (superuser) and a reader that may only SELECT.
/// Declared first, the database is dropped before the roles.
struct Fixture {
    db: TestDb,
    roles: Roles,
    /// host:port of the server.
    authority: String,
}

struct Roles {
    server: String,
    writer: String,
    reader: String,
}

impl Drop for Roles {
    fn drop(&mut self) {
        let out = std::process::Command::new("psql")
            .args([
                self.server.as_str(),
                "-X",
                "-q",
                "-c",
                &format!(
                    "DROP ROLE IF EXISTS {}; DROP ROLE IF EXISTS {}",
                    self.writer, self.reader
                ),
            ])
            .output();
        if let Ok(out) = out {
            if !out.status.success() {
                eprintln!(
                    "dropping test roles: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
    }
}

impl Fixture {
    async fn new() -> Fixture {
        let suffix = &Uuid::new_v4().simple().to_string()[..10];
        let roles = Roles {
            server: server_url(),
            writer: format!("rel_w_{suffix}"),
            reader: format!("rel_r_{suffix}"),
        };
        let db = TestDb::migrated().await;
        db.psql(&format!(
            "CREATE ROLE {w} LOGIN SUPERUSER PASSWORD '{PASSWORD}';
             CREATE ROLE {r} LOGIN PASSWORD '{PASSWORD}';
             REVOKE INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA absurd FROM PUBLIC;
             GRANT SELECT ON ALL TABLES IN SCHEMA absurd TO {r};",
            w = roles.writer,
            r = roles.reader
        ));
        let authority = db
            .url
            .split_once("://")
            .and_then(|(_, rest)| rest.split('/').next())
            .and_then(|a| a.rsplit_once('@').map(|(_, hp)| hp.to_string()))
            .expect("host:port in the test URL");
        Fixture {
            db,
            roles,
            authority,
        }
    }

    fn url_as(&self, role: &str) -> String {
        format!(
            "postgres://{role}:{PASSWORD}@{}/{}",
            self.authority, self.db.name
        )
    }

    fn writer(&self) -> String {
        self.url_as(&self.roles.writer)
    }

    fn reader(&self) -> String {
        self.url_as(&self.roles.reader)
    }

    /// Tasks to act on in the default queue (one of each kind a command
    /// changes: pending, failed, stuck claimed, completed) and a paused
    /// queue with a task. Returns the pending task's id.
    fn seed(&self) -> String {
        self.db.seed([
            task()
                .name("calibration-solve")
                .status("failed")
                .attempt(3)
                .error("boom: solver diverged")
                .claimed(ago(hours(3)))
                .completed(ago(hours(2))),
            task()
                .status("claimed")
                .attempt(1)
                .worker("w-dead")
                .claimed(ago(hours(3)))
                .heartbeat(ago(hours(2))),
            task()
                .status("completed")
                .attempt(1)
                .worker("w-old")
                .claimed(ago(hours(3)))
                .heartbeat(ago(hours(3)))
                .completed(ago(hours(2))),
            task().queue("paused-q"),
        ]);
        self.db.psql(
            "INSERT INTO absurd.queue_controls (queue_name, paused, paused_at, paused_by, pause_reason)
             VALUES ('paused-q', true, now(), 'test', 'matrix')",
        );
        self.db.seed_one(task()).to_string()
    }

    /// Everything a command could change: tasks, pauses, workers, audit.
    fn state(&self) -> String {
        self.db.psql(
            "SELECT md5(concat_ws('#',
               (SELECT string_agg(t::text, '|' ORDER BY task_id) FROM absurd.tasks t),
               (SELECT string_agg(c::text, '|' ORDER BY queue_name) FROM absurd.queue_controls c),
               (SELECT string_agg(w::text, '|' ORDER BY worker_id) FROM absurd.worker_registry w),
               (SELECT count(*) FROM absurd.audit_log)))",
        )
    }
}

/// Runs absurdctl with `url` (and `--queue queue` when given), and checks
/// that nothing it printed holds a planted password.
fn run(url: &str, queue: Option<&str>, args: &[String]) -> CliOutput {
    let mut full = vec!["--database-url", url];
    if let Some(q) = queue {
        full.extend(["--queue", q]);
    }
    full.extend(args.iter().map(String::as_str));
    let out = absurdctl(&full);
    assert_no_password(&out, &full.join(" "));
    out
}

fn assert_no_password(out: &CliOutput, what: &str) {
    assert!(
        !out.stdout.contains(PLANTED) && !out.stderr.contains(PLANTED),
        "a password was printed by `{what}`:\n{out}"
    );
}

#[test]
fn every_subcommand_has_a_row_in_the_matrix() {
    let listed: BTreeSet<String> = matrix("x").iter().map(|e| e.path.to_string()).collect();
    let commands = leaf_commands();
    assert_eq!(
        listed, commands,
        "the bad-input matrix must have exactly one row per subcommand"
    );
    for e in matrix("x") {
        assert!(e.bad.len() >= 2, "{}: at least two bad inputs", e.path);
    }
}

#[tokio::test]
async fn malformed_out_of_range_and_conflicting_input_exits_2_and_changes_nothing() {
    let f = Fixture::new().await;
    let pending = f.seed();
    let url = f.writer();
    // Unchanged by each case: the state after one is the state before the next.
    let mut before = f.state();
    for e in matrix(&pending) {
        for (args, want) in &e.bad {
            let out = run(&url, e.queue, args);
            let what = format!("{}: {args:?}", e.path);
            assert_eq!(out.code, Some(2), "{what}\n{out}");
            assert!(
                out.stderr.contains(want),
                "{what}: stderr lacks {want:?}\n{out}"
            );
            assert!(out.stdout.is_empty(), "{what}: nothing on stdout\n{out}");
            let after = f.state();
            assert_eq!(before, after, "{what} changed the database");
            before = after;
        }
    }
    // A database URL that does not parse, from the flag or the environment.
    let bad_url = format!("postgres://someone:{PASSWORD}@127.0.0.1:notaport/x");
    let out = run(&bad_url, None, &strings(&["tasks", "list"]));
    out.assert_code(2);
    assert!(out.stderr.contains("not valid"), "{out}");
    let out = absurdctl_command(&["cancel", "--yes", "--all"])
        .env("ABSURD_DATABASE_URL", &bad_url)
        .output()
        .unwrap();
    let out = CliOutput {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_no_password(&out, "ABSURD_DATABASE_URL=<bad> cancel");
    out.assert_code(2);
    assert!(out.stderr.contains("ABSURD_DATABASE_URL"), "{out}");
    assert_eq!(before, f.state());
}

#[tokio::test]
async fn an_unreachable_database_exits_3_and_names_no_password() {
    let unreachable_url = format!("postgres://someone:{PASSWORD}@127.0.0.1:1/x");
    for e in matrix("0b6e6f3c-8a1e-4f4e-9a55-0d2d8c1f2a10") {
        let mut args = strings(&["--connect-timeout", "3s"]);
        args.extend(e.base.iter().cloned());
        let out = run(&unreachable_url, e.queue, &args);
        assert_eq!(out.code, Some(e.unreachable), "{}\n{out}", e.path);
        if e.kind != Kind::NoDb {
            assert!(
                out.stderr.contains("cannot connect") || out.stdout.contains("unreachable"),
                "{}: says the database is unreachable\n{out}",
                e.path
            );
        }
        // The same through the libpq variables and PGPASSWORD.
        let mut cmd = absurdctl_command(&["--connect-timeout", "3s"]);
        if let Some(q) = e.queue {
            cmd.args(["--queue", q]);
        }
        let out = cmd
            .args(&e.base)
            .envs([
                ("PGHOST", "127.0.0.1"),
                ("PGPORT", "1"),
                ("PGUSER", "someone"),
                ("PGDATABASE", "x"),
                ("PGPASSWORD", ENV_PASSWORD),
            ])
            .output()
            .unwrap();
        let out = CliOutput {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert_no_password(&out, &format!("PGPASSWORD=... {}", e.path));
        assert_eq!(out.code, Some(e.unreachable), "{} (PG*)\n{out}", e.path);
    }
}

#[tokio::test]
async fn a_role_that_may_only_read_reads_and_is_refused_writes_with_what_to_do() {
    let f = Fixture::new().await;
    let pending = f.seed();
    for e in matrix(&pending) {
        let before = f.state();
        let out = run(&f.reader(), e.queue, &e.base);
        match (e.kind, e.path) {
            // Nothing to migrate, so nothing to write.
            (_, "migrate") => {
                out.assert_success();
            }
            (Kind::Write, _) => {
                assert_eq!(out.code, Some(1), "{}\n{out}", e.path);
                assert!(
                    out.stderr.contains("permission denied")
                        && out.stderr.contains(&f.roles.reader)
                        && out.stderr.contains("GRANT"),
                    "{}: a clear permission message\n{out}",
                    e.path
                );
            }
            (Kind::Read | Kind::NoDb, _) => {
                // The same answer the writer gets.
                let writer = run(&f.writer(), e.queue, &e.base);
                assert_eq!(out.code, writer.code, "{}\n{out}\n{writer}", e.path);
            }
        }
        assert_eq!(before, f.state(), "{} changed the database", e.path);
    }
}

#[tokio::test]
async fn a_database_migrated_by_a_newer_absurdctl_is_never_written() {
    let f = Fixture::new().await;
    let pending = f.seed();
    let expected: Vec<(String, Option<i32>)> = matrix(&pending)
        .iter()
        .filter(|e| e.kind != Kind::Write)
        .map(|e| (e.path.to_string(), run(&f.writer(), e.queue, &e.base).code))
        .collect();
    f.db.psql(
        "INSERT INTO absurd._sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (99999, 'from a newer absurdctl', true, '\\x00', 0)",
    );
    for e in matrix(&pending) {
        let before = f.state();
        let out = run(&f.writer(), e.queue, &e.base);
        if e.kind == Kind::Write {
            out.assert_code(4);
            assert!(out.stderr.contains("newer absurdctl"), "{}\n{out}", e.path);
        } else {
            let want = expected.iter().find(|(p, _)| p == e.path).unwrap().1;
            assert_eq!(
                out.code, want,
                "{} reads a newer schema as before\n{out}",
                e.path
            );
        }
        assert_eq!(before, f.state(), "{} changed the database", e.path);
    }
}

#[tokio::test]
async fn an_unknown_queue_is_an_empty_queue() {
    let f = Fixture::new().await;
    let pending = f.seed();
    for (i, e) in matrix(&pending).into_iter().enumerate() {
        let before = f.db.tasks_checksum();
        let queue = format!("no-such-queue-{i}");
        let out = run(&f.writer(), Some(&queue), &e.base);
        let (code, want) = e.unknown_queue;
        assert_eq!(out.code, Some(code), "{}\n{out}", e.path);
        assert!(
            out.stdout.contains(want) || out.stderr.contains(want),
            "{}: says {want:?}\n{out}",
            e.path
        );
        if e.path == "spawn" {
            assert_eq!(
                f.db.psql(&format!(
                    "SELECT count(*) FROM absurd.tasks WHERE queue_name = '{queue}'"
                )),
                "1",
                "spawn creates the task in the new queue"
            );
        } else {
            assert_eq!(before, f.db.tasks_checksum(), "{} changed tasks", e.path);
        }
    }
}

/// Text that means something to SQL, LIKE or a shell.
const METACHARACTERS: &[&str] = &[
    "it's",
    "100%",
    "a_b",
    "x'; DELETE FROM absurd.tasks; --",
    "back\\slash",
    "\"quoted\"",
    "%",
    "_",
    "semi;colon",
    "dash--dash",
];

/// Names a wildcard or an unescaped quote would match by mistake.
const DECOYS: &[&str] = &[
    "its",
    "100",
    "aXb",
    "x",
    "backslash",
    "quoted",
    "ab",
    "semicolon",
];

#[tokio::test]
async fn sql_metacharacters_in_every_text_filter_are_literal_text() {
    let f = Fixture::new().await;
    let pool = f.db.pool().await;
    for name in METACHARACTERS.iter().chain(DECOYS) {
        f.db.seed([
            task()
                .queue("meta")
                .name(name)
                .status("failed")
                .attempt(3)
                .error(&format!("boom: {name}"))
                .completed(NOW),
            task()
                .queue("meta")
                .name(name)
                .status("retrying")
                .attempt(1)
                .error(&format!("retry: {name}")),
        ]);
    }
    let url = f.writer();
    let meta = Some("meta");
    let errors_matching = |prefix: &str, text: &str| {
        METACHARACTERS
            .iter()
            .chain(DECOYS)
            .filter(|n| {
                format!("{prefix}{n}")
                    .to_lowercase()
                    .contains(&text.to_lowercase())
            })
            .count() as i64
    };
    let selected = |out: &CliOutput| {
        out.assert_success();
        out.json()["selected"].as_i64().unwrap()
    };
    let before = f.db.tasks_checksum();
    for m in METACHARACTERS {
        let ctx = format!("text {m:?}");
        let list = run(
            &url,
            meta,
            &strings(&["tasks", "list", "--task-name", m, "--output", "json"]),
        );
        list.assert_success();
        let rows = list.json();
        let names: Vec<&str> = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["task_name"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec![*m, *m], "tasks list --task-name, {ctx}");

        let errors = run(
            &url,
            meta,
            &strings(&["errors", "--task-name", m, "--output", "json"]),
        );
        errors.assert_success();
        let report = errors.json();
        assert!(
            report["tasks"].as_i64().unwrap() >= 1,
            "errors, {ctx}: {report}"
        );
        for g in report["groups"].as_array().unwrap() {
            assert_eq!(
                g["task_names"],
                serde_json::json!([m]),
                "errors, {ctx}: {g}"
            );
        }

        for (command, extra) in [
            ("retry-failed", vec![]),
            ("cancel", vec![]),
            ("prioritize", vec!["--priority", "9"]),
        ] {
            let mut args = strings(&[command, "--dry-run", "--output", "json"]);
            args.extend(strings(&extra));
            let mut by_name = args.clone();
            by_name.extend(strings(&["--task-name", m]));
            assert_eq!(
                selected(&run(&url, meta, &by_name)),
                1,
                "{command} --task-name, {ctx}"
            );
            let mut by_error = args.clone();
            by_error.extend(strings(&["--error-like", m]));
            let prefix = if command == "retry-failed" {
                "boom: "
            } else {
                "retry: "
            };
            assert_eq!(
                selected(&run(&url, meta, &by_error)),
                errors_matching(prefix, m),
                "{command} --error-like, {ctx}"
            );
        }

        // The queue name is text too.
        for args in [
            strings(&["tasks", "list", "--output", "json"]),
            strings(&["status", "--output", "json"]),
            strings(&["errors", "--output", "json"]),
            strings(&["audit", "--output", "json"]),
            strings(&["reap-stuck", "--output", "json"]),
            strings(&["vacuum", "--dry-run", "--output", "json"]),
        ] {
            let out = run(&url, Some(m), &args);
            assert_eq!(out.code, Some(0), "--queue {m:?} {args:?}\n{out}");
        }
        assert_eq!(before, f.db.tasks_checksum(), "{ctx} changed tasks");
    }

    // A queue whose name is all metacharacters holds exactly its own task.
    let odd_queue = "q'; DROP TABLE absurd.tasks; --%_";
    let spawned = run(
        &url,
        Some(odd_queue),
        &strings(&["spawn", "--task-name", "x'; --"]),
    );
    spawned.assert_success();
    let id = spawned.stdout.trim().to_string();
    let list = run(
        &url,
        Some(odd_queue),
        &strings(&["tasks", "list", "--output", "json"]),
    );
    let rows = list.json();
    assert_eq!(rows.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(rows[0]["task_id"], id.as_str());
    assert_eq!(rows[0]["queue_name"], odd_queue);
    assert_eq!(rows[0]["task_name"], "x'; --");
    run(
        &url,
        Some(odd_queue),
        &strings(&["drain", "--yes", "--no-wait"]),
    )
    .assert_success();
    assert_eq!(
        f.db.psql("SELECT count(*) FROM absurd.queue_controls WHERE paused"),
        "1"
    );
    let paused: String =
        sqlx::query_scalar("SELECT queue_name FROM absurd.queue_controls WHERE paused")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(paused, odd_queue);
    run(&url, Some(odd_queue), &strings(&["resume", "--yes"])).assert_success();

    // A worker's --task-name claims exactly the tasks of that name.
    for m in ["x'; DELETE FROM absurd.tasks; --", "%", "_"] {
        let before: i64 = sqlx::query_scalar("SELECT count(*) FROM absurd.tasks")
            .fetch_one(&pool)
            .await
            .unwrap();
        for name in [m, "x", "decoy"] {
            f.db.seed_one(task().queue("meta-run").name(name));
        }
        for format in ["human", "json"] {
            let out = run(
                &url,
                Some("meta-run"),
                &strings(&[
                    "-v",
                    "worker",
                    "run",
                    "--exit-when-empty",
                    "--log-format",
                    format,
                    "--task-name",
                    m,
                    "--",
                    "/bin/true",
                ]),
            );
            out.assert_success();
        }
        let done: Vec<String> = sqlx::query_scalar(
            "SELECT task_name FROM absurd.tasks WHERE queue_name = 'meta-run' AND status = 'completed'",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(done, vec![m.to_string()], "worker --task-name {m:?}");
        let after: i64 = sqlx::query_scalar("SELECT count(*) FROM absurd.tasks")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(after, before + 3, "nothing deleted");
        sqlx::query("DELETE FROM absurd.tasks WHERE queue_name = 'meta-run'")
            .execute(&pool)
            .await
            .unwrap();
    }

    // What absurdctl recorded about these runs holds no password either.
    let leaked: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM absurd.audit_log
                  WHERE (details::text || filter::text || coalesce(os_user, '')) LIKE '%PLANTED%')
              + (SELECT count(*) FROM absurd.worker_registry w WHERE w::text LIKE '%PLANTED%')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(leaked, 0, "a password was stored in the audit or registry");
    let audited: i64 = sqlx::query_scalar("SELECT count(*) FROM absurd.audit_log")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(audited > 0, "dry runs were audited (with their argv)");
}

#[tokio::test]
async fn a_handler_that_prints_the_database_url_leaks_no_password() {
    let f = Fixture::new().await;
    let dir = Scratch::new("absurdctl-leak");
    // A traceback that shows the connection string it was given.
    let handler = dir.script(
        "h.sh",
        "echo \"psycopg.OperationalError: could not connect to $ABSURD_DATABASE_URL\" >&2\nexit 1",
    );
    let url = f.writer();
    run(
        &url,
        None,
        &strings(&["spawn", "--task-name", "imaging", "--max-retries", "2"]),
    )
    .assert_success();
    for format in ["json", "human"] {
        let out = absurdctl_command(&[
            "worker",
            "run",
            "--max-tasks",
            "1",
            "--log-format",
            format,
            "--",
            &handler,
        ])
        .env("ABSURD_DATABASE_URL", &url)
        .output()
        .unwrap();
        let out = CliOutput {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert_no_password(&out, &format!("worker run --log-format {format}"));
        out.assert_success();
        assert!(out.stderr.contains("could not connect to"), "{out}");
        f.db.psql("UPDATE absurd.tasks SET available_at = now()");
    }
    let error = f.db.psql("SELECT error FROM absurd.tasks");
    assert!(error.contains("could not connect to"), "{error}");
    assert!(
        !error.contains(PLANTED),
        "the stored error holds the password: {error}"
    );
    for args in [
        strings(&["errors"]),
        strings(&["tasks", "list"]),
        strings(&["errors", "--output", "json"]),
    ] {
        run(&url, None, &args).assert_success();
    }
}

/// Issue 16.12: an empty `--queue` was accepted and `--connect-timeout 0s`
/// said "cannot connect" (exit 3): both are usage errors for every command.
#[tokio::test]
async fn an_empty_queue_and_a_zero_connect_timeout_are_usage_errors_everywhere() {
    let f = Fixture::new().await;
    let pending = f.seed();
    let url = f.writer();
    let before = f.state();
    for e in matrix(&pending)
        .into_iter()
        .filter(|e| e.kind != Kind::NoDb)
    {
        for (extra, want) in [
            (&["--queue", ""][..], "queue name cannot be empty"),
            (&["--queue", "a\nb"][..], "control characters"),
            (&["--connect-timeout", "0s"][..], "longer than zero"),
        ] {
            // Global options go first: after `worker run --` they are the handler's.
            let mut args = strings(extra);
            args.extend(e.base.clone());
            let out = run(&url, None, &args);
            let what = format!("{}: {args:?}", e.path);
            assert_eq!(out.code, Some(2), "{what}\n{out}");
            assert!(
                out.stderr.contains(want),
                "{what}: stderr lacks {want:?}\n{out}"
            );
        }
    }
    let out = absurdctl_command(&["--database-url", &url, "tasks", "list"])
        .env("ABSURD_QUEUE_NAME", " ")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "ABSURD_QUEUE_NAME=' '");
    assert_eq!(before, f.state());
}
