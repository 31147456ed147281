//! `user`: a container runs as a given user, as `--user` set it (Config.User). A container
//! started without `--user` runs as the image's user, root for the lab images.

use super::support::{Among, missing};
use super::{CheckEnv, Observed, not_holds, observation};
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

pub(super) async fn observe(u: &UserCheck, env: &CheckEnv<'_>) -> Observed {
    let Some(info) = env.container(&u.container).await? else {
        return not_holds(missing(env, Among::Containers, &u.container).await);
    };
    let shown = if info.user.is_empty() {
        "the image's default user (no --user)".to_string()
    } else {
        info.user.clone()
    };
    observation(
        same_user(&u.user, &info.user),
        format!("{} runs as {shown}", info.name),
    )
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
