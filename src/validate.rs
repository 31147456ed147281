//! Semantic lint of a loaded lab: what serde cannot see.
//!
//! [`lint`] walks a [`LoadedLab`] and reports, at the offending node (thanks to the
//! [`PositionIndex`] built by the loader): malformed ids, duplicate step ids, steps without
//! checks or solution, checks with zero or several kind keys, regular expressions that do not
//! compile, commands labrunner cannot parse, resources used but not declared, relative mount
//! targets, dangerous options, and small mistakes in check fields. Errors make a lab invalid;
//! warnings do not.

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;
use std::path::Path;

use crate::command::{self, Action, ContainerSpec, MountKind, ParseError};
use crate::lab::{CHECK_KINDS, CheckKind, Command, ContainerState, LoadedLab, MountType, Probe};
use crate::load::{Diagnostic, PositionIndex, load_indexed, load_str_indexed};

/// What `$(pwd)` stands for while linting: commands are parsed as if the lab's working folder
/// were here, so that bind-mount sources can be told inside or outside it.
pub const LINT_WORKDIR: &str = "/lab";

/// Networks that always exist and are never declared.
const BUILTIN_NETWORKS: &[&str] = &["bridge", "host", "none", "default"];

/// Load a file and lint it: every diagnostic, errors and warnings, sorted by position.
pub fn check_file(path: &Path) -> Vec<Diagnostic> {
    match load_indexed(path) {
        Ok((lab, index)) => lint(&lab, &index),
        Err(diags) => diags,
    }
}

/// Like [`check_file`] for text already in memory.
pub fn check_str(path: &Path, text: &str) -> Vec<Diagnostic> {
    match load_str_indexed(path, text) {
        Ok((lab, index)) => lint(&lab, &index),
        Err(diags) => diags,
    }
}

/// Load a lab that must be valid: the lab and its warnings, or every diagnostic when any is an
/// error. For the runner, `test` and `grade`, which should not start an invalid lab.
pub fn load_valid(path: &Path) -> Result<(LoadedLab, Vec<Diagnostic>), Vec<Diagnostic>> {
    let (lab, index) = load_indexed(path)?;
    let diags = lint(&lab, &index);
    if diags.iter().any(Diagnostic::is_error) {
        Err(diags)
    } else {
        Ok((lab, diags))
    }
}

/// A kind of docker resource a lab declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceKind {
    Network,
    Volume,
    Container,
}

impl ResourceKind {
    fn key(self) -> &'static str {
        match self {
            ResourceKind::Network => "networks",
            ResourceKind::Volume => "volumes",
            ResourceKind::Container => "containers",
        }
    }
    fn noun(self) -> &'static str {
        match self {
            ResourceKind::Network => "network",
            ResourceKind::Volume => "volume",
            ResourceKind::Container => "container",
        }
    }
}

struct Linter<'a> {
    lab: &'a LoadedLab,
    index: &'a PositionIndex,
    out: Vec<Diagnostic>,
    declared: HashMap<ResourceKind, BTreeSet<&'a str>>,
}

/// Every semantic problem of a lab, sorted by position.
pub fn lint(lab: &LoadedLab, index: &PositionIndex) -> Vec<Diagnostic> {
    let res = &lab.lab.resources;
    let mut declared = HashMap::new();
    declared.insert(
        ResourceKind::Network,
        res.networks.iter().map(String::as_str).collect(),
    );
    declared.insert(
        ResourceKind::Volume,
        res.volumes.iter().map(String::as_str).collect(),
    );
    declared.insert(
        ResourceKind::Container,
        res.containers.iter().map(String::as_str).collect(),
    );
    let mut l = Linter {
        lab,
        index,
        out: Vec::new(),
        declared,
    };
    l.run();
    let mut out = l.out;
    out.sort_by_key(|d| (d.line, d.column));
    out.dedup();
    out
}

/// Lowercase letters and digits in words joined by single `-`.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// `alpine` and `library/nginx` have no tag; `alpine:3.20`, `localhost:5000/x:1` and digests do.
pub fn image_has_tag(image: &str) -> bool {
    if image.contains('@') {
        return true;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    last.contains(':')
}

/// The one-line reason of a regex error (the crate's message spans several lines).
fn regex_error(e: &regex::Error) -> String {
    let s = e.to_string();
    let last = s.lines().last().unwrap_or(&s).trim();
    last.strip_prefix("error: ").unwrap_or(last).to_string()
}

impl<'a> Linter<'a> {
    fn path(&self) -> &'a Path {
        &self.lab.path
    }

    fn error(&mut self, node: &str, message: impl Into<String>, hint: impl Into<String>) {
        let d = Diagnostic::error(self.path(), self.index.locate(node), message).with_hint(hint);
        self.out.push(d);
    }

    /// An error pointing at `needle` inside the scalar at `node` (a flag inside a command).
    fn error_within(
        &mut self,
        node: &str,
        needle: &str,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        let pos = self.index.locate_within(node, needle);
        let d = Diagnostic::error(self.path(), pos, message).with_hint(hint);
        self.out.push(d);
    }

    fn error_at_key(&mut self, node: &str, message: impl Into<String>, hint: impl Into<String>) {
        let d =
            Diagnostic::error(self.path(), self.index.locate_key(node), message).with_hint(hint);
        self.out.push(d);
    }

    fn warning(&mut self, node: &str, message: impl Into<String>, hint: impl Into<String>) {
        let d = Diagnostic::warning(self.path(), self.index.locate(node), message).with_hint(hint);
        self.out.push(d);
    }

    fn run(&mut self) {
        let lab = &self.lab.lab;
        if !is_valid_id(&lab.id) {
            self.error(
                "id",
                format!("invalid lab id `{}`", lab.id),
                "ids use lowercase letters, digits and single `-` between words, e.g. `custom-bridge-dns`",
            );
        }
        self.image_tag("image", &lab.image);
        self.files();

        for (i, c) in lab.setup.iter().enumerate() {
            self.command(&format!("setup[{i}]"), c);
        }
        for (i, c) in lab.cleanup.iter().enumerate() {
            self.command(&format!("cleanup[{i}]"), c);
        }

        if lab.steps.is_empty() {
            self.error(
                "steps",
                "the lab has no steps",
                "add at least one step with `id`, `title`, `instructions`, `solution` and `checks`",
            );
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, step) in lab.steps.iter().enumerate() {
            let sp = format!("steps[{i}]");
            if !is_valid_id(&step.id) {
                self.error(
                    &format!("{sp}.id"),
                    format!("invalid step id `{}`", step.id),
                    "ids use lowercase letters, digits and single `-` between words, e.g. `create-network`",
                );
            }
            if let Some(first) = seen.get(step.id.as_str()) {
                let first_pos = self.index.locate(&format!("steps[{first}].id"));
                self.error(
                    &format!("{sp}.id"),
                    format!("duplicate step id `{}`", step.id),
                    format!(
                        "step ids must be unique in a lab; `{}` is already used at line {}",
                        step.id, first_pos.line
                    ),
                );
            } else {
                seen.insert(&step.id, i);
            }
            if step.solution.is_empty() {
                self.error(
                    &format!("{sp}.solution"),
                    format!("step `{}` has no solution", step.id),
                    "list the docker commands that solve the step; `labrunner test` runs them",
                );
            }
            if step.checks.is_empty() {
                self.error(
                    &format!("{sp}.checks"),
                    format!("step `{}` has no checks", step.id),
                    "add at least one check, so that the step can turn green",
                );
            }
            for (k, c) in step.solution.iter().enumerate() {
                self.command(&format!("{sp}.solution[{k}]"), c);
            }
            for (j, check) in step.checks.iter().enumerate() {
                self.check(&format!("{sp}.checks[{j}]"), check);
            }
        }
    }

    fn files(&mut self) {
        for name in self.lab.lab.files.keys() {
            let bad = name.is_empty()
                || name.starts_with('/')
                || name.starts_with('~')
                || Path::new(name)
                    .components()
                    .any(|c| matches!(c, std::path::Component::ParentDir));
            if bad {
                let node = format!("files.{name}");
                self.error_at_key(
                    &node,
                    format!("file name `{name}` leaves the lab's working folder"),
                    "use a relative path inside the lab folder, without `..`, e.g. `html/index.html`",
                );
            }
        }
    }

    fn image_tag(&mut self, node: &str, image: &str) {
        if !image.is_empty() && !image_has_tag(image) {
            self.warning(
                node,
                format!("image `{image}` has no tag"),
                format!("pin a tag, e.g. `{image}:latest` or a version, so the lab does not change under students"),
            );
        }
    }

    fn regex(&mut self, node: &str, pattern: &str) {
        if let Err(e) = regex::Regex::new(pattern) {
            self.error(
                node,
                format!("invalid regular expression `{pattern}`: {}", regex_error(&e)),
                "this is a regular expression: escape special characters like `(`, `[`, `.` with `\\`",
            );
        }
    }

    fn declared(&self, kind: ResourceKind, name: &str) -> bool {
        if kind == ResourceKind::Network && BUILTIN_NETWORKS.contains(&name) {
            return true;
        }
        self.declared.get(&kind).is_some_and(|s| s.contains(name))
    }

    fn require_declared(&mut self, node: &str, kind: ResourceKind, name: &str) {
        if name.is_empty() || self.declared(kind, name) {
            return;
        }
        self.error(
            node,
            format!("{} `{name}` is not declared in `resources`", kind.noun()),
            declare_hint(kind, name),
        );
    }

    /// One setup, cleanup or solution command.
    fn command(&mut self, node: &str, cmd: &Command) {
        let (text_node, expects_failure) = match cmd {
            Command::Plain(_) => (node.to_string(), false),
            Command::Failing(f) => {
                self.regex(&format!("{node}.fails_with"), &f.fails_with);
                (format!("{node}.run"), true)
            }
        };
        let action = match command::parse(cmd.text(), Some(LINT_WORKDIR)) {
            Ok(a) => a,
            Err(e) => {
                self.error_within(
                    &text_node,
                    parse_error_token(&e),
                    format!("cannot run this command: {e}"),
                    parse_error_hint(&e),
                );
                return;
            }
        };
        if let Some(spec) = container_spec(&action) {
            self.image_tag(&text_node, &spec.image);
        }
        for (danger, token) in dangers(&action) {
            self.error_within(
                &text_node,
                &token,
                format!("dangerous option: {danger}"),
                "labs must not give containers power over the host; remove the option",
            );
        }
        if expects_failure {
            // A command that is meant to fail may name things that do not exist, and may use
            // a relative mount target on purpose.
            return;
        }
        if let Some(spec) = container_spec(&action) {
            for m in &spec.mounts {
                if m.kind != MountKind::Tmpfs && !m.target.starts_with('/') {
                    self.error_within(
                        &text_node,
                        &m.target,
                        format!("mount target `{}` is not an absolute path", m.target),
                        format!(
                            "the daemon refuses relative targets: write `/{}`, or, if the failure is \
                             the point of the step, write `{{run: ..., fails_with: ...}}`",
                            m.target.trim_start_matches("./")
                        ),
                    );
                }
            }
        }
        for (kind, name) in resources(&action) {
            if !self.declared(kind, &name) {
                self.error_within(
                    &text_node,
                    &name,
                    format!("{} `{name}` is not declared in `resources`", kind.noun()),
                    declare_hint(kind, &name),
                );
            }
        }
    }

    fn check(&mut self, node: &str, check: &crate::lab::Check) {
        let kinds = check.kinds();
        let written: Vec<String> = self
            .index
            .keys_of(node)
            .iter()
            .filter(|k| CHECK_KINDS.contains(&k.as_str()))
            .cloned()
            .collect();
        if kinds.is_empty() {
            self.error(
                node,
                "check has no kind key",
                format!("a check has exactly one of: {}", CHECK_KINDS.join(", ")),
            );
            return;
        }
        if kinds.len() > 1 {
            let names: Vec<String> = written.iter().map(|k| format!("`{k}`")).collect();
            let second = written
                .get(1)
                .map(|k| crate::load::child_path(node, k))
                .unwrap_or_else(|| node.to_string());
            self.error_at_key(
                &second,
                format!(
                    "check has {} kind keys ({}); a check has exactly one",
                    kinds.len(),
                    names.join(", ")
                ),
                "split it into one check per kind, each its own `- ` item",
            );
            return;
        }
        let kind = kinds[0];
        let key = written.first().cloned().unwrap_or_default();
        let k = crate::load::child_path(node, &key);
        let f = |field: &str| format!("{k}.{field}");
        use ResourceKind::{Container as C, Network as N, Volume as V};
        match kind {
            CheckKind::Network(n) => self.require_declared(&f("name"), N, &n.name),
            CheckKind::Volume(v) => self.require_declared(&f("name"), V, &v.name),
            CheckKind::Container(c) => {
                self.require_declared(&f("name"), C, &c.name);
                if c.exit_code.is_some() && c.state != ContainerState::Exited {
                    self.error(
                        &f("exit_code"),
                        "`exit_code` only applies to `state: exited`",
                        "set `state: exited`, or remove `exit_code`",
                    );
                }
            }
            CheckKind::Attached(a) => {
                self.require_declared(&f("container"), C, &a.container);
                self.require_declared(&f("network"), N, &a.network);
            }
            CheckKind::File(file) => {
                self.require_declared(&f("volume"), V, &file.volume);
                if let Some(p) = &file.contains {
                    self.regex(&f("contains"), p);
                }
            }
            CheckKind::Resolves(r) => self.require_declared(&f("from"), C, &r.from),
            CheckKind::Reachable(r) => {
                self.require_declared(&f("from"), C, &r.from);
                if r.via == Probe::Tcp && r.port.is_none() {
                    self.error(
                        &k,
                        "`reachable` with `via: tcp` needs a `port`",
                        "add `port: <number>`, the TCP port to connect to",
                    );
                }
            }
            CheckKind::Published(p) => {
                self.require_declared(&f("container"), C, &p.container);
                if let Some(ip) = &p.host_ip
                    && ip.parse::<IpAddr>().is_err()
                {
                    self.error(
                        &f("host_ip"),
                        format!("`host_ip` must be an IP address, found `{ip}`"),
                        "write an address such as `127.0.0.1` or `0.0.0.0`",
                    );
                }
                if !matches!(p.protocol.as_str(), "tcp" | "udp" | "sctp") {
                    self.error(
                        &f("protocol"),
                        format!("unknown protocol `{}`", p.protocol),
                        "one of: tcp, udp, sctp",
                    );
                }
            }
            CheckKind::Mount(m) => {
                self.require_declared(&f("container"), C, &m.container);
                if m.kind == MountType::Volume
                    && let Some(src) = &m.source
                {
                    self.require_declared(&f("source"), V, src);
                }
                if !m.target.starts_with('/') {
                    self.error(
                        &f("target"),
                        format!("mount target `{}` is not an absolute path", m.target),
                        "a container mount target starts with `/`",
                    );
                }
            }
            CheckKind::LoopbackOnly(c) => self.require_declared(&f("container"), C, &c.container),
            CheckKind::Exec(e) => {
                self.require_declared(&f("container"), C, &e.container);
                if let Some(p) = &e.output {
                    self.regex(&f("output"), p);
                }
                if let Err(err) = shell_words::split(&e.command) {
                    self.error(
                        &f("command"),
                        format!("cannot split the command: {err}"),
                        "check the quotes",
                    );
                }
            }
            CheckKind::CommandFails(c) => {
                self.regex(&f("error"), &c.error);
                if let Err(e) = command::parse(&c.command, Some(LINT_WORKDIR)) {
                    self.error_within(
                        &f("command"),
                        parse_error_token(&e),
                        format!("cannot run this command: {e}"),
                        parse_error_hint(&e),
                    );
                }
            }
            CheckKind::Image(i) => self.image_tag(&f("name"), &i.name),
            CheckKind::Ran(r) => {
                self.require_declared(&f("container"), C, &r.container);
                self.regex(&f("command"), &r.command);
            }
        }
    }
}

fn declare_hint(kind: ResourceKind, name: &str) -> String {
    format!(
        "add `{name}` to `resources.{}`, so that conflicts are detected and cleanup removes it",
        kind.key()
    )
}

/// The part of the command line a parse error is about, to point at it.
fn parse_error_token(e: &ParseError) -> &str {
    match e {
        ParseError::NotDocker(word) => word,
        ParseError::Shell(token) => token,
        ParseError::UnsupportedFlag { flag, .. } | ParseError::MissingValue { flag } => flag,
        ParseError::InvalidValue { value, .. } => value,
        ParseError::UnsupportedCommand(cmd) => cmd.split_whitespace().next().unwrap_or(""),
        ParseError::NoWorkdir { syntax } => syntax,
        ParseError::UnexpectedArgument { arg, .. } => arg,
        ParseError::Empty | ParseError::Quoting(_) | ParseError::MissingArgument { .. } => "",
    }
}

fn parse_error_hint(e: &ParseError) -> &'static str {
    match e {
        ParseError::NotDocker(_) => {
            "labrunner runs docker commands only; write the step as `docker ...` commands"
        }
        ParseError::Shell(_) => {
            "write one docker command per list item, without pipes, `&&` or `;`"
        }
        ParseError::UnsupportedFlag { .. } | ParseError::UnsupportedCommand(_) => {
            "labrunner supports a subset of the docker CLI; `labrunner explain '<command>'` shows what it understands"
        }
        ParseError::Quoting(_) => "check the quotes: every opening quote needs its closing quote",
        _ => "fix the command; `labrunner explain '<command>'` shows how labrunner reads it",
    }
}

fn container_spec(action: &Action) -> Option<&ContainerSpec> {
    match action {
        Action::Run(spec) | Action::Create(spec) => Some(spec),
        _ => None,
    }
}

/// The named resources a command creates or uses.
fn resources(action: &Action) -> Vec<(ResourceKind, String)> {
    use ResourceKind::{Container as C, Network as N, Volume as V};
    let many = |kind: ResourceKind, names: &[String]| -> Vec<(ResourceKind, String)> {
        names.iter().map(|n| (kind, n.clone())).collect()
    };
    match action {
        Action::NetworkCreate(n) => vec![(N, n.name.clone())],
        Action::NetworkRm { names, .. } | Action::NetworkInspect { names, .. } => many(N, names),
        Action::NetworkConnect {
            network, container, ..
        }
        | Action::NetworkDisconnect {
            network, container, ..
        } => vec![(N, network.clone()), (C, container.clone())],
        Action::VolumeCreate { name, .. } => name.iter().map(|n| (V, n.clone())).collect(),
        Action::VolumeRm { names, .. } | Action::VolumeInspect { names, .. } => many(V, names),
        Action::Run(spec) | Action::Create(spec) => {
            let mut out = Vec::new();
            if let Some(name) = &spec.name {
                out.push((C, name.clone()));
            }
            if let Some(net) = &spec.network {
                match net.strip_prefix("container:") {
                    Some(c) => out.push((C, c.to_string())),
                    None => out.push((N, net.clone())),
                }
            }
            for m in &spec.mounts {
                if m.kind == MountKind::Volume
                    && let Some(src) = &m.source
                {
                    out.push((V, src.clone()));
                }
            }
            out
        }
        Action::Exec(e) => vec![(C, e.container.clone())],
        Action::Rm { names, .. } | Action::Stop { names, .. } | Action::Start { names } => {
            many(C, names)
        }
        Action::Port { container, .. } | Action::Logs { container, .. } => {
            vec![(C, container.clone())]
        }
        Action::NetworkLs
        | Action::NetworkPrune { .. }
        | Action::VolumeLs
        | Action::VolumePrune { .. }
        | Action::Inspect { .. } => Vec::new(),
    }
}

/// Options that give a container power over the host, in words, each with the part of the
/// command line that says it.
fn dangers(action: &Action) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let spec = match action {
        Action::Run(spec) | Action::Create(spec) => spec,
        Action::NetworkPrune { .. } => {
            out.push((
                "`docker network prune` removes networks the lab does not own".to_string(),
                "prune".to_string(),
            ));
            return out;
        }
        Action::VolumePrune { .. } => {
            out.push((
                "`docker volume prune` deletes every unused volume, with other people's data"
                    .to_string(),
                "prune".to_string(),
            ));
            return out;
        }
        _ => return out,
    };
    if spec.privileged {
        out.push((
            "`--privileged` gives the container full access to the host".into(),
            "--privileged".into(),
        ));
    }
    for cap in &spec.cap_add {
        out.push((
            format!("`--cap-add {cap}` adds a kernel capability"),
            cap.clone(),
        ));
    }
    for (flag, value) in [
        ("--pid", &spec.pid),
        ("--ipc", &spec.ipc),
        ("--uts", &spec.uts),
    ] {
        if value.as_deref() == Some("host") {
            out.push((
                format!("`{flag}=host` shares the host's namespace"),
                flag.into(),
            ));
        }
    }
    for m in &spec.mounts {
        if m.kind != MountKind::Bind {
            continue;
        }
        let Some(src) = m.source.as_deref() else {
            continue;
        };
        if src.contains("docker.sock") {
            out.push((
                format!("bind-mounting `{src}` hands the container control of the Docker daemon"),
                src.to_string(),
            ));
        } else if !inside_workdir(src) {
            out.push((
                format!(
                    "bind mount of `{src}`, outside the lab's folder (use a source under `$(pwd)`)"
                ),
                src.to_string(),
            ));
        }
    }
    out
}

/// A bind source inside the lab's working folder (`$(pwd)` was replaced by [`LINT_WORKDIR`]).
fn inside_workdir(src: &str) -> bool {
    if src.starts_with("./") || src == "." {
        return !Path::new(src)
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir));
    }
    let p = Path::new(src);
    p.starts_with(LINT_WORKDIR)
        && !p
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::{Mount, MountSyntax};

    #[test]
    fn ids() {
        for ok in ["a", "custom-bridge", "lab-04-dns", "x1"] {
            assert!(is_valid_id(ok), "{ok}");
        }
        for bad in ["", "Custom", "a_b", "-a", "a-", "a--b", "a b", "é"] {
            assert!(!is_valid_id(bad), "{bad}");
        }
    }

    #[test]
    fn image_tags() {
        assert!(image_has_tag("alpine:latest"));
        assert!(image_has_tag("localhost:5000/x:1"));
        assert!(image_has_tag("alpine@sha256:abc"));
        assert!(!image_has_tag("alpine"));
        assert!(!image_has_tag("localhost:5000/x"));
    }

    fn bind(source: &str, target: &str) -> Mount {
        Mount {
            kind: MountKind::Bind,
            syntax: MountSyntax::VolumeFlag,
            source: Some(source.into()),
            target: target.into(),
            read_only: false,
            options: vec![],
        }
    }

    fn run(spec: ContainerSpec) -> Action {
        Action::Run(Box::new(spec))
    }

    #[test]
    fn dangerous_options() {
        let privileged = run(ContainerSpec {
            image: "alpine:latest".into(),
            privileged: true,
            ..Default::default()
        });
        assert!(dangers(&privileged)[0].0.contains("--privileged"));
        let sock = run(ContainerSpec {
            image: "alpine:latest".into(),
            mounts: vec![bind("/var/run/docker.sock", "/var/run/docker.sock")],
            ..Default::default()
        });
        assert!(dangers(&sock)[0].0.contains("docker.sock"));
        let etc = run(ContainerSpec {
            image: "alpine:latest".into(),
            mounts: vec![bind("/etc", "/host-etc")],
            ..Default::default()
        });
        assert!(dangers(&etc)[0].0.contains("outside the lab's folder"));
        let escape = run(ContainerSpec {
            image: "alpine:latest".into(),
            mounts: vec![bind("/lab/../etc", "/x")],
            ..Default::default()
        });
        assert_eq!(dangers(&escape).len(), 1);
        let fine = run(ContainerSpec {
            image: "alpine:latest".into(),
            mounts: vec![
                bind("/lab/html", "/usr/share/nginx/html"),
                bind("./x", "/x"),
            ],
            ..Default::default()
        });
        assert!(dangers(&fine).is_empty());
    }

    #[test]
    fn resources_of_run() {
        let a = run(ContainerSpec {
            name: Some("web".into()),
            image: "nginx:latest".into(),
            network: Some("app-net".into()),
            mounts: vec![Mount {
                kind: MountKind::Volume,
                syntax: MountSyntax::MountFlag,
                source: Some("data".into()),
                target: "/data".into(),
                read_only: false,
                options: vec![],
            }],
            ..Default::default()
        });
        assert_eq!(
            resources(&a),
            vec![
                (ResourceKind::Container, "web".to_string()),
                (ResourceKind::Network, "app-net".to_string()),
                (ResourceKind::Volume, "data".to_string()),
            ]
        );
    }

    #[test]
    fn regex_errors_are_one_line() {
        let pattern = String::from("(abc");
        let e = regex::Regex::new(&pattern).unwrap_err();
        assert_eq!(regex_error(&e), "unclosed group");
    }
}
