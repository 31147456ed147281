//! Shared helpers for integration tests that talk to the real Docker daemon.
#![allow(dead_code)]

use std::process::Command;

/// The image map the tests use: lab images onto the local fixtures built by
/// scripts/fixture-images.sh. Real image names are never retagged.
pub const IMAGE_MAP: &str = "alpine=labrunner-fixture/busybox:1,alpine:latest=labrunner-fixture/busybox:1,nginx=labrunner-fixture/web:1,nginx:latest=labrunner-fixture/web:1";

/// True when a daemon answers. With LABRUNNER_REQUIRE_DOCKER=1 a missing daemon fails the test
/// instead of skipping it.
pub fn docker_available() -> bool {
    let ok = Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        if std::env::var("LABRUNNER_REQUIRE_DOCKER").as_deref() == Ok("1") {
            panic!(
                "LABRUNNER_REQUIRE_DOCKER=1 but no Docker daemon answers (run scripts/setup.sh)"
            );
        }
        report_skip();
    }
    ok
}

/// Where skipped daemon tests are listed, one name a line; scripts/test.sh prints the list.
pub const SKIPPED_LIST: &str = concat!(env!("CARGO_TARGET_TMPDIR"), "/skipped-daemon-tests");

/// Say that this test was skipped, by name, where a person sees it: straight to the process'
/// standard error (libtest captures only the print macros, so this shows for passing tests
/// too), and in [`SKIPPED_LIST`].
fn report_skip() {
    use std::io::Write;
    let name = std::thread::current()
        .name()
        .unwrap_or("a daemon test")
        .to_string();
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {name}: no Docker daemon answers (set LABRUNNER_REQUIRE_DOCKER=1 to fail instead)"
    );
    if let Ok(mut list) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(SKIPPED_LIST)
    {
        let _ = writeln!(list, "{name}");
    }
}

/// The labrunner binary with the test image map and a private home.
pub fn labrunner(home: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_labrunner"));
    cmd.env("LABRUNNER_IMAGE_MAP", IMAGE_MAP)
        .env("LABRUNNER_HOME", home);
    cmd
}

/// Run a docker CLI command; panic with its output if it fails.
pub fn docker(args: &[&str]) -> String {
    let out = Command::new("docker")
        .args(args)
        .output()
        .expect("docker CLI runs");
    assert!(
        out.status.success(),
        "docker {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// Run a docker CLI command, ignoring failure (cleanup).
pub fn docker_quiet(args: &[&str]) {
    let _ = Command::new("docker").args(args).output();
}

/// The daemon's events since `since` (Unix seconds) until a second from now that match every
/// `--filter` given (`event=create`, `label=k=v`), one line each.
pub fn events_since(since: i64, filters: &[&str]) -> String {
    let since = since.to_string();
    let until = (chrono::Utc::now().timestamp() + 1).to_string();
    let mut args = vec!["events", "--since", &since, "--until", &until];
    for f in filters {
        args.extend(["--filter", f]);
    }
    docker(&args)
}
