//! The archive `vacuum --archive FILE` writes: every deleted row as one line
//! of JSON, gzip-compressed when FILE ends in `.gz`.
//!
//! Each batch is written, flushed and fsynced before the transaction that
//! deletes its rows commits, so a crash can leave rows in the archive that
//! were not deleted, never the reverse. Compressed, each batch is a gzip
//! member of its own: the file is a valid gzip stream after every batch,
//! and appending adds members (`zcat` reads them all).

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
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
/// written by vacuum, or a crash cut its last batch short.
pub fn check(path: &Path, append: bool) -> anyhow::Result<()> {
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
            return Ok(());
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
    let complete = if is_gzip(path) {
        complete_gzip_len(path)
    } else {
        complete_lines_len(path)
    }
    .map_err(|e| CliError::usage(format!("--archive {}: {e}", path.display())))?;
    if complete != meta.len() {
        return Err(CliError::usage(format!(
            "--archive {}: the file does not end with a complete {} (only its first {complete} \
             of {} bytes are); a run killed while writing leaves such a tail, whose rows were \
             not deleted: remove it with `truncate -s {complete} {}` and run again; nothing was \
             deleted",
            path.display(),
            if is_gzip(path) { "gzip member" } else { "line" },
            meta.len(),
            path.display()
        )));
    }
    Ok(())
}

impl Archive {
    /// Creates the file (refusing an existing one unless `append`, see
    /// [`check`]) and makes its directory entry durable.
    pub fn open(path: &Path, append: bool) -> anyhow::Result<Archive> {
        check(path, append)?;
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
        if !existed {
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

    /// Writes one batch of JSON rows and makes it durable (fsync) before
    /// returning: only then may the batch's deletion commit.
    pub fn write_batch<'a>(&mut self, rows: impl Iterator<Item = &'a str>) -> io::Result<()> {
        let mut text = Vec::new();
        let mut n = 0;
        for row in rows {
            text.extend_from_slice(row.as_bytes());
            text.push(b'\n');
            n += 1;
        }
        if n == 0 {
            return Ok(());
        }
        if self.gzip {
            let mut gz = GzEncoder::new(&mut self.file, Compression::default());
            gz.write_all(&text)?;
            gz.finish()?;
        } else {
            self.file.write_all(&text)?;
        }
        self.file.sync_data()?;
        self.rows += n;
        Ok(())
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

    #[test]
    fn gzip_batches_are_members_and_append_adds_more() {
        let (_dir, path) = temp("a.jsonl.gz");
        let mut a = Archive::open(&path, false).unwrap();
        a.write_batch(["{\"a\":1}", "{\"a\":2}"].into_iter())
            .unwrap();
        a.write_batch(["{\"a\":3}"].into_iter()).unwrap();
        a.finish().unwrap();
        assert!(Archive::open(&path, false).is_err(), "no overwrite");
        let mut a = Archive::open(&path, true).unwrap();
        a.write_batch(["{\"a\":4}"].into_iter()).unwrap();
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
        a.write_batch(["{\"a\":1}"].into_iter()).unwrap();
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
