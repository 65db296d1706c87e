//! Actions for each suspect account: cut its sessions (step 2), then take
//! back its credentials: password, the sign-in methods the intruder
//! registered, and the legacy protocols that skip MFA (step 11).

use super::quote::ps;
use super::{actionable, exchange, graph, key, Action, Promise};
use crate::detect::facts::{attr_text, op_is, subject_account};
use crate::detect::{Context, Finding};
use crate::model::attr;
use crate::store::EventStore;

pub fn actions(store: &EventStore, ctx: &Context, findings: &[Finding]) -> Vec<Action> {
    let mut out = Vec::new();
    for account in &ctx.suspect_accounts {
        let upn = account.trim();
        if upn.is_empty() {
            continue;
        }
        let user = ps(upn);
        let mine: Vec<&Finding> = findings.iter().filter(|f| f.entities.iter().any(|e| e.value.eq_ignore_ascii_case(upn))).collect();
        let cited = |detectors: &[&str]| -> (Vec<String>, Vec<u32>) {
            let chosen: Vec<&&Finding> = mine.iter().filter(|f| detectors.contains(&f.detector) && f.severity >= crate::detect::Severity::Medium).collect();
            (chosen.iter().map(|f| f.id.clone()).collect(), chosen.iter().flat_map(|f| f.rows.iter().copied()).collect())
        };
        let actor_query = format!("user:{}", query_value(upn));

        let (findings_2, rows_2) = cited(&["signin.first_seen", "signin.unfamiliar_ip", "identity.password_spray", "containment.indicator_activity", "signin.impossible_travel"]);
        out.push(Action {
            id: format!("revoke_sessions:{}", key(upn)),
            step: 2,
            title: format!("Revoke every session and refresh token of {upn}"),
            why: "Signs the account out everywhere and forces a new sign-in, which ends the intruder's stolen sessions. Access tokens already issued stay valid until they expire (usually 60 to 90 minutes), so do this first and reset the password straight after. \
                  The AzureAD module's Revoke-AzureADUserAllRefreshToken named in older runbooks is retired; Revoke-MgUserSignInSession is its Microsoft Graph successor."
                .into(),
            commands: vec![graph(&["User.RevokeSessions.All"], &format!("Revoke-MgUserSignInSession -UserId {user}"))],
            portal: "Microsoft Entra admin center › Identity › Users › All users › (the user) › Revoke sessions".into(),
            findings: findings_2,
            rows: rows_2,
            query: actor_query.clone(),
            promise: Some(Promise { account: Some(upn.to_string()), from_indicators: true, grace_minutes: ctx.token_lifetime_minutes, ..Promise::default() }),
        });
        out.push(Action {
            id: format!("disable_account:{}", key(upn)),
            step: 2,
            title: format!("Block sign-in for {upn} while the account is cleaned"),
            why: "Optional when the compromise is severe or still active: a blocked account cannot sign in even with a valid password and MFA. Unblock it once the password, methods and persistence are dealt with.".into(),
            commands: vec![graph(&["User.ReadWrite.All"], &format!("Update-MgUser -UserId {user} -AccountEnabled:$false"))],
            portal: "Microsoft Entra admin center › Identity › Users › All users › (the user) › Edit properties › Settings › Account enabled (off)".into(),
            findings: Vec::new(),
            rows: Vec::new(),
            query: actor_query.clone(),
            promise: Some(Promise { account: Some(upn.to_string()), successful_only: true, operations: vec!["Sign-in".into()], grace_minutes: ctx.token_lifetime_minutes, ..Promise::default() }),
        });

        let (findings_pw, rows_pw) = cited(&["identity.password_spray", "identity.mfa_gap", "identity.password_change"]);
        out.push(Action {
            id: format!("reset_password:{}", key(upn)),
            step: 11,
            title: format!("Reset the password of {upn} and make the user change it"),
            why: "The intruder knows the current password. Set a new one through a channel the intruder cannot read (not the compromised mailbox), and require a change at next sign-in.".into(),
            commands: vec![graph(
                &["User.ReadWrite.All"],
                &format!(
                    "# Replace the placeholder with a new random password; share it out of band.\n$profile = @{{ Password = '<new password>'; ForceChangePasswordNextSignIn = $true }}\nUpdate-MgUser -UserId {user} -PasswordProfile $profile"
                ),
            )],
            portal: "Microsoft Entra admin center › Identity › Users › All users › (the user) › Reset password".into(),
            findings: findings_pw,
            rows: rows_pw,
            query: actor_query.clone(),
            promise: Some(Promise { account: Some(upn.to_string()), from_indicators: true, successful_only: true, grace_minutes: ctx.token_lifetime_minutes, ..Promise::default() }),
        });

        // Each method registered while the account was the intruder's.
        for (method, rows) in methods_added(store, upn, findings) {
            let (cmdlet, id_param) = method.cmdlet();
            let device = rows.iter().find_map(|&r| authenticator_device(store, r));
            let list = format!("Get-MgUserAuthenticationMethod -UserId {user} | Format-List Id, AdditionalProperties");
            let remove = match (&device, method) {
                (Some(id), Method::Authenticator) => format!("{cmdlet} -UserId {user} -{id_param} {}", ps(id)),
                _ => format!("# Use the Id of the {} method from the list above.\n{cmdlet} -UserId {user} -{id_param} '<method id>'", method.label()),
            };
            let mut why = format!(
                "A {} was registered on the account during the compromise, so the intruder can pass MFA with it. Remove it, then let the real user register again.",
                method.label()
            );
            if let Some(id) = &device {
                why.push_str(&format!(" The audit log names the authenticator device id {id}; check it matches the listing before removing."));
            }
            out.push(Action {
                id: format!("remove_method:{}:{}", key(upn), method.key()),
                step: 11,
                title: format!("Remove the {} the intruder registered on {upn}", method.label()),
                why,
                commands: vec![graph(&["UserAuthenticationMethod.ReadWrite.All"], &format!("{list}\n{remove}"))],
                portal: "Microsoft Entra admin center › Identity › Users › All users › (the user) › Authentication methods › (the method) › Delete".into(),
                findings: findings.iter().filter(|f| f.detector == "identity.mfa_change" && f.rows.iter().any(|r| rows.contains(r))).map(|f| f.id.clone()).collect(),
                rows: rows.clone(),
                query: format!("{actor_query} source:audit op:\"User registered security info\""),
                promise: None,
            });
        }

        out.push(Action {
            id: format!("require_mfa_reregistration:{}", key(upn)),
            step: 11,
            title: format!("Require {upn} to register MFA again"),
            why: "Clears any method the logs did not show (phone numbers set by an admin, methods registered before the logs begin) and makes the real user enrol afresh. Give the user a Temporary Access Pass if they need to sign in to do it.".into(),
            commands: vec![graph(
                &["UserAuthenticationMethod.ReadWrite.All"],
                &format!("# Review every registered method; remove any the user does not recognise.\nGet-MgUserAuthenticationMethod -UserId {user} | Format-List Id, AdditionalProperties"),
            )],
            portal: "Microsoft Entra admin center › Identity › Users › All users › (the user) › Authentication methods › Require re-register multifactor authentication".into(),
            findings: Vec::new(),
            rows: Vec::new(),
            query: format!("{actor_query} source:audit"),
            promise: None,
        });

        out.push(Action {
            id: format!("block_legacy_protocols:{}", key(upn)),
            step: 11,
            title: format!("Turn off legacy mail protocols and app passwords for {upn}"),
            why: "POP, IMAP, SMTP AUTH and app passwords take a bare password and never ask for MFA, so a reset password leaked again opens the mailbox. Turn them off unless the user truly needs one (ActiveSync too if no phone mail app uses it).".into(),
            commands: vec![exchange(&format!(
                "Set-CASMailbox -Identity {user} -PopEnabled $false -ImapEnabled $false -SmtpClientAuthenticationDisabled $true\nGet-CASMailbox -Identity {user} | Format-List PopEnabled, ImapEnabled, ActiveSyncEnabled, SmtpClientAuthenticationDisabled"
            ))],
            portal: "Microsoft 365 admin center › Users › Active users › (the user) › Mail › Manage email apps; app passwords: Entra admin center › Per-user MFA › Service settings › Do not allow users to create app passwords".into(),
            findings: cited(&["signin.unusual_client"]).0,
            rows: cited(&["signin.unusual_client"]).1,
            query: format!("{actor_query} source:signin"),
            promise: None,
        });
    }
    out
}

/// A value as the query language reads it.
pub(super) fn query_value(value: &str) -> String {
    if value.chars().any(|c| c.is_whitespace() || c == '"' || c == ',') {
        format!("\"{}\"", value.replace('"', ""))
    } else {
        value.to_string()
    }
}

/// Kinds of sign-in method, as the audit log names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Method {
    Authenticator,
    Phone,
    Fido2,
    SoftwareOath,
    Email,
    TemporaryAccessPass,
    WindowsHello,
}

impl Method {
    fn of(text: &str) -> Option<Method> {
        let t = text.to_lowercase();
        let method = if t.contains("authenticator") {
            Method::Authenticator
        } else if t.contains("phone") || t.contains("sms") || t.contains("voice") {
            Method::Phone
        } else if t.contains("fido") || t.contains("security key") || t.contains("passkey") {
            Method::Fido2
        } else if t.contains("oath") || t.contains("software token") {
            Method::SoftwareOath
        } else if t.contains("temporary access pass") {
            Method::TemporaryAccessPass
        } else if t.contains("hello") {
            Method::WindowsHello
        } else if t.contains("email") {
            Method::Email
        } else {
            return None;
        };
        Some(method)
    }

    fn label(self) -> &'static str {
        match self {
            Method::Authenticator => "Microsoft Authenticator app",
            Method::Phone => "phone number",
            Method::Fido2 => "security key or passkey",
            Method::SoftwareOath => "OATH token",
            Method::Email => "email address for password reset",
            Method::TemporaryAccessPass => "Temporary Access Pass",
            Method::WindowsHello => "Windows Hello for Business key",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Method::Authenticator => "authenticator",
            Method::Phone => "phone",
            Method::Fido2 => "fido2",
            Method::SoftwareOath => "oath",
            Method::Email => "email",
            Method::TemporaryAccessPass => "tap",
            Method::WindowsHello => "hello",
        }
    }

    /// The Graph PowerShell cmdlet that deletes one such method, and its id parameter.
    fn cmdlet(self) -> (&'static str, &'static str) {
        match self {
            Method::Authenticator => ("Remove-MgUserAuthenticationMicrosoftAuthenticatorMethod", "MicrosoftAuthenticatorAuthenticationMethodId"),
            Method::Phone => ("Remove-MgUserAuthenticationPhoneMethod", "PhoneAuthenticationMethodId"),
            Method::Fido2 => ("Remove-MgUserAuthenticationFido2Method", "Fido2AuthenticationMethodId"),
            Method::SoftwareOath => ("Remove-MgUserAuthenticationSoftwareOathMethod", "SoftwareOathAuthenticationMethodId"),
            Method::Email => ("Remove-MgUserAuthenticationEmailMethod", "EmailAuthenticationMethodId"),
            Method::TemporaryAccessPass => ("Remove-MgUserAuthenticationTemporaryAccessPassMethod", "TemporaryAccessPassAuthenticationMethodId"),
            Method::WindowsHello => ("Remove-MgUserAuthenticationWindowsHelloForBusinessMethod", "WindowsHelloForBusinessAuthenticationMethodId"),
        }
    }
}

/// Methods registered on `upn` that the MFA-change findings at Medium or
/// above cite, with the rows that show each.
fn methods_added(store: &EventStore, upn: &str, findings: &[Finding]) -> Vec<(Method, Vec<u32>)> {
    let mut by_method: std::collections::BTreeMap<Method, Vec<u32>> = Default::default();
    for f in actionable(findings, "identity.mfa_change") {
        for &row in &f.rows {
            if !subject_account(store, row).eq_ignore_ascii_case(upn) {
                continue;
            }
            let registered = op_is(store, row, &["User registered security info", "Admin registered security info", "User changed default security info"]);
            let reason = attr_text(store, row, attr::RESULT_REASON);
            let from_reason = registered.then(|| Method::of(reason)).flatten();
            let from_change = authenticator_device(store, row).map(|_| Method::Authenticator);
            if let Some(method) = from_reason.or(from_change) {
                by_method.entry(method).or_default().push(row);
            }
        }
    }
    by_method.into_iter().collect()
}

/// The authenticator device id an "Update user" row's
/// `StrongAuthenticationPhoneAppDetail` new value names.
fn authenticator_device(store: &EventStore, row: u32) -> Option<String> {
    crate::detect::facts::changes(store, row).into_iter().find(|c| c.property == "StrongAuthenticationPhoneAppDetail").and_then(|c| {
        let new: serde_json::Value = serde_json::from_str(&c.new).ok()?;
        let old: serde_json::Value = serde_json::from_str(&c.old).unwrap_or(serde_json::Value::Null);
        let old_ids: Vec<&str> = old.as_array().map(|a| a.iter().filter_map(|d| d.get("Id").and_then(|v| v.as_str())).collect()).unwrap_or_default();
        new.as_array()?.iter().filter_map(|d| d.get("Id").and_then(|v| v.as_str())).find(|id| !old_ids.contains(id)).map(str::to_string)
    })
}
