//! A client-side deadline on every statement, and TCP keepalives, for every
//! database connection over TCP.
//!
//! sqlx 0.8 opens its sockets itself and offers neither keepalive settings
//! nor a per-statement timeout, and its statements are awaited in a hundred
//! places. So the pools do not connect to the server but to a relay in this
//! process (on 127.0.0.1, port chosen by the system), which opens the real
//! connection, with keepalives on, and copies bytes both ways. It sees every
//! request go out and every answer come back in order: a request that has
//! had no byte of answer for longer than the deadline (the statement timeout,
//! after which the server itself answers with an error, plus the connect
//! timeout for the answer to travel) means the network or the server has
//! gone silent. The relay then closes both ends: sqlx fails the statement,
//! the server (once it hears, or through its own keepalives) ends the session
//! and releases its locks, and the command exits 3 naming the server and what
//! it waited for.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use sqlx::postgres::PgConnectOptions;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Keepalive probes start after this much silence on an idle connection...
const KEEPALIVE_IDLE_SECS: i32 = 30;
/// ...and are repeated this often...
const KEEPALIVE_INTERVAL_SECS: i32 = 10;
/// ...this many times before the kernel declares the connection dead.
const KEEPALIVE_COUNT: i32 = 3;

/// The statement that went unanswered, for the error message.
#[derive(Debug, Clone)]
pub struct Silence {
    pub peer: String,
    pub waited: Duration,
}

/// The deadline in milliseconds; 0 when there is none (statements may run for ever).
static LIMIT_MS: AtomicU64 = AtomicU64::new(0);

fn fired() -> &'static Mutex<Option<Silence>> {
    static FIRED: OnceLock<Mutex<Option<Silence>>> = OnceLock::new();
    FIRED.get_or_init(|| Mutex::new(None))
}

/// Lifts the deadline for the rest of the process: after `SET
/// statement_timeout = 0` (VACUUM, REINDEX) a statement may rightly keep
/// the server silent for hours. Keepalives still detect a dead peer.
pub fn lift() {
    LIMIT_MS.store(0, Ordering::SeqCst);
}

/// The last statement the relay gave up on, if any.
pub fn silence() -> Option<Silence> {
    fired().lock().ok().and_then(|f| f.clone())
}

/// Options that connect through a relay to the server `options` name, with
/// `limit` as the longest wait for the first byte of an answer (None: no
/// limit, keepalives only). A server reached by a Unix socket is connected
/// to directly: no network lies between. Must run inside the tokio runtime.
pub fn guard(
    options: PgConnectOptions,
    limit: Option<Duration>,
) -> std::io::Result<PgConnectOptions> {
    LIMIT_MS.store(
        limit.map_or(0, |d| d.as_millis().max(1) as u64),
        Ordering::SeqCst,
    );
    if options.get_socket().is_some() {
        return Ok(options);
    }
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    listener.set_nonblocking(true)?;
    let port = listener.local_addr()?.port();
    let listener = TcpListener::from_std(listener)?;
    let upstream = (options.get_host().to_string(), options.get_port());
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let _ = client.set_nodelay(true);
                let Ok(server) = TcpStream::connect((upstream.0.as_str(), upstream.1)).await else {
                    // The client sees the connection end during its startup
                    // and reports it; the first connection of every command
                    // goes direct, so a refused server is named there.
                    return;
                };
                let _ = server.set_nodelay(true);
                keepalive(&server);
                let peer = server
                    .peer_addr()
                    .map(|a: SocketAddr| a.to_string())
                    .unwrap_or_else(|_| format!("{}:{}", upstream.0, upstream.1));
                relay(client, server, peer).await;
            });
        }
    });
    Ok(options.host("127.0.0.1").port(port))
}

/// Copies both ways until either end closes or a request goes unanswered
/// for longer than the deadline.
async fn relay(client: TcpStream, server: TcpStream, peer: String) {
    let start = Instant::now();
    // When the oldest unanswered request went out (ms since `start`, plus
    // one so that 0 means none).
    let pending = Arc::new(AtomicU64::new(0));
    let (mut client_rx, mut client_tx) = client.into_split();
    let (mut server_rx, mut server_tx) = server.into_split();
    let requests = {
        let pending = pending.clone();
        async move {
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = match client_rx.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                let now = start.elapsed().as_millis() as u64 + 1;
                let _ = pending.compare_exchange(0, now, Ordering::SeqCst, Ordering::SeqCst);
                if server_tx.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
        }
    };
    let answers = {
        let pending = pending.clone();
        async move {
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = match server_rx.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                // Answered before the client can see it, so its next request
                // (sent after reading this) starts a fresh wait.
                pending.store(0, Ordering::SeqCst);
                if client_tx.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
        }
    };
    let watchdog = async {
        loop {
            let limit = LIMIT_MS.load(Ordering::SeqCst);
            let tick = if limit == 0 {
                1000
            } else {
                (limit / 4).clamp(50, 1000)
            };
            tokio::time::sleep(Duration::from_millis(tick)).await;
            let since = pending.load(Ordering::SeqCst);
            let limit = LIMIT_MS.load(Ordering::SeqCst);
            if since == 0 || limit == 0 {
                continue;
            }
            let waited = (start.elapsed().as_millis() as u64 + 1).saturating_sub(since);
            if waited > limit {
                if let Ok(mut f) = fired().lock() {
                    *f = Some(Silence {
                        peer: peer.clone(),
                        waited: Duration::from_millis(waited),
                    });
                }
                return;
            }
        }
    };
    // Whichever ends first, both sockets are dropped (closed) with the rest.
    tokio::select! {
        _ = requests => {}
        _ = answers => {}
        _ = watchdog => {}
    }
}

/// Keepalive probes after 30 s of silence; the kernel then gives the
/// connection up after three unanswered probes 10 s apart.
fn keepalive(stream: &TcpStream) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let fd = stream.as_raw_fd();
        let set = |level: libc::c_int, name: libc::c_int, value: libc::c_int| {
            // SAFETY: fd is an open socket of ours and value a c_int, as
            // these options expect.
            unsafe {
                libc::setsockopt(
                    fd,
                    level,
                    name,
                    (&value as *const libc::c_int).cast(),
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                );
            }
        };
        set(libc::SOL_SOCKET, libc::SO_KEEPALIVE, 1);
        set(libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, KEEPALIVE_IDLE_SECS);
        set(
            libc::IPPROTO_TCP,
            libc::TCP_KEEPINTVL,
            KEEPALIVE_INTERVAL_SECS,
        );
        set(libc::IPPROTO_TCP, libc::TCP_KEEPCNT, KEEPALIVE_COUNT);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = stream;
}
