//! Address ranges a `docker network create` may claim (`--subnet`, `--ip-range`, `--gateway`).
//!
//! A bridge network's range becomes a route on the host. A range outside the private blocks
//! (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7) would send the host's traffic for
//! those public addresses into the bridge; a range that overlaps one of the host's own networks
//! (its LAN, a VPN) would do the same for that network, and a gateway equal to the host's own
//! address would take that address over: the grading host could be cut off. The first is a
//! property of the command ([`network_dangers`]); the second depends on the machine, and is
//! judged against the routes the host has when the command is about to run ([`host_overlaps`]).

use std::net::IpAddr;
use std::path::Path;

use super::{Action, NetworkCreate};

/// The address range `action` fixes for a new network (`docker network create --subnet`), if
/// it fixes one. Two networks whose ranges overlap cannot both exist on one daemon.
pub fn fixed_subnet(action: &Action) -> Option<&str> {
    match action {
        Action::NetworkCreate(n) => n.subnet.as_deref(),
        _ => None,
    }
}

/// Whether two address ranges (`10.214.0.0/16`, `10.214.7.0/24`) share an address; false
/// when either cannot be read.
pub fn ranges_overlap(a: &str, b: &str) -> bool {
    match (Range::parse(a), Range::parse(b)) {
        (Some(a), Some(b)) => a.overlaps(b),
        _ => false,
    }
}

/// An address range: the first `prefix` bits of `bits` (IPv4 in the low 32 bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Range {
    v6: bool,
    bits: u128,
    prefix: u8,
}

impl Range {
    /// `ADDRESS/PREFIX`, or a single `ADDRESS`.
    fn parse(text: &str) -> Option<Range> {
        let (ip, prefix) = match text.split_once('/') {
            Some((ip, p)) => (ip, Some(p.parse::<u8>().ok()?)),
            None => (text, None),
        };
        Some(match ip.parse::<IpAddr>().ok()? {
            IpAddr::V4(a) => Range {
                v6: false,
                bits: u128::from(u32::from(a)),
                prefix: prefix.unwrap_or(32).min(32),
            },
            IpAddr::V6(a) => Range {
                v6: true,
                bits: u128::from(a),
                prefix: prefix.unwrap_or(128).min(128),
            },
        })
    }

    fn width(self) -> u8 {
        if self.v6 { 128 } else { 32 }
    }

    /// The first `n` bits (of this family's width).
    fn head(self, n: u8) -> u128 {
        let shift = u32::from(self.width() - n.min(self.width()));
        if shift >= 128 { 0 } else { self.bits >> shift }
    }

    /// Whether the two ranges share an address.
    fn overlaps(self, other: Range) -> bool {
        let n = self.prefix.min(other.prefix);
        self.v6 == other.v6 && self.head(n) == other.head(n)
    }

    /// Whether every address of `self` is in `block`.
    fn within(self, block: Range) -> bool {
        self.v6 == block.v6
            && self.prefix >= block.prefix
            && self.head(block.prefix) == block.head(block.prefix)
    }
}

const PRIVATE: [&str; 4] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];

fn is_private(r: Range) -> bool {
    PRIVATE
        .iter()
        .filter_map(|b| Range::parse(b))
        .any(|b| r.within(b))
}

/// The ranges a network creation claims, each with its option as written.
fn claimed(n: &NetworkCreate) -> Vec<(String, Range)> {
    [
        ("--subnet", &n.subnet),
        ("--ip-range", &n.ip_range),
        ("--gateway", &n.gateway),
    ]
    .into_iter()
    .filter_map(|(flag, value)| {
        let value = value.as_deref()?;
        Some((format!("{flag} {value}"), Range::parse(value)?))
    })
    .collect()
}

/// Ranges outside the private blocks, as (option, reason).
pub(super) fn network_dangers(n: &NetworkCreate) -> Vec<(String, String)> {
    claimed(n)
        .into_iter()
        .filter(|(_, r)| !is_private(*r))
        .map(|(flag, _)| {
            (
                flag,
                format!(
                    "is not a private address range ({}): the host would route those public addresses into this network",
                    PRIVATE.join(", ")
                ),
            )
        })
        .collect()
}

/// One of the host's routes: its range and interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostRoute {
    range: Range,
    interface: String,
}

impl std::fmt::Display for HostRoute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let addr: IpAddr = if self.range.v6 {
            IpAddr::V6(self.range.bits.into())
        } else {
            IpAddr::V4(u32::try_from(self.range.bits).unwrap_or(0).into())
        };
        write!(f, "{addr}/{} on {}", self.range.prefix, self.interface)
    }
}

/// Routes of the host's own networks: every route but the default ones, the loopback, and
/// those of Docker's bridges (an overlap with another Docker network is the daemon's to
/// refuse, with its own message, which a lab may teach).
pub fn host_routes() -> Vec<HostRoute> {
    let read = |path: &str| {
        crate::input::read_to_string(Path::new(path), crate::input::MAX_DOCUMENT_BYTES)
            .unwrap_or_default()
    };
    let mut routes = parse_routes_v4(&read("/proc/net/route"));
    routes.extend(parse_routes_v6(&read("/proc/net/ipv6_route")));
    routes.retain(|r| {
        r.range.prefix > 0
            && r.interface != "lo"
            && r.interface != "docker0"
            && !r.interface.starts_with("br-")
            && !r.interface.starts_with("veth")
            && !(r.range.v6 && r.range.within(Range::parse("fe80::/10").unwrap_or(r.range)))
    });
    routes
}

/// `/proc/net/route`: interface, destination and mask in hex, in the host's byte order
/// (little-endian on every machine labrunner runs on).
fn parse_routes_v4(text: &str) -> Vec<HostRoute> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let dest = u32::from_str_radix(f.get(1)?, 16).ok()?.swap_bytes();
            let mask = u32::from_str_radix(f.get(7)?, 16).ok()?.swap_bytes();
            Some(HostRoute {
                range: Range {
                    v6: false,
                    bits: u128::from(dest),
                    prefix: u8::try_from(mask.count_ones()).ok()?,
                },
                interface: f.first()?.to_string(),
            })
        })
        .collect()
}

/// `/proc/net/ipv6_route`: destination (32 hex digits), prefix length (hex), ..., interface.
fn parse_routes_v6(text: &str) -> Vec<HostRoute> {
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            Some(HostRoute {
                range: Range {
                    v6: true,
                    bits: u128::from_str_radix(f.first()?, 16).ok()?,
                    prefix: u8::from_str_radix(f.get(1)?, 16).ok()?,
                },
                interface: f.last()?.to_string(),
            })
        })
        .collect()
}

/// Ranges that overlap one of `routes` (the host's own networks), as (option, reason).
pub fn host_overlaps(n: &NetworkCreate, routes: &[HostRoute]) -> Vec<(String, String)> {
    claimed(n)
        .into_iter()
        .filter_map(|(flag, r)| {
            let route = routes.iter().find(|h| h.range.overlaps(r))?;
            Some((
                flag,
                format!(
                    "overlaps this machine's own network {route}: the host would lose its way to it (a gateway there could take the host's own address)"
                ),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(subnet: &str, gateway: Option<&str>) -> NetworkCreate {
        NetworkCreate {
            name: "n".into(),
            subnet: Some(subnet.into()),
            gateway: gateway.map(str::to_string),
            ..Default::default()
        }
    }

    #[test]
    fn only_private_ranges_pass() {
        for (subnet, gateway, refused) in [
            ("172.20.0.0/16", Some("172.20.0.1"), 0),
            ("10.213.0.0/16", None, 0),
            ("192.168.77.0/24", None, 0),
            ("fd00:1::/64", None, 0),
            ("172.15.0.0/16", None, 1),
            ("172.16.0.0/11", None, 1),
            ("8.8.8.0/24", Some("8.8.8.1"), 2),
            ("10.1.0.0/16", Some("1.1.1.1"), 1),
            ("2001:db8::/32", None, 1),
        ] {
            let found = network_dangers(&net(subnet, gateway));
            assert_eq!(found.len(), refused, "{subnet} {gateway:?}: {found:?}");
        }
        let found = network_dangers(&net("8.8.8.0/24", None));
        assert_eq!(found[0].0, "--subnet 8.8.8.0/24");
        assert!(found[0].1.contains("not a private address range"));
    }

    #[test]
    fn ranges_overlap_when_they_share_an_address() {
        for (a, b, overlap) in [
            ("10.214.0.0/16", "10.214.7.128/25", true),
            ("10.214.0.0/16", "10.214.0.0/16", true),
            ("10.214.0.0/16", "10.215.0.0/16", false),
            ("10.0.0.0/8", "10.214.0.0/16", true),
            ("fd00:1::/64", "10.214.0.0/16", false),
            ("nonsense", "10.214.0.0/16", false),
        ] {
            assert_eq!(ranges_overlap(a, b), overlap, "{a} {b}");
            assert_eq!(ranges_overlap(b, a), overlap, "{b} {a}");
        }
        let created = super::super::parse(
            "docker network create --subnet 10.214.0.0/16 addr-net",
            None,
        )
        .expect("parses");
        assert_eq!(fixed_subnet(&created), Some("10.214.0.0/16"));
        let plain = super::super::parse("docker network create addr-net", None).expect("parses");
        assert_eq!(fixed_subnet(&plain), None);
    }

    #[test]
    fn the_hosts_own_networks_are_read_and_overlaps_refused() {
        let v4 = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
                  eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n\
                  eth0\t0001A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n\
                  docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n";
        let v6 = "fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n";
        let mut routes = parse_routes_v4(v4);
        routes.extend(parse_routes_v6(v6));
        assert_eq!(routes[1].to_string(), "192.168.1.0/24 on eth0");
        assert_eq!(routes[3].to_string(), "fd00::/64 on eth0");
        // What `host_routes` keeps: not the default route, not Docker's bridges.
        routes.retain(|r| r.range.prefix > 0 && r.interface != "docker0");
        let refused =
            |subnet: &str, gateway: Option<&str>| host_overlaps(&net(subnet, gateway), &routes);
        assert!(
            refused("192.168.0.0/16", None)[0]
                .1
                .contains("192.168.1.0/24 on eth0")
        );
        assert_eq!(refused("192.168.1.0/28", Some("192.168.1.1")).len(), 2);
        assert_eq!(refused("10.9.0.0/16", Some("192.168.1.20")).len(), 1);
        assert!(refused("192.168.2.0/24", None).is_empty());
        assert!(refused("172.17.0.0/16", None).is_empty());
        assert_eq!(refused("fd00::/48", None).len(), 1);
        assert!(refused("fd01::/64", None).is_empty());
    }
}
