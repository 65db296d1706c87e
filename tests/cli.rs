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
