//! Bollard's errors, turned into ones the user can act on, keeping the daemon's own message.

use crate::engine::{CALL_TIMEOUT, EngineError};

/// Turn a bollard error into one the user can act on, keeping the daemon's own message.
pub fn classify(error: &bollard::errors::Error, endpoint: &str) -> EngineError {
    use bollard::errors::Error as E;
    match error {
        E::DockerResponseServerError {
            status_code,
            message,
        } => {
            let message = message.trim().to_string();
            match held_address(&message) {
                Some(address) => EngineError::PortTaken { address, message },
                None if message.contains(SUBNET_OVERLAP) => EngineError::SubnetTaken { message },
                None => EngineError::Daemon {
                    status: *status_code,
                    message,
                },
            }
        }
        E::RequestTimeoutError => EngineError::NoAnswer {
            what: "a call to the Docker daemon".into(),
            secs: CALL_TIMEOUT.as_secs(),
        },
        other => {
            let detail = full_message(other);
            let lower = detail.to_lowercase();
            if lower.contains("permission denied") {
                EngineError::PermissionDenied {
                    endpoint: endpoint.to_string(),
                }
            } else if lower.contains("no such file")
                || lower.contains("connection refused")
                || lower.contains("socket not found")
                || lower.contains("connect")
                || lower.contains("broken pipe")
                || lower.contains("connection reset")
            {
                EngineError::Unreachable {
                    endpoint: endpoint.to_string(),
                    detail,
                }
            } else {
                EngineError::Other(detail)
            }
        }
    }
}

/// How the daemon refuses a network whose address range overlaps another network's
/// (`invalid pool request: Pool overlaps with other one on this address space`).
const SUBNET_OVERLAP: &str = "Pool overlaps with other one on this address space";

/// The host address a refused start could not bind, in the two ways the daemon says it:
/// another container holds it (`Bind for 127.0.0.1:8080 failed: port is already allocated`), or
/// another process does (`listen tcp4 127.0.0.1:8080: bind: address already in use`).
fn held_address(message: &str) -> Option<String> {
    if let Some((before, _)) = message.split_once(" failed: port is already allocated") {
        return before.rsplit_once("Bind for ").map(|(_, a)| a.to_string());
    }
    let (before, _) = message.split_once(": bind: address already in use")?;
    before.rsplit_once(' ').map(|(_, a)| a.to_string())
}

fn full_message(error: &dyn std::error::Error) -> String {
    let mut msg = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

pub(super) fn parse_api(v: &str) -> Option<(u64, u64)> {
    let (a, b) = v.split_once('.')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::docker::MIN_API;

    #[test]
    fn api_versions_compare() {
        assert!(parse_api("1.40").unwrap() < MIN_API);
        assert!(parse_api("1.41").unwrap() >= MIN_API);
        assert!(parse_api("1.47").unwrap() >= MIN_API);
        assert_eq!(parse_api("x"), None);
    }

    #[test]
    fn a_held_host_port_is_told_apart_keeping_the_daemon_words() {
        let cases = [
            (
                "driver failed programming external connectivity on endpoint web (b78e): Bind for 127.0.0.1:21101 failed: port is already allocated",
                Some("127.0.0.1:21101"),
            ),
            (
                "driver failed programming external connectivity on endpoint web (b78e): Error starting userland proxy: listen tcp4 127.0.0.1:21100: bind: address already in use",
                Some("127.0.0.1:21100"),
            ),
            ("No such container: web", None),
        ];
        for (message, address) in cases {
            let e = bollard::errors::Error::DockerResponseServerError {
                status_code: 500,
                message: message.into(),
            };
            let classified = classify(&e, "unix:///x");
            assert_eq!(
                classified.to_string(),
                format!("Error response from daemon: {message}")
            );
            match (classified, address) {
                (EngineError::PortTaken { address: found, .. }, Some(expected)) => {
                    assert_eq!(found, expected)
                }
                (EngineError::Daemon { status: 500, .. }, None) => {}
                (other, _) => panic!("{message}: {other:?}"),
            }
        }
    }

    #[test]
    fn an_overlapping_subnet_is_told_apart_keeping_the_daemon_words() {
        let message = "invalid pool request: Pool overlaps with other one on this address space";
        let e = bollard::errors::Error::DockerResponseServerError {
            status_code: 403,
            message: message.into(),
        };
        let classified = classify(&e, "unix:///x");
        assert_eq!(
            classified.to_string(),
            format!("Error response from daemon: {message}")
        );
        assert_eq!(
            classified,
            EngineError::SubnetTaken {
                message: message.into()
            }
        );
    }

    #[test]
    fn errors_are_classified() {
        let e = bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            message: "network missing-net not found".into(),
        };
        assert_eq!(
            classify(&e, "unix:///x"),
            EngineError::Daemon {
                status: 404,
                message: "network missing-net not found".into()
            }
        );
        let e = bollard::errors::Error::IOError {
            err: std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                "Permission denied (os error 13)",
            ),
        };
        let message = classify(&e, "unix:///var/run/docker.sock").to_string();
        assert!(message.contains("docker` group"), "{message}");
        let e = bollard::errors::Error::IOError {
            err: std::io::Error::new(
                std::io::ErrorKind::ConnectionRefused,
                "Connection refused (os error 111)",
            ),
        };
        assert!(matches!(
            classify(&e, "unix:///x"),
            EngineError::Unreachable { .. }
        ));
        let e = bollard::errors::Error::SocketNotFoundError("/nope.sock".into());
        assert!(matches!(
            classify(&e, "unix:///nope.sock"),
            EngineError::Unreachable { .. }
        ));
    }
}
