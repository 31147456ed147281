//! Progress, saved to disk when the store could be opened, kept in memory otherwise.

use labrunner_core::{Progress, ProgressStore};

#[derive(Debug)]
pub enum ProgressKeeper {
    Store(ProgressStore),
    /// Not saved: why.
    Memory(Progress, String),
}

impl ProgressKeeper {
    pub fn get(&self) -> &Progress {
        match self {
            ProgressKeeper::Store(s) => s.progress(),
            ProgressKeeper::Memory(p, _) => p,
        }
    }

    pub(super) fn update<R>(&mut self, f: impl FnOnce(&mut Progress) -> R) -> Result<R, String> {
        match self {
            ProgressKeeper::Store(s) => s.update(f).map_err(|e| e.to_string()),
            ProgressKeeper::Memory(p, _) => Ok(f(p)),
        }
    }
}
