//! `loupe changes`: configuration changes rebuilt from Entra audit exports
//! (Graph directoryAudits, Sentinel), ranked by the
//! baseline diff's rules and tied to their records.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name).to_string_lossy().into_owned()
}

fn changes(args: &[String]) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_loupe")).arg("changes").args(args).output().expect("the loupe binary runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("a JSON array")
}

#[test]
fn role_member_added_from_a_graph_page() {
    let all = changes(&[fixture("audit_graph_page.json")]);
    let role = all.iter().find(|c| c["type"] == "roleAssignment").expect("the role change");
    assert_eq!(role["risk"], "critical");
    assert_eq!(role["change"], "added");
    assert_eq!(role["operation"], "Add member to role");
    assert!(role["reason"].as_str().is_some_and(|r| r.contains("'backdoor@contoso.com' given privileged role Global Administrator")), "{role}");
    assert_eq!(role["evidence"][0]["operation"], "Add member to role");
    assert!(role["rows"][0].is_u64());
}

#[test]
fn policy_disabled_and_secret_added() {
    let app = changes(&[fixture("audit_sentinel_export.json")]);
    let app = app.iter().find(|c| c["type"] == "application").expect("the credential");
    assert!(app["reason"].as_str().is_some_and(|r| r.contains("new client secret")), "{app}");
    let all = changes(&[fixture("audit_graph_page.json")]);
    let ca = all.iter().find(|c| c["type"] == "conditionalAccessPolicy").expect("the CA change");
    assert_eq!(ca["risk"], "high");
    assert!(ca["changes"].as_array().is_some_and(|p| p.iter().any(|p| p["path"] == "state" && p["old"] == "enabled")), "{ca}");

    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join("tenant_changes_case.json");
    let actor = ca["actor"].as_str().unwrap_or("").to_string();
    let time = ca["evidence"][0]["time"].as_str().unwrap_or("").to_string();
    let at = loupe::model::parse_rfc3339_utc(&time).expect("a time");
    std::fs::write(&case, serde_json::json!({"suspect_accounts": [actor], "window": [at - 1000, at + 1000]}).to_string()).expect("write case");
    let raised = changes(&[fixture("audit_graph_page.json"), "--case".into(), case.to_string_lossy().into_owned()]);
    let ca = raised.iter().find(|c| c["type"] == "conditionalAccessPolicy").expect("the CA change");
    assert_eq!(ca["risk"], "critical", "{ca}");
}
