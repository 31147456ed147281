//! `labrunner explain 'docker ...'`: say in plain English what a docker command does, or why
//! labrunner cannot run it.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use serde_json::json;

use labrunner_core::ResourceKind;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder that `$(pwd)`, `$PWD` and `./relative` bind sources stand for
    /// (default: the current folder).
    #[arg(long, value_name = "DIR")]
    pub workdir: Option<PathBuf>,
    /// Also warn about bind mounts whose source is outside this folder.
    #[arg(long, value_name = "DIR")]
    pub sandbox: Option<PathBuf>,
    /// Print the parsed action, its resources and dangers as JSON.
    #[arg(long)]
    pub json: bool,
    /// The docker command: one quoted string, or its words.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<String>,
}

fn named(items: Vec<(ResourceKind, String)>) -> serde_json::Value {
    items
        .into_iter()
        .map(|(kind, name)| json!({ "kind": kind, "name": name }))
        .collect()
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    // `$(pwd)` is always absolute in a shell, so a relative --workdir is made absolute too.
    let workdir = match args.workdir {
        Some(dir) => std::path::absolute(&dir)
            .with_context(|| format!("cannot resolve the folder {}", dir.display()))?,
        None => std::env::current_dir().context("cannot read the current folder")?,
    };
    // One argument is the command line as typed; several are words the shell already split,
    // so they are quoted back rather than split again.
    let line = match args.command.as_slice() {
        [one] => one.clone(),
        words => shell_words::join(words),
    };
    let parsed = labrunner_core::parse_command(&line, Some(&workdir.to_string_lossy()));
    if args.json {
        let value = match &parsed {
            Ok(action) => json!({
                "command": line,
                "explanation": action.explain(),
                "action": action,
                "resources": named(action.resources()),
                "creates": named(action.creates()),
                "dangers": action.dangers(args.sandbox.as_deref()),
                "read_only": action.is_read_only(),
            }),
            Err(e) => json!({ "command": line, "error": e.to_string() }),
        };
        println!("{}", labrunner_core::harmless_json(&value)?);
        return Ok(if parsed.is_ok() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(2)
        });
    }
    match parsed {
        Ok(action) => {
            println!("{}", action.explain());
            for d in action.dangers(args.sandbox.as_deref()) {
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
