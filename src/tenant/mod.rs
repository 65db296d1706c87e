//! Tenant configuration snapshots and the baseline diff.
//!
//! Playbook step 7 asks for the tenant's configuration to be captured and
//! compared with a known-good baseline; step 8 for the OAuth apps; step 12
//! for Conditional Access to be strengthened. This module reads
//! configuration exported as Microsoft Graph JSON, tells each object's type
//! from its content, and compares two snapshots object by object with a
//! risk and a reason for every change.
//!
//! - `kind`: what an object is (`@odata.type`, page context, shape).
//! - `normalize`: PowerShell SDK output brought back to Graph's casing.
//! - `archive`: a `.zip` of exported files.
//! - `read`: one file into objects, with a report of what was and was not read.
//! - `object`: one object: kind, id, name, raw JSON, source.
//! - `snapshot`: objects keyed by (kind, id), and look-ups by id.
//! - `jsondiff`: property-level semantic difference of two versions.
//! - `diff`: two snapshots into added / removed / changed objects.
//! - `rules`: the risk of each change, with its reason.
//! - `roles`, `permissions`: privileged directory roles and OAuth
//!   permissions, by the ids configuration uses.
//! - `posture`: Conditional Access checked against what a response needs
//!   (pass / gap / not evaluable), suspects included.
//! - `inventory`: every app with its grants, permissions, credentials and
//!   consent history (snapshot, audit log, or both).
//! - `audit`: Entra audit rows' modified properties, read for the above.
//! - `reconstruct`: changes rebuilt from the audit log's old and new
//!   values, ranked by the same rules as the diff.
//!
//! Plain Rust with no browser types, like the rest of the core.

pub mod archive;
pub mod audit;
pub mod diff;
pub mod inventory;
pub mod jsondiff;
pub mod kind;
pub mod normalize;
pub mod object;
pub mod permissions;
pub mod posture;
pub mod read;
pub mod reconstruct;
pub mod roles;
pub mod rules;
pub mod snapshot;

pub use diff::{diff_snapshots, ChangeKind, ObjectChange, SnapshotDiff};
pub use jsondiff::PropertyChange;
pub use kind::ObjectKind;
pub use object::TenantObject;
pub use read::{FileReport, Problem, UnknownGroup};
pub use rules::Risk;
pub use snapshot::Snapshot;
