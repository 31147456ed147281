//! Screen tests: the app driven by keys and synthetic run events, rendered into ratatui's
//! TestBackend and snapshotted. The clock is fixed; no paths or times reach the snapshots.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use labrunner::tui::app::{App, AppEvent, Effect, HomeRow, Mode, Overlay, ProgressKeeper};
use labrunner::tui::draw;
use labrunner::tui::lab_view::LiveStatus;
use labrunner_core::{
    CheckOutcome, Loaded, ProgressStore, PullProgress, RunEvent, Verdict, load_catalog,
};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers, MouseEvent, MouseEventKind,
};

fn fixture_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tui")
}

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-01T09:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}
fn t1() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-01T09:12:34Z")
        .unwrap()
        .with_timezone(&Utc)
}

struct Harness {
    app: App,
    home: tempfile::TempDir,
}

fn harness() -> Harness {
    let home = tempfile::tempdir().unwrap();
    let catalog = load_catalog(&fixture_root()).unwrap();
    let (store, recovery) = ProgressStore::open(home.path()).unwrap();
    assert!(recovery.is_none());
    let mut app = App::new(catalog, ProgressKeeper::Store(store));
    app.set_clock(t0);
    app.set_workdirs(|id| PathBuf::from(format!("/labs/{id}")));
    Harness { app, home }
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent {
        code,
        modifiers: KeyModifiers::NONE,
        kind: KeyEventKind::Press,
        state: KeyEventState::NONE,
    }
}

fn press(app: &mut App, keys: &str) -> Vec<Effect> {
    let mut effects = Vec::new();
    for c in keys.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\x1b' => KeyCode::Esc,
            '\t' => KeyCode::Tab,
            '↓' => KeyCode::Down,
            '↑' => KeyCode::Up,
            c => KeyCode::Char(c),
        };
        effects.extend(app.on_key(key(code)));
    }
    effects
}

fn render(app: &mut App, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal
        .draw(|f| {
            app.resize(f.area());
            draw::draw(f, app);
        })
        .unwrap();
    terminal.backend().to_string()
}

/// Opens a row; a lab's first start finds nothing pre-existing (what the daemon says is
/// given as the event the preflight task sends). The effects after that are returned.
fn open_row(app: &mut App, row: HomeRow) -> Vec<Effect> {
    let i = app.home_rows().iter().position(|r| *r == row).unwrap();
    app.select_home(i);
    let effects = press(app, "\n");
    if matches!(effects.as_slice(), [Effect::Preflight { .. }]) {
        return app.on_event(AppEvent::Preflight { resources: vec![] });
    }
    effects
}

/// Time passes until the status line's notice has gone.
fn let_notice_expire(app: &mut App) {
    while app.notice().is_some() {
        app.tick();
    }
}

fn check(step: &str, index: usize, verdict: Verdict) -> AppEvent {
    AppEvent::Run(RunEvent::Check(CheckOutcome {
        step: step.into(),
        index,
        description: match (step, index) {
            ("create-network", 0) => "network isolated-net exists with driver bridge".into(),
            ("start-web", 0) => "container web is running".into(),
            _ => "container web is attached to isolated-net".into(),
        },
        points: 1,
        verdict,
    }))
}

fn ran(step: &str, command: &str) -> AppEvent {
    AppEvent::Run(RunEvent::ActionRan {
        step: Some(step.into()),
        command: command.into(),
        output: String::new(),
        error: None,
        as_expected: true,
    })
}

fn assist_over(step: &str) -> AppEvent {
    AppEvent::Run(RunEvent::AssistDone {
        step: step.into(),
        failures: vec![],
        error: None,
    })
}

fn done(step: &str, passed: bool) -> AppEvent {
    AppEvent::Run(RunEvent::StepDone {
        step: step.into(),
        passed,
    })
}

#[test]
fn home_lists_lessons_labs_quiz_and_progress() {
    let mut h = harness();
    insta::assert_snapshot!("home_80x24", render(&mut h.app, 80, 24));
    h.app.select_home(1);
    insta::assert_snapshot!("home_wide_detail", render(&mut h.app, 120, 24));
}

#[test]
fn broken_lab_shows_its_error_instead_of_opening() {
    let mut h = harness();
    let broken = h
        .app
        .home_rows()
        .into_iter()
        .find(|r| matches!(r, HomeRow::Lab(0, j) if h.app.catalog().lessons[0].labs[*j].lab().is_none()))
        .unwrap();
    open_row(&mut h.app, broken);
    assert_eq!(h.app.mode(), Mode::Home);
    let text = &h.app.notice().unwrap().text;
    assert!(
        text.starts_with("broken.yaml: ") && text.contains("validate"),
        "{text}"
    );
}

#[test]
fn reader_renders_scrolls_and_jumps_between_sections() {
    let mut h = harness();
    open_row(&mut h.app, HomeRow::Lesson(0));
    assert_eq!(h.app.mode(), Mode::Reader);
    insta::assert_snapshot!("reader_top_80x24", render(&mut h.app, 80, 24));
    press(&mut h.app, "]]");
    insta::assert_snapshot!("reader_drivers_table_80x24", render(&mut h.app, 80, 24));
    // The mouse wheel scrolls too.
    let before = h.app.reader().unwrap().scroll;
    h.app.on_mouse(MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: 10,
        row: 10,
        modifiers: KeyModifiers::NONE,
    });
    assert_eq!(h.app.reader().unwrap().scroll, before + 3);
    // Narrow: Tab shows the section list in place of the text; Enter jumps.
    render(&mut h.app, 60, 20);
    press(&mut h.app, "\tg");
    insta::assert_snapshot!("reader_sections_60x20", render(&mut h.app, 60, 20));
    press(&mut h.app, "↓↓↓\n");
    let r = h.app.reader().unwrap();
    assert!(!r.sections_focus);
    assert_eq!(
        r.rendered.sections[r.current_section().unwrap()].title,
        "Volumes"
    );
    press(&mut h.app, "\x1b");
    assert_eq!(h.app.mode(), Mode::Home);
}

#[test]
fn lab_view_follows_run_events_and_records_progress() {
    let mut h = harness();
    let effects = open_row(&mut h.app, HomeRow::Lab(0, 1));
    assert_eq!(h.app.mode(), Mode::Lab);
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::StartLive { .. }, Effect::OpenTerminal { .. }]
        ),
        "{effects:?}"
    );
    h.app.on_event(AppEvent::Live(LiveStatus::Watching));
    insta::assert_snapshot!("lab_start_80x24", render(&mut h.app, 80, 24));

    h.app.on_event(check(
        "create-network",
        0,
        Verdict::Fail {
            evidence: "no network named isolated-net".into(),
        },
    ));
    h.app.on_event(done("create-network", false));
    press(&mut h.app, "h");
    insta::assert_snapshot!(
        "lab_failing_check_and_hint_80x24",
        render(&mut h.app, 80, 24)
    );

    h.app.on_event(AppEvent::Run(RunEvent::ActionRan {
        step: Some("start-web".into()),
        command: "docker run -d --name web --network isolated-net nginx:latest".into(),
        output: "3f2a…".into(),
        error: None,
        as_expected: true,
    }));
    h.app.on_event(check(
        "create-network",
        0,
        Verdict::Pass {
            evidence: "driver bridge, subnet 172.20.0.0/16".into(),
        },
    ));
    h.app.on_event(done("create-network", true));
    let view = h.app.lab().unwrap();
    assert_eq!(
        view.current_id(),
        Some("start-web"),
        "the next step opens by itself"
    );
    assert_eq!(view.selected, 1);
    h.app.on_event(AppEvent::Live(LiveStatus::Lost(
        "connection refused".into(),
    )));
    let_notice_expire(&mut h.app);
    insta::assert_snapshot!(
        "lab_second_step_daemon_lost_80x24",
        render(&mut h.app, 80, 24)
    );

    let p = h
        .app
        .progress()
        .get()
        .step("net-basics", "create-network")
        .unwrap()
        .clone();
    assert!(p.done);
    assert_eq!(p.done_at, Some(t0()));
    // One command did it: the failing round before it was the state the step opened in.
    assert_eq!((p.attempts, p.hints_used, p.assisted), (1, 1, false));
    // It is on disk, not only in memory.
    match labrunner_core::read_progress(h.home.path()).unwrap() {
        Loaded::Ok(saved) => assert!(saved.step("net-basics", "create-network").unwrap().done),
        other => panic!("{other:?}"),
    }
}

#[test]
fn assist_asks_first_then_records_assisted() {
    let mut h = harness();
    open_row(&mut h.app, HomeRow::Lab(0, 1));
    assert!(
        press(&mut h.app, "a").is_empty(),
        "nothing runs before the yes"
    );
    assert!(matches!(h.app.overlay(), Some(Overlay::Confirm(_))));
    insta::assert_snapshot!("lab_confirm_assist_60x20", render(&mut h.app, 60, 20));
    assert!(press(&mut h.app, "n").is_empty());
    assert!(h.app.overlay().is_none());
    let effects = press(&mut h.app, "ay");
    assert!(
        matches!(effects.as_slice(), [Effect::Assist { step }] if step == "create-network"),
        "{effects:?}"
    );
    assert!(h.app.lab().unwrap().busy.is_some());
    insta::assert_snapshot!("lab_assist_running_60x20", render(&mut h.app, 60, 20));
    h.app
        .on_event(ran("create-network", "docker network create isolated-net"));
    assert!(
        h.app.lab().unwrap().busy.is_some(),
        "busy until the live loop says the assist is over"
    );
    h.app.on_event(assist_over("create-network"));
    assert!(h.app.lab().unwrap().busy.is_none());
    h.app.on_event(done("create-network", true));
    let s = h
        .app
        .progress()
        .get()
        .step("net-basics", "create-network")
        .unwrap();
    assert!(s.done && s.assisted);
}

#[test]
fn reset_asks_first_and_clears_progress() {
    let mut h = harness();
    open_row(&mut h.app, HomeRow::Lab(0, 1));
    h.app.on_event(done("create-network", true));
    press(&mut h.app, "R");
    insta::assert_snapshot!("lab_confirm_reset_80x24", render(&mut h.app, 80, 24));
    let effects = press(&mut h.app, "y");
    assert!(matches!(effects.as_slice(), [Effect::Reset]), "{effects:?}");
    h.app.on_event(AppEvent::Run(RunEvent::CleanupDone {
        removed: vec!["isolated-net".into()],
        kept: vec!["web".into()],
    }));
    assert_eq!(
        h.app.lab().unwrap().current_id(),
        Some("start-web"),
        "the reset is not over until the live loop says so"
    );
    h.app
        .on_event(AppEvent::Run(RunEvent::ResetDone { error: None }));
    let view = h.app.lab().unwrap();
    assert_eq!(view.current_id(), Some("create-network"));
    assert!(
        view.log
            .iter()
            .any(|l| l.text.contains("kept (not created by labrunner): web"))
    );
    assert!(
        h.app
            .progress()
            .get()
            .step("net-basics", "create-network")
            .is_none()
    );
}

#[test]
fn completing_every_step_shows_the_results() {
    let mut h = harness();
    open_row(&mut h.app, HomeRow::Lab(0, 1));
    press(&mut h.app, "hh");
    h.app.on_event(done("create-network", true));
    press(&mut h.app, "ay");
    h.app.on_event(ran(
        "start-web",
        "docker run -d --name web --network isolated-net nginx:latest",
    ));
    h.app.on_event(assist_over("start-web"));
    h.app.on_event(done("start-web", false));
    h.app.on_event(done("start-web", true));
    h.app.set_clock(t1);
    let effects = h.app.on_event(done("missing-network", true));
    assert!(
        matches!(effects.as_slice(), [Effect::StopLive]),
        "{effects:?}"
    );
    assert_eq!(h.app.mode(), Mode::Summary);
    let_notice_expire(&mut h.app);
    insta::assert_snapshot!("summary_80x24", render(&mut h.app, 80, 24));
    insta::assert_snapshot!("summary_60x20", render(&mut h.app, 60, 20));
    // Leaving a finished lab offers to remove what it created; n keeps it.
    press(&mut h.app, "\n");
    insta::assert_snapshot!("summary_confirm_leave_80x24", render(&mut h.app, 80, 24));
    let effects = press(&mut h.app, "n");
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::RemoveLab { .. })),
        "{effects:?}"
    );
    assert_eq!(h.app.mode(), Mode::Home);
    insta::assert_snapshot!("home_after_completion_80x24", render(&mut h.app, 80, 24));

    // A completed lab opens on its results; R resets it (starting a live loop to do so).
    let effects = open_row(&mut h.app, HomeRow::Lab(0, 1));
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(h.app.mode(), Mode::Summary);
    let effects = press(&mut h.app, "Ry");
    assert!(
        matches!(
            effects.as_slice(),
            [
                Effect::StartLive {
                    start: 3,
                    setup: false,
                    ..
                },
                Effect::Reset
            ]
        ),
        "{effects:?}"
    );
    h.app.on_event(AppEvent::Run(RunEvent::CleanupDone {
        removed: vec![],
        kept: vec![],
    }));
    h.app
        .on_event(AppEvent::Run(RunEvent::ResetDone { error: None }));
    assert_eq!(h.app.mode(), Mode::Lab);
    assert_eq!(h.app.lab().unwrap().current_id(), Some("create-network"));
    let lab = h.app.progress().get().lab("net-basics").unwrap();
    assert!(lab.steps.is_empty() && lab.completed_at.is_none());
}

#[test]
fn help_overlay_lists_the_screens_keys() {
    let mut h = harness();
    open_row(&mut h.app, HomeRow::Lab(0, 1));
    press(&mut h.app, "?");
    insta::assert_snapshot!("help_lab_80x30", render(&mut h.app, 80, 30));
    press(&mut h.app, "?");
    assert!(h.app.overlay().is_none());
}

#[test]
fn quiz_checks_choices_and_self_assesses_text() {
    let mut h = harness();
    open_row(&mut h.app, HomeRow::Quiz(0));
    assert_eq!(h.app.mode(), Mode::Quiz);
    press(&mut h.app, "3\n");
    insta::assert_snapshot!("quiz_choice_wrong_80x24", render(&mut h.app, 80, 24));
    press(&mut h.app, "\n");
    // Typing: q and n are text here, not quit/wrong.
    press(&mut h.app, "in memory, gone on stop");
    assert!(!h.app.quitting());
    insta::assert_snapshot!("quiz_typing_80x24", render(&mut h.app, 80, 24));
    press(&mut h.app, "\ny");
    insta::assert_snapshot!("quiz_text_revealed_80x24", render(&mut h.app, 80, 24));
    insta::assert_snapshot!("quiz_text_revealed_60x20", render(&mut h.app, 60, 20));
    press(&mut h.app, "\n");
    insta::assert_snapshot!("quiz_finished_80x24", render(&mut h.app, 80, 24));
    let answers = &h.app.progress().get().quizzes["MOD-TEST-01"].answers;
    assert!(!answers["name-resolution"].correct && !answers["name-resolution"].self_assessed);
    assert!(answers["tmpfs-for-cache"].correct && answers["tmpfs-for-cache"].self_assessed);
    assert_eq!(
        answers["tmpfs-for-cache"].response,
        "in memory, gone on stop"
    );
}

/// Brings a fresh app to one screen.
type Setup = Box<dyn Fn(&mut App)>;

#[test]
fn every_screen_renders_at_small_sizes_without_panic() {
    let mut h = harness();
    let sizes = [
        (60, 20),
        (1, 1),
        (10, 5),
        (20, 8),
        (33, 11),
        (59, 19),
        (200, 60),
    ];
    let screens: Vec<Setup> = vec![
        Box::new(|_| {}),
        Box::new(|a| {
            open_row(a, HomeRow::Lesson(0));
        }),
        Box::new(|a| {
            open_row(a, HomeRow::Lesson(0));
            press(a, "\tG");
        }),
        Box::new(|a| {
            open_row(a, HomeRow::Lab(0, 1));
            press(a, "hhj");
        }),
        Box::new(|a| {
            open_row(a, HomeRow::Lab(0, 1));
            press(a, "R");
        }),
        Box::new(|a| {
            open_row(a, HomeRow::Lab(0, 1));
            press(a, "?");
        }),
        Box::new(|a| {
            open_row(a, HomeRow::Quiz(0));
            press(a, "1\n\nabc\ny");
        }),
    ];
    for (n, setup) in screens.iter().enumerate() {
        for (w, hgt) in sizes {
            let mut fresh = harness();
            setup(&mut fresh.app);
            let out = render(&mut fresh.app, w, hgt);
            assert!(!out.is_empty(), "screen {n} at {w}x{hgt}");
        }
    }
    // The 60x20 home screen is the documented minimum: snapshot it.
    insta::assert_snapshot!("home_60x20", render(&mut h.app, 60, 20));
}

#[test]
fn an_unreadable_progress_file_is_set_aside_and_kept_in_view() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("progress.json"),
        "{\"version\": 1, \"labs\": {\"x\"",
    )
    .unwrap();
    let catalog = load_catalog(&fixture_root()).unwrap();
    let mut app = labrunner::tui::run::build_app(catalog, home.path());
    let banner = app.banner().expect("the recovery is reported");
    assert!(
        banner.contains("could not be read") && banner.contains("unreadable-"),
        "{banner}"
    );
    let screen = render(&mut app, 80, 24);
    assert!(
        screen.contains("Progress") && screen.contains("the progress file could not be"),
        "{screen}"
    );
    // Kept byte for byte, and a fresh file is written on the next save.
    let aside: Vec<_> = std::fs::read_dir(home.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("unreadable-"))
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(
        std::fs::read_to_string(aside[0].path()).unwrap(),
        "{\"version\": 1, \"labs\": {\"x\""
    );
}

#[test]
fn a_second_instance_shows_progress_without_saving_and_says_why() {
    let h = harness();
    let catalog = load_catalog(&fixture_root()).unwrap();
    let mut second = labrunner::tui::run::build_app(catalog, h.home.path());
    assert!(matches!(second.progress(), ProgressKeeper::Memory(..)));
    let screen = render(&mut second, 100, 24);
    assert!(
        screen.contains("progress is not being saved: another labrunner is already using"),
        "{screen}"
    );
}

#[test]
fn labs_that_use_the_current_directory_show_the_lab_folder() {
    let mut h = harness();
    open_row(&mut h.app, HomeRow::Lab(0, 1));
    let screen = render(&mut h.app, 80, 24);
    assert!(screen.contains("cd /labs/net-basics"), "{screen}");
}

#[test]
fn events_from_an_earlier_opening_of_a_lab_are_dropped() {
    let mut h = harness();
    open_row(&mut h.app, HomeRow::Lab(0, 1));
    let first = h.app.session();
    // Closed and opened again at once: the first opening's live loop may still be reporting.
    press(&mut h.app, "\x1b");
    open_row(&mut h.app, HomeRow::Lab(0, 1));
    assert_ne!(h.app.session(), first);
    let stale = AppEvent::ForLab {
        session: first,
        event: Box::new(done("create-network", true)),
    };
    h.app.on_event(stale);
    assert_eq!(h.app.lab().unwrap().current_id(), Some("create-network"));
    assert!(
        h.app
            .progress()
            .get()
            .step("net-basics", "create-network")
            .is_none()
    );
    let fresh = AppEvent::ForLab {
        session: h.app.session(),
        event: Box::new(done("create-network", true)),
    };
    h.app.on_event(fresh);
    assert_eq!(h.app.lab().unwrap().current_id(), Some("start-web"));
}

#[test]
fn image_pull_progress_shows_on_the_status_line_until_the_command_is_done() {
    let mut h = harness();
    open_row(&mut h.app, HomeRow::Lab(0, 1));
    h.app.on_event(AppEvent::Pull(PullProgress {
        image: "nginx:latest".into(),
        status: "Downloading".into(),
        bytes: Some((2500, 10000)),
    }));
    let screen = render(&mut h.app, 80, 24);
    let status = screen.lines().find(|l| l.contains('⇣')).unwrap_or_default();
    assert!(
        status.contains("⇣ pulling nginx:latest: Downloading 2500/10000 bytes"),
        "{screen}"
    );
    assert!(status.contains("25%"), "a gauge of the bytes: {status}");
    assert!(status.contains("█░"), "a gauge of the bytes: {status}");
    h.app.on_event(ran(
        "start-web",
        "docker run -d --name web --network isolated-net nginx:latest",
    ));
    assert!(!render(&mut h.app, 80, 24).contains("pulling"));
}

fn key_with(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
    KeyEvent {
        modifiers,
        ..key(code)
    }
}

/// The pane's screen, fed as the shell would feed it (colours included).
fn shell_output(app: &App, bytes: &[u8]) {
    app.terminal().unwrap().screen.feed(bytes);
}

fn typed(effects: &[Effect]) -> Vec<u8> {
    effects
        .iter()
        .flat_map(|e| match e {
            Effect::TerminalInput(b) => b.clone(),
            _ => Vec::new(),
        })
        .collect()
}

#[test]
fn the_terminal_pane_shows_the_shell_beside_the_step_at_every_size() {
    let mut h = harness();
    open_row(&mut h.app, HomeRow::Lab(0, 1));
    h.app.on_event(AppEvent::Live(LiveStatus::Watching));
    h.app.on_event(check(
        "create-network",
        0,
        Verdict::Fail {
            evidence: "no network named isolated-net".into(),
        },
    ));
    press(&mut h.app, "\t");
    shell_output(
        &h.app,
        b"\x1b[1;32mstudent@lab\x1b[0m:\x1b[34m/labs/net-basics\x1b[0m$ docker network ls\r\nNETWORK ID   NAME      DRIVER\r\n\x1b[1;32mstudent@lab\x1b[0m$ ",
    );
    for (w, hgt, name) in [
        (80, 24, "lab_terminal_80x24"),
        (60, 20, "lab_terminal_60x20"),
        (120, 40, "lab_terminal_120x40"),
    ] {
        let screen = render(&mut h.app, w, hgt);
        // The command to type, the checks and the shell, on one screen.
        for needed in [
            "$ docker network create isolated-net",
            "network isolated-net exists",
            "student@lab",
            "F2 back to the steps",
        ] {
            assert!(
                screen.contains(needed),
                "{name}: {needed:?} missing\n{screen}"
            );
        }
        insta::assert_snapshot!(name, screen);
    }
    // Colours reach the screen.
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|f| {
            h.app.resize(f.area());
            draw::draw(f, &h.app);
        })
        .unwrap();
    let area = h.app.terminal_area().unwrap();
    let cell = &terminal.backend().buffer()[(area.x, area.y)];
    assert_eq!(cell.symbol(), "s");
    assert_eq!(cell.fg, ratatui::style::Color::Indexed(2));
}

#[test]
fn every_key_goes_to_the_focused_shell_except_the_one_that_gives_focus_back() {
    let mut h = harness();
    open_row(&mut h.app, HomeRow::Lab(0, 1));
    assert_eq!(h.app.scope(), labrunner::tui::keymap::Scope::Lab);
    h.app.on_key(key(KeyCode::F(2)));
    assert_eq!(h.app.scope(), labrunner::tui::keymap::Scope::Terminal);
    let cases: Vec<(KeyEvent, &[u8])> = vec![
        (key(KeyCode::Char('q')), b"q"),
        (key(KeyCode::Char('?')), b"?"),
        (key_with(KeyCode::Char('c'), KeyModifiers::CONTROL), b"\x03"),
        (key(KeyCode::Enter), b"\r"),
        (key(KeyCode::Esc), b"\x1b"),
        (key(KeyCode::Up), b"\x1b[A"),
        (key(KeyCode::F(5)), b"\x1b[15~"),
        (key(KeyCode::Tab), b"\t"),
    ];
    for (k, want) in cases {
        let effects = h.app.on_key(k);
        assert_eq!(typed(&effects), want, "{k:?}");
        assert!(!h.app.quitting() && h.app.mode() == Mode::Lab && h.app.overlay().is_none());
    }
    h.app.on_key(key(KeyCode::F(2)));
    assert_eq!(h.app.scope(), labrunner::tui::keymap::Scope::Lab);
    // Mouse capture goes to the terminal (to select text) and back.
    let effects = press(&mut h.app, "m");
    assert!(
        matches!(effects.as_slice(), [Effect::MouseCapture(false)]),
        "{effects:?}"
    );
    let effects = press(&mut h.app, "m");
    assert!(
        matches!(effects.as_slice(), [Effect::MouseCapture(true)]),
        "{effects:?}"
    );
    // The pane can be hidden (its shell keeps running) and shown again.
    press(&mut h.app, "T");
    assert!(!h.app.terminal().unwrap().visible);
    let screen = render(&mut h.app, 80, 24);
    assert!(!screen.contains("Terminal"), "{screen}");
    assert!(h.app.terminal_area().is_none());
    press(&mut h.app, "T");
    assert!(render(&mut h.app, 80, 24).contains("Terminal · F2 to type here"));
}

#[test]
fn the_step_command_is_put_at_the_prompt_with_local_images_and_not_run() {
    let mut h = harness();
    h.app.set_image_map(
        labrunner_core::ImageMap::parse_entries("nginx:latest=labrunner-fixture/web:1").unwrap(),
    );
    open_row(&mut h.app, HomeRow::Lab(0, 1));
    press(&mut h.app, "j");
    let effects = press(&mut h.app, "t");
    assert_eq!(
        String::from_utf8(typed(&effects)).unwrap(),
        "docker run -d --name web --network isolated-net labrunner-fixture/web:1",
        "no Enter: the student runs it"
    );
    assert_eq!(h.app.scope(), labrunner::tui::keymap::Scope::Terminal);
    // With bracketed paste on, the text is pasted, so nothing in it can act as Enter.
    press(&mut h.app, "\x1b");
    h.app.on_key(key(KeyCode::F(2)));
    shell_output(&h.app, b"\x1b[?2004h");
    let effects = press(&mut h.app, "t");
    let bytes = typed(&effects);
    assert!(bytes.starts_with(b"\x1b[200~") && bytes.ends_with(b"\x1b[201~"));
}

#[test]
fn the_pane_follows_the_screen_size_and_nothing_panics_down_to_1x1() {
    let mut h = harness();
    open_row(&mut h.app, HomeRow::Lab(0, 1));
    let size = |app: &App| app.terminal().unwrap().screen.size();
    render(&mut h.app, 80, 24);
    let small = size(&h.app);
    render(&mut h.app, 120, 40);
    let big = size(&h.app);
    assert!(big.0 > small.0 && big.1 > small.1, "{small:?} -> {big:?}");
    assert_eq!(
        big.1, 118,
        "the PTY is as wide as the pane inside its border"
    );
    shell_output(&h.app, "wide 界 chars\r\n".repeat(50).as_bytes());
    for (w, hgt) in [
        (1, 1),
        (2, 2),
        (5, 3),
        (30, 8),
        (60, 20),
        (200, 60),
        (3, 40),
    ] {
        render(&mut h.app, w, hgt);
    }
    // Scrolled back, the pane says so.
    render(&mut h.app, 80, 24);
    h.app.act(labrunner::tui::keymap::Action::ScrollBack);
    let screen = render(&mut h.app, 80, 24);
    assert!(screen.contains("lines back (Shift-PgDn)"), "{screen}");
}

#[test]
fn leaving_while_a_program_runs_in_the_pane_asks_first() {
    let mut h = harness();
    open_row(&mut h.app, HomeRow::Lab(0, 1));
    h.app.set_terminal_busy(true);
    press(&mut h.app, "\x1b");
    assert!(matches!(
        h.app.overlay(),
        Some(Overlay::Confirm(labrunner::tui::app::Pending::Leave {
            quit: false
        }))
    ));
    insta::assert_snapshot!("lab_confirm_leave_60x20", render(&mut h.app, 60, 20));
    press(&mut h.app, "n");
    assert_eq!(h.app.mode(), Mode::Lab);
    press(&mut h.app, "q");
    assert!(!h.app.quitting(), "quitting asks too");
    let effects = press(&mut h.app, "y");
    assert!(h.app.quitting(), "{effects:?}");
    // Nothing running: leaving closes the shell at once.
    let mut h = harness();
    open_row(&mut h.app, HomeRow::Lab(0, 1));
    let effects = press(&mut h.app, "\x1b");
    assert_eq!(h.app.mode(), Mode::Home);
    assert!(effects.iter().any(|e| matches!(e, Effect::CloseTerminal)));
}

#[test]
fn opening_a_lab_says_what_setup_creates_and_what_exists_and_asks() {
    use labrunner_core::{Resource, ResourceKind};
    let mut h = harness();
    let mut lab = h.app.catalog().lessons[0].labs[1].lab().unwrap().clone();
    lab.lab.setup = vec![labrunner_core::Command::Plain(
        "docker run -d --name db -v app-data:/data alpine:latest sleep 600".into(),
    )];
    let existing = vec![Resource {
        kind: ResourceKind::Volume,
        name: "app-data".into(),
    }];
    for (answer, opens) in [("n", false), ("y", true)] {
        let mut effects = Vec::new();
        h.app.open_lab(lab.clone(), &mut effects);
        assert!(
            matches!(effects.as_slice(), [Effect::Preflight { .. }]),
            "nothing runs before the answer: {effects:?}"
        );
        h.app.on_event(AppEvent::Preflight {
            resources: existing.clone(),
        });
        let screen = render(&mut h.app, 80, 24);
        assert!(screen.contains("container db"), "{screen}");
        assert!(screen.contains("volume app-data"), "{screen}");
        assert!(screen.contains("use my existing resources"), "{screen}");
        if opens {
            insta::assert_snapshot!("lab_confirm_open_80x24", screen);
        }
        let effects = press(&mut h.app, answer);
        let started = effects.iter().find_map(|e| match e {
            Effect::StartLive {
                existing, setup, ..
            } => Some((*existing, *setup)),
            _ => None,
        });
        if opens {
            assert_eq!(
                started,
                Some((labrunner::tui::app::ExistingResources::UseThem, true))
            );
            assert_eq!(h.app.mode(), Mode::Lab);
        } else {
            assert_eq!(started, None, "no: nothing starts");
            assert!(
                effects.iter().any(|e| matches!(e, Effect::StopLive)),
                "the preflight task is stopped: {effects:?}"
            );
            assert_eq!(h.app.mode(), Mode::Home);
        }
    }
}

/// Every step of every shipped lab, at 80x24 and 60x20: the command to type, every check and
/// the terminal are on screen together.
#[test]
fn shipped_labs_show_command_checks_and_terminal_together_at_small_sizes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let catalog = load_catalog(root).unwrap();
    let labs: Vec<_> = catalog
        .lessons
        .iter()
        .flat_map(|l| &l.labs)
        .filter_map(|e| e.lab().cloned())
        .collect();
    assert!(!labs.is_empty());
    for lab in labs {
        let mut h = harness();
        let mut effects = Vec::new();
        h.app.open_lab(lab.clone(), &mut effects);
        h.app.on_event(AppEvent::Preflight { resources: vec![] });
        if h.app.overlay().is_some() {
            // A lab with a setup waits for its yes; answer it.
            press(&mut h.app, "y");
        }
        assert!(h.app.terminal().is_some(), "{}: no pane", lab.lab.id);
        for (i, step) in lab.lab.steps.iter().enumerate() {
            if i > 0 {
                press(&mut h.app, "↓");
            }
            assert_eq!(h.app.lab().unwrap().selected, i);
            for (w, hgt) in [(80, 24), (60, 20)] {
                let screen = render(&mut h.app, w, hgt);
                let at = format!("{} step {} at {w}x{hgt}", lab.lab.id, step.id);
                let first_words: String = step.solution[0]
                    .text()
                    .split_whitespace()
                    .take(3)
                    .collect::<Vec<_>>()
                    .join(" ");
                assert!(
                    screen.contains(&format!("$ {first_words}")),
                    "{at}: no command\n{screen}"
                );
                let check_lines = screen
                    .lines()
                    .filter(|l| l.trim_start_matches(['"', '│']).starts_with("· "))
                    .count();
                assert_eq!(check_lines, step.checks.len(), "{at}: checks\n{screen}");
                assert!(screen.contains("╭ Terminal"), "{at}: no terminal\n{screen}");
                assert!(
                    !screen.contains("↓ more: T hides"),
                    "{at}: pinned part cut\n{screen}"
                );
            }
        }
    }
}

/// A paste reaches the shell whole, bracketed only once the program enabled mode 2004 and with
/// no escape character; the mouse over the pane scrolls its history until the program enables
/// mouse tracking, and is then reported to it at the pane's own coordinates.
#[test]
fn pastes_and_the_mouse_reach_the_program_only_as_it_asked() {
    let mut h = harness();
    open_row(&mut h.app, HomeRow::Lab(0, 1));
    h.app.on_key(key(KeyCode::F(2)));
    render(&mut h.app, 120, 40);
    let paste = "echo one\n\x1b[201~echo two";
    assert_eq!(typed(&h.app.on_paste(paste)), b"echo one\r[201~echo two");
    shell_output(&h.app, b"\x1b[?2004h");
    assert_eq!(
        typed(&h.app.on_paste(paste)),
        b"\x1b[200~echo one\r[201~echo two\x1b[201~"
    );
    shell_output(&h.app, b"\x1b[?2004l");
    assert_eq!(typed(&h.app.on_paste("ls")), b"ls");
    // Not focused on the pane: a paste goes nowhere near the shell.
    h.app.on_key(key(KeyCode::F(2)));
    assert!(h.app.on_paste("rm -rf ~\n").is_empty());
    h.app.on_key(key(KeyCode::F(2)));

    let area = h.app.terminal_area().unwrap();
    let wheel = |kind| MouseEvent {
        kind,
        column: area.x + 4,
        row: area.y + 2,
        modifiers: KeyModifiers::NONE,
    };
    shell_output(&h.app, "line\r\n".repeat(100).as_bytes());
    let effects = h.app.on_mouse(wheel(MouseEventKind::ScrollUp));
    assert!(effects.is_empty(), "{effects:?}");
    let scrolled = h.app.terminal().unwrap().screen.scrollback();
    assert_eq!(scrolled, 3, "the wheel scrolls the pane's history");
    let click = MouseEventKind::Down(ratatui::crossterm::event::MouseButton::Left);
    assert!(h.app.on_mouse(wheel(click)).is_empty());
    // vim with `mouse=a`, htop: clicks and the wheel go to the program.
    shell_output(&h.app, b"\x1b[?1000h\x1b[?1006h");
    assert_eq!(
        typed(&h.app.on_mouse(wheel(click))),
        b"\x1b[<0;5;3M",
        "SGR, 1-based, relative to the pane"
    );
    assert_eq!(
        typed(&h.app.on_mouse(wheel(MouseEventKind::ScrollDown))),
        b"\x1b[<65;5;3M"
    );
    assert_eq!(h.app.terminal().unwrap().screen.scrollback(), scrolled);
    shell_output(&h.app, b"\x1b[?1000l");
    assert!(h.app.on_mouse(wheel(click)).is_empty());
}
