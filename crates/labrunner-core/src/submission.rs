//! A student's submission: a file of docker commands, and the policy that decides which of
//! them a grader is willing to run.
//!
//! The file is read like a shell script would be, for the little a submission may contain:
//! `#` comments (whole lines, or after whitespace outside quotes), blank lines, backslash
//! continuations, and a leading `$ ` prompt copied from a terminal. Everything else is the
//! docker command parser's business.

use std::path::{Path, PathBuf};

use crate::sandbox::normalize;
use std::time::Duration;

use crate::command::{Action, ContainerSpec, MountKind};
use crate::engine::{Engine, EngineError};
use crate::images::ImageMap;
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
    /// Time to read a submission that arrives on standard input.
    pub read_timeout: Duration,
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
            read_timeout: Duration::from_secs(30),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SubmissionError {
    /// Unreadable, not a regular file (nor standard input), over the size limit, or a stream
    /// that sent nothing more in time.
    #[error("cannot read submission {}: {}", .0.shown_path(), .0.detail())]
    Input(crate::input::InputError),
    #[error("submission {path} is not UTF-8 text")]
    NotText { path: PathBuf },
    #[error(
        "submission {path}:{line}:{column}: control character U+{code:04X}: a submission is text, one docker command per line"
    )]
    ControlCharacter {
        path: PathBuf,
        line: usize,
        column: usize,
        code: u32,
    },
    #[error("the submission has {found} commands; the limit is {limit}")]
    TooManyCommands { found: usize, limit: usize },
}

/// Read and split a submission, enforcing the size and command-count limits. `path` may name
/// standard input (`-` or `/dev/stdin`), which is read with the same size limit and
/// [`Limits::read_timeout`]; any other path must be a regular file.
pub fn read_submission(
    path: &Path,
    limits: &Limits,
) -> Result<Vec<SubmittedCommand>, SubmissionError> {
    let bytes = crate::input::read_file_or_stdin(path, limits.max_bytes, limits.read_timeout)
        .map_err(SubmissionError::Input)?;
    let text = String::from_utf8(bytes).map_err(|_| SubmissionError::NotText {
        path: path.to_path_buf(),
    })?;
    parse_submission(path, &text, limits)
}

/// Split submission text, refusing control characters (a NUL would reach the daemon cut or
/// whole, depending on the layer) the way lab files refuse them, and enforcing the command
/// limit.
pub fn parse_submission(
    path: &Path,
    text: &str,
    limits: &Limits,
) -> Result<Vec<SubmittedCommand>, SubmissionError> {
    if let Some((line, column, c)) = crate::input::control_character(text) {
        return Err(SubmissionError::ControlCharacter {
            path: path.to_path_buf(),
            line,
            column,
            code: c as u32,
        });
    }
    let commands = split_commands(text);
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
    for (index, raw) in crate::input::without_bom(text).lines().enumerate() {
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

/// One reason the policy gives for not running a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The option it is about, as far as it can be found in the command (a flag as written,
    /// a bind source, a label key); `None` when it is about the whole command.
    pub option: Option<String>,
    pub reason: String,
}

impl Policy {
    /// The policy for grading `lab`, with bind mounts confined to `sandbox`.
    pub fn for_lab(lab: &Lab, sandbox: Option<PathBuf>) -> Self {
        Policy {
            allow_host_network: lab_uses_host_network(lab),
            sandbox,
        }
    }

    /// The policy for a lesson's doctests: bind mounts confined to the run's working folder
    /// (`$(pwd)` of the demonstrations). Host networking is allowed, as it is for a lab that
    /// uses it: lessons teach it. What a doctest may touch on the daemon is the run's own
    /// business (only what it created), not the policy's.
    pub fn for_lesson(folder: PathBuf) -> Self {
        Policy {
            sandbox: Some(folder),
            allow_host_network: true,
        }
    }

    /// `Ok` if the action may run; otherwise every reason it may not. The parser names the
    /// dangerous options ([`Action::dangers`]); this adds what only a grader cares about:
    /// host networking the lab does not use, prune (it reaches everyone's resources), volume
    /// driver options (they mount host paths), and symbolic links out of the sandbox.
    pub fn check(&self, action: &Action) -> Result<(), Vec<String>> {
        let refusals = self.refusals(action);
        if refusals.is_empty() {
            Ok(())
        } else {
            Err(refusals.into_iter().map(|r| r.reason).collect())
        }
    }

    /// What [`Policy::check`] says, each reason with the option it is about as written on the
    /// command line, where there is one (to point at it).
    pub fn refusals(&self, action: &Action) -> Vec<Refusal> {
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
        let mut reasons: Vec<Refusal> = by_flag
            .into_iter()
            .map(|(flag, reasons)| Refusal {
                reason: format!("`{flag}` {}", reasons.join("; ")),
                option: Some(flag),
            })
            .collect();
        let labels: &[(String, String)] = match action {
            Action::Run(spec) | Action::Create(spec) => &spec.labels,
            Action::NetworkCreate(n) => &n.labels,
            Action::VolumeCreate { labels, .. } => labels,
            _ => &[],
        };
        for (key, _) in labels
            .iter()
            .filter(|(k, _)| k.starts_with(crate::labels::PREFIX))
        {
            reasons.push(Refusal {
                option: Some(key.clone()),
                reason: format!(
                    "`--label {key}`: labels under io.labrunner. are how labrunner finds what it must remove"
                ),
            });
        }
        if let Action::Run(spec) | Action::Create(spec) = action {
            self.check_mounts(spec, &mut reasons);
        }
        // Judged against the routes the host has now: a network that would shadow one of the
        // host's own could cut the grading host off.
        if let Action::NetworkCreate(n) = action {
            for (flag, reason) in crate::command::host_overlaps(n, &crate::command::host_routes()) {
                reasons.push(Refusal {
                    reason: format!("`{flag}` {reason}"),
                    option: Some(flag),
                });
            }
        }
        reasons
    }

    fn check_mounts(&self, spec: &ContainerSpec, reasons: &mut Vec<Refusal>) {
        for mount in &spec.mounts {
            let source = mount.source.as_deref().unwrap_or("");
            if mount
                .options
                .iter()
                .any(|o| o.starts_with("volume-opt") || o.starts_with("volume-driver"))
            {
                reasons.push(Refusal {
                    option: Some(source.to_string()),
                    reason: format!(
                        "volume driver options on `{}` can mount arbitrary host paths",
                        mount.target
                    ),
                });
            }
            if mount.kind != MountKind::Bind {
                continue;
            }
            if let Some(reason) = self.bind_refusal(source)
                && !reasons.iter().any(|r| r.reason.contains(source))
            {
                reasons.push(Refusal {
                    option: Some(source.to_string()),
                    reason,
                });
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

/// Why the image of a `run`/`create` may not be used.
#[derive(Debug, Clone, PartialEq)]
pub enum ImageRefusal {
    /// Not on this machine (after the image map); `resolved` is the name looked for.
    Missing { image: String, resolved: String },
    /// The daemon could not say.
    Daemon(EngineError),
}

/// Grading and doctests never pull: a `run` or `create` may go ahead only if its image, after
/// the image map, is on this machine already. Other commands start no image.
pub async fn admit_image(
    engine: &dyn Engine,
    image_map: &ImageMap,
    action: &Action,
) -> Result<(), ImageRefusal> {
    let (Action::Run(spec) | Action::Create(spec)) = action else {
        return Ok(());
    };
    let resolved = image_map.resolve(&spec.image);
    match engine.image_present(resolved).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(ImageRefusal::Missing {
            image: spec.image.clone(),
            resolved: resolved.to_string(),
        }),
        Err(e) => Err(ImageRefusal::Daemon(e)),
    }
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
    fn a_byte_order_mark_does_not_hide_the_first_command() {
        assert_eq!(
            texts("\u{feff}docker network create net\r\ndocker ps\r\n"),
            vec![
                (1, "docker network create net".to_string()),
                (2, "docker ps".to_string()),
            ]
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bom.sh");
        std::fs::write(&path, "\u{feff}docker ps\n").unwrap();
        let read = read_submission(&path, &Limits::default()).unwrap();
        assert_eq!(read[0].text, "docker ps");
        let lesson = dir.path().join("L.md");
        std::fs::write(&lesson, "\u{feff}# Title\n").unwrap();
        assert_eq!(crate::lesson::read_lesson(&lesson).unwrap(), "# Title\n");
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
            Err(SubmissionError::Input(
                crate::input::InputError::TooLarge { .. }
            ))
        ));
        assert_eq!(
            read_submission(&path, &Limits::default())
                .map(|c| c.len())
                .ok(),
            Some(3)
        );
        assert!(matches!(
            read_submission(&dir.path().join("missing"), &Limits::default()),
            Err(SubmissionError::Input(crate::input::InputError::Io { .. }))
        ));
        std::fs::write(&path, "docker ps\ndocker run alpine echo a\0b\n").unwrap();
        let err = read_submission(&path, &Limits::default()).unwrap_err();
        assert!(
            matches!(
                err,
                SubmissionError::ControlCharacter {
                    line: 2,
                    column: 25,
                    code: 0,
                    ..
                }
            ),
            "{err}"
        );
        assert!(
            err.to_string()
                .contains("s.sh:2:25: control character U+0000"),
            "{err}"
        );
        std::fs::write(&path, "docker run alpine echo \u{1b}[2J\n").unwrap();
        assert!(matches!(
            read_submission(&path, &Limits::default()),
            Err(SubmissionError::ControlCharacter { code: 0x1b, .. })
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
    fn networks_claim_only_private_ranges() {
        let policy = Policy::default();
        let check = |line: &str| policy.check(&crate::command::parse(line, None).unwrap());
        let refused = check("docker network create --subnet 8.8.8.0/24 --gateway 8.8.8.1 n")
            .expect_err("a public range");
        assert_eq!(refused.len(), 2, "{refused:?}");
        assert!(refused[0].starts_with("`--subnet 8.8.8.0/24` is not a private address range"));
        assert!(refused[1].starts_with("`--gateway 8.8.8.1` is not a private address range"));
        // Private ranges pass, unless they overlap one of this machine's own networks.
        let routes = crate::command::host_routes();
        let line = "docker network create --subnet 10.213.7.0/24 --gateway 10.213.7.1 n";
        let action = crate::command::parse(line, None).unwrap();
        let Action::NetworkCreate(n) = &action else {
            panic!("not a network creation")
        };
        assert_eq!(
            check(line).is_ok(),
            crate::command::host_overlaps(n, &routes).is_empty()
        );
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
