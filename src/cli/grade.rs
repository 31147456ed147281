//! `labrunner grade`: grade one lab headless, by the daemon's current state or by replaying a
//! submission. Exit codes: 0 every check passed, 1 some check failed, 2 could not grade.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::ValueEnum;

use super::common::{BrokenLab, ImageArgs, connect, load_labs, print_timings};
use labrunner_core::{
    Format, GradeError, GradeOptions, Graded, HostPorts, Lab, Limits, LmsFormat, LoadedLab, Mode,
    Namespace, RunRegistry, TimedEngine, grade, read_submission, render_report as render, ungraded,
};

/// `--format`: the core's report formats, as the command line names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// Aligned, for people.
    Text,
    /// The report itself, as JSON.
    Json,
    /// JUnit XML: one testsuite per lab, one testcase per check.
    Junit,
    /// TAP version 14.
    Tap,
    /// Gradescope autograder `results.json`.
    Gradescope,
    /// Common Test Report Format (CTRF) JSON.
    Ctrf,
    /// GitHub Classroom autograding result (base64 it into the step's `result` output).
    Classroom,
    /// A class's gradebook as Canvas imports it: gradebook.canvas.csv (needs --roster).
    CanvasCsv,
    /// A class's gradebook as Moodle imports it: gradebook.moodle.csv (needs --roster).
    MoodleCsv,
    /// An LTI 1.3 AGS score per student: lti-scores/<student>.json (needs --roster).
    LtiScore,
}

impl FormatArg {
    /// The per-student report this names; `None` for a class's LMS gradebook.
    pub fn report(self) -> Option<Format> {
        Some(match self {
            FormatArg::Text => Format::Text,
            FormatArg::Json => Format::Json,
            FormatArg::Junit => Format::Junit,
            FormatArg::Tap => Format::Tap,
            FormatArg::Gradescope => Format::Gradescope,
            FormatArg::Ctrf => Format::Ctrf,
            FormatArg::Classroom => Format::Classroom,
            FormatArg::CanvasCsv | FormatArg::MoodleCsv | FormatArg::LtiScore => return None,
        })
    }

    /// The LMS gradebook this names; `None` for a per-student report.
    pub fn lms(self) -> Option<LmsFormat> {
        match self {
            FormatArg::CanvasCsv => Some(LmsFormat::CanvasCsv),
            FormatArg::MoodleCsv => Some(LmsFormat::MoodleCsv),
            FormatArg::LtiScore => Some(LmsFormat::LtiScore),
            _ => None,
        }
    }
}

/// `--host-ports`: the core's [`HostPorts`], as the command line names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HostPortsArg {
    /// The daemon binds a free port; everything shown follows the translation.
    Translated,
    /// Published as written.
    AsWritten,
}

impl From<HostPortsArg> for HostPorts {
    fn from(h: HostPortsArg) -> Self {
        match h {
            HostPortsArg::Translated => HostPorts::Translated,
            HostPortsArg::AsWritten => HostPorts::AsWritten,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The lab: a lab file, or a lab id (looked up in labs/ of the course folder, or of the
    /// shipped curriculum).
    #[arg(value_name = "LAB")]
    pub lab: String,
    /// Replay this file of docker commands instead of grading the daemon's current state.
    #[arg(long, value_name = "FILE", conflicts_with = "submissions")]
    pub submission: Option<PathBuf>,
    /// Grade a class: every file in DIR is one student's submission, named after the student
    /// (`alice.sh` is alice). Needs --out-dir.
    #[arg(long, value_name = "DIR", requires = "out_dir", conflicts_with_all = ["sandbox", "out"])]
    pub submissions: Option<PathBuf>,
    /// Class results: DIR/<student>.<ext> per format, DIR/gradebook.csv, DIR/class.junit.xml,
    /// DIR/class.ctrf.json, and DIR/records/ (what re-runs and `labrunner merge` read).
    #[arg(long, value_name = "DIR", requires = "submissions")]
    pub out_dir: Option<PathBuf>,
    /// Students graded at once (default: sized to the daemon's CPUs, memory and address pools).
    #[arg(long, value_name = "N", requires = "submissions", value_parser = clap::value_parser!(u16).range(1..=labrunner_core::MAX_JOBS as i64))]
    pub jobs: Option<u16>,
    /// Grade again students already graded in --out-dir from the same submission.
    #[arg(long, requires = "submissions")]
    pub force: bool,
    /// Grade only part INDEX of COUNT of the class (a stable split by student id), e.g. 0/4; COUNT
    /// alone takes INDEX from JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs).
    #[arg(long, value_name = "INDEX/COUNT", requires = "submissions")]
    pub shard: Option<String>,
    /// Prefix every resource name with NS- (default for replay: a fresh `lr-xxxxxx`; for the
    /// current state: the lab's own names). For a class: each student gets a fresh NS-xxxxxx.
    #[arg(long, value_name = "NS", env = "LABRUNNER_NAMESPACE")]
    pub namespace: Option<String>,
    /// The submission's working folder (`$(pwd)`); bind mounts must come from inside it
    /// (default: a fresh temporary folder).
    #[arg(long, value_name = "DIR")]
    pub sandbox: Option<PathBuf>,
    /// How fixed host ports a lab or a submission writes (`-p 8080:80`) are published in a
    /// namespaced grading: `translated` (the daemon binds a free port; checks, probes,
    /// `docker port` and the report show the port written) or `as-written` (one grading at a
    /// time per port; a port held outside the grading makes it an error, not a low score).
    #[arg(long, value_enum, value_name = "HOW", default_value = "translated")]
    pub host_ports: HostPortsArg,
    /// Report format; for a class, several may be given (`--format junit,text`).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "text")]
    pub format: Vec<FormatArg>,
    /// The LMS identities of the class (CSV: student, then any of name, canvas_id,
    /// sis_user_id, sis_login_id, section, email, username, idnumber, lti_user_id), for
    /// --format canvas-csv, moodle-csv, lti-score.
    #[arg(long, value_name = "FILE", requires = "submissions")]
    pub roster: Option<PathBuf>,
    /// The assignment's name in the LMS, the column Canvas and Moodle match on (default: the
    /// lab's title).
    #[arg(long, value_name = "NAME", requires = "roster")]
    pub assignment: Option<String>,
    /// Write the report here instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Most commands a submission may have.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_commands)]
    pub max_commands: usize,
    /// Seconds one command may take (a foreground `docker run` waits for its container).
    #[arg(long, value_name = "SECS", default_value_t = Limits::default().command_timeout.as_secs())]
    pub command_timeout: u64,
    /// Seconds the whole grading may take.
    #[arg(long, value_name = "SECS", default_value_t = Limits::default().total_timeout.as_secs())]
    pub total_timeout: u64,
    /// Memory limit of each container a submission starts, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = Limits::default().memory_bytes / (1024 * 1024))]
    pub memory_mib: i64,
    /// Process limit of each container a submission starts.
    #[arg(long, value_name = "N", default_value_t = Limits::default().pids)]
    pub pids_limit: i64,
    /// Print the time spent inside daemon calls against the whole grading, per call kind
    /// (standard error).
    #[arg(long, conflicts_with = "submissions")]
    pub timings: bool,
    #[command(flatten)]
    pub images: ImageArgs,
}

impl Args {
    /// The per-submission limits the flags set.
    pub fn limits(&self) -> Limits {
        Limits {
            max_commands: self.max_commands,
            command_timeout: Duration::from_secs(self.command_timeout.max(1)),
            total_timeout: Duration::from_secs(self.total_timeout.max(1)),
            memory_bytes: self.memory_mib.max(6) * 1024 * 1024,
            pids: self.pids_limit.max(1),
            ..Limits::default()
        }
    }
}

pub async fn run(args: Args, root: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let loaded = find_lab(&args.lab, root)?;
    if let Some(dir) = &args.submissions {
        return super::class::run(&args, &loaded, dir).await;
    }
    let format = match args.format.as_slice() {
        [one] => match one.report() {
            Some(format) => format,
            None => bail!(
                "--format {}: an LMS gradebook is written for a class (--submissions DIR --roster FILE)",
                one.to_possible_value()
                    .map(|v| v.get_name().to_string())
                    .unwrap_or_default()
            ),
        },
        _ => bail!("--format: give one format for one grading (several only with --submissions)"),
    };
    let graded = match grade_one(&args, &loaded.lab).await {
        Ok(graded) => graded,
        Err(e) => return Err(report_ungradable(&args, &loaded.lab, format, e)),
    };
    let text = render(&graded.report, format);
    match &args.out {
        Some(path) => {
            std::fs::write(path, &text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let r = &graded.report;
            eprintln!(
                "{}: {}/{} points, report written to {}",
                r.lab_id,
                r.score,
                r.max_score,
                path.display()
            );
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(text.as_bytes())?;
            stdout.flush()?;
        }
    }
    Ok(if graded.report.all_passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Read the submission, connect and grade; prints timings and what cleanup left behind.
async fn grade_one(args: &Args, lab: &Lab) -> anyhow::Result<Graded> {
    let limits = args.limits();
    let namespace = args.namespace.as_deref().map(Namespace::new).transpose()?;
    let mode = match &args.submission {
        Some(path) => Mode::Replay(read_submission(path, &limits)?),
        None => Mode::State,
    };
    let sandbox =
        match &args.sandbox {
            Some(dir) => Some(std::fs::canonicalize(dir).with_context(|| {
                format!("--sandbox {}: not a folder that exists", dir.display())
            })?),
            None => None,
        };
    let options = GradeOptions {
        namespace,
        image_map: args.images.image_map()?,
        limits,
        sandbox,
        started_at: chrono::Utc::now(),
        registry: Some(RunRegistry::in_home()),
        host_ports: args.host_ports.into(),
    };
    let engine = TimedEngine::new(connect().await?);
    let before = engine.timings();
    let started = std::time::Instant::now();
    let interrupt = async {
        // If the signal handler cannot be installed, grading simply cannot be interrupted.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let graded = grade(&engine, lab, mode, &options, interrupt).await?;
    if args.timings {
        // Wall time, cleanup included (the report's duration ends with the last check).
        let total = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        print_timings(&graded.report.lab_id, total, &engine, before, true);
    }
    if !graded.leftovers.is_empty() {
        eprintln!(
            "labrunner: cleanup could not remove: {}",
            graded.leftovers.join("; ")
        );
    }
    Ok(graded)
}

/// A submission that could not be graded still gets its report, in the format asked for: 0 of
/// the lab's points and the reason (GitHub Classroom then records 0 of the lab's maximum). The
/// error is handed back (exit code 2). Nothing is written for an interrupted grading.
fn report_ungradable(
    args: &Args,
    lab: &Lab,
    format: Format,
    error: anyhow::Error,
) -> anyhow::Error {
    if matches!(error.downcast_ref(), Some(GradeError::Interrupted)) {
        return error;
    }
    let who = args
        .submission
        .as_deref()
        .and_then(Path::file_stem)
        .map_or_else(
            || "grading".to_string(),
            |s| s.to_string_lossy().into_owned(),
        );
    let text = ungraded(
        &who,
        &format!("{error:#}"),
        lab.max_score(),
        chrono::Utc::now(),
        format,
    );
    let written = match &args.out {
        Some(path) => std::fs::write(path, &text),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
        }
    };
    match written {
        Ok(()) => error,
        Err(e) => anyhow::anyhow!("{error:#} (and the report saying so could not be written: {e})"),
    }
}

/// A lab file, or the lab with that id under the content root's labs/ (see `content::root`).
/// Other labs of that folder that are not valid do not stand in the way; one that declares the
/// wanted id is reported with its errors.
pub fn find_lab(lab: &str, root: Option<PathBuf>) -> anyhow::Result<LoadedLab> {
    let path = Path::new(lab);
    if path.is_file() {
        return match load_labs(&[path.to_path_buf()])?.pop() {
            Some(Ok(loaded)) => Ok(loaded),
            Some(Err(broken)) => Err(anyhow::anyhow!("{broken}")),
            None => bail!("{lab}: no lab in that file"),
        };
    }
    let folder = super::content::labs(root)?;
    if !folder.is_dir() {
        bail!(
            "{lab}: no such lab file (and no {} folder to look for a lab with that id)",
            folder.display()
        );
    }
    let (valid, broken): (Vec<_>, Vec<_>) = load_labs(std::slice::from_ref(&folder))?
        .into_iter()
        .partition(Result::is_ok);
    let broken: Vec<BrokenLab> = broken.into_iter().filter_map(Result::err).collect();
    if let Some(same) = broken.iter().find(|b| b.id.as_deref() == Some(lab)) {
        bail!("{lab}: {same}");
    }
    let mut found: Vec<LoadedLab> = valid
        .into_iter()
        .filter_map(Result::ok)
        .filter(|l| l.lab.id == lab)
        .collect();
    match found.len() {
        0 => {
            let unreadable = if broken.is_empty() {
                String::new()
            } else {
                format!(
                    " ({} not valid, see `labrunner validate`: {})",
                    broken.len(),
                    broken
                        .iter()
                        .map(|b| b.path.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            bail!(
                "{lab}: no such lab file, and no lab with that id under {}{unreadable}",
                folder.display()
            )
        }
        1 => Ok(found.remove(0)),
        _ => bail!(
            "{lab}: several labs under {} have that id: {}",
            folder.display(),
            found
                .iter()
                .map(|l| l.path.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
