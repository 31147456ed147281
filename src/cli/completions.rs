//! `labrunner completions SHELL` and `labrunner man`: shell completions and the manual page,
//! generated from the same argument definitions the binary parses with.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write labrunner.1 and one page per subcommand (labrunner-grade.1, ...) into DIR instead
    /// of printing labrunner(1).
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<std::path::PathBuf>,
}

/// Print completions for `shell` (e.g. `labrunner completions bash > ~/.local/share/bash-completion/completions/labrunner`).
pub fn completions(args: CompletionsArgs, mut cmd: clap::Command) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    clap_complete::generate(args.shell, &mut cmd, "labrunner", &mut out);
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Print labrunner(1), or write every page into a folder.
pub fn man(args: ManArgs, cmd: clap::Command) -> anyhow::Result<ExitCode> {
    match args.out_dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            clap_mangen::generate_to(cmd, &dir)
                .with_context(|| format!("cannot write manual pages into {}", dir.display()))?;
        }
        None => {
            let mut out = std::io::stdout().lock();
            let written = clap_mangen::Man::new(cmd)
                .render(&mut out)
                .and_then(|()| out.flush());
            // A reader that stops early (`labrunner man | head`) is not an error.
            match written {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e.into()),
                _ => {}
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
