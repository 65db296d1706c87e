//! `loupe diff`: the baseline diff from the command line.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn loupe(args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_loupe")).args(args).output().expect("the loupe binary runs")
}

fn files(dir: &str) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tenant").join(dir);
    let mut out: Vec<String> = std::fs::read_dir(root).expect("fixtures").filter_map(|e| e.ok()).map(|e| e.path().to_string_lossy().into_owned()).collect();
    out.sort();
    out
}

#[test]
fn diff_prints_ranked_changes_as_json() {
    let mut args = vec!["diff".to_string()];
    args.extend(files("baseline"));
    args.push("--current".into());
    args.extend(files("current"));
    let out = loupe(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let changes: Vec<Value> = serde_json::from_slice(&out.stdout).expect("a JSON array");
    assert_eq!(changes.len(), 15);
    let first = &changes[0];
    for key in ["type", "object", "change", "risk", "reason", "changes"] {
        assert!(first.get(key).is_some(), "{key} missing in {first}");
    }
    assert_eq!(first["risk"], "critical");
    let mfa = changes.iter().find(|c| c["object"]["name"] == "Require MFA for all users").expect("MFA policy change");
    assert_eq!(mfa["change"], "changed");
    assert_eq!(mfa["type"], "conditionalAccessPolicy");
    assert!(mfa["changes"].as_array().is_some_and(|c| c.iter().any(|p| p["path"] == "state" && p["old"] == "enabled")));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("current: domains_contoso_federated.json: 2 domain"), "{stderr}");
}

#[test]
fn diff_needs_both_sides_and_readable_files() {
    let out = loupe(&["diff".into(), "a.json".into()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--current"));
    let out = loupe(&["diff".into(), "/nonexistent/baseline.json".into(), "--current".into(), "/nonexistent/current.json".into()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}
