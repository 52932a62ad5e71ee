//! What the probe itself can speak: where ssh's choice is an algorithm russh lacks, a shared
//! substitute or `probe.unsupported_algorithm`; and which legacy algorithm a fix should name.

use super::super::{ClientAlgorithms, Cx, Target};
use super::{is_aead, probe_list};
use crate::algorithms::{self, AlgKind, KexInit};
use crate::event::{Level, Stage};
use crate::findings::keyed;

/// A category where ssh and the server agree only on algorithms the probe cannot speak.
pub(super) struct Gap {
    /// "key exchange method", "host key type", "cipher", "MAC".
    pub what: &'static str,
    /// What ssh would negotiate.
    pub ssh_choice: String,
}

/// The first category (in negotiation order) where the probe shares nothing with the server
/// although ssh does; None when the probe can complete the exchange (with ssh's algorithm or
/// another one both support).
pub(super) fn probe_gap(ours: &ClientAlgorithms, server: &KexInit) -> Option<Gap> {
    let can = |kind: AlgKind, list: &[String]| {
        algorithms::negotiate(&algorithms::russh_supported(kind), list).is_some()
    };
    let server_kex = algorithms::without_markers(&server.kex);
    let checks: [(&'static str, AlgKind, &[String], &[String]); 3] = [
        ("key exchange method", AlgKind::Kex, &ours.kex, &server_kex),
        (
            "host key type",
            AlgKind::HostKey,
            &ours.host_key,
            &server.host_key,
        ),
        ("cipher", AlgKind::Cipher, &ours.cipher, &server.ciphers_s2c),
    ];
    for (what, kind, ssh, theirs) in checks {
        if !can(kind, theirs) {
            let ssh_choice = algorithms::negotiate(ssh, theirs)?;
            return Some(Gap { what, ssh_choice });
        }
    }
    for (ciphers, macs) in [
        (&server.ciphers_c2s, &server.macs_c2s),
        (&server.ciphers_s2c, &server.macs_s2c),
    ] {
        let probe_cipher =
            algorithms::negotiate(&algorithms::russh_supported(AlgKind::Cipher), ciphers)?;
        if !can(AlgKind::Cipher, ciphers) {
            let ssh_choice = algorithms::negotiate(&ours.cipher, ciphers)?;
            return Some(Gap {
                what: "cipher",
                ssh_choice,
            });
        }
        if !is_aead(&probe_cipher) && !can(AlgKind::Mac, macs) {
            let ssh_choice = algorithms::negotiate(&ours.mac, macs)?;
            return Some(Gap {
                what: "MAC",
                ssh_choice,
            });
        }
    }
    None
}

/// `probe.unsupported_algorithm`: what ssh would negotiate, and what was and was not checked.
pub(super) async fn unsupported(cx: &Cx, t: &Target, gap: &Gap) {
    let what = super::kind_text(gap.what);
    let text = crate::text!(
        "engine.kex.unsupported_detail",
        host = &t.hostname,
        port = t.port,
        what = what.clone(),
        alg = &gap.ssh_choice,
    );
    cx.say(Stage::Kex, Level::Info, text.clone()).await;
    let fix = crate::text!(
        "engine.kex.unsupported_fix",
        args = &t.ssh_args,
        what = what
    );
    cx.finding(
        keyed("probe.unsupported_algorithm", Stage::Kex, text)
            .evidence(format!(
                "ssh would negotiate {}: {}",
                gap.what, gap.ssh_choice
            ))
            .fix_text(fix),
    )
    .await;
}

/// Where ssh's choice is one the probe cannot speak but another shared one is, the probe uses
/// that one: say so.
pub(super) async fn log_probe_substitutes(cx: &Cx, ours: &ClientAlgorithms, server: &KexInit) {
    let server_kex = algorithms::without_markers(&server.kex);
    for (kind, ssh, theirs) in [
        (AlgKind::Kex, &ours.kex, &server_kex),
        (AlgKind::HostKey, &ours.host_key, &server.host_key),
        (AlgKind::Cipher, &ours.cipher, &server.ciphers_s2c),
        (AlgKind::Mac, &ours.mac, &server.macs_s2c),
    ] {
        let Some(choice) = algorithms::negotiate(ssh, theirs) else {
            continue;
        };
        let aead =
            algorithms::negotiate(&ours.cipher, &server.ciphers_s2c).is_some_and(|c| is_aead(&c));
        if (kind == AlgKind::Mac && aead) || algorithms::russh_supported(kind).contains(&choice) {
            continue;
        }
        if let Some(used) = algorithms::negotiate(&probe_list(ssh, kind), theirs) {
            let said = crate::text!("engine.kex.probe_substitute", choice = choice, used = used);
            cx.say(Stage::Kex, Level::Debug1, said).await;
        }
    }
}

/// Legacy algorithms a user may re-enable, strongest first: a fix suggests the strongest one
/// the server offers (group14-sha1 before group1-sha1). Unlisted ones come after, in the
/// server's order.
pub(super) fn legacy_rank(kind: AlgKind, alg: &str) -> usize {
    let ranked: &[&str] = match kind {
        AlgKind::Kex => &[
            "diffie-hellman-group16-sha512",
            "diffie-hellman-group18-sha512",
            "diffie-hellman-group14-sha256",
            "diffie-hellman-group-exchange-sha256",
            "ecdh-sha2-nistp521",
            "ecdh-sha2-nistp384",
            "ecdh-sha2-nistp256",
            "diffie-hellman-group14-sha1",
            "diffie-hellman-group-exchange-sha1",
            "diffie-hellman-group1-sha1",
        ],
        AlgKind::HostKey => &["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa", "ssh-dss"],
        AlgKind::Cipher => &[
            "aes256-ctr",
            "aes192-ctr",
            "aes128-ctr",
            "aes256-cbc",
            "aes192-cbc",
            "aes128-cbc",
            "3des-cbc",
        ],
        _ => &[
            "hmac-sha2-512",
            "hmac-sha2-256",
            "hmac-sha1",
            "hmac-sha1-96",
            "hmac-md5",
            "hmac-md5-96",
        ],
    };
    ranked
        .iter()
        .position(|r| *r == alg)
        .unwrap_or(ranked.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_strongest_legacy_algorithm_ranks_first() {
        let offered = ["diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1"];
        let best = offered
            .iter()
            .enumerate()
            .min_by_key(|(i, a)| (legacy_rank(AlgKind::Kex, a), *i))
            .map(|(_, a)| *a);
        assert_eq!(best, Some("diffie-hellman-group14-sha1"));
        assert!(
            legacy_rank(AlgKind::Cipher, "aes128-cbc") < legacy_rank(AlgKind::Cipher, "3des-cbc")
        );
        assert!(legacy_rank(AlgKind::Mac, "hmac-sha1") < legacy_rank(AlgKind::Mac, "hmac-md5"));
    }
}
