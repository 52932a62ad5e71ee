//! clap's `--help` in the language in force: each command's description and each option's
//! help from the catalogs (`[cli.help.COMMAND]`, keyed by the argument's id), clap's headings
//! and its `-h`/`-V` lines too; option names, value names and values stay as they are.
//!
//! English is left exactly as the doc comments wrote it (the catalogs hold the same words, and a
//! test keeps them so). clap's own error messages stay English: clap cannot be told otherwise.

use clap::{Arg, ArgAction, Command};

/// The help template: clap's default, with its `Usage:` heading in the language in force.
const TEMPLATE: &str =
    "{before-help}{about-with-newline}\n{usage-heading-text}{usage}\n\n{all-args}{after-help}";

/// `command` with its help in the language in force (unchanged in English).
pub(crate) fn localized(command: Command) -> Command {
    if crate::i18n::current() == crate::i18n::Lang::En {
        return command;
    }
    let area = area(command.get_name()).to_string();
    let options = crate::i18n::t("cli.help.options");
    let arguments = crate::i18n::t("cli.help.arguments");
    let ids: Vec<(String, bool)> = command
        .get_arguments()
        .map(|a| (a.get_id().to_string(), a.is_positional()))
        .collect();
    let mut command = command
        .help_template(TEMPLATE.replace("{usage-heading-text}", crate::i18n::t("cli.help.usage")))
        .disable_help_flag(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help(crate::i18n::t("cli.help.help"))
                .help_heading(options),
        );
    if let Some(about) = said(&format!("cli.help.{area}.about")) {
        command = command.about(about);
    }
    if command.get_version().is_some() {
        command = command.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help(crate::i18n::t("cli.help.version"))
                .help_heading(options),
        );
    }
    for (id, positional) in ids {
        let help = said(&format!("cli.help.{area}.{id}"));
        let heading = if positional { arguments } else { options };
        command = command.mut_arg(id, |a| {
            let a = a.help_heading(heading);
            match help {
                Some(h) => with_values(a, h),
                None => a,
            }
        });
    }
    command
}

/// `arg` with its help `text`, and its possible and default values said in the same language
/// (clap would add them in English: `Possible values:`, `[default: 4]`).
fn with_values(mut arg: Arg, text: &str) -> Arg {
    let mut text = text.to_string();
    if arg.get_action().takes_values() && !arg.get_possible_values().is_empty() {
        text.push_str(crate::i18n::t("cli.help.formats"));
        arg = arg.hide_possible_values(true);
    }
    if let Some(default) = arg.get_default_values().first() {
        let value = default.to_string_lossy();
        text.push_str(&crate::i18n::tf("cli.help.default", &[("value", &value)]));
        arg = arg.hide_default_value(true);
    }
    arg.help(text).long_help(None::<&str>)
}

/// clap's usage error in the language in force, for the kinds people meet most (an unknown
/// option, a bad or missing value, a missing or conflicting option); `None` in English and for
/// any other kind, which clap says in its own words.
pub(crate) fn error_line(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind as C, ContextValue as V, ErrorKind as E};
    if crate::i18n::current() == crate::i18n::Lang::En {
        return None;
    }
    let get = |kind| match e.get(kind) {
        Some(V::String(s)) => Some(s.clone()),
        Some(V::Strings(v)) => Some(v.join(", ")),
        _ => None,
    };
    let tf = crate::i18n::tf;
    let line = match e.kind() {
        E::UnknownArgument => tf("cli.clap.unknown", &[("arg", &get(C::InvalidArg)?)]),
        E::InvalidValue | E::ValueValidation => {
            let (arg, value) = (get(C::InvalidArg)?, get(C::InvalidValue)?);
            if value.is_empty() {
                return Some(tf("cli.clap.value_required", &[("arg", &arg)]));
            }
            let line = tf(
                "cli.clap.invalid_value",
                &[("arg", &arg), ("value", &value)],
            );
            let why = match (get(C::ValidValue), std::error::Error::source(e)) {
                (Some(values), _) => values,
                (None, Some(why)) => why.to_string(),
                (None, None) => return Some(line),
            };
            tf("cli.clap.because", &[("line", &line), ("why", &why)])
        }
        E::MissingRequiredArgument => tf("cli.clap.missing", &[("arg", &get(C::InvalidArg)?)]),
        E::ArgumentConflict => tf(
            "cli.clap.conflict",
            &[("arg", &get(C::InvalidArg)?), ("other", &get(C::PriorArg)?)],
        ),
        _ => return None,
    };
    Some(line)
}

/// The catalog table of a command: `main`, `explain`, `server`, `fleet`.
fn area(name: &str) -> &str {
    name.strip_prefix("sshdoctor ").unwrap_or("main")
}

/// The text of `key` in the language in force, when the catalogs have it.
fn said(key: &str) -> Option<&'static str> {
    crate::i18n::catalog(crate::i18n::Lang::En)
        .contains_key(key)
        .then(|| crate::i18n::t(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{catalog, with_lang, Lang};

    /// Every command the line has, by name, as clap builds it from the doc comments.
    fn commands() -> Vec<Command> {
        vec![
            super::super::command(),
            super::super::explain::command(),
            super::super::server::command(),
            crate::fleet::command(),
        ]
    }

    #[test]
    fn the_catalog_holds_each_option_help_as_the_doc_comment_says_it() {
        let english = catalog(Lang::En);
        for command in commands() {
            let area = area(command.get_name()).to_string();
            for arg in command.get_arguments().filter(|a| !a.is_hide_set()) {
                let key = format!("cli.help.{area}.{}", arg.get_id());
                let doc = arg.get_help().map(ToString::to_string);
                assert_eq!(english.get(&key).map(|s| s.to_string()), doc, "{key}");
            }
            let key = format!("cli.help.{area}.about");
            let about = command.get_about().map(ToString::to_string);
            assert_eq!(english.get(&key).map(|s| s.to_string()), about, "{key}");
        }
    }

    #[test]
    fn help_is_in_the_language_and_keeps_option_names_and_values() {
        for command in commands() {
            let name = command.get_name().to_string();
            let help = with_lang(Lang::Ja, || localized(command.clone()).render_help());
            let help = help.to_string();
            assert!(
                help.starts_with(&with_lang(Lang::Ja, || {
                    format!(
                        "{}\n",
                        crate::i18n::t(&format!("cli.help.{}.about", area(&name)))
                    )
                })),
                "{help}"
            );
            assert!(help.contains("使い方: "), "{name}: {help}");
            assert!(help.contains("オプション:"), "{name}: {help}");
            assert!(help.contains("  -h, --help"), "{name}: {help}");
            assert!(help.contains("--lang <LANG>"), "{name}: {help}");
            assert!(!help.contains("Options:"), "{name}: {help}");
            let english = command.clone().render_help().to_string();
            assert!(english.contains("Options:"), "{english}");
            assert_eq!(
                with_lang(Lang::En, || localized(command).render_help().to_string()),
                english
            );
        }
    }
}
