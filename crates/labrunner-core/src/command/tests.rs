//! Table-driven tests of [`parse`]: every supported form, and errors naming what is refused.

use super::*;

const WD: Option<&str> = Some("/home/s/lab");

fn ok(line: &str) -> Action {
    match parse(line, WD) {
        Ok(a) => a,
        Err(e) => panic!("{line}: {e}"),
    }
}

fn err(line: &str) -> ParseError {
    match parse(line, WD) {
        Ok(a) => panic!("{line}: expected an error, got {a:?}"),
        Err(e) => e,
    }
}

fn run(line: &str) -> ContainerSpec {
    match ok(line) {
        Action::Run(spec) | Action::Create(spec) => *spec,
        other => panic!("{line}: not a run/create: {other:?}"),
    }
}

fn s(v: &str) -> String {
    v.to_string()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

#[test]
fn network_commands() {
    let table = [
        (
            "docker network create my-app-network",
            Action::NetworkCreate(NetworkCreate {
                name: s("my-app-network"),
                ..NetworkCreate::default()
            }),
        ),
        (
            "docker network create \\\n--driver bridge \\\n--subnet 172.20.0.0/16 \\\n--gateway 172.20.0.1 \\\n--ip-range 172.20.240.0/20 \\\nmy-custom-net",
            Action::NetworkCreate(NetworkCreate {
                name: s("my-custom-net"),
                driver: Some(s("bridge")),
                subnet: Some(s("172.20.0.0/16")),
                gateway: Some(s("172.20.0.1")),
                ip_range: Some(s("172.20.240.0/20")),
                internal: false,
                labels: vec![],
            }),
        ),
        (
            "docker network create -d bridge --internal --label team=a --label=x backend",
            Action::NetworkCreate(NetworkCreate {
                name: s("backend"),
                driver: Some(s("bridge")),
                internal: true,
                labels: vec![(s("team"), s("a")), (s("x"), s(""))],
                ..NetworkCreate::default()
            }),
        ),
        (
            "docker network rm my-app-network other-network",
            Action::NetworkRm {
                names: strings(&["my-app-network", "other-network"]),
                force: false,
            },
        ),
        (
            "docker network rm -f n",
            Action::NetworkRm {
                names: strings(&["n"]),
                force: true,
            },
        ),
        (
            "docker network connect my-app-network isolated",
            Action::NetworkConnect {
                network: s("my-app-network"),
                container: s("isolated"),
                aliases: vec![],
            },
        ),
        (
            "docker network connect --alias db --alias=database net c",
            Action::NetworkConnect {
                network: s("net"),
                container: s("c"),
                aliases: strings(&["db", "database"]),
            },
        ),
        (
            "docker network disconnect -f my-custom-net my-container",
            Action::NetworkDisconnect {
                network: s("my-custom-net"),
                container: s("my-container"),
                force: true,
            },
        ),
        ("docker network ls", Action::NetworkLs),
        ("docker network list", Action::NetworkLs),
        (
            "docker network inspect my-custom-net",
            Action::NetworkInspect {
                names: strings(&["my-custom-net"]),
                format: None,
            },
        ),
        (
            "docker network inspect bridge -f '{{json .IPAM}}'",
            Action::NetworkInspect {
                names: strings(&["bridge"]),
                format: Some(s("{{json .IPAM}}")),
            },
        ),
        (
            "docker network prune",
            Action::NetworkPrune {
                force: false,
                labels: vec![],
            },
        ),
        (
            "docker network prune -f",
            Action::NetworkPrune {
                force: true,
                labels: vec![],
            },
        ),
        (
            "docker network prune -f --filter label=lab=network-addressing --filter label=keep",
            Action::NetworkPrune {
                force: true,
                labels: vec!["lab=network-addressing".into(), "keep".into()],
            },
        ),
    ];
    for (line, expected) in table {
        assert_eq!(ok(line), expected, "{line}");
    }
}

#[test]
fn volume_commands() {
    let table = [
        (
            "docker volume create app-data",
            Action::VolumeCreate {
                name: Some(s("app-data")),
                driver: None,
                labels: vec![],
            },
        ),
        (
            "docker volume create",
            Action::VolumeCreate {
                name: None,
                driver: None,
                labels: vec![],
            },
        ),
        (
            "docker volume create -d local --label keep=yes --name v2",
            Action::VolumeCreate {
                name: Some(s("v2")),
                driver: Some(s("local")),
                labels: vec![(s("keep"), s("yes"))],
            },
        ),
        (
            "docker volume rm app-data",
            Action::VolumeRm {
                names: strings(&["app-data"]),
                force: false,
            },
        ),
        (
            "docker volume rm -f a b",
            Action::VolumeRm {
                names: strings(&["a", "b"]),
                force: true,
            },
        ),
        ("docker volume ls", Action::VolumeLs),
        (
            "docker volume inspect pgdata --format '{{.Mountpoint}}'",
            Action::VolumeInspect {
                names: strings(&["pgdata"]),
                format: Some(s("{{.Mountpoint}}")),
            },
        ),
        (
            "docker volume prune",
            Action::VolumePrune {
                force: false,
                all: false,
            },
        ),
        (
            "docker volume prune -f",
            Action::VolumePrune {
                force: true,
                all: false,
            },
        ),
        (
            "docker volume prune -af",
            Action::VolumePrune {
                force: true,
                all: true,
            },
        ),
        (
            "docker volume prune --all --force",
            Action::VolumePrune {
                force: true,
                all: true,
            },
        ),
    ];
    for (line, expected) in table {
        assert_eq!(ok(line), expected, "{line}");
    }
}

#[test]
fn run_basic_forms() {
    let c = run("docker run -d --name container-a alpine sleep 3600");
    assert_eq!(
        c,
        ContainerSpec {
            name: Some(s("container-a")),
            image: s("alpine"),
            command: strings(&["sleep", "3600"]),
            detach: true,
            ..ContainerSpec::default()
        }
    );

    let c = run(
        r#"docker run -d --name db-writer --network=isolated-net --mount type=volume,source=persistent-store,target=/app/data alpine:latest /bin/sh -c "echo 'CRITICAL_DATABASE_TRANSACTION_99' > /app/data/ledger.txt && sleep 3600""#,
    );
    assert_eq!(c.network.as_deref(), Some("isolated-net"));
    assert_eq!(c.image, "alpine:latest");
    assert_eq!(
        c.command,
        strings(&[
            "/bin/sh",
            "-c",
            "echo 'CRITICAL_DATABASE_TRANSACTION_99' > /app/data/ledger.txt && sleep 3600"
        ])
    );
    assert_eq!(
        c.mounts,
        vec![Mount {
            kind: MountKind::Volume,
            syntax: MountSyntax::MountFlag,
            source: Some(s("persistent-store")),
            target: s("/app/data"),
            read_only: false,
            options: vec![],
        }]
    );

    // Flags after the image belong to the command.
    let c = run("docker run --rm alpine ls -la --color /");
    assert!(c.remove);
    assert_eq!(c.command, strings(&["ls", "-la", "--color", "/"]));

    // Combined short flags, `--flag=value`, `-p` attached.
    let c = run("docker run -dit --net=my-net --hostname=h -p8080:80 -h box alpine");
    assert!(c.detach && c.interactive && c.tty);
    assert_eq!(c.network.as_deref(), Some("my-net"));
    assert_eq!(c.hostname.as_deref(), Some("box"));
    assert_eq!(c.ports.len(), 1);

    let c = run("docker run -it alpine sh");
    assert!(c.interactive && c.tty && !c.detach);

    let c = run("docker create --name c alpine");
    assert!(matches!(
        ok("docker create --name c alpine"),
        Action::Create(_)
    ));
    assert_eq!(c.name.as_deref(), Some("c"));

    // `docker container run` is the same command.
    assert_eq!(
        ok("docker container run -d alpine"),
        ok("docker run -d alpine")
    );
    assert!(matches!(
        ok("docker container rm -f x"),
        Action::Rm { force: true, .. }
    ));
}

#[test]
fn read_only_root() {
    assert!(run("docker run --read-only -d alpine sleep 1").read_only);
    assert!(run("docker container run --read-only=true alpine").read_only);
    assert!(!run("docker run --read-only=false alpine").read_only);
    assert!(!run("docker run alpine").read_only);
    match parse("docker create --read-only --name c alpine", None) {
        Ok(Action::Create(c)) => assert!(c.read_only),
        other => panic!("{other:?}"),
    }
}

#[test]
fn run_every_flag() {
    let c = run(
        "docker run --detach --rm --name web --network net --network-alias www --net-alias w2 \
         -v data:/data --volume=/srv:/srv:ro --mount type=tmpfs,dst=/cache --tmpfs /run:size=64m \
         -p 8080:80 --publish 127.0.0.1::443 -P --expose 9000 --expose=53/udp \
         -e A=1 --env B=2 --env=C -l tier=web --label=x \
         -u 1000:1000 -w /app --entrypoint /bin/sh -i -t --restart=no \
         --privileged --cap-add NET_ADMIN --pid host --ipc=host --uts host \
         -m 512m --pids-limit 100 --dns 10.0.0.2 --dns=10.0.0.3 \
         labrunner-fixture/busybox:1 -c 'echo hi'",
    );
    let expected = ContainerSpec {
        name: Some(s("web")),
        image: s("labrunner-fixture/busybox:1"),
        command: strings(&["-c", "echo hi"]),
        entrypoint: Some(s("/bin/sh")),
        detach: true,
        remove: true,
        interactive: true,
        tty: true,
        network: Some(s("net")),
        network_aliases: strings(&["www", "w2"]),
        mounts: vec![
            Mount {
                kind: MountKind::Volume,
                syntax: MountSyntax::VolumeFlag,
                source: Some(s("data")),
                target: s("/data"),
                read_only: false,
                options: vec![],
            },
            Mount {
                kind: MountKind::Bind,
                syntax: MountSyntax::VolumeFlag,
                source: Some(s("/srv")),
                target: s("/srv"),
                read_only: true,
                options: vec![],
            },
            Mount {
                kind: MountKind::Tmpfs,
                syntax: MountSyntax::MountFlag,
                source: None,
                target: s("/cache"),
                read_only: false,
                options: vec![],
            },
            Mount {
                kind: MountKind::Tmpfs,
                syntax: MountSyntax::TmpfsFlag,
                source: None,
                target: s("/run"),
                read_only: false,
                options: strings(&["size=64m"]),
            },
        ],
        ports: vec![
            PortSpec {
                host_ip: None,
                host_ports: Some((8080, 8080)),
                container_ports: (80, 80),
                protocol: s("tcp"),
            },
            PortSpec {
                host_ip: Some(s("127.0.0.1")),
                host_ports: None,
                container_ports: (443, 443),
                protocol: s("tcp"),
            },
        ],
        expose: strings(&["9000", "53/udp"]),
        env: strings(&["A=1", "B=2", "C"]),
        labels: vec![(s("tier"), s("web")), (s("x"), s(""))],
        user: Some(s("1000:1000")),
        workdir: Some(s("/app")),
        hostname: None,
        restart: Some(s("no")),
        read_only: false,
        privileged: true,
        cap_add: strings(&["NET_ADMIN"]),
        pid: Some(s("host")),
        ipc: Some(s("host")),
        uts: Some(s("host")),
        memory: Some(512 * 1024 * 1024),
        pids_limit: Some(100),
        publish_all: true,
        dns: strings(&["10.0.0.2", "10.0.0.3"]),
    };
    assert_eq!(c, expected);
}

#[test]
fn run_with_working_folder() {
    let c = run(
        "docker run -d --name dev-server -v $(pwd):/app -p 5000:5000 python:3.11-slim bash -c \"cd /app && python app.py\"",
    );
    assert_eq!(c.mounts[0].source.as_deref(), Some("/home/s/lab"));
    assert_eq!(c.mounts[0].kind, MountKind::Bind);
    assert_eq!(
        c.command,
        strings(&["bash", "-c", "cd /app && python app.py"])
    );
    assert_eq!(
        parse("docker run -v $(pwd):/app alpine", None),
        Err(ParseError::NoWorkdir {
            syntax: s("$(pwd)")
        })
    );
    // Not used: no working folder needed.
    assert!(parse("docker run -v data:/app alpine", None).is_ok());
}

#[test]
fn exec_and_container_commands() {
    let table = [
        (
            "docker exec container-a ping -c 2 172.17.0.3",
            Action::Exec(ExecSpec {
                container: s("container-a"),
                command: strings(&["ping", "-c", "2", "172.17.0.3"]),
                ..ExecSpec::default()
            }),
        ),
        (
            "docker exec -it -u root -w /tmp -e A=1 --env=B=2 db sh -c 'ls -l'",
            Action::Exec(ExecSpec {
                container: s("db"),
                command: strings(&["sh", "-c", "ls -l"]),
                interactive: true,
                tty: true,
                detach: false,
                user: Some(s("root")),
                workdir: Some(s("/tmp")),
                env: strings(&["A=1", "B=2"]),
            }),
        ),
        (
            "docker exec -d web touch /x",
            Action::Exec(ExecSpec {
                container: s("web"),
                command: strings(&["touch", "/x"]),
                detach: true,
                ..ExecSpec::default()
            }),
        ),
        (
            "docker rm -f web api isolated",
            Action::Rm {
                names: strings(&["web", "api", "isolated"]),
                force: true,
                volumes: false,
            },
        ),
        (
            "docker rm -fv w",
            Action::Rm {
                names: strings(&["w"]),
                force: true,
                volumes: true,
            },
        ),
        (
            "docker stop web",
            Action::Stop {
                names: strings(&["web"]),
                time: None,
            },
        ),
        (
            "docker stop -t 0 web db",
            Action::Stop {
                names: strings(&["web", "db"]),
                time: Some(0),
            },
        ),
        (
            "docker start web",
            Action::Start {
                names: strings(&["web"]),
            },
        ),
        (
            "docker restart web",
            Action::Restart {
                names: strings(&["web"]),
                time: None,
            },
        ),
        (
            "docker container restart -t 2 web db",
            Action::Restart {
                names: strings(&["web", "db"]),
                time: Some(2),
            },
        ),
        (
            "docker restart --time=0 web",
            Action::Restart {
                names: strings(&["web"]),
                time: Some(0),
            },
        ),
        (
            "docker kill web db",
            Action::Kill {
                names: strings(&["web", "db"]),
                signal: None,
            },
        ),
        (
            "docker kill -s HUP web",
            Action::Kill {
                names: strings(&["web"]),
                signal: Some(s("HUP")),
            },
        ),
        (
            "docker container kill --signal=SIGTERM web",
            Action::Kill {
                names: strings(&["web"]),
                signal: Some(s("SIGTERM")),
            },
        ),
        (
            "docker pause web db",
            Action::Pause {
                names: strings(&["web", "db"]),
            },
        ),
        (
            "docker container unpause web",
            Action::Unpause {
                names: strings(&["web"]),
            },
        ),
        (
            "docker inspect container-a --format '{{.NetworkSettings.IPAddress}}'",
            Action::Inspect {
                names: strings(&["container-a"]),
                format: Some(s("{{.NetworkSettings.IPAddress}}")),
            },
        ),
        (
            "docker inspect -f '{{.State.Status}}' --type container a alpine:latest",
            Action::Inspect {
                names: strings(&["a", "alpine:latest"]),
                format: Some(s("{{.State.Status}}")),
            },
        ),
        (
            "docker inspect --type network n",
            Action::NetworkInspect {
                names: strings(&["n"]),
                format: None,
            },
        ),
        (
            "docker port random-port",
            Action::Port {
                container: s("random-port"),
                port: None,
            },
        ),
        (
            "docker port web 80/tcp",
            Action::Port {
                container: s("web"),
                port: Some(s("80/tcp")),
            },
        ),
        (
            "docker logs mysql-server",
            Action::Logs {
                container: s("mysql-server"),
                follow: false,
                tail: None,
            },
        ),
        (
            "docker logs -f --tail 10 mysql-server",
            Action::Logs {
                container: s("mysql-server"),
                follow: true,
                tail: Some(s("10")),
            },
        ),
        (
            "docker container logs -n all web",
            Action::Logs {
                container: s("web"),
                follow: false,
                tail: Some(s("all")),
            },
        ),
    ];
    for (line, expected) in table {
        assert_eq!(ok(line), expected, "{line}");
    }
}

fn unsupported_flag(command: &str, flag: &str) -> ParseError {
    ParseError::UnsupportedFlag {
        command: s(command),
        flag: s(flag),
    }
}

#[test]
fn unsupported_flags_are_named_with_their_command() {
    let table = [
        ("docker run --cap-drop ALL alpine", "run", "--cap-drop"),
        (
            "docker run --oom-kill-disable alpine",
            "run",
            "--oom-kill-disable",
        ),
        ("docker run -dx alpine", "run", "-x"),
        ("docker run --env-file=.env alpine", "run", "--env-file"),
        ("docker create --init alpine", "create", "--init"),
        (
            "docker container run --gpus all alpine",
            "container run",
            "--gpus",
        ),
        ("docker exec --privileged c sh", "exec", "--privileged"),
        ("docker rm --link c", "rm", "--link"),
        ("docker stop -s KILL c", "stop", "-s"),
        ("docker start -a c", "start", "-a"),
        ("docker logs --since 1h c", "logs", "--since"),
        ("docker inspect -s c", "inspect", "-s"),
        (
            "docker network create --attachable n",
            "network create",
            "--attachable",
        ),
        (
            "docker network create -o com.docker.network.bridge.name=br0 n",
            "network create",
            "-o",
        ),
        (
            "docker network connect --ip 10.0.0.9 n c",
            "network connect",
            "--ip",
        ),
        ("docker network ls -q", "network ls", "-q"),
        (
            "docker network prune --filter until=1h",
            "network prune",
            "--filter",
        ),
        (
            "docker volume create -o type=tmpfs v",
            "volume create",
            "-o",
        ),
        (
            "docker volume ls --filter dangling=true",
            "volume ls",
            "--filter",
        ),
        ("docker -H tcp://x:2375 ps", "", "-H"),
        ("docker network --help", "network", "--help"),
    ];
    for (line, command, flag) in table {
        assert_eq!(err(line), unsupported_flag(command, flag), "{line}");
    }
    assert_eq!(
        err("docker run --cap-drop ALL alpine").to_string(),
        "unsupported flag `--cap-drop` for `docker run`"
    );
    assert_eq!(
        err("docker -H x ps").to_string(),
        "unsupported flag `-H` for `docker`"
    );
}

#[test]
fn other_errors() {
    let table = [
        ("", ParseError::Empty),
        ("   # only a comment", ParseError::Empty),
        ("ls -lh", ParseError::NotDocker(s("ls"))),
        ("sudo docker ps", ParseError::NotDocker(s("sudo"))),
        ("docker ps -a", ParseError::UnsupportedCommand(s("ps"))),
        (
            "docker pull alpine",
            ParseError::UnsupportedCommand(s("pull")),
        ),
        (
            "docker container ls",
            ParseError::UnsupportedCommand(s("container ls")),
        ),
        (
            "docker network frobnicate",
            ParseError::UnsupportedCommand(s("network frobnicate")),
        ),
        (
            "docker volume backup v",
            ParseError::UnsupportedCommand(s("volume backup")),
        ),
        ("docker volume ls | grep x", ParseError::Shell(s("|"))),
        (
            "docker logs -f x 2>&1| grep -m 1\"ready\"",
            ParseError::Shell(s("2>&1")),
        ),
        (
            "docker run --rm -v v:/s alpine tar czf /b/m-$(date +%Y%m%d).tar.gz -C /s .",
            ParseError::Shell(s("$(date +%Y%m%d)")),
        ),
    ];
    for (line, expected) in table {
        assert_eq!(err(line), expected, "{line}");
    }
    let missing = [
        ("docker", ""),
        ("docker network", "network"),
        ("docker network create", "network create"),
        ("docker network connect net", "network connect"),
        ("docker network rm", "network rm"),
        ("docker volume rm", "volume rm"),
        ("docker run -d", "run"),
        ("docker run --name x", "run"),
        ("docker run -d --name", "--name"),
        ("docker exec web", "exec"),
        ("docker rm", "rm"),
        ("docker inspect", "inspect"),
        ("docker port", "port"),
        ("docker logs -f", "logs"),
        ("docker restart", "restart"),
        ("docker restart -t 3", "restart"),
        ("docker kill -s KILL", "kill"),
        ("docker pause", "pause"),
        ("docker container unpause", "container unpause"),
    ];
    for (line, command) in missing {
        match err(line) {
            ParseError::MissingArgument { command: c, .. } => assert_eq!(c, command, "{line}"),
            ParseError::MissingValue { flag } => assert_eq!(flag, "--name", "{line}"),
            other => panic!("{line}: {other:?}"),
        }
    }
    let unexpected = [
        ("docker network create a b", "b"),
        ("docker network ls extra", "extra"),
        ("docker volume create a b", "b"),
        ("docker volume create --name a b", "b"),
        ("docker network connect n c d", "d"),
        ("docker logs a b", "b"),
        ("docker port a 80 81", "81"),
    ];
    for line in [
        "docker kill -s 'KILL; rm' web",
        "docker kill -s '' web",
        "docker restart -t soon web",
        "docker pause ../web",
    ] {
        assert!(
            matches!(err(line), ParseError::InvalidValue { .. }),
            "{line}: {:?}",
            err(line)
        );
    }
    for (line, flag) in [
        ("docker pause -t 1 web", "-t"),
        ("docker restart -s KILL web", "-s"),
    ] {
        assert_eq!(
            err(line),
            unsupported_flag(line.split(' ').nth(1).unwrap(), flag)
        );
    }
    for (line, arg) in unexpected {
        assert!(
            matches!(err(line), ParseError::UnexpectedArgument { arg: a, .. } if a == arg),
            "{line}"
        );
    }
}

#[test]
fn invalid_values_name_the_flag() {
    let table = [
        ("docker run -p 99999:80 alpine", "-p"),
        ("docker run --publish=http alpine", "--publish"),
        ("docker run -v a:b:c:d alpine", "-v"),
        ("docker run --mount type=volume,source=v alpine", "--mount"),
        (
            "docker run --mount type=volume,src=v,dst=/d,colour=red alpine",
            "--mount",
        ),
        ("docker run -m lots alpine", "-m"),
        ("docker run --pids-limit many alpine", "--pids-limit"),
        ("docker run --restart sometimes alpine", "--restart"),
        ("docker run --dns resolver alpine", "--dns"),
        ("docker run --expose http alpine", "--expose"),
        ("docker run --name [name] alpine", "--name"),
        ("docker run --name a --name b alpine", "--name"),
        ("docker run --network [net] alpine", "--network"),
        ("docker run --rm=maybe alpine", "--rm"),
        ("docker run [image]", "IMAGE"),
        ("docker run MyApp", "IMAGE"),
        ("docker network create [network_name]", "NETWORK"),
        (
            "docker network create --subnet 10.0.0.0/8 --subnet 10.1.0.0/16 n",
            "--subnet",
        ),
        ("docker volume create [volume_name]", "VOLUME"),
        ("docker rm [container]", "CONTAINER"),
        ("docker stop -t soon web", "-t"),
        ("docker logs --tail many web", "--tail"),
        ("docker inspect --type image alpine", "--type"),
        ("docker port web http", "PORT"),
        ("docker network create --subnet 172.20.0.0 n", "--subnet"),
        ("docker network create --gateway gw n", "--gateway"),
        (
            "docker network create --ip-range 10.0.0.0/99 n",
            "--ip-range",
        ),
        ("docker run --rm --restart always alpine", "--restart"),
        ("docker run --network-alias db alpine", "--network-alias"),
        (
            "docker run --network bridge --network-alias db alpine",
            "--network-alias",
        ),
    ];
    for (line, flag) in table {
        match err(line) {
            ParseError::InvalidValue { flag: f, .. } => assert_eq!(f, flag, "{line}"),
            other => panic!("{line}: {other:?}"),
        }
    }
}

#[test]
fn never_panics_on_odd_input() {
    let odd = [
        "docker run -",
        "docker run --",
        "docker run -- alpine",
        "docker run ---x alpine",
        "docker run -p= alpine",
        "docker run --mount= alpine",
        "docker run --mount ,,, alpine",
        "docker run -v : alpine",
        "docker run --tmpfs : alpine",
        "docker run -p [ alpine",
        "docker run -p []:1:2 alpine",
        "docker run -m 1.2.3g alpine",
        "docker \"\" ''",
        "docker network create ''",
        "docker exec -- c",
        "docker run -e",
        "docker run -d=1 alpine",
        "docker logs -n",
        "ｄocker ps",
        "docker run -v é:/x alpine",
        "docker run $",
        "docker run \"$\"",
        "docker run ${}",
        "docker run $(",
        "docker run $()",
    ];
    for line in odd {
        let _ = parse(line, WD);
        let _ = parse(line, None);
    }
    assert!(matches!(
        parse("docker run -- alpine", WD),
        Ok(Action::Run(_))
    ));
}

#[test]
fn serializes_with_an_action_tag() {
    let json = serde_json::to_value(ok("docker network create n")).unwrap_or_default();
    assert_eq!(json["action"], "network_create");
    assert_eq!(json["name"], "n");
}

/// Deterministic pseudo-random lines made of the characters that matter to the parser:
/// parsing any of them returns, never panics.
#[test]
fn random_lines_never_panic() {
    const PIECES: &[&str] = &[
        "docker ", "run ", "network ", "volume ", "create ", "exec ", "-", "--", "-v ", "--mount ",
        "-p ", "=", ":", ",", "/", ".", "..", "'", "\"", "\\", "\n", "$", "(", ")", "{", "}", "`",
        "|", "&", ";", ">", "<", "#", "~", " ", "a", "Z", "0", "9", "é", "[", "]", "@", "type=",
        "src=", "dst=", "ro", "pwd", "PWD", "-it", "-dit", "--name ", "alpine ", "sh -c ",
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut parsed = 0;
    for _ in 0..20_000 {
        let len = (next() % 24) as usize;
        let line: String = (0..len)
            .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
            .collect();
        if let Ok(action) = parse(&line, WD) {
            parsed += 1;
            let _ = (action.explain(), action.resources(), action.dangers(None));
        }
        let _ = parse(&line, None);
    }
    // Some random lines are valid commands: the generator reaches past the first word.
    assert!(parsed > 0);
}
