//! Tests of the catalogs: every key in every language, the same placeholders, detection.

use super::*;

/// Every key a translation must have: the English catalog's keys (findings included) and the
/// phrases of the key bindings and the help's headings.
fn required_keys() -> Vec<String> {
    let mut keys: Vec<String> = catalog(Lang::En).keys().cloned().collect();
    for b in crate::console::keymap::BINDINGS {
        keys.push(format!("phrase.{}", b.help));
        keys.push(format!("phrase.{}", b.short));
    }
    for c in crate::console::keymap::Context::ALL {
        keys.push(format!("phrase.{}", c.title()));
    }
    keys.sort();
    keys.dedup();
    keys
}

/// The English text a key stands for (a phrase's key is its English).
fn english(key: &str) -> String {
    match key.strip_prefix("phrase.") {
        Some(p) => p.to_string(),
        None => catalog(Lang::En)[key].to_string(),
    }
}

#[test]
fn every_language_has_every_key_with_the_same_placeholders() {
    let required = required_keys();
    for lang in [Lang::ZhCn, Lang::Ja] {
        let cat = catalog(lang);
        let missing: Vec<&String> = required.iter().filter(|k| !cat.contains_key(*k)).collect();
        assert!(
            missing.is_empty(),
            "{} lacks {} keys, first {:?}",
            lang.code(),
            missing.len(),
            &missing[..missing.len().min(8)]
        );
        let extra: Vec<&String> = cat.keys().filter(|k| !required.contains(k)).collect();
        assert!(
            extra.is_empty(),
            "{} has unknown keys {extra:?}",
            lang.code()
        );
        for key in &required {
            let (en, tr) = (english(key), &cat[key]);
            assert_eq!(
                placeholders(&en),
                placeholders(tr),
                "{} {key}: placeholders differ",
                lang.code()
            );
            assert!(!tr.trim().is_empty(), "{} {key} is empty", lang.code());
        }
    }
}

#[test]
fn identifiers_stay_in_latin_script() {
    // Finding ids, backquoted commands and quoted OpenSSH messages are what people search
    // for and paste: a translation keeps every one of them exactly.
    for e in crate::findings::catalog() {
        for field in ["title", "explain", "fix"] {
            let en = english(&format!("finding.{}.{field}", e.id));
            for lang in [Lang::ZhCn, Lang::Ja] {
                let tr = &catalog(lang)[&format!("finding.{}.{field}", e.id)];
                for code in en.split('`').skip(1).step_by(2) {
                    assert!(
                        tr.contains(&format!("`{code}`")),
                        "{} {}.{field} lacks `{code}`",
                        lang.code(),
                        e.id
                    );
                }
            }
        }
    }
}

#[test]
fn placeholders_are_found() {
    assert_eq!(placeholders("a {id} b {n}, {x-y} {}"), ["id", "n"]);
    assert_eq!(
        fill("{a} and {b}", &[("a", &1), ("b", &"two")]),
        "1 and two"
    );
}

#[test]
fn language_from_flag_then_locale_then_english() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |k: &str| {
            (pairs.iter())
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    };
    assert_eq!(detect(None, env(&[])), Lang::En);
    assert_eq!(detect(None, env(&[("LANG", "C")])), Lang::En);
    assert_eq!(detect(None, env(&[("LANG", "POSIX")])), Lang::En);
    assert_eq!(detect(None, env(&[("LANG", "C.UTF-8")])), Lang::En);
    assert_eq!(detect(None, env(&[("LANG", "en_US.UTF-8")])), Lang::En);
    assert_eq!(detect(None, env(&[("LANG", "de_DE.UTF-8")])), Lang::En);
    assert_eq!(detect(None, env(&[("LANG", "zh_CN.UTF-8")])), Lang::ZhCn);
    assert_eq!(detect(None, env(&[("LANG", "zh_TW.UTF-8")])), Lang::ZhCn);
    assert_eq!(detect(None, env(&[("LANG", "ja_JP.UTF-8")])), Lang::Ja);
    // LC_ALL wins over LC_MESSAGES over LANG; an empty one is skipped.
    let all = env(&[
        ("LC_ALL", "ja_JP.UTF-8"),
        ("LC_MESSAGES", "zh_CN"),
        ("LANG", "en_US"),
    ]);
    assert_eq!(detect(None, all), Lang::Ja);
    let msgs = env(&[("LC_ALL", ""), ("LC_MESSAGES", "zh_CN"), ("LANG", "ja_JP")]);
    assert_eq!(detect(None, msgs), Lang::ZhCn);
    assert_eq!(detect(Some(Lang::En), env(&[("LANG", "ja_JP")])), Lang::En);
    assert_eq!(Lang::from_code("zh-CN"), Some(Lang::ZhCn));
    assert_eq!(Lang::from_code("JA"), Some(Lang::Ja));
    assert_eq!(Lang::from_code("fr"), None);
}

#[test]
fn localize_translates_catalog_texts_and_keeps_specific_ones() {
    use crate::event::Stage;
    let generic = crate::findings::finding("tcp.refused", Stage::Tcp, "d");
    let specific = generic.clone().fix("ssh -p 2222 host");
    with_lang(Lang::Ja, || {
        let g = localize(&generic);
        assert_eq!(g.id, "tcp.refused");
        assert_eq!(g.title, catalog(Lang::Ja)["finding.tcp.refused.title"]);
        assert_eq!(g.fix, catalog(Lang::Ja)["finding.tcp.refused.fix"]);
        assert_eq!(localize(&specific).fix, "ssh -p 2222 host");
        let explain = catalog(Lang::Ja)["finding.tcp.refused.explain"];
        assert_eq!(
            g.detail,
            format!("{explain}\n\nd"),
            "the meaning, then the case"
        );
    });
    assert_eq!(
        localize(&generic).detail,
        "d",
        "English: the engine's detail alone"
    );
    assert_eq!(
        localize(&generic).title,
        generic.title,
        "English by default"
    );
}

#[test]
fn the_build_reads_a_catalog_into_sorted_dotted_keys_and_refuses_anything_but_text() {
    use crate::build_assets as assets;
    let entries = assets::parse_i18n("[b]\nz = \"2\"\n[a.c]\nd = \"1\"\n").unwrap();
    assert_eq!(
        entries,
        vec![("a.c.d".into(), "1".into()), ("b.z".into(), "2".into())]
    );
    assert!(assets::parse_i18n("[a]\nn = 3\n").is_err());
    assert!(assets::parse_i18n("[a\n").is_err());
    // ja.toml and assets/i18n/ja/*.toml, merged, are what was built in.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/i18n");
    let mut files = vec![dir.join("ja.toml")];
    files.extend((std::fs::read_dir(dir.join("ja")).unwrap().flatten()).map(|e| e.path()));
    let mut ja: Vec<(String, String)> = (files.iter())
        .flat_map(|f| assets::parse_i18n(&std::fs::read_to_string(f).unwrap()).unwrap())
        .collect();
    ja.sort();
    assert_eq!(ja.len(), SOURCES[2].len());
    assert!(ja
        .iter()
        .zip(SOURCES[2])
        .all(|((k, v), (ck, cv))| k == ck && v == cv));
}

#[test]
fn fixed_summaries_are_translated_and_the_cases_data_is_kept() {
    with_lang(Lang::Ja, || {
        assert_eq!(
            localize_summary("skipped: no TCP connection", &None),
            "省略：TCP 接続がありません"
        );
        assert_eq!(
            localize_summary("skipped: reached through bastion, which failed", &None),
            "省略：reached through bastion, which failed"
        );
        assert_eq!(
            localize_summary("address given literally", &None),
            "アドレスが直接指定されています"
        );
        assert_eq!(
            localize_summary("refused on port 1", &None),
            "refused on port 1"
        );
    });
    with_lang(Lang::ZhCn, || {
        assert_eq!(
            localize_summary("skipped: no login", &None),
            "已跳过：没有登录成功"
        );
    });
    assert_eq!(
        localize_summary("skipped: no login", &None),
        "skipped: no login"
    );
}

/// Every `text!("key", …)` in the sources, with the file it is in.
fn keys_used_in_sources() -> Vec<(String, String)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).expect("src is readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|x| x == "rs") {
                let code = std::fs::read_to_string(&path).expect("source is readable");
                for piece in code.split("text!(\"").skip(1) {
                    let key = piece.split('"').next().unwrap_or("");
                    out.push((key.to_string(), path.display().to_string()));
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut out,
    );
    out
}

#[test]
fn every_key_the_sources_use_is_in_the_english_catalog() {
    let used = keys_used_in_sources();
    assert!(used.iter().any(|(k, _)| k == "summary.skipped"));
    let en = catalog(Lang::En);
    let missing: Vec<_> = (used.iter())
        .filter(|(k, _)| !en.contains_key(k.as_str()) && k != "key")
        .collect();
    assert!(
        missing.is_empty(),
        "keys not in assets/i18n/en*: {missing:?}"
    );
}

#[test]
fn a_detail_written_as_text_is_shown_in_the_language_and_a_stale_one_is_not() {
    let f = crate::findings::keyed(
        "tcp.refused",
        Stage::Tcp,
        crate::text!("summary.skipped", why = "port 2222"),
    );
    assert_eq!(f.detail, "skipped: port 2222");
    let ja = with_lang(Lang::Ja, || localize(&f));
    assert_eq!(ja.detail, "省略：port 2222");
    // Code that edits the English by hand loses the translation: the catalog's explanation
    // and the English are shown, never a sentence that no longer says what the field says.
    let mut edited = f.clone();
    edited.detail.push_str(" More.");
    let ja = with_lang(Lang::Ja, || localize(&edited));
    assert!(
        ja.detail.ends_with("skipped: port 2222 More."),
        "{}",
        ja.detail
    );
    assert!(ja
        .detail
        .starts_with(finding_text_in(Lang::Ja, "tcp.refused")));
}

fn finding_text_in(lang: Lang, id: &str) -> &'static str {
    with_lang(lang, || finding_text(id, "explain"))
}

#[test]
fn every_sentence_keeps_its_commands_in_latin_script() {
    // What is backquoted in English (a command, an option, a path) is pasted as it is: every
    // translation of every sentence keeps each one exactly.
    let mut lacking = Vec::new();
    for key in required_keys() {
        let en = english(&key);
        for lang in [Lang::ZhCn, Lang::Ja] {
            let tr = catalog(lang)[&key];
            for code in en.split('`').skip(1).step_by(2) {
                if !tr.contains(&format!("`{code}`")) {
                    lacking.push(format!("{} {key}: `{code}`", lang.code()));
                }
            }
        }
    }
    assert!(lacking.is_empty(), "{lacking:#?}");
}
