use std::process::ExitCode;

use clap::{Parser, Subcommand};
use labrunner::cli;

/// Hands-on Docker labs against your real Docker daemon.
#[derive(Debug, Parser)]
#[command(name = "labrunner", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    tui: cli::tui::Args,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Open one lab in the TUI, its terminal pane focused (a lab id or a lab file).
    Lab(cli::lab::Args),
    /// Check lab files for errors (default: labs/).
    Validate(cli::validate::Args),
    /// Print the JSON Schema of the lab format.
    Schema(cli::schema::Args),
    /// Explain a docker command in plain English.
    Explain(cli::explain::Args),
    /// Print the student's saved progress.
    Progress(cli::progress::Args),
    /// Prove labs: each step's checks fail before its solution and pass after it.
    Test(cli::test::Args),
    /// Re-run a lab's checks live as the daemon changes; one line per verdict change.
    Watch(cli::watch::Args),
    /// Remove what labrunner created (found by its labels), and nothing else.
    Clean(cli::clean::Args),
    /// Grade a lab: the daemon's current state, or a replayed submission.
    Grade(cli::grade::Args),
}

fn main() -> ExitCode {
    let args = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("labrunner: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let result = runtime.block_on(async {
        match args.command {
            None => cli::tui::run(args.tui).await,
            Some(Command::Lab(a)) => cli::lab::run(a).await,
            Some(Command::Validate(a)) => cli::validate::run(a).await,
            Some(Command::Schema(a)) => cli::schema::run(a).await,
            Some(Command::Explain(a)) => cli::explain::run(a).await,
            Some(Command::Progress(a)) => cli::progress::run(a).await,
            Some(Command::Test(a)) => cli::test::run(a).await,
            Some(Command::Watch(a)) => cli::watch::run(a).await,
            Some(Command::Clean(a)) => cli::clean::run(a).await,
            Some(Command::Grade(a)) => cli::grade::run(a).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("labrunner: {e:#}");
            ExitCode::from(2)
        }
    }
}
