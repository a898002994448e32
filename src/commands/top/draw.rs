//! Drawing `top`: the header, the charts of the last hour, the panes and
//! the footer, laid out for the terminal's size. Every line is fitted to
//! its width here, cut between words, never inside one.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Sparkline};
use ratatui::Frame as Screen;

use super::app::{App, Mode, Pane};
use crate::checks::Level;
use crate::output::{fmt_ago, fmt_ms, fmt_secs};
use crate::queue::trends::Bucket;

/// From this size on, the panes sit side by side and the charts are taller.
const WIDE: (u16, u16) = (120, 36);

/// `text` cut to `width` columns between words, with `…` where it was cut.
pub(super) fn fit(text: &str, width: usize) -> String {
    let text = text.replace(['\n', '\r', '\t'], " ");
    if text.chars().count() <= width {
        return text;
    }
    if width == 0 {
        return String::new();
    }
    let room: String = text.chars().take(width - 1).collect();
    // A cut that falls right before a space keeps the whole last word.
    let next_is_space = text.chars().nth(width - 1) == Some(' ');
    let kept = if next_is_space {
        room.trim_end()
    } else {
        match room.rfind(' ') {
            Some(i) => room[..i].trim_end(),
            None => "",
        }
    };
    // No separator is left dangling before the mark.
    let kept = kept.trim_end_matches([' ', '·', ',', ';', ':', '(']);
    format!("{kept}…")
}

/// Styles, plain when colours are off (NO_COLOR, --no-color, no terminal).
struct Look {
    color: bool,
    stale: bool,
}

impl Look {
    fn base(&self) -> Style {
        match (self.stale, self.color) {
            (true, true) => Style::new().fg(Color::DarkGray),
            (true, false) => Style::new().add_modifier(Modifier::DIM),
            _ => Style::new(),
        }
    }

    fn level(&self, level: Level) -> Style {
        let s = self.base().add_modifier(Modifier::BOLD);
        if !self.color || self.stale {
            return s;
        }
        s.fg(match level {
            Level::Skipped => Color::DarkGray,
            Level::Ok => Color::Green,
            Level::Warning => Color::Yellow,
            Level::Unknown => Color::Magenta,
            Level::Critical => Color::Red,
        })
    }

    fn title(&self, focused: bool) -> Style {
        if focused {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            self.base().add_modifier(Modifier::BOLD)
        }
    }

    fn chart(&self, color: Color) -> Style {
        if self.color && !self.stale {
            Style::new().fg(color)
        } else {
            self.base()
        }
    }
}

pub(super) fn draw(screen: &mut Screen, app: &App) {
    let area = screen.area();
    let look = Look {
        color: app.color,
        stale: app.stale(),
    };
    let wide = area.width >= WIDE.0 && area.height >= WIDE.1;
    let footer_rows = if app.error.is_some() { 3 } else { 1 };
    let chart_rows = if wide { 8 } else { 4 };
    let [header, charts, body, footer] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(chart_rows),
        Constraint::Min(0),
        Constraint::Length(footer_rows),
    ])
    .areas(area);
    draw_header(screen, header, app, &look);
    draw_charts(screen, charts, app, &look, wide);
    if wide {
        // A column between the two, so that their lines never touch.
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .spacing(1)
                .areas(body);
        let [backlog, failures] =
            Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(left);
        pane(screen, backlog, app, &look, Pane::Backlog);
        pane(screen, failures, app, &look, Pane::Failures);
        pane(screen, right, app, &look, Pane::Workers);
    } else {
        let [backlog, workers, failures] = Layout::vertical([
            Constraint::Ratio(1, 3),
            Constraint::Ratio(1, 3),
            Constraint::Ratio(1, 3),
        ])
        .areas(body);
        pane(screen, backlog, app, &look, Pane::Backlog);
        pane(screen, workers, app, &look, Pane::Workers);
        pane(screen, failures, app, &look, Pane::Failures);
    }
    draw_footer(screen, footer, app, &look);
}

fn draw_header(screen: &mut Screen, area: Rect, app: &App, look: &Look) {
    let width = area.width as usize;
    let queues = if app.all_queues {
        "all queues".to_string()
    } else {
        app.queue.clone()
    };
    let mut lines = Vec::new();
    let Some(frame) = &app.frame else {
        lines.push(Line::raw(fit(&format!("top · {queues} · reading…"), width)));
        screen.render_widget(Paragraph::new(lines), area);
        return;
    };
    let r = &frame.report;
    lines.push(Line::styled(
        fit(
            &format!(
                "top · {queues} · every {} · round trip {} · db {} · {}",
                fmt_secs(app.interval.as_secs_f64()),
                fmt_ms(r.round_trip_ms),
                fmt_ms(frame.db_ms),
                r.generated_at.format("%H:%M:%SZ")
            ),
            width,
        ),
        look.base(),
    ));
    let word = r.verdict.as_str();
    let reasons: Vec<String> = r
        .checks
        .iter()
        .filter(|c| c.level > Level::Ok)
        .map(|c| match (&c.queue, app.all_queues) {
            (Some(q), true) => format!("{q}: {}", c.message),
            _ => c.message.clone(),
        })
        .collect();
    let reasons = if reasons.is_empty() {
        "all checks pass".to_string()
    } else {
        reasons.join("; ")
    };
    lines.push(Line::from(vec![
        Span::styled(word.to_string(), look.level(r.verdict)),
        Span::styled(
            fit(
                &format!(" {reasons}"),
                width.saturating_sub(word.chars().count()),
            ),
            look.base(),
        ),
    ]));
    let paused: Vec<String> = r
        .queues
        .iter()
        .filter(|q| q.snapshot.paused)
        .map(|q| {
            let s = &q.snapshot;
            let mut t = format!(
                "{} PAUSED by {}",
                s.queue,
                s.paused_by.as_deref().unwrap_or("unknown")
            );
            if s.paused_at.is_some() {
                t.push_str(&format!(" {}", fmt_ago(s.paused_at)));
            }
            if let Some(why) = s.pause_reason.as_deref().filter(|w| !w.is_empty()) {
                t.push_str(&format!(": {why}"));
            }
            t
        })
        .collect();
    let third = if paused.is_empty() {
        "claims running (not paused)".to_string()
    } else {
        paused.join("; ")
    };
    let style = if paused.is_empty() {
        look.base()
    } else {
        look.level(Level::Warning)
    };
    lines.push(Line::styled(fit(&third, width), style));
    screen.render_widget(Paragraph::new(lines), area);
}

/// The minutes of every queue shown, added up.
fn minutes(app: &App) -> Vec<Bucket> {
    let mut sum: Vec<Bucket> = Vec::new();
    for series in app.frame.iter().flat_map(|f| &f.minutes) {
        for (i, b) in series.iter().enumerate() {
            if sum.len() <= i {
                sum.push(Bucket::default());
            }
            let s = &mut sum[i];
            s.completed += b.completed;
            s.failed += b.failed;
            s.created += b.created;
            s.backlog += b.backlog;
        }
    }
    sum
}

fn draw_charts(screen: &mut Screen, area: Rect, app: &App, look: &Look, wide: bool) {
    let m = minutes(app);
    let series: [(&str, Color, Vec<u64>); 4] = [
        (
            "completed/min",
            Color::Green,
            m.iter().map(|b| b.completed.max(0) as u64).collect(),
        ),
        (
            "failed/min",
            Color::Red,
            m.iter().map(|b| b.failed.max(0) as u64).collect(),
        ),
        (
            "created/min",
            Color::Cyan,
            m.iter().map(|b| b.created.max(0) as u64).collect(),
        ),
        (
            "backlog",
            Color::Yellow,
            m.iter().map(|b| b.backlog.max(0) as u64).collect(),
        ),
    ];
    let cells: Vec<Rect> = if wide {
        let rows = Layout::vertical([Constraint::Length(4), Constraint::Length(4)]).split(area);
        rows.iter()
            .flat_map(|r| {
                Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                    .spacing(1)
                    .split(*r)
                    .to_vec()
            })
            .collect()
    } else {
        Layout::vertical([Constraint::Length(1); 4])
            .split(area)
            .to_vec()
    };
    for ((label, color, data), cell) in series.iter().zip(cells) {
        let now = data.last().copied().unwrap_or(0);
        let max = data.iter().copied().max().unwrap_or(0);
        let figures = format!(" now {now} max {max}");
        if wide {
            // A title line over a chart of three rows.
            let [title, chart] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(cell);
            let text = format!("{label} last hour{figures}");
            screen.render_widget(
                Paragraph::new(Line::styled(fit(&text, title.width as usize), look.base())),
                title,
            );
            let chart = Rect {
                width: chart.width.saturating_sub(1),
                ..chart
            };
            let shown = &data[data.len().saturating_sub(chart.width as usize)..];
            // The latest minute at the right edge, as in the narrow view.
            let chart = Rect {
                x: chart.x + chart.width - shown.len() as u16,
                width: shown.len() as u16,
                ..chart
            };
            screen.render_widget(
                Sparkline::default().data(shown).style(look.chart(*color)),
                chart,
            );
        } else {
            let label_w = 14u16.min(cell.width);
            let figures_w = (figures.chars().count() as u16).min(cell.width - label_w);
            let [l, chart, f] = Layout::horizontal([
                Constraint::Length(label_w),
                Constraint::Min(0),
                Constraint::Length(figures_w),
            ])
            .areas(cell);
            screen.render_widget(
                Paragraph::new(Line::styled(fit(label, l.width as usize), look.base())),
                l,
            );
            let shown = &data[data.len().saturating_sub(chart.width as usize)..];
            screen.render_widget(
                Sparkline::default().data(shown).style(look.chart(*color)),
                chart,
            );
            screen.render_widget(
                Paragraph::new(Line::styled(fit(&figures, f.width as usize), look.base())),
                f,
            );
        }
    }
}

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
pub(super) fn selectable(app: &App, which: Pane) -> usize {
    match which {
        Pane::Failures => app.failures().len(),
        _ => pane_lines(app, which).1.len(),
    }
}

fn pane(screen: &mut Screen, area: Rect, app: &App, look: &Look, which: Pane) {
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

fn draw_footer(screen: &mut Screen, area: Rect, app: &App, look: &Look) {
    let width = area.width as usize;
    let mut lines = Vec::new();
    if let Some(e) = &app.error {
        let since = app.read_at.map_or("no good read yet".to_string(), |t| {
            format!("last good read {} ago", fmt_secs(t.elapsed().as_secs_f64()))
        });
        let style = if look.color {
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        };
        lines.push(Line::styled(
            fit(
                &format!(
                    "database unreachable · {since} · retrying every {}",
                    fmt_secs(app.interval.as_secs_f64())
                ),
                width,
            ),
            style,
        ));
        lines.push(Line::styled(fit(e, width), style));
    }
    let bottom = match &app.mode {
        // The answer's keys are always shown, the question cut if need be.
        Mode::Confirm(change) => Line::styled(
            format!("{} [y/N]", fit(&change.prompt(), width.saturating_sub(6))),
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
        ),
        Mode::Filter(text) => Line::styled(
            fit(
                &format!("filter task names: {text}_  (Enter to apply, Esc to cancel)"),
                width,
            ),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Mode::Normal => {
            let text = match (&app.message, &app.filter) {
                (Some(m), _) => m.clone(),
                (None, Some(f)) => format!(
                    "filter \"{f}\" · q quit · Tab pane · ↑↓ row · / filter · a all · p pause · r retry"
                ),
                (None, None) => {
                    "q quit · Tab pane · ↑↓ row · / filter · a all queues · p pause/resume · r retry"
                        .to_string()
                }
            };
            Line::styled(fit(&text, width), Style::new())
        }
    };
    lines.push(bottom);
    screen.render_widget(Paragraph::new(lines), area);
}

#[cfg(test)]
mod tests {
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
}
