//! `loupe-bench`: throughput and memory figures for ingest, the store and
//! the query engine on a large generated Unified Audit Log export. Not a test.
//!
//! ```text
//! cargo run --release --bin loupe-bench -- [--rows N] [--dir bench-data] [--streaming]
//! ```
//!
//! By default the file goes through `ingest_bytes` and `EventStore::add_file`;
//! `--streaming` reads it batch by batch into a `PendingFile` as the browser
//! does, which keeps the peak memory near the store's own size.
//!
//! The export is generated deterministically (a hand-written PRNG, fixed
//! seed) as `Search-UnifiedAuditLog | Export-Csv` writes it, and kept in
//! `<dir>/ual_<N>.csv` so later runs reuse it.
//!
//! `--views` instead times what the page redraws over `--rows` events of
//! a UAL export and an Entra sign-in export together (the sign-in map,
//! each suspect's story, the stacked histogram); see `view_figures`.
//!
//! Ingest is also timed stage by stage on the same bytes (hash, decode,
//! date-order scan, CSV records, records mapped to events), and then the
//! same file is read by peers, DuckDB and pandas, through
//! `scripts/bench_peers.py` when python3 has their modules (`--no-peers`
//! skips them): each takes time, user, operation and IP out of every
//! record's AuditData.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "shared/tune_memory.rs"]
mod tune_memory;
use tune_memory::tune_memory;


use loupe::ingest::{csv_input, dates, ingest_bytes, text, Deduper, FileSource, IngestReport, RowCtx, Schema, SCHEMAS};
use loupe::model::{format_utc, Event, Outcome, Source, TimeMs};
use loupe::store::{parse, EvalContext, EventStore, FacetField, PendingFile};
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use std::time::{Duration, Instant};

/// SplitMix64: small, fast and good enough to make varied test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// A GUID-shaped id.
    pub fn guid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        format!("{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xfff, (b >> 48) & 0x3fff | 0x8000, b & 0xffff_ffff_ffff)
    }
}

const USERS: u64 = 2000;
const IPS: u64 = 5000;
const ORG_ID: &str = "5b7e3c2a-1f4d-4e8b-9a6c-0d2e4f6a8b1c";
/// 2026-02-01T00:00:00Z; the generated export covers the 30 days after it.
const PERIOD_START: TimeMs = 1_769_904_000_000;
const PERIOD_MS: TimeMs = 30 * 86_400_000;

const USER_AGENTS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Edg/122.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15",
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)",
    "OneDriveMpc-Transform_Thumbnail/1.0",
    "python-requests/2.31.0",
];
const FILES: &[&str] = &["Invoice_2026-02.pdf", "Q1 Budget.xlsx", "Payroll March.xlsx", "Project plan.docx", "Board minutes.docx", "notes.txt", "Invoice_overdue_7731.pdf"];
const SUBJECTS: &[&str] = &["Re: Q1 budget", "Meeting notes", "Invoice 4471 overdue", "Lunch?", "Updated payment details", "FW: contract draft"];

/// One generated audit record: the CSV row fields and the event a UAL parser
/// would be expected to make of it.
pub struct UalRecord {
    pub record_type: &'static str,
    pub creation_date: String,
    pub user_ids: String,
    pub operation: &'static str,
    pub audit_data: String,
    pub id: String,
    pub event: Event,
}

fn user_name(n: u64) -> String {
    format!("user{n}@contoso.com")
}

fn ip_address(n: u64) -> String {
    // Mostly corporate and home ranges; 64 addresses in the attacker's 203.0.113.0/24.
    match n % 100 {
        0..=1 => format!("203.0.113.{}", n % 64 + 1),
        2..=59 => format!("198.51.{}.{}", n / 250 % 256, n % 250 + 1),
        _ => format!("{}.{}.{}.{}", 20 + n % 150, n / 7 % 256, n / 3 % 256, n % 254 + 1),
    }
}

/// `Search-UnifiedAuditLog` writes CreationDate in the exporting machine's
/// culture; en-US here: `3/14/2026 10:05:06 AM`.
fn us_date(ms: TimeMs) -> String {
    let iso = format_utc(ms); // 2026-03-14T10:05:06.000Z
    let (date, time) = (&iso[..10], &iso[11..19]);
    let (y, m, d) = (&date[..4], date[5..7].trim_start_matches('0'), date[8..10].trim_start_matches('0'));
    let hour: u32 = time[..2].parse().unwrap_or(0);
    let (h12, ampm) = match hour {
        0 => (12, "AM"),
        1..=11 => (hour, "AM"),
        12 => (12, "PM"),
        _ => (hour - 12, "PM"),
    };
    format!("{m}/{d}/{y} {h12}:{} {ampm}", &time[3..])
}

/// The record at position `index` (records run newest first, as the cmdlet
/// returns them).
pub fn generate_record(rng: &mut Rng, index: u64, rows: u64) -> UalRecord {
    let time = PERIOD_START + PERIOD_MS - (index as i64 * PERIOD_MS / rows.max(1) as i64) - rng.below(1000) as i64;
    let user_n = rng.below(USERS);
    let user = user_name(user_n);
    // Each user works from a handful of addresses; some addresses are shared.
    let ip = ip_address((user_n * 7 + rng.below(5) * 1000 + rng.below(3)) % IPS);
    let id = rng.guid();
    let iso = format_utc(time);
    let creation_time = &iso[..19];
    let user_key = format!("10032000{:08X}", user_n * 7919);
    let roll = rng.below(1000);
    let (operation, record_type, record_type_no, workload) = match roll {
        0..=449 => ("MailItemsAccessed", "ExchangeItemAggregated", 50, "Exchange"),
        450..=649 => ("FileAccessed", "SharePointFileOperation", 6, "OneDrive"),
        650..=749 => ("FileDownloaded", "SharePointFileOperation", 6, "OneDrive"),
        750..=849 => ("Send", "ExchangeItem", 2, "Exchange"),
        850..=979 => ("UserLoggedIn", "AzureActiveDirectoryStsLogon", 15, "AzureActiveDirectory"),
        980..=994 => ("UserLoginFailed", "AzureActiveDirectoryStsLogon", 15, "AzureActiveDirectory"),
        _ => ("New-InboxRule", "ExchangeAdmin", 1, "Exchange"),
    };
    let common = format!(
        r#""CreationTime":"{creation_time}","Id":"{id}","Operation":"{operation}","OrganizationId":"{ORG_ID}","RecordType":{record_type_no},"UserKey":"{user_key}","UserType":0,"Version":1,"Workload":"{workload}","ClientIP":"{ip}","UserId":"{user}""#
    );
    let ua = *rng.pick(USER_AGENTS);
    let session = rng.guid();
    let mut event = Event {
        time,
        source: Source::UnifiedAudit,
        operation: operation.to_string(),
        actor: user.clone(),
        ip: ip.clone(),
        outcome: Outcome::Success,
        source_time: creation_time.to_string(),
        record_id: id.clone(),
        ..Event::default()
    };
    event.set_attr("Workload", workload);
    event.set_attr("RecordType", record_type_no.to_string());
    event.set_attr("UserType", "0");
    let specific = match operation {
        "MailItemsAccessed" => {
            let folder = *rng.pick(&["\\Inbox", "\\Sent Items", "\\Archive", "\\Inbox\\Finance"]);
            let count = 1 + rng.below(40);
            let client = if rng.below(10) == 0 { "Client=REST;Client=RESTSystem;;" } else { "Client=Microsoft Outlook 16.0;Mode=Cached" };
            event.target = user.clone();
            event.app = client.to_string();
            event.set_attr("MailboxOwnerUPN", &user);
            event.set_attr("ClientInfoString", client);
            event.set_attr("SessionId", &session);
            event.set_attr("ItemCount", count.to_string());
            format!(
                r#""AppId":"00000002-0000-0ff1-ce00-000000000000","ClientAppId":"","ClientIPAddress":"{ip}","ClientInfoString":"{client}","ExternalAccess":false,"InternalLogonType":0,"LogonType":0,"LogonUserSid":"S-1-5-21-1004336348-1177238915-682003330-{user_n}","MailboxGuid":"{mailbox}","MailboxOwnerSid":"S-1-5-21-1004336348-1177238915-682003330-{user_n}","MailboxOwnerUPN":"{user}","OperationProperties":[{{"Name":"MailAccessType","Value":"Bind"}},{{"Name":"IsThrottled","Value":"False"}}],"OrganizationName":"contoso.onmicrosoft.com","OriginatingServer":"AM6PR01MB{srv} (15.20.7409.000)","SessionId":"{session}","Folders":[{{"FolderItems":[{{"InternetMessageId":"<{msg}@contoso.com>"}}],"Id":"LgAAAAAdhAMRqmYRzZvIAKoAL8RaDQAB{srv}","Path":"{folder_json}"}}],"OperationCount":{count}"#,
                mailbox = rng.guid(),
                srv = 1000 + user_n % 400,
                msg = rng.guid(),
                folder_json = folder.replace('\\', "\\\\"),
            )
        }
        "FileAccessed" | "FileDownloaded" => {
            let file = *rng.pick(FILES);
            let site = format!("https://contoso-my.sharepoint.com/personal/user{user_n}_contoso_com/");
            let object = format!("{site}Documents/{file}");
            event.target = object.clone();
            event.user_agent = ua.to_string();
            event.app = "OneDrive".to_string();
            event.set_attr("ObjectId", &object);
            event.set_attr("SiteUrl", &site);
            event.set_attr("SourceFileName", file);
            format!(
                r#""ObjectId":"{object}","UserAgent":"{ua}","CorrelationId":"{corr}","EventSource":"SharePoint","ItemType":"File","ListId":"{list}","ListItemUniqueId":"{item}","Site":"{site_id}","WebId":"{web}","ApplicationDisplayName":"OneDrive","SourceFileExtension":"{ext}","SiteUrl":"{site}","SourceFileName":"{file}","SourceRelativeUrl":"Documents""#,
                corr = rng.guid(),
                list = rng.guid(),
                item = rng.guid(),
                site_id = rng.guid(),
                web = rng.guid(),
                ext = file.rsplit('.').next().unwrap_or(""),
            )
        }
        "Send" => {
            let subject = *rng.pick(SUBJECTS);
            event.target = user.clone();
            event.app = "Client=OWA;Action=ViaProxy".to_string();
            event.set_attr("MailboxOwnerUPN", &user);
            event.set_attr("Subject", subject);
            event.set_attr("SessionId", &session);
            format!(
                r#""AppId":"00000002-0000-0ff1-ce00-000000000000","ClientIPAddress":"{ip}","ClientInfoString":"Client=OWA;Action=ViaProxy","ExternalAccess":false,"InternalLogonType":0,"LogonType":0,"MailboxGuid":"{mailbox}","MailboxOwnerUPN":"{user}","OrganizationName":"contoso.onmicrosoft.com","SessionId":"{session}","Item":{{"Id":"RgAAAAAdhAMRqmYRzZvIAKoAL8RaBwA","InternetMessageId":"<{msg}@contoso.com>","ParentFolder":{{"Id":"LgAAAAAdhAMRqmYRzZvIAKoAL8RaAQA","Path":"\\Sent Items"}},"SizeInBytes":{size},"Subject":"{subject}"}}"#,
                mailbox = rng.guid(),
                msg = rng.guid(),
                size = 2000 + rng.below(200_000),
            )
        }
        "New-InboxRule" => {
            let rule = *rng.pick(&[".", "..", "Invoices", "RSS Feeds"]);
            let forward = format!("archive{}@evil.example", rng.below(20));
            event.target = format!("{user}\\{rule}");
            event.set_attr("ObjectId", format!("{user}\\{rule}"));
            event.set_attr("Param.Name", rule);
            event.set_attr("Param.ForwardTo", &forward);
            event.set_attr("Param.DeleteMessage", "True");
            format!(
                r#""ObjectId":"{user}\\{rule}","Parameters":[{{"Name":"Name","Value":"{rule}"}},{{"Name":"ForwardTo","Value":"{forward}"}},{{"Name":"DeleteMessage","Value":"True"}},{{"Name":"MarkAsRead","Value":"True"}},{{"Name":"StopProcessingRules","Value":"True"}}],"ResultStatus":"True","ExternalAccess":false,"OriginatingServer":"AM6PR01MB1234 (15.20.7409.000)","OrganizationName":"contoso.onmicrosoft.com","SessionId":"{session}","AppId":"00000002-0000-0ff1-ce00-000000000000""#
            )
        }
        _ => {
            let failed = operation == "UserLoginFailed";
            let app_id = *rng.pick(&["00000002-0000-0ff1-ce00-000000000000", "4765445b-32c6-49b0-83e6-1d93765276ca", "d3590ed6-52b3-4102-aeff-aad2292ab01c"]);
            event.target = app_id.to_string();
            event.user_agent = ua.to_string();
            event.app = app_id.to_string();
            event.outcome = if failed { Outcome::Failure } else { Outcome::Success };
            if failed {
                event.set_attr("ErrorNumber", "50126");
                event.set_attr("LogonError", "InvalidUserNameOrPassword");
            }
            format!(
                r#""ResultStatus":"{status}","AzureActiveDirectoryEventType":1,"ExtendedProperties":[{{"Name":"ResultStatusDetail","Value":"{status}"}},{{"Name":"UserAgent","Value":"{ua}"}},{{"Name":"RequestType","Value":"OAuth2:Authorize"}}],"ModifiedProperties":[],"Actor":[{{"ID":"{actor_id}","Type":0}},{{"ID":"{user}","Type":5}}],"ActorContextId":"{ORG_ID}","ActorIpAddress":"{ip}","InterSystemsId":"{isid}","IntraSystemId":"{intra}","SupportTicketId":"","Target":[{{"ID":"{app_id}","Type":0}}],"TargetContextId":"{ORG_ID}","ApplicationId":"{app_id}","DeviceProperties":[{{"Name":"OS","Value":"Windows 10"}},{{"Name":"BrowserType","Value":"Edge"}},{{"Name":"SessionId","Value":"{session}"}}],"ErrorNumber":"{error}"{logon_error}"#,
                status = if failed { "Failed" } else { "Success" },
                actor_id = rng.guid(),
                isid = rng.guid(),
                intra = rng.guid(),
                error = if failed { "50126" } else { "0" },
                logon_error = if failed { r#","LogonError":"InvalidUserNameOrPassword""# } else { "" },
            )
        }
    };
    UalRecord {
        record_type,
        creation_date: us_date(time),
        user_ids: user,
        operation,
        audit_data: format!("{{{common},{specific}}}"),
        id,
        event,
    }
}

/// Every record of an `rows`-row export, in file order.
pub fn generate_records(rows: u64, mut each: impl FnMut(UalRecord)) {
    let mut rng = Rng::new(0x10b3_2026);
    for index in 0..rows {
        each(generate_record(&mut rng, index, rows));
    }
}

/// Write an `rows`-row `Search-UnifiedAuditLog | Export-Csv -NoTypeInformation`
/// file (every field quoted, as PowerShell writes it).
pub fn write_ual_csv(path: &Path, rows: u64) -> std::io::Result<()> {
    let partial = path.with_extension("csv.partial");
    let file = BufWriter::with_capacity(1 << 20, fs::File::create(&partial)?);
    let mut csv = csv::WriterBuilder::new().quote_style(csv::QuoteStyle::Always).from_writer(file);
    csv.write_record(["RunspaceId", "RecordType", "CreationDate", "UserIds", "Operations", "AuditData", "ResultIndex", "ResultCount", "Identity", "IsValid", "ObjectState"])?;
    let runspace = Rng::new(7).guid();
    let total = rows.to_string();
    let mut index = 0u64;
    let mut result = Ok(());
    generate_records(rows, |r| {
        index += 1;
        if result.is_ok() {
            let index_text = index.to_string();
            result = csv.write_record([
                runspace.as_str(),
                r.record_type,
                &r.creation_date,
                &r.user_ids,
                r.operation,
                &r.audit_data,
                &index_text,
                &total,
                &r.id,
                "True",
                "Unchanged",
            ]);
        }
    });
    result?;
    csv.into_inner().map_err(|e| e.into_error())?.flush()?;
    fs::rename(&partial, path)
}

/// A line of `/proc/self/status` in MB (`VmHWM`, `VmRSS`), if available.
fn proc_status_mb(key: &str) -> Option<f64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median_of_5<T>(mut run: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::with_capacity(5);
    let mut last = None;
    for _ in 0..5 {
        let t = Instant::now();
        last = Some(run());
        times.push(t.elapsed());
    }
    times.sort();
    (times[2], last.unwrap_or_else(run))
}

struct Args {
    rows: u64,
    dir: PathBuf,
    /// Stream from disk on every core into a `PendingFile` instead of `ingest_bytes`.
    streaming: bool,
    /// Parsing threads for `--streaming` (default: every core).
    threads: Option<usize>,
    /// Only write the export (for the browser benchmark).
    generate_only: bool,
    /// Run DuckDB and pandas on the same file (when python3 has them).
    peers: bool,
    /// Time the sign-in map, the suspects' stories and the histogram
    /// instead (see `view_figures`).
    views: bool,
    /// Time what one browser worker does to this file, on one native
    /// thread instead (see `one_thread_figures`).
    one_thread: Option<PathBuf>,
}

const USAGE: &str = "usage: loupe-bench [--rows N] [--dir bench-data] [--streaming [--threads N]] [--no-peers] [--generate-only] [--views] [--one-thread FILE]";

fn parse_args() -> Result<Args, String> {
    let mut args = Args { rows: 1_000_000, dir: PathBuf::from("bench-data"), streaming: false, threads: None, generate_only: false, peers: true, views: false, one_thread: None };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--rows" => {
                let v = it.next().ok_or("--rows needs a number")?;
                args.rows = v.replace('_', "").parse().map_err(|_| format!("--rows needs a number, not '{v}'"))?;
            }
            "--streaming" => args.streaming = true,
            "--generate-only" => args.generate_only = true,
            "--threads" => {
                let v = it.next().ok_or("--threads needs a number")?;
                args.threads = Some(v.parse().map_err(|_| format!("--threads needs a number, not '{v}'"))?);
            }
            "--no-peers" => args.peers = false,
            "--views" => args.views = true,
            "--one-thread" => args.one_thread = Some(PathBuf::from(it.next().ok_or("--one-thread needs a file")?)),
            "--dir" => args.dir = PathBuf::from(it.next().ok_or("--dir needs a directory")?),
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument '{other}'; {USAGE}")),
        }
    }
    Ok(args)
}

fn main() {
    tune_memory();
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            std::process::exit(2);
        }
    };
    if cfg!(debug_assertions) {
        eprintln!("note: debug build; run with --release for meaningful figures");
    }
    if let Some(path) = &args.one_thread {
        if let Err(e) = one_thread_figures(path) {
            eprintln!("loupe-bench: {}: {e}", path.display());
            std::process::exit(1);
        }
        return;
    }
    if let Err(e) = run(&args) {
        eprintln!("loupe-bench: {e}");
        std::process::exit(1);
    }
}

/// What one browser worker does to a file (each 1 MiB slice parsed and
/// written as the bytes it sends back, `ui::workers::loupe_parse_slice`),
/// done on one native thread: the figure a wasm worker's rate is compared
/// with (`make bench-browser` prints both). Splitting is the page's work,
/// not the worker's, so it is not counted.
fn one_thread_figures(path: &Path) -> std::io::Result<()> {
    use loupe::ingest::stream::one_worker;
    let bytes = fs::read(path)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("evidence");
    let (plan, slices) = one_worker::slices_of(name, &bytes).map_err(std::io::Error::other)?;
    let t = Instant::now();
    let sent = one_worker::parse_all(&plan, &slices);
    let took = t.elapsed().as_secs_f64();
    println!("one native thread parsing {} slices: {took:.2} s, {:.1} MB/s ({:.0} MB of results)", slices.len(), mb(bytes.len() as u64) / took, mb(sent as u64));
    // The file's SHA-256 as the browser's hashing worker takes it, 8 MiB at
    // a time (sha2 uses the CPU's SHA instructions here when it has them;
    // wasm has none, see bench-worker.mjs).
    let t = Instant::now();
    let mut hasher = <sha2::Sha256 as sha2::Digest>::new();
    for piece in bytes.chunks(8 << 20) {
        sha2::Digest::update(&mut hasher, piece);
    }
    let digest = sha2::Digest::finalize(hasher);
    let took = t.elapsed().as_secs_f64();
    println!("one native thread hashing (SHA-256 {:02x}{:02x}…): {took:.2} s, {:.1} MB/s", digest[0], digest[1], mb(bytes.len() as u64) / took);
    Ok(())
}

/// Ingest with `ingest_bytes` (every `Event` owned at once), then `add_file`.
fn load_whole(args: &Args, file_name: &str, bytes: Vec<u8>, table: &mut Vec<(String, String)>) -> (EventStore, usize, Duration) {
    let size = bytes.len() as u64;
    let t = Instant::now();
    let (report, events, text) = ingest_bytes(file_name, &bytes, &mut Deduper::default());
    drop(bytes);
    let ingest_time = t.elapsed();

    let (report, text, events, synthetic) = if events.is_empty() {
        say_synthetic(&report, args.rows);
        let mut synthetic = Vec::with_capacity(args.rows as usize);
        generate_records(args.rows, |r| synthetic.push(r.event));
        (IngestReport::new(file_name, b""), FileSource::default(), synthetic, true)
    } else {
        push_ingest_figures(table, size, ingest_time, events.len(), &report);
        (report, text, events, false)
    };
    let event_count = events.len();
    let t = Instant::now();
    let mut store = EventStore::new();
    store.add_file(report, text, events);
    let label = if synthetic { "store build (synthetic, add_file)" } else { "store build (add_file)" };
    table.push((label.into(), format!("{:.0} ms for {} events", ms(t.elapsed()), event_count)));
    (store, event_count, ingest_time)
}

/// Stream the file from disk through the slice pipeline (every core
/// parsing slices, as `loupe` does) into a `PendingFile`, then `add_pending`.
fn load_streaming(args: &Args, path: &Path, file_name: &str, table: &mut Vec<(String, String)>) -> (EventStore, usize, Duration) {
    let size = fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let t = Instant::now();
    let mut pending = PendingFile::new();
    let threads = args.threads.unwrap_or_else(loupe::ingest::stream::native::default_threads);
    let (report, source) = match loupe::ingest::stream::native::ingest_path(path, file_name, threads, &mut Deduper::default(), |batch, keep| pending.push_batch(batch, keep)) {
        Ok(done) => done,
        Err(why) => {
            let mut report = IngestReport::new(file_name, b"");
            report.unreadable = Some(why);
            (report, FileSource::default())
        }
    };
    let ingest_time = t.elapsed();
    let (report, source, synthetic) = if pending.is_empty() {
        say_synthetic(&report, args.rows);
        generate_records(args.rows, |r| pending.push(r.event));
        (IngestReport::new(file_name, b""), FileSource::default(), true)
    } else {
        push_ingest_figures(table, size, ingest_time, pending.len(), &report);
        table.push(("ingest threads".into(), threads.to_string()));
        (report, source, false)
    };
    let event_count = pending.len();
    let t = Instant::now();
    let mut store = EventStore::new();
    store.add_pending(report, source, pending);
    let label = if synthetic { "store merge (synthetic, add_pending)" } else { "store merge (add_pending)" };
    table.push((label.into(), format!("{:.0} ms for {} events", ms(t.elapsed()), event_count)));
    (store, event_count, ingest_time)
}

/// Ingest stage by stage, each on its own over the file's bytes: what the
/// whole-file ingest spends where. `None` when the file is not a
/// Search-UnifiedAuditLog CSV.
fn stage_figures(file_name: &str, bytes: &[u8], table: &mut Vec<(String, String)>) -> Option<()> {
    let size = mb(bytes.len() as u64);
    let rate = |d: Duration| format!("{:.3} s ({:.0} MB/s)", d.as_secs_f64(), size / d.as_secs_f64().max(1e-9));
    let t = Instant::now();
    let report = IngestReport::new(file_name, bytes);
    table.push(("  stage: SHA-256 of the file".into(), rate(t.elapsed())));
    drop(report);
    let copy = bytes.to_vec();
    let t = Instant::now();
    let decoded = text::decode_owned(copy);
    table.push(("  stage: decode (UTF-8 check)".into(), rate(t.elapsed())));
    let text = decoded.text;
    let t = Instant::now();
    let guess = dates::infer_order_in_text(&text);
    // Streaming scans only the first MB this way; later slices count the
    // dates their mappers parse. The whole-file figure shows what that saves.
    table.push(("  stage: day/month scan of the whole text (not done since 2026-12-03)".into(), rate(t.elapsed())));

    let dialect = csv_input::sniff_dialect(&text);
    let reader = || csv::ReaderBuilder::new().delimiter(dialect.delimiter).flexible(true).from_reader(text[dialect.header_offset..].as_bytes());
    let t = Instant::now();
    let mut reader_a = reader();
    let mut record = csv::StringRecord::new();
    let mut rows = 0u64;
    while reader_a.read_record(&mut record).ok()? {
        rows += 1;
    }
    let csv_time = t.elapsed();
    table.push(("  stage: CSV records (csv crate)".into(), format!("{} for {rows} rows", rate(csv_time))));

    let def = SCHEMAS.iter().flat_map(|defs| defs.iter()).find(|d| d.schema == Schema::UalSearchCsv)?;
    let ctx = RowCtx::new(guess.order);
    let t = Instant::now();
    let mut reader = reader();
    let headers = csv_input::Headers::new(reader.headers().ok()?.iter());
    let mut kept = 0u64;
    while reader.read_record(&mut record).ok()? {
        kept += u64::from((def.from_csv)(&headers, &record, &ctx).is_ok());
    }
    let mapped = t.elapsed();
    table.push((
        "  stage: CSV records + UAL mapper".into(),
        format!("{}; mapper alone {:.3} s, {:.2} µs/record ({kept} events)", rate(mapped), mapped.saturating_sub(csv_time).as_secs_f64(), mapped.saturating_sub(csv_time).as_secs_f64() * 1e6 / rows.max(1) as f64),
    ));
    Some(())
}

/// One peer's figure from `scripts/bench_peers.py`.
struct Peer {
    name: String,
    seconds: Option<f64>,
    note: String,
}

/// DuckDB and pandas on `path`, if python3 and their modules are there.
fn peer_figures(path: &Path) -> Vec<Peer> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/bench_peers.py");
    let output = match std::process::Command::new("python3").arg(&script).arg(path).output() {
        Ok(out) => out,
        Err(e) => return vec![Peer { name: "peers".into(), seconds: None, note: format!("not run: python3 not available ({e})") }],
    };
    if !output.status.success() {
        let why = String::from_utf8_lossy(&output.stderr).lines().last().unwrap_or("").to_string();
        return vec![Peer { name: "peers".into(), seconds: None, note: format!("{} failed: {why}", script.display()) }];
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .map(|v| {
            let text = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
            match v.get("seconds").and_then(|s| s.as_f64()) {
                Some(seconds) => Peer { name: text("peer"), seconds: Some(seconds), note: format!("{} rows; {}", v.get("rows").and_then(|r| r.as_u64()).unwrap_or(0), text("how")) },
                None => Peer { name: text("peer"), seconds: None, note: format!("skipped: {}", text("skipped")) },
            }
        })
        .collect()
}

/// What an analyst's case costs on a big store: 1,000 marked events found
/// again (after every change of marks), a `tag:` query, the incident report,
/// and the case + evidence bundle.
fn case_figures(store: &EventStore, table: &mut Vec<(String, String)>) {
    use loupe::case::annotations::{resolve, row_key};
    use loupe::case::{Case, CaseAction, EventChange, EventSummary};
    let mut case = Case::default();
    let step = (store.len() / 1000).max(1);
    for row in (0..store.len()).step_by(step).take(1000) {
        let row = row as u32;
        if let Some(key) = row_key(store, row) {
            case.apply(CaseAction::AnnotateEvent { key, summary: EventSummary::of_row(store, row), change: EventChange::AddTag("malicious".into()) }, 0);
        }
    }
    let (d, resolved) = median_of_5(|| resolve(&case.events, store));
    table.push(("marks found again (1,000 tagged events)".into(), format!("{:.1} ms ({} resolved)", ms(d), resolved.len())));
    let ctx = EvalContext { annotations: resolved, ..EvalContext::default() };
    if let Ok(query) = parse("tag:malicious") {
        let (d, rows) = median_of_5(|| store.filter(&query, &ctx).map(|r| r.len()).unwrap_or(0));
        table.push(("query `tag:malicious`".into(), format!("{:.1} ms ({rows} rows)", ms(d))));
    }
    let context = loupe::detect::suggest_context(store);
    let t = Instant::now();
    let findings = loupe::detect::run_all(store, &context);
    let detect_time = t.elapsed();
    table.push(analysis_costs(store, &context, &findings));
    let t = Instant::now();
    let plan = loupe::remediate::plan(store, &context, &findings);
    let actionable = findings.iter().filter(|f| f.severity >= loupe::detect::Severity::Medium).count();
    table.push(("  analysis after load: remediation plan with the findings".into(), format!("{:.1} ms ({} findings, {actionable} at Medium or above; {} actions)", ms(t.elapsed()), findings.len(), plan.actions.len())));
    let empty = loupe::tenant::Snapshot::new();
    let t = Instant::now();
    let (changes, changes_from) = loupe::report::incident::config_changes(&empty, &empty, store, &context);
    let input = loupe::report::ReportInput {
        case: &case,
        context: &context,
        findings: &findings,
        plan: &plan,
        contradictions: &[],
        changes: &changes,
        changes_from,
        store,
        generated_at: 0,
    };
    let doc = loupe::report::incident::build(&input);
    let (markdown, html) = (loupe::report::to_markdown(&doc), loupe::report::to_html(&doc));
    table.push((
        "incident report (after detectors)".into(),
        format!("{:.0} ms; Markdown {:.1} MB, HTML {:.1} MB; detectors {:.0} ms", ms(t.elapsed()), mb(markdown.len() as u64), mb(html.len() as u64), ms(detect_time)),
    ));
    let wholes: Vec<_> = store.files().iter().map(|f| (f, f.source.original.whole().unwrap_or_default())).collect();
    let evidence: Vec<loupe::case::bundle::EvidenceText> =
        wholes.iter().map(|(f, bytes)| loupe::case::bundle::EvidenceText { name: &f.report.file, sha256: &f.report.sha256, bytes }).collect();
    let text_bytes: usize = evidence.iter().map(|e| e.bytes.len()).sum();
    if text_bytes > 0 {
        let t = Instant::now();
        match loupe::case::bundle::write(&case, &evidence) {
            Ok(zip) => table.push((
                "case + evidence bundle".into(),
                format!("{:.1} s: {:.1} MB text to a {:.1} MB zip ({:.1} MB/s)", t.elapsed().as_secs_f64(), mb(text_bytes as u64), mb(zip.len() as u64), mb(text_bytes as u64) / t.elapsed().as_secs_f64().max(1e-9)),
            )),
            Err(why) => table.push(("case + evidence bundle".into(), why)),
        }
    }
}

fn say_synthetic(report: &IngestReport, rows: u64) {
    println!("ingest kept no events ({}).", report.headline());
    println!("The UAL parser is probably not merged yet: store and query figures below use {rows} synthetic events pushed directly.");
}

fn push_ingest_figures(table: &mut Vec<(String, String)>, size: u64, time: Duration, events: usize, report: &IngestReport) {
    let secs = time.as_secs_f64().max(1e-9);
    table.push(("native ingest".into(), format!("{:.2} s: {:.1} MB/s, {:.0} events/s", secs, mb(size) / secs, events as f64 / secs)));
    table.push(("ingest result".into(), report.headline()));
}

fn run(args: &Args) -> std::io::Result<()> {
    fs::create_dir_all(&args.dir)?;
    if args.views {
        return view_figures(args);
    }
    let path = args.dir.join(format!("ual_{}.csv", args.rows));
    if path.exists() {
        println!("reusing {}", path.display());
    } else {
        let t = Instant::now();
        write_ual_csv(&path, args.rows)?;
        println!("generated {} in {:.1} s", path.display(), t.elapsed().as_secs_f64());
    }
    if args.generate_only {
        return Ok(());
    }
    let size = fs::metadata(&path)?.len();
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("ual.csv").to_string();
    let mut table: Vec<(String, String)> = Vec::new();
    // Ingest stages first, on their own copy of the bytes, freed before the load.
    {
        let t = Instant::now();
        let bytes = fs::read(&path)?;
        let read_time = t.elapsed();
        table.push(("  stage: read the file".into(), format!("{:.3} s ({:.0} MB/s)", read_time.as_secs_f64(), mb(bytes.len() as u64) / read_time.as_secs_f64().max(1e-9))));
        if stage_figures(&file_name, &bytes, &mut table).is_none() {
            table.push(("  stages".into(), "not timed: the file is no Search-UnifiedAuditLog CSV".into()));
        }
    }

    let t = Instant::now();
    let (store, event_count, ingest_time) = if args.streaming { load_streaming(args, &path, &file_name, &mut table) } else { load_whole(args, &file_name, fs::read(&path)?, &mut table) };
    let loupe_secs = if args.streaming { ingest_time.as_secs_f64() } else { t.elapsed().as_secs_f64() };
    table.insert(0, ("file size".into(), format!("{:.1} MB ({} rows)", mb(size), args.rows)));
    table.push(("Loupe: read + ingest".into(), format!("{loupe_secs:.2} s ({:.1} MB/s)", mb(size) / loupe_secs.max(1e-9))));
    let heap = store.heap_bytes() as u64;
    table.push(("store heap (columns+dicts)".into(), format!("{:.1} MB, {:.0} bytes/event", mb(heap), heap as f64 / event_count.max(1) as f64)));
    let per_event = |bytes: usize| bytes as f64 / event_count.max(1) as f64;
    let parts: Vec<String> = store.heap_breakdown().into_iter().filter(|(_, b)| per_event(*b) >= 0.5).map(|(name, b)| format!("{name} {:.1}", per_event(b))).collect();
    table.push(("  bytes/event by part".into(), parts.join(", ")));
    if let (Some(hwm), Some(rss)) = (proc_status_mb("VmHWM:"), proc_status_mb("VmRSS:")) {
        table.push(("peak memory (VmHWM)".into(), format!("{hwm:.0} MB")));
        let in_memory: u64 = store.files().iter().filter_map(|f| match &f.source.original { loupe::ingest::Original::Bytes(b) => Some(b.len() as u64), _ => None }).sum();
        table.push(("resident after load (VmRSS)".into(), format!("{rss:.0} MB (file bytes held in memory: {:.0} MB)", mb(in_memory))));
    }

    let ctx = EvalContext::default();
    for q in ["op:MailItemsAccessed user:user42", "ip:203.0.113.0/24 -outcome:success", "invoice", "time:2026-02-10..2026-02-11 op:Send,New-InboxRule"] {
        let query = match parse(q) {
            Ok(query) => query,
            Err(e) => {
                table.push((format!("query `{q}`"), format!("error: {}", e.message)));
                continue;
            }
        };
        let (d, result) = median_of_5(|| store.filter(&query, &ctx));
        let rows = result.map(|r| r.len().to_string()).unwrap_or_else(|e| format!("error: {}", e.message));
        table.push((format!("query `{q}`"), format!("{:.1} ms ({rows} rows)", ms(d))));
    }
    let all: Vec<u32> = (0..store.len() as u32).collect();
    let (d, _) = median_of_5(|| FacetField::ALL.iter().map(|f| store.facets(&all, *f, 10).len()).sum::<usize>());
    table.push(("facets (7 fields, all rows)".into(), format!("{:.1} ms", ms(d))));
    let (d, hist) = median_of_5(|| store.histogram(&all, 200));
    table.push(("histogram (all rows, ≤200 buckets)".into(), format!("{:.1} ms ({} buckets of {} min)", ms(d), hist.counts.len(), hist.bucket_ms / 60_000)));

    case_figures(&store, &mut table);
    drop(store);

    if args.peers {
        for peer in peer_figures(&path) {
            let value = match peer.seconds {
                Some(secs) => format!(
                    "{secs:.2} s ({:.1} MB/s); Loupe is {:.2}× {}'s speed ({})",
                    mb(size) / secs.max(1e-9),
                    secs / loupe_secs.max(1e-9),
                    peer.name,
                    peer.note
                ),
                None => peer.note,
            };
            table.push((format!("peer: {}", peer.name), value));
        }
    }

    let width = table.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0);
    println!();
    for (key, value) in &table {
        println!("{key:<width$}  {value}");
    }
    Ok(())
}

/// What the page recomputes after a load, piece by piece, slowest first:
/// each is one main-thread task today, so the slowest bounds the page's
/// longest pause after a load.
fn analysis_costs(store: &EventStore, context: &loupe::detect::Context, findings: &[loupe::detect::Finding]) -> (String, String) {
    let ctx = context.clone().with_sane_tuning();
    // As the page: one sliced pass over every row (the tenant's domains,
    // sign-ins, addresses) shared by the suggestion and the detectors.
    let t = Instant::now();
    let no_context = loupe::detect::Context::default();
    let shared = loupe::detect::History::new(store, &no_context);
    let _ = (shared.tenant_domains(), shared.signins(), shared.addresses());
    let mut costs = vec![("passes over every row (sliced)".to_string(), t.elapsed())];
    // The page finds each account's first-seen values an account at a
    // time, for no context (the suggestion) and for the detectors' context.
    let t = Instant::now();
    let _ = shared.novelties();
    costs.push(("first-seen values per account, no context (sliced)".to_string(), t.elapsed()));
    let t = Instant::now();
    let mut suggesting = loupe::detect::Suggesting::new(store, &shared);
    loupe::detect::work_rounds(&mut suggesting, usize::MAX);
    costs.push(("suggest_context (sliced)".to_string(), t.elapsed()));
    let t = Instant::now();
    let _ = suggesting.finish();
    costs.push(("suggest_context finish".to_string(), t.elapsed()));
    let history = shared.for_context(&ctx);
    let t = Instant::now();
    let _ = history.novelties();
    costs.push(("first-seen values per account (sliced)".to_string(), t.elapsed()));
    for detector in loupe::detect::DETECTORS {
        let t = Instant::now();
        let Some(start) = detector.sliced else {
            let _ = (detector.run)(store, &ctx, &history);
            costs.push((detector.id.to_string(), t.elapsed()));
            continue;
        };
        // The page works these in slices; what it cannot slice is the end.
        let mut work = start(store, &ctx, &history);
        loupe::detect::work_rounds(&mut work, usize::MAX);
        costs.push((format!("{} (sliced)", detector.id), t.elapsed()));
        let t = Instant::now();
        let _ = work.finish();
        costs.push((format!("{} finish", detector.id), t.elapsed()));
    }
    let mut ordered = findings.to_vec();
    let t = Instant::now();
    loupe::detect::order_findings(&mut ordered);
    costs.push(("order findings".to_string(), t.elapsed()));
    // The plan with the findings, a part at a time as the page makes it.
    let mut builder = loupe::remediate::PlanBuilder::new(context);
    for part in &loupe::remediate::PLAN_PARTS {
        let t = Instant::now();
        match loupe::remediate::PlanBuilder::taken_each(part, findings) {
            Some(taken) => {
                builder.add_each(part, store, &taken, &history);
                costs.push((format!("{} (sliced)", part.name), t.elapsed()));
            }
            None => {
                builder.add(part, store, findings, &history);
                costs.push((part.name.to_string(), t.elapsed()));
            }
        }
    }
    let t = Instant::now();
    let _ = builder.finish();
    costs.push(("remediation plan finish".to_string(), t.elapsed()));
    // What the page recomputes after a load besides the detectors: the
    // plan (no findings), every action with a promise marked done at the
    // first event (so verify reads the whole store), and the configuration
    // view with no snapshots loaded.
    let t = Instant::now();
    let plan = loupe::remediate::plan(store, context, &[]);
    costs.push(("remediation plan".to_string(), t.elapsed()));
    // verify checks only actions with a promise, which come from suspect
    // accounts: the suggested context may name none, so one is made up
    // from the first row (its actor a suspect, its address marked).
    let mut suspect_ctx = context.clone();
    if suspect_ctx.suspect_accounts.is_empty() && !store.is_empty() {
        suspect_ctx.suspect_accounts.push(store.actor(0).to_string());
        suspect_ctx.indicators.push(loupe::detect::Indicator::new(loupe::detect::IndicatorKind::Ip, store.ip(0), "bench"));
    }
    let suspect_plan = loupe::remediate::plan(store, &suspect_ctx, &[]);
    let first = if store.is_empty() { 0 } else { store.time(0) };
    let done: std::collections::BTreeMap<String, loupe::model::TimeMs> =
        suspect_plan.actions.iter().filter(|a| a.promise.is_some()).map(|a| (a.id.clone(), first)).collect();
    let t = Instant::now();
    let _ = loupe::remediate::verify(store, &suspect_ctx, &suspect_plan, &done);
    costs.push(("remediate::verify".to_string(), t.elapsed()));
    let empty = loupe::tenant::Snapshot::new();
    let t = Instant::now();
    let _ = loupe::report::incident::config_changes(&empty, &empty, store, context);
    costs.push(("configuration changes".to_string(), t.elapsed()));
    let t = Instant::now();
    let _ = loupe::tenant::inventory::build(None, Some((store, context)));
    costs.push(("inventory::build".to_string(), t.elapsed()));
    let after_load = ["remediation plan", "remediate::verify", "configuration changes", "inventory::build"];
    let views: Vec<String> = costs.iter().filter(|(name, _)| after_load.contains(&name.as_str())).map(|(name, d)| format!("{name} {:.1}", ms(*d))).collect();
    println!("  analysis after load (ms): {} (plan: {} actions; verify: {} actions marked done)", views.join(", "), plan.actions.len(), done.len());
    costs.sort_by(|a, b| b.1.cmp(&a.1));
    let listed: Vec<String> = costs.iter().take(16).map(|(name, d)| format!("{name} {:.0}", ms(*d))).collect();
    ("  analysis by part (ms), slowest first".into(), listed.join(", "))
}

/// Where the generated sign-ins come from: city, state, ISO country code,
/// latitude, longitude. The first eight are the company's offices; the last
/// four are where the intruder's addresses (203.0.113.0/24) sign in from.
const CITIES: &[(&str, &str, &str, f64, f64)] = &[
    ("London", "England", "GB", 51.5074, -0.1278),
    ("Manchester", "England", "GB", 53.4808, -2.2426),
    ("Seattle", "Washington", "US", 47.6062, -122.3321),
    ("New York", "New York", "US", 40.7128, -74.0060),
    ("Toronto", "Ontario", "CA", 43.6532, -79.3832),
    ("Berlin", "Berlin", "DE", 52.52, 13.405),
    ("Paris", "Ile-de-France", "FR", 48.8566, 2.3522),
    ("Sydney", "New South Wales", "AU", -33.8688, 151.2093),
    ("Chicago", "Illinois", "US", 41.8781, -87.6298),
    ("Dallas", "Texas", "US", 32.7767, -96.7970),
    ("Munich", "Bavaria", "DE", 48.1351, 11.582),
    ("Amsterdam", "North Holland", "NL", 52.3676, 4.9041),
    ("Madrid", "Madrid", "ES", 40.4168, -3.7038),
    ("Dublin", "Leinster", "IE", 53.3498, -6.2603),
    ("Stockholm", "Stockholm", "SE", 59.3293, 18.0686),
    ("Warsaw", "Mazovia", "PL", 52.2297, 21.0122),
    ("Singapore", "Singapore", "SG", 1.3521, 103.8198),
    ("Tokyo", "Tokyo", "JP", 35.6762, 139.6503),
    ("Mumbai", "Maharashtra", "IN", 19.076, 72.8777),
    ("Sao Paulo", "Sao Paulo", "BR", -23.5505, -46.6333),
    ("Johannesburg", "Gauteng", "ZA", -26.2041, 28.0473),
    ("Mexico City", "CDMX", "MX", 19.4326, -99.1332),
    ("Lagos", "Lagos", "NG", 6.45306, 3.39583),
    ("Moscow", "Moscow", "RU", 55.7558, 37.6173),
    ("Bucharest", "Bucharest", "RO", 44.4268, 26.1025),
    ("Hanoi", "Hanoi", "VN", 21.0278, 105.8342),
];
const OFFICES: u64 = 8;
const INTRUDER_CITIES: u64 = 4;

/// Where address number `n` (as `ip_address` numbers them) is, with the
/// latitude moved a little by the address, so a city has several places on
/// the map (up to six 0.1° cells) as geolocation gives them.
fn place_of_ip(n: u64) -> (&'static str, &'static str, &'static str, f64, f64) {
    let cities = CITIES.len() as u64;
    let city = match n % 100 {
        0..=1 => cities - INTRUDER_CITIES + n % INTRUDER_CITIES,
        2..=59 => n / 10 % OFFICES,
        _ => n / 10 % (cities - INTRUDER_CITIES),
    };
    let (name, state, country, lat, lon) = CITIES[city as usize];
    (name, state, country, lat + (n / 10 % 6) as f64 * 0.13, lon)
}

/// One Entra interactive sign-in as `GET /auditLogs/signIns` writes it
/// (one JSON object per line), newest first like the UAL export, by the
/// same users from the same addresses. Most sign-ins come from one of an
/// account's three usual addresses; one in ten from another of its
/// addresses, which may be another city (impossible travel, as in life).
fn signin_line(rng: &mut Rng, index: u64, rows: u64) -> String {
    let time = PERIOD_START + PERIOD_MS - (index as i64 * PERIOD_MS / rows.max(1) as i64) - rng.below(1000) as i64;
    let user_n = rng.below(USERS);
    let elsewhere = if rng.below(10) == 0 { 1 + rng.below(4) } else { 0 };
    let ip_n = (user_n * 7 + elsewhere * 1000 + rng.below(3)) % IPS;
    let (city, state, country, lat, lon) = place_of_ip(ip_n);
    let (code, reason, failure) = match rng.below(100) {
        0..=5 => (50126, "\"Error validating credentials due to invalid username or password.\"", true),
        6..=7 => (50074, "\"Strong Authentication is required.\"", true),
        _ => (0, "null", false),
    };
    let (app_id, app) = *rng.pick(&[("4765445b-32c6-49b0-83e6-1d93765276ca", "OfficeHome"), ("00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online"), ("d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Office")]);
    let ua = *rng.pick(USER_AGENTS);
    format!(
        r#"{{"id":"{id}","createdDateTime":"{created}","userDisplayName":"User {user_n}","userPrincipalName":"{user}","userId":"{user_n:08x}-0000-4000-8000-{user_n:012x}","appId":"{app_id}","appDisplayName":"{app}","ipAddress":"{ip}","clientAppUsed":"Browser","correlationId":"{corr}","conditionalAccessStatus":"{ca}","isInteractive":true,"riskDetail":"none","riskLevelAggregated":"none","riskLevelDuringSignIn":"none","riskState":"none","riskEventTypes":[],"riskEventTypes_v2":[],"resourceDisplayName":"Office 365 Exchange Online","resourceId":"00000002-0000-0ff1-ce00-000000000000","status":{{"errorCode":{code},"failureReason":{reason},"additionalDetails":null}},"deviceDetail":{{"deviceId":"","displayName":"","operatingSystem":"Windows10","browser":"Edge 122.0.0","isCompliant":false,"isManaged":false,"trustType":""}},"location":{{"city":"{city}","state":"{state}","countryOrRegion":"{country}","geoCoordinates":{{"altitude":null,"latitude":{lat:.5},"longitude":{lon:.5}}}}},"appliedConditionalAccessPolicies":[],"userAgent":"{ua}","signInEventTypes":["interactiveUser"],"tokenIssuerType":"AzureAD","authenticationRequirement":"{requirement}","incomingTokenType":"none","authenticationDetails":[{{"authenticationMethod":"Password","succeeded":{succeeded}}}]}}"#,
        id = rng.guid(),
        created = format_utc(time),
        user = user_name(user_n),
        ip = ip_address(ip_n),
        corr = rng.guid(),
        ca = if failure { "notApplied" } else { "success" },
        requirement = if rng.below(2) == 0 { "multiFactorAuthentication" } else { "singleFactorAuthentication" },
        succeeded = !failure,
    )
}

/// Write `rows` Entra sign-ins as NDJSON (see `signin_line`).
fn write_signin_ndjson(path: &Path, rows: u64) -> std::io::Result<()> {
    let partial = path.with_extension("ndjson.partial");
    let mut file = BufWriter::with_capacity(1 << 20, fs::File::create(&partial)?);
    let mut rng = Rng::new(0x5161_2026);
    for index in 0..rows {
        writeln!(file, "{}", signin_line(&mut rng, index, rows))?;
    }
    file.flush()?;
    drop(file);
    fs::rename(&partial, path)
}

/// The files of `--views`: a UAL export and an Entra sign-in export over
/// the same users, addresses and days, `rows` events together, a quarter of
/// them sign-ins (the map draws only those). Generated when missing.
fn view_files(args: &Args) -> std::io::Result<(PathBuf, PathBuf)> {
    let signins = args.rows / 4;
    let ual = args.dir.join(format!("ual_{}.csv", args.rows - signins));
    let signin = args.dir.join(format!("signin_{signins}.ndjson"));
    for (path, write) in [(&ual, write_ual_csv as fn(&Path, u64) -> std::io::Result<()>), (&signin, write_signin_ndjson)] {
        let rows = if *path == signin { signins } else { args.rows - signins };
        if path.exists() {
            println!("reusing {}", path.display());
        } else {
            let t = Instant::now();
            write(path, rows)?;
            println!("generated {} in {:.1} s", path.display(), t.elapsed().as_secs_f64());
        }
    }
    Ok((ual, signin))
}

/// Buckets of the timeline's histogram and columns of a story, as the page
/// draws them (`ui::view`, `ui::components::story`).
const PAGE_HISTOGRAM_BUCKETS: usize = 120;
const PAGE_STORY_COLUMNS: u32 = 420;

/// `--views`: the sign-in map, each suspect's story and the stacked
/// histogram (issue #16) over the `view_files` loaded together, for the
/// filters an analyst moves between. Each is what the page recomputes on a
/// change of filter or store; median of five runs.
fn view_figures(args: &Args) -> std::io::Result<()> {
    let (ual, signin) = view_files(args)?;
    if args.generate_only {
        return Ok(());
    }
    let mut table: Vec<(String, String)> = Vec::new();
    let mut store = EventStore::new();
    let mut dedupe = Deduper::default();
    let threads = args.threads.unwrap_or_else(loupe::ingest::stream::native::default_threads);
    let t = Instant::now();
    for path in [&ual, &signin] {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("evidence").to_string();
        let mut pending = PendingFile::new();
        let (report, source) = loupe::ingest::stream::native::ingest_path(path, &name, threads, &mut dedupe, |batch, keep| pending.push_batch(batch, keep)).map_err(std::io::Error::other)?;
        table.push((format!("loaded {name}"), report.headline()));
        store.add_pending(report, source, pending);
    }
    let signin_rows = (0..store.len() as u32).filter(|&r| store.source(r) == Source::SignIn).count();
    table.push(("store".into(), format!("{} events ({signin_rows} Entra sign-ins), loaded in {:.1} s", store.len(), t.elapsed().as_secs_f64())));

    let mut context = loupe::detect::suggest_context(&store);
    // The story draws the context's suspects: the suggested one (if any)
    // and two busy ordinary accounts.
    for account in ["user42@contoso.com", "user1234@contoso.com"] {
        if !context.is_suspect(account) {
            context.suspect_accounts.push(account.to_string());
        }
    }
    let t = Instant::now();
    let findings = loupe::detect::run_all(&store, &context);
    // The page's longest pauses after loading sign-in-heavy evidence: each
    // part below that is not sliced is one main-thread task there.
    table.push(analysis_costs(&store, &context, &findings));
    let travel: Vec<&loupe::detect::Finding> = findings.iter().filter(|f| f.detector == "signin.impossible_travel").collect();
    let travel_rows: usize = travel.iter().map(|f| f.rows.len()).sum();
    table.push((
        "detectors (for the map's lines, the story's rings)".into(),
        format!("{:.2} s, {} findings ({} impossible travel citing {travel_rows} rows)", t.elapsed().as_secs_f64(), findings.len(), travel.len()),
    ));
    let marked: Vec<String> = context.indicators.iter().map(|i| i.value.clone()).collect();
    let (hops_time, hops) = median_of_5(|| loupe::geo::TravelHops::of(&store, &context, &findings));
    table.push(("map: travel findings' hops (once per set of findings)".into(), format!("{:.1} ms", ms(hops_time))));

    let (row_places_time, row_places) = median_of_5(|| loupe::geo::RowPlaces::of(&store));
    table.push(("map: every row's place (once per store)".into(), format!("{:.1} ms ({} places)", ms(row_places_time), row_places.spots().len())));

    let eval = EvalContext::default();
    for (what, q) in [("all events", String::new()), ("one user", "user:user42@contoso.com".to_string()), ("one day", "time:2026-02-10..2026-02-11".to_string()), ("sign-ins", "source:signin".to_string())] {
        let Ok(rows) = parse(&q).map_err(|e| e.message).and_then(|query| store.filter(&query, &eval).map_err(|e| e.message)) else {
            table.push((format!("filter {what}"), format!("query `{q}` failed")));
            continue;
        };
        // What the page does on a change of filter: the places, with the
        // findings' hops kept from before (timed on their own above).
        let (map_time, map) = median_of_5(|| loupe::geo::SigninMap::build_with(&store, &rows, &marked, &hops));
        // Without findings: the places alone, no travel lines.
        let (places_time, _) = median_of_5(|| loupe::geo::SigninMap::build_with(&store, &rows, &marked, &loupe::geo::TravelHops::default()));
        // What the page does now: the places of the rows kept, the rows counted.
        let (count_time, counted) = median_of_5(|| loupe::geo::SigninMap::of_places(&store, &row_places, &rows, &marked, &hops));
        assert_eq!(counted, map, "the kept places count to the same map");
        let (layout_time, drawing) = median_of_5(|| loupe::geo::layout(&map));
        let (histogram_time, histogram) = median_of_5(|| store.histogram(&rows, PAGE_HISTOGRAM_BUCKETS));
        table.push((
            format!("filter {what} ({} rows)", rows.len()),
            format!(
                "map {:.1} ms ({} places, {} travel routes; places alone {:.1} ms; rows counted with their places kept {:.1} ms) + drawing {:.2} ms ({} points, {} routes apart, {} in one path); histogram {:.1} ms ({} buckets)",
                ms(map_time),
                map.places.len(),
                map.lines.len(),
                ms(places_time),
                ms(count_time),
                ms(layout_time),
                drawing.points.len(),
                drawing.lines.len(),
                drawing.other_route_count,
                ms(histogram_time),
                histogram.counts.len()
            ),
        ));
    }
    let (stories_time, stories) = median_of_5(|| loupe::story::stories(&store, &context, None, &findings, PAGE_STORY_COLUMNS));
    for story in &stories {
        let frame = loupe::story::Frame::new(&context, None);
        let (d, _) = median_of_5(|| loupe::story::build(&store, &story.account, frame, &findings, PAGE_STORY_COLUMNS));
        let marks: usize = story.lanes.iter().map(|(_, marks)| marks.len()).sum();
        table.push((format!("story of {}", story.account), format!("{:.1} ms ({} events, {} lanes, {marks} marks)", ms(d), story.events, story.lanes.len())));
    }
    table.push(("every suspect's story (as the panel builds them)".into(), format!("{:.1} ms for {} suspects", ms(stories_time), stories.len())));

    let width = table.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0);
    println!();
    for (key, value) in &table {
        println!("{key:<width$}  {value}");
    }
    Ok(())
}
