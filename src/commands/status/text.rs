//! The human view of `status`: a block per queue, then the reasons, then
//! task names and hosts. The figure lines are written in `figures`, the
//! tables in `tables`.

use comfy_table::Color;

use crate::checks::queue::pause_text;
use crate::checks::Level;
use crate::output::{fmt_ms, fmt_time, Output, Screen};

use super::report::Report;

mod figures;
mod tables;
#[cfg(test)]
mod tests;

use figures::figure_lines;
use tables::{tables, Fitted};

/// The human view, laid out for the terminal stdout is (none: a pipe gets
/// everything, unwrapped).
pub(super) fn render(out: &Output, r: &Report) -> String {
    render_on(out, r, out.screen())
}

/// The human view laid out for `screen`: the overall verdict first, then per
/// queue its verdict, its reasons and its figures, then the tables. On a
/// screen, figure lines wrap at their ` · ` separators (never in a word),
/// the task-name table drops its less important columns until it fits the
/// width, and the tables give up rows (saying how many) so that the verdict
/// and the reasons never scroll away.
pub(crate) fn render_on(out: &Output, r: &Report, screen: Option<Screen>) -> String {
    let width = screen.map(|s| s.width);
    let mut head: Vec<String> = vec![format!(
        "overall {} · {} queue{} · database round trip {} · read in {}",
        level(out, r.verdict),
        r.queues.len(),
        if r.queues.len() == 1 { "" } else { "s" },
        fmt_ms(r.round_trip_ms),
        fmt_ms(r.query_ms)
    )];
    if let Some(lag) = &r.replica {
        head.push(format!("read from a hot standby: {}", lag.summary()));
    }
    for c in r
        .checks
        .iter()
        .filter(|c| c.queue.is_none() && c.level > Level::Ok)
    {
        head.push(format!("{} {}", level(out, c.level), c.message));
    }
    if r.queues.is_empty() {
        head.push("no queues: no tasks, pause records or running workers".into());
    }
    // Per queue: the lines that always show, its figure lines (the less
    // telling of which give way on a short screen) and the tables.
    let mut blocks: Vec<Block> = Vec::new();
    for q in &r.queues {
        let mut top = vec![String::new()];
        top.push(format!(
            "{}  {}  (at {})",
            out.paint_text(&q.snapshot.queue, None),
            level(out, q.verdict),
            fmt_time(Some(r.generated_at))
        ));
        if q.snapshot.paused {
            top.push(out.paint_text(
                &format!(
                    "{}  (`absurdctl resume` to resume)",
                    pause_text(&q.snapshot)
                ),
                Some(Color::Yellow),
            ));
        }
        for c in r.checks.iter().filter(|c| {
            c.level > Level::Ok && c.queue.as_deref() == Some(q.snapshot.queue.as_str())
        }) {
            top.extend(wrap(
                &format!("  {} ", level(out, c.level)),
                &c.message,
                width,
            ));
        }
        let figures = figure_lines(q)
            .into_iter()
            .map(|(k, v)| (k, wrap(&format!("  {k:<13}"), &v, width)))
            .collect();
        blocks.push(Block {
            top,
            figures,
            tables: tables(out, q),
            hidden: Vec::new(),
        });
    }
    // A short screen keeps room for a few rows of each table: the figure
    // lines give way, least telling first, and say which went.
    if let Some(screen) = screen {
        let room = |blocks: &[Block]| {
            let used = head.len() + 1 + blocks.iter().map(Block::lines).sum::<usize>();
            let wanted: usize = blocks
                .iter()
                .flat_map(|b| &b.tables)
                .map(Fitted::least_lines)
                .sum();
            used + wanted <= screen.height
        };
        'shrink: while !room(&blocks) {
            for label in GIVE_WAY.iter().copied() {
                if let Some(b) = blocks
                    .iter_mut()
                    .rev()
                    .find(|b| b.figures.iter().any(|(k, _)| *k == label))
                {
                    b.figures.retain(|(k, _)| *k != label);
                    b.hidden.push(label);
                    continue 'shrink;
                }
            }
            break;
        }
    }
    // What the tables may use: the screen less every line that must show
    // (and one for the prompt or the cursor).
    let fixed = head.len() + blocks.iter().map(Block::lines).sum::<usize>() + 1;
    let mut budget = screen.map(|s| s.height.saturating_sub(fixed));
    let mut text = head.join("\n");
    text.push('\n');
    for b in blocks {
        for l in b.top.iter().chain(b.figures.iter().flat_map(|(_, l)| l)) {
            text.push_str(l);
            text.push('\n');
        }
        if !b.hidden.is_empty() {
            text.push_str(&format!("  {}\n", hidden_note(&b.hidden)));
        }
        for (i, t) in b.tables.iter().enumerate() {
            text.push('\n');
            // Room for this table, keeping the least the next ones need.
            let later: usize = b.tables[i + 1..].iter().map(Fitted::least_lines).sum();
            let shown = t.render(out, width, budget.map(|b| b.saturating_sub(1 + later)));
            if let Some(b) = budget.as_mut() {
                *b = b.saturating_sub(shown.lines().count() + 1);
            }
            text.push_str(&shown);
        }
    }
    text
}

/// The figure lines a short screen gives up, in that order.
const GIVE_WAY: [&str; 8] = [
    "capacity",
    "dead letters",
    "timings 1h",
    "inflow",
    "finished",
    "since last",
    "throughput",
    "oldest",
];

/// One queue's part of the view.
struct Block {
    top: Vec<String>,
    figures: Vec<(&'static str, Vec<String>)>,
    tables: Vec<Fitted>,
    /// Figure lines the screen had no room for.
    hidden: Vec<&'static str>,
}

impl Block {
    /// Lines it takes, tables aside.
    fn lines(&self) -> usize {
        self.top.len()
            + self.figures.iter().map(|(_, l)| l.len()).sum::<usize>()
            + usize::from(!self.hidden.is_empty())
    }
}

fn hidden_note(hidden: &[&str]) -> String {
    format!(
        "({} more line{}: a taller terminal, or -o json)",
        hidden.len(),
        if hidden.len() == 1 { "" } else { "s" }
    )
}

/// `value` after `lead`, wrapped to `width` at its ` · ` separators (then
/// at `, `), continuation lines indented under the value.
fn wrap(lead: &str, value: &str, width: Option<usize>) -> Vec<String> {
    let indent = visible_len(lead);
    let Some(width) = width.filter(|&w| indent + visible_len(value) > w && w > indent + 10) else {
        return vec![format!("{lead}{value}")];
    };
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let room = width - indent;
    for (i, part) in value.split(" · ").enumerate() {
        let sep = if i == 0 { "" } else { " · " };
        if !line.is_empty() && visible_len(&line) + sep.len() + visible_len(part) > room {
            lines.push(std::mem::take(&mut line));
            line.push_str(part);
        } else {
            line.push_str(if line.is_empty() { "" } else { sep });
            line.push_str(part);
        }
        // A part longer than the line: at its last comma that fits, else
        // between two words (never inside one).
        while visible_len(&line) > room {
            let last_fitting = |sep: char| {
                line.char_indices()
                    .filter(|&(i, c)| c == sep && i > 0 && visible_len(&line[..i]) < room)
                    .map(|(i, _)| i)
                    .next_back()
            };
            match last_fitting(',').or_else(|| last_fitting(' ')) {
                Some(at) => {
                    let rest = line[at + 1..].trim_start().to_string();
                    line.truncate(at + 1);
                    line.truncate(line.trim_end().len());
                    lines.push(std::mem::replace(&mut line, rest));
                }
                None => break,
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("{lead}{l}")
            } else {
                format!("{}{l}", " ".repeat(indent))
            }
        })
        .collect()
}

/// Characters a terminal shows (colour escapes take none).
fn visible_len(s: &str) -> usize {
    let mut n = 0;
    let mut escape = false;
    for c in s.chars() {
        match (escape, c) {
            (false, '\x1b') => escape = true,
            (true, 'm') => escape = false,
            (true, _) => {}
            (false, _) => n += 1,
        }
    }
    n
}

/// A verdict in its colour.
fn level(out: &Output, level: Level) -> String {
    out.level_text(level.as_str(), level)
}
