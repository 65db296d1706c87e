//! Getting evidence into the store without freezing the page: files are read
//! in slices with progress, then parsed in short time slices that yield to
//! the browser between them, so several files can load at once and the page
//! keeps answering. (A Web Worker would free the main thread entirely; time
//! slicing keeps the store in one place and is enough for exports of a few
//! hundred MB.)

use super::format::now_ms;
use super::state::{CaseState, LoadAction, Loads, Stage};
use crate::case::{CaseAction, FileEntry};
use crate::enrich::DbParser;
use crate::ingest::{hex, Deduper, FileIngest, IngestReport};
use crate::store::{EventStore, PendingFile};
use gloo::timers::future::TimeoutFuture;
use serde::Deserialize;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use yew::{Callback, UseReducerDispatcher};

/// Bytes read per slice of a `File`.
const READ_SLICE: f64 = 8.0 * 1024.0 * 1024.0;
/// Parse for about this long before letting the browser paint and handle input.
const PARSE_SLICE_MS: f64 = 25.0;
/// Records per `FileIngest::step` call inside a time slice.
const STEP_RECORDS: usize = 256;

/// Everything a load needs, cheap to clone into each async task.
#[derive(Clone)]
pub struct Loader {
    pub store: Rc<RefCell<EventStore>>,
    pub dedupe: Rc<RefCell<Deduper>>,
    pub next_id: Rc<Cell<u32>>,
    /// Loads with a smaller id belong to a case the analyst has since
    /// cleared ("New case"); their events are dropped when they finish.
    pub first_live_id: Rc<Cell<u32>>,
    pub loads: UseReducerDispatcher<Loads>,
    pub case: UseReducerDispatcher<CaseState>,
    pub snapshots: UseReducerDispatcher<super::state::Snapshots>,
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

    /// Load files the analyst picked or dropped, all at once.
    pub fn load_files(&self, files: Vec<web_sys::File>) {
        for file in files {
            let loader = self.clone();
            spawn_local(async move {
                let name = file.name();
                let id = loader.start(&name);
                match read_file(&file, |p| loader.loads.dispatch(LoadAction::Progress { id, stage: Stage::Reading, progress: p })).await {
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

    /// Ingest under a known SHA-256 (a bundled file keeps its original's),
    /// or hash the bytes.
    async fn ingest_as(&self, id: u32, name: &str, bytes: Vec<u8>, known_sha256: Option<String>) {
        let sha256 = match known_sha256 {
            Some(sha) => Some(sha),
            None => native_sha256(&bytes).await,
        };
        let mut job = match FileIngest::open_hashed(name, bytes, sha256) {
            Ok(job) => job,
            Err(report) => {
                self.loads.dispatch(LoadAction::Finished { id, report: Rc::new(*report), loaded: false });
                return;
            }
        };
        let sha = job.report().sha256.clone();
        if self.store.borrow().files().iter().any(|f| f.report.sha256 == sha) {
            let mut report = job.report().clone();
            report.unreadable = Some(format!("{name} is already loaded (same SHA-256); skipped so its events are not counted twice."));
            self.loads.dispatch(LoadAction::Finished { id, report: Rc::new(report), loaded: false });
            return;
        }
        let (mut batch, mut pending) = (Vec::new(), PendingFile::new());
        loop {
            if id < self.first_live_id.get() {
                return; // "New case" while this file was loading
            }
            let slice_start = js_sys::Date::now();
            let mut more = true;
            while more && js_sys::Date::now() - slice_start < PARSE_SLICE_MS {
                more = job.step(STEP_RECORDS, &mut self.dedupe.borrow_mut(), &mut batch);
                pending.extend(batch.drain(..));
            }
            self.loads.dispatch(LoadAction::Progress { id, stage: Stage::Parsing, progress: job.progress() });
            if !more {
                break;
            }
            TimeoutFuture::new(0).await;
        }
        let (report, text) = job.finish();
        let entry = FileEntry::from_report(&report, now_ms());
        self.store.borrow_mut().add_pending(report.clone(), text, pending);
        self.loads.dispatch(LoadAction::Finished { id, report: Rc::new(report), loaded: true });
        self.case.dispatch(CaseAction::FileLoaded(entry));
    }
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
            self.loads.dispatch(LoadAction::Progress { id, stage: Stage::Parsing, progress: parser.progress() });
            if !more {
                break;
            }
            TimeoutFuture::new(0).await;
        }
        let database = parser.finish();
        let mut enrichment = self.store.borrow().enrichment().clone();
        enrichment.add(database);
        self.store.borrow_mut().set_enrichment(enrichment);
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

/// SHA-256 by the browser's own SubtleCrypto (about 20 s for 200 MB in wasm,
/// well under a second natively, and it does not block the page). `None`
/// where SubtleCrypto is missing (no secure context); the core then hashes.
async fn native_sha256(bytes: &[u8]) -> Option<String> {
    let subtle = web_sys::window()?.crypto().ok()?.subtle();
    let promise = subtle.digest_with_str_and_u8_array("SHA-256", bytes).ok()?;
    let digest = JsFuture::from(promise).await.ok()?;
    Some(hex(&js_sys::Uint8Array::new(&digest).to_vec()))
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
