//! The supervisor's way out: a drain (claim nothing more, wait the grace
//! for running handlers), the end of the grace, and when the worker exits.

use std::time::Duration;

use serde_json::json;
use tokio::time::Instant;

use super::super::handler::StopReason;
use super::super::log::Level;
use super::{Supervisor, EVICTED, STOP_REQUEST};
use crate::output::fmt_secs;

impl Supervisor {
    pub(super) fn should_exit(&mut self) -> bool {
        if !self.runs.is_empty() {
            return false;
        }
        let reason = if self.evicted {
            // Whatever is left unstored belongs to the id's new holder.
            self.summary.stopped_by = EVICTED.to_string();
            return true;
        } else if let Some(signal) = self.signal {
            signal
        } else if self
            .cfg
            .max_tasks
            .is_some_and(|m| self.summary.claimed >= m)
        {
            "max-tasks"
        } else if self.cfg.exit_when_empty && self.queue_empty && !self.more_work {
            "exit-when-empty"
        } else {
            return false;
        };
        let unstored = !self.outbox.is_empty();
        if unstored {
            // Results outlive the handlers: give the database a while more.
            let wait = self.cfg.grace.max(Duration::from_secs(10));
            let give_up = *self.give_up_at.get_or_insert_with(|| Instant::now() + wait);
            if Instant::now() < give_up {
                return false;
            }
        }
        self.summary.stopped_by = reason.to_string();
        true
    }

    pub(super) async fn begin_drain(&mut self, signal: &'static str) {
        self.signal = Some(signal);
        self.drain_deadline = Some(Instant::now() + self.cfg.grace);
        self.alarm = None;
        self.notify("STOPPING=1");
        self.log.worker(
            Level::Info,
            "draining",
            &format!(
                "{signal}: claiming nothing more; waiting up to {} for {} running task(s) ({})",
                fmt_secs(self.cfg.grace.as_secs_f64()),
                self.runs.len(),
                if signal == STOP_REQUEST {
                    "`absurdctl workers stop --now` stops them, two signals kill them"
                } else {
                    "a second signal kills them"
                }
            ),
            json!({ "signal": signal, "running": self.runs.len() }),
        );
        if self.health.ready() {
            // A stop request read here is the one being acted on, or is
            // read again at the next heartbeat.
            let _ = self.touch_registry().await;
        }
    }

    /// The grace is over: stop every handler; their tasks go back.
    pub(super) fn stop_all(&mut self) {
        self.stopping_all = true;
        let mut stopped = 0;
        for run in self.runs.values_mut() {
            if let Some(stop) = run.stop.take() {
                let _ = stop.send(StopReason::Shutdown);
                stopped += 1;
            }
        }
        if stopped > 0 {
            self.log.worker(
                Level::Warn,
                "grace_over",
                &format!(
                    "grace over: stopping {stopped} handler(s); their tasks go back to the queue"
                ),
                json!({ "stopping": stopped }),
            );
        }
    }
}
