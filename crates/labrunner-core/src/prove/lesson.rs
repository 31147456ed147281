//! Running a lesson's demonstrations on the daemon, in order, through labrunner's own parser and
//! engine; then its cleanup, and a look for anything left behind.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

use crate::command::{self, Action, ResourceKind};
use crate::engine::{Engine, EngineError, StartGuard};
use crate::execute::{ApplyContext, execute};
use crate::images::ImageMap;
use crate::labels::LABEL_RUN;
use crate::lesson::{Demonstration, demonstrations, in_run_order, output_matches};
use crate::sandbox::SandboxGuard;
use crate::submission::{ImageRefusal, Policy, admit_image};

/// Why a demonstration did not hold.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum DemoProblem {
    /// labrunner's parser does not accept the command.
    NotRunnable { reason: String },
    /// The command is not run: an option the grading policy refuses, or an object on the
    /// daemon this run did not create.
    Refused { reasons: Vec<String> },
    /// The image (after the image map) is not on this machine; nothing is pulled for a doctest.
    ImageMissing { image: String, resolved: String },
    /// The command failed and the lesson shows no output to compare with.
    Failed { error: String },
    /// What was printed differs from what the lesson shows.
    OutputDiffers {
        expected: Vec<String>,
        actual: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemoResult {
    pub line: usize,
    pub command: String,
    pub cleanup: bool,
    /// What the command printed, as the docker CLI would (errors included).
    pub output: String,
    pub problem: Option<DemoProblem>,
}

/// The result of `labrunner test LESSON.md`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LessonTest {
    pub lesson: PathBuf,
    pub ok: bool,
    pub results: Vec<DemoResult>,
    /// Resources carrying the run's label after the cleanup (each one a defect).
    pub leftovers: Vec<String>,
    /// Entries left in the working folder after the cleanup.
    pub leftover_files: Vec<String>,
    /// Set when the run could not be carried out at all.
    pub error: Option<String>,
    pub duration_ms: u128,
}

/// One doctest run of one lesson.
pub struct LessonRun<'a> {
    pub engine: &'a dyn Engine,
    pub lesson: PathBuf,
    pub markdown: String,
    pub image_map: ImageMap,
    /// `$(pwd)` of the demonstrations: created empty, removed afterwards.
    pub workdir: PathBuf,
    pub run_id: String,
}

impl LessonRun<'_> {
    fn labels(&self) -> BTreeMap<String, String> {
        let id = self
            .lesson
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        crate::labels::run_labels(&format!("lesson-{id}"), &self.run_id)
    }

    fn context(&self) -> ApplyContext {
        ApplyContext::for_run(self.labels(), self.image_map.clone())
    }

    /// What the demonstrations may run: a grading's refusals, with bind mounts confined to the
    /// run's working folder.
    fn policy(&self) -> Policy {
        Policy::for_lesson(self.workdir.clone())
    }
}

/// Runs every demonstration of the lesson in order, then its cleanup, then looks for leftovers.
pub async fn test_lesson(run: &LessonRun<'_>) -> LessonTest {
    let started = Instant::now();
    let mut report = LessonTest {
        lesson: run.lesson.clone(),
        ok: false,
        results: Vec::new(),
        leftovers: Vec::new(),
        leftover_files: Vec::new(),
        error: None,
        duration_ms: 0,
    };
    let demos = demonstrations(&run.markdown);
    if let Err(e) = preflight(run, &demos).await {
        report.error = Some(e);
        report.duration_ms = started.elapsed().as_millis();
        return report;
    }
    // Bind mounts are set up as in a replayed grading: under the sandbox guard, which walks
    // each source from the working folder with the run's containers paused.
    let guard = match SandboxGuard::new(&run.workdir, (LABEL_RUN.to_string(), run.run_id.clone())) {
        Ok(guard) => Arc::new(guard),
        Err(e) => {
            report.error = Some(format!("cannot open {}: {e}", run.workdir.display()));
            remove_everything(run).await;
            report.duration_ms = started.elapsed().as_millis();
            return report;
        }
    };
    for demo in in_run_order(&demos) {
        report.results.push(run_demo(run, demo, &guard).await);
        if guard.holds_paused() {
            report.error = Some(
                "the daemon did not finish setting up bind mounts in time, so the run's containers stay paused and the run stopped".to_string(),
            );
            break;
        }
    }
    match left_behind(run).await {
        Ok((resources, files)) => {
            report.leftovers = resources;
            report.leftover_files = files;
        }
        Err(e) => report.error = Some(format!("cannot list what the run left behind: {e}")),
    }
    remove_everything(run).await;
    report.ok = report.error.is_none()
        && report.leftovers.is_empty()
        && report.leftover_files.is_empty()
        && report.results.iter().all(|r| r.problem.is_none());
    report.duration_ms = started.elapsed().as_millis();
    report
}

/// Refuses to start when the lesson has nothing to run, no cleanup, or a resource its
/// demonstrations create exists already (a doctest never touches what it did not create).
async fn preflight(run: &LessonRun<'_>, demos: &[Demonstration]) -> Result<(), String> {
    if demos.is_empty() {
        return Err(format!(
            "{} marks no demonstration as runnable\n  fix: add `doctest` to the info string of a fenced block (```console doctest)",
            run.lesson.display()
        ));
    }
    if !demos.iter().any(|d| d.cleanup) {
        return Err(format!(
            "{} has no cleanup block\n  fix: mark the block that removes what the demonstrations created with ```sh doctest cleanup",
            run.lesson.display()
        ));
    }
    let workdir = run.workdir.to_string_lossy().to_string();
    let mut existing = Vec::new();
    for demo in demos {
        let Ok(action) = command::parse(&demo.command, Some(&workdir)) else {
            continue;
        };
        for (kind, name) in action.creates() {
            let found = match kind {
                ResourceKind::Container => run.engine.container(&name).await.map(|c| c.map(|_| ())),
                ResourceKind::Network => run.engine.network(&name).await.map(|n| n.map(|_| ())),
                ResourceKind::Volume => run.engine.volume(&name).await.map(|v| v.map(|_| ())),
            };
            match found {
                Ok(Some(_)) => existing.push(format!("{kind} {name}")),
                Ok(None) => {}
                Err(e) => return Err(e.to_string()),
            }
        }
    }
    if !existing.is_empty() {
        existing.dedup();
        return Err(format!(
            "these already exist and the demonstrations would create them: {}\n  fix: remove them first; a doctest never removes what it did not create",
            existing.join(", ")
        ));
    }
    std::fs::create_dir_all(&run.workdir)
        .map_err(|e| format!("cannot create {}: {e}", run.workdir.display()))
}

async fn run_demo(
    run: &LessonRun<'_>,
    demo: &Demonstration,
    guard: &Arc<SandboxGuard>,
) -> DemoResult {
    let mut result = DemoResult {
        line: demo.line,
        command: demo.command.clone(),
        cleanup: demo.cleanup,
        output: String::new(),
        problem: None,
    };
    let workdir = run.workdir.to_string_lossy().to_string();
    let action = match command::parse(&demo.command, Some(&workdir)) {
        Ok(a) => a,
        Err(e) => {
            result.problem = Some(DemoProblem::NotRunnable {
                reason: e.to_string(),
            });
            return result;
        }
    };
    if let Err(reasons) = run.policy().check(&action) {
        result.problem = Some(DemoProblem::Refused { reasons });
        return result;
    }
    match not_created_by(run, &action).await {
        Ok(foreign) if foreign.is_empty() => {}
        Ok(foreign) => {
            result.problem = Some(DemoProblem::Refused {
                reasons: foreign
                    .into_iter()
                    .map(|what| format!("{what} was not created by this run: a doctest touches only what it created"))
                    .collect(),
            });
            return result;
        }
        Err(e) => {
            result.problem = Some(DemoProblem::Failed {
                error: e.to_string(),
            });
            return result;
        }
    }
    // A doctest never pulls.
    match admit_image(run.engine, &run.image_map, &action).await {
        Ok(()) => {}
        Err(ImageRefusal::Missing { image, resolved }) => {
            result.problem = Some(DemoProblem::ImageMissing { image, resolved });
            return result;
        }
        Err(ImageRefusal::Daemon(e)) => {
            result.problem = Some(DemoProblem::Failed {
                error: e.to_string(),
            });
            return result;
        }
    }
    let existed = match detached_name(&action) {
        Some(name) => run.engine.container(name).await.ok().flatten().is_some(),
        None => true,
    };
    let mut ctx = run.context();
    ctx.start_guard = Some(guard.clone() as Arc<dyn StartGuard>);
    let (output, error) = match execute(run.engine, &action, &ctx).await {
        Ok(out) => (out.stdout, None),
        Err(e) => {
            let text = cli_error(&action, &e);
            let id = match existed {
                false => created_before_failing(run, &action).await,
                true => String::new(),
            };
            (format!("{id}{text}\n"), Some(text))
        }
    };
    // The working folder differs on every run; the lesson writes it as `$(pwd)`.
    // The guard hands the daemon the folder's canonical path, which its messages then show.
    let canonical = guard.root().to_string_lossy().to_string();
    let output = output
        .replace(&workdir, "$(pwd)")
        .replace(&canonical, "$(pwd)");
    result.problem = match (&demo.expected, error) {
        (Some(expected), _) if !output_matches(expected, &output) => {
            Some(DemoProblem::OutputDiffers {
                expected: expected.clone(),
                actual: output.clone(),
            })
        }
        (None, Some(error)) => Some(DemoProblem::Failed { error }),
        _ => None,
    };
    result.output = output;
    result
}

/// What `action` names that exists on the daemon without this run's label, or that the daemon
/// could take for something else than the name says (a leading `/`, or hexadecimal digits only,
/// which the daemon matches against ids): each as `KIND NAME`. A name that does not exist is
/// the command's to create, or the daemon's to refuse.
async fn not_created_by(run: &LessonRun<'_>, action: &Action) -> Result<Vec<String>, EngineError> {
    let mut foreign = Vec::new();
    for (kind, name) in action.resources() {
        let labels = match kind {
            ResourceKind::Container => run.engine.container(&name).await?.map(|c| c.labels),
            ResourceKind::Network => run.engine.network(&name).await?.map(|n| n.labels),
            ResourceKind::Volume => run.engine.volume(&name).await?.map(|v| v.labels),
        };
        let ours = match labels {
            Some(labels) => labels.get(LABEL_RUN) == Some(&run.run_id),
            None => !could_be_an_id(&name),
        };
        if !ours {
            foreign.push(format!("{kind} {name}"));
        }
    }
    Ok(foreign)
}

/// A name the daemon may resolve to another object than one of that name: `/NAME`, or an id
/// (prefix).
fn could_be_an_id(name: &str) -> bool {
    name.starts_with('/') || name.chars().all(|c| c.is_ascii_hexdigit())
}

/// The name of a `docker run -d --name NAME`.
fn detached_name(action: &Action) -> Option<&str> {
    match action {
        Action::Run(spec) if spec.detach => spec.name.as_deref(),
        _ => None,
    }
}

/// `docker run -d` prints the new container's id before starting it, so a container the daemon
/// created and then could not start (a missing network) shows its id above the error.
async fn created_before_failing(run: &LessonRun<'_>, action: &Action) -> String {
    let Some(name) = detached_name(action) else {
        return String::new();
    };
    match run.engine.container(name).await {
        Ok(Some(c)) if c.status == crate::engine::ContainerStatus::Created => {
            format!("{}\n", c.id)
        }
        _ => String::new(),
    }
}

/// A refused command as the docker CLI prints it: `docker run` and `docker create` put
/// `docker: ` in front of the daemon's message.
fn cli_error(action: &Action, error: &EngineError) -> String {
    let text = error.to_string();
    match action {
        Action::Run(_) | Action::Create(_) => format!("docker: {text}"),
        _ => text,
    }
}

async fn left_behind(run: &LessonRun<'_>) -> Result<(Vec<String>, Vec<String>), EngineError> {
    let owned = run
        .engine
        .labelled(&crate::labels::of_run(&run.run_id))
        .await?;
    let mut resources: Vec<String> = owned
        .containers
        .iter()
        .map(|n| format!("container {n}"))
        .chain(owned.networks.iter().map(|n| format!("network {n}")))
        .chain(owned.volumes.iter().map(|n| format!("volume {n}")))
        .collect();
    resources.sort();
    Ok((resources, folder_entries(&run.workdir)))
}

fn folder_entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().to_string())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Whatever the run created goes, so that a failed doctest leaves the daemon as it found it.
async fn remove_everything(run: &LessonRun<'_>) {
    if let Ok(owned) = run
        .engine
        .labelled(&crate::labels::of_run(&run.run_id))
        .await
    {
        crate::sweep::sweep(run.engine, owned.listed()).await;
    }
    let _ = std::fs::remove_dir_all(&run.workdir);
}
