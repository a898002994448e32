//! `top` driven through a pseudo-terminal: tmux runs the real binary in a
//! pane of a given size, the test types keys and reads the pane back.
//! Each test has a tmux server of its own (its socket), killed at the end.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::*;

/// A tmux server of one test, with one pane running `absurdctl top`; the
/// pane prints `top exited CODE` when absurdctl ends.
struct Pane {
    socket: String,
    /// The socket's file, removed with the server.
    socket_path: String,
}

impl Pane {
    fn start(url: &str, size: (u16, u16), args: &[&str]) -> Pane {
        let socket = format!("absurdctl-top-{}", uuid::Uuid::new_v4().simple());
        let mut line = format!(
            "'{}' --database-url '{url}' --connect-timeout 2s --statement-timeout 5s",
            env!("CARGO_BIN_EXE_absurdctl")
        );
        for a in args {
            line.push_str(&format!(" '{a}'"));
        }
        // The pane stays after absurdctl, so that the shell's screen (the
        // marker) can be read back.
        line.push_str("; echo \"top exited $?\"; sleep 600");
        let out = Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-x", &size.0.to_string(), "-y", &size.1.to_string()])
            .args(["-e", "NO_COLOR=1", "sh", "-c", &line])
            .output()
            .expect("run tmux (apt-get install -y tmux)");
        assert!(
            out.status.success(),
            "tmux new-session: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut pane = Pane {
            socket,
            socket_path: String::new(),
        };
        pane.socket_path = pane
            .tmux(&["display-message", "-p", "#{socket_path}"])
            .trim()
            .to_string();
        pane
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// What the pane shows now.
    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p"])
    }

    /// Waits until the pane shows every one of `want`: the screen then.
    fn wait_for(&self, want: &[&str]) -> String {
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            if want.iter().all(|w| screen.contains(w)) {
                return screen;
            }
            assert!(
                Instant::now() < until,
                "the pane never showed {want:?}; it shows:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn keys(&self, keys: &str) {
        self.tmux(&["send-keys", "-l", keys]);
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
        if !self.socket_path.is_empty() {
            let _ = std::fs::remove_file(&self.socket_path);
        }
    }
}

/// A queue of known rows: 25 waiting (WARNING: backlog over 20), 30
/// completed in the last hour, 4 failed for one cause, and one task
/// running on a worker that heartbeats.
fn seed(db: &TestDb) {
    db.seed_series(
        30,
        &task()
            .status("completed")
            .created(ago(mins(40)))
            .claimed(ago(mins(39)))
            .completed(ago(mins(30)))
            .wait_time_sec(60.0)
            .execution_time_sec(20.0),
    );
    db.seed((1..=4).map(|i| {
        task()
            .name("calibration-solve")
            .status("failed")
            .attempt(3)
            .max_retries(3)
            .error(&format!("file /data/cal/{i}.ms not found"))
            .created(ago(mins(20)))
            .claimed(ago(mins(19)))
            .completed(ago(mins(10 + i)))
    }));
    db.seed((0..25).map(|_| task().created(ago(mins(3)))));
    let running = db.seed_one(
        task()
            .name("mosaic-build")
            .status("claimed")
            .worker("node7-1a2b3c4d")
            .created(ago(mins(5)))
            .claimed(ago(mins(4)))
            .heartbeat(NOW),
    );
    // Its attempt, with the progress its handler reported.
    db.psql(&format!(
        "INSERT INTO absurd.task_attempts (task_id, attempt, queue_name, task_name, worker_id,
                                           claimed_at, progress, progress_message, progress_at)
         SELECT task_id, attempt, queue_name, task_name, worker_id, claimed_at, 0.4,
                'field 3 of 8', now()
           FROM absurd.tasks WHERE task_id = '{running}'"
    ));
}

fn shows_the_queue_then_quits_cleanly(size: (u16, u16)) -> String {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(TestDb::migrated());
    seed(&db);
    let pane = Pane::start(&db.url, size, &["top"]);
    let screen = pane.wait_for(&[
        "WARNING",
        "backlog 25 (> 20)",
        "ready 25",
        "completed 30 failed 4",
        "node7-1a2b3c4d",
        "└ mosaic-build",
        "40% ~",
        "field 3 of 8",
        "calibration-solve: file <path> not found",
    ]);
    for line in screen.lines() {
        assert!(
            line.chars().count() <= size.0 as usize,
            "wider than the pane: {line:?}"
        );
    }
    // The failure group's counts: 4 tasks, 4 failed, none retrying.
    assert!(
        screen
            .lines()
            .any(|l| l.split_whitespace().take(3).eq(["4", "4", "0"])),
        "the failure group's counts:\n{screen}"
    );
    pane.keys("q");
    let after = pane.wait_for(&["top exited 0"]);
    // The alternate screen is left: the shell's screen is back, with no
    // trace of the dashboard and the cursor shown again.
    assert!(!after.contains("Backlog"), "{after}");
    assert!(!after.contains("WARNING"), "{after}");
    screen
}

#[test]
fn at_80x24_it_shows_verdict_counts_workers_and_failures_and_q_restores_the_terminal() {
    let screen = shows_the_queue_then_quits_cleanly((80, 24));
    // At 80x24 the panes are stacked: one above the other.
    let backlog = screen
        .lines()
        .position(|l| l.contains(" Backlog "))
        .unwrap();
    let workers = screen
        .lines()
        .position(|l| l.contains(" Workers "))
        .unwrap();
    assert!(backlog < workers, "{screen}");
}

#[test]
fn at_160x45_it_shows_the_same_side_by_side_and_q_restores_the_terminal() {
    let screen = shows_the_queue_then_quits_cleanly((160, 45));
    // The larger terminal is used: backlog and workers share a line.
    assert!(
        screen
            .lines()
            .any(|l| l.contains(" Backlog ") && l.contains(" Workers ")),
        "{screen}"
    );
}

#[tokio::test]
async fn p_then_y_pauses_the_queue_with_an_audit_row_and_p_again_resumes_it() {
    let db = TestDb::migrated().await;
    seed(&db);
    let pane = Pane::start(&db.url, (100, 30), &["top"]);
    pane.wait_for(&["claims running (not paused)"]);

    // Anything but y changes nothing.
    pane.keys("p");
    pane.wait_for(&["Pause claims on dsa110-pipeline?"]);
    pane.keys("n");
    pane.wait_for(&["not confirmed; nothing was changed"]);
    assert_eq!(
        db.psql("SELECT count(*) FROM absurd.queue_controls WHERE paused"),
        "0"
    );

    pane.keys("p");
    pane.wait_for(&["Pause claims on dsa110-pipeline?"]);
    pane.keys("y");
    pane.wait_for(&[
        "paused claims on dsa110-pipeline",
        "dsa110-pipeline PAUSED by",
    ]);
    assert_eq!(
        db.psql("SELECT paused FROM absurd.queue_controls WHERE queue_name = 'dsa110-pipeline'"),
        "t"
    );
    assert_eq!(
        db.psql(
            "SELECT command || ' ' || (details->>'via') || ' ' || (details->>'running_at_pause') \
             FROM absurd.audit_log WHERE queue_name = 'dsa110-pipeline'"
        ),
        "drain top 1",
        "one audit row, as `drain --no-wait` writes, saying it came from top"
    );

    pane.keys("p");
    pane.wait_for(&["Resume claims on dsa110-pipeline?"]);
    pane.keys("y");
    pane.wait_for(&[
        "resumed claims on dsa110-pipeline",
        "claims running (not paused)",
    ]);
    assert_eq!(
        db.psql("SELECT paused FROM absurd.queue_controls WHERE queue_name = 'dsa110-pipeline'"),
        "f"
    );
    assert_eq!(
        db.psql("SELECT string_agg(command, ',' ORDER BY audit_id) FROM absurd.audit_log"),
        "drain,resume"
    );
    pane.keys("q");
    pane.wait_for(&["top exited 0"]);
}

/// Whether a `capture-pane -e` screen turns on the dim attribute (SGR 2).
fn dimmed(styled: &str) -> bool {
    styled.contains("\x1b[2m") || styled.contains(";2m")
}

#[tokio::test]
async fn a_stopped_database_shows_the_error_and_the_last_figures_and_top_keeps_trying() {
    let cluster = PgCluster::start();
    let db = TestDb::empty_on(&cluster.url).await;
    db.cli(&["migrate"]).assert_success();
    seed(&db);
    let pane = Pane::start(&db.url, (80, 24), &["top", "--interval", "1"]);
    pane.wait_for(&["backlog 25 (> 20)"]);
    let fresh = pane.tmux(&["capture-pane", "-p", "-e"]);
    assert!(!dimmed(&fresh), "dimmed while current:\n{fresh:?}");

    let down = std::thread::scope(|s| {
        let restart = s.spawn(|| cluster.restart_after(Duration::from_secs(6)));
        let down = pane.wait_for(&["database unreachable", "retrying every 1.0s"]);
        // The stale figures are dimmed (colour is off: NO_COLOR); tmux
        // writes an attribute where it starts, and it lasts until reset.
        let styled = pane.tmux(&["capture-pane", "-p", "-e"]);
        restart.join().unwrap();
        assert!(dimmed(&styled), "not dimmed:\n{styled:?}");
        down
    });
    // The last figures stay on screen, and top is still running.
    assert!(down.contains("backlog 25 (> 20)"), "{down}");
    assert!(down.contains("calibration-solve"), "{down}");
    assert!(!down.contains("top exited"), "{down}");

    // Once the server is back, the next refresh reads it again.
    let until = Instant::now() + Duration::from_secs(30);
    let back = loop {
        let screen = pane.screen();
        if !screen.contains("database unreachable") && screen.contains("backlog 25") {
            break screen;
        }
        assert!(Instant::now() < until, "never recovered:\n{screen}");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(!back.contains("top exited"), "{back}");
    pane.keys("q");
    pane.wait_for(&["top exited 0"]);
    drop(pane);
    drop(db);
}

#[tokio::test]
async fn r_then_y_retries_the_selected_failure_group_with_retry_faileds_audit() {
    let db = TestDb::migrated().await;
    seed(&db);
    // Another cause, older than the window: not part of the group.
    db.seed_one(
        task()
            .name("calibration-solve")
            .status("failed")
            .error("file /data/cal/old.ms not found")
            .created(ago(hours(3)))
            .completed(ago(hours(2))),
    );
    let pane = Pane::start(&db.url, (160, 45), &["top"]);
    pane.wait_for(&["calibration-solve: file <path> not found"]);
    pane.keys("r");
    pane.wait_for(&["Retry the 4 failed task(s) of calibration-solve in dsa110-pipeline"]);
    pane.keys("y");
    pane.wait_for(&["retried 4 tasks of 4 tasks (audit #"]);
    assert_eq!(
        db.psql(
            "SELECT string_agg(status, ',' ORDER BY status) FROM absurd.tasks \
             WHERE task_name = 'calibration-solve'"
        ),
        "failed,pending,pending,pending,pending"
    );
    assert_eq!(
        db.psql("SELECT command || ' ' || affected FROM absurd.audit_log"),
        "retry-failed 4"
    );
    pane.keys("q");
    pane.wait_for(&["top exited 0"]);
}

#[tokio::test]
async fn it_redraws_for_the_new_size_when_the_terminal_is_resized() {
    let db = TestDb::migrated().await;
    seed(&db);
    let pane = Pane::start(&db.url, (80, 24), &["top"]);
    pane.wait_for(&[" Backlog ", "calibration-solve"]);
    pane.tmux(&["resize-window", "-x", "160", "-y", "45"]);
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let screen = pane.screen();
        if screen
            .lines()
            .any(|l| l.contains(" Backlog ") && l.contains(" Workers "))
        {
            break;
        }
        assert!(
            Instant::now() < until,
            "not redrawn side by side:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    pane.keys("q");
    pane.wait_for(&["top exited 0"]);
}

#[tokio::test]
async fn a_role_that_may_only_read_watches_but_is_refused_a_pause_in_the_view() {
    let db = TestDb::migrated().await;
    seed(&db);
    let reader = TestRole::read_only(&db);
    let pane = Pane::start(&reader.url, (120, 30), &["top"]);
    pane.wait_for(&["backlog 25 (> 20)"]);
    pane.keys("p");
    pane.wait_for(&["Pause claims on dsa110-pipeline?"]);
    pane.keys("y");
    pane.wait_for(&["failed: permission denied"]);
    assert_eq!(db.psql("SELECT count(*) FROM absurd.queue_controls"), "0");
    assert_eq!(db.psql("SELECT count(*) FROM absurd.audit_log"), "0");
    // Still running, still reading.
    pane.wait_for(&["claims running (not paused)"]);
    pane.keys("q");
    pane.wait_for(&["top exited 0"]);
}
