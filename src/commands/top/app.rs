//! The state of `top` and what each key does to it. Pure: the loop in
//! `mod.rs` carries out what [`App::key`] asks for.

use std::time::{Duration, Instant};

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::data::Frame;
use crate::queue::errors::ErrorGroup;

/// The panes, in the order Tab visits them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pane {
    Backlog,
    Workers,
    Failures,
}

impl Pane {
    pub const ALL: [Pane; 3] = [Pane::Backlog, Pane::Workers, Pane::Failures];

    pub fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    fn step(self, by: isize) -> Pane {
        let n = Pane::ALL.len() as isize;
        Pane::ALL[(self.index() as isize + by).rem_euclid(n) as usize]
    }
}

/// A change the operator asked for, waiting for y/N.
#[derive(Debug, Clone)]
pub(super) enum Change {
    Pause {
        queue: String,
    },
    Resume {
        queue: String,
    },
    /// The failed tasks of a group as read at `at`.
    Retry {
        queue: String,
        group: ErrorGroup,
        at: chrono::DateTime<chrono::Utc>,
    },
}

impl Change {
    /// The question asked in the view (which adds `[y/N]`).
    pub fn prompt(&self) -> String {
        match self {
            Change::Pause { queue } => format!(
                "Pause claims on {queue}? Running tasks carry on; `absurdctl resume` or p lifts it"
            ),
            Change::Resume { queue } => {
                format!("Resume claims on {queue}? Workers start taking tasks at once")
            }
            Change::Retry { queue, group, .. } => format!(
                "Retry the {} failed task(s) of {} in {queue} failing with \"{}\"?",
                group.failed,
                group.task_names.join(", "),
                group.pattern
            ),
        }
    }
}

#[derive(Debug, Clone)]
pub(super) enum Mode {
    Normal,
    /// Typing the task-name filter (the text so far).
    Filter(String),
    Confirm(Change),
}

/// What the loop should do after a key.
#[derive(Debug, Clone)]
pub(super) enum Todo {
    Nothing,
    /// q: the way out asked for (exit 0).
    Quit,
    /// Ctrl-C: interrupted (exit 130, as every command).
    Interrupt,
    /// Read again now (the queues or the filter changed).
    Refresh,
    Apply(Change),
}

pub(super) struct App {
    /// --queue: what `p` and `r` act on.
    pub queue: String,
    pub all_queues: bool,
    pub interval: Duration,
    pub focus: Pane,
    /// The selected row of each pane.
    pub selected: [usize; 3],
    pub mode: Mode,
    /// Task names containing this (case-insensitive) only.
    pub filter: Option<String>,
    /// The last frame read.
    pub frame: Option<Frame>,
    /// When it was read.
    pub read_at: Option<Instant>,
    /// The last refresh failed: why (the frame shown is then the last good one).
    pub error: Option<String>,
    /// The outcome of the last change, or why a key did nothing.
    pub message: Option<String>,
    pub color: bool,
}

impl App {
    pub fn new(
        queue: String,
        all_queues: bool,
        interval: Duration,
        filter: Option<String>,
        color: bool,
    ) -> App {
        App {
            queue,
            all_queues,
            interval,
            focus: Pane::Backlog,
            selected: [0; 3],
            mode: Mode::Normal,
            filter: filter.filter(|f| !f.is_empty()),
            frame: None,
            read_at: None,
            error: None,
            message: None,
            color,
        }
    }

    /// Whether `name` passes the filter.
    pub fn shows(&self, name: &str) -> bool {
        self.filter
            .as_ref()
            .is_none_or(|f| name.to_lowercase().contains(&f.to_lowercase()))
    }

    /// The failure groups shown: those with a task name passing the filter.
    pub fn failures(&self) -> Vec<&ErrorGroup> {
        self.frame.as_ref().map_or_else(Vec::new, |f| {
            f.failures
                .groups
                .iter()
                .filter(|g| g.task_names.iter().any(|n| self.shows(n)))
                .collect()
        })
    }

    /// The task names the charts are read for: None for all of them.
    pub fn chart_names(&self) -> Option<Vec<String>> {
        self.filter.as_ref()?;
        let frame = self.frame.as_ref()?;
        let mut names: Vec<String> = frame
            .report
            .queues
            .iter()
            .flat_map(|q| q.snapshot.task_names.iter().map(|t| t.task_name.clone()))
            .filter(|n| self.shows(n))
            .collect();
        names.sort();
        names.dedup();
        Some(names)
    }

    /// A refresh read `frame`.
    pub fn read(&mut self, frame: Frame, at: Instant) {
        self.frame = Some(frame);
        self.read_at = Some(at);
        self.error = None;
        let groups = self.failures().len();
        let f = Pane::Failures.index();
        self.selected[f] = self.selected[f].min(groups.saturating_sub(1));
    }

    /// A refresh failed: the last frame stays, with the error.
    pub fn failed(&mut self, error: String) {
        self.error = Some(error);
    }

    /// Whether the frame shown is not the latest state (the last read failed).
    pub fn stale(&self) -> bool {
        self.error.is_some()
    }

    pub fn key(&mut self, key: KeyEvent) -> Todo {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return Todo::Interrupt;
        }
        match std::mem::replace(&mut self.mode, Mode::Normal) {
            Mode::Confirm(change) => {
                if matches!(key.code, KeyCode::Char('y') | KeyCode::Char('Y')) {
                    self.message = None;
                    Todo::Apply(change)
                } else {
                    self.message = Some("not confirmed; nothing was changed".into());
                    Todo::Nothing
                }
            }
            Mode::Filter(mut text) => match key.code {
                KeyCode::Enter => {
                    self.filter = Some(text).filter(|t| !t.is_empty());
                    self.selected = [0; 3];
                    Todo::Refresh
                }
                KeyCode::Esc => Todo::Nothing,
                KeyCode::Backspace => {
                    text.pop();
                    self.mode = Mode::Filter(text);
                    Todo::Nothing
                }
                KeyCode::Char(c) => {
                    text.push(c);
                    self.mode = Mode::Filter(text);
                    Todo::Nothing
                }
                _ => {
                    self.mode = Mode::Filter(text);
                    Todo::Nothing
                }
            },
            Mode::Normal => self.normal_key(key),
        }
    }

    fn normal_key(&mut self, key: KeyEvent) -> Todo {
        self.message = None;
        match key.code {
            KeyCode::Char('q') | KeyCode::Char('Q') => Todo::Quit,
            KeyCode::Tab | KeyCode::Right => {
                self.focus = self.focus.step(1);
                Todo::Nothing
            }
            KeyCode::BackTab | KeyCode::Left => {
                self.focus = self.focus.step(-1);
                Todo::Nothing
            }
            KeyCode::Down => {
                let i = self.focus.index();
                let rows = super::draw::selectable(self, self.focus);
                self.selected[i] = (self.selected[i] + 1).min(rows.saturating_sub(1));
                Todo::Nothing
            }
            KeyCode::Up => {
                let i = self.focus.index();
                self.selected[i] = self.selected[i].saturating_sub(1);
                Todo::Nothing
            }
            KeyCode::Char('/') => {
                self.mode = Mode::Filter(self.filter.clone().unwrap_or_default());
                Todo::Nothing
            }
            KeyCode::Char('a') => {
                self.all_queues = !self.all_queues;
                Todo::Refresh
            }
            KeyCode::Char('p') => {
                match self.change_target() {
                    Err(why) => self.message = Some(why),
                    Ok(queue) => {
                        let paused = self.frame.as_ref().is_some_and(|f| {
                            f.report
                                .queues
                                .iter()
                                .any(|q| q.snapshot.queue == queue && q.snapshot.paused)
                        });
                        self.mode = Mode::Confirm(if paused {
                            Change::Resume { queue }
                        } else {
                            Change::Pause { queue }
                        });
                    }
                }
                Todo::Nothing
            }
            KeyCode::Char('r') => {
                match self.change_target() {
                    Err(why) => self.message = Some(why),
                    Ok(queue) => {
                        let failures = self.failures();
                        let i = self.selected[Pane::Failures.index()];
                        match failures.get(i) {
                            Some(g) if g.failed > 0 => {
                                let group = (*g).clone();
                                let at = self.frame.as_ref().map(|f| f.report.generated_at);
                                let at = at.unwrap_or_else(chrono::Utc::now);
                                self.mode = Mode::Confirm(Change::Retry { queue, group, at });
                            }
                            Some(_) => {
                                self.message = Some(
                                    "the selected cause has no failed task (its tasks are still \
                                     retrying)"
                                        .into(),
                                )
                            }
                            None => self.message = Some("no failure to retry".into()),
                        }
                    }
                }
                Todo::Nothing
            }
            _ => Todo::Nothing,
        }
    }

    /// The queue a change acts on: --queue, with a frame read.
    fn change_target(&self) -> Result<String, String> {
        if self.all_queues {
            return Err(format!(
                "p and r act on one queue: press a to go back to {}",
                self.queue
            ));
        }
        if self.frame.is_none() || self.stale() {
            return Err("no current figures of the queue: wait for a good read".into());
        }
        Ok(self.queue.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyEvent;

    fn press(app: &mut App, code: KeyCode) -> Todo {
        app.key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    fn app() -> App {
        App::new("q1".into(), false, Duration::from_secs(2), None, false)
    }

    #[test]
    fn tab_and_arrows_move_between_panes() {
        let mut a = app();
        assert_eq!(a.focus, Pane::Backlog);
        press(&mut a, KeyCode::Tab);
        assert_eq!(a.focus, Pane::Workers);
        press(&mut a, KeyCode::Right);
        assert_eq!(a.focus, Pane::Failures);
        press(&mut a, KeyCode::Tab);
        assert_eq!(a.focus, Pane::Backlog);
        press(&mut a, KeyCode::Left);
        assert_eq!(a.focus, Pane::Failures);
    }

    #[test]
    fn q_quits_and_ctrl_c_interrupts() {
        let mut a = app();
        assert!(matches!(press(&mut a, KeyCode::Char('q')), Todo::Quit));
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert!(matches!(a.key(ctrl_c), Todo::Interrupt));
        // Also while a question is asked.
        a.mode = Mode::Confirm(Change::Pause { queue: "q1".into() });
        assert!(matches!(a.key(ctrl_c), Todo::Interrupt));
    }

    #[test]
    fn the_filter_is_typed_then_applied_with_enter() {
        let mut a = app();
        press(&mut a, KeyCode::Char('/'));
        for c in "Cal".chars() {
            press(&mut a, KeyCode::Char(c));
        }
        press(&mut a, KeyCode::Backspace);
        assert!(matches!(&a.mode, Mode::Filter(t) if t == "Ca"));
        assert!(matches!(press(&mut a, KeyCode::Enter), Todo::Refresh));
        assert_eq!(a.filter.as_deref(), Some("Ca"));
        assert!(a.shows("calibration-solve"));
        assert!(!a.shows("imaging"));
        // An empty filter shows everything again.
        press(&mut a, KeyCode::Char('/'));
        press(&mut a, KeyCode::Backspace);
        press(&mut a, KeyCode::Backspace);
        press(&mut a, KeyCode::Enter);
        assert_eq!(a.filter, None);
    }

    #[test]
    fn a_toggles_all_queues_and_changes_then_need_one_queue() {
        let mut a = app();
        assert!(matches!(press(&mut a, KeyCode::Char('a')), Todo::Refresh));
        assert!(a.all_queues);
        press(&mut a, KeyCode::Char('p'));
        assert!(matches!(a.mode, Mode::Normal));
        assert!(a.message.as_deref().unwrap().contains("press a"));
    }

    #[test]
    fn no_change_is_asked_for_without_current_figures() {
        let mut a = app();
        press(&mut a, KeyCode::Char('p'));
        assert!(matches!(a.mode, Mode::Normal));
        press(&mut a, KeyCode::Char('r'));
        assert!(matches!(a.mode, Mode::Normal));
    }

    #[test]
    fn only_y_confirms() {
        let mut a = app();
        a.mode = Mode::Confirm(Change::Pause { queue: "q1".into() });
        assert!(matches!(press(&mut a, KeyCode::Enter), Todo::Nothing));
        assert!(matches!(a.mode, Mode::Normal));
        assert_eq!(
            a.message.as_deref(),
            Some("not confirmed; nothing was changed")
        );
        a.mode = Mode::Confirm(Change::Pause { queue: "q1".into() });
        assert!(matches!(
            press(&mut a, KeyCode::Char('y')),
            Todo::Apply(Change::Pause { queue }) if queue == "q1"
        ));
    }
}
