//! Large and hostile configs (issue 12): generated files, checked for what ssh would do with
//! them — every bad line counted, Include recursion stopped at depth 16 at once, list
//! keywords capped as OpenSSH caps them. Only results are asserted; `benches/config.rs`
//! measures the time against `ssh -G`.

use std::path::{Path, PathBuf};

use sshdoctor::config::{self, ConfigInput, Reaction, ResolvedConfig};
use sshdoctor::config_verdict::{judge, Verdict};

fn write(path: &Path, text: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path.to_path_buf()
}

fn resolve(home: &Path, file: &Path) -> (ResolvedConfig, Verdict) {
    let input = ConfigInput {
        host: "h".into(),
        user_config: Some(file.to_path_buf()),
        home: home.to_path_buf(),
        local_user: "me".into(),
        local_hostname: "box".into(),
        ..ConfigInput::default()
    };
    let r = config::resolve(&input);
    let v = judge(&r, &input, None, &|o| o.to_string());
    (r, v)
}

#[test]
fn forty_thousand_unknown_keywords_are_each_a_bad_option() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..40_000)
        .map(|i| format!("UnknownKeyword{i} value{i}\n"))
        .collect();
    let file = write(&dir.path().join("c"), &text);
    let (r, v) = resolve(dir.path(), &file);
    assert_eq!(r.diagnostics.len(), 40_000);
    assert!(r
        .diagnostics
        .iter()
        .all(|d| d.reaction == Reaction::BadOption));
    assert_eq!(r.diagnostics[39_999].line, 40_000);
    assert_eq!(
        r.diagnostics[12_345].message,
        "Bad configuration option: unknownkeyword12345"
    );
    assert!(v.refused);
    // 20 findings, then one that counts the rest; the evidence gives ssh's total.
    assert_eq!(v.findings.len(), 21);
    assert!(
        v.findings[20].detail.contains("39980 more"),
        "{}",
        v.findings[20].detail
    );
    assert!(v.findings[0]
        .evidence
        .iter()
        .any(|e| e.ends_with("terminating, 40000 bad configuration options")));
    assert!(v.logs.len() < 300, "{}", v.logs.len());
}

#[test]
fn include_fan_out_stops_at_depth_sixteen_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fan = dir.path().join("fan");
    let include = format!("Include {}/*\n", fan.display());
    for f in ["a", "b", "c"] {
        write(&fan.join(f), &include);
    }
    let main = write(&dir.path().join("c"), &format!("{include}Port 5\n"));
    let (r, v) = resolve(dir.path(), &main);
    // ssh: fan/a includes fan/a ... 17 levels deep, "Too many recursive configuration
    // includes", exit: fan/b, fan/c and the Port line after the Include are never read.
    assert_eq!(r.files_read, vec![main.clone(), fan.join("a")]);
    assert_eq!(r.port().0, 22);
    let fatal: Vec<_> = r
        .diagnostics
        .iter()
        .filter(|d| d.reaction == Reaction::Fatal)
        .collect();
    assert_eq!(fatal.len(), 1, "{:?}", r.diagnostics);
    assert_eq!(
        fatal[0].message,
        "Too many recursive configuration includes"
    );
    assert_eq!((fatal[0].path.clone(), fatal[0].line), (fan.join("a"), 1));
    assert!(v.refused);
}

#[test]
fn include_sixteen_deep_is_fine_seventeen_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let chain = |depth: usize| {
        for i in 1..=depth {
            let next = if i < depth {
                format!("Include {}/d{}\n", dir.path().display(), i + 1)
            } else {
                "User deepest\n".to_string()
            };
            write(&dir.path().join(format!("d{i}")), &next);
        }
        write(
            &dir.path().join("c"),
            &format!("Include {}/d1\n", dir.path().display()),
        )
    };
    let (r, v) = resolve(dir.path(), &chain(16));
    assert_eq!(r.user().value, "deepest");
    assert!(!v.refused, "{:?}", r.diagnostics);
    let (r, v) = resolve(dir.path(), &chain(17));
    assert_eq!(r.user().value, "me");
    assert!(v.refused);
}

#[test]
fn list_keywords_are_capped_as_openssh_caps_them() {
    let dir = tempfile::tempdir().unwrap();
    let n = 130_000;
    let words = |f: &dyn Fn(usize) -> String| (0..n).map(f).collect::<Vec<_>>().join(" ");
    let text = format!(
        "CanonicalDomains {}\nGlobalKnownHostsFile {}\nUserKnownHostsFile {}\nHost other\n  CanonicalizePermittedCNAMEs {}\n",
        words(&|i| format!("d{i}.example")),
        words(&|i| format!("/g{i}")),
        words(&|i| format!("/u{i}")),
        words(&|i| format!("*.a{i}:*.b{i}")),
    );
    let file = write(&dir.path().join("c"), &text);
    let (r, v) = resolve(dir.path(), &file);
    // MAX_CANON_DOMAINS and SSH_MAX_HOSTS_FILES are 32 (readconf.h): ssh stores 32, then
    // refuses the line ("too many ...") and terminates.
    for kw in [
        "canonicaldomains",
        "globalknownhostsfile",
        "userknownhostsfile",
    ] {
        assert_eq!(r.get_all(kw).len(), 32, "{kw}");
    }
    assert_eq!(r.get_all("canonicaldomains")[31].value, "d31.example");
    let messages: Vec<&str> = r.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "too many hostname suffixes.",
            "too many globalknownhostsfile entries.",
            "too many userknownhostsfile entries.",
        ]
    );
    // In a block that does not apply, every rule is checked and nothing is stored.
    assert!(r.get("canonicalizepermittedcnames").is_none());
    assert!(v.refused);
}

#[test]
fn more_than_a_hundred_identity_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..101).map(|i| format!("IdentityFile /k{i}\n")).collect();
    let file = write(&dir.path().join("c"), &text);
    let (r, _) = resolve(dir.path(), &file);
    assert_eq!(r.get_all("identityfile").len(), 100);
    assert_eq!(r.diagnostics.len(), 1);
    assert_eq!(r.diagnostics[0].line, 101);
    assert_eq!(
        r.diagnostics[0].message,
        "Too many identity files specified (max 100)."
    );
}
