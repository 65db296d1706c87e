//! Conditional Access policies: what an intruder does to keep a foothold is
//! switch a policy off (or to report-only, which looks on but enforces
//! nothing), delete it, or carve an exclusion for their account, location
//! or app. A change weighs as much as the policy is enforced now.

use super::{Risk, RuleCtx};
use crate::detect::Severity;
use crate::tenant::diff::ChangeKind;

const ENABLED: &str = "enabled";
const REPORT_ONLY: &str = "enabledForReportingButNotEnforced";
const DISABLED: &str = "disabled";

/// Exclusion lists: (path, what they hold).
const EXCLUSIONS: [(&str, &str); 7] = [
    ("conditions.users.excludeUsers", "users"),
    ("conditions.users.excludeGroups", "groups"),
    ("conditions.users.excludeRoles", "role holders"),
    ("conditions.applications.excludeApplications", "applications"),
    ("conditions.locations.excludeLocations", "locations"),
    ("conditions.platforms.excludePlatforms", "platforms"),
    ("conditions.clientApplications.excludeServicePrincipals", "workload identities"),
];

/// Inclusion lists whose shrinking narrows the policy.
const INCLUSIONS: [(&str, &str); 6] = [
    ("conditions.users.includeUsers", "users"),
    ("conditions.users.includeGroups", "groups"),
    ("conditions.users.includeRoles", "role holders"),
    ("conditions.applications.includeApplications", "applications"),
    ("conditions.locations.includeLocations", "locations"),
    ("conditions.clientAppTypes", "client app types"),
];

/// Grant controls whose removal lowers the bar to sign in.
const STRONG_CONTROLS: [&str; 6] = ["mfa", "block", "compliantDevice", "domainJoinedDevice", "approvedApplication", "compliantApplication"];

/// How much a loosening matters given the policy's state now.
fn weight(state: Option<&str>) -> Severity {
    match state {
        Some(ENABLED) => Severity::High,
        Some(REPORT_ONLY) => Severity::Medium,
        Some(DISABLED) => Severity::Low,
        _ => Severity::Medium,
    }
}

fn state_words(state: Option<&str>) -> &'static str {
    match state {
        Some(ENABLED) => "enforced",
        Some(REPORT_ONLY) => "report-only",
        Some(DISABLED) => "disabled",
        _ => "state unknown",
    }
}

pub fn assess(ctx: &RuleCtx) -> Vec<Risk> {
    let name = ctx.quoted();
    let (before, after) = ctx.str_change("state");
    match ctx.change {
        ChangeKind::Removed => {
            let level = weight(before);
            return vec![Risk::new(level, format!("CA policy {name} deleted (it was {}): its protection is gone", state_words(before)))];
        }
        ChangeKind::Added => {
            let level = if after == Some(ENABLED) { Severity::Low } else { Severity::Info };
            let mut risks = vec![Risk::new(level, format!("new CA policy {name} ({})", state_words(after)))];
            let excluded: Vec<String> = EXCLUSIONS.iter().flat_map(|(path, _)| ctx.added_strings(path)).collect();
            if !excluded.is_empty() && after == Some(ENABLED) {
                risks.push(Risk::new(Severity::Low, format!("new CA policy {name} excludes {}", ctx.names(&excluded))));
            }
            return risks;
        }
        ChangeKind::Changed => {}
    }
    let level = weight(after);
    let mut risks = Vec::new();
    match (before, after) {
        (Some(ENABLED), Some(DISABLED)) => risks.push(Risk::new(Severity::High, format!("CA policy {name} disabled: it was enforced"))),
        (Some(ENABLED), Some(REPORT_ONLY)) => risks.push(Risk::new(
            Severity::High,
            format!("CA policy {name} moved to report-only: it is still evaluated and logged but no longer enforced"),
        )),
        (Some(REPORT_ONLY), Some(DISABLED)) => risks.push(Risk::new(Severity::Low, format!("CA policy {name} switched from report-only to disabled"))),
        (Some(b), Some(a)) if a != b => risks.push(Risk::new(Severity::Info, format!("CA policy {name} now {}", state_words(Some(a))))),
        _ => {}
    }
    for (path, what) in EXCLUSIONS {
        let added = ctx.added_strings(path);
        if !added.is_empty() {
            risks.push(Risk::new(
                level,
                format!("CA policy {name} ({}) now excludes {what}: {}; they are no longer held to it", state_words(after), ctx.names(&added)),
            ));
        }
    }
    let guests = "conditions.users.excludeGuestsOrExternalUsers";
    if ctx.touched(guests) && ctx.new.and_then(|o| crate::tenant::object::at(&o.raw, guests)).is_some_and(|v| !crate::tenant::jsondiff::is_absent(v)) {
        risks.push(Risk::new(level, format!("CA policy {name} now excludes guests or external users")));
    }
    for (path, what) in INCLUSIONS {
        let removed = ctx.removed_strings(path);
        if removed.iter().any(|r| r.eq_ignore_ascii_case("All")) {
            risks.push(Risk::new(level, format!("CA policy {name} no longer applies to all {what}")));
        } else if !removed.is_empty() {
            risks.push(Risk::new(level.lowered(), format!("CA policy {name} no longer includes {what}: {}", ctx.names(&removed))));
        }
    }
    let dropped: Vec<String> = ctx
        .removed_strings("grantControls.builtInControls")
        .into_iter()
        .filter(|c| STRONG_CONTROLS.iter().any(|s| s.eq_ignore_ascii_case(c)))
        .collect();
    if !dropped.is_empty() {
        risks.push(Risk::new(level, format!("CA policy {name} no longer requires {}", dropped.join(", "))));
    }
    let strength_before = ctx.old.and_then(|o| o.str_at("grantControls.authenticationStrength.id"));
    let strength_after = ctx.new.and_then(|o| o.str_at("grantControls.authenticationStrength.id"));
    if strength_before.is_some() && strength_after.is_none() {
        risks.push(Risk::new(level, format!("CA policy {name} no longer requires an authentication strength")));
    }
    let (op_before, op_after) = ctx.str_change("grantControls.operator");
    let controls = ctx.new.map_or(0, |o| o.strings_at("grantControls.builtInControls").len());
    if op_before.is_some_and(|o| o.eq_ignore_ascii_case("AND")) && op_after.is_some_and(|o| o.eq_ignore_ascii_case("OR")) && controls > 1 {
        risks.push(Risk::new(level.lowered(), format!("CA policy {name} now needs only one of its grant controls instead of all")));
    }
    let risk_levels_added = !ctx.added_strings("conditions.signInRiskLevels").is_empty() || !ctx.added_strings("conditions.userRiskLevels").is_empty();
    if risk_levels_added && ctx.old.is_some_and(|o| o.strings_at("conditions.signInRiskLevels").is_empty() && o.strings_at("conditions.userRiskLevels").is_empty()) {
        risks.push(Risk::new(level.lowered(), format!("CA policy {name} now applies only to risky sign-ins or users")));
    }
    if risks.is_empty() && (ctx.touched("conditions") || ctx.touched("grantControls") || ctx.touched("sessionControls")) {
        risks.push(Risk::new(Severity::Low, format!("CA policy {name}: conditions or controls edited; check what the edit allows")));
    }
    risks
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{changes, only};
    use crate::detect::Severity;
    use crate::tenant::diff::ChangeKind;

    fn policy(state: &str, exclude_users: &str, controls: &str) -> String {
        format!(
            r#"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/policies","value":[
            {{"id":"7f1c0d5e-3b0a-4c7e-9e6a-2f9d8f0c1a01","displayName":"Require MFA for all users","state":"{state}","modifiedDateTime":"2026-01-01T00:00:00Z",
              "conditions":{{"users":{{"includeUsers":["All"],"excludeUsers":[{exclude_users}]}},"applications":{{"includeApplications":["All"]}},"clientAppTypes":["all"]}},
              "grantControls":{{"operator":"OR","builtInControls":[{controls}]}}}}]}}"#
        )
    }

    const BREAK_GLASS: &str = r#""0a0a0a0a-0000-4000-8000-000000000001""#;

    #[test]
    fn disabled_and_report_only() {
        let c = only(&policy("enabled", "", r#""mfa""#), &policy("disabled", "", r#""mfa""#));
        assert_eq!((c.risk, c.change), (Severity::High, ChangeKind::Changed));
        assert!(c.reason().contains("disabled"), "{}", c.reason());
        let c = only(&policy("enabled", "", r#""mfa""#), &policy("enabledForReportingButNotEnforced", "", r#""mfa""#));
        assert_eq!(c.risk, Severity::High);
        assert!(c.reason().contains("report-only"));
        assert!(c.changes.iter().any(|p| p.path == "state"));
    }

    #[test]
    fn new_exclusion_weighs_by_state() {
        let c = only(&policy("enabled", "", r#""mfa""#), &policy("enabled", BREAK_GLASS, r#""mfa""#));
        assert_eq!(c.risk, Severity::High);
        assert!(c.reason().contains("excludes users"), "{}", c.reason());
        let c = only(&policy("disabled", "", r#""mfa""#), &policy("disabled", BREAK_GLASS, r#""mfa""#));
        assert_eq!(c.risk, Severity::Low);
    }

    #[test]
    fn deleted_and_controls_dropped() {
        let c = only(&policy("enabled", "", r#""mfa""#), r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/policies","value":[]}"#);
        assert_eq!((c.risk, c.change), (Severity::High, ChangeKind::Removed));
        let c = only(&policy("enabled", "", r#""mfa""#), &policy("enabled", "", ""));
        assert_eq!(c.risk, Severity::High);
        assert!(c.reason().contains("no longer requires mfa"), "{}", c.reason());
    }

    #[test]
    fn reordering_and_timestamps_are_not_changes() {
        let a = policy("enabled", r#""b","a""#, r#""mfa""#);
        let b = policy("enabled", r#""a","b""#, r#""mfa""#).replace("2026-01-01", "2026-02-02");
        let all = changes(&a, &b);
        assert_eq!(all.len(), 1);
        assert!(all[0].volatile_only);
        assert_eq!(all[0].risk, Severity::Info);
        assert!(changes(&a, &policy("enabled", r#""a","b""#, r#""mfa""#)).is_empty());
    }
}
