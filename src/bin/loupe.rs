//! Loupe's command line: the same core as the web app, for big files,
//! scripting and tests.
//!
//!   loupe summary FILE...                 one JSON object per file (ingest report)
//!   loupe timeline FILE... [--query Q]    matching events as JSON lines, in time order
//!   loupe sample --out DIR [--seed N] [--scenario NAME]
//!                                         write a training incident (default: mailbox-takeover)

use loupe::ingest::{Deduper, FileIngest, IngestReport};
use loupe::model::format_utc;
use loupe::sample::Scenario;
use loupe::store::{query, EvalContext, EventStore, PendingFile};
use serde_json::{json, Value};
use std::io::Write;
use std::process::ExitCode;

const USAGE: &str = "usage: loupe summary FILE... | loupe timeline FILE... [--query Q] | loupe sample --out DIR [--seed N] [--scenario NAME]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("summary") => summary(&args[1..]),
        Some("timeline") => timeline(&args[1..]),
        Some("sample") => sample(&args[1..]),
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
    for path in paths {
        let bytes = read_file(path)?;
        match FileIngest::open_owned(&file_name(path), bytes) {
            Ok(mut job) => {
                let (mut batch, mut pending) = (Vec::new(), PendingFile::new());
                while job.step(BATCH, &mut dedupe, &mut batch) {
                    pending.extend(batch.drain(..));
                }
                pending.extend(batch.drain(..));
                let (report, text) = job.finish();
                reports.push(report.clone());
                store.add_pending(report, text, pending);
            }
            Err(report) => reports.push(*report),
        }
    }
    Ok((store, reports))
}

/// Records per ingest step: large enough to amortise, small enough to bound memory.
const BATCH: usize = 8192;

fn first_unreadable(reports: &[IngestReport]) -> Result<(), String> {
    match reports.iter().find_map(|r| r.unreadable.as_ref()) {
        Some(why) => Err(why.replace('\n', " ")),
        None => Ok(()),
    }
}

fn summary(args: &[String]) -> Result<(), String> {
    let (_, reports) = load(&Args::parse(args, &[])?.files)?;
    let out: Vec<Value> = reports
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
    println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    first_unreadable(&reports)
}

fn timeline(args: &[String]) -> Result<(), String> {
    let args = Args::parse(args, &["--query"])?;
    let query_text = args.option("--query").unwrap_or("");
    let (store, reports) = load(&args.files)?;
    first_unreadable(&reports)?;
    let query = query::parse(query_text).map_err(|e| format!("bad query: {} (column {})", e.message, e.position))?;
    let rows = store.filter(&query, &EvalContext::default()).map_err(|e| format!("bad query: {}", e.message))?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for row in rows {
        let event = store.event(row);
        let file = store.file(store.file_of(row)).map_or("", |f| f.report.file.as_str());
        let line = loupe::report::event_json(&event, file);
        if writeln!(out, "{line}").is_err() {
            break; // stdout closed (e.g. piped into head): stop quietly
        }
    }
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
    eprintln!("wrote {} files and the answer key of {} to {out}", set.files.len(), scenario.name());
    Ok(())
}
