//! Any text given to the lab loader yields a lab or diagnostics, never a panic; a lab that loads
//! is linted too (the same path `labrunner validate` takes).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("fuzz.yaml");
    if let Ok(loaded) = labrunner_core::load_str(path, text) {
        let index = labrunner_core::PositionIndex::build(text);
        let _ = labrunner_core::lint_lab(&loaded, &index);
    }
});
