//! Options and set-up shared by the subcommands that talk to the daemon.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use labrunner_core::{DockerEngine, ImageMap, LoadedLab, TimedEngine, Timings, lab_files};

/// Image substitution, for classrooms without a registry.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ImageArgs {
    /// Use a local image instead of one a lab names: FROM=TO (repeatable; also
    /// LABRUNNER_IMAGE_MAP="FROM=TO,..." and `image_map` in the config file).
    #[arg(long = "image-map", value_name = "FROM=TO")]
    pub image_map: Vec<String>,
}

/// The config file (`labrunner_core::config_file`).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Local images for the images labs name.
    #[serde(default)]
    pub image_map: std::collections::BTreeMap<String, String>,
    /// A course's own folder of lessons/ and labs/ (relative to the config file's folder).
    #[serde(default)]
    pub root: Option<PathBuf>,
}

/// The config file's settings; none when there is no config file.
pub fn config() -> anyhow::Result<Config> {
    let path = labrunner_core::config_file();
    if !path.exists() {
        return Ok(Config::default());
    }
    let text = labrunner_core::read_to_string(&path, labrunner_core::MAX_DOCUMENT_BYTES)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let mut config: Config = serde_yaml::from_str(&text).with_context(|| {
        format!(
            "{}: not a valid config file (keys: image_map, root)",
            path.display()
        )
    })?;
    if let (Some(root), Some(dir)) = (&config.root, path.parent()) {
        config.root = Some(dir.join(root));
    }
    Ok(config)
}

impl ImageArgs {
    /// Config file, then the environment, then flags: later ones win.
    pub fn image_map(&self) -> anyhow::Result<ImageMap> {
        let mut map = ImageMap::default();
        for (from, to) in config()?.image_map {
            map.insert(&from, &to);
        }
        if let Ok(env) = std::env::var("LABRUNNER_IMAGE_MAP") {
            let parsed = ImageMap::parse_entries(&env)
                .map_err(|e| anyhow::anyhow!("LABRUNNER_IMAGE_MAP: {e}"))?;
            map.extend(&parsed);
        }
        for entry in &self.image_map {
            let parsed =
                ImageMap::parse_entries(entry).map_err(|e| anyhow::anyhow!("--image-map: {e}"))?;
            map.extend(&parsed);
        }
        Ok(map)
    }
}

/// Connect to the daemon, or explain in one message what to do.
pub async fn connect() -> anyhow::Result<DockerEngine> {
    DockerEngine::connect()
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// A lab file that does not pass `validate`, with every error it has.
#[derive(Debug, Clone)]
pub struct BrokenLab {
    pub path: PathBuf,
    /// The id the file declares, when it can be read that far.
    pub id: Option<String>,
    /// Every error, one per line (`file:line:column: ...`).
    pub errors: String,
}

impl std::fmt::Display for BrokenLab {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} is not a valid lab:\n{}",
            self.path.display(),
            self.errors
        )
    }
}

/// Load the lab files under paths (files or folders), in order: each one valid or broken. A
/// broken file does not stop the others; a path that does not exist, or no lab file at all, does.
pub fn load_labs(paths: &[PathBuf]) -> anyhow::Result<Vec<Result<LoadedLab, BrokenLab>>> {
    let mut labs = Vec::new();
    for path in paths {
        if !path.exists() {
            bail!("{}: no such file or folder", path.display());
        }
        for file in lab_files(path).with_context(|| format!("cannot read {}", path.display()))? {
            labs.push(load_lab(&file));
        }
    }
    if labs.is_empty() {
        bail!(
            "no lab files (*.yaml) found in {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(labs)
}

/// A lab that passes `validate` (errors make it broken, with every diagnostic; warnings do not).
fn load_lab(path: &Path) -> Result<LoadedLab, BrokenLab> {
    labrunner_core::load_valid(path)
        .map(|(lab, _warnings)| lab)
        .map_err(|errors| BrokenLab {
            path: path.to_path_buf(),
            id: declared_id(path),
            errors: errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        })
}

/// The `id` a lab file declares, read as plain YAML (for a file that is not a valid lab, so
/// that looking a lab up by id can tell "that lab is broken" from "no such lab").
fn declared_id(path: &Path) -> Option<String> {
    let text = labrunner_core::read_to_string(path, labrunner_core::MAX_DOCUMENT_BYTES).ok()?;
    let value: serde_yaml::Value = serde_yaml::from_str(&text).ok()?;
    value.get("id")?.as_str().map(str::to_string)
}

/// `--timings`: the wall time inside daemon calls of one run against its total, and with
/// `per_method` the calls and time of each engine method (standard error).
pub fn print_timings(
    what: &str,
    total_ms: u64,
    timed: &TimedEngine<DockerEngine>,
    before: Timings,
    per_method: bool,
) {
    let after = timed.timings();
    let busy = after.busy.saturating_sub(before.busy).as_secs_f64() * 1000.0;
    let total = total_ms as f64;
    let own = (total - busy).max(0.0);
    let share = |x: f64| if total > 0.0 { 100.0 * x / total } else { 0.0 };
    eprintln!(
        "timings {what}: engine time {busy:.0} ms / total {total:.0} ms ({:.1}%), outside engine calls {own:.0} ms ({:.1}%), {} calls",
        share(busy),
        share(own),
        after.calls - before.calls
    );
    if per_method {
        for (method, (calls, time)) in timed.by_method() {
            eprintln!(
                "  {method:<20} {calls:>4} calls {:>7.0} ms",
                time.as_secs_f64() * 1000.0
            );
        }
    }
}
