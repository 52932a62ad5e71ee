//! The report: a plain collector of engine events, rendered as text, JSON or markdown.

mod hops;
mod json;
mod markdown;
mod text;

pub(crate) use hops::stage_tag;

use crate::event::{Event, Finding, HopPlan, Level, Setting, Severity, Stage, Status};
use serde_json::Value;

/// The result of one stage.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// The hop it belongs to (an index into [`Report::hops`]; 0 for a run of one host).
    pub hop: usize,
    /// Which stage.
    pub stage: Stage,
    /// How it ended (pending if it never started).
    pub status: Status,
    /// Elapsed milliseconds.
    pub elapsed_ms: u128,
    /// One line.
    pub summary: String,
}

/// One line of the handshake log.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    /// Milliseconds since the start.
    pub t_ms: u128,
    /// The hop it concerns (an index into [`Report::hops`]).
    pub hop: usize,
    /// Verbosity level.
    pub level: Level,
    /// Stage that wrote it.
    pub stage: Stage,
    /// The text.
    pub text: String,
}

/// A fact a stage learned (remote version, addresses, algorithms).
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    /// The hop it concerns (an index into [`Report::hops`]).
    pub hop: usize,
    /// The stage that learned it.
    pub stage: Stage,
    /// Short key, e.g. `remote_version`.
    pub key: String,
    /// Value.
    pub value: String,
}

/// Everything a run produced, built from the event stream alone.
#[derive(Debug, Clone)]
pub struct Report {
    /// Effective settings with origins.
    pub destination: Vec<Setting>,
    /// The hosts the login goes through, first jump host first, destination last (empty for
    /// a run that announced no hops, e.g. `sshdoctor server`).
    pub hops: Vec<HopPlan>,
    /// One per stage, in stage order (hop by hop).
    pub checks: Vec<Check>,
    /// Findings, errors first, then by stage (see [`Report::apply`]).
    pub findings: Vec<Finding>,
    /// The log.
    pub log: Vec<LogLine>,
    /// Facts learned.
    pub facts: Vec<Fact>,
    /// Whether a login completed.
    pub login_ok: bool,
    /// The arguments that diagnose this destination again, as typed (e.g. `-F ~/cfg web`),
    /// for the `sshdoctor --fix ID ...` commands shown; set by the front end, not by events.
    /// None: built from the effective user, host name and port.
    pub rerun: Option<String>,
}

impl Default for Report {
    fn default() -> Self {
        Report {
            destination: Vec::new(),
            hops: Vec::new(),
            checks: pending(0, &Stage::ALL),
            findings: Vec::new(),
            log: Vec::new(),
            facts: Vec::new(),
            login_ok: false,
            rerun: None,
        }
    }
}

/// One pending check per stage of `hop`, in the order given.
fn pending(hop: usize, stages: &[Stage]) -> Vec<Check> {
    stages
        .iter()
        .map(|&stage| Check {
            hop,
            stage,
            status: Status::Pending,
            elapsed_ms: 0,
            summary: String::new(),
        })
        .collect()
}

impl LogLine {
    /// The line as the text and markdown reports print it: time, stage (with its hop through
    /// jump hosts), level, text.
    pub(crate) fn printed(&self, r: &Report) -> String {
        // A transcript's lines have no time of their own: their line numbers instead.
        let time = match r.is_transcript() {
            true => String::new(),
            false => format!("{:>6} ms ", self.t_ms),
        };
        format!(
            "{time}{:<7} {:<7} {}",
            stage_tag(r, self.hop, self.stage),
            self.level.name(),
            self.text
        )
    }
}

impl Check {
    /// "N ms" for a stage that ran, empty for one skipped or never started.
    pub(crate) fn time_text(&self) -> String {
        if matches!(self.status, Status::Skipped | Status::Pending) {
            String::new()
        } else {
            format!("{} ms", self.elapsed_ms)
        }
    }
}

impl Report {
    /// Fold one event into the report.
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::Stages(stages) => {
                self.hops.clear();
                self.checks = pending(0, stages);
            }
            Event::Hops(hops) => {
                self.hops = hops.clone();
                self.checks = (hops.iter().enumerate())
                    .flat_map(|(i, h)| pending(i, &h.stages))
                    .collect();
            }
            Event::Destination(settings) => self.destination = settings.clone(),
            Event::StageStarted { hop, stage, .. } => {
                self.check_mut(*hop, *stage).status = Status::Running;
            }
            Event::StageFinished {
                hop,
                stage,
                status,
                elapsed,
                summary,
                said,
            } => {
                let c = self.check_mut(*hop, *stage);
                c.status = *status;
                c.elapsed_ms = elapsed.as_millis();
                c.summary = crate::i18n::localize_summary(summary, said);
            }
            Event::Log {
                hop,
                at,
                level,
                stage,
                text,
                said,
            } => self.log.push(LogLine {
                t_ms: at.as_millis(),
                hop: *hop,
                level: *level,
                stage: *stage,
                text: crate::i18n::localize_line(text, said),
            }),
            Event::Fact {
                hop,
                stage,
                key,
                value,
            } => self.facts.push(Fact {
                hop: *hop,
                stage: *stage,
                key: key.clone(),
                value: value.clone(),
            }),
            Event::Finding(f) => {
                // Keep the order stable: errors first, then in the order ssh meets them, then
                // as they came.
                let key = |g: &Finding| (g.severity, self.met_at(g.hop, g.stage));
                let pos = (self.findings.iter())
                    .position(|g| key(g) > key(f))
                    .unwrap_or(self.findings.len());
                // Front ends show the catalog's texts in the chosen language (the id stays).
                self.findings.insert(pos, crate::i18n::localize(f));
            }
            Event::Done { login_ok } => self.login_ok = *login_ok,
        }
    }

    /// The check of `stage` at `hop`; a stage the run did not announce is added at the end.
    fn check_mut(&mut self, hop: usize, stage: Stage) -> &mut Check {
        let i = match (self.checks.iter()).position(|c| c.hop == hop && c.stage == stage) {
            Some(i) => i,
            None => {
                self.checks.extend(pending(hop, &[stage]));
                self.checks.len() - 1
            }
        };
        &mut self.checks[i]
    }

    /// True only when no error finding exists and the login completed.
    pub fn ok(&self) -> bool {
        self.login_ok && !self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// No problem was found, but the login could not be checked: ssh and the server agree only
    /// on an algorithm sshdoctor cannot speak (`probe.unsupported_algorithm`), or a transcript
    /// ends before ssh's outcome (`transcript.incomplete`).
    pub fn could_not_tell(&self) -> bool {
        !self.ok()
            && self.root_cause().is_none()
            && self
                .findings
                .iter()
                .any(|f| f.id == "probe.unsupported_algorithm" || f.id == "transcript.incomplete")
    }

    /// The first error: the root cause to fix first.
    pub fn root_cause(&self) -> Option<&Finding> {
        self.findings.iter().find(|f| f.severity == Severity::Error)
    }

    /// The setting for a keyword, if reported.
    pub fn setting(&self, keyword: &str) -> Option<&Setting> {
        self.destination.iter().find(|s| s.keyword == keyword)
    }

    /// Whether this is `sshdoctor server` (sshd's side, on the server), not a login probe.
    pub fn is_server(&self) -> bool {
        self.setting("server").is_some()
    }

    /// Whether this explains a transcript (`sshdoctor explain`), not a live probe.
    pub fn is_transcript(&self) -> bool {
        self.setting("transcript").is_some()
    }

    /// `user@host port N`, for headings (`sshd on HOST for USER from ADDRESS` in server mode).
    pub fn target_line(&self) -> String {
        use crate::i18n::tf;
        let get = |k: &str| self.setting(k).map_or("?", |s| s.value.as_str());
        if self.is_server() {
            let server = self.setting("server").map_or("", |s| &s.value);
            let mut line = tf("report.target.server", &[("server", &server)]);
            if let Some(u) = self.setting("user") {
                line.push_str(&tf("report.target.for_user", &[("user", &u.value)]));
            }
            if let Some(a) = self.setting("from") {
                line.push_str(&tf("report.target.from", &[("address", &a.value)]));
            }
            return line;
        }
        let (host, port) = (get("hostname"), get("port"));
        if self.is_transcript() {
            let user = self
                .setting("user")
                .map_or(String::new(), |u| format!("{}@", u.value));
            let file = get("transcript");
            let args: [(&str, &dyn std::fmt::Display); 4] = [
                ("file", &file),
                ("user", &user),
                ("host", &host),
                ("port", &port),
            ];
            return tf("report.target.transcript", &args);
        }
        let args: [(&str, &dyn std::fmt::Display); 3] =
            [("user", &get("user")), ("host", &host), ("port", &port)];
        tf("report.target.login", &args)
    }

    /// The command that applies action `id` for this destination, as it runs when typed.
    pub fn fix_command(&self, id: &str) -> String {
        if self.is_transcript() {
            let file = self
                .setting("transcript")
                .map_or("FILE", |s| s.value.as_str());
            let file = if file == "stdin" { "FILE" } else { file };
            return format!(
                "sshdoctor explain --mine --fix {id} {}",
                crate::fsedit::shell_quote(file)
            );
        }
        if self.is_server() {
            let args = self.rerun.as_deref().unwrap_or_default();
            return format!("sshdoctor server --fix {id} {args}")
                .trim_end()
                .to_string();
        }
        let args = self.rerun.clone().unwrap_or_else(|| {
            let get = |k: &str| self.setting(k).map(|s| s.value.clone());
            let host = get("hostname").unwrap_or_else(|| "HOST".into());
            let mut args = String::new();
            if let Some(p) = get("port").filter(|p| p != "22") {
                args.push_str(&format!("-p {p} "));
            }
            if let Some(u) = get("user") {
                args.push_str(&format!("-l {} ", crate::fsedit::shell_quote(&u)));
            }
            args + &crate::fsedit::shell_quote(&host)
        });
        format!("sshdoctor --fix {id} {args}")
    }

    /// The JSON form (the `--report json` contract).
    pub fn to_json(&self) -> Value {
        json::render(self)
    }

    /// Plain text for a terminal or a script; `verbosity` 0 shows the log up to debug1, each step one more level.
    pub fn to_text(&self, verbosity: u8) -> String {
        text::render(self, verbosity)
    }

    /// Markdown for a ticket or chat.
    pub fn to_markdown(&self) -> String {
        markdown::render(self)
    }
}

/// The log level shown at a verbosity: 0 → debug1, 1 → debug2, 2+ → debug3.
/// The deepest log level a text report shows for `-v` given `verbosity` times, counted as ssh
/// and the console count: debug1 always (it is a diagnosis), `-vv` debug2, `-vvv` debug3.
pub(crate) fn max_level(verbosity: u8) -> Level {
    match verbosity {
        0 | 1 => Level::Debug1,
        2 => Level::Debug2,
        _ => Level::Debug3,
    }
}

/// A finding's title inside the verdict sentence (lower case and without its full stop in
/// English; as it is in languages without case).
fn title_in_sentence(f: &Finding) -> String {
    let title = f.title.trim_end_matches(['.', '。']);
    match crate::i18n::current() {
        crate::i18n::Lang::En => title.to_lowercase(),
        _ => title.to_string(),
    }
}

/// The closing verdict, in one sentence.
pub(crate) fn verdict(r: &Report) -> String {
    use crate::i18n::{t, tf};
    if r.is_server() {
        return match r.root_cause() {
            Some(f) => tf(
                "verdict.sshd_refuses",
                &[("id", &f.id), ("title", &title_in_sentence(f))],
            ),
            None if r.ok() => t("verdict.sshd_ok").to_string(),
            None => t("verdict.sshd_unfinished").to_string(),
        };
    }
    if r.is_transcript() {
        return transcript_verdict(r);
    }
    if r.ok() {
        let asks = r
            .facts
            .iter()
            .any(|f| f.key == "hostkey_outcome" && f.value == "prompt");
        if asks {
            // The report went on past a key nobody verified; the user's ssh would ask first.
            return t("verdict.works_once_accepted").to_string();
        }
        return t("verdict.works").to_string();
    }
    // Through jump hosts, the hop where it fails is named.
    let stage_at = |c: &Check| match r.hop_name(c.hop).filter(|_| r.has_jumps()) {
        Some(h) => format!("{h}: {}", crate::i18n::stage_title(c.stage)),
        None => crate::i18n::stage_title(c.stage).to_string(),
    };
    match r.root_cause() {
        Some(f) => {
            let title = title_in_sentence(f);
            match r.hop_name(f.hop).filter(|_| r.has_jumps()) {
                Some(h) => tf(
                    "verdict.would_fail_at",
                    &[("hop", &h), ("id", &f.id), ("title", &title)],
                ),
                None => tf("verdict.would_fail", &[("id", &f.id), ("title", &title)]),
            }
        }
        None => {
            if let Some(c) = r.checks.iter().find(|c| c.status == Status::Fail) {
                let stage = stage_at(c);
                return tf(
                    "verdict.did_not_complete",
                    &[("stage", &stage), ("summary", &c.summary)],
                );
            }
            let stopped = r.checks.iter().find(|c| c.status == Status::Skipped);
            match stopped {
                Some(c) => tf(
                    "verdict.not_checked",
                    &[
                        ("stage", &stage_at(c)),
                        ("why", &c.summary.trim_start_matches("skipped: ")),
                    ],
                ),
                None => t("verdict.no_problem").to_string(),
            }
        }
    }
}

/// The closing verdict on a transcript: what it shows happened.
fn transcript_verdict(r: &Report) -> String {
    match r.root_cause() {
        Some(f) => crate::i18n::tf(
            "verdict.transcript_fails",
            &[("id", &f.id), ("title", &title_in_sentence(f))],
        ),
        None if r.ok() => crate::i18n::t("verdict.transcript_works").to_string(),
        None => crate::i18n::t("verdict.transcript_incomplete").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::finding;
    use std::time::Duration;

    #[test]
    fn findings_are_ordered_errors_first_then_by_stage() {
        let mut r = Report::default();
        r.apply(&Event::Finding(finding(
            "config.parse_error",
            Stage::Config,
            "w",
        )));
        r.apply(&Event::Finding(finding(
            "banner.closed",
            Stage::Banner,
            "b",
        )));
        r.apply(&Event::Finding(finding("tcp.refused", Stage::Tcp, "t")));
        let ids: Vec<&str> = r.findings.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["tcp.refused", "banner.closed", "config.parse_error"]);
        assert_eq!(r.root_cause().unwrap().id, "tcp.refused");
    }

    #[test]
    fn the_checklist_is_the_stages_the_run_announces() {
        let mut r = Report::default();
        assert_eq!(
            r.checks.len(),
            Stage::ALL.len(),
            "the probe's stages by default"
        );
        r.apply(&Event::Stages(vec![Stage::Sshd, Stage::Log]));
        r.apply(&Event::StageFinished {
            said: None,
            hop: 0,
            stage: Stage::Log,
            status: Status::Warn,
            elapsed: Duration::ZERO,
            summary: "3 attempts".into(),
        });
        let ids: Vec<&str> = r.checks.iter().map(|c| c.stage.name()).collect();
        assert_eq!(ids, ["sshd", "log"]);
        assert_eq!(r.checks[1].status, Status::Warn);
        assert_eq!(r.checks[0].status, Status::Pending);
        // A stage the run did not announce is added, never lost or written over another.
        r.apply(&Event::StageStarted {
            hop: 0,
            stage: Stage::Account,
            at: Duration::ZERO,
        });
        assert_eq!(r.checks.len(), 3);
        assert_eq!(r.checks[2].stage, Stage::Account);
        assert_eq!(r.to_json()["checks"][1]["id"], "log");
    }

    #[test]
    fn verdict_names_a_failed_stage_that_has_no_error_finding() {
        let mut r = Report::default();
        r.apply(&Event::StageFinished {
            said: None,
            hop: 0,
            stage: Stage::Auth,
            status: Status::Fail,
            elapsed: Duration::ZERO,
            summary: "password login possible (not tried in report mode)".into(),
        });
        assert_eq!(
            verdict(&r),
            "The login did not complete: Authentication: password login possible (not tried in report mode)."
        );
    }

    #[test]
    fn ok_needs_a_completed_login_and_no_error() {
        let mut r = Report::default();
        r.apply(&Event::Done { login_ok: true });
        assert!(r.ok());
        r.apply(&Event::Finding(finding(
            "config.parse_error",
            Stage::Config,
            "w",
        )));
        assert!(r.ok(), "a warning does not fail the login");
        r.apply(&Event::Finding(finding("tcp.refused", Stage::Tcp, "t")));
        assert!(!r.ok());
        let j = r.to_json();
        assert_eq!(j["ok"], false);
        assert_eq!(j["findings"][0]["id"], "tcp.refused");
    }

    #[test]
    fn all_three_forms_carry_the_same_facts() {
        let mut r = Report::default();
        r.apply(&Event::Destination(vec![
            Setting {
                keyword: "user".into(),
                value: "bob".into(),
                origin: "the command line".into(),
            },
            Setting {
                keyword: "hostname".into(),
                value: "h".into(),
                origin: "default".into(),
            },
            Setting {
                keyword: "port".into(),
                value: "2222".into(),
                origin: "~/.ssh/config line 3".into(),
            },
            Setting {
                keyword: "identityfile".into(),
                value: "~/.ssh/a".into(),
                origin: "default".into(),
            },
            Setting {
                keyword: "identityfile".into(),
                value: "~/.ssh/b".into(),
                origin: "default".into(),
            },
            Setting {
                keyword: "userknownhostsfile".into(),
                value: "~/.ssh/kh1".into(),
                origin: "~/.ssh/config line 4".into(),
            },
            Setting {
                keyword: "userknownhostsfile".into(),
                value: "~/.ssh/kh2".into(),
                origin: "~/.ssh/config line 4".into(),
            },
            Setting {
                keyword: "canonicaldomains".into(),
                value: "example.com".into(),
                origin: "~/.ssh/config line 5".into(),
            },
        ]));
        r.apply(&Event::StageFinished {
            said: None,
            hop: 0,
            stage: Stage::Tcp,
            status: Status::Fail,
            elapsed: Duration::from_millis(3),
            summary: "refused on port 2222".into(),
        });
        r.apply(&Event::Log {
            said: None,
            hop: 0,
            at: Duration::from_millis(2),
            level: Level::Info,
            stage: Stage::Tcp,
            text: "connect to address 127.0.0.1 port 2222: Connection refused".into(),
        });
        r.apply(&Event::Finding(
            finding("tcp.refused", Stage::Tcp, "nothing listens").evidence("connect: refused"),
        ));
        let j = r.to_json();
        assert_eq!(j["destination"]["port"]["origin"], "~/.ssh/config line 3");
        assert_eq!(j["destination"]["identityfile"][1]["value"], "~/.ssh/b");
        assert_eq!(
            j["destination"]["userknownhostsfile"][0]["value"],
            "~/.ssh/kh1"
        );
        assert_eq!(
            j["destination"]["userknownhostsfile"][1]["value"],
            "~/.ssh/kh2"
        );
        assert_eq!(
            j["destination"]["canonicaldomains"][0]["value"],
            "example.com"
        );
        assert_eq!(j["checks"][2]["status"], "fail");
        for out in [r.to_text(0), r.to_markdown()] {
            assert!(out.contains("tcp.refused"), "{out}");
            assert!(out.contains("bob@h port 2222"), "{out}");
            assert!(out.contains("connect: refused"), "{out}");
            assert!(out.contains("refused on port 2222"), "{out}");
            assert!(out.contains("Connection refused"), "{out}");
        }
    }

    #[test]
    fn fix_commands_name_the_destination_and_run_as_shown() {
        let mut r = Report::default();
        r.apply(&Event::Destination(vec![
            Setting {
                keyword: "user".into(),
                value: "bob".into(),
                origin: "default".into(),
            },
            Setting {
                keyword: "hostname".into(),
                value: "h".into(),
                origin: "default".into(),
            },
            Setting {
                keyword: "port".into(),
                value: "2222".into(),
                origin: "default".into(),
            },
        ]));
        let mut f = finding("key.unprotected", Stage::Auth, "k");
        f.actions.push(crate::event::ActionOffer {
            title_text: None,
            id: "permissions.fix".into(),
            title: "t".into(),
            preview: String::new(),
            command: "chmod 600 k".into(),
            repair: Some(crate::repair::Repair::Permissions {
                changes: Vec::new(),
            }),
        });
        f.actions.push(crate::event::ActionOffer {
            title_text: None,
            id: "onboard".into(),
            title: "t".into(),
            preview: String::new(),
            command: "sshdoctor onboard -p 2222 bob@h".into(),
            repair: None,
        });
        r.apply(&Event::Finding(f));
        let text = r.to_text(0);
        assert!(
            text.contains("Apply with: sshdoctor --fix permissions.fix -p 2222 -l bob h\n"),
            "{text}"
        );
        assert!(!text.contains("..."), "{text}");
        assert!(
            !text.contains("--fix onboard"),
            "not applicable by --fix: {text}"
        );
        r.rerun = Some("-F ~/cfg web".into());
        assert!(r
            .to_markdown()
            .contains("`sshdoctor --fix permissions.fix -F ~/cfg web`"));
    }
}
