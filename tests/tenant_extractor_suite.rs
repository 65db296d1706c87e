//! Tenant reports of Microsoft-Extractor-Suite and Hawk: told by content
//! from event logs (both ways), read into objects of the right kind with
//! their names, bad rows reported by line, and the mailbox risks raised on
//! the malicious rows only.

use loupe::detect::{Context, Severity};
use loupe::tenant::posture::{evaluate, CheckResult, PostureCheck};
use loupe::tenant::read::read_file;
use loupe::tenant::{diff_snapshots, looks_like_snapshot, ObjectKind, Snapshot, TenantObject};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tenant/");

fn bytes(path: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}{path}")).unwrap_or_else(|e| panic!("{path}: {e}"))
}

const REPORTS: [&str; 14] = [
    "extractor_suite/20261201101500-MailboxRules.csv",
    "extractor_suite/MailboxRules_legacy.csv",
    "extractor_suite/202612011015-TransportRules.csv",
    "extractor_suite/20261201101500-MailboxPermissions.csv",
    "extractor_suite/20261201101500-MailboxAuditStatus.csv",
    "extractor_suite/20261201101500-ConditionalAccessPolicies.csv",
    "extractor_suite/OAuthPermissions.csv",
    "extractor_suite/202612011015-MFA-AuthenticationMethods.csv",
    "extractor_suite/202612011015-MFA-UserRegistrationDetails.csv",
    "extractor_suite/20261201101500-All-Roles.csv",
    "extractor_suite/20261201101500-PIM-Assignments.csv",
    "hawk/All_InboxRules.json",
    "hawk/User_ForwardingReport.csv",
    "hawk/Consent_Grants.csv",
];

/// The objects of one report, and the report.
fn read(path: &str) -> (Vec<TenantObject>, loupe::tenant::FileReport) {
    let mut got = read_file(path, &bytes(path));
    assert_eq!(got.reports.len(), 1);
    (got.objects, got.reports.remove(0))
}

fn names(objects: &[TenantObject], kind: &ObjectKind) -> Vec<String> {
    objects.iter().filter(|o| &o.kind == kind).map(|o| o.name.clone()).collect()
}

fn gaps(paths: &[&str], context: Option<&Context>) -> Vec<PostureCheck> {
    let files: Vec<(String, Vec<u8>)> = paths.iter().map(|p| (p.to_string(), bytes(p))).collect();
    let snapshot = Snapshot::from_files(files.iter().map(|(n, b)| (n.as_str(), b.as_slice())));
    evaluate(&snapshot, context).into_iter().filter(|c| c.result == CheckResult::Gap).collect()
}

fn gap_for<'a>(gaps: &'a [PostureCheck], object_name: &str) -> Option<&'a PostureCheck> {
    gaps.iter().find(|g| g.object.name == object_name)
}

#[test]
fn every_report_is_a_snapshot_and_no_event_log() {
    for path in REPORTS {
        let b = bytes(path);
        assert!(looks_like_snapshot(path, &b), "{path} should be a tenant snapshot");
        assert!(loupe::ingest::recognise(path, &b).is_err(), "{path} must not read as events");
        // The loader sniffs the first bytes only.
        let head = &b[..b.len().min(700)];
        assert!(looks_like_snapshot(path, head), "{path}: the first 700 bytes should do");
    }
}

#[test]
fn event_fixtures_are_still_no_snapshots() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");
    let mut seen = 0;
    for entry in std::fs::read_dir(root).expect("fixtures") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
        if !path.is_file() || name == "ingest_digests.json" {
            continue;
        }
        let b = std::fs::read(&path).expect("read");
        assert!(!looks_like_snapshot(&name, &b), "{name} is evidence, not a snapshot");
        seen += 1;
    }
    assert!(seen > 30, "only {seen} fixtures looked at");
}

#[test]
fn extractor_suite_mailbox_rules() {
    let (objects, report) = read("extractor_suite/20261201101500-MailboxRules.csv");
    assert_eq!(report.encoding, "UTF-8 with BOM");
    assert_eq!(names(&objects, &ObjectKind::InboxRule), [". (j.doe@contoso.com)", "Invoices (j.doe@contoso.com)", "Newsletters (a.smith@contoso.com)", "Out of office copy (a.smith@contoso.com)"]);
    assert_eq!(report.problems_total, 1, "{report:?}");
    assert_eq!(report.problems[0].position, "line 8", "the row after a four-line description");
    let first = &objects[0];
    assert_eq!(first.id, "j.doe@contoso.com/13744632918483943425");
    assert_eq!(first.owner.as_deref(), Some("j.doe@contoso.com"));
    assert_eq!(first.source.position, "line 2");
    assert_eq!(first.bool_at("deleteMessage"), Some(true));
    assert_eq!(objects[1].strings_at("subjectContainsWords"), ["invoice", "payment", "remittance"]);

    let (legacy, report) = read("extractor_suite/MailboxRules_legacy.csv");
    assert_eq!(names(&legacy, &ObjectKind::InboxRule), ["Archive security (j.doe@contoso.com)", "Team (a.smith@contoso.com)"]);
    assert_eq!(legacy[0].source.position, "line 3", "after the #TYPE line and the header");
    assert_eq!(report.problems_total, 0);
}

#[test]
fn inbox_rule_risks_fire_on_the_malicious_rows_only() {
    let g = gaps(&["extractor_suite/20261201101500-MailboxRules.csv", "extractor_suite/MailboxRules_legacy.csv"], None);
    let forward = gap_for(&g, ". (j.doe@contoso.com)").expect("the forward-and-delete rule");
    assert_eq!((forward.check, forward.step, forward.risk), ("inbox_rules", 9, Severity::Critical));
    assert!(forward.reason.contains("billing-desk@contoso-payments.net"), "{}", forward.reason);
    let hide = gap_for(&g, "Invoices (j.doe@contoso.com)").expect("the invoice rule");
    assert_eq!(hide.risk, Severity::High);
    assert!(hide.reason.contains("'invoice'"), "{}", hide.reason);
    assert_eq!(gap_for(&g, "Archive security (j.doe@contoso.com)").map(|c| c.risk), Some(Severity::High));
    for quiet in ["Newsletters (a.smith@contoso.com)", "Out of office copy (a.smith@contoso.com)", "Team (a.smith@contoso.com)"] {
        assert!(gap_for(&g, quiet).is_none(), "{quiet} is ordinary: {g:#?}");
    }
}

#[test]
fn transport_rules_in_utf16() {
    let (objects, report) = read("extractor_suite/202612011015-TransportRules.csv");
    assert_eq!(report.encoding, "UTF-16LE");
    assert_eq!(names(&objects, &ObjectKind::TransportRule), ["Finance copy", "Partner allow", "Disclaimer"]);
    assert_eq!(objects[0].str_at("whenChanged"), Some("2026-12-01T09:42:10Z"));
    let g = gaps(&["extractor_suite/202612011015-TransportRules.csv"], None);
    assert_eq!(gap_for(&g, "Finance copy").map(|c| (c.risk, c.step)), Some((Severity::Critical, 9)));
    assert!(gap_for(&g, "Finance copy").is_some_and(|c| c.reason.contains("archive@mail-vault.example")));
    assert_eq!(gap_for(&g, "Partner allow").map(|c| c.risk), Some(Severity::High));
    assert!(gap_for(&g, "Disclaimer").is_none());
}

#[test]
fn mailbox_permissions_and_auditing() {
    let (objects, _) = read("extractor_suite/20261201101500-MailboxPermissions.csv");
    let perms = names(&objects, &ObjectKind::MailboxPermission);
    assert_eq!(perms, ["Jane Doe on Chief Financial Officer: FullAccess", "Jane Doe on Chief Financial Officer: SendAs", "Alice Smith on Info: FullAccess", "Bob Ray on Info: FullAccess"]);
    assert_eq!(objects[0].id, "cfo@contoso.com|j.doe@contoso.com|fullaccess");
    let ctx = Context { suspect_accounts: vec!["j.doe@contoso.com".into()], ..Context::default() };
    let g = gaps(&["extractor_suite/20261201101500-MailboxPermissions.csv"], Some(&ctx));
    let full = gap_for(&g, "Jane Doe on Chief Financial Officer: FullAccess").expect("suspect's full access");
    assert_eq!((full.step, full.risk), (10, Severity::High));
    assert_eq!(gap_for(&g, "Alice Smith on Info: FullAccess").map(|c| c.risk), Some(Severity::Low), "shared mailbox delegation is expected");

    let (audit, report) = read("extractor_suite/20261201101500-MailboxAuditStatus.csv");
    assert!(report.notes.iter().any(|n| n.contains("';'-delimited")), "{:?}", report.notes);
    assert_eq!(audit.len(), 3);
    let g = gaps(&["extractor_suite/20261201101500-MailboxAuditStatus.csv"], None);
    assert_eq!(gap_for(&g, "auditing of Chief Financial Officer").map(|c| (c.risk, c.step)), Some((Severity::High, 6)));
    assert_eq!(gap_for(&g, "auditing of Legacy Mailbox").map(|c| c.risk), Some(Severity::Medium));
    assert!(gap_for(&g, "auditing of Jane Doe").is_none());
}

#[test]
fn conditional_access_semicolon_german_dates() {
    let (objects, report) = read("extractor_suite/20261201101500-ConditionalAccessPolicies.csv");
    assert_eq!(names(&objects, &ObjectKind::ConditionalAccessPolicy), ["Require MFA for all users", "Block legacy authentication"]);
    assert_eq!(report.problems.iter().map(|p| p.position.as_str()).collect::<Vec<_>>(), ["line 4"]);
    let mfa = &objects[0];
    assert_eq!(mfa.id, "6f1b2c3d-0000-4000-8000-00000000ca01");
    assert_eq!(mfa.str_at("modifiedDateTime"), Some("2026-11-25T18:30:12Z"), "day-first, told from the 25");
    assert_eq!(mfa.strings_at("conditions.users.excludeUsers"), ["9a8b7c6d-0000-4000-8000-0000000000e1"]);
    assert_eq!(mfa.strings_at("grantControls.builtInControls"), ["mfa"]);
    assert_eq!(objects[1].strings_at("conditions.clientAppTypes"), ["exchangeActiveSync", "other"]);
    // The existing posture checks read them: MFA for all users is enforced.
    let snapshot = Snapshot::from_files([("ca.csv", &bytes("extractor_suite/20261201101500-ConditionalAccessPolicies.csv")[..])]);
    let checks = evaluate(&snapshot, None);
    let mfa_all = checks.iter().find(|c| c.check == "mfa_all_users").expect("mfa_all_users");
    assert_ne!(mfa_all.result, CheckResult::NotEvaluable, "{mfa_all:?}");
}

#[test]
fn oauth_permissions_become_grants_and_app_roles() {
    let (objects, report) = read("extractor_suite/OAuthPermissions.csv");
    assert_eq!(report.problems_total, 1);
    assert_eq!(report.problems[0].position, "line 6");
    let grants: Vec<&TenantObject> = objects.iter().filter(|o| o.kind == ObjectKind::OAuth2PermissionGrant).collect();
    assert_eq!(grants.len(), 2);
    assert_eq!(grants[0].str_at("scope"), Some("Mail.ReadWrite offline_access"), "two rows of one grant joined");
    assert_eq!(grants[0].str_at("principalId"), Some("b3c1e0a2-5d4f-4e6a-9b8c-7d6e5f4a3b21"));
    assert_eq!(grants[0].name, "Mail Sync Pro → Microsoft Graph: Mail.ReadWrite offline_access for Jane Doe");
    assert_eq!(names(&objects, &ObjectKind::AppRoleAssignment), ["Backup Connector → Microsoft Graph: Mail.Read"]);

    // A new grant between two reports is ranked by the app rules, named by the report.
    let baseline = Snapshot::new();
    let current = Snapshot::from_files([("oauth.csv", &bytes("extractor_suite/OAuthPermissions.csv")[..])]);
    let diff = diff_snapshots(&baseline, &current);
    let mail = diff.changes.iter().find(|c| c.kind == ObjectKind::OAuth2PermissionGrant && c.name.contains("Mail Sync Pro")).expect("grant change");
    assert!(mail.risk >= Severity::High, "{mail:?}");
    let app = diff.changes.iter().find(|c| c.kind == ObjectKind::AppRoleAssignment).expect("app role change");
    assert!(app.risk >= Severity::High, "Mail.Read as an application reads every mailbox: {app:?}");

    // Get-OAuthPermissionsGraph names the client AppDisplayName.
    let graph = "\"PermissionType\",\"AppId\",\"ClientObjectId\",\"AppDisplayName\",\"ResourceObjectId\",\"ResourceDisplayName\",\"Permission\",\"ConsentType\",\"PrincipalObjectId\",\"PrincipalDisplayName\"\n\
                 \"Application\",\"a1\",\"c1\",\"Exfil Tool\",\"r1\",\"Microsoft Graph\",\"Files.Read.All\",\"AllPrincipals\",\"\",\"\"\n";
    let got = read_file("oauth-graph.csv", graph.as_bytes());
    assert_eq!(names(&got.objects, &ObjectKind::AppRoleAssignment), ["Exfil Tool → Microsoft Graph: Files.Read.All"]);

    let (hawk, _) = read("hawk/Consent_Grants.csv");
    assert_eq!(hawk.iter().filter(|o| o.kind == ObjectKind::OAuth2PermissionGrant).count(), 2);
    assert_eq!(names(&hawk, &ObjectKind::AppRoleAssignment), ["Backup Connector → Microsoft Graph: RoleManagement.ReadWrite.Directory"]);
}

#[test]
fn mfa_reports_give_users_with_methods() {
    let (users, _) = read("extractor_suite/202612011015-MFA-AuthenticationMethods.csv");
    assert_eq!(names(&users, &ObjectKind::User), ["j.doe@contoso.com", "a.smith@contoso.com"]);
    let methods: Vec<&str> = users[0].raw["authenticationMethods"].as_array().expect("methods").iter().filter_map(|m| m["@odata.type"].as_str()).collect();
    assert_eq!(methods, ["#microsoft.graph.microsoftAuthenticatorAuthenticationMethod", "#microsoft.graph.passwordAuthenticationMethod", "#microsoft.graph.phoneAuthenticationMethod"]);

    let (details, report) = read("extractor_suite/202612011015-MFA-UserRegistrationDetails.csv");
    assert_eq!(details.len(), 1);
    assert_eq!(details[0].id, "b3c1e0a2-5d4f-4e6a-9b8c-7d6e5f4a3b21");
    assert_eq!(details[0].strings_at("methodsRegistered"), ["microsoftAuthenticatorPush", "mobilePhone"]);
    assert!(report.notes.iter().any(|n| n.contains("AdditionalProperties") && n.contains(".NET type name")), "{:?}", report.notes);

    // A phone added between two reports is a new sign-in method.
    let before = "\"user\",\"MFAstatus\",\"email\",\"fido2\",\"app\",\"password\",\"phone\",\"softwareoath\"\n\"j.doe@contoso.com\",\"Enabled\",\"-\",\"-\",\"True\",\"True\",\"-\",\"-\"\n";
    let baseline = Snapshot::from_files([("before.csv", before.as_bytes())]);
    let current = Snapshot::from_files([("after.csv", &bytes("extractor_suite/202612011015-MFA-AuthenticationMethods.csv")[..])]);
    let diff = diff_snapshots(&baseline, &current);
    let jane = diff.changes.iter().find(|c| c.name == "j.doe@contoso.com").expect("change for Jane");
    assert!(jane.reason().contains("phoneAuthenticationMethod"), "{}", jane.reason());
}

#[test]
fn role_reports_name_their_holders() {
    let (roles, _) = read("extractor_suite/20261201101500-All-Roles.csv");
    assert_eq!(names(&roles, &ObjectKind::RoleAssignment), ["admin@contoso.com holds Global Administrator", "j.doe@contoso.com holds Exchange Administrator"]);
    assert_eq!(roles[0].str_at("roleDefinitionId"), Some("62e90394-69f5-4237-9190-012177145e10"));
    assert_eq!(roles[0].str_at("principalId"), Some("9a8b7c6d-0000-4000-8000-0000000000e1"));

    let (pim, _) = read("extractor_suite/20261201101500-PIM-Assignments.csv");
    assert_eq!(names(&pim, &ObjectKind::RoleEligibility), ["j.doe@contoso.com eligible for Privileged Role Administrator"]);
    assert_eq!(names(&pim, &ObjectKind::RoleAssignment), ["a.smith@contoso.com holds Helpdesk Administrator"]);
    assert_eq!(pim[0].str_at("startDateTime"), Some("2026-11-30T23:02:00Z"));

    // New holders are ranked by the role rules and named by UPN.
    let diff = diff_snapshots(&Snapshot::new(), &Snapshot::from_files([("pim.csv", &bytes("extractor_suite/20261201101500-PIM-Assignments.csv")[..])]));
    let pra = diff.changes.iter().find(|c| c.kind == ObjectKind::RoleEligibility).expect("eligibility");
    assert_eq!(pra.risk, Severity::Critical, "{pra:?}");
    assert!(pra.reason().contains("j.doe@contoso.com"), "{}", pra.reason());
}

#[test]
fn hawk_inbox_rules_json_and_forwarding() {
    let (rules, report) = read("hawk/All_InboxRules.json");
    assert!(report.notes.iter().any(|n| n.contains("JSON")), "{:?}", report.notes);
    assert_eq!(names(&rules, &ObjectKind::InboxRule), ["RE: Sync (Jane Doe)", "Boss (Alice Smith)"]);
    assert_eq!(rules[0].strings_at("redirectTo"), ["\"Eve\" [SMTP:eve.collector@protonmail.example]"]);
    assert_eq!(rules[0].source.position, "$[0]");

    let (forwarding, _) = read("hawk/User_ForwardingReport.csv");
    assert_eq!(forwarding.len(), 3);
    assert_eq!(forwarding[0].str_at("forwardingSmtpAddress"), Some("cfo.backup@gmail.example"));

    let g = gaps(&["hawk/All_InboxRules.json", "hawk/User_ForwardingReport.csv"], None);
    assert_eq!(gap_for(&g, "RE: Sync (Jane Doe)").map(|c| c.risk), Some(Severity::Critical));
    assert!(gap_for(&g, "Boss (Alice Smith)").is_none());
    let cfo = gap_for(&g, "forwarding of Chief Financial Officer").expect("cfo forwarding");
    assert_eq!((cfo.check, cfo.risk), ("mailbox_forwarding", Severity::Critical));
    assert!(cfo.reason.contains("keeping no copy"), "{}", cfo.reason);
    assert!(gap_for(&g, "forwarding of Alice Smith").is_none(), "forwarding inside the tenant is ordinary");
    assert!(gap_for(&g, "forwarding of Jane Doe").is_none());
}

#[test]
fn forwarding_added_between_reports_is_a_change_with_risk() {
    let before = "\"DisplayName\",\"UserPrincipalName\",\"PrimarySMTPAddress\",\"ForwardingSMTPAddress\",\"ForwardingAddress\",\"DeliverToMailboxAndForward\",\"WhenChangedUTC\"\n\"Chief Financial Officer\",\"cfo@contoso.com\",\"cfo@contoso.com\",\"\",\"\",\"False\",\"3/1/2026 9:00:00 AM\"\n";
    let baseline = Snapshot::from_files([("before.csv", before.as_bytes())]);
    let current = Snapshot::from_files([("after.csv", &bytes("hawk/User_ForwardingReport.csv")[..])]);
    let diff = diff_snapshots(&baseline, &current);
    let cfo = diff.changes.iter().find(|c| c.kind == ObjectKind::MailboxForwarding && c.id == "cfo@contoso.com").expect("cfo change");
    assert_eq!(cfo.risk, Severity::Critical, "{cfo:?}");
    assert!(cfo.reason().contains("cfo.backup@gmail.example"), "{}", cfo.reason());
}

#[test]
fn damaged_reports_never_panic() {
    for path in REPORTS {
        let b = bytes(path);
        for cut in [1, 7, b.len() / 3, b.len() / 2, b.len().saturating_sub(3)] {
            let part = &b[..cut.min(b.len())];
            let _ = read_file(path, part);
            let _ = looks_like_snapshot(path, part);
        }
    }
}
