//! The bounds of a fleet run: how many hosts at once (from the machine and its file-descriptor
//! limit), and how many at once behind one jump host.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// File descriptors one probe may hold at once: its TCP connection, a known_hosts or key file
/// being read, a KnownHostsCommand's pipes.
pub const FDS_PER_PROBE: u64 = 4;

/// Descriptors kept for everything else (the terminal, the runtime, files being written).
const FDS_RESERVED: u64 = 64;

/// Hosts at once per core: a probe mostly waits on the network; its own work (config
/// resolution, one key exchange, known_hosts) is a few milliseconds.
const JOBS_PER_CORE: usize = 64;

/// The most hosts at once whatever the machine: beyond this the servers' side (MaxStartups,
/// firewalls' connection limits) suffers more than the run gains.
const MAX_JOBS: usize = 512;

/// The default `--jobs`: [`JOBS_PER_CORE`] per core, at most [`MAX_JOBS`], and no more than
/// the file-descriptor limit allows ([`FDS_PER_PROBE`] each). The soft limit is raised toward
/// the hard one first when it is what limits. Returns the jobs and the soft limit in force.
pub fn default_jobs() -> (usize, u64) {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let wanted = (cores * JOBS_PER_CORE).min(MAX_JOBS);
    let nofile = raise_nofile(wanted as u64 * FDS_PER_PROBE + FDS_RESERVED);
    (jobs_for(wanted, nofile), nofile)
}

/// `wanted` hosts at once, or fewer when `nofile` descriptors cannot serve them (at least 1).
pub fn jobs_for(wanted: usize, nofile: u64) -> usize {
    let room = nofile.saturating_sub(FDS_RESERVED) / FDS_PER_PROBE;
    wanted.min(room as usize).max(1)
}

/// RLIMIT_NOFILE's soft limit, raised to `needed` (at most the hard limit) when lower.
pub fn raise_nofile(needed: u64) -> u64 {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let limit = getrlimit(Resource::Nofile);
    let soft = limit.current.unwrap_or(u64::MAX);
    if soft >= needed {
        return soft;
    }
    let target = limit.maximum.map_or(needed, |hard| hard.min(needed));
    if target <= soft {
        return soft;
    }
    let raised = Rlimit {
        current: Some(target),
        maximum: limit.maximum,
    };
    match setrlimit(Resource::Nofile, raised) {
        Ok(()) => target,
        Err(_) => soft,
    }
}

/// At most N probes at once through each jump host, keyed by the first hop's address.
#[derive(Debug)]
pub struct JumpLimiter {
    per_hop: usize,
    hops: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl JumpLimiter {
    /// A limiter allowing `per_hop` probes at once through each jump host.
    pub fn new(per_hop: usize) -> JumpLimiter {
        JumpLimiter {
            per_hop: per_hop.max(1),
            hops: Mutex::new(HashMap::new()),
        }
    }

    /// Wait for a turn through the jump host `key`; the turn ends when the permit is dropped.
    pub async fn acquire(&self, key: &str) -> OwnedSemaphorePermit {
        let semaphore = {
            let mut hops = self.hops.lock().unwrap_or_else(|e| e.into_inner());
            hops.entry(key.to_string())
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_hop)))
                .clone()
        };
        semaphore
            .acquire_owned()
            .await
            .expect("the limiter's semaphores are never closed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_descriptor_limit_bounds_the_jobs() {
        assert_eq!(jobs_for(128, 1_000_000), 128);
        assert_eq!(jobs_for(128, 256), 48, "(256 - 64) / 4");
        assert_eq!(jobs_for(128, 10), 1, "always at least one");
        let (jobs, nofile) = default_jobs();
        assert!((1..=MAX_JOBS).contains(&jobs));
        assert!(jobs as u64 * FDS_PER_PROBE + FDS_RESERVED <= nofile.max(FDS_RESERVED + 4));
    }

    #[tokio::test]
    async fn one_jump_host_lets_n_through_and_others_are_independent() {
        let limiter = JumpLimiter::new(2);
        let a1 = limiter.acquire("bastion:22").await;
        let _a2 = limiter.acquire("bastion:22").await;
        let _b = limiter.acquire("other:22").await;
        let third = limiter.acquire("bastion:22");
        tokio::pin!(third);
        let waited = tokio::time::timeout(std::time::Duration::from_millis(50), &mut third).await;
        assert!(waited.is_err(), "a third probe through bastion waits");
        drop(a1);
        let _turn = tokio::time::timeout(std::time::Duration::from_secs(5), third)
            .await
            .expect("it goes once a turn ends");
    }
}
