//! Tenant snapshots from real-shaped Graph exports: every object type is
//! recognised, mixed and odd files are reported honestly, and the baseline
//! diff of the fixture incident ranks each attacker change.

use loupe::detect::Severity;
use loupe::tenant::{diff_snapshots, ChangeKind, ObjectChange, ObjectKind, Snapshot};
use std::path::{Path, PathBuf};

fn fixtures(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tenant").join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root).expect("fixture dir").filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect();
    files.sort();
    files
}

fn snapshot(paths: &[PathBuf]) -> Snapshot {
    let mut s = Snapshot::new();
    for p in paths {
        let bytes = std::fs::read(p).expect("fixture reads");
        s.add_file(&p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(), &bytes);
    }
    s
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tenant").join(name)
}

#[test]
fn every_object_type_is_sniffed_from_the_exports() {
    let current = snapshot(&fixtures("current"));
    let counts = current.counts();
    for (kind, n) in [
        ("conditionalAccessPolicy", 2),
        ("namedLocation", 2),
        ("domain", 2),
        ("federationConfiguration", 1),
        ("application", 2),
        ("servicePrincipal", 3),
        ("oauth2PermissionGrant", 2),
        ("appRoleAssignment", 1),
        ("roleAssignment", 2),
        ("roleEligibility", 1),
        ("roleDefinition", 1),
        ("authenticationMethodsPolicy", 1),
        ("user", 3),
    ] {
        assert_eq!(counts.get(kind), Some(&n), "{kind}: {counts:?}");
    }
    for report in &current.files {
        assert!(report.problems.is_empty() && report.unknown.is_empty() && report.unreadable.is_none(), "{report:?}");
        // Users with their methods is a script's array without a page context: told by shape.
        let expected_shape = if report.file.starts_with("users_") { 3 } else { 0 };
        assert_eq!(report.by_shape.values().sum::<usize>(), expected_shape, "{report:?}");
        assert_eq!(report.sha256.len(), 64);
    }
}

#[test]
fn shapes_alone_tell_the_types_and_unknowns_are_listed() {
    let s = snapshot(&[fixture("shapes_without_context.json")]);
    let report = &s.files[0];
    let shaped: usize = report.by_shape.values().sum();
    assert_eq!(shaped, 13, "{report:?}");
    for kind in [
        ObjectKind::ConditionalAccessPolicy,
        ObjectKind::NamedLocation,
        ObjectKind::ServicePrincipal,
        ObjectKind::Application,
        ObjectKind::OAuth2PermissionGrant,
        ObjectKind::AppRoleAssignment,
        ObjectKind::RoleAssignment,
        ObjectKind::RoleEligibility,
        ObjectKind::RoleDefinition,
        ObjectKind::Domain,
        ObjectKind::FederationConfiguration,
        ObjectKind::AuthenticationMethodsPolicy,
        ObjectKind::User,
    ] {
        assert_eq!(s.of_kind(&kind).count(), 1, "{kind:?}");
    }
    let unknown = &report.unknown;
    assert_eq!(unknown.len(), 1);
    assert_eq!((unknown[0].label.as_str(), unknown[0].count, unknown[0].kept), ("unrecognised", 2, false));
    assert!(unknown[0].sample_keys.contains(&"deviceId".to_string()));
    assert_eq!(unknown[0].first_position, "$[13]");
}

#[test]
fn mixed_file_of_pages_with_an_unknown_type_and_a_next_link() {
    let s = snapshot(&[fixture("mixed_pages_domains_users_and_groups.json")]);
    let report = &s.files[0];
    assert_eq!(report.read.get("domain"), Some(&1));
    assert_eq!(report.read.get("user"), Some(&1));
    assert_eq!(report.read.get("groups"), Some(&1), "kept under its context's name: {report:?}");
    assert!(report.unknown.iter().any(|u| u.label == "groups" && u.kept));
    // The users page had a nextLink but was not the last page: only the last page's link means "stopped early".
    assert!(!report.notes.iter().any(|n| n.contains("nextLink")), "{:?}", report.notes);
}

fn find<'a>(changes: &'a [ObjectChange], kind: ObjectKind, name_part: &str) -> &'a ObjectChange {
    changes.iter().find(|c| c.kind == kind && c.name.contains(name_part)).unwrap_or_else(|| panic!("no {kind:?} change naming {name_part}: {changes:#?}"))
}

#[test]
fn baseline_diff_ranks_every_attacker_change() {
    let baseline = snapshot(&fixtures("baseline"));
    let current = snapshot(&fixtures("current"));
    let diff = diff_snapshots(&baseline, &current);
    let c = &diff.changes;
    let expect = |kind: ObjectKind, name: &str, change: ChangeKind, risk: Severity, says: &str| {
        let found = find(c, kind, name);
        assert_eq!((found.change, found.risk), (change, risk), "{found:#?}");
        assert!(found.reason().contains(says), "{}: {}", found.name, found.reason());
    };
    expect(ObjectKind::ConditionalAccessPolicy, "Require MFA", ChangeKind::Changed, Severity::High, "report-only");
    expect(ObjectKind::ConditionalAccessPolicy, "legacy", ChangeKind::Changed, Severity::High, "excludes users: j.doe@contoso.com");
    expect(ObjectKind::NamedLocation, "HQ egress", ChangeKind::Changed, Severity::High, "203.0.113.77/32");
    expect(ObjectKind::Domain, "contoso.com", ChangeKind::Changed, Severity::Critical, "federated");
    expect(ObjectKind::FederationConfiguration, "contoso.com", ChangeKind::Added, Severity::Critical, "federation trust");
    expect(ObjectKind::Application, "Backup Tool", ChangeKind::Changed, Severity::High, "client secret 'sync'");
    expect(ObjectKind::Application, "Mail Sync", ChangeKind::Added, Severity::High, "Mail.ReadWrite");
    expect(ObjectKind::ServicePrincipal, "Mail Sync", ChangeKind::Added, Severity::Medium, "new enterprise app");
    expect(ObjectKind::OAuth2PermissionGrant, "Mail Sync", ChangeKind::Added, Severity::Critical, "for every user");
    expect(ObjectKind::AppRoleAssignment, "Mail Sync", ChangeKind::Added, Severity::Critical, "Mail.ReadWrite");
    expect(ObjectKind::RoleAssignment, "j.doe@contoso.com: Global Administrator", ChangeKind::Added, Severity::Critical, "Global Administrator");
    expect(ObjectKind::RoleEligibility, "Privileged Role Administrator", ChangeKind::Added, Severity::Critical, "eligible");
    expect(ObjectKind::RoleDefinition, "Helpdesk Tier 2", ChangeKind::Changed, Severity::High, "credentials/update");
    expect(ObjectKind::AuthenticationMethodsPolicy, "Authentication Methods Policy", ChangeKind::Changed, Severity::High, "Sms");
    expect(ObjectKind::User, "j.doe@contoso.com", ChangeKind::Changed, Severity::High, "+44 7700900123");
    // Nothing else: the unchanged objects, and users whose only change is sign-in activity, are not listed as configuration changes.
    assert_eq!(c.len(), 15, "{:#?}", c.iter().map(|x| (&x.kind, &x.name, x.risk)).collect::<Vec<_>>());
    assert!(c.windows(2).all(|w| w[0].risk >= w[1].risk), "riskiest first");
    // Empty pages in the baseline count as "none", so only the federation setting (never listed there) gets a caveat.
    assert_eq!(diff.notes.len(), 1, "{:?}", diff.notes);
    let mfa = find(c, ObjectKind::ConditionalAccessPolicy, "Require MFA");
    assert!(mfa.changes.iter().any(|p| p.path == "state" && p.new == "enabledForReportingButNotEnforced"), "{:?}", mfa.changes);
    assert!(!mfa.changes.iter().any(|p| p.path == "modifiedDateTime"), "timestamps set aside when something real changed");
}

#[test]
fn same_snapshot_twice_has_no_changes() {
    let a = snapshot(&fixtures("baseline"));
    let b = snapshot(&fixtures("baseline"));
    assert!(diff_snapshots(&a, &b).changes.is_empty());
}

/// A role assignment exported with `$expand=principal` (REST) or
/// `-ExpandProperty Principal` (Graph PowerShell) names its principal
/// in the diff, with no users export loaded beside it.
#[test]
fn expanded_principals_name_their_role_assignments() {
    let baseline = snapshot(&[fixture("baseline/role_assignments.json")]);
    let current = snapshot(&[fixture("expanded/role_assignments_expanded_principal.json")]);
    let diff = diff_snapshots(&baseline, &current);
    let added = find(&diff.changes, ObjectKind::RoleAssignment, "jdoe@contoso.com: Global Administrator");
    assert!(added.reason().contains("'jdoe@contoso.com' given privileged role Global Administrator"), "{}", added.reason());
    assert!(!added.reason().contains("b3c1e0a2"), "{}", added.reason());

    let powershell = r##"[{"Id":"ra-9","PrincipalId":"7a7a7a7a-0000-4000-8000-000000000009","DirectoryScopeId":"/","RoleDefinitionId":"aaaaaaaa-1111-4222-8333-444444444444",
        "Principal":{"Id":"7a7a7a7a-0000-4000-8000-000000000009","DeletedDateTime":null,"AdditionalProperties":{"@odata.type":"#microsoft.graph.servicePrincipal","displayName":"Mail Sync","appId":"2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f"}},
        "RoleDefinition":{"Id":"aaaaaaaa-1111-4222-8333-444444444444","DisplayName":"Helpdesk Tier 2","IsBuiltIn":false}}]"##;
    let mut current = Snapshot::new();
    current.add_file("ps_role_assignments.json", powershell.as_bytes());
    let diff = diff_snapshots(&Snapshot::new(), &current);
    let added = find(&diff.changes, ObjectKind::RoleAssignment, "Mail Sync: Helpdesk Tier 2");
    assert!(added.reason().contains("'Mail Sync'"), "{}", added.reason());
}
