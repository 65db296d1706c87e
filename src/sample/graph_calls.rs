//! Microsoft Graph requests: how one is built from the token that made it,
//! and the month's ordinary calls. Staff do not call Graph themselves;
//! their clients do, right after signing in: Teams looks up chats and
//! presence, Office lists recent files, OneDrive syncs, Outlook on the
//! phone reads the calendar, the admin portals list users and groups for
//! the IT team. So the background follows the month's successful sign-ins,
//! from the same address with the token each issued.

use super::clock::{self, MINUTE, SECOND};
use super::people;
use super::records::{Evidence, GraphCall, GraphCaller, SignIn, SignInStatus};
use super::rng::Rng;
use std::collections::BTreeSet;

pub const GRAPH: &str = "https://graph.microsoft.com/v1.0";

/// The token a call is made with: who, through which app, from where.
#[derive(Clone, Debug)]
pub struct Token {
    pub caller: GraphCaller,
    pub app_id: String,
    pub ip: String,
    pub user_agent: String,
    pub scopes: String,
    /// The sign-in that issued it and when.
    pub sign_in_id: String,
    pub issued: i64,
    pub session: String,
    pub wids: String,
}

impl Token {
    /// The delegated token a user sign-in issued.
    pub fn of_sign_in(s: &SignIn, scopes: &str, wids: &str) -> Token {
        Token {
            caller: GraphCaller::User { id: s.user_id.clone() },
            app_id: s.app.id.to_string(),
            ip: s.ip.clone(),
            user_agent: s.user_agent.clone(),
            scopes: scopes.into(),
            sign_in_id: s.unique_token.clone(),
            issued: s.time,
            session: s.session_id.clone(),
            wids: wids.into(),
        }
    }

    /// One request with this token: `path` is below the version (`/me`).
    pub fn call(&self, rng: &mut Rng, time: i64, method: &'static str, path: &str, status: u16, response_bytes: u64) -> GraphCall {
        GraphCall {
            time,
            request_id: rng.guid(),
            client_request_id: rng.guid(),
            method,
            uri: format!("{GRAPH}{path}"),
            status,
            ip: self.ip.clone(),
            user_agent: self.user_agent.clone(),
            app_id: self.app_id.clone(),
            caller: self.caller.clone(),
            scopes: self.scopes.clone(),
            roles: String::new(),
            sign_in_activity_id: self.sign_in_id.clone(),
            token_issued_at: self.issued,
            session_id: self.session.clone(),
            wids: self.wids.clone(),
            response_bytes,
            duration_ms: 25 + rng.below(400) as u32,
        }
    }
}

/// The Global Administrator role template, as the `wids` claim lists it.
pub const WID_GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
/// Every member's `wids` claim holds the default user role.
pub const WID_MEMBER: &str = "b79fbf4d-3ef9-4689-8143-76b194e85509";

/// What a first-party client asks Graph for after signing in: its scopes
/// and the requests it makes (path, typical response size). None of them
/// page through mail or the directory: that is what a script does.
fn client_calls(app_id: &str) -> Option<(&'static str, &'static [(&'static str, u64)])> {
    const TEAMS: [(&str, u64); 5] =
        [("/me", 1_200), ("/me/joinedTeams", 3_400), ("/me/presence", 420), ("/me/chats?$top=50&$expand=members", 18_000), ("/me/events?$top=10&$select=subject,start,end", 6_500)];
    const OFFICE: [(&str, u64); 5] = [("/me", 1_200), ("/me/photo/$value", 9_800), ("/me/drive/recent", 12_000), ("/me/insights/used?$top=10", 8_700), ("/me/people?$top=10", 5_200)];
    const ONEDRIVE: [(&str, u64); 2] = [("/me/drive", 1_900), ("/me/drive/root/delta", 24_000)];
    const OUTLOOK_MOBILE: [(&str, u64); 2] = [("/me", 1_200), ("/me/calendarView?startDateTime={today}&endDateTime={tomorrow}", 7_300)];
    const MY_SIGNINS: [(&str, u64); 2] = [("/me", 1_200), ("/me/authentication/methods", 1_600)];
    const PORTAL: [(&str, u64); 5] = [
        ("/me", 1_200),
        ("/organization", 2_600),
        ("/users?$top=100&$select=displayName,userPrincipalName,accountEnabled", 14_000),
        ("/groups?$top=100&$select=displayName,groupTypes", 6_800),
        ("/auditLogs/directoryAudits?$top=50", 31_000),
    ];
    Some(match app_id {
        id if id == people::APP_TEAMS.id => ("Chat.ReadWrite Presence.Read.All Team.ReadBasic.All Calendars.Read User.Read", &TEAMS),
        id if id == people::APP_OFFICE.id || id == people::APP_OFFICE_HOME.id => ("Files.ReadWrite.All People.Read Sites.Read.All User.Read", &OFFICE),
        id if id == people::APP_ONEDRIVE_SYNC.id => ("Files.ReadWrite.All User.Read", &ONEDRIVE),
        id if id == people::APP_OUTLOOK_MOBILE.id => ("Calendars.ReadWrite Contacts.Read User.Read", &OUTLOOK_MOBILE),
        id if id == people::APP_MY_SIGNINS.id => ("UserAuthenticationMethod.ReadWrite User.Read", &MY_SIGNINS),
        id if id == people::APP_AZURE_PORTAL.id || id == people::APP_ADMIN_CENTER.id => ("Directory.AccessAsUser.All AuditLog.Read.All User.ReadWrite.All", &PORTAL),
        _ => return None,
    })
}

/// Ordinary calls after a share (`SHARE`) of the month's successful user
/// sign-ins, skipping the sign-ins in `not_background` (the attacker's) and
/// those from `attacker_ips`; `admins` hold Global Administrator in their
/// tokens' `wids`.
pub fn background(ev: &Evidence, rng: &mut Rng, not_background: &BTreeSet<&str>, attacker_ips: &[String], admins: &[&str]) -> Vec<GraphCall> {
    const SHARE: f64 = 0.22;
    let mut sign_ins: Vec<&SignIn> = ev.interactive.iter().chain(&ev.non_interactive).collect();
    // The order of the evidence is the generator's; time order keeps the draws stable.
    sign_ins.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.request_id.cmp(&b.request_id)));
    let mut calls = Vec::new();
    for s in sign_ins {
        if s.status != SignInStatus::Success || not_background.contains(s.request_id.as_str()) || attacker_ips.contains(&s.ip) {
            continue;
        }
        let Some((scopes, paths)) = client_calls(&s.app.id) else { continue };
        if !rng.chance(SHARE) {
            continue;
        }
        let wids = if admins.iter().any(|a| a.eq_ignore_ascii_case(&s.upn)) { format!("{WID_GLOBAL_ADMIN} {WID_MEMBER}") } else { WID_MEMBER.to_string() };
        let token = Token::of_sign_in(s, scopes, &wids);
        let mut at = s.time + rng.range(2, 40) * SECOND;
        for _ in 0..rng.range(1, 3) {
            let (path, size) = *rng.pick(paths);
            let path = path.replace("{today}", &clock::iso_seconds(at - at % clock::DAY)).replace("{tomorrow}", &clock::iso_seconds(at - at % clock::DAY + clock::DAY));
            // Some people have no photo: Graph answers 404.
            let status = if path.contains("photo") && rng.chance(0.3) { 404 } else { 200 };
            let bytes = if status == 200 { size / 2 + rng.below(size) } else { 210 };
            if (clock::WINDOW_START..clock::WINDOW_END).contains(&at) {
                calls.push(token.call(rng, at, "GET", &path, status, bytes));
            }
            at += rng.range(1, 25) * MINUTE / 5;
        }
    }
    calls
}
