//! What one parsing worker does to a whole file, for benchmarks: the file
//! cut into slices as the page cuts it, then each slice parsed and written
//! as the bytes a worker sends back (`wire`). The same code runs natively
//! (`loupe-bench --one-thread`) and in wasm (`loupe_bench_one_worker`,
//! timed by `scripts/bench-worker.mjs` in Node's V8), so the two rates
//! compare one thread with one thread on the same slices.

use super::{parse_slice, wire, ParsePlan, Slice, Splitter};

/// Text per slice in the page (`ui::loader`): parsing one in a worker takes
/// about 15 ms, taking its events in on the page a few.
pub const PAGE_SLICE_BYTES: usize = 1 << 20;
/// Bytes the page hands its splitter at once (`ui::loader`): hashing and
/// cutting 256 KiB stay well inside one step. Slices end where these
/// pieces do, so the bench cuts the file the same way.
pub const PAGE_PUSH_BYTES: usize = 256 * 1024;

/// The file's parse plan and its slices, or why it cannot be read.
pub fn slices_of(name: &str, bytes: &[u8]) -> Result<(ParsePlan, Vec<Slice>), String> {
    let mut splitter = Splitter::new(name, PAGE_SLICE_BYTES, None);
    let unreadable = |report: super::Unreadable| report.unreadable.clone().unwrap_or_else(|| "unreadable".to_string());
    let mut slices = Vec::new();
    for piece in bytes.chunks(PAGE_PUSH_BYTES) {
        slices.extend(splitter.push(piece).map_err(unreadable)?);
    }
    slices.extend(splitter.finish().map_err(unreadable)?);
    let plan = splitter.plan().cloned().ok_or("no parse plan: not a log Loupe reads")?;
    Ok((plan, slices))
}

/// Parse every slice as a worker does; the bytes of results written.
pub fn parse_all(plan: &ParsePlan, slices: &[Slice]) -> usize {
    slices.iter().map(|slice| wire::output_to_bytes(&parse_slice(plan, slice)).len()).sum()
}
