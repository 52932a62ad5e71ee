//! The server-side work that goes out at once after the login: the SFTP session (its
//! INIT/VERSION exchange is the sftp check) and one fixed script printing what `id`, `sshd -T`
//! and `df` give, each part after a marker line. One round instead of four sessions (each costs
//! the server PAM and a login shell); when the script runs through, it is also the session
//! check, so a healthy login costs the server one command, as ssh's own does.

use super::super::kex::ProbeHandle;
use super::super::link::{ChanError, Opener};
use super::super::session::{request_answer, run_command, Run, Sftp};
use super::{parse_id, sshd_t_command, sshd_t_ports, Id};
use crate::remote_rules::parse_sshd_t;
use russh_sftp::client::SftpSession;
use std::sync::Arc;
use std::time::Duration;

/// An SFTP session and the home directory it starts in.
pub(crate) struct SftpOpen {
    pub sftp: SftpSession,
    pub home: String,
    /// The connection it lives on, when it is not the caller's.
    pub conn: Option<Arc<ProbeHandle>>,
}

/// `sshd -T` settings (keyword, value), and the ports it listens on.
pub(crate) type SshdT = (Vec<(String, String)>, Vec<u16>);

/// What the script told (each part None when it said nothing usable).
#[derive(Debug, Default)]
pub(crate) struct Info {
    pub id: Option<Id>,
    /// `sshd -T` settings and the ports it listens on.
    pub sshd: Option<SshdT>,
    /// `df -Pk .` output.
    pub df: Option<String>,
}

/// Everything opened at once.
pub(crate) struct Early {
    pub sftp: Result<SftpOpen, Sftp>,
    pub info: Info,
    /// The session check's answer (asked of [`fetch_checked`]): the script's run as the check's
    /// command would have gone, when the script ran through (see [`as_session_check`]), else
    /// the check's own command's run.
    pub session_run: Option<Result<Run, ChanError>>,
}

const MARK: &str = "@@sshdoctor:";

/// The fixed reasons SFTP did not open (each also a catalog sentence, see
/// `engine::remote::sftp_reason`).
pub(crate) const SFTP_ENDED: &str = "the server ended the sftp session without a word";
pub(crate) const SFTP_NO_VERSION: &str = "no SFTP server answered the SFTP version request";
pub(crate) const SFTP_NOT_ANSWERED: &str = "the sftp request was not answered";

/// The one fixed script: markers, then `id`, `sshd -T` (as root may run it), `df`. `env` keeps
/// the labels untranslated whatever the login shell.
pub(crate) fn script(user: &str) -> String {
    format!(
        "echo {MARK}id; env LC_ALL=C id; echo {MARK}sshd; {}; echo {MARK}df; df -Pk . 2>/dev/null; echo {MARK}end",
        sshd_t_command(user)
    )
}

/// Split the script's output into its parts.
pub(crate) fn parse_script(stdout: &[u8]) -> Info {
    let text = String::from_utf8_lossy(stdout);
    let mut parts: Vec<(&str, String)> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.trim_end().strip_prefix(MARK) {
            parts.push((name, String::new()));
        } else if let Some((_, body)) = parts.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    let part = |name: &str| {
        parts
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, b)| b.as_str())
            .filter(|b| !b.trim().is_empty())
    };
    Info {
        id: part("id").and_then(parse_id),
        sshd: part("sshd").map(|t| (parse_sshd_t(t), sshd_t_ports(t))),
        df: part("df").map(str::to_string),
    }
}

/// Open SFTP: the subsystem request (a refusal is answered at once), then the SFTP
/// INIT/VERSION exchange and realpath("."), each bounded by `timeout`.
pub(crate) async fn open_sftp<O: Opener>(link: &O, timeout: Duration) -> Result<SftpOpen, Sftp> {
    let (mut channel, conn) = link
        .session(timeout)
        .await
        .map_err(|e| Sftp::Unknown(format!("opening a session: {e}")))?;
    let asked = async {
        channel
            .request_subsystem(true, "sftp")
            .await
            .map_err(|e| Sftp::Unknown(format!("requesting sftp: {e}")))?;
        match request_answer(&mut channel).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(Sftp::Refused),
            Err(e) => Err(Sftp::Broken(e)),
        }
    };
    tokio::time::timeout(timeout, asked)
        .await
        .map_err(|_| Sftp::Unknown(SFTP_NOT_ANSWERED.into()))??;
    // The server may end the channel right after accepting (no sftp-server program): that
    // is the answer, not something to wait out.
    let (stream, ended) = super::ended::watch(channel.into_stream());
    let gone = || Sftp::Broken(SFTP_ENDED.into());
    let sftp = tokio::select! {
        s = tokio::time::timeout(timeout, SftpSession::new(stream)) => s
            .map_err(|_| Sftp::Broken(SFTP_NO_VERSION.into()))?
            .map_err(|e| Sftp::Broken(format!("no SFTP server answered ({e})")))?,
        () = ended.clone().wait() => return Err(gone()),
    };
    sftp.set_timeout(timeout.as_secs().max(1));
    let home = tokio::select! {
        h = tokio::time::timeout(timeout, sftp.canonicalize(".")) => h
            .map_err(|_| Sftp::Unknown("sftp realpath(\".\") was not answered".into()))?
            .map_err(|e| Sftp::Unknown(format!("sftp realpath(\".\"): {e}")))?,
        () = ended.wait() => return Err(gone()),
    };
    Ok(SftpOpen { sftp, home, conn })
}

/// The script's run as the session check's command would have gone, when it ran through: the
/// exec accepted, exit status 0, its first marker first on a line and its end marker the last
/// line. Whatever the shell printed before the first marker is what it prints before any
/// command (a noisy startup). Anything else (a refused exec, a forced command, nologin, a
/// shell that cannot read the script, output after the end) is None: the session check then
/// runs its own command, so its verdict does not depend on the script.
pub(crate) fn as_session_check(run: &Run) -> Option<Run> {
    if run.refused || run.exit != Some(0) {
        return None;
    }
    let first = format!("{MARK}id\n");
    let start = run
        .stdout
        .windows(first.len())
        .position(|w| w == first.as_bytes())
        .filter(|&at| at == 0 || run.stdout[at - 1] == b'\n')?;
    let end = format!("\n{MARK}end\n");
    if !run.stdout.ends_with(end.as_bytes()) {
        return None;
    }
    Some(Run {
        stdout: run.stdout[..start].to_vec(),
        stderr: run.stderr.clone(),
        exit: run.exit,
        refused: false,
    })
}

/// SFTP and (where commands may run) the script, at once.
pub(crate) async fn fetch<O: Opener>(link: &O, user: &str, exec: bool, timeout: Duration) -> Early {
    fetch_checked(link, user, exec.then_some(None), timeout).await
}

/// As [`fetch`]; `exec` None runs no command, Some(check) runs the script and, when `check`
/// names the session check's command and the script did not run through, that command too, at
/// the same time as the `id` fallback (so the stage takes no longer than when they all went
/// out at once).
pub(crate) async fn fetch_checked<O: Opener>(
    link: &O,
    user: &str,
    exec: Option<Option<&str>>,
    timeout: Duration,
) -> Early {
    let info = async {
        let Some(check) = exec else {
            return (Info::default(), None);
        };
        let scripted = run_command(link, &script(user), timeout).await;
        let mut info = scripted
            .as_ref()
            .map(|run| parse_script(&run.stdout))
            .unwrap_or_default();
        let through = scripted.as_ref().ok().and_then(as_session_check);
        let own_check = async {
            match (through, check) {
                (Some(run), _) => Some(Ok(run)),
                (None, Some(command)) => Some(run_command(link, command, timeout).await),
                (None, None) => None,
            }
        };
        // A login shell that cannot read the script (csh and `2>/dev/null`): `id` alone.
        let id_missing = info.id.is_none();
        let id_again = async {
            if !id_missing {
                return None;
            }
            run_command(link, "env LC_ALL=C id", timeout).await.ok()
        };
        let (session_run, again) = tokio::join!(own_check, id_again);
        if let Some(run) = again {
            info.id = parse_id(&String::from_utf8_lossy(&run.stdout));
        }
        (info, session_run)
    };
    let (sftp, (info, session_run)) = tokio::join!(open_sftp(link, timeout), info);
    Early {
        sftp,
        info,
        session_run,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_s_parts_are_told_apart() {
        let out = b"motd noise\n@@sshdoctor:id\nuid=1001(a) gid=1001(a) groups=1001(a)\n@@sshdoctor:sshd\nport 2222\nstrictmodes yes\nauthorizedkeysfile .ssh/authorized_keys\n@@sshdoctor:df\nFilesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda1 100 50 50 50% /\n@@sshdoctor:end\n";
        let info = parse_script(out);
        assert_eq!(info.id.map(|i| i.uid), Some(1001));
        let (settings, ports) = info.sshd.unwrap();
        assert_eq!(ports, [2222]);
        assert!(settings
            .iter()
            .any(|(k, v)| k == "strictmodes" && v == "yes"));
        assert!(info.df.unwrap().contains("/dev/sda1"));
        // Nothing after a marker: that part is None.
        let info = parse_script(b"@@sshdoctor:id\n@@sshdoctor:sshd\n@@sshdoctor:end\n");
        assert!(info.id.is_none() && info.sshd.is_none() && info.df.is_none());
        assert!(script("alice").contains("sshd -T -C user=alice"));
    }

    #[test]
    fn the_script_stands_in_for_the_session_check_only_when_it_ran_through() {
        let run = |stdout: &str, exit: Option<u32>| Run {
            stdout: stdout.as_bytes().to_vec(),
            stderr: b"from the shell\n".to_vec(),
            exit,
            refused: false,
        };
        let clean =
            "@@sshdoctor:id\nuid=0(root)\n@@sshdoctor:sshd\n@@sshdoctor:df\n@@sshdoctor:end\n";
        let check = as_session_check(&run(clean, Some(0))).expect("ran through");
        assert!(check.stdout.is_empty() && check.exit == Some(0) && !check.refused);
        assert_eq!(check.stderr, b"from the shell\n");
        // What the shell printed before the script's first marker is a noisy startup.
        let noisy = format!("Welcome!\n{clean}");
        let check = as_session_check(&run(&noisy, Some(0))).expect("ran through");
        assert_eq!(check.stdout, b"Welcome!\n");
        for (stdout, exit) in [
            (clean, Some(1)),
            (clean, None),
            ("welcome\n", Some(0)),
            (&format!("{clean}bye\n"), Some(0)),
            (&format!("x{clean}"), Some(0)),
            (&clean[..clean.len() - 1], Some(0)),
            ("", Some(0)),
        ] {
            assert!(
                as_session_check(&run(stdout, exit)).is_none(),
                "{stdout:?} {exit:?}"
            );
        }
        let mut refused = run(clean, Some(0));
        refused.refused = true;
        assert!(as_session_check(&refused).is_none());
    }
}
