//! What an operator sees at a real terminal of 80x24 and 160x45 (tmux):
//! the verdict and its reasons stay on screen, tables fit the width, and a
//! whole task id is on one line, ready to be copied.

mod common;
#[path = "common/tmux.rs"]
mod tmux;

use common::*;
use std::time::Duration;
use tmux::Tmux;

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 45)];

/// A queue of 30 task names with a backlog over the threshold (a WARNING
/// with its reason) and failures of one cause.
fn busy_queue(db: &TestDb) -> Vec<uuid::Uuid> {
    let mut rows = Vec::new();
    for i in 0..30 {
        rows.push(task().name(&format!("calibration-solve-{i:02}")));
    }
    for _ in 0..3 {
        rows.push(
            task()
                .name("imaging")
                .status("failed")
                .error("CASA tclean: no visibilities in MS")
                .created(ago(mins(30)))
                .completed(ago(mins(5))),
        );
    }
    db.seed(rows)
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_absurdctl")
}

fn lines(screen: &str) -> Vec<&str> {
    screen.lines().collect()
}

/// A whole UUID on one line of the screen.
fn whole_id_on_screen(screen: &str, id: &str) -> bool {
    screen.lines().any(|l| l.contains(id))
}

#[tokio::test]
async fn status_keeps_the_verdict_and_its_reasons_on_screen_and_fits_the_width() {
    let db = TestDb::migrated().await;
    busy_queue(&db);
    for (cols, rows) in SIZES {
        let screen = Tmux::run(
            cols,
            rows,
            &format!("{} status --backlog-warn 10", bin()),
            &[("ABSURD_DATABASE_URL", &db.url)],
        );
        let shown = lines(&screen);
        assert!(
            shown[0].starts_with("overall CRITICAL"),
            "{cols}x{rows}: the verdict first:\n{screen}"
        );
        // Both reasons: the backlog, and no worker to take it.
        assert!(
            screen.contains("WARNING backlog 30 (> 10)")
                && screen.contains("CRITICAL 0 live workers"),
            "{cols}x{rows}: the reasons:\n{screen}"
        );
        assert!(screen.contains("task name"), "{cols}x{rows}:\n{screen}");
        // Task names whole, never chopped into a narrow column.
        assert!(
            screen.contains("calibration-solve-00"),
            "{cols}x{rows}:\n{screen}"
        );
        // Nothing wrapped: every table line ends with its border.
        for l in shown
            .iter()
            .filter(|l| l.starts_with('│') || l.starts_with('┌'))
        {
            assert!(
                l.ends_with('│') || l.ends_with('┐'),
                "{cols}x{rows}: a table line that wrapped: {l:?}\n{screen}"
            );
        }
        if rows == 24 {
            assert!(
                screen.contains("more task names"),
                "{cols}x{rows}: says what did not fit:\n{screen}"
            );
        } else {
            // The larger terminal shows more: the run-time column.
            assert!(screen.contains("run p50/p95"), "{cols}x{rows}:\n{screen}");
        }
    }
}

#[tokio::test]
async fn status_watch_redraws_the_verdict_at_the_top() {
    let db = TestDb::migrated().await;
    busy_queue(&db);
    let t = Tmux::start(
        80,
        24,
        &format!("{} status --watch 1 --backlog-warn 10", bin()),
        &[("ABSURD_DATABASE_URL", &db.url)],
    );
    let screen = t.wait_for("more task names", Duration::from_secs(30));
    let shown = lines(&screen);
    assert!(
        shown[0].starts_with("absurdctl status · every "),
        "{screen}"
    );
    assert!(shown[2].starts_with("overall CRITICAL"), "{screen}");
    assert!(screen.contains("WARNING backlog 30 (> 10)"), "{screen}");
    t.send_keys(&["q"]);
    t.wait_for(tmux::END_OF_WATCH, Duration::from_secs(10));
}

#[tokio::test]
async fn task_ids_are_whole_in_tasks_list_and_errors_at_80_and_160_columns() {
    let db = TestDb::migrated().await;
    let ids = busy_queue(&db);
    let failed = ids[30].to_string();
    for (cols, rows) in SIZES {
        let env = [("ABSURD_DATABASE_URL", db.url.as_str())];
        let screen = Tmux::run(
            cols,
            rows,
            &format!("{} tasks list --status failed", bin()),
            &env,
        );
        assert!(
            whole_id_on_screen(&screen, &failed),
            "{cols}x{rows}: tasks list shows {failed} whole:\n{screen}"
        );
        let screen = Tmux::run(cols, rows, &format!("{} errors", bin()), &env);
        let example = ids[30..]
            .iter()
            .map(|id| id.to_string())
            .find(|id| whole_id_on_screen(&screen, id));
        assert!(
            example.is_some(),
            "{cols}x{rows}: errors shows an example task whole:\n{screen}"
        );
    }
}
