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
    let ja = assets::parse_i18n(include_str!("../assets/i18n/ja.toml")).unwrap();
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
            localize_summary("skipped: no TCP connection"),
            "省略：TCP 接続がありません"
        );
        assert_eq!(
            localize_summary("skipped: reached through bastion, which failed"),
            "省略：reached through bastion, which failed"
        );
        assert_eq!(
            localize_summary("address given literally"),
            "アドレスが直接指定されています"
        );
        assert_eq!(localize_summary("refused on port 1"), "refused on port 1");
    });
    with_lang(Lang::ZhCn, || {
        assert_eq!(
            localize_summary("skipped: no login"),
            "已跳过：没有登录成功"
        );
    });
    assert_eq!(localize_summary("skipped: no login"), "skipped: no login");
}
