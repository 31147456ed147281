//! `labrunner schema`: the JSON Schema of the lab format, for editors.

use std::process::ExitCode;

use serde_json::{Value, json};

use crate::lab::{CHECK_KINDS, FORMAT_VERSION, Lab};

/// The schema's identifier. Labs refer to the committed copy by a relative path
/// (`# yaml-language-server: $schema=../../schema/lab.schema.json`); this is only a name.
pub const SCHEMA_ID: &str = "urn:labrunner:schema:lab:1";

/// Pattern of lab and step ids, as `validate` checks them.
const ID_PATTERN: &str = "^[a-z0-9]+(-[a-z0-9]+)*$";

#[derive(Debug, clap::Args)]
pub struct Args {}

/// The schema as pretty JSON with a trailing newline, exactly as `schema/lab.schema.json`.
pub fn schema_json() -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(&schema_value())? + "\n")
}

/// The derived schema, tightened where the Rust types say less than the lint does.
pub fn schema_value() -> Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(Lab)).unwrap_or_default();
    schema["$id"] = json!(SCHEMA_ID);
    schema["title"] = json!(format!("labrunner lab (format {FORMAT_VERSION})"));
    schema["properties"]["format"] = json!({
        "description": "Lab format version; must be 1.",
        "const": FORMAT_VERSION,
    });
    schema["properties"]["id"]["pattern"] = json!(ID_PATTERN);
    schema["$defs"]["Step"]["properties"]["id"]["pattern"] = json!(ID_PATTERN);
    // A check has exactly one kind key.
    let one_of: Vec<Value> = CHECK_KINDS
        .iter()
        .map(|k| json!({ "required": [k] }))
        .collect();
    schema["$defs"]["Check"]["oneOf"] = Value::Array(one_of);
    schema
}

pub async fn run(_args: Args) -> anyhow::Result<ExitCode> {
    super::validate::write_stdout(&schema_json()?)?;
    Ok(ExitCode::SUCCESS)
}
