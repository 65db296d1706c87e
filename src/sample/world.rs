//! Everything the background and the attack share: the tenant, its staff,
//! its SharePoint sites, and builders for records with sensible defaults.

use super::clock::{self, HOUR};
use super::formats::ual::{FileClient, FileRef, Org};
use super::people::{self, App, Device, Place, User};
use super::records::{DirectoryAudit, Initiator, Mfa, SignIn, SignInStatus, Target};
use super::rng::Rng;

/// Documentation autonomous system numbers (RFC 5398) for each kind of network.
pub const ASN_OFFICE: u32 = 64500;
pub const ASN_HOME: u32 = 64501;
pub const ASN_HOTEL: u32 = 64502;
pub const ASN_VPN: u32 = 64503;
pub const ASN_ATTACKER: u32 = 64511;
/// The tenant's own cloud subscription, where its integration server runs.
pub const ASN_CLOUD: u32 = 64504;
/// Hosting used by the compromised-admin scenario's phishing proxy, replay
/// host and the server that used the stolen app secret.
pub const ASN_PROXY: u32 = 64512;
pub const ASN_VPS: u32 = 64513;
pub const ASN_CLOUD_ATTACKER: u32 = 64514;

/// A document library files live in.
#[derive(Clone, Debug)]
pub struct Library {
    pub site_url: String,
    pub folder: String,
    pub onedrive: bool,
    pub site_id: String,
    pub web_id: String,
    pub list_id: String,
}

impl Library {
    pub fn file(&self, name: &str) -> FileRef {
        FileRef {
            site_url: self.site_url.clone(),
            folder: self.folder.clone(),
            name: name.to_string(),
            onedrive: self.onedrive,
            site_id: self.site_id.clone(),
            web_id: self.web_id.clone(),
            list_id: self.list_id.clone(),
        }
    }
}

/// Where a sign-in or action comes from on the network.
#[derive(Clone, Debug)]
pub struct Net {
    pub ip: String,
    pub place: Place,
    pub asn: u32,
}

pub struct World {
    pub tenant_id: String,
    pub org: Org,
    pub users: Vec<User>,
    /// Object id of the Microsoft Graph service principal in this tenant.
    pub graph_sp_id: String,
    pub team_sites: Vec<Library>,
    pub onedrives: Vec<Library>,
}

const TEAM_SITES: [(&str, &str); 5] = [
    ("Finance", "Shared Documents/Payments"),
    ("Finance", "Shared Documents/Vendors"),
    ("Operations", "Shared Documents/Routes"),
    ("Sales", "Shared Documents/Proposals"),
    ("HR", "Shared Documents/Policies"),
];

impl World {
    pub fn new(rng: &mut Rng) -> World {
        let tenant_id = rng.guid();
        let users = people::staff(rng);
        let team_sites = TEAM_SITES
            .iter()
            .map(|(site, folder)| Library {
                site_url: format!("https://{}/sites/{}/", people::SHAREPOINT_HOST, site),
                folder: (*folder).to_string(),
                onedrive: false,
                site_id: rng.guid(),
                web_id: rng.guid(),
                list_id: rng.guid(),
            })
            .collect();
        let onedrives = users
            .iter()
            .map(|u| Library {
                site_url: u.onedrive_url(),
                folder: "Documents".into(),
                onedrive: true,
                site_id: rng.guid(),
                web_id: rng.guid(),
                list_id: rng.guid(),
            })
            .collect();
        World { org: Org { id: tenant_id.clone() }, tenant_id, users, graph_sp_id: rng.guid(), team_sites, onedrives }
    }

    /// Where `user` works from on `day` (office, home, hotel abroad, or VPN).
    pub fn net_for(&self, rng: &mut Rng, user: &User, day: i64) -> Net {
        if let Some(trip) = user.trip_on(day) {
            return Net { ip: trip.ip.clone(), place: trip.place, asn: ASN_HOTEL };
        }
        if user.uses_vpn && rng.chance(0.3) {
            return Net { ip: people::VPN_EGRESS.into(), place: people::AMSTERDAM, asn: ASN_VPN };
        }
        if rng.chance(user.remote_share) {
            return self.home_net(user);
        }
        Net { ip: (*rng.pick(&people::OFFICE_EGRESS)).to_string(), place: user.office, asn: ASN_OFFICE }
    }

    pub fn home_net(&self, user: &User) -> Net {
        Net { ip: user.home_ip.clone(), place: user.home, asn: ASN_HOME }
    }

    /// A successful sign-in with the usual defaults; callers adjust fields.
    #[allow(clippy::too_many_arguments)]
    pub fn sign_in(&self, rng: &mut Rng, user: &User, time: i64, app: App, resource: App, net: &Net, device: Option<&Device>, user_agent: &str, interactive: bool) -> SignIn {
        SignIn {
            time,
            request_id: rng.guid(),
            correlation_id: rng.guid(),
            session_id: rng.guid(),
            user_id: user.id.clone(),
            user_display: user.display_name.clone(),
            upn: user.upn.clone(),
            app,
            resource,
            ip: net.ip.clone(),
            place: net.place,
            status: SignInStatus::Success,
            error_code: 0,
            failure_reason: String::new(),
            client_app: if user_agent.starts_with("Mozilla/") && !user_agent.contains("Teams/") { "Browser" } else { "Mobile Apps and Desktop clients" },
            device: device.cloned(),
            browser: String::new(),
            os: String::new(),
            user_agent: user_agent.to_string(),
            mfa: Mfa { requirement_mfa: true, result: "MFA requirement satisfied by claim in the token".into(), method: String::new() },
            conditional_access: "Success",
            interactive,
            auth_protocol: "none",
            incoming_token: if device.is_some_and(|d| d.trust_type == "AzureAd") { "primaryRefreshToken" } else { "none" },
            asn: net.asn,
            latency_ms: 40 + rng.below(260) as u32,
            unique_token: rng.base64ish(22),
            risk_during: "none",
            risk_aggregated: "none",
            risk_state: "none",
        }
    }

    /// A directory audit id in the shape Entra uses (`Directory_…`).
    pub fn audit_id(rng: &mut Rng, service: &str, correlation: &str) -> String {
        let prefix = match service {
            "Core Directory" => "Directory",
            "Authentication Methods" => "AuthenticationMethods",
            "Self-service Password Management" => "SSPR",
            "Conditional Access" => "IPCGraph",
            _ => "Audit",
        };
        format!("{}_{}_{}_{}", prefix, correlation, rng.alnum_upper(5), 100_000_000 + rng.below(900_000_000))
    }

    /// A directory audit record with an id, correlation id and sub-ms ticks.
    #[allow(clippy::too_many_arguments)]
    pub fn audit(
        &self,
        rng: &mut Rng,
        time: i64,
        correlation_id: &str,
        activity: &'static str,
        category: &'static str,
        service: &'static str,
        operation_type: &'static str,
        initiated_by: Initiator,
        targets: Vec<Target>,
    ) -> DirectoryAudit {
        DirectoryAudit {
            // Services stamp sub-second times; keep records of one
            // operation in order by staying under a second.
            time: time + rng.below(900) as i64,
            ticks: rng.below(10_000) as u32,
            id: World::audit_id(rng, service, correlation_id),
            correlation_id: correlation_id.to_string(),
            activity,
            category,
            service,
            operation_type,
            result_reason: String::new(),
            initiated_by,
            targets,
            additional: Vec::new(),
        }
    }

    /// How a user's own browser or sync client shows in SharePoint records.
    pub fn file_client(&self, user: &User, net: &Net, sync: bool) -> FileClient {
        let d = &user.laptop;
        let (ua, app_id) = if sync {
            ("Microsoft SkyDriveSync 24.010.0114.0003 ship; Windows NT 10.0 (22631)".to_string(), people::APP_ONEDRIVE_SYNC.id.to_string())
        } else {
            (d.browser_ua.to_string(), "08e18876-6177-487e-b8b5-cf950c1e598c".to_string())
        };
        let (browser, version) = d.browser.split_once(' ').unwrap_or((d.browser, ""));
        FileClient {
            ip: net.ip.clone(),
            user_agent: ua,
            browser: if sync { String::new() } else { browser.to_string() },
            browser_version: if sync { String::new() } else { version.to_string() },
            platform: if d.os == "MacOs" { "MacDesktop".into() } else { "WinDesktop".into() },
            device: d.name.clone(),
            managed: d.managed,
            app_id,
        }
    }
}

/// A user as a directory audit target.
pub fn user_target(user: &User) -> Target {
    Target { id: user.id.clone(), display_name: String::new(), kind: "User", upn: user.upn.clone(), modified: Vec::new() }
}

/// A user as the initiator of a directory change.
pub fn by_user(user: &User, ip: &str) -> Initiator {
    Initiator::User { id: user.id.clone(), upn: user.upn.clone(), ip: ip.to_string() }
}

/// Local working time on `day`: `hour` (may be fractional via minutes) at the user's offset.
pub fn local_time(day: i64, offset: i64, hour: i64, minute: i64) -> i64 {
    clock::local_midnight(day, offset) + hour * HOUR + minute * clock::MINUTE
}

/// Keep a time inside the sample's window.
pub fn in_window(t: i64) -> bool {
    (clock::WINDOW_START..clock::WINDOW_END).contains(&t)
}
