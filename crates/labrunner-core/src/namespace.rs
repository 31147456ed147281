//! Namespaces: many gradings of one lab share a Docker daemon without colliding.
//!
//! A [`Namespace`] prefixes every container, network and volume name a lab or a submission
//! uses (`db` becomes `lr-k3x9q2--db`). Containers keep their lab name as a network alias on
//! user-defined networks, so `ping db` from a sibling container still resolves. Names given to
//! the daemon's built-in networks (`bridge`, `host`, `none`) are left alone.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::stream::BoxStream;

use crate::command::is_builtin_network;
use crate::command::{Action, ContainerSpec, ExecSpec, NetworkCreate, ResourceKind};
use crate::engine::ports::PortTranslation;
use crate::engine::{
    Change, ContainerInfo, CreateOptions, Created, DaemonEvent, Engine, EngineError, ExecOutput,
    NetworkInfo, Prunable, PullProgress, Resources, VolumeFile, VolumeInfo,
};
use crate::lab::{Check, Lab, MountType};

/// Longest namespace accepted, so that prefixed names stay readable and within Docker's limits.
const MAX_LEN: usize = 32;

/// Between a namespace and a lab's name: `lr-k3x9q2` + `--` + `db`. A namespace never contains
/// `--` and never ends with `-`, so no namespace's names can be another's: were `A--x` equal to
/// `B--y` with `A` shorter than `B`, `B` would continue `A` with `-`, and so either end with `-`
/// (one character longer) or contain `--` (longer still). Names of a grading under `n` can never
/// be those of one under `n-x` (`n--x-db` is not `n-x--db`), whatever the lab or the student
/// names.
pub const SEPARATOR: &str = "--";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NamespaceError {
    #[error(
        "namespace `{0}` is not usable: use 1 to {MAX_LEN} characters from a-z, 0-9, `-`, `_`, `.`, starting with a letter or digit, without `{SEPARATOR}` and not ending in `-` (`{SEPARATOR}` separates a namespace from the names in it)"
    )]
    Invalid(String),
}

/// A prefix for every resource name of one grading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace {
    name: String,
}

impl Namespace {
    /// A fresh namespace, `lr-` and six random lowercase letters and digits.
    pub fn fresh() -> Self {
        Namespace {
            name: format!("lr-{}", crate::ids::random_id(6)),
        }
    }

    /// A fresh namespace under a caller's prefix: `PREFIX-` and six random characters (one
    /// per student when a class is graded with `--namespace PREFIX`).
    pub fn fresh_in(prefix: &Namespace) -> Result<Self, NamespaceError> {
        let suffix = Namespace::fresh();
        let suffix = suffix.name.trim_start_matches("lr-");
        Namespace::new(&format!("{}-{suffix}", prefix.name))
    }

    /// A namespace chosen by the caller (`--namespace`).
    pub fn new(name: &str) -> Result<Self, NamespaceError> {
        let valid = !name.is_empty()
            && name.len() <= MAX_LEN
            && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && name.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.')
            })
            && !name.contains(SEPARATOR)
            && !name.ends_with('-');
        if valid {
            Ok(Namespace {
                name: name.to_string(),
            })
        } else {
            Err(NamespaceError::Invalid(name.to_string()))
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// A container or volume name inside the namespace: the namespace, [`SEPARATOR`], the name.
    pub fn resource(&self, name: &str) -> String {
        format!("{}{SEPARATOR}{name}", self.name)
    }

    /// A network name inside the namespace; built-in networks and `container:<name>` are kept
    /// (the latter with the container renamed).
    pub fn network(&self, name: &str) -> String {
        if let Some(container) = name.strip_prefix("container:") {
            format!("container:{}", self.resource(container))
        } else if is_builtin_network(name) {
            name.to_string()
        } else {
            self.resource(name)
        }
    }

    /// `text` with every namespaced name shown as the lab's name (`lr-k3x9q2--db` as `db`).
    pub fn unname(&self, text: &str) -> String {
        text.replace(&self.resource(""), "")
    }

    /// The lab name of a namespaced resource (`lr-k3x9q2--db` -> `db`); other names unchanged.
    pub fn strip<'a>(&self, name: &'a str) -> &'a str {
        name.strip_prefix(self.name.as_str())
            .and_then(|rest| rest.strip_prefix(SEPARATOR))
            .unwrap_or(name)
    }

    /// The lab with every declared resource and every resource name in its checks moved into
    /// the namespace. Command text (setup, solutions, cleanup, `command_fails`) is kept as
    /// written; it is renamed when parsed, with [`Namespace::rename_action`]. Names that are
    /// resolved inside containers (`resolves.name`, `reachable.to`) are kept: they resolve
    /// through the network alias each container keeps.
    pub fn rewrite_lab(&self, lab: &Lab) -> Lab {
        let mut lab = lab.clone();
        let r = &mut lab.resources;
        r.networks = r.networks.iter().map(|n| self.network(n)).collect();
        r.volumes = r.volumes.iter().map(|v| self.resource(v)).collect();
        r.containers = r.containers.iter().map(|c| self.resource(c)).collect();
        for step in &mut lab.steps {
            for check in &mut step.checks {
                self.rewrite_check(check);
            }
        }
        lab
    }

    /// The lab under names of its own, for a student whose daemon already holds the lab's
    /// names: every declared resource renamed into the namespace wherever the lab writes it
    /// (commands, instructions, hints, checks, files), so that what the student reads and types
    /// is what runs. Unlike [`Namespace::rewrite_lab`], nothing is renamed later: the lab runs
    /// as written, on a plain engine. Ids (the lab's, the steps') are kept: progress follows
    /// them. A name is renamed where it stands as a word: not inside a longer name, not as a
    /// YAML key (`name:`) nor as an image with its tag (`web:1`); `vol:/data` is renamed.
    pub fn own_names(&self, lab: &Lab) -> Lab {
        let r = &lab.resources;
        let mut names: Vec<&str> = r
            .networks
            .iter()
            .filter(|n| !is_builtin_network(n))
            .chain(&r.volumes)
            .chain(&r.containers)
            .map(String::as_str)
            .collect();
        names.sort_by_key(|n| std::cmp::Reverse(n.len()));
        names.dedup();
        let Ok(yaml) = serde_yaml::to_string(lab) else {
            return lab.clone();
        };
        let renamed = rename_words(&yaml, &names, |n| self.resource(n));
        let Ok(mut out) = serde_yaml::from_str::<Lab>(&renamed) else {
            return lab.clone();
        };
        out.id.clone_from(&lab.id);
        for (step, original) in out.steps.iter_mut().zip(&lab.steps) {
            step.id.clone_from(&original.id);
        }
        out
    }

    fn rewrite_check(&self, check: &mut Check) {
        let res = |s: &mut String| *s = self.resource(s);
        let net = |s: &mut String| *s = self.network(s);
        if let Some(c) = &mut check.network {
            net(&mut c.name);
        }
        if let Some(c) = &mut check.volume {
            res(&mut c.name);
        }
        if let Some(c) = &mut check.container {
            res(&mut c.name);
        }
        if let Some(c) = &mut check.attached {
            res(&mut c.container);
            net(&mut c.network);
        }
        if let Some(c) = &mut check.file {
            res(&mut c.volume);
        }
        if let Some(c) = &mut check.resolves {
            res(&mut c.from);
        }
        if let Some(c) = &mut check.reachable {
            res(&mut c.from);
            // By IP, the peer is looked up as a container; by name, it resolves in-container
            // through the alias the renamed container keeps.
            if c.by_ip {
                res(&mut c.to);
            }
        }
        if let Some(c) = &mut check.published {
            res(&mut c.container);
        }
        if let Some(c) = &mut check.mount {
            res(&mut c.container);
            if c.kind == MountType::Volume
                && let Some(source) = &mut c.source
            {
                res(source);
            }
        }
        if let Some(c) = &mut check.loopback_only {
            res(&mut c.container);
        }
        if let Some(c) = &mut check.exec {
            res(&mut c.container);
        }
        if let Some(c) = &mut check.ran {
            res(&mut c.container);
        }
        if let Some(c) = &mut check.container_ran {
            if let Some(name) = &mut c.name {
                res(name);
            }
            if let Some(source) = c.mount.as_mut().and_then(|m| m.source.as_mut())
                && !source.starts_with('/')
                && !source.starts_with('$')
            {
                res(source);
            }
        }
        if let Some(c) = &mut check.output {
            res(&mut c.container);
        }
        if let Some(c) = &mut check.user {
            res(&mut c.container);
        }
        // `command_fails.command` is text: renamed when parsed. `image` names no resource.
    }

    /// Move every resource an action names into the namespace ([`Action::rename`]). A renamed
    /// container joining a user-defined network gets its original name as an alias there.
    pub fn rename_action(&self, action: &mut Action) {
        action.rename(&|_kind: ResourceKind, name: &str| Some(self.resource(name)));
        // The default bridge and the other built-in networks take no aliases (the daemon refuses
        // `network connect --alias` there).
        if let Action::NetworkConnect {
            network,
            container,
            aliases,
        } = action
            && is_builtin_network(network)
        {
            let own = self.strip(container).to_string();
            aliases.retain(|a| *a != own);
        }
    }
}

/// `text` with each of `names` (longest first) replaced by `rename(name)` where it stands as a
/// word (see [`Namespace::own_names`]).
fn rename_words(text: &str, names: &[&str], rename: impl Fn(&str) -> String) -> String {
    let name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-');
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    'outer: while i < text.len() {
        let before = text[..i].chars().next_back();
        if before.is_none_or(|c| !name_char(c) && c != '.') {
            for name in names {
                if !text[i..].starts_with(name) {
                    continue;
                }
                let rest = &text[i + name.len()..];
                let mut next = rest.chars();
                let stands_alone = match (next.next(), next.next()) {
                    (Some(c), _) if name_char(c) => false,
                    (Some('.'), Some(c)) if name_char(c) => false,
                    // A YAML key, or an image's tag; a volume's mount target is renamed.
                    (Some(':'), c) => c == Some('/'),
                    _ => true,
                };
                if stands_alone {
                    out.push_str(&rename(name));
                    i += name.len();
                    continue 'outer;
                }
            }
        }
        let c = text[i..].chars().next().unwrap_or_default();
        out.push(c);
        i += c.len_utf8().max(1);
    }
    out
}

impl std::fmt::Display for Namespace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

/// An engine that moves every command into a namespace before it is executed.
///
/// Docker commands (setup, the submission, `command_fails` checks) are text parsed into actions;
/// the executor has each renamed by [`Engine::rename`] before it runs ([`crate::execute`]), so
/// renaming there covers every one of them exactly once. Queries (`container`, `network`, ...) pass through unchanged: their names
/// come from a lab already rewritten by [`Namespace::rewrite_lab`], or from labels.
///
/// In a namespace, fixed host ports are translated too ([`PortTranslation`]): the daemon binds
/// an ephemeral port, and every container this engine shows (checks, `docker port`,
/// `docker inspect`) carries the host port the command wrote.
pub struct NamespacedEngine<'a> {
    inner: &'a dyn Engine,
    namespace: Option<Namespace>,
    host_ports: Option<Arc<PortTranslation>>,
}

impl<'a> NamespacedEngine<'a> {
    /// `None`: no renaming (grading resources under their lab names), and host ports as written.
    pub fn new(inner: &'a dyn Engine, namespace: Option<Namespace>) -> Self {
        let host_ports = namespace
            .is_some()
            .then(|| Arc::new(PortTranslation::new()));
        NamespacedEngine {
            inner,
            namespace,
            host_ports,
        }
    }

    /// Publish host ports as written, even in a namespace: one such run at a time per port.
    pub fn keep_host_ports(mut self) -> Self {
        self.host_ports = None;
        self
    }

    /// Whether fixed host ports are translated.
    pub fn translates_host_ports(&self) -> bool {
        self.host_ports.is_some()
    }
}

#[async_trait]
impl Engine for NamespacedEngine<'_> {
    async fn version(&self) -> Result<String, EngineError> {
        self.inner.version().await
    }
    async fn ping(&self) -> Result<(), EngineError> {
        self.inner.ping().await
    }
    fn rename(&self, action: &mut Action) {
        let Some(ns) = &self.namespace else {
            return;
        };
        ns.rename_action(action);
        if let (Some(translation), Action::Run(spec) | Action::Create(spec)) =
            (&self.host_ports, action)
        {
            translation.translate(spec);
        }
    }
    async fn create_container(
        &self,
        spec: &ContainerSpec,
        options: &CreateOptions,
    ) -> Result<Created, EngineError> {
        self.inner.create_container(spec, options).await
    }
    async fn change(&self, name: &str, change: &Change) -> Result<(), EngineError> {
        self.inner.change(name, change).await
    }
    async fn wait_container(&self, id: &str) -> Result<i64, EngineError> {
        self.inner.wait_container(id).await
    }
    async fn attach(
        &self,
        id: &str,
    ) -> Result<BoxStream<'static, Result<Vec<u8>, EngineError>>, EngineError> {
        self.inner.attach(id).await
    }
    async fn create_network(
        &self,
        spec: &NetworkCreate,
        labels: &BTreeMap<String, String>,
    ) -> Result<String, EngineError> {
        self.inner.create_network(spec, labels).await
    }
    async fn create_volume(
        &self,
        name: Option<&str>,
        driver: Option<&str>,
        labels: &BTreeMap<String, String>,
    ) -> Result<String, EngineError> {
        self.inner.create_volume(name, driver, labels).await
    }
    async fn networks(&self) -> Result<Vec<NetworkInfo>, EngineError> {
        self.inner.networks().await
    }
    async fn volumes(&self) -> Result<Vec<VolumeInfo>, EngineError> {
        self.inner.volumes().await
    }
    async fn prune(&self, what: Prunable, labels: &[String]) -> Result<Vec<String>, EngineError> {
        self.inner.prune(what, labels).await
    }
    /// A container's host ports as the commands wrote them.
    async fn inspect_raw(
        &self,
        name: &str,
        shown: Option<&PortTranslation>,
    ) -> Result<Option<serde_json::Value>, EngineError> {
        let shown = shown.or(self.host_ports.as_deref());
        self.inner.inspect_raw(name, shown).await
    }
    async fn pull_image(
        &self,
        image: &str,
        progress: Option<&tokio::sync::mpsc::UnboundedSender<PullProgress>>,
    ) -> Result<(), EngineError> {
        self.inner.pull_image(image, progress).await
    }
    async fn running(&self, labels: &[(String, String)]) -> Result<Vec<String>, EngineError> {
        self.inner.running(labels).await
    }
    async fn read_logs(
        &self,
        container: &str,
        tail: Option<&str>,
        follow: bool,
        limit: Duration,
    ) -> Result<crate::output::BoundedOutput, EngineError> {
        self.inner.read_logs(container, tail, follow, limit).await
    }
    async fn exec_spec(&self, spec: &ExecSpec, limit: Duration) -> Result<ExecOutput, EngineError> {
        self.inner.exec_spec(spec, limit).await
    }
    async fn network(&self, name: &str) -> Result<Option<NetworkInfo>, EngineError> {
        self.inner.network(name).await
    }
    async fn volume(&self, name: &str) -> Result<Option<VolumeInfo>, EngineError> {
        self.inner.volume(name).await
    }
    async fn container(&self, name: &str) -> Result<Option<ContainerInfo>, EngineError> {
        let mut info = self.inner.container(name).await?;
        if let (Some(translation), Some(info)) = (&self.host_ports, info.as_mut()) {
            translation.show(&info.name, &mut info.ports);
        }
        Ok(info)
    }
    async fn image_present(&self, name: &str) -> Result<bool, EngineError> {
        self.inner.image_present(name).await
    }
    async fn volume_file(
        &self,
        image: &str,
        volume: &str,
        path: &str,
        labels: &BTreeMap<String, String>,
    ) -> Result<VolumeFile, EngineError> {
        self.inner.volume_file(image, volume, path, labels).await
    }
    async fn labelled(&self, labels: &[(String, String)]) -> Result<Resources, EngineError> {
        self.inner.labelled(labels).await
    }
    async fn remove_container(&self, name: &str) -> Result<(), EngineError> {
        self.inner.remove_container(name).await
    }
    async fn remove_network(&self, name: &str) -> Result<(), EngineError> {
        self.inner.remove_network(name).await
    }
    async fn remove_volume(&self, name: &str) -> Result<(), EngineError> {
        self.inner.remove_volume(name).await
    }
    fn events(&self) -> BoxStream<'static, Result<DaemonEvent, EngineError>> {
        self.inner.events()
    }
    fn events_since(
        &self,
        since_ns: i64,
        labels: &[(String, String)],
    ) -> BoxStream<'static, Result<DaemonEvent, EngineError>> {
        self.inner.events_since(since_ns, labels)
    }
    async fn past_events(
        &self,
        since_ns: i64,
        labels: &[(String, String)],
    ) -> Result<Vec<DaemonEvent>, EngineError> {
        self.inner.past_events(since_ns, labels).await
    }
    fn attach_output(&self, container: &str) -> BoxStream<'static, Result<Vec<u8>, EngineError>> {
        self.inner.attach_output(container)
    }
    async fn logs(&self, container: &str) -> Result<crate::output::BoundedOutput, EngineError> {
        self.inner.logs(container).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::{ContainerSpec, ExecSpec, Mount, MountKind, MountSyntax, NetworkCreate};
    use crate::lab::*;

    fn ns() -> Namespace {
        Namespace::new("lr-abc123").unwrap()
    }

    #[test]
    fn fresh_names_have_the_documented_shape_and_differ() {
        let names: std::collections::BTreeSet<String> = (0..200)
            .map(|_| Namespace::fresh().name().to_string())
            .collect();
        assert_eq!(names.len(), 200);
        for n in &names {
            assert_eq!(n.len(), 9, "{n}");
            assert!(n.starts_with("lr-"));
            assert!(
                n[3..]
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
                "{n}"
            );
            assert!(Namespace::new(n).is_ok());
        }
    }

    #[test]
    fn caller_namespaces_are_validated() {
        for bad in [
            "",
            "Upper",
            "-lead",
            "has space",
            "semi;colon",
            &"x".repeat(33),
        ] {
            assert!(Namespace::new(bad).is_err(), "{bad:?}");
        }
        for good in ["a", "ci-42", "run_7.b"] {
            assert!(Namespace::new(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn a_namespace_that_could_reach_into_another_is_refused() {
        // `--` separates a namespace from the names in it; a namespace ending in `-` would make
        // `a-` + `--` + `x` read as `a` + `--` + `-x`.
        for bad in ["a--b", "a-", "lr--x", "n-x--", "--"] {
            assert!(Namespace::new(bad).is_err(), "{bad:?}");
        }
        for good in ["n", "n-x", "n-x-y", "a.-b", "a_-b", "a-.b", "9-9"] {
            assert!(Namespace::new(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn nested_namespaces_never_share_a_name() {
        // Pairs that named one object under `NS-name` (a grading under `n` could reach the
        // objects of one under `n-x`): now distinct, and each namespace's own.
        let table = [
            (("n", "x-db"), ("n-x", "db")),
            (("lr", "abc123-web"), ("lr-abc123", "web")),
            (("n", "x--db"), ("n-x", "db")),
            (("n", "-x--db"), ("n-", "x--db")),
            (("ci", "1.web"), ("ci-1", "web")),
            (("a.b", "c"), ("a", "b-c")),
            (("a_b", "c"), ("a", "_b--c")),
        ];
        for ((ns1, name1), (ns2, name2)) in table {
            let Ok(ns1) = Namespace::new(ns1) else {
                continue;
            };
            let Ok(ns2) = Namespace::new(ns2) else {
                continue;
            };
            let (full1, full2) = (ns1.resource(name1), ns2.resource(name2));
            assert_ne!(full1, full2, "{ns1}/{name1} and {ns2}/{name2}");
            assert_eq!(ns2.strip(&full1), full1, "{ns2} claims {full1}");
            assert_eq!(ns1.strip(&full2), full2, "{ns1} claims {full2}");
            assert_eq!(ns1.strip(&full1), name1);
        }
        // Every namespace and every name over the characters that could matter, up to a
        // length: no two different namespaces ever give the same full name.
        let alphabet = ['a', '-', '.', '_'];
        let words = |max: usize| {
            let mut all = vec![String::new()];
            let mut last = vec![String::new()];
            for _ in 0..max {
                last = last
                    .iter()
                    .flat_map(|w| alphabet.iter().map(move |c| format!("{w}{c}")))
                    .collect();
                all.extend(last.iter().cloned());
            }
            all
        };
        let namespaces: Vec<Namespace> = words(5)
            .iter()
            .filter_map(|w| Namespace::new(w).ok())
            .collect();
        let names: Vec<String> = words(4)
            .into_iter()
            .filter(|w| crate::command::is_object_name(w))
            .collect();
        assert!(namespaces.len() > 100 && names.len() > 50);
        let mut owner: std::collections::HashMap<String, &str> = Default::default();
        for ns in &namespaces {
            for name in &names {
                if let Some(other) = owner.insert(ns.resource(name), ns.name()) {
                    assert_eq!(other, ns.name(), "{} shared", ns.resource(name));
                }
            }
        }
    }

    #[test]
    fn names_builtins_and_strip() {
        let ns = ns();
        assert_eq!(ns.resource("db"), "lr-abc123--db");
        assert_eq!(ns.network("isolated-net"), "lr-abc123--isolated-net");
        for b in ["bridge", "host", "none"] {
            assert_eq!(ns.network(b), b);
        }
        assert_eq!(ns.network("container:db"), "container:lr-abc123--db");
        assert_eq!(ns.strip("lr-abc123--db"), "db");
        assert_eq!(ns.strip("db"), "db");
    }

    #[test]
    fn every_name_in_every_command_is_moved_or_refused() {
        let ns = Namespace::new("n").expect("valid");
        let moved = [
            "docker network create net",
            "docker network rm net other",
            "docker network connect net web",
            "docker network disconnect net web",
            "docker network inspect net",
            "docker volume create vol",
            "docker volume create --name vol",
            "docker volume rm vol",
            "docker volume inspect vol",
            "docker run -d --name web --network net -v vol:/d --mount type=volume,source=v2,target=/e alpine",
            "docker run --network container:web --pid container:db --ipc container:db alpine",
            "docker create --name web alpine",
            "docker exec web ls",
            "docker rm -f web db",
            "docker stop web",
            "docker start web",
            "docker inspect web",
            "docker inspect /web",
            "docker inspect --type container /web",
            "docker inspect --type network net",
            "docker inspect --type volume vol",
            "docker port web 80",
            "docker logs web",
        ];
        for line in moved {
            let mut action = crate::command::parse(line, Some("/w")).expect(line);
            ns.rename_action(&mut action);
            let names = action.resources();
            assert!(!names.is_empty(), "{line}");
            for (kind, name) in names {
                assert!(name.starts_with("n--"), "{line}: {kind:?} {name}");
            }
        }
        // `/NAME` is the container NAME, moved like it.
        let mut action = crate::command::parse("docker inspect /web", None).expect("parses");
        ns.rename_action(&mut action);
        assert!(matches!(&action, Action::Inspect { names, .. } if names == &["n--web"]));
        // Refused: not a name (a path, `NAME/`), or a way to name a container labrunner does
        // not rename (`--volumes-from`, `--link`, `cp`).
        let refused = [
            "docker inspect web/",
            "docker inspect /web/",
            "docker inspect //web",
            "docker inspect web/../db",
            "docker inspect --type network /net",
            "docker inspect --type volume vol/",
            "docker network inspect net/",
            "docker volume inspect /vol",
            "docker volume rm vol/",
            "docker rm /web",
            "docker stop web/",
            "docker exec /web ls",
            "docker logs web/",
            "docker network connect net /web",
            "docker run --name /web alpine",
            "docker run --network /net alpine",
            "docker run --network container:/web alpine",
            "docker run --volumes-from web alpine",
            "docker run --link web alpine",
            "docker cp web:/etc/passwd /tmp/x",
            "docker ps --filter name=n-x",
        ];
        for line in refused {
            assert!(crate::command::parse(line, Some("/w")).is_err(), "{line}");
        }
    }

    fn volume_mount(source: &str) -> Mount {
        Mount {
            kind: MountKind::Volume,
            syntax: MountSyntax::MountFlag,
            source: Some(source.into()),
            target: "/data".into(),
            read_only: false,
            options: vec![],
        }
    }

    #[test]
    fn run_renames_container_network_and_volumes_and_keeps_an_alias() {
        let mut bind = volume_mount("/work/lab");
        bind.kind = MountKind::Bind;
        let mut action = Action::Run(Box::new(ContainerSpec {
            name: Some("db".into()),
            image: "alpine".into(),
            network: Some("isolated-net".into()),
            mounts: vec![volume_mount("store"), bind],
            ..Default::default()
        }));
        ns().rename_action(&mut action);
        let Action::Run(spec) = action else {
            panic!("still a run")
        };
        assert_eq!(spec.name.as_deref(), Some("lr-abc123--db"));
        assert_eq!(spec.network.as_deref(), Some("lr-abc123--isolated-net"));
        assert_eq!(spec.network_aliases, vec!["db".to_string()]);
        assert_eq!(spec.mounts[0].source.as_deref(), Some("lr-abc123--store"));
        assert_eq!(
            spec.mounts[1].source.as_deref(),
            Some("/work/lab"),
            "bind sources are paths"
        );
        assert_eq!(spec.image, "alpine");
    }

    #[test]
    fn no_alias_on_the_default_bridge() {
        let mut action = Action::Run(Box::new(ContainerSpec {
            name: Some("web".into()),
            image: "nginx".into(),
            ..Default::default()
        }));
        ns().rename_action(&mut action);
        let Action::Run(spec) = action else {
            panic!("still a run")
        };
        assert!(spec.network_aliases.is_empty());
        assert_eq!(spec.name.as_deref(), Some("lr-abc123--web"));
    }

    #[test]
    fn every_naming_action_is_renamed() {
        let ns = ns();
        let cases: Vec<(Action, Action)> = vec![
            (
                Action::NetworkCreate(NetworkCreate {
                    name: "n".into(),
                    ..Default::default()
                }),
                Action::NetworkCreate(NetworkCreate {
                    name: "lr-abc123--n".into(),
                    ..Default::default()
                }),
            ),
            (
                Action::NetworkConnect {
                    network: "n".into(),
                    container: "c".into(),
                    aliases: vec![],
                },
                Action::NetworkConnect {
                    network: "lr-abc123--n".into(),
                    container: "lr-abc123--c".into(),
                    aliases: vec!["c".into()],
                },
            ),
            (
                Action::NetworkDisconnect {
                    network: "bridge".into(),
                    container: "c".into(),
                    force: false,
                },
                Action::NetworkDisconnect {
                    network: "bridge".into(),
                    container: "lr-abc123--c".into(),
                    force: false,
                },
            ),
            (
                Action::NetworkRm {
                    names: vec!["n".into()],
                    force: false,
                },
                Action::NetworkRm {
                    names: vec!["lr-abc123--n".into()],
                    force: false,
                },
            ),
            (
                Action::VolumeCreate {
                    name: Some("v".into()),
                    driver: None,
                    labels: vec![],
                },
                Action::VolumeCreate {
                    name: Some("lr-abc123--v".into()),
                    driver: None,
                    labels: vec![],
                },
            ),
            (
                Action::VolumeRm {
                    names: vec!["v".into()],
                    force: true,
                },
                Action::VolumeRm {
                    names: vec!["lr-abc123--v".into()],
                    force: true,
                },
            ),
            (
                Action::Exec(ExecSpec {
                    container: "c".into(),
                    command: vec!["ls".into()],
                    ..Default::default()
                }),
                Action::Exec(ExecSpec {
                    container: "lr-abc123--c".into(),
                    command: vec!["ls".into()],
                    ..Default::default()
                }),
            ),
            (
                Action::Rm {
                    names: vec!["a".into(), "b".into()],
                    force: true,
                    volumes: false,
                },
                Action::Rm {
                    names: vec!["lr-abc123--a".into(), "lr-abc123--b".into()],
                    force: true,
                    volumes: false,
                },
            ),
            (
                Action::Stop {
                    names: vec!["a".into()],
                    time: None,
                },
                Action::Stop {
                    names: vec!["lr-abc123--a".into()],
                    time: None,
                },
            ),
            (
                Action::Start {
                    names: vec!["a".into()],
                },
                Action::Start {
                    names: vec!["lr-abc123--a".into()],
                },
            ),
            (
                Action::Port {
                    container: "a".into(),
                    port: None,
                },
                Action::Port {
                    container: "lr-abc123--a".into(),
                    port: None,
                },
            ),
            (
                Action::Logs {
                    container: "a".into(),
                    follow: false,
                    tail: None,
                },
                Action::Logs {
                    container: "lr-abc123--a".into(),
                    follow: false,
                    tail: None,
                },
            ),
            (
                Action::NetworkConnect {
                    network: "bridge".into(),
                    container: "c".into(),
                    aliases: vec![],
                },
                Action::NetworkConnect {
                    network: "bridge".into(),
                    container: "lr-abc123--c".into(),
                    aliases: vec![],
                },
            ),
            (Action::NetworkLs, Action::NetworkLs),
        ];
        for (mut action, expected) in cases {
            ns.rename_action(&mut action);
            assert_eq!(action, expected);
        }
    }

    #[test]
    fn lab_resources_and_check_names_are_rewritten() {
        let yaml = r#"
format: 1
id: net-lab
title: t
lesson: MOD-DOCKER-04
difficulty: beginner
minutes: 5
resources: { networks: [isolated-net], volumes: [store], containers: [db, web] }
steps:
  - id: s1
    title: t
    instructions: i
    solution: ["docker network create isolated-net"]
    checks:
      - network: { name: isolated-net }
      - volume: { name: store }
      - container: { name: db, state: running }
      - attached: { container: db, network: isolated-net }
      - attached: { container: web, network: bridge }
      - file: { volume: store, path: a.txt }
      - resolves: { from: web, name: db }
      - reachable: { from: web, to: db }
      - published: { container: web, port: 80 }
      - mount: { container: db, type: volume, target: /d, source: store }
      - mount: { container: db, type: bind, target: /b, source: "$(pwd)" }
      - loopback_only: { container: db }
      - exec: { container: db, command: "cat /d/a.txt" }
      - command_fails: { command: "docker volume rm store", error: "in use" }
      - image: { name: alpine }
      - ran: { container: db, command: cat }
      - reachable: { from: web, to: db, by_ip: true }
"#;
        let lab: Lab = serde_yaml::from_str(yaml).unwrap();
        let out = ns().rewrite_lab(&lab);
        assert_eq!(out.resources.networks, ["lr-abc123--isolated-net"]);
        assert_eq!(out.resources.volumes, ["lr-abc123--store"]);
        assert_eq!(
            out.resources.containers,
            ["lr-abc123--db", "lr-abc123--web"]
        );
        let c = &out.steps[0].checks;
        assert_eq!(
            c[0].network.as_ref().unwrap().name,
            "lr-abc123--isolated-net"
        );
        assert_eq!(c[1].volume.as_ref().unwrap().name, "lr-abc123--store");
        assert_eq!(c[2].container.as_ref().unwrap().name, "lr-abc123--db");
        let a = c[3].attached.as_ref().unwrap();
        assert_eq!(
            (a.container.as_str(), a.network.as_str()),
            ("lr-abc123--db", "lr-abc123--isolated-net")
        );
        assert_eq!(c[4].attached.as_ref().unwrap().network, "bridge");
        assert_eq!(c[5].file.as_ref().unwrap().volume, "lr-abc123--store");
        let r = c[6].resolves.as_ref().unwrap();
        assert_eq!((r.from.as_str(), r.name.as_str()), ("lr-abc123--web", "db"));
        let r = c[7].reachable.as_ref().unwrap();
        assert_eq!((r.from.as_str(), r.to.as_str()), ("lr-abc123--web", "db"));
        assert_eq!(c[8].published.as_ref().unwrap().container, "lr-abc123--web");
        assert_eq!(
            c[9].mount.as_ref().unwrap().source.as_deref(),
            Some("lr-abc123--store")
        );
        assert_eq!(
            c[10].mount.as_ref().unwrap().source.as_deref(),
            Some("$(pwd)")
        );
        assert_eq!(
            c[11].loopback_only.as_ref().unwrap().container,
            "lr-abc123--db"
        );
        assert_eq!(c[12].exec.as_ref().unwrap().container, "lr-abc123--db");
        assert_eq!(
            c[13].command_fails.as_ref().unwrap().command,
            "docker volume rm store"
        );
        assert_eq!(c[14].image.as_ref().unwrap().name, "alpine");
        assert_eq!(c[15].ran.as_ref().unwrap().container, "lr-abc123--db");
        let r = c[16].reachable.as_ref().unwrap();
        assert_eq!(
            (r.from.as_str(), r.to.as_str()),
            ("lr-abc123--web", "lr-abc123--db")
        );
        // Nothing else changed.
        assert_eq!(out.steps[0].solution, lab.steps[0].solution);
        assert_eq!(out.id, lab.id);
    }

    #[test]
    fn own_names_rename_what_the_student_reads_and_types_and_keep_ids() {
        let lab: Lab = serde_yaml::from_str(
            r#"
format: 1
id: web
title: Web on a store
lesson: L1
difficulty: beginner
minutes: 5
image: alpine:latest
resources:
  networks: [net, bridge]
  volumes: [store]
  containers: [web, web-2]
files:
  web.conf: "server web;"
steps:
  - id: web
    title: Start web
    instructions: Start **web** on `net` with store, then web-2. See web.conf and web.
    hints: ["docker run --name web"]
    solution:
      - docker run -d --name web --network net -v store:/data --mount type=volume,source=store,target=/s web:1 sh -c "ping -c1 web-2"
      - docker network connect bridge web
    checks:
      - container: {name: web, state: running}
      - attached: {container: web-2, network: net}
      - file: {volume: store, path: x, contains: web}
"#,
        )
        .unwrap();
        let ns = Namespace::new("mine").unwrap();
        let own = ns.own_names(&lab);
        assert_eq!(own.id, "web");
        assert_eq!(own.steps[0].id, "web");
        assert_eq!(own.resources.networks, ["mine--net", "bridge"]);
        assert_eq!(own.resources.volumes, ["mine--store"]);
        assert_eq!(own.resources.containers, ["mine--web", "mine--web-2"]);
        assert_eq!(
            own.steps[0].solution[0].text(),
            "docker run -d --name mine--web --network mine--net -v mine--store:/data --mount type=volume,source=mine--store,target=/s web:1 sh -c \"ping -c1 mine--web-2\""
        );
        assert_eq!(
            own.steps[0].solution[1].text(),
            "docker network connect bridge mine--web"
        );
        assert_eq!(
            own.steps[0].instructions.trim(),
            "Start **mine--web** on `mine--net` with mine--store, then mine--web-2. See web.conf and mine--web."
        );
        assert_eq!(own.steps[0].hints, ["docker run --name mine--web"]);
        let checks = &own.steps[0].checks;
        assert_eq!(checks[0].container.as_ref().unwrap().name, "mine--web");
        assert_eq!(checks[1].attached.as_ref().unwrap().network, "mine--net");
        assert_eq!(checks[2].file.as_ref().unwrap().volume, "mine--store");
        assert_eq!(
            checks[2].file.as_ref().unwrap().contains.as_deref(),
            Some("mine--web")
        );
        assert_eq!(
            own.files.keys().next().map(String::as_str),
            Some("web.conf")
        );
    }
}
