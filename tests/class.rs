//! A whole class on the real daemon: `labrunner grade LAB --submissions DIR --out-dir OUT`,
//! then the same roster in four shards joined by `labrunner merge`.
//!
//! The fixture lab (`tests/fixtures/class/storage.yaml`) has no check that holds on an empty
//! daemon, so an empty submission earns nothing. Expected scores are not written down: they
//! are the lab's own points of the checks each kind of submission satisfies. Every grading runs
//! under a `kx` namespace prefix and the lab id `kx-class-storage`, so the leftover checks look
//! only at this test's resources.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{docker, docker_available, docker_quiet, labrunner};
use labrunner_core::Lab;

const LAB_ID: &str = "kx-class-storage";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/class")
        .join(name)
}

fn lab() -> Lab {
    match labrunner_core::load(&fixture("storage.yaml")) {
        Ok(l) => l.lab,
        Err(e) => panic!("fixture lab does not load: {e:?}"),
    }
}

/// A kind of submission, and the checks (`step/index`) it satisfies.
struct Kind {
    name: &'static str,
    passes: &'static [&'static str],
    /// False: cannot be graded (the gradebook's `error`).
    graded: bool,
}

const ALL_CHECKS: &[&str] = &["network/0", "writer/0", "writer/1", "reader/0"];

const KINDS: &[Kind] = &[
    Kind {
        name: "correct",
        passes: ALL_CHECKS,
        graded: true,
    },
    Kind {
        name: "wrong-content",
        passes: &["network/0", "writer/0", "reader/0"],
        graded: true,
    },
    Kind {
        name: "wrong-network",
        passes: &["writer/0", "writer/1", "reader/0"],
        graded: true,
    },
    Kind {
        name: "empty",
        passes: &[],
        graded: true,
    },
    Kind {
        name: "comments-only",
        passes: &[],
        graded: true,
    },
    // Refused line by line, then the honest commands, which earn everything.
    Kind {
        name: "hostile-refused",
        passes: ALL_CHECKS,
        graded: true,
    },
    Kind {
        name: "hostile-timeout",
        passes: &["network/0"],
        graded: true,
    },
    Kind {
        name: "hostile-forkbomb",
        passes: &["network/0"],
        graded: true,
    },
    Kind {
        name: "hostile-neighbours",
        passes: &["network/0"],
        graded: true,
    },
    Kind {
        name: "hostile-oversized",
        passes: &[],
        graded: false,
    },
    Kind {
        name: "hostile-binary",
        passes: &[],
        graded: false,
    },
];

/// 40 students: 10 correct, 10 half wrong, 10 empty, 10 hostile. Returns student -> kind.
fn write_roster(dir: &Path) -> BTreeMap<String, &'static Kind> {
    let plan: &[(&str, usize)] = &[
        ("correct", 10),
        ("wrong-content", 5),
        ("wrong-network", 5),
        ("empty", 5),
        ("comments-only", 5),
        ("hostile-refused", 3),
        ("hostile-timeout", 2),
        ("hostile-forkbomb", 1),
        ("hostile-neighbours", 2),
        ("hostile-oversized", 1),
        ("hostile-binary", 1),
    ];
    let mut roster = BTreeMap::new();
    let mut n = 0;
    for (kind_name, count) in plan {
        let kind = KINDS
            .iter()
            .find(|k| k.name == *kind_name)
            .unwrap_or_else(|| panic!("no kind {kind_name}"));
        for _ in 0..*count {
            n += 1;
            let student = format!("s{n:02}-{kind_name}");
            let file = dir.join(format!("{student}.sh"));
            let content: Vec<u8> = match *kind_name {
                "empty" => Vec::new(),
                "comments-only" => b"# I did not get to it\n\n   \n".to_vec(),
                "hostile-oversized" => vec![b'#'; 300 * 1024],
                "hostile-binary" => b"docker network create \xff\xfe kx-app-net\n".to_vec(),
                name => std::fs::read(fixture(&format!("{name}.sh")))
                    .unwrap_or_else(|e| panic!("fixture {name}: {e}")),
            };
            std::fs::write(&file, content).unwrap_or_else(|e| panic!("{e}"));
            roster.insert(student, kind);
        }
    }
    assert_eq!(roster.len(), 40);
    roster
}

/// The expected gradebook row, from the lab's points of the checks the kind satisfies.
fn expected_row(lab: &Lab, kind: &Kind) -> (Option<u32>, Vec<Option<u32>>, &'static str) {
    if !kind.graded {
        return (None, vec![None; lab.steps.len()], "error");
    }
    // The one credit rule: steps are credited in order; the first step not credited earns
    // the points of its passing checks, and the steps after it earn nothing.
    let mut open = true;
    let steps: Vec<Option<u32>> = lab
        .steps
        .iter()
        .map(|step| {
            if !open {
                return Some(0);
            }
            let passes = |i: usize| kind.passes.contains(&format!("{}/{i}", step.id).as_str());
            open = (0..step.checks.len()).all(&passes);
            Some(
                step.checks
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| passes(*i))
                    .map(|(_, c)| c.points())
                    .sum(),
            )
        })
        .collect();
    let score = steps.iter().flatten().sum();
    let status = if kind.passes.len() == ALL_CHECKS.len() {
        "passed"
    } else {
        "failed"
    };
    (Some(score), steps, status)
}

fn kind_max(lab: &Lab) -> u32 {
    lab.steps
        .iter()
        .flat_map(|s| &s.checks)
        .map(|c| c.points())
        .sum()
}

/// Everything gradings under these namespace prefixes could have left: resources named under
/// a prefix, or labelled with the lab and a run (namespace) under a prefix. Other tests of the
/// same lab run at the same time under other prefixes; their resources are not counted.
fn leftovers(prefixes: &[&str]) -> Vec<String> {
    let mine = |run: &str| prefixes.iter().any(|p| run.starts_with(&format!("{p}-")));
    let mut left = Vec::new();
    let mut filters = vec![format!("label=io.labrunner.lab={LAB_ID}")];
    filters.extend(prefixes.iter().map(|p| format!("name={p}-")));
    let run = r#"{{.Label "io.labrunner.run"}}"#;
    for filter in &filters {
        for (kind, args) in [
            ("container", vec!["ps", "-a", "--format"]),
            ("network", vec!["network", "ls", "--format"]),
            ("volume", vec!["volume", "ls", "--format"]),
        ] {
            let name = if kind == "container" {
                "{{.Names}}"
            } else {
                "{{.Name}}"
            };
            let format = format!("{name} {run}");
            let mut args = args.clone();
            args.extend([format.as_str(), "--filter", filter.as_str()]);
            for line in docker(&args).lines() {
                let (name, run) = line.split_once(' ').unwrap_or((line, ""));
                if mine(name) || mine(run) {
                    left.push(format!("{kind} {name}"));
                }
            }
        }
    }
    left.sort();
    left.dedup();
    left
}

/// Remove what a failed earlier run of this test could have left (only this test's names).
fn purge(prefixes: &[&str]) {
    for entry in leftovers(prefixes) {
        if let Some((kind, name)) = entry.split_once(' ') {
            match kind {
                "container" => docker_quiet(&["rm", "-f", name]),
                "network" => docker_quiet(&["network", "rm", name]),
                _ => docker_quiet(&["volume", "rm", "-f", name]),
            }
        }
    }
}

fn grade_class(home: &Path, roster: &Path, out: &Path, extra: &[&str]) -> Command {
    let mut cmd = labrunner(home);
    cmd.arg("grade")
        .arg(fixture("storage.yaml"))
        .arg("--submissions")
        .arg(roster)
        .arg("--out-dir")
        .arg(out)
        .args([
            "--command-timeout",
            "3",
            "--pids-limit",
            "40",
            "--memory-mib",
            "64",
        ])
        .args(extra);
    cmd
}

fn run(mut cmd: Command) -> Output {
    let out = cmd.output().expect("labrunner runs");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The gradebook as rows of fields, checked against what each student's kind earns.
fn check_gradebook(lab: &Lab, csv_text: &str, roster: &BTreeMap<String, &'static Kind>) {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("gradebook header")
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(
        header,
        [
            "student",
            "score",
            "max",
            "step:network",
            "step:writer",
            "step:reader",
            "status",
            "error"
        ]
    );
    let max: u32 = lab
        .steps
        .iter()
        .flat_map(|s| &s.checks)
        .map(|c| c.points())
        .sum();
    let mut seen = Vec::new();
    for row in reader.records() {
        let row = row.expect("gradebook row");
        let student = row[0].to_string();
        let kind = roster
            .get(&student)
            .unwrap_or_else(|| panic!("unknown student {student}"));
        let (score, steps, status) = expected_row(lab, kind);
        let show = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
        assert_eq!(
            &row[1],
            show(score),
            "{student} ({}) score: {row:?}",
            kind.name
        );
        assert_eq!(&row[2], max.to_string(), "{student} max");
        for (i, points) in steps.iter().enumerate() {
            assert_eq!(&row[3 + i], show(*points), "{student} step {i}: {row:?}");
        }
        assert_eq!(&row[6], status, "{student} status: {row:?}");
        assert_eq!(row[7].is_empty(), kind.graded, "{student} error: {row:?}");
        seen.push(student);
    }
    let expected: Vec<String> = roster.keys().cloned().collect();
    assert_eq!(
        seen, expected,
        "one gradebook row per student, in roster order"
    );
}

#[test]
fn a_class_of_forty_on_one_daemon_and_in_four_shards_gives_one_gradebook() {
    if !docker_available() {
        return;
    }
    let prefixes = ["kxc", "kxs0", "kxs1", "kxs2", "kxs3"];
    purge(&prefixes);
    let lab = lab();
    let work = tempfile::tempdir().expect("temp dir");
    let home = work.path().join("home");
    let roster_dir = work.path().join("roster");
    std::fs::create_dir_all(&roster_dir).expect("roster dir");
    let roster = write_roster(&roster_dir);

    // One daemon, the whole class.
    let whole = work.path().join("whole");
    let out = run(grade_class(
        &home,
        &roster_dir,
        &whole,
        &[
            "--namespace",
            "kxc",
            "--jobs",
            "4",
            "--format",
            "json,junit",
        ],
    ));
    // Two students could not be graded (oversized, not text): exit 1, the rest are graded.
    assert_eq!(out.status.code(), Some(1));
    let book = read(&whole.join("gradebook.csv"));
    check_gradebook(&lab, &book, &roster);
    assert_eq!(
        leftovers(&prefixes),
        Vec::<String>::new(),
        "nothing left behind"
    );

    // Each student has a report per format, whose score is the gradebook's; hostile gradings
    // ran in namespaces of their own.
    let mut namespaces = Vec::new();
    for (student, kind) in &roster {
        let junit = whole.join(format!("{student}.junit.xml"));
        assert!(read(&junit).contains("<testsuites"), "{student}");
        let report: serde_json::Value =
            serde_json::from_str(&read(&whole.join(format!("{student}.json")))).expect("json");
        if kind.graded {
            let (score, _, _) = expected_row(&lab, kind);
            assert_eq!(report["score"].as_u64(), score.map(u64::from), "{student}");
            let ns = report["namespace"].as_str().unwrap_or("").to_string();
            assert!(ns.starts_with("kxc-"), "{student}: {ns}");
            namespaces.push(ns);
        } else {
            assert_eq!(report["status"], "error", "{student}: {report}");
        }
    }
    let before = namespaces.len();
    namespaces.sort();
    namespaces.dedup();
    assert_eq!(
        namespaces.len(),
        before,
        "every student has a namespace of their own"
    );

    // The merged JUnit: one suite per student; a real JUnit parser reads it.
    let junit = read(&whole.join("class.junit.xml"));
    assert_eq!(junit.matches("<testsuite ").count(), 40);
    validate_with_python(
        "check_junit.py",
        &whole.join("class.junit.xml"),
        Some("junit.xsd"),
    );
    // The merged CTRF: every check of every student, valid against the CTRF schema.
    validate_with_python(
        "check_ctrf.py",
        &whole.join("class.ctrf.json"),
        Some("ctrf.schema.json"),
    );
    let ctrf: serde_json::Value =
        serde_json::from_str(&read(&whole.join("class.ctrf.json"))).expect("ctrf");
    let checks: usize = lab.steps.iter().map(|s| s.checks.len()).sum();
    let graded = roster.values().filter(|k| k.graded).count();
    assert_eq!(
        ctrf["results"]["summary"]["tests"],
        graded * checks + (40 - graded)
    );

    // A re-run keeps every graded student; only the two that could not be graded are tried
    // again, and are counted as such, not as graded.
    let again = run(grade_class(
        &home,
        &roster_dir,
        &whole,
        &["--namespace", "kxc"],
    ));
    assert_eq!(again.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(
        stderr.contains("0 graded, 38 kept from an earlier run, 2 could not be graded"),
        "{stderr}"
    );
    assert_eq!(read(&whole.join("gradebook.csv")), book);

    // The same roster as four shards, one process each, side by side on the daemon.
    let shard_dirs: Vec<PathBuf> = (0..4)
        .map(|i| work.path().join(format!("shard-{i}")))
        .collect();
    let children: Vec<_> = (0..4)
        .map(|i| {
            let mut cmd = grade_class(
                &home,
                &roster_dir,
                &shard_dirs[i],
                &["--namespace", prefixes[i + 1], "--jobs", "1"],
            );
            // The Kubernetes way: COUNT on the command line, INDEX from the pod's environment.
            cmd.args(["--shard", "4"])
                .env("JOB_COMPLETION_INDEX", i.to_string());
            cmd.stderr(std::process::Stdio::piped())
                .spawn()
                .expect("shard starts")
        })
        .collect();
    let mut sizes = Vec::new();
    for child in children {
        let out = child.wait_with_output().expect("shard ends");
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(matches!(out.status.code(), Some(0 | 1)), "{stderr}");
        sizes.push(stderr);
    }
    assert_eq!(
        leftovers(&prefixes),
        Vec::<String>::new(),
        "nothing left behind by the shards"
    );

    // Three shards merged: the fourth's students are named as missing.
    let merged = work.path().join("merged");
    let merge = |dirs: &[PathBuf]| {
        let mut cmd = labrunner(&home);
        cmd.arg("merge")
            .arg(fixture("storage.yaml"))
            .args(dirs)
            .arg("--submissions")
            .arg(&roster_dir)
            .arg("--out-dir")
            .arg(&merged);
        run(cmd)
    };
    let partial = merge(&shard_dirs[..3]);
    assert_eq!(partial.status.code(), Some(1));
    let last_shard: Vec<String> = std::fs::read_dir(shard_dirs[3].join("records"))
        .expect("shard 3 records")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.path()
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
        })
        .collect();
    assert!(!last_shard.is_empty(), "{sizes:?}");
    let stderr = String::from_utf8_lossy(&partial.stderr);
    for student in &last_shard {
        assert!(
            stderr.contains(student.as_str()),
            "{student} named as missing: {stderr}"
        );
    }

    // All four merged: the very gradebook of the single run.
    let full = merge(&shard_dirs);
    assert_eq!(
        full.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&full.stderr)
    );
    assert_eq!(read(&merged.join("gradebook.csv")), book);
    assert_eq!(
        read(&merged.join("class.junit.xml"))
            .matches("<testsuite ")
            .count(),
        40
    );
}

fn validate_with_python(script: &str, file: &Path, schema: Option<&str>) {
    let validators = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/validators");
    let mut cmd = Command::new(std::env::var("PYTHON").unwrap_or_else(|_| "python3".into()));
    cmd.arg(validators.join(script)).arg(file);
    if let Some(s) = schema {
        cmd.arg(validators.join(s));
    }
    let out = cmd.output().expect("python3 runs");
    assert!(
        out.status.success(),
        "{script} rejected {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn ctrl_c_stops_a_class_keeps_what_was_graded_and_a_rerun_finishes_it() {
    if !docker_available() {
        return;
    }
    let prefixes = ["kxi"];
    purge(&prefixes);
    let work = tempfile::tempdir().expect("temp dir");
    let home = work.path().join("home");
    let roster = work.path().join("roster");
    std::fs::create_dir_all(&roster).expect("roster dir");
    // Two quick students, then four that sit in a foreground container until stopped.
    for student in ["a-correct", "b-correct"] {
        std::fs::copy(fixture("correct.sh"), roster.join(format!("{student}.sh"))).expect("copy");
    }
    for i in 0..4 {
        std::fs::write(
            roster.join(format!("c{i}-sleeper.sh")),
            "docker network create kx-app-net\ndocker run --name kx-sleeper alpine sleep 100000\n",
        )
        .expect("write");
    }
    let out = work.path().join("out");
    let mut cmd = labrunner(&home);
    cmd.arg("grade")
        .arg(fixture("storage.yaml"))
        .arg("--submissions")
        .arg(&roster)
        .arg("--out-dir")
        .arg(&out)
        .args([
            "--namespace",
            "kxi",
            "--jobs",
            "2",
            "--command-timeout",
            "120",
        ])
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().expect("labrunner starts");
    // Wait until both correct students have records and both slots hold a running sleeper, so
    // that the interrupt finds every running grading inside its foreground container.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    let records = out.join("records");
    let sleeping = || {
        docker(&[
            "ps",
            "-q",
            "--filter",
            "name=kxi-",
            "--filter",
            "name=kx-sleeper",
        ])
        .split_whitespace()
        .count()
    };
    while std::time::Instant::now() < deadline {
        let done = std::fs::read_dir(&records).map(|d| d.count()).unwrap_or(0);
        if done >= 2 && sleeping() == 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert_eq!(sleeping(), 2, "two sleepers were running when interrupted");
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let stopped = child.wait_with_output().expect("labrunner ends");
    let stderr = String::from_utf8_lossy(&stopped.stderr);
    assert_eq!(stopped.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_eq!(
        leftovers(&prefixes),
        Vec::<String>::new(),
        "Ctrl-C removed what was running"
    );
    let kept: Vec<String> = std::fs::read_dir(&records)
        .expect("records")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(kept.contains(&"a-correct.json".to_string()), "{kept:?}");
    assert!(kept.contains(&"b-correct.json".to_string()), "{kept:?}");
    assert!(
        !kept.iter().any(|k| k.starts_with("c")),
        "no record for an interrupted student: {kept:?}"
    );
    let lab = lab();
    let row = |student: &str, kind: &str| {
        let kind = KINDS.iter().find(|k| k.name == kind).expect("kind");
        let (score, steps, status) = expected_row(&lab, kind);
        let show = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
        let steps: Vec<String> = steps.into_iter().map(show).collect();
        format!(
            "{student},{},{},{},{status},",
            show(score),
            kind_max(&lab),
            steps.join(",")
        )
    };
    let book = read(&out.join("gradebook.csv"));
    assert!(book.contains(&row("a-correct", "correct")), "{book}");
    let blank = vec![""; lab.steps.len()].join(",");
    assert!(
        book.contains(&format!("c0-sleeper,,{},{blank},missing,", kind_max(&lab))),
        "{book}"
    );

    // The re-run keeps the two and grades the rest (with a short command limit this time).
    let mut again = labrunner(&home);
    again
        .arg("grade")
        .arg(fixture("storage.yaml"))
        .arg("--submissions")
        .arg(&roster)
        .arg("--out-dir")
        .arg(&out)
        .args([
            "--namespace",
            "kxi",
            "--jobs",
            "4",
            "--command-timeout",
            "2",
        ]);
    let again = run(again);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("4 graded, 2 kept from an earlier run"),
        "{stderr}"
    );
    let book = read(&out.join("gradebook.csv"));
    assert!(
        book.contains(&row("c0-sleeper", "hostile-timeout")),
        "{book}"
    );
    assert_eq!(leftovers(&prefixes), Vec::<String>::new());
}
