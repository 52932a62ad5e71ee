//! The fleet table at 80×24 in Simplified Chinese and Japanese: the help, the list of batch
//! repairs, a batch's confirm dialog, the status lines; CJK text is two cells wide, so the
//! footer's shortening, the columns and the dialogs' wrapping are what these pin.

use super::state::Table;
use super::tests::{color, done, key, press, render, report, table};
use crate::event::{Stage, Status};
use crate::i18n::{with_lang, Lang};
use crossterm::event::KeyCode;

/// Every language but English, with its snapshot prefix.
const LANGS: [(Lang, &str); 2] = [(Lang::ZhCn, "zh_cn"), (Lang::Ja, "ja")];

/// A known_hosts file with db1's and db2's stale keys, at a path of its own (shown in the
/// confirm dialog, so replaced by a fixed one in the snapshot).
fn known_hosts(dir: &std::path::Path) -> std::path::PathBuf {
    let kh = dir.join("known_hosts");
    let key = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
    std::fs::write(
        &kh,
        format!("db1 ssh-ed25519 {key}\nweb ssh-ed25519 {key}\ndb2 ssh-ed25519 {key}\n"),
    )
    .unwrap();
    kh
}

/// The table of the English snapshots, its running host finished (no time on screen depends
/// on the clock).
fn finished(known_hosts: &std::path::Path) -> Table {
    let mut t = table(color(), known_hosts);
    let no_key = crate::findings::finding("auth.no_key", Stage::Auth, "k");
    t.on_updates([done(
        4,
        report(Stage::Auth, Status::Fail, vec![no_key], false),
        95,
    )]);
    t
}

#[test]
fn help_repairs_and_confirm_dialog_in_chinese_and_japanese() {
    let dir = tempfile::tempdir().unwrap();
    let kh = known_hosts(dir.path());
    for (lang, prefix) in LANGS {
        with_lang(lang, || {
            let mut t = finished(&kh);
            press(&mut t, "?");
            let help = render(&mut t, 80, 24);
            insta::assert_snapshot!(format!("{prefix}_fleet_help_80x24"), help);
            t.on_key(key(KeyCode::Esc));
            press(&mut t, "a");
            let repairs = render(&mut t, 80, 24);
            insta::assert_snapshot!(format!("{prefix}_fleet_repairs_80x24"), repairs);
            t.on_key(key(KeyCode::Esc));
            let mut batch =
                crate::fleet::repair::prepare(&t.rows, "known_hosts.remove").expect("a change");
            let shown = dir.path().display().to_string();
            batch.preview = batch.preview.replace(&shown, "/home/alice/.ssh");
            batch.command = batch.command.replace(&shown, "/home/alice/.ssh");
            t.open_confirm(batch);
            let confirm = render(&mut t, 80, 24);
            insta::assert_snapshot!(format!("{prefix}_fleet_confirm_80x24"), confirm);
        });
    }
}

#[test]
fn status_lines_and_the_footer_keep_to_80_columns_in_chinese_and_japanese() {
    for (lang, prefix) in LANGS {
        with_lang(lang, || {
            let mut t = finished(std::path::Path::new("/kh"));
            // Sorted by host, the last is `web`, which has no finding to filter by.
            press(&mut t, "sGi");
            let screen = render(&mut t, 80, 24);
            let status = screen.lines().nth(22).unwrap_or_default().to_string();
            let words = match lang {
                Lang::Ja => "絞り込みに使える指摘がありません",
                _ => "没有可用于筛选的问题",
            };
            assert!(status.contains(words), "{status}");
            let footer = screen.lines().last().unwrap_or_default().to_string();
            assert!(footer.contains(" q ") && footer.contains(" ? "), "{footer}");
            assert!(
                !footer.contains("quit") && !footer.contains("help"),
                "{footer}"
            );
            insta::assert_snapshot!(format!("{prefix}_fleet_status_80x24"), screen);
        });
    }
}
