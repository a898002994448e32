//! The archive `vacuum --archive FILE` writes: every deleted row as one line
//! of JSON, gzip-compressed when FILE ends in `.gz`.
//!
//! Each batch is written, flushed and fsynced before the transaction that
//! deletes its rows commits, so a crash can leave rows in the archive that
//! were not deleted, never the reverse. Compressed, each batch is a gzip
//! member of its own: the file is a valid gzip stream after every batch,
//! and appending adds members (`zcat` reads them all).
//!
//! Rows go to the file as they arrive from the database, one at a time:
//! memory does not grow with the batch. The file is locked (flock) while a
//! run writes it: a second vacuum given the same archive refuses before it
//! deletes anything, instead of interleaving its members with the first's.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;
use serde::Serialize;

use crate::error::CliError;

/// An archive open for writing.
pub struct Archive {
    file: File,
    path: PathBuf,
    gzip: bool,
    appended: bool,
    rows: u64,
}

/// What was archived, for the report.
#[derive(Debug, Clone, Serialize)]
pub struct ArchiveSummary {
    pub path: PathBuf,
    pub gzip: bool,
    /// Added to an existing file (--append) rather than a new one.
    pub appended: bool,
    /// Rows written by this run.
    pub rows: u64,
    /// The file's size after this run.
    pub bytes: u64,
}

/// Whether `path` names a compressed archive.
pub fn is_gzip(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "gz")
}

/// Refuses (bad usage, exit 2) an existing file unless appending, and an
/// existing one that does not end where a complete batch ends: it was not
/// written by vacuum, or a crash cut its last batch short; and (exit 5) one
/// that another run is writing.
pub fn check(path: &Path, append: bool) -> anyhow::Result<()> {
    if !check_path(path, append)? {
        return Ok(());
    }
    // Its end is only complete when no other run is writing it.
    let file = File::open(path)
        .map_err(|e| CliError::usage(format!("--archive {}: {e}", path.display())))?;
    lock(&file, path)?;
    check_complete(path)
}

/// Refuses a file that may not be written to; true when it exists.
fn check_path(path: &Path, append: bool) -> anyhow::Result<bool> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let dir = parent_dir(path);
            if !dir.is_dir() {
                return Err(CliError::usage(format!(
                    "--archive {}: no directory {}; nothing was deleted",
                    path.display(),
                    dir.display()
                )));
            }
            return Ok(false);
        }
        Err(e) => {
            return Err(CliError::usage(format!(
                "--archive {}: {e}; nothing was deleted",
                path.display()
            )))
        }
    };
    if !append {
        return Err(CliError::usage(format!(
            "--archive {}: the file exists; pass --append to add to it, or choose another \
             name; nothing was deleted",
            path.display()
        )));
    }
    if !meta.is_file() {
        return Err(CliError::usage(format!(
            "--archive {}: not a regular file; nothing was deleted",
            path.display()
        )));
    }
    Ok(true)
}

/// Refuses a file that does not end with a complete line or gzip member.
fn check_complete(path: &Path) -> anyhow::Result<()> {
    let len = std::fs::metadata(path)
        .map_err(|e| CliError::usage(format!("--archive {}: {e}", path.display())))?
        .len();
    let complete = if is_gzip(path) {
        complete_gzip_len(path)
    } else {
        complete_lines_len(path)
    }
    .map_err(|e| CliError::usage(format!("--archive {}: {e}", path.display())))?;
    if complete != len {
        return Err(CliError::usage(format!(
            "--archive {}: the file does not end with a complete {} (only its first {complete} \
             of {} bytes are); a run killed while writing leaves such a tail, whose rows were \
             not deleted: remove it with `truncate -s {complete} {}` and run again; nothing was \
             deleted",
            path.display(),
            if is_gzip(path) { "gzip member" } else { "line" },
            len,
            path.display()
        )));
    }
    Ok(())
}

/// Takes the archive's exclusive lock, held until `file` is closed, or
/// refuses (exit 5) when another process holds it, naming it when the
/// kernel says who (/proc/locks).
fn lock(file: &File, path: &Path) -> anyhow::Result<()> {
    // SAFETY: flock on a file descriptor this File owns for the whole call.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
        return Ok(());
    }
    let err = io::Error::last_os_error();
    if err.raw_os_error() != Some(libc::EWOULDBLOCK) {
        return Err(anyhow::Error::new(err).context(format!(
            "cannot lock --archive {}; nothing was deleted",
            path.display()
        )));
    }
    let holder = file
        .metadata()
        .ok()
        .and_then(|m| lock_holder(m.ino()))
        .map(|(pid, cmd)| format!(" (process {pid}: {cmd})"))
        .unwrap_or_default();
    Err(CliError::Refused(format!(
        "--archive {}: another run is writing to it{holder}; refusing rather than waiting, \
         nothing was deleted: run again once it has finished, or give another archive",
        path.display()
    ))
    .into())
}

/// The process holding a flock on inode `ino` and its command line.
fn lock_holder(ino: u64) -> Option<(i32, String)> {
    let locks = std::fs::read_to_string("/proc/locks").ok()?;
    locks.lines().find_map(|line| {
        // `1: FLOCK  ADVISORY  WRITE 4242 08:01:1234 0 EOF`; waiters have `->`.
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.get(1) != Some(&"FLOCK") {
            return None;
        }
        let pid: i32 = fields.get(4)?.parse().ok()?;
        let inode: u64 = fields.get(5)?.rsplit(':').next()?.parse().ok()?;
        if inode != ino {
            return None;
        }
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline"))
            .map(|raw| {
                let text: Vec<String> = raw
                    .split(|&b| b == 0)
                    .filter(|a| !a.is_empty())
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect();
                crate::error::redact(&text.join(" "))
            })
            .unwrap_or_else(|_| "command line unknown".into());
        Some((pid, cmd))
    })
}

impl Archive {
    /// Creates the file (refusing an existing one unless `append`, see
    /// [`check`]), locks it for this run, and makes its directory entry
    /// durable.
    pub fn open(path: &Path, append: bool) -> anyhow::Result<Archive> {
        check_path(path, append)?;
        let existed = path.exists();
        let mut options = OpenOptions::new();
        options.append(true);
        if append {
            options.create(true);
        } else {
            options.create_new(true);
        }
        let file = options.open(path).map_err(|e| {
            if e.kind() == io::ErrorKind::AlreadyExists {
                CliError::usage(format!(
                    "--archive {}: the file exists; pass --append to add to it; nothing was deleted",
                    path.display()
                ))
            } else {
                anyhow::Error::new(e).context(format!("cannot open --archive {}", path.display()))
            }
        })?;
        lock(&file, path)?;
        if existed {
            check_complete(path)?;
        } else {
            sync_parent_dir(path)?;
        }
        Ok(Archive {
            file,
            path: path.to_path_buf(),
            gzip: is_gzip(path),
            appended: existed,
            rows: 0,
        })
    }

    /// Starts writing one batch; its rows go to the file as they come.
    pub fn batch(&mut self) -> BatchWriter<'_> {
        BatchWriter {
            file: Some(&mut self.file),
            gzip: self.gzip,
            out: None,
            rows: 0,
            total: &mut self.rows,
        }
    }

    /// Closes the archive. An empty compressed archive gets one empty
    /// member, so that it is a valid gzip file.
    pub fn finish(mut self) -> io::Result<ArchiveSummary> {
        if self.gzip && self.file.metadata()?.len() == 0 {
            GzEncoder::new(&mut self.file, Compression::default()).finish()?;
        }
        self.file.sync_all()?;
        let bytes = self.file.metadata()?.len();
        Ok(ArchiveSummary {
            path: self.path,
            gzip: self.gzip,
            appended: self.appended,
            rows: self.rows,
            bytes,
        })
    }
}

/// One batch being written: each row through a small buffer (and the
/// compressor) to the file, so that no batch is ever held in memory.
pub struct BatchWriter<'a> {
    /// The file, until the first row opens `out` on it.
    file: Option<&'a mut File>,
    gzip: bool,
    out: Option<Out<'a>>,
    rows: u64,
    total: &'a mut u64,
}

enum Out<'a> {
    Plain(BufWriter<&'a mut File>),
    /// One gzip member per batch, started at its first row (an empty batch
    /// adds nothing).
    Gzip(GzEncoder<BufWriter<&'a mut File>>),
}

const WRITE_BUFFER: usize = 64 * 1024;

impl BatchWriter<'_> {
    /// Writes one row (a JSON object, without newline).
    pub fn row(&mut self, json: &str) -> io::Result<()> {
        if self.out.is_none() {
            let file = self
                .file
                .take()
                .ok_or_else(|| io::Error::other("archive closed"))?;
            let buf = BufWriter::with_capacity(WRITE_BUFFER, file);
            self.out = Some(if self.gzip {
                Out::Gzip(GzEncoder::new(buf, Compression::default()))
            } else {
                Out::Plain(buf)
            });
        }
        let w: &mut dyn Write = match self.out.as_mut() {
            Some(Out::Plain(w)) => w,
            Some(Out::Gzip(w)) => w,
            None => unreachable!("opened above"),
        };
        w.write_all(json.as_bytes())?;
        w.write_all(b"\n")?;
        self.rows += 1;
        Ok(())
    }

    /// Ends the batch (its gzip member) and makes it durable (fsync): only
    /// then may the batch's deletion commit.
    pub fn finish(self) -> io::Result<()> {
        let buf = match self.out {
            None => return Ok(()),
            Some(Out::Plain(w)) => w,
            Some(Out::Gzip(gz)) => gz.finish()?,
        };
        let file = buf.into_inner().map_err(|e| e.into_error())?;
        file.sync_data()?;
        *self.total += self.rows;
        Ok(())
    }
}

/// The length of the prefix of a JSON-lines file that ends with a newline.
fn complete_lines_len(path: &Path) -> io::Result<u64> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let mut pos = len;
    let mut buf = vec![0u8; 64 * 1024];
    while pos > 0 {
        let start = pos.saturating_sub(buf.len() as u64);
        let chunk = &mut buf[..(pos - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(chunk)?;
        if let Some(i) = chunk.iter().rposition(|&b| b == b'\n') {
            return Ok(start + i as u64 + 1);
        }
        pos = start;
    }
    Ok(0)
}

/// The length of the prefix of a file made of complete gzip members. Reads
/// (decompresses) the whole file.
fn complete_gzip_len(path: &Path) -> io::Result<u64> {
    let mut reader = BufReader::new(File::open(path)?);
    let mut complete = 0;
    loop {
        if reader.fill_buf()?.is_empty() {
            return Ok(complete);
        }
        let mut member = flate2::bufread::GzDecoder::new(reader);
        if io::copy(&mut member, &mut io::sink()).is_err() {
            return Ok(complete);
        }
        reader = member.into_inner();
        complete = reader.stream_position()?;
    }
}

/// Makes a new file's directory entry durable, so that a crash right after
/// the first batch commits cannot lose the whole file.
fn sync_parent_dir(path: &Path) -> io::Result<()> {
    File::open(parent_dir(path))?.sync_all()
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A directory of the test's own, removed when the test ends.
    struct TempDir(PathBuf);

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn temp(name: &str) -> (TempDir, PathBuf) {
        let dir = std::env::temp_dir().join(format!("absurdctl-archive-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        (TempDir(dir), path)
    }

    fn write(a: &mut Archive, rows: &[&str]) {
        let mut batch = a.batch();
        for row in rows {
            batch.row(row).unwrap();
        }
        batch.finish().unwrap();
    }

    #[test]
    fn a_second_writer_is_refused_while_the_first_holds_the_file() {
        let (_dir, path) = temp("l.jsonl.gz");
        let mut a = Archive::open(&path, false).unwrap();
        write(&mut a, &["{\"a\":1}"]);
        let err = Archive::open(&path, true).err().unwrap();
        let msg = err.to_string();
        assert!(msg.contains("another run is writing to it"), "{msg}");
        assert!(
            msg.contains(&format!("process {}", std::process::id())),
            "{msg}"
        );
        assert!(
            check(&path, true).is_err(),
            "check waits for no writer either"
        );
        a.finish().unwrap();
        Archive::open(&path, true).unwrap().finish().unwrap();
    }

    #[test]
    fn gzip_batches_are_members_and_append_adds_more() {
        let (_dir, path) = temp("a.jsonl.gz");
        let mut a = Archive::open(&path, false).unwrap();
        write(&mut a, &["{\"a\":1}", "{\"a\":2}"]);
        write(&mut a, &[]);
        write(&mut a, &["{\"a\":3}"]);
        a.finish().unwrap();
        assert!(Archive::open(&path, false).is_err(), "no overwrite");
        let mut a = Archive::open(&path, true).unwrap();
        write(&mut a, &["{\"a\":4}"]);
        let s = a.finish().unwrap();
        assert!(s.appended);
        let mut text = String::new();
        flate2::read::MultiGzDecoder::new(File::open(&path).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n{\"a\":4}\n");
    }

    #[test]
    fn a_cut_tail_is_refused_with_where_it_starts() {
        let (_dir, path) = temp("b.jsonl.gz");
        let mut a = Archive::open(&path, false).unwrap();
        write(&mut a, &["{\"a\":1}"]);
        let good = a.finish().unwrap().bytes;
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&[0x1f, 0x8b, 8, 0, 0]).unwrap();
        let err = check(&path, true).unwrap_err().to_string();
        assert!(err.contains(&format!("truncate -s {good}")), "{err}");

        let (_dir2, path) = temp("c.jsonl");
        std::fs::write(&path, "{\"a\":1}\n{\"a\":").unwrap();
        let err = check(&path, true).unwrap_err().to_string();
        assert!(err.contains("truncate -s 8"), "{err}");
        std::fs::write(&path, "{\"a\":1}\n").unwrap();
        check(&path, true).unwrap();
    }
}
