//! Gradebooks an LMS imports, from a class graded on the real daemon: `--format
//! canvas-csv,moodle-csv,lti-score --roster FILE`, for `grade --submissions` and for `merge`.
//! The columns are those Canvas's and Moodle's gradebook imports document (docs/grading.md,
//! "Gradebooks for an LMS"); a student who cannot be graded gets no grade, and an identity
//! written to run as a formula is neutralised.

mod common;

use std::path::{Path, PathBuf};

use common::{docker_available, labrunner};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/class")
        .join(name)
}

fn table(path: &Path) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .records()
        .map(|r| {
            r.expect("a CSV record")
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect()
}

const ROSTER: &str =
    "student,name,canvas_id,sis_user_id,sis_login_id,section,email,username,idnumber,lti_user_id
alice,\"Liddell, Alice\",101,S101,aliddell,Lab 1,alice@uni.test,aliddell,2001,lti-alice
bob,=cmd|'/c calc'!A0,102,S102,bob,Lab 1,bob@uni.test,bob,2002,lti-bob
zed,Zed,103,S103,zed,Lab 2,zed@uni.test,zed,2003,lti-zed
";

#[test]
fn a_class_gives_canvas_moodle_and_lti_gradebooks_keyed_by_the_roster() {
    if !docker_available() {
        return;
    }
    let work = tempfile::tempdir().expect("temp dir");
    let subs = work.path().join("subs");
    std::fs::create_dir(&subs).expect("mkdir");
    std::fs::copy(fixture("correct.sh"), subs.join("alice.sh")).expect("copy");
    std::fs::copy(fixture("wrong-content.sh"), subs.join("bob.sh")).expect("copy");
    std::fs::write(subs.join("zed.sh"), vec![b'#'; 300 * 1024]).expect("write");
    let roster = work.path().join("roster.csv");
    std::fs::write(&roster, ROSTER).expect("write");
    let out = work.path().join("out");
    let home = work.path().join("home");
    let run = labrunner(&home)
        .args(["grade".as_ref(), fixture("storage.yaml").as_os_str()])
        .args(["--submissions".as_ref(), subs.as_os_str()])
        .args(["--out-dir".as_ref(), out.as_os_str()])
        .args(["--format", "json,canvas-csv,moodle-csv,lti-score"])
        .args(["--roster".as_ref(), roster.as_os_str()])
        .args(["--assignment", "Lab 4: volumes"])
        .env("LABRUNNER_NAMESPACE", "kxlms")
        .output()
        .expect("labrunner runs");
    let said = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "zed cannot be graded: {said}");

    let canvas = table(&out.join("gradebook.canvas.csv"));
    assert_eq!(
        canvas[0],
        [
            "Student",
            "ID",
            "SIS User ID",
            "SIS Login ID",
            "Section",
            "Lab 4: volumes"
        ]
    );
    assert_eq!(canvas[1], ["Points Possible", "", "", "", "", "8"]);
    assert_eq!(
        canvas[2],
        ["Liddell, Alice", "101", "S101", "aliddell", "Lab 1", "8"]
    );
    assert_eq!(
        canvas[3],
        ["'=cmd|'/c calc'!A0", "102", "S102", "bob", "Lab 1", "3"]
    );
    assert_eq!(canvas[4], ["Zed", "103", "S103", "zed", "Lab 2", ""]);

    let moodle = table(&out.join("gradebook.moodle.csv"));
    assert_eq!(
        moodle[0],
        [
            "Email address",
            "Username",
            "ID number",
            "Lab 4: volumes",
            "Lab 4: volumes (feedback)"
        ]
    );
    assert_eq!(moodle[1], ["alice@uni.test", "aliddell", "2001", "8", ""]);
    assert_eq!(moodle[2][3], "3");
    assert_eq!(moodle[3][3], "");
    assert!(
        moodle[3][4].starts_with("could not be graded: "),
        "{:?}",
        moodle[3]
    );

    let score = |s: &str| -> serde_json::Value {
        let text = std::fs::read_to_string(out.join("lti-scores").join(format!("{s}.json")))
            .expect("score file");
        serde_json::from_str(&text).expect("JSON")
    };
    assert_eq!(score("alice")["userId"], "lti-alice");
    assert_eq!(score("alice")["scoreGiven"], 8);
    assert_eq!(score("alice")["scoreMaximum"], 8);
    assert_eq!(score("bob")["scoreGiven"], 3);
    assert_eq!(score("bob")["gradingProgress"], "FullyGraded");
    assert!(score("zed").get("scoreGiven").is_none());
    assert_eq!(score("zed")["gradingProgress"], "Failed");

    // The same from `merge` of that folder, as from shards.
    let merged = work.path().join("merged");
    let run = labrunner(&home)
        .args([
            "merge".as_ref(),
            fixture("storage.yaml").as_os_str(),
            out.as_os_str(),
        ])
        .args(["--submissions".as_ref(), subs.as_os_str()])
        .args(["--out-dir".as_ref(), merged.as_os_str()])
        .args(["--format", "canvas-csv"])
        .args(["--roster".as_ref(), roster.as_os_str()])
        .args(["--assignment", "Lab 4: volumes"])
        .output()
        .expect("labrunner runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(table(&merged.join("gradebook.canvas.csv")), canvas);
}

#[test]
fn an_lms_format_needs_a_roster_that_names_every_column_it_knows() {
    let work = tempfile::tempdir().expect("temp dir");
    let subs = work.path().join("subs");
    std::fs::create_dir(&subs).expect("mkdir");
    std::fs::write(subs.join("alice.sh"), "").expect("write");
    let home = work.path().join("home");
    let grade = |extra: &[&std::ffi::OsStr]| {
        labrunner(&home)
            .args(["grade".as_ref(), fixture("storage.yaml").as_os_str()])
            .args(["--submissions".as_ref(), subs.as_os_str()])
            .args(["--out-dir".as_ref(), work.path().join("out").as_os_str()])
            .args(extra)
            .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
            .output()
            .expect("labrunner runs")
    };
    let out = grade(&["--format".as_ref(), "canvas-csv".as_ref()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--format canvas-csv: needs --roster FILE"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A roster with an unknown column is refused with its line and column, before any daemon
    // is asked for.
    let roster = work.path().join("roster.csv");
    std::fs::write(&roster, "student,emial\nalice,a@x\n").expect("write");
    let out = grade(&[
        "--format".as_ref(),
        "moodle-csv".as_ref(),
        "--roster".as_ref(),
        roster.as_os_str(),
    ]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains("roster.csv:1:2: unknown column `emial`"),
        "{said}"
    );
    assert!(!said.contains("Docker daemon"), "{said}");
}
