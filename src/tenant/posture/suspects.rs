//! The suspect accounts, one by one: would each policy apply to them? An
//! exclusion wins over an inclusion (as in Entra); group and role
//! membership count only when the snapshot holds it, otherwise the answer
//! is "cannot judge" with the reason.

use super::directory::{Directory, Known};
use super::policy::{CaPolicy, Demand, State};
use super::{CheckResult, Posture, PolicyRef, PostureCheck};
use crate::detect::Severity;
use crate::tenant::object::TenantObject;

/// Whether one policy applies to one account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applies {
    Yes(String),
    No(String),
    Excluded(String),
    CannotJudge(String),
}

fn has(list: &[String], value: &str) -> bool {
    list.iter().any(|v| v.eq_ignore_ascii_case(value))
}

/// Decide whether `policy` targets `account` (`user` is its snapshot
/// object, when there is one).
pub fn applies(dir: &Directory, policy: &CaPolicy, account: &str, user: Option<&TenantObject>) -> Applies {
    let guest = user.map(|u| dir.is_guest(u));
    let mut maybe_excluded: Vec<String> = Vec::new();
    // Exclusions first: they win.
    let excluded_users = policy.exclude_users();
    if let Some(u) = user {
        if has(&excluded_users, &u.id) {
            return Applies::Excluded("excluded by name".into());
        }
    } else {
        let unresolved = unresolved_users(dir, &excluded_users);
        if unresolved > 0 {
            maybe_excluded.push(format!("{unresolved} excluded user(s) not in the snapshot"));
        }
    }
    if has(&excluded_users, "GuestsOrExternalUsers") || policy.excludes_guests() {
        match guest {
            Some(true) => return Applies::Excluded("guests are excluded".into()),
            Some(false) => {}
            None => maybe_excluded.push("guests are excluded".into()),
        }
    }
    for g in policy.exclude_groups() {
        match dir.in_group(user, &g) {
            Known::Yes => return Applies::Excluded(format!("member of excluded group {}", dir.label(&g))),
            Known::No => {}
            Known::Unknown => maybe_excluded.push(format!("excluded group {}", dir.label(&g))),
        }
    }
    for r in policy.exclude_roles() {
        match dir.holds_role(user, &r) {
            Known::Yes => return Applies::Excluded(format!("holds excluded role {}", dir.label(&r))),
            Known::No => {}
            Known::Unknown => maybe_excluded.push(format!("excluded role {}", dir.label(&r))),
        }
    }
    // Then inclusions.
    let included_users = policy.include_users();
    let mut maybe_included: Vec<String> = Vec::new();
    let mut included: Option<String> = None;
    if has(&included_users, "All") {
        included = Some("all users".into());
    } else if user.is_some_and(|u| has(&included_users, &u.id)) {
        included = Some("included by name".into());
    } else if has(&included_users, "GuestsOrExternalUsers") || at_guests(policy) {
        match guest {
            Some(true) => included = Some("guests are included".into()),
            Some(false) => {}
            None => maybe_included.push("guests are included".into()),
        }
    }
    if included.is_none() {
        let unresolved = if user.is_none() { unresolved_users(dir, &included_users) } else { 0 };
        if unresolved > 0 {
            maybe_included.push(format!("{unresolved} included user(s) not in the snapshot"));
        }
        for g in policy.include_groups() {
            match dir.in_group(user, &g) {
                Known::Yes => {
                    included = Some(format!("member of group {}", dir.label(&g)));
                    break;
                }
                Known::No => {}
                Known::Unknown => maybe_included.push(format!("group {}", dir.label(&g))),
            }
        }
    }
    if included.is_none() {
        for r in policy.include_roles() {
            match dir.holds_role(user, &r) {
                Known::Yes => {
                    included = Some(format!("holds role {}", dir.label(&r)));
                    break;
                }
                Known::No => {}
                Known::Unknown => maybe_included.push(format!("role {}", dir.label(&r))),
            }
        }
    }
    let unknown_user = if user.is_none() { format!("{account} is not among the snapshot's users; ") } else { String::new() };
    match included {
        Some(why) if maybe_excluded.is_empty() => Applies::Yes(why),
        Some(why) => Applies::CannotJudge(format!("{unknown_user}included ({why}) but may be excluded: {}", maybe_excluded.join(", "))),
        None if maybe_included.is_empty() => Applies::No("not targeted".into()),
        None => Applies::CannotJudge(format!("{unknown_user}membership not in the snapshot: {}", maybe_included.join(", "))),
    }
}

/// User ids in the list that the snapshot cannot name (keywords aside).
fn unresolved_users(dir: &Directory, ids: &[String]) -> usize {
    ids.iter()
        .filter(|i| !matches!(i.as_str(), "All" | "None" | "GuestsOrExternalUsers"))
        .filter(|i| dir.snapshot.get(&crate::tenant::kind::ObjectKind::User, i).is_none())
        .count()
}

fn at_guests(policy: &CaPolicy) -> bool {
    crate::tenant::object::at(&policy.object.raw, "conditions.users.includeGuestsOrExternalUsers").is_some_and(|v| !crate::tenant::jsondiff::is_absent(v))
}

pub fn suspect_coverage(posture: &Posture) -> Vec<PostureCheck> {
    const ID: &str = "suspect_coverage";
    const TITLE: &str = "Policies that apply to a suspect account";
    let Some(ctx) = posture.context else { return Vec::new() };
    let dir = &posture.directory;
    let mut out = Vec::new();
    for account in ctx.suspect_accounts.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
        let user = dir.user(account);
        let mut refs = Vec::new();
        let mut protected: Vec<String> = Vec::new();
        let mut partial: Vec<String> = Vec::new();
        let mut excluded: Vec<String> = Vec::new();
        let mut unknown: Vec<String> = Vec::new();
        for p in posture.live().filter(|p| p.demand() != Demand::Nothing || p.requires_device()) {
            let verdict = applies(dir, p, account, user);
            let enforced = p.state() == State::Enforced;
            let strong = p.all_apps() && p.narrowing().is_empty() && p.demand() == Demand::Mfa;
            let label = format!("'{}'", p.name());
            let note = match &verdict {
                Applies::Yes(why) => {
                    if enforced && strong {
                        protected.push(label.clone());
                    } else if enforced {
                        partial.push(label.clone());
                    }
                    format!("applies ({why})")
                }
                Applies::No(why) => format!("does not apply ({why})"),
                Applies::Excluded(why) => {
                    if enforced {
                        excluded.push(format!("{label} ({why})"));
                    }
                    format!("excluded ({why})")
                }
                Applies::CannotJudge(why) => {
                    unknown.push(label.clone());
                    format!("cannot judge: {why}")
                }
            };
            let state = if enforced { "" } else { "; report-only, not enforced" };
            refs.push(PolicyRef::of(p, format!("{note}{state}")));
        }
        let name = user.map_or(account.to_string(), |u| u.name.clone());
        let check = if !excluded.is_empty() {
            PostureCheck::new(ID, TITLE, CheckResult::Gap, Severity::Critical, format!("{name} is excluded from enforced {}: check who made the exclusion and when", excluded.join(", ")))
        } else if !protected.is_empty() {
            PostureCheck::new(ID, TITLE, CheckResult::Pass, Severity::Info, format!("every sign-in by {name} must pass MFA under {}", protected.join(", ")))
        } else if !unknown.is_empty() {
            PostureCheck::new(
                ID,
                TITLE,
                CheckResult::NotEvaluable,
                Severity::Medium,
                format!("whether {} appl{} to {name} depends on membership the snapshot lacks", unknown.join(", "), if unknown.len() == 1 { "ies" } else { "y" }),
            )
        } else if !partial.is_empty() {
            PostureCheck::new(ID, TITLE, CheckResult::Gap, Severity::High, format!("only narrower policies apply to {name} ({}): some sign-ins need no MFA", partial.join(", ")))
        } else {
            PostureCheck::new(ID, TITLE, CheckResult::Gap, Severity::High, format!("no enforced policy asks {name} for MFA: a password alone signs in, unless per-user MFA or security defaults do (not in the snapshot)"))
        };
        let mut check = check.about(account, &name).policies(refs);
        if user.is_none() {
            check = check.cannot_judge(format!("{account} is not in the snapshot's users (export users to resolve ids, groups and roles)"));
        }
        out.push(check);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::super::CheckResult;
    use crate::detect::{Context, Severity};

    const USERS: &str = r##"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users","value":[
        {"id":"b3c1e0a2-5d4f-4e6a-9b8c-7d6e5f4a3b21","displayName":"Jane Doe","userPrincipalName":"j.doe@contoso.com","memberOf":[{"@odata.type":"#microsoft.graph.group","id":"aaaaaaaa-0000-4000-8000-000000000001"}]}]}"##;

    fn with(users: &str) -> String {
        let policy = policy("p1", "Require MFA", "enabled", users, ALL_APPS, r##""all""##, MFA, "");
        format!("[{USERS},{}]", page(&[policy]))
    }

    fn ctx(account: &str) -> Context {
        Context { suspect_accounts: vec![account.into()], ..Context::default() }
    }

    #[test]
    fn covered_excluded_and_unknown() {
        let c = check(&checks(&with(ALL_USERS), Some(&ctx("j.doe@contoso.com"))), "suspect_coverage");
        assert_eq!(c.result, CheckResult::Pass, "{c:?}");
        let by_group = r##"{"includeUsers":["All"],"excludeGroups":["aaaaaaaa-0000-4000-8000-000000000001"]}"##;
        let c = check(&checks(&with(by_group), Some(&ctx("j.doe@contoso.com"))), "suspect_coverage");
        assert_eq!((c.result, c.risk), (CheckResult::Gap, Severity::Critical));
        assert!(c.reason.contains("member of excluded group"), "{}", c.reason);
        let other_group = r##"{"includeUsers":["All"],"excludeGroups":["aaaaaaaa-0000-4000-8000-000000000002"]}"##;
        let c = check(&checks(&with(other_group), Some(&ctx("j.doe@contoso.com"))), "suspect_coverage");
        assert_eq!(c.result, CheckResult::NotEvaluable, "memberOf is direct only, so nesting is unknown: {c:?}");
        let c = check(&checks(&with(ALL_USERS), Some(&ctx("someone@contoso.com"))), "suspect_coverage");
        assert_eq!(c.result, CheckResult::Pass, "All users with no exclusions covers an account not in the snapshot");
        assert!(!c.cannot_judge.is_empty());
        let named = r##"{"includeUsers":["b3c1e0a2-5d4f-4e6a-9b8c-7d6e5f4a3b21"]}"##;
        let c = check(&checks(&with(named), Some(&ctx("someone@contoso.com"))), "suspect_coverage");
        assert_eq!(c.result, CheckResult::Gap, "{c:?}");
    }
}
