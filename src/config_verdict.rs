//! The config stage's verdict on a resolved configuration: what the installed ssh would do
//! with it (refuse to start, print a warning, skip a `Match exec` block), as findings and
//! log lines the engine sends; no I/O besides what [`crate::config`] already read.

use std::collections::HashMap;
use std::path::Path;

use crate::algorithms::OpenSshVersion;
use crate::config::{ConfigInput, Diagnostic, Origin, Reaction, ResolvedConfig, UnevaluatedBlock};
use crate::event::{Finding, Level, Stage};
use crate::findings::finding;

/// At most this many findings of one id; the rest are counted in one more.
const MAX_FINDINGS: usize = 20;
/// At most this many log lines of one kind; the rest are counted in one more (ssh prints
/// each of them; a report of forty thousand identical complaints helps nobody).
const MAX_LOGS: usize = 200;

/// What the config stage reports.
#[derive(Debug, Default)]
pub struct Verdict {
    /// Findings, in file order.
    pub findings: Vec<Finding>,
    /// Log lines.
    pub logs: Vec<(Level, String)>,
    /// Facts (`home`).
    pub facts: Vec<(String, String)>,
    /// ssh would refuse to start (a bad option or a fatal error).
    pub refused: bool,
}

/// Judge `cfg` (resolved from `input`) as the client `version` would; `describe` shows an
/// origin for people (`~/.ssh/config line 3`).
pub fn judge(
    cfg: &ResolvedConfig,
    input: &ConfigInput,
    version: Option<OpenSshVersion>,
    describe: &dyn Fn(&Origin) -> String,
) -> Verdict {
    let mut v = Verdict::default();
    home_note(&mut v, input);
    let applies = version.map(|x| (x.major, x.minor));
    let mut extra = crate::config::algorithm_problems(cfg, version);
    if let Some(a) = cfg.get("connectionattempts").filter(|a| a.value == "0") {
        extra.push(at(
            &a.origin,
            "Invalid number of ConnectionAttempts",
            Reaction::Fatal,
        ));
    }
    let (refusing, logged): (Vec<&Diagnostic>, Vec<&Diagnostic>) = cfg
        .diagnostics
        .iter()
        .filter(|d| d.applies_to(applies))
        .chain(&extra)
        .partition(|d| d.refuses());
    v.refused = !refusing.is_empty();
    push_logs(&mut v.logs, &logged, describe);
    push_capped(
        &mut v.findings,
        logged.iter().map(|d| parse_error(d, describe)),
    );
    push_logs(&mut v.logs, &refusing, describe);
    let mut bad_per_file: HashMap<&Path, usize> = HashMap::new();
    for d in refusing
        .iter()
        .filter(|d| d.reaction == Reaction::BadOption)
    {
        *bad_per_file.entry(d.path.as_path()).or_default() += 1;
    }
    push_capped(
        &mut v.findings,
        refusing
            .iter()
            .map(|d| invalid_value(d, &bad_per_file, describe)),
    );
    for block in &cfg.exec_blocks {
        v.logs.push((Level::Info, exec_log(block, describe)));
    }
    push_capped(
        &mut v.findings,
        cfg.exec_blocks.iter().map(|b| exec_finding(b, describe)),
    );
    v
}

/// `~`, `%d` and the default files come from the passwd entry; say so when `$HOME` differs.
fn home_note(v: &mut Verdict, input: &ConfigInput) {
    let Some(passwd) = input.passwd_home.as_ref().filter(|p| **p != input.home) else {
        return;
    };
    v.logs.push((
        Level::Info,
        format!(
            "HOME is {} but ssh takes ~ from the passwd entry of {}: {} (~/.ssh/config, the default keys and known_hosts, ~ and %d are there; only Include patterns use $HOME)",
            input.home.display(),
            input.local_user,
            passwd.display()
        ),
    ));
    v.facts.push((
        "home".into(),
        format!(
            "{} (passwd entry; $HOME is {})",
            passwd.display(),
            input.home.display()
        ),
    ));
}

fn at(origin: &Origin, message: &str, reaction: Reaction) -> Diagnostic {
    let (path, line) = match origin {
        Origin::File { path, line } => (path.clone(), *line),
        _ => ("<command line>".into(), 0),
    };
    Diagnostic {
        path,
        line,
        message: message.into(),
        reaction,
        since: None,
    }
}

fn origin_of(d: &Diagnostic) -> Origin {
    Origin::File {
        path: d.path.clone(),
        line: d.line,
    }
}

/// `file:line` for evidence.
fn file_line(d: &Diagnostic) -> String {
    if d.line == 0 {
        d.path.display().to_string()
    } else {
        format!("{}:{}", d.path.display(), d.line)
    }
}

fn push_logs(
    out: &mut Vec<(Level, String)>,
    ds: &[&Diagnostic],
    describe: &dyn Fn(&Origin) -> String,
) {
    for d in ds.iter().take(MAX_LOGS) {
        let place = describe(&origin_of(d));
        out.push((Level::Info, format!("{place}: {}", d.message)));
    }
    if ds.len() > MAX_LOGS {
        let rest = ds.len() - MAX_LOGS;
        out.push((
            Level::Info,
            format!("… and {rest} more lines like these (`ssh -G` prints every one)"),
        ));
    }
}

fn push_capped(out: &mut Vec<Finding>, items: impl ExactSizeIterator<Item = Finding>) {
    let total = items.len();
    let mut id = None;
    for (i, f) in items.enumerate() {
        if i == MAX_FINDINGS {
            let rest = total - MAX_FINDINGS;
            let id: &str = id.as_deref().unwrap_or("config.parse_error");
            out.push(finding(
                id,
                Stage::Config,
                format!("… and {rest} more lines like these (the log lists the first {MAX_LOGS}; `ssh -G` prints every one)"),
            ));
            return;
        }
        id.get_or_insert_with(|| f.id.clone());
        out.push(f);
    }
}

fn parse_error(d: &Diagnostic, describe: &dyn Fn(&Origin) -> String) -> Finding {
    let place = describe(&origin_of(d));
    finding(
        "config.parse_error",
        Stage::Config,
        format!("{place}: {} (ssh prints this and goes on)", d.message),
    )
    .evidence(format!("{}: {}", file_line(d), d.message))
}

fn invalid_value(
    d: &Diagnostic,
    bad_per_file: &HashMap<&Path, usize>,
    describe: &dyn Fn(&Origin) -> String,
) -> Finding {
    let place = describe(&origin_of(d));
    let consequence = match d.reaction {
        Reaction::Fatal => "ssh stops at once".to_string(),
        _ => {
            let n = bad_per_file.get(d.path.as_path()).copied().unwrap_or(0);
            format!(
                "{}: terminating, {n} bad configuration options",
                d.path.display()
            )
        }
    };
    let mut f = finding(
        "config.invalid_value",
        Stage::Config,
        format!(
            "{place}: {}: ssh refuses to start ({consequence}).",
            d.message
        ),
    )
    .evidence(format!("{}: {}", file_line(d), d.message))
    .evidence(consequence);
    if let Some((major, minor)) = d.since {
        f = f.fix(format!(
            "The installed ssh is older than OpenSSH {major}.{minor}, which added this. Remove the line, or put `IgnoreUnknown` with the keyword before it so older clients skip it."
        ));
    } else if d.message.starts_with("Bad configuration option") {
        f = f.fix("Correct the keyword's spelling, or remove the line; for a keyword of another ssh client, put `IgnoreUnknown KEYWORD` before it.");
    }
    f
}

/// The block's settings as `keyword: now → then`.
fn change_lines(block: &UnevaluatedBlock, describe: &dyn Fn(&Origin) -> String) -> Vec<String> {
    let show = |v: &[String]| {
        if v.is_empty() {
            "(unset)".to_string()
        } else {
            v.join(" ")
        }
    };
    block
        .changes
        .iter()
        .map(|c| {
            let from = c.origin.as_ref().map(|o| format!(" ({})", describe(o)));
            format!(
                "{}: {} → {}{}",
                c.keyword,
                show(&c.now),
                show(&c.then),
                from.unwrap_or_default()
            )
        })
        .collect()
}

fn exec_log(block: &UnevaluatedBlock, describe: &dyn Fn(&Origin) -> String) -> String {
    let place = describe(&Origin::File {
        path: block.path.clone(),
        line: block.line,
    });
    format!(
        "{place}: Match {} not evaluated (sshdoctor does not run commands from your configuration; the block was treated as not matching)",
        block.criteria.join(" ")
    )
}

fn exec_finding(block: &UnevaluatedBlock, describe: &dyn Fn(&Origin) -> String) -> Finding {
    let place = describe(&Origin::File {
        path: block.path.clone(),
        line: block.line,
    });
    let changes = change_lines(block, describe);
    let effect = if changes.is_empty() {
        "if it matched, nothing sshdoctor checks would change".to_string()
    } else {
        format!("if it matched, ssh would use: {}", changes.join("; "))
    };
    finding(
        "config.match_exec_unevaluated",
        Stage::Config,
        format!(
            "{place}: Match {} was not run, so its block was taken as not matching; {effect}.",
            block.criteria.join(" ")
        ),
    )
    .evidence(format!(
        "{}:{}: Match {}",
        block.path.display(),
        block.line,
        block.criteria.join(" ")
    ))
    .evidence_all(changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(text: &str, version: Option<(u32, u32)>, passwd_home: Option<&str>) -> Verdict {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c");
        std::fs::write(&file, text).unwrap();
        let input = ConfigInput {
            host: "h".into(),
            user_config: Some(file),
            home: dir.path().to_path_buf(),
            passwd_home: passwd_home.map(Into::into),
            local_user: "me".into(),
            local_hostname: "box".into(),
            ..ConfigInput::default()
        };
        let cfg = crate::config::resolve(&input);
        let version = version.map(|(a, b)| OpenSshVersion::new(a, b));
        judge(&cfg, &input, version, &|o| o.to_string())
    }

    fn ids(v: &Verdict) -> Vec<&str> {
        v.findings.iter().map(|f| f.id.as_str()).collect()
    }

    #[test]
    fn what_ssh_refuses_and_what_it_only_prints() {
        let v = verdict(
            "RSAAuthentication yes\nPort 0\nProt 1\n",
            Some((9, 2)),
            None,
        );
        assert!(v.refused);
        assert_eq!(
            ids(&v),
            [
                "config.parse_error",
                "config.invalid_value",
                "config.invalid_value"
            ]
        );
        let bad = &v.findings[1];
        assert!(
            bad.evidence[0].ends_with(":2: Bad port '0'."),
            "{:?}",
            bad.evidence
        );
        assert!(bad.evidence[1].ends_with("terminating, 2 bad configuration options"));
        let v = verdict("RSAAuthentication yes\n", Some((9, 2)), None);
        assert!(!v.refused);
        let v = verdict("PermitRemoteOpen nohost\n", Some((9, 2)), None);
        assert!(v.refused);
        assert_eq!(v.findings[0].evidence[1], "ssh stops at once");
    }

    #[test]
    fn newer_keywords_depend_on_the_installed_release() {
        let text = "Tag work\nMatch tagged work\n  Port 2\n";
        let old = verdict(text, Some((9, 2)), None);
        assert!(old.refused);
        assert_eq!(ids(&old), ["config.invalid_value", "config.invalid_value"]);
        assert!(
            old.findings[0].fix.contains("OpenSSH 9.4"),
            "{}",
            old.findings[0].fix
        );
        assert!(!verdict(text, Some((9, 4)), None).refused);
        assert!(!verdict(text, None, None).refused);
    }

    #[test]
    fn algorithm_names_are_checked_against_the_release() {
        let v = verdict(
            "Host other\n  KexAlgorithms nope-sha256\n",
            Some((9, 2)),
            None,
        );
        assert!(v.refused);
        assert!(v.findings[0]
            .detail
            .contains("Bad SSH2 KexAlgorithms 'nope-sha256'"));
        assert!(!verdict("KexAlgorithms -nope*\n", Some((9, 2)), None).refused);
    }

    #[test]
    fn match_exec_says_what_would_change() {
        let v = verdict(
            "Match exec \"test -f /x\"\n  Port 2222\n  User viaexec\n",
            None,
            None,
        );
        assert!(!v.refused);
        assert_eq!(ids(&v), ["config.match_exec_unevaluated"]);
        let f = &v.findings[0];
        assert!(
            f.evidence[0].ends_with(":1: Match exec \"test -f /x\""),
            "{:?}",
            f.evidence
        );
        assert!(f.evidence.iter().any(|e| e.starts_with("port: 22 → 2222")));
        assert!(f
            .evidence
            .iter()
            .any(|e| e.starts_with("user: me → viaexec")));
    }

    #[test]
    fn home_elsewhere_is_said() {
        let v = verdict("", None, Some("/root"));
        assert!(v
            .logs
            .iter()
            .any(|(_, l)| l.contains("passwd entry") && l.contains("/root")));
        assert_eq!(v.facts[0].0, "home");
        assert!(verdict("", None, None).facts.is_empty());
    }
}
