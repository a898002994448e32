//! What `top` draws, on test terminals of many sizes.

use std::time::{Duration, Instant};

use ratatui::backend::TestBackend;
use ratatui::Terminal;

use super::*;
use crate::checks::queue::tests::snapshot;
use crate::commands::status::report::tests::report;
use crate::commands::top::data::Frame;
use crate::queue::errors::{ErrorGroup, ErrorReport};
use crate::queue::TaskId;

#[test]
fn fit_cuts_between_words_and_marks_the_cut() {
    assert_eq!(fit("backlog 25 waiting", 40), "backlog 25 waiting");
    assert_eq!(fit("backlog 25 waiting", 12), "backlog 25…");
    assert_eq!(fit("backlog 25 waiting", 10), "backlog…");
    assert_eq!(fit("calibration-solve", 8), "…");
    assert_eq!(fit("a · b · c", 6), "a · b…");
    assert_eq!(fit("a · b · c", 5), "a…");
    assert_eq!(fit("two\nlines", 20), "two lines");
    assert_eq!(fit("x", 0), "");
}

/// A queue with a backlog of 600 (CRITICAL), one worker running one
/// task and one cause of failure.
fn app() -> App {
    let mut q = snapshot("dsa110-pipeline");
    q.figures.backlog = 600;
    q.figures.ready = 590;
    q.figures.retrying = 10;
    q.workers.list.push(crate::queue::stats::LiveWorker {
        queue_name: "dsa110-pipeline".into(),
        worker_id: "node-1-0badcafe".into(),
        hostname: Some("node-1".into()),
        registered: true,
        registry_status: Some("running".into()),
        last_seen_at: None,
        running: 1,
        concurrency: 2,
    });
    let report = report(vec![q]);
    let group = ErrorGroup {
        pattern: "file <path> not found".into(),
        count: 3,
        failed: 3,
        retrying: 0,
        task_names: vec!["calibration-solve".into()],
        queues: vec!["dsa110-pipeline".into()],
        first_seen: report.generated_at,
        last_seen: report.generated_at,
        example_task_id: TaskId(uuid::Uuid::nil()),
        example_error: "file /x.ms not found".into(),
    };
    let frame = Frame {
        minutes: vec![vec![]],
        failures: ErrorReport {
            window_start: report.generated_at,
            tasks: 3,
            groups: vec![group],
        },
        report,
        db_ms: 4.2,
    };
    let mut app = App::new(
        "dsa110-pipeline".into(),
        false,
        Duration::from_secs(2),
        None,
        false,
    );
    app.read(frame, Instant::now());
    app
}

fn render(app: &App, w: u16, h: u16) -> Vec<String> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| draw(f, app)).unwrap();
    let buf = t.backend().buffer().clone();
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect())
        .collect()
}

#[test]
fn every_pane_fits_80x24_and_160x45_spreads_them() {
    let a = app();
    let small = render(&a, 80, 24);
    let text = small.join("\n");
    assert!(small[1].starts_with("CRITICAL"), "{text}");
    for want in [
        "backlog 600 · ready 590",
        " Workers ",
        "node-1 node-1-0badcafe live 1/2 free 1",
        "calibration-solve: file <path> not found",
        "q quit",
    ] {
        assert!(text.contains(want), "{want:?} missing:\n{text}");
    }
    let big = render(&a, 160, 45);
    assert!(
        big.iter()
            .any(|l| l.contains(" Backlog ") && l.contains(" Workers ")),
        "{}",
        big.join("\n")
    );
}

#[test]
fn down_selects_the_next_failure_group_and_stops_at_the_last() {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut a = app();
    let down = KeyEvent::new(KeyCode::Down, KeyModifiers::NONE);
    let tab = KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE);
    a.key(tab);
    a.key(tab);
    assert_eq!(a.focus, Pane::Failures);
    a.key(down);
    a.key(down);
    // One group: it stays selected.
    assert_eq!(a.selected[2], 0);
    let text = render(&a, 80, 24);
    let row = text
        .iter()
        .position(|l| l.contains("file <path> not found"))
        .unwrap();
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| draw(f, &a)).unwrap();
    assert!(t.backend().buffer()[(0, row as u16)]
        .modifier
        .contains(Modifier::REVERSED));
}

#[test]
fn any_size_from_1x1_to_300x80_is_drawn_without_a_panic() {
    let mut a = app();
    for (w, h) in [
        (1, 1),
        (10, 3),
        (30, 8),
        (79, 23),
        (119, 35),
        (120, 36),
        (300, 80),
    ] {
        let lines = render(&a, w, h);
        assert_eq!(lines.len(), h as usize);
        a.failed("gone".into());
        render(&a, w, h);
        a.error = None;
    }
}

#[test]
fn a_long_task_name_is_never_cut() {
    let mut a = app();
    let frame = a.frame.as_mut().unwrap();
    let mut long = crate::queue::stats::TaskNameFigures {
        task_name: "calibration-solve-with-a-rather-long-name".into(),
        figures: Default::default(),
        no_completion_sec: None,
    };
    long.figures.backlog = 3;
    long.figures.ready = 3;
    frame.report.queues[0].snapshot.task_names.push(long);
    let text = render(&a, 80, 24).join("\n");
    assert!(
        text.contains("calibration-solve-with-a-rather-long-name      3"),
        "{text}"
    );
}

#[test]
fn a_lost_database_keeps_the_figures_and_says_since_when() {
    let mut a = app();
    a.failed("cannot connect to 127.0.0.1:5432: connection refused".into());
    let text = render(&a, 80, 24).join("\n");
    assert!(text.contains("backlog 600"), "{text}");
    assert!(
        text.contains("database unreachable · last good read"),
        "{text}"
    );
    assert!(text.contains("connection refused"), "{text}");
}

#[test]
fn stale_figures_are_greyed_in_colour_and_dimmed_without() {
    let mut a = app();
    a.failed("gone".into());
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| draw(f, &a)).unwrap();
    assert!(t.backend().buffer()[(0, 0)]
        .modifier
        .contains(Modifier::DIM));
    a.color = true;
    t.draw(|f| draw(f, &a)).unwrap();
    assert_eq!(t.backend().buffer()[(0, 0)].fg, Color::DarkGray);
}
