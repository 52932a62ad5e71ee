//! Tests of the remembered `ssh -V` answer against a copy of the installed ssh in a temporary directory.

use super::*;
use std::fs;
use std::os::unix::fs::PermissionsExt;

/// A private bin directory with a copy of the installed ssh, and a cache directory.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    /// None (the test is skipped) when no ssh is installed.
    fn new() -> Option<Fixture> {
        let Resolved::Absolute(real) = resolve(std::env::var_os("PATH").as_deref()) else {
            eprintln!("note: no ssh on PATH; skipping");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("bin")).unwrap();
        copy_executable(&real, &dir.path().join("bin/ssh"));
        Some(Fixture { dir })
    }

    fn env(&self) -> Env {
        Env {
            path: Some(self.dir.path().join("bin").into_os_string()),
            cache_dir: Some(self.dir.path().join("cache")),
        }
    }

    fn ssh(&self) -> PathBuf {
        self.dir.path().join("bin/ssh")
    }

    fn cache_file(&self) -> PathBuf {
        self.dir.path().join("cache/openssh-version")
    }

    /// Looks the client up as a run would at `now`; whether ssh was started, and the answer.
    fn lookup(&self, now: SystemTime) -> (bool, Installed) {
        let client = InstalledClient::start_with(&self.env(), now);
        let ran = matches!(client.state, State::Running(_));
        (ran, client.finish())
    }
}

/// Copy an executable and wait until it can be run: a process forked by another test thread
/// while the copy was open for writing holds it open until it execs, and running the copy
/// meanwhile fails with ETXTBSY ("Text file busy").
fn copy_executable(from: &std::path::Path, to: &std::path::Path) {
    fs::copy(from, to).unwrap();
    for _ in 0..200 {
        match Command::new(to).arg("-V").output() {
            Err(e) if e.raw_os_error() == Some(26) => std::thread::sleep(Duration::from_millis(10)),
            _ => return,
        }
    }
    panic!("{} stayed busy", to.display());
}

fn later() -> SystemTime {
    SystemTime::now() + Duration::from_secs(60)
}

#[test]
fn the_answer_is_remembered_for_exactly_that_binary() {
    let Some(fx) = Fixture::new() else { return };
    let (ran, first) = fx.lookup(later());
    assert!(ran, "nothing remembered yet: ssh -V runs");
    let (text, version) = first.clone().expect("the installed ssh is OpenSSH");
    assert!(
        text.starts_with("OpenSSH_") && !text.contains(", "),
        "{text}"
    );
    let real = Command::new(fx.ssh()).arg("-V").output().unwrap();
    let banner = String::from_utf8_lossy(&real.stderr).into_owned();
    assert!(banner.starts_with(&text), "{banner:?} vs {text:?}");
    assert_eq!(parse_ssh_version(&banner), Some(version));

    // Asked again: the cache answers, without starting ssh.
    assert_eq!(fx.lookup(later()), (false, first.clone()));

    // The cache is what answers: an answer planted for this very binary is believed.
    let stored = fs::read_to_string(fx.cache_file()).unwrap();
    let planted = stored.replace(&text, "OpenSSH_7.4p1 Planted");
    fs::write(fx.cache_file(), &planted).unwrap();
    let (ran, answer) = fx.lookup(later());
    assert!(!ran);
    assert_eq!(
        answer,
        Some(("OpenSSH_7.4p1 Planted".into(), OpenSshVersion::new(7, 4)))
    );

    // Written to (new mtime and ctime): ssh -V runs again. The binary changed under two
    // seconds ago, so the answer is not remembered yet: the planted file stays.
    let f = fs::OpenOptions::new().write(true).open(fx.ssh()).unwrap();
    f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000))
        .unwrap();
    drop(f);
    assert_eq!(fx.lookup(SystemTime::now()), (true, first.clone()));
    assert_eq!(fs::read_to_string(fx.cache_file()).unwrap(), planted);

    // Replaced by a copy (a new inode, as a package upgrade renames one into place).
    let copy = fx.dir.path().join("bin/ssh.new");
    copy_executable(&fx.ssh(), &copy);
    fs::rename(&copy, fx.ssh()).unwrap();
    assert_eq!(fx.lookup(later()), (true, first.clone()));
    assert_eq!(fx.lookup(later()), (false, first));
}

#[test]
fn a_damaged_cache_is_asked_again_and_rewritten() {
    let Some(fx) = Fixture::new() else { return };
    fs::create_dir(fx.dir.path().join("cache")).unwrap();
    for junk in [
        String::new(),
        "garbage\n".into(),
        format!("{MAGIC}\n/elsewhere/ssh\n1 2 3 4.000000000 5.000000000\nOpenSSH_7.4\n"),
        "x".repeat(10_000),
    ] {
        fs::write(fx.cache_file(), &junk).unwrap();
        let (ran, answer) = fx.lookup(later());
        assert!(ran && answer.is_some(), "{junk:?}");
        assert!(fs::read_to_string(fx.cache_file())
            .unwrap()
            .starts_with(MAGIC));
        assert!(!fx.lookup(later()).0);
    }
    // A directory where the file should be: answered, nothing remembered, no error.
    fs::remove_file(fx.cache_file()).unwrap();
    fs::create_dir(fx.cache_file()).unwrap();
    let (ran, answer) = fx.lookup(later());
    assert!(ran && answer.is_some());
    assert!(fx.lookup(later()).0);
}

#[test]
fn a_script_is_asked_every_time() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    fs::create_dir(&bin).unwrap();
    let ssh = bin.join("ssh");
    fs::write(
        &ssh,
        "#!/bin/sh\necho 'OpenSSH_8.9p1 Ubuntu-3ubuntu0.10, OpenSSL 3.0.2 15 Mar 2022' >&2\n",
    )
    .unwrap();
    fs::set_permissions(&ssh, fs::Permissions::from_mode(0o755)).unwrap();
    let env = Env {
        path: Some(bin.into_os_string()),
        cache_dir: Some(dir.path().join("cache")),
    };
    let want = Some((
        "OpenSSH_8.9p1 Ubuntu-3ubuntu0.10".to_string(),
        OpenSshVersion::new(8, 9),
    ));
    for _ in 0..2 {
        let client = InstalledClient::start_with(&env, later());
        assert!(matches!(client.state, State::Running(_)));
        assert_eq!(client.finish(), want);
    }
    assert!(!dir.path().join("cache/openssh-version").exists());
}

#[test]
fn resolves_as_execvp_does() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for d in [&a, &b] {
        fs::create_dir(d).unwrap();
        fs::write(d.join("ssh"), "#!/bin/sh\n").unwrap();
    }
    // Not executable in a: b's is the one.
    fs::set_permissions(a.join("ssh"), fs::Permissions::from_mode(0o644)).unwrap();
    fs::set_permissions(b.join("ssh"), fs::Permissions::from_mode(0o755)).unwrap();
    let path = std::env::join_paths([&a, &b]).unwrap();
    assert!(matches!(resolve(Some(&path)), Resolved::Absolute(p) if p == b.join("ssh")));
    fs::set_permissions(a.join("ssh"), fs::Permissions::from_mode(0o755)).unwrap();
    assert!(matches!(resolve(Some(&path)), Resolved::Absolute(p) if p == a.join("ssh")));
    assert!(matches!(resolve(None), Resolved::Other));
    assert!(matches!(resolve(Some(OsStr::new(""))), Resolved::Other));
    let nowhere = dir.path().join("none").into_os_string();
    assert!(matches!(resolve(Some(&nowhere)), Resolved::Other));
}

#[test]
fn release_lines() {
    let cases = [
        (
            "OpenSSH_9.2p1 Debian-2+deb12u6, OpenSSL 3.0.19 27 Jan 2026\n",
            Some(("OpenSSH_9.2p1 Debian-2+deb12u6", (9, 2))),
        ),
        (
            "OpenSSH_for_Windows_9.5p1, LibreSSL 3.8.2",
            Some(("OpenSSH_for_Windows_9.5p1", (9, 5))),
        ),
        ("\n  OpenSSH_10.0p2\n", Some(("OpenSSH_10.0p2", (10, 0)))),
        ("dropbear v2022.83\n", None),
        ("", None),
    ];
    for (output, want) in cases {
        let want = want.map(|(t, (a, b))| (t.to_string(), OpenSshVersion::new(a, b)));
        assert_eq!(release_line(output), want, "{output:?}");
    }
}
