//! The host-key decision's reasons as texts the front ends translate: sshdoctor's own words
//! become keyed texts, OpenSSH's quoted messages stay as they are.

use crate::i18n::Text;
use crate::known_hosts::policy::{Outcome, Why};

/// Why ssh decides as it does (`Judgement::why`, the words of a [`Why`]), as a text: sshdoctor's
/// words in the language; OpenSSH's own message (or words no `Why` has) as they are, quoted in
/// the other languages.
pub(crate) fn why_text(why: &str) -> Text {
    match Why::ALL.iter().find(|w| w.words == why) {
        Some(w) => w.said(),
        None => crate::text!("engine.hostkey.ssh_words", words = why),
    }
}

/// What ssh does, as the verb phrase of "ssh would {phrase}".
pub(crate) fn phrase_text(outcome: Outcome) -> Text {
    match outcome {
        Outcome::Connect => crate::text!("engine.hostkey.phrase_connect"),
        Outcome::Prompt => crate::text!("engine.hostkey.phrase_prompt"),
        Outcome::Record => crate::text!("engine.hostkey.phrase_record"),
        Outcome::Unsafe => crate::text!("engine.hostkey.phrase_unsafe"),
        Outcome::Refuse => crate::text!("engine.hostkey.phrase_refuse"),
    }
}

/// Why ssh does not check the address (CheckHostIP), as a text.
pub(crate) fn ip_skipped_text(why: &str) -> Text {
    match why {
        "no peer address" => crate::text!("engine.hostkey.ip_skip_no_peer"),
        "the address is a loopback address" => crate::text!("engine.hostkey.ip_skip_loopback"),
        "the host name is the address" => crate::text!("engine.hostkey.ip_skip_literal"),
        "a ProxyCommand is configured" => crate::text!("engine.hostkey.ip_skip_proxy"),
        "the host key is a certificate" => crate::text!("engine.hostkey.ip_skip_cert"),
        other => Text::from(other),
    }
}
