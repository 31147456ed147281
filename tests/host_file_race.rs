//! A `host_file` check races a writer that swaps what it reads, and never reads outside the lab
//! folder, never waits on a FIFO.
//!
//! In a grading, a container with the lab folder bind-mounted read-write can change it at any
//! moment. Here a thread stands in for that container, with no pause between swaps: it exchanges
//! (atomically, `renameat2(RENAME_EXCHANGE)`) the file a check reads with a symbolic link to a
//! canary outside the folder and with a FIFO, the archive a member check reads with the same,
//! and the folder on the way (`d/`) with a link to a canary folder outside. Meanwhile the checks
//! run again and again: the canary's token must appear in no verdict, a check that asks for the
//! token must never pass, and no evaluation may wait (a FIFO opened for reading blocks until a
//! writer comes). The attack is shown to be live: some evaluations read the real file and some
//! met a link or a FIFO.
//!
//! `LABRUNNER_HOST_FILE_SWAPS` sets the least number of swaps and of evaluations (default
//! 3,000 each);
//! `bench/host-file-race.sh` runs 200,000.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use labrunner_core::{
    Check, CheckEnv, FakeEngine, HostFileCheck, ImageMap, Recorder, Verdict,
    evaluate_check as evaluate,
};
use rustix::fs::{CWD, Mode, RenameFlags};

fn swaps() -> usize {
    std::env::var("LABRUNNER_HOST_FILE_SWAPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000)
}

/// A tar archive holding `orders.txt` with `content`.
fn archive(path: &Path, content: &str) {
    let mut tar = tar::Builder::new(std::fs::File::create(path).expect("archive"));
    let mut header = tar::Header::new_gnu();
    header.set_size(content.len() as u64);
    header.set_cksum();
    tar.append_data(&mut header, "./orders.txt", content.as_bytes())
        .expect("member");
    tar.finish().expect("archive written");
}

fn fifo(path: &Path) {
    rustix::fs::mkfifoat(CWD, path, Mode::from_raw_mode(0o600)).expect("mkfifo");
}

fn check(path: &str, member: Option<&str>, contains: &str) -> Check {
    Check {
        host_file: Some(HostFileCheck {
            path: path.into(),
            member: member.map(str::to_string),
            contains: Some(contains.into()),
        }),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_file_checks_never_read_outside_the_folder_whatever_is_swapped_in() {
    let top = tempfile::tempdir().expect("temp dir");
    let (lab, outside) = (top.path().join("lab"), top.path().join("outside"));
    let token = format!("CANARY-{}", fastrand::u64(..));

    // Outside: the canaries every link leads to.
    std::fs::create_dir_all(outside.join("d")).expect("outside");
    for dir in [outside.clone(), outside.join("d")] {
        std::fs::write(dir.join("report.txt"), &token).expect("canary");
        archive(&dir.join("backup.tar"), &token);
    }
    // Inside: the real files, and what the writer swaps in for them.
    std::fs::create_dir_all(lab.join("d")).expect("lab");
    for dir in [lab.clone(), lab.join("d")] {
        std::fs::write(dir.join("report.txt"), "inside").expect("file");
        archive(&dir.join("backup.tar"), "inside");
    }
    for name in ["report.txt", "backup.tar"] {
        std::os::unix::fs::symlink(outside.join(name), lab.join(format!("{name}.link")))
            .expect("link");
        fifo(&lab.join(format!("{name}.fifo")));
    }
    std::os::unix::fs::symlink(outside.join("d"), lab.join("d.link")).expect("folder link");

    let done = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (lab, done, stop) = (lab.clone(), done.clone(), stop.clone());
        std::thread::spawn(move || {
            let dir = rustix::fs::open(&lab, rustix::fs::OFlags::PATH, Mode::empty())
                .expect("lab folder");
            let pairs = [
                ("report.txt", "report.txt.link"),
                ("report.txt", "report.txt.fifo"),
                ("backup.tar", "backup.tar.link"),
                ("backup.tar", "backup.tar.fifo"),
                ("d", "d.link"),
            ];
            while !stop.load(Ordering::Relaxed) {
                let (a, b) = pairs[fastrand::usize(..pairs.len())];
                rustix::fs::renameat_with(&dir, a, &dir, b, RenameFlags::EXCHANGE)
                    .expect("exchange");
                done.fetch_add(1, Ordering::Relaxed);
            }
        })
    };

    let engine = FakeEngine::new();
    let (map, recorder, labels, own) = (
        ImageMap::default(),
        Recorder::new(),
        BTreeMap::new(),
        HashSet::new(),
    );
    let inspections = Default::default();
    let env = CheckEnv {
        engine: &engine,
        helper_image: "alpine:latest",
        image_map: &map,
        workdir: &lab,
        labels: &labels,
        recorder: &recorder,
        opened_ns: 0,
        own_execs: &own,
        run_id: "race",
        only_run_containers: true,
        known_empty: Default::default(),
        inspections: &inspections,
    };
    let checks = [
        check("report.txt", None, "^inside$"),
        check("d/report.txt", None, "^inside$"),
        check("backup.tar", Some("orders.txt"), "^inside$"),
        check("d/backup.tar", Some("./orders.txt"), "^inside$"),
    ];
    let secret = [
        check("report.txt", None, &token),
        check("d/report.txt", None, &token),
        check("backup.tar", Some("orders.txt"), &token),
        check("d/backup.tar", Some("orders.txt"), &token),
    ];

    let wanted = swaps();
    let started = Instant::now();
    let (mut evaluations, mut read_inside, mut met_other, mut slowest) = (0, 0, 0, Duration::ZERO);
    while (done.load(Ordering::Relaxed) < wanted || evaluations < wanted)
        && started.elapsed() < Duration::from_secs(60)
    {
        for c in checks.iter().chain(&secret) {
            let one = Instant::now();
            let verdict = evaluate(c, &env).await;
            slowest = slowest.max(one.elapsed());
            evaluations += 1;
            let text = verdict.text();
            assert!(!text.contains(&token), "read outside the folder: {text}");
            if c.host_file
                .as_ref()
                .is_some_and(|h| h.contains.as_deref() == Some(&token))
            {
                assert!(!verdict.passed(), "a check passed on the canary: {text}");
            }
            if verdict.passed() {
                read_inside += 1;
            } else if matches!(verdict, Verdict::Fail { .. })
                && (text.contains("symbolic link") || text.contains("FIFO"))
            {
                met_other += 1;
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().expect("writer");
    let swapped = done.load(Ordering::Relaxed);
    eprintln!(
        "{swapped} swaps, {evaluations} evaluations in {:?}: {read_inside} read the real file, {met_other} met a link or a FIFO; slowest {slowest:?}",
        started.elapsed()
    );
    assert!(swapped >= wanted, "only {swapped} swaps in a minute");
    assert!(
        slowest < Duration::from_secs(2),
        "an evaluation waited {slowest:?}"
    );
    assert!(read_inside > 0, "no evaluation read the real file");
    assert!(
        met_other > 0,
        "no evaluation met a link or a FIFO: the attack was not live"
    );
}
