//! The main screens at 80×24 in Simplified Chinese and Japanese (CJK text is two cells wide:
//! wrapping, truncation, dialog sizes and the footer's shortening are what these pin).

use super::fixtures::*;
use super::{draw, App};
use crate::event::{Event, Level, Stage, Status};
use crate::findings::finding;
use crate::i18n::{with_lang, Lang};
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

/// Authentication fails after six keys: the right one came too late.
fn too_many_keys() -> Vec<Event> {
    let mut ev = running();
    ev.push(Event::StageStarted {
        hop: 0,
        stage: Stage::Auth,
        at: Duration::from_millis(150),
    });
    ev.push(log(
        Stage::Auth,
        Level::Info,
        "Received disconnect from 127.0.0.1 port 22:2: Too many authentication failures",
    ));
    ev.push(Event::StageFinished {
        said: None,
        hop: 0,
        stage: Stage::Auth,
        status: Status::Fail,
        elapsed: Duration::from_millis(90),
        summary: "6 keys offered, disconnected: Too many authentication failures".into(),
    });
    ev.push(Event::Finding(
        finding(
            "auth.too_many_failures",
            Stage::Auth,
            "The agent holds 7 keys; the server allows 6 attempts.",
        )
        .evidence("MaxAuthTries 6 (sshd default); ~/.ssh/id_work is the 7th key"),
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
        feed(&mut a, &hostkey_changed());
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
        feed(&mut a, &hostkey_changed());
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
