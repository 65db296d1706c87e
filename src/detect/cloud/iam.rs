//! Step 4: new users, roles, role assignments and policies in the cloud.
//! A user with a login profile, a role the attacker can assume, an Owner
//! assignment or a widened trust policy all outlive the stolen identity.

use super::{payload, scan, GroupBy, Rule};
use crate::detect::{Context, DetectorDef, Finding, History, Severity};
use crate::model::Source;
use crate::store::EventStore;

pub const DEF: DetectorDef = DetectorDef { id: "cloud.iam", step: 4, title: "New cloud users, roles, role assignments and policies", run, sliced: None };

pub const RULES: &[Rule] = &[
    Rule { source: Source::AzureActivity, ops: &["Microsoft.Authorization/roleAssignments/write", "Create role assignment"], what: "assigned an Azure role", base: Severity::Medium },
    Rule { source: Source::AzureActivity, ops: &["Microsoft.Authorization/roleDefinitions/write", "Create or update custom role definition"], what: "created or changed a custom role", base: Severity::Medium },
    Rule { source: Source::AzureActivity, ops: &["Microsoft.Authorization/elevateAccess/action"], what: "elevated to User Access Administrator over all subscriptions", base: Severity::High },
    Rule { source: Source::CloudTrail, ops: &["CreateUser", "CreateRole", "AddUserToGroup", "CreatePolicyVersion", "SetDefaultPolicyVersion"], what: "created or extended an IAM identity", base: Severity::Medium },
    Rule {
        source: Source::CloudTrail,
        ops: &["AttachUserPolicy", "AttachRolePolicy", "AttachGroupPolicy", "PutUserPolicy", "PutRolePolicy", "PutGroupPolicy"],
        what: "granted an IAM policy",
        base: Severity::Medium,
    },
    Rule { source: Source::CloudTrail, ops: &["CreatePolicy"], what: "created an IAM policy", base: Severity::Low },
    Rule {
        source: Source::CloudTrail,
        ops: &["CreateLoginProfile", "UpdateLoginProfile", "UpdateAssumeRolePolicy", "CreateSAMLProvider", "UpdateSAMLProvider", "CreateOpenIDConnectProvider"],
        what: "opened a way to sign in or assume a role",
        base: Severity::High,
    },
    Rule { source: Source::GcpAudit, ops: &["SetIamPolicy"], what: "changed an IAM policy", base: Severity::Medium },
    Rule { source: Source::GcpAudit, ops: &["CreateServiceAccount", "CreateRole", "UpdateRole"], what: "created a service account or role", base: Severity::Medium },
];

const WHY: &str = "Identities and permissions created from the stolen account are persistence: a new user or key, a role the attacker can assume, \
or an Owner assignment for an outside principal keeps working after the account is reset. Each change needs an owner or is reverted.";

/// Roles and policies that hand over the whole account, by the names and
/// ids the clouds use (Azure built-in role definition ids included).
const SWEEPING: [(&str, &str); 9] = [
    ("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Azure Owner role"),
    ("18d7d88d-d35e-4fb5-a5c3-7773c4a72b9d", "Azure User Access Administrator role"),
    ("b24988ac-6180-42a0-ab88-20f7382dd24c", "Azure Contributor role"),
    ("policy/administratoraccess", "AdministratorAccess policy"),
    ("policy/iamfullaccess", "IAMFullAccess policy"),
    ("\"action\":\"*\"", "a policy allowing every action"),
    ("roles/owner", "roles/owner"),
    ("roles/editor", "roles/editor"),
    ("roles/iam.serviceaccounttokencreator", "roles/iam.serviceAccountTokenCreator"),
];

fn refine(store: &EventStore, row: u32, rule: &Rule) -> Option<(Severity, String)> {
    let text = payload(store, row);
    match SWEEPING.iter().find(|(sign, _)| text.contains(sign)) {
        Some((_, what)) => Some((rule.base.max(Severity::High), format!("grants {what}"))),
        None => Some((rule.base, String::new())),
    }
}

fn run(store: &EventStore, ctx: &Context, _: &History) -> Vec<Finding> {
    scan(&DEF, store, ctx, RULES, GroupBy::Target, refine, WHY)
}

#[cfg(test)]
mod tests {
    use super::super::test_rows::*;
    use super::*;
    use crate::detect::testkit::*;
    use crate::model::attr;

    #[test]
    fn admin_grants_are_high_and_suspect_ones_critical() {
        let suspect = "arn:aws:sts::1:assumed-role/Admins/victim@contoso.com";
        let store = store_of(vec![
            aws("2026-03-01T17:01:02Z", "CreateUser", suspect, "203.0.113.7", "svc-backup-sync"),
            aws("2026-03-01T17:01:40Z", "AttachUserPolicy", suspect, "203.0.113.7", "svc-backup-sync")
                .with(attr::REQUEST, r#"{"userName":"svc-backup-sync","policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}"#),
            aws("2026-02-10T09:00:00Z", "AttachRolePolicy", "arn:aws:iam::1:user/terraform", "198.51.100.10", "lambda-exec")
                .with(attr::REQUEST, r#"{"roleName":"lambda-exec","policyArn":"arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole"}"#),
            gcp("2026-03-01T17:11:30Z", "SetIamPolicy", "ops@contoso.com", "198.51.100.10", "projects/acme")
                .with(attr::REQUEST, r#"{"policy":{"bindings":[{"role":"roles/owner","members":["user:attacker.ops@gmail.com"]}]}}"#),
        ]);
        let ctx = Context { suspect_accounts: vec!["victim@contoso.com".into()], window: Some((t("2026-03-01T00:00:00Z"), t("2026-03-02T00:00:00Z"))), ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(Vec<u32>, Severity)> = findings.iter().map(|f| (f.rows.clone(), f.severity)).collect();
        assert_eq!(got, vec![(vec![0], Severity::Info), (vec![2], Severity::Critical), (vec![1], Severity::Critical), (vec![3], Severity::Medium)]);
        assert_eq!(findings[1].details, ["grants AdministratorAccess policy"]);
        assert_eq!(findings[3].details, ["grants roles/owner"]);
    }
}
