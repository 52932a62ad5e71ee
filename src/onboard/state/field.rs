//! The flow's text boxes: what each is for, and what is typed in it (a secret never in a
//! growable string).

use crate::secret_input::SecretInput;
use tui_input::{Input, InputRequest};
use zeroize::Zeroizing;

/// What is typed in the open box: a password or passphrase goes into a [`SecretInput`] (one
/// fixed buffer, wiped), anything else into a tui-input `Input`.
#[derive(Debug)]
pub enum FieldInput {
    /// Shown as typed (a fingerprint, a name).
    Plain(Input),
    /// Masked, in one wiped buffer.
    Secret(SecretInput),
}

impl FieldInput {
    /// Apply an edit (a key mapped by [`crate::term::input::edit_request`]).
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

    /// Insert pasted text as one line.
    pub fn paste(&mut self, text: &str) {
        match self {
            FieldInput::Plain(input) => crate::term::input::paste_into(input, text),
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

/// What a text box is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// A new key's passphrase.
    Passphrase,
    /// The same, again.
    PassphraseAgain,
    /// The fingerprint got another way, to compare.
    Fingerprint,
    /// The account's password.
    Password,
    /// The passphrase of an existing encrypted key, to prove the login.
    KeyPassphrase,
    /// The name of the Host block.
    Alias,
}

impl Field {
    /// Whether what is typed is a secret (drawn as a mask, in a dialog).
    pub fn masked(self) -> bool {
        !matches!(self, Field::Fingerprint | Field::Alias)
    }

    /// What the box asks for.
    pub fn label(self) -> &'static str {
        match self {
            Field::Passphrase => crate::i18n::t("onboard.field.passphrase"),
            Field::PassphraseAgain => crate::i18n::t("onboard.field.passphrase_again"),
            Field::Fingerprint => crate::i18n::t("onboard.field.fingerprint"),
            Field::Password => crate::i18n::t("onboard.field.password"),
            Field::KeyPassphrase => crate::i18n::t("onboard.field.key_passphrase"),
            Field::Alias => crate::i18n::t("onboard.field.alias"),
        }
    }
}
