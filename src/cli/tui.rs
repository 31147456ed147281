//! No subcommand: the student TUI.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Folder holding lessons/ and labs/ (default: the current directory).
    #[arg(long, env = "LABRUNNER_ROOT", value_name = "DIR")]
    pub root: Option<PathBuf>,
    #[command(flatten)]
    pub images: super::common::ImageArgs,
}

/// The content root: `--root`, `LABRUNNER_ROOT`, else the current directory.
pub fn root(arg: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    match arg {
        Some(r) => Ok(r),
        None => std::env::current_dir().context("cannot read the current directory"),
    }
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let root = root(args.root)?;
    let image_map = args.images.image_map()?;
    // Everything that can fail with a plain message fails before the terminal is taken over.
    let catalog = labrunner_core::lesson::load_catalog(&root)?;
    crate::tui::run(catalog, image_map, crate::tui::run::Start::Home).await?;
    Ok(ExitCode::SUCCESS)
}
