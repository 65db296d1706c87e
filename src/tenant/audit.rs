//! Entra directory audit rows as the tenant code needs them: each modified
//! property with the target it belongs to, values unwrapped from the
//! quoting Entra adds (`"\"True\""`, `["id"]`), and the ids a row names.
//! The event store keeps `ModifiedProperties` as JSON text
//! (`[{"target","property","old","new"}]`, see `ingest::audit`).

use crate::detect::facts::{additional_details, is_audit, is_ual, op_is, unquote};
use crate::store::EventStore;
use serde_json::Value;

/// One modified property of one target (the detectors' reading of the row).
pub type TargetChange = crate::detect::facts::Change;

/// The row's modified properties with their targets.
pub fn target_changes(store: &EventStore, row: u32) -> Vec<TargetChange> {
    crate::detect::facts::changes(store, row)
}

/// The value of the first change named `property` (any case): its new
/// value, else its old one, unwrapped from a one-item JSON array.
pub fn value_of(changes: &[TargetChange], property: &str) -> Option<String> {
    let c = changes.iter().find(|c| c.property.eq_ignore_ascii_case(property))?;
    let v = if c.new.trim().is_empty() { &c.old } else { &c.new };
    let v = first_of(v);
    (!v.is_empty()).then_some(v)
}

/// `["abc"]` → `abc`; `[true]` → `true`; other text unchanged.
pub fn first_of(text: &str) -> String {
    match serde_json::from_str::<Value>(text.trim()) {
        Ok(Value::Array(items)) => items.first().map(unquote).unwrap_or_default(),
        _ => text.trim().to_string(),
    }
}

/// A value that is itself a JSON object (a whole policy or location as
/// Entra logs it), parsed; `None` when empty or not JSON.
pub fn json_object(text: &str) -> Option<Value> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let value: Value = serde_json::from_str(text).ok()?;
    match value {
        Value::Object(_) => Some(value),
        // Some exports wrap the object in a one-item array.
        Value::Array(mut items) if items.len() == 1 && items[0].is_object() => Some(items.remove(0)),
        Value::String(inner) => json_object(&inner),
        _ => None,
    }
}

/// A directory audit row (Entra audit log, or its copy in the UAL) whose
/// activity is one of `names`.
pub fn is_audit_op(store: &EventStore, row: u32, names: &[&str]) -> bool {
    (is_audit(store, row) || is_ual(store, row)) && op_is(store, row, names)
}

/// An additional detail by key (any case).
pub fn detail(store: &EventStore, row: u32, key: &str) -> Option<String> {
    additional_details(store, row).into_iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v).filter(|v| !v.trim().is_empty())
}

/// A `Key: value` field inside Entra's bracketed text
/// (`[[Id: abc, ClientId: 111, ConsentType: Principal, Scope: Mail.Read, …]]`).
pub fn bracket_field(text: &str, key: &str) -> Option<String> {
    let needle = format!("{key}:");
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = lower.get(from..).and_then(|s| s.find(&needle.to_ascii_lowercase())) {
        let at = from + pos;
        // Whole key only: `PrincipalId` must not match inside `ServicePrincipalId`.
        let boundary = at == 0 || text.get(..at).is_some_and(|before| before.ends_with([' ', ',', '[', '{']));
        if boundary {
            let rest = text.get(at + needle.len()..)?;
            let end = rest.find([',', ']']).unwrap_or(rest.len());
            let value = rest.get(..end)?.trim();
            return (!value.is_empty()).then(|| value.to_string());
        }
        from = at + needle.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unwraps_values() {
        assert_eq!(first_of(r#"["9999-8888"]"#), "9999-8888");
        assert_eq!(first_of("[true]"), "true");
        assert_eq!(first_of("plain"), "plain");
        let text = "[] => [[Id: abc, ClientId: 5a5a, PrincipalId: , ResourceId: 0f0f, ConsentType: AllPrincipals, Scope:  Mail.ReadWrite offline_access, CreatedDateTime: ]]; ";
        assert_eq!(bracket_field(text, "ClientId").as_deref(), Some("5a5a"));
        assert_eq!(bracket_field(text, "PrincipalId"), None);
        assert_eq!(bracket_field(text, "Scope").as_deref(), Some("Mail.ReadWrite offline_access"));
        assert_eq!(bracket_field(text, "ConsentType").as_deref(), Some("AllPrincipals"));
        assert!(json_object(r#"{"id":"x","state":"enabled"}"#).is_some());
        assert!(json_object("").is_none() && json_object("[1]").is_none());
    }
}
