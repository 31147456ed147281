//! The event loop: one `tokio::select!` over terminal input, a tick, signals and events from
//! background tasks. Drawing happens after every event; nothing here waits on the daemon.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use futures_util::StreamExt;
use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{
    DisableMouseCapture, EnableMouseCapture, Event, EventStream, KeyEventKind,
};
use ratatui::crossterm::execute;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use super::app::{App, AppEvent, Effect, Level, ProgressKeeper};
use super::draw;
use super::live::Driver;
use labrunner_core::images::ImageMap;
use labrunner_core::lesson::{Catalog, LessonError, load_catalog};
use labrunner_core::progress::{self, Loaded, Progress, ProgressError, ProgressStore};

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
            let p = match progress::read(dir) {
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
        app.banner = Some(r);
    }
    app
}

/// Runs the TUI on the lessons and labs under `root` until the student quits.
pub async fn run(root: &Path, image_map: ImageMap) -> Result<(), TuiError> {
    // Everything that can fail with a plain message fails before the terminal is taken over.
    let catalog = load_catalog(root)?;
    let mut app = build_app(catalog, &progress::default_dir());
    app.image_map = image_map.clone();
    let mut terminal = ratatui::try_init()?;
    // ratatui's hook restores raw mode and the screen; mouse capture must be undone too.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // Background tasks run on runtime worker threads; their panics are caught by tokio and
        // shown on the status line by the driver, while the screen goes on. Only a panic of the
        // UI thread itself ends the program, and then the terminal must be restored first.
        if std::thread::current().name() == Some("main") {
            let _ = execute!(std::io::stdout(), DisableMouseCapture);
            hook(info);
        }
    }));
    let _ = execute!(std::io::stdout(), EnableMouseCapture);
    let result = event_loop(&mut terminal, &mut app, image_map).await;
    let _ = execute!(std::io::stdout(), DisableMouseCapture);
    ratatui::restore();
    result
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    image_map: ImageMap,
) -> Result<(), TuiError> {
    let (tx, mut rx) = mpsc::unbounded_channel::<AppEvent>();
    let mut driver = Driver::new(tx, image_map);
    let mut input = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    // A notice stays a few seconds, then the status line shows the live state again.
    let mut notice_age = 0u32;
    let mut last_notice = None;

    loop {
        terminal.draw(|frame| {
            app.resize(frame.area());
            draw::draw(frame, app);
        })?;
        let effects = tokio::select! {
            ev = input.next() => match ev {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => app.on_key(key),
                Some(Ok(Event::Mouse(m))) => { app.on_mouse(m); Vec::new() }
                Some(Ok(_)) => Vec::new(),
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            Some(ev) = rx.recv() => app.on_event(ev),
            _ = tick.tick() => {
                if app.notice != last_notice {
                    last_notice = app.notice.clone();
                    notice_age = 0;
                } else if app.notice.is_some() {
                    notice_age += 1;
                    if notice_age > 16 {
                        app.notice = None;
                        last_notice = None;
                    }
                }
                Vec::new()
            }
            _ = sigterm.recv() => break,
            _ = sighup.recv() => break,
            _ = sigint.recv() => break,
        };
        for effect in effects {
            match effect {
                Effect::Copy(text) => copy_osc52(&text),
                other => driver.handle(other),
            }
        }
        if app.quit {
            break;
        }
    }
    driver.stop();
    Ok(())
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
