//! A student's submission: a file of docker commands, and the policy that decides which of
//! them a grader is willing to run.
//!
//! The file is read like a shell script would be, for the little a submission may contain:
//! `#` comments (whole lines, or after whitespace outside quotes), blank lines, backslash
//! continuations, and a leading `$ ` prompt copied from a terminal. Everything else is the
//! docker command parser's business.

use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use crate::command::{Action, ContainerSpec, MountKind};
use crate::lab::Lab;

/// One command of a submission, with the line it starts on (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmittedCommand {
    pub line: usize,
    pub text: String,
}

/// Bounds on what one grading may do.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Commands per submission; a longer submission is not graded.
    pub max_commands: usize,
    /// Size of the submission file.
    pub max_bytes: u64,
    /// Time for one command (a foreground `docker run` waits for its container).
    pub command_timeout: Duration,
    /// Time for the whole grading.
    pub total_timeout: Duration,
    /// Memory limit of every container the submission starts, in bytes.
    pub memory_bytes: i64,
    /// Process limit of every container the submission starts.
    pub pids: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_commands: 200,
            max_bytes: 256 * 1024,
            command_timeout: Duration::from_secs(30),
            total_timeout: Duration::from_secs(300),
            memory_bytes: 256 * 1024 * 1024,
            pids: 256,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SubmissionError {
    #[error("cannot read submission {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("submission {path} is {size} bytes; the limit is {limit}")]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    #[error("submission {path} is not UTF-8 text")]
    NotText { path: PathBuf },
    #[error("the submission has {found} commands; the limit is {limit}")]
    TooManyCommands { found: usize, limit: usize },
}

/// Read and split a submission file, enforcing the size and command-count limits.
pub fn read_submission(
    path: &Path,
    limits: &Limits,
) -> Result<Vec<SubmittedCommand>, SubmissionError> {
    let read_err = |source| SubmissionError::Read {
        path: path.to_path_buf(),
        source,
    };
    let size = std::fs::metadata(path).map_err(read_err)?.len();
    if size > limits.max_bytes {
        return Err(SubmissionError::TooLarge {
            path: path.to_path_buf(),
            size,
            limit: limits.max_bytes,
        });
    }
    let bytes = std::fs::read(path).map_err(read_err)?;
    let text = String::from_utf8(bytes).map_err(|_| SubmissionError::NotText {
        path: path.to_path_buf(),
    })?;
    let commands = split_commands(&text);
    if commands.len() > limits.max_commands {
        return Err(SubmissionError::TooManyCommands {
            found: commands.len(),
            limit: limits.max_commands,
        });
    }
    Ok(commands)
}

/// Split submission text into commands: comments and blank lines dropped, continuations
/// joined, a leading `$ ` prompt removed.
pub fn split_commands(text: &str) -> Vec<SubmittedCommand> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let (body, continues) = match raw.strip_suffix('\\') {
            // An even number of trailing backslashes is an escaped backslash, not a continuation.
            Some(rest) if trailing_backslashes(rest).is_multiple_of(2) => (rest, true),
            _ => (raw, false),
        };
        let body = strip_comment(body);
        match &mut pending {
            Some((_, text)) => {
                text.push(' ');
                text.push_str(body.trim());
            }
            None => {
                let trimmed = body.trim();
                let trimmed = trimmed.strip_prefix("$ ").unwrap_or(trimmed).trim_start();
                if trimmed.is_empty() && !continues {
                    continue;
                }
                pending = Some((line_no, trimmed.to_string()));
            }
        }
        if !continues && let Some((line, text)) = pending.take() {
            let text = text.trim().to_string();
            if !text.is_empty() {
                out.push(SubmittedCommand { line, text });
            }
        }
    }
    if let Some((line, text)) = pending {
        let text = text.trim().to_string();
        if !text.is_empty() {
            out.push(SubmittedCommand { line, text });
        }
    }
    out
}

fn trailing_backslashes(s: &str) -> usize {
    s.chars().rev().take_while(|&c| c == '\\').count()
}

/// Cut a `#` comment: at the start of the line or after whitespace, outside quotes.
fn strip_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut prev_space = true;
    for (i, c) in line.char_indices() {
        if escaped {
            escaped = false;
            prev_space = false;
            continue;
        }
        match (quote, c) {
            (Some('\''), '\'') => quote = None,
            (Some('\''), _) => {}
            (_, '\\') => escaped = true,
            (Some('"'), '"') => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '#') if prev_space => return &line[..i],
            _ => {}
        }
        prev_space = c.is_whitespace();
    }
    line
}

/// What a grader will run. Everything a submission asks for is checked here before it reaches
/// the engine; a refused command is reported with its reason and not run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Policy {
    /// Folder bind-mount sources must lie in (`$(pwd)` of the submission). `None`: no binds.
    pub sandbox: Option<PathBuf>,
    /// `--network host` is allowed only when the lab itself uses host networking.
    pub allow_host_network: bool,
}

impl Policy {
    /// The policy for grading `lab`, with bind mounts confined to `sandbox`.
    pub fn for_lab(lab: &Lab, sandbox: Option<PathBuf>) -> Self {
        Policy {
            allow_host_network: lab_uses_host_network(lab),
            sandbox,
        }
    }

    /// `Ok` if the action may run; otherwise every reason it may not. The parser names the
    /// dangerous options ([`Action::dangers`]); this adds what only a grader cares about:
    /// host networking the lab does not use, prune (it reaches everyone's resources), volume
    /// driver options (they mount host paths), and symbolic links out of the sandbox.
    pub fn check(&self, action: &Action) -> Result<(), Vec<String>> {
        // One reason per option, even when the parser found several things wrong with it.
        let mut by_flag: Vec<(String, Vec<String>)> = Vec::new();
        for d in action.dangers(self.sandbox.as_deref()) {
            if self.allow_host_network && d.flag == "--network=host" {
                continue;
            }
            match by_flag.iter_mut().find(|(flag, _)| *flag == d.flag) {
                Some((_, reasons)) => reasons.push(d.reason),
                None => by_flag.push((d.flag, vec![d.reason])),
            }
        }
        let mut reasons: Vec<String> = by_flag
            .into_iter()
            .map(|(flag, reasons)| format!("`{flag}` {}", reasons.join("; ")))
            .collect();
        let labels: &[(String, String)] = match action {
            Action::Run(spec) | Action::Create(spec) => &spec.labels,
            Action::NetworkCreate(n) => &n.labels,
            Action::VolumeCreate { labels, .. } => labels,
            _ => &[],
        };
        for (key, _) in labels
            .iter()
            .filter(|(k, _)| k.starts_with("io.labrunner."))
        {
            reasons.push(format!(
                "`--label {key}`: labels under io.labrunner. are how labrunner finds what it must remove"
            ));
        }
        match action {
            Action::Run(spec) | Action::Create(spec) => self.check_mounts(spec, &mut reasons),
            // A network prune filtered on a label is the habit lessons teach for shared
            // machines; labrunner confines it to the grading's own networks in any case.
            Action::NetworkPrune { labels, .. } if !labels.is_empty() => {}
            Action::NetworkPrune { .. } | Action::VolumePrune { .. } => reasons.push(
                "prune removes resources of everyone using this Docker daemon, not only yours; filter it on a label of your own (`--filter label=KEY=VALUE`)"
                    .to_string(),
            ),
            _ => {}
        }
        if reasons.is_empty() {
            Ok(())
        } else {
            Err(reasons)
        }
    }

    fn check_mounts(&self, spec: &ContainerSpec, reasons: &mut Vec<String>) {
        for mount in &spec.mounts {
            if mount
                .options
                .iter()
                .any(|o| o.starts_with("volume-opt") || o.starts_with("volume-driver"))
            {
                reasons.push(format!(
                    "volume driver options on `{}` can mount arbitrary host paths",
                    mount.target
                ));
            }
            if mount.kind != MountKind::Bind {
                continue;
            }
            let source = mount.source.as_deref().unwrap_or("");
            if let Some(reason) = self.bind_refusal(source)
                && !reasons.iter().any(|r| r.contains(source))
            {
                reasons.push(reason);
            }
        }
    }

    /// What the parser's lexical check cannot see: no sandbox at all, and a symbolic link
    /// inside the sandbox that leads out of it (the daemon follows it).
    fn bind_refusal(&self, source: &str) -> Option<String> {
        let Some(sandbox) = &self.sandbox else {
            return Some(format!(
                "bind mount of `{source}`: this grading allows no bind mounts (no sandbox folder)"
            ));
        };
        let path = Path::new(source);
        let joined = if path.is_absolute() {
            path.to_path_buf()
        } else {
            sandbox.join(path)
        };
        let lexical = normalize(&joined);
        let sandbox_real = std::fs::canonicalize(sandbox).unwrap_or_else(|_| normalize(sandbox));
        if let Some(real) = existing_prefix_canonical(&lexical)
            && !real.starts_with(&sandbox_real)
        {
            return Some(format!(
                "bind mount of `{source}`: it leads to {} (outside {})",
                real.display(),
                sandbox.display()
            ));
        }
        None
    }
}

/// Resolve `.` and `..` without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The canonical form of the longest existing prefix of `path`, with the rest appended.
fn existing_prefix_canonical(path: &Path) -> Option<PathBuf> {
    let mut prefix = path.to_path_buf();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = std::fs::canonicalize(&prefix) {
            let mut full = real;
            for part in rest.iter().rev() {
                full.push(part);
            }
            return Some(full);
        }
        let name = prefix.file_name()?.to_os_string();
        rest.push(name);
        if !prefix.pop() {
            return None;
        }
    }
}

/// Whether any command of the lab (setup, solutions, cleanup) runs a container with
/// `--network host`.
pub fn lab_uses_host_network(lab: &Lab) -> bool {
    lab.setup
        .iter()
        .chain(lab.steps.iter().flat_map(|s| s.solution.iter()))
        .chain(lab.cleanup.iter())
        .filter_map(|c| crate::command::parse(c.text(), Some("/lab")).ok())
        .any(|a| match a {
            Action::Run(spec) | Action::Create(spec) => spec.network.as_deref() == Some("host"),
            _ => false,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::{Mount, MountSyntax};

    fn texts(input: &str) -> Vec<(usize, String)> {
        split_commands(input)
            .into_iter()
            .map(|c| (c.line, c.text))
            .collect()
    }

    #[test]
    fn splits_comments_blanks_continuations_and_prompts() {
        let input = "# set up\n\n$ docker network create net  # the network\ndocker run -d \\\n  --name web \\\n  nginx\n   \n  $ docker ps\n";
        assert_eq!(
            texts(input),
            vec![
                (3, "docker network create net".to_string()),
                (4, "docker run -d --name web nginx".to_string()),
                (8, "docker ps".to_string()),
            ]
        );
    }

    #[test]
    fn hash_inside_quotes_or_words_is_not_a_comment() {
        assert_eq!(
            texts("docker exec web sh -c 'echo #1' # note\ndocker run x#y \"a # b\""),
            vec![
                (1, "docker exec web sh -c 'echo #1'".to_string()),
                (2, "docker run x#y \"a # b\"".to_string())
            ]
        );
    }

    #[test]
    fn escaped_backslash_does_not_continue_and_crlf_is_handled() {
        assert_eq!(
            texts("docker run a \\\\\r\ndocker ps\r\n"),
            vec![
                (1, "docker run a \\\\".to_string()),
                (2, "docker ps".to_string())
            ]
        );
    }

    #[test]
    fn continuation_at_end_of_file_ends_the_command() {
        assert_eq!(texts("docker ps \\"), vec![(1, "docker ps".to_string())]);
        assert!(texts("# only comments\n\n").is_empty());
    }

    #[test]
    fn command_limit_and_size_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sh");
        std::fs::write(&path, "docker ps\ndocker ps\ndocker ps\n").unwrap();
        let limits = Limits {
            max_commands: 2,
            ..Limits::default()
        };
        assert!(matches!(
            read_submission(&path, &limits),
            Err(SubmissionError::TooManyCommands { found: 3, limit: 2 })
        ));
        let limits = Limits {
            max_bytes: 5,
            ..Limits::default()
        };
        assert!(matches!(
            read_submission(&path, &limits),
            Err(SubmissionError::TooLarge { .. })
        ));
        assert_eq!(
            read_submission(&path, &Limits::default())
                .map(|c| c.len())
                .ok(),
            Some(3)
        );
        assert!(matches!(
            read_submission(&dir.path().join("missing"), &Limits::default()),
            Err(SubmissionError::Read { .. })
        ));
        std::fs::write(&path, [0xff, 0xfe]).unwrap();
        assert!(matches!(
            read_submission(&path, &Limits::default()),
            Err(SubmissionError::NotText { .. })
        ));
    }

    fn bind(source: &str) -> Mount {
        Mount {
            kind: MountKind::Bind,
            syntax: MountSyntax::VolumeFlag,
            source: Some(source.to_string()),
            target: "/data".into(),
            read_only: false,
            options: vec![],
        }
    }

    fn run(spec: ContainerSpec) -> Action {
        Action::Run(Box::new(ContainerSpec {
            image: "alpine".into(),
            ..spec
        }))
    }

    #[test]
    fn refuses_privileged_options() {
        let policy = Policy::default();
        let cases = [
            (
                ContainerSpec {
                    privileged: true,
                    ..Default::default()
                },
                "--privileged",
            ),
            (
                ContainerSpec {
                    cap_add: vec!["SYS_ADMIN".into()],
                    ..Default::default()
                },
                "--cap-add SYS_ADMIN",
            ),
            (
                ContainerSpec {
                    pid: Some("host".into()),
                    ..Default::default()
                },
                "--pid=host",
            ),
            (
                ContainerSpec {
                    ipc: Some("host".into()),
                    ..Default::default()
                },
                "--ipc=host",
            ),
            (
                ContainerSpec {
                    uts: Some("host".into()),
                    ..Default::default()
                },
                "--uts=host",
            ),
            (
                ContainerSpec {
                    network: Some("host".into()),
                    ..Default::default()
                },
                "--network=host",
            ),
        ];
        for (spec, flag) in cases {
            let reasons = policy.check(&run(spec)).expect_err(flag);
            assert!(
                reasons.iter().any(|r| r.contains(flag)),
                "{flag}: {reasons:?}"
            );
        }
        let fine = ContainerSpec {
            pid: Some("container:x".into()),
            network: Some("net".into()),
            ..Default::default()
        };
        assert_eq!(policy.check(&run(fine)), Ok(()));
        assert!(
            policy
                .check(&Action::VolumePrune {
                    force: true,
                    all: false
                })
                .is_err()
        );
        assert!(
            policy
                .check(&Action::NetworkPrune {
                    force: true,
                    labels: vec![],
                })
                .is_err()
        );
        assert_eq!(
            policy.check(&Action::NetworkPrune {
                force: true,
                labels: vec!["lab=mine".into()],
            }),
            Ok(())
        );
    }

    #[test]
    fn a_lab_uses_host_networking_when_a_command_of_it_does() {
        let lab = |solution: &str| -> Lab {
            serde_yaml::from_str(&format!(
                "format: 1\nid: l\ntitle: t\nlesson: m\ndifficulty: beginner\nminutes: 1\n\
                 steps:\n  - id: s\n    title: t\n    instructions: i\n    solution: [\"{solution}\"]\n    checks: []\n"
            ))
            .expect("lab")
        };
        assert!(lab_uses_host_network(&lab(
            "docker run -d --network host --name web nginx"
        )));
        assert!(!lab_uses_host_network(&lab(
            "docker run -d --network web-net --name web nginx"
        )));
        let l = lab("docker run -d --net=host nginx");
        assert!(Policy::for_lab(&l, None).allow_host_network);
    }

    #[test]
    fn host_network_allowed_when_the_lab_uses_it() {
        let policy = Policy {
            allow_host_network: true,
            ..Default::default()
        };
        let spec = ContainerSpec {
            network: Some("host".into()),
            ..Default::default()
        };
        assert_eq!(policy.check(&run(spec)), Ok(()));
    }

    #[test]
    fn binds_are_confined_to_the_sandbox() {
        let dir = tempfile::tempdir().unwrap();
        let sandbox = dir.path().join("sandbox");
        std::fs::create_dir_all(sandbox.join("data")).unwrap();
        let policy = Policy {
            sandbox: Some(sandbox.clone()),
            allow_host_network: false,
        };
        let check = |source: &str| {
            policy.check(&run(ContainerSpec {
                mounts: vec![bind(source)],
                ..Default::default()
            }))
        };

        assert_eq!(check(&sandbox.join("data").to_string_lossy()), Ok(()));
        assert_eq!(check(&sandbox.join("not-yet").to_string_lossy()), Ok(()));
        assert!(check("data").is_err(), "relative bind sources are refused");
        assert!(check("/etc").is_err());
        assert!(check(&format!("{}/../..", sandbox.display())).is_err());
        let sock = check("/var/run/docker.sock").expect_err("socket");
        assert!(sock[0].contains("Docker socket"), "{sock:?}");

        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/etc", sandbox.join("sneaky")).unwrap();
            let via_link = check(&sandbox.join("sneaky").to_string_lossy()).expect_err("symlink");
            assert!(via_link[0].contains("leads to /etc"), "{via_link:?}");
            let below_link = check(&sandbox.join("sneaky/ssl").to_string_lossy());
            assert!(below_link.is_err());
        }

        let no_sandbox = Policy::default();
        let reasons = no_sandbox
            .check(&run(ContainerSpec {
                mounts: vec![bind("/tmp/x")],
                ..Default::default()
            }))
            .expect_err("no sandbox");
        assert!(reasons[0].contains("no bind mounts"));
    }

    #[test]
    fn labrunner_labels_cannot_be_set_by_a_submission() {
        let policy = Policy::default();
        let spec = ContainerSpec {
            labels: vec![("io.labrunner.run".into(), "elsewhere".into())],
            ..Default::default()
        };
        let reasons = policy.check(&run(spec)).expect_err("label");
        assert!(reasons[0].contains("io.labrunner.run"), "{reasons:?}");
        let volume = Action::VolumeCreate {
            name: Some("v".into()),
            driver: None,
            labels: vec![("io.labrunner.managed".into(), "false".into())],
        };
        assert!(policy.check(&volume).is_err());
        let fine = Action::VolumeCreate {
            name: Some("v".into()),
            driver: None,
            labels: vec![("team".into(), "a".into())],
        };
        assert_eq!(policy.check(&fine), Ok(()));
    }

    #[test]
    fn volume_driver_options_are_refused() {
        let mut m = bind("vol");
        m.kind = MountKind::Volume;
        m.options = vec!["volume-opt=device=/etc".into()];
        let reasons = Policy::default()
            .check(&run(ContainerSpec {
                mounts: vec![m],
                ..Default::default()
            }))
            .expect_err("volume-opt");
        assert!(reasons[0].contains("volume driver options"));
    }
}
