//! Removal of what a run created: the one order and retry every cleanup uses (a lab run's
//! cleanup, a lesson's doctest, `labrunner clean`).

use std::time::Duration;

use crate::command::ResourceKind;
use crate::engine::{Engine, EngineError};
use crate::lab::Resource;

/// How long a removal that failed waits before its one retry (a container being removed still
/// holds its network and volumes for a moment).
const RETRY_AFTER: Duration = Duration::from_millis(300);

/// What a sweep removed, and what it could not remove with the daemon's reason.
#[derive(Debug, Default)]
pub struct Swept {
    pub removed: Vec<Resource>,
    pub failed: Vec<(Resource, EngineError)>,
}

/// Remove `targets`: containers first (networks and volumes in use cannot go), then networks,
/// then volumes; what fails is tried once more after [`RETRY_AFTER`]. Something already gone
/// counts as removed.
pub async fn sweep(engine: &dyn Engine, mut targets: Vec<Resource>) -> Swept {
    targets.sort_by_key(|r| match r.kind {
        ResourceKind::Container => 0,
        ResourceKind::Network => 1,
        ResourceKind::Volume => 2,
    });
    let mut swept = Swept::default();
    for round in 0..2 {
        for r in targets.drain(..) {
            match remove(engine, &r).await {
                Ok(()) => swept.removed.push(r),
                Err(e) => swept.failed.push((r, e)),
            }
        }
        if swept.failed.is_empty() || round == 1 {
            break;
        }
        tokio::time::sleep(RETRY_AFTER).await;
        targets = swept.failed.drain(..).map(|(r, _)| r).collect();
    }
    swept
}

/// Remove one object (a container with its anonymous volumes, by force).
async fn remove(engine: &dyn Engine, r: &Resource) -> Result<(), EngineError> {
    match r.kind {
        ResourceKind::Container => engine.remove_container(&r.name).await,
        ResourceKind::Network => engine.remove_network(&r.name).await,
        ResourceKind::Volume => engine.remove_volume(&r.name).await,
    }
}
