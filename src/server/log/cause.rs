//! The causes a log line can name, each mapped to a `server.*` finding id, in the order an
//! attempt keeps the most telling one.

/// What a log line says about a login attempt, or about sshd itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cause {
    /// sshd found no usable directory for privilege separation and exits.
    PrivsepMissing,
    /// A host key file could not be loaded.
    HostkeyUnloadable,
    /// sshd_config has an error.
    ConfigInvalid,
    /// sshd could not bind any address.
    NotListening,
    /// AllowUsers, DenyUsers, AllowGroups or DenyGroups refused the user.
    UserNotAllowed,
    /// The account or its password expired (sshd then also calls it locked).
    AccountExpired,
    /// The account is locked.
    AccountLocked,
    /// The account's shell does not exist or cannot be run.
    ShellInvalid,
    /// PermitRootLogin refused root.
    RootLoginRefused,
    /// PAM's account stack (or a PAM module) refused the login.
    PamRefused,
    /// StrictModes: a path on the way to authorized_keys has bad ownership or modes.
    StrictModes,
    /// No algorithm in common with the client.
    KexMismatch,
    /// MaxStartups (or PerSourcePenalties) dropped the connection.
    MaxStartups,
    /// MaxAuthTries was reached.
    TooManyFailures,
    /// No such account (or one sshd treats as such).
    InvalidUser,
    /// A password or key was refused.
    AuthFailed,
    /// The client sent no valid SSH identification (a scanner, a health check, not SSH).
    BannerExchange,
    /// The connection ended before authentication completed.
    PreauthClosed,
    /// The login worked.
    AuthAccepted,
}

impl Cause {
    /// The stable id (`server.user_not_allowed`, ...): a finding id, except
    /// `server.auth_accepted`, which is not a problem.
    pub fn id(self) -> &'static str {
        match self {
            Cause::PrivsepMissing => "server.privsep_missing",
            Cause::HostkeyUnloadable => "server.hostkey_unloadable",
            Cause::ConfigInvalid => "server.config_invalid",
            Cause::NotListening => "server.not_listening",
            Cause::UserNotAllowed => "server.user_not_allowed",
            Cause::AccountLocked => "server.account_locked",
            Cause::ShellInvalid => "server.shell_invalid",
            Cause::AccountExpired => "server.account_expired",
            Cause::RootLoginRefused => "server.root_login_refused",
            Cause::PamRefused => "server.pam_refused",
            Cause::StrictModes => "server.strict_modes",
            Cause::KexMismatch => "server.kex_mismatch",
            Cause::MaxStartups => "server.max_startups",
            Cause::TooManyFailures => "server.too_many_failures",
            Cause::InvalidUser => "server.invalid_user",
            Cause::AuthFailed => "server.auth_failed",
            Cause::BannerExchange => "server.banner_exchange",
            Cause::PreauthClosed => "server.preauth_closed",
            Cause::AuthAccepted => "server.auth_accepted",
        }
    }

    /// The finding this cause is reported as, if it is a problem.
    pub fn finding(self) -> Option<&'static str> {
        (self != Cause::AuthAccepted).then(|| self.id())
    }

    /// Whether this is about sshd itself rather than one connection.
    pub fn is_daemon(self) -> bool {
        matches!(
            self,
            Cause::PrivsepMissing
                | Cause::HostkeyUnloadable
                | Cause::ConfigInvalid
                | Cause::NotListening
        )
    }

    /// In words, for the line explaining an attempt.
    pub fn words(self) -> &'static str {
        match self {
            Cause::PrivsepMissing => "sshd has no privilege separation directory",
            Cause::HostkeyUnloadable => "sshd could not load a host key",
            Cause::ConfigInvalid => "sshd_config has an error",
            Cause::NotListening => "sshd could not listen",
            Cause::UserNotAllowed => "refused by AllowUsers/DenyUsers/AllowGroups/DenyGroups",
            Cause::AccountLocked => "the account is locked",
            Cause::ShellInvalid => "the account's shell is not valid",
            Cause::AccountExpired => "the account has expired",
            Cause::RootLoginRefused => "root login refused (PermitRootLogin)",
            Cause::PamRefused => "refused by PAM",
            Cause::StrictModes => "StrictModes: bad ownership or modes",
            Cause::KexMismatch => "no algorithm in common with the client",
            Cause::MaxStartups => "dropped: too many unauthenticated connections (MaxStartups)",
            Cause::TooManyFailures => "too many authentication failures (MaxAuthTries)",
            Cause::InvalidUser => "no such user",
            Cause::AuthFailed => "key or password refused",
            Cause::BannerExchange => "not an SSH client (no valid identification)",
            Cause::PreauthClosed => "closed before authenticating",
            Cause::AuthAccepted => "logged in",
        }
    }

    /// [`Cause::words`] in no language yet.
    pub fn words_text(self) -> crate::i18n::Text {
        match self {
            Cause::PrivsepMissing => crate::text!("server.cause.privsep_missing"),
            Cause::HostkeyUnloadable => crate::text!("server.cause.hostkey_unloadable"),
            Cause::ConfigInvalid => crate::text!("server.cause.config_invalid"),
            Cause::NotListening => crate::text!("server.cause.not_listening"),
            Cause::UserNotAllowed => crate::text!("server.cause.user_not_allowed"),
            Cause::AccountLocked => crate::text!("server.cause.account_locked"),
            Cause::ShellInvalid => crate::text!("server.cause.shell_invalid"),
            Cause::AccountExpired => crate::text!("server.cause.account_expired"),
            Cause::RootLoginRefused => crate::text!("server.cause.root_login_refused"),
            Cause::PamRefused => crate::text!("server.cause.pam_refused"),
            Cause::StrictModes => crate::text!("server.cause.strict_modes"),
            Cause::KexMismatch => crate::text!("server.cause.kex_mismatch"),
            Cause::MaxStartups => crate::text!("server.cause.max_startups"),
            Cause::TooManyFailures => crate::text!("server.cause.too_many_failures"),
            Cause::InvalidUser => crate::text!("server.cause.invalid_user"),
            Cause::AuthFailed => crate::text!("server.cause.auth_failed"),
            Cause::BannerExchange => crate::text!("server.cause.banner_exchange"),
            Cause::PreauthClosed => crate::text!("server.cause.preauth_closed"),
            Cause::AuthAccepted => crate::text!("server.cause.auth_accepted"),
        }
    }
}
