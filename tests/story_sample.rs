//! The suspect's story on both training incidents: with the context an
//! analyst sets from the answer key, the victim's story has a mark in every
//! lane the key's records of the victim fall in, each record inside a mark
//! of its lane, and the findings that cite those records ring some marks.

use loupe::detect::{run_all, Context, Indicator, IndicatorKind};
use loupe::model::parse_rfc3339_utc;
use loupe::sample::{generate_scenario, AnswerKey, Scenario, DEFAULT_SEED};
use loupe::store::EventStore;
use loupe::story::{lane_of, stories, Lane};
use std::collections::{BTreeMap, BTreeSet};

const COLUMNS: u32 = 420;

fn analyst_context(key: &AnswerKey) -> Context {
    let mut indicators: Vec<Indicator> = key.attacker_ips.iter().map(|ip| Indicator::new(IndicatorKind::Ip, ip.clone(), "")).collect();
    indicators.push(Indicator::new(IndicatorKind::AppId, key.malicious_app.app_id.clone(), ""));
    let window = parse_rfc3339_utc(&key.compromise_window.start).zip(parse_rfc3339_utc(&key.compromise_window.end));
    Context { suspect_accounts: key.victims.clone(), window, indicators, ..Context::default() }
}

/// The store's rows of each answer-key record id.
fn rows_by_record(store: &EventStore) -> BTreeMap<&str, Vec<u32>> {
    let mut rows: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for row in 0..store.len() as u32 {
        let id = store.record_id(row);
        if !id.is_empty() {
            rows.entry(id).or_default().push(row);
        }
    }
    rows
}

fn check(scenario: Scenario, must_have: &[Lane]) {
    let set = generate_scenario(scenario, DEFAULT_SEED);
    let key = &set.answer_key;
    let store = set.to_store();
    let ctx = analyst_context(key);
    let findings = run_all(&store, &ctx);
    let all = stories(&store, &ctx, None, &findings, COLUMNS);
    assert_eq!(all.len(), key.victims.len());
    let by_record = rows_by_record(&store);

    for story in &all {
        let drawn: BTreeSet<Lane> = story.lanes.iter().map(|(l, _)| *l).collect();
        println!("{}: {} events; lanes {:?}", story.account, story.events, drawn);
        // The key's records done by this victim, and the lanes they fall in.
        let mut touched: BTreeSet<Lane> = BTreeSet::new();
        for item in &key.items {
            for &row in by_record.get(item.record_id.as_str()).into_iter().flatten() {
                let Some(lane) = lane_of(&store, row) else { continue };
                if !store.actor(row).eq_ignore_ascii_case(&story.account) {
                    continue;
                }
                touched.insert(lane);
                let column = story.axis.column(store.time(row));
                assert!(
                    story.marks(lane).iter().any(|m| m.column == column),
                    "{}: {} ({}, {:?}) has no mark in its lane and column",
                    scenario.name(),
                    item.what,
                    item.record_id,
                    lane
                );
            }
        }
        println!("lanes the key touches: {touched:?}");
        assert!(touched.is_subset(&drawn));
        for lane in must_have {
            assert!(touched.contains(lane), "{}: the key has no {lane:?} record of {}", scenario.name(), story.account);
            assert!(!story.marks(*lane).is_empty(), "{}: no {lane:?} marks for {}", scenario.name(), story.account);
        }
        let cited = story.lanes.iter().flat_map(|(_, marks)| marks).filter(|m| m.is_cited()).count();
        assert!(cited > 0, "{}: no mark of {} is cited by a finding", scenario.name(), story.account);
        let marks: usize = story.lanes.iter().map(|(_, marks)| marks.len()).sum();
        assert!(marks <= COLUMNS as usize * story.lanes.len());
        assert!(story.window.is_some() && story.window == ctx.window, "the window lies inside the axis");
    }
}

#[test]
fn mailbox_takeover_story_covers_the_answer_key() {
    check(Scenario::MailboxTakeover, &[Lane::SignIns, Lane::Mfa, Lane::Apps, Lane::MailRules, Lane::Mail, Lane::FileDownloads]);
}

#[test]
fn compromised_admin_story_covers_the_answer_key() {
    check(Scenario::CompromisedAdmin, &[Lane::SignIns, Lane::Apps, Lane::Mail, Lane::RoleChanges, Lane::Cloud]);
}
