//! Whole-screen snapshot tests: realistic event streams drawn into a `TestBackend`, compared with insta.

use super::fixtures::*;
use super::{draw, App, ConsoleOptions};
use crate::event::{Level, Stage};
use crossterm::event::KeyCode;
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ratatui::Terminal;

fn render(app: &App, width: u16, height: u16) -> TestBackend {
    let mut terminal = match Terminal::new(TestBackend::new(width, height)) {
        Ok(t) => t,
        Err(e) => panic!("test terminal: {e}"),
    };
    if let Err(e) = terminal.draw(|f| draw(app, f)) {
        panic!("draw: {e}");
    }
    terminal.backend().clone()
}

fn both(app: &mut App, name: &str) {
    for (w, h) in [(80, 24), (60, 20), (120, 40)] {
        app.on_resize(w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), render(app, w, h));
    }
}

fn hostkey_app(options: ConsoleOptions) -> App {
    let mut a = app(options);
    feed(&mut a, &hostkey_changed());
    a
}

#[test]
fn running() {
    let mut a = app(color());
    feed(&mut a, &super::fixtures::running());
    a.clock = std::time::Duration::from_millis(2_180);
    both(&mut a, "running");
}

#[test]
fn all_green() {
    let mut a = app(color());
    feed(&mut a, &super::fixtures::all_green());
    press(&mut a, "kkkk");
    a.on_key(key(KeyCode::Enter));
    both(&mut a, "all_green_kex_selected");
}

#[test]
fn host_key_changed_with_the_remove_action_selected() {
    let mut a = hostkey_app(color());
    both(&mut a, "hostkey_changed_action");
}

#[test]
fn confirm_dialog_shows_the_diff_and_command() {
    let mut a = hostkey_app(color());
    a.on_key(key(KeyCode::Enter));
    both(&mut a, "confirm");
}

#[test]
fn help_overlay_lists_the_keymap() {
    let mut a = app(color());
    feed(&mut a, &super::fixtures::running());
    press(&mut a, "?");
    both(&mut a, "help");
    let text = render(&a, 120, 40).to_string();
    for b in super::keymap::BINDINGS {
        assert!(text.contains(b.help), "help lacks {:?}", b.help);
    }
}

#[test]
fn ascii_mode() {
    let mut a = hostkey_app(ConsoleOptions {
        ascii: true,
        color: false,
    });
    a.on_repair_result("known_hosts.remove", Err("permission denied".into()));
    both(&mut a, "ascii");
    let text = render(&a, 80, 24).to_string();
    assert!(text.contains("[FAIL]") && text.contains("[ok]"), "{text}");
    let mut b = app(ConsoleOptions {
        ascii: true,
        color: false,
    });
    feed(&mut b, &super::fixtures::running());
    let text = render(&b, 120, 40).to_string();
    assert!(text.is_ascii(), "{text}");
}

#[test]
fn no_color_leaves_every_cell_uncoloured() {
    let mut a = hostkey_app(ConsoleOptions {
        ascii: false,
        color: false,
    });
    a.on_key(key(KeyCode::Enter));
    let backend = render(&a, 120, 40);
    for cell in backend.buffer().content() {
        assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset), "{cell:?}");
    }
}

#[test]
fn the_secret_prompt_never_draws_the_secret() {
    let mut a = app(color());
    a.prompt_secret("Passphrase for ~/.ssh/id_ed25519");
    press(&mut a, "hunter2");
    let text = render(&a, 80, 24).to_string();
    assert!(
        !text.contains("hunter2") && text.contains("•••••••"),
        "{text}"
    );
    both(&mut a, "password_prompt_masked");
}

#[test]
fn tiny_terminals_do_not_panic() {
    let mut a = hostkey_app(color());
    a.on_key(key(KeyCode::Enter));
    for (w, h) in [(20, 5), (1, 1), (0, 0), (200, 3), (3, 200), (119, 12)] {
        a.on_resize(w, h);
        render(&a, w.max(1), h.max(1));
    }
    press(&mut a, "n?");
    render(&a, 20, 5);
}

#[test]
fn cjk_summaries_keep_the_columns_aligned() {
    let mut a = app(color());
    feed(&mut a, &super::fixtures::running());
    a.on_engine(&crate::event::Event::StageFinished {
        said: None,
        hop: 0,
        stage: Stage::Kex,
        status: crate::event::Status::Pass,
        elapsed: std::time::Duration::from_millis(7),
        summary: "鍵交換に成功しました：curve25519-sha256 と chacha20-poly1305 を使用".into(),
    });
    let backend = render(&a, 80, 24);
    let buf = backend.buffer();
    // The border on the right of the log stays in place and every row is exactly 80 cells.
    let rows: Vec<String> = backend.to_string().lines().map(str::to_string).collect();
    let kex = rows
        .iter()
        .find(|r| r.contains("Key exchange"))
        .cloned()
        .unwrap_or_default();
    assert!(kex.contains("鍵交換") && kex.contains('…'), "{kex}");
    assert_eq!(buf.area.width, 80);
    let dns = rows
        .iter()
        .find(|r| r.contains("DNS"))
        .cloned()
        .unwrap_or_default();
    let col = |r: &str, pat: &str| {
        r.find(pat)
            .map(|i| ratatui::text::Span::raw(&r[..i]).width())
    };
    assert_eq!(col(&kex, "7 ms"), col(&dns, "4 ms"));
}

#[test]
fn a_hundred_thousand_lines_render_the_tail() {
    let mut a = app(color());
    a.on_resize(120, 40);
    for i in 0..100_000 {
        a.on_engine(&log(Stage::Auth, Level::Debug1, &format!("auth line {i}")));
    }
    a.on_key(key(KeyCode::Tab));
    let text = render(&a, 120, 40).to_string();
    assert!(
        text.contains("auth line 99999") && !text.contains("auth line 99000 "),
        "{text}"
    );
    press(&mut a, "v");
    a.on_key(key(KeyCode::PageUp));
    let text = render(&a, 120, 40).to_string();
    assert!(!text.contains("auth line 99999"), "{text}");
}

#[test]
fn a_short_terminal_shows_the_failing_stage() {
    let mut a = app(color());
    feed(&mut a, &super::fixtures::session_fails());
    a.on_resize(80, 20);
    insta::assert_snapshot!("session_fails_80x20", render(&a, 80, 20));
}

/// The header's first row at this size.
fn header_row(a: &mut App, w: u16, h: u16) -> String {
    a.on_resize(w, h);
    render(a, w, h)
        .to_string()
        .lines()
        .next()
        .unwrap_or_default()
        .trim_matches('"')
        .to_string()
}

fn first_contact_app() -> App {
    let mut a = App::new("127.0.0.1".into(), color());
    a.set_home("/home/alice".into());
    a.set_limit(Some(std::time::Duration::from_secs(10)));
    feed(&mut a, &super::fixtures::first_contact());
    a
}

/// First contact: the header asks (`?`), names the destination, and its verdict is one of its
/// own forms, whole, at every size — never "✘ No problem found…" cut at the edge.
#[test]
fn first_contact_header_asks_and_names_the_destination() {
    let mut a = first_contact_app();
    for (w, h) in [(80, 24), (60, 20), (120, 40)] {
        let row = header_row(&mut a, w, h);
        assert!(row.contains("sshdoctor-test@127.0.0.1 port 24106"), "{row}");
        assert!(
            row.contains(" ? Host key not verified") || row.contains(" ? Key not verified"),
            "{row}"
        );
        assert!(!row.contains('✘') && !row.contains('…'), "{row}");
        let verdict = row.split(" ? ").nth(1).unwrap_or_default().trim_end();
        assert!(
            super::labels::first_contact_forms()
                .iter()
                .any(|f| f == verdict),
            "a whole form: {verdict:?}"
        );
    }
    both(&mut a, "first_contact");
}

/// After `g` the report says the login works once the key is accepted: a form of it fits.
#[test]
fn works_once_accepted_fits_the_header() {
    let mut a = App::new("127.0.0.1".into(), color());
    let mut events = super::fixtures::all_green();
    events[0] = crate::event::Event::Destination(first_contact_destination());
    events.insert(
        1,
        crate::event::Event::Fact {
            hop: 0,
            stage: Stage::Hostkey,
            key: "hostkey_outcome".into(),
            value: "prompt".into(),
        },
    );
    feed(&mut a, &events);
    for (w, h) in [(80, 24), (60, 20)] {
        let row = header_row(&mut a, w, h);
        assert!(row.contains("sshdoctor-test@127.0.0.1 port 24106"), "{row}");
        assert!(row.contains("✔ ") && !row.contains('…'), "{row}");
        let verdict = row.split("✔ ").nth(1).unwrap_or_default().trim_end();
        assert!(
            super::labels::works_forms(&crate::report::verdict(&a.report))
                .iter()
                .any(|f| f == verdict)
                && verdict.contains("ccepted"),
            "{verdict:?}"
        );
    }
}

fn first_contact_destination() -> Vec<crate::event::Setting> {
    match &super::fixtures::first_contact()[0] {
        crate::event::Event::Destination(d) => d.clone(),
        _ => Vec::new(),
    }
}

/// The trust dialog scrolled to its command: the long key line breaks inside double quotes,
/// each row ending with `\` so the rows pasted run as one command.
#[test]
fn the_trust_command_wraps_copy_safe() {
    let mut a = first_contact_app();
    for (w, h) in [(80, 24), (60, 20)] {
        a.on_resize(w, h);
        a.on_key(key(KeyCode::PageDown));
        let text = render(&a, w, h).to_string();
        assert!(
            text.contains("echo \"[127.0.0.1]:24106 ssh-ed25519 \\"),
            "{text}"
        );
        insta::assert_snapshot!(format!("trust_command_{w}x{h}"), text);
        a.on_key(key(KeyCode::PageUp));
    }
}
