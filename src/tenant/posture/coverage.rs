//! Coverage checks: is MFA demanded of every user on every resource, of
//! every privileged role, at the admin portals; is a compliant or
//! hybrid-joined device demanded for sensitive resources?

use super::policy::{CaPolicy, Demand, State, AZURE_MANAGEMENT, EXCHANGE_ONLINE, SHAREPOINT_ONLINE};
use super::{CheckResult, Posture, PolicyRef, PostureCheck};
use crate::detect::Severity;
use crate::tenant::roles::PRIVILEGED_ROLES;

fn has(list: &[String], value: &str) -> bool {
    list.iter().any(|v| v.eq_ignore_ascii_case(value))
}

/// The policy asks for MFA (or blocks) on every sign-in of its targets to
/// every resource: no narrowing condition.
fn mfa_everywhere(p: &CaPolicy) -> bool {
    p.all_apps() && p.narrowing().is_empty() && matches!(p.demand(), Demand::Mfa)
}

fn exclusion_note(p: &CaPolicy) -> String {
    let n = p.exclude_users().len() + p.exclude_groups().len() + p.exclude_roles().len();
    if n == 0 {
        String::new()
    } else {
        format!("with {n} user, group or role exclusion(s): see the exclusions check")
    }
}

pub fn mfa_all_users(posture: &Posture) -> Vec<PostureCheck> {
    const ID: &str = "mfa_all_users";
    const TITLE: &str = "MFA required for all users on all cloud apps";
    let full: Vec<&CaPolicy> = posture.live().filter(|p| p.all_users() && mfa_everywhere(p)).collect();
    let enforced: Vec<&&CaPolicy> = full.iter().filter(|p| p.state() == State::Enforced).collect();
    if let Some(p) = enforced.first() {
        let refs = enforced.iter().map(|p| PolicyRef::of(p, exclusion_note(p))).collect();
        let reason = format!("enforced policy '{}' asks every user for MFA on every resource", p.name());
        return vec![PostureCheck::new(ID, TITLE, CheckResult::Pass, Severity::Info, reason).policies(refs)];
    }
    if !full.is_empty() {
        let names: Vec<String> = full.iter().map(|p| format!("'{}'", p.name())).collect();
        let refs = full.iter().map(|p| PolicyRef::of(p, "report-only: evaluated and logged, never enforced")).collect();
        let reason = format!("MFA for everyone is only in report-only policy {}: sign-ins are logged as if it applied, but nobody is asked for MFA", names.join(", "));
        return vec![PostureCheck::new(ID, TITLE, CheckResult::Gap, Severity::High, reason).policies(refs)];
    }
    // Nearly: all users but narrowed, or MFA one of several alternatives, or some apps only.
    let near: Vec<(&CaPolicy, String)> = posture
        .live()
        .filter(|p| p.all_users() && matches!(p.demand(), Demand::Mfa | Demand::MfaOrOther))
        .map(|p| {
            let mut why = Vec::new();
            if p.demand() == Demand::MfaOrOther {
                why.push(format!("MFA is one choice among {}", p.controls().join(", ")));
            }
            if !p.all_apps() {
                why.push(format!("only for {}", posture.directory.labels(&p.include_apps())));
            }
            why.extend(p.narrowing());
            if p.state() == State::ReportOnly {
                why.push("report-only".into());
            }
            (p, why.join("; "))
        })
        .collect();
    if near.is_empty() {
        let reason = "no enabled or report-only policy asks all users for MFA: unless security defaults or per-user MFA do (neither is in the snapshot), a stolen password is enough to sign in";
        return vec![PostureCheck::new(ID, TITLE, CheckResult::Gap, Severity::High, reason)
            .cannot_judge("security defaults and per-user MFA are not part of a CA policy export")];
    }
    let refs = near.iter().map(|(p, why)| PolicyRef::of(p, why.clone())).collect();
    let names: Vec<String> = near.iter().map(|(p, why)| format!("'{}' ({why})", p.name())).collect();
    let reason = format!("MFA is asked of all users only partly: {}", names.join("; "));
    vec![PostureCheck::new(ID, TITLE, CheckResult::Gap, Severity::Medium, reason).policies(refs)]
}

pub fn mfa_privileged_roles(posture: &Posture) -> Vec<PostureCheck> {
    const ID: &str = "mfa_privileged_roles";
    const TITLE: &str = "MFA required for privileged directory roles";
    let roles = PRIVILEGED_ROLES.iter().filter(|r| r.risk >= Severity::High);
    let mut uncovered = Vec::new();
    let mut report_only = Vec::new();
    let mut used: Vec<PolicyRef> = Vec::new();
    let mut worst = Severity::Info;
    for role in roles {
        let covers = |p: &&CaPolicy| {
            (p.all_users() || has(&p.include_roles(), role.template_id)) && !has(&p.exclude_roles(), role.template_id) && mfa_everywhere(p)
        };
        let enforced = posture.live().filter(covers).find(|p| p.state() == State::Enforced);
        match enforced {
            Some(p) => {
                if !used.iter().any(|u| u.id == p.id()) {
                    used.push(PolicyRef::of(p, ""));
                }
            }
            None => {
                worst = worst.max(role.risk);
                match posture.live().find(covers) {
                    Some(p) => {
                        report_only.push(role.name);
                        if !used.iter().any(|u| u.id == p.id()) {
                            used.push(PolicyRef::of(p, "report-only: not enforced"));
                        }
                    }
                    None => uncovered.push(role.name),
                }
            }
        }
    }
    if uncovered.is_empty() && report_only.is_empty() {
        let reason = "every privileged role is held to MFA on every resource by an enforced policy";
        return vec![PostureCheck::new(ID, TITLE, CheckResult::Pass, Severity::Info, reason)
            .policies(used)
            .cannot_judge("roles given to groups, and PIM-eligible holders, count once the role is active; who holds which role is in the role assignment export")];
    }
    let mut parts = Vec::new();
    if !uncovered.is_empty() {
        parts.push(format!("no policy asks {} for MFA on every resource", list(&uncovered)));
    }
    if !report_only.is_empty() {
        parts.push(format!("only report-only policies cover {}", list(&report_only)));
    }
    vec![PostureCheck::new(ID, TITLE, CheckResult::Gap, worst, parts.join("; ")).policies(used)]
}

fn list(names: &[&str]) -> String {
    let shown: Vec<&str> = names.iter().take(6).copied().collect();
    if names.len() > shown.len() {
        format!("{} and {} more", shown.join(", "), names.len() - shown.len())
    } else {
        shown.join(", ")
    }
}

/// Resources an attacker with mail or files in mind goes for.
const SENSITIVE: [(&str, &str); 5] = [
    ("Office365", "Office 365"),
    (EXCHANGE_ONLINE, "Exchange Online"),
    (SHAREPOINT_ONLINE, "SharePoint Online"),
    ("MicrosoftAdminPortals", "Microsoft admin portals"),
    (AZURE_MANAGEMENT, "Azure management"),
];

pub fn device_required(posture: &Posture) -> Vec<PostureCheck> {
    const ID: &str = "device_required";
    const TITLE: &str = "Compliant or hybrid-joined device required for sensitive resources";
    let scope = |p: &CaPolicy| -> Option<String> {
        if p.all_apps() {
            return Some("all resources".into());
        }
        let hit: Vec<&str> = SENSITIVE.iter().filter(|(id, _)| p.includes_app(id)).map(|(_, n)| *n).collect();
        (!hit.is_empty()).then(|| hit.join(", "))
    };
    let found: Vec<(&CaPolicy, String)> = posture.live().filter(|p| p.requires_device()).filter_map(|p| scope(p).map(|s| (p, s))).collect();
    let enforced: Vec<&(&CaPolicy, String)> = found.iter().filter(|(p, _)| p.state() == State::Enforced).collect();
    let refs: Vec<PolicyRef> = found
        .iter()
        .map(|(p, s)| {
            let who = if p.all_users() { "all users".to_string() } else { "selected users".to_string() };
            PolicyRef::of(p, format!("{s}, {who}{}", if p.state() == State::ReportOnly { "; report-only" } else { "" }))
        })
        .collect();
    let unjudged = "which devices count as compliant is decided by Intune, outside this export";
    if let Some((p, s)) = enforced.first() {
        let who = if p.all_users() { "every user" } else { "the users it targets" };
        let reason = format!("enforced policy '{}' lets {who} reach {s} only from a compliant or hybrid-joined device", p.name());
        return vec![PostureCheck::new(ID, TITLE, CheckResult::Pass, Severity::Info, reason).policies(refs).cannot_judge(unjudged)];
    }
    let reason = if found.is_empty() {
        let or_device = posture.live().any(|p| p.demand() == Demand::MfaOrOther && has(&p.controls(), "compliantDevice"));
        let mut r = "no policy demands a managed device for mail, files or the admin portals: a stolen session or password works from any machine".to_string();
        if or_device {
            r.push_str(" (a device control is offered as an alternative to MFA somewhere, which does not require it)");
        }
        r
    } else {
        "a managed device is demanded only in report-only policies: not enforced".to_string()
    };
    vec![PostureCheck::new(ID, TITLE, CheckResult::Gap, Severity::Medium, reason).policies(refs).cannot_judge(unjudged)]
}

pub fn admin_portals(posture: &Posture) -> Vec<PostureCheck> {
    const ID: &str = "admin_portals";
    const TITLE: &str = "Admin portals restricted (MFA, device or location)";
    let targets_admins = |p: &CaPolicy| p.all_users() || PRIVILEGED_ROLES.iter().any(|r| has(&p.include_roles(), r.template_id));
    let control = |p: &CaPolicy| -> Option<String> {
        if !(p.all_apps() || p.includes_app("MicrosoftAdminPortals") || p.includes_app(AZURE_MANAGEMENT)) {
            return None;
        }
        if !p.list("conditions.applications.includeUserActions").is_empty() {
            return None;
        }
        let located = !p.include_locations().is_empty() || !p.exclude_locations().is_empty();
        match p.demand() {
            Demand::Block if located => Some("blocked outside the allowed locations".into()),
            Demand::Block => None, // an unconditional block of every portal is not a restriction worth passing
            Demand::Mfa if p.narrowing().is_empty() || located => Some("MFA".into()),
            _ if p.requires_device() => Some("a compliant or joined device".into()),
            _ => None,
        }
    };
    let found: Vec<(&CaPolicy, String)> = posture.live().filter(|p| targets_admins(p)).filter_map(|p| control(p).map(|c| (p, c))).collect();
    let enforced: Vec<&(&CaPolicy, String)> = found.iter().filter(|(p, _)| p.state() == State::Enforced).collect();
    let refs: Vec<PolicyRef> = found.iter().map(|(p, c)| PolicyRef::of(p, format!("{c}{}", if p.state() == State::ReportOnly { "; report-only" } else { "" }))).collect();
    if !enforced.is_empty() {
        let what: Vec<String> = enforced.iter().map(|(p, c)| format!("'{}' ({c})", p.name())).collect();
        let reason = format!("the admin portals and Azure management are held to {}", what.join(", "));
        return vec![PostureCheck::new(ID, TITLE, CheckResult::Pass, Severity::Info, reason).policies(refs)];
    }
    let reason = if found.is_empty() {
        "no policy restricts the Microsoft admin portals or Azure management by MFA, device or location: a stolen admin session can manage the tenant from anywhere"
    } else {
        "the admin portals are restricted only by report-only policies: not enforced"
    };
    vec![PostureCheck::new(ID, TITLE, CheckResult::Gap, Severity::High, reason).policies(refs)]
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::super::CheckResult;
    use crate::detect::Severity;

    #[test]
    fn report_only_mfa_for_all_is_a_gap_enabled_is_a_pass() {
        let ro = policy("p1", "Require MFA", "enabledForReportingButNotEnforced", ALL_USERS, ALL_APPS, r#""all""#, MFA, "");
        let c = check(&checks(&page(std::slice::from_ref(&ro)), None), "mfa_all_users");
        assert_eq!((c.result, c.risk), (CheckResult::Gap, Severity::High));
        assert!(c.reason.contains("report-only"), "{}", c.reason);
        let on = ro.replace("enabledForReportingButNotEnforced", "enabled");
        let c = check(&checks(&page(&[on]), None), "mfa_all_users");
        assert_eq!(c.result, CheckResult::Pass);
        assert_eq!(c.policies[0].name, "Require MFA");
    }

    #[test]
    fn partial_mfa_and_admin_roles() {
        let office = r#"{"includeApplications":["Office365"],"excludeApplications":[]}"#;
        let p = policy("p1", "MFA Office", "enabled", ALL_USERS, office, r#""all""#, MFA, "");
        let all = checks(&page(&[p]), None);
        let c = check(&all, "mfa_all_users");
        assert_eq!((c.result, c.risk), (CheckResult::Gap, Severity::Medium));
        assert!(c.reason.contains("only for Office365"), "{}", c.reason);
        let c = check(&all, "mfa_privileged_roles");
        assert_eq!((c.result, c.risk), (CheckResult::Gap, Severity::Critical));
        let admins = r#"{"includeUsers":[],"includeRoles":["62e90394-69f5-4237-9190-012177145e10"],"excludeRoles":[]}"#;
        let p = policy("p2", "MFA GA", "enabled", admins, ALL_APPS, r#""all""#, MFA, "");
        let c = check(&checks(&page(&[p]), None), "mfa_privileged_roles");
        assert_eq!((c.result, c.risk), (CheckResult::Gap, Severity::Critical), "Privileged Role Administrator is still uncovered");
        assert!(!c.reason.contains("Global Administrator,") && c.reason.contains("Privileged Role Administrator"), "{}", c.reason);
    }

    #[test]
    fn devices_and_admin_portals() {
        let portals = r#"{"includeApplications":["MicrosoftAdminPortals"],"excludeApplications":[]}"#;
        let admins = r#"{"includeUsers":[],"includeRoles":["62e90394-69f5-4237-9190-012177145e10"]}"#;
        let p = policy("p1", "Admin portals MFA", "enabled", admins, portals, r#""all""#, MFA, "");
        let compliant = r#"{"operator":"OR","builtInControls":["compliantDevice","domainJoinedDevice"]}"#;
        let office = r#"{"includeApplications":["Office365"]}"#;
        let d = policy("p2", "Managed devices for Office", "enabled", ALL_USERS, office, r#""all""#, compliant, "");
        let all = checks(&page(&[p, d]), None);
        assert_eq!(check(&all, "admin_portals").result, CheckResult::Pass);
        let c = check(&all, "device_required");
        assert_eq!(c.result, CheckResult::Pass, "{}", c.reason);
        assert!(c.reason.contains("Office 365"));
        let either = r#"{"operator":"OR","builtInControls":["mfa","compliantDevice"]}"#;
        let d = policy("p3", "MFA or device", "enabled", ALL_USERS, ALL_APPS, r#""all""#, either, "");
        let c = check(&checks(&page(&[d]), None), "device_required");
        assert_eq!(c.result, CheckResult::Gap);
        assert!(c.reason.contains("alternative"), "{}", c.reason);
    }
}
