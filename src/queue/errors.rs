//! Failures grouped by cause for `errors`: failed tasks, and the last error
//! of tasks now retrying, by their message with the parts that differ from
//! one occurrence to the next (ids, paths, numbers, timestamps) folded.
//!
//! PostgreSQL first groups the window's rows by exact message (read from
//! the finished and claimable indexes, within the window), so that only the
//! distinct messages travel; they are then folded and merged here.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;

use super::{Result, TaskId};

/// Messages are compared on their first this many characters.
const MESSAGE_PREFIX: i32 = 4096;

/// The message of a failure that recorded none.
const NO_ERROR: &str = "(no error recorded)";

/// One cause of failure.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorGroup {
    /// The normalised message: `<uuid>`, `<ts>`, `<path>`, `<hex>`, `<n>`
    /// stand for what was folded.
    pub pattern: String,
    /// Tasks with this cause: failed + retrying.
    pub count: i64,
    pub failed: i64,
    /// Tasks retrying after a failure with this cause.
    pub retrying: i64,
    pub task_names: Vec<String>,
    pub queues: Vec<String>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// The task that failed last with this cause.
    pub example_task_id: TaskId,
    /// Its message as recorded (its first 4096 characters).
    pub example_error: String,
}

/// Failures within a window, grouped.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorReport {
    pub window_start: DateTime<Utc>,
    /// Tasks counted (failed + retrying).
    pub tasks: i64,
    /// Causes, the most frequent first.
    pub groups: Vec<ErrorGroup>,
}

#[derive(Debug)]
struct ExactMessage {
    error: Option<String>,
    status: String,
    queue_names: Vec<String>,
    task_names: Vec<String>,
    n: i64,
    first_seen: DateTime<Utc>,
    last_seen: DateTime<Utc>,
    example: TaskId,
}

/// Failed tasks finished within `since`, and retrying tasks whose last
/// failure is that recent, of these queues (and task names, when given).
/// A retrying task's failure time is its completed_at (set by fail_task),
/// else its available_at (a task given back by reap-stuck).
pub async fn grouped(
    db: &mut PgConnection,
    queues: &[String],
    since: Duration,
    task_names: &[String],
) -> Result<ErrorReport> {
    // The window is measured on the database's clock, as completed_at is.
    let window_start: DateTime<Utc> = sqlx::query_scalar!(
        r#"SELECT now() - make_interval(secs => $1) AS "start!""#,
        since.as_secs_f64()
    )
    .fetch_one(&mut *db)
    .await?;
    let rows: Vec<ExactMessage> = sqlx::query_as!(
        ExactMessage,
        r#"SELECT left(error, $4) AS error, status AS "status!",
                array_agg(DISTINCT queue_name) AS "queue_names!",
                array_agg(DISTINCT task_name) AS "task_names!",
                count(*) AS "n!", min(completed_at) AS "first_seen!",
                max(completed_at) AS "last_seen!",
                (array_agg(task_id ORDER BY completed_at DESC))[1] AS "example!: TaskId"
           FROM (SELECT task_id, queue_name, task_name, status, error, completed_at
                   FROM absurd.tasks
                  WHERE queue_name = ANY ($1) AND status = 'failed' AND completed_at >= $2
                 UNION ALL
                 SELECT task_id, queue_name, task_name, 'retrying', error,
                        -- A reaped task's next try may lie ahead: seen now, not then.
                        least(coalesce(completed_at, available_at), now()) AS completed_at
                   FROM absurd.tasks
                  WHERE queue_name = ANY ($1) AND status IN ('pending', 'retrying')
                    AND (status = 'retrying' OR awaiting_retry) AND error IS NOT NULL
                    AND coalesce(completed_at, available_at) >= $2) f
          WHERE cardinality($3::text[]) = 0 OR task_name = ANY ($3)
          GROUP BY 1, 2"#,
        queues,
        window_start,
        task_names,
        MESSAGE_PREFIX
    )
    .fetch_all(&mut *db)
    .await?;
    Ok(fold(rows, window_start))
}

/// Every failed attempt ended within `since` (failed, timed out, reaped,
/// lost; also attempts of tasks that later completed), of these queues,
/// grouped by cause: `errors --attempts`. Counts are attempts, not tasks.
pub async fn grouped_attempts(
    db: &mut PgConnection,
    queues: &[String],
    since: Duration,
    task_names: &[String],
) -> Result<ErrorReport> {
    #[derive(sqlx::FromRow)]
    struct Row {
        error: Option<String>,
        queue_names: Vec<String>,
        task_names: Vec<String>,
        n: i64,
        first_seen: DateTime<Utc>,
        last_seen: DateTime<Utc>,
        example: uuid::Uuid,
    }
    let (window_start,): (DateTime<Utc>,) =
        sqlx::query_as("SELECT now() - make_interval(secs => $1)")
            .bind(since.as_secs_f64())
            .fetch_one(&mut *db)
            .await?;
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT left(a.error, $4) AS error,
                array_agg(DISTINCT a.queue_name) AS queue_names,
                array_agg(DISTINCT a.task_name) AS task_names,
                count(*) AS n, min(a.ended_at) AS first_seen, max(a.ended_at) AS last_seen,
                (array_agg(a.task_id ORDER BY a.ended_at DESC))[1] AS example
           FROM absurd.task_attempts a
          WHERE a.queue_name = ANY ($1) AND a.ended_at >= $2
            AND a.outcome IN ('failed', 'timed_out', 'reaped', 'lost')
            AND (cardinality($3::text[]) = 0 OR a.task_name = ANY ($3))
          GROUP BY 1",
    )
    .bind(queues)
    .bind(window_start)
    .bind(task_names)
    .bind(MESSAGE_PREFIX)
    .fetch_all(&mut *db)
    .await?;
    let rows = rows
        .into_iter()
        .map(|r| ExactMessage {
            error: r.error,
            status: "failed".into(),
            queue_names: r.queue_names,
            task_names: r.task_names,
            n: r.n,
            first_seen: r.first_seen,
            last_seen: r.last_seen,
            example: TaskId(r.example),
        })
        .collect();
    Ok(fold(rows, window_start))
}

/// The failed tasks of these queues that finished within `since` of `until`
/// (not after it) and whose error folds to `pattern`: the failed tasks of
/// one group [`grouped`] read at `until`, for `top` to retry that group and
/// no other task.
pub async fn failed_of_group(
    db: &mut PgConnection,
    queues: &[String],
    since: Duration,
    until: DateTime<Utc>,
    pattern: &str,
) -> Result<Vec<TaskId>> {
    let rows: Vec<(uuid::Uuid, Option<String>)> = sqlx::query_as(
        "SELECT task_id, left(error, $4)
           FROM absurd.tasks
          WHERE queue_name = ANY ($1) AND status = 'failed'
            AND completed_at >= $2 - make_interval(secs => $3) AND completed_at <= $2",
    )
    .bind(queues)
    .bind(until)
    .bind(since.as_secs_f64())
    .bind(MESSAGE_PREFIX)
    .fetch_all(&mut *db)
    .await?;
    Ok(rows
        .into_iter()
        .filter(|(_, e)| normalize(e.as_deref().unwrap_or(NO_ERROR)) == pattern)
        .map(|(id, _)| TaskId(id))
        .collect())
}

/// Merges exact messages into groups by their folded pattern.
fn fold(rows: Vec<ExactMessage>, window_start: DateTime<Utc>) -> ErrorReport {
    let mut groups: HashMap<String, ErrorGroup> = HashMap::new();
    let mut tasks = 0;
    for r in rows {
        tasks += r.n;
        let message = r.error.unwrap_or_else(|| NO_ERROR.into());
        let pattern = normalize(&message);
        let retrying = r.status == "retrying";
        let g = groups.entry(pattern.clone()).or_insert_with(|| ErrorGroup {
            pattern,
            count: 0,
            failed: 0,
            retrying: 0,
            task_names: Vec::new(),
            queues: Vec::new(),
            first_seen: r.first_seen,
            last_seen: r.last_seen,
            example_task_id: r.example,
            example_error: message.clone(),
        });
        g.count += r.n;
        if retrying {
            g.retrying += r.n;
        } else {
            g.failed += r.n;
        }
        g.first_seen = g.first_seen.min(r.first_seen);
        if r.last_seen > g.last_seen {
            g.last_seen = r.last_seen;
            g.example_task_id = r.example;
            g.example_error = message;
        }
        for name in r.task_names {
            if !g.task_names.contains(&name) {
                g.task_names.push(name);
            }
        }
        for q in r.queue_names {
            if !g.queues.contains(&q) {
                g.queues.push(q);
            }
        }
    }
    let mut groups: Vec<ErrorGroup> = groups.into_values().collect();
    for g in &mut groups {
        g.task_names.sort();
        g.queues.sort();
    }
    groups.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(b.last_seen.cmp(&a.last_seen))
            .then(a.pattern.cmp(&b.pattern))
    });
    ErrorReport {
        window_start,
        tasks,
        groups,
    }
}

/// Folds what varies between occurrences of one failure into placeholders:
/// UUIDs `<uuid>`, timestamps and times `<ts>`, absolute or relative paths
/// `<path>`, hex ids (0x..., or 8+ hex digits mixing digits and letters)
/// `<hex>`, numbers `<n>`; runs of whitespace become one space.
pub fn normalize(message: &str) -> String {
    let c: Vec<char> = message.chars().collect();
    let mut out = String::with_capacity(message.len());
    let mut i = 0;
    while i < c.len() {
        let boundary = i == 0 || !is_word(c[i - 1]);
        if boundary {
            // An exit code, a signal or an errno is the cause itself: kept.
            let n = digits(&c[i..]);
            if n > 0 && ends_word(&c[i..], n) && names_a_code(&c[..i]) {
                out.extend(&c[i..i + n]);
                i += n;
                continue;
            }
            let folded = [
                (uuid_len(&c[i..]), "<uuid>"),
                (timestamp_len(&c[i..]), "<ts>"),
                (path_len(&c[i..]), "<path>"),
                (ip_len(&c[i..]), "<ip>"),
                (duration_len(&c[i..]), "<duration>"),
                (hex_len(&c[i..]), "<hex>"),
                (number_len(&c[i..]), "<n>"),
            ]
            .into_iter()
            .find_map(|(len, placeholder)| len.map(|n| (n, placeholder)));
            if let Some((n, placeholder)) = folded {
                out.push_str(placeholder);
                i += n;
                continue;
            }
        }
        if c[i].is_whitespace() {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
            while i < c.len() && c[i].is_whitespace() {
                i += 1;
            }
            continue;
        }
        out.push(c[i]);
        i += 1;
    }
    out.trim_end().to_string()
}

/// Whether the text before a number ends with a word that makes the
/// number a code (`exit 137`, `exit code: 1`, `signal 9`, `[Errno 28]`,
/// `returncode=2`), which tells one cause from another.
fn names_a_code(before: &[char]) -> bool {
    let text: String = before.iter().collect::<String>().to_lowercase();
    let text =
        text.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '=' | '#' | '-'));
    const WORDS: [&str; 9] = [
        "exit",
        "code",
        "status",
        "signal",
        "sig",
        "errno",
        "returncode",
        "exited with",
        "killed by",
    ];
    WORDS.iter().any(|w| {
        text.ends_with(w)
            && text[..text.len() - w.len()]
                .chars()
                .next_back()
                .is_none_or(|c| !is_word(c))
    })
}

/// An IPv4 address: four numbers of at most 3 digits joined by dots.
fn ip_len(c: &[char]) -> Option<usize> {
    let mut i = 0;
    for k in 0..4 {
        if k > 0 {
            if c.get(i) != Some(&'.') {
                return None;
            }
            i += 1;
        }
        let n = digits(&c[i..]);
        if !(1..=3).contains(&n) {
            return None;
        }
        i += n;
    }
    ends_word(c, i).then_some(i)
}

/// A duration as programs print it: `3h 2m 1s`, `2m 1s`, `1h2m`, `12ms`,
/// `5.5s`: numbers each with a unit, spaces between them optional.
fn duration_len(c: &[char]) -> Option<usize> {
    const UNITS: [&str; 8] = ["ms", "us", "µs", "min", "d", "h", "m", "s"];
    let mut i = 0;
    let mut parts = 0;
    loop {
        let mut j = i;
        if parts > 0 {
            j += c[j..].iter().take_while(|x| **x == ' ').count();
        }
        let Some(n) = number_len(&c[j..]) else { break };
        let after = &c[j + n..];
        let unit = UNITS.iter().find(|u| {
            let u: Vec<char> = u.chars().collect();
            after.starts_with(&u) && ends_word(after, u.len())
        });
        match unit {
            Some(u) => {
                i = j + n + u.chars().count();
                parts += 1;
            }
            None => break,
        }
    }
    (parts > 0).then_some(i)
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn digits(c: &[char]) -> usize {
    c.iter().take_while(|x| x.is_ascii_digit()).count()
}

/// `n` digits exactly at the start of `c`.
fn exactly_digits(c: &[char], n: usize) -> bool {
    c.len() >= n && c[..n].iter().all(|x| x.is_ascii_digit())
}

fn ends_word(c: &[char], n: usize) -> bool {
    c.get(n).is_none_or(|x| !is_word(*x))
}

/// 8-4-4-4-12 hex digits.
fn uuid_len(c: &[char]) -> Option<usize> {
    let mut i = 0;
    for (k, group) in [8, 4, 4, 4, 12].into_iter().enumerate() {
        if k > 0 {
            if c.get(i) != Some(&'-') {
                return None;
            }
            i += 1;
        }
        if c.len() < i + group || !c[i..i + group].iter().all(|x| x.is_ascii_hexdigit()) {
            return None;
        }
        i += group;
    }
    ends_word(c, i).then_some(i)
}

/// `HH:MM:SS[.fff]`.
fn time_len(c: &[char]) -> Option<usize> {
    if !(exactly_digits(c, 2)
        && c.get(2) == Some(&':')
        && exactly_digits(&c[3..], 2)
        && c.get(5) == Some(&':')
        && exactly_digits(&c[6..], 2))
    {
        return None;
    }
    let mut i = 8;
    if matches!(c.get(i), Some('.') | Some(',')) && digits(&c[i + 1..]) > 0 {
        i += 1 + digits(&c[i + 1..]);
    }
    Some(i)
}

/// `YYYY-MM-DD[(T| )HH:MM[:SS[.fff]][Z|±HH[:MM]]]`, or a time alone.
fn timestamp_len(c: &[char]) -> Option<usize> {
    let is_date = exactly_digits(c, 4)
        && c.get(4) == Some(&'-')
        && exactly_digits(&c[5..], 2)
        && c.get(7) == Some(&'-')
        && exactly_digits(&c[8..], 2);
    if !is_date {
        return time_len(c);
    }
    let mut i = 10;
    if matches!(c.get(i), Some('T') | Some(' ')) {
        let rest = &c[i + 1..];
        let hm =
            exactly_digits(rest, 2) && rest.get(2) == Some(&':') && exactly_digits(&rest[3..], 2);
        if hm {
            i += 1 + time_len(rest).unwrap_or(5);
            if c.get(i) == Some(&'Z') {
                i += 1;
            } else if matches!(c.get(i), Some('+') | Some('-')) && exactly_digits(&c[i + 1..], 2) {
                i += 3;
                if c.get(i) == Some(&':') && exactly_digits(&c[i + 1..], 2) {
                    i += 3;
                } else if exactly_digits(&c[i..], 2) {
                    i += 2;
                }
            }
        }
    }
    Some(i)
}

/// A path: `/x...`, `./x`, `../x` or `~/x`, up to whitespace or a quote,
/// bracket or comma; a trailing `.` or `:` is punctuation, not the path's.
fn path_len(c: &[char]) -> Option<usize> {
    let start = if c.first() == Some(&'/') {
        1
    } else if c.starts_with(&['.', '/']) || c.starts_with(&['~', '/']) {
        2
    } else if c.starts_with(&['.', '.', '/']) {
        3
    } else {
        return None;
    };
    let stop = |x: &char| {
        x.is_whitespace() || matches!(x, '\'' | '"' | '`' | ')' | ']' | '}' | '>' | ',' | ';')
    };
    let mut n = start + c[start..].iter().take_while(|x| !stop(x)).count();
    if n == start {
        return None;
    }
    while n > start && matches!(c[n - 1], '.' | ':') {
        n -= 1;
    }
    Some(n)
}

/// `0x` and hex digits, or 8+ hex digits with at least one digit and one letter.
fn hex_len(c: &[char]) -> Option<usize> {
    if c.first() == Some(&'0') && matches!(c.get(1), Some('x') | Some('X')) {
        let n = c[2..].iter().take_while(|x| x.is_ascii_hexdigit()).count();
        return (n > 0).then_some(2 + n);
    }
    let n = c.iter().take_while(|x| x.is_ascii_hexdigit()).count();
    let run = &c[..n];
    (n >= 8
        && run.iter().any(|x| x.is_ascii_digit())
        && run.iter().any(|x| x.is_ascii_alphabetic())
        && ends_word(c, n))
    .then_some(n)
}

/// Digits with an optional decimal part; units may follow (`12ms`).
fn number_len(c: &[char]) -> Option<usize> {
    let n = digits(c);
    if n == 0 {
        return None;
    }
    if c.get(n) == Some(&'.') && digits(&c[n + 1..]) > 0 {
        return Some(n + 1 + digits(&c[n + 1..]));
    }
    Some(n)
}

#[cfg(test)]
mod tests;
