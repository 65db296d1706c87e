//! Timeline exports for other tools: a CSV that Excel opens safely, and
//! JSON lines in the shape Timesketch imports. Evidence is hostile text:
//! the CSV neutralises anything a spreadsheet would run as a formula, and
//! both go through real CSV / JSON writers so no value can break a field.

use crate::model::{format_utc, Event};
use serde_json::{json, Map, Value};

/// Excel and LibreOffice read a cell starting with one of these as a
/// formula (DDE and `=HYPERLINK` attacks); a leading apostrophe makes it
/// text. Tabs and carriage returns are on the list because some readers
/// skip them before looking.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell value a spreadsheet will show as text.
pub fn spreadsheet_safe(value: &str) -> String {
    let first_visible = value.trim_start_matches([' ', '\u{a0}']).chars().next();
    let full_width = first_visible.is_some_and(|c| matches!(c, '＝' | '＋' | '－' | '＠'));
    if value.starts_with(FORMULA_STARTS) || first_visible.is_some_and(|c| FORMULA_STARTS.contains(&c)) || full_width {
        format!("'{value}")
    } else {
        value.to_string()
    }
}

const CSV_COLUMNS: [&str; 14] =
    ["time_utc", "source", "operation", "actor", "target", "ip", "country", "city", "outcome", "user_agent", "app", "record_id", "file", "attributes"];

/// The events as CSV: UTF-8 with a byte-order mark (so Excel reads it as
/// UTF-8), one row per event, attributes as one JSON cell.
pub fn timeline_csv<'a>(events: impl IntoIterator<Item = (Event, &'a str)>) -> String {
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let _ = writer.write_record(CSV_COLUMNS);
    for (event, file) in events {
        let attrs: Map<String, Value> = event.attrs.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        let cells = [
            format_utc(event.time),
            event.source.key().to_string(),
            event.operation.clone(),
            event.actor.clone(),
            event.target.clone(),
            event.ip.clone(),
            event.country.clone(),
            event.city.clone(),
            event.outcome.key().to_string(),
            event.user_agent.clone(),
            event.app.clone(),
            event.record_id.clone(),
            format!("{file}:{}", event.line),
            if attrs.is_empty() { String::new() } else { Value::Object(attrs).to_string() },
        ];
        let _ = writer.write_record(cells.iter().map(|c| spreadsheet_safe(c)));
    }
    let body = writer.into_inner().map(|bytes| String::from_utf8_lossy(&bytes).into_owned()).unwrap_or_default();
    format!("\u{feff}{body}")
}

/// The events as Timesketch JSON lines: `message`, `datetime` (ISO 8601),
/// `timestamp` (microseconds) and `timestamp_desc`, plus every field.
pub fn timesketch_jsonl<'a>(events: impl IntoIterator<Item = (Event, &'a str)>) -> String {
    let mut out = String::new();
    for (event, file) in events {
        let mut line = match super::event_json(&event, file) {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        let who = if event.actor.is_empty() { String::new() } else { format!(" by {}", event.actor) };
        let from = if event.ip.is_empty() { String::new() } else { format!(" from {}", event.ip) };
        let on = if event.target.is_empty() || event.target == event.actor { String::new() } else { format!(" on {}", event.target) };
        line.insert("message".into(), json!(format!("{}{who}{on}{from} ({})", event.operation, event.outcome.key())));
        line.insert("datetime".into(), json!(format_utc(event.time)));
        line.insert("timestamp".into(), json!(event.time.saturating_mul(1000)));
        line.insert("timestamp_desc".into(), json!(format!("{} time", event.source.label())));
        out.push_str(&Value::Object(line).to_string());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Outcome, Source};

    const HOSTILE: [&str; 7] = [
        "=HYPERLINK(\"http://evil.example\",\"click\")",
        "+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(1)",
        "\t=1",
        "  =1+1",
        "＝1+1",
    ];

    fn event(operation: &str, actor: &str) -> Event {
        Event {
            time: 1_772_000_000_123,
            source: Source::UnifiedAudit,
            operation: operation.into(),
            actor: actor.into(),
            ip: "203.0.113.7".into(),
            outcome: Outcome::Success,
            attrs: vec![("Param.Name".into(), "=cmd".into()), ("Note".into(), "line\nbreak, \"quoted\"".into())],
            line: 12,
            ..Event::default()
        }
    }

    #[test]
    fn formulas_become_text_and_ordinary_values_stay() {
        for value in HOSTILE {
            assert!(spreadsheet_safe(value).starts_with('\''), "{value:?}");
        }
        for value in ["alice@contoso.com", "203.0.113.7", "New-InboxRule", "", "2026-03-01T10:00:00Z"] {
            assert_eq!(spreadsheet_safe(value), value);
        }
    }

    #[test]
    fn csv_has_a_bom_and_every_hostile_cell_is_neutralised() {
        let events: Vec<(Event, &str)> = HOSTILE.iter().map(|h| (event(h, h), "ual.csv")).collect();
        let text = timeline_csv(events);
        assert!(text.starts_with('\u{feff}'));
        let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        assert_eq!(reader.headers().unwrap().len(), CSV_COLUMNS.len());
        let mut rows = 0;
        for record in reader.records() {
            let record = record.unwrap();
            assert_eq!(record.len(), CSV_COLUMNS.len(), "no value breaks a field");
            for cell in record.iter() {
                assert!(!cell.starts_with(FORMULA_STARTS) && !cell.trim_start().starts_with(FORMULA_STARTS), "{cell:?}");
            }
            assert!(record[13].contains("line\\nbreak"), "attributes kept as JSON: {}", &record[13]);
            rows += 1;
        }
        assert_eq!(rows, HOSTILE.len());
    }

    #[test]
    fn timesketch_lines_parse_and_carry_the_required_fields() {
        let text = timesketch_jsonl([(event("New-InboxRule", "alice@contoso.com"), "ual.csv"), (event("</script><b>", "x\"y"), "ual.csv")]);
        let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["message"], "New-InboxRule by alice@contoso.com from 203.0.113.7 (success)");
        assert_eq!(lines[0]["datetime"], "2026-02-25T06:13:20.123Z");
        assert_eq!(lines[0]["timestamp"], 1_772_000_000_123_000i64);
        assert_eq!(lines[0]["timestamp_desc"], "Unified Audit Log time");
        assert_eq!(lines[1]["operation"], "</script><b>");
        assert_eq!(lines[1]["actor"], "x\"y");
    }
}
