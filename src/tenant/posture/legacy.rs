//! Legacy authentication blocked: protocols such as IMAP, POP, SMTP AUTH
//! and older Office clients send a password with no second factor, so a
//! policy that requires MFA never catches them; only a block does. In CA
//! they are the client app types `exchangeActiveSync` and `other`.

use super::policy::{CaPolicy, Demand, State};
use super::{CheckResult, Posture, PolicyRef, PostureCheck};
use crate::detect::Severity;

fn has(list: &[String], value: &str) -> bool {
    list.iter().any(|v| v.eq_ignore_ascii_case(value))
}

/// Which legacy client types a blocking policy names.
fn legacy_types(p: &CaPolicy) -> (bool, bool) {
    let types = p.client_app_types();
    let eas = has(&types, "exchangeActiveSync") || has(&types, "easSupported");
    (eas, has(&types, "other"))
}

pub fn legacy_auth_blocked(posture: &Posture) -> Vec<PostureCheck> {
    const ID: &str = "legacy_auth_blocked";
    const TITLE: &str = "Legacy authentication blocked";
    let unjudged = "protocols switched off in Exchange Online itself (authentication policies, SMTP AUTH) are not in the export";
    let blocking: Vec<(&CaPolicy, bool, bool)> = posture
        .live()
        .filter(|p| p.demand() == Demand::Block && p.all_apps())
        .map(|p| {
            let (eas, other) = legacy_types(p);
            (p, eas, other)
        })
        .filter(|(_, eas, other)| *eas || *other)
        .collect();
    let refs: Vec<PolicyRef> = blocking
        .iter()
        .map(|(p, eas, other)| {
            let mut note = Vec::new();
            if !p.all_users() {
                note.push("selected users only".to_string());
            }
            if !(*eas && *other) {
                note.push(format!("only {}", if *eas { "Exchange ActiveSync" } else { "other legacy clients" }));
            }
            if p.state() == State::ReportOnly {
                note.push("report-only".into());
            }
            PolicyRef::of(p, note.join("; "))
        })
        .collect();
    let complete = |(p, eas, other): &(&CaPolicy, bool, bool)| *eas && *other && p.all_users();
    if let Some((p, _, _)) = blocking.iter().filter(|b| b.0.state() == State::Enforced).find(|b| complete(b)) {
        let mut reason = format!("enforced policy '{}' blocks Exchange ActiveSync and other legacy clients for all users", p.name());
        let excluded = p.exclude_users().len() + p.exclude_groups().len();
        if excluded > 0 {
            reason.push_str(&format!(" ({excluded} user or group exclusion(s): they can still use legacy protocols)"));
        }
        return vec![PostureCheck::new(ID, TITLE, CheckResult::Pass, Severity::Info, reason).policies(refs).cannot_judge(unjudged)];
    }
    let reason = if blocking.iter().any(complete) {
        "legacy authentication is blocked only by a report-only policy: password-only protocols still get in".to_string()
    } else if blocking.iter().any(|b| b.0.state() == State::Enforced) {
        "legacy authentication is blocked only in part (some client types or some users): the rest can still sign in with a password alone".to_string()
    } else {
        "no enforced policy blocks legacy authentication: IMAP, POP, SMTP AUTH and old clients sign in with a password alone, which MFA policies do not stop".to_string()
    };
    vec![PostureCheck::new(ID, TITLE, CheckResult::Gap, Severity::High, reason).policies(refs).cannot_judge(unjudged)]
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::super::CheckResult;

    #[test]
    fn block_needs_both_client_types_for_everyone() {
        let full = policy("p1", "Block legacy", "enabled", ALL_USERS, ALL_APPS, r#""exchangeActiveSync","other""#, BLOCK, "");
        assert_eq!(check(&checks(&page(std::slice::from_ref(&full)), None), "legacy_auth_blocked").result, CheckResult::Pass);
        let half = policy("p1", "Block legacy", "enabled", ALL_USERS, ALL_APPS, r#""other""#, BLOCK, "");
        let c = check(&checks(&page(&[half]), None), "legacy_auth_blocked");
        assert_eq!(c.result, CheckResult::Gap);
        assert!(c.reason.contains("only in part") && c.policies[0].note.contains("only other legacy clients"), "{c:?}");
        let ro = full.replace(r#""state":"enabled""#, r#""state":"enabledForReportingButNotEnforced""#);
        let c = check(&checks(&page(&[ro]), None), "legacy_auth_blocked");
        assert!(c.reason.contains("report-only"), "{}", c.reason);
        let c = check(&checks(&page(&[]), None), "legacy_auth_blocked");
        assert!(c.reason.contains("no enforced policy"), "{}", c.reason);
    }
}
