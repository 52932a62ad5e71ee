//! What the flow does with each operation's result: the step's mark and note, and the next step.

use super::*;

impl Onboard {
    /// An operation finished.
    pub fn on_outcome(&mut self, outcome: Outcome) -> Vec<Cmd> {
        match outcome {
            Outcome::Generated(r) => self.on_generated(r),
            Outcome::Connected(r) => self.on_connected(r),
            Outcome::Applied(id, r) => self.on_applied(&id, r),
            Outcome::LoggedIn(Ok(kind)) => self.on_login(kind),
            Outcome::LoggedIn(Err(e)) => {
                self.on_login_error(e);
                Vec::new()
            }
            Outcome::Installed(r) => self.on_installed(r),
            Outcome::Inspected(r) => self.on_inspected(r),
            Outcome::Proved(r) => self.on_proved(r),
            Outcome::Planned(r) => self.on_planned(r),
        }
    }

    /// A key was generated (the key step is done), or not.
    fn on_generated(&mut self, r: Result<ChosenKey, String>) -> Vec<Cmd> {
        let k = match r {
            Ok(k) => k,
            Err(e) => {
                self.key_passphrase = None;
                self.set(Step::Key, Mark::Active, "");
                self.say(
                    crate::i18n::tf("onboard.msg.no_key_generated_because", &[("error", &e)]),
                    true,
                );
                return Vec::new();
            }
        };
        let note = crate::i18n::tf(
            "onboard.note.new_key",
            &[
                ("path", &self.shown(&k.private)),
                ("fingerprint", &k.fingerprint),
            ],
        );
        self.generated = true;
        self.created.push(crate::i18n::tf(
            "onboard.made.new_key",
            &[("path", &self.shown(&k.private))],
        ));
        self.log.push(format!(
            "Generated {} ({})",
            self.shown(&k.private),
            k.fingerprint
        ));
        self.chosen = Some(k);
        self.set(Step::Key, Mark::Done, note);
        self.advance(Step::Key)
    }

    /// The host key was seen: known (go on), unknown (compare the fingerprint), or refused.
    fn on_connected(&mut self, r: Result<HostInfo, String>) -> Vec<Cmd> {
        let h = match r {
            Ok(h) => h,
            Err(e) => {
                self.failed_see_diagnosis(
                    Step::Verify,
                    crate::i18n::t("onboard.note.no_connection"),
                    &e,
                );
                return Vec::new();
            }
        };
        let step = Step::Verify;
        match &h.verdict {
            HostVerdict::Known(at) => {
                let note = format!("{} {}, {}", h.algorithm, h.sha256, known_where(at));
                self.host = Some(h);
                self.set(step, Mark::Done, note);
                return self.advance(step);
            }
            HostVerdict::Unknown => {
                self.set(step, Mark::Active, crate::i18n::t("onboard.note.compare"));
                self.open(Field::Fingerprint, "");
            }
            HostVerdict::Refused(why) => {
                let why = why.clone();
                self.set(
                    step,
                    Mark::Failed,
                    crate::i18n::t("onboard.note.hostkey_refused"),
                );
                self.say(
                    crate::i18n::tf(
                        "onboard.msg.hostkey_refused",
                        &[("why", &why), ("command", &self.resume)],
                    ),
                    true,
                );
            }
        }
        self.host = Some(h);
        Vec::new()
    }

    /// A confirmed write was applied (the host key trusted, or the Host block written), or not.
    fn on_applied(&mut self, id: &str, r: Result<String, String>) -> Vec<Cmd> {
        let done = match r {
            Ok(done) => done,
            Err(e) => {
                let s = self.current;
                self.set(s, Mark::Failed, crate::i18n::t("onboard.note.not_written"));
                self.say(
                    crate::i18n::tf("onboard.msg.not_written", &[("error", &e)]),
                    true,
                );
                return Vec::new();
            }
        };
        self.log.push(done.clone());
        if id != "hostkey.trust" {
            self.created.push(crate::i18n::tf(
                "onboard.made.host_block",
                &[("done", &done)],
            ));
            self.set(Step::Config, Mark::Done, done);
            return self.advance(Step::Config);
        }
        self.created
            .push(crate::i18n::tf("onboard.made.host_key", &[("done", &done)]));
        let how = match &self.compared {
            Some(FingerprintMatch::Match { how }) => {
                crate::i18n::tf("onboard.note.pasted_matched", &[("how", &how_text(how))])
            }
            _ => crate::i18n::t("onboard.note.not_compared").to_string(),
        };
        let note = self.host.as_ref().map_or(String::new(), |h| {
            crate::i18n::tf(
                "onboard.note.recorded",
                &[
                    ("algorithm", &h.algorithm),
                    ("sha256", &h.sha256),
                    ("how", &how),
                ],
            )
        });
        self.set(Step::Verify, Mark::Done, note);
        self.advance(Step::Verify)
    }

    /// Logged in, by the key or by password.
    fn on_login(&mut self, kind: LoginKind) -> Vec<Cmd> {
        let note = match kind {
            LoginKind::Key => crate::i18n::t("onboard.note.key_works"),
            LoginKind::Password => crate::i18n::t("onboard.note.password_accepted"),
        };
        self.logged_in = Some(kind);
        self.set(Step::Login, Mark::Done, note);
        self.advance(Step::Login)
    }

    /// The login failed: ask for the password (again), or say what to do.
    fn on_login_error(&mut self, e: LoginError) {
        match e {
            LoginError::Denied => {
                self.password_tries += 1;
                if self.password_tries >= 3 {
                    self.set(
                        Step::Login,
                        Mark::Failed,
                        crate::i18n::t("onboard.note.password_refused"),
                    );
                    self.say(crate::i18n::t("onboard.msg.denied_three"), true);
                    self.password_tries = 0;
                } else {
                    self.set(
                        Step::Login,
                        Mark::Active,
                        crate::i18n::t("onboard.note.password_needed"),
                    );
                    self.say(crate::i18n::t("onboard.msg.denied_again"), true);
                    self.open(Field::Password, "");
                }
            }
            LoginError::NoPasswordMethod(methods) => {
                self.set(
                    Step::Login,
                    Mark::Failed,
                    crate::i18n::t("onboard.note.no_password_login"),
                );
                let line = self.chosen.as_ref().map_or(String::new(), |k| {
                    crate::fsedit::shell_quote(&k.public_line)
                });
                self.say(
                    crate::i18n::tf(
                        "onboard.msg.no_password_method",
                        &[("methods", &methods), ("line", &line)],
                    ),
                    true,
                );
            }
            LoginError::NeedPassword => {
                self.set(
                    Step::Login,
                    Mark::Active,
                    crate::i18n::t("onboard.note.password_needed"),
                );
                self.open(Field::Password, "");
            }
            LoginError::Other(e) => {
                self.set(
                    Step::Login,
                    Mark::Failed,
                    crate::i18n::t("onboard.note.no_login"),
                );
                self.say(crate::i18n::tf("onboard.msg.retry", &[("error", &e)]), true);
            }
        }
    }

    /// The key was installed on the server, or not.
    fn on_installed(&mut self, r: Result<String, OpError>) -> Vec<Cmd> {
        match r {
            Ok(note) => {
                self.log.push(note.clone());
                self.created.push(crate::i18n::tf(
                    "onboard.made.server_key",
                    &[("note", &note)],
                ));
                self.set(Step::Install, Mark::Done, note);
                self.advance(Step::Install)
            }
            Err(e) => {
                self.op_failed(
                    Step::Install,
                    crate::i18n::t("onboard.note.not_installed"),
                    &e,
                );
                Vec::new()
            }
        }
    }

    /// The server side was looked at: permissions as sshd wants them (go on), or paths to fix.
    fn on_inspected(&mut self, r: Result<Inspected, OpError>) -> Vec<Cmd> {
        let i = match r {
            Ok(i) => i,
            Err(e) => {
                self.chmod_pending = false;
                self.op_failed(
                    Step::Permissions,
                    crate::i18n::t("onboard.note.could_not_look"),
                    &e,
                );
                return Vec::new();
            }
        };
        if std::mem::take(&mut self.chmod_pending) {
            self.created
                .push(crate::i18n::t("onboard.made.permissions").into());
        }
        if i.violations.is_empty() {
            self.inspected = Some(i);
            self.set(
                Step::Permissions,
                Mark::Done,
                crate::i18n::t("onboard.note.as_sshd_wants"),
            );
            return self.advance(Step::Permissions);
        }
        let note = crate::i18n::tf("onboard.note.strict_modes", &[("n", &i.violations.len())]);
        self.inspected = Some(i);
        self.set(Step::Permissions, Mark::Active, note);
        Vec::new()
    }

    /// The key logged in on its own, or did not.
    fn on_proved(&mut self, r: Result<String, String>) -> Vec<Cmd> {
        match r {
            Ok(note) => {
                self.set(Step::Prove, Mark::Done, note);
                self.advance(Step::Prove)
            }
            Err(e) => {
                // A passphrase typed for an existing key may have been wrong: ask again on retry.
                if !self.generated {
                    self.key_passphrase = None;
                }
                self.failed_see_diagnosis(
                    Step::Prove,
                    crate::i18n::t("onboard.note.key_fails"),
                    &e,
                );
                Vec::new()
            }
        }
    }

    /// The Host block was planned: nothing to write (done), a write to confirm, or a name to
    /// choose again.
    fn on_planned(&mut self, r: Result<ActionOffer, String>) -> Vec<Cmd> {
        self.set(Step::Config, Mark::Active, "");
        match r {
            Ok(action) if action.repair.is_none() => {
                self.set(Step::Config, Mark::Done, action.title.clone());
                self.advance(Step::Config)
            }
            Ok(action) => {
                self.confirm = Some((crate::repair::prepare(&action, &[]), 0));
                Vec::new()
            }
            Err(e) => {
                self.say(
                    crate::i18n::tf("onboard.msg.another_name", &[("error", &e)]),
                    true,
                );
                let alias = self.alias.clone();
                self.open(Field::Alias, &alias);
                Vec::new()
            }
        }
    }

    /// An operation on the logged-in connection failed: a lost connection is logged into
    /// again on `r`; anything else is retried as it was.
    fn op_failed(&mut self, step: Step, note: &str, e: &OpError) {
        self.set(step, Mark::Failed, note);
        if *e == OpError::ConnectionLost {
            self.relogin = true;
            self.say(
                crate::i18n::tf("onboard.msg.connection_lost", &[("error", &e)]),
                true,
            );
        } else if self.can_skip_step(step) {
            self.say(
                crate::i18n::tf("onboard.msg.retry_or_skip", &[("error", &e)]),
                true,
            );
        } else {
            self.say(crate::i18n::tf("onboard.msg.retry", &[("error", &e)]), true);
        }
    }

    fn can_skip_step(&self, step: Step) -> bool {
        matches!(step, Step::Install | Step::Permissions | Step::Config)
    }
}

/// "already known (~/.ssh/known_hosts:1)" from the host key stage's summary, without
/// repeating "known".
pub(crate) fn known_where(summary: &str) -> String {
    let at = summary
        .trim()
        .trim_start_matches("known")
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')');
    if at.is_empty() {
        crate::i18n::t("onboard.known_in_known_hosts").to_string()
    } else {
        crate::i18n::tf("onboard.known_at", &[("at", &at)])
    }
}

/// How a pasted fingerprint was compared (`SHA256`, `MD5`, `public key`), in the current
/// language (the hash names stay as they are).
pub(crate) fn how_text(how: &str) -> &str {
    if how == "public key" {
        crate::i18n::t("onboard.how_public_key")
    } else {
        how
    }
}
