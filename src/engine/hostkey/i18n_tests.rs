//! The host-key stage's sentences in zh-CN and ja, made by the stage's own judge and report
//! from real known_hosts files: the data (names, fingerprints, paths, commands) kept, the
//! English unchanged.

use super::{judge, report, KnownHosts, Rules};
use crate::config::{Origin, ResolvedConfig};
use crate::engine::kex::{HostKeyPolicy, HostKeySeen};
use crate::engine::{ClientAlgorithms, Cx, Target};
use crate::event::{Event, Finding};
use crate::i18n::{localize, localize_line, localize_summary, with_lang, Lang, Text};
use crate::known_hosts::policy::{Policy, Strict};
use crate::known_hosts::KnownHostsFile;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

const ED_A: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBDtWiVn0SATtF5RrYj+F7nxBwo98bsYO6PN+KcsOUw5";
const ED_B: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICeA7j0bUsKwz976RNURPS+bqAbz8cDxxPhYdNNDwW0n";

/// What the stage sent: its findings, its explaining log lines, and its summary.
struct Said {
    findings: Vec<Finding>,
    lines: Vec<(String, Option<Text>)>,
    summary: String,
    summary_said: Option<Text>,
}

impl Said {
    fn finding(&self, id: &str) -> &Finding {
        self.findings.iter().find(|f| f.id == id).expect(id)
    }
    fn summary_in(&self, lang: Lang) -> String {
        with_lang(lang, || localize_summary(&self.summary, &self.summary_said))
    }
    /// The explaining line whose English starts with `start`, in `lang`.
    fn line_in(&self, lang: Lang, start: &str) -> String {
        let (text, said) = self
            .lines
            .iter()
            .find(|(t, s)| t.starts_with(start) && s.is_some())
            .expect(start);
        with_lang(lang, || localize_line(text, said))
    }
}

fn target() -> Target {
    Target {
        original_host: "box".into(),
        hostname: "box.example".into(),
        hostname_origin: Origin::Default,
        port: 22,
        port_origin: Origin::Default,
        user: "bob".into(),
        address_family: "any".into(),
        connect_timeout: None,
        host_key_alias: None,
        algorithms: ClientAlgorithms::default(),
        ssh_args: "bob@box".into(),
        hop: None,
        via: None,
    }
}

fn rules(strict: Strict) -> Rules {
    Rules {
        policy: Policy {
            strict,
            batch: false,
            can_record: true,
        },
        described: format!("StrictHostKeyChecking {}", strict.word()),
        described_text: Text::from(format!("StrictHostKeyChecking {}", strict.word())),
        no_auth_localhost: false,
        check_host_ip: false,
        proxy: false,
        ca_algorithms: None,
        revoked_file: None,
        command: None,
        command_deadline: Duration::from_secs(1),
        order_run: None,
        peer: None,
        blocked: None,
    }
}

/// Judge and report `presented` against a known_hosts file holding `known`, as the stage does.
async fn stage(dir: &Path, known: &str, presented: &str, rules: Rules) -> Said {
    let path = dir.join("known_hosts");
    std::fs::write(&path, known).unwrap();
    let policy = HostKeyPolicy {
        known_hosts: KnownHosts {
            files: vec![KnownHostsFile::parse(&path, known.as_bytes())],
            first_user_file: Some(path),
            missing: Vec::new(),
            unreadable: Vec::new(),
        },
        host: "box.example".into(),
        port: 22,
        alias: None,
        rules,
        judged: Mutex::new(None),
    };
    let seen = HostKeySeen::Key(russh::keys::PublicKey::from_openssh(presented).unwrap());
    let (tx, mut rx) = tokio::sync::mpsc::channel(256);
    let cx = Cx::new(tx, ResolvedConfig::default());
    let j = judge(&policy, &seen).await;
    let end = report::report(&cx, &target(), &policy, &seen, &j).await;
    drop(cx);
    let mut said = Said {
        findings: Vec::new(),
        lines: Vec::new(),
        summary: end.summary,
        summary_said: end.said,
    };
    while let Some(e) = rx.recv().await {
        match e {
            Event::Finding(f) => said.findings.push(f),
            Event::Log { text, said: s, .. } => said.lines.push((text, s)),
            _ => {}
        }
    }
    said
}

fn fingerprint(key: &str) -> String {
    let key = russh::keys::PublicKey::from_openssh(key).unwrap();
    crate::known_hosts::sha256_fingerprint(key.key_data())
}

#[tokio::test]
async fn a_first_contact_is_explained_with_its_fingerprint_and_trust_action() {
    let dir = tempfile::tempdir().unwrap();
    let said = stage(dir.path(), "other.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBDtWiVn0SATtF5RrYj+F7nxBwo98bsYO6PN+KcsOUw5\n", ED_A, rules(Strict::Ask)).await;
    let fp = fingerprint(ED_A);
    let f = said.finding("hostkey.unknown");
    assert_eq!(
        f.detail,
        format!("This is the first connection to box.example: no known_hosts file has its key. ssh will show this fingerprint and ask whether to trust it:\nssh-ed25519 {fp}")
    );
    assert_eq!(said.summary, "unknown host (first contact)");
    assert_eq!(
        f.actions[0].title,
        format!("Trust ssh-ed25519 {fp} for box.example (only after comparing the fingerprint)")
    );
    let ja = with_lang(Lang::Ja, || localize(f));
    assert!(
        ja.detail.starts_with("box.example への初めての接続です。"),
        "{}",
        ja.detail
    );
    assert!(
        ja.detail.ends_with(&format!("：\nssh-ed25519 {fp}")),
        "{}",
        ja.detail
    );
    assert_eq!(
        ja.actions[0].title,
        format!("box.example の ssh-ed25519 {fp} を信頼する（フィンガープリントを照合してから）")
    );
    assert_eq!(said.summary_in(Lang::Ja), "未登録のホスト（初回接続）");
    let zh = with_lang(Lang::ZhCn, || localize(f));
    assert!(
        zh.detail.starts_with("这是第一次连接 box.example："),
        "{}",
        zh.detail
    );
    assert!(zh.detail.contains(&fp));
    assert!(zh.actions[0]
        .title
        .starts_with("信任 box.example 的 ssh-ed25519"));
    assert_eq!(said.summary_in(Lang::ZhCn), "未知主机（首次连接）");
    let policy = said.line_in(Lang::Ja, "Host key policy: ");
    assert_eq!(
        policy,
        "ホスト鍵のポリシー：StrictHostKeyChecking ask：ssh は確認を求めます：ssh は鍵を信頼するか尋ねます（StrictHostKeyChecking ask）"
    );
}

#[tokio::test]
async fn a_refused_new_key_names_the_setting_in_the_language() {
    let dir = tempfile::tempdir().unwrap();
    let said = stage(dir.path(), "", ED_A, rules(Strict::Yes)).await;
    let f = said.finding("hostkey.unknown");
    assert!(f.detail.starts_with("No known_hosts file has the key of box.example, and ssh refuses it without asking (No host key is known and you have requested strict checking): \"Host key verification failed.\""), "{}", f.detail);
    assert_eq!(
        said.summary,
        "unknown host: ssh refuses (StrictHostKeyChecking yes)"
    );
    let ja = with_lang(Lang::Ja, || localize(f));
    // OpenSSH's own words stay as they are, quoted.
    assert!(ja.detail.contains("（\"No host key is known and you have requested strict checking\"）：\"Host key verification failed.\""), "{}", ja.detail);
    assert!(
        ja.detail
            .starts_with("どの known_hosts ファイルにも box.example の鍵がなく"),
        "{}",
        ja.detail
    );
    assert_eq!(
        said.summary_in(Lang::Ja),
        "未登録のホスト：ssh は拒否します（StrictHostKeyChecking yes）"
    );
    assert_eq!(
        said.summary_in(Lang::ZhCn),
        "未知主机：ssh 拒绝连接（StrictHostKeyChecking yes）"
    );
}

#[tokio::test]
async fn a_changed_key_keeps_the_fingerprint_and_the_removal_command() {
    let dir = tempfile::tempdir().unwrap();
    let known = format!("box.example {ED_B}\n");
    let said = stage(dir.path(), &known, ED_A, rules(Strict::Ask)).await;
    let fp = fingerprint(ED_A);
    let f = said.finding("hostkey.changed");
    assert_eq!(
        f.detail,
        "The key box.example presents is not the one recorded. It can mean the server was reinstalled or rebuilt, a new machine took over the address, a load balancer switched backends — or an attacker is in the middle. Nothing secret was sent, and sshdoctor will not authenticate to this host until this is resolved."
    );
    let command = &f.actions[0].command;
    assert!(f.fix.starts_with(&format!(
        "Compare the presented fingerprint {fp} with one obtained another way"
    )));
    assert!(
        f.fix.ends_with(&format!("trust the new key:\n  {command}")),
        "{}",
        f.fix
    );
    assert_eq!(
        f.actions[0].title,
        "Remove the stale known_hosts entries for box.example"
    );
    assert_eq!(said.summary, "host key changed");
    let ja = with_lang(Lang::Ja, || localize(f));
    assert!(
        ja.detail
            .starts_with("box.example が提示した鍵は記録されているものと違います。"),
        "{}",
        ja.detail
    );
    assert!(
        ja.detail
            .ends_with("sshdoctor はこのホストで認証を行いません。"),
        "{}",
        ja.detail
    );
    assert!(
        ja.fix.contains(&fp)
            && ja
                .fix
                .contains("`ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub`")
    );
    assert!(ja.fix.ends_with(&format!("：\n  {command}")), "{}", ja.fix);
    assert_eq!(
        ja.actions[0].title,
        "box.example の古い known_hosts エントリを削除する"
    );
    assert_eq!(said.summary_in(Lang::Ja), "ホスト鍵が変わりました");
    let zh = with_lang(Lang::ZhCn, || localize(f));
    assert!(zh.detail.contains("攻击者在中间") && zh.detail.contains("box.example"));
    assert!(zh.fix.contains(&fp) && zh.fix.contains(command.as_str()));
    assert_eq!(said.summary_in(Lang::ZhCn), "主机密钥已变更");
    // The same sentences for `sshdoctor explain`, in English as before.
    assert_eq!(
        super::changed_detail_text("box.example", "ssh-ed25519", false, false).english(),
        f.detail
    );
    assert_eq!(super::changed_fix_text(&fp, Some(command)).english(), f.fix);
}

#[tokio::test]
async fn a_revoked_key_under_strict_checking_no_is_a_warning_in_the_language() {
    let dir = tempfile::tempdir().unwrap();
    let known = format!("@revoked box.example {ED_A}\n");
    let said = stage(dir.path(), &known, ED_A, rules(Strict::No)).await;
    let f = said.finding("hostkey.revoked");
    assert_eq!(
        f.detail,
        "The key box.example presents is marked @revoked, and StrictHostKeyChecking no lets ssh go on anyway without trusting it: ssh disables password and keyboard-interactive authentication, agent forwarding, X11 forwarding, port and tunnel forwarding, and UpdateHostKeys. Treat the server as compromised."
    );
    assert_eq!(
        said.summary,
        "host key revoked: ssh goes on, public-key authentication only (StrictHostKeyChecking no)"
    );
    let zh = with_lang(Lang::ZhCn, || localize(f));
    assert!(
        zh.detail
            .starts_with("box.example 出示的密钥被标记为 @revoked"),
        "{}",
        zh.detail
    );
    assert!(zh.detail.contains("UpdateHostKeys") && zh.detail.contains("已被入侵"));
    assert_eq!(
        said.summary_in(Lang::Ja),
        "ホスト鍵は失効しています：ssh は公開鍵認証だけで続行します（StrictHostKeyChecking no）"
    );
}

#[tokio::test]
async fn a_key_listed_in_revoked_host_keys_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let revoked = dir.path().join("revoked");
    std::fs::write(&revoked, format!("{ED_A}\n")).unwrap();
    let mut r = rules(Strict::Ask);
    r.revoked_file = Some(revoked.clone());
    let said = stage(dir.path(), &format!("box.example {ED_A}\n"), ED_A, r).await;
    let f = said.finding("hostkey.revoked");
    let file = revoked.display().to_string();
    assert_eq!(f.detail, format!("The key the server presents is revoked by your RevokedHostKeys file {file}: the key is listed at line 1. ssh refuses it whatever StrictHostKeyChecking says. Nothing secret was sent."));
    assert_eq!(said.summary, "host key revoked (RevokedHostKeys)");
    let ja = with_lang(Lang::Ja, || localize(f));
    assert!(
        ja.detail
            .contains(&format!("RevokedHostKeys のファイル {file} で失効とされています：鍵が 1 行目に記載されています。")),
        "{}",
        ja.detail
    );
    let zh = with_lang(Lang::ZhCn, || localize(f));
    assert!(
        zh.detail
            .contains(&format!("{file} 吊销：该密钥列在第 1 行。")),
        "{}",
        zh.detail
    );
    assert_eq!(
        said.summary_in(Lang::Ja),
        "ホスト鍵は失効しています（RevokedHostKeys）"
    );
    assert_eq!(
        said.summary_in(Lang::ZhCn),
        "主机密钥已被吊销（RevokedHostKeys）"
    );
}
