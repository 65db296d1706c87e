//! Whole-store detection flows: a real-shaped UAL export through the
//! ingest pipeline, a small incident built in code that every detector has
//! something to say about, and an ordinary tenant that must stay quiet.
//! Every finding's query must parse and show all of its evidence rows.

use loupe::detect::{run_all, suggest_context, Context, Finding, Indicator, IndicatorKind, Severity, DETECTORS};
use loupe::ingest::{ingest_bytes, Deduper, IngestReport};
use loupe::model::{attr, parse_rfc3339_utc, Event, Outcome, Source, TimeMs};
use loupe::store::{parse, EventStore};
use std::collections::BTreeSet;
use std::sync::Arc;

const DAY: i64 = 86_400_000;

fn t(text: &str) -> TimeMs {
    parse_rfc3339_utc(text).expect("test time")
}

fn event(source: Source, time: TimeMs, op: &str, actor: &str, ip: &str) -> Event {
    Event { time, source, operation: op.into(), actor: actor.into(), ip: ip.into(), outcome: Outcome::Success, ..Event::default() }
}

fn with(mut e: Event, pairs: &[(&str, &str)]) -> Event {
    for (k, v) in pairs {
        e.attrs.retain(|(key, _)| key != k);
        e.set_attr(k, *v);
    }
    e
}

fn signin(time: TimeMs, upn: &str, ip: &str, country: &str, geo: (f64, f64)) -> Event {
    let mut e = event(Source::SignIn, time, "Sign-in activity", upn, ip);
    e.country = country.into();
    e.geo = Some(geo);
    e.user_agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/122.0.0.0 Safari/537.36".into();
    e.app = "OfficeHome".into();
    with(
        e,
        &[(attr::CLIENT_APP, "Browser"), (attr::AUTH_REQUIREMENT, "multiFactorAuthentication"), (attr::INTERACTIVE, "true"), (attr::DEVICE_COMPLIANT, "true"), (attr::DEVICE_MANAGED, "true")],
    )
}

fn store_of(events: Vec<Event>) -> EventStore {
    let mut store = EventStore::new();
    store.add_file(IngestReport::default(), Arc::new(String::new()), events);
    store
}

/// What every finding must satisfy.
fn check_all(store: &EventStore, ctx: &Context, findings: &[Finding]) {
    let eval = ctx.eval_context();
    let mut ids = BTreeSet::new();
    for f in findings {
        assert!(!f.rows.is_empty(), "{}: no evidence", f.id);
        assert!(ids.insert(f.id.clone()), "duplicate id {}", f.id);
        let query = parse(&f.query).unwrap_or_else(|e| panic!("{}: '{}' does not parse: {e}", f.id, f.query));
        let shown = store.filter(&query, &eval).unwrap_or_else(|e| panic!("{}: '{}' fails: {e}", f.id, f.query));
        for row in &f.rows {
            assert!(shown.binary_search(row).is_ok(), "{}: '{}' misses evidence row {row}", f.id, f.query);
        }
        assert_eq!(f.first, store.time(f.rows[0]));
        assert!(DETECTORS.iter().any(|d| d.id == f.detector && d.step == f.step));
    }
    for pair in findings.windows(2) {
        let ordered = pair[0].severity > pair[1].severity || (pair[0].severity == pair[1].severity && pair[0].first <= pair[1].first);
        assert!(ordered, "run_all order: {} then {}", pair[0].id, pair[1].id);
    }
}

#[test]
fn ual_export_rules_and_forwarding() {
    let bytes = std::fs::read("tests/fixtures/ual_search_export.csv").expect("fixture");
    let (report, events, text) = ingest_bytes("ual_search_export.csv", &bytes, &mut Deduper::default());
    let mut store = EventStore::new();
    store.add_file(report, text, events);
    let ctx = Context::default();
    let findings = run_all(&store, &ctx);
    check_all(&store, &ctx, &findings);
    let summary: Vec<(&str, &str, Severity)> = findings.iter().filter(|f| f.step == 9).map(|f| (f.detector, store.operation(f.rows[0]), f.severity)).collect();
    assert_eq!(
        summary,
        vec![
            ("mail.inbox_rule", "New-InboxRule", Severity::Critical),
            ("mail.forwarding", "Set-Mailbox", Severity::High),
            ("mail.inbox_rule", "UpdateInboxRules", Severity::High),
        ],
        "{findings:#?}"
    );
    let rule = &findings[0];
    assert!(rule.title.contains("forwards to external exfil@proton.example"), "{}", rule.title);
    assert!(rule.entities.iter().any(|e| e.value == "proton.example"));
    let outlook_rule = findings.iter().find(|f| store.operation(f.rows[0]) == "UpdateInboxRules").expect("client rule");
    assert!(outlook_rule.title.contains("moves mail to 'rss feeds'") && outlook_rule.title.contains("'invoice', 'payment'"), "{}", outlook_rule.title);
}

/// Alice works from Paris for three weeks; on day 22 someone in Lagos
/// guesses her password, registers an authenticator, consents an app, sets
/// a forwarding rule, reads the CEO's mail, makes a global admin, lists the
/// directory through Graph while the consented app pages through her mail,
/// mails new bank details outside and a lure to thirty colleagues, and
/// keeps using her token after sessions are revoked.
fn incident() -> Vec<Event> {
    const PARIS: (f64, f64) = (48.85, 2.35);
    const LAGOS: (f64, f64) = (6.45, 3.39);
    let start = t("2026-03-01T08:00:00Z");
    let mut events = Vec::new();
    for d in 0..21 {
        events.push(signin(start + d * DAY, "alice@contoso.com", "198.51.100.10", "FR", PARIS));
        events.push(signin(start + d * DAY + 60_000, "bob@contoso.com", "198.51.100.11", "FR", PARIS));
        events.push(event(Source::UnifiedAudit, start + d * DAY + 120_000, "MailItemsAccessed", "alice@contoso.com", "198.51.100.10"));
    }
    let day22 = t("2026-03-22T02:00:00Z");
    let attacker = "203.0.113.7";
    // A spray against five colleagues first.
    for (i, name) in ["carol", "dave", "erin", "frank", "grace"].iter().enumerate() {
        let mut sprayed = signin(day22 - 600_000 + i as i64 * 1000, &format!("{name}@contoso.com"), attacker, "NG", LAGOS);
        sprayed.outcome = Outcome::Failure;
        events.push(sprayed);
    }
    // Alice herself, in Paris, half an hour before the Lagos sign-ins.
    events.push(signin(day22 - 1_800_000, "alice@contoso.com", "198.51.100.10", "FR", PARIS));
    let mut fail = signin(day22, "alice@contoso.com", attacker, "NG", LAGOS);
    fail.outcome = Outcome::Failure;
    events.push(fail.clone());
    fail.time += 30_000;
    events.push(fail);
    let mut breakin = signin(day22 + 60_000, "alice@contoso.com", attacker, "NG", LAGOS);
    breakin.user_agent = "python-requests/2.31.0".into();
    let breakin = with(
        breakin,
        &[
            (attr::RISK_LEVEL_DURING_SIGNIN, "high"),
            (attr::RISK_STATE, "atRisk"),
            (attr::AUTH_REQUIREMENT, "singleFactorAuthentication"),
            (attr::DEVICE_COMPLIANT, "false"),
            (attr::DEVICE_MANAGED, "false"),
            (attr::USER_ID, ALICE_OBJECT_ID),
        ],
    );
    events.push(breakin);
    let mut mfa = event(Source::DirectoryAudit, day22 + 300_000, "User registered security info", "alice@contoso.com", attacker);
    mfa.target = "alice@contoso.com".into();
    events.push(mfa);
    let mut consent = event(Source::DirectoryAudit, day22 + 600_000, "Consent to application", "alice@contoso.com", attacker);
    consent.target = "Mail Sync Pro".into();
    events.push(with(
        consent,
        &[
            (attr::MODIFIED_PROPERTIES, r#"[{"property":"ConsentAction.Permissions","old":"","new":"\"[[Scope: Mail.ReadWrite offline_access]]\""}]"#),
            (attr::ADDITIONAL_DETAILS, r#"{"AppId":"9f0e1d2c-aaaa-bbbb-cccc-000000000001"}"#),
        ],
    ));
    let mut creds = event(Source::DirectoryAudit, day22 + 660_000, "Add service principal credentials", "alice@contoso.com", attacker);
    creds.target = "Mail Sync Pro".into();
    events.push(creds);
    let mut rule = event(Source::UnifiedAudit, day22 + 900_000, "New-InboxRule", "alice@contoso.com", attacker);
    rule.target = "alice@contoso.com".into();
    events.push(with(rule, &[(attr::WORKLOAD, "Exchange"), ("Param.Name", "."), ("Param.ForwardTo", "drop@evil.example"), ("Param.DeleteMessage", "True")]));
    let fwd = event(Source::UnifiedAudit, day22 + 960_000, "Set-Mailbox", "alice@contoso.com", attacker);
    events.push(with(fwd, &[(attr::WORKLOAD, "Exchange"), ("Param.Identity", "alice@contoso.com"), ("Param.ForwardingSmtpAddress", "smtp:drop@evil.example")]));
    let read = event(Source::UnifiedAudit, day22 + 1_200_000, "MailItemsAccessed", "alice@contoso.com", attacker);
    events.push(with(read, &[(attr::WORKLOAD, "Exchange"), (attr::MAILBOX_OWNER, "ceo@contoso.com"), (attr::ITEM_COUNT, "800")]));
    events.push(with(event(Source::UnifiedAudit, day22 + 1_250_000, "Send", "alice@contoso.com", attacker), &[(attr::WORKLOAD, "Exchange")]));
    let grant = event(Source::UnifiedAudit, day22 + 1_300_000, "Add-MailboxPermission", "alice@contoso.com", attacker);
    events.push(with(grant, &[(attr::WORKLOAD, "Exchange"), ("Param.Identity", "ceo@contoso.com"), ("Param.User", "alice@contoso.com"), ("Param.AccessRights", "FullAccess")]));
    let mut role = event(Source::DirectoryAudit, day22 + 1_500_000, "Add member to role", "alice@contoso.com", attacker);
    role.target = "backup-admin@contoso.com".into();
    events.push(with(role, &[(attr::MODIFIED_PROPERTIES, r#"[{"property":"Role.DisplayName","old":"","new":"\"Global Administrator\""}]"#)]));
    let mut new_user = event(Source::DirectoryAudit, day22 + 1_400_000, "Add user", "alice@contoso.com", attacker);
    new_user.target = "backup-admin@contoso.com".into();
    events.push(new_user);
    let mut ca = event(Source::DirectoryAudit, day22 + 1_600_000, "Update conditional access policy", "backup-admin@contoso.com", attacker);
    ca.target = "Require MFA".into();
    events.push(with(
        ca,
        &[(attr::MODIFIED_PROPERTIES, r#"[{"property":"ConditionalAccessPolicy","old":"{\"state\":\"enabled\"}","new":"{\"state\":\"disabled\"}"}]"#)],
    ));
    let mut pw = event(Source::DirectoryAudit, day22 + 1_700_000, "Change user password", "alice@contoso.com", attacker);
    pw.target = "alice@contoso.com".into();
    events.push(pw);
    // Through Entra single sign-on the attacker reaches AWS as a federated
    // role session named for Alice, and Azure as Alice herself.
    events.extend(cloud_steps(day22 + 2_000_000, attacker));
    events.extend(graph_steps(day22 + 2_500_000, attacker));
    events.extend(trace_steps(day22, attacker));
    events.extend(risk_steps(day22, attacker));
    // Bob is tried from the same address.
    let mut bob = signin(day22 + 1_800_000, "bob@contoso.com", attacker, "NG", LAGOS);
    bob.outcome = Outcome::Failure;
    events.push(bob);
    // The consented app refreshes its token.
    let mut refresh = signin(day22 + 3_600_000, "alice@contoso.com", "40.90.1.2", "US", (40.7, -74.0));
    refresh.app = "Mail Sync Pro".into();
    events.push(with(refresh, &[(attr::APP_ID, "9f0e1d2c-aaaa-bbbb-cccc-000000000001"), (attr::INTERACTIVE, "false")]));
    // Containment at 06:00; the attacker's token keeps working, then a new sign-in.
    let contained = t("2026-03-22T06:00:00Z");
    events.push(with(event(Source::UnifiedAudit, contained + 1_800_000, "MailItemsAccessed", "alice@contoso.com", attacker), &[(attr::WORKLOAD, "Exchange")]));
    events.push(signin(contained + 3 * 3_600_000, "alice@contoso.com", attacker, "NG", LAGOS));
    events
}

/// The mail as Exchange's message trace shows it: the phish that came from
/// the attacker's address to Alice and Bob the evening before, then, from
/// Alice's mailbox, new bank details to three outside addresses and a
/// shared-document lure to thirty colleagues within ten minutes.
fn trace_steps(day22: TimeMs, ip: &str) -> Vec<Event> {
    let mail = |time: TimeMs, from: &str, to: &str, subject: &str| {
        let mut e = event(Source::MessageTrace, time, "Delivered", from, ip);
        e.target = to.into();
        with(e, &[(attr::SUBJECT, subject), (attr::DELIVERY_STATUS, "Delivered")])
    };
    let mut mails = vec![
        mail(day22 - 7 * 3_600_000, "it-support@evil.example", "alice@contoso.com", "Your mailbox is full"),
        mail(day22 - 7 * 3_600_000, "it-support@evil.example", "bob@contoso.com", "Your mailbox is full"),
    ];
    for (i, to) in ["ap@fabrikam.net", "billing@tailspin.example", "cfo@northwind.example"].into_iter().enumerate() {
        mails.push(mail(day22 + 1_260_000 + i as i64 * 10_000, "alice@contoso.com", to, "Updated bank details"));
    }
    mails.extend((0..30).map(|i| mail(day22 + 1_320_000 + i * 20_000, "alice@contoso.com", &format!("staff{i}@contoso.com"), "Shared: Q1 bonus plan")));
    mails
}

/// What Entra ID Protection made of it: Alice's sign-in from the attacker's
/// address flagged high, Bob signed in from the same address later (a
/// second victim), and Alice's risk dismissed by an admin half an hour in.
fn risk_steps(day22: TimeMs, ip: &str) -> Vec<Event> {
    let detection = |offset: i64, upn: &str, kind: &str, level: &str| {
        let mut e = event(Source::RiskDetection, day22 + offset, kind, upn, ip);
        e.outcome = Outcome::Unknown;
        with(e, &[(attr::RISK_RECORD, "detection"), (attr::RISK_LEVEL, level), (attr::RISK_STATE, "atRisk"), (attr::DETECTION_TIMING, "realtime")])
    };
    let mut dismissed = event(Source::RiskDetection, day22 + 1_800_000, "Risk state: dismissed", "alice@contoso.com", "");
    dismissed.target = "alice@contoso.com".into();
    dismissed.outcome = Outcome::Unknown;
    vec![
        detection(60_000, "alice@contoso.com", "unfamiliarFeatures", "high"),
        detection(1_700_000, "bob@contoso.com", "anonymizedIPAddress", "medium"),
        with(dismissed, &[(attr::RISK_RECORD, "user risk state"), (attr::RISK_LEVEL, "none"), (attr::RISK_STATE, "dismissed"), (attr::RISK_DETAIL, "adminDismissedAllRiskForUser")]),
    ]
}

/// Alice's object id, as her sign-in and the Graph activity log name her.
const ALICE_OBJECT_ID: &str = "a11ce000-0000-4000-8000-000000000001";

/// The attacker through Microsoft Graph: Alice's token lists 150 users from
/// the attacker's address, and the consented app pages through her mailbox.
fn graph_steps(start: TimeMs, ip: &str) -> Vec<Event> {
    let call = |offset: i64, op: &str, actor: &str, ip: &str, app: &str| {
        let mut e = event(Source::GraphActivity, start + offset * 1000, op, actor, ip);
        e.app = app.into();
        with(e, &[(attr::USER_ID, actor)])
    };
    let mut calls: Vec<Event> = (0..150).map(|i| call(i, "GET /users", ALICE_OBJECT_ID, ip, "14d82eec-204b-4c2f-b7e8-296a70dab67e")).collect();
    calls.extend((0..120).map(|i| call(200 + i, "GET /users/{id}/messages/{id}", "sp-mail-sync-pro", "40.90.1.2", "9f0e1d2c-aaaa-bbbb-cccc-000000000001")));
    calls
}

/// The attacker's cloud steps: AWS through a role session named for Alice,
/// Azure as Alice. Every cloud detector has one row here.
fn cloud_steps(start: TimeMs, ip: &str) -> Vec<Event> {
    let session = "arn:aws:sts::111122223333:assumed-role/EntraAdmins/alice@contoso.com";
    let aws = |offset: i64, name: &str, target: &str, pairs: &[(&str, &str)]| {
        let mut e = event(Source::CloudTrail, start + offset * 1000, name, session, ip);
        e.target = target.into();
        let mut all = vec![(attr::FEDERATED_NAME, "alice@contoso.com"), (attr::CLOUD_ACCOUNT, "111122223333")];
        all.extend_from_slice(pairs);
        with(e, &all)
    };
    let mut keys = event(Source::AzureActivity, start + 90_000, "Microsoft.Storage/storageAccounts/listKeys/action", "alice@contoso.com", ip);
    keys.target = "/subscriptions/s-1/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/finance".into();
    vec![
        aws(0, "ConsoleLogin", "", &[]),
        aws(5, "ListBuckets", "", &[("ReadOnly", "true")]),
        aws(10, "RunInstances", "ami-1", &[]),
        aws(20, "PutBucketPolicy", "exports", &[(attr::REQUEST, r#"{"bucketPolicy":{"Statement":[{"Principal":"*"}]}}"#)]),
        aws(30, "CreateUser", "svc-sync", &[]),
        aws(40, "CreateAccessKey", "svc-sync", &[]),
        aws(50, "GetSecretValue", "prod/db", &[]),
        aws(60, "StopLogging", "org-trail", &[]),
        keys,
    ]
}

#[test]
fn incident_every_detector_and_query() {
    let store = store_of(incident());
    let suggested = suggest_context(&store);
    assert_eq!(suggested.suspect_accounts, vec!["alice@contoso.com".to_string()]);
    assert_eq!(suggested.indicators.first().map(|i| i.value.as_str()), Some("203.0.113.7"));
    assert!(suggested.indicators.iter().any(|i| i.kind == IndicatorKind::AppId && i.value == "9f0e1d2c-aaaa-bbbb-cccc-000000000001"));
    let findings = run_all(&store, &suggested);
    check_all(&store, &suggested, &findings);

    let mut ctx = suggested.clone();
    ctx.containment = Some(t("2026-03-22T06:00:00Z"));
    ctx.indicators.push(Indicator::new(IndicatorKind::Account, "backup-admin@contoso.com", "created by the attacker"));
    let findings = run_all(&store, &ctx);
    check_all(&store, &ctx, &findings);
    if std::env::var_os("LOUPE_PRINT_FINDINGS").is_some() {
        for f in &findings {
            println!("{:?} step {} {} | {} | rows {:?} | {}", f.severity, f.step, f.detector, f.title, f.rows, f.query);
        }
    }
    let fired: BTreeSet<&str> = findings.iter().map(|f| f.detector).collect();
    let silent: Vec<&str> = DETECTORS.iter().map(|d| d.id).filter(|id| !fired.contains(id)).collect();
    assert!(silent.is_empty(), "detectors with nothing to say: {silent:?}");
    assert_eq!(findings[0].severity, Severity::Critical);
    let steps: BTreeSet<u8> = findings.iter().filter(|f| f.severity >= Severity::High).map(|f| f.step).collect();
    assert_eq!(steps, [1, 2, 3, 4, 5, 6, 8, 9, 10, 11].into_iter().collect::<BTreeSet<u8>>());
}

#[test]
fn ordinary_tenant_stays_low() {
    const PARIS: (f64, f64) = (48.85, 2.35);
    const TOKYO: (f64, f64) = (35.68, 139.69);
    let start = t("2026-03-01T08:00:00Z");
    let mut events = Vec::new();
    for d in 0..21 {
        events.push(signin(start + d * DAY, "alice@contoso.com", "198.51.100.10", "FR", PARIS));
        events.push(signin(start + d * DAY + 3_600_000, "bob@contoso.com", "10.20.0.5", "FR", PARIS));
    }
    // Alice travels to Tokyo for two weeks: same hotel address every day.
    for d in 21..35 {
        events.push(signin(start + d * DAY, "alice@contoso.com", "192.0.2.44", "JP", TOKYO));
    }
    // Helpdesk resets Bob's password; HR creates a user; admin adds a policy.
    let mut reset = event(Source::DirectoryAudit, start + 10 * DAY, "Reset user password", "helpdesk@contoso.com", "10.20.0.9");
    reset.target = "bob@contoso.com".into();
    events.push(reset);
    let mut hire = event(Source::DirectoryAudit, start + 11 * DAY, "Add user", "hr-sync@contoso.com", "10.20.0.10");
    hire.target = "newhire@contoso.com".into();
    events.push(hire);
    let mut mfa = event(Source::DirectoryAudit, start + 12 * DAY + 60_000, "User registered security info", "bob@contoso.com", "10.20.0.5");
    mfa.target = "bob@contoso.com".into();
    events.push(mfa);
    // Ops works in AWS and Azure as every week.
    let mut bucket = event(Source::CloudTrail, start + 13 * DAY, "CreateBucket", "arn:aws:iam::111122223333:user/ops", "10.20.0.9");
    bucket.target = "build-cache".into();
    events.push(bucket);
    events.push(event(Source::CloudTrail, start + 13 * DAY + 60_000, "ConsoleLogin", "arn:aws:iam::111122223333:user/ops", "10.20.0.9"));
    let mut vm = event(Source::AzureActivity, start + 14 * DAY, "Microsoft.Compute/virtualMachines/write", "ops@contoso.com", "10.20.0.9");
    vm.target = "/subscriptions/s-1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/web-02".into();
    events.push(vm);
    let store = store_of(events);
    let ctx = Context { corporate_ranges: vec!["10.0.0.0/8".into()], ..Context::default() };
    let findings = run_all(&store, &ctx);
    check_all(&store, &ctx, &findings);
    let loud: Vec<(&str, &str, Severity)> = findings.iter().filter(|f| f.severity > Severity::Low).map(|f| (f.detector, f.title.as_str(), f.severity)).collect();
    assert!(loud.is_empty(), "ordinary activity above low: {loud:#?}");
    assert_eq!(suggest_context(&store), Context::default());
}
