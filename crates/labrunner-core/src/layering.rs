//! The core stays a DAG: every `crate::` path a module uses points down the layer order written
//! once in `docs/architecture.md` (the `layers` block).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// The declared order, bottom first: each module with its position.
fn declared_order() -> BTreeMap<String, usize> {
    let doc = root().join("../../docs/architecture.md");
    let text = std::fs::read_to_string(&doc).expect("docs/architecture.md is readable");
    let block = text
        .split("```layers\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/architecture.md has a ```layers block");
    let mut order = BTreeMap::new();
    for line in block.lines() {
        for module in line.split_whitespace().skip(1) {
            let at = order.len();
            assert!(
                order.insert(module.to_string(), at).is_none(),
                "{module} is listed twice in the layers block"
            );
        }
    }
    order
}

/// Every non-test source file of the core, with the top-level module it belongs to.
fn sources() -> Vec<(String, PathBuf)> {
    let src = root().join("src");
    let mut out = Vec::new();
    let mut dirs = vec![src.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            let is_test = name == "tests.rs" || name.ends_with("_tests.rs");
            if !name.ends_with(".rs") || is_test || path.parent() == Some(&src) && name == "lib.rs"
            {
                continue;
            }
            let rel = path.strip_prefix(&src).expect("under src");
            let first = rel.components().next().expect("a path");
            let module = first
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string();
            if module != "layering" {
                out.push((module, path));
            }
        }
    }
    out.sort();
    out
}

/// The code of a file without its comments and its `#[cfg(test)] mod tests { ... }`.
fn code(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let t = line.trim_start();
        if t.starts_with("//") {
            continue;
        }
        if t.starts_with("#[cfg(test)]") {
            // The attributed item: skip it whole (a block by its braces, or one line).
            let mut depth = 0i32;
            for item in lines.by_ref() {
                depth += item.matches('{').count() as i32 - item.matches('}').count() as i32;
                if depth <= 0 && (item.trim_end().ends_with(';') || item.trim_end().ends_with('}'))
                {
                    break;
                }
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The top-level modules a piece of code names through `crate::` (`crate::a::X`,
/// `crate::{a::X, b}`).
fn used(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        if code[..at].ends_with('$') {
            continue;
        }
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut start = true;
            let mut word = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 1 => start = true,
                    _ => {}
                }
                if depth == 0 {
                    break;
                }
                if start && depth == 1 && (c.is_alphanumeric() || c == '_') {
                    word.push(c);
                } else if !word.is_empty() {
                    found.push(std::mem::take(&mut word));
                    start = false;
                }
            }
        } else {
            let word: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.push(word);
        }
    }
    found.retain(|w| w != "self" && !w.is_empty());
    found
}

/// Every `crate::` path of `code` that names a module at or above `module` in `order`.
fn upward(module: &str, code: &str, order: &BTreeMap<String, usize>) -> Vec<String> {
    let Some(&mine) = order.get(module) else {
        return vec![format!(
            "{module} is not in the layers block of docs/architecture.md"
        )];
    };
    used(code)
        .into_iter()
        .filter(|used| used != module)
        .filter_map(|used| match order.get(&used) {
            Some(&theirs) if theirs < mine => None,
            Some(_) => Some(format!("uses `crate::{used}`, which is not below {module}")),
            // Not a module (a macro or an item of lib.rs).
            None => None,
        })
        .collect()
}

#[test]
fn every_core_import_points_down_the_declared_layers() {
    let order = declared_order();
    let mut wrong = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (module, path) in sources() {
        let text = std::fs::read_to_string(&path).expect("a source file is readable");
        for problem in upward(&module, &code(&text), &order) {
            let shown = path.strip_prefix(root()).unwrap_or(&path);
            wrong.push(format!("{}: {problem}", shown.display()));
        }
        seen.insert(module);
    }
    for module in order.keys().filter(|m| !seen.contains(*m)) {
        wrong.push(format!(
            "{module} is in the layers block but is no module of the core"
        ));
    }
    wrong.sort();
    wrong.dedup();
    assert!(
        wrong.is_empty(),
        "imports against the layer order of docs/architecture.md:\n  {}",
        wrong.join("\n  ")
    );
}

#[test]
fn an_upward_import_is_found() {
    let order: BTreeMap<String, usize> = [("lab", 0), ("engine", 1), ("runner", 2)]
        .into_iter()
        .map(|(m, i)| (m.to_string(), i))
        .collect();
    let code = code(
        "use crate::lab::Lab;\nuse crate::{runner::LabRun, lab};\n// crate::runner in a comment\n#[cfg(test)]\nmod tests {\n    use crate::runner::X;\n}\n",
    );
    assert_eq!(
        upward("engine", &code, &order),
        vec!["uses `crate::runner`, which is not below engine".to_string()]
    );
    assert!(upward("runner", &code, &order).is_empty());
    assert_eq!(
        upward("lab", "fn f() { crate::engine::go() }", &order).len(),
        1
    );
}
