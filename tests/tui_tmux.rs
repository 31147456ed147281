//! End to end: the real binary in a real terminal (tmux), driven with keys, read back with
//! capture-pane, against the real Docker daemon. The student's own commands are run with the
//! docker CLI, as a student would in another terminal.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{IMAGE_MAP, docker, docker_available, docker_quiet};

/// A private tmux server (its own socket), killed when dropped.
struct Tmux {
    socket: String,
    /// Where the shell around labrunner writes its exit status (tmux 3.3 does not always
    /// report a dead pane's status).
    status_file: PathBuf,
}

impl Tmux {
    /// Runs labrunner on `root` with its home in `home`, inside a shell that records its exit.
    fn start(name: &str, home: &Path, root: &Path, extra_env: &str) -> Tmux {
        let args = format!("--root '{}'", root.display());
        Tmux::start_args(name, home, &args, extra_env, (100, 30))
    }

    /// Runs `labrunner ARGS` in a `width`x`height` window.
    fn start_args(
        name: &str,
        home: &Path,
        args: &str,
        extra_env: &str,
        (width, height): (u16, u16),
    ) -> Tmux {
        let status_file = home.with_file_name(format!("{name}.exit-status"));
        let command = format!(
            "env LABRUNNER_HOME='{}' LABRUNNER_IMAGE_MAP='{IMAGE_MAP}' {extra_env} '{}' {args}; echo $? > '{}'",
            home.display(),
            env!("CARGO_BIN_EXE_labrunner"),
            status_file.display()
        );
        let t = Tmux {
            socket: name.to_string(),
            status_file,
        };
        let ok = Command::new("tmux")
            .args([
                "-L",
                &t.socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "t",
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
            ])
            .arg(&command)
            .status()
            .expect("tmux runs (scripts/setup.sh installs it)");
        assert!(ok.success(), "tmux new-session failed");
        t.tmux(&["set-option", "-t", "t", "remain-on-exit", "on"]);
        t
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", "-t", "t", k]);
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "t"])
    }

    fn display(&self, format: &str) -> String {
        self.tmux(&["display-message", "-p", "-t", "t", format])
            .trim()
            .to_string()
    }

    /// Waits until the screen shows `needle`; fails with the last screen.
    fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            if screen.contains(needle) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "waited 30s for {needle:?}; the screen shows:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits for the program to exit successfully (the screen it left is in the failure).
    fn assert_exit_ok(&self) {
        let status = self.wait_exit();
        assert_eq!(
            status,
            "0",
            "exit status {status}; the screen shows:\n{}",
            self.screen()
        );
    }

    /// Waits for labrunner to exit; returns its exit status.
    fn wait_exit(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(status) = std::fs::read_to_string(&self.status_file)
                && !status.trim().is_empty()
            {
                return status.trim().to_string();
            }
            assert!(
                Instant::now() < deadline,
                "labrunner did not exit; the screen shows:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The labrunner process (the shell's child).
    fn labrunner_pid(&self) -> String {
        let shell = self.display("#{pane_pid}");
        let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children"))
            .unwrap_or_default();
        children
            .split_whitespace()
            .next()
            .expect("labrunner runs under the pane's shell")
            .to_string()
    }

    /// The terminal is back to normal: main screen, no mouse reporting.
    fn assert_restored(&self) {
        assert_eq!(
            self.display("#{alternate_on}"),
            "0",
            "still on the alternate screen"
        );
        assert_eq!(
            self.display("#{mouse_any_flag}"),
            "0",
            "mouse capture left on"
        );
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let socket = self.tmux(&["display-message", "-p", "#{socket_path}"]);
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
        // tmux does not always remove its socket when killed.
        if !socket.trim().is_empty() {
            let _ = std::fs::remove_file(socket.trim());
        }
    }
}

/// Docker resources of one test, removed (exactly these) when dropped.
struct Names {
    net: String,
    web: String,
    keep: String,
}

impl Names {
    fn new(tag: &str) -> Names {
        Names::prefixed("tx-tui", tag)
    }

    fn prefixed(prefix: &str, tag: &str) -> Names {
        let p = format!("{prefix}-{tag}-{}", std::process::id());
        Names {
            net: format!("{p}-net"),
            web: format!("{p}-web"),
            keep: format!("{p}-keep"),
        }
    }
}

impl Drop for Names {
    fn drop(&mut self) {
        docker_quiet(&["rm", "-f", &self.web]);
        docker_quiet(&["network", "rm", &self.net]);
        docker_quiet(&["volume", "rm", &self.keep]);
    }
}

/// One test's content, resource names and labrunner home, in a temporary folder.
struct Setup {
    n: Names,
    home: PathBuf,
    root: PathBuf,
    tmp: tempfile::TempDir,
    tag: String,
}

impl Setup {
    fn new(tag: &str) -> Setup {
        let tmp = tempfile::tempdir().unwrap();
        let n = Names::new(tag);
        let root = content(tmp.path(), &n);
        Setup {
            n,
            home: tmp.path().join("home"),
            root,
            tmp,
            tag: tag.to_string(),
        }
    }

    /// labrunner on this content, in a private tmux server.
    fn start(&self, extra_env: &str) -> Tmux {
        let name = format!("tx-tui-{}-{}", self.tag, std::process::id());
        Tmux::start(&name, &self.home, &self.root, extra_env)
    }
}

/// A content root with one lesson and one lab using `names`.
fn content(dir: &Path, n: &Names) -> PathBuf {
    let root = dir.join("course");
    std::fs::create_dir_all(root.join("lessons")).unwrap();
    std::fs::create_dir_all(root.join("labs/MOD-E2E")).unwrap();
    std::fs::write(
        root.join("lessons/MOD-E2E.md"),
        "# End-to-end lesson\n\n## Part one\n\nText.\n",
    )
    .unwrap();
    let lab = format!(
        r#"format: 1
id: tx-e2e
title: End to end
lesson: MOD-E2E
difficulty: beginner
minutes: 5
resources:
  networks: [{net}]
  containers: [{web}]
  volumes: [{keep}]
steps:
  - id: net
    title: Create the network
    instructions: Create **{net}**.
    solution: ["docker network create {net}"]
    checks:
      - network: {{name: {net}}}
  - id: web
    title: Start the web server
    instructions: Start {web} on it.
    solution: ["docker run -d --name {web} --network {net} nginx:latest"]
    checks:
      - container: {{name: {web}, state: running}}
      - attached: {{container: {web}, network: {net}}}
"#,
        net = n.net,
        web = n.web,
        keep = n.keep
    );
    std::fs::write(root.join("labs/MOD-E2E/tx-e2e.yaml"), lab).unwrap();
    root
}

fn exists(kind: &str, name: &str) -> bool {
    Command::new("docker")
        .args([kind, "inspect", name])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn student_does_a_lab_live_gets_help_then_resets_it() {
    if !docker_available() {
        return;
    }
    let s = Setup::new("lab");
    // Someone's volume that happens to have the lab's name: a reset must keep it.
    docker(&["volume", "create", &s.n.keep]);

    let t = s.start("");
    t.wait_for("Lessons and labs");
    t.keys(&["j", "Enter"]);
    // The volume that exists is named before anything runs, and the lab opens on yes.
    t.wait_for("use my existing resources");
    t.keys(&["y"]);
    t.wait_for("seen: no network named");
    t.wait_for("live: checks re-run");

    // The student types the command in their own terminal; the step turns green by itself.
    docker(&["network", "create", &s.n.net]);
    let screen = t.wait_for("Step 2 of 2");
    assert!(screen.contains("✓ 1 Create the network"), "{screen}");

    // Help comes from the keymap; then "run it for me", confirmed.
    t.keys(&["?"]);
    t.wait_for("Keys (Esc closes)");
    t.keys(&["Escape", "a"]);
    t.wait_for("Are you sure?");
    t.keys(&["y"]);
    let screen = t.wait_for("Lab complete: End to end");
    assert!(screen.contains("Assisted steps  1 of 2"), "{screen}");
    assert!(exists("container", &s.n.web));

    // Reset from the results: what the lab created goes, the pre-existing volume stays.
    t.keys(&["R"]);
    t.wait_for("Are you sure?");
    t.keys(&["y"]);
    t.wait_for("lab reset");
    t.wait_for("Step 1 of 2");
    assert!(
        !exists("container", &s.n.web),
        "the lab's container was removed"
    );
    assert!(
        !exists("network", &s.n.net),
        "the network created during the lab was removed"
    );
    assert!(
        exists("volume", &s.n.keep),
        "the volume that existed before the lab was kept"
    );

    t.keys(&["q"]);
    t.assert_exit_ok();
    t.assert_restored();

    let out = Command::new(env!("CARGO_BIN_EXE_labrunner"))
        .env("LABRUNNER_HOME", &s.home)
        .args(["progress", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lab = &v["labs"]["tx-e2e"];
    assert_eq!(
        lab["steps"],
        serde_json::json!({}),
        "reset cleared the steps: {v}"
    );
    assert_eq!(lab["preexisting"][0]["name"], s.n.keep.as_str(), "{v}");
}

#[test]
fn unreachable_daemon_keeps_the_ui_responsive_and_sigterm_restores_the_terminal() {
    let s = Setup::new("gone");
    let env = format!(
        "DOCKER_HOST=unix://{}/no-daemon.sock",
        s.tmp.path().display()
    );
    let t = s.start(&env);
    t.wait_for("Lessons and labs");
    t.keys(&["j", "Enter"]);
    t.wait_for("Docker daemon unreachable");
    // Keys still work while the live task keeps trying.
    t.keys(&["h"]);
    t.wait_for("no more hints");
    t.keys(&["?"]);
    t.wait_for("Keys (Esc closes)");
    let pid = t.labrunner_pid();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    t.assert_exit_ok();
    t.assert_restored();
}

#[test]
fn ctrl_c_quits_and_restores_the_terminal() {
    let s = Setup::new("ctrlc");
    let t = s.start("");
    t.wait_for("Lessons and labs");
    t.keys(&["Enter"]);
    t.wait_for("Part one");
    t.keys(&["C-c"]);
    t.assert_exit_ok();
    t.assert_restored();
}

/// A unix-socket proxy in front of the Docker daemon that a test can cut and restore, to see
/// the TUI lose the daemon mid-lab and reconnect.
struct DaemonProxy {
    rt: tokio::runtime::Runtime,
    path: PathBuf,
    tasks: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl DaemonProxy {
    fn new(path: PathBuf) -> DaemonProxy {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        DaemonProxy {
            rt,
            path,
            tasks: Default::default(),
        }
    }

    fn up(&self) {
        let _ = std::fs::remove_file(&self.path);
        let listener = self
            .rt
            .block_on(async { tokio::net::UnixListener::bind(&self.path) })
            .unwrap();
        let tasks = self.tasks.clone();
        let accept = self.rt.spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let conn = tokio::spawn(async move {
                    let daemon = std::env::var("DOCKER_HOST")
                        .ok()
                        .and_then(|h| h.strip_prefix("unix://").map(str::to_string))
                        .unwrap_or_else(|| "/var/run/docker.sock".to_string());
                    if let Ok(mut upstream) = tokio::net::UnixStream::connect(daemon).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                    }
                });
                tasks.lock().unwrap().push(conn.abort_handle());
            }
        });
        self.tasks.lock().unwrap().push(accept.abort_handle());
    }

    /// Cuts every connection and stops answering, like a daemon that went away.
    fn down(&self) {
        for t in self.tasks.lock().unwrap().drain(..) {
            t.abort();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

#[test]
fn daemon_lost_mid_lab_is_shown_then_reconnected() {
    if !docker_available() {
        return;
    }
    let s = Setup::new("lost");
    let proxy = DaemonProxy::new(s.tmp.path().join("docker.sock"));
    proxy.up();
    let env = format!("DOCKER_HOST=unix://{}", proxy.path.display());
    let t = s.start(&env);
    t.wait_for("Lessons and labs");
    t.keys(&["j", "Enter"]);
    t.wait_for("live: checks re-run");

    proxy.down();
    t.wait_for("Docker daemon unreachable");
    // Still responsive while the daemon is gone.
    t.keys(&["?"]);
    t.wait_for("Keys (Esc closes)");
    t.keys(&["Escape"]);

    proxy.up();
    t.wait_for("live: checks re-run");
    docker(&["network", "create", &s.n.net]);
    t.wait_for("Step 2 of 2");
    t.keys(&["q"]);
    t.assert_exit_ok();
    t.assert_restored();
    proxy.down();
}

/// The student types every step into a second tmux window with the real docker CLI; each step
/// turns green in the labrunner window without a key press, and the lab completes unassisted.
#[test]
fn every_step_typed_in_a_second_window_turns_green_by_itself() {
    if !docker_available() {
        return;
    }
    let s = Setup::new("typed");
    let t = s.start("");
    t.wait_for("Lessons and labs");
    t.keys(&["j", "Enter"]);
    t.wait_for("seen: no network named");
    t.wait_for("live: checks re-run");

    // A second window with a shell: the student's own terminal.
    t.tmux(&["new-window", "-d", "-t", "t", "-n", "shell", "sh"]);
    let type_in_shell = |line: &str| {
        t.tmux(&["send-keys", "-t", "t:shell", line, "Enter"]);
    };
    type_in_shell(&format!("docker network create {}", s.n.net));
    let screen = t.wait_for("Step 2 of 2");
    assert!(screen.contains("✓ 1 Create the network"), "{screen}");
    type_in_shell(&format!(
        "docker run -d --name {} --network {} labrunner-fixture/web:1",
        s.n.web, s.n.net
    ));
    let screen = t.wait_for("Lab complete: End to end");
    assert!(screen.contains("Assisted steps  0 of 2"), "{screen}");

    t.keys(&["q"]);
    t.assert_exit_ok();
    t.assert_restored();
}

/// The terminal pane's size as drawn: the rows between its top and bottom border, the
/// columns inside them.
fn pane_size(screen: &str) -> (usize, usize) {
    let lines: Vec<&str> = screen.lines().collect();
    let top = lines
        .iter()
        .position(|l| l.starts_with("╭ Terminal"))
        .unwrap_or_else(|| panic!("no terminal pane on screen:\n{screen}"));
    let bottom = top
        + lines[top..]
            .iter()
            .position(|l| l.starts_with('╰'))
            .expect("the pane's bottom border");
    (bottom - top - 1, lines[top].chars().count() - 2)
}

/// Resources of a shipped lab, removed when dropped. The test only starts when none exists
/// (run under the daemon lock: the shipped labs use fixed names).
struct LabResources(Vec<(String, String)>);

impl LabResources {
    fn of(lab: &labrunner_core::Lab) -> LabResources {
        let r = &lab.resources;
        let mut all = Vec::new();
        all.extend(
            r.containers
                .iter()
                .map(|n| ("container".to_string(), n.clone())),
        );
        all.extend(
            r.networks
                .iter()
                .map(|n| ("network".to_string(), n.clone())),
        );
        all.extend(r.volumes.iter().map(|n| ("volume".to_string(), n.clone())));
        for (kind, name) in &all {
            assert!(
                !exists(kind, name),
                "{kind} {name} exists already: this test needs the daemon without it (run it under flock /tmp/labrunner-daemon.lock)"
            );
        }
        LabResources(all)
    }
}

impl Drop for LabResources {
    fn drop(&mut self) {
        for (kind, name) in &self.0 {
            match kind.as_str() {
                "container" => docker_quiet(&["rm", "-f", name]),
                other => docker_quiet(&[other, "rm", name]),
            }
        }
    }
}

/// `labrunner lab volume-persistence`: every step's solution, read from the lab file, is typed
/// INTO the embedded terminal (the real docker CLI, images mapped as labrunner maps them), and
/// each step turns green without another key. The pane follows a resize, F2 gives focus back,
/// the pane hides, and quitting ends the shell and restores the terminal.
#[test]
fn every_step_of_volume_persistence_typed_into_the_embedded_terminal_turns_green() {
    if !docker_available() {
        return;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lab = labrunner_core::load_lab(&repo.join("labs/MOD-DOCKER-04/volume-persistence.yaml"))
        .expect("the shipped lab loads")
        .lab;
    let _owned = LabResources::of(&lab);
    let map = labrunner_core::ImageMap::parse_entries(IMAGE_MAP).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let name = format!("tx-tui-pane-{}", std::process::id());
    let args = format!("lab {} --root '{}'", lab.id, repo.display());
    let t = Tmux::start_args(&name, &home, &args, "SHELL=/bin/sh", (120, 40));
    t.wait_for("Terminal · F2: back to the steps");
    t.wait_for("live: checks re-run");
    let type_line = |line: &str| {
        t.tmux(&["send-keys", "-t", "t", "-l", line]);
        t.tmux(&["send-keys", "-t", "t", "Enter"]);
    };
    // The shell runs in the lab's folder, on a PTY the size of the pane.
    type_line("echo \"shell $$ in $(pwd) size $(stty size)\"");
    let (rows, cols) = pane_size(&t.screen());
    let screen = t.wait_for(&format!("size {rows} {cols}"));
    let shell_pid: String = screen
        .split("shell ")
        .nth(2)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the echo shows the shell's pid")
        .to_string();
    assert!(
        screen.contains(&format!("in {}/work/{}", home.display(), lab.id)),
        "{screen}"
    );

    for (i, step) in lab.steps.iter().enumerate() {
        if i == 2 {
            // Half way, the window shrinks: the pane and its PTY follow.
            t.tmux(&["resize-window", "-t", "t", "-x", "60", "-y", "20"]);
            t.wait_for("Step 3/");
            let (rows, cols) = pane_size(&t.screen());
            assert_eq!(
                cols, 58,
                "the pane is as wide as the window inside its border"
            );
            type_line("stty size");
            t.wait_for(&format!("{rows} {cols}"));
        }
        for command in &step.solution {
            type_line(&labrunner::tui::lab_view::with_local_images(
                command.text(),
                &map,
            ));
        }
        // The strip of a narrow window says `Step 3/6`, the wide step panel `Step 3 of 6`.
        let next = match lab.steps.get(i + 1) {
            Some(_) if i >= 2 => format!("Step {}/{}", i + 2, lab.steps.len()),
            Some(_) => format!("Step {} of {}", i + 2, lab.steps.len()),
            None => "Lab complete".to_string(),
        };
        let screen = t.wait_for(&next);
        assert!(
            !screen.contains("assisted"),
            "step {} was done by the student: {screen}",
            step.id
        );
    }
    let screen = t.wait_for("Assisted steps  0 of");
    assert!(screen.contains("Lab complete"), "{screen}");

    t.keys(&["q"]);
    t.assert_exit_ok();
    t.assert_restored();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Path::new(&format!("/proc/{shell_pid}")).exists() {
        assert!(
            Instant::now() < deadline,
            "the pane's shell {shell_pid} outlived labrunner"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Each step took one command: one attempt each.
    let out = Command::new(env!("CARGO_BIN_EXE_labrunner"))
        .env("LABRUNNER_HOME", &home)
        .args(["progress", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for step in &lab.steps {
        assert_eq!(
            v["labs"][&lab.id]["steps"][&step.id]["attempts"], 1,
            "{}: {v}",
            step.id
        );
    }
}

/// The pane's keys at 60x20: F2 moves focus, T hides and shows, Esc with a program running in
/// the shell asks first, and the program ends with labrunner.
#[test]
fn focus_hide_and_leave_with_a_running_program_behave_as_documented() {
    if !docker_available() {
        return;
    }
    let s = Setup::new("keys");
    let name = format!("tx-tui-keys-{}", std::process::id());
    let args = format!("lab tx-e2e --root '{}'", s.root.display());
    let t = Tmux::start_args(&name, &s.home, &args, "SHELL=/bin/sh", (60, 20));
    t.wait_for("Terminal · F2: back to the steps");
    t.tmux(&[
        "send-keys",
        "-t",
        "t",
        "-l",
        "sleep 600 & echo sleeper $!; sleep 300",
    ]);
    t.tmux(&["send-keys", "-t", "t", "Enter"]);
    let screen = t.wait_for("│sleeper ");
    let sleeper: String = screen
        .lines()
        .find_map(|l| l.strip_prefix("│sleeper "))
        .and_then(|r| r.split_whitespace().next())
        .unwrap()
        .to_string();
    t.keys(&["F2"]);
    t.wait_for("F2 to type here");
    t.keys(&["T"]);
    t.wait_for("terminal pane hidden");
    t.keys(&["T", "Escape"]);
    t.wait_for("A program is still running in the terminal pane");
    t.keys(&["n", "q"]);
    t.wait_for("Quitting ends it");
    t.keys(&["y"]);
    t.assert_exit_ok();
    t.assert_restored();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Path::new(&format!("/proc/{sleeper}")).exists() {
        assert!(
            Instant::now() < deadline,
            "a background job of the pane outlived labrunner"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A program in the pane that asks its terminal where the cursor is (`ESC[6n`) and what it is
/// (`ESC[c`) gets the answers, as readline, IPython and crossterm expect: read raw in the pane
/// and printed visibly.
#[test]
fn printf_cursor_position_query_gets_an_answer_in_the_pane() {
    if !docker_available() {
        return;
    }
    let s = Setup::new("dsr");
    let name = format!("tx-tui-dsr-{}", std::process::id());
    let args = format!("lab tx-e2e --root '{}'", s.root.display());
    let t = Tmux::start_args(&name, &s.home, &args, "SHELL=/bin/sh", (100, 30));
    t.wait_for("Terminal · F2: back to the steps");
    let line = "stty -echo -icanon min 1; printf '\\033[3;7H\\033[6n\\033[c'; \
                A=$(dd bs=1 count=11 2>/dev/null | od -An -c | tr -d ' \\n'); \
                stty sane; echo \"answer:$A\"; echo \"COLORTERM=$COLORTERM TERM=$TERM\"";
    t.tmux(&["send-keys", "-t", "t", "-l", line]);
    t.tmux(&["send-keys", "-t", "t", "Enter"]);
    let screen = t.wait_for("answer:033[3;7R033[?6c");
    assert!(
        screen.contains("COLORTERM=truecolor TERM=xterm-256color"),
        "{screen}"
    );
    t.keys(&["F2", "q"]);
    t.assert_exit_ok();
    t.assert_restored();
}

/// A lab of `content` whose folder holds a file, under names of their own (`st-`).
fn with_a_file(tag: &str) -> (Setup, &'static str) {
    let tmp = tempfile::tempdir().unwrap();
    let n = Names::prefixed("st-tui", tag);
    let root = content(tmp.path(), &n);
    let lab = root.join("labs/MOD-E2E/tx-e2e.yaml");
    let mut yaml = std::fs::read_to_string(&lab).unwrap();
    yaml.push_str("files:\n  site/index.html: |\n    <h1>the lab folder's page</h1>\n");
    std::fs::write(&lab, yaml).unwrap();
    let s = Setup {
        n,
        home: tmp.path().join("home"),
        root,
        tmp,
        tag: tag.to_string(),
    };
    (s, "the lab folder's page")
}

/// Reset removes the lab folder with what the lab created and makes it again: the pane's shell
/// starts again in the new folder, says so, and reads the lab's files there.
#[test]
fn after_a_reset_cat_of_a_lab_folder_file_in_the_pane_works() {
    if !docker_available() {
        return;
    }
    let (s, page) = with_a_file("cat");
    let name = format!("st-tui-cat-{}", std::process::id());
    let args = format!("lab tx-e2e --root '{}'", s.root.display());
    let t = Tmux::start_args(&name, &s.home, &args, "SHELL=/bin/sh", (120, 40));
    t.wait_for("Terminal · F2: back to the steps");
    t.wait_for("live: checks re-run");
    let type_line = |line: &str| {
        t.tmux(&["send-keys", "-t", "t", "-l", line]);
        t.tmux(&["send-keys", "-t", "t", "Enter"]);
    };
    type_line(&format!("docker network create {}", s.n.net));
    t.wait_for("Step 2 of 2");
    t.keys(&["F2", "R"]);
    t.wait_for("Reset lab tx-e2e?");
    t.keys(&["y"]);
    t.wait_for("lab reset");
    t.wait_for("the lab was reset; a new shell starts in the lab folder");
    assert!(
        !exists("network", &s.n.net),
        "the lab's network was removed"
    );
    t.keys(&["F2"]);
    t.wait_for("Terminal · F2: back to the steps");
    type_line("cat site/index.html && pwd");
    let screen = t.wait_for(page);
    assert!(!screen.contains("No such file"), "{screen}");
    assert!(
        screen.contains(&format!("{}/work/tx-e2e", s.home.display())),
        "{screen}"
    );
    t.keys(&["F2", "q"]);
    t.assert_exit_ok();
}

/// A lab completed, left (keeping what it created), opened again from Home on its results and
/// reset from there: the lab view comes back with its terminal pane, whose shell works.
#[test]
fn the_pane_exists_after_a_reset_from_the_results_screen() {
    if !docker_available() {
        return;
    }
    let (s, page) = with_a_file("results");
    let name = format!("st-tui-results-{}", std::process::id());
    let args = format!("--root '{}'", s.root.display());
    let t = Tmux::start_args(&name, &s.home, &args, "SHELL=/bin/sh", (120, 40));
    t.wait_for("Lessons and labs");
    t.keys(&["j", "Enter"]);
    t.wait_for("live: checks re-run");
    for _ in 0..2 {
        t.keys(&["a"]);
        t.wait_for("Are you sure?");
        t.keys(&["y"]);
        std::thread::sleep(Duration::from_millis(500));
    }
    t.wait_for("Lab complete: End to end");
    t.keys(&["Enter"]);
    t.wait_for("Remove what labrunner created");
    t.keys(&["n"]);
    t.wait_for("Lessons and labs");
    assert!(
        exists("container", &s.n.web),
        "n keeps what the lab created"
    );
    t.keys(&["Enter"]);
    t.wait_for("Lab complete: End to end");
    t.keys(&["R"]);
    t.wait_for("Are you sure?");
    t.keys(&["y"]);
    t.wait_for("lab reset");
    let screen = t.wait_for("╭ Terminal");
    assert!(!screen.contains("no terminal pane"), "{screen}");
    assert!(
        !exists("container", &s.n.web),
        "the reset removed the container"
    );
    t.keys(&["F2"]);
    t.wait_for("Terminal · F2: back to the steps");
    t.tmux(&["send-keys", "-t", "t", "-l", "cat site/index.html"]);
    t.tmux(&["send-keys", "-t", "t", "Enter"]);
    t.wait_for(page);
    t.keys(&["F2", "q"]);
    t.assert_exit_ok();
    t.assert_restored();
}

/// The lesson reader at 80x24: `/` finds the Troubleshooting table, and its three columns are
/// readable: cells wrap inside their columns, nothing is cut with `…`.
#[test]
fn the_troubleshooting_table_is_readable_at_80_columns() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let name = format!("tx-tui-table-{}", std::process::id());
    let args = format!("--root '{}'", repo.display());
    let t = Tmux::start_args(&name, &home, &args, "", (80, 24));
    t.wait_for("Lessons and labs");
    t.keys(&["Enter"]);
    t.wait_for("]/[ section");
    t.keys(&["/"]);
    t.tmux(&["send-keys", "-t", "t", "-l", "Symptom"]);
    t.keys(&["Enter"]);
    let screen = t.wait_for("/Symptom: 1 of");
    let table: Vec<&str> = screen
        .lines()
        .filter(|l| l.starts_with("││") || l.starts_with("│├"))
        .collect();
    assert!(table.len() > 10, "the table fills the screen:\n{screen}");
    for needed in [
        "Symptom",
        "Cause",
        "Fix",
        "invalid mount config",
        "must be absolute",
        "start the target with",
        "Nothing was created.",
        "network backend-net not",
        "docker network create",
    ] {
        assert!(screen.contains(needed), "{needed:?} missing:\n{screen}");
    }
    assert!(
        !table.iter().any(|l| l.contains('…')),
        "a cell is cut:\n{screen}"
    );
    t.keys(&["Escape", "Escape", "q"]);
    t.assert_exit_ok();
    t.assert_restored();
}
