//! The Entra admin center's sign-in log download (CSV), interactive tab.
//! Column names are copied from a real download, including its quirks:
//! trailing spaces in `Application ID ` and `Resource ID `, two spaces in
//! `Autonomous system  number`, and `Incoming token type` twice.

use super::super::clock;
use super::super::records::{SignIn, SignInStatus};
use super::MICROSOFT_TENANT;

pub const HEADERS: [&str; 57] = [
    "Date (UTC)",
    "Request ID",
    "User agent",
    "Correlation ID",
    "User ID",
    "User",
    "Username",
    "User type",
    "Cross tenant access type",
    "Incoming token type",
    "Authentication Protocol",
    "Unique token identifier",
    "Original transfer method",
    "Client credential type",
    "Token Protection - Sign In Session",
    "Token Protection - Sign In Session StatusCode",
    "Application",
    "Application ID ",
    "App owner tenant ID",
    "Resource",
    "Resource ID ",
    "Resource tenant ID",
    "Resource owner tenant ID",
    "Home tenant ID",
    "Home tenant name",
    "IP address",
    "Location",
    "Status",
    "Sign-in error code",
    "Failure reason",
    "Client app",
    "Device ID",
    "Browser",
    "Operating System",
    "Compliant",
    "Managed",
    "Join Type",
    "Multifactor authentication result",
    "Multifactor authentication auth method",
    "Multifactor authentication auth detail",
    "Authentication requirement",
    "Sign-in identifier",
    "Session ID",
    "IP address (seen by resource)",
    "Through Global Secure Access",
    "Global Secure Access IP address",
    "Autonomous system  number",
    "Flagged for review",
    "Token issuer type",
    "Incoming token type",
    "Token issuer name",
    "Latency",
    "Conditional Access",
    "Managed Identity type",
    "Associated Resource Id",
    "Federated Token Id",
    "Federated Token Issuer",
];

fn status_label(s: SignInStatus) -> &'static str {
    match s {
        SignInStatus::Success => "Success",
        SignInStatus::Failure => "Failure",
        SignInStatus::Interrupted => "Interrupted",
    }
}

fn protocol_label(p: &str) -> &'static str {
    match p {
        "ropc" => "ROPC",
        "deviceCode" => "Device Code",
        _ => "None",
    }
}

fn token_label(t: &str) -> &'static str {
    match t {
        "primaryRefreshToken" => "Primary Refresh Token",
        "refreshToken" => "Refresh Token",
        _ => "None",
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// The CSV text, newest sign-in first as the portal sorts it.
pub fn write(sign_ins: &[SignIn], tenant_id: &str, app_owner: impl Fn(&str) -> String) -> Vec<u8> {
    let mut rows: Vec<&SignIn> = sign_ins.iter().collect();
    rows.sort_by(|a, b| b.time.cmp(&a.time).then_with(|| a.request_id.cmp(&b.request_id)));
    let mut out = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = out.write_record(HEADERS);
    for s in rows {
        let (device_id, browser, os, compliant, managed, join) = match &s.device {
            Some(d) => (d.id.as_str(), d.browser.to_string(), d.os.to_string(), yes_no(d.compliant), yes_no(d.managed), d.join_type),
            None => ("", s.browser.clone(), s.os.clone(), "False", "False", ""),
        };
        let error_code = if s.error_code == 0 { String::new() } else { s.error_code.to_string() };
        let resource_owner = if s.resource.id.starts_with("0000000") || s.resource.id.len() != 36 { MICROSOFT_TENANT } else { tenant_id };
        let row: [String; 57] = [
            clock::iso_seconds(s.time),
            s.request_id.clone(),
            s.user_agent.clone(),
            s.correlation_id.clone(),
            s.user_id.clone(),
            s.user_display.clone(),
            s.upn.clone(),
            "Member".into(),
            "None".into(),
            token_label(s.incoming_token).into(),
            protocol_label(s.auth_protocol).into(),
            s.unique_token.clone(),
            "None".into(),
            "None".into(),
            String::new(),
            String::new(),
            s.app.name.to_string(),
            s.app.id.to_string(),
            app_owner(&s.app.id),
            s.resource.name.to_string(),
            s.resource.id.to_string(),
            tenant_id.into(),
            resource_owner.into(),
            tenant_id.into(),
            String::new(),
            s.ip.clone(),
            s.place.label(),
            status_label(s.status).into(),
            error_code,
            s.failure_reason.clone(),
            s.client_app.into(),
            device_id.into(),
            browser,
            os,
            compliant.into(),
            managed.into(),
            join.into(),
            s.mfa.result.clone(),
            s.mfa.method.clone(),
            String::new(),
            if s.mfa.requirement_mfa { "Multifactor authentication" } else { "Single-factor authentication" }.into(),
            String::new(),
            s.session_id.clone(),
            String::new(),
            "False".into(),
            String::new(),
            s.asn.to_string(),
            "False".into(),
            "AzureAD".into(),
            token_label(s.incoming_token).into(),
            String::new(),
            s.latency_ms.to_string(),
            s.conditional_access.into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ];
        let _ = out.write_record(&row);
    }
    out.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::people::{APP_OFFICE_HOME, COLUMBUS, RES_EXCHANGE};
    use crate::sample::records::Mfa;

    fn sign_in(time: i64, status: SignInStatus, code: u32) -> SignIn {
        SignIn {
            time,
            request_id: format!("req-{time}"),
            correlation_id: "corr".into(),
            session_id: "sess".into(),
            user_id: "uid".into(),
            user_display: "Ada, Lovelace".into(),
            upn: "ada@larkspurfreight.example".into(),
            app: APP_OFFICE_HOME,
            resource: RES_EXCHANGE,
            ip: "192.0.2.10".into(),
            place: COLUMBUS,
            status,
            error_code: code,
            failure_reason: String::new(),
            client_app: "Browser",
            device: None,
            browser: "Chrome 121.0.0".into(),
            os: "Windows10".into(),
            user_agent: "UA".into(),
            mfa: Mfa::default(),
            conditional_access: "Not Applied",
            interactive: true,
            auth_protocol: "ropc",
            incoming_token: "none",
            asn: 64500,
            latency_ms: 50,
            unique_token: "tok".into(),
            risk_during: "none",
            risk_aggregated: "none",
            risk_state: "none",
        }
    }

    #[test]
    fn rows_match_the_header_newest_first_with_portal_spellings() {
        let bytes = write(&[sign_in(1_000, SignInStatus::Success, 0), sign_in(2_000, SignInStatus::Failure, 50126)], "tenant", |_| "owner".into());
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        assert_eq!(reader.headers().map(|h| h.len()).ok(), Some(HEADERS.len()));
        let rows: Vec<csv::StringRecord> = reader.records().filter_map(Result::ok).collect();
        assert_eq!(rows.len(), 2);
        let col = |name: &str| HEADERS.iter().position(|h| *h == name).unwrap_or(usize::MAX);
        assert_eq!(&rows[0][col("Status")], "Failure");
        assert_eq!(&rows[0][col("Sign-in error code")], "50126");
        assert_eq!(&rows[1][col("Sign-in error code")], "");
        assert_eq!(&rows[1][col("User")], "Ada, Lovelace");
        assert_eq!(&rows[1][col("Location")], "Columbus, Ohio, US");
        assert_eq!(&rows[1][col("Authentication Protocol")], "ROPC");
        assert_eq!(&rows[1][col("Date (UTC)")], "1970-01-01T00:00:01Z");
    }
}
