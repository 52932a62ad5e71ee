//! A unified diff built while a file streams through a line edit: only the changed lines and
//! their context are kept, so previewing a change to a million-line file costs what the
//! change costs. The output is the same as [`super::diff`]'s for the same edit.

use std::collections::VecDeque;
use std::fmt::Write as _;

use super::diff::{push_line, range, CONTEXT};

/// Builds the diff of a line edit: feed every line in order with [`Hunks::same`] or
/// [`Hunks::change`], then call [`Hunks::finish`].
#[derive(Debug)]
pub struct Hunks {
    label: String,
    out: String,
    /// Unchanged lines just seen, while no hunk is open (leading context for the next one).
    before: VecDeque<Vec<u8>>,
    hunk: Option<Hunk>,
    /// Lines of the old and of the new file seen so far.
    old_no: usize,
    new_no: usize,
}

#[derive(Debug)]
struct Hunk {
    old_start: usize,
    new_start: usize,
    old_len: usize,
    new_len: usize,
    body: String,
    /// The current run of changes: diff(1) prints its deletions before its insertions.
    deleted: Vec<Vec<u8>>,
    inserted: Vec<Vec<u8>>,
    /// Unchanged lines since the last change.
    gap: Vec<Vec<u8>>,
}

impl Hunk {
    fn flush_run(&mut self) {
        for line in self.deleted.drain(..) {
            push_line(&mut self.body, '-', &line);
        }
        for line in self.inserted.drain(..) {
            push_line(&mut self.body, '+', &line);
        }
    }

    fn context(&mut self, line: &[u8]) {
        push_line(&mut self.body, ' ', line);
        self.old_len += 1;
        self.new_len += 1;
    }
}

impl Hunks {
    /// A diff headed `--- a/<label>` / `+++ b/<label>` (a leading `/` dropped, as in
    /// [`super::diff`]).
    pub fn new(label: &str) -> Hunks {
        Hunks {
            label: label.trim_start_matches('/').to_owned(),
            out: String::new(),
            before: VecDeque::new(),
            hunk: None,
            old_no: 0,
            new_no: 0,
        }
    }

    /// A line that stays as it is (with its terminator, if any).
    pub fn same(&mut self, line: &[u8]) {
        self.old_no += 1;
        self.new_no += 1;
        match &mut self.hunk {
            Some(hunk) => {
                hunk.flush_run();
                hunk.gap.push(line.to_vec());
                if hunk.gap.len() > 2 * CONTEXT {
                    self.close();
                }
            }
            None => {
                // Reuse the oldest line's buffer: no allocation per line of a long file.
                let mut slot = match self.before.len() {
                    CONTEXT => self.before.pop_front().unwrap_or_default(),
                    _ => Vec::new(),
                };
                slot.clear();
                slot.extend_from_slice(line);
                self.before.push_back(slot);
            }
        }
    }

    /// `old` (if any) is replaced by `new` (if any).
    pub fn change(&mut self, old: Option<&[u8]>, new: Option<&[u8]>) {
        self.old_no += usize::from(old.is_some());
        self.new_no += usize::from(new.is_some());
        let hunk = self.open(usize::from(old.is_some()), usize::from(new.is_some()));
        for line in std::mem::take(&mut hunk.gap) {
            hunk.context(&line);
        }
        if let Some(old) = old {
            hunk.deleted.push(old.to_vec());
            hunk.old_len += 1;
        }
        if let Some(new) = new {
            hunk.inserted.push(new.to_vec());
            hunk.new_len += 1;
        }
    }

    /// Lines added (e.g. appended at the end); `bytes` may hold several.
    pub fn insert(&mut self, bytes: &[u8]) {
        for line in bytes.split_inclusive(|&b| b == b'\n') {
            self.change(None, Some(line));
        }
    }

    /// The finished diff; empty when nothing changed.
    pub fn finish(mut self) -> String {
        if self.hunk.is_some() {
            self.close();
        }
        self.out
    }

    /// The open hunk, or a new one; `old`/`new`: lines of the change being added that are
    /// already counted in `old_no`/`new_no`.
    fn open(&mut self, old: usize, new: usize) -> &mut Hunk {
        if self.hunk.is_none() {
            let lead = self.before.len();
            let mut hunk = Hunk {
                old_start: self.old_no - old - lead,
                new_start: self.new_no - new - lead,
                old_len: 0,
                new_len: 0,
                body: String::new(),
                deleted: Vec::new(),
                inserted: Vec::new(),
                gap: Vec::new(),
            };
            for line in self.before.drain(..) {
                hunk.context(&line);
            }
            self.hunk = Some(hunk);
        }
        self.hunk.as_mut().expect("just opened")
    }

    /// Ends the open hunk with up to [`CONTEXT`] lines of trailing context; the rest of its
    /// gap becomes the leading context of the next one.
    fn close(&mut self) {
        let Some(mut hunk) = self.hunk.take() else {
            return;
        };
        hunk.flush_run();
        let gap = std::mem::take(&mut hunk.gap);
        for line in gap.iter().take(CONTEXT) {
            hunk.context(line);
        }
        if self.out.is_empty() {
            let _ = writeln!(self.out, "--- a/{}", self.label);
            let _ = writeln!(self.out, "+++ b/{}", self.label);
        }
        let _ = writeln!(
            self.out,
            "@@ -{} +{} @@",
            range(hunk.old_start, hunk.old_len),
            range(hunk.new_start, hunk.new_len)
        );
        self.out.push_str(&hunk.body);
        let skip = gap
            .len()
            .saturating_sub(CONTEXT)
            .max(CONTEXT.min(gap.len()));
        self.before = gap.into_iter().skip(skip).collect();
    }
}
