//! PowerShell: Microsoft Graph PowerShell (`Invoke-MgGraphRequest`, which
//! writes Graph's own JSON pages, the layout Loupe reads best), Exchange
//! Online (`Search-UnifiedAuditLog`, `Get-MessageTraceV2`) and
//! Microsoft-Extractor-Suite. Every case value is a single-quoted
//! PowerShell string; values inside an OData filter are OData literals
//! first.

use super::quote::{ps, ps_list};
use super::scope::{Scope, DEFAULT_LOOKBACK_DAYS};
use super::{command, Command, Engine};
use crate::ingest::Schema;
use crate::model::Source;
use crate::playbook::Need;
use crate::remediate::quote::odata;

/// `-StartDate … -EndDate …` values, or the last days.
fn start_end(scope: &Scope) -> (String, String) {
    match scope.iso_window() {
        Some((start, end)) => (ps(&start), ps(&end)),
        None => (format!("(Get-Date).ToUniversalTime().AddDays(-{DEFAULT_LOOKBACK_DAYS})"), "(Get-Date).ToUniversalTime()".to_string()),
    }
}

/// An OData filter on a time property and, when there are suspects, on the
/// accounts (`a eq 'x' or a eq 'y'`).
fn graph_filter(time_property: &str, account_property: &str, scope: &Scope) -> String {
    let mut parts = Vec::new();
    if let Some((start, end)) = scope.iso_window() {
        parts.push(format!("{time_property} ge {start} and {time_property} le {end}"));
    }
    if !scope.suspects.is_empty() {
        let accounts: Vec<String> = scope.suspects.iter().map(|s| format!("{account_property} eq {}", odata(s))).collect();
        parts.push(format!("({})", accounts.join(" or ")));
    }
    parts.join(" and ")
}

/// Page through a Graph collection, one page of JSON per line of `file`.
fn graph_pages(scopes: &str, collection: &str, filter: &str, file: &str) -> String {
    let uri = if filter.is_empty() {
        ps(&format!("https://graph.microsoft.com/v1.0/{collection}"))
    } else {
        format!("{} + [uri]::EscapeDataString({})", ps(&format!("https://graph.microsoft.com/v1.0/{collection}?$filter=")), ps(filter))
    };
    format!(
        "Connect-MgGraph -Scopes {scopes} -NoWelcome\n\
         $uri = {uri}\n\
         Remove-Item {file} -ErrorAction SilentlyContinue\n\
         do {{\n    $page = Invoke-MgGraphRequest -Method GET -Uri $uri -OutputType Json\n    Add-Content -Path {file} -Value $page -Encoding utf8\n    $uri = ($page | ConvertFrom-Json).'@odata.nextLink'\n}} while ($uri)",
        file = ps(file)
    )
}

/// The tenant configuration Loupe diffs and checks, one file per collection.
const SNAPSHOT_COLLECTIONS: [(&str, &str); 12] = [
    ("identity/conditionalAccess/policies", "ca_policies.json"),
    ("identity/conditionalAccess/namedLocations", "named_locations.json"),
    ("policies/authenticationMethodsPolicy", "authentication_methods_policy.json"),
    ("domains", "domains.json"),
    ("applications", "applications.json"),
    ("servicePrincipals", "service_principals.json"),
    ("oauth2PermissionGrants", "oauth2_permission_grants.json"),
    ("roleManagement/directory/roleAssignments?$expand=principal", "role_assignments.json"),
    ("roleManagement/directory/roleEligibilitySchedules?$expand=principal", "role_eligibility_schedules.json"),
    ("roleManagement/directory/roleDefinitions?$filter=isBuiltIn eq false", "role_definitions_custom.json"),
    ("users?$select=id,userPrincipalName,displayName,accountEnabled,userType,createdDateTime,onPremisesSyncEnabled", "users.json"),
    ("users?$select=id,userPrincipalName&$expand=memberOf", "users_member_of.json"),
];

pub fn pull(need: Need, scope: &Scope) -> Vec<Command> {
    let (start, end) = start_end(scope);
    match need {
        Need::TenantSnapshot => {
            let mut script = String::from("Connect-MgGraph -Scopes Policy.Read.All, Application.Read.All, Directory.Read.All, RoleManagement.Read.Directory -NoWelcome\n");
            for (collection, file) in SNAPSHOT_COLLECTIONS {
                script.push_str(&format!(
                    "$uri = {}\nRemove-Item {file} -ErrorAction SilentlyContinue\ndo {{ $page = Invoke-MgGraphRequest -Method GET -Uri $uri -OutputType Json; Add-Content -Path {file} -Value $page -Encoding utf8; $uri = ($page | ConvertFrom-Json).'@odata.nextLink' }} while ($uri)\n",
                    ps(&format!("https://graph.microsoft.com/v1.0/{collection}")),
                    file = ps(file)
                ));
            }
            let mailboxes = if scope.suspects.is_empty() {
                "(Get-Mailbox -ResultSize Unlimited).UserPrincipalName".to_string()
            } else {
                ps_list(&scope.suspects)
            };
            let exchange = format!(
                "Connect-ExchangeOnline
                 $mailboxes = @({mailboxes})
                 $mailboxes | ForEach-Object {{ Get-InboxRule -Mailbox $_ -IncludeHidden }} |
                     Select-Object MailboxOwnerId, Name, Identity, RuleIdentity, Enabled, Priority, From, SubjectContainsWords, SubjectOrBodyContainsWords, BodyContainsWords, ForwardTo, ForwardAsAttachmentTo, RedirectTo, DeleteMessage, MoveToFolder, MarkAsRead, StopProcessingRules, Description |
                     ConvertTo-Json -Depth 4 | Out-File -FilePath 'inbox_rules.json' -Encoding utf8
                 $mailboxes | ForEach-Object {{ Get-Mailbox -Identity $_ }} |
                     Select-Object DisplayName, UserPrincipalName, PrimarySmtpAddress, ForwardingSmtpAddress, ForwardingAddress, DeliverToMailboxAndForward, AuditEnabled, WhenChangedUTC |
                     Export-Csv -Path 'mailbox_forwarding.csv' -NoTypeInformation -Encoding utf8"
            );
            vec![command(
                Engine::PowerShell,
                "The tenant's configuration as Graph JSON (Conditional Access, named locations, methods policy, domains, apps, grants, roles with their principals, users): run it now for the current side, and keep the output of a known-good day as the baseline",
                script.trim_end().to_string(),
                "One .json file per collection in the current folder; drop them all into Loupe (a file whose name says baseline starts on that side)",
                None,
            ),
            command(
                Engine::PowerShell,
                format!("Inbox rules (hidden ones included) and mailbox forwarding of {}: what is set now, whatever the audit log kept", who(scope)),
                exchange,
                "inbox_rules.json and mailbox_forwarding.csv: read into the configuration view (rules and forwarding sending mail outside are flagged for step 9)",
                None,
            )]
        }
        Need::Log(Source::SignIn) => {
            let users = suspects_argument(scope, "-UserIds");
            vec![
                command(
                    Engine::PowerShell,
                    format!("Entra sign-ins (interactive) of {} through Microsoft Graph {}", who(scope), scope.describe_window()),
                    graph_pages("AuditLog.Read.All", "auditLogs/signIns", &graph_filter("createdDateTime", "userPrincipalName", scope), "signins_graph.json"),
                    "signins_graph.json: Graph sign-in pages, one per line",
                    Some(Schema::GraphSignIn),
                ),
                command(
                    Engine::PowerShell,
                    format!("Interactive and non-interactive sign-ins of {} with Microsoft-Extractor-Suite (Graph beta) {}", who(scope), scope.describe_window()),
                    format!("Connect-MgGraph -Scopes AuditLog.Read.All, Directory.Read.All -NoWelcome\nGet-GraphEntraSignInLogs -startDate {start} -endDate {end}{users}"),
                    "Output\\EntraID\\…-SignInLogs\\…\\*-SignInLogs.json: Graph sign-ins, pages appended; drop the folder into Loupe",
                    Some(Schema::GraphSignIn),
                ),
            ]
        }
        Need::Log(Source::DirectoryAudit) => vec![
            command(
                Engine::PowerShell,
                format!("Entra directory audits initiated by {} through Microsoft Graph {}", who(scope), scope.describe_window()),
                graph_pages("AuditLog.Read.All", "auditLogs/directoryAudits", &graph_filter("activityDateTime", "initiatedBy/user/userPrincipalName", scope), "directory_audits_graph.json"),
                "directory_audits_graph.json: Graph directoryAudit pages, one per line",
                Some(Schema::GraphDirectoryAudit),
            ),
            command(
                Engine::PowerShell,
                format!("Every directory audit with Microsoft-Extractor-Suite {} (changes to the suspects are made by others too)", scope.describe_window()),
                format!("Connect-MgGraph -Scopes AuditLog.Read.All, Directory.Read.All -NoWelcome\nGet-GraphEntraAuditLogs -startDate {start} -endDate {end}"),
                "Output\\EntraID\\…-AuditLogs\\*-AuditLogs.json: Graph directory audits, pages appended",
                Some(Schema::GraphDirectoryAudit),
            ),
        ],
        Need::Log(Source::UnifiedAudit) => {
            let users = suspects_argument(scope, "-UserIds");
            let search = format!(
                "Connect-ExchangeOnline\n\
                 $session = [guid]::NewGuid().ToString()\n\
                 $rows = @()\n\
                 do {{\n    $page = @(Search-UnifiedAuditLog -StartDate {start} -EndDate {end}{users} -SessionId $session -SessionCommand ReturnLargeSet -ResultSize 5000)\n    $rows += $page\n}} while ($page.Count -eq 5000)\n\
                 $rows | Export-Csv -Path 'ual_search.csv' -NoTypeInformation -Encoding utf8"
            );
            let extractor_users = if scope.suspects.is_empty() { String::new() } else { format!(" -UserIds {}", ps(&scope.suspects.join(","))) };
            vec![
                command(
                    Engine::PowerShell,
                    format!("The Unified Audit Log of {} {} (Search-UnifiedAuditLog returns at most 50,000 records per session: split the window if it says so)", who(scope), scope.describe_window()),
                    search,
                    "ual_search.csv: Search-UnifiedAuditLog rows with their AuditData",
                    Some(Schema::UalSearchCsv),
                ),
                command(
                    Engine::PowerShell,
                    format!("The same through the Purview audit search (Microsoft Graph auditLogQuery, which runs on the service side: no 50,000-record limit) {}", scope.describe_window()),
                    purview_search(scope),
                    "purview_audit_records.json: auditLogRecord pages, one per line (each record's auditData is the UAL record)",
                    Some(Schema::UalAuditData),
                ),
                command(
                    Engine::PowerShell,
                    format!("The same with Microsoft-Extractor-Suite, which splits the window for you (Get-UAL; Get-UALAll in releases before it) {}", scope.describe_window()),
                    format!("Connect-M365\nGet-UAL{extractor_users} -StartDate {start} -EndDate {end} -Output CSV"),
                    "Output\\UnifiedAuditLog\\…\\UAL-*.csv: drop the whole folder into Loupe",
                    Some(Schema::UalSearchCsv),
                ),
            ]
        }
        Need::Log(Source::RiskDetection) => vec![command(
            Engine::PowerShell,
            format!("Identity Protection risk detections of {} through Microsoft Graph {} (needs Entra ID P2)", who(scope), scope.describe_window()),
            graph_pages("IdentityRiskEvent.Read.All", "identityProtection/riskDetections", &graph_filter("activityDateTime", "userPrincipalName", scope), "risk_detections_graph.json"),
            "risk_detections_graph.json: Graph riskDetection pages, one per line",
            Some(Schema::GraphRiskDetection),
        )],
        Need::Log(Source::MessageTrace) => {
            let senders = suspects_argument(scope, "-SenderAddress");
            vec![command(
                Engine::PowerShell,
                format!("Mail sent by {} {} (Get-MessageTraceV2 reaches back 90 days and 10 days per call: repeat for each 10 days of a longer window)", who(scope), scope.describe_window()),
                format!("Connect-ExchangeOnline\nGet-MessageTraceV2{senders} -StartDate {start} -EndDate {end} -ResultSize 5000 | Export-Csv -Path 'message_trace.csv' -NoTypeInformation -Encoding utf8"),
                "message_trace.csv: one row per message and recipient",
                Some(Schema::MessageTraceCmdlet),
            )]
        }
        Need::Log(Source::GraphActivity) => vec![command(
            Engine::PowerShell,
            "Graph activity logs are only kept where a diagnostic setting sends MicrosoftGraphActivityLogs to a workspace, storage account or event hub: this lists the tenant's Entra diagnostic settings (none means there are no Graph activity logs to collect)".to_string(),
            "Connect-AzAccount\nInvoke-AzRestMethod -Method GET -Path '/providers/microsoft.aadiam/diagnosticSettings?api-version=2017-04-01-preview' | Select-Object -ExpandProperty Content".to_string(),
            "Nothing to load: it tells where the logs are kept (a storage account's insights-logs-microsoftgraphactivitylogs container holds PT1H.json files Loupe reads)",
            None,
        )],
        Need::Log(_) => Vec::new(),
    }
}

/// Create a Purview audit search through Graph, wait for it, and page its
/// records into a file.
fn purview_search(scope: &Scope) -> String {
    let (start, end) = start_end(scope);
    let users = if scope.suspects.is_empty() { String::new() } else { format!("; userPrincipalNameFilters = @({})", ps_list(&scope.suspects)) };
    format!(
        "Connect-MgGraph -Scopes AuditLogsQuery.Read.All -NoWelcome\n\
         $body = @{{ displayName = 'Loupe collection'; filterStartDateTime = {start}; filterEndDateTime = {end}{users} }} | ConvertTo-Json\n\
         $query = Invoke-MgGraphRequest -Method POST -Uri 'https://graph.microsoft.com/v1.0/security/auditLog/queries' -Body $body -ContentType 'application/json'\n\
         do {{ Start-Sleep -Seconds 30; $status = (Invoke-MgGraphRequest -Method GET -Uri \"https://graph.microsoft.com/v1.0/security/auditLog/queries/$($query.id)\").status }} while ($status -notin 'succeeded', 'failed', 'cancelled')\n\
         $uri = \"https://graph.microsoft.com/v1.0/security/auditLog/queries/$($query.id)/records\"\n\
         Remove-Item 'purview_audit_records.json' -ErrorAction SilentlyContinue\n\
         do {{ $page = Invoke-MgGraphRequest -Method GET -Uri $uri -OutputType Json; Add-Content -Path 'purview_audit_records.json' -Value $page -Encoding utf8; $uri = ($page | ConvertFrom-Json).'@odata.nextLink' }} while ($uri)"
    )
}

/// ` -UserIds 'a', 'b'` for a cmdlet parameter taking the suspects, or
/// nothing when there are none.
fn suspects_argument(scope: &Scope, parameter: &str) -> String {
    if scope.suspects.is_empty() {
        String::new()
    } else {
        format!(" {parameter} {}", ps_list(&scope.suspects))
    }
}

fn who(scope: &Scope) -> String {
    if scope.suspects.is_empty() {
        "every account".to_string()
    } else {
        scope.suspects.join(", ")
    }
}

/// Tenant-wide questions for a tenant without a SIEM: the Unified Audit
/// Log of every account, narrowed to the marked addresses.
pub fn hunt(scope: &Scope) -> Vec<Command> {
    if scope.ips.is_empty() {
        return Vec::new();
    }
    let (start, end) = start_end(scope);
    vec![Command {
        step: 10,
        ..command(
            Engine::PowerShell,
            format!("Every Unified Audit Log record from a marked address, whatever the account, with Microsoft-Extractor-Suite {}", scope.describe_window()),
            format!("Connect-M365\nGet-UAL -IPAddresses {} -StartDate {start} -EndDate {end} -Output CSV", ps(&scope.ips.join(","))),
            "Output\\UnifiedAuditLog\\…\\UAL-*.csv: drop the folder into Loupe",
            Some(Schema::UalSearchCsv),
        )
    }]
}
