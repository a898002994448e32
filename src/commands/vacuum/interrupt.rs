//! Interruption helpers of the vacuum jobs: a pause Ctrl-C cuts short, and
//! a maintenance statement Ctrl-C cancels on the server.

use std::time::{Duration, Instant};

use sqlx::PgPool;

use crate::interact::Interrupt;
use crate::queue::maintenance;

/// Sleeps for `pause`, cut short by the deadline or an interruption.
pub(super) async fn pause_unless_interrupted(
    pause: Duration,
    deadline: Option<Instant>,
    interrupt: &Interrupt,
) {
    let mut until = Instant::now() + pause;
    if let Some(d) = deadline {
        until = until.min(d);
    }
    while !interrupt.is_set() {
        let now = Instant::now();
        if now >= until {
            return;
        }
        tokio::time::sleep((until - now).min(Duration::from_millis(100))).await;
    }
}

/// Runs a maintenance statement on the connection of server process `pid`,
/// cancelling it when the operator interrupts. Ok(false) when cancelled.
pub(super) async fn cancellable<F>(
    pool: &PgPool,
    pid: i32,
    interrupt: &Interrupt,
    statement: F,
) -> anyhow::Result<bool>
where
    F: std::future::Future<Output = crate::queue::Result<()>>,
{
    tokio::pin!(statement);
    let mut cancelled = false;
    loop {
        tokio::select! {
            done = &mut statement => {
                return match done {
                    Ok(()) => Ok(true),
                    Err(_) if cancelled => Ok(false),
                    Err(e) => Err(e.into()),
                };
            }
            _ = tokio::time::sleep(Duration::from_millis(200)), if !cancelled => {
                if interrupt.is_set() {
                    maintenance::cancel_backend(pool, pid).await?;
                    cancelled = true;
                }
            }
        }
    }
}
