use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use labrunner::cli;

/// Hands-on Docker labs against your real Docker daemon.
#[derive(Debug, Parser)]
#[command(name = "labrunner", about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    tui: cli::tui::Args,
    /// Folder holding a course's lessons/ and labs/, for every command that reads them, before
    /// or after the command's name (default: `root` in the config file, else the current folder
    /// if it holds them, else the curriculum shipped with labrunner).
    #[arg(long, env = "LABRUNNER_ROOT", value_name = "DIR", global = true)]
    root: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Open one lab in the TUI, its terminal pane focused (a lab id or a lab file).
    Lab(cli::lab::Args),
    /// Check lab and lesson files for errors (default: the course's labs/).
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
    /// Grade a lab: the daemon's current state, a replayed submission, or a whole class.
    Grade(cli::grade::Args),
    /// Join the results of a class graded in shards into one gradebook; name who is missing.
    Merge(cli::merge::Args),
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    Completions(cli::completions::CompletionsArgs),
    /// Print the manual page, labrunner(1), or write every page into a folder.
    Man(cli::completions::ManArgs),
}

/// `--version`: the release, the lab format it reads and the Docker Engine API range it speaks.
fn version() -> String {
    use labrunner_core::{MAX_API, MIN_API};
    format!(
        "{} (lab format {}, Docker Engine API {}.{} to {}.{})",
        env!("CARGO_PKG_VERSION"),
        labrunner_core::FORMAT_VERSION,
        MIN_API.0,
        MIN_API.1,
        MAX_API.0,
        MAX_API.1
    )
}

/// The command line, as parsed, completed and documented.
fn command() -> clap::Command {
    Cli::command().version(version())
}

/// Subcommands that read no lab and no lesson: a `--root` given to them is a mistake to name,
/// not a setting to drop (`LABRUNNER_ROOT` in the environment is left alone).
const WITHOUT_CONTENT: [&str; 5] = ["schema", "explain", "clean", "completions", "man"];

/// Why `--root` on this command line cannot be honoured, if it cannot.
fn root_refused(matches: &clap::ArgMatches) -> Option<String> {
    let (name, sub) = matches.subcommand()?;
    let given = sub.value_source("root") == Some(clap::parser::ValueSource::CommandLine)
        || matches.value_source("root") == Some(clap::parser::ValueSource::CommandLine);
    (given && WITHOUT_CONTENT.contains(&name))
        .then(|| format!("--root: `labrunner {name}` reads no labs or lessons; leave --root out"))
}

fn main() -> ExitCode {
    let matches = command().get_matches();
    if let Some(why) = root_refused(&matches) {
        eprintln!("labrunner: {why}");
        return ExitCode::from(2);
    }
    let args = match Cli::from_arg_matches(&matches) {
        Ok(args) => args,
        Err(e) => e.exit(),
    };
    let root = args.root;
    // The subcommands wait on the daemon: one thread serves them, where a pool of workers only
    // hands each answer from thread to thread (a grading spent a third more CPU time that
    // way). The TUI (`labrunner` and `labrunner lab`) keeps the pool: drawing and the live loop
    // run side by side, so a verdict is not held up by a frame.
    let tui = matches!(args.command, None | Some(Command::Lab(_)));
    let runtime = if tui {
        tokio::runtime::Runtime::new()
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    };
    let runtime = match runtime {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("labrunner: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let result = runtime.block_on(async {
        match args.command {
            None => cli::tui::run(args.tui, root).await,
            Some(Command::Lab(a)) => cli::lab::run(a, root).await,
            Some(Command::Validate(a)) => cli::validate::run(a, root).await,
            Some(Command::Schema(a)) => cli::schema::run(a).await,
            Some(Command::Explain(a)) => cli::explain::run(a).await,
            Some(Command::Progress(a)) => cli::progress::run(a, root).await,
            Some(Command::Test(a)) => cli::test::run(a, root).await,
            Some(Command::Watch(a)) => cli::watch::run(a, root).await,
            Some(Command::Clean(a)) => cli::clean::run(a).await,
            Some(Command::Grade(a)) => cli::grade::run(a, root).await,
            Some(Command::Merge(a)) => cli::merge::run(a, root).await,
            Some(Command::Completions(a)) => cli::completions::completions(a, command()),
            Some(Command::Man(a)) => cli::completions::man(a, command()),
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            // Errors quote file names and daemon messages: escaped like every report.
            eprintln!(
                "labrunner: {}",
                labrunner_core::printable(&format!("{e:#}"))
            );
            ExitCode::from(2)
        }
    }
}
