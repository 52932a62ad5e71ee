//! The `account` stage (with `--user`): the account exists, its shell can run, it is not
//! locked or expired (the shadow file, when readable), its home exists, `/etc/nologin` is
//! absent, sshd's own lists and PermitRootLogin let it in, and which PAM modules may refuse.

use super::emit::{End, Out};
use super::{allowed, pam, Options, Seen};
use crate::event::{Finding, Level, Severity, Stage, Status};
use crate::findings::finding;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Findings the log may show too: reported by the log stage with its attempts added.
const MERGED: [&str; 5] = [
    "server.user_not_allowed",
    "server.root_login_refused",
    "server.account_expired",
    "server.account_locked",
    "server.shell_invalid",
];

/// An account as `getent passwd` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Account {
    /// Login name.
    pub name: String,
    /// uid.
    pub uid: u32,
    /// Primary gid.
    pub gid: u32,
    /// Home directory.
    pub home: String,
    /// Login shell.
    pub shell: String,
}

/// Parse one passwd line (`name:x:uid:gid:gecos:home:shell`).
pub(crate) fn parse_passwd(line: &str) -> Option<Account> {
    let f: Vec<&str> = line.trim_end().split(':').collect();
    if f.len() < 7 {
        return None;
    }
    Some(Account {
        name: f[0].to_string(),
        uid: f[2].parse().ok()?,
        gid: f[3].parse().ok()?,
        home: f[5].to_string(),
        shell: f[6].to_string(),
    })
}

/// The account's groups, primary and supplementary, by name (`id -Gn`, which asks NSS as
/// sshd does).
async fn groups(name: &str) -> Vec<String> {
    match super::cmd::run(Path::new("id"), &["-Gn", "--", name]).await {
        Ok(out) if out.ok => out.stdout.split_whitespace().map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

/// `getent passwd NAME` (covers LDAP and sssd accounts), else `/etc/passwd`.
async fn lookup(name: &str) -> Option<Account> {
    if let Ok(out) = super::cmd::run(Path::new("getent"), &["passwd", name]).await {
        if out.ok {
            return out
                .stdout
                .lines()
                .find_map(parse_passwd)
                .filter(|a| a.name == name);
        }
        return None;
    }
    let text = std::fs::read_to_string("/etc/passwd").ok()?;
    text.lines()
        .filter_map(parse_passwd)
        .find(|a| a.name == name)
}

/// What the shadow entry says (`/etc/shadow` is root's).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Shadow {
    /// The password field starts with `!`: locked (`passwd -l`, `usermod -L`).
    pub locked: bool,
    /// The account expired on this day (days since 1970), if in the past.
    pub expired_on: Option<u64>,
    /// The password expired on this day, if in the past.
    pub password_expired_on: Option<u64>,
}

/// Judge a shadow line as of `today` (days since 1970).
pub(crate) fn parse_shadow(line: &str, today: u64) -> Shadow {
    let f: Vec<&str> = line.split(':').collect();
    let num = |i: usize| f.get(i).and_then(|s| s.parse::<u64>().ok());
    let mut s = Shadow {
        locked: f.get(1).is_some_and(|p| p.starts_with('!')),
        ..Shadow::default()
    };
    s.expired_on = num(7).filter(|&d| d <= today);
    if let (Some(last), Some(max)) = (num(2), num(4)) {
        let ends = last + max + num(6).unwrap_or(0);
        if last > 0 && max < 99_999 && ends < today {
            s.password_expired_on = Some(ends);
        }
    }
    s
}

fn today() -> u64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    now.as_secs() / 86_400
}

/// Run the stage.
pub(super) async fn stage(out: &Out, options: &Options, seen: &mut Seen) {
    let Some(user) = &options.user else {
        out.skipped(Stage::Account, "no --user given").await;
        return;
    };
    let since = out.started(Stage::Account).await;
    let end = run(out, user, options, seen).await;
    out.finished(Stage::Account, since, end).await;
}

async fn run(out: &Out, user: &str, options: &Options, seen: &mut Seen) -> End {
    let Some(acc) = lookup(user).await else {
        let f = finding("server.account_missing", Stage::Account, format!("There is no account {user} (getent passwd {user} finds none). sshd goes through the motions with a fake account and logs \"Invalid user {user}\"; every key and password fails."))
            .evidence(format!("getent passwd {user}: no entry"));
        out.finding(f).await;
        return End::new(Status::Fail, format!("no account {user}"));
    };
    out.log(
        Stage::Account,
        Level::Info,
        format!(
            "{}: uid {}, gid {}, home {}, shell {}",
            acc.name, acc.uid, acc.gid, acc.home, acc.shell
        ),
    )
    .await;
    out.fact(Stage::Account, "home", acc.home.clone()).await;
    let mut findings = shell(&acc);
    findings.extend(shadow(&acc, seen).await);
    findings.extend(files(&acc));
    let groups = groups(&acc.name).await;
    findings.extend(allowed::judge(&acc, &groups, options.from.as_deref(), seen));
    seen.pam_refusers = if seen.use_pam() {
        pam::refusers(Path::new("/etc/pam.d"))
    } else {
        Vec::new()
    };
    if !seen.pam_refusers.is_empty() {
        out.log(
            Stage::Account,
            Level::Info,
            format!(
                "UsePAM yes: sshd's PAM stacks hold modules that can refuse a login: {}",
                seen.pam_refusers.join(", ")
            ),
        )
        .await;
        out.fact(Stage::Account, "pam_refusers", seen.pam_refusers.join(" "))
            .await;
    }
    seen.account = Some(acc.clone());
    let failed = findings.iter().any(|f| f.severity == Severity::Error);
    let n = findings.len();
    for f in findings {
        if MERGED.contains(&f.id.as_str()) {
            seen.pending.push(f);
        } else {
            out.finding(f).await;
        }
    }
    match (failed, n) {
        (true, _) => End::new(Status::Fail, format!("{user}: sshd refuses this account")),
        (false, 0) => End::new(Status::Pass, format!("{user} (uid {}) may log in", acc.uid)),
        _ => End::new(
            Status::Warn,
            format!("{user} (uid {}): see the warnings", acc.uid),
        ),
    }
}

/// sshd refuses an account whose shell does not exist or cannot be run ("User X not allowed
/// because shell S does not exist"); nologin and false let it authenticate but run nothing.
fn shell(acc: &Account) -> Vec<Finding> {
    let shell = if acc.shell.is_empty() {
        "/bin/sh"
    } else {
        acc.shell.as_str()
    };
    let meta = std::fs::metadata(shell);
    let refusal = match &meta {
        Err(_) => Some("does not exist"),
        Ok(m) if !m.is_file() || m.permissions().mode() & 0o111 == 0 => Some("is not executable"),
        Ok(_) => None,
    };
    if let Some(why) = refusal {
        let f = finding("server.shell_invalid", Stage::Account, format!("{}'s shell {shell} {why}: sshd refuses the account before any key or password is tried, and logs \"User {} not allowed because shell {shell} {why}\".", acc.name, acc.name))
            .evidence(format!("getent passwd {}: shell {shell}", acc.name))
            .fix(format!("Give the account a shell that exists: `usermod -s /bin/bash {}` (or install {shell}).", crate::fsedit::shell_quote(&acc.name)));
        return vec![f];
    }
    let name = Path::new(shell)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("");
    if matches!(name, "nologin" | "false") {
        let f = finding("server.shell_nologin", Stage::Account, format!("{}'s shell is {shell}: a key or password is accepted, then the session ends at once (\"This account is currently not available.\"). Right for sftp-only or service accounts (with ForceCommand internal-sftp), wrong for a person.", acc.name))
            .evidence(format!("getent passwd {}: shell {shell}", acc.name));
        return vec![f];
    }
    let listed =
        std::fs::read_to_string("/etc/shells").is_ok_and(|t| t.lines().any(|l| l.trim() == shell));
    if !listed {
        return vec![finding("server.shell_nologin", Stage::Account, format!("{shell} is not in /etc/shells. sshd does not mind, but PAM's pam_shells (and ftp, chsh) refuse such accounts."))
            .evidence(format!("/etc/shells does not list {shell}"))];
    }
    Vec::new()
}

/// The shadow entry: locked (sshd refuses every login with UsePAM no; with UsePAM yes
/// passwords fail), expired (refused either way), password expired (a password change is
/// demanded, which a non-interactive login cannot do).
async fn shadow(acc: &Account, seen: &Seen) -> Vec<Finding> {
    let Ok(text) = std::fs::read_to_string("/etc/shadow") else {
        return Vec::new();
    };
    let Some(line) = text
        .lines()
        .find(|l| l.split(':').next() == Some(acc.name.as_str()))
    else {
        return Vec::new();
    };
    let s = parse_shadow(line, today());
    let q = crate::fsedit::shell_quote(&acc.name);
    let mut found = Vec::new();
    if let Some(day) = s.expired_on {
        found.push(finding("server.account_expired", Stage::Account, format!("{}'s account expired on {} (day {day} in /etc/shadow): sshd (\"Account {} has expired\") and PAM (\"User account has expired\") refuse every login.", acc.name, date(day), acc.name))
            .evidence(format!("/etc/shadow: {} expires on day {day}", acc.name))
            .fix(format!("`chage -E -1 {q}` (no expiry) or `chage -E YYYY-MM-DD {q}`.")));
    }
    if s.locked {
        let mut f = finding("server.account_locked", Stage::Account, String::new())
            .evidence(format!("/etc/shadow: {}'s password field starts with '!'", acc.name))
            .fix(format!("`usermod -U {q}` (or `passwd -u {q}`) unlocks it; for a key-only account, `usermod -p '*' {q}` leaves no password yet is not locked."));
        if seen.use_pam() {
            f.severity = Severity::Warning;
            f.detail = format!("{}'s password is locked. With UsePAM yes sshd skips its own lock check, so key logins still work; password logins fail.", acc.name);
        } else {
            f.detail = format!("{} is locked and sshd runs with UsePAM no: it refuses every login, keys included (\"User {} not allowed because account is locked\").", acc.name, acc.name);
        }
        found.push(f);
    }
    if let Some(day) = s.password_expired_on.filter(|_| s.expired_on.is_none()) {
        found.push(finding("server.password_expired", Stage::Account, format!("{}'s password expired on {}: a login is asked to change it first, which scripts and non-interactive logins cannot do.", acc.name, date(day)))
            .evidence(format!("/etc/shadow: last change + maximum age ended on day {day}"))
            .fix(format!("`passwd {q}` sets a new one; `chage -M 99999 {q}` removes the maximum age.")));
    }
    found
}

fn date(day: u64) -> String {
    super::log::line::utc_time(day * 86_400)[..10].to_string()
}

/// The home directory and `/etc/nologin`.
fn files(acc: &Account) -> Vec<Finding> {
    let mut found = Vec::new();
    if !Path::new(&acc.home).is_dir() {
        found.push(finding("server.home_missing", Stage::Account, format!("{}'s home {} does not exist: sshd finds no ~/.ssh/authorized_keys there, so key logins fail; a password login lands in / (\"Could not chdir to home directory\").", acc.name, acc.home))
            .evidence(format!("{}: no such directory", acc.home))
            .fix(format!("`mkhomedir_helper {}` or create it owned by the account (mode 0755 or stricter).", crate::fsedit::shell_quote(&acc.name))));
    }
    let nologin = PathBuf::from("/etc/nologin");
    if nologin.exists() && acc.uid != 0 {
        let text = std::fs::read_to_string(&nologin).unwrap_or_default();
        found.push(finding("server.nologin", Stage::Account, "/etc/nologin exists: only root may log in (sshd and pam_nologin refuse everyone else, showing its text). It is made during shutdown and by `shutdown` with a delay; a leftover one locks everybody out.")
            .evidence(format!("/etc/nologin: {}", text.lines().next().unwrap_or("(empty)")))
            .fix("`rm /etc/nologin` once no shutdown is pending."));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shadow_fields_as_sshd_and_pam_read_them() {
        let s = parse_shadow("bob:!$y$j9T$x:19000:0:99999:7:::", 20000);
        assert!(s.locked && s.expired_on.is_none() && s.password_expired_on.is_none());
        let s = parse_shadow("bob:$y$x:19000:0:99999:7::1:", 20000);
        assert_eq!(s.expired_on, Some(1));
        let s = parse_shadow("bob:$y$x:19000:0:30:7:::", 20000);
        assert_eq!(s.password_expired_on, Some(19030));
        assert_eq!(
            parse_shadow("bob:*:19000:0:99999:7:::", 20000),
            Shadow::default()
        );
    }

    #[test]
    fn passwd_lines() {
        let a = parse_passwd("sshdoctor-test:x:1001:1001::/home/sshdoctor-test:/bin/sh\n").unwrap();
        assert_eq!(
            (a.uid, a.home.as_str(), a.shell.as_str()),
            (1001, "/home/sshdoctor-test", "/bin/sh")
        );
        assert_eq!(parse_passwd("broken"), None);
        assert_eq!(date(1), "1970-01-02");
    }
}
