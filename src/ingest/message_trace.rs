//! Exchange Online message trace: who mailed whom, when, from which
//! address, and whether it arrived. It answers what the Unified Audit Log
//! cannot: which outside recipients got mail a suspect sent, and whose
//! mailboxes a phishing sender reached.
//!
//! Two layouts:
//!
//! - the objects `Get-MessageTrace` and `Get-MessageTraceV2` return, as
//!   `Export-Csv` writes them (maybe after a `#TYPE` line, dates in the
//!   exporting machine's locale) or as `ConvertTo-Json` does (Windows
//!   PowerShell writes dates as `/Date(ms)/`): one row per message and
//!   recipient with `Received`, `SenderAddress`, `RecipientAddress`,
//!   `Status`, `FromIP`, `ToIP`, `MessageTraceId` … The Microsoft Graph
//!   `exchangeMessageTrace` objects carry the same fields under camelCase
//!   names (`receivedDateTime`, `id`) and are read by the same mapper;
//! - the Exchange admin center's downloadable report (the enhanced summary
//!   of a trace over more than ten days), snake_case columns with one row
//!   per message: every recipient and its status sit in `recipient_status`
//!   as `address##Receive, Deliver;address##Receive, Fail`. It is often
//!   UTF-16, which `text` decodes.
//!
//! The actor is the sender, the target the recipient (a report row names
//! all of a message's recipients, separated by `; `); the operation is the
//! delivery status in one word, so `op:Failed` finds bounces.

use super::csv_input::Headers;
use super::signin::record::{self, CsvRecord, Fields, JsonRecord};
use super::ual::{normalise_ip, parse_any_time};
use super::{layout_score, RowCtx, Schema, SchemaDef};
use crate::model::{attr, Event, Outcome, Source};
use serde_json::{Map, Value};

pub static SCHEMAS: &[SchemaDef] = &[
    SchemaDef { schema: Schema::MessageTraceCmdlet, detect_csv: cmdlet::detect_csv, detect_json: cmdlet::detect_json, from_csv: cmdlet::from_csv, from_json: cmdlet::from_json },
    SchemaDef { schema: Schema::MessageTraceReport, detect_csv: report::detect_csv, detect_json: report::detect_json, from_csv: report::from_csv, from_json: report::from_json },
];

/// A delivery status in one word, and what it says about the outcome.
/// Delivered and expanded (a group resolved to its members) reached their
/// destination; failed, quarantined and filtered as spam did not reach the
/// inbox; pending and getting-status are not known yet.
fn status(text: &str) -> (String, Outcome) {
    let key: String = text.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
    let (word, outcome) = match key.as_str() {
        "delivered" | "deliver" | "send" | "resolved" => ("Delivered", Outcome::Success),
        "expanded" | "expand" => ("Expanded", Outcome::Success),
        "failed" | "fail" | "dropped" => ("Failed", Outcome::Failure),
        "filteredasspam" => ("FilteredAsSpam", Outcome::Failure),
        "quarantined" => ("Quarantined", Outcome::Failure),
        "pending" | "defer" | "deferred" => ("Pending", Outcome::Unknown),
        "gettingstatus" => ("GettingStatus", Outcome::Unknown),
        "" => ("Unknown status", Outcome::Unknown),
        _ => return (text.trim().to_string(), Outcome::Unknown),
    };
    (word.to_string(), outcome)
}

/// `Get-MessageTrace` / `Get-MessageTraceV2` objects, and Graph's
/// `exchangeMessageTrace` (the same fields, camelCase).
mod cmdlet {
    use super::*;

    const TYPICAL: [&str; 10] = ["Subject", "Status", "FromIP", "ToIP", "Size", "MessageId", "MessageTraceId", "Organization", "Index", "EndDate"];

    fn detect(has: &dyn Fn(&str) -> bool) -> bool {
        (has("Received") || has("receivedDateTime")) && has("SenderAddress") && has("RecipientAddress") && (has("Status") || has("MessageTraceId") || has("FromIP"))
    }

    pub(super) fn detect_csv(h: &Headers) -> u32 {
        layout_score(&|n| h.has(n), detect, &TYPICAL)
    }

    pub(super) fn detect_json(obj: &Map<String, Value>) -> u32 {
        layout_score(&|n| record::has_key(obj, n), detect, &TYPICAL)
    }

    pub(super) fn from_csv(headers: &Headers, row: &csv::StringRecord, ctx: &RowCtx) -> Result<Event, String> {
        read(&CsvRecord::new(headers, row), ctx)
    }

    pub(super) fn from_json(obj: &Map<String, Value>, ctx: &RowCtx) -> Result<Event, String> {
        read(&JsonRecord::new(obj), ctx)
    }

    fn read(f: &dyn Fields, ctx: &RowCtx) -> Result<Event, String> {
        let time_text = f.text(&["Received", "receivedDateTime"]);
        if time_text.is_empty() {
            return Err("no time: Received is empty".into());
        }
        let Some(time) = parse_any_time(&time_text, ctx) else {
            return Err(format!("no usable time in Received '{time_text}'"));
        };
        let sender = f.text(&["SenderAddress"]);
        let recipient = f.text(&["RecipientAddress"]);
        if sender.is_empty() && recipient.is_empty() {
            return Err("names neither a sender nor a recipient".into());
        }
        let status_text = f.text(&["Status"]);
        let (operation, outcome) = status(&status_text);
        let trace_id = f.text(&["MessageTraceId", "id"]);
        let message_id = f.text(&["MessageId"]);
        let mut event = Event {
            time,
            source: Source::MessageTrace,
            operation,
            actor: sender,
            target: recipient.clone(),
            ip: normalise_ip(&f.text(&["FromIP"])),
            outcome,
            source_time: time_text,
            record_id: record_id(&trace_id, &message_id, &recipient),
            ..Event::default()
        };
        let attrs = [
            (attr::SUBJECT, f.text(&["Subject"])),
            (attr::DELIVERY_STATUS, status_text),
            (attr::MESSAGE_SIZE, f.text(&["Size"])),
            (attr::MESSAGE_ID, message_id),
            (attr::MESSAGE_TRACE_ID, trace_id),
            (attr::TO_IP, normalise_ip(&f.text(&["ToIP"]))),
            ("Organization", f.text(&["Organization"])),
        ];
        event.set_attrs(attrs);
        Ok(event)
    }
}

/// One message to one recipient is one trace row; a message exported twice
/// (overlapping searches) is kept once.
fn record_id(trace_id: &str, message_id: &str, recipient: &str) -> String {
    let message = if trace_id.is_empty() { message_id } else { trace_id };
    if message.is_empty() {
        return String::new();
    }
    format!("{}|{}", message.to_ascii_lowercase().replace('-', ""), recipient.to_ascii_lowercase())
}

/// The Exchange admin center's downloadable report.
mod report {
    use super::*;

    const TYPICAL: [&str; 9] =
        ["message_subject", "total_bytes", "message_id", "network_message_id", "original_client_ip", "directionality", "connector_id", "delivery_priority", "original_server_ip"];

    /// The time column is `origin_timestamp_utc` (the report's time zone in
    /// its name), so any `origin_timestamp…` column counts.
    fn time_column<'a>(names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
        names.into_iter().find(|n| n.trim().trim_start_matches('\u{feff}').to_ascii_lowercase().starts_with("origin_timestamp"))
    }

    fn detect(has: &dyn Fn(&str) -> bool) -> bool {
        has("sender_address") && has("recipient_status")
    }

    pub(super) fn detect_csv(h: &Headers) -> u32 {
        if time_column(h.names.iter().map(String::as_str)).is_none() {
            return 0;
        }
        layout_score(&|n| h.has(n), detect, &TYPICAL)
    }

    pub(super) fn detect_json(obj: &Map<String, Value>) -> u32 {
        if time_column(obj.keys().map(String::as_str)).is_none() {
            return 0;
        }
        layout_score(&|n| record::has_key(obj, n), detect, &TYPICAL)
    }

    pub(super) fn from_csv(headers: &Headers, row: &csv::StringRecord, ctx: &RowCtx) -> Result<Event, String> {
        let time_name = time_column(headers.names.iter().map(String::as_str)).unwrap_or("origin_timestamp_utc").to_string();
        read(&CsvRecord::new(headers, row), &time_name, ctx)
    }

    pub(super) fn from_json(obj: &Map<String, Value>, ctx: &RowCtx) -> Result<Event, String> {
        let time_name = time_column(obj.keys().map(String::as_str)).unwrap_or("origin_timestamp_utc").to_string();
        read(&JsonRecord::new(obj), &time_name, ctx)
    }

    /// `a@x.com##Receive, Deliver;b@y.com##Receive, Fail` -> each address
    /// with the last event it reached.
    pub(super) fn recipients(text: &str) -> Vec<(String, String)> {
        text.split(';')
            .filter_map(|part| {
                let (address, events) = part.split_once("##").unwrap_or((part, ""));
                let address = address.trim();
                let last = events.rsplit(',').next().unwrap_or("").trim();
                (!address.is_empty()).then(|| (address.to_string(), last.to_string()))
            })
            .collect()
    }

    fn read(f: &dyn Fields, time_name: &str, ctx: &RowCtx) -> Result<Event, String> {
        let time_text = f.text(&[time_name]);
        if time_text.is_empty() {
            return Err(format!("no time: {time_name} is empty"));
        }
        let Some(time) = parse_any_time(&time_text, ctx) else {
            return Err(format!("no usable time in {time_name} '{time_text}'"));
        };
        if !time_name.to_ascii_lowercase().ends_with("utc") {
            ctx.note_once(format!("The report's time column is {time_name}: its times were taken as UTC."));
        }
        let sender = f.text(&["sender_address"]);
        let status_text = f.text(&["recipient_status"]);
        let recipients = recipients(&status_text);
        if sender.is_empty() && recipients.is_empty() {
            return Err("names neither a sender nor a recipient".into());
        }
        let statuses: Vec<(String, Outcome)> = recipients.iter().map(|(_, s)| status(s)).collect();
        let (operation, outcome) = match statuses.first() {
            Some(first) if statuses.iter().all(|s| s.0 == first.0) => first.clone(),
            Some(_) if statuses.iter().all(|s| s.1 == Outcome::Success) => ("Delivered".to_string(), Outcome::Success),
            Some(_) => ("Partly delivered".to_string(), Outcome::Unknown),
            None => status(""),
        };
        let trace_id = f.text(&["network_message_id"]);
        let message_id = f.text(&["message_id"]);
        let target = recipients.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>().join("; ");
        let direction = match f.text(&["directionality"]).as_str() {
            "1" => "Inbound".to_string(),
            "2" => "Outbound".to_string(),
            other => other.to_string(),
        };
        let mut event = Event {
            time,
            source: Source::MessageTrace,
            operation,
            actor: sender,
            ip: normalise_ip(&f.text(&["original_client_ip", "client_ip", "original_server_ip"])),
            outcome,
            source_time: time_text,
            record_id: record_id(&trace_id, &message_id, &target),
            target,
            ..Event::default()
        };
        let attrs = [
            (attr::SUBJECT, f.text(&["message_subject"])),
            (attr::DELIVERY_STATUS, status_text),
            (attr::MESSAGE_SIZE, f.text(&["total_bytes"])),
            (attr::MESSAGE_ID, message_id),
            (attr::MESSAGE_TRACE_ID, trace_id),
            (attr::DIRECTION, direction),
            (attr::CONNECTOR, f.text(&["connector_id"])),
            ("DeliveryPriority", f.text(&["delivery_priority"])),
        ];
        event.set_attrs(attrs);
        Ok(event)
    }
}

/// The recipients an event names: one for a cmdlet row, all of a message's
/// for an admin center report row.
pub fn recipients_of(target: &str) -> impl Iterator<Item = &str> {
    target.split(';').map(str::trim).filter(|r| !r.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::format_utc;
    use serde_json::json;

    #[test]
    fn statuses_become_a_word_and_an_outcome() {
        assert_eq!(status("Delivered"), ("Delivered".to_string(), Outcome::Success));
        assert_eq!(status("Expanded"), ("Expanded".to_string(), Outcome::Success));
        assert_eq!(status("FilteredAsSpam"), ("FilteredAsSpam".to_string(), Outcome::Failure));
        assert_eq!(status("Quarantined").1, Outcome::Failure);
        assert_eq!(status("Fail"), ("Failed".to_string(), Outcome::Failure));
        assert_eq!(status("GettingStatus").1, Outcome::Unknown);
        assert_eq!(status("Something new"), ("Something new".to_string(), Outcome::Unknown));
    }

    #[test]
    fn report_recipients_keep_their_last_event() {
        assert_eq!(
            report::recipients("bob@contoso.com##Receive, Deliver;eve@fabrikam.net##Receive, Send; x@y.org##Receive, Fail"),
            vec![("bob@contoso.com".into(), "Deliver".into()), ("eve@fabrikam.net".into(), "Send".into()), ("x@y.org".into(), "Fail".into())]
        );
    }

    #[test]
    fn a_windows_powershell_json_row_reads_its_date() {
        let row = json!({"Received": "/Date(1773482712000)/", "SenderAddress": "a@contoso.com", "RecipientAddress": "b@fabrikam.net", "Status": "Delivered",
            "MessageTraceId": "6D1B-22", "FromIP": "203.0.113.7", "Subject": "hi"});
        let row = row.as_object().cloned().unwrap_or_default();
        assert!(cmdlet::detect_json(&row) > 20);
        let e = cmdlet::from_json(&row, &RowCtx::default()).expect("a row");
        assert_eq!(format_utc(e.time), "2026-03-14T10:05:12.000Z");
        assert_eq!((e.record_id.as_str(), e.ip.as_str(), e.outcome), ("6d1b22|b@fabrikam.net", "203.0.113.7", Outcome::Success));
    }
}
