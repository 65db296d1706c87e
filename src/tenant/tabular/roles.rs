//! Directory role holders, named by role name and user principal name.
//!
//! - Extractor-Suite's Get-AllRoleActivity: `Role`, `UserName`, `UserId`,
//!   `DisplayName`, `Department`, `JobTitle`, `AccountEnabled`,
//!   `CreatedDateTime`, `LastInteractiveSignIn`,
//!   `LastNonInteractiveSignIn`, `DaysSinceLastSignIn`.
//! - Extractor-Suite's Get-PIMAssignments: `RoleName`, `UserPrincipalName`,
//!   `DisplayName`, `AssignmentType` (`PIM Active`, `PIM Eligible` …),
//!   `SourceType` and `SourceName` (a group the role came through),
//!   `OnPremisesSynced`, `AssignmentStatus`, `StartDateTime`,
//!   `EndDateTime`, `DirectoryScopeId`.
//!
//! A privileged built-in role is stored under its template id so the role
//! rules rank it; others keep their name. The principal's UPN and display
//! name travel with the assignment (`principalDisplayName`), so it is named
//! even when the snapshot has no user export.

use super::table::Table;
use super::Out;
use crate::ingest::csv_input::Headers;
use crate::tenant::kind::ObjectKind;
use crate::tenant::roles::privileged_role_by_name;
use serde_json::json;

const ROLE: &[&str] = &["Role", "RoleName", "RoleDisplayName"];
const USER: &[&str] = &["UserName", "UserPrincipalName"];

pub fn matches(h: &Headers) -> bool {
    h.index(ROLE).is_some() && h.index(USER).is_some() && h.count_present(&["UserId", "AssignmentType", "AssignmentStatus"]) > 0
}

pub fn read(table: &Table, out: &mut Out) {
    out.covers(&ObjectKind::RoleAssignment);
    let pim = table.has(&["AssignmentType"]);
    if pim {
        out.covers(&ObjectKind::RoleEligibility);
    }
    let order = table.date_order(&["StartDateTime", "EndDateTime"]);
    for row in &table.rows {
        let (Some(role), Some(user)) = (table.value(row, ROLE), table.value(row, USER)) else {
            out.bad(row, "a role holder without the role or the user");
            continue;
        };
        let assignment = table.get(row, &["AssignmentType"]);
        let eligible = assignment.to_ascii_lowercase().contains("eligible");
        let kind = if eligible { ObjectKind::RoleEligibility } else { ObjectKind::RoleAssignment };
        let role_id = privileged_role_by_name(role).map_or(role, |r| r.template_id);
        let principal = table.value(row, &["UserId"]).unwrap_or(user);
        let scope = table.value(row, &["DirectoryScopeId"]).unwrap_or("/");
        let source = table.value(row, &["SourceName"]).filter(|_| table.get(row, &["SourceType"]).eq_ignore_ascii_case("Group"));
        let raw = json!({
            "roleDefinitionId": role_id,
            "roleDisplayName": role,
            "principalId": principal,
            "principalDisplayName": user,
            "principalName": table.value(row, &["DisplayName"]),
            "directoryScopeId": scope,
            "assignmentType": (!assignment.is_empty()).then_some(assignment),
            "memberOfGroup": source,
            "accountEnabled": table.value(row, &["AccountEnabled"]),
            "startDateTime": table.time(row, &["StartDateTime"], order),
            "endDateTime": table.time(row, &["EndDateTime"], order),
        });
        let id = format!("{}|{}|{}|{}", role.to_ascii_lowercase(), principal.to_ascii_lowercase(), scope, source.unwrap_or("direct"));
        let how = if eligible { "eligible for" } else { "holds" };
        out.push(kind, id, None, raw, row, Some(format!("{user} {how} {role}")));
    }
}
