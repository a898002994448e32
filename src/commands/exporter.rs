//! `absurdctl exporter`: the figures of `status` served to Prometheus over
//! HTTP. One snapshot is cached and read again at most every
//! `--min-interval`; scrapes that arrive meanwhile, or while it is being
//! read, are served that snapshot, so the scrape rate never reaches the
//! database.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use sqlx::PgPool;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::Mutex;

use super::status;
use super::worker::systemd::Notifier;
use crate::checks::thresholds::Thresholds;
use crate::cli::{ExporterArgs, StatusArgs};
use crate::commands::Ctx;
use crate::config::Access;
use crate::error::{redact, CliError, EXIT_UNREACHABLE};
use crate::output::OutputFormat;
use crate::output::{prometheus_text, write_stdout, PromFamily, PromSample};

/// The content type of the Prometheus text format.
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The longest error kept in the `error` label of `absurd_exporter_error`.
const ERROR_LABEL_CHARS: usize = 300;

pub async fn run(ctx: &Ctx, args: ExporterArgs) -> anyhow::Result<ExitCode> {
    if !matches!(
        ctx.out.format,
        OutputFormat::Table | OutputFormat::Prometheus
    ) {
        return Err(CliError::usage(
            "--output: `exporter` serves Prometheus text only (status -o json for JSON)",
        ));
    }
    let status_args = StatusArgs {
        all_queues: args.all_queues,
        check: false,
        watch: None,
        allow_empty: args.allow_empty,
        judging: args.judging,
    };
    let thresholds = Thresholds::from_judging(&status_args.judging)?;
    let exporter = Arc::new(Exporter {
        ctx: Ctx {
            global: ctx.global.clone(),
            out: ctx.out.clone(),
            command: ctx.command,
            role: ctx.role,
        },
        status: status_args,
        thresholds,
        min_interval: args.min_interval,
        read_timeout: args.read_timeout,
        started: Instant::now(),
        cache: Mutex::new(Cache::default()),
        snapshots: AtomicU64::new(0),
        failures: AtomicU64::new(0),
    });
    if args.once {
        let scrape = exporter.scrape().await;
        write_stdout(&exporter.render(&scrape))?;
        // The read's error is on stderr already (see `scrape`).
        if scrape.error.is_some() {
            return Ok(ExitCode::from(EXIT_UNREACHABLE));
        }
        return Ok(ExitCode::SUCCESS);
    }
    serve(exporter, args.listen).await
}

async fn serve(exporter: Arc<Exporter>, listen: std::net::SocketAddr) -> anyhow::Result<ExitCode> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    let bound = listener.local_addr()?;
    let notifier = Notifier::from_env().unwrap_or(None).map(Arc::new);
    let watchdog = notifier.clone().and_then(|n| {
        n.watchdog_every().map(|every| {
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(every);
                loop {
                    tick.tick().await;
                    n.notify("WATCHDOG=1");
                }
            })
        })
    });
    let app = Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .with_state(exporter.clone());
    // On stderr, so that a supervisor's log shows where it serves (the port
    // when --listen asked for any free one).
    eprintln!("absurdctl exporter: serving http://{bound}/metrics");
    if let Some(n) = &notifier {
        n.notify(&format!("READY=1\nSTATUS=serving http://{bound}/metrics"));
    }
    let stopping = notifier.clone();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            stop_requested().await;
            if let Some(n) = &stopping {
                n.notify("STOPPING=1");
            }
            eprintln!("absurdctl exporter: stopping");
        })
        .await;
    if let Some(w) = watchdog {
        w.abort();
    }
    served.map_err(|e| anyhow::anyhow!("serving http://{bound}: {e}"))?;
    Ok(ExitCode::SUCCESS)
}

/// SIGTERM (systemd's stop) or SIGINT (Ctrl-C).
async fn stop_requested() {
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

async fn metrics(State(exporter): State<Arc<Exporter>>) -> impl IntoResponse {
    let scrape = exporter.scrape().await;
    (
        [(header::CONTENT_TYPE, TEXT_FORMAT)],
        exporter.render(&scrape),
    )
}

/// The process serves: the database's state is /metrics' business
/// (`absurd_up`), so that a restart never "fixes" a database outage.
async fn healthz() -> &'static str {
    "ok\n"
}

struct Exporter {
    ctx: Ctx,
    status: StatusArgs,
    thresholds: Thresholds,
    min_interval: Duration,
    read_timeout: Duration,
    started: Instant,
    cache: Mutex<Cache>,
    snapshots: AtomicU64,
    failures: AtomicU64,
}

#[derive(Default)]
struct Cache {
    /// Kept between snapshots; dropped after a failed one, so that the next
    /// connects afresh and checks the schema again.
    pool: Option<PgPool>,
    last: Option<Scrape>,
}

/// One snapshot, as served until the next.
#[derive(Clone)]
struct Scrape {
    finished: Instant,
    took: Duration,
    /// The queue's families, or `absurd_up 0` alone.
    text: Arc<str>,
    /// Why the queue could not be read (first line, passwords redacted).
    error: Option<String>,
}

impl Exporter {
    /// The cached snapshot, or a new one when it is older than
    /// --min-interval. The lock is held while reading, so concurrent
    /// scrapes wait for that one read and share it.
    async fn scrape(&self) -> Scrape {
        let mut cache = self.cache.lock().await;
        if let Some(last) = &cache.last {
            if last.finished.elapsed() < self.min_interval {
                return last.clone();
            }
        }
        let started = Instant::now();
        self.snapshots.fetch_add(1, Ordering::Relaxed);
        let read = tokio::time::timeout(self.read_timeout, self.read(&mut cache.pool)).await;
        let read = read.unwrap_or_else(|_| {
            Err(anyhow::anyhow!(
                "the database gave no answer within --read-timeout {}",
                humantime::format_duration(self.read_timeout)
            ))
        });
        let (text, error) = match read {
            Ok(text) => (text, None),
            Err(e) => {
                // A connection that failed or went silent is not used again.
                cache.pool = None;
                self.failures.fetch_add(1, Ordering::Relaxed);
                let msg = redact(&format!("{:#}", self.ctx.lost(e)));
                let first = msg.lines().next().unwrap_or("").to_string();
                self.ctx.out.warn(format!("absurdctl exporter: {first}"));
                (status::prometheus_down(), Some(first))
            }
        };
        let scrape = Scrape {
            finished: Instant::now(),
            took: started.elapsed(),
            text: text.into(),
            error,
        };
        cache.last = Some(scrape.clone());
        scrape
    }

    async fn read(&self, pool: &mut Option<PgPool>) -> anyhow::Result<String> {
        let pool = match pool {
            Some(p) => p,
            None => pool.insert(self.ctx.connect(Access::ReadOnly, 1).await?),
        };
        status::prometheus_snapshot(&self.ctx, &self.status, &self.thresholds, pool).await
    }

    /// The snapshot's text and the exporter's own families.
    fn render(&self, s: &Scrape) -> String {
        let gauge = |name, help, value| PromFamily {
            name,
            help,
            kind: "gauge",
            samples: vec![PromSample::new(vec![], value)],
        };
        let counter = |name, help, n: &AtomicU64| PromFamily {
            name,
            help,
            kind: "counter",
            samples: vec![PromSample::new(vec![], n.load(Ordering::Relaxed) as f64)],
        };
        let mut own = vec![
            counter(
                "absurd_exporter_snapshots_total",
                "Reads of the queue statistics since the exporter started (at most one per --min-interval).",
                &self.snapshots,
            ),
            counter(
                "absurd_exporter_snapshot_failures_total",
                "Reads of the queue statistics that failed since the exporter started.",
                &self.failures,
            ),
            gauge(
                "absurd_exporter_snapshot_duration_seconds",
                "Time the last read of the queue statistics took.",
                s.took.as_secs_f64(),
            ),
            gauge(
                "absurd_exporter_snapshot_age_seconds",
                "Age of the snapshot served.",
                s.finished.elapsed().as_secs_f64(),
            ),
            gauge(
                "absurd_exporter_uptime_seconds",
                "Time since the exporter started.",
                self.started.elapsed().as_secs_f64(),
            ),
        ];
        let mut out = String::new();
        if let Some(e) = &s.error {
            let label: String = e.chars().take(ERROR_LABEL_CHARS).collect();
            own.push(PromFamily {
                name: "absurd_exporter_error",
                help: "1, labelled with the error, while the queue statistics cannot be read.",
                kind: "gauge",
                samples: vec![PromSample::new(vec![("error", label)], 1.0)],
            });
            out.push_str(&format!("# absurd_up 0: {}\n", e.replace('\n', " ")));
        }
        out.push_str(&s.text);
        out.push_str(&prometheus_text(&own));
        out
    }
}
