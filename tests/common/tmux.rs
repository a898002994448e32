//! A real terminal of a given size for tests: a tmux server of its own
//! (its own socket), one window running the command, and what the screen
//! shows read back with `capture-pane`. The server is killed on drop.

use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
}

/// What a test prints after the command so that the capture knows it ended.
pub const END: &str = "__absurdctl_test_end__";

/// What [`Tmux::start`] prints once its command has exited.
pub const END_OF_WATCH: &str = "__absurdctl_command_exited__";

impl Tmux {
    /// Starts `cmd` (a shell command) on a `cols` x `rows` terminal, with
    /// `env` set and NO_COLOR unset.
    pub fn start(cols: u16, rows: u16, cmd: &str, env: &[(&str, &str)]) -> Tmux {
        let socket = format!(
            "absurdctl-test-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        );
        let mut exports = String::from("unset NO_COLOR; export TERM=xterm-256color; ");
        for (k, v) in env {
            exports.push_str(&format!("export {k}='{v}'; "));
        }
        let status = Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-x", &cols.to_string(), "-y", &rows.to_string()])
            .arg(format!("{exports}{cmd}; printf {END_OF_WATCH}; sleep 600"))
            .status()
            .expect("tmux runs (apt-get install -y tmux)");
        assert!(status.success(), "tmux new-session");
        let t = Tmux { socket };
        // A server started without a client may keep its default size.
        t.tmux(&[
            "resize-window",
            "-x",
            &cols.to_string(),
            "-y",
            &rows.to_string(),
        ]);
        t
    }

    /// Runs `cmd` to its end on a `cols` x `rows` terminal and returns the
    /// screen it left (the end marker printed after it, without a newline,
    /// so that nothing scrolls).
    pub fn run(cols: u16, rows: u16, cmd: &str, env: &[(&str, &str)]) -> String {
        let t = Tmux::start(cols, rows, &format!("{cmd}; printf {END}"), env);
        t.wait_for(END, Duration::from_secs(60))
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The screen as text, one line per row, trailing blanks trimmed.
    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p"])
    }

    /// Waits until the screen shows `text`; returns the screen.
    pub fn wait_for(&self, text: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("the terminal never showed {text:?}; it shows:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Types `keys` (tmux key names: `q`, `C-c`, `Enter`).
    pub fn send_keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}
