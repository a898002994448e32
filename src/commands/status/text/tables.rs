//! The tables of one queue in the human view of `status` (task names,
//! hosts, running tasks' progress), fitted to the screen.

use comfy_table::Cell;

use super::figures::{opt_secs, percent};
use crate::commands::status::report::QueueReport;
use crate::output::{fmt_secs, Output};

/// Running tasks whose progress is listed, the longest-running first.
const PROGRESS_SHOWN: usize = 5;

/// A table that fits: columns given up in `drop_order` (indexes, least
/// important first) until it is no wider than the screen, rows given up
/// (saying how many) until it is no taller than the room left.
pub(super) struct Fitted {
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
    drop_order: Vec<&'static str>,
    /// What a row is, for "… 3 more task names".
    noun: &'static str,
}

impl Fitted {
    /// The fewest lines it is shown in, with its blank line: borders,
    /// header, two rows and the note of the rest.
    pub(super) fn least_lines(&self) -> usize {
        1 + 4 + self.rows.len().min(2) + usize::from(self.rows.len() > 2)
    }

    pub(super) fn render(
        &self,
        out: &Output,
        width: Option<usize>,
        height: Option<usize>,
    ) -> String {
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
pub(super) fn tables(_out: &Output, q: &QueueReport) -> Vec<Fitted> {
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
