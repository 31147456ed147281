//! `labrunner explain 'docker ...'`: say in plain English what a docker command does, or why
//! labrunner cannot run it.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::command;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder that `$(pwd)`, `$PWD` and `./relative` bind sources stand for
    /// (default: the current folder).
    #[arg(long, value_name = "DIR")]
    pub workdir: Option<PathBuf>,
    /// The docker command: one quoted string, or its words.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<String>,
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let workdir = match args.workdir {
        Some(dir) => dir,
        None => std::env::current_dir().context("cannot read the current folder")?,
    };
    // One argument is the command line as typed; several are words the shell already split,
    // so they are quoted back rather than split again.
    let line = match args.command.as_slice() {
        [one] => one.clone(),
        words => shell_words::join(words),
    };
    match command::parse(&line, Some(&workdir.to_string_lossy())) {
        Ok(action) => {
            println!("{}", action.explain());
            for d in action.dangers(None) {
                println!("warning: {}: {}", d.flag, d.reason);
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("labrunner: cannot run this command: {e}");
            Ok(ExitCode::from(2))
        }
    }
}
