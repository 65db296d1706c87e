//! Conditional Access posture (playbook step 12): does the snapshot's set
//! of CA policies do what an identity compromise response needs? Each
//! check answers pass, gap or not evaluable, names the policies it rests
//! on, and says why in plain words. Only `enabled` policies decide
//! sign-ins; report-only ones are listed as not enforcing.
//!
//! One module per check:
//! - `coverage`: MFA for all users, MFA for privileged roles, admin
//!   portals restricted, compliant or joined devices required.
//! - `legacy`: legacy authentication blocked.
//! - `risk`: sign-in risk and user risk policies.
//! - `exclusions`: exclusions that open holes (break-glass accounts are
//!   expected and listed as such).
//! - `suspects`: whether each policy applies to each suspect account.
//! - `limits`: what the snapshot cannot tell (security defaults, per-user
//!   MFA).
//! - `mailboxes`: beside Conditional Access, the mailbox state a tool
//!   report shows (inbox rules and forwarding for step 9, delegation for
//!   step 10, auditing gaps for step 6), one item per dangerous object.
//!
//! `policy` reads one CA policy; `directory` resolves users, groups,
//! roles and locations in the snapshot.

mod coverage;
pub mod directory;
mod exclusions;
mod legacy;
mod limits;
mod mailboxes;
pub mod policy;
mod risk;
mod suspects;

use crate::detect::{Context, Severity};
use crate::tenant::kind::ObjectKind;
use crate::tenant::snapshot::Snapshot;
use directory::Directory;
use policy::{CaPolicy, State};
use serde::Serialize;

/// A check's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckResult {
    Pass,
    Gap,
    NotEvaluable,
}

/// A policy a check rests on, with its state and what the check made of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PolicyRef {
    pub id: String,
    pub name: String,
    /// `enabled`, `enabledForReportingButNotEnforced`, `disabled` as exported.
    pub state: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
}

impl PolicyRef {
    pub fn of(p: &CaPolicy, note: impl Into<String>) -> PolicyRef {
        PolicyRef { id: p.id().to_string(), name: p.name().to_string(), state: p.object.str_at("state").unwrap_or("").to_string(), note: note.into() }
    }
}

/// What a check is about: the tenant as a whole, one policy, or one account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Subject {
    pub id: String,
    pub name: String,
}

/// One posture check's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PostureCheck {
    /// Always `posture`, so the UI can list checks beside changes.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The check's id (`mfa_all_users`, `exclusions`, `suspect_coverage` …).
    pub check: &'static str,
    /// The playbook step the check serves (12 for Conditional Access).
    pub step: u8,
    pub title: &'static str,
    pub object: Subject,
    pub result: CheckResult,
    /// How much the gap matters; `info` for a pass.
    pub risk: Severity,
    pub reason: String,
    pub policies: Vec<PolicyRef>,
    /// What this check could not judge from the snapshot.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cannot_judge: Vec<String>,
}

impl PostureCheck {
    fn new(check: &'static str, title: &'static str, result: CheckResult, risk: Severity, reason: impl Into<String>) -> PostureCheck {
        PostureCheck {
            kind: "posture",
            check,
            step: 12,
            title,
            object: Subject { id: "tenant".into(), name: "tenant".into() },
            result,
            risk: if result == CheckResult::Pass { Severity::Info } else { risk },
            reason: reason.into(),
            policies: Vec::new(),
            cannot_judge: Vec::new(),
        }
    }

    fn step(mut self, step: u8) -> PostureCheck {
        self.step = step;
        self
    }

    fn about(mut self, id: &str, name: &str) -> PostureCheck {
        self.object = Subject { id: id.to_string(), name: name.to_string() };
        self
    }

    fn policies(mut self, policies: Vec<PolicyRef>) -> PostureCheck {
        self.policies = policies;
        self
    }

    fn cannot_judge(mut self, what: impl Into<String>) -> PostureCheck {
        self.cannot_judge.push(what.into());
        self
    }
}

/// What every check sees.
pub struct Posture<'a> {
    pub snapshot: &'a Snapshot,
    pub directory: Directory<'a>,
    /// Every CA policy, in snapshot order.
    pub policies: Vec<CaPolicy<'a>>,
    pub context: Option<&'a Context>,
}

impl<'a> Posture<'a> {
    pub fn new(snapshot: &'a Snapshot, context: Option<&'a Context>) -> Posture<'a> {
        let policies = snapshot.of_kind(&ObjectKind::ConditionalAccessPolicy).map(CaPolicy::new).collect();
        Posture { snapshot, directory: Directory::new(snapshot), policies, context }
    }

    /// Policies that enforce or only report (disabled ones do nothing).
    pub fn live(&self) -> impl Iterator<Item = &CaPolicy<'a>> {
        self.policies.iter().filter(|p| matches!(p.state(), State::Enforced | State::ReportOnly))
    }
}

/// Evaluate every check; gaps first (riskiest first), then what cannot be
/// judged, then passes.
pub fn evaluate(snapshot: &Snapshot, context: Option<&Context>) -> Vec<PostureCheck> {
    let posture = Posture::new(snapshot, context);
    let mut out = mailboxes::mailboxes(&posture);
    let mail_only = !out.is_empty() && snapshot.objects().all(|o| mailboxes::is_mailbox_kind(&o.kind));
    if mail_only {
        // A mailbox report alone says nothing about Conditional Access;
        // a "no CA policies" line would only be noise beside it.
    } else if !snapshot.covers(&ObjectKind::ConditionalAccessPolicy) {
        out.push(PostureCheck::new(
            "conditional_access_policies",
            "Conditional Access policies in the snapshot",
            CheckResult::NotEvaluable,
            Severity::Medium,
            "the snapshot holds no Conditional Access policies (export identity/conditionalAccess/policies): no CA check can be made",
        ));
    } else {
        out.extend(coverage::mfa_all_users(&posture));
        out.extend(coverage::mfa_privileged_roles(&posture));
        out.extend(legacy::legacy_auth_blocked(&posture));
        out.extend(coverage::device_required(&posture));
        out.extend(coverage::admin_portals(&posture));
        out.extend(risk::risk_policies(&posture));
        out.extend(exclusions::exclusions(&posture));
        out.extend(suspects::suspect_coverage(&posture));
    }
    if !mail_only {
        out.extend(limits::limits(&posture));
    }
    let rank = |c: &PostureCheck| match c.result {
        CheckResult::Gap => 0,
        CheckResult::NotEvaluable => 1,
        CheckResult::Pass => 2,
    };
    out.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| b.risk.cmp(&a.risk)));
    out
}

#[cfg(test)]
pub(crate) mod testkit {
    //! Posture over inline JSON.
    use super::*;

    pub fn checks(json: &str, ctx: Option<&Context>) -> Vec<PostureCheck> {
        let s = Snapshot::from_files([("snapshot.json", json.as_bytes())]);
        evaluate(&s, ctx)
    }

    /// The one check with this id (and subject, when given).
    pub fn check(all: &[PostureCheck], id: &str) -> PostureCheck {
        let found: Vec<&PostureCheck> = all.iter().filter(|c| c.check == id).collect();
        assert_eq!(found.len(), 1, "{id}: {all:#?}");
        found[0].clone()
    }

    /// A CA policy page holding the given policies.
    pub fn page(policies: &[String]) -> String {
        format!(r#"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/policies","value":[{}]}}"#, policies.join(","))
    }

    /// A policy in Graph's shape. `users`, `apps` and `grant` are JSON
    /// fragments for `conditions.users`, `conditions.applications` and
    /// `grantControls`; `extra` is added to `conditions`.
    #[allow(clippy::too_many_arguments)]
    pub fn policy(id: &str, name: &str, state: &str, users: &str, apps: &str, client_apps: &str, grant: &str, extra: &str) -> String {
        let extra = if extra.is_empty() { String::new() } else { format!(",{extra}") };
        format!(
            r#"{{"id":"{id}","displayName":"{name}","state":"{state}","createdDateTime":"2024-01-01T00:00:00Z","modifiedDateTime":null,"sessionControls":null,
            "conditions":{{"userRiskLevels":[],"signInRiskLevels":[],"clientAppTypes":[{client_apps}],"platforms":null,"locations":null,"devices":null,
            "applications":{apps},"users":{users}{extra}}},"grantControls":{grant}}}"#
        )
    }

    pub const ALL_USERS: &str = r#"{"includeUsers":["All"],"excludeUsers":[],"includeGroups":[],"excludeGroups":[],"includeRoles":[],"excludeRoles":[]}"#;
    pub const ALL_APPS: &str = r#"{"includeApplications":["All"],"excludeApplications":[],"includeUserActions":[]}"#;
    pub const MFA: &str = r#"{"operator":"OR","builtInControls":["mfa"],"customAuthenticationFactors":[],"termsOfUse":[],"authenticationStrength":null}"#;
    pub const BLOCK: &str = r#"{"operator":"OR","builtInControls":["block"],"customAuthenticationFactors":[],"termsOfUse":[],"authenticationStrength":null}"#;
}
