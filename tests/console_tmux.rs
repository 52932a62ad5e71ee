//! The real binary in tmux against a real sshd: a changed host key is repaired from the console
//! at 80×24 in two keys (remove, then trust), the checklist turns green, a short terminal still
//! shows the failing stage, and the terminal is given back on `q` and on SIGTERM.

mod common;

use common::tmux::Tmux;

use common::sshd::{KeyKind, Sshd};
use common::{Home, BIN};
use std::path::Path;
use std::process::Command;

/// `SHA256:...` of the server's ed25519 host key, as `ssh-keygen -lf` prints it.
fn sshd_fingerprint(sshd: &Sshd) -> String {
    let public = sshd.host_key_path(KeyKind::Ed25519).with_extension("pub");
    let out = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(&public)
        .output()
        .expect("ssh-keygen -lf");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned()
}

fn current_user() -> String {
    let out = Command::new("id").arg("-un").output().expect("id -un");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A server whose recorded host key is stale, an authorized key, and a config for `target`.
fn stale_host(home: &Home, sshd: &Sshd, kh: &Path) {
    let stale = home.generate_key(KeyKind::Ed25519, "stale_host_key");
    let stale_pub = home.public_key("stale_host_key");
    let blob: Vec<&str> = stale_pub.split_whitespace().take(2).collect();
    std::fs::write(
        kh,
        format!(
            "# recorded before the reinstall\n[127.0.0.1]:{} {}\n",
            sshd.port(),
            blob.join(" ")
        ),
    )
    .unwrap();
    std::fs::remove_file(stale).unwrap();
    let key = home.generate_key(KeyKind::Ed25519, "id_console");
    sshd.authorize(&current_user(), &home.public_key("id_console"));
    home.write_config(&format!(
        "Host target\n    HostName 127.0.0.1\n    Port {}\n    User {}\n    UserKnownHostsFile {}\n    GlobalKnownHostsFile /dev/null\n    IdentityAgent none\n    IdentityFile {}\n",
        sshd.port(),
        current_user(),
        kh.display(),
        key.display()
    ));
}

fn command_line(home: &Home, extra: &str) -> String {
    format!(
        "env HOME={} SSHDOCTOR_PASSWD_HOME={} LANG=C.UTF-8 {BIN} -F {} {extra} target; echo SSHDOCTOR-EXIT=$?; sleep 60",
        home.path().display(),
        home.path().display(),
        home.config_path().display()
    )
}

#[test]
fn changed_host_key_is_repaired_from_the_console_and_the_terminal_is_restored() {
    let sshd = Sshd::builder().host_keys(&[KeyKind::Ed25519]).start();
    let home = Home::new();
    let kh = home.ssh_dir().join("known_hosts_console");
    stale_host(&home, &sshd, &kh);
    let record = home.path().join("session.md");
    let tmux = Tmux::start_sized(
        "repair",
        &command_line(&home, &format!("--record {}", record.display())),
        80,
        24,
    );

    tmux.wait_for("the hostkey.changed finding", |s| {
        s.contains("hostkey.changed")
    });
    assert!(
        tmux.alternate_screen(),
        "the console uses the alternate screen"
    );
    // The root cause has the focus: its fix is one key away, confirmed with a second.
    let first = tmux.wait_for("the run to end", |s| s.contains("Enter fix"));
    assert!(first.contains("▶ Enter fix:"), "{first}");
    tmux.keys(&["Enter"]);
    let dialog = tmux.wait_for("the confirm dialog with the diff", |s| {
        s.contains("-[127.0.0.1]:")
    });
    let name = format!("[127.0.0.1]:{}", sshd.port());
    for words in [
        format!("Remove the stale host key for {name}?"),
        "line 2 is removed.".to_string(),
        "known_hosts_console.sshdoctor-<UTC".to_string(),
    ] {
        assert!(dialog.contains(&words), "{words:?} in\n{dialog}");
    }
    tmux.keys(&["y"]);
    // Re-run: first contact now. The console opens the trust dialog by itself, with the
    // fingerprint in every form people compare against; `y` trusts it.
    let dialog = tmux.wait_for("the trust dialog", |s| {
        s.contains("Trust the host key of") && s.contains("MD5:")
    });
    let fingerprint = sshd_fingerprint(&sshd);
    assert!(
        dialog.contains(&fingerprint),
        "the dialog shows {fingerprint}:\n{dialog}"
    );
    assert!(
        dialog.contains("[ED25519 256]"),
        "the dialog shows the randomart:\n{dialog}"
    );
    tmux.keys(&["y"]);
    let green = tmux.wait_for("every stage passing", |s| {
        s.matches("pass ").count() >= 9 && !s.contains("warn ") && !s.contains("fail ")
    });
    assert!(green.contains("Session"), "{green}");
    tmux.keys(&["q"]);
    let after = tmux.wait_for("the exit line", |s| s.contains("SSHDOCTOR-EXIT="));
    assert!(
        after.contains("SSHDOCTOR-EXIT=0"),
        "the login works after both repairs:\n{after}"
    );
    assert!(
        !tmux.alternate_screen(),
        "the terminal left the alternate screen"
    );
    let transcript = std::fs::read_to_string(&record).expect("--record wrote the transcript");
    for needle in [
        "hostkey.changed",
        "## Actions taken",
        "`known_hosts.remove`",
        "`hostkey.trust`",
        "backup:",
    ] {
        assert!(
            transcript.contains(needle),
            "transcript lacks {needle}:\n{transcript}"
        );
    }
    let recorded = std::fs::read_to_string(&kh).unwrap();
    assert!(
        recorded.starts_with("# recorded before the reinstall\n"),
        "other bytes kept:\n{recorded}"
    );
    assert!(
        recorded.contains(&sshd.known_hosts_line(KeyKind::Ed25519)),
        "{recorded}"
    );
}

#[test]
fn sigterm_gives_the_terminal_back() {
    signal_gives_the_terminal_back("TERM");
}

/// A closed tmux pane or ssh session sends SIGHUP.
#[test]
fn sighup_gives_the_terminal_back() {
    signal_gives_the_terminal_back("HUP");
}

fn signal_gives_the_terminal_back(signal: &str) {
    let sshd = Sshd::builder().host_keys(&[KeyKind::Ed25519]).start();
    let home = Home::new();
    let kh = home.ssh_dir().join("known_hosts_console");
    stale_host(&home, &sshd, &kh);
    let tmux = Tmux::start(&format!("sig{signal}"), &command_line(&home, ""));
    tmux.wait_for("the checklist", |s| s.contains("hostkey.changed"));
    // The pane runs `sh -c ...`; sshdoctor is its child (env execs it). Match nothing else:
    // the tmux server's own command line holds the same words.
    let shell = tmux.tmux(&["display-message", "-p", "-t", "t", "#{pane_pid}"]);
    let killed = Command::new("pkill")
        .args([&format!("-{signal}"), "-P", shell.trim(), "-x", "sshdoctor"])
        .status()
        .expect("pkill")
        .success();
    assert!(killed, "the console process was found");
    let after = tmux.wait_for("the exit line", |s| s.contains("SSHDOCTOR-EXIT="));
    assert!(
        !tmux.alternate_screen(),
        "the terminal left the alternate screen:\n{after}"
    );
}

/// A pane closed under the console (tmux killed: the terminal is gone, not just a signal sent):
/// the process ends instead of staying behind waiting on a terminal that no longer exists.
#[test]
fn the_process_ends_when_its_terminal_is_gone() {
    let sshd = Sshd::builder().host_keys(&[KeyKind::Ed25519]).start();
    let home = Home::new();
    let kh = home.ssh_dir().join("known_hosts_console");
    stale_host(&home, &sshd, &kh);
    let tmux = Tmux::start("gone", &command_line(&home, ""));
    tmux.wait_for("the checklist", |s| s.contains("hostkey.changed"));
    let shell = tmux.tmux(&["display-message", "-p", "-t", "t", "#{pane_pid}"]);
    let out = Command::new("pgrep")
        .args(["-P", shell.trim(), "-x", "sshdoctor"])
        .output()
        .expect("pgrep");
    let pid = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(!pid.is_empty(), "the console process was found");
    drop(tmux);
    let proc_dir = Path::new("/proc").join(&pid);
    let gone = (0..300).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        !proc_dir.exists()
            || std::fs::read_to_string(proc_dir.join("stat"))
                .is_ok_and(|s| s.split_whitespace().nth(2) == Some("Z"))
    });
    if !gone {
        let _ = Command::new("kill").args(["-9", &pid]).status();
    }
    assert!(
        gone,
        "sshdoctor (pid {pid}) still runs 30 s after its terminal closed"
    );
}

/// No DESTINATION: the picker lists the config's Host aliases with their settings; Enter on one
/// opens the console for it.
#[test]
fn picker_lists_host_aliases_and_opens_the_console() {
    let sshd = Sshd::builder().host_keys(&[KeyKind::Ed25519]).start();
    let home = Home::new();
    let kh = home.ssh_dir().join("known_hosts_console");
    stale_host(&home, &sshd, &kh);
    let command = format!(
        "env HOME={} SSHDOCTOR_PASSWD_HOME={} LANG=C.UTF-8 {BIN} -F {}; echo SSHDOCTOR-EXIT=$?; sleep 60",
        home.path().display(),
        home.path().display(),
        home.config_path().display()
    );
    let tmux = Tmux::start("picker", &command);
    let picker = tmux.wait_for("the picker", |s| s.contains("Hosts from your ssh_config"));
    assert!(
        picker.contains("target") && picker.contains(&format!("@127.0.0.1 port {}", sshd.port())),
        "{picker}"
    );
    tmux.keys(&["Enter"]);
    tmux.wait_for("the console for the chosen alias", |s| {
        s.contains("hostkey.changed")
    });
    tmux.keys(&["q"]);
    tmux.wait_for("the exit line", |s| s.contains("SSHDOCTOR-EXIT="));
    assert!(
        !tmux.alternate_screen(),
        "the terminal left the alternate screen"
    );
}

/// A server accepting an encrypted key (passphrase PASS) for `target`; `known` records its host key.
fn locked_key_setup(home: &Home, sshd: &Sshd, known: bool) {
    let kh = home.ssh_dir().join("known_hosts_console");
    let line = if known {
        format!("{}\n", sshd.known_hosts_line(KeyKind::Ed25519))
    } else {
        String::new()
    };
    std::fs::write(&kh, line).unwrap();
    let key = home.ssh_dir().join("id_locked");
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", PASS, "-f"])
        .arg(&key)
        .status()
        .expect("ssh-keygen")
        .success();
    assert!(made);
    sshd.authorize(&current_user(), &home.public_key("id_locked"));
    home.write_config(&format!(
        "Host target\n    HostName 127.0.0.1\n    Port {}\n    User {}\n    UserKnownHostsFile {}\n    GlobalKnownHostsFile /dev/null\n    IdentityAgent none\n    IdentityFile {}\n",
        sshd.port(),
        current_user(),
        kh.display(),
        key.display()
    ));
}

const PASS: &str = "correct-horse-staple";

/// An encrypted key the server accepts: the console asks for its passphrase (masked), logs in
/// with it, and the passphrase appears nowhere — not on screen, not in the transcript.
#[test]
fn passphrase_prompt_logs_in_and_never_shows_the_passphrase() {
    let sshd = Sshd::builder().host_keys(&[KeyKind::Ed25519]).start();
    let home = Home::new();
    locked_key_setup(&home, &sshd, true);
    let record = home.path().join("session.md");
    let tmux = Tmux::start(
        "passphrase",
        &command_line(&home, &format!("--record {}", record.display())),
    );
    tmux.wait_for("the passphrase prompt", |s| s.contains("Passphrase for"));
    tmux.tmux(&["send-keys", "-t", "t", "-l", PASS]);
    let typed = tmux.wait_for("the mask", |s| s.contains("••••••••"));
    assert!(
        !typed.contains(PASS),
        "the passphrase is never drawn:\n{typed}"
    );
    tmux.keys(&["Enter"]);
    let green = tmux.wait_for("the login", |s| s.contains("The login works"));
    assert!(!green.contains(PASS), "{green}");
    tmux.keys(&["q"]);
    let after = tmux.wait_for("the exit line", |s| s.contains("SSHDOCTOR-EXIT="));
    assert!(after.contains("SSHDOCTOR-EXIT=0"), "{after}");
    let transcript = std::fs::read_to_string(&record).expect("transcript");
    assert!(
        transcript.contains("passphrase typed in the console"),
        "{transcript}"
    );
    assert!(
        !transcript.contains(PASS),
        "the passphrase is not in the transcript"
    );
}

/// Never a prompt for a host whose key is not known: first contact asks to trust the key, and
/// the passphrase waits until then.
#[test]
fn no_secret_prompt_for_an_unknown_host() {
    let sshd = Sshd::builder().host_keys(&[KeyKind::Ed25519]).start();
    let home = Home::new();
    locked_key_setup(&home, &sshd, false);
    let tmux = Tmux::start("unknown", &command_line(&home, ""));
    // First contact: the trust dialog comes first, and nothing has been sent yet.
    let dialog = tmux.wait_for("the trust dialog", |s| s.contains("go on untrusted"));
    assert!(!dialog.contains("Passphrase for"), "{dialog}");
    assert_no_authentication(&sshd, "before the key is decided");
    // Going on without trusting: the public-key checks run, but no secret is asked for.
    tmux.keys(&["g"]);
    let screen = tmux.wait_for("the diagnosis to finish", |s| {
        s.contains("auth.key_passphrase_needed")
    });
    assert!(
        !screen.contains("Passphrase for"),
        "no prompt before the host key is trusted:\n{screen}"
    );
}

/// sshd's log holds no authentication attempt of any kind.
fn assert_no_authentication(sshd: &Sshd, when: &str) {
    let log = sshd.log();
    for word in ["publickey", "password", "Postponed", "Accepted", "userauth"] {
        assert!(
            !log.contains(word),
            "nothing may be authenticated {when}, but sshd logged {word:?}:\n{log}"
        );
    }
}

/// First contact in the console: the key is decided before anything is sent (sshd sees no
/// authentication until `y`), then the checks run and log in with the key.
#[test]
fn first_contact_is_decided_before_anything_is_sent() {
    let sshd = Sshd::builder().host_keys(&[KeyKind::Ed25519]).start();
    let home = Home::new();
    let kh = home.ssh_dir().join("known_hosts_console");
    std::fs::write(&kh, "").unwrap();
    let key = home.generate_key(KeyKind::Ed25519, "id_first");
    sshd.authorize(&current_user(), &home.public_key("id_first"));
    home.write_config(&format!(
        "Host target\n    HostName 127.0.0.1\n    Port {}\n    User {}\n    UserKnownHostsFile {}\n    GlobalKnownHostsFile /dev/null\n    IdentityAgent none\n    IdentityFile {}\n",
        sshd.port(),
        current_user(),
        kh.display(),
        key.display()
    ));
    let tmux = Tmux::start_sized("first", &command_line(&home, ""), 80, 24);
    let dialog = tmux.wait_for("the trust dialog", |s| s.contains("go on untrusted"));
    assert!(
        !dialog.contains("The login works"),
        "nothing is claimed before the key is decided:\n{dialog}"
    );
    // The header asks (its own short verdict, whole) and names the destination.
    let header = dialog.lines().next().unwrap_or_default();
    assert!(
        header.contains(&format!(
            "{}@127.0.0.1 port {}",
            current_user(),
            sshd.port()
        )) && header.contains("? Host key not verified")
            && !header.contains('…'),
        "{header}"
    );
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_no_authentication(&sshd, "while the trust dialog is open");
    tmux.keys(&["y"]);
    let green = tmux.wait_for("the login after trusting", |s| {
        s.contains("The login works")
    });
    assert!(!green.contains("fail "), "{green}");
    assert!(
        sshd.log().contains("Accepted publickey"),
        "the key login happens after trusting:\n{}",
        sshd.log()
    );
    assert_eq!(
        std::fs::read_to_string(&kh).unwrap().lines().count(),
        1,
        "the key was recorded once"
    );
}

/// A real password login in the console: the key is refused (sshd's StrictModes on a ~/.ssh
/// the `users` group may write), the password typed in the masked prompt logs in, the remote
/// stage names the directory, `remote.permissions.fix` fixes it over SFTP (after the password
/// again), and a re-run logs in with the key alone.
#[test]
fn password_login_in_the_console_explains_and_fixes_strict_modes() {
    use common::user::{test_user, NAME};
    let Some(u) = test_user() else { return };
    let sshd = Sshd::builder()
        .host_keys(&[KeyKind::Ed25519])
        .extra_config(&u.sshd_config())
        .start();
    let home = Home::new();
    let kh = home.ssh_dir().join("known_hosts_console");
    std::fs::write(
        &kh,
        format!("{}\n", sshd.known_hosts_line(KeyKind::Ed25519)),
    )
    .unwrap();
    let key = home.generate_key(KeyKind::Ed25519, "id_console");
    u.authorize(&home.public_key("id_console"));
    u.chmod(&u.ssh_dir(), 0o775);
    u.chgrp_shared(&u.ssh_dir());
    home.write_config(&format!(
        "Host target\n    HostName 127.0.0.1\n    Port {}\n    User {NAME}\n    UserKnownHostsFile {}\n    GlobalKnownHostsFile /dev/null\n    IdentityAgent none\n    IdentityFile {}\n",
        sshd.port(),
        kh.display(),
        key.display()
    ));
    let record = home.path().join("session.md");
    let tmux = Tmux::start(
        "password",
        &command_line(&home, &format!("--record {}", record.display())),
    );
    tmux.wait_for("the password prompt", |s| {
        s.contains(&format!("{NAME}@127.0.0.1's password"))
    });
    tmux.type_text(&u.password);
    let typed = tmux.screen();
    assert!(
        !typed.contains(&u.password),
        "the password is never drawn:\n{typed}"
    );
    tmux.keys(&["Enter"]);
    let s = tmux.wait_for("the remote finding", |s| {
        s.contains("remote.ssh_dir_permissions")
    });
    assert!(!s.contains(&u.password), "{s}");
    // The root cause has the focus: Enter opens its fix.
    tmux.wait_for("the fix offered", |s| s.contains("Enter fix"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the confirm dialog", |s| s.contains("0775 -> 0755"));
    tmux.keys(&["y"]);
    let again = tmux.wait_for("the password prompt again", |s| {
        s.contains(&format!("{NAME}@127.0.0.1's password"))
    });
    // It says why it asks again, and nothing claims the change is made yet.
    assert!(
        again.contains("Logging in again to make the change"),
        "{again}"
    );
    assert!(
        again.contains("logging in again to make the change on the server"),
        "{again}"
    );
    assert!(!again.contains("Changed the mode"), "{again}");
    assert_eq!(u.mode(&u.ssh_dir()), 0o775);
    // Pasted this time, with a newline: bracketed paste keeps the newline from submitting it.
    tmux.paste(&format!("{}\n", u.password));
    let pasted = tmux.wait_for("the masked paste", |s| {
        s.contains(&"•".repeat(u.password.chars().count()))
    });
    assert!(
        pasted.contains(&format!("{NAME}@127.0.0.1's password")) && !pasted.contains(&u.password),
        "{pasted}"
    );
    tmux.keys(&["Enter"]);
    tmux.wait_for("the fix on the server", |s| {
        s.lines()
            .any(|l| l.contains("pass") && l.contains("Server side"))
    });
    assert_eq!(u.mode(&u.ssh_dir()), 0o755);
    // Reported done once the run made it.
    tmux.wait_for("the change reported", |s| {
        s.contains("remote.permissions.fix: Changed the mode of")
    });
    // Once more: the key alone now logs in, no prompt.
    tmux.keys(&["r"]);
    let green = tmux.wait_for("every stage passing", |s| {
        s.matches("pass ").count() >= 9 && !s.contains("fail ")
    });
    assert!(
        !green.contains("'s password"),
        "no prompt when the key works:\n{green}"
    );
    tmux.keys(&["q"]);
    let after = tmux.wait_for("the exit line", |s| s.contains("SSHDOCTOR-EXIT="));
    assert!(after.contains("SSHDOCTOR-EXIT=0"), "{after}");
    let transcript = std::fs::read_to_string(&record).unwrap();
    assert!(
        transcript.contains("using \"password\" (typed in the console, not recorded)"),
        "{transcript}"
    );
    assert!(
        !transcript.contains(&u.password),
        "the password is not in the transcript"
    );
}

#[test]
fn a_refused_key_offers_the_guided_first_login_which_opens_in_place() {
    use common::user::{test_user, NAME};
    let Some(u) = test_user() else { return };
    let sshd = Sshd::builder()
        .host_keys(&[KeyKind::Ed25519])
        .extra_config(&u.sshd_config())
        .start();
    let home = Home::new();
    let kh = home.ssh_dir().join("known_hosts_console");
    std::fs::write(
        &kh,
        format!("{}\n", sshd.known_hosts_line(KeyKind::Ed25519)),
    )
    .unwrap();
    // A key the account does not have.
    let key = home.generate_key(KeyKind::Ed25519, "id_new");
    home.write_config(&format!(
        "Host target\n    HostName 127.0.0.1\n    Port {}\n    User {NAME}\n    UserKnownHostsFile {}\n    GlobalKnownHostsFile /dev/null\n    IdentityAgent none\n    IdentityFile {}\n",
        sshd.port(),
        kh.display(),
        key.display()
    ));
    let tmux = Tmux::start("to-onboard", &command_line(&home, ""));
    tmux.wait_for("the password prompt", |s| {
        s.contains(&format!("{NAME}@127.0.0.1's password"))
    });
    // No password: the diagnosis explains the refused key and offers the guided flow.
    tmux.keys(&["Escape"]);
    tmux.wait_for("the finding", |s| s.contains("auth.no_accepted_key"));
    tmux.wait_for("the onboard action", |s| {
        s.contains("Enter fix: Start the guided first login")
    });
    tmux.keys(&["Enter"]);
    let dialog = tmux.wait_for("the confirm dialog", |s| s.contains("Leaves this console"));
    assert!(
        dialog.contains(&format!("-p {} {NAME}@target", sshd.port()))
            && dialog.contains("sshdoctor onboard -F "),
        "the command keeps the user and port:\n{dialog}"
    );
    tmux.keys(&["y"]);
    let s = tmux.wait_for("the onboarding screen", |s| {
        s.contains("step 1 of 7") && s.contains("1. Key")
    });
    // The same destination and key: the key from the config is listed, nothing was written.
    assert!(s.contains("sshdoctor onboard"), "{s}");
    assert!(s.contains("id_new"), "{s}");
    tmux.keys(&["q"]);
    let after = tmux.wait_for("the exit line", |s| s.contains("SSHDOCTOR-EXIT="));
    assert!(!after.contains("SSHDOCTOR-EXIT=3"), "{after}");
    assert!(!u.authorized_keys().exists());
}

/// 80×20: the checklist is shorter than its nine stages, and still shows the one that failed.
#[test]
fn a_short_terminal_shows_the_failing_stage() {
    let sshd = Sshd::builder()
        .host_keys(&[KeyKind::Ed25519])
        .extra_config("PasswordAuthentication no\nKbdInteractiveAuthentication no\n")
        .start();
    let home = Home::new();
    let kh = home.ssh_dir().join("known_hosts_console");
    std::fs::write(
        &kh,
        format!("{}\n", sshd.known_hosts_line(KeyKind::Ed25519)),
    )
    .unwrap();
    // A key the server does not know: authentication fails (no password login allowed).
    let key = home.generate_key(KeyKind::Ed25519, "id_unknown");
    home.write_config(&format!(
        "Host target\n    HostName 127.0.0.1\n    Port {}\n    User {}\n    UserKnownHostsFile {}\n    GlobalKnownHostsFile /dev/null\n    IdentityAgent none\n    IdentityFile {}\n",
        sshd.port(),
        current_user(),
        kh.display(),
        key.display()
    ));
    let tmux = Tmux::start_sized("short", &command_line(&home, ""), 80, 20);
    let s = tmux.wait_for("the verdict", |s| s.contains("The login would fail"));
    let auth = s.lines().find(|l| l.contains("Authentication"));
    assert!(
        auth.is_some_and(|l| l.contains("fail")),
        "the failing stage is on screen:\n{s}"
    );
    assert!(
        s.contains("Checklist 1–7/9 ↓"),
        "the checklist says it scrolls:\n{s}"
    );
    assert!(
        s.lines()
            .last()
            .is_some_and(|l| l.contains("? help") && l.contains("q quit")),
        "{s}"
    );
    tmux.keys(&["q"]);
    tmux.wait_for("the exit line", |s| s.contains("SSHDOCTOR-EXIT=1"));
}

/// A newcomer with no key types the password: the login works, and the console still says
/// there is no key and offers the guided first login, one key away.
#[test]
fn a_password_login_without_a_key_offers_the_guided_first_login() {
    use common::user::{test_user, NAME};
    let Some(u) = test_user() else { return };
    let sshd = Sshd::builder()
        .host_keys(&[KeyKind::Ed25519])
        .extra_config(&u.sshd_config())
        .start();
    let home = Home::new();
    let kh = home.ssh_dir().join("known_hosts_console");
    std::fs::write(
        &kh,
        format!("{}\n", sshd.known_hosts_line(KeyKind::Ed25519)),
    )
    .unwrap();
    home.write_config(&format!(
        "Host target\n    HostName 127.0.0.1\n    Port {}\n    User {NAME}\n    UserKnownHostsFile {}\n    GlobalKnownHostsFile /dev/null\n    IdentityAgent none\n",
        sshd.port(),
        kh.display(),
    ));
    let tmux = Tmux::start_sized("nokey", &command_line(&home, ""), 80, 24);
    tmux.wait_for("the password prompt", |s| {
        s.contains(&format!("{NAME}@127.0.0.1's password"))
    });
    tmux.type_text(&u.password);
    tmux.keys(&["Enter"]);
    let s = tmux.wait_for("the finding", |s| s.contains("auth.no_key"));
    assert!(!s.contains(&u.password), "{s}");
    let s = tmux.wait_for("the offer", |s| {
        s.contains("Enter fix: Start the guided first login")
    });
    assert!(!s.contains("No problems found"), "{s}");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the dialog", |s| {
        s.contains("Start the guided first login?")
    });
    tmux.keys(&["n", "q"]);
    tmux.wait_for("the exit line", |s| s.contains("SSHDOCTOR-EXIT="));
}
