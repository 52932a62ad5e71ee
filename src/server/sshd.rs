//! The `sshd` stage: which sshd, which version, whether its config passes `sshd -t` (errors
//! with file:line), its effective settings (`sshd -T`, with `-C` for the user and address
//! given), and its privilege separation directory.

use super::emit::{End, Out};
use super::{cmd, listen, Options, Seen};
use crate::event::{Finding, Level, Stage, Status};
use crate::findings::keyed;
use crate::fsedit::shell_quote;
use crate::i18n::Text;
use crate::text;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Where sshd is installed, looked at in this order (after the running listener's binary).
const BINARIES: [&str; 4] = [
    "/usr/sbin/sshd",
    "/usr/local/sbin/sshd",
    "/sbin/sshd",
    "/usr/bin/sshd",
];
/// The privilege separation directories sshd is built with on the systems known.
const PRIVSEP_DIRS: [&str; 5] = [
    "/run/sshd",
    "/var/run/sshd",
    "/var/empty/sshd",
    "/var/empty",
    "/var/lib/empty",
];
/// The part of the binary read to find its version and privilege separation directory.
const MAX_BINARY: u64 = 32 << 20;

/// Run the stage.
pub(super) async fn stage(out: &Out, options: &Options, seen: &mut Seen) {
    let since = out.started(Stage::Sshd).await;
    let end = run(out, options, seen).await;
    out.finished(Stage::Sshd, since, end).await;
}

async fn run(out: &Out, options: &Options, seen: &mut Seen) -> End {
    let running = listen::sshd_processes().into_iter().find_map(|p| p.exe);
    let Some(binary) = running.or_else(find_binary) else {
        let detail = text!("server.sshd.missing_detail");
        out.finding(keyed("server.sshd_missing", Stage::Sshd, detail))
            .await;
        return End::text(Status::Fail, text!("server.sshd.not_installed"));
    };
    let (release, privsep) = binary_strings(&binary);
    seen.version = match release {
        Some(v) => Some(v),
        None => version_option(&binary).await,
    };
    seen.privsep = privsep;
    seen.binary = Some(binary.clone());
    let version = seen
        .version
        .as_ref()
        .map_or_else(|| text!("server.sshd.version_unknown"), Text::from);
    let said = text!(
        "server.sshd.binary_version",
        binary = &binary,
        version = version.clone()
    );
    out.say(Stage::Sshd, Level::Info, said).await;
    out.fact(Stage::Sshd, "sshd", binary.display().to_string())
        .await;
    out.fact(Stage::Sshd, "sshd_version", version.english())
        .await;
    let config = options.config();
    seen.config_path = config.clone();
    let problems = check_config(out, &binary, &config, seen).await;
    settings(out, &binary, &config, options, seen).await;
    let privsep = privsep_dir(out, seen).await;
    seen.now.privsep = Some(privsep);
    let summary = match (seen.config_ok, privsep, problems) {
        (true, true, _) => text!("server.sshd.passes", version = version, config = &config),
        (false, _, n) if n > 0 => text!("server.sshd.has_errors", config = &config, n = n),
        (false, _, _) => text!("server.sshd.did_not_pass"),
        (true, false, _) => text!("server.sshd.privsep_unusable"),
    };
    let status = if seen.config_ok && privsep {
        Status::Pass
    } else {
        Status::Fail
    };
    End::text(status, summary)
}

/// The first sshd binary installed.
fn find_binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    BINARIES
        .iter()
        .map(PathBuf::from)
        .chain(std::env::split_paths(&path).map(|d| d.join("sshd")))
        .find(|p| p.is_file())
}

/// The release string compiled into the binary (`OpenSSH_9.2p1 Debian-2+deb12u10`, which
/// `sshd -V` does not print) and its privilege separation directory, read in one bounded pass.
pub(crate) fn binary_strings(binary: &Path) -> (Option<String>, Option<PathBuf>) {
    use std::io::Read;
    let mut bytes = Vec::new();
    let read = std::fs::File::open(binary).and_then(|f| f.take(MAX_BINARY).read_to_end(&mut bytes));
    if read.is_err() {
        return (None, None);
    }
    let mut release: Option<String> = None;
    for piece in bytes.split(|&b| b == 0) {
        let Some(text) = std::str::from_utf8(piece)
            .ok()
            .filter(|t| t.starts_with("OpenSSH_"))
        else {
            continue;
        };
        let plausible = !text.contains(['*', ','])
            && text.len() < 80
            && text.chars().all(|c| c.is_ascii_graphic() || c == ' ');
        if plausible && release.as_ref().is_none_or(|r| text.len() > r.len()) {
            release = Some(text.to_string());
        }
    }
    let privsep = PRIVSEP_DIRS.iter().find(|d| {
        let needle = [d.as_bytes(), b"\0"].concat();
        bytes.windows(needle.len()).any(|w| w == needle.as_slice())
    });
    (release, privsep.map(PathBuf::from))
}

/// `sshd -V` (OpenSSH 9.x; older ones print the version with their usage).
async fn version_option(binary: &Path) -> Option<String> {
    let out = cmd::run(binary, &["-V"]).await.ok()?;
    let text = format!("{}{}", out.stderr, out.stdout);
    text.lines().find_map(|l| {
        l.find("OpenSSH_")
            .map(|i| l[i..].split(',').next().unwrap_or(l).to_string())
    })
}

/// One error `sshd -t` printed: the file, the line and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConfigError {
    /// The file (the main config or an included one).
    pub file: String,
    /// The 1-based line.
    pub line: Option<usize>,
    /// sshd's message.
    pub message: String,
}

/// The errors in `sshd -t`'s output: `FILE: line N: MESSAGE` and `FILE line N: MESSAGE`
/// (warnings such as `Deprecated option` are left out; so are host key and privilege
/// separation problems, which other checks report).
pub(crate) fn config_errors(stderr: &str) -> Vec<ConfigError> {
    let mut errors = Vec::new();
    for text in stderr.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (_, parsed) = super::log::parse(text);
        if matches!(
            parsed.cause,
            Some(super::log::Cause::HostkeyUnloadable | super::log::Cause::PrivsepMissing)
        ) {
            continue;
        }
        if text.contains("Deprecated option")
            || text.contains("Unsupported option")
            || text.contains("terminating, ")
        {
            continue;
        }
        errors.push(match text.find(" line ") {
            Some(i) => {
                let rest = &text[i + 6..];
                let digits = rest
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(rest.len());
                ConfigError {
                    file: text[..i].trim_end_matches(':').to_string(),
                    line: rest[..digits].parse().ok(),
                    message: rest[digits..].trim_start_matches(':').trim().to_string(),
                }
            }
            None => ConfigError {
                file: String::new(),
                line: None,
                message: text.to_string(),
            },
        });
    }
    errors
}

/// `sshd -t -f CONFIG`; each error becomes a `server.config_invalid` finding. Returns how many.
async fn check_config(out: &Out, binary: &Path, config: &Path, seen: &mut Seen) -> usize {
    let config_arg = config.display().to_string();
    let result = match cmd::run(binary, &["-t", "-f", &config_arg]).await {
        Ok(r) => r,
        Err(e) => {
            out.say(Stage::Sshd, Level::Info, e).await;
            return 0;
        }
    };
    for line in result.stderr.lines().filter(|l| !l.trim().is_empty()) {
        out.log(Stage::Sshd, Level::Debug1, format!("sshd -t: {line}"))
            .await;
    }
    seen.config_ok = result.ok;
    let errors = config_errors(&result.stderr);
    if result.ok {
        let said = crate::text!("server.sshd.config_valid", config = config);
        out.say(Stage::Sshd, Level::Info, said).await;
        return 0;
    }
    if errors.is_empty() && !super::is_root() {
        let said = text!("server.sshd.not_root_config");
        out.say(Stage::Sshd, Level::Info, said).await;
        seen.config_ok = true;
        return 0;
    }
    for e in &errors {
        out.finding(config_finding(e, &config_arg)).await;
    }
    errors.len()
}

pub(super) fn config_finding(e: &ConfigError, config: &str) -> Finding {
    let place = match e.line {
        Some(n) => format!("{} line {n}", e.file),
        None if e.file.is_empty() => config.to_string(),
        None => e.file.clone(),
    };
    let quoted = e.line.and_then(|n| read_line(Path::new(&e.file), n));
    let detail = text!(
        "server.sshd.config_invalid_detail",
        place = &place,
        message = &e.message
    );
    let mut f = keyed("server.config_invalid", Stage::Sshd, detail)
        .evidence(format!("{place}: {}", e.message));
    if let (Some(text), Some(n)) = (quoted, e.line) {
        f = f.evidence(format!("{n:>5} | {text}"));
    }
    f.fix_text(text!(
        "server.sshd.config_invalid_fix",
        place = place,
        config = shell_quote(config)
    ))
}

/// Line `n` of a file (bounded), for quoting.
fn read_line(path: &Path, n: usize) -> Option<String> {
    use std::io::{BufRead, Read};
    let file = std::fs::File::open(path).ok()?;
    let reader = std::io::BufReader::new(file.take(16 << 20));
    let line = reader.split(b'\n').nth(n.checked_sub(1)?)?.ok()?;
    Some(String::from_utf8_lossy(&line).trim_end().to_string())
}

/// `sshd -T` (with `-C user=…,host=…,addr=…` from `--user`/`--from`): the effective settings.
async fn settings(out: &Out, binary: &Path, config: &Path, options: &Options, seen: &mut Seen) {
    let config_arg = config.display().to_string();
    let mut args = vec!["-T".to_string(), "-f".into(), config_arg];
    let mut criteria = Vec::new();
    if let Some(u) = &options.user {
        criteria.push(format!("user={u}"));
    }
    if let Some(a) = &options.from {
        criteria.push(format!("host={a}"));
        criteria.push(format!("addr={a}"));
    }
    if !criteria.is_empty() {
        args.push("-C".into());
        args.push(criteria.join(","));
    }
    let args_ref: Vec<&str> = args.iter().map(String::as_str).collect();
    let shown = format!("sshd {}", args.join(" "));
    match cmd::run(binary, &args_ref).await {
        Ok(r) if r.ok => {
            seen.settings = r
                .stdout
                .lines()
                .filter_map(|l| l.trim().split_once(' '))
                .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_string()))
                .collect();
            let said = text!("server.sshd.effective_settings", command = &shown);
            out.say(Stage::Sshd, Level::Debug1, said).await;
            for (k, v) in crate::remote_rules::parse_sshd_t(&r.stdout) {
                out.log(Stage::Sshd, Level::Debug1, format!("  {k} {v}"))
                    .await;
                out.fact(Stage::Sshd, &format!("sshd.{k}"), v).await;
            }
        }
        Ok(r) => {
            let why = r
                .stderr
                .lines()
                .find(|l| !l.trim().is_empty())
                .map_or_else(|| text!("server.sshd.no_output"), Text::from);
            let said = text!("server.sshd.command_failed", command = &shown, why = why);
            out.say(Stage::Sshd, Level::Info, said).await;
        }
        Err(e) => out.say(Stage::Sshd, Level::Info, e).await,
    }
}

/// The privilege separation directory: present, a directory, root's, not writable by
/// group or others (else sshd stops: "Missing privilege separation directory",
/// "bad ownership or modes for chroot directory"). True when usable.
async fn privsep_dir(out: &Out, seen: &mut Seen) -> bool {
    let dir = seen
        .privsep
        .clone()
        .unwrap_or_else(|| PathBuf::from(PRIVSEP_DIRS[0]));
    match std::fs::symlink_metadata(&dir) {
        Ok(m) if m.is_dir() && m.uid() == 0 && m.mode() & 0o022 == 0 => {
            let mode = format!("{:04o}", m.mode() & 0o7777);
            let said = text!("server.sshd.privsep_ok", dir = &dir, mode = mode);
            out.say(Stage::Sshd, Level::Debug1, said).await;
            true
        }
        Ok(m) => {
            let detail = text!("server.sshd.privsep_unsafe_detail", dir = &dir);
            let f = keyed("server.privsep_unsafe", Stage::Sshd, detail).evidence(format!(
                "{}: {}, mode {:04o}, owner uid {}",
                dir.display(),
                if m.is_dir() {
                    "directory"
                } else {
                    "not a directory"
                },
                m.mode() & 0o7777,
                m.uid()
            ));
            let f = super::repairs::privsep_fix(f, &dir, &m);
            out.finding(f).await;
            false
        }
        Err(_) => {
            let detail = text!("server.sshd.privsep_missing_detail", dir = &dir);
            let f = keyed("server.privsep_missing", Stage::Sshd, detail)
                .evidence(format!("{}: no such directory", dir.display()));
            out.finding(super::repairs::privsep_create(f, &dir)).await;
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_errors_name_file_and_line_in_both_forms() {
        let stderr = "cfg: line 5: Bad configuration option: Bogus\ncfg: terminating, 1 bad configuration options\n/etc/ssh/sshd_config line 12: Directive 'Port' is not allowed within a Match block\n/etc/ssh/sshd_config line 37: Deprecated option UsePrivilegeSeparation\nUnable to load host key: /x\n";
        let e = config_errors(stderr);
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!((e[0].file.as_str(), e[0].line), ("cfg", Some(5)));
        assert_eq!(e[0].message, "Bad configuration option: Bogus");
        assert_eq!(
            (e[1].file.as_str(), e[1].line),
            ("/etc/ssh/sshd_config", Some(12))
        );
    }

    #[tokio::test]
    async fn a_missing_privsep_dir_is_an_error_with_its_repair() {
        let dir = std::env::temp_dir().join(format!("sshdoctor-privsep-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (tx, mut rx) = tokio::sync::mpsc::channel(16);
        let out = Out::new(tx);
        let mut seen = Seen {
            privsep: Some(dir.clone()),
            ..Seen::default()
        };
        assert!(!privsep_dir(&out, &mut seen).await);
        drop(out);
        let mut found = Vec::new();
        while let Some(ev) = rx.recv().await {
            if let crate::event::Event::Finding(f) = ev {
                found.push(f);
            }
        }
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, "server.privsep_missing");
        let action = &found[0].actions[0];
        assert_eq!(action.id, "server.privsep.create");
        assert_eq!(action.command, format!("mkdir -m 0755 {}", dir.display()));
        let applied = crate::repair::apply(action.repair.as_ref().unwrap()).unwrap();
        assert!(applied[0].created, "{applied:?}");
        let (tx, _rx) = tokio::sync::mpsc::channel(16);
        let mut seen = Seen {
            privsep: Some(dir.clone()),
            ..Seen::default()
        };
        assert_eq!(
            privsep_dir(&Out::new(tx), &mut seen).await,
            crate::server::is_root(),
            "usable once made (root-owned when made by root)"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_installed_sshd_names_its_release_and_privsep_dir() {
        let binary = find_binary().expect("sshd is installed (openssh-server)");
        let (release, privsep) = binary_strings(&binary);
        let release = release.expect("a release string");
        assert!(release.starts_with("OpenSSH_"), "{release}");
        assert!(privsep.is_some());
    }
}
