//! Repairs in Japanese and Chinese: an action's title with its edit summary, a refusal and an
//! outcome, made by the real planners and writers, read in the language with their paths and
//! commands kept, the English as it always was.

use super::*;
use crate::i18n::{with_lang, Lang};
use std::os::unix::fs::PermissionsExt;

use crate::config_edit::test_input as input;

#[test]
fn a_config_action_title_and_its_edit_summary_are_in_the_language() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    std::fs::create_dir_all(home.join(".ssh")).unwrap();
    let config = home.join(".ssh/config");
    let old = b"Host web\n    HostName web.example.com\n".to_vec();
    let key = home.join(".ssh/id_web");
    let edit =
        crate::config_edit::identities_only(&old, &config, &input(home, "web"), &key).unwrap();
    assert!(
        edit.summary.starts_with("In the existing `Host web` block (line 1 of ~/.ssh/config), this adds `IdentitiesOnly yes` and adds `IdentityFile ~/.ssh/id_web` as the block's first key."),
        "{}",
        edit.summary
    );
    let title = crate::text!("summary.skipped", why = "x");
    let action = config_action_text("config.identities_only", title, Some(old), edit, "".into());
    let said = action
        .title_text
        .as_deref()
        .expect("a title in no language yet");
    assert_eq!(said.english(), action.title);
    for (lang, words) in [(Lang::Ja, "既存の"), (Lang::ZhCn, "现有的")] {
        let shown = said.render(lang);
        assert!(shown.contains(words), "{shown}");
        for kept in [
            "`Host web`",
            "~/.ssh/config",
            "`IdentitiesOnly yes`",
            "`IdentityFile ~/.ssh/id_web`",
        ] {
            assert!(shown.contains(kept), "{shown} lacks {kept}");
        }
    }
}

#[test]
fn the_permissions_title_for_several_paths_is_in_the_language() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for p in [&a, &b] {
        std::fs::write(p, "x").unwrap();
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let one = permissions_action(&[(a.clone(), 0o644, 0o600)]).unwrap();
    let mut finding = crate::findings::finding("key.unprotected", crate::event::Stage::Auth, "");
    finding
        .actions
        .push(permissions_action(&[(b.clone(), 0o644, 0o600)]).unwrap());
    let merged = prepare(&one, &[finding]);
    assert_eq!(
        merged.title,
        "Set the permissions OpenSSH requires (2 paths)"
    );
    let said = merged.title_text.as_deref().unwrap();
    assert_eq!(
        said.render(Lang::Ja),
        "OpenSSH が要求するパーミッションに設定する（2 個のパス）"
    );
    assert_eq!(
        said.render(Lang::ZhCn),
        "设置 OpenSSH 要求的权限（2 个路径）"
    );
    // The outcome, as every front end shows it.
    let applied = apply(merged.repair.as_ref().unwrap()).unwrap();
    assert_eq!(
        applied[0].summary(),
        format!("{}: mode 0644 → 0600", a.display())
    );
    let zh = with_lang(Lang::ZhCn, || applied[0].summary());
    assert_eq!(zh, format!("{}：权限 0644 → 0600", a.display()));
}

#[test]
fn a_refused_edit_says_why_in_the_language_and_keeps_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("config");
    std::fs::create_dir(&target).unwrap();
    let edit = fsedit::Edit {
        path: target.clone(),
        old: None,
        new: b"Host x\n".to_vec(),
    };
    let err = apply(&Repair::Replace(edit)).unwrap_err();
    let path = target.display().to_string();
    assert_eq!(
        err.to_string(),
        format!("refusing to edit {path}: it is a directory, not a regular file; nothing was changed. Check the path")
    );
    let ja = with_lang(Lang::Ja, || err.to_string());
    assert!(
        ja.contains("ディレクトリ") && ja.contains("何も変更していません"),
        "{ja}"
    );
    assert!(ja.contains(&path), "{ja}");
    let zh = with_lang(Lang::ZhCn, || err.to_string());
    assert!(
        zh.contains("拒绝编辑") && zh.contains("目录") && zh.contains(&path),
        "{zh}"
    );
}
