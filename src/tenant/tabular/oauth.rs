//! OAuth permissions in the layout both tools inherited from the same
//! community script: one row per permission with `PermissionType`
//! (`Delegated` or `Application`), `AppId`, `ClientObjectId`,
//! `ClientDisplayName`, `ResourceObjectId`, `ResourceDisplayName`,
//! `Permission`, `ConsentType`, `PrincipalObjectId`,
//! `PrincipalDisplayName` (Extractor-Suite's Get-OAuthPermissions; Hawk's
//! `Consent_Grants`, which adds `ConsentGrantRiskCategory`).
//! Extractor-Suite's Get-OAuthPermissionsGraph writes the same columns with
//! `AppDisplayName` for the client's name, plus the app's publisher,
//! visibility and type.
//!
//! Delegated rows of one grant (client, resource, consent type, user) are
//! joined back into one `oAuth2PermissionGrant` with a space-separated
//! `scope`, so the app rules rank it as they rank a Graph export.
//! Application rows become `appRoleAssignment`s that carry the permission's
//! name (`appRoleValue`), since the report has no app role id.

use super::table::Table;
use super::Out;
use crate::ingest::csv_input::Headers;
use crate::tenant::kind::ObjectKind;
use serde_json::json;
use std::collections::BTreeMap;

pub fn matches(h: &Headers) -> bool {
    h.has("PermissionType") && h.has("ClientObjectId") && h.has("Permission")
}

/// One delegated grant being rebuilt from its rows.
struct Grant {
    first_row: usize,
    client: String,
    client_name: Option<String>,
    resource: String,
    resource_name: Option<String>,
    consent: String,
    principal: Option<String>,
    principal_name: Option<String>,
    app_id: Option<String>,
    scopes: Vec<String>,
}

pub fn read(table: &Table, out: &mut Out) {
    out.covers(&ObjectKind::OAuth2PermissionGrant);
    let mut grants: BTreeMap<String, Grant> = BTreeMap::new();
    for (index, row) in table.rows.iter().enumerate() {
        let kind = table.get(row, &["PermissionType"]);
        let client = table.value(row, &["ClientObjectId"]);
        let resource = table.value(row, &["ResourceObjectId"]);
        let permission = table.value(row, &["Permission"]);
        let (Some(client), Some(resource), Some(permission)) = (client, resource, permission) else {
            out.bad(row, "a permission without its app, its API or its name");
            continue;
        };
        let client_name = table.value(row, &["ClientDisplayName", "AppDisplayName"]).map(str::to_string);
        let resource_name = table.value(row, &["ResourceDisplayName"]).map(str::to_string);
        if kind.eq_ignore_ascii_case("Application") {
            let raw = json!({
                "principalId": client,
                "principalDisplayName": client_name,
                "principalType": "ServicePrincipal",
                "resourceId": resource,
                "resourceDisplayName": resource_name,
                "appRoleValue": permission,
                "appId": table.value(row, &["AppId"]),
                "createdDateTime": table.value(row, &["CreationTimestamp"]),
            });
            let id = format!("{client}|{resource}|{permission}");
            let shown = format!("{} → {}: {permission}", client_name.as_deref().unwrap_or(client), resource_name.as_deref().unwrap_or(resource));
            out.push(ObjectKind::AppRoleAssignment, id, None, raw, row, Some(shown));
            continue;
        }
        if !kind.eq_ignore_ascii_case("Delegated") {
            out.bad(row, format!("permission type '{kind}' is neither Delegated nor Application"));
            continue;
        }
        let consent = table.value(row, &["ConsentType"]).unwrap_or("AllPrincipals").to_string();
        let principal = table.value(row, &["PrincipalObjectId"]).map(str::to_string);
        let key = format!("{client}|{resource}|{consent}|{}", principal.as_deref().unwrap_or(""));
        let grant = grants.entry(key).or_insert_with(|| Grant {
            first_row: index,
            client: client.to_string(),
            client_name,
            resource: resource.to_string(),
            resource_name,
            consent,
            principal,
            principal_name: table.value(row, &["PrincipalDisplayName"]).map(str::to_string),
            app_id: table.value(row, &["AppId"]).map(str::to_string),
            scopes: Vec::new(),
        });
        for scope in permission.split_whitespace() {
            if !grant.scopes.iter().any(|s| s.eq_ignore_ascii_case(scope)) {
                grant.scopes.push(scope.to_string());
            }
        }
    }
    let mut grants: Vec<(String, Grant)> = grants.into_iter().collect();
    grants.sort_by_key(|(_, g)| g.first_row);
    for (key, g) in grants {
        let Some(row) = table.rows.get(g.first_row) else { continue };
        let scope = g.scopes.join(" ");
        let raw = json!({
            "clientId": g.client,
            "clientDisplayName": g.client_name,
            "resourceId": g.resource,
            "resourceDisplayName": g.resource_name,
            "consentType": g.consent,
            "principalId": g.principal,
            "principalDisplayName": g.principal_name,
            "appId": g.app_id,
            "scope": scope,
        });
        let who = match (&g.principal_name, &g.principal) {
            (Some(name), _) => format!(" for {name}"),
            (None, Some(id)) => format!(" for {id}"),
            _ => " for all users".to_string(),
        };
        let shown = format!("{} → {}: {scope}{who}", g.client_name.as_deref().unwrap_or(&g.client), g.resource_name.as_deref().unwrap_or(&g.resource));
        out.push(ObjectKind::OAuth2PermissionGrant, key, None, raw, row, Some(shown));
    }
}
