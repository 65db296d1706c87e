//! The command line's way through the slice pipeline: the file is read
//! from disk in pieces on this thread while every core parses slices, and
//! results are taken back in file order. Records are read back from the
//! file by offset, so a file larger than memory can be loaded.

use super::{parse_slice, wire, FileAssembler, ParsePlan, Splitter};
use crate::ingest::{Deduper, FileSource, IngestReport, Original, ReadAt};
use super::batch::Batch;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};

/// Bytes read from disk at a time: small enough that what the system
/// copies in is still in the CPU's cache when the splitter copies it on.
/// 8 MiB reads made `loupe summary` of a 291 MB export ~15% slower here
/// (median of 5: 1.41 s against 1.20 s).
const READ_BYTES: usize = 256 << 10;
/// Text per slice handed to a parsing thread.
const SLICE_BYTES: usize = 4 << 20;

/// Reads a file on disk by offset.
struct FileOnDisk(PathBuf);

impl ReadAt for FileOnDisk {
    fn read_at(&self, start: u64, len: u32) -> Option<Vec<u8>> {
        use std::io::{Seek, SeekFrom};
        let mut file = std::fs::File::open(&self.0).ok()?;
        file.seek(SeekFrom::Start(start)).ok()?;
        let mut out = vec![0; len as usize];
        file.read_exact(&mut out).ok()?;
        Some(out)
    }

    fn read_all(&self) -> Option<Vec<u8>> {
        std::fs::read(&self.0).ok()
    }
}

/// Threads to parse with: every core.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Read `path` through the slice pipeline with `threads` parsing threads;
/// kept events go to `sink` in file order. Err only when the file cannot
/// be opened or read from disk.
pub fn ingest_path(path: &Path, display_name: &str, threads: usize, dedupe: &mut Deduper, sink: impl FnMut(&Batch, &[bool])) -> Result<(IngestReport, FileSource), String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let (report, plan, unpacked) = ingest_reader(file, display_name, threads, dedupe, sink).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let original = match unpacked {
        Some(bytes) => Original::Bytes(Arc::new(bytes)),
        None => Original::Reader(Arc::new(FileOnDisk(path.to_path_buf()))),
    };
    Ok((report, FileSource::new(original, plan.as_ref())))
}

/// The pipeline over any reader. Returns the report, the plan (when the
/// file was recognised) and a gzip file's unpacked bytes (when kept).
pub fn ingest_reader(mut input: impl Read, display_name: &str, threads: usize, dedupe: &mut Deduper, mut sink: impl FnMut(&Batch, &[bool])) -> std::io::Result<(IngestReport, Option<ParsePlan>, Option<Vec<u8>>)> {
    // The file is hashed on a thread of its own (below), not by the splitter.
    let mut splitter = Splitter::new(display_name, SLICE_BYTES, Some(String::new()));
    let mut assembler: Option<FileAssembler> = None;
    let (hash_tx, hash_rx) = mpsc::sync_channel::<Vec<u8>>(4);
    // Hashed pieces come back to be read into again: no copy of the file
    // for the hash, and no fresh pages to fault in for every piece.
    let (spent_tx, spent_rx) = mpsc::channel::<Vec<u8>>();
    let mut sha256 = String::new();
    let outcome = std::thread::scope(|scope| {
        // SHA-256 beside the reading: on this thread it held up every slice.
        let hashing = scope.spawn(move || {
            use sha2::Digest;
            let mut hasher = sha2::Sha256::new();
            for piece in hash_rx {
                hasher.update(&piece);
                let _ = spent_tx.send(piece);
            }
            crate::ingest::hex(&hasher.finalize())
        });
        let pieces = Pieces { to_hash: hash_tx, spent: spent_rx };
        let outcome = read_and_parse(scope, &mut input, &mut splitter, threads.max(1), pieces, &mut assembler, dedupe, &mut sink);
        sha256 = hashing.join().unwrap_or_default();
        outcome
    })?;
    if let Err(mut report) = outcome {
        report.sha256 = sha256;
        return Ok((*report, None, None));
    }
    let plan = splitter.plan().cloned();
    let unpacked = splitter.take_unpacked();
    let mut report = match assembler {
        Some(a) => a.finish(splitter.into_report()),
        None => splitter.into_report(),
    };
    report.sha256 = sha256;
    Ok((report, plan, unpacked))
}

/// The buffers the file is read into, handed to the hashing thread once
/// split and taken back once hashed.
struct Pieces {
    to_hash: mpsc::SyncSender<Vec<u8>>,
    spent: mpsc::Receiver<Vec<u8>>,
}

impl Pieces {
    /// The next buffer to read into: a hashed one, or a new one.
    fn next(&self) -> Vec<u8> {
        let mut piece = self.spent.try_recv().unwrap_or_default();
        piece.resize(READ_BYTES, 0);
        piece
    }
}

/// Read `input` to the end, cutting it into slices that `threads` threads
/// parse and that are absorbed here in file order; every piece read also
/// goes to be hashed. Err(report) when the file turns out unreadable.
#[allow(clippy::too_many_arguments)]
fn read_and_parse<'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    input: &mut impl Read,
    splitter: &mut Splitter,
    threads: usize,
    pieces: Pieces,
    assembler: &mut Option<FileAssembler>,
    dedupe: &mut Deduper,
    sink: &mut impl FnMut(&Batch, &[bool]),
) -> std::io::Result<Result<(), Box<IngestReport>>> {
    let (work_tx, work_rx) = mpsc::sync_channel::<super::Slice>(threads * 2);
    let work_rx = Arc::new(Mutex::new(work_rx));
    // Results travel as `wire` bytes: one buffer per slice, so this thread
    // neither frees a String per field the parsing threads allocated nor
    // copies one into the store.
    let (done_tx, done_rx) = mpsc::channel::<(u32, Vec<u8>)>();
    // Buffers go back where they came from once used: results, once
    // absorbed, to the parsing threads; slices' texts, once parsed, to the
    // splitter. Fresh ones had their pages faulted in every time.
    let (spent_result_tx, spent_result_rx) = mpsc::channel::<Vec<u8>>();
    let spent_result_rx = Arc::new(Mutex::new(spent_result_rx));
    let (parsed_text_tx, parsed_text_rx) = mpsc::channel::<String>();
    let plan_cell: Arc<Mutex<Option<ParsePlan>>> = Arc::new(Mutex::new(None));
    for _ in 0..threads {
        let work_rx = Arc::clone(&work_rx);
        let done_tx = done_tx.clone();
        let spent_result_rx = Arc::clone(&spent_result_rx);
        let parsed_text_tx = parsed_text_tx.clone();
        let plan_cell = Arc::clone(&plan_cell);
        scope.spawn(move || {
            let mut plan: Option<ParsePlan> = None;
            loop {
                let slice = match work_rx.lock().map(|rx| rx.recv()) {
                    Ok(Ok(slice)) => slice,
                    _ => return,
                };
                if plan.is_none() {
                    plan = plan_cell.lock().ok().and_then(|p| p.clone());
                }
                let Some(plan) = &plan else { return };
                let mut result = spent_result_rx.lock().ok().and_then(|rx| rx.try_recv().ok()).unwrap_or_default();
                wire::write_output(&parse_slice(plan, &slice), &mut result);
                if done_tx.send((slice.index, result)).is_err() {
                    return;
                }
                let _ = parsed_text_tx.send(slice.text);
            }
        });
    }
    drop(done_tx);
    drop(parsed_text_tx);
    let mut waiting: BTreeMap<u32, Vec<u8>> = BTreeMap::new();
    let mut next = 0u32;
    let mut keep: Vec<bool> = Vec::new();
    let mut absorb_ready = |assembler: &mut Option<FileAssembler>, waiting: &mut BTreeMap<u32, Vec<u8>>, next: &mut u32| -> std::io::Result<()> {
        while let Some(bytes) = waiting.remove(next) {
            if let Some(a) = assembler.as_mut() {
                let (output, events) = wire::read_output(&bytes).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
                a.absorb_issues(output);
                a.keep_batch(&events, dedupe, &mut keep);
                sink(&events, &keep);
            }
            let _ = spent_result_tx.send(bytes);
            *next += 1;
        }
        Ok(())
    };
    let mut sent = 0u32;
    let mut send = |slices: Vec<super::Slice>, splitter: &Splitter, assembler: &mut Option<FileAssembler>| {
        if let (Some(plan), None) = (splitter.plan(), assembler.as_ref()) {
            if let Ok(mut cell) = plan_cell.lock() {
                *cell = Some(plan.clone());
            }
            *assembler = Some(FileAssembler::new(plan));
        }
        for slice in slices {
            sent += 1;
            let _ = work_tx.send(slice);
        }
    };
    loop {
        let mut piece = pieces.next();
        let n = input.read(&mut piece)?;
        if n == 0 {
            break;
        }
        piece.truncate(n);
        while let Ok(text) = parsed_text_rx.try_recv() {
            splitter.recycle(text);
        }
        let pushed = splitter.push(&piece);
        let _ = pieces.to_hash.send(piece);
        match pushed {
            Ok(slices) => send(slices, splitter, assembler),
            Err(report) => return Ok(Err(report)),
        }
        while let Ok((index, bytes)) = done_rx.try_recv() {
            waiting.insert(index, bytes);
        }
        absorb_ready(assembler, &mut waiting, &mut next)?;
    }
    drop(pieces);
    match splitter.finish() {
        Ok(slices) => send(slices, splitter, assembler),
        Err(report) => return Ok(Err(report)),
    }
    drop(work_tx);
    for (index, bytes) in done_rx.iter() {
        waiting.insert(index, bytes);
        absorb_ready(assembler, &mut waiting, &mut next)?;
    }
    debug_assert_eq!(next, sent);
    Ok(Ok(()))
}
