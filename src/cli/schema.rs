//! `labrunner schema`: the JSON Schema of the lab format, for editors.

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub async fn run(_args: Args) -> anyhow::Result<ExitCode> {
    super::validate::write_stdout(&labrunner_core::schema_json()?)?;
    Ok(ExitCode::SUCCESS)
}
