//! Database backoff of the worker: whether the database answers, when to
//! try again when it does not (100 ms doubling to 5 s), and an outage
//! logged once rather than once per retry.

use std::future::Future;
use std::time::Duration;

use serde_json::json;
use tokio::time::Instant;

use super::log::{Level, Logger};
use crate::output::fmt_secs;

const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// How often the log says again that the database is still away.
const STILL_DOWN_EVERY: Duration = Duration::from_secs(60);

/// Whether the database answers, and when to try again when it does not.
/// A failed call is logged once per outage, not once per retry.
pub(super) struct DbHealth {
    up: bool,
    restored: bool,
    pub(super) retry_at: Instant,
    backoff: Duration,
    op_timeout: Duration,
    /// Host, port and database, for the log.
    target: String,
    /// When the outage began, and when the log last said so.
    down_since: Instant,
    said_at: Instant,
    log: Logger,
}

impl DbHealth {
    pub(super) fn new(op_timeout: Duration, target: String, log: Logger) -> DbHealth {
        let now = Instant::now();
        DbHealth {
            up: true,
            restored: false,
            retry_at: now,
            backoff: BACKOFF_MIN,
            op_timeout,
            target,
            down_since: now,
            said_at: now,
            log,
        }
    }

    /// Whether a call may be made now.
    pub(super) fn ready(&self) -> bool {
        self.up || Instant::now() >= self.retry_at
    }

    /// True once after the database came back.
    pub(super) fn take_restored(&mut self) -> bool {
        std::mem::take(&mut self.restored)
    }

    /// Like `run`, but a statement the database refused for what it
    /// carries (SQLSTATE class 22, data exception: a character the
    /// database's encoding cannot hold; class 54, a program limit: a value
    /// too large for jsonb) is no outage: its message comes back, since
    /// sending it again would be refused again, for ever.
    pub(super) async fn run_refusable<T>(
        &mut self,
        what: &str,
        call: impl Future<Output = crate::queue::Result<T>>,
    ) -> Option<Result<T, String>> {
        self.run(what, async {
            match call.await {
                Err(crate::queue::QueueError::Db(e)) if refused_for_content(&e) => {
                    Ok(Err(e.to_string()))
                }
                other => other.map(Ok),
            }
        })
        .await
    }

    pub(super) async fn run<T>(
        &mut self,
        what: &str,
        call: impl Future<Output = crate::queue::Result<T>>,
    ) -> Option<T> {
        let failure = match tokio::time::timeout(self.op_timeout, call).await {
            Ok(Ok(value)) => {
                if !self.up {
                    self.up = true;
                    self.restored = true;
                    let down = self.down_since.elapsed().as_secs_f64();
                    self.log.worker(
                        Level::Info,
                        "db_restored",
                        &format!(
                            "the database at {} answers again (after {})",
                            self.target,
                            fmt_secs(down)
                        ),
                        json!({ "database": self.target, "down_sec": down }),
                    );
                }
                self.backoff = BACKOFF_MIN;
                return Some(value);
            }
            // The pool's own words ("pool timed out while waiting for an
            // open connection") say neither where nor why.
            Ok(Err(crate::queue::QueueError::Db(sqlx::Error::PoolTimedOut))) => {
                "no connection could be opened (the server is down or unreachable)".to_string()
            }
            Ok(Err(e)) => e.to_string(),
            Err(_) => format!(
                "no answer within {}",
                fmt_secs(self.op_timeout.as_secs_f64())
            ),
        };
        let now = Instant::now();
        if self.up {
            self.down_since = now;
            self.said_at = now;
            self.log.worker(
                Level::Error,
                "db_error",
                &format!(
                    "database at {} failed while {what}: {failure}; retrying with backoff, \
                     running handlers carry on",
                    self.target
                ),
                json!({ "database": self.target, "error": failure }),
            );
        } else if now.duration_since(self.said_at) >= STILL_DOWN_EVERY {
            self.said_at = now;
            let down = now.duration_since(self.down_since).as_secs_f64();
            self.log.worker(
                Level::Error,
                "db_error",
                &format!(
                    "database at {} still unreachable after {} ({failure}); still retrying",
                    self.target,
                    fmt_secs(down)
                ),
                json!({ "database": self.target, "error": failure, "down_sec": down }),
            );
        }
        self.up = false;
        self.retry_at = Instant::now() + self.backoff;
        self.backoff = (self.backoff * 2).min(BACKOFF_MAX);
        None
    }
}

fn refused_for_content(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|c| c.starts_with("22") || c.starts_with("54"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::LogFormat;

    fn health() -> DbHealth {
        let log = Logger::new(LogFormat::Json, true, "w", "q");
        DbHealth::new(Duration::from_secs(5), "db".into(), log)
    }

    fn down() -> crate::queue::Result<i32> {
        Err(crate::queue::QueueError::Db(sqlx::Error::PoolTimedOut))
    }

    #[tokio::test]
    async fn backoff_doubles_to_its_cap_and_resets_when_the_database_answers() {
        let mut h = health();
        assert!(h.ready());
        let mut seen = Vec::new();
        for _ in 0..8 {
            assert_eq!(h.run("testing", async { down() }).await, None);
            seen.push(h.backoff);
        }
        assert!(!h.ready());
        assert_eq!(seen[0], Duration::from_millis(200));
        assert_eq!(seen[1], Duration::from_millis(400));
        assert_eq!(*seen.last().unwrap(), BACKOFF_MAX);
        assert!(!h.take_restored());
        assert_eq!(h.run("testing", async { Ok(7) }).await, Some(7));
        assert!(h.ready());
        assert_eq!(h.backoff, BACKOFF_MIN);
        assert!(h.take_restored());
        assert!(!h.take_restored());
    }
}
