//! The onboarding flow's state and update: keys and operation results in, [`Cmd`]s out. No
//! I/O here; the run loop carries out the commands and feeds the results back.

use crate::event::ActionOffer;
use crate::keygen::{FingerprintMatch, LocalKey};
use crate::remote_rules::Violation;
use crate::secret_input::SecretInput;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::PathBuf;
use tui_input::{Input, InputRequest};
use zeroize::Zeroizing;

/// What is typed in the open box: a password or passphrase goes into a [`SecretInput`] (one
/// fixed buffer, wiped), anything else into a tui-input `Input`.
#[derive(Debug)]
pub enum FieldInput {
    Plain(Input),
    Secret(SecretInput),
}

impl FieldInput {
    pub fn handle(&mut self, request: InputRequest) {
        match self {
            FieldInput::Plain(input) => {
                input.handle(request);
            }
            FieldInput::Secret(secret) => {
                secret.handle(request);
            }
        }
    }

    pub fn paste(&mut self, text: &str) {
        match self {
            FieldInput::Plain(input) => crate::console::update::paste_into(input, text),
            FieldInput::Secret(secret) => secret.paste(text),
        }
    }

    /// The text, moved out; the box is left empty.
    pub fn take(&mut self) -> Zeroizing<String> {
        match self {
            FieldInput::Plain(input) => Zeroizing::new(input.value_and_reset()),
            FieldInput::Secret(secret) => secret.take(),
        }
    }

    /// The text of a plain box; a secret one reads as empty (it is never drawn).
    pub fn value(&self) -> &str {
        match self {
            FieldInput::Plain(input) => input.value(),
            FieldInput::Secret(_) => "",
        }
    }

    /// How many characters were typed.
    pub fn chars(&self) -> usize {
        match self {
            FieldInput::Plain(input) => input.value().chars().count(),
            FieldInput::Secret(secret) => secret.chars(),
        }
    }
}

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
            Step::Key => "Key",
            Step::Verify => "Verify the server",
            Step::Login => "First login",
            Step::Install => "Install the key",
            Step::Permissions => "Server-side permissions",
            Step::Prove => "Prove it",
            Step::Config => "Config block",
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

/// What a text box is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Passphrase,
    PassphraseAgain,
    Fingerprint,
    Password,
    /// The passphrase of an existing encrypted key, to prove the login.
    KeyPassphrase,
    Alias,
}

impl Field {
    pub fn masked(self) -> bool {
        !matches!(self, Field::Fingerprint | Field::Alias)
    }

    pub fn label(self) -> &'static str {
        match self {
            Field::Passphrase => "Passphrase for the new key (empty for none)",
            Field::PassphraseAgain => "The same passphrase again",
            Field::Fingerprint => {
                "Paste the fingerprint you got another way (empty: skip comparing)"
            }
            Field::Password => "Password",
            Field::KeyPassphrase => "Passphrase of the key",
            Field::Alias => "Name to type after `ssh`",
        }
    }
}

/// What the run loop is asked to do.
#[derive(Clone)]
pub enum Cmd {
    /// Generate a new ed25519 key at this path.
    Generate {
        path: PathBuf,
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
    Installed(Result<String, String>),
    Inspected(Result<Inspected, String>),
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
        }
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
        match from.next() {
            Some(next) => self.begin(next),
            None => {
                self.finished = true;
                self.say(
                    format!("All done: `ssh {}` logs in with your key.", self.alias),
                    false,
                );
                Vec::new()
            }
        }
    }

    /// Start a step: what runs by itself runs now.
    fn begin(&mut self, s: Step) -> Vec<Cmd> {
        self.current = s;
        self.field = None;
        match s {
            Step::Key => {
                self.set(s, Mark::Active, "");
                Vec::new()
            }
            Step::Verify => {
                self.set(s, Mark::Working, "connecting");
                vec![Cmd::Connect]
            }
            Step::Login => {
                self.set(s, Mark::Working, "trying the key first");
                vec![Cmd::Login { password: None }]
            }
            Step::Install => {
                if self.logged_in == Some(LoginKind::Key) {
                    self.set(s, Mark::Skipped, "the key already works");
                    return self.advance(s);
                }
                self.set(s, Mark::Active, "");
                Vec::new()
            }
            Step::Permissions => {
                self.set(s, Mark::Working, "looking");
                vec![Cmd::Inspect]
            }
            Step::Prove => {
                if self.chosen.as_ref().is_some_and(|k| k.encrypted) {
                    self.set(s, Mark::Active, "the key's passphrase is needed");
                    self.open(Field::KeyPassphrase, "");
                    Vec::new()
                } else {
                    self.set(s, Mark::Working, "logging in with the key only");
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
            format!(
                "{error} — press r to retry; `sshdoctor {}` explains.",
                self.destination
            ),
            true,
        );
    }

    /// A key press.
    pub fn on_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return vec![Cmd::Quit];
        }
        if let Some((action, scroll)) = &mut self.confirm {
            return match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => {
                    let action = action.clone();
                    self.confirm = None;
                    self.set(self.current, Mark::Working, "applying");
                    match action.id.as_str() {
                        "remote.permissions.fix" => vec![Cmd::Chmod(action)],
                        "onboard.install_key" => vec![Cmd::Install],
                        _ => vec![Cmd::Apply(action)],
                    }
                }
                KeyCode::Char('n') | KeyCode::Esc => {
                    self.confirm = None;
                    self.say("Nothing was changed.", false);
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
                _ => Vec::new(),
            };
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

    fn skip(&mut self) -> Vec<Cmd> {
        let s = self.current;
        let allowed = match s {
            Step::Permissions | Step::Config => true,
            Step::Install => self.mark(s) != Mark::Working,
            _ => false,
        };
        if !allowed {
            self.say(format!("{} cannot be skipped.", s.title()), true);
            return Vec::new();
        }
        self.set(s, Mark::Skipped, "skipped");
        self.advance(s)
    }

    fn retry(&mut self) -> Vec<Cmd> {
        if self.mark(self.current) != Mark::Failed {
            return Vec::new();
        }
        self.message = None;
        let s = self.current;
        self.begin(s)
    }

    fn enter(&mut self) -> Vec<Cmd> {
        self.message = None;
        match self.current {
            Step::Key => {
                if let Some(k) = self.keys.get(self.key_sel) {
                    let Some(fp) = k.fingerprint.clone() else {
                        self.say("This key has no readable public half (.pub): choose another or generate one.", true);
                        return Vec::new();
                    };
                    let Some(public_line) = k.public_line.clone() else {
                        self.say("This key has no readable public half (.pub): choose another or generate one.", true);
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
                } else {
                    self.open(Field::Passphrase, "");
                    Vec::new()
                }
            }
            Step::Verify => match &self.host {
                Some(h) if matches!(h.verdict, HostVerdict::Known(_)) => {
                    let note = format!("{} {} (already in known_hosts)", h.algorithm, h.sha256);
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
            Step::Permissions => match &self.inspected {
                Some(i) => match &i.fix {
                    Some(fix) => {
                        self.confirm = Some((fix.clone(), 0));
                        Vec::new()
                    }
                    None if i.violations.is_empty() => {
                        self.set(Step::Permissions, Mark::Done, "as sshd wants them");
                        self.advance(Step::Permissions)
                    }
                    None => {
                        self.say("A chmod cannot fix this (ownership): ask root on the server, or press s to skip.", true);
                        Vec::new()
                    }
                },
                None => Vec::new(),
            },
            Step::Prove | Step::Config => Vec::new(),
        }
    }

    /// The action that shows what installing the key does.
    pub fn install_offer(&self, k: &ChosenKey) -> ActionOffer {
        let file = "~/.ssh/authorized_keys";
        ActionOffer {
            id: "onboard.install_key".into(),
            title: format!("Add {} to {file} on {}", k.fingerprint, self.destination),
            preview: format!(
                "On the server, ~/.ssh is created (mode 0700) and {file} (mode 0600) when missing; an existing file is first copied to {file}.sshdoctor-<UTC time>, then only appended to, unless this key is already in it:\n+{}",
                k.public_line
            ),
            command: format!(
                "ssh-copy-id -i {}{} {}",
                crate::fsedit::shell_quote_path(&format!("{}.pub", self.shown(&k.private))),
                if self.port == 22 { String::new() } else { format!(" -p {}", self.port) },
                crate::fsedit::shell_quote(&format!("{}@{}", self.user, self.hostname))
            ),
            repair: None,
        }
    }

    /// A path with `~` for the home directory.
    pub fn shown(&self, p: &std::path::Path) -> String {
        crate::config_edit::shown_path(p, &self.home)
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
                        self.say("Cancelled: nothing was written. Press Enter to start again, q to leave.", false);
                        if self.mark(self.current) == Mark::Working {
                            self.set(self.current, Mark::Active, "");
                        }
                    }
                    Field::Passphrase | Field::PassphraseAgain => {
                        self.say("No key was generated.", false);
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
                if let Some(req) = crate::console::update::edit_request(&key) {
                    input.handle(req);
                }
                Vec::new()
            }
        }
    }

    fn submit(&mut self, field: Field, value: Zeroizing<String>) -> Vec<Cmd> {
        match field {
            Field::Passphrase => {
                self.first_passphrase = Some(value);
                self.open(Field::PassphraseAgain, "");
                Vec::new()
            }
            Field::PassphraseAgain => {
                let first = self.first_passphrase.take().unwrap_or_default();
                if *first != *value {
                    self.say("The passphrases differ; type it again.", true);
                    self.open(Field::Passphrase, "");
                    return Vec::new();
                }
                self.set(Step::Key, Mark::Working, "generating");
                let passphrase = (!value.is_empty()).then_some(value);
                vec![Cmd::Generate {
                    path: self.new_key_path.clone(),
                    passphrase,
                }]
            }
            Field::Fingerprint => {
                let Some(h) = self.host.clone() else {
                    return Vec::new();
                };
                if value.trim().is_empty() {
                    self.compared = None;
                    self.say("Not compared: trust on first use. Record it only if you are sure this is your server.", true);
                } else {
                    let key = h
                        .key_line
                        .as_deref()
                        .and_then(|l| russh::keys::PublicKey::from_openssh(l).ok());
                    let result = match &key {
                        Some(k) => crate::keygen::compare_fingerprint(&value, k.key_data()),
                        None => FingerprintMatch::Unrecognised,
                    };
                    self.compared = Some(result.clone());
                    match result {
                        FingerprintMatch::Match { how } => {
                            self.say(format!("The {how} fingerprints match."), false)
                        }
                        FingerprintMatch::Mismatch { how, pasted } => {
                            self.say(format!("MISMATCH: the server presents {} but you were given {how} {pasted}. Do not go on: this may not be your server (or it has another key type: ask for its {} fingerprint).", h.sha256, h.algorithm), true);
                            self.open(Field::Fingerprint, "");
                            return Vec::new();
                        }
                        FingerprintMatch::Unrecognised => {
                            self.say("That is not a fingerprint (SHA256:…, MD5:…, or a public key line); paste it again.", true);
                            self.open(Field::Fingerprint, "");
                            return Vec::new();
                        }
                    }
                }
                match h.trust {
                    Some(action) => self.confirm = Some((crate::repair::prepare(&action, &[]), 0)),
                    None => self.say(
                        "This key cannot be recorded (no writable known_hosts file).",
                        true,
                    ),
                }
                Vec::new()
            }
            Field::Password => {
                self.set(Step::Login, Mark::Working, "logging in");
                vec![Cmd::Login {
                    password: Some(value),
                }]
            }
            Field::KeyPassphrase => {
                self.set(Step::Prove, Mark::Working, "logging in with the key only");
                vec![Cmd::Prove {
                    passphrase: Some(value),
                }]
            }
            Field::Alias => {
                let alias = value.trim().to_string();
                if alias.is_empty() {
                    self.say("Type a name, or press Esc and s to skip this step.", true);
                    self.open(Field::Alias, "");
                    return Vec::new();
                }
                self.alias = alias.clone();
                self.set(Step::Config, Mark::Working, "planning");
                vec![Cmd::PlanConfig { alias }]
            }
        }
    }

    /// An operation finished.
    pub fn on_outcome(&mut self, outcome: Outcome) -> Vec<Cmd> {
        match outcome {
            Outcome::Generated(Ok(k)) => {
                let note = format!("new {} {}", self.shown(&k.private), k.fingerprint);
                self.log.push(format!(
                    "Generated {} ({})",
                    self.shown(&k.private),
                    k.fingerprint
                ));
                self.chosen = Some(k);
                self.set(Step::Key, Mark::Done, note);
                self.advance(Step::Key)
            }
            Outcome::Generated(Err(e)) => {
                self.set(Step::Key, Mark::Active, "");
                self.say(format!("No key was generated: {e}"), true);
                Vec::new()
            }
            Outcome::Connected(Ok(h)) => {
                let step = Step::Verify;
                match &h.verdict {
                    HostVerdict::Known(at) => {
                        let note = format!("{} {} (known: {at})", h.algorithm, h.sha256);
                        self.host = Some(h);
                        self.set(step, Mark::Done, note);
                        return self.advance(step);
                    }
                    HostVerdict::Unknown => {
                        self.set(step, Mark::Active, "compare the fingerprint");
                        self.open(Field::Fingerprint, "");
                    }
                    HostVerdict::Refused(why) => {
                        let why = why.clone();
                        self.set(step, Mark::Failed, "host key refused");
                        self.say(
                            format!(
                                "{why} — onboarding stops here: run `sshdoctor {}` to see why.",
                                self.destination
                            ),
                            true,
                        );
                    }
                }
                self.host = Some(h);
                Vec::new()
            }
            Outcome::Connected(Err(e)) => {
                self.failed_see_diagnosis(Step::Verify, "no connection", &e);
                Vec::new()
            }
            Outcome::Applied(id, Ok(done)) => {
                self.log.push(done.clone());
                match id.as_str() {
                    "hostkey.trust" => {
                        let how = match &self.compared {
                            Some(FingerprintMatch::Match { how }) => format!("{how} compared"),
                            _ => "not compared".to_string(),
                        };
                        let note = self.host.as_ref().map_or(String::new(), |h| {
                            format!("{} {} recorded ({how})", h.algorithm, h.sha256)
                        });
                        self.set(Step::Verify, Mark::Done, note);
                        self.advance(Step::Verify)
                    }
                    _ => {
                        self.set(Step::Config, Mark::Done, done);
                        self.advance(Step::Config)
                    }
                }
            }
            Outcome::Applied(_, Err(e)) => {
                let s = self.current;
                self.set(s, Mark::Failed, "not written");
                self.say(
                    format!("{e} — nothing was changed; press r to retry."),
                    true,
                );
                Vec::new()
            }
            Outcome::LoggedIn(Ok(kind)) => {
                let note = match kind {
                    LoginKind::Key => "the key already works",
                    LoginKind::Password => "password accepted",
                };
                self.logged_in = Some(kind);
                self.set(Step::Login, Mark::Done, note);
                self.advance(Step::Login)
            }
            Outcome::LoggedIn(Err(LoginError::Denied)) => {
                self.password_tries += 1;
                if self.password_tries >= 3 {
                    self.set(Step::Login, Mark::Failed, "password refused");
                    self.say("Permission denied three times; press r to try again.", true);
                    self.password_tries = 0;
                } else {
                    self.set(Step::Login, Mark::Active, "password needed");
                    self.say("Permission denied, please try again.", true);
                    self.open(Field::Password, "");
                }
                Vec::new()
            }
            Outcome::LoggedIn(Err(LoginError::NoPasswordMethod(methods))) => {
                self.set(Step::Login, Mark::Failed, "no password login");
                let line = self.chosen.as_ref().map_or(String::new(), |k| {
                    crate::fsedit::shell_quote(&k.public_line)
                });
                self.say(format!("The server allows only {methods}, and the key is not installed. Install it another way (the provider's console, an admin): on the server run `mkdir -p ~/.ssh && chmod 700 ~/.ssh && echo {line} >> ~/.ssh/authorized_keys && chmod 600 ~/.ssh/authorized_keys`, then press r."), true);
                Vec::new()
            }
            Outcome::LoggedIn(Err(LoginError::NeedPassword)) => {
                self.set(Step::Login, Mark::Active, "password needed");
                self.open(Field::Password, "");
                Vec::new()
            }
            Outcome::LoggedIn(Err(LoginError::Other(e))) => {
                self.set(Step::Login, Mark::Failed, "no login");
                self.say(format!("{e} — press r to retry."), true);
                Vec::new()
            }
            Outcome::Installed(Ok(note)) => {
                self.log.push(note.clone());
                self.set(Step::Install, Mark::Done, note);
                self.advance(Step::Install)
            }
            Outcome::Installed(Err(e)) => {
                self.set(Step::Install, Mark::Failed, "not installed");
                self.say(format!("{e} — press r to retry."), true);
                Vec::new()
            }
            Outcome::Inspected(Ok(i)) => {
                if i.violations.is_empty() {
                    self.inspected = Some(i);
                    self.set(Step::Permissions, Mark::Done, "as sshd wants them");
                    return self.advance(Step::Permissions);
                }
                let note = format!("{} path(s) sshd's StrictModes refuses", i.violations.len());
                self.inspected = Some(i);
                self.set(Step::Permissions, Mark::Active, note);
                Vec::new()
            }
            Outcome::Inspected(Err(e)) => {
                self.set(Step::Permissions, Mark::Failed, "could not look");
                self.say(format!("{e} — press r to retry, s to skip."), true);
                Vec::new()
            }
            Outcome::Proved(Ok(note)) => {
                self.set(Step::Prove, Mark::Done, note);
                self.advance(Step::Prove)
            }
            Outcome::Proved(Err(e)) => {
                self.failed_see_diagnosis(Step::Prove, "the key does not log in", &e);
                Vec::new()
            }
            Outcome::Planned(Ok(action)) => {
                self.set(Step::Config, Mark::Active, "");
                if action.repair.is_none() {
                    self.set(Step::Config, Mark::Done, action.title.clone());
                    return self.advance(Step::Config);
                }
                self.confirm = Some((crate::repair::prepare(&action, &[]), 0));
                Vec::new()
            }
            Outcome::Planned(Err(e)) => {
                self.set(Step::Config, Mark::Active, "");
                self.say(
                    format!("{e}; try another name, or Esc then s to skip."),
                    true,
                );
                let alias = self.alias.clone();
                self.open(Field::Alias, &alias);
                Vec::new()
            }
        }
    }

    /// The exit code: 0 when every step is done or skipped.
    pub fn exit_code(&self) -> u8 {
        if self.complete() {
            crate::cli::exit::OK
        } else {
            crate::cli::exit::PROBLEMS
        }
    }
}
