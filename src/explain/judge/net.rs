//! The configuration, DNS, TCP and key-exchange stages as a transcript shows them (the banner
//! stage is in `banner`).

use super::{cannot_tell, ev, settle, Ctx, LaneResult, View};
use crate::algorithms::{self, AlgKind};
use crate::engine::shared::{
    connect_failure_said, no_common_keyed, ConnectFailure, NoCommon, Server,
};
use crate::event::{Stage, Status};
use crate::explain::attempts::Item;
use crate::explain::classify::{Msg, Negotiated};
use crate::findings::keyed;
use crate::i18n::Text;
use crate::text;

/// The configuration stage: a file whose permissions ssh refuses, options it refuses or
/// ignores, the files it read.
pub(super) fn config(v: &View, cx: &Ctx, r: &mut LaneResult) {
    if bad_permissions(v, cx, r) {
        return;
    }
    let errors = v.all(|m| matches!(m, Msg::ConfigError(_)));
    if invalid_value(r, &errors) {
        return;
    }
    if !errors.is_empty() {
        r.findings.push(
            keyed(
                "config.parse_error",
                Stage::Config,
                text!("explain.net.config_ignored"),
            )
            .evidence_all(errors.iter().map(|i| ev(i))),
        );
    }
    let status = if errors.is_empty() {
        Status::Pass
    } else {
        Status::Warn
    };
    let files = v.all(|m| matches!(m, Msg::ReadingConfig(_)));
    if !files.is_empty() {
        let names: Vec<&str> = files
            .iter()
            .filter_map(|i| match &i.msg {
                Msg::ReadingConfig(f) => Some(f.as_str()),
                _ => None,
            })
            .collect();
        r.fact(Stage::Config, "config_files", names.join(", "));
        let read = text!("explain.net.config_read", files = names.join(", "));
        r.step(Stage::Config, status, read);
    } else if status == Status::Warn {
        r.step(
            Stage::Config,
            status,
            text!("explain.net.config_line_ignored"),
        );
    }
}

/// `config.bad_permissions`: ssh refuses to run with a configuration file others can write
/// (or another user owns).
/// Whether it decided the stage.
fn bad_permissions(v: &View, cx: &Ctx, r: &mut LaneResult) -> bool {
    let Some(i) = v.first(|m| matches!(m, Msg::ConfigPermissions(_))) else {
        return false;
    };
    let Msg::ConfigPermissions(path) = &i.msg else {
        return true;
    };
    let mut f = keyed(
        "config.bad_permissions",
        Stage::Config,
        text!("explain.net.config_bad_permissions", path = path),
    )
    .evidence(ev(i));
    f = f.fix_text(text!(
        "explain.net.config_chmod",
        path = crate::fsedit::shell_quote(path)
    ));
    if cx.mine {
        f.actions
            .extend(crate::explain::local::chmod_action(path, 0o600));
    }
    r.findings.push(f);
    r.step(
        Stage::Config,
        Status::Fail,
        text!("explain.net.config_permissions_refused"),
    );
    true
}

/// `config.invalid_value`: a line or option ssh refuses (any error but an unsupported
/// option, which it ignores). Whether it decided the stage.
fn invalid_value(r: &mut LaneResult, errors: &[&Item]) -> bool {
    let fatal: Vec<_> = errors
        .iter()
        .filter(|i| !i.core.to_ascii_lowercase().contains("unsupported option"))
        .collect();
    if fatal.is_empty() {
        return false;
    }
    r.findings.push(
        keyed(
            "config.invalid_value",
            Stage::Config,
            text!("explain.net.config_invalid"),
        )
        .evidence_all(fatal.iter().map(|i| ev(i))),
    );
    r.step(
        Stage::Config,
        Status::Fail,
        text!("explain.net.config_refused"),
    );
    true
}

pub(super) fn dns(v: &View, cx: &Ctx, r: &mut LaneResult) {
    if let Some(i) = v.first(|m| matches!(m, Msg::ResolveFailed { .. })) {
        let Msg::ResolveFailed { host, why } = &i.msg else {
            return;
        };
        let hint = if why.contains("Temporary failure") || why.contains("try again") {
            text!("explain.net.dns_resolver_silent")
        } else if host.contains(':') || host.contains('/') {
            text!("explain.net.dns_name_wrong")
        } else {
            text!("explain.net.dns_check_spelling")
        };
        r.findings.push(
            keyed(
                "dns.unresolvable",
                Stage::Dns,
                text!(
                    "explain.net.dns_unresolvable",
                    host = host,
                    why = why,
                    hint = hint
                ),
            )
            .evidence(ev(i)),
        );
        r.step(
            Stage::Dns,
            Status::Fail,
            text!("explain.net.dns_does_not_resolve", host = host),
        );
        return;
    }
    let _ = cx;
    if let Some(i) = v.first(|m| matches!(m, Msg::Connecting { .. })) {
        let Msg::Connecting { host, addr, .. } = &i.msg else {
            return;
        };
        let summary = match addr {
            Some(a) if a == host => text!("explain.net.dns_literal"),
            Some(a) => text!("explain.net.dns_has_address", host = host, addr = a),
            None => text!("explain.net.dns_resolved", host = host),
        };
        if let Some(a) = addr {
            r.fact(Stage::Dns, "addresses", a.clone());
        }
        r.step(Stage::Dns, Status::Pass, summary);
    } else if v.has(|m| matches!(m, Msg::ExecutingProxy(_))) {
        r.step(
            Stage::Dns,
            Status::Pass,
            text!("explain.net.dns_through_proxy"),
        );
    }
}

/// How a connect error's text reads: refused, timed out, unreachable.
fn connect_kind(why: &str) -> Option<ConnectFailure> {
    let w = why.to_ascii_lowercase();
    if w.contains("refused") {
        Some(ConnectFailure::Refused)
    } else if w.contains("timed out") || w.contains("timeout") {
        Some(ConnectFailure::Timeout)
    } else if w.contains("no route") || w.contains("unreachable") {
        Some(ConnectFailure::Unreachable)
    } else {
        None
    }
}

pub(super) fn tcp(v: &View, cx: &Ctx, r: &mut LaneResult) {
    if let Some(i) = v.first(|m| matches!(m, Msg::ConnectFailed { .. })) {
        let Msg::ConnectFailed { host, port, why } = &i.msg else {
            return;
        };
        let port = port.unwrap_or(22);
        let mut evidence: Vec<String> = v
            .all(|m| matches!(m, Msg::ConnectAddressFailed(_)))
            .into_iter()
            .map(ev)
            .collect();
        evidence.push(ev(i));
        let source = if v.jump {
            text!("explain.net.port_jump", port = port)
        } else {
            cx.port_source.clone()
        };
        let f = match connect_kind(why) {
            Some(kind) => {
                let (id, detail, summary) = connect_failure_said(kind, host, port, source, None);
                r.step(Stage::Tcp, Status::Fail, summary);
                keyed(id, Stage::Tcp, detail)
            }
            None => {
                let summary = text!("explain.net.tcp_no_connection", why = why);
                r.step(Stage::Tcp, Status::Fail, summary);
                cannot_tell(
                    Stage::Tcp,
                    text!(
                        "explain.net.tcp_unknown_error",
                        host = host,
                        port = port,
                        why = why
                    ),
                    text!("explain.net.tcp_rules_out"),
                    settle(cx, Text::from("")),
                )
            }
        };
        r.findings.push(f.evidence_all(evidence));
        return;
    }
    if let Some(i) = v.first(|m| matches!(m, Msg::Established)) {
        let to = v.first(|m| matches!(m, Msg::Connecting { .. }));
        let summary = match to.map(|t| &t.msg) {
            Some(Msg::Connecting { addr, port, host }) => text!(
                "explain.net.tcp_connected_to",
                addr = addr.as_ref().unwrap_or(host),
                port = port.unwrap_or(22)
            ),
            _ => text!("explain.net.tcp_connected"),
        };
        let _ = i;
        r.step(Stage::Tcp, Status::Pass, summary);
    } else if let Some(i) = v.first(|m| matches!(m, Msg::ExecutingProxy(_))) {
        let Msg::ExecutingProxy(cmd) = &i.msg else {
            return;
        };
        r.fact(Stage::Tcp, "proxy_command", cmd.clone());
        r.step(
            Stage::Tcp,
            Status::Pass,
            text!("explain.net.tcp_through_proxy", command = cmd),
        );
    }
}

/// The server implementation a lane talks to (OpenSSH when its banner is not shown).
pub(super) fn server_of(v: &View) -> Server {
    match v
        .first(|m| matches!(m, Msg::RemoteVersion { .. }))
        .map(|i| &i.msg)
    {
        Some(Msg::RemoteVersion { proto, software }) => {
            Server::from_ident(&format!("SSH-{proto}-{software}"))
        }
        _ => Server::OpenSsh,
    }
}

/// The key-exchange stage: nothing in common with the server, or what was negotiated.
pub(super) fn kex(v: &View, cx: &Ctx, r: &mut LaneResult) {
    if no_common(v, cx, r) {
        return;
    }
    negotiated(v, r);
}

/// `kex.no_common_*`: `Unable to negotiate`, with both sides' lists. Whether it decided the
/// stage.
fn no_common(v: &View, cx: &Ctx, r: &mut LaneResult) -> bool {
    let mismatches = v.all(|m| matches!(m, Msg::NoMatch { .. }));
    let Some(i) = mismatches.last() else {
        return false;
    };
    let Msg::NoMatch { what, offer, peer } = &i.msg else {
        return true;
    };
    let Some((id, kind, words, heading)) = list_words(*what) else {
        r.findings.push(
            keyed(
                "kex.failed",
                Stage::Kex,
                text!("explain.net.kex_no_compression"),
            )
            .evidence(ev(i)),
        );
        r.step(
            Stage::Kex,
            Status::Fail,
            text!("explain.net.kex_no_common_compression"),
        );
        return true;
    };
    // The pseudo-algorithms (ext-info-c, kex-strict-*) are no choice of either side.
    let offer = algorithms::without_markers(offer);
    let (ours, origin) = our_list(v, cx, kind, heading);
    let at = if peer.is_empty() {
        v.name.clone()
    } else {
        peer.clone()
    };
    let alias = if v.jump {
        v.name.as_str()
    } else {
        cx.alias.as_str()
    };
    let m = NoCommon {
        id,
        kind,
        kind_words: words,
        at,
        origin: origin.english(),
        ours: &ours,
        server: &offer,
        alias,
        user: &cx.user,
        version_words: cx.version_words.clone(),
        version: cx.version,
    };
    let f = no_common_keyed(&m, origin);
    r.findings
        .push(f.evidence_all(mismatches.iter().map(|i| ev(i))));
    r.step(Stage::Kex, Status::Fail, no_common_summary(what, words));
    true
}

/// The stage's line for a list with nothing in common.
fn no_common_summary(what: &Negotiated, words: &str) -> Text {
    match what {
        Negotiated::Kex => text!("explain.net.kex_no_common_kex"),
        Negotiated::HostKey => text!("explain.net.kex_no_common_hostkey"),
        Negotiated::Cipher => text!("explain.net.kex_no_common_cipher"),
        Negotiated::Mac => text!("explain.net.kex_no_common_mac"),
        Negotiated::Compression => Text::from(format!("no common {words}")),
    }
}

/// For a list with nothing in common: the finding id, the kind, ssh's words for it and the
/// heading of its line in `ssh -vv`'s proposal (none for compression, which has no finding of
/// its own).
fn list_words(what: Negotiated) -> Option<(&'static str, AlgKind, &'static str, &'static str)> {
    Some(match what {
        Negotiated::Kex => (
            "kex.no_common_kex",
            AlgKind::Kex,
            "key exchange method",
            "KEX algorithms: ",
        ),
        Negotiated::HostKey => (
            "kex.no_common_hostkey",
            AlgKind::HostKey,
            "host key type",
            "host key algorithms: ",
        ),
        Negotiated::Cipher => (
            "kex.no_common_cipher",
            AlgKind::Cipher,
            "cipher",
            "ciphers ctos: ",
        ),
        Negotiated::Mac => ("kex.no_common_mac", AlgKind::Mac, "MAC", "MACs ctos: "),
        Negotiated::Compression => return None,
    })
}

/// The client's list and where it comes from: as `ssh -vv` printed it, or this version's
/// default.
fn our_list(v: &View, cx: &Ctx, kind: AlgKind, heading: &str) -> (Vec<String>, Text) {
    let shown: Option<Vec<String>> = v
        .block_after("local client KEXINIT proposal")
        .iter()
        .find_map(|l| l.strip_prefix(heading))
        .map(|l| l.split(',').map(str::to_string).collect());
    let keyword = kind.keyword();
    match shown {
        Some(list) => (
            algorithms::without_markers(&list),
            crate::text!("explain.net.origin_printed"),
        ),
        None => (
            algorithms::effective(cx.version, kind, None).unwrap_or_default(),
            crate::text!(
                "explain.net.origin_default",
                version = cx.version_words.clone(),
                keyword = keyword,
            ),
        ),
    }
}

/// The key exchange worked: the algorithms chosen and the host key, as facts.
fn negotiated(v: &View, r: &mut LaneResult) {
    let alg = v.first(|m| matches!(m, Msg::KexAlgorithm(_)));
    if let Some(Msg::KexAlgorithm(k)) = alg.map(|i| &i.msg) {
        let cipher = v
            .first(|m| matches!(m, Msg::KexCipher(_)))
            .and_then(|i| match &i.msg {
                Msg::KexCipher(c) => c.split_whitespace().next().map(str::to_string),
                _ => None,
            });
        r.fact(Stage::Kex, "kex", k.clone());
        if let Some(Msg::KexHostKeyAlgorithm(h)) = v
            .first(|m| matches!(m, Msg::KexHostKeyAlgorithm(_)))
            .map(|i| &i.msg)
        {
            r.fact(Stage::Kex, "host_key_algorithm", h.clone());
        }
        let summary = match cipher {
            Some(c) => format!("{k}, {c}"),
            None => k.clone(),
        };
        r.step(Stage::Kex, Status::Pass, summary);
    }
    if let Some(Msg::ServerHostKey(k)) = v
        .first(|m| matches!(m, Msg::ServerHostKey(_)))
        .map(|i| &i.msg)
    {
        r.fact(Stage::Kex, "host_key", k.clone());
        if alg.is_none() {
            r.step(Stage::Kex, Status::Pass, text!("explain.net.kex_completed"));
        }
    }
}
