//! The JSON Schema of the lab format, for editors (`labrunner schema`).

use serde_json::{Value, json};

use crate::lab::{CHECK_KINDS, FORMAT_VERSION, Lab};
use crate::validate::ID_PATTERN;

/// The schema's identifier. Labs refer to the committed copy by a relative path
/// (`# yaml-language-server: $schema=../../schema/lab.schema.json`); this is only a name.
pub const SCHEMA_ID: &str = "urn:labrunner:schema:lab:1";

/// The schema as pretty JSON with a trailing newline, exactly as `schema/lab.schema.json`.
pub fn schema_json() -> Result<String, serde_json::Error> {
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

#[cfg(test)]
mod tests {
    use regex::Regex;

    use crate::validate::{ID_PATTERN, is_valid_id};

    /// The schema's pattern and `validate`'s rule are the same rule.
    #[test]
    fn id_pattern_agrees_with_the_lint() {
        let re = Regex::new(ID_PATTERN).unwrap();
        for id in [
            "a", "ab-c", "a1-2b", "", "-a", "a-", "a--b", "A", "a_b", "a b", "é", "1", "a-b-c",
        ] {
            assert_eq!(re.is_match(id), is_valid_id(id), "{id:?}");
        }
    }
}
