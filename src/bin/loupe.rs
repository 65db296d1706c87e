//! Loupe's command line: the same core as the web app, for big files,
//! scripting and tests.
//!
//!   loupe summary FILE... [--ipdb DB]...  one JSON object per file (ingest report)
//!   loupe timeline FILE... [--query Q] [--ipdb DB]...
//!                                         matching events as JSON lines, in time order
//!   loupe findings FILE... [--case CASE.json]
//!                                         detections as a JSON array, each with its evidence
//!   loupe plan FILE... [--case CASE.json]
//!                                         the remediation plan (commands to review, never run)
//!   loupe diff BASELINE... --current CURRENT...
//!                                         tenant configuration changes, ranked by risk, as JSON
//!   loupe posture SNAPSHOT... [--case CASE.json]
//!                                         Conditional Access posture checks (pass / gap / not evaluable), as JSON
//!   loupe apps [SNAPSHOT...] [--logs LOG]... [--case CASE.json] [--broad] [--in-window] [--by-suspect]
//!                                         OAuth and application inventory, riskiest first, as JSON
//!   loupe changes LOG... [--snapshot SNAPSHOT]... [--case CASE.json]
//!                                         configuration changes rebuilt from the Entra audit log, ranked, as JSON
//!   loupe collect [FILE...] [--case CASE.json] [--format kql|spl|powershell|cli]
//!                                         commands that collect what the steps lack, and tenant-wide hunts, as JSON
//!   loupe sample --out DIR [--seed N] [--scenario NAME]
//!                                         write a training incident (default: mailbox-takeover)
//!   loupe score --key ANSWER_KEY.json --case CASE.json [FILE...]
//!                                         an exercise's scorecard: the case's marks against the answer key, as JSON
//!
//! `--ipdb` (repeatable) loads an IP database (DB-IP Lite CSV, iptoasn TSV):
//! events whose log has no location get one from it, marked with its source.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "shared/tune_memory.rs"]
mod tune_memory;
use tune_memory::tune_memory;


use loupe::detect::{run_all, suggest_context, Context};
use loupe::enrich::{parse_database, DbReport, Enrichment};
use loupe::ingest::{Deduper, IngestReport};
use loupe::model::format_utc;
use loupe::sample::Scenario;
use loupe::store::{query, EvalContext, EventStore, LocationSource, PendingFile};
use serde_json::{json, Value};
use std::io::Write;
use std::process::ExitCode;

const USAGE: &str = "usage: loupe summary FILE... [--ipdb DB]... | loupe timeline FILE... [--query Q] [--ipdb DB]... | \
                     loupe findings FILE... [--case CASE.json] | loupe plan FILE... [--case CASE.json] | \
                     loupe report FILE... [--case CASE.json] [--format markdown|html] | loupe diff BASELINE... --current CURRENT... | \
                     loupe posture SNAPSHOT... [--case CASE.json] | \
                     loupe apps [SNAPSHOT...] [--logs LOG]... [--case CASE.json] [--broad] [--in-window] [--by-suspect] | \
                     loupe changes LOG... [--snapshot SNAPSHOT]... [--case CASE.json] | \
                     loupe collect [FILE...] [--case CASE.json] [--format kql|spl|powershell|cli] | loupe sample --out DIR [--seed N] [--scenario NAME] | \
                     loupe score --key ANSWER_KEY.json --case CASE.json [FILE...]";

fn main() -> ExitCode {
    tune_memory();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("diff") => diff(&args[1..]),
        Some("posture") => posture(&args[1..]),
        Some("apps") => apps(&args[1..]),
        Some("changes") => changes(&args[1..]),
        Some("summary") => summary(&args[1..]),
        Some("timeline") => timeline(&args[1..]),
        Some("findings") => findings(&args[1..]),
        Some("plan") => remediation_plan(&args[1..]),
        Some("report") => incident_report(&args[1..]),
        Some("collect") => collect(&args[1..]),
        Some("sample") => sample(&args[1..]),
        Some("score") => score(&args[1..]),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("loupe: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `FILE... --flag value` arguments, split.
struct Args<'a> {
    files: Vec<&'a str>,
    options: Vec<(&'static str, &'a str)>,
}

impl<'a> Args<'a> {
    fn parse(args: &'a [String], flags: &[&'static str]) -> Result<Args<'a>, String> {
        let mut parsed = Args { files: Vec::new(), options: Vec::new() };
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            if let Some(flag) = flags.iter().find(|f| **f == arg) {
                let value = iter.next().ok_or_else(|| format!("{flag} needs a value"))?;
                parsed.options.push((*flag, value.as_str()));
            } else if arg.starts_with("--") {
                return Err(format!("unknown option {arg}; {USAGE}"));
            } else {
                parsed.files.push(arg.as_str());
            }
        }
        Ok(parsed)
    }

    /// Every value given for a repeatable flag, in order.
    fn all(&self, flag: &str) -> Vec<&'a str> {
        self.options.iter().filter(|(f, _)| *f == flag).map(|(_, v)| *v).collect()
    }

    /// The last value given for a flag.
    fn option(&self, flag: &str) -> Option<&'a str> {
        self.options.iter().rev().find(|(f, _)| *f == flag).map(|(_, v)| *v)
    }
}

fn read_file(path: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))
}

fn file_name(path: &str) -> String {
    std::path::Path::new(path).file_name().map_or_else(|| path.to_string(), |n| n.to_string_lossy().into_owned())
}

/// Ingest every file into one store, batch by batch so a large export never
/// sits in memory as owned events. Unreadable files are reported, not loaded.
fn load(paths: &[&str]) -> Result<(EventStore, Vec<IngestReport>), String> {
    if paths.is_empty() {
        return Err(format!("no input files; {USAGE}"));
    }
    let mut store = EventStore::new();
    let mut dedupe = Deduper::default();
    let mut reports = Vec::new();
    let threads = loupe::ingest::stream::native::default_threads();
    for path in paths {
        let mut pending = PendingFile::new();
        if let Ok(meta) = std::fs::metadata(path) {
            pending.expect_file_bytes(meta.len());
        }
        let (report, source) = loupe::ingest::stream::native::ingest_path(std::path::Path::new(path), &file_name(path), threads, &mut dedupe, |batch, keep| pending.push_batch(batch, keep))?;
        reports.push(report.clone());
        if report.unreadable.is_none() {
            store.add_pending(report, source, pending);
        }
    }
    Ok((store, reports))
}

/// The IP databases named by `--ipdb`; a file that is not one is an error.
fn load_databases(paths: &[&str]) -> Result<(Enrichment, Vec<DbReport>), String> {
    let mut enrichment = Enrichment::new();
    let mut reports = Vec::new();
    for path in paths {
        let db = parse_database(&file_name(path), read_file(path)?)?;
        reports.push(db.report().clone());
        enrichment.add(db);
    }
    Ok((enrichment, reports))
}

/// Add what the IP databases say about an event: `enriched_location` when
/// the log gave none, and `network`, each naming the database it came from.
fn add_enrichment(store: &EventStore, row: u32, obj: &mut serde_json::Map<String, Value>) {
    if let Some(l) = store.location(row) {
        if let LocationSource::Database(file) = l.source {
            let (lat, lon) = (l.geo.map(|g| g.0), l.geo.map(|g| g.1));
            let place = json!({ "country": l.country, "region": l.region, "city": l.city, "lat": lat, "lon": lon, "source": file });
            obj.insert("enriched_location".into(), place);
        }
    }
    if let Some(n) = store.network(row) {
        obj.insert("network".into(), json!({ "asn": n.asn, "org": n.org, "source": n.source }));
    }
}


fn first_unreadable(reports: &[IngestReport]) -> Result<(), String> {
    match reports.iter().find_map(|r| r.unreadable.as_ref()) {
        Some(why) => Err(why.replace('\n', " ")),
        None => Ok(()),
    }
}

/// `loupe diff BASELINE... --current CURRENT...`: compare two tenant
/// configuration snapshots (Graph JSON files or zips of them). Prints a JSON
/// array of changes, riskiest first; what each file gave, and notes on the
/// comparison, go to stderr.
fn diff(args: &[String]) -> Result<(), String> {
    const DIFF_USAGE: &str = "usage: loupe diff BASELINE... --current CURRENT...";
    let split = args.iter().position(|a| a == "--current").ok_or_else(|| format!("diff needs --current; {DIFF_USAGE}"))?;
    let (baseline_paths, current_paths) = (&args[..split], &args[split + 1..]);
    if let Some(option) = args.iter().find(|a| a.starts_with("--") && *a != "--current") {
        return Err(format!("unknown option {option}; {DIFF_USAGE}"));
    }
    if baseline_paths.is_empty() || current_paths.is_empty() {
        return Err(format!("diff needs files on both sides; {DIFF_USAGE}"));
    }
    let baseline = load_snapshot(baseline_paths, "baseline")?;
    let current = load_snapshot(current_paths, "current")?;
    let result = loupe::tenant::diff_snapshots(&baseline, &current);
    for note in &result.notes {
        eprintln!("note: {note}");
    }
    let out: Vec<Value> = result.changes.iter().map(change_json).collect();
    println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    Ok(())
}

/// Read snapshot files into one snapshot, telling stderr what each file
/// gave (`side` names it: baseline, current, snapshot). Empty is an error.
fn load_snapshot<P: AsRef<str>>(paths: &[P], side: &str) -> Result<loupe::tenant::Snapshot, String> {
    let mut snapshot = loupe::tenant::Snapshot::new();
    for path in paths {
        let path = path.as_ref();
        snapshot.add_file(&file_name(path), &read_file(path)?);
    }
    for report in &snapshot.files {
        eprintln!("{side}: {}", report.headline());
        for note in &report.notes {
            eprintln!("  note: {note}");
        }
        for problem in &report.problems {
            eprintln!("  not used at {}: {}", problem.position, problem.reason);
        }
        for unknown in &report.unknown {
            eprintln!("  {} object(s) of type {} (keys: {}){}", unknown.count, unknown.label, unknown.sample_keys.join(", "), if unknown.kept { "; compared without risk rules" } else { "; not compared" });
        }
    }
    if snapshot.is_empty() {
        return Err(format!("the {side} holds no configuration objects"));
    }
    Ok(snapshot)
}

/// `loupe posture SNAPSHOT... [--case CASE.json]`: Conditional Access
/// posture of one snapshot as a JSON array of checks, gaps first. With a
/// case file, the suspect accounts and marked addresses are checked too.
fn posture(args: &[String]) -> Result<(), String> {
    let args = Args::parse(args, &["--case"])?;
    if args.files.is_empty() {
        return Err(format!("posture needs snapshot files; {USAGE}"));
    }
    let context = case_context(&args)?;
    let snapshot = load_snapshot(&args.files, "snapshot")?;
    let checks = loupe::tenant::posture::evaluate(&snapshot, context.as_ref());
    println!("{}", serde_json::to_string_pretty(&checks).unwrap_or_default());
    Ok(())
}

/// `loupe apps [SNAPSHOT...] [--logs LOG]... [--case CASE.json] [--broad]
/// [--in-window] [--by-suspect]`: every app from the snapshot and/or the
/// audit log, with its grants, permissions, credentials and consent
/// history, riskiest first. Without `--case` the context is Loupe's
/// suggestion from the logs.
fn apps(args: &[String]) -> Result<(), String> {
    const SWITCHES: [&str; 3] = ["--broad", "--in-window", "--by-suspect"];
    let switched = |s: &str| args.iter().any(|a| a == s);
    let filter = loupe::tenant::inventory::Filter { broad_permissions: switched("--broad"), created_in_window: switched("--in-window"), consented_by_suspect: switched("--by-suspect") };
    let rest: Vec<String> = args.iter().filter(|a| !SWITCHES.contains(&a.as_str())).cloned().collect();
    let args = Args::parse(&rest, &["--case", "--logs"])?;
    let log_paths = args.all("--logs");
    if args.files.is_empty() && log_paths.is_empty() {
        return Err(format!("apps needs snapshot files or --logs; {USAGE}"));
    }
    let snapshot = if args.files.is_empty() { None } else { Some(load_snapshot(&args.files, "snapshot")?) };
    let case = case_context(&args)?;
    let logs = if log_paths.is_empty() {
        None
    } else {
        let (store, reports) = load(&log_paths)?;
        first_unreadable(&reports)?;
        let ctx = case.clone().unwrap_or_else(|| suggest_context(&store));
        Some((store, ctx))
    };
    let logs_ref = logs.as_ref().map(|(s, c)| (s, c));
    let inventory = match (logs_ref, &case) {
        (Some(l), _) => loupe::tenant::inventory::build(snapshot.as_ref(), Some(l)),
        (None, Some(ctx)) => {
            let empty = EventStore::new();
            loupe::tenant::inventory::build(snapshot.as_ref(), Some((&empty, ctx)))
        }
        (None, None) => loupe::tenant::inventory::build(snapshot.as_ref(), None),
    };
    for note in &inventory.notes {
        eprintln!("note: {note}");
    }
    let out = inventory.filtered(filter);
    println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    Ok(())
}

/// `loupe changes LOG... [--snapshot SNAPSHOT]... [--case CASE.json]`:
/// tenant configuration changes rebuilt from the audit log's old and new
/// values, ranked by the diff's rules, each with the records that show it.
/// A snapshot only names the ids the records use.
fn changes(args: &[String]) -> Result<(), String> {
    let args = Args::parse(args, &["--case", "--snapshot"])?;
    let snapshot_paths = args.all("--snapshot");
    let snapshot = if snapshot_paths.is_empty() { None } else { Some(load_snapshot(&snapshot_paths, "snapshot")?) };
    let case = case_context(&args)?;
    let (store, reports) = load(&args.files)?;
    first_unreadable(&reports)?;
    let file_name_of = |row: u32| store.file(store.file_of(row)).map_or("", |f| f.report.file.as_str());
    let out: Vec<Value> = loupe::tenant::reconstruct::reconstruct(&store, snapshot.as_ref(), case.as_ref())
        .iter()
        .map(|c| {
            let mut v = change_json(&c.change);
            if let Some(obj) = v.as_object_mut() {
                obj.insert("time".into(), json!(c.time_text()));
                obj.insert("actor".into(), json!(c.actor));
                obj.insert("operation".into(), json!(c.operation));
                obj.insert("rows".into(), json!(c.rows));
                let evidence: Vec<Value> = c.rows.iter().map(|&row| loupe::report::event_json(&store.event(row), file_name_of(row))).collect();
                obj.insert("evidence".into(), Value::Array(evidence));
            }
            v
        })
        .collect();
    println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    Ok(())
}

/// The context `--case` names, if given (see `context_from_case_file`).
fn case_context(args: &Args) -> Result<Option<Context>, String> {
    match args.option("--case") {
        Some(path) => context_from_case_file(path),
        None => Ok(None),
    }
}

/// `loupe collect`: for the evidence given (logs and tenant exports; none
/// is fine) and the case, the commands that collect what each step still
/// lacks and the tenant-wide hunts for the case's indicators, as a JSON
/// array of `{kind, step, engine, purpose, query, writes}`.
fn collect(args: &[String]) -> Result<(), String> {
    let args = Args::parse(args, &["--case", "--format"])?;
    let engine = match args.option("--format") {
        Some(key) => Some(loupe::collect::Engine::from_key(key).ok_or_else(|| format!("--format is kql, spl, powershell or cli, not {key}"))?),
        None => None,
    };
    let mut logs = Vec::new();
    let mut has_snapshot = false;
    for path in &args.files {
        let head = read_head(path)?;
        if loupe::tenant::looks_like_snapshot(&file_name(path), &head) {
            has_snapshot = true;
        } else {
            logs.push(*path);
        }
    }
    let store = if logs.is_empty() { EventStore::new() } else { load(&logs)?.0 };
    let ctx = match case_context(&args)? {
        Some(ctx) => ctx,
        None if !store.is_empty() => suggest_context(&store),
        None => Context::default(),
    };
    let kinds = [("collect", loupe::collect::collect(&ctx, &store.sources(), has_snapshot)), ("hunt", loupe::collect::hunt(&ctx))];
    let out: Vec<Value> = kinds
        .iter()
        .flat_map(|(kind, commands)| commands.iter().map(move |c| (kind, c)))
        .filter(|(_, c)| engine.is_none_or(|e| c.engine == e))
        .map(|(kind, c)| json!({ "kind": kind, "step": c.step, "engine": c.engine, "purpose": c.purpose, "query": c.query, "writes": c.writes }))
        .collect();
    println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    Ok(())
}

/// The first bytes of a file: enough to tell a tenant export from a log.
fn read_head(path: &str) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let mut head = Vec::new();
    std::fs::File::open(path).and_then(|f| f.take(1 << 20).read_to_end(&mut head)).map_err(|e| format!("cannot read {path}: {e}"))?;
    Ok(head)
}

/// One object change as the `diff` command prints it.
fn change_json(c: &loupe::tenant::ObjectChange) -> Value {
    json!({
        "type": c.kind.slug(),
        "object": { "id": c.id, "name": c.name },
        "change": c.change,
        "risk": c.risk,
        "reason": c.reason(),
        "reasons": c.risks.iter().map(|r| json!({ "risk": r.level, "reason": r.reason })).collect::<Vec<_>>(),
        "volatile_only": c.volatile_only,
        "changes": c.changes.iter().map(|p| json!({ "path": p.path, "old": p.old, "new": p.new })).collect::<Vec<_>>(),
    })
}

fn summary(args: &[String]) -> Result<(), String> {
    let args = Args::parse(args, &["--ipdb"])?;
    let (_, db_reports) = load_databases(&args.all("--ipdb"))?;
    let (_, reports) = load(&args.files)?;
    let mut out: Vec<Value> = reports
        .iter()
        .map(|r| {
            json!({
                "file": r.file,
                "format": r.format.map(|f| f.label()),
                "encoding": r.encoding,
                "sha256": r.sha256,
                "bytes": r.bytes,
                "rows_ok": r.rows_ok,
                "rows_rejected": r.rows_rejected,
                "duplicates": r.duplicates,
                "conflicting_ids": r.conflicting_ids,
                "first": r.first.map(format_utc),
                "last": r.last.map(format_utc),
                "accounts": r.accounts.len(),
                "errors": r.errors,
                "warnings_total": r.warnings_total,
                "notes": r.notes,
                "unreadable": r.unreadable,
            })
        })
        .collect();
    out.extend(db_reports.iter().map(|r| {
        json!({
            "file": r.file,
            "format": r.format,
            "ip_database": true,
            "bytes": r.bytes,
            "rows_ok": r.rows_ok,
            "rows_rejected": r.rows_bad,
            "rows_skipped": r.rows_skipped,
            "ranges_v4": r.ranges_v4,
            "ranges_v6": r.ranges_v6,
            "errors": r.errors,
        })
    }));
    println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    first_unreadable(&reports)
}

fn timeline(args: &[String]) -> Result<(), String> {
    let args = Args::parse(args, &["--query", "--ipdb"])?;
    let query_text = args.option("--query").unwrap_or("");
    let (enrichment, _) = load_databases(&args.all("--ipdb"))?;
    let (mut store, reports) = load(&args.files)?;
    first_unreadable(&reports)?;
    store.set_enrichment(enrichment);
    let query = query::parse(query_text).map_err(|e| format!("bad query: {} (column {})", e.message, e.position))?;
    let rows = store.filter(&query, &EvalContext::default()).map_err(|e| format!("bad query: {}", e.message))?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for row in rows {
        let event = store.event(row);
        let file = store.file(store.file_of(row)).map_or("", |f| f.report.file.as_str());
        let mut line = loupe::report::event_json(&event, file);
        if let Some(obj) = line.as_object_mut() {
            add_enrichment(&store, row, obj);
        }
        if writeln!(out, "{line}").is_err() {
            break; // stdout closed (e.g. piped into head): stop quietly
        }
    }
    Ok(())
}

/// The investigation context a case file gives: a Loupe case document
/// (its confirmed context, or none while Loupe's suggestion stands), or a
/// bare context object for scripts.
fn context_from_case_file(path: &str) -> Result<Option<Context>, String> {
    let bytes = read_file(path)?;
    let text = String::from_utf8(bytes).map_err(|_| format!("{path} is not UTF-8 text"))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| format!("{path} is not JSON: {e}"))?;
    if value.get("kind").is_some() {
        let case = loupe::case::from_json(&text).map_err(|e| format!("{path}: {e}"))?;
        return Ok(case.context);
    }
    serde_json::from_value(value).map(Some).map_err(|e| format!("{path} is neither a Loupe case file nor an investigation context: {e}"))
}

fn findings(args: &[String]) -> Result<(), String> {
    let args = Args::parse(args, &["--case"])?;
    let case_context = case_context(&args)?;
    let (store, reports) = load(&args.files)?;
    first_unreadable(&reports)?;
    let (ctx, origin) = match case_context {
        Some(ctx) => (ctx, "from the case file"),
        None => (suggest_context(&store), "suggested by Loupe from the evidence"),
    };
    eprintln!(
        "context {origin}: suspects {}, {} indicator(s)",
        if ctx.suspect_accounts.is_empty() { "none".to_string() } else { ctx.suspect_accounts.join(", ") },
        ctx.indicators.len()
    );
    let file_name_of = |row: u32| store.file(store.file_of(row)).map_or("", |f| f.report.file.as_str());
    let out: Vec<Value> = run_all(&store, &ctx)
        .iter()
        .map(|f| {
            let evidence: Vec<Value> = f.rows.iter().map(|&row| loupe::report::event_json(&store.event(row), file_name_of(row))).collect();
            json!({
                "id": f.id,
                "detector": f.detector,
                "step": f.step,
                "severity": f.severity,
                "title": f.title,
                "why": f.why,
                "entities": f.entities,
                "first": format_utc(f.first),
                "query": f.query,
                "benign_signals": f.benign_signals,
                "details": f.details,
                "evidence": evidence,
            })
        })
        .collect();
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    // A closed pipe (e.g. `| head`) is not an error worth reporting.
    let _ = serde_json::to_writer_pretty(&mut lock, &out).and_then(|()| writeln!(lock).map_err(serde_json::Error::io));
    Ok(())
}

/// The remediation plan for the evidence, with the case's progress on it
/// and any evidence contradicting an action marked done.
/// A whole Loupe case document (not just its context).
fn read_case(path: &str) -> Result<loupe::case::Case, String> {
    let bytes = read_file(path)?;
    let text = String::from_utf8(bytes).map_err(|_| format!("{path} is not UTF-8 text"))?;
    loupe::case::from_json(text.trim_start_matches('\u{feff}')).map_err(|e| format!("{path}: {e}"))
}

/// The incident report for the evidence and a case, as Markdown or HTML.
/// Configuration changes are rebuilt from the audit log (snapshots are
/// compared by `loupe diff`).
fn incident_report(args: &[String]) -> Result<(), String> {
    let args = Args::parse(args, &["--case", "--format"])?;
    let mut case = args.option("--case").map(read_case).transpose()?.unwrap_or_default();
    let (store, reports) = load(&args.files)?;
    first_unreadable(&reports)?;
    let generated_at = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    // The files named on the command line are the report's evidence, as the
    // files loaded in the app are, whatever the case file listed.
    for report in &reports {
        case.apply(loupe::case::CaseAction::FileLoaded(loupe::case::FileEntry::from_report(report, generated_at)), generated_at);
    }
    let ctx = case.context.clone().unwrap_or_else(|| suggest_context(&store));
    let findings = run_all(&store, &ctx);
    let plan = loupe::remediate::plan(&store, &ctx, &findings);
    let contradictions = loupe::remediate::verify(&store, &ctx, &plan, &case.actions_done());
    let empty = loupe::tenant::Snapshot::new();
    let (changes, changes_from) = loupe::report::incident::config_changes(&empty, &empty, &store, &ctx);
    let input = loupe::report::ReportInput {
        case: &case,
        context: &ctx,
        findings: &findings,
        plan: &plan,
        contradictions: &contradictions,
        changes: &changes,
        changes_from,
        store: &store,
        generated_at,
    };
    let doc = loupe::report::incident::build(&input);
    let text = match args.option("--format").unwrap_or("markdown") {
        "markdown" | "md" => loupe::report::to_markdown(&doc),
        "html" => loupe::report::to_html(&doc),
        other => return Err(format!("unknown report format {other}: use markdown or html")),
    };
    print!("{text}");
    Ok(())
}

fn remediation_plan(args: &[String]) -> Result<(), String> {
    let args = Args::parse(args, &["--case"])?;
    let case = args.option("--case").map(read_case).transpose()?;
    let (store, reports) = load(&args.files)?;
    first_unreadable(&reports)?;
    let ctx = case.as_ref().and_then(|c| c.context.clone()).unwrap_or_else(|| suggest_context(&store));
    let findings = run_all(&store, &ctx);
    let plan = loupe::remediate::plan(&store, &ctx, &findings);
    let done = case.as_ref().map(|c| c.actions_done()).unwrap_or_default();
    let contradictions = loupe::remediate::verify(&store, &ctx, &plan, &done);
    let file_name_of = |row: u32| store.file(store.file_of(row)).map_or("", |f| f.report.file.as_str());
    let actions: Vec<Value> = plan
        .actions
        .iter()
        .map(|a| {
            let progress = case.as_ref().and_then(|c| c.remediation.get(&a.id));
            json!({
                "id": a.id,
                "step": a.step,
                "title": a.title,
                "why": a.why,
                "commands": a.commands,
                "portal": a.portal,
                "findings": a.findings,
                "query": a.query,
                "done_at": progress.and_then(|p| p.done_at).map(format_utc),
                "note": progress.map(|p| p.note.as_str()).unwrap_or(""),
                "evidence": a.rows.iter().map(|&r| loupe::report::event_json(&store.event(r), file_name_of(r))).collect::<Vec<_>>(),
            })
        })
        .collect();
    let out = json!({ "notes": plan.notes, "actions": actions, "contradictions": contradictions });
    println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    Ok(())
}

fn sample(args: &[String]) -> Result<(), String> {
    let args = Args::parse(args, &["--out", "--seed", "--scenario"])?;
    if let Some(extra) = args.files.first() {
        return Err(format!("unexpected argument {extra}; {USAGE}"));
    }
    let out = args.option("--out").ok_or("sample needs --out DIR")?;
    let seed = match args.option("--seed") {
        Some(v) => v.parse().map_err(|_| format!("--seed must be a whole number, not '{v}'"))?,
        None => loupe::sample::DEFAULT_SEED,
    };
    let scenario = match args.option("--scenario") {
        Some(name) => Scenario::from_name(name).ok_or_else(|| {
            let known: Vec<&str> = Scenario::ALL.iter().map(|s| s.name()).collect();
            format!("unknown scenario '{name}'; one of: {}", known.join(", "))
        })?,
        None => Scenario::default(),
    };
    let set = loupe::sample::generate_scenario(scenario, seed);
    let dir = std::path::Path::new(out);
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {out}: {e}"))?;
    loupe::sample::write_to_dir(&set, dir).map_err(|e| format!("cannot write the sample into {out}: {e}"))?;
    eprintln!(
        "wrote {} log files, the tenant configuration before and after ({}/, {}/: {} files each) and the answer key of {} to {out}",
        set.files.len(),
        loupe::sample::DIR_BASELINE,
        loupe::sample::DIR_CURRENT,
        set.snapshots.current.len(),
        scenario.name()
    );
    Ok(())
}

/// `loupe score --key ANSWER_KEY.json --case CASE.json [FILE...]`: score an
/// exercise. The case's confirmed context, tagged events, finding verdicts,
/// remediation done and hints are compared with the answer key; events and
/// findings need the evidence files the case was worked on.
fn score(args: &[String]) -> Result<(), String> {
    let args = Args::parse(args, &["--key", "--case"])?;
    let key_path = args.option("--key").ok_or_else(|| format!("score needs --key; {USAGE}"))?;
    let case_path = args.option("--case").ok_or_else(|| format!("score needs --case; {USAGE}"))?;
    let key = loupe::exercise::parse_key(&read_file(key_path)?).map_err(|e| format!("{key_path}: {e}"))?;
    let text = String::from_utf8(read_file(case_path)?).map_err(|_| format!("{case_path} is not UTF-8 text"))?;
    let case = loupe::case::from_json(text.trim_start_matches('\u{feff}')).map_err(|e| format!("{case_path}: {e}"))?;
    let store = if args.files.is_empty() {
        EventStore::new()
    } else {
        let (store, reports) = load(&args.files)?;
        first_unreadable(&reports)?;
        store
    };
    // The findings the analyst saw: from the case's context, or Loupe's suggestion.
    let ctx = case.context.clone().unwrap_or_else(|| suggest_context(&store));
    let findings = run_all(&store, &ctx);
    let answers = loupe::exercise::gather(&case, &store, &findings);
    let card = loupe::exercise::score(&key, &answers);
    // A closed pipe (e.g. `| head`) is not an error worth reporting.
    let _ = writeln!(std::io::stdout().lock(), "{}", serde_json::to_string_pretty(&card).unwrap_or_default());
    Ok(())
}
