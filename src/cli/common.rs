//! Options and set-up shared by the subcommands that talk to the daemon.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use labrunner_core::engine::docker::DockerEngine;
use labrunner_core::images::ImageMap;
use labrunner_core::lab::{LoadedLab, lab_files};

/// Image substitution, for classrooms without a registry.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ImageArgs {
    /// Use a local image instead of one a lab names: FROM=TO (repeatable; also
    /// LABRUNNER_IMAGE_MAP="FROM=TO,..." and `image_map` in $LABRUNNER_HOME/config.yaml).
    #[arg(long = "image-map", value_name = "FROM=TO")]
    pub image_map: Vec<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    #[serde(default)]
    image_map: std::collections::BTreeMap<String, String>,
}

impl ImageArgs {
    /// Config file, then the environment, then flags: later ones win.
    pub fn image_map(&self) -> anyhow::Result<ImageMap> {
        let mut map = ImageMap::default();
        let config = labrunner_core::home::home().join("config.yaml");
        if config.exists() {
            let text = labrunner_core::input::read_to_string(
                &config,
                labrunner_core::input::MAX_DOCUMENT_BYTES,
            )
            .with_context(|| format!("cannot read {}", config.display()))?;
            let parsed: Config = serde_yaml::from_str(&text)
                .with_context(|| format!("{}: not a valid config file", config.display()))?;
            for (from, to) in parsed.image_map {
                map.insert(&from, &to);
            }
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

/// Load lab files from paths (files or folders). Any error stops with the file named.
pub fn load_labs(paths: &[PathBuf]) -> anyhow::Result<Vec<LoadedLab>> {
    let mut labs = Vec::new();
    for path in paths {
        if !path.exists() {
            bail!("{}: no such file or folder", path.display());
        }
        for file in lab_files(path).with_context(|| format!("cannot read {}", path.display()))? {
            labs.push(load_lab(&file)?);
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

/// A lab that passes `validate` (errors stop here, with every diagnostic; warnings do not).
fn load_lab(path: &Path) -> anyhow::Result<LoadedLab> {
    labrunner_core::validate::load_valid(path)
        .map(|(lab, _warnings)| lab)
        .map_err(|errors| {
            let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
            anyhow::anyhow!(
                "{} is not a valid lab:\n{}",
                path.display(),
                text.join("\n")
            )
        })
}
