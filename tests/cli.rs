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

/// `command` followed by every file, as the command line takes them.
fn command_on<'a>(command: &'a str, files: &'a [String]) -> Vec<&'a str> {
    std::iter::once(command).chain(files.iter().map(String::as_str)).collect()
}

fn sample_files(dir: &Path) -> Vec<String> {
    let manifest: Value = serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    manifest["files"].as_array().unwrap().iter().map(|f| dir.join(f.as_str().unwrap()).to_string_lossy().into_owned()).collect()
}

#[test]
fn summary_reports_every_sample_file() {
    let dir = sample_dir("summary");
    let files = sample_files(&dir);
    let args = command_on("summary", &files);
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
    let mut args = command_on("timeline", &files);
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

fn answer_key(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("answer_key.json")).unwrap()).unwrap()
}

fn findings_of(out: &Output) -> Vec<Value> {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("findings print as one JSON array")
}

#[test]
fn findings_carry_step_severity_entities_and_evidence_rows() {
    let dir = sample_dir("findings");
    let files = sample_files(&dir);
    let args = command_on("findings", &files);
    let findings = findings_of(&loupe(&args));
    assert!(!findings.is_empty());
    for f in &findings {
        assert!(f["detector"].as_str().is_some_and(|d| !d.is_empty()), "{f}");
        let step = f["step"].as_u64().unwrap();
        assert!((1..=12).contains(&step), "{f}");
        assert!(["info", "low", "medium", "high", "critical"].contains(&f["severity"].as_str().unwrap()), "{f}");
        assert!(!f["title"].as_str().unwrap().is_empty());
        assert!(f["entities"].is_array());
        let evidence = f["evidence"].as_array().unwrap();
        assert!(!evidence.is_empty(), "a finding without evidence: {f}");
        for line in evidence {
            for key in ["time", "source", "operation", "actor", "file"] {
                assert!(line.get(key).is_some(), "{key} missing in {line}");
            }
        }
    }
    // The forwarding rule is the step 9 finding, and its evidence is the rule itself.
    let key = answer_key(&dir);
    let forward_to = key["forwarding_address"].as_str().unwrap();
    let rule = findings.iter().find(|f| f["step"] == 9 && f.to_string().contains(forward_to)).expect("a step 9 finding names the forwarding address");
    assert!(rule["evidence"].as_array().unwrap().iter().any(|e| e["operation"] == "New-InboxRule"), "{rule}");
    // Without a case file the suggestion names the victim.
    let victim = key["victims"][0].as_str().unwrap();
    assert!(String::from_utf8_lossy(&loupe(&args).stderr).contains(victim));
}

#[test]
fn findings_follow_the_case_files_context() {
    let dir = sample_dir("findings-case");
    let files = sample_files(&dir);
    let key = answer_key(&dir);
    // Contained an hour into the compromise: the attacker's later activity
    // from its marked addresses is a step 2 finding.
    let start = loupe::model::parse_rfc3339_utc(key["compromise_window"]["start"].as_str().unwrap()).unwrap();
    let end = loupe::model::parse_rfc3339_utc(key["compromise_window"]["end"].as_str().unwrap()).unwrap();
    let indicators: Vec<loupe::detect::Indicator> = key["attacker_ips"]
        .as_array()
        .unwrap()
        .iter()
        .map(|ip| loupe::detect::Indicator::new(loupe::detect::IndicatorKind::Ip, ip.as_str().unwrap(), "from the answer key"))
        .collect();
    let context = loupe::detect::Context {
        suspect_accounts: vec![key["victims"][0].as_str().unwrap().to_string()],
        window: Some((start, end)),
        containment: Some(start + 3_600_000),
        indicators,
        ..Default::default()
    };
    let mut case = loupe::case::Case::default();
    case.context = Some(context.clone());
    let case_path = dir.join("case.json");
    std::fs::write(&case_path, loupe::case::to_json(&case)).unwrap();
    let context_path = dir.join("context.json");
    std::fs::write(&context_path, serde_json::to_string(&context).unwrap()).unwrap();

    let base = command_on("findings", &files);
    let suggested = findings_of(&loupe(&base));
    assert!(!suggested.iter().any(|f| f["step"] == 2), "no containment time, so no step 2 finding");

    for path in [&case_path, &context_path] {
        let mut args = base.clone();
        args.extend(["--case", path.to_str().unwrap()]);
        let out = loupe(&args);
        assert!(String::from_utf8_lossy(&out.stderr).contains("the case file"));
        let findings = findings_of(&out);
        let after = findings.iter().find(|f| f["step"] == 2).expect("activity after containment is a step 2 finding");
        let first_after = after["evidence"][0]["time"].as_str().unwrap();
        assert!(loupe::model::parse_rfc3339_utc(first_after).unwrap() >= start + 3_600_000, "{after}");
    }

    // A case file that is not one fails with one line and prints nothing.
    let junk = dir.join("junk.json");
    std::fs::write(&junk, "{\"kind\":\"loupe-case\",\"version\":99,\"case\":{}}").unwrap();
    let mut args = base.clone();
    args.extend(["--case", junk.to_str().unwrap()]);
    let out = loupe(&args);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("newer Loupe"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1);
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

#[test]
fn the_report_lists_the_evidence_files_it_was_given_with_their_hashes() {
    let dir = sample_dir("report-files");
    let files = sample_files(&dir);
    let reports: Vec<Value> = serde_json::from_slice(&loupe(&command_on("summary", &files)).stdout).unwrap();
    let args = command_on("report", &files);
    let out = loupe(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(!report.contains("No evidence files"), "{report}");
    for r in &reports {
        let line = report.lines().find(|l| l.contains(r["sha256"].as_str().unwrap())).unwrap_or_else(|| panic!("no line for {r}"));
        let name = Path::new(r["file"].as_str().unwrap()).file_name().unwrap().to_str().unwrap().replace('_', "\\_");
        assert!(line.contains(&name), "{line} names {name}");
    }
}

/// `loupe collect`: with a sign-in log and a tenant export loaded and a case
/// naming a suspect and an address, it lists the commands for the evidence
/// still missing (not for sign-ins or the snapshot), each language on
/// request, and the hunts for the marked address.
#[test]
fn collect_lists_what_is_missing_and_the_hunts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let signins = root.join("signin_graph_page.json");
    let snapshot = root.join("tenant/current/ca_policies_mfa_report_only_legacy_excludes_attacker.json");
    let case = root.join("tenant/posture/case_context_suspect_jdoe.json");
    let run = |format: Option<&str>| -> Vec<Value> {
        let mut args = vec!["collect", signins.to_str().unwrap(), snapshot.to_str().unwrap(), "--case", case.to_str().unwrap()];
        if let Some(f) = format {
            args.extend(["--format", f]);
        }
        let out = loupe(&args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).expect("JSON").as_array().cloned().expect("an array")
    };
    let all = run(None);
    for key in ["kind", "step", "engine", "purpose", "query", "writes"] {
        assert!(all.iter().all(|c| c.get(key).is_some()), "every item has {key}");
    }
    let queries: Vec<&str> = all.iter().filter_map(|c| c["query"].as_str()).collect();
    assert!(queries.iter().any(|q| q.starts_with("OfficeActivity") && q.contains("j.doe@contoso.com")), "the UAL is missing");
    assert!(!queries.iter().any(|q| q.starts_with("SigninLogs\n") && !q.contains("IPAddress in (dynamic([\"203.0.113.77\"]))\n") && all.iter().any(|c| c["kind"] == "collect" && c["query"] == *q)), "sign-ins are loaded: no collect command for them");
    assert!(!all.iter().any(|c| c["kind"] == "collect" && c["query"].as_str().is_some_and(|q| q.contains("conditionalAccess/policies"))), "a snapshot is loaded");
    assert!(all.iter().any(|c| c["kind"] == "hunt" && c["query"].as_str().is_some_and(|q| q.contains("203.0.113.77"))), "a hunt for the marked address");
    for engine in ["kql", "spl", "powershell", "cli"] {
        let only = run(Some(engine));
        assert!(!only.is_empty() && only.iter().all(|c| c["engine"] == engine), "{engine}");
    }
    let bad = loupe(&["collect", "--format", "sql"]);
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("--format"));
}
