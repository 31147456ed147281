//! `volume`: a volume exists.

use super::support::{Among, missing};
use super::{CheckEnv, Observed, holds, not_holds};
use crate::lab::VolumeCheck;

pub(super) fn describe(v: &VolumeCheck, positive: bool) -> String {
    format!(
        "volume {} {}exists",
        v.name,
        if positive { "" } else { "not " }
    )
}

pub(super) async fn observe(v: &VolumeCheck, env: &CheckEnv<'_>) -> Observed {
    match env.engine.volume(&v.name).await? {
        Some(vol) => holds(format!("volume {} (driver {})", vol.name, vol.driver)),
        None => not_holds(missing(env, Among::Volumes, &v.name).await),
    }
}
