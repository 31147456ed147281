//! Fault injection: a unix-socket proxy between labrunner and the Docker daemon cuts, stalls and
//! delays the connection while `labrunner watch` follows a lab. labrunner must report the loss,
//! never hang past its time limits, and carry on by itself when the connection returns.
//!
//! The proxy is plain threads over `std::os::unix::net`. Its modes:
//! - pass: bytes flow both ways;
//! - cut: every open connection is closed and the socket file removed (a daemon that went away);
//! - stall: connections are accepted but no byte moves (a daemon that hangs), until the mode
//!   changes, when the stalled connections are reset;
//! - delay: every chunk waits before it is forwarded (a slow daemon).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::Shutdown;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use common::{docker, docker_available, docker_quiet};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Pass,
    Cut,
    Stall,
    Delay(Duration),
}

struct Shared {
    mode: Mutex<Mode>,
    /// Bumped to end every connection opened before it.
    epoch: AtomicU64,
    open: Mutex<Vec<UnixStream>>,
    stop: AtomicBool,
}

impl Shared {
    fn mode(&self) -> Mode {
        *self.mode.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn reset_all(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        let open = std::mem::take(&mut *self.open.lock().unwrap_or_else(|e| e.into_inner()));
        for s in open {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

struct Proxy {
    path: PathBuf,
    shared: Arc<Shared>,
    accept: Option<thread::JoinHandle<()>>,
}

impl Proxy {
    fn start(path: &Path, upstream: PathBuf) -> Proxy {
        let _ = std::fs::remove_file(path);
        let shared = Arc::new(Shared {
            mode: Mutex::new(Mode::Pass),
            epoch: AtomicU64::new(0),
            open: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let listener = bind(path);
        let (s, p) = (shared.clone(), path.to_path_buf());
        let accept = thread::spawn(move || accept_loop(listener, &p, &upstream, &s));
        Proxy {
            path: path.to_path_buf(),
            shared,
            accept: Some(accept),
        }
    }

    fn set(&self, mode: Mode) {
        let before = std::mem::replace(
            &mut *self.shared.mode.lock().unwrap_or_else(|e| e.into_inner()),
            mode,
        );
        // Entering a cut, or leaving a stall: what was open is gone.
        if mode == Mode::Cut || (before == Mode::Stall && mode != Mode::Stall) {
            self.shared.reset_all();
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.reset_all();
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

fn bind(path: &Path) -> UnixListener {
    let l = UnixListener::bind(path).expect("proxy socket binds");
    l.set_nonblocking(true).expect("non-blocking listener");
    l
}

fn accept_loop(listener: UnixListener, path: &Path, upstream: &Path, shared: &Arc<Shared>) {
    let mut listener = Some(listener);
    while !shared.stop.load(Ordering::SeqCst) {
        if shared.mode() == Mode::Cut {
            if listener.take().is_some() {
                let _ = std::fs::remove_file(path);
            }
            thread::sleep(Duration::from_millis(5));
            continue;
        }
        let l = listener.get_or_insert_with(|| bind(path));
        match l.accept() {
            Ok((client, _)) => {
                let _ = client.set_nonblocking(false);
                let Ok(server) = UnixStream::connect(upstream) else {
                    continue;
                };
                let epoch = shared.epoch.load(Ordering::SeqCst);
                {
                    let mut open = shared.open.lock().unwrap_or_else(|e| e.into_inner());
                    for s in [&client, &server] {
                        if let Ok(c) = s.try_clone() {
                            open.push(c);
                        }
                    }
                }
                for (from, to) in [(&client, &server), (&server, &client)] {
                    let (Ok(from), Ok(to)) = (from.try_clone(), to.try_clone()) else {
                        continue;
                    };
                    let s = shared.clone();
                    thread::spawn(move || pump(from, to, &s, epoch));
                }
            }
            Err(_) => thread::sleep(Duration::from_millis(2)),
        }
    }
}

fn pump(mut from: UnixStream, mut to: UnixStream, shared: &Shared, epoch: u64) {
    let mut buf = [0u8; 16 * 1024];
    let alive = || shared.epoch.load(Ordering::SeqCst) == epoch;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        while shared.mode() == Mode::Stall && alive() {
            thread::sleep(Duration::from_millis(5));
        }
        if let Mode::Delay(d) = shared.mode() {
            thread::sleep(d);
        }
        if !alive() || to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Both);
    let _ = from.shutdown(Shutdown::Both);
}

/// The daemon socket the proxy forwards to.
fn upstream() -> PathBuf {
    match std::env::var("DOCKER_HOST") {
        Ok(h) if h.starts_with("unix://") => PathBuf::from(h.trim_start_matches("unix://")),
        _ => PathBuf::from("/var/run/docker.sock"),
    }
}

/// `labrunner watch --json`, its lines collected as they arrive.
struct Watch {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Watch {
    /// The first line after those already read that contains every needle.
    fn expect(&mut self, needles: &[&str], within: Duration, what: &str) -> Duration {
        let start = Instant::now();
        loop {
            let left = within.saturating_sub(start.elapsed());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if needles.iter().all(|n| line.contains(n)) {
                        return start.elapsed();
                    }
                }
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => panic!(
                    "{what}: no line with {needles:?} within {within:?}; watch printed:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Removes the test's networks whatever happens.
struct Networks(Vec<String>);

impl Drop for Networks {
    fn drop(&mut self) {
        for n in &self.0 {
            docker_quiet(&["network", "rm", n]);
        }
    }
}

fn lab_yaml(id: &str, nets: &[String]) -> String {
    let mut y = format!(
        "format: 1\nid: {id}\ntitle: Fault injection\nlesson: TEST\ndifficulty: beginner\nminutes: 1\n\
         resources:\n  networks: [{}]\nsteps:\n",
        nets.join(", ")
    );
    for (i, n) in nets.iter().enumerate() {
        y.push_str(&format!(
            "  - id: net-{i}\n    title: Network {i}\n    instructions: Create it.\n    solution:\n      - docker network create {n}\n    checks:\n      - network: {{ name: {n} }}\n"
        ));
    }
    y
}

#[test]
fn cut_stall_and_delay_mid_lab() {
    if !docker_available() {
        return;
    }
    let pid = std::process::id();
    let tmp = tempfile::tempdir().expect("temp dir");
    let sock = PathBuf::from(format!("/tmp/bx-fault-{pid}.sock"));
    let proxy = Proxy::start(&sock, upstream());
    let nets = Networks(
        ["cut", "stall", "delay"]
            .iter()
            .map(|s| format!("bx-fault-{pid}-{s}"))
            .collect(),
    );
    for n in &nets.0 {
        docker_quiet(&["network", "rm", n]);
    }
    let lab_id = format!("bx-fault-{pid}");
    let lab = tmp.path().join("fault.yaml");
    std::fs::write(&lab, lab_yaml(&lab_id, &nets.0)).expect("lab written");
    let docker_host = format!("unix://{}", sock.display());

    let mut child = common::labrunner(&tmp.path().join("home"))
        .args(["watch", "--json"])
        .arg(&lab)
        .env("DOCKER_HOST", &docker_host)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("labrunner watch starts");
    let stdout = child.stdout.take().expect("stdout piped");
    let (tx, rx) = channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut watch = Watch {
        child,
        lines: rx,
        seen: Vec::new(),
    };
    let secs = Duration::from_secs;
    watch.expect(
        &["\"verdict\"", "net-0", "\"fail\""],
        secs(15),
        "first check",
    );

    // Cut: reported within seconds; the step is done behind labrunner's back, then the daemon
    // comes back and labrunner sees it without being asked.
    proxy.set(Mode::Cut);
    watch.expect(
        &["\"daemon\"", "\"connected\":false"],
        secs(12),
        "loss reported",
    );
    docker(&["network", "create", &nets.0[0]]);
    thread::sleep(secs(1));
    proxy.set(Mode::Pass);
    watch.expect(
        &["\"daemon\"", "\"connected\":true"],
        secs(10),
        "reconnection reported",
    );
    watch.expect(&["step_done", "net-0"], secs(10), "step done after the cut");

    // Stall: nothing moves for 3 s, then the stalled connections are reset.
    watch.expect(
        &["\"verdict\"", "net-1", "\"fail\""],
        secs(10),
        "second step open",
    );
    proxy.set(Mode::Stall);
    docker(&["network", "create", &nets.0[1]]);
    thread::sleep(secs(3));
    proxy.set(Mode::Pass);
    watch.expect(
        &["step_done", "net-1"],
        secs(15),
        "step done after the stall",
    );

    // Delay: 100 ms on every chunk each way; slower, still right.
    watch.expect(
        &["\"verdict\"", "net-2", "\"fail\""],
        secs(10),
        "third step open",
    );
    proxy.set(Mode::Delay(Duration::from_millis(100)));
    docker(&["network", "create", &nets.0[2]]);
    let took = watch.expect(&["step_done", "net-2"], secs(15), "step done while delayed");
    eprintln!("with 100 ms per chunk, the step turned done {took:?} after the command");
    proxy.set(Mode::Pass);

    // Every step done: watch ends by itself.
    let start = Instant::now();
    let status = loop {
        if let Ok(Some(s)) = watch.child.try_wait() {
            break s;
        }
        assert!(
            start.elapsed() < secs(10),
            "watch did not exit after the last step"
        );
        thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "watch exited with {status}");

    // A daemon that accepts and never answers: a command gives up within its connect limit
    // (10 s) with one clear message instead of hanging.
    proxy.set(Mode::Stall);
    let start = Instant::now();
    let out = common::labrunner(&tmp.path().join("home"))
        .args(["clean", "--lab", &lab_id, "--dry-run"])
        .env("DOCKER_HOST", &docker_host)
        .output()
        .expect("labrunner clean runs");
    let took = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "clean succeeded against a hung daemon"
    );
    assert!(took < secs(15), "clean took {took:?} against a hung daemon");
    assert!(
        stderr.contains("cannot reach the Docker daemon"),
        "unclear message: {stderr}"
    );
    drop(proxy);
    drop(nets);
}
