//! `labrunner lab <LAB-ID|PATH>`: the TUI opened straight on one lab, its terminal focused.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use labrunner_core::{Catalog, LabEntry, LoadedLab, load_catalog, load_lab};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The lab: its id (`volume-persistence`) or the path of its YAML file.
    #[arg(value_name = "LAB-ID|PATH")]
    pub lab: String,
    #[command(flatten)]
    pub images: super::common::ImageArgs,
}

pub async fn run(args: Args, root: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let root = super::tui::root(root)?;
    let image_map = args.images.image_map()?;
    let (catalog, lab) = find(&root, &args.lab)?;
    crate::tui::run(
        catalog,
        image_map,
        crate::tui::run::Start::Lab(Box::new(lab)),
    )
    .await?;
    Ok(ExitCode::SUCCESS)
}

/// The catalog under `root` (empty when a lab file is opened from elsewhere) and the lab.
pub fn find(root: &Path, wanted: &str) -> anyhow::Result<(Catalog, LoadedLab)> {
    let looks_like_path =
        wanted.ends_with(".yaml") || wanted.ends_with(".yml") || wanted.contains('/');
    if looks_like_path {
        let path = PathBuf::from(wanted);
        let lab = load_lab(&path).map_err(|e| {
            anyhow::anyhow!("{}:{e} (run `labrunner validate {wanted}`)", path.display())
        })?;
        let catalog = load_catalog(root).unwrap_or_else(|_| Catalog {
            root: root.to_path_buf(),
            lessons: Vec::new(),
        });
        return Ok((catalog, lab));
    }
    let catalog = load_catalog(root)?;
    let labs: Vec<&LabEntry> = catalog.lessons.iter().flat_map(|l| &l.labs).collect();
    if let Some(lab) = labs
        .iter()
        .filter_map(|e| e.lab())
        .find(|l| l.lab.id == wanted)
    {
        let lab = lab.clone();
        return Ok((catalog, lab));
    }
    let ids: Vec<&str> = labs
        .iter()
        .filter_map(|e| e.lab())
        .map(|l| l.lab.id.as_str())
        .collect();
    let closest = ids
        .iter()
        .min_by_key(|id| strsim::levenshtein(id, wanted))
        .map(|id| format!(" Did you mean `{id}`?"))
        .unwrap_or_default();
    anyhow::bail!(
        "no lab with id `{wanted}` under {}/labs.{closest} Labs there: {}",
        root.display(),
        if ids.is_empty() {
            "none".to_string()
        } else {
            ids.join(", ")
        }
    )
}
