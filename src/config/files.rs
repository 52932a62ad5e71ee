//! Reading config files: the user/system files, permissions, `Include` globs and depth.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::lexer::split_directive;
use super::reader::{FileFlags, Source, State};

/// OpenSSH's `READCONF_MAX_DEPTH`.
const MAX_INCLUDE_DEPTH: usize = 16;

impl State<'_> {
    /// Read `-F FILE` (or nothing for `-F none`), else ~/.ssh/config then the system file.
    pub(crate) fn read_all_files(&mut self) {
        let input = self.input;
        match &input.user_config {
            Some(p) if p.as_os_str() == "none" => {}
            Some(p) => {
                let path = absolute(p);
                let flags = FileFlags {
                    user_conf: true,
                    check_perm: false,
                    never_match: false,
                    depth: 0,
                };
                self.read_file(&path, flags, &mut true, None, true);
            }
            None => {
                let user = input.home.join(".ssh").join("config");
                let flags = FileFlags {
                    user_conf: true,
                    check_perm: true,
                    never_match: false,
                    depth: 0,
                };
                self.read_file(&user, flags, &mut true, None, false);
                let system = absolute(&input.system_config);
                let flags = FileFlags {
                    user_conf: false,
                    check_perm: false,
                    never_match: false,
                    depth: 0,
                };
                self.read_file(&system, flags, &mut true, None, false);
            }
        }
    }

    /// Read one file (readconf.c `read_config_file_depth`); `site` is the Include line.
    fn read_file(
        &mut self,
        path: &Path,
        flags: FileFlags,
        active: &mut bool,
        site: Option<&Source>,
        required: bool,
    ) {
        let whole_file = Source {
            path: Some(path.to_path_buf()),
            line: 0,
        };
        let blame = site.cloned().unwrap_or_else(|| whole_file.clone());
        if flags.depth > MAX_INCLUDE_DEPTH {
            self.diag(&blame, "Too many recursive configuration includes");
            return;
        }
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => return,
            // `-F /dev/null` is the usual way to run ssh with no configuration at all.
            Ok(_) if path == Path::new("/dev/null") => return,
            Ok(meta) if !meta.is_file() => {
                self.diag(&blame, format!("{} is not a regular file", path.display()));
                return;
            }
            _ => {}
        }
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => return,
            Err(e) => {
                self.diag(
                    &blame,
                    format!("Can't open user config file {}: {e}", path.display()),
                );
                return;
            }
        };
        if flags.check_perm {
            if let Ok(meta) = std::fs::metadata(path) {
                let uid = super::system::local_uid();
                if (meta.uid() != 0 && meta.uid() != uid) || meta.mode() & 0o022 != 0 {
                    self.diag(
                        &whole_file,
                        format!("Bad owner or permissions on {}", path.display()),
                    );
                }
            }
        }
        if !self.out.files_read.iter().any(|p| p == path) {
            self.out.files_read.push(path.to_path_buf());
        }
        let text = String::from_utf8_lossy(&bytes);
        for (i, raw) in text.split('\n').enumerate() {
            let src = Source {
                path: Some(path.to_path_buf()),
                line: i + 1,
            };
            match split_directive(raw) {
                Ok(Some(d)) => self.process(&d, &src, active, flags, false),
                Ok(None) => {}
                Err(e) => self.diag(&src, e),
            }
        }
    }

    /// `Include`: glob each argument and read the files, restoring the block state after each.
    pub(crate) fn include_line(
        &mut self,
        args: &[String],
        src: &Source,
        active: &mut bool,
        flags: FileFlags,
    ) {
        for arg in args {
            if arg.is_empty() {
                self.diag(src, "keyword include empty argument");
                return;
            }
            if arg.starts_with('~') && !flags.user_conf {
                self.diag(src, format!("bad include path {arg}"));
                return;
            }
            let pattern = if arg.starts_with('~') {
                super::tokens::tilde_expand(arg, &self.input.home).unwrap_or_else(|_| arg.clone())
            } else if Path::new(arg).is_absolute() {
                arg.clone()
            } else if flags.user_conf {
                self.input
                    .home
                    .join(".ssh")
                    .join(arg)
                    .to_string_lossy()
                    .into_owned()
            } else {
                let base = self
                    .input
                    .system_config
                    .parent()
                    .unwrap_or(Path::new("/etc/ssh"));
                base.join(arg).to_string_lossy().into_owned()
            };
            let options = glob::MatchOptions {
                case_sensitive: true,
                require_literal_separator: true,
                require_literal_leading_dot: true,
            };
            let paths: Vec<PathBuf> = match glob::glob_with(&pattern, options) {
                Ok(paths) => paths.filter_map(Result::ok).collect(),
                Err(e) => {
                    self.diag(src, format!("glob failed for {pattern}: {e}"));
                    return;
                }
            };
            let oactive = *active;
            for path in paths {
                let inner = FileFlags {
                    check_perm: true,
                    never_match: flags.never_match || !oactive,
                    depth: flags.depth + 1,
                    ..flags
                };
                self.read_file(&path, inner, active, Some(src), false);
                *active = oactive;
            }
        }
    }
}

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    }
}
