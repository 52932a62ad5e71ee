//! The sentences the authentication findings share with `sshdoctor explain`: where a server
//! reads keys, why it refuses a login, what a second factor wants; each as a [`Text`] the
//! front ends show in their language, beside the English the explain judges read.

use super::super::banner::Server;
use crate::i18n::Text;
use crate::text;

/// The fix that offers only `file` to `alias` (shared with `sshdoctor explain`).
pub(crate) fn identities_only_fix_keyed(
    export_note: Text,
    alias: &str,
    user: &str,
    file: &str,
) -> Text {
    text!(
        "engine.auth.report.identities_only_fix",
        export_note = export_note,
        alias = alias,
        user = user,
        file = file,
    )
}

/// Where this server reads authorized keys and logs, as a fix for the account `args` reaches
/// (`[-p PORT …] user@host`; shared with `sshdoctor explain`).
pub(crate) fn install_advice_keyed(server: Server, args: &str) -> Text {
    let copy = text!("engine.auth.report.install_copy", args = args);
    match server {
        Server::OpenSsh => text!("engine.auth.report.install_openssh", copy = copy),
        Server::WindowsOpenSsh => text!("engine.auth.report.install_windows", copy = copy),
        Server::Dropbear => text!("engine.auth.report.install_dropbear", copy = copy),
        Server::Tinyssh => text!("engine.auth.report.install_tinyssh", copy = copy),
        _ => text!(
            "engine.auth.report.install_other",
            server = server.name(),
            copy = copy
        ),
    }
}

/// Why a server refuses a login after its "yes" to the key, most likely first (shared with
/// `sshdoctor explain`).
pub(crate) fn login_refused_reasons_keyed(server: Server, user: &str) -> Text {
    let root = |key| match user == "root" {
        true => key,
        false => Text::from(""),
    };
    match server {
        Server::Dropbear => {
            let root = root(text!("engine.auth.report.refused_dropbear_root"));
            text!("engine.auth.report.refused_dropbear", root = root)
        }
        s if s.has_sshd_config() => {
            let root = root(text!("engine.auth.report.refused_sshd_root"));
            text!("engine.auth.report.refused_sshd", root = root, user = user)
        }
        _ => text!("engine.auth.report.refused_other"),
    }
}

/// The fix of `auth.login_refused` (shared with `sshdoctor explain`).
pub(crate) fn login_refused_fix_keyed(server: Server, user: &str) -> Text {
    if server.has_sshd_config() {
        text!("engine.auth.report.refused_fix_sshd", user = user)
    } else {
        text!(
            "engine.auth.report.refused_fix_other",
            server = server.name()
        )
    }
}

/// The likely causes `auth.no_accepted_key` lists, in order (shared with `sshdoctor explain`);
/// `user_from` says where the user name came from.
pub(crate) fn no_accepted_key_causes_keyed(server: Server, user: &str, user_from: Text) -> Text {
    let server_causes = match server.has_sshd_config() {
        true => text!("engine.auth.report.causes_sshd"),
        false => text!("engine.auth.report.causes_other"),
    };
    text!(
        "engine.auth.report.causes",
        user = user,
        server_causes = server_causes,
        user_from = user_from,
    )
}

/// The English of [`second_factor_keyed`] as first written (a test checks they agree).
#[cfg(test)]
pub(crate) fn second_factor_words(server: Server) -> (&'static str, &'static str) {
    match server {
        Server::Dropbear => ("dropbear started with -t wants a password after the key", "Type the password when ssh asks for it (in the console sshdoctor asks too); or, on the server, start dropbear without -t."),
        s if s.has_sshd_config() => ("sshd_config's AuthenticationMethods wants a second method after the key", "Type the second factor when ssh asks for it (in the console sshdoctor asks too, for a host whose key is known); or, on the server, relax AuthenticationMethods in sshd_config."),
        _ => ("the server wants a second method after the key", "Type the second factor when ssh asks for it."),
    }
}

/// What a server wanting a second method after the key wants, and the fix (shared with
/// `sshdoctor explain`).
pub(crate) fn second_factor_keyed(server: Server) -> (Text, Text) {
    match server {
        Server::Dropbear => (
            text!("engine.auth.report.second_dropbear"),
            text!("engine.auth.report.second_dropbear_fix"),
        ),
        s if s.has_sshd_config() => (
            text!("engine.auth.report.second_sshd"),
            text!("engine.auth.report.second_sshd_fix"),
        ),
        _ => (
            text!("engine.auth.report.second_other"),
            text!("engine.auth.report.second_other_fix"),
        ),
    }
}

/// The fix of `auth.method_not_allowed` when the server takes no public keys (shared with
/// `sshdoctor explain`).
pub(crate) fn pubkey_disabled_fix_keyed(server: Server) -> Text {
    match server {
        s if s.has_sshd_config() => text!("engine.auth.report.pubkey_disabled_sshd"),
        s => text!(
            "engine.auth.report.pubkey_disabled_other",
            server = s.name()
        ),
    }
}
