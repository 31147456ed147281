//! The event loop: one `tokio::select!` over terminal input, a tick, signals and events from
//! background tasks. Drawing happens after every event; nothing here waits on the daemon.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event,
    EventStream, KeyEventKind,
};
use ratatui::crossterm::execute;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use super::app::{App, AppEvent, Effect, Level, ProgressKeeper};
use super::draw;
use super::live::{Connector, DataFolder, Driver};
use super::terminal::shell::{Shell, ShellEvent, user_shell};
use labrunner_core::{
    Catalog, ImageMap, LessonError, Loaded, LoadedLab, Progress, ProgressError, ProgressStore,
};

#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error(transparent)]
    Content(#[from] LessonError),
    #[error("terminal: {0}")]
    Terminal(#[from] std::io::Error),
}

/// Opens the progress store; when it cannot be, progress is kept in memory and the reason shown.
pub fn open_progress(dir: &Path) -> (ProgressKeeper, Option<String>) {
    match ProgressStore::open(dir) {
        Ok((store, recovery)) => (
            ProgressKeeper::Store(store),
            recovery.map(|r| r.to_string()),
        ),
        Err(e @ ProgressError::Locked { .. }) => {
            // Show what the other instance saved, without writing.
            let p = match labrunner_core::read_progress(dir) {
                Ok(Loaded::Ok(p)) => p,
                _ => Progress::default(),
            };
            (ProgressKeeper::Memory(p, e.to_string()), None)
        }
        Err(e) => (
            ProgressKeeper::Memory(Progress::default(), e.to_string()),
            None,
        ),
    }
}

/// The app over a catalog, with the progress in `dir`; a progress file that had to be set aside
/// is reported in the status line and kept in view on the home screen.
pub fn build_app(catalog: Catalog, dir: &Path) -> App {
    let (keeper, recovery) = open_progress(dir);
    let mut app = App::new(catalog, keeper);
    if let Some(r) = recovery {
        app.notify(Level::Warn, r.clone());
        app.set_banner(r);
    }
    app
}

/// What the TUI shows first.
#[derive(Debug, Clone)]
pub enum Start {
    Home,
    /// A lab, opened at once with its terminal focused (`labrunner lab ID`).
    Lab(Box<LoadedLab>),
}

/// Runs the TUI on the lessons and labs in `catalog` until the student quits.
pub async fn run(catalog: Catalog, image_map: ImageMap, start: Start) -> Result<(), TuiError> {
    let mut app = build_app(catalog, &labrunner_core::default_progress_dir());
    app.set_image_map(image_map.clone());
    let mut terminal = ratatui::try_init()?;
    let watch = SignalWatch::start()?;
    // ratatui's hook restores raw mode and the screen; mouse capture must be undone too.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // Background tasks run on runtime worker threads, and the terminal pane's reader and
        // writer on threads of their own; their panics are reported on the status line (the
        // live task) or in the pane's title (its reader), while the screen goes on. Only a
        // panic of the UI thread itself ends the program, and then the terminal must be
        // restored first.
        if std::thread::current().name() == Some("main") {
            let _ = execute!(
                std::io::stdout(),
                DisableMouseCapture,
                DisableBracketedPaste
            );
            hook(info);
        }
    }));
    // Pastes arrive whole, so the pane can bracket them only for a program that asked.
    let _ = execute!(std::io::stdout(), EnableMouseCapture, EnableBracketedPaste);
    let mut startup = Vec::new();
    if let Start::Lab(lab) = start {
        app.focus_terminal_on_open();
        app.open_lab(*lab, &mut startup);
    }
    let result = event_loop(&mut terminal, &mut app, image_map, startup).await;
    drop(watch);
    restore_terminal();
    result
}

/// Mouse capture and bracketed paste off, raw mode off, the main screen back.
fn restore_terminal() {
    let _ = execute!(
        std::io::stdout(),
        DisableMouseCapture,
        DisableBracketedPaste
    );
    ratatui::restore();
}

/// How long the event loop has to answer SIGTERM, SIGHUP or SIGINT (it stops, and the terminal
/// is restored on the way out) before [`SignalWatch`] restores the terminal itself and ends the
/// process.
const SIGNAL_GRACE: Duration = Duration::from_secs(2);

/// A thread that waits for SIGTERM, SIGHUP and SIGINT beside the event loop. The loop answers
/// them itself; this is for a loop stuck in work of its own (a runtime with one thread, as
/// `labrunner lab` has, runs no other task meanwhile): after [`SIGNAL_GRACE`] the terminal is
/// restored from here and the process ends with 128 + the signal's number, as the shell
/// expects. Stopped when dropped. (An allocation failure aborts without any hook; lessons are
/// rendered within fixed bounds so that one cannot come from content.)
struct SignalWatch {
    handle: signal_hook::iterator::Handle,
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl SignalWatch {
    fn start() -> std::io::Result<SignalWatch> {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT])?;
        let handle = signals.handle();
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let finished = done.clone();
        std::thread::Builder::new()
            .name("signal-watch".into())
            .spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    std::thread::sleep(SIGNAL_GRACE);
                    if !finished.load(Ordering::SeqCst) {
                        restore_terminal();
                        std::process::exit(128 + signal);
                    }
                }
            })?;
        Ok(SignalWatch { handle, done })
    }
}

impl Drop for SignalWatch {
    fn drop(&mut self) {
        self.done.store(true, Ordering::SeqCst);
        self.handle.close();
    }
}

/// Output of the terminal pane is drawn at most this often (keys and events draw at once).
const FRAME: Duration = Duration::from_millis(16);

/// The terminal pane's shell, owned by the event loop; its events carry its number so that
/// a closed shell's last words cannot reach the next one's pane.
struct ShellSlot {
    shell: Option<Shell>,
    id: u64,
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    image_map: ImageMap,
    startup: Vec<Effect>,
) -> Result<(), TuiError> {
    let (tx, mut rx) = mpsc::unbounded_channel::<AppEvent>();
    let mut driver = Driver::new(
        tx.clone(),
        image_map,
        Connector::docker(),
        DataFolder::in_home(),
    );
    let mut input = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut slot = ShellSlot { shell: None, id: 0 };
    let mut frames = FrameLog::from_env();
    let mut last_draw = Instant::now();
    let mut draw_now = true;
    // Output of the pane not drawn yet: drawn when a frame's time has passed.
    let mut output_waiting = false;
    for effect in startup {
        carry_out(effect, app, &mut driver, &mut slot, &tx);
    }

    let colour_off = draw::theme::colour_off();
    loop {
        if draw_now {
            last_draw = draw_frame(terminal, app, &mut slot, &mut frames, colour_off)?;
            draw_now = false;
            output_waiting = false;
        }
        let next_frame = tokio::time::Instant::from_std(last_draw + FRAME);
        let effects = tokio::select! {
            ev = input.next() => match ev {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => {
                    let effects = app.on_key(key);
                    // A key for the shell changes nothing until the shell echoes it.
                    draw_now = !effects.iter().all(|e| matches!(e, Effect::TerminalInput(_)))
                        || effects.is_empty();
                    effects
                }
                Some(Ok(Event::Mouse(m))) => { draw_now = true; app.on_mouse(m) }
                Some(Ok(Event::Paste(text))) => { draw_now = true; app.on_paste(&text) }
                Some(Ok(_)) => { draw_now = true; Vec::new() }
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            Some(ev) = rx.recv() => match ev {
                AppEvent::Shell { id, event } if id != slot.id => { let _ = event; Vec::new() }
                AppEvent::Shell { event: ShellEvent::Output, .. } => {
                    output_waiting = true;
                    draw_now = last_draw.elapsed() >= FRAME;
                    Vec::new()
                }
                AppEvent::Shell { event, .. } => {
                    draw_now = true;
                    app.on_event(AppEvent::Terminal(event))
                }
                other => { draw_now = true; app.on_event(other) }
            },
            _ = tokio::time::sleep_until(next_frame), if output_waiting => {
                draw_now = true;
                Vec::new()
            }
            _ = tick.tick() => {
                if let Some(s) = &slot.shell {
                    app.set_terminal_busy(s.busy());
                }
                draw_now = true;
                app.tick()
            }
            _ = sigterm.recv() => break,
            _ = sighup.recv() => break,
            _ = sigint.recv() => break,
        };
        for effect in effects {
            carry_out(effect, app, &mut driver, &mut slot, &tx);
        }
        if app.quitting() {
            break;
        }
    }
    driver.stop();
    // Dropping the shell hangs up what runs in it.
    slot.shell = None;
    Ok(())
}

/// Draw one frame (its time recorded in `frames`), then fit the shell to the pane. Returns
/// when the frame was on the screen.
fn draw_frame(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    slot: &mut ShellSlot,
    frames: &mut FrameLog,
    colour_off: bool,
) -> Result<Instant, TuiError> {
    if let Some(s) = &slot.shell {
        s.unseen_output.store(false, Ordering::Release);
    }
    let began = Instant::now();
    terminal.draw(|frame| {
        app.resize(frame.area());
        draw::draw(frame, app);
        if colour_off {
            draw::theme::monochrome(frame.buffer_mut());
        }
    })?;
    frames.record(began.elapsed());
    let drawn = Instant::now();
    if let (Some(s), Some(p)) = (&mut slot.shell, app.terminal()) {
        s.resize(p.screen.size());
    }
    Ok(drawn)
}

fn carry_out(
    effect: Effect,
    app: &mut App,
    driver: &mut Driver,
    slot: &mut ShellSlot,
    tx: &mpsc::UnboundedSender<AppEvent>,
) {
    match effect {
        Effect::Copy(text) => copy_osc52(&text),
        Effect::MouseCapture(true) => {
            let _ = execute!(std::io::stdout(), EnableMouseCapture);
        }
        Effect::MouseCapture(false) => {
            let _ = execute!(std::io::stdout(), DisableMouseCapture);
        }
        Effect::TerminalInput(bytes) => {
            if let Some(s) = &slot.shell {
                s.write(bytes);
            }
        }
        Effect::CloseTerminal => slot.shell = None,
        Effect::OpenTerminal { screen, dir } => {
            slot.shell = None;
            slot.id += 1;
            let (id, tx) = (slot.id, tx.clone());
            let notify = move |event| {
                let _ = tx.send(AppEvent::Shell { id, event });
            };
            let started = std::fs::create_dir_all(&dir)
                .map_err(|e| e.to_string())
                .and_then(|()| {
                    Shell::spawn(&user_shell(), &dir, screen, notify).map_err(|e| e.to_string())
                });
            match started {
                Ok(shell) => slot.shell = Some(shell),
                Err(why) => {
                    app.on_event(AppEvent::Terminal(ShellEvent::Ended(why)));
                }
            }
        }
        other => driver.handle(other),
    }
}

/// Frame times, one line of microseconds per frame, to the file named by
/// `LABRUNNER_FRAME_LOG` (the benchmark reads it); nothing when unset.
struct FrameLog(Option<std::io::BufWriter<std::fs::File>>);

impl FrameLog {
    fn from_env() -> FrameLog {
        let file = std::env::var_os("LABRUNNER_FRAME_LOG")
            .and_then(|p| std::fs::File::create(p).ok())
            .map(std::io::BufWriter::new);
        FrameLog(file)
    }

    fn record(&mut self, took: Duration) {
        if let Some(f) = &mut self.0 {
            let _ = writeln!(f, "{}", took.as_micros());
            let _ = f.flush();
        }
    }
}

/// Puts text on the clipboard with the OSC 52 escape sequence (works over SSH and in tmux with
/// `set-clipboard on`).
fn copy_osc52(text: &str) {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = std::io::stdout();
    let _ = write!(out, "\x1b]52;c;{encoded}\x07");
    let _ = out.flush();
}
