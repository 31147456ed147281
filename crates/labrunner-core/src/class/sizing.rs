//! How many students to grade at once on a daemon.

use super::*;

/// Most gradings at once, whatever the daemon could take.
pub const MAX_JOBS: usize = 32;

/// How many students to grade at once on a daemon: two per CPU, no more than its memory holds
/// at the grading's memory limit for every container the lab declares, and no more than half
/// of the networks its address pools can hand out (other users share them); 1 to [`MAX_JOBS`].
pub fn default_jobs(capacity: &DaemonCapacity, lab: &Lab, memory_limit_bytes: i64) -> usize {
    let by_cpu = capacity.cpus.max(1) as usize * 2;
    let containers = lab.resources.containers.len().max(1) as u64;
    let per_grading = u64::try_from(memory_limit_bytes).unwrap_or(0).max(1) * containers;
    let by_memory = match capacity.memory_bytes {
        0 => MAX_JOBS,
        m => usize::try_from(m / per_grading).unwrap_or(MAX_JOBS),
    };
    let networks = lab.resources.networks.len() as u64;
    let by_networks = match (networks, capacity.pool_networks) {
        (0, _) => MAX_JOBS,
        (n, pool) => usize::try_from(pool.unwrap_or(31) / 2 / n).unwrap_or(MAX_JOBS),
    };
    by_cpu.min(by_memory).min(by_networks).clamp(1, MAX_JOBS)
}
