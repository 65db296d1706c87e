//! Microsoft Graph PowerShell output, brought back to Graph's own shape.
//!
//! `Get-MgIdentityConditionalAccessPolicy | ConvertTo-Json` writes
//! `DisplayName`, `Conditions.Users.ExcludeUsers`, and puts properties its
//! model does not know (often `@odata.type`, or a derived type's own
//! properties such as a named location's `ipRanges`) under
//! `AdditionalProperties`. Graph's REST JSON is camelCase. An object that
//! looks like PowerShell output (an `Id` or `AdditionalProperties` key and no
//! `id`) has its keys camel-cased and `AdditionalProperties` merged in, so
//! everything downstream sees one shape.

use serde_json::{Map, Value};

/// Whether `object` looks like PowerShell SDK output.
pub fn is_powershell_shaped(object: &Map<String, Value>) -> bool {
    !object.contains_key("id") && (object.contains_key("Id") || object.contains_key("AdditionalProperties"))
}

/// Camel-case every key (recursively) and merge `AdditionalProperties`.
pub fn from_powershell(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            let mut extra = None;
            for (key, v) in map {
                if key == "AdditionalProperties" {
                    extra = Some(v);
                } else {
                    out.insert(camel(&key), from_powershell(v));
                }
            }
            // Properties the SDK could not model win: they are what Graph sent.
            if let Some(Value::Object(extra)) = extra {
                for (key, v) in extra {
                    out.insert(key, v);
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(from_powershell).collect()),
        other => other,
    }
}

/// `DisplayName` → `displayName`, `IPRanges` → `ipRanges`, `Id` → `id`.
/// Keys that already start lower-case or with `@` are kept.
fn camel(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    let run = chars.iter().take_while(|c| c.is_ascii_uppercase()).count();
    if run == 0 {
        return key.to_string();
    }
    // In `IPRanges` the run is `IPR`; its last letter starts the next word.
    let followed_by_lower = chars.get(run).is_some_and(|c| c.is_ascii_lowercase());
    let lower_up_to = if run > 1 && followed_by_lower { run - 1 } else { run };
    chars.iter().enumerate().map(|(i, c)| if i < lower_up_to { c.to_ascii_lowercase() } else { *c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn camel_cases_keys() {
        assert_eq!(camel("DisplayName"), "displayName");
        assert_eq!(camel("IPRanges"), "ipRanges");
        assert_eq!(camel("Id"), "id");
        assert_eq!(camel("@odata.type"), "@odata.type");
        assert_eq!(camel("isTrusted"), "isTrusted");
        assert_eq!(camel("URL"), "url");
    }

    #[test]
    fn merges_additional_properties() {
        let v = json!({"Id": "1", "DisplayName": "Office", "AdditionalProperties": {"@odata.type": "#microsoft.graph.ipNamedLocation", "isTrusted": true}, "Conditions": {"Users": {"ExcludeUsers": ["a"]}}});
        let map = v.as_object().expect("object");
        assert!(is_powershell_shaped(map));
        let out = from_powershell(v.clone());
        assert_eq!(out, json!({"id": "1", "displayName": "Office", "@odata.type": "#microsoft.graph.ipNamedLocation", "isTrusted": true, "conditions": {"users": {"excludeUsers": ["a"]}}}));
        assert!(!is_powershell_shaped(json!({"id": "1", "Id": "x"}).as_object().expect("object")));
    }
}
