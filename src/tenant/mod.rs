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
//! - `mail_risk`: what makes an inbox rule, forwarding, transport rule,
//!   mailbox delegation or audit setting dangerous.
//! - `posture`: Conditional Access checked against what a response needs
//!   (pass / gap / not evaluable), suspects included.
//! - `inventory`: every app with its grants, permissions, credentials and
//!   consent history (snapshot, audit log, or both).
//! - `audit`: Entra audit rows' modified properties, read for the above.
//! - `tabular`: tenant reports of Microsoft-Extractor-Suite and Hawk (CSV
//!   or JSON: mailbox rules, forwarding, permissions, audit settings,
//!   transport rules, OAuth grants, MFA, CA policies, roles), told by their
//!   columns and mapped to the kinds above.
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
pub mod mail_risk;
pub mod normalize;
pub mod object;
pub mod permissions;
pub mod posture;
pub mod read;
pub mod reconstruct;
pub mod roles;
pub mod rules;
pub mod snapshot;
pub mod tabular;

pub use diff::{diff_snapshots, ChangeKind, ObjectChange, SnapshotDiff};
pub use jsondiff::PropertyChange;
pub use kind::ObjectKind;
pub use object::TenantObject;
pub use read::{FileReport, Problem, UnknownGroup};
pub use rules::Risk;
pub use snapshot::Snapshot;

/// How much of a file is read to tell a configuration export from evidence.
const SNIFF_BYTES: usize = 256 * 1024;

/// Whether `bytes` look like a tenant configuration export (a zip, Graph
/// JSON whose objects are mostly configuration types, or a tool report
/// whose columns `tabular` knows) rather than log evidence, judged from the first part of the file only so a large log
/// export costs little. A file any log layout reads is evidence.
pub fn looks_like_snapshot(name: &str, bytes: &[u8]) -> bool {
    if archive::is_zip(bytes) {
        return true;
    }
    let prefix = &bytes[..bytes.len().min(SNIFF_BYTES)];
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF);
    let json = start.is_some_and(|i| bytes.get(i).is_some_and(|b| *b == b'{' || *b == b'['));
    // Text that is not JSON is a snapshot only as a tool report (CSV).
    let tabular = !json && tabular::recognise(prefix).is_some();
    if !json && !tabular {
        return false;
    }
    // Log layouts first: a Graph sign-in carries `userPrincipalName` and
    // would pass for a user object by shape alone.
    if crate::ingest::recognise(name, prefix).is_ok() {
        return false;
    }
    if tabular || (json && tabular::recognise(prefix).is_some()) {
        // A report's columns say what it is; a cut last row does not change that.
        return true;
    }
    let read = read::read_file(name, prefix);
    let known = read.objects.len();
    let unknown: usize = read.reports.iter().flat_map(|r| r.unknown.iter()).map(|u| u.count).sum();
    // An empty page of a configuration collection is a snapshot too (no
    // grants is an answer), known by its page context.
    let covers = read.reports.iter().any(|r| !r.covers.is_empty());
    (known > 0 && known >= unknown) || (known == 0 && unknown == 0 && covers)
}

#[cfg(test)]
mod sniff_tests {
    use super::looks_like_snapshot;

    #[test]
    fn configuration_exports_are_told_from_log_exports() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tenant/current/");
        for name in [
            "ca_policies_mfa_report_only_legacy_excludes_attacker.json",
            "service_principals_adds_mail_sync.json",
            "users_attacker_added_phone.json",
            "../baseline/role_eligibility_schedules.json",
            "../baseline/app_role_assigned_to_graph.json",
        ] {
            let bytes = std::fs::read(format!("{dir}{name}")).unwrap();
            assert!(looks_like_snapshot(name, &bytes), "{name}");
        }
        let set = crate::sample::generate(crate::sample::DEFAULT_SEED);
        for file in &set.files {
            assert!(!looks_like_snapshot(&file.name, &file.contents), "{} is evidence", file.name);
        }
        assert!(!looks_like_snapshot("x.json", b"{\"kind\":\"loupe-case\",\"version\":1,\"case\":{}}"));
        assert!(!looks_like_snapshot("x.csv", b"a,b\n1,2\n"));
    }
}
