//! What `bench` measured (`--output json` prints it as is), the
//! arithmetic of its figures, and the text view.

use std::time::Duration;

use comfy_table::Cell;
use serde::Serialize;

use crate::commands::Ctx;

/// Everything `bench` measured, as `--output json` prints it.
#[derive(Debug, Serialize)]
pub(super) struct Report {
    pub(super) queue: String,
    pub(super) server_version: String,
    pub(super) client_cpus: usize,
    pub(super) workers: u32,
    pub(super) batch: u32,
    pub(super) tasks: u32,
    pub(super) samples: u32,
    /// One measurement without history, and one with `--history` rows if asked.
    pub(super) runs: Vec<Run>,
    /// The run with history against the one without (> 1: slower with history).
    pub(super) history_ratio: Option<Ratios>,
    /// Rows of the bench queue deleted, in all (between runs and at the end).
    pub(super) removed_rows: u64,
}

/// One full measurement at a given amount of history.
#[derive(Debug, Serialize)]
pub(super) struct Run {
    pub(super) history_rows: u64,
    /// Inserting the history, then vacuuming and analyzing it.
    pub(super) history_insert_sec: f64,
    pub(super) spawn_one_per_sec: f64,
    pub(super) spawn_batched_per_sec: f64,
    pub(super) drain_tasks: u64,
    pub(super) drain_sec: f64,
    pub(super) drain_per_sec: f64,
    pub(super) claim_latency_ms: Latency,
    pub(super) pickup_latency_ms: Latency,
    /// The read-only commands, timed end to end (process start, connection,
    /// every statement, output), against the time each should take.
    pub(super) reads: Vec<Read>,
}

/// One read-only command, run READ_RUNS times on the bench queue.
#[derive(Debug, Serialize)]
pub(super) struct Read {
    /// Its arguments, without the queue and output options.
    pub(super) command: String,
    /// Its line in the table.
    #[serde(skip)]
    pub(super) label: &'static str,
    pub(super) target_ms: f64,
    pub(super) median_ms: f64,
    pub(super) min_ms: f64,
    pub(super) max_ms: f64,
}

#[derive(Debug, Serialize)]
pub(super) struct Latency {
    pub(super) samples: usize,
    pub(super) mean: f64,
    pub(super) p50: f64,
    pub(super) p90: f64,
    pub(super) p99: f64,
    pub(super) max: f64,
}

#[derive(Debug, Serialize)]
pub(super) struct Ratios {
    pub(super) claim_p50: f64,
    pub(super) claim_p99: f64,
    pub(super) drain_rate: f64,
    pub(super) pickup_p50: f64,
    pub(super) pickup_p99: f64,
}

/// One line of the table.
pub(super) struct Figure {
    pub(super) name: String,
    pub(super) value: f64,
    /// A rate per second, else a latency in milliseconds.
    pub(super) rate: bool,
}

impl Figure {
    pub(super) fn text(&self) -> String {
        if self.rate {
            format!("{}/s", thousands(self.value))
        } else {
            format!("{:.2} ms", self.value)
        }
    }
}

impl Run {
    pub(super) fn figures(&self) -> Vec<Figure> {
        let rate = |name: &str, value| Figure {
            name: name.to_string(),
            value,
            rate: true,
        };
        let ms = |name: &str, value| Figure {
            name: name.to_string(),
            value,
            rate: false,
        };
        let mut figures = vec![
            rate("spawn, one at a time", self.spawn_one_per_sec),
            rate("spawn, batched", self.spawn_batched_per_sec),
            rate("drain (claim + complete)", self.drain_per_sec),
            ms("claim latency p50", self.claim_latency_ms.p50),
            ms("claim latency p99", self.claim_latency_ms.p99),
            ms("pickup latency p50", self.pickup_latency_ms.p50),
            ms("pickup latency p99", self.pickup_latency_ms.p99),
        ];
        figures.extend(self.reads.iter().map(|r| ms(r.label, r.median_ms)));
        figures
    }
}

impl Latency {
    pub(super) fn of(mut samples: Vec<Duration>) -> Latency {
        samples.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        // Nearest rank: the smallest sample with at least p of them at or below it.
        let rank = |p: f64| {
            let i = (p * samples.len() as f64).ceil() as usize;
            ms(samples[i.clamp(1, samples.len()) - 1])
        };
        Latency {
            samples: samples.len(),
            mean: samples.iter().map(|d| ms(*d)).sum::<f64>() / samples.len() as f64,
            p50: rank(0.50),
            p90: rank(0.90),
            p99: rank(0.99),
            max: ms(*samples.last().expect("at least one sample")),
        }
    }
}

pub(super) fn render(ctx: &Ctx, report: &Report) -> std::io::Result<()> {
    ctx.out.note(format!(
        "PostgreSQL {}; {} workers claiming and completing {} at a time; {} tasks and {} samples per measurement",
        report.server_version,
        report.workers,
        report.batch,
        thousands(report.tasks as f64),
        thousands(report.samples as f64)
    ))?;
    let mut headers = vec!["measure".to_string(), "no history".to_string()];
    if let Some(run) = report.runs.get(1) {
        headers.push(format!(
            "{} finished rows",
            thousands(run.history_rows as f64)
        ));
        headers.push("ratio".into());
    }
    let mut table = ctx.out.table(headers);
    let columns: Vec<Vec<Figure>> = report.runs.iter().map(Run::figures).collect();
    for (i, figure) in columns[0].iter().enumerate() {
        let mut cells = vec![Cell::new(&figure.name)];
        cells.extend(columns.iter().map(|c| Cell::new(c[i].text())));
        if let [zero, hist] = columns.as_slice() {
            cells.push(Cell::new(format!("{:.2}x", hist[i].value / zero[i].value)));
        }
        table.add_row(cells);
    }
    ctx.out.print_table(&table)?;
    if let Some(run) = report.runs.first() {
        // One line each, within 80 columns.
        let targets: Vec<String> = run
            .reads
            .iter()
            .filter(|r| !r.label.starts_with("..."))
            .map(|r| {
                let name = r.command.split(" --").next().unwrap_or(&r.command);
                format!("{name} {:.0} ms", r.target_ms)
            })
            .collect();
        ctx.out.note(format!(
            "reads: each the median of {} runs, end to end, as its own process",
            super::READ_RUNS
        ))?;
        ctx.out
            .note(format!("targets at 10 M: {}", targets.join(", ")))?;
    }
    if let Some(run) = report.runs.get(1) {
        ctx.out.note(format!(
            "history: {} finished rows inserted, vacuumed and analyzed in {:.1}s",
            thousands(run.history_rows as f64),
            run.history_insert_sec
        ))?;
    }
    ctx.out.note(format!(
        "bench queue {} removed ({} rows)",
        report.queue,
        thousands(report.removed_rows as f64)
    ))?;
    Ok(())
}

/// `12345.6` -> `12,346`.
fn thousands(v: f64) -> String {
    let digits = format!("{:.0}", v.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let samples = (1..=100).map(Duration::from_millis).collect();
        let l = Latency::of(samples);
        assert_eq!((l.p50, l.p90, l.p99, l.max), (50.0, 90.0, 99.0, 100.0));
        assert_eq!(l.mean, 50.5);
        let one = Latency::of(vec![Duration::from_millis(3)]);
        assert_eq!((one.p50, one.p99), (3.0, 3.0));
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0.4), "0");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(12345.6), "12,346");
        assert_eq!(thousands(1_000_000.0), "1,000,000");
    }
}
