//! Risk-based policies: Identity Protection scores each sign-in and each
//! user; a policy on `signInRiskLevels` asks a risky sign-in for MFA (or
//! blocks it), one on `userRiskLevels` forces a password change or blocks
//! an account that looks compromised. Both need Entra ID P2.

use super::policy::{CaPolicy, Demand, State};
use super::{CheckResult, Posture, PolicyRef, PostureCheck};
use crate::detect::Severity;

fn has(list: &[String], value: &str) -> bool {
    list.iter().any(|v| v.eq_ignore_ascii_case(value))
}

const LICENCE: &str = "whether the tenant has Entra ID P2 (without it risk levels are never computed) is not in the export";

fn one(posture: &Posture, id: &'static str, title: &'static str, levels: fn(&CaPolicy) -> Vec<String>, answers: fn(&CaPolicy) -> bool, what: &str) -> PostureCheck {
    let found: Vec<&CaPolicy> = posture.live().filter(|p| !levels(p).is_empty() && answers(p)).collect();
    let refs: Vec<PolicyRef> = found
        .iter()
        .map(|p| {
            let who = if p.all_users() { "all users" } else { "selected users" };
            PolicyRef::of(p, format!("at {} risk, {who}{}", levels(p).join("/"), if p.state() == State::ReportOnly { "; report-only" } else { "" }))
        })
        .collect();
    if let Some(p) = found.iter().find(|p| p.state() == State::Enforced && p.all_users()) {
        let reason = format!("enforced policy '{}' acts on {what} at {} risk", p.name(), levels(p).join("/"));
        return PostureCheck::new(id, title, CheckResult::Pass, Severity::Info, reason).policies(refs).cannot_judge(LICENCE);
    }
    let reason = if found.iter().any(|p| p.state() == State::Enforced) {
        format!("{what} risk is acted on only for selected users")
    } else if !found.is_empty() {
        format!("{what} risk is acted on only by report-only policies")
    } else {
        format!("no policy acts on {what} risk: Identity Protection may flag it, but nothing stops it")
    };
    PostureCheck::new(id, title, CheckResult::Gap, Severity::Medium, reason).policies(refs).cannot_judge(LICENCE)
}

pub fn risk_policies(posture: &Posture) -> Vec<PostureCheck> {
    vec![
        one(posture, "sign_in_risk", "Sign-in risk policy", |p| p.sign_in_risk_levels(), |p| matches!(p.demand(), Demand::Mfa | Demand::Block), "sign-in"),
        one(
            posture,
            "user_risk",
            "User risk policy",
            |p| p.user_risk_levels(),
            |p| p.demand() == Demand::Block || has(&p.controls(), "passwordChange"),
            "user",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::super::CheckResult;

    #[test]
    fn risk_levels_with_an_answer() {
        let risky = policy("p1", "Risky sign-ins", "enabled", ALL_USERS, ALL_APPS, r#""all""#, MFA, "").replace(r#""signInRiskLevels":[]"#, r#""signInRiskLevels":["high","medium"]"#);
        let pw = r#"{"operator":"AND","builtInControls":["mfa","passwordChange"]}"#;
        let user = policy("p2", "Risky users", "enabledForReportingButNotEnforced", ALL_USERS, ALL_APPS, r#""all""#, pw, "").replace(r#""userRiskLevels":[]"#, r#""userRiskLevels":["high"]"#);
        let all = checks(&page(&[risky, user]), None);
        assert_eq!(check(&all, "sign_in_risk").result, CheckResult::Pass);
        let c = check(&all, "user_risk");
        assert_eq!(c.result, CheckResult::Gap);
        assert!(c.reason.contains("report-only"), "{}", c.reason);
    }
}
