//! The main screens at 80×24 in Simplified Chinese and Japanese (CJK text is two cells wide:
//! wrapping, truncation, dialog sizes and the footer's shortening are what these pin).

use super::fixtures::*;
use super::{draw, App};
use crate::engine::shared::{changed_detail_text, changed_fix_text, identities_only_fix_keyed};
use crate::event::{Event, Level, Stage, Status};
use crate::findings::keyed;
use crate::i18n::{with_lang, Lang, Text};
use crate::text;
use crossterm::event::KeyCode;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::time::Duration;

fn render(app: &mut App) -> TestBackend {
    app.on_resize(80, 24);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("test terminal");
    terminal.draw(|f| draw(app, f)).expect("draw");
    terminal.backend().clone()
}

/// Every language but English, with its snapshot prefix.
const LANGS: [(Lang, &str); 2] = [(Lang::ZhCn, "zh_cn"), (Lang::Ja, "ja")];

/// A stage ended with a summary as the engine writes it (a keyed text).
fn said(stage: Stage, status: Status, ms: u64, text: Text) -> Event {
    Event::StageFinished {
        hop: 0,
        stage,
        status,
        elapsed: Duration::from_millis(ms),
        summary: text.english(),
        said: Some(text),
    }
}

/// The stages before the key exchange ends, their summaries and explaining lines keyed as
/// the engine keys them (the fixtures' own English would show English in every language).
fn connected() -> Vec<Event> {
    let mut ev: Vec<Event> = running()
        .into_iter()
        .map(|e| match e {
            Event::StageFinished {
                stage,
                status,
                elapsed,
                ..
            } => {
                let text = match stage {
                    Stage::Config => text!(
                        "engine.config_stage.target",
                        user = "alice",
                        host = "example.org",
                        port = 22u16
                    ),
                    Stage::Dns => text!("engine.net.addresses_one"),
                    Stage::Tcp => text!(
                        "engine.net.connected",
                        address = "93.184.216.34:22",
                        ms = 31u64
                    ),
                    _ => {
                        return Event::StageFinished {
                            hop: 0,
                            stage,
                            status,
                            elapsed,
                            summary: "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13".into(),
                            said: None,
                        }
                    }
                };
                said(stage, status, elapsed.as_millis() as u64, text)
            }
            e => e,
        })
        .collect();
    ev.push(said(
        Stage::Kex,
        Status::Pass,
        55,
        Text::from("curve25519-sha256, chacha20-poly1305@openssh.com"),
    ));
    ev
}

/// The server's host key changed: the finding and the skipped stages as the engine says them.
fn host_key_changed() -> Vec<Event> {
    let mut ev = connected();
    ev.push(log(
        Stage::Hostkey,
        Level::Info,
        "WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!",
    ));
    ev.push(said(
        Stage::Hostkey,
        Status::Fail,
        1,
        text!("engine.hostkey.changed_summary"),
    ));
    let fp = "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s";
    let command = "ssh-keygen -R example.org";
    let mut f = keyed(
        "hostkey.changed",
        Stage::Hostkey,
        changed_detail_text("example.org", "ED25519", false, false),
    )
    .evidence("~/.ssh/known_hosts:2 example.org ssh-ed25519 AAAAC3Nz…hP1x")
    .fix_text(changed_fix_text(fp, Some(command)));
    f.actions.push(remove_action());
    ev.push(Event::Finding(f));
    let why = text!(
        "engine.connection.nothing_sent",
        why = text!(
            "engine.hostkey.ssh_stops",
            why = text!(
                "engine.hostkey.ssh_words",
                words =
                    "Host key for example.org has changed and you have requested strict checking"
            )
        )
    );
    for stage in [Stage::Auth, Stage::Session] {
        ev.push(said(
            stage,
            Status::Skipped,
            0,
            text!("summary.skipped", why = why.clone()),
        ));
    }
    ev.push(Event::Done { login_ok: false });
    ev
}

/// Authentication fails after six keys: the right one came too late.
fn too_many_keys() -> Vec<Event> {
    let mut ev = connected();
    ev.push(said(
        Stage::Hostkey,
        Status::Pass,
        1,
        text!(
            "engine.hostkey.known_summary",
            entry = "~/.ssh/known_hosts:2"
        ),
    ));
    ev.push(Event::StageStarted {
        hop: 0,
        stage: Stage::Auth,
        at: Duration::from_millis(150),
    });
    ev.push(log(
        Stage::Auth,
        Level::Info,
        "Received disconnect from 93.184.216.34 port 22:2: Too many authentication failures",
    ));
    let key = "~/.ssh/id_work";
    ev.push(said(
        Stage::Auth,
        Status::Fail,
        90,
        text!("engine.auth.verdict.beyond_limit", key = key),
    ));
    let detail = text!(
        "engine.auth.report.too_many_detail",
        n = 6u32,
        before = 6u32,
        key = key,
        pos = 7u32,
        source = text!("engine.auth.report.the_agent"),
    );
    let fix = identities_only_fix_keyed(Text::from(""), "example.org", "alice", key);
    ev.push(Event::Finding(
        keyed("auth.too_many_failures", Stage::Auth, detail)
            .evidence("MaxAuthTries 6 (sshd default); ~/.ssh/id_work is the 7th key")
            .fix_text(fix),
    ));
    ev.push(Event::Done { login_ok: false });
    ev
}

fn each_language(name: &str, build: impl Fn() -> App) {
    for (lang, prefix) in LANGS {
        with_lang(lang, || {
            let mut a = build();
            insta::assert_snapshot!(format!("{prefix}_{name}_80x24"), render(&mut a));
        });
    }
}

#[test]
fn changed_host_key() {
    each_language("hostkey_changed", || {
        let mut a = app(color());
        feed(&mut a, &host_key_changed());
        a
    });
}

#[test]
fn too_many_keys_offered() {
    each_language("too_many_keys", || {
        let mut a = app(color());
        feed(&mut a, &too_many_keys());
        a
    });
}

#[test]
fn confirm_dialog() {
    each_language("confirm", || {
        let mut a = app(color());
        feed(&mut a, &host_key_changed());
        a.on_key(key(KeyCode::Enter));
        a
    });
}

#[test]
fn help_overlay() {
    each_language("help", || {
        let mut a = app(color());
        feed(&mut a, &running());
        press(&mut a, "?");
        a
    });
}

#[test]
fn english_stays_the_default() {
    // No language set on this thread: the process default, English (tests never set it).
    let mut a = app(color());
    feed(&mut a, &too_many_keys());
    let screen = format!("{:?}", render(&mut a));
    assert!(screen.contains("Checklist") && screen.contains("Authentication"));
}
