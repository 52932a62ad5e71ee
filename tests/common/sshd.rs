//! A real OpenSSH server on 127.0.0.1 with its own host keys, config and log, killed on drop.

use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// Where the server binary must be (CI installs openssh-server).
pub const SSHD: &str = "/usr/sbin/sshd";

/// How long a server gets to start answering with its version line.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// How many times a start is retried when another process grabbed the chosen port first.
const PORT_ATTEMPTS: usize = 5;

/// A kind of key, for host keys (and for user keys in [`super::Home::generate_key`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Ed25519,
    Ecdsa,
    Rsa,
}

impl KeyKind {
    /// Every kind, in the order sshd is given them.
    pub const ALL: [KeyKind; 3] = [KeyKind::Ed25519, KeyKind::Ecdsa, KeyKind::Rsa];

    /// The name `ssh-keygen -t` takes.
    pub fn keygen_type(self) -> &'static str {
        match self {
            KeyKind::Ed25519 => "ed25519",
            KeyKind::Ecdsa => "ecdsa",
            KeyKind::Rsa => "rsa",
        }
    }

    /// The file name sshd's host key of this kind has in [`Sshd::dir`].
    pub fn host_key_file(self) -> &'static str {
        match self {
            KeyKind::Ed25519 => "ssh_host_ed25519_key",
            KeyKind::Ecdsa => "ssh_host_ecdsa_key",
            KeyKind::Rsa => "ssh_host_rsa_key",
        }
    }
}

/// Panics with a clear message when sshd is not installed: these tests must not skip silently.
pub fn require_sshd() {
    assert!(
        Path::new(SSHD).is_file(),
        "{SSHD} is missing: install openssh-server (apt-get install openssh-server openssh-client; .ci/run does this)"
    );
}

/// Creates sshd's privilege separation directory `/run/sshd` (mode 0755) if it is missing.
pub fn ensure_privsep_dir() {
    let dir = Path::new("/run/sshd");
    if dir.is_dir() {
        return;
    }
    // Another test may be creating it at the same moment: only a final absence is an error.
    let _ = fs::create_dir_all(dir);
    let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o755));
    assert!(
        dir.is_dir(),
        "sshd needs its privilege separation directory /run/sshd and it could not be created (run as root, or create it)"
    );
}

/// Generates a key pair with `ssh-keygen -q -N ''` at `path` (and `path.pub`); panics on failure.
pub fn keygen(kind: KeyKind, path: &Path) {
    let output = keygen_command(kind, path)
        .output()
        .expect("run ssh-keygen (install openssh-client)");
    assert!(
        output.status.success(),
        "ssh-keygen -t {} failed: {}",
        kind.keygen_type(),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn keygen_command(kind: KeyKind, path: &Path) -> Command {
    let mut command = Command::new("ssh-keygen");
    command
        .args([
            "-q",
            "-N",
            "",
            "-C",
            "sshdoctor-test",
            "-t",
            kind.keygen_type(),
            "-f",
        ])
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Generates several keys at once (ssh-keygen runs in parallel: RSA is the slow one).
fn keygen_all(jobs: &[(KeyKind, PathBuf)]) {
    let children: Vec<_> = jobs
        .iter()
        .map(|(kind, path)| {
            let child = keygen_command(*kind, path)
                .spawn()
                .expect("run ssh-keygen (install openssh-client)");
            (*kind, child)
        })
        .collect();
    for (kind, child) in children {
        let output = child.wait_with_output().expect("wait for ssh-keygen");
        assert!(
            output.status.success(),
            "ssh-keygen -t {} failed: {}",
            kind.keygen_type(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// Whether this sshd knows `PerSourcePenalties` (OpenSSH 9.8+), which must be off so that
/// tests hammering one server are not penalised.
fn supports_per_source_penalties() -> bool {
    static SUPPORTED: OnceLock<bool> = OnceLock::new();
    *SUPPORTED.get_or_init(|| {
        let output = Command::new(SSHD)
            .args(["-t", "-f", "/dev/null", "-o", "PerSourcePenalties=no", "-o"])
            .arg("HostKey=/nonexistent")
            .output();
        match output {
            Ok(output) => !String::from_utf8_lossy(&output.stderr).contains("PerSourcePenalties"),
            Err(_) => false,
        }
    })
}

/// Checks a config fragment with `sshd -t`: `Ok` if this sshd accepts `extra_config`
/// (placed before the harness defaults, as [`Sshd::start`] does), else the error text.
pub fn check_config(extra_config: &str) -> Result<(), String> {
    require_sshd();
    ensure_privsep_dir();
    let dir = super::fixture_dir("sshd-check-");
    let key = dir.path().join(KeyKind::Ed25519.host_key_file());
    keygen(KeyKind::Ed25519, &key);
    let port = super::fake::closed_port();
    let config = render_config(dir.path(), extra_config, port, &[KeyKind::Ed25519]);
    let path = dir.path().join("sshd_config");
    fs::write(&path, config).expect("write sshd_config");
    let output = Command::new(SSHD)
        .arg("-t")
        .arg("-f")
        .arg(&path)
        .stdin(Stdio::null())
        .output()
        .expect("run sshd -t");
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

fn render_config(dir: &Path, extra_config: &str, port: u16, host_keys: &[KeyKind]) -> String {
    // Port and ListenAddress accumulate rather than first-wins: a test must not add any, or the
    // server could listen somewhere other than the harness's own port on 127.0.0.1.
    for line in extra_config.lines() {
        let keyword = line.split_whitespace().next().unwrap_or_default();
        assert!(
            !keyword.eq_ignore_ascii_case("Port") && !keyword.eq_ignore_ascii_case("ListenAddress"),
            "extra sshd config must not set {keyword}: the harness picks the address and port"
        );
    }
    let mut config = String::new();
    config.push_str("# Test-specific settings come first: in sshd_config the first value wins.\n");
    config.push_str(extra_config);
    if !extra_config.ends_with('\n') {
        config.push('\n');
    }
    config.push_str("\n# Harness defaults.\n");
    let dir = dir.display();
    writeln!(config, "ListenAddress 127.0.0.1").unwrap();
    writeln!(config, "Port {port}").unwrap();
    for kind in host_keys {
        writeln!(config, "HostKey {dir}/{}", kind.host_key_file()).unwrap();
    }
    writeln!(config, "PidFile {dir}/sshd.pid").unwrap();
    writeln!(config, "AuthorizedKeysFile {dir}/authorized_keys/%u").unwrap();
    writeln!(config, "UsePAM no").unwrap();
    writeln!(config, "StrictModes no").unwrap();
    writeln!(config, "LogLevel VERBOSE").unwrap();
    writeln!(config, "LoginGraceTime 30").unwrap();
    // A real server has sftp; a test about its absence says `Subsystem none` is wanted by
    // naming the keyword itself (sshd refuses a second Subsystem sftp line).
    if !extra_config.to_ascii_lowercase().contains("subsystem") {
        writeln!(config, "Subsystem sftp internal-sftp").unwrap();
    }
    if supports_per_source_penalties() {
        writeln!(config, "PerSourcePenalties no").unwrap();
    }
    config
}

/// How to start an [`Sshd`]; [`Sshd::start`] is the short form.
#[derive(Debug, Clone)]
pub struct SshdBuilder {
    extra_config: String,
    host_keys: Vec<KeyKind>,
    log_file: bool,
}

impl SshdBuilder {
    /// Config lines placed before the harness defaults (so they win where sshd takes the first
    /// value). Must not set `Port` or `ListenAddress`; `HostKey` lines add to the generated keys
    /// (use [`SshdBuilder::host_keys`] to restrict those).
    pub fn extra_config(mut self, extra_config: &str) -> Self {
        self.extra_config = extra_config.to_owned();
        self
    }

    /// The only host key kinds the server gets (default: ed25519, ecdsa and rsa).
    pub fn host_keys(mut self, kinds: &[KeyKind]) -> Self {
        assert!(!kinds.is_empty(), "sshd needs at least one host key");
        self.host_keys = kinds.to_vec();
        self
    }

    /// sshd writes its log itself with `-E` to [`Sshd::log_path`] (as an administrator's
    /// `sshd -E FILE` does), instead of to stderr (`-e`) redirected there.
    pub fn log_file(mut self) -> Self {
        self.log_file = true;
        self
    }

    /// Starts the server and waits until it answers with an `SSH-2.0-` line.
    pub fn start(self) -> Sshd {
        require_sshd();
        ensure_privsep_dir();
        let dir = super::fixture_dir("sshd-");
        let jobs: Vec<_> = self
            .host_keys
            .iter()
            .map(|kind| (*kind, dir.path().join(kind.host_key_file())))
            .collect();
        keygen_all(&jobs);
        let authorized = dir.path().join("authorized_keys");
        fs::create_dir(&authorized).expect("create authorized_keys dir");
        fs::set_permissions(&authorized, fs::Permissions::from_mode(0o755))
            .expect("chmod authorized_keys dir");
        let config_path = dir.path().join("sshd_config");
        let log_path = dir.path().join("sshd.log");

        let mut last_failure = String::new();
        for _ in 0..PORT_ATTEMPTS {
            let port = super::fake::closed_port();
            let config = render_config(dir.path(), &self.extra_config, port, &self.host_keys);
            fs::write(&config_path, &config).expect("write sshd_config");
            let log = fs::File::create(&log_path).expect("create sshd.log");
            let mut command = Command::new(SSHD);
            command.arg("-D");
            if self.log_file {
                command.arg("-E").arg(&log_path).stderr(Stdio::null());
            } else {
                command.arg("-e").stderr(log);
            }
            let mut child = command
                .arg("-f")
                .arg(&config_path)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("could not run {SSHD}: {e}"));
            match wait_ready(&mut child, port) {
                Ok(banner) => {
                    return Sshd {
                        child: Some(child),
                        port,
                        config_path,
                        log_path,
                        banner,
                        dir,
                    };
                }
                Err(failure) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    let log = fs::read_to_string(&log_path).unwrap_or_default();
                    if log.contains("Address already in use") {
                        last_failure = format!("{failure}\n{log}");
                        continue;
                    }
                    panic!("sshd did not start: {failure}\n--- sshd_config ---\n{config}\n--- sshd log ---\n{log}");
                }
            }
        }
        panic!("sshd did not start after {PORT_ATTEMPTS} port attempts: {last_failure}");
    }
}

/// Waits until sshd answers on `port` with an `SSH-2.0-` line; returns that line.
fn wait_ready(child: &mut Child, port: u16) -> Result<String, String> {
    let deadline = Instant::now() + START_TIMEOUT;
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut last_error = String::from("no attempt made");
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "sshd exited with {status} before accepting connections"
            ));
        }
        match TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
            Ok(stream) => match read_version_line(stream) {
                Ok(line) if line.starts_with("SSH-2.0-") => return Ok(line),
                Ok(line) => last_error = format!("unexpected first line {line:?}"),
                Err(e) => last_error = format!("reading the version line: {e}"),
            },
            Err(e) => last_error = format!("connecting to {addr}: {e}"),
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!(
        "no SSH-2.0- line from {addr} within {START_TIMEOUT:?} (last: {last_error})"
    ))
}

/// A running `/usr/sbin/sshd -D -e` on 127.0.0.1; killed when dropped.
pub struct Sshd {
    child: Option<Child>,
    port: u16,
    config_path: PathBuf,
    log_path: PathBuf,
    banner: String,
    // Declared last so the directory is removed after the server is stopped.
    dir: TempDir,
}

impl Sshd {
    /// A server whose config is `extra_config` (which wins) followed by the harness defaults,
    /// with ed25519, ecdsa and rsa host keys.
    pub fn start(extra_config: &str) -> Sshd {
        Sshd::builder().extra_config(extra_config).start()
    }

    /// The long form, to choose host key kinds.
    pub fn builder() -> SshdBuilder {
        SshdBuilder {
            extra_config: String::new(),
            host_keys: KeyKind::ALL.to_vec(),
            log_file: false,
        }
    }

    /// The port it listens on (on 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its private directory: host keys, sshd_config, sshd.log, authorized_keys/.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The path of its sshd_config.
    pub fn config_path(&self) -> &Path {
        &self.config_path
    }

    /// The private host key file of this kind (the public key is the same path plus `.pub`).
    pub fn host_key_path(&self, kind: KeyKind) -> PathBuf {
        self.dir().join(kind.host_key_file())
    }

    /// The public host key line (`ssh-ed25519 AAAA... comment`) of this kind.
    pub fn host_public_key(&self, kind: KeyKind) -> String {
        let path = self.dir().join(format!("{}.pub", kind.host_key_file()));
        fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
            .trim()
            .to_owned()
    }

    /// A known_hosts line for this server's host key of this kind (`[127.0.0.1]:PORT type key`).
    pub fn known_hosts_line(&self, kind: KeyKind) -> String {
        let key = self.host_public_key(kind);
        let mut fields = key.split_whitespace();
        let (key_type, blob) = (
            fields.next().unwrap_or_default(),
            fields.next().unwrap_or_default(),
        );
        format!("[127.0.0.1]:{} {key_type} {blob}", self.port)
    }

    /// The version line it answered the readiness probe with (without CR LF).
    pub fn banner(&self) -> &str {
        &self.banner
    }

    /// Appends a public key line to `authorized_keys/<user>`.
    pub fn authorize(&self, user: &str, public_key_line: &str) {
        let path = self.dir().join("authorized_keys").join(user);
        let mut file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
        writeln!(file, "{}", public_key_line.trim()).expect("write authorized_keys");
    }

    /// The file sshd logs to (its stderr with `-e`, or its `-E` file).
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// What sshd has logged so far (its stderr, with `-e`).
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Reads one line (bounded in time and length) and says goodbye politely.
fn read_version_line(stream: TcpStream) -> std::io::Result<String> {
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream).take(1024);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let _ = writer.write_all(b"SSH-2.0-sshdoctor_harness_probe\r\n");
    let _ = writer.shutdown(std::net::Shutdown::Both);
    Ok(line.trim_end().to_owned())
}

impl Drop for Sshd {
    fn drop(&mut self) {
        self.stop();
        // The directory goes away with the server: show the log of a failing test's server.
        if std::thread::panicking() {
            eprintln!(
                "--- sshd on 127.0.0.1:{} ({}) ---\n{}--- end of sshd log ---",
                self.port,
                self.config_path.display(),
                self.log()
            );
        }
    }
}
