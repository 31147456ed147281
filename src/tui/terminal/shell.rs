//! The shell behind the pane: a pseudo-terminal (portable-pty) running the user's `$SHELL`
//! (else `/bin/sh`) in the lab's folder. A reader thread feeds the pane's screen and sends the
//! screen's answers to the program's queries back; a writer thread sends keys and answers, so
//! the UI never blocks on a shell that does not read. Dropping the
//! [`Shell`] hangs up the shell and every process it started.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

use super::screen::TerminalScreen;

/// What the shell's threads tell the event loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShellEvent {
    /// New output is on the screen (sent once until the next frame is drawn).
    Output,
    /// The shell's output ended: it exited, or the reader stopped (the reason).
    Ended(String),
}

#[derive(Debug, thiserror::Error)]
#[error("cannot start a shell ({shell}) in {dir}: {message}")]
pub struct ShellError {
    pub shell: String,
    pub dir: String,
    pub message: String,
}

/// The user's login shell, else `/bin/sh`.
pub fn user_shell() -> String {
    std::env::var("SHELL")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "/bin/sh".to_string())
}

pub struct Shell {
    master: Box<dyn MasterPty + Send>,
    child: Box<dyn Child + Send + Sync>,
    input: Sender<Vec<u8>>,
    /// Set by the reader when output arrived and no frame has shown it yet.
    pub unseen_output: Arc<AtomicBool>,
    size: (u16, u16),
}

fn pty_size((rows, cols): (u16, u16)) -> PtySize {
    PtySize {
        rows: rows.max(1),
        cols: cols.max(1),
        pixel_width: 0,
        pixel_height: 0,
    }
}

impl Shell {
    /// Starts `shell` in `dir` on a PTY the size of `screen`; `notify` is called from the
    /// shell's threads.
    pub fn spawn(
        shell: &str,
        dir: &Path,
        screen: TerminalScreen,
        notify: impl Fn(ShellEvent) + Send + Sync + 'static,
    ) -> Result<Shell, ShellError> {
        let fail = |e: &dyn std::fmt::Display| ShellError {
            shell: shell.to_string(),
            dir: dir.display().to_string(),
            message: e.to_string(),
        };
        let size = screen.size();
        let pair = native_pty_system()
            .openpty(pty_size(size))
            .map_err(|e| fail(&e))?;
        let mut cmd = CommandBuilder::new(shell);
        cmd.cwd(dir);
        // What the emulator is: xterm's keys and 256 colours, and 24-bit colour.
        cmd.env("TERM", "xterm-256color");
        cmd.env("COLORTERM", "truecolor");
        let child = pair.slave.spawn_command(cmd).map_err(|e| fail(&e))?;
        drop(pair.slave);
        let reader = pair.master.try_clone_reader().map_err(|e| fail(&e))?;
        let mut writer = pair.master.take_writer().map_err(|e| fail(&e))?;
        let unseen_output = Arc::new(AtomicBool::new(false));
        let notify = Arc::new(notify);
        let (input, keys) = channel::<Vec<u8>>();
        {
            let (screen, unseen, notify) = (screen, unseen_output.clone(), notify.clone());
            let answers = input.clone();
            std::thread::Builder::new()
                .name("terminal-reader".into())
                .spawn(move || {
                    let answer = move |bytes: Vec<u8>| {
                        let _ = answers.send(bytes);
                    };
                    pump(reader, &screen, &unseen, &*notify, &answer)
                })
                .map_err(|e| fail(&e))?;
        }
        std::thread::Builder::new()
            .name("terminal-writer".into())
            .spawn(move || {
                while let Ok(bytes) = keys.recv() {
                    if writer
                        .write_all(&bytes)
                        .and_then(|()| writer.flush())
                        .is_err()
                    {
                        break;
                    }
                }
            })
            .map_err(|e| fail(&e))?;
        Ok(Shell {
            master: pair.master,
            child,
            input,
            unseen_output,
            size,
        })
    }

    /// Sends bytes to the shell (never blocks).
    pub fn write(&self, bytes: Vec<u8>) {
        let _ = self.input.send(bytes);
    }

    /// Gives the PTY a new size (the screen was resized to it); the shell gets SIGWINCH.
    pub fn resize(&mut self, size: (u16, u16)) {
        if size != self.size && self.master.resize(pty_size(size)).is_ok() {
            self.size = size;
        }
    }

    /// A program other than the shell runs in the foreground (leaving would end it).
    pub fn busy(&self) -> bool {
        match (self.master.process_group_leader(), self.child.process_id()) {
            (Some(fg), Some(shell)) => fg as u32 != shell,
            _ => false,
        }
    }

    /// The shell's process id (tests and the benchmark look for its children).
    pub fn process_id(&self) -> Option<u32> {
        self.child.process_id()
    }
}

impl Drop for Shell {
    /// Hangs up every process of the shell's session (its foreground and background jobs), as
    /// closing a terminal window does, then kills what is left.
    fn drop(&mut self) {
        let session = self.child.process_id().map(|p| p as i32);
        let groups = |extra: Option<i32>| {
            let mut g: Vec<i32> = session.map(session_groups).unwrap_or_default();
            g.extend(extra);
            g.extend(session);
            g.sort_unstable();
            g.dedup();
            g.retain(|p| *p > 1);
            g
        };
        for pgid in groups(self.master.process_group_leader()) {
            let _ = killpg(Pid::from_raw(pgid), Signal::SIGHUP);
            let _ = killpg(Pid::from_raw(pgid), Signal::SIGCONT);
        }
        let deadline = Instant::now() + Duration::from_millis(300);
        while Instant::now() < deadline {
            let shell_gone = matches!(self.child.try_wait(), Ok(Some(_)));
            if shell_gone && session.is_none_or(|s| session_groups(s).is_empty()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        for pgid in groups(None) {
            let _ = killpg(Pid::from_raw(pgid), Signal::SIGKILL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The process groups of the live processes in session `sid` (the shell is its leader), read
/// from /proc.
fn session_groups(sid: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut groups = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // `pid (comm) state ppid pgrp session ...`; comm may hold spaces and parentheses.
        let Some(after) = stat.rsplit_once(')').map(|(_, a)| a) else {
            continue;
        };
        let fields: Vec<&str> = after.split_whitespace().collect();
        let (state, pgrp, session) = (fields.first(), fields.get(2), fields.get(3));
        if state == Some(&"Z") {
            continue;
        }
        if let (Some(Ok(pgrp)), Some(Ok(session))) = (
            pgrp.map(|p| p.parse::<i32>()),
            session.map(|s| s.parse::<i32>()),
        ) && session == sid
        {
            groups.push(pgrp);
        }
    }
    groups.sort_unstable();
    groups.dedup();
    groups
}

/// Reports how the reader ended, also when it panicked (the guard drops while unwinding).
struct EndGuard<'a> {
    notify: &'a (dyn Fn(ShellEvent) + Send + Sync),
    reason: Option<String>,
}

impl Drop for EndGuard<'_> {
    fn drop(&mut self) {
        let reason = if std::thread::panicking() {
            "the terminal stopped reading the shell's output (internal error)".to_string()
        } else {
            self.reason
                .take()
                .unwrap_or_else(|| "the shell exited".to_string())
        };
        (self.notify)(ShellEvent::Ended(reason));
    }
}

/// The reader loop: bytes from the shell onto the screen, the screen's answers to queries in
/// them back to the shell (`answer`), a wake-up for the UI when the last one has been drawn.
pub fn pump(
    mut reader: impl Read,
    screen: &TerminalScreen,
    unseen: &AtomicBool,
    notify: &(dyn Fn(ShellEvent) + Send + Sync),
    answer: &dyn Fn(Vec<u8>),
) {
    let mut guard = EndGuard {
        notify,
        reason: None,
    };
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let answers = screen.feed(&buf[..n]);
                if !answers.is_empty() {
                    answer(answers);
                }
                if !unseen.swap(true, Ordering::AcqRel) {
                    notify(ShellEvent::Output);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            // EIO: the shell closed its side of the PTY.
            Err(e) if e.raw_os_error() == Some(5) => break,
            Err(e) => {
                guard.reason = Some(format!("reading the shell's output failed: {e}"));
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    struct Chunks(Vec<Vec<u8>>, bool);
    impl Read for Chunks {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match self.0.pop() {
                Some(c) => {
                    buf[..c.len()].copy_from_slice(&c);
                    Ok(c.len())
                }
                None if self.1 => panic!("reader bug"),
                None => Ok(0),
            }
        }
    }

    fn run(chunks: Chunks) -> (TerminalScreen, Vec<ShellEvent>) {
        let (screen, events, _) = run_answered(chunks);
        (screen, events)
    }

    /// The reader over `chunks` (the first chunk last): the screen, the events for the UI
    /// and what was written back to the shell, one entry per write.
    fn run_answered(chunks: Chunks) -> (TerminalScreen, Vec<ShellEvent>, Vec<Vec<u8>>) {
        let screen = TerminalScreen::new(2, 20);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let written = Mutex::new(Vec::new());
        let unseen = AtomicBool::new(false);
        let log = seen.clone();
        let notify = move |e: ShellEvent| log.lock().unwrap().push(e);
        let answer = |bytes: Vec<u8>| written.lock().unwrap().push(bytes);
        let s = screen.clone();
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pump(chunks, &s, &unseen, &notify, &answer)
        }));
        let events = seen.lock().unwrap().clone();
        let written = written.into_inner().unwrap();
        (screen, events, written)
    }

    /// Programs that ask their terminal where the cursor is (readline, IPython, crossterm) or
    /// what it is get the answer from the pane's grid, in the order they asked; output without
    /// a query writes nothing back.
    #[test]
    fn queries_are_answered_from_the_grid_in_order() {
        let table: &[(&[u8], &[u8])] = &[
            (b"plain output\r\n", b""),
            (b"\x1b[5n", b"\x1b[0n"),
            (b"\x1b[6n", b"\x1b[1;1R"),
            (b"ab\r\ncd\x1b[6n", b"\x1b[2;3R"),
            (b"\x1b[2;7H\x1b[6n", b"\x1b[2;7R"),
            (b"\x1b[c", b"\x1b[?6c"),
            (b"\x1b[0c", b"\x1b[?6c"),
            (b"\x1b[5n\x1b[6n\x1b[c", b"\x1b[0n\x1b[1;1R\x1b[?6c"),
        ];
        for (output, want) in table {
            let (_, _, written) = run_answered(Chunks(vec![output.to_vec()], false));
            assert_eq!(
                written.concat(),
                want.to_vec(),
                "{}",
                String::from_utf8_lossy(output).escape_debug()
            );
        }
        // A query split across two reads is answered once it is complete.
        let (_, _, written) =
            run_answered(Chunks(vec![b"6n".to_vec(), b"xy\x1b[".to_vec()], false));
        assert_eq!(written, [b"\x1b[1;3R".to_vec()]);
    }

    #[test]
    fn output_wakes_the_ui_once_until_drawn_and_the_end_is_reported() {
        let (screen, events) = run(Chunks(vec![b"b".to_vec(), b"a".to_vec()], false));
        assert_eq!(screen.contents(), "ab");
        assert_eq!(
            events,
            [
                ShellEvent::Output,
                ShellEvent::Ended("the shell exited".into())
            ]
        );
    }

    #[test]
    fn a_panicking_reader_still_reports_and_leaves_the_screen_usable() {
        let (screen, events) = run(Chunks(vec![b"$ ".to_vec()], true));
        assert!(
            matches!(events.last(), Some(ShellEvent::Ended(r)) if r.contains("internal error"))
        );
        screen.feed(b"more");
        assert_eq!(screen.contents(), "$ more");
    }
}
