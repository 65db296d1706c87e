//! Authentication: the tenant's methods policy weakened (a phishable or
//! hand-out method switched on, number matching or the registration
//! campaign switched off), and new sign-in methods registered on users,
//! which is how an intruder keeps MFA after a password reset.

use super::{Risk, RuleCtx};
use crate::detect::Severity;
use crate::tenant::diff::ChangeKind;
use crate::tenant::object::{at, TenantObject};
use serde_json::Value;

/// How much switching a method on weakens sign-in, by configuration id.
fn method_weight(id: &str) -> (Severity, &'static str) {
    match id.to_ascii_lowercase().as_str() {
        "sms" => (Severity::High, "codes by text message can be intercepted or SIM-swapped"),
        "voice" => (Severity::High, "codes by phone call can be redirected"),
        "temporaryaccesspass" => (Severity::High, "an admin can hand out sign-in codes that satisfy MFA"),
        "email" => (Severity::Medium, "one-time codes by email"),
        "softwareoath" => (Severity::Medium, "software OTP apps, whose secrets can be copied"),
        "x509certificate" => (Severity::Medium, "certificate sign-in: check which issuers are trusted"),
        _ => (Severity::Low, "another sign-in method"),
    }
}

/// Feature switches whose turning off weakens the Authenticator app.
const AUTHENTICATOR_FEATURES: [(&str, &str, Severity); 3] = [
    ("numberMatchingRequiredState", "number matching", Severity::High),
    ("displayAppInformationRequiredState", "showing the app name in push prompts", Severity::Medium),
    ("displayLocationInformationRequiredState", "showing the location in push prompts", Severity::Medium),
];

/// A method configuration's risks between two versions of it.
fn configuration_risks(name: &str, old: Option<&Value>, new: Option<&Value>) -> Vec<Risk> {
    let Some(new) = new else { return Vec::new() };
    let id = new.get("id").and_then(Value::as_str).unwrap_or("method");
    let state = |v: Option<&Value>| v.and_then(|v| v.get("state")).and_then(Value::as_str).map(str::to_ascii_lowercase);
    let mut risks = Vec::new();
    if state(Some(new)).as_deref() == Some("enabled") && state(old).as_deref() != Some("enabled") {
        let (level, why) = method_weight(id);
        risks.push(Risk::new(level, format!("{name}: method {id} switched on ({why})")));
    }
    for (feature, what, level) in AUTHENTICATOR_FEATURES {
        let path = format!("featureSettings.{feature}.state");
        let get = |v: Option<&Value>| v.and_then(|v| at(v, &path)).and_then(Value::as_str).map(str::to_ascii_lowercase);
        if get(Some(new)).as_deref() == Some("disabled") && get(old).as_deref() != Some("disabled") {
            risks.push(Risk::new(level, format!("{name}: Authenticator {what} turned off (push fatigue attacks get easier)")));
        }
    }
    let targets = |v: Option<&Value>| -> Vec<String> {
        v.and_then(|v| v.get("includeTargets")).and_then(Value::as_array).map(|a| a.iter().filter_map(|t| t.get("id").and_then(Value::as_str)).map(str::to_string).collect()).unwrap_or_default()
    };
    let before = targets(old);
    let widened: Vec<String> = targets(Some(new)).into_iter().filter(|t| !before.contains(t)).collect();
    if !widened.is_empty() && old.is_some() && state(Some(new)).as_deref() == Some("enabled") {
        let (level, _) = method_weight(id);
        risks.push(Risk::new(level.lowered(), format!("{name}: method {id} now offered to {}", widened.join(", "))));
    }
    risks
}

fn configurations(object: Option<&TenantObject>) -> Vec<&Value> {
    object.and_then(|o| o.raw.get("authenticationMethodConfigurations")).and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default()
}

pub fn assess_policy(ctx: &RuleCtx) -> Vec<Risk> {
    if ctx.change != ChangeKind::Changed {
        return Vec::new();
    }
    let name = "authentication methods policy";
    let mut risks = Vec::new();
    let old = configurations(ctx.old);
    for config in configurations(ctx.new) {
        let id = config.get("id").and_then(Value::as_str).unwrap_or("");
        let before = old.iter().copied().find(|c| c.get("id").and_then(Value::as_str).is_some_and(|o| o.eq_ignore_ascii_case(id)));
        risks.extend(configuration_risks(name, before, Some(config)));
    }
    let campaign = "registrationEnforcement.authenticationMethodsRegistrationCampaign.state";
    let (before, after) = ctx.str_change(campaign);
    if after.is_some_and(|a| a.eq_ignore_ascii_case("disabled")) && !before.is_some_and(|b| b.eq_ignore_ascii_case("disabled")) {
        risks.push(Risk::new(Severity::Medium, format!("{name}: the campaign nudging users to register the Authenticator app was turned off")));
    }
    risks
}

pub fn assess_configuration(ctx: &RuleCtx) -> Vec<Risk> {
    if ctx.change == ChangeKind::Removed {
        return Vec::new();
    }
    let name = format!("authentication method settings {}", ctx.quoted());
    configuration_risks(&name, ctx.old.map(|o| &o.raw), ctx.new.map(|o| &o.raw))
}

/// A registered method described: type and the detail that identifies it.
fn describe_method(m: &Value) -> String {
    let kind = m.get("@odata.type").and_then(Value::as_str).map(crate::tenant::kind::short_type_name).unwrap_or_else(|| "method".into());
    let detail = ["phoneNumber", "emailAddress", "displayName", "model", "deviceTag"].iter().find_map(|k| m.get(*k).and_then(Value::as_str).filter(|s| !s.is_empty()));
    match detail {
        Some(d) => format!("{kind} ({d})"),
        None => kind,
    }
}

fn is_password(m: &Value) -> bool {
    m.get("@odata.type").and_then(Value::as_str).is_some_and(|t| t.ends_with("passwordAuthenticationMethod"))
}

fn methods(object: Option<&TenantObject>) -> Vec<&Value> {
    object.and_then(|o| o.raw.get("authenticationMethods")).and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default()
}

/// Raised one level when the user holds a privileged role.
fn method_level(ctx: &RuleCtx, user_id: Option<&str>, base: Severity) -> (Severity, String) {
    match user_id.and_then(|u| ctx.privileged_role_of(u)) {
        Some(role) => (base.raised(), format!("; the user holds {}", role.name)),
        None => (base, String::new()),
    }
}

pub fn assess_user(ctx: &RuleCtx) -> Vec<Risk> {
    let name = ctx.quoted();
    let user_id = ctx.object().map(|o| o.id.as_str());
    let mut risks = Vec::new();
    match ctx.change {
        ChangeKind::Added => {
            let (level, why) = method_level(ctx, user_id, Severity::Low);
            risks.push(Risk::new(level, format!("new account {name}{why}")));
        }
        ChangeKind::Removed => risks.push(Risk::new(Severity::Low, format!("account {name} deleted"))),
        ChangeKind::Changed => {
            let old_ids: Vec<String> = methods(ctx.old).iter().filter_map(|m| m.get("id").and_then(Value::as_str)).map(str::to_ascii_lowercase).collect();
            let added: Vec<String> = methods(ctx.new)
                .into_iter()
                .filter(|m| !is_password(m))
                .filter(|m| m.get("id").and_then(Value::as_str).is_some_and(|id| !old_ids.contains(&id.to_ascii_lowercase())))
                .map(describe_method)
                .collect();
            if !added.is_empty() {
                let (level, why) = method_level(ctx, user_id, Severity::Medium);
                risks.push(Risk::new(level, format!("new sign-in method for {name}: {}{why}", added.join(", "))));
            }
            if ctx.old.and_then(|o| o.bool_at("accountEnabled")) == Some(false) && ctx.new.and_then(|o| o.bool_at("accountEnabled")) == Some(true) {
                risks.push(Risk::new(Severity::Low, format!("account {name} re-enabled")));
            }
        }
    }
    risks
}

pub fn assess_method(ctx: &RuleCtx) -> Vec<Risk> {
    let Some(m) = ctx.new else { return Vec::new() };
    if ctx.change != ChangeKind::Added || is_password(&m.raw) {
        return Vec::new();
    }
    let owner = m.owner.as_deref();
    let whose = owner.map_or_else(String::new, |u| format!(" for {}", ctx.name_of(u)));
    let (level, why) = method_level(ctx, owner, Severity::Medium);
    vec![Risk::new(level, format!("new sign-in method{whose}: {}{why}", describe_method(&m.raw)))]
}

#[cfg(test)]
mod tests {
    use super::super::testkit::only;
    use crate::detect::Severity;

    fn policy(sms: &str, number_matching: &str, campaign: &str) -> String {
        format!(
            r##"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#policies/authenticationMethodsPolicy/$entity","id":"authenticationMethodsPolicy","displayName":"Authentication Methods Policy","policyVersion":"1.5",
            "registrationEnforcement":{{"authenticationMethodsRegistrationCampaign":{{"snoozeDurationInDays":1,"state":"{campaign}","excludeTargets":[],"includeTargets":[{{"id":"all_users","targetType":"group","targetedAuthenticationMethod":"microsoftAuthenticator"}}]}}}},
            "authenticationMethodConfigurations":[
              {{"@odata.type":"#microsoft.graph.smsAuthenticationMethodConfiguration","id":"Sms","state":"{sms}","excludeTargets":[],"includeTargets":[{{"targetType":"group","id":"all_users","isUsableForSignIn":true}}]}},
              {{"@odata.type":"#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration","id":"MicrosoftAuthenticator","state":"enabled","isSoftwareOathEnabled":false,
                "featureSettings":{{"numberMatchingRequiredState":{{"state":"{number_matching}","includeTarget":{{"targetType":"group","id":"all_users"}},"excludeTarget":{{"targetType":"group","id":"00000000-0000-0000-0000-000000000000"}}}}}},
                "includeTargets":[{{"targetType":"group","id":"all_users","isRegistrationRequired":false,"authenticationMode":"any"}}]}}]}}"##
        )
    }

    #[test]
    fn sms_enabled() {
        let c = only(&policy("disabled", "enabled", "enabled"), &policy("enabled", "enabled", "enabled"));
        assert_eq!(c.risk, Severity::High);
        assert!(c.reason().contains("method Sms switched on"), "{}", c.reason());
        assert!(c.changes.iter().any(|p| p.path == "authenticationMethodConfigurations[id=Sms].state"), "{:?}", c.changes);
    }

    #[test]
    fn number_matching_and_campaign_off() {
        let c = only(&policy("disabled", "enabled", "enabled"), &policy("disabled", "disabled", "enabled"));
        assert_eq!(c.risk, Severity::High);
        assert!(c.reason().contains("number matching"));
        let c = only(&policy("disabled", "enabled", "enabled"), &policy("disabled", "enabled", "disabled"));
        assert_eq!(c.risk, Severity::Medium);
        assert!(c.reason().contains("campaign"));
    }

    #[test]
    fn new_method_on_privileged_user() {
        let user = |methods: &str| {
            format!(
                r##"[{{"id":"0b7e1f0e-0000-4000-8000-0000000000e1","userPrincipalName":"admin@contoso.com","accountEnabled":true,"authenticationMethods":[{methods}]}},
                {{"@odata.type":"#microsoft.graph.unifiedRoleAssignment","id":"ra1","roleDefinitionId":"62e90394-69f5-4237-9190-012177145e10","principalId":"0b7e1f0e-0000-4000-8000-0000000000e1","directoryScopeId":"/"}}]"##
            )
        };
        let pw = r##"{"@odata.type":"#microsoft.graph.passwordAuthenticationMethod","id":"28c10230-6103-485e-b985-444c60001490"}"##;
        let phone = r##"{"@odata.type":"#microsoft.graph.phoneAuthenticationMethod","id":"3179e48a-750b-4051-897c-87b9720928f7","phoneNumber":"+1 5555550123","phoneType":"mobile","smsSignInState":"notAllowedByPolicy"}"##;
        let c = only(&user(pw), &user(&format!("{pw},{phone}")));
        assert_eq!(c.risk, Severity::High, "{}", c.reason());
        assert!(c.reason().contains("+1 5555550123") && c.reason().contains("Global Administrator"), "{}", c.reason());
    }
}
