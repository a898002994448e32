//! Value parsers shared by the flags: durations, percentages, names.

/// The longest duration any flag takes: a century keeps `now() - d` a valid
/// PostgreSQL timestamp and `now + d` a valid deadline (no overflow panic).
const LONGEST_DURATION: std::time::Duration = std::time::Duration::from_secs(100 * 31_557_600);

/// Parses a humantime duration such as `30m`, `2h`, `7d`, at most a century.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let d = humantime::parse_duration(s.trim())
        .map_err(|e| format!("{e}; expected a duration such as 30s, 15m, 2h or 7d"))?;
    if d > LONGEST_DURATION {
        return Err("longer than a century, the longest duration absurdctl takes".into());
    }
    Ok(d)
}

pub use crate::units::format_duration;

/// `--watch` and other refresh intervals: a duration (`5s`, `1m`) or a
/// plain number of seconds, from 1 s to a day; whole seconds.
pub(super) fn parse_interval_secs(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let d = match t.parse::<u64>() {
        Ok(n) => std::time::Duration::from_secs(n),
        Err(_) => parse_duration(t)?,
    };
    if d < std::time::Duration::from_secs(1) || d > std::time::Duration::from_secs(86_400) {
        return Err(format!("`{s}` is not between 1s and 1d"));
    }
    Ok(d.as_secs())
}

/// A PostgreSQL session timeout: it takes at most 2^31-1 ms; 0 turns it off.
pub(super) fn parse_pg_timeout(s: &str) -> Result<std::time::Duration, String> {
    let d = parse_duration(s)?;
    if d.as_millis() > i32::MAX as u128 {
        return Err(
            "longer than PostgreSQL allows (24d 20h 31m 23s); 0 turns the limit off".into(),
        );
    }
    Ok(d)
}

/// A queue name: empty, blank or control characters would name no queue
/// anyone can see (and forge lines in logs).
pub(super) fn parse_queue_name(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        return Err("a queue name cannot be empty or blank".into());
    }
    if s.chars().any(char::is_control) {
        return Err("a queue name cannot contain control characters (newlines, tabs...)".into());
    }
    Ok(s.to_string())
}

pub(super) fn parse_positive_duration(s: &str) -> Result<std::time::Duration, String> {
    let d = parse_duration(s)?;
    if d.is_zero() {
        return Err("must be longer than zero".into());
    }
    Ok(d)
}

/// A duration (`1.5s`, `2h`) or a bare number of seconds (`1.0`, `3600`),
/// the form the pipeline's ABSURD_* variables take; longer than zero.
pub(super) fn parse_positive_secs_or_duration(s: &str) -> Result<std::time::Duration, String> {
    let t = s.trim();
    match t.parse::<f64>() {
        Ok(secs) if !secs.is_finite() || secs <= 0.0 => Err(format!(
            "`{s}` must be a number of seconds above zero, or a duration such as 30s"
        )),
        Ok(secs) if secs > LONGEST_DURATION.as_secs_f64() => {
            Err("longer than a century, the longest duration absurdctl takes".into())
        }
        Ok(secs) => Ok(std::time::Duration::from_secs_f64(secs)),
        Err(_) => parse_positive_duration(t),
    }
}

pub(super) fn parse_human_duration(s: &str) -> Result<humantime::Duration, String> {
    parse_duration(s).map(Into::into)
}

/// A reaper's age limit: at least a second. Limits under a minute are
/// allowed (for queues served only by absurdctl workers with a short
/// --heartbeat-interval) but warned about when used.
pub(super) fn parse_reap_age(s: &str) -> Result<humantime::Duration, String> {
    let d = parse_duration(s)?;
    if d < std::time::Duration::from_secs(1) {
        return Err(format!(
            "{s} is too short: at least 1s (and above the workers' heartbeat interval)"
        ));
    }
    Ok(d.into())
}

pub(super) fn parse_nonempty(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        Err("must not be empty".into())
    } else {
        Ok(s.to_string())
    }
}

/// Parses a percentage from 0 to 100, with or without `%`.
pub fn parse_percent(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let t = t.strip_suffix('%').unwrap_or(t);
    match t.parse::<f64>() {
        Ok(v) if (0.0..=100.0).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a percentage from 0 to 100")),
    }
}

/// `--status` takes the statuses absurdctl shows. Defined here, not derived
/// in the queue layer, which knows nothing of clap.
impl clap::ValueEnum for crate::queue::TaskStatus {
    fn value_variants<'a>() -> &'a [Self] {
        &crate::queue::TaskStatus::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        use crate::queue::TaskStatus;
        let value = clap::builder::PossibleValue::new(self.as_str());
        Some(match self {
            TaskStatus::Pending => {
                value.help("Waiting to run (or for a dependency, or a delayed start)")
            }
            TaskStatus::Retrying => value
                .help("Waiting for its retry after a failed or reaped attempt (stored as pending)"),
            // `status` says "running": the word is taken too.
            TaskStatus::Claimed => value
                .alias("running")
                .help("Held by a worker (also: running)"),
            TaskStatus::Failed => value.help("Failed with no attempt left (the dead letters)"),
            TaskStatus::Completed | TaskStatus::Cancelled => value,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn durations_are_written_as_they_are_typed() {
        let d = |s: &str| format_duration(parse_duration(s).unwrap());
        assert_eq!(d("90d"), "90d");
        assert_eq!(d("24h"), "1d");
        assert_eq!(d("36h"), "1d 12h");
        assert_eq!(d("90m"), "1h 30m");
        assert_eq!(d("1.5s"), "1.5s");
        assert_eq!(format_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(parse_interval_secs("5s"), Ok(5));
        assert_eq!(parse_interval_secs("5"), Ok(5));
        assert_eq!(parse_interval_secs("2m"), Ok(120));
        assert!(parse_interval_secs("0").is_err());
        assert!(parse_interval_secs("500ms").is_err());
    }

    #[test]
    fn bare_seconds_and_durations_are_both_taken() {
        let p = parse_positive_secs_or_duration;
        assert_eq!(p("1.0"), Ok(Duration::from_secs(1)));
        assert_eq!(p("0.25"), Ok(Duration::from_millis(250)));
        assert_eq!(p("3600"), Ok(Duration::from_secs(3600)));
        assert_eq!(p("2h"), Ok(Duration::from_secs(7200)));
        for bad in ["0", "-1", "nan", "inf", "0s", "soon", "1e12"] {
            assert!(p(bad).is_err(), "{bad}");
        }
    }
}
