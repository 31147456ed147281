//! The grader image and the Kubernetes Job's contract, on the local daemon: the image is built
//! here without pulling anything (scripts/grader-image.sh, from the binary under test) and
//! runs as the Job runs it: three containers, each with `JOB_COMPLETION_INDEX=i`, the Job's own
//! command (read from the rendered manifest) and the shard layout on a shared `/class`, then
//! the merge Job's command in the same image. The merged gradebook must equal one machine's
//! grading of the same class, and a student who cannot be graded must end as `error` with every
//! index completed. What this cannot show (scheduling, ReadWriteMany storage, the sidecar
//! daemon) is said in docs/grading.md.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{IMAGE_MAP, docker, docker_available};

const TAG: &str = "labrunner-grader:test";
const SHARDS: usize = 3;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Build the image from the binary under test; once per test binary.
fn image() -> &'static str {
    static BUILT: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    BUILT.get_or_init(|| {
        let out = Command::new("bash")
            .arg(repo("scripts/grader-image.sh"))
            .arg(env!("CARGO_BIN_EXE_labrunner"))
            .arg(TAG)
            .output()
            .expect("bash runs");
        assert!(out.status.success(), "grader-image.sh: {}", text(&out));
    });
    TAG
}

#[test]
fn the_image_builds_offline_and_runs_as_the_documented_user() {
    if !docker_available() {
        return;
    }
    let tag = image();
    let version = docker(&["run", "--rm", tag, "--version"]);
    let own = Command::new(env!("CARGO_BIN_EXE_labrunner"))
        .arg("--version")
        .output()
        .expect("labrunner runs");
    assert_eq!(version, String::from_utf8_lossy(&own.stdout));
    assert!(version.starts_with("labrunner "), "{version}");
    // The user deploy/image/Dockerfile documents, and a /bin/sh for the Job's command.
    assert_eq!(
        docker(&["image", "inspect", tag, "--format", "{{.Config.User}}"]).trim(),
        "10001:10001"
    );
    let who = docker(&[
        "run",
        "--rm",
        "--entrypoint",
        "/bin/sh",
        tag,
        "-c",
        "id -u; echo $LABRUNNER_HOME; touch $LABRUNNER_HOME/x && echo writable",
    ]);
    assert_eq!(who, "10001\n/home/labrunner\nwritable\n");
    // Nothing pulled: built by `docker import`, so the image has exactly one layer.
    let layers = docker(&[
        "image",
        "inspect",
        tag,
        "--format",
        "{{len .RootFS.Layers}}",
    ]);
    assert_eq!(layers.trim(), "1");
}

/// The containers of one run, removed however the test ends.
struct Containers(Vec<String>);

impl Drop for Containers {
    fn drop(&mut self) {
        if !self.0.is_empty() {
            let _ = Command::new("docker")
                .args(["rm", "-f"])
                .args(&self.0)
                .output();
        }
    }
}

/// The grading Job's container command (`/bin/sh -c SCRIPT NAME`) and the merge Job's
/// script, as `class.sh render` writes them.
fn job_commands() -> (Vec<String>, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = Command::new("bash")
        .arg(repo("deploy/kubernetes/class.sh"))
        .arg("render")
        .arg(dir.path())
        .output()
        .expect("bash runs");
    assert!(out.status.success(), "{}", text(&out));
    let job = |file: &str| -> serde_yaml::Value {
        let manifest = std::fs::read_to_string(dir.path().join(file)).expect("rendered");
        serde_yaml::Deserializer::from_str(&manifest)
            .map(|d| serde::Deserialize::deserialize(d).expect("YAML"))
            .find(|d: &serde_yaml::Value| d["kind"] == "Job")
            .expect("a Job")
    };
    let strings = |v: &serde_yaml::Value| -> Vec<String> {
        v.as_sequence()
            .expect("a list")
            .iter()
            .map(|s| s.as_str().expect("a string").to_string())
            .collect()
    };
    let grade = job("grade-class.yaml");
    let command = strings(&grade["spec"]["template"]["spec"]["containers"][0]["command"]);
    let merge = job("merge-class.yaml");
    let script = strings(&merge["spec"]["template"]["spec"]["containers"][0]["args"]).join(" ");
    (command, script)
}

fn open_to_all(path: &Path, mode: u32) {
    std::fs::create_dir_all(path).expect("mkdir");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[test]
fn the_job_contract_holds_on_the_local_daemon() {
    if !docker_available() {
        return;
    }
    let tag = image();
    let (command, merge_script) = job_commands();
    let work = tempfile::tempdir().expect("temp dir");
    open_to_all(work.path(), 0o755);
    // /class as the claim holds it: the lab, one file per student, the results.
    let class = work.path().join("class");
    let submissions = class.join("submissions");
    open_to_all(&submissions, 0o755);
    open_to_all(&class.join("results"), 0o777);
    std::fs::copy(
        repo("tests/fixtures/class/storage.yaml"),
        class.join("lab.yaml"),
    )
    .expect("lab");
    let roster = [
        ("alice", "correct.sh"),
        ("bob", "wrong-content.sh"),
        ("carol", "wrong-network.sh"),
        ("dave", "correct.sh"),
        ("erin", "wrong-content.sh"),
        ("frank", "correct.sh"),
    ];
    for (student, fixture) in roster {
        std::fs::copy(
            repo("tests/fixtures/class").join(fixture),
            submissions.join(format!("{student}.sh")),
        )
        .expect("submission");
    }
    // Ungradable: larger than a submission may be.
    std::fs::write(submissions.join("zed.sh"), vec![b'#'; 300 * 1024]).expect("write");
    // The sandbox folders, at the same path inside and outside (the daemon resolves bind
    // sources on its own side, as the Job's sidecar does through its shared emptyDir).
    let sandbox = work.path().join("sandbox");
    open_to_all(&sandbox, 0o1777);
    let socket_group = std::fs::metadata("/var/run/docker.sock")
        .map(|m| std::os::unix::fs::MetadataExt::gid(&m))
        .expect("the daemon's socket");

    let run = |name: &str, env: &[(&str, String)], entry: &[String]| -> String {
        let mut args: Vec<String> = [
            "run",
            "-d",
            "--name",
            name,
            "--label",
            "io.labrunner.test=grader-image",
            "--group-add",
            &socket_group.to_string(),
            "-v",
            "/var/run/docker.sock:/var/run/docker.sock",
            "-v",
            &format!("{}:/class", class.display()),
            "-v",
            &format!("{0}:{0}", sandbox.display()),
            "-e",
            &format!("TMPDIR={}", sandbox.display()),
            "-e",
            &format!("LABRUNNER_IMAGE_MAP={IMAGE_MAP}"),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for (k, v) in env {
            args.extend(["-e".to_string(), format!("{k}={v}")]);
        }
        args.extend([
            "--entrypoint".to_string(),
            entry[0].clone(),
            tag.to_string(),
        ]);
        args.extend(entry[1..].iter().cloned());
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        docker(&refs).trim().to_string()
    };
    let wait = |id: &str| -> i64 { docker(&["wait", id]).trim().parse().expect("an exit code") };

    let pid = std::process::id();
    let mut containers = Containers(Vec::new());
    for index in 0..SHARDS {
        let mut entry = command.clone();
        entry.extend(
            [
                "grade",
                "/class/lab.yaml",
                "--submissions",
                "/class/submissions",
                "--out-dir",
                &format!("/class/results/shard-{index}"),
                "--shard",
                &SHARDS.to_string(),
                "--format",
                "junit,gradescope",
            ]
            .map(String::from),
        );
        let name = format!("op-job-{pid}-{index}");
        let id = run(
            &name,
            &[
                ("JOB_COMPLETION_INDEX", index.to_string()),
                ("LABRUNNER_NAMESPACE", format!("op-j{index}")),
            ],
            &entry,
        );
        containers.0.push(id);
    }
    for (index, id) in containers.0.clone().iter().enumerate() {
        let code = wait(id);
        let logs = Command::new("docker")
            .args(["logs", id])
            .output()
            .expect("logs");
        assert_eq!(code, 0, "index {index} did not complete: {}", text(&logs));
        assert!(
            class
                .join(format!("results/shard-{index}/gradebook.csv"))
                .is_file(),
            "index {index} wrote no gradebook"
        );
    }
    let merge = run(
        &format!("op-job-{pid}-merge"),
        &[],
        &[
            "/bin/sh".into(),
            "-c".into(),
            merge_script.replace(" volume-persistence ", " /class/lab.yaml "),
        ],
    );
    containers.0.push(merge.clone());
    let code = wait(&merge);
    let logs = Command::new("docker")
        .args(["logs", &merge])
        .output()
        .expect("logs");
    assert_eq!(code, 0, "merge: {}", text(&logs));
    let merged =
        std::fs::read_to_string(class.join("results/merged/gradebook.csv")).expect("merged");

    // One machine, the same class, in the same image and layout: the whole roster at once.
    let mut entry = command.clone();
    entry.extend(
        [
            "grade",
            "/class/lab.yaml",
            "--submissions",
            "/class/submissions",
            "--out-dir",
            "/class/results/single",
        ]
        .map(String::from),
    );
    let single = run(
        &format!("op-job-{pid}-single"),
        &[("LABRUNNER_NAMESPACE", "op-j9".to_string())],
        &entry,
    );
    containers.0.push(single.clone());
    let code = wait(&single);
    let logs = Command::new("docker")
        .args(["logs", &single])
        .output()
        .expect("logs");
    assert_eq!(code, 0, "single: {}", text(&logs));
    assert!(
        text(&logs).contains("zed: could not be graded"),
        "{}",
        text(&logs)
    );
    let whole =
        std::fs::read_to_string(class.join("results/single/gradebook.csv")).expect("gradebook");
    assert_eq!(merged, whole);

    let rows: Vec<&str> = merged.lines().collect();
    assert_eq!(rows.len(), 1 + roster.len() + 1, "{merged}");
    let zed = rows
        .iter()
        .find(|r| r.starts_with("zed,"))
        .expect("zed's row");
    assert!(zed.contains(",error,"), "{zed}");
    assert!(rows.iter().any(|r| r.starts_with("alice,8,8,")), "{merged}");
    // Every shard graded someone, or the split proved nothing.
    for index in 0..SHARDS {
        let shard =
            std::fs::read_to_string(class.join(format!("results/shard-{index}/gradebook.csv")))
                .expect("shard gradebook");
        assert!(shard.lines().count() > 1, "shard {index} is empty");
    }
    // Nothing the gradings created is left on the daemon.
    let left = docker(&[
        "ps",
        "-aq",
        "--filter",
        "label=io.labrunner.managed=true",
        "--filter",
        "name=op-j",
    ]);
    assert_eq!(left.trim(), "", "containers left behind");
}
