//! `user`: a container runs as a given user, as `--user` set it (Config.User). A container
//! started without `--user` runs as the image's user, root for the lab images. A container that
//! is gone (a `--rm` one) is judged by what was recorded when it ran since the step opened.

use super::support::{Among, is_this_runs, missing};
use super::{Cause, CheckEnv, Observed, Unknown, not_holds, observation};
use crate::lab::UserCheck;

pub(super) fn describe(u: &UserCheck, positive: bool) -> String {
    format!(
        "container {} {}runs as {}",
        u.container,
        if positive { "" } else { "not " },
        u.user
    )
}

/// Whether `seen` (Config.User, empty for the default) is the user `wanted` names. Without a
/// `:group`, any group matches.
pub(super) fn same_user(wanted: &str, seen: &str) -> bool {
    let is_root = |u: &str| matches!(u, "" | "0" | "root");
    let (want_user, want_group) = match wanted.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (wanted, None),
    };
    let (seen_user, seen_group) = match seen.split_once(':') {
        Some((u, g)) => (u, g),
        None => (seen, ""),
    };
    let user_ok = want_user == seen_user || (is_root(want_user) && is_root(seen_user));
    let group_ok = want_group.is_none_or(|g| {
        g == seen_group || (is_root(g) && is_root(seen_group) && is_root(seen_user))
    });
    user_ok && group_ok
}

/// Config.User in words.
pub(super) fn shown(user: &str) -> String {
    if user.is_empty() {
        "the image's default user (no --user)".to_string()
    } else {
        user.to_string()
    }
}

pub(super) async fn observe(u: &UserCheck, env: &CheckEnv<'_>) -> Observed {
    if let Some(info) = env.container(&u.container).await? {
        return observation(
            same_user(&u.user, &info.user),
            format!("{} runs as {}", info.name, shown(&info.user)),
        );
    }
    let gone = env.recorder.is_following().then(|| {
        env.recorder
            .containers_since(env.opened_ns)
            .into_iter()
            .rfind(|r| r.name == u.container && is_this_runs(env, r))
    });
    match gone.flatten() {
        None => not_holds(missing(env, Among::Containers, &u.container).await),
        Some(r) if !r.inspected => Err(Unknown::new(
            Cause::NotObserved,
            format!(
                "could not check: {} was gone before labrunner could inspect it",
                u.container
            ),
        )),
        Some(r) => observation(
            same_user(&u.user, &r.user),
            format!("{} (gone) ran as {}", u.container, shown(&r.user)),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::same_user;

    #[test]
    fn users_compare_like_the_cli_means_them() {
        let table = [
            ("1000", "1000", true),
            ("1000", "1000:1000", true),
            ("1000:1000", "1000", false),
            ("1000:1000", "1000:1000", true),
            ("root", "", true),
            ("0", "", true),
            ("0:0", "", true),
            ("nobody", "", false),
            ("1000", "", false),
            ("nobody", "nobody:nogroup", true),
            ("", "1000", false),
        ];
        for (wanted, seen, expected) in table {
            assert_eq!(same_user(wanted, seen), expected, "{wanted} vs {seen:?}");
        }
    }
}
