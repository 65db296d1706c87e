//! The UI's two reducers: the case (the analyst's decisions, persisted) and
//! the list of file loads (progress and ingest reports). The event store
//! itself lives behind an `Rc<RefCell<_>>` and is never cloned; `Loads`
//! counts a generation that changes whenever the store does.

use super::{format::now_ms, storage};
use crate::case::{Case, CaseAction};
use crate::ingest::IngestReport;
use std::rc::Rc;
use yew::Reducible;

#[derive(Clone, Debug, PartialEq)]
pub struct CaseState {
    pub case: Case,
    /// Set when the saved case could not be read or saved.
    pub storage_problem: Option<String>,
    /// Another tab saved the case since this tab last read or wrote it, so
    /// this tab's changes are held back until the analyst chooses.
    pub other_tab_saved: bool,
}

impl CaseState {
    pub fn restore() -> CaseState {
        let (case, storage_problem) = storage::load_case();
        CaseState { case, storage_problem, other_tab_saved: false }
    }
}

impl Reducible for CaseState {
    type Action = CaseAction;

    fn reduce(self: Rc<Self>, action: CaseAction) -> Rc<Self> {
        let mut case = self.case.clone();
        case.apply(action, now_ms());
        let (storage_problem, other_tab_saved) = match storage::save_case(&case) {
            Ok(()) => (None, false),
            Err(storage::SaveProblem::Refused(why)) => (Some(why), false),
            Err(storage::SaveProblem::OtherTabSaved) => (None, true),
        };
        Rc::new(CaseState { case, storage_problem, other_tab_saved })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Reading,
    Parsing,
    Done,
    /// Not loaded: unreadable, or the same file (by SHA-256) is already loaded.
    NotLoaded,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FileLoad {
    pub id: u32,
    pub name: String,
    pub stage: Stage,
    /// 0.0 to 1.0 within the stage.
    pub progress: f64,
    /// Bytes read, events, rate and time left, while streaming.
    pub detail: String,
    pub report: Option<Rc<IngestReport>>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Loads {
    pub files: Vec<FileLoad>,
    /// Changes whenever events were added to or removed from the store.
    pub generation: u64,
}

pub enum LoadAction {
    Started { id: u32, name: String },
    Progress { id: u32, stage: Stage, progress: f64, detail: String },
    Finished { id: u32, report: Rc<IngestReport>, loaded: bool },
    /// A card was closed: its file unloaded from the store (`unloaded`), or
    /// a file that was not loaded dismissed.
    Removed { id: u32, unloaded: bool },
    /// The store was emptied (new case).
    Cleared,
    /// A loading file's rows read so far went into the store (or left it,
    /// when its load stopped).
    RowsShown,
    /// An IP database finished loading (its progress card goes; the files
    /// panel lists it from the store) or one was unloaded: every row's
    /// location may have changed.
    DatabasesChanged { finished_load: Option<u32> },
}

impl Reducible for Loads {
    type Action = LoadAction;

    fn reduce(self: Rc<Self>, action: LoadAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            LoadAction::Started { id, name } => next.files.push(FileLoad { id, name, stage: Stage::Reading, progress: 0.0, detail: String::new(), report: None }),
            LoadAction::Progress { id, stage, progress, detail } => {
                if let Some(f) = next.files.iter_mut().find(|f| f.id == id) {
                    f.stage = stage;
                    f.progress = progress;
                    f.detail = detail;
                }
            }
            LoadAction::Finished { id, report, loaded } => {
                if let Some(f) = next.files.iter_mut().find(|f| f.id == id) {
                    f.stage = if loaded { Stage::Done } else { Stage::NotLoaded };
                    f.progress = 1.0;
                    f.report = Some(report);
                }
                if loaded {
                    next.generation += 1;
                }
            }
            LoadAction::Removed { id, unloaded } => {
                next.files.retain(|f| f.id != id);
                if unloaded {
                    next.generation += 1;
                }
            }
            LoadAction::Cleared => {
                next.files.clear();
                next.generation += 1;
            }
            LoadAction::RowsShown => next.generation += 1,
            LoadAction::DatabasesChanged { finished_load } => {
                next.files.retain(|f| Some(f.id) != finished_load);
                next.generation += 1;
            }
        }
        Rc::new(next)
    }
}

/// Which side of the comparison a configuration snapshot file is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapshotRole {
    Baseline,
    Current,
}

/// A tenant configuration export that was opened, read into objects.
#[derive(Clone, Debug)]
pub struct SnapshotFile {
    pub id: u32,
    pub name: String,
    pub role: SnapshotRole,
    pub read: Rc<crate::tenant::read::FileRead>,
}

/// The configuration snapshot files; `generation` changes with any of them.
#[derive(Clone, Debug, Default)]
pub struct Snapshots {
    pub files: Vec<SnapshotFile>,
    pub generation: u64,
}

impl PartialEq for Snapshots {
    fn eq(&self, other: &Self) -> bool {
        self.generation == other.generation
    }
}

pub enum SnapshotAction {
    Add(SnapshotFile),
    SetRole { id: u32, role: SnapshotRole },
    Remove { id: u32 },
    Clear,
}

impl Reducible for Snapshots {
    type Action = SnapshotAction;

    fn reduce(self: Rc<Self>, action: SnapshotAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            SnapshotAction::Add(file) => next.files.push(file),
            SnapshotAction::SetRole { id, role } => {
                if let Some(f) = next.files.iter_mut().find(|f| f.id == id) {
                    f.role = role;
                }
            }
            SnapshotAction::Remove { id } => next.files.retain(|f| f.id != id),
            SnapshotAction::Clear => next.files.clear(),
        }
        next.generation += 1;
        Rc::new(next)
    }
}
