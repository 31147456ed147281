//! `labrunner validate` against the fixture corpus: good labs pass, and every broken lab is
//! reported at its exact file:line:column with the right message, without a panic.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_labrunner");
const BROKEN: &str = "tests/fixtures/broken";
const GOOD: &str = "tests/fixtures/labs";

/// (file in tests/fixtures/broken, line, column, fragment of the error message).
const CASES: &[(&str, usize, usize, &str)] = &[
    // Not text, or not a lab at all.
    ("empty.yaml", 1, 1, "the lab file is empty"),
    ("comments-only.yaml", 1, 1, "the lab file is empty"),
    ("binary.yaml", 2, 5, "not valid UTF-8"),
    ("nul-bytes.yaml", 2, 3, "control character U+0000"),
    ("top-level-list.yaml", 1, 1, "must be a mapping"),
    ("two-documents.yaml", 19, 1, "more than one YAML document"),
    // YAML syntax.
    ("tabs.yaml", 13, 1, "tab character used for indentation"),
    (
        "bad-indent.yaml",
        14,
        4,
        "did not find expected '-' indicator",
    ),
    (
        "unclosed-quote.yaml",
        11,
        1,
        "while scanning a quoted scalar",
    ),
    (
        "colon-in-value.yaml",
        3,
        13,
        "mapping values are not allowed",
    ),
    ("duplicate-key.yaml", 5, 1, "duplicate key `lesson`"),
    ("unknown-anchor.yaml", 6, 10, "unknown anchor"),
    ("alias-bomb.yaml", 8, 8, "expands too much"),
    ("deep-nesting.yaml", 3, 135, "nested too deeply"),
    // Format.
    ("missing-format.yaml", 1, 1, "missing key `format`"),
    ("format-2.yaml", 1, 9, "unsupported lab format `2`"),
    ("format-text.yaml", 1, 9, "unsupported lab format `one`"),
    // Shape (serde).
    (
        "unknown-key.yaml",
        3,
        1,
        "unknown key `titel` at the top level",
    ),
    (
        "unknown-key-in-check.yaml",
        19,
        11,
        "unknown key `nmae` in `steps[0].checks[0].network`",
    ),
    ("wrong-type-minutes.yaml", 6, 10, "expected a whole number"),
    ("wrong-type-steps.yaml", 11, 8, "expected a list"),
    ("missing-steps.yaml", 1, 1, "missing key `steps`"),
    (
        "missing-step-checks.yaml",
        12,
        5,
        "missing key `checks` in `steps[0]`",
    ),
    ("bad-difficulty.yaml", 5, 13, "unknown value `hard`"),
    (
        "bad-command-shape.yaml",
        16,
        9,
        "invalid command in `steps[0].solution[0]`",
    ),
    ("port-out-of-range.yaml", 18, 43, "from 0 to 65535"),
    // Lint.
    (
        "invalid-lab-id.yaml",
        2,
        5,
        "invalid lab id `Broken_Example`",
    ),
    (
        "invalid-step-id.yaml",
        12,
        9,
        "invalid step id `Create network`",
    ),
    (
        "duplicate-step-ids.yaml",
        19,
        9,
        "duplicate step id `create-network`",
    ),
    ("no-checks.yaml", 17, 13, "has no checks"),
    ("no-solution.yaml", 15, 15, "has no solution"),
    ("two-kinds.yaml", 19, 9, "2 kind keys (`network`, `volume`)"),
    ("no-kind.yaml", 18, 9, "check has no kind key"),
    ("bad-regex.yaml", 18, 58, "unclosed group"),
    (
        "bad-regex-fails-with.yaml",
        17,
        21,
        "unclosed character class",
    ),
    (
        "undeclared-container.yaml",
        19,
        17,
        "container `client` is not declared",
    ),
    (
        "undeclared-network.yaml",
        18,
        45,
        "network `backend` is not declared",
    ),
    (
        "undeclared-volume.yaml",
        18,
        24,
        "volume `logs` is not declared",
    ),
    ("tcp-without-port.yaml", 18, 20, "needs a `port`"),
    ("host-ip-not-ip.yaml", 18, 56, "must be an IP address"),
    ("files-escape.yaml", 8, 3, "leaves the lab's working folder"),
    // Commands (parsed by the docker-CLI parser).
    (
        "relative-mount-target.yaml",
        16,
        42,
        "mount target `app/data` is not an absolute path",
    ),
    ("unsupported-flag.yaml", 16, 34, "unsupported flag `--gpus`"),
    ("privileged.yaml", 16, 34, "dangerous option `--privileged`"),
    ("docker-sock.yaml", 16, 34, "mounts the Docker socket"),
    (
        "host-bind.yaml",
        16,
        34,
        "source /etc is outside the lab's working folder `$(pwd)`",
    ),
    ("not-docker.yaml", 16, 9, "not a docker command"),
    ("shell-syntax.yaml", 16, 39, "unsupported shell syntax"),
    (
        "undeclared-in-solution.yaml",
        16,
        31,
        "network `backend` is not declared",
    ),
];

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn validate_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("validate")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run labrunner")
}

fn validate(args: &[&str]) -> Output {
    validate_in(manifest_dir(), args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn every_broken_lab_is_reported_at_its_exact_place() {
    let mut failures = Vec::new();
    for (file, line, column, fragment) in CASES {
        let path = format!("{BROKEN}/{file}");
        let out = validate(&[&path]);
        let text = stdout(&out);
        let prefix = format!("{path}:{line}:{column}: error: ");
        let found = text
            .lines()
            .any(|l| l.starts_with(&prefix) && l.contains(fragment));
        if out.status.code() != Some(1) || !found {
            failures.push(format!(
                "{file}: wanted `{prefix}...{fragment}...` and exit 1, got exit {:?}:\n{text}{}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases wrong:\n\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn every_broken_fixture_has_a_case() {
    let mut on_disk: Vec<String> = std::fs::read_dir(manifest_dir().join(BROKEN))
        .expect("read broken fixtures")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut in_table: Vec<String> = CASES.iter().map(|c| c.0.to_string()).collect();
    in_table.sort();
    assert_eq!(on_disk, in_table);
    assert!(
        on_disk.len() >= 30,
        "the corpus shrank to {}",
        on_disk.len()
    );
}

#[test]
fn whole_broken_folder_fails_without_panic() {
    let out = validate(&[BROKEN]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    let summary = text.lines().last().unwrap_or_default();
    assert!(
        summary.starts_with(&format!("{} files, ", CASES.len())),
        "{summary}"
    );
    // Every file contributes at least one error.
    for (file, ..) in CASES {
        assert!(
            text.contains(&format!("{BROKEN}/{file}:")),
            "no diagnostic for {file}"
        );
    }
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

#[test]
fn good_labs_pass() {
    let out = validate(&[GOOD]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert_eq!(text.trim(), "3 files, 0 errors, 0 warnings");
}

#[test]
fn a_file_over_one_mebibyte_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("huge.yaml");
    let mut text = String::from("format: 1\n");
    while text.len() <= 1024 * 1024 {
        text.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    std::fs::write(&path, &text).expect("write");
    let out = validate(&[path.to_str().expect("utf-8 path")]);
    let want = format!(
        "{}:1:1: error: the file is larger than the limit for lab files, 1048576 bytes (1 MiB)",
        path.display(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains(&want), "{}", stdout(&out));
}

#[test]
fn a_missing_path_exits_2() {
    let out = validate(&["tests/fixtures/no-such-lab.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-lab.yaml"));
}

#[test]
fn default_path_is_labs_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = tempfile::tempdir().expect("tempdir");
    // No labs/ here: the default is the curriculum shipped inside the binary.
    let shipped = Command::new(BIN)
        .arg("validate")
        .current_dir(dir.path())
        .env("LABRUNNER_HOME", home.path())
        .env_remove("LABRUNNER_ROOT")
        .output()
        .expect("run labrunner");
    assert_eq!(shipped.status.code(), Some(0), "{}", stdout(&shipped));
    let shipped_labs = std::fs::read_dir(manifest_dir().join("labs/MOD-DOCKER-04"))
        .expect("labs")
        .count();
    assert_eq!(
        stdout(&shipped).trim(),
        format!("{shipped_labs} files, 0 errors, 0 warnings")
    );
    // A labs/ folder here: a course checkout, validated instead.
    let labs = dir.path().join("labs");
    std::fs::create_dir(&labs).expect("mkdir");
    let good = manifest_dir().join(GOOD).join("custom-bridge-dns.yaml");
    std::fs::copy(good, labs.join("lab.yaml")).expect("copy");
    let out = validate_in(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(stdout(&out).trim(), "1 file, 0 errors, 0 warnings");
}

#[test]
fn json_output_lists_every_diagnostic() {
    let out = validate(&["--json", &format!("{BROKEN}/two-kinds.yaml")]);
    assert_eq!(out.status.code(), Some(1));
    let diags: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let first = diags
        .as_array()
        .expect("array")
        .iter()
        .find(|d| {
            d["message"]
                .as_str()
                .is_some_and(|m| m.contains("kind keys"))
        })
        .expect("the two-kinds diagnostic");
    assert_eq!(first["path"], format!("{BROKEN}/two-kinds.yaml"));
    assert_eq!(first["line"], 19);
    assert_eq!(first["column"], 9);
    assert_eq!(first["severity"], "error");
    assert!(first["hint"].is_string());
}

#[test]
fn an_untagged_image_is_only_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = std::fs::read_to_string(manifest_dir().join(GOOD).join("custom-bridge-dns.yaml"))
        .expect("read");
    let lab = good.replace("image: alpine:latest", "image: alpine");
    let path: PathBuf = dir.path().join("untagged.yaml");
    std::fs::write(&path, lab).expect("write");
    let out = validate(&[path.to_str().expect("utf-8 path")]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(&format!(
            "{}:8:8: warning: image `alpine` has no tag",
            path.display()
        )),
        "{text}"
    );
    assert!(text.contains("hint: pin a tag"), "{text}");
    assert!(text.ends_with("1 file, 0 errors, 1 warning\n"), "{text}");
}

/// Truncations and byte flips of a good lab: whatever comes out, no panic.
#[test]
fn mangled_labs_never_panic() {
    let good =
        std::fs::read(manifest_dir().join(GOOD).join("volume-persistence.yaml")).expect("read");
    let path = Path::new("mangled.yaml");
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    for cut in (0..good.len()).step_by(3) {
        inputs.push(good[..cut].to_vec());
    }
    for (i, at) in (0..good.len()).step_by(5).enumerate() {
        let mut m = good.clone();
        m[at] = [b'\t', b':', b'-', b'[', b'{', b'*', b'&', b'"', 0xff, b'\n'][i % 10];
        inputs.push(m);
    }
    for input in inputs {
        let dir_free = String::from_utf8_lossy(&input);
        let result = std::panic::catch_unwind(|| labrunner_core::check_str(path, &dir_free));
        assert!(result.is_ok(), "panicked on:\n{dir_free}");
    }
}

/// libyaml slows down with the square of the nesting depth: a megabyte of `[` must be refused
/// before it reaches the parser, not after minutes.
#[test]
fn a_megabyte_of_brackets_is_refused_quickly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("brackets.yaml");
    std::fs::write(&path, format!("format: 1\nid: {}", "[".repeat(1_000_000))).expect("write");
    let started = std::time::Instant::now();
    let out = validate(&[path.to_str().expect("utf-8 path")]);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert_eq!(out.status.code(), Some(1));
    let want = format!(
        "{}:2:133: error: the document is nested too deeply",
        path.display()
    );
    assert!(stdout(&out).contains(&want), "{}", stdout(&out));
}

#[test]
fn output_into_a_closed_pipe_is_not_a_panic() {
    use std::process::Stdio;
    let mut child = Command::new(BIN)
        .args(["validate", BROKEN])
        .current_dir(manifest_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // Close our end of stdout at once: the writes fail with a broken pipe.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(1));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}
