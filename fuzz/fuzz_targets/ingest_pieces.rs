//! A file streamed into the splitter in pieces (as the browser's `File`
//! slices and the native reader's reads arrive), its slices parsed apart
//! and assembled, as `ingest::stream` does in workers. The first byte picks
//! the piece size and the slice size, so the fuzzer explores cuts too.
#![no_main]
use libfuzzer_sys::fuzz_target;
use loupe::ingest::stream::{parse_slice, FileAssembler, Splitter};
use loupe::ingest::Deduper;

fuzz_target!(|data: &[u8]| {
    let Some((&shape, bytes)) = data.split_first() else { return };
    let piece = 1 + usize::from(shape & 0x3f);
    let slice_bytes = 1 + usize::from(shape >> 6) * 300;
    let mut splitter = Splitter::new("fuzz.json", slice_bytes, None);
    let mut slices = Vec::new();
    for part in bytes.chunks(piece) {
        match splitter.push(part) {
            Ok(more) => slices.extend(more),
            Err(_) => return,
        }
    }
    match splitter.finish() {
        Ok(more) => slices.extend(more),
        Err(_) => return,
    }
    let Some(plan) = splitter.plan().cloned() else { return };
    let mut assembler = FileAssembler::new(&plan);
    let mut dedupe = Deduper::default();
    let mut kept = 0u64;
    for slice in &slices {
        assembler.absorb(parse_slice(&plan, slice), &mut dedupe, |_| kept += 1);
    }
    let report = assembler.finish(splitter.into_report());
    assert_eq!(report.rows_ok, kept);
});
