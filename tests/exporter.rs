//! `absurdctl exporter`: scraped over HTTP against a queue of known rows,
//! its text parsed by a Prometheus parser; one snapshot per --min-interval
//! whatever the scrape rate; `absurd_up 0` while the database is down.

mod common;
#[path = "common/silent_proxy.rs"]
mod silent_proxy;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;
use openmetrics_parser::prometheus::parse_prometheus;
use openmetrics_parser::{MetricsExposition, PrometheusType, PrometheusValue};

type Exposition = MetricsExposition<PrometheusType, PrometheusValue>;

/// An exporter started on a free port of 127.0.0.1.
struct Exporter {
    process: Background,
    addr: String,
}

impl Exporter {
    fn start(url: &str, extra: &[&str]) -> Exporter {
        Self::start_with(url, extra, &[])
    }

    fn start_with(url: &str, extra: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> Exporter {
        let mut args = vec!["--database-url", url, "exporter", "--listen", "127.0.0.1:0"];
        args.extend_from_slice(extra);
        let mut cmd = absurdctl_command(&args);
        cmd.envs(env.iter().copied());
        let process = Background::start(cmd);
        let started = Instant::now();
        let addr = loop {
            let found = process.lines().iter().find_map(|l| {
                l.strip_prefix("absurdctl exporter: serving http://")
                    .and_then(|rest| rest.strip_suffix("/metrics"))
                    .map(str::to_string)
            });
            if let Some(addr) = found {
                break addr;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the exporter did not start:\n{}",
                process.lines().join("\n")
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        Exporter { process, addr }
    }

    /// GET `path`: the status code and the body.
    fn get(&self, path: &str, timeout: Duration) -> (u16, String) {
        http_get(&self.addr, path, timeout)
    }

    fn scrape(&self) -> Exposition {
        let (code, body) = self.get("/metrics", Duration::from_secs(30));
        assert_eq!(code, 200, "{body}");
        parse_prometheus(&body).unwrap_or_else(|e| panic!("{e}\n{body}"))
    }
}

/// A plain HTTP/1.1 GET, answered in full before `timeout`.
fn http_get(addr: &str, path: &str, timeout: Duration) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect to the exporter");
    stream.set_read_timeout(Some(timeout)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .unwrap_or_else(|e| panic!("no full answer to GET {path} within {timeout:?}: {e}"));
    let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
    let code = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status code");
    (code, body.to_string())
}

fn value(s: &openmetrics_parser::Sample<PrometheusValue>) -> f64 {
    match &s.value {
        PrometheusValue::Gauge(n) => n.as_f64(),
        PrometheusValue::Counter(c) => c.value.as_f64(),
        other => panic!("not a gauge or counter: {other:?}"),
    }
}

/// The value of the sample of `family` whose labels are exactly `labels`.
fn sample(e: &Exposition, family: &str, labels: &[(&str, &str)]) -> f64 {
    let fam = e
        .families
        .get(family)
        .unwrap_or_else(|| panic!("no family {family}"));
    let found: Vec<f64> = fam
        .iter_samples()
        .filter(|s| {
            let set = s.get_labelset().unwrap();
            set.iter().count() == labels.len()
                && labels
                    .iter()
                    .all(|(k, v)| set.get_label_value(k) == Some(*v))
        })
        .map(value)
        .collect();
    assert_eq!(found.len(), 1, "{family}{labels:?}: {found:?}");
    found[0]
}

const Q: &str = "dsa110-pipeline";

#[tokio::test]
async fn metrics_over_http_are_the_rows_of_the_queue() {
    let db = TestDb::migrated().await;
    let t = || factory::task();
    db.seed([
        // 3 imaging tasks ready, the oldest for 20 minutes.
        t().created(ago(mins(20))).available(ago(mins(20))),
        t().created(ago(mins(5))).available(ago(mins(5))),
        t().created(ago(mins(1))).available(ago(mins(1))),
        // 1 calibration-solve waiting for its backoff.
        t().name("calibration-solve")
            .status("retrying")
            .attempt(1)
            .error("CASA error")
            .created(ago(mins(3)))
            .available(from_now(hours(1))),
        // 4 imaging completions 30 minutes ago.
        t().status("completed")
            .created(ago(mins(40)))
            .claimed(ago(mins(35)))
            .completed(ago(mins(30))),
        t().status("completed")
            .created(ago(mins(40)))
            .claimed(ago(mins(35)))
            .completed(ago(mins(30))),
        t().status("completed")
            .created(ago(mins(40)))
            .claimed(ago(mins(35)))
            .completed(ago(mins(30))),
        t().status("completed")
            .created(ago(mins(40)))
            .claimed(ago(mins(35)))
            .completed(ago(mins(30))),
        // 2 calibration-solve failures 10 minutes ago.
        t().name("calibration-solve")
            .status("failed")
            .attempt(3)
            .created(ago(mins(20)))
            .claimed(ago(mins(15)))
            .completed(ago(mins(10)))
            .error("boom"),
        t().name("calibration-solve")
            .status("failed")
            .attempt(3)
            .created(ago(mins(20)))
            .claimed(ago(mins(15)))
            .completed(ago(mins(10)))
            .error("boom"),
        // 1 imaging task claimed by a worker silent for an hour: stuck.
        t().status("claimed")
            .worker("py-legacy-1")
            .created(ago(hours(2)))
            .claimed(ago(hours(2)))
            .heartbeat(ago(hours(1))),
    ]);
    // systemd's notify socket, as a Type=notify unit has it.
    let scratch = Scratch::new("exporter");
    let socket_path = scratch.path("notify");
    let notify = std::os::unix::net::UnixDatagram::bind(&socket_path).unwrap();
    notify
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let exporter = Exporter::start_with(
        &db.url,
        &["--min-interval", "1h"],
        &[("NOTIFY_SOCKET", socket_path.as_os_str())],
    );
    let received = |socket: &std::os::unix::net::UnixDatagram| {
        let mut buf = [0u8; 512];
        let n = socket.recv(&mut buf).expect("a notify message");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    };
    let ready = received(&notify);
    assert!(ready.starts_with("READY=1\n"), "{ready}");
    assert!(ready.contains(&exporter.addr), "{ready}");

    let (code, body) = exporter.get("/healthz", Duration::from_secs(30));
    assert_eq!((code, body.as_str()), (200, "ok\n"));

    let m = exporter.scrape();
    let q = ("queue", Q);
    let img = ("task_name", "imaging");
    let cal = ("task_name", "calibration-solve");
    assert_eq!(sample(&m, "absurd_up", &[]), 1.0);
    assert_eq!(
        sample(&m, "absurd_tasks", &[q, img, ("status", "pending")]),
        3.0
    );
    assert_eq!(
        sample(&m, "absurd_tasks", &[q, cal, ("status", "retrying")]),
        1.0,
        "a pending task waiting for its backoff after an attempt is retrying"
    );
    assert_eq!(
        sample(&m, "absurd_tasks", &[q, img, ("status", "claimed")]),
        1.0
    );
    assert_eq!(sample(&m, "absurd_tasks_stuck", &[q, img]), 1.0);
    assert_eq!(
        sample(&m, "absurd_backlog_tasks", &[q, ("state", "ready")]),
        3.0
    );
    assert_eq!(
        sample(&m, "absurd_backlog_tasks", &[q, ("state", "delayed")]),
        1.0
    );
    assert_eq!(
        sample(
            &m,
            "absurd_tasks_finished",
            &[q, img, ("status", "completed"), ("window", "1h")]
        ),
        4.0
    );
    assert_eq!(
        sample(
            &m,
            "absurd_tasks_finished",
            &[q, img, ("status", "completed"), ("window", "5m")]
        ),
        0.0
    );
    assert_eq!(
        sample(
            &m,
            "absurd_tasks_finished",
            &[q, cal, ("status", "failed"), ("window", "1h")]
        ),
        2.0
    );
    // 4 completions in the hour, as a rate per second.
    let per_second = sample(&m, "absurd_completed_per_second", &[q, ("window", "1h")]);
    assert!((per_second - 4.0 / 3600.0).abs() < 1e-12, "{per_second}");
    // 4 completed, 2 failed in the hour.
    let ratio = sample(&m, "absurd_success_ratio", &[q, ("window", "1h")]);
    assert!((ratio - 4.0 / 6.0).abs() < 1e-9, "{ratio}");
    // Per task name: imaging's oldest ready task has waited 20 minutes, and
    // nothing of it completed since it became ready.
    let oldest = sample(&m, "absurd_task_oldest_ready_age_seconds", &[q, img]);
    assert!((1200.0..1260.0).contains(&oldest), "{oldest}");
    let stall = sample(&m, "absurd_task_no_completion_seconds", &[q, img]);
    assert!((1200.0..1260.0).contains(&stall), "{stall}");
    // calibration-solve has nothing ready: no stall.
    assert_eq!(
        sample(&m, "absurd_task_no_completion_seconds", &[q, cal]),
        0.0
    );
    // The only worker has been silent for an hour: none is live.
    assert_eq!(sample(&m, "absurd_workers_live", &[q]), 0.0);
    assert_eq!(sample(&m, "absurd_queue_paused", &[q]), 0.0);
    assert_eq!(sample(&m, "absurd_exporter_snapshots_total", &[]), 1.0);

    // Ten scrapes at once, then ten more in a row: all served the snapshot
    // already read (the exporter counts every read it makes).
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..10 {
            s.spawn(|| exporter.scrape());
        }
    });
    for _ in 0..10 {
        exporter.scrape();
    }
    let m = exporter.scrape();
    eprintln!("21 scrapes in {:?}", started.elapsed());
    assert_eq!(sample(&m, "absurd_exporter_snapshots_total", &[]), 1.0);
    assert_eq!(sample(&m, "absurd_up", &[]), 1.0);

    // SIGTERM: a clean stop.
    exporter.process.signal(libc::SIGTERM);
    let mut process = exporter.process;
    let out = process.wait(Duration::from_secs(30));
    out.assert_code(0);
    assert!(out.stderr.contains("stopping"), "{out}");
    assert_eq!(received(&notify), "STOPPING=1");
}

#[tokio::test]
async fn a_database_gone_silent_is_absurd_up_0_within_the_read_timeout() {
    let db = TestDb::migrated().await;
    db.seed([factory::task()]);
    let proxy = silent_proxy::SilentProxy::start(&db.url, "");
    let url = proxy.url(&db.url);
    let read_timeout = Duration::from_secs(2);
    let exporter = Exporter::start(&url, &["--min-interval", "100ms", "--read-timeout", "2s"]);
    assert_eq!(sample(&exporter.scrape(), "absurd_up", &[]), 1.0);
    // The open connection now swallows every statement, unanswered.
    proxy.silence_open_connections();
    std::thread::sleep(Duration::from_millis(150));
    let asked = Instant::now();
    let (code, body) = exporter.get("/metrics", read_timeout + Duration::from_secs(3));
    let took = asked.elapsed();
    eprintln!("the scrape over a silent connection took {took:?}");
    assert_eq!(code, 200, "{body}");
    let m = parse_prometheus(&body).unwrap_or_else(|e| panic!("{e}\n{body}"));
    assert_eq!(sample(&m, "absurd_up", &[]), 0.0, "{body}");
    assert!(body.contains("--read-timeout 2s"), "{body}");
    assert!(proxy.silenced() >= 1);
    // New connections go through: the next read connects afresh.
    std::thread::sleep(Duration::from_millis(150));
    assert_eq!(sample(&exporter.scrape(), "absurd_up", &[]), 1.0);
}

#[tokio::test]
async fn a_stopped_database_is_absurd_up_0_then_1_again() {
    let cluster = PgCluster::start();
    let db = TestDb::empty_on(&cluster.url).await;
    db.cli(&["migrate"]).assert_success();
    db.seed([factory::task()]);
    let connect_timeout = Duration::from_secs(2);
    let exporter = Exporter::start(
        &db.url,
        &[
            "--allow-empty",
            "--min-interval",
            "100ms",
            "--connect-timeout",
            "2s",
        ],
    );
    let m = exporter.scrape();
    assert_eq!(sample(&m, "absurd_up", &[]), 1.0);

    // Down for 4 s: every scrape meanwhile answers, within the connect
    // timeout, that the queue cannot be read.
    let mut down_seen = None;
    std::thread::scope(|s| {
        let restarted = s.spawn(|| cluster.restart_after(Duration::from_secs(4)));
        while !restarted.is_finished() {
            std::thread::sleep(Duration::from_millis(150));
            let asked = Instant::now();
            let (code, body) = exporter.get("/metrics", connect_timeout + Duration::from_secs(1));
            let took = asked.elapsed();
            assert_eq!(code, 200, "{body}");
            let m = parse_prometheus(&body).unwrap_or_else(|e| panic!("{e}\n{body}"));
            if sample(&m, "absurd_up", &[]) == 0.0 && down_seen.is_none() {
                let errors = &m.families["absurd_exporter_error"];
                let error = errors.iter_samples().next().unwrap();
                let labels = error.get_labelset().unwrap();
                let error = labels.get_label_value("error").unwrap_or_default();
                assert!(!error.is_empty(), "{body}");
                assert!(body.contains(&format!("# absurd_up 0: {error}")), "{body}");
                assert!(!body.contains("absurd_health{"), "{body}");
                down_seen = Some(took);
            }
        }
        restarted.join().unwrap();
    });
    let took = down_seen.expect("absurd_up 0 while the database was down");
    eprintln!("the scrape that said absurd_up 0 took {took:?}");

    // Back: the next snapshot reconnects.
    let started = Instant::now();
    loop {
        let m = exporter.scrape();
        if sample(&m, "absurd_up", &[]) == 1.0 {
            assert!(sample(&m, "absurd_exporter_snapshot_failures_total", &[]) >= 1.0);
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "absurd_up stayed 0 after the restart"
        );
        std::thread::sleep(Duration::from_millis(150));
    }
}

#[tokio::test]
async fn once_prints_one_scrape() {
    let db = TestDb::migrated().await;
    db.seed([factory::task()]);
    let out = db.cli(&["exporter", "--once"]);
    out.assert_success();
    let m = parse_prometheus(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{out}"));
    assert_eq!(sample(&m, "absurd_up", &[]), 1.0);
    assert_eq!(
        sample(
            &m,
            "absurd_tasks",
            &[
                ("queue", Q),
                ("task_name", "imaging"),
                ("status", "pending")
            ]
        ),
        1.0
    );

    let out = absurdctl(&[
        "--database-url",
        "postgres://nobody:pw@127.0.0.1:1/x",
        "--connect-timeout",
        "2s",
        "exporter",
        "--once",
    ]);
    out.assert_code(3);
    let m = parse_prometheus(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{out}"));
    assert_eq!(sample(&m, "absurd_up", &[]), 0.0);
    assert!(
        !out.stdout.contains("pw@") && !out.stderr.contains(":pw"),
        "{out}"
    );
}
