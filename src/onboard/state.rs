//! The onboarding flow's state and update: keys and operation results in, [`Cmd`]s out. No
//! I/O here; the run loop carries out the commands and feeds the results back.

use crate::event::ActionOffer;
use crate::keygen::{FingerprintMatch, LocalKey};
use crate::remote_rules::Violation;
use crate::secret_input::SecretInput;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::PathBuf;
use tui_input::Input;
use zeroize::Zeroizing;

mod ending;
mod field;
mod keys;
mod outcome;

pub use field::{Field, FieldInput};

pub(crate) use outcome::{how_text, known_where};

/// Rows PgUp/PgDn scroll the step panel and the confirm dialog.
const PAGE: usize = 8;

/// The steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// Choose or generate a key.
    Key,
    /// Compare the server's host key and record it.
    Verify,
    /// Log in with a password (or find the key already works).
    Login,
    /// Add the public key to ~/.ssh/authorized_keys on the server.
    Install,
    /// sshd's StrictModes on home, ~/.ssh, authorized_keys.
    Permissions,
    /// A fresh login offering only the key.
    Prove,
    /// The `Host` block in ~/.ssh/config.
    Config,
}

impl Step {
    /// Every step in order.
    pub const ALL: [Step; 7] = [
        Step::Key,
        Step::Verify,
        Step::Login,
        Step::Install,
        Step::Permissions,
        Step::Prove,
        Step::Config,
    ];

    /// The checklist title.
    pub fn title(self) -> &'static str {
        match self {
            Step::Key => crate::i18n::t("onboard.step.key"),
            Step::Verify => crate::i18n::t("onboard.step.verify"),
            Step::Login => crate::i18n::t("onboard.step.login"),
            Step::Install => crate::i18n::t("onboard.step.install"),
            Step::Permissions => crate::i18n::t("onboard.step.permissions"),
            Step::Prove => crate::i18n::t("onboard.step.prove"),
            Step::Config => crate::i18n::t("onboard.step.config"),
        }
    }

    fn next(self) -> Option<Step> {
        Step::ALL.iter().copied().find(|s| *s > self)
    }
}

/// Where a step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Pending,
    Active,
    Working,
    Done,
    Skipped,
    Failed,
}

/// The key the flow installs.
#[derive(Debug, Clone)]
pub struct ChosenKey {
    pub private: PathBuf,
    /// "ssh-ed25519 AAAA... comment".
    pub public_line: String,
    pub fingerprint: String,
    pub encrypted: bool,
}

/// What the server presented and what known_hosts says.
#[derive(Debug, Clone)]
pub struct HostInfo {
    pub algorithm: String,
    pub sha256: String,
    pub md5: String,
    pub randomart: String,
    /// The key in OpenSSH format, for comparing pasted keys.
    pub key_line: Option<String>,
    pub verdict: HostVerdict,
    /// Appends the key to known_hosts (only for an unknown key).
    pub trust: Option<ActionOffer>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostVerdict {
    /// Already recorded; where.
    Known(String),
    Unknown,
    /// Recorded with another key (or revoked): the flow stops.
    Refused(String),
}

/// What the run loop is asked to do.
#[derive(Clone)]
pub enum Cmd {
    /// Generate a new ed25519 key at this path, with this comment.
    Generate {
        path: PathBuf,
        comment: String,
        passphrase: Option<Zeroizing<String>>,
    },
    /// Connect up to the host key and report it.
    Connect,
    /// Apply a confirmed local repair (hostkey.trust, the config block).
    Apply(ActionOffer),
    /// Connect with the now-known host key: try the key, else log in with this password.
    Login {
        password: Option<Zeroizing<String>>,
    },
    /// Append the key to authorized_keys on the logged-in connection.
    Install,
    /// Look at the server side.
    Inspect,
    /// chmod these paths on the server, then look again.
    Chmod(ActionOffer),
    /// A fresh connection offering only the key.
    Prove {
        passphrase: Option<Zeroizing<String>>,
    },
    /// Plan the config block for this alias.
    PlanConfig {
        alias: String,
    },
    Quit,
}

impl std::fmt::Debug for Cmd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secrets.
        let name = match self {
            Cmd::Generate { .. } => "Generate",
            Cmd::Connect => "Connect",
            Cmd::Apply(_) => "Apply",
            Cmd::Login { .. } => "Login",
            Cmd::Install => "Install",
            Cmd::Inspect => "Inspect",
            Cmd::Chmod(_) => "Chmod",
            Cmd::Prove { .. } => "Prove",
            Cmd::PlanConfig { .. } => "PlanConfig",
            Cmd::Quit => "Quit",
        };
        f.write_str(name)
    }
}

/// What came back from an operation.
#[derive(Debug, Clone)]
pub enum Outcome {
    Generated(Result<ChosenKey, String>),
    Connected(Result<HostInfo, String>),
    Applied(String, Result<String, String>),
    /// Logged in: by the key itself (already installed), or by password.
    LoggedIn(Result<LoginKind, LoginError>),
    Installed(Result<String, OpError>),
    Inspected(Result<Inspected, OpError>),
    Proved(Result<String, String>),
    Planned(Result<ActionOffer, String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginKind {
    Key,
    Password,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginError {
    /// The password was refused; may try again.
    Denied,
    /// No password or keyboard-interactive method, and the key does not work: the methods offered.
    NoPasswordMethod(String),
    /// The key did not log in; a password is needed.
    NeedPassword,
    /// Anything else (connection, host key).
    Other(String),
}

/// Why an operation on the logged-in connection failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpError {
    /// The connection is gone (closed by the server or the network): log in again.
    ConnectionLost,
    /// Anything else, said in a sentence.
    Other(String),
}

impl std::fmt::Display for OpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpError::ConnectionLost => f.write_str(crate::i18n::t("onboard.connection_closed")),
            OpError::Other(e) => f.write_str(e),
        }
    }
}

impl From<String> for OpError {
    fn from(e: String) -> Self {
        OpError::Other(e)
    }
}

impl From<&str> for OpError {
    fn from(e: &str) -> Self {
        OpError::Other(e.to_string())
    }
}

/// The server side as the permissions step shows it.
#[derive(Debug, Clone, Default)]
pub struct Inspected {
    pub violations: Vec<Violation>,
    /// chmods that repair what a chmod by the account can.
    pub fix: Option<ActionOffer>,
    /// The account's uid, when known.
    pub uid: Option<u32>,
}

/// The whole flow.
pub struct Onboard {
    pub destination: String,
    pub user: String,
    pub hostname: String,
    pub port: u16,
    /// `~/.ssh` (local).
    pub ssh_dir: PathBuf,
    pub home: PathBuf,
    pub marks: [Mark; 7],
    pub notes: [String; 7],
    pub current: Step,
    /// Existing keys; the row after them is "generate a new key".
    pub keys: Vec<LocalKey>,
    pub key_sel: usize,
    pub new_key_path: PathBuf,
    pub chosen: Option<ChosenKey>,
    pub host: Option<HostInfo>,
    pub compared: Option<FingerprintMatch>,
    pub logged_in: Option<LoginKind>,
    pub password_tries: u8,
    pub inspected: Option<Inspected>,
    pub alias: String,
    /// The open text box.
    pub field: Option<(Field, FieldInput)>,
    /// The first passphrase, kept until it is typed again.
    first_passphrase: Option<Zeroizing<String>>,
    /// The confirm dialog: the action and its scroll.
    pub confirm: Option<(ActionOffer, usize)>,
    /// A sentence for the status line, and whether it is an error.
    pub message: Option<(String, bool)>,
    /// The log pane.
    pub log: Vec<String>,
    pub finished: bool,
    pub ascii: bool,
    /// The comment a new key gets (`localuser@localhost`, as ssh-keygen writes).
    pub comment: String,
    /// The arguments that start this flow again for the same destination and options.
    pub resume: String,
    /// What was made so far, in words, for the message printed when leaving mid-flow.
    pub created: Vec<String>,
    /// Rows the step panel is scrolled.
    pub scroll: usize,
    /// The config's plain aliases and where each leads (config alone), for step 7's preview.
    pub aliases: Vec<crate::config::HostEntry>,
    /// The passphrase of the key (typed once: when it was made, or when first needed), kept
    /// zeroized while the flow runs so it is never asked again.
    key_passphrase: Option<Zeroizing<String>>,
    /// Whether the key was generated by this flow (its passphrase is then known to be right).
    generated: bool,
    /// The logged-in connection was lost: `r` logs in again.
    relogin: bool,
    /// A chmod on the server is under way (its result comes back as an inspection).
    chmod_pending: bool,
}

impl Onboard {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        destination: String,
        user: String,
        hostname: String,
        port: u16,
        home: PathBuf,
        keys: Vec<LocalKey>,
        new_key_path: PathBuf,
        alias: String,
    ) -> Onboard {
        let mut marks = [Mark::Pending; 7];
        marks[0] = Mark::Active;
        // Default to the newest-looking ed25519 key, else "generate".
        let key_sel = keys
            .iter()
            .position(|k| k.algorithm == "ssh-ed25519")
            .unwrap_or(keys.len());
        let destination_args = crate::fsedit::shell_quote(&destination);
        Onboard {
            destination,
            user,
            hostname,
            port,
            ssh_dir: home.join(".ssh"),
            home,
            marks,
            notes: Default::default(),
            current: Step::Key,
            keys,
            key_sel,
            new_key_path,
            chosen: None,
            host: None,
            compared: None,
            logged_in: None,
            password_tries: 0,
            inspected: None,
            alias,
            field: None,
            first_passphrase: None,
            confirm: None,
            message: None,
            log: Vec::new(),
            finished: false,
            ascii: false,
            comment: String::new(),
            resume: destination_args,
            created: Vec::new(),
            scroll: 0,
            aliases: Vec::new(),
            key_passphrase: None,
            generated: false,
            relogin: false,
            chmod_pending: false,
        }
    }

    /// The key's passphrase, when it is known (a copy, wiped when dropped).
    pub fn key_passphrase(&self) -> Option<Zeroizing<String>> {
        self.key_passphrase.clone()
    }

    /// What to print when the flow is left before its end: where it stopped, what was made,
    /// and the command that starts it again; `None` when it finished.
    pub fn farewell(&self) -> Option<String> {
        if self.finished {
            return None;
        }
        let mut out = crate::i18n::tf(
            "onboard.left_at",
            &[
                ("n", &(self.current as usize + 1)),
                ("step", &self.current.title()),
            ],
        );
        out.push('\n');
        if self.created.is_empty() {
            out.push_str(&format!("{}\n", crate::i18n::t("onboard.nothing_made")));
        } else {
            out.push_str(&format!("{}\n", crate::i18n::t("onboard.made_so_far")));
            for c in &self.created {
                out.push_str(&format!("  - {c}\n"));
            }
        }
        out.push_str(&format!(
            "{}\n  sshdoctor onboard {}\n",
            crate::i18n::t("onboard.to_go_on"),
            self.resume
        ));
        Some(out)
    }

    pub fn mark(&self, s: Step) -> Mark {
        self.marks[s as usize]
    }

    fn set(&mut self, s: Step, m: Mark, note: impl Into<String>) {
        self.marks[s as usize] = m;
        self.notes[s as usize] = note.into();
    }

    fn say(&mut self, text: impl Into<String>, error: bool) {
        self.message = Some((text.into(), error));
    }

    fn open(&mut self, field: Field, value: &str) {
        let input = if field.masked() {
            let mut secret = SecretInput::new();
            secret.paste(value);
            FieldInput::Secret(secret)
        } else {
            FieldInput::Plain(Input::new(value.to_string()))
        };
        self.field = Some((field, input));
    }

    /// Whether every step is done or skipped.
    pub fn complete(&self) -> bool {
        self.marks
            .iter()
            .all(|m| matches!(m, Mark::Done | Mark::Skipped))
    }

    /// Move to the step after `s` and start it.
    fn advance(&mut self, from: Step) -> Vec<Cmd> {
        // Steps already done (before a new login) are not done again.
        let mut next = from.next();
        while let Some(s) = next.filter(|s| matches!(self.mark(*s), Mark::Done | Mark::Skipped)) {
            next = s.next();
        }
        match next {
            Some(next) => self.begin(next),
            None => {
                self.finished = true;
                self.say(
                    crate::i18n::tf("onboard.all_done", &[("command", &self.login_command())]),
                    false,
                );
                Vec::new()
            }
        }
    }

    /// Start a step: what runs by itself runs now.
    fn begin(&mut self, s: Step) -> Vec<Cmd> {
        if s != self.current {
            self.message = None;
        }
        self.current = s;
        self.field = None;
        self.scroll = 0;
        match s {
            Step::Key => {
                self.set(s, Mark::Active, "");
                Vec::new()
            }
            Step::Verify => {
                self.set(s, Mark::Working, crate::i18n::t("onboard.note.connecting"));
                vec![Cmd::Connect]
            }
            Step::Login => {
                self.set(s, Mark::Working, crate::i18n::t("onboard.note.trying_key"));
                vec![Cmd::Login { password: None }]
            }
            Step::Install => {
                if self.logged_in == Some(LoginKind::Key) {
                    self.set(s, Mark::Skipped, crate::i18n::t("onboard.note.key_works"));
                    return self.advance(s);
                }
                self.set(s, Mark::Active, "");
                Vec::new()
            }
            Step::Permissions => {
                self.set(s, Mark::Working, crate::i18n::t("onboard.note.looking"));
                vec![Cmd::Inspect]
            }
            Step::Prove => {
                let encrypted = self.chosen.as_ref().is_some_and(|k| k.encrypted);
                if let Some(passphrase) = self.key_passphrase.clone().filter(|_| encrypted) {
                    self.set(s, Mark::Working, crate::i18n::t("onboard.note.key_only"));
                    vec![Cmd::Prove {
                        passphrase: Some(passphrase),
                    }]
                } else if encrypted {
                    self.set(
                        s,
                        Mark::Active,
                        crate::i18n::t("onboard.note.passphrase_needed"),
                    );
                    self.open(Field::KeyPassphrase, "");
                    Vec::new()
                } else {
                    self.set(s, Mark::Working, crate::i18n::t("onboard.note.key_only"));
                    vec![Cmd::Prove { passphrase: None }]
                }
            }
            Step::Config => {
                self.set(s, Mark::Active, "");
                let alias = self.alias.clone();
                self.open(Field::Alias, &alias);
                Vec::new()
            }
        }
    }

    /// Pasted text goes into the open box only, as one line; with a dialog open or no box it
    /// is dropped (a paste never answers a dialog or submits a box).
    pub fn on_paste(&mut self, text: &str) {
        if self.confirm.is_some() {
            return;
        }
        if let Some((_, input)) = &mut self.field {
            input.paste(text);
        }
    }

    /// A step failed in a way the diagnosis explains: mark it, and point there.
    fn failed_see_diagnosis(&mut self, step: Step, note: &str, error: &str) {
        self.set(step, Mark::Failed, note);
        self.say(
            crate::i18n::tf(
                "onboard.retry_explains",
                &[("error", &error), ("command", &self.resume)],
            ),
            true,
        );
    }

    /// The action that shows what installing the key does.
    pub fn install_offer(&self, k: &ChosenKey) -> ActionOffer {
        let file = "~/.ssh/authorized_keys";
        ActionOffer {
            title_text: None,
            id: "onboard.install_key".into(),
            title: crate::i18n::tf(
                "onboard.install.title",
                &[
                    ("fingerprint", &k.fingerprint),
                    ("file", &file),
                    ("destination", &self.destination),
                ],
            ),
            preview: format!(
                "{}\n+{}",
                crate::i18n::tf("onboard.install.preview", &[("file", &file)]),
                k.public_line
            ),
            command: format!(
                "ssh-copy-id -i {}{} {}",
                crate::fsedit::shell_quote_path(&format!("{}.pub", self.shown(&k.private))),
                if self.port == 22 {
                    String::new()
                } else {
                    format!(" -p {}", self.port)
                },
                crate::fsedit::shell_quote(&format!("{}@{}", self.user, self.hostname))
            ),
            repair: None,
        }
    }

    /// A path with `~` for the home directory.
    pub fn shown(&self, p: &std::path::Path) -> String {
        crate::config_edit::shown_path(p, &self.home)
    }

    /// The exit code: 0 when every step is done or skipped.
    pub fn exit_code(&self) -> u8 {
        if self.complete() {
            crate::exit::OK
        } else {
            crate::exit::PROBLEMS
        }
    }
}
