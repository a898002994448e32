//! A TCP proxy on 127.0.0.1 between absurdctl and PostgreSQL that forwards
//! each connection until absurdctl sends a message containing a trigger
//! (e.g. a statement's SQL text), and from then on goes silent on that
//! connection: nothing more reaches the server, no answer comes back, and
//! the connection stays open, as through a network that silently drops
//! packets. When absurdctl closes its end, the proxy closes the server's
//! end (as the server's keepalives would, in time, on a real network).
//!
//! [`SilentProxy::silence_open_connections`] silences every connection open
//! at that moment instead (a firewall losing its state table), while new
//! connections go through.
//!
//! Included with `#[path = "common/silent_proxy.rs"] mod silent_proxy;`.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

pub struct SilentProxy {
    pub port: u16,
    silenced: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    /// Bumped by silence_open_connections: a connection born before the
    /// current epoch is silent.
    epoch: Arc<AtomicUsize>,
}

impl SilentProxy {
    /// Forwards to the server of `url` (a postgres:// URL on 127.0.0.1).
    pub fn start(url: &str, trigger: &str) -> SilentProxy {
        let authority = url.split_once("://").unwrap().1.split('/').next().unwrap();
        let upstream = authority
            .rsplit_once('@')
            .map_or(authority, |(_, h)| h)
            .to_string();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let silenced = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let trigger = trigger.as_bytes().to_vec();
        let epoch = Arc::new(AtomicUsize::new(0));
        let (s, st, ep) = (silenced.clone(), stop.clone(), epoch.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if st.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                relay(client, server, trigger.clone(), s.clone(), ep.clone());
            }
        });
        SilentProxy {
            port,
            silenced,
            stop,
            epoch,
        }
    }

    /// Every connection open now goes silent; later ones are forwarded.
    pub fn silence_open_connections(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
    }

    /// `url` with the proxy's port instead of the server's.
    pub fn url(&self, url: &str) -> String {
        let (scheme, rest) = url.split_once("://").unwrap();
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (user, host) = match authority.rsplit_once('@') {
            Some((u, h)) => (format!("{u}@"), h),
            None => (String::new(), authority),
        };
        let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
        format!("{scheme}://{user}{host}:{}/{path}", self.port)
    }

    /// How many connections went silent so far.
    pub fn silenced(&self) -> usize {
        self.silenced.load(Ordering::SeqCst)
    }
}

impl Drop for SilentProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the stop.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn relay(
    mut client: TcpStream,
    mut server: TcpStream,
    trigger: Vec<u8>,
    count: Arc<AtomicUsize>,
    epoch: Arc<AtomicUsize>,
) {
    let silent = Arc::new(AtomicBool::new(false));
    let born = epoch.load(Ordering::SeqCst);
    let (silent_at_epoch, e2) = (silent.clone(), epoch.clone());
    let watcher_count = count.clone();
    // Turns the connection silent when the epoch moves on.
    std::thread::spawn(move || {
        while Arc::strong_count(&silent_at_epoch) > 1 {
            if e2.load(Ordering::SeqCst) > born && !silent_at_epoch.swap(true, Ordering::SeqCst) {
                watcher_count.fetch_add(1, Ordering::SeqCst);
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    });
    let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    let quiet = silent.clone();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match client.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if !trigger.is_empty()
                        && buf[..n].windows(trigger.len()).any(|w| w == trigger)
                        && !quiet.swap(true, Ordering::SeqCst)
                    {
                        count.fetch_add(1, Ordering::SeqCst);
                    }
                    if quiet.load(Ordering::SeqCst) {
                        continue;
                    }
                    if server.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = server.shutdown(Shutdown::Both);
    });
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match s2.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if silent.load(Ordering::SeqCst) {
                        continue;
                    }
                    if c2.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        // The server ended the session: the client sees the end only while
        // the network still works.
        if !silent.load(Ordering::SeqCst) {
            let _ = c2.shutdown(Shutdown::Both);
        }
    });
}
