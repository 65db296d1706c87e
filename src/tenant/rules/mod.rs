//! Risk rules: how much one object's change matters, and why, in words an
//! analyst can act on. One module per area; each returns every risk it
//! sees (possibly none, when the diff shows a plain change).
//!
//! - `conditional_access`: policies disabled, report-only, deleted, given
//!   exclusions, scope narrowed, controls dropped.
//! - `locations`: named locations trusted or widened.
//! - `federation`: domains federated, federation trust changed.
//! - `apps`: new apps, credentials, redirect URIs, delegated grants and app
//!   role assignments ranked by permission.
//! - `roles`: privileged role assignments and eligibilities, custom roles.
//! - `auth_methods`: the authentication methods policy weakened; new
//!   sign-in methods on users.
//! - `mailboxes`: inbox rules, forwarding, transport rules, delegation and
//!   audit settings that became dangerous.

mod apps;
mod auth_methods;
mod conditional_access;
mod federation;
mod locations;
mod mailboxes;
mod roles;

use super::diff::ChangeKind;
use super::jsondiff::PropertyChange;
use super::kind::ObjectKind;
use super::object::TenantObject;
use super::roles::{privileged_role, PrivilegedRole};
use super::snapshot::Snapshot;
use crate::detect::Severity;
use serde::Serialize;

/// How much a change matters, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Risk {
    pub level: Severity,
    pub reason: String,
}

impl Risk {
    pub fn new(level: Severity, reason: impl Into<String>) -> Risk {
        Risk { level, reason: reason.into() }
    }
}

/// What a rule sees: both versions of the object (one is `None` for added
/// or removed), the property changes, and both snapshots for names.
pub struct RuleCtx<'a> {
    pub old: Option<&'a TenantObject>,
    pub new: Option<&'a TenantObject>,
    pub change: ChangeKind,
    pub changes: &'a [PropertyChange],
    pub baseline: &'a Snapshot,
    pub current: &'a Snapshot,
}

impl<'a> RuleCtx<'a> {
    /// The object as it is now, or as it was if removed.
    pub fn object(&self) -> Option<&'a TenantObject> {
        self.new.or(self.old)
    }

    /// The object's name in quotes, for reasons.
    pub fn quoted(&self) -> String {
        self.object().map_or_else(String::new, |o| format!("'{}'", o.name))
    }

    /// Strings in the array at `path` now that were not there before
    /// (case-insensitive; all of them for an added object).
    pub fn added_strings(&self, path: &str) -> Vec<String> {
        let before = self.old.map(|o| o.strings_at(path)).unwrap_or_default();
        let after = self.new.map(|o| o.strings_at(path)).unwrap_or_default();
        after.into_iter().filter(|s| !before.iter().any(|b| b.eq_ignore_ascii_case(s))).collect()
    }

    /// Strings in the array at `path` before that are gone now.
    pub fn removed_strings(&self, path: &str) -> Vec<String> {
        let before = self.old.map(|o| o.strings_at(path)).unwrap_or_default();
        let after = self.new.map(|o| o.strings_at(path)).unwrap_or_default();
        before.into_iter().filter(|s| !after.iter().any(|a| a.eq_ignore_ascii_case(s))).collect()
    }

    /// A string property before and after.
    pub fn str_change(&self, path: &str) -> (Option<&'a str>, Option<&'a str>) {
        (self.old.and_then(|o| o.str_at(path)), self.new.and_then(|o| o.str_at(path)))
    }

    /// Whether any changed property path starts with `prefix`.
    pub fn touched(&self, prefix: &str) -> bool {
        self.changes.iter().any(|c| c.path.starts_with(prefix))
    }

    /// The name of whatever has this id, from either snapshot, else the id.
    pub fn name_of(&self, id: &str) -> String {
        match id {
            "All" | "None" | "GuestsOrExternalUsers" | "AllTrusted" | "Office365" | "MicrosoftAdminPortals" => return id.to_string(),
            _ => {}
        }
        if let Some(role) = privileged_role(id) {
            return role.name.to_string();
        }
        self.current.name_of(id).or_else(|| self.baseline.name_of(id)).map_or_else(|| id.to_string(), str::to_string)
    }

    /// Names for a list of ids, joined for a sentence (at most 6 shown).
    pub fn names(&self, ids: &[String]) -> String {
        let mut shown: Vec<String> = ids.iter().take(6).map(|id| self.name_of(id)).collect();
        if ids.len() > 6 {
            shown.push(format!("and {} more", ids.len() - 6));
        }
        shown.join(", ")
    }

    /// The most privileged role `principal_id` holds or may activate in the
    /// current snapshot.
    pub fn privileged_role_of(&self, principal_id: &str) -> Option<&'static PrivilegedRole> {
        let holds = |kind: &ObjectKind| {
            self.current
                .of_kind(kind)
                .filter(|a| a.str_at("principalId").is_some_and(|p| p.eq_ignore_ascii_case(principal_id)))
                .filter_map(|a| a.str_at("roleDefinitionId").and_then(|r| role_template(self.current, r)))
                .collect::<Vec<_>>()
        };
        let mut roles = holds(&ObjectKind::RoleAssignment);
        roles.extend(holds(&ObjectKind::RoleEligibility));
        roles.into_iter().max_by_key(|r| r.risk)
    }
}

/// The privileged built-in role a role definition id stands for: the id
/// itself for built-in roles, or a custom role's `templateId` when the
/// definition is in the snapshot.
pub fn role_template(snapshot: &Snapshot, role_definition_id: &str) -> Option<&'static PrivilegedRole> {
    privileged_role(role_definition_id).or_else(|| {
        snapshot.get(&ObjectKind::RoleDefinition, role_definition_id).and_then(|d| d.str_at("templateId")).and_then(privileged_role)
    })
}

/// A readable name for objects that have none of their own, from the
/// things they link (`j.doe@contoso.com: Global Administrator`,
/// `Mail Sync → Microsoft Graph: Mail.Read`). `None` keeps the object's name.
pub fn describe(ctx: &RuleCtx) -> Option<String> {
    let o = ctx.object()?;
    match o.kind {
        ObjectKind::RoleAssignment | ObjectKind::RoleEligibility => {
            let role_id = o.str_at("roleDefinitionId")?;
            let role = role_template(ctx.current, role_id).map_or_else(|| ctx.name_of(role_id), |t| t.name.to_string());
            Some(format!("{}: {role}", ctx.name_of(o.str_at("principalId")?)))
        }
        ObjectKind::OAuth2PermissionGrant => {
            let scope = o.str_at("scope").map(str::trim).unwrap_or("");
            Some(format!("{} → {}: {scope}", ctx.name_of(o.str_at("clientId")?), ctx.name_of(o.str_at("resourceId")?)))
        }
        _ => None,
    }
}

/// Every risk the rules see in one object's change.
pub fn assess(ctx: &RuleCtx) -> Vec<Risk> {
    let Some(object) = ctx.object() else { return Vec::new() };
    match object.kind {
        ObjectKind::ConditionalAccessPolicy => conditional_access::assess(ctx),
        ObjectKind::NamedLocation => locations::assess(ctx),
        ObjectKind::Domain => federation::assess_domain(ctx),
        ObjectKind::FederationConfiguration => federation::assess_federation(ctx),
        ObjectKind::Application => apps::assess_application(ctx),
        ObjectKind::ServicePrincipal => apps::assess_service_principal(ctx),
        ObjectKind::OAuth2PermissionGrant => apps::assess_grant(ctx),
        ObjectKind::AppRoleAssignment => apps::assess_app_role_assignment(ctx),
        ObjectKind::RoleAssignment | ObjectKind::RoleEligibility => roles::assess_assignment(ctx),
        ObjectKind::RoleDefinition => roles::assess_definition(ctx),
        ObjectKind::AuthenticationMethodsPolicy => auth_methods::assess_policy(ctx),
        ObjectKind::AuthenticationMethodConfiguration => auth_methods::assess_configuration(ctx),
        ObjectKind::User => auth_methods::assess_user(ctx),
        ObjectKind::AuthenticationMethod => auth_methods::assess_method(ctx),
        ObjectKind::InboxRule | ObjectKind::MailboxForwarding | ObjectKind::TransportRule | ObjectKind::MailboxPermission | ObjectKind::MailboxAuditSetting => {
            mailboxes::assess(ctx)
        }
        ObjectKind::Other(_) => Vec::new(),
    }
}

#[cfg(test)]
pub(crate) mod testkit {
    //! Build two snapshots from inline JSON and diff them.
    use super::super::diff::{diff_snapshots, ObjectChange};
    use super::super::snapshot::Snapshot;

    pub fn changes(baseline: &str, current: &str) -> Vec<ObjectChange> {
        let b = Snapshot::from_files([("baseline.json", baseline.as_bytes())]);
        let c = Snapshot::from_files([("current.json", current.as_bytes())]);
        diff_snapshots(&b, &c).changes
    }

    /// The one change, or a failure naming them all.
    pub fn only(baseline: &str, current: &str) -> ObjectChange {
        let mut all = changes(baseline, current);
        assert_eq!(all.len(), 1, "{all:#?}");
        all.remove(0)
    }
}
