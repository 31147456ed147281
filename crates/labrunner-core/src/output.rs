//! What a process printed, kept with a bound: [`BoundedOutput`].
//!
//! Everything labrunner reads from a container (what an exec prints, a container's logs, what a
//! foreground `docker run` prints, what the recorder keeps of every container) goes into a
//! [`BoundedOutput`]: its first [`OUTPUT_HEAD`] bytes and its last [`OUTPUT_TAIL`] bytes are
//! kept, everything between is read to its end and only counted. The text of such an output is
//! the head, then a line `… N bytes more …`, then the tail; a pattern a check matches against
//! an output is matched against that text. An output that fits in head and tail is kept whole.
//!
//! A flood (`yes`, `cat /dev/zero`) therefore costs labrunner at most head and tail per output
//! being read, whatever its size; the time it takes is bounded by the command's time limit.
//! What outlives one command (the recorder's record of every container of a grading) draws on
//! an [`OutputBudget`] as well: once [`GRADING_OUTPUT_BUDGET`] bytes are kept, outputs are
//! only counted.

use std::collections::VecDeque;

/// Bytes kept from the start of one output. A check's pattern sees these (and the tail): a
/// line a lab looks for near the start of what a command prints is in here.
pub const OUTPUT_HEAD: usize = 64 * 1024;

/// Bytes kept from the end of one output: the last lines a command printed before it ended
/// (or was stopped), however much came before.
pub const OUTPUT_TAIL: usize = 64 * 1024;

/// Bytes of output kept, in all, by one record of a grading's containers (and so by one
/// submission): 256 outputs cut to head and tail, or many more short ones.
pub const GRADING_OUTPUT_BUDGET: usize = 16 * 1024 * 1024;

/// Bytes of a container's logs a check (or the record of a daemon's past) reads from their
/// start: as much as head and tail keep, so logs that fit are read whole. Beyond, it reads only
/// their last [`LOGS_TAIL_LINES`] lines: a container that floods its logs costs a check two
/// short reads, not a read of everything it ever printed (the daemon decodes each line of its
/// log file; `yes` writes millions of them a second).
pub const LOGS_READ_LIMIT: u64 = (OUTPUT_HEAD + OUTPUT_TAIL) as u64;

/// Lines read from the end of logs longer than [`LOGS_READ_LIMIT`] (the daemon keeps lines of
/// at most 16 KiB, so this reads at most 16 MiB, of which [`OUTPUT_TAIL`] bytes are kept).
pub const LOGS_TAIL_LINES: u32 = 1000;

/// What a process printed: its first and last bytes, and how many there were in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundedOutput {
    head: Vec<u8>,
    tail: VecDeque<u8>,
    total: u64,
    head_limit: usize,
    tail_limit: usize,
    /// False when the bytes between head and tail were skipped, not counted: `total` is then
    /// the least there were.
    counted: bool,
}

impl Default for BoundedOutput {
    fn default() -> Self {
        BoundedOutput::new()
    }
}

/// Bytes an owner of several outputs may still keep (see [`GRADING_OUTPUT_BUDGET`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputBudget {
    left: usize,
}

impl OutputBudget {
    pub fn new(bytes: usize) -> Self {
        OutputBudget { left: bytes }
    }

    /// A grading's budget, [`GRADING_OUTPUT_BUDGET`].
    pub fn grading() -> Self {
        OutputBudget::new(GRADING_OUTPUT_BUDGET)
    }

    /// Bytes that may still be kept.
    pub fn left(&self) -> usize {
        self.left
    }

    /// Bytes kept before that are not any more.
    pub fn give_back(&mut self, bytes: usize) {
        self.left = self.left.saturating_add(bytes);
    }
}

impl Default for OutputBudget {
    fn default() -> Self {
        OutputBudget::grading()
    }
}

impl BoundedOutput {
    /// Keeps [`OUTPUT_HEAD`] and [`OUTPUT_TAIL`] bytes.
    pub fn new() -> Self {
        BoundedOutput::with_limits(OUTPUT_HEAD, OUTPUT_TAIL)
    }

    /// Keeps `head` bytes from the start and `tail` from the end.
    pub fn with_limits(head: usize, tail: usize) -> Self {
        BoundedOutput {
            head: Vec::new(),
            tail: VecDeque::new(),
            total: 0,
            head_limit: head,
            tail_limit: tail,
            counted: true,
        }
    }

    /// What was read from the start (`self`, cut short once it had more than head and tail),
    /// then the end of the same output read on its own (`end`): the head of one and the tail
    /// of the other. The bytes between were not all read; the text says how many at least.
    pub fn then_end(&self, end: &BoundedOutput) -> BoundedOutput {
        let (a, b) = end.tail.as_slices();
        let tail: VecDeque<u8> = [end.head.as_slice(), a, b]
            .concat()
            .into_iter()
            .rev()
            .take(self.tail_limit)
            .rev()
            .collect();
        // What was read from the start beyond the head certainly comes before the end's tail,
        // but for the tail's length.
        let between = (self.total - self.head.len() as u64).saturating_sub(tail.len() as u64);
        BoundedOutput {
            head: self.head.clone(),
            total: self.head.len() as u64 + between + tail.len() as u64,
            tail,
            head_limit: self.head_limit,
            tail_limit: self.tail_limit,
            counted: false,
        }
    }

    /// `text`, bounded as any output is.
    pub fn of(text: &str) -> Self {
        let mut out = BoundedOutput::new();
        out.push(text.as_bytes());
        out
    }

    /// Take in the next bytes printed.
    pub fn push(&mut self, bytes: &[u8]) {
        let mut unlimited = OutputBudget::new(usize::MAX);
        self.push_within(bytes, &mut unlimited);
    }

    /// Take in the next bytes printed, keeping no more than `budget` still allows; what is
    /// newly kept is taken from it.
    pub fn push_within(&mut self, bytes: &[u8], budget: &mut OutputBudget) {
        self.total = self.total.saturating_add(bytes.len() as u64);
        let kept_before = self.kept();
        let head_room = self
            .head_limit
            .saturating_sub(self.head.len())
            .min(budget.left);
        let take = head_room.min(bytes.len());
        self.head.extend_from_slice(&bytes[..take]);
        let rest = &bytes[take..];
        if !rest.is_empty() {
            // The tail may grow by what the budget still allows, up to its limit; once it has
            // its size, new bytes push the oldest out.
            let room = budget.left - take;
            let size = self
                .tail_limit
                .min(self.tail.len().saturating_add(room))
                .min(self.tail.len() + rest.len());
            let from_rest = rest.len().min(size);
            let from_old = size - from_rest;
            let drop = self.tail.len() - from_old;
            self.tail.drain(..drop);
            self.tail.extend(&rest[rest.len() - from_rest..]);
        }
        budget.left -= self.kept() - kept_before;
    }

    /// The same output, keeping no more than `budget` still allows (taken from it): the head
    /// first, then the end of the tail.
    pub fn kept_within(&self, budget: &mut OutputBudget) -> BoundedOutput {
        let mut kept = BoundedOutput::with_limits(self.head_limit, self.tail_limit);
        kept.push_within(&self.head, budget);
        kept.total += self.omitted();
        let (a, b) = self.tail.as_slices();
        kept.push_within(a, budget);
        kept.push_within(b, budget);
        kept.counted = self.counted;
        kept
    }

    /// Bytes printed in all.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Bytes kept (head and tail).
    pub fn kept(&self) -> usize {
        self.head.len() + self.tail.len()
    }

    /// Bytes printed but not kept (between head and tail).
    pub fn omitted(&self) -> u64 {
        self.total - self.kept() as u64
    }

    /// Whether nothing was printed.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The text: head, a line saying how many bytes are left out (when some are), and tail.
    /// Bytes that are not UTF-8 are replaced, as `String::from_utf8_lossy` does.
    pub fn text(&self) -> String {
        let (a, b) = self.tail.as_slices();
        let omitted = self.omitted();
        if omitted == 0 {
            let whole = [self.head.as_slice(), a, b].concat();
            return String::from_utf8_lossy(&whole).into_owned();
        }
        let tail = [a, b].concat();
        let between = if self.counted {
            omission(omitted)
        } else {
            format!("\n… at least {omitted} bytes more …\n")
        };
        format!(
            "{}{between}{}",
            String::from_utf8_lossy(&self.head),
            String::from_utf8_lossy(&tail)
        )
    }
}

/// The line standing for bytes left out of an output.
pub fn omission(bytes: u64) -> String {
    format!("\n… {bytes} bytes more …\n")
}

/// `text` as it is when it fits in head and tail; else their text (a value in a daemon event,
/// a line a fake process prints).
pub fn bounded_text(text: String) -> String {
    if text.len() <= OUTPUT_HEAD + OUTPUT_TAIL {
        text
    } else {
        BoundedOutput::of(&text).text()
    }
}

impl std::fmt::Display for BoundedOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text())
    }
}

impl serde::Serialize for BoundedOutput {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_that_fits_is_kept_whole() {
        let mut out = BoundedOutput::with_limits(4, 4);
        out.push(b"abc");
        out.push(b"defgh");
        assert_eq!(out.text(), "abcdefgh");
        assert_eq!((out.total(), out.omitted()), (8, 0));
    }

    #[test]
    fn a_flood_keeps_its_head_and_tail_and_counts_the_rest() {
        let mut out = BoundedOutput::with_limits(4, 3);
        for chunk in [&b"y\ny\ny\n"[..], b"", b"0123456789", b"x", b"END"] {
            out.push(chunk);
        }
        assert_eq!(out.text(), format!("y\ny\n{}END", omission(13)));
        assert_eq!((out.total(), out.kept(), out.omitted()), (20, 7, 13));
        // One chunk larger than head and tail together.
        let mut big = BoundedOutput::with_limits(2, 2);
        big.push(&[b'z'; 1000]);
        assert_eq!(big.text(), format!("zz{}zz", omission(996)));
    }

    #[test]
    fn memory_stays_at_head_and_tail_whatever_is_pushed() {
        let mut out = BoundedOutput::new();
        let chunk = vec![b'y'; 8192];
        for _ in 0..2000 {
            out.push(&chunk);
        }
        assert_eq!(out.kept(), OUTPUT_HEAD + OUTPUT_TAIL);
        assert_eq!(out.total(), 2000 * 8192);
        assert!(out.text().len() < OUTPUT_HEAD + OUTPUT_TAIL + 64);
    }

    #[test]
    fn a_budget_limits_what_several_outputs_keep_together() {
        let mut budget = OutputBudget::new(10);
        let mut first = BoundedOutput::with_limits(4, 4);
        first.push_within(b"0123456789", &mut budget);
        assert_eq!((first.kept(), budget.left()), (8, 2));
        let mut second = BoundedOutput::with_limits(4, 4);
        second.push_within(b"abcdef", &mut budget);
        assert_eq!(second.text(), format!("ab{}", omission(4)));
        assert_eq!(budget.left(), 0);
        // A spent budget still counts, and a full tail still follows the end.
        second.push_within(b"xyz", &mut budget);
        assert_eq!((second.total(), second.kept()), (9, 2));
        first.push_within(b"END", &mut budget);
        assert_eq!(first.text(), format!("0123{}9END", omission(5)));
        assert_eq!(budget.left(), 0);
        // Kept again within what is left: the head first, then the end of the tail.
        let mut some = OutputBudget::new(6);
        let again = first.kept_within(&mut some);
        assert_eq!(again.text(), format!("0123{}ND", omission(7)));
        assert_eq!((again.total(), some.left()), (13, 0));
        let mut plenty = OutputBudget::new(100);
        assert_eq!(first.kept_within(&mut plenty), first);
    }

    #[test]
    fn logs_read_from_both_ends_say_how_much_is_left_out_at_least() {
        let mut start = BoundedOutput::with_limits(4, 4);
        start.push(b"HEAD0123456789abcdef");
        let mut end = BoundedOutput::with_limits(0, 4);
        end.push(b"xyzLAST");
        let joined = start.then_end(&end);
        assert_eq!(joined.text(), "HEAD\n… at least 12 bytes more …\nLAST");
        assert_eq!((joined.kept(), joined.omitted()), (8, 12));
        assert_eq!(bounded_text("short".into()), "short");
        let long = "y".repeat(OUTPUT_HEAD + OUTPUT_TAIL + 1);
        assert!(bounded_text(long).contains(&omission(1)));
    }

    #[test]
    fn bytes_cut_inside_a_character_are_replaced_not_an_error() {
        let mut out = BoundedOutput::with_limits(1, 1);
        out.push("éé".as_bytes());
        assert_eq!(out.text(), format!("\u{fffd}{}\u{fffd}", omission(2)));
        let mut whole = BoundedOutput::with_limits(1, 8);
        whole.push("é".as_bytes());
        assert_eq!(whole.text(), "é");
    }
}
