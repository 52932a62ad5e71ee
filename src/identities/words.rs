//! Why a configured file is not a key ssh can use, as a sentence the front ends show in their
//! language ([`super::ProblemKind::Invalid`] holds it in English, with the library's own error).

use crate::i18n::Text;
use crate::text;

/// The reasons this module's callers write, before the library's error (`PREFIX: error`).
const INVALID_OPENSSH: &str = "invalid OpenSSH private key: ";
const UNREADABLE_PRIVATE: &str = "not a private key ssh can read: ";

/// `reason` ([`super::ProblemKind::Invalid`]'s words) as a [`Text`]: its English is `reason`
/// itself; the library's error after a known prefix stays as it is.
pub fn invalid_text(reason: &str) -> Text {
    match reason {
        "this is a public key file, not a private key" => text!("identities.public_not_private"),
        "a host certificate, not a user certificate" => text!("identities.host_certificate"),
        "not a certificate" => text!("identities.not_certificate"),
        _ => {
            if let Some(e) = reason.strip_prefix(INVALID_OPENSSH) {
                text!("identities.invalid_openssh", why = e)
            } else if let Some(e) = reason.strip_prefix(UNREADABLE_PRIVATE) {
                text!("identities.unreadable_private", why = e)
            } else {
                Text::from(reason)
            }
        }
    }
}

/// `invalid OpenSSH private key: {e}`.
pub(super) fn invalid_openssh(e: impl std::fmt::Display) -> String {
    format!("{INVALID_OPENSSH}{e}")
}

/// `not a private key ssh can read: {e}`.
pub(super) fn unreadable_private(e: impl std::fmt::Display) -> String {
    format!("{UNREADABLE_PRIVATE}{e}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn each_reason_keeps_its_english_and_is_translated_with_the_error_kept() {
        for reason in [
            "this is a public key file, not a private key".to_string(),
            "a host certificate, not a user certificate".to_string(),
            "not a certificate".to_string(),
            invalid_openssh("unexpected end of data"),
            unreadable_private("unsupported key type"),
        ] {
            let t = invalid_text(&reason);
            assert_eq!(t.english(), reason);
            assert!(!t.keys().is_empty(), "{reason}");
            let ja = t.render(Lang::Ja);
            assert_ne!(ja, reason);
            if let Some((_, e)) = reason.split_once(": ") {
                assert!(ja.contains(e) && t.render(Lang::ZhCn).contains(e), "{ja}");
            }
        }
        assert_eq!(invalid_text("something else").keys(), Vec::<&str>::new());
    }
}
