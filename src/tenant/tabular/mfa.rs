//! Extractor-Suite's Get-MFA writes two reports:
//! - `…-MFA-AuthenticationMethods.csv`: one row per user, `user` (the
//!   UPN), `MFAstatus`, then one column per method type (`email`, `fido2`,
//!   `app`, `password`, `phone`, `softwareoath`, `hellobusiness`,
//!   `temporaryAccessPass`, `certificateBasedAuthConfiguration`) holding
//!   `True` or `-`;
//! - `…-MFA-UserRegistrationDetails.csv`: Graph's registration details
//!   (`Id`, `UserPrincipalName`, `UserDisplayName`, `IsAdmin`,
//!   `IsMfaRegistered`, `IsMfaCapable`, `MethodsRegistered` …, list cells
//!   written by `Out-String`, one item per line).
//!
//! Both become users whose `authenticationMethods` list the registered
//! types, so the sign-in method rules see a method added between two
//! reports as they see it between two Graph exports.

use super::table::{Row, Table};
use super::values::{flag, list};
use super::Out;
use crate::ingest::csv_input::Headers;
use crate::tenant::kind::ObjectKind;
use serde_json::{json, Value};

/// Method columns of the per-user report and the Graph type each stands for.
const METHOD_COLUMNS: [(&str, &str); 9] = [
    ("email", "emailAuthenticationMethod"),
    ("fido2", "fido2AuthenticationMethod"),
    ("app", "microsoftAuthenticatorAuthenticationMethod"),
    ("password", "passwordAuthenticationMethod"),
    ("phone", "phoneAuthenticationMethod"),
    ("softwareoath", "softwareOathAuthenticationMethod"),
    ("hellobusiness", "windowsHelloForBusinessAuthenticationMethod"),
    ("temporaryAccessPass", "temporaryAccessPassAuthenticationMethod"),
    ("certificateBasedAuthConfiguration", "x509CertificateAuthenticationMethod"),
];

pub fn matches_methods(h: &Headers) -> bool {
    h.has("user") && h.has("MFAstatus") && h.count_present(&["fido2", "app", "phone", "softwareoath"]) >= 2
}

pub fn matches_registration(h: &Headers) -> bool {
    h.has("UserPrincipalName") && h.has("IsMfaRegistered") && h.count_present(&["MethodsRegistered", "IsMfaCapable", "IsAdmin"]) > 0
}

fn method(user: &str, graph_type: &str) -> Value {
    json!({"id": format!("{}#{graph_type}", user.to_ascii_lowercase()), "@odata.type": format!("#microsoft.graph.{graph_type}")})
}

fn bool_cell(table: &Table, row: &Row, names: &[&str]) -> Value {
    flag(table.get(row, names)).map_or(Value::Null, Value::Bool)
}

pub fn read_methods(table: &Table, out: &mut Out) {
    out.covers(&ObjectKind::User);
    for row in &table.rows {
        let Some(user) = table.value(row, &["user"]) else {
            out.bad(row, "a row without its user");
            continue;
        };
        let methods: Vec<Value> = METHOD_COLUMNS.iter().filter(|(column, _)| flag(table.get(row, &[column])) == Some(true)).map(|(_, t)| method(user, t)).collect();
        let raw = json!({
            "userPrincipalName": user,
            "mfaStatus": table.value(row, &["MFAstatus"]),
            "authenticationMethods": methods,
        });
        out.push(ObjectKind::User, user.to_ascii_lowercase(), None, raw, row, Some(user.to_string()));
    }
}

/// Registration details name methods by Graph's short names (`mobilePhone`,
/// `microsoftAuthenticatorPush` …); they map to the method types.
fn registered_type(name: &str) -> Option<&'static str> {
    let n = name.to_ascii_lowercase();
    let t = match n.as_str() {
        "email" => "emailAuthenticationMethod",
        "fido2" | "passkeydeviceboundauthenticator" | "passkeydevicebound" => "fido2AuthenticationMethod",
        "microsoftauthenticatorpush" | "microsoftauthenticatorpasswordless" | "microsoftauthenticator" => "microsoftAuthenticatorAuthenticationMethod",
        "mobilephone" | "alternatemobilephone" | "officephone" => "phoneAuthenticationMethod",
        "softwareonetimepasscode" | "hardwareonetimepasscode" | "softwareoath" => "softwareOathAuthenticationMethod",
        "windowshelloforbusiness" => "windowsHelloForBusinessAuthenticationMethod",
        "temporaryaccesspass" => "temporaryAccessPassAuthenticationMethod",
        _ => return None,
    };
    Some(t)
}

pub fn read_registration(table: &Table, out: &mut Out) {
    out.covers(&ObjectKind::User);
    for row in &table.rows {
        let Some(upn) = table.value(row, &["UserPrincipalName"]) else {
            out.bad(row, "a row without its user");
            continue;
        };
        let registered = list(table.get(row, &["MethodsRegistered"]), true);
        let mut methods: Vec<Value> = Vec::new();
        for name in &registered {
            if let Some(t) = registered_type(name) {
                let m = method(upn, t);
                if !methods.contains(&m) {
                    methods.push(m);
                }
            }
        }
        let raw = json!({
            "id": table.value(row, &["Id"]),
            "userPrincipalName": upn,
            "displayName": table.value(row, &["UserDisplayName", "DisplayName"]),
            "userType": table.value(row, &["UserType"]),
            "isAdmin": bool_cell(table, row, &["IsAdmin"]),
            "isMfaRegistered": bool_cell(table, row, &["IsMfaRegistered"]),
            "isMfaCapable": bool_cell(table, row, &["IsMfaCapable"]),
            "methodsRegistered": registered,
            "authenticationMethods": methods,
        });
        let id = table.value(row, &["Id"]).unwrap_or(upn).to_ascii_lowercase();
        out.push(ObjectKind::User, id, None, raw, row, Some(upn.to_string()));
    }
}
