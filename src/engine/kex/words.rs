//! The words the stages' sentences are built from, as texts the front ends translate: the
//! kinds of algorithm list, lists of such words, and where a setting comes from.

use crate::i18n::Text;

/// ssh's words for a list ("key exchange method", "host key type", "cipher", "MAC"), as a
/// text the front ends translate (other words are shown as they are).
pub(crate) fn kind_text(words: &str) -> Text {
    match words {
        "key exchange method" => crate::text!("engine.kex.kind_kex"),
        "host key type" => crate::text!("engine.kex.kind_hostkey"),
        "cipher" => crate::text!("engine.kex.kind_cipher"),
        "MAC" => crate::text!("engine.kex.kind_mac"),
        "key exchange" => crate::text!("engine.kex.short_kex"),
        other => Text::from(other),
    }
}

/// Texts listed with the language's separator: "a, b, c" in English, "a、b、c" in Japanese.
pub(crate) fn list_text(items: impl DoubleEndedIterator<Item = Text>) -> Text {
    items
        .rev()
        .reduce(|rest, first| crate::text!("engine.kex.list", first = first, rest = rest))
        .unwrap_or_else(|| Text::from(""))
}

/// Where a setting comes from, as [`crate::config::Origin::describe`] says it, in no
/// language yet: "the command line", "OpenSSH's default", "~/.ssh/config line 3".
pub(crate) fn origin_text(origin: &crate::config::Origin, home: &std::path::Path) -> Text {
    use crate::config::Origin;
    match origin {
        Origin::CommandLine => crate::text!("engine.kex.origin_command_line"),
        Origin::Default => crate::text!("engine.kex.origin_openssh_default"),
        Origin::File { path, line } if *line > 0 => {
            let file = Origin::File {
                path: path.clone(),
                line: 0,
            };
            crate::text!(
                "engine.kex.origin_file_line",
                file = file.describe(home),
                line = *line
            )
        }
        other => Text::from(other.describe(home)),
    }
}
