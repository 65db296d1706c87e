//! Property-level difference of two versions of one object, semantic rather
//! than textual:
//!
//! - a missing property, `null`, `[]` and `{}` are the same (exports differ
//!   in whether they write empty values);
//! - arrays of scalars are sets: `includeUsers` in another order is no change;
//! - arrays of objects that carry an identity (`id`, `keyId`,
//!   `resourceAppId`) are matched on it, so one new credential shows as
//!   `passwordCredentials[keyId=…]` added, not as the whole array changed;
//!   other arrays of objects compare as unordered collections;
//! - volatile properties (`modifiedDateTime`, `@odata.*` annotations other
//!   than `@odata.type`, sign-in activity) are set aside: they are reported
//!   only when nothing else changed, so "touched but not changed" is still
//!   visible without burying real changes.

use serde::Serialize;
use serde_json::Value;

/// One property that differs. `old`/`new` are `null` when absent.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PropertyChange {
    /// Dotted path; array members matched by identity read `list[key=value]`.
    pub path: String,
    pub old: Value,
    pub new: Value,
}

/// Properties whose change says nothing about configuration.
const VOLATILE: [&str; 7] =
    ["modifiedDateTime", "lastModifiedDateTime", "signInActivity", "onPremisesLastSyncDateTime", "lastRunDateTime", "lastUsedDateTime", "deletedDateTime"];

fn is_volatile(key: &str) -> bool {
    VOLATILE.contains(&key) || (key.contains("@odata.") && key != "@odata.type")
}

/// Keys that identify members of an array of objects, in order of preference.
const MEMBER_KEYS: [&str; 3] = ["id", "keyId", "resourceAppId"];

/// The differences between two versions: `(changes, volatile_changes)`.
pub fn diff(old: &Value, new: &Value) -> (Vec<PropertyChange>, Vec<PropertyChange>) {
    let mut out = Diff::default();
    out.walk("", old, new, false);
    (out.changes, out.volatile)
}

/// Whether a value counts as absent.
pub fn is_absent(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

#[derive(Default)]
struct Diff {
    changes: Vec<PropertyChange>,
    volatile: Vec<PropertyChange>,
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

const NULL: Value = Value::Null;

impl Diff {
    fn push(&mut self, path: String, old: &Value, new: &Value, volatile: bool) {
        let change = PropertyChange { path, old: old.clone(), new: new.clone() };
        if volatile {
            self.volatile.push(change);
        } else {
            self.changes.push(change);
        }
    }

    fn walk(&mut self, path: &str, old: &Value, new: &Value, volatile: bool) {
        if is_absent(old) && is_absent(new) {
            return;
        }
        match (old, new) {
            (Value::Object(a), Value::Object(b)) => {
                let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
                keys.sort();
                keys.dedup();
                for key in keys {
                    let (x, y) = (a.get(key).unwrap_or(&NULL), b.get(key).unwrap_or(&NULL));
                    self.walk(&join(path, key), x, y, volatile || is_volatile(key));
                }
            }
            (Value::Array(a), Value::Array(b)) => self.arrays(path, a, b, volatile),
            _ if is_absent(old) && new.is_array() => self.arrays(path, &[], new.as_array().map_or(&[][..], Vec::as_slice), volatile),
            _ if is_absent(new) && old.is_array() => self.arrays(path, old.as_array().map_or(&[][..], Vec::as_slice), &[], volatile),
            _ if old == new => {}
            _ => self.push(path.to_string(), old, new, volatile),
        }
    }

    fn arrays(&mut self, path: &str, a: &[Value], b: &[Value], volatile: bool) {
        let all = || a.iter().chain(b.iter());
        if all().all(|v| !v.is_object() && !v.is_array()) {
            if sorted_texts(a) != sorted_texts(b) {
                self.push(path.to_string(), &Value::Array(a.to_vec()), &Value::Array(b.to_vec()), volatile);
            }
            return;
        }
        if let Some(key) = member_key(a, b) {
            let (left, right) = (keyed(a, key), keyed(b, key));
            for (k, shown, x) in &left {
                let y = right.iter().find(|(kb, _, _)| kb == k).map_or(&NULL, |(_, _, v)| *v);
                self.walk(&format!("{path}[{key}={shown}]"), x, y, volatile);
            }
            for (k, shown, y) in &right {
                if !left.iter().any(|(ka, _, _)| ka == k) {
                    self.walk(&format!("{path}[{key}={shown}]"), &NULL, y, volatile);
                }
            }
            return;
        }
        if sorted_texts(a) != sorted_texts(b) {
            self.push(path.to_string(), &Value::Array(a.to_vec()), &Value::Array(b.to_vec()), volatile);
        }
    }
}

/// Canonical texts of the members, sorted: equal for the same members in any order.
fn sorted_texts(items: &[Value]) -> Vec<String> {
    let mut texts: Vec<String> = items.iter().map(|v| match v {
        Value::String(s) => s.to_ascii_lowercase(),
        other => other.to_string(),
    }).collect();
    texts.sort();
    texts
}

/// The identity key every member of both arrays has, unique within each.
fn member_key(a: &[Value], b: &[Value]) -> Option<&'static str> {
    MEMBER_KEYS.into_iter().find(|key| {
        [a, b].iter().all(|side| {
            let ids: Vec<String> = side.iter().filter_map(|v| member_id(v, key)).collect();
            let mut unique = ids.clone();
            unique.sort();
            unique.dedup();
            ids.len() == side.len() && unique.len() == ids.len()
        })
    })
}

/// A member's identity as written (`None` without one).
fn member_id_shown(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A member's identity for matching (GUIDs and ids in any case match).
fn member_id(v: &Value, key: &str) -> Option<String> {
    member_id_shown(v, key).map(|s| s.to_ascii_lowercase())
}

/// (identity for matching, identity as written, member).
fn keyed<'v>(items: &'v [Value], key: &str) -> Vec<(String, String, &'v Value)> {
    items.iter().filter_map(|v| member_id_shown(v, key).map(|shown| (shown.to_ascii_lowercase(), shown, v))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(old: Value, new: Value) -> Vec<String> {
        diff(&old, &new).0.into_iter().map(|c| c.path).collect()
    }

    #[test]
    fn scalar_arrays_are_sets_and_empties_are_absent() {
        assert!(paths(json!({"u": ["a", "b"]}), json!({"u": ["b", "a"]})).is_empty());
        assert!(paths(json!({"u": [], "x": null}), json!({"y": {}})).is_empty());
        assert_eq!(paths(json!({"c": {"u": ["a"]}}), json!({"c": {"u": ["a", "b"]}})), vec!["c.u"]);
        assert!(paths(json!({"u": ["ABC"]}), json!({"u": ["abc"]})).is_empty(), "GUID case is not a change");
    }

    #[test]
    fn keyed_members_are_matched() {
        let old = json!({"passwordCredentials": [{"keyId": "k1", "displayName": "old"}]});
        let new = json!({"passwordCredentials": [{"keyId": "k2", "displayName": "backdoor"}, {"keyId": "k1", "displayName": "old"}]});
        let (changes, _) = diff(&old, &new);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].path, "passwordCredentials[keyId=k2]");
        assert_eq!(changes[0].old, Value::Null);
        let m = json!({"authenticationMethodConfigurations": [{"id": "Sms", "state": "disabled"}]});
        let n = json!({"authenticationMethodConfigurations": [{"id": "Sms", "state": "enabled"}]});
        assert_eq!(paths(m, n), vec!["authenticationMethodConfigurations[id=Sms].state"]);
    }

    #[test]
    fn volatile_set_aside() {
        let (changes, volatile) = diff(&json!({"state": "enabled", "modifiedDateTime": "1"}), &json!({"state": "enabled", "modifiedDateTime": "2", "@odata.etag": "x"}));
        assert!(changes.is_empty());
        assert_eq!(volatile.len(), 2);
        let (changes, _) = diff(&json!({"@odata.type": "#a"}), &json!({"@odata.type": "#b"}));
        assert_eq!(changes.len(), 1);
    }

    #[test]
    fn unkeyed_object_arrays_compare_unordered() {
        assert!(paths(json!({"r": [{"a": 1}, {"b": 2}]}), json!({"r": [{"b": 2}, {"a": 1}]})).is_empty());
        assert_eq!(paths(json!({"r": [{"a": 1}]}), json!({"r": [{"a": 2}]})), vec!["r"]);
        assert_eq!(paths(json!({"s": "x"}), json!({"s": 1})), vec!["s"]);
    }
}
