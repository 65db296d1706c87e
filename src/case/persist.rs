//! The case as a versioned JSON document: what the browser stores after every
//! change and what the analyst exports. Older versions are migrated forward;
//! a newer or broken document is refused with a reason and nothing is changed.

use super::Case;
use serde_json::Value;

/// Version of the case document this build writes.
/// v2 added event annotations and finding verdicts; a v1 build would drop
/// them silently, so the version says it cannot read such a file.
pub const SCHEMA_VERSION: u64 = 2;

/// Marks a JSON document as a Loupe case.
const KIND: &str = "loupe-case";

pub fn to_json(case: &Case) -> String {
    let mut doc = serde_json::Map::new();
    doc.insert("kind".into(), Value::from(KIND));
    doc.insert("version".into(), Value::from(SCHEMA_VERSION));
    doc.insert("case".into(), serde_json::to_value(case).unwrap_or(Value::Null));
    Value::Object(doc).to_string()
}

pub fn from_json(text: &str) -> Result<Case, String> {
    if text.len() > crate::limits::MAX_CASE_BYTES {
        return Err(format!(
            "This file is {} MB, larger than a case document may be ({} MB); it is not a Loupe case file. Nothing was changed.",
            text.len() >> 20,
            crate::limits::MAX_CASE_BYTES >> 20
        ));
    }
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("This is not a Loupe case file: it is not valid JSON ({e})."))?;
    if doc.get("kind").and_then(Value::as_str) != Some(KIND) {
        return Err("This is not a Loupe case file (no \"kind\": \"loupe-case\").".into());
    }
    let version = doc.get("version").and_then(Value::as_u64).ok_or("The case file has no version number.")?;
    if version > SCHEMA_VERSION {
        return Err(format!(
            "This case file was written by a newer Loupe (case format v{version}); this build reads up to v{SCHEMA_VERSION}. Nothing was changed."
        ));
    }
    let body = migrate(doc.get("case").cloned().unwrap_or(Value::Null), version)?;
    serde_json::from_value(body).map_err(|e| format!("The case file is damaged: {e}. Nothing was changed."))
}

/// Whether `bytes` are a Loupe case document (so a dropped file can be
/// imported rather than read as evidence). Cheap for big evidence files:
/// the marker must appear near the start before any JSON is parsed.
pub fn is_case_document(bytes: &[u8]) -> bool {
    const MARKER: &[u8] = b"loupe-case";
    let head = &bytes[..bytes.len().min(64 * 1024)];
    if !head.windows(MARKER.len()).any(|w| w == MARKER) {
        return false;
    }
    #[derive(serde::Deserialize)]
    struct Kind {
        kind: Option<String>,
    }
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(bytes);
    serde_json::from_slice::<Kind>(text).is_ok_and(|k| k.kind.as_deref() == Some(KIND))
}

/// A file name for an exported case: its name made safe, and the date.
pub fn export_file_name(case: &Case, today: &str) -> String {
    let slug: String = case
        .name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .take(8)
        .collect::<Vec<_>>()
        .join("-");
    let slug = if slug.is_empty() { "untitled".to_string() } else { slug };
    format!("loupe-case-{slug}-{today}.json")
}

/// Bring an older case body up to `SCHEMA_VERSION`, one version at a time.
fn migrate(body: Value, from: u64) -> Result<Value, String> {
    match from {
        SCHEMA_VERSION => Ok(body),
        // v1 had no `events` or `findings`; they default to empty.
        1 => migrate(body, 2),
        other => Err(format!("Case format v{other} is not one this build knows how to read.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{CaseAction, StepStatus};

    #[test]
    fn round_trips() {
        let mut case = Case::default();
        case.apply(CaseAction::SetIncidentStart(Some(1_700_000_000_000)), 1);
        case.apply(CaseAction::SetStepStatus { step: 3, status: StepStatus::Done }, 2);
        case.apply(CaseAction::SetStepNote { step: 3, note: "reset by helpdesk <b>".into() }, 3);
        assert_eq!(from_json(&to_json(&case)), Ok(case));
    }

    #[test]
    fn case_documents_are_told_from_evidence() {
        let case = Case { name: "Payroll <b>".into(), ..Case::default() };
        let doc = to_json(&case);
        assert!(is_case_document(doc.as_bytes()));
        assert!(is_case_document(format!("\u{feff}{doc}").as_bytes()));
        assert!(!is_case_document(br#"{"value":[{"kind":"signIn"}]}"#));
        assert!(!is_case_document(br#"[{"note":"loupe-case"}]"#));
        assert!(!is_case_document(b"CreationDate,UserIds,Operations\nloupe-case"));
        assert_eq!(export_file_name(&case, "2026-11-25"), "loupe-case-payroll-b-2026-11-25.json");
        assert_eq!(export_file_name(&Case::default(), "2026-11-25"), "loupe-case-untitled-2026-11-25.json");
    }

    #[test]
    fn refuses_newer_and_foreign_documents() {
        let newer = r#"{"kind":"loupe-case","version":99,"case":{}}"#;
        assert!(from_json(newer).unwrap_err().contains("newer Loupe"));
        assert!(from_json(r#"{"version":1}"#).unwrap_err().contains("not a Loupe case"));
        assert!(from_json("{").unwrap_err().contains("not valid JSON"));
        let damaged = r#"{"kind":"loupe-case","version":1,"case":{"steps":"x"}}"#;
        assert!(from_json(damaged).unwrap_err().contains("damaged"));
    }

    #[test]
    fn missing_fields_take_defaults() {
        let sparse = r#"{"kind":"loupe-case","version":1,"case":{"name":"IR-7"}}"#;
        let case = from_json(sparse).unwrap();
        assert_eq!(case.name, "IR-7");
        assert!(case.steps.is_empty());
    }
}
