//! `host_file`: a file in the lab's working folder on the host exists (and has content), or a
//! member of a tar archive there does (a backup made with `tar czf /backup/x.tar.gz -C /source .`
//! holds `./orders.txt`). Everything is read through [`crate::folder`]: with a bound, only
//! inside the folder, never through a symbolic link, and only from a regular file (a FIFO or a
//! device put there by a container is named, not opened for reading).

use std::io::{BufRead, Read};
use std::path::{Component, Path, PathBuf};

use super::support::{excerpt, regex};
use super::{Cause, CheckEnv, Observed, Unknown, holds, not_holds, observation};
use crate::folder::{Folder, FolderError};
use crate::lab::HostFileCheck;

/// Most bytes of a file (or member) read.
const READ_LIMIT: u64 = 1024 * 1024;
/// Most archive members looked at, and most bytes of archive read through.
const MEMBER_LIMIT: usize = 10_000;
const ARCHIVE_LIMIT: u64 = 256 * 1024 * 1024;
/// Members named in evidence when the one asked for is not there.
const MEMBERS_SHOWN: usize = 6;

pub(super) fn describe(h: &HostFileCheck, positive: bool) -> String {
    let what = match &h.member {
        Some(m) => format!("archive {} in the lab folder holds {m}", h.path),
        None => format!("file {} exists in the lab folder", h.path),
    };
    match (&h.contains, positive) {
        (Some(c), true) => format!("{what} containing /{c}/"),
        (Some(c), false) => format!("not: {what} containing /{c}/"),
        (None, true) => what,
        (None, false) => format!("not: {what}"),
    }
}

/// What reading found.
enum Found {
    Content(Vec<u8>),
    NoFile,
    /// Something else is at the path (or on the way): a link, a folder, a FIFO, a device.
    NotAFile(FolderError),
    NoMember(Vec<String>),
}

pub(super) async fn observe(h: &HostFileCheck, env: &CheckEnv<'_>) -> Observed {
    let path = inside(env.workdir, &h.path)?;
    let member = h.member.clone();
    let workdir = env.workdir.to_path_buf();
    let found = tokio::task::spawn_blocking(move || read(&workdir, &path, member.as_deref()))
        .await
        .map_err(|e| Unknown::new(Cause::UnexpectedAnswer, format!("could not check: {e}")))??;
    let shown = match &h.member {
        Some(m) => format!("{} in {}", m, h.path),
        None => h.path.clone(),
    };
    let content = match found {
        Found::NoFile => return not_holds(format!("no file {} in the lab folder", h.path)),
        Found::NotAFile(what) => {
            return not_holds(format!(
                "no file {} in the lab folder: {what}, and labrunner reads only regular files there, never through a link",
                h.path
            ));
        }
        Found::NoMember(members) => {
            let mut listed: Vec<String> = members.iter().take(MEMBERS_SHOWN).cloned().collect();
            if members.len() > MEMBERS_SHOWN {
                listed.push(format!("and {} more", members.len() - MEMBERS_SHOWN));
            }
            return not_holds(format!(
                "{} has no member {}; it holds: {}",
                h.path,
                h.member.as_deref().unwrap_or(""),
                if listed.is_empty() {
                    "nothing".to_string()
                } else {
                    listed.join(", ")
                }
            ));
        }
        Found::Content(bytes) => String::from_utf8_lossy(&bytes).to_string(),
    };
    match &h.contains {
        None => holds(format!("{shown} is there ({} bytes)", content.len())),
        Some(p) => observation(
            regex(p)?.is_match(&content),
            format!("{shown}: {}", excerpt(&content)),
        ),
    }
}

/// `relative` inside `workdir`, refusing absolute paths and `..`.
fn inside(workdir: &Path, relative: &str) -> Result<PathBuf, Unknown> {
    let rel = Path::new(relative);
    if rel.is_absolute() || rel.components().any(|c| matches!(c, Component::ParentDir)) {
        return Err(Unknown::new(
            Cause::InvalidCheck,
            format!("could not check: `{relative}` must be a path inside the lab folder"),
        ));
    }
    Ok(workdir.join(rel))
}

fn io_unknown(path: &Path, e: &std::io::Error) -> Unknown {
    let cause = if e.kind() == std::io::ErrorKind::PermissionDenied {
        Cause::NotPermitted
    } else {
        Cause::UnexpectedAnswer
    };
    Unknown::new(
        cause,
        format!("could not check: cannot read {}: {e}", path.display()),
    )
}

/// Read the file at `path` in the folder `workdir` (or its member `member`), walking from the
/// folder (a path not under it is refused by the walk).
fn read(workdir: &Path, path: &Path, member: Option<&str>) -> Result<Found, Unknown> {
    let folder = match Folder::open(workdir) {
        Ok(folder) => folder,
        // No lab folder (yet): no file in it either.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::NoFile),
        Err(e) => return Err(io_unknown(workdir, &e)),
    };
    let rel = path.strip_prefix(workdir).unwrap_or(path);
    let limit = if member.is_some() {
        ARCHIVE_LIMIT
    } else {
        READ_LIMIT
    };
    let file = match folder.open_file(rel, limit) {
        Ok(file) => file,
        Err(FolderError::Missing { .. }) => return Ok(Found::NoFile),
        Err(e) if e.is_wrong_kind() => return Ok(Found::NotAFile(e)),
        Err(FolderError::Io { error, .. }) => return Err(io_unknown(rel, &error)),
        Err(e) => {
            return Err(Unknown::new(
                Cause::UnexpectedAnswer,
                format!("could not check: {e}"),
            ));
        }
    };
    match member {
        None => {
            let mut bytes = Vec::new();
            let mut file = file;
            file.read_to_end(&mut bytes)
                .map_err(|e| io_unknown(rel, &e))?;
            Ok(Found::Content(bytes))
        }
        Some(member) => read_member(rel, file, member),
    }
}

/// `./orders.txt`, `orders.txt` and `orders.txt/` name the same member.
fn member_name(name: &str) -> &str {
    let mut n = name.trim_end_matches('/');
    while let Some(rest) = n.strip_prefix("./") {
        n = rest;
    }
    n
}

/// The member `member` of the archive `file` (already bounded to [`ARCHIVE_LIMIT`]).
fn read_member(
    path: &Path,
    file: std::io::Take<std::fs::File>,
    member: &str,
) -> Result<Found, Unknown> {
    let mut bounded = std::io::BufReader::new(file);
    let gzip = bounded
        .fill_buf()
        .map_err(|e| io_unknown(path, &e))?
        .starts_with(&[0x1f, 0x8b]);
    let reader: Box<dyn Read> = if gzip {
        Box::new(flate2::read::GzDecoder::new(bounded))
    } else {
        Box::new(bounded)
    };
    let mut archive = tar::Archive::new(reader);
    let not_archive = |e: std::io::Error| {
        Unknown::new(
            Cause::UnexpectedAnswer,
            format!(
                "could not check: {} is not a readable tar archive: {e}",
                path.display()
            ),
        )
    };
    let wanted = member_name(member);
    let mut members = Vec::new();
    for entry in archive.entries().map_err(not_archive)?.take(MEMBER_LIMIT) {
        let mut entry = entry.map_err(not_archive)?;
        let name = entry
            .path()
            .map_err(not_archive)?
            .to_string_lossy()
            .to_string();
        if member_name(&name) == wanted && !name.is_empty() {
            let mut bytes = Vec::new();
            (&mut entry)
                .take(READ_LIMIT)
                .read_to_end(&mut bytes)
                .map_err(not_archive)?;
            return Ok(Found::Content(bytes));
        }
        if !member_name(&name).is_empty() {
            members.push(name);
        }
    }
    Ok(Found::NoMember(members))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_ignore_dot_slash() {
        assert_eq!(member_name("./orders.txt"), "orders.txt");
        assert_eq!(member_name("logs/"), "logs");
        assert_eq!(member_name("././a"), "a");
    }

    #[test]
    fn paths_stay_in_the_folder() {
        let dir = Path::new("/tmp/lab");
        assert!(inside(dir, "../etc/passwd").is_err());
        assert!(inside(dir, "/etc/passwd").is_err());
        assert_eq!(inside(dir, "a/b").unwrap(), Path::new("/tmp/lab/a/b"));
    }

    #[test]
    fn archives_are_read_member_by_member() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.tar.gz");
        {
            let gz = flate2::write::GzEncoder::new(
                std::fs::File::create(&path).unwrap(),
                flate2::Compression::fast(),
            );
            let mut tar = tar::Builder::new(gz);
            let mut header = tar::Header::new_gnu();
            header.set_size(10);
            header.set_cksum();
            tar.append_data(&mut header, "./orders.txt", &b"order 1001"[..])
                .unwrap();
            tar.into_inner().unwrap().finish().unwrap();
        }
        match read(dir.path(), &path, Some("orders.txt")).unwrap() {
            Found::Content(c) => assert_eq!(c, b"order 1001"),
            _ => panic!("member not found"),
        }
        match read(dir.path(), &path, Some("source/orders.txt")).unwrap() {
            Found::NoMember(m) => assert_eq!(
                m.iter().map(|n| member_name(n)).collect::<Vec<_>>(),
                ["orders.txt"]
            ),
            _ => panic!("a missing member was found"),
        }
        assert!(matches!(
            read(dir.path(), &dir.path().join("nope"), None).unwrap(),
            Found::NoFile
        ));
        let gone = dir.path().join("no-folder");
        assert!(matches!(
            read(&gone, &gone.join("a.txt"), None).unwrap(),
            Found::NoFile
        ));
    }
}
