//! Journeys through the student's TUI without a daemon: the real `App`, its `Driver` and the
//! core's live loop run on the fake engine, on tokio's paused clock. A journey presses keys and
//! lets (virtual) time pass, as the event loop would, then looks at the screen, the progress
//! and the engine. The event loop's own effects (the pane's shell, the clipboard) are kept for
//! the journey to look at; the tmux tests prove them on the real daemon.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use labrunner::tui::app::{App, AppEvent, Effect, HomeRow, Mode, Overlay, Pending, ProgressKeeper};
use labrunner::tui::draw;
use labrunner::tui::live::{Connector, DataFolder, Driver};
use labrunner_core::{Engine, FakeEngine, ImageMap, ProgressStore, VolumeFile, load_catalog};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

/// How long a journey lets pass after each key: long enough for the live loop to run a
/// command, settle and re-check (all on the paused clock).
const SETTLE: Duration = Duration::from_secs(10);

struct Journey {
    app: App,
    driver: Driver,
    events: UnboundedReceiver<AppEvent>,
    fake: Arc<FakeEngine>,
    /// Effects the event loop carries out itself, in order.
    outside: Vec<Effect>,
    _dir: tempfile::TempDir,
}

impl Journey {
    fn new() -> Journey {
        Journey::with(Arc::new(FakeEngine::new()))
    }

    fn with(fake: Arc<FakeEngine>) -> Journey {
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/journeys");
        let catalog = load_catalog(&root).unwrap();
        let (store, _) = ProgressStore::open(&dir.path().join("progress")).unwrap();
        let mut app = App::new(catalog, ProgressKeeper::Store(store));
        app.set_workdirs(|id| PathBuf::from(format!("/labs/{id}")));
        let (tx, events) = unbounded_channel();
        let driver = Driver::new(
            tx,
            ImageMap::default(),
            Connector::to(fake.clone() as Arc<dyn Engine>),
            DataFolder::new(dir.path().join("data")),
        );
        Journey {
            app,
            driver,
            events,
            fake,
            outside: Vec::new(),
            _dir: dir,
        }
    }

    fn carry_out(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::OpenTerminal { .. }
                | Effect::CloseTerminal
                | Effect::TerminalInput(_)
                | Effect::Copy(_)
                | Effect::MouseCapture(_) => self.outside.push(effect),
                other => self.driver.handle(other),
            }
        }
    }

    /// Presses each key (`\n` Enter, `\x1b` Esc), letting time pass after each.
    async fn keys(&mut self, keys: &str) {
        for c in keys.chars() {
            self.press(&c.to_string());
            self.pass(SETTLE).await;
        }
    }

    /// Presses the keys with no time passing.
    fn press(&mut self, keys: &str) {
        for c in keys.chars() {
            let code = match c {
                '\n' => KeyCode::Enter,
                '\x1b' => KeyCode::Esc,
                '↓' => KeyCode::Down,
                c => KeyCode::Char(c),
            };
            let key = KeyEvent {
                code,
                modifiers: KeyModifiers::NONE,
                kind: KeyEventKind::Press,
                state: KeyEventState::NONE,
            };
            let effects = self.app.on_key(key);
            self.carry_out(effects);
        }
    }

    /// Lets `time` pass as the event loop would: background events folded in as they come,
    /// a tick every quarter of a second.
    async fn pass(&mut self, time: Duration) {
        let end = tokio::time::Instant::now() + time;
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        loop {
            let effects = tokio::select! {
                Some(ev) = self.events.recv() => self.app.on_event(ev),
                _ = tick.tick() => self.app.tick(),
                _ = tokio::time::sleep_until(end) => break,
            };
            self.carry_out(effects);
        }
    }

    /// Opens the lab from home.
    async fn open_lab(&mut self) {
        let row = self
            .app
            .home_rows()
            .iter()
            .position(|r| matches!(r, HomeRow::Lab(..)))
            .unwrap();
        self.app.select_home(row);
        self.keys("\n").await;
    }

    fn screen(&mut self, w: u16, h: u16) -> String {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal
            .draw(|f| {
                self.app.resize(f.area());
                draw::draw(f, &self.app);
            })
            .unwrap();
        terminal.backend().to_string()
    }

    fn question(&self) -> Option<&Pending> {
        match self.app.overlay() {
            Some(Overlay::Confirm(p)) => Some(p),
            _ => None,
        }
    }

    fn done_steps(&self) -> usize {
        self.app
            .progress()
            .get()
            .lab("shelf")
            .map_or(0, |l| l.steps.values().filter(|s| s.done).count())
    }

    fn shells_started(&self) -> usize {
        self.outside
            .iter()
            .filter(|e| matches!(e, Effect::OpenTerminal { .. }))
            .count()
    }

    fn exists(&self, what: &str) -> bool {
        self.fake.existing().iter().any(|e| e == what)
    }

    /// Every step by "run it for me", yes each time.
    async fn assist_every_step(&mut self) {
        for _ in 0..2 {
            self.keys("ay").await;
        }
    }
}

#[tokio::test(start_paused = true)]
async fn opening_asks_what_the_setup_creates_and_every_step_run_for_me_turns_green() {
    let mut j = Journey::new();
    j.open_lab().await;
    let Some(Pending::OpenLab {
        creates, existing, ..
    }) = j.question().cloned()
    else {
        panic!("no opening question: {:?}", j.app.overlay());
    };
    assert_eq!(creates, ["network shelf-net"]);
    assert!(existing.is_empty());
    assert!(
        !j.exists("network shelf-net"),
        "nothing runs before the yes"
    );
    j.keys("y").await;
    assert!(j.exists("network shelf-net"), "{:?}", j.fake.existing());
    assert_eq!(j.app.mode(), Mode::Lab);
    assert_eq!(
        j.shells_started(),
        1,
        "the pane's shell starts with the lab"
    );
    let screen = j.screen(120, 40);
    assert!(
        screen.contains("✓ live") || screen.contains("● live"),
        "{screen}"
    );
    j.assist_every_step().await;
    assert_eq!(j.done_steps(), 2);
    assert_eq!(j.app.mode(), Mode::Summary, "{}", j.screen(80, 24));
    assert!(j.screen(80, 24).contains("Lab complete"));
}

#[tokio::test(start_paused = true)]
async fn no_at_the_opening_question_creates_nothing() {
    let mut j = Journey::new();
    j.open_lab().await;
    assert!(j.question().is_some());
    j.keys("n").await;
    assert_eq!(j.app.mode(), Mode::Home);
    assert!(j.fake.existing().is_empty(), "{:?}", j.fake.existing());
    assert_eq!(j.shells_started(), 0);
}

#[tokio::test(start_paused = true)]
async fn reset_from_the_results_screen_starts_again_with_the_pane() {
    let mut j = Journey::new();
    j.open_lab().await;
    j.keys("y").await;
    j.assist_every_step().await;
    assert_eq!(j.app.mode(), Mode::Summary);
    j.keys("R").await;
    assert_eq!(j.question(), Some(&Pending::Reset));
    j.keys("y").await;
    assert_eq!(j.app.mode(), Mode::Lab, "{}", j.screen(80, 24));
    assert_eq!(j.done_steps(), 0);
    assert!(
        j.app.terminal().is_some(),
        "the pane is there after a reset"
    );
    assert!(j.screen(80, 24).contains("Terminal"));
    assert!(!j.exists("container shelf-web"), "{:?}", j.fake.existing());
    assert!(!j.exists("volume ledger-store"), "{:?}", j.fake.existing());
    assert!(j.exists("network shelf-net"), "setup runs again");
}

#[tokio::test(start_paused = true)]
async fn a_completed_lab_opened_from_home_and_reset_has_its_pane() {
    let mut j = Journey::new();
    j.open_lab().await;
    j.keys("y").await;
    j.assist_every_step().await;
    j.keys("\nn").await;
    assert_eq!(j.app.mode(), Mode::Home);
    assert!(
        j.exists("container shelf-web"),
        "n keeps what the lab created"
    );
    j.open_lab().await;
    assert_eq!(
        j.app.mode(),
        Mode::Summary,
        "a completed lab opens on its results"
    );
    assert!(j.app.terminal().is_none());
    j.keys("Ry").await;
    assert_eq!(j.app.mode(), Mode::Lab);
    assert!(j.app.terminal().is_some(), "{}", j.screen(80, 24));
    assert!(j.screen(80, 24).contains("Terminal"));
}

#[tokio::test(start_paused = true)]
async fn after_a_reset_the_shell_starts_again_in_the_lab_folder_and_the_pane_says_so() {
    let mut j = Journey::new();
    j.open_lab().await;
    j.keys("y").await;
    j.keys("ay").await;
    assert_eq!(j.done_steps(), 1);
    let before = j.shells_started();
    j.keys("R").await;
    let question = j.question().expect("reset asks first").question("shelf");
    assert!(question.contains("removed"), "{question}");
    j.keys("y").await;
    assert_eq!(j.shells_started(), before + 1, "{:?}", j.outside);
    let Some(Effect::OpenTerminal { dir, screen }) = j.outside.last() else {
        panic!("{:?}", j.outside);
    };
    assert_eq!(dir, Path::new("/labs/shelf"));
    assert!(screen.contents().contains("the lab was reset"));
}

#[tokio::test(start_paused = true)]
async fn the_users_volume_of_the_labs_name_is_never_written() {
    let fake = Arc::new(FakeEngine::new());
    fake.write_file("ledger-store", "ledger.txt", "mine: 42\n");
    let mut j = Journey::with(fake);
    j.open_lab().await;
    let Some(Pending::OpenLab { existing, .. }) = j.question().cloned() else {
        panic!("no opening question: {:?}", j.app.overlay());
    };
    assert_eq!(existing.len(), 1, "{existing:?}");
    j.keys("y").await;
    j.assist_every_step().await;
    j.keys("Ry").await;
    j.keys("\x1b").await;
    let file = j
        .fake
        .volume_file(
            "alpine:latest",
            "ledger-store",
            "ledger.txt",
            &Default::default(),
        )
        .await
        .unwrap();
    match file {
        VolumeFile::File { head, .. } => assert_eq!(head, b"mine: 42\n"),
        other => panic!("the user's file is gone: {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn hints_and_the_pane_toggle_say_what_they_did() {
    let mut j = Journey::new();
    j.open_lab().await;
    j.keys("y").await;
    j.keys("h").await;
    assert!(j.screen(120, 40).contains("Volumes are managed"));
    j.press("T");
    assert!(j.app.notice().unwrap().text.contains("hidden"));
    j.press("T");
    assert!(
        j.app.notice().unwrap().text.contains("shown"),
        "{:?}",
        j.app.notice()
    );
}

#[tokio::test(start_paused = true)]
async fn leaving_a_finished_lab_offers_to_remove_what_it_created_and_keeps_the_users() {
    let fake = Arc::new(FakeEngine::new());
    fake.write_file("ledger-store", "ledger.txt", "mine: 42\n");
    let mut j = Journey::with(fake);
    j.open_lab().await;
    j.keys("y").await;
    j.assist_every_step().await;
    assert_eq!(j.app.mode(), Mode::Summary);
    j.keys("\n").await;
    let question = j.question().expect("leaving asks").question("shelf");
    assert!(
        question.contains("Remove what labrunner created"),
        "{question}"
    );
    j.press("y");
    j.pass(Duration::from_secs(2)).await;
    assert_eq!(j.app.mode(), Mode::Home);
    assert_eq!(
        j.fake.existing(),
        ["volume ledger-store"],
        "the lab's container and setup's network are gone, the user's volume stays"
    );
    let notice = j.app.notice().map(|n| n.text.clone()).unwrap_or_default();
    assert!(notice.contains("removed"), "{notice}");
}

#[tokio::test(start_paused = true)]
async fn a_lab_whose_names_are_taken_runs_under_names_of_its_own_and_leaves_the_users_alone() {
    let fake = Arc::new(FakeEngine::new());
    fake.write_file("ledger-store", "ledger.txt", "mine: 42\n");
    let mut j = Journey::with(fake);
    j.open_lab().await;
    let Some(Pending::OpenLab {
        own_names: Some((name, renamed)),
        ..
    }) = j.question().cloned()
    else {
        panic!("no offer of names of its own: {:?}", j.app.overlay());
    };
    let own = format!("{name}--ledger-store");
    assert!(renamed.contains(&format!("volume {own}")), "{renamed:?}");
    let question = j.question().unwrap().question("shelf");
    assert!(
        question.contains("o: open it under its own names (lab--NAME)"),
        "{question}"
    );
    assert!(question.contains("volume ledger-store"), "{question}");
    j.keys("o").await;
    assert!(j.question().is_none(), "{:?}", j.app.overlay());
    assert_eq!(j.app.mode(), Mode::Lab);
    // What the student reads and would type names the lab's own volume.
    let screen = j.screen(120, 40);
    assert!(
        screen.contains(&format!("docker volume create {own}")),
        "{screen}"
    );
    assert!(
        j.exists(&format!("network {name}--shelf-net")),
        "{:?}",
        j.fake.existing()
    );
    j.assist_every_step().await;
    assert_eq!(j.done_steps(), 2, "{}", j.screen(120, 40));
    assert!(j.exists(&format!("volume {own}")));
    assert!(j.exists(&format!("container {name}--shelf-web")));
    // Resumed under the same names, after leaving and opening again.
    j.keys("\ny").await;
    assert!(
        !j.exists(&format!("volume {own}")),
        "{:?}",
        j.fake.existing()
    );
    let file = j
        .fake
        .volume_file(
            "alpine:latest",
            "ledger-store",
            "ledger.txt",
            &Default::default(),
        )
        .await
        .unwrap();
    assert!(
        matches!(file, VolumeFile::File { ref head, .. } if head == b"mine: 42\n"),
        "{file:?}"
    );
    let progress = j.app.progress().get().lab("shelf").unwrap();
    assert_eq!(progress.own_names.as_deref(), Some(name.as_str()));
}
