//! The OAuth and application inventory through `loupe apps`: from a
//! snapshot, and from a Graph directoryAudits page alone.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name).to_string_lossy().into_owned()
}

fn apps(args: &[String]) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_loupe")).arg("apps").args(args).output().expect("the loupe binary runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("a JSON array")
}

#[test]
fn audit_log_alone_lists_the_consented_app() {
    let listed = apps(&["--logs".into(), fixture("audit_graph_page.json")]);
    let app = listed.iter().find(|a| a["name"] == "Mail Backup Pro").expect("the consented app");
    assert_eq!(app["risk"], "critical");
    assert_eq!(app["delegated"][0]["all_users"], true);
    assert_eq!(app["consented_by"][0], "victim@contoso.com");
    assert!(app["events"][0]["row"].is_u64());
}

#[test]
fn snapshot_inventory_joins_and_filters() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tenant/current");
    let mut files: Vec<String> = std::fs::read_dir(dir).expect("fixtures").filter_map(|e| e.ok()).map(|e| e.path().to_string_lossy().into_owned()).collect();
    files.sort();
    let all = apps(&files);
    assert_eq!(all[0]["name"], "Mail Sync");
    assert_eq!(all[0]["app_roles"][0]["permission"]["name"], "Mail.ReadWrite");
    assert!(all.iter().any(|a| a["name"] == "Backup Tool" && a["credentials"].as_array().is_some_and(|c| c.len() == 2)));
    let mut broad = files.clone();
    broad.push("--broad".into());
    let broad = apps(&broad);
    assert_eq!(broad.len(), 1, "{broad:#?}");
}
