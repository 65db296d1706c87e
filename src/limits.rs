//! Every limit on what the core reads, in one place: how large a record,
//! an archive or a case document may be, which times count as log times,
//! how many issues a report lists. Each is enforced where it is named
//! (re-exported here from its module) and each says what happens past it
//! in the message it gives. README § Security ▸ Limits lists them.
//!
//! A limit exists where a buffer would otherwise grow from input without
//! a bound the reader chose: a quoted field never closed, a gzip or zip
//! bomb, a case file of a gigabyte.

use crate::model::{format_utc, TimeMs};
use std::ops::Range;

pub use crate::enrich::MAX_LISTED_BAD_ROWS;
pub use crate::ingest::stream::{MAX_KEPT_UNPACKED, MAX_RECORD_BYTES};
pub use crate::ingest::MAX_LISTED_ISSUES;
pub use crate::tenant::archive::{MAX_BUNDLE_UNPACKED_BYTES, MAX_ENTRY_BYTES, MAX_SNAPSHOT_UNPACKED_BYTES, MAX_ZIP_ENTRIES};
pub use crate::tenant::read::MAX_LISTED_PROBLEMS;

/// The tab stops loading a file once its wasm memory passes this (wasm32
/// cannot pass 4 GiB, and adding a file's events to the store needs room
/// beside them); what was read stays loaded.
pub const TAB_MEMORY_STOP_BYTES: u64 = 2_791_728_742; // 2.6 GiB

/// Compressed bytes of a gzip file unpacked at a time: deflate expands at
/// most about 1,032 times, so one step never yields more than about
/// 64 MiB however large the piece handed to the splitter (a browser reads
/// several MB at once; a gzip bomb must not turn that into gigabytes).
pub const GZIP_STEP_BYTES: usize = 64 * 1024;

/// Largest case document imported (the case, its notes, marks and
/// annotations; evidence travels in bundles, not in the document).
pub const MAX_CASE_BYTES: usize = 64 << 20;

/// Nesting depth of JSON that is parsed into values (records, case files,
/// snapshots): `serde_json`'s own recursion limit, which refuses deeper
/// input with "recursion limit exceeded". Not configurable; named here so
/// the table is complete.
pub const MAX_JSON_DEPTH: usize = 128;

/// Times an event may have: from 1970-01-01 up to (not including)
/// 2100-01-01 UTC. Outside it a record's time is a placeholder (year 0001,
/// 9999) or a damaged field, not when something happened; the row is
/// rejected with its line rather than put at the ends of the timeline.
pub const EVENT_TIMES: Range<TimeMs> = 0..4_102_444_800_000;

/// The rejection reason for a record whose time is outside `EVENT_TIMES`.
pub fn event_time_refused(time: TimeMs) -> String {
    format!("its time {} is outside 1970–2099, so it is not a log time (a placeholder or a damaged field?)", format_utc(time))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_range_is_1970_to_2099() {
        assert_eq!(format_utc(EVENT_TIMES.start), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_utc(EVENT_TIMES.end), "2100-01-01T00:00:00.000Z");
    }
}
