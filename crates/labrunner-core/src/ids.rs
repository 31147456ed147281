//! Small shared rules: random ids for runs and namespaces, the clock events are stamped with, and
//! the text of a caught panic.

/// `len` random lowercase letters and digits.
pub fn random_id(len: usize) -> String {
    (0..len)
        .map(|_| {
            let n = fastrand::u8(0..36);
            char::from_digit(u32::from(n), 36).unwrap_or('0')
        })
        .collect()
}

/// A short random id for a run: 8 lowercase letters and digits.
pub fn new_run_id() -> String {
    random_id(8)
}

/// The current time in nanoseconds since the Unix epoch (the daemon's event timestamps).
pub fn now_ns() -> i64 {
    chrono::Utc::now().timestamp_nanos_opt().unwrap_or(i64::MAX)
}

/// The message a caught panic carries (`panic!("...")` gives a `&str` or a `String`).
pub fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "panic".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_short_lowercase_and_differ() {
        let a = new_run_id();
        assert_eq!(a.len(), 8);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
        let many: std::collections::HashSet<String> = (0..1000).map(|_| random_id(8)).collect();
        assert_eq!(many.len(), 1000);
    }

    #[test]
    fn panic_messages_are_read() {
        let p = std::panic::catch_unwind(|| panic!("boom {}", 1)).unwrap_err();
        assert_eq!(panic_text(p.as_ref()), "boom 1");
        let p = std::panic::catch_unwind(|| panic!("static")).unwrap_err();
        assert_eq!(panic_text(p.as_ref()), "static");
    }
}
