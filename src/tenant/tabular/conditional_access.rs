//! Extractor-Suite's Get-ConditionalAccessPolicies: one row per policy with
//! `DisplayName`, `Id`, `State`, `CreatedDateTime`, `ModifiedDateTime`,
//! the targets (`IncludeUsers`, `ExcludeUsers`, `IncludeGroups`,
//! `ExcludeGroups`, `IncludeRoles`, `ExcludeRoles`, `IncludeApplications`,
//! `ExcludeApplications`, `IncludeLocations`, `ExcludeLocations`,
//! `IncludePlatforms`, `ExcludePlatforms`), `ClientAppTypes`,
//! `UserRiskLevels`, `SignInRiskLevels`, `BuiltInControls`, `GrantOperator`
//! (lists joined with `; `). Its first versions had no target columns and
//! wrote lists with `Out-String` (one item per line) and the grant
//! operator as `ClientOperatorAppTypes`. Rows are rebuilt into Graph's
//! policy shape so the Conditional Access rules and posture checks apply.

use super::table::{Row, Table};
use super::values::list;
use super::Out;
use crate::ingest::csv_input::Headers;
use crate::tenant::kind::ObjectKind;
use serde_json::{json, Value};

pub fn matches(h: &Headers) -> bool {
    h.has("DisplayName") && h.has("Id") && h.has("State") && h.count_present(&["BuiltInControls", "IncludeUsers", "ClientAppTypes", "GrantOperator"]) >= 2
}

fn items(table: &Table, row: &Row, name: &str) -> Value {
    json!(list(table.get(row, &[name]), false))
}

pub fn read(table: &Table, out: &mut Out) {
    out.covers(&ObjectKind::ConditionalAccessPolicy);
    let targets = table.has(&["IncludeUsers"]);
    if !targets {
        out.note("this export has no target columns (users, groups, roles, apps): the posture checks cannot tell whom each policy covers; export with a current Extractor-Suite or as Graph JSON");
    }
    let order = table.date_order(&["CreatedDateTime", "ModifiedDateTime"]);
    for row in &table.rows {
        let Some(id) = table.value(row, &["Id"]) else {
            out.bad(row, "a policy without an id: it cannot be matched between snapshots");
            continue;
        };
        let mut conditions = json!({
            "clientAppTypes": items(table, row, "ClientAppTypes"),
            "userRiskLevels": items(table, row, "UserRiskLevels"),
            "signInRiskLevels": items(table, row, "SignInRiskLevels"),
            "servicePrincipalRiskLevels": items(table, row, "ServicePrincipalRiskLevels"),
        });
        if targets {
            conditions["users"] = json!({
                "includeUsers": items(table, row, "IncludeUsers"),
                "excludeUsers": items(table, row, "ExcludeUsers"),
                "includeGroups": items(table, row, "IncludeGroups"),
                "excludeGroups": items(table, row, "ExcludeGroups"),
                "includeRoles": items(table, row, "IncludeRoles"),
                "excludeRoles": items(table, row, "ExcludeRoles"),
            });
            conditions["applications"] = json!({
                "includeApplications": items(table, row, "IncludeApplications"),
                "excludeApplications": items(table, row, "ExcludeApplications"),
            });
            if table.has(&["IncludeLocations"]) {
                conditions["locations"] = json!({"includeLocations": items(table, row, "IncludeLocations"), "excludeLocations": items(table, row, "ExcludeLocations")});
            }
            if table.has(&["IncludePlatforms"]) {
                conditions["platforms"] = json!({"includePlatforms": items(table, row, "IncludePlatforms"), "excludePlatforms": items(table, row, "ExcludePlatforms")});
            }
        }
        let raw = json!({
            "id": id,
            "displayName": table.value(row, &["DisplayName"]),
            "state": table.value(row, &["State"]),
            "createdDateTime": table.time(row, &["CreatedDateTime"], order),
            "modifiedDateTime": table.time(row, &["ModifiedDateTime"], order),
            "conditions": conditions,
            "grantControls": {
                "operator": table.value(row, &["GrantOperator", "ClientOperatorAppTypes"]),
                "builtInControls": items(table, row, "BuiltInControls"),
                "customAuthenticationFactors": items(table, row, "CustomAuthenticationFactors"),
                "termsOfUse": items(table, row, "TermsOfUse"),
            },
            "sessionControls": null,
        });
        out.push(ObjectKind::ConditionalAccessPolicy, id.to_string(), None, raw, row, None);
    }
}
