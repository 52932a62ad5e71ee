//! Onboarding step 2 (host key verification) at 80×24 in Simplified Chinese and Japanese:
//! the step titles, panel text, text box, footer and the messages a comparison gives.

use super::*;
use crate::i18n::{with_lang, Lang};

/// Every language but English, with its snapshot prefix.
const LANGS: [(Lang, &str); 2] = [(Lang::ZhCn, "zh_cn"), (Lang::Ja, "ja")];

/// The flow at step 2: a new key made, the server's key unknown, a fingerprint being typed.
fn at_verify() -> Onboard {
    let mut ob = flow(Vec::new());
    ob.on_outcome(Outcome::Generated(Ok(chosen())));
    ob.on_outcome(Outcome::Connected(Ok(HostInfo {
        randomart: "+--[ED25519 256]--+\n|        .o.      |\n|       o  .      |\n|      . o. .     |\n|       o.S+      |\n+----[SHA256]-----+".into(),
        ..host(HostVerdict::Unknown)
    })));
    typed(&mut ob, "SHA256:x");
    ob
}

#[test]
fn verify_step_in_chinese_and_japanese_at_80x24() {
    for (lang, prefix) in LANGS {
        with_lang(lang, || {
            let ob = at_verify();
            insta::assert_snapshot!(
                format!("{prefix}_onboard_verify_step_80x24"),
                render(&ob, 80, 24)
            );
        });
    }
}

#[test]
fn a_mismatch_is_said_in_the_language_with_the_fingerprints_as_they_are() {
    let cases = [
        (Lang::ZhCn, "不一致", "验证服务器"),
        (Lang::Ja, "不一致", "サーバの確認"),
    ];
    for (lang, word, title) in cases {
        with_lang(lang, || {
            let mut ob = at_verify();
            ob.on_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
            typed(
                &mut ob,
                "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            );
            ob.on_key(key(KeyCode::Enter));
            let text = format!("{}", render(&ob, 100, 30));
            assert!(text.contains(word), "{}: {text}", lang.code());
            assert!(text.contains(title), "{}: {text}", lang.code());
            assert!(text.contains("SHA256:x"), "{}: {text}", lang.code());
            assert!(!text.contains("MISMATCH"), "{}: {text}", lang.code());
        });
    }
}

#[test]
fn leaving_early_is_reported_in_the_language_with_the_command_as_it_is() {
    with_lang(Lang::Ja, || {
        let ob = at_verify();
        let text = ob.farewell().expect("not finished");
        assert!(text.contains("サーバの確認"), "{text}");
        assert!(
            text.contains("sshdoctor onboard -p 2222 alice@192.0.2.1"),
            "{text}"
        );
    });
}
