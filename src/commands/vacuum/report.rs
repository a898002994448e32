//! What a vacuum run did (or, with --dry-run, would do): filled in by each
//! job as it goes, so that a failure or an interruption still reports (and
//! audits) what was done.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::archive::ArchiveSummary;
use crate::cli::VacuumArgs;
use crate::queue::maintenance::{IndexBloat, TableSizes};
use crate::queue::retention::{Retention, StatusVolume};
use crate::queue::TaskStatus;

/// Why deleting stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Stopped {
    /// Nothing past retention is left (but rows skipped or depended on).
    Done,
    /// --max-duration ran out.
    MaxDuration,
    /// Ctrl-C or SIGTERM.
    Interrupted,
}

/// Which VACUUM ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum VacuumKind {
    Analyze,
    Full,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct RetentionReport {
    pub(super) completed_older_than: String,
    pub(super) cancelled_older_than: String,
    pub(super) failed_older_than: String,
    /// Failed tasks go only when claimed at least this many times.
    pub(super) failed_attempts_at_least: Option<i32>,
    pub(super) completed_before: DateTime<Utc>,
    pub(super) cancelled_before: DateTime<Utc>,
    pub(super) failed_before: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct IndexSize {
    pub(super) name: String,
    pub(super) bytes_before: i64,
    pub(super) bytes_after: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct Reindexed {
    pub(super) name: String,
    pub(super) estimated_bloat_pct: f64,
    pub(super) bytes_before: i64,
    pub(super) bytes_after: Option<i64>,
    pub(super) seconds: f64,
}

/// Its JSON is the command's `--output json` and the audit row's details.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Report {
    /// The queues cleaned, joined by ", " (one unless --all-queues).
    pub(super) queue: String,
    pub(super) queues: Vec<String>,
    pub(super) dry_run: bool,
    pub(super) retention: RetentionReport,
    /// Rows deleted per finished status (would be deleted, on a dry run).
    pub(super) by_status: Vec<StatusVolume>,
    pub(super) rows: i64,
    pub(super) bytes: i64,
    /// Past retention but kept because unfinished tasks depend on them.
    pub(super) kept_depended_on: i64,
    pub(super) batches: u64,
    pub(super) batch_size: i64,
    pub(super) duty_cycle: u8,
    pub(super) stopped: Stopped,
    pub(super) archive: Option<ArchiveSummary>,
    pub(super) vacuum: Option<VacuumKind>,
    /// Why VACUUM did not run, when it did not.
    pub(super) vacuum_skipped: Option<String>,
    /// Worker registrations and legacy pollers of the queue stopped or dead
    /// for longer than --completed-older-than, deleted (would be, on a dry
    /// run); null when deleting tasks did not finish.
    pub(super) workers_pruned: Option<crate::queue::roster::Pruned>,
    /// Indexes with their estimated bloat (only with --reindex).
    pub(super) index_bloat: Vec<IndexBloat>,
    pub(super) reindexed: Vec<Reindexed>,
    /// Invalid copies left by failed or cancelled rebuilds, dropped.
    pub(super) dropped_invalid_indexes: Vec<String>,
    pub(super) table_bytes_before: i64,
    pub(super) table_bytes_after: Option<i64>,
    pub(super) indexes: Vec<IndexSize>,
    pub(super) delete_seconds: f64,
    pub(super) rows_per_sec: f64,
    pub(super) vacuum_seconds: f64,
    pub(super) elapsed_seconds: f64,
}

impl Report {
    pub(super) fn new(
        queues: &[String],
        args: &VacuumArgs,
        r: &Retention,
        before: &TableSizes,
    ) -> Report {
        let human = crate::cli::format_duration;
        Report {
            queue: queues.join(", "),
            queues: queues.to_vec(),
            dry_run: args.dry_run,
            retention: RetentionReport {
                completed_older_than: human(args.completed_older_than),
                cancelled_older_than: human(args.cancelled_older_than),
                failed_older_than: human(args.failed_older_than),
                failed_attempts_at_least: args.attempts_at_least,
                completed_before: r.completed_before,
                cancelled_before: r.cancelled_before,
                failed_before: r.failed_before,
            },
            by_status: StatusVolume::none(),
            rows: 0,
            bytes: 0,
            kept_depended_on: 0,
            batches: 0,
            batch_size: args.batch_size,
            duty_cycle: args.duty_cycle,
            stopped: Stopped::Done,
            archive: None,
            vacuum: None,
            vacuum_skipped: None,
            workers_pruned: None,
            index_bloat: Vec::new(),
            reindexed: Vec::new(),
            dropped_invalid_indexes: Vec::new(),
            table_bytes_before: before.table_bytes,
            table_bytes_after: None,
            indexes: before
                .indexes
                .iter()
                .map(|i| IndexSize {
                    name: i.name.clone(),
                    bytes_before: i.bytes,
                    bytes_after: None,
                })
                .collect(),
            delete_seconds: 0.0,
            rows_per_sec: 0.0,
            vacuum_seconds: 0.0,
            elapsed_seconds: 0.0,
        }
    }

    /// Counts one deleted task.
    pub(super) fn count(&mut self, status: TaskStatus, bytes: i64) {
        tally(&mut self.by_status, status, bytes);
        self.rows += 1;
        self.bytes += bytes;
    }

    pub(super) fn set_sizes_after(&mut self, after: &TableSizes) {
        self.table_bytes_after = Some(after.table_bytes);
        for i in &mut self.indexes {
            i.bytes_after = after.index_bytes(&i.name);
        }
        for r in &mut self.reindexed {
            r.bytes_after = after.index_bytes(&r.name);
        }
    }
}

/// Adds one row of `bytes` to its status's volume (statuses that are not
/// finished have none, and are not counted).
pub(super) fn tally(volumes: &mut [StatusVolume], status: TaskStatus, bytes: i64) {
    if let Some(v) = volumes.iter_mut().find(|v| v.status == status) {
        v.rows += 1;
        v.bytes += bytes;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::maintenance::RelationSize;

    fn report() -> Report {
        let now = Utc::now();
        // The defaults, as the command line gives them.
        #[derive(clap::Parser)]
        struct Cmd {
            #[command(flatten)]
            args: VacuumArgs,
        }
        let args = <Cmd as clap::Parser>::parse_from(["vacuum"]).args;
        let r = Retention {
            queue: "q".into(),
            completed_before: now,
            cancelled_before: now,
            failed_before: now,
            failed_attempts_at_least: 0,
        };
        let before = TableSizes {
            table_bytes: 8192,
            indexes: vec![RelationSize {
                name: "tasks_pkey".into(),
                bytes: 4096,
            }],
        };
        Report::new(&["q".to_string()], &args, &r, &before)
    }

    #[test]
    fn deleted_rows_count_per_status_and_in_total() {
        let mut rep = report();
        rep.count(TaskStatus::Completed, 100);
        rep.count(TaskStatus::Completed, 50);
        rep.count(TaskStatus::Failed, 7);
        let per: Vec<(TaskStatus, i64, i64)> = rep
            .by_status
            .iter()
            .map(|v| (v.status, v.rows, v.bytes))
            .collect();
        assert_eq!(
            per,
            vec![
                (TaskStatus::Completed, 2, 150),
                (TaskStatus::Failed, 1, 7),
                (TaskStatus::Cancelled, 0, 0),
            ]
        );
        assert_eq!((rep.rows, rep.bytes), (3, 157));
    }

    #[test]
    fn sizes_after_fill_known_indexes_only() {
        let mut rep = report();
        rep.reindexed.push(Reindexed {
            name: "gone_idx".into(),
            estimated_bloat_pct: 50.0,
            bytes_before: 10,
            bytes_after: None,
            seconds: 0.0,
        });
        rep.set_sizes_after(&TableSizes {
            table_bytes: 4096,
            indexes: vec![RelationSize {
                name: "tasks_pkey".into(),
                bytes: 2048,
            }],
        });
        assert_eq!(rep.table_bytes_after, Some(4096));
        assert_eq!(rep.indexes[0].bytes_after, Some(2048));
        assert_eq!(rep.reindexed[0].bytes_after, None);
    }
}
