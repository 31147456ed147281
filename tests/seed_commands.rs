//! Every docker command in the seed documents either parses (and `labrunner explain` says what
//! it does) or is refused with an error naming exactly what labrunner does not support.

use std::process::{Command, Output};

const FIXTURE: &str = include_str!("fixtures/seed-commands.txt");
const WORKDIR: &str = "/home/student/lab";

/// Seed commands labrunner refuses: (command line, text the error must contain, why).
const REFUSED: &[(&str, &str, &str)] = &[
    (
        r#"docker logs -f mysql-server 2>&1| grep -m 1"ready for connections""#,
        "unsupported shell syntax `2>&1`",
        "redirects stderr and pipes into grep: shell syntax",
    ),
    (
        "docker run --rm -v mysql-data:/source:ro -v $(pwd):/backup alpine tar czf /backup/mysql-backup-$(date +%Y%m%d).tar.gz -C /source .",
        "unsupported shell syntax `$(date +%Y%m%d)`",
        "command substitution other than $(pwd) runs a program on the host",
    ),
    (
        r#"docker network inspect bridge 2>/dev/null | grep -A 15 "IPAM" || cat << 'EOF'"#,
        "unsupported shell syntax `2>`",
        "redirection, pipe, `||` and a here-document",
    ),
    (
        "docker volume inspect pgdata 2>/dev/null || cat << 'EOF'",
        "unsupported shell syntax `2>`",
        "redirection, `||` and a here-document",
    ),
    (
        r#"docker volume ls | grep "persistent-store""#,
        "unsupported shell syntax `|`",
        "pipe into grep",
    ),
    (
        "docker volume rm persistent-store 2>/dev/null || true",
        "unsupported shell syntax `2>`",
        "redirection and `||`",
    ),
    (
        "docker network rm isolated-net 2>/dev/null || true",
        "unsupported shell syntax `2>`",
        "redirection and `||`",
    ),
    (
        "docker network prune -f && docker volume prune -f",
        "unsupported shell syntax `&&`",
        "two commands chained with `&&`",
    ),
    (
        "docker ps -a",
        "unsupported docker command `docker ps`",
        "`ps` is not in the supported subset",
    ),
    (
        "docker ps",
        "unsupported docker command `docker ps`",
        "`ps` is not in the supported subset",
    ),
    (
        "docker rm [container]",
        "invalid value `[container]`",
        "a placeholder from the prose, not a container name",
    ),
    (
        "docker network create [network_name]",
        "invalid value `[network_name]`",
        "cheat-sheet placeholder",
    ),
    (
        "docker network inspect [network_name]",
        "invalid value `[network_name]`",
        "cheat-sheet placeholder",
    ),
    (
        "docker network connect [network_name] [container_name]",
        "invalid value `[network_name]`",
        "cheat-sheet placeholder",
    ),
    (
        "docker volume create [volume_name]",
        "invalid value `[volume_name]`",
        "cheat-sheet placeholder",
    ),
    (
        "docker volume inspect [volume_name]",
        "invalid value `[volume_name]`",
        "cheat-sheet placeholder",
    ),
    (
        "docker run -d --name [name] --mount type=volume,source=[vol],target=[path] [image]",
        "invalid value `[name]` for `--name`",
        "cheat-sheet placeholder",
    ),
    (
        "docker run -d --name [name] --mount type=bind,source=[host_path],target=[path] [image]",
        "invalid value `[name]` for `--name`",
        "cheat-sheet placeholder",
    ),
    (
        "docker run -d --name [name] --mount type=tmpfs,destination=[path] [image]",
        "invalid value `[name]` for `--name`",
        "cheat-sheet placeholder",
    ),
];

fn commands() -> Vec<&'static str> {
    FIXTURE
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

fn explain(args: &[&str]) -> Output {
    let result = Command::new(env!("CARGO_BIN_EXE_labrunner"))
        .arg("explain")
        .args(args)
        .output();
    match result {
        Ok(out) => out,
        Err(e) => panic!("cannot run labrunner: {e}"),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn fixture_lists_the_seed_commands() {
    let cmds = commands();
    assert_eq!(cmds.len(), 89, "seed command count changed");
    assert!(
        cmds.iter().all(|c| c.starts_with("docker ")),
        "every line is a docker command"
    );
    for (line, _, why) in REFUSED {
        assert!(
            cmds.contains(line),
            "refusal listed but not in the fixture ({why}): {line}"
        );
    }
}

#[test]
fn every_seed_command_parses_or_is_refused_by_name() {
    let mut report = String::new();
    let mut failures = Vec::new();
    for line in commands() {
        let out = explain(&["--workdir", WORKDIR, line]);
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        match REFUSED.iter().find(|(l, _, _)| *l == line) {
            Some((_, expected, why)) => {
                let ok = out.status.code() == Some(2)
                    && stderr.contains("cannot run this command")
                    && stderr.contains(expected)
                    && stdout.is_empty();
                if !ok {
                    failures.push(format!(
                        "{line}\n  expected refusal containing {expected:?} ({why})\n  got {:?}: {stdout}{stderr}",
                        out.status.code()
                    ));
                }
                report.push_str(&format!("$ {line}\n  refused: {}\n", stderr.trim()));
            }
            None => {
                let first = stdout.lines().next().unwrap_or("");
                if out.status.code() != Some(0) || first.trim().is_empty() || !stderr.is_empty() {
                    failures.push(format!(
                        "{line}\n  expected an explanation, got {:?}: {stdout}{stderr}",
                        out.status.code()
                    ));
                }
                report.push_str(&format!(
                    "$ {line}\n  {}\n",
                    stdout.trim_end().replace('\n', "\n  ")
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    insta::assert_snapshot!("seed_explanations", report);
}

#[test]
fn trailing_words_work_like_one_string() {
    let words = explain(&[
        "--workdir",
        WORKDIR,
        "docker",
        "run",
        "-d",
        "--name",
        "writer",
        "-v",
        "app-data:/data",
        "alpine",
        "sh",
        "-c",
        "echo 'persistent data' > /data/message.txt && sleep 3600",
    ]);
    let string = explain(&[
        "--workdir",
        WORKDIR,
        r#"docker run -d --name writer -v app-data:/data alpine sh -c "echo 'persistent data' > /data/message.txt && sleep 3600""#,
    ]);
    assert_eq!(words.status.code(), Some(0), "{}", text(&words.stderr));
    assert_eq!(text(&words.stdout), text(&string.stdout));
    assert!(
        text(&words.stdout).starts_with("start container writer in the background from alpine")
    );
}

#[test]
fn dangers_are_warned_about() {
    let out = explain(&["docker run -d --network host --name web nginx"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("warning: --network=host:"), "{stdout}");
}

#[test]
fn unsupported_flag_is_named_with_exit_code_2() {
    let out = explain(&["docker run --cap-drop ALL alpine"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr).trim(),
        "labrunner: cannot run this command: unsupported flag `--cap-drop` for `docker run`"
    );
}
