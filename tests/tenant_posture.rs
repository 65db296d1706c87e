//! Conditional Access posture over real-shaped Graph exports, through the
//! library and `loupe posture`.

use loupe::detect::{Context, Severity};
use loupe::tenant::posture::{evaluate, CheckResult, PostureCheck};
use loupe::tenant::Snapshot;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tenant").join(name)
}

fn snapshot(names: &[&str]) -> Snapshot {
    let mut s = Snapshot::new();
    for name in names {
        let bytes = std::fs::read(fixture(name)).expect("fixture");
        s.add_file(name, &bytes);
    }
    s
}

fn find<'a>(checks: &'a [PostureCheck], id: &str) -> &'a PostureCheck {
    checks.iter().find(|c| c.check == id).unwrap_or_else(|| panic!("no {id} in {checks:#?}"))
}

#[test]
fn report_only_mfa_is_not_enforcing() {
    let checks = evaluate(&snapshot(&["posture/ca_report_only_mfa_all_users.json"]), None);
    let mfa = find(&checks, "mfa_all_users");
    assert_eq!((mfa.result, mfa.risk), (CheckResult::Gap, Severity::High));
    assert_eq!(mfa.policies[0].state, "enabledForReportingButNotEnforced");
    assert_eq!(find(&checks, "legacy_auth_blocked").result, CheckResult::Gap);
    assert_eq!(find(&checks, "per_user_mfa").result, CheckResult::NotEvaluable);
    assert_eq!(checks[0].result, CheckResult::Gap, "gaps come first");
}

#[test]
fn legacy_block_with_break_glass_passes() {
    let checks = evaluate(&snapshot(&["posture/ca_legacy_auth_block.json", "posture/users_with_member_of_and_break_glass.json"]), None);
    assert_eq!(find(&checks, "legacy_auth_blocked").result, CheckResult::Pass);
    let ex = find(&checks, "exclusions");
    assert_eq!(ex.result, CheckResult::Pass, "{}", ex.reason);
    assert_eq!(find(&checks, "mfa_all_users").result, CheckResult::Gap);
}

#[test]
fn recommended_set_passes_and_the_suspect_is_covered() {
    let ctx = Context { suspect_accounts: vec!["j.doe@contoso.com".into()], ..Context::default() };
    let checks = evaluate(&snapshot(&["posture/ca_recommended_set_break_glass_excluded.json", "posture/users_with_member_of_and_break_glass.json"]), Some(&ctx));
    for id in ["mfa_all_users", "mfa_privileged_roles", "legacy_auth_blocked", "device_required", "admin_portals", "sign_in_risk", "user_risk", "break_glass", "suspect_coverage"] {
        let c = find(&checks, id);
        assert_eq!(c.result, CheckResult::Pass, "{id}: {}", c.reason);
    }
    assert!(checks.iter().all(|c| c.result != CheckResult::Gap), "{checks:#?}");
}

#[test]
fn the_fixture_incident_excludes_the_suspect() {
    let ctx = Context { suspect_accounts: vec!["j.doe@contoso.com".into()], ..Context::default() };
    let checks = evaluate(&snapshot(&["current/ca_policies_mfa_report_only_legacy_excludes_attacker.json", "current/users_attacker_added_phone.json"]), Some(&ctx));
    let suspect = find(&checks, "suspect_coverage");
    assert_eq!((suspect.result, suspect.risk), (CheckResult::Gap, Severity::Critical));
    assert!(suspect.reason.contains("'Block legacy authentication' (excluded by name)"), "{}", suspect.reason);
    let mfa = suspect.policies.iter().find(|p| p.name == "Require MFA for all users").expect("listed");
    assert!(mfa.note.contains("report-only"), "{}", mfa.note);
}

#[test]
fn posture_cli_prints_checks_with_the_case_context() {
    let out = Command::new(env!("CARGO_BIN_EXE_loupe"))
        .arg("posture")
        .arg(fixture("current/ca_policies_mfa_report_only_legacy_excludes_attacker.json"))
        .arg(fixture("current/users_attacker_added_phone.json"))
        .arg(fixture("current/named_locations_hq_trusted_with_vps_range.json"))
        .arg("--case")
        .arg(fixture("posture/case_context_suspect_jdoe.json"))
        .output()
        .expect("the loupe binary runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let checks: Vec<Value> = serde_json::from_slice(&out.stdout).expect("a JSON array");
    for c in &checks {
        for key in ["type", "check", "object", "risk", "reason", "result", "policies"] {
            assert!(c.get(key).is_some(), "{key} missing in {c}");
        }
        assert_eq!(c["type"], "posture");
        assert!(["pass", "gap", "not_evaluable"].contains(&c["result"].as_str().unwrap_or("")), "{c}");
    }
    assert!(checks.iter().any(|c| c["check"] == "suspect_coverage" && c["object"]["id"] == "j.doe@contoso.com" && c["result"] == "gap"));
    assert!(checks.iter().any(|c| c["check"] == "mfa_all_users" && c["policies"][0]["name"] == "Require MFA for all users"));

    let out = Command::new(env!("CARGO_BIN_EXE_loupe")).arg("posture").output().expect("runs");
    assert!(!out.status.success());
}
