//! The human view of `status`: a block per queue, then the reasons, then
//! task names and hosts.

use comfy_table::{Cell, Color};

use crate::checks::queue::pause_text;
use crate::checks::Level;
use crate::output::{fmt_ago, fmt_ms, fmt_secs, fmt_time, Output, Screen};
use crate::queue::stats::HostWorkers;

use super::report::Report;

/// Running tasks whose progress is listed, the longest-running first.
const PROGRESS_SHOWN: usize = 5;

/// The human view, laid out for the terminal stdout is (none: a pipe gets
/// everything, unwrapped).
pub(super) fn render(out: &Output, r: &Report) -> String {
    render_on(out, r, out.screen())
}

/// The human view laid out for `screen`: the overall verdict first, then per
/// queue its verdict, its reasons and its figures, then the tables. On a
/// screen, figure lines wrap at their ` · ` separators (never in a word),
/// the task-name table drops its less important columns until it fits the
/// width, and the tables give up rows (saying how many) so that the verdict
/// and the reasons never scroll away.
pub(crate) fn render_on(out: &Output, r: &Report, screen: Option<Screen>) -> String {
    let width = screen.map(|s| s.width);
    let mut head: Vec<String> = vec![format!(
        "overall {} · {} queue{} · database round trip {} · read in {}",
        level(out, r.verdict),
        r.queues.len(),
        if r.queues.len() == 1 { "" } else { "s" },
        fmt_ms(r.round_trip_ms),
        fmt_ms(r.query_ms)
    )];
    if let Some(lag) = &r.replica {
        head.push(format!("read from a hot standby: {}", lag.summary()));
    }
    for c in r
        .checks
        .iter()
        .filter(|c| c.queue.is_none() && c.level > Level::Ok)
    {
        head.push(format!("{} {}", level(out, c.level), c.message));
    }
    if r.queues.is_empty() {
        head.push("no queues: no tasks, pause records or running workers".into());
    }
    // Per queue: the lines that always show, its figure lines (the less
    // telling of which give way on a short screen) and the tables.
    let mut blocks: Vec<Block> = Vec::new();
    for q in &r.queues {
        let mut top = vec![String::new()];
        top.push(format!(
            "{}  {}  (at {})",
            out.paint_text(&q.snapshot.queue, None),
            level(out, q.verdict),
            fmt_time(Some(r.generated_at))
        ));
        if q.snapshot.paused {
            top.push(out.paint_text(
                &format!(
                    "{}  (`absurdctl resume` to resume)",
                    pause_text(&q.snapshot)
                ),
                Some(Color::Yellow),
            ));
        }
        for c in r.checks.iter().filter(|c| {
            c.level > Level::Ok && c.queue.as_deref() == Some(q.snapshot.queue.as_str())
        }) {
            top.extend(wrap(
                &format!("  {} ", level(out, c.level)),
                &c.message,
                width,
            ));
        }
        let figures = figure_lines(q)
            .into_iter()
            .map(|(k, v)| (k, wrap(&format!("  {k:<13}"), &v, width)))
            .collect();
        blocks.push(Block {
            top,
            figures,
            tables: tables(out, q),
            hidden: Vec::new(),
        });
    }
    // A short screen keeps room for a few rows of each table: the figure
    // lines give way, least telling first, and say which went.
    if let Some(screen) = screen {
        let room = |blocks: &[Block]| {
            let used = head.len() + 1 + blocks.iter().map(Block::lines).sum::<usize>();
            let wanted: usize = blocks
                .iter()
                .flat_map(|b| &b.tables)
                .map(Fitted::least_lines)
                .sum();
            used + wanted <= screen.height
        };
        'shrink: while !room(&blocks) {
            for label in GIVE_WAY.iter().copied() {
                if let Some(b) = blocks
                    .iter_mut()
                    .rev()
                    .find(|b| b.figures.iter().any(|(k, _)| *k == label))
                {
                    b.figures.retain(|(k, _)| *k != label);
                    b.hidden.push(label);
                    continue 'shrink;
                }
            }
            break;
        }
    }
    // What the tables may use: the screen less every line that must show
    // (and one for the prompt or the cursor).
    let fixed = head.len() + blocks.iter().map(Block::lines).sum::<usize>() + 1;
    let mut budget = screen.map(|s| s.height.saturating_sub(fixed));
    let mut text = head.join("\n");
    text.push('\n');
    for b in blocks {
        for l in b.top.iter().chain(b.figures.iter().flat_map(|(_, l)| l)) {
            text.push_str(l);
            text.push('\n');
        }
        if !b.hidden.is_empty() {
            text.push_str(&format!("  {}\n", hidden_note(&b.hidden)));
        }
        for (i, t) in b.tables.iter().enumerate() {
            text.push('\n');
            // Room for this table, keeping the least the next ones need.
            let later: usize = b.tables[i + 1..].iter().map(Fitted::least_lines).sum();
            let shown = t.render(out, width, budget.map(|b| b.saturating_sub(1 + later)));
            if let Some(b) = budget.as_mut() {
                *b = b.saturating_sub(shown.lines().count() + 1);
            }
            text.push_str(&shown);
        }
    }
    text
}

/// The figure lines a short screen gives up, in that order.
const GIVE_WAY: [&str; 8] = [
    "capacity",
    "dead letters",
    "timings 1h",
    "inflow",
    "finished",
    "since last",
    "throughput",
    "oldest",
];

/// One queue's part of the view.
struct Block {
    top: Vec<String>,
    figures: Vec<(&'static str, Vec<String>)>,
    tables: Vec<Fitted>,
    /// Figure lines the screen had no room for.
    hidden: Vec<&'static str>,
}

impl Block {
    /// Lines it takes, tables aside.
    fn lines(&self) -> usize {
        self.top.len()
            + self.figures.iter().map(|(_, l)| l.len()).sum::<usize>()
            + usize::from(!self.hidden.is_empty())
    }
}

fn hidden_note(hidden: &[&str]) -> String {
    format!(
        "({} more line{}: a taller terminal, or -o json)",
        hidden.len(),
        if hidden.len() == 1 { "" } else { "s" }
    )
}

/// `value` after `lead`, wrapped to `width` at its ` · ` separators (then
/// at `, `), continuation lines indented under the value.
fn wrap(lead: &str, value: &str, width: Option<usize>) -> Vec<String> {
    let indent = visible_len(lead);
    let Some(width) = width.filter(|&w| indent + visible_len(value) > w && w > indent + 10) else {
        return vec![format!("{lead}{value}")];
    };
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let room = width - indent;
    for (i, part) in value.split(" · ").enumerate() {
        let sep = if i == 0 { "" } else { " · " };
        if !line.is_empty() && visible_len(&line) + sep.len() + visible_len(part) > room {
            lines.push(std::mem::take(&mut line));
            line.push_str(part);
        } else {
            line.push_str(if line.is_empty() { "" } else { sep });
            line.push_str(part);
        }
        // A part longer than the line: at its last comma that fits, else
        // between two words (never inside one).
        while visible_len(&line) > room {
            let last_fitting = |sep: char| {
                line.char_indices()
                    .filter(|&(i, c)| c == sep && i > 0 && visible_len(&line[..i]) < room)
                    .map(|(i, _)| i)
                    .next_back()
            };
            match last_fitting(',').or_else(|| last_fitting(' ')) {
                Some(at) => {
                    let rest = line[at + 1..].trim_start().to_string();
                    line.truncate(at + 1);
                    line.truncate(line.trim_end().len());
                    lines.push(std::mem::replace(&mut line, rest));
                }
                None => break,
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("{lead}{l}")
            } else {
                format!("{}{l}", " ".repeat(indent))
            }
        })
        .collect()
}

/// Characters a terminal shows (colour escapes take none).
fn visible_len(s: &str) -> usize {
    let mut n = 0;
    let mut escape = false;
    for c in s.chars() {
        match (escape, c) {
            (false, '\x1b') => escape = true,
            (true, 'm') => escape = false,
            (true, _) => {}
            (false, _) => n += 1,
        }
    }
    n
}

/// The figure lines of one queue, as (label, text).
fn figure_lines(q: &super::report::QueueReport) -> Vec<(&'static str, String)> {
    let s = &q.snapshot;
    let f = &s.figures;
    let no_workers = s.workers.live == 0 && f.backlog > 0;
    let mut lines: Vec<(&str, String)> = vec![(
        "backlog",
        format!(
            "{} ({} pending, {} retrying: {} ready, {} delayed, {} blocked by dependencies{})",
            f.backlog,
            f.pending,
            f.retrying,
            f.ready,
            f.delayed,
            f.blocked,
            if f.blocked_for_good > 0 {
                format!(", {} of them for good", f.blocked_for_good)
            } else {
                String::new()
            }
        ),
    )];
    if f.backlog > 0 {
        lines.push((
            "oldest",
            format!(
                "pending since {} ({}) · ready task waiting {}",
                fmt_time(f.oldest_pending_at),
                fmt_ago(f.oldest_pending_at),
                f.oldest_ready_age_sec
                    .map(fmt_secs)
                    .unwrap_or_else(|| "-".into())
            ),
        ));
    }
    lines.push((
        "running",
        format!(
            "{} claimed, {} stuck · {} live worker{}{}, {} free slot{}{}",
            f.claimed,
            f.stuck,
            s.workers.live,
            if s.workers.live == 1 { "" } else { "s" },
            worker_hosts(&s.workers.hosts),
            s.workers.free_slots,
            if s.workers.free_slots == 1 { "" } else { "s" },
            if s.workers.dead > 0 {
                format!(", {} dead registered", s.workers.dead)
            } else {
                String::new()
            }
        ),
    ));
    lines.push((
        "inflow",
        format!(
            "created 5m: {} · 1h: {} · 24h: {} · backlog {} ({:+.1}/min net over 1h){}",
            f.created_5m,
            f.created_1h,
            f.created_24h,
            s.direction.as_str(),
            s.net_per_min_1h,
            match s.net_eta_sec {
                _ if f.backlog == 0 => String::new(),
                _ if no_workers => String::new(),
                Some(eta) => format!(", drained in about {} at that rate", fmt_secs(eta)),
                None => ", never drained at that rate".into(),
            }
        ),
    ));
    let c = &q.capacity;
    lines.push((
        "capacity",
        match c.workers_needed {
            Some(n) => format!(
                "{n} worker{} needed · {:.0} arrivals/h x {} mean run / {:.0} per worker + {:.0}% headroom",
                if n == 1 { "" } else { "s" },
                c.arrivals_per_hour,
                opt_secs(c.run_mean_sec),
                c.concurrency,
                c.headroom_percent
            ),
            None => format!(
                "{:.0} arrivals/h · workers needed unknown (nothing finished in the last hour)",
                c.arrivals_per_hour
            ),
        },
    ));
    lines.push((
        "finished",
        format!(
            "5m: {} completed, {} failed · 1h: {} completed, {} failed, {} cancelled · 24h: {} completed, {} failed, {} cancelled",
            f.completed_5m, f.failed_5m, f.completed_1h, f.failed_1h, f.cancelled_1h,
            f.completed_24h, f.failed_24h, f.cancelled_24h
        ),
    ));
    lines.push((
        "throughput",
        format!(
            "{} completed/min over 5m, {} over 1h, {} over 24h · success {} (1h), {} (24h)",
            rate(f.completed_per_min_5m),
            rate(f.completed_per_min_1h),
            rate(f.completed_per_min_24h),
            percent(f.success_rate_1h),
            percent(f.success_rate_24h)
        ),
    ));
    lines.push((
        "timings 1h",
        format!(
            "wait p50 {} p95 {} · run p50 {} p95 {}",
            opt_secs(f.wait_p50_sec),
            opt_secs(f.wait_p95_sec),
            opt_secs(f.run_p50_sec),
            opt_secs(f.run_p95_sec)
        ),
    ));
    lines.push((
        "dead letters",
        format!(
            "{} failed, {} cancelled (all time) · {}",
            f.failed,
            f.cancelled,
            match s.total_estimate {
                Some(n) if n >= 0 => format!("about {n} rows in all (planner estimate)"),
                _ => "rows in all unknown (the table was never analysed)".into(),
            }
        ),
    ));
    lines.push((
        "drained",
        match s.eta_sec {
            _ if f.backlog == 0 => "nothing waiting".to_string(),
            _ if no_workers => "not while no worker is live".to_string(),
            Some(eta) => format!(
                "in about {} at {} tasks/min",
                fmt_secs(eta),
                rate(s.drain_rate_per_min)
            ),
            None => "never at the current rate (nothing finished in the last hour)".into(),
        },
    ));
    if let Some(since) = &q.since_last {
        lines.push((
            "since last",
            format!(
                "{:+} completed ({}/min), {:+} failed · backlog {:+} ({:+.1}/min) in {}",
                since.completed,
                rate(since.completed_per_min),
                since.failed,
                since.backlog_change,
                since.backlog_change_per_min,
                fmt_secs(since.seconds)
            ),
        ));
    }
    lines
}

/// A table that fits: columns given up in `drop_order` (indexes, least
/// important first) until it is no wider than the screen, rows given up
/// (saying how many) until it is no taller than the room left.
struct Fitted {
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
    drop_order: Vec<&'static str>,
    /// What a row is, for "… 3 more task names".
    noun: &'static str,
}

impl Fitted {
    /// The fewest lines it is shown in, with its blank line: borders,
    /// header, two rows and the note of the rest.
    fn least_lines(&self) -> usize {
        1 + 4 + self.rows.len().min(2) + usize::from(self.rows.len() > 2)
    }

    fn render(&self, out: &Output, width: Option<usize>, height: Option<usize>) -> String {
        let mut rows = self.rows.len();
        let mut more = String::new();
        if let Some(h) = height {
            // Borders and header take 4 lines; a cut costs one for its note.
            if h < 5 || (h < 4 + rows && h < 6) {
                return format!(
                    "({} {}: a taller terminal, or -o json)\n",
                    self.rows.len(),
                    self.noun
                );
            }
            if 4 + rows > h {
                rows = h - 5;
                more = format!(
                    "… {} more {}: a taller terminal, or -o json\n",
                    self.rows.len() - rows,
                    self.noun
                );
            }
        }
        let cells = self.rows[..rows]
            .iter()
            .map(|r| r.iter().map(Cell::new).collect())
            .collect();
        // Laid out at the contents' width: the fit is by columns, never a wrap.
        let table = out.fit_table_to(width, &self.headers, cells, &self.drop_order, None);
        format!("{table}\n{more}")
    }
}

/// The tables of one queue: task names, hosts, running tasks' progress.
fn tables(_out: &Output, q: &super::report::QueueReport) -> Vec<Fitted> {
    let s = &q.snapshot;
    let mut tables = Vec::new();
    if !s.task_names.is_empty() {
        tables.push(Fitted {
            headers: vec![
                "task name",
                "pending",
                "retrying",
                "claimed",
                "stuck",
                "done 1h",
                "done 24h",
                "failed 1h",
                "failed (all)",
                "success 1h",
                "wait p50/p95",
                "run p50/p95",
            ],
            rows: s
                .task_names
                .iter()
                .map(|tn| {
                    let g = &tn.figures;
                    vec![
                        tn.task_name.clone(),
                        g.pending.to_string(),
                        g.retrying.to_string(),
                        g.claimed.to_string(),
                        g.stuck.to_string(),
                        g.completed_1h.to_string(),
                        g.completed_24h.to_string(),
                        g.failed_1h.to_string(),
                        g.failed.to_string(),
                        percent(g.success_rate_1h),
                        format!(
                            "{} / {}",
                            opt_secs(g.wait_p50_sec),
                            opt_secs(g.wait_p95_sec)
                        ),
                        format!("{} / {}", opt_secs(g.run_p50_sec), opt_secs(g.run_p95_sec)),
                    ]
                })
                .collect(),
            // Kept to the last: the name, pending, claimed, failed 1h.
            drop_order: vec![
                "run p50/p95",
                "wait p50/p95",
                "done 24h",
                "failed (all)",
                "retrying",
                "success 1h",
                "stuck",
                "done 1h",
                "failed 1h",
            ],
            noun: "task names",
        });
    }
    if !s.workers.hosts.is_empty() {
        tables.push(Fitted {
            headers: vec!["host", "live workers", "running tasks"],
            rows: s
                .workers
                .hosts
                .iter()
                .map(|h| {
                    vec![
                        h.host
                            .clone()
                            .unwrap_or_else(|| "(unregistered: legacy workers)".into()),
                        h.workers.to_string(),
                        h.running.to_string(),
                    ]
                })
                .collect(),
            drop_order: vec![],
            noun: "hosts",
        });
    }
    let reporting: Vec<Vec<String>> = q
        .running
        .iter()
        .filter(|r| r.attempt.progress.is_some())
        .take(PROGRESS_SHOWN)
        .map(|r| {
            let a = &r.attempt;
            let mut progress = format!("{:.0}%", a.progress.unwrap_or(0.0) * 100.0);
            if let Some(eta) = a.eta_sec {
                progress.push_str(&format!(", ~{} left", fmt_secs(eta)));
            }
            if let Some(m) = &a.progress_message {
                progress.push_str(&format!(": {m}"));
            }
            vec![
                r.task_id.to_string(),
                r.task_name.clone(),
                fmt_secs(a.duration_sec),
                progress,
            ]
        })
        .collect();
    if !reporting.is_empty() {
        tables.push(Fitted {
            headers: vec!["running task", "task name", "running for", "progress"],
            rows: reporting,
            drop_order: vec!["progress", "running for"],
            noun: "running tasks",
        });
    }
    tables
}

/// ` on 2 hosts (+1 unregistered)`: registered workers' hosts, and how many
/// workers have no registry row.
fn worker_hosts(hosts: &[HostWorkers]) -> String {
    let known = hosts.iter().filter(|h| h.host.is_some()).count();
    let unregistered: i64 = hosts
        .iter()
        .filter(|h| h.host.is_none())
        .map(|h| h.workers)
        .sum();
    let mut text = match known {
        0 => String::new(),
        1 => " on 1 host".into(),
        n => format!(" on {n} hosts"),
    };
    if unregistered > 0 {
        text.push_str(&format!(" ({unregistered} unregistered)"));
    }
    text
}

fn rate(per_min: f64) -> String {
    if per_min == 0.0 {
        "0".into()
    } else if per_min < 0.1 {
        format!("{per_min:.3}")
    } else if per_min < 10.0 {
        format!("{per_min:.2}")
    } else {
        format!("{per_min:.0}")
    }
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or("-".into(), |r| format!("{:.1}%", r * 100.0))
}

fn opt_secs(s: Option<f64>) -> String {
    s.map(fmt_secs).unwrap_or_else(|| "-".into())
}

/// A verdict in its colour.
fn level(out: &Output, level: Level) -> String {
    out.level_text(level.as_str(), level)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::queue::tests::snapshot;
    use crate::cli::OutputFormat;
    use crate::commands::status::report::tests::report;

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
        let v =
            "5m: 1 completed, 0 failed · 1h: 3 completed, 0 failed, 0 cancelled · 24h: 9 completed";
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
}
