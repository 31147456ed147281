//! No subcommand: the student TUI.

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub images: super::common::ImageArgs,
}

/// The content root: `--root`, `LABRUNNER_ROOT`, the config file, the current folder, or the
/// shipped curriculum.
pub fn root(arg: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    super::content::root(arg)
}

/// `root`: the global `--root` (or `LABRUNNER_ROOT`).
pub async fn run(args: Args, root: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let root = self::root(root)?;
    let image_map = args.images.image_map()?;
    // Everything that can fail with a plain message fails before the terminal is taken over.
    let catalog = labrunner_core::load_catalog(&root)?;
    crate::tui::run(catalog, image_map, crate::tui::run::Start::Home).await?;
    Ok(ExitCode::SUCCESS)
}
