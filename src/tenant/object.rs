//! One tenant configuration object: its kind, the id it is matched on
//! between snapshots, a name to show, the raw JSON, and where it came from.

use super::kind::ObjectKind;
use serde::Serialize;
use serde_json::Value;

/// Where an object was read: the file and its position in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceRef {
    pub file: String,
    pub position: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TenantObject {
    pub kind: ObjectKind,
    /// Graph's `id`, lower-cased when it is a GUID (exports differ in case).
    pub id: String,
    /// What the export's context says this belongs to (the domain of a
    /// federation setting, the user of a registered method).
    pub owner: Option<String>,
    /// A name to show: `displayName`, `userPrincipalName`, or the id.
    pub name: String,
    pub raw: Value,
    pub source: SourceRef,
}

impl TenantObject {
    pub fn new(kind: ObjectKind, id: String, owner: Option<String>, raw: Value, file: &str, position: &str) -> TenantObject {
        let name = display_name(&kind, &raw, owner.as_deref()).unwrap_or_else(|| id.clone());
        TenantObject { kind, id, owner, name, raw, source: SourceRef { file: file.to_string(), position: position.to_string() } }
    }

    /// A string property at a dotted path (`conditions.users.includeUsers` is
    /// not a string; `state` is).
    pub fn str_at(&self, path: &str) -> Option<&str> {
        at(&self.raw, path).and_then(Value::as_str)
    }

    pub fn bool_at(&self, path: &str) -> Option<bool> {
        at(&self.raw, path).and_then(Value::as_bool)
    }

    /// The strings of an array property (non-strings skipped).
    pub fn strings_at(&self, path: &str) -> Vec<String> {
        strings(at(&self.raw, path))
    }
}

/// The value at a dotted path of object keys.
pub fn at<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(value, |v, key| v.get(key))
}

/// The strings of an array value (non-strings skipped).
pub fn strings(value: Option<&Value>) -> Vec<String> {
    value.and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect()).unwrap_or_default()
}

/// Whether `s` is shaped like a GUID.
pub fn is_guid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { c == '-' } else { c.is_ascii_hexdigit() })
}

/// GUIDs compare case-insensitively; keep one spelling.
pub fn canonical_id(s: &str) -> String {
    if is_guid(s) {
        s.to_ascii_lowercase()
    } else {
        s.to_string()
    }
}

/// The id an object is matched on. Graph gives every entity an `id`; the
/// authentication methods policy is a singleton and a federation setting
/// exported from PowerShell may lack one, so those fall back to a fixed key
/// or the owning domain. `None` when nothing identifies the object.
pub fn identify(kind: &ObjectKind, raw: &Value, owner: Option<&str>) -> Option<String> {
    let id = raw.get("id").and_then(|v| match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    });
    if let Some(id) = id {
        return Some(canonical_id(&id));
    }
    match kind {
        ObjectKind::AuthenticationMethodsPolicy => Some("authenticationMethodsPolicy".to_string()),
        ObjectKind::FederationConfiguration => owner.map(str::to_string).or_else(|| raw.get("issuerUri").and_then(Value::as_str).map(str::to_string)),
        _ => None,
    }
}

fn display_name(kind: &ObjectKind, raw: &Value, owner: Option<&str>) -> Option<String> {
    let text = |key: &str| raw.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    match kind {
        ObjectKind::User => text("userPrincipalName").or_else(|| text("displayName")),
        ObjectKind::FederationConfiguration => {
            let base = text("displayName").or_else(|| text("issuerUri"));
            match (owner, base) {
                (Some(domain), Some(b)) => Some(format!("{domain} ({b})")),
                (Some(domain), None) => Some(domain.to_string()),
                (None, b) => b,
            }
        }
        ObjectKind::AuthenticationMethod => {
            let what = text("@odata.type").map(|t| super::kind::short_type_name(&t)).unwrap_or_else(|| "method".into());
            let detail = text("phoneNumber").or_else(|| text("displayName")).or_else(|| text("emailAddress")).or_else(|| text("model"));
            let mut name = match detail {
                Some(d) => format!("{what} {d}"),
                None => what,
            };
            if let Some(user) = owner {
                name.push_str(&format!(" of {user}"));
            }
            Some(name)
        }
        ObjectKind::AppRoleAssignment => {
            let principal = text("principalDisplayName");
            let resource = text("resourceDisplayName");
            match (principal, resource) {
                (Some(p), Some(r)) => Some(format!("{p} → {r}")),
                (p, r) => p.or(r),
            }
        }
        ObjectKind::OAuth2PermissionGrant => text("scope").map(|s| format!("grant: {s}")),
        _ => text("displayName").or_else(|| text("name")).or_else(|| text("userPrincipalName")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_and_names() {
        let user = json!({"id": "6E7B768E-07E2-4810-8459-485F84F8F204", "userPrincipalName": "a@b.c", "displayName": "A"});
        assert_eq!(identify(&ObjectKind::User, &user, None).as_deref(), Some("6e7b768e-07e2-4810-8459-485f84f8f204"));
        let obj = TenantObject::new(ObjectKind::User, "x".into(), None, user, "f", "$");
        assert_eq!(obj.name, "a@b.c");
        assert_eq!(identify(&ObjectKind::AuthenticationMethodsPolicy, &json!({}), None).as_deref(), Some("authenticationMethodsPolicy"));
        assert_eq!(identify(&ObjectKind::FederationConfiguration, &json!({"issuerUri": "http://x"}), Some("contoso.com")).as_deref(), Some("contoso.com"));
        assert_eq!(identify(&ObjectKind::ConditionalAccessPolicy, &json!({"id": null}), None), None);
        assert_eq!(identify(&ObjectKind::ConditionalAccessPolicy, &json!({"id": "  "}), None), None);
    }

    #[test]
    fn paths() {
        let v = json!({"conditions": {"users": {"excludeUsers": ["a", 1, "b"]}}, "state": "enabled"});
        let o = TenantObject::new(ObjectKind::ConditionalAccessPolicy, "p".into(), None, v, "f", "$");
        assert_eq!(o.strings_at("conditions.users.excludeUsers"), vec!["a", "b"]);
        assert_eq!(o.str_at("state"), Some("enabled"));
        assert_eq!(o.str_at("conditions.nothing.here"), None);
        assert!(is_guid("62e90394-69f5-4237-9190-012177145e10") && !is_guid("contoso.com"));
    }
}
