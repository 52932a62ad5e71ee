//! tmux as a terminal for the real binary: start a command in a detached session of a server of
//! the test's own, send keys, read the screen.

use std::process::Command;
use std::time::{Duration, Instant};

/// A tmux server of this test's own (its own socket), killed on drop.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    pub fn start(name: &str, command: &str) -> Tmux {
        Tmux::start_sized(name, command, 120, 40)
    }

    /// A terminal of `width`×`height` (80×24 is what most people pair in).
    pub fn start_sized(name: &str, command: &str, width: u16, height: u16) -> Tmux {
        let socket = format!("sshdoctor-{name}-{}", std::process::id());
        let (width, height) = (width.to_string(), height.to_string());
        let ok = super::english(&mut Command::new("tmux"))
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "t",
                "-x",
                &width,
                "-y",
                &height,
                command,
            ])
            .status()
            .expect("tmux is installed (.ci/run installs it)")
            .success();
        assert!(ok, "tmux new-session failed");
        Tmux { socket }
    }

    pub fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "t"])
    }

    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", "-t", "t", k]);
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// Type text literally (no key names).
    pub fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "t", "-l", text]);
        std::thread::sleep(Duration::from_millis(150));
    }

    /// Paste text as a terminal does (`paste-buffer -p`: bracketed when the program asked for
    /// it), newlines included.
    pub fn paste(&self, text: &str) {
        self.tmux(&["set-buffer", "-b", "sshdoctor-test", "--", text]);
        self.tmux(&[
            "paste-buffer",
            "-p",
            "-d",
            "-b",
            "sshdoctor-test",
            "-t",
            "t",
        ]);
        std::thread::sleep(Duration::from_millis(150));
    }

    /// Wait (bounded: a safety limit, not a timing assertion) until `pred` holds for the screen.
    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let screen = self.screen();
            if pred(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "waiting for {what}; the screen is:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn alternate_screen(&self) -> bool {
        self.tmux(&["display-message", "-p", "-t", "t", "#{alternate_on}"])
            .trim()
            == "1"
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}
