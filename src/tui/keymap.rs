//! The one table of key bindings. Key handling looks keys up here; the footer and the help
//! overlay are generated from it, so they cannot drift apart.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where a binding applies. `Global` bindings apply everywhere except while typing an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    Home,
    Reader,
    Lab,
    /// The terminal pane has focus: every key goes to the shell except these.
    Terminal,
    Quiz,
    /// While typing a free-text answer: only these keys are bindings, the rest is text.
    QuizTyping,
    /// While typing what to search for in the lesson: the rest is text.
    ReaderSearch,
    Summary,
    Help,
    Confirm,
}

impl Scope {
    /// Scopes where the global bindings do not apply (the keys are text, or an answer).
    pub fn owns_keyboard(self) -> bool {
        matches!(
            self,
            Scope::QuizTyping
                | Scope::ReaderSearch
                | Scope::Confirm
                | Scope::Help
                | Scope::Terminal
        )
    }

    pub fn title(self) -> &'static str {
        match self {
            Scope::Global => "Everywhere",
            Scope::Home => "Home",
            Scope::Reader => "Lesson reader",
            Scope::Lab => "Lab",
            Scope::Terminal => "Terminal pane (focused)",
            Scope::Quiz => "Knowledge check",
            Scope::QuizTyping => "Typing an answer",
            Scope::ReaderSearch => "Searching the lesson",
            Scope::Summary => "Lab results",
            Scope::Help => "Help",
            Scope::Confirm => "Confirmation",
        }
    }
}

/// What a key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Back,
    Help,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    NextSection,
    PrevSection,
    /// Search the lesson; the next and previous match.
    Search,
    NextMatch,
    PrevMatch,
    /// Scroll code sideways.
    ScrollLeft,
    ScrollRight,
    ToggleSections,
    NextHint,
    Copy,
    Assist,
    Reset,
    /// Give the terminal pane the keyboard.
    FocusTerminal,
    /// Give the keyboard back to the steps.
    FocusSteps,
    /// Put the current step's command at the shell's prompt, without running it.
    PutCommand,
    /// Hide or show the terminal pane.
    ToggleTerminal,
    /// Let the terminal select text with the mouse (labrunner stops capturing it), or not.
    ToggleMouse,
    /// Scroll the terminal pane's scrollback.
    ScrollBack,
    ScrollForward,
    Choose(u8),
    Submit,
    Right,
    Wrong,
    Yes,
    No,
    /// Open a lab whose names are taken under names of its own.
    OwnNames,
}

/// A key as the table spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Ctrl(char),
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Enter,
    Esc,
    Tab,
    F(u8),
    ShiftPageUp,
    ShiftPageDown,
}

impl Key {
    pub fn matches(self, ev: &KeyEvent) -> bool {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let shift = ev.modifiers.contains(KeyModifiers::SHIFT);
        match (self, ev.code) {
            (Key::F(n), KeyCode::F(k)) => n == k && ev.modifiers.is_empty(),
            (Key::ShiftPageUp, KeyCode::PageUp) | (Key::ShiftPageDown, KeyCode::PageDown) => shift,
            (Key::PageUp, KeyCode::PageUp) | (Key::PageDown, KeyCode::PageDown) => !shift,
            (Key::Ctrl(c), KeyCode::Char(k)) => ctrl && k.eq_ignore_ascii_case(&c),
            (Key::Char(c), KeyCode::Char(k)) => !ctrl && k == c,
            (Key::Up, KeyCode::Up)
            | (Key::Down, KeyCode::Down)
            | (Key::Left, KeyCode::Left)
            | (Key::Right, KeyCode::Right)
            | (Key::Home, KeyCode::Home)
            | (Key::End, KeyCode::End)
            | (Key::Enter, KeyCode::Enter)
            | (Key::Esc, KeyCode::Esc)
            | (Key::Tab, KeyCode::Tab) => true,
            _ => false,
        }
    }
}

pub struct Binding {
    pub scope: Scope,
    pub keys: &'static [Key],
    /// How the keys are written in the footer and help.
    pub label: &'static str,
    pub action: Action,
    pub help: &'static str,
    /// Short text for the footer, if shown there (the help overlay shows every binding).
    pub footer: Option<&'static str>,
}

const fn b(
    scope: Scope,
    keys: &'static [Key],
    label: &'static str,
    action: Action,
    help: &'static str,
    footer: Option<&'static str>,
) -> Binding {
    Binding {
        scope,
        keys,
        label,
        action,
        help,
        footer,
    }
}

use Action as A;
use Key as K;
use Scope as S;

#[rustfmt::skip]
pub const KEYMAP: &[Binding] = &[
    b(S::Confirm, &[K::Char('y'), K::Enter], "y", A::Yes, "yes, do it", Some("yes")),
    b(S::Confirm, &[K::Char('n'), K::Esc], "n/Esc", A::No, "no, cancel", Some("no")),
    b(S::Confirm, &[K::Char('o')], "o", A::OwnNames, "open a lab whose names are taken under names of its own", None),
    b(S::Help, &[K::Esc, K::Char('?'), K::Char('q')], "Esc/?", A::Back, "close help", Some("close")),
    b(S::Help, &[K::Up, K::Char('k'), K::PageUp], "↑↓", A::Up, "scroll the keys", None),
    b(S::Help, &[K::Down, K::Char('j'), K::PageDown], "↑↓", A::Down, "scroll the keys", Some("scroll")),
    b(S::QuizTyping, &[K::Enter], "Enter", A::Submit, "submit the answer", Some("submit")),
    b(S::QuizTyping, &[K::Esc], "Esc", A::Back, "stop typing, back home", Some("stop")),
    b(S::QuizTyping, &[K::Ctrl('c')], "Ctrl-C", A::Quit, "quit", None),
    b(S::Home, &[K::Up, K::Char('k')], "↑↓/jk", A::Up, "move up", None),
    b(S::Home, &[K::Down, K::Char('j')], "↑↓/jk", A::Down, "move down", Some("move")),
    b(S::Home, &[K::Home, K::Char('g')], "g/G", A::Top, "first row", None),
    b(S::Home, &[K::End, K::Char('G')], "g/G", A::Bottom, "last row", None),
    b(S::Home, &[K::Enter, K::Char('l')], "Enter", A::Open, "open the lesson, lab or knowledge check", Some("open")),
    b(S::Reader, &[K::Up, K::Char('k')], "↑↓/jk", A::Up, "scroll up", None),
    b(S::Reader, &[K::Down, K::Char('j')], "↑↓/jk", A::Down, "scroll down (also the mouse wheel)", Some("scroll")),
    b(S::Reader, &[K::PageUp, K::Char('b')], "PgUp/PgDn", A::PageUp, "page up", None),
    b(S::Reader, &[K::PageDown, K::Char(' ')], "PgUp/PgDn", A::PageDown, "page down", Some("page")),
    b(S::Reader, &[K::Home, K::Char('g')], "g/G", A::Top, "top", None),
    b(S::Reader, &[K::End, K::Char('G')], "g/G", A::Bottom, "bottom", None),
    b(S::Reader, &[K::Char(']')], "]/[", A::NextSection, "next section", Some("section")),
    b(S::Reader, &[K::Char('[')], "]/[", A::PrevSection, "previous section", None),
    b(S::Reader, &[K::Char('/')], "/", A::Search, "search the lesson", Some("search")),
    b(S::Reader, &[K::Char('n')], "n/N", A::NextMatch, "next match of the search", Some("match")),
    b(S::Reader, &[K::Char('N')], "n/N", A::PrevMatch, "previous match of the search", None),
    b(S::Reader, &[K::Left, K::Char('h')], "←→", A::ScrollLeft, "scroll code and wide lines left", None),
    b(S::Reader, &[K::Right, K::Char('l')], "←→", A::ScrollRight, "scroll code sideways (it is never wrapped)", Some("code sideways")),
    b(S::ReaderSearch, &[K::Enter], "Enter", A::Submit, "search for what was typed", Some("search")),
    b(S::ReaderSearch, &[K::Esc], "Esc", A::Back, "stop searching", Some("cancel")),
    b(S::ReaderSearch, &[K::Ctrl('c')], "Ctrl-C", A::Quit, "quit", None),
    b(S::Reader, &[K::Tab], "Tab", A::ToggleSections, "section list: pick with ↑↓, jump with Enter", Some("sections")),
    b(S::Reader, &[K::Enter], "Enter", A::Open, "jump to the picked section", None),
    b(S::Lab, &[K::Up, K::Char('k')], "↑↓/jk", A::Up, "view the previous step", None),
    b(S::Lab, &[K::Down, K::Char('j')], "↑↓/jk", A::Down, "view the next step", Some("step")),
    b(S::Lab, &[K::PageUp], "PgUp/PgDn", A::PageUp, "scroll the step text (also the mouse wheel)", None),
    b(S::Lab, &[K::PageDown], "PgUp/PgDn", A::PageDown, "scroll the step text", None),
    b(S::Lab, &[K::Char('h')], "h", A::NextHint, "show the next hint", Some("hint")),
    b(S::Lab, &[K::Char('c'), K::Char('y')], "c", A::Copy, "copy the command to the clipboard (OSC 52)", Some("copy")),
    b(S::Lab, &[K::Char('a')], "a", A::Assist, "run it for me (recorded as assisted, asks first)", Some("run it for me")),
    b(S::Lab, &[K::Char('R')], "R", A::Reset, "reset the lab (asks first; keeps what existed before)", Some("reset")),
    b(S::Lab, &[K::F(2), K::Tab], "F2", A::FocusTerminal, "type in the terminal pane (F2 comes back)", Some("terminal")),
    b(S::Lab, &[K::Char('t')], "t", A::PutCommand, "put the command at the terminal's prompt (not run)", Some("to prompt")),
    b(S::Lab, &[K::Char('T')], "T", A::ToggleTerminal, "hide or show the terminal pane", Some("hide/show")),
    b(S::Lab, &[K::Char('m')], "m", A::ToggleMouse, "mouse: select text with your terminal, or scroll here", None),
    b(S::Lab, &[K::ShiftPageUp], "Shift-PgUp/PgDn", A::ScrollBack, "scroll the terminal pane's history", None),
    b(S::Lab, &[K::ShiftPageDown], "Shift-PgUp/PgDn", A::ScrollForward, "scroll the terminal pane's history", None),
    b(S::Terminal, &[K::F(2)], "F2", A::FocusSteps, "back to the steps (every other key goes to the shell)", Some("back to the steps")),
    b(S::Terminal, &[K::ShiftPageUp], "Shift-PgUp/PgDn", A::ScrollBack, "scroll the terminal's history", Some("scroll")),
    b(S::Terminal, &[K::ShiftPageDown], "Shift-PgUp/PgDn", A::ScrollForward, "scroll the terminal's history", None),
    b(S::Quiz, &[K::Up, K::Char('k')], "↑↓", A::Up, "previous choice", None),
    b(S::Quiz, &[K::Down, K::Char('j')], "↑↓", A::Down, "next choice", Some("choose")),
    b(S::Quiz, &[K::Char('1')], "1-9", A::Choose(0), "pick a choice by number", None),
    b(S::Quiz, &[K::Char('2')], "", A::Choose(1), "", None),
    b(S::Quiz, &[K::Char('3')], "", A::Choose(2), "", None),
    b(S::Quiz, &[K::Char('4')], "", A::Choose(3), "", None),
    b(S::Quiz, &[K::Char('5')], "", A::Choose(4), "", None),
    b(S::Quiz, &[K::Char('6')], "", A::Choose(5), "", None),
    b(S::Quiz, &[K::Char('7')], "", A::Choose(6), "", None),
    b(S::Quiz, &[K::Char('8')], "", A::Choose(7), "", None),
    b(S::Quiz, &[K::Char('9')], "", A::Choose(8), "", None),
    b(S::Quiz, &[K::Enter], "Enter", A::Submit, "answer / next question", Some("answer/next")),
    b(S::Quiz, &[K::Char('y')], "y/n", A::Right, "after a typed answer: I got it right", None),
    b(S::Quiz, &[K::Char('n')], "y/n", A::Wrong, "after a typed answer: I got it wrong", None),
    b(S::Summary, &[K::Enter], "Enter", A::Back, "back home", Some("home")),
    b(S::Summary, &[K::Char('R')], "R", A::Reset, "reset the lab to do it again (asks first)", Some("reset")),
    b(S::Global, &[K::Char('?')], "?", A::Help, "help: every key", Some("help")),
    b(S::Global, &[K::Esc], "Esc", A::Back, "back", Some("back")),
    b(S::Global, &[K::Char('q'), K::Ctrl('c')], "q", A::Quit, "quit (progress is saved)", Some("quit")),
];

/// The action a key triggers in a scope (falling back to the global bindings, except where
/// the scope owns the whole keyboard).
pub fn lookup(scope: Scope, ev: &KeyEvent) -> Option<Action> {
    let own = KEYMAP.iter().filter(|b| b.scope == scope);
    let global = KEYMAP
        .iter()
        .filter(|b| b.scope == Scope::Global && !scope.owns_keyboard());
    own.chain(global)
        .find(|b| b.keys.iter().any(|k| k.matches(ev)))
        .map(|b| b.action)
}

/// Footer entries for a scope: (keys, what), one per label, in table order.
/// Help comes first, so it stays visible when the footer is cut on a narrow terminal.
pub fn footer(scope: Scope) -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&'static str, &'static str)> = Vec::new();
    let with_global = !scope.owns_keyboard();
    let help_first = KEYMAP
        .iter()
        .filter(|b| with_global && b.action == Action::Help);
    for b in help_first.chain(KEYMAP.iter()) {
        let applies = b.scope == scope || (with_global && b.scope == Scope::Global);
        if let Some(text) = b.footer
            && applies
            && !out.iter().any(|(l, _)| *l == b.label)
        {
            out.push((b.label, text));
        }
    }
    out
}

/// Help overlay rows for a scope and the global bindings: (section title, [(keys, help)]).
pub fn help(scope: Scope) -> Vec<(&'static str, Vec<(String, &'static str)>)> {
    let mut sections = Vec::new();
    let scopes: &[Scope] = match scope {
        Scope::Global | Scope::Help | Scope::Confirm => &[Scope::Home, Scope::Global],
        Scope::Quiz | Scope::QuizTyping => &[Scope::Quiz, Scope::QuizTyping, Scope::Global],
        Scope::Lab | Scope::Terminal => &[Scope::Lab, Scope::Terminal, Scope::Global],
        Scope::Reader | Scope::ReaderSearch => &[Scope::Reader, Scope::ReaderSearch, Scope::Global],
        other => {
            return [other, Scope::Global]
                .into_iter()
                .map(|s| (s.title(), rows(s)))
                .collect();
        }
    };
    for s in scopes {
        sections.push((s.title(), rows(*s)));
    }
    sections
}

fn rows(scope: Scope) -> Vec<(String, &'static str)> {
    KEYMAP
        .iter()
        .filter(|b| b.scope == scope && !b.help.is_empty())
        .map(|b| match b.action {
            // The digits share one row.
            Action::Choose(_) => (b.label.to_string(), b.help),
            _ => (keys_text(b.keys), b.help),
        })
        .collect()
}

/// Every key of a binding, spelled out (the help overlay lists them all).
pub fn keys_text(keys: &[Key]) -> String {
    keys.iter()
        .map(|k| match k {
            Key::Char(' ') => "Space".to_string(),
            Key::Char(c) => c.to_string(),
            Key::Ctrl(c) => format!("Ctrl-{}", c.to_ascii_uppercase()),
            Key::Up => "↑".into(),
            Key::Down => "↓".into(),
            Key::Left => "←".into(),
            Key::Right => "→".into(),
            Key::PageUp => "PgUp".into(),
            Key::PageDown => "PgDn".into(),
            Key::Home => "Home".into(),
            Key::End => "End".into(),
            Key::Enter => "Enter".into(),
            Key::Esc => "Esc".into(),
            Key::Tab => "Tab".into(),
            Key::F(n) => format!("F{n}"),
            Key::ShiftPageUp => "Shift-PgUp".into(),
            Key::ShiftPageDown => "Shift-PgDn".into(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyEventKind;

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent {
            code,
            modifiers: mods,
            kind: KeyEventKind::Press,
            state: ratatui::crossterm::event::KeyEventState::NONE,
        }
    }

    #[test]
    fn lookup_prefers_the_scope_then_global() {
        let table = [
            (
                Scope::Home,
                KeyCode::Char('j'),
                KeyModifiers::NONE,
                Some(Action::Down),
            ),
            (
                Scope::Home,
                KeyCode::Char('q'),
                KeyModifiers::NONE,
                Some(Action::Quit),
            ),
            (
                Scope::Lab,
                KeyCode::Char('c'),
                KeyModifiers::CONTROL,
                Some(Action::Quit),
            ),
            (
                Scope::Lab,
                KeyCode::Char('c'),
                KeyModifiers::NONE,
                Some(Action::Copy),
            ),
            (Scope::Confirm, KeyCode::Char('q'), KeyModifiers::NONE, None),
            (
                Scope::Confirm,
                KeyCode::Esc,
                KeyModifiers::NONE,
                Some(Action::No),
            ),
            (
                Scope::QuizTyping,
                KeyCode::Char('q'),
                KeyModifiers::NONE,
                None,
            ),
            (
                Scope::QuizTyping,
                KeyCode::Char('c'),
                KeyModifiers::CONTROL,
                Some(Action::Quit),
            ),
            (
                Scope::Quiz,
                KeyCode::Char('3'),
                KeyModifiers::NONE,
                Some(Action::Choose(2)),
            ),
            (
                Scope::Quiz,
                KeyCode::Char('n'),
                KeyModifiers::NONE,
                Some(Action::Wrong),
            ),
            (Scope::Reader, KeyCode::Char('x'), KeyModifiers::NONE, None),
        ];
        for (scope, code, mods, expected) in table {
            assert_eq!(
                lookup(scope, &key(code, mods)),
                expected,
                "{scope:?} {code:?} {mods:?}"
            );
        }
    }

    #[test]
    fn no_key_is_bound_twice_in_one_scope_or_shadows_global_by_accident() {
        for (i, a) in KEYMAP.iter().enumerate() {
            for b in &KEYMAP[i + 1..] {
                if a.scope != b.scope {
                    continue;
                }
                for k in a.keys {
                    assert!(!b.keys.contains(k), "{k:?} bound twice in {:?}", a.scope);
                }
            }
        }
    }

    #[test]
    fn footer_and_help_come_from_the_table() {
        let f = footer(Scope::Lab);
        assert_eq!(f[0], ("?", "help"), "help first: {f:?}");
        assert!(f.contains(&("h", "hint")), "{f:?}");
        assert!(f.contains(&("q", "quit")), "{f:?}");
        let help = help(Scope::Lab);
        assert_eq!(help[0].0, "Lab");
        assert!(
            help[0]
                .1
                .iter()
                .any(|(k, h)| k == "R" && h.contains("reset"))
        );
        let global = help.iter().find(|(t, _)| *t == "Everywhere").unwrap();
        assert!(global.1.iter().any(|(k, _)| k == "q Ctrl-C"));
        let terminal = help
            .iter()
            .find(|(t, _)| t.starts_with("Terminal"))
            .unwrap();
        assert!(
            terminal
                .1
                .iter()
                .any(|(k, h)| k == "F2" && h.contains("back"))
        );
        assert_eq!(footer(Scope::Terminal)[0], ("F2", "back to the steps"));
    }
}
