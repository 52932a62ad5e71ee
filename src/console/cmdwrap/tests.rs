//! The rows of a wrapped command, pasted as a terminal pastes them (a newline between rows),
//! must parse (`bash -n`) and make bash run the very same words as the command on one line.

use super::*;
use std::path::Path;
use std::process::Command;

/// `command` without its `# comment`, as one line (for `--record` and the like).
pub fn without_comment(command: &str) -> String {
    shown(command, usize::MAX / 4, 0)
        .rows
        .concat()
        .trim_end()
        .to_string()
}

const KEY: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIFSod2qGxYM4T/ZbDUm9HbZjQ3rmcQOYx4nIUsWVh6sx";

/// Commands of the shapes the console and the onboarding show (redirections into the test's
/// own directory: every command itself is only printed, see [`run`]).
fn commands() -> Vec<String> {
    vec![
        format!("echo '[127.0.0.1]:24101 ssh-ed25519 {KEY}' >> known_hosts"),
        format!("echo '[127.0.0.1]:24101 ssh-ed25519 {KEY}' >> known_hosts && ssh-keygen -H -f known_hosts"),
        "ssh-keygen -t ed25519 -f ~/.ssh/id_ed25519 -C root@vm  # asks for a passphrase (Enter for none)".into(),
        "ssh-keygen -R '[127.0.0.1]:24101' -f /root/.ssh/known_hosts".into(),
        "ssh -o IdentitiesOnly=yes -i /root/.ssh/deploy_k7 root@deploy  # once; the change above makes it permanent".into(),
        "echo 'it costs $5! really: a long sentence that has to break somewhere inside' > out1".into(),
        "echo 'it'\\''s a very long string that has to be broken somewhere in its middle' > out2".into(),
        "chmod go-w /home/sshdoctor-test/.ssh/a/very/long/path/that/does/not/fit/anywhere/at/all".into(),
        "eval \"$(ssh-agent -s)\" && ssh-add ~/.ssh/id_ed25519".into(),
        "${EDITOR:-vi} ~/.ssh/config".into(),
        format!("mkdir -p ~/.ssh && chmod 700 ~/.ssh && echo 'ssh-ed25519 {KEY} alice@laptop' >> authorized_keys && chmod 600 authorized_keys"),
        "echo \"a \\\"quoted\\\" word, a \\$dollar and more text to make it long enough\" > out3".into(),
        format!("ssh-copy-id -i ~/.ssh/id_ed25519.pub -p 24106 sshdoctor-test@127.0.0.1 && echo {KEY}{KEY} > out4"),
    ]
}

/// What bash does with `text`: every command only prints its words (no PATH; `echo` too),
/// redirections write into `dir`; returns whether it parsed, what was printed, and the files.
fn run(text: &str, dir: &Path) -> (bool, String) {
    for e in std::fs::read_dir(dir).unwrap() {
        std::fs::remove_file(e.unwrap().path()).unwrap();
    }
    let script = r#"cd "$DIR" || exit 9
PATH=/nonexistent
command_not_found_handle() { printf '[%s]' "$@"; printf '\n'; }
echo() { command_not_found_handle echo "$@"; }
eval "$TEXT""#;
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", script])
        .env("DIR", dir)
        .env("TEXT", text)
        .env("HOME", "/home/test")
        .env_remove("EDITOR")
        .output()
        .expect("bash");
    let mut seen = String::from_utf8_lossy(&out.stdout).into_owned();
    seen.push_str(&String::from_utf8_lossy(&out.stderr));
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in files {
        seen.push_str(&format!(
            "\n{}: {}",
            f.display(),
            std::fs::read_to_string(&f).unwrap()
        ));
    }
    (out.status.success(), seen)
}

fn parses(text: &str) -> bool {
    Command::new("bash")
        .args(["-n", "-c", text])
        .status()
        .expect("bash")
        .success()
}

#[test]
fn pasted_rows_run_the_same_words_at_every_width() {
    let dir = tempfile::tempdir().unwrap();
    for command in commands() {
        let one_line = without_comment(&command);
        assert!(!one_line.contains('#'), "{one_line}");
        let (ok, expected) = run(&one_line, dir.path());
        assert!(ok, "{one_line}: {expected}");
        for width in [16, 20, 24, 30, 40, 57, 60, 78, 80] {
            for indent in [0, 2, 3] {
                let s = shown(&command, width, indent);
                for row in &s.rows {
                    assert!(cells(row) <= width, "{width}: {row:?} in {:#?}", s.rows);
                    assert!(!row.starts_with("$ "), "{row}");
                }
                let pasted = s.rows.join("\n");
                assert!(parses(&pasted), "bash -n refuses:\n{pasted}");
                let (ok, got) = run(&pasted, dir.path());
                assert!(
                    ok && got == expected,
                    "at {width}:\n{pasted}\n---\n{got}\n---\n{expected}"
                );
            }
        }
    }
}

#[test]
fn a_comment_becomes_a_note_and_a_long_quoted_key_breaks_inside_double_quotes() {
    let s = shown(
        "ssh-keygen -t ed25519 -f ~/.ssh/id_ed25519 -C root@vm  # asks for a passphrase (Enter for none)",
        80,
        2,
    );
    assert_eq!(
        s.rows,
        ["  ssh-keygen -t ed25519 -f ~/.ssh/id_ed25519 -C root@vm"]
    );
    assert_eq!(
        s.note.as_deref(),
        Some("asks for a passphrase (Enter for none)")
    );
    let s = shown(&commands()[0], 40, 2);
    assert_eq!(
        s.rows,
        [
            "  echo \"[127.0.0.1]:24101 ssh-ed25519 \\",
            "AAAAC3NzaC1lZDI1NTE5AAAAIFSod2qGxYM4T/Z\\",
            "bDUm9HbZjQ3rmcQOYx4nIUsWVh6sx\" >> \\",
            "    known_hosts",
        ]
    );
    // Words that fit move to the next row whole.
    let s = shown(
        "ssh-keygen -R '[127.0.0.1]:24101' -f /root/.ssh/known_hosts",
        40,
        2,
    );
    assert_eq!(
        s.rows,
        [
            "  ssh-keygen -R '[127.0.0.1]:24101' -f \\",
            "    /root/.ssh/known_hosts"
        ]
    );
}
