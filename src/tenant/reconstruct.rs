//! Configuration changes rebuilt from the Entra audit log, for the usual
//! case where no baseline snapshot exists. Each record's modified
//! properties (old and new values) are turned back into the two versions
//! of the object they describe, and those go through the same risk rules
//! as the baseline diff (`diff::compare_versions`), so a policy switched to
//! report-only reads the same whether two snapshots or one log line showed
//! it. Every change keeps the rows it came from, for the timeline.
//!
//! Covered: Conditional Access policies (added, updated, deleted), named
//! locations, credentials added to apps, directory role members, domain
//! authentication and federation settings, and the authentication methods
//! policy. A record whose values do not say enough is still listed, with a
//! reason that says what is missing.

use super::audit::{first_of, json_object, target_changes, value_of, TargetChange};
use super::diff::{compare_versions, ChangeKind, ObjectChange};
use super::kind::ObjectKind;
use super::normalize::{from_powershell, is_powershell_shaped};
use super::object::{canonical_id, TenantObject};
use super::rules::Risk;
use super::snapshot::Snapshot;
use crate::detect::facts::{op_is, rows_with_op};
use crate::detect::{Context, Severity};
use crate::model::{attr, format_utc, Source, TimeMs};
use crate::store::EventStore;
use serde_json::{json, Map, Value};

/// One change and the audit rows that show it.
#[derive(Clone, Debug, PartialEq)]
pub struct LoggedChange {
    pub change: ObjectChange,
    /// Rows in the event store (the timeline links to them).
    pub rows: Vec<u32>,
    pub time: TimeMs,
    pub actor: String,
    pub operation: String,
}

impl LoggedChange {
    pub fn time_text(&self) -> String {
        format_utc(self.time)
    }
}

const CA_OPS: [&str; 3] = ["Add conditional access policy", "Update conditional access policy", "Delete conditional access policy"];
const LOCATION_OPS: [&str; 3] = ["Add named location", "Update named location", "Delete named location"];
const CREDENTIAL_OPS: [&str; 5] = [
    "Update application – Certificates and secrets management",
    "Update application - Certificates and secrets management",
    "Add service principal credentials",
    "Update application",
    "Update service principal",
];
const ROLE_ADD_OPS: [&str; 7] = [
    "Add member to role",
    "Add eligible member to role",
    "Add scoped member to role",
    "Add member to role completed (PIM activation)",
    "Add member to role in PIM completed (permanent)",
    "Add member to role in PIM completed (timebound)",
    "Add eligible member to role in PIM completed (permanent)",
];
const DOMAIN_OPS: [&str; 4] = ["Set domain authentication", "Set federation settings on domain", "Set domain federation settings", "Update domain"];
const AUTH_METHOD_OPS: [&str; 3] = ["Authentication Methods Policy Update", "Update authentication methods policy", "Authentication Methods Policy Reset"];

/// Rebuild every change the log shows. `snapshot`, when loaded, names the
/// ids the records use; `context` raises changes a suspect made in the
/// compromise window.
pub fn reconstruct(store: &EventStore, snapshot: Option<&Snapshot>, context: Option<&Context>) -> Vec<LoggedChange> {
    let empty = Snapshot::new();
    let current = snapshot.unwrap_or(&empty);
    let has_entra = (0..store.len() as u32).any(|r| store.source(r) == Source::DirectoryAudit);
    let mut names = Snapshot::new();
    // (row, old, new, a risk the values alone cannot give)
    let mut pending: Vec<Pending> = Vec::new();
    // Only rows of the operations below can build a version: the names are
    // matched once against the store's dictionary, and the modified
    // properties are parsed for those rows alone.
    let any_op = [&CA_OPS[..], &LOCATION_OPS[..], &CREDENTIAL_OPS[..], &ROLE_ADD_OPS[..], &DOMAIN_OPS[..], &AUTH_METHOD_OPS[..]].concat();
    for row in rows_with_op(store, &any_op) {
        let source = store.source(row);
        // The UAL repeats Entra records; read it only when the Entra log is absent.
        if !(source == Source::DirectoryAudit || (!has_entra && source == Source::UnifiedAudit)) {
            continue;
        }
        let changes = target_changes(store, row);
        let built = if op_is(store, row, &CA_OPS) {
            policy_versions(store, row, &changes, ObjectKind::ConditionalAccessPolicy, "ConditionalAccessPolicy")
        } else if op_is(store, row, &LOCATION_OPS) {
            policy_versions(store, row, &changes, ObjectKind::NamedLocation, "NamedLocation").map(|(o, n, r)| (o.map(location_shape), n.map(location_shape), r))
        } else if op_is(store, row, &CREDENTIAL_OPS) {
            credential_versions(store, row, &changes)
        } else if op_is(store, row, &ROLE_ADD_OPS) {
            role_versions(store, row, &changes, &mut names)
        } else if op_is(store, row, &DOMAIN_OPS) {
            domain_versions(store, row, &changes)
        } else if op_is(store, row, &AUTH_METHOD_OPS) {
            auth_method_versions(&changes)
        } else {
            None
        };
        if let Some((old, new, extra)) = built {
            pending.push((row, old.map(|v| object(store, row, v.0, v.1)), new.map(|v| object(store, row, v.0, v.1)), extra));
        }
    }
    let mut out: Vec<LoggedChange> = Vec::new();
    for (row, old, new, extra) in pending {
        let Some(mut change) = compare_versions(old.as_ref(), new.as_ref(), &names, current) else { continue };
        if let Some(r) = extra {
            change.risks.push(r);
        }
        let actor = store.actor(row).to_string();
        let time = store.time(row);
        if let Some(ctx) = context {
            if ctx.is_suspect(&actor) && ctx.in_window(time) {
                let level = change.risk.max(Severity::Medium).raised();
                change.risks.push(Risk::new(level, format!("made by suspect account {actor} inside the compromise window")));
            } else if ctx.is_indicator_ip(store.ip(row)) {
                change.risks.push(Risk::new(change.risk.max(Severity::Medium).raised(), format!("made from marked attacker address {}", store.ip(row))));
            }
        }
        change.risks.sort_by_key(|r| std::cmp::Reverse(r.level));
        change.risk = change.risks.first().map_or(change.risk, |r| r.level);
        // Several records of one operation about one object are one change.
        let corr = store.attr(row, attr::CORRELATION_ID).unwrap_or("").to_string();
        let same = out.iter_mut().find(|c| {
            !corr.is_empty()
                && c.change.kind == change.kind
                && c.change.id == change.id
                && c.rows.first().and_then(|r| store.attr(*r, attr::CORRELATION_ID)).is_some_and(|x| x == corr)
        });
        match same {
            Some(existing) => {
                existing.rows.push(row);
                if change.risk > existing.change.risk {
                    existing.change = change;
                }
            }
            None => out.push(LoggedChange { change, rows: vec![row], time, actor, operation: store.operation(row).trim_end_matches('.').to_string() }),
        }
    }
    out.sort_by(|a, b| b.change.risk.cmp(&a.change.risk).then_with(|| a.time.cmp(&b.time)));
    out
}

/// A record's two versions, built, waiting for the names every record gives.
type Pending = (u32, Option<TenantObject>, Option<TenantObject>, Option<Risk>);

/// A version: the kind and the raw object.
type Version = (ObjectKind, Value);
type Versions = (Option<Version>, Option<Version>, Option<Risk>);

/// An object from a rebuilt version: its id from the value, else the
/// record's target id, else the target's name.
fn object(store: &EventStore, row: u32, kind: ObjectKind, mut raw: Value) -> TenantObject {
    let target_id = store.attr(row, attr::TARGET_ID).filter(|t| !t.is_empty()).map(str::to_string);
    let target = store.target(row).to_string();
    if let Value::Object(map) = &mut raw {
        if !map.get("id").and_then(Value::as_str).is_some_and(|s| !s.is_empty()) {
            map.insert("id".into(), Value::String(target_id.clone().unwrap_or_else(|| target.clone())));
        }
        if kind != ObjectKind::Domain && !map.contains_key("displayName") && !target.is_empty() {
            map.insert("displayName".into(), Value::String(target.clone()));
        }
    }
    let id = raw.get("id").and_then(Value::as_str).map(canonical_id).unwrap_or_default();
    let file = format!("audit log row {row}");
    TenantObject::new(kind, id, None, raw, &file, &format_utc(store.time(row)))
}

/// Graph's casing whether the log wrote camelCase or PascalCase.
fn graph_shape(value: Value) -> Value {
    match value.as_object() {
        Some(map) if is_powershell_shaped(map) || map.keys().any(|k| k.starts_with(|c: char| c.is_ascii_uppercase())) => from_powershell(value),
        _ => value,
    }
}

/// Policies and locations: the whole object as JSON in the old and new
/// values of one property (`ConditionalAccessPolicy`, `NamedLocation`), or
/// of whichever property holds an object.
fn policy_versions(store: &EventStore, row: u32, changes: &[TargetChange], kind: ObjectKind, property: &str) -> Option<Versions> {
    let change = changes.iter().find(|c| c.property.eq_ignore_ascii_case(property)).or_else(|| changes.iter().find(|c| json_object(&c.new).is_some() || json_object(&c.old).is_some()));
    let old = change.and_then(|c| json_object(&c.old)).map(graph_shape);
    let new = change.and_then(|c| json_object(&c.new)).map(graph_shape);
    let op = store.operation(row).to_ascii_lowercase();
    match (old, new) {
        (None, None) => {
            // Nothing to compare: list the record with what it says.
            let what = if op.starts_with("delete") { "deleted" } else if op.starts_with("add") { "added" } else { "changed" };
            let level = if op.starts_with("delete") && kind == ObjectKind::ConditionalAccessPolicy { Severity::High } else { Severity::Medium };
            let reason = format!("{} '{}' {what}; the record holds no old or new values to compare", kind.label(), store.target(row));
            let stub = json!({"displayName": store.target(row)});
            let (o, n) = if op.starts_with("delete") { (Some((kind.clone(), stub)), None) } else { (None, Some((kind.clone(), stub))) };
            Some((o, n, Some(Risk::new(level, reason))))
        }
        (o, n) if op.starts_with("delete") => Some((o.or(n).map(|v| (kind, v)), None, None)),
        (o, n) => Some((o.map(|v| (kind.clone(), v)), n.map(|v| (kind, v)), None)),
    }
}

/// A named location as the audit log writes it, in Graph's shape:
/// `ipRanges` as `{cidrAddress}` objects, `isTrusted` from `categories`.
fn location_shape(version: Version) -> Version {
    let (kind, mut raw) = version;
    if let Value::Object(map) = &mut raw {
        let plain: Option<Vec<Value>> = ["ipRanges", "cidrIpRanges", "ips"].iter().find_map(|k| map.get(*k).and_then(Value::as_array).cloned());
        if let Some(items) = plain {
            let ranges: Vec<Value> = items
                .into_iter()
                .filter_map(|r| match r {
                    Value::String(s) => Some(json!({"cidrAddress": s})),
                    obj @ Value::Object(_) => Some(obj),
                    _ => None,
                })
                .collect();
            map.insert("ipRanges".into(), Value::Array(ranges));
        }
        let trusted_category = map.get("categories").and_then(Value::as_array).is_some_and(|c| c.iter().any(|v| v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("trusted"))));
        if trusted_category {
            map.insert("isTrusted".into(), Value::Bool(true));
        }
        if let Some(countries) = map.get("countryCodes").cloned() {
            map.entry("countriesAndRegions").or_insert(countries);
        }
    }
    (kind, raw)
}

/// `[KeyIdentifier=…,KeyType=Password,KeyUsage=Verify,DisplayName=…]…` →
/// credential objects, split by type.
fn key_descriptions(text: &str) -> (Vec<Value>, Vec<Value>) {
    let mut passwords = Vec::new();
    let mut keys = Vec::new();
    for part in text.split('[').map(|p| p.trim_matches(|c: char| c == ']' || c == '"' || c == ',' || c.is_whitespace())).filter(|p| !p.is_empty()) {
        let mut fields = Map::new();
        for pair in part.split(',') {
            if let Some((k, v)) = pair.split_once('=') {
                fields.insert(k.trim().to_ascii_lowercase(), Value::String(v.trim().trim_end_matches(']').to_string()));
            }
        }
        let Some(key_id) = fields.get("keyidentifier").and_then(Value::as_str).map(str::to_string) else { continue };
        let name = fields.get("displayname").and_then(Value::as_str).unwrap_or("").to_string();
        let credential = json!({"keyId": key_id, "displayName": name});
        if fields.get("keytype").and_then(Value::as_str).is_some_and(|t| t.eq_ignore_ascii_case("Password")) {
            passwords.push(credential);
        } else {
            keys.push(credential);
        }
    }
    (passwords, keys)
}

/// Credentials added to an app registration or service principal. Without
/// a `KeyDescription` the record still shows a credential was added: one
/// unnamed credential stands for it.
fn credential_versions(store: &EventStore, row: u32, changes: &[TargetChange]) -> Option<Versions> {
    let key_change = changes.iter().find(|c| c.property.eq_ignore_ascii_case("KeyDescription"));
    let federated = changes.iter().find(|c| c.property.eq_ignore_ascii_case("FederatedIdentityCredentials"));
    let plain_update = op_is(store, row, &["Update application", "Update service principal"]);
    if plain_update && key_change.is_none() && federated.is_none() {
        return None;
    }
    let is_sp = store.attr(row, attr::TARGET_TYPE).is_some_and(|t| t.eq_ignore_ascii_case("ServicePrincipal")) || store.operation(row).to_ascii_lowercase().contains("service principal");
    let kind = if is_sp { ObjectKind::ServicePrincipal } else { ObjectKind::Application };
    let app_id = value_of(changes, "AppId").or_else(|| value_of(changes, "AppAddress")).map(|a| first_of(&a));
    let build = |passwords: Vec<Value>, keys: Vec<Value>| {
        let mut o = json!({"passwordCredentials": passwords, "keyCredentials": keys});
        if let (Some(a), Value::Object(map)) = (&app_id, &mut o) {
            map.insert("appId".into(), Value::String(a.clone()));
        }
        o
    };
    let (old, new, note) = match (key_change, federated) {
        (Some(c), _) => {
            let (op, ok) = key_descriptions(&c.old);
            let (np, nk) = key_descriptions(&c.new);
            (build(op, ok), build(np, nk), None)
        }
        (None, Some(f)) => {
            let note = Risk::new(Severity::High, format!("federated identity credential changed on '{}': an outside identity can now sign in as the app ({})", store.target(row), short(&f.new)));
            (build(Vec::new(), Vec::new()), build(Vec::new(), Vec::new()), Some(note))
        }
        (None, None) => {
            let unnamed = json!({"keyId": format!("unrecorded-{row}"), "displayName": "not named in the record"});
            (build(Vec::new(), Vec::new()), build(vec![unnamed], Vec::new()), None)
        }
    };
    if note.is_some() {
        // Nothing to diff: mark the object written so the rule list it.
        let mut n = new;
        if let Value::Object(map) = &mut n {
            map.insert("federatedIdentityCredentials".into(), Value::String(short(&federated.map_or(String::new(), |f| f.new.clone()))));
        }
        return Some((Some((kind.clone(), old)), Some((kind, n)), note));
    }
    Some((Some((kind.clone(), old)), Some((kind, new)), None))
}

fn short(text: &str) -> String {
    let t = text.trim();
    if t.chars().count() > 120 {
        format!("{}…", t.chars().take(120).collect::<String>())
    } else {
        t.to_string()
    }
}

/// A role member added: a new (eligible) assignment of the role's
/// template id to the target. The target's name is remembered for the
/// reason.
fn role_versions(store: &EventStore, row: u32, changes: &[TargetChange], names: &mut Snapshot) -> Option<Versions> {
    let role = value_of(changes, "Role.TemplateId").or_else(|| value_of(changes, "Role.ObjectID")).or_else(|| value_of(changes, "RoleDefinition.TemplateId")).or_else(|| value_of(changes, "RoleDefinition.ObjectID"))?;
    let principal = store.attr(row, attr::TARGET_ID).filter(|t| !t.is_empty()).unwrap_or(store.target(row)).to_string();
    let target = store.target(row);
    if !target.is_empty() {
        let stub = json!({"id": principal, "userPrincipalName": target, "displayName": target});
        names.add_object(TenantObject::new(ObjectKind::User, canonical_id(&principal), None, stub, "audit log", "target"));
    }
    let eligible = store.operation(row).to_ascii_lowercase().contains("eligible");
    let kind = if eligible { ObjectKind::RoleEligibility } else { ObjectKind::RoleAssignment };
    let assignment = json!({"id": format!("audit-{row}"), "roleDefinitionId": role, "principalId": principal, "directoryScopeId": "/"});
    Some((None, Some((kind, assignment)), None))
}

/// Domain authentication (managed → federated) and federation settings.
fn domain_versions(store: &EventStore, row: u32, changes: &[TargetChange]) -> Option<Versions> {
    let domain = store.target(row).to_string();
    let auth = changes.iter().find(|c| ["LiveType", "AuthenticationType", "Authentication"].iter().any(|p| c.property.eq_ignore_ascii_case(p)));
    if let Some(c) = auth {
        let version = |v: &str| json!({"id": domain, "authenticationType": first_of(v), "isVerified": true});
        return Some((Some((ObjectKind::Domain, version(&c.old))), Some((ObjectKind::Domain, version(&c.new))), None));
    }
    const FIELDS: [(&str, &str); 9] = [
        ("IssuerUri", "issuerUri"),
        ("SigningCertificate", "signingCertificate"),
        ("NextSigningCertificate", "nextSigningCertificate"),
        ("PassiveLogOnUri", "passiveSignInUri"),
        ("PassiveSignInUri", "passiveSignInUri"),
        ("ActiveLogOnUri", "activeSignInUri"),
        ("MetadataExchangeUri", "metadataExchangeUri"),
        ("FederatedIdpMfaBehavior", "federatedIdpMfaBehavior"),
        ("PreferredAuthenticationProtocol", "preferredAuthenticationProtocol"),
    ];
    let mut old = Map::new();
    let mut new = Map::new();
    for c in changes {
        if let Some((_, key)) = FIELDS.iter().find(|(p, _)| c.property.eq_ignore_ascii_case(p)) {
            if !c.old.trim().is_empty() {
                old.insert((*key).into(), Value::String(first_of(&c.old)));
            }
            if !c.new.trim().is_empty() {
                new.insert((*key).into(), Value::String(first_of(&c.new)));
            }
        }
    }
    let federation = store.operation(row).to_ascii_lowercase().contains("federation");
    if new.is_empty() && old.is_empty() {
        if !federation {
            return None;
        }
        let reason = format!("federation settings of {domain} changed; the record does not say which (issuer, signing certificate and sign-in address decide who can sign users in)");
        let stub = json!({"id": domain, "displayName": domain});
        return Some((Some((ObjectKind::FederationConfiguration, stub.clone())), Some((ObjectKind::FederationConfiguration, json!({"id": domain, "displayName": domain, "changedBy": format!("row {row}")}))), Some(Risk::new(Severity::High, reason))));
    }
    for m in [&mut old, &mut new] {
        m.insert("id".into(), Value::String(domain.clone()));
        m.insert("displayName".into(), Value::String(domain.clone()));
    }
    let old = (old.len() > 2).then_some((ObjectKind::FederationConfiguration, Value::Object(old)));
    Some((old.or_else(|| Some((ObjectKind::FederationConfiguration, json!({"id": domain, "displayName": domain})))), Some((ObjectKind::FederationConfiguration, Value::Object(new))), None))
}

/// The authentication methods policy, or one method's settings, from JSON
/// in the old and new values.
fn auth_method_versions(changes: &[TargetChange]) -> Option<Versions> {
    let c = changes.iter().find(|c| json_object(&c.new).is_some())?;
    let new = graph_shape(json_object(&c.new)?);
    let old = json_object(&c.old).map(graph_shape);
    let kind = if new.get("authenticationMethodConfigurations").is_some() {
        ObjectKind::AuthenticationMethodsPolicy
    } else if new.get("state").is_some() {
        ObjectKind::AuthenticationMethodConfiguration
    } else {
        return None;
    };
    let old = old.unwrap_or_else(|| json!({"id": new.get("id").cloned().unwrap_or(Value::Null)}));
    Some((Some((kind.clone(), old)), Some((kind, new)), None))
}

/// Added / removed / changed, for output.
pub fn change_word(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Added => "added",
        ChangeKind::Removed => "removed",
        ChangeKind::Changed => "changed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{audit, store_of, t, EventExt};

    fn ctx() -> Context {
        Context { suspect_accounts: vec!["victim@contoso.com".into()], window: Some((t("2026-03-01T00:00:00Z"), t("2026-03-02T00:00:00Z"))), ..Context::default() }
    }

    fn props(items: &[(&str, &str, &str, &str)]) -> String {
        let list: Vec<Value> = items.iter().map(|(target, p, o, n)| json!({"target": target, "property": p, "old": o, "new": n})).collect();
        Value::Array(list).to_string()
    }

    fn policy_json(state: &str, exclude: &str) -> String {
        json!({"id": "6f4c2b1a-8e7d-4c5b-9a3f-2e1d0c9b8a71", "displayName": "Require MFA for all users", "state": state,
            "conditions": {"applications": {"includeApplications": ["All"]}, "users": {"includeUsers": ["All"], "excludeUsers": if exclude.is_empty() { vec![] } else { vec![exclude] }}, "clientAppTypes": ["all"]},
            "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}}).to_string()
    }

    #[test]
    fn conditional_access_update_goes_through_the_diff_rules() {
        let p = props(&[("Require MFA for all users", "ConditionalAccessPolicy", &policy_json("enabled", ""), &policy_json("enabledForReportingButNotEnforced", "5e0f9a8b-7c6d-4e5f-a1b2-c3d4e5f6a7b8"))]);
        let store = store_of(vec![audit("2026-03-01T16:00:00Z", "Update conditional access policy", "victim@contoso.com", "Require MFA for all users")
            .with(attr::MODIFIED_PROPERTIES, &p)
            .with(attr::TARGET_ID, "6f4c2b1a-8e7d-4c5b-9a3f-2e1d0c9b8a71")]);
        let out = reconstruct(&store, None, None);
        assert_eq!(out.len(), 1);
        let c = &out[0];
        assert_eq!((c.change.kind.clone(), c.change.change, c.change.risk), (ObjectKind::ConditionalAccessPolicy, ChangeKind::Changed, Severity::High));
        assert!(c.change.reason().contains("moved to report-only"), "{}", c.change.reason());
        assert!(c.change.reason().contains("now excludes users"), "{}", c.change.reason());
        assert!(c.change.changes.iter().any(|p| p.path == "state"));
        assert_eq!(c.rows, vec![0]);
        let raised = reconstruct(&store, None, Some(&ctx()));
        assert_eq!(raised[0].change.risk, Severity::Critical);
        assert!(raised[0].change.reason().contains("made by suspect account victim@contoso.com"));
    }

    #[test]
    fn deleted_policy_without_values_is_still_listed() {
        let store = store_of(vec![audit("2026-03-01T16:00:00Z", "Delete conditional access policy", "victim@contoso.com", "Block legacy authentication")]);
        let out = reconstruct(&store, None, None);
        assert_eq!(out[0].change.change, ChangeKind::Removed);
        assert_eq!(out[0].change.risk, Severity::High);
        assert!(out[0].change.reason().contains("no old or new values"), "{}", out[0].change.reason());
    }

    #[test]
    fn named_location_trusted_and_widened() {
        let old = json!({"id": "3f9d2a1e-7b1c-4c55-9a8e-1d2c3b4a5f60", "displayName": "HQ egress", "isTrusted": false, "ipRanges": [{"cidrAddress": "198.51.100.0/24"}]}).to_string();
        let new = json!({"id": "3f9d2a1e-7b1c-4c55-9a8e-1d2c3b4a5f60", "displayName": "HQ egress", "isTrusted": true, "ipRanges": [{"cidrAddress": "198.51.100.0/24"}, {"cidrAddress": "203.0.113.77/32"}]}).to_string();
        let store = store_of(vec![audit("2026-03-01T16:05:00Z", "Update named location", "victim@contoso.com", "HQ egress").with(attr::MODIFIED_PROPERTIES, &props(&[("HQ egress", "NamedLocation", &old, &new)]))]);
        let c = &reconstruct(&store, None, None)[0];
        assert_eq!((c.change.kind.clone(), c.change.risk), (ObjectKind::NamedLocation, Severity::High));
        assert!(c.change.reason().contains("now trusted") && c.change.reason().contains("203.0.113.77/32"), "{}", c.change.reason());
    }

    #[test]
    fn credentials_roles_and_federation() {
        let keys = props(&[("Mail Sync", "KeyDescription", "[]", "[\"[KeyIdentifier=d4e3f2a1-b0c9-4d8e-9f7a-6b5c4d3e2f1a,KeyType=Password,KeyUsage=Verify,DisplayName=backdoor]\"]")]);
        let role = props(&[("backdoor@contoso.com", "Role.ObjectID", "", "\"62e90394-69f5-4237-9190-012177145e10\""), ("backdoor@contoso.com", "Role.TemplateId", "", "\"62e90394-69f5-4237-9190-012177145e10\"")]);
        let domain = props(&[("contoso.com", "LiveType", "\"Managed\"", "\"Federated\"")]);
        let fed = props(&[("contoso.com", "IssuerUri", "\"http://sts.contoso.com/adfs/services/trust\"", "\"http://any.example/\"")]);
        let store = store_of(vec![
            audit("2026-03-01T16:10:00Z", "Update application – Certificates and secrets management ", "victim@contoso.com", "Mail Sync").with(attr::MODIFIED_PROPERTIES, &keys).with(attr::TARGET_TYPE, "Application").with(attr::TARGET_ID, "0f1e2d3c-4b5a-4697-8877-665544332211"),
            audit("2026-03-01T16:12:00Z", "Add member to role", "victim@contoso.com", "backdoor@contoso.com").with(attr::MODIFIED_PROPERTIES, &role).with(attr::TARGET_ID, "aa11bb22-cc33-4d44-8e55-ff6677889900"),
            audit("2026-03-01T16:14:00Z", "Set domain authentication", "victim@contoso.com", "contoso.com").with(attr::MODIFIED_PROPERTIES, &domain),
            audit("2026-03-01T16:15:00Z", "Set federation settings on domain", "victim@contoso.com", "contoso.com").with(attr::MODIFIED_PROPERTIES, &fed),
            audit("2026-03-01T16:16:00Z", "Add service principal credentials", "victim@contoso.com", "HR Connector"),
        ]);
        let out = reconstruct(&store, None, None);
        let find = |kind: ObjectKind| out.iter().find(|c| c.change.kind == kind).unwrap_or_else(|| panic!("{kind:?} in {out:#?}"));
        let app = find(ObjectKind::Application);
        assert_eq!(app.change.risk, Severity::High);
        assert!(app.change.reason().contains("client secret 'backdoor'"), "{}", app.change.reason());
        let role = find(ObjectKind::RoleAssignment);
        assert_eq!(role.change.risk, Severity::Critical);
        assert!(role.change.reason().contains("'backdoor@contoso.com' given privileged role Global Administrator"), "{}", role.change.reason());
        assert_eq!(find(ObjectKind::Domain).change.risk, Severity::Critical);
        let fed = find(ObjectKind::FederationConfiguration);
        assert_eq!(fed.change.risk, Severity::Critical, "{}", fed.change.reason());
        let sp = find(ObjectKind::ServicePrincipal);
        assert!(sp.change.reason().contains("not named in the record"), "{}", sp.change.reason());
        assert_eq!(sp.rows, vec![4]);
    }

    #[test]
    fn authentication_methods_policy_update() {
        let cfg = |state: &str| json!({"@odata.type": "#microsoft.graph.smsAuthenticationMethodConfiguration", "id": "Sms", "state": state}).to_string();
        let store = store_of(vec![audit("2026-03-01T16:20:00Z", "Authentication Methods Policy Update", "victim@contoso.com", "Sms")
            .with(attr::MODIFIED_PROPERTIES, &props(&[("Sms", "AuthenticationMethodConfiguration", &cfg("disabled"), &cfg("enabled"))]))]);
        let c = &reconstruct(&store, None, None)[0];
        assert_eq!((c.change.kind.clone(), c.change.risk), (ObjectKind::AuthenticationMethodConfiguration, Severity::High));
        assert!(c.change.reason().contains("method Sms switched on"), "{}", c.change.reason());
    }
}
