//! The auth stage's findings and summaries in zh-CN and ja, built through the stage's own code
//! (keys made with `ssh-keygen`, a real identity plan): the language's words, the case's data
//! kept, the English as it always was.

use super::advice::{second_factor_keyed, second_factor_words};
use super::refusal::{no_login_findings, Refusal};
use super::report::{no_mutual_signature_finding, too_many_finding};
use super::{Answer, Tried};
use crate::config::{resolve, ConfigInput, Origin};
use crate::engine::banner::Server;
use crate::engine::{ClientAlgorithms, Cx, Target};
use crate::event::{Event, Finding};
use crate::i18n::{localize, with_lang, Lang};
use crate::identities::{self, IdentityPlan};
use russh::{MethodKind, MethodSet};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// A home with two unencrypted ed25519 keys named by IdentityFile in `-F cfg`, and the plan
/// ssh would follow for host `target`.
async fn plan_with_two_keys(home: &Path) -> (crate::config::ResolvedConfig, IdentityPlan) {
    let ssh = home.join(".ssh");
    std::fs::create_dir_all(&ssh).unwrap();
    std::fs::set_permissions(&ssh, std::fs::Permissions::from_mode(0o700)).unwrap();
    for name in ["id_one", "id_two"] {
        let out = std::process::Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
            .arg(ssh.join(name))
            .output()
            .expect("run ssh-keygen");
        assert!(out.status.success());
    }
    let cfg = home.join("cfg");
    let text = "Host target\n    IdentityFile ~/.ssh/id_one\n    IdentityFile ~/.ssh/id_two\n";
    std::fs::write(&cfg, text).unwrap();
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o600)).unwrap();
    let config = resolve(&ConfigInput {
        host: "target".into(),
        options: Vec::new(),
        user_config: Some(cfg),
        system_config: home.join("no-system-config"),
        home: home.to_path_buf(),
        local_user: "me".into(),
        local_hostname: "box".into(),
        passwd_home: None,
    });
    let ids = identities::plan(&config, None).await;
    assert_eq!(ids.offered.len(), 2, "{:?}", ids.problems);
    (config, ids)
}

fn target() -> Target {
    Target {
        original_host: "target".into(),
        hostname: "db.example.net".into(),
        hostname_origin: Origin::Default,
        port: 2222,
        port_origin: Origin::Default,
        user: "me".into(),
        address_family: "any".into(),
        connect_timeout: None,
        host_key_alias: None,
        algorithms: ClientAlgorithms::default(),
        ssh_args: "-p 2222 me@target".into(),
        hop: None,
        via: None,
    }
}

/// The finding in `lang`.
fn in_lang(lang: Lang, f: &Finding) -> Finding {
    with_lang(lang, || localize(f))
}

/// The findings the context sent.
fn findings(rx: &mut tokio::sync::mpsc::Receiver<Event>) -> Vec<Finding> {
    std::iter::from_fn(|| rx.try_recv().ok())
        .filter_map(|e| match e {
            Event::Finding(f) => Some(f),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn too_many_failures_is_said_in_the_language_with_the_key_and_the_fix_kept() {
    let home = tempfile::tempdir().unwrap();
    let (config, ids) = plan_with_two_keys(home.path()).await;
    let (tx, _rx) = tokio::sync::mpsc::channel(64);
    let cx = Cx::new(tx, config);
    let t = target();
    let f = too_many_finding(&cx, &t, &ids.offered[1], 1, 6, 6);
    let key = ids.offered[1].label();
    let file = ids.offered[1].file.as_ref().unwrap().display().to_string();
    assert!(f.detail.starts_with(&format!(
        "The server allows 6 authentication attempts, but ssh offers 6 keys it refuses before {key} (key 2 in ssh's order; IdentityFile at "
    )), "{}", f.detail);
    assert!(f.detail.ends_with(
        "), which the server accepts. ssh fails with \"Too many authentication failures\"."
    ));
    assert!(f.fix.starts_with("Offer only the key that works to this host: add to ~/.ssh/config, above any `Host *` block:\n\nHost target\n    IdentitiesOnly yes\n"), "{}", f.fix);

    let ja = in_lang(Lang::Ja, &f);
    assert!(
        ja.detail.contains("サーバが許す認証の試行は 6 回"),
        "{}",
        ja.detail
    );
    assert!(
        ja.detail.contains(&key) && ja.detail.contains("2 番目"),
        "{}",
        ja.detail
    );
    assert!(ja.detail.contains("の IdentityFile"), "{}", ja.detail);
    assert!(ja.detail.contains("\"Too many authentication failures\""));
    assert!(
        ja.fix.contains("このホストには使える鍵だけを提示"),
        "{}",
        ja.fix
    );
    assert!(ja.fix.contains("`Host *`") && ja.fix.contains("IdentitiesOnly yes"));
    assert!(ja
        .fix
        .contains(&format!("ssh -o IdentitiesOnly=yes -i {file} me@target")));
    let zh = in_lang(Lang::ZhCn, &f);
    assert!(
        zh.detail.contains("服务器允许 6 次认证尝试"),
        "{}",
        zh.detail
    );
    assert!(zh.detail.contains("第 2 把") && zh.detail.contains(&key));
    assert!(zh.fix.contains("只提供可用的那把密钥") && zh.fix.contains("Host target"));
    assert_eq!(ja.evidence, f.evidence);
}

#[tokio::test]
async fn every_key_refused_is_said_in_the_language_with_host_user_and_commands() {
    let home = tempfile::tempdir().unwrap();
    let (config, ids) = plan_with_two_keys(home.path()).await;
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let cx = Cx::new(tx, config);
    let t = target();
    let tried: Vec<Tried> = (ids.offered.iter())
        .map(|id| Tried {
            id,
            answer: Answer::Refused,
            sig_alg: Some("ssh-ed25519".into()),
            note: "".into(),
            no_mutual_sig: false,
        })
        .collect();
    let methods = MethodSet::from(&[MethodKind::PublicKey, MethodKind::Password][..]);
    let r = Refusal {
        t: &t,
        ids: &ids,
        tried: &tried,
        methods: &methods,
        server_pubkey: true,
        pubkey_on: true,
        server: Server::OpenSsh,
        accepts_any: false,
        partial: None,
        console: false,
        asker: false,
    };
    let summary = no_login_findings(&cx, &r).await;
    assert_eq!(summary.english(), "all 2 key(s) refused");
    assert_eq!(summary.render(Lang::Ja), "鍵 2 個がすべて拒否されました");
    assert_eq!(summary.render(Lang::ZhCn), "全部 2 把密钥都被拒绝");
    let f = findings(&mut rx).pop().expect("a finding");
    assert_eq!(f.id, "auth.no_accepted_key");
    assert!(f.detail.starts_with("db.example.net refused every key ssh offers for me. Likely causes, in order: the key is not in ~me/.ssh/authorized_keys on the server; sshd's StrictModes refuses it"), "{}", f.detail);
    assert!(f.detail.ends_with(
        "the user name is wrong (the user name me is your local user name (nothing configured))."
    ));
    assert!(f.fix.starts_with(
        "Install your public key on the server (`ssh-copy-id -i KEY.pub -p 2222 me@target`"
    ));

    let ja = in_lang(Lang::Ja, &f);
    assert!(
        ja.detail
            .starts_with("db.example.net は me 用に ssh が提示した鍵をすべて拒否しました。"),
        "{}",
        ja.detail
    );
    assert!(ja.detail.contains("~me/.ssh/authorized_keys") && ja.detail.contains("StrictModes"));
    assert!(
        ja.fix
            .contains("`ssh-copy-id -i KEY.pub -p 2222 me@target`"),
        "{}",
        ja.fix
    );
    assert!(ja.fix.contains("サーバに公開鍵を登録"));
    assert_eq!(ja.actions[0].title, "初回ログインの案内：鍵を選ぶか作り、ホスト鍵を確認し、パスワードで一度ログインして鍵を登録し、サーバ側のパーミッションを直し、Host ブロックを書きます");
    let zh = in_lang(Lang::ZhCn, &f);
    assert!(
        zh.detail.contains("拒绝了 ssh 为 me 提供的每一把密钥"),
        "{}",
        zh.detail
    );
    assert!(zh
        .detail
        .contains("用户名不对（用户名 me 是你的本地用户名（没有配置））"));
    assert!(zh.fix.contains("把你的公钥安装到服务器上") && zh.fix.contains("journalctl -u ssh"));
}

#[tokio::test]
async fn no_usable_method_is_said_in_the_language_with_the_methods_and_keys() {
    let home = tempfile::tempdir().unwrap();
    let (config, ids) = plan_with_two_keys(home.path()).await;
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let cx = Cx::new(tx, config);
    let t = target();
    let methods = MethodSet::from(&[MethodKind::Password][..]);
    let r = Refusal {
        t: &t,
        ids: &ids,
        tried: &[],
        methods: &methods,
        server_pubkey: false,
        pubkey_on: true,
        server: Server::OpenSsh,
        accepts_any: false,
        partial: None,
        console: false,
        asker: false,
    };
    let summary = no_login_findings(&cx, &r).await;
    assert_eq!(summary.english(), "no usable authentication method");
    let f = findings(&mut rx).pop().expect("a finding");
    assert_eq!(f.id, "auth.method_not_allowed");
    let keys = format!("{}, {}", ids.offered[0].label(), ids.offered[1].label());
    assert_eq!(f.detail, format!("None of the methods db.example.net allows is usable by this client: the server does not take public keys: it allows only password; your keys ({keys}) will never be tried — only a typed password would do, and sshdoctor sends no password in report mode."));
    let ja = in_lang(Lang::Ja, &f);
    assert!(
        ja.detail.contains("許可しているのは password だけです"),
        "{}",
        ja.detail
    );
    assert!(ja.detail.contains(&keys) && ja.detail.contains("レポートモード"));
    assert!(
        ja.fix.contains("`PubkeyAuthentication yes`") && ja.fix.contains("パスワードでログイン")
    );
    let zh = in_lang(Lang::ZhCn, &f);
    assert!(
        zh.detail.contains("它只允许 password") && zh.detail.contains("报告模式"),
        "{}",
        zh.detail
    );
    assert!(zh.fix.contains("`sshd -T | grep pubkeyauthentication`"));
    assert_eq!(summary.render(Lang::ZhCn), "没有可用的认证方式");
}

#[test]
fn no_mutual_signature_is_said_in_the_language_for_openssh_and_tinysshd() {
    let f = no_mutual_signature_finding("old", Server::OpenSsh, "me@old");
    assert!(f
        .fix
        .contains("Host old\n    PubkeyAcceptedAlgorithms +ssh-rsa"));
    let ja = in_lang(Lang::Ja, &f);
    assert!(ja.detail.contains("RSA 鍵を使いません") && ja.detail.contains("SHA-1"));
    assert!(ja
        .fix
        .contains("Host old\n    PubkeyAcceptedAlgorithms +ssh-rsa"));
    let tiny = no_mutual_signature_finding("old", Server::Tinyssh, "me@old");
    assert!(tiny
        .detail
        .starts_with("tinysshd takes only ed25519 user keys"));
    let zh = in_lang(Lang::ZhCn, &tiny);
    assert!(
        zh.detail.contains("只接受 ed25519 用户密钥"),
        "{}",
        zh.detail
    );
    assert!(
        zh.fix.contains("`sshdoctor onboard me@old`") && zh.fix.contains("`ssh-keygen -t ed25519`")
    );
}

#[test]
fn the_shared_second_factor_words_keep_their_english() {
    for server in [Server::OpenSsh, Server::Dropbear, Server::Tinyssh] {
        let (how, fix) = second_factor_keyed(server);
        assert_eq!(
            (how.english().as_str(), fix.english().as_str()),
            second_factor_words(server)
        );
        assert_ne!(how.render(Lang::Ja), how.english());
    }
}
