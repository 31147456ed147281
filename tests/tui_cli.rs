//! The built binary: `labrunner progress`, and `labrunner` (the TUI) refusing cleanly before it
//! touches the terminal when there is nothing to show.

use std::process::Command;

fn labrunner(home: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_labrunner"));
    cmd.env("LABRUNNER_HOME", home).env_remove("LABRUNNER_ROOT");
    cmd
}

const SAVED: &str = r#"{
  "version": 1,
  "labs": {
    "net-basics": {
      "started_at": "2026-03-01T09:00:00Z",
      "steps": {
        "create-network": {"done": true, "done_at": "2026-03-01T09:05:00Z", "attempts": 2, "hints_used": 1, "assisted": false},
        "start-web": {"done": false, "attempts": 1, "hints_used": 0, "assisted": true}
      }
    }
  },
  "quizzes": {}
}"#;

#[test]
fn progress_prints_nothing_yet_then_saved_steps_with_totals() {
    let home = tempfile::tempdir().unwrap();
    let out = labrunner(home.path()).arg("progress").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Nothing done yet."));

    std::fs::write(home.path().join("progress.json"), SAVED).unwrap();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tui");
    let out = labrunner(home.path())
        .args(["progress", "--root", root])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("lab net-basics: 1/3 steps done"), "{text}");
    assert!(
        text.contains("✓ create-network  (attempts 2, hints 1, done 2026-03-01 09:05 UTC)"),
        "{text}"
    );
    assert!(
        text.contains("○ start-web  (attempts 1, hints 0, assisted)"),
        "{text}"
    );
}

#[test]
fn progress_json_is_the_versioned_model() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("progress.json"), SAVED).unwrap();
    let out = labrunner(home.path())
        .args(["progress", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(
        v["labs"]["net-basics"]["steps"]["create-network"]["attempts"],
        2
    );
    assert_eq!(
        v["labs"]["net-basics"]["steps"]["start-web"]["assisted"],
        true
    );
}

#[test]
fn progress_refuses_an_unreadable_file_without_touching_it() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("progress.json");
    std::fs::write(&path, "{not json").unwrap();
    let out = labrunner(home.path()).arg("progress").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot be read"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "{not json");
}

#[test]
fn tui_without_content_says_where_it_looked_and_how_to_fix_it() {
    let home = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();
    let out = labrunner(home.path())
        .current_dir(empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no lessons or labs found under"), "{err}");
    assert!(
        err.contains("--root DIR") && err.contains("LABRUNNER_ROOT"),
        "{err}"
    );
    // It failed before taking the terminal over: no escape sequences on stdout.
    assert!(out.stdout.is_empty());

    let out = labrunner(home.path())
        .env("LABRUNNER_ROOT", empty.path().join("missing"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing"));
}

/// Steps the lab file lists in the order create-network, start-web, missing-network; the progress
/// file holds them in another order, and a step the lab no longer has.
const OUT_OF_ORDER: &str = r#"{
  "version": 1,
  "labs": {
    "zz-retired-lab": {"steps": {"a": {"done": true, "attempts": 1, "hints_used": 0, "assisted": false}}},
    "net-basics": {
      "started_at": "2026-03-01T09:00:00Z",
      "steps": {
        "missing-network": {"done": false, "attempts": 0, "hints_used": 0, "assisted": false},
        "start-web": {"done": true, "attempts": 1, "hints_used": 0, "assisted": false},
        "old-step": {"done": true, "attempts": 1, "hints_used": 0, "assisted": false},
        "create-network": {"done": true, "attempts": 1, "hints_used": 0, "assisted": false}
      }
    }
  },
  "quizzes": {}
}"#;

#[test]
fn progress_lists_labs_and_steps_in_the_order_of_the_lab_files() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("progress.json"), OUT_OF_ORDER).unwrap();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tui");
    let out = labrunner(home.path())
        .args(["progress", "--root", root])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle:?} missing:\n{text}"))
    };
    assert!(at("lab net-basics") < at("lab zz-retired-lab"), "{text}");
    let order = [
        at("create-network  ("),
        at("start-web  ("),
        at("missing-network  ("),
        at("old-step  ("),
    ];
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}\n{text}");
}

#[test]
fn lab_subcommand_names_an_unknown_lab_and_the_closest_one_before_taking_the_terminal() {
    let home = tempfile::tempdir().unwrap();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tui");
    let out = labrunner(home.path())
        .args(["lab", "net-basic", "--root", root])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no lab with id `net-basic`"), "{err}");
    assert!(err.contains("Did you mean `net-basics`?"), "{err}");
    assert!(out.stdout.is_empty(), "the terminal was not taken over");

    // A broken lab file: its file, line and column, and what to run.
    let broken = format!("{root}/labs/MOD-TEST-01/broken.yaml");
    let out = labrunner(home.path())
        .args(["lab", &broken, "--root", root])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.yaml:"), "{err}");
    assert!(err.contains("labrunner validate"), "{err}");
    assert!(out.stdout.is_empty());
}
