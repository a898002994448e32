//! What varies between occurrences of one failure, folded, so that one
//! cause is one group.

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
