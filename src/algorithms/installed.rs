//! Which OpenSSH client is installed (`ssh -V`), remembered per ssh binary so that a run need not start ssh.
//!
//! Starting `ssh -V` costs about as much as a whole refused-port diagnosis (ssh loads libcrypto
//! and reads the passwd database before printing its version), and the version is needed
//! before the first packet: the config stage judges algorithm names and the private-group rule
//! by it. So the answer is kept in `$XDG_CACHE_HOME/sshdoctor/openssh-version` (else
//! `~/.cache/...`), keyed by the binary `ssh` resolves to on `PATH` and that file's identity:
//! device, inode, size, mtime and ctime to the nanosecond. Replacing the binary (a package
//! upgrade renames a new file into place: a new inode) or writing to it (new mtime and ctime;
//! ctime cannot be set back) changes the key, so a stale version is never used. As in git's
//! "racily clean" rule, an answer is not remembered while the binary's ctime is under two
//! seconds old (a coarse clock could hide a second write). Nothing is remembered for a script
//! (`#!`: its answer depends on what it runs), a relative `PATH` entry, or when the binary
//! changed while `ssh -V` ran. The remembered text is the release (`OpenSSH_9.2p1
//! Debian-2+deb12u6`) without the library version ssh appends, which comes from libcrypto,
//! not from the binary the key describes.
//!
//! When the answer is not remembered, [`InstalledClient::start`] starts `ssh -V` at once and
//! [`InstalledClient::finish`] collects it, so the caller's own work (config resolution) runs
//! meanwhile.

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime};

use super::{parse_ssh_version, OpenSshVersion};

/// First line of the cache file (its format's version).
const MAGIC: &str = "sshdoctor openssh-version 1";

/// How old the binary's ctime must be before an answer about it is remembered.
const SETTLED: Duration = Duration::from_secs(2);

/// The installed client's release text and version, as [`installed_openssh`] returns them.
pub type Installed = Option<(String, OpenSshVersion)>;

/// Runs `ssh -V` (or reads the remembered answer) and returns the release with its version.
///
/// `None` when `ssh` cannot be run or its banner names no OpenSSH release.
pub fn installed_openssh() -> Installed {
    InstalledClient::start().finish()
}

/// A lookup of the installed client under way: answered from the cache, or `ssh -V` running.
#[derive(Debug)]
pub struct InstalledClient {
    state: State,
    /// Where the answer is remembered, when it may be.
    remember: Option<(PathBuf, BinaryId)>,
    now: SystemTime,
}

#[derive(Debug)]
enum State {
    Known(Installed),
    Running(Child),
    Failed,
}

impl InstalledClient {
    /// Looks for a remembered answer for the `ssh` on `PATH`; without one, starts `ssh -V`.
    pub fn start() -> InstalledClient {
        let env = Env {
            path: std::env::var_os("PATH"),
            cache_dir: cache_dir(),
        };
        InstalledClient::start_with(&env, SystemTime::now())
    }

    /// Waits for `ssh -V` if it runs (remembering its answer when allowed) and returns it.
    pub fn finish(self) -> Installed {
        let child = match self.state {
            State::Known(found) => return found,
            State::Failed => return None,
            State::Running(child) => child,
        };
        let output = child.wait_with_output().ok()?;
        let found = [&output.stderr, &output.stdout]
            .into_iter()
            .find_map(|raw| release_line(&String::from_utf8_lossy(raw)));
        if let (Some((text, _)), Some((file, id))) = (&found, &self.remember) {
            // Only an answer about the very file that was looked at, now settled.
            let unchanged = BinaryId::of(&id.path).as_ref() == Some(id);
            if unchanged && id.settled(self.now) {
                store(file, id, text);
            }
        }
        found
    }

    fn start_with(env: &Env, now: SystemTime) -> InstalledClient {
        let binary = match resolve(env.path.as_deref()) {
            Resolved::Absolute(path) => BinaryId::of(&path),
            Resolved::Other => None,
        };
        let file = env.cache_dir.as_ref().map(|d| d.join("openssh-version"));
        if let (Some(file), Some(id)) = (&file, &binary) {
            if let Some(found) = load(file, id) {
                return InstalledClient {
                    state: State::Known(Some(found)),
                    remember: None,
                    now,
                };
            }
        }
        // Run the very file the key describes; without one, `ssh` as before.
        let program = binary
            .as_ref()
            .map_or_else(|| PathBuf::from("ssh"), |id| id.path.clone());
        let state = Command::new(program)
            .arg("-V")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_or(State::Failed, State::Running);
        let remember = file.zip(binary.filter(|id| !is_script(&id.path)));
        InstalledClient {
            state,
            remember,
            now,
        }
    }
}

/// What the lookup reads from the environment.
struct Env {
    path: Option<std::ffi::OsString>,
    cache_dir: Option<PathBuf>,
}

/// `$XDG_CACHE_HOME/sshdoctor`, else `$HOME/.cache/sshdoctor` (absolute paths only).
fn cache_dir() -> Option<PathBuf> {
    let absolute = |name: &str| {
        std::env::var_os(name)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    let base = absolute("XDG_CACHE_HOME").or_else(|| absolute("HOME").map(|h| h.join(".cache")))?;
    Some(base.join("sshdoctor"))
}

/// The first non-empty line of `ssh -V`'s output, up to the `, ` before the library version.
fn release_line(output: &str) -> Option<(String, OpenSshVersion)> {
    let line = output.lines().map(str::trim).find(|l| !l.is_empty())?;
    let release = line.split_once(", ").map_or(line, |(release, _)| release);
    let version = parse_ssh_version(release)?;
    Some((release.to_string(), version))
}

/// Where `ssh` resolves on `PATH`.
enum Resolved {
    /// An absolute path to an executable file.
    Absolute(PathBuf),
    /// Not found, `PATH` unset, or found through a relative entry: not remembered.
    Other,
}

/// The first `dir/ssh` on `path` that is an executable regular file, as execvp picks it.
fn resolve(path: Option<&OsStr>) -> Resolved {
    let Some(path) = path else {
        return Resolved::Other;
    };
    for dir in std::env::split_paths(path) {
        let candidate = if dir.as_os_str().is_empty() {
            PathBuf::from("ssh")
        } else {
            dir.join("ssh")
        };
        let is_file = std::fs::metadata(&candidate).is_ok_and(|m| m.is_file());
        if !is_file || rustix::fs::access(&candidate, rustix::fs::Access::EXEC_OK).is_err() {
            continue;
        }
        return if candidate.is_absolute() {
            Resolved::Absolute(candidate)
        } else {
            Resolved::Other
        };
    }
    Resolved::Other
}

/// Whether the file starts with `#!` (or cannot be read to tell).
fn is_script(path: &Path) -> bool {
    let mut head = [0u8; 2];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head));
    read.is_err() || &head == b"#!"
}

/// The identity of the ssh binary an answer is about.
#[derive(Debug, Clone, PartialEq, Eq)]
struct BinaryId {
    path: PathBuf,
    /// `dev ino size mtime.ns ctime.ns`.
    stat: String,
    ctime: SystemTime,
}

impl BinaryId {
    /// The identity of the file at `path` (following symlinks, as exec does).
    fn of(path: &Path) -> Option<BinaryId> {
        let m = std::fs::metadata(path).ok()?;
        let ctime_nsec = u32::try_from(m.ctime_nsec()).ok()?;
        let ctime = u64::try_from(m.ctime())
            .ok()
            .map(|s| SystemTime::UNIX_EPOCH + Duration::new(s, ctime_nsec))?;
        let stat = format!(
            "{} {} {} {}.{:09} {}.{:09}",
            m.dev(),
            m.ino(),
            m.size(),
            m.mtime(),
            m.mtime_nsec(),
            m.ctime(),
            ctime_nsec
        );
        Some(BinaryId {
            path: path.to_path_buf(),
            stat,
            ctime,
        })
    }

    /// Whether the file last changed long enough before `now`.
    fn settled(&self, now: SystemTime) -> bool {
        now.duration_since(self.ctime)
            .is_ok_and(|age| age >= SETTLED)
    }

    /// The cache file's lines before the answer; None for a path that cannot be one line.
    fn header(&self) -> Option<String> {
        let path = self.path.to_str().filter(|p| !p.contains('\n'))?;
        Some(format!("{MAGIC}\n{path}\n{}\n", self.stat))
    }
}

/// The remembered answer for `id`, if the cache file holds one for exactly that binary.
fn load(file: &Path, id: &BinaryId) -> Option<(String, OpenSshVersion)> {
    let raw = crate::localfile::read_regular(file, 4096).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let release = text.strip_prefix(&id.header()?)?.strip_suffix('\n')?;
    if release.contains('\n') {
        return None;
    }
    let version = parse_ssh_version(release)?;
    Some((release.to_string(), version))
}

/// Remembers `release` for `id`: a private temporary file renamed over the cache file, so a
/// reader sees the old file or the new one. Failures are ignored (the next run asks ssh again).
fn store(file: &Path, id: &BinaryId, release: &str) {
    let (Some(dir), Some(header)) = (file.parent(), id.header()) else {
        return;
    };
    if std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .is_err()
    {
        return;
    }
    let tmp = dir.join(format!(".openssh-version.{}.tmp", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .and_then(|mut f| f.write_all(format!("{header}{release}\n").as_bytes()));
    if written.and_then(|()| std::fs::rename(&tmp, file)).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

#[cfg(test)]
mod tests;
