//! The charts of the last hour: the minutes of every queue shown, added
//! up, one sparkline per figure.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Color;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Sparkline};
use ratatui::Frame as Screen;

use super::{fit, Look};
use crate::commands::top::app::App;
use crate::queue::trends::Bucket;

/// The minutes of every queue shown, added up.
fn minutes(app: &App) -> Vec<Bucket> {
    let mut sum: Vec<Bucket> = Vec::new();
    for series in app.frame.iter().flat_map(|f| &f.minutes) {
        for (i, b) in series.iter().enumerate() {
            if sum.len() <= i {
                sum.push(Bucket::default());
            }
            let s = &mut sum[i];
            s.completed += b.completed;
            s.failed += b.failed;
            s.created += b.created;
            s.backlog += b.backlog;
        }
    }
    sum
}

pub(super) fn draw_charts(screen: &mut Screen, area: Rect, app: &App, look: &Look, wide: bool) {
    let m = minutes(app);
    let per_minute = |of: fn(&Bucket) -> i64| m.iter().map(|b| of(b).max(0) as u64).collect();
    let series: [(&str, Color, Vec<u64>); 4] = [
        ("completed/min", Color::Green, per_minute(|b| b.completed)),
        ("failed/min", Color::Red, per_minute(|b| b.failed)),
        ("created/min", Color::Cyan, per_minute(|b| b.created)),
        ("backlog", Color::Yellow, per_minute(|b| b.backlog)),
    ];
    let cells: Vec<Rect> = if wide {
        let rows = Layout::vertical([Constraint::Length(4), Constraint::Length(4)]).split(area);
        rows.iter()
            .flat_map(|r| {
                Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                    .spacing(1)
                    .split(*r)
                    .to_vec()
            })
            .collect()
    } else {
        Layout::vertical([Constraint::Length(1); 4])
            .split(area)
            .to_vec()
    };
    for ((label, color, data), cell) in series.iter().zip(cells) {
        let now = data.last().copied().unwrap_or(0);
        let max = data.iter().copied().max().unwrap_or(0);
        let figures = format!(" now {now} max {max}");
        if wide {
            // A title line over a chart of three rows.
            let [title, chart] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(cell);
            let text = format!("{label} last hour{figures}");
            screen.render_widget(
                Paragraph::new(Line::styled(fit(&text, title.width as usize), look.base())),
                title,
            );
            let chart = Rect {
                width: chart.width.saturating_sub(1),
                ..chart
            };
            let shown = &data[data.len().saturating_sub(chart.width as usize)..];
            // The latest minute at the right edge, as in the narrow view.
            let chart = Rect {
                x: chart.x + chart.width - shown.len() as u16,
                width: shown.len() as u16,
                ..chart
            };
            screen.render_widget(
                Sparkline::default().data(shown).style(look.chart(*color)),
                chart,
            );
        } else {
            let label_w = 14u16.min(cell.width);
            let figures_w = (figures.chars().count() as u16).min(cell.width - label_w);
            let [l, chart, f] = Layout::horizontal([
                Constraint::Length(label_w),
                Constraint::Min(0),
                Constraint::Length(figures_w),
            ])
            .areas(cell);
            screen.render_widget(
                Paragraph::new(Line::styled(fit(label, l.width as usize), look.base())),
                l,
            );
            let shown = &data[data.len().saturating_sub(chart.width as usize)..];
            screen.render_widget(
                Sparkline::default().data(shown).style(look.chart(*color)),
                chart,
            );
            screen.render_widget(
                Paragraph::new(Line::styled(fit(&figures, f.width as usize), look.base())),
                f,
            );
        }
    }
}
