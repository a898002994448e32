//! The Nagios line of `status --check`: the findings that are not OK, then
//! the performance data.

use crate::checks::{Finding, Level};

use super::report::Report;

/// The line when the queue could not be read at all.
pub(super) fn unknown_line(reason: &str) -> String {
    format!("ABSURD {} - {reason}", Level::Unknown)
}

/// `ABSURD WARNING - q: backlog 25 (> 20) | 'backlog'=25;20;500;0 ...`
pub(super) fn nagios_line(r: &Report) -> String {
    let bad: Vec<&Finding> = r.checks.iter().filter(|f| f.level > Level::Ok).collect();
    let summary = if !bad.is_empty() {
        bad.iter()
            .map(|f| match &f.queue {
                Some(q) => format!("{q}: {}", f.message),
                None => f.message.clone(),
            })
            .collect::<Vec<_>>()
            .join("; ")
    } else if r.queues.len() == 1 {
        let q = &r.queues[0].snapshot;
        format!(
            "{}: backlog {}, {} claimed, {} stuck, {} live worker{}, {} completed in the last hour",
            q.queue,
            q.figures.backlog,
            q.figures.claimed,
            q.figures.stuck,
            q.workers.live,
            if q.workers.live == 1 { "" } else { "s" },
            q.figures.completed_1h
        )
    } else {
        format!("{} queues", r.queues.len())
    };
    let summary = summary.replace('|', "/");
    let mut perf = Vec::new();
    let t = &r.thresholds;
    let single = r.queues.len() == 1;
    for q in &r.queues {
        let s = &q.snapshot;
        let f = &s.figures;
        let label = |name: &str| {
            let full = if single {
                name.to_string()
            } else {
                format!("{} {name}", s.queue)
            };
            format!("'{}'", full.replace('\'', "\"").replace('=', "_"))
        };
        perf.push(format!(
            "{}={};{};{};0",
            label("backlog"),
            f.backlog,
            t.backlog_warn,
            t.backlog_crit
        ));
        perf.push(format!(
            "{}={};{};{};0",
            label("stuck"),
            f.stuck,
            t.stuck_warn,
            t.stuck_crit
        ));
        perf.push(format!(
            "{}={};{};{};0",
            label("failed_1h"),
            f.failed_1h,
            t.failures_1h_warn,
            t.failures_1h_crit
        ));
        perf.push(format!(
            "{}={:.0}s;{:.0};{:.0};0",
            label("oldest_ready"),
            f.oldest_ready_age_sec.unwrap_or(0.0),
            t.oldest_ready_warn_sec,
            t.oldest_ready_crit_sec
        ));
        perf.push(format!("{}={};;;0", label("claimed"), f.claimed));
        perf.push(format!("{}={};;;0", label("workers"), s.workers.live));
        // A count over a sliding window goes up and down: a gauge, not a
        // counter (`c` would make graphers take differences of it).
        perf.push(format!("{}={};;;0", label("completed_1h"), f.completed_1h));
        if let Some(rate) = f.success_rate_1h {
            perf.push(format!(
                "{}={:.1}%;{}:;{}:;0;100",
                label("success_1h"),
                rate * 100.0,
                t.success_rate_1h_warn_percent,
                t.success_rate_1h_crit_percent
            ));
        }
    }
    // In milliseconds to the microsecond: a round trip on a local socket
    // takes a fraction of one, which `{:.4}s` printed as 0.0000s.
    perf.push(format!(
        "'round_trip'={:.3}ms;{};{};0",
        r.round_trip_ms, t.round_trip_warn_ms, t.round_trip_crit_ms
    ));
    format!("ABSURD {} - {summary} | {}", r.verdict, perf.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::queue::tests::snapshot;
    use crate::commands::status::report::tests::report;

    #[test]
    fn an_ok_queue_is_summed_up() {
        let line = nagios_line(&report(vec![snapshot("q")]));
        assert!(
            line.starts_with(
                "ABSURD OK - q: backlog 0, 0 claimed, 0 stuck, 1 live worker, 0 completed in the last hour | "
            ),
            "{line}"
        );
        assert!(line.contains("'backlog'=0;20;500;0"), "{line}");
        assert!(line.contains("'round_trip'=0.420ms;100;1000;0"), "{line}");
        assert!(line.contains("'completed_1h'=0;;;0"), "{line}");
        assert!(!line.contains("c "), "no window count is a counter: {line}");
    }

    #[test]
    fn problems_are_listed_and_labels_name_their_queue() {
        let mut busy = snapshot("a|b");
        busy.figures.backlog = 25;
        let line = nagios_line(&report(vec![snapshot("q"), busy]));
        assert!(
            line.starts_with("ABSURD WARNING - a/b: backlog 25 (> 20) | "),
            "{line}"
        );
        assert!(line.contains("'a|b backlog'=25;20;500;0"), "{line}");
        assert!(line.contains("'q backlog'=0;20;500;0"), "{line}");
    }

    #[test]
    fn unknown() {
        assert_eq!(unknown_line("no route"), "ABSURD UNKNOWN - no route");
    }
}
