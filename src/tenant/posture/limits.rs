//! What a CA export cannot answer, said as checks so nobody reads silence
//! as a pass: security defaults (a separate policy object, read when the
//! export includes it) and per-user MFA (a legacy per-account setting
//! outside Graph's CA and directory exports).

use super::{CheckResult, Posture, PostureCheck};
use crate::detect::Severity;

/// The fixed id Graph gives `identitySecurityDefaultsEnforcementPolicy`.
const SECURITY_DEFAULTS_ID: &str = "00000000-0000-0000-0000-000000000005";

pub fn limits(posture: &Posture) -> Vec<PostureCheck> {
    let defaults = posture.snapshot.objects().find(|o| {
        o.kind.slug().to_ascii_lowercase().contains("securitydefaults") || (o.id == SECURITY_DEFAULTS_ID && o.bool_at("isEnabled").is_some())
    });
    let has_policies = posture.policies.iter().any(|p| p.state() == super::policy::State::Enforced);
    let security_defaults = match defaults.and_then(|d| d.bool_at("isEnabled")) {
        Some(true) => PostureCheck::new(
            "security_defaults",
            "Security defaults",
            CheckResult::Pass,
            Severity::Info,
            if has_policies {
                "security defaults are on, which Entra does not allow alongside enforced CA policies: check which export is current"
            } else {
                "security defaults are on: every user must register for MFA and is asked for it when Entra judges it needed, and legacy authentication is blocked"
            },
        ),
        Some(false) => PostureCheck::new(
            "security_defaults",
            "Security defaults",
            if has_policies { CheckResult::Pass } else { CheckResult::Gap },
            Severity::High,
            if has_policies {
                "security defaults are off, as they must be when CA policies are used: the CA checks carry the load"
            } else {
                "security defaults are off and no CA policy is enforced: nothing in the tenant demands MFA"
            },
        ),
        None => PostureCheck::new(
            "security_defaults",
            "Security defaults",
            CheckResult::NotEvaluable,
            Severity::Low,
            "the snapshot does not include the security defaults policy (policies/identitySecurityDefaultsEnforcementPolicy), so whether it is on cannot be told",
        ),
    };
    let per_user = PostureCheck::new(
        "per_user_mfa",
        "Per-user MFA",
        CheckResult::NotEvaluable,
        Severity::Low,
        "per-user MFA (the legacy enabled/enforced switch per account) is not part of a CA or directory export; check it in the admin center or the sign-in log's authentication requirement",
    );
    vec![security_defaults, per_user]
}
