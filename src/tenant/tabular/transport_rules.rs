//! Mail flow (transport) rules. Extractor-Suite's Get-TransportRules keeps
//! `Name`, `Description`, `CreatedBy`, `WhenChanged`, `State`, `Priority`
//! and `Mode` only, so the actions are read from Exchange's description
//! text; a full `Get-TransportRule` export also has the action properties
//! (`BlindCopyTo`, `RedirectMessageTo`, `AddToRecipients`, `CopyTo`,
//! `SetSCL`), which are kept when present.

use super::table::{Row, Table};
use super::values::list;
use super::Out;
use crate::ingest::csv_input::Headers;
use crate::tenant::kind::ObjectKind;
use serde_json::{json, Value};

pub fn matches(h: &Headers) -> bool {
    h.has("Name")
        && h.has("State")
        && !h.has("RuleName")
        && h.count_present(&["Mode", "Priority", "CreatedBy", "WhenChanged"]) >= 2
        && h.count_present(&["Description", "BlindCopyTo", "RedirectMessageTo", "SetSCL"]) > 0
}

fn recipients(table: &Table, row: &Row, name: &str) -> Value {
    json!(list(table.get(row, &[name]), false))
}

pub fn read(table: &Table, out: &mut Out) {
    out.covers(&ObjectKind::TransportRule);
    let order = table.date_order(&["WhenChanged"]);
    for row in &table.rows {
        let Some(name) = table.value(row, &["Name"]) else {
            out.bad(row, "a transport rule without a name");
            continue;
        };
        let raw = json!({
            "name": name,
            "state": table.value(row, &["State"]),
            "mode": table.value(row, &["Mode"]),
            "priority": table.value(row, &["Priority"]),
            "description": table.value(row, &["Description"]),
            "createdBy": table.value(row, &["CreatedBy"]),
            "whenChanged": table.time(row, &["WhenChanged"], order),
            "blindCopyTo": recipients(table, row, "BlindCopyTo"),
            "redirectMessageTo": recipients(table, row, "RedirectMessageTo"),
            "addToRecipients": recipients(table, row, "AddToRecipients"),
            "copyTo": recipients(table, row, "CopyTo"),
            "setScl": table.value(row, &["SetSCL"]),
        });
        let id = table.value(row, &["Guid", "Identity"]).unwrap_or(name).to_string();
        out.push(ObjectKind::TransportRule, id, None, raw, row, Some(name.to_string()));
    }
}
