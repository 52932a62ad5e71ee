//! `sshdoctor explain`: an OpenSSH client transcript (`ssh -v` output, or plain stderr, as
//! people paste it) diagnosed like a live probe — the same stages, findings and fixes — without
//! any network access, emitting the same [`Event`]s so the console and the report serve it.
//!
//! The input is read once, bounded ([`input`]); each line loses its pasted noise ([`clean`]) and
//! is understood in every OpenSSH wording ([`classify`]); the lines are cut into attempts and
//! attributed to hops ([`attempts`]); the last attempt is judged per hop ([`judge`]) and put
//! together as the probe's checklist ([`checklist`]). Earlier attempts are named in the log.

pub mod attempts;
pub mod checklist;
pub mod classify;
pub mod clean;
pub mod input;
mod judge;
pub mod local;
mod version;

use crate::event::{Event, HopPlan, Level, Setting, Stage, Via};
use crate::findings::keyed;
use crate::i18n::Text;
use crate::text;
use attempts::{Attempt, Item};
use classify::Msg;
use clean::Line;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

pub use judge::Ctx;
pub use local::Owner;

/// What to explain and how.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The transcript's name as given (a path, or `stdin`).
    pub name: String,
    /// Whose transcript it is (decides whether local repairs are offered).
    pub owner: Owner,
}

/// A transcript read into memory, shared by every run over it (the console re-runs it).
pub type Transcript = Arc<input::Input>;

/// Explain `transcript`, sending the events to `tx`; ends with [`Event::Done`].
pub async fn run(transcript: Transcript, options: Options, tx: mpsc::Sender<Event>) {
    for event in events(&transcript, &options) {
        if tx.send(event).await.is_err() {
            return;
        }
    }
}

/// Every event of the explanation, in order.
pub fn events(input: &input::Input, options: &Options) -> Vec<Event> {
    let lines: Vec<Line> = input.lines.iter().flat_map(clean::lines).collect();
    let attempts = attempts::split(lines.clone());
    let mut out = vec![Event::Stages(Stage::ALL.to_vec())];
    let Some(last) = attempts.last() else {
        return nothing(input, options, &lines, out);
    };
    let cx = context(last, &lines, options);
    out.push(Event::Hops(vec![destination_hop(last, &cx)]));
    let results = judge::judge(last, &cx);
    let outcome = checklist::assemble(results, &cx);
    out.push(Event::Destination(destination(
        last,
        &cx,
        options,
        attempts.len(),
    )));
    let stages = stage_of_lines(last);
    out.extend(log(&lines, &stages));
    for (n, earlier) in attempts[..attempts.len() - 1].iter().enumerate() {
        out.push(earlier_attempt(
            n + 1,
            attempts.len(),
            earlier,
            &lines,
            options,
        ));
    }
    if input.skipped_lines > 0 || input.cut_lines > 0 {
        out.push(Event::Finding(truncated(input)));
    }
    let login_ok = outcome.login_ok;
    outcome_events(&mut out, outcome, &cx);
    out.push(Event::Done { login_ok });
    out
}

/// The verdict's events: the transcript's facts, then each stage it shows with its findings.
fn outcome_events(out: &mut Vec<Event>, outcome: checklist::Outcome, cx: &Ctx) {
    out.push(Event::Fact {
        hop: 0,
        stage: Stage::Config,
        key: "source".into(),
        value: "transcript".into(),
    });
    out.push(Event::Fact {
        hop: 0,
        stage: Stage::Config,
        key: "client_version".into(),
        value: cx.version_words.english(),
    });
    for (stage, key, value) in outcome.facts {
        out.push(Event::Fact {
            hop: 0,
            stage,
            key,
            value,
        });
    }
    for step in outcome.steps {
        out.push(Event::StageStarted {
            hop: 0,
            stage: step.stage,
            at: Duration::ZERO,
        });
        for f in outcome.findings.iter().filter(|f| f.stage == step.stage) {
            out.push(Event::Finding(f.clone()));
        }
        let summary = step.summary.english();
        out.push(Event::StageFinished {
            // A summary that is data only (the server's version) has no sentence to translate.
            said: (!matches!(step.summary, Text::Plain(_))).then_some(step.summary),
            hop: 0,
            stage: step.stage,
            status: step.status,
            elapsed: Duration::ZERO,
            summary,
        });
    }
}

/// Nothing in the input is ssh's: one finding, every stage skipped.
fn nothing(
    input: &input::Input,
    options: &Options,
    lines: &[Line],
    mut out: Vec<Event>,
) -> Vec<Event> {
    out.push(Event::Hops(vec![HopPlan {
        host: "the transcript".into(),
        user: String::new(),
        hostname: String::new(),
        port: 22,
        via: Via::Tcp,
        stages: Stage::ALL.to_vec(),
    }]));
    out.push(Event::Destination(vec![source_setting(options)]));
    out.extend(log(lines, &HashMap::new()));
    let what = if input.binary_bytes > input.total_bytes / 20 && input.binary_bytes > 0 {
        text!("explain.main.binary", bytes = input.total_bytes)
    } else if input.lines.is_empty() {
        text!("explain.main.empty")
    } else {
        text!(
            "explain.main.not_ssh",
            lines = input.lines.len() + input.skipped_lines
        )
    };
    out.push(Event::Finding(keyed(
        "transcript.no_ssh_output",
        Stage::Config,
        text!("explain.main.nothing_to_explain", what = what),
    )));
    let skipped = text!("summary.skipped", why = text!("explain.main.no_ssh_output"));
    for stage in Stage::ALL {
        out.push(Event::StageFinished {
            said: Some(skipped.clone()),
            hop: 0,
            stage,
            status: crate::event::Status::Skipped,
            elapsed: Duration::ZERO,
            summary: skipped.english(),
        });
    }
    out.push(Event::Done { login_ok: false });
    out
}

/// `transcript.truncated`: the input was larger than sshdoctor reads, or had over-long lines.
fn truncated(input: &input::Input) -> crate::event::Finding {
    let mut parts = Vec::new();
    if input.skipped_lines > 0 {
        parts.push(text!(
            "explain.main.last_mib_read",
            mib = input::MAX_BYTES / (1024 * 1024),
            skipped = input.skipped_lines
        ));
    }
    if input.cut_lines > 0 {
        parts.push(text!(
            "explain.main.lines_cut",
            lines = input.cut_lines,
            max = input::MAX_LINE
        ));
    }
    keyed(
        "transcript.truncated",
        Stage::Config,
        text!(
            "explain.main.truncated",
            bytes = input.total_bytes,
            parts = Text::join(parts, "; ")
        ),
    )
}

/// Which stage each input line of the attempt belongs to (the log's tags).
fn stage_of_lines(a: &Attempt) -> HashMap<usize, Stage> {
    let mut map = HashMap::new();
    let mut current = Stage::Config;
    for item in &a.items {
        if let Some(s) = stage_of(&item.msg).or_else(|| stage_hint(&item.core)) {
            current = s;
        }
        map.entry(item.no).or_insert(current);
    }
    map
}

/// The stage a message is about.
fn stage_of(m: &Msg) -> Option<Stage> {
    Some(match m {
        Msg::Version(_)
        | Msg::ReadingConfig(_)
        | Msg::ApplyingOptions(_)
        | Msg::ConfigError(_)
        | Msg::ConfigPermissions(_) => Stage::Config,
        Msg::ResolveFailed { .. } => Stage::Dns,
        Msg::Connecting { .. }
        | Msg::ConnectAddressFailed(_)
        | Msg::ConnectFailed { .. }
        | Msg::Established
        | Msg::ExecutingProxy(_) => Stage::Tcp,
        Msg::LocalVersion(_)
        | Msg::RemoteVersion { .. }
        | Msg::BannerLine(_)
        | Msg::BannerClosed { .. }
        | Msg::BannerInvalid(_)
        | Msg::BannerTimeout
        | Msg::ProtocolDiffer => Stage::Banner,
        Msg::NoMatch { .. }
        | Msg::KexAlgorithm(_)
        | Msg::KexHostKeyAlgorithm(_)
        | Msg::KexCipher(_) => Stage::Kex,
        Msg::ServerHostKey(_)
        | Msg::HostKnown(_)
        | Msg::Authenticity(_)
        | Msg::KeyFingerprint(_)
        | Msg::PermanentlyAdded(_)
        | Msg::NoHostKeyStrict(_)
        | Msg::HostKeyVerificationFailed
        | Msg::ChangedWarning
        | Msg::ChangedKeyType(_)
        | Msg::Offending { .. }
        | Msg::ChangedStrict(_)
        | Msg::MitmDisabled
        | Msg::Revoked
        | Msg::CertInvalid(_) => Stage::Hostkey,
        Msg::AuthenticatingTo { .. } => Stage::Kex,
        Msg::CanContinue(_)
        | Msg::WillAttempt(_)
        | Msg::Offering(_)
        | Msg::ServerAccepts(_)
        | Msg::TryingPrivateKey(_)
        | Msg::NoSuchIdentity(_)
        | Msg::NoMutualSignature
        | Msg::SigningFailed { .. }
        | Msg::PassphrasePrompt(_)
        | Msg::LoadKey { .. }
        | Msg::Unprotected
        | Msg::TooOpen { .. }
        | Msg::PartialSuccess
        | Msg::PermissionDenied { .. }
        | Msg::TryAgain
        | Msg::SecretPrompt(_)
        | Msg::ReceivedDisconnect(_) => Stage::Auth,
        Msg::Authenticated(_)
        | Msg::Sending(_)
        | Msg::RequestFailed(_)
        | Msg::AccountNotAvailable
        | Msg::ExitStatus(_)
        | Msg::ConnectionToClosed
        | Msg::LastLogin
        | Msg::TransferDone => Stage::Session,
        Msg::ChannelOpenFailed(_) | Msg::StdioForwardingFailed | Msg::StdioForward(_) => Stage::Tcp,
        Msg::Fingerprint(_)
        | Msg::IdentityFile { .. }
        | Msg::ClosedBy(_)
        | Msg::PeerTimedOut(_)
        | Msg::Harmless(_)
        | Msg::Other => return None,
    })
}

/// The stage of a line ssh writes along the way (not a message the judges read).
fn stage_hint(core: &str) -> Option<Stage> {
    const HINTS: [(&str, Stage); 12] = [
        ("SSH2_MSG_KEXINIT", Stage::Kex),
        ("expecting SSH2_MSG_KEX", Stage::Kex),
        ("local client KEXINIT", Stage::Kex),
        ("load_hostkeys", Stage::Hostkey),
        ("record_hostkey", Stage::Hostkey),
        ("Found key in", Stage::Hostkey),
        ("SSH2_MSG_NEWKEYS", Stage::Hostkey),
        ("SSH2_MSG_SERVICE_ACCEPT", Stage::Auth),
        ("Next authentication method", Stage::Auth),
        ("No more authentication methods", Stage::Auth),
        ("Entering interactive session", Stage::Session),
        ("channel 0: new", Stage::Session),
    ];
    HINTS
        .iter()
        .find(|(p, _)| core.starts_with(p))
        .map(|(_, s)| *s)
}

/// The one checklist a transcript gets: the destination's (a jump host's results are folded
/// into it, each step naming its jump host, and the chain is the `hops` setting).
fn destination_hop(a: &Attempt, cx: &judge::Ctx) -> HopPlan {
    let (hostname, port) = version::host_port(a);
    HopPlan {
        host: cx.alias.clone(),
        user: cx.user.clone(),
        hostname,
        port,
        via: Via::Tcp,
        stages: Stage::ALL.to_vec(),
    }
}

/// Every input line as a log line: `N│ text`, at ssh's level, tagged with its stage.
fn log(lines: &[Line], stages: &HashMap<usize, Stage>) -> Vec<Event> {
    let mut current = Stage::Config;
    lines
        .iter()
        .map(|l| {
            if let Some(s) = stages.get(&l.no) {
                current = *s;
            }
            Event::Log {
                said: None,
                hop: 0,
                at: Duration::ZERO,
                level: l.level,
                stage: current,
                text: format!("{}│ {}", l.no, l.core),
            }
        })
        .collect()
}

/// An earlier attempt, named in the log (and as a fact): its lines and how it ended.
fn earlier_attempt(n: usize, of: usize, a: &Attempt, lines: &[Line], options: &Options) -> Event {
    let cx = context(a, lines, options);
    let outcome = checklist::assemble(judge::judge(a, &cx), &cx);
    let ended = outcome
        .findings
        .iter()
        .find(|f| f.severity == crate::event::Severity::Error)
        .map_or_else(
            || {
                if outcome.login_ok {
                    text!("explain.main.logged_in")
                } else {
                    text!("explain.main.no_outcome")
                }
            },
            |f| Text::from(format!("{}: {}", f.id, f.title)),
        );
    let (from, to) = a.range();
    let said = text!(
        "explain.main.earlier_attempt",
        n = n,
        of = of,
        from = from,
        to = to,
        ended = ended
    );
    Event::Log {
        hop: 0,
        at: Duration::ZERO,
        level: Level::Info,
        stage: Stage::Config,
        text: said.english(),
        said: Some(said),
    }
}

fn source_setting(options: &Options) -> Setting {
    Setting {
        keyword: "transcript".into(),
        value: if options.name.is_empty() {
            "stdin".into()
        } else {
            options.name.clone()
        },
        origin: "sshdoctor explain".into(),
    }
}

/// The heading settings: the transcript, the destination as ssh named it, the client.
fn destination(a: &Attempt, cx: &Ctx, options: &Options, attempts: usize) -> Vec<Setting> {
    let set = |k: &str, v: String, o: &str| Setting {
        keyword: k.into(),
        value: v,
        origin: o.into(),
    };
    let (host, port) = version::host_port(a);
    let mut s = vec![source_setting(options)];
    if !cx.user.is_empty() {
        s.push(set("user", cx.user.clone(), "the transcript"));
    }
    s.push(set("hostname", host, "the transcript"));
    s.push(set("port", port.to_string(), "the transcript"));
    s.push(set("client", cx.version_words.english(), "the transcript"));
    let hops: Vec<String> = a
        .hop_order()
        .iter()
        .map(|&l| a.lanes[l].jump.clone().unwrap_or_else(|| cx.alias.clone()))
        .collect();
    if hops.len() > 1 {
        s.push(set("hops", hops.join(" → "), "the transcript"));
    }
    if attempts > 1 {
        let (from, to) = a.range();
        s.push(set(
            "attempt",
            format!("{attempts} of {attempts} (lines {from}–{to})"),
            "the transcript",
        ));
    }
    s.push(set(
        "mine",
        if cx.mine { "yes" } else { "no" }.into(),
        "whether local repairs are offered",
    ));
    s
}

/// What the judges need, from the attempt and the whole transcript.
fn context(a: &Attempt, lines: &[Line], options: &Options) -> Ctx {
    let (version, version_words) = version::of(a, lines);
    let (host, port) = version::host_port(a);
    let command = a.command.as_ref();
    let alias = command
        .and_then(version::command_destination)
        .unwrap_or_else(|| host.clone());
    let user = version::user(a).unwrap_or_default();
    let port_source = port_source(command, port, &alias);
    let cores: Vec<&str> = a.items.iter().map(|i: &Item| i.core.as_str()).collect();
    let paths = local::paths(&cores);
    let mine = local::decide(
        options.owner,
        &paths,
        &crate::config::home_dir(),
        a.version(),
    );
    let options = command.map_or_else(Vec::new, command_options);
    let tool = tool_of(command);
    Ctx {
        version,
        version_words,
        alias,
        user,
        port_source,
        tool,
        mine,
        options,
        port,
    }
}

/// Where the port came from, as a sentence: `-p` on the command line, OpenSSH's default, or
/// the port ssh used.
fn port_source(command: Option<&clean::CommandLine>, port: u16, alias: &str) -> Text {
    let port_flag = command.and_then(|c| {
        c.args
            .iter()
            .position(|w| w == "-p" || w == "-P")
            .and_then(|i| c.args.get(i + 1))
    });
    match (port_flag, command) {
        (Some(p), _) => text!("explain.main.port_from_flag", port = port, flag = p),
        (None, Some(_)) if port == 22 => text!("explain.main.port_default"),
        _ => text!("explain.main.port_used", port = port, alias = alias),
    }
}

/// The command line's `-o` options (`-o Keyword=value` and `-oKeyword=value`).
fn command_options(c: &clean::CommandLine) -> Vec<String> {
    c.args
        .windows(2)
        .filter(|w| w[0] == "-o")
        .map(|w| w[1].clone())
        .chain(c.args.iter().filter_map(|a| {
            a.strip_prefix("-o")
                .filter(|o| !o.is_empty())
                .map(str::to_string)
        }))
        .collect()
}

/// The tool that ran ssh. `git clone ... && scp ...`: the copy tool named anywhere on the line
/// is the one whose failure counts.
fn tool_of(command: Option<&clean::CommandLine>) -> String {
    command.map_or_else(
        || "ssh".to_string(),
        |c| {
            ["scp", "sftp", "rsync"]
                .into_iter()
                .find(|t| c.tool == *t || c.args.iter().any(|a| a == t))
                .map_or_else(|| c.tool.clone(), str::to_string)
        },
    )
}

#[cfg(test)]
mod i18n_tests;
