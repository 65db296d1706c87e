//! One Conditional Access policy read the way Entra evaluates it: who it
//! targets, which resources and client apps, the other conditions that
//! narrow it, and what it demands (its grant controls).
//!
//! The model follows Microsoft Graph's `conditionalAccessPolicy`:
//! `conditions.users` include/exclude lists of user, group and role ids
//! (`includeUsers` may hold `All`, `None` or `GuestsOrExternalUsers`);
//! `conditions.applications.includeApplications` (`All`, `None`,
//! `Office365`, `MicrosoftAdminPortals` or app ids); `clientAppTypes`;
//! `locations`; `platforms`; risk levels; and `grantControls` combining
//! `builtInControls` and an `authenticationStrength` with `operator` OR / AND.

use crate::tenant::object::{at, TenantObject};
use serde_json::Value;

/// Windows Azure Service Management API (the Azure portal, ARM, CLI, PowerShell).
pub const AZURE_MANAGEMENT: &str = "797f4846-ba00-4fd7-ba43-dac1f8f63013";
/// Office 365 Exchange Online.
pub const EXCHANGE_ONLINE: &str = "00000002-0000-0ff1-ce00-000000000000";
/// Office 365 SharePoint Online.
pub const SHAREPOINT_ONLINE: &str = "00000003-0000-0ff1-ce00-000000000000";

/// The policy's state: only `Enforced` decides sign-ins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Enforced,
    ReportOnly,
    Disabled,
    Unknown,
}

impl State {
    pub fn words(self) -> &'static str {
        match self {
            State::Enforced => "enforced",
            State::ReportOnly => "report-only (logged, not enforced)",
            State::Disabled => "disabled",
            State::Unknown => "state unknown",
        }
    }
}

/// What the grant controls demand of a sign-in the policy applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Demand {
    /// The sign-in is refused.
    Block,
    /// A second factor (or an authentication strength) whatever else is offered.
    Mfa,
    /// A second factor, or another control that is not one (e.g. a compliant device).
    MfaOrOther,
    /// No second factor among the controls.
    NoMfa,
    /// No grant controls (session controls only).
    Nothing,
}

/// A read-only view of one CA policy.
pub struct CaPolicy<'a> {
    pub object: &'a TenantObject,
}

fn has(list: &[String], value: &str) -> bool {
    list.iter().any(|v| v.eq_ignore_ascii_case(value))
}

impl<'a> CaPolicy<'a> {
    pub fn new(object: &'a TenantObject) -> CaPolicy<'a> {
        CaPolicy { object }
    }

    pub fn id(&self) -> &str {
        &self.object.id
    }

    pub fn name(&self) -> &str {
        &self.object.name
    }

    pub fn state(&self) -> State {
        match self.object.str_at("state") {
            Some(s) if s.eq_ignore_ascii_case("enabled") => State::Enforced,
            Some(s) if s.eq_ignore_ascii_case("enabledForReportingButNotEnforced") => State::ReportOnly,
            Some(s) if s.eq_ignore_ascii_case("disabled") => State::Disabled,
            _ => State::Unknown,
        }
    }

    pub fn list(&self, path: &str) -> Vec<String> {
        self.object.strings_at(path)
    }

    pub fn include_users(&self) -> Vec<String> {
        self.list("conditions.users.includeUsers")
    }
    pub fn exclude_users(&self) -> Vec<String> {
        self.list("conditions.users.excludeUsers")
    }
    pub fn include_groups(&self) -> Vec<String> {
        self.list("conditions.users.includeGroups")
    }
    pub fn exclude_groups(&self) -> Vec<String> {
        self.list("conditions.users.excludeGroups")
    }
    pub fn include_roles(&self) -> Vec<String> {
        self.list("conditions.users.includeRoles")
    }
    pub fn exclude_roles(&self) -> Vec<String> {
        self.list("conditions.users.excludeRoles")
    }
    pub fn include_apps(&self) -> Vec<String> {
        self.list("conditions.applications.includeApplications")
    }
    pub fn exclude_apps(&self) -> Vec<String> {
        self.list("conditions.applications.excludeApplications")
    }
    pub fn include_locations(&self) -> Vec<String> {
        self.list("conditions.locations.includeLocations")
    }
    pub fn exclude_locations(&self) -> Vec<String> {
        self.list("conditions.locations.excludeLocations")
    }
    pub fn client_app_types(&self) -> Vec<String> {
        self.list("conditions.clientAppTypes")
    }
    pub fn controls(&self) -> Vec<String> {
        self.list("grantControls.builtInControls")
    }
    pub fn sign_in_risk_levels(&self) -> Vec<String> {
        self.list("conditions.signInRiskLevels")
    }
    pub fn user_risk_levels(&self) -> Vec<String> {
        self.list("conditions.userRiskLevels")
    }

    /// Whether `excludeGuestsOrExternalUsers` is set (a non-empty object).
    pub fn excludes_guests(&self) -> bool {
        at(&self.object.raw, "conditions.users.excludeGuestsOrExternalUsers").is_some_and(|v| !crate::tenant::jsondiff::is_absent(v))
    }

    /// Targets every user (before exclusions).
    pub fn all_users(&self) -> bool {
        has(&self.include_users(), "All")
    }

    /// Targets every resource (before exclusions).
    pub fn all_apps(&self) -> bool {
        has(&self.include_apps(), "All")
    }

    pub fn includes_app(&self, app: &str) -> bool {
        has(&self.include_apps(), app)
    }

    /// Whether the policy covers the client apps modern sign-ins use
    /// (browser and desktop/mobile). Left unset it covers every client app.
    pub fn all_client_apps(&self) -> bool {
        let types = self.client_app_types();
        types.is_empty() || has(&types, "all") || (has(&types, "browser") && has(&types, "mobileAppsAndDesktopClients"))
    }

    pub fn authentication_strength(&self) -> Option<String> {
        let strength = at(&self.object.raw, "grantControls.authenticationStrength")?;
        if crate::tenant::jsondiff::is_absent(strength) {
            return None;
        }
        let name = strength.get("displayName").and_then(Value::as_str).or_else(|| strength.get("id").and_then(Value::as_str)).unwrap_or("an authentication strength");
        Some(name.to_string())
    }

    /// What the policy demands, from its grant controls and operator.
    pub fn demand(&self) -> Demand {
        let controls = self.controls();
        if has(&controls, "block") {
            return Demand::Block;
        }
        let strength = self.authentication_strength().is_some();
        let mfa_like = |c: &String| c.eq_ignore_ascii_case("mfa");
        let mfa_count = controls.iter().filter(|c| mfa_like(c)).count() + usize::from(strength);
        let total = controls.len() + usize::from(strength);
        if total == 0 {
            return Demand::Nothing;
        }
        if mfa_count == 0 {
            return Demand::NoMfa;
        }
        let and = self.object.str_at("grantControls.operator").is_some_and(|o| o.eq_ignore_ascii_case("AND"));
        if and || mfa_count == total {
            Demand::Mfa
        } else {
            Demand::MfaOrOther
        }
    }

    /// Whether the controls demand a compliant or hybrid-joined device,
    /// with no way around it (operator AND, or the only alternatives are
    /// device controls).
    pub fn requires_device(&self) -> bool {
        let controls = self.controls();
        let device = |c: &String| c.eq_ignore_ascii_case("compliantDevice") || c.eq_ignore_ascii_case("domainJoinedDevice");
        if !controls.iter().any(device) {
            return false;
        }
        let and = self.object.str_at("grantControls.operator").is_some_and(|o| o.eq_ignore_ascii_case("AND"));
        and || (controls.iter().all(device) && self.authentication_strength().is_none())
    }

    /// Conditions other than users and apps that limit where the policy
    /// applies, in words (`only from some locations`, `only at sign-in
    /// risk high`); empty when it applies to every sign-in of its targets.
    pub fn narrowing(&self) -> Vec<String> {
        let mut out = Vec::new();
        let include_locations = self.include_locations();
        if !include_locations.is_empty() && !has(&include_locations, "All") {
            out.push("only from some locations".to_string());
        }
        if !self.all_client_apps() {
            out.push(format!("only for client apps {}", self.client_app_types().join(", ")));
        }
        let platforms = self.list("conditions.platforms.includePlatforms");
        if !platforms.is_empty() && !has(&platforms, "all") {
            out.push(format!("only on {}", platforms.join(", ")));
        }
        let risks = self.sign_in_risk_levels();
        if !risks.is_empty() {
            out.push(format!("only at sign-in risk {}", risks.join("/")));
        }
        let risks = self.user_risk_levels();
        if !risks.is_empty() {
            out.push(format!("only at user risk {}", risks.join("/")));
        }
        if at(&self.object.raw, "conditions.devices.deviceFilter").is_some_and(|v| !crate::tenant::jsondiff::is_absent(v)) {
            out.push("only for devices matching a filter".to_string());
        }
        if !self.list("conditions.applications.includeUserActions").is_empty() {
            out.push("only for user actions, not sign-ins".to_string());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tenant::kind::ObjectKind;
    use serde_json::json;

    fn policy(grant: Value) -> TenantObject {
        TenantObject::new(ObjectKind::ConditionalAccessPolicy, "p".into(), None, json!({"id": "p", "displayName": "P", "state": "enabled", "conditions": {"clientAppTypes": ["all"]}, "grantControls": grant}), "f", "$")
    }

    #[test]
    fn grant_controls_read_with_their_operator() {
        let p = policy(json!({"operator": "OR", "builtInControls": ["mfa"]}));
        assert_eq!(CaPolicy::new(&p).demand(), Demand::Mfa);
        let p = policy(json!({"operator": "OR", "builtInControls": ["mfa", "compliantDevice"]}));
        assert_eq!(CaPolicy::new(&p).demand(), Demand::MfaOrOther);
        assert!(!CaPolicy::new(&p).requires_device());
        let p = policy(json!({"operator": "AND", "builtInControls": ["mfa", "compliantDevice"]}));
        assert_eq!(CaPolicy::new(&p).demand(), Demand::Mfa);
        assert!(CaPolicy::new(&p).requires_device());
        let p = policy(json!({"operator": "OR", "builtInControls": [], "authenticationStrength": {"id": "00000000-0000-0000-0000-000000000002", "displayName": "Multifactor authentication"}}));
        assert_eq!(CaPolicy::new(&p).demand(), Demand::Mfa);
        let p = policy(json!({"operator": "OR", "builtInControls": ["block"]}));
        assert_eq!(CaPolicy::new(&p).demand(), Demand::Block);
        let p = policy(Value::Null);
        assert_eq!(CaPolicy::new(&p).demand(), Demand::Nothing);
        assert!(CaPolicy::new(&p).all_client_apps());
    }
}
