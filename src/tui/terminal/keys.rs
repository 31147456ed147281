//! Keys as the bytes a terminal sends for them (xterm conventions), so the shell in the pane
//! sees exactly what it would see in a terminal of its own: Enter is `\r`, Esc is `\x1b`,
//! arrows follow the cursor-key mode the program asked for, F-keys and modifiers are encoded.

use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

use super::screen::MouseReporting;

/// The bytes for a key, or `None` for keys a terminal does not send (modifier-only, media keys).
/// `application_cursor`: the program enabled application cursor keys (DECCKM), as vim and
/// readline in some modes do: arrows are then `ESC O A` rather than `ESC [ A`.
pub fn encode(key: &KeyEvent, application_cursor: bool) -> Option<Vec<u8>> {
    let m = key.modifiers;
    let ctrl = m.contains(KeyModifiers::CONTROL);
    let alt = m.contains(KeyModifiers::ALT);
    let shift = m.contains(KeyModifiers::SHIFT);
    // xterm's modifier parameter: 1 + shift + 2*alt + 4*ctrl.
    let param = 1 + u8::from(shift) + 2 * u8::from(alt) + 4 * u8::from(ctrl);
    let bytes = match key.code {
        KeyCode::Char(c) => return Some(char_bytes(c, ctrl, alt)),
        KeyCode::Enter => alt_prefixed(b"\r", alt),
        KeyCode::Tab => alt_prefixed(b"\t", alt),
        KeyCode::BackTab => b"\x1b[Z".to_vec(),
        KeyCode::Backspace if ctrl => alt_prefixed(b"\x08", alt),
        KeyCode::Backspace => alt_prefixed(b"\x7f", alt),
        KeyCode::Esc => alt_prefixed(b"\x1b", alt),
        KeyCode::Up => cursor(b'A', param, application_cursor),
        KeyCode::Down => cursor(b'B', param, application_cursor),
        KeyCode::Right => cursor(b'C', param, application_cursor),
        KeyCode::Left => cursor(b'D', param, application_cursor),
        KeyCode::Home => cursor(b'H', param, application_cursor),
        KeyCode::End => cursor(b'F', param, application_cursor),
        KeyCode::Insert => tilde(2, param),
        KeyCode::Delete => tilde(3, param),
        KeyCode::PageUp => tilde(5, param),
        KeyCode::PageDown => tilde(6, param),
        KeyCode::F(n) => function(n, param)?,
        _ => return None,
    };
    Some(bytes)
}

fn alt_prefixed(bytes: &[u8], alt: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 1);
    if alt {
        out.push(0x1b);
    }
    out.extend_from_slice(bytes);
    out
}

fn char_bytes(c: char, ctrl: bool, alt: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if alt {
        out.push(0x1b);
    }
    if ctrl && let Some(b) = control_byte(c) {
        out.push(b);
        return out;
    }
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    out
}

/// Ctrl plus a key: `Ctrl-C` is 0x03, `Ctrl-@`/`Ctrl-Space` 0x00, `Ctrl-[` Esc, `Ctrl-?` DEL.
fn control_byte(c: char) -> Option<u8> {
    match c {
        'a'..='z' => Some(c as u8 - b'a' + 1),
        'A'..='Z' => Some(c as u8 - b'A' + 1),
        '@' | ' ' | '2' => Some(0),
        '[' | '3' => Some(0x1b),
        '\\' | '4' => Some(0x1c),
        ']' | '5' => Some(0x1d),
        '^' | '6' => Some(0x1e),
        '_' | '-' | '7' => Some(0x1f),
        '?' | '8' => Some(0x7f),
        _ => None,
    }
}

/// Arrows, Home and End: `ESC [ A`, `ESC O A` in application mode, `ESC [ 1 ; 5 A` with Ctrl.
fn cursor(letter: u8, param: u8, application: bool) -> Vec<u8> {
    if param > 1 {
        format!("\x1b[1;{param}{}", letter as char).into_bytes()
    } else if application {
        vec![0x1b, b'O', letter]
    } else {
        vec![0x1b, b'[', letter]
    }
}

/// Keys of the `ESC [ n ~` family.
fn tilde(n: u8, param: u8) -> Vec<u8> {
    if param > 1 {
        format!("\x1b[{n};{param}~").into_bytes()
    } else {
        format!("\x1b[{n}~").into_bytes()
    }
}

fn function(n: u8, param: u8) -> Option<Vec<u8>> {
    let ss3 = |letter: char| {
        if param > 1 {
            format!("\x1b[1;{param}{letter}").into_bytes()
        } else {
            format!("\x1bO{letter}").into_bytes()
        }
    };
    Some(match n {
        1 => ss3('P'),
        2 => ss3('Q'),
        3 => ss3('R'),
        4 => ss3('S'),
        5 => tilde(15, param),
        6 => tilde(17, param),
        7 => tilde(18, param),
        8 => tilde(19, param),
        9 => tilde(20, param),
        10 => tilde(21, param),
        11 => tilde(23, param),
        12 => tilde(24, param),
        _ => return None,
    })
}

/// Text pasted into the pane, as a terminal sends it: newlines as Enter (`\r`), no escape
/// character (so the text cannot end the paste or send keys of its own), wrapped in the
/// bracketed-paste markers only when the program asked for them (mode 2004).
pub fn paste(text: &str, bracketed: bool) -> Vec<u8> {
    let text = text.replace("\r\n", "\r").replace('\n', "\r");
    let text: String = text
        .chars()
        .filter(|c| *c != '\x1b' && *c != '\u{9b}')
        .collect();
    if bracketed {
        [b"\x1b[200~", text.as_bytes(), b"\x1b[201~"].concat()
    } else {
        text.into_bytes()
    }
}

/// A mouse event at `(col, row)` of the pane (0-based) as xterm reports it to a program that
/// enabled mouse tracking: `None` for an event the program did not ask for (movement without
/// mode 1002/1003), or a position the byte encoding cannot carry.
pub fn mouse(ev: &MouseEvent, col: u16, row: u16, asked: MouseReporting) -> Option<Vec<u8>> {
    let button = |b: MouseButton| match b {
        MouseButton::Left => 0u16,
        MouseButton::Middle => 1,
        MouseButton::Right => 2,
    };
    let (code, release) = match ev.kind {
        MouseEventKind::Down(b) => (button(b), false),
        MouseEventKind::Up(b) if asked.sgr => (button(b), true),
        MouseEventKind::Up(_) => (3, true),
        MouseEventKind::Drag(b) if asked.drag || asked.motion => (button(b) + 32, false),
        MouseEventKind::Moved if asked.motion => (3 + 32, false),
        MouseEventKind::ScrollUp => (64, false),
        MouseEventKind::ScrollDown => (65, false),
        MouseEventKind::ScrollLeft => (66, false),
        MouseEventKind::ScrollRight => (67, false),
        _ => return None,
    };
    let m = ev.modifiers;
    let code = code
        + 4 * u16::from(m.contains(KeyModifiers::SHIFT))
        + 8 * u16::from(m.contains(KeyModifiers::ALT))
        + 16 * u16::from(m.contains(KeyModifiers::CONTROL));
    let (x, y) = (u32::from(col) + 1, u32::from(row) + 1);
    if asked.sgr {
        let end = if release { 'm' } else { 'M' };
        return Some(format!("\x1b[<{code};{x};{y}{end}").into_bytes());
    }
    let mut out = b"\x1b[M".to_vec();
    for v in [u32::from(code), x, y] {
        let v = v + 32;
        if asked.utf8 && v >= 0x80 {
            let c = char::from_u32(v).filter(|_| v < 0x800)?;
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        } else {
            out.push(u8::try_from(v).ok()?);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::{KeyEventKind, KeyEventState};

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent {
            code,
            modifiers,
            kind: KeyEventKind::Press,
            state: KeyEventState::NONE,
        }
    }

    #[test]
    fn keys_encode_as_a_terminal_sends_them() {
        let none = KeyModifiers::NONE;
        let ctrl = KeyModifiers::CONTROL;
        let alt = KeyModifiers::ALT;
        let table: &[(KeyCode, KeyModifiers, bool, &[u8])] = &[
            (KeyCode::Char('a'), none, false, b"a"),
            (KeyCode::Char('é'), none, false, "é".as_bytes()),
            (KeyCode::Char('c'), ctrl, false, b"\x03"),
            (KeyCode::Char('D'), ctrl, false, b"\x04"),
            (KeyCode::Char(' '), ctrl, false, b"\x00"),
            (KeyCode::Char('x'), alt, false, b"\x1bx"),
            (KeyCode::Enter, none, false, b"\r"),
            (KeyCode::Tab, none, false, b"\t"),
            (KeyCode::BackTab, KeyModifiers::SHIFT, false, b"\x1b[Z"),
            (KeyCode::Backspace, none, false, b"\x7f"),
            (KeyCode::Esc, none, false, b"\x1b"),
            (KeyCode::Up, none, false, b"\x1b[A"),
            (KeyCode::Up, none, true, b"\x1bOA"),
            (KeyCode::Left, ctrl, true, b"\x1b[1;5D"),
            (KeyCode::Home, none, false, b"\x1b[H"),
            (KeyCode::End, none, true, b"\x1bOF"),
            (KeyCode::Delete, none, false, b"\x1b[3~"),
            (KeyCode::PageUp, none, false, b"\x1b[5~"),
            (KeyCode::PageDown, KeyModifiers::SHIFT, false, b"\x1b[6;2~"),
            (KeyCode::F(1), none, false, b"\x1bOP"),
            (KeyCode::F(5), none, false, b"\x1b[15~"),
            (KeyCode::F(12), ctrl, false, b"\x1b[24;5~"),
        ];
        for (code, mods, app, want) in table {
            assert_eq!(
                encode(&key(*code, *mods), *app).as_deref(),
                Some(*want),
                "{code:?} {mods:?} application={app}"
            );
        }
        assert_eq!(encode(&key(KeyCode::F(20), none), false), None);
        assert_eq!(encode(&key(KeyCode::CapsLock, none), false), None);
    }

    #[test]
    fn pastes_are_bracketed_only_when_asked_and_carry_no_escape() {
        let table: &[(&str, bool, &[u8])] = &[
            ("ls -l", false, b"ls -l"),
            ("ls -l", true, b"\x1b[200~ls -l\x1b[201~"),
            ("one\ntwo\r\n", false, b"one\rtwo\r"),
            ("one\ntwo", true, b"\x1b[200~one\rtwo\x1b[201~"),
            // Text that would end the paste early and run `rm` is pasted as text.
            (
                "x\x1b[201~rm -rf ~\n",
                true,
                b"\x1b[200~x[201~rm -rf ~\r\x1b[201~",
            ),
            ("\x1b[A\u{9b}2J", false, b"[A2J"),
            ("界", true, "\x1b[200~界\x1b[201~".as_bytes()),
        ];
        for (text, bracketed, want) in table {
            assert_eq!(
                paste(text, *bracketed),
                want.to_vec(),
                "{} bracketed={bracketed}",
                text.escape_debug()
            );
        }
    }

    #[test]
    fn mouse_events_are_reported_as_the_program_asked() {
        let at = |kind: MouseEventKind, modifiers: KeyModifiers| MouseEvent {
            kind,
            column: 0,
            row: 0,
            modifiers,
        };
        let none = KeyModifiers::NONE;
        let clicks = MouseReporting {
            drag: false,
            motion: false,
            sgr: false,
            utf8: false,
        };
        let sgr = MouseReporting {
            sgr: true,
            ..clicks
        };
        let drag = MouseReporting { drag: true, ..sgr };
        let utf8 = MouseReporting {
            utf8: true,
            ..clicks
        };
        let left = MouseButton::Left;
        type Row<'a> = (
            MouseEventKind,
            KeyModifiers,
            (u16, u16),
            MouseReporting,
            Option<&'a [u8]>,
        );
        let table: &[Row] = &[
            (
                MouseEventKind::Down(left),
                none,
                (0, 0),
                clicks,
                Some(b"\x1b[M !!"),
            ),
            (
                MouseEventKind::Up(left),
                none,
                (4, 2),
                clicks,
                Some(b"\x1b[M#%#"),
            ),
            (
                MouseEventKind::Down(MouseButton::Right),
                KeyModifiers::CONTROL,
                (0, 0),
                clicks,
                Some(b"\x1b[M2!!"),
            ),
            (
                MouseEventKind::Down(left),
                none,
                (9, 4),
                sgr,
                Some(b"\x1b[<0;10;5M"),
            ),
            (
                MouseEventKind::Up(left),
                none,
                (9, 4),
                sgr,
                Some(b"\x1b[<0;10;5m"),
            ),
            (
                MouseEventKind::ScrollUp,
                none,
                (0, 0),
                sgr,
                Some(b"\x1b[<64;1;1M"),
            ),
            (
                MouseEventKind::ScrollDown,
                KeyModifiers::SHIFT,
                (1, 1),
                sgr,
                Some(b"\x1b[<69;2;2M"),
            ),
            // Movement only when the program asked for it.
            (MouseEventKind::Drag(left), none, (0, 0), sgr, None),
            (
                MouseEventKind::Drag(left),
                none,
                (0, 0),
                drag,
                Some(b"\x1b[<32;1;1M"),
            ),
            (MouseEventKind::Moved, none, (0, 0), drag, None),
            // Past column 223 the byte encoding cannot say where; UTF-8 and SGR can.
            (MouseEventKind::Down(left), none, (300, 0), clicks, None),
            (
                MouseEventKind::Down(left),
                none,
                (300, 0),
                utf8,
                Some("\x1b[M \u{14d}!".as_bytes()),
            ),
            (
                MouseEventKind::Down(left),
                none,
                (300, 0),
                sgr,
                Some(b"\x1b[<0;301;1M"),
            ),
        ];
        for (kind, mods, (col, row), asked, want) in table {
            assert_eq!(
                mouse(&at(*kind, *mods), *col, *row, *asked).as_deref(),
                *want,
                "{kind:?} {mods:?} at {col},{row} {asked:?}"
            );
        }
    }
}
