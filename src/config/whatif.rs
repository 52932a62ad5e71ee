//! What an unevaluated `Match` block (`exec`, run only with consent) would change: the same
//! resolution again with that block taken as matching, compared keyword by keyword.

use std::path::PathBuf;

use super::reader::resolve_with;
use super::{Change, ConfigInput, ResolvedConfig, UnevaluatedBlock};

/// At most this many blocks get a what-if resolution each (the rest are listed without).
const MAX_WHATIF: usize = 16;

/// One [`UnevaluatedBlock`] per pending `Match` line, in file order.
pub(crate) fn blocks(
    input: &ConfigInput,
    now: &ResolvedConfig,
    pending: &[(PathBuf, usize, Vec<String>)],
) -> Vec<UnevaluatedBlock> {
    pending
        .iter()
        .enumerate()
        .map(|(i, (path, line, criteria))| {
            let changes = if i < MAX_WHATIF {
                let then = resolve_with(input, Some((path.clone(), *line))).out;
                diff(now, &then)
            } else {
                Vec::new()
            };
            UnevaluatedBlock {
                path: path.clone(),
                line: *line,
                criteria: criteria.clone(),
                changes,
            }
        })
        .collect()
}

/// The keywords whose effective values differ, in keyword order.
fn diff(now: &ResolvedConfig, then: &ResolvedConfig) -> Vec<Change> {
    let mut keys: Vec<&String> = now.values.keys().chain(then.values.keys()).collect();
    keys.sort();
    keys.dedup();
    let values = |r: &ResolvedConfig, k: &str| -> Vec<String> {
        r.get_all(k).iter().map(|v| v.value.clone()).collect()
    };
    keys.into_iter()
        .filter_map(|k| {
            let (a, b) = (values(now, k), values(then, k));
            (a != b).then(|| Change {
                keyword: k.clone(),
                now: a,
                then: b,
                origin: then.get_all(k).first().map(|v| v.origin.clone()),
            })
        })
        .collect()
}
