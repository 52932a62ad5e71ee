//! Message catalogs (assets/i18n/*.toml, built in) and the language the front ends speak.
//!
//! English is the source: `assets/i18n/en.toml` holds the front ends' sentences and
//! `assets/findings.toml` the findings' texts; `zh-CN.toml` and `ja.toml` hold every one of
//! them (a unit test checks the keys and placeholders match). The engine emits finding ids and
//! English; front ends localize at the edge ([`localize`], [`t`], [`tf`]). Ids, commands,
//! option names, paths and OpenSSH's own messages stay as they are in every language.

mod text;

pub use text::Text;

use crate::event::{Finding, Stage};
use std::cell::Cell;
use std::collections::HashMap;
use std::fmt::Display;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

/// A language sshdoctor speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English (the source language).
    En,
    /// Simplified Chinese.
    ZhCn,
    /// Japanese.
    Ja,
}

impl Lang {
    /// Every language, English first.
    pub const ALL: [Lang; 3] = [Lang::En, Lang::ZhCn, Lang::Ja];

    /// The tag used by `--lang` and the JSON report's `"lang"`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
            Lang::Ja => "ja",
        }
    }

    /// The language a `--lang` value names (`en`, `zh-CN`, `ja`; case and `_`/`-` ignored).
    pub fn from_code(code: &str) -> Option<Lang> {
        match code.to_ascii_lowercase().replace('_', "-").as_str() {
            "en" => Some(Lang::En),
            "zh-cn" | "zh" | "zh-hans" => Some(Lang::ZhCn),
            "ja" => Some(Lang::Ja),
            _ => None,
        }
    }

    /// The language a POSIX locale names (`zh_CN.UTF-8`, `zh_TW`, `ja_JP.UTF-8`, `en_US`,
    /// `C`): Chinese of any region is zh-CN until a Traditional catalog exists; `None` for
    /// a locale that names no language (`C`, `POSIX`) or one without a catalog.
    pub fn from_locale(locale: &str) -> Option<Lang> {
        let lang = locale.split(['_', '.', '@', '-']).next().unwrap_or("");
        match lang.to_ascii_lowercase().as_str() {
            "zh" => Some(Lang::ZhCn),
            "ja" => Some(Lang::Ja),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    fn index(self) -> u8 {
        self as u8
    }

    fn from_index(i: u8) -> Lang {
        match i {
            1 => Lang::ZhCn,
            2 => Lang::Ja,
            _ => Lang::En,
        }
    }
}

/// The language for a run: `--lang` when given, else the first of `LC_ALL`, `LC_MESSAGES`,
/// `LANG` that is set and not empty (as setlocale reads them), else English. A locale that
/// names no catalog (`C`, `POSIX`, `de_DE`) means English.
pub fn detect(flag: Option<Lang>, env: impl Fn(&str) -> Option<String>) -> Lang {
    if let Some(lang) = flag {
        return lang;
    }
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|k| env(k).filter(|v| !v.is_empty()))
        .and_then(|v| Lang::from_locale(&v))
        .unwrap_or(Lang::En)
}

static PROCESS_LANG: AtomicU8 = AtomicU8::new(0);

thread_local! {
    static THREAD_LANG: Cell<Option<Lang>> = const { Cell::new(None) };
}

/// Set the language of the whole process (the command line does this once, first).
pub fn set(lang: Lang) {
    PROCESS_LANG.store(lang.index(), Ordering::Relaxed);
}

/// The language in force: this thread's override (see [`with_lang`]), else the process's.
pub fn current() -> Lang {
    THREAD_LANG
        .with(Cell::get)
        .unwrap_or_else(|| Lang::from_index(PROCESS_LANG.load(Ordering::Relaxed)))
}

/// Run `f` with `lang` in force on this thread only (tests render several languages side by
/// side this way without touching the process's language).
pub fn with_lang<R>(lang: Lang, f: impl FnOnce() -> R) -> R {
    let before = THREAD_LANG.with(|c| c.replace(Some(lang)));
    let out = f();
    THREAD_LANG.with(|c| c.set(before));
    out
}

type Catalog = HashMap<String, &'static str>;

/// Each language's entries, read and checked from assets/i18n/*.toml by build.rs (a run
/// parses no TOML), sorted by key.
const SOURCES: [&[(&str, &str)]; 3] = [
    include!(concat!(env!("OUT_DIR"), "/i18n_en.rs")),
    include!(concat!(env!("OUT_DIR"), "/i18n_zh_cn.rs")),
    include!(concat!(env!("OUT_DIR"), "/i18n_ja.rs")),
];

/// The catalog of a language: dotted keys (`console.rerunning`, `finding.tcp.refused.title`,
/// `phrase.previous stage`) to text. English also holds every finding's texts from
/// assets/findings.toml.
pub(crate) fn catalog(lang: Lang) -> &'static Catalog {
    // Each language is built the first time it is asked for: a run reads one or two.
    static CATALOGS: [OnceLock<Catalog>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let i = usize::from(lang.index());
    CATALOGS[i].get_or_init(|| {
        let mut map: Catalog = SOURCES[i]
            .iter()
            .map(|&(k, v)| (k.to_string(), v))
            .collect();
        if lang == Lang::En {
            for e in crate::findings::catalog() {
                let k = |f: &str| format!("finding.{}.{f}", e.id);
                map.insert(k("title"), e.title);
                map.insert(k("explain"), e.explain);
                map.insert(k("fix"), e.fix);
            }
        }
        map
    })
}

/// The text for `key` in the current language; English when that catalog lacks it (the unit
/// test keeps them complete), the key itself when English lacks it too.
pub fn t(key: &str) -> &'static str {
    lookup(current(), key)
}

fn lookup(lang: Lang, key: &str) -> &'static str {
    catalog(lang)
        .get(key)
        .or_else(|| catalog(Lang::En).get(key))
        .map_or_else(|| leak_key(key), |text| *text)
}

/// A key no catalog has (a bug the tests catch), returned as itself.
fn leak_key(key: &str) -> &'static str {
    static MISSING: OnceLock<std::sync::Mutex<HashMap<String, &'static str>>> = OnceLock::new();
    let mut m = MISSING.get_or_init(Default::default).lock().expect("lock");
    m.entry(key.to_string())
        .or_insert_with(|| Box::leak(key.to_string().into_boxed_str()))
}

/// [`t`] with its `{name}` placeholders filled from `args`.
pub fn tf(key: &str, args: &[(&str, &dyn Display)]) -> String {
    fill(t(key), args)
}

fn fill(text: &str, args: &[(&str, &dyn Display)]) -> String {
    let mut out = text.to_string();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), &value.to_string());
    }
    out
}

/// An English phrase from a table (the key bindings' words, the help's headings) in the
/// current language (`[phrase]` in the catalogs, keyed by the English); itself in English.
pub fn phrase(english: &'static str) -> &'static str {
    by_english("phrase", english).unwrap_or(english)
}

/// The current language's text for `english` in a catalog table keyed by the English
/// (`[phrase]`, `[summary]`); None in English, or when the table lacks it.
fn by_english(table: &str, english: &str) -> Option<&'static str> {
    match current() {
        Lang::En => None,
        lang => catalog(lang).get(&format!("{table}.{english}")).copied(),
    }
}

/// The checklist title of a stage in the current language.
pub fn stage_title(stage: Stage) -> &'static str {
    t(&format!("stage.{}", stage.name()))
}

/// A finding's title, explanation and general fix in the current language.
pub fn finding_text(id: &str, field: &str) -> &'static str {
    t(&format!("finding.{id}.{field}"))
}

/// A finding as the front ends show it, in the current language: the title, detail and fix
/// the engine wrote for the case (see [`Text`]) when it wrote them so, else the catalog's
/// title and general fix; a detail the engine wrote only in English follows the catalog's
/// explanation in the language, so the meaning is always there to read in it. Ids, evidence
/// and commands stay as they are.
pub fn localize(f: &Finding) -> Finding {
    let mut out = f.clone();
    let lang = current();
    if lang == Lang::En {
        return out;
    }
    for a in &mut out.actions {
        a.title = action_title(a);
        a.command = localize_comment(&a.command);
    }
    let Some(e) = crate::findings::catalog().iter().find(|e| e.id == f.id) else {
        return out;
    };
    out.title = said_in(lang, &f.title, f.said.title.as_ref())
        .or_else(|| (f.title == e.title).then(|| finding_text(&f.id, "title").to_string()))
        .unwrap_or(out.title);
    out.fix = said_in(lang, &f.fix, f.said.fix.as_ref())
        .or_else(|| (f.fix == e.fix).then(|| finding_text(&f.id, "fix").to_string()))
        .unwrap_or(out.fix);
    out.detail = said_in(lang, &f.detail, f.said.detail.as_ref()).unwrap_or_else(|| {
        let explain = finding_text(&f.id, "explain");
        match f.detail.is_empty() {
            true => explain.to_string(),
            false => format!("{explain}\n\n{}", f.detail),
        }
    });
    out
}

/// An action's title in the current language: as the engine said it, when it did and the
/// English is still what `title` holds; else `title` as it is.
pub fn action_title(a: &crate::event::ActionOffer) -> String {
    said_in(current(), &a.title, a.title_text.as_deref()).unwrap_or_else(|| a.title.clone())
}

/// A command with its closing `  # comment` (what a person reads, not what the shell runs) in
/// the current language (`[comment]` in the catalogs, keyed by the English); the command
/// itself stays as it is.
fn localize_comment(command: &str) -> String {
    let Some((run, comment)) = command.rsplit_once("  # ") else {
        return command.to_string();
    };
    let run = run.trim_end();
    match by_english("comment", comment) {
        Some(said) => format!("{run}  # {said}"),
        None => command.to_string(),
    }
}

/// `said` in `lang`, when there is one and `english` (the field it was set with) still holds
/// its English.
fn said_in(lang: Lang, english: &str, said: Option<&Text>) -> Option<String> {
    said.filter(|t| t.english() == english)
        .map(|t| t.render(lang))
}

/// A log line as the front ends show it: in the current language when the engine wrote it as
/// a [`Text`], else as it is (ssh's and the server's own words stay in theirs).
pub fn localize_line(text: &str, said: &Option<Text>) -> String {
    match current() {
        Lang::En => text.to_string(),
        lang => said_in(lang, text, said.as_ref()).unwrap_or_else(|| text.to_string()),
    }
}

/// A stage's one-line summary as the front ends show it: the engine's fixed phrases (`no TCP
/// connection`, `skipped: no login`) in the current language (`[summary]` in the catalogs,
/// keyed by the English); a summary carrying the case's data stays as the engine wrote it,
/// past a translated `skipped:`.
pub fn localize_summary(summary: &str, said: &Option<Text>) -> String {
    if current() == Lang::En {
        return summary.to_string();
    }
    if let Some(text) = said_in(current(), summary, said.as_ref()) {
        return text;
    }
    let fixed = |text: &str| by_english("summary", text).unwrap_or(text).to_string();
    match summary.strip_prefix("skipped: ") {
        Some(why) => tf("summary.skipped", &[("why", &fixed(why))]),
        None => fixed(summary),
    }
}

/// The `{name}` placeholders a text uses, sorted.
#[cfg(test)]
pub(crate) fn placeholders(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        let Some(close) = rest.find('}') else { break };
        let name = &rest[..close];
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            names.push(name.to_string());
        }
    }
    names.sort();
    names
}

#[cfg(test)]
#[path = "i18n_tests.rs"]
mod tests;
