//! The shipped MOD-DOCKER-04 labs graded on submissions that are not their own solutions, on the
//! real daemon: a submission that passes a step's surface without doing what the step teaches
//! earns nothing for that step, and a correct variant (other flags, other mount paths, another
//! tool, `sh -c`) earns full marks. The submissions are in tests/fixtures/submissions/.
//!
//! Gradings run under the `ct-sub` namespaces, so every name they create starts with `ct-sub`,
//! and host ports are translated; nothing outside those names is touched.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{docker, docker_available, docker_quiet, labrunner};
use serde_json::Value;

fn lab(id: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("labs/MOD-DOCKER-04")
        .join(format!("{id}.yaml"))
}

fn submission(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/submissions")
        .join(name)
}

/// Remove whatever a grading in namespace `ns` could have left: resources labelled with its run
/// and any name inside it.
fn purge(ns: &str) {
    assert!(
        ns.starts_with("ct-sub"),
        "these tests only touch ct-sub names"
    );
    let label = format!("label=io.labrunner.run={ns}");
    let name = format!("name={ns}--");
    for filter in [&label, &name] {
        for id in docker(&["ps", "-aq", "--filter", filter]).split_whitespace() {
            docker_quiet(&["rm", "-f", id]);
        }
        for id in docker(&["network", "ls", "-q", "--filter", filter]).split_whitespace() {
            docker_quiet(&["network", "rm", id]);
        }
        for id in docker(&["volume", "ls", "-q", "--filter", filter]).split_whitespace() {
            docker_quiet(&["volume", "rm", "-f", id]);
        }
    }
}

/// Grade `sub` against the shipped lab `id` in namespace `ns`: (exit code, JSON report).
fn grade(id: &str, sub: &str, ns: &str) -> (Option<i32>, Value) {
    purge(ns);
    let home = tempfile::tempdir().expect("temp home");
    let out: Output = labrunner(home.path())
        .arg("grade")
        .arg(lab(id))
        .arg("--submission")
        .arg(submission(sub))
        .args(["--namespace", ns, "--format", "json"])
        .output()
        .expect("run labrunner");
    purge(ns);
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "grade printed no JSON report for {sub} ({e})\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), report)
}

/// The report's step `step`.
fn step<'r>(r: &'r Value, step: &str) -> &'r Value {
    r["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["id"] == step)
        .unwrap_or_else(|| panic!("no step {step} in {r:#}"))
}

/// Points earned and possible in a step.
fn points(s: &Value) -> (u64, u64) {
    s["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .fold((0, 0), |(e, m), c| {
            (
                e + c["score"].as_u64().unwrap_or(0),
                m + c["max_score"].as_u64().unwrap_or(0),
            )
        })
}

/// A correct variant: every step credited, full marks, exit code 0.
fn full_marks(id: &str, sub: &str, ns: &str) {
    let (code, r) = grade(id, sub, ns);
    assert!(r["max_score"].as_u64().unwrap_or(0) > 0, "{sub}: {r:#}");
    assert_eq!(r["score"], r["max_score"], "{sub} earns full marks: {r:#}");
    assert_eq!(code, Some(0), "{sub}: {r:#}");
}

/// A submission that skips what step `skipped` teaches: the step is not credited, the check
/// whose description holds `proof` (the one that sees the skipped work) earns nothing, and the
/// steps before keep their points (the grading is not simply broken). Other checks of the step
/// may earn partial credit for what the submission did do.
fn nothing_for(id: &str, sub: &str, ns: &str, skipped: &str, proof: &str, before: &[&str]) {
    let (code, r) = grade(id, sub, ns);
    let s = step(&r, skipped);
    assert!(
        s["credited"] != true,
        "{sub}: step {skipped} is not credited: {r:#}"
    );
    let check = s["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["description"].as_str().unwrap_or("").contains(proof))
        .unwrap_or_else(|| panic!("{sub}: no check `{proof}` in step {skipped}: {r:#}"));
    assert!(check["max_score"].as_u64().unwrap_or(0) > 0, "{r:#}");
    assert_eq!(check["score"], 0, "{sub}: `{proof}` earns nothing: {r:#}");
    for b in before {
        let s = step(&r, b);
        let (earned, max) = points(s);
        assert!(
            s["credited"] == true && earned == max,
            "{sub}: step {b} keeps its points: {r:#}"
        );
    }
    assert!(r["score"].as_u64() < r["max_score"].as_u64(), "{r:#}");
    assert_eq!(code, Some(1), "{sub}: {r:#}");
}

#[test]
fn network_none_routes_read_from_proc_earn_full_marks_addresses_alone_earn_nothing() {
    if !docker_available() {
        return;
    }
    full_marks("network-none", "network-none-variant.sh", "ct-sub-nn1");
    nothing_for(
        "network-none",
        "network-none-addresses-only.sh",
        "ct-sub-nn2",
        "look-inside",
        "routing table",
        &["run-none"],
    );
}

#[test]
fn volume_ownership_with_other_users_earns_full_marks_a_root_peer_earns_nothing() {
    if !docker_available() {
        return;
    }
    full_marks(
        "volume-ownership",
        "volume-ownership-variant.sh",
        "ct-sub-vo1",
    );
    nothing_for(
        "volume-ownership",
        "volume-ownership-peer-as-root.sh",
        "ct-sub-vo2",
        "matching-user",
        "owner-peer runs as 1000:1000",
        &["permission-denied", "chown-once"],
    );
}

#[test]
fn volume_backup_with_other_paths_earns_full_marks_a_copy_is_no_restore() {
    if !docker_available() {
        return;
    }
    full_marks("volume-backup", "volume-backup-variant.sh", "ct-sub-vb1");
    nothing_for(
        "volume-backup",
        "volume-backup-copy-instead-of-restore.sh",
        "ct-sub-vb2",
        "restore",
        "unpacked the archive",
        &["fill-volume", "backup"],
    );
}

#[test]
fn bridge_dns_with_grep_and_ping_w_earns_full_marks_no_ping_earns_nothing() {
    if !docker_available() {
        return;
    }
    full_marks("bridge-dns", "bridge-dns-variant.sh", "ct-sub-bd1");
    nothing_for(
        "bridge-dns",
        "bridge-dns-no-ping.sh",
        "ct-sub-bd2",
        "ping-by-name-works",
        "pinged web by name",
        &[
            "default-bridge",
            "ping-by-name-fails",
            "user-defined-bridge",
        ],
    );
}

#[test]
fn volume_persistence_read_at_another_path_earns_full_marks() {
    if !docker_available() {
        return;
    }
    full_marks(
        "volume-persistence",
        "volume-persistence-variant.sh",
        "ct-sub-vp1",
    );
}
