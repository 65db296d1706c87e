//! The training incidents' tenant configuration snapshots: every file is
//! read as Graph JSON with nothing unknown, the baseline diff finds each of
//! the attacker's changes the answer key lists at (at least) its risk, and
//! the month's ordinary changes at no more than theirs.

use loupe::detect::Severity;
use loupe::sample::{generate_scenario, ConfigChangeItem, SampleFile, SampleSet, Scenario, DEFAULT_SEED};
use loupe::tenant::{diff_snapshots, ChangeKind, ObjectChange, Snapshot};
use serde_json::Value;

fn snapshot(files: &[SampleFile]) -> Snapshot {
    Snapshot::from_files(files.iter().map(|f| (f.name.as_str(), f.contents.as_slice())))
}

fn severity(label: &str) -> Severity {
    match label {
        "info" => Severity::Info,
        "low" => Severity::Low,
        "medium" => Severity::Medium,
        "high" => Severity::High,
        "critical" => Severity::Critical,
        other => panic!("unknown risk label {other}"),
    }
}

fn change_kind(label: &str) -> ChangeKind {
    match label {
        "added" => ChangeKind::Added,
        "removed" => ChangeKind::Removed,
        "changed" => ChangeKind::Changed,
        other => panic!("unknown change {other}"),
    }
}

fn find<'a>(changes: &'a [ObjectChange], item: &ConfigChangeItem) -> &'a ObjectChange {
    changes
        .iter()
        .find(|c| c.kind.slug() == item.kind && c.id == item.object_id)
        .unwrap_or_else(|| panic!("{} {} ({}) not in the diff: {:#?}", item.kind, item.object_id, item.display_name, changes.iter().map(|c| (c.kind.slug(), &c.name, c.risk)).collect::<Vec<_>>()))
}

fn check(scenario: Scenario) -> SampleSet {
    let set = generate_scenario(scenario, DEFAULT_SEED);
    let key = &set.answer_key;
    assert!(!set.snapshots.baseline.is_empty() && set.snapshots.baseline.len() == set.snapshots.current.len());
    let baseline = snapshot(&set.snapshots.baseline);
    let current = snapshot(&set.snapshots.current);
    for report in baseline.files.iter().chain(&current.files) {
        assert!(report.unreadable.is_none() && report.problems_total == 0, "{report:?}");
        assert!(report.unknown.is_empty(), "unknown objects: {report:?}");
        assert!(report.by_shape.is_empty(), "every type named by context or @odata.type: {report:?}");
        assert!(!report.covers.is_empty() || report.objects_read() == 1, "each file is a page that says what it lists, or one entity: {}", report.file);
    }
    assert!(current.objects().all(|o| o.kind.is_known()));
    let diff = diff_snapshots(&baseline, &current);
    assert!(diff.notes.is_empty(), "{:?}", diff.notes);
    for c in &diff.changes {
        println!("{:?} {:?} {} {}: {}", c.risk, c.change, c.kind.slug(), c.name, c.reason());
    }
    assert!(key.config_changes.iter().any(|i| i.attacker), "the answer key lists the attacker's changes");
    for item in &key.config_changes {
        let found = find(&diff.changes, item);
        assert_eq!(found.change, change_kind(&item.change), "{}", item.display_name);
        match (&item.min_risk, &item.max_risk) {
            (Some(min), None) => assert!(item.attacker && found.risk >= severity(min), "{}: {:?} below {min}: {}", item.display_name, found.risk, found.reason()),
            (None, Some(max)) => assert!(!item.attacker && found.risk <= severity(max), "{}: {:?} above {max}: {}", item.display_name, found.risk, found.reason()),
            other => panic!("{}: one of min_risk / max_risk: {other:?}", item.display_name),
        }
        assert!(!item.audit_record_ids.is_empty(), "{} has its audit records", item.display_name);
    }
    // Every difference is accounted for in the answer key.
    for c in &diff.changes {
        assert!(key.config_changes.iter().any(|i| i.kind == c.kind.slug() && i.object_id == c.id), "{} {} not in the answer key", c.kind.slug(), c.name);
    }
    // The audit records the answer key names are in the audit export.
    let audit = set.file(loupe::sample::FILE_AUDIT).expect("audit file");
    let text = std::str::from_utf8(&audit.contents).expect("UTF-8");
    for item in &key.config_changes {
        for id in &item.audit_record_ids {
            assert_eq!(text.matches(id.as_str()).count(), 1, "{id} ({}) once in the audit export", item.display_name);
        }
    }
    set
}

/// Ordinary changes the diff should hardly raise: a new starter, a phone
/// number, a report-only pilot policy.
fn quiet_decoys(set: &SampleSet) {
    let quiet: Vec<&ConfigChangeItem> = set.answer_key.config_changes.iter().filter(|i| !i.attacker && i.max_risk.as_deref().is_some_and(|m| severity(m) < Severity::Medium)).collect();
    assert!(quiet.iter().any(|i| i.kind == "user" && i.change == "added"), "the new starter");
    assert!(quiet.iter().any(|i| i.kind == "user" && i.change == "changed"), "a phone number");
    assert!(quiet.iter().any(|i| i.kind == "conditionalAccessPolicy" && i.change == "added"), "the pilot policy");
}

#[test]
fn mailbox_takeover_snapshots() {
    let set = check(Scenario::MailboxTakeover);
    quiet_decoys(&set);
    let attacker: Vec<&str> = set.answer_key.config_changes.iter().filter(|i| i.attacker).map(|i| i.kind.as_str()).collect();
    assert_eq!(attacker, vec!["user", "servicePrincipal", "oauth2PermissionGrant"]);
}

#[test]
fn compromised_admin_snapshots() {
    let set = check(Scenario::CompromisedAdmin);
    quiet_decoys(&set);
    let mut attacker: Vec<&str> = set.answer_key.config_changes.iter().filter(|i| i.attacker).map(|i| i.kind.as_str()).collect();
    attacker.sort_unstable();
    assert_eq!(attacker, vec!["application", "conditionalAccessPolicy", "namedLocation", "roleAssignment", "user"]);
    // The configuration matches the logs: the secret the app signs in with,
    // the replay address in the trusted location.
    let key = &set.answer_key;
    let current = snapshot(&set.snapshots.current);
    let app = current.objects().find(|o| o.kind.slug() == "application" && o.str_at("appId") == Some(key.malicious_app.app_id.as_str())).expect("the trusted app");
    let secrets = app.raw.get("passwordCredentials").and_then(Value::as_array).cloned().unwrap_or_default();
    assert_eq!(secrets.len(), 1);
    let sign_ins = std::str::from_utf8(&set.file(loupe::sample::FILE_SERVICE_PRINCIPAL).expect("sp sign-ins").contents).expect("UTF-8").to_string();
    let key_id = secrets[0].get("keyId").and_then(Value::as_str).expect("keyId");
    assert!(sign_ins.contains(key_id), "the app signs in with the added secret");
    let replay = &key.attacker_ips[1];
    let office = current.objects().find(|o| o.kind.slug() == "namedLocation" && o.name == "Head office").expect("office location");
    assert!(office.raw.to_string().contains(&format!("{replay}/32")));
    // The new steps' audit records are answer items at step 5.
    for what in ["MFA policy for administrators switched to report-only", "attacker's address added to a trusted named location"] {
        assert_eq!(key.items.iter().filter(|i| i.what == what && i.step == 5).count(), 1, "{what}");
    }
}

#[test]
fn snapshots_are_deterministic_and_in_the_manifest() {
    for scenario in Scenario::ALL {
        let a = generate_scenario(scenario, DEFAULT_SEED);
        let b = generate_scenario(scenario, DEFAULT_SEED);
        assert_eq!(a.snapshots, b.snapshots);
        let manifest: Value = serde_json::from_slice(&a.manifest_json()).expect("manifest");
        let files: Vec<&str> = manifest["files"].as_array().expect("files").iter().filter_map(Value::as_str).collect();
        assert!(files.iter().all(|f| !f.contains('/')), "files lists logs only: {files:?}");
        for (side, list) in [("baseline", &a.snapshots.baseline), ("current", &a.snapshots.current)] {
            let listed: Vec<&str> = manifest["snapshots"][side].as_array().expect("snapshot list").iter().filter_map(Value::as_str).collect();
            assert_eq!(listed, list.iter().map(|f| f.name.as_str()).collect::<Vec<_>>());
            assert!(listed.iter().all(|n| n.starts_with(&format!("{side}/"))));
        }
    }
    let other = generate_scenario(Scenario::MailboxTakeover, DEFAULT_SEED + 1);
    assert_ne!(other.snapshots, generate_scenario(Scenario::MailboxTakeover, DEFAULT_SEED).snapshots);
}
