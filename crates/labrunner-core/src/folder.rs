//! The one way labrunner touches a path under a lab folder or a replay sandbox: checks that read
//! the student's files (and archives), the lab's own files written into the folder, and the
//! sandbox guard's look at bind sources.
//!
//! A container of the grading may have the folder bind-mounted read-write and change it at any
//! moment, so nothing here looks a path up twice:
//!
//! - The folder itself is opened once ([`Folder::open`]); every path under it is walked from that
//!   descriptor one component at a time (`openat` with `O_NOFOLLOW`, and `O_PATH` on Linux, which
//!   neither blocks on a FIFO nor performs a device's open side effects). Each folder on the way
//!   must be a real folder; a symbolic link anywhere is refused, never followed. Absolute paths
//!   and `..` are refused before anything is opened.
//! - What the walk found is judged by `fstat` on its descriptor. A file is read only if it is a
//!   regular file, reopened through that same descriptor (`/proc/self/fd`) non-blocking, and read
//!   through a bound ([`Folder::open_file`] hands back an `io::Take`).
//! - Files are written with exclusive no-follow creates (`O_CREAT | O_EXCL | O_NOFOLLOW`) and
//!   folders made with `mkdirat`: a link planted where a file is to be written is removed (the
//!   link, never its target) or the write is refused; nothing is ever created outside.

use std::ffi::{OsStr, OsString};
use std::io::{Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Component, Path, PathBuf};

use rustix::fs::{AtFlags, FileType, Mode, OFlags};

/// What a path turned out to be, when it is not a regular file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Folder,
    Fifo,
    CharacterDevice,
    BlockDevice,
    Socket,
    Other,
}

impl std::fmt::Display for FileKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FileKind::Folder => "a folder",
            FileKind::Fifo => "a FIFO (named pipe)",
            FileKind::CharacterDevice => "a character device",
            FileKind::BlockDevice => "a block device",
            FileKind::Socket => "a socket",
            FileKind::Other => "not a regular file",
        })
    }
}

impl FileKind {
    pub(crate) fn of(file_type: FileType) -> Option<FileKind> {
        match file_type {
            FileType::RegularFile => None,
            FileType::Directory => Some(FileKind::Folder),
            FileType::Fifo => Some(FileKind::Fifo),
            FileType::CharacterDevice => Some(FileKind::CharacterDevice),
            FileType::BlockDevice => Some(FileKind::BlockDevice),
            FileType::Socket => Some(FileKind::Socket),
            _ => Some(FileKind::Other),
        }
    }

    /// The kind of `path` without opening it for reading (a symbolic link is followed).
    pub fn of_path(path: &Path) -> std::io::Result<Option<FileKind>> {
        let stat = rustix::fs::stat(path)?;
        Ok(FileKind::of(FileType::from_raw_mode(stat.st_mode)))
    }
}

/// How a component is looked at: without following it, without opening it for reading.
#[cfg(target_os = "linux")]
const LOOK: OFlags = OFlags::PATH.union(OFlags::NOFOLLOW).union(OFlags::CLOEXEC);
#[cfg(not(target_os = "linux"))]
const LOOK: OFlags = OFlags::RDONLY
    .union(OFlags::NOFOLLOW)
    .union(OFlags::NONBLOCK)
    .union(OFlags::CLOEXEC);

/// How a regular file is opened for reading: never waiting, never becoming a terminal's owner.
const READING: OFlags = OFlags::RDONLY
    .union(OFlags::NONBLOCK)
    .union(OFlags::NOCTTY)
    .union(OFlags::CLOEXEC);

/// Why a path under the folder was not read or written. Paths are as the caller named them,
/// relative to the folder.
#[derive(Debug, thiserror::Error)]
pub enum FolderError {
    #[error("`{}` is not a path inside the folder (it is absolute or uses `..`)", .path.display())]
    Outside { path: PathBuf },
    #[error("{} does not exist", .path.display())]
    Missing { path: PathBuf },
    #[error("{} is a symbolic link", .path.display())]
    Link { path: PathBuf },
    #[error("{} is a file, not a folder", .path.display())]
    NotAFolder { path: PathBuf },
    #[error("{} is {kind}", .path.display())]
    Kind { path: PathBuf, kind: FileKind },
    #[error("{} changed while it was being opened", .path.display())]
    Replaced { path: PathBuf },
    #[error("{}: {error}", .path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

impl FolderError {
    fn io(path: &Path, error: impl Into<std::io::Error>) -> Self {
        FolderError::Io {
            path: path.to_path_buf(),
            error: error.into(),
        }
    }

    /// Whether the path holds something other than what was asked for (a link, a FIFO, a
    /// folder where a file was expected): the folder's state, not a failure to look.
    pub fn is_wrong_kind(&self) -> bool {
        matches!(
            self,
            FolderError::Link { .. } | FolderError::NotAFolder { .. } | FolderError::Kind { .. }
        )
    }
}

/// A lab folder or a sandbox, held open: every path under it is reached from this descriptor.
#[derive(Debug)]
pub struct Folder {
    /// Its canonical path.
    path: PathBuf,
    fd: OwnedFd,
}

/// What a walk found at the end of a path.
#[derive(Debug)]
pub enum Located {
    /// Nothing: the component `at` (relative to the folder) does not exist. Only the tests read
    /// where the walk stopped; callers need only that nothing is there.
    Missing {
        #[cfg_attr(not(test), allow(dead_code))]
        at: PathBuf,
    },
    /// Something of this type, every folder on the way a real one.
    Found { kind: FileType },
}

/// What [`Folder::write_new`] does when the path is already taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// Leave what is there as it is.
    Keep,
    /// Remove it (a file, or a link itself: never what a link points to) and write anew.
    Replace,
}

/// What [`Folder::write_new`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Created,
    Kept,
}

impl Folder {
    /// Open the folder at `path` (which must exist and be a folder; a link to one is followed
    /// here only: the folder is the caller's choice, what lies under it is not).
    pub fn open(path: &Path) -> std::io::Result<Folder> {
        let canonical = std::fs::canonicalize(path)?;
        let fd = rustix::fs::open(&canonical, LOOK | OFlags::DIRECTORY, Mode::empty())?;
        Ok(Folder {
            path: canonical,
            fd,
        })
    }

    /// The folder's canonical path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The folder's own descriptor.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// Walk `rel` from the folder: every component but the last must be a real folder.
    /// Returns the last folder reached and the name in it (`None` for the folder itself).
    fn parent_of<'p>(&self, rel: &'p Path) -> Result<(OwnedFd, Option<&'p OsStr>), FolderError> {
        let names = names(rel)?;
        let mut dir = self.fd.try_clone().map_err(|e| FolderError::io(rel, e))?;
        let Some((last, folders)) = names.split_last() else {
            return Ok((dir, None));
        };
        let mut walked = PathBuf::new();
        for name in folders {
            walked.push(name);
            dir = match look(&dir, name, &walked)? {
                Some((fd, FileType::Directory)) => fd,
                Some((_, kind)) => return Err(wrong(&walked, kind)),
                None => return Err(FolderError::Missing { path: walked }),
            };
        }
        Ok((dir, Some(*last)))
    }

    /// What is at `rel`, every component looked at without following it.
    pub fn locate(&self, rel: &Path) -> Result<Located, FolderError> {
        let (dir, name) = match self.parent_of(rel) {
            Ok(found) => found,
            Err(FolderError::Missing { path }) => return Ok(Located::Missing { at: path }),
            Err(e) => return Err(e),
        };
        let Some(name) = name else {
            return Ok(Located::Found {
                kind: FileType::Directory,
            });
        };
        Ok(match look(&dir, name, rel)? {
            Some((_, kind)) => Located::Found { kind },
            None => Located::Missing {
                at: rel.to_path_buf(),
            },
        })
    }

    /// The regular file at `rel`, open for reading, read at most `limit` bytes through.
    pub fn open_file(
        &self,
        rel: &Path,
        limit: u64,
    ) -> Result<std::io::Take<std::fs::File>, FolderError> {
        let (dir, name) = self.parent_of(rel)?;
        let Some(name) = name else {
            return Err(wrong(rel, FileType::Directory));
        };
        let fd = open_regular_at(dir.as_fd(), name, false).map_err(|e| match e {
            Opened::Missing => FolderError::Missing {
                path: rel.to_path_buf(),
            },
            Opened::Kind(kind) => wrong(rel, kind),
            Opened::Replaced => FolderError::Replaced {
                path: rel.to_path_buf(),
            },
            Opened::Io(error) => FolderError::io(rel, error),
        })?;
        Ok(std::fs::File::from(fd).take(limit))
    }

    /// The first entry of the folder, if it holds any.
    pub fn first_entry(&self) -> std::io::Result<Option<OsString>> {
        let listing = rustix::fs::openat(
            &self.fd,
            ".",
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        for entry in rustix::fs::Dir::new(listing)? {
            let entry = entry?;
            let name = entry.file_name().to_bytes();
            if name != b"." && name != b".." {
                use std::os::unix::ffi::OsStrExt;
                return Ok(Some(OsStr::from_bytes(name).to_os_string()));
            }
        }
        Ok(None)
    }

    /// Write `content` to a new file at `rel`, making the folders on the way (`mkdirat`). The
    /// file is created exclusively and without following a link; when the name is taken,
    /// `taken` says whether to keep what is there or to remove it and create the file anew.
    pub fn write_new(
        &self,
        rel: &Path,
        content: &[u8],
        taken: Taken,
    ) -> Result<Written, FolderError> {
        let names = names(rel)?;
        let Some((last, folders)) = names.split_last() else {
            return Err(wrong(rel, FileType::Directory));
        };
        let mut dir = self.fd.try_clone().map_err(|e| FolderError::io(rel, e))?;
        let mut walked = PathBuf::new();
        for name in folders {
            walked.push(name);
            if look(&dir, name, &walked)?.is_none() {
                match rustix::fs::mkdirat(&dir, *name, Mode::from_raw_mode(0o777)) {
                    Ok(()) | Err(rustix::io::Errno::EXIST) => {}
                    Err(e) => return Err(FolderError::io(&walked, e)),
                }
            }
            dir = match look(&dir, name, &walked)? {
                Some((fd, FileType::Directory)) => fd,
                Some((_, kind)) => return Err(wrong(&walked, kind)),
                None => return Err(FolderError::Replaced { path: walked }),
            };
        }
        let create = || {
            rustix::fs::openat(
                &dir,
                *last,
                OFlags::WRONLY
                    | OFlags::CREATE
                    | OFlags::EXCL
                    | OFlags::NOFOLLOW
                    | OFlags::NOCTTY
                    | OFlags::CLOEXEC,
                Mode::from_raw_mode(0o666),
            )
        };
        let fd = match create() {
            Ok(fd) => fd,
            Err(rustix::io::Errno::EXIST) if taken == Taken::Keep => return Ok(Written::Kept),
            Err(rustix::io::Errno::EXIST) => {
                match look(&dir, last, rel)? {
                    Some((_, FileType::Directory)) => return Err(wrong(rel, FileType::Directory)),
                    // A file or a link (unlinking a link removes the link alone).
                    Some(_) => rustix::fs::unlinkat(&dir, *last, AtFlags::empty())
                        .map_err(|e| FolderError::io(rel, e))?,
                    None => {}
                }
                create().map_err(|e| match e {
                    rustix::io::Errno::EXIST => FolderError::Replaced {
                        path: rel.to_path_buf(),
                    },
                    e => FolderError::io(rel, e),
                })?
            }
            Err(e) => return Err(FolderError::io(rel, e)),
        };
        std::fs::File::from(fd)
            .write_all(content)
            .map_err(|e| FolderError::io(rel, e))?;
        Ok(Written::Created)
    }
}

/// Remove a folder labrunner made, and everything in it. The standard library's removal walks
/// by descriptor and removes links without following them.
pub fn remove(path: &Path) -> std::io::Result<()> {
    std::fs::remove_dir_all(path)
}

/// The components of `rel`, which must stay inside the folder (`.` is skipped).
fn names(rel: &Path) -> Result<Vec<&OsStr>, FolderError> {
    let mut out = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(name) => out.push(name),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                return Err(FolderError::Outside {
                    path: rel.to_path_buf(),
                });
            }
        }
    }
    Ok(out)
}

/// Look at `name` in `dir` without following it: its descriptor and type, or `None` when it
/// does not exist.
fn look(
    dir: &OwnedFd,
    name: &OsStr,
    shown: &Path,
) -> Result<Option<(OwnedFd, FileType)>, FolderError> {
    let fd = match rustix::fs::openat(dir, name, LOOK, Mode::empty()) {
        Ok(fd) => fd,
        Err(rustix::io::Errno::NOENT) => return Ok(None),
        // Without O_PATH, a no-follow open of a symbolic link fails with ELOOP.
        Err(rustix::io::Errno::LOOP) => {
            return Err(FolderError::Link {
                path: shown.to_path_buf(),
            });
        }
        Err(e) => return Err(FolderError::io(shown, e)),
    };
    let stat = rustix::fs::fstat(&fd).map_err(|e| FolderError::io(shown, e))?;
    Ok(Some((fd, FileType::from_raw_mode(stat.st_mode))))
}

/// The error for finding `kind` where something else was expected.
pub(crate) fn wrong(path: &Path, kind: FileType) -> FolderError {
    let path = path.to_path_buf();
    match kind {
        FileType::Symlink => FolderError::Link { path },
        FileType::RegularFile => FolderError::NotAFolder { path },
        other => FolderError::Kind {
            path,
            kind: FileKind::of(other).unwrap_or(FileKind::Other),
        },
    }
}

/// Why [`open_regular_at`] opened nothing.
pub(crate) enum Opened {
    Missing,
    /// It is there, but not a regular file (`Symlink` only when links are not followed).
    Kind(FileType),
    Replaced,
    Io(std::io::Error),
}

/// Open the regular file `name` (relative to `dir`) for reading, deciding on the descriptor
/// itself; `follow` says whether a link at `name` is followed (a path the user gave) or is
/// refused (a path under a folder). On Linux the first open is `O_PATH` (no read access, no
/// device open, no FIFO wait); the file is then reopened through `/proc/self/fd`, which names
/// that same inode, and checked again.
pub(crate) fn open_regular_at(
    dir: BorrowedFd<'_>,
    name: impl AsRef<Path>,
    follow: bool,
) -> Result<OwnedFd, Opened> {
    let name = name.as_ref();
    let nofollow = if follow {
        OFlags::empty()
    } else {
        OFlags::NOFOLLOW
    };
    let located = match rustix::fs::openat(
        dir,
        name,
        LOOK.difference(OFlags::NOFOLLOW) | nofollow,
        Mode::empty(),
    ) {
        Ok(fd) => fd,
        Err(rustix::io::Errno::NOENT) => return Err(Opened::Missing),
        Err(rustix::io::Errno::LOOP) if !follow => return Err(Opened::Kind(FileType::Symlink)),
        Err(e) => return Err(Opened::Io(e.into())),
    };
    let stat = rustix::fs::fstat(&located).map_err(|e| Opened::Io(e.into()))?;
    let kind = FileType::from_raw_mode(stat.st_mode);
    if kind != FileType::RegularFile {
        return Err(Opened::Kind(kind));
    }
    if !cfg!(target_os = "linux") {
        // Opened for reading already (non-blocking, so a FIFO did not wait).
        return Ok(located);
    }
    use std::os::fd::AsRawFd;
    let through = format!("/proc/self/fd/{}", located.as_raw_fd());
    let fd = match rustix::fs::open(through.as_str(), READING, Mode::empty()) {
        Ok(fd) => fd,
        // No /proc: open the name again, then make sure it is still the same regular file.
        Err(_) => rustix::fs::openat(dir, name, READING | nofollow, Mode::empty())
            .map_err(|e| Opened::Io(e.into()))?,
    };
    let again = rustix::fs::fstat(&fd).map_err(|e| Opened::Io(e.into()))?;
    let kind = FileType::from_raw_mode(again.st_mode);
    if kind != FileType::RegularFile {
        return Err(Opened::Kind(kind));
    }
    if (again.st_dev, again.st_ino) != (stat.st_dev, stat.st_ino) {
        return Err(Opened::Replaced);
    }
    Ok(fd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn folder() -> (tempfile::TempDir, Folder) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("lab/a")).unwrap();
        std::fs::create_dir_all(dir.path().join("outside")).unwrap();
        std::fs::write(dir.path().join("lab/a/f.txt"), "inside").unwrap();
        std::fs::write(dir.path().join("outside/secret"), "SECRET").unwrap();
        let f = Folder::open(&dir.path().join("lab")).unwrap();
        (dir, f)
    }

    fn read(f: &Folder, rel: &str) -> Result<String, FolderError> {
        let mut text = String::new();
        f.open_file(Path::new(rel), 1024)?
            .read_to_string(&mut text)
            .unwrap();
        Ok(text)
    }

    #[test]
    fn files_inside_are_read_with_a_bound() {
        let (_dir, f) = folder();
        assert_eq!(read(&f, "a/f.txt").unwrap(), "inside");
        assert_eq!(read(&f, "./a/./f.txt").unwrap(), "inside");
        let mut head = String::new();
        f.open_file(Path::new("a/f.txt"), 3)
            .unwrap()
            .read_to_string(&mut head)
            .unwrap();
        assert_eq!(head, "ins");
        assert!(matches!(
            read(&f, "a/nope"),
            Err(FolderError::Missing { .. })
        ));
        assert!(matches!(
            read(&f, "b/nope"),
            Err(FolderError::Missing { .. })
        ));
    }

    #[test]
    fn links_special_files_and_outside_paths_are_never_read() {
        let (dir, f) = folder();
        let lab = dir.path().join("lab");
        symlink(dir.path().join("outside/secret"), lab.join("link")).unwrap();
        symlink(dir.path().join("outside"), lab.join("dirlink")).unwrap();
        symlink("a/f.txt", lab.join("inner")).unwrap();
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            lab.join("pipe"),
            Mode::from_raw_mode(0o600),
        )
        .unwrap();
        let started = std::time::Instant::now();
        let err = |rel: &str| read(&f, rel).unwrap_err().to_string();
        assert_eq!(err("link"), "link is a symbolic link");
        assert_eq!(err("inner"), "inner is a symbolic link");
        assert_eq!(err("dirlink/secret"), "dirlink is a symbolic link");
        assert_eq!(err("pipe"), "pipe is a FIFO (named pipe)");
        assert_eq!(err("a"), "a is a folder");
        assert_eq!(err("a/f.txt/x"), "a/f.txt is a file, not a folder");
        assert!(err("../outside/secret").contains("not a path inside the folder"));
        assert!(err("/etc/passwd").contains("not a path inside the folder"));
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        assert!(matches!(
            f.locate(Path::new("dirlink/x")),
            Err(FolderError::Link { .. })
        ));
        assert!(matches!(
            f.locate(Path::new("link")),
            Ok(Located::Found {
                kind: FileType::Symlink
            })
        ));
        assert!(matches!(
            f.locate(Path::new("new/deeper")),
            Ok(Located::Missing { at }) if at == Path::new("new")
        ));
    }

    #[test]
    fn writes_create_exclusively_and_never_through_a_link() {
        let (dir, f) = folder();
        let lab = dir.path().join("lab");
        // A dangling link where a file is to be written: its target is never created.
        let target = dir.path().join("outside/created-by-link");
        symlink(&target, lab.join("data.txt")).unwrap();
        symlink(dir.path().join("outside"), lab.join("sub")).unwrap();
        assert_eq!(
            f.write_new(Path::new("data.txt"), b"x", Taken::Keep)
                .unwrap(),
            Written::Kept
        );
        assert_eq!(
            f.write_new(Path::new("data.txt"), b"lab", Taken::Replace)
                .unwrap(),
            Written::Created
        );
        assert!(!target.exists());
        assert_eq!(
            std::fs::read_to_string(lab.join("data.txt")).unwrap(),
            "lab"
        );
        assert!(
            !std::fs::symlink_metadata(lab.join("data.txt"))
                .unwrap()
                .is_symlink()
        );
        let err = f
            .write_new(Path::new("sub/x.txt"), b"x", Taken::Replace)
            .unwrap_err();
        assert_eq!(err.to_string(), "sub is a symbolic link");
        assert!(!dir.path().join("outside/x.txt").exists());
        assert_eq!(
            f.write_new(Path::new("new/deeper/y.txt"), b"y", Taken::Keep)
                .unwrap(),
            Written::Created
        );
        assert_eq!(
            std::fs::read_to_string(lab.join("new/deeper/y.txt")).unwrap(),
            "y"
        );
        assert!(f.write_new(Path::new("../z"), b"z", Taken::Keep).is_err());
        assert!(f.first_entry().unwrap().is_some());
        let empty = Folder::open(&dir.path().join("lab/new/deeper/..")).unwrap();
        assert!(empty.first_entry().unwrap().is_some());
        std::fs::create_dir(dir.path().join("void")).unwrap();
        assert_eq!(
            Folder::open(&dir.path().join("void"))
                .unwrap()
                .first_entry()
                .unwrap(),
            None
        );
    }
}
