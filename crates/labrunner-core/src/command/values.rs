//! Parsing flag values: mounts (`-v`, `--mount`, `--tmpfs`), published ports, sizes, names.
//!
//! Only what the docker CLI itself rejects is rejected here; what only the daemon rejects
//! (a relative mount target, a bind mount without a source) is kept, so that a lab step can
//! expect the daemon's error.

use super::{Mount, MountKind, MountSyntax, ParseError, PortSpec};

fn invalid(flag: &str, value: &str, reason: impl Into<String>) -> ParseError {
    ParseError::InvalidValue {
        flag: flag.to_string(),
        value: value.to_string(),
        reason: reason.into(),
    }
}

/// Container, network and volume names: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`, as the daemon requires.
pub(crate) fn check_name(flag: &str, name: &str) -> Result<(), ParseError> {
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok {
        Ok(())
    } else {
        Err(invalid(
            flag,
            name,
            "a name may contain only letters, digits, `_`, `.` and `-`, and must start with a letter or digit",
        ))
    }
}

/// An image reference: `[registry[:port]/]path[:tag][@digest]`, path in lowercase.
pub(crate) fn check_image(image: &str) -> Result<(), ParseError> {
    let bad = |reason: &str| Err(invalid("IMAGE", image, reason));
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    if let Some(d) = digest
        && !d.split_once(':').is_some_and(|(alg, hex)| {
            !alg.is_empty() && !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit())
        })
    {
        return bad("the digest after `@` must look like `sha256:<hex>`");
    }
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let (path, tag) = match name[last_slash..].rfind(':') {
        Some(i) => (&name[..last_slash + i], Some(&name[last_slash + i + 1..])),
        None => (name, None),
    };
    if let Some(tag) = tag {
        let valid = !tag.is_empty()
            && tag.len() <= 128
            && tag
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            && !tag.starts_with(['.', '-']);
        if !valid {
            return bad("the tag after `:` may contain only letters, digits, `_`, `.` and `-`");
        }
    }
    let components: Vec<&str> = path.split('/').collect();
    // The first component may be a registry host (`localhost:5000`, `registry.example.com`).
    let has_registry = components.len() > 1
        && (components[0].contains(['.', ':']) || components[0] == "localhost");
    for (i, comp) in components.iter().enumerate() {
        let ok = if i == 0 && has_registry {
            !comp.is_empty()
                && comp
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
        } else {
            comp.chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                && comp.chars().all(|c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')
                })
        };
        if !ok {
            return bad(
                "an image name is made of lowercase letters, digits, `.`, `_`, `-` and `/`",
            );
        }
    }
    Ok(())
}

pub(crate) fn check_ip(flag: &str, value: &str) -> Result<(), ParseError> {
    match value.parse::<std::net::IpAddr>() {
        Ok(_) => Ok(()),
        Err(_) => Err(invalid(flag, value, "expected an IP address")),
    }
}

/// `ADDRESS/PREFIX`, IPv4 or IPv6.
pub(crate) fn check_cidr(flag: &str, value: &str) -> Result<(), ParseError> {
    let valid = value.split_once('/').is_some_and(|(ip, prefix)| {
        let max = match ip.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V4(_)) => 32,
            Ok(std::net::IpAddr::V6(_)) => 128,
            Err(_) => return false,
        };
        prefix.parse::<u8>().is_ok_and(|p| p <= max)
    });
    if valid {
        Ok(())
    } else {
        Err(invalid(
            flag,
            value,
            "expected an address range like 172.20.0.0/16",
        ))
    }
}

/// `KEY=VALUE` or `KEY` (empty value).
pub(crate) fn label(value: &str) -> (String, String) {
    match value.split_once('=') {
        Some((k, v)) => (k.to_string(), v.to_string()),
        None => (value.to_string(), String::new()),
    }
}

/// `no`, `always`, `unless-stopped`, `on-failure[:N]`.
pub(crate) fn check_restart(value: &str) -> Result<(), ParseError> {
    let ok = match value.split_once(':') {
        None => matches!(value, "no" | "always" | "unless-stopped" | "on-failure"),
        Some(("on-failure", n)) => n.parse::<u32>().is_ok(),
        Some(_) => false,
    };
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "--restart",
            value,
            "expected no, always, unless-stopped or on-failure[:N]",
        ))
    }
}

pub(crate) fn integer(flag: &str, value: &str) -> Result<i64, ParseError> {
    value
        .trim()
        .parse()
        .map_err(|_| invalid(flag, value, "expected a whole number"))
}

/// `--signal`: a number or a name (`KILL`, `SIGHUP`, `RTMIN+3`), passed to the daemon as
/// written, which says which names it knows.
pub(crate) fn signal(flag: &str, value: &str) -> Result<String, ParseError> {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '+' || c == '-';
    if value.is_empty() || !value.chars().all(word) {
        return Err(invalid(
            flag,
            value,
            "expected a signal name or number, like KILL or 9",
        ));
    }
    Ok(value.to_string())
}

/// `--memory`: bytes, or a number with a `b`, `k`, `m`, `g`, `t` suffix (powers of 1024),
/// as docker's `RAMInBytes` reads it (`512m`, `1.5g`, `256MiB`).
pub(crate) fn memory(flag: &str, value: &str) -> Result<i64, ParseError> {
    let bad = || invalid(flag, value, "expected a size like 512m or 1g");
    let text = value.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().map_err(|_| bad())?;
    let unit = unit.trim().to_ascii_lowercase();
    let unit = unit.strip_suffix('b').unwrap_or(&unit);
    let unit = unit.strip_suffix('i').unwrap_or(unit);
    let power = match unit {
        "" => 0,
        "k" => 1,
        "m" => 2,
        "g" => 3,
        "t" => 4,
        "p" => 5,
        _ => return Err(bad()),
    };
    let bytes = number * 1024f64.powi(power);
    if !bytes.is_finite() || bytes < 0.0 || bytes > i64::MAX as f64 {
        return Err(bad());
    }
    Ok(bytes as i64)
}

/// Lexically normalise an absolute path: drop `.` and empty components, resolve `..`.
pub(crate) fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// A bind source as the docker CLI (23.0+) reads it: `.`-relative paths are made absolute
/// against the working folder.
fn bind_source(flag: &str, source: &str, workdir: Option<&str>) -> Result<String, ParseError> {
    if source.starts_with('.') {
        let Some(dir) = workdir else {
            return Err(ParseError::NoWorkdir {
                syntax: format!("{flag} {source}"),
            });
        };
        return Ok(normalize(&format!("{dir}/{source}")));
    }
    Ok(source.to_string())
}

const VOLUME_MODES: &[&str] = &[
    "z",
    "Z",
    "shared",
    "rshared",
    "slave",
    "rslave",
    "private",
    "rprivate",
    "nocopy",
    "consistent",
    "cached",
    "delegated",
];

/// `-v`/`--volume`: `/target` (anonymous volume), `name:/target[:opts]` (named volume),
/// `/host/path:/target[:opts]` (bind mount); opts: `ro`, `rw`, `z`, `Z`, propagation, `nocopy`.
pub(crate) fn volume_flag(
    flag: &str,
    value: &str,
    workdir: Option<&str>,
) -> Result<Mount, ParseError> {
    let parts: Vec<&str> = value.split(':').collect();
    let (source, target, mode) = match parts.as_slice() {
        [target] => (None, *target, None),
        [target, mode] if !mode.starts_with('/') && is_mode(mode) => (None, *target, Some(*mode)),
        [source, target] => (Some(*source), *target, None),
        [source, target, mode] => (Some(*source), *target, Some(*mode)),
        _ => return Err(invalid(flag, value, "expected [SOURCE:]TARGET[:OPTIONS]")),
    };
    if target.is_empty() {
        return Err(invalid(
            flag,
            value,
            "the target path in the container is empty",
        ));
    }
    let mut mount = Mount {
        kind: MountKind::Volume,
        syntax: MountSyntax::VolumeFlag,
        source: None,
        target: target.to_string(),
        read_only: false,
        options: Vec::new(),
    };
    for opt in mode.unwrap_or("").split(',').filter(|o| !o.is_empty()) {
        match opt {
            "ro" => mount.read_only = true,
            "rw" => {}
            o if VOLUME_MODES.contains(&o) => mount.options.push(o.to_string()),
            o => {
                return Err(invalid(
                    flag,
                    value,
                    format!(
                        "unknown option `{o}` (known: ro, rw, z, Z, nocopy, shared, slave, private, ...)"
                    ),
                ));
            }
        }
    }
    match source {
        None => {}
        Some("") => return Err(invalid(flag, value, "the source before `:` is empty")),
        Some(s) if s.starts_with('/') || s.starts_with('.') => {
            mount.kind = MountKind::Bind;
            mount.source = Some(bind_source(flag, s, workdir)?);
        }
        Some(name) => {
            check_name(flag, name).map_err(|_| {
                invalid(
                    flag,
                    value,
                    format!("`{name}` is not a valid volume name; for a host folder, use an absolute path"),
                )
            })?;
            mount.source = Some(name.to_string());
        }
    }
    Ok(mount)
}

fn is_mode(text: &str) -> bool {
    text.split(',')
        .all(|o| o == "ro" || o == "rw" || VOLUME_MODES.contains(&o))
}

/// `--tmpfs /path[:opts]` (opts like `size=64m,mode=1770,ro`).
pub(crate) fn tmpfs_flag(flag: &str, value: &str) -> Result<Mount, ParseError> {
    let (target, opts) = value.split_once(':').unwrap_or((value, ""));
    if target.is_empty() {
        return Err(invalid(flag, value, "expected /path[:options]"));
    }
    let mut mount = Mount {
        kind: MountKind::Tmpfs,
        syntax: MountSyntax::TmpfsFlag,
        source: None,
        target: target.to_string(),
        read_only: false,
        options: Vec::new(),
    };
    for opt in opts.split(',').filter(|o| !o.is_empty()) {
        if opt == "ro" {
            mount.read_only = true;
        } else {
            mount.options.push(opt.to_string());
        }
    }
    Ok(mount)
}

/// Split `--mount`'s value like a CSV record (fields may be double-quoted).
fn csv_fields(value: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = value.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (false, ',') => fields.push(std::mem::take(&mut field)),
            (false, '"') if field.is_empty() => quoted = true,
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (_, c) => field.push(c),
        }
    }
    if quoted {
        return Err("unterminated `\"`".into());
    }
    fields.push(field);
    Ok(fields)
}

/// `--mount type=volume|bind|tmpfs,source=..,target=..,readonly,...`.
pub(crate) fn mount_flag(
    flag: &str,
    value: &str,
    workdir: Option<&str>,
) -> Result<Mount, ParseError> {
    let fields = csv_fields(value).map_err(|r| invalid(flag, value, r))?;
    let mut mount = Mount {
        kind: MountKind::Volume,
        syntax: MountSyntax::MountFlag,
        source: None,
        target: String::new(),
        read_only: false,
        options: Vec::new(),
    };
    for field in fields.iter().filter(|f| !f.is_empty()) {
        mount_field(flag, value, field, &mut mount)?;
    }
    if mount.target.is_empty() {
        return Err(invalid(flag, value, "target is required (`target=/path`)"));
    }
    check_option_kinds(flag, value, &mount)?;
    mount.source = match (mount.kind, mount.source.take()) {
        (MountKind::Bind, Some(s)) => Some(bind_source(flag, &s, workdir)?),
        (MountKind::Volume, Some(s)) => {
            check_name(flag, &s).map_err(|_| {
                invalid(
                    flag,
                    value,
                    format!("`{s}` is not a valid volume name (letters, digits, `_`, `.`, `-`)"),
                )
            })?;
            Some(s)
        }
        (_, s) => s,
    };
    Ok(mount)
}

/// Apply one `key=value` field of `--mount` to `mount`.
fn mount_field(flag: &str, value: &str, field: &str, mount: &mut Mount) -> Result<(), ParseError> {
    let (key, val) = mount_key(flag, value, field)?;
    let needs_value = |v: Option<&str>| {
        v.map(str::to_string)
            .ok_or_else(|| invalid(flag, value, format!("`{key}` needs a value (`{key}=...`)")))
    };
    match key.as_str() {
        "type" => mount.kind = mount_type(flag, value, val)?,
        "source" | "src" => mount.source = Some(needs_value(val)?).filter(|s| !s.is_empty()),
        "target" | "destination" | "dst" => mount.target = needs_value(val)?,
        "readonly" | "ro" => {
            mount.read_only = match val {
                None | Some("1" | "t" | "T" | "true" | "TRUE" | "True") => true,
                Some("0" | "f" | "F" | "false" | "FALSE" | "False") => false,
                Some(_) => {
                    return Err(invalid(flag, value, format!("`{key}` takes true or false")));
                }
            }
        }
        "tmpfs-size" => {
            memory(flag, &needs_value(val)?)
                .map_err(|_| invalid(flag, value, "`tmpfs-size` takes a size like 64m"))?;
            mount.options.push(field.to_string());
        }
        "tmpfs-mode" => {
            u32::from_str_radix(&needs_value(val)?, 8)
                .map_err(|_| invalid(flag, value, "`tmpfs-mode` takes an octal mode like 1770"))?;
            mount.options.push(field.to_string());
        }
        "volume-nocopy" => {
            if !matches!(
                val,
                None | Some("1" | "t" | "T" | "true" | "TRUE" | "True")
                    | Some("0" | "f" | "F" | "false" | "FALSE" | "False")
            ) {
                return Err(invalid(flag, value, format!("`{key}` takes true or false")));
            }
            mount.options.push(field.to_string());
        }
        "bind-propagation" => {
            if !matches!(
                val,
                Some("private" | "rprivate" | "shared" | "rshared" | "slave" | "rslave")
            ) {
                return Err(invalid(
                    flag,
                    value,
                    "`bind-propagation` takes private, rprivate, shared, rshared, slave or rslave",
                ));
            }
            mount.options.push(field.to_string());
        }
        "volume-label" | "volume-opt" => {
            if !needs_value(val)?.contains('=') {
                return Err(invalid(
                    flag,
                    value,
                    format!("`{key}` takes a key=value pair (`{key}=k=v`)"),
                ));
            }
            mount.options.push(field.to_string());
        }
        "volume-driver" | "consistency" => {
            needs_value(val)?;
            mount.options.push(field.to_string());
        }
        // Accepted by the docker CLI; labrunner does not carry them to the daemon (a volume
        // sub-path needs API 1.45, newer than the 1.41 it supports), so it refuses them by name
        // rather than drop them.
        "volume-subpath" | "bind-recursive" | "bind-nonrecursive" => {
            return Err(invalid(
                flag,
                value,
                format!("`{key}` is not supported by labrunner"),
            ));
        }
        _ => return Err(invalid(flag, value, format!("unknown key `{key}`"))),
    }
    Ok(())
}

/// Split a `--mount` field into its key and value. Keys are case-sensitive, as in the docker
/// CLI; only a few stand alone.
fn mount_key<'f>(
    flag: &str,
    value: &str,
    field: &'f str,
) -> Result<(String, Option<&'f str>), ParseError> {
    match field.split_once('=') {
        Some((k, v)) => Ok((k.to_string(), Some(v))),
        None if matches!(
            field,
            "readonly" | "ro" | "volume-nocopy" | "bind-nonrecursive"
        ) =>
        {
            Ok((field.to_string(), None))
        }
        None => Err(invalid(
            flag,
            value,
            format!("`{field}` must be a key=value pair"),
        )),
    }
}

/// The value of `type=`.
fn mount_type(flag: &str, value: &str, val: Option<&str>) -> Result<MountKind, ParseError> {
    match val.map(str::to_ascii_lowercase).as_deref() {
        Some("volume") => Ok(MountKind::Volume),
        Some("bind") => Ok(MountKind::Bind),
        Some("tmpfs") => Ok(MountKind::Tmpfs),
        other => Err(invalid(
            flag,
            value,
            format!(
                "unsupported mount type `{}` (volume, bind or tmpfs)",
                other.unwrap_or("")
            ),
        )),
    }
}

/// Refuse `volume-*`, `bind-*` or `tmpfs-*` options on a mount of another type.
fn check_option_kinds(flag: &str, value: &str, mount: &Mount) -> Result<(), ParseError> {
    let kind_word = match mount.kind {
        MountKind::Volume => "volume",
        MountKind::Bind => "bind",
        MountKind::Tmpfs => "tmpfs",
    };
    for opt in &mount.options {
        let prefix = opt.split(['-', '=']).next().unwrap_or("");
        if matches!(prefix, "volume" | "bind" | "tmpfs") && prefix != kind_word {
            return Err(invalid(
                flag,
                value,
                format!("cannot mix `{prefix}-*` options with mount type `{kind_word}`"),
            ));
        }
    }
    Ok(())
}

fn port_range(
    flag: &str,
    whole: &str,
    text: &str,
    allow_zero: bool,
) -> Result<(u16, u16), ParseError> {
    let one = |t: &str| -> Result<u16, ParseError> {
        match t.parse::<u16>() {
            Ok(0) if !allow_zero => Err(invalid(flag, whole, "port 0 is not a port")),
            Ok(p) => Ok(p),
            Err(_) => Err(invalid(
                flag,
                whole,
                format!("`{t}` is not a port number (1-65535)"),
            )),
        }
    };
    let (start, end) = match text.split_once('-') {
        Some((a, b)) => (one(a)?, one(b)?),
        None => {
            let p = one(text)?;
            (p, p)
        }
    };
    if end < start {
        return Err(invalid(
            flag,
            whole,
            format!("the range `{text}` ends before it starts"),
        ));
    }
    Ok((start, end))
}

fn protocol(flag: &str, whole: &str, text: Option<&str>) -> Result<String, ParseError> {
    match text.map(str::to_ascii_lowercase).as_deref() {
        None => Ok("tcp".into()),
        Some(p @ ("tcp" | "udp" | "sctp")) => Ok(p.to_string()),
        Some(p) => Err(invalid(
            flag,
            whole,
            format!("unknown protocol `{p}` (tcp, udp or sctp)"),
        )),
    }
}

/// `-p`/`--publish`: `[ip:][host_port[-end]:]container_port[-end][/proto]`; an IPv6 address
/// goes in brackets (`[::1]:8080:80`).
pub(crate) fn publish(flag: &str, value: &str) -> Result<PortSpec, ParseError> {
    let (spec, proto) = match value.rsplit_once('/') {
        Some((s, p)) => (s, Some(p)),
        None => (value, None),
    };
    let protocol = protocol(flag, value, proto)?;
    let (ip, rest) = if let Some(after) = spec.strip_prefix('[') {
        let Some((ip, rest)) = after.split_once(']') else {
            return Err(invalid(
                flag,
                value,
                "unterminated `[` around an IPv6 address",
            ));
        };
        let Some(rest) = rest.strip_prefix(':') else {
            return Err(invalid(flag, value, "expected `:` after the address"));
        };
        (Some(ip), rest)
    } else {
        (None, spec)
    };
    let parts: Vec<&str> = rest.split(':').collect();
    let (ip, host, container) = match (ip, parts.as_slice()) {
        (None, [c]) => (None, None, *c),
        (None, [h, c]) => (None, Some(*h), *c),
        (None, [ip, h, c]) => (Some(*ip), Some(*h), *c),
        (Some(ip), [h, c]) => (Some(ip), Some(*h), *c),
        _ => {
            return Err(invalid(
                flag,
                value,
                "expected [IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]",
            ));
        }
    };
    if let Some(ip) = ip
        && ip.parse::<std::net::IpAddr>().is_err()
    {
        return Err(invalid(flag, value, format!("`{ip}` is not an IP address")));
    }
    let container_ports = port_range(flag, value, container, false)?;
    let host_ports = match host {
        None | Some("") => None,
        Some(h) => Some(port_range(flag, value, h, true)?),
    };
    if let Some((hs, he)) = host_ports {
        let (cs, ce) = container_ports;
        if ce != cs && he - hs != ce - cs {
            return Err(invalid(
                flag,
                value,
                "the host and container port ranges differ in length",
            ));
        }
    }
    Ok(PortSpec {
        host_ip: ip.map(str::to_string),
        host_ports,
        container_ports,
        protocol,
    })
}

/// `--expose 80`, `--expose 8000-8010/udp`.
pub(crate) fn expose(flag: &str, value: &str) -> Result<String, ParseError> {
    let (ports, proto) = match value.rsplit_once('/') {
        Some((s, p)) => (s, Some(p)),
        None => (value, None),
    };
    protocol(flag, value, proto)?;
    port_range(flag, value, ports, false)?;
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(
        host_ip: Option<&str>,
        host: Option<(u16, u16)>,
        container: (u16, u16),
        proto: &str,
    ) -> PortSpec {
        PortSpec {
            host_ip: host_ip.map(String::from),
            host_ports: host,
            container_ports: container,
            protocol: proto.into(),
        }
    }

    #[test]
    fn publish_forms() {
        let table = [
            ("8080:80", port(None, Some((8080, 8080)), (80, 80), "tcp")),
            (
                "127.0.0.1:8080:80",
                port(Some("127.0.0.1"), Some((8080, 8080)), (80, 80), "tcp"),
            ),
            (
                "127.0.0.1::80",
                port(Some("127.0.0.1"), None, (80, 80), "tcp"),
            ),
            ("80", port(None, None, (80, 80), "tcp")),
            (
                "8000-8010:8000-8010",
                port(None, Some((8000, 8010)), (8000, 8010), "tcp"),
            ),
            (
                "8000-8010:80",
                port(None, Some((8000, 8010)), (80, 80), "tcp"),
            ),
            ("53:53/udp", port(None, Some((53, 53)), (53, 53), "udp")),
            ("80/tcp", port(None, None, (80, 80), "tcp")),
            (
                "[::1]:8080:80",
                port(Some("::1"), Some((8080, 8080)), (80, 80), "tcp"),
            ),
            ("[::1]::80/sctp", port(Some("::1"), None, (80, 80), "sctp")),
            ("0:80", port(None, Some((0, 0)), (80, 80), "tcp")),
        ];
        for (text, expected) in table {
            assert_eq!(publish("-p", text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn publish_errors() {
        for text in [
            "",
            "http",
            "0",
            "70000:80",
            "8080:80/icmp",
            "1.2.3:8080:80",
            "8010-8000:80",
            "8000-8010:80-81",
            "a:b:c:d",
            "[::1:8080:80",
            "::1:8080:80",
        ] {
            assert!(
                matches!(publish("-p", text), Err(ParseError::InvalidValue { .. })),
                "{text}"
            );
        }
    }

    fn mount(
        kind: MountKind,
        syntax: MountSyntax,
        source: Option<&str>,
        target: &str,
        ro: bool,
        opts: &[&str],
    ) -> Mount {
        Mount {
            kind,
            syntax,
            source: source.map(String::from),
            target: target.into(),
            read_only: ro,
            options: opts.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn volume_flag_forms() {
        use MountKind::*;
        let v = MountSyntax::VolumeFlag;
        let table = [
            (
                "app-data:/data",
                mount(Volume, v, Some("app-data"), "/data", false, &[]),
            ),
            (
                "mysql-data:/source:ro",
                mount(Volume, v, Some("mysql-data"), "/source", true, &[]),
            ),
            ("/data", mount(Volume, v, None, "/data", false, &[])),
            ("/data:ro", mount(Volume, v, None, "/data", true, &[])),
            (
                "/home/user/config:/app/config:ro",
                mount(Bind, v, Some("/home/user/config"), "/app/config", true, &[]),
            ),
            (
                "/srv:/srv:ro,z",
                mount(Bind, v, Some("/srv"), "/srv", true, &["z"]),
            ),
            (
                "/srv:/srv:rw,rshared",
                mount(Bind, v, Some("/srv"), "/srv", false, &["rshared"]),
            ),
            (
                "./site:/usr/share/nginx/html",
                mount(
                    Bind,
                    v,
                    Some("/w/lab/site"),
                    "/usr/share/nginx/html",
                    false,
                    &[],
                ),
            ),
            ("..:/up", mount(Bind, v, Some("/w"), "/up", false, &[])),
            (
                ".env:/app/.env:ro",
                mount(Bind, v, Some("/w/lab/.env"), "/app/.env", true, &[]),
            ),
            (
                "vol:app/data",
                mount(Volume, v, Some("vol"), "app/data", false, &[]),
            ),
        ];
        for (text, expected) in table {
            assert_eq!(
                volume_flag("-v", text, Some("/w/lab")),
                Ok(expected),
                "{text}"
            );
        }
    }

    #[test]
    fn volume_flag_errors() {
        for text in [
            "",
            ":/x",
            "a:b:c:d",
            "vol:/x:rx",
            "my vol:/x",
            "[vol]:/x",
            "vol:",
        ] {
            assert!(
                matches!(
                    volume_flag("-v", text, Some("/w")),
                    Err(ParseError::InvalidValue { .. })
                ),
                "{text}"
            );
        }
        assert!(matches!(
            volume_flag("-v", "./x:/x", None),
            Err(ParseError::NoWorkdir { .. })
        ));
    }

    #[test]
    fn mount_flag_forms() {
        use MountKind::*;
        let m = MountSyntax::MountFlag;
        let table = [
            (
                "type=volume,source=persistent-store,target=/app/data",
                mount(Volume, m, Some("persistent-store"), "/app/data", false, &[]),
            ),
            (
                "src=v,dst=/d,readonly",
                mount(Volume, m, Some("v"), "/d", true, &[]),
            ),
            (
                "src=v,dst=/d,ro=false",
                mount(Volume, m, Some("v"), "/d", false, &[]),
            ),
            (
                "src=v,dst=/d,readonly=1,volume-nocopy",
                mount(Volume, m, Some("v"), "/d", true, &["volume-nocopy"]),
            ),
            (
                "type=volume,target=/anon",
                mount(Volume, m, None, "/anon", false, &[]),
            ),
            (
                "type=bind,source=/etc/app,target=/app/config,readonly",
                mount(Bind, m, Some("/etc/app"), "/app/config", true, &[]),
            ),
            (
                "type=bind,src=/srv,destination=/srv,bind-propagation=rslave",
                mount(
                    Bind,
                    m,
                    Some("/srv"),
                    "/srv",
                    false,
                    &["bind-propagation=rslave"],
                ),
            ),
            (
                "type=bind,src=./cfg,dst=/cfg",
                mount(Bind, m, Some("/w/cfg"), "/cfg", false, &[]),
            ),
            (
                "type=tmpfs,destination=/app/secrets",
                mount(Tmpfs, m, None, "/app/secrets", false, &[]),
            ),
            (
                "type=tmpfs,dst=/t,tmpfs-size=64m,tmpfs-mode=1770",
                mount(
                    Tmpfs,
                    m,
                    None,
                    "/t",
                    false,
                    &["tmpfs-size=64m", "tmpfs-mode=1770"],
                ),
            ),
            (
                "type=volume,source=v,target=app/data",
                mount(Volume, m, Some("v"), "app/data", false, &[]),
            ),
            (
                "\"type=bind\",\"src=/a,b\",dst=/x",
                mount(Bind, m, Some("/a,b"), "/x", false, &[]),
            ),
        ];
        for (text, expected) in table {
            assert_eq!(
                mount_flag("--mount", text, Some("/w")),
                Ok(expected),
                "{text}"
            );
        }
    }

    #[test]
    fn mount_keys_labrunner_cannot_carry_are_refused_by_name() {
        for (text, says) in [
            (
                "type=volume,src=v,dst=/d,volume-subpath=sub",
                "`volume-subpath` is not supported",
            ),
            (
                "type=bind,src=/a,dst=/b,bind-recursive=disabled",
                "`bind-recursive` is not supported",
            ),
            (
                "type=bind,src=/a,dst=/b,bind-nonrecursive",
                "`bind-nonrecursive` is not supported",
            ),
            (
                "type=bind,src=/a,dst=/b,bind-propagation=sideways",
                "takes private",
            ),
            (
                "type=volume,src=v,dst=/d,volume-nocopy=maybe",
                "takes true or false",
            ),
            (
                "type=volume,src=v,dst=/d,volume-label=nolabel",
                "key=value pair",
            ),
        ] {
            match mount_flag("--mount", text, Some("/w")) {
                Err(ParseError::InvalidValue { reason, .. }) => {
                    assert!(reason.contains(says), "{text}: {reason}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn mount_flag_errors() {
        for text in [
            "type=volume,source=v",
            "type=npipe,src=a,dst=/b",
            "src=v,dst=/d,color=red",
            "src=v,dst=/d,readonly=maybe",
            "type=bind,src=/a,dst=/b,volume-nocopy",
            "type=volume,src=v,dst=/b,tmpfs-size=1m",
            "type=volume,src=[vol],dst=/x",
            "type=volume,source,target=/x",
            "type=volume,src=v,dst=/x,nocopy",
            "type=tmpfs,dst=/t,tmpfs-size=big",
            "type=tmpfs,dst=/t,tmpfs-mode=999",
            "TYPE=bind,src=/a,dst=/b",
            "\"type=bind,dst=/x",
        ] {
            assert!(
                matches!(
                    mount_flag("--mount", text, Some("/w")),
                    Err(ParseError::InvalidValue { .. })
                ),
                "{text}"
            );
        }
    }

    #[test]
    fn tmpfs_flag_forms() {
        let t = MountSyntax::TmpfsFlag;
        assert_eq!(
            tmpfs_flag("--tmpfs", "/run"),
            Ok(mount(MountKind::Tmpfs, t, None, "/run", false, &[]))
        );
        assert_eq!(
            tmpfs_flag("--tmpfs", "/app/secrets:size=64m,mode=1770,ro"),
            Ok(mount(
                MountKind::Tmpfs,
                t,
                None,
                "/app/secrets",
                true,
                &["size=64m", "mode=1770"]
            ))
        );
        assert!(tmpfs_flag("--tmpfs", ":size=1m").is_err());
    }

    #[test]
    fn memory_sizes() {
        let table = [
            ("512", 512),
            ("100k", 100 * 1024),
            ("512m", 512 * 1024 * 1024),
            ("512M", 512 * 1024 * 1024),
            ("512MB", 512 * 1024 * 1024),
            ("256MiB", 256 * 1024 * 1024),
            ("1g", 1024 * 1024 * 1024),
            ("1.5g", 3 * 512 * 1024 * 1024),
            ("10b", 10),
        ];
        for (text, bytes) in table {
            assert_eq!(memory("-m", text), Ok(bytes), "{text}");
        }
        for text in ["", "lots", "12x", "-1m", "1e400"] {
            assert!(memory("-m", text).is_err(), "{text}");
        }
    }

    #[test]
    fn names_and_images() {
        for ok in ["web", "db-writer", "my_app.1", "9lives"] {
            assert!(check_name("--name", ok).is_ok(), "{ok}");
        }
        for bad in ["", "-web", "[name]", "a b", "web/1", "ns:web"] {
            assert!(check_name("--name", bad).is_err(), "{bad}");
        }
        for ok in [
            "alpine",
            "alpine:latest",
            "python:3.11-slim",
            "labrunner-fixture/busybox:1",
            "localhost:5000/team/app:v1.2",
            "registry.example.com/app",
            "alpine@sha256:abcdef0123",
            "nginx:1.27-Alpine",
        ] {
            assert!(check_image(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "[image]",
            "MyApp",
            "alpine:",
            "alpine:-x",
            "a b",
            "alpine@md5",
            "/alpine",
        ] {
            assert!(check_image(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn restart_policies_and_paths() {
        for ok in [
            "no",
            "always",
            "unless-stopped",
            "on-failure",
            "on-failure:3",
        ] {
            assert!(check_restart(ok).is_ok(), "{ok}");
        }
        for bad in ["sometimes", "on-failure:x", "always:2"] {
            assert!(check_restart(bad).is_err(), "{bad}");
        }
        assert_eq!(normalize("/a/./b//c/../d/"), "/a/b/d");
        assert_eq!(normalize("/../.."), "/");
        assert_eq!(label("a=b=c"), ("a".into(), "b=c".into()));
        assert_eq!(label("flag"), ("flag".into(), String::new()));
        for ok in ["172.20.0.0/16", "10.0.0.0/8", "fd00::/64", "0.0.0.0/0"] {
            assert!(check_cidr("--subnet", ok).is_ok(), "{ok}");
        }
        for bad in [
            "172.20.0.0",
            "172.20.0.0/33",
            "fd00::/129",
            "net/16",
            "10.0.0.0/x",
        ] {
            assert!(check_cidr("--subnet", bad).is_err(), "{bad}");
        }
    }
}
