//! A class whose file names are hostile (a spreadsheet formula, a terminal escape sequence, a
//! bidi override) graded on the real daemon: the names reach the terminal escaped, the
//! gradebook as text a spreadsheet will not run, and a re-run that adds formats writes them for
//! every student, kept ones included, with no `pass` for points not earned.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{docker_available, labrunner};
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/class")
        .join(name)
}

const FORMULA: &str = "=cmd|'_c calc'!A0";
const ESCAPE: &str = "\u{1b}[31mred\u{202e}gpj";

fn grade(home: &Path, roster: &Path, out: &Path, formats: &str) -> Output {
    labrunner(home)
        .arg("grade")
        .arg(fixture("storage.yaml"))
        .arg("--submissions")
        .arg(roster)
        .arg("--out-dir")
        .arg(out)
        .args(["--namespace", "lrcn", "--format", formats])
        .output()
        .expect("labrunner runs")
}

fn hostile(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| {
            (c.is_control() && c != '\n' && c != '\t')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

#[test]
fn hostile_student_names_are_escaped_and_every_format_is_written_on_a_rerun() {
    if !docker_available() {
        return;
    }
    let work = tempfile::tempdir().expect("temp dir");
    let home = work.path().join("home");
    let roster = work.path().join("roster");
    let out = work.path().join("out");
    std::fs::create_dir_all(&roster).expect("roster");
    std::fs::copy(fixture("correct.sh"), roster.join(format!("{FORMULA}.sh"))).expect("copy");
    // The reader of this one holds, but comes after a step it did not get right: unearned.
    std::fs::copy(
        fixture("wrong-content.sh"),
        roster.join(format!("{ESCAPE}.sh")),
    )
    .expect("copy");
    std::fs::write(roster.join("@empty.sh"), "").expect("write");

    let first = grade(&home, &roster, &out, "json");
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert_eq!(first.status.code(), Some(0), "{stderr}");
    assert_eq!(hostile(&stderr), Vec::<char>::new(), "{stderr}");
    assert!(stderr.contains("\\u{1b}[31mred\\u{202e}gpj"), "{stderr}");

    let book = std::fs::read_to_string(out.join("gradebook.csv")).expect("gradebook");
    assert_eq!(hostile(&book), Vec::<char>::new(), "{book}");
    let mut reader = csv::Reader::from_reader(book.as_bytes());
    let students: Vec<String> = reader
        .records()
        .map(|r| r.expect("a CSV row")[0].to_string())
        .collect();
    assert!(students.contains(&format!("'{FORMULA}")), "{book}");
    assert!(students.contains(&"'@empty".to_string()), "{book}");
    assert!(
        students
            .iter()
            .all(|s| !s.starts_with(['=', '+', '-', '@'])),
        "{book}"
    );

    // The records (read back by re-runs and merges) hold the id escaped, as JSON escapes.
    for student in [FORMULA, ESCAPE, "@empty"] {
        let record = out.join("records").join(format!("{student}.json"));
        let text = std::fs::read_to_string(&record).expect("record");
        assert_eq!(hostile(&text), Vec::<char>::new(), "{}", record.display());
    }

    // A re-run with more formats: nobody is graded again, everybody gets every format.
    let again = grade(&home, &roster, &out, "json,classroom,junit,tap");
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("0 graded, 3 kept from an earlier run"),
        "{stderr}"
    );
    for student in [FORMULA, ESCAPE, "@empty"] {
        for ext in ["json", "classroom.json", "junit.xml", "tap"] {
            let file = out.join(format!("{student}.{ext}"));
            assert!(file.is_file(), "{} was not written", file.display());
        }
    }
    let classroom = |student: &str| -> Value {
        serde_json::from_str(
            &std::fs::read_to_string(out.join(format!("{student}.classroom.json")))
                .expect("classroom result"),
        )
        .expect("JSON")
    };
    let earned = |v: &Value| -> u64 {
        v["tests"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["score"].as_u64())
            .sum()
    };
    let full = classroom(FORMULA);
    assert_eq!(earned(&full), full["max_score"].as_u64().unwrap_or(0));
    // Every test that passes earned its points: no `pass` for nothing.
    for student in [FORMULA, ESCAPE, "@empty"] {
        let v = classroom(student);
        for t in v["tests"].as_array().into_iter().flatten() {
            if t["status"] == "pass" {
                assert!(t["score"].as_u64().unwrap_or(0) > 0, "{student}: {t}");
            }
        }
    }
    let partial = classroom(ESCAPE);
    let unearned: Vec<&Value> = partial["tests"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| {
            t["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Not earned"))
        })
        .collect();
    assert!(
        !unearned.is_empty(),
        "the reader held without points: {partial}"
    );
    assert!(unearned.iter().all(|t| t["status"] == "fail"), "{partial}");
}
