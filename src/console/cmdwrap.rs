//! Shell commands wrapped so that they still run when pasted: a person selects the rows in
//! tmux or a terminal and pastes them (a newline between rows), and bash reads the very same
//! words. Rows break between words outside quotes and end with ` \` (a line continuation);
//! a word too long for a row breaks inside with a trailing `\` — a single-quoted word that
//! can be is rewritten double-quoted first (inside double quotes bash removes a
//! backslash-newline too), otherwise the quote is closed before the `\` and reopened on the
//! next row — and the row after such a break starts at column 0, where a space would split the
//! word. A `# comment` never stays in a command: it is returned apart, as a note.

use super::wrap::width as cells;

/// A command as shown: its rows, each already indented, and the explanation its trailing
/// `# comment` held (shown apart, never inside the command).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// The rows, at most the width given (unless a single character is wider).
    pub rows: Vec<String>,
    /// The text after an unquoted `#`, if the command had one.
    pub note: Option<String>,
}

/// The quoting in force after an atom: where a break after it lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Unquoted,
    Single,
    Double,
}

impl Mode {
    /// What ends a row broken after an atom in this mode, and what starts the next one.
    fn split(self) -> (&'static str, &'static str) {
        match self {
            Mode::Unquoted | Mode::Double => ("\\", ""),
            Mode::Single => ("'\\", "'"),
        }
    }
}

/// The smallest piece of a word that is never split (a character, or a backslash and the
/// character it escapes), with the quoting in force after it.
#[derive(Debug, Clone)]
struct Atom {
    text: String,
    after: Mode,
}

type Word = Vec<Atom>;

/// The command's words (as bash splits them at unquoted blanks) and its comment.
fn lex(command: &str) -> (Vec<Word>, Option<String>) {
    let mut words: Vec<Word> = Vec::new();
    let mut word: Word = Vec::new();
    let mut mode = Mode::Unquoted;
    let mut chars = command.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let mut text = c.to_string();
        match (mode, c) {
            (Mode::Unquoted, ' ' | '\t' | '\n') => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                continue;
            }
            (Mode::Unquoted, '#') if word.is_empty() => {
                let note = command[i + 1..].trim();
                return (words, (!note.is_empty()).then(|| note.to_string()));
            }
            (Mode::Unquoted | Mode::Double, '\\') => {
                if let Some((_, n)) = chars.next() {
                    text.push(n);
                }
            }
            (Mode::Unquoted, '\'') => mode = Mode::Single,
            (Mode::Unquoted, '"') => mode = Mode::Double,
            (Mode::Single, '\'') | (Mode::Double, '"') => mode = Mode::Unquoted,
            _ => {}
        }
        word.push(Atom { text, after: mode });
    }
    if !word.is_empty() {
        words.push(word);
    }
    (words, None)
}

/// A word that is one single-quoted string bash reads the same inside double quotes,
/// rewritten so (it can then break without closing its quote).
fn double_quoted(word: &Word) -> Option<Word> {
    let (first, last) = (word.first()?, word.last()?);
    let inner = &word[1..word.len().saturating_sub(1)];
    let single = word.len() >= 2
        && first.text == "'"
        && last.text == "'"
        && inner.iter().all(|a| a.after == Mode::Single);
    let plain = inner
        .iter()
        .all(|a| !a.text.contains(['$', '`', '\\', '"', '!']));
    if !(single && plain) {
        return None;
    }
    let mut out = vec![Atom {
        text: "\"".into(),
        after: Mode::Double,
    }];
    out.extend(inner.iter().map(|a| Atom {
        text: a.text.clone(),
        after: Mode::Double,
    }));
    out.push(Atom {
        text: "\"".into(),
        after: Mode::Unquoted,
    });
    Some(out)
}

fn word_width(w: &Word) -> usize {
    w.iter().map(|a| cells(&a.text)).sum()
}

/// The rows being filled.
struct Rows {
    done: Vec<String>,
    row: String,
    used: usize,
    /// No word on the current row yet.
    fresh: bool,
    width: usize,
    /// The indent of rows that continue after a break between words.
    hang: usize,
}

impl Rows {
    /// End the row between words (` \`) and start the next one indented.
    fn next_row(&mut self) {
        let row = std::mem::take(&mut self.row);
        self.done.push(format!("{row} \\"));
        self.row = " ".repeat(self.hang);
        self.used = self.hang;
        self.fresh = true;
    }

    fn push(&mut self, text: &str) {
        self.row.push_str(text);
        self.used += cells(text);
    }

    /// Place a word too long for any row, breaking it inside; each row keeps room for the
    /// break's own end, and for ` \` after the word unless it is the last.
    fn broken(&mut self, word: &Word, last: bool) {
        let first = &word[0];
        if !self.fresh
            && self.used + 1 + cells(&first.text) + cells(first.after.split().0) > self.width
        {
            self.next_row();
        }
        if !self.fresh {
            self.push(" ");
        }
        self.fresh = false;
        let mut on_row = 0;
        for (i, atom) in word.iter().enumerate() {
            let end = match (i + 1 == word.len(), last) {
                (true, true) => 0,
                (true, false) => 2,
                (false, _) => cells(atom.after.split().0),
            };
            if on_row > 0 && self.used + cells(&atom.text) + end > self.width {
                let (close, open) = word[i - 1].after.split();
                let row = std::mem::take(&mut self.row);
                self.done.push(format!("{row}{close}"));
                self.row = open.to_string();
                self.used = cells(open);
                on_row = 0;
            }
            self.push(&atom.text);
            on_row += 1;
            // A quoted space whose next run of text will not fit: break after it (readable).
            if atom.text == " " && atom.after != Mode::Unquoted && i + 1 < word.len() {
                let run: usize = word[i + 1..]
                    .iter()
                    .take_while(|a| a.text != " ")
                    .map(|a| cells(&a.text))
                    .sum();
                let (close, open) = atom.after.split();
                if self.used + run + 2 > self.width && self.used + cells(close) <= self.width {
                    let row = std::mem::take(&mut self.row);
                    self.done.push(format!("{row}{close}"));
                    self.row = open.to_string();
                    self.used = cells(open);
                    on_row = 0;
                }
            }
        }
    }

    fn finish(mut self) -> Vec<String> {
        if !self.row.trim().is_empty() || self.done.is_empty() {
            self.done.push(self.row);
        }
        self.done
    }
}

/// Rows of `command` at most `width` cells wide, the first and every row after a break
/// between words indented by `indent` (continuations by two more), which pasted together
/// (one newline between rows) make bash read the very words of `command`.
pub fn shown(command: &str, width: usize, indent: usize) -> Shown {
    let (words, note) = lex(command);
    let width = width.max(indent + 8);
    let hang = (indent + 2).min(width / 2);
    let mut rows = Rows {
        done: Vec::new(),
        row: " ".repeat(indent),
        used: indent,
        fresh: true,
        width,
        hang,
    };
    for (n, word) in words.iter().enumerate() {
        let last = n + 1 == words.len();
        let limit = if last { width } else { width - 2 };
        let w = word_width(word);
        let sep = usize::from(!rows.fresh);
        if rows.used + sep + w <= limit {
            if !rows.fresh {
                rows.push(" ");
            }
            for a in word {
                rows.push(&a.text);
            }
            rows.fresh = false;
            continue;
        }
        if hang + w <= limit {
            rows.next_row();
            for a in word {
                rows.push(&a.text);
            }
            rows.fresh = false;
            continue;
        }
        let word = double_quoted(word).unwrap_or_else(|| word.clone());
        rows.broken(&word, last);
    }
    Shown {
        rows: rows.finish(),
        note,
    }
}

/// Styled lines for a command shown under a heading: `label` and the command on one line when
/// that fits (a single row pastes whole), else the label alone and the command's rows below
/// it, indented by `indent`; a `# comment` becomes a line of its own after the command.
pub fn lines(
    label: &str,
    command: &str,
    width: usize,
    indent: usize,
    style: ratatui::style::Style,
    note_style: ratatui::style::Style,
) -> Vec<ratatui::text::Line<'static>> {
    use ratatui::text::Line;
    let pad = " ".repeat(indent);
    let s = shown(
        command,
        width.saturating_sub(label.len() + 1 + indent).max(1),
        0,
    );
    let mut out = Vec::new();
    if s.rows.len() == 1 && !label.is_empty() {
        out.push(Line::styled(format!("{pad}{label} {}", s.rows[0]), style));
    } else {
        if !label.is_empty() {
            out.push(Line::styled(format!("{pad}{label}"), note_style));
        }
        for row in shown(command, width, indent).rows {
            out.push(Line::styled(row, style));
        }
    }
    if let Some(note) = &s.note {
        let note = ratatui::text::Span::styled(format!("{pad}({note})"), note_style);
        out.extend(super::wrap::wrap(&[note], width, true));
    }
    out
}

#[cfg(test)]
mod tests;
