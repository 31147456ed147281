//! Semantic lint of a loaded lab: what serde cannot see.
//!
//! [`lint`] walks a [`LoadedLab`] and reports, at the offending node (thanks to the
//! [`PositionIndex`] built by the loader): malformed ids, duplicate step ids, steps without
//! checks or solution, checks with zero or several kind keys, regular expressions that do not
//! compile, commands labrunner cannot parse, resources used but not declared, relative mount
//! targets, dangerous options, and small mistakes in check fields. Errors make a lab invalid;
//! warnings do not.

use crate::lab::VariantKind;
use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;
use std::path::Path;

use crate::command::{self, Action, ContainerSpec, MountKind, ParseError, ResourceKind};
use crate::lab::{
    CHECK_KINDS, CheckKind, Command, CommandFailsCheck, ContainerCheck, ContainerRanCheck,
    ContainerState, ExecCheck, HostFileCheck, LoadedLab, MountCheck, MountType, NetworkCheck,
    Probe, PublishedCheck, ReachableCheck,
};
use crate::load::{Diagnostic, PositionIndex, load_indexed, load_str_indexed};

/// What `$(pwd)` stands for while linting: commands are parsed as if the lab's working folder
/// were here, so that bind-mount sources can be told inside or outside it.
pub const LINT_WORKDIR: &str = "/lab";

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

fn resource_key(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Network => "networks",
        ResourceKind::Volume => "volumes",
        ResourceKind::Container => "containers",
    }
}

struct Linter<'a> {
    lab: &'a LoadedLab,
    index: &'a PositionIndex,
    out: Vec<Diagnostic>,
    declared: HashMap<ResourceKind, BTreeSet<&'a str>>,
    /// Every resource a command or check names, to find declarations nothing uses.
    used: BTreeSet<(ResourceKind, String)>,
    /// A command could not be parsed, so what it uses is unknown.
    unparsed: bool,
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
        used: BTreeSet::new(),
        unparsed: false,
    };
    l.run();
    let mut out = l.out;
    out.sort_by_key(|d| (d.line, d.column));
    out.dedup();
    out
}

/// Lowercase letters and digits in words joined by single `-`.
/// The id rule as a regular expression, for the JSON Schema; `is_valid_id` is the same rule.
pub const ID_PATTERN: &str = "^[a-z0-9]+(-[a-z0-9]+)*$";

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

    /// Where a flag named by the parser (`-v /etc:/x`, `--cap-add SYS_ADMIN`) is written in
    /// the command at `node`: the whole flag, else its value, else the command's start.
    fn locate_flag(&self, node: &str, flag: &str) -> crate::load::Pos {
        let start = self.index.locate(node);
        let mut needles = vec![flag.to_string()];
        if let Some((name, value)) = flag.split_once([' ', '=']) {
            // As written with the other separator, then the value alone, then the name.
            needles.push(format!("{name} {value}"));
            needles.push(format!("{name}={value}"));
            needles.push(value.to_string());
            if let Some((source, _)) = value.split_once(':') {
                needles.push(source.to_string());
            }
            needles.push(name.to_string());
        }
        needles
            .iter()
            .map(|n| self.index.locate_within(node, n))
            .find(|p| *p != start)
            .unwrap_or(start)
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
        self.duplicate_declarations();

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
            self.variants(&sp, step);
        }
        self.unused_declarations();
    }

    /// A step's alternatives and mistakes: commands that parse (a mistake's may name what is
    /// not declared), and a valid `told` pattern.
    fn variants(&mut self, sp: &str, step: &crate::lab::Step) {
        for (a, alt) in step.alternatives.iter().enumerate() {
            let node = format!("{sp}.alternatives[{a}]");
            if alt.commands.is_empty() {
                self.error(
                    &format!("{node}.commands"),
                    "an alternative without commands",
                    "list the docker commands of this other way to do the step",
                );
            }
            for (k, c) in alt.commands.iter().enumerate() {
                let node = format!("{node}.commands[{k}]");
                self.command_of(&node, c, Some(VariantKind::Alternative));
            }
        }
        for (m, mistake) in step.mistakes.iter().enumerate() {
            let node = format!("{sp}.mistakes[{m}]");
            if mistake.commands.is_empty() {
                self.error(
                    &format!("{node}.commands"),
                    "a mistake without commands",
                    "list the docker commands a student might type by mistake",
                );
            }
            for (k, c) in mistake.commands.iter().enumerate() {
                let node = format!("{node}.commands[{k}]");
                self.command_of(&node, c, Some(VariantKind::Mistake));
            }
            self.regex(&format!("{node}.told"), &mistake.told);
        }
    }

    /// The lab's declared resources, kind by kind.
    fn declarations(&self) -> [(ResourceKind, &'a Vec<String>); 3] {
        let res = &self.lab.lab.resources;
        [
            (ResourceKind::Network, &res.networks),
            (ResourceKind::Volume, &res.volumes),
            (ResourceKind::Container, &res.containers),
        ]
    }

    /// Declared resources that no command creates or uses and no check looks at: usually a
    /// typo in `resources`, or a leftover.
    fn unused_declarations(&mut self) {
        if self.unparsed {
            return;
        }
        for (kind, names) in self.declarations() {
            for (i, name) in names.iter().enumerate() {
                if !self.used.contains(&(kind, name.clone())) {
                    self.warning(
                        &format!("resources.{}[{i}]", resource_key(kind)),
                        format!("{kind} `{name}` is declared but no command or check uses it"),
                        "check the spelling against the commands, or remove the declaration",
                    );
                }
            }
        }
    }

    /// A name declared twice under one kind: cleanup and conflict detection know a resource by
    /// kind and name, so the second is at best a typo for another.
    fn duplicate_declarations(&mut self) {
        for (kind, names) in self.declarations() {
            let mut seen: HashMap<&str, usize> = HashMap::new();
            for (i, name) in names.iter().enumerate() {
                let key = resource_key(kind);
                match seen.get(name.as_str()) {
                    Some(first) => {
                        let first_pos = self.index.locate(&format!("resources.{key}[{first}]"));
                        self.error(
                            &format!("resources.{key}[{i}]"),
                            format!("{kind} `{name}` is declared twice"),
                            format!(
                                "each resource is declared once; `{name}` is already declared at line {}",
                                first_pos.line
                            ),
                        );
                    }
                    None => {
                        seen.insert(name, i);
                    }
                }
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
        if kind == ResourceKind::Network && crate::command::is_builtin_network(name) {
            return true;
        }
        self.declared.get(&kind).is_some_and(|s| s.contains(name))
    }

    fn require_declared(&mut self, node: &str, kind: ResourceKind, name: &str) {
        self.used.insert((kind, name.to_string()));
        if name.is_empty() || self.declared(kind, name) {
            return;
        }
        self.error(
            node,
            format!("{} `{name}` is not declared in `resources`", kind),
            declare_hint(kind, name),
        );
    }

    /// One setup, cleanup, solution or alternative command.
    fn command(&mut self, node: &str, cmd: &Command) {
        self.command_of(node, cmd, None);
    }

    /// One command. An alternative's or a mistake's command is written as a student types it,
    /// so an image without a tag is fine there; a mistake's may also, like one expected to
    /// fail, name what is not declared and use a relative mount target: that is the mistake.
    fn command_of(&mut self, node: &str, cmd: &Command, variant: Option<VariantKind>) {
        let near_miss = variant == Some(VariantKind::Mistake);
        let (text_node, expects_failure) = match cmd {
            Command::Plain(_) => (node.to_string(), near_miss),
            Command::Failing(f) => {
                self.regex(&format!("{node}.fails_with"), &f.fails_with);
                (format!("{node}.run"), true)
            }
        };
        let action = match command::parse(cmd.text(), Some(LINT_WORKDIR)) {
            Ok(a) => a,
            Err(e) => {
                self.unparsed = true;
                self.error_within(
                    &text_node,
                    parse_error_token(&e),
                    format!("cannot run this command: {e}"),
                    parse_error_hint(&e),
                );
                return;
            }
        };
        if let Some(spec) = container_spec(&action)
            && variant.is_none()
        {
            self.image_tag(&text_node, &spec.image);
        }
        for danger in action.dangers(Some(Path::new(LINT_WORKDIR))) {
            // Host networking is a topic of the networking lessons (`--network host`): a lab
            // may teach it. Graders refuse it in submitted commands; the lint does not.
            if danger.flag.starts_with("--network") {
                continue;
            }
            // The lint parses with a stand-in working folder; name it as authors write it.
            let reason = danger.reason.replace(
                &format!("the sandbox folder {LINT_WORKDIR}"),
                "the lab's working folder `$(pwd)`",
            );
            let message = format!("dangerous option `{}`: {reason}", danger.flag);
            let pos = self.locate_flag(&text_node, &danger.flag);
            self.out
                .push(Diagnostic::error(self.path(), pos, message).with_hint(
                    "labs must not give containers power over the host: remove the option, \
                     and keep bind-mount sources under `$(pwd)`",
                ));
        }
        if let Some(spec) = container_spec(&action)
            && !expects_failure
        {
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
        let resources = action.resources();
        self.used.extend(resources.iter().cloned());
        if expects_failure {
            // A command that is meant to fail may name things that do not exist, and may use
            // a relative mount target on purpose.
            return;
        }
        for (kind, name) in resources {
            if !self.declared(kind, &name) {
                self.error_within(
                    &text_node,
                    &name,
                    format!("{} `{name}` is not declared in `resources`", kind),
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
        self.check_fields(&crate::load::child_path(node, &key), kind);
    }

    /// The fields of a check of one kind, at `k` (the kind's key): what they name is declared,
    /// patterns compile, and values make sense together.
    fn check_fields(&mut self, k: &str, kind: CheckKind<'_>) {
        use ResourceKind::{Container as C, Network as N, Volume as V};
        let f = |field: &str| format!("{k}.{field}");
        match kind {
            CheckKind::Network(n) => self.network_check(k, n),
            CheckKind::Volume(v) => self.require_declared(&f("name"), V, &v.name),
            CheckKind::Container(c) => self.container_check(k, c),
            CheckKind::Attached(a) => {
                self.require_declared(&f("container"), C, &a.container);
                self.require_declared(&f("network"), N, &a.network);
            }
            CheckKind::File(file) => {
                self.require_declared(&f("volume"), V, &file.volume);
                if crate::check::climbs(&file.path) {
                    self.error(
                        &f("path"),
                        format!("`{}` leaves the volume (it uses `..`)", file.path),
                        "write the path from the volume's root without `..`, e.g. `logs/app.log`",
                    );
                }
                if let Some(p) = &file.contains {
                    self.regex(&f("contains"), p);
                }
            }
            CheckKind::Resolves(r) => self.require_declared(&f("from"), C, &r.from),
            CheckKind::Reachable(r) => self.reachable_check(k, r),
            CheckKind::Published(p) => self.published_check(k, p),
            CheckKind::Mount(m) => self.mount_check(k, m),
            CheckKind::LoopbackOnly(c) => self.require_declared(&f("container"), C, &c.container),
            CheckKind::Exec(e) => self.exec_check(k, e),
            CheckKind::CommandFails(c) => self.command_fails_check(k, c),
            CheckKind::Image(i) => self.image_tag(&f("name"), &i.name),
            CheckKind::Ran(r) => {
                self.require_declared(&f("container"), C, &r.container);
                self.regex(&f("command"), &r.command);
                if let Some(p) = &r.output {
                    self.regex(&f("output"), p);
                }
            }
            CheckKind::ContainerRan(r) => self.container_ran_check(k, r),
            CheckKind::HostFile(h) => self.host_file_check(k, h),
            CheckKind::Output(o) => {
                self.require_declared(&f("container"), C, &o.container);
                self.regex(&f("matches"), &o.matches);
            }
            CheckKind::User(u) => self.require_declared(&f("container"), C, &u.container),
        }
    }

    /// A `container` check: declared, and `exit_code` only with `state: exited`.
    fn container_check(&mut self, k: &str, c: &ContainerCheck) {
        use ResourceKind::Container as C;
        let f = |field: &str| format!("{k}.{field}");
        self.require_declared(&f("name"), C, &c.name);
        if c.exit_code.is_some() && c.state != ContainerState::Exited {
            self.error(
                &f("exit_code"),
                "`exit_code` only applies to `state: exited`",
                "set `state: exited`, or remove `exit_code`",
            );
        }
        if let Some(p) = &c.restart_policy {
            let (name, count) = match p.split_once(':') {
                Some((n, c)) => (n, Some(c)),
                None => (p.as_str(), None),
            };
            let known = matches!(name, "no" | "always" | "unless-stopped" | "on-failure");
            let count_ok = count.is_none_or(|c| name == "on-failure" && c.parse::<u32>().is_ok());
            if !known || !count_ok {
                self.error(
                    &f("restart_policy"),
                    format!("`{p}` is not a restart policy"),
                    "write it as `--restart` takes it: `no`, `always`, `unless-stopped`, `on-failure` or `on-failure:3`",
                );
            }
        }
        if c.restarts.is_some_and(|n| n < 0) {
            self.error(
                &f("restarts"),
                "`restarts` counts restarts: it cannot be negative",
                "write how many restarts the daemon must at least have made, e.g. `2`",
            );
        }
        let live = !matches!(c.state, ContainerState::Absent);
        if !live
            && (c.read_only_root.is_some()
                || c.restart_policy.is_some()
                || c.restarts.is_some()
                || c.restarted.is_some())
        {
            self.error(
                k,
                "a container that must be gone has no settings to check",
                "remove `read_only_root`, `restart_policy`, `restarts` and `restarted`, or check another state",
            );
        }
    }

    /// A `reachable` check: its containers declared, and a port when probing by TCP.
    fn reachable_check(&mut self, k: &str, r: &ReachableCheck) {
        use ResourceKind::Container as C;
        let f = |field: &str| format!("{k}.{field}");
        self.require_declared(&f("from"), C, &r.from);
        if r.by_ip {
            // `to` names the container whose address is looked up.
            self.require_declared(&f("to"), C, &r.to);
        }
        if r.via == Probe::Tcp && r.port.is_none() {
            self.error(
                k,
                "`reachable` with `via: tcp` needs a `port`",
                "add `port: <number>`, the TCP port to connect to",
            );
        }
    }

    /// A `published` check: its container declared, a real IP address and protocol.
    fn published_check(&mut self, k: &str, p: &PublishedCheck) {
        use ResourceKind::Container as C;
        let f = |field: &str| format!("{k}.{field}");
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

    /// A `mount` check: its container and volume declared, an absolute target.
    fn mount_check(&mut self, k: &str, m: &MountCheck) {
        use ResourceKind::{Container as C, Volume as V};
        let f = |field: &str| format!("{k}.{field}");
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
        if m.kind != MountType::Tmpfs {
            for (field, set) in [
                ("size", m.size.is_some()),
                ("mode", m.mode.is_some()),
                ("options", !m.options.is_empty()),
            ] {
                if set {
                    self.error(
                        &f(field),
                        format!("`{field}` only applies to `type: tmpfs`"),
                        format!("set `type: tmpfs`, or remove `{field}`"),
                    );
                }
            }
        }
        if let Some(size) = &m.size
            && crate::engine::parse_size(size).is_none()
        {
            self.error(
                &f("size"),
                format!("`{size}` is not a size"),
                "write a size as the docker CLI does: `16m`, `16384k` or bytes (`16777216`)",
            );
        }
        if let Some(mode) = &m.mode
            && u32::from_str_radix(mode, 8).is_err()
        {
            self.error(
                &f("mode"),
                format!("`{mode}` is not an octal mode"),
                "write the permission bits in octal, e.g. `1770`",
            );
        }
    }

    /// A `network` check: declared, and addresses that are addresses.
    fn network_check(&mut self, k: &str, n: &NetworkCheck) {
        let f = |field: &str| format!("{k}.{field}");
        self.require_declared(&f("name"), ResourceKind::Network, &n.name);
        for (field, value, cidr) in [
            ("subnet", &n.subnet, true),
            ("ip_range", &n.ip_range, true),
            ("gateway", &n.gateway, false),
        ] {
            let Some(v) = value else { continue };
            let ok = if cidr {
                v.split_once('/').is_some_and(|(ip, len)| {
                    ip.parse::<IpAddr>().is_ok() && len.parse::<u8>().is_ok_and(|l| l <= 128)
                })
            } else {
                v.parse::<IpAddr>().is_ok()
            };
            if !ok {
                let example = if cidr {
                    "`10.214.7.128/25`"
                } else {
                    "`10.214.0.254`"
                };
                self.error(
                    &f(field),
                    format!(
                        "`{v}` is not {}",
                        if cidr {
                            "an address range"
                        } else {
                            "an IP address"
                        }
                    ),
                    format!("write it as the docker CLI takes it, e.g. {example}"),
                );
            }
        }
    }

    /// An `exec` check: its container declared, its pattern valid, its command splittable.
    fn exec_check(&mut self, k: &str, e: &ExecCheck) {
        use ResourceKind::Container as C;
        let f = |field: &str| format!("{k}.{field}");
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

    /// A `command_fails` check: its pattern valid, and a command that only looks.
    fn command_fails_check(&mut self, k: &str, c: &CommandFailsCheck) {
        let f = |field: &str| format!("{k}.{field}");
        self.regex(&f("error"), &c.error);
        match command::parse(&c.command, Some(LINT_WORKDIR)) {
            Err(e) => self.error_within(
                &f("command"),
                parse_error_token(&e),
                format!("cannot run this command: {e}"),
                parse_error_hint(&e),
            ),
            Ok(action) if !action.is_read_only() => self.error(
                &f("command"),
                format!(
                    "`{}` would change the daemon's state if it succeeded; the check runs it, so its side effect would be blamed on the student",
                    c.command
                ),
                "use a command that only looks (`docker network inspect`, `docker volume inspect`, `docker inspect`, `docker port`, `docker logs`), or check the state itself (`volume`, `container`)",
            ),
            Ok(_) => {}
        }
    }

    /// A `container_ran` check: what it names declared, an absolute mount target, valid patterns.
    fn container_ran_check(&mut self, k: &str, r: &ContainerRanCheck) {
        use ResourceKind::{Container as C, Volume as V};
        let f = |field: &str| format!("{k}.{field}");
        if let Some(name) = &r.name {
            self.require_declared(&f("name"), C, name);
        }
        if let Some(image) = &r.image {
            self.image_tag(&f("image"), image);
        }
        if let Some(m) = &r.mount {
            if let Some(src) = &m.source
                && !src.starts_with('/')
                && !src.starts_with('$')
            {
                self.require_declared(&format!("{k}.mount.source"), V, src);
            }
            if let Some(target) = &m.target
                && !target.starts_with('/')
            {
                self.error(
                    &format!("{k}.mount.target"),
                    format!("mount target `{target}` is not an absolute path"),
                    "a container mount target starts with `/`",
                );
            }
        }
        for (field, pattern) in [("command", &r.command), ("output", &r.output)] {
            if let Some(p) = pattern {
                self.regex(&f(field), p);
            }
        }
    }

    /// A `host_file` check: a relative path inside the lab folder, a valid pattern.
    fn host_file_check(&mut self, k: &str, h: &HostFileCheck) {
        let f = |field: &str| format!("{k}.{field}");
        let rel = Path::new(&h.path);
        if rel.is_absolute()
            || rel
                .components()
                .any(|c| matches!(c, std::path::Component::ParentDir))
        {
            self.error(
                &f("path"),
                format!("`{}` is not a path inside the lab folder", h.path),
                "write a relative path without `..`, e.g. `app-data.tar.gz`",
            );
        }
        if let Some(p) = &h.contains {
            self.regex(&f("contains"), p);
        }
    }
}

fn declare_hint(kind: ResourceKind, name: &str) -> String {
    format!(
        "add `{name}` to `resources.{}`, so that conflicts are detected and cleanup removes it",
        resource_key(kind)
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
        ParseError::UnexpectedArgument { arg, .. } => arg,
        ParseError::NoWorkdir { syntax } => syntax,
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

#[cfg(test)]
mod tests {
    use super::*;

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

    const LAB: &str = "format: 1
id: lint-example
title: Lint example
lesson: MOD-DOCKER-04
difficulty: beginner
minutes: 5
resources:
  networks: [app-net]
  volumes: [leftover]
steps:
  - id: create
    title: Create
    instructions: Create it.
    solution:
      - docker network create app-net
    checks:
      - network: {name: app-net}
";

    fn diagnostics(text: &str) -> Vec<String> {
        check_str(Path::new("x.yaml"), text)
            .iter()
            .map(|d| format!("{}:{} {}: {}", d.line, d.column, d.severity, d.message))
            .collect()
    }

    #[test]
    fn unused_declaration_is_a_warning() {
        assert_eq!(
            diagnostics(LAB),
            ["9:13 warning: volume `leftover` is declared but no command or check uses it"]
        );
    }

    #[test]
    fn duplicate_declarations_and_climbing_paths_are_errors() {
        let lab = LAB
            .replace(
                "  volumes: [leftover]\n",
                "  volumes: [data, data]\n  containers: [web, db, web]\n",
            )
            .replace(
                "      - network: {name: app-net}\n",
                "      - network: {name: app-net}\n      - file: {volume: data, path: ../../etc/passwd}\n      - host_file: {path: a/../../b}\n",
            );
        let found = diagnostics(&lab);
        for expected in [
            "9:19 error: volume `data` is declared twice",
            "10:25 error: container `web` is declared twice",
            "19:36 error: `../../etc/passwd` leaves the volume (it uses `..`)",
            "20:27 error: `a/../../b` is not a path inside the lab folder",
        ] {
            assert!(
                found.iter().any(|d| d.contains(expected)),
                "{expected}: {found:#?}"
            );
        }
    }

    #[test]
    fn settings_a_check_cannot_see_or_misspelled_are_errors() {
        let lab = LAB.replace("  volumes: [leftover]\n", "  containers: [web]\n").replace(
            "      - network: {name: app-net}\n",
            "      - network: {name: app-net, ip_range: 10.1.0.0, gateway: 10.1.0.1/24}\n      - mount: {container: web, type: bind, target: /x, size: 16m}\n      - mount: {container: web, type: tmpfs, target: /x, size: lots, mode: \"9\"}\n      - container: {name: web, state: running, restart_policy: \"always:3\"}\n      - container: {name: web, state: absent, restarted: true}\n      - ran: {container: web, command: x, output: \"(\"}\n",
        );
        let found = diagnostics(&lab);
        for expected in [
            "`10.1.0.0` is not an address range",
            "`10.1.0.1/24` is not an IP address",
            "`size` only applies to `type: tmpfs`",
            "`lots` is not a size",
            "`9` is not an octal mode",
            "`always:3` is not a restart policy",
            "a container that must be gone has no settings to check",
        ] {
            assert!(
                found.iter().any(|d| d.contains(expected)),
                "{expected}: {found:#?}"
            );
        }
        assert!(
            found.iter().any(|d| d.contains("ran.output")
                || d.contains("regular expression")
                || d.contains("regex")),
            "{found:#?}"
        );
    }

    #[test]
    fn clean_lab_has_no_diagnostics() {
        let lab = LAB.replace("  volumes: [leftover]\n", "");
        assert_eq!(diagnostics(&lab), Vec::<String>::new());
    }

    #[test]
    fn host_networking_is_allowed_but_privileged_is_not() {
        let lab = LAB.replace("  volumes: [leftover]\n", "  containers: [web]\n");
        let host = lab.replace(
            "      - docker network create app-net\n",
            "      - docker network create app-net\n      - docker run -d --name web --network host nginx:latest\n",
        );
        assert_eq!(diagnostics(&host), Vec::<String>::new());
        let privileged = host.replace("--network host", "--cap-add=NET_ADMIN");
        let d = diagnostics(&privileged);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(
            d[0].starts_with("16:34 error: dangerous option `--cap-add NET_ADMIN`"),
            "{d:?}"
        );
    }

    #[test]
    fn failing_commands_may_break_rules_on_purpose() {
        let lab = LAB.replace("  volumes: [leftover]\n", "").replace(
            "      - docker network create app-net\n",
            "      - docker network create app-net\n      - run: docker run --rm -v data:rel alpine:latest true\n        fails_with: absolute\n",
        );
        assert_eq!(diagnostics(&lab), Vec::<String>::new());
    }

    #[test]
    fn regex_errors_are_one_line() {
        let pattern = String::from("(abc");
        let e = regex::Regex::new(&pattern).unwrap_err();
        assert_eq!(regex_error(&e), "unclosed group");
    }
}
