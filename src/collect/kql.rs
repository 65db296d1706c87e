//! KQL for Microsoft Sentinel, Log Analytics and Azure Data Explorer. Each
//! pull keeps every column (no `project`), because Loupe reads those
//! tables as Log Analytics exports them: "Export › CSV (all columns)".
//! Table and column names are those of the Azure Monitor table reference.

use super::quote::kql_list;
use super::scope::{Scope, DEFAULT_LOOKBACK_DAYS};
use super::{command, Command, Engine};
use crate::ingest::Schema;
use crate::model::Source;
use crate::playbook::Need;

const WRITES: &str = "Run it in Logs, then Export › CSV (all columns); drop the CSV into Loupe";

/// `| where TimeGenerated …` for the scope's window.
fn time_filter(scope: &Scope) -> String {
    match scope.iso_window() {
        Some((start, end)) => format!("| where TimeGenerated between (datetime({start}) .. datetime({end}))"),
        None => format!("| where TimeGenerated > ago({DEFAULT_LOOKBACK_DAYS}d)"),
    }
}

fn table_pull(table: &str, scope: &Scope, filter: Option<String>, purpose: String, reads_as: Schema) -> Command {
    let mut query = format!("{table}\n{}", time_filter(scope));
    if let Some(filter) = filter {
        query.push_str(&format!("\n{filter}"));
    }
    command(Engine::Kql, purpose, query, WRITES, Some(reads_as))
}

/// `| where A in~ (…) or B in (…)`, from the clauses that have values.
fn any_of(clauses: Vec<Option<String>>) -> Option<String> {
    let clauses: Vec<String> = clauses.into_iter().flatten().collect();
    (!clauses.is_empty()).then(|| format!("| where {}", clauses.join("\n    or ")))
}

fn clause(column: &str, op: &str, values: &[String]) -> Option<String> {
    (!values.is_empty()).then(|| format!("{column} {op} ({})", kql_list(values)))
}

/// What the pull gets and who it is narrowed to, in words.
fn narrowed_to(scope: &Scope, what: &str) -> String {
    if scope.suspects.is_empty() && scope.ips.is_empty() {
        format!("{what} of every account {} (no suspects or marked addresses yet: expect a large export)", scope.describe_window())
    } else {
        format!("{what}, narrowed to the suspects and marked addresses, {}", scope.describe_window())
    }
}

pub fn pull(need: Need, scope: &Scope) -> Vec<Command> {
    let Need::Log(source) = need else { return Vec::new() };
    let users = |column: &str| clause(column, "in~", &scope.suspects);
    let ips = |column: &str| clause(column, "in", &scope.ips);
    match source {
        Source::SignIn => {
            let users_signing_in = ["SigninLogs", "AADNonInteractiveUserSignInLogs"]
                .into_iter()
                .map(|table| table_pull(table, scope, any_of(vec![users("UserPrincipalName"), ips("IPAddress")]), format!("{table}: {}", narrowed_to(scope, "sign-ins")), Schema::SentinelSigninLogs));
            users_signing_in.chain(workload_sign_ins(scope)).collect()
        }
        Source::DirectoryAudit => {
            let filter = any_of(vec![
                users("tostring(InitiatedBy.user.userPrincipalName)"),
                clause("TargetResources", "has_any", &scope.suspects),
                ips("tostring(InitiatedBy.user.ipAddress)"),
            ]);
            vec![table_pull("AuditLogs", scope, filter, format!("AuditLogs: {}", narrowed_to(scope, "directory changes")), Schema::SentinelAuditLogs)]
        }
        Source::UnifiedAudit => {
            // Exchange records keep the address in Client_IPAddress, the others in ClientIP.
            let filter = any_of(vec![users("UserId"), clause("ClientIP", "has_any", &scope.ips), clause("Client_IPAddress", "has_any", &scope.ips)]);
            let office = table_pull("OfficeActivity", scope, filter, format!("OfficeActivity (the Unified Audit Log): {}", narrowed_to(scope, "mailbox, file and admin activity")), Schema::SentinelOfficeActivity);
            // Defender XDR keeps the UAL record in RawEventData; its time column is Timestamp.
            let mut cloud_apps = format!(
                "CloudAppEvents\n{}",
                match scope.iso_window() {
                    Some((start, end)) => format!("| where Timestamp between (datetime({start}) .. datetime({end}))"),
                    None => format!("| where Timestamp > ago({DEFAULT_LOOKBACK_DAYS}d)"),
                }
            );
            if let Some(filter) = any_of(vec![users("tostring(RawEventData.UserId)"), ips("IPAddress")]) {
                cloud_apps.push_str(&format!("\n{filter}"));
            }
            let defender = command(
                Engine::Kql,
                format!("CloudAppEvents in Defender XDR advanced hunting (or Sentinel): {}", narrowed_to(scope, "Microsoft 365 activity")),
                cloud_apps,
                "Run it in Advanced hunting, then Export (CSV); each row's RawEventData is the UAL record Loupe reads",
                Some(Schema::DefenderCloudAppEvents),
            );
            vec![office, defender]
        }
        Source::AzureActivity => {
            let filter = any_of(vec![users("Caller"), ips("CallerIpAddress")]);
            vec![table_pull("AzureActivity", scope, filter, format!("AzureActivity: {}", narrowed_to(scope, "Azure control-plane operations")), Schema::SentinelAzureActivity)]
        }
        Source::CloudTrail => {
            // A federated AWS session carries the user's address in its principal id.
            let filter = any_of(vec![
                clause("UserIdentityPrincipalid", "has_any", &scope.suspects),
                clause("UserIdentityUserName", "in~", &scope.suspects),
                ips("SourceIpAddress"),
            ]);
            vec![table_pull("AWSCloudTrail", scope, filter, format!("AWSCloudTrail: {}", narrowed_to(scope, "AWS API calls")), Schema::SentinelAwsCloudTrail)]
        }
        Source::GraphActivity => {
            // The table names users by object id, not UPN: narrow by address.
            let filter = any_of(vec![ips("IPAddress"), clause("AppId", "in", &scope.app_ids)]);
            let purpose = if filter.is_some() {
                format!("MicrosoftGraphActivityLogs: Graph requests from the marked addresses or apps {}", scope.describe_window())
            } else {
                format!("MicrosoftGraphActivityLogs: every Graph request {} (the table names users by object id; mark the attacker's addresses to narrow it)", scope.describe_window())
            };
            vec![table_pull("MicrosoftGraphActivityLogs", scope, filter, purpose, Schema::SentinelGraphActivity)]
        }
        Source::RiskDetection => vec![
            table_pull(
                "AADUserRiskEvents",
                scope,
                any_of(vec![users("UserPrincipalName"), ips("IpAddress")]),
                format!("AADUserRiskEvents: {}", narrowed_to(scope, "Identity Protection risk detections")),
                Schema::SentinelRiskEvents,
            ),
            table_pull("AADRiskyUsers", scope, any_of(vec![users("UserPrincipalName")]), format!("AADRiskyUsers: {}", narrowed_to(scope, "risk state changes")), Schema::SentinelRiskyUsers),
        ],
        Source::GcpAudit | Source::MessageTrace => Vec::new(),
    }
}

/// Apps and managed identities sign in without a user, so these tables
/// have no account to narrow by: a stolen app secret shows as the marked
/// app's sign-ins, or as any app signing in from a marked address.
fn workload_sign_ins(scope: &Scope) -> Vec<Command> {
    let filter = any_of(vec![clause("IPAddress", "in", &scope.ips), clause("AppId", "in", &scope.app_ids)]);
    let narrowed = filter.is_some();
    ["AADServicePrincipalSignInLogs", "AADManagedIdentitySignInLogs"]
        .into_iter()
        .map(|table| {
            let purpose = if narrowed {
                format!("{table}: app and managed-identity sign-ins from the marked addresses or of the marked apps {}", scope.describe_window())
            } else {
                format!("{table}: every app and managed-identity sign-in {} (mark the attacker's addresses or apps to narrow it)", scope.describe_window())
            };
            table_pull(table, scope, filter.clone(), purpose, Schema::SentinelSigninLogs)
        })
        .collect()
}

/// Tenant-wide questions; each result, exported, joins the case as events.
pub fn hunt(scope: &Scope) -> Vec<Command> {
    let mut out = Vec::new();
    if !scope.ips.is_empty() {
        for table in ["SigninLogs", "AADNonInteractiveUserSignInLogs", "AADServicePrincipalSignInLogs"] {
            let who = if table.starts_with("AADServicePrincipal") { "app" } else { "account" };
            out.push(hunt_command(
                10,
                format!("{table}: every {who} that signed in from a marked address"),
                format!("{table}\n{}\n| where IPAddress in ({})", time_filter(scope), kql_list(&scope.ips)),
                Schema::SentinelSigninLogs,
            ));
        }
        out.push(hunt_command(
            10,
            "OfficeActivity: every mailbox a marked address read (MailItemsAccessed)".into(),
            format!(
                "OfficeActivity\n{}\n| where Operation == \"MailItemsAccessed\"\n| where Client_IPAddress has_any ({ips}) or ClientIP has_any ({ips})",
                time_filter(scope),
                ips = kql_list(&scope.ips)
            ),
            Schema::SentinelOfficeActivity,
        ));
        out.push(hunt_command(
            10,
            "MicrosoftGraphActivityLogs: every Graph request from a marked address".into(),
            format!("MicrosoftGraphActivityLogs\n{}\n| where IPAddress in ({})", time_filter(scope), kql_list(&scope.ips)),
            Schema::SentinelGraphActivity,
        ));
    }
    if !scope.user_agents.is_empty() {
        out.push(hunt_command(
            10,
            "SigninLogs: every account that signed in with a marked user agent".into(),
            format!("SigninLogs\n{}\n| where UserAgent in ({})", time_filter(scope), kql_list(&scope.user_agents)),
            Schema::SentinelSigninLogs,
        ));
    }
    if !scope.app_ids.is_empty() {
        out.push(hunt_command(
            8,
            "AuditLogs: every consent or permission grant to a marked app".into(),
            format!(
                "AuditLogs\n{}\n| where OperationName in~ (\"Consent to application\", \"Add delegated permission grant\", \"Add app role assignment to service principal\")\n| where TargetResources has_any ({}) or AdditionalDetails has_any ({})",
                time_filter(scope),
                kql_list(&scope.app_ids),
                kql_list(&scope.app_ids)
            ),
            Schema::SentinelAuditLogs,
        ));
    }
    let destinations: Vec<String> = scope.domains.iter().chain(&scope.addresses).cloned().collect();
    if !destinations.is_empty() {
        out.push(hunt_command(
            9,
            "OfficeActivity: every inbox rule, mailbox forwarding or transport rule naming a marked domain or address".into(),
            format!(
                "OfficeActivity\n{}\n| where Operation in~ (\"New-InboxRule\", \"Set-InboxRule\", \"UpdateInboxRules\", \"Set-Mailbox\", \"New-TransportRule\", \"Set-TransportRule\")\n| where Parameters has_any ({})",
                time_filter(scope),
                kql_list(&destinations)
            ),
            Schema::SentinelOfficeActivity,
        ));
    }
    out
}

fn hunt_command(step: u8, purpose: String, query: String, reads_as: Schema) -> Command {
    Command { step, ..command(Engine::Kql, purpose, query, WRITES, Some(reads_as)) }
}
