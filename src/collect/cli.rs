//! Cloud command lines for a POSIX shell: `az` for the Azure Activity Log,
//! `aws cloudtrail lookup-events`, `gcloud logging read`. Every case value
//! is a single-quoted shell word; structured arguments are built as JSON
//! (AWS) or Cloud Logging filters first, then quoted whole.

use super::quote::{logging_filter_value, sh};
use super::scope::{Scope, DEFAULT_LOOKBACK_DAYS};
use super::{command, Command, Engine};
use crate::ingest::Schema;
use crate::model::Source;
use crate::playbook::Need;

/// A file name from an account: letters, digits, `.`, `-`, `_` only.
fn file_part(account: &str) -> String {
    account.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' }).collect()
}

pub fn pull(need: Need, scope: &Scope) -> Vec<Command> {
    let Need::Log(source) = need else { return Vec::new() };
    let window_args = |start_flag: &str, end_flag: &str, fallback: &str| match scope.iso_window() {
        Some((start, end)) => format!("{start_flag} {} {end_flag} {}", sh(&start), sh(&end)),
        None => fallback.to_string(),
    };
    match source {
        Source::AzureActivity => {
            let window = window_args("--start-time", "--end-time", &format!("--offset {DEFAULT_LOOKBACK_DAYS}d"));
            let callers: Vec<Option<&String>> = if scope.suspects.is_empty() { vec![None] } else { scope.suspects.iter().map(Some).collect() };
            callers
                .into_iter()
                .map(|caller| {
                    let (filter, file, who) = match caller {
                        Some(c) => (format!(" --caller {}", sh(c)), format!("azure_activity_{}.json", file_part(c)), c.as_str()),
                        None => (String::new(), "azure_activity.json".to_string(), "every caller"),
                    };
                    command(
                        Engine::Cli,
                        format!("Azure Activity Log of {who} {} (run once per subscription: az account set --subscription …)", scope.describe_window()),
                        format!("az monitor activity-log list{filter} {window} --max-events 100000 --output json > {}", sh(&file)),
                        format!("{file}: Activity Log events as the CLI lists them"),
                        Some(Schema::AzureActivityEventData),
                    )
                })
                .collect()
        }
        Source::CloudTrail => {
            let window = window_args("--start-time", "--end-time", "");
            let users: Vec<Option<&String>> = if scope.suspects.is_empty() { vec![None] } else { scope.suspects.iter().map(Some).collect() };
            users
                .into_iter()
                .map(|user| {
                    let (filter, file, who) = match user {
                        Some(u) => {
                            let attributes = serde_json::json!([{ "AttributeKey": "Username", "AttributeValue": u }]).to_string();
                            (format!(" --lookup-attributes {}", sh(&attributes)), format!("cloudtrail_{}.json", file_part(u)), u.as_str())
                        }
                        None => (String::new(), "cloudtrail.json".to_string(), "every identity"),
                    };
                    command(
                        Engine::Cli,
                        format!("CloudTrail management events of {who} {} (lookup-events reaches back 90 days, one region per run: add --region)", scope.describe_window()),
                        ["aws cloudtrail lookup-events".to_string(), filter.trim().to_string(), window.clone(), format!("--output json > {}", sh(&file))]
                            .into_iter()
                            .filter(|part| !part.is_empty())
                            .collect::<Vec<_>>()
                            .join(" "),
                        format!("{file}: lookup-events output"),
                        Some(Schema::CloudTrailLookupEvents),
                    )
                })
                .collect()
        }
        Source::GcpAudit => {
            let mut filter = String::from("logName:\"cloudaudit.googleapis.com\"");
            if !scope.suspects.is_empty() {
                let emails: Vec<String> = scope.suspects.iter().map(|s| logging_filter_value(s)).collect();
                filter.push_str(&format!(" AND protoPayload.authenticationInfo.principalEmail=({})", emails.join(" OR ")));
            }
            let freshness = match scope.iso_window() {
                Some((start, end)) => {
                    filter.push_str(&format!(" AND timestamp>={} AND timestamp<={}", logging_filter_value(&start), logging_filter_value(&end)));
                    String::new()
                }
                None => format!(" --freshness={DEFAULT_LOOKBACK_DAYS}d"),
            };
            vec![command(
                Engine::Cli,
                format!("Google Cloud audit logs of {} {} (run once per project: --project …)", if scope.suspects.is_empty() { "every principal".to_string() } else { scope.suspects.join(", ") }, scope.describe_window()),
                format!("gcloud logging read {}{freshness} --format=json > gcp_audit.json", sh(&filter)),
                "gcp_audit.json: LogEntry objects as gcloud writes them",
                Some(Schema::GcpAuditLog),
            )]
        }
        _ => Vec::new(),
    }
}
