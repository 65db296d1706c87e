//! Step 5: Conditional Access policies added, changed or deleted, with the
//! policy's state before and after. Weakening these policies switches off
//! the controls that would stop the attacker. One finding per change.

use super::facts::{changes, is_audit, is_ual, op_is};
use super::{Context, DetectorDef, History, EntityKind, Finding, FindingBuilder, Severity};
use crate::store::{EventStore, Field};
use serde_json::Value;

pub const DEF: DetectorDef = DetectorDef {
    id: "identity.conditional_access",
    step: 5,
    title: "Conditional Access policy changes",
    run,
};

const ADD: [&str; 1] = ["Add conditional access policy"];
const UPDATE: [&str; 1] = ["Update conditional access policy"];
const DELETE: [&str; 1] = ["Delete conditional access policy"];

/// The `state` field of a policy written as JSON, if present.
fn state_of(policy_json: &str) -> Option<String> {
    let value: Value = serde_json::from_str(policy_json).ok()?;
    let obj = value.as_object()?;
    obj.iter().find(|(k, _)| k.eq_ignore_ascii_case("state")).and_then(|(_, v)| v.as_str()).map(str::to_string)
}

fn run(store: &EventStore, ctx: &Context, _history: &History) -> Vec<Finding> {
    let mut findings = Vec::new();
    for row in 0..store.len() as u32 {
        if !(is_audit(store, row) || is_ual(store, row)) {
            continue;
        }
        let (added, updated, deleted) = (op_is(store, row, &ADD), op_is(store, row, &UPDATE), op_is(store, row, &DELETE));
        if !added && !updated && !deleted {
            continue;
        }
        let props = changes(store, row);
        let policy_change = props.iter().find(|c| c.property.eq_ignore_ascii_case("ConditionalAccessPolicy"));
        let old_state = policy_change.and_then(|c| state_of(&c.old));
        let new_state = policy_change.and_then(|c| state_of(&c.new));
        let weakened = match (old_state.as_deref(), new_state.as_deref()) {
            (Some("enabled"), Some(new)) => new != "enabled",
            _ => false,
        };
        let mut severity = if deleted || weakened {
            Severity::High
        } else if updated {
            Severity::Medium
        } else {
            Severity::Low
        };
        let actor = store.actor(row);
        if (ctx.is_suspect(actor) && ctx.in_window(store.time(row))) || ctx.is_indicator_ip(store.ip(row)) {
            severity = Severity::Critical;
        }
        let policy = store.target(row);
        let verb = store.operation(row).trim_end_matches('.');
        let state_text = match (&old_state, &new_state) {
            (Some(a), Some(b)) if a != b => format!(" (state {a} → {b})"),
            _ => String::new(),
        };
        let mut b = FindingBuilder::new(
            &DEF,
            severity,
            format!("{verb}: '{policy}' by {actor}{state_text}"),
            "Conditional Access decides who must use MFA, from where and on which devices. An attacker with admin rights switches a policy to report-only, \
             excludes their account or deletes the policy, and the change stays after they are gone.",
        )
        .rows([row])
        .entity(EntityKind::Policy, policy)
        .entity(EntityKind::Account, actor)
        .entity(EntityKind::Ip, store.ip(row))
        .source(store.source(row))
        .matching(Field::Op, &[store.operation(row)])
        .matching(Field::Actor, &[actor]);
        for c in &props {
            b = b.detail(format!("{} old: {}", c.property, c.old)).detail(format!("{} new: {}", c.property, c.new));
        }
        if added && !deleted {
            b = b.benign("a new policy usually adds protection; check what it excludes");
        }
        findings.extend(b.build(store));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::model::attr;

    #[test]
    fn disabling_and_deleting_rank_high() {
        let change = r#"[{"property":"ConditionalAccessPolicy","old":"{\"id\":\"1\",\"displayName\":\"Require MFA\",\"state\":\"enabled\"}","new":"{\"id\":\"1\",\"displayName\":\"Require MFA\",\"state\":\"enabledForReportingButNotEnforced\"}"}]"#;
        let store = store_of(vec![
            audit("2026-03-02T10:00:00Z", "Update conditional access policy", "admin@contoso.com", "Require MFA").with(attr::MODIFIED_PROPERTIES, change),
            audit("2026-03-02T11:00:00Z", "Delete conditional access policy", "admin@contoso.com", "Block legacy auth"),
            audit("2026-03-02T12:00:00Z", "Add conditional access policy", "admin@contoso.com", "Require compliant device"),
        ]);
        let findings = findings_of(&DEF, &store, &Context::default());
        let got: Vec<(Vec<u32>, Severity)> = findings.iter().map(|f| (f.rows.clone(), f.severity)).collect();
        assert_eq!(got, vec![(vec![0], Severity::High), (vec![1], Severity::High), (vec![2], Severity::Low)]);
        assert!(findings[0].title.ends_with("(state enabled → enabledForReportingButNotEnforced)"), "{}", findings[0].title);
    }
}
