//! What an [`EditError`] says, as a [`Text`]: its `Display` is that text in the front end's
//! language (the repairs run in the front end's process), English by default.

use super::{Applied, EditError};
use crate::i18n::Text;
use crate::text;
use std::fmt;

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text().render(crate::i18n::current()))
    }
}

impl EditError {
    /// The message in no language yet: what happened, to which file, whether anything was
    /// changed, and what to do.
    pub fn text(&self) -> Text {
        self.text_saying(text!("fsedit.nothing_changed"))
    }

    /// The message, with `nothing` saying that nothing was changed (or, inside a partial
    /// change, that this one file was not).
    fn text_saying(&self, nothing: Text) -> Text {
        use EditError as E;
        match self {
            E::NotLocal(why) => Text::from(why),
            E::ReadOnlyFile { path, reason } => {
                text!(
                    "fsedit.read_only_file",
                    path = path,
                    reason = reason,
                    nothing = nothing
                )
            }
            E::ReadOnlyDir { dir, path, reason } => text!(
                "fsedit.read_only_dir",
                path = path,
                dir = dir,
                reason = reason,
                nothing = nothing
            ),
            E::NotRegularFile { path, kind } => text!(
                "fsedit.not_regular_file",
                path = path,
                kind = kind_text(kind),
                nothing = nothing
            ),
            E::NotFound { path } => text!("fsedit.not_found", path = path, nothing = nothing),
            E::MissingDirectory { dir, path } => {
                text!(
                    "fsedit.missing_directory",
                    path = path,
                    dir = dir,
                    nothing = nothing
                )
            }
            E::SymlinkLoop { path } => text!("fsedit.symlink_loop", path = path, nothing = nothing),
            E::TooManyConcurrentChanges { path, attempts } => text!(
                "fsedit.kept_changing",
                path = path,
                attempts = *attempts,
                nothing = nothing
            ),
            E::ChangedSincePreview { path } => {
                text!(
                    "fsedit.changed_since_preview",
                    path = path,
                    nothing = nothing
                )
            }
            _ => self.text_more(nothing),
        }
    }

    /// [`EditError::text_saying`] for the rest of the variants.
    fn text_more(&self, nothing: Text) -> Text {
        use EditError as E;
        match self {
            E::Compute { path, source } => text!(
                "fsedit.compute",
                path = path,
                source = source.to_string(),
                nothing = nothing
            ),
            E::InvalidMode { mode } => text!("fsedit.invalid_mode", mode = format!("{mode:#o}")),
            E::Io {
                action,
                path,
                source,
            } => text!(
                "fsedit.io",
                action = action_text(action),
                path = path,
                source = source.to_string(),
                nothing = nothing
            ),
            E::TooLarge { path, size, limit } => text!(
                "fsedit.too_large",
                path = path,
                size = *size,
                limit = *limit,
                nothing = nothing
            ),
            E::Partial { done, error } => {
                let changed = Text::join(done.iter().map(Applied::summary_text), "; ");
                let failure = error.text_saying(text!("fsedit.that_file_unchanged"));
                text!("fsedit.partial", changed = changed, failure = failure)
            }
            E::NotSynced { path, source, .. } => {
                text!(
                    "fsedit.not_synced",
                    path = path,
                    source = source.to_string()
                )
            }
            _ => Text::from(""),
        }
    }
}

/// What a path is instead of a regular file ("directory", "FIFO"), in the language.
fn kind_text(kind: &str) -> Text {
    match kind {
        "directory" => text!("fsedit.kind_directory"),
        "symbolic link" => text!("fsedit.kind_symlink"),
        "FIFO" => text!("fsedit.kind_fifo"),
        "socket" => text!("fsedit.kind_socket"),
        "block device" => text!("fsedit.kind_block_device"),
        "character device" => text!("fsedit.kind_char_device"),
        "special file" => text!("fsedit.kind_special"),
        "path without a file name" => text!("fsedit.kind_no_file_name"),
        "file where a directory is needed" => text!("fsedit.kind_file_for_dir"),
        "file where a directory should be" => text!("fsedit.kind_file_for_dir_should"),
        other => Text::from(other),
    }
}

/// What was being done when an I/O error came ("read", "inspect"), in the language.
fn action_text(action: &str) -> Text {
    match action {
        "read" => text!("fsedit.do_read"),
        "inspect" => text!("fsedit.do_inspect"),
        "write" => text!("fsedit.do_write"),
        "replace" => text!("fsedit.do_replace"),
        "sync" => text!("fsedit.do_sync"),
        "open" => text!("fsedit.do_open"),
        "create" => text!("fsedit.do_create"),
        "read the symbolic link" => text!("fsedit.do_read_link"),
        "create the directory" => text!("fsedit.do_create_dir"),
        "set the permissions of" => text!("fsedit.do_set_permissions"),
        "set the owner of" => text!("fsedit.do_set_owner"),
        "find a free backup name for" => text!("fsedit.do_backup_name"),
        "create a temporary file for" => text!("fsedit.do_temp_file"),
        "change the permissions of" => text!("fsedit.do_chmod"),
        "set the mode of" => text!("fsedit.do_set_mode"),
        other => Text::from(other),
    }
}
