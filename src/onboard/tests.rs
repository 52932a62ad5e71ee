//! The onboarding state machine without a terminal or a network: keys in, commands out.

use super::state::*;
use crate::event::ActionOffer;
use crate::keygen::LocalKey;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::PathBuf;

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn typed(ob: &mut Onboard, text: &str) {
    for c in text.chars() {
        assert!(ob.on_key(key(KeyCode::Char(c))).is_empty());
    }
}

fn flow(keys: Vec<LocalKey>) -> Onboard {
    let mut ob = Onboard::new(
        "web".into(),
        "alice".into(),
        "192.0.2.1".into(),
        2222,
        PathBuf::from("/home/alice"),
        keys,
        PathBuf::from("/home/alice/.ssh/id_ed25519"),
        "web".into(),
    );
    ob.comment = "alice@laptop".into();
    ob.resume = "-p 2222 alice@192.0.2.1".into();
    ob
}

fn trust() -> ActionOffer {
    ActionOffer {
        title_text: None,
        id: "hostkey.trust".into(),
        title: "Trust".into(),
        preview: "+line".into(),
        command: "echo".into(),
        repair: None,
    }
}

fn host(verdict: HostVerdict) -> HostInfo {
    HostInfo {
        algorithm: "ssh-ed25519".into(),
        sha256: "SHA256:x".into(),
        md5: "MD5:y".into(),
        randomart: String::new(),
        key_line: Some(
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFSod2qGxYM4T/ZbDUm9HbZjQ3rmcQOYx4nIUsWVh6sx"
                .into(),
        ),
        verdict,
        trust: Some(trust()),
    }
}

fn chosen() -> ChosenKey {
    ChosenKey {
        private: PathBuf::from("/home/alice/.ssh/id_ed25519"),
        public_line: "ssh-ed25519 AAAA alice".into(),
        fingerprint: "SHA256:k".into(),
        encrypted: false,
    }
}

#[test]
fn passphrases_must_match_and_esc_generates_nothing() {
    let mut ob = flow(Vec::new());
    assert_eq!(ob.key_sel, 0, "no keys: generate is selected");
    assert!(ob.on_key(key(KeyCode::Enter)).is_empty());
    assert!(matches!(ob.field, Some((Field::Passphrase, _))));
    typed(&mut ob, "one");
    ob.on_key(key(KeyCode::Enter));
    typed(&mut ob, "two");
    assert!(ob.on_key(key(KeyCode::Enter)).is_empty());
    assert!(ob
        .message
        .as_ref()
        .is_some_and(|(m, e)| *e && m.contains("differ")));
    assert!(matches!(ob.field, Some((Field::Passphrase, _))));
    assert!(ob.on_key(key(KeyCode::Esc)).is_empty());
    assert!(ob.field.is_none());
    assert_eq!(ob.mark(Step::Key), Mark::Active);
    // Again, matching.
    ob.on_key(key(KeyCode::Enter));
    typed(&mut ob, "same");
    ob.on_key(key(KeyCode::Enter));
    typed(&mut ob, "same");
    let cmds = ob.on_key(key(KeyCode::Enter));
    match cmds.as_slice() {
        [Cmd::Generate {
            path, passphrase, ..
        }] => {
            assert_eq!(path, &PathBuf::from("/home/alice/.ssh/id_ed25519"));
            assert_eq!(passphrase.as_deref().map(String::as_str), Some("same"));
        }
        other => panic!("{other:?}"),
    }
    // The Debug form never holds the passphrase.
    assert_eq!(format!("{:?}", cmds[0]), "Generate");
}

#[test]
fn a_mismatching_fingerprint_never_reaches_the_trust_dialog() {
    let mut ob = flow(Vec::new());
    ob.on_outcome(Outcome::Generated(Ok(chosen())));
    assert_eq!(ob.current, Step::Verify);
    ob.on_outcome(Outcome::Connected(Ok(host(HostVerdict::Unknown))));
    assert!(matches!(ob.field, Some((Field::Fingerprint, _))));
    // A multi-line paste lands in the box as one line: its newlines submit nothing and its
    // letters answer no dialog.
    ob.on_paste(
        "\nED25519 key fingerprint is SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.\nyes\r\n",
    );
    assert!(ob.confirm.is_none());
    let Some((Field::Fingerprint, input)) = &ob.field else {
        panic!("the box closed")
    };
    assert_eq!(
        input.value(),
        " ED25519 key fingerprint is SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA. yes"
    );
    assert!(ob.on_key(key(KeyCode::Enter)).is_empty());
    assert!(ob.confirm.is_none(), "no trust after a mismatch");
    typed(
        &mut ob,
        "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    );
    assert!(ob.on_key(key(KeyCode::Enter)).is_empty());
    assert!(ob.confirm.is_none(), "no trust after a mismatch");
    assert!(ob
        .message
        .as_ref()
        .is_some_and(|(m, e)| *e && m.contains("MISMATCH")));
    // The right one (the key's own SHA256).
    let fp = crate::known_hosts::sha256_fingerprint(
        russh::keys::PublicKey::from_openssh(
            host(HostVerdict::Unknown).key_line.as_deref().unwrap(),
        )
        .unwrap()
        .key_data(),
    );
    typed(&mut ob, &fp);
    ob.on_key(key(KeyCode::Enter));
    assert_eq!(
        ob.confirm.as_ref().map(|(a, _)| a.id.as_str()),
        Some("hostkey.trust")
    );
    ob.on_paste("y");
    assert!(ob.confirm.is_some(), "a paste never answers a dialog");
    let cmds = ob.on_key(key(KeyCode::Char('y')));
    assert!(matches!(cmds.as_slice(), [Cmd::Apply(a)] if a.id == "hostkey.trust"));
    let next = ob.on_outcome(Outcome::Applied("hostkey.trust".into(), Ok("wrote".into())));
    assert_eq!(ob.mark(Step::Verify), Mark::Done);
    assert!(matches!(next.as_slice(), [Cmd::Login { password: None }]));
}

#[test]
fn a_changed_host_key_stops_the_flow() {
    let mut ob = flow(Vec::new());
    ob.on_outcome(Outcome::Generated(Ok(chosen())));
    ob.on_outcome(Outcome::Connected(Ok(host(HostVerdict::Refused(
        "REMOTE HOST IDENTIFICATION HAS CHANGED".into(),
    )))));
    assert_eq!(ob.mark(Step::Verify), Mark::Failed);
    assert!(ob.field.is_none());
    assert!(
        ob.on_key(key(KeyCode::Enter)).is_empty(),
        "nothing to do but leave"
    );
    assert!(matches!(
        ob.on_key(key(KeyCode::Char('q'))).as_slice(),
        [Cmd::Quit]
    ));
}

#[test]
fn password_retries_then_install_permissions_prove_and_config() {
    let mut ob = flow(Vec::new());
    ob.on_outcome(Outcome::Generated(Ok(chosen())));
    ob.on_outcome(Outcome::Connected(Ok(host(HostVerdict::Known(
        "line 1".into(),
    )))));
    assert_eq!(ob.current, Step::Login);
    ob.on_outcome(Outcome::LoggedIn(Err(LoginError::NeedPassword)));
    assert!(matches!(ob.field, Some((Field::Password, _))));
    typed(&mut ob, "wrong");
    let cmds = ob.on_key(key(KeyCode::Enter));
    assert!(matches!(cmds.as_slice(), [Cmd::Login { password: Some(p) }] if p.as_str() == "wrong"));
    assert_eq!(format!("{:?}", cmds[0]), "Login");
    ob.on_outcome(Outcome::LoggedIn(Err(LoginError::Denied)));
    assert!(
        matches!(ob.field, Some((Field::Password, _))),
        "asked again"
    );
    // Pasted (a password manager): one line, the newline does not submit it.
    ob.on_paste("right\n");
    assert!(matches!(ob.field, Some((Field::Password, _))), "still open");
    let cmds = ob.on_key(key(KeyCode::Enter));
    assert!(matches!(cmds.as_slice(), [Cmd::Login { password: Some(p) }] if p.as_str() == "right"));
    ob.on_outcome(Outcome::LoggedIn(Ok(LoginKind::Password)));
    assert_eq!(ob.current, Step::Install);
    ob.on_key(key(KeyCode::Enter));
    assert_eq!(
        ob.confirm.as_ref().map(|(a, _)| a.id.as_str()),
        Some("onboard.install_key")
    );
    assert!(ob
        .confirm
        .as_ref()
        .unwrap()
        .0
        .command
        .starts_with("ssh-copy-id -i ~/.ssh/id_ed25519.pub -p 2222"));
    // n: nothing, and the step waits.
    ob.on_key(key(KeyCode::Char('n')));
    assert_eq!(ob.mark(Step::Install), Mark::Active);
    ob.on_key(key(KeyCode::Enter));
    assert!(matches!(
        ob.on_key(key(KeyCode::Char('y'))).as_slice(),
        [Cmd::Install]
    ));
    let next = ob.on_outcome(Outcome::Installed(Ok("added".into())));
    assert!(matches!(next.as_slice(), [Cmd::Inspect]));
    let next = ob.on_outcome(Outcome::Inspected(Ok(Inspected::default())));
    assert_eq!(ob.mark(Step::Permissions), Mark::Done);
    assert!(matches!(next.as_slice(), [Cmd::Prove { passphrase: None }]));
    ob.on_outcome(Outcome::Proved(Ok("ok".into())));
    assert!(matches!(&ob.field, Some((Field::Alias, i)) if i.value() == "web"));
    let cmds = ob.on_key(key(KeyCode::Enter));
    assert!(matches!(cmds.as_slice(), [Cmd::PlanConfig { alias }] if alias == "web"));
    ob.on_outcome(Outcome::Planned(Ok(ActionOffer {
        title_text: None,
        id: "onboard.config".into(),
        title: "Add".into(),
        preview: String::new(),
        command: String::new(),
        repair: Some(crate::repair::Repair::Permissions {
            changes: Vec::new(),
        }),
    })));
    assert!(
        matches!(ob.on_key(key(KeyCode::Char('y'))).as_slice(), [Cmd::Apply(a)] if a.id == "onboard.config")
    );
    ob.on_outcome(Outcome::Applied(
        "onboard.config".into(),
        Ok("wrote".into()),
    ));
    assert!(ob.finished && ob.complete());
    assert_eq!(ob.exit_code(), 0);
}

#[test]
fn a_working_key_skips_the_install_and_an_existing_key_is_preselected() {
    let k = LocalKey {
        private: PathBuf::from("/home/alice/.ssh/id_rsa"),
        public: None,
        algorithm: "ssh-rsa".into(),
        bits: Some(3072),
        fingerprint: Some("SHA256:r".into()),
        comment: String::new(),
        encrypted: false,
        public_line: None,
    };
    let e = LocalKey {
        private: PathBuf::from("/home/alice/.ssh/id_ed25519"),
        algorithm: "ssh-ed25519".into(),
        bits: None,
        ..k.clone()
    };
    let mut ob = flow(vec![k, e]);
    assert_eq!(ob.key_sel, 1, "the ed25519 key is preselected");
    ob.on_key(key(KeyCode::Enter));
    assert!(
        ob.message.as_ref().is_some_and(|(m, _)| m.contains(".pub")),
        "no .pub: refused"
    );
    ob.chosen = Some(chosen());
    ob.on_outcome(Outcome::Connected(Ok(host(HostVerdict::Known("x".into())))));
    let next = ob.on_outcome(Outcome::LoggedIn(Ok(LoginKind::Key)));
    assert_eq!(ob.mark(Step::Install), Mark::Skipped);
    assert!(matches!(next.as_slice(), [Cmd::Inspect]));
}

fn render(ob: &Onboard, width: u16, height: u16) -> ratatui::backend::TestBackend {
    let theme = crate::console::theme::Theme::new(crate::console::ConsoleOptions {
        ascii: false,
        color: true,
    });
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|f| super::view::draw(ob, theme, f.area(), f.buffer_mut()))
        .unwrap();
    terminal.backend().clone()
}

fn snap(ob: &Onboard, name: &str) {
    for (w, h) in [(100, 30), (80, 24), (60, 20)] {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), render(ob, w, h));
    }
}

#[test]
fn snapshots_of_the_key_and_verify_steps_and_the_masked_password() {
    let existing = LocalKey {
        private: PathBuf::from("/home/alice/.ssh/id_rsa"),
        public: Some(PathBuf::from("/home/alice/.ssh/id_rsa.pub")),
        algorithm: "ssh-rsa".into(),
        bits: Some(3072),
        fingerprint: Some("SHA256:3Vq1gS2bO4pQ0PpCk0l1m5l1bq3q3ZfGm1YQ2vJm0aE".into()),
        comment: "alice@laptop".into(),
        encrypted: true,
        public_line: Some("ssh-rsa AAAA alice@laptop".into()),
    };
    let mut ob = flow(vec![existing]);
    ob.new_key_path = PathBuf::from("/home/alice/.ssh/id_ed25519");
    snap(&ob, "onboard_key_step");
    let text = format!("{}", render(&ob, 100, 30));
    assert!(
        text.contains("-C alice@laptop"),
        "the command shows the comment written:\n{text}"
    );
    ob.on_outcome(Outcome::Generated(Ok(chosen())));
    ob.on_outcome(Outcome::Connected(Ok(HostInfo {
        randomart: "+--[ED25519 256]--+\n|        .o.      |\n|       o  .      |\n|      . o. .     |\n|       o.S+      |\n+----[SHA256]-----+".into(),
        ..host(HostVerdict::Unknown)
    })));
    typed(&mut ob, "SHA256:x");
    snap(&ob, "onboard_verify_step");
    // A mismatch: the error is pinned below the text box, whatever the scroll.
    ob.on_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    typed(
        &mut ob,
        "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    );
    ob.on_key(key(KeyCode::Enter));
    let text = format!("{}", render(&ob, 60, 20));
    assert!(text.contains("MISMATCH"), "{text}");
    assert!(!text.contains("SHA256 SHA256"), "{text}");
    snap(&ob, "onboard_verify_mismatch");
    ob.field = None;
    ob.on_outcome(Outcome::Applied("hostkey.trust".into(), Ok("wrote".into())));
    assert!(
        ob.notes[Step::Verify as usize].contains("you did not compare the fingerprint"),
        "{:?}",
        ob.notes
    );
    ob.on_outcome(Outcome::LoggedIn(Err(LoginError::NeedPassword)));
    typed(&mut ob, "hunter2");
    let screen = render(&ob, 100, 30);
    let text = format!("{screen}");
    assert!(!text.contains("hunter2"), "{text}");
    snap(&ob, "onboard_password_masked");
    // Tiny terminals draw without panicking.
    for (w, h) in [(1, 1), (20, 5), (40, 12)] {
        let _ = render(&ob, w, h);
    }
}

#[test]
fn the_config_step_says_which_host_line_is_written_and_the_end_scrolls() {
    let mut ob = flow(Vec::new());
    ob.alias = "alice-192-0-2-1".into();
    ob.chosen = Some(chosen());
    for s in [
        Step::Key,
        Step::Verify,
        Step::Login,
        Step::Install,
        Step::Permissions,
    ] {
        ob.marks[s as usize] = Mark::Done;
    }
    ob.current = Step::Prove;
    ob.on_outcome(Outcome::Proved(Ok("a new connection logged in".into())));
    assert_eq!(ob.current, Step::Config);
    snap(&ob, "onboard_config_step");
    let text = format!("{}", render(&ob, 60, 20));
    assert!(text.contains("Host alice-192-0-2-1"), "{text}");
    assert!(text.contains("C-s skip"), "the skip key is shown:\n{text}");
    // Typing a name shows the Host line it writes.
    ob.on_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    typed(&mut ob, "mybox");
    let text = format!("{}", render(&ob, 80, 24));
    assert!(text.contains("Host mybox"), "{text}");
    // Ctrl-S skips the step from inside the box.
    let cmds = ob.on_key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL));
    assert!(cmds.is_empty());
    assert_eq!(ob.mark(Step::Config), Mark::Skipped);
    assert!(ob.finished);
    snap(&ob, "onboard_done");
    ob.on_key(key(KeyCode::PageDown));
    let text = format!("{}", render(&ob, 60, 20));
    assert!(text.contains("Config block: skipped"), "{text}");
}

#[test]
fn a_new_keys_passphrase_is_asked_once_and_used_to_log_in() {
    let mut ob = flow(Vec::new());
    ob.on_key(key(KeyCode::Enter));
    typed(&mut ob, "pass");
    ob.on_key(key(KeyCode::Enter));
    typed(&mut ob, "pass");
    ob.on_key(key(KeyCode::Enter));
    ob.on_outcome(Outcome::Generated(Ok(ChosenKey {
        encrypted: true,
        ..chosen()
    })));
    ob.on_outcome(Outcome::Connected(Ok(host(HostVerdict::Known(
        "known (x)".into(),
    )))));
    assert_eq!(
        ob.key_passphrase().as_deref().map(String::as_str),
        Some("pass"),
        "kept for the key login"
    );
    assert!(!ob.notes[Step::Verify as usize].contains("known: known"));
    ob.on_outcome(Outcome::LoggedIn(Ok(LoginKind::Password)));
    ob.on_outcome(Outcome::Installed(Ok("added".into())));
    let next = ob.on_outcome(Outcome::Inspected(Ok(Inspected::default())));
    assert!(
        matches!(next.as_slice(), [Cmd::Prove { passphrase: Some(p) }] if p.as_str() == "pass"),
        "step 6 asks nothing: {next:?}"
    );
    assert!(ob.field.is_none());
}

#[test]
fn a_lost_connection_is_logged_into_again_on_r_and_done_steps_are_not_redone() {
    let mut ob = flow(Vec::new());
    ob.on_outcome(Outcome::Generated(Ok(chosen())));
    ob.on_outcome(Outcome::Connected(Ok(host(HostVerdict::Known("x".into())))));
    ob.on_outcome(Outcome::LoggedIn(Ok(LoginKind::Password)));
    ob.on_key(key(KeyCode::Enter));
    ob.on_key(key(KeyCode::Char('y')));
    ob.on_outcome(Outcome::Installed(Ok("added".into())));
    ob.on_outcome(Outcome::Inspected(Err(OpError::ConnectionLost)));
    assert_eq!(ob.mark(Step::Permissions), Mark::Failed);
    assert!(ob
        .message
        .as_ref()
        .is_some_and(|(m, e)| *e && m.contains("log in again")));
    let cmds = ob.on_key(key(KeyCode::Char('r')));
    assert!(
        matches!(cmds.as_slice(), [Cmd::Login { password: None }]),
        "{cmds:?}"
    );
    // The key works now: Install (done) is not redone, the permissions step looks again.
    let next = ob.on_outcome(Outcome::LoggedIn(Ok(LoginKind::Key)));
    assert!(matches!(next.as_slice(), [Cmd::Inspect]), "{next:?}");
    assert_eq!(ob.mark(Step::Install), Mark::Done);
}

#[test]
fn leaving_mid_flow_says_what_was_made_and_how_to_go_on() {
    let mut ob = flow(Vec::new());
    assert!(ob.farewell().is_some_and(|t| t.contains("Nothing was made")
        && t.contains("sshdoctor onboard -p 2222 alice@192.0.2.1")));
    ob.on_outcome(Outcome::Generated(Ok(chosen())));
    ob.on_outcome(Outcome::Connected(Ok(host(HostVerdict::Unknown))));
    ob.field = None;
    ob.on_outcome(Outcome::Applied(
        "hostkey.trust".into(),
        Ok("wrote /home/alice/.ssh/known_hosts".into()),
    ));
    let text = ob.farewell().unwrap_or_default();
    assert!(text.contains("left at step 3 of 7 (First login)"), "{text}");
    assert!(text.contains("a new key: ~/.ssh/id_ed25519"), "{text}");
    assert!(
        text.contains("wrote /home/alice/.ssh/known_hosts"),
        "{text}"
    );
}

/// The end names only what works: the alias when its block was written, else the full
/// command; the same is printed once the flow has ended.
#[test]
fn the_end_names_the_alias_only_when_it_was_written() {
    let done_until_config = |ob: &mut Onboard| {
        ob.chosen = Some(chosen());
        for s in &Step::ALL[..6] {
            ob.marks[*s as usize] = Mark::Done;
        }
        ob.current = Step::Prove;
        ob.on_outcome(Outcome::Proved(Ok("ok".into())));
        assert_eq!(ob.current, Step::Config);
    };
    let mut skipped = flow(Vec::new());
    skipped.alias = "alice-192-0-2-1".into();
    done_until_config(&mut skipped);
    skipped.on_key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL));
    assert!(skipped.finished);
    let full = "ssh -i ~/.ssh/id_ed25519 -p 2222 alice@192.0.2.1";
    assert_eq!(skipped.login_command(), full);
    let text = format!("{}", render(&skipped, 80, 24));
    assert!(!text.contains("ssh alice-192-0-2-1"), "{text}");
    assert!(text.contains(full), "{text}");
    let printed = skipped.success_text().unwrap();
    assert!(printed.contains(&format!("\n  {full}\n")), "{printed}");
    assert!(printed.contains("No Host block was written"), "{printed}");

    let mut written = flow(Vec::new());
    done_until_config(&mut written);
    written.on_key(key(KeyCode::Enter));
    written.on_outcome(Outcome::Planned(Ok(ActionOffer {
        title_text: None,
        id: "onboard.config".into(),
        title: "Add".into(),
        preview: String::new(),
        command: String::new(),
        repair: Some(crate::repair::Repair::Permissions {
            changes: Vec::new(),
        }),
    })));
    written.on_key(key(KeyCode::Char('y')));
    written.on_outcome(Outcome::Applied(
        "onboard.config".into(),
        Ok("wrote".into()),
    ));
    assert_eq!(written.login_command(), "ssh web");
    let printed = written.success_text().unwrap();
    assert!(printed.contains("\n  ssh web\n"), "{printed}");
    assert!(written.farewell().is_none());
}

/// The fingerprint-mismatch error at 60×20 and 80×24, with real-length fingerprints: shown
/// whole (its last words on screen, no cut mark), whatever the step's text above it.
#[test]
fn a_mismatch_error_is_shown_whole_at_small_sizes() {
    let mut ob = flow(Vec::new());
    ob.on_outcome(Outcome::Generated(Ok(chosen())));
    let mut h = host(HostVerdict::Unknown);
    h.sha256 = "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s".into();
    h.randomart = "+--[ED25519 256]--+\n|        .o.      |\n|       o  .      |\n|      . o. .     |\n|       o S. .    |\n|        + o.     |\n|       . =.      |\n|        o..      |\n|         ..      |\n+----[SHA256]-----+".into();
    ob.on_outcome(Outcome::Connected(Ok(h)));
    typed(
        &mut ob,
        "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    );
    ob.on_key(key(KeyCode::Enter));
    for (w, height) in [(60, 20), (80, 24)] {
        let text = format!("{}", render(&ob, w, height));
        let joined: String = text
            .lines()
            .map(|l| l.trim_matches('"').trim_matches('│').trim())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(joined.contains("fingerprint)."), "{text}");
        assert!(joined.contains("Do not go on"), "{text}");
        assert!(!text.contains('…'), "{text}");
    }
    snap(&ob, "onboard_mismatch_whole");
}

fn many_keys(n: usize) -> Vec<LocalKey> {
    (0..n)
        .map(|i| LocalKey {
            private: PathBuf::from(format!("/home/alice/.ssh/key_{i}")),
            public: None,
            algorithm: "ssh-ed25519".into(),
            bits: None,
            fingerprint: Some(format!("SHA256:fingerprint{i}")),
            comment: format!("key {i}"),
            encrypted: false,
            public_line: Some("ssh-ed25519 AAAA".into()),
        })
        .collect()
}

/// Step 1 with ten keys at 80×24: moving down keeps the selection (▶) on screen, the position
/// shown moves with it, and Enter picks the key that is seen.
#[test]
fn the_key_selection_stays_on_screen() {
    let mut ob = flow(many_keys(10));
    for _ in 0..8 {
        ob.on_key(key(KeyCode::Down));
    }
    assert_eq!(ob.key_sel, 8);
    let text = format!("{}", render(&ob, 80, 24));
    let selected = text.lines().find(|l| l.contains("│▶")).unwrap_or_default();
    assert!(selected.contains("~/.ssh/key_8"), "{text}");
    assert!(text.contains("SHA256:fingerprint8"), "{text}");
    assert!(!text.contains("1–14/"), "the position moved:\n{text}");
    ob.on_key(key(KeyCode::Down));
    ob.on_key(key(KeyCode::Down));
    let text = format!("{}", render(&ob, 80, 24));
    let selected = text.lines().find(|l| l.contains("│▶")).unwrap_or_default();
    assert!(selected.contains("generate a new ed25519 key"), "{text}");
    for _ in 0..10 {
        ob.on_key(key(KeyCode::Up));
    }
    let text = format!("{}", render(&ob, 60, 20));
    let selected = text.lines().find(|l| l.contains("│▶")).unwrap_or_default();
    assert!(selected.contains("~/.ssh/key_0"), "{text}");
    ob.on_key(key(KeyCode::Enter));
    assert_eq!(
        ob.chosen.as_ref().map(|k| k.private.clone()),
        Some(PathBuf::from("/home/alice/.ssh/key_0"))
    );
}

/// The key the destination's config names (IdentityFile) is the one preselected.
#[test]
fn the_configured_key_is_preselected() {
    let dir = tempfile::tempdir().unwrap();
    let ssh = dir.path().join(".ssh");
    std::fs::create_dir(&ssh).unwrap();
    for name in ["id_a", "id_b", "id_ed25519"] {
        crate::keygen::generate_ed25519(&ssh.join(name), name, None).unwrap();
    }
    std::fs::write(
        ssh.join("config"),
        "Host web\n  HostName 192.0.2.1\n  IdentityFile ~/.ssh/id_b\n",
    )
    .unwrap();
    let input = crate::config::ConfigInput {
        host: "web".into(),
        options: Vec::new(),
        user_config: Some(ssh.join("config")),
        system_config: dir.path().join("none"),
        home: dir.path().to_path_buf(),
        local_user: "alice".into(),
        local_hostname: "laptop".into(),
        passwd_home: None,
    };
    let ob = super::prepare(&input, None);
    assert_eq!(ob.keys.len(), 3);
    assert_eq!(
        ob.keys[ob.key_sel].private,
        ssh.join("id_b"),
        "{:?}",
        ob.keys
    );
}

/// Step 2 failing (no connection): the panel says what failed and what to do, not
/// "Connecting…" beside a ✘.
#[test]
fn a_failed_connection_is_said_in_the_panel() {
    let mut ob = flow(Vec::new());
    ob.on_outcome(Outcome::Generated(Ok(chosen())));
    assert_eq!(ob.current, Step::Verify);
    ob.on_outcome(Outcome::Connected(Err(
        "TCP connection: refused on port 2222".into(),
    )));
    assert_eq!(ob.mark(Step::Verify), Mark::Failed);
    for (w, h) in [(80, 24), (60, 20)] {
        let text = format!("{}", render(&ob, w, h));
        assert!(!text.contains("Connecting"), "{text}");
        assert!(text.contains("refused on port 2222"), "{text}");
        assert!(text.contains("r retry"), "{text}");
    }
    snap(&ob, "onboard_verify_failed");
}

#[path = "i18n_tests.rs"]
mod i18n;
