//! The console over an explained transcript (`sshdoctor explain`): the checklist and the root
//! cause from the transcript, its lines as the log under their input line numbers, and the
//! selected finding's evidence lines standing out.

use super::fixtures::{app, color, feed};
use super::theme::Role;
use super::{draw, Focus};
use crate::explain::{events, input, Options, Owner};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

/// A pasted plain stderr (no debug line): the agent would not sign, then "Permission denied".
const PASTE: &str = "alice@laptop:~/.ssh $ ssh root@192.0.2.10\n\
\n\
sign_and_send_pubkey: signing failed for RSA \"/Users/alice/.ssh/id_krypton\" from agent: agent refused operation\n\
no such identity: /Users/alice/.ssh/id_ed25519: No such file or directory\n\
root@192.0.2.10: Permission denied (publickey).\n";

#[test]
fn the_transcript_is_the_log_and_the_evidence_stands_out() {
    let input = input::read(PASTE.as_bytes()).unwrap();
    let options = Options {
        name: "pasted.txt".into(),
        owner: Owner::NotMine,
    };
    let mut a = app(color());
    feed(&mut a, &events(&input, &options));
    assert_eq!(a.focus(), Focus::Findings, "the root cause has the focus");
    assert_eq!(a.report.findings[a.finding_sel].id, "agent.refused");
    a.on_resize(120, 40);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal.draw(|f| draw(&a, f)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    let row = |needle: &str| {
        (0..buffer.area.height).find(|y| {
            let text: String = (0..buffer.area.width)
                .map(|x| buffer[(x, *y)].symbol())
                .collect();
            text.contains(needle)
        })
    };
    let screen = terminal.backend().to_string();
    assert!(screen.contains("agent"), "{screen}");
    // The log shows the input's lines by number; line 3 is the evidence, line 4 is not.
    let evidence = row("3│ sign_and_send_pubkey").unwrap_or_else(|| panic!("{screen}"));
    let other = row("4│ no such identity").unwrap_or_else(|| panic!("{screen}"));
    let style_at = |y: u16, needle: &str| {
        let text: Vec<String> = (0..buffer.area.width)
            .map(|x| buffer[(x, y)].symbol().to_string())
            .collect();
        let at = text.concat().find(needle).unwrap();
        // Column of the needle's first character (symbols here are one byte wide).
        let x = text
            .iter()
            .scan(0, |n, s| {
                *n += s.len();
                Some(*n)
            })
            .position(|n| n > at)
            .unwrap();
        buffer[(x as u16, y)].style()
    };
    let matched = a.theme.style(Role::Match);
    let shown = style_at(evidence, "sign_and_send_pubkey");
    assert_eq!((shown.fg, shown.bg), (matched.fg, matched.bg), "{screen}");
    let plain = style_at(other, "no such identity");
    assert_ne!((plain.fg, plain.bg), (matched.fg, matched.bg), "{screen}");
}
