//! `sshdoctor server`'s sentences for the case at hand, made by the real code paths, in
//! Japanese and Chinese (data kept as it is) and in English as before.

use super::account::{self, Account};
use super::log::Cause;
use super::{explain, logstage, Options, Seen};
use crate::event::{Finding, Severity};
use crate::i18n::{localize, with_lang, Lang};
use std::path::{Path, PathBuf};

/// The finding as a front end in `lang` shows it.
fn shown(lang: Lang, f: &Finding) -> Finding {
    with_lang(lang, || localize(f))
}

fn bob(home: &str, shell: &str) -> Account {
    Account {
        name: "bob".into(),
        uid: 1001,
        gid: 1001,
        home: home.into(),
        shell: shell.into(),
    }
}

fn seen(lines: &[(&str, &str)]) -> Seen {
    Seen {
        settings: (lines.iter())
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        config_path: PathBuf::from("/etc/ssh/sshd_config"),
        ..Seen::default()
    }
}

#[test]
fn a_missing_home_in_japanese_and_chinese_keeps_the_path_and_the_command() {
    let found = account::files(&bob("/nonexistent/home/bob", "/bin/sh"));
    let f = found
        .iter()
        .find(|f| f.id == "server.home_missing")
        .unwrap();
    assert_eq!(f.detail, "bob's home /nonexistent/home/bob does not exist: sshd finds no ~/.ssh/authorized_keys there, so key logins fail; a password login lands in / (\"Could not chdir to home directory\").");
    assert_eq!(
        f.fix,
        "`mkhomedir_helper bob` or create it owned by the account (mode 0755 or stricter)."
    );
    let ja = shown(Lang::Ja, f);
    assert!(
        ja.detail
            .contains("ホームディレクトリ /nonexistent/home/bob がありません"),
        "{}",
        ja.detail
    );
    assert!(ja.detail.contains("\"Could not chdir to home directory\""));
    assert!(ja.fix.contains("`mkhomedir_helper bob`") && ja.fix.contains("所有"));
    let zh = shown(Lang::ZhCn, f);
    assert!(
        zh.detail.contains("主目录 /nonexistent/home/bob 不存在"),
        "{}",
        zh.detail
    );
    assert!(zh.fix.contains("`mkhomedir_helper bob`") && zh.fix.contains("权限"));
}

#[test]
fn an_invalid_shell_keeps_sshds_own_message_in_english() {
    let found = account::shell(&bob("/", "/nonexistent/bin/zsh"));
    assert_eq!(found[0].id, "server.shell_invalid");
    let quoted = "\"User bob not allowed because shell /nonexistent/bin/zsh does not exist\"";
    assert_eq!(found[0].detail, format!("bob's shell /nonexistent/bin/zsh does not exist: sshd refuses the account before any key or password is tried, and logs {quoted}."));
    let ja = shown(Lang::Ja, &found[0]);
    assert!(
        ja.detail
            .contains("シェル /nonexistent/bin/zsh がありません")
            && ja.detail.contains(quoted)
    );
    assert!(ja.fix.contains("`usermod -s /bin/bash bob`"), "{}", ja.fix);
    let zh = shown(Lang::ZhCn, &found[0]);
    assert!(
        zh.detail.contains("不存在") && zh.detail.contains(quoted),
        "{}",
        zh.detail
    );
}

#[test]
fn a_missing_host_key_says_sshd_stops_in_each_language() {
    let f = super::hostkeys::judge(
        "/etc/ssh/nope_key",
        &super::hostkeys::KeyState::Missing,
        0,
        &[],
    )
    .unwrap();
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.detail, "HostKey /etc/ssh/nope_key does not exist; sshd logs \"Unable to load host key: /etc/ssh/nope_key\". No host key is usable: sshd stops with \"no hostkeys available -- exiting\".");
    let ja = shown(Lang::Ja, &f);
    assert!(
        ja.detail.contains("使えるホスト鍵がありません")
            && ja.detail.contains("\"no hostkeys available -- exiting\""),
        "{}",
        ja.detail
    );
    assert!(ja.fix.contains("`ssh-keygen -A`") && ja.fix.contains("/etc/ssh/nope_key"));
    let zh = shown(Lang::ZhCn, &f);
    assert!(zh.detail.contains("没有可用的主机密钥"), "{}", zh.detail);
}

#[test]
fn a_user_refused_by_allow_users_and_root_refused_by_permit_root_login() {
    let mut s = seen(&[("allowusers", "alice"), ("permitrootlogin", "no")]);
    let found = super::allowed::judge(&bob("/home/bob", "/bin/sh"), &["bob".into()], None, &mut s);
    let f = &found[0];
    assert_eq!(f.detail, "sshd refuses bob before any key or password is tried: not listed in AllowUsers. It logs \"User bob from ADDRESS not allowed because not listed in AllowUsers\"; the client only sees \"Permission denied\".");
    let ja = shown(Lang::Ja, f);
    assert!(
        ja.detail
            .contains("sshd は鍵やパスワードを試す前に bob を拒否します"),
        "{}",
        ja.detail
    );
    assert!(ja.detail.contains("\"Permission denied\""));
    let zh = shown(Lang::ZhCn, f);
    assert!(zh.detail.contains("就拒绝了 bob"), "{}", zh.detail);
    let mut root = bob("/root", "/bin/sh");
    root.uid = 0;
    let found = super::allowed::judge(&root, &[], None, &mut seen(&[("permitrootlogin", "no")]));
    let f = found
        .iter()
        .find(|f| f.id == "server.root_login_refused")
        .unwrap();
    assert!(f
        .fix
        .starts_with("Log in as a personal account and use sudo;"));
    let zh = shown(Lang::ZhCn, f);
    assert!(
        zh.detail.starts_with("PermitRootLogin no：")
            && zh.fix.contains("`PermitRootLogin prohibit-password`"),
        "{}",
        zh.detail
    );
}

#[test]
fn a_group_writable_ssh_dir_with_strict_modes_no_is_one_whole_sentence() {
    use crate::remote_rules::{check_strict_modes, PathRole, RemoteStat};
    let stat = RemoteStat {
        path: "/home/bob/.ssh".into(),
        uid: 1001,
        mode: 0o040775,
    };
    let violations = check_strict_modes(1001, &[(stat, PathRole::SshDir)]);
    let v = violations
        .into_iter()
        .map(|v| (v, 1001))
        .collect::<Vec<_>>();
    let mut s = seen(&[("strictmodes", "no")]);
    let found = super::authkeys::strict_findings(&bob("/home/bob", "/bin/sh"), &v, false, &mut s);
    let f = &found[0];
    assert_eq!(f.severity, Severity::Warning);
    let english = format!("{}. With StrictModes sshd ignores every authorized_keys file below it and logs \"Authentication refused: bad ownership or modes for directory /home/bob/.ssh\". This sshd runs with StrictModes no, so it accepts the keys — but anyone who can write here can add a key and log in as this account.", v[0].0.explanation());
    assert_eq!(f.detail, english);
    assert_eq!(
        f.fix,
        "`chmod 0755 /home/bob/.ssh` (permissions.fix does it after you confirm)."
    );
    let ja = shown(Lang::Ja, f);
    assert!(
        ja.detail.contains("StrictModes no で動いている") && ja.detail.contains("/home/bob/.ssh"),
        "{}",
        ja.detail
    );
    assert!(ja.fix.contains("`chmod 0755 /home/bob/.ssh`") && ja.fix.contains("承認"));
    let zh = shown(Lang::ZhCn, f);
    assert!(
        zh.detail.contains("以 StrictModes no 运行"),
        "{}",
        zh.detail
    );
}

#[test]
fn a_config_error_names_the_place_in_each_language() {
    let e = super::sshd::ConfigError {
        file: "/etc/ssh/sshd_config".into(),
        line: Some(12),
        message: "Bad configuration option: Bogus".into(),
    };
    let f = super::sshd::config_finding(&e, "/etc/ssh/sshd_config");
    assert_eq!(f.detail, "sshd -t refuses /etc/ssh/sshd_config line 12: Bad configuration option: Bogus. sshd will not start (or restart) with this config; the running sshd keeps its old settings until then.");
    assert_eq!(f.fix, "Correct or remove /etc/ssh/sshd_config line 12, then check with `sshd -t -f /etc/ssh/sshd_config` before reloading sshd.");
    let ja = shown(Lang::Ja, &f);
    assert!(
        ja.detail.contains("/etc/ssh/sshd_config line 12 を拒否")
            && ja.detail.contains("Bad configuration option: Bogus"),
        "{}",
        ja.detail
    );
    assert!(ja.fix.contains("`sshd -t -f /etc/ssh/sshd_config`"));
    let zh = shown(Lang::ZhCn, &f);
    assert!(
        zh.detail.contains("sshd -t 拒绝了") && zh.fix.contains("重新加载 sshd"),
        "{}",
        zh.fix
    );
}

#[test]
fn not_listening_lists_the_addresses_in_the_language() {
    let s = seen(&[]);
    let missing = vec![
        (
            "127.0.0.1:2222".to_string(),
            "nothing listens there".to_string(),
        ),
        (
            "[::1]:2222".to_string(),
            "nothing listens there".to_string(),
        ),
    ];
    let f = super::listen::not_listening(&s, &[], &[], &missing);
    assert_eq!(f.detail, "The config says sshd listens on 127.0.0.1:2222 and [::1]:2222, but it does not. No sshd runs with /etc/ssh/sshd_config.");
    let ja = shown(Lang::Ja, &f);
    assert_eq!(ja.detail, "設定では sshd は 127.0.0.1:2222、[::1]:2222 で待ち受けるはずですが、待ち受けていません。/etc/ssh/sshd_config で動いている sshd はありません。");
    let zh = shown(Lang::ZhCn, &f);
    assert!(
        zh.detail.contains("127.0.0.1:2222 和 [::1]:2222"),
        "{}",
        zh.detail
    );
}

#[test]
fn the_privsep_directory_action_is_titled_in_the_language() {
    let f = crate::findings::finding("server.privsep_missing", crate::event::Stage::Sshd, "");
    let f = super::repairs::privsep_create(f, Path::new("/run/sshd"));
    assert_eq!(
        f.actions[0].title,
        "Create sshd's privilege separation directory /run/sshd (root's, mode 0755)"
    );
    let ja = shown(Lang::Ja, &f);
    assert_eq!(
        ja.actions[0].title,
        "sshd の特権分離ディレクトリ /run/sshd を作成（所有者 root、モード 0755）"
    );
    assert!(
        ja.fix.contains("`mkdir -m 0755 /run/sshd`") && ja.fix.contains("`systemctl restart ssh`")
    );
    let zh = shown(Lang::ZhCn, &f);
    assert!(zh.actions[0]
        .title
        .starts_with("创建 sshd 的权限分离目录 /run/sshd"));
}

/// Attempts read from log lines, explained as the log stage does.
fn attempts(lines: &[&str], user: Option<&str>) -> Vec<explain::Explained> {
    let lines: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let mut a = super::log::Attempts::new();
    let mut all = logstage::group(&lines, &mut a);
    all.extend(a.finish());
    let options = Options {
        user: user.map(str::to_string),
        ..Options::default()
    };
    logstage::explained(all, &options, &seen(&[]), &["bob".to_string()])
}

#[test]
fn an_attempt_from_the_log_is_explained_in_the_language_with_the_log_as_it_is() {
    let chosen = attempts(
        &[
            "Jan  5 01:31:41 www sshd[1643]: Invalid user mallory from 192.0.2.7 port 4242",
            "Jan  5 01:31:42 www sshd[1643]: Connection closed by invalid user mallory 192.0.2.7 port 4242 [preauth]",
        ],
        None,
    );
    let e = &chosen[0];
    assert_eq!(e.cause, Some(Cause::InvalidUser));
    let line = e.line_text();
    assert_eq!(line.english(), e.line());
    assert!(
        e.line()
            .ends_with("mallory from 192.0.2.7 port 4242: no such user → server.invalid_user"),
        "{}",
        e.line()
    );
    assert!(
        line.render(Lang::Ja).contains(
            "mallory from 192.0.2.7 port 4242：そのユーザは存在しません → server.invalid_user"
        ),
        "{}",
        line.render(Lang::Ja)
    );
    assert!(line
        .render(Lang::ZhCn)
        .contains("没有这个用户 → server.invalid_user"));
    let found = explain::findings(&chosen, None, None, &seen(&[]));
    let f = &found[0];
    assert_eq!(
        f.detail,
        "1 attempt(s) in sshd's log, the latest mallory from 192.0.2.7 port 4242: no such user."
    );
    let ja = shown(Lang::Ja, f);
    assert_eq!(ja.detail, "sshd のログに 1 回の試行があり、最新は mallory from 192.0.2.7 port 4242：そのユーザは存在しません。");
    assert!(f.evidence[0].contains("Invalid user mallory from 192.0.2.7 port 4242"));
}

#[test]
fn a_strict_modes_refusal_from_the_log_gets_its_chmod_in_the_language() {
    let chosen = attempts(
        &["Jan  5 01:31:41 www sshd[99]: Authentication refused: bad ownership or modes for directory /home/bob/.ssh"],
        None,
    );
    let found = explain::findings(&chosen, None, None, &seen(&[]));
    let f = found
        .iter()
        .find(|f| f.id == "server.strict_modes")
        .expect("{found:?}");
    assert!(
        f.fix
            .starts_with("`chmod go-w /home/bob/.ssh` (and make it owned by the user or root);"),
        "{}",
        f.fix
    );
    let zh = shown(Lang::ZhCn, f);
    assert!(
        zh.fix.contains("`chmod go-w /home/bob/.ssh`")
            && zh.fix.contains("并让它归该用户或 root 所有"),
        "{}",
        zh.fix
    );
    let ja = shown(Lang::Ja, f);
    assert!(
        ja.fix.contains("`sshdoctor server --user NAME`") && ja.fix.contains("提案"),
        "{}",
        ja.fix
    );
}

#[test]
fn every_cause_says_the_same_words_as_text() {
    let all = [
        Cause::PrivsepMissing,
        Cause::HostkeyUnloadable,
        Cause::ConfigInvalid,
        Cause::NotListening,
        Cause::UserNotAllowed,
        Cause::AccountExpired,
        Cause::AccountLocked,
        Cause::ShellInvalid,
        Cause::RootLoginRefused,
        Cause::PamRefused,
        Cause::StrictModes,
        Cause::KexMismatch,
        Cause::MaxStartups,
        Cause::TooManyFailures,
        Cause::InvalidUser,
        Cause::AuthFailed,
        Cause::BannerExchange,
        Cause::PreauthClosed,
        Cause::AuthAccepted,
    ];
    for c in all {
        assert_eq!(c.words_text().english(), c.words());
        assert_ne!(c.words_text().render(Lang::Ja), c.words(), "{c:?}");
    }
}

#[test]
fn a_legacy_clients_offer_is_quoted_beside_what_sshd_offers_in_the_language() {
    let chosen = attempts(
        &["Jan  5 01:31:41 www sshd[7]: Unable to negotiate with 192.0.2.9 port 50000: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1 [preauth]"],
        None,
    );
    let s = seen(&[("kexalgorithms", "curve25519-sha256,sntrup761x25519-sha512")]);
    let found = explain::findings(&chosen, None, None, &s);
    let f = found
        .iter()
        .find(|f| f.id == "server.kex_mismatch")
        .expect("{found:?}");
    assert_eq!(f.detail, "1 attempt(s) in sshd's log, the latest (no user named) from 192.0.2.9 port 50000: no matching key exchange method found; the client offered diffie-hellman-group1-sha1. This sshd offers (KexAlgorithms): curve25519-sha256,sntrup761x25519-sha512.");
    assert!(
        f.fix
            .contains("`KexAlgorithms +diffie-hellman-group1-sha1`"),
        "{}",
        f.fix
    );
    let ja = shown(Lang::Ja, f);
    assert!(ja.detail.contains("（ユーザ名なし） from 192.0.2.9 port 50000：no matching key exchange method found。クライアントが提示したのは diffie-hellman-group1-sha1"), "{}", ja.detail);
    assert!(
        ja.detail
            .contains("この sshd が提示するもの（KexAlgorithms）：curve25519-sha256"),
        "{}",
        ja.detail
    );
    assert!(
        ja.fix
            .contains("`KexAlgorithms +diffie-hellman-group1-sha1`")
            && ja.fix.contains("`systemctl reload ssh`")
    );
    let zh = shown(Lang::ZhCn, f);
    assert!(
        zh.detail
            .contains("客户端提供的是 diffie-hellman-group1-sha1")
            && zh.fix.contains("升级客户端"),
        "{}",
        zh.detail
    );
}
