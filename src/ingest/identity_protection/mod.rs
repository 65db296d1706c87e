//! Microsoft Entra ID Protection: what Entra's risk engine concluded about
//! accounts. Two kinds of record, each its own reader:
//!
//! - risk detections (`detection`): one suspicious thing Entra saw, such as
//!   an unfamiliar sign-in, leaked credentials or a token replay, with the
//!   account, address, place and time, and the sign-in's request and
//!   correlation ids when a sign-in caused it. Graph `riskDetection` and
//!   `servicePrincipalRiskDetection` objects, the Log Analytics tables
//!   `AADUserRiskEvents` and `AADServicePrincipalRiskEvents`, and
//!   Microsoft-Extractor-Suite's `Get-RiskyDetections` CSV (Graph's fields,
//!   location split into `City`, `State`, `CountryOrRegion`).
//! - risk states (`risk_state`): where an account stands (`atRisk`,
//!   `confirmedCompromised`, `remediated`, `dismissed`) and since when. Graph
//!   `riskyUser`, `riskyUserHistoryItem` (which adds who changed it) and
//!   `riskyServicePrincipal` objects, the tables `AADRiskyUsers` and
//!   `AADRiskyServicePrincipals`, and Extractor-Suite's `Get-RiskyUsers`.
//!
//! The diagnostic-settings categories `UserRiskEvents`,
//! `ServicePrincipalRiskEvents`, `RiskyUsers` and `RiskyServicePrincipals`
//! wrap the same Graph objects; `entra_diagnostic` hands their `properties`
//! here.
//!
//! Names are matched ignoring case (Graph's camelCase, Log Analytics'
//! PascalCase), and nested objects may arrive as JSON text. A detection says
//! nothing of whether the sign-in behind it succeeded, so its outcome is
//! unknown; the sign-in log has that under the same `RequestId`.

mod detection;
mod risk_state;

pub(super) use detection::from_graph_object as detection_from_graph_object;
pub(super) use risk_state::from_graph_object as risk_state_from_graph_object;

use super::{RowCtx, Schema, SchemaDef};
use crate::model::TimeMs;

pub static SCHEMAS: &[SchemaDef] = &[
    SchemaDef {
        schema: Schema::GraphRiskDetection,
        detect_csv: detection::graph::detect_csv,
        detect_json: detection::graph::detect_json,
        from_csv: detection::from_csv,
        from_json: detection::from_json,
    },
    SchemaDef {
        schema: Schema::SentinelRiskEvents,
        detect_csv: detection::log_analytics::detect_csv,
        detect_json: detection::log_analytics::detect_json,
        from_csv: detection::from_csv,
        from_json: detection::from_json,
    },
    SchemaDef {
        schema: Schema::GraphRiskyUser,
        detect_csv: risk_state::graph::detect_csv,
        detect_json: risk_state::graph::detect_json,
        from_csv: risk_state::from_csv,
        from_json: risk_state::from_json,
    },
    SchemaDef {
        schema: Schema::SentinelRiskyUsers,
        detect_csv: risk_state::log_analytics::detect_csv,
        detect_json: risk_state::log_analytics::detect_json,
        from_csv: risk_state::from_csv,
        from_json: risk_state::from_json,
    },
];

/// A time as the exports write it (ISO, locale dates from `Export-Csv`,
/// `/Date(ms)/` from Windows PowerShell), or why there is none.
fn parse_time(field: &str, text: &str, ctx: &RowCtx) -> Result<TimeMs, String> {
    if text.is_empty() {
        return Err(format!("no time: {field} is empty"));
    }
    super::ual::parse_any_time(text, ctx).ok_or_else(|| format!("no usable time in {field} '{text}'"))
}

/// The same record exported twice (Graph and Log Analytics, or two
/// overlapping pulls) is kept once, but a later update of it (its state
/// moved from `atRisk` to `remediated`) is a row of its own. Seconds only:
/// `Export-Csv` drops the fractions Graph writes.
fn record_id(kind: &str, id: &str, updated: Option<TimeMs>) -> String {
    let id = id.trim().to_ascii_lowercase();
    if id.is_empty() {
        return String::new();
    }
    match updated {
        Some(ms) => format!("{kind}|{id}|{}", ms.div_euclid(1000)),
        None => format!("{kind}|{id}"),
    }
}

/// `hidden`, `none` and the API's `unknownFutureValue` say nothing; they
/// are kept as written but never raise a level.
pub fn level_rank(level: &str) -> u8 {
    match level.trim().to_ascii_lowercase().as_str() {
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    }
}

/// PowerShell's `Out-String` leaves a line end after each value; CSV
/// columns filled that way (`City` in `Get-RiskyDetections`) carry it.
fn clean(text: String) -> String {
    let trimmed = text.trim();
    if trimmed.len() == text.len() {
        text
    } else {
        trimmed.to_string()
    }
}
