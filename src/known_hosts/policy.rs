//! What ssh does with a known_hosts verdict under StrictHostKeyChecking and BatchMode.
//!
//! Facts from openssh-portable V_9_2_P1 `sshconnect.c:check_host_key` and `confirm()`:
//! * a new key: refused when ssh cannot record it (no UserKnownHostsFile, or a host name with
//!   one of `@?*#[]|'"\`); else refused under `yes` ("No ... host key is known for ... and you
//!   have requested strict checking"); asked under `ask` (and refused when BatchMode is on, as
//!   `confirm()` answers no at once); recorded and accepted under `accept-new` and `no`;
//! * a changed key (also when only keys of another type are recorded) and a key marked
//!   `@revoked`: refused unless StrictHostKeyChecking is `no`, which goes on without trusting
//!   the key: password and keyboard-interactive authentication, agent, X11 and port forwarding
//!   are disabled;
//! * CheckHostIP, when the name's key is not changed but the address's is: asked under `ask`
//!   (refused with BatchMode), refused under `yes` and `accept-new`, logged under `no`.

use super::lookup::Verdict;

/// StrictHostKeyChecking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strict {
    /// `yes`: never add keys, refuse changed ones.
    Yes,
    /// `ask` (the default): ask about new keys, refuse changed ones.
    Ask,
    /// `accept-new`: add new keys, refuse changed ones.
    AcceptNew,
    /// `no` / `off`: add new keys, go on (crippled) with changed ones.
    No,
}

impl Strict {
    /// From a config value (`yes`/`true`, `ask`, `accept-new`, `no`/`off`/`false`).
    pub fn from_config(value: &str) -> Strict {
        match value.to_ascii_lowercase().as_str() {
            "yes" | "true" => Strict::Yes,
            "accept-new" => Strict::AcceptNew,
            "no" | "off" | "false" => Strict::No,
            _ => Strict::Ask,
        }
    }

    /// The config word.
    pub fn word(self) -> &'static str {
        match self {
            Strict::Yes => "yes",
            Strict::Ask => "ask",
            Strict::AcceptNew => "accept-new",
            Strict::No => "no",
        }
    }
}

/// The settings ssh's decision on a host key depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// StrictHostKeyChecking.
    pub strict: Strict,
    /// BatchMode: ssh never asks.
    pub batch: bool,
    /// ssh can record a new key: a UserKnownHostsFile is configured and the host name has
    /// none of the characters ssh refuses to write.
    pub can_record: bool,
}

/// What ssh does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The key is trusted; ssh goes on.
    Connect,
    /// ssh shows the fingerprint and asks "Are you sure you want to continue connecting".
    Prompt,
    /// ssh records the key in the first UserKnownHostsFile and goes on.
    Record,
    /// ssh goes on without trusting the key: public-key authentication only, no forwarding.
    Unsafe,
    /// ssh refuses: "Host key verification failed."
    Refuse,
}

impl Outcome {
    /// A word for facts and tests: `connect`, `prompt`, `record`, `unsafe`, `refuse`.
    pub fn word(self) -> &'static str {
        match self {
            Outcome::Connect => "connect",
            Outcome::Prompt => "prompt",
            Outcome::Record => "record",
            Outcome::Unsafe => "unsafe",
            Outcome::Refuse => "refuse",
        }
    }

    /// What ssh does, as a verb phrase: "ssh would {phrase}".
    pub fn phrase(self) -> &'static str {
        match self {
            Outcome::Connect => "go on",
            Outcome::Prompt => "ask",
            Outcome::Record => "record the key and go on",
            Outcome::Unsafe => "go on without trusting the key",
            Outcome::Refuse => "refuse",
        }
    }

    /// Whether ssh goes on to authentication without asking anyone.
    pub fn proceeds(self) -> bool {
        matches!(self, Outcome::Connect | Outcome::Record | Outcome::Unsafe)
    }
}

/// Why ssh reacts as it does: sshdoctor's words for it, with the catalog key of their
/// translation, or OpenSSH's own message (no key: shown as it is, quoted in the other
/// languages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Why {
    /// The words, in English.
    pub words: &'static str,
    /// The catalog key of sshdoctor's words; None for OpenSSH's message.
    pub key: Option<&'static str>,
}

/// The reasons ssh's host-key policy gives (`on_verdict`, `on_ip_changed`) and the judge's
/// RevokedHostKeys refusal.
impl Why {
    /// The key is recorded for the name.
    pub const KNOWN: Why = Why {
        words: "the key is known",
        key: Some("engine.hostkey.why_known"),
    };
    /// A changed or revoked key under StrictHostKeyChecking no.
    pub const UNSAFE: Why = Why {
        words: "StrictHostKeyChecking no: ssh goes on without trusting the key, public-key authentication only",
        key: Some("engine.hostkey.why_unsafe"),
    };
    /// A changed key, refused (OpenSSH's message).
    pub const CHANGED: Why = Why {
        words: "Host key has changed and you have requested strict checking.",
        key: None,
    };
    /// A revoked key, refused (OpenSSH's message).
    pub const REVOKED: Why = Why {
        words: "host key was revoked and you have requested strict checking.",
        key: None,
    };
    /// A new key ssh has nowhere to record.
    pub const CANNOT_RECORD: Why = Why {
        words: "ssh cannot record a new key here (no UserKnownHostsFile, or a host name it will not write), so it refuses",
        key: Some("engine.hostkey.why_cannot_record"),
    };
    /// A new key under StrictHostKeyChecking yes (OpenSSH's message).
    pub const STRICT: Why = Why {
        words: "No host key is known and you have requested strict checking.",
        key: None,
    };
    /// A new key ssh may not ask about (BatchMode).
    pub const BATCH: Why = Why {
        words: "BatchMode: ssh cannot ask whether to trust the key, so it refuses",
        key: Some("engine.hostkey.why_batch"),
    };
    /// A new key ssh asks about.
    pub const ASKS: Why = Why {
        words: "ssh asks whether to trust the key (StrictHostKeyChecking ask)",
        key: Some("engine.hostkey.why_asks"),
    };
    /// A new key ssh records (accept-new, no).
    pub const RECORDS: Why = Why {
        words: "ssh records the key in the first UserKnownHostsFile and goes on",
        key: Some("engine.hostkey.why_records"),
    };
    /// CheckHostIP: the address's key differs, ssh asks.
    pub const IP_ASKS: Why = Why {
        words: "the address's key differs: ssh asks whether to continue",
        key: Some("engine.hostkey.why_ip_asks"),
    };
    /// CheckHostIP: the address's key differs, BatchMode refuses.
    pub const IP_BATCH: Why = Why {
        words: "the address's key differs and BatchMode stops ssh from asking",
        key: Some("engine.hostkey.why_ip_batch"),
    };
    /// CheckHostIP: the address's key differs, ssh only warns.
    pub const IP_WARNS: Why = Why {
        words: "the address's key differs; ssh only warns (StrictHostKeyChecking no)",
        key: Some("engine.hostkey.why_ip_warns"),
    };
    /// CheckHostIP: the address's key differs, strict checking exits.
    pub const IP_EXITS: Why = Why {
        words: "the address's key differs: \"Exiting, you have requested strict checking.\"",
        key: Some("engine.hostkey.why_ip_exits"),
    };
    /// The key is listed in RevokedHostKeys.
    pub const REVOKED_FILE: Why = Why {
        words: "the key is refused by RevokedHostKeys",
        key: Some("engine.hostkey.why_revoked_file"),
    };
    /// The words as the front ends show them: sshdoctor's in the language, OpenSSH's as
    /// they are (quoted in the other languages).
    pub fn said(self) -> crate::i18n::Text {
        match self.key {
            Some(key) => crate::i18n::Text::Key(key, Vec::new()),
            None => crate::text!("engine.hostkey.ssh_words", words = self.words),
        }
    }

    /// Every reason, for finding one by its words.
    pub const ALL: [Why; 14] = [
        Why::KNOWN,
        Why::UNSAFE,
        Why::CHANGED,
        Why::REVOKED,
        Why::CANNOT_RECORD,
        Why::STRICT,
        Why::BATCH,
        Why::ASKS,
        Why::RECORDS,
        Why::IP_ASKS,
        Why::IP_BATCH,
        Why::IP_WARNS,
        Why::IP_EXITS,
        Why::REVOKED_FILE,
    ];
}

/// The characters that make ssh refuse to record a host name (`check_host_key`).
pub fn recordable_host(hostname: &str) -> bool {
    !hostname.contains(['@', '?', '*', '#', '[', ']', '|', '\'', '"', '\\'])
}

impl Policy {
    /// ssh's reaction to the verdict on the name, with its own words for why.
    pub fn on_verdict(&self, verdict: &Verdict) -> (Outcome, Why) {
        match verdict {
            Verdict::Known { .. } => (Outcome::Connect, Why::KNOWN),
            Verdict::Unknown => self.on_new(),
            Verdict::Changed { .. } | Verdict::Revoked { .. } if self.strict == Strict::No => {
                (Outcome::Unsafe, Why::UNSAFE)
            }
            Verdict::Changed { .. } => (Outcome::Refuse, Why::CHANGED),
            Verdict::Revoked { .. } => (Outcome::Refuse, Why::REVOKED),
        }
    }

    fn on_new(&self) -> (Outcome, Why) {
        if !self.can_record {
            return (Outcome::Refuse, Why::CANNOT_RECORD);
        }
        match (self.strict, self.batch) {
            (Strict::Yes, _) => (Outcome::Refuse, Why::STRICT),
            (Strict::Ask, true) => (Outcome::Refuse, Why::BATCH),
            (Strict::Ask, false) => (Outcome::Prompt, Why::ASKS),
            (Strict::AcceptNew | Strict::No, _) => (Outcome::Record, Why::RECORDS),
        }
    }

    /// ssh's reaction when CheckHostIP finds another key recorded for the address.
    pub fn on_ip_changed(&self) -> (Outcome, Why) {
        match (self.strict, self.batch) {
            (Strict::Ask, false) => (Outcome::Prompt, Why::IP_ASKS),
            (Strict::Ask, true) => (Outcome::Refuse, Why::IP_BATCH),
            (Strict::No, _) => (Outcome::Connect, Why::IP_WARNS),
            _ => (Outcome::Refuse, Why::IP_EXITS),
        }
    }
}

/// Combine the name's outcome with the address's (CheckHostIP): the more cautious wins.
pub fn combine(name: Outcome, ip: Option<Outcome>) -> Outcome {
    match (name, ip) {
        (Outcome::Refuse, _) | (_, Some(Outcome::Refuse)) => Outcome::Refuse,
        (_, Some(Outcome::Prompt)) => Outcome::Prompt,
        (n, _) => n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::known_hosts::{EntryRef, KnownVia};

    fn entry() -> EntryRef {
        EntryRef {
            file: "kh".into(),
            line: 1,
        }
    }
    fn known() -> Verdict {
        Verdict::Known {
            entry: entry(),
            via: KnownVia::HostKey,
        }
    }
    fn changed(other_types_only: bool) -> Verdict {
        Verdict::Changed {
            offending: vec![entry()],
            reported: entry(),
            other_types_only,
        }
    }
    fn policy(strict: Strict, batch: bool) -> Policy {
        Policy {
            strict,
            batch,
            can_record: true,
        }
    }
    const ALL: [Strict; 4] = [Strict::Yes, Strict::Ask, Strict::AcceptNew, Strict::No];

    #[test]
    fn unknown_key_matrix() {
        use Outcome::*;
        let expect = [
            (Strict::Yes, false, Refuse),
            (Strict::Yes, true, Refuse),
            (Strict::Ask, false, Prompt),
            (Strict::Ask, true, Refuse),
            (Strict::AcceptNew, false, Record),
            (Strict::AcceptNew, true, Record),
            (Strict::No, false, Record),
            (Strict::No, true, Record),
        ];
        for (strict, batch, outcome) in expect {
            assert_eq!(
                policy(strict, batch).on_verdict(&Verdict::Unknown).0,
                outcome,
                "{strict:?} batch={batch}"
            );
        }
        for strict in ALL {
            let p = Policy {
                can_record: false,
                ..policy(strict, false)
            };
            assert_eq!(p.on_verdict(&Verdict::Unknown).0, Refuse, "{strict:?}");
        }
    }

    #[test]
    fn changed_other_type_and_revoked_go_on_only_under_no() {
        for strict in ALL {
            for batch in [false, true] {
                let p = policy(strict, batch);
                let want = if strict == Strict::No {
                    Outcome::Unsafe
                } else {
                    Outcome::Refuse
                };
                assert_eq!(p.on_verdict(&changed(false)).0, want);
                assert_eq!(p.on_verdict(&changed(true)).0, want);
                let revoked = Verdict::Revoked {
                    entries: vec![entry()],
                };
                assert_eq!(p.on_verdict(&revoked).0, want);
                assert_eq!(p.on_verdict(&known()).0, Outcome::Connect);
            }
        }
    }

    #[test]
    fn ip_mismatch_follows_the_policy() {
        assert_eq!(
            policy(Strict::Ask, false).on_ip_changed().0,
            Outcome::Prompt
        );
        assert_eq!(policy(Strict::Ask, true).on_ip_changed().0, Outcome::Refuse);
        assert_eq!(
            policy(Strict::Yes, false).on_ip_changed().0,
            Outcome::Refuse
        );
        assert_eq!(
            policy(Strict::AcceptNew, false).on_ip_changed().0,
            Outcome::Refuse
        );
        assert_eq!(policy(Strict::No, true).on_ip_changed().0, Outcome::Connect);
        assert_eq!(
            combine(Outcome::Connect, Some(Outcome::Prompt)),
            Outcome::Prompt
        );
        assert_eq!(
            combine(Outcome::Record, Some(Outcome::Refuse)),
            Outcome::Refuse
        );
        assert_eq!(
            combine(Outcome::Refuse, Some(Outcome::Connect)),
            Outcome::Refuse
        );
        assert_eq!(combine(Outcome::Unsafe, None), Outcome::Unsafe);
    }

    #[test]
    fn config_words() {
        assert_eq!(Strict::from_config("off"), Strict::No);
        assert_eq!(Strict::from_config("accept-new"), Strict::AcceptNew);
        assert_eq!(Strict::from_config("True"), Strict::Yes);
        assert_eq!(Strict::from_config("ask"), Strict::Ask);
        assert!(recordable_host("host.example"));
        assert!(!recordable_host("h*st"));
        assert!(!recordable_host("[h]"));
    }

    #[test]
    fn each_reason_reads_in_english_as_its_words() {
        // sshdoctor's words translate by key: the English catalog must say exactly the words
        // the policy gives (what the log, the detail and the skipped stages show in English).
        for why in Why::ALL {
            assert_eq!(why.said().english(), why.words, "{why:?}");
        }
    }
}
