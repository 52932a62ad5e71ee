//! `sshdoctor fleet` against a config of real loopback sshd instances and fake servers: each
//! host's entry in the fleet report is what `sshdoctor --report json ALIAS` says run alone.

mod common;
mod fleet_common;

use common::fake;
use common::{sshdoctor, Report};
use fleet_common::{fixture, Fixture, HOSTS};
use serde_json::Value;

/// `sshdoctor fleet -F CONFIG --timeout 2 ARGS` in the fixture home.
fn fleet(f: &Fixture, args: &[&str]) -> Report {
    let config = f.home.config_path().display().to_string();
    let mut all = vec!["fleet", "-F", &config, "--timeout", "2"];
    all.extend(args);
    sshdoctor().home(&f.home).raw().args(&all).run()
}

/// The parts of a report that make its verdict: ok, each check's status, the findings' ids
/// and severities in order, the settings.
fn verdict(report: &Value) -> Value {
    let checks: Vec<Value> = report["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| serde_json::json!([c["id"], c["status"]]))
        .collect();
    let findings: Vec<Value> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| serde_json::json!([f["id"], f["severity"], f["stage"]]))
        .collect();
    serde_json::json!({
        "ok": report["ok"],
        "checks": checks,
        "findings": findings,
        "destination": report["destination"],
    })
}

#[test]
fn each_host_gets_its_single_run_verdict() {
    let f = fixture();
    let run = fleet(&f, &["--report", "json"]);
    run.assert_exit(1);
    let json = run.json();
    let hosts = json["hosts"].as_array().expect("hosts is a list");
    let aliases: Vec<&str> = hosts
        .iter()
        .map(|h| h["alias"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(aliases, HOSTS.map(|(a, _)| a), "{}", run.dump());
    for (entry, (alias, cause)) in hosts.iter().zip(HOSTS) {
        let single = sshdoctor()
            .home(&f.home)
            .args(&["--timeout", "2", alias])
            .run_report();
        // The entry keeps the single-run contract (nine checks, errors first, ok ⇔ exit 0).
        let as_run = Report {
            json: Some(entry.clone()),
            code: single.code,
            ..single.clone()
        };
        as_run.assert_well_formed();
        assert_eq!(
            verdict(entry),
            verdict(single.json()),
            "{alias}: fleet vs single run\n{}",
            single.dump()
        );
        assert_eq!(
            single.first_error().as_deref(),
            cause,
            "{alias}\n{}",
            single.dump()
        );
    }
    assert!(
        hosts[7]["note"].as_str().unwrap_or("").contains("Match"),
        "the Match-only name is noted\n{}",
        run.dump()
    );
    let summary = &json["summary"];
    assert_eq!(
        (
            summary["hosts"].as_u64(),
            summary["ok"].as_u64(),
            summary["failing"].as_u64()
        ),
        (Some(8), Some(1), Some(7))
    );
    let causes: Vec<(String, u64)> = summary["root_causes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["id"].as_str().unwrap_or("").to_string(),
                c["count"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(causes[0], ("hostkey.changed".to_string(), 2), "{causes:?}");
    assert_eq!(causes[1], ("tcp.refused".to_string(), 2), "{causes:?}");
    assert_eq!(causes.len(), 5, "{causes:?}");
}

#[test]
fn patterns_choose_hosts_and_the_exit_code_is_0_only_when_every_host_is_ok() {
    let f = fixture();
    let ok = fleet(&f, &["--report", "json", "heal*"]);
    ok.assert_exit(0);
    assert_eq!(
        ok.json()["hosts"].as_array().map(Vec::len),
        Some(1),
        "{}",
        ok.dump()
    );
    let text = fleet(&f, &["c*", "!closing"]);
    text.assert_exit(1);
    assert!(
        text.stdout.contains("2 × hostkey.changed"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("Root causes") && !text.stdout.contains("closing"),
        "{}",
        text.stdout
    );
    let none = fleet(&f, &["nothing*"]);
    none.assert_exit(2);
    assert!(none.stderr.contains("no hosts to check"), "{}", none.stderr);
}

#[test]
fn hosts_file_and_known_hosts_names_are_checked_like_destinations() {
    let f = fixture();
    let closed = fake::closed_port();
    let list = f.home.write_file(
        "hosts",
        &format!("# ops list\nrefused\nbad;host\nssh://127.0.0.1:{closed}\n"),
    );
    let bad = fleet(&f, &["--hosts", &list.display().to_string()]);
    bad.assert_exit(2);
    assert!(
        bad.stderr.contains(":3:"),
        "the line is named: {}",
        bad.stderr
    );
    std::fs::write(&list, format!("refused\nssh://nobody@127.0.0.1:{closed}\n")).unwrap();
    let run = fleet(
        &f,
        &["--hosts", &list.display().to_string(), "--report", "json"],
    );
    run.assert_exit(1);
    let ids: Vec<&str> = run.json()["hosts"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| h["alias"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        ids,
        ["refused", &format!("ssh://nobody@127.0.0.1:{closed}")]
    );
    // known_hosts adds its plain names: [127.0.0.1]:PORT is that port.
    let kh = f.home.known_hosts_path();
    let mut text = std::fs::read_to_string(&kh).unwrap();
    text.push_str(&format!("[127.0.0.1]:{closed} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n"));
    std::fs::write(&kh, text).unwrap();
    let name = format!("[127.0.0.1]:{closed}");
    let run = fleet(&f, &["--known-hosts", "--report", "json", "?127.0.0.1?:*"]);
    let hosts = run.json()["hosts"].as_array().cloned().unwrap_or_default();
    let entry = hosts
        .iter()
        .find(|h| h["alias"] == name.as_str())
        .unwrap_or_else(|| panic!("{}", run.dump()));
    assert_eq!(entry["findings"][0]["id"], "tcp.refused", "{}", run.dump());
    assert_eq!(entry["destination"]["port"]["value"], closed.to_string());
}

#[test]
fn a_host_past_the_fleet_limit_fails_in_the_stage_it_was_in() {
    let f = fixture();
    let config = f.home.config_path().display().to_string();
    let run = sshdoctor()
        .home(&f.home)
        .raw()
        .args(&[
            "fleet",
            "-F",
            &config,
            "--timeout",
            "30",
            "--host-timeout",
            "1",
            "--report",
            "json",
            "silent",
        ])
        .run();
    run.assert_exit(1);
    let entry = &run.json()["hosts"][0];
    assert_eq!(
        entry["findings"][0]["id"],
        "fleet.host_timeout",
        "{}",
        run.dump()
    );
    assert_eq!(entry["findings"][0]["stage"], "banner");
    let checks = entry["checks"].as_array().cloned().unwrap_or_default();
    assert_eq!(checks[3]["status"], "fail");
    assert!(
        checks[4..].iter().all(|c| c["status"] == "skipped"),
        "{}",
        run.dump()
    );
}
