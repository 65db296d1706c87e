//! Ordinary activity: a month of staff signing in during their working
//! hours, syncing mail, sending messages and opening files, plus the IT
//! team's routine directory changes. Weekends are quiet; a few people
//! travel or use the VPN, so some foreign sign-ins are legitimate.

use super::clock::{self, DAYS, HOUR, MINUTE};
use super::formats::ual::{self, Client, ConsentedApp, MailboxCall, MessageRef};
use super::people::{self, User};
use super::answer_key::{ConfigChangeItem, KeyMark, MarkKind};
use super::config::{self, CaPolicy, Tenant};
use super::records::{ConfigChange, Evidence, Initiator, Mfa, Modified, SignIn, SignInStatus, Target};
use crate::detect::Severity;
use super::rng::Rng;
use super::world::{self, by_user, user_target, Net, World};

const SUBJECTS: [&str; 16] = [
    "Re: Weekly route planning",
    "Q1 forecast draft",
    "Re: Carrier rates for March",
    "Lunch on Thursday?",
    "Updated org chart",
    "Re: Customer escalation - shipment 4471",
    "Minutes: ops stand-up",
    "Re: Timesheet reminder",
    "Fuel surcharge table",
    "Re: Warehouse shift swap",
    "Invoice 2026-0211 approved",
    "Re: Contract renewal questions",
    "Training slots next week",
    "Re: Pallet count discrepancy",
    "Holiday calendar",
    "Re: Vendor onboarding checklist",
];

const FILES: [&str; 14] = [
    "Route Plan W07.xlsx",
    "Carrier Rates 2026.xlsx",
    "Customer Onboarding.docx",
    "Q1 Forecast.xlsx",
    "Team Meeting Notes.docx",
    "Shift Schedule February.xlsx",
    "Proposal - Northgate Retail.pptx",
    "Fleet Maintenance Log.xlsx",
    "Expense Report.xlsx",
    "Safety Checklist.pdf",
    "Vendor List.xlsx",
    "Warehouse Layout.vsdx",
    "Policy Handbook 2026.pdf",
    "Budget Review.pptx",
];

/// A fresh `InternetMessageId` in Exchange Online's shape.
pub fn message_id(rng: &mut Rng) -> String {
    let server = format!("{}PR14MB{}", rng.pick(&["CH2", "BN8", "SA1", "MN2"]), 1000 + rng.below(9000));
    format!("<{}{}@{}.namprd14.prod.outlook.com>", server, rng.hex_upper(12), server)
}

pub fn message(rng: &mut Rng) -> MessageRef {
    MessageRef { internet_message_id: message_id(rng), size: 4_000 + rng.below(180_000) as i64 }
}

fn outlook_client(user: &User, net: &Net) -> Client {
    let info = if user.laptop.os == "MacOs" { "Client=REST;Client=RESTSystem;;".to_string() } else { "Client=MSExchangeRPC".to_string() };
    Client { ip: net.ip.clone(), info, app_id: people::APP_OFFICE.id.into(), port: 0 }
}

fn phone_client(net: &Net) -> Client {
    Client { ip: net.ip.clone(), info: "Client=REST;Client=RESTSystem;;".into(), app_id: people::APP_OUTLOOK_MOBILE.id.into(), port: 0 }
}

/// Generate the whole month of ordinary activity.
pub fn generate(world: &World, rng: &mut Rng, ev: &mut Evidence) {
    for (index, user) in world.users.iter().enumerate() {
        let mut r = rng.fork(index as u64 + 1);
        for day in user.starts_on_day..DAYS {
            let offset = user.offset_on(day);
            let weekday = clock::local_weekday(clock::local_midnight(day, offset) + 12 * HOUR, offset);
            if weekday >= 5 {
                if r.chance(0.25) {
                    weekend_check(world, &mut r, user, day, ev);
                }
                continue;
            }
            if r.chance(0.05) {
                continue; // a day off
            }
            workday(world, &mut r, index, user, day, ev);
        }
    }
    admin_activity(world, &mut rng.fork(1000), ev);
    decoy_rules(world, &mut rng.fork(1001), ev);
}

/// A glance at mail on the phone at the weekend.
fn weekend_check(world: &World, r: &mut Rng, user: &User, day: i64, ev: &mut Evidence) {
    let net = world.home_net(user);
    let t = world::local_time(day, user.offset_on(day), 9 + r.range(0, 11), r.range(0, 59));
    if !world::in_window(t) {
        return;
    }
    let s = world.sign_in(r, user, t, people::APP_OUTLOOK_MOBILE, people::RES_EXCHANGE, &net, Some(&user.phone), people::UA_OUTLOOK_IOS, false);
    ev.non_interactive.push(s);
    let session = r.guid();
    let items: Vec<MessageRef> = (0..r.range(1, 4)).map(|_| message(r)).collect();
    let at = t + r.range(5, 60) * clock::SECOND;
    let client = phone_client(&net);
    let call = MailboxCall { time: at, user, client: &client, session: &session };
    ev.ual.push(ual::mail_items_accessed(&world.org, r, call, "Bind", "\\Inbox", &items));
}

fn workday(world: &World, r: &mut Rng, index: usize, user: &User, day: i64, ev: &mut Evidence) {
    let offset = user.offset_on(day);
    let net = world.net_for(r, user, day);
    let start = world::local_time(day, offset, 8, r.range(-40, 50));
    let end = world::local_time(day, offset, 17, r.range(-30, 90));
    let during = |r: &mut Rng| start + r.range(10 * MINUTE, (end - start).max(20 * MINUTE));
    let device = &user.laptop;

    // Morning: the device signs in, then the browser and Teams.
    let mut first = world.sign_in(r, user, start, people::APP_WINDOWS_SIGN_IN, people::RES_AAD_GRAPH, &net, Some(device), "Windows-AzureAD-Authentication-Provider/1.0", true);
    first.client_app = "Mobile Apps and Desktop clients";
    if device.os == "MacOs" {
        first.app = people::APP_OFFICE;
        first.resource = people::RES_EXCHANGE;
        first.user_agent = device.mail_ua.into();
    }
    if r.chance(0.03) {
        // Mistyped password first.
        let mut failed = first.clone();
        failed.request_id = r.guid();
        failed.correlation_id = r.guid();
        failed.time = start - r.range(40, 110) * clock::SECOND;
        failed.status = SignInStatus::Failure;
        failed.error_code = 50126;
        failed.failure_reason = "Error validating credentials due to invalid username or password.".into();
        failed.mfa = Mfa::default();
        failed.conditional_access = "Not Applied";
        push_interactive(ev, failed);
    }
    let needs_mfa_prompt = r.chance(0.15) || user.trip_on(day).is_some() && r.chance(0.5);
    if needs_mfa_prompt {
        let mut prompt = first.clone();
        prompt.request_id = r.guid();
        prompt.time = start - r.range(15, 40) * clock::SECOND;
        prompt.status = SignInStatus::Interrupted;
        prompt.error_code = 50074;
        prompt.failure_reason = "Strong Authentication is required.".into();
        prompt.mfa = Mfa { requirement_mfa: true, result: String::new(), method: String::new() };
        push_interactive(ev, prompt);
        first.mfa = Mfa { requirement_mfa: true, result: "MFA successfully completed".into(), method: user.mfa_method.into() };
    }
    push_interactive(ev, first);

    for _ in 0..r.range(0, 2) {
        let t = during(r);
        let (app, resource) = r.pick(&[
            (people::APP_OFFICE_HOME, people::RES_SHAREPOINT),
            (people::APP_OFFICE_HOME, people::RES_EXCHANGE),
            (people::APP_OWA, people::RES_EXCHANGE),
        ]).clone();
        let mut s = world.sign_in(r, user, t, app, resource, &net, Some(device), device.browser_ua, true);
        if r.chance(0.04) {
            let mut kmsi = s.clone();
            kmsi.request_id = r.guid();
            kmsi.time = t - r.range(5, 20) * clock::SECOND;
            kmsi.status = SignInStatus::Interrupted;
            kmsi.error_code = 50140;
            kmsi.failure_reason = "This error occurred due to 'Keep me signed in' interrupt when the user was signing in.".into();
            push_interactive(ev, kmsi);
            s.correlation_id = r.guid();
        }
        push_interactive(ev, s);
    }
    if user.is_helpdesk || index == people::VPN_USER {
        let t = during(r);
        let s = world.sign_in(r, user, t, people::APP_AZURE_PORTAL, people::RES_AZURE_MGMT, &net, Some(device), device.browser_ua, true);
        push_interactive(ev, s);
    }

    // Token refreshes through the day.
    for _ in 0..r.range(1, 3) {
        let t = during(r);
        let (app, resource, ua, dev) = r.pick(&[
            (people::APP_OFFICE, people::RES_EXCHANGE, device.mail_ua, device),
            (people::APP_TEAMS, people::RES_TEAMS, device.teams_ua, device),
            (people::APP_ONEDRIVE_SYNC, people::RES_SHAREPOINT, "Microsoft SkyDriveSync 24.010.0114.0003 ship; Windows NT 10.0 (22631)", device),
            (people::APP_OUTLOOK_MOBILE, people::RES_EXCHANGE, people::UA_OUTLOOK_IOS, &user.phone),
        ]).clone();
        let mut s = world.sign_in(r, user, t, app, resource, &net, Some(dev), ua, false);
        s.client_app = "Mobile Apps and Desktop clients";
        ev.non_interactive.push(s);
    }

    // Mail.
    let session = r.guid();
    let client = outlook_client(user, &net);
    let sync_time = start + r.range(2, 9) * MINUTE;
    let inbox: Vec<MessageRef> = (0..r.range(3, 12)).map(|_| message(r)).collect();
    let call = |time: i64| MailboxCall { time, user, client: &client, session: &session };
    ev.ual.push(ual::mail_items_accessed(&world.org, r, call(sync_time), "Sync", "\\Inbox", &inbox));
    if r.chance(0.4) {
        let items: Vec<MessageRef> = (0..r.range(1, 4)).map(|_| message(r)).collect();
        let t = during(r);
        ev.ual.push(ual::mail_items_accessed(&world.org, r, call(t), "Bind", "\\Inbox", &items));
    }
    for _ in 0..r.range(0, 2) {
        let t = during(r);
        let subject = *r.pick(&SUBJECTS);
        let m = message(r);
        ev.ual.push(ual::send(&world.org, r, call(t), subject, &m));
    }

    // Files: own OneDrive or the department's library.
    for _ in 0..r.range(0, 2) {
        let t = during(r);
        let library = if r.chance(0.5) { &world.onedrives[index] } else { r.pick(&world.team_sites) };
        let name = *r.pick(&FILES);
        let sync = library.onedrive && r.chance(0.4);
        let operation = *r.pick(&["FileAccessed", "FileAccessed", "FileModified", "FileDownloaded", "FileUploaded", "FilePreviewed"]);
        let client = world.file_client(user, &net, sync);
        ev.ual.push(ual::file_operation(&world.org, r, t, user, &client, operation, &library.file(name)));
    }
}

fn push_interactive(ev: &mut Evidence, s: SignIn) {
    if world::in_window(s.time) {
        ev.interactive.push(s);
    }
}

/// The IT team's routine changes: password resets, group membership,
/// profile updates, device check-ins, self-service password changes, a
/// new starter, and one approved application.
fn admin_activity(world: &World, r: &mut Rng, ev: &mut Evidence) {
    let groups = [("Finance Team", r.guid()), ("Dispatch", r.guid()), ("All Staff", r.guid()), ("VPN Users", r.guid())];
    let intune = Initiator::App { app_id: "0000000a-0000-0000-c000-000000000000".into(), name: "Microsoft Intune".into(), sp_id: r.guid() };
    for day in 0..DAYS {
        let weekday = clock::local_weekday(clock::local_midnight(day, -5) + 12 * HOUR, -5);
        if weekday >= 5 {
            continue;
        }
        let staff: Vec<&User> = world.users.iter().filter(|u| day >= u.starts_on_day).collect();
        if r.chance(0.35) {
            let target = *r.pick(&staff);
            password_reset(world, r, day, target, ev);
        }
        if r.chance(0.3) {
            let target = *r.pick(&staff);
            let group = r.pick(&groups).clone();
            group_add(world, r, day, target, &group, ev);
        }
        if r.chance(0.25) {
            let target = *r.pick(&staff);
            profile_update(world, r, day, target, ev);
        }
        for user in &staff {
            // Intune refreshes each device's compliance about weekly.
            if r.chance(0.2) {
                let t = world::local_time(day, -5, 6 + r.range(0, 12), r.range(0, 59));
                let corr = r.guid();
                let device = Target { id: user.laptop.id.clone(), display_name: user.laptop.name.clone(), kind: "Device", upn: String::new(), modified: vec![
                    Modified { name: "IsCompliant".into(), old: "[true]".into(), new: "[true]".into() },
                    Modified { name: "Included Updated Properties".into(), old: String::new(), new: "\"IsCompliant, IsManaged\"".into() },
                ] };
                ev.audits.push(world.audit(r, t, &corr, "Update device", "Device", "Core Directory", "Update", intune.clone(), vec![device]));
            }
            if r.chance(0.006) {
                let net = world.net_for(r, user, day);
                let t = world::local_time(day, user.offset_on(day), 9 + r.range(0, 7), r.range(0, 59));
                let corr = r.guid();
                ev.audits.push(world.audit(r, t, &corr, "Change password (self-service)", "UserManagement", "Self-service Password Management", "Update", by_user(user, &net.ip), vec![user_target(user)]));
                ev.audits.push(world.audit(r, t + clock::SECOND, &corr, "Change user password", "UserManagement", "Core Directory", "Update", by_user(user, &net.ip), vec![user_target(user)]));
            }
        }
    }
    new_starter(world, r, ev);
    approved_app(world, r, ev);
}

/// The helpdesk resets a forgotten password.
fn password_reset(world: &World, r: &mut Rng, day: i64, target: &User, ev: &mut Evidence) {
    let helpdesk = &world.users[people::HELPDESK];
    if target.upn == helpdesk.upn {
        return;
    }
    let t = world::local_time(day, -5, 9 + r.range(0, 7), r.range(0, 59));
    let corr = r.guid();
    let office_ip = people::OFFICE_EGRESS[0];
    let mut a = world.audit(r, t, &corr, "Reset user password", "UserManagement", "Core Directory", "Update", by_user(helpdesk, office_ip), vec![user_target(target)]);
    a.additional.push(("UserType".into(), "Member".into()));
    ev.audits.push(a);
    let mut b = world.audit(r, t + 2 * clock::SECOND, &corr, "Reset password (by admin)", "UserManagement", "Self-service Password Management", "Update", by_user(helpdesk, office_ip), vec![user_target(target)]);
    b.result_reason = "Successfully completed reset.".into();
    ev.audits.push(b);
}

fn group_add(world: &World, r: &mut Rng, day: i64, target: &User, group: &(&str, String), ev: &mut Evidence) {
    let helpdesk = &world.users[people::HELPDESK];
    let t = world::local_time(day, -5, 10 + r.range(0, 6), r.range(0, 59));
    let corr = r.guid();
    let mut member = user_target(target);
    member.modified = vec![
        Modified { name: "Group.ObjectID".into(), old: String::new(), new: format!("\"{}\"", group.1) },
        Modified { name: "Group.DisplayName".into(), old: String::new(), new: format!("\"{}\"", group.0) },
    ];
    let group_target = Target { id: group.1.clone(), display_name: group.0.to_string(), kind: "Group", upn: String::new(), modified: Vec::new() };
    ev.audits.push(world.audit(r, t, &corr, "Add member to group", "GroupManagement", "Core Directory", "Assign", by_user(helpdesk, people::OFFICE_EGRESS[0]), vec![member, group_target]));
}

fn profile_update(world: &World, r: &mut Rng, day: i64, target: &User, ev: &mut Evidence) {
    let helpdesk = &world.users[people::HELPDESK];
    let t = world::local_time(day, -5, 11 + r.range(0, 5), r.range(0, 59));
    let corr = r.guid();
    let mut tgt = user_target(target);
    let phone = format!("+1 614 555 01{:02}", r.below(100));
    tgt.modified = vec![
        Modified { name: "TelephoneNumber".into(), old: "[]".into(), new: format!("[\"{phone}\"]") },
        Modified { name: "Included Updated Properties".into(), old: String::new(), new: "\"TelephoneNumber\"".into() },
    ];
    let a = world.audit(r, t, &corr, "Update user", "UserManagement", "Core Directory", "Update", by_user(helpdesk, people::OFFICE_EGRESS[0]), vec![tgt]);
    ev.config.push((a.time, ConfigChange::PhoneSet { user_id: target.id.clone(), phone: phone.clone() }));
    ev.config_notes.push(ConfigChangeItem::ordinary("user", &target.id, &target.upn, &format!("the helpdesk set the office phone to {phone}"), Severity::Info, vec![a.id.clone()]));
    ev.audits.push(a);
}

/// The new starter's account, license and first MFA registration: a
/// legitimate "User registered security info" to tell apart from the attack.
fn new_starter(world: &World, r: &mut Rng, ev: &mut Evidence) {
    let helpdesk = &world.users[people::HELPDESK];
    let hire = &world.users[people::NEW_HIRE];
    let office_ip = people::OFFICE_EGRESS[0];
    let created = world::local_time(hire.starts_on_day - 3, -5, 14, r.range(0, 40));
    let corr = r.guid();
    let mut tgt = user_target(hire);
    tgt.modified = vec![
        Modified { name: "AccountEnabled".into(), old: "[]".into(), new: "[true]".into() },
        Modified { name: "DisplayName".into(), old: "[]".into(), new: format!("[\"{}\"]", hire.display_name) },
        Modified { name: "UserPrincipalName".into(), old: "[]".into(), new: format!("[\"{}\"]", hire.upn) },
        Modified { name: "Included Updated Properties".into(), old: String::new(), new: "\"AccountEnabled, DisplayName, UserPrincipalName\"".into() },
    ];
    let added = world.audit(r, created, &corr, "Add user", "UserManagement", "Core Directory", "Add", by_user(helpdesk, office_ip), vec![tgt]);
    let added_id = added.id.clone();
    ev.config.push((added.time, ConfigChange::UserAdded { id: hire.id.clone(), upn: hire.upn.clone(), display_name: hire.display_name.clone(), department: hire.department.into() }));
    ev.audits.push(added);
    let mut lic = user_target(hire);
    lic.modified = vec![Modified { name: "AssignedLicense".into(), old: "[]".into(), new: format!("[\"[SkuName=O365_BUSINESS_PREMIUM, AccountId={}, SkuId=f245ecc8-75af-4f8e-b61f-27d8114de5f3, DisabledPlans=[]]\"]", world.tenant_id) }];
    ev.audits.push(world.audit(r, created + 3 * MINUTE, &corr, "Change user license", "UserManagement", "Core Directory", "Update", by_user(helpdesk, office_ip), vec![lic]));

    let first_day = world::local_time(hire.starts_on_day, hire.utc_offset, 9, r.range(5, 30));
    let corr = r.guid();
    let mut reg = world.audit(r, first_day, &corr, "User registered security info", "UserManagement", "Authentication Methods", "Add", by_user(hire, office_ip), vec![user_target(hire)]);
    reg.result_reason = "User registered Authenticator App with Notification and Code".into();
    ev.config.push((reg.time, ConfigChange::AuthenticatorAdded { user_id: hire.id.clone(), method_id: None, device: hire.phone.name.clone() }));
    ev.config_notes.push(ConfigChangeItem::ordinary(
        "user",
        &hire.id,
        &hire.upn,
        "a new starter's account, created by the helpdesk, with the Authenticator app she registered on her first morning",
        Severity::Low,
        vec![added_id, reg.id.clone()],
    ));
    ev.decoys.push(KeyMark::event(
        super::FILE_AUDIT,
        &reg.id,
        3,
        &format!("{} registers the Authenticator app", hire.display_name),
        "A new starter registering MFA on her first morning, from the office, days after the helpdesk created her account: the same audit record as the attacker's registration, in an ordinary story.",
    ));
    ev.audits.push(reg);
    let mut all = world.audit(r, first_day + 40 * clock::SECOND, &corr, "User registered all required security info", "UserManagement", "Authentication Methods", "Add", by_user(hire, office_ip), vec![user_target(hire)]);
    all.result_reason = "User registered all required security info".into();
    ev.audits.push(all);
}

/// An administrator approves a scheduling tool for everyone: the same
/// consent records as the attack's, but admin consent from the office.
fn approved_app(world: &World, r: &mut Rng, ev: &mut Evidence) {
    let admin = &world.users[people::VPN_USER];
    let office_ip = people::OFFICE_EGRESS[1];
    let t = world::local_time(4, -5, 15, r.range(0, 50));
    let app = ConsentedApp {
        name: "ShiftBoard Scheduler".into(),
        app_id: r.guid(),
        sp_object_id: r.guid(),
        grant_id: r.base64ish(43),
        graph_sp_id: world.graph_sp_id.clone(),
        scopes: "User.Read Calendars.Read".into(),
    };
    let corr = r.guid();
    let sp_target = Target { id: app.sp_object_id.clone(), display_name: app.name.clone(), kind: "ServicePrincipal", upn: String::new(), modified: Vec::new() };
    let mut add_sp = sp_target.clone();
    add_sp.modified = vec![
        Modified { name: "AccountEnabled".into(), old: "[]".into(), new: "[true]".into() },
        Modified { name: "AppPrincipalId".into(), old: "[]".into(), new: format!("[\"{}\"]", app.app_id) },
        Modified { name: "DisplayName".into(), old: "[]".into(), new: format!("[\"{}\"]", app.name) },
    ];
    let sp_audit = world.audit(r, t, &corr, "Add service principal", "ApplicationManagement", "Core Directory", "Add", by_user(admin, office_ip), vec![add_sp]);
    let sp_audit_id = sp_audit.id.clone();
    ev.audits.push(sp_audit);
    let graph = Target { id: world.graph_sp_id.clone(), display_name: "Microsoft Graph".into(), kind: "ServicePrincipal", upn: String::new(), modified: vec![
        Modified { name: "DelegatedPermissionGrant.Scope".into(), old: String::new(), new: format!("\"{}\"", app.scopes) },
        Modified { name: "DelegatedPermissionGrant.ConsentType".into(), old: String::new(), new: "\"AllPrincipals\"".into() },
    ] };
    let grant_audit = world.audit(r, t + 2 * clock::SECOND, &corr, "Add delegated permission grant", "ApplicationManagement", "Core Directory", "Assign", by_user(admin, office_ip), vec![graph]);
    let grant_audit_id = grant_audit.id.clone();
    ev.audits.push(grant_audit);
    let mut consent = sp_target;
    consent.modified = vec![
        Modified { name: "ConsentContext.IsAdminConsent".into(), old: String::new(), new: "\"True\"".into() },
        Modified { name: "ConsentContext.IsAppOnly".into(), old: String::new(), new: "\"False\"".into() },
        Modified { name: "ConsentContext.OnBehalfOfAll".into(), old: String::new(), new: "\"True\"".into() },
        Modified { name: "ConsentContext.Tags".into(), old: String::new(), new: "\"WindowsAzureActiveDirectoryIntegratedApp\"".into() },
        Modified {
            name: "ConsentAction.Permissions".into(),
            old: String::new(),
            new: format!("\"[] => [[Id: {}, ClientId: {}, PrincipalId: , ResourceId: {}, ConsentType: AllPrincipals, Scope: {}, CreatedDateTime: , LastModifiedDateTime ]]; \"", app.grant_id, app.sp_object_id, world.graph_sp_id, app.scopes),
        },
        Modified { name: "TargetId.ServicePrincipalNames".into(), old: String::new(), new: format!("\"{}\"", app.app_id) },
    ];
    let mut c = world.audit(r, t + 3 * clock::SECOND, &corr, "Consent to application", "ApplicationManagement", "Core Directory", "Assign", by_user(admin, office_ip), vec![consent]);
    c.additional.push(("User-Agent".into(), admin.laptop.browser_ua.into()));
    ev.config.push((
        c.time,
        ConfigChange::Consent {
            app_name: app.name.clone(),
            app_id: app.app_id.clone(),
            sp_id: app.sp_object_id.clone(),
            grant_id: app.grant_id.clone(),
            scopes: app.scopes.clone(),
            principal: None,
            publisher: config::SHIFTBOARD_PUBLISHER.into(),
        },
    ));
    // A new enterprise app always deserves a look: the diff rates it Medium,
    // and the audit log shows the IT admin consenting from the office.
    ev.config_notes.push(ConfigChangeItem::ordinary(
        "servicePrincipal",
        &app.sp_object_id,
        &app.name,
        "the IT admin approved a scheduling tool for everyone, from the office",
        Severity::Medium,
        vec![sp_audit_id.clone(), c.id.clone()],
    ));
    for id in [&sp_audit_id, &grant_audit_id, &c.id] {
        ev.decoys.push(KeyMark::event(
            super::FILE_AUDIT,
            id,
            8,
            &format!("admin consent to '{}'", app.name),
            "The IT administrator approved a scheduling tool for everyone, from the office, with calendar-reading scopes only: an admin's decision, not a user tricked into consenting.",
        ));
    }
    ev.decoys.push(
        KeyMark::new(
            MarkKind::App,
            app.app_id.clone(),
            8,
            format!("the app '{}'", app.name),
            "Approved by the IT administrator for the whole company from the office, with User.Read and Calendars.Read only: reviewed, not malicious.",
        )
        .also(app.name.clone()),
    );
    ev.config_notes.push(ConfigChangeItem::ordinary(
        "oauth2PermissionGrant",
        &app.grant_id,
        &format!("{} → Microsoft Graph: {}", app.name, app.scopes),
        "admin consent for everyone to sign-in and calendar reading",
        Severity::Low,
        vec![grant_audit_id, c.id.clone()],
    ));
    ev.audits.push(c);
}

/// The IT team's configuration work during the month, shared by every
/// scenario: a device-compliance policy tried out in report-only mode.
/// Drawn from its own random stream (`rng`) so the rest of the month is
/// unchanged.
pub fn configuration_work(world: &World, tenant: &Tenant, rng: &mut Rng, ev: &mut Evidence) {
    let admin = &world.users[people::VPN_USER];
    let office_ip = people::OFFICE_EGRESS[1];
    let t = world::local_time(6 + rng.range(0, 2), admin.utc_offset, 10, rng.range(0, 50));
    let policy = CaPolicy {
        id: rng.guid(),
        name: "Require compliant device on Windows (pilot)".into(),
        created: t,
        modified: None,
        state: "enabledForReportingButNotEnforced".into(),
        include_users: vec!["All".into()],
        exclude_users: tenant.policy(config::POLICY_MFA_ALL).map(|p| p.exclude_users.clone()).unwrap_or_default(),
        include_apps: vec!["All".into()],
        client_app_types: vec!["all".into()],
        include_platforms: vec!["windows".into()],
        controls: vec!["compliantDevice".into(), "domainJoinedDevice".into()],
        ..CaPolicy::default()
    };
    let corr = rng.guid();
    let target = Target {
        id: policy.id.clone(),
        display_name: policy.name.clone(),
        kind: "Policy",
        upn: String::new(),
        modified: vec![Modified { name: "ConditionalAccessPolicy".into(), old: String::new(), new: config::audit_value(&policy.to_obj()) }],
    };
    let a = world.audit(rng, t, &corr, "Add conditional access policy", "Policy", "Conditional Access", "Add", by_user(admin, office_ip), vec![target]);
    ev.config_notes.push(ConfigChangeItem::ordinary(
        "conditionalAccessPolicy",
        &policy.id,
        &policy.name,
        "a new policy added in report-only mode by the IT admin from the office, to see who a device-compliance rule would block",
        Severity::Info,
        vec![a.id.clone()],
    ));
    ev.config.push((a.time, ConfigChange::PolicyAdded { policy: Box::new(policy) }));
    ev.audits.push(a);
}

/// Two staff tidy their inbox with ordinary rules (move newsletters, file
/// carrier notices): inbox rules that are not an attack.
fn decoy_rules(world: &World, r: &mut Rng, ev: &mut Evidence) {
    for (index, day, name, params) in [
        (5usize, 3i64, "Newsletters", vec![("Name", "Newsletters".to_string()), ("From", "news@industry-weekly.example".to_string()), ("MoveToFolder", "Newsletters".to_string()), ("StopProcessingRules", "False".to_string())]),
        (14usize, 17i64, "Carrier notices", vec![("Name", "Carrier notices".to_string()), ("SubjectContainsWords", "tracking update;delivery notice".to_string()), ("MoveToFolder", "Carriers".to_string()), ("StopProcessingRules", "False".to_string())]),
    ] {
        let user = &world.users[index];
        let t = world::local_time(day, user.utc_offset, 11, r.range(0, 50));
        let net = Net { ip: people::OFFICE_EGRESS[1].into(), place: user.office, asn: world::ASN_OFFICE };
        let client = Client { ip: net.ip.clone(), info: format!("Client=OWA;Action=ViaProxy;{}", user.laptop.browser_ua), app_id: people::APP_OWA.id.into(), port: 50_000 + r.below(9000) as u16 };
        let session = r.guid();
        let params: Vec<(&str, String)> = params;
        let call = MailboxCall { time: t, user, client: &client, session: &session };
        let rule = ual::new_inbox_rule(&world.org, r, call, name, &params);
        ev.decoys.push(KeyMark::event(
            super::FILE_UAL,
            &rule.id,
            9,
            &format!("{}'s inbox rule '{name}'", user.display_name),
            "The mailbox owner's own rule, made in Outlook on the web from the office: it only files mail into one of the mailbox's own folders, forwards nothing and deletes nothing.",
        ));
        ev.ual.push(rule);
    }
}
