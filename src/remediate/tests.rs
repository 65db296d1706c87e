//! The plan on tiny stores: hostile identifiers stay inside their quotes,
//! one action per thing to undo, and done actions checked against later
//! evidence.

use super::*;
use crate::detect::testkit::*;
use crate::detect::{run_all, Indicator, IndicatorKind};

const VICTIM: &str = "alice@contoso.com";
const EVIL_IP: &str = "203.0.113.7";

fn context() -> Context {
    Context {
        suspect_accounts: vec![VICTIM.into()],
        window: Some((t("2026-03-02T00:00:00Z"), t("2026-03-03T00:00:00Z"))),
        indicators: vec![Indicator::new(IndicatorKind::Ip, EVIL_IP, "")],
        ..Context::default()
    }
}

fn hostile_rule_store() -> crate::store::EventStore {
    store_of(vec![
        signin("2026-03-02T09:00:00Z", VICTIM, EVIL_IP, "NG"),
        ual("2026-03-02T09:10:00Z", "New-InboxRule", VICTIM, EVIL_IP)
            .target(&format!("{VICTIM}\\x"))
            .with("Param.Name", "x'; Remove-Mailbox -Identity ceo@contoso.com; '")
            .with("Param.ForwardTo", "drop@evil.example")
            .with("Param.DeleteMessage", "True"),
        signin("2026-03-02T15:00:00Z", VICTIM, EVIL_IP, "NG"),
    ])
}

#[test]
fn a_hostile_rule_name_stays_inside_its_quotes() {
    let store = hostile_rule_store();
    let ctx = context();
    let plan = plan(&store, &ctx, &run_all(&store, &ctx));
    let rule = plan.actions.iter().find(|a| a.id.starts_with("remove_inbox_rule:")).expect("a rule removal");
    let text = &rule.commands[0].text;
    assert!(text.contains("-Identity 'x''; Remove-Mailbox -Identity ceo@contoso.com; '''"), "{text}");
    assert!(text.contains("-Mailbox 'alice@contoso.com'"), "{text}");
    assert_eq!(rule.step, 11);
    assert!(!rule.findings.is_empty() && rule.rows == vec![1]);
}

#[test]
fn every_suspect_gets_containment_and_credential_actions() {
    let store = hostile_rule_store();
    let ctx = context();
    let plan = plan(&store, &ctx, &run_all(&store, &ctx));
    for id in ["revoke_sessions:alice@contoso.com", "reset_password:alice@contoso.com", "require_mfa_reregistration:alice@contoso.com", "block_legacy_protocols:alice@contoso.com"] {
        assert!(plan.action(id).is_some(), "{id} missing from {:?}", plan.actions.iter().map(|a| &a.id).collect::<Vec<_>>());
    }
    let revoke = plan.action("revoke_sessions:alice@contoso.com").unwrap();
    assert_eq!(revoke.step, 2);
    assert!(revoke.commands[0].text.contains("Revoke-MgUserSignInSession -UserId 'alice@contoso.com'"));
    assert!(revoke.why.contains("Revoke-AzureADUserAllRefreshToken"), "says what replaced the retired cmdlet");
    assert_eq!(plan.actions.first().map(|a| a.step), Some(2), "containment first");
    let ids: std::collections::BTreeSet<&str> = plan.actions.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids.len(), plan.actions.len(), "ids are unique");
}

#[test]
fn no_suspect_no_account_actions() {
    let store = hostile_rule_store();
    let plan = plan(&store, &Context::default(), &[]);
    assert!(plan.actions.is_empty());
}

#[test]
fn activity_after_revocation_and_token_lifetime_contradicts_it() {
    let store = hostile_rule_store();
    let ctx = Context { token_lifetime_minutes: 90, ..context() };
    let plan = plan(&store, &ctx, &run_all(&store, &ctx));
    let id = "revoke_sessions:alice@contoso.com".to_string();
    // Revoked at 09:30: the 15:00 sign-in from the marked address is long after the tokens expired.
    let done = BTreeMap::from([(id.clone(), t("2026-03-02T09:30:00Z"))]);
    let found = verify(&store, &ctx, &plan, &done);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].action, id);
    assert_eq!(found[0].rows, vec![2]);
    // Revoked at 14:00: 15:00 is inside the 90 minutes tokens may live.
    let done = BTreeMap::from([(id.clone(), t("2026-03-02T14:00:00Z"))]);
    assert!(verify(&store, &ctx, &plan, &done).is_empty());
    // Nothing is checked for actions not marked done.
    assert!(verify(&store, &ctx, &plan, &BTreeMap::new()).is_empty());
}

#[test]
fn a_rule_made_again_after_removal_is_flagged() {
    let mut events = vec![
        ual("2026-03-02T09:10:00Z", "New-InboxRule", VICTIM, EVIL_IP).target(&format!("{VICTIM}\\fwd")).with("Param.Name", "fwd").with("Param.ForwardTo", "drop@evil.example"),
    ];
    events.push(ual("2026-03-02T12:00:00Z", "New-InboxRule", VICTIM, EVIL_IP).target(&format!("{VICTIM}\\fwd2")).with("Param.Name", "fwd2").with("Param.ForwardTo", "drop@evil.example"));
    let store = store_of(events);
    let ctx = context();
    let plan = plan(&store, &ctx, &run_all(&store, &ctx));
    let first = plan.actions.iter().find(|a| a.id.ends_with(":fwd")).expect("removal of the first rule");
    let done = BTreeMap::from([(first.id.clone(), t("2026-03-02T10:00:00Z"))]);
    let found = verify(&store, &ctx, &plan, &done);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].rows, vec![1]);
}

use std::collections::BTreeMap;
