use super::*;
use crate::report::{CheckReport, Status, StepReport};
use chrono::DateTime;

const LAB: &str = r#"format: 1
id: kx-unit
title: Unit lab
lesson: L1
difficulty: beginner
minutes: 5
resources:
  networks: [net]
  containers: [web, db]
steps:
  - id: first
    title: First
    instructions: x
    solution: [docker network create net]
    checks:
      - network: { name: net }
        points: 2
  - id: second
    title: Second
    instructions: y
    solution: [docker run -d --name web alpine:latest sleep 60]
    checks:
      - container: { name: web, state: running }
      - container: { name: db, state: running }
        points: 3
"#;

fn lab() -> Lab {
    match crate::load::load_str(Path::new("kx-unit.yaml"), LAB) {
        Ok(l) => l.lab,
        Err(e) => panic!("fixture lab does not load: {e:?}"),
    }
}

fn check(score: u32, max: u32) -> CheckReport {
    CheckReport {
        description: "c".into(),
        score,
        max_score: max,
        status: if score == max {
            Status::Passed
        } else {
            Status::Failed
        },
        evidence: "seen".into(),
        duration_ms: 1,
    }
}

/// A graded record with the given points for the lab's three checks.
fn graded(student: &str, points: [u32; 3]) -> StudentRecord {
    let steps = vec![
        StepReport {
            id: "first".into(),
            title: "First".into(),
            credited: points[0] == 2,
            checks: vec![check(points[0], 2)],
        },
        StepReport {
            id: "second".into(),
            title: "Second".into(),
            credited: points[1] == 1 && points[2] == 3,
            checks: vec![check(points[1], 1), check(points[2], 3)],
        },
    ];
    StudentRecord {
        student: student.into(),
        lab_id: "kx-unit".into(),
        submission: "0123".into(),
        outcome: Outcome::Graded {
            report: GradeReport {
                lab_id: "kx-unit".into(),
                lab_title: "Unit lab".into(),
                namespace: Some("kx-abc123".into()),
                started_at: DateTime::<Utc>::default(),
                duration_ms: 10,
                steps,
                score: points.iter().sum(),
                max_score: 6,
                refused: vec![],
                commands: vec![],
                aborted: None,
            },
        },
        leftovers: vec![],
    }
}

fn failed(student: &str, why: &str) -> StudentRecord {
    StudentRecord {
        student: student.into(),
        lab_id: "kx-unit".into(),
        submission: String::new(),
        outcome: Outcome::Error { error: why.into() },
        leftovers: vec![],
    }
}

#[test]
fn a_roster_is_the_regular_files_by_student_id() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let p = dir.path();
    for name in ["bob.sh", "alice.sh", "carol", ".hidden.sh", "dan.v2.txt"] {
        std::fs::write(p.join(name), "docker network create net\n").unwrap_or_default();
    }
    std::fs::create_dir(p.join("notes")).unwrap_or_default();
    let roster = read_roster(p).unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = roster.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["alice", "bob", "carol", "dan.v2"]);
    assert_eq!(roster[0].path, p.join("alice.sh"));
}

#[cfg(unix)]
#[test]
fn links_to_anything_but_a_file_are_not_submissions() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let p = dir.path();
    std::fs::write(p.join("real.sh"), "x\n").unwrap_or_default();
    std::os::unix::fs::symlink("/dev/zero", p.join("zero.sh")).unwrap_or_default();
    std::os::unix::fs::symlink(p.join("real.sh"), p.join("linked.sh")).unwrap_or_default();
    let ids: Vec<String> = read_roster(p)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(ids, ["linked", "real"]);
}

#[test]
fn two_files_of_one_student_and_an_empty_folder_are_errors() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        read_roster(dir.path()),
        Err(ClassError::EmptyRoster(_))
    ));
    std::fs::write(dir.path().join("alice.sh"), "x\n").unwrap_or_default();
    std::fs::write(dir.path().join("alice.txt"), "x\n").unwrap_or_default();
    let err = read_roster(dir.path()).err().map(|e| e.to_string());
    let err = err.unwrap_or_default();
    assert!(
        err.contains("alice.sh") && err.contains("alice.txt"),
        "{err}"
    );
    assert!(matches!(
        read_roster(&dir.path().join("absent")),
        Err(ClassError::Roster { .. })
    ));
}

#[test]
fn shards_parse_from_the_flag_or_the_job_index() {
    assert_eq!(
        Shard::parse("1/4", None).ok(),
        Some(Shard { index: 1, count: 4 })
    );
    assert_eq!(
        Shard::parse("4", Some("3")).ok(),
        Some(Shard { index: 3, count: 4 })
    );
    for bad in ["4/4", "0/0", "a/2", "-1/2", "3"] {
        let e = Shard::parse(bad, None).err().map(|e| e.to_string());
        assert!(
            e.as_deref()
                .is_some_and(|e| e.contains("JOB_COMPLETION_INDEX")),
            "{bad}: {e:?}"
        );
    }
    assert!(Shard::parse("2", Some("2")).is_err());
}

#[test]
fn every_student_is_in_exactly_one_shard_and_stays_there() {
    let roster: Vec<Student> = (0..200)
        .map(|i| Student {
            id: format!("student-{i:03}"),
            path: PathBuf::from(format!("s{i}.sh")),
        })
        .collect();
    let shards: Vec<Shard> = (0..4).map(|index| Shard { index, count: 4 }).collect();
    for s in &roster {
        assert_eq!(shards.iter().filter(|sh| sh.contains(&s.id)).count(), 1);
    }
    let sizes: Vec<usize> = shards
        .iter()
        .map(|sh| sh.select(roster.clone()).len())
        .collect();
    assert_eq!(sizes.iter().sum::<usize>(), 200);
    assert!(sizes.iter().all(|n| *n >= 30), "{sizes:?}");
    // Fixed by the hash's definition, not by this build: a known value.
    assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
}

#[test]
fn jobs_follow_the_scarcest_resource() {
    let lab = lab();
    let mib = 1024 * 1024;
    let big = DaemonCapacity {
        cpus: 8,
        memory_bytes: 64 * 1024 * mib,
        pool_networks: Some(256),
    };
    assert_eq!(default_jobs(&big, &lab, 256 * mib as i64), 16);
    let small_memory = DaemonCapacity {
        memory_bytes: 2048 * mib,
        ..big
    };
    // Two containers of 256 MiB each per grading: 2 GiB holds 4.
    assert_eq!(default_jobs(&small_memory, &lab, 256 * mib as i64), 4);
    let few_networks = DaemonCapacity {
        pool_networks: None,
        ..big
    };
    // The default pools' 31 networks, half of them: 15 gradings of a one-network lab.
    assert_eq!(default_jobs(&few_networks, &lab, 256 * mib as i64), 15);
    let tiny = DaemonCapacity {
        cpus: 0,
        memory_bytes: mib,
        pool_networks: Some(1),
    };
    assert_eq!(default_jobs(&tiny, &lab, 256 * mib as i64), 1);
}

#[test]
fn the_gradebook_has_points_per_step_status_and_error() {
    let lab = lab();
    let mut aborted = graded("dan", [2, 0, 0]);
    if let Outcome::Graded { report } = &mut aborted.outcome {
        report.aborted = Some("the total time limit\nwas reached".into());
    }
    let records = [
        graded("alice", [2, 1, 3]),
        graded("bob", [2, 1, 0]),
        failed(
            "carol",
            "submission carol.sh is 999999 bytes; the limit is 262144",
        ),
        aborted,
    ];
    let by: BTreeMap<&str, &StudentRecord> =
        records.iter().map(|r| (r.student.as_str(), r)).collect();
    let rows: Vec<GradebookRow> = ["alice", "bob", "carol", "dan", "erin"]
        .iter()
        .map(|s| GradebookRow::new(&lab, s, by.get(s).copied()))
        .collect();
    let csv = gradebook_csv(&lab, &rows).unwrap_or_default();
    let expected = "student,score,max,step:first,step:second,status,error\n\
alice,6,6,2,4,passed,\n\
bob,3,6,2,1,failed,\n\
carol,,6,,,error,submission carol.sh is 999999 bytes; the limit is 262144\n\
dan,2,6,2,0,failed,the total time limit was reached\n\
erin,,6,,,missing,no result in any of the folders given\n";
    assert_eq!(csv, expected);
}

#[test]
fn nothing_earns_nothing_in_the_gradebook() {
    let lab = lab();
    let row = GradebookRow::new(&lab, "zed", Some(&graded("zed", [0, 0, 0])));
    assert_eq!(row.score, Some(0));
    assert_eq!(row.steps, [Some(0), Some(0)]);
    assert_eq!(row.status, RowStatus::Failed);
}

#[test]
fn records_read_back_and_bad_ones_are_named() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = OutDir::new(dir.path());
    let alice = graded("alice", [2, 1, 3]);
    write_student(&out, &lab(), &alice, &[Format::Text, Format::Junit])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.read_record("alice").ok().flatten(), Some(alice));
    assert!(out.report("alice", Format::Junit).is_file());
    assert!(out.report("alice", Format::Text).is_file());
    assert_eq!(out.read_record("nobody").ok().flatten(), None);
    std::fs::write(out.record("broken"), "{ not json").unwrap_or_default();
    let err = out
        .read_records()
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("broken.json"), "{err}");
}

#[test]
fn a_student_file_that_would_overwrite_a_class_file_is_refused() {
    let out = OutDir::new("/tmp/kx-out");
    let roster = [
        Student {
            id: "class".into(),
            path: "class.sh".into(),
        },
        Student {
            id: "alice".into(),
            path: "alice.sh".into(),
        },
    ];
    assert!(out.check_names(&roster, &[Format::Text]).is_ok());
    let err = out.check_names(&roster, &[Format::Junit]).err();
    assert!(
        matches!(err, Some(ClassError::OutputClash { .. })),
        "{err:?}"
    );
    let pair = [
        Student {
            id: "bob".into(),
            path: "bob.sh".into(),
        },
        Student {
            id: "bob.gradescope".into(),
            path: "bob.gradescope.sh".into(),
        },
    ];
    let err = out
        .check_names(&pair, &[Format::Json, Format::Gradescope])
        .err();
    assert!(
        matches!(err, Some(ClassError::OutputClash { .. })),
        "{err:?}"
    );
}

fn roster(ids: &[&str]) -> Vec<Student> {
    ids.iter()
        .map(|id| Student {
            id: id.to_string(),
            path: PathBuf::from(format!("{id}.sh")),
        })
        .collect()
}

#[test]
fn merging_shards_names_the_missing_and_equals_one_run() {
    let lab = lab();
    let all = roster(&["alice", "bob", "carol", "dan"]);
    let (one, a, b, merged) = (
        tempfile::tempdir(),
        tempfile::tempdir(),
        tempfile::tempdir(),
        tempfile::tempdir(),
    );
    let dirs = [one, a, b, merged].map(|d| OutDir::new(d.map(|d| d.keep()).unwrap_or_default()));
    let [one, a, b, merged] = dirs;
    let records = [
        graded("alice", [2, 1, 3]),
        graded("bob", [0, 0, 0]),
        failed("carol", "bad"),
        graded("dan", [2, 0, 3]),
    ];
    for r in &records {
        write_student(&one, &lab, r, &[]).unwrap_or_else(|e| panic!("{e}"));
        let shard = if ["alice", "carol"].contains(&r.student.as_str()) {
            &a
        } else {
            &b
        };
        if r.student != "dan" {
            write_student(shard, &lab, r, &[]).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    let ids: Vec<&str> = all.iter().map(|s| s.id.as_str()).collect();
    write_class_files(&one, &lab, &ids, &records, None).unwrap_or_else(|e| panic!("{e}"));

    let partial =
        merge(&lab, &all, &[a.clone(), b.clone()], &merged).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(partial.missing, ["dan"]);
    let book = std::fs::read_to_string(merged.gradebook()).unwrap_or_default();
    assert!(book.contains("dan,,6,,,missing,"), "{book}");

    write_student(&b, &lab, &records[3], &[]).unwrap_or_else(|e| panic!("{e}"));
    let full = merge(&lab, &all, &[a, b.clone()], &merged).unwrap_or_else(|e| panic!("{e}"));
    assert!(full.missing.is_empty() && full.unknown.is_empty());
    assert_eq!(
        std::fs::read_to_string(merged.gradebook()).unwrap_or_default(),
        std::fs::read_to_string(one.gradebook()).unwrap_or_default()
    );
    assert_eq!(
        std::fs::read_to_string(merged.junit()).unwrap_or_default(),
        std::fs::read_to_string(one.junit()).unwrap_or_default()
    );

    // The same student graded differently in two folders is an error naming both.
    write_student(&one, &lab, &graded("bob", [2, 0, 0]), &[]).unwrap_or_else(|e| panic!("{e}"));
    let err = merge(&lab, &all, &[b, one], &merged).err();
    assert!(
        matches!(err, Some(ClassError::ConflictingRecords { .. })),
        "{err:?}"
    );
}

#[test]
fn a_record_of_another_lab_is_not_merged() {
    let lab = lab();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let shard = OutDir::new(dir.path().join("s"));
    let mut other = graded("alice", [2, 1, 3]);
    other.lab_id = "another-lab".into();
    write_student(&shard, &lab, &other, &[]).unwrap_or_else(|e| panic!("{e}"));
    let err = merge(
        &lab,
        &roster(&["alice"]),
        &[shard],
        &OutDir::new(dir.path().join("m")),
    )
    .err();
    assert!(matches!(err, Some(ClassError::OtherLab { .. })), "{err:?}");
}

#[test]
fn a_rerun_keeps_graded_students_unless_their_submission_changed() {
    let lab = lab();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let sub = dir.path().join("alice.sh");
    std::fs::write(&sub, "docker network create net\n").unwrap_or_default();
    let student = Student {
        id: "alice".into(),
        path: sub.clone(),
    };
    let out = OutDir::new(dir.path().join("out"));
    let options = ClassOptions {
        grade: GradeOptions {
            namespace: None,
            image_map: Default::default(),
            limits: Default::default(),
            sandbox: None,
            started_at: Utc::now(),
            registry: None,
            host_ports: Default::default(),
        },
        formats: vec![],
        jobs: 1,
        force: false,
        shard: None,
    };
    let commands = read_submission(&sub, &options.grade.limits).unwrap_or_default();
    let mut record = graded("alice", [2, 1, 3]);
    record.submission = fingerprint(&commands);
    write_student(&out, &lab, &record, &[]).unwrap_or_else(|e| panic!("{e}"));
    let kept = |options: &ClassOptions| previous(&out, &lab, &student, options).ok().flatten();
    assert_eq!(kept(&options), Some(record.clone()));
    assert_eq!(
        kept(&ClassOptions {
            force: true,
            ..options.clone()
        }),
        None
    );
    std::fs::write(
        &sub,
        "docker network create net\ndocker run -d --name web alpine:latest sleep 60\n",
    )
    .unwrap_or_default();
    assert_eq!(kept(&options), None);
    // An error is never kept: the next run tries again.
    write_student(&out, &lab, &failed("alice", "daemon gone"), &[])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(kept(&options), None);
}

/// The report of a student of the unit lab who could not be graded.
fn ungraded_report(student: &str, why: &str, format: Format) -> String {
    report::ungraded(student, why, lab().max_score(), Utc::now(), format)
}

#[test]
fn a_student_who_could_not_be_graded_gets_a_report_in_every_format() {
    let why = "submission x.sh is not UTF-8 text";
    for format in Format::ALL {
        let text = ungraded_report("zed", why, format);
        assert!(text.contains("not UTF-8 text"), "{format:?}: {text}");
        if matches!(
            format,
            Format::Json | Format::Gradescope | Format::Classroom | Format::Ctrf
        ) {
            let v: Result<serde_json::Value, _> = serde_json::from_str(&text);
            assert!(v.is_ok(), "{format:?} is JSON: {text}");
        }
    }
    let classroom: serde_json::Value =
        serde_json::from_str(&ungraded_report("zed", why, Format::Classroom)).unwrap_or_default();
    assert_eq!(classroom["status"], "error");
    assert_eq!(classroom["tests"][0]["score"], 0);
    assert_eq!(
        classroom["max_score"], 6,
        "0 of the lab's points reach Classroom, not 0 of 0"
    );
    let gradescope: serde_json::Value =
        serde_json::from_str(&ungraded_report("zed", why, Format::Gradescope)).unwrap_or_default();
    assert_eq!(gradescope["score"], 0);
}

#[test]
fn gradebook_cells_cannot_become_formulas_or_escape_sequences() {
    let table = [
        ("alice", "alice"),
        ("=cmd|'_c calc'!A0", "'=cmd|'_c calc'!A0"),
        ("=cmd|'/c calc'!A0", "'=cmd|'/c calc'!A0"),
        ("\t=1", "'=1"),
        ("\r-1", "'-1"),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("  =lead", "'=lead"),
        ("red\u{1b}[31m\u{202e}x", "red\\u{1b}[31m\\u{202e}x"),
        ("two\nlines", "two lines"),
    ];
    for (text, cell) in table {
        assert_eq!(csv_text(text), cell, "{text:?}");
    }
    let lab = lab();
    let rows = [
        GradebookRow::new(&lab, "=HYPERLINK(\"x\")", Some(&failed("x", "=1+1"))),
        GradebookRow::new(&lab, "bob", None),
    ];
    let csv = gradebook_csv(&lab, &rows).unwrap_or_else(|e| panic!("{e}"));
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let read: Vec<Vec<String>> = reader
        .records()
        .map(|r| {
            r.map(|r| r.iter().map(str::to_string).collect())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(read[0][0], "'=HYPERLINK(\"x\")", "{csv}");
    assert_eq!(read[0].last().map(String::as_str), Some("'=1+1"), "{csv}");
    assert_eq!(read[1][0], "bob", "{csv}");
}

#[test]
fn a_record_holds_no_raw_control_or_bidi_character_and_reads_back_the_same() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = OutDir::new(dir.path());
    let mut record = graded("mallory", [2, 1, 3]);
    if let Outcome::Graded { report } = &mut record.outcome {
        report.commands.push(crate::report::CommandRecord {
            line: 1,
            command: "docker run --rm alpine printf x".into(),
            outcome: crate::report::CommandOutcome::Ran,
            detail: "\u{1b}[31mred\u{202e}x\u{2066}\u{0}".into(),
            credited: vec![],
        });
    }
    write_student(&out, &lab(), &record, &[Format::Json]).unwrap_or_else(|e| panic!("{e}"));
    for path in [out.record("mallory"), out.report("mallory", Format::Json)] {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let raw: Vec<char> = text.chars().filter(|c| report::is_hostile(*c)).collect();
        assert!(raw.is_empty(), "{}: {raw:?}", path.display());
    }
    assert_eq!(out.read_record("mallory").ok().flatten(), Some(record));
}

#[test]
fn a_record_from_before_unearned_existed_reads_as_unearned() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = OutDir::new(dir.path());
    // Written by an earlier release: a check that held without points was `passed`, 0 of 3.
    let mut record = graded("olga", [2, 0, 0]);
    if let Outcome::Graded { report } = &mut record.outcome {
        report.steps[1].checks[1].status = Status::Passed;
    }
    write_student(&out, &lab(), &record, &[]).unwrap_or_else(|e| panic!("{e}"));
    let read = out.read_record("olga").ok().flatten();
    let statuses: Vec<Status> = match read.map(|r| r.outcome) {
        Some(Outcome::Graded { report }) => report.checks().map(|c| c.status).collect(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        statuses,
        [Status::Passed, Status::Failed, Status::Unearned],
        "passed below its points is unearned; earned points stay passed"
    );
}

#[tokio::test]
async fn a_rerun_with_another_format_writes_it_for_students_kept_from_before() {
    let lab = lab();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let sub = dir.path().join("alice.sh");
    std::fs::write(&sub, "docker network create net\n").unwrap_or_default();
    let roster = [Student {
        id: "alice".into(),
        path: sub.clone(),
    }];
    let out = OutDir::new(dir.path().join("out"));
    let options = ClassOptions {
        grade: GradeOptions {
            namespace: None,
            image_map: Default::default(),
            limits: Default::default(),
            sandbox: None,
            started_at: Utc::now(),
            registry: None,
            host_ports: Default::default(),
        },
        formats: vec![Format::Classroom, Format::Tap],
        jobs: 1,
        force: false,
        shard: None,
    };
    let commands = read_submission(&sub, &options.grade.limits).unwrap_or_default();
    let mut record = graded("alice", [2, 0, 0]);
    record.submission = fingerprint(&commands);
    write_student(&out, &lab, &record, &[Format::Text]).unwrap_or_else(|e| panic!("{e}"));
    let fake = crate::engine::fake::FakeEngine::new();
    let summary = grade_class(
        &fake,
        &lab,
        &roster,
        &options,
        &out,
        std::future::pending(),
        &mut |_| {},
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((summary.graded, summary.skipped), (0, 1));
    for format in [Format::Text, Format::Classroom, Format::Tap] {
        assert!(out.report("alice", format).is_file(), "{format:?}");
    }
    let classroom: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.report("alice", Format::Classroom)).unwrap_or_default(),
    )
    .unwrap_or_default();
    assert_eq!(classroom["max_score"], 6);
}

#[tokio::test]
async fn a_student_the_daemon_failed_is_graded_once_more_then_is_an_error_with_the_cause() {
    let lab = lab();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let sub = dir.path().join("alice.sh");
    std::fs::write(&sub, "docker network create net\n").unwrap_or_default();
    let roster = [Student {
        id: "alice".into(),
        path: sub.clone(),
    }];
    let out = OutDir::new(dir.path().join("out"));
    let options = ClassOptions {
        grade: GradeOptions {
            namespace: None,
            image_map: Default::default(),
            limits: Default::default(),
            sandbox: None,
            started_at: Utc::now(),
            registry: None,
            host_ports: Default::default(),
        },
        formats: vec![Format::Text],
        jobs: 1,
        force: false,
        shard: None,
    };
    let fake = crate::engine::fake::FakeEngine::new();
    fake.drop_connection();
    let summary = grade_class(
        &fake,
        &lab,
        &roster,
        &options,
        &out,
        std::future::pending(),
        &mut |_| {},
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    // Each grading stops at its first look at the daemon: two looks, two gradings.
    assert_eq!(fake.calls("container"), 2, "graded twice");
    let row = GradebookRow::new(&lab, "alice", summary.records.first());
    assert_eq!(row.status, RowStatus::Error);
    assert_eq!(row.score, None, "no score, not 0 with failed");
    assert!(
        row.error.contains("connection dropped") && row.error.contains("graded 2 times"),
        "{}",
        row.error
    );
}
