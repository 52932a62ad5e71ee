//! Checking one host of the fleet: its turn (the fleet's bound, its jump host's bound), the
//! plan a single run makes, the engine's events folded into a report whose log is capped, and
//! the whole bounded by the fleet's limit per host.

use super::limit::JumpLimiter;
use crate::algorithms::OpenSshVersion;
use crate::config::{ConfigInput, ResolvedConfig};
use crate::engine;
use crate::event::{Event, Level, Stage, Status};
use crate::report::{LogLine, Report};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, Semaphore};
use tokio::time::Instant;

/// Log lines kept from the start of a host's run, and from its end.
pub const LOG_HEAD: usize = 100;
/// See [`LOG_HEAD`].
pub const LOG_TAIL: usize = 100;

/// What every host's check shares.
#[derive(Debug)]
pub struct Shared {
    /// The installed OpenSSH, asked once for the whole fleet.
    pub openssh: Option<(String, OpenSshVersion)>,
    /// `--timeout`: each network step's limit (else each host's ConnectTimeout, else 10 s).
    pub timeout: Option<Duration>,
    /// `--host-timeout`: a host's whole diagnosis.
    pub host_timeout: Duration,
    /// The fleet's bound (`--jobs`).
    pub jobs: Arc<Semaphore>,
    /// The bound per jump host (`--jump-jobs`).
    pub jumps: JumpLimiter,
    /// The address each jump host (as written in ProxyJump) resolves to, once per run.
    hop_keys: Mutex<HashMap<String, String>>,
}

impl Shared {
    /// Bounds and settings for a run.
    pub fn new(
        openssh: Option<(String, OpenSshVersion)>,
        timeout: Option<Duration>,
        host_timeout: Duration,
        jobs: usize,
        jump_jobs: usize,
    ) -> Shared {
        Shared {
            openssh,
            timeout,
            host_timeout,
            jobs: Arc::new(Semaphore::new(jobs)),
            jumps: JumpLimiter::new(jump_jobs),
            hop_keys: Mutex::new(HashMap::new()),
        }
    }
}

/// What a host's check tells the front end.
#[derive(Debug)]
pub enum Update {
    /// Its turn came; the first hop of its path (ProxyJump's first host, or `ProxyCommand`).
    Started {
        /// The host's place in the list.
        index: usize,
        /// The first hop, as written; None for a direct connection.
        hop: Option<String>,
    },
    /// A stage began.
    Stage {
        /// The host's place in the list.
        index: usize,
        /// The stage.
        stage: Stage,
    },
    /// The check is over.
    Done {
        /// The host's place in the list.
        index: usize,
        /// Its report and time.
        outcome: Box<Outcome>,
    },
}

/// One host's finished check.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The report a single run would give (its log capped to [`LOG_HEAD`] + [`LOG_TAIL`] lines).
    pub report: Report,
    /// How long the checks took (from its turn).
    pub elapsed: Duration,
}

impl Outcome {
    /// A check that could not run: its report says why in the log, as a single run's would.
    pub fn failed(why: String) -> Outcome {
        let mut report = Report::default();
        report.log.push(LogLine {
            hop: 0,
            t_ms: 0,
            level: Level::Info,
            stage: Stage::Config,
            text: why,
        });
        report.apply(&Event::Done { login_ok: false });
        Outcome {
            report,
            elapsed: Duration::ZERO,
        }
    }
}

/// Check one host: wait for a turn, plan as a single run does, run the engine, report back.
pub async fn check(
    shared: Arc<Shared>,
    index: usize,
    input: ConfigInput,
    tx: mpsc::UnboundedSender<Update>,
) {
    let mut turn = shared.jobs.clone().acquire_owned().await.ok();
    let plan = crate::cli::plan_with(&input, shared.timeout, shared.openssh.clone());
    let hop = first_hop(&plan.config);
    // Behind a jump host: give the fleet's slot back while waiting for the jump host's turn,
    // so hosts reached directly are not held up by a busy bastion.
    let _hop_turn = match hop.as_deref().and_then(|h| jump_key(&shared, h, &input)) {
        Some(key) => {
            drop(turn.take());
            let hop_turn = shared.jumps.acquire(&key).await;
            turn = shared.jobs.clone().acquire_owned().await.ok();
            Some(hop_turn)
        }
        None => None,
    };
    let _ = tx.send(Update::Started { index, hop });
    let rerun = crate::destination::command_args(&input, shared.timeout);
    let started = Instant::now();
    let stages = |stage| {
        let _ = tx.send(Update::Stage { index, stage });
    };
    let mut report = run_capped(plan, shared.host_timeout, stages).await;
    report.rerun = Some(rerun);
    drop(turn);
    let outcome = Box::new(Outcome {
        report,
        elapsed: started.elapsed(),
    });
    let _ = tx.send(Update::Done { index, outcome });
}

/// The first hop of the host's path: ProxyJump's first host as written, or `ProxyCommand`.
pub fn first_hop(cfg: &ResolvedConfig) -> Option<String> {
    let set = |kw: &str| {
        cfg.get(kw)
            .map(|v| v.value.clone())
            .filter(|v| !v.eq_ignore_ascii_case("none"))
    };
    if let Some(jump) = set("proxyjump") {
        return jump.split(',').next().map(str::to_string);
    }
    set("proxycommand").map(|_| "ProxyCommand".to_string())
}

/// The address a jump host (`[user@]host[:port]` or `ssh://...`) is reached at: its host name
/// and port as the configuration resolves them for it (cached per run). None for a
/// ProxyCommand, whose target sshdoctor cannot know.
fn jump_key(shared: &Shared, hop: &str, input: &ConfigInput) -> Option<String> {
    if hop == "ProxyCommand" {
        return None;
    }
    let mut keys = shared.hop_keys.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(key) = keys.get(hop) {
        return Some(key.clone());
    }
    let (host, port) = split_hop(hop);
    // The jump host's own ssh reads the same files but not the command line's options.
    let cfg = crate::config::resolve(&ConfigInput {
        host: host.clone(),
        options: Vec::new(),
        ..input.clone()
    });
    let port = port.unwrap_or(cfg.port().0);
    let key = format!("{}:{port}", cfg.hostname().value.to_ascii_lowercase());
    keys.insert(hop.to_string(), key.clone());
    Some(key)
}

/// The host and port of a hop as ProxyJump writes it.
fn split_hop(hop: &str) -> (String, Option<u16>) {
    if let Some(uri) = hop.strip_prefix("ssh://") {
        if let Some((_, host, port)) = crate::config::parse_ssh_uri(uri) {
            return (host, port);
        }
    }
    let host_port = hop.rsplit_once('@').map_or(hop, |(_, h)| h);
    if let Some(rest) = host_port.strip_prefix('[') {
        if let Some((host, tail)) = rest.split_once(']') {
            let port = tail.strip_prefix(':').and_then(crate::config::parse_port);
            return (host.to_string(), port);
        }
    }
    match host_port.rsplit_once(':') {
        Some((host, port)) if crate::config::parse_port(port).is_some() => {
            (host.to_string(), crate::config::parse_port(port))
        }
        _ => (host_port.to_string(), None),
    }
}

/// Run the engine and fold its events as [`crate::cli::collect`] does, keeping the first
/// [`LOG_HEAD`] and last [`LOG_TAIL`] log lines; `on_stage` hears each stage start. After
/// `limit` the run is stopped and the stage it was in fails with `fleet.host_timeout`.
pub async fn run_capped(
    plan: engine::Plan,
    limit: Duration,
    mut on_stage: impl FnMut(Stage),
) -> Report {
    let (tx, mut rx) = mpsc::channel(256);
    let engine = tokio::spawn(engine::run(plan, tx));
    let mut log = CappedLog::default();
    let mut report = Report::default();
    let deadline = tokio::time::sleep(limit);
    tokio::pin!(deadline);
    let mut timed_out = false;
    loop {
        tokio::select! {
            ev = rx.recv() => match ev {
                Some(Event::Log { hop, at, level, stage, text, said }) => {
                    let text = crate::i18n::localize_line(&text, &said);
                    log.push(LogLine { hop, t_ms: at.as_millis(), level, stage, text });
                }
                Some(ev) => {
                    if let Event::StageStarted { stage, .. } = ev {
                        on_stage(stage);
                    }
                    report.apply(&ev);
                }
                None => break,
            },
            () = &mut deadline => {
                engine.abort();
                timed_out = true;
                break;
            }
        }
    }
    if timed_out {
        time_out(&mut report, &mut log, limit);
    } else if let Err(e) = engine.await {
        log.push(LogLine {
            hop: 0,
            t_ms: 0,
            level: Level::Info,
            stage: Stage::Config,
            text: format!("internal error: the probe task failed: {e}"),
        });
    }
    report.log = log.into_lines();
    report
}

/// The run passed the fleet's limit: the stage it was in fails, the later ones are skipped.
fn time_out(report: &mut Report, log: &mut CappedLog, limit: Duration) {
    let (hop, stage) = report
        .checks
        .iter()
        .find(|c| matches!(c.status, Status::Running | Status::Pending))
        .map_or((0, Stage::Config), |c| (c.hop, c.stage));
    let secs = limit.as_secs_f64();
    let text = format!("the fleet's limit of {secs} s per host passed during the {stage} stage; the checks were stopped");
    log.push(LogLine {
        hop,
        t_ms: limit.as_millis(),
        level: Level::Info,
        stage,
        text: text.clone(),
    });
    let detail = crate::text!(
        "fleet.probe.timeout_detail",
        stage = stage_title(stage),
        secs = secs.to_string(),
    );
    let mut finding = crate::findings::keyed("fleet.host_timeout", stage, detail).evidence(text);
    finding.hop = hop;
    report.apply(&Event::Finding(finding));
    let later: Vec<(usize, Stage)> = report
        .checks
        .iter()
        .filter(|c| matches!(c.status, Status::Running | Status::Pending))
        .map(|c| (c.hop, c.stage))
        .collect();
    for (h, s) in later {
        let (status, summary, said) = if (h, s) == (hop, stage) {
            let said = crate::text!("fleet.probe.stopped_after", secs = secs.to_string());
            (Status::Fail, said.english(), Some(said))
        } else {
            // The skipped form: `[summary]` in the catalogs has its English.
            let summary = "skipped: the host's checks were stopped".to_string();
            (Status::Skipped, summary, None)
        };
        report.apply(&Event::StageFinished {
            said,
            hop: h,
            stage: s,
            status,
            elapsed: Duration::ZERO,
            summary,
        });
    }
    report.apply(&Event::Done { login_ok: false });
}

/// A stage's title as a text, translated in turn (`stage.tcp`: "TCP connection").
fn stage_title(stage: Stage) -> crate::i18n::Text {
    // The catalog keys, made once: a Text's key is static.
    static KEYS: std::sync::OnceLock<Vec<(Stage, &'static str)>> = std::sync::OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        let leak = |s: Stage| &*Box::leak(format!("stage.{}", s.name()).into_boxed_str());
        Stage::ALL.iter().map(|&s| (s, leak(s))).collect()
    });
    match keys.iter().find(|(s, _)| *s == stage) {
        Some((_, key)) => crate::i18n::Text::Key(key, Vec::new()),
        None => stage.title().into(),
    }
}

/// A log that keeps its first [`LOG_HEAD`] and last [`LOG_TAIL`] lines and counts the rest.
#[derive(Debug, Default)]
struct CappedLog {
    head: Vec<LogLine>,
    tail: VecDeque<LogLine>,
    dropped: usize,
}

impl CappedLog {
    fn push(&mut self, line: LogLine) {
        if self.head.len() < LOG_HEAD {
            self.head.push(line);
            return;
        }
        if self.tail.len() == LOG_TAIL {
            self.tail.pop_front();
            self.dropped += 1;
        }
        self.tail.push_back(line);
    }

    /// The kept lines in order, with one line saying how many were left out between them.
    fn into_lines(self) -> Vec<LogLine> {
        let mut lines = self.head;
        if let (true, Some(next)) = (self.dropped > 0, self.tail.front()) {
            lines.push(LogLine {
                hop: next.hop,
                t_ms: next.t_ms,
                level: Level::Info,
                stage: next.stage,
                text: format!(
                    "... {} log lines left out here (the fleet keeps the first {LOG_HEAD} and the last {LOG_TAIL} of each host; a single run shows them all)",
                    self.dropped
                ),
            });
        }
        lines.extend(self.tail);
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(i: usize) -> LogLine {
        LogLine {
            hop: 0,
            t_ms: i as u128,
            level: Level::Debug1,
            stage: Stage::Kex,
            text: format!("line {i}"),
        }
    }

    #[test]
    fn the_log_keeps_its_head_and_tail_and_says_what_it_left_out() {
        let mut log = CappedLog::default();
        for i in 0..1000 {
            log.push(line(i));
        }
        let lines = log.into_lines();
        assert_eq!(lines.len(), LOG_HEAD + 1 + LOG_TAIL);
        assert_eq!(lines[LOG_HEAD - 1].text, "line 99");
        assert!(lines[LOG_HEAD]
            .text
            .starts_with("... 800 log lines left out"));
        assert_eq!(lines.last().unwrap().text, "line 999");
        let mut short = CappedLog::default();
        (0..150).for_each(|i| short.push(line(i)));
        assert_eq!(short.into_lines().len(), 150, "nothing left out, no note");
    }

    #[test]
    fn hops_split_as_proxyjump_writes_them() {
        assert_eq!(split_hop("bastion"), ("bastion".into(), None));
        assert_eq!(split_hop("me@bastion:2222"), ("bastion".into(), Some(2222)));
        assert_eq!(split_hop("me@[10.0.0.1]:2"), ("10.0.0.1".into(), Some(2)));
        assert_eq!(
            split_hop("ssh://me@b.example:22"),
            ("b.example".into(), Some(22))
        );
    }

    #[test]
    fn a_run_past_the_limit_fails_the_stage_it_was_in() {
        let mut report = Report::default();
        report.apply(&Event::StageFinished {
            said: None,
            hop: 0,
            stage: Stage::Config,
            status: Status::Pass,
            elapsed: Duration::ZERO,
            summary: String::new(),
        });
        report.apply(&Event::StageStarted {
            hop: 0,
            stage: Stage::Dns,
            at: Duration::ZERO,
        });
        time_out(
            &mut report,
            &mut CappedLog::default(),
            Duration::from_secs(3),
        );
        assert_eq!(report.root_cause().unwrap().id, "fleet.host_timeout");
        assert_eq!(report.root_cause().unwrap().stage, Stage::Dns);
        let f = report.root_cause().unwrap();
        assert_eq!(
            f.detail,
            "The checks were still in the DNS stage after 3 s (--host-timeout), so they were stopped there."
        );
        use crate::i18n::{localize, with_lang, Lang};
        let ja = with_lang(Lang::Ja, || localize(f)).detail;
        assert!(
            ja.contains("3 秒（--host-timeout）") && ja.contains("「DNS」"),
            "{ja}"
        );
        let zh = with_lang(Lang::ZhCn, || localize(f)).detail;
        assert!(
            zh.contains("3 秒（--host-timeout）") && zh.contains("阶段"),
            "{zh}"
        );
        assert_eq!(report.checks[1].status, Status::Fail);
        assert!(report.checks[2..]
            .iter()
            .all(|c| c.status == Status::Skipped));
        assert!(!report.ok());
    }
}
