//! Secrets typed in the console leave no copy in the process: a refused password and an
//! accepted one, each looked for in the whole memory of the running sshdoctor (/proc/PID/mem)
//! two seconds after the attempt. Needs root (or ptrace rights) and the test account.

mod common;

use std::io::{Read, Seek, SeekFrom};
use std::time::Duration;

use common::sshd::{KeyKind, Sshd};
use common::tmux::Tmux;
use common::user::{test_user, NAME};
use common::{Home, BIN};

/// The sshdoctor process under the tmux pane's shell.
fn sshdoctor_pid(tmux: &Tmux) -> u32 {
    let shell: u32 = tmux
        .tmux(&["display-message", "-p", "-t", "t", "#{pane_pid}"])
        .trim()
        .parse()
        .expect("pane pid");
    for entry in std::fs::read_dir("/proc").expect("read /proc").flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // pid (comm) state ppid ...
        let Some(after) = stat.rsplit_once(") ") else {
            continue;
        };
        let ppid: u32 = after
            .1
            .split(' ')
            .nth(1)
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        if ppid == shell && stat.contains("(sshdoctor)") {
            return pid;
        }
    }
    panic!("no sshdoctor process under the pane's shell {shell}");
}

/// How many times `needle` occurs in the process's readable memory.
fn copies_in_memory(pid: u32, needle: &[u8]) -> usize {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).expect("read maps");
    let mut mem =
        std::fs::File::open(format!("/proc/{pid}/mem")).expect("open /proc/PID/mem (root needed)");
    let mut found = 0;
    for line in maps.lines() {
        let mut fields = line.split_whitespace();
        let (Some(range), Some(perms)) = (fields.next(), fields.next()) else {
            continue;
        };
        let path = fields.nth(3).unwrap_or("");
        if !perms.starts_with('r') || path.starts_with("[v") {
            continue;
        }
        let (start, end) = range.split_once('-').expect("range");
        let start = u64::from_str_radix(start, 16).unwrap();
        let end = u64::from_str_radix(end, 16).unwrap();
        let mut buf = vec![0u8; (end - start) as usize];
        if mem.seek(SeekFrom::Start(start)).is_err() || mem.read_exact(&mut buf).is_err() {
            continue;
        }
        found += buf.windows(needle.len()).filter(|w| *w == needle).count();
    }
    found
}

/// Type like a person: one key at a time.
fn type_slowly(tmux: &Tmux, text: &str) {
    for c in text.chars() {
        tmux.tmux(&["send-keys", "-t", "t", "-l", &c.to_string()]);
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn no_copy_of_a_refused_or_accepted_password_stays_in_memory() {
    let Some(u) = test_user() else { return };
    if !rustix::process::geteuid().is_root() {
        eprintln!("skipped: reading another process's memory needs root");
        return;
    }
    let sshd = Sshd::builder()
        .host_keys(&[KeyKind::Ed25519])
        .extra_config(&u.sshd_config())
        .start();
    let home = Home::new();
    let kh = home.ssh_dir().join("known_hosts_secrets");
    std::fs::write(
        &kh,
        format!("{}\n", sshd.known_hosts_line(KeyKind::Ed25519)),
    )
    .unwrap();
    home.write_config(&format!(
        "Host target\n    HostName 127.0.0.1\n    Port {}\n    User {NAME}\n    UserKnownHostsFile {}\n    GlobalKnownHostsFile /dev/null\n    IdentityAgent none\n    IdentityFile {}/.ssh/id_none\n",
        sshd.port(),
        kh.display(),
        home.path().display()
    ));
    let command = format!(
        "env HOME={} LANG=C.UTF-8 {BIN} -F {} target; echo SSHDOCTOR-EXIT=$?; sleep 60",
        home.path().display(),
        home.config_path().display()
    );
    let tmux = Tmux::start("secrets", &command);
    let prompt = format!("{NAME}@127.0.0.1's password");
    tmux.wait_for("the password prompt", |s| s.contains(&prompt));
    let pid = sshdoctor_pid(&tmux);

    // A refused password: the prompt comes again, and no copy of it is left.
    let wrong = format!("Wr0ng-{}-{}", std::process::id(), pid);
    type_slowly(&tmux, &wrong);
    tmux.keys(&["Enter"]);
    tmux.wait_for("the refusal", |s| s.contains("Permission denied"));
    tmux.wait_for("the prompt again", |s| s.contains(&prompt));
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        copies_in_memory(pid, wrong.as_bytes()),
        0,
        "a copy of the refused password is still in sshdoctor's memory"
    );

    // The accepted one.
    type_slowly(&tmux, &u.password);
    tmux.keys(&["Enter"]);
    tmux.wait_for("the login", |s| s.contains("The login works"));
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        copies_in_memory(pid, u.password.as_bytes()),
        0,
        "a copy of the accepted password is still in sshdoctor's memory"
    );
    tmux.keys(&["q"]);
}

/// A person is not a dead connection: a password typed long after `--timeout` still logs in,
/// and nothing in the console speaks of "report mode".
#[test]
fn a_password_typed_slower_than_the_timeout_still_logs_in() {
    let Some(u) = test_user() else { return };
    let sshd = Sshd::builder()
        .host_keys(&[KeyKind::Ed25519])
        .extra_config(&u.sshd_config())
        .start();
    let home = Home::new();
    let kh = home.ssh_dir().join("known_hosts_slow");
    std::fs::write(
        &kh,
        format!("{}\n", sshd.known_hosts_line(KeyKind::Ed25519)),
    )
    .unwrap();
    home.write_config(&format!(
        "Host target\n    HostName 127.0.0.1\n    Port {}\n    User {NAME}\n    UserKnownHostsFile {}\n    GlobalKnownHostsFile /dev/null\n    IdentityAgent none\n",
        sshd.port(),
        kh.display(),
    ));
    let command = format!(
        "env HOME={} LANG=C.UTF-8 {BIN} -F {} --timeout 1 target; echo SSHDOCTOR-EXIT=$?; sleep 60",
        home.path().display(),
        home.config_path().display()
    );
    let tmux = Tmux::start("slowtyping", &command);
    let prompt = format!("{NAME}@127.0.0.1's password");
    tmux.wait_for("the password prompt", |s| s.contains(&prompt));
    std::thread::sleep(Duration::from_secs(3));
    type_slowly(&tmux, &u.password);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the verdict", |s| {
        s.contains("The login works") || s.contains("would fail")
    });
    assert!(screen.contains("The login works"), "{screen}");
    assert!(!screen.contains("report mode"), "{screen}");
    tmux.keys(&["q"]);
}
