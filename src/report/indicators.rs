//! The investigation's indicators for other tools: a spreadsheet-safe CSV
//! and a STIX 2.1 bundle of `indicator` objects. Patterns quote every value
//! as STIX requires, so a marked value cannot change the pattern.

use super::spreadsheet_safe;
use crate::detect::{Context, IndicatorKind};
use crate::model::{format_utc, TimeMs};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

fn kind_key(kind: IndicatorKind) -> &'static str {
    match kind {
        IndicatorKind::Ip => "ip",
        IndicatorKind::UserAgent => "user_agent",
        IndicatorKind::AppId => "app_id",
        IndicatorKind::Domain => "domain",
        IndicatorKind::EmailAddress => "email_address",
        IndicatorKind::Account => "account",
        IndicatorKind::Other => "other",
    }
}

/// Suspect accounts and marked indicators as CSV (UTF-8 with BOM).
pub fn indicators_csv(ctx: &Context) -> String {
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let _ = writer.write_record(["kind", "value", "note"]);
    for upn in &ctx.suspect_accounts {
        let _ = writer.write_record(["suspect_account", &spreadsheet_safe(upn), ""]);
    }
    for ind in &ctx.indicators {
        let _ = writer.write_record([kind_key(ind.kind), &spreadsheet_safe(&ind.value), &spreadsheet_safe(&ind.note)]);
    }
    let body = writer.into_inner().map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
    format!("\u{feff}{body}")
}

/// A STIX string literal: quotes and backslashes escaped.
fn stix_literal(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A STIX identifier derived from what it names, so the same indicator
/// keeps its id across exports (RFC 4122 layout, version 5 bits).
fn stix_id(kind: &str, seed: &str) -> String {
    let digest = Sha256::digest(seed.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{kind}--{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// The STIX pattern for one marked value, where STIX has an object for it.
fn pattern(kind: IndicatorKind, value: &str) -> Option<String> {
    let v = stix_literal(value.trim());
    Some(match kind {
        IndicatorKind::Ip if value.contains(':') => format!("[ipv6-addr:value = {v}]"),
        IndicatorKind::Ip => format!("[ipv4-addr:value = {v}]"),
        IndicatorKind::Domain => format!("[domain-name:value = {v}]"),
        IndicatorKind::EmailAddress => format!("[email-addr:value = {v}]"),
        IndicatorKind::UserAgent => format!("[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = {v}]"),
        IndicatorKind::Account => format!("[user-account:user_id = {v}]"),
        IndicatorKind::AppId | IndicatorKind::Other => return None,
    })
}

/// The indicators as a STIX 2.1 bundle. `now` stamps `created`/`modified`;
/// values STIX has no object for (app ids, free text) are left out and
/// counted in the bundle's description.
pub fn stix_bundle(ctx: &Context, case_name: &str, now: TimeMs) -> Value {
    let stamp = format_utc(now);
    let valid_from = ctx.window.map_or_else(|| stamp.clone(), |(start, _)| format_utc(start));
    let mut objects = Vec::new();
    let mut skipped = 0;
    let marked = ctx.suspect_accounts.iter().map(|a| (IndicatorKind::Account, a.as_str(), "suspect account")).chain(ctx.indicators.iter().map(|i| (i.kind, i.value.as_str(), i.note.as_str())));
    for (kind, value, note) in marked {
        let Some(pattern) = pattern(kind, value) else {
            skipped += 1;
            continue;
        };
        objects.push(json!({
            "type": "indicator",
            "spec_version": "2.1",
            "id": stix_id("indicator", &format!("{}:{}", kind_key(kind), value.trim().to_lowercase())),
            "created": stamp,
            "modified": stamp,
            "name": format!("{} {}", kind_key(kind).replace('_', " "), value.trim()),
            "description": note,
            "indicator_types": ["compromised"],
            "pattern": pattern,
            "pattern_type": "stix",
            "valid_from": valid_from,
        }));
    }
    json!({
        "type": "bundle",
        "id": stix_id("bundle", &format!("{case_name}:{stamp}")),
        "objects": objects,
        "x_loupe_case": case_name,
        "x_loupe_left_out": skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Indicator;

    fn ctx() -> Context {
        Context {
            suspect_accounts: vec!["o'brien@contoso.com".into()],
            indicators: vec![
                Indicator::new(IndicatorKind::Ip, "203.0.113.7", "=HYPERLINK(\"x\")"),
                Indicator::new(IndicatorKind::Ip, "2001:db8::1", ""),
                Indicator::new(IndicatorKind::UserAgent, "python-requests/2.31 ' OR 1=1 \\", ""),
                Indicator::new(IndicatorKind::AppId, "eca30e09-f31c-4d02-944b-4920f2f06e7a", ""),
                Indicator::new(IndicatorKind::Domain, "=evil.example", ""),
            ],
            ..Context::default()
        }
    }

    #[test]
    fn csv_is_spreadsheet_safe() {
        let text = indicators_csv(&ctx());
        assert!(text.starts_with('\u{feff}'));
        let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), 6);
        assert_eq!(&rows[1][2], "'=HYPERLINK(\"x\")");
        assert_eq!(&rows[5][1], "'=evil.example");
    }

    #[test]
    fn stix_bundle_quotes_values_and_keeps_ids_stable() {
        let bundle = stix_bundle(&ctx(), "Case <1>", 1_772_000_000_000);
        let objects = bundle["objects"].as_array().unwrap();
        assert_eq!(objects.len(), 5, "the app id has no STIX object");
        assert_eq!(bundle["x_loupe_left_out"], 1);
        let patterns: Vec<&str> = objects.iter().map(|o| o["pattern"].as_str().unwrap()).collect();
        assert!(patterns.contains(&"[user-account:user_id = 'o\\'brien@contoso.com']"), "{patterns:?}");
        assert!(patterns.contains(&"[ipv6-addr:value = '2001:db8::1']"));
        assert!(patterns.iter().any(|p| p.ends_with("= 'python-requests/2.31 \\' OR 1=1 \\\\']")), "{patterns:?}");
        for o in objects {
            let id = o["id"].as_str().unwrap();
            assert!(id.starts_with("indicator--") && id.len() == "indicator--".len() + 36, "{id}");
            assert_eq!(o["spec_version"], "2.1");
        }
        let again = stix_bundle(&ctx(), "Case <1>", 1_772_000_000_000);
        assert_eq!(again["objects"][0]["id"], objects[0]["id"]);
    }
}
