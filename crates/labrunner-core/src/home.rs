//! Where labrunner keeps its files: `LABRUNNER_HOME`, else the platform data directory.

use std::path::PathBuf;

/// The labrunner home folder (progress, lab working folders, config).
pub fn home() -> PathBuf {
    if let Some(dir) = std::env::var_os("LABRUNNER_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    directories::ProjectDirs::from("io", "labrunner", "labrunner")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| std::env::temp_dir().join("labrunner"))
}

/// The working folder of a lab run: bind mounts and backups of the lab live here.
pub fn workdir(lab_id: &str, run_id: Option<&str>) -> PathBuf {
    let name = match run_id {
        Some(run) => format!("{lab_id}-{run}"),
        None => lab_id.to_string(),
    };
    home().join("work").join(name)
}
