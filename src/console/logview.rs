//! The log panel's state: an index of the lines that pass the filter, scrolling and search,
//! so that no key press or frame costs more than the visible window (searching aside).

use super::wrap;
use crate::event::{Level, Stage};
use crate::report::LogLine;
use ratatui::text::Span;
use tui_input::Input;

/// Where the log view is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scroll {
    /// Following the newest line.
    Tail,
    /// Scrolled: this filtered line is the first one shown.
    Top(usize),
}

/// State of the log panel.
#[derive(Debug, Clone)]
pub struct LogView {
    /// Positions in the report's log of the lines that pass the filter, in order.
    index: Vec<usize>,
    /// Only this stage's lines, when set.
    pub filter: Option<Stage>,
    /// Only this hop's lines, when set (through jump hosts).
    pub hop_filter: Option<usize>,
    /// The hops' names through jump hosts (empty for a direct login): each line's tag names
    /// its hop.
    pub hops: Vec<String>,
    /// The most detailed level shown (`Info` is always shown).
    pub verbosity: Level,
    /// Following the tail or scrolled.
    pub scroll: Scroll,
    /// The confirmed search, if any.
    pub query: Option<String>,
    /// The filtered line of the match jumped to last.
    pub current: Option<usize>,
    /// The search being typed, while the input is open.
    pub input: Option<Input>,
    /// Inner width and height of the panel, for paging and the tail position.
    pub viewport: (usize, usize),
}

impl Default for LogView {
    fn default() -> Self {
        LogView {
            index: Vec::new(),
            filter: None,
            hop_filter: None,
            hops: Vec::new(),
            verbosity: Level::Debug1,
            scroll: Scroll::Tail,
            query: None,
            current: None,
            input: None,
            viewport: (78, 8),
        }
    }
}

/// The three unstyled parts of a log line as shown: `[kex] ` (`[bastion kex] ` through jump
/// hosts, `hops` being their names), `debug1: `, text. A transcript's line (`sshdoctor
/// explain`: `57│ text`) shows its line number before the level, as pasted.
pub fn parts<'a>(line: &'a LogLine, hops: &[String]) -> [Span<'a>; 3] {
    let level = match line.level {
        Level::Info => "",
        Level::Debug1 => "debug1: ",
        Level::Debug2 => "debug2: ",
        Level::Debug3 => "debug3: ",
    };
    let (number, text) = match transcript_line(&line.text) {
        Some((n, rest)) => (format!("{n:>4}│ "), rest),
        None => (String::new(), line.text.as_str()),
    };
    [
        Span::raw(match hops.get(line.hop) {
            Some(hop) => format!("[{hop} {}] {number}", line.stage.name()),
            None => format!("[{}] {number}", line.stage.name()),
        }),
        Span::raw(level),
        Span::raw(text),
    ]
}

/// A transcript's log line `N│ text`: its input line number and text.
pub fn transcript_line(text: &str) -> Option<(usize, &str)> {
    let (n, rest) = text.split_once("│ ")?;
    Some((n.parse().ok()?, rest))
}

/// The transcript line numbers a finding's evidence names (`line N: ...`).
pub fn evidence_lines(evidence: &[String]) -> Vec<usize> {
    evidence
        .iter()
        .filter_map(|e| e.strip_prefix("line ")?.split_once(':')?.0.parse().ok())
        .collect()
}

/// Byte ranges of `needle` in `hay`, ASCII case-insensitive (ranges fall on char boundaries).
pub fn find_all(hay: &str, needle: &str) -> Vec<std::ops::Range<usize>> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    let mut out = Vec::new();
    if n.is_empty() || n.len() > h.len() {
        return out;
    }
    let mut i = 0;
    while i + n.len() <= h.len() {
        if h[i..i + n.len()].eq_ignore_ascii_case(n) {
            out.push(i..i + n.len());
            i += n.len();
        } else {
            i += 1;
        }
    }
    out
}

impl LogView {
    fn accepts(&self, line: &LogLine) -> bool {
        line.level <= self.verbosity
            && self.filter.is_none_or(|s| s == line.stage)
            && self.hop_filter.is_none_or(|h| h == line.hop)
    }

    /// Number of lines passing the filter.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// The `i`-th filtered line.
    pub fn line<'a>(&self, i: usize, log: &'a [LogLine]) -> Option<&'a LogLine> {
        self.index.get(i).and_then(|&p| log.get(p))
    }

    /// Note a line just appended to the report's log at `pos`.
    pub fn push(&mut self, pos: usize, line: &LogLine) {
        if self.accepts(line) {
            self.index.push(pos);
        }
    }

    /// Forget every line (a re-run); keeps filter, verbosity and search.
    pub fn clear(&mut self) {
        self.index.clear();
        self.scroll = Scroll::Tail;
        self.current = None;
    }

    /// Rebuild the index after the filter or verbosity changed, keeping the view near the same line.
    pub fn rebuild(&mut self, log: &[LogLine]) {
        let anchor = match self.scroll {
            Scroll::Top(i) => self.index.get(i).copied(),
            Scroll::Tail => None,
        };
        self.index = (0..log.len()).filter(|&p| self.accepts(&log[p])).collect();
        self.current = None;
        if let Some(abs) = anchor {
            self.scroll = Scroll::Top(self.index.partition_point(|&p| p < abs));
            self.settle(log);
        }
    }

    /// Rows the `i`-th filtered line takes at the current width.
    pub fn rows(&self, i: usize, log: &[LogLine]) -> usize {
        self.line(i, log)
            .map_or(1, |l| wrap::height(&parts(l, &self.hops), self.viewport.0))
    }

    /// The first line shown when following the tail (only whole lines count).
    pub fn tail_top(&self, log: &[LogLine]) -> usize {
        let mut used = 0;
        let mut top = self.len();
        while top > 0 {
            let r = self.rows(top - 1, log);
            if used + r > self.viewport.1 && top < self.len() {
                break;
            }
            used += r;
            top -= 1;
        }
        top
    }

    /// The first line shown now.
    pub fn top(&self, log: &[LogLine]) -> usize {
        match self.scroll {
            Scroll::Tail => self.tail_top(log),
            Scroll::Top(i) => i.min(self.len().saturating_sub(1)),
        }
    }

    /// Back to following the tail once a scrolled view reaches it.
    fn settle(&mut self, log: &[LogLine]) {
        if let Scroll::Top(i) = self.scroll {
            if i >= self.tail_top(log) {
                self.scroll = Scroll::Tail;
            }
        }
    }

    /// Rows in a page.
    pub fn page(&self) -> usize {
        self.viewport.1.saturating_sub(1).max(1)
    }

    /// Scroll towards the start by `n` lines; this stops following the tail.
    pub fn scroll_up(&mut self, n: usize, log: &[LogLine]) {
        let top = self.top(log);
        self.scroll = Scroll::Top(top.saturating_sub(n));
        self.settle(log);
    }

    /// Scroll towards the end by `n` lines; reaching the end follows the tail again.
    pub fn scroll_down(&mut self, n: usize, log: &[LogLine]) {
        if let Scroll::Top(i) = self.scroll {
            self.scroll = Scroll::Top(i.saturating_add(n));
            self.settle(log);
        }
    }

    /// Show the first line.
    pub fn home(&mut self, log: &[LogLine]) {
        self.scroll = Scroll::Top(0);
        self.settle(log);
    }

    /// Follow the tail.
    pub fn end(&mut self) {
        self.scroll = Scroll::Tail;
    }

    /// Whether the `i`-th filtered line matches the confirmed search.
    pub fn is_match(&self, i: usize, log: &[LogLine]) -> bool {
        match (&self.query, self.line(i, log)) {
            (Some(q), Some(l)) => !find_all(&l.text, q).is_empty(),
            _ => false,
        }
    }

    /// Jump to the next (or previous) match, wrapping around; false when nothing matches.
    pub fn jump(&mut self, forward: bool, log: &[LogLine]) -> bool {
        let n = self.len();
        if n == 0 || self.query.is_none() {
            return false;
        }
        let (start, skip_first) = match self.current {
            Some(c) => (c, true),
            None => (self.top(log), false),
        };
        for step in 0..n {
            let off = if skip_first { step + 1 } else { step };
            let i = if forward {
                (start + off) % n
            } else {
                (start + n * 2 - off % n) % n
            };
            if self.is_match(i, log) {
                self.current = Some(i);
                self.scroll = Scroll::Top(self.context_top(i, log));
                self.settle(log);
                return true;
            }
        }
        false
    }

    /// The first line to show so that line `i` is in view, with the lines before it that fit
    /// in a third of the panel (wrapped lines count by the rows they take).
    fn context_top(&self, i: usize, log: &[LogLine]) -> usize {
        let room = self.viewport.1.max(1);
        let mut used = self.rows(i, log);
        let mut top = i;
        while top > 0 {
            let r = self.rows(top - 1, log);
            if used + r > room / 3 || used + r > room {
                break;
            }
            used += r;
            top -= 1;
        }
        top
    }

    /// Confirm the search being typed: an empty one clears the search.
    pub fn confirm_search(&mut self, log: &[LogLine]) {
        let query = self
            .input
            .take()
            .map(|i| i.value().to_string())
            .unwrap_or_default();
        self.current = None;
        self.query = (!query.is_empty()).then_some(query);
        self.jump(true, log);
    }
}
