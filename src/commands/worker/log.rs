//! The worker's log: one line per task or worker event on stderr, for
//! people (`human`) or for log shippers (`json`).

use std::io::Write;
use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::cli::LogFormat;
use crate::queue::Task;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// Writes log lines; cheap to clone.
#[derive(Clone)]
pub struct Logger(Arc<Inner>);

struct Inner {
    format: LogFormat,
    /// -q: warnings and errors only.
    quiet: bool,
    worker_id: String,
    queue: String,
}

impl Logger {
    pub fn new(format: LogFormat, quiet: bool, worker_id: &str, queue: &str) -> Logger {
        Logger(Arc::new(Inner {
            format,
            quiet,
            worker_id: worker_id.to_string(),
            queue: queue.to_string(),
        }))
    }

    /// A worker event: `fields` (a JSON object) go into the JSON line only.
    pub fn worker(&self, level: Level, event: &str, message: &str, fields: Value) {
        self.write(level, event, None, message, fields);
    }

    /// A task event.
    pub fn task(&self, level: Level, event: &str, task: &Task, message: &str, fields: Value) {
        self.write(level, event, Some(task), message, fields);
    }

    fn write(&self, level: Level, event: &str, task: Option<&Task>, message: &str, fields: Value) {
        if self.0.quiet && level == Level::Info {
            return;
        }
        let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ");
        let line = match self.0.format {
            LogFormat::Human => {
                let level = match level {
                    Level::Info => "INFO ",
                    Level::Warn => "WARN ",
                    Level::Error => "ERROR",
                };
                // One event, one line: a newline in a task name or a
                // handler's stderr must not forge another event's line.
                let message = escape_controls(message);
                match task {
                    Some(t) => format!(
                        "{now} {level} task {} {} [{}/{}]: {message}",
                        t.task_id,
                        escape_controls(&t.task_name),
                        t.attempt,
                        t.max_retries
                    ),
                    None => format!(
                        "{now} {level} worker {}: {message}",
                        escape_controls(&self.0.worker_id)
                    ),
                }
            }
            LogFormat::Json => {
                let mut obj = Map::new();
                obj.insert("ts".into(), json!(now.to_string()));
                obj.insert("level".into(), json!(level.as_str()));
                obj.insert("event".into(), json!(event));
                obj.insert("worker_id".into(), json!(self.0.worker_id));
                obj.insert("queue_name".into(), json!(self.0.queue));
                if let Some(t) = task {
                    obj.insert("task_id".into(), json!(t.task_id));
                    obj.insert("task_name".into(), json!(t.task_name));
                    obj.insert("attempt".into(), json!(t.attempt));
                    obj.insert("max_retries".into(), json!(t.max_retries));
                }
                if let Value::Object(extra) = fields {
                    obj.extend(extra);
                }
                obj.insert("message".into(), json!(message));
                Value::Object(obj).to_string()
            }
        };
        // The whole line: fields carry handlers' stderr, which may show the
        // connection string they inherited.
        let line = crate::error::redact(&line);
        // A closed stderr must not take the worker (and its handlers) down.
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }
}

/// `s` with control characters (newline, carriage return, escape...)
/// written as escapes (`\n`, `\u{1b}`), and backslashes doubled so that
/// an escape cannot be forged either.
fn escape_controls(s: &str) -> String {
    if !s.chars().any(|c| c.is_control() || c == '\\') {
        return s.to_string();
    }
    s.chars()
        .map(|c| match c {
            '\\' => "\\\\".to_string(),
            c if c.is_control() => c.escape_default().to_string(),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::escape_controls;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_controls("plain name"), "plain name");
        assert_eq!(
            escape_controls("a\nb\r\u{1b}[31mc\\n"),
            "a\\nb\\r\\u{1b}[31mc\\\\n"
        );
    }
}
