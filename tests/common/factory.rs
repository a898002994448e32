//! The one way tests seed tasks, as River's `testfactory`: `task()` is a
//! pending `imaging` task of `dsa110-pipeline`, and a test says only what
//! differs (`task().status("failed").attempt(3).error("boom")`).
//!
//! Only the columns a test sets are written, the others keep the table's
//! defaults, so the same builder seeds a legacy shape (no `heartbeat_at`, no
//! `available_at`) and the current one. Times are offsets from the database's
//! `now()`, and one `seed` call is one INSERT, so all its rows share that
//! `now()` as rows written by one statement of a worker do.

use std::time::Duration;

use uuid::Uuid;

/// One task to insert into `absurd.tasks`.
#[derive(Debug, Clone)]
pub struct TaskSeed {
    /// (column, SQL value), in the order first set.
    columns: Vec<(&'static str, String)>,
}

/// A pending `imaging` task of the queue `dsa110-pipeline`.
pub fn task() -> TaskSeed {
    TaskSeed {
        columns: vec![
            ("queue_name", text("dsa110-pipeline")),
            ("task_name", text("imaging")),
        ],
    }
}

/// A moment relative to the database's `now()`.
#[derive(Debug, Clone, Copy)]
pub struct At(f64);

/// `now()`.
pub const NOW: At = At(0.0);

/// `d` before `now()`.
pub fn ago(d: Duration) -> At {
    At(-d.as_secs_f64())
}

/// `d` after `now()`.
pub fn from_now(d: Duration) -> At {
    At(d.as_secs_f64())
}

pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

pub fn mins(n: u64) -> Duration {
    Duration::from_secs(n * 60)
}

pub fn hours(n: u64) -> Duration {
    Duration::from_secs(n * 3600)
}

pub fn days(n: u64) -> Duration {
    Duration::from_secs(n * 86_400)
}

impl At {
    /// `secs` seconds later than this moment (earlier when negative).
    pub fn plus(self, secs: f64) -> At {
        At(self.0 + secs)
    }

    fn sql(self) -> String {
        if self.0 == 0.0 {
            "now()".to_string()
        } else {
            format!("now() + make_interval(secs => {:?})", self.0)
        }
    }
}

/// A string as an SQL literal (standard_conforming_strings is on).
fn text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

impl TaskSeed {
    fn set(mut self, column: &'static str, value: String) -> TaskSeed {
        match self.columns.iter_mut().find(|(c, _)| *c == column) {
            Some(slot) => slot.1 = value,
            None => self.columns.push((column, value)),
        }
        self
    }

    pub fn id(self, id: impl std::fmt::Display) -> TaskSeed {
        self.set("task_id", format!("{}::uuid", text(&id.to_string())))
    }

    pub fn queue(self, queue: &str) -> TaskSeed {
        self.set("queue_name", text(queue))
    }

    pub fn name(self, task_name: &str) -> TaskSeed {
        self.set("task_name", text(task_name))
    }

    pub fn status(self, status: &str) -> TaskSeed {
        self.set("status", text(status))
    }

    pub fn params(self, params: serde_json::Value) -> TaskSeed {
        self.set("params", format!("{}::jsonb", text(&params.to_string())))
    }

    pub fn result(self, result: serde_json::Value) -> TaskSeed {
        self.set("result", format!("{}::jsonb", text(&result.to_string())))
    }

    pub fn priority(self, priority: i32) -> TaskSeed {
        self.set("priority", priority.to_string())
    }

    pub fn timeout_sec(self, timeout_sec: i32) -> TaskSeed {
        self.set("timeout_sec", timeout_sec.to_string())
    }

    pub fn attempt(self, attempt: i32) -> TaskSeed {
        self.set("attempt", attempt.to_string())
    }

    pub fn max_retries(self, max_retries: i32) -> TaskSeed {
        self.set("max_retries", max_retries.to_string())
    }

    pub fn worker(self, worker_id: &str) -> TaskSeed {
        self.set("worker_id", text(worker_id))
    }

    pub fn error(self, error: &str) -> TaskSeed {
        self.set("error", text(error))
    }

    pub fn depends_on(self, ids: &[impl std::fmt::Display]) -> TaskSeed {
        let ids: Vec<String> = ids.iter().map(|i| text(&i.to_string())).collect();
        self.set("depends_on", format!("ARRAY[{}]::uuid[]", ids.join(", ")))
    }

    pub fn created(self, at: At) -> TaskSeed {
        self.set("created_at", at.sql())
    }

    pub fn claimed(self, at: At) -> TaskSeed {
        self.set("claimed_at", at.sql())
    }

    pub fn heartbeat(self, at: At) -> TaskSeed {
        self.set("heartbeat_at", at.sql())
    }

    pub fn completed(self, at: At) -> TaskSeed {
        self.set("completed_at", at.sql())
    }

    pub fn available(self, at: At) -> TaskSeed {
        self.set("available_at", at.sql())
    }

    pub fn wait_time_sec(self, secs: f64) -> TaskSeed {
        self.set("wait_time_sec", format!("{secs:?}"))
    }

    pub fn execution_time_sec(self, secs: f64) -> TaskSeed {
        self.set("execution_time_sec", format!("{secs:?}"))
    }

    /// A value the database computes (a payload too large to send, say);
    /// in `seed_series` it may use the row's number `i`.
    pub fn computed(self, column: &'static str, sql: &str) -> TaskSeed {
        self.set(column, sql.to_string())
    }
}

/// One INSERT of `rows` returning their ids in order: a column some rows
/// leave unset takes its default in those rows.
pub fn insert_sql(rows: &[TaskSeed]) -> String {
    assert!(!rows.is_empty(), "nothing to seed");
    let mut columns: Vec<&'static str> = Vec::new();
    for (c, _) in rows.iter().flat_map(|r| &r.columns) {
        if !columns.contains(c) {
            columns.push(c);
        }
    }
    let values: Vec<String> = rows
        .iter()
        .map(|r| {
            let row: Vec<&str> = columns
                .iter()
                .map(|c| {
                    r.columns
                        .iter()
                        .find(|(col, _)| col == c)
                        .map_or("DEFAULT", |(_, v)| v.as_str())
                })
                .collect();
            format!("({})", row.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO absurd.tasks ({}) VALUES {} RETURNING task_id",
        columns.join(", "),
        values.join(",\n")
    )
}

/// Inserts `rows` into the database at `url` in one statement: their ids, in order.
pub fn seed_url(url: &str, rows: impl IntoIterator<Item = TaskSeed>) -> Vec<Uuid> {
    let rows: Vec<TaskSeed> = rows.into_iter().collect();
    super::psql_stdin(url, &insert_sql(&rows))
        .lines()
        .map(|l| l.parse().expect("a task id"))
        .collect()
}

/// Inserts `n` rows like `row`, numbered `i` from 1 by the database (for
/// histories of a million rows, which would not fit in one statement's text).
pub fn seed_series_url(url: &str, n: usize, row: &TaskSeed) {
    let (columns, values): (Vec<&str>, Vec<&str>) =
        row.columns.iter().map(|(c, v)| (*c, v.as_str())).unzip();
    super::psql_stdin(
        url,
        &format!(
            "INSERT INTO absurd.tasks ({}) SELECT {} FROM generate_series(1, {n}) i",
            columns.join(", "),
            values.join(", ")
        ),
    );
}
