//! One verdict per option: every option the parser (and so `explain`) accepts either runs on
//! the real daemon when a submission is replayed, or is refused by name by `validate` (and by
//! grading, with the same reason). The table below must name every accepted option: a new
//! option without a verdict here fails the test.

mod common;

use std::collections::BTreeSet;

use common::{docker, docker_available, docker_quiet, labrunner};
use labrunner_core::{accepted_options, parse_command as parse};
use serde_json::Value;

enum Verdict {
    /// Runs: the replayed command must come out `ran`.
    Runs,
    /// Refused as dangerous: `validate` and grading both name this.
    Refused(&'static str),
}
use Verdict::{Refused, Runs};

/// (subcommand, first spelling of the option, command line using it, verdict). Lines run in
/// this order in one replay, so earlier ones make what later ones need.
const SAMPLES: &[(&str, &str, &str, Verdict)] = &[
    (
        "network create",
        "-d",
        "docker network create -d bridge o-net",
        Runs,
    ),
    (
        "network create",
        "--subnet",
        "docker network create --subnet 10.213.7.0/24 --gateway 10.213.7.1 --ip-range 10.213.7.128/25 o-subnet",
        Runs,
    ),
    (
        "network create",
        "--gateway",
        "docker network create --subnet 10.213.8.0/24 --gateway 10.213.8.1 o-gw",
        Runs,
    ),
    (
        "network create",
        "--ip-range",
        "docker network create --subnet 10.213.9.0/24 --ip-range 10.213.9.0/25 o-range",
        Runs,
    ),
    (
        "network create",
        "--internal",
        "docker network create --internal o-internal",
        Runs,
    ),
    (
        "network create",
        "--label",
        "docker network create --label team=a o-labelled",
        Runs,
    ),
    (
        "volume create",
        "-d",
        "docker volume create -d local o-vol",
        Runs,
    ),
    (
        "volume create",
        "--label",
        "docker volume create --label team=a o-vol-l",
        Runs,
    ),
    (
        "volume create",
        "--name",
        "docker volume create --name o-vol-n",
        Runs,
    ),
    (
        "run",
        "-d",
        "docker run -d --name o-main --network o-net alpine sleep 600",
        Runs,
    ),
    ("run", "--rm", "docker run --rm alpine true", Runs),
    (
        "run",
        "--name",
        "docker run --name o-named alpine true",
        Runs,
    ),
    (
        "run",
        "--network",
        "docker run --rm --network container:o-main alpine true",
        Runs,
    ),
    (
        "run",
        "--network-alias",
        "docker run -d --name o-alias --network o-net --network-alias o-al alpine sleep 600",
        Runs,
    ),
    (
        "run",
        "-v",
        "docker run --rm -v o-vol:/data -v $(pwd):/work alpine true",
        Runs,
    ),
    (
        "run",
        "--mount",
        "docker run --rm --mount type=volume,source=o-vol,target=/data --mount type=bind,source=$(pwd),target=/w,readonly --mount type=tmpfs,target=/t alpine true",
        Runs,
    ),
    (
        "run",
        "-p",
        "docker run -d --name o-pub -p 127.0.0.1::80 nginx",
        Runs,
    ),
    (
        "run",
        "-P",
        "docker run -d --name o-pall -P --expose 80 alpine sleep 600",
        Runs,
    ),
    (
        "run",
        "--expose",
        "docker run --rm --expose 8080/tcp alpine true",
        Runs,
    ),
    ("run", "-e", "docker run --rm -e A=1 alpine true", Runs),
    ("run", "-l", "docker run --rm -l team=a alpine true", Runs),
    ("run", "-u", "docker run --rm -u 1000 alpine true", Runs),
    (
        "run",
        "--tmpfs",
        "docker run --rm --tmpfs /t alpine true",
        Runs,
    ),
    ("run", "-w", "docker run --rm -w /tmp alpine true", Runs),
    (
        "run",
        "--entrypoint",
        "docker run --rm --entrypoint sh alpine -c true",
        Runs,
    ),
    ("run", "-i", "docker run --rm -i alpine true", Runs),
    ("run", "-t", "docker run --rm -t alpine true", Runs),
    ("run", "-h", "docker run --rm -h o-host alpine true", Runs),
    (
        "run",
        "--read-only",
        "docker run --rm --read-only --tmpfs /tmp alpine touch /tmp/x",
        Runs,
    ),
    (
        "run",
        "--restart",
        "docker run -d --name o-restart --restart on-failure:2 alpine true",
        Runs,
    ),
    (
        "run",
        "--privileged",
        "docker run --rm --privileged alpine true",
        Refused("--privileged"),
    ),
    (
        "run",
        "--cap-add",
        "docker run --rm --cap-add NET_ADMIN alpine true",
        Refused("--cap-add NET_ADMIN"),
    ),
    (
        "run",
        "--pid",
        "docker run --rm --pid container:o-main alpine true",
        Runs,
    ),
    (
        "run",
        "--pid",
        "docker run --rm --pid host alpine true",
        Refused("--pid=host"),
    ),
    (
        "run",
        "--ipc",
        "docker run -d --name o-ipc --ipc shareable alpine sleep 600",
        Runs,
    ),
    (
        "run",
        "--ipc",
        "docker run --rm --ipc container:o-ipc alpine true",
        Runs,
    ),
    (
        "run",
        "--ipc",
        "docker run --rm --ipc host alpine true",
        Refused("--ipc=host"),
    ),
    (
        "run",
        "--uts",
        "docker run --rm --uts host alpine true",
        Refused("--uts=host"),
    ),
    ("run", "-m", "docker run --rm -m 64m alpine true", Runs),
    (
        "run",
        "--pids-limit",
        "docker run --rm --pids-limit 50 alpine true",
        Runs,
    ),
    (
        "run",
        "--dns",
        "docker run --rm --dns 127.0.0.1 alpine true",
        Runs,
    ),
    (
        "create",
        "-d",
        "docker create -d --name o-c-detach alpine true",
        Runs,
    ),
    (
        "create",
        "--rm",
        "docker create --rm --name o-c-rm alpine true",
        Runs,
    ),
    (
        "create",
        "--name",
        "docker create --name o-c-name alpine true",
        Runs,
    ),
    (
        "create",
        "--network",
        "docker create --name o-c-net --network container:o-main alpine true",
        Runs,
    ),
    (
        "create",
        "--network-alias",
        "docker create --name o-c-alias --network o-net --network-alias o-cal alpine true",
        Runs,
    ),
    (
        "create",
        "-v",
        "docker create --name o-c-v -v o-vol:/data alpine true",
        Runs,
    ),
    (
        "create",
        "--mount",
        "docker create --name o-c-mount --mount type=bind,source=$(pwd),target=/w alpine true",
        Runs,
    ),
    (
        "create",
        "-p",
        "docker create --name o-c-p -p 127.0.0.1::80 alpine true",
        Runs,
    ),
    (
        "create",
        "-P",
        "docker create --name o-c-pall -P --expose 80 alpine true",
        Runs,
    ),
    (
        "create",
        "--expose",
        "docker create --name o-c-expose --expose 80 alpine true",
        Runs,
    ),
    (
        "create",
        "-e",
        "docker create --name o-c-e -e A=1 alpine true",
        Runs,
    ),
    (
        "create",
        "-l",
        "docker create --name o-c-l -l team=a alpine true",
        Runs,
    ),
    (
        "create",
        "-u",
        "docker create --name o-c-u -u 1000 alpine true",
        Runs,
    ),
    (
        "create",
        "--tmpfs",
        "docker create --name o-c-tmpfs --tmpfs /t alpine true",
        Runs,
    ),
    (
        "create",
        "-w",
        "docker create --name o-c-w -w /tmp alpine true",
        Runs,
    ),
    (
        "create",
        "--entrypoint",
        "docker create --name o-c-ep --entrypoint sh alpine -c true",
        Runs,
    ),
    (
        "create",
        "-i",
        "docker create --name o-c-i -i alpine true",
        Runs,
    ),
    (
        "create",
        "-t",
        "docker create --name o-c-t -t alpine true",
        Runs,
    ),
    (
        "create",
        "-h",
        "docker create --name o-c-h -h o-host alpine true",
        Runs,
    ),
    (
        "create",
        "--restart",
        "docker create --name o-c-restart --restart always alpine true",
        Runs,
    ),
    (
        "create",
        "--read-only",
        "docker create --name o-c-ro --read-only alpine true",
        Runs,
    ),
    (
        "create",
        "--privileged",
        "docker create --privileged alpine true",
        Refused("--privileged"),
    ),
    (
        "create",
        "--cap-add",
        "docker create --cap-add ALL alpine true",
        Refused("--cap-add ALL"),
    ),
    (
        "create",
        "--pid",
        "docker create --pid host alpine true",
        Refused("--pid=host"),
    ),
    (
        "create",
        "--ipc",
        "docker create --ipc host alpine true",
        Refused("--ipc=host"),
    ),
    (
        "create",
        "--uts",
        "docker create --uts host alpine true",
        Refused("--uts=host"),
    ),
    (
        "create",
        "-m",
        "docker create --name o-c-m -m 64m alpine true",
        Runs,
    ),
    (
        "create",
        "--pids-limit",
        "docker create --name o-c-pids --pids-limit 50 alpine true",
        Runs,
    ),
    (
        "create",
        "--dns",
        "docker create --name o-c-dns --dns 127.0.0.1 alpine true",
        Runs,
    ),
    (
        "network connect",
        "--alias",
        "docker network connect --alias o-al2 o-subnet o-main",
        Runs,
    ),
    (
        "network disconnect",
        "-f",
        "docker network disconnect -f o-subnet o-main",
        Runs,
    ),
    (
        "network inspect",
        "-f",
        "docker network inspect -f '{{.Name}}' o-net",
        Runs,
    ),
    (
        "network prune",
        "-f",
        "docker network prune -f",
        Refused("prune"),
    ),
    (
        "network prune",
        "--filter",
        "docker network prune -f --filter label=team=a",
        Runs,
    ),
    (
        "volume inspect",
        "-f",
        "docker volume inspect -f '{{.Name}}' o-vol",
        Runs,
    ),
    ("volume rm", "-f", "docker volume rm -f o-vol-n", Runs),
    (
        "volume prune",
        "-f",
        "docker volume prune -f",
        Refused("prune"),
    ),
    (
        "volume prune",
        "-a",
        "docker volume prune -a -f",
        Refused("prune"),
    ),
    ("exec", "-i", "docker exec -i o-main true", Runs),
    ("exec", "-t", "docker exec -t o-main true", Runs),
    ("exec", "-d", "docker exec -d o-main true", Runs),
    ("exec", "-u", "docker exec -u 1000 o-main true", Runs),
    ("exec", "-w", "docker exec -w /tmp o-main true", Runs),
    ("exec", "-e", "docker exec -e A=1 o-main true", Runs),
    (
        "inspect",
        "-f",
        "docker inspect -f '{{.Name}}' o-main",
        Runs,
    ),
    (
        "inspect",
        "--type",
        "docker inspect --type container o-main",
        Runs,
    ),
    ("logs", "-f", "docker logs -f o-named", Runs),
    ("logs", "-n", "docker logs -n 5 o-main", Runs),
    ("kill", "-s", "docker kill -s KILL o-main", Runs),
    ("restart", "-t", "docker restart -t 1 o-alias", Runs),
    ("stop", "-t", "docker stop -t 1 o-alias", Runs),
    ("rm", "-f", "docker rm -f o-pall", Runs),
    ("rm", "-v", "docker rm -v o-named", Runs),
];

const LAB: &str = "format: 1
id: ox-options
title: Every option
lesson: MOD-DOCKER-04
difficulty: beginner
minutes: 1
resources:
  networks: [o-never]
steps:
  - id: never
    title: A step no sample completes
    instructions: Create `o-never`.
    solution:
      - docker network create o-never
    checks:
      - network: { name: o-never }
";

#[test]
fn the_table_gives_every_accepted_option_a_verdict() {
    let accepted: BTreeSet<(&str, &str)> = accepted_options()
        .into_iter()
        .map(|(command, names)| (command, names[0]))
        .collect();
    let covered: BTreeSet<(&str, &str)> = SAMPLES.iter().map(|(c, f, _, _)| (*c, *f)).collect();
    let missing: Vec<_> = accepted.difference(&covered).collect();
    assert!(missing.is_empty(), "options without a verdict: {missing:?}");
    let unknown: Vec<_> = covered.difference(&accepted).collect();
    assert!(
        unknown.is_empty(),
        "verdicts for options not accepted: {unknown:?}"
    );
    for (command, flag, line, _) in SAMPLES {
        let action = parse(line, Some("/work/lab"))
            .unwrap_or_else(|e| panic!("{command} {flag}: `{line}` does not parse: {e}"));
        let _ = action;
        let spellings = accepted_options()
            .into_iter()
            .find(|(c, names)| c == command && names[0] == *flag)
            .map(|(_, names)| names)
            .unwrap_or(&[]);
        assert!(
            spellings.iter().any(|s| line.contains(s)),
            "`{line}` does not use {flag}"
        );
    }
}

#[test]
fn refused_options_are_refused_by_name_at_validate() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut lab = LAB.replace("      - docker network create o-never\n", "");
    let refused: Vec<_> = SAMPLES
        .iter()
        .filter_map(|(_, _, line, v)| match v {
            Refused(name) => Some((*line, *name)),
            Runs => None,
        })
        .collect();
    let solution: String = refused
        .iter()
        .map(|(line, _)| format!("      - \"{}\"\n", line.replace('"', "\\\"")))
        .collect();
    lab = lab.replace("    solution:\n", &format!("    solution:\n{solution}"));
    let path = dir.path().join("refused.yaml");
    std::fs::write(&path, lab).expect("lab");
    let home = tempfile::tempdir().expect("home");
    let out = labrunner(home.path())
        .arg("validate")
        .arg(&path)
        .output()
        .expect("validate");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for (line, name) in refused {
        assert!(
            text.contains(&format!("dangerous option `{name}`")),
            "validate does not name `{name}` for `{line}`:\n{text}"
        );
    }
}

#[test]
fn every_runnable_option_runs_in_a_replayed_submission_and_refused_ones_are_refused() {
    if !docker_available() {
        return;
    }
    let ns = "ox-walk";
    let label = format!("label=io.labrunner.run={ns}");
    for id in docker(&["ps", "-aq", "--filter", &label]).split_whitespace() {
        docker_quiet(&["rm", "-f", id]);
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let lab = dir.path().join("options.yaml");
    std::fs::write(&lab, LAB).expect("lab");
    let submission: String = SAMPLES
        .iter()
        .map(|(_, _, line, _)| format!("{line}\n"))
        .collect();
    let sub = dir.path().join("options.sh");
    std::fs::write(&sub, submission).expect("submission");
    let home = tempfile::tempdir().expect("home");
    let out = labrunner(home.path())
        .arg("grade")
        .arg(&lab)
        .args(["--namespace", ns, "--format", "json", "--submission"])
        .arg(&sub)
        .output()
        .expect("grade");
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no report ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    let commands = report["commands"].as_array().expect("commands");
    assert_eq!(commands.len(), SAMPLES.len());
    let mut wrong = Vec::new();
    for ((command, flag, line, verdict), record) in SAMPLES.iter().zip(commands) {
        let outcome = record["outcome"].as_str().unwrap_or("");
        let detail = record["detail"].as_str().unwrap_or("");
        let right = match verdict {
            Runs => outcome == "ran",
            Refused(name) => outcome == "refused" && detail.contains(name),
        };
        if !right {
            wrong.push(format!("{command} {flag}: `{line}` -> {outcome}: {detail}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "options without their verdict:\n{}",
        wrong.join("\n")
    );
    let left = docker(&["ps", "-aq", "--filter", &label]);
    assert!(left.trim().is_empty(), "left containers: {left}");
}
