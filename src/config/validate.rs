//! Algorithm-list lines judged against the installed client's algorithms, as readconf.c
//! validates every KexAlgorithms/Ciphers/MACs/HostKeyAlgorithms/... line it reads.

use crate::algorithms::{AlgKind, OpenSshVersion};

use super::reader::Source;
use super::{AlgorithmLine, Diagnostic, Reaction};

/// The algorithm kind whose names a keyword's values must use (readconf.c: `kex_names_valid`,
/// `ciphers_valid`, `mac_valid`, `sshkey_names_valid2` for the key-type lists).
fn kind_of(keyword: &str) -> AlgKind {
    match keyword {
        "kexalgorithms" => AlgKind::Kex,
        "ciphers" => AlgKind::Cipher,
        "macs" => AlgKind::Mac,
        "hostkeyalgorithms" => AlgKind::HostKey,
        _ => AlgKind::PubkeyAccepted,
    }
}

/// A bad-option diagnostic for every line ssh `version` refuses.
pub(crate) fn algorithm_lines(
    lines: &[AlgorithmLine],
    version: Option<OpenSshVersion>,
) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::new();
    for line in lines {
        let kind = kind_of(&line.keyword);
        let Err(message) = crate::algorithms::effective(version, kind, Some(&line.value.value))
        else {
            continue;
        };
        let src = Source::at(&line.value.origin);
        let d = Diagnostic {
            path: src
                .path
                .unwrap_or_else(|| super::reader::COMMAND_LINE.into()),
            line: src.line,
            message,
            reaction: Reaction::BadOption,
            since: None,
        };
        if !out.contains(&d) {
            out.push(d);
        }
    }
    out
}
