//! The key-exchange stage's sentences in zh-CN and ja, made through the stage's own code: the
//! data (host, port, algorithm names, option names, commands) kept, the English unchanged.

use super::stage::verdict;
use super::support::{unsupported, Gap};
use super::{compare, no_common_keyed, origin_text, NoCommon};
use crate::algorithms::{AlgKind, KexInit, OpenSshVersion};
use crate::config::{Origin, ResolvedConfig};
use crate::engine::{ClientAlgorithms, Cx, Target};
use crate::event::{Event, Finding};
use crate::i18n::{localize, localize_summary, with_lang, Lang};
use std::path::Path;

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// A server offering only diffie-hellman-group1-sha1 and group14-sha1, which 9.2 disables.
fn old_kex<'a>(ours: &'a [String], server: &'a [String], origin: String) -> NoCommon<'a> {
    NoCommon {
        id: "kex.no_common_kex",
        kind: AlgKind::Kex,
        kind_words: "key exchange method",
        at: "old.example:2222".into(),
        origin,
        ours,
        server,
        alias: "old",
        user: "alice",
        version_words: "OpenSSH 9.2p1".into(),
        version: Some(OpenSshVersion::new(9, 2)),
    }
}

fn ja(f: &Finding) -> Finding {
    with_lang(Lang::Ja, || localize(f))
}

fn zh(f: &Finding) -> Finding {
    with_lang(Lang::ZhCn, || localize(f))
}

#[test]
fn no_common_kex_speaks_the_language_and_keeps_the_data() {
    let ours = strings(&["curve25519-sha256", "diffie-hellman-group16-sha512"]);
    let server = strings(&["diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1"]);
    let origin = crate::text!(
        "engine.kex.origin_default",
        version = "OpenSSH 9.2p1",
        keyword = "KexAlgorithms",
    );
    let m = old_kex(&ours, &server, origin.english());
    let f = no_common_keyed(&m, origin);
    assert_eq!(
        f.detail,
        "old.example:2222 offers no key exchange method that your ssh accepts (OpenSSH 9.2p1's default KexAlgorithms). ssh fails with \"no matching key exchange method found\"."
    );
    assert!(f.fix.starts_with("Enable it for this host only: add to ~/.ssh/config, above any `Host *` block:\n\nHost old\n    KexAlgorithms +diffie-hellman-group14-sha1\n\nor once: ssh -o KexAlgorithms=+diffie-hellman-group14-sha1 alice@old\nWarning: diffie-hellman-group14-sha1 is a legacy algorithm"), "{}", f.fix);
    let j = ja(&f);
    assert!(j.detail.contains("鍵交換方式"), "{}", j.detail);
    assert!(j.detail.contains("old.example:2222"), "{}", j.detail);
    assert!(
        j.detail
            .contains("\"no matching key exchange method found\""),
        "{}",
        j.detail
    );
    assert!(
        j.detail.contains("OpenSSH 9.2p1 の既定の KexAlgorithms"),
        "{}",
        j.detail
    );
    assert!(j.fix.contains("このホストに限って"), "{}", j.fix);
    assert!(j.fix.contains("`Host *`"), "{}", j.fix);
    assert!(j
        .fix
        .contains("Host old\n    KexAlgorithms +diffie-hellman-group14-sha1"));
    assert!(j
        .fix
        .contains("ssh -o KexAlgorithms=+diffie-hellman-group14-sha1 alice@old"));
    let z = zh(&f);
    assert!(z.detail.contains("密钥交换方法"), "{}", z.detail);
    assert!(z.fix.contains("仅对这台主机启用"), "{}", z.fix);
    assert!(z
        .fix
        .contains("ssh -o KexAlgorithms=+diffie-hellman-group14-sha1 alice@old"));
}

#[test]
fn an_origin_in_words_from_explain_stays_as_it_is_and_nothing_enableable_is_said() {
    let ours = strings(&["curve25519-sha256"]);
    let server = strings(&["made-up-kex@example.com"]);
    let m = old_kex(&ours, &server, "KexAlgorithms from ~/.ssh/config:3".into());
    let f = no_common_keyed(&m, crate::i18n::Text::from(&m.origin));
    assert_eq!(
        f.fix,
        "None of the server's KexAlgorithms can be enabled in OpenSSH 9.2p1: it no longer implements them. Upgrade the server's SSH software, or use an older client in an isolated environment."
    );
    let j = ja(&f);
    assert!(
        j.detail.contains("（KexAlgorithms from ~/.ssh/config:3）"),
        "{}",
        j.detail
    );
    assert!(
        j.fix.contains("OpenSSH 9.2p1 では有効にできません"),
        "{}",
        j.fix
    );
    let z = zh(&f);
    assert!(z.fix.contains("在 OpenSSH 9.2p1 中都无法启用"), "{}", z.fix);
}

#[test]
fn the_stage_summary_names_each_list_in_the_language() {
    let ours = ClientAlgorithms {
        kex: strings(&["curve25519-sha256"]),
        host_key: strings(&["ssh-ed25519"]),
        cipher: strings(&["aes128-ctr"]),
        mac: strings(&["hmac-sha2-256"]),
        origins: Default::default(),
    };
    let server = KexInit {
        kex: strings(&["diffie-hellman-group1-sha1"]),
        host_key: strings(&["ssh-ed25519"]),
        ciphers_c2s: strings(&["3des-cbc"]),
        ciphers_s2c: strings(&["3des-cbc"]),
        macs_c2s: strings(&["hmac-sha2-256"]),
        macs_s2c: strings(&["hmac-sha2-256"]),
        ..Default::default()
    };
    let problems = compare(&ours, &server);
    let end = verdict(&ours, &server, &problems, true);
    assert_eq!(end.summary, "no common key exchange, cipher");
    let ja = with_lang(Lang::Ja, || localize_summary(&end.summary, &end.said));
    assert_eq!(ja, "共通の鍵交換方式、暗号方式がありません");
    let zh = with_lang(Lang::ZhCn, || localize_summary(&end.summary, &end.said));
    assert_eq!(zh, "没有共同的密钥交换方法、加密算法");
    let end = verdict(&ours, &server, &[], true);
    assert_eq!(end.summary, "key exchange failed");
    let ja = with_lang(Lang::Ja, || localize_summary(&end.summary, &end.said));
    assert_eq!(ja, "鍵交換に失敗しました");
}

fn target() -> Target {
    Target {
        original_host: "box".into(),
        hostname: "box.example".into(),
        hostname_origin: crate::config::Origin::Default,
        port: 2200,
        port_origin: crate::config::Origin::Default,
        user: "bob".into(),
        address_family: "any".into(),
        connect_timeout: None,
        host_key_alias: None,
        algorithms: ClientAlgorithms::default(),
        ssh_args: "-p 2200 bob@box".into(),
        hop: None,
        via: None,
    }
}

#[tokio::test]
async fn an_algorithm_the_probe_cannot_speak_is_explained_in_the_language() {
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let cx = Cx::new(tx, ResolvedConfig::default());
    let gap = Gap {
        what: "cipher",
        ssh_choice: "aes256-cbc".into(),
    };
    unsupported(&cx, &target(), &gap).await;
    drop(cx);
    let mut finding = None;
    let mut said = None;
    while let Some(e) = rx.recv().await {
        match e {
            Event::Finding(f) => finding = Some(f),
            Event::Log { text, said: s, .. } => said = Some((text, s)),
            _ => {}
        }
    }
    let f = finding.expect("a finding");
    assert!(f.detail.starts_with("Your ssh and box.example:2200 would agree on the cipher aes256-cbc, which sshdoctor's probe cannot speak, and they share no other cipher it can."));
    assert_eq!(f.fix, "Nothing to fix for ssh's sake. To see the rest, run `ssh -v -p 2200 bob@box`; to let sshdoctor check it, allow another cipher on the server as well.");
    let j = ja(&f);
    assert!(
        j.detail.contains("box.example:2200") && j.detail.contains("暗号方式 aes256-cbc"),
        "{}",
        j.detail
    );
    assert!(
        j.fix.contains("`ssh -v -p 2200 bob@box`") && j.fix.contains("ほかの暗号方式"),
        "{}",
        j.fix
    );
    let z = zh(&f);
    assert!(
        z.detail.contains("加密算法 aes256-cbc") && z.detail.contains("无法继续"),
        "{}",
        z.detail
    );
    let (text, s) = said.expect("a log line");
    assert_eq!(text, f.detail);
    let line = with_lang(Lang::Ja, || crate::i18n::localize_line(&text, &s));
    assert_eq!(line, j.detail);
}

#[test]
fn where_a_setting_comes_from_is_said_in_the_language() {
    let home = Path::new("/home/bob");
    let file = Origin::File {
        path: "/home/bob/.ssh/config".into(),
        line: 3,
    };
    for o in [Origin::CommandLine, Origin::Default, file.clone()] {
        assert_eq!(origin_text(&o, home).english(), o.describe(home));
    }
    let t = origin_text(&file, home);
    assert_eq!(t.render(Lang::Ja), "~/.ssh/config の 3 行目");
    assert_eq!(t.render(Lang::ZhCn), "~/.ssh/config 第 3 行");
    assert_eq!(
        origin_text(&Origin::Default, home).render(Lang::Ja),
        "OpenSSH の既定値"
    );
}
