//! Tests of what a person sees at small sizes: the fix one key away, nothing cut without a
//! sign, scrolled panels that say where they are, and the transcript of unfinished runs.

use super::app::Overlay;
use super::fixtures::*;
use super::{draw, App, Focus};
use crate::event::{Level, Stage};
use crossterm::event::KeyCode;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn screen(app: &mut App, width: u16, height: u16) -> Vec<String> {
    app.on_resize(width, height);
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal.draw(|f| draw(app, f)).expect("draw");
    let text = terminal.backend().to_string();
    text.lines()
        .map(|l| l.trim_matches('"').to_string())
        .collect()
}

#[test]
fn the_root_cause_has_the_focus_and_enter_opens_its_fix() {
    let mut a = app(color());
    feed(&mut a, &hostkey_changed());
    assert_eq!(a.focus(), Focus::Findings);
    let rows = screen(&mut a, 80, 24);
    let footer = rows.last().cloned().unwrap_or_default();
    assert!(footer.contains("Enter fix"), "{footer}");
    a.on_key(key(KeyCode::Enter));
    let Some(Overlay::Confirm { action, text, .. }) = &a.overlay else {
        panic!("Enter opens the confirm dialog");
    };
    assert_eq!(action.id, "known_hosts.remove");
    assert_eq!(text.title, "Remove the stale host key for example.org?");
    let shown = screen(&mut a, 80, 24).join("\n");
    assert!(
        shown.contains("Remove the stale host key for example.org?"),
        "{shown}"
    );
    assert!(
        shown.contains("In ~/.ssh/known_hosts, line 2 is removed."),
        "{shown}"
    );
    assert!(shown.contains("known_hosts.sshdoctor-<UTC"), "{shown}");
    // From another panel, `f` opens the same dialog.
    press(&mut a, "n");
    a.on_key(key(KeyCode::Tab));
    assert_eq!(a.focus(), Focus::Checklist);
    press(&mut a, "f");
    assert!(matches!(a.overlay, Some(Overlay::Confirm { .. })));
}

#[test]
fn a_short_checklist_scrolls_to_the_failing_stage_and_keeps_the_selection() {
    let mut a = app(color());
    feed(&mut a, &session_fails());
    let rows = screen(&mut a, 80, 20);
    let session = rows.iter().find(|r| r.contains("Session"));
    assert!(
        session.is_some_and(|r| r.contains("fail")),
        "the failing stage is on screen:\n{}",
        rows.join("\n")
    );
    assert!(
        rows.iter().any(|r| r.contains("Checklist 2–8/9 ↑↓")),
        "{}",
        rows.join("\n")
    );
    // Moving the selection past the top edge scrolls; the marker stays on screen.
    a.on_key(key(KeyCode::Tab));
    assert_eq!(a.focus(), Focus::Checklist);
    press(&mut a, "kkkkkkkk");
    let rows = screen(&mut a, 80, 20);
    assert!(
        rows.iter()
            .any(|r| r.starts_with("▶") && r.contains("Configuration")),
        "{}",
        rows.join("\n")
    );
    a.on_key(key(KeyCode::Enter));
    assert_eq!(a.log.filter, Some(Stage::Config));
}

#[test]
fn help_and_quit_stay_in_the_footer_at_every_width() {
    let mut a = app(color());
    feed(&mut a, &hostkey_changed());
    for width in 24..=120 {
        let rows = screen(&mut a, width, 24);
        let footer = rows.last().cloned().unwrap_or_default();
        assert!(
            footer.contains("? help") && footer.contains("q quit"),
            "{width}: {footer}"
        );
    }
}

#[test]
fn the_header_shortens_the_verdict_and_never_cuts_it() {
    let mut a = app(color());
    feed(&mut a, &hostkey_changed());
    for width in 40..=130 {
        let rows = screen(&mut a, width, 24);
        let header = &rows[0];
        assert!(header.contains("hostkey.changed"), "{width}: {header}");
        let verdict = header.split('│').nth(1).unwrap_or(header);
        assert!(!verdict.contains('…'), "{width}: {header}");
        assert_eq!(header.matches("example.org").count(), 1, "{header}");
    }
}

#[test]
fn z_zooms_the_focused_panel_and_back() {
    let mut a = app(color());
    feed(&mut a, &hostkey_changed());
    press(&mut a, "z");
    let rows = screen(&mut a, 80, 24).join("\n");
    assert!(
        !rows.contains("Checklist") && rows.contains("Findings (1)"),
        "{rows}"
    );
    assert!(
        rows.contains("Evidence:") && rows.contains("Fix:"),
        "{rows}"
    );
    press(&mut a, "z");
    let rows = screen(&mut a, 80, 24).join("\n");
    assert!(rows.contains("Checklist"), "{rows}");
}

#[test]
fn the_finding_detail_scrolls_and_says_where_it_is() {
    let mut a = app(color());
    feed(&mut a, &hostkey_changed());
    let rows = screen(&mut a, 60, 20).join("\n");
    assert!(rows.contains("↓ more below (PgDn) · 1–3/12"), "{rows}");
    assert!(
        rows.contains("PgDn more"),
        "the footer shows the key:\n{rows}"
    );
    for _ in 0..5 {
        a.on_key(key(KeyCode::PageDown));
    }
    let rows = screen(&mut a, 60, 20).join("\n");
    assert!(rows.contains("↑ end (PgUp goes back)"), "{rows}");
    assert!(
        rows.contains("same as: ssh-keygen -R example.org"),
        "{rows}"
    );
}

#[test]
fn a_search_brings_the_match_into_view_below_wrapped_lines() {
    let mut a = app(color());
    let long = "word ".repeat(60);
    for i in 0..40 {
        a.on_engine(&log(Stage::Kex, Level::Debug1, &format!("{long} {i}")));
        if i == 10 {
            a.on_engine(&log(Stage::Kex, Level::Debug1, "the needle is here"));
        }
    }
    a.on_resize(80, 24);
    a.on_key(key(KeyCode::Tab));
    assert_eq!(a.focus(), Focus::Log);
    press(&mut a, "/needle");
    a.on_key(key(KeyCode::Enter));
    let rows = screen(&mut a, 80, 24).join("\n");
    assert!(rows.contains("the needle is here"), "{rows}");
    assert!(
        rows.contains("/needle"),
        "the title shows the search:\n{rows}"
    );
}

#[test]
fn the_transcript_marks_an_unfinished_run_and_names_the_destination() {
    let mut a = app(color());
    a.set_rerun("-F ~/cfg example.org".into());
    a.reset_for_rerun();
    feed(&mut a, &running());
    let t = a.transcript();
    assert!(
        t.starts_with("<!-- run 1 of 2 -->\n\n# sshdoctor: example.org\n"),
        "{t}"
    );
    assert!(
        t.contains("**Interrupted: the checks had not finished (Key exchange was still running)"),
        "{t}"
    );
    assert!(!t.contains("?@?") && !t.contains("No problem found"), "{t}");
    let mut b = app(color());
    b.set_rerun("-F ~/cfg example.org".into());
    feed(&mut b, &hostkey_changed());
    let t = b.transcript();
    assert!(
        t.contains("sshdoctor --fix known_hosts.remove -F ~/cfg example.org"),
        "the recorded command has its destination:\n{t}"
    );
}

#[test]
fn dash_v_on_the_command_line_sets_the_log_level() {
    let mut a = app(color());
    a.set_verbosity(2);
    assert_eq!(a.log.verbosity, Level::Debug2);
    a.set_verbosity(3);
    assert_eq!(a.log.verbosity, Level::Debug3);
    a.set_verbosity(0);
    assert_eq!(a.log.verbosity, Level::Debug1);
}

#[test]
fn a_run_that_announces_its_own_stages_gets_that_checklist() {
    use crate::event::{Event, Setting, Status};
    use std::time::Duration;
    let mut a = app(color());
    let stages = crate::server::STAGES.to_vec();
    feed(
        &mut a,
        &[
            Event::Stages(stages.clone()),
            Event::Destination(vec![Setting {
                keyword: "server".into(),
                value: "web1".into(),
                origin: "this host".into(),
            }]),
            Event::StageFinished {
                said: None,
                hop: 0,
                stage: Stage::Account,
                status: Status::Fail,
                elapsed: Duration::from_millis(3),
                summary: "bob: sshd refuses this account".into(),
            },
            Event::Finding(crate::findings::finding(
                "server.user_not_allowed",
                Stage::Account,
                "not listed in AllowUsers",
            )),
            Event::Done { login_ok: true },
        ],
    );
    let shown = screen(&mut a, 80, 24).join("\n");
    for stage in &stages {
        assert!(
            shown.contains(stage.title()),
            "{} in\n{shown}",
            stage.title()
        );
    }
    assert!(!shown.contains("TCP connection"), "{shown}");
    assert!(shown.contains("sshd on web1"), "{shown}");
    assert!(
        shown.contains("sshd refuses logins: fix server.user_not_allowed"),
        "{shown}"
    );
    // The selection moves over this run's stages only, and stops at its last.
    while a.focus() != Focus::Checklist {
        a.on_key(key(KeyCode::Tab));
    }
    press(&mut a, "jjjjjjjjjj");
    assert_eq!(a.selected_stage(), Stage::Log);
}
