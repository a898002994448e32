//! The pipes of a persistent handler: tasks written as lines, answers read
//! as lines of bounded length, standard error read as it comes.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

/// A line of a handler's standard output, or one too long to keep.
pub(super) enum Line {
    Text(Vec<u8>),
    TooLong,
}

/// Writes the tasks' lines, as many as are waiting in one write.
pub(super) async fn write_lines(
    mut to: tokio::process::ChildStdin,
    mut lines: mpsc::UnboundedReceiver<Vec<u8>>,
) {
    let mut buf = Vec::new();
    while let Some(line) = lines.recv().await {
        buf.clear();
        buf.extend_from_slice(&line);
        while let Ok(more) = lines.try_recv() {
            buf.extend_from_slice(&more);
        }
        if to.write_all(&buf).await.is_err() {
            return;
        }
    }
}

/// Splits standard output into lines of at most `max` bytes (a longer one
/// is reported as such, once, and skipped to its end).
pub(super) async fn read_lines(
    mut from: impl AsyncRead + Unpin,
    max: usize,
    lines: mpsc::Sender<Line>,
) {
    let mut chunk = vec![0u8; 64 * 1024];
    let mut line = Vec::new();
    let mut too_long = false;
    while let Ok(n) = from.read(&mut chunk).await {
        if n == 0 {
            break;
        }
        let mut rest = &chunk[..n];
        while let Some(end) = rest.iter().position(|&b| b == b'\n') {
            if !too_long {
                line.extend_from_slice(&rest[..end]);
                let whole = std::mem::take(&mut line);
                let sent = if whole.len() > max {
                    Line::TooLong
                } else {
                    Line::Text(whole)
                };
                if lines.send(sent).await.is_err() {
                    return;
                }
            }
            too_long = false;
            rest = &rest[end + 1..];
        }
        if !too_long {
            line.extend_from_slice(rest);
            if line.len() > max {
                too_long = true;
                line.clear();
                if lines.send(Line::TooLong).await.is_err() {
                    return;
                }
            }
        }
    }
    if !too_long && !line.is_empty() {
        let _ = lines.send(Line::Text(line)).await;
    }
}

pub(super) async fn read_chunks(mut from: impl AsyncRead + Unpin, chunks: mpsc::Sender<Vec<u8>>) {
    let mut chunk = vec![0u8; 16 * 1024];
    while let Ok(n) = from.read(&mut chunk).await {
        if n == 0 || chunks.send(chunk[..n].to_vec()).await.is_err() {
            return;
        }
    }
}
