//! Background work for the lab view: one task per open lab runs the core's live loop
//! ([`labrunner_core::run_live`]), which re-evaluates the current step on daemon events and a slow
//! fallback, runs solutions ("run it for me") and resets. Its [`RunEvent`]s are forwarded to the
//! app's channel; the UI never waits on the daemon.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::task::AbortHandle;

use super::app::{AppEvent, Effect, ExistingResources};
use super::lab_view::LiveStatus;
use labrunner_core::{
    Consent, DockerEngine, Engine, EngineError, ImageMap, LabRun, LiveCommand, LiveConfig,
    LoadedLab, Resource, RunEvent, RunRegistry,
};

/// How long to wait between attempts to reach a daemon that is not answering.
const RECONNECT_EVERY: Duration = labrunner_core::reconnect::VIEW;

/// A connection being made to an engine.
pub type Connecting = Pin<Box<dyn Future<Output = Result<Arc<dyn Engine>, EngineError>> + Send>>;

/// How the driver reaches the engine labs run on: the Docker daemon, or the fake engine in
/// tests. Asked again whenever the engine cannot be reached.
#[derive(Clone)]
pub struct Connector(Arc<dyn Fn() -> Connecting + Send + Sync>);

impl Connector {
    pub fn new(connect: impl Fn() -> Connecting + Send + Sync + 'static) -> Self {
        Connector(Arc::new(connect))
    }

    /// The Docker daemon of `DOCKER_HOST` (or the local socket).
    pub fn docker() -> Self {
        Connector::new(|| {
            Box::pin(async {
                let engine = DockerEngine::connect().await?;
                Ok(Arc::new(engine) as Arc<dyn Engine>)
            })
        })
    }

    /// Always this engine (a fake one in tests).
    pub fn to(engine: Arc<dyn Engine>) -> Self {
        Connector::new(move || {
            let engine = engine.clone();
            Box::pin(async move { Ok(engine) })
        })
    }

    async fn connect(&self) -> Result<Arc<dyn Engine>, EngineError> {
        (self.0)().await
    }
}

/// Where labs' working folders and the record of running labs live: labrunner's data folder.
#[derive(Debug, Clone)]
pub struct DataFolder(PathBuf);

impl DataFolder {
    pub fn new(dir: PathBuf) -> Self {
        DataFolder(dir)
    }

    /// `LABRUNNER_HOME`, else the platform's data folder ([`labrunner_core::home`]).
    pub fn in_home() -> Self {
        DataFolder(labrunner_core::home())
    }

    fn workdir(&self, lab_id: &str) -> PathBuf {
        self.0.join("work").join(lab_id)
    }

    fn registry(&self) -> RunRegistry {
        RunRegistry::at(self.0.join("runs"))
    }
}

pub struct Driver {
    tx: UnboundedSender<AppEvent>,
    image_map: ImageMap,
    engines: Connector,
    data: DataFolder,
    commands: Option<UnboundedSender<LiveCommand>>,
    tasks: Vec<AbortHandle>,
}

impl Driver {
    pub fn new(
        tx: UnboundedSender<AppEvent>,
        image_map: ImageMap,
        engines: Connector,
        data: DataFolder,
    ) -> Self {
        Driver {
            tx,
            image_map,
            engines,
            data,
            commands: None,
            tasks: Vec::new(),
        }
    }

    pub fn handle(&mut self, effect: Effect) {
        match effect {
            // A lab starts only after the student's answer about what existed before it; the
            // answer goes to the run as its consent for the lab folder's files (what existed on
            // the daemon is never written into, started, stopped or removed).
            Effect::StartLive {
                session,
                lab,
                existing,
                start,
                preexisting,
                setup,
            } => {
                self.stop();
                let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
                let (ev_tx, mut ev_rx) = mpsc::unbounded_channel::<RunEvent>();
                let app = self.tx.clone();
                let forward = tokio::spawn(async move {
                    while let Some(ev) = ev_rx.recv().await {
                        if app.send(tagged(session, AppEvent::Run(ev))).is_err() {
                            break;
                        }
                    }
                });
                self.tasks.push(forward.abort_handle());
                let job = LiveJob {
                    session,
                    lab: *lab,
                    consent: match existing {
                        ExistingResources::UseThem => Consent::Given,
                        ExistingResources::NoneExisted => Consent::Withheld,
                    },
                    start,
                    preexisting,
                    setup,
                    image_map: self.image_map.clone(),
                    engines: self.engines.clone(),
                    data: self.data.clone(),
                    app: self.tx.clone(),
                    events: ev_tx,
                };
                let live = tokio::spawn(job.run(cmd_rx));
                self.tasks.push(live.abort_handle());
                // A bug in the live task must not take the screen down: say so on the status line.
                let app = self.tx.clone();
                let watch = tokio::spawn(async move {
                    if let Err(e) = live.await
                        && e.is_panic()
                    {
                        let why = labrunner_core::panic_text(e.into_panic().as_ref());
                        let _ = app.send(tagged(
                            session,
                            AppEvent::Live(LiveStatus::Off(format!(
                                "live checks stopped by an internal error: {why} (reopen the lab to restart them)"
                            ))),
                        ));
                    }
                });
                self.tasks.push(watch.abort_handle());
                self.commands = Some(cmd_tx);
            }
            Effect::Preflight { session, lab } => self.preflight(session, *lab),
            Effect::RemoveLab { lab, preexisting } => self.remove(*lab, preexisting),
            Effect::StopLive => self.stop(),
            Effect::Assist { step } => self.send(LiveCommand::Assist { step }),
            Effect::Reset => self.send(LiveCommand::Reset),
            Effect::Copy(_)
            | Effect::OpenTerminal { .. }
            | Effect::CloseTerminal
            | Effect::TerminalInput(_)
            | Effect::MouseCapture(_) => {}
        }
    }

    /// Finds which of the lab's declared resources exist, before the student is asked to
    /// open it; nothing is created.
    fn preflight(&mut self, session: u64, lab: LoadedLab) {
        self.stop();
        let app = self.tx.clone();
        let map = self.image_map.clone();
        let (engines, data) = (self.engines.clone(), self.data.clone());
        let task = tokio::spawn(async move {
            let id = lab.lab.id.clone();
            let status = |s: LiveStatus| {
                let _ = app.send(tagged(session, AppEvent::Live(s)));
            };
            loop {
                let engine = match engines.connect().await {
                    Ok(e) => e,
                    Err(e) => {
                        status(LiveStatus::Lost(one_line(&e)));
                        tokio::time::sleep(RECONNECT_EVERY).await;
                        continue;
                    }
                };
                let mut run = LabRun::new(&*engine, &lab.lab, data.workdir(&id), map.clone());
                match run.preflight().await {
                    Ok(resources) => {
                        let _ = app.send(tagged(session, AppEvent::Preflight { resources }));
                        return;
                    }
                    Err(e) => {
                        status(LiveStatus::Lost(one_line(&e)));
                        tokio::time::sleep(RECONNECT_EVERY).await;
                    }
                }
            }
        });
        self.tasks.push(task.abort_handle());
    }

    /// Removes what a finished lab created (never what existed before it), beside whatever
    /// the student does next; says what was removed.
    fn remove(&mut self, lab: LoadedLab, preexisting: Vec<Resource>) {
        let app = self.tx.clone();
        let (engines, data, map) = (
            self.engines.clone(),
            self.data.clone(),
            self.image_map.clone(),
        );
        tokio::spawn(async move {
            let id = lab.lab.id.clone();
            let result = match engines.connect().await {
                Ok(engine) => {
                    let mut run = LabRun::new(&*engine, &lab.lab, data.workdir(&id), map);
                    run.assume_preexisting(preexisting);
                    run.cleanup().await.map_err(|e| one_line(&e))
                }
                Err(e) => Err(one_line(&e)),
            };
            let _ = app.send(AppEvent::Removed { lab: id, result });
        });
    }

    fn send(&self, command: LiveCommand) {
        if let Some(c) = &self.commands {
            let _ = c.send(command);
        }
    }

    pub fn stop(&mut self) {
        self.send(LiveCommand::Quit);
        self.commands = None;
        for t in self.tasks.drain(..) {
            t.abort();
        }
    }
}

fn tagged(session: u64, event: AppEvent) -> AppEvent {
    AppEvent::ForLab {
        session,
        event: Box::new(event),
    }
}

struct LiveJob {
    session: u64,
    lab: LoadedLab,
    /// "Yes, use my existing resources", or nothing pre-existing to agree to.
    consent: Consent,
    start: usize,
    preexisting: Option<Vec<Resource>>,
    setup: bool,
    image_map: ImageMap,
    engines: Connector,
    data: DataFolder,
    app: UnboundedSender<AppEvent>,
    events: UnboundedSender<RunEvent>,
}

/// First line of an engine error for the status line, with its fix if it has one.
fn one_line(e: &impl std::fmt::Display) -> String {
    e.to_string()
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" — ")
}

impl LiveJob {
    async fn run(self, commands: mpsc::UnboundedReceiver<LiveCommand>) {
        let status = |s: LiveStatus| {
            let _ = self.app.send(tagged(self.session, AppEvent::Live(s)));
        };
        status(LiveStatus::Connecting);
        // The student may need the folder before the daemon answers (files come once it does).
        let _ = std::fs::create_dir_all(self.data.workdir(&self.lab.lab.id));
        let engine = loop {
            match self.engines.connect().await {
                Ok(e) => break e,
                Err(e) => {
                    status(LiveStatus::Lost(one_line(&e)));
                    tokio::time::sleep(RECONNECT_EVERY).await;
                }
            }
        };
        let lab = &self.lab.lab;
        let workdir = self.data.workdir(&lab.id);
        let mut run = LabRun::new(&*engine, lab, workdir, self.image_map.clone())
            .with_events(self.events.clone());
        run.consent = self.consent;
        // Recorded while the session lasts, so that `clean` never touches it; what the session
        // leaves for tomorrow is `clean`'s once the session has ended. A data folder that cannot
        // take the record does not stop the lab.
        let claim = self
            .data
            .registry()
            .claim(&run.run_id, run.namespace.as_ref(), &lab.id)
            .ok();
        // Pulls of missing images report their progress; show it on the status line.
        let (pull_tx, mut pull_rx) = mpsc::unbounded_channel();
        run.pull_progress = Some(pull_tx);
        let (app, session) = (self.app.clone(), self.session);
        tokio::spawn(async move {
            while let Some(progress) = pull_rx.recv().await {
                if app.send(tagged(session, AppEvent::Pull(progress))).is_err() {
                    break;
                }
            }
        });
        match &self.preexisting {
            // Resumed: what predates the lab was recorded on its first start. Checking again
            // now would count the student's own work as pre-existing.
            Some(known) => run.assume_preexisting(known.clone()),
            // Not recorded (a progress file from before this was kept): find out now.
            None => {
                if let Err(e) = run.preflight().await {
                    status(LiveStatus::Lost(one_line(&e)));
                }
            }
        }
        if let Err(e) = run.prepare_workdir() {
            run.emit(RunEvent::ActionRan {
                step: None,
                command: format!("create the lab folder {}", run.workdir.display()),
                output: String::new(),
                error: Some(e.to_string()),
                as_expected: false,
            });
        }
        if self.setup {
            // Failures are in the log (each command reports itself); the lab goes on.
            let _ = run.setup().await;
        }
        status(LiveStatus::Watching);
        labrunner_core::run_live(&run, self.start, commands, LiveConfig::default()).await;
        if let Some(claim) = claim {
            claim.keep();
        }
    }
}
