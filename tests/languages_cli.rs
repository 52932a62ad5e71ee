//! The command line in the user's language: clap's `--help` for the command and each
//! subcommand, usage errors (each pointing to its own subcommand's `--help`), and `--fix`'s
//! refusal; option names, values and commands stay as they are. English is unchanged.

mod common;

use common::fake::closed_port;
use common::{sshdoctor, Report};

/// A run with the locale variables set exactly (empty ones count as unset).
fn run(args: &[&str], lang: &str) -> Report {
    sshdoctor()
        .raw()
        .args(args)
        .env("LC_ALL", "")
        .env("LC_MESSAGES", "")
        .env("LANG", lang)
        .run()
}

#[test]
fn help_from_lang_ja_is_japanese_with_option_names_as_they_are() {
    let r = run(&["--help"], "ja_JP.UTF-8");
    r.assert_exit(0);
    for said in [
        "使い方: sshdoctor [OPTIONS] [DESTINATION]",
        "オプション:",
        "引数:",
        "-h, --help",
        "ヘルプを表示",
        "-V, --version",
        "--lang <LANG>",
        "--report <FORMAT>",
        "接続先ホストのポート（ssh -p と同じ",
        "`sshdoctor onboard DESTINATION`",
        "形式: text（プレーンテキスト）",
        "終了コード",
    ] {
        assert!(r.stdout.contains(said), "{said:?} in:\n{}", r.stdout);
    }
    for english in [
        "Usage:",
        "Options:",
        "Print help",
        "Possible values",
        "Port to connect",
    ] {
        assert!(!r.stdout.contains(english), "{english:?} in:\n{}", r.stdout);
    }
}

#[test]
fn each_subcommands_help_follows_lang_zh_cn() {
    for (sub, said) in [
        ("explain", "ssh 的输出记录；省略或为 `-` 时读标准输入"),
        ("server", "要登录的账户"),
        (
            "fleet",
            "经同一台跳板机同时检查的主机数（ProxyJump 的第一跳）（默认：4）",
        ),
    ] {
        let r = run(&[sub, "--lang", "zh-CN", "--help"], "C.UTF-8");
        r.assert_exit(0);
        let usage = format!("用法：sshdoctor {sub} [OPTIONS]");
        for text in [usage.as_str(), "选项:", said, "显示帮助", "退出码"] {
            assert!(r.stdout.contains(text), "{sub}: {text:?} in:\n{}", r.stdout);
        }
        for english in ["Usage:", "Options:", "Print help", "[default: 4]"] {
            assert!(
                !r.stdout.contains(english),
                "{sub}: {english:?}:\n{}",
                r.stdout
            );
        }
    }
}

#[test]
fn a_subcommands_usage_error_points_to_its_own_help_in_the_language() {
    for (sub, lang, said) in [
        ("explain", "ja_JP.UTF-8", "想定外の引数 '--bad' があります"),
        ("server", "zh_CN.UTF-8", "无法识别的参数 '--bad'"),
        ("fleet", "ja_JP.UTF-8", "想定外の引数 '--bad' があります"),
    ] {
        let r = run(&[sub, "--bad"], lang);
        r.assert_exit(2);
        let help = format!("sshdoctor {sub} --help");
        assert!(r.stderr.contains(&help), "{sub}: {}", r.stderr);
        assert!(r.stderr.contains(said), "{sub}: {}", r.stderr);
    }
    // A value clap refuses: the option and the values it takes stay as they are.
    let r = run(&["server", "--report", "xml", "--lang", "zh-CN"], "C.UTF-8");
    r.assert_exit(2);
    assert!(
        r.stderr
            .contains("'--report <FORMAT>' 的值 'xml' 无效：text, json, markdown"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("sshdoctor server --help"), "{}", r.stderr);
}

#[test]
fn english_stays_as_it_was_and_points_to_each_subcommands_help() {
    let r = run(&["--help"], "C.UTF-8");
    r.assert_exit(0);
    assert!(r
        .stdout
        .contains("Usage: sshdoctor [OPTIONS] [DESTINATION]"));
    assert!(r.stdout.contains("Options:") && r.stdout.contains("Print help"));
    for sub in ["explain", "server", "fleet"] {
        let r = run(&[sub, "--bad"], "C.UTF-8");
        r.assert_exit(2);
        let line = format!("unexpected argument '--bad' found (see sshdoctor {sub} --help)");
        assert!(r.stderr.contains(&line), "{sub}: {}", r.stderr);
    }
    let r = run(&["--bad"], "C.UTF-8");
    assert!(
        r.stderr
            .contains("unexpected argument '--bad' found (see sshdoctor --help)"),
        "{}",
        r.stderr
    );
}

#[test]
fn fix_refuses_an_action_not_offered_in_the_language() {
    let port = closed_port().to_string();
    let args = [
        "--fix",
        "no.such",
        "--timeout",
        "10",
        "-p",
        &port,
        "127.0.0.1",
    ];
    let r = run(&args, "ja_JP.UTF-8");
    r.assert_exit(2);
    assert!(
        r.stderr
            .contains("この接続先のレポートに操作 \"no.such\" はありません"),
        "{}",
        r.stderr
    );
    let r = run(&args, "C.UTF-8");
    r.assert_exit(2);
    assert!(
        r.stderr
            .contains("the report for this destination offers no action \"no.such\""),
        "{}",
        r.stderr
    );
}
