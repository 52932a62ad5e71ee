//! Line-by-line edits: the file streams from the original to the temporary file through a
//! [`LineEdit`], so memory stays constant whatever the file's size, and the diff is built
//! from the changed lines alone.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use super::carry::wait_for_more;
use super::hunks::Hunks;
use super::inspect::{too_large, Original, MAX_STREAM_BYTES};
use super::procedure::{watched_names, Output, Produced, Producer};
use super::{io_err, EditError};

/// What becomes of one line in a [`LineEdit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineChange {
    /// The line stays, byte for byte.
    Keep,
    /// The line goes, with its terminator.
    Drop,
    /// The line is replaced by these bytes (which should end with the same terminator).
    Replace(Vec<u8>),
}

/// A streaming edit: it sees the file's lines in order and says what becomes of each.
pub trait LineEdit {
    /// Line `number` (1-based), with its terminator (`\n` or `\r\n`; the last line may have
    /// none, and then it is the last call).
    fn line(&mut self, number: usize, line: &[u8]) -> LineChange;

    /// Bytes to add after the last line (called once, after every line); `None` for none.
    /// They are added as they are: after a last line without terminator they would join it,
    /// so an edit adding lines replaces such a line with a terminated one first.
    fn finish(&mut self) -> Option<Vec<u8>> {
        None
    }
}

/// The [`Producer`] of line edits.
pub(super) struct Lines<'e> {
    pub edit: &'e mut dyn LineEdit,
    /// The file (symlinks resolved), for messages and the diff's label.
    pub target: std::path::PathBuf,
    /// Compute only (a preview): never start the output.
    pub dry_run: bool,
}

impl Producer for Lines<'_> {
    fn limit(&self) -> u64 {
        MAX_STREAM_BYTES
    }

    fn produce(
        &mut self,
        original: Option<&Original>,
        out: &mut Output<'_>,
    ) -> Result<Option<Produced>, EditError> {
        let mut hunks = Hunks::new(&self.target.to_string_lossy());
        let mut changed = false;
        let mut consumed = 0u64;
        if let Some(o) = original {
            let names = watched_names(&self.target, None);
            let mut reader = BufReader::with_capacity(64 << 10, &o.file);
            let mut line = Vec::new();
            let mut number = 0;
            while next_line(&mut reader, &mut line, consumed, o, &names, &self.target)? {
                number += 1;
                self.edit_line(number, &line, consumed, &mut changed, &mut hunks, out)?;
                consumed += line.len() as u64;
            }
        }
        if let Some(tail) = self.edit.finish().filter(|t| !t.is_empty()) {
            if !changed && !self.dry_run {
                out.start(consumed)?;
            }
            changed = true;
            hunks.insert(&tail);
            if !self.dry_run {
                out.write(&tail)?;
            }
        }
        Ok(changed.then(|| Produced {
            consumed,
            diff: hunks.finish(),
            whole: None,
        }))
    }
}

impl Lines<'_> {
    /// Whether the edit changes line `number` (which starts `consumed` bytes in): the diff
    /// records it either way, and from the first change on the output (started there) gets
    /// every new line; a preview writes nothing.
    fn edit_line(
        &mut self,
        number: usize,
        line: &[u8],
        consumed: u64,
        changed: &mut bool,
        hunks: &mut Hunks,
        out: &mut Output<'_>,
    ) -> Result<(), EditError> {
        let change = self.edit.line(number, line);
        let new = match &change {
            LineChange::Keep => Some(line),
            LineChange::Drop => None,
            LineChange::Replace(bytes) => Some(&bytes[..]),
        };
        if new == Some(line) {
            hunks.same(line);
        } else {
            hunks.change(Some(line), new);
            if !*changed && !self.dry_run {
                out.start(consumed)?;
            }
            *changed = true;
        }
        if *changed && !self.dry_run {
            out.write(new.unwrap_or_default())?;
        }
        Ok(())
    }
}

/// Whether there is a next line (after `consumed` bytes): read it whole into `line`, waiting
/// for an unterminated end while another program may still be writing it; a file past
/// [`MAX_STREAM_BYTES`] is an error.
fn next_line(
    reader: &mut BufReader<&File>,
    line: &mut Vec<u8>,
    consumed: u64,
    o: &Original,
    names: &[PathBuf],
    path: &Path,
) -> Result<bool, EditError> {
    line.clear();
    if read_some(reader, line, consumed, path)? == 0 {
        return Ok(false);
    }
    // An unterminated end may be a line another program is writing right now.
    while !line.ends_with(b"\n")
        && (consumed + line.len() as u64) <= MAX_STREAM_BYTES
        && wait_for_more(o, consumed + line.len() as u64, names).map_err(io_err("read", path))?
    {
        read_some(reader, line, consumed, path)?;
    }
    let n = line.len();
    if consumed + n as u64 > MAX_STREAM_BYTES {
        return Err(too_large(path, consumed + n as u64, MAX_STREAM_BYTES));
    }
    Ok(true)
}

/// Read up to the next newline onto `line`, never past one byte beyond the size limit; the
/// number of bytes read (0 at the end).
fn read_some(
    reader: &mut BufReader<&File>,
    line: &mut Vec<u8>,
    consumed: u64,
    path: &Path,
) -> Result<usize, EditError> {
    let room = MAX_STREAM_BYTES - consumed - line.len() as u64 + 1;
    reader
        .take(room)
        .read_until(b'\n', line)
        .map_err(io_err("read", path))
}

/// The unified diff `edit` makes to `bytes` (labelled `label`), built from the changed lines
/// only: for previews of line edits of content already in memory.
pub fn diff_lines(bytes: &[u8], edit: &mut dyn LineEdit, label: &str) -> String {
    let mut hunks = Hunks::new(label);
    for (i, line) in bytes.split_inclusive(|&b| b == b'\n').enumerate() {
        match edit.line(i + 1, line) {
            LineChange::Keep => hunks.same(line),
            LineChange::Drop => hunks.change(Some(line), None),
            LineChange::Replace(new) if new == line => hunks.same(line),
            LineChange::Replace(new) => hunks.change(Some(line), Some(&new)),
        }
    }
    if let Some(tail) = edit.finish().filter(|t| !t.is_empty()) {
        hunks.insert(&tail);
    }
    hunks.finish()
}
