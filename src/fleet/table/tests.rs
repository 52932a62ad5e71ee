//! The table's update (results and keys in, commands out) and whole-screen snapshots of it.

use super::state::{Command, Overlay, Sort, Table};
use super::view;
use crate::console::ConsoleOptions;
use crate::event::{ActionOffer, Event, Setting, Stage, Status};
use crate::findings::finding;
use crate::fleet::hosts::Listed;
use crate::fleet::probe::{Outcome, Update};
use crate::fleet::rows::Row;
use crate::report::Report;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::time::Duration;

pub(super) fn listed(alias: &str) -> Listed {
    Listed {
        alias: alias.into(),
        args: vec![alias.into()],
        note: None,
    }
}

/// A finished report: the stages up to `last` passed, `last` with `status`, the rest skipped.
pub(super) fn report(
    last: Stage,
    status: Status,
    findings: Vec<crate::event::Finding>,
    ok: bool,
) -> Report {
    let mut r = Report::default();
    let setting = |k: &str, v: &str| Setting {
        keyword: k.into(),
        value: v.into(),
        origin: "default".into(),
    };
    r.apply(&Event::Destination(vec![
        setting("hostname", "10.0.0.5"),
        setting("user", "deploy"),
        setting("port", "22"),
    ]));
    for s in Stage::ALL {
        let (st, summary) = match s.cmp(&last) {
            std::cmp::Ordering::Less => (Status::Pass, "ok"),
            std::cmp::Ordering::Equal => (status, "here"),
            std::cmp::Ordering::Greater => (Status::Skipped, "skipped"),
        };
        r.apply(&Event::StageFinished {
            said: None,
            hop: 0,
            stage: s,
            status: st,
            elapsed: Duration::from_millis(3),
            summary: summary.into(),
        });
    }
    for f in findings {
        r.apply(&Event::Finding(f));
    }
    r.apply(&Event::Done { login_ok: ok });
    r
}

pub(super) fn done(index: usize, report: Report, ms: u64) -> Update {
    Update::Done {
        index,
        outcome: Box::new(Outcome {
            report,
            elapsed: Duration::from_millis(ms),
        }),
    }
}

pub(super) fn changed(known_hosts: &std::path::Path, name: &str) -> crate::event::Finding {
    let mut f = finding("hostkey.changed", Stage::Hostkey, "changed");
    f.actions.push(ActionOffer {
        title_text: None,
        id: "known_hosts.remove".into(),
        title: format!("Remove the stale known_hosts entries for {name}"),
        preview: String::new(),
        command: String::new(),
        repair: Some(crate::repair::Repair::KnownHostsRemove {
            name: name.into(),
            files: vec![known_hosts.to_path_buf()],
        }),
    });
    f
}

/// Six hosts: two ok (one still running), two with a changed key, one refused, one queued.
pub(super) fn table(options: ConsoleOptions, known_hosts: &std::path::Path) -> Table {
    let names = ["web", "db1", "cache", "db2", "mail", "queue"];
    let mut t = Table::new(
        names.iter().map(|n| Row::new(listed(n))).collect(),
        128,
        options,
    );
    let refused = finding("tcp.refused", Stage::Tcp, "refused");
    t.on_updates([
        Update::Started {
            index: 0,
            hop: None,
        },
        done(0, report(Stage::Remote, Status::Pass, vec![], true), 412),
        Update::Started {
            index: 1,
            hop: Some("bastion".into()),
        },
        done(
            1,
            report(
                Stage::Hostkey,
                Status::Fail,
                vec![changed(known_hosts, "db1")],
                false,
            ),
            38,
        ),
        Update::Started {
            index: 2,
            hop: None,
        },
        done(2, report(Stage::Tcp, Status::Fail, vec![refused], false), 2),
        Update::Started {
            index: 3,
            hop: Some("bastion".into()),
        },
        done(
            3,
            report(
                Stage::Hostkey,
                Status::Fail,
                vec![changed(known_hosts, "db2")],
                false,
            ),
            41,
        ),
        Update::Started {
            index: 4,
            hop: None,
        },
        Update::Stage {
            index: 4,
            stage: Stage::Kex,
        },
    ]);
    t
}

pub(super) fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

pub(super) fn press(t: &mut Table, keys: &str) -> Vec<Command> {
    keys.chars()
        .flat_map(|c| t.on_key(key(KeyCode::Char(c))))
        .collect()
}

fn names(t: &Table) -> Vec<&str> {
    t.shown()
        .iter()
        .map(|&i| t.rows[i].listed.alias.as_str())
        .collect()
}

pub(super) fn color() -> ConsoleOptions {
    ConsoleOptions {
        ascii: false,
        color: true,
    }
}

#[test]
fn failing_hosts_come_first_grouped_by_root_cause_then_running_queued_and_good() {
    let dir = tempfile::tempdir().unwrap();
    let t = table(color(), &dir.path().join("kh"));
    assert_eq!(names(&t), ["db1", "db2", "cache", "mail", "queue", "web"]);
    assert_eq!(
        t.summary.line(false),
        "1 ok, 3 failing: 2 × hostkey.changed, 1 × tcp.refused"
    );
}

#[test]
fn sorting_filters_and_search_keep_the_selection_on_its_host() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = table(color(), &dir.path().join("kh"));
    press(&mut t, "jj");
    assert_eq!(t.rows[t.selected().unwrap()].listed.alias, "cache");
    press(&mut t, "s");
    assert_eq!(t.sort, Sort::Host);
    assert_eq!(names(&t), ["cache", "db1", "db2", "mail", "queue", "web"]);
    assert_eq!(t.rows[t.selected().unwrap()].listed.alias, "cache");
    press(&mut t, "f");
    assert_eq!(names(&t), ["cache", "db1", "db2"]);
    press(&mut t, "f");
    press(&mut t, "j");
    press(&mut t, "i");
    assert_eq!(
        names(&t),
        ["db1", "db2"],
        "only the selected host's finding id"
    );
    press(&mut t, "i");
    press(&mut t, "/");
    press(&mut t, "bastion");
    assert_eq!(names(&t), ["db1", "db2"], "search matches the hop");
    t.on_key(key(KeyCode::Esc));
    assert_eq!(names(&t).len(), 6);
    t.on_key(key(KeyCode::Char('/')));
    press(&mut t, "refused");
    t.on_key(key(KeyCode::Enter));
    assert_eq!(names(&t), ["cache"], "search matches finding ids");
    let open = t.on_key(key(KeyCode::Enter));
    assert!(matches!(open[..], [Command::Open(2)]), "{open:?}");
}

#[test]
fn recheck_asks_only_for_finished_hosts() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = table(color(), &dir.path().join("kh"));
    let all = press(&mut t, "R");
    let Some(Command::Recheck(rows)) = all.first() else {
        panic!("{all:?}")
    };
    assert_eq!(
        rows.len(),
        4,
        "web, db1, db2, cache: not the running or queued host"
    );
    assert_eq!(crate::fleet::rows::progress(&t.rows), (1, 0));
}

#[test]
fn a_batch_repair_is_prepared_from_the_list_and_applied_once_confirmed() {
    let dir = tempfile::tempdir().unwrap();
    let kh = dir.path().join("known_hosts");
    let key = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
    std::fs::write(
        &kh,
        format!("db1 ssh-ed25519 {key}\nweb ssh-ed25519 {key}\ndb2 ssh-ed25519 {key}\n"),
    )
    .unwrap();
    let mut t = table(color(), &kh);
    press(&mut t, "a");
    let Some(Overlay::Repairs { offers, .. }) = &t.overlay else {
        panic!("{:?}", t.overlay)
    };
    assert_eq!(offers, &[("known_hosts.remove".to_string(), vec![1, 3])]);
    let prepare = t.on_key(super::tests::key(KeyCode::Enter));
    assert!(matches!(&prepare[..], [Command::Prepare(id)] if id == "known_hosts.remove"));
    let batch = crate::fleet::repair::prepare(&t.rows, "known_hosts.remove").expect("a change");
    assert!(
        batch.preview.contains("-db1 ssh-ed25519") && batch.preview.contains("-db2 ssh-ed25519"),
        "{}",
        batch.preview
    );
    assert!(!batch.preview.contains("-web"), "{}", batch.preview);
    t.open_confirm(batch);
    assert!(press(&mut t, "n").is_empty(), "n cancels");
    assert!(t.overlay.is_none());
    let batch = crate::fleet::repair::prepare(&t.rows, "known_hosts.remove").unwrap();
    t.open_confirm(batch);
    let apply = press(&mut t, "y");
    let [Command::Apply(batch)] = &apply[..] else {
        panic!("{apply:?}")
    };
    let applied = crate::fleet::repair::apply(batch).expect("applied");
    assert_eq!(applied.len(), 1, "one file, one pass");
    assert_eq!(
        std::fs::read_to_string(&kh).unwrap(),
        format!("web ssh-ed25519 {key}\n")
    );
    assert!(applied[0].backup.is_some());
}

pub(super) fn render(t: &mut Table, w: u16, h: u16) -> String {
    t.set_page(view::page_rows(h));
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| view::draw(t, f)).unwrap();
    // Row times are fixed; the running row's is not.
    format!("{}", terminal.backend())
}

#[test]
fn the_table_at_80x24_and_120x40() {
    let mut t = table(
        color(),
        std::path::Path::new("/home/alice/.ssh/known_hosts"),
    );
    // The running host finishes, so no time on screen depends on the clock.
    t.on_updates([done(
        4,
        report(
            Stage::Auth,
            Status::Fail,
            vec![finding("auth.no_key", Stage::Auth, "k").severity(crate::event::Severity::Error)],
            false,
        ),
        95,
    )]);
    insta::assert_snapshot!("fleet_table_80x24", render(&mut t, 80, 24));
    insta::assert_snapshot!("fleet_table_120x40", render(&mut t, 120, 40));
    let mut ascii = table(
        ConsoleOptions {
            ascii: true,
            color: false,
        },
        std::path::Path::new("/kh"),
    );
    ascii.on_updates([done(
        4,
        report(Stage::Auth, Status::Fail, vec![], false),
        95,
    )]);
    let screen = render(&mut ascii, 80, 24);
    assert!(screen.is_ascii(), "{screen}");
    assert!(
        screen.contains("[FAIL]") && screen.contains("2 x hostkey.changed"),
        "{screen}"
    );
}

#[test]
fn help_lists_every_key_from_the_key_table() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = table(color(), &dir.path().join("kh"));
    press(&mut t, "?");
    let screen = render(&mut t, 120, 40);
    for b in super::keys::BINDINGS
        .iter()
        .filter(|b| b.context == super::keys::Context::Table)
    {
        assert!(screen.contains(b.help), "help lacks {:?}\n{screen}", b.help);
    }
}

#[test]
fn the_table_in_chinese_and_japanese_at_80x24() {
    for (lang, prefix) in [
        (crate::i18n::Lang::ZhCn, "zh_cn"),
        (crate::i18n::Lang::Ja, "ja"),
    ] {
        crate::i18n::with_lang(lang, || {
            let mut t = table(
                color(),
                std::path::Path::new("/home/alice/.ssh/known_hosts"),
            );
            t.on_updates([done(
                4,
                report(
                    Stage::Auth,
                    Status::Fail,
                    vec![finding("auth.no_key", Stage::Auth, "k")],
                    false,
                ),
                95,
            )]);
            let screen = render(&mut t, 80, 24);
            insta::assert_snapshot!(format!("{prefix}_fleet_table_80x24"), screen);
        });
    }
}
