//! A grade is a fact: the same submission, graded again, gets the same score and the same
//! credit for every step. Each race-prone submission of `tests/fixtures/repeat/` (a writer that
//! exits at once, a removal on the very next line, `--rm` readers and writers, very fast and
//! very slow writers) and every shipped lab's reference solution (its steps' `solution`
//! commands as one submission) is graded [`REPEATS`] times on the real daemon, as a class of
//! that many copies graded side by side, and any spread fails the test with every grade seen.
//!
//! A fixture also says what it must score (`# expect: SCORE STEP,STEP`: the total and the
//! steps credited), so each rule of docs/grading.md ("Determinism") is shown to give nothing
//! for what was not done, not only to give the same thing twice.
//!
//! `bench/repeat.sh` does the same with 50 repeats.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use common::{docker_available, labrunner};

/// Gradings of each submission (`LABRUNNER_REPEATS` overrides).
const REPEATS: usize = 3;
/// Cases graded at once (each a class of [`REPEATS`] gradings at once).
const CASES_AT_ONCE: usize = 2;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One submission to grade repeatedly.
struct Case {
    name: String,
    lab: PathBuf,
    submission: String,
    /// What it must score, and the steps it must be credited; `None`: full marks, every step
    /// (a reference solution).
    expect: Option<(u32, Vec<String>)>,
}

/// What one grading gave: the score, the points of each step, the steps credited.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Grade {
    score: u32,
    max: u32,
    points: Vec<u32>,
    credited: Vec<String>,
}

impl std::fmt::Display for Grade {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let points: Vec<String> = self.points.iter().map(u32::to_string).collect();
        write!(
            f,
            "{}/{} ({}; credited: {})",
            self.score,
            self.max,
            points.join("/"),
            self.credited.join(",")
        )
    }
}

fn shipped_labs() -> Vec<PathBuf> {
    let mut labs = labrunner_core::lab_files(&root().join("labs/MOD-DOCKER-04")).expect("the labs");
    labs.sort();
    labs
}

fn solution_cases() -> Vec<Case> {
    shipped_labs()
        .into_iter()
        .map(|path| {
            let lab = labrunner_core::load(&path)
                .unwrap_or_else(|e| panic!("{} does not load: {e:?}", path.display()))
                .lab;
            let submission: String = lab
                .steps
                .iter()
                .flat_map(|s| s.solution.iter())
                .map(|c| format!("{}\n", c.text()))
                .collect();
            Case {
                name: format!("{}.solution", lab.id),
                lab: path,
                submission,
                expect: None,
            }
        })
        .collect()
}

fn fixture_cases() -> Vec<Case> {
    let dir = root().join("tests/fixtures/repeat");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the repeat fixtures")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "sh"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .expect("a name")
                .to_string();
            let lab_id = name.split('.').next().expect("LAB.CASE");
            let lab = root().join(format!("labs/MOD-DOCKER-04/{lab_id}.yaml"));
            assert!(lab.is_file(), "{name}: no lab {lab_id}");
            let submission = std::fs::read_to_string(&path).expect("the fixture");
            let expect = submission
                .lines()
                .find_map(|l| l.strip_prefix("# expect: "))
                .map(|e| {
                    let (score, steps) = e.split_once(' ').unwrap_or((e, ""));
                    let steps = steps
                        .split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect();
                    (score.trim().parse().expect("# expect: SCORE STEPS"), steps)
                });
            assert!(expect.is_some(), "{name} says what it must score");
            Case {
                name,
                lab,
                submission,
                expect,
            }
        })
        .collect()
}

/// Grade `case` `repeats` times as a class; the grades, one per copy.
fn grade_repeatedly(case: &Case, repeats: usize, home: &Path) -> Result<Vec<Grade>, String> {
    let dir = tempfile::tempdir().expect("a temp dir");
    let roster = dir.path().join("roster");
    let out = dir.path().join("out");
    std::fs::create_dir_all(&roster).expect("the roster folder");
    for i in 0..repeats {
        std::fs::write(roster.join(format!("r{i:02}.sh")), &case.submission).expect("a copy");
    }
    // Every case is graded in parallel: host ports are translated per grading, and gradings
    // that fix a subnet take turns for it by themselves (docs/grading.md, "Fixed subnets").
    let jobs = repeats;
    let output = labrunner(home)
        .arg("grade")
        .arg(&case.lab)
        .arg("--submissions")
        .arg(&roster)
        .arg("--out-dir")
        .arg(&out)
        .args(["--format", "json", "--jobs", &jobs.to_string()])
        .output()
        .expect("labrunner runs");
    if !output.status.success() {
        return Err(format!(
            "the class exited {:?}: {}",
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    (0..repeats)
        .map(|i| {
            let path = out.join(format!("r{i:02}.json"));
            let text = std::fs::read_to_string(&path).map_err(|e| format!("r{i:02}: {e}"))?;
            let report: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| format!("r{i:02}: {e}"))?;
            Ok(grade_of(&report))
        })
        .collect()
}

fn grade_of(report: &serde_json::Value) -> Grade {
    let number = |v: &serde_json::Value| v.as_u64().and_then(|n| u32::try_from(n).ok());
    let steps = report["steps"].as_array().cloned().unwrap_or_default();
    Grade {
        score: number(&report["score"]).unwrap_or(u32::MAX),
        max: number(&report["max_score"]).unwrap_or_default(),
        points: steps
            .iter()
            .map(|s| {
                s["checks"]
                    .as_array()
                    .map_or(0, |cs| cs.iter().filter_map(|c| number(&c["score"])).sum())
            })
            .collect(),
        credited: steps
            .iter()
            .filter(|s| s["credited"].as_bool() == Some(true))
            .filter_map(|s| s["id"].as_str().map(str::to_string))
            .collect(),
    }
}

/// What is wrong with a case's grades: a spread, or (for a fixture) not what it must score.
fn verdict(case: &Case, grades: &[Grade]) -> Option<String> {
    let mut seen: BTreeMap<&Grade, usize> = BTreeMap::new();
    for g in grades {
        *seen.entry(g).or_default() += 1;
    }
    let shown: Vec<String> = seen.iter().map(|(g, n)| format!("{n}x {g}")).collect();
    if seen.len() != 1 {
        return Some(format!("spread: {}", shown.join(" | ")));
    }
    let got = grades.first()?;
    let Some((score, steps)) = &case.expect else {
        let full = got.score == got.max && got.credited.len() == got.points.len();
        return (!full).then(|| format!("the reference solution got {got}, not full marks"));
    };
    (got.score != *score || got.credited != *steps).then(|| {
        format!(
            "every grading gave {got}, but it must score {score} with {} credited",
            steps.join(",")
        )
    })
}

#[test]
fn the_same_submission_gets_the_same_grade_every_time() {
    if !docker_available() {
        return;
    }
    let repeats = std::env::var("LABRUNNER_REPEATS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(REPEATS);
    let home = tempfile::tempdir().expect("a home");
    let mut cases = fixture_cases();
    cases.extend(solution_cases());
    let started = Instant::now();
    // A few cases at a time, each a class graded in parallel.
    let results = std::thread::scope(|s| {
        let mut results: Vec<(&Case, Result<Vec<Grade>, String>)> = Vec::new();
        for chunk in cases.chunks(CASES_AT_ONCE) {
            let handles: Vec<_> = chunk
                .iter()
                .map(|c| s.spawn(|| grade_repeatedly(c, repeats, home.path())))
                .collect();
            let graded = handles
                .into_iter()
                .map(|h| h.join().expect("a grading thread"));
            results.extend(chunk.iter().zip(graded));
        }
        results
    });
    let mut wrong = Vec::new();
    for (case, graded) in &results {
        let line = match graded {
            Ok(grades) => {
                let scores: Vec<String> = grades.iter().map(|g| g.score.to_string()).collect();
                if let Some(why) = verdict(case, grades) {
                    wrong.push(format!("{}: {why}", case.name));
                }
                scores.join(" ")
            }
            Err(e) => {
                wrong.push(format!("{}: not graded: {e}", case.name));
                "not graded".to_string()
            }
        };
        eprintln!("{:<44} {line}", case.name);
    }
    eprintln!(
        "{} cases x {repeats} in {:.0}s",
        results.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_spread_and_a_wrong_score_are_both_caught() {
    let grade = |score: u32, credited: &[&str]| Grade {
        score,
        max: 11,
        points: vec![score],
        credited: credited.iter().map(|s| s.to_string()).collect(),
    };
    let case = Case {
        name: "x".into(),
        lab: PathBuf::new(),
        submission: String::new(),
        expect: Some((6, vec!["a".into()])),
    };
    assert_eq!(verdict(&case, &[grade(6, &["a"]), grade(6, &["a"])]), None);
    let spread = verdict(&case, &[grade(6, &["a"]), grade(7, &["a", "b"])]).expect("a spread");
    assert!(
        spread.contains("1x 6") && spread.contains("1x 7"),
        "{spread}"
    );
    let wrong = verdict(&case, &[grade(7, &["a", "b"])]).expect("not what it must score");
    assert!(wrong.contains("must score 6"), "{wrong}");
    let solution = Case {
        expect: None,
        ..case
    };
    assert!(verdict(&solution, &[grade(11, &["a"])]).is_none());
    let short = verdict(&solution, &[grade(10, &["a"])]).expect("not full marks");
    assert!(short.contains("not full marks"), "{short}");
    // What makes gradings take turns is a fixed subnet, not a fixed host port.
    let fixes_subnet = |line: &str| {
        labrunner_core::parse_command(line, None)
            .is_ok_and(|a| labrunner_core::fixed_subnet(&a).is_some())
    };
    assert!(fixes_subnet("docker network create --subnet 10.1.0.0/16 n"));
    assert!(!fixes_subnet("docker run -d -p 127.0.0.1:8081:80 nginx"));
}
