//! Actions for directory changes: role memberships the intruder granted
//! and accounts the intruder created.

use super::identity::query_value;
use super::quote::{ps, ps_filter_eq};
use super::{actionable, graph, key, Action, Promise};
use crate::detect::facts::op_is;
use crate::detect::role_changes::role_name;
use crate::detect::{Context, Finding};
use crate::store::EventStore;

const REMOVALS: [&str; 3] = ["Remove member from role", "Remove eligible member from role", "Remove scoped member from role"];

pub fn actions(store: &EventStore, ctx: &Context, findings: &[Finding]) -> Vec<Action> {
    let mut out = Vec::new();
    for f in actionable(findings, "identity.role_change").filter(|f| f.severity >= crate::detect::Severity::High) {
        for &row in &f.rows {
            if op_is(store, row, &REMOVALS) {
                continue;
            }
            let member = store.target(row).trim().to_string();
            let role = role_name(store, row);
            if member.is_empty() || role.is_empty() {
                continue;
            }
            let principal = if member.contains('@') {
                format!("$principal = Get-MgUser -UserId {}", ps(&member))
            } else {
                format!("$principal = Get-MgServicePrincipal -Filter {}", ps_filter_eq("displayName", &member))
            };
            let body = format!(
                "{principal}\n$role = Get-MgRoleManagementDirectoryRoleDefinition -Filter {role_filter}\n\
                 # Active assignments, then PIM eligibilities, of that role for that principal:\n\
                 Get-MgRoleManagementDirectoryRoleAssignment -Filter \"principalId eq '$($principal.Id)' and roleDefinitionId eq '$($role.Id)'\" | ForEach-Object {{ Remove-MgRoleManagementDirectoryRoleAssignment -UnifiedRoleAssignmentId $_.Id }}\n\
                 Get-MgRoleManagementDirectoryRoleEligibilitySchedule -Filter \"principalId eq '$($principal.Id)' and roleDefinitionId eq '$($role.Id)'\" | Format-List Id, Status, ScheduleInfo",
                role_filter = ps_filter_eq("displayName", &role)
            );
            out.push(Action {
                id: format!("remove_role:{}:{}", key(&member), key(&role)),
                step: 11,
                title: format!("Take {member} out of {role}"),
                why: format!(
                    "{role} was granted during the compromise. Remove it (and any PIM eligibility for it, which the second command lists), then review what the member did with it: the timeline query shows their activity."
                ),
                commands: vec![graph(&["RoleManagement.ReadWrite.Directory"], &body)],
                portal: "Microsoft Entra admin center › Identity › Roles & admins › (the role) › Assignments (active and eligible) › Remove".into(),
                findings: vec![f.id.clone()],
                rows: vec![row],
                query: format!("user:{}", query_value(&member)),
                promise: None,
            });
        }
    }
    for f in actionable(findings, "scope.new_user") {
        for &row in &f.rows {
            let account = store.target(row).trim().to_string();
            if !account.contains('@') {
                continue;
            }
            let user = ps(&account);
            out.push(Action {
                id: format!("disable_created_account:{}", key(&account)),
                step: 11,
                title: format!("Disable {account}, created during the compromise"),
                why: "An account the intruder created is a way back in that survives every reset of the victim's credentials. Block it and revoke its sessions now; delete it once its activity is reviewed and the evidence kept.".into(),
                commands: vec![graph(
                    &["User.ReadWrite.All", "User.RevokeSessions.All"],
                    &format!("Update-MgUser -UserId {user} -AccountEnabled:$false\nRevoke-MgUserSignInSession -UserId {user}\n# Remove-MgUser -UserId {user}"),
                )],
                portal: "Microsoft Entra admin center › Identity › Users › All users › (the user) › Edit properties › Account enabled (off), then Delete".into(),
                findings: vec![f.id.clone()],
                rows: vec![row],
                query: format!("user:{}", query_value(&account)),
                promise: Some(Promise { account: Some(account.clone()), successful_only: true, grace_minutes: ctx.token_lifetime_minutes, ..Promise::default() }),
            });
        }
    }
    out
}
