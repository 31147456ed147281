//! The replay sandbox: bind mounts never reach outside it, whatever the submission's containers
//! do inside it.
//!
//! The daemon resolves a bind source itself, following symbolic links, when it starts the
//! container; that is after labrunner checked the path, and a container of the same grading
//! that has the sandbox (or a folder of it) mounted read-write could swap a path component for
//! a symbolic link, or rename one, in between. [`SandboxGuard`] closes that window:
//!
//! 1. Before a container with bind mounts is created or started, every running container of
//!    the grading is paused (the cgroup freezer): all of them, not only those with a writable
//!    bind, because a container that shares another's process namespace (`--pid container:`)
//!    reaches that container's mounts through `/proc/PID/root`. Replay runs one command at a
//!    time, so nothing else of the grading runs until they are unpaused.
//! 2. Every bind source is then walked from the sandbox root, one component at a time, with
//!    no-follow opens relative to the folder before (`openat`, `O_NOFOLLOW`; [`crate::folder`]): each component
//!    must be a real folder (the last one may be a regular file), never a symbolic link, a
//!    device, a FIFO or a socket, and `.`/`..` are resolved beforehand, so the path handed to
//!    the daemon is exactly the one walked. A part that does not exist yet is left to the
//!    daemon (`-v` creates it; `--mount` refuses it): no one can plant a link there while
//!    everything is paused.
//! 3. The daemon creates and starts the container with those paths; once it has answered the
//!    start, the bind is held by the kernel (the path is not looked up again), and the paused
//!    containers are unpaused.
//!
//! The sandbox root itself, and every folder above it, are out of every container's reach:
//! bind sources are confined to the sandbox, so no container can see the sandbox's parent. A
//! container the daemon restarts by itself would resolve its binds unguarded: the command
//! policy refuses restart policies on containers with bind mounts or a shared process
//! namespace.

use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use async_trait::async_trait;
use rustix::fs::FileType;

use crate::engine::{EngineError, Freezer, StartGuard};
use crate::folder::{Folder, FolderError, Located};

/// Guards the bind mounts of one grading's containers; see the module documentation.
#[derive(Debug)]
pub struct SandboxGuard {
    /// The sandbox as the submission names it (`$(pwd)`).
    given: PathBuf,
    /// The sandbox, held open; its canonical path is what the daemon is handed.
    folder: Folder,
    /// The run label every container of the grading carries.
    run_label: (String, String),
    /// Containers paused by the last `enter`, to unpause in `leave`.
    paused: Mutex<Vec<String>>,
}

impl SandboxGuard {
    /// A guard for the sandbox folder `root`, freezing containers labelled `run_label`.
    pub fn new(root: &Path, run_label: (String, String)) -> std::io::Result<Self> {
        Ok(SandboxGuard {
            given: root.to_path_buf(),
            folder: Folder::open(root)?,
            run_label,
            paused: Mutex::new(Vec::new()),
        })
    }

    /// The sandbox's canonical path.
    pub fn root(&self) -> &Path {
        self.folder.path()
    }

    /// The sandbox, held open.
    pub fn folder(&self) -> &Folder {
        &self.folder
    }

    /// The path to hand the daemon for the bind source `source`, walked as described in the
    /// module documentation, or why it may not be mounted. Only meaningful while nothing can
    /// change the sandbox (inside [`StartGuard::enter`]).
    pub fn verify(&self, source: &str) -> Result<PathBuf, String> {
        let refuse = |why: String| format!("bind mount of `{source}`: {why}");
        let lexical = normalize(Path::new(source));
        if !lexical.is_absolute() {
            return Err(refuse("the source is not an absolute path".into()));
        }
        let rel = lexical
            .strip_prefix(self.root())
            .or_else(|_| lexical.strip_prefix(normalize(&self.given)))
            .map_err(|_| {
                refuse(format!(
                    "it is outside the sandbox {}",
                    self.root().display()
                ))
            })?
            .to_path_buf();
        self.root_unchanged().map_err(refuse)?;
        let why = match self.folder.locate(&rel) {
            // A part that is not there yet: the daemon creates it (`-v`) or refuses it (`--mount`).
            Ok(Located::Missing { .. })
            | Ok(Located::Found {
                kind: FileType::Directory | FileType::RegularFile,
            }) => return Ok(self.root().join(rel)),
            Ok(Located::Found { kind }) => crate::folder::wrong(&rel, kind),
            Err(e) => e,
        };
        Err(match why {
            FolderError::Link { path } => refuse(format!(
                "{} is a symbolic link; bind sources must be real folders in the sandbox",
                path.display()
            )),
            other => refuse(other.to_string()),
        })
    }

    /// The folder at the sandbox's path is still the one opened (no one replaced it).
    fn root_unchanged(&self) -> Result<(), String> {
        let now = rustix::fs::lstat(self.root()).map_err(|e| e.to_string())?;
        let then = rustix::fs::fstat(self.folder.fd()).map_err(|e| e.to_string())?;
        if (now.st_dev, now.st_ino) == (then.st_dev, then.st_ino)
            && FileType::from_raw_mode(now.st_mode) == FileType::Directory
        {
            Ok(())
        } else {
            Err(format!(
                "the sandbox {} was replaced during grading",
                self.root().display()
            ))
        }
    }

    /// Whether containers paused by an `enter` are still waiting for their `leave` (the
    /// command that entered was cut off by a time limit).
    pub fn holds_paused(&self) -> bool {
        !self
            .paused
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
    }

    fn take_paused(&self) -> Vec<String> {
        std::mem::take(&mut *self.paused.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Pause every running container of the grading, including any that starts while the
    /// first ones are being paused. Each is recorded as this guard's the moment it is paused,
    /// so one a command cut off inside the guard left paused is still this guard's to unpause;
    /// a container found paused that is not this guard's was paused by the submission
    /// (`docker pause`), and stays paused. On failure, those this guard paused are unpaused.
    async fn freeze(&self, freezer: &dyn Freezer) -> Result<(), EngineError> {
        let labels = [self.run_label.clone()];
        let mut seen: Vec<String> = Vec::new();
        for _round in 0..5 {
            let running = freezer.running(&labels).await;
            let fresh: Vec<String> = match running {
                Ok(ids) => ids.into_iter().filter(|id| !seen.contains(id)).collect(),
                Err(e) => return Err(self.abandon(freezer, e).await),
            };
            if fresh.is_empty() {
                return Ok(());
            }
            for id in fresh {
                seen.push(id.clone());
                match freezer.pause(&id).await {
                    Ok(()) => self.hold(id),
                    // Frozen already: by this guard (it is held) or by the submission.
                    Err(EngineError::Daemon {
                        status: 409,
                        message,
                    }) if message.contains("already paused") => {}
                    // It exited meanwhile: an exited container changes nothing.
                    Err(_) if exited(freezer, &id).await => {}
                    Err(e) => return Err(self.abandon(freezer, e).await),
                }
            }
        }
        let e = EngineError::Other("containers kept starting while the grading paused them".into());
        Err(self.abandon(freezer, e).await)
    }

    fn hold(&self, id: String) {
        let mut paused = self.paused.lock().unwrap_or_else(|e| e.into_inner());
        if !paused.contains(&id) {
            paused.push(id);
        }
    }

    async fn abandon(&self, freezer: &dyn Freezer, e: EngineError) -> EngineError {
        self.leave(freezer).await;
        EngineError::Refused(format!(
            "the containers of this grading could not be paused while bind mounts are set up ({e}); bind mounts are not started unguarded"
        ))
    }
}

/// Whether a container that could not be paused has exited. The runtime refuses to pause a
/// process that has ended a moment before the daemon takes the exit in and stops calling the
/// container running, so the daemon is asked a few times over at most half a second.
async fn exited(freezer: &dyn Freezer, id: &str) -> bool {
    for _ in 0..10 {
        match freezer.is_running(id).await {
            Ok(false) => return true,
            Ok(true) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
            Err(_) => return false,
        }
    }
    false
}

#[async_trait]
impl StartGuard for SandboxGuard {
    async fn enter(
        &self,
        freezer: &dyn Freezer,
        sources: &[String],
    ) -> Result<Vec<String>, EngineError> {
        self.freeze(freezer).await?;
        let verified: Result<Vec<String>, String> = sources
            .iter()
            .map(|s| self.verify(s).map(|p| p.to_string_lossy().into_owned()))
            .collect();
        match verified {
            Ok(v) => Ok(v),
            Err(why) => {
                self.leave(freezer).await;
                Err(EngineError::Refused(why))
            }
        }
    }

    async fn leave(&self, freezer: &dyn Freezer) {
        let mut still = Vec::new();
        for id in self.take_paused() {
            // One that could not be unpaused is kept, for the next `leave` to try again (at
            // the latest, cleanup removes it).
            match freezer.unpause(&id).await {
                Err(EngineError::Daemon { status: 404, .. }) | Ok(()) => {}
                Err(EngineError::Daemon { message, .. }) if message.contains("not paused") => {}
                Err(_) => still.push(id),
            }
        }
        self.paused
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(still);
    }
}

/// Resolve `.` and `..` without touching the file system.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustix::fs::Mode;
    use std::os::unix::fs::symlink;

    fn guard() -> (tempfile::TempDir, SandboxGuard) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("sandbox/a/b")).unwrap();
        std::fs::write(dir.path().join("sandbox/a/f.txt"), "x").unwrap();
        let g = SandboxGuard::new(&dir.path().join("sandbox"), ("r".into(), "1".into())).unwrap();
        (dir, g)
    }

    #[test]
    fn real_folders_and_files_inside_pass_and_come_back_normalized() {
        let (dir, g) = guard();
        let root = std::fs::canonicalize(dir.path().join("sandbox")).unwrap();
        let s = root.to_string_lossy().to_string();
        assert_eq!(g.verify(&s).unwrap(), root);
        assert_eq!(g.verify(&format!("{s}/a/b")).unwrap(), root.join("a/b"));
        assert_eq!(
            g.verify(&format!("{s}/a/./b/../b/")).unwrap(),
            root.join("a/b")
        );
        assert_eq!(
            g.verify(&format!("{s}/a/f.txt")).unwrap(),
            root.join("a/f.txt")
        );
        assert_eq!(
            g.verify(&format!("{s}/new/deeper")).unwrap(),
            root.join("new/deeper")
        );
    }

    #[test]
    fn links_special_files_and_outside_paths_are_refused() {
        let (dir, g) = guard();
        let root = std::fs::canonicalize(dir.path().join("sandbox")).unwrap();
        let s = root.to_string_lossy().to_string();
        symlink("/etc", root.join("a/etc")).unwrap();
        symlink(root.join("a/b"), root.join("inside")).unwrap();
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            root.join("a/p"),
            Mode::from_raw_mode(0o600),
        )
        .unwrap();
        let refused = |p: &str| g.verify(p).unwrap_err();
        assert!(refused(&format!("{s}/a/etc")).contains("a/etc is a symbolic link"));
        assert!(refused(&format!("{s}/a/etc/ssl")).contains("a/etc is a symbolic link"));
        assert!(refused(&format!("{s}/inside")).contains("inside is a symbolic link"));
        assert!(refused(&format!("{s}/a/p")).contains("a/p is a FIFO"));
        assert!(refused(&format!("{s}/a/f.txt/x")).contains("a/f.txt is a file"));
        assert!(refused(&format!("{s}/../x")).contains("outside the sandbox"));
        assert!(refused("/etc").contains("outside the sandbox"));
        assert!(refused("relative").contains("not an absolute path"));
    }

    #[test]
    fn a_replaced_sandbox_is_noticed() {
        let (dir, g) = guard();
        let root = dir.path().join("sandbox");
        std::fs::rename(&root, dir.path().join("moved")).unwrap();
        std::fs::create_dir(&root).unwrap();
        let err = g.verify(&root.to_string_lossy()).unwrap_err();
        assert!(err.contains("was replaced"), "{err}");
    }

    /// Running containers `a` and `b`; `b` paused by the submission (the daemon lists paused
    /// containers among the running ones).
    #[derive(Default)]
    struct Daemon {
        paused: Mutex<Vec<String>>,
    }

    #[async_trait]
    impl Freezer for Daemon {
        async fn running(&self, _labels: &[(String, String)]) -> Result<Vec<String>, EngineError> {
            Ok(vec!["a".into(), "b".into()])
        }
        async fn pause(&self, id: &str) -> Result<(), EngineError> {
            let mut paused = self.paused.lock().unwrap();
            if paused.iter().any(|p| p == id) {
                return Err(EngineError::Daemon {
                    status: 409,
                    message: format!("Container {id} is already paused"),
                });
            }
            paused.push(id.to_string());
            Ok(())
        }
        async fn unpause(&self, id: &str) -> Result<(), EngineError> {
            let mut paused = self.paused.lock().unwrap();
            if !paused.iter().any(|p| p == id) {
                return Err(EngineError::Daemon {
                    status: 409,
                    message: format!("Container {id} is not paused"),
                });
            }
            paused.retain(|p| p != id);
            Ok(())
        }
        async fn is_running(&self, _id: &str) -> Result<bool, EngineError> {
            Ok(true)
        }
    }

    #[tokio::test]
    async fn a_container_the_submission_paused_stays_paused() {
        let (dir, g) = guard();
        let daemon = Daemon::default();
        daemon.paused.lock().unwrap().push("b".into());
        let root = std::fs::canonicalize(dir.path().join("sandbox")).unwrap();
        let source = root.join("a").to_string_lossy().to_string();
        g.enter(&daemon, &[source]).await.unwrap();
        assert_eq!(*daemon.paused.lock().unwrap(), ["b", "a"]);
        g.leave(&daemon).await;
        assert_eq!(*daemon.paused.lock().unwrap(), ["b"]);
        assert!(!g.holds_paused());
    }

    #[tokio::test]
    async fn what_the_guard_left_paused_it_still_unpauses() {
        let (dir, g) = guard();
        let daemon = Daemon::default();
        let root = std::fs::canonicalize(dir.path().join("sandbox")).unwrap();
        let source = root.join("a").to_string_lossy().to_string();
        // A command cut off inside the guard: entered, never left.
        g.enter(&daemon, std::slice::from_ref(&source))
            .await
            .unwrap();
        g.enter(&daemon, &[source]).await.unwrap();
        g.leave(&daemon).await;
        assert!(daemon.paused.lock().unwrap().is_empty());
    }
}
