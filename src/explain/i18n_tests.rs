//! The explanation's own sentences in Japanese and Chinese: real transcripts from
//! tests/data/transcripts judged through `explain::events`, then shown as the front ends do.

use super::{events, input, Options};
use crate::event::{Event, Finding};
use crate::i18n::{localize, localize_summary, with_lang, Lang};

/// Every event of a corpus transcript's explanation.
fn explain(name: &str) -> Vec<Event> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/transcripts")
        .join(name);
    let file = std::fs::File::open(&path).expect("the corpus transcript exists");
    events(&input::read(file).expect("readable"), &Options::default())
}

fn findings(events: &[Event]) -> Vec<&Finding> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Finding(f) => Some(f),
            _ => None,
        })
        .collect()
}

/// The finding `id` of a transcript's explanation.
fn the<'a>(events: &'a [Event], id: &str) -> &'a Finding {
    findings(events)
        .into_iter()
        .find(|f| f.id == id)
        .unwrap_or_else(|| panic!("no {id}"))
}

/// A finding's detail and fix in `lang`, as the front ends show them.
fn shown(f: &Finding, lang: Lang) -> (String, String) {
    let l = with_lang(lang, || localize(f));
    (l.detail, l.fix)
}

#[test]
fn every_sentence_explain_writes_is_translated_and_its_english_is_what_the_report_holds() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/transcripts");
    let (mut details, mut summaries) = (0, 0);
    for entry in std::fs::read_dir(dir).expect("the corpus").flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if !name.ends_with(".txt") {
            continue;
        }
        for e in explain(&name) {
            match &e {
                Event::Finding(f) => {
                    let Some(said) = &f.said.detail else { continue };
                    assert_eq!(said.english(), f.detail, "{name}");
                    for lang in [Lang::Ja, Lang::ZhCn] {
                        let (detail, _) = shown(f, lang);
                        assert_ne!(detail, f.detail, "{name}: {} in {lang:?}", f.id);
                        assert!(
                            !detail.contains("explain."),
                            "{name}: a key leaks: {detail}"
                        );
                    }
                    details += 1;
                }
                Event::StageFinished {
                    summary,
                    said: Some(said),
                    ..
                } => {
                    assert_eq!(&said.english(), summary, "{name}");
                    let ja = with_lang(Lang::Ja, || localize_summary(summary, &Some(said.clone())));
                    assert_ne!(&ja, summary, "{name}: {summary}");
                    summaries += 1;
                }
                _ => {}
            }
        }
    }
    assert!(
        details > 60 && summaries > 400,
        "{details} details, {summaries} summaries"
    );
}

#[test]
fn too_many_keys_in_japanese_and_chinese_keeps_the_option_and_sshs_words() {
    let ev = explain("github-issue-too-many-auth-repeated-loop.txt");
    let f = the(&ev, "auth.too_many_failures");
    assert!(f
        .detail
        .starts_with("The server allows a limited number of authentication"));
    let (ja, _) = shown(f, Lang::Ja);
    let (zh, _) = shown(f, Lang::ZhCn);
    for (text, words) in [(&ja, "認証の試行回数"), (&zh, "认证尝试的次数")] {
        assert!(text.contains(words), "{text}");
        assert!(
            text.contains("MaxAuthTries") && text.contains("\"Too many authentication failures\"")
        );
    }
    let summary = ev.iter().find_map(|e| match e {
        Event::StageFinished {
            stage: crate::event::Stage::Auth,
            summary,
            said,
            ..
        } => Some(with_lang(Lang::ZhCn, || localize_summary(summary, said))),
        _ => None,
    });
    assert_eq!(summary.as_deref(), Some("认证失败次数过多"));
}

#[test]
fn a_jump_host_refusing_to_forward_names_the_hop_and_target_in_every_language() {
    let ev = explain("doc-jump-prohibited-unknown-port-65535.txt");
    let f = the(&ev, "jump.forward_prohibited");
    assert!(f
        .detail
        .starts_with("On the jump host the jump host (hop 1 of 2): "));
    let (ja, ja_fix) = shown(f, Lang::Ja);
    assert!(
        ja.starts_with("踏み台サーバ the jump host（2 段中 1 段目）で："),
        "{ja}"
    );
    assert!(ja.contains("the server:22") && ja.contains("\"administratively prohibited\""));
    assert!(ja_fix.contains(
        "`sshd -T -C user=USER | grep -Ei 'allowtcpforwarding|permitopen|disableforwarding'`"
    ));
    assert!(ja_fix.contains("踏み台サーバの管理者"), "{ja_fix}");
    let (zh, zh_fix) = shown(f, Lang::ZhCn);
    assert!(
        zh.starts_with("在跳板机 the jump host 上（第 1 跳，共 2 跳）："),
        "{zh}"
    );
    assert!(
        zh_fix.contains("为 the server:22 添加 PermitOpen 条目"),
        "{zh_fix}"
    );
    let skipped = ev.iter().find_map(|e| match e {
        Event::StageFinished {
            stage: crate::event::Stage::Kex,
            summary,
            said,
            ..
        } => Some((
            summary.clone(),
            with_lang(Lang::Ja, || localize_summary(summary, said)),
        )),
        _ => None,
    });
    assert_eq!(
        skipped,
        Some((
            "skipped: the jump host the jump host failed".to_string(),
            "省略：踏み台サーバ the jump host が失敗しました".to_string()
        ))
    );
}

#[test]
fn an_unknown_host_key_refused_and_an_unprotected_key_keep_their_commands() {
    let ev = explain("github-actions-ssh-command-action-hostkey-unknown-strict.txt");
    let f = the(&ev, "hostkey.unknown");
    let (ja, ja_fix) = shown(f, Lang::Ja);
    assert!(
        ja.contains("どの known_hosts ファイルにも the server の鍵がなく")
            && ja.contains("StrictHostKeyChecking yes"),
        "{ja}"
    );
    assert!(
        ja_fix.contains("`ssh-keyscan -p PORT HOST >> ~/.ssh/known_hosts`")
            && ja_fix.contains("照合")
    );
    let (zh, zh_fix) = shown(f, Lang::ZhCn);
    assert!(
        zh.contains("\"Host key verification failed.\"") && zh.contains("指纹"),
        "{zh}"
    );
    assert!(zh_fix.contains("`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`"));

    let ev = explain("github-issue-unprotected-key-0777-old.txt");
    let f = the(&ev, "key.unprotected");
    let path = "Users/xxxx/oxa-tools/config/stamp/default/id_rsa";
    assert_eq!(
        f.fix,
        format!("chmod 600 {path}  # on the machine that ran ssh")
    );
    let (ja, ja_fix) = shown(f, Lang::Ja);
    assert!(
        ja.starts_with(&format!("{path} のパーミッションは 0777 です")),
        "{ja}"
    );
    assert_eq!(
        ja_fix,
        format!("chmod 600 {path}  # ssh を実行したマシンで")
    );
    let (zh, _) = shown(f, Lang::ZhCn);
    assert!(
        zh.contains("其他用户可读") && zh.contains("\"UNPROTECTED PRIVATE KEY FILE\""),
        "{zh}"
    );
}

#[test]
fn what_the_transcript_cannot_tell_says_what_settles_it_in_the_language() {
    let ev = explain("github-issue-unprotected-key-0777-old.txt");
    let f = the(&ev, "transcript.cannot_tell");
    let (ja, ja_fix) = shown(f, Lang::Ja);
    assert!(
        ja.contains("原因はログからは分かりません") && ja.contains("\"Permission denied\""),
        "{ja}"
    );
    assert!(
        ja_fix.contains("`sshdoctor the server`")
            && ja_fix.contains("`sshdoctor server --user USER`")
    );
    let (_, zh_fix) = shown(f, Lang::ZhCn);
    assert!(
        zh_fix.starts_with("在运行 ssh 的机器上运行 `sshdoctor the server`"),
        "{zh_fix}"
    );
}

#[test]
fn an_input_that_is_no_transcript_is_said_in_the_language_with_its_numbers() {
    let input = input::read(&b"hello\nworld\n"[..]).expect("read");
    let ev = events(&input, &Options::default());
    let f = the(&ev, "transcript.no_ssh_output");
    assert!(f
        .detail
        .starts_with("None of the input's 2 line(s) is OpenSSH client output"));
    let (ja, _) = shown(f, Lang::Ja);
    assert!(
        ja.starts_with("入力の 2 行のどれも") && ja.contains("`debug1:`"),
        "{ja}"
    );
    let (zh, _) = shown(f, Lang::ZhCn);
    assert!(zh.starts_with("输入的 2 行中没有一行"), "{zh}");
    let summary = ev.iter().find_map(|e| match e {
        Event::StageFinished { summary, said, .. } => Some((
            summary.clone(),
            with_lang(Lang::ZhCn, || localize_summary(summary, said)),
        )),
        _ => None,
    });
    assert_eq!(
        summary,
        Some((
            "skipped: no ssh output in the transcript".to_string(),
            "已跳过：记录中没有 ssh 的输出".to_string()
        ))
    );

    let mut long = vec![b'x'; 5000];
    long.extend_from_slice(b"\nssh: connect to host h port 22: Connection refused\n");
    let ev = events(&input::read(&long[..]).expect("read"), &Options::default());
    let f = the(&ev, "transcript.truncated");
    let (ja, _) = shown(f, Lang::Ja);
    assert!(
        ja.starts_with("ログは 5052 バイトあります：4096 バイトを超える 1 行を切り詰めました。"),
        "{ja}"
    );
}

/// The detector the integration tests use too.
#[path = "../../tests/common/english.rs"]
mod english;
use english::english_sentences;

/// The findings whose sentences come partly from the engine's shared words.
const SHARED: &[&str] = &[
    "auth.too_many_failures",
    "auth.no_accepted_key",
    "auth.second_factor_required",
    "auth.login_refused",
    "auth.method_not_allowed",
    "session.no_shell",
    "session.no_sftp",
    "tcp.refused",
    "tcp.timeout",
    "tcp.unreachable",
];

/// What the operating system said, quoted from a transcript as it is (data, not a sentence of
/// sshdoctor's): musl's resolver and Windows' socket error.
const SYSTEM_WORDS: &[&str] = &[
    "Name does not resolve",
    "blocking socket operation could not be completed immediately",
];

/// Asserts `f`'s detail and fix hold no English sentence in Japanese and Chinese (the system's
/// own words aside); for the findings built from the engine's shared words, that the English
/// ones do (the detector works on this very finding).
fn assert_no_english_left(name: &str, f: &Finding) {
    let english = english_sentences(&f.detail).len() + english_sentences(&f.fix).len();
    let shared = SHARED.contains(&f.id.as_str()) || f.id.starts_with("banner.");
    assert!(
        !shared || english > 0,
        "{name}: {} has no English to find",
        f.id
    );
    for lang in [Lang::Ja, Lang::ZhCn] {
        let (detail, fix) = shown(f, lang);
        for (field, text) in [("detail", &detail), ("fix", &fix)] {
            let mut left = english_sentences(text);
            left.retain(|s| !SYSTEM_WORDS.contains(&s.as_str()));
            assert!(
                left.is_empty(),
                "{name}: {} {field} in {lang:?} keeps English {left:?}: {text}",
                f.id
            );
        }
    }
}

#[test]
fn every_explained_finding_is_in_the_language() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/transcripts");
    let mut seen = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(dir).expect("the corpus").flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if !name.ends_with(".txt") {
            continue;
        }
        for f in findings(&explain(&name)) {
            assert_no_english_left(&name, f);
            seen.insert(f.id.clone());
        }
    }
    for id in [
        "auth.too_many_failures",
        "auth.no_accepted_key",
        "auth.second_factor_required",
        "session.no_shell",
        "session.no_sftp",
        "tcp.timeout",
        "banner.not_ssh",
        "banner.closed",
        "hostkey.changed",
        "kex.no_common_kex",
        "kex.no_common_cipher",
        "dns.unresolvable",
    ] {
        assert!(seen.contains(id), "the corpus no longer has {id}: {seen:?}");
    }
}

/// The explanation of a transcript given inline.
fn explain_text(transcript: &str) -> Vec<Event> {
    let input = input::read(transcript.as_bytes()).expect("read");
    events(&input, &Options::default())
}

/// An OpenSSH 9.2 client's `-v` lines for a key the server accepts and a login it then
/// refuses (written after the client's messages; no such transcript is in the corpus).
const LOGIN_REFUSED: &str = "$ ssh -v root@host.example
OpenSSH_9.2p1 Debian-2+deb12u3, OpenSSL 3.0.15 3 Sep 2024
debug1: Connecting to host.example [192.0.2.7] port 22.
debug1: Connection established.
debug1: Remote protocol version 2.0, remote software version OpenSSH_9.2p1 Debian-2+deb12u3
debug1: Authenticating to host.example:22 as 'root'
debug1: Host 'host.example' is known and matches the ED25519 host key.
debug1: Authentications that can continue: publickey
debug1: Next authentication method: publickey
debug1: Offering public key: /home/me/.ssh/id_ed25519 ED25519 SHA256:7VZ3xkUc1zWJg2bUEGBkkPDd3TAzlHjJWv+bBa0rHbQ
debug1: Server accepts key: /home/me/.ssh/id_ed25519 ED25519 SHA256:7VZ3xkUc1zWJg2bUEGBkkPDd3TAzlHjJWv+bBa0rHbQ
debug1: Authentications that can continue: publickey
debug1: No more authentication methods to try.
root@host.example: Permission denied (publickey).
";

#[test]
fn a_login_refused_after_the_key_gives_the_servers_reasons_in_the_language() {
    let ev = explain_text(LOGIN_REFUSED);
    let f = the(&ev, "auth.login_refused");
    assert!(
        f.detail
            .contains("Likely reasons, in order: PermitRootLogin no"),
        "{}",
        f.detail
    );
    assert!(f
        .fix
        .starts_with("On the server, as root: `sshd -T -C user=root`"));
    assert_no_english_left("login refused", f);
    let (ja, ja_fix) = shown(f, Lang::Ja);
    assert!(ja.contains("PermitRootLogin") && ja_fix.contains("`sshd -T -C user=root`"));
    let (zh, _) = shown(f, Lang::ZhCn);
    assert!(zh.contains("/home/me/.ssh/id_ed25519"), "{zh}");
}

#[test]
fn where_the_refused_port_came_from_is_said_in_the_language() {
    let cases = [
        (
            "$ ssh -p 2222 me@host.example\nssh: connect to host host.example port 2222: Connection refused\n",
            "Port 2222 comes from the command line (-p 2222).",
            "（-p 2222）",
        ),
        (
            "$ ssh me@host.example\nssh: connect to host host.example port 22: Connection refused\n",
            "Port 22 is OpenSSH's default (the command line gives none; a Port line in ssh_config would change it).",
            "OpenSSH",
        ),
        (
            "ssh: connect to host host.example port 2222: Connection refused\n",
            "Port 2222 is the port ssh used (from the command line or a Port line in ssh_config: `ssh -G host.example | grep port` shows which).",
            "`ssh -G host.example | grep port`",
        ),
        (
            "$ ssh -v -J jump target
OpenSSH_9.2p1 Debian-2+deb12u3, OpenSSL 3.0.15 3 Sep 2024
debug1: Setting implicit ProxyCommand from ProxyJump: ssh -v -W '[%h]:%p' jump
debug1: Executing proxy command: exec ssh -v -W '[target]:22' jump
OpenSSH_9.2p1 Debian-2+deb12u3, OpenSSL 3.0.15 3 Sep 2024
debug1: Connecting to jump [192.0.2.1] port 2200.
ssh: connect to host jump port 2200: Connection refused
Connection closed by UNKNOWN port 65535
",
            "jump refused the connection on port 2200: no sshd listens there. Port 2200 is the jump host's port.",
            "2200",
        ),
    ];
    for (transcript, english, kept) in cases {
        let ev = explain_text(transcript);
        let f = the(&ev, "tcp.refused");
        assert!(f.detail.ends_with(english), "{}", f.detail);
        assert_no_english_left(english, f);
        for lang in [Lang::Ja, Lang::ZhCn] {
            let (detail, _) = shown(f, lang);
            assert!(detail.contains(kept), "{lang:?}: {detail}");
            assert!(
                detail.contains("ポート") || detail.contains("端口"),
                "{detail}"
            );
        }
    }
}

/// A login whose `true` meets a nologin shell, as an OpenSSH 9.2 client's `-v` shows it
/// (written after the client's messages).
const NOLOGIN: &str = "$ ssh -v me@host.example true
OpenSSH_9.2p1 Debian-2+deb12u3, OpenSSL 3.0.15 3 Sep 2024
debug1: Connecting to host.example [192.0.2.7] port 22.
debug1: Connection established.
debug1: Remote protocol version 2.0, remote software version OpenSSH_9.2p1 Debian-2+deb12u3
debug1: Authenticating to host.example:22 as 'me'
debug1: Server accepts key: /home/me/.ssh/id_ed25519 ED25519 SHA256:7VZ3xkUc1zWJg2bUEGBkkPDd3TAzlHjJWv+bBa0rHbQ
Authenticated to host.example ([192.0.2.7]:22) using \"publickey\".
debug1: channel 0: new session
debug1: Sending command: true
This account is currently not available.
debug1: Exit status 1
";

#[test]
fn a_command_the_account_cannot_run_says_what_it_did_in_the_language() {
    let nologin = explain_text(NOLOGIN);
    let failed = explain_text(&NOLOGIN.replace("This account is currently not available.\n", ""));
    let cases = [
        (&nologin, "`true` printed \"This account is currently not available.\" (the account's shell is nologin).", "と表示しました", "输出了"),
        (&failed, "`true` ended with \"Exit status 1\".", "で終了しました", "以 \"Exit status 1\" 结束"),
    ];
    for (ev, english, ja_words, zh_words) in cases {
        let f = the(ev, "session.no_shell");
        assert!(f.detail.contains(english), "{}", f.detail);
        assert_no_english_left(english, f);
        assert!(shown(f, Lang::Ja).0.contains(ja_words));
        assert!(shown(f, Lang::ZhCn).0.contains(zh_words));
    }
}
