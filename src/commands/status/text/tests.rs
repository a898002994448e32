//! The human view of `status`, rendered for a pipe and for screens of many
//! sizes.

use super::figures::{percent, rate, worker_hosts};
use super::*;
use crate::checks::queue::tests::snapshot;
use crate::commands::status::report::tests::report;
use crate::output::OutputFormat;
use crate::queue::stats::HostWorkers;

fn out(color: bool) -> Output {
    Output {
        format: OutputFormat::Table,
        color,
        quiet: false,
        verbose: 0,
        stdout_tty: false,
        stderr_tty: false,
        replica: Default::default(),
    }
}

#[test]
fn the_verdict_first_then_a_block_per_queue() {
    let mut q = snapshot("q");
    q.figures.backlog = 25;
    q.figures.pending = 25;
    let text = render(&out(false), &report(vec![q]));
    assert!(
        text.starts_with(
            "overall WARNING · 1 queue · database round trip 0.42ms · read in 0.00ms\n\nq  WARNING  (at "
        ),
        "{text}"
    );
    // The reasons come right under the queue's verdict, before its figures.
    let reason = text
        .find("  WARNING backlog 25 (> 20)\n")
        .expect("the reason");
    let backlog = text
        .find("  backlog      25 (25 pending, 0 retrying")
        .expect("backlog");
    assert!(reason < backlog, "{text}");
    assert!(text.contains("live worker on 1 host"), "{text}");
    assert!(!text.contains('\x1b'), "no colour when it is off");
}

/// A queue of many task names on an 80x24 terminal: the verdict and its
/// reasons on screen, no line wider than the screen, the task-name table
/// cut to the rows that fit (saying how many are left) and narrowed by
/// dropping columns, task names whole.
#[test]
fn an_80x24_screen_keeps_the_verdict_and_fits_the_tables() {
    let mut q = snapshot("dsa110-pipeline");
    q.figures.backlog = 25;
    q.figures.pending = 25;
    q.task_names = (0..30)
        .map(|i| crate::queue::stats::TaskNameFigures {
            task_name: format!("calibration-solve-{i:02}"),
            figures: q.figures.clone(),
            no_completion_sec: None,
        })
        .collect();
    let screen = Screen {
        width: 80,
        height: 24,
    };
    let text = render_on(&out(false), &report(vec![q]), Some(screen));
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() < 24, "{} lines:\n{text}", lines.len());
    for l in &lines {
        assert!(visible_len(l) <= 80, "{} wide: {l}", visible_len(l));
    }
    assert!(lines[0].starts_with("overall WARNING"), "{text}");
    assert!(text.contains("WARNING backlog 25 (> 20)"), "{text}");
    assert!(text.contains("calibration-solve-00"), "{text}");
    assert!(text.contains("more task names"), "{text}");
    assert!(text.contains("| task name"), "{text}");
    assert!(!text.contains("run p50/p95"), "a dropped column: {text}");
    // A pipe gets it all.
    let all = render(&out(false), &report(vec![snapshot("q")]));
    assert!(!all.contains("more task names"), "{all}");
}

#[test]
fn a_reason_without_separators_wraps_between_words() {
    let v = "tasks are ready but nothing completed for 1h 10m (> 30m 0s); 0 live workers";
    let lines = wrap("  CRITICAL ", v, Some(60));
    assert!(lines.iter().all(|l| visible_len(l) <= 60), "{lines:?}");
    assert_eq!(
        lines
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        format!("CRITICAL {v}")
    );
    assert!(lines[1].starts_with("           "), "indented: {lines:?}");
}

#[test]
fn lines_wrap_at_their_separators() {
    let v = "5m: 1 completed, 0 failed · 1h: 3 completed, 0 failed, 0 cancelled · 24h: 9 completed";
    let lines = wrap("  finished     ", v, Some(60));
    assert_eq!(
        lines,
        vec![
            "  finished     5m: 1 completed, 0 failed",
            "               1h: 3 completed, 0 failed, 0 cancelled",
            "               24h: 9 completed",
        ]
    );
    assert_eq!(wrap("  x ", v, None).len(), 1);
}

#[test]
fn verdicts_are_coloured_when_colour_is_on() {
    let text = render(&out(true), &report(vec![snapshot("q")]));
    assert!(text.contains("\x1b[1mq\x1b[0m"), "{text:?}");
    assert!(text.contains("\x1b[1;32mOK\x1b[0m"), "{text:?}");
}

#[test]
fn no_queue() {
    let text = render(&out(false), &report(vec![]));
    assert!(text.contains("no queues: no tasks, pause records or running workers"));
}

#[test]
fn unregistered_workers_are_counted_apart() {
    let hosts = |h: &[(Option<&str>, i64)]| {
        h.iter()
            .map(|(host, n)| HostWorkers {
                host: host.map(str::to_string),
                workers: *n,
                running: 0,
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(worker_hosts(&hosts(&[])), "");
    assert_eq!(
        worker_hosts(&hosts(&[(Some("a"), 2), (Some("b"), 1), (None, 3)])),
        " on 2 hosts (3 unregistered)"
    );
    assert_eq!(rate(0.05), "0.050");
    assert_eq!(percent(Some(0.5)), "50.0%");
}
