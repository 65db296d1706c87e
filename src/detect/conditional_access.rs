//! Step 5: Conditional Access policies added, changed or deleted, with the
//! policy's state before and after, and named locations likewise (a range
//! added to a trusted location is a way around every policy that trusts
//! it). Weakening these switches off the controls that would stop the
//! attacker. One finding per change.

use super::facts::{changes, is_audit, is_ual, op_is, rows_with_op};
use super::{Context, DetectorDef, History, EntityKind, Finding, FindingBuilder, Severity};
use crate::store::{EventStore, Field};
use serde_json::Value;

pub const DEF: DetectorDef = DetectorDef {
    id: "identity.conditional_access",
    step: 5,
    title: "Conditional Access policy changes",
    run,
    sliced: None,
};

const ADD: [&str; 2] = ["Add conditional access policy", "Add named location"];
const UPDATE: [&str; 2] = ["Update conditional access policy", "Update named location"];
const DELETE: [&str; 2] = ["Delete conditional access policy", "Delete named location"];

/// The `state` field of a policy written as JSON, if present.
fn state_of(policy_json: &str) -> Option<String> {
    let value: Value = serde_json::from_str(policy_json).ok()?;
    let obj = value.as_object()?;
    obj.iter().find(|(k, _)| k.eq_ignore_ascii_case("state")).and_then(|(_, v)| v.as_str()).map(str::to_string)
}

/// What a named location written as JSON trusts: whether it is trusted,
/// and its IP ranges and countries.
fn location_of(json: &str) -> Option<(bool, Vec<String>)> {
    let value: Value = serde_json::from_str(json).ok()?;
    let obj = value.as_object()?;
    let field = |name: &str| obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v);
    let trusted = field("isTrusted").and_then(Value::as_bool).unwrap_or(false);
    let mut places: Vec<String> = field("ipRanges")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|r| r.get("cidrAddress").and_then(Value::as_str)).map(str::to_string).collect())
        .unwrap_or_default();
    if let Some(countries) = field("countriesAndRegions").and_then(Value::as_array) {
        places.extend(countries.iter().filter_map(Value::as_str).map(str::to_string));
    }
    Some((trusted, places))
}

/// How a named location change widened trust, in words: a location made
/// trusted, or ranges added to a trusted one. `None` when it did not.
fn trust_widened(old: Option<&str>, new: &str) -> Option<String> {
    let (trusted, places) = location_of(new)?;
    if !trusted {
        return None;
    }
    let (was_trusted, before) = old.and_then(location_of).unwrap_or((false, Vec::new()));
    let added: Vec<&str> = places.iter().filter(|p| !before.iter().any(|b| b.eq_ignore_ascii_case(p))).map(String::as_str).collect();
    match (was_trusted, added.is_empty()) {
        (false, _) => Some(format!("trusted: {}", places.join(", "))),
        (true, false) => Some(format!("added to a trusted location: {}", added.join(", "))),
        (true, true) => None,
    }
}

fn run(store: &EventStore, ctx: &Context, _history: &History) -> Vec<Finding> {
    let mut findings = Vec::new();
    for row in rows_with_op(store, &[ADD, UPDATE, DELETE].concat()) {
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
        let location_change = props.iter().find(|c| c.property.eq_ignore_ascii_case("NamedLocation"));
        let widened = location_change.and_then(|c| trust_widened(Some(c.old.as_str()).filter(|o| !o.is_empty()), &c.new));
        let weakened = match (old_state.as_deref(), new_state.as_deref()) {
            (Some("enabled"), Some(new)) => new != "enabled",
            _ => widened.is_some(),
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
        let state_text = match (&old_state, &new_state, &widened) {
            (Some(a), Some(b), _) if a != b => format!(" (state {a} → {b})"),
            (_, _, Some(w)) => format!(" ({w})"),
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

    #[test]
    fn a_range_added_to_a_trusted_location_ranks_high() {
        let location = |ranges: &str| format!(r##"{{\"@odata.type\":\"#microsoft.graph.ipNamedLocation\",\"displayName\":\"Head office\",\"isTrusted\":true,\"ipRanges\":[{ranges}]}}"##);
        let office = r#"{\"cidrAddress\":\"192.0.2.8/29\"}"#;
        let vps = r#"{\"cidrAddress\":\"203.0.113.9/32\"}"#;
        let widened = format!(r#"[{{"property":"NamedLocation","old":"{}","new":"{}"}}]"#, location(office), location(&format!("{office},{vps}")));
        let renamed = format!(r#"[{{"property":"NamedLocation","old":"{}","new":"{}"}}]"#, location(office), location(office));
        let store = store_of(vec![
            audit("2026-03-02T10:00:00Z", "Update named location", "admin@contoso.com", "Head office").with(attr::MODIFIED_PROPERTIES, &widened),
            audit("2026-03-02T11:00:00Z", "Update named location", "admin@contoso.com", "Head office").with(attr::MODIFIED_PROPERTIES, &renamed),
        ]);
        let findings = findings_of(&DEF, &store, &Context::default());
        let got: Vec<(Vec<u32>, Severity)> = findings.iter().map(|f| (f.rows.clone(), f.severity)).collect();
        assert_eq!(got, vec![(vec![0], Severity::High), (vec![1], Severity::Medium)]);
        assert!(findings[0].title.ends_with("(added to a trusted location: 203.0.113.9/32)"), "{}", findings[0].title);
    }
}
