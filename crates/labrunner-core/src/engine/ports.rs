//! Host ports a namespaced run translates, so that gradings side by side never compete for one.
//!
//! A lab (or a student) writes `-p 127.0.0.1:8080:80`: host port 8080 is a fact about one
//! machine, and two gradings of that lab at once would both ask the daemon for it. A
//! [`PortTranslation`] asks the daemon for an ephemeral port instead (same host address, same
//! container port and protocol, host port left empty: the daemon allocates it atomically, with
//! no race), and keeps what was written. Everything the run shows or checks goes back through
//! it: a [`PortBinding`] then says the lab's host port, and where it is reached on this machine
//! ([`PortBinding::bound_port`]). Only what was written is translated: a student who publishes
//! 9090 sees 9090 (and fails a check that wants 8080). Random publishing (`-p 80`, `-P`) is left
//! as it is.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::command::ContainerSpec;
use crate::engine::PortBinding;

/// One published port as the command wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Written {
    container_port: u16,
    protocol: String,
    /// The host address written, if any (`None`: every address).
    host_ip: Option<String>,
    host_port: u16,
}

impl Written {
    /// Whether a binding the daemon reports on `host_ip` comes from this written port.
    fn covers(&self, b: &PortBinding) -> bool {
        let ip_matches = match self.host_ip.as_deref() {
            None => true,
            Some(ip) => ip == b.host_ip || (b.host_ip.is_empty() && ip == "0.0.0.0"),
        };
        self.container_port == b.container_port && self.protocol == b.protocol && ip_matches
    }
}

/// The host ports written for each container of one run, by container name (the name the
/// daemon knows, namespace included).
#[derive(Debug, Default)]
pub struct PortTranslation {
    written: Mutex<BTreeMap<String, Vec<Written>>>,
}

impl PortTranslation {
    pub fn new() -> Self {
        Self::default()
    }

    /// Ask for ephemeral host ports instead of the fixed ones `spec` writes, and remember what
    /// was written under the container's name (a container created again under the same name
    /// replaces what its predecessor wrote). A host range for one container port
    /// (`-p 8000-8010:80`, where the daemon picks one) is remembered as its first port.
    pub fn translate(&self, spec: &mut ContainerSpec) {
        let mut written = Vec::new();
        for p in &mut spec.ports {
            let Some((lo, hi)) = p.host_ports.take() else {
                continue;
            };
            let (first, last) = p.container_ports;
            for (i, container_port) in (first..=last).enumerate() {
                let offset = u16::try_from(i).unwrap_or(u16::MAX);
                let host_port = if hi > lo && last > first {
                    lo.saturating_add(offset)
                } else {
                    lo
                };
                written.push(Written {
                    container_port,
                    protocol: p.protocol.clone(),
                    host_ip: p.host_ip.clone(),
                    host_port,
                });
            }
        }
        if let Some(name) = &spec.name {
            self.lock().insert(name.clone(), written);
        }
    }

    /// Show `ports` of `container` as they were written: each translated binding gets the
    /// lab's host port, and keeps the daemon's in [`PortBinding::bound_port`]. The k-th binding
    /// the daemon reports for a port and address is the k-th written one that covers it.
    pub fn show(&self, container: &str, ports: &mut [PortBinding]) {
        let name = container.trim_start_matches('/');
        let map = self.lock();
        let Some(written) = map.get(name) else {
            return;
        };
        let mut seen: BTreeMap<(u16, String, String), usize> = BTreeMap::new();
        for b in ports.iter_mut() {
            if b.bound_port.is_some() {
                continue;
            }
            let key = (b.container_port, b.protocol.clone(), b.host_ip.clone());
            let k = seen.entry(key).or_insert(0);
            if let Some(w) = written.iter().filter(|w| w.covers(b)).nth(*k) {
                b.bound_port = Some(b.host_port);
                b.host_port = w.host_port;
            }
            *k += 1;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Vec<Written>>> {
        self.written.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::{Action, parse};

    fn spec(command: &str) -> ContainerSpec {
        match parse(command, None).unwrap() {
            Action::Run(spec) | Action::Create(spec) => *spec,
            other => panic!("not a run: {other:?}"),
        }
    }

    fn binding(port: u16, ip: &str, host: u16) -> PortBinding {
        PortBinding {
            container_port: port,
            protocol: "tcp".into(),
            host_ip: ip.into(),
            host_port: host,
            bound_port: None,
        }
    }

    #[test]
    fn fixed_host_ports_become_ephemeral_and_random_ones_stay() {
        let t = PortTranslation::new();
        let mut s = spec(
            "docker run -d --name web -p 127.0.0.1:18090-18091:8000-8001 -p 8080:80/udp -p 9000 -P img",
        );
        t.translate(&mut s);
        assert!(s.ports.iter().all(|p| p.host_ports.is_none()), "{s:?}");
        assert_eq!(s.ports[0].host_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(s.ports[0].container_ports, (8000, 8001));
        assert_eq!(s.ports[1].protocol, "udp");
        assert!(s.publish_all);
        let mut ports = vec![
            binding(8000, "127.0.0.1", 49153),
            binding(8001, "127.0.0.1", 49154),
            PortBinding {
                protocol: "udp".into(),
                ..binding(80, "0.0.0.0", 49155)
            },
            PortBinding {
                protocol: "udp".into(),
                ..binding(80, "::", 49155)
            },
            binding(9000, "0.0.0.0", 49156),
        ];
        t.show("/web", &mut ports);
        let shown: Vec<(u16, Option<u16>)> =
            ports.iter().map(|b| (b.host_port, b.bound_port)).collect();
        assert_eq!(
            shown,
            [
                (18090, Some(49153)),
                (18091, Some(49154)),
                (8080, Some(49155)),
                (8080, Some(49155)),
                (49156, None),
            ]
        );
        // Shown twice, still the same.
        t.show("web", &mut ports);
        assert_eq!(ports[0].host_port, 18090);
    }

    #[test]
    fn what_was_written_is_what_is_shown_and_a_new_container_replaces_it() {
        let t = PortTranslation::new();
        let mut wrong = spec("docker run -d --name web -p 127.0.0.1:9999:8000 img");
        t.translate(&mut wrong);
        let mut ports = vec![binding(8000, "127.0.0.1", 49200)];
        t.show("web", &mut ports);
        assert_eq!(
            ports[0].host_port, 9999,
            "the student's port, not the lab's"
        );

        let mut again = spec("docker run -d --name web -p 8000 img");
        t.translate(&mut again);
        let mut ports = vec![binding(8000, "0.0.0.0", 49300)];
        t.show("web", &mut ports);
        assert_eq!((ports[0].host_port, ports[0].bound_port), (49300, None));

        // Another address than written is not this written port; other containers untouched.
        let mut local = spec("docker run -d --name db -p 127.0.0.1:5432:5432 -p 8000-8010:80 img");
        t.translate(&mut local);
        let mut ports = vec![
            binding(5432, "0.0.0.0", 49400),
            binding(80, "0.0.0.0", 49401),
        ];
        t.show("db", &mut ports);
        assert_eq!(ports[0].host_port, 49400);
        assert_eq!(
            ports[1].host_port, 8000,
            "a host range shows its first port"
        );
        let mut other = vec![binding(8000, "127.0.0.1", 49500)];
        t.show("cache", &mut other);
        assert_eq!(other[0].host_port, 49500);
    }
}
