//! A persistent handler's answers: each line of its standard output is the
//! answer for one task it holds, or a reason to stop it.

use std::collections::VecDeque;

use serde_json::{json, Value};

use super::super::handler::{Outcome, Reply, Tail};
use super::super::log::Level;
use super::pipes::Line;
use super::slot::{Held, SlotRunner};

/// Most bytes of a line that is not a reply quoted in the log and error.
const QUOTED: usize = 200;

impl SlotRunner {
    /// A line of the handler's standard output: the answer for one of its
    /// tasks, reported. Some(why) when the line is no answer at all: the
    /// handler is to be stopped.
    pub(super) fn on_line(
        &self,
        line: Line,
        held: &mut VecDeque<Held>,
        answered: &mut u64,
    ) -> Option<String> {
        let text = match line {
            Line::Text(text) => text,
            Line::TooLong => {
                return Some(format!(
                    "the handler wrote a line longer than --max-output ({} bytes) on stdout",
                    self.cfg.max_output
                ))
            }
        };
        let parsed: Option<serde_json::Map<String, Value>> = serde_json::from_slice(&text).ok();
        let id = parsed.as_ref().and_then(|m| match m.get("id") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        });
        let (Some(mut reply), Some(id)) = (parsed, id) else {
            if text.trim_ascii().is_empty() {
                return None;
            }
            let quoted = quote(&text);
            self.log.worker(
                Level::Warn,
                "malformed_line",
                &format!(
                    "persistent handler {} wrote a line that is not a JSON object with an id \
                     (stdout is for answers only; log on stderr): {quoted}; stopping it",
                    self.index
                ),
                json!({ "slot": self.index, "line": quoted }),
            );
            return Some(format!(
                "the handler wrote a line on stdout that is not a JSON object with an id: {quoted}"
            ));
        };
        let Some(at) = held.iter().position(|h| h.id == id) else {
            self.log.worker(
                Level::Warn,
                "unknown_reply",
                &format!(
                    "persistent handler {} answered for id {id}, which it does not hold \
                     (answered already, stopped, or never given): ignored",
                    self.index
                ),
                json!({ "slot": self.index, "id": id }),
            );
            return None;
        };
        if held[at].stopped.is_some() {
            // Being stopped (timeout, loss, shutdown): the stop wins.
            return None;
        }
        let h = held.remove(at).expect("a held task");
        *answered += 1;
        let result = reply.remove("result");
        let error = reply.remove("error");
        let reply = match (result, error) {
            (Some(result), None) => {
                let mut tail = Tail::new(self.cfg.max_output);
                tail.push(&serde_json::to_vec(&result).unwrap_or_default());
                Reply::Result(tail)
            }
            (None, Some(error)) => Reply::Error(crate::error::redact(
                &match error {
                    Value::String(s) => s,
                    other => other.to_string(),
                }
                .replace('\0', "\u{FFFD}"),
            )),
            _ => Reply::Error(format!(
                "the handler's answer has not exactly one of result and error: {}",
                quote(&text)
            )),
        };
        self.report(h.run_id, h.given, Outcome::replied(reply));
        None
    }
}

/// The start of a line, for the log and an error (redacted there).
fn quote(text: &[u8]) -> String {
    let text = String::from_utf8_lossy(text);
    let text = text.trim();
    match text.char_indices().nth(QUOTED) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}
