//! `published`: a container port is published (from NetworkSettings.Ports), and optionally
//! answers a probe on 127.0.0.1 that exchanges bytes: docker-proxy accepts connections even when
//! nothing listens behind it.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::probes::ANSWER_BOUND;
use super::support::{Among, first_line, missing};
use super::{CheckEnv, Observed, holds, not_holds};
use crate::command::output::render_ports;
use crate::lab::PublishedCheck;

pub(super) fn describe(p: &PublishedCheck, positive: bool) -> String {
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
        "port {}/{} of {} is {}published{host}{probe}",
        p.port,
        p.protocol,
        p.container,
        if positive { "" } else { "not " }
    )
}

pub(super) async fn observe(p: &PublishedCheck, env: &CheckEnv<'_>) -> Observed {
    let Some(info) = env.container(&p.container).await? else {
        return not_holds(missing(env, Among::Containers, &p.container).await);
    };
    let all = render_ports(&info.ports, None);
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
    let matching = info.ports.iter().find(|b| {
        b.container_port == p.port
            && b.protocol == p.protocol
            && p.host_port.is_none_or(|hp| hp == b.host_port)
            && p.host_ip
                .as_ref()
                .is_none_or(|ip| *ip == b.host_ip || (b.host_ip.is_empty() && ip == "0.0.0.0"))
    });
    let Some(binding) = matching else {
        return not_holds(seen);
    };
    if !p.probe {
        return holds(seen);
    }
    if !(binding.host_ip.is_empty()
        || binding.host_ip == "0.0.0.0"
        || binding.host_ip == "127.0.0.1")
    {
        return holds(format!(
            "{seen} (bound to {}, not probed: only 127.0.0.1 is probed)",
            binding.host_ip
        ));
    }
    // A translated port is reached where the daemon bound it; the evidence says the lab's.
    // Silence is called silence only when two probes saw it, as for the probes in containers.
    let mut probed = probe_http(binding.reached_at()).await;
    if matches!(probed, Err(Silence::Timeout)) {
        probed = probe_http(binding.reached_at()).await;
    }
    match probed.map_err(|e| e.to_string()) {
        Ok(reply) => holds(format!(
            "{seen}; 127.0.0.1:{} answered: {}",
            binding.host_port,
            first_line(&reply)
        )),
        Err(why) => not_holds(format!("{seen}; but 127.0.0.1:{} {why}", binding.host_port)),
    }
}

/// Why a published port gave no answer.
enum Silence {
    Said(String),
    Timeout,
}

impl std::fmt::Display for Silence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Silence::Said(why) => f.write_str(why),
            Silence::Timeout => write!(
                f,
                "accepted the connection but sent nothing within {} ms, twice",
                ANSWER_BOUND.as_millis()
            ),
        }
    }
}

/// Send an HTTP request to 127.0.0.1:`port` and read the first bytes of the answer, within
/// [`ANSWER_BOUND`]: the host's loopback, the daemon's proxy and a bridge are all it crosses.
async fn probe_http(port: u16) -> Result<String, Silence> {
    let attempt = async {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
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
    match tokio::time::timeout(ANSWER_BOUND, attempt).await {
        Ok(answer) => answer.map_err(Silence::Said),
        Err(_) => Err(Silence::Timeout),
    }
}
