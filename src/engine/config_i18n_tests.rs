//! The config stage's sentences in every language: each made by the stage's own code, shown
//! in Japanese and Chinese with its data kept, its English as before.

use super::super::net_i18n_tests::test_cx;
use super::*;
use crate::config::ConfigInput;
use crate::i18n::{localize, localize_summary, with_lang, Lang};

/// A plan for `host` with `config` as its ~/.ssh/config (in `dir`).
fn plan(dir: &std::path::Path, config: &str, host: &str) -> Plan {
    let file = dir.join("config");
    std::fs::write(&file, config).unwrap();
    let input = ConfigInput {
        host: host.into(),
        user_config: Some(file),
        system_config: dir.join("none"),
        home: dir.into(),
        local_user: "me".into(),
        local_hostname: "here".into(),
        ..ConfigInput::default()
    };
    Plan {
        config: crate::config::resolve(&input),
        timeout: None,
        openssh: None,
        input,
        secrets: None,
        remote_fix: None,
        first_contact: Default::default(),
    }
}

#[test]
fn the_stage_summary_names_the_account_in_each_language() {
    let dir = tempfile::tempdir().unwrap();
    let p = plan(
        dir.path(),
        "Host web\n  HostName 10.0.0.5\n  Port 2222\n",
        "web",
    );
    let (_, summary) = target(&p);
    assert_eq!(summary.english(), "me@10.0.0.5 port 2222 (alias web)");
    assert_eq!(
        summary.render(Lang::Ja),
        "me@10.0.0.5 ポート 2222（エイリアス web）"
    );
    assert_eq!(
        summary.render(Lang::ZhCn),
        "me@10.0.0.5 端口 2222（别名 web）"
    );
    let end = StageEnd::text(Status::Pass, summary);
    let ja = with_lang(Lang::Ja, || localize_summary(&end.summary, &end.said));
    assert_eq!(ja, "me@10.0.0.5 ポート 2222（エイリアス web）");
}

#[tokio::test]
async fn bad_permissions_are_said_in_each_language() {
    let (cx, _rx) = test_cx();
    let problem = LocalProblem {
        kind: LocalProblemKind::ConfigBadPermissions {
            mode: 0o666,
            owner: 1000,
        },
        path: "/home/me/.ssh/config".into(),
    };
    let mut judged = Judged::default();
    let (f, wanted) = permission_finding(&cx, &problem, &mut judged)
        .await
        .unwrap();
    assert!(judged.refused);
    assert_eq!(wanted, (0o666, 0o600));
    assert_eq!(
        f.detail,
        "/home/me/.ssh/config has mode 0666 and owner uid 1000: OpenSSH refuses to run (\"Bad owner or permissions on /home/me/.ssh/config\")."
    );
    let ja = with_lang(Lang::Ja, || localize(&f)).detail;
    for part in [
        "パーミッションは 0666",
        "uid は 1000",
        "\"Bad owner or permissions on /home/me/.ssh/config\"",
    ] {
        assert!(ja.contains(part), "{part:?} not in {ja}");
    }
    let zh = with_lang(Lang::ZhCn, || localize(&f)).detail;
    for part in ["权限是 0666", "uid 为 1000", "拒绝运行"] {
        assert!(zh.contains(part), "{part:?} not in {zh}");
    }
}
