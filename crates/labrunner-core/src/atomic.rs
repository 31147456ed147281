//! Writing a file whole or not at all, and durably: the progress store, the run registry and a
//! class's out-folder records all write this way.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A write that did not happen: what was being done, to which path, and why it failed. The file
/// at the destination is then as it was.
#[derive(Debug, thiserror::Error)]
#[error("{doing} {path}: {source}")]
pub struct AtomicWriteError {
    pub doing: &'static str,
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// Write `content` to `path`: a temporary file `{temp_prefix}*.tmp` in the same folder, synced to
/// disk, renamed into place, then the folder synced so that the rename itself survives a crash.
/// A reader sees the old file or the new one, never a part.
pub fn write_atomic(
    path: &Path,
    temp_prefix: &str,
    content: &[u8],
) -> Result<(), AtomicWriteError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let fail = |doing, at: &Path| {
        let path = at.to_path_buf();
        move |source| AtomicWriteError {
            doing,
            path,
            source,
        }
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(temp_prefix)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .map_err(fail("cannot create a temporary file in", dir))?;
    tmp.write_all(content)
        .map_err(fail("cannot write", tmp.path()))?;
    tmp.as_file()
        .sync_all()
        .map_err(fail("cannot sync", tmp.path()))?;
    tmp.persist(path)
        .map_err(|e| fail("cannot replace", path)(e.error))?;
    // Not every platform can open a folder; the file is in place either way.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The suffix of the temporary files [`write_atomic`] makes (and leaves behind only when the
/// process is killed mid-write).
pub const TEMP_SUFFIX: &str = ".tmp";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_replaced_whole_and_no_temporary_file_stays() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        write_atomic(&path, ".f.", b"one").unwrap();
        write_atomic(&path, ".f.", b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn a_missing_folder_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("absent").join("f.json");
        let e = write_atomic(&path, ".f.", b"x").unwrap_err();
        assert_eq!(e.doing, "cannot create a temporary file in");
        assert_eq!(e.path, dir.path().join("absent"));
    }
}
