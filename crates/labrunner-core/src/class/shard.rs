//! A stable part of a roster (`I/N`), so several machines can share a class.

use super::*;

/// One of `count` parts of a roster. A student's part depends only on their id (FNV-1a of it,
/// modulo `count`), so every machine computes the same split, and a student added to the
/// roster moves nobody else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// `I/N`, or `N` alone with the index taken from `job_index` (Kubernetes sets
    /// `JOB_COMPLETION_INDEX` in each pod of an Indexed Job).
    pub fn parse(text: &str, job_index: Option<&str>) -> Result<Shard, ClassError> {
        let bad = || ClassError::BadShard(text.to_string());
        let (index, count) = match text.split_once('/') {
            Some((i, n)) => (i.trim(), n.trim()),
            None => (job_index.ok_or_else(bad)?.trim(), text.trim()),
        };
        let index: u32 = index.parse().map_err(|_| bad())?;
        let count: u32 = count.parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    pub fn contains(&self, student: &str) -> bool {
        fnv1a(student.as_bytes()) % u64::from(self.count) == u64::from(self.index)
    }

    pub fn select(&self, roster: Vec<Student>) -> Vec<Student> {
        roster
            .into_iter()
            .filter(|s| self.contains(&s.id))
            .collect()
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// 64-bit FNV-1a: fixed by its definition, so the same on every machine and every build.
pub(super) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}
