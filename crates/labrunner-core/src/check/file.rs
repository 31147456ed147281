//! `file`: a file in a volume exists (and has content), read by a fresh helper container, so
//! it proves the data is in the volume and not in some container's layer.

use super::support::{Among, excerpt, first_line, missing, regex};
use super::{CheckEnv, EXEC_TIMEOUT, Observed, holds, not_holds, observation};
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
    if env.engine.volume(&f.volume).await?.is_none() {
        return not_holds(missing(env, Among::Volumes, &f.volume).await);
    }
    let path = format!("/volume/{}", f.path.trim_start_matches('/'));
    let image = env.image_map.resolve(env.helper_image);
    let out = env
        .engine
        .run_helper(
            image,
            &f.volume,
            &["cat".into(), path],
            env.labels,
            EXEC_TIMEOUT,
        )
        .await?;
    if out.exit_code != Some(0) {
        return not_holds(format!(
            "a fresh container could not read {} in {}: {}",
            f.path,
            f.volume,
            first_line(&out.stderr)
        ));
    }
    match &f.contains {
        None => holds(format!(
            "a fresh container read {} ({} bytes)",
            f.path,
            out.stdout.len()
        )),
        Some(pattern) => observation(
            regex(pattern)?.is_match(&out.stdout),
            format!(
                "a fresh container read {}: {}",
                f.path,
                excerpt(&out.stdout)
            ),
        ),
    }
}
