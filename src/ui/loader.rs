//! Getting evidence into the store without freezing the page: an evidence
//! file is streamed from its `File` a piece at a time through the core's
//! slice pipeline (`ingest::stream`), parsed a slice at a time with a yield
//! to the browser whenever a step has run for `STEP_MS`, so several files
//! load at once, the page keeps answering, and no file's whole text is
//! ever held in memory (originals are read back from the `File` on demand,
//! see `originals`). Small whole-file kinds (case files, bundles, tenant
//! snapshots, IP databases) are told by their first bytes and read whole.

use super::analysis::StoreGate;
use super::format::now_ms;
use super::state::{CaseState, LoadAction, Loads, Stage};
use crate::case::{CaseAction, FileEntry};
use crate::enrich::DbParser;
use super::file_stream::FileStream;
use super::originals::{read_range, Originals};
use super::workers::{now, Pool};
use std::future::Future;
use std::pin::Pin;
use crate::ingest::stream::{parse_slice, FileAssembler, ParsePlan, Slice, Splitter};
use crate::ingest::{Deduper, FileSource, IngestReport, Original};
use crate::store::{EventStore, FileId, PendingFile};
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use gloo::timers::future::TimeoutFuture;
use serde::Deserialize;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use yew::{Callback, UseReducerDispatcher};
// The slice sizes the page cuts files into, shared with the benchmark of one
// worker (`ingest::stream::one_worker`).
use crate::ingest::stream::one_worker::{PAGE_PUSH_BYTES, PAGE_SLICE_BYTES};

/// Bytes read per slice of a `File`.
const READ_SLICE: f64 = 8.0 * 1024.0 * 1024.0;
/// Parse for about this long before letting the browser paint and handle input.
const PARSE_SLICE_MS: f64 = 25.0;
/// Bytes of a file read at once while streaming it.
const STREAM_READ: f64 = 4.0 * 1024.0 * 1024.0;
/// Slices handed to each worker ahead of its answers.
const SLICES_PER_WORKER: usize = 16;
/// Read the next piece of the file while less text than this waits to be
/// handed to a worker.
const READ_AHEAD_BYTES: usize = 16 * 1024 * 1024;

/// Once this fraction of a large file is read (1/n), and at least
/// `ROOM_AFTER_BYTES`, the store and the deduper make room for the rows the
/// rest should bring, so they do not grow by doubling, copying or
/// re-hashing all they hold, while the page waits (pauses of 70–140 ms at
/// 1–3 million rows). Making room copies what is held so far, so the
/// sooner the better while the rows per byte are known: at a twelfth of a
/// 4 GB file the copy alone held the page 83 ms.
const ROOM_AFTER_FRACTION: f64 = 48.0;
const ROOM_AFTER_BYTES: f64 = 16.0 * 1024.0 * 1024.0;

/// Rows made room for beyond the estimate: rows vary in size along a file,
/// and running out near the end grows the columns by doubling after all
/// (a copy of everything held: 190 ms seen at 2.7 million rows).
const ROOM_MARGIN: f64 = 1.08;

/// Rows per byte are estimated once at most this share of the bytes read
/// is not parsed yet. Text and bytes differ in gzip files, where the text
/// waiting says little about the bytes read: they grow the usual way.
const MAX_UNPARSED_SHARE: f64 = 0.2;

/// Files smaller than this grow their store the usual way.
const ROOM_FROM_BYTES: f64 = 64.0 * 1024.0 * 1024.0;
/// Files larger than this are hashed in a worker of their own.
const HASH_IN_WORKER_BYTES: f64 = 8.0 * 1024.0 * 1024.0;
/// Show a loading file's progress this often.
const PROGRESS_EVERY_MS: f64 = 250.0;
/// Work this long, then yield to the browser. The page redraws in the same
/// task after a step that changed what it shows (10–30 ms on a large
/// store), and the page's tasks are to stay under 50 ms.
const STEP_MS: f64 = 12.0;

/// A wait for a worker or a read shorter than this ended within the same
/// browser task (a microtask later) rather than in a new one.
const SAME_TASK_WAIT_MS: f64 = 1.0;

/// Strings looked up in the store between two looks at the clock while a
/// part is prepared for its merge (a millisecond or two in wasm).
const PREPARE_STRINGS: usize = 4096;
/// A load stops once the module's memory passes this (`limits`).
const MEMORY_STOP_BYTES: f64 = crate::limits::TAB_MEMORY_STOP_BYTES as f64;
/// Bytes of a picked file looked at to tell what it is.
const HEAD_BYTES: f64 = 1024.0 * 1024.0;

/// Everything a load needs, cheap to clone into each async task.
#[derive(Clone)]
pub struct Loader {
    pub store: Rc<RefCell<EventStore>>,
    pub dedupe: Rc<RefCell<Deduper>>,
    pub next_id: Rc<Cell<u32>>,
    /// Loads with a smaller id belong to a case the analyst has since
    /// cleared ("New case"); their events are dropped when they finish.
    pub first_live_id: Rc<Cell<u32>>,
    /// Files streaming into the store now: the room one makes in the
    /// store's columns is on top of the others', and only the last one
    /// to finish gives the spare room back.
    pub streaming: Rc<Cell<usize>>,
    pub loads: UseReducerDispatcher<Loads>,
    pub case: UseReducerDispatcher<CaseState>,
    pub snapshots: UseReducerDispatcher<super::state::Snapshots>,
    /// The opened files, to read records back from.
    pub originals: Originals,
    /// Loads the analyst cancelled.
    pub cancelled: Rc<RefCell<HashSet<u32>>>,
    /// The parsing workers, once started.
    pub pool: Rc<RefCell<PoolState>>,
    /// Every change of the store goes through here (see `analysis`).
    pub gate: StoreGate,
}

/// Whether slices can be parsed in workers.
#[derive(Clone, Default)]
pub enum PoolState {
    #[default]
    Starting,
    Ready(Pool),
    /// Workers could not start: parsing happens on the page's thread.
    Unavailable(String),
}

/// Start the worker pool (once, when the app mounts).
pub fn start_pool(state: Rc<RefCell<PoolState>>) {
    spawn_local(async move {
        let next = match Pool::start().await {
            Ok(pool) => PoolState::Ready(pool),
            Err(why) => {
                web_sys::console::warn_1(&format!("Loupe parses on the page's thread: {why}").into());
                PoolState::Unavailable(why)
            }
        };
        *state.borrow_mut() = next;
    });
}

impl PartialEq for Loader {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.store, &other.store)
    }
}

impl Loader {
    fn start(&self, name: &str) -> u32 {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        self.loads.dispatch(LoadAction::Started { id, name: name.to_string() });
        id
    }

    /// Stop a load in progress: it keeps nothing.
    pub fn cancel(&self, id: u32) {
        self.cancelled.borrow_mut().insert(id);
    }

    /// Load files the analyst picked or dropped, all at once. Evidence is
    /// streamed; the small kinds read whole are told by their first bytes.
    pub fn load_files(&self, files: Vec<web_sys::File>) {
        for file in files {
            let loader = self.clone();
            spawn_local(async move {
                let name = file.name();
                let id = loader.start(&name);
                let blob: web_sys::Blob = file.clone().into();
                let head = match read_range(&blob, 0.0, blob.size().min(HEAD_BYTES)).await {
                    Ok(head) => head,
                    Err(why) => return loader.not_loaded(id, &name, &format!("{name}: {why}")),
                };
                let read_whole = crate::enrich::detect(&head).is_some()
                    || head.windows(10).any(|w| w == b"loupe-case")
                    || crate::tenant::archive::is_zip(&head)
                    || crate::tenant::looks_like_snapshot(&name, &head);
                if !read_whole {
                    // Telling the kind of file apart parses its first bytes
                    // as a log (20-30 ms for JSON), and the stream's first
                    // slice does it again: a paint in between.
                    super::yield_now::to_browser().await;
                    return loader.ingest_stream(id, &name, Input::Blob(blob), None).await;
                }
                match read_file(&file, |p| loader.progress(id, Stage::Reading, p, String::new())).await {
                    // Told apart by content, like evidence layouts.
                    Ok(bytes) if crate::enrich::detect(&bytes).is_some() => loader.load_database(id, &name, bytes).await,
                    Ok(bytes) if crate::case::is_case_document(&bytes) => loader.import_case(id, &name, &bytes),
                    // Before snapshots: a bundle is a zip too.
                    Ok(bytes) if crate::case::bundle::is_bundle(&bytes) => loader.open_bundle(id, &name, &bytes).await,
                    Ok(bytes) if crate::tenant::looks_like_snapshot(&name, &bytes) => loader.load_snapshot(id, &name, &bytes, None),
                    Ok(bytes) => loader.ingest(id, &name, bytes).await,
                    Err(why) => loader.not_loaded(id, &name, &why),
                }
            });
        }
    }

    fn progress(&self, id: u32, stage: Stage, progress: f64, detail: String) {
        self.loads.dispatch(LoadAction::Progress { id, stage, progress, detail });
    }

    /// Fetch a bundled training incident from `samples/{folder}` next to
    /// the page (`folder` is empty or ends in `/`); `on_named` hears the
    /// scenario's name once its manifest is read.
    pub fn load_sample(&self, folder: &'static str, on_named: Callback<String>) {
        let loader = self.clone();
        spawn_local(async move {
            let manifest_path = format!("samples/{folder}manifest.json");
            let manifest = match fetch_bytes(&manifest_path).await.and_then(|b| {
                serde_json::from_slice::<SampleManifest>(&b).map_err(|e| format!("{manifest_path} is not readable: {e}"))
            }) {
                Ok(m) => m,
                Err(why) => {
                    let id = loader.start("sample incident");
                    loader.not_loaded(id, "sample incident", &why);
                    return;
                }
            };
            if !manifest.name.is_empty() {
                on_named.emit(manifest.name.clone());
            }
            use super::state::SnapshotRole;
            let snapshot_files = manifest.snapshots.baseline.into_iter().map(|f| (f, SnapshotRole::Baseline)).chain(manifest.snapshots.current.into_iter().map(|f| (f, SnapshotRole::Current)));
            for (name, role) in snapshot_files {
                let loader = loader.clone();
                spawn_local(async move {
                    let id = loader.start(&name);
                    match fetch_bytes(&format!("samples/{folder}{name}")).await {
                        Ok(bytes) => loader.load_snapshot(id, &name, &bytes, Some(role)),
                        Err(why) => loader.not_loaded(id, &name, &why),
                    }
                });
            }
            for name in manifest.files {
                let loader = loader.clone();
                spawn_local(async move {
                    let id = loader.start(&name);
                    match fetch_bytes(&format!("samples/{folder}{name}")).await {
                        Ok(bytes) => loader.ingest(id, &name, bytes).await,
                        Err(why) => loader.not_loaded(id, &name, &why),
                    }
                });
            }
        });
    }

    /// A tenant configuration export: read into objects and listed in the
    /// configuration view. A name that says "baseline" starts on that side
    /// (the analyst can switch it); anything else is the current state.
    fn load_snapshot(&self, id: u32, name: &str, bytes: &[u8], role: Option<super::state::SnapshotRole>) {
        use super::state::{SnapshotAction, SnapshotFile, SnapshotRole};
        let read = crate::tenant::read::read_file(name, bytes);
        let role = role.unwrap_or(if name.to_lowercase().contains("baseline") { SnapshotRole::Baseline } else { SnapshotRole::Current });
        self.snapshots.dispatch(SnapshotAction::Add(SnapshotFile { id, name: name.to_string(), role, read: Rc::new(read) }));
        self.loads.dispatch(LoadAction::Removed { id, unloaded: false });
    }

    /// A case file opened or dropped: after the analyst agrees, it replaces
    /// the current case. One this build cannot read changes nothing and
    /// says why on its card.
    fn import_case(&self, id: u32, name: &str, bytes: &[u8]) {
        let text = String::from_utf8_lossy(bytes);
        let text = text.trim_start_matches('\u{feff}');
        match crate::case::from_json(text) {
            Ok(case) => {
                let question = format!(
                    "Import the case \"{}\" from {name}? It replaces the current checklist, notes, context and remediation progress (loaded evidence stays).",
                    if case.name.is_empty() { "untitled" } else { case.name.as_str() }
                );
                let agreed = web_sys::window().and_then(|w| w.confirm_with_message(&question).ok()).unwrap_or(false);
                if agreed {
                    self.case.dispatch(crate::case::CaseAction::Import(Box::new(case)));
                    self.loads.dispatch(LoadAction::Removed { id, unloaded: false });
                } else {
                    self.not_loaded(id, name, "A Loupe case file; not imported (the current case was kept).");
                }
            }
            Err(why) => self.not_loaded(id, name, &why),
        }
    }

    /// A case bundle: the case is imported (after asking) and its evidence
    /// loaded under the original files' hashes, one card per file.
    async fn open_bundle(&self, id: u32, name: &str, bytes: &[u8]) {
        let opened = match crate::case::bundle::open(bytes) {
            Ok(opened) => opened,
            Err(why) => return self.not_loaded(id, name, &format!("A Loupe case bundle that cannot be opened: {why}. Nothing was changed.")),
        };
        let question = format!(
            "Open the bundle {name}: import the case \"{}\" (it replaces the current checklist, notes, context and remediation progress) and load its {} evidence file(s)?",
            if opened.case.name.is_empty() { "untitled" } else { opened.case.name.as_str() },
            opened.files.len()
        );
        if !web_sys::window().and_then(|w| w.confirm_with_message(&question).ok()).unwrap_or(false) {
            return self.not_loaded(id, name, "A Loupe case bundle; not opened (the current case was kept).");
        }
        self.case.dispatch(crate::case::CaseAction::Import(Box::new(opened.case)));
        self.loads.dispatch(LoadAction::Removed { id, unloaded: false });
        for (file, content) in opened.files {
            let loader = self.clone();
            spawn_local(async move {
                let id = loader.start(&file.name);
                match content {
                    Ok(bytes) => loader.ingest_as(id, &file.name, bytes, Some(file.sha256)).await,
                    Err(why) => loader.not_loaded(id, &file.name, &why),
                }
            });
        }
    }

    fn not_loaded(&self, id: u32, name: &str, why: &str) {
        let mut report = IngestReport::new(name, b"");
        report.sha256.clear();
        report.unreadable = Some(why.to_string());
        self.loads.dispatch(LoadAction::Finished { id, report: Rc::new(report), loaded: false });
    }

    async fn ingest(&self, id: u32, name: &str, bytes: Vec<u8>) {
        self.ingest_as(id, name, bytes, None).await
    }

    /// Ingest bytes already in memory (samples, bundle entries) under a
    /// known SHA-256 (a bundled file keeps its original's), or hash them.
    async fn ingest_as(&self, id: u32, name: &str, bytes: Vec<u8>, known_sha256: Option<String>) {
        self.ingest_stream(id, name, Input::Bytes(Arc::new(bytes)), known_sha256).await
    }

    /// Stream a file through the slice pipeline into the store: slices go
    /// to the worker pool when there is one, else are parsed here in steps.
    async fn ingest_stream(&self, id: u32, name: &str, input: Input, known_sha256: Option<String>) {
        let _streaming = StreamingLoad::new(&self.streaming);
        while matches!(*self.pool.borrow(), PoolState::Starting) {
            TimeoutFuture::new(20).await;
        }
        let (pool, why_not) = match &*self.pool.borrow() {
            PoolState::Ready(pool) => (Some(pool.clone()), String::new()),
            PoolState::Unavailable(why) => (None, format!(" · on the page's thread ({why})")),
            PoolState::Starting => (None, String::new()),
        };
        // Enough slices per worker that it never waits while the page reads
        // and splits the next piece of the file.
        let in_flight_limit = pool.as_ref().map_or(0, |p| p.size() * SLICES_PER_WORKER);
        let size = input.size();
        // A large file is hashed by a worker of its own, reading the File
        // itself: hashing here would take the page's thread a second per 150 MB.
        let hashing = match (&input, &pool, &known_sha256) {
            (Input::Blob(blob), Some(pool), None) if size > HASH_IN_WORKER_BYTES => pool.hash_file(blob).ok(),
            _ => None,
        };
        let splitter_hash = if hashing.is_some() { Some(String::new()) } else { known_sha256 };
        let mut splitter = Splitter::new(name, PAGE_SLICE_BYTES, splitter_hash);
        let reader = input.reader();
        let mut plan: Option<ParsePlan> = None;
        let mut plan_json = String::new();
        let mut assembler: Option<FileAssembler> = None;
        let mut pending = PendingFile::new();
        let mut keep: Vec<bool> = Vec::new();
        // The rows already in the store while the rest loads.
        let mut shown = ShownSoFar::default();
        let mut queue: VecDeque<Slice> = VecDeque::new();
        let mut in_flight: VecDeque<Pending<Result<super::workers::Parsed, String>>> = VecDeque::new();
        // The text of each slice in flight, in the same order (bytes).
        let mut in_flight_text: VecDeque<usize> = VecDeque::new();
        // The next piece of the file, read while the workers parse.
        let mut reading: Option<Pending<Result<Vec<u8>, String>>> = None;
        let (started, mut step_started) = (js_sys::Date::now(), js_sys::Date::now());
        let (mut offset, mut finished_reading) = (0.0, false);
        let memory_stop = memory_stop_bytes();
        let mut stopped_at: Option<f64> = None;
        let workers = pool.as_ref().map_or(why_not, |p| format!(" · {} worker{}", p.size(), if p.size() == 1 { "" } else { "s" }));
        let mut times = LoadTimes::default();
        let times_started = now();
        let steps_before = super::analysis::step_totals();
        // Whether the store and the deduper were told how many rows to make
        // room for (see `ROOM_AFTER_FRACTION`).
        let mut room_made = false;
        'load: loop {
            if self.cancelled.borrow_mut().remove(&id) || id < self.first_live_id.get() {
                return self.forget_partial_load(shown.file).await;
            }
            if plan.is_none() {
                if let Some(p) = splitter.plan() {
                    assembler = Some(FileAssembler::new(p));
                    plan_json = crate::ingest::stream::wire::plan_to_json(p);
                    plan = Some(p.clone());
                }
            }
            // Slices the workers have finished, in file order.
            while let Some(result) = in_flight.front_mut().and_then(Pending::take_if_ready) {
                in_flight.pop_front();
                in_flight_text.pop_front();
                let parsed = match result {
                    Ok(parsed) => parsed,
                    Err(why) => {
                        self.forget_partial_load(shown.file).await;
                        return self.not_loaded(id, name, &format!("{name}: parsing stopped: {why}"));
                    }
                };
                (times.worker, times.unpack) = (times.worker + parsed.worker_ms, times.unpack + parsed.unpack_ms);
                let absorbing = now();
                // Events go from the worker's bytes into the store's columns
                // without an owned copy of each field in between.
                let taken = crate::ingest::stream::wire::read_output(&parsed.bytes).map(|(output, events)| {
                    let Some(a) = assembler.as_mut() else { return };
                    a.absorb_issues(output);
                    a.keep_batch(&events, &mut self.dedupe.borrow_mut(), &mut keep);
                    pending.push_batch(&events, &keep);
                });
                times.absorb += now() - absorbing;
                if let Err(why) = taken {
                    self.forget_partial_load(shown.file).await;
                    return self.not_loaded(id, name, &format!("{name}: parsing stopped: {why}"));
                }
                if self.after_slice(name, &mut shown, &mut pending, &mut times, memory_stop).await {
                    stopped_at = Some(offset);
                    break 'load;
                }
                self.report_progress(id, offset, size, assembler.as_ref(), started, &workers, &mut step_started, &mut times).await;
                // Bytes read run ahead of rows parsed: the text still with
                // the workers, waiting for them, not yet cut into a slice,
                // and being read.
                let reading_now = if reading.is_some() { STREAM_READ } else { 0.0 };
                let unparsed = || (in_flight_text.iter().sum::<usize>() + queue.iter().map(|s| s.text.len()).sum::<usize>() + splitter.text_waiting()) as f64 + reading_now;
                let room_wanted = !room_made && size >= ROOM_FROM_BYTES && offset >= (size / ROOM_AFTER_FRACTION).max(ROOM_AFTER_BYTES);
                if room_wanted && unparsed() <= offset * MAX_UNPARSED_SHARE {
                    room_made = true;
                    let rows_so_far = assembler.as_ref().map_or(0, FileAssembler::rows_ok) as f64;
                    let parsed = offset - unparsed();
                    let more = (ROOM_MARGIN * rows_so_far * (size - parsed) / parsed.max(1.0)) as usize;
                    // A table at a time: making one for millions of ids
                    // alone took 82 ms.
                    for table in 0..crate::ingest::DEDUPE_TABLES {
                        self.dedupe.borrow_mut().expect_in_table(table, more);
                        self.to_browser(&mut times).await;
                    }
                    let not_merged_yet = (rows_so_far as usize).saturating_sub(shown.rows);
                    // Another file streaming in made room for its own rows
                    // already: this one's go on top (room made only up to
                    // this file's rows was used up by the other's, and the
                    // columns then doubled, copying every row in one task).
                    let room_from = {
                        let store = self.store.borrow();
                        if self.streaming.get() > 1 { store.row_capacity() } else { store.len() }
                    };
                    let total = room_from + not_merged_yet + more;
                    // And the store's columns a few at a time (86 ms at once
                    // for 750,000 rows).
                    for step in 0..crate::store::ROOM_STEPS {
                        while !self.gate.change(&self.store, |store| store.expect_rows_in_step(total, step)).await {
                            self.to_browser(&mut times).await;
                        }
                        self.to_browser(&mut times).await;
                    }
                }
            }
            match (&pool, &plan, assembler.as_mut()) {
                (Some(pool), Some(_), _) => {
                    while in_flight.len() < in_flight_limit {
                        let Some(slice) = queue.pop_front() else { break };
                        in_flight_text.push_back(slice.text.len());
                        in_flight.push_back(Pending::new(pool.parse(&plan_json, slice)));
                    }
                }
                // No workers: parse one slice here, then see to the rest.
                (None, Some(p), Some(a)) if !queue.is_empty() => {
                    if let Some(slice) = queue.pop_front() {
                        let parsing = now();
                        a.absorb(parse_slice(p, &slice), &mut self.dedupe.borrow_mut(), |e| pending.push(e));
                        times.absorb += now() - parsing;
                    }
                    if self.after_slice(name, &mut shown, &mut pending, &mut times, memory_stop).await {
                        stopped_at = Some(offset);
                        break 'load;
                    }
                    self.report_progress(id, offset, size, assembler.as_ref(), started, &workers, &mut step_started, &mut times).await;
                    continue;
                }
                _ => {}
            }
            // Keep a read going while little text waits for the workers.
            let waiting_text: usize = queue.iter().map(|s| s.text.len()).sum();
            if reading.is_none() && offset < size && waiting_text < READ_AHEAD_BYTES {
                let end = (offset + STREAM_READ).min(size);
                reading = Some(Pending::new(reader.read(offset, end)));
                offset = end;
            }
            if let Some(read) = reading.as_mut().and_then(Pending::take_if_ready) {
                reading = None;
                let bytes = match read {
                    Ok(bytes) => bytes,
                    Err(why) => return self.not_loaded(id, name, &format!("{name}: {why}")),
                };
                for part in bytes.chunks(PAGE_PUSH_BYTES) {
                    let splitting = now();
                    let pushed = splitter.push(part);
                    times.split += now() - splitting;
                    match pushed {
                        Ok(slices) => queue.extend(slices),
                        Err(report) => return self.loads.dispatch(LoadAction::Finished { id, report: Rc::new(*report), loaded: false }),
                    }
                    self.pause_if_due(&mut step_started, &mut times).await;
                }
                continue;
            }
            if reading.is_none() && offset >= size && !finished_reading {
                finished_reading = true;
                match splitter.finish() {
                    Ok(slices) => queue.extend(slices),
                    Err(report) => return self.loads.dispatch(LoadAction::Finished { id, report: Rc::new(*report), loaded: false }),
                }
                continue;
            }
            if finished_reading && queue.is_empty() && in_flight.is_empty() {
                break;
            }
            // Nothing to do until a worker answers or the read completes.
            let waited = now();
            Pending::first_of(in_flight.front_mut(), reading.as_mut()).await;
            let wait = now() - waited;
            times.waiting += wait;
            // A wait that ended a microtask later (a promise that had
            // settled) gave the browser nothing: the step goes on counting.
            if wait > SAME_TASK_WAIT_MS {
                step_started = js_sys::Date::now();
            }
        }
        let unpacked = splitter.take_unpacked();
        let splitter_report = if stopped_at.is_some() { splitter.stop_early() } else { splitter.into_report() };
        let mut report = match assembler {
            Some(a) => a.finish(splitter_report),
            None => splitter_report,
        };
        let hashed = if hashing.is_some() { "of the whole file" } else { "of the part read" };
        if let Some(job) = hashing {
            let waited = now();
            match job.result().await {
                Ok(sha256) => report.sha256 = sha256,
                Err(why) => report.notes.push(format!("The file's SHA-256 could not be computed ({why}).")),
            }
            times.hash_wait = now() - waited;
        }
        if let Some(read) = stopped_at {
            let mb = |b: f64| (b / 1_048_576.0).round();
            report.notes.insert(0, format!(
                "Stopped after {} MB of {} MB ({} events kept): this browser tab cannot hold more of this export. The events loaded so far are usable. For the rest, load a narrower export (fewer days or accounts) or use the command line (loupe summary / timeline / findings), which streams files of any size. The SHA-256 shown is {hashed}.",
                mb(read), mb(size), report.rows_ok
            ));
        }
        if self.store.borrow().files().iter().any(|f| f.report.sha256 == report.sha256) {
            let mut report = report;
            report.unreadable = Some(format!("{name} is already loaded (same SHA-256); skipped so its events are not counted twice."));
            self.forget_partial_load(shown.file).await;
            self.loads.dispatch(LoadAction::Finished { id, report: Rc::new(report), loaded: false });
            return;
        }
        let (original, blob) = match (unpacked, input) {
            (Some(bytes), _) => (Original::Bytes(Arc::new(bytes)), None),
            (None, Input::Bytes(bytes)) => (Original::Bytes(bytes), None),
            (None, Input::Blob(blob)) => (Original::Elsewhere, Some(blob)),
        };
        let entry = FileEntry::from_report(&report, now_ms());
        let source = FileSource::new(original, plan.as_ref());
        self.prepare_merge(&pending).await;
        let storing = now();
        let file = self
            .gate
            .change(&self.store, |store| {
                super::analysis::timed("store takes the file", || {
                    let file = match shown.file {
                        Some(file) => {
                            store.extend_file(file, pending);
                            store.finish_file(file, report.clone(), source);
                            file
                        }
                        None => store.add_loading(report.clone(), source, pending),
                    };
                    if self.streaming.get() == 1 {
                        store.release_spare_room();
                    }
                    file
                })
            })
            .await;
        if let (Some(pool), 1) = (&pool, self.streaming.get()) {
            pool.forget_spare_buffers();
        }
        times.store = now() - storing;
        times.total = now() - times_started;
        // What else the page did meanwhile: the steps redone as rows came in.
        let mut during: Vec<(String, f64, u32)> = super::analysis::step_totals()
            .into_iter()
            .map(|(step, total, runs)| {
                let (took, ran) = steps_before.iter().find(|(s, _, _)| *s == step).map_or((0.0, 0), |(_, t, r)| (*t, *r));
                (step, total - took, runs - ran)
            })
            .filter(|(_, _, runs)| *runs > 0)
            .collect();
        during.sort_by(|a, b| b.1.total_cmp(&a.1));
        let steps: Vec<String> = during.iter().take(10).map(|(step, took, runs)| format!("{step} {runs}× {took:.0}")).collect();
        web_sys::console::debug_1(&format!("loupe: load timings {name}: {}; meanwhile on the page: {}", times.summary(), steps.join(", ")).into());
        if let Some(blob) = blob {
            self.originals.insert(file, blob);
        }
        self.loads.dispatch(LoadAction::Finished { id, report: Rc::new(report), loaded: true });
        self.case.dispatch(CaseAction::FileLoaded(entry));
    }

    /// After a slice's events were taken: show rows if a part is due;
    /// true when the tab's memory says the load must stop here.
    async fn after_slice(&self, name: &str, shown: &mut ShownSoFar, pending: &mut PendingFile, times: &mut LoadTimes, memory_stop: f64) -> bool {
        let showing = now();
        self.show_rows_so_far(name, shown, pending).await;
        times.show += now() - showing;
        wasm_memory_bytes() > memory_stop
    }

    /// Show how far the load is (a few times a second), and yield when the
    /// step has run long enough.
    #[allow(clippy::too_many_arguments)]
    async fn report_progress(&self, id: u32, offset: f64, size: f64, assembler: Option<&FileAssembler>, started: f64, workers: &str, step_started: &mut f64, times: &mut LoadTimes) {
        // The whole page redraws on a progress change: a few times a second
        // is enough. (Not only after a long step: once the page's steps got
        // short, a whole load could pass without a word on its card.)
        if js_sys::Date::now() - times.progress_shown > PROGRESS_EVERY_MS {
            let events = assembler.map_or(0, FileAssembler::rows_ok);
            let detail = progress_detail(offset, size, events, js_sys::Date::now() - started) + workers;
            // The redraw runs in the task that asks for it, once this one
            // gives way: a task of its own, between two of the load's.
            self.to_browser(times).await;
            self.progress(id, Stage::Parsing, offset / size.max(1.0), detail);
            times.progress_shown = js_sys::Date::now();
            self.to_browser(times).await;
            *step_started = js_sys::Date::now();
        }
        self.pause_if_due(step_started, times).await;
    }

    /// Yield to the browser when the current step has run long enough.
    async fn pause_if_due(&self, step_started: &mut f64, times: &mut LoadTimes) {
        if js_sys::Date::now() - *step_started > STEP_MS {
            self.to_browser(times).await;
            *step_started = js_sys::Date::now();
        }
    }

    async fn to_browser(&self, times: &mut LoadTimes) {
        let yielded = now();
        super::yield_now::to_browser().await;
        times.yielded += now() - yielded;
    }

    /// Put the rows read so far into the store, so that the analyst works
    /// with them while the rest loads. Each part is as large as all the
    /// parts before it, up to `LARGEST_PART_ROWS`: a part out of time order
    /// with the rows before it re-sorts the store, so a file of n rows in no
    /// order costs about log2(n / FIRST_ROWS_SHOWN) re-sorts until parts
    /// reach that size. Files in time order (either way round) move rows
    /// without sorting, and a bounded part keeps that move one short task.
    async fn show_rows_so_far(&self, name: &str, shown: &mut ShownSoFar, pending: &mut PendingFile) {
        if pending.len() < FIRST_ROWS_SHOWN.max(shown.rows).min(LARGEST_PART_ROWS) {
            return;
        }
        let part = std::mem::replace(pending, PendingFile::new());
        self.prepare_merge(&part).await;
        let rows = part.len();
        let file = match shown.file {
            Some(file) => {
                self.gate.change(&self.store, |store| store.extend_file(file, part)).await;
                file
            }
            None => {
                let report = IngestReport { file: name.to_string(), ..IngestReport::default() };
                self.gate.change(&self.store, |store| store.add_loading(report, FileSource::default(), part)).await
            }
        };
        *shown = ShownSoFar { file: Some(file), rows: shown.rows + rows };
        // The page redraws on the new rows in a task of its own, not on top
        // of the merge that just ran.
        super::yield_now::to_browser().await;
        self.loads.dispatch(LoadAction::RowsShown);
        // And the load goes on in the task after the redraw's.
        super::yield_now::to_browser().await;
    }

    /// Look a part's strings up in the store in steps of `STEP_MS` before
    /// it is merged, so that the merge itself only renumbers rows (see
    /// `EventStore::prepare_part`).
    async fn prepare_merge(&self, part: &PendingFile) {
        // The first step starts a task of its own, not the end of the
        // slice's that made the part due.
        super::yield_now::to_browser().await;
        loop {
            let started = js_sys::Date::now();
            let done = self
                .gate
                .change(&self.store, |store| loop {
                    if store.prepare_part(part, PREPARE_STRINGS) {
                        break true;
                    }
                    if js_sys::Date::now() - started > STEP_MS {
                        break false;
                    }
                })
                .await;
            // The merge that follows is a task of its own.
            super::yield_now::to_browser().await;
            if done {
                return;
            }
        }
    }

    /// A load that stops partway must leave nothing behind: rows already
    /// shown leave the store, and its record ids are forgotten.
    async fn forget_partial_load(&self, shown: Option<FileId>) {
        if let Some(file) = shown {
            self.gate.change(&self.store, |store| store.remove_file(file)).await;
            self.loads.dispatch(LoadAction::RowsShown);
        }
        let store = self.store.borrow();
        let mut fresh = Deduper::default();
        for row in 0..store.len() as u32 {
            fresh.first_time(store.source(row), store.record_id(row));
        }
        *self.dedupe.borrow_mut() = fresh;
    }
}

/// One file streaming in, counted in `Loader::streaming` for as long as
/// it lives (every way out of a load drops it).
struct StreamingLoad(Rc<Cell<usize>>);

impl StreamingLoad {
    fn new(count: &Rc<Cell<usize>>) -> StreamingLoad {
        count.set(count.get() + 1);
        StreamingLoad(count.clone())
    }
}

impl Drop for StreamingLoad {
    fn drop(&mut self) {
        self.0.set(self.0.get().saturating_sub(1));
    }
}

/// Where a load's time went on the page's thread (and in the workers), in
/// ms; logged at the end of each load for `make bench-browser`.
#[derive(Default)]
struct LoadTimes {
    total: f64,
    split: f64,
    waiting: f64,
    unpack: f64,
    absorb: f64,
    show: f64,
    store: f64,
    worker: f64,
    /// Handed back to the browser (painting, input, other tasks).
    yielded: f64,
    /// Waiting at the end for the hashing worker.
    hash_wait: f64,
    /// When the file's card last showed progress (`Date.now()`).
    progress_shown: f64,
}

impl LoadTimes {
    fn summary(&self) -> String {
        format!(
            "total {:.0} ms; page: split+hash {:.0}, unpack {:.0}, absorb+intern {:.0}, rows shown {:.0}, last merge {:.0}, yielded to the browser {:.0}, idle waiting for workers or the file {:.0}, for the hash {:.0}; workers parsing {:.0}",
            self.total, self.split, self.unpack, self.absorb, self.show, self.store, self.yielded, self.waiting, self.hash_wait, self.worker
        )
    }
}

/// Rows a loading file shows before the rest has been read: a first part
/// soon, then parts as large as all before them.
const FIRST_ROWS_SHOWN: usize = 20_000;
/// A part's strings are looked up in steps before its merge
/// (`prepare_merge`), but the merge still renumbers and appends each of its
/// rows in one task: 100,000-row parts made that 30–50 ms in wasm, 50,000
/// about half.
const LARGEST_PART_ROWS: usize = 50_000;

/// A loading file's rows already in the store.
#[derive(Default)]
struct ShownSoFar {
    file: Option<FileId>,
    rows: usize,
}

/// Bytes of wasm memory in use (it only grows).
fn wasm_memory_bytes() -> f64 {
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map(|m| js_sys::ArrayBuffer::from(m.buffer()).byte_length() as f64)
        .unwrap_or(0.0)
}

/// The memory at which a load stops; a test may lower it through
/// `window.__loupeMemoryStopBytes` to see the stop without a 4 GB file.
fn memory_stop_bytes() -> f64 {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &"__loupeMemoryStopBytes".into()).ok())
        .and_then(|v| v.as_f64())
        .unwrap_or(MEMORY_STOP_BYTES)
}

/// A future polled without waiting: its value is kept once it is ready,
/// so the load loop can look at several and wait for the first.
struct Pending<T> {
    future: Pin<Box<dyn Future<Output = T>>>,
    value: Option<T>,
}

impl<T> Pending<T> {
    /// Starts the future at once (a first poll): a promise it waits on is
    /// then watched from now, and its value is in hand the moment the
    /// promise settles. Polled first only when the load looks for it, a
    /// promise settled long before is seen one microtask later, and the
    /// load went on in that microtask, in the same browser task: chains
    /// of 8 ms steps made tasks of 50–114 ms.
    fn new(future: impl Future<Output = T> + 'static) -> Pending<T> {
        let mut pending = Pending { future: Box::pin(future), value: None };
        pending.poll_ready(&mut std::task::Context::from_waker(std::task::Waker::noop()));
        pending
    }

    fn poll_ready(&mut self, cx: &mut std::task::Context<'_>) -> bool {
        if self.value.is_none() {
            if let std::task::Poll::Ready(value) = self.future.as_mut().poll(cx) {
                self.value = Some(value);
            }
        }
        self.value.is_some()
    }

    /// The value, if the future has finished (it is not waited for).
    fn take_if_ready(&mut self) -> Option<T> {
        self.poll_ready(&mut std::task::Context::from_waker(std::task::Waker::noop()));
        self.value.take()
    }

    /// Wait until either has a value (returns at once when neither exists).
    async fn first_of<U>(mut a: Option<&mut Pending<T>>, mut b: Option<&mut Pending<U>>) {
        std::future::poll_fn(|cx| {
            let a_ready = a.as_mut().is_some_and(|p| p.poll_ready(cx));
            let b_ready = b.as_mut().is_some_and(|p| p.poll_ready(cx));
            if a_ready || b_ready || (a.is_none() && b.is_none()) {
                std::task::Poll::Ready(())
            } else {
                std::task::Poll::Pending
            }
        })
        .await
    }
}

/// Where an evidence file's bytes come from.
#[derive(Clone)]
enum Input {
    /// A file the analyst opened: read a range at a time.
    Blob(web_sys::Blob),
    /// Bytes the page already holds (a sample, a bundle entry).
    Bytes(Arc<Vec<u8>>),
}

impl Input {
    fn size(&self) -> f64 {
        match self {
            Input::Blob(blob) => blob.size(),
            Input::Bytes(bytes) => bytes.len() as f64,
        }
    }

    /// What reads its bytes in order, for one load.
    fn reader(&self) -> Reader {
        match self {
            Input::Blob(blob) => Reader::File(FileStream::new(blob)),
            Input::Bytes(bytes) => Reader::Bytes(bytes.clone()),
        }
    }
}

/// Reads one load's `Input` front to back (a file through its byte stream).
#[derive(Clone)]
enum Reader {
    File(FileStream),
    Bytes(Arc<Vec<u8>>),
}

impl Reader {
    /// Bytes `start..end`; the read runs while the caller does other work.
    fn read(&self, start: f64, end: f64) -> impl Future<Output = Result<Vec<u8>, String>> + 'static {
        let reader = self.clone();
        async move {
            match reader {
                Reader::File(stream) => stream.read(start, end).await,
                Reader::Bytes(bytes) => Ok(bytes.get(start as usize..end as usize).unwrap_or_default().to_vec()),
            }
        }
    }
}

/// "312 MB of 1.1 GB · 1,204,000 events · 38 MB/s · about 20 s left"
fn progress_detail(read: f64, size: f64, events: u64, elapsed_ms: f64) -> String {
    let mb = |b: f64| b / 1_048_576.0;
    let rate = mb(read) / (elapsed_ms / 1000.0).max(0.001);
    let left = if rate > 0.0 { (mb(size - read) / rate).ceil() } else { 0.0 };
    format!("{:.0} MB of {:.0} MB · {} events · {:.0} MB/s · about {} s left", mb(read), mb(size), super::format::thousands(events), rate, left)
}

impl Loader {
    /// Read an IP database in time slices, then use it for every row's
    /// missing location. Databases are reference data, not evidence: they
    /// are not hashed into the case's file list and outlive "New case".
    async fn load_database(&self, id: u32, name: &str, bytes: Vec<u8>) {
        let mut parser = match DbParser::open(name, bytes) {
            Ok(parser) => parser,
            Err(why) => return self.not_loaded(id, name, &why),
        };
        loop {
            let slice_start = js_sys::Date::now();
            let mut more = true;
            while more && js_sys::Date::now() - slice_start < PARSE_SLICE_MS {
                more = parser.step(DB_STEP_ROWS);
            }
            self.progress(id, Stage::Parsing, parser.progress(), String::new());
            if !more {
                break;
            }
            super::yield_now::to_browser().await;
        }
        let database = parser.finish();
        let mut enrichment = self.store.borrow().enrichment().clone();
        enrichment.add(database);
        self.gate.change(&self.store, |store| store.set_enrichment(enrichment)).await;
        self.loads.dispatch(LoadAction::DatabasesChanged { finished_load: Some(id) });
    }
}

/// Database rows per `DbParser::step` call inside a time slice.
const DB_STEP_ROWS: usize = 4096;

#[derive(Deserialize)]
struct SampleManifest {
    #[serde(default)]
    name: String,
    files: Vec<String>,
    #[serde(default)]
    snapshots: SampleSnapshots,
}

/// The configuration exports a training incident ships, by side.
#[derive(Deserialize, Default)]
struct SampleSnapshots {
    #[serde(default)]
    baseline: Vec<String>,
    #[serde(default)]
    current: Vec<String>,
}

/// Read a `File` slice by slice, reporting the share read.
async fn read_file(file: &web_sys::File, progress: impl Fn(f64)) -> Result<Vec<u8>, String> {
    let size = file.size();
    let mut bytes = Vec::with_capacity(size as usize);
    let mut offset = 0.0;
    while offset < size {
        let end = (offset + READ_SLICE).min(size);
        let slice = file.slice_with_f64_and_f64(offset, end).map_err(|_| format!("{} could not be sliced for reading", file.name()))?;
        let buffer = JsFuture::from(slice.array_buffer()).await.map_err(|_| format!("{} could not be read (was it moved or deleted?)", file.name()))?;
        bytes.extend_from_slice(&js_sys::Uint8Array::new(&buffer).to_vec());
        offset = end;
        progress(offset / size);
    }
    Ok(bytes)
}

/// A file next to the page: from the page itself when it carries it (the
/// single-file build, see `embedded`), otherwise fetched.
async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    if let Some(embedded) = super::embedded::file(url) {
        return embedded;
    }
    let window = web_sys::window().ok_or("no window")?;
    let response = JsFuture::from(window.fetch_with_str(url)).await.map_err(|_| format!("{url} could not be fetched"))?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| format!("{url}: unexpected fetch result"))?;
    if !response.ok() {
        return Err(format!("{url} could not be fetched (HTTP {})", response.status()));
    }
    let buffer = response.array_buffer().map_err(|_| format!("{url} has no body"))?;
    let buffer = JsFuture::from(buffer).await.map_err(|_| format!("{url} could not be read"))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// A file of a bundled training incident (`folder` as `load_sample` takes
/// it), e.g. its `answer_key.json` for exercise mode.
pub async fn fetch_sample_file(folder: &str, name: &str) -> Result<Vec<u8>, String> {
    fetch_bytes(&format!("samples/{folder}{name}")).await
}
