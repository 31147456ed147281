//! `image`: an image is present on the daemon (under its mapped name, offline).

use super::{CheckEnv, Observed, observation};
use crate::lab::ImageCheck;

pub(super) fn describe(i: &ImageCheck, positive: bool) -> String {
    format!(
        "image {} is {}present",
        i.name,
        if positive { "" } else { "not " }
    )
}

pub(super) async fn observe(i: &ImageCheck, env: &CheckEnv<'_>) -> Observed {
    let name = env.image_map.resolve(&i.name);
    let present = env.engine.image_present(name).await?;
    let shown = if name == i.name {
        i.name.clone()
    } else {
        format!("{} (as {name})", i.name)
    };
    observation(
        present,
        format!(
            "image {shown} is {}present",
            if present { "" } else { "not " }
        ),
    )
}
