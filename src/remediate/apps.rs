//! Actions for applications: the consented app the intruder uses (its
//! grants revoked, its service principal disabled) and secrets or
//! certificates added to an app or service principal.

use super::quote::{ps, ps_filter_eq};
use super::{actionable, graph, key, Action, Promise};
use crate::detect::facts::{attr_text, changes};
use crate::detect::{Context, EntityKind, Finding, IndicatorKind};
use crate::model::attr;
use crate::store::EventStore;
use std::collections::BTreeMap;

/// A GUID as Entra writes app and object ids.
fn is_guid(text: &str) -> bool {
    let t = text.trim();
    t.len() == 36 && t.chars().enumerate().all(|(i, c)| if [8, 13, 18, 23].contains(&i) { c == '-' } else { c.is_ascii_hexdigit() })
}

pub fn actions(store: &EventStore, ctx: &Context, findings: &[Finding]) -> Vec<Action> {
    let mut out = Vec::new();
    // Consented apps: app id -> (display name, finding ids, rows).
    let marked: Vec<String> = ctx.indicator_values(IndicatorKind::AppId).map(|v| v.trim().to_lowercase()).collect();
    let mut apps: BTreeMap<String, (String, Vec<String>, Vec<u32>)> = BTreeMap::new();
    for f in actionable(findings, "oauth.consent") {
        let names: Vec<&str> = f.entities.iter().filter(|e| e.kind == EntityKind::App && !is_guid(&e.value)).map(|e| e.value.as_str()).collect();
        // The app id the consent record names; a GUID entity counts only
        // when the analyst marked it, since a service principal's object
        // id is a GUID too and is not an app id.
        let mut ids: Vec<String> = f.rows.iter().filter_map(|&r| app_id_of_row(store, r)).collect();
        ids.extend(f.entities.iter().filter(|e| e.kind == EntityKind::App && marked.contains(&e.value.trim().to_lowercase())).map(|e| e.value.trim().to_lowercase()));
        ids.sort();
        ids.dedup();
        for id in ids {
            let entry = apps.entry(id).or_default();
            if entry.0.is_empty() {
                entry.0 = names.first().map(|n| n.to_string()).unwrap_or_default();
            }
            entry.1.push(f.id.clone());
            entry.2.extend(f.rows.iter().copied());
        }
    }
    // Add what the app itself did from its sign-ins.
    for f in actionable(findings, "oauth.app_activity") {
        for (app_id, entry) in apps.iter_mut() {
            if f.entities.iter().any(|e| e.value.eq_ignore_ascii_case(app_id) || (!entry.0.is_empty() && e.value.eq_ignore_ascii_case(&entry.0))) {
                entry.1.push(f.id.clone());
                entry.2.extend(f.rows.iter().copied());
            }
        }
    }
    // Marked apps nobody consented to in the logs (an existing app the
    // intruder holds a credential for): disable, don't revoke.
    for id in marked.iter().filter(|id| is_guid(id) && !apps.contains_key(*id)) {
        let cited: Vec<&Finding> = actionable(findings, "oauth.app_activity").filter(|f| f.entities.iter().any(|e| e.value.eq_ignore_ascii_case(id))).collect();
        let name = cited.iter().flat_map(|f| f.entities.iter()).find(|e| e.kind == EntityKind::App && !is_guid(&e.value)).map(|e| e.value.clone()).unwrap_or_default();
        let label = if name.is_empty() { id.clone() } else { format!("{name} ({id})") };
        out.push(Action {
            id: format!("disable_app:{id}"),
            step: 2,
            title: format!("Stop {label} signing in until its credentials are clean"),
            why: "The app is marked as used by the intruder, who can sign in as it with any credential they hold. Disabling its service principal stops every sign-in at once; it also stops the business process that relies on it, so agree the outage, remove the intruder's credential, rotate the legitimate one and enable it again.".into(),
            commands: vec![graph(
                &["Application.ReadWrite.All"],
                &format!("$sp = Get-MgServicePrincipal -Filter {}\nUpdate-MgServicePrincipal -ServicePrincipalId $sp.Id -AccountEnabled:$false", ps_filter_eq("appId", id)),
            )],
            portal: "Microsoft Entra admin center › Identity › Applications › Enterprise applications › (the app) › Properties › Enabled for users to sign in? (No)".into(),
            findings: cited.iter().map(|f| f.id.clone()).collect(),
            rows: cited.iter().flat_map(|f| f.rows.iter().copied()).collect(),
            query: format!("app:{id}"),
            promise: Some(Promise { app: Some(id.clone()), successful_only: true, grace_minutes: ctx.token_lifetime_minutes, ..Promise::default() }),
        });
    }
    for (app_id, (name, finding_ids, mut rows)) in apps {
        rows.sort_unstable();
        rows.dedup();
        let label = if name.is_empty() { app_id.clone() } else { format!("{name} ({app_id})") };
        let body = format!(
            "$sp = Get-MgServicePrincipal -Filter {filter}\n\
             # Delegated grants (user consents) and application permissions the app holds:\n\
             Get-MgServicePrincipalOauth2PermissionGrant -ServicePrincipalId $sp.Id | ForEach-Object {{ Remove-MgOauth2PermissionGrant -OAuth2PermissionGrantId $_.Id }}\n\
             Get-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $sp.Id | ForEach-Object {{ Remove-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $sp.Id -AppRoleAssignmentId $_.Id }}\n\
             # Stop anyone signing in to it; delete it once the evidence is kept.\n\
             Update-MgServicePrincipal -ServicePrincipalId $sp.Id -AccountEnabled:$false\n\
             # Remove-MgServicePrincipal -ServicePrincipalId $sp.Id",
            filter = ps_filter_eq("appId", &app_id)
        );
        out.push(Action {
            id: format!("revoke_app:{}", key(&app_id)),
            step: 11,
            title: format!("Revoke the consent to {label} and disable it"),
            why: "A consented app keeps reading data with its own refresh tokens after the user's password is reset and sessions are revoked. Remove every grant it holds and disable its service principal in this tenant; delete it after the evidence is preserved.".into(),
            commands: vec![graph(&["DelegatedPermissionGrant.ReadWrite.All", "AppRoleAssignment.ReadWrite.All", "Application.ReadWrite.All"], &body)],
            portal: "Microsoft Entra admin center › Identity › Applications › Enterprise applications › (the app) › Permissions (review and revoke) and Properties › Enabled for users to sign in? (No)".into(),
            findings: finding_ids,
            query: format!("app:{app_id}"),
            rows,
            promise: Some(Promise { app: Some(app_id.clone()), successful_only: true, grace_minutes: ctx.token_lifetime_minutes, ..Promise::default() }),
        });
    }

    for f in actionable(findings, "oauth.credentials") {
        for &row in &f.rows {
            let object_id = attr_text(store, row, attr::TARGET_ID).trim().to_string();
            let on_sp = attr_text(store, row, attr::TARGET_TYPE).eq_ignore_ascii_case("ServicePrincipal") || store.operation(row).to_lowercase().contains("service principal");
            let app = if store.target(row).is_empty() { object_id.clone() } else { store.target(row).to_string() };
            let key_id = added_key_id(store, row);
            let (get, remove) = if on_sp {
                ("Get-MgServicePrincipal -ServicePrincipalId", "Remove-MgServicePrincipalPassword -ServicePrincipalId")
            } else {
                ("Get-MgApplication -ApplicationId", "Remove-MgApplicationPassword -ApplicationId")
            };
            let object = if object_id.is_empty() { "'<object id>'".to_string() } else { ps(&object_id) };
            let key_arg = key_id.as_deref().map_or_else(|| "'<key id from the list>'".to_string(), ps);
            let body = format!(
                "{get} {object} | Select-Object -ExpandProperty PasswordCredentials | Format-Table KeyId, DisplayName, StartDateTime, EndDateTime\n\
                 {get} {object} | Select-Object -ExpandProperty KeyCredentials | Format-Table KeyId, DisplayName, Type, StartDateTime\n\
                 # A client secret:\n{remove} {object} -KeyId {key_arg}\n\
                 # A certificate needs the app's proof of possession: remove it in the admin center instead."
            );
            out.push(Action {
                id: format!("remove_app_credential:{}:{}", key(&object_id), key(key_id.as_deref().unwrap_or(""))),
                step: 11,
                title: format!("Remove the credential the intruder added to {app}"),
                why: format!(
                    "Whoever holds the new secret or certificate signs in as the app with all its permissions, no user or MFA needed.{} Then check the app's sign-ins (service principal sign-in log) for use of it.",
                    key_id.as_deref().map(|k| format!(" The audit record names key id {k}.")).unwrap_or_default()
                ),
                commands: vec![graph(&["Application.ReadWrite.All"], &body)],
                portal: if on_sp {
                    "Service principal credentials have no admin center page: use PowerShell (Enterprise applications only shows certificates used for SAML)".into()
                } else {
                    "Microsoft Entra admin center › Identity › Applications › App registrations › (the app) › Certificates & secrets › Delete".into()
                },
                findings: vec![f.id.clone()],
                rows: vec![row],
                query: format!("op:\"{}\" source:{}", store.operation(row).replace('"', ""), store.source(row).key()),
                promise: None,
            });
        }
    }
    out
}

/// The app id a consent or service-principal row names (`AdditionalDetails`
/// AppId, or an `AppPrincipalId` / `AppId` modified property).
fn app_id_of_row(store: &EventStore, row: u32) -> Option<String> {
    let from_details = crate::detect::facts::additional_details(store, row).into_iter().find(|(k, _)| k.eq_ignore_ascii_case("AppId")).map(|(_, v)| v);
    let from_changes = || {
        changes(store, row)
            .into_iter()
            .find(|c| c.property.eq_ignore_ascii_case("AppPrincipalId") || c.property.eq_ignore_ascii_case("AppId"))
            .map(|c| c.new.trim_matches(|ch: char| ch == '[' || ch == ']' || ch == '"' || ch.is_whitespace()).to_string())
    };
    from_details.or_else(from_changes).map(|v| v.trim().to_lowercase()).filter(|v| is_guid(v))
}

/// The key id of a credential a row adds: the `KeyIdentifier=` in a
/// `KeyDescription` new value that the old value does not hold.
fn added_key_id(store: &EventStore, row: u32) -> Option<String> {
    let change = changes(store, row).into_iter().find(|c| c.property.eq_ignore_ascii_case("KeyDescription"))?;
    let ids = |text: &str| -> Vec<String> {
        text.split("KeyIdentifier=").skip(1).filter_map(|rest| rest.get(..36)).filter(|id| is_guid(id)).map(|id| id.to_lowercase()).collect()
    };
    let old = ids(&change.old);
    ids(&change.new).into_iter().find(|id| !old.contains(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids() {
        assert!(is_guid("eca30e09-f31c-4d02-944b-4920f2f06e7a"));
        assert!(!is_guid("eca30e09-f31c-4d02-944b-4920f2f06e7"));
        assert!(!is_guid("PDF SecureView Pro"));
    }
}
