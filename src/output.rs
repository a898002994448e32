//! Rendering: tables for people, JSON for scripts, chosen by `--output`.
//! Commands build data; this module decides how it looks.

use std::io::{self, IsTerminal, Write};

use chrono::{DateTime, Utc};
use comfy_table::{presets, Cell, Color, ColumnConstraint, ContentArrangement, Table};
use serde::Serialize;

use crate::checks::Level;
use crate::queue::replica::ReplicaLag;
use crate::queue::TaskStatus;
pub use crate::units::{fmt_bytes, fmt_count, fmt_ms, fmt_secs};

mod prometheus;
pub use prometheus::{prometheus_text, PromFamily, PromSample};

/// Columns of task ids (whole ids, copied into the next command): the
/// tables' key columns, which never wrap.
fn is_key_column(header: &str) -> bool {
    matches!(
        header,
        "task id" | "task" | "example task" | "running task" | "id"
    )
}

/// How a command prints: what `--output` chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Table,
    Json,
    Prometheus,
    Csv,
}

/// A terminal's size in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Screen {
    pub width: usize,
    pub height: usize,
}

/// How this run prints.
#[derive(Debug, Clone)]
pub struct Output {
    pub format: OutputFormat,
    pub color: bool,
    pub quiet: bool,
    pub verbose: u8,
    /// stdout is a terminal (progress bars and prompts only then).
    pub stdout_tty: bool,
    pub stderr_tty: bool,
    /// The lag of the hot standby this run reads from, if it reads from
    /// one: a `replica` field of every JSON object printed.
    pub replica: std::sync::Arc<std::sync::Mutex<Option<ReplicaLag>>>,
}

impl Output {
    /// `no_color` is `--no-color`; colour is also off when NO_COLOR is set
    /// or stdout is not a terminal.
    pub fn new(format: OutputFormat, no_color: bool, quiet: bool, verbose: u8) -> Self {
        let stdout_tty = std::io::stdout().is_terminal();
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Output {
            format,
            color: stdout_tty && !no_color && !no_color_env,
            quiet,
            verbose,
            stdout_tty,
            stderr_tty: std::io::stderr().is_terminal(),
            replica: Default::default(),
        }
    }

    /// The terminal's size (columns, rows) when stdout is one that reports
    /// it; None for a pipe or a bare pseudo-terminal that says 0x0.
    pub fn screen(&self) -> Option<Screen> {
        if !self.stdout_tty {
            return None;
        }
        match crossterm::terminal::size() {
            Ok((w, h)) if w >= 20 && h >= 5 => Some(Screen {
                width: w as usize,
                height: h as usize,
            }),
            _ => None,
        }
    }

    pub fn is_json(&self) -> bool {
        self.format == OutputFormat::Json
    }

    /// Records that this run reads from a hot standby, this far behind.
    pub fn set_replica(&self, lag: ReplicaLag) {
        if let Ok(mut r) = self.replica.lock() {
            *r = Some(lag);
        }
    }

    /// The lag of the hot standby this run reads from (None: a primary).
    pub fn replica(&self) -> Option<ReplicaLag> {
        self.replica.lock().ok().and_then(|r| r.clone())
    }

    /// Prints a value as pretty JSON on stdout. Read from a hot standby, an
    /// object gains a `replica` field (its lag) unless it has one; an array
    /// cannot, and the line on stderr says it.
    pub fn json<T: Serialize + ?Sized>(&self, value: &T) -> anyhow::Result<()> {
        #[derive(Serialize)]
        struct WithReplica<'a, T: ?Sized> {
            #[serde(flatten)]
            value: &'a T,
            replica: ReplicaLag,
        }
        let object_without =
            |v: &serde_json::Value| v.as_object().is_some_and(|o| !o.contains_key("replica"));
        let mut text = match self.replica() {
            Some(replica) if object_without(&serde_json::to_value(value)?) => {
                serde_json::to_string_pretty(&WithReplica { value, replica })?
            }
            _ => serde_json::to_string_pretty(value)?,
        };
        text.push('\n');
        Ok(write_stdout(&text)?)
    }

    /// A table with headers, in this project's style.
    pub fn table<I, S>(&self, headers: I) -> Table
    where
        I: IntoIterator<Item = S>,
        S: Into<Cell>,
    {
        let headers: Vec<Cell> = headers.into_iter().map(Into::into).collect();
        let keys: Vec<usize> = headers
            .iter()
            .enumerate()
            .filter(|(_, h)| is_key_column(&h.content()))
            .map(|(i, _)| i)
            .collect();
        let mut t = Table::new();
        t.load_preset(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_header(headers);
        // An id is copied whole into the next command: never wrapped.
        for i in keys {
            if let Some(c) = t.column_mut(i) {
                c.set_constraint(ColumnConstraint::ContentWidth);
            }
        }
        if !self.stdout_tty {
            t.load_preset(presets::ASCII_MARKDOWN).force_no_tty();
        }
        if !self.color {
            t.force_no_tty();
        }
        // Without colour the table no longer asks the terminal its width:
        // tell it, so that it still fits.
        if let Some(screen) = self.screen() {
            t.set_width(screen.width as u16);
        }
        t
    }

    /// A table that fits the screen without wrapping a line: the columns
    /// of `drop_order` (least telling first) are given up until the rest
    /// fits, and the `free` text column (an error, a pattern) is cut to the
    /// room left. Off a terminal every column is kept whole.
    pub fn fit_table(
        &self,
        headers: &[&str],
        rows: Vec<Vec<Cell>>,
        drop_order: &[&str],
        free: Option<&str>,
    ) -> Table {
        let width = self.screen().map(|s| s.width);
        self.fit_table_to(width, headers, rows, drop_order, free)
    }

    /// [`Output::fit_table`] for a screen `width` wide (None: unbounded).
    pub fn fit_table_to(
        &self,
        width: Option<usize>,
        headers: &[&str],
        rows: Vec<Vec<Cell>>,
        drop_order: &[&str],
        free: Option<&str>,
    ) -> Table {
        let widest = |i: usize| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.content().chars().count())
                .chain([headers[i].chars().count()])
                .max()
                .unwrap_or(0)
        };
        let mut dropped: Vec<usize> = Vec::new();
        // Each column takes its text, a space either side and a border.
        let least = |dropped: &[usize]| -> usize {
            1 + (0..headers.len())
                .filter(|i| !dropped.contains(i))
                .map(|i| {
                    3 + if Some(headers[i]) == free {
                        widest(i).min(12)
                    } else {
                        widest(i)
                    }
                })
                .sum::<usize>()
        };
        if let Some(w) = width {
            for name in drop_order {
                if least(&dropped) <= w {
                    break;
                }
                if let Some(i) = headers.iter().position(|h| h == name) {
                    dropped.push(i);
                }
            }
        }
        let keep: Vec<usize> = (0..headers.len())
            .filter(|i| !dropped.contains(i))
            .collect();
        let free_room = width.map(|w| {
            let fixed: usize = 1 + keep
                .iter()
                .filter(|&&i| Some(headers[i]) != free)
                .map(|&i| 3 + widest(i))
                .sum::<usize>();
            w.saturating_sub(fixed + 3).max(8)
        });
        let mut table = self.table(keep.iter().map(|&i| headers[i]));
        table.set_content_arrangement(ContentArrangement::Disabled);
        for row in rows {
            let mut cells: Vec<Cell> = Vec::new();
            for (i, cell) in row.into_iter().enumerate() {
                if !keep.contains(&i) {
                    continue;
                }
                match free_room {
                    Some(room) if Some(headers[i]) == free => {
                        cells.push(Cell::new(ellipsize(&cell.content(), room)))
                    }
                    _ => cells.push(cell),
                }
            }
            table.add_row(cells);
        }
        table
    }

    pub fn print_table(&self, table: &Table) -> io::Result<()> {
        write_stdout(&format!("{table}\n"))
    }

    /// A line of the result on stdout (printed even with -q: it is what was asked for).
    pub fn line(&self, text: impl AsRef<str>) -> io::Result<()> {
        write_stdout(&format!("{}\n", text.as_ref()))
    }

    /// A message about what was done: on stdout for people, on stderr when
    /// stdout carries JSON (so that it stays parseable); silenced by -q.
    pub fn note(&self, text: impl AsRef<str>) -> io::Result<()> {
        if self.quiet {
            return Ok(());
        }
        if self.is_json() {
            eprintln!("{}", text.as_ref());
            Ok(())
        } else {
            write_stdout(&format!("{}\n", text.as_ref()))
        }
    }

    /// A diagnostic on stderr; silenced by -q.
    pub fn warn(&self, text: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", crate::error::redact(text.as_ref()));
        }
    }

    /// Detail on stderr, only with -v.
    pub fn debug(&self, text: impl AsRef<str>) {
        if self.verbose > 0 {
            eprintln!("{}", crate::error::redact(text.as_ref()));
        }
    }

    /// A status as a table cell, coloured when colour is on.
    pub fn status_cell(&self, status: TaskStatus) -> Cell {
        let cell = Cell::new(status.as_str());
        if !self.color {
            return cell;
        }
        cell.fg(match status {
            TaskStatus::Pending => Color::Cyan,
            TaskStatus::Retrying => Color::Yellow,
            TaskStatus::Claimed => Color::Blue,
            TaskStatus::Completed => Color::Green,
            TaskStatus::Failed => Color::Red,
            TaskStatus::Cancelled => Color::DarkGrey,
        })
    }

    /// Text coloured when colour is on (for verdicts: OK, WARNING, ...).
    pub fn paint(&self, text: &str, color: Color) -> Cell {
        if self.color {
            Cell::new(text).fg(color)
        } else {
            Cell::new(text)
        }
    }

    /// Text in bold (and `color`) when colour is on, for lines outside
    /// tables: the ANSI counterpart of [`Output::paint`].
    pub fn paint_text(&self, text: &str, color: Option<Color>) -> String {
        if !self.color {
            return text.to_string();
        }
        let sgr = match color {
            Some(Color::Red) => "1;31",
            Some(Color::Green) => "1;32",
            Some(Color::Yellow) => "1;33",
            Some(Color::Magenta) => "1;35",
            Some(Color::DarkGrey) => "1;90",
            _ => "1",
        };
        format!("\x1b[{sgr}m{text}\x1b[0m")
    }

    /// A verdict word (OK, FAIL, ...) as a table cell in its level's colour.
    pub fn level_cell(&self, word: &str, level: Level) -> Cell {
        self.paint(word, level_color(level))
    }

    /// A verdict word in its level's colour, outside tables.
    pub fn level_text(&self, word: &str, level: Level) -> String {
        self.paint_text(word, Some(level_color(level)))
    }
}

/// Writes to stdout. A failure goes up to `main` like any error; a closed
/// pipe (`absurdctl ... | head`) is kept as is, and `main` ends the run
/// quietly with success for it, as ripgrep does.
pub fn write_stdout(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| match e.kind() {
            io::ErrorKind::BrokenPipe => e,
            kind => io::Error::new(kind, format!("cannot write to stdout: {e}")),
        })
}

/// The colour of a level, wherever it is printed.
fn level_color(level: Level) -> Color {
    match level {
        Level::Skipped => Color::DarkGrey,
        Level::Ok => Color::Green,
        Level::Warning => Color::Yellow,
        Level::Unknown => Color::Magenta,
        Level::Critical => Color::Red,
    }
}

/// How long ago `t` was, e.g. `4m 10s ago`.
pub fn fmt_ago(t: Option<DateTime<Utc>>) -> String {
    match t {
        Some(t) => {
            let secs = (Utc::now() - t).num_milliseconds() as f64 / 1000.0;
            if secs >= 0.0 {
                format!("{} ago", fmt_secs(secs))
            } else {
                format!("in {}", fmt_secs(-secs))
            }
        }
        None => "-".into(),
    }
}

/// A timestamp for tables: `2025-11-30 12:00:05Z`.
pub fn fmt_time(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M:%SZ").to_string())
        .unwrap_or_else(|| "-".into())
}

/// Who paused a queue, since when and why: ` by alice since 2025-11-30
/// 12:00:00Z (3m 2s ago): disk swap`, each part only when known.
pub fn pause_details(by: Option<&str>, at: Option<DateTime<Utc>>, reason: Option<&str>) -> String {
    let mut text = String::new();
    if let Some(by) = by {
        text.push_str(&format!(" by {by}"));
    }
    if let Some(at) = at {
        text.push_str(&format!(
            " since {} ({})",
            fmt_time(Some(at)),
            fmt_ago(Some(at))
        ));
    }
    if let Some(reason) = reason.filter(|r| !r.is_empty()) {
        text.push_str(&format!(": {reason}"));
    }
    text
}

/// Shortens text for a table cell.
pub fn ellipsize(text: &str, max: usize) -> String {
    let one_line = text.replace(['\n', '\r'], " ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let cut: String = one_line.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests;
