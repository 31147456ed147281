//! Every check kind against the real Docker daemon: each passes on the right state and fails
//! (or says it could not check) on a wrong one.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use common::{docker, docker_available, docker_quiet, events_since};
use labrunner_core::{
    AttachedCheck, Check, CheckEnv, CommandFailsCheck, ContainerCheck, ContainerRanCheck,
    ContainerState, DockerEngine, ExecCheck, FileCheck, ImageCheck, ImageMap, LoopbackOnlyCheck,
    MountCheck, MountType, NetworkCheck, Probe, PublishedCheck, RanCheck, ReachableCheck, Recorder,
    ResolvesCheck, UserCheck, Verdict, VolumeCheck, evaluate_check as evaluate,
};

const BUSYBOX: &str = "labrunner-fixture/busybox:1";
const WEB: &str = "labrunner-fixture/web:1";
const BARE: &str = "labrunner-fixture/bare:1";

/// Names used by one test, removed before and after it.
struct Scope {
    prefix: String,
    containers: Vec<String>,
    networks: Vec<String>,
    volumes: Vec<String>,
}

impl Scope {
    fn new(test: &str) -> Self {
        Self::prefixed(&format!("lrt-{test}"))
    }
    fn prefixed(prefix: &str) -> Self {
        Scope {
            prefix: prefix.to_string(),
            containers: vec![],
            networks: vec![],
            volumes: vec![],
        }
    }
    fn name(&self, n: &str) -> String {
        format!("{}-{n}", self.prefix)
    }
    fn container(&mut self, n: &str) -> String {
        let name = self.name(n);
        docker_quiet(&["rm", "-f", &name]);
        self.containers.push(name.clone());
        name
    }
    fn network(&mut self, n: &str) -> String {
        let name = self.name(n);
        docker_quiet(&["network", "rm", &name]);
        self.networks.push(name.clone());
        name
    }
    fn volume(&mut self, n: &str) -> String {
        let name = self.name(n);
        docker_quiet(&["volume", "rm", "-f", &name]);
        self.volumes.push(name.clone());
        name
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        for c in &self.containers {
            docker_quiet(&["rm", "-f", "-v", c]);
        }
        for n in &self.networks {
            docker_quiet(&["network", "rm", n]);
        }
        for v in &self.volumes {
            docker_quiet(&["volume", "rm", "-f", v]);
        }
    }
}

async fn verdict(engine: &DockerEngine, check: Check) -> Verdict {
    verdict_seen(engine, check, &Recorder::new(), 0).await
}

/// The verdict of `check` for a step opened at `opened_ns`, with what `recorder` saw.
async fn verdict_seen(
    engine: &DockerEngine,
    check: Check,
    recorder: &Recorder,
    opened_ns: i64,
) -> Verdict {
    let map = ImageMap::parse_entries(common::IMAGE_MAP).unwrap();
    // The volume a file check reads labels its readers, so that a test can find its own among
    // those of tests running at the same time.
    let volume = check
        .file
        .as_ref()
        .map(|f| f.volume.clone())
        .unwrap_or_default();
    let labels = BTreeMap::from([
        ("io.labrunner.managed".to_string(), "true".to_string()),
        ("io.labrunner.role".to_string(), "check".to_string()),
        ("io.labrunner.test.volume".to_string(), volume),
    ]);
    let env = CheckEnv {
        engine,
        helper_image: "alpine:latest",
        image_map: &map,
        workdir: Path::new("/tmp/lrt-lab"),
        labels: &labels,
        recorder,
        opened_ns,
        own_execs: &HashSet::new(),
        run_id: "lrt",
        only_run_containers: false,
        known_empty: Default::default(),
        inspections: &Default::default(),
    };
    evaluate(&check, &env).await
}

fn pass(v: &Verdict) {
    assert!(
        matches!(v, Verdict::Pass { .. }),
        "expected pass, got {v:?}"
    );
}
fn fail(v: &Verdict) {
    assert!(
        matches!(v, Verdict::Fail { .. }),
        "expected fail, got {v:?}"
    );
}
fn unknown(v: &Verdict, fragment: &str) {
    match v {
        Verdict::Unknown { reason, .. } => assert!(
            reason.contains(fragment),
            "reason {reason:?} lacks {fragment:?}"
        ),
        other => panic!("expected could-not-check ({fragment}), got {other:?}"),
    }
}

fn not(mut c: Check) -> Check {
    c.expect = Some(false);
    c
}

async fn engine() -> Option<DockerEngine> {
    if !docker_available() {
        return None;
    }
    Some(
        DockerEngine::connect()
            .await
            .expect("the daemon answers the docker CLI, so labrunner connects"),
    )
}

fn sleeper(name: &str, extra: &[&str]) {
    let mut args = vec!["run", "-d", "--name", name];
    args.extend_from_slice(extra);
    args.extend_from_slice(&[BUSYBOX, "sleep", "300"]);
    docker(&args);
}

#[tokio::test]
async fn network_and_volume() {
    let Some(engine) = engine().await else { return };
    let mut s = Scope::new("netvol");
    let net = s.network("net");
    let vol = s.volume("vol");
    let check_net = |subnet: Option<&str>| Check {
        network: Some(NetworkCheck {
            name: net.clone(),
            driver: Some("bridge".into()),
            subnet: subnet.map(str::to_string),
            ip_range: None,
            gateway: None,
            labels: Default::default(),
        }),
        ..Default::default()
    };
    let check_vol = Check {
        volume: Some(VolumeCheck { name: vol.clone() }),
        ..Default::default()
    };
    fail(&verdict(&engine, check_net(None)).await);
    pass(&verdict(&engine, not(check_net(None))).await);
    fail(&verdict(&engine, check_vol.clone()).await);
    docker(&["network", "create", &net]);
    docker(&["volume", "create", &vol]);
    let subnet = docker(&[
        "network",
        "inspect",
        "--format",
        "{{range .IPAM.Config}}{{.Subnet}}{{end}}",
        &net,
    ]);
    pass(&verdict(&engine, check_net(Some(subnet.trim()))).await);
    fail(&verdict(&engine, check_net(Some("10.9.0.0/16"))).await);
    fail(&verdict(&engine, not(check_net(None))).await);
    pass(&verdict(&engine, check_vol.clone()).await);
    fail(&verdict(&engine, not(check_vol)).await);
}

#[tokio::test]
async fn container_states() {
    let Some(engine) = engine().await else { return };
    let mut s = Scope::new("state");
    let c = s.container("c");
    let check = |state, exit_code| Check {
        container: Some(ContainerCheck {
            name: c.clone(),
            state,
            exit_code,
            read_only_root: None,
            restart_policy: None,
            restarts: None,
            restarted: None,
        }),
        ..Default::default()
    };
    pass(&verdict(&engine, check(ContainerState::Absent, None)).await);
    fail(&verdict(&engine, check(ContainerState::Running, None)).await);
    docker(&["run", "-d", "--name", &c, BUSYBOX, "sh", "-c", "sleep 300"]);
    pass(&verdict(&engine, check(ContainerState::Running, None)).await);
    fail(&verdict(&engine, check(ContainerState::Exited, None)).await);
    fail(&verdict(&engine, check(ContainerState::Absent, None)).await);
    docker(&["stop", "-t", "0", &c]);
    pass(&verdict(&engine, check(ContainerState::Exited, None)).await);
    fail(&verdict(&engine, check(ContainerState::Exited, Some(0))).await);
    fail(&verdict(&engine, check(ContainerState::Running, None)).await);
}

#[tokio::test]
async fn attachment_dns_and_reachability() {
    let Some(engine) = engine().await else { return };
    let mut s = Scope::new("dns");
    let app = s.network("app");
    let other = s.network("other");
    let web = s.container("web");
    let api = s.container("api");
    let iso = s.container("iso");
    let nocap = s.container("nocap");
    let bare = s.container("bare");
    docker(&["network", "create", &app]);
    docker(&["network", "create", &other]);
    docker(&["run", "-d", "--name", &web, "--network", &app, WEB]);
    let dns = [
        "--dns",
        "127.0.0.1",
        "--dns-opt",
        "timeout:1",
        "--dns-opt",
        "attempts:1",
    ];
    let mut args = vec!["--network", app.as_str()];
    args.extend_from_slice(&dns);
    sleeper(&api, &args);
    let mut args = vec!["--network", other.as_str()];
    args.extend_from_slice(&dns);
    sleeper(&iso, &args);
    let mut args = vec!["--network", app.as_str(), "--cap-drop", "NET_RAW"];
    args.extend_from_slice(&dns);
    sleeper(&nocap, &args);
    docker(&[
        "run",
        "-d",
        "--name",
        &bare,
        "--network",
        &app,
        BARE,
        "sleep",
        "300",
    ]);

    let attached = |c: &str, n: &str| Check {
        attached: Some(AttachedCheck {
            container: c.into(),
            network: n.into(),
            aliases: Vec::new(),
        }),
        ..Default::default()
    };
    let resolves = |from: &str| Check {
        resolves: Some(ResolvesCheck {
            from: from.into(),
            name: web.clone(),
        }),
        ..Default::default()
    };
    let ping = |from: &str| Check {
        reachable: Some(ReachableCheck {
            from: from.into(),
            to: web.clone(),
            via: Probe::Ping,
            by_ip: false,
            port: None,
        }),
        ..Default::default()
    };
    let tcp = |port| Check {
        reachable: Some(ReachableCheck {
            from: api.clone(),
            to: web.clone(),
            via: Probe::Tcp,
            by_ip: false,
            port: Some(port),
        }),
        ..Default::default()
    };

    pass(&verdict(&engine, attached(&api, &app)).await);
    fail(&verdict(&engine, attached(&iso, &app)).await);
    pass(&verdict(&engine, resolves(&api)).await);
    fail(&verdict(&engine, resolves(&iso)).await);
    pass(&verdict(&engine, not(resolves(&iso))).await);
    pass(&verdict(&engine, ping(&api)).await);
    fail(&verdict(&engine, ping(&iso)).await);
    pass(&verdict(&engine, not(ping(&iso))).await);
    let by_ip = |from: &str| Check {
        reachable: Some(ReachableCheck {
            from: from.into(),
            to: web.clone(),
            via: Probe::Ping,
            by_ip: true,
            port: None,
        }),
        ..Default::default()
    };
    let v = verdict(&engine, by_ip(&api)).await;
    pass(&v);
    let ip = regex::Regex::new(r"^\d+\.\d+\.\d+\.\d+ answered").unwrap();
    assert!(ip.is_match(v.text()), "{v:?}");
    // Bridges are isolated from each other even by address: the packets are dropped, and the
    // probe's bound, not the tool's own wait, decides "no answer".
    let v = verdict(&engine, by_ip(&iso)).await;
    fail(&v);
    assert!(v.text().contains("no answer within 250 ms"), "{v:?}");
    pass(&verdict(&engine, not(by_ip(&iso))).await);
    let tcp_by_ip = Check {
        reachable: Some(ReachableCheck {
            from: iso.clone(),
            to: web.clone(),
            via: Probe::Tcp,
            by_ip: true,
            port: Some(80),
        }),
        ..Default::default()
    };
    let v = verdict(&engine, tcp_by_ip.clone()).await;
    fail(&v);
    assert!(v.text().contains("no answer within 250 ms"), "{v:?}");
    pass(&verdict(&engine, not(tcp_by_ip)).await);
    pass(&verdict(&engine, tcp(80)).await);
    fail(&verdict(&engine, tcp(81)).await);
    // "Unreachable" is told apart from "ping not permitted" and "no such command".
    unknown(&verdict(&engine, not(ping(&nocap))).await, "not permitted");
    unknown(&verdict(&engine, not(ping(&bare))).await, "no `ping`");
    unknown(&verdict(&engine, not(resolves(&bare))).await, "no `ping`");

    docker(&["network", "connect", &app, &iso]);
    pass(&verdict(&engine, attached(&iso, &app)).await);
    pass(&verdict(&engine, resolves(&iso)).await);
    pass(&verdict(&engine, ping(&iso)).await);
    docker(&["stop", "-t", "0", &iso]);
    unknown(&verdict(&engine, ping(&iso)).await, "not running");
}

#[tokio::test]
async fn file_in_volume_is_read_without_starting_a_container() {
    let Some(engine) = engine().await else { return };
    let mut s = Scope::new("file");
    let vol = s.volume("data");
    let w = s.container("writer");
    let check = |path: &str, contains: Option<&str>| Check {
        file: Some(FileCheck {
            volume: vol.clone(),
            path: path.into(),
            contains: contains.map(str::to_string),
        }),
        ..Default::default()
    };
    fail(&verdict(&engine, check("ledger.txt", None)).await);
    docker(&[
        "run",
        "--name",
        &w,
        "-v",
        &format!("{vol}:/app/data"),
        BUSYBOX,
        "sh",
        "-c",
        "echo TX_99 > /app/data/ledger.txt && mkdir /app/data/dir && ln -s ledger.txt /app/data/link \
         && : > /app/data/empty && mkfifo /app/data/pipe",
    ]);
    docker(&["rm", &w]);
    let started_at = chrono::Utc::now().timestamp();
    pass(&verdict(&engine, check("ledger.txt", Some("TX_99"))).await);
    // A folder, a link and a pipe are not files; an empty file holds nothing.
    fail(&verdict(&engine, check("dir", None)).await);
    fail(&verdict(&engine, check("link", Some("TX_99"))).await);
    fail(&verdict(&engine, check("pipe", None)).await);
    pass(&verdict(&engine, check("empty", None)).await);
    fail(&verdict(&engine, check("empty", Some("TX_99"))).await);
    // The reader container is created, never started.
    let starts = events_since(
        started_at,
        &["event=start", "label=io.labrunner.role=check"],
    );
    assert_eq!(starts.trim(), "", "a file check started a container");
    pass(&verdict(&engine, check("/ledger.txt", None)).await);
    fail(&verdict(&engine, check("ledger.txt", Some("TX_100"))).await);
    fail(&verdict(&engine, check("missing.txt", None)).await);
    pass(&verdict(&engine, not(check("missing.txt", None))).await);
    // The helper containers are gone again.
    let left = docker(&[
        "ps",
        "-aq",
        "--filter",
        "label=io.labrunner.role=check",
        "--filter",
        &format!("volume={vol}"),
    ]);
    assert_eq!(left.trim(), "", "helper containers left behind");
}

#[tokio::test]
async fn file_in_volume_is_read_through_a_container_that_mounts_it_unless_something_hides_it() {
    let Some(engine) = engine().await else { return };
    let mut s = Scope::new("fmount");
    let vol = s.volume("data");
    let m = s.container("mounter");
    let b = s.container("bound");
    let check = |contains: &str| Check {
        file: Some(FileCheck {
            volume: vol.clone(),
            path: "ledger.txt".into(),
            contains: Some(contains.into()),
        }),
        ..Default::default()
    };
    let mount = format!("{vol}:/app/data");
    docker(&[
        "run",
        "--rm",
        "-v",
        &mount,
        BUSYBOX,
        "sh",
        "-c",
        "echo TX_VOL > /app/data/ledger.txt",
    ]);
    let label = format!("label=io.labrunner.test.volume={vol}");
    let check_creates = |since: i64| events_since(since, &["event=create", &label]);
    // A container of the student's mounts the whole volume: read through it, nothing created.
    docker(&[
        "run", "-d", "--name", &m, "-v", &mount, BUSYBOX, "sleep", "600",
    ]);
    let since = chrono::Utc::now().timestamp();
    pass(&verdict(&engine, check("TX_VOL")).await);
    fail(&verdict(&engine, check("TX_OTHER")).await);
    assert_eq!(check_creates(since).trim(), "", "a reader was created");
    docker(&["rm", "-f", &m]);
    // A host file bound over the path inside the only mounter hides the volume's file there:
    // the volume is read through a reader of labrunner's own, and the bound file never counts.
    docker(&[
        "run",
        "-d",
        "--name",
        &b,
        "-v",
        &mount,
        "--mount",
        "type=bind,source=/etc/hostname,target=/app/data/ledger.txt,readonly",
        BUSYBOX,
        "sleep",
        "600",
    ]);
    let since = chrono::Utc::now().timestamp();
    pass(&verdict(&engine, check("TX_VOL")).await);
    let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    if let Some(word) = host.split_whitespace().next() {
        fail(&verdict(&engine, check(word)).await);
    }
    assert_ne!(
        check_creates(since).trim(),
        "",
        "the hidden file was read through the mounter"
    );
}

#[tokio::test]
async fn published_ports_are_probed() {
    let Some(engine) = engine().await else { return };
    let mut s = Scope::new("ports");
    let web = s.container("web");
    let dead = s.container("dead");
    let host = s.container("host");
    docker(&["run", "-d", "--name", &web, "-p", "127.0.0.1::80", WEB]);
    // Published, but nothing listens behind the port: docker-proxy still accepts connections.
    docker(&[
        "run",
        "-d",
        "--name",
        &dead,
        "-p",
        "127.0.0.1::80",
        BUSYBOX,
        "sleep",
        "300",
    ]);
    docker(&[
        "run",
        "-d",
        "--name",
        &host,
        "--network",
        "host",
        "-p",
        "8099:80",
        BUSYBOX,
        "sleep",
        "300",
    ]);
    let check = |c: &str, ip: Option<&str>| Check {
        published: Some(PublishedCheck {
            container: c.into(),
            port: 80,
            protocol: "tcp".into(),
            host_port: None,
            host_ip: ip.map(str::to_string),
            probe: true,
        }),
        ..Default::default()
    };
    let mut answered = verdict(&engine, check(&web, Some("127.0.0.1"))).await;
    for _ in 0..20 {
        if answered.passed() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        answered = verdict(&engine, check(&web, Some("127.0.0.1"))).await;
    }
    pass(&answered);
    assert!(answered.text().contains("HTTP/1"), "{answered:?}");
    fail(&verdict(&engine, check(&web, Some("0.0.0.0"))).await);
    let v = verdict(&engine, check(&dead, None)).await;
    fail(&v);
    assert!(v.text().contains("nothing answered"), "{v:?}");
    let v = verdict(&engine, check(&host, None)).await;
    fail(&v);
    assert!(v.text().contains("no ports"), "{v:?}");
    pass(&verdict(&engine, not(check(&host, None))).await);
}

#[tokio::test]
async fn a_paused_container_and_a_read_only_root() {
    let Some(engine) = engine().await else { return };
    let mut s = Scope::new("paused");
    let c = s.container("c");
    let state = |state| Check {
        container: Some(ContainerCheck {
            name: c.clone(),
            state,
            exit_code: None,
            read_only_root: None,
            restart_policy: None,
            restarts: None,
            restarted: None,
        }),
        ..Default::default()
    };
    fail(&verdict(&engine, state(ContainerState::Paused)).await);
    sleeper(&c, &["--read-only", "--tmpfs", "/tmp"]);
    fail(&verdict(&engine, state(ContainerState::Paused)).await);
    docker(&["pause", &c]);
    let v = verdict(&engine, state(ContainerState::Paused)).await;
    pass(&v);
    assert!(v.text().contains("is paused"), "{v:?}");
    fail(&verdict(&engine, state(ContainerState::Running)).await);
    fail(&verdict(&engine, state(ContainerState::Exited)).await);
    docker(&["unpause", &c]);
    pass(&verdict(&engine, state(ContainerState::Running)).await);
    let tmpfs = Check {
        mount: Some(MountCheck {
            container: c.clone(),
            kind: MountType::Tmpfs,
            target: "/tmp".into(),
            source: None,
            read_only: None,
            size: None,
            mode: None,
            options: Vec::new(),
        }),
        ..Default::default()
    };
    let v = verdict(&engine, tmpfs).await;
    pass(&v);
    assert!(
        v.text().contains("its root file system is read-only"),
        "{v:?}"
    );
}

#[tokio::test]
async fn mounts_and_interfaces() {
    let Some(engine) = engine().await else { return };
    let mut s = Scope::new("mounts");
    let vol = s.volume("data");
    let c = s.container("c");
    let none = s.container("none");
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().to_string_lossy().to_string();
    docker(&[
        "run",
        "-d",
        "--name",
        &c,
        "--mount",
        &format!("type=volume,source={vol},target=/data,readonly"),
        "-v",
        &format!("{src}:/config:ro"),
        "--tmpfs",
        "/cache",
        "--mount",
        "type=tmpfs,destination=/secrets",
        BUSYBOX,
        "sleep",
        "300",
    ]);
    sleeper(&none, &["--network", "none"]);
    let mount = |kind, target: &str, source: Option<&str>, ro: Option<bool>| Check {
        mount: Some(MountCheck {
            container: c.clone(),
            kind,
            target: target.into(),
            source: source.map(str::to_string),
            read_only: ro,
            size: None,
            mode: None,
            options: Vec::new(),
        }),
        ..Default::default()
    };
    pass(
        &verdict(
            &engine,
            mount(MountType::Volume, "/data", Some(&vol), Some(true)),
        )
        .await,
    );
    fail(
        &verdict(
            &engine,
            mount(MountType::Volume, "/data", Some(&vol), Some(false)),
        )
        .await,
    );
    fail(&verdict(&engine, mount(MountType::Bind, "/data", None, None)).await);
    pass(
        &verdict(
            &engine,
            mount(MountType::Bind, "/config", Some(&src), Some(true)),
        )
        .await,
    );
    fail(
        &verdict(
            &engine,
            mount(MountType::Bind, "/config", Some("/etc"), None),
        )
        .await,
    );
    pass(&verdict(&engine, mount(MountType::Tmpfs, "/cache", None, None)).await);
    pass(&verdict(&engine, mount(MountType::Tmpfs, "/secrets", None, None)).await);
    fail(&verdict(&engine, mount(MountType::Tmpfs, "/elsewhere", None, None)).await);

    let lo = |name: &str| Check {
        loopback_only: Some(LoopbackOnlyCheck {
            container: name.into(),
        }),
        ..Default::default()
    };
    pass(&verdict(&engine, lo(&none)).await);
    let v = verdict(&engine, lo(&c)).await;
    fail(&v);
    assert!(v.text().contains("eth0"), "{v:?}");
}

#[tokio::test]
async fn exec_image_command_fails_and_ran() {
    let Some(engine) = engine().await else { return };
    let mut s = Scope::new("exec");
    let c = s.container("c");
    sleeper(&c, &[]);
    let exec = |command: &str, exit_code: Option<i64>, output: Option<&str>| Check {
        exec: Some(ExecCheck {
            container: c.clone(),
            command: command.into(),
            exit_code,
            output: output.map(str::to_string),
        }),
        ..Default::default()
    };
    pass(
        &verdict(
            &engine,
            exec("sh -c 'echo hello; exit 3'", Some(3), Some("^hello")),
        )
        .await,
    );
    fail(&verdict(&engine, exec("sh -c 'echo hello; exit 3'", Some(0), None)).await);
    fail(&verdict(&engine, exec("echo hello", None, Some("bye"))).await);
    unknown(
        &verdict(&engine, exec("no-such-tool --x", Some(0), None)).await,
        "no `no-such-tool`",
    );

    let image = |name: &str| Check {
        image: Some(ImageCheck { name: name.into() }),
        ..Default::default()
    };
    pass(&verdict(&engine, image("alpine:latest")).await);
    fail(&verdict(&engine, image("labrunner-fixture/absent:1")).await);

    let missing_net = s.name("missing-net");
    let fails = |command: String, error: &str| Check {
        command_fails: Some(CommandFailsCheck {
            command,
            error: error.into(),
        }),
        ..Default::default()
    };
    pass(
        &verdict(
            &engine,
            fails(
                format!("docker network inspect {missing_net}"),
                "not found|No such",
            ),
        )
        .await,
    );
    fail(
        &verdict(
            &engine,
            fails(format!("docker network inspect {missing_net}"), "in use"),
        )
        .await,
    );
    let v = verdict(&engine, fails("docker network inspect bridge".into(), "x")).await;
    fail(&v);
    assert!(v.text().contains("succeeded"), "{v:?}");
    // A command that would change something if it succeeded is never run by a check: its
    // side effect would be blamed on the student.
    let made = s.network("made");
    let v = verdict(
        &engine,
        fails(format!("docker network create {made}"), "exists"),
    )
    .await;
    unknown(&v, "would change the daemon's state");
    assert_eq!(
        std::process::Command::new("docker")
            .args(["network", "inspect", &made])
            .output()
            .map(|o| o.status.success())
            .ok(),
        Some(false),
        "the check created {made}"
    );

    let ran = |command: &str| Check {
        ran: Some(RanCheck {
            container: c.clone(),
            command: command.into(),
            exit_code: None,
            output: None,
        }),
        ..Default::default()
    };
    // Not following the daemon's events: `ran` cannot tell.
    unknown(
        &verdict(&engine, ran("cat /etc/hostname")).await,
        "events were not being followed",
    );
    let recorder = Recorder::new();
    let opened = recorder.open_step("exec");
    recorder
        .follow(&engine, async {
            fail(&verdict_seen(&engine, ran("cat /etc/hostname"), &recorder, opened).await);
            docker(&["exec", &c, "cat", "/etc/hostname"]);
            let v =
                eventually(|| verdict_seen(&engine, ran("^cat /etc/hostname$"), &recorder, opened))
                    .await;
            pass(&v);
            fail(&verdict_seen(&engine, ran("cat /etc/passwd"), &recorder, opened).await);
            // Only since the step opened.
            let later = recorder.open_step("later");
            fail(&verdict_seen(&engine, ran("^cat /etc/hostname$"), &recorder, later).await);
        })
        .await;
}

/// The verdict once it passes, or after three seconds (events arrive a moment after the
/// command that causes them returns).
async fn eventually<F, Fut>(mut verdict: F) -> Verdict
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Verdict>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
    loop {
        let v = verdict().await;
        if v.passed() || std::time::Instant::now() >= deadline {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

fn network_check(name: &str) -> NetworkCheck {
    NetworkCheck {
        name: name.into(),
        driver: None,
        subnet: None,
        ip_range: None,
        gateway: None,
        labels: Default::default(),
    }
}

#[tokio::test]
async fn network_gateway_ip_range_labels_and_a_decoy_that_survives_a_filtered_prune() {
    let Some(engine) = engine().await else { return };
    let mut s = Scope::prefixed("vb-netkinds");
    let net = s.network("addr");
    let with = |f: &dyn Fn(&mut NetworkCheck)| {
        let mut n = network_check(&net);
        f(&mut n);
        Check {
            network: Some(n),
            ..Default::default()
        }
    };
    let range = with(&|n| n.ip_range = Some("10.199.83.128/25".into()));
    let gateway = with(&|n| n.gateway = Some("10.199.83.254".into()));
    let label = with(&|n| {
        n.labels = [("tier".to_string(), "backend".to_string())].into();
    });
    // The wrong state: the subnet alone, no range, the gateway the daemon picks, no label.
    docker(&["network", "create", "--subnet", "10.199.83.0/24", &net]);
    let v = verdict(&engine, range.clone()).await;
    fail(&v);
    assert!(v.text().contains("no ip range"), "{v:?}");
    let v = verdict(&engine, gateway.clone()).await;
    fail(&v);
    // Docker 20.10 stores no gateway it picked itself.
    assert!(v.text().contains("no gateway"), "{v:?}");
    let v = verdict(&engine, label.clone()).await;
    fail(&v);
    assert!(v.text().contains("no labels"), "{v:?}");
    docker(&["network", "rm", &net]);
    // The right one.
    docker(&[
        "network",
        "create",
        "--subnet",
        "10.199.83.0/24",
        "--ip-range",
        "10.199.83.128/25",
        "--gateway",
        "10.199.83.254",
        "--label",
        "tier=backend",
        &net,
    ]);
    pass(&verdict(&engine, range).await);
    pass(&verdict(&engine, gateway).await);
    pass(&verdict(&engine, label).await);
    let other = with(&|n| {
        n.labels = [("tier".to_string(), "frontend".to_string())].into();
    });
    let v = verdict(&engine, other).await;
    fail(&v);
    assert!(v.text().contains("label tier=backend"), "{v:?}");

    // A decoy of the user's survives a prune filtered on the lab's label; removing it by hand
    // (or any prune that takes it) does not.
    let scratch = s.network("scratch");
    let decoy = s.network("decoy");
    let filter = "label=vb-netkinds-scratch";
    docker(&[
        "network",
        "create",
        "--label",
        "vb-netkinds-scratch",
        &scratch,
    ]);
    docker(&["network", "create", &decoy]);
    let exists = |name: &str| Check {
        network: Some(network_check(name)),
        ..Default::default()
    };
    fail(&verdict(&engine, not(exists(&scratch))).await);
    docker(&["network", "prune", "-f", "--filter", filter]);
    pass(&verdict(&engine, not(exists(&scratch))).await);
    pass(&verdict(&engine, exists(&decoy)).await);
    docker(&["network", "rm", &decoy]);
    fail(&verdict(&engine, exists(&decoy)).await);
}

fn mount_check(container: &str, target: &str) -> MountCheck {
    MountCheck {
        container: container.into(),
        kind: MountType::Tmpfs,
        target: target.into(),
        source: None,
        read_only: None,
        size: None,
        mode: None,
        options: Vec::new(),
    }
}

#[tokio::test]
async fn tmpfs_size_mode_and_options() {
    let Some(engine) = engine().await else { return };
    let mut s = Scope::prefixed("vb-tmpfs");
    let flag = s.container("flag");
    let mount = s.container("mount");
    let bare = s.container("bare");
    sleeper(&flag, &["--tmpfs", "/cache:size=16m,mode=1770,noexec"]);
    sleeper(
        &mount,
        &[
            "--mount",
            "type=tmpfs,target=/cache,tmpfs-size=16777216,tmpfs-mode=1770",
        ],
    );
    sleeper(&bare, &["--tmpfs", "/cache"]);
    let check = |c: &str, f: &dyn Fn(&mut MountCheck)| {
        let mut m = mount_check(c, "/cache");
        f(&mut m);
        Check {
            mount: Some(m),
            ..Default::default()
        }
    };
    for c in [&flag, &mount] {
        for size in ["16m", "16384k", "16777216"] {
            pass(&verdict(&engine, check(c, &|m| m.size = Some(size.into()))).await);
        }
        let v = verdict(&engine, check(c, &|m| m.size = Some("32m".into()))).await;
        fail(&v);
        assert!(v.text().contains("size 16m"), "{v:?}");
        pass(&verdict(&engine, check(c, &|m| m.mode = Some("1770".into()))).await);
        fail(&verdict(&engine, check(c, &|m| m.mode = Some("1777".into()))).await);
    }
    // `--tmpfs` without options: no size, the default mode.
    let v = verdict(&engine, check(&bare, &|m| m.size = Some("16m".into()))).await;
    fail(&v);
    assert!(v.text().contains("no size limit"), "{v:?}");
    pass(&verdict(&engine, check(&bare, &|m| m.mode = Some("1777".into()))).await);
    // Mount options given to `--tmpfs`.
    pass(
        &verdict(
            &engine,
            check(&flag, &|m| m.options = vec!["noexec".into()]),
        )
        .await,
    );
    fail(
        &verdict(
            &engine,
            check(&flag, &|m| m.options = vec!["nosuid".into()]),
        )
        .await,
    );
    fail(
        &verdict(
            &engine,
            check(&bare, &|m| m.options = vec!["noexec".into()]),
        )
        .await,
    );
}

#[tokio::test]
async fn network_aliases_read_only_root_and_restarts() {
    let Some(engine) = engine().await else { return };
    let mut s = Scope::prefixed("vb-settings");
    let net = s.network("net");
    let db = s.container("db");
    let plain = s.container("plain");
    docker(&["network", "create", &net]);
    sleeper(
        &db,
        &["--network", &net, "--network-alias", "store", "--read-only"],
    );
    sleeper(&plain, &["--network", &net]);
    let aliased = |c: &str, aliases: &[&str]| Check {
        attached: Some(AttachedCheck {
            container: c.into(),
            network: net.clone(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
        }),
        ..Default::default()
    };
    let v = verdict(&engine, aliased(&db, &["store"])).await;
    pass(&v);
    assert!(v.text().contains("aliases store"), "{v:?}");
    fail(&verdict(&engine, aliased(&db, &["store", "cache"])).await);
    let v = verdict(&engine, aliased(&plain, &["store"])).await;
    fail(&v);
    assert!(v.text().contains("no aliases"), "{v:?}");

    let container = |c: &str, f: &dyn Fn(&mut ContainerCheck)| {
        let mut check = ContainerCheck {
            name: c.into(),
            state: ContainerState::Running,
            exit_code: None,
            read_only_root: None,
            restart_policy: None,
            restarts: None,
            restarted: None,
        };
        f(&mut check);
        Check {
            container: Some(check),
            ..Default::default()
        }
    };
    let ro = |c: &str, want: bool| container(c, &|k| k.read_only_root = Some(want));
    pass(&verdict(&engine, ro(&db, true)).await);
    fail(&verdict(&engine, ro(&db, false)).await);
    let v = verdict(&engine, ro(&plain, true)).await;
    fail(&v);
    assert!(v.text().contains("writable"), "{v:?}");

    // Started again since the step opened: only `docker restart` (or stop and start) of the
    // same container.
    let recorder = Recorder::new();
    let opened = recorder.open_step("restart");
    let restarted = |want: bool| container(&plain, &|k| k.restarted = Some(want));
    fail(&verdict_seen(&engine, restarted(true), &recorder, opened).await);
    pass(&verdict_seen(&engine, restarted(false), &recorder, opened).await);
    docker(&["restart", "-t", "0", &plain]);
    pass(&verdict_seen(&engine, restarted(true), &recorder, opened).await);
    fail(&verdict_seen(&engine, restarted(false), &recorder, opened).await);

    // The daemon's restarts by policy.
    let flaky = s.container("flaky");
    docker(&[
        "run",
        "-d",
        "--name",
        &flaky,
        "--restart",
        "on-failure:2",
        BUSYBOX,
        "sh",
        "-c",
        "exit 1",
    ]);
    let restarts = |n: i64| {
        container(&flaky, &|k| {
            k.state = ContainerState::Exited;
            k.restarts = Some(n);
        })
    };
    let v = eventually(|| verdict(&engine, restarts(2))).await;
    pass(&v);
    assert!(v.text().contains("restarted it 2 times"), "{v:?}");
    fail(&verdict(&engine, restarts(3)).await);
    let policy = |p: &str| {
        container(&flaky, &|k| {
            k.state = ContainerState::Exited;
            k.restart_policy = Some(p.into());
        })
    };
    pass(&verdict(&engine, policy("on-failure")).await);
    pass(&verdict(&engine, policy("on-failure:2")).await);
    fail(&verdict(&engine, policy("on-failure:5")).await);
    fail(&verdict(&engine, policy("always")).await);
    let no_policy = container(&plain, &|k| k.restart_policy = Some("no".into()));
    pass(&verdict(&engine, no_policy).await);
    // `docker restart` is not a restart by policy.
    let v = verdict(&engine, container(&plain, &|k| k.restarts = Some(1))).await;
    fail(&v);
    assert!(v.text().contains("restarted it 0 times"), "{v:?}");
}

#[tokio::test]
async fn the_user_of_a_gone_container_and_what_a_docker_exec_showed() {
    let Some(engine) = engine().await else { return };
    let mut s = Scope::prefixed("vb-recorded");
    let reader = s.container("reader");
    let shell = s.container("shell");
    sleeper(&shell, &[]);
    let ran_as = |user: &str| Check {
        container_ran: Some(ContainerRanCheck {
            name: Some(reader.clone()),
            user: Some(user.into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let user = |user: &str| Check {
        user: Some(UserCheck {
            container: reader.clone(),
            user: user.into(),
        }),
        ..Default::default()
    };
    let ran = |code: Option<i64>, output: Option<&str>| Check {
        ran: Some(RanCheck {
            container: shell.clone(),
            command: "^sh -c".into(),
            exit_code: code,
            output: output.map(str::to_string),
        }),
        ..Default::default()
    };
    let recorder = Recorder::new();
    let opened = recorder.open_step("recorded");
    recorder
        .follow(&engine, async {
            fail(&verdict_seen(&engine, ran_as("1000"), &recorder, opened).await);
            // Off the runtime's thread: the recorder follows the events meanwhile.
            let args: Vec<String> = ["run", "--rm", "--name", &reader, "--user", "1000:1000"]
                .iter()
                .map(|a| a.to_string())
                .chain([BUSYBOX.to_string(), "id".into(), "-u".into()])
                .collect();
            tokio::task::spawn_blocking(move || {
                docker(&args.iter().map(String::as_str).collect::<Vec<_>>())
            })
            .await
            .unwrap();
            let v = eventually(|| verdict_seen(&engine, ran_as("1000"), &recorder, opened)).await;
            pass(&v);
            let v = verdict_seen(&engine, ran_as("root"), &recorder, opened).await;
            fail(&v);
            assert!(v.text().contains("it ran as 1000:1000"), "{v:?}");
            // The `user` check of a container that is gone reads the same record.
            let v = verdict_seen(&engine, user("1000:1000"), &recorder, opened).await;
            pass(&v);
            assert!(v.text().contains("(gone)"), "{v:?}");
            fail(&verdict_seen(&engine, user("root"), &recorder, opened).await);

            // A `docker exec` typed in another terminal: its exit code is in the daemon's
            // events, what it printed is not.
            let out = std::process::Command::new("docker")
                .args(["exec", &shell, "sh", "-c", "echo inside; exit 3"])
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(3));
            let v =
                eventually(|| verdict_seen(&engine, ran(Some(3), None), &recorder, opened)).await;
            pass(&v);
            let v = verdict_seen(&engine, ran(Some(0), None), &recorder, opened).await;
            fail(&v);
            assert!(v.text().contains("it exited 3"), "{v:?}");
            unknown(
                &verdict_seen(&engine, ran(None, Some("inside")), &recorder, opened).await,
                "only when it runs it itself",
            );
            // One labrunner ran: its output is kept with the exec (as the runner does).
            let out = std::process::Command::new("docker")
                .args(["exec", &shell, "sh", "-c", "echo mine"])
                .output()
                .unwrap();
            recorder.printed(
                &shell,
                "sh -c echo mine",
                &String::from_utf8_lossy(&out.stdout),
            );
            let v = eventually(|| {
                verdict_seen(&engine, ran(Some(0), Some("^mine")), &recorder, opened)
            })
            .await;
            pass(&v);
            assert!(v.text().contains("printed: mine"), "{v:?}");
            fail(&verdict_seen(&engine, ran(None, Some("^inside$")), &recorder, opened).await);
        })
        .await;
}
