//! Sentences the engine writes for the case at hand (a finding's detail and fix, a stage's
//! summary, an explaining log line), kept as a catalog key and its values so that each front
//! end can show them in its language: the engine knows no language and no terminal.
//!
//! A [`Text`] is built with [`crate::text!`]; its English is what the engine's `String` fields
//! hold (what the tests and the English reports read), and [`Text::render`] gives the same
//! sentence in another language. Values are data (host names, paths, commands, OpenSSH's
//! words) shown as they are in every language, or texts of their own, translated in turn.

use super::{lookup, Lang};

/// A sentence for the case at hand, in no language yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    /// Data shown as it is in every language: a host, a path, a command, a number, a line
    /// OpenSSH wrote.
    Plain(String),
    /// A catalog sentence (`engine.tcp.refused_detail`) with its `{name}` placeholders' values.
    Key(&'static str, Vec<(&'static str, Text)>),
    /// Several texts one after the other, joined by a separator (`" "`, `"\n\n"`, `", "`).
    Join(Vec<Text>, &'static str),
}

impl Text {
    /// The sentence in `lang` (English where that catalog lacks the key; the tests keep them
    /// complete).
    pub fn render(&self, lang: Lang) -> String {
        let mut out = String::new();
        self.render_into(lang, &mut out);
        out
    }

    /// The sentence in English: what the engine's `String` fields hold.
    pub fn english(&self) -> String {
        self.render(Lang::En)
    }

    fn render_into(&self, lang: Lang, out: &mut String) {
        match self {
            Text::Plain(s) => out.push_str(s),
            Text::Key(key, args) => fill_into(lookup(lang, key), args, lang, out),
            Text::Join(parts, sep) => {
                let mut first = true;
                for part in parts.iter().filter(|p| !p.is_empty()) {
                    if !first {
                        out.push_str(sep);
                    }
                    first = false;
                    part.render_into(lang, out);
                }
            }
        }
    }

    /// True for a text that renders as nothing in every language (an empty [`Text::Plain`], or
    /// a join of such): a join leaves it out with its separator.
    pub fn is_empty(&self) -> bool {
        match self {
            Text::Plain(s) => s.is_empty(),
            Text::Key(..) => false,
            Text::Join(parts, _) => parts.iter().all(Text::is_empty),
        }
    }

    /// `self` then `other`, joined by `sep` (a text that is already such a join with the same
    /// separator grows by one).
    pub fn then(self, sep: &'static str, other: Text) -> Text {
        match self {
            Text::Join(mut parts, s) if s == sep => {
                parts.push(other);
                Text::Join(parts, sep)
            }
            first => Text::Join(vec![first, other], sep),
        }
    }

    /// Texts joined by `sep`; empty ones are left out.
    pub fn join(parts: impl IntoIterator<Item = Text>, sep: &'static str) -> Text {
        Text::Join(parts.into_iter().collect(), sep)
    }

    /// The catalog keys this text uses, for the tests.
    pub fn keys(&self) -> Vec<&'static str> {
        match self {
            Text::Plain(_) => Vec::new(),
            Text::Key(k, args) => std::iter::once(*k)
                .chain(args.iter().flat_map(|(_, a)| a.keys()))
                .collect(),
            Text::Join(parts, _) => parts.iter().flat_map(Text::keys).collect(),
        }
    }
}

/// `template` with each `{name}` replaced by its value rendered in `lang`, in one pass (a value
/// that itself holds `{…}` is never filled again).
fn fill_into(template: &str, args: &[(&'static str, Text)], lang: Lang, out: &mut String) {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after
            .find('}')
            .and_then(|close| Some((close, args.iter().find(|(n, _)| *n == &after[..close])?)));
        match value {
            Some((close, (_, v))) => {
                v.render_into(lang, out);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text::Plain(s)
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Text {
        Text::Plain(s.clone())
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::Plain(s.to_string())
    }
}

macro_rules! plain_from_display {
    ($($t:ty),*) => {$(
        impl From<$t> for Text {
            fn from(v: $t) -> Text {
                Text::Plain(v.to_string())
            }
        }
    )*};
}
plain_from_display!(u8, u16, u32, u64, u128, usize, i32, i64, char);

impl From<&std::path::Path> for Text {
    fn from(p: &std::path::Path) -> Text {
        Text::Plain(p.display().to_string())
    }
}

impl From<&std::path::PathBuf> for Text {
    fn from(p: &std::path::PathBuf) -> Text {
        Text::Plain(p.display().to_string())
    }
}

/// A [`Text`] from a catalog key and its placeholders' values:
/// `text!("summary.skipped", why = reason)`. A value is data shown as it is
/// (`String`, `&str`, numbers, paths) or a [`Text`] of its own, translated in turn.
#[macro_export]
macro_rules! text {
    ($key:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::i18n::Text::Key(
            $key,
            vec![$((stringify!($name), $crate::i18n::Text::from($value))),*],
        )
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_keys_values_and_joins() {
        let t = crate::text!("summary.skipped", why = "no login");
        assert_eq!(t.english(), "skipped: no login");
        let nested = crate::text!("summary.skipped", why = t.clone());
        assert_eq!(nested.english(), "skipped: skipped: no login");
        let j = Text::join([t.clone(), Text::from(""), Text::from("x")], "; ");
        assert_eq!(j.english(), "skipped: no login; x");
        assert_eq!(j.keys(), ["summary.skipped"]);
        assert_ne!(t.render(Lang::Ja), t.english());
    }

    #[test]
    fn a_value_is_never_filled_twice() {
        let t = crate::text!("summary.skipped", why = "{why}");
        assert_eq!(t.english(), "skipped: {why}");
    }
}
