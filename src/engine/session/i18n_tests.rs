//! The session stage's findings and summaries in zh-CN and ja, made by the stage's own code:
//! the language's words, the command and the server's words kept, the English as it was.

use super::{no_shell, no_shell_detail, session_failed, sftp_refused, Run, SFTP_REFUSED};
use crate::engine::link::ChanError;
use crate::engine::Cx;
use crate::event::{Event, Finding, Status};
use crate::i18n::{localize, with_lang, Lang};

/// A context, and what it was sent.
fn cx() -> (Cx, tokio::sync::mpsc::Receiver<Event>) {
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    (Cx::new(tx, Default::default()), rx)
}

fn finding(rx: &mut tokio::sync::mpsc::Receiver<Event>) -> Finding {
    std::iter::from_fn(|| rx.try_recv().ok())
        .find_map(|e| match e {
            Event::Finding(f) => Some(f),
            _ => None,
        })
        .expect("a finding")
}

#[tokio::test]
async fn a_refused_session_is_said_in_the_language_with_the_servers_words() {
    let (cx, mut rx) = cx();
    let end = session_failed(
        &cx,
        &ChanError::Refused("administratively prohibited".into()),
    )
    .await;
    assert_eq!(end.status, Status::Fail);
    assert_eq!(end.summary, "session refused");
    let said = end.said.expect("a keyed summary");
    assert_eq!(said.render(Lang::Ja), "セッションが拒否されました");
    assert_eq!(said.render(Lang::ZhCn), "会话被拒绝");
    let f = finding(&mut rx);
    assert_eq!(f.detail, "The server accepted the login but refused a session: administratively prohibited. The account may be limited to forwarding, or the server allows no sessions.");
    let ja = with_lang(Lang::Ja, || localize(&f));
    assert!(
        ja.detail
            .contains("セッションを拒否しました：administratively prohibited"),
        "{}",
        ja.detail
    );
    let zh = with_lang(Lang::ZhCn, || localize(&f));
    assert!(
        zh.detail
            .contains("拒绝了会话：administratively prohibited"),
        "{}",
        zh.detail
    );
    assert_eq!(zh.evidence, f.evidence);
}

#[tokio::test]
async fn no_shell_is_said_in_the_language_with_the_command_and_its_status() {
    let (cx, mut rx) = cx();
    let run = Run {
        exit: Some(1),
        ..Run::default()
    };
    no_shell(&cx, &run, "", "This account is currently not available.").await;
    let f = finding(&mut rx);
    assert_eq!(f.id, "session.no_shell");
    assert_eq!(f.detail, no_shell_detail("true", "exited with status 1"));
    let ja = with_lang(Lang::Ja, || localize(&f));
    assert!(
        ja.detail
            .contains("`true` は終了ステータス 1 で終了しました"),
        "{}",
        ja.detail
    );
    assert!(ja.detail.contains("/usr/sbin/nologin") && ja.detail.contains("ForceCommand"));
    let zh = with_lang(Lang::ZhCn, || localize(&f));
    assert!(
        zh.detail.contains("`true` 以退出状态 1 结束"),
        "{}",
        zh.detail
    );
    assert_eq!(
        zh.evidence,
        ["remote stderr: This account is currently not available."]
    );
}

#[test]
fn the_shared_sftp_sentence_keeps_its_english() {
    assert_eq!(sftp_refused().english(), SFTP_REFUSED);
    let ja = sftp_refused().render(Lang::Ja);
    assert!(ja.contains("`Subsystem sftp`") && ja.contains("サブシステムがありません"));
}
