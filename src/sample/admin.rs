//! The compromised-admin scenario. An IT administrator who holds Global
//! Administrator opens a phishing link that runs through an
//! adversary-in-the-middle proxy: she signs in and approves MFA herself, the
//! proxy keeps the session cookie, and the attacker replays it from another
//! country. With the admin's session they add a client secret to a trusted
//! application that may read mail, create an account and make it a Global
//! Administrator, and give the admin FullAccess to an executive's mailbox
//! and read it. The app then signs in with the new secret for days.
//!
//! The tenant's own routine in this scenario is what makes it hard: two
//! integration apps sign in every few hours, the app owner rotates a secret
//! the week before, the same admin changes directory roles herself, and she
//! often works through the company VPN in Amsterdam.
//!
//! Every attacker record is noted in the answer key with the playbook step
//! that should surface it.

use super::attack::Log;
use super::clock::{self, DAY, HOUR, MINUTE, SECOND};
use super::formats::ual::{self, Client, LogonType, MailboxCall, MessageRef};
use super::background::message;
use super::people::{self, App, User};
use super::records::{AppCredential, AppSignIn, Evidence, Mfa, Modified, SignIn, Target};
use super::rng::Rng;
use super::world::{self, by_user, user_target, Net, World};
use super::answer_key::{ConfigChangeItem, KeyMark, MarkKind};
use super::FILE_AUDIT;
use super::config::{self, Certificate, OwnApp, Secret, Tenant};
use super::records::ConfigChange;
use crate::detect::Severity;
use std::collections::{BTreeMap, BTreeSet};

pub const SCENARIO: &str = "Compromised admin: adversary-in-the-middle phishing, app secret backdoor, new Global Administrator, executive mailbox access";

/// The browser the attacker replays the stolen session in: Chrome on Linux,
/// a platform nobody in the tenant uses.
pub const REPLAY_UA: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36";

/// The integration server in the tenant's cloud subscription.
const INTEGRATION_HOST: &str = "198.51.100.236";

const NEW_ACCOUNTS: [(&str, &str); 3] = [("svc.dirsync", "Directory Sync Service"), ("it.automation", "IT Automation"), ("svc.backupadmin", "Backup Admin Service")];

/// Directory role templates (Entra's fixed, public role template ids).
const GLOBAL_ADMIN: Role = Role { name: "Global Administrator", template: "62e90394-69f5-4237-9190-012177145e10", well_known: "TenantAdmins" };
const AUTH_ADMIN: Role = Role { name: "Authentication Administrator", template: "c4e39bd9-1100-46d3-8c65-fb160da0071f", well_known: "" };
const HELPDESK_ADMIN: Role = Role { name: "Helpdesk Administrator", template: "729827e3-9c14-49f7-bb1b-9608f156bbb8", well_known: "HelpdeskAdmins" };

#[derive(Clone, Copy)]
struct Role {
    name: &'static str,
    template: &'static str,
    well_known: &'static str,
}

/// An app registration of the tenant's own with its service principal.
struct TenantApp {
    name: &'static str,
    app_id: String,
    object_id: String,
    sp_id: String,
}

/// What the scenario decided, for the answer key.
pub struct AdminAttack {
    pub victim: String,
    pub ips: Vec<String>,
    pub app_name: String,
    pub app_id: String,
    pub created_account: String,
    pub accessed_mailbox: String,
    /// App ids registered in the tenant itself (the sign-in CSV names their owner).
    pub tenant_apps: Vec<String>,
    pub start: i64,
    pub end: i64,
    pub items: Vec<super::AnswerItem>,
    /// When the admin account granted itself the executive's mailbox.
    pub grant_at: i64,
    /// The invoice app's object id and the key id of the secret added to it.
    pub app_object_id: String,
    pub secret_key_id: String,
    victim_name: String,
    exec_name: String,
    pub trail: AdminTrail,
}

/// What the attack did that other logs also see (Microsoft Graph, the
/// message trace): copies of records and times made here, no draws of their own.
pub struct AdminTrail {
    pub admin_index: usize,
    /// The sign-in the phishing proxy relayed.
    pub phished_at: i64,
    /// The replayed session's sign-ins, in order.
    pub replay: Vec<SignIn>,
    pub secret_added_at: i64,
    pub invoice_object_id: String,
    pub created_at: i64,
    pub created_id: String,
    pub role_at: i64,
    /// The Global Administrator role's object id in the tenant.
    pub global_role_id: String,
}

impl AdminAttack {
    pub fn description(&self, world: &World) -> String {
        format!(
            "{} ({}): {} days of ordinary activity for {} staff, and one compromise. {}, an IT administrator holding Global Administrator, \
             signs in through an adversary-in-the-middle phishing proxy on {} and approves the MFA prompt herself; the stolen session is replayed \
             from {} in another country. The attacker adds a client secret to the trusted app '{}' (it may read mail), which then signs in with it \
             from {}; creates {} and makes it a Global Administrator, switches the MFA policy for administrators to report-only and adds the \
             replay address to the trusted office location; and grants the admin FullAccess to {}'s mailbox and reads it. \
             The tenant's configuration is exported before the month (baseline/) and after it (current/). Decoys: a report-only pilot policy, the same admin's own role changes the week before, the app owner rotating another app's secret, the admin's VPN exit in \
             Amsterdam, integration apps signing in all month, travellers abroad.",
            people::TENANT_NAME,
            people::DOMAIN,
            clock::DAYS,
            world.users.len(),
            self.victim_name,
            self.ips.first().map_or("", String::as_str),
            self.ips.get(1).map_or("", String::as_str),
            self.app_name,
            self.ips.get(2).map_or("", String::as_str),
            self.created_account,
            self.exec_name,
        )
    }
}

fn random_thumbprint(rng: &mut Rng) -> String {
    rng.hex_upper(40)
}

/// `KeyDescription` as Entra lists an application's credentials.
fn key_description(keys: &[(&str, &str, &str)]) -> String {
    let items: Vec<String> = keys.iter().map(|(id, kind, name)| format!("\"[KeyIdentifier={id}, KeyType={kind}, KeyUsage=Verify, DisplayName={name}]\"")).collect();
    format!("[{}]", items.join(","))
}

/// The admin center's audit record for a credential change on an app registration.
#[allow(clippy::too_many_arguments)]
fn credentials_audit(world: &World, rng: &mut Rng, time: i64, actor: &User, ip: &str, user_agent: &str, app: &TenantApp, old: &[(&str, &str, &str)], new: &[(&str, &str, &str)]) -> super::records::DirectoryAudit {
    let corr = rng.guid();
    let target = Target {
        id: app.object_id.clone(),
        display_name: app.name.into(),
        kind: "Application",
        upn: String::new(),
        modified: vec![
            Modified { name: "KeyDescription".into(), old: key_description(old), new: key_description(new) },
            Modified { name: "Included Updated Properties".into(), old: String::new(), new: "\"KeyDescription\"".into() },
        ],
    };
    let mut a = world.audit(rng, time, &corr, "Update application – Certificates and secrets management ", "ApplicationManagement", "Core Directory", "Update", by_user(actor, ip), vec![target]);
    a.additional.push(("User-Agent".into(), user_agent.into()));
    a.additional.push(("AppId".into(), app.app_id.clone()));
    a
}

/// `Add member to role` / `Remove member from role` in Graph's shape: the
/// user with the role's properties, then the role itself.
#[allow(clippy::too_many_arguments)]
fn role_audit(world: &World, rng: &mut Rng, time: i64, activity: &'static str, actor: &User, ip: &str, member: Target, role: Role, role_object: &str) -> super::records::DirectoryAudit {
    let corr = rng.guid();
    let adding = activity.starts_with("Add");
    let value = |v: &str| if adding { (String::new(), format!("\"{v}\"")) } else { (format!("\"{v}\""), String::new()) };
    let mut member = member;
    let mut props = vec![("Role.ObjectID", role_object.to_string()), ("Role.DisplayName", role.name.to_string()), ("Role.TemplateId", role.template.to_string())];
    if !role.well_known.is_empty() {
        props.push(("Role.WellKnownObjectName", role.well_known.to_string()));
    }
    member.modified = props
        .into_iter()
        .map(|(name, v)| {
            let (old, new) = value(&v);
            Modified { name: name.into(), old, new }
        })
        .collect();
    let role_target = Target { id: role_object.to_string(), display_name: role.name.into(), kind: "Role", upn: String::new(), modified: Vec::new() };
    world.audit(rng, time, &corr, activity, "RoleManagement", "Core Directory", if adding { "Assign" } else { "Unassign" }, by_user(actor, ip), vec![member, role_target])
}

/// The subject of the invoice app's certificate.
const INVOICE_CERT: &str = "CN=invoice-ingest.larkspurfreight.example";

/// The attacker's Conditional Access changes, a minute or two after the new
/// Global Administrator is made, as Entra's audit log records them: the
/// whole policy (or location) before and after, as JSON.
fn weaken_conditional_access(world: &World, c: &mut Rng, log: &mut Log, tenant: &Tenant, admin: &User, ip: &str, after: i64) {
    if let Some(policy) = tenant.policy(config::POLICY_MFA_ADMINS) {
        let at = after + 70 * SECOND + c.range(0, 20) * SECOND;
        let mut weakened = policy.clone();
        weakened.state = "enabledForReportingButNotEnforced".into();
        weakened.modified = Some(at);
        let target = Target {
            id: policy.id.clone(),
            display_name: policy.name.clone(),
            kind: "Policy",
            upn: String::new(),
            modified: vec![Modified { name: "ConditionalAccessPolicy".into(), old: config::audit_value(&policy.to_obj()), new: config::audit_value(&weakened.to_obj()) }],
        };
        let corr = c.guid();
        let a = world.audit(c, at, &corr, "Update conditional access policy", "Policy", "Conditional Access", "Update", by_user(admin, ip), vec![target]);
        log.ev.config.push((a.time, ConfigChange::PolicyState { policy_id: policy.id.clone(), state: weakened.state.clone() }));
        log.ev.config_notes.push(ConfigChangeItem::attacker(
            "conditionalAccessPolicy",
            &policy.id,
            &policy.name,
            "switched from enabled to report-only (enabledForReportingButNotEnforced): administrators are no longer made to use MFA",
            Severity::High,
            vec![a.id.clone()],
        ));
        log.audit(
            a,
            5,
            "MFA policy for administrators switched to report-only",
            "From the replay address, minutes after making a new Global Administrator: the policy that would have asked that account for MFA now only logs.",
        );
    }
    if let Some(location) = tenant.location(config::LOCATION_OFFICE) {
        let at = after + 150 * SECOND + c.range(0, 20) * SECOND;
        let cidr = format!("{ip}/32");
        let mut widened = location.clone();
        widened.ranges.push(cidr.clone());
        widened.modified = at;
        let target = Target {
            id: location.id.clone(),
            display_name: location.name.clone(),
            kind: "Policy",
            upn: String::new(),
            modified: vec![Modified { name: "NamedLocation".into(), old: config::audit_value(&location.to_obj()), new: config::audit_value(&widened.to_obj()) }],
        };
        let corr = c.guid();
        let a = world.audit(c, at, &corr, "Update named location", "Policy", "Conditional Access", "Update", by_user(admin, ip), vec![target]);
        log.ev.config.push((a.time, ConfigChange::LocationRangeAdded { location_id: location.id.clone(), cidr: cidr.clone() }));
        log.ev.config_notes.push(ConfigChangeItem::attacker(
            "namedLocation",
            &location.id,
            &location.name,
            &format!("the attacker's replay address {cidr} added to the trusted office location, which 'Require MFA for all users' excludes"),
            Severity::High,
            vec![a.id.clone()],
        ));
        log.audit(
            a,
            5,
            "attacker's address added to a trusted named location",
            "The replay address now counts as the head office: sign-ins from it skip the MFA policy for all users.",
        );
    }
}

/// The address `user` signed in from successfully on the most days before
/// `before` (ties: the lowest address), so routine admin work is logged
/// from where the admin really works.
pub(super) fn usual_address(ev: &Evidence, user: &User, before: i64) -> String {
    let mut days: BTreeMap<&str, BTreeSet<i64>> = BTreeMap::new();
    for s in ev.interactive.iter().chain(&ev.non_interactive) {
        if s.upn == user.upn && s.time < before && s.status == super::records::SignInStatus::Success {
            days.entry(s.ip.as_str()).or_default().insert(s.time.div_euclid(DAY));
        }
    }
    let mut best: Option<(&str, usize)> = None;
    for (ip, d) in &days {
        if best.map_or(true, |(_, n)| d.len() > n) {
            best = Some((ip, d.len()));
        }
    }
    best.map_or_else(|| people::OFFICE_EGRESS[0].to_string(), |(ip, _)| ip.to_string())
}

/// An integration app signing in on its own every few hours all month.
fn app_routine(rng: &mut Rng, app: &TenantApp, credential: impl Fn(i64) -> AppCredential, every_hours: (i64, i64), ev: &mut Evidence) {
    let host = Net { ip: INTEGRATION_HOST.into(), place: people::CHICAGO, asn: world::ASN_CLOUD };
    let mut t = clock::WINDOW_START + rng.range(0, 90) * MINUTE;
    while t < clock::WINDOW_END {
        ev.service_principal.push(app_sign_in(rng, app, t, &host, credential(t)));
        t += rng.range(every_hours.0 * 60, every_hours.1 * 60) * MINUTE + rng.range(0, 59) * SECOND;
    }
}

fn app_sign_in(rng: &mut Rng, app: &TenantApp, time: i64, net: &Net, credential: AppCredential) -> AppSignIn {
    AppSignIn {
        time,
        request_id: rng.guid(),
        correlation_id: rng.guid(),
        app_name: app.name.into(),
        app_id: app.app_id.clone(),
        sp_id: app.sp_id.clone(),
        resource: people::RES_GRAPH,
        ip: net.ip.clone(),
        place: net.place,
        asn: net.asn,
        credential,
        latency_ms: 30 + rng.below(120) as u32,
        unique_token: rng.base64ish(22),
    }
}

/// A sign-in through the attacker's browser: no registered device, Linux.
#[allow(clippy::too_many_arguments)]
fn replayed(world: &World, rng: &mut Rng, user: &User, time: i64, app: App, resource: App, net: &Net, interactive: bool) -> SignIn {
    let mut s = world.sign_in(rng, user, time, app, resource, net, None, REPLAY_UA, interactive);
    s.browser = "Chrome 119.0.0".into();
    s.os = "Linux".into();
    s
}

/// Run the scenario's routine and attack into `ev`.
pub fn generate(world: &World, rng: &mut Rng, ev: &mut Evidence, tenant: &mut Tenant) -> AdminAttack {
    let admin = &world.users[people::VPN_USER];
    let owner = &world.users[people::HELPDESK];
    let exec = &world.users[people::TRAVELLER_EXEC];
    let mut routine = rng.fork(1);
    let mut r = rng.fork(2);
    // The configuration's own draws, so the logs stay as they were.
    let mut c = rng.fork(3);

    // The tenant's integration apps. The invoice app reads the accounts
    // payable mailbox with an application permission, so a secret on it is
    // worth stealing.
    let invoice = TenantApp { name: "Carrier Invoice Ingest", app_id: routine.guid(), object_id: routine.guid(), sp_id: routine.guid() };
    let fleet = TenantApp { name: "Fleet Telematics Bridge", app_id: routine.guid(), object_id: routine.guid(), sp_id: routine.guid() };
    let invoice_cert = (routine.guid(), random_thumbprint(&mut routine));
    let (fleet_old, fleet_new) = (routine.guid(), routine.guid());
    let registered = clock::WINDOW_START - c.range(300, 500) * DAY;
    tenant.add_own_app(OwnApp {
        name: invoice.name.into(),
        app_id: invoice.app_id.clone(),
        object_id: invoice.object_id.clone(),
        sp_id: invoice.sp_id.clone(),
        created: registered,
        secrets: Vec::new(),
        certificates: vec![Certificate { key_id: invoice_cert.0.clone(), name: INVOICE_CERT.into(), thumbprint: invoice_cert.1.clone(), start: registered + HOUR, end: registered + HOUR + 730 * DAY }],
        app_permissions: vec!["Mail.Read".into()],
    });
    let fleet_registered = registered + c.range(20, 60) * DAY;
    let fleet_secret_set = clock::WINDOW_START - c.range(340, 360) * DAY;
    tenant.add_own_app(OwnApp {
        name: fleet.name.into(),
        app_id: fleet.app_id.clone(),
        object_id: fleet.object_id.clone(),
        sp_id: fleet.sp_id.clone(),
        created: fleet_registered,
        secrets: vec![Secret { key_id: fleet_old.clone(), name: "telematics-2025".into(), hint: c.base64ish(3), start: fleet_secret_set, end: fleet_secret_set + 365 * DAY }],
        certificates: Vec::new(),
        app_permissions: vec!["User.Read.All".into()],
    });

    // Decoy: the app owner rotates the fleet app's secret the week before;
    // the app switches to the new secret within the hour.
    let rotation_day = 16 + routine.range(0, 2);
    let rotation = world::local_time(rotation_day, owner.utc_offset, 11, routine.range(0, 40));
    {
        let cert = invoice_cert.clone();
        app_routine(&mut routine, &invoice, move |_| AppCredential::Certificate { key_id: cert.0.clone(), thumbprint: cert.1.clone() }, (3, 5), ev);
        let (old, new) = (fleet_old.clone(), fleet_new.clone());
        let switch = rotation + 40 * MINUTE;
        app_routine(&mut routine, &fleet, move |t| AppCredential::Secret { key_id: if t < switch { old.clone() } else { new.clone() } }, (4, 7), ev);
    }
    let owner_ip = usual_address(ev, owner, rotation);
    let old_keys = [(fleet_old.as_str(), "Password", "telematics-2025")];
    let both = [(fleet_old.as_str(), "Password", "telematics-2025"), (fleet_new.as_str(), "Password", "telematics-2026")];
    let new_keys = [(fleet_new.as_str(), "Password", "telematics-2026")];
    let add = credentials_audit(world, &mut routine, rotation, owner, &owner_ip, owner.laptop.browser_ua, &fleet, &old_keys, &both);
    let rotation_audits = vec![add.id.clone()];
    let rotation_why = "The app's owner rotating its secret from the usual address: the new secret replaced the old one within the hour, and the app switched to it. A secret added by its owner and the old one removed is maintenance, not a backdoor.";
    ev.decoys.push(KeyMark::event(FILE_AUDIT, &add.id, 8, &format!("a client secret added to '{}'", fleet.name), rotation_why));
    ev.decoys.push(
        KeyMark::new(MarkKind::App, fleet.app_id.clone(), 8, format!("the app '{}'", fleet.name), "The tenant's own telematics integration: its secret was rotated by its owner the week before, and it signs in from the integration server all month.")
            .also(fleet.name),
    );
    ev.config.push((add.time, ConfigChange::AppSecrets { app_object_id: fleet.object_id.clone(), secrets: vec![(fleet_old.clone(), "telematics-2025".into(), 365), (fleet_new.clone(), "telematics-2026".into(), 365)] }));
    ev.audits.push(add);
    let remove = credentials_audit(world, &mut routine, rotation + 55 * MINUTE, owner, &owner_ip, owner.laptop.browser_ua, &fleet, &both, &new_keys);
    ev.decoys.push(KeyMark::event(FILE_AUDIT, &remove.id, 8, &format!("the old client secret of '{}' removed", fleet.name), rotation_why));
    ev.config.push((remove.time, ConfigChange::AppSecrets { app_object_id: fleet.object_id.clone(), secrets: vec![(fleet_new.clone(), "telematics-2026".into(), 365)] }));
    let mut rotation_audits = rotation_audits;
    rotation_audits.push(remove.id.clone());
    // A new secret looks like a backdoor to the diff; the audit log shows
    // the app's owner swapping the old one out from her usual address.
    ev.config_notes.push(ConfigChangeItem::ordinary(
        "application",
        &fleet.object_id,
        fleet.name,
        "the app owner rotated the client secret: telematics-2026 added, telematics-2025 removed within the hour",
        Severity::High,
        rotation_audits,
    ));
    ev.audits.push(remove);

    // Decoy: the admin herself moves the helpdesk lead from Helpdesk
    // Administrator to Authentication Administrator, from where she works.
    let roles_day = 14 + routine.range(0, 1);
    let roles_at = world::local_time(roles_day, admin.utc_offset, 14, routine.range(0, 45));
    let admin_ip = usual_address(ev, admin, roles_at);
    let (auth_role_id, helpdesk_role_id, global_role_id) = (routine.guid(), routine.guid(), routine.guid());
    let a = role_audit(world, &mut routine, roles_at, "Add member to role", admin, &admin_ip, user_target(owner), AUTH_ADMIN, &auth_role_id);
    let roles_why = "The Global Administrator moving the helpdesk lead from one role to another, from where she works, a week before the break-in: the same kind of record as the attacker's new Global Administrator, in an ordinary story.";
    ev.decoys.push(KeyMark::event(FILE_AUDIT, &a.id, 10, &format!("{} made {}", owner.display_name, AUTH_ADMIN.name), roles_why));
    let assignment = format!("{}-1", c.base64ish(43));
    ev.config.push((a.time, ConfigChange::RoleAdded { assignment_id: assignment.clone(), principal_id: owner.id.clone(), template: AUTH_ADMIN.template.into() }));
    ev.config_notes.push(ConfigChangeItem::ordinary(
        "roleAssignment",
        &assignment,
        &format!("{}: {}", owner.upn, AUTH_ADMIN.name),
        "the Global Administrator moved the helpdesk lead to Authentication Administrator, from where she works",
        Severity::High,
        vec![a.id.clone()],
    ));
    ev.audits.push(a);
    let a = role_audit(world, &mut routine, roles_at + 3 * MINUTE, "Remove member from role", admin, &admin_ip, user_target(owner), HELPDESK_ADMIN, &helpdesk_role_id);
    ev.decoys.push(KeyMark::event(FILE_AUDIT, &a.id, 10, &format!("{} removed from {}", owner.display_name, HELPDESK_ADMIN.name), roles_why));
    ev.config.push((a.time, ConfigChange::RoleRemoved { principal_id: owner.id.clone(), template: HELPDESK_ADMIN.template.into() }));
    if let Some(old) = tenant.role_assignment_id(&owner.id, HELPDESK_ADMIN.template) {
        ev.config_notes.push(ConfigChangeItem::ordinary(
            "roleAssignment",
            &old,
            &format!("{}: {}", owner.upn, HELPDESK_ADMIN.name),
            "the helpdesk lead's previous role, removed as part of the same move",
            Severity::Low,
            vec![a.id.clone()],
        ));
    }
    ev.audits.push(a);
    ev.retain_window();

    // The attack, on a Monday to Wednesday morning in the admin's time zone.
    let ip1 = format!("203.0.113.{}", 10 + r.below(60));
    let ip2 = format!("203.0.113.{}", 90 + r.below(60));
    let ip3 = format!("203.0.113.{}", 170 + r.below(60));
    // The proxy sits in Amsterdam like the company VPN exit, on another network.
    let proxy = Net { ip: ip1.clone(), place: people::AMSTERDAM, asn: world::ASN_PROXY };
    let replay = Net { ip: ip2.clone(), place: people::BUCHAREST, asn: world::ASN_VPS };
    let backdoor = Net { ip: ip3.clone(), place: people::ASHBURN, asn: world::ASN_CLOUD_ATTACKER };
    let day = 21 + r.range(0, 2);
    let t0 = world::local_time(day, admin.utc_offset, 10, r.range(5, 50)) + r.range(0, 59) * SECOND;
    let mut log = Log { ev, items: Vec::new() };

    // 1. The phishing proxy relays her sign-in; she approves the MFA prompt.
    let mut phished = world.sign_in(&mut r, admin, t0, people::APP_OFFICE_HOME, people::RES_EXCHANGE, &proxy, None, admin.laptop.browser_ua, true);
    phished.browser = admin.laptop.browser.into();
    phished.os = admin.laptop.os.into();
    phished.mfa = Mfa { requirement_mfa: true, result: "MFA successfully completed".into(), method: admin.mfa_method.into() };
    phished.risk_during = "medium";
    phished.risk_aggregated = "medium";
    phished.risk_state = "atRisk";
    log.interactive(
        phished,
        1,
        "sign-in through the phishing proxy (alert)",
        "The admin's own browser and MFA approval, but relayed by a hosting address in Amsterdam that is not the company VPN: an adversary-in-the-middle proxy capturing her session.",
    );

    // 2. The stolen session cookie replayed from another country.
    let mut t = t0 + r.range(18, 35) * MINUTE;
    let mut portal = replayed(world, &mut r, admin, t, people::APP_AZURE_PORTAL, people::RES_AZURE_MGMT, &replay, true);
    portal.mfa = Mfa { requirement_mfa: true, result: "MFA requirement satisfied by claim in the token".into(), method: String::new() };
    let mut replay_sign_ins = vec![portal.clone()];
    log.interactive(
        portal,
        5,
        "stolen session replayed into the Azure portal",
        "Minutes after the proxy sign-in the same account opens the admin portals from Romania in a Linux browser, MFA satisfied only by the stolen token's claim.",
    );
    let background_apps = [
        (people::APP_AZURE_PORTAL, people::RES_GRAPH),
        (people::APP_ADMIN_CENTER, people::RES_GRAPH),
        (people::APP_ADMIN_CENTER, people::RES_AAD_GRAPH),
        (people::APP_OFFICE_HOME, people::RES_EXCHANGE),
    ];
    for k in 0..6 {
        let (app, resource) = background_apps[k % background_apps.len()].clone();
        let at = t + (3 + k as i64 * 14) * MINUTE + r.range(0, 50) * SECOND;
        let mut s = replayed(world, &mut r, admin, at, app, resource, &replay, false);
        s.risk_during = "medium";
        s.risk_aggregated = "medium";
        s.risk_state = "atRisk";
        replay_sign_ins.push(s.clone());
        log.non_interactive(s, 5, "token use by the replayed session", "Background token requests from the replay address: the attacker's portal session, flagged by Entra as risky.");
    }

    // 3. A look through her own mailbox for IT notifications.
    t += 4 * MINUTE;
    let owa = Client { ip: ip2.clone(), info: format!("Client=OWA;Action=ViaProxy;{REPLAY_UA}"), app_id: people::APP_OWA.id.into(), port: 40_000 + r.below(20_000) as u16 };
    let owa_session = r.guid();
    for k in 0..2 {
        let items: Vec<MessageRef> = (0..r.range(2, 6)).map(|_| message(&mut r)).collect();
        let call = MailboxCall { time: t + k * 90 * SECOND, user: admin, client: &owa, session: &owa_session };
        let m = ual::mail_items_accessed(&world.org, &mut r, call, "Bind", "\\Inbox", &items);
        log.ual(m, 6, "attacker reads the admin's own mail", "Outlook on the web from the replay address: the attacker checking for alerts and IT tickets.");
    }

    // 4. A client secret on the trusted invoice app.
    t += 3 * MINUTE + r.range(0, 60) * SECOND;
    let secret_id = r.guid();
    let cert_key = [(invoice_cert.0.as_str(), "AsymmetricX509Cert", INVOICE_CERT)];
    let with_secret = [(invoice_cert.0.as_str(), "AsymmetricX509Cert", INVOICE_CERT), (secret_id.as_str(), "Password", "sync")];
    let cred = credentials_audit(world, &mut r, t, admin, &ip2, REPLAY_UA, &invoice, &cert_key, &with_secret);
    let secret_added_at = t;
    log.ev.config.push((cred.time, ConfigChange::AppSecrets { app_object_id: invoice.object_id.clone(), secrets: vec![(secret_id.clone(), "sync".into(), 730)] }));
    log.ev.config_notes.push(ConfigChangeItem::attacker(
        "application",
        &invoice.object_id,
        invoice.name,
        "a client secret named 'sync' added beside the certificate, on an app that may read every mailbox",
        Severity::Critical,
        vec![cred.id.clone()],
    ));
    log.audit(
        cred,
        8,
        "client secret added to a trusted application",
        "A password credential appeared on an app that had only ever used its certificate, added from the replay address: whoever holds it can act as the app, with its mail permission, without any user or MFA.",
    );

    // 5. A new account, made Global Administrator, signed in to once.
    t += 5 * MINUTE + r.range(0, 60) * SECOND;
    let (local, display) = *r.pick(&NEW_ACCOUNTS);
    let mut created = admin.clone();
    created.id = r.guid();
    created.display_name = display.into();
    created.upn = format!("{local}@{}", people::DOMAIN);
    created.trips.clear();
    let corr = r.guid();
    let mut new_user = user_target(&created);
    new_user.modified = vec![
        Modified { name: "AccountEnabled".into(), old: "[]".into(), new: "[true]".into() },
        Modified { name: "DisplayName".into(), old: "[]".into(), new: format!("[\"{display}\"]") },
        Modified { name: "UserPrincipalName".into(), old: "[]".into(), new: format!("[\"{}\"]", created.upn) },
        Modified { name: "UserType".into(), old: "[]".into(), new: "[\"Member\"]".into() },
        Modified { name: "Included Updated Properties".into(), old: String::new(), new: "\"AccountEnabled, DisplayName, UserPrincipalName, UserType\"".into() },
    ];
    let created_at = t;
    let add_user = world.audit(&mut r, t, &corr, "Add user", "UserManagement", "Core Directory", "Add", by_user(admin, &ip2), vec![new_user]);
    log.ev.config.push((add_user.time, ConfigChange::UserAdded { id: created.id.clone(), upn: created.upn.clone(), display_name: display.into(), department: String::new() }));
    log.ev.config_notes.push(ConfigChangeItem::attacker("user", &created.id, &created.upn, "an account created by the attacker, holding Global Administrator", Severity::Medium, vec![add_user.id.clone()]));
    log.audit(add_user, 10, "account created by the attacker", "A service-looking account nobody asked for, created from the replay address: a way back in after the admin's password is reset.");
    t += r.range(60, 150) * SECOND;
    let role = role_audit(world, &mut r, t, "Add member to role", admin, &ip2, user_target(&created), GLOBAL_ADMIN, &global_role_id);
    let assignment = format!("{}-1", c.base64ish(43));
    log.ev.config.push((role.time, ConfigChange::RoleAdded { assignment_id: assignment.clone(), principal_id: created.id.clone(), template: GLOBAL_ADMIN.template.into() }));
    log.ev.config_notes.push(ConfigChangeItem::attacker(
        "roleAssignment",
        &assignment,
        &format!("{}: {}", created.upn, GLOBAL_ADMIN.name),
        "the attacker's account made Global Administrator",
        Severity::Critical,
        vec![role.id.clone()],
    ));
    let role_at = t;
    log.audit(role, 5, "new account made Global Administrator", "The just-created account was given the most powerful role in the tenant, from the replay address.");
    // Before using the new account, loosen Conditional Access so it gets in
    // with a password alone: the admin MFA policy to report-only, and the
    // replay address into the trusted office location (which "Require MFA
    // for all users" skips).
    weaken_conditional_access(world, &mut c, &mut log, tenant, admin, &ip2, role_at);
    t += 4 * MINUTE + r.range(0, 60) * SECOND;
    let mut first = replayed(world, &mut r, &created, t, people::APP_AZURE_PORTAL, people::RES_AZURE_MGMT, &replay, true);
    first.mfa = Mfa::default();
    first.conditional_access = "Not Applied";
    log.interactive(first, 10, "the new account signs in from the attacker's address", "The attacker's own Global Administrator, used from the same replay address with a password only.");

    // 6. FullAccess to the executive's mailbox, then reading it.
    t += 6 * MINUTE + r.range(0, 60) * SECOND;
    let grant_at = t;
    let exo = Client { ip: ip2.clone(), info: String::new(), app_id: people::RES_EXCHANGE.id.into(), port: 40_000 + r.below(20_000) as u16 };
    let exo_session = r.guid();
    let params = vec![
        ("Identity", exec.upn.clone()),
        ("User", admin.upn.clone()),
        ("AccessRights", "FullAccess".to_string()),
        ("InheritanceType", "All".to_string()),
        ("AutoMapping", "False".to_string()),
    ];
    let grant = ual::admin_cmdlet(&world.org, &mut r, MailboxCall { time: t, user: admin, client: &exo, session: &exo_session }, "Add-MailboxPermission", &exec.display_name, &params);
    log.ual(grant, 10, "FullAccess to the executive's mailbox", "The admin account granted itself FullAccess to the CEO's mailbox, without automapping so it does not show in her Outlook.");
    let mut when = t + r.range(3, 6) * MINUTE;
    for (session_day, reads) in [(0i64, 5), (1, 3)] {
        if session_day == 1 {
            // The next night: the refresh token still works from the replay address.
            when = world::local_time(day + 1, admin.utc_offset, 22, r.range(0, 40));
            for k in 0..2 {
                let mut s = replayed(world, &mut r, admin, when - (6 - k * 3) * MINUTE, people::APP_OFFICE_HOME, people::RES_EXCHANGE, &replay, false);
                s.risk_during = "medium";
                s.risk_aggregated = "medium";
                s.risk_state = "atRisk";
                replay_sign_ins.push(s.clone());
                log.non_interactive(s, 5, "token use by the replayed session", "The stolen refresh token still works a day later from the replay address.");
            }
        }
        let session = r.guid();
        for k in 0..reads {
            let items: Vec<MessageRef> = (0..r.range(3, 12)).map(|_| message(&mut r)).collect();
            let folder = if k % 3 == 2 { "\\Sent Items" } else { "\\Inbox" };
            let call = MailboxCall { time: when + k * r.range(4, 11) * MINUTE, user: admin, client: &owa, session: &session };
            let m = ual::mail_items_accessed_in(&world.org, &mut r, call, exec, LogonType::Delegate, "Bind", folder, &items);
            log.ual(m, 10, "the executive's mail read by the admin account", "MailItemsAccessed in the CEO's mailbox by the admin account as a delegate, from the replay address.");
        }
    }

    // 7. The app signs in with the stolen secret from a cloud server, for the rest of the export.
    let mut at = t0 + r.range(50, 80) * MINUTE;
    let mut last = at;
    while at < clock::WINDOW_END - 30 * MINUTE {
        let s = app_sign_in(&mut r, &invoice, at, &backdoor, AppCredential::Secret { key_id: secret_id.clone() });
        log.service_principal(s, 8, "the app signs in with the added secret", "Service principal sign-in with the new client secret from a cloud address the app never used: the attacker acting as the app.");
        last = at;
        at += r.range(2 * 60, 6 * 60) * MINUTE + r.range(0, 59) * SECOND;
    }
    let end = last.max(when + HOUR);

    AdminAttack {
        victim: admin.upn.clone(),
        ips: vec![ip1, ip2, ip3],
        app_name: invoice.name.into(),
        app_id: invoice.app_id.clone(),
        created_account: created.upn.clone(),
        accessed_mailbox: exec.upn.clone(),
        tenant_apps: vec![invoice.app_id.clone(), fleet.app_id.clone()],
        start: t0,
        end,
        items: log.items,
        grant_at,
        app_object_id: invoice.object_id.clone(),
        secret_key_id: secret_id,
        victim_name: admin.display_name.clone(),
        exec_name: exec.display_name.clone(),
        trail: AdminTrail {
            admin_index: people::VPN_USER,
            phished_at: t0,
            replay: replay_sign_ins,
            secret_added_at,
            invoice_object_id: invoice.object_id.clone(),
            created_at,
            created_id: created.id.clone(),
            role_at,
            global_role_id,
        },
    }
}
