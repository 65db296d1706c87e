//! A tenant snapshot: configuration objects keyed by (kind, id), the files
//! they came from, and the look-ups the risk rules need (names of users,
//! apps and locations referenced by id; app roles by id).

use super::kind::ObjectKind;
use super::object::{canonical_id, TenantObject};
use super::read::{read_file, FileReport};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// Objects are matched between snapshots on this key.
pub type ObjectKey = (ObjectKind, String);

#[derive(Debug, Default)]
pub struct Snapshot {
    objects: BTreeMap<ObjectKey, TenantObject>,
    /// One report per file read (per entry for a zip).
    pub files: Vec<FileReport>,
    /// id → display name of every object, for naming things referenced by id.
    names: HashMap<String, String>,
}

impl Snapshot {
    pub fn new() -> Snapshot {
        Snapshot::default()
    }

    /// Read the given files into one snapshot.
    pub fn from_files<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Snapshot {
        let mut snapshot = Snapshot::new();
        for (name, bytes) in files {
            snapshot.add_file(name, bytes);
        }
        snapshot
    }

    /// Read one file (JSON or zip) into the snapshot. An object already read
    /// from an earlier file is kept as first read; the repeat is noted in the
    /// later file's report, with a warning when its content differs.
    pub fn add_file(&mut self, name: &str, bytes: &[u8]) {
        let read = read_file(name, bytes);
        let first_report = self.files.len();
        self.files.extend(read.reports);
        for object in read.objects {
            self.insert(object, first_report);
        }
    }

    /// Add one object built elsewhere (a name known from the audit log).
    /// An object already present is kept.
    pub fn add_object(&mut self, object: TenantObject) {
        let first_report = self.files.len();
        self.insert(object, first_report);
    }

    fn insert(&mut self, object: TenantObject, first_report: usize) {
        let key = (object.kind.clone(), object.id.clone());
        if let Some(existing) = self.objects.get(&key) {
            let same = existing.raw == object.raw;
            let note = if same {
                format!("{} {} was already read from {}; the repeat was skipped", object.kind.slug(), object.id, existing.source.file)
            } else {
                format!(
                    "{} {} ({}) differs from the copy read from {}; the first copy was kept: load one export per snapshot",
                    object.kind.slug(),
                    object.id,
                    object.source.position,
                    existing.source.file
                )
            };
            if let Some(report) = self.files.iter_mut().skip(first_report).find(|r| r.file == object.source.file) {
                if !report.notes.contains(&note) && report.notes.len() < 50 {
                    report.notes.push(note);
                }
            }
            return;
        }
        self.names.entry(object.id.clone()).or_insert_with(|| object.name.clone());
        for (id, name) in expanded_names(&object) {
            self.names.entry(id).or_insert(name);
        }
        // Tool reports name what they link (`clientDisplayName` beside
        // `clientId`), often with no export of the linked object itself.
        for (id_key, name_key) in [("principalId", "principalDisplayName"), ("clientId", "clientDisplayName"), ("resourceId", "resourceDisplayName")] {
            if let (Some(id), Some(name)) = (object.str_at(id_key), object.str_at(name_key).filter(|n| !n.trim().is_empty())) {
                self.names.entry(canonical_id(id)).or_insert_with(|| name.to_string());
            }
        }
        if let ObjectKind::ServicePrincipal | ObjectKind::Application = object.kind {
            // Grants and assignments name apps by object id, requiredResourceAccess by appId.
            if let Some(app_id) = object.str_at("appId") {
                self.names.entry(canonical_id(app_id)).or_insert_with(|| object.name.clone());
            }
        }
        self.objects.insert(key, object);
    }

    pub fn get(&self, kind: &ObjectKind, id: &str) -> Option<&TenantObject> {
        self.objects.get(&(kind.clone(), canonical_id(id)))
    }

    /// All objects, grouped by kind then id.
    pub fn objects(&self) -> impl Iterator<Item = &TenantObject> {
        self.objects.values()
    }

    pub fn of_kind<'s>(&'s self, kind: &'s ObjectKind) -> impl Iterator<Item = &'s TenantObject> + 's {
        self.objects.values().filter(move |o| &o.kind == kind)
    }

    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// Whether the snapshot speaks for this kind: it holds objects of it, or
    /// a file listed its (possibly empty) collection.
    pub fn covers(&self, kind: &ObjectKind) -> bool {
        self.of_kind(kind).next().is_some() || self.files.iter().any(|f| f.covers.contains(kind.slug()))
    }

    /// Objects per kind (`user` → 40).
    pub fn counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for o in self.objects.values() {
            *counts.entry(o.kind.slug().to_string()).or_insert(0) += 1;
        }
        counts
    }

    /// The display name of whatever has this id (object id or appId).
    pub fn name_of(&self, id: &str) -> Option<&str> {
        self.names.get(&canonical_id(id)).map(String::as_str)
    }

    /// The service principal of an app (by its appId).
    pub fn service_principal_for_app(&self, app_id: &str) -> Option<&TenantObject> {
        let app_id = canonical_id(app_id);
        self.of_kind(&ObjectKind::ServicePrincipal).find(|sp| sp.str_at("appId").map(canonical_id).as_deref() == Some(app_id.as_str()))
    }

    /// The value (`Mail.Read`) of app role `role_id` on the service principal
    /// `resource_id`, from that principal's `appRoles`.
    pub fn app_role_value(&self, resource_id: &str, role_id: &str) -> Option<String> {
        let sp = self.get(&ObjectKind::ServicePrincipal, resource_id)?;
        role_in(&sp.raw, "appRoles", role_id)
    }

    /// The value of delegated scope or app role `permission_id` that the API
    /// with appId `resource_app_id` defines, from its service principal.
    pub fn permission_value(&self, resource_app_id: &str, permission_id: &str, is_role: bool) -> Option<String> {
        let sp = self.service_principal_for_app(resource_app_id)?;
        role_in(&sp.raw, if is_role { "appRoles" } else { "oauth2PermissionScopes" }, permission_id)
    }
}

fn role_in(raw: &Value, list: &str, id: &str) -> Option<String> {
    let id = canonical_id(id);
    raw.get(list)?
        .as_array()?
        .iter()
        .find(|r| r.get("id").and_then(Value::as_str).map(canonical_id).as_deref() == Some(id.as_str()))
        .and_then(|r| r.get("value").and_then(Value::as_str))
        .map(str::to_string)
}

/// Names an object carries for others: a role assignment or eligibility
/// read with `$expand=principal` (or `-ExpandProperty Principal`) holds the
/// user, group or app it grants to, and with `$expand=roleDefinition` the
/// role. Without them the assignment names its principal by object id only.
fn expanded_names(object: &TenantObject) -> Vec<(String, String)> {
    if !matches!(object.kind, ObjectKind::RoleAssignment | ObjectKind::RoleEligibility) {
        return Vec::new();
    }
    let text = |path: &str| object.str_at(path).map(str::trim).filter(|s| !s.is_empty());
    let mut names = Vec::new();
    let principal_id = text("principal.id").or_else(|| text("principalId"));
    let principal_name = text("principal.userPrincipalName").or_else(|| text("principal.displayName")).or_else(|| text("principal.appDisplayName"));
    if let (Some(id), Some(name)) = (principal_id, principal_name) {
        names.push((canonical_id(id), name.to_string()));
    }
    let role_id = text("roleDefinition.id").or_else(|| text("roleDefinitionId"));
    if let (Some(id), Some(name)) = (role_id, text("roleDefinition.displayName")) {
        names.push((canonical_id(id), name.to_string()));
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_keep_the_first_and_say_so() {
        let a = br#"{"value":[{"id":"contoso.com","authenticationType":"Managed","isVerified":true}]}"#;
        let b = br#"{"value":[{"id":"contoso.com","authenticationType":"Federated","isVerified":true}]}"#;
        let s = Snapshot::from_files([("a.json", &a[..]), ("b.json", &b[..])]);
        assert_eq!(s.len(), 1);
        assert_eq!(s.get(&ObjectKind::Domain, "contoso.com").and_then(|d| d.str_at("authenticationType")), Some("Managed"));
        assert!(s.files[1].notes.iter().any(|n| n.contains("differs")));
    }

    #[test]
    fn names_and_app_roles() {
        let sp = br#"[{"id":"5B2A1E53-0000-4000-8000-000000000001","appId":"00000003-0000-0000-c000-000000000000","displayName":"Microsoft Graph","servicePrincipalType":"Application",
            "appRoles":[{"id":"e2a3a72e-5f79-4c64-b1b1-878b674786c9","value":"Mail.ReadWrite"}],"oauth2PermissionScopes":[{"id":"570282fd-fa5c-430d-a7fd-fc8dc98a9dca","value":"Mail.Read"}]}]"#;
        let s = Snapshot::from_files([("sp.json", &sp[..])]);
        assert_eq!(s.name_of("5b2a1e53-0000-4000-8000-000000000001"), Some("Microsoft Graph"));
        assert_eq!(s.name_of("00000003-0000-0000-C000-000000000000"), Some("Microsoft Graph"));
        assert_eq!(s.app_role_value("5b2a1e53-0000-4000-8000-000000000001", "E2A3A72E-5F79-4C64-B1B1-878B674786C9").as_deref(), Some("Mail.ReadWrite"));
        assert_eq!(s.permission_value("00000003-0000-0000-c000-000000000000", "570282fd-fa5c-430d-a7fd-fc8dc98a9dca", false).as_deref(), Some("Mail.Read"));
        assert_eq!(s.counts().get("servicePrincipal"), Some(&1));
    }
}
