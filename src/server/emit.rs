//! Sending server-mode events: timestamps since the start, stages started and finished;
//! a closed receiver is ignored (the run just ends unseen).

use crate::event::{Event, Finding, Level, Stage, Status};
use crate::i18n::Text;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Where a server run's events go.
pub struct Out {
    tx: mpsc::Sender<Event>,
    start: Instant,
}

/// How a stage ended: its status and one-line summary.
pub struct End {
    /// The status.
    pub status: Status,
    /// The summary.
    pub summary: String,
    /// The summary in no language yet, when it was written so.
    pub said: Option<Text>,
}

impl End {
    /// A stage end whose summary the front ends show in their language.
    pub fn text(status: Status, summary: Text) -> End {
        End {
            status,
            summary: summary.english(),
            said: Some(summary),
        }
    }
}

/// Items joined by " and " in the front end's language (`a and b and c`).
pub(crate) fn and_list<S: AsRef<str>>(items: &[S]) -> Text {
    let mut parts = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            parts.push(crate::text!("server.emit.and"));
        }
        parts.push(Text::from(item.as_ref()));
    }
    Text::join(parts, "")
}

impl Out {
    /// Events to `tx`, the clock starting now.
    pub fn new(tx: mpsc::Sender<Event>) -> Out {
        Out {
            tx,
            start: Instant::now(),
        }
    }

    /// Whether nobody receives the events any more.
    pub fn closed(&self) -> bool {
        self.tx.is_closed()
    }

    /// Send one event.
    pub async fn send(&self, event: Event) {
        let _ = self.tx.send(event).await;
    }

    /// A log line.
    pub async fn log(&self, stage: Stage, level: Level, text: impl Into<String>) {
        self.send(Event::Log {
            hop: 0,
            at: self.start.elapsed(),
            level,
            stage,
            text: text.into(),
            said: None,
        })
        .await;
    }

    /// A log line that explains, in no language yet (front ends show it in theirs).
    pub async fn say(&self, stage: Stage, level: Level, text: Text) {
        self.send(Event::Log {
            hop: 0,
            at: self.start.elapsed(),
            level,
            stage,
            text: text.english(),
            said: Some(text),
        })
        .await;
    }

    /// A fact.
    pub async fn fact(&self, stage: Stage, key: &str, value: impl Into<String>) {
        self.send(Event::Fact {
            hop: 0,
            stage,
            key: key.into(),
            value: value.into(),
        })
        .await;
    }

    /// A finding.
    pub async fn finding(&self, f: Finding) {
        self.send(Event::Finding(f)).await;
    }

    /// Several findings, in order; the status they give the stage
    /// ([`crate::findings::stage_status`]).
    pub async fn findings(&self, findings: Vec<Finding>) -> Status {
        let status = crate::findings::stage_status(&findings);
        for f in findings {
            self.finding(f).await;
        }
        status
    }

    /// The stage started.
    pub async fn started(&self, stage: Stage) -> Instant {
        self.send(Event::StageStarted {
            hop: 0,
            stage,
            at: self.start.elapsed(),
        })
        .await;
        Instant::now()
    }

    /// The stage ended (started at `since`).
    pub async fn finished(&self, stage: Stage, since: Instant, end: End) {
        self.send(Event::StageFinished {
            hop: 0,
            stage,
            status: end.status,
            elapsed: since.elapsed(),
            summary: end.summary,
            said: end.said,
        })
        .await;
    }

    /// A stage that does not run, and why (`skipped: {why}`, in the front end's language).
    pub async fn skipped(&self, stage: Stage, why: Text) {
        let summary = crate::text!("summary.skipped", why = why);
        self.send(Event::StageFinished {
            hop: 0,
            stage,
            status: Status::Skipped,
            elapsed: std::time::Duration::ZERO,
            summary: summary.english(),
            said: Some(summary),
        })
        .await;
    }
}
