//! The remediation plan for each training scenario, with the context Loupe
//! suggests: every action the answer key calls for is in it, with the
//! real identifiers in its commands, and a done action is checked against
//! the evidence that follows it.

use loupe::detect::{run_all, suggest_context};
use loupe::ingest::{ingest_bytes, Deduper};
use loupe::remediate::{plan, verify, Plan};
use loupe::sample::{generate_scenario, AnswerKey, Scenario, DEFAULT_SEED};
use loupe::store::EventStore;
use std::collections::BTreeMap;

fn plan_for(scenario: Scenario) -> (Plan, AnswerKey, EventStore, loupe::detect::Context) {
    let set = generate_scenario(scenario, DEFAULT_SEED);
    let store = set.to_store();
    let ctx = suggest_context(&store);
    let findings = run_all(&store, &ctx);
    (plan(&store, &ctx, &findings), set.answer_key, store, ctx)
}

fn ids(plan: &Plan) -> Vec<&str> {
    plan.actions.iter().map(|a| a.id.as_str()).collect()
}

/// The action with this id, and all its command text.
fn commands<'a>(plan: &'a Plan, id: &str) -> String {
    let action = plan.action(id).unwrap_or_else(|| panic!("{id} missing from {:?}", ids(plan)));
    action.commands.iter().map(|c| c.text.as_str()).collect::<Vec<_>>().join("\n")
}

fn print(plan: &Plan) {
    for a in &plan.actions {
        println!("step {:>2}  {:<80} {} finding(s), {} row(s)", a.step, a.id, a.findings.len(), a.rows.len());
    }
}

#[test]
fn mailbox_takeover_plan() {
    let (plan, key, _, _) = plan_for(Scenario::MailboxTakeover);
    print(&plan);
    let victim = &key.victims[0];
    let user = format!("-UserId '{victim}'");
    assert!(commands(&plan, &format!("revoke_sessions:{victim}")).contains(&format!("Revoke-MgUserSignInSession {user}")));
    assert!(commands(&plan, &format!("reset_password:{victim}")).contains(&format!("Update-MgUser {user} -PasswordProfile")));
    assert!(commands(&plan, &format!("remove_method:{victim}:authenticator")).contains("Remove-MgUserAuthenticationMicrosoftAuthenticatorMethod"));
    assert!(commands(&plan, &format!("block_legacy_protocols:{victim}")).contains(&format!("Set-CASMailbox -Identity '{victim}'")));
    let rule = plan.actions.iter().find(|a| a.id.starts_with(&format!("remove_inbox_rule:{victim}:"))).expect("the forwarding rule is removed");
    assert!(rule.commands[0].text.contains(&format!("Remove-InboxRule -Mailbox '{victim}' -Identity '")), "{}", rule.commands[0].text);
    let app = &key.malicious_app.app_id;
    let revoke_app = commands(&plan, &format!("revoke_app:{app}"));
    assert!(revoke_app.contains(&format!("Get-MgServicePrincipal -Filter 'appId eq ''{app}'''")), "{revoke_app}");
    assert!(revoke_app.contains("Remove-MgOauth2PermissionGrant") && revoke_app.contains("-AccountEnabled:$false"));
    assert_eq!(plan.actions.iter().filter(|a| a.id.starts_with("revoke_app:")).count(), 1, "one app, not its object ids: {:?}", ids(&plan));
    assert!(plan.actions.iter().all(|a| [2, 4, 11].contains(&a.step)));
    every_action_the_key_asks_for(&plan, &key);
}

/// Each of the answer key's `remediation` entries is an action of the plan.
fn every_action_the_key_asks_for(plan: &Plan, key: &AnswerKey) {
    assert!(!key.remediation.is_empty(), "the answer key lists what the plan must do");
    for wanted in &key.remediation {
        assert!(plan.actions.iter().any(|a| AnswerKey::remediation_matches(wanted, &a.id)), "{wanted} missing from {:?}", ids(plan));
    }
}

#[test]
fn compromised_admin_plan() {
    let (plan, key, _, _) = plan_for(Scenario::CompromisedAdmin);
    print(&plan);
    let victim = &key.victims[0];
    assert!(plan.action(&format!("revoke_sessions:{victim}")).is_some());
    assert!(plan.action(&format!("reset_password:{victim}")).is_some());
    let created = &key.created_accounts[0];
    let role = commands(&plan, &format!("remove_role:{created}:global administrator"));
    assert!(role.contains(&format!("Get-MgUser -UserId '{created}'")) && role.contains("Remove-MgRoleManagementDirectoryRoleAssignment"), "{role}");
    assert!(commands(&plan, &format!("disable_created_account:{created}")).contains(&format!("Update-MgUser -UserId '{created}' -AccountEnabled:$false")));
    let mailbox = &key.accessed_mailboxes[0];
    assert!(commands(&plan, &format!("remove_mailbox_permission:{mailbox}:{victim}"))
        .contains(&format!("Remove-MailboxPermission -Identity '{mailbox}' -User '{victim}' -AccessRights 'FullAccess'")));
    let credential = plan.actions.iter().find(|a| a.id.starts_with("remove_app_credential:")).expect("the added secret is removed");
    assert!(credential.commands[0].text.contains("Remove-MgApplicationPassword -ApplicationId '"), "{}", credential.commands[0].text);
    assert!(!credential.commands[0].text.contains("<key id"), "the key id comes from the audit record");
    assert!(plan.action(&format!("disable_app:{}", key.malicious_app.app_id)).is_some(), "{:?}", ids(&plan));
    every_action_the_key_asks_for(&plan, &key);

    // The cloud actions carry the identifiers from the evidence.
    let key_action = key.remediation.iter().find(|a| a.starts_with("aws_disable_key:")).expect("a key to disable");
    let new_key = key_action.rsplit(':').next().unwrap_or_default().to_uppercase();
    let aws = commands(&plan, key_action);
    assert!(aws.contains(&format!("aws iam update-access-key --user-name 'svc-edi-transfer' --access-key-id '{new_key}' --status Inactive")), "{aws}");
    let vm = key.remediation.iter().find(|a| a.starts_with("azure_stop_vm:")).expect("a VM to stop");
    let vm_command = commands(&plan, vm);
    assert!(vm_command.to_lowercase().contains(&format!("az vm deallocate --ids '{}'", vm.trim_start_matches("azure_stop_vm:"))), "{vm_command}");
    for secret in ["tms-sql-admin", "edi-sftp-password"] {
        let rotate = commands(&plan, &format!("azure_rotate_secret:kv-larkspur-prod:{secret}"));
        assert!(rotate.contains(&format!("az keyvault secret set --vault-name 'kv-larkspur-prod' --name '{secret}'")), "{rotate}");
    }
    let aws_secret = key.remediation.iter().find(|a| a.starts_with("aws_rotate_secret:")).expect("an AWS secret to rotate");
    assert!(commands(&plan, aws_secret).contains("aws secretsmanager rotate-secret --secret-id 'arn:aws:secretsmanager:us-east-2:364018529716:secret:prod/tms/database-"));
    // Ordinary cloud work (the CI user's own key, IT's resize and role) asks for nothing.
    assert!(!plan.actions.iter().any(|a| a.id.contains("ci-deploy") || a.id.starts_with("azure_role_assignment:")), "{:?}", ids(&plan));
}

#[test]
fn a_revocation_the_intruder_outlived_is_flagged() {
    let (plan, key, store, ctx) = plan_for(Scenario::MailboxTakeover);
    let victim = &key.victims[0];
    let id = format!("revoke_sessions:{victim}");
    let start = loupe::model::parse_rfc3339_utc(&key.compromise_window.start).unwrap();
    let end = loupe::model::parse_rfc3339_utc(&key.compromise_window.end).unwrap();
    // "Done" an hour into the compromise: the intruder kept going long after.
    let early = verify(&store, &ctx, &plan, &BTreeMap::from([(id.clone(), start + 3_600_000)]));
    assert_eq!(early.len(), 1, "{early:?}");
    assert!(early[0].rows.iter().all(|&r| store.time(r) > start + 3_600_000 + ctx.token_lifetime_minutes * 60_000));
    // Done after the last attacker activity: nothing contradicts it.
    assert!(verify(&store, &ctx, &plan, &BTreeMap::from([(id, end + 1)])).is_empty());
}

#[test]
fn cloud_actions_name_the_keys_and_secrets_from_the_logs() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");
    let mut store = EventStore::new();
    let mut dedupe = Deduper::default();
    for name in ["cloudtrail_s3_records_create_access_key.json", "gcp_logging_read_service_account_key.json", "azure_activity_cli_list.json", "azure_activity_diagnostic_records.json"] {
        let bytes = std::fs::read(format!("{dir}{name}")).unwrap();
        let (report, events, text) = ingest_bytes(name, &bytes, &mut dedupe);
        assert!(report.unreadable.is_none(), "{name}: {:?}", report.unreadable);
        store.add_file(report, text, events);
    }
    let ctx = loupe::detect::Context { suspect_accounts: vec!["victim@contoso.com".into()], ..Default::default() };
    let plan = plan(&store, &ctx, &run_all(&store, &ctx));
    print(&plan);
    let all: String = plan.actions.iter().flat_map(|a| a.commands.iter()).map(|c| c.text.as_str()).collect::<Vec<_>>().join("\n");
    assert!(all.contains("aws iam update-access-key --user-name 'svc-backup-sync' --access-key-id 'AKIAEXAMPLENEWKEY01' --status Inactive"), "{all}");
    assert!(all.contains("aws secretsmanager rotate-secret --secret-id 'prod/payments/db'"), "{all}");
    assert!(all.contains("aws iam detach-user-policy --user-name 'svc-backup-sync' --policy-arn 'arn:aws:iam::aws:policy/AdministratorAccess'"), "{all}");
    assert!(all.contains("gcloud iam service-accounts keys disable"), "{all}");
    assert!(all.contains("gcloud secrets versions add 'stripe-live-key' --project 'acme-prod-4411'"), "{all}");
    assert!(plan.actions.iter().any(|a| a.step == 4) && plan.actions.iter().any(|a| a.step == 11 && a.id.starts_with("aws_rotate_secret")));
}
