//! Finding English sentences left in a translated text: what the language tests (the real logins
//! in tests/languages_flow.rs, the explained corpus in src/explain/i18n_tests.rs) fail on.

/// Words that make a run of Latin words a sentence rather than a command, an option or a
/// name.
const GLUE: &[&str] = &[
    "the", "a", "an", "is", "are", "was", "not", "no", "of", "to", "and", "or", "on", "in", "for",
    "with", "this", "that", "it", "its", "be", "by", "from", "has", "have", "does", "can",
    "cannot", "so", "but", "your", "you", "which", "when", "only",
];

/// The English sentences in `text`: runs of four or more Latin words, at least two of them
/// glue words, outside backquotes and double quotes (commands, paths and OpenSSH's own words).
pub fn english_sentences(text: &str) -> Vec<String> {
    let mut outside = String::new();
    let mut quoted = None;
    for c in text.chars() {
        match (quoted, c) {
            (None, '`' | '"') => quoted = Some(c),
            (Some(q), c) if c == q => quoted = None,
            (None, c) => outside.push(c),
            _ => {}
        }
    }
    let mut found = Vec::new();
    for piece in outside.split(|c: char| !(c.is_ascii_alphabetic() || c == '\'' || c == ' ')) {
        let run: Vec<&str> = piece.split(' ').filter(|w| !w.is_empty()).collect();
        let glue = run
            .iter()
            .filter(|w| GLUE.contains(&w.to_ascii_lowercase().as_str()))
            .count();
        if run.len() >= 4 && glue >= 2 {
            found.push(run.join(" "));
        }
    }
    found
}
