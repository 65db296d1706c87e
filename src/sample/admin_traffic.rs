//! The compromised admin in Microsoft Graph and the message trace.
//!
//! Mail: the phishing lure that started it, a "document shared with you"
//! message from a look-alike domain, sent from the phishing proxy's own
//! address to the admin and the helpdesk lead.
//!
//! Graph: the replayed session's portal token, from the replay address,
//! looks at the tenant; then a collector run with the same token lists the
//! directory (users, their groups and sign-in methods, roles and their
//! members, groups, apps) while the attacker works in the portal, where the
//! same session adds the secret, creates the account and gives it Global
//! Administrator.

use super::admin::{AdminAttack, REPLAY_UA};
use super::clock::{DAY, MINUTE, SECOND};
use super::graph_calls::{Token, WID_GLOBAL_ADMIN, WID_MEMBER};
use super::mail_flow::{self, Message};
use super::people;
use super::records::SignIn;
use super::rng::Rng;
use super::traffic::Traffic;
use super::world::World;

/// The look-alike domain the lure came from.
pub const LURE_DOMAIN: &str = "larkspurfreight-sharepoint.example";
pub const LURE_SENDER: &str = "no-reply@larkspurfreight-sharepoint.example";
/// The sentence the description adds.
pub const DESCRIPTION: &str = "The message trace holds the lure, a 'document shared with you' message from a look-alike of the company's SharePoint domain \
    sent from the proxy's address; the Microsoft Graph activity log shows the replayed session listing the directory before the changes.";
const LURE_SUBJECT: &str = "Jamal Haddad shared \"IT Asset Register 2026.xlsx\" with you";

const STEP5: (&str, &str) = (
    "the admin's token used from the replay address",
    "Graph requests made with the stolen session from the replay address: the attacker looking around the tenant and making changes as the admin.",
);
const STEP10: (&str, &str) = (
    "the directory listed by the replayed session",
    "Users, their groups and sign-in methods, every role's members, groups and apps, read within minutes: the attacker mapping the tenant to choose a backdoor and an account to hide behind.",
);

pub fn generate(world: &World, attack: &AdminAttack, rng: &mut Rng) -> Traffic {
    let mut traffic = Traffic::default();
    lure(world, attack, rng, &mut traffic);
    replayed_session(world, attack, rng, &mut traffic);
    traffic
}

fn lure(world: &World, attack: &AdminAttack, rng: &mut Rng, traffic: &mut Traffic) {
    let admin = &world.users[attack.trail.admin_index];
    let lead = &world.users[people::HELPDESK];
    let proxy = attack.ips.first().cloned().unwrap_or_default();
    let sender = LURE_SENDER;
    let at = attack.trail.phished_at - rng.range(14, 26) * MINUTE - rng.range(0, 59) * SECOND;
    let id = mail_flow::outside_message_id(rng, LURE_DOMAIN);
    let size = 31_000 + rng.below(4_000) as i64;
    let message = Message::new(rng, at, sender, LURE_SUBJECT, &proxy, size, &id);
    for user in [admin, lead] {
        let delay = rng.range(1, 4) * SECOND;
        traffic.mail(
            message.to(&user.upn, "Delivered", "", delay),
            10,
            "the phishing lure delivered",
            "A 'document shared with you' message from a look-alike of the company's SharePoint, sent from the phishing proxy's own address minutes before the admin's relayed sign-in: the link that started the compromise. Everyone who received it may have opened it.",
        );
    }
}

/// The Graph token of the replayed session in force at `time`: the latest
/// replayed sign-in to Microsoft Graph before it.
fn token_at(attack: &AdminAttack, time: i64) -> Option<&SignIn> {
    attack.trail.replay.iter().rev().find(|s| s.time <= time && s.resource.id == people::RES_GRAPH.id)
}

fn replayed_session(world: &World, attack: &AdminAttack, rng: &mut Rng, traffic: &mut Traffic) {
    let admin = &world.users[attack.trail.admin_index];
    let Some(first) = attack.trail.replay.iter().find(|s| s.resource.id == people::RES_GRAPH.id) else { return };
    let wids = format!("{WID_GLOBAL_ADMIN} {WID_MEMBER}");
    let scopes = "Directory.AccessAsUser.All AuditLog.Read.All Policy.ReadWrite.ConditionalAccess User.ReadWrite.All";
    let token = |s: &SignIn| {
        let mut t = Token::of_sign_in(s, scopes, &wids);
        t.user_agent = REPLAY_UA.into();
        t
    };
    let mut at = first.time + rng.range(5, 20) * SECOND;
    let look = token(first);
    for (path, bytes) in [("/me", 1_400), ("/organization", 2_600), ("/me/memberOf", 1_800)] {
        traffic.graph_call(look.call(rng, at, "GET", path, 200, bytes), 5, STEP5.0, STEP5.1);
        at += rng.range(3, 15) * SECOND;
    }

    // The directory, a request every second or so: a collector, not a person.
    at += rng.range(20, 40) * SECOND;
    let day = (first.time - super::clock::WINDOW_START) / DAY;
    let mut paths: Vec<(String, u64)> = vec![
        ("/users?$select=displayName,userPrincipalName,jobTitle,accountEnabled&$top=999".into(), 11_000),
        ("/directoryRoles".into(), 6_200),
        ("/groups?$top=999".into(), 5_400),
        ("/servicePrincipals?$top=999".into(), 310_000),
        ("/applications?$top=999".into(), 24_000),
    ];
    for _ in 0..12 {
        paths.push((format!("/directoryRoles/{}/members", rng.guid()), 1_700));
    }
    for _ in 0..8 {
        paths.push((format!("/groups/{}/members", rng.guid()), 2_100));
    }
    for _ in 0..6 {
        let object = rng.guid();
        paths.push((format!("/applications/{object}"), 5_800));
        paths.push((format!("/servicePrincipals/{}/appRoleAssignments", rng.guid()), 1_300));
    }
    for user in world.users.iter().filter(|u| u.upn != admin.upn && u.starts_on_day <= day) {
        for (suffix, bytes) in [("", 1_300u64), ("/memberOf", 1_900), ("/authentication/methods", 700), ("/ownedObjects", 600), ("/registeredDevices", 900)] {
            paths.push((format!("/users/{}{suffix}", user.id), bytes));
        }
    }
    for (path, bytes) in paths {
        let Some(s) = token_at(attack, at) else { continue };
        let bytes = bytes / 2 + rng.below(bytes);
        traffic.graph_call(token(s).call(rng, at, "GET", &path, 200, bytes), 10, STEP10.0, STEP10.1);
        at += rng.range(600, 2_400);
    }

    // The changes, as the portal makes them through Graph.
    let trail = &attack.trail;
    let changes = [
        (trail.secret_added_at, "POST", format!("/applications/{}/addPassword", trail.invoice_object_id), 200, 2_100u64, "a client secret added to the trusted app through Graph"),
        (trail.created_at, "POST", "/users".to_string(), 201, 1_900, "the attacker's account created through Graph"),
        (trail.role_at, "POST", format!("/directoryRoles/{}/members/$ref", trail.global_role_id), 204, 0, "the new account added to Global Administrator through Graph"),
        (trail.role_at + rng.range(20, 50) * SECOND, "GET", format!("/users/{}/memberOf", trail.created_id), 200, 900, STEP5.0),
    ];
    for (time, method, path, status, bytes, what) in changes {
        let Some(s) = token_at(attack, time) else { continue };
        let at = time - rng.range(1, 3) * SECOND;
        traffic.graph_call(token(s).call(rng, at, method, &path, status, bytes), 5, what, STEP5.1);
    }
}
