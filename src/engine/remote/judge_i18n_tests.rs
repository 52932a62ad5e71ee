//! The server-side findings in Japanese and Chinese: built by the judging code, shown in the
//! language with their paths, modes and commands kept, the English as it always was.

use super::*;
use crate::config::Origin;
use crate::i18n::{localize, with_lang, Lang};
use crate::remote_rules::{check_strict_modes, parse_df, RemoteStat};

fn target() -> Target {
    Target {
        original_host: "web".into(),
        hostname: "web.example".into(),
        hostname_origin: Origin::CommandLine,
        port: 22,
        port_origin: Origin::CommandLine,
        user: "alice".into(),
        address_family: "any".into(),
        connect_timeout: None,
        host_key_alias: None,
        algorithms: Default::default(),
        ssh_args: "alice@web".into(),
        hop: None,
        via: None,
    }
}

/// A home writable by the group, seen by an sshd with StrictModes on.
fn seen(disk: &str) -> Inspection {
    let stat = RemoteStat {
        path: "/home/alice".into(),
        uid: 1001,
        mode: 0o040_775,
    };
    Inspection {
        home: "/home/alice".into(),
        uid: Some(1001),
        sshd: None,
        sshd_elsewhere: false,
        sshd_ports: Vec::new(),
        akf_source: crate::text!("engine.remote.akf_default"),
        files: Vec::new(),
        violations: check_strict_modes(1001, &[(stat, PathRole::Home)]),
        private_group_only: Vec::new(),
        disk: parse_df(disk),
        inodes_avail: None,
    }
}

const FULL_DF: &str =
    "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda1 1000 1000 0 100% /\n";

fn in_each_language(f: &Finding) -> (Finding, Finding) {
    (
        with_lang(Lang::Ja, || localize(f)),
        with_lang(Lang::ZhCn, || localize(f)),
    )
}

#[test]
fn a_strict_modes_violation_is_told_in_the_language_with_its_path_and_chmod() {
    let (t, seen) = (target(), seen(""));
    let found = strict_modes_findings(&t, &seen, &LoginFacts::default());
    let f = &found[0];
    assert_eq!(
        f.detail,
        "bad ownership or modes for directory /home/alice: mode 0775 lets the group write. With StrictModes (sshd's default) sshd ignores every authorized_keys file below it and logs \"Authentication refused: bad ownership or modes\" only on the server."
    );
    assert_eq!(
        f.fix,
        "`chmod 0755 /home/alice` on the server (remote.permissions.fix does it after you confirm)."
    );
    let (ja, zh) = in_each_language(f);
    for (l, words) in [(&ja, "グループ"), (&zh, "组")] {
        assert!(l.detail.contains(words), "{}", l.detail);
        assert!(l.detail.contains("/home/alice") && l.detail.contains("0775"));
        assert!(l
            .detail
            .contains("\"Authentication refused: bad ownership or modes\""));
        assert!(l.fix.contains("`chmod 0755 /home/alice`"), "{}", l.fix);
        assert!(l.actions[0].title != f.actions[0].title);
    }
    assert!(ja.fix.contains("サーバ上で"), "{}", ja.fix);
    assert!(zh.fix.contains("在服务器上"), "{}", zh.fix);
    assert!(ja.actions[0].title.contains("StrictModes"));
}

#[test]
fn a_softened_violation_keeps_its_added_sentence_in_the_language() {
    let (t, mut seen) = (target(), seen(""));
    seen.private_group_only.push("/home/alice".into());
    let found = strict_modes_findings(&t, &seen, &LoginFacts::default());
    let f = &found[0];
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.detail.ends_with(" Only the account's own private group may write here: Debian's and Ubuntu's sshd accept that, upstream OpenSSH (and other systems) refuse it."));
    let (ja, zh) = in_each_language(f);
    assert!(ja.detail.contains("プライベートグループ"), "{}", ja.detail);
    assert!(zh.detail.contains("私有组"), "{}", zh.detail);
}

#[test]
fn a_full_disk_and_the_summary_are_told_in_the_language_with_their_numbers() {
    let f = disk_full(&seen(FULL_DF)).expect("the disk is full");
    assert!(f
        .detail
        .starts_with("The filesystem holding /home/alice is full (100% used, 0 KiB free)"));
    let (ja, zh) = in_each_language(&f);
    assert!(
        ja.detail.contains("満杯")
            && ja.detail.contains("/home/alice")
            && ja.detail.contains("100%")
    );
    assert!(
        zh.detail.contains("已满")
            && zh.detail.contains("/home/alice")
            && zh.detail.contains("100%")
    );
    let summary = crate::text!("engine.remote.problems", errors = 1usize, warnings = 2usize);
    assert_eq!(
        summary.english(),
        "1 problem(s), 2 warning(s) on the server"
    );
    assert_eq!(summary.render(Lang::Ja), "サーバ上の問題 1 件、警告 2 件");
    assert_eq!(summary.render(Lang::ZhCn), "服务器上有 1 个问题、2 个警告");
}

#[test]
fn the_explanation_of_a_bad_owner_and_mode_is_joined_in_the_language() {
    let stat = RemoteStat {
        path: "/home/alice/.ssh/authorized_keys".into(),
        uid: 1002,
        mode: 0o100_666,
    };
    let v = &check_strict_modes(1001, &[(stat, PathRole::AuthorizedKeys)])[0];
    assert_eq!(
        v.explanation(),
        "bad ownership or modes for file /home/alice/.ssh/authorized_keys: it is owned by uid 1002, which is neither root nor the user and mode 0666 lets the group and others write"
    );
    let ja = v.explanation_text().render(Lang::Ja);
    assert!(
        ja.contains("uid 1002") && ja.contains("グループと他者") && ja.contains("0666"),
        "{ja}"
    );
    let zh = v.explanation_text().render(Lang::ZhCn);
    assert!(
        zh.contains("uid 1002") && zh.contains("组和其他人") && zh.contains("0666"),
        "{zh}"
    );
    let fix = violation_fix("alice", v).expect("a fix");
    assert_eq!(
        fix.english(),
        "As root on the server: `chown alice /home/alice/.ssh/authorized_keys`, then `chmod 0644 /home/alice/.ssh/authorized_keys`"
    );
    assert!(fix
        .render(Lang::Ja)
        .contains("`chown alice /home/alice/.ssh/authorized_keys`"));
}
