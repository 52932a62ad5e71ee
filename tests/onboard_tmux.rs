//! `sshdoctor onboard` driven through tmux against a real sshd (StrictModes on, password login
//! allowed for the dedicated test account only): from no key to a working `ssh ALIAS` — key
//! generation, fingerprint comparison, password login, key install next to a pre-existing
//! authorized_keys kept byte-exact, a group-writable ~/.ssh repaired, a fresh login with the key
//! alone, the Host block — then the same again (the key is added once), and Esc or "n" at every
//! write leaving nothing half written.

mod common;

use common::sshd::{KeyKind, Sshd};
use common::tmux::Tmux;
use common::user::{test_user, TestUser, NAME};
use common::{Home, BIN};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

fn server(u: &TestUser) -> Sshd {
    Sshd::builder()
        .host_keys(&[KeyKind::Ed25519])
        .extra_config(&u.sshd_config())
        .start()
}

/// The fixture config: known_hosts inside the fixture home for sshdoctor and the real ssh alike.
fn base_config(home: &Home) -> String {
    format!(
        "# my settings\nHost *\n    UserKnownHostsFile {}\n    GlobalKnownHostsFile /dev/null\n    IdentityAgent none\n",
        home.known_hosts_path().display()
    )
}

fn onboard(home: &Home, sshd: &Sshd, name: &str) -> Tmux {
    let command = format!(
        "env HOME={} SSHDOCTOR_PASSWD_HOME={} LANG=C.UTF-8 {BIN} -F {} -p {} onboard {NAME}@127.0.0.1; echo SSHDOCTOR-EXIT=$?; sleep 60",
        home.path().display(),
        home.path().display(),
        home.config_path().display(),
        sshd.port()
    );
    Tmux::start(name, &command)
}

fn host_fingerprint(sshd: &Sshd) -> String {
    let public = sshd.host_key_path(KeyKind::Ed25519).with_extension("pub");
    let out = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(&public)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_owned()
}

fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

/// `~/.ssh/authorized_keys.sshdoctor-*` on the server.
fn ak_backups(u: &TestUser) -> Vec<std::path::PathBuf> {
    let mut found: Vec<_> = fs::read_dir(u.ssh_dir())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("authorized_keys.sshdoctor-"))
        })
        .collect();
    found.sort();
    found
}

/// Every screen seen while typing a secret must not show it.
fn assert_hidden(tmux: &Tmux, secret: &str) {
    let screen = tmux.screen();
    assert!(
        !screen.contains(secret),
        "the secret is on the screen:\n{screen}"
    );
}

#[test]
fn from_no_key_to_a_working_ssh_alias_then_again_adding_the_key_once() {
    let Some(u) = test_user() else { return };
    let sshd = server(&u);
    let home = Home::new();
    home.write_config(&base_config(&home));
    // The account already has a key of someone else (CRLF, no final newline), and a ~/.ssh
    // that sshd's StrictModes refuses.
    let other = home.generate_key(KeyKind::Ed25519, "someone_else");
    let existing = format!("# colleague\r\n{}", home.public_key("someone_else"));
    fs::remove_file(&other).unwrap();
    let ak = u.write(".ssh/authorized_keys", existing.as_bytes(), 0o600);
    u.chmod(&u.ssh_dir(), 0o770);
    u.chgrp_shared(&u.ssh_dir());

    let tmux = onboard(&home, &sshd, "onboard-full");
    let s = tmux.wait_for("the key step", |s| s.contains("generate a new ed25519 key"));
    assert!(s.contains("1. Key") && s.contains("7. Config block"), "{s}");
    assert!(
        s.contains("ssh-keygen -t ed25519"),
        "the equivalent command is shown:\n{s}"
    );
    // Passphrases that differ are refused; then none.
    tmux.keys(&["Enter"]);
    tmux.wait_for("the passphrase box", |s| {
        s.contains("Passphrase for the new key")
    });
    tmux.type_text("first-secret");
    assert_hidden(&tmux, "first-secret");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the second box", |s| {
        s.contains("The same passphrase again")
    });
    tmux.type_text("other-secret");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the mismatch", |s| s.contains("The passphrases differ"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the second box", |s| {
        s.contains("The same passphrase again")
    });
    tmux.keys(&["Enter"]);

    // Verify: a wrong fingerprint is refused, the right one recorded after confirming.
    let s = tmux.wait_for("the host key", |s| s.contains("Paste the fingerprint"));
    let fp = host_fingerprint(&sshd);
    assert!(s.contains(&fp), "{s}");
    let key = home.ssh_dir().join("id_ed25519");
    assert_eq!(mode(&key), 0o600);
    assert_eq!(mode(&key.with_extension("pub")), 0o644);
    tmux.type_text("SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the mismatch", |s| s.contains("MISMATCH"));
    assert!(!home.known_hosts_path().exists());
    tmux.type_text(&fp);
    tmux.keys(&["Enter"]);
    tmux.wait_for("the trust dialog", |s| {
        s.contains("Trust the host key of [127.0.0.1]:")
    });
    tmux.keys(&["y"]);

    // Login: the key is not installed yet; a wrong password, then the right one.
    tmux.wait_for("the password box", |s| s.contains("Password"));
    tmux.type_text("not-the-password");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the refusal", |s| s.contains("Permission denied"));
    tmux.type_text(&u.password);
    assert_hidden(&tmux, &u.password);
    tmux.keys(&["Enter"]);

    // Install.
    tmux.wait_for("the install step", |s| s.contains("ssh-copy-id"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the install dialog", |s| {
        s.contains("Install your key on the server?")
    });
    tmux.keys(&["y"]);

    // Permissions: ~/.ssh 0770 is what StrictModes refuses.
    let s = tmux.wait_for("the permissions step", |s| {
        s.contains("/home/sshdoctor-test/.ssh — mode 0770")
    });
    assert!(s.contains("chmod go-w"), "{s}");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the chmod dialog", |s| {
        s.contains("Change permissions on the server?")
    });
    tmux.keys(&["y"]);

    // Prove, then the config block under a name of our choosing.
    tmux.wait_for("the config step", |s| {
        s.contains("Name to type after `ssh`")
    });
    tmux.keys(&["C-u"]);
    tmux.type_text("mybox");
    tmux.keys(&["Enter"]);
    let s = tmux.wait_for("the config dialog", |s| {
        s.contains("Add a Host block to ~/.ssh/config?")
    });
    assert!(s.contains("+Host mybox"), "{s}");
    assert!(
        s.contains("$EDITOR ~/.ssh/config"),
        "the tilde stays outside quotes, so the command runs as shown:\n{s}"
    );
    tmux.keys(&["y"]);
    let s = tmux.wait_for("the end", |s| {
        s.contains("From now on, log in with:") && s.contains("ssh mybox")
    });
    assert!(!s.contains(&u.password));
    tmux.keys(&["q"]);
    tmux.wait_for("the exit line", |s| s.contains("SSHDOCTOR-EXIT=0"));

    // The server: the old bytes, then our key; ~/.ssh no longer group-writable.
    let public = fs::read_to_string(key.with_extension("pub")).unwrap();
    let after = fs::read_to_string(&ak).unwrap();
    assert_eq!(after, format!("{existing}\n{}\n", public.trim()));
    assert_eq!(u.mode(&u.ssh_dir()), 0o750);
    // The old content was copied first, beside it.
    let backups = ak_backups(&u);
    assert_eq!(backups.len(), 1, "{backups:?}");
    assert_eq!(fs::read_to_string(&backups[0]).unwrap(), existing);
    assert_eq!(mode(&backups[0]), 0o600);
    // Locally: the host key recorded, the Host block written.
    let kh = fs::read_to_string(home.known_hosts_path()).unwrap();
    assert!(
        kh.contains(&sshd.known_hosts_line(KeyKind::Ed25519)),
        "{kh}"
    );
    let config = fs::read_to_string(home.config_path()).unwrap();
    assert!(config.contains("Host mybox\n"), "{config}");
    assert!(config.starts_with("# my settings\n"), "{config}");
    // The real ssh now just works with the alias.
    let ok = Command::new("ssh")
        .args(["-F"])
        .arg(home.config_path())
        .args(["-o", "BatchMode=yes", "mybox", "true"])
        .env("HOME", home.path())
        .status()
        .unwrap()
        .success();
    assert!(ok, "ssh mybox true failed; config:\n{config}");
    drop(tmux);

    // Again, with ~/.ssh broken again: the key is found already installed, not added twice.
    u.chmod(&u.ssh_dir(), 0o770);
    let tmux = onboard(&home, &sshd, "onboard-again");
    let s = tmux.wait_for("the key step", |s| s.contains("generate a new ed25519 key"));
    assert!(
        s.contains("~/.ssh/id_ed25519"),
        "the new key is listed and chosen:\n{s}"
    );
    tmux.keys(&["Enter"]);
    tmux.wait_for("the password box", |s| s.contains("Password"));
    tmux.type_text(&u.password);
    tmux.keys(&["Enter"]);
    tmux.wait_for("the install step", |s| s.contains("ssh-copy-id"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the install dialog", |s| {
        s.contains("Install your key on the server?")
    });
    tmux.keys(&["y"]);
    tmux.wait_for("the permissions step", |s| s.contains("mode 0770"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the chmod dialog", |s| {
        s.contains("Change permissions on the server?")
    });
    tmux.keys(&["y"]);
    tmux.wait_for("the config step", |s| {
        s.contains("Name to type after `ssh`")
    });
    tmux.keys(&["C-u"]);
    tmux.type_text("mybox");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the end", |s| {
        s.contains("From now on, log in with:") && s.contains("ssh mybox")
    });
    tmux.keys(&["q"]);
    tmux.wait_for("the exit line", |s| s.contains("SSHDOCTOR-EXIT=0"));
    assert_eq!(
        fs::read_to_string(&ak).unwrap(),
        after,
        "the key is added once"
    );
    assert_eq!(ak_backups(&u).len(), 1, "nothing added, nothing backed up");
    assert_eq!(
        fs::read_to_string(home.config_path()).unwrap(),
        config,
        "the block is written once"
    );
}

#[test]
fn esc_or_n_at_every_write_leaves_nothing_written() {
    let Some(u) = test_user() else { return };
    let sshd = server(&u);
    let home = Home::new();
    home.write_config(&base_config(&home));
    let config_before = fs::read(home.config_path()).unwrap();
    // An existing key: never overwritten by a new one.
    let existing = home.generate_key(KeyKind::Ed25519, "id_ed25519");
    let existing_bytes = fs::read(&existing).unwrap();
    let ak = u.write(".ssh/authorized_keys", b"# nothing yet\n", 0o600);

    let tmux = onboard(&home, &sshd, "onboard-esc");
    tmux.wait_for("the key step", |s| {
        s.contains("generate a new ed25519 key: ~/.ssh/id_ed25519_2")
    });
    tmux.keys(&["Down", "Enter"]);
    tmux.wait_for("the passphrase box", |s| {
        s.contains("Passphrase for the new key")
    });
    tmux.keys(&["Escape"]);
    tmux.wait_for("the cancel", |s| s.contains("No key was generated"));
    assert!(!home.ssh_dir().join("id_ed25519_2").exists());
    tmux.keys(&["Enter"]);
    tmux.wait_for("the passphrase box", |s| {
        s.contains("Passphrase for the new key")
    });
    tmux.keys(&["Enter"]);
    tmux.wait_for("the second box", |s| {
        s.contains("The same passphrase again")
    });
    tmux.keys(&["Enter"]);
    tmux.wait_for("the host key", |s| s.contains("Paste the fingerprint"));
    assert_eq!(
        fs::read(&existing).unwrap(),
        existing_bytes,
        "the existing key is untouched"
    );
    assert_eq!(mode(&home.ssh_dir().join("id_ed25519_2")), 0o600);
    tmux.type_text(&host_fingerprint(&sshd));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the trust dialog", |s| {
        s.contains("Trust the host key of [127.0.0.1]:")
    });
    tmux.keys(&["n"]);
    tmux.wait_for("the refusal", |s| s.contains("Nothing was changed"));
    assert!(
        !home.known_hosts_path().exists(),
        "known_hosts is not written after n"
    );
    tmux.keys(&["Escape"]);
    tmux.keys(&["q"]);
    tmux.wait_for("the exit line", |s| s.contains("SSHDOCTOR-EXIT=1"));
    assert!(!home.known_hosts_path().exists());
    drop(tmux);

    // Now record the host key, and leave at the password, at the install and at the config.
    fs::write(
        home.known_hosts_path(),
        format!("{}\n", sshd.known_hosts_line(KeyKind::Ed25519)),
    )
    .unwrap();
    let tmux = onboard(&home, &sshd, "onboard-esc2");
    tmux.wait_for("the key step", |s| s.contains("id_ed25519_2"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the password box", |s| s.contains("Password"));
    tmux.keys(&["Escape"]);
    tmux.wait_for("the cancel", |s| s.contains("nothing was written"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the password box", |s| s.contains("Password"));
    tmux.type_text(&u.password);
    tmux.keys(&["Enter"]);
    tmux.wait_for("the install step", |s| s.contains("ssh-copy-id"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the install dialog", |s| {
        s.contains("Install your key on the server?")
    });
    tmux.keys(&["Escape"]);
    tmux.wait_for("the refusal", |s| s.contains("Nothing was changed"));
    assert_eq!(fs::read(&ak).unwrap(), b"# nothing yet\n");
    tmux.keys(&["s"]);
    tmux.wait_for("the prove step result", |s| {
        s.contains("the server refused") || s.contains("Name to type")
    });
    tmux.keys(&["q"]);
    tmux.wait_for("the exit line", |s| s.contains("SSHDOCTOR-EXIT=1"));
    assert_eq!(fs::read(&ak).unwrap(), b"# nothing yet\n");
    assert!(ak_backups(&u).is_empty(), "no backup of an unchanged file");
    assert_eq!(fs::read(home.config_path()).unwrap(), config_before);
}

fn onboard_sized(home: &Home, sshd: &Sshd, name: &str, width: u16, height: u16) -> Tmux {
    let command = format!(
        "env HOME={} LANG=C.UTF-8 {BIN} -F {} -p {} onboard {NAME}@127.0.0.1; echo SSHDOCTOR-EXIT=$?; sleep 60",
        home.path().display(),
        home.config_path().display(),
        sshd.port()
    );
    Tmux::start_sized(name, &command, width, height)
}

/// A person reading: 15 s on every step.
fn pause() {
    std::thread::sleep(std::time::Duration::from_secs(15));
}

/// Reading or typing slowly never costs the connection: a 15 s pause on every step (longer
/// than the 10 s network limit), and the flow still ends in success, the new key's passphrase
/// typed once (step 6 does not ask for it again). Needs the probe's connection to send
/// keepalives while it waits (the russh config's keepalive interval).
#[test]
fn a_15_s_pause_on_every_step_still_ends_in_success() {
    let Some(u) = test_user() else { return };
    let sshd = server(&u);
    let home = Home::new();
    home.write_config(&base_config(&home));
    u.write(".ssh/authorized_keys", b"# nothing yet\n", 0o600);
    u.chmod(&u.ssh_dir(), 0o770);
    u.chgrp_shared(&u.ssh_dir());
    let tmux = onboard_sized(&home, &sshd, "onboard-pauses", 80, 24);

    tmux.wait_for("the key step", |s| s.contains("generate a new ed25519 key"));
    pause();
    tmux.keys(&["Enter"]);
    tmux.wait_for("the passphrase box", |s| {
        s.contains("Passphrase for the new key")
    });
    tmux.type_text("slow-secret");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the second box", |s| {
        s.contains("The same passphrase again")
    });
    tmux.type_text("slow-secret");
    tmux.keys(&["Enter"]);

    tmux.wait_for("the host key", |s| s.contains("Paste the fingerprint"));
    pause();
    tmux.type_text(&host_fingerprint(&sshd));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the trust dialog", |s| s.contains("Trust the host key of"));
    tmux.keys(&["y"]);

    tmux.wait_for("the password box", |s| s.contains("Password"));
    pause();
    tmux.type_text(&u.password);
    tmux.keys(&["Enter"]);

    // Logged in: the connection waits while the person reads the install step.
    tmux.wait_for("the install step", |s| s.contains("ssh-copy-id"));
    pause();
    tmux.keys(&["Enter"]);
    tmux.wait_for("the install dialog", |s| {
        s.contains("Install your key on the server?")
    });
    tmux.keys(&["y"]);

    tmux.wait_for("the permissions step", |s| s.contains("mode 0770"));
    pause();
    tmux.keys(&["Enter"]);
    tmux.wait_for("the chmod dialog", |s| {
        s.contains("Change permissions on the server?")
    });
    tmux.keys(&["y"]);

    let s = tmux.wait_for("the config step", |s| {
        s.contains("Name to type after `ssh`")
    });
    assert!(
        !s.contains("Passphrase of the key"),
        "the new key's passphrase is not asked again:\n{s}"
    );
    assert!(
        s.contains(&format!("Host {NAME}-127-0-0-1")),
        "the proposed name is not the bare address, and its Host line is shown:\n{s}"
    );
    pause();
    tmux.keys(&["C-u"]);
    tmux.type_text("slowbox");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the config dialog", |s| s.contains("Add a Host block to"));
    tmux.keys(&["y"]);
    let s = tmux.wait_for("the end", |s| {
        (s.contains("From now on, log in with:") && s.contains("ssh slowbox"))
            || s.contains("was closed")
    });
    assert!(!s.contains("was closed"), "the connection was lost:\n{s}");
    tmux.keys(&["q"]);
    tmux.wait_for("the exit line", |s| s.contains("SSHDOCTOR-EXIT=0"));
    let public = fs::read_to_string(home.ssh_dir().join("id_ed25519.pub")).unwrap();
    let ak = fs::read_to_string(u.ssh_dir().join("authorized_keys")).unwrap();
    assert!(ak.contains(public.trim()), "{ak}");
}

/// The connections the test's sshd serves: its children.
fn kill_sessions(sshd: &Sshd) {
    let pid = fs::read_to_string(sshd.dir().join("sshd.pid")).unwrap();
    let out = Command::new("pgrep")
        .args(["-P", pid.trim()])
        .output()
        .unwrap();
    let children = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(!children.trim().is_empty(), "a session to end");
    for child in children.split_whitespace() {
        let _ = Command::new("kill").args(["-TERM", child]).status();
    }
}

/// The connection drops while the person reads (at 60×20): the failure is on screen, `r`
/// logs in again (the password again, as ssh would ask), and the flow goes on from the step
/// it was at; the new key's passphrase, typed once, serves step 6; skipping the last step
/// (Ctrl-S from inside its box) still ends well.
#[test]
fn a_lost_connection_is_logged_into_again_with_r() {
    let Some(u) = test_user() else { return };
    let sshd = server(&u);
    let home = Home::new();
    home.write_config(&base_config(&home));
    fs::write(
        home.known_hosts_path(),
        format!("{}\n", sshd.known_hosts_line(KeyKind::Ed25519)),
    )
    .unwrap();
    u.write(".ssh/authorized_keys", b"# nothing yet\n", 0o600);
    let tmux = onboard_sized(&home, &sshd, "onboard-lost", 60, 20);
    tmux.wait_for("the key step", |s| s.contains("generate a new ed25519"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the passphrase box", |s| {
        s.contains("Passphrase for the new key")
    });
    tmux.type_text("lost-secret");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the second box", |s| {
        s.contains("The same passphrase again")
    });
    tmux.type_text("lost-secret");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the password box", |s| s.contains("Password"));
    tmux.type_text(&u.password);
    tmux.keys(&["Enter"]);
    tmux.wait_for("the install step", |s| s.contains("ssh-copy-id"));
    kill_sessions(&sshd);
    tmux.keys(&["Enter"]);
    tmux.wait_for("the install dialog", |s| {
        s.contains("Install your key on the server?")
    });
    tmux.keys(&["y"]);
    let s = tmux.wait_for("the failure", |s| s.contains("press r to log in again"));
    assert!(s.contains("was closed"), "{s}");
    assert_eq!(
        fs::read(u.ssh_dir().join("authorized_keys")).unwrap(),
        b"# nothing yet\n"
    );
    tmux.keys(&["r"]);
    tmux.wait_for("the password box again", |s| s.contains("Password"));
    tmux.type_text(&u.password);
    tmux.keys(&["Enter"]);
    tmux.wait_for("the install step again", |s| s.contains("ssh-copy-id"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the install dialog", |s| {
        s.contains("Install your key on the server?")
    });
    tmux.keys(&["y"]);
    // Step 6 logged in with the key, its passphrase typed once at the start.
    let s = tmux.wait_for("the config step", |s| {
        s.contains("Name to type after `ssh`") || s.contains("Passphrase of the key")
    });
    assert!(!s.contains("Passphrase of the key"), "{s}");
    tmux.keys(&["C-s"]);
    // No Host block was written: the end names the full command, never the alias.
    let s = tmux.wait_for("the end", |s| s.contains("From now on"));
    assert!(!s.contains(&format!("ssh {NAME}-127-0-0-1")), "{s}");
    tmux.keys(&["q"]);
    tmux.wait_for("the exit line", |s| s.contains("SSHDOCTOR-EXIT=0"));
    // What to type from now on, printed on the normal screen (wrapped rows joined).
    let s = tmux.tmux(&["capture-pane", "-p", "-J", "-t", "t"]);
    let full = format!(
        "ssh -i ~/.ssh/id_ed25519 -p {} {NAME}@127.0.0.1",
        sshd.port()
    );
    assert!(s.contains(&format!("  {full}")), "{full} in\n{s}");
    let public = fs::read_to_string(home.ssh_dir().join("id_ed25519.pub")).unwrap();
    let ak = fs::read_to_string(u.ssh_dir().join("authorized_keys")).unwrap();
    assert_eq!(ak, format!("# nothing yet\n{}\n", public.trim()));
}

/// Leaving in the middle prints what was made and the command that goes on from there.
#[test]
fn leaving_mid_flow_prints_what_was_made_and_how_to_go_on() {
    let Some(u) = test_user() else { return };
    let sshd = server(&u);
    let home = Home::new();
    home.write_config(&base_config(&home));
    let tmux = onboard_sized(&home, &sshd, "onboard-leave", 80, 24);
    tmux.wait_for("the key step", |s| s.contains("generate a new ed25519"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the passphrase box", |s| {
        s.contains("Passphrase for the new key")
    });
    tmux.keys(&["Enter"]);
    tmux.wait_for("the second box", |s| {
        s.contains("The same passphrase again")
    });
    tmux.keys(&["Enter"]);
    tmux.wait_for("the host key", |s| s.contains("Paste the fingerprint"));
    tmux.keys(&["Escape"]);
    tmux.keys(&["q"]);
    tmux.wait_for("the exit line", |s| s.contains("SSHDOCTOR-EXIT=1"));
    // Lines the terminal wrapped joined again, as a copy would take them.
    let s = tmux.tmux(&["capture-pane", "-p", "-J", "-t", "t"]);
    assert!(s.contains("left at step 2 of 7 (Verify the server)"), "{s}");
    assert!(s.contains("a new key: ~/.ssh/id_ed25519"), "{s}");
    let resume = format!(
        "sshdoctor onboard -F ~/.ssh/config -p {} -l {NAME} 127.0.0.1",
        sshd.port()
    );
    assert!(s.contains(&resume), "{resume} in\n{s}");
}
