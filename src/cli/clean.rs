//! `labrunner clean`: remove what labrunner created, found by its labels, and nothing else.

use std::process::ExitCode;

use super::common::connect;
use labrunner_core::engine::{Engine, LABEL_LAB, LABEL_MANAGED, LABEL_RUN};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only what this lab (id) created.
    #[arg(long)]
    pub lab: Option<String>,
    /// Only what this run or grading (id) created.
    #[arg(long)]
    pub run: Option<String>,
    /// List what would be removed, remove nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let engine = connect().await?;
    let mut labels = vec![(LABEL_MANAGED.to_string(), "true".to_string())];
    if let Some(lab) = args.lab {
        labels.push((LABEL_LAB.to_string(), lab));
    }
    if let Some(run) = args.run {
        labels.push((LABEL_RUN.to_string(), run));
    }
    let found = engine
        .labelled(&labels)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if found.is_empty() {
        println!("nothing to clean: no container, network or volume carries labrunner's labels");
        return Ok(ExitCode::SUCCESS);
    }
    let mut failed = false;
    let groups = [
        ("container", &found.containers),
        ("network", &found.networks),
        ("volume", &found.volumes),
    ];
    for (kind, names) in groups {
        for name in names {
            if args.dry_run {
                println!("would remove {kind} {name}");
                continue;
            }
            let result = match kind {
                "container" => engine.remove_container(name).await,
                "network" => engine.remove_network(name).await,
                _ => engine.remove_volume(name).await,
            };
            match result {
                Ok(()) => println!("removed {kind} {name}"),
                Err(e) => {
                    failed = true;
                    println!("could not remove {kind} {name}: {e}");
                }
            }
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
