//! The `account` stage (with `--user`): the account exists, its shell can run, it is not
//! locked or expired (the shadow file, when readable), its home exists, `/etc/nologin` is
//! absent, sshd's own lists and PermitRootLogin let it in, and which PAM modules may refuse.

use super::emit::{End, Out};
use super::{allowed, pam, Options, Seen};
use crate::event::{Finding, Level, Severity, Stage, Status};
use crate::findings::keyed;
use crate::text;
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
        let why = text!("server.account.no_user");
        out.skipped(Stage::Account, why).await;
        return;
    };
    let since = out.started(Stage::Account).await;
    let end = run(out, user, options, seen).await;
    out.finished(Stage::Account, since, end).await;
}

async fn run(out: &Out, user: &str, options: &Options, seen: &mut Seen) -> End {
    let Some(acc) = lookup(user).await else {
        let detail = text!("server.account.missing_detail", user = user);
        let f = keyed("server.account_missing", Stage::Account, detail)
            .evidence(format!("getent passwd {user}: no entry"));
        out.finding(f).await;
        return End::text(
            Status::Fail,
            text!("server.account.no_account", user = user),
        );
    };
    let said = text!(
        "server.account.found",
        user = &acc.name,
        uid = acc.uid,
        gid = acc.gid,
        home = &acc.home,
        shell = &acc.shell
    );
    out.say(Stage::Account, Level::Info, said).await;
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
        let modules = seen.pam_refusers.join(", ");
        let said = text!("server.account.pam_refusers", modules = modules);
        out.say(Stage::Account, Level::Info, said).await;
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
        (true, _) => End::text(Status::Fail, text!("server.account.refused", user = user)),
        (false, 0) => End::text(
            Status::Pass,
            text!("server.account.may_log_in", user = user, uid = acc.uid),
        ),
        _ => End::text(
            Status::Warn,
            text!("server.account.see_warnings", user = user, uid = acc.uid),
        ),
    }
}

/// sshd refuses an account whose shell does not exist or cannot be run ("User X not allowed
/// because shell S does not exist"); nologin and false let it authenticate but run nothing.
pub(super) fn shell(acc: &Account) -> Vec<Finding> {
    let shell = if acc.shell.is_empty() {
        "/bin/sh"
    } else {
        acc.shell.as_str()
    };
    let meta = std::fs::metadata(shell);
    let refusal = match &meta {
        Err(_) => Some(text!(
            "server.account.shell_missing_detail",
            user = &acc.name,
            shell = shell
        )),
        Ok(m) if !m.is_file() || m.permissions().mode() & 0o111 == 0 => Some(text!(
            "server.account.shell_not_executable_detail",
            user = &acc.name,
            shell = shell
        )),
        Ok(_) => None,
    };
    if let Some(detail) = refusal {
        let q = crate::fsedit::shell_quote(&acc.name);
        let f = keyed("server.shell_invalid", Stage::Account, detail)
            .evidence(format!("getent passwd {}: shell {shell}", acc.name))
            .fix_text(text!(
                "server.account.shell_invalid_fix",
                user = q,
                shell = shell
            ));
        return vec![f];
    }
    let name = Path::new(shell)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("");
    if matches!(name, "nologin" | "false") {
        let detail = text!(
            "server.account.shell_nologin_detail",
            user = &acc.name,
            shell = shell
        );
        let f = keyed("server.shell_nologin", Stage::Account, detail)
            .evidence(format!("getent passwd {}: shell {shell}", acc.name));
        return vec![f];
    }
    let listed =
        std::fs::read_to_string("/etc/shells").is_ok_and(|t| t.lines().any(|l| l.trim() == shell));
    if !listed {
        let detail = text!("server.account.shell_unlisted_detail", shell = shell);
        return vec![keyed("server.shell_nologin", Stage::Account, detail)
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
    let user = &acc.name;
    if let Some(day) = s.expired_on {
        let detail = text!(
            "server.account.expired_detail",
            user = user,
            date = date(day),
            day = day
        );
        found.push(
            keyed("server.account_expired", Stage::Account, detail)
                .evidence(format!("/etc/shadow: {} expires on day {day}", acc.name))
                .fix_text(text!("server.account.expired_fix", q = &q)),
        );
    }
    if s.locked {
        let detail = match seen.use_pam() {
            true => text!("server.account.locked_pam_detail", user = user),
            false => text!("server.account.locked_detail", user = user),
        };
        let mut f = keyed("server.account_locked", Stage::Account, detail)
            .evidence(format!(
                "/etc/shadow: {}'s password field starts with '!'",
                acc.name
            ))
            .fix_text(text!("server.account.locked_fix", q = &q));
        if seen.use_pam() {
            f.severity = Severity::Warning;
        }
        found.push(f);
    }
    if let Some(day) = s.password_expired_on.filter(|_| s.expired_on.is_none()) {
        let detail = text!(
            "server.account.password_expired_detail",
            user = user,
            date = date(day)
        );
        found.push(
            keyed("server.password_expired", Stage::Account, detail)
                .evidence(format!(
                    "/etc/shadow: last change + maximum age ended on day {day}"
                ))
                .fix_text(text!("server.account.password_expired_fix", q = &q)),
        );
    }
    found
}

fn date(day: u64) -> String {
    super::log::line::utc_time(day * 86_400)[..10].to_string()
}

/// The home directory and `/etc/nologin`.
pub(super) fn files(acc: &Account) -> Vec<Finding> {
    let mut found = Vec::new();
    if !Path::new(&acc.home).is_dir() {
        let detail = text!(
            "server.account.home_missing_detail",
            user = &acc.name,
            home = &acc.home
        );
        let q = crate::fsedit::shell_quote(&acc.name);
        found.push(
            keyed("server.home_missing", Stage::Account, detail)
                .evidence(format!("{}: no such directory", acc.home))
                .fix_text(text!("server.account.home_missing_fix", q = q)),
        );
    }
    let nologin = PathBuf::from("/etc/nologin");
    if nologin.exists() && acc.uid != 0 {
        let text = std::fs::read_to_string(&nologin).unwrap_or_default();
        found.push(
            keyed(
                "server.nologin",
                Stage::Account,
                text!("server.account.nologin_detail"),
            )
            .evidence(format!(
                "/etc/nologin: {}",
                text.lines().next().unwrap_or("(empty)")
            ))
            .fix_text(text!("server.account.nologin_fix")),
        );
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
