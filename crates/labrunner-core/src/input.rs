//! Bounded input: the one way labrunner reads a file it did not write itself (labs, lessons,
//! quizzes, the config file, progress files, submissions) and standard input.
//!
//! Whatever the path names, reading it never blocks and never holds more than the bound:
//!
//! - The path is first opened with `O_PATH` (Linux; elsewhere a non-blocking open), which
//!   neither blocks on a FIFO nor performs a device's open side effects, and the type is taken
//!   from `fstat` on that descriptor, so no one can swap the file between the check and the read.
//! - Anything but a regular file (a folder, FIFO, character or block device, socket) is refused
//!   with an error naming the file and what it is.
//! - A regular file is reopened through that descriptor for reading and read up to the bound
//!   plus one byte; the length the metadata reports is never trusted (`/dev/zero` says 0, a file
//!   can grow while it is read).
//! - Standard input is a stream: it is read with the same bound and a time limit.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::folder;

pub use crate::folder::FileKind;

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read {}: {error}", .path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{} is {kind}, not a file labrunner can read", .path.display())]
    NotAFile { path: PathBuf, kind: FileKind },
    #[error("{} is larger than the limit of {limit} bytes", .path.display())]
    TooLarge { path: PathBuf, limit: u64 },
    #[error("{} sent nothing more for {}s; reading stopped", .path.display(), .waited.as_secs())]
    TimedOut { path: PathBuf, waited: Duration },
}

impl InputError {
    pub fn path(&self) -> &Path {
        match self {
            InputError::Io { path, .. }
            | InputError::NotAFile { path, .. }
            | InputError::TooLarge { path, .. }
            | InputError::TimedOut { path, .. } => path,
        }
    }
}

/// Bound for a lesson, a quiz or a config file: far more than any of them needs.
pub const MAX_DOCUMENT_BYTES: u64 = 1024 * 1024;

impl InputError {
    /// What went wrong, without the path: for messages that name the file their own way.
    pub fn detail(&self) -> String {
        match self {
            InputError::Io { error, .. } => error.to_string(),
            InputError::NotAFile { kind, .. } => format!("it is {kind}, not a regular file"),
            InputError::TooLarge { limit, .. } => {
                format!("it is larger than the limit of {limit} bytes")
            }
            InputError::TimedOut { waited, .. } => {
                format!("nothing more arrived for {}s", waited.as_secs())
            }
        }
    }

    /// The path as a person reads it: `standard input` for `-`.
    pub fn shown_path(&self) -> String {
        if self.path() == Path::new(STDIN) {
            "standard input".to_string()
        } else {
            self.path().display().to_string()
        }
    }

    /// The same error as an `io::Error` whose message does not repeat the path, for callers
    /// that already say "cannot read PATH: ...".
    pub fn into_io(self) -> std::io::Error {
        match self {
            InputError::Io { error, .. } => error,
            InputError::NotAFile { kind, .. } => std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("it is {kind}, not a regular file"),
            ),
            InputError::TooLarge { limit, .. } => std::io::Error::new(
                std::io::ErrorKind::FileTooLarge,
                format!("it is larger than the limit of {limit} bytes"),
            ),
            InputError::TimedOut { waited, .. } => std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("nothing more arrived for {}s", waited.as_secs()),
            ),
        }
    }
}

/// [`read_file`] as UTF-8 text, with the error as an `io::Error` (see [`InputError::into_io`]):
/// a drop-in for `std::fs::read_to_string` that holds for any file type.
pub fn read_to_string(path: &Path, limit: u64) -> std::io::Result<String> {
    let bytes = read_file(path, limit).map_err(InputError::into_io)?;
    String::from_utf8(bytes).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "it is not valid UTF-8 text",
        )
    })
}

/// The name standard input goes by in messages and as a path (`-`).
pub const STDIN: &str = "-";

/// Whether `path` means standard input: `-`, or one of the names the system gives it.
pub fn is_stdin(path: &Path) -> bool {
    matches!(
        path.to_str(),
        Some("-" | "/dev/stdin" | "/dev/fd/0" | "/proc/self/fd/0")
    )
}

/// The contents of the regular file at `path`, at most `limit` bytes.
pub fn read_file(path: &Path, limit: u64) -> Result<Vec<u8>, InputError> {
    let io = |error: std::io::Error| InputError::Io {
        path: path.to_path_buf(),
        error,
    };
    let file = open_regular(path).map_err(|e| match e {
        Opened::Io(error) => io(error),
        Opened::Kind(kind) => InputError::NotAFile {
            path: path.to_path_buf(),
            kind,
        },
    })?;
    let mut bytes = Vec::new();
    std::fs::File::from(file)
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(InputError::TooLarge {
            path: path.to_path_buf(),
            limit,
        });
    }
    Ok(bytes)
}

/// `path` read with [`read_file`], or standard input read with [`read_stdin`] when `path`
/// names it.
pub fn read_file_or_stdin(
    path: &Path,
    limit: u64,
    timeout: Duration,
) -> Result<Vec<u8>, InputError> {
    if is_stdin(path) {
        read_stdin(limit, timeout)
    } else {
        read_file(path, limit)
    }
}

/// Standard input, at most `limit` bytes, until end of input or until `timeout` has passed in
/// all (a writer that never closes its end, like `yes`, is cut off by one or the other).
pub fn read_stdin(limit: u64, timeout: Duration) -> Result<Vec<u8>, InputError> {
    let stdin = std::io::stdin();
    read_stream(&stdin, &mut stdin.lock(), Path::new(STDIN), limit, timeout)
}

/// Read `reader` (whose descriptor is `fd`) up to `limit` bytes within `timeout`: every read is
/// preceded by a `poll` with the time left, so a read never waits past the deadline.
pub fn read_stream(
    fd: &impl std::os::fd::AsFd,
    reader: &mut impl Read,
    path: &Path,
    limit: u64,
    timeout: Duration,
) -> Result<Vec<u8>, InputError> {
    let io = |error: std::io::Error| InputError::Io {
        path: path.to_path_buf(),
        error,
    };
    let deadline = Instant::now() + timeout;
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 64 * 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let timespec = rustix::event::Timespec::try_from(left).map_err(|_| {
            io(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "time limit out of range",
            ))
        })?;
        let mut fds = [rustix::event::PollFd::new(fd, rustix::event::PollFlags::IN)];
        let ready = match rustix::event::poll(&mut fds, Some(&timespec)) {
            Ok(n) => n,
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(io(e.into())),
        };
        if ready == 0 {
            return Err(InputError::TimedOut {
                path: path.to_path_buf(),
                waited: timeout,
            });
        }
        let room = usize::try_from(limit.saturating_add(1) - bytes.len() as u64)
            .unwrap_or(usize::MAX)
            .min(chunk.len());
        let n = match reader.read(&mut chunk[..room]) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io(e)),
        };
        if n == 0 {
            return Ok(bytes);
        }
        bytes.extend_from_slice(&chunk[..n]);
        if bytes.len() as u64 > limit {
            return Err(InputError::TooLarge {
                path: path.to_path_buf(),
                limit,
            });
        }
    }
}

/// Open `path` for reading if, and only if, it is a regular file, deciding on the descriptor
/// itself (see [`crate::folder`]: the same opening, following a link the user named).
fn open_regular(path: &Path) -> Result<std::os::fd::OwnedFd, Opened> {
    crate::folder::open_regular_at(rustix::fs::CWD, path, true).map_err(|e| match e {
        folder::Opened::Missing => Opened::Io(rustix::io::Errno::NOENT.into()),
        folder::Opened::Kind(kind) => Opened::Kind(FileKind::of(kind).unwrap_or(FileKind::Other)),
        folder::Opened::Replaced => Opened::Io(std::io::Error::other(
            "the file was replaced while it was being opened",
        )),
        folder::Opened::Io(error) => Opened::Io(error),
    })
}

enum Opened {
    Io(std::io::Error),
    Kind(FileKind),
}

/// `text` without a leading UTF-8 byte-order mark: editors show none, so a lab, a lesson or a
/// submission is read as if it were not there (line 1 is still line 1).
pub fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// The first control character in `text` that has no place in a text file (anything but tab,
/// newline, carriage return and NEL), with its 1-based line and column.
pub fn control_character(text: &str) -> Option<(usize, usize, char)> {
    let (at, c) = text
        .char_indices()
        .find(|&(_, c)| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{85}'))?;
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    Some((line, column, c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustix::fs::Mode;

    fn fifo(dir: &Path) -> PathBuf {
        let path = dir.join("pipe.yaml");
        rustix::fs::mkfifoat(rustix::fs::CWD, &path, Mode::from_raw_mode(0o600)).expect("mkfifo");
        path
    }

    #[test]
    fn a_regular_file_is_read_whole_within_the_bound() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        std::fs::write(&path, "hello").unwrap();
        assert_eq!(read_file(&path, 5).unwrap(), b"hello");
        let err = read_file(&path, 4).unwrap_err();
        assert!(
            matches!(err, InputError::TooLarge { limit: 4, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("a.yaml"), "{err}");
    }

    #[test]
    fn a_fifo_is_refused_at_once_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = fifo(dir.path());
        let started = Instant::now();
        let err = read_file(&path, 1024).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(2));
        assert!(matches!(
            err,
            InputError::NotAFile {
                kind: FileKind::Fifo,
                ..
            }
        ));
        assert!(
            err.to_string().contains("pipe.yaml is a FIFO (named pipe)"),
            "{err}"
        );
    }

    #[test]
    fn devices_and_folders_are_refused_even_through_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("zero.yaml");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        let err = read_file(&link, 1024).unwrap_err();
        assert!(
            matches!(
                err,
                InputError::NotAFile {
                    kind: FileKind::CharacterDevice,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("zero.yaml is a character device"));
        let err = read_file(dir.path(), 1024).unwrap_err();
        assert!(matches!(
            err,
            InputError::NotAFile {
                kind: FileKind::Folder,
                ..
            }
        ));
        let err = read_file(&dir.path().join("missing"), 1024).unwrap_err();
        assert!(matches!(err, InputError::Io { .. }));
    }

    #[test]
    fn a_socket_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.yaml");
        let _listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let err = read_file(&path, 10).unwrap_err();
        assert!(matches!(
            err,
            InputError::NotAFile {
                kind: FileKind::Socket,
                ..
            }
        ));
    }

    #[test]
    fn a_stream_is_cut_at_the_bound_and_at_the_deadline() {
        // An endless writer (like `yes`): the bound stops the read.
        let (reader, mut writer) = std::io::pipe().unwrap();
        let feeder = std::thread::spawn(move || {
            use std::io::Write;
            let block = [b'y'; 4096];
            while writer.write_all(&block).is_ok() {}
        });
        let mut r = &reader;
        let err = read_stream(
            &reader,
            &mut r,
            Path::new("-"),
            100_000,
            Duration::from_secs(5),
        )
        .unwrap_err();
        assert!(
            matches!(err, InputError::TooLarge { limit: 100_000, .. }),
            "{err}"
        );
        drop(reader);
        feeder.join().unwrap();

        // A writer that never writes nor closes: the deadline stops the read.
        let (reader, writer) = std::io::pipe().unwrap();
        let started = Instant::now();
        let mut r = &reader;
        let err = read_stream(
            &reader,
            &mut r,
            Path::new("-"),
            10,
            Duration::from_millis(300),
        )
        .unwrap_err();
        assert!(matches!(err, InputError::TimedOut { .. }), "{err}");
        assert!(started.elapsed() < Duration::from_secs(2));
        drop(writer);

        // A writer that closes: everything it wrote.
        let (reader, mut writer) = std::io::pipe().unwrap();
        std::io::Write::write_all(&mut writer, b"docker ps\n").unwrap();
        drop(writer);
        let mut r = &reader;
        let got = read_stream(&reader, &mut r, Path::new("-"), 10, Duration::from_secs(5));
        assert_eq!(got.unwrap(), b"docker ps\n");
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        assert_eq!(without_bom("\u{feff}docker ps\n"), "docker ps\n");
        assert_eq!(without_bom("docker ps"), "docker ps");
        assert_eq!(without_bom("a\u{feff}"), "a\u{feff}");
    }

    #[test]
    fn control_characters_are_located() {
        assert_eq!(control_character("ab\ncd\u{0}e"), Some((2, 3, '\u{0}')));
        assert_eq!(control_character("tab\there\r\n"), None);
        assert!(is_stdin(Path::new("-")) && is_stdin(Path::new("/dev/stdin")));
        assert!(!is_stdin(Path::new("./-x")));
    }
}
