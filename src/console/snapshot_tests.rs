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
