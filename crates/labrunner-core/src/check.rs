//! Evaluating declarative checks against the engine. A failed check is data, not an error.
//!
//! Every evaluation first observes whether the condition holds (with evidence), or finds that it
//! cannot tell ([`Verdict::Unknown`]: daemon gone, container not running, no `ping` in the
//! image, ping not permitted, ...). `expect: false` then turns "holds" into a failure.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use regex::Regex;
use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::engine::{ApplyContext, ContainerInfo, Engine, EngineError, ExecOutput};
use crate::images::ImageMap;
use crate::lab::{Check, CheckKind, ContainerState, Probe};

/// Time limit for one check, whatever it does.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(20);
/// Time limit for a command a check runs inside a container.
const EXEC_TIMEOUT: Duration = Duration::from_secs(10);

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// The condition holds as expected; `evidence` says what was seen.
    Pass { evidence: String },
    /// The condition does not hold as expected; `evidence` says what was seen instead.
    Fail { evidence: String },
    /// The check could not be carried out (daemon gone, no such command in the container, ...).
    Unknown { reason: String },
}

impl Verdict {
    pub fn passed(&self) -> bool {
        matches!(self, Verdict::Pass { .. })
    }
    pub fn text(&self) -> &str {
        match self {
            Verdict::Pass { evidence } | Verdict::Fail { evidence } => evidence,
            Verdict::Unknown { reason } => reason,
        }
    }
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Pass { .. } => "pass",
            Verdict::Fail { .. } => "fail",
            Verdict::Unknown { .. } => "unknown",
        }
    }
}

/// One check's outcome, with where it belongs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckOutcome {
    pub step: String,
    pub index: usize,
    /// Plain-English description of what was checked.
    pub description: String,
    pub points: u32,
    #[serde(flatten)]
    pub verdict: Verdict,
}

/// What checks need besides the check itself.
pub struct CheckEnv<'a> {
    pub engine: &'a dyn Engine,
    /// Image for helper containers (already the lab's default image; mapped here).
    pub helper_image: &'a str,
    pub image_map: &'a ImageMap,
    /// The lab's working folder: `$(pwd)` in commands and bind sources.
    pub workdir: &'a Path,
    /// Labels for anything a check creates (helper containers).
    pub labels: &'a BTreeMap<String, String>,
    /// Unix seconds when the run started: `ran` checks look at exec events since then.
    pub since: i64,
}

/// Whether the condition holds, and what was seen.
struct Observation {
    holds: bool,
    evidence: String,
}

fn holds(evidence: impl Into<String>) -> Result<Observation, String> {
    Ok(Observation {
        holds: true,
        evidence: evidence.into(),
    })
}

fn not_holds(evidence: impl Into<String>) -> Result<Observation, String> {
    Ok(Observation {
        holds: false,
        evidence: evidence.into(),
    })
}

fn unknown(e: EngineError) -> String {
    format!("could not check: {e}")
}

/// Evaluate one check. Never fails: problems become [`Verdict::Unknown`].
pub async fn evaluate(check: &Check, env: &CheckEnv<'_>) -> Verdict {
    let Some(kind) = check.kind() else {
        return Verdict::Unknown {
            reason: "the check does not name exactly one kind".into(),
        };
    };
    let observed = match tokio::time::timeout(CHECK_TIMEOUT, observe(kind, env)).await {
        Ok(o) => o,
        Err(_) => Err(format!(
            "could not check: no answer within {}s",
            CHECK_TIMEOUT.as_secs()
        )),
    };
    match observed {
        Err(reason) => Verdict::Unknown { reason },
        Ok(o) if o.holds == check.expect() => Verdict::Pass {
            evidence: o.evidence,
        },
        Ok(o) => Verdict::Fail {
            evidence: o.evidence,
        },
    }
}

/// Plain-English description of what a check asks for.
pub fn describe(check: &Check) -> String {
    if let Some(title) = &check.title {
        return title.clone();
    }
    let positive = check.expect();
    let not = if positive { "" } else { "not " };
    match check.kind() {
        None => "invalid check".into(),
        Some(kind) => match kind {
            CheckKind::Network(n) => {
                let mut s = format!(
                    "network {} {}exists",
                    n.name,
                    if positive { "" } else { "no longer " }
                );
                if let Some(d) = &n.driver {
                    s.push_str(&format!(" (driver {d})"));
                }
                if let Some(sub) = &n.subnet {
                    s.push_str(&format!(" (subnet {sub})"));
                }
                s
            }
            CheckKind::Volume(v) => format!("volume {} {}exists", v.name, not),
            CheckKind::Container(c) => match (c.state, positive) {
                (ContainerState::Absent, true) => format!("container {} is gone", c.name),
                (ContainerState::Absent, false) => format!("container {} exists", c.name),
                (state, _) => {
                    let state = format!("{state:?}").to_lowercase();
                    let code = c
                        .exit_code
                        .map(|e| format!(" with code {e}"))
                        .unwrap_or_default();
                    format!("container {} is {not}{state}{code}", c.name)
                }
            },
            CheckKind::Attached(a) => format!(
                "container {} is {not}attached to network {}",
                a.container, a.network
            ),
            CheckKind::File(f) => match &f.contains {
                Some(c) => format!(
                    "file {} in volume {} {}contains \"{}\"",
                    f.path,
                    f.volume,
                    if positive { "" } else { "does not " },
                    crate::pattern::plain(c)
                )
                .replace("does not contains", "does not contain"),
                None => format!("file {} {}exists in volume {}", f.path, not, f.volume),
            },
            CheckKind::Resolves(r) => format!(
                "name {} {}resolves from {}",
                r.name,
                if positive { "" } else { "does not " },
                r.from
            )
            .replace("does not resolves", "does not resolve"),
            CheckKind::Reachable(r) => {
                let how = match r.via {
                    Probe::Ping => "by ping".to_string(),
                    Probe::Tcp => format!("on TCP port {}", r.port.unwrap_or(0)),
                };
                let by = if r.by_ip { " (by IP address)" } else { "" };
                format!(
                    "{}{by} is {}reachable from {} {how}",
                    r.to,
                    if positive { "" } else { "un" },
                    r.from
                )
            }
            CheckKind::Published(p) => {
                let host = match (&p.host_ip, p.host_port) {
                    (Some(ip), Some(port)) => format!(" on {ip}:{port}"),
                    (None, Some(port)) => format!(" on host port {port}"),
                    (Some(ip), None) => format!(" on {ip}"),
                    (None, None) => String::new(),
                };
                let probe = if p.probe && positive {
                    " and answers"
                } else {
                    ""
                };
                format!(
                    "port {}/{} of {} is {not}published{host}{probe}",
                    p.port, p.protocol, p.container
                )
            }
            CheckKind::Mount(m) => {
                let ro = match m.read_only {
                    Some(true) => " read-only",
                    Some(false) => " read-write",
                    None => "",
                };
                let src = m
                    .source
                    .as_ref()
                    .map(|s| format!(" from {s}"))
                    .unwrap_or_default();
                format!(
                    "container {} {}has a{ro} {:?} mount{src} at {}",
                    m.container,
                    if positive { "" } else { "no longer " },
                    m.kind,
                    m.target
                )
                .replace("Volume", "volume")
                .replace("Bind", "bind")
                .replace("Tmpfs", "tmpfs")
            }
            CheckKind::LoopbackOnly(l) => format!(
                "container {} has {}only the loopback interface",
                l.container, not
            ),
            CheckKind::Exec(e) => {
                let mut s = format!("`{}` in {}", e.command, e.container);
                if let Some(code) = e.exit_code {
                    s.push_str(&format!(" exits with {code}"));
                }
                if let Some(out) = &e.output {
                    s.push_str(&format!(" prints \"{}\"", crate::pattern::plain(out)));
                }
                if !positive {
                    s = format!("not: {s}");
                }
                s
            }
            CheckKind::CommandFails(c) => format!(
                "`{}` is refused with \"{}\"",
                c.command,
                crate::pattern::plain(&c.error)
            ),
            CheckKind::Image(i) => format!("image {} is {not}present", i.name),
            CheckKind::Ran(r) => format!(
                "`{}` was {not}run in {}",
                crate::pattern::plain(&r.command),
                r.container
            ),
        },
    }
}

async fn observe(kind: CheckKind<'_>, env: &CheckEnv<'_>) -> Result<Observation, String> {
    let engine = env.engine;
    match kind {
        CheckKind::Network(n) => {
            let Some(net) = engine.network(&n.name).await.map_err(unknown)? else {
                return not_holds(format!("no network named {}", n.name));
            };
            let seen = format!(
                "network {} (driver {}, subnets {})",
                net.name,
                net.driver,
                list(&net.subnets)
            );
            if n.driver.as_ref().is_some_and(|d| *d != net.driver)
                || n.subnet.as_ref().is_some_and(|s| !net.subnets.contains(s))
            {
                return not_holds(seen);
            }
            holds(seen)
        }
        CheckKind::Volume(v) => match engine.volume(&v.name).await.map_err(unknown)? {
            Some(vol) => holds(format!("volume {} (driver {})", vol.name, vol.driver)),
            None => not_holds(format!("no volume named {}", v.name)),
        },
        CheckKind::Container(c) => {
            let found = engine.container(&c.name).await.map_err(unknown)?;
            let Some(info) = found else {
                return Ok(Observation {
                    holds: c.state == ContainerState::Absent,
                    evidence: format!("no container named {}", c.name),
                });
            };
            let code = info
                .exit_code
                .filter(|_| info.status == "exited")
                .map(|e| format!(" with exit code {e}"))
                .unwrap_or_default();
            let seen = format!("container {} is {}{code}", info.name, info.status);
            let state_ok = match c.state {
                ContainerState::Absent => false,
                ContainerState::Running => info.status == "running",
                ContainerState::Exited => info.status == "exited",
                ContainerState::Created => info.status == "created",
            };
            let code_ok = c.exit_code.is_none() || c.exit_code == info.exit_code;
            Ok(Observation {
                holds: state_ok && code_ok,
                evidence: seen,
            })
        }
        CheckKind::Attached(a) => {
            let Some(info) = engine.container(&a.container).await.map_err(unknown)? else {
                return not_holds(format!("no container named {}", a.container));
            };
            let seen = format!("{} is attached to {}", info.name, list(&info.networks));
            Ok(Observation {
                holds: info.networks.contains(&a.network),
                evidence: seen,
            })
        }
        CheckKind::File(f) => {
            if engine.volume(&f.volume).await.map_err(unknown)?.is_none() {
                return not_holds(format!("no volume named {}", f.volume));
            }
            let path = format!("/volume/{}", f.path.trim_start_matches('/'));
            let image = env.image_map.resolve(env.helper_image);
            let out = engine
                .run_helper(
                    image,
                    &f.volume,
                    &["cat".into(), path],
                    env.labels,
                    EXEC_TIMEOUT,
                )
                .await
                .map_err(unknown)?;
            if out.exit_code != Some(0) {
                return not_holds(format!(
                    "a fresh container could not read {} in {}: {}",
                    f.path,
                    f.volume,
                    first_line(&out.stderr)
                ));
            }
            match &f.contains {
                None => holds(format!(
                    "a fresh container read {} ({} bytes)",
                    f.path,
                    out.stdout.len()
                )),
                Some(pattern) => {
                    let re = regex(pattern)?;
                    Ok(Observation {
                        holds: re.is_match(&out.stdout),
                        evidence: format!(
                            "a fresh container read {}: {}",
                            f.path,
                            excerpt(&out.stdout)
                        ),
                    })
                }
            }
        }
        CheckKind::Resolves(r) => {
            running(engine, &r.from).await?;
            let out = exec(engine, &r.from, &["ping", "-c", "1", "-W", "1", &r.name]).await?;
            let text = format!("{}{}", out.stdout, out.stderr);
            if let Some(addr) = pinged_address(&text) {
                return holds(format!("{} resolves to {addr} in {}", r.name, r.from));
            }
            if text.contains("bad address")
                || text.contains("Name does not resolve")
                || text.contains("Unknown host")
            {
                return not_holds(format!(
                    "{} does not resolve in {}: {}",
                    r.name,
                    r.from,
                    first_line(&text)
                ));
            }
            Err(no_tool(&out, "ping", &r.from))
        }
        CheckKind::Reachable(r) => {
            let from = running(engine, &r.from).await?;
            let target = if r.by_ip {
                peer_address(engine, &from, &r.to).await?
            } else {
                r.to.clone()
            };
            let r = &crate::lab::ReachableCheck {
                to: target,
                ..r.clone()
            };
            match r.via {
                Probe::Ping => {
                    let out = exec(engine, &r.from, &["ping", "-c", "1", "-W", "2", &r.to]).await?;
                    let text = format!("{}{}", out.stdout, out.stderr);
                    if out.exit_code == Some(0) {
                        return holds(format!("{} answered ping from {}", r.to, r.from));
                    }
                    if text.contains("bad address") || text.contains("Name does not resolve") {
                        return not_holds(format!(
                            "{} cannot even resolve {}: {}",
                            r.from,
                            r.to,
                            first_line(&text)
                        ));
                    }
                    if text.contains("packet loss")
                        || text.contains("Network unreachable")
                        || text.contains("No route")
                    {
                        return not_holds(format!(
                            "no reply from {} to ping from {}: {}",
                            r.to,
                            r.from,
                            last_line(&text)
                        ));
                    }
                    if text.contains("permission denied")
                        || text.contains("Operation not permitted")
                    {
                        return Err(format!(
                            "could not check: ping is not permitted in {} ({})",
                            r.from,
                            first_line(&text)
                        ));
                    }
                    Err(no_tool(&out, "ping", &r.from))
                }
                Probe::Tcp => {
                    let port = r
                        .port
                        .ok_or("could not check: `via: tcp` needs a `port`")?
                        .to_string();
                    let out = exec(engine, &r.from, &["nc", "-w", "2", &r.to, &port]).await?;
                    let text = format!("{}{}", out.stdout, out.stderr);
                    if out.exit_code == Some(0) {
                        return holds(format!(
                            "{} accepted a TCP connection on port {port} from {}",
                            r.to, r.from
                        ));
                    }
                    if text.contains("bad address")
                        || text.contains("refused")
                        || text.contains("timed out")
                        || text.contains("unreachable")
                    {
                        return not_holds(format!(
                            "no TCP connection from {} to {}:{port}: {}",
                            r.from,
                            r.to,
                            first_line(&text)
                        ));
                    }
                    Err(no_tool(&out, "nc", &r.from))
                }
            }
        }
        CheckKind::Published(p) => {
            let Some(info) = engine.container(&p.container).await.map_err(unknown)? else {
                return not_holds(format!("no container named {}", p.container));
            };
            let bindings: Vec<_> = info
                .ports
                .iter()
                .filter(|b| b.container_port == p.port && b.protocol == p.protocol)
                .collect();
            let all = crate::engine::docker::render_ports(&info.ports, None);
            let seen = if all.is_empty() {
                format!(
                    "{} publishes no ports (network mode {})",
                    info.name, info.network_mode
                )
            } else {
                format!(
                    "{} publishes {}",
                    info.name,
                    all.trim_end().replace('\n', ", ")
                )
            };
            let matching: Vec<_> = bindings
                .into_iter()
                .filter(|b| p.host_port.is_none_or(|hp| hp == b.host_port))
                .filter(|b| {
                    p.host_ip.as_ref().is_none_or(|ip| {
                        *ip == b.host_ip || (b.host_ip.is_empty() && ip == "0.0.0.0")
                    })
                })
                .collect();
            let Some(binding) = matching.first() else {
                return not_holds(seen);
            };
            if !p.probe {
                return holds(seen);
            }
            let ip = if binding.host_ip.is_empty()
                || binding.host_ip == "0.0.0.0"
                || binding.host_ip == "127.0.0.1"
            {
                "127.0.0.1"
            } else {
                return holds(format!(
                    "{seen} (bound to {}, not probed: only 127.0.0.1 is probed)",
                    binding.host_ip
                ));
            };
            match probe_http(ip, binding.host_port).await {
                Ok(reply) => holds(format!(
                    "{seen}; 127.0.0.1:{} answered: {}",
                    binding.host_port,
                    first_line(&reply)
                )),
                Err(why) => not_holds(format!("{seen}; but 127.0.0.1:{} {why}", binding.host_port)),
            }
        }
        CheckKind::Mount(m) => {
            let Some(info) = engine.container(&m.container).await.map_err(unknown)? else {
                return not_holds(format!("no container named {}", m.container));
            };
            let Some(mount) = info.mounts.iter().find(|x| x.target == m.target) else {
                let seen: Vec<String> = info
                    .mounts
                    .iter()
                    .map(|x| format!("{} at {}", x.kind, x.target))
                    .collect();
                return not_holds(format!(
                    "{} has no mount at {} (mounts: {})",
                    info.name,
                    m.target,
                    list(&seen)
                ));
            };
            let ro = if mount.read_only {
                "read-only"
            } else {
                "read-write"
            };
            let seen = format!(
                "{} has a {ro} {} mount of {} at {}",
                info.name,
                mount.kind,
                if mount.source.is_empty() {
                    "-"
                } else {
                    &mount.source
                },
                mount.target
            );
            let kind_ok = mount.kind == format!("{:?}", m.kind).to_lowercase();
            let ro_ok = m.read_only.is_none_or(|r| r == mount.read_only);
            let source_ok = m
                .source
                .as_ref()
                .is_none_or(|s| same_source(&expand_pwd(s, env.workdir), &mount.source));
            Ok(Observation {
                holds: kind_ok && ro_ok && source_ok,
                evidence: seen,
            })
        }
        CheckKind::LoopbackOnly(l) => {
            running(engine, &l.container).await?;
            let out = exec(engine, &l.container, &["ls", "/sys/class/net"]).await?;
            if out.exit_code != Some(0) {
                return Err(no_tool(&out, "ls", &l.container));
            }
            let mut ifaces: Vec<&str> = out.stdout.split_whitespace().collect();
            ifaces.sort();
            Ok(Observation {
                holds: ifaces == ["lo"],
                evidence: format!("{} has interfaces: {}", l.container, ifaces.join(", ")),
            })
        }
        CheckKind::Exec(e) => {
            running(engine, &e.container).await?;
            let words =
                shell_words::split(&e.command).map_err(|err| format!("could not check: {err}"))?;
            let args: Vec<&str> = words.iter().map(String::as_str).collect();
            let out = exec(engine, &e.container, &args).await?;
            if is_missing_command(&out) {
                return Err(no_tool(
                    &out,
                    args.first().copied().unwrap_or(""),
                    &e.container,
                ));
            }
            let text = format!("{}{}", out.stdout, out.stderr);
            let code = out.exit_code.unwrap_or(-1);
            let code_ok = e.exit_code.is_none_or(|c| c == code);
            let output_ok = match &e.output {
                Some(p) => regex(p)?.is_match(&text),
                None => true,
            };
            Ok(Observation {
                holds: code_ok && output_ok,
                evidence: format!("`{}` exited {code}: {}", e.command, excerpt(&text)),
            })
        }
        CheckKind::CommandFails(c) => {
            let workdir = env.workdir.to_string_lossy();
            let action = crate::command::parse(&c.command, Some(&workdir))
                .map_err(|e| format!("could not check: {e}"))?;
            let re = regex(&c.error)?;
            let ctx = ApplyContext::for_run(env.labels.clone(), env.image_map.clone());
            match engine.apply(&action, &ctx).await {
                Ok(_) => not_holds(format!("`{}` succeeded", c.command)),
                Err(EngineError::Daemon { message, .. }) => Ok(Observation {
                    holds: re.is_match(&message),
                    evidence: format!("the daemon said: {message}"),
                }),
                Err(e) => Err(unknown(e)),
            }
        }
        CheckKind::Image(i) => {
            let name = env.image_map.resolve(&i.name);
            let present = engine.image_present(name).await.map_err(unknown)?;
            let shown = if name == i.name {
                i.name.clone()
            } else {
                format!("{} (as {name})", i.name)
            };
            Ok(Observation {
                holds: present,
                evidence: format!(
                    "image {shown} is {}present",
                    if present { "" } else { "not " }
                ),
            })
        }
        CheckKind::Ran(r) => {
            let re = regex(&r.command)?;
            let commands = engine
                .exec_commands_since(&r.container, env.since)
                .await
                .map_err(unknown)?;
            match commands.iter().find(|c| re.is_match(c)) {
                Some(c) => holds(format!("`{c}` ran in {}", r.container)),
                None if commands.is_empty() => {
                    not_holds(format!("nothing was run in {} yet", r.container))
                }
                None => not_holds(format!("{} ran: {}", r.container, commands.join("; "))),
            }
        }
    }
}

/// The IP address of container `peer`, preferably on a network `from` is attached to.
async fn peer_address(
    engine: &dyn Engine,
    from: &ContainerInfo,
    peer: &str,
) -> Result<String, String> {
    let info = engine
        .container(peer)
        .await
        .map_err(unknown)?
        .ok_or_else(|| format!("could not check: no container named {peer}"))?;
    from.networks
        .iter()
        .find_map(|n| info.addresses.get(n))
        .or_else(|| info.addresses.values().next())
        .cloned()
        .ok_or_else(|| {
            format!(
                "could not check: {peer} has no IP address (network mode {})",
                info.network_mode
            )
        })
}

/// The container must exist and run for a command to be executed in it.
async fn running(engine: &dyn Engine, name: &str) -> Result<ContainerInfo, String> {
    match engine.container(name).await.map_err(unknown)? {
        Some(info) if info.status == "running" => Ok(info),
        Some(info) => Err(format!(
            "could not check: container {name} is {}, not running",
            info.status
        )),
        None => Err(format!("could not check: no container named {name}")),
    }
}

async fn exec(engine: &dyn Engine, container: &str, args: &[&str]) -> Result<ExecOutput, String> {
    let command: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    engine
        .exec(container, &command, EXEC_TIMEOUT)
        .await
        .map_err(unknown)
}

fn is_missing_command(out: &ExecOutput) -> bool {
    let text = format!("{}{}", out.stdout, out.stderr);
    matches!(out.exit_code, Some(126 | 127))
        && (text.contains("not found") || text.contains("executable file"))
}

fn no_tool(out: &ExecOutput, tool: &str, container: &str) -> String {
    let text = format!("{}{}", out.stdout, out.stderr);
    if is_missing_command(out) {
        format!("could not check: {container} has no `{tool}` command")
    } else {
        format!(
            "could not check: unexpected answer from `{tool}` in {container}: {}",
            excerpt(&text)
        )
    }
}

/// `PING web (172.18.0.2): 56 data bytes` -> `172.18.0.2`.
fn pinged_address(text: &str) -> Option<&str> {
    let line = text.lines().find(|l| l.starts_with("PING "))?;
    let start = line.find('(')? + 1;
    let end = line[start..].find(')')? + start;
    Some(&line[start..end])
}

/// Send an HTTP request and read the first bytes of the answer. docker-proxy accepts the
/// connection even when nothing listens behind it, so only bytes coming back prove a service.
async fn probe_http(ip: &str, port: u16) -> Result<String, String> {
    let attempt = async {
        let mut stream = tokio::net::TcpStream::connect((ip, port))
            .await
            .map_err(|e| format!("refused the connection ({e})"))?;
        let _ = stream
            .write_all(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
            .await;
        let mut buf = vec![0u8; 256];
        match stream.read(&mut buf).await {
            Ok(0) => Err("accepted the connection but nothing answered behind it".to_string()),
            Ok(n) => Ok(String::from_utf8_lossy(&buf[..n]).to_string()),
            Err(e) => Err(format!(
                "accepted the connection but nothing answered behind it ({e})"
            )),
        }
    };
    tokio::time::timeout(Duration::from_secs(3), attempt)
        .await
        .unwrap_or_else(|_| Err("accepted the connection but sent nothing within 3s".into()))
}

fn regex(pattern: &str) -> Result<Regex, String> {
    Regex::new(pattern).map_err(|e| format!("could not check: bad pattern /{pattern}/: {e}"))
}

/// Replace `$(pwd)`, `${PWD}` and `$PWD` with the lab's working folder.
pub fn expand_pwd(text: &str, workdir: &Path) -> String {
    let dir = workdir.to_string_lossy();
    text.replace("$(pwd)", &dir)
        .replace("${PWD}", &dir)
        .replace("$PWD", &dir)
}

fn same_source(expected: &str, seen: &str) -> bool {
    let norm = |s: &str| s.trim_end_matches('/').to_string();
    norm(expected) == norm(seen)
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "nothing".into()
    } else {
        items.join(", ")
    }
}

fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .to_string()
}

fn last_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("")
        .to_string()
}

/// At most 120 characters of output on one line.
fn excerpt(text: &str) -> String {
    let one = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 120 {
        format!("{}...", one.chars().take(117).collect::<String>())
    } else if one.is_empty() {
        "(no output)".into()
    } else {
        one
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::{ContainerCheck, ReachableCheck, ResolvesCheck};

    #[test]
    fn reads_ping_address() {
        assert_eq!(
            pinged_address("PING web (172.18.0.2): 56 data bytes\n64 bytes"),
            Some("172.18.0.2")
        );
        assert_eq!(pinged_address("ping: bad address 'web'"), None);
    }

    #[test]
    fn missing_commands_are_told_apart() {
        let out = ExecOutput {
            exit_code: Some(126),
            stdout: "OCI runtime exec failed: exec failed: unable to start container process: exec: \"ping\": executable file not found in $PATH: unknown".into(),
            stderr: String::new(),
        };
        assert!(is_missing_command(&out));
        assert_eq!(
            no_tool(&out, "ping", "api"),
            "could not check: api has no `ping` command"
        );
        let out = ExecOutput {
            exit_code: Some(1),
            stdout: "ping: bad address 'web'".into(),
            stderr: String::new(),
        };
        assert!(!is_missing_command(&out));
    }

    #[test]
    fn descriptions_read_as_sentences() {
        let c = Check {
            resolves: Some(ResolvesCheck {
                from: "isolated".into(),
                name: "web".into(),
            }),
            expect: Some(false),
            ..Default::default()
        };
        assert_eq!(describe(&c), "name web does not resolve from isolated");
        let c = Check {
            reachable: Some(ReachableCheck {
                from: "api".into(),
                to: "web".into(),
                via: Probe::Tcp,
                by_ip: false,
                port: Some(80),
            }),
            ..Default::default()
        };
        assert_eq!(describe(&c), "web is reachable from api on TCP port 80");
        let c = Check {
            container: Some(ContainerCheck {
                name: "db-writer".into(),
                state: ContainerState::Absent,
                exit_code: None,
            }),
            ..Default::default()
        };
        assert_eq!(describe(&c), "container db-writer is gone");
    }

    #[test]
    fn pwd_is_expanded() {
        let dir = Path::new("/tmp/lab");
        assert_eq!(expand_pwd("$(pwd)/config", dir), "/tmp/lab/config");
        assert_eq!(expand_pwd("${PWD}:/backup", dir), "/tmp/lab:/backup");
    }

    #[test]
    fn excerpts_are_short() {
        assert_eq!(excerpt(""), "(no output)");
        assert_eq!(excerpt("a\n b"), "a b");
        assert!(excerpt(&"x".repeat(500)).len() <= 120);
    }
}
