//! What the flow says at its end: the command that logs in from now on — the alias only when
//! its block was written (or already said all of it), else the full `ssh -i KEY -p PORT
//! user@host` — on the last screen and printed to the terminal once the flow has ended.

use super::{Mark, Onboard, Step};

impl Onboard {
    /// `-p PORT user@host`, quoted for a shell.
    pub fn dest_args(&self) -> String {
        let port = if self.port == 22 {
            String::new()
        } else {
            format!("-p {} ", self.port)
        };
        format!(
            "{port}{}",
            crate::fsedit::shell_quote(&format!("{}@{}", self.user, self.hostname))
        )
    }

    /// The command that logs in with the key from now on: `ssh ALIAS` when the Host block is
    /// in the config, else `ssh -i KEY -p PORT user@host`.
    pub fn login_command(&self) -> String {
        if self.mark(Step::Config) == Mark::Done {
            return format!("ssh {}", self.alias);
        }
        match &self.chosen {
            Some(k) => format!(
                "ssh -i {} {}",
                crate::fsedit::shell_quote_path(&self.shown(&k.private)),
                self.dest_args()
            ),
            None => format!("ssh {}", self.dest_args()),
        }
    }

    /// What to print on the normal screen after a flow that ended well: what to type from now
    /// on, and what was made; `None` when it did not finish.
    pub fn success_text(&self) -> Option<String> {
        if !self.finished {
            return None;
        }
        let mut out = format!(
            "{}\n  {}\n",
            crate::i18n::t("onboard.success"),
            self.login_command()
        );
        if self.mark(Step::Config) != Mark::Done {
            out.push_str(&crate::i18n::tf(
                "onboard.no_host_block",
                &[("command", &self.resume)],
            ));
            out.push('\n');
        }
        if !self.created.is_empty() {
            out.push_str(&format!("{}\n", crate::i18n::t("onboard.made_heading")));
            for c in &self.created {
                out.push_str(&format!("  - {c}\n"));
            }
        }
        Some(out)
    }
}
