//! Drawing `top`: the header, the charts of the last hour, the panes and
//! the footer, laid out for the terminal's size. Every line is fitted to
//! its width here, cut between words, never inside one. The charts are
//! drawn in `charts`, the panes in `panes`.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame as Screen;

use super::app::{App, Mode, Pane};
use crate::checks::Level;
use crate::output::{fmt_ago, fmt_ms, fmt_secs};

mod charts;
mod panes;
#[cfg(test)]
mod tests;

use charts::draw_charts;
use panes::pane;
pub(super) use panes::selectable;

/// From this size on, the panes sit side by side and the charts are taller.
const WIDE: (u16, u16) = (120, 36);

/// `text` cut to `width` columns between words, with `…` where it was cut.
pub(super) fn fit(text: &str, width: usize) -> String {
    let text = text.replace(['\n', '\r', '\t'], " ");
    if text.chars().count() <= width {
        return text;
    }
    if width == 0 {
        return String::new();
    }
    let room: String = text.chars().take(width - 1).collect();
    // A cut that falls right before a space keeps the whole last word.
    let next_is_space = text.chars().nth(width - 1) == Some(' ');
    let kept = if next_is_space {
        room.trim_end()
    } else {
        match room.rfind(' ') {
            Some(i) => room[..i].trim_end(),
            None => "",
        }
    };
    // No separator is left dangling before the mark.
    let kept = kept.trim_end_matches([' ', '·', ',', ';', ':', '(']);
    format!("{kept}…")
}

/// Styles, plain when colours are off (NO_COLOR, --no-color, no terminal).
struct Look {
    color: bool,
    stale: bool,
}

impl Look {
    fn base(&self) -> Style {
        match (self.stale, self.color) {
            (true, true) => Style::new().fg(Color::DarkGray),
            (true, false) => Style::new().add_modifier(Modifier::DIM),
            _ => Style::new(),
        }
    }

    fn level(&self, level: Level) -> Style {
        let s = self.base().add_modifier(Modifier::BOLD);
        if !self.color || self.stale {
            return s;
        }
        s.fg(match level {
            Level::Skipped => Color::DarkGray,
            Level::Ok => Color::Green,
            Level::Warning => Color::Yellow,
            Level::Unknown => Color::Magenta,
            Level::Critical => Color::Red,
        })
    }

    fn title(&self, focused: bool) -> Style {
        if focused {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            self.base().add_modifier(Modifier::BOLD)
        }
    }

    fn chart(&self, color: Color) -> Style {
        if self.color && !self.stale {
            Style::new().fg(color)
        } else {
            self.base()
        }
    }
}

pub(super) fn draw(screen: &mut Screen, app: &App) {
    let area = screen.area();
    let look = Look {
        color: app.color,
        stale: app.stale(),
    };
    let wide = area.width >= WIDE.0 && area.height >= WIDE.1;
    let footer_rows = if app.error.is_some() { 3 } else { 1 };
    let chart_rows = if wide { 8 } else { 4 };
    let [header, charts, body, footer] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(chart_rows),
        Constraint::Min(0),
        Constraint::Length(footer_rows),
    ])
    .areas(area);
    draw_header(screen, header, app, &look);
    draw_charts(screen, charts, app, &look, wide);
    if wide {
        // A column between the two, so that their lines never touch.
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .spacing(1)
                .areas(body);
        let [backlog, failures] =
            Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(left);
        pane(screen, backlog, app, &look, Pane::Backlog);
        pane(screen, failures, app, &look, Pane::Failures);
        pane(screen, right, app, &look, Pane::Workers);
    } else {
        let [backlog, workers, failures] = Layout::vertical([
            Constraint::Ratio(1, 3),
            Constraint::Ratio(1, 3),
            Constraint::Ratio(1, 3),
        ])
        .areas(body);
        pane(screen, backlog, app, &look, Pane::Backlog);
        pane(screen, workers, app, &look, Pane::Workers);
        pane(screen, failures, app, &look, Pane::Failures);
    }
    draw_footer(screen, footer, app, &look);
}

fn draw_header(screen: &mut Screen, area: Rect, app: &App, look: &Look) {
    let width = area.width as usize;
    let queues = if app.all_queues {
        "all queues".to_string()
    } else {
        app.queue.clone()
    };
    let mut lines = Vec::new();
    let Some(frame) = &app.frame else {
        lines.push(Line::raw(fit(&format!("top · {queues} · reading…"), width)));
        screen.render_widget(Paragraph::new(lines), area);
        return;
    };
    let r = &frame.report;
    lines.push(Line::styled(
        fit(
            &format!(
                "top · {queues} · every {} · round trip {} · db {} · {}",
                fmt_secs(app.interval.as_secs_f64()),
                fmt_ms(r.round_trip_ms),
                fmt_ms(frame.db_ms),
                r.generated_at.format("%H:%M:%SZ")
            ),
            width,
        ),
        look.base(),
    ));
    let word = r.verdict.as_str();
    let reasons: Vec<String> = r
        .checks
        .iter()
        .filter(|c| c.level > Level::Ok)
        .map(|c| match (&c.queue, app.all_queues) {
            (Some(q), true) => format!("{q}: {}", c.message),
            _ => c.message.clone(),
        })
        .collect();
    let reasons = if reasons.is_empty() {
        "all checks pass".to_string()
    } else {
        reasons.join("; ")
    };
    lines.push(Line::from(vec![
        Span::styled(word.to_string(), look.level(r.verdict)),
        Span::styled(
            fit(
                &format!(" {reasons}"),
                width.saturating_sub(word.chars().count()),
            ),
            look.base(),
        ),
    ]));
    let paused: Vec<String> = r
        .queues
        .iter()
        .filter(|q| q.snapshot.paused)
        .map(|q| {
            let s = &q.snapshot;
            let mut t = format!(
                "{} PAUSED by {}",
                s.queue,
                s.paused_by.as_deref().unwrap_or("unknown")
            );
            if s.paused_at.is_some() {
                t.push_str(&format!(" {}", fmt_ago(s.paused_at)));
            }
            if let Some(why) = s.pause_reason.as_deref().filter(|w| !w.is_empty()) {
                t.push_str(&format!(": {why}"));
            }
            t
        })
        .collect();
    let third = if paused.is_empty() {
        "claims running (not paused)".to_string()
    } else {
        paused.join("; ")
    };
    let style = if paused.is_empty() {
        look.base()
    } else {
        look.level(Level::Warning)
    };
    lines.push(Line::styled(fit(&third, width), style));
    screen.render_widget(Paragraph::new(lines), area);
}

fn draw_footer(screen: &mut Screen, area: Rect, app: &App, look: &Look) {
    let width = area.width as usize;
    let mut lines = Vec::new();
    if let Some(e) = &app.error {
        let since = app.read_at.map_or("no good read yet".to_string(), |t| {
            format!("last good read {} ago", fmt_secs(t.elapsed().as_secs_f64()))
        });
        let style = if look.color {
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        };
        lines.push(Line::styled(
            fit(
                &format!(
                    "database unreachable · {since} · retrying every {}",
                    fmt_secs(app.interval.as_secs_f64())
                ),
                width,
            ),
            style,
        ));
        lines.push(Line::styled(fit(e, width), style));
    }
    let bottom = match &app.mode {
        // The answer's keys are always shown, the question cut if need be.
        Mode::Confirm(change) => Line::styled(
            format!("{} [y/N]", fit(&change.prompt(), width.saturating_sub(6))),
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
        ),
        Mode::Filter(text) => Line::styled(
            fit(
                &format!("filter task names: {text}_  (Enter to apply, Esc to cancel)"),
                width,
            ),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Mode::Normal => {
            let text = match (&app.message, &app.filter) {
                (Some(m), _) => m.clone(),
                (None, Some(f)) => format!(
                    "filter \"{f}\" · q quit · Tab pane · ↑↓ row · / filter · a all · p pause · r retry"
                ),
                (None, None) => {
                    "q quit · Tab pane · ↑↓ row · / filter · a all queues · p pause/resume · r retry"
                        .to_string()
                }
            };
            Line::styled(fit(&text, width), Style::new())
        }
    };
    lines.push(bottom);
    screen.render_widget(Paragraph::new(lines), area);
}
