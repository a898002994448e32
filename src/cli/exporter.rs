//! `exporter`: the long-running Prometheus exporter.

use clap::Args;

use super::checks::Judging;
use super::parse::parse_positive_duration;

/// Options of `exporter`.
#[derive(Debug, Args)]
pub struct ExporterArgs {
    /// Address and port to serve /metrics and /healthz on
    #[arg(long, default_value = "127.0.0.1:9187", value_name = "ADDR:PORT")]
    pub listen: std::net::SocketAddr,

    /// Read the queue statistics at most this often, however often
    /// Prometheus scrapes: scrapes in between (and concurrent ones) are
    /// served the same snapshot
    #[arg(long, default_value = "10s", value_parser = parse_positive_duration, value_name = "DURATION")]
    pub min_interval: std::time::Duration,

    /// Give up a read of the queue statistics after this long (a database
    /// gone silent): /metrics then answers absurd_up 0. Keep it under
    /// Prometheus's scrape_timeout (10s by default)
    #[arg(long, default_value = "8s", value_parser = parse_positive_duration, value_name = "DURATION")]
    pub read_timeout: std::time::Duration,

    /// Every queue that has tasks, a pause record or live workers, not only --queue
    #[arg(long)]
    pub all_queues: bool,

    /// Print one scrape to stdout and exit (0 when the queue was read, 3
    /// when not), without listening
    #[arg(long)]
    pub once: bool,

    /// A queue with no task, worker or pause record ever is healthy (a new
    /// queue), not UNKNOWN (a misspelled --queue)
    #[arg(long)]
    pub allow_empty: bool,

    #[command(flatten)]
    pub judging: Judging,
}
