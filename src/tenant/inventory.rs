//! OAuth and application inventory (playbook step 8): every app
//! registration and enterprise app, joined on `appId`, with what it may do
//! (delegated grants, application permissions, ranked by risk), who
//! publishes it, the credentials it holds, and, when the audit log is
//! loaded, who consented and when, whether it was created or changed in
//! the compromise window, and whether a suspect account consented.
//!
//! With no snapshot, the inventory is built from the audit log alone (apps
//! seen in consent, grant and creation records), so an incident with logs
//! but no configuration export still shows its consented apps.

use super::audit::{bracket_field, detail, is_audit_op, target_changes, value_of, TargetChange};
use super::kind::ObjectKind;
use super::object::{canonical_id, TenantObject};
use super::permissions::{application_risk, delegated_risk, known_permission, split_scopes};
use super::snapshot::Snapshot;
use crate::detect::facts::{is_audit, is_ual, rows_with_op};
use crate::detect::scopes::scopes as permissions_in_row;
use crate::detect::{Context, Severity};
use crate::model::{attr, format_utc, parse_rfc3339_utc, TimeMs};
use crate::store::EventStore;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Tenants whose apps are Microsoft's own (first-party services).
const MICROSOFT_TENANTS: [&str; 2] = ["f8cdef31-a31e-4b4a-93e4-5f571e91255a", "72f988bf-86f1-41af-91ab-2d7cd011db47"];

/// Who owns the app.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Registered in this tenant.
    OwnTenant,
    /// A Microsoft first-party app.
    Microsoft,
    /// Registered in another organisation's tenant (multi-tenant app).
    Foreign,
    Unknown,
}

/// One permission and its risk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Permission {
    pub name: String,
    pub risk: Severity,
}

/// Delegated permissions on one API: for every user or for one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DelegatedGrant {
    pub resource: String,
    pub permissions: Vec<Permission>,
    /// `AllPrincipals` (admin consent for everyone) rather than one user.
    pub all_users: bool,
    /// The one user it was granted for (`Principal` grants).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// `snapshot` or `audit log`.
    pub source: &'static str,
}

/// An application permission (app role) on one API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AppPermission {
    pub resource: String,
    pub permission: Permission,
    pub source: &'static str,
}

/// A secret, certificate or federated credential.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Credential {
    /// `secret`, `certificate` or `federated`.
    pub kind: &'static str,
    /// `application` or `service principal`: where it sits.
    pub on: &'static str,
    pub name: String,
    pub key_id: String,
    pub start: Option<String>,
    pub end: Option<String>,
    pub started_in_window: bool,
}

/// An audit record about the app.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AppEvent {
    /// The event's row in the store, for linking to the timeline.
    pub row: u32,
    pub time: String,
    pub operation: String,
    pub actor: String,
    pub by_suspect: bool,
    pub in_window: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub permissions: Vec<String>,
    /// Admin consent, for every user.
    pub for_all_users: bool,
}

/// One application, from configuration, the audit log or both.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AppEntry {
    pub app_id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_principal_id: Option<String>,
    pub origin: Origin,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified_publisher: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_tenant: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    pub delegated: Vec<DelegatedGrant>,
    pub app_roles: Vec<AppPermission>,
    pub credentials: Vec<Credential>,
    pub events: Vec<AppEvent>,
    /// Accounts that consented or granted, from the audit log.
    pub consented_by: Vec<String>,
    pub created_in_window: bool,
    pub changed_in_window: bool,
    pub consented_by_suspect: bool,
    pub risk: Severity,
    pub reasons: Vec<String>,
    /// `snapshot`, `audit log`.
    pub sources: Vec<&'static str>,
}

impl AppEntry {
    fn new(app_id: &str, name: &str) -> AppEntry {
        AppEntry {
            app_id: app_id.to_string(),
            name: name.to_string(),
            application_id: None,
            service_principal_id: None,
            origin: Origin::Unknown,
            publisher: None,
            verified_publisher: None,
            owner_tenant: None,
            created: None,
            delegated: Vec::new(),
            app_roles: Vec::new(),
            credentials: Vec::new(),
            events: Vec::new(),
            consented_by: Vec::new(),
            created_in_window: false,
            changed_in_window: false,
            consented_by_suspect: false,
            risk: Severity::Info,
            reasons: Vec::new(),
            sources: Vec::new(),
        }
    }

    /// The riskiest permission it holds or was granted.
    pub fn top_permission_risk(&self) -> Severity {
        let d = self.delegated.iter().flat_map(|g| g.permissions.iter().map(|p| p.risk));
        let a = self.app_roles.iter().map(|r| r.permission.risk);
        d.chain(a).max().unwrap_or(Severity::Info)
    }

    /// Holds a permission ranked high or critical.
    pub fn has_broad_permissions(&self) -> bool {
        self.top_permission_risk() >= Severity::High
    }

    fn source(&mut self, s: &'static str) {
        if !self.sources.contains(&s) {
            self.sources.push(s);
        }
    }
}

/// Which apps to list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub broad_permissions: bool,
    pub created_in_window: bool,
    pub consented_by_suspect: bool,
}

impl Filter {
    pub fn keeps(&self, app: &AppEntry) -> bool {
        (!self.broad_permissions || app.has_broad_permissions())
            && (!self.created_in_window || app.created_in_window)
            && (!self.consented_by_suspect || app.consented_by_suspect)
    }
}

#[derive(Debug, Default)]
pub struct Inventory {
    /// Riskiest first.
    pub apps: Vec<AppEntry>,
    /// What the analyst should know about how complete it is.
    pub notes: Vec<String>,
}

impl Inventory {
    pub fn filtered(&self, filter: Filter) -> Vec<&AppEntry> {
        self.apps.iter().filter(|a| filter.keeps(a)).collect()
    }
}

/// Build the inventory from a snapshot, the audit log, or both.
pub fn build(snapshot: Option<&Snapshot>, logs: Option<(&EventStore, &Context)>) -> Inventory {
    let mut inv = Builder::default();
    let ctx = logs.map(|(_, c)| c);
    if let Some(s) = snapshot {
        inv.add_snapshot(s, ctx);
    } else {
        inv.notes.push("no configuration snapshot loaded: the apps listed are those the audit log shows being created or consented to; apps older than the log are missing".into());
    }
    if let Some((store, ctx)) = logs {
        inv.add_audit(store, ctx, snapshot);
    }
    let mut apps: Vec<AppEntry> = inv.apps.into_values().collect();
    for app in &mut apps {
        rank(app);
    }
    apps.sort_by(|a, b| b.risk.cmp(&a.risk).then_with(|| a.name.to_ascii_lowercase().cmp(&b.name.to_ascii_lowercase())));
    Inventory { apps, notes: inv.notes }
}

#[derive(Default)]
struct Builder {
    /// Keyed by appId when known, else `sp:<id>` / `name:<name>`.
    apps: BTreeMap<String, AppEntry>,
    notes: Vec<String>,
}

fn time_of(text: Option<&str>) -> Option<TimeMs> {
    text.and_then(parse_rfc3339_utc)
}

impl Builder {
    /// The key of the entry holding this app, by any id or name it goes by.
    fn find(&self, app_id: Option<&str>, sp_id: Option<&str>, name: Option<&str>) -> Option<String> {
        if let Some(a) = app_id.filter(|a| !a.is_empty()) {
            let key = canonical_id(a);
            if self.apps.contains_key(&key) {
                return Some(key);
            }
        }
        if let Some(sp) = sp_id.filter(|s| !s.is_empty()) {
            let sp = canonical_id(sp);
            if let Some((k, _)) = self.apps.iter().find(|(_, e)| e.service_principal_id.as_deref() == Some(sp.as_str()) || e.application_id.as_deref() == Some(sp.as_str())) {
                return Some(k.clone());
            }
        }
        if let Some(n) = name.filter(|n| !n.trim().is_empty()) {
            if let Some((k, _)) = self.apps.iter().find(|(_, e)| e.name.eq_ignore_ascii_case(n.trim())) {
                return Some(k.clone());
            }
        }
        None
    }

    /// The entry for this app, created when new.
    fn entry(&mut self, app_id: Option<&str>, sp_id: Option<&str>, name: &str) -> &mut AppEntry {
        let key = self.find(app_id, sp_id, Some(name)).unwrap_or_else(|| match (app_id.filter(|a| !a.is_empty()), sp_id.filter(|s| !s.is_empty())) {
            (Some(a), _) => canonical_id(a),
            (None, Some(sp)) => format!("sp:{}", canonical_id(sp)),
            (None, None) => format!("name:{}", name.to_ascii_lowercase()),
        });
        let entry = self.apps.entry(key).or_insert_with(|| AppEntry::new(app_id.unwrap_or(""), name));
        if entry.app_id.is_empty() {
            if let Some(a) = app_id.filter(|a| !a.is_empty()) {
                entry.app_id = canonical_id(a);
            }
        }
        if entry.service_principal_id.is_none() {
            entry.service_principal_id = sp_id.filter(|s| !s.is_empty()).map(canonical_id);
        }
        entry
    }

    fn add_snapshot(&mut self, s: &Snapshot, ctx: Option<&Context>) {
        if !s.covers(&ObjectKind::ServicePrincipal) {
            self.notes.push("the snapshot holds no enterprise apps (servicePrincipals): consented third-party apps and their grants are missing".into());
        }
        if !s.covers(&ObjectKind::OAuth2PermissionGrant) {
            self.notes.push("the snapshot holds no delegated grants (oauth2PermissionGrants): what users consented to is missing".into());
        }
        if !s.covers(&ObjectKind::AppRoleAssignment) {
            self.notes.push("the snapshot holds no app role assignments (servicePrincipals/{id}/appRoleAssignedTo): application permissions are missing".into());
        }
        // This tenant's id: the owner of apps registered here.
        let own_apps: Vec<String> = s.of_kind(&ObjectKind::Application).filter_map(|a| a.str_at("appId")).map(canonical_id).collect();
        let own_tenant = s
            .of_kind(&ObjectKind::ServicePrincipal)
            .filter(|sp| sp.str_at("appId").is_some_and(|a| own_apps.contains(&canonical_id(a))))
            .filter_map(|sp| sp.str_at("appOwnerOrganizationId"))
            .map(canonical_id)
            .find(|t| !MICROSOFT_TENANTS.contains(&t.as_str()));
        for app in s.of_kind(&ObjectKind::Application) {
            let e = self.entry(app.str_at("appId"), None, &app.name);
            e.application_id = Some(app.id.clone());
            e.origin = Origin::OwnTenant;
            e.publisher = e.publisher.take().or_else(|| app.str_at("publisherDomain").map(str::to_string));
            e.created = app.str_at("createdDateTime").map(str::to_string);
            e.source("snapshot");
            credentials(e, app, "application", ctx);
        }
        for sp in s.of_kind(&ObjectKind::ServicePrincipal) {
            let e = self.entry(sp.str_at("appId"), Some(&sp.id), &sp.name);
            e.service_principal_id = Some(sp.id.clone());
            e.owner_tenant = sp.str_at("appOwnerOrganizationId").map(canonical_id);
            if e.origin != Origin::OwnTenant {
                e.origin = match e.owner_tenant.as_deref() {
                    Some(t) if MICROSOFT_TENANTS.contains(&t) => Origin::Microsoft,
                    Some(t) if Some(t) == own_tenant.as_deref() => Origin::OwnTenant,
                    Some(_) => Origin::Foreign,
                    None => Origin::Unknown,
                };
            }
            if let Some(p) = sp.str_at("publisherName") {
                e.publisher = Some(p.to_string());
            }
            e.verified_publisher = sp.str_at("verifiedPublisher.displayName").map(str::to_string).filter(|v| !v.is_empty());
            if e.created.is_none() {
                e.created = sp.str_at("createdDateTime").map(str::to_string);
            }
            e.source("snapshot");
            credentials(e, sp, "service principal", ctx);
        }
        for grant in s.of_kind(&ObjectKind::OAuth2PermissionGrant) {
            let Some(client) = grant.str_at("clientId") else { continue };
            let resource = grant.str_at("resourceId").map_or_else(|| "?".to_string(), |r| s.name_of(r).unwrap_or(r).to_string());
            let all_users = grant.str_at("consentType").is_some_and(|c| c.eq_ignore_ascii_case("AllPrincipals"));
            let user_id = grant.str_at("principalId").filter(|p| !p.is_empty());
            let user = user_id.map(|p| s.get(&ObjectKind::User, p).and_then(|u| u.str_at("userPrincipalName")).map_or_else(|| s.name_of(p).unwrap_or(p).to_string(), str::to_string));
            let permissions = split_scopes(grant.str_at("scope").unwrap_or("")).into_iter().map(|n| Permission { risk: delegated_risk(&n), name: n }).collect();
            let client_name = s.name_of(client).unwrap_or(client).to_string();
            let app_id = s.get(&ObjectKind::ServicePrincipal, client).and_then(|sp| sp.str_at("appId")).map(str::to_string);
            let e = self.entry(app_id.as_deref(), Some(client), &client_name);
            if let (Some(u), Some(ctx)) = (&user, ctx) {
                if ctx.is_suspect(u) {
                    e.consented_by_suspect = true;
                    e.reasons.push(format!("delegated grant held for suspect account {u}"));
                }
            }
            e.delegated.push(DelegatedGrant { resource, permissions, all_users, user, source: "snapshot" });
        }
        for a in s.of_kind(&ObjectKind::AppRoleAssignment) {
            if !a.str_at("principalType").is_some_and(|t| t.eq_ignore_ascii_case("ServicePrincipal")) {
                continue;
            }
            let (Some(principal), Some(role)) = (a.str_at("principalId"), a.str_at("appRoleId")) else { continue };
            if role == "00000000-0000-0000-0000-000000000000" {
                continue; // default access, no permission
            }
            let resource_id = a.str_at("resourceId").unwrap_or("");
            let resource = a.str_at("resourceDisplayName").map(str::to_string).or_else(|| s.name_of(resource_id).map(str::to_string)).unwrap_or_else(|| resource_id.to_string());
            let name = s.app_role_value(resource_id, role).or_else(|| known_permission(role).map(str::to_string)).unwrap_or_else(|| format!("app role {role}"));
            let principal_name = a.str_at("principalDisplayName").map(str::to_string).or_else(|| s.name_of(principal).map(str::to_string)).unwrap_or_else(|| principal.to_string());
            let app_id = s.get(&ObjectKind::ServicePrincipal, principal).and_then(|sp| sp.str_at("appId")).map(str::to_string);
            let risk = application_risk(&name);
            let e = self.entry(app_id.as_deref(), Some(principal), &principal_name);
            e.app_roles.push(AppPermission { resource, permission: Permission { name, risk }, source: "snapshot" });
            if let (Some(ctx), Some(t)) = (ctx, time_of(a.str_at("createdDateTime"))) {
                if ctx.in_window(t) {
                    e.changed_in_window = true;
                    e.reasons.push(format!("application permission granted {} inside the compromise window", format_utc(t)));
                }
            }
        }
        if let Some(ctx) = ctx {
            for e in self.apps.values_mut() {
                if let Some(t) = time_of(e.created.as_deref()) {
                    if ctx.in_window(t) {
                        e.created_in_window = true;
                    }
                }
            }
        }
    }

    fn add_audit(&mut self, store: &EventStore, ctx: &Context, snapshot: Option<&Snapshot>) {
        const CONSENT: [&str; 1] = ["Consent to application"];
        const GRANT: [&str; 2] = ["Add delegated permission grant", "Add OAuth2PermissionGrant"];
        const ROLE: [&str; 1] = ["Add app role assignment to service principal"];
        const CREATE: [&str; 2] = ["Add service principal", "Add application"];
        const CHANGE: [&str; 7] = [
            "Update application",
            "Update service principal",
            "Update application – Certificates and secrets management",
            "Update application - Certificates and secrets management",
            "Add service principal credentials",
            "Add owner to application",
            "Add owner to service principal",
        ];
        // Rows of one operation share a correlation id: a grant row names the
        // API, the consent or creation row beside it names the app.
        let mut by_correlation: BTreeMap<String, (Option<String>, Option<String>, String)> = BTreeMap::new();
        // The operation names are matched once against the store's
        // dictionary; only rows of these operations are read further.
        let all = [&CONSENT[..], &GRANT[..], &ROLE[..], &CREATE[..], &CHANGE[..]].concat();
        let rows: Vec<u32> = rows_with_op(store, &all).into_iter().filter(|&row| is_audit(store, row) || is_ual(store, row)).collect();
        for &row in &rows {
            if is_audit_op(store, row, &CONSENT) || is_audit_op(store, row, &CREATE) {
                if let Some(corr) = store.attr(row, attr::CORRELATION_ID).filter(|c| !c.is_empty()) {
                    let changes = target_changes(store, row);
                    let (app_id, sp_id, name) = identify(store, row, &changes);
                    by_correlation.entry(corr.to_string()).or_insert((app_id, sp_id, name));
                }
            }
        }
        let mut seen_any = false;
        for row in rows {
            let changes = target_changes(store, row);
            let is_grant = is_audit_op(store, row, &GRANT);
            let is_role = is_audit_op(store, row, &ROLE);
            let (mut app_id, mut sp_id, mut name) = identify(store, row, &changes);
            if is_grant || is_role {
                // The target is the API; the app is elsewhere.
                let client = client_of(store, row, &changes, snapshot);
                let linked = store.attr(row, attr::CORRELATION_ID).and_then(|c| by_correlation.get(c)).cloned();
                match (client, linked) {
                    (Some(c), _) => (app_id, sp_id, name) = c,
                    (None, Some(l)) => (app_id, sp_id, name) = l,
                    (None, None) => {
                        self.notes.push(format!("{} at {}: the app it was for is not named in the record", store.operation(row), format_utc(store.time(row))));
                        continue;
                    }
                }
            }
            if name.is_empty() && app_id.is_none() && sp_id.is_none() {
                continue;
            }
            seen_any = true;
            let time = store.time(row);
            let actor = store.actor(row).to_string();
            let by_suspect = ctx.is_suspect(&actor);
            let in_window = ctx.in_window(time);
            let found = permissions_in_row(store, row);
            let consent_text = value_of(&changes, "ConsentAction.Permissions").unwrap_or_default();
            let admin = value_of(&changes, "ConsentContext.IsAdminConsent").is_some_and(|v| v.eq_ignore_ascii_case("true"))
                || value_of(&changes, "ConsentContext.OnBehalfOfAll").is_some_and(|v| v.eq_ignore_ascii_case("true"))
                || value_of(&changes, "DelegatedPermissionGrant.ConsentType").is_some_and(|v| v.eq_ignore_ascii_case("AllPrincipals"))
                || bracket_field(&consent_text, "ConsentType").is_some_and(|v| v.eq_ignore_ascii_case("AllPrincipals"));
            let resource = changes.first().map(|c| c.target.clone()).filter(|t| !t.is_empty()).unwrap_or_else(|| store.target(row).to_string());
            let e = self.entry(app_id.as_deref(), sp_id.as_deref(), &name);
            e.source("audit log");
            e.events.push(AppEvent {
                row,
                time: format_utc(time),
                operation: store.operation(row).trim_end_matches('.').to_string(),
                actor: actor.clone(),
                by_suspect,
                in_window,
                permissions: found.iter().map(|p| p.name.clone()).collect(),
                for_all_users: admin,
            });
            let consent_like = is_audit_op(store, row, &CONSENT) || is_grant || is_role;
            if consent_like && !actor.is_empty() && !e.consented_by.contains(&actor) {
                e.consented_by.push(actor.clone());
            }
            if consent_like && by_suspect {
                e.consented_by_suspect = true;
            }
            if is_audit_op(store, row, &CREATE) {
                if e.created.is_none() {
                    e.created = Some(format_utc(time));
                }
                if in_window {
                    e.created_in_window = true;
                }
            } else if in_window {
                e.changed_in_window = true;
            }
            // Permissions the log shows granted, when the snapshot did not list them.
            if is_grant && !found.is_empty() && !e.delegated.iter().any(|g| g.source == "snapshot") {
                let permissions = found.iter().map(|p| Permission { name: p.name.clone(), risk: delegated_risk(&p.name) }).collect();
                e.delegated.push(DelegatedGrant { resource: resource.clone(), permissions, all_users: admin, user: (!admin).then(|| actor.clone()), source: "audit log" });
            } else if is_audit_op(store, row, &CONSENT) && !found.is_empty() && e.delegated.is_empty() {
                let permissions = found.iter().map(|p| Permission { name: p.name.clone(), risk: delegated_risk(&p.name) }).collect();
                let api = bracket_field(&consent_text, "ResourceId").map(|r| snapshot.and_then(|s| s.name_of(&r)).map_or(r.clone(), str::to_string)).unwrap_or_else(|| "an API".into());
                e.delegated.push(DelegatedGrant { resource: api, permissions, all_users: admin, user: (!admin).then(|| actor.clone()), source: "audit log" });
            }
            if is_role && !e.app_roles.iter().any(|r| r.source == "snapshot") {
                if let Some(value) = value_of(&changes, "AppRole.Value") {
                    let risk = application_risk(&value);
                    if !e.app_roles.iter().any(|r| r.permission.name == value) {
                        e.app_roles.push(AppPermission { resource, permission: Permission { name: value, risk }, source: "audit log" });
                    }
                }
            }
        }
        if !seen_any && snapshot.is_none() {
            self.notes.push("the audit log holds no app creation, consent or grant records".into());
        }
    }
}

/// The app a consent, creation or change row is about: (appId, service
/// principal or application object id, name).
fn identify(store: &EventStore, row: u32, changes: &[TargetChange]) -> (Option<String>, Option<String>, String) {
    let app_id = value_of(changes, "AppPrincipalId")
        .or_else(|| value_of(changes, "TargetId.ServicePrincipalNames").map(|v| v.split(';').next().unwrap_or("").trim().to_string()))
        .or_else(|| value_of(changes, "AppId"))
        .or_else(|| detail(store, row, "AppId"))
        .filter(|a| super::object::is_guid(a));
    let sp_id = store.attr(row, attr::TARGET_ID).map(str::to_string).filter(|t| !t.is_empty());
    let name = {
        let target = store.target(row);
        if target.is_empty() {
            value_of(changes, "DisplayName").unwrap_or_default()
        } else {
            target.to_string()
        }
    };
    (app_id, sp_id, name)
}

/// The client app of a grant or app role assignment row, when the row
/// names it: a second target, `ServicePrincipal.*` properties that are not
/// the API, or the consent text's `ClientId`.
fn client_of(store: &EventStore, row: u32, changes: &[TargetChange], snapshot: Option<&Snapshot>) -> Option<(Option<String>, Option<String>, String)> {
    let api = store.target(row);
    let sp_name = value_of(changes, "ServicePrincipal.DisplayName").filter(|n| !n.eq_ignore_ascii_case(api));
    if let Some(name) = sp_name {
        let app_id = value_of(changes, "ServicePrincipal.AppId").filter(|a| super::object::is_guid(a));
        let sp = value_of(changes, "ServicePrincipal.ObjectID");
        return Some((app_id, sp, name));
    }
    let consent = value_of(changes, "ConsentAction.Permissions").unwrap_or_default();
    if let Some(client) = bracket_field(&consent, "ClientId") {
        let name = snapshot.and_then(|s| s.name_of(&client)).unwrap_or("").to_string();
        let app_id = snapshot.and_then(|s| s.get(&ObjectKind::ServicePrincipal, &client)).and_then(|sp| sp.str_at("appId")).map(str::to_string);
        return Some((app_id, Some(client), name));
    }
    let other_target = changes.iter().map(|c| c.target.as_str()).find(|t| !t.is_empty() && !t.eq_ignore_ascii_case(api));
    other_target.map(|t| (None, None, t.to_string()))
}

/// The credentials on an application or service principal.
fn credentials(e: &mut AppEntry, object: &TenantObject, on: &'static str, ctx: Option<&Context>) {
    for (list, kind) in [("passwordCredentials", "secret"), ("keyCredentials", "certificate"), ("federatedIdentityCredentials", "federated")] {
        for c in object.raw.get(list).and_then(Value::as_array).into_iter().flatten() {
            let text = |k: &str| c.get(k).and_then(Value::as_str).map(str::to_string).filter(|s| !s.is_empty());
            let start = text("startDateTime");
            let started_in_window = ctx.is_some_and(|ctx| time_of(start.as_deref()).is_some_and(|t| ctx.in_window(t)));
            let name = text("displayName").or_else(|| text("name")).or_else(|| text("subject")).unwrap_or_default();
            e.credentials.push(Credential { kind, on, name, key_id: text("keyId").or_else(|| text("id")).unwrap_or_default(), start, end: text("endDateTime"), started_in_window });
        }
    }
}

/// The app's risk and the reasons, from what it holds and what happened.
fn rank(e: &mut AppEntry) {
    let mut risk = Severity::Info;
    let mut reasons = std::mem::take(&mut e.reasons);
    for g in &e.delegated {
        let Some(top) = g.permissions.iter().map(|p| p.risk).max() else { continue };
        let level = if g.all_users && top >= Severity::Medium { top.raised() } else { top };
        if level >= Severity::Medium {
            let names: Vec<&str> = g.permissions.iter().filter(|p| p.risk >= Severity::Medium).map(|p| p.name.as_str()).collect();
            let whom = if g.all_users { "for every user".to_string() } else { g.user.as_ref().map_or_else(|| "for one user".to_string(), |u| format!("for {u}")) };
            reasons.push(format!("delegated {} on {} {whom}", names.join(", "), g.resource));
        }
        risk = risk.max(level);
    }
    let held: Vec<&AppPermission> = e.app_roles.iter().filter(|r| r.permission.risk >= Severity::Medium).collect();
    if !held.is_empty() {
        let names: Vec<String> = held.iter().map(|r| format!("{} on {}", r.permission.name, r.resource)).collect();
        reasons.push(format!("application permissions {}: they work with no user signed in", names.join(", ")));
    }
    risk = risk.max(e.app_roles.iter().map(|r| r.permission.risk).max().unwrap_or(Severity::Info));
    let creds_in_window = e.credentials.iter().filter(|c| c.started_in_window).count();
    if creds_in_window > 0 {
        reasons.push(format!("{creds_in_window} credential(s) created inside the compromise window"));
        risk = risk.max(Severity::High);
    }
    if e.origin == Origin::Foreign && e.verified_publisher.is_none() && e.has_broad_permissions() {
        reasons.push("published from another tenant by an unverified publisher".into());
        risk = risk.raised();
    }
    if e.consented_by_suspect {
        let when = if e.events.iter().any(|ev| ev.by_suspect && ev.in_window) { " inside the compromise window" } else { "" };
        if e.events.iter().any(|ev| ev.by_suspect) {
            reasons.push(format!("consented or granted by a suspect account{when}"));
        }
        risk = risk.max(Severity::Medium).raised();
    }
    if e.created_in_window {
        reasons.push("created inside the compromise window".into());
        risk = risk.max(Severity::Medium);
    } else if e.changed_in_window {
        reasons.push("changed inside the compromise window".into());
        risk = risk.max(Severity::Low);
    }
    reasons.dedup();
    e.reasons = reasons;
    e.risk = risk;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{audit, store_of, t, EventExt};

    const SNAPSHOT: &str = r##"[
      {"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#servicePrincipals","value":[
        {"id":"4f6a2c1d-9e8b-4a7c-b6d5-e4f3a2b1c0d9","appId":"00000003-0000-0000-c000-000000000000","displayName":"Microsoft Graph","appOwnerOrganizationId":"f8cdef31-a31e-4b4a-93e4-5f571e91255a","servicePrincipalType":"Application",
         "appRoles":[{"id":"e2a3a72e-5f79-4c64-b1b1-878b674786c9","value":"Mail.ReadWrite","allowedMemberTypes":["Application"]}]},
        {"id":"2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f","appId":"99999999-8888-4777-8666-555555555555","displayName":"Mail Sync","appOwnerOrganizationId":"0d9e8f7a-0000-4000-8000-00000000beef","servicePrincipalType":"Application","publisherName":"Mail Sync Ltd","verifiedPublisher":{"displayName":null},
         "passwordCredentials":[{"keyId":"e5f4a3b2-c1d0-4e9f-8a7b-6c5d4e3f2a1b","displayName":"sync","startDateTime":"2026-02-27T03:30:00Z","endDateTime":"2028-02-27T03:30:00Z"}]}]},
      {"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#oauth2PermissionGrants","value":[
        {"clientId":"2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f","consentType":"Principal","id":"g1","principalId":"b3c1e0a2-5d4f-4e6a-9b8c-7d6e5f4a3b21","resourceId":"4f6a2c1d-9e8b-4a7c-b6d5-e4f3a2b1c0d9","scope":"Mail.ReadWrite offline_access"}]},
      {"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#servicePrincipals('4f6a2c1d-9e8b-4a7c-b6d5-e4f3a2b1c0d9')/appRoleAssignedTo","value":[
        {"id":"a1","appRoleId":"e2a3a72e-5f79-4c64-b1b1-878b674786c9","createdDateTime":"2026-02-27T03:25:40Z","principalDisplayName":"Mail Sync","principalId":"2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f","principalType":"ServicePrincipal","resourceDisplayName":"Microsoft Graph","resourceId":"4f6a2c1d-9e8b-4a7c-b6d5-e4f3a2b1c0d9"}]},
      {"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users","value":[{"id":"b3c1e0a2-5d4f-4e6a-9b8c-7d6e5f4a3b21","userPrincipalName":"j.doe@contoso.com"}]}
    ]"##;

    fn ctx() -> Context {
        Context { suspect_accounts: vec!["j.doe@contoso.com".into()], window: Some((t("2026-02-27T00:00:00Z"), t("2026-02-28T00:00:00Z"))), ..Context::default() }
    }

    #[test]
    fn snapshot_joins_grants_roles_and_credentials() {
        let s = Snapshot::from_files([("s.json", SNAPSHOT.as_bytes())]);
        let c = ctx();
        let store = store_of(Vec::new());
        let inv = build(Some(&s), Some((&store, &c)));
        let app = &inv.apps[0];
        assert_eq!(app.name, "Mail Sync");
        assert_eq!(app.origin, Origin::Foreign);
        assert_eq!(app.risk, Severity::Critical);
        assert_eq!(app.delegated[0].user.as_deref(), Some("j.doe@contoso.com"));
        assert_eq!(app.app_roles[0].permission, Permission { name: "Mail.ReadWrite".into(), risk: Severity::Critical });
        assert!(app.credentials[0].started_in_window && app.consented_by_suspect && app.changed_in_window);
        assert!(app.reasons.iter().any(|r| r.contains("unverified publisher")), "{:?}", app.reasons);
        assert_eq!(inv.filtered(Filter { broad_permissions: true, ..Filter::default() }).len(), 1);
        let graph = inv.apps.iter().find(|a| a.name == "Microsoft Graph").expect("listed");
        assert_eq!((graph.origin, graph.risk), (Origin::Microsoft, Severity::Info));
    }

    fn consent_rows() -> Vec<crate::model::Event> {
        let sp = "5a5a5a5a-0000-4000-8000-000000000abc";
        let add = r#"[{"target":"Mail Backup Pro","property":"AppPrincipalId","old":"[]","new":"[\"77777777-6666-4555-8444-333333333333\"]"},{"target":"Mail Backup Pro","property":"DisplayName","old":"[]","new":"[\"Mail Backup Pro\"]"}]"#;
        let grant = r#"[{"target":"Microsoft Graph","property":"DelegatedPermissionGrant.Scope","old":"","new":"\"Mail.ReadWrite offline_access User.Read\""},{"target":"Microsoft Graph","property":"DelegatedPermissionGrant.ConsentType","old":"","new":"\"Principal\""}]"#;
        let consent = r#"[{"target":"Mail Backup Pro","property":"ConsentContext.IsAdminConsent","old":"","new":"\"False\""},{"target":"Mail Backup Pro","property":"ConsentAction.Permissions","old":"","new":"\"[] => [[Id: x, ClientId: 5a5a5a5a-0000-4000-8000-000000000abc, PrincipalId: b3c1, ResourceId: 4f6a, ConsentType: Principal, Scope: Mail.ReadWrite offline_access User.Read, CreatedDateTime: ]]; \""}]"#;
        vec![
            audit("2026-02-27T03:20:00Z", "Add service principal", "j.doe@contoso.com", "Mail Backup Pro").with(attr::MODIFIED_PROPERTIES, add).with(attr::TARGET_ID, sp).with(attr::CORRELATION_ID, "c1"),
            audit("2026-02-27T03:20:01Z", "Add delegated permission grant", "j.doe@contoso.com", "Microsoft Graph").with(attr::MODIFIED_PROPERTIES, grant).with(attr::TARGET_ID, "4f6a").with(attr::CORRELATION_ID, "c1"),
            audit("2026-02-27T03:20:02Z", "Consent to application", "j.doe@contoso.com", "Mail Backup Pro").with(attr::MODIFIED_PROPERTIES, consent).with(attr::TARGET_ID, sp).with(attr::CORRELATION_ID, "c1"),
        ]
    }

    #[test]
    fn audit_log_alone_shows_the_consented_app() {
        let store = store_of(consent_rows());
        let c = ctx();
        let inv = build(None, Some((&store, &c)));
        assert_eq!(inv.apps.len(), 1, "{:#?}", inv.apps);
        let app = &inv.apps[0];
        assert_eq!(app.name, "Mail Backup Pro");
        assert_eq!(app.app_id, "77777777-6666-4555-8444-333333333333");
        assert_eq!(app.events.iter().map(|e| e.row).collect::<Vec<_>>(), vec![0, 1, 2]);
        assert!(app.consented_by_suspect && app.created_in_window);
        assert_eq!(app.consented_by, vec!["j.doe@contoso.com".to_string()]);
        assert_eq!(app.delegated[0].resource, "Microsoft Graph");
        assert_eq!(app.delegated[0].user.as_deref(), Some("j.doe@contoso.com"));
        assert_eq!(app.risk, Severity::Critical, "{:?}", app.reasons);
        assert!(!inv.notes.is_empty());
        let only_suspect = inv.filtered(Filter { consented_by_suspect: true, created_in_window: true, broad_permissions: true });
        assert_eq!(only_suspect.len(), 1);
    }
}
