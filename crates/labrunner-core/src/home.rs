//! Where labrunner keeps its files. Data (progress, lab working folders, the unpacked shipped
//! curriculum) lives in the platform data directory (`~/.local/share/labrunner` on Linux, as
//! XDG says); configuration in the platform config directory (`~/.config/labrunner`).
//! `LABRUNNER_HOME`, when set, holds both: data and `config.yaml` live in that one folder.

use std::path::PathBuf;

/// The name of the configuration file.
pub const CONFIG_FILE: &str = "config.yaml";

fn override_dir() -> Option<PathBuf> {
    std::env::var_os("LABRUNNER_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("io", "labrunner", "labrunner")
}

/// The labrunner data folder (progress, lab working folders): `LABRUNNER_HOME`, else the
/// platform data directory.
pub fn home() -> PathBuf {
    override_dir()
        .or_else(|| project_dirs().map(|d| d.data_dir().to_path_buf()))
        .unwrap_or_else(|| std::env::temp_dir().join("labrunner"))
}

/// The configuration file: `$LABRUNNER_HOME/config.yaml`, else `config.yaml` in the platform
/// config directory (`$XDG_CONFIG_HOME/labrunner`, by default `~/.config/labrunner`).
pub fn config_file() -> PathBuf {
    override_dir()
        .or_else(|| project_dirs().map(|d| d.config_dir().to_path_buf()))
        .unwrap_or_else(|| std::env::temp_dir().join("labrunner"))
        .join(CONFIG_FILE)
}

/// The working folder of a lab run: bind mounts and backups of the lab live here.
pub fn workdir(lab_id: &str, run_id: Option<&str>) -> PathBuf {
    let name = match run_id {
        Some(run) => format!("{lab_id}-{run}"),
        None => lab_id.to_string(),
    };
    home().join("work").join(name)
}
