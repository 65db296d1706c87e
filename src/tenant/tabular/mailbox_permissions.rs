//! Delegated access to mailboxes, one object per (mailbox, trustee, right).
//!
//! - Extractor-Suite's Get-MailboxPermissions writes one row per mailbox:
//!   `UserPrincipalName`, `DisplayName`, `RecipientTypeDetails`, then
//!   `FullAccessUsers`, `SendAsUsers`, `SendOnBehalfUsers` (each
//!   `Name (address)` joined with `; `), `InboxUsers` and `CalendarUsers`
//!   (`Name (address) - Rights`), the `…Permissions` detail columns and
//!   counts. Inherited and SELF entries are already left out.
//! - Exchange's own `Get-MailboxPermission` rows (`Identity`, `User`,
//!   `AccessRights`, `IsInherited`, `Deny`) and `Get-RecipientPermission`
//!   rows (`Identity`, `Trustee`, `AccessRights`).

use super::table::{Row, Table};
use super::values::{flag, list, name_and_address};
use super::Out;
use crate::ingest::csv_input::Headers;
use crate::tenant::kind::ObjectKind;
use serde_json::json;

fn is_summary(h: &Headers) -> bool {
    h.has("FullAccessUsers") && h.has("SendAsUsers")
}

fn is_exchange(h: &Headers) -> bool {
    h.has("Identity") && h.has("AccessRights") && (h.has("User") || h.has("Trustee"))
}

pub fn matches(h: &Headers) -> bool {
    is_summary(h) || is_exchange(h)
}

/// Well-known principals that hold rights on every mailbox by design.
fn is_system(trustee: &str) -> bool {
    let t = trustee.trim().to_ascii_uppercase();
    t.starts_with("NT AUTHORITY\\") || t.starts_with("S-1-5-") || t.starts_with("DISCOVERYSEARCHMAILBOX")
}

struct Grant<'a> {
    mailbox: &'a str,
    mailbox_name: &'a str,
    mailbox_type: Option<&'a str>,
    trustee: String,
    right: String,
}

fn push(out: &mut Out, row: &Row, g: Grant) {
    let (trustee_name, trustee_address) = name_and_address(&g.trustee);
    let trustee_key = trustee_address.clone().unwrap_or_else(|| trustee_name.to_ascii_lowercase());
    let id = format!("{}|{trustee_key}|{}", g.mailbox.to_ascii_lowercase(), g.right.to_ascii_lowercase());
    let raw = json!({
        "mailbox": g.mailbox,
        "mailboxDisplayName": g.mailbox_name,
        "recipientTypeDetails": g.mailbox_type,
        "trustee": trustee_name,
        "trusteeAddress": trustee_address,
        "accessRight": g.right,
    });
    let shown = format!("{} on {}: {}", if trustee_name.is_empty() { &trustee_key } else { &trustee_name }, g.mailbox_name, g.right);
    out.push(ObjectKind::MailboxPermission, id, Some(g.mailbox.to_string()), raw, row, Some(shown));
}

pub fn read(table: &Table, out: &mut Out) {
    out.covers(&ObjectKind::MailboxPermission);
    if is_summary(&table.headers) {
        read_summary(table, out);
    } else {
        read_exchange(table, out);
    }
}

fn read_summary(table: &Table, out: &mut Out) {
    for row in &table.rows {
        let Some(mailbox) = table.value(row, &["UserPrincipalName", "PrimarySmtpAddress"]) else {
            out.bad(row, "a mailbox without its address");
            continue;
        };
        let mailbox_name = table.value(row, &["DisplayName"]).unwrap_or(mailbox);
        let mailbox_type = table.value(row, &["RecipientTypeDetails"]);
        for (column, right) in [("FullAccessUsers", "FullAccess"), ("SendAsUsers", "SendAs"), ("SendOnBehalfUsers", "SendOnBehalf"), ("InboxUsers", "Inbox")] {
            for entry in list(table.get(row, &[column]), false) {
                // Folder entries end with their rights: `Name (addr) - Reviewer`.
                let (trustee, right) = match (right, entry.rsplit_once(" - ")) {
                    ("Inbox", Some((who, rights))) => (who.to_string(), format!("Inbox: {}", rights.trim())),
                    _ => (entry.clone(), right.to_string()),
                };
                if is_system(&trustee) {
                    continue;
                }
                push(out, row, Grant { mailbox, mailbox_name, mailbox_type, trustee, right });
            }
        }
    }
    if table.has(&["CalendarUsers"]) {
        out.note("calendar permissions are not read: sharing a calendar is ordinary and rarely an intruder's doing");
    }
}

fn read_exchange(table: &Table, out: &mut Out) {
    for row in &table.rows {
        let (Some(mailbox), Some(trustee)) = (table.value(row, &["Identity"]), table.value(row, &["User", "Trustee"])) else {
            out.bad(row, "a permission without its mailbox or its trustee");
            continue;
        };
        let inherited = flag(table.get(row, &["IsInherited"])) == Some(true);
        let denied = flag(table.get(row, &["Deny"])) == Some(true) || table.get(row, &["AccessControlType"]).eq_ignore_ascii_case("Deny");
        if inherited || denied || is_system(trustee) {
            continue;
        }
        for right in list(table.get(row, &["AccessRights"]), true) {
            push(out, row, Grant { mailbox, mailbox_name: mailbox, mailbox_type: None, trustee: trustee.to_string(), right });
        }
    }
}
