//! Realistic engine event sequences for the console's tests (fixed durations, so snapshots are stable).

use super::{App, ConsoleOptions};
use crate::event::{ActionOffer, Event, Level, Setting, Stage, Status};
use crate::findings::finding;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::time::Duration;

pub const TARGET: &str = "example.org";

pub fn app(options: ConsoleOptions) -> App {
    let mut a = App::new(TARGET.to_string(), options);
    a.set_home("/home/alice".into());
    a.set_limit(Some(Duration::from_secs(10)));
    a
}

pub fn color() -> ConsoleOptions {
    ConsoleOptions {
        ascii: false,
        color: true,
    }
}

pub fn feed(app: &mut App, events: &[Event]) {
    for e in events {
        app.on_engine(e);
    }
}

pub fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

pub fn ch(c: char) -> KeyEvent {
    key(KeyCode::Char(c))
}

pub fn press(app: &mut App, keys: &str) -> Vec<super::Command> {
    keys.chars().flat_map(|c| app.on_key(ch(c))).collect()
}

fn setting(k: &str, v: &str) -> Setting {
    Setting {
        keyword: k.into(),
        value: v.into(),
        origin: "default".into(),
    }
}

pub fn log(stage: Stage, level: Level, text: &str) -> Event {
    Event::Log {
        said: None,
        hop: 0,
        at: Duration::from_millis(5),
        level,
        stage,
        text: text.into(),
    }
}

fn fact(stage: Stage, key: &str, value: &str) -> Event {
    Event::Fact {
        hop: 0,
        stage,
        key: key.into(),
        value: value.into(),
    }
}

fn pass(stage: Stage, ms: u64, summary: &str) -> [Event; 2] {
    [
        Event::StageStarted {
            hop: 0,
            stage,
            at: Duration::ZERO,
        },
        finish(stage, Status::Pass, ms, summary),
    ]
}

fn finish(stage: Stage, status: Status, ms: u64, summary: &str) -> Event {
    Event::StageFinished {
        said: None,
        hop: 0,
        stage,
        status,
        elapsed: Duration::from_millis(ms),
        summary: summary.into(),
    }
}

/// Config to banner done, key exchange running.
pub fn running() -> Vec<Event> {
    let mut ev = vec![Event::Destination(vec![
        setting("user", "alice"),
        setting("hostname", "example.org"),
        setting("port", "22"),
    ])];
    ev.extend(pass(
        Stage::Config,
        2,
        "~/.ssh/config read, 3 settings apply",
    ));
    ev.push(fact(Stage::Config, "config_files", "~/.ssh/config"));
    ev.push(log(
        Stage::Config,
        Level::Debug1,
        "Reading configuration data ~/.ssh/config",
    ));
    ev.extend(pass(Stage::Dns, 4, "example.org → 93.184.216.34"));
    ev.push(log(
        Stage::Dns,
        Level::Info,
        "example.org resolved to 93.184.216.34",
    ));
    ev.extend(pass(Stage::Tcp, 31, "connected to 93.184.216.34 port 22"));
    ev.push(log(
        Stage::Tcp,
        Level::Debug1,
        "Connecting to example.org [93.184.216.34] port 22.",
    ));
    ev.push(log(Stage::Tcp, Level::Info, "Connection established."));
    ev.extend(pass(
        Stage::Banner,
        40,
        "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13",
    ));
    ev.push(fact(
        Stage::Banner,
        "remote_version",
        "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13",
    ));
    ev.push(log(
        Stage::Banner,
        Level::Debug1,
        "Remote protocol version 2.0, remote software version OpenSSH_9.6p1",
    ));
    ev.push(Event::StageStarted {
        hop: 0,
        stage: Stage::Kex,
        at: Duration::from_millis(80),
    });
    ev.push(log(Stage::Kex, Level::Debug1, "SSH2_MSG_KEXINIT sent"));
    ev.push(log(
        Stage::Kex,
        Level::Debug2,
        "local client KEXINIT proposal",
    ));
    ev.push(log(
        Stage::Kex,
        Level::Debug3,
        "kex algorithms: sntrup761x25519-sha512,curve25519-sha256,ecdh-sha2-nistp256",
    ));
    ev
}

fn kex_done() -> Vec<Event> {
    vec![
        finish(
            Stage::Kex,
            Status::Pass,
            55,
            "curve25519-sha256, chacha20-poly1305",
        ),
        fact(Stage::Kex, "kex_algorithm", "curve25519-sha256"),
        fact(Stage::Kex, "cipher", "chacha20-poly1305@openssh.com"),
        log(
            Stage::Kex,
            Level::Debug1,
            "kex: algorithm: curve25519-sha256",
        ),
        log(
            Stage::Kex,
            Level::Debug1,
            "kex: host key algorithm: ssh-ed25519",
        ),
    ]
}

/// Every stage passes and the login completes.
pub fn all_green() -> Vec<Event> {
    let mut ev = running();
    ev.extend(kex_done());
    ev.extend(pass(
        Stage::Hostkey,
        1,
        "ED25519 SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s matches",
    ));
    ev.push(log(
        Stage::Hostkey,
        Level::Debug1,
        "Host 'example.org' is known and matches the ED25519 host key.",
    ));
    ev.extend(pass(
        Stage::Auth,
        120,
        "publickey ~/.ssh/id_ed25519 accepted",
    ));
    ev.push(log(
        Stage::Auth,
        Level::Info,
        "Authenticated to example.org ([93.184.216.34]:22) using \"publickey\".",
    ));
    ev.extend(pass(Stage::Session, 60, "shell started, exit 0"));
    ev.extend(pass(
        Stage::Remote,
        40,
        "/home/alice: permissions as sshd wants them",
    ));
    ev.push(Event::Done { login_ok: true });
    ev
}

/// The `known_hosts.remove` action with a small diff.
pub fn remove_action() -> ActionOffer {
    ActionOffer {
        title_text: None,
        id: "known_hosts.remove".into(),
        title: "Remove the old key for example.org from ~/.ssh/known_hosts".into(),
        preview: "--- a/home/alice/.ssh/known_hosts\n+++ b/home/alice/.ssh/known_hosts\n@@ -1,3 +1,2 @@\n github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n-example.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB6fUmNPA6GpPUy9vB4cXgJ6vcsE3VL1fj1dGyf3hP1x\n gitlab.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAfuCHKVTjquxvt6CM6tdG4SLp1Btn/nOeHHE5UOzRdf\n".into(),
        command: "ssh-keygen -R example.org -f ~/.ssh/known_hosts".into(),
        repair: Some(crate::repair::Repair::KnownHostsRemove {
            name: "example.org".into(),
            files: vec!["/home/alice/.ssh/known_hosts".into()],
        }),
    }
}

/// The server's host key changed: hostkey fails, later stages are skipped.
pub fn hostkey_changed() -> Vec<Event> {
    let mut ev = running();
    ev.extend(kex_done());
    ev.push(Event::StageStarted {
        hop: 0,
        stage: Stage::Hostkey,
        at: Duration::from_millis(140),
    });
    ev.push(log(
        Stage::Hostkey,
        Level::Info,
        "WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!",
    ));
    ev.push(finish(
        Stage::Hostkey,
        Status::Fail,
        1,
        "ED25519 key differs from ~/.ssh/known_hosts:2",
    ));
    let mut f = finding(
        "hostkey.changed",
        Stage::Hostkey,
        "The server sent ED25519 SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s; ~/.ssh/known_hosts line 2 has SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU.",
    )
    .evidence("~/.ssh/known_hosts:2 example.org ssh-ed25519 AAAAC3Nz…hP1x")
    .fix("If the server was reinstalled, remove the old key and connect again to record the new one.");
    f.actions.push(remove_action());
    ev.push(Event::Finding(f));
    for stage in [Stage::Auth, Stage::Session] {
        ev.push(finish(
            stage,
            Status::Skipped,
            0,
            "skipped: the host key check failed",
        ));
    }
    ev.push(Event::Done { login_ok: false });
    ev
}

/// Every stage up to the session passes, the session fails (no shell): the failing stage is
/// the eighth of nine, below the fold of a short checklist.
pub fn session_fails() -> Vec<Event> {
    let mut ev = running();
    ev.extend(kex_done());
    ev.extend(pass(Stage::Hostkey, 1, "ED25519 matches"));
    ev.extend(pass(
        Stage::Auth,
        120,
        "publickey ~/.ssh/id_ed25519 accepted",
    ));
    ev.push(Event::StageStarted {
        hop: 0,
        stage: Stage::Session,
        at: Duration::from_millis(300),
    });
    ev.push(finish(
        Stage::Session,
        Status::Fail,
        20,
        "the shell /usr/sbin/nologin refuses logins",
    ));
    ev.push(Event::Finding(finding(
        "session.no_shell",
        Stage::Session,
        "The account's shell is /usr/sbin/nologin.",
    )));
    ev.push(finish(
        Stage::Remote,
        Status::Skipped,
        0,
        "skipped: no session",
    ));
    ev.push(Event::Done { login_ok: false });
    ev
}

/// First contact: the run stops at a new host key for the person to decide (the engine's
/// `waiting_for_trust` fact); nothing failed and nothing was sent.
pub fn first_contact() -> Vec<Event> {
    let mut ev = running();
    ev[0] = Event::Destination(vec![
        setting("user", "sshdoctor-test"),
        setting("hostname", "127.0.0.1"),
        setting("port", "24106"),
    ]);
    ev.extend(kex_done());
    ev.push(Event::StageStarted {
        hop: 0,
        stage: Stage::Hostkey,
        at: Duration::from_millis(140),
    });
    ev.push(fact(
        Stage::Hostkey,
        "fingerprint_sha256",
        "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s",
    ));
    ev.push(fact(
        Stage::Hostkey,
        "fingerprint_md5",
        "MD5:3b:5d:e1:47:6c:a5:61:6a:a3:21:4a:f1:0a:21:6d:0c",
    ));
    ev.push(fact(
        Stage::Hostkey,
        "host_key_openssh",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFSod2qGxYM4T/ZbDUm9HbZjQ3rmcQOYx4nIUsWVh6sx",
    ));
    ev.push(finish(
        Stage::Hostkey,
        Status::Warn,
        1,
        "new host key: not in known_hosts",
    ));
    ev.push(fact(Stage::Hostkey, "waiting_for_trust", "yes"));
    let mut f = finding(
        "hostkey.unknown",
        Stage::Hostkey,
        "No known_hosts file has a key for [127.0.0.1]:24106.",
    );
    f.actions.push(trust_action());
    ev.push(Event::Finding(f));
    for stage in [Stage::Auth, Stage::Session, Stage::Remote] {
        ev.push(finish(
            stage,
            Status::Skipped,
            0,
            "skipped: the host key is new: decide whether to trust it first; nothing was sent",
        ));
    }
    ev.push(Event::Done { login_ok: false });
    ev
}

/// The `hostkey.trust` action of [`first_contact`].
pub fn trust_action() -> ActionOffer {
    let line = "[127.0.0.1]:24106 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFSod2qGxYM4T/ZbDUm9HbZjQ3rmcQOYx4nIUsWVh6sx";
    ActionOffer {
        title_text: None,
        id: "hostkey.trust".into(),
        title: "Trust ssh-ed25519 SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s for [127.0.0.1]:24106".into(),
        preview: format!("--- a/home/alice/.ssh/known_hosts\n+++ b/home/alice/.ssh/known_hosts\n@@ -0,0 +1 @@\n+{line}\n"),
        command: format!("echo '{line}' >> /home/alice/.ssh/known_hosts"),
        repair: Some(crate::repair::Repair::KnownHostsAppend {
            file: "/home/alice/.ssh/known_hosts".into(),
            line: line.into(),
        }),
    }
}
