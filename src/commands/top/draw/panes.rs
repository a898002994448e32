//! The panes of `top`: the backlog, the workers and the failures, each a
//! titled block of lines, the selected row kept in view.

use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame as Screen;

use super::{fit, Look};
use crate::commands::top::app::{App, Pane};
use crate::output::fmt_secs;

/// A pane's title, its lines, and the line of its selected row.
fn pane_lines(app: &App, which: Pane) -> (&'static str, Vec<String>, Option<usize>) {
    let row = |lines: &Vec<String>| {
        (!lines.is_empty()).then(|| app.selected[which.index()].min(lines.len() - 1))
    };
    match which {
        Pane::Backlog => {
            let lines = backlog_lines(app);
            let sel = row(&lines);
            ("Backlog", lines, sel)
        }
        Pane::Workers => {
            let lines = worker_lines(app);
            let sel = row(&lines);
            ("Workers", lines, sel)
        }
        Pane::Failures => {
            let (lines, sel) = failure_lines(app);
            ("Failures, last hour", lines, sel)
        }
    }
}

/// How many rows ↑/↓ can select in a pane.
pub(in crate::commands::top) fn selectable(app: &App, which: Pane) -> usize {
    match which {
        Pane::Failures => app.failures().len(),
        _ => pane_lines(app, which).1.len(),
    }
}

pub(super) fn pane(screen: &mut Screen, area: Rect, app: &App, look: &Look, which: Pane) {
    let focused = app.focus == which;
    let (name, texts, selected) = pane_lines(app, which);
    let width = area.width as usize;
    let title = fit(&format!(" {name} "), width);
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(look.base())
        .title(Span::styled(title, look.title(focused)));
    let inner = block.inner(area);
    let rows = inner.height as usize;
    let (skip, highlighted) = match (which, selected) {
        // The failure groups have a selected row (what `r` retries), kept
        // in view.
        (Pane::Failures, Some(s)) if rows > 1 && s >= rows => (s + 1 - rows, selected),
        (Pane::Failures, _) => (0, selected),
        // The backlog and the workers scroll, from the row ↑/↓ chose.
        (_, Some(s)) => (s, None),
        (_, None) => (0, None),
    };
    let mut lines = Vec::new();
    for (i, t) in texts.into_iter().enumerate().skip(skip).take(rows) {
        let mut style = look.base();
        if focused && highlighted == Some(i) {
            style = style.add_modifier(Modifier::REVERSED);
        }
        lines.push(Line::styled(fit(&t, width), style));
    }
    screen.render_widget(block, area);
    screen.render_widget(Paragraph::new(lines), inner);
}

fn backlog_lines(app: &App) -> Vec<String> {
    let Some(frame) = &app.frame else {
        return Vec::new();
    };
    let several = frame.report.queues.len() > 1;
    let mut out = Vec::new();
    for q in &frame.report.queues {
        let f = &q.snapshot.figures;
        let oldest = f.oldest_ready_age_sec.map_or("-".to_string(), fmt_secs);
        let prefix = if several {
            format!("{} {}: ", q.snapshot.queue, q.verdict.as_str())
        } else {
            String::new()
        };
        out.push(format!(
            "{prefix}backlog {} · ready {} · delayed {} · blocked {} · retrying {} · oldest ready {oldest}",
            f.backlog, f.ready, f.delayed, f.blocked, f.retrying
        ));
        out.push(format!(
            "running {} · stuck {} · 1h: completed {} failed {} · dead letters {}",
            f.claimed, f.stuck, f.completed_1h, f.failed_1h, f.failed
        ));
        let mut names: Vec<_> = q
            .snapshot
            .task_names
            .iter()
            .filter(|t| app.shows(&t.task_name))
            .filter(|t| t.figures.backlog + t.figures.claimed > 0)
            .collect();
        names.sort_by(|a, b| {
            (b.figures.backlog, b.figures.claimed).cmp(&(a.figures.backlog, a.figures.claimed))
        });
        if names.is_empty() {
            continue;
        }
        // As wide as the longest name: a name is never cut (a line too
        // long for the pane loses its last columns instead).
        let w = names
            .iter()
            .map(|t| t.task_name.chars().count())
            .max()
            .unwrap_or(0)
            .max(24);
        out.push(format!(
            "{:<w$} {:>6} {:>7} {:>7} {:>5} {:>7} {:>8}",
            "task name", "ready", "delayed", "blocked", "retry", "running", "oldest"
        ));
        for t in names {
            let g = &t.figures;
            out.push(format!(
                "{:<w$} {:>6} {:>7} {:>7} {:>5} {:>7} {:>8}",
                t.task_name,
                g.ready,
                g.delayed,
                g.blocked,
                g.retrying,
                g.claimed,
                g.oldest_ready_age_sec.map_or("-".to_string(), fmt_secs)
            ));
        }
    }
    out
}

fn worker_lines(app: &App) -> Vec<String> {
    let Some(frame) = &app.frame else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for q in &frame.report.queues {
        let w = &q.snapshot.workers;
        let hosts: Vec<String> = w
            .hosts
            .iter()
            .map(|h| {
                format!(
                    "{} ({})",
                    h.host.as_deref().unwrap_or("unknown host"),
                    h.workers
                )
            })
            .collect();
        out.push(format!(
            "{}{} live · {} free slot(s) · {} dead · hosts: {}",
            if frame.report.queues.len() > 1 {
                format!("{}: ", q.snapshot.queue)
            } else {
                String::new()
            },
            w.live,
            w.free_slots,
            w.dead,
            if hosts.is_empty() {
                "-".to_string()
            } else {
                hosts.join(", ")
            }
        ));
        let mut shown = Vec::new();
        for worker in &w.list {
            // The states of `workers` (a live one here is never silent).
            let state = match worker.registry_status.as_deref() {
                Some("draining") => "draining",
                _ if worker.running > 0 => "live",
                _ => "idle",
            };
            out.push(format!(
                "{}{} {state} {}/{} free {}",
                worker
                    .hostname
                    .as_deref()
                    .map_or(String::new(), |h| format!("{h} ")),
                worker.worker_id,
                worker.running,
                worker.concurrency,
                (i64::from(worker.concurrency) - worker.running).max(0)
            ));
            for r in q
                .running
                .iter()
                .filter(|r| r.attempt.worker_id.as_deref() == Some(worker.worker_id.as_str()))
                .filter(|r| app.shows(&r.task_name))
            {
                shown.push(r.task_id);
                out.push(format!("  └ {}", running_text(r)));
            }
        }
        // Tasks whose worker is not among the live ones (silent, or gone).
        for r in q
            .running
            .iter()
            .filter(|r| !shown.contains(&r.task_id))
            .filter(|r| app.shows(&r.task_name))
        {
            out.push(format!(
                "{} (not live): {}",
                r.attempt.worker_id.as_deref().unwrap_or("?"),
                running_text(r)
            ));
        }
    }
    out
}

fn running_text(r: &crate::queue::history::RunningAttempt) -> String {
    let id = r.task_id.to_string();
    let mut t = format!(
        "{} {} run {}",
        r.task_name,
        &id[..8],
        fmt_secs(r.attempt.duration_sec)
    );
    if let Some(p) = r.attempt.progress {
        t.push_str(&format!(" {:.0}%", p * 100.0));
        if let Some(eta) = r.attempt.eta_sec {
            t.push_str(&format!(" ~{} left", fmt_secs(eta)));
        }
    }
    if let Some(m) = r.attempt.progress_message.as_deref() {
        t.push_str(&format!(" {m}"));
    }
    t
}

fn failure_lines(app: &App) -> (Vec<String>, Option<usize>) {
    let groups = app.failures();
    if app.frame.is_none() {
        return (Vec::new(), None);
    }
    if groups.is_empty() {
        return (
            vec!["no failed or retrying task in the last hour".into()],
            None,
        );
    }
    let mut out = vec![format!(
        "{:>5} {:>6} {:>5} {:>9}  {}",
        "count", "failed", "retry", "last", "task names: cause"
    )];
    for g in &groups {
        out.push(format!(
            "{:>5} {:>6} {:>5} {:>9}  {}: {}",
            g.count,
            g.failed,
            g.retrying,
            fmt_secs((chrono::Utc::now() - g.last_seen).num_milliseconds() as f64 / 1000.0),
            g.task_names.join(", "),
            g.pattern
        ));
    }
    // The header is line 0: the selected group is one below its index.
    let selected = app.selected[2].min(groups.len() - 1) + 1;
    (out, Some(selected))
}
