//! Durations, counts and sizes as people read and write them. A leaf that
//! every layer may use: the queue layer's messages, the flags' defaults and
//! the rendering all print these the same way.

/// A duration as a flag takes it, the inverse of `cli::parse_duration`: `90d`,
/// `1d 12h`, `30m`, `1.5s`, `250ms` (never `2months 29days 2h 52m 48s`).
pub fn format_duration(d: std::time::Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let secs = d.as_secs();
    if secs < 60 && !ms.is_multiple_of(1000) {
        return format!("{:.1}s", d.as_secs_f64());
    }
    let mut parts = Vec::new();
    for (unit, n) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        let v = (secs / n)
            % match unit {
                "d" => u64::MAX,
                "h" => 24,
                _ => 60,
            };
        if v > 0 {
            parts.push(format!("{v}{unit}"));
        }
    }
    parts.join(" ")
}

/// `3350` -> `3,350`.
pub fn fmt_count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::from(if n < 0 { "-" } else { "" });
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `12s`, `4m 10s`, `3h 2m`, `2d 5h`: short, for tables.
pub fn fmt_secs(secs: f64) -> String {
    if !secs.is_finite() {
        return "-".into();
    }
    let neg = secs < 0.0;
    let s = secs.abs();
    let text = if s < 1.0 {
        format!("{:.0}ms", s * 1000.0)
    } else if s < 60.0 {
        format!("{s:.1}s")
    } else {
        let t = s.round() as u64;
        let (d, h, m, sec) = (t / 86400, (t % 86400) / 3600, (t % 3600) / 60, t % 60);
        if d > 0 {
            format!("{d}d {h}h")
        } else if h > 0 {
            format!("{h}h {m}m")
        } else {
            format!("{m}m {sec}s")
        }
    };
    if neg {
        format!("-{text}")
    } else {
        text
    }
}

/// `0.42ms`, `12.3ms`, then as [`fmt_secs`]: round trips and query times.
pub fn fmt_ms(ms: f64) -> String {
    if ms < 1.0 {
        format!("{ms:.2}ms")
    } else if ms < 1000.0 {
        format!("{ms:.1}ms")
    } else {
        fmt_secs(ms / 1000.0)
    }
}

/// `512 B`, `4.0 KiB`, `45.2 MiB`, `1.4 GiB`.
pub fn fmt_bytes(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value.abs() >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests;
