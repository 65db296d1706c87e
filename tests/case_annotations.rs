//! Event marks end to end: annotate rows of a real export, find them again
//! with the query language, and find them again after the same file is
//! loaded into a fresh store (another machine), by key rather than row.

use loupe::case::annotations::{resolve, row_key};
use loupe::case::{Case, CaseAction, EventChange, EventSummary};
use loupe::ingest::{ingest_bytes, Deduper};
use loupe::store::{parse, EvalContext, EventStore};

const FIXTURE: &str = "tests/fixtures/cloudtrail_s3_records_create_access_key.json";

fn load(paths: &[&str]) -> EventStore {
    let mut store = EventStore::new();
    let mut dedupe = Deduper::default();
    for path in paths {
        let bytes = std::fs::read(path).unwrap();
        let (report, events, text) = ingest_bytes(path, &bytes, &mut dedupe);
        store.add_file(report, text, events);
    }
    store
}

fn rows(store: &EventStore, case: &Case, query: &str) -> Vec<u32> {
    let ctx = EvalContext { annotations: resolve(&case.events, store), ..EvalContext::default() };
    store.filter(&parse(query).unwrap(), &ctx).unwrap()
}

fn mark(case: &mut Case, store: &EventStore, row: u32, change: EventChange) {
    let key = row_key(store, row).unwrap();
    case.apply(CaseAction::AnnotateEvent { key, summary: EventSummary::of_row(store, row), change }, 1);
}

#[test]
fn tags_notes_and_bookmarks_are_searchable_and_survive_a_reload() {
    let store = load(&[FIXTURE]);
    assert!(store.len() >= 3, "fixture too small");
    let (a, b, c) = (0u32, 1u32, store.len() as u32 - 1);
    let mut case = Case::default();
    mark(&mut case, &store, a, EventChange::AddTag("malicious".into()));
    mark(&mut case, &store, a, EventChange::SetNote("Forwards the CFO's mail out".into()));
    mark(&mut case, &store, b, EventChange::AddTag("Needs review".into()));
    mark(&mut case, &store, b, EventChange::SetBookmark(true));
    mark(&mut case, &store, c, EventChange::AddTag("benign".into()));
    mark(&mut case, &store, c, EventChange::AddTag("vpn user".into()));

    assert_eq!(rows(&store, &case, "tag:malicious"), vec![a]);
    assert_eq!(rows(&store, &case, "tag:needs-review"), vec![b]);
    assert_eq!(rows(&store, &case, "tag:vpn-user"), vec![c]);
    assert_eq!(rows(&store, &case, "tag:*"), vec![a, b, c]);
    assert_eq!(rows(&store, &case, "bookmarked"), vec![b]);
    assert_eq!(rows(&store, &case, "note:cfo"), vec![a]);
    assert_eq!(rows(&store, &case, "tag:malicious,benign"), vec![a, c]);
    let unmarked = rows(&store, &case, "-tag:*");
    assert_eq!(unmarked.len(), store.len() - 3);
    assert!(!unmarked.contains(&a));

    // Another machine: the case file travels, the evidence is attached again
    // beside another file, so every row number changes.
    let imported = loupe::case::from_json(&loupe::case::to_json(&case)).unwrap();
    let other = load(&["tests/fixtures/audit_graph_page.json", FIXTURE]);
    let found = rows(&other, &imported, "tag:*");
    assert_eq!(found.len(), 3);
    let tagged_ops: Vec<&str> = found.iter().map(|&r| other.operation(r)).collect();
    let original_ops: Vec<&str> = [a, b, c].iter().map(|&r| store.operation(r)).collect();
    assert_eq!(tagged_ops.len(), original_ops.len());
    for op in original_ops {
        assert!(tagged_ops.contains(&op), "{op} lost on reload");
    }
    // A mark whose recorded time no longer matches (a file read again by a
    // newer parser) is still found by its place in the file.
    let mut shifted = imported.clone();
    shifted.events.values_mut().for_each(|e| e.summary.time = 0);
    assert_eq!(rows(&other, &shifted, "tag:*").len(), 3);
    // Without the evidence, nothing resolves, and the summaries still say what was marked.
    assert!(rows(&EventStore::new(), &imported, "tag:*").is_empty());
    assert!(imported.events.values().all(|e| !e.summary.operation.is_empty()));
}
