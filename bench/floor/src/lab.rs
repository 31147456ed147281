//! The floor of any lab: the daemon calls `labrunner test` or a grading issues for it, without
//! a single check, settling wait or report. Commands are parsed and applied through
//! labrunner-core's Engine (the parser is the only labrunner code between a command and the
//! daemon), in a namespace of their own, and cleaned up the way a run cleans up.

use std::path::Path;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use labrunner_core::{
    Command, DockerEngine, Engine, ImageMap, Lab, LabRun, Namespace, NamespacedEngine,
};

use crate::Error;

pub struct LabFloor {
    engine: DockerEngine,
    lab: Lab,
    image_map: ImageMap,
}

impl LabFloor {
    pub async fn new(path: &Path) -> Result<Self, Error> {
        let lab = labrunner_core::load(path)
            .map_err(|d| format!("{}: {d:?}", path.display()))?
            .lab;
        let mut image_map = ImageMap::default();
        if let Ok(env) = std::env::var("LABRUNNER_IMAGE_MAP") {
            image_map.extend(&ImageMap::parse_entries(&env)?);
        }
        Ok(LabFloor {
            engine: DockerEngine::connect().await?,
            lab,
            image_map,
        })
    }

    pub fn id(&self) -> &str {
        &self.lab.id
    }

    /// What `labrunner test` issues: setup, every step's solution; then each alternative and
    /// mistake from a clean start (cleanup, the folder and setup again, the steps before it
    /// replayed, its own commands); then the cleanup.
    pub async fn test(&self, namespace: &str) -> Result<Duration, Error> {
        let ns = Namespace::new(namespace)?;
        let lab = ns.rewrite_lab(&self.lab);
        let engine = NamespacedEngine::new(&self.engine, Some(ns.clone()));
        let mut run = self.run(&engine, &lab, ns);
        let started = Instant::now();
        let result = async {
            run.preflight().await?;
            start(&run, lab.steps.len()).await?;
            for (index, step) in lab.steps.iter().enumerate() {
                let variants = step
                    .alternatives
                    .iter()
                    .map(|a| &a.commands)
                    .chain(step.mistakes.iter().map(|m| &m.commands));
                for commands in variants {
                    run.cleanup().await?;
                    start(&run, index).await?;
                    run_all(&run, commands).await;
                }
            }
            run.cleanup().await?;
            Ok::<_, Error>(())
        }
        .await;
        let took = started.elapsed();
        let _ = run.cleanup().await;
        result.map(|()| took)
    }

    /// What one correct student's grading issues: setup, the solution, the cleanup.
    pub async fn student(&self, namespace: &str) -> Result<(), Error> {
        let ns = Namespace::new(namespace)?;
        let lab = ns.rewrite_lab(&self.lab);
        let engine = NamespacedEngine::new(&self.engine, Some(ns.clone()));
        let mut run = self.run(&engine, &lab, ns);
        let result = async {
            run.preflight().await?;
            start(&run, lab.steps.len()).await?;
            run.cleanup().await?;
            Ok::<_, Error>(())
        }
        .await;
        if result.is_err() {
            let _ = run.cleanup().await;
        }
        result
    }

    /// `students` students' gradings, `jobs` at once, as `grade --submissions` runs them.
    pub async fn class(
        &self,
        prefix: &str,
        students: usize,
        jobs: usize,
    ) -> Result<Duration, Error> {
        let started = Instant::now();
        let results: Vec<Result<(), Error>> = futures_util::stream::iter(1..=students)
            .map(|i| async move { self.student(&format!("{prefix}-{i}")).await })
            .buffer_unordered(jobs)
            .collect()
            .await;
        let took = started.elapsed();
        results.into_iter().collect::<Result<Vec<()>, Error>>()?;
        Ok(took)
    }

    fn run<'a>(&'a self, engine: &'a dyn Engine, lab: &'a Lab, ns: Namespace) -> LabRun<'a> {
        let mut run = LabRun::new(
            engine,
            lab,
            std::path::PathBuf::new(),
            self.image_map.clone(),
        );
        run.workdir = labrunner_core::workdir(&lab.id, Some(&run.run_id));
        run.namespace = Some(ns);
        run
    }
}

/// The folder and setup made, and the solutions of the first `steps` steps run.
async fn start(run: &LabRun<'_>, steps: usize) -> Result<(), Error> {
    run.prepare_workdir()?;
    run.setup().await?;
    for step in &run.lab.steps[..steps] {
        if let Some((command, why)) = run.run_solution(step).await.into_iter().next() {
            return Err(format!("`{command}` of step {} failed: {why}", step.id).into());
        }
    }
    Ok(())
}

/// A variant's commands, whatever they answer (a mistake's may fail).
async fn run_all(run: &LabRun<'_>, commands: &[Command]) {
    for c in commands {
        run.run_command(None, c).await;
    }
}
