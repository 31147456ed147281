//! `file`: a file in a volume exists (and has content), read through a container that mounts the
//! volume but never starts, so it proves the data is in the volume and not in some container's
//! layer. The first [`VOLUME_FILE_LIMIT`](crate::engine::VOLUME_FILE_LIMIT) bytes are matched.

use std::path::{Component, Path};

use super::support::{Among, excerpt, missing, regex};
use super::{CheckEnv, Observed, holds, not_holds, observation};
use crate::engine::VolumeFile;
use crate::lab::FileCheck;

pub(super) fn describe(f: &FileCheck, positive: bool) -> String {
    match (&f.contains, positive) {
        (Some(c), true) => format!(
            "file {} in volume {} contains \"{}\"",
            f.path,
            f.volume,
            crate::pattern::plain(c)
        ),
        (Some(c), false) => format!(
            "file {} in volume {} does not contain \"{}\"",
            f.path,
            f.volume,
            crate::pattern::plain(c)
        ),
        (None, true) => format!("file {} exists in volume {}", f.path, f.volume),
        (None, false) => format!("file {} not exists in volume {}", f.path, f.volume),
    }
}

pub(super) async fn observe(f: &FileCheck, env: &CheckEnv<'_>) -> Observed {
    if super::climbs(&f.path) {
        return Err(super::Unknown::new(
            super::Cause::InvalidCheck,
            format!(
                "could not check: `{}` leaves the volume (it uses `..`)",
                f.path
            ),
        ));
    }
    if env.engine.volume(&f.volume).await?.is_none() {
        return not_holds(missing(env, Among::Volumes, &f.volume).await);
    }
    let image = env.image_map.resolve(env.helper_image);
    // A volume the run created that no container has been given since holds nothing: a plain
    // path in it is missing without asking the daemon.
    let plain = Path::new(&f.path)
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::RootDir))
        && !f.path.trim_matches('/').is_empty();
    let read = if plain && env.known_empty.contains(&f.volume) {
        VolumeFile::Missing
    } else {
        env.engine
            .volume_file(image, &f.volume, &f.path, env.labels)
            .await?
    };
    let (size, head) = match read {
        VolumeFile::File { size, head } => (size, String::from_utf8_lossy(&head).into_owned()),
        VolumeFile::Other(what) => {
            return not_holds(format!("{} in {} is {what}, not a file", f.path, f.volume));
        }
        VolumeFile::Missing => {
            return not_holds(format!("no file {} in volume {}", f.path, f.volume));
        }
    };
    match &f.contains {
        None => holds(format!("{} is in {} ({size} bytes)", f.path, f.volume)),
        Some(pattern) => observation(
            regex(pattern)?.is_match(&head),
            format!("{} in {} reads: {}", f.path, f.volume, excerpt(&head)),
        ),
    }
}
