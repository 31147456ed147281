//! Any line given to the docker-command parser yields an action or an error, never a panic; an
//! action that parses is also explained, checked for dangers and renamed (as grading does).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else {
        return;
    };
    for workdir in [None, Some("/home/student/lab")] {
        if let Ok(mut action) = labrunner_core::parse_command(line, workdir) {
            let _ = action.explain();
            let _ = action.dangers(Some(Path::new("/home/student/lab")));
            let _ = action.is_read_only();
            let _ = action.resources();
            let _ = action.creates();
            action.rename(&|_, name| Some(format!("ns-{name}")));
            let _ = action.explain();
        }
    }
});
