//! The sign-in map on both training incidents: the intruder's sign-in
//! addresses land on a place of their own, marked once the analyst marks
//! them, the impossible-travel findings become lines, and the HTML report
//! draws the map.

use loupe::detect::{run_all, suggest_context, Context, Indicator, IndicatorKind};
use loupe::geo::SigninMap;
use loupe::ingest::{ingest_bytes, Deduper};
use loupe::sample::{generate_scenario, Scenario, DEFAULT_SEED};
use loupe::store::EventStore;

fn load(scenario: Scenario) -> (EventStore, loupe::sample::AnswerKey) {
    let set = generate_scenario(scenario, DEFAULT_SEED);
    let mut store = EventStore::new();
    let mut dedupe = Deduper::default();
    for file in &set.files {
        let (report, events, text) = ingest_bytes(&file.name, &file.contents, &mut dedupe);
        store.add_file(report, text, events);
    }
    (store, set.answer_key)
}

fn check(scenario: Scenario) {
    let (store, key) = load(scenario);
    let suggested = suggest_context(&store);
    let ctx = Context { indicators: key.attacker_ips.iter().map(|ip| Indicator::new(IndicatorKind::Ip, ip.clone(), "")).collect(), ..suggested };
    let findings = run_all(&store, &ctx);
    let rows: Vec<u32> = (0..store.len() as u32).collect();
    let marked: Vec<String> = key.attacker_ips.clone();
    let map = SigninMap::build(&store, &rows, &marked, &findings, &ctx);
    assert!(!map.is_empty(), "{}: no place", scenario.name());

    let attacker_places: Vec<_> = map.places.iter().filter(|p| p.addresses.iter().any(|a| key.attacker_ips.contains(a))).collect();
    assert!(!attacker_places.is_empty(), "{}: no place holds an attacker address", scenario.name());
    for place in &attacker_places {
        println!("{}: attacker place {} ({}), {:?}", scenario.name(), place.label(), place.country_code, place.counts);
        assert!(place.is_marked());
        assert!(!place.country_code.is_empty());
    }

    let travel = findings.iter().filter(|f| f.detector == "signin.impossible_travel").count();
    println!("{}: {} impossible-travel finding(s), {} line(s)", scenario.name(), travel, map.lines.len());
    for line in &map.lines {
        println!("  {}: {} -> {}: {}", line.account, map.places[line.from].label(), map.places[line.to].label(), line.label());
    }
    assert_eq!(travel > 0, !map.lines.is_empty(), "{}: a line for each impossible-travel finding", scenario.name());

    let input = loupe::report::ReportInput {
        case: &loupe::case::Case::default(),
        context: &ctx,
        findings: &findings,
        plan: &loupe::remediate::Plan::default(),
        contradictions: &[],
        changes: &[],
        changes_from: "",
        store: &store,
        generated_at: 0,
    };
    let doc = loupe::report::incident::build(&input);
    let html = loupe::report::to_html(&doc);
    assert!(html.contains("<figure class=\"map\"><svg "), "{}: the report draws the map", scenario.name());
    let attacker_country = format!("data-country=\"{}\"", attacker_places[0].country_code);
    assert!(html.contains(&attacker_country), "{}: {attacker_country}", scenario.name());
    let markdown = loupe::report::to_markdown(&doc);
    assert!(markdown.contains("## Where sign-ins came from"));
}

#[test]
fn mailbox_takeover_map() {
    check(Scenario::MailboxTakeover);
}

#[test]
fn compromised_admin_map() {
    check(Scenario::CompromisedAdmin);
}
