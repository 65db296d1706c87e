//! SPL for Splunk, for the sourcetypes of Splunk's add-ons: Microsoft 365
//! (`o365:management:activity`, each event the UAL's `AuditData` record;
//! `o365:reporting:messagetrace`, Get-MessageTrace's fields), Microsoft
//! Azure (`azure:aad:signin`, `azure:aad:audit`, the Graph objects),
//! Microsoft Cloud Services (`mscs:azure:audit`, the Activity Log's REST
//! events) and AWS (`aws:cloudtrail`). Exported as raw events (one record per line), they
//! read as Loupe reads those records. Values are compared
//! in `where` with `in()` (exact, case-insensitive for accounts), never as
//! search terms, where `*` would be a wildcard.

use super::quote::spl;
use super::scope::{Scope, DEFAULT_LOOKBACK_DAYS};
use super::{command, Command, Engine};
use crate::ingest::Schema;
use crate::model::Source;
use crate::playbook::Need;

const WRITES: &str = "Run it in Search, then Export › Raw Events (one record per line); drop the file into Loupe. Replace index=* with the index your add-on writes to";

fn time_range(scope: &Scope) -> String {
    match scope.epoch_window() {
        Some((start, end)) => format!("earliest={start} latest={end}"),
        None => format!("earliest=-{DEFAULT_LOOKBACK_DAYS}d"),
    }
}

/// `in(field, "a", "b")`, lower-casing the field for accounts.
fn in_list(field: &str, values: &[String], lower: bool) -> Option<String> {
    if values.is_empty() {
        return None;
    }
    let field = if lower { format!("lower({field})") } else { field.to_string() };
    Some(format!("in({field}, {})", values.iter().map(|v| spl(v)).collect::<Vec<_>>().join(", ")))
}

fn search(sourcetype: &str, scope: &Scope, conditions: Vec<Option<String>>) -> String {
    let conditions: Vec<String> = conditions.into_iter().flatten().collect();
    let mut query = format!("search index=* sourcetype={} {}", spl(sourcetype), time_range(scope));
    if !conditions.is_empty() {
        query.push_str(&format!("\n| where {}", conditions.join(" OR ")));
    }
    query
}

pub fn pull(need: Need, scope: &Scope) -> Vec<Command> {
    let Need::Log(source) = need else { return Vec::new() };
    let who = if scope.suspects.is_empty() && scope.ips.is_empty() { "every account" } else { "the suspects and marked addresses" };
    let (sourcetype, conditions, what, reads_as) = match source {
        Source::UnifiedAudit => (
            "o365:management:activity",
            vec![
                in_list("UserId", &scope.suspects, true),
                in_list("ClientIP", &scope.ips, false),
                in_list("ClientIPAddress", &scope.ips, false),
                in_list("ActorIpAddress", &scope.ips, false),
            ],
            "Unified Audit Log records",
            Schema::UalAuditData,
        ),
        Source::SignIn => (
            "azure:aad:signin",
            vec![in_list("userPrincipalName", &scope.suspects, true), in_list("ipAddress", &scope.ips, false)],
            "Entra sign-ins",
            Schema::GraphSignIn,
        ),
        Source::DirectoryAudit => (
            "azure:aad:audit",
            vec![in_list("'initiatedBy.user.userPrincipalName'", &scope.suspects, true), in_list("'initiatedBy.user.ipAddress'", &scope.ips, false)],
            "Entra directory audits",
            Schema::GraphDirectoryAudit,
        ),
        Source::CloudTrail => (
            "aws:cloudtrail",
            vec![in_list("sourceIPAddress", &scope.ips, false), (!scope.suspects.is_empty()).then(|| {
                // A federated session's principal id ends with the user's address.
                scope.suspects.iter().map(|s| format!("like(lower('userIdentity.principalId'), {})", spl(&format!("%:{s}")))).collect::<Vec<_>>().join(" OR ")
            })],
            "AWS CloudTrail events",
            Schema::CloudTrailRecords,
        ),
        Source::AzureActivity => (
            // The Microsoft Cloud Services add-on's Azure Audit input: the
            // Activity Log's REST events, as `az monitor activity-log list` gives them.
            "mscs:azure:audit",
            vec![in_list("caller", &scope.suspects, true), in_list("'httpRequest.clientIpAddress'", &scope.ips, false), in_list("'claims.ipaddr'", &scope.ips, false)],
            "Azure control-plane operations",
            Schema::AzureActivityEventData,
        ),
        Source::MessageTrace => (
            // The Microsoft 365 add-on's message trace input: Get-MessageTrace's fields.
            "o365:reporting:messagetrace",
            vec![in_list("SenderAddress", &scope.suspects, true), in_list("RecipientAddress", &scope.suspects, true), in_list("FromIP", &scope.ips, false)],
            "Exchange message trace rows",
            Schema::MessageTraceCmdlet,
        ),
        _ => return Vec::new(),
    };
    let purpose = format!("{sourcetype}: {what} of {who} {}", scope.describe_window());
    vec![command(Engine::Spl, purpose, search(sourcetype, scope, conditions), WRITES, Some(reads_as))]
}

pub fn hunt(scope: &Scope) -> Vec<Command> {
    let mut out = Vec::new();
    let mut add = |step: u8, purpose: &str, query: String, reads_as: Schema| {
        out.push(Command { step, ..command(Engine::Spl, purpose, query, WRITES, Some(reads_as)) });
    };
    if !scope.ips.is_empty() {
        add(10, "azure:aad:signin: every account that signed in from a marked address", search("azure:aad:signin", scope, vec![in_list("ipAddress", &scope.ips, false)]), Schema::GraphSignIn);
        add(
            10,
            "o365:management:activity: every mailbox a marked address read (MailItemsAccessed)",
            format!("{}\n| where Operation=\"MailItemsAccessed\"", search("o365:management:activity", scope, vec![in_list("ClientIPAddress", &scope.ips, false), in_list("ClientIP", &scope.ips, false)])),
            Schema::UalAuditData,
        );
    }
    if !scope.user_agents.is_empty() {
        add(10, "azure:aad:signin: every account that signed in with a marked user agent", search("azure:aad:signin", scope, vec![in_list("userAgent", &scope.user_agents, false)]), Schema::GraphSignIn);
    }
    if !scope.app_ids.is_empty() {
        let apps = scope.app_ids.iter().map(|a| format!("like(_raw, {})", spl(&format!("%{a}%")))).collect::<Vec<_>>().join(" OR ");
        add(
            8,
            "azure:aad:audit: every consent or permission grant to a marked app",
            format!("{}\n| where in(activityDisplayName, \"Consent to application\", \"Add delegated permission grant\", \"Add app role assignment to service principal\")\n| where {apps}", search("azure:aad:audit", scope, vec![])),
            Schema::GraphDirectoryAudit,
        );
    }
    let destinations: Vec<&String> = scope.domains.iter().chain(&scope.addresses).collect();
    if !destinations.is_empty() {
        let named = destinations.iter().map(|d| format!("like(lower(_raw), {})", spl(&format!("%{d}%")))).collect::<Vec<_>>().join(" OR ");
        add(
            9,
            "o365:management:activity: every inbox rule, mailbox forwarding or transport rule naming a marked domain or address",
            format!(
                "{}\n| where in(Operation, \"New-InboxRule\", \"Set-InboxRule\", \"UpdateInboxRules\", \"Set-Mailbox\", \"New-TransportRule\", \"Set-TransportRule\")\n| where {named}",
                search("o365:management:activity", scope, vec![])
            ),
            Schema::UalAuditData,
        );
    }
    out
}
