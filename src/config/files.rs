//! Reading config files: the user/system files, `Include` patterns and their depth limit.

use std::path::{Path, PathBuf};

use super::lexer::split_directive;
use super::reader::{FileFlags, Source, State};

/// OpenSSH's `READCONF_MAX_DEPTH`: a file included at a deeper level makes ssh stop at once.
const MAX_INCLUDE_DEPTH: usize = 16;

impl State<'_> {
    /// Read `-F FILE` (or nothing for `-F none`), else ~/.ssh/config then the system file.
    pub(crate) fn read_all_files(&mut self) {
        let input = self.input;
        let top = |user_conf, check_perm| FileFlags {
            user_conf,
            check_perm,
            never_match: false,
            depth: 0,
        };
        match &input.user_config {
            Some(p) if p.as_os_str() == "none" => {}
            Some(p) => {
                let path = absolute(p);
                self.read_file(&path, top(true, false), &mut true, None, true);
            }
            None => {
                // ssh reads `pw->pw_dir/.ssh/config`: the passwd entry's home, not $HOME.
                let user = self.tilde_home().join(".ssh").join("config");
                self.read_file(&user, top(true, true), &mut true, None, false);
                let system = absolute(&input.system_config);
                self.read_file(&system, top(false, false), &mut true, None, false);
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
        if self.aborted {
            return;
        }
        let whole_file = Source {
            path: Some(path.to_path_buf()),
            line: 0,
        };
        let blame = site.cloned().unwrap_or_else(|| whole_file.clone());
        if flags.depth > MAX_INCLUDE_DEPTH {
            self.fatal(&blame, "Too many recursive configuration includes");
            self.aborted = true;
            return;
        }
        let reader = match open_config(path) {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => return,
            Err(e) if site.is_some() && e.kind() == std::io::ErrorKind::NotFound => return,
            Err(e) => {
                let message = format!("Can't open user config file {}: {e}", path.display());
                if required {
                    self.fatal(&blame, message);
                } else if site.is_some() {
                    self.bad(&blame, message);
                }
                return;
            }
        };
        if self.files_seen.insert(path.to_path_buf()) {
            self.out.files_read.push(path.to_path_buf());
            if flags.check_perm {
                self.out.checked_files.push(path.to_path_buf());
            }
        }
        // Line by line, as ssh's getline loop: memory is one line, not the file.
        let Some(mut reader) = reader else { return };
        let mut raw = Vec::new();
        let mut line = 0;
        loop {
            raw.clear();
            match std::io::BufRead::read_until(&mut reader, b'\n', &mut raw) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if self.aborted {
                return;
            }
            line += 1;
            let src = Source {
                path: Some(path.to_path_buf()),
                line,
            };
            match split_directive(&String::from_utf8_lossy(&raw)) {
                Ok(Some(d)) => self.process(&d, &src, active, flags, false),
                Ok(None) => {}
                Err(e) => self.bad(&src, e),
            }
        }
    }

    /// `Include`: expand each pattern (relative ones under `~/.ssh` or the system file's
    /// directory; `~` from `$HOME`, as glob(3) does for ssh) and read the files in order,
    /// restoring the block state after each.
    pub(crate) fn include_line(
        &mut self,
        args: &[String],
        src: &Source,
        active: &mut bool,
        flags: FileFlags,
    ) {
        for arg in args {
            if self.aborted {
                return;
            }
            if arg.is_empty() {
                return self.bad(src, "keyword include empty argument");
            }
            if arg.starts_with('~') && !flags.user_conf {
                return self.bad(src, format!("bad include path {arg}."));
            }
            let pattern = if Path::new(arg).is_absolute() || arg.starts_with('~') {
                arg.clone()
            } else if flags.user_conf {
                format!("~/.ssh/{arg}")
            } else {
                let base = self
                    .input
                    .system_config
                    .parent()
                    .unwrap_or(Path::new("/etc/ssh"));
                base.join(arg).to_string_lossy().into_owned()
            };
            let paths = super::glob::glob(&pattern, &self.input.home);
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
                if self.aborted {
                    return;
                }
            }
        }
    }
}

/// Open a config file as ssh does with `fopen`: a directory reads as empty (None); a FIFO
/// or device is refused rather than waited on.
fn open_config(path: &Path) -> std::io::Result<Option<std::io::BufReader<std::fs::File>>> {
    let meta = std::fs::metadata(path)?;
    if meta.is_dir() || path == Path::new("/dev/null") {
        return Ok(None);
    }
    if !meta.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    Ok(Some(std::io::BufReader::new(std::fs::File::open(path)?)))
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
