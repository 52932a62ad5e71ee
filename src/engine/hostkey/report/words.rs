//! The host-key decision's reasons as texts the front ends translate: sshdoctor's own words
//! become keyed texts, OpenSSH's quoted messages stay as they are.

use crate::i18n::Text;
use crate::known_hosts::policy::Outcome;

/// Why ssh decides as it does (`Judgement::why`, from `Policy::on_verdict` and the judge), as
/// a text; a reason in OpenSSH's own words (or one not listed) is shown as it is.
pub(crate) fn why_text(why: &str) -> Text {
    match why {
        "the key is known" => crate::text!("engine.hostkey.why_known"),
        "StrictHostKeyChecking no: ssh goes on without trusting the key, public-key authentication only" => {
            crate::text!("engine.hostkey.why_unsafe")
        }
        "ssh cannot record a new key here (no UserKnownHostsFile, or a host name it will not write), so it refuses" => {
            crate::text!("engine.hostkey.why_cannot_record")
        }
        "BatchMode: ssh cannot ask whether to trust the key, so it refuses" => {
            crate::text!("engine.hostkey.why_batch")
        }
        "ssh asks whether to trust the key (StrictHostKeyChecking ask)" => {
            crate::text!("engine.hostkey.why_asks")
        }
        "ssh records the key in the first UserKnownHostsFile and goes on" => {
            crate::text!("engine.hostkey.why_records")
        }
        "the address's key differs: ssh asks whether to continue" => {
            crate::text!("engine.hostkey.why_ip_asks")
        }
        "the address's key differs and BatchMode stops ssh from asking" => {
            crate::text!("engine.hostkey.why_ip_batch")
        }
        "the address's key differs; ssh only warns (StrictHostKeyChecking no)" => {
            crate::text!("engine.hostkey.why_ip_warns")
        }
        "the address's key differs: \"Exiting, you have requested strict checking.\"" => {
            crate::text!("engine.hostkey.why_ip_exits")
        }
        "the key is refused by RevokedHostKeys" => crate::text!("engine.hostkey.why_revoked_file"),
        other => crate::text!("engine.hostkey.ssh_words", words = other),
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
