//! Scoring against a small answer key written by hand: a perfect trainee,
//! a partial one, one who marks the VPN user, one who leans on hints.

use super::*;
use crate::detect::{Indicator, IndicatorKind};
use serde_json::json;
use std::collections::BTreeMap;

const VICTIM: &str = "priya@larkspur.example";
const VPN_USER: &str = "erin@larkspur.example";
const VPN_IP: &str = "198.51.100.250";

fn key() -> AnswerKey {
    serde_json::from_value(json!({
        "scenario": "Mailbox takeover", "description": "", "seed": 1, "tenant": "larkspur.example", "tenant_name": "Larkspur",
        "tenant_id": "t", "victims": [VICTIM], "targeted_accounts": ["avery@larkspur.example"],
        "attacker_ips": ["203.0.113.61", "203.0.113.206"], "attacker_user_agent": "python-requests/2.31.0",
        "attacker_user_agents": ["python-requests/2.31.0"], "malicious_app": { "name": "PDF SecureView Pro", "appId": "app-1" },
        "forwarding_address": "x@evil.example", "compromise_window": { "start": "2026-02-24T00:00:00Z", "end": "2026-02-25T00:00:00Z" },
        "duplicate_record_ids": [],
        "items": [
            { "file": "signins.csv", "record_id": "spray-1", "step": 3, "what": "password spray attempt", "why": "the spray" },
            { "file": "signins.csv", "record_id": "spray-2", "step": 3, "what": "password spray attempt", "why": "the spray" },
            { "file": "signins.csv", "record_id": "alert", "step": 1, "what": "the alert sign-in", "why": "the break-in" },
            { "file": "ual.csv", "record_id": "rule", "step": 9, "what": "inbox rule forwarding out", "why": "mail leaks" }
        ],
        "remediation": [format!("revoke_sessions:{VICTIM}"), format!("remove_inbox_rule:{VICTIM}:")],
        "difficulty": "beginner",
        "marks": [
            { "kind": "account", "value": VICTIM, "step": 1, "what": "the account taken over", "why": "contain it" },
            { "kind": "ip", "value": "203.0.113.61", "step": 1, "what": "the spray address", "why": "finds the rest" },
            { "kind": "ip", "value": "203.0.113.206", "step": 8, "what": "the app's address", "why": "app reads mail" },
            { "kind": "app", "value": "app-1", "also": ["PDF SecureView Pro"], "step": 8, "what": "the app", "why": "reads mail" },
            { "kind": "email_address", "value": "x@evil.example", "also": ["evil.example"], "step": 9, "what": "forwarding", "why": "leak" }
        ],
        "decoys": [
            { "kind": "account", "value": VPN_USER, "step": 1, "what": "the VPN user", "why": "signs in through the company VPN" },
            { "kind": "ip", "value": VPN_IP, "step": 1, "what": "the VPN exit", "why": "the company's own VPN" },
            { "kind": "event", "value": "newsletter-rule", "file": "ual.csv", "step": 9, "what": "a newsletter rule", "why": "the owner's own rule" }
        ],
        "hints": [ { "step": 1, "hints": ["gentle", "closer", "the answer"] }, { "step": 9, "hints": ["look at rules"] } ]
    }))
    .expect("test key")
}

fn event(record_id: &str, malicious: bool) -> EventMark {
    EventMark { file: "f".into(), record_id: record_id.into(), malicious, label: format!("op {record_id}") }
}

fn perfect() -> Answers {
    Answers {
        context_confirmed: true,
        accounts: vec![VICTIM.to_uppercase()],
        indicators: vec![
            Indicator::new(IndicatorKind::Ip, "203.0.113.61", ""),
            Indicator::new(IndicatorKind::Ip, "203.0.113.206:443", ""),
            Indicator::new(IndicatorKind::AppId, "PDF SecureView Pro", ""),
            Indicator::new(IndicatorKind::Domain, "evil.example", ""),
        ],
        events: vec![event("spray-2", true), event("alert", true), event("rule", true), event("newsletter-rule", false)],
        remediation_done: vec![format!("revoke_sessions:{VICTIM}"), format!("remove_inbox_rule:{VICTIM}:fwd")],
        ..Answers::default()
    }
}

#[test]
fn a_perfect_trainee_scores_100() {
    let card = score(&key(), &perfect());
    assert_eq!((card.score, card.found, card.expected, card.false_positives), (100, 10, 10, 0));
    assert!(card.categories.iter().all(|c| c.missed.is_empty()), "{card:#?}");
    let events = card.category(Category::Events).unwrap();
    assert_eq!(events.found.len(), 3, "two spray records are one group");
    assert_eq!(events.cleared.len(), 1, "the newsletter rule was called benign, rightly");
    assert_eq!(events.cleared[0].why, "the owner's own rule");
    assert_eq!(card.difficulty, Difficulty::Beginner);
}

#[test]
fn a_partial_trainee_sees_what_they_missed_and_why() {
    let answers = Answers {
        context_confirmed: true,
        accounts: vec![VICTIM.into(), "avery@larkspur.example".into()],
        indicators: vec![Indicator::new(IndicatorKind::Ip, "203.0.113.61", "")],
        events: vec![event("alert", true), event("rule", false)],
        ..Answers::default()
    };
    let card = score(&key(), &answers);
    let ips = card.category(Category::Ips).unwrap();
    assert_eq!((ips.found.len(), ips.missed.len()), (1, 1));
    assert_eq!((ips.missed[0].value.as_str(), ips.missed[0].why.as_str(), ips.missed[0].step), ("203.0.113.206", "app reads mail", 8));
    let accounts = card.category(Category::Accounts).unwrap();
    assert_eq!(accounts.not_scored.len(), 1, "a sprayed account is neither found nor wrong");
    assert!(accounts.false_positives.is_empty());
    let events = card.category(Category::Events).unwrap();
    let rule = events.missed.iter().find(|m| m.what == "inbox rule forwarding out").unwrap();
    assert!(rule.called_benign && rule.how.contains("benign"), "{rule:?}");
    assert_eq!(rule.why, "mail leaks");
    assert_eq!(card.called_benign, 1);
    let remediation = card.category(Category::Remediation).unwrap();
    assert_eq!(remediation.missed.len(), 2);
    assert!(remediation.missed[0].why.contains("session"));
    // Found: 1/1 accounts (20), 1/2 IPs (15), 0 apps, 0 indicators, 1/3 events (30), 0 remediation (20).
    let expected = (20.0 + 7.5 + 10.0) / 100.0 * 100.0;
    assert!((card.found_points - expected).abs() < 0.05, "{}", card.found_points);
    assert_eq!(card.score, (expected - WRONG_CALL_PENALTY).round() as u32);
}

#[test]
fn marking_the_vpn_user_is_a_false_positive_that_is_explained() {
    let mut answers = perfect();
    answers.accounts.push(VPN_USER.into());
    answers.indicators.push(Indicator::new(IndicatorKind::Ip, VPN_IP, "marked from the facets"));
    answers.events.push(event("newsletter-rule", true));
    answers.events.push(event("someone-elses-sign-in", true));
    answers.remediation_done.push(format!("revoke_sessions:{VPN_USER}"));
    let card = score(&key(), &answers);
    assert_eq!(card.false_positives, 5);
    assert_eq!(card.score, 100 - 5 * FALSE_POSITIVE_PENALTY as u32);
    let account = &card.category(Category::Accounts).unwrap().false_positives[0];
    assert!(account.decoy && account.why.contains("company VPN"), "{account:?}");
    let ip = &card.category(Category::Ips).unwrap().false_positives[0];
    assert!(ip.decoy && ip.why == "the company's own VPN");
    let events = card.category(Category::Events).unwrap();
    assert!(events.false_positives.iter().any(|f| f.decoy && f.why == "the owner's own rule"));
    assert!(events.false_positives.iter().any(|f| !f.decoy && f.what == "op someone-elses-sign-in"));
    let action = &card.category(Category::Remediation).unwrap().false_positives[0];
    assert!(action.decoy && action.what.contains("the VPN user"), "{action:?}");
}

#[test]
fn hints_are_counted_and_cost_a_point_each() {
    let mut answers = perfect();
    answers.hints = BTreeMap::from([(1, 3), (9, 1), (4, 0)]);
    let card = score(&key(), &answers);
    assert_eq!(card.hints_used, 4);
    assert_eq!(card.hints_by_step, BTreeMap::from([(1, 3), (9, 1)]));
    assert_eq!(card.score, 100 - 4 * HINT_PENALTY as u32);

    let key = key();
    let mut state = crate::case::ExerciseState::default();
    assert!(hints::revealed(&key, &state, 1).is_empty() && hints::has_more(&key, &state, 1));
    state.hints.insert(1, 2);
    assert_eq!(hints::revealed(&key, &state, 1), ["gentle", "closer"]);
    state.hints.insert(1, 7);
    assert_eq!(hints::revealed(&key, &state, 1).len(), 3, "never more than there are");
    assert!(!hints::has_more(&key, &state, 1));
    assert_eq!((hints::available(&key, 9), hints::available(&key, 4)), (1, 0));
}

#[test]
fn findings_count_for_the_events_they_cite() {
    let answers = Answers {
        context_confirmed: true,
        findings: vec![
            FindingMark { id: "f1".into(), title: "Password spray".into(), step: 3, confirmed: true, record_ids: vec!["spray-1".into(), "other".into()] },
            FindingMark { id: "f2".into(), title: "Inbox rule".into(), step: 9, confirmed: false, record_ids: vec!["rule".into()] },
            FindingMark { id: "f3".into(), title: "Newsletter rule".into(), step: 9, confirmed: true, record_ids: vec!["newsletter-rule".into()] },
        ],
        ..Answers::default()
    };
    let card = score(&key(), &answers);
    let events = card.category(Category::Events).unwrap();
    assert_eq!(events.found.len(), 1);
    assert!(events.found[0].how.contains("Password spray"));
    assert!(events.missed.iter().any(|m| m.called_benign && m.how.contains("dismissed")));
    assert_eq!(events.false_positives.len(), 1);
    assert!(events.false_positives[0].decoy && events.false_positives[0].what.contains("Newsletter rule"));
}

#[test]
fn an_unconfirmed_context_is_noted() {
    let card = score(&key(), &Answers::default());
    assert_eq!(card.score, 0);
    assert!(card.notes[0].contains("suggestion"));
    assert_eq!(card.found, 0);
}

#[test]
fn old_keys_without_marks_still_score() {
    let mut key = key();
    key.marks.clear();
    let card = score(&key, &perfect());
    let accounts = card.category(Category::Accounts).unwrap();
    assert_eq!(accounts.found.len(), 1);
    assert_eq!(card.category(Category::Ips).unwrap().found.len(), 2);
    assert_eq!(card.category(Category::Apps).unwrap().found.len(), 1);
}
