//! What the docker CLI prints for the commands labrunner carries out itself: `docker port`
//! lines and `docker inspect --format` templates. Pure functions over the engine's models;
//! [`PortBinding`] is defined here, below the engine that fills it.

use serde::Serialize;

/// One published port of a container, as `docker port` and `docker inspect` show it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PortBinding {
    pub container_port: u16,
    pub protocol: String,
    pub host_ip: String,
    /// The host port as the lab sees it: what the daemon bound, or what the command wrote when
    /// a namespaced run translated it ([`crate::engine::ports::PortTranslation`]).
    pub host_port: u16,
    /// The port the daemon really bound when it differs from `host_port` (a translated port).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bound_port: Option<u16>,
}

impl PortBinding {
    /// Where this port is reached on this machine.
    pub fn reached_at(&self) -> u16 {
        self.bound_port.unwrap_or(self.host_port)
    }
}

/// `docker port` output: `80/tcp -> 0.0.0.0:32768`.
pub fn render_ports(ports: &[PortBinding], only: Option<&str>) -> String {
    let mut out = String::new();
    for p in ports {
        let key = format!("{}/{}", p.container_port, p.protocol);
        if let Some(only) = only
            && only != key
            && only != p.container_port.to_string()
        {
            continue;
        }
        let ip = if p.host_ip.contains(':') {
            format!("[{}]", p.host_ip)
        } else {
            p.host_ip.clone()
        };
        out.push_str(&format!("{key} -> {ip}:{}\n", p.host_port));
    }
    out
}

/// `docker inspect` output: JSON, or a `--format` Go template reduced to the forms lessons use:
/// `{{.A.B}}`, `{{json .A}}`, and `{{range .A}}...{{end}}` is not supported (printed as JSON).
pub fn render_inspect(values: &[serde_json::Value], format: Option<&str>) -> String {
    let Some(format) = format else {
        return serde_json::to_string_pretty(values).unwrap_or_default() + "\n";
    };
    let mut out = String::new();
    for value in values {
        let mut rest = format;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let Some(end) = rest[start..].find("}}") else {
                break;
            };
            let expr = rest[start + 2..start + end].trim();
            let (json, path) = match expr.strip_prefix("json ") {
                Some(p) => (true, p.trim()),
                None => (false, expr),
            };
            let mut v = value;
            for part in path
                .trim_start_matches('.')
                .split('.')
                .filter(|p| !p.is_empty())
            {
                v = v.get(part).unwrap_or(&serde_json::Value::Null);
            }
            match v {
                serde_json::Value::String(s) if !json => out.push_str(s),
                serde_json::Value::Null if !json => out.push_str("<no value>"),
                other => out.push_str(&other.to_string()),
            }
            rest = &rest[start + end + 2..];
        }
        out.push_str(rest);
        out.push('\n');
    }
    out
}

/// `docker network ls` output from rows of id, name, driver, scope.
pub fn render_network_ls(rows: impl IntoIterator<Item = [String; 4]>) -> String {
    let mut out = format!(
        "{:<14}{:<24}{:<10}{}\n",
        "NETWORK ID", "NAME", "DRIVER", "SCOPE"
    );
    for [id, name, driver, scope] in rows {
        out.push_str(&format!("{id:<14}{name:<24}{driver:<10}{scope}\n"));
    }
    out
}

/// `docker volume ls` output from rows of driver, name.
pub fn render_volume_ls(rows: impl IntoIterator<Item = [String; 2]>) -> String {
    let mut out = format!("{:<10}{}\n", "DRIVER", "VOLUME NAME");
    for [driver, name] in rows {
        out.push_str(&format!("{driver:<10}{name}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inspect_format_renders_paths() {
        let v = serde_json::json!({"NetworkSettings": {"IPAddress": "172.17.0.2", "Ports": {}}, "Name": "/a"});
        assert_eq!(
            render_inspect(
                std::slice::from_ref(&v),
                Some("{{.NetworkSettings.IPAddress}}")
            ),
            "172.17.0.2\n"
        );
        assert_eq!(
            render_inspect(
                std::slice::from_ref(&v),
                Some("ip={{ .NetworkSettings.IPAddress }}!")
            ),
            "ip=172.17.0.2!\n"
        );
        assert_eq!(
            render_inspect(
                std::slice::from_ref(&v),
                Some("{{json .NetworkSettings.Ports}}")
            ),
            "{}\n"
        );
        assert_eq!(render_inspect(&[v], Some("{{.Missing}}")), "<no value>\n");
    }

    #[test]
    fn listings_are_aligned_like_the_cli() {
        let out = render_volume_ls([["local".to_string(), "data".to_string()]]);
        assert_eq!(out, "DRIVER    VOLUME NAME\nlocal     data\n");
    }
}
