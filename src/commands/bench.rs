//! `absurdctl bench`: measure this installation (spawn rate, drain rate,
//! claim latency, pickup latency) in a queue of its own, which it removes
//! afterwards whatever happens.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context};
use serde_json::json;
use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot, Barrier};
use tokio::task::JoinSet;

mod report;

use crate::cli::BenchArgs;
use crate::commands::Ctx;
use crate::config::Access;
use crate::error::CliError;
use crate::host;
use crate::interact::{self, Interrupt};
use crate::queue::audit::{self, AuditEntry};
use crate::queue::{bench, health, tasks, workers, NewTask, TaskId};
use report::{Latency, Ratios, Read, Report, Run};

/// History rows per INSERT and rows per DELETE: each statement stays well
/// under the statement timeout, and Ctrl-C is honoured between them.
const HISTORY_CHUNK: u64 = 100_000;
const DELETE_CHUNK: i64 = 20_000;

/// How long the pickup waiter sleeps on LISTEN before it polls anyway, as a
/// worker does in case a notification was lost.
const PICKUP_POLL: Duration = Duration::from_secs(1);

/// A pickup slower than this means notifications do not arrive at all
/// (e.g. a pooler in transaction mode between absurdctl and PostgreSQL).
const PICKUP_GIVE_UP: Duration = Duration::from_secs(10);

/// The read-only commands an operator runs on a queue with a long history,
/// each with the time it should take at 10 M finished tasks (issue 23),
/// in milliseconds. Each is run as its own process on the bench queue.
const READS: [(&str, &str, f64); 10] = [
    ("status", "status", 100.0),
    (
        "trends --by day --since 30d",
        "trends --by day --since 30d",
        1000.0,
    ),
    ("errors --since 24h", "errors --since 24h", 200.0),
    ("tasks list", "tasks list", 100.0),
    ("tasks list --status failed", "... --status failed", 100.0),
    (
        "tasks list --status completed",
        "... --status completed",
        100.0,
    ),
    (
        "tasks list --task-name bench-history",
        "... --task-name",
        100.0,
    ),
    ("tasks list --since 1h", "... --since 1h", 100.0),
    (
        "tasks list --error-contains history",
        "... --error-contains",
        100.0,
    ),
    (
        "tasks list --sort finished_at",
        "... --sort finished_at",
        100.0,
    ),
];

/// Runs of each read command; the median is reported.
const READ_RUNS: usize = 3;

pub async fn run(ctx: &Ctx, args: BenchArgs) -> anyhow::Result<ExitCode> {
    ctx.table_or_json()?;
    let interrupt = Interrupt::install();
    let pool = ctx.connect(Access::ReadWrite, args.workers + 3).await?;
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let queue = format!("absurdctl-bench-{}", &suffix[..12]);
    // The promise is to touch no other queue's rows: a name already in use
    // (all but impossible) is refused rather than shared.
    if bench::count_queue(&pool, &queue).await? > 0 {
        return Err(anyhow!(
            "queue {queue} already has rows; run absurdctl bench again"
        ));
    }
    // A database that serves other queues (production) is asked first:
    // bench adds and removes rows, and loads the server while it runs.
    let others: Vec<String> = crate::queue::stats::known_queues(&pool)
        .await?
        .into_iter()
        .filter(|q| !q.starts_with("absurdctl-bench-"))
        .collect();
    if !others.is_empty() {
        let rows = u64::from(args.tasks) * 2 + u64::from(args.samples) * 3 + args.history;
        interact::confirm(
            &ctx.out,
            ctx.global.yes,
            &format!(
                "This database serves other queues ({}). bench adds and removes about {rows} rows \
                 in a queue of its own and loads the server while it runs. Go on?",
                others.join(", ")
            ),
        )?;
    }
    let bench = Bench {
        ctx,
        pool: pool.clone(),
        queue: queue.clone(),
        args,
        interrupt,
        removed: AtomicU64::new(0),
    };
    ctx.out.debug(format!("bench queue: {queue}"));
    let measured = bench.measure().await;
    let removed = match bench.remove_queue().await {
        Ok(()) => bench.removed.load(Ordering::Relaxed),
        Err(e) => {
            ctx.out.warn(format!(
                "could not remove the bench queue: {e:#}\n  remove its rows with: \
                 DELETE FROM absurd.tasks WHERE queue_name = '{queue}'"
            ));
            return Err(match measured {
                Err(m) => m.context("bench failed"),
                Ok(_) => e.context(format!("removing the bench queue {queue}")),
            });
        }
    };
    let measured = measured.context(format!(
        "bench failed; its queue {queue} was removed ({removed} rows)"
    ))?;
    let interrupted = measured.is_none();
    audit::record(
        &pool,
        &AuditEntry {
            operator: host::operator(),
            command: "bench".into(),
            queue_name: Some(queue.clone()),
            filter: json!({}),
            details: json!({
                "tasks": bench.args.tasks,
                "samples": bench.args.samples,
                "workers": bench.args.workers,
                "batch": bench.args.batch,
                "history": bench.args.history,
                "interrupted": interrupted,
                "runs": measured.as_ref().map(|m| &m.runs),
            }),
            affected: removed as i64,
            dry_run: false,
        },
    )
    .await?;
    let Some(mut report) = measured else {
        return Err(CliError::Interrupted(format!(
            "; the bench queue {queue} was removed ({removed} rows)"
        ))
        .into());
    };
    report.removed_rows = removed;
    if ctx.out.is_json() {
        ctx.out.json(&report)?;
    } else {
        report::render(ctx, &report)?;
    }
    Ok(ExitCode::SUCCESS)
}

struct Bench<'a> {
    ctx: &'a Ctx,
    pool: PgPool,
    queue: String,
    args: BenchArgs,
    interrupt: Interrupt,
    /// Rows of the bench queue deleted so far (between runs and at the end).
    removed: AtomicU64,
}

impl Bench<'_> {
    /// Every measurement; `None` when interrupted.
    async fn measure(&self) -> anyhow::Result<Option<Report>> {
        let (_, server_version) = health::server_version(&self.pool).await?;
        let mut runs = Vec::new();
        let Some(run) = self.run(0, 0.0).await? else {
            return Ok(None);
        };
        runs.push(run);
        if self.args.history > 0 {
            // Start the second run from nothing but the history.
            self.remove_queue().await?;
            if self.interrupt.is_set() {
                return Ok(None);
            }
            let started = Instant::now();
            if !self.insert_history().await? {
                return Ok(None);
            }
            let insert_sec = started.elapsed().as_secs_f64();
            let Some(run) = self.run(self.args.history, insert_sec).await? else {
                return Ok(None);
            };
            runs.push(run);
        }
        let history_ratio = match runs.as_slice() {
            [zero, hist] => Some(Ratios {
                claim_p50: hist.claim_latency_ms.p50 / zero.claim_latency_ms.p50,
                claim_p99: hist.claim_latency_ms.p99 / zero.claim_latency_ms.p99,
                drain_rate: hist.drain_per_sec / zero.drain_per_sec,
                pickup_p50: hist.pickup_latency_ms.p50 / zero.pickup_latency_ms.p50,
                pickup_p99: hist.pickup_latency_ms.p99 / zero.pickup_latency_ms.p99,
            }),
            _ => None,
        };
        Ok(Some(Report {
            queue: self.queue.clone(),
            server_version,
            client_cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            workers: self.args.workers,
            batch: self.args.batch,
            tasks: self.args.tasks,
            samples: self.args.samples,
            runs,
            history_ratio,
            removed_rows: 0,
        }))
    }

    /// One measurement of everything, on whatever the bench queue holds now.
    async fn run(&self, history_rows: u64, history_insert_sec: f64) -> anyhow::Result<Option<Run>> {
        let Some(spawn_one_per_sec) = self.spawn_one().await? else {
            return Ok(None);
        };
        let Some(spawn_batched_per_sec) = self.spawn_batched().await? else {
            return Ok(None);
        };
        let Some(claim) = self.claim_latency().await? else {
            return Ok(None);
        };
        let Some((drain_tasks, drain_sec)) = self.drain().await? else {
            return Ok(None);
        };
        let Some(pickup) = self.pickup_latency().await? else {
            return Ok(None);
        };
        let Some(reads) = self.reads().await? else {
            return Ok(None);
        };
        Ok(Some(Run {
            history_rows,
            history_insert_sec,
            spawn_one_per_sec,
            spawn_batched_per_sec,
            drain_tasks,
            drain_sec,
            drain_per_sec: drain_tasks as f64 / drain_sec,
            claim_latency_ms: Latency::of(claim),
            pickup_latency_ms: Latency::of(pickup),
            reads,
        }))
    }

    /// Times each of READS end to end, as an operator's shell runs it: this
    /// binary, on the bench queue, with the connection this bench uses
    /// (its URL passed in the environment, never on a command line).
    async fn reads(&self) -> anyhow::Result<Option<Vec<Read>>> {
        let exe = std::env::current_exe().context("finding this binary to time the reads")?;
        let global = &self.ctx.global;
        let bar = interact::progress(&self.ctx.out, (READS.len() * READ_RUNS) as u64, "reads");
        let mut reads = Vec::new();
        for (command, label, target_ms) in READS {
            let mut ms = Vec::new();
            for _ in 0..READ_RUNS {
                if self.interrupt.is_set() {
                    return Ok(None);
                }
                let mut cmd = tokio::process::Command::new(&exe);
                cmd.args(command.split_whitespace())
                    .args(["--queue", &self.queue, "--output", "json", "--no-color"])
                    .stdin(std::process::Stdio::null())
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .kill_on_drop(true);
                if let Some(url) = &global.database_url {
                    cmd.env("ABSURD_DATABASE_URL", url)
                        .env_remove("ABSURD_DATABASE_URL_FILE");
                } else if let Some(file) = &global.database_url_file {
                    cmd.arg("--database-url-file").arg(file);
                }
                if let Some(url) = &global.read_url {
                    cmd.env("ABSURD_READ_URL", url);
                }
                let started = Instant::now();
                let done = cmd.output().await.context("running a read command")?;
                let took = started.elapsed();
                // status and errors exit 1 or 2 for what they judge (the
                // history's failures); 3 and up is a failure to run.
                if !matches!(done.status.code(), Some(0..=2)) {
                    return Err(anyhow!(
                        "`absurdctl {command}` failed ({}): {}",
                        done.status,
                        String::from_utf8_lossy(&done.stderr).trim()
                    ));
                }
                ms.push(took.as_secs_f64() * 1000.0);
                bar.inc(1);
            }
            ms.sort_by(f64::total_cmp);
            reads.push(Read {
                command: command.to_string(),
                label,
                target_ms,
                median_ms: ms[ms.len() / 2],
                min_ms: ms[0],
                max_ms: ms[ms.len() - 1],
            });
        }
        bar.finish_and_clear();
        Ok(Some(reads))
    }

    fn worker_id(&self, role: &str) -> String {
        format!("{}-{role}", self.queue)
    }

    fn task(&self, n: u64) -> NewTask {
        NewTask {
            queue_name: self.queue.clone(),
            task_name: "bench-noop".into(),
            params: json!({ "n": n }),
            priority: 0,
            timeout_sec: None,
            max_retries: 1,
            depends_on: Vec::new(),
            delay: None,
        }
    }

    /// Spawns `samples` tasks one statement each; returns tasks/s.
    async fn spawn_one(&self) -> anyhow::Result<Option<f64>> {
        let n = self.args.samples as u64;
        let bar = interact::progress(&self.ctx.out, n, "spawn, one at a time");
        let mut conn = self.pool.acquire().await?;
        let started = Instant::now();
        for i in 0..n {
            if self.interrupt.is_set() {
                return Ok(None);
            }
            tasks::spawn(&mut conn, &self.task(i)).await?;
            bar.inc(1);
        }
        let rate = n as f64 / started.elapsed().as_secs_f64();
        bar.finish_and_clear();
        Ok(Some(rate))
    }

    /// Spawns `tasks` tasks, `batch` per statement; returns tasks/s.
    async fn spawn_batched(&self) -> anyhow::Result<Option<f64>> {
        let total = self.args.tasks as u64;
        let batch = self.args.batch as u64;
        let bar = interact::progress(&self.ctx.out, total, "spawn, batched");
        let mut conn = self.pool.acquire().await?;
        let started = Instant::now();
        let mut done = 0;
        while done < total {
            if self.interrupt.is_set() {
                return Ok(None);
            }
            let chunk: Vec<NewTask> = (done..total.min(done + batch))
                .map(|i| self.task(i))
                .collect();
            done += tasks::spawn_many(&mut *conn, &chunk).await?;
            bar.set_position(done);
        }
        let rate = total as f64 / started.elapsed().as_secs_f64();
        bar.finish_and_clear();
        Ok(Some(rate))
    }

    /// Times `samples` claims of one task each (the completions that follow
    /// each claim are not timed).
    async fn claim_latency(&self) -> anyhow::Result<Option<Vec<Duration>>> {
        let n = self.args.samples as u64;
        let bar = interact::progress(&self.ctx.out, n, "claim latency");
        let worker = self.worker_id("claim");
        let mut conn = self.pool.acquire().await?;
        let mut samples = Vec::with_capacity(n as usize);
        for _ in 0..n {
            if self.interrupt.is_set() {
                return Ok(None);
            }
            let started = Instant::now();
            let claimed = tasks::claim(&mut *conn, &self.queue, &worker, 1, None).await?;
            samples.push(started.elapsed());
            let task = claimed
                .into_iter()
                .next()
                .ok_or_else(|| anyhow!("the bench queue ran dry while measuring claims"))?;
            tasks::complete(&mut *conn, task.task_id, &worker, &json!({})).await?;
            bar.inc(1);
        }
        bar.finish_and_clear();
        Ok(Some(samples))
    }

    /// Drains the queue with `workers` no-op workers, each claiming `batch`
    /// tasks at a time and completing them in one statement; returns how
    /// many tasks they completed and how long it took.
    async fn drain(&self) -> anyhow::Result<Option<(u64, f64)>> {
        let workers = self.args.workers as usize;
        let bar = interact::progress(&self.ctx.out, self.args.tasks as u64, "drain");
        // Connections are opened before the clock starts.
        let barrier = std::sync::Arc::new(Barrier::new(workers + 1));
        let mut set = JoinSet::new();
        for w in 0..workers {
            let pool = self.pool.clone();
            let queue = self.queue.clone();
            let worker = self.worker_id(&format!("drain-{w}"));
            let limit = self.args.batch as i32;
            let barrier = barrier.clone();
            let interrupt = self.interrupt.clone();
            let bar = bar.clone();
            set.spawn(async move {
                let conn = pool.acquire().await;
                barrier.wait().await;
                let mut conn = conn?;
                let mut completed = 0u64;
                while !interrupt.is_set() {
                    let claimed = tasks::claim(&mut *conn, &queue, &worker, limit, None).await?;
                    if claimed.is_empty() {
                        break;
                    }
                    let done: Vec<(TaskId, Option<serde_json::Value>)> = claimed
                        .iter()
                        .map(|t| (t.task_id, Some(json!({}))))
                        .collect();
                    let ok = tasks::complete_many(&mut *conn, &done, &worker).await?;
                    if ok.len() != done.len() {
                        return Err(anyhow!(
                            "{} of {} claimed bench tasks could not be completed",
                            done.len() - ok.len(),
                            done.len()
                        ));
                    }
                    completed += ok.len() as u64;
                    bar.inc(ok.len() as u64);
                }
                Ok::<_, anyhow::Error>(completed)
            });
        }
        barrier.wait().await;
        let started = Instant::now();
        let mut completed = 0;
        while let Some(joined) = set.join_next().await {
            completed += joined.context("a drain worker panicked")??;
        }
        let secs = started.elapsed().as_secs_f64();
        bar.finish_and_clear();
        if self.interrupt.is_set() {
            return Ok(None);
        }
        Ok(Some((completed, secs)))
    }

    /// On an idle queue, times from each spawn until a worker waiting on
    /// LISTEN (as `worker run` does) has claimed the task.
    async fn pickup_latency(&self) -> anyhow::Result<Option<Vec<Duration>>> {
        let n = self.args.samples as u64;
        let bar = interact::progress(&self.ctx.out, n, "pickup latency");
        let mut listener = workers::listen_for_tasks(&self.pool).await?;
        let (picked_tx, mut picked) = mpsc::unbounded_channel::<(TaskId, Instant)>();
        let (stop, mut stopped) = oneshot::channel::<()>();
        let pool = self.pool.clone();
        let queue = self.queue.clone();
        let worker = self.worker_id("pickup");
        let waiter = tokio::spawn(async move {
            let mut conn = pool.acquire().await?;
            loop {
                tokio::select! {
                    _ = &mut stopped => return Ok::<_, anyhow::Error>(()),
                    note = tokio::time::timeout(PICKUP_POLL, listener.recv()) => {
                        if let Ok(note) = note {
                            if note?.payload() != queue {
                                continue;
                            }
                        }
                    }
                }
                loop {
                    let claimed = tasks::claim(&mut *conn, &queue, &worker, 1, None).await?;
                    let Some(task) = claimed.into_iter().next() else {
                        break;
                    };
                    let at = Instant::now();
                    tasks::complete(&mut *conn, task.task_id, &worker, &json!({})).await?;
                    if picked_tx.send((task.task_id, at)).is_err() {
                        return Ok(());
                    }
                }
            }
        });

        let result = self.spawn_and_wait(n, &mut picked, &bar).await;
        let _ = stop.send(());
        let waited = waiter.await.context("the pickup waiter panicked")?;
        bar.finish_and_clear();
        // The waiter's own error says more than "it stopped answering".
        waited?;
        result
    }

    async fn spawn_and_wait(
        &self,
        n: u64,
        picked: &mut mpsc::UnboundedReceiver<(TaskId, Instant)>,
        bar: &indicatif::ProgressBar,
    ) -> anyhow::Result<Option<Vec<Duration>>> {
        let mut conn = self.pool.acquire().await?;
        let mut samples = Vec::with_capacity(n as usize);
        for i in 0..n {
            if self.interrupt.is_set() {
                return Ok(None);
            }
            // Let the waiter go back to sleep on LISTEN: the queue is idle.
            tokio::time::sleep(Duration::from_millis(2)).await;
            let started = Instant::now();
            let id = tasks::spawn(&mut conn, &self.task(i)).await?;
            match tokio::time::timeout(PICKUP_GIVE_UP, picked.recv()).await {
                Ok(Some((got, at))) if got == id => samples.push(at - started),
                Ok(Some((got, _))) => {
                    return Err(anyhow!("the pickup waiter claimed {got}, expected {id}"))
                }
                Ok(None) => return Err(anyhow!("the pickup waiter stopped")),
                Err(_) => {
                    return Err(anyhow!(
                        "no worker picked up a task within {}: do notifications reach \
                         absurdctl (a pooler in transaction mode drops them)?",
                        humantime::format_duration(PICKUP_GIVE_UP)
                    ))
                }
            }
            bar.inc(1);
        }
        Ok(Some(samples))
    }

    /// Inserts `history` finished tasks in chunks, then vacuums and analyzes
    /// them; false when interrupted.
    async fn insert_history(&self) -> anyhow::Result<bool> {
        let total = self.args.history;
        let bar = interact::progress(&self.ctx.out, total, "inserting history");
        let mut done = 0;
        while done < total {
            if self.interrupt.is_set() {
                return Ok(false);
            }
            let n = HISTORY_CHUNK.min(total - done);
            done += bench::insert_history(&self.pool, &self.queue, done as i64, n as i64).await?;
            bar.set_position(done);
        }
        bar.finish_and_clear();
        let bar = interact::spinner(&self.ctx.out, "vacuuming the history");
        let mut conn = self.pool.acquire().await?.detach();
        bench::settle_history(&mut conn).await?;
        bar.finish_and_clear();
        Ok(true)
    }

    /// Deletes every row of the bench queue.
    async fn remove_queue(&self) -> anyhow::Result<()> {
        let bar = interact::spinner(&self.ctx.out, "removing the bench queue");
        loop {
            let n = bench::delete_queue_rows(&self.pool, &self.queue, DELETE_CHUNK).await?;
            if n == 0 {
                break;
            }
            self.removed.fetch_add(n, Ordering::Relaxed);
        }
        bar.finish_and_clear();
        Ok(())
    }
}
