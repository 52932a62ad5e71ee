//! The config stage's verdict on a resolved configuration: what the installed ssh would do
//! with it (refuse to start, print a warning, skip a `Match exec` block), as findings and
//! log lines the engine sends; no I/O besides what [`crate::config`] already read.

use std::collections::HashMap;
use std::path::Path;

use crate::algorithms::OpenSshVersion;
use crate::config::{ConfigInput, Diagnostic, Origin, Reaction, ResolvedConfig, UnevaluatedBlock};
use crate::event::{Finding, Level, Stage};
use crate::findings::keyed;
use crate::i18n::Text;
use crate::text;

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
    /// Log lines (sshdoctor's own words, in no language yet).
    pub logs: Vec<(Level, Text)>,
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
    judge_said(cfg, input, version, &|o| Text::from(describe(o)))
}

/// An origin for people in no language yet (its English is [`Origin::describe`]'s):
/// `~/.ssh/config line 3`, the command line, OpenSSH's default.
pub fn place(origin: &Origin, home: &Path) -> Text {
    match origin {
        Origin::File { path, line } if *line > 0 => {
            let file = Origin::File {
                path: path.clone(),
                line: 0,
            }
            .describe(home);
            text!("config_verdict.file_line", file = file, line = *line)
        }
        Origin::File { .. } => Text::from(origin.describe(home)),
        Origin::CommandLine => text!("config_verdict.command_line"),
        Origin::Default => text!("config_verdict.default"),
    }
}

/// [`judge`] with `describe` giving the origin in no language yet (see [`place`]).
pub fn judge_said(
    cfg: &ResolvedConfig,
    input: &ConfigInput,
    version: Option<OpenSshVersion>,
    describe: &dyn Fn(&Origin) -> Text,
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
    let said = text!(
        "config_verdict.home_elsewhere",
        home = &input.home,
        user = &input.local_user,
        passwd = passwd
    );
    v.logs.push((Level::Info, said));
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

fn push_logs(out: &mut Vec<(Level, Text)>, ds: &[&Diagnostic], describe: &dyn Fn(&Origin) -> Text) {
    for d in ds.iter().take(MAX_LOGS) {
        let place = describe(&origin_of(d));
        let said = text!("config_verdict.at", place = place, message = &d.message);
        out.push((Level::Info, said));
    }
    if ds.len() > MAX_LOGS {
        let rest = ds.len() - MAX_LOGS;
        out.push((Level::Info, text!("config_verdict.more_logs", n = rest)));
    }
}

fn push_capped(out: &mut Vec<Finding>, items: impl ExactSizeIterator<Item = Finding>) {
    let total = items.len();
    let mut id = None;
    for (i, f) in items.enumerate() {
        if i == MAX_FINDINGS {
            let rest = total - MAX_FINDINGS;
            let id: &str = id.as_deref().unwrap_or("config.parse_error");
            let said = text!("config_verdict.more_findings", n = rest, max = MAX_LOGS);
            out.push(keyed(id, Stage::Config, said));
            return;
        }
        id.get_or_insert_with(|| f.id.clone());
        out.push(f);
    }
}

fn parse_error(d: &Diagnostic, describe: &dyn Fn(&Origin) -> Text) -> Finding {
    let place = describe(&origin_of(d));
    let said = text!(
        "config_verdict.parse_error",
        place = place,
        message = &d.message
    );
    keyed("config.parse_error", Stage::Config, said).evidence(format!(
        "{}: {}",
        file_line(d),
        d.message
    ))
}

fn invalid_value(
    d: &Diagnostic,
    bad_per_file: &HashMap<&Path, usize>,
    describe: &dyn Fn(&Origin) -> Text,
) -> Finding {
    let place = describe(&origin_of(d));
    let consequence = match d.reaction {
        Reaction::Fatal => text!("config_verdict.stops_at_once"),
        _ => {
            // ssh's own words (readconf.c), as it prints them.
            let n = bad_per_file.get(d.path.as_path()).copied().unwrap_or(0);
            Text::from(format!(
                "{}: terminating, {n} bad configuration options",
                d.path.display()
            ))
        }
    };
    let evidence = consequence.english();
    let said = text!(
        "config_verdict.refuses_to_start",
        place = place,
        message = &d.message,
        consequence = consequence
    );
    let mut f = keyed("config.invalid_value", Stage::Config, said)
        .evidence(format!("{}: {}", file_line(d), d.message))
        .evidence(evidence);
    if let Some((major, minor)) = d.since {
        let version = format!("{major}.{minor}");
        f = f.fix_text(text!("config_verdict.newer_keyword_fix", version = version));
    } else if d.message.starts_with("Bad configuration option") {
        f = f.fix_text(text!("config_verdict.bad_option_fix"));
    }
    f
}

/// The block's settings as `keyword: now → then`.
fn change_lines(block: &UnevaluatedBlock, describe: &dyn Fn(&Origin) -> Text) -> Vec<Text> {
    let show = |v: &[String]| match v.is_empty() {
        true => text!("config_verdict.unset"),
        false => Text::from(v.join(" ")),
    };
    block
        .changes
        .iter()
        .map(|c| {
            let (now, then) = (show(&c.now), show(&c.then));
            let change = text!(
                "config_verdict.change",
                keyword = &c.keyword,
                now = now,
                then = then
            );
            match &c.origin {
                Some(o) => text!(
                    "config_verdict.change_from",
                    change = change,
                    origin = describe(o)
                ),
                None => change,
            }
        })
        .collect()
}

fn exec_log(block: &UnevaluatedBlock, describe: &dyn Fn(&Origin) -> Text) -> Text {
    let place = describe(&Origin::File {
        path: block.path.clone(),
        line: block.line,
    });
    let criteria = block.criteria.join(" ");
    text!(
        "config_verdict.exec_not_evaluated",
        place = place,
        criteria = criteria
    )
}

fn exec_finding(block: &UnevaluatedBlock, describe: &dyn Fn(&Origin) -> Text) -> Finding {
    let place = describe(&Origin::File {
        path: block.path.clone(),
        line: block.line,
    });
    let changes = change_lines(block, describe);
    let evidence: Vec<String> = changes.iter().map(Text::english).collect();
    let effect = match changes.is_empty() {
        true => text!("config_verdict.exec_no_change"),
        false => text!(
            "config_verdict.exec_would_use",
            changes = Text::join(changes, "; ")
        ),
    };
    let criteria = block.criteria.join(" ");
    let said = text!(
        "config_verdict.exec_not_run",
        place = place,
        criteria = &criteria,
        effect = effect
    );
    keyed("config.match_exec_unevaluated", Stage::Config, said)
        .evidence(format!(
            "{}:{}: Match {criteria}",
            block.path.display(),
            block.line,
        ))
        .evidence_all(evidence)
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
            .map(|(_, l)| l.english())
            .any(|l| l.contains("passwd entry") && l.contains("/root")));
        assert_eq!(v.facts[0].0, "home");
        assert!(verdict("", None, None).facts.is_empty());
    }

    #[test]
    fn the_verdict_is_said_in_each_language_with_the_english_unchanged() {
        use crate::i18n::{localize, with_lang, Lang};
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c");
        let text = "Prot 1\nMatch exec \"test -f /x\"\n  Port 2222\n";
        std::fs::write(&file, text).unwrap();
        let input = ConfigInput {
            host: "h".into(),
            user_config: Some(file),
            home: dir.path().to_path_buf(),
            local_user: "me".into(),
            ..ConfigInput::default()
        };
        let cfg = crate::config::resolve(&input);
        let home = dir.path();
        let version = Some(OpenSshVersion::new(9, 2));
        let said = judge_said(&cfg, &input, version, &|o| place(o, home));
        let english = judge(&cfg, &input, version, &|o| o.describe(home));
        let texts = |v: &Verdict| -> Vec<(String, String)> {
            (v.findings.iter())
                .map(|f| (f.detail.clone(), f.fix.clone()))
                .collect()
        };
        assert_eq!(texts(&said), texts(&english), "the English is as before");
        let bad = &said.findings[0];
        assert_eq!(bad.id, "config.invalid_value");
        assert_eq!(
            bad.detail,
            "~/c line 1: Bad configuration option: prot: ssh refuses to start (~/c line 1… )."
                .replace(
                    "~/c line 1… ",
                    &format!(
                        "{}: terminating, 1 bad configuration options",
                        home.join("c").display()
                    )
                )
        );
        let ja = with_lang(Lang::Ja, || localize(bad));
        assert!(
            ja.detail.starts_with(
                "~/c の 1 行目：Bad configuration option: prot：ssh は起動を拒否します"
            ),
            "{}",
            ja.detail
        );
        assert!(
            ja.fix.contains("`IgnoreUnknown KEYWORD`") && ja.fix.contains("綴り"),
            "{}",
            ja.fix
        );
        let zh = with_lang(Lang::ZhCn, || localize(bad));
        assert!(
            zh.detail
                .starts_with("~/c 第 1 行：Bad configuration option: prot：ssh 拒绝启动"),
            "{}",
            zh.detail
        );
        let exec = &said.findings[1];
        assert_eq!(exec.id, "config.match_exec_unevaluated");
        let zh = with_lang(Lang::ZhCn, || localize(exec)).detail;
        assert!(zh.contains("Match exec \"test -f /x\" 没有运行"), "{zh}");
        assert!(zh.contains("port：22 → 2222（~/c 第 3 行）"), "{zh}");
        let ja = with_lang(Lang::Ja, || localize(exec)).detail;
        assert!(
            ja.contains("一致した場合、ssh は次を使います：port：22 → 2222（~/c の 3 行目）"),
            "{ja}"
        );
    }
}
