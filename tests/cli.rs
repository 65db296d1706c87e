//! The `loupe` command line end to end, on the generated sample incident.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn loupe(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_loupe")).args(args).output().expect("the loupe binary runs")
}

/// A folder holding the sample incident, removed when the test ends.
struct SampleDir(PathBuf);

impl std::ops::Deref for SampleDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for SampleDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The sample incident, written once per test into its own folder.
fn sample_dir(name: &str) -> SampleDir {
    let dir = std::env::temp_dir().join(format!("loupe-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = loupe(&["sample", "--out", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    SampleDir(dir)
}

fn sample_files(dir: &Path) -> Vec<String> {
    let manifest: Value = serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    manifest["files"].as_array().unwrap().iter().map(|f| dir.join(f.as_str().unwrap()).to_string_lossy().into_owned()).collect()
}

#[test]
fn summary_reports_every_sample_file() {
    let dir = sample_dir("summary");
    let files = sample_files(&dir);
    let mut args = vec!["summary"];
    args.extend(files.iter().map(String::as_str));
    let out = loupe(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let reports: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(reports.len(), files.len());
    for r in &reports {
        assert!(r["format"].is_string(), "{r}");
        assert!(r["rows_ok"].as_u64().unwrap() > 0, "{r}");
        assert_eq!(r["rows_rejected"], 0, "{r}");
        assert!(r["first"].as_str().unwrap().ends_with('Z'));
        assert!(r["last"].as_str().unwrap() >= r["first"].as_str().unwrap());
        assert!(r["errors"].as_array().unwrap().is_empty());
    }
}

#[test]
fn timeline_filters_with_the_query_language() {
    let dir = sample_dir("timeline");
    let files = sample_files(&dir);
    let mut args = vec!["timeline"];
    args.extend(files.iter().map(String::as_str));
    args.extend(["--query", "op:New-InboxRule"]);
    let out = loupe(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<Value> = String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(!lines.is_empty());
    for line in &lines {
        assert_eq!(line["operation"], "New-InboxRule");
        assert_eq!(line["source"], "ual");
        for key in ["time", "actor", "ip", "outcome"] {
            assert!(line.get(key).is_some(), "{key} missing in {line}");
        }
    }
    let times: Vec<&str> = lines.iter().map(|l| l["time"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "time order");
}

#[test]
fn bad_query_and_unreadable_input_fail_with_one_line() {
    let dir = sample_dir("errors");
    let ual = dir.join("ual_search.csv");
    let out = loupe(&["timeline", ual.to_str().unwrap(), "--query", "user:\"unclosed"]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.starts_with("loupe: bad query"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1);

    let junk = dir.join("junk.csv");
    std::fs::write(&junk, "Name,Salary\nAda,1\n").unwrap();
    let out = loupe(&["summary", junk.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("junk.csv"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1);

    let out = loupe(&["summary", dir.join("missing.csv").to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8(out.stderr).unwrap().contains("cannot read"));
}

#[test]
fn ipdb_enriches_the_timeline_and_is_summarised() {
    let dir = sample_dir("ipdb");
    let ual = dir.join("ual_search.csv");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let city = fixtures.join("ipdb_dbip_city_lite_sample.csv");
    let asn = fixtures.join("ipdb_iptoasn_v4v6.tsv");
    let (ual, city, asn) = (ual.to_str().unwrap(), city.to_str().unwrap(), asn.to_str().unwrap());

    let out = loupe(&["timeline", ual, "--ipdb", city, "--ipdb", asn, "--query", "country:RO"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<Value> = String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(!lines.is_empty());
    for line in &lines {
        assert_eq!(line["ip"], "203.0.113.61");
        assert!(line.get("country").is_none(), "the log's own (empty) country is not filled in: {line}");
        assert_eq!(line["enriched_location"]["city"], "Bucharest");
        assert_eq!(line["enriched_location"]["source"], "ipdb_dbip_city_lite_sample.csv");
        assert_eq!(line["network"]["asn"], 64511);
        assert_eq!(line["network"]["source"], "ipdb_iptoasn_v4v6.tsv");
    }

    let out = loupe(&["summary", ual, "--ipdb", city]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let reports: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let db = reports.iter().find(|r| r["ip_database"] == true).expect("the database is summarised");
    assert_eq!(db["file"], "ipdb_dbip_city_lite_sample.csv");
    assert_eq!((db["rows_ok"].as_u64(), db["rows_rejected"].as_u64()), (Some(7), Some(2)));
    assert_eq!(db["errors"][0]["line"], 7);

    // A database passed as evidence, or evidence passed as a database, fails with one line.
    let out = loupe(&["summary", city]);
    assert!(!out.status.success());
    assert!(String::from_utf8(out.stderr).unwrap().contains("--ipdb"));
    let out = loupe(&["timeline", ual, "--ipdb", ual]);
    assert!(!out.status.success());
    assert!(String::from_utf8(out.stderr).unwrap().contains("not an IP database"));
}
