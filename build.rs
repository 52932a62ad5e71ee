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
    for (asset, out) in [
        ("assets/i18n/en.toml", "i18n_en.rs"),
        ("assets/i18n/zh-CN.toml", "i18n_zh_cn.rs"),
        ("assets/i18n/ja.toml", "i18n_ja.rs"),
    ] {
        generate(asset, out, |text| {
            assets::parse_i18n(text).map(|e| assets::i18n_rs(&e))
        });
    }
}
