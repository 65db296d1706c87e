//! Exercise mode end to end on the generated scenarios: a scripted trainee
//! works the case with the ordinary case actions (suspects, indicators,
//! event tags, finding verdicts, remediation done, hints), and the
//! scorecard says what they found, missed and got wrong.

use loupe::case::annotations::row_key;
use loupe::case::{Case, CaseAction, EventChange, EventSummary, FindingVerdict, Verdict};
use loupe::detect::{run_all, Context, Finding, Indicator, IndicatorKind};
use loupe::exercise::{gather, hints, score, Category, Scorecard};
use loupe::ingest::{ingest_bytes, Deduper};
use loupe::sample::{generate_scenario, AnswerKey, MarkKind, SampleSet, Scenario, DEFAULT_SEED};
use loupe::store::EventStore;

const VPN_EGRESS: &str = "198.51.100.250";

fn load(set: &SampleSet) -> EventStore {
    let mut store = EventStore::new();
    let mut dedupe = Deduper::default();
    for file in &set.files {
        let (report, events, text) = ingest_bytes(&file.name, &file.contents, &mut dedupe);
        store.add_file(report, text, events);
    }
    store
}

fn row_of(store: &EventStore, record_id: &str) -> u32 {
    (0..store.len() as u32).find(|&r| store.record_id(r) == record_id).unwrap_or_else(|| panic!("no row for record {record_id}"))
}

fn tag(case: &mut Case, store: &EventStore, record_id: &str, tag: &str) {
    let row = row_of(store, record_id);
    let key = row_key(store, row).expect("loaded row");
    case.apply(CaseAction::AnnotateEvent { key, summary: EventSummary::of_row(store, row), change: EventChange::AddTag(tag.into()) }, 2);
}

fn mark(case: &mut Case, edit: impl FnOnce(&mut Context)) {
    let mut context = case.context.clone().expect("the exercise confirms a context");
    edit(&mut context);
    case.apply(CaseAction::SetContext(Some(context)), 2);
}

/// The scorecard for `case`, with the findings its context produces.
fn scorecard(key: &AnswerKey, case: &Case, store: &EventStore) -> (Scorecard, Vec<Finding>) {
    let findings = run_all(store, case.context.as_ref().expect("context"));
    (score(key, &gather(case, store, &findings)), findings)
}

fn started(key: &AnswerKey) -> Case {
    let mut case = Case::default();
    case.apply(CaseAction::StartExercise { scenario: key.scenario.clone(), folder: String::new() }, 1);
    case
}

/// Marks every value, one record of every attack group and every action of the key.
fn perfect_case(key: &AnswerKey, store: &EventStore) -> Case {
    let mut case = started(key);
    mark(&mut case, |ctx| {
        for m in &key.marks {
            match m.kind {
                MarkKind::Account => ctx.suspect_accounts.push(m.value.clone()),
                MarkKind::Ip => ctx.indicators.push(Indicator::new(IndicatorKind::Ip, m.value.clone(), "")),
                MarkKind::App => ctx.indicators.push(Indicator::new(IndicatorKind::AppId, m.value.clone(), "")),
                MarkKind::UserAgent => ctx.indicators.push(Indicator::new(IndicatorKind::UserAgent, m.value.clone(), "")),
                MarkKind::EmailAddress => ctx.indicators.push(Indicator::new(IndicatorKind::EmailAddress, m.value.clone(), "")),
                MarkKind::Domain | MarkKind::Event => ctx.indicators.push(Indicator::new(IndicatorKind::Other, m.value.clone(), "")),
            }
        }
    });
    let mut seen = std::collections::BTreeSet::new();
    for item in &key.items {
        if seen.insert((item.step, item.what.clone())) {
            tag(&mut case, store, &item.record_id, "malicious");
        }
    }
    for wanted in &key.remediation {
        // A prefix entry (an inbox rule whose name the key does not fix) is done under any name.
        let id = if wanted.ends_with(':') { format!("{wanted}rule") } else { wanted.clone() };
        case.apply(CaseAction::SetActionDone { id, done: true }, 3);
    }
    case
}

#[test]
fn a_perfect_trainee_scores_100_on_each_scenario() {
    for scenario in Scenario::ALL {
        let set = generate_scenario(scenario, DEFAULT_SEED);
        let (key, store) = (&set.answer_key, load(&set));
        let case = perfect_case(key, &store);
        let (card, _) = scorecard(key, &case, &store);
        let missed: Vec<String> = card.categories.iter().flat_map(|c| c.missed.iter().map(|m| format!("{}: {}", c.label, m.what))).collect();
        assert!(missed.is_empty(), "{} missed {missed:?}", scenario.name());
        assert_eq!((card.score, card.false_positives, card.found, card.expected), (100, 0, card.expected, card.expected), "{}", scenario.name());
        assert!(card.notes.is_empty(), "{:?}", card.notes);
        // Every decoy record is in the evidence, so marking one can be scored.
        for decoy in key.decoys.iter().filter(|d| d.kind == MarkKind::Event) {
            row_of(&store, &decoy.value);
        }
    }
}

#[test]
fn a_trainee_who_works_part_of_the_mailbox_takeover() {
    let set = generate_scenario(Scenario::MailboxTakeover, DEFAULT_SEED);
    let (key, store) = (&set.answer_key, load(&set));
    assert_eq!(key.difficulty, loupe::sample::Difficulty::Beginner);
    let victim = key.victims[0].clone();
    let spray = key.attacker_ips[0].clone();
    let mut case = started(key);

    // Step 1 with two hints; the victim and the spray address marked, and
    // the VPN exit too (the decoy of this scenario).
    for _ in 0..2 {
        case.apply(CaseAction::RevealHint { step: 1, available: hints::available(key, 1) }, 2);
    }
    mark(&mut case, |ctx| {
        ctx.suspect_accounts.push(victim.clone());
        ctx.indicators.push(Indicator::new(IndicatorKind::Ip, spray.clone(), "marked from the detail"));
        ctx.indicators.push(Indicator::new(IndicatorKind::Ip, VPN_EGRESS, "marked from the facets"));
    });
    // The inbox rule tagged malicious; a decoy rule rightly tagged benign.
    let rule = key.items.iter().find(|i| i.step == 9).expect("the rule is in the key");
    tag(&mut case, &store, &rule.record_id, "malicious");
    let decoy_rule = key.decoys.iter().find(|d| d.kind == MarkKind::Event && d.step == 9).expect("a decoy rule");
    tag(&mut case, &store, &decoy_rule.value, "benign");
    // The password spray confirmed through its finding.
    let findings = run_all(&store, case.context.as_ref().unwrap());
    let spray_record = &key.items.iter().find(|i| i.what.starts_with("password spray")).unwrap().record_id;
    let spray_finding = findings.iter().find(|f| f.rows.iter().any(|&r| store.record_id(r) == spray_record)).expect("a finding cites the spray");
    case.apply(CaseAction::SetFindingVerdict { id: spray_finding.id.clone(), verdict: Some(FindingVerdict::new(spray_finding, Verdict::Confirmed, 4)) }, 4);
    case.apply(CaseAction::SetActionDone { id: format!("revoke_sessions:{victim}"), done: true }, 5);
    case.apply(CaseAction::FinishExercise, 6);

    // The case goes through a file, as it would between machines.
    let case = loupe::case::from_json(&loupe::case::to_json(&case)).unwrap();
    let (card, _) = scorecard(key, &case, &store);
    assert_eq!(card.hints_used, 2);
    let accounts = card.category(Category::Accounts).unwrap();
    assert_eq!(accounts.found.len(), 1);
    assert!(accounts.found[0].value.eq_ignore_ascii_case(&victim));
    let ips = card.category(Category::Ips).unwrap();
    assert_eq!((ips.found.len(), ips.missed.len(), ips.false_positives.len()), (1, 1, 1));
    assert!(ips.false_positives[0].decoy && ips.false_positives[0].why.contains("VPN"), "{:?}", ips.false_positives[0]);
    assert!(!ips.missed[0].why.is_empty() && ips.missed[0].step == 8);
    let events = card.category(Category::Events).unwrap();
    assert!(events.found.iter().any(|f| f.what == rule.what && f.how.starts_with("tagged malicious")));
    assert!(events.found.iter().any(|f| f.what.starts_with("password spray") && f.how.contains("confirmed")), "{:#?}", events.found);
    assert_eq!(events.cleared.len(), 1);
    let mail_reads = events.missed.iter().find(|m| m.what == "mail read by the malicious app").expect("missed");
    assert!(mail_reads.why.contains("AppId") && mail_reads.value.starts_with("51 records"), "{mail_reads:?}");
    let remediation = card.category(Category::Remediation).unwrap();
    assert_eq!((remediation.found.len(), remediation.missed.len()), (1, key.remediation.len() - 1));
    assert_eq!(card.false_positives, 1);
    assert!(card.score > 0 && card.score < 60, "{}", card.score);
    assert_eq!(case.exercise.as_ref().and_then(|e| e.finished_at), Some(6));
}

#[test]
fn in_the_admin_scenario_the_victim_uses_the_vpn_but_the_vpn_exit_is_still_a_decoy() {
    let set = generate_scenario(Scenario::CompromisedAdmin, DEFAULT_SEED);
    let (key, store) = (&set.answer_key, load(&set));
    assert_eq!(key.difficulty, loupe::sample::Difficulty::Advanced);
    let mut case = started(key);
    let (victim, proxy) = (key.victims[0].clone(), key.attacker_ips[0].clone());
    mark(&mut case, |ctx| {
        ctx.suspect_accounts.push(victim.clone());
        ctx.indicators.push(Indicator::new(IndicatorKind::Ip, VPN_EGRESS, ""));
        ctx.indicators.push(Indicator::new(IndicatorKind::Ip, proxy.clone(), ""));
    });
    let (card, _) = scorecard(key, &case, &store);
    let accounts = card.category(Category::Accounts).unwrap();
    assert!(accounts.false_positives.is_empty(), "the admin is the victim here");
    let ips = card.category(Category::Ips).unwrap();
    assert_eq!((ips.found.len(), ips.false_positives.len()), (1, 1));
    assert!(ips.false_positives[0].why.contains("same city"));
    // The executive whose mailbox was read is not a false positive either.
    mark(&mut case, |ctx| ctx.suspect_accounts.push(key.accessed_mailboxes[0].clone()));
    let (card, _) = scorecard(key, &case, &store);
    assert_eq!(card.category(Category::Accounts).unwrap().not_scored.len(), 1);
    assert_eq!(card.false_positives, 1);
}

#[test]
fn the_command_line_prints_the_scorecard() {
    let dir = std::env::temp_dir().join(format!("loupe-exercise-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let run = |args: &[&str]| std::process::Command::new(env!("CARGO_BIN_EXE_loupe")).args(args).output().expect("the loupe binary runs");
    let out = run(&["sample", "--out", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["difficulty"], "beginner");
    let key = loupe::exercise::parse_key(&std::fs::read(dir.join("answer_key.json")).unwrap()).unwrap();
    let mut case = started(&key);
    mark(&mut case, |ctx| ctx.suspect_accounts.push(key.victims[0].clone()));
    case.apply(CaseAction::RevealHint { step: 1, available: 3 }, 2);
    let case_path = dir.join("case.json");
    std::fs::write(&case_path, loupe::case::to_json(&case)).unwrap();
    let files: Vec<String> = manifest["files"].as_array().unwrap().iter().map(|f| dir.join(f.as_str().unwrap()).to_string_lossy().into_owned()).collect();
    let mut args: Vec<String> = ["score", "--key", dir.join("answer_key.json").to_str().unwrap(), "--case", case_path.to_str().unwrap()].map(String::from).to_vec();
    args.extend(files);
    let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let card: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((card["hints_used"].as_u64(), card["false_positives"].as_u64()), (Some(1), Some(0)));
    assert_eq!(card["categories"][0]["found"][0]["value"], key.victims[0].as_str());
    assert!(card["score"].as_u64().unwrap() > 0);
    let missing = run(&["score", "--case", case_path.to_str().unwrap()]);
    assert!(!missing.status.success() && String::from_utf8_lossy(&missing.stderr).contains("--key"));
    let _ = std::fs::remove_dir_all(&dir);
}
