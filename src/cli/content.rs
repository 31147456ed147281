//! Where lessons and labs come from, in this order: `--root` (or `LABRUNNER_ROOT`), the config
//! file's `root`, the current folder when it holds `lessons/` or `labs/` (a course checkout),
//! else the curriculum shipped inside this binary, unpacked once into the data folder.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use anyhow::Context;
use include_dir::{Dir, include_dir};

static SHIPPED_LESSONS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/lessons");
static SHIPPED_LABS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/labs");

/// The folder holding `lessons/` and `labs/`.
pub fn root(arg: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(root) = arg {
        return Ok(root);
    }
    if let Some(root) = super::common::config()?.root {
        return Ok(root);
    }
    let here = std::env::current_dir().context("cannot read the current directory")?;
    if here.join("lessons").is_dir() || here.join("labs").is_dir() {
        return Ok(here);
    }
    shipped()
}

/// The `labs/` folder of the content root (the default of `validate` and `test`).
pub fn labs(arg: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    Ok(root(arg)?.join("labs"))
}

/// The shipped curriculum on disk: `<data>/curriculum/<version>-<digest>/`. Each build's
/// content gets a folder of its own, written whole (into a temporary folder, then renamed),
/// so a folder that exists is complete and never rewritten.
pub fn shipped() -> anyhow::Result<PathBuf> {
    let parent = labrunner_core::home().join("curriculum");
    let target = parent.join(format!("{}-{:016x}", env!("CARGO_PKG_VERSION"), digest()));
    if target.is_dir() {
        return Ok(target);
    }
    std::fs::create_dir_all(&parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".unpacking-")
        .tempdir_in(&parent)
        .with_context(|| {
            format!(
                "cannot unpack the shipped curriculum into {}",
                parent.display()
            )
        })?;
    for (name, dir) in [("lessons", &SHIPPED_LESSONS), ("labs", &SHIPPED_LABS)] {
        write_tree(dir, &staging.path().join(name))?;
    }
    let staged = staging.keep();
    if let Err(e) = std::fs::rename(&staged, &target) {
        // Another labrunner unpacked the same content first: use theirs.
        let _ = std::fs::remove_dir_all(&staged);
        if !target.is_dir() {
            return Err(e).with_context(|| format!("cannot create {}", target.display()));
        }
    }
    Ok(target)
}

fn write_tree(dir: &Dir<'_>, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    for file in dir.files() {
        let name = file
            .path()
            .file_name()
            .context("an embedded file without a name")?;
        let path = to.join(name);
        std::fs::write(&path, file.contents())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    for sub in dir.dirs() {
        let name = sub
            .path()
            .file_name()
            .context("an embedded folder without a name")?;
        write_tree(sub, &to.join(name))?;
    }
    Ok(())
}

/// A digest of the embedded files, paths and contents (stable within one build, which is all
/// the folder name needs).
fn digest() -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    fn walk(dir: &Dir<'_>, h: &mut std::hash::DefaultHasher) {
        for file in dir.files() {
            file.path().hash(h);
            file.contents().hash(h);
        }
        for sub in dir.dirs() {
            walk(sub, h);
        }
    }
    walk(&SHIPPED_LESSONS, &mut h);
    walk(&SHIPPED_LABS, &mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_curriculum_holds_the_lessons_and_labs() {
        assert!(SHIPPED_LESSONS.get_file("MOD-DOCKER-04.md").is_some());
        assert!(
            SHIPPED_LABS
                .get_file("MOD-DOCKER-04/volume-persistence.yaml")
                .is_some()
        );
    }
}
