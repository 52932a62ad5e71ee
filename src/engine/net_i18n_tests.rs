//! The DNS, TCP, banner, ProxyCommand and forward stages' sentences in every language: each
//! made by the stage's own code, shown in Japanese and Chinese with its data kept, its English
//! as before.

use super::forward_report::{self, Kind};
use super::proxy::Spec;
use super::{net, Cx, StageEnd, Target};
use crate::config::{Origin, ResolvedConfig};
use crate::event::{Event, Finding};
use crate::i18n::{localize, localize_summary, with_lang, Lang, Text};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// A context whose home is /home/me, and the events it sends.
pub(super) fn test_cx() -> (Cx, mpsc::Receiver<Event>) {
    let (tx, rx) = mpsc::channel(1000);
    let config = ResolvedConfig {
        home: "/home/me".into(),
        ..Default::default()
    };
    (Cx::new(tx, config), rx)
}

/// A target on `host`:`port`, the port from `port_origin`, the name as typed.
pub(super) fn target(host: &str, port: u16, port_origin: Origin) -> Target {
    Target {
        original_host: host.into(),
        hostname: host.into(),
        hostname_origin: Origin::Default,
        port,
        port_origin,
        user: "me".into(),
        address_family: "any".into(),
        connect_timeout: None,
        host_key_alias: None,
        algorithms: Default::default(),
        ssh_args: host.into(),
        hop: None,
        via: None,
    }
}

/// The findings `cx` sent (it is dropped).
async fn findings(cx: Cx, mut rx: mpsc::Receiver<Event>) -> Vec<Finding> {
    drop(cx);
    let mut out = Vec::new();
    while let Some(e) = rx.recv().await {
        if let Event::Finding(f) = e {
            out.push(f);
        }
    }
    out
}

fn shown(f: &Finding, lang: Lang) -> Finding {
    with_lang(lang, || localize(f))
}

fn summary(end: &StageEnd, lang: Lang) -> String {
    with_lang(lang, || localize_summary(&end.summary, &end.said))
}

/// `text` holds every one of `parts`.
#[track_caller]
fn has(text: &str, parts: &[&str]) {
    for p in parts {
        assert!(text.contains(p), "{p:?} not in {text:?}");
    }
}

#[tokio::test]
async fn an_unresolvable_name_is_said_in_each_language() {
    let (cx, rx) = test_cx();
    let t = target("nowhere.invalid", 22, Origin::Default);
    let (addrs, end) = net::dns_stage(&cx, &t, Duration::from_secs(2)).await;
    assert!(addrs.is_none());
    let f = &findings(cx, rx).await[0];
    assert_eq!(f.id, "dns.unresolvable");
    assert_eq!(
        f.detail,
        "\"nowhere.invalid\" does not resolve: the .invalid top-level domain never resolves (RFC 6761); no query was sent. The name \"nowhere.invalid\" is the destination as typed."
    );
    let ja = shown(f, Lang::Ja).detail;
    has(
        &ja,
        &[
            "\"nowhere.invalid\"",
            "名前解決できません",
            "RFC 6761",
            "入力された接続先",
        ],
    );
    let zh = shown(f, Lang::ZhCn).detail;
    has(
        &zh,
        &["无法解析 \"nowhere.invalid\"", "顶级域名", "输入的目标主机"],
    );
    assert_eq!(end.summary, "\"nowhere.invalid\" does not resolve");
    has(&summary(&end, Lang::Ja), &["nowhere.invalid", "名前解決"]);
}

#[tokio::test]
async fn a_refused_port_says_where_the_port_came_from_in_each_language() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (cx, rx) = test_cx();
    let origin = Origin::File {
        path: "/home/me/.ssh/config".into(),
        line: 3,
    };
    let t = target("127.0.0.1", port, origin);
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let (stream, end) = net::tcp_stage(&cx, &t, &[addr], Duration::from_secs(5)).await;
    assert!(stream.is_none());
    let f = &findings(cx, rx).await[0];
    assert_eq!(f.id, "tcp.refused");
    assert_eq!(
        f.detail,
        format!("127.0.0.1 refused the connection on port {port}: no sshd listens there. Port {port} comes from ~/.ssh/config line 3.")
    );
    let p = port.to_string();
    let ja = shown(f, Lang::Ja).detail;
    has(
        &ja,
        &["拒否しました", "~/.ssh/config の 3 行目", &p, "127.0.0.1"],
    );
    let zh = shown(f, Lang::ZhCn).detail;
    has(&zh, &["拒绝了端口", "~/.ssh/config 第 3 行", &p]);
    assert_eq!(end.summary, format!("refused on port {port}"));
    assert_eq!(
        summary(&end, Lang::Ja),
        format!("ポート {port} で拒否されました")
    );
    assert_eq!(summary(&end, Lang::ZhCn), format!("端口 {port} 拒绝连接"));
}

#[test]
fn the_shared_connect_failure_text_is_the_english_of_the_keyed_one() {
    use net::ConnectFailure::Timeout;
    let (id, detail, summary) = net::connect_failure_text(Timeout, "h", 2222, "X", Some(3.0));
    assert_eq!(id, "tcp.timeout");
    assert_eq!(detail, "No answer from h on port 2222 within 3s: the packets are dropped (firewall, security group) or the host is down. X.");
    assert_eq!(summary, "timed out on port 2222");
    let (_, said, _) = net::connect_failure_said(Timeout, "h", 2222, Text::from("X"), None);
    assert_eq!(said.english(), "No answer from h on port 2222: the packets are dropped (firewall, security group) or the host is down. X.");
    has(&said.render(Lang::Ja), &["ポート 2222", "ファイアウォール"]);
    has(&said.render(Lang::ZhCn), &["端口 2222", "防火墙"]);
}

/// A server on loopback that reads its first client's identification, writes `reply` and
/// closes (a close with nothing unread, so not a reset); its port.
fn answering(reply: &'static [u8]) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        if let Ok((mut s, _)) = l.accept() {
            let _ = s.read(&mut [0u8; 256]);
            let _ = s.write_all(reply);
        }
    });
    port
}

async fn banner(reply: &'static [u8]) -> (Finding, StageEnd, u16) {
    let port = answering(reply);
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let (cx, rx) = test_cx();
    let t = target("127.0.0.1", port, Origin::Default);
    let (conn, end) = net::banner_stage(&cx, Box::new(stream), &t, Duration::from_secs(5)).await;
    assert!(conn.is_none());
    (findings(cx, rx).await.remove(0), end, port)
}

#[tokio::test]
async fn a_web_server_on_the_port_is_named_in_each_language() {
    let (f, end, port) = banner(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
    assert_eq!(f.id, "banner.not_ssh");
    assert_eq!(
        f.detail,
        format!("127.0.0.1:{port} is answered by an HTTP server (a web server or proxy), not by sshd. Port {port} is OpenSSH's default.")
    );
    let at = format!("127.0.0.1:{port}");
    has(
        &shown(&f, Lang::Ja).detail,
        &[&at, "HTTP サーバ", "プロキシ", "OpenSSH の既定値"],
    );
    has(
        &shown(&f, Lang::ZhCn).detail,
        &[&at, "HTTP 服务器", "OpenSSH 的默认值"],
    );
    assert_eq!(end.summary, "not SSH: an HTTP server");
    assert_eq!(summary(&end, Lang::Ja), "SSH ではありません：HTTP サーバ");
    assert_eq!(summary(&end, Lang::ZhCn), "不是 SSH：一个 HTTP 服务器");
}

#[tokio::test]
async fn a_connection_closed_before_the_banner_is_said_in_each_language() {
    let (f, end, port) = banner(b"").await;
    assert_eq!(f.id, "banner.closed");
    assert_eq!(
        f.detail,
        format!("127.0.0.1:{port} accepted the TCP connection, then closed it before sending an SSH identification.")
    );
    has(
        &shown(&f, Lang::Ja).detail,
        &["TCP 接続を受け付けました", "切断"],
    );
    has(&shown(&f, Lang::ZhCn).detail, &["接受了 TCP 连接", "关闭"]);
    assert_eq!(end.summary, "connection closed before the banner");
    assert_eq!(summary(&end, Lang::ZhCn), "在 banner 之前连接被关闭");
}

#[tokio::test]
async fn a_proxycommand_that_exits_is_said_in_each_language() {
    let (cx, rx) = test_cx();
    let spec = Spec {
        shell: "/bin/sh".into(),
        command: "exec sh -c 'echo gone >&2; exit 3'".into(),
        configured: "sh -c 'echo gone >&2; exit 3'".into(),
        origin: crate::config_verdict::place(
            &Origin::File {
                path: "/home/me/.ssh/config".into(),
                line: 5,
            },
            "/home/me".as_ref(),
        ),
    };
    let (stream, end) =
        super::proxy::proxy_stage(&cx, Arc::new(spec), Duration::from_secs(5)).await;
    assert!(stream.is_none());
    let f = &findings(cx, rx).await[0];
    assert_eq!(f.id, "proxy.failed");
    assert!(
        f.detail.starts_with("The ProxyCommand `sh -c 'echo gone >&2; exit 3'` (~/.ssh/config line 5) exited with status 3 before any SSH server answered through it."),
        "{}",
        f.detail
    );
    let ja = shown(f, Lang::Ja).detail;
    has(
        &ja,
        &[
            "`sh -c 'echo gone >&2; exit 3'`",
            "~/.ssh/config の 5 行目",
            "ステータス 3 で終了しました",
            "Connection closed by UNKNOWN port 65535",
        ],
    );
    let zh = shown(f, Lang::ZhCn).detail;
    has(&zh, &["`sh -c 'echo gone >&2; exit 3'`", "以状态 3 退出"]);
    assert_eq!(end.summary, "the command exited with status 3");
    assert_eq!(
        summary(&end, Lang::Ja),
        "コマンドがステータス 3 で終了しました"
    );
    assert_eq!(summary(&end, Lang::ZhCn), "命令以状态 3 退出");
}

#[test]
fn a_jump_host_s_refusals_are_said_in_each_language() {
    let (cx, _rx) = test_cx();
    let origin = Origin::File {
        path: "/home/me/.ssh/config".into(),
        line: 7,
    };
    let t = target("db.internal", 5432, origin);
    let said = Text::from("connect failed (reason 2): \"Connection refused\"");
    let f = forward_report::detail(&cx, "bastion", &t, Kind::Refused, said);
    assert_eq!(f.id, "jump.forward_refused");
    assert!(f.detail.starts_with("The jump host bastion reached db.internal and nothing accepts connections on port 5432: connect failed (reason 2): \"Connection refused\". The connection is made from bastion, so the address and port are as bastion sees them. The name \"db.internal\" is the destination as typed; Port 5432 comes from ~/.ssh/config line 7. ssh says"), "{}", f.detail);
    let ja = shown(&f, Lang::Ja).detail;
    has(
        &ja,
        &[
            "踏み台サーバ bastion",
            "ポート 5432",
            "~/.ssh/config の 7 行目",
            "\"channel 0: open failed: connect failed: Connection refused\"",
        ],
    );
    let zh = shown(&f, Lang::ZhCn).detail;
    has(
        &zh,
        &[
            "跳板机 bastion",
            "端口 5432",
            "第 7 行",
            "\"stdio forwarding failed\"",
        ],
    );
    let s = forward_report::summary("bastion", &t, Kind::Prohibited);
    assert_eq!(
        s.english(),
        "bastion refuses to forward to db.internal:5432"
    );
    assert_eq!(
        s.render(Lang::Ja),
        "bastion は db.internal:5432 への転送を拒否しています"
    );
    let nc = forward_report::no_netcat("bastion", "nc db 22", Text::from(""), "nc: not found");
    assert_eq!(nc.fix, "Install a netcat on bastion (e.g. `apt-get install netcat-openbsd`), or replace the ProxyCommand with `ProxyJump bastion`.");
    has(
        &shown(&nc, Lang::Ja).fix,
        &["`apt-get install netcat-openbsd`", "`ProxyJump bastion`"],
    );
    has(
        &shown(&nc, Lang::ZhCn).detail,
        &["跳板机 bastion", "`nc db 22`", "nc: not found"],
    );
}
