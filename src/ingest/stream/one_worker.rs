//! What one parsing worker does to a whole file, for benchmarks: the file
//! cut into slices as the page cuts it, then each slice parsed and written
//! as the bytes a worker sends back (`wire`). The same code runs natively
//! (`loupe-bench --one-thread`) and in wasm (`loupe_bench_one_worker`,
//! timed by `scripts/bench-worker.mjs` in Node's V8), so the two rates
//! compare one thread with one thread on the same slices.

use super::{parse_slice, wire, ParsePlan, Slice, Splitter};

/// The page's slice size (`ui::loader`): a worker parses this much at a time.
pub const PAGE_SLICE_BYTES: usize = 1 << 20;

/// The file's parse plan and its slices, or why it cannot be read.
pub fn slices_of(name: &str, bytes: &[u8]) -> Result<(ParsePlan, Vec<Slice>), String> {
    let mut splitter = Splitter::new(name, PAGE_SLICE_BYTES, None);
    let unreadable = |report: super::Unreadable| report.unreadable.clone().unwrap_or_else(|| "unreadable".to_string());
    let mut slices = Vec::new();
    // The page reads the file 4 MiB at a time.
    for piece in bytes.chunks(4 << 20) {
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
