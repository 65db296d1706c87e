//! Exclusions that open holes: every user, group, role, location or app
//! left out of a policy that demands MFA, a device or a block is a way
//! around it. Emergency-access ("break-glass") accounts are meant to be
//! excluded and are listed as expected; everything else is a gap, worst
//! when the excluded account is a suspect or an attacker's address sits in
//! an excluded location.

use super::policy::{CaPolicy, Demand, State};
use super::{CheckResult, Posture, PolicyRef, PostureCheck};
use crate::detect::{cidr_contains, parse_ip, IndicatorKind, Severity};
use crate::tenant::kind::ObjectKind;
use crate::tenant::roles::privileged_role;

/// How much a hole in this policy matters.
fn weight(p: &CaPolicy) -> Severity {
    let broad = p.all_users() && p.all_apps();
    let base = match p.demand() {
        Demand::Block | Demand::Mfa if broad => Severity::High,
        Demand::Block | Demand::Mfa | Demand::MfaOrOther => Severity::Medium,
        _ if p.requires_device() => Severity::Medium,
        _ => Severity::Low,
    };
    if p.state() == State::Enforced {
        base
    } else {
        base.lowered()
    }
}

fn demands_something(p: &CaPolicy) -> bool {
    matches!(p.demand(), Demand::Block | Demand::Mfa | Demand::MfaOrOther) || p.requires_device()
}

pub fn exclusions(posture: &Posture) -> Vec<PostureCheck> {
    const ID: &str = "exclusions";
    const TITLE: &str = "Exclusions that open holes";
    let dir = &posture.directory;
    let mut out = Vec::new();
    let mut break_glass_seen: Vec<String> = Vec::new();
    for p in posture.live().filter(|p| demands_something(p)) {
        let level = weight(p);
        let mut expected: Vec<String> = Vec::new();
        let mut holes: Vec<(Severity, String)> = Vec::new();
        let mut unjudged: Vec<String> = Vec::new();
        for id in p.exclude_users() {
            if id.eq_ignore_ascii_case("GuestsOrExternalUsers") {
                holes.push((level.lowered(), "guests and external users".into()));
                continue;
            }
            let name = dir.label(&id);
            let upn = posture.snapshot.get(&ObjectKind::User, &id).and_then(|u| u.str_at("userPrincipalName")).unwrap_or(&name);
            if posture.context.is_some_and(|c| c.is_suspect(upn)) {
                holes.push((Severity::Critical, format!("suspect account {name}: the exclusion may be the attacker's")));
            } else {
                match dir.is_break_glass(&id) {
                    Some(true) => {
                        expected.push(name.clone());
                        if !break_glass_seen.contains(&name) {
                            break_glass_seen.push(name);
                        }
                    }
                    Some(false) => holes.push((level, format!("user {name}"))),
                    None => {
                        holes.push((level, format!("user {id}")));
                        unjudged.push(format!("user {id} is not in the snapshot: whose account it is cannot be told"));
                    }
                }
            }
        }
        for id in p.exclude_groups() {
            let name = dir.label(&id);
            if dir.is_break_glass(&id) == Some(true) {
                expected.push(format!("group {name}"));
                if !break_glass_seen.contains(&name) {
                    break_glass_seen.push(name);
                }
                continue;
            }
            holes.push((level, format!("group {name}")));
            let listed = dir.group(&id).is_some_and(|g| g.raw.get("members").is_some() || g.raw.get("transitiveMembers").is_some());
            if !listed {
                unjudged.push(format!("the members of group {name} are not in the snapshot"));
            }
        }
        for id in p.exclude_roles() {
            let role_level = if privileged_role(&id).is_some() { level.max(Severity::High) } else { level };
            holes.push((if p.state() == State::Enforced { role_level } else { role_level.lowered() }, format!("holders of role {}", dir.label(&id))));
        }
        if p.excludes_guests() {
            holes.push((level.lowered(), "guests or external users".into()));
        }
        for id in p.exclude_locations() {
            let (text, ranges) = if id.eq_ignore_ascii_case("AllTrusted") {
                let trusted = dir.trusted_locations();
                let ranges: Vec<String> = trusted.iter().flat_map(|l| dir.ranges(&l.id)).collect();
                let names: Vec<String> = trusted.iter().map(|l| l.name.clone()).collect();
                let named = if names.is_empty() { String::new() } else { format!(" ({})", names.join(", ")) };
                (format!("every trusted location{named}"), ranges)
            } else {
                let trusted = posture.snapshot.get(&ObjectKind::NamedLocation, &id).and_then(|l| l.bool_at("isTrusted")) == Some(true);
                (format!("{}location {}", if trusted { "trusted " } else { "" }, dir.label(&id)), dir.ranges(&id))
            };
            let shown = if ranges.is_empty() { String::new() } else { format!(" [{}]", ranges.join(", ")) };
            let hits = attacker_addresses_in(posture, &ranges);
            if hits.is_empty() {
                holes.push((level.lowered().max(Severity::Low), format!("sign-ins from {text}{shown}")));
            } else {
                holes.push((Severity::Critical, format!("sign-ins from {text}{shown}, which contains marked attacker address(es) {}", hits.join(", "))));
            }
            unjudged.push("whether real sign-ins came from the excluded networks needs the sign-in log, not the snapshot".into());
        }
        if p.all_apps() {
            let apps = p.exclude_apps();
            if !apps.is_empty() {
                holes.push((level.lowered(), format!("resources {}", dir.labels(&apps))));
            }
        }
        if holes.is_empty() && expected.is_empty() {
            continue;
        }
        holes.sort_by_key(|h| std::cmp::Reverse(h.0));
        unjudged.dedup();
        let expected_text = if expected.is_empty() { String::new() } else { format!("break-glass exclusions, as expected: {}", expected.join(", ")) };
        let state = if p.state() == State::ReportOnly { " (report-only)" } else { "" };
        let check = if holes.is_empty() {
            PostureCheck::new(ID, TITLE, CheckResult::Pass, Severity::Info, format!("'{}'{state}: {expected_text}", p.name()))
        } else {
            let list: Vec<&str> = holes.iter().map(|(_, h)| h.as_str()).collect();
            let mut reason = format!("'{}'{state} does not hold {}", p.name(), list.join("; "));
            if !expected.is_empty() {
                reason.push_str(&format!("; {expected_text}"));
            }
            PostureCheck::new(ID, TITLE, CheckResult::Gap, holes.first().map_or(level, |h| h.0), reason)
        };
        let mut check = check.about(p.id(), p.name()).policies(vec![PolicyRef::of(p, "")]);
        check.cannot_judge = unjudged;
        out.push(check);
    }
    let bg = if break_glass_seen.is_empty() {
        PostureCheck::new(
            "break_glass",
            "Emergency access accounts",
            CheckResult::NotEvaluable,
            Severity::Low,
            "no excluded account or group is named like an emergency (break-glass) account; if the tenant keeps them under other names, Loupe cannot tell them apart",
        )
    } else {
        PostureCheck::new(
            "break_glass",
            "Emergency access accounts",
            CheckResult::Pass,
            Severity::Info,
            format!("recognised as emergency access by name and excluded as expected: {}; their sign-ins should be alerted on", break_glass_seen.join(", ")),
        )
    };
    out.push(bg);
    out
}

/// Marked attacker addresses (case indicators) inside any of the ranges.
fn attacker_addresses_in(posture: &Posture, ranges: &[String]) -> Vec<String> {
    let Some(ctx) = posture.context else { return Vec::new() };
    ctx.indicator_values(IndicatorKind::Ip)
        .filter(|ip| parse_ip(ip).is_some_and(|addr| ranges.iter().any(|r| cidr_contains(r, addr))))
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::super::CheckResult;
    use crate::detect::{Context, Indicator, IndicatorKind, Severity};

    const USERS: &str = r##"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users","value":[
        {"id":"5e0f9a8b-7c6d-4e5f-a1b2-c3d4e5f6a7b8","displayName":"Break Glass","userPrincipalName":"breakglass@contoso.onmicrosoft.com"},
        {"id":"b3c1e0a2-5d4f-4e6a-9b8c-7d6e5f4a3b21","displayName":"Jane Doe","userPrincipalName":"j.doe@contoso.com"}]}"##;
    const LOCATIONS: &str = r##"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/namedLocations","value":[
        {"@odata.type":"#microsoft.graph.ipNamedLocation","id":"3f9d2a1e-7b1c-4c55-9a8e-1d2c3b4a5f60","displayName":"HQ egress","isTrusted":true,"ipRanges":[{"@odata.type":"#microsoft.graph.iPv4CidrRange","cidrAddress":"203.0.113.0/24"}]}]}"##;

    fn excluding(users: &str, extra: &str) -> String {
        let who = format!(r##"{{"includeUsers":["All"],"excludeUsers":[{users}],"includeGroups":[],"excludeGroups":[],"includeRoles":[],"excludeRoles":[]}}"##);
        format!("[{USERS},{LOCATIONS},{}]", page(&[policy("p1", "Require MFA", "enabled", &who, ALL_APPS, r##""all""##, MFA, extra)]))
    }

    #[test]
    fn break_glass_expected_suspect_critical() {
        let all = checks(&excluding(r##""5e0f9a8b-7c6d-4e5f-a1b2-c3d4e5f6a7b8""##, ""), None);
        let c = check(&all, "exclusions");
        assert_eq!(c.result, CheckResult::Pass, "{}", c.reason);
        assert!(c.reason.contains("break-glass exclusions, as expected: breakglass@contoso.onmicrosoft.com"), "{}", c.reason);
        assert_eq!(check(&all, "break_glass").result, CheckResult::Pass);
        let ctx = Context { suspect_accounts: vec!["J.Doe@contoso.com".into()], ..Context::default() };
        let all = checks(&excluding(r##""5e0f9a8b-7c6d-4e5f-a1b2-c3d4e5f6a7b8","b3c1e0a2-5d4f-4e6a-9b8c-7d6e5f4a3b21""##, ""), Some(&ctx));
        let c = check(&all, "exclusions");
        assert_eq!((c.result, c.risk), (CheckResult::Gap, Severity::Critical));
        assert!(c.reason.contains("suspect account j.doe@contoso.com"), "{}", c.reason);
    }

    #[test]
    fn trusted_location_exclusion_with_attacker_address() {
        let loc = r##""locations":{"includeLocations":["All"],"excludeLocations":["AllTrusted"]}"##;
        let json = excluding("", "").replace(r##""locations":null,"##, "");
        let json = json.replace(r##""users":{"includeUsers""##, &format!(r##"{loc},"users":{{"includeUsers""##));
        let c = check(&checks(&json, None), "exclusions");
        assert_eq!((c.result, c.risk), (CheckResult::Gap, Severity::Medium));
        assert!(c.reason.contains("every trusted location (HQ egress) [203.0.113.0/24]"), "{}", c.reason);
        let ctx = Context { indicators: vec![Indicator::new(IndicatorKind::Ip, "203.0.113.77", "")], ..Context::default() };
        let c = check(&checks(&json, Some(&ctx)), "exclusions");
        assert_eq!(c.risk, Severity::Critical, "{}", c.reason);
    }
}
