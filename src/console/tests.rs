//! Unit tests of update: keys and engine events in, state and commands out.

use super::app::Overlay;
use super::fixtures::*;
use super::logview::Scroll;
use super::{Command, Focus};
use crate::event::{Level, Stage};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};

fn many_lines(app: &mut super::App, n: usize) {
    for i in 0..n {
        app.on_engine(&log(Stage::Kex, Level::Debug1, &format!("line {i}")));
    }
}

#[test]
fn tab_cycles_focus_and_shift_tab_goes_back() {
    let mut app = app(color());
    assert_eq!(app.focus(), Focus::Checklist);
    app.on_key(key(KeyCode::Tab));
    assert_eq!(app.focus(), Focus::Log);
    app.on_key(key(KeyCode::Tab));
    assert_eq!(app.focus(), Focus::Findings);
    app.on_key(key(KeyCode::Tab));
    assert_eq!(app.focus(), Focus::Checklist);
    app.on_key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT));
    assert_eq!(app.focus(), Focus::Findings);
}

#[test]
fn q_and_ctrl_c_quit_and_r_reruns() {
    let mut a = app(color());
    assert_eq!(press(&mut a, "r"), vec![Command::Rerun]);
    assert!(!a.should_quit());
    assert_eq!(press(&mut a, "q"), vec![Command::Quit]);
    assert!(a.should_quit());
    let mut b = app(color());
    feed(&mut b, &hostkey_changed());
    b.on_key(key(KeyCode::Enter));
    assert!(matches!(b.overlay, Some(Overlay::Confirm { .. })));
    assert!(press(&mut b, "q").is_empty(), "the dialog swallows q");
    let cmds = b.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert_eq!(cmds, vec![Command::Quit]);
}

#[test]
fn log_follows_the_tail_until_scrolled_and_end_resumes() {
    let mut a = app(color());
    a.on_resize(80, 24);
    many_lines(&mut a, 100);
    a.on_key(key(KeyCode::Tab));
    assert_eq!(a.log.scroll, Scroll::Tail);
    let tail_top = a.log.tail_top(&a.report.log);
    assert!(tail_top > 80, "{tail_top}");
    press(&mut a, "k");
    assert_eq!(a.log.scroll, Scroll::Top(tail_top - 1));
    many_lines(&mut a, 10);
    assert_eq!(
        a.log.scroll,
        Scroll::Top(tail_top - 1),
        "new lines do not move a scrolled view"
    );
    a.on_key(key(KeyCode::PageUp));
    a.on_key(key(KeyCode::Home));
    assert_eq!(a.log.scroll, Scroll::Top(0));
    a.on_key(key(KeyCode::End));
    assert_eq!(a.log.scroll, Scroll::Tail);
    press(&mut a, "k");
    press(&mut a, "j");
    assert_eq!(
        a.log.scroll,
        Scroll::Tail,
        "scrolling back to the end follows again"
    );
}

#[test]
fn mouse_wheel_scrolls_the_log() {
    let mut a = app(color());
    a.on_resize(80, 24);
    many_lines(&mut a, 100);
    let wheel = |kind| MouseEvent {
        kind,
        column: 10,
        row: 14,
        modifiers: KeyModifiers::NONE,
    };
    a.on_mouse(wheel(MouseEventKind::ScrollUp));
    assert!(matches!(a.log.scroll, Scroll::Top(_)));
    a.on_mouse(wheel(MouseEventKind::ScrollDown));
    assert_eq!(a.log.scroll, Scroll::Tail);
}

#[test]
fn enter_in_the_checklist_filters_the_log_to_the_selected_stage() {
    let mut a = app(color());
    feed(&mut a, &all_green());
    let all = a.log.len();
    assert_eq!(a.focus(), Focus::Checklist, "no finding took the focus");
    assert_eq!(
        a.selected_stage(),
        Stage::Remote,
        "the selection followed the run"
    );
    press(&mut a, "kkkk");
    a.on_key(key(KeyCode::Enter));
    assert_eq!(a.log.filter, Some(Stage::Kex));
    let kex = a
        .report
        .log
        .iter()
        .filter(|l| l.stage == Stage::Kex && l.level <= Level::Debug1)
        .count();
    assert_eq!(a.log.len(), kex);
    press(&mut a, "j");
    assert_eq!(
        a.log.filter,
        Some(Stage::Hostkey),
        "the filter follows the selection"
    );
    a.on_key(key(KeyCode::Enter));
    assert_eq!(a.log.filter, None);
    assert_eq!(a.log.len(), all);
}

#[test]
fn v_cycles_verbosity_and_info_is_always_shown() {
    let mut a = app(color());
    feed(&mut a, &running());
    a.on_key(key(KeyCode::Tab));
    let at = |a: &super::App| a.log.len();
    let v1 = at(&a);
    press(&mut a, "v");
    assert_eq!(a.log.verbosity, Level::Debug2);
    press(&mut a, "v");
    assert_eq!(a.log.verbosity, Level::Debug3);
    assert_eq!(at(&a), a.report.log.len());
    press(&mut a, "v");
    assert_eq!(a.log.verbosity, Level::Debug1);
    assert_eq!(at(&a), v1);
    assert!(v1 < a.report.log.len());
}

#[test]
fn search_jumps_with_n_and_shift_n_and_wraps() {
    let mut a = app(color());
    a.on_resize(80, 24);
    many_lines(&mut a, 50);
    a.on_key(key(KeyCode::Tab));
    a.on_key(key(KeyCode::Home));
    press(&mut a, "/");
    assert!(a.log.input.is_some());
    press(&mut a, "line 1");
    a.on_key(key(KeyCode::Enter));
    assert_eq!(a.log.query.as_deref(), Some("line 1"));
    assert_eq!(a.log.current, Some(1));
    press(&mut a, "n");
    assert_eq!(a.log.current, Some(10));
    press(&mut a, "N");
    assert_eq!(a.log.current, Some(1));
    press(&mut a, "N");
    assert_eq!(a.log.current, Some(19), "wraps to the last match");
    a.on_key(key(KeyCode::Esc));
    assert_eq!(a.log.query, None);
    press(&mut a, "/zzz");
    a.on_key(key(KeyCode::Enter));
    assert_eq!(a.log.current, None);
    assert!(a.status.as_deref().is_some_and(|s| s.contains("No match")));
}

#[test]
fn confirm_dialog_holds_the_action_and_y_returns_it() {
    let mut a = app(color());
    feed(&mut a, &hostkey_changed());
    assert_eq!(
        a.focus(),
        Focus::Findings,
        "the root cause has the focus from the start"
    );
    assert!(a.on_key(key(KeyCode::Enter)).is_empty());
    assert!(
        matches!(&a.overlay, Some(Overlay::Confirm { action, .. }) if *action == remove_action())
    );
    assert!(press(&mut a, "n").is_empty());
    assert!(a.overlay.is_none());
    a.on_key(key(KeyCode::Enter));
    assert!(a.on_key(key(KeyCode::Esc)).is_empty());
    assert!(a.overlay.is_none());
    assert!(a.action_history().is_empty(), "cancelling applies nothing");
    a.on_key(key(KeyCode::Enter));
    assert_eq!(press(&mut a, "y"), vec![Command::Apply(remove_action())]);
    assert!(a.overlay.is_none());
    a.on_repair_result(
        "known_hosts.remove",
        Ok(vec![
            "Changed /home/alice/.ssh/known_hosts (backup: known_hosts.bak)".into(),
        ]),
    );
    assert!(a.status.as_deref().is_some_and(|s| s.contains("backup")));
    let t = a.transcript();
    assert!(
        t.contains("## Actions taken") && t.contains("ssh-keygen -R example.org"),
        "{t}"
    );
    assert!(
        t.contains("hostkey.changed") && t.contains("REMOTE HOST IDENTIFICATION"),
        "{t}"
    );
}

#[test]
fn reset_for_rerun_clears_the_run_and_keeps_the_settings() {
    let mut a = app(color());
    feed(&mut a, &hostkey_changed());
    a.on_key(key(KeyCode::Tab));
    a.on_key(key(KeyCode::Tab));
    press(&mut a, "vv");
    a.reset_for_rerun();
    assert!(a.report().findings.is_empty() && a.report().log.is_empty());
    assert_eq!(a.log.len(), 0);
    assert_eq!(a.focus(), Focus::Log);
    assert_eq!(a.log.verbosity, Level::Debug3);
    feed(&mut a, &all_green());
    assert!(a.transcript().contains("<!-- run 2 of 2 -->"));
}

#[test]
fn help_opens_with_question_mark_and_swallows_keys() {
    let mut a = app(color());
    press(&mut a, "?");
    assert!(matches!(a.overlay, Some(Overlay::Help { .. })));
    assert!(press(&mut a, "r").is_empty());
    a.on_key(key(KeyCode::Esc));
    assert!(a.overlay.is_none());
    press(&mut a, "?");
    assert!(
        press(&mut a, "q").is_empty(),
        "q closes help rather than quitting"
    );
    assert!(a.overlay.is_none());
}

#[test]
fn tick_spins_only_while_running_and_dirty_flag_tracks_changes() {
    let mut a = app(color());
    feed(&mut a, &running());
    a.drawn();
    assert!(!a.needs_redraw());
    let moved = (0..3).filter(|_| a.on_tick()).count();
    assert_eq!(moved, 1, "the spinner moves every third tick");
    assert!(a.needs_redraw());
    let mut b = app(color());
    feed(&mut b, &all_green());
    assert!(!b.on_tick());
}

#[test]
fn secret_prompt_returns_the_secret_and_never_logs_it() {
    let mut a = app(color());
    a.prompt_secret("Passphrase for ~/.ssh/id_ed25519");
    press(&mut a, "hunter2");
    let cmds = a.on_key(key(KeyCode::Enter));
    assert_eq!(
        cmds,
        vec![Command::Secret(zeroize::Zeroizing::new(
            "hunter2".to_string()
        ))]
    );
    assert_eq!(format!("{cmds:?}"), "[Secret(<hidden>)]");
    assert!(a.overlay.is_none());
}

#[test]
fn first_contact_opens_the_trust_dialog_with_every_fingerprint_form() {
    let mut app = app(color());
    let fact = |key: &str, value: &str| crate::event::Event::Fact {
        hop: 0,
        stage: Stage::Hostkey,
        key: key.into(),
        value: value.into(),
    };
    let trust = crate::event::ActionOffer {
        title_text: None,
        id: "hostkey.trust".into(),
        title: "Trust ssh-ed25519 SHA256:abc".into(),
        preview: "+[h]:2222 ssh-ed25519 AAAA\n".into(),
        command: "echo ... >> ~/.ssh/known_hosts".into(),
        repair: None,
    };
    let mut unknown = crate::findings::finding("hostkey.unknown", Stage::Hostkey, "first contact");
    unknown.actions.push(trust.clone());
    app.on_engine(&fact("fingerprint_sha256", "SHA256:abc"));
    app.on_engine(&fact("fingerprint_md5", "MD5:aa:bb"));
    app.on_engine(&fact(
        "randomart",
        "+--[ED25519 256]--+\n|  .o  |\n+----[SHA256]-----+",
    ));
    app.on_engine(&crate::event::Event::Finding(unknown));
    let Some(Overlay::Confirm { action, text, .. }) = &app.overlay else {
        panic!("the trust dialog opens on first contact");
    };
    assert_eq!(action.id, "hostkey.trust");
    let shown = format!("{}\n{}", text.words.join("\n"), text.preview);
    for needle in ["SHA256:abc", "MD5:aa:bb", "[ED25519 256]", "+[h]:2222"] {
        assert!(shown.contains(needle), "{needle} in {shown}");
    }
    assert!(
        text.caution
            .as_deref()
            .is_some_and(|c| c.contains("not compared")),
        "{text:?}"
    );
    // `y` applies the trust action (with its repair), Esc would leave it for later.
    let commands = app.on_key(ch('y'));
    assert!(
        matches!(commands.as_slice(), [Command::Apply(a)] if a.id == "hostkey.trust" && a.repair == trust.repair)
    );
}

fn remote_fix() -> crate::event::ActionOffer {
    crate::event::ActionOffer {
        title_text: None,
        id: "remote.permissions.fix".into(),
        title: "chmod on the server".into(),
        preview: "/home/t/.ssh 0775 -> 0755".into(),
        command: "ssh t chmod go-w /home/t/.ssh".into(),
        repair: Some(crate::repair::Repair::RemotePermissions {
            changes: vec![crate::repair::RemoteChmod {
                path: "/home/t/.ssh".into(),
                from: 0o775,
                to: 0o755,
            }],
        }),
    }
}

/// A confirmed chmod on the server is made by a new run: under way (and the password box says
/// why it asks again) until that run says it was made; a run that never got there says so.
#[test]
fn a_remote_fix_is_done_only_when_the_run_says_so() {
    use crate::event::Event;
    let mut a = app(color());
    a.on_resize(80, 24);
    a.open_confirm(remote_fix());
    let cmds = a.on_key(ch('y'));
    assert!(matches!(cmds.as_slice(), [Command::Apply(_)]));
    // What the run loop does with it.
    a.reset_for_rerun();
    a.remote_fix_started("remote.permissions.fix");
    assert!(a.status.as_deref().unwrap().contains("logging in again"));
    assert_eq!(a.record("remote.permissions.fix").unwrap().result, None);
    a.ask_secret("t@127.0.0.1's password".into());
    let screen = format!("{}", render(&a, 80, 24));
    assert!(
        screen.contains("Logging in again to make the change"),
        "{screen}"
    );
    press(&mut a, "pw");
    a.on_key(key(KeyCode::Enter));
    a.on_engine(&log(
        Stage::Remote,
        Level::Info,
        "Changed the mode of /home/t/.ssh on the server: 0775 -> 0755",
    ));
    a.on_engine(&Event::Fact {
        hop: 0,
        stage: Stage::Remote,
        key: "remote_fix_made".into(),
        value: "yes".into(),
    });
    a.on_engine(&Event::Done { login_ok: true });
    assert_eq!(
        a.record("remote.permissions.fix").unwrap().result,
        Some(Ok(vec![
            "Changed the mode of /home/t/.ssh on the server: 0775 -> 0755".into()
        ]))
    );
    assert!(
        a.status.as_deref().unwrap().contains("Changed the mode"),
        "{:?}",
        a.status
    );

    // The password refused this time: the run never reaches the server side.
    a.open_confirm(remote_fix());
    a.on_key(ch('y'));
    a.reset_for_rerun();
    a.remote_fix_started("remote.permissions.fix");
    a.on_engine(&Event::Done { login_ok: false });
    let result = a.record("remote.permissions.fix").unwrap().result.clone();
    assert!(matches!(result, Some(Err(e)) if e.contains("did not log in")));
}

/// A passphrase asked again right after one was typed was refused: the box says so.
#[test]
fn a_refused_passphrase_is_said_in_the_box() {
    let mut a = app(color());
    a.on_resize(80, 24);
    a.ask_secret("Passphrase for ~/.ssh/id_ed25519".into());
    press(&mut a, "wrong");
    a.on_key(key(KeyCode::Enter));
    a.ask_secret("Passphrase for ~/.ssh/id_ed25519".into());
    let screen = format!("{}", render(&a, 80, 24));
    assert!(
        screen.contains("Incorrect passphrase: type it again"),
        "{screen}"
    );
    // A first prompt says nothing more.
    let mut b = app(color());
    b.ask_secret("Passphrase for ~/.ssh/id_ed25519".into());
    assert!(matches!(
        &b.overlay,
        Some(Overlay::Secret { note: None, .. })
    ));
}

fn render(a: &super::App, w: u16, h: u16) -> ratatui::backend::TestBackend {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| super::draw(a, f)).unwrap();
    terminal.backend().clone()
}
