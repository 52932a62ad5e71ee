//! Unit tests for the config edit planners: the seven-keys incident, byte preservation, failures.

use std::path::{Path, PathBuf};

use super::*;
use crate::config::{self, ConfigInput};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".ssh")).unwrap();
        Env { dir }
    }

    fn home(&self) -> &Path {
        self.dir.path()
    }

    fn config(&self) -> PathBuf {
        self.home().join(".ssh/config")
    }

    fn key(&self, name: &str) -> PathBuf {
        self.home().join(".ssh").join(name)
    }

    fn input(&self, host: &str) -> ConfigInput {
        super::test_input(self.home(), host)
    }

    /// Resolve `host` with `bytes` as the real ~/.ssh/config (independent of the planner).
    fn resolve(&self, bytes: &[u8], host: &str) -> config::ResolvedConfig {
        std::fs::write(self.config(), bytes).unwrap();
        std::fs::set_permissions(
            self.config(),
            std::os::unix::fs::PermissionsExt::from_mode(0o600),
        )
        .unwrap();
        config::resolve(&self.input(host))
    }

    fn identity_files(&self, bytes: &[u8], host: &str) -> Vec<PathBuf> {
        self.resolve(bytes, host)
            .get_all("identityfile")
            .iter()
            .map(|v| PathBuf::from(&v.value))
            .collect()
    }

    fn identities_only(&self, bytes: &[u8], host: &str) -> String {
        self.resolve(bytes, host)
            .get("identitiesonly")
            .unwrap()
            .value
            .clone()
    }
}

fn seven_keys_block() -> String {
    let mut s = String::from("Host web\n    HostName web.example.com\n    User deploy\n");
    for i in 1..=7 {
        s.push_str(&format!("    IdentityFile ~/.ssh/key{i}\n"));
    }
    s
}

/// Remove every line of `inserted` (in order, once) from `new`, and compare with `old`.
fn without_lines(new: &[u8], inserted: &[&str]) -> Vec<u8> {
    let text = String::from_utf8(new.to_vec()).unwrap();
    let mut out = String::new();
    let mut want = inserted.iter().peekable();
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if want.peek().is_some_and(|w| **w == bare) {
            want.next();
            continue;
        }
        out.push_str(line);
    }
    assert!(want.peek().is_none(), "not all lines were inserted: {text}");
    out.into_bytes()
}

#[test]
fn seven_keys_incident_host_star_after() {
    let env = Env::new();
    let original = format!(
        "# my hosts\nServerAliveInterval 30\n\n{}\nHost *\n    IdentitiesOnly no\n    AddKeysToAgent yes\n",
        seven_keys_block()
    );
    let key7 = env.key("key7");
    assert_ne!(env.identity_files(original.as_bytes(), "web")[0], key7);
    let edit =
        identities_only(original.as_bytes(), &env.config(), &env.input("web"), &key7).unwrap();
    assert_eq!(edit.path, env.config());
    let files = env.identity_files(&edit.new_bytes, "web");
    assert_eq!(files[0], key7);
    assert_eq!(files.len(), 7, "the repeated key7 line is ignored by ssh");
    assert_eq!(env.identities_only(&edit.new_bytes, "web"), "yes");
    // Other hosts are unaffected.
    assert_eq!(env.identities_only(&edit.new_bytes, "db"), "no");
    assert_eq!(
        env.resolve(&edit.new_bytes, "db")
            .get("serveraliveinterval")
            .unwrap()
            .value,
        "30"
    );
    // The existing `Host web` block is edited where it is: one block for the alias, the
    // accepted key moved before the others (not listed twice), every other byte kept.
    let text = String::from_utf8(edit.new_bytes.clone()).unwrap();
    let mut want = String::from(
        "# my hosts\nServerAliveInterval 30\n\nHost web\n    HostName web.example.com\n    User deploy\n",
    );
    want.push_str(&format!(
        "    {IDENTITIES_ONLY_COMMENT}\n    IdentitiesOnly yes\n"
    ));
    want.push_str("    IdentityFile ~/.ssh/key7\n");
    for i in 1..=6 {
        want.push_str(&format!("    IdentityFile ~/.ssh/key{i}\n"));
    }
    want.push_str("\nHost *\n    IdentitiesOnly no\n    AddKeysToAgent yes\n");
    assert_eq!(text, want);
    assert_eq!(text.matches("Host web").count(), 1);
    assert_eq!(text.matches("key7").count(), 1);
    assert!(
        edit.summary.contains("1. ~/.ssh/key7, 2. ~/.ssh/key1")
            && edit.summary.contains("7. ~/.ssh/key6.")
            && edit.summary.matches("key7").count() == 2,
        "{}",
        edit.summary
    );
    assert!(
        edit.summary
            .contains("existing `Host web` block (line 4 of ~/.ssh/config)")
            && edit.summary.contains("adds `IdentitiesOnly yes`")
            && edit.summary.contains("moves line 13"),
        "{}",
        edit.summary
    );
}

#[test]
fn own_block_saying_identities_only_no_is_set_to_yes_and_the_key_added() {
    let env = Env::new();
    let original =
        "Host web\r\n  IdentitiesOnly no\r\n  IdentityFile ~/.ssh/a\r\nHost db\r\n  User x";
    let key = env.key("accepted");
    let edit =
        identities_only(original.as_bytes(), &env.config(), &env.input("web"), &key).unwrap();
    let text = String::from_utf8(edit.new_bytes.clone()).unwrap();
    assert_eq!(
        text,
        "Host web\r\n  IdentitiesOnly yes\r\n  IdentityFile ~/.ssh/accepted\r\n  IdentityFile ~/.ssh/a\r\nHost db\r\n  User x"
    );
    assert_eq!(env.identity_files(&edit.new_bytes, "web")[0], key);
    assert_eq!(env.identities_only(&edit.new_bytes, "web"), "yes");
    // A block shared with another host is not edited: a new block is added instead.
    let shared = "Host web db\n  IdentityFile ~/.ssh/a\n";
    let edit = identities_only(shared.as_bytes(), &env.config(), &env.input("web"), &key).unwrap();
    let text = String::from_utf8(edit.new_bytes).unwrap();
    assert!(text.starts_with(IDENTITIES_ONLY_COMMENT), "{text}");
    assert!(text.ends_with(shared), "{text}");
}

#[test]
fn seven_keys_incident_host_star_first() {
    let env = Env::new();
    let original = format!(
        "Host *\n\tIdentitiesOnly no\n\tIdentityFile ~/.ssh/id_default\n\n{}",
        seven_keys_block().replace("    ", "\t")
    );
    let key7 = env.key("key7");
    let edit =
        identities_only(original.as_bytes(), &env.config(), &env.input("web"), &key7).unwrap();
    let files = env.identity_files(&edit.new_bytes, "web");
    assert_eq!(files[0], key7);
    assert_eq!(files[1], env.key("id_default"));
    assert_eq!(env.identities_only(&edit.new_bytes, "web"), "yes");
    // Indentation follows the file (tabs); block inserted at the very start.
    let inserted = [
        IDENTITIES_ONLY_COMMENT,
        "Host web",
        "\tIdentitiesOnly yes",
        "\tIdentityFile ~/.ssh/key7",
        "",
    ];
    assert_eq!(
        without_lines(&edit.new_bytes, &inserted),
        original.as_bytes()
    );
    assert!(edit
        .new_bytes
        .starts_with(IDENTITIES_ONLY_COMMENT.as_bytes()));
}

#[test]
fn global_identity_lines_force_top_and_host_star() {
    let env = Env::new();
    let original = "# header\nIdentitiesOnly no\nIdentityFile ~/.ssh/global\nUser bob\nHost web\n  IdentityFile ~/.ssh/a\n";
    let key = env.key("accepted");
    let edit =
        identities_only(original.as_bytes(), &env.config(), &env.input("web"), &key).unwrap();
    let text = String::from_utf8(edit.new_bytes.clone()).unwrap();
    assert!(text.starts_with(IDENTITIES_ONLY_COMMENT), "{text}");
    assert_eq!(env.identity_files(&edit.new_bytes, "web")[0], key);
    assert_eq!(env.identities_only(&edit.new_bytes, "web"), "yes");
    // The former global lines still apply to other hosts.
    let other = env.resolve(&edit.new_bytes, "other");
    assert_eq!(other.user().value, "bob");
    assert_eq!(other.get("identitiesonly").unwrap().value, "no");
    assert_eq!(
        env.identity_files(&edit.new_bytes, "other"),
        vec![env.key("global")]
    );
    let inserted = [
        IDENTITIES_ONLY_COMMENT,
        "Host web",
        "  IdentitiesOnly yes",
        "  IdentityFile ~/.ssh/accepted",
        RESTORE_COMMENT,
        "Host *",
    ];
    assert_eq!(
        without_lines(&edit.new_bytes, &inserted),
        original.as_bytes()
    );
    assert!(
        edit.summary.contains("line 2 sets IdentitiesOnly"),
        "{}",
        edit.summary
    );
}

#[test]
fn crlf_file_keeps_crlf() {
    let env = Env::new();
    let original = "Host *\r\n  IdentitiesOnly no\r\nHost web\r\n  IdentityFile ~/.ssh/a\r\n";
    let key = env.key("b");
    let edit =
        identities_only(original.as_bytes(), &env.config(), &env.input("web"), &key).unwrap();
    let text = String::from_utf8(edit.new_bytes.clone()).unwrap();
    assert_eq!(text.matches('\n').count(), text.matches("\r\n").count());
    assert!(text.ends_with("~/.ssh/a\r\n"));
    assert_eq!(env.identity_files(&edit.new_bytes, "web")[0], key);
    let inserted = [
        IDENTITIES_ONLY_COMMENT,
        "Host web",
        "  IdentitiesOnly yes",
        "  IdentityFile ~/.ssh/b",
        "",
    ];
    assert_eq!(
        without_lines(&edit.new_bytes, &inserted),
        original.as_bytes()
    );
}

#[test]
fn only_global_lines_without_final_newline() {
    let env = Env::new();
    let original = "ServerAliveInterval 10\r\nUser bob";
    let key = env.key("k");
    let edit =
        identities_only(original.as_bytes(), &env.config(), &env.input("web"), &key).unwrap();
    let text = String::from_utf8(edit.new_bytes.clone()).unwrap();
    assert_eq!(
        text,
        format!(
            "ServerAliveInterval 10\r\nUser bob\r\n\r\n{IDENTITIES_ONLY_COMMENT}\r\nHost web\r\n    IdentitiesOnly yes\r\n    IdentityFile ~/.ssh/k"
        )
    );
    assert_eq!(env.identity_files(&edit.new_bytes, "web"), vec![key]);
    assert_eq!(env.resolve(&edit.new_bytes, "web").user().value, "bob");
}

#[test]
fn missing_final_newline_before_blocks() {
    let env = Env::new();
    let original = "Host *\n  IdentitiesOnly no";
    let key = env.key("k");
    let edit =
        identities_only(original.as_bytes(), &env.config(), &env.input("web"), &key).unwrap();
    assert!(edit.new_bytes.ends_with(b"Host *\n  IdentitiesOnly no"));
    assert_eq!(env.identities_only(&edit.new_bytes, "web"), "yes");
}

#[test]
fn empty_or_missing_file_gets_created_content() {
    let env = Env::new();
    let key = env.key("id_ed25519_work");
    // The file does not exist: bytes are empty.
    assert!(!env.config().exists());
    let edit = identities_only(b"", &env.config(), &env.input("web"), &key).unwrap();
    assert_eq!(
        String::from_utf8(edit.new_bytes.clone()).unwrap(),
        format!(
            "{IDENTITIES_ONLY_COMMENT}\nHost web\n    IdentitiesOnly yes\n    IdentityFile ~/.ssh/id_ed25519_work\n"
        )
    );
    assert!(!env.config().exists(), "planning writes nothing");
    assert_eq!(env.identity_files(&edit.new_bytes, "web"), vec![key]);
}

#[test]
fn already_satisfied_is_unchanged() {
    let env = Env::new();
    let original = "Host web\n  IdentitiesOnly yes\n  IdentityFile ~/.ssh/k\n";
    let edit = identities_only(
        original.as_bytes(),
        &env.config(),
        &env.input("web"),
        Path::new("~/.ssh/k"),
    )
    .unwrap();
    assert_eq!(edit.new_bytes, original.as_bytes());
    assert!(edit.summary.starts_with("Nothing to change"));
}

#[test]
fn key_with_space_and_percent_is_quoted_and_escaped() {
    let env = Env::new();
    let key = env.key("my key%1");
    let edit = identities_only(
        b"Host *\n  User x\n",
        &env.config(),
        &env.input("web"),
        &key,
    )
    .unwrap();
    let text = String::from_utf8(edit.new_bytes.clone()).unwrap();
    assert!(text.contains("IdentityFile \"~/.ssh/my key%%1\""), "{text}");
    assert_eq!(env.identity_files(&edit.new_bytes, "web")[0], key);
}

#[test]
fn identities_only_failures() {
    let env = Env::new();
    let key = env.key("k");
    // The command line wins over any config file.
    let mut input = env.input("web");
    input.options = vec![("IdentityFile".into(), "~/.ssh/other".into())];
    let err = identities_only(b"", &env.config(), &input, &key).unwrap_err();
    assert!(err.contains("the command line"), "{err}");
    // Not the user config file.
    let err =
        identities_only(b"", &env.home().join("x.conf"), &env.input("web"), &key).unwrap_err();
    assert!(err.contains("not the user config"), "{err}");
    // -F none.
    let mut none = env.input("web");
    none.user_config = Some(PathBuf::from("none"));
    assert!(identities_only(b"", Path::new("none"), &none, &key).is_err());
    // A host that cannot be written as an exact Host pattern.
    assert!(identities_only(b"", &env.config(), &env.input("we*b"), &key).is_err());
    // A relative key.
    assert!(identities_only(b"", &env.config(), &env.input("web"), Path::new("k")).is_err());
}

#[test]
fn user_config_given_with_dash_f() {
    let env = Env::new();
    let file = env.home().join("custom.conf");
    let mut input = env.input("web");
    input.user_config = Some(file.clone());
    let key = env.key("k");
    let edit =
        identities_only(b"Host web\n  IdentityFile ~/.ssh/a\n", &file, &input, &key).unwrap();
    std::fs::write(&file, &edit.new_bytes).unwrap();
    let r = config::resolve(&input);
    assert_eq!(PathBuf::from(&r.get_all("identityfile")[0].value), key);
}

fn stale_setup(line: &str) -> (Env, String) {
    let env = Env::new();
    let original = format!("# keys\nHost web\n    User deploy\n{line}\n    IdentityFile ~/.ssh/other\nHost *\n  ServerAliveInterval 5\n");
    (env, original)
}

fn replace_line(original: &str, line_no: usize, new: &str) -> String {
    original
        .split_inclusive('\n')
        .enumerate()
        .map(|(i, l)| {
            if i + 1 == line_no {
                format!("{new}\n")
            } else {
                l.to_string()
            }
        })
        .collect()
}

#[test]
fn identity_path_with_equals() {
    let (env, original) = stale_setup("    IdentityFile=~/old/key");
    let edit = identity_path(
        original.as_bytes(),
        &env.config(),
        &env.input("web"),
        &env.home().join("old/key"),
        4,
        &env.key("id_ed25519"),
    )
    .unwrap();
    assert_eq!(
        String::from_utf8(edit.new_bytes.clone()).unwrap(),
        replace_line(&original, 4, "    IdentityFile=~/.ssh/id_ed25519")
    );
    assert_eq!(
        env.identity_files(&edit.new_bytes, "web"),
        vec![env.key("id_ed25519"), env.key("other")]
    );
    assert!(
        edit.summary.contains("IdentityFile=~/.ssh/id_ed25519"),
        "{}",
        edit.summary
    );
}

#[test]
fn identity_path_quoted_tabs_and_comment() {
    let (env, original) = stale_setup("\tidentityfile \t \"/srv/old keys/id_rsa\"   # old laptop");
    let edit = identity_path(
        original.as_bytes(),
        &env.config(),
        &env.input("web"),
        Path::new("/srv/old keys/id_rsa"),
        4,
        &env.key("new key"),
    )
    .unwrap();
    assert_eq!(
        String::from_utf8(edit.new_bytes.clone()).unwrap(),
        replace_line(
            &original,
            4,
            "\tidentityfile \t \"~/.ssh/new key\"   # old laptop"
        )
    );
    assert_eq!(
        env.identity_files(&edit.new_bytes, "web")[0],
        env.key("new key")
    );

    // Single quotes stay single quotes; a path outside home stays absolute.
    let (env, original) = stale_setup("  IdentityFile '~/.ssh/gone'");
    let edit = identity_path(
        original.as_bytes(),
        &env.config(),
        &env.input("web"),
        &env.key("gone"),
        4,
        Path::new("/opt/keys/id"),
    )
    .unwrap();
    assert_eq!(
        String::from_utf8(edit.new_bytes).unwrap(),
        replace_line(&original, 4, "  IdentityFile '/opt/keys/id'")
    );
}

#[test]
fn identity_path_crlf_and_no_final_newline() {
    let env = Env::new();
    let original = "Host web\r\n  IdentityFile ~/.ssh/old";
    let edit = identity_path(
        original.as_bytes(),
        &env.config(),
        &env.input("web"),
        &env.key("old"),
        2,
        &env.key("new"),
    )
    .unwrap();
    assert_eq!(edit.new_bytes, b"Host web\r\n  IdentityFile ~/.ssh/new");
    let original = "Host web\r\n  IdentityFile ~/.ssh/old\r\n  User x\r\n";
    let edit = identity_path(
        original.as_bytes(),
        &env.config(),
        &env.input("web"),
        &env.key("old"),
        2,
        &env.key("new"),
    )
    .unwrap();
    assert_eq!(
        edit.new_bytes,
        b"Host web\r\n  IdentityFile ~/.ssh/new\r\n  User x\r\n"
    );
}

#[test]
fn identity_path_failures() {
    let (env, original) = stale_setup("    IdentityFile ~/old/key");
    let input = env.input("web");
    let stale = env.home().join("old/key");
    let new = env.key("new");
    let cfg = env.config();
    let plan = |line: usize, stale: &Path, new: &Path, input: &ConfigInput| {
        identity_path(original.as_bytes(), &cfg, input, stale, line, new)
    };
    // Out of range, not an IdentityFile line, comment line.
    assert!(plan(0, &stale, &new, &input).is_err());
    assert!(plan(99, &stale, &new, &input).is_err());
    assert!(plan(3, &stale, &new, &input)
        .unwrap_err()
        .contains("not an IdentityFile"));
    assert!(plan(1, &stale, &new, &input).is_err());
    // The line does not apply to this host.
    let err = plan(4, &stale, &new, &env.input("db")).unwrap_err();
    assert!(err.contains("does not supply"), "{err}");
    // The line names another key.
    let err = plan(4, &env.key("zzz"), &new, &input).unwrap_err();
    assert!(err.contains("names ~/old/key"), "{err}");
    // The replacement is already listed earlier: it would not take the stale key's place.
    let (env2, original2) = stale_setup("    IdentityFile ~/old/key");
    let earlier = original2.replace("    User deploy\n", "    IdentityFile ~/.ssh/new\n");
    let err = identity_path(
        earlier.as_bytes(),
        &env2.config(),
        &env2.input("web"),
        &env2.home().join("old/key"),
        4,
        &env2.key("new"),
    )
    .unwrap_err();
    assert!(err.contains("would not put"), "{err}");
    // Unbalanced quotes.
    let bad = "Host web\n  IdentityFile \"~/.ssh/x\n";
    assert!(identity_path(
        bad.as_bytes(),
        &env.config(),
        &input,
        &env.key("x"),
        2,
        &new
    )
    .is_err());
    // Not the user config.
    assert!(identity_path(
        original.as_bytes(),
        &env.home().join(".ssh/config.d/web"),
        &input,
        &stale,
        4,
        &new
    )
    .is_err());
}

#[test]
fn shown_path_uses_tilde() {
    let home = Path::new("/home/u");
    assert_eq!(shown_path(Path::new("/home/u/.ssh/k"), home), "~/.ssh/k");
    assert_eq!(shown_path(Path::new("/home/u"), home), "~");
    assert_eq!(
        shown_path(Path::new("/home/user2/k"), home),
        "/home/user2/k"
    );
    assert_eq!(shown_path(Path::new("/etc/k"), Path::new("/")), "/etc/k");
}
