//! `sshdoctor server --watch` in the console (tmux as the terminal): the server's own
//! checklist, then a login that fails while it watches shows up explained in the log pane.

mod common;

use common::sshd::{KeyKind, Sshd};
use common::tmux::Tmux;
use common::{Home, BIN};

#[test]
fn the_console_watches_a_login_fail_and_explains_it() {
    let sshd = Sshd::builder()
        .host_keys(&[KeyKind::Ed25519])
        .extra_config("AllowUsers sshdoctor-test\n")
        .log_file()
        .start();
    let home = Home::new();
    home.write_file(
        ".ssh/known_hosts",
        &format!("{}\n", sshd.known_hosts_line(KeyKind::Ed25519)),
    );
    let key = home.generate_key(KeyKind::Ed25519, "id_test");
    let command = format!(
        "env LANG=C.UTF-8 {BIN} server --watch --user daemon --log {} --sshd-config {}; echo SSHDOCTOR-EXIT=$?; sleep 60",
        sshd.log_path().display(),
        sshd.config_path().display()
    );
    let tmux = Tmux::start_sized("server", &command, 120, 40);
    let first = tmux.wait_for("the server's checklist", |s| {
        s.contains("sshd log") && s.contains("watching")
    });
    for stage in [
        "sshd",
        "Listening",
        "Host key files",
        "Account",
        "authorized_keys",
        "sshd log",
    ] {
        assert!(first.contains(stage), "{stage} in\n{first}");
    }
    assert!(
        !first.contains("TCP connection"),
        "not the probe's checklist:\n{first}"
    );
    let failed = home
        .ssh_command()
        .args(["-p", &sshd.port().to_string(), "-i"])
        .arg(&key)
        .arg("daemon@127.0.0.1")
        .arg("true")
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run ssh");
    assert!(!failed.success());
    let screen = tmux.wait_for("the attempt in the log pane", |s| {
        s.contains("daemon from 127.0.0.1 port")
    });
    assert!(screen.contains("not listed in AllowUsers"), "{screen}");
    assert!(screen.contains("server.user_not_allowed"), "{screen}");
    tmux.keys(&["q"]);
    let after = tmux.wait_for("the exit line", |s| s.contains("SSHDOCTOR-EXIT="));
    assert!(
        after.contains("SSHDOCTOR-EXIT=1"),
        "problems found:\n{after}"
    );
    assert!(!tmux.alternate_screen(), "the terminal is given back");
}
