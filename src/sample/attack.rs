//! The compromise: a scripted password spray against a few finance staff,
//! one account that falls, an attacker-registered Authenticator app, an
//! inbox rule that forwards and hides security mail, an OAuth app granted
//! Mail.ReadWrite that keeps reading mail with refresh tokens, file
//! downloads, and internal phishing sent from the victim's mailbox.
//!
//! Every record made here is also listed in the answer key with the
//! playbook step that should surface it.

use super::answer_key::AnswerItem;
use std::borrow::Cow;
use super::clock::{self, DAY, HOUR, MINUTE, SECOND};
use super::formats::ual::{self, Client, ConsentedApp, FileClient, MailboxCall, MessageRef};
use super::people::{self, User};
use super::records::{Evidence, Mfa, Modified, SignIn, SignInStatus, Target};
use super::rng::Rng;
use super::world::{self, by_user, user_target, Net, World};
use super::{FILE_AUDIT, FILE_INTERACTIVE, FILE_NON_INTERACTIVE, FILE_UAL};
use super::answer_key::ConfigChangeItem;
use super::records::ConfigChange;
use crate::detect::Severity;
use super::background::message;

/// A scripted client: what the spray and the token-replay tooling send.
pub const SCRIPT_UA: &str = "python-requests/2.31.0";
/// The attacker's browser: a Chrome release two years older than the staff's.
pub const BROWSER_UA: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/96.0.4664.110 Safari/537.36";

const APP_NAMES: [&str; 4] = ["DocuVault Mail Archiver", "PDF SecureView Pro", "MailSync Backup Utility", "Invoice Portal Connector"];
const FORWARD_TO: [&str; 4] = ["ap.remittance.archive@mailbox-relay.example", "finance.backup.store@securemail-hub.example", "docs.collect@inbox-vault.example", "records.keeper@quickmail-drop.example"];
pub const RULE_WORDS: &str = "security;password;MFA;invoice";
const STOLEN_FILES: [(&str, bool); 8] = [
    ("Vendor Bank Details 2026.xlsx", false),
    ("AP Payment Run - February.xlsx", false),
    ("Approved Vendors Master.xlsx", false),
    ("Wire Transfer Template.docx", false),
    ("Remittance Advice Batch 07.pdf", false),
    ("Expense Report.xlsx", true),
    ("Signing Authority Matrix.pdf", true),
    ("Payroll Summary Q4.xlsx", true),
];
/// The model name of the attacker's phone, as the registration shows it.
const ATTACKER_PHONE: &str = "SM-A045F";
pub const PHISH_SUBJECT: &str = "Updated remittance details - action required";

/// What the attack decided, for the answer key.
pub struct Attack {
    pub victim: String,
    pub targeted: Vec<String>,
    pub ips: Vec<String>,
    pub app_name: String,
    pub app_id: String,
    pub forward_to: String,
    pub start: i64,
    pub end: i64,
    pub duplicate_id: String,
    pub items: Vec<AnswerItem>,
    pub trail: Trail,
}

/// What the attack did that other logs also see (Microsoft Graph, the
/// message trace): copies of records made here, no draws of their own.
pub struct Trail {
    pub victim_index: usize,
    /// The attacker's browser sign-ins, in order (My Sign-ins, then Office).
    pub browser: Vec<SignIn>,
    /// When the inbox rule was made.
    pub rule_at: i64,
    /// The app's token refreshes, each with how many messages it then read.
    pub app_refreshes: Vec<(SignIn, usize)>,
    /// The phishing messages the app sent, with when.
    pub phish: Vec<(i64, MessageRef)>,
}

/// Records the attack adds, each also noted in the answer key.
pub(super) struct Log<'a> {
    pub ev: &'a mut Evidence,
    pub items: Vec<AnswerItem>,
}

impl Log<'_> {
    pub fn note(&mut self, file: &str, id: &str, step: u8, what: &str, why: &str) {
        self.items.push(AnswerItem { file: file.into(), record_id: id.into(), step, what: what.into(), why: why.into() });
    }

    pub fn interactive(&mut self, s: SignIn, step: u8, what: &str, why: &str) {
        self.note(FILE_INTERACTIVE, &s.request_id, step, what, why);
        self.ev.interactive.push(s);
    }

    pub fn non_interactive(&mut self, s: SignIn, step: u8, what: &str, why: &str) {
        self.note(FILE_NON_INTERACTIVE, &s.request_id, step, what, why);
        self.ev.non_interactive.push(s);
    }

    pub fn audit(&mut self, a: super::records::DirectoryAudit, step: u8, what: &str, why: &str) {
        self.note(FILE_AUDIT, &a.id, step, what, why);
        self.ev.audits.push(a);
    }

    pub fn ual(&mut self, r: super::records::UalRecord, step: u8, what: &str, why: &str) {
        self.note(FILE_UAL, &r.id, step, what, why);
        self.ev.ual.push(r);
    }

    pub fn service_principal(&mut self, s: super::records::AppSignIn, step: u8, what: &str, why: &str) {
        self.note(super::FILE_SERVICE_PRINCIPAL, &s.request_id, step, what, why);
        self.ev.service_principal.push(s);
    }
}

fn scripted(world: &World, rng: &mut Rng, user: &User, time: i64, net: &Net) -> SignIn {
    let mut s = world.sign_in(rng, user, time, people::APP_OFFICE, people::RES_EXCHANGE, net, None, SCRIPT_UA, true);
    s.client_app = "Mobile Apps and Desktop clients";
    s.auth_protocol = "ropc";
    s.browser = "Python Requests 2.31".into();
    s.os = String::new();
    s
}

fn failed(mut s: SignIn, code: u32, reason: &str) -> SignIn {
    s.status = SignInStatus::Failure;
    s.error_code = code;
    s.failure_reason = reason.into();
    s.mfa = Mfa::default();
    s.conditional_access = "Not Applied";
    s
}

fn browser(world: &World, rng: &mut Rng, user: &User, time: i64, app: people::App, resource: people::App, net: &Net) -> SignIn {
    let mut s = world.sign_in(rng, user, time, app, resource, net, None, BROWSER_UA, true);
    s.browser = "Chrome 96.0.4664".into();
    s.os = "Windows10".into();
    s
}

/// Run the attack into `ev`.
pub fn generate(world: &World, rng: &mut Rng, ev: &mut Evidence) -> Attack {
    let victim_index = *rng.pick(&people::VICTIM_CANDIDATES);
    let victim = &world.users[victim_index];
    let others: Vec<&User> = people::VICTIM_CANDIDATES.iter().filter(|&&i| i != victim_index).map(|&i| &world.users[i]).collect();
    let ip1 = format!("203.0.113.{}", 40 + rng.below(80));
    let ip2 = format!("203.0.113.{}", 150 + rng.below(80));
    let net1 = Net { ip: ip1.clone(), place: people::FRANKFURT, asn: world::ASN_ATTACKER };
    let net2 = Net { ip: ip2.clone(), place: people::FRANKFURT, asn: world::ASN_ATTACKER };
    let app_name = (*rng.pick(&APP_NAMES)).to_string();
    let app_id = rng.guid();
    let forward_to = (*rng.pick(&FORWARD_TO)).to_string();
    // A Monday to Wednesday evening in the victim's time zone (02:00-03:00 UTC).
    let day = 21 + rng.range(0, 2);
    let t0 = clock::WINDOW_START + day * DAY + 2 * HOUR + rng.range(0, 50) * MINUTE + rng.range(0, 59) * SECOND;
    let mut log = Log { ev, items: Vec::new() };
    let mut targeted = Vec::new();

    // 1. Password spray: ROPC attempts with a script, every few seconds.
    let mut t = t0;
    for attempt in 0..6 {
        for (k, other) in others.iter().enumerate() {
            if attempt < 2 + k {
                let at = t + rng.range(2, 9) * SECOND;
                let s = failed(scripted(world, rng, other, at, &net1), 50126, "Error validating credentials due to invalid username or password.");
                log.interactive(s, 3, "password spray attempt (failed)", "The same script and foreign address tried passwords against several finance accounts within minutes.");
            }
        }
        let s = failed(scripted(world, rng, victim, t, &net1), 50126, "Error validating credentials due to invalid username or password.");
        log.interactive(s, 3, "failed password guess against the victim", "A scripted client on a foreign hosting address kept guessing the victim's password.");
        t += rng.range(25, 70) * SECOND;
    }
    for other in &others {
        targeted.push(other.upn.clone());
    }
    let lockout = failed(scripted(world, rng, others[0], t + 4 * SECOND, &net1), 50053, "Account is locked because user tried to sign in too many times with an incorrect user ID or password.");
    log.interactive(lockout, 3, "smart lockout on a sprayed account", "Entra locked a sprayed account, confirming the guessing volume.");

    // 2. The right password: ROPC cannot register MFA, so the script is told to enrol.
    t += 3 * MINUTE + rng.range(0, 60) * SECOND;
    let s = failed(
        scripted(world, rng, victim, t, &net1),
        50079,
        "Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access '00000002-0000-0ff1-ce00-000000000000'.",
    );
    log.interactive(s, 3, "correct password, MFA enrolment demanded", "Error 50079 is only returned after the password was accepted: the credential is compromised.");

    // 3. A browser session from the same address signs in with the password alone.
    t += 4 * MINUTE + rng.range(0, 90) * SECOND;
    let session = rng.guid();
    let mut first = browser(world, rng, victim, t, people::APP_MY_SIGNINS, people::RES_GRAPH, &net1);
    first.mfa = Mfa { requirement_mfa: false, result: String::new(), method: String::new() };
    first.conditional_access = "Not Applied";
    first.session_id = session.clone();
    first.risk_during = "medium";
    first.risk_aggregated = "medium";
    first.risk_state = "atRisk";
    let mut browser_sign_ins = vec![first.clone()];
    log.interactive(first, 1, "successful sign-in from the attacker address (alert)", "First successful sign-in from a foreign hosting address the victim never used, single-factor, minutes after the spray.");

    // 4. The attacker enrols their own Authenticator app.
    t += 2 * MINUTE + rng.range(0, 40) * SECOND;
    let corr = rng.guid();
    let mut started = world.audit(rng, t, &corr, "User started security info registration", "UserManagement", "Authentication Methods", "Add", by_user(victim, &ip1), vec![user_target(victim)]);
    started.result_reason = "User started the registration for Authenticator App with Notification and Code".into();
    started.additional.push(("User-Agent".into(), BROWSER_UA.into()));
    log.audit(started, 3, "security info registration started", "Registration began from the attacker's address right after the single-factor sign-in.");
    t += 70 * SECOND + rng.range(0, 30) * SECOND;
    let mut reg = world.audit(rng, t, &corr, "User registered security info", "UserManagement", "Authentication Methods", "Add", by_user(victim, &ip1), vec![user_target(victim)]);
    reg.result_reason = "User registered Authenticator App with Notification and Code".into();
    reg.additional.push(("User-Agent".into(), BROWSER_UA.into()));
    let reg_id = reg.id.clone();
    log.audit(reg, 3, "new MFA method registered by the attacker", "An Authenticator app was added from the attacker's address, giving them their own second factor.");
    let mut update = user_target(victim);
    let phone_app_id = rng.guid();
    update.modified = vec![
        Modified { name: "StrongAuthenticationMethod".into(), old: "[]".into(), new: "[{\"MethodType\":6,\"Default\":true}]".into() },
        Modified { name: "StrongAuthenticationPhoneAppDetail".into(), old: "[]".into(), new: format!("[{{\"DeviceName\":\"{ATTACKER_PHONE}\",\"DeviceTag\":\"SoftwareTokenActivated\",\"Id\":\"{phone_app_id}\",\"AuthenticationType\":3}}]") },
        Modified { name: "Included Updated Properties".into(), old: String::new(), new: "\"StrongAuthenticationMethod, StrongAuthenticationPhoneAppDetail\"".into() },
    ];
    let upd = world.audit(rng, t + 2 * SECOND, &corr, "Update user", "UserManagement", "Core Directory", "Update", by_user(victim, &ip1), vec![update]);
    log.ev.config.push((upd.time, ConfigChange::AuthenticatorAdded { user_id: victim.id.clone(), method_id: Some(phone_app_id), device: ATTACKER_PHONE.into() }));
    log.ev.config_notes.push(ConfigChangeItem::attacker(
        "user",
        &victim.id,
        &victim.upn,
        &format!("an Authenticator app on a phone named {ATTACKER_PHONE}, registered by the attacker"),
        Severity::Medium,
        vec![reg_id, upd.id.clone()],
    ));
    log.audit(upd, 3, "user object updated with the new authenticator", "The directory change behind the registration: a phone app device the victim does not own.");
    let mut all = world.audit(rng, t + 20 * SECOND, &corr, "User registered all required security info", "UserManagement", "Authentication Methods", "Add", by_user(victim, &ip1), vec![user_target(victim)]);
    all.result_reason = "User registered all required security info".into();
    log.audit(all, 3, "MFA registration completed by the attacker", "Registration completed from the attacker's address; the account now satisfies MFA for them.");

    // 5. Signed in with MFA now satisfied by the new app.
    t += 2 * MINUTE;
    let mut office = browser(world, rng, victim, t, people::APP_OFFICE_HOME, people::RES_EXCHANGE, &net1);
    office.mfa = Mfa { requirement_mfa: true, result: "MFA successfully completed".into(), method: "Mobile app notification".into() };
    office.session_id = session.clone();
    browser_sign_ins.push(office.clone());
    log.interactive(office, 5, "sign-in with the attacker's new MFA method", "MFA was completed with the just-registered app from the same foreign address.");
    for k in 0..3 {
        let mut s = browser(world, rng, victim, t + (8 + k * 17) * MINUTE, people::APP_OFFICE_HOME, people::RES_EXCHANGE, &net1);
        s.interactive = false;
        s.session_id = session.clone();
        log.non_interactive(s, 5, "attacker browser session token refresh", "Background token use by the attacker's browser session, same address and old Chrome user agent.");
    }

    // 6. Consent to a mail-reading app.
    t += 6 * MINUTE + rng.range(0, 60) * SECOND;
    let sp_id = rng.guid();
    let app = ConsentedApp { name: app_name.clone(), app_id: app_id.clone(), sp_object_id: sp_id.clone(), grant_id: rng.base64ish(43), graph_sp_id: world.graph_sp_id.clone(), scopes: "Mail.ReadWrite offline_access User.Read".into() };
    let malicious = people::App { name: Cow::Owned(app_name.clone()), id: Cow::Owned(app_id.clone()) };
    let mut consent_sign_in = browser(world, rng, victim, t, malicious.clone(), people::RES_GRAPH, &net1);
    consent_sign_in.session_id = session.clone();
    log.interactive(consent_sign_in, 8, "sign-in to the unknown application", "The victim account signed in to an application nobody else in the tenant uses, from the attacker's address.");
    let corr = rng.guid();
    let sp_target = Target { id: sp_id.clone(), display_name: app_name.clone(), kind: "ServicePrincipal", upn: String::new(), modified: Vec::new() };
    let mut add_sp = sp_target.clone();
    add_sp.modified = vec![
        Modified { name: "AccountEnabled".into(), old: "[]".into(), new: "[true]".into() },
        Modified { name: "AppPrincipalId".into(), old: "[]".into(), new: format!("[\"{app_id}\"]") },
        Modified { name: "DisplayName".into(), old: "[]".into(), new: format!("[\"{app_name}\"]") },
    ];
    let a = world.audit(rng, t + 20 * SECOND, &corr, "Add service principal", "ApplicationManagement", "Core Directory", "Add", by_user(victim, &ip1), vec![add_sp]);
    let sp_audit_id = a.id.clone();
    log.audit(a, 8, "service principal created for the unknown app", "The app first appeared in the tenant through the victim's consent.");
    let graph = Target {
        id: world.graph_sp_id.clone(),
        display_name: "Microsoft Graph".into(),
        kind: "ServicePrincipal",
        upn: String::new(),
        modified: vec![
            Modified { name: "DelegatedPermissionGrant.Scope".into(), old: String::new(), new: format!("\"{}\"", app.scopes) },
            Modified { name: "DelegatedPermissionGrant.ConsentType".into(), old: String::new(), new: "\"Principal\"".into() },
        ],
    };
    let a = world.audit(rng, t + 21 * SECOND, &corr, "Add delegated permission grant", "ApplicationManagement", "Core Directory", "Assign", by_user(victim, &ip1), vec![graph]);
    let grant_audit_id = a.id.clone();
    log.audit(a, 8, "Mail.ReadWrite and offline_access granted", "A delegated grant lets the app read and change the mailbox and keep refreshing tokens without the password.");
    let mut consent = sp_target;
    consent.modified = vec![
        Modified { name: "ConsentContext.IsAdminConsent".into(), old: String::new(), new: "\"False\"".into() },
        Modified { name: "ConsentContext.IsAppOnly".into(), old: String::new(), new: "\"False\"".into() },
        Modified { name: "ConsentContext.OnBehalfOfAll".into(), old: String::new(), new: "\"False\"".into() },
        Modified { name: "ConsentContext.Tags".into(), old: String::new(), new: "\"WindowsAzureActiveDirectoryIntegratedApp\"".into() },
        Modified {
            name: "ConsentAction.Permissions".into(),
            old: String::new(),
            new: format!("\"[] => [[Id: {}, ClientId: {}, PrincipalId: {}, ResourceId: {}, ConsentType: Principal, Scope: {}, CreatedDateTime: , LastModifiedDateTime ]]; \"", app.grant_id, sp_id, victim.id, world.graph_sp_id, app.scopes),
        },
        Modified { name: "TargetId.ServicePrincipalNames".into(), old: String::new(), new: format!("\"{app_id}\"") },
    ];
    let mut c = world.audit(rng, t + 22 * SECOND, &corr, "Consent to application", "ApplicationManagement", "Core Directory", "Assign", by_user(victim, &ip1), vec![consent]);
    c.additional.push(("User-Agent".into(), BROWSER_UA.into()));
    c.additional.push(("AppId".into(), app_id.clone()));
    log.ev.config.push((
        c.time,
        ConfigChange::Consent {
            app_name: app_name.clone(),
            app_id: app_id.clone(),
            sp_id: sp_id.clone(),
            grant_id: app.grant_id.clone(),
            scopes: app.scopes.clone(),
            principal: Some(victim.id.clone()),
            publisher: super::ATTACKER_TENANT.into(),
        },
    ));
    log.ev.config_notes.push(ConfigChangeItem::attacker(
        "servicePrincipal",
        &sp_id,
        &app_name,
        "the consented mail app's enterprise app, published from another tenant",
        Severity::Medium,
        vec![sp_audit_id, c.id.clone()],
    ));
    log.ev.config_notes.push(ConfigChangeItem::attacker(
        "oauth2PermissionGrant",
        &app.grant_id,
        &format!("{app_name} → Microsoft Graph: {}", app.scopes),
        "delegated Mail.ReadWrite, offline_access and User.Read for the victim alone (consentType Principal)",
        Severity::High,
        vec![grant_audit_id, c.id.clone()],
    ));
    log.audit(c, 8, "user consent to the mail-reading app", "The victim account consented, for itself only, to an unverified app asking for Mail.ReadWrite and offline_access.");
    let u = ual::consent_to_application(&world.org, rng, t + 22 * SECOND, victim, &app, BROWSER_UA);
    log.ual(u, 8, "consent recorded in the Unified Audit Log", "The same consent as seen by Microsoft 365 auditing.");

    // 7. The inbox rule, from Outlook on the web.
    t += 5 * MINUTE + rng.range(0, 60) * SECOND;
    let owa = Client { ip: ip1.clone(), info: format!("Client=OWA;Action=ViaProxy;{BROWSER_UA}"), app_id: people::APP_OWA.id.into(), port: 40_000 + rng.below(20_000) as u16 };
    let owa_session = rng.guid();
    let peek: Vec<MessageRef> = (0..4).map(|_| message(rng)).collect();
    let m = ual::mail_items_accessed(&world.org, rng, MailboxCall { time: t - 90 * SECOND, user: victim, client: &owa, session: &owa_session }, "Bind", "\\Inbox", &peek);
    log.ual(m, 6, "attacker reads mail in Outlook on the web", "Messages opened through OWA from the attacker's address before the rule was made.");
    let params = vec![
        ("Name", "..".to_string()),
        ("ForwardTo", forward_to.clone()),
        ("SubjectOrBodyContainsWords", RULE_WORDS.to_string()),
        ("DeleteMessage", "True".to_string()),
        ("MarkAsRead", "True".to_string()),
        ("StopProcessingRules", "True".to_string()),
    ];
    let rule = ual::new_inbox_rule(&world.org, rng, MailboxCall { time: t, user: victim, client: &owa, session: &owa_session }, "..", &params);
    let duplicate_id = rule.id.clone();
    let rule_at = rule.time;
    log.ual(rule, 9, "inbox rule forwarding and deleting security mail", "Rule '..' forwards mail mentioning security, password, MFA or invoice to an outside address and deletes it, hiding alerts from the victim.");

    // 8. Files taken with the script.
    t += 6 * MINUTE;
    let finance = &world.team_sites[0];
    let onedrive = &world.onedrives[victim_index];
    let script = FileClient { ip: ip1.clone(), user_agent: SCRIPT_UA.into(), browser: String::new(), browser_version: String::new(), platform: "Unknown".into(), device: String::new(), managed: false, app_id: people::APP_OFFICE.id.into() };
    for (name, own) in STOLEN_FILES {
        t += rng.range(8, 40) * SECOND;
        let file = if own { onedrive.file(name) } else { finance.file(name) };
        let r = ual::file_operation(&world.org, rng, t, victim, &script, "FileDownloaded", &file);
        log.ual(r, 6, "file downloaded by the attacker", "A script on the attacker's address downloaded finance documents in quick succession.");
    }

    // 9. The app keeps reading mail with refresh tokens, from a second address.
    let api = Client { ip: ip2.clone(), info: "Client=REST;Client=RESTSystem;;".into(), app_id: app_id.clone(), port: 0 };
    let api_session = rng.guid();
    let mut when = t + 4 * MINUTE;
    let mut first_sync = true;
    let mut last = when;
    let mut n = 0;
    let mut app_refreshes = Vec::new();
    while when < clock::WINDOW_END - 30 * MINUTE {
        let mut s = world.sign_in(rng, victim, when, malicious.clone(), people::RES_GRAPH, &net2, None, SCRIPT_UA, false);
        s.client_app = "Mobile Apps and Desktop clients";
        s.browser = "Python Requests 2.31".into();
        s.incoming_token = "none";
        let refresh = s.clone();
        log.non_interactive(s, 8, "the consented app refreshes its token", "The malicious app keeps obtaining Graph tokens for the victim from a second foreign address, without any password.");
        let access = if first_sync { "Sync" } else { "Bind" };
        let items: Vec<MessageRef> = (0..rng.range(2, 9)).map(|_| message(rng)).collect();
        app_refreshes.push((refresh, items.len()));
        let folder = if n % 4 == 3 { "\\Sent Items" } else { "\\Inbox" };
        let at = when + rng.range(5, 50) * SECOND;
        let m = ual::mail_items_accessed(&world.org, rng, MailboxCall { time: at, user: victim, client: &api, session: &api_session }, access, folder, &items);
        log.ual(m, 6, "mail read by the malicious app", "MailItemsAccessed with the malicious app's AppId from the attacker's second address.");
        first_sync = false;
        last = when + MINUTE;
        n += 1;
        // Hourly at first, then every few hours.
        when += if n < 6 { rng.range(50, 70) * MINUTE } else { rng.range(3 * 60, 5 * 60) * MINUTE };
    }

    // 10. Internal phishing from the victim's mailbox the next working morning.
    let mut phish = Vec::new();
    let phish_time = world::local_time(day, victim.utc_offset, 9, 40 + rng.range(0, 15));
    let phish_time = if phish_time <= t { phish_time + DAY } else { phish_time };
    for k in 0..2 {
        let m = message(rng);
        let call = MailboxCall { time: phish_time + k * 3 * MINUTE, user: victim, client: &api, session: &api_session };
        let s = ual::send(&world.org, rng, call, PHISH_SUBJECT, &m);
        phish.push((call.time, m));
        log.ual(s, 10, "internal phishing sent from the victim's mailbox", "The app sent payment-change requests to colleagues from the victim's mailbox: lateral phishing.");
    }
    last = last.max(phish_time + 4 * MINUTE);

    Attack {
        victim: victim.upn.clone(),
        targeted,
        ips: vec![ip1, ip2],
        app_name,
        app_id,
        forward_to,
        start: t0,
        end: last,
        duplicate_id,
        items: log.items,
        trail: Trail { victim_index, browser: browser_sign_ins, rule_at, app_refreshes, phish },
    }
}
