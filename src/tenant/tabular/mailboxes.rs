//! Per-mailbox settings: forwarding and auditing.
//!
//! - Hawk's forwarding reports (`User_ForwardingReport`,
//!   `_Investigate_Users_WithForwarding`) select `DisplayName`,
//!   `UserPrincipalName`, `PrimarySMTPAddress`, `ForwardingSMTPAddress`,
//!   `ForwardingAddress`, `DeliverToMailboxAndForward`, `WhenChangedUTC`.
//! - Extractor-Suite's Get-MailboxAuditStatus writes `UserPrincipalName`,
//!   `DisplayName`, `RecipientTypeDetails`, `AuditEnabled`,
//!   `AuditBypassEnabled`, `DefaultAuditSet`, `OwnerAuditActions`,
//!   `DelegateAuditActions`, `AdminAuditActions` (with counts) and
//!   `EffectiveAuditState`.
//! - A plain `Get-Mailbox | Export-Csv` carries both sets of properties;
//!   each mailbox then gives both objects.

use super::table::{Row, Table};
use super::values::{addresses, flag, list};
use super::Out;
use crate::ingest::csv_input::Headers;
use crate::tenant::kind::ObjectKind;
use serde_json::{json, Value};

const MAILBOX: &[&str] = &["UserPrincipalName", "PrimarySmtpAddress", "Identity", "Alias"];
const FORWARDING: &[&str] = &["ForwardingSmtpAddress"];
const AUDIT: &[&str] = &["AuditEnabled"];

fn has_forwarding(h: &Headers) -> bool {
    h.index(FORWARDING).is_some() && h.count_present(&["DeliverToMailboxAndForward", "ForwardingAddress"]) > 0
}

fn has_audit(h: &Headers) -> bool {
    h.index(AUDIT).is_some() && h.count_present(&["AuditBypassEnabled", "DefaultAuditSet", "OwnerAuditActions", "AuditOwner", "EffectiveAuditState", "RecipientTypeDetails"]) > 0
}

pub fn matches(h: &Headers) -> bool {
    h.index(MAILBOX).is_some() && (has_forwarding(h) || has_audit(h))
}

fn bool_cell(table: &Table, row: &Row, names: &[&str]) -> Value {
    flag(table.get(row, names)).map_or(Value::Null, Value::Bool)
}

fn text(table: &Table, row: &Row, names: &[&str]) -> Value {
    table.value(row, names).map_or(Value::Null, |v| Value::String(v.to_string()))
}

pub fn read(table: &Table, out: &mut Out) {
    let forwarding = has_forwarding(&table.headers);
    let audit = has_audit(&table.headers);
    if forwarding {
        out.covers(&ObjectKind::MailboxForwarding);
    }
    if audit {
        out.covers(&ObjectKind::MailboxAuditSetting);
    }
    let order = table.date_order(&["WhenChangedUTC", "WhenChanged"]);
    for row in &table.rows {
        let Some(mailbox) = table.value(row, MAILBOX) else {
            out.bad(row, "a mailbox without its address or name");
            continue;
        };
        let id = addresses(mailbox).into_iter().next().unwrap_or_else(|| mailbox.to_ascii_lowercase());
        let display = table.value(row, &["DisplayName"]).unwrap_or(mailbox);
        let common = |raw: &mut Value| {
            raw["userPrincipalName"] = text(table, row, &["UserPrincipalName"]);
            raw["primarySmtpAddress"] = text(table, row, &["PrimarySmtpAddress"]);
            raw["displayName"] = Value::String(display.to_string());
            raw["recipientTypeDetails"] = text(table, row, &["RecipientTypeDetails"]);
        };
        if forwarding {
            let smtp = table.value(row, FORWARDING).map(|v| v.trim_start_matches("smtp:").trim_start_matches("SMTP:").to_string());
            let mut raw = json!({
                "mailbox": mailbox,
                "forwardingSmtpAddress": smtp,
                "forwardingAddress": table.value(row, &["ForwardingAddress"]),
                "deliverToMailboxAndForward": bool_cell(table, row, &["DeliverToMailboxAndForward"]),
                "whenChanged": table.time(row, &["WhenChangedUTC", "WhenChanged"], order),
            });
            common(&mut raw);
            out.push(ObjectKind::MailboxForwarding, id.clone(), Some(mailbox.to_string()), raw, row, Some(format!("forwarding of {display}")));
        }
        if audit {
            let actions = |names: &[&str]| json!(list(table.get(row, names), true));
            let mut raw = json!({
                "mailbox": mailbox,
                "auditEnabled": bool_cell(table, row, AUDIT),
                "auditBypassEnabled": bool_cell(table, row, &["AuditBypassEnabled"]),
                "effectiveAuditState": table.value(row, &["EffectiveAuditState"]),
                "defaultAuditSet": actions(&["DefaultAuditSet"]),
                "ownerAuditActions": actions(&["OwnerAuditActions", "AuditOwner"]),
                "delegateAuditActions": actions(&["DelegateAuditActions", "AuditDelegate"]),
                "adminAuditActions": actions(&["AdminAuditActions", "AuditAdmin"]),
            });
            common(&mut raw);
            out.push(ObjectKind::MailboxAuditSetting, id, Some(mailbox.to_string()), raw, row, Some(format!("auditing of {display}")));
        }
    }
}
