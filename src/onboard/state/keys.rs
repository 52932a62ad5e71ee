//! The flow's keys: dialogs and text boxes first, then the current step's own keys.

use super::*;

impl Onboard {
    /// A key press.
    pub fn on_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return vec![Cmd::Quit];
        }
        if self.confirm.is_some() {
            return self.confirm_key(key);
        }
        if let Some(cmds) = self.panel_key(key) {
            return cmds;
        }
        if self.field.is_some() {
            return self.field_key(key);
        }
        if self.finished {
            return match key.code {
                KeyCode::Enter | KeyCode::Char('q') | KeyCode::Esc => vec![Cmd::Quit],
                _ => Vec::new(),
            };
        }
        if self.mark(self.current) == Mark::Working {
            // Only leaving is possible while something runs.
            return match key.code {
                KeyCode::Esc | KeyCode::Char('q') => vec![Cmd::Quit],
                _ => Vec::new(),
            };
        }
        self.step_key(key)
    }

    /// A key while a write waits for confirmation: y applies it, n or Esc cancels, the
    /// others scroll the preview.
    fn confirm_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        let Some((action, scroll)) = &mut self.confirm else {
            return Vec::new();
        };
        match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => {
                let action = action.clone();
                self.confirmed(action)
            }
            KeyCode::Char('n') | KeyCode::Esc => {
                self.confirm = None;
                self.say(crate::i18n::t("onboard.msg.nothing_changed"), false);
                self.reopen_after_cancel();
                Vec::new()
            }
            KeyCode::Char('j') | KeyCode::Down => {
                *scroll += 1;
                Vec::new()
            }
            KeyCode::Char('k') | KeyCode::Up => {
                *scroll = scroll.saturating_sub(1);
                Vec::new()
            }
            KeyCode::PageDown => {
                *scroll += PAGE;
                Vec::new()
            }
            KeyCode::PageUp => {
                *scroll = scroll.saturating_sub(PAGE);
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// The write shown was confirmed: the command that carries it out.
    fn confirmed(&mut self, action: ActionOffer) -> Vec<Cmd> {
        self.confirm = None;
        self.set(
            self.current,
            Mark::Working,
            crate::i18n::t("onboard.note.applying"),
        );
        match action.id.as_str() {
            "remote.permissions.fix" => {
                self.chmod_pending = true;
                vec![Cmd::Chmod(action)]
            }
            "onboard.install_key" => vec![Cmd::Install],
            _ => vec![Cmd::Apply(action)],
        }
    }

    /// The keys the step panel answers whatever is open: it scrolls, and Ctrl-S skips.
    fn panel_key(&mut self, key: KeyEvent) -> Option<Vec<Cmd>> {
        match key.code {
            KeyCode::PageDown => self.scroll += PAGE,
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(PAGE),
            KeyCode::Char('s') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                if !self.can_skip() {
                    return Some(Vec::new());
                }
                self.field = None;
                return Some(self.skip());
            }
            _ => return None,
        }
        Some(Vec::new())
    }

    /// The current step's own keys: leave, choose a key, skip, retry, go on.
    fn step_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => vec![Cmd::Quit],
            KeyCode::Up | KeyCode::Char('k') if self.current == Step::Key => {
                self.key_sel = self.key_sel.saturating_sub(1);
                Vec::new()
            }
            KeyCode::Down | KeyCode::Char('j') if self.current == Step::Key => {
                self.key_sel = (self.key_sel + 1).min(self.keys.len());
                Vec::new()
            }
            KeyCode::Char('s') => self.skip(),
            KeyCode::Char('r') => self.retry(),
            KeyCode::Enter => self.enter(),
            _ => Vec::new(),
        }
    }

    /// After a cancelled confirm, put back the text box the step was waiting in.
    fn reopen_after_cancel(&mut self) {
        match self.current {
            Step::Verify => self.open(Field::Fingerprint, ""),
            Step::Config => {
                let alias = self.alias.clone();
                self.open(Field::Alias, &alias);
            }
            _ => {}
        }
    }

    /// Whether the current step may be skipped now.
    pub fn can_skip(&self) -> bool {
        !self.finished
            && match self.current {
                Step::Permissions | Step::Config => self.mark(self.current) != Mark::Working,
                Step::Install => self.mark(self.current) != Mark::Working,
                _ => false,
            }
    }

    fn skip(&mut self) -> Vec<Cmd> {
        let s = self.current;
        if !self.can_skip() {
            self.say(
                crate::i18n::tf("onboard.msg.cannot_skip", &[("step", &s.title())]),
                true,
            );
            return Vec::new();
        }
        self.set(s, Mark::Skipped, crate::i18n::t("onboard.note.skipped"));
        self.advance(s)
    }

    fn retry(&mut self) -> Vec<Cmd> {
        if self.mark(self.current) != Mark::Failed {
            return Vec::new();
        }
        self.message = None;
        if std::mem::take(&mut self.relogin) {
            // The connection is gone: log in again; the steps already done are not redone.
            self.set(self.current, Mark::Pending, "");
            self.logged_in = None;
            return self.begin(Step::Login);
        }
        let s = self.current;
        self.begin(s)
    }

    /// Enter: the current step goes on (a key chosen, the fingerprint asked for, a write
    /// offered).
    fn enter(&mut self) -> Vec<Cmd> {
        self.message = None;
        match self.current {
            Step::Key => self.choose_key(),
            Step::Verify => match &self.host {
                Some(h) if matches!(h.verdict, HostVerdict::Known(_)) => {
                    let note = format!("{} {}, already in known_hosts", h.algorithm, h.sha256);
                    self.set(Step::Verify, Mark::Done, note);
                    self.advance(Step::Verify)
                }
                Some(h) if h.verdict == HostVerdict::Unknown => {
                    self.open(Field::Fingerprint, "");
                    Vec::new()
                }
                _ => Vec::new(),
            },
            Step::Login => {
                if self.mark(Step::Login) == Mark::Active {
                    self.open(Field::Password, "");
                }
                Vec::new()
            }
            Step::Install => {
                let Some(k) = &self.chosen else {
                    return Vec::new();
                };
                self.confirm = Some((self.install_offer(k), 0));
                Vec::new()
            }
            Step::Permissions => self.fix_permissions(),
            Step::Prove | Step::Config => Vec::new(),
        }
    }

    /// The selected key is chosen (it needs its public half); the line after the keys asks
    /// for a new key's passphrase.
    fn choose_key(&mut self) -> Vec<Cmd> {
        let Some(k) = self.keys.get(self.key_sel) else {
            self.open(Field::Passphrase, "");
            return Vec::new();
        };
        let (Some(fp), Some(public_line)) = (k.fingerprint.clone(), k.public_line.clone()) else {
            self.say(crate::i18n::t("onboard.msg.no_pub"), true);
            return Vec::new();
        };
        self.chosen = Some(ChosenKey {
            private: k.private.clone(),
            public_line,
            fingerprint: fp.clone(),
            encrypted: k.encrypted,
        });
        let note = format!("{} {fp}", self.shown(&k.private));
        self.set(Step::Key, Mark::Done, note);
        self.advance(Step::Key)
    }

    /// The permissions step: offer the chmod, go on when nothing is wrong, or say that only
    /// root can fix it.
    fn fix_permissions(&mut self) -> Vec<Cmd> {
        let Some(i) = &self.inspected else {
            return Vec::new();
        };
        match &i.fix {
            Some(fix) => {
                self.confirm = Some((fix.clone(), 0));
                Vec::new()
            }
            None if i.violations.is_empty() => {
                self.set(
                    Step::Permissions,
                    Mark::Done,
                    crate::i18n::t("onboard.note.as_sshd_wants"),
                );
                self.advance(Step::Permissions)
            }
            None => {
                self.say(crate::i18n::t("onboard.msg.chmod_cannot"), true);
                Vec::new()
            }
        }
    }

    fn field_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        let Some((field, input)) = &mut self.field else {
            return Vec::new();
        };
        let field = *field;
        match key.code {
            KeyCode::Esc => {
                self.field = None;
                self.first_passphrase = None;
                match field {
                    // Leaving a box the step cannot go on without leaves the flow.
                    Field::Password | Field::KeyPassphrase | Field::Alias | Field::Fingerprint => {
                        self.say(crate::i18n::t("onboard.msg.cancelled"), false);
                        if self.mark(self.current) == Mark::Working {
                            self.set(self.current, Mark::Active, "");
                        }
                    }
                    Field::Passphrase | Field::PassphraseAgain => {
                        self.say(crate::i18n::t("onboard.msg.no_key_generated"), false);
                    }
                }
                Vec::new()
            }
            KeyCode::Enter => {
                let value = input.take();
                self.field = None;
                self.submit(field, value)
            }
            _ => {
                if let Some(req) = crate::term::input::edit_request(&key) {
                    input.handle(req);
                }
                Vec::new()
            }
        }
    }

    /// A text box's value was entered.
    fn submit(&mut self, field: Field, value: Zeroizing<String>) -> Vec<Cmd> {
        match field {
            Field::Passphrase => {
                self.first_passphrase = Some(value);
                self.open(Field::PassphraseAgain, "");
                Vec::new()
            }
            Field::PassphraseAgain => self.submit_passphrase_again(value),
            Field::Fingerprint => {
                self.submit_fingerprint(&value);
                Vec::new()
            }
            Field::Password => {
                self.set(
                    Step::Login,
                    Mark::Working,
                    crate::i18n::t("onboard.note.logging_in"),
                );
                vec![Cmd::Login {
                    password: Some(value),
                }]
            }
            Field::KeyPassphrase => {
                self.key_passphrase = Some(value.clone());
                self.set(
                    Step::Prove,
                    Mark::Working,
                    crate::i18n::t("onboard.note.key_only"),
                );
                vec![Cmd::Prove {
                    passphrase: Some(value),
                }]
            }
            Field::Alias => {
                let alias = value.trim().to_string();
                if alias.is_empty() {
                    self.say(crate::i18n::t("onboard.msg.type_a_name"), true);
                    self.open(Field::Alias, "");
                    return Vec::new();
                }
                self.alias = alias.clone();
                self.set(
                    Step::Config,
                    Mark::Working,
                    crate::i18n::t("onboard.note.planning"),
                );
                vec![Cmd::PlanConfig { alias }]
            }
        }
    }

    /// The new key's passphrase typed again: generate the key when both agree.
    fn submit_passphrase_again(&mut self, value: Zeroizing<String>) -> Vec<Cmd> {
        let first = self.first_passphrase.take().unwrap_or_default();
        if *first != *value {
            self.say(crate::i18n::t("onboard.msg.passphrases_differ"), true);
            self.open(Field::Passphrase, "");
            return Vec::new();
        }
        self.set(
            Step::Key,
            Mark::Working,
            crate::i18n::t("onboard.note.generating"),
        );
        let passphrase = (!value.is_empty()).then_some(value);
        // Kept (wiped when the flow ends) so that logging in with it asks nothing.
        self.key_passphrase = passphrase.clone();
        vec![Cmd::Generate {
            path: self.new_key_path.clone(),
            comment: self.comment.clone(),
            passphrase,
        }]
    }

    /// The fingerprint pasted (or nothing: trust on first use): on a match or none, offer to
    /// record the host key; else ask again.
    fn submit_fingerprint(&mut self, value: &str) {
        let Some(h) = self.host.clone() else {
            return;
        };
        if value.trim().is_empty() {
            self.compared = None;
            self.say(crate::i18n::t("onboard.msg.not_compared"), true);
        } else if !self.compare_pasted(&h, value) {
            self.open(Field::Fingerprint, "");
            return;
        }
        match h.trust {
            Some(action) => self.confirm = Some((crate::repair::prepare(&action, &[]), 0)),
            None => self.say(crate::i18n::t("onboard.msg.cannot_record"), true),
        }
    }

    /// Compare what was pasted with the server's host key and say the result; whether they match.
    fn compare_pasted(&mut self, h: &HostInfo, value: &str) -> bool {
        let key = h
            .key_line
            .as_deref()
            .and_then(|l| russh::keys::PublicKey::from_openssh(l).ok());
        let result = match &key {
            Some(k) => crate::keygen::compare_fingerprint(value, k.key_data()),
            None => FingerprintMatch::Unrecognised,
        };
        self.compared = Some(result.clone());
        match result {
            FingerprintMatch::Match { how } => {
                self.say(
                    crate::i18n::tf("onboard.msg.fingerprints_match", &[("how", &how_text(how))]),
                    false,
                );
                true
            }
            FingerprintMatch::Mismatch { how, pasted } => {
                let given = if how == "public key" {
                    crate::i18n::tf("onboard.msg.the_public_key", &[("key", &pasted)])
                } else {
                    pasted
                };
                self.say(
                    crate::i18n::tf(
                        "onboard.msg.mismatch",
                        &[
                            ("sha256", &h.sha256),
                            ("given", &given),
                            ("algorithm", &h.algorithm),
                        ],
                    ),
                    true,
                );
                false
            }
            FingerprintMatch::Unrecognised => {
                self.say(crate::i18n::t("onboard.msg.not_a_fingerprint"), true);
                false
            }
        }
    }
}
