//! The systemd notify protocol (sd_notify(3)): READY=1 once the worker
//! claims, WATCHDOG=1 while its loop turns, STOPPING=1 when it drains.
//! Spoken only when systemd set NOTIFY_SOCKET.

use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::time::Duration;

pub struct Notifier {
    socket: UnixDatagram,
    addr: SocketAddr,
    watchdog: Option<Duration>,
}

impl Notifier {
    /// The notifier systemd asked for, if any.
    pub fn from_env() -> std::io::Result<Option<Notifier>> {
        let Some(path) = std::env::var_os("NOTIFY_SOCKET").filter(|p| !p.is_empty()) else {
            return Ok(None);
        };
        let addr = socket_addr(&path)?;
        // Every half watchdog period, as sd_watchdog_enabled(3) advises,
        // unless the watchdog is meant for another process.
        let for_us = std::env::var("WATCHDOG_PID")
            .ok()
            .and_then(|p| p.trim().parse::<u32>().ok())
            .is_none_or(|pid| pid == std::process::id());
        let watchdog = std::env::var("WATCHDOG_USEC")
            .ok()
            .and_then(|u| u.trim().parse::<u64>().ok())
            .filter(|&u| u > 0 && for_us)
            .map(|u| Duration::from_micros(u / 2));
        let socket = UnixDatagram::unbound()?;
        // A listener that does not read must never stall the worker: when
        // its queue is full the message is dropped instead.
        socket.set_nonblocking(true)?;
        Ok(Some(Notifier {
            socket,
            addr,
            watchdog,
        }))
    }

    /// How often WATCHDOG=1 is due, when systemd watches.
    pub fn watchdog_every(&self) -> Option<Duration> {
        self.watchdog
    }

    /// Sends one state line; a lost datagram is not worth failing over.
    pub fn notify(&self, state: &str) {
        let _ = self.socket.send_to_addr(state.as_bytes(), &self.addr);
    }
}

/// A path, or with a leading `@` a Linux abstract socket name.
fn socket_addr(path: &std::ffi::OsStr) -> std::io::Result<SocketAddr> {
    use std::os::unix::ffi::OsStrExt;
    let bytes = path.as_bytes();
    if let Some(name) = bytes.strip_prefix(b"@") {
        abstract_addr(name)
    } else {
        SocketAddr::from_pathname(path)
    }
}

#[cfg(target_os = "linux")]
fn abstract_addr(name: &[u8]) -> std::io::Result<SocketAddr> {
    use std::os::linux::net::SocketAddrExt;
    SocketAddr::from_abstract_name(name)
}

#[cfg(not(target_os = "linux"))]
fn abstract_addr(_name: &[u8]) -> std::io::Result<SocketAddr> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "abstract NOTIFY_SOCKET addresses exist on Linux only",
    ))
}
