//! Facts of the host absurdctl runs on: who runs it and where. The audit
//! rows, the pause records and the worker ids name them; the queue layer is
//! handed them ([`operator`]) and never looks them up itself.

use crate::queue::audit::Operator;

/// This process's OS user and host, as an audit row records them.
pub fn operator() -> Operator {
    Operator {
        os_user: os_user(),
        host: hostname(),
    }
}

/// The OS user running absurdctl.
pub fn os_user() -> Option<String> {
    std::env::var("SUDO_USER")
        .ok()
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .or_else(|| {
            // SAFETY: getuid never fails; getpwuid returns a pointer into static storage or null.
            unsafe {
                let pw = libc::getpwuid(libc::getuid());
                if pw.is_null() {
                    None
                } else {
                    Some(
                        std::ffi::CStr::from_ptr((*pw).pw_name)
                            .to_string_lossy()
                            .into_owned(),
                    )
                }
            }
        })
}

/// This host's name.
pub fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates on success.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return "unknown".into();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}
