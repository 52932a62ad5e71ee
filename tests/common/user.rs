//! The dedicated unprivileged test account `.ci/run` creates (random password, own home): the
//! only account these tests touch. Tests take it one at a time (a lock) and reset its `~/.ssh`
//! and home modes first.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The account's name (fixed in `.ci/run`).
pub const NAME: &str = "sshdoctor-test";
/// Where `.ci/run` leaves its password (root only).
pub const PASSWORD_FILE: &str = "/run/sshdoctor-test/password";
/// A root-owned directory outside the account's home for a second AuthorizedKeysFile, so a
/// login still works while StrictModes refuses the files under the home.
pub const OUTSIDE_KEYS_DIR: &str = "/run/sshdoctor-test-keys";

static LOCK: Mutex<()> = Mutex::new(());

/// The test account, held exclusively while this value lives.
pub struct TestUser {
    pub uid: u32,
    pub gid: u32,
    pub home: PathBuf,
    pub password: String,
    _guard: MutexGuard<'static, ()>,
    _file_lock: fs::File,
}

/// The account, or `None` (with a note on stderr) where it does not exist; where `.ci/run`
/// prepared it (`SSHDOCTOR_TEST_USER_REQUIRED=1`) a missing account fails the test instead.
pub fn test_user() -> Option<TestUser> {
    let required = std::env::var_os("SSHDOCTOR_TEST_USER_REQUIRED").is_some_and(|v| v == "1");
    let fail = |why: String| -> Option<TestUser> {
        assert!(!required, "the test account is required here but {why}");
        eprintln!("skipped: {why} (run .ci/run as root to create the test account)");
        None
    };
    let password = match fs::read_to_string(PASSWORD_FILE) {
        Ok(p) => p.trim().to_string(),
        Err(e) => return fail(format!("{PASSWORD_FILE} cannot be read: {e}")),
    };
    let Some((uid, gid, home)) = passwd_entry(NAME) else {
        return fail(format!("there is no account {NAME}"));
    };
    let guard = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    // Other test binaries (another process) may use it too.
    let lock_path = Path::new("/run/sshdoctor-test/lock");
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path)
        .expect("open the test account's lock file");
    rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive).expect("lock");
    let user = TestUser {
        uid,
        gid,
        home,
        password,
        _guard: guard,
        _file_lock: file,
    };
    user.reset();
    Some(user)
}

/// Whether `/proc/self/mountinfo` lists `dir` as a mount point.
fn home_is_a_mount_point(dir: &Path) -> bool {
    let Ok(info) = fs::read_to_string("/proc/self/mountinfo") else {
        return false;
    };
    let dir = dir.display().to_string();
    info.lines().any(|l| {
        l.split(' ')
            .nth(4)
            .is_some_and(|mount_point| mount_point == dir)
    })
}

fn passwd_entry(name: &str) -> Option<(u32, u32, PathBuf)> {
    let text = fs::read_to_string("/etc/passwd").ok()?;
    text.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() >= 7 && f[0] == name).then(|| {
            (
                f[2].parse().unwrap_or(0),
                f[3].parse().unwrap_or(0),
                PathBuf::from(f[5]),
            )
        })
    })
}

impl TestUser {
    /// `~/.ssh` removed, the home 0755 and owned by the account, no outside key file.
    pub fn reset(&self) {
        assert!(
            self.home.starts_with("/home/"),
            "unexpected test home {}",
            self.home.display()
        );
        // A tmpfs left over the home by a test that was killed (the full-disk test mounts one
        // and unmounts it on drop): this holder of the lock is the only user, so it can go.
        if home_is_a_mount_point(&self.home) {
            let _ = std::process::Command::new("umount")
                .arg(&self.home)
                .status();
        }
        let _ = fs::remove_dir_all(self.ssh_dir());
        fs::set_permissions(&self.home, fs::Permissions::from_mode(0o755)).expect("chmod home");
        self.chown(&self.home);
        let _ = fs::remove_file(self.outside_keys_file());
    }

    pub fn ssh_dir(&self) -> PathBuf {
        self.home.join(".ssh")
    }

    pub fn authorized_keys(&self) -> PathBuf {
        self.ssh_dir().join("authorized_keys")
    }

    /// `/run/sshdoctor-test-keys/sshdoctor-test`.
    pub fn outside_keys_file(&self) -> PathBuf {
        Path::new(OUTSIDE_KEYS_DIR).join(NAME)
    }

    fn chown(&self, path: &Path) {
        std::os::unix::fs::chown(path, Some(self.uid), Some(self.gid))
            .unwrap_or_else(|e| panic!("chown {}: {e}", path.display()));
    }

    /// Write a file below the home (parents created 0700, everything owned by the account).
    pub fn write(&self, relative: &str, bytes: &[u8], mode: u32) -> PathBuf {
        let path = self.home.join(relative);
        let mut dirs = Vec::new();
        let mut p = path.parent();
        while let Some(d) = p {
            if d == self.home || d.exists() {
                break;
            }
            dirs.push(d.to_path_buf());
            p = d.parent();
        }
        for d in dirs.iter().rev() {
            fs::create_dir(d).expect("mkdir");
            fs::set_permissions(d, fs::Permissions::from_mode(0o700)).expect("chmod");
            self.chown(d);
        }
        fs::write(&path, bytes).expect("write");
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).expect("chmod");
        self.chown(&path);
        path
    }

    /// `~/.ssh/authorized_keys` holding just this key line, mode 0600.
    pub fn authorize(&self, public_line: &str) -> PathBuf {
        self.write(
            ".ssh/authorized_keys",
            format!("{public_line}\n").as_bytes(),
            0o600,
        )
    }

    /// Give a path to the shared group `users` (gid 100 on Debian): group-writable then means
    /// writable by others, which every sshd's StrictModes refuses (Debian's accepts a
    /// group-writable path only when the group is the user's own private group).
    pub fn chgrp_shared(&self, path: &Path) {
        let gid = fs::read_to_string("/etc/group")
            .ok()
            .and_then(|t| {
                t.lines().find_map(|l| {
                    let f: Vec<&str> = l.split(':').collect();
                    (f.len() >= 3 && f[0] == "users")
                        .then(|| f[2].parse().ok())
                        .flatten()
                })
            })
            .unwrap_or(100);
        std::os::unix::fs::chown(path, None, Some(gid)).expect("chgrp users");
    }

    /// chmod a path below (or at) the home.
    pub fn chmod(&self, path: &Path, mode: u32) {
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
    }

    /// The permission bits of a path.
    pub fn mode(&self, path: &Path) -> u32 {
        fs::metadata(path).expect("stat").mode() & 0o7777
    }

    /// A public key line in the root-owned key file outside the home (0644 in a 0755 dir).
    pub fn authorize_outside(&self, public_line: &str) {
        fs::create_dir_all(OUTSIDE_KEYS_DIR).expect("mkdir outside keys");
        fs::set_permissions(OUTSIDE_KEYS_DIR, fs::Permissions::from_mode(0o755)).expect("chmod");
        let file = self.outside_keys_file();
        fs::write(&file, format!("{public_line}\n")).expect("write outside keys");
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).expect("chmod");
    }

    /// sshd settings for a server this account logs in to: keys under the home (StrictModes
    /// on) and in the outside file, passwords allowed, nobody else admitted.
    pub fn sshd_config(&self) -> String {
        format!(
            "AllowUsers {NAME}\nAuthorizedKeysFile .ssh/authorized_keys {OUTSIDE_KEYS_DIR}/%u\nStrictModes yes\nPasswordAuthentication yes\nKbdInteractiveAuthentication no\n"
        )
    }
}

impl Drop for TestUser {
    fn drop(&mut self) {
        self.reset();
    }
}
