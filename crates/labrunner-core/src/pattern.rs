//! Patterns as a student reads them. Checks match text with regular expressions; what a
//! student is shown says what must appear, in words: `cat\s+/app/data/ledger\.txt` reads
//! `cat /app/data/ledger.txt`, `(?i)permission denied|not permitted` reads
//! `"permission denied" or "not permitted"`.

use regex_syntax::hir::{Class, Hir, HirKind};

/// The text a pattern asks for. Spaces stand for runs of whitespace, `…` for "anything here";
/// a pattern that does not parse is shown as written.
pub fn plain(pattern: &str) -> String {
    match regex_syntax::Parser::new().parse(pattern) {
        Ok(hir) => {
            let text = tidy(&render(&hir));
            if text.is_empty() {
                "…".to_string()
            } else {
                text
            }
        }
        Err(_) => pattern.to_string(),
    }
}

fn render(h: &Hir) -> String {
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => String::new(),
        HirKind::Literal(l) => String::from_utf8_lossy(&l.0).into_owned(),
        HirKind::Class(c) => class_text(c),
        HirKind::Repetition(r) => {
            let inner = render(&r.sub);
            if inner == "…" || inner == " " {
                return inner;
            }
            match (r.min, r.max) {
                (0, _) => "…".to_string(),
                (n, Some(m)) if n == m && n <= 4 => inner.repeat(n as usize),
                _ => inner,
            }
        }
        HirKind::Capture(c) => render(&c.sub),
        HirKind::Concat(parts) => parts.iter().map(render).collect(),
        HirKind::Alternation(parts) => parts
            .iter()
            .map(|p| format!("\"{}\"", tidy(&render(p))))
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

/// One character (or the same letter in either case) as itself, whitespace as a space, any
/// other set of characters as `…`.
fn class_text(c: &Class) -> String {
    let chars: Vec<char> = match c {
        Class::Unicode(u) => {
            let mut out = Vec::new();
            for r in u.ranges() {
                if (r.end() as u32) - (r.start() as u32) > 2 || out.len() > 4 {
                    return whitespace_or_any(u.ranges().iter().any(|r| r.start() == ' '));
                }
                out.extend(r.start()..=r.end());
            }
            out
        }
        Class::Bytes(b) => {
            let mut out = Vec::new();
            for r in b.ranges() {
                if r.end() - r.start() > 2 || out.len() > 4 {
                    return whitespace_or_any(b.ranges().iter().any(|r| r.start() == b' '));
                }
                out.extend((r.start()..=r.end()).map(char::from));
            }
            out
        }
    };
    // Case-insensitive letters are classes like [Ss\u{17f}]: the ASCII letter is what is meant.
    let ascii: Vec<char> = chars
        .iter()
        .filter(|c| c.is_ascii())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    match ascii.first() {
        Some(first) if ascii.iter().all(|c| c == first) => first.to_string(),
        _ if chars.iter().all(|c| c.is_whitespace()) => " ".to_string(),
        _ => "…".to_string(),
    }
}

fn whitespace_or_any(has_space: bool) -> String {
    if has_space { " " } else { "…" }.to_string()
}

/// Runs of spaces and of `…` collapse; the ends are trimmed.
fn tidy(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let last = out.chars().last();
        if (c == ' ' && last == Some(' ')) || (c == '…' && last == Some('…')) {
            continue;
        }
        out.push(c);
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::plain;

    #[test]
    fn patterns_read_as_the_text_they_ask_for() {
        let table = [
            (r"cat\s+/app/data/ledger\.txt", "cat /app/data/ledger.txt"),
            (
                "CRITICAL_DATABASE_TRANSACTION_99",
                "CRITICAL_DATABASE_TRANSACTION_99",
            ),
            (
                "(?i)permission denied|not permitted",
                "\"permission denied\" or \"not permitted\"",
            ),
            (r"^hello\s*world$", "hello world"),
            (r"exit code [0-9]+", "exit code …"),
            (r"network .* not found", "network … not found"),
            (r"a{3}b", "aaab"),
            (r".*", "…"),
            ("", "…"),
            ("(unclosed", "(unclosed"),
        ];
        for (pattern, want) in table {
            assert_eq!(plain(pattern), want, "{pattern}");
        }
    }
}
