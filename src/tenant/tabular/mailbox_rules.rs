//! Inbox rules. Extractor-Suite's Get-MailboxRules writes one row per rule
//! with `UserName`, `RuleName`, `Enabled`, `Priority`, `RuleIdentity`,
//! the actions (`ForwardTo`, `ForwardAsAttachmentTo`, `RedirectTo`,
//! `MoveToFolder`, `CopyToFolder`, `DeleteMessage`, `SoftDeleteMessage`,
//! `MarkAsRead`) and the conditions (`From`, `SubjectContainsWords`,
//! `SubjectOrBodyContainsWords`, `BodyContainsWords`, keyword lists joined
//! with `, `); its first versions wrote `RuleEnabled`, `CopytoFolder`,
//! `MovetoFolder` and `TextDescription`. Hawk exports `Get-InboxRule`
//! objects as they are (`Name`, `MailboxOwnerId`, `Identity` …), as CSV
//! and JSON.

use super::table::{Row, Table};
use super::values::{addresses, flag, list};
use super::Out;
use crate::ingest::csv_input::Headers;
use crate::tenant::kind::ObjectKind;
use serde_json::{json, Value};

const OWNER: &[&str] = &["UserName", "MailboxOwnerId", "Mailbox", "UserPrincipalName"];
const NAME: &[&str] = &["RuleName", "Name"];
const ACTIONS: &[&str] = &["ForwardTo", "RedirectTo", "ForwardAsAttachmentTo", "DeleteMessage", "MoveToFolder"];

pub fn matches(h: &Headers) -> bool {
    h.index(NAME).is_some() && h.index(OWNER).is_some() && h.count_present(ACTIONS) >= 2
}

fn recipients(table: &Table, row: &Row, names: &[&str]) -> Value {
    let cell = table.get(row, names);
    let mut items = list(cell, false);
    // A recipient list joined with commas still names each address once.
    if items.len() == 1 && addresses(cell).len() > 1 {
        items = addresses(cell);
    }
    json!(items)
}

fn bool_cell(table: &Table, row: &Row, names: &[&str]) -> Value {
    flag(table.get(row, names)).map_or(Value::Null, Value::Bool)
}

pub fn read(table: &Table, out: &mut Out) {
    out.covers(&ObjectKind::InboxRule);
    for row in &table.rows {
        let owner = table.value(row, OWNER);
        let name = table.value(row, NAME);
        let (Some(owner), Some(name)) = (owner, name) else {
            out.bad(row, "an inbox rule without its mailbox or its name: it cannot be told apart from others");
            continue;
        };
        let rule_id = table.value(row, &["RuleIdentity", "Identity"]).unwrap_or(name);
        let words = |names: &[&str]| json!(list(table.get(row, names), true));
        let raw = json!({
            "mailbox": owner,
            "name": name,
            "enabled": bool_cell(table, row, &["Enabled", "RuleEnabled"]),
            "priority": table.value(row, &["Priority"]),
            "ruleIdentity": table.value(row, &["RuleIdentity", "Identity"]),
            "forwardTo": recipients(table, row, &["ForwardTo"]),
            "forwardAsAttachmentTo": recipients(table, row, &["ForwardAsAttachmentTo"]),
            "redirectTo": recipients(table, row, &["RedirectTo"]),
            "moveToFolder": table.value(row, &["MoveToFolder", "MovetoFolder"]),
            "copyToFolder": table.value(row, &["CopyToFolder", "CopytoFolder"]),
            "deleteMessage": bool_cell(table, row, &["DeleteMessage"]),
            "softDeleteMessage": bool_cell(table, row, &["SoftDeleteMessage"]),
            "markAsRead": bool_cell(table, row, &["MarkAsRead"]),
            "stopProcessingRules": bool_cell(table, row, &["StopProcessingRules"]),
            "from": recipients(table, row, &["From"]),
            "subjectContainsWords": words(&["SubjectContainsWords"]),
            "subjectOrBodyContainsWords": words(&["SubjectOrBodyContainsWords"]),
            "bodyContainsWords": words(&["BodyContainsWords"]),
            "fromAddressContainsWords": words(&["FromAddressContainsWords"]),
            "description": table.value(row, &["Description", "TextDescription"]),
            "inError": bool_cell(table, row, &["InError"]),
        });
        let id = format!("{}/{rule_id}", owner.to_ascii_lowercase());
        let shown = format!("{name} ({owner})");
        out.push(ObjectKind::InboxRule, id, Some(owner.to_string()), raw, row, Some(shown));
    }
}
