//! Progress reported by handlers: any language can write a line to the
//! file named in `ABSURD_PROGRESS_FILE`, such as `42% calibrating field 3`
//! or `0.42 calibrating field 3` (a fraction from 0 to 1, or a percentage
//! with `%`, then an optional message). The last line counts; the worker
//! reads it at every heartbeat and at the end, and stores it in the
//! attempt's history.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Longest message kept, in characters.
const MESSAGE_CHARS: usize = 200;

/// Bytes read from the end of a progress file: its last line is enough.
const READ_BYTES: u64 = 4096;

/// A progress report: a fraction from 0 to 1, and a message.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub fraction: f64,
    pub message: Option<String>,
}

/// The last well-formed line of `text`, as progress.
pub fn parse(text: &str) -> Option<Progress> {
    text.lines().rev().find_map(parse_line)
}

fn parse_line(line: &str) -> Option<Progress> {
    let line = line.trim();
    let (number, rest) = line
        .split_once(char::is_whitespace)
        .map_or((line, ""), |(n, r)| (n, r.trim()));
    let fraction = match number.strip_suffix('%') {
        Some(percent) => percent.parse::<f64>().ok()? / 100.0,
        None => number.parse::<f64>().ok()?,
    };
    if !fraction.is_finite() || !(0.0..=1.0).contains(&fraction) {
        return None;
    }
    let message: String = rest
        .chars()
        .filter(|c| !c.is_control())
        .take(MESSAGE_CHARS)
        .collect();
    Some(Progress {
        fraction,
        message: (!message.is_empty()).then(|| crate::error::redact(&message)),
    })
}

/// The progress last written to `path` (None when there is none yet).
pub fn read(path: &Path) -> Option<Progress> {
    let mut file = std::fs::File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    file.seek(SeekFrom::Start(len.saturating_sub(READ_BYTES)))
        .ok()?;
    let mut bytes = Vec::new();
    file.take(READ_BYTES).read_to_end(&mut bytes).ok()?;
    parse(&String::from_utf8_lossy(&bytes))
}

/// A directory of this worker's progress files, only its user's, removed
/// when dropped.
pub struct Dir(PathBuf);

/// The start of a progress directory's name, before `<pid>-<random>`.
const PREFIX: &str = "absurdctl-worker-";

/// Removes the progress directories under `base` that this user's workers
/// left when they were killed (SIGKILL skips the drop): those whose pid no
/// longer runs. A directory whose pid runs, or that another user owns, stays.
fn remove_stale(base: &std::path::Path) {
    use std::os::unix::fs::MetadataExt;
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<libc::pid_t>().ok())
            .filter(|&pid| pid > 1)
        else {
            continue;
        };
        let owned =
            std::fs::symlink_metadata(entry.path()).is_ok_and(|m| m.is_dir() && m.uid() == me);
        // SAFETY: signal 0 only asks whether the process exists.
        let gone = unsafe { libc::kill(pid, 0) } != 0
            && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
        if owned && gone {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl Dir {
    pub fn create() -> std::io::Result<Dir> {
        use std::os::unix::fs::DirBuilderExt;
        let base = std::env::var_os("XDG_RUNTIME_DIR")
            .map(PathBuf::from)
            .filter(|p| p.is_dir())
            .unwrap_or_else(std::env::temp_dir);
        remove_stale(&base);
        let path = base.join(format!(
            "{PREFIX}{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::DirBuilder::new().mode(0o700).create(&path)?;
        Ok(Dir(path))
    }

    /// The progress file of one run (created by the handler when it writes).
    pub fn file(&self, run: u64) -> PathBuf {
        self.0.join(format!("{run}.progress"))
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_workers_directory_goes_and_a_live_ones_stays() {
        let base =
            std::env::temp_dir().join(format!("absurdctl-progress-test-{}", std::process::id()));
        std::fs::create_dir_all(&base).unwrap();
        // A pid that ran and was reaped: no process has it now.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let stale = base.join(format!("{PREFIX}{dead}-0123abcd"));
        let live = base.join(format!("{PREFIX}{}-4567ef00", std::process::id()));
        let other = base.join("absurdctl-worker-notapid-x");
        for d in [&stale, &live, &other] {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(stale.join("1.progress"), "50%").unwrap();
        remove_stale(&base);
        let left = (stale.exists(), live.exists(), other.exists());
        std::fs::remove_dir_all(&base).unwrap();
        assert_eq!(left, (false, true, true), "(stale, live, not a pid)");
    }

    #[test]
    fn fractions_percentages_and_messages() {
        assert_eq!(
            parse("42% calibrating field 3\n"),
            Some(Progress {
                fraction: 0.42,
                message: Some("calibrating field 3".into())
            })
        );
        assert_eq!(
            parse("0.5"),
            Some(Progress {
                fraction: 0.5,
                message: None
            })
        );
        // The last well-formed line counts.
        assert_eq!(parse("10% a\n20% b\nnoise\n").unwrap().fraction, 0.2);
        assert_eq!(parse("150%\n"), None);
        assert_eq!(parse("2 done"), None);
        assert_eq!(parse("NaN"), None);
        assert_eq!(parse(""), None);
        let long = format!("1% {}", "x".repeat(500));
        assert_eq!(parse(&long).unwrap().message.unwrap().len(), MESSAGE_CHARS);
    }

    #[test]
    fn the_last_line_of_a_long_file_is_read() {
        let dir = Dir::create().unwrap();
        let path = dir.file(1);
        assert_eq!(read(&path), None);
        let mut text = "1% start\n".repeat(2000);
        text.push_str("99% almost\n");
        std::fs::write(&path, text).unwrap();
        assert_eq!(read(&path).unwrap().fraction, 0.99);
        let kept = dir.0.clone();
        drop(dir);
        assert!(!kept.exists());
    }
}
