//! [`super::host_block`] against an existing `Host ALIAS` block: completed in place (one block
//! per alias), checked with the real `ssh -G` as the oracle.

use super::*;
use std::process::Command;

use super::test_input as input;

/// `ssh -G -F FILE ALIAS`: keyword → values, as the installed ssh resolves them.
fn ssh_g(file: &Path, alias: &str) -> Vec<(String, String)> {
    let out = Command::new("ssh")
        .arg("-G")
        .arg("-F")
        .arg(file)
        .arg(alias)
        .output()
        .expect("ssh is installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn get<'a>(g: &'a [(String, String)], k: &str) -> Vec<&'a str> {
    g.iter()
        .filter(|(key, _)| key == k)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// Plan with the file, write the result, and return it with `ssh -G ALIAS` on it.
fn edit(old: &str, b: &HostBlock<'_>) -> (String, ConfigEdit, Vec<(String, String)>) {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    std::fs::create_dir_all(home.join(".ssh")).unwrap();
    let path = home.join(".ssh/config");
    std::fs::write(&path, old).unwrap();
    let e = host_block(old.as_bytes(), &path, &input(home, b.alias), b).unwrap();
    std::fs::write(&path, &e.new_bytes).unwrap();
    let g = ssh_g(&path, b.alias);
    (String::from_utf8(e.new_bytes.clone()).unwrap(), e, g)
}

#[test]
fn an_alias_with_its_own_block_is_completed_in_place_not_written_twice() {
    let old = "# mine\nHost tester\n    HostName 127.0.0.1\n    Port 24101\n    User root\n\nHost *\n    ServerAliveInterval 30\n";
    let key = Path::new("/keys/id_ed25519");
    let b = HostBlock {
        alias: "tester",
        hostname: "127.0.0.1",
        user: "root",
        port: 24101,
        key,
    };
    let (new, e, g) = edit(old, &b);
    assert_eq!(new.matches("Host tester").count(), 1, "{new}");
    assert_eq!(
        new,
        "# mine\nHost tester\n    IdentitiesOnly yes\n    IdentityFile /keys/id_ed25519\n    HostName 127.0.0.1\n    Port 24101\n    User root\n\nHost *\n    ServerAliveInterval 30\n"
    );
    assert!(
        e.summary.contains("existing `Host tester` block (line 2"),
        "{}",
        e.summary
    );
    assert_eq!(get(&g, "hostname"), ["127.0.0.1"]);
    assert_eq!(get(&g, "user"), ["root"]);
    assert_eq!(get(&g, "port"), ["24101"]);
    assert_eq!(get(&g, "identitiesonly"), ["yes"]);
    assert_eq!(get(&g, "identityfile")[0], "/keys/id_ed25519");
}

#[test]
fn the_blocks_own_lines_are_set_and_its_key_moved_first() {
    let old = "Host web\n\tUser root\n\tIdentityFile /keys/old\n\tIdentityFile /keys/new # mine\n\tIdentitiesOnly no\nHost *\n\tUser nobody\n";
    let b = HostBlock {
        alias: "web",
        hostname: "web.example.org",
        user: "alice",
        port: 2222,
        key: Path::new("/keys/new"),
    };
    let (new, e, g) = edit(old, &b);
    assert_eq!(
        new,
        "Host web\n\tHostName web.example.org\n\tPort 2222\n\tUser alice\n\tIdentityFile /keys/new # mine\n\tIdentityFile /keys/old\n\tIdentitiesOnly yes\nHost *\n\tUser nobody\n"
    );
    assert!(
        e.summary
            .contains("sets line 2 to `User alice` (was `User root`)"),
        "{}",
        e.summary
    );
    assert_eq!(get(&g, "hostname"), ["web.example.org"]);
    assert_eq!(get(&g, "user"), ["alice"]);
    assert_eq!(get(&g, "port"), ["2222"]);
    assert_eq!(get(&g, "identitiesonly"), ["yes"]);
    assert_eq!(get(&g, "identityfile"), ["/keys/new", "/keys/old"]);
}

#[test]
fn an_earlier_line_that_wins_falls_back_to_a_new_block_first() {
    // A global User would beat the block's: the block alone cannot do it.
    let old = "User root\nHost web\n    HostName h\n";
    let b = HostBlock {
        alias: "web",
        hostname: "h",
        user: "alice",
        port: 22,
        key: Path::new("/keys/k"),
    };
    let (new, _, g) = edit(old, &b);
    assert!(new.starts_with(HOST_BLOCK_COMMENT), "{new}");
    assert_eq!(get(&g, "user"), ["alice"]);
    assert_eq!(get(&g, "identityfile")[0], "/keys/k");
}
