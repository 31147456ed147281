//! `labrunner schema`: the committed schema is the command's output, and a real JSON Schema
//! validator accepts the good labs and refuses broken ones.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_labrunner");

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn schema_output() -> String {
    let out = Command::new(BIN)
        .arg("schema")
        .output()
        .expect("run labrunner schema");
    assert_eq!(out.status.code(), Some(0));
    String::from_utf8(out.stdout).expect("utf-8")
}

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&schema_output()).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

fn yaml_as_json(text: &str) -> Value {
    let v: serde_yaml::Value = serde_yaml::from_str(text).expect("yaml");
    serde_json::to_value(v).expect("json")
}

fn fixture(rel: &str) -> String {
    std::fs::read_to_string(manifest_dir().join(rel)).expect("read fixture")
}

#[test]
fn committed_schema_is_current() {
    let committed = std::fs::read_to_string(manifest_dir().join("schema/lab.schema.json"))
        .expect("schema/lab.schema.json exists");
    assert!(
        committed == schema_output(),
        "schema/lab.schema.json is stale: run `cargo run -- schema > schema/lab.schema.json`"
    );
}

#[test]
fn schema_has_id_and_title() {
    let schema: Value = serde_json::from_str(&schema_output()).expect("json");
    assert_eq!(schema["$id"], "urn:labrunner:schema:lab:1");
    assert!(schema["title"].as_str().is_some_and(|t| t.contains("lab")));
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
}

/// The fixture labs, and the shipped labs under `labs/` where the checkout has them: what
/// `labrunner validate` accepts, an editor using the schema must accept too.
#[test]
fn good_labs_match_the_schema() {
    let v = validator();
    let mut files = labrunner_core::lab_files(&manifest_dir().join("tests/fixtures/labs"))
        .expect("fixture labs");
    assert_eq!(files.len(), 3);
    let shipped = manifest_dir().join("labs");
    if shipped.is_dir() {
        files.extend(labrunner_core::lab_files(&shipped).expect("shipped labs"));
    }
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read lab");
        let lab = yaml_as_json(&text);
        let errors: Vec<String> = v.iter_errors(&lab).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", file.display());
    }
}

#[test]
fn broken_labs_do_not_match_the_schema() {
    let v = validator();
    // Shape errors the schema can see (the lint sees more, such as undeclared resources).
    for name in [
        "unknown-key.yaml",
        "unknown-key-in-check.yaml",
        "wrong-type-minutes.yaml",
        "wrong-type-steps.yaml",
        "missing-steps.yaml",
        "missing-step-checks.yaml",
        "bad-difficulty.yaml",
        "bad-command-shape.yaml",
        "port-out-of-range.yaml",
        "format-2.yaml",
        "two-kinds.yaml",
        "no-kind.yaml",
        "invalid-lab-id.yaml",
    ] {
        let lab = yaml_as_json(&fixture(&format!("tests/fixtures/broken/{name}")));
        assert!(!v.is_valid(&lab), "{name} passed the schema");
    }
}
