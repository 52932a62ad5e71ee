//! The console through jump hosts: hops as groups in the checklist (a green hop on one line,
//! the failing hop open), the header naming the hop where the login fails, each log line
//! tagged with its hop, Enter on a hop's heading opening it.

use super::fixtures::*;
use super::{draw, App, Focus};
use crate::event::{Event, HopPlan, Level, Stage, Status, Via};
use crossterm::event::KeyCode;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::time::Duration;

fn screen(app: &mut App, width: u16, height: u16) -> String {
    app.on_resize(width, height);
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal.draw(|f| draw(app, f)).expect("draw");
    terminal.backend().to_string()
}

fn hop(host: &str, port: u16, via: Via, stages: &[Stage]) -> HopPlan {
    HopPlan {
        host: host.into(),
        user: "alice".into(),
        hostname: "10.0.0.1".into(),
        port,
        via,
        stages: stages.to_vec(),
    }
}

fn done(hop: usize, stage: Stage, status: Status, summary: &str) -> Event {
    Event::StageFinished {
        said: None,
        hop,
        stage,
        status,
        elapsed: Duration::from_millis(3),
        summary: summary.into(),
    }
}

/// A bastion that passes everything and a target the bastion refuses to forward to.
fn refused_by_the_bastion() -> Vec<Event> {
    use Stage::*;
    let first = [Config, Dns, Tcp, Banner, Kex, Hostkey, Auth];
    let second = [Config, Forward, Banner, Kex, Hostkey, Auth, Session, Remote];
    let mut ev = vec![Event::Hops(vec![
        hop("bastion", 22, Via::Tcp, &first),
        hop("target", 2222, Via::Forward, &second),
    ])];
    ev.extend(first.iter().map(|s| done(0, *s, Status::Pass, "fine")));
    ev.push(Event::Log {
        said: None,
        hop: 0,
        at: Duration::from_millis(4),
        level: Level::Info,
        stage: Auth,
        text: "Authenticated to 10.0.0.1".into(),
    });
    ev.push(done(1, Config, Status::Pass, "alice@10.0.0.1 port 2222"));
    ev.push(done(1, Forward, Status::Fail, "bastion refuses to forward"));
    let mut f = crate::findings::finding("jump.forward_prohibited", Forward, "prohibited");
    f.hop = 0;
    ev.push(Event::Finding(f));
    for s in &second[2..] {
        ev.push(done(1, *s, Status::Skipped, "skipped: no forward"));
    }
    ev.push(Event::Done { login_ok: false });
    ev
}

#[test]
fn hops_are_groups_and_the_header_names_the_hop_that_fails() {
    let mut a = app(color());
    feed(&mut a, &refused_by_the_bastion());
    let shown = screen(&mut a, 120, 40);
    assert!(shown.contains("bastion"), "{shown}");
    assert!(
        shown.contains("all 7 checks pass"),
        "the green hop on one line\n{shown}"
    );
    assert!(
        !shown.contains("TCP connection"),
        "its stages hidden\n{shown}"
    );
    assert!(
        shown.contains("Forwarding"),
        "the failing hop open\n{shown}"
    );
    assert!(shown.contains("fails at Forwarding"), "{shown}");
    assert!(
        shown.contains("The login would fail at bastion"),
        "the header names the hop\n{shown}"
    );
    assert!(shown.contains("[bastion auth] Authenticated"), "{shown}");
    // At 80 columns the header still names it.
    let small = screen(&mut a, 80, 24);
    let header = small.lines().next().unwrap_or_default();
    assert!(header.contains("bastion"), "{header}");
}

#[test]
fn enter_on_a_hops_heading_opens_it_and_filters_the_log_to_it() {
    let mut a = app(color());
    feed(&mut a, &refused_by_the_bastion());
    screen(&mut a, 120, 40);
    while a.focus() != Focus::Checklist {
        a.on_key(key(KeyCode::Tab));
    }
    for _ in 0..20 {
        a.on_key(key(KeyCode::Up));
    }
    assert_eq!(a.selected_hop(), 0);
    a.on_key(key(KeyCode::Enter));
    assert_eq!((a.log.filter, a.log.hop_filter), (None, Some(0)));
    let shown = screen(&mut a, 120, 40);
    assert!(shown.contains("TCP connection"), "opened\n{shown}");
    a.on_key(key(KeyCode::Down));
    a.on_key(key(KeyCode::Down));
    assert_eq!((a.selected_hop(), a.selected_stage()), (0, Stage::Dns));
    assert_eq!(
        (a.log.filter, a.log.hop_filter),
        (Some(Stage::Dns), Some(0))
    );
}
