//! What a handler's ending becomes in the task row: its result as a JSON
//! object, its error text, both free of NULs and passwords, and an ASCII
//! form for a database whose encoding refuses the original. Pure functions.

use serde_json::{json, Value};

use super::handler::Tail;

/// The key under which a result that is not a JSON object is stored: the
/// pipeline's API reads only objects (or no result).
pub const RESULT_KEY: &str = "output";

/// The result of a successful run, always a JSON object (or none when
/// standard output is empty): a JSON object printed is stored as it is;
/// any other JSON (array, number, string...) or text (its tail when cut)
/// under [`RESULT_KEY`]. PostgreSQL refuses NUL in text and jsonb, so NULs
/// become U+FFFD; passwords the worker knows become `***`.
pub(super) fn result_of(stdout: &Tail) -> Option<Value> {
    let mut value = None;
    if stdout.is_whole() {
        let bytes = stdout.bytes();
        if bytes.trim_ascii().is_empty() {
            return None;
        }
        value = serde_json::from_slice::<Value>(bytes).ok();
    }
    let mut value = value.unwrap_or_else(|| Value::String(stdout.text()));
    scrub(&mut value);
    Some(match value {
        Value::Object(_) => value,
        other => json!({ RESULT_KEY: other }),
    })
}

/// Bytes of `value` as compact JSON text, counted without building it.
pub(super) fn json_size(value: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

/// Every string and key of a result: NUL replaced, passwords redacted.
fn scrub(value: &mut Value) {
    let clean = |s: &str| crate::error::redact(&s.replace('\0', "\u{FFFD}"));
    match value {
        Value::String(s) => *s = clean(s),
        Value::Array(items) => items.iter_mut().for_each(scrub),
        Value::Object(map) => {
            *map = std::mem::take(map)
                .into_iter()
                .map(|(k, mut v)| {
                    scrub(&mut v);
                    (clean(&k), v)
                })
                .collect();
        }
        _ => {}
    }
}

/// The task's error: what happened and the last line of standard error
/// (where a traceback says what went wrong) on the first line, for lists
/// and grouping; then the tail of standard error.
pub(super) fn error_text(what: &str, stderr: &Tail) -> String {
    let tail = stderr.text();
    let text = match tail.lines().map(str::trim).rfind(|l| !l.is_empty()) {
        Some(last) => format!("{what}: {last}\n{tail}"),
        None => format!("{what} (nothing on stderr)"),
    };
    // Stored where every reader of the queue sees it: no password in it.
    crate::error::redact(&text.replace('\0', "\u{FFFD}"))
}

/// `text` with every character outside printable ASCII written as an
/// escape: what any database encoding can hold.
pub(super) fn ascii_only(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c == '\n' || (' '..='~').contains(&c) {
                c.to_string()
            } else {
                c.escape_unicode().to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tail(bytes: &[u8]) -> Tail {
        let mut t = Tail::new(1024);
        t.push(bytes);
        t
    }

    #[test]
    fn results_are_json_objects_or_null() {
        assert_eq!(result_of(&tail(b"{\"a\": 1}\n")), Some(json!({"a": 1})));
        assert_eq!(result_of(&tail(b"done\n")), Some(json!({"output": "done"})));
        assert_eq!(result_of(&tail(b"null")), Some(json!({"output": null})));
        assert_eq!(result_of(&tail(b"[1, 2]")), Some(json!({"output": [1, 2]})));
        assert_eq!(result_of(&tail(b" \n")), None);
        assert_eq!(
            result_of(&tail(b"{\"k\\u0000\": \"v\\u0000\"}")),
            Some(json!({"k\u{FFFD}": "v\u{FFFD}"}))
        );
    }

    #[test]
    fn sizes_are_those_of_the_compact_text() {
        let v = json!({"a": [1, "x"], "b": null});
        assert_eq!(json_size(&v), v.to_string().len());
    }

    #[test]
    fn errors_lead_with_the_last_stderr_line() {
        assert_eq!(
            error_text("exit 1", &tail(b"Traceback\n  ValueError: bad\n\n")),
            "exit 1: ValueError: bad\nTraceback\n  ValueError: bad"
        );
        assert_eq!(
            error_text("exit 2", &tail(b"")),
            "exit 2 (nothing on stderr)"
        );
        assert_eq!(error_text("x", &tail(b"a\0b")), "x: a\u{FFFD}b\na\u{FFFD}b");
    }

    #[test]
    fn ascii_only_escapes_what_an_encoding_may_refuse() {
        assert_eq!(ascii_only("ok\nline"), "ok\nline");
        assert_eq!(ascii_only("caf\u{e9}\t"), "caf\\u{e9}\\u{9}");
    }
}
