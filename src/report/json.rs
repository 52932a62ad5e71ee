//! The JSON report (`--report json`): the public contract scripts read. Fields are only ever
//! added: a login through jump hosts adds `hops` and a `host` on every check, finding, fact
//! and log line, and keeps every field a direct login has.

use super::Report;
use serde_json::{json, Map, Value};

/// Render the report as one JSON object.
pub(super) fn render(r: &Report) -> Value {
    let host = |hop: usize| r.hop_name(hop).map(str::to_string);
    let mut out = json!({
        "destination": destination(r),
        "ok": r.ok(),
        "checks": r.checks.iter().map(|c| with_host(json!({
            "id": c.stage.name(),
            "status": c.status.word(),
            "elapsed_ms": c.elapsed_ms as u64,
            "summary": c.summary,
        }), host(c.hop))).collect::<Vec<_>>(),
        "findings": r.findings.iter().map(|f| with_host(json!({
            "id": f.id,
            "severity": f.severity.word(),
            "stage": f.stage.name(),
            "title": f.title,
            "detail": f.detail,
            "evidence": f.evidence,
            "fix": f.fix,
            "actions": f.actions,
        }), host(f.hop))).collect::<Vec<_>>(),
        "facts": r.facts.iter().map(|f| with_host(
            json!({"stage": f.stage.name(), "key": f.key, "value": f.value}),
            host(f.hop),
        )).collect::<Vec<_>>(),
        "log": r.log.iter().map(|l| with_host(json!({
            "t_ms": l.t_ms as u64,
            "level": l.level.name(),
            "stage": l.stage.name(),
            "text": l.text,
        }), host(l.hop))).collect::<Vec<_>>(),
    });
    // The language of the texts (titles, fixes); ids, keys and values like "error" never change.
    out["lang"] = crate::i18n::current().code().into();
    if !r.hops.is_empty() {
        out["hops"] = hops(r);
    }
    if r.is_transcript() {
        out["source"] = "transcript".into();
    }
    if r.is_server() {
        // `sshdoctor server`: each login attempt of sshd's log, explained.
        out["attempts"] = (r.facts.iter())
            .filter(|f| f.key == "attempt")
            .filter_map(|f| serde_json::from_str::<Value>(&f.value).ok())
            .collect::<Vec<_>>()
            .into();
    }
    out
}

/// The effective settings, list keywords as arrays with every value in order (as `ssh -G`
/// lists them).
fn destination(r: &Report) -> Map<String, Value> {
    let mut dest = Map::new();
    for s in &r.destination {
        let entry = json!({"value": s.value, "origin": s.origin});
        if crate::config::is_list_keyword(&s.keyword) {
            match dest
                .entry(s.keyword.clone())
                .or_insert_with(|| Value::Array(Vec::new()))
            {
                Value::Array(list) => list.push(entry),
                other => *other = Value::Array(vec![entry]),
            }
        } else {
            dest.entry(s.keyword.clone()).or_insert(entry);
        }
    }
    dest
}

/// The hops in order, first jump host first, each with how it ended.
fn hops(r: &Report) -> Value {
    (r.hops.iter().enumerate())
        .map(|(i, h)| {
            json!({
                "host": h.host,
                "user": h.user,
                "hostname": h.hostname,
                "port": h.port,
                "via": h.via.word(),
                "status": r.hop_status(i).word(),
            })
        })
        .collect::<Vec<_>>()
        .into()
}

/// `value` with `"host"` added when the run announced its hops.
fn with_host(mut value: Value, host: Option<String>) -> Value {
    if let Some(h) = host {
        value["host"] = h.into();
    }
    value
}
