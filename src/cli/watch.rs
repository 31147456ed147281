//! `labrunner watch LAB`: the live loop without a screen. One line per verdict change.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use tokio::sync::mpsc::{self, UnboundedReceiver};

use super::common::{ImageArgs, connect};
use labrunner_core::{Lab, LabRun, LiveCommand, LiveConfig, RunEvent};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The lab: a lab file, or a lab id (looked up in labs/ of the course folder, or of the
    /// shipped curriculum).
    #[arg(value_name = "LAB")]
    pub lab: String,
    /// Print JSON lines (with a timestamp) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Start at this step (id) instead of the first.
    #[arg(long, value_name = "STEP")]
    pub step: Option<String>,
    /// Run the lab's setup commands first.
    #[arg(long)]
    pub setup: bool,
    /// Remove what the lab created when watching ends (Ctrl-C, or all steps done).
    #[arg(long)]
    pub cleanup: bool,
    #[command(flatten)]
    pub images: ImageArgs,
}

/// `root`: where a lab given by id is looked up (the global `--root`).
pub async fn run(args: Args, root: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let loaded = super::grade::find_lab(&args.lab, root)?;
    let lab = &loaded.lab;
    let start = start_step(lab, args.step.as_deref())?;
    let image_map = args.images.image_map()?;
    let engine = connect().await?;
    let (tx, rx) = mpsc::unbounded_channel();
    let mut run = LabRun::new(
        &engine,
        lab,
        labrunner_core::workdir(&lab.id, None),
        image_map,
    )
    .with_events(tx);
    // Recorded while it watches, so that `clean` never touches it meanwhile.
    let claim = labrunner_core::RunRegistry::in_home().claim(
        &run.run_id,
        run.namespace.as_ref(),
        &lab.id,
    )?;
    run.preflight().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    run.prepare_workdir()?;
    if args.setup {
        run.setup().await.map_err(|e| anyhow::anyhow!(e))?;
    }
    let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
    let steps = lab.steps.len();
    let json = args.json;
    let printer = print_events(rx, json, start, steps);
    let stop = cmd_tx.clone();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        let _ = stop.send(LiveCommand::Quit);
    });
    let looped = labrunner_core::run_live(&run, start, cmd_rx, LiveConfig::default());
    tokio::pin!(looped);
    tokio::select! {
        _ = &mut looped => {}
        () = printer => { let _ = cmd_tx.send(LiveCommand::Quit); }
    }
    if args.cleanup {
        run.cleanup().await.map_err(|e| anyhow::anyhow!("{e}"))?;
        if run.leftovers().await.is_ok_and(|left| left.is_empty()) {
            let _ = claim.release();
            return Ok(ExitCode::SUCCESS);
        }
    }
    // What the run leaves is `clean`'s once this process has ended.
    claim.keep();
    Ok(ExitCode::SUCCESS)
}

/// The index of `--step ID`, or the first step without it.
fn start_step(lab: &Lab, step: Option<&str>) -> anyhow::Result<usize> {
    Ok(match step {
        None => 0,
        Some(id) => lab.steps.iter().position(|s| s.id == id).ok_or_else(|| {
            anyhow::anyhow!(
                "--step {id}: lab {} has no such step (steps: {})",
                lab.id,
                lab.steps
                    .iter()
                    .map(|s| s.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?,
    })
}

/// Print the run's events until every step from `start` on is done (or the events end).
async fn print_events(mut rx: UnboundedReceiver<RunEvent>, json: bool, start: usize, steps: usize) {
    let mut last: HashMap<(String, usize), &'static str> = HashMap::new();
    let mut done = 0;
    while let Some(event) = rx.recv().await {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        if matches!(event, RunEvent::StepDone { .. }) {
            done += 1;
        }
        let Some(line) = event_line(&event, now, json, &mut last) else {
            continue;
        };
        // What containers print reaches the terminal escaped, as in every report.
        let line = if json {
            labrunner_core::json_escaped(&line)
        } else {
            labrunner_core::printable(&line)
        };
        println!("{line}");
        if done + start >= steps {
            break;
        }
    }
}

/// The line printed for `event`, text or JSON; `None` for a verdict that did not change since
/// `last` and for events not worth a line of text.
fn event_line(
    event: &RunEvent,
    now: String,
    json: bool,
    last: &mut HashMap<(String, usize), &'static str>,
) -> Option<String> {
    Some(match event {
        RunEvent::Check(o) => {
            let key = (o.step.clone(), o.index);
            if last.get(&key) == Some(&o.verdict.label()) {
                return None;
            }
            last.insert(key, o.verdict.label());
            if json {
                serde_json::json!({"ts": now, "event": "verdict", "step": o.step, "check": o.index,
                    "description": o.description, "verdict": o.verdict.label(), "evidence": o.verdict.text()})
                .to_string()
            } else {
                format!(
                    "{now} {} {:<7} {} ({})",
                    o.step,
                    o.verdict.label(),
                    o.description,
                    o.verdict.text()
                )
            }
        }
        RunEvent::StepDone { step, passed } => {
            if json {
                serde_json::json!({"ts": now, "event": "step_done", "step": step, "passed": passed})
                    .to_string()
            } else {
                format!("{now} {step} done")
            }
        }
        other if json => {
            let mut v = serde_json::to_value(other).unwrap_or_default();
            v["ts"] = serde_json::Value::String(now);
            v.to_string()
        }
        RunEvent::StepStarted { step } => format!("{now} {step} started"),
        RunEvent::Daemon { message, .. } => format!("{now} {message}"),
        RunEvent::Preexisting { resources } => {
            format!("{now} already present (kept): {}", resources.join(", "))
        }
        _ => return None,
    })
}
