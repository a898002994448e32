//! Judging: the figures of the queue and of the database around it, held
//! against thresholds, each check giving a [`Finding`] with a [`Level`].
//! `status` (its text view, JSON, Nagios line and Prometheus text) and
//! `preflight` judge through these functions only, so that they never
//! disagree; OK/WARNING/CRITICAL and PASS/WARN/FAIL are two ways of printing
//! the same levels. Nothing here reads the database or prints.

pub mod database;
pub mod queue;
pub mod thresholds;

use serde::Serialize;

/// How a check came out. Ordered by severity, so that the worst of several
/// is their maximum: a check that could not run (UNKNOWN) is worse than a
/// warning, but a threshold known to be crossed (CRITICAL) is worse still,
/// as it needs action whatever the unknown turns out to be. The exit code
/// stays the Nagios one (see [`Level::exit_code`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    /// Not checked: something it needs failed first (and is reported there).
    Skipped,
    Ok,
    Warning,
    /// The check itself could not run (e.g. the database is unreachable).
    Unknown,
    Critical,
}

impl Level {
    /// The Nagios word, as `status` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Skipped => "SKIPPED",
            Level::Ok => "OK",
            Level::Warning => "WARNING",
            Level::Unknown => "UNKNOWN",
            Level::Critical => "CRITICAL",
        }
    }

    /// The checklist word, as `preflight` prints it.
    pub fn as_checklist(self) -> &'static str {
        match self {
            Level::Skipped => "SKIP",
            Level::Ok => "PASS",
            Level::Warning => "WARN",
            Level::Unknown => "UNKNOWN",
            Level::Critical => "FAIL",
        }
    }

    /// 0 OK (or nothing checked), 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    pub fn exit_code(self) -> u8 {
        match self {
            Level::Skipped | Level::Ok => 0,
            Level::Warning => 1,
            Level::Critical => 2,
            Level::Unknown => 3,
        }
    }

    /// The threshold this level crossed, for messages: `crit` when
    /// critical, else `warn`.
    pub fn limit<T>(self, warn: T, crit: T) -> T {
        if self == Level::Critical {
            crit
        } else {
            warn
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The worst of the levels; OK when there are none.
pub fn worst(levels: impl IntoIterator<Item = Level>) -> Level {
    levels.into_iter().max().unwrap_or(Level::Ok)
}

/// CRITICAL above `crit`, WARNING above `warn`, else OK.
pub fn above<T: PartialOrd>(value: T, warn: T, crit: T) -> Level {
    if value > crit {
        Level::Critical
    } else if value > warn {
        Level::Warning
    } else {
        Level::Ok
    }
}

/// CRITICAL below `crit`, WARNING below `warn`, else OK.
pub fn below<T: PartialOrd>(value: T, warn: T, crit: T) -> Level {
    if value < crit {
        Level::Critical
    } else if value < warn {
        Level::Warning
    } else {
        Level::Ok
    }
}

/// CRITICAL at or above `crit`, WARNING at or above `warn` (percentages of
/// a capacity, as `df` shows them).
pub fn at_least<T: PartialOrd>(value: T, warn: T, crit: T) -> Level {
    if value >= crit {
        Level::Critical
    } else if value >= warn {
        Level::Warning
    } else {
        Level::Ok
    }
}

/// One judged figure. `status` serializes it as it is (without `remedy`,
/// which it never sets); `preflight` prints it as a checklist line.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// null for the database-wide checks (round trip).
    pub queue: Option<String>,
    pub check: String,
    pub level: Level,
    pub value: Option<f64>,
    pub warn: Option<f64>,
    pub crit: Option<f64>,
    pub message: String,
    /// What to do, kept only when the level is not OK.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remedy: Option<String>,
}

impl Finding {
    pub fn new(check: impl Into<String>, level: Level, message: impl Into<String>) -> Finding {
        Finding {
            queue: None,
            check: check.into(),
            level,
            value: None,
            warn: None,
            crit: None,
            message: message.into(),
            remedy: None,
        }
    }

    pub fn queue(mut self, queue: &str) -> Finding {
        self.queue = Some(queue.to_string());
        self
    }

    pub fn value(mut self, value: f64) -> Finding {
        self.value = Some(value);
        self
    }

    /// The thresholds the value was held against.
    pub fn limits(mut self, warn: Option<f64>, crit: Option<f64>) -> Finding {
        self.warn = warn;
        self.crit = crit;
        self
    }

    /// What to do, kept only when something is wrong.
    pub fn remedy(mut self, remedy: impl Into<String>) -> Finding {
        if self.level > Level::Ok {
            self.remedy = Some(remedy.into());
        }
        self
    }

    /// The same finding under another check name (preflight's names are
    /// part of its JSON contract).
    pub fn named(mut self, check: &str) -> Finding {
        self.check = check.to_string();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_nagios_codes() {
        assert_eq!(Level::Ok.exit_code(), 0);
        assert_eq!(Level::Warning.exit_code(), 1);
        assert_eq!(Level::Critical.exit_code(), 2);
        assert_eq!(Level::Unknown.exit_code(), 3);
        assert_eq!(Level::Skipped.exit_code(), 0);
    }

    #[test]
    fn critical_beats_unknown_beats_warning() {
        use Level::*;
        assert_eq!(worst([]), Ok);
        assert_eq!(worst([Ok, Skipped]), Ok);
        assert_eq!(worst([Ok, Warning]), Warning);
        assert_eq!(worst([Warning, Unknown]), Unknown);
        assert_eq!(worst([Unknown, Critical, Warning]), Critical);
    }

    #[test]
    fn two_ways_of_printing_one_level() {
        let words: Vec<_> = [Level::Ok, Level::Warning, Level::Critical, Level::Unknown]
            .iter()
            .map(|l| (l.as_str(), l.as_checklist()))
            .collect();
        assert_eq!(
            words,
            [
                ("OK", "PASS"),
                ("WARNING", "WARN"),
                ("CRITICAL", "FAIL"),
                ("UNKNOWN", "UNKNOWN")
            ]
        );
        assert_eq!(serde_json::to_value(Level::Critical).unwrap(), "CRITICAL");
    }

    #[test]
    fn thresholds_are_strict_except_capacities() {
        assert_eq!(above(20, 20, 500), Level::Ok);
        assert_eq!(above(21, 20, 500), Level::Warning);
        assert_eq!(above(501, 20, 500), Level::Critical);
        assert_eq!(below(90.0, 90.0, 80.0), Level::Ok);
        assert_eq!(below(89.9, 90.0, 80.0), Level::Warning);
        assert_eq!(below(79.0, 90.0, 80.0), Level::Critical);
        assert_eq!(at_least(90.0, 90.0, 95.0), Level::Warning);
        assert_eq!(at_least(95.0, 90.0, 95.0), Level::Critical);
        assert_eq!(at_least(89.0, 90.0, 95.0), Level::Ok);
    }

    #[test]
    fn a_remedy_is_kept_only_when_something_is_wrong() {
        assert!(Finding::new("x", Level::Ok, "")
            .remedy("do")
            .remedy
            .is_none());
        assert!(Finding::new("x", Level::Skipped, "")
            .remedy("do")
            .remedy
            .is_none());
        assert_eq!(
            Finding::new("x", Level::Warning, "")
                .remedy("do")
                .remedy
                .as_deref(),
            Some("do")
        );
    }
}
