//! Parsing off the page's thread: a pool of Web Workers, each running this
//! same wasm module, parses slices (`ingest::stream::parse_slice`) and hands
//! back the events as bytes (`ingest::stream::wire`), transferred, not copied.
//!
//! A worker is made from a `blob:` URL holding the wasm-bindgen glue and a
//! few lines that answer messages, so the same code works served and in the
//! single file opened from disk; the compiled `WebAssembly.Module` is posted
//! to it, so nothing is fetched. The glue's text comes from the page: the
//! single file carries it in a data block (`#loupe-glue`), the served build
//! reads it from its own origin (the URL boot.js was given).
//!
//! Where workers cannot start (an old browser, a policy that forbids them),
//! `Pool::start` says why and the loader parses on the page's thread.

use super::file_stream::FileStream;
use crate::ingest::stream::{parse_slice, wire, ParsePlan, Slice};
use js_sys::{Array, Object, Reflect, Uint8Array};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// What a worker runs: the glue's `initSync` with the posted module, then
/// each message's slice through `loupe_parse_slice`.
const WORKER_MAIN: &str = r#"
self.onmessage = (event) => {
  const m = event.data;
  if (m.module) {
    initSync({ module: m.module });
    self.postMessage({ ready: true });
    return;
  }
  if (m.hash) {
    loupe_hash_file(m.hash).then(
      (out) => self.postMessage({ job: m.job, out }),
      (e) => self.postMessage({ job: m.job, error: String(e) }));
    return;
  }
  try {
    const started = performance.now();
    const out = loupe_parse_slice(m.plan, m.meta, m.text);
    // The slice's buffer goes back too: the page copies the next slice into
    // it rather than into new memory.
    self.postMessage({ job: m.job, out, ms: performance.now() - started, text: m.text }, [out.buffer, m.text.buffer]);
  } catch (e) {
    self.postMessage({ job: m.job, error: String(e) });
  }
};
"#;

/// Runs inside a hashing worker (`Pool::hash_file`): the file's SHA-256,
/// read from the `File` there, so the page never sees its bytes, through
/// its byte stream into one reused buffer (`FileStream`).
#[wasm_bindgen]
pub async fn loupe_hash_file(file: web_sys::Blob) -> Result<String, JsValue> {
    let stream = FileStream::new(&file);
    let mut hasher = FileHasher::new();
    let size = file.size();
    let mut at = 0.0;
    while at < size {
        let piece = stream.read(at, (at + HASH_PIECE_BYTES).min(size)).await.map_err(|e| JsValue::from_str(&e))?;
        if piece.is_empty() {
            return Err(JsValue::from_str("the file ended before its size (was it changed while loading?)"));
        }
        hasher.update(&piece);
        at += piece.len() as f64;
    }
    Ok(hasher.finish())
}

/// How much of a file the hashing worker reads at a time.
const HASH_PIECE_BYTES: f64 = 8.0 * 1024.0 * 1024.0;

/// SHA-256 of a file read piece by piece (`loupe_hash_file`; the
/// benchmarks call it from JavaScript).
#[wasm_bindgen]
pub struct FileHasher(sha2::Sha256);

#[wasm_bindgen]
impl FileHasher {
    #[wasm_bindgen(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> FileHasher {
        FileHasher(sha2::Digest::new())
    }

    pub fn update(&mut self, piece: &[u8]) {
        sha2::Digest::update(&mut self.0, piece);
    }

    /// The hash in lower-case hex.
    pub fn finish(self) -> String {
        crate::ingest::hex(&sha2::Digest::finalize(self.0))
    }
}

thread_local! {
    /// The plan of the file being parsed, decoded once per file.
    static PLAN: RefCell<Option<(String, ParsePlan)>> = const { RefCell::new(None) };
}

/// Runs inside a worker: parse one slice, return its result as bytes.
#[wasm_bindgen]
pub fn loupe_parse_slice(plan: &str, meta: &str, text: Vec<u8>) -> Result<Vec<u8>, JsValue> {
    let meta: wire::SliceMeta = serde_json::from_str(meta).map_err(|e| JsValue::from_str(&format!("bad slice: {e}")))?;
    let text = String::from_utf8(text).map_err(|_| JsValue::from_str("slice text is not UTF-8"))?;
    PLAN.with(|cell| {
        let mut cached = cell.borrow_mut();
        if cached.as_ref().map(|(json, _)| json.as_str()) != Some(plan) {
            let parsed = wire::plan_from_json(plan).map_err(|e| JsValue::from_str(&e))?;
            *cached = Some((plan.to_string(), parsed));
        }
        let (_, parsed) = cached.as_ref().ok_or_else(|| JsValue::from_str("no plan"))?;
        Ok(wire::output_to_bytes(&parse_slice(parsed, &meta.into_slice(text))))
    })
}

/// For benchmarks only (`scripts/bench-worker.mjs`, in Node): what one
/// worker does to a whole file (`ingest::stream::one_worker`), timed here
/// so the copy of the file into wasm is not counted. Returns
/// `[slices, milliseconds]`.
#[wasm_bindgen]
pub fn loupe_bench_one_worker(name: &str, bytes: &[u8]) -> Result<Vec<f64>, JsValue> {
    use crate::ingest::stream::one_worker;
    let (plan, slices) = one_worker::slices_of(name, bytes).map_err(|e| JsValue::from_str(&e))?;
    let started = js_sys::Date::now();
    one_worker::parse_all(&plan, &slices);
    Ok(vec![slices.len() as f64, js_sys::Date::now() - started])
}

/// For the web build's test in Node (`tests/e2e/wasm_scans.test.mjs`): how
/// the build's SIMD128 scans disagree with the portable ones, or "" when
/// they agree. `cargo test` runs the same check natively, on SSE2.
#[wasm_bindgen]
pub fn loupe_check_vector_scans() -> String {
    crate::ingest::stream::vector_check::vector_scans_disagree().unwrap_or_default()
}

/// A slice parsed in a worker.
pub struct Parsed {
    /// The slice's result as `wire` bytes (read with `wire::read_output`).
    pub bytes: Vec<u8>,
    /// Time the worker spent parsing it.
    pub worker_ms: f64,
    /// Time the page spent taking its answer in.
    pub unpack_ms: f64,
}

/// A clock with sub-millisecond resolution (`performance.now()`).
pub fn now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or_else(js_sys::Date::now, |p| p.now())
}

/// Jobs sent and not yet answered, by job number: the promise's resolver.
type Waiting = Rc<RefCell<HashMap<u32, (js_sys::Function, js_sys::Function)>>>;

/// Buffers for slices' text, handed to a worker and given back with its
/// answer (see `Pool::spare_text`).
#[derive(Clone, Default)]
struct SpareBuffers(Rc<RefCell<Vec<js_sys::ArrayBuffer>>>);

/// More than the slices in flight at once never come back at the same time.
const MOST_SPARE_BUFFERS: usize = 64;

/// New buffers are made in these steps, so a slice a little longer than
/// the usual fits the next one given back.
const SPARE_BUFFER_STEP: u32 = 256 * 1024;

impl SpareBuffers {
    /// A buffer of at least `len` bytes, used before if one is free.
    fn take(&self, len: u32) -> js_sys::ArrayBuffer {
        let mut spare = self.0.borrow_mut();
        match spare.iter().position(|b| b.byte_length() >= len) {
            Some(at) => spare.swap_remove(at),
            None => js_sys::ArrayBuffer::new(len.div_ceil(SPARE_BUFFER_STEP).max(1) * SPARE_BUFFER_STEP),
        }
    }

    /// A buffer back from a worker (`text` of its answer), if it sent one.
    fn give_back(&self, answer: &JsValue) {
        let Some(text) = Reflect::get(answer, &"text".into()).ok().and_then(|t| t.dyn_into::<Uint8Array>().ok()) else { return };
        let mut spare = self.0.borrow_mut();
        if spare.len() < MOST_SPARE_BUFFERS {
            spare.push(text.buffer());
        }
    }
}

struct Member {
    worker: web_sys::Worker,
    busy: Rc<RefCell<u32>>,
    /// Kept alive for as long as the worker answers.
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
}

/// The worker pool; cheap to clone.
#[derive(Clone)]
pub struct Pool {
    members: Rc<Vec<Member>>,
    waiting: Waiting,
    next_job: Rc<RefCell<u32>>,
    /// Slice buffers the workers gave back, to copy the next slices into:
    /// a new buffer per slice cost the page ten times the copy itself.
    spare_text: SpareBuffers,
    /// The workers' script, kept to start a hashing worker per file.
    script_url: Rc<String>,
}

/// A worker hashing one file; dropping it stops the work.
pub struct HashJob {
    worker: web_sys::Worker,
    answer: js_sys::Promise,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
}

impl HashJob {
    /// The file's SHA-256 in hex.
    pub async fn result(&self) -> Result<String, String> {
        let answer = JsFuture::from(self.answer.clone()).await.map_err(|e| format!("hashing failed: {}", e.as_string().unwrap_or_default()))?;
        match Reflect::get(&answer, &"error".into()) {
            Ok(error) if !error.is_undefined() => Err(format!("hashing failed: {}", error.as_string().unwrap_or_default())),
            _ => Reflect::get(&answer, &"out".into()).ok().and_then(|v| v.as_string()).ok_or_else(|| "hashing gave no answer".to_string()),
        }
    }
}

impl Drop for HashJob {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

impl Pool {
    /// `hardwareConcurrency − 1` workers (at least one), each ready.
    pub async fn start() -> Result<Pool, String> {
        let glue = glue_text().await?;
        let source = format!("{glue}\n{WORKER_MAIN}");
        let parts = Array::of1(&JsValue::from_str(&source));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("text/javascript");
        let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(|_| "the worker script could not be made")?;
        // Kept (not revoked): hashing workers start from it later.
        let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| "the worker script has no URL")?;
        let cores = web_sys::window().map(|w| w.navigator().hardware_concurrency()).unwrap_or(2.0) as usize;
        let count = cores.saturating_sub(1).max(1);
        let waiting: Waiting = Rc::default();
        let spare_text = SpareBuffers::default();
        let mut members = Vec::with_capacity(count);
        let mut ready = Vec::with_capacity(count);
        for _ in 0..count {
            let worker = spawn(&url)?;
            let busy = Rc::new(RefCell::new(0u32));
            let (ready_tx, ready_promise) = resolver();
            let ready_tx = Rc::new(RefCell::new(Some(ready_tx)));
            let (waiting_in, busy_in, spare_in) = (waiting.clone(), busy.clone(), spare_text.clone());
            let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
                let data = event.data();
                if Reflect::get(&data, &"ready".into()).is_ok_and(|v| v.is_truthy()) {
                    if let Some((resolve, _)) = ready_tx.borrow_mut().take() {
                        let _ = resolve.call0(&JsValue::NULL);
                    }
                    return;
                }
                let job = Reflect::get(&data, &"job".into()).ok().and_then(|v| v.as_f64()).unwrap_or(-1.0) as u32;
                *busy_in.borrow_mut() -= 1;
                spare_in.give_back(&data);
                if let Some((resolve, reject)) = waiting_in.borrow_mut().remove(&job) {
                    match Reflect::get(&data, &"error".into()) {
                        Ok(error) if !error.is_undefined() => drop(reject.call1(&JsValue::NULL, &error)),
                        _ => drop(resolve.call1(&JsValue::NULL, &data)),
                    }
                }
            });
            worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            post_module(&worker)?;
            ready.push(ready_promise);
            members.push(Member { worker, busy, _on_message: on_message });
        }
        // A worker that cannot run the module never answers: give up after a while.
        let all = js_sys::Promise::all(&ready.iter().collect::<Array>());
        let timeout = js_sys::Promise::new(&mut |_, reject| {
            if let Some(w) = web_sys::window() {
                let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&reject, 15_000);
            }
        });
        JsFuture::from(js_sys::Promise::race(&Array::of2(&all, &timeout))).await.map_err(|_| "the workers did not start".to_string())?;
        Ok(Pool { members: Rc::new(members), waiting, next_job: Rc::default(), spare_text, script_url: Rc::new(url) })
    }

    /// Hash a file in a worker of its own, which reads it from the `File`.
    pub fn hash_file(&self, blob: &web_sys::Blob) -> Result<HashJob, String> {
        let worker = spawn(&self.script_url)?;
        let (settle, answer) = resolver();
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let data = event.data();
            if !Reflect::get(&data, &"ready".into()).is_ok_and(|v| v.is_truthy()) {
                let _ = settle.0.call1(&JsValue::NULL, &data);
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        post_module(&worker)?;
        let message = Object::new();
        Reflect::set(&message, &"hash".into(), blob).map_err(|_| "the file could not be handed to the hashing worker")?;
        worker.post_message(&message).map_err(|e| format!("the hashing worker did not take the file ({e:?})"))?;
        Ok(HashJob { worker, answer, _on_message: on_message })
    }

    /// The last streaming load has ended: the slice buffers (up to
    /// `MOST_SPARE_BUFFERS` of about a MB each) are let go until the next
    /// load makes them again.
    pub fn forget_spare_buffers(&self) {
        self.spare_text.0.borrow_mut().clear();
    }

    pub fn size(&self) -> usize {
        self.members.len()
    }

    /// Parse a slice in the least busy worker; also says how long the
    /// worker took and how long reading its answer took here.
    pub fn parse(&self, plan_json: &str, slice: Slice) -> impl std::future::Future<Output = Result<Parsed, String>> {
        let job = {
            let mut next = self.next_job.borrow_mut();
            *next = next.wrapping_add(1);
            *next
        };
        let member = self.members.iter().min_by_key(|m| *m.busy.borrow());
        let (tx, promise) = resolver();
        let sent = member.ok_or("no worker".to_string()).and_then(|m| {
            let message = Object::new();
            let meta = serde_json::to_string(&wire::SliceMeta::of(&slice)).unwrap_or_default();
            let len = u32::try_from(slice.text.len()).map_err(|_| "a slice too long to hand to a worker".to_string())?;
            let buffer = self.spare_text.take(len);
            let text = Uint8Array::new_with_byte_offset_and_length(&buffer, 0, len);
            text.copy_from(slice.text.as_bytes());
            let set = |k: &str, v: &JsValue| Reflect::set(&message, &k.into(), v).map(|_| ());
            set("job", &JsValue::from(job))
                .and_then(|()| set("plan", &JsValue::from_str(plan_json)))
                .and_then(|()| set("meta", &JsValue::from_str(&meta)))
                .and_then(|()| set("text", &text))
                .map_err(|_| "the slice could not be packed".to_string())?;
            self.waiting.borrow_mut().insert(job, tx);
            *m.busy.borrow_mut() += 1;
            m.worker.post_message_with_transfer(&message, &Array::of1(&buffer)).map_err(|e| format!("a worker did not take the slice ({e:?})"))
        });
        async move {
            sent?;
            let answer = JsFuture::from(promise).await.map_err(|e| format!("a worker failed: {}", e.as_string().unwrap_or_default()))?;
            let worker_ms = Reflect::get(&answer, &"ms".into()).ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
            let out = Reflect::get(&answer, &"out".into()).unwrap_or(JsValue::NULL);
            let started = now();
            let bytes = out.dyn_into::<Uint8Array>().map_err(|_| "a worker answered with no bytes".to_string())?.to_vec();
            Ok(Parsed { bytes, worker_ms, unpack_ms: now() - started })
        }
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

/// A module worker running the script at `url`.
fn spawn(url: &str) -> Result<web_sys::Worker, String> {
    let options = web_sys::WorkerOptions::new();
    options.set_type(web_sys::WorkerType::Module);
    web_sys::Worker::new_with_options(url, &options).map_err(|e| format!("a worker could not start ({e:?})"))
}

/// Give a worker this page's compiled module (nothing is fetched).
fn post_module(worker: &web_sys::Worker) -> Result<(), String> {
    let init = Object::new();
    Reflect::set(&init, &"module".into(), &wasm_bindgen::module()).map_err(|_| "the module could not be posted")?;
    worker.post_message(&init).map_err(|e| format!("the module could not be posted to a worker ({e:?})"))
}

/// A promise and the functions that settle it.
fn resolver() -> ((js_sys::Function, js_sys::Function), js_sys::Promise) {
    let mut settle = None;
    let promise = js_sys::Promise::new(&mut |resolve, reject| settle = Some((resolve, reject)));
    (settle.unwrap_or_else(|| (js_sys::Function::new_no_args(""), js_sys::Function::new_no_args(""))), promise)
}

/// The wasm-bindgen glue's source: from the single file's data block, or
/// read from this page's own origin.
async fn glue_text() -> Result<String, String> {
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    if let Some(block) = document.get_element_by_id("loupe-glue") {
        return block.text_content().filter(|t| !t.is_empty()).ok_or_else(|| "the glue block is empty".to_string());
    }
    let tag = document.query_selector("script[data-loupe-js]").ok().flatten().ok_or("the page does not name its glue")?;
    let url = tag.get_attribute("data-loupe-js").ok_or("the page does not name its glue")?;
    let window = web_sys::window().ok_or("no window")?;
    let response = JsFuture::from(window.fetch_with_str(&url)).await.map_err(|_| "the glue could not be read")?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| "the glue could not be read")?;
    let text = JsFuture::from(response.text().map_err(|_| "the glue could not be read")?).await.map_err(|_| "the glue could not be read")?;
    text.as_string().ok_or_else(|| "the glue could not be read".to_string())
}
