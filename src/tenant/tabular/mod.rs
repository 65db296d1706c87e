//! Tenant reports written by collection tools rather than Graph exports:
//! Microsoft-Extractor-Suite (Invictus IR) and Hawk. Most are `Export-Csv`
//! output (a `#TYPE` line or not, UTF-8 with or without a BOM, UTF-16,
//! comma or semicolon), some are `ConvertTo-Json` arrays. Each file is told
//! by its columns, never its name, through the table of layouts below, and
//! its rows become tenant objects of the kinds the rules already know
//! (grants, CA policies, role assignments, sign-in methods) or of the
//! mailbox kinds added for these reports.
//!
//! One module per report family:
//! - `mailbox_rules`: inbox rules (Get-MailboxRules, Hawk, Get-InboxRule).
//! - `mailboxes`: forwarding and audit settings (Hawk's forwarding report,
//!   Get-MailboxAuditStatus, Get-Mailbox).
//! - `mailbox_permissions`: delegated access (Get-MailboxPermissions,
//!   Get-MailboxPermission, Get-RecipientPermission).
//! - `transport_rules`: mail flow rules (Get-TransportRules, Get-TransportRule).
//! - `oauth`: delegated and application permissions (Get-OAuthPermissions,
//!   Hawk's consent grants).
//! - `mfa`: registered methods and registration details (Get-MFA).
//! - `conditional_access`: Get-ConditionalAccessPolicies.
//! - `roles`: Get-AllRoleActivity, Get-PIMAssignments.
//!
//! `table` turns CSV or JSON into rows; `values` reads the flattened
//! values PowerShell leaves in them.

mod conditional_access;
mod mailbox_permissions;
mod mailbox_rules;
mod mailboxes;
mod mfa;
mod oauth;
mod roles;
pub mod table;
mod transport_rules;
pub mod values;

use super::kind::ObjectKind;
use super::object::TenantObject;
use super::read::FileReport;
use crate::ingest::csv_input::Headers;
use serde_json::Value;
use table::{Row, Table};

/// A report layout: who writes it, how its header is told, how its rows are read.
pub struct Layout {
    /// The tool and command, for the file report (`Extractor-Suite Get-MailboxRules`).
    pub name: &'static str,
    pub matches: fn(&Headers) -> bool,
    pub read: fn(&Table, &mut Out),
}

/// Layouts in the order they are tried; the first whose header matches reads the file.
pub static LAYOUTS: &[Layout] = &[
    Layout { name: "inbox rules (Extractor-Suite Get-MailboxRules, Hawk, Get-InboxRule)", matches: mailbox_rules::matches, read: mailbox_rules::read },
    Layout { name: "mailbox permissions (Extractor-Suite Get-MailboxPermissions, Get-MailboxPermission, Get-RecipientPermission)", matches: mailbox_permissions::matches, read: mailbox_permissions::read },
    Layout { name: "mailbox settings (Hawk forwarding report, Extractor-Suite Get-MailboxAuditStatus, Get-Mailbox)", matches: mailboxes::matches, read: mailboxes::read },
    Layout { name: "transport rules (Extractor-Suite Get-TransportRules, Get-TransportRule)", matches: transport_rules::matches, read: transport_rules::read },
    Layout { name: "OAuth permissions (Extractor-Suite Get-OAuthPermissions, Hawk consent grants)", matches: oauth::matches, read: oauth::read },
    Layout { name: "MFA methods per user (Extractor-Suite Get-MFA)", matches: mfa::matches_methods, read: mfa::read_methods },
    Layout { name: "MFA registration details (Extractor-Suite Get-MFA)", matches: mfa::matches_registration, read: mfa::read_registration },
    Layout { name: "Conditional Access policies (Extractor-Suite Get-ConditionalAccessPolicies)", matches: conditional_access::matches, read: conditional_access::read },
    Layout { name: "directory role members (Extractor-Suite Get-AllRoleActivity, Get-PIMAssignments)", matches: roles::matches, read: roles::read },
];

/// How much of a file the header is looked for in.
const SNIFF_BYTES: usize = 64 * 1024;

fn layout_for(headers: &Headers) -> Option<&'static Layout> {
    LAYOUTS.iter().find(|l| (l.matches)(headers))
}

/// The layout of a report, judged from the first bytes (its header row, or
/// its first complete JSON object). `None` for anything else.
pub fn recognise(head: &[u8]) -> Option<&'static Layout> {
    let headers = table::sniff_headers(head)?;
    layout_for(&headers)
}

/// Read a tenant report into objects, recording what was read in `report`.
/// `None` when the file is no report Loupe knows (the caller tries Graph JSON).
pub fn read_report(bytes: &[u8], report: &mut FileReport) -> Option<Vec<TenantObject>> {
    // Told from the head first, so a large Graph export is not parsed twice.
    recognise(bytes.get(..bytes.len().min(SNIFF_BYTES)).unwrap_or(bytes))?;
    let table = table::parse(bytes)?;
    let layout = layout_for(&table.headers)?;
    report.encoding = table.encoding.to_string();
    report.note_once(format!("read as {} ({})", layout.name, table.format));
    if table.replaced > 0 {
        report.note_once(format!("{} bytes could not be decoded and were replaced", table.replaced));
    }
    for problem in &table.problems {
        report.problem(problem.0.clone(), problem.1.clone());
    }
    let file = report.file.clone();
    let mut out = Out { report, file, objects: Vec::new() };
    (layout.read)(&table, &mut out);
    flattened_notes(&table, out.report);
    if out.objects.is_empty() && out.report.problems_total == 0 {
        out.report.note_once("the report lists no rows: the tool found none");
    }
    Some(out.objects)
}

/// Columns whose values PowerShell flattened into a .NET type name: the
/// list they held is lost, which the analyst must know before trusting a
/// quiet result.
fn flattened_notes(table: &Table, report: &mut FileReport) {
    for (i, name) in table.headers.names.iter().enumerate() {
        if table.rows.iter().any(|r| r.record.get(i).is_some_and(values::is_flattened)) {
            report.note_once(format!(
                "column {name} holds a .NET type name (such as System.Object[]) instead of its values: the export flattened the list, so what it held cannot be judged; re-export with the values joined"
            ));
        }
    }
}

/// Where a family reader puts what it read.
pub struct Out<'r> {
    pub report: &'r mut FileReport,
    file: String,
    pub objects: Vec<TenantObject>,
}

impl Out<'_> {
    /// Keep an object; `name` replaces the name Graph's rules would give it.
    pub fn push(&mut self, kind: ObjectKind, id: String, owner: Option<String>, raw: Value, row: &Row, name: Option<String>) {
        *self.report.read.entry(kind.slug().to_string()).or_default() += 1;
        let mut object = TenantObject::new(kind, super::object::canonical_id(&id), owner, raw, &self.file, &row.position);
        if let Some(name) = name.filter(|n| !n.trim().is_empty()) {
            object.name = name;
        }
        self.objects.push(object);
    }

    /// A row that could not be used, with where it is.
    pub fn bad(&mut self, row: &Row, reason: impl Into<String>) {
        self.report.problem(row.position.clone(), reason);
    }

    pub fn note(&mut self, note: impl Into<String>) {
        self.report.note_once(note);
    }

    /// The report speaks for this kind even when it lists none.
    pub fn covers(&mut self, kind: &ObjectKind) {
        self.report.covers.insert(kind.slug().to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(text: &str) -> Option<&'static str> {
        recognise(text.as_bytes()).map(|l| l.name)
    }

    #[test]
    fn headers_pick_the_layout() {
        assert!(layout("\"UserName\",\"RuleName\",\"Enabled\",\"ForwardTo\",\"RedirectTo\"\n").is_some_and(|n| n.starts_with("inbox rules")));
        assert!(layout("UserPrincipalName,DisplayName,FullAccessUsers,SendAsUsers\n").is_some_and(|n| n.starts_with("mailbox permissions")));
        assert!(layout("PermissionType;AppId;ClientObjectId;ClientDisplayName;ResourceObjectId;Permission\n").is_some_and(|n| n.starts_with("OAuth")));
        assert!(layout("[{\"Name\":\"x\",\"MailboxOwnerId\":\"a\",\"ForwardTo\":null,\"DeleteMessage\":false}]").is_some_and(|n| n.starts_with("inbox rules")));
        assert_eq!(layout("a,b\n1,2\n"), None);
        assert_eq!(layout(""), None);
        assert_eq!(layout("[{\"id\":\"x\",\"userPrincipalName\":\"a@b.c\"}]"), None);
    }
}
