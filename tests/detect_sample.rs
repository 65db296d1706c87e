//! The detectors against each training scenario's answer key: ingest every
//! generated file, run every detector with the suggested context and with
//! the analyst's, and report per playbook step how many attacker records
//! the findings cite, and which findings above Low cite none (false
//! positives).
//!
//! A row's id is the record id the store keeps (`EventStore::record_id`).
//! Steps whose source files could not be read (no parser) are reported but
//! not asserted.

use loupe::detect::{run_all, suggest_context, Context, Finding, Indicator, IndicatorKind, Severity};
use loupe::model::parse_rfc3339_utc;
use loupe::sample::AnswerKey;
use loupe::ingest::{ingest_bytes, Deduper};
use loupe::model::Source;
use loupe::sample::{generate_scenario, AnswerItem, Scenario, DEFAULT_SEED};
use loupe::store::EventStore;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The record id the answer key uses.
fn record_id(store: &EventStore, row: u32) -> Option<String> {
    Some(store.record_id(row)).filter(|id| !id.is_empty()).map(str::to_string)
}

struct Report {
    /// step -> (found, expected)
    per_step: BTreeMap<u8, (usize, usize)>,
    missed: Vec<AnswerItem>,
    false_positives: Vec<String>,
    loaded: BTreeSet<Source>,
    /// Files no parser could read.
    unread: usize,
    /// Detectors with a finding that cites an attacker record.
    fired: BTreeSet<String>,
    /// Findings of the Graph activity and message trace detectors, at any
    /// severity, that cite no attacker record: noise from the background.
    quiet_broken: Vec<String>,
}

/// The context an analyst would set from what the answer key says.
fn analyst_context(key: &AnswerKey) -> Context {
    let mut indicators: Vec<Indicator> = key.attacker_ips.iter().map(|ip| Indicator::new(IndicatorKind::Ip, ip.clone(), "")).collect();
    indicators.extend(key.attacker_user_agents.iter().map(|ua| Indicator::new(IndicatorKind::UserAgent, ua.clone(), "")));
    indicators.push(Indicator::new(IndicatorKind::AppId, key.malicious_app.app_id.clone(), ""));
    let window = parse_rfc3339_utc(&key.compromise_window.start).zip(parse_rfc3339_utc(&key.compromise_window.end));
    Context { suspect_accounts: key.victims.clone(), window, indicators, ..Context::default() }
}

fn evaluate(scenario: Scenario, analyst: bool) -> Report {
    println!("scenario {}, {} context", scenario.name(), if analyst { "analyst's" } else { "suggested" });
    let set = generate_scenario(scenario, DEFAULT_SEED);
    let mut store = EventStore::new();
    let mut dedupe = Deduper::default();
    let mut file_of_source: HashMap<String, BTreeSet<Source>> = HashMap::new();
    let mut unread = 0;
    for file in &set.files {
        let (report, events, text) = ingest_bytes(&file.name, &file.contents, &mut dedupe);
        unread += usize::from(report.unreadable.is_some());
        file_of_source.entry(file.name.clone()).or_default().extend(events.iter().map(|e| e.source));
        println!("{}: {} rows, {} rejected{}", file.name, report.rows_ok, report.rows_rejected, report.unreadable.as_deref().map(|u| format!(" ({u})")).unwrap_or_default());
        store.add_file(report, text, events);
    }
    let loaded: BTreeSet<Source> = file_of_source.values().flatten().copied().collect();
    let ctx = if analyst { analyst_context(&set.answer_key) } else { suggest_context(&store) };
    println!("context: {}", serde_json::to_string(&ctx).unwrap_or_default());
    let findings = run_all(&store, &ctx);
    for f in findings.iter().filter(|f| f.severity > Severity::Low) {
        println!("{:?} step {} {}: {}", f.severity, f.step, f.detector, f.title);
    }

    // Record ids cited by each finding.
    let cited: Vec<(&Finding, BTreeSet<String>)> = findings.iter().map(|f| (f, f.rows.iter().filter_map(|&r| record_id(&store, r)).collect())).collect();
    let answer_ids: BTreeSet<&str> = set.answer_key.items.iter().map(|i| i.record_id.as_str()).collect();

    let mut per_step: BTreeMap<u8, (usize, usize)> = BTreeMap::new();
    let mut missed = Vec::new();
    for item in &set.answer_key.items {
        let entry = per_step.entry(item.step).or_default();
        entry.1 += 1;
        if cited.iter().any(|(f, ids)| f.step == item.step && ids.contains(&item.record_id)) {
            entry.0 += 1;
        } else {
            missed.push(item.clone());
        }
    }
    let false_positives = cited
        .iter()
        .filter(|(f, ids)| f.severity > Severity::Low && !ids.iter().any(|id| answer_ids.contains(id.as_str())))
        .map(|(f, _)| format!("{:?} step {} {}: {}", f.severity, f.step, f.detector, f.title))
        .collect();
    let fired = cited.iter().filter(|(_, ids)| ids.iter().any(|id| answer_ids.contains(id.as_str()))).map(|(f, _)| f.detector.to_string()).collect();
    let quiet_broken = cited
        .iter()
        .filter(|(f, ids)| (f.detector.starts_with("graph.") || f.detector.starts_with("trace.")) && !ids.iter().any(|id| answer_ids.contains(id.as_str())))
        .map(|(f, _)| format!("{:?} step {} {}: {}", f.severity, f.step, f.detector, f.title))
        .collect();
    Report { per_step, missed, false_positives, loaded, unread, fired, quiet_broken }
}

/// The Graph activity and message trace detectors each scenario's story
/// should set off; none of theirs may stand on background rows alone.
const TAKEOVER_TRAFFIC: [&str; 5] =
    ["graph.token_from_attacker_address", "graph.bulk_data_reads", "graph.bulk_directory_reads", "trace.outside_mail_in_window", "trace.internal_phishing_burst"];
const ADMIN_TRAFFIC: [&str; 3] = ["graph.token_from_attacker_address", "graph.bulk_directory_reads", "trace.mail_from_marked_sender"];

fn check_traffic(report: &Report, expected: &[&str]) {
    for source in [Source::GraphActivity, Source::MessageTrace] {
        assert!(report.loaded.contains(&source), "{source:?} not loaded");
    }
    for detector in expected {
        assert!(report.fired.contains(*detector), "{detector} found nothing of the attacker's");
    }
    assert!(report.quiet_broken.is_empty(), "Graph or trace findings on background rows only: {:#?}", report.quiet_broken);
}

#[test]
fn sample_incident_with_suggested_context() {
    let report = evaluate(Scenario::MailboxTakeover, false);
    check(&report);
    check_traffic(&report, &TAKEOVER_TRAFFIC);
}

#[test]
fn sample_incident_with_analyst_context() {
    let report = evaluate(Scenario::MailboxTakeover, true);
    check(&report);
    check_traffic(&report, &TAKEOVER_TRAFFIC);
    // With the victim, window and indicators set, the UAL alone shows
    // everything the attacker did in the mailbox and every message sent.
    if report.loaded.contains(&Source::UnifiedAudit) {
        for step in [6, 10] {
            let (found, expected) = report.per_step.get(&step).copied().unwrap_or_default();
            assert_eq!(found, expected, "step {step}");
        }
    }
}

/// The compromised admin: every attacker record in its step, nothing
/// ordinary above Low, whichever context the analyst starts from.
#[test]
fn compromised_admin_with_suggested_context() {
    let report = check_all(evaluate(Scenario::CompromisedAdmin, false));
    check_cloud(&report);
    check_traffic(&report, &ADMIN_TRAFFIC);
}

#[test]
fn compromised_admin_with_analyst_context() {
    let report = check_all(evaluate(Scenario::CompromisedAdmin, true));
    check_cloud(&report);
    check_traffic(&report, &ADMIN_TRAFFIC);
}

/// The admin's Azure and AWS work: step 4 (what was built or granted) and
/// step 11 (what was read) are scored like the rest.
fn check_cloud(report: &Report) {
    for source in [Source::AzureActivity, Source::CloudTrail] {
        assert!(report.loaded.contains(&source), "{source:?} not loaded");
    }
    for step in [4, 11] {
        let (found, expected) = report.per_step.get(&step).copied().unwrap_or_default();
        assert!(expected > 0, "the answer key has step {step} items");
        assert_eq!(found, expected, "step {step}");
    }
}

fn check_all(report: Report) -> Report {
    print_report(&report);
    for source in [Source::SignIn, Source::DirectoryAudit, Source::UnifiedAudit] {
        assert!(report.loaded.contains(&source), "{source:?} not loaded");
    }
    for (step, (found, expected)) in &report.per_step {
        assert_eq!(found, expected, "step {step}: missed records are listed above");
    }
    assert!(report.false_positives.is_empty(), "false positives are listed above");
    report
}

fn print_report(report: &Report) {
    println!("sources loaded: {:?}", report.loaded);
    for (step, (found, expected)) in &report.per_step {
        println!("step {step}: {found}/{expected} attacker records cited");
    }
    for item in &report.missed {
        println!("missed: step {} {} {} ({})", item.step, item.file, item.what, item.record_id);
    }
    for fp in &report.false_positives {
        println!("false positive above low: {fp}");
    }
}

fn check(report: &Report) {
    print_report(report);
    // The UAL parser is in: the mailbox rule and forwarding records (step 9)
    // come from the UAL alone and must all be found.
    if report.loaded.contains(&Source::UnifiedAudit) {
        let (found, expected) = report.per_step.get(&9).copied().unwrap_or_default();
        assert!(expected > 0, "the answer key has step 9 items");
        assert_eq!(found, expected, "step 9 items missed");
    }
    // Once every file of the sample parses (the Entra and M365 logs at
    // least), every attacker record is cited in its step and nothing
    // ordinary ranks above Low.
    let m365 = [Source::SignIn, Source::DirectoryAudit, Source::UnifiedAudit];
    if report.unread == 0 && m365.iter().all(|s| report.loaded.contains(s)) {
        for (step, (found, expected)) in &report.per_step {
            assert_eq!(found, expected, "step {step}: {:#?}", report.missed);
        }
        assert!(report.false_positives.is_empty(), "{:#?}", report.false_positives);
    }
}
