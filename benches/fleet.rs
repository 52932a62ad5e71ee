//! `sshdoctor fleet` at scale: 1,000 Host aliases (told apart by HostKeyAlias, as a fleet behind
//! a few addresses is) against small loopback SSH servers that speak through the key exchange,
//! the host key and authentication (russh's server, rejecting every key). A hashed known_hosts
//! holds all 1,000 names: 900 with the servers' key (those hosts go on to authentication,
//! where their key is refused: `auth.no_accepted_key`), 100 with another (`hostkey.changed`).
//! Wall time, peak RSS and CPU (user + system) of the whole `sshdoctor fleet --report json`
//! process, from /usr/bin/time; the servers run in this process, on the same cores.
//! Run with `cargo bench --bench fleet`; `BENCH_RUNS` (default 3), `BENCH_HOSTS` (default 1000),
//! `BENCH_PLAIN=1` writes known_hosts names unhashed (what hashing costs).

#[path = "../tests/common/mod.rs"]
mod common;

use common::{Home, KeyKind, BIN};
use russh::server::{Auth, Config, Handler};
use ssh_key::PublicKey;
use sshdoctor::known_hosts;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How many servers the hosts are spread over.
const SERVERS: usize = 4;

/// A server that refuses every key (and every other method).
struct RefuseAll;

impl Handler for RefuseAll {
    type Error = russh::Error;

    async fn auth_publickey_offered(
        &mut self,
        _user: &str,
        _key: russh::server::PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        Ok(Auth::reject())
    }
}

/// `SERVERS` servers on 127.0.0.1 with the host key at `host_key`, on a runtime of their own;
/// their ports.
fn start_servers(runtime: &tokio::runtime::Runtime, host_key: &std::path::Path) -> Vec<u16> {
    let key = russh::keys::load_secret_key(host_key, None).expect("load the host key");
    let config = Arc::new(Config {
        keys: vec![key],
        methods: russh::MethodSet::from(&[russh::MethodKind::PublicKey][..]),
        auth_rejection_time: Duration::from_millis(0),
        auth_rejection_time_initial: Some(Duration::from_millis(0)),
        ..Default::default()
    });
    (0..SERVERS)
        .map(|_| {
            let listener = runtime
                .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
                .expect("bind 127.0.0.1");
            let port = listener.local_addr().expect("address").port();
            let config = config.clone();
            runtime.spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let config = config.clone();
                    tokio::spawn(async move {
                        if let Ok(session) =
                            russh::server::run_stream(config, stream, RefuseAll).await
                        {
                            let _ = session.await;
                        }
                    });
                }
            });
            port
        })
        .collect()
}

/// The fleet's config and its hashed known_hosts: host `i` on server `i % SERVERS`, every
/// tenth host's entry holding another key.
fn write_fleet(home: &Home, hosts: usize, ports: &[u16], key: &PublicKey, other: &PublicKey) {
    let plain = std::env::var_os("BENCH_PLAIN").is_some_and(|v| v == "1");
    let mut config = String::new();
    let mut kh = String::new();
    for i in 0..hosts {
        let name = format!("fleet-{i:04}");
        config.push_str(&format!(
            "Host {name}\n    HostName 127.0.0.1\n    Port {}\n    HostKeyAlias {name}\n",
            ports[i % ports.len()]
        ));
        let recorded = if i % 10 == 9 { other } else { key };
        kh.push_str(&known_hosts::format_entry(&name, recorded, !plain));
        kh.push('\n');
    }
    let id = home.generate_key(KeyKind::Ed25519, "id_fleet");
    let known = home.write_file(".ssh/known_hosts_fleet", &kh);
    config.push_str(&format!(
        "Host *\n    User deploy\n    IdentitiesOnly yes\n    IdentityAgent none\n    IdentityFile {}\n    UserKnownHostsFile {}\n    GlobalKnownHostsFile /dev/null\n",
        id.display(),
        known.display()
    ));
    home.write_config(&config);
}

/// One run under /usr/bin/time: wall time, peak RSS (KiB), CPU seconds, and the report.
fn run(home: &Home, extra: &[&str]) -> (Duration, u64, f64, serde_json::Value) {
    let config = home.config_path().display().to_string();
    let started = Instant::now();
    let out = Command::new("/usr/bin/time")
        .args([
            "-f",
            "TIME %M %U %S",
            BIN,
            "fleet",
            "--report",
            "json",
            "-F",
            &config,
        ])
        .args(extra)
        .env("HOME", home.path())
        .env("SSHDOCTOR_PASSWD_HOME", home.path())
        .env_remove("SSH_AUTH_SOCK")
        .stdin(Stdio::null())
        .output()
        .expect("run /usr/bin/time sshdoctor fleet");
    let wall = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .rfind(|l| l.starts_with("TIME "))
        .unwrap_or_else(|| panic!("no /usr/bin/time line: {stderr}"));
    let f: Vec<f64> = line[5..]
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    let report = serde_json::from_slice(&out.stdout).expect("a JSON report");
    (wall, f[0] as u64, f[1] + f[2], report)
}

/// What the hosts' root causes were, as `N × id`.
fn causes(report: &serde_json::Value) -> String {
    report["summary"]["root_causes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| format!("{} × {}", c["count"], c["id"].as_str().unwrap_or("?")))
        .collect::<Vec<_>>()
        .join(", ")
}

fn main() {
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let hosts: usize = std::env::var("BENCH_HOSTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let home = Home::new();
    let host_key = home.generate_key(KeyKind::Ed25519, "server_host_key");
    let other = home.generate_key(KeyKind::Ed25519, "other_host_key");
    let public = |p: &std::path::Path| {
        let text = std::fs::read_to_string(p.with_extension("pub")).expect("public key");
        PublicKey::from_openssh(text.trim()).expect("a public key")
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("the servers' runtime");
    let ports = start_servers(&runtime, &host_key);
    write_fleet(&home, hosts, &ports, &public(&host_key), &public(&other));
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    println!(
        "\n{hosts} hosts on {SERVERS} loopback servers, {cores} cores, median of {runs} runs\n"
    );
    println!("| hosts | jobs | wall time | peak RSS | CPU (user+sys) | result |");
    println!("|---|---|---|---|---|---|");
    for extra in [&[][..], &["--jobs", "32"][..]] {
        let mut results: Vec<_> = (0..runs).map(|_| run(&home, extra)).collect();
        results.sort_by_key(|r| r.0);
        let (wall, rss, cpu, report) = &results[results.len() / 2];
        let summary = &report["summary"];
        assert_eq!(
            summary["hosts"].as_u64(),
            Some(hosts as u64),
            "every host reported"
        );
        println!(
            "| {hosts} | {} | {:.2} s | {:.1} MiB | {cpu:.2} s | {} |",
            summary["jobs"],
            wall.as_secs_f64(),
            *rss as f64 / 1024.0,
            causes(report)
        );
    }
}
