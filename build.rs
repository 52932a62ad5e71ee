//! Build script: turns the TOML assets (algorithms, findings, message catalogs) into Rust statics, so a run parses no TOML (see `build/assets.rs`).

#[path = "build/assets.rs"]
mod assets;

use std::path::Path;

/// Reads `asset`, checks and converts it with `convert`, writes `OUT_DIR/out`; a bad asset
/// fails the build with the reason.
fn generate(asset: &str, out: &str, convert: impl Fn(&str) -> Result<String, String>) {
    println!("cargo:rerun-if-changed={asset}");
    let text = std::fs::read_to_string(asset).unwrap_or_else(|e| panic!("read {asset}: {e}"));
    let code = convert(&text).unwrap_or_else(|e| panic!("{asset} is invalid: {e}"));
    let dir = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    let path = Path::new(&dir).join(out);
    std::fs::write(&path, code).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build/assets.rs");
    generate(
        "assets/openssh-algorithms.toml",
        "openssh_algorithms.rs",
        |text| assets::parse_algorithms(text).map(|r| assets::algorithms_rs(&r)),
    );
    generate("assets/findings.toml", "findings_catalog.rs", |text| {
        assets::parse_findings(text).map(|f| assets::findings_rs(&f))
    });
    for (lang, out) in [
        ("en", "i18n_en.rs"),
        ("zh-CN", "i18n_zh_cn.rs"),
        ("ja", "i18n_ja.rs"),
    ] {
        catalog(lang, out);
    }
}

/// A language's catalog: `assets/i18n/LANG.toml` and every `assets/i18n/LANG/*.toml` (one
/// per part of the program), merged; a key defined twice fails the build.
fn catalog(lang: &str, out: &str) {
    let main = format!("assets/i18n/{lang}.toml");
    let dir = format!("assets/i18n/{lang}");
    println!("cargo:rerun-if-changed={main}");
    println!("cargo:rerun-if-changed={dir}");
    let mut files = vec![std::path::PathBuf::from(&main)];
    if let Ok(entries) = std::fs::read_dir(&dir) {
        let mut parts: Vec<_> = (entries.filter_map(Result::ok))
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        parts.sort();
        files.extend(parts);
    }
    let mut entries: Vec<(String, String)> = Vec::new();
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let text = std::fs::read_to_string(file)
            .unwrap_or_else(|e| panic!("read {}: {e}", file.display()));
        let part = assets::parse_i18n(&text)
            .unwrap_or_else(|e| panic!("{} is invalid: {e}", file.display()));
        entries.extend(part);
    }
    entries.sort();
    if let Some(w) = entries.windows(2).find(|w| w[0].0 == w[1].0) {
        panic!("assets/i18n/{lang}: {} is defined twice", w[0].0);
    }
    let dir = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    let path = Path::new(&dir).join(out);
    std::fs::write(&path, assets::i18n_rs(&entries))
        .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}
