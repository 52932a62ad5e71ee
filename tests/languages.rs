//! The language of the reports: chosen by `--lang`, else LC_ALL / LC_MESSAGES / LANG, else
//! English; ids, exit codes and JSON keys never change. Against a closed port on 127.0.0.1.

mod common;

use common::fake::closed_port;
use common::{sshdoctor, Report};

/// A text or markdown report of a refused connection, with the locale variables set exactly
/// (empty ones count as unset, so whatever the harness runs under does not leak in).
fn report(format: &str, extra: &[&str], locale: [(&str, &str); 3]) -> Report {
    let port = closed_port().to_string();
    let mut run = sshdoctor()
        .raw()
        .args(&["--report", format, "-p", &port, "--timeout", "10"])
        .args(extra)
        .arg("sshdoctor-test@127.0.0.1");
    for (k, v) in locale {
        run = run.env(k, v);
    }
    let report = run.run();
    report.assert_exit(1);
    report
}

const JA: [(&str, &str); 3] = [("LC_ALL", ""), ("LC_MESSAGES", ""), ("LANG", "ja_JP.UTF-8")];
const C: [(&str, &str); 3] = [("LC_ALL", ""), ("LC_MESSAGES", ""), ("LANG", "C")];

#[test]
fn lang_ja_selects_japanese_in_the_text_report() {
    let r = report("text", &[], JA);
    assert!(r.stdout.contains("確認項目"), "{}", r.stdout);
    assert!(r.stdout.contains("TCP 接続"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("tcp.refused [エラー] 接続が拒否されました"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("ログインは失敗します。まず tcp.refused を修正してください"),
        "{}",
        r.stdout
    );
}

#[test]
fn flag_zh_cn_selects_chinese_in_the_markdown_report_over_the_locale() {
    let r = report("markdown", &["--lang", "zh-CN"], JA);
    assert!(
        r.stdout.contains("| 阶段 | 状态 | 耗时 | 摘要 |"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("### `tcp.refused` (错误): 连接被拒绝"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("**登录会失败。请先修复 tcp.refused"),
        "{}",
        r.stdout
    );
    // Commands inside the fix stay as they are.
    assert!(r.stdout.contains("`systemctl status ssh`"), "{}", r.stdout);
}

#[test]
fn lc_messages_zh_tw_is_simplified_chinese_and_lc_all_wins() {
    let tw = [
        ("LC_ALL", ""),
        ("LC_MESSAGES", "zh_TW.UTF-8"),
        ("LANG", "ja_JP.UTF-8"),
    ];
    assert!(report("text", &[], tw).stdout.contains("检查"));
    let all = [
        ("LC_ALL", "ja_JP.UTF-8"),
        ("LC_MESSAGES", "zh_CN"),
        ("LANG", "C"),
    ];
    assert!(report("text", &[], all).stdout.contains("確認項目"));
}

#[test]
fn c_locale_and_flag_en_are_english() {
    let r = report("text", &[], C);
    assert!(r.stdout.contains("Checks\n"), "{}", r.stdout);
    assert!(r
        .stdout
        .contains("The login would fail. Fix tcp.refused first"));
    let r = report("markdown", &["--lang", "en"], JA);
    assert!(r.stdout.contains("| Stage | Status | Time | Summary |"));
}

#[test]
fn json_carries_lang_and_localized_texts_beside_stable_ids() {
    let port = closed_port().to_string();
    let run = |lang: &str| {
        sshdoctor()
            .args(&["--lang", lang, "-p", &port, "--timeout", "10"])
            .arg("sshdoctor-test@127.0.0.1")
            .run()
    };
    let (ja, en) = (run("ja"), run("en"));
    ja.assert_exit(1);
    assert_eq!(ja.json()["lang"], "ja");
    assert_eq!(en.json()["lang"], "en");
    let (fj, fe) = (&ja.json()["findings"][0], &en.json()["findings"][0]);
    assert_eq!(fj["id"], "tcp.refused");
    assert_eq!(fj["severity"], "error");
    assert_eq!(fj["stage"], "tcp");
    assert_eq!(
        fe["title"],
        "Connection refused: nothing listens on that port"
    );
    assert!(fj["title"]
        .as_str()
        .is_some_and(|t| t.starts_with("接続が拒否")));
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(ja.json()),
        keys(en.json()),
        "same keys in every language"
    );
    assert_eq!(keys(fj), keys(fe));
}

#[test]
fn an_unknown_lang_is_a_usage_error() {
    let r = sshdoctor().args(&["--lang", "fr", "127.0.0.1"]).run();
    r.assert_exit(2);
    assert!(
        r.stderr.contains("expected en, zh-CN or ja"),
        "{}",
        r.stderr
    );
}

#[test]
fn usage_errors_and_help_follow_the_language_and_keep_options_and_ssh_words() {
    // A malformed destination, in Chinese from LANG: ssh's own words and the option stay.
    let mut run = sshdoctor().raw().args(&["bad host@"]);
    for (k, v) in [("LC_ALL", ""), ("LC_MESSAGES", ""), ("LANG", "zh_CN.UTF-8")] {
        run = run.env(k, v);
    }
    let r = run.run();
    r.assert_exit(2);
    assert!(r.stderr.contains("sshdoctor --help"), "{}", r.stderr);
    assert!(r.stderr.contains("参见"), "{}", r.stderr);
    // A port ssh refuses, in Japanese from --lang: "Bad port" is ssh's, kept for searching.
    let r = sshdoctor()
        .raw()
        .args(&["--lang", "ja", "-p", "0", "127.0.0.1"])
        .run();
    r.assert_exit(2);
    assert!(r.stderr.contains("-p 0: Bad port '0'"), "{}", r.stderr);
    assert!(r.stderr.contains("ssh も拒否します"), "{}", r.stderr);
    // --help's closing text, and each subcommand's, in the language of --lang.
    for (args, word) in [
        (&["--lang", "ja", "--help"][..], "終了コード"),
        (&["server", "--lang", "zh-CN", "--help"][..], "退出码"),
        (&["fleet", "--lang=ja", "--help"][..], "終了コード"),
        (&["explain", "--help", "--lang", "zh-CN"][..], "退出码"),
    ] {
        let r = sshdoctor().raw().args(args).run();
        r.assert_exit(0);
        assert!(r.stdout.contains(word), "{args:?}: {}", r.stdout);
        assert!(r.stdout.contains("--lang"), "{args:?}: {}", r.stdout);
        assert!(r.stdout.contains("  2  "), "{args:?}: {}", r.stdout);
    }
    // English stays English.
    let r = sshdoctor().raw().args(&["--lang", "en", "--help"]).run();
    assert!(r.stdout.contains("Exit codes:"), "{}", r.stdout);
}
