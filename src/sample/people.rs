//! The fictional tenant: its users, where they work from, their devices and
//! the applications they use. Names, domains and addresses are invented;
//! every public IP is from a documentation range (RFC 5737, RFC 3849).

use super::rng::Rng;
use std::borrow::Cow;

pub const TENANT_NAME: &str = "Larkspur Freight";
pub const DOMAIN: &str = "larkspurfreight.example";
pub const ONMICROSOFT: &str = "larkspurfreight.onmicrosoft.example";
pub const SHAREPOINT_HOST: &str = "larkspurfreight.sharepoint.example";
pub const ONEDRIVE_HOST: &str = "larkspurfreight-my.sharepoint.example";

/// A place a sign-in can come from, as Entra geolocates it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Place {
    pub city: &'static str,
    pub state: &'static str,
    pub country: &'static str,
    pub lat: f64,
    pub lon: f64,
}

impl Place {
    /// The admin center's `Location` column: `City, State, CC`.
    pub fn label(&self) -> String {
        format!("{}, {}, {}", self.city, self.state, self.country)
    }
}

pub const COLUMBUS: Place = Place { city: "Columbus", state: "Ohio", country: "US", lat: 39.9612, lon: -82.9988 };
pub const DAYTON: Place = Place { city: "Dayton", state: "Ohio", country: "US", lat: 39.7589, lon: -84.1916 };
pub const CHICAGO: Place = Place { city: "Chicago", state: "Illinois", country: "US", lat: 41.8781, lon: -87.6298 };
pub const SEATTLE: Place = Place { city: "Seattle", state: "Washington", country: "US", lat: 47.6062, lon: -122.3321 };
pub const LONDON: Place = Place { city: "London", state: "England", country: "GB", lat: 51.5072, lon: -0.1276 };
pub const TORONTO: Place = Place { city: "Toronto", state: "Ontario", country: "CA", lat: 43.6532, lon: -79.3832 };
pub const MONTERREY: Place = Place { city: "Monterrey", state: "Nuevo Leon", country: "MX", lat: 25.6866, lon: -100.3161 };
pub const AMSTERDAM: Place = Place { city: "Amsterdam", state: "Noord-Holland", country: "NL", lat: 52.3676, lon: 4.9041 };
pub const BUCHAREST: Place = Place { city: "Bucharest", state: "Bucuresti", country: "RO", lat: 44.4268, lon: 26.1025 };
pub const ASHBURN: Place = Place { city: "Ashburn", state: "Virginia", country: "US", lat: 39.0438, lon: -77.4874 };
pub const FRANKFURT: Place = Place { city: "Frankfurt am Main", state: "Hessen", country: "DE", lat: 50.1109, lon: 8.6821 };

/// Office internet egress (the firewall's public addresses).
pub const OFFICE_EGRESS: [&str; 2] = ["192.0.2.10", "192.0.2.11"];
/// The company VPN concentrator's egress, used by IT staff abroad.
pub const VPN_EGRESS: &str = "198.51.100.250";
/// Exchange Online front-end servers as they appear in `OriginatingServer`.
pub const EXCHANGE_SERVERS: [&str; 4] = [
    "CH2PR14MB3849 (15.20.7316.031)",
    "BN8PR14MB2931 (15.20.7316.031)",
    "SA1PR14MB5528 (15.20.7339.016)",
    "MN2PR14MB4410 (15.20.7339.016)",
];

/// A device a user signs in from.
#[derive(Clone, Debug)]
pub struct Device {
    pub id: String,
    pub name: String,
    /// Admin center spelling (`Windows10`, `MacOs`, `Ios`).
    pub os: &'static str,
    /// Admin center spelling, e.g. `Edge 121.0.0`.
    pub browser: &'static str,
    pub browser_ua: &'static str,
    /// Desktop mail client user agent (Outlook) on this device.
    pub mail_ua: &'static str,
    pub teams_ua: &'static str,
    pub compliant: bool,
    pub managed: bool,
    /// Admin center spelling (`Azure AD joined`, `Azure AD registered`).
    pub join_type: &'static str,
    /// Graph spelling of the same (`AzureAd`, `Workplace`).
    pub trust_type: &'static str,
}

const UA_EDGE: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36 Edg/121.0.2277.83";
const UA_CHROME_WIN: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36";
const UA_SAFARI_MAC: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2.1 Safari/605.1.15";
const UA_OUTLOOK_WIN: &str = "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17231; Pro)";
const UA_OUTLOOK_MAC: &str = "MacOutlook/16.81.24011420 (Intelx64 Mac OS X 14.2.1 (Build 23C71))";
const UA_TEAMS_WIN: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0 Teams/24004.1403.2634.2418/49";
const UA_TEAMS_MAC: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Teams/24004.1403.2634.2418/49";
pub const UA_IPHONE_SAFARI: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1";
pub const UA_OUTLOOK_IOS: &str = "Outlook-iOS/723.4027091.prod.iphone (4.2405.0)";

/// A member of staff.
#[derive(Clone, Debug)]
pub struct User {
    pub id: String,
    pub display_name: String,
    pub upn: String,
    pub department: &'static str,
    /// Hours from UTC of the user's working time zone (February, no DST).
    pub utc_offset: i64,
    pub office: Place,
    pub home: Place,
    /// Share of working days spent at home.
    pub remote_share: f64,
    pub home_ip: String,
    pub laptop: Device,
    pub phone: Device,
    /// Admin center spelling of the default MFA method.
    pub mfa_method: &'static str,
    /// Travels abroad on some days (legitimate foreign sign-ins).
    pub trips: Vec<Trip>,
    /// Sometimes connects through the company VPN (foreign egress).
    pub uses_vpn: bool,
    pub is_helpdesk: bool,
    /// Exchange `UserKey` / `MailboxOwnerSid`-style identifiers.
    pub puid: String,
    pub sid: String,
    pub mailbox_guid: String,
    /// Joins the company during the window (day index); absent before.
    pub starts_on_day: i64,
}

/// A stretch of days abroad with the hotel's address.
#[derive(Clone, Debug)]
pub struct Trip {
    pub first_day: i64,
    pub last_day: i64,
    pub place: Place,
    pub ip: String,
    pub utc_offset: i64,
}

struct Person {
    given: &'static str,
    family: &'static str,
    department: &'static str,
}

const PEOPLE: [Person; 20] = [
    Person { given: "Avery", family: "Lindqvist", department: "Finance" },
    Person { given: "Priya", family: "Raman", department: "Finance" },
    Person { given: "Marcus", family: "Okafor", department: "Accounts Payable" },
    Person { given: "Dana", family: "Whitfield", department: "Accounts Payable" },
    Person { given: "Tomasz", family: "Nowicki", department: "Operations" },
    Person { given: "Keiko", family: "Tanabe", department: "Operations" },
    Person { given: "Luis", family: "Carvalho", department: "Operations" },
    Person { given: "Hannah", family: "Brandt", department: "Sales" },
    Person { given: "Rafael", family: "Mendes", department: "Sales" },
    Person { given: "Sofia", family: "Marchetti", department: "Sales" },
    Person { given: "Jamal", family: "Haddad", department: "IT" },
    Person { given: "Erin", family: "Gallagher", department: "IT" },
    Person { given: "Noah", family: "Feldman", department: "Legal" },
    Person { given: "Grace", family: "Achterberg", department: "HR" },
    Person { given: "Oliver", family: "Pennington", department: "Customer Service" },
    Person { given: "Mei", family: "Zhou", department: "Customer Service" },
    Person { given: "Samuel", family: "Adeyemi", department: "Logistics" },
    Person { given: "Ingrid", family: "Solberg", department: "Logistics" },
    Person { given: "Victor", family: "Duarte", department: "Executive" },
    Person { given: "Chloe", family: "Ambrose", department: "Marketing" },
];

/// Indexes into the staff list with a story of their own.
pub const TRAVELLER_SALES: usize = 8;
pub const TRAVELLER_EXEC: usize = 18;
pub const VPN_USER: usize = 11;
pub const HELPDESK: usize = 10;
pub const NEW_HIRE: usize = 19;
pub const UK_USER: usize = 9;
pub const SEATTLE_USER: usize = 16;
pub const CHICAGO_USER: usize = 7;
/// Staff the attacker may pick as the one victim (ordinary, non-IT users
/// without travel of their own, so foreign sign-ins stand out).
pub const VICTIM_CANDIDATES: [usize; 4] = [0, 1, 2, 3];

fn windows_laptop(rng: &mut Rng, owner: &str, chrome: bool) -> Device {
    Device {
        id: rng.guid(),
        name: format!("LKF-{}-{}", owner, rng.alnum_upper(4)),
        os: "Windows10",
        browser: if chrome { "Chrome 121.0.0" } else { "Edge 121.0.0" },
        browser_ua: if chrome { UA_CHROME_WIN } else { UA_EDGE },
        mail_ua: UA_OUTLOOK_WIN,
        teams_ua: UA_TEAMS_WIN,
        compliant: true,
        managed: true,
        join_type: "Azure AD joined",
        trust_type: "AzureAd",
    }
}

fn mac_laptop(rng: &mut Rng, owner: &str) -> Device {
    Device {
        id: rng.guid(),
        name: format!("LKF-MAC-{}-{}", owner, rng.alnum_upper(3)),
        os: "MacOs",
        browser: "Safari 17.2.1",
        browser_ua: UA_SAFARI_MAC,
        mail_ua: UA_OUTLOOK_MAC,
        teams_ua: UA_TEAMS_MAC,
        compliant: true,
        managed: true,
        join_type: "Azure AD registered",
        trust_type: "Workplace",
    }
}

fn iphone(rng: &mut Rng) -> Device {
    Device {
        id: rng.guid(),
        name: "iPhone".into(),
        os: "Ios",
        browser: "Mobile Safari 17.3",
        browser_ua: UA_IPHONE_SAFARI,
        mail_ua: UA_OUTLOOK_IOS,
        teams_ua: UA_OUTLOOK_IOS,
        compliant: false,
        managed: false,
        join_type: "Azure AD registered",
        trust_type: "Workplace",
    }
}

/// A home broadband address: IPv4 from 198.51.100.0/24 (below the VPN's),
/// or IPv6 from 2001:db8::/32 for some households.
fn home_address(rng: &mut Rng, index: usize) -> String {
    if index % 5 == 4 {
        format!("2001:db8:{:x}:{:x}::{:x}", 0x1000 + index, rng.below(0xffff), rng.range(2, 0xfff))
    } else {
        format!("198.51.100.{}", 20 + index * 9 + rng.below(8) as usize)
    }
}

/// The tenant's staff, in a fixed order; ids and addresses vary with the seed.
pub fn staff(rng: &mut Rng) -> Vec<User> {
    PEOPLE
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let initial = p.given.chars().next().unwrap_or('x').to_ascii_uppercase();
            let short = format!("{}{}", initial, p.family.chars().take(3).collect::<String>().to_ascii_uppercase());
            let (utc_offset, office, home) = match i {
                UK_USER => (0, LONDON, LONDON),
                SEATTLE_USER => (-8, SEATTLE, SEATTLE),
                CHICAGO_USER => (-6, CHICAGO, CHICAGO),
                _ if i % 3 == 0 => (-5, COLUMBUS, DAYTON),
                _ => (-5, COLUMBUS, COLUMBUS),
            };
            let laptop = if p.department == "Marketing" || i == TRAVELLER_EXEC { mac_laptop(rng, &short) } else { windows_laptop(rng, &short, i % 4 == 1) };
            let mut user = User {
                id: rng.guid(),
                display_name: format!("{} {}", p.given, p.family),
                upn: format!("{}.{}@{}", p.given.to_ascii_lowercase(), p.family.to_ascii_lowercase(), DOMAIN),
                department: p.department,
                utc_offset,
                office,
                home,
                remote_share: if matches!(i, UK_USER | SEATTLE_USER | CHICAGO_USER) { 1.0 } else { 0.15 + (i % 4) as f64 * 0.1 },
                home_ip: home_address(rng, i),
                laptop,
                phone: iphone(rng),
                mfa_method: if i % 6 == 5 { "Text message" } else { "Mobile app notification" },
                trips: Vec::new(),
                uses_vpn: i == VPN_USER,
                is_helpdesk: i == HELPDESK,
                puid: format!("10032003{}", rng.hex_upper(8)),
                sid: format!("S-1-5-21-{}-{}-{}-{}", 1_100_000_000 + rng.below(90_000_000), 2_000_000_000 + rng.below(90_000_000), 3_000_000_000 + rng.below(90_000_000), 4_000_000 + rng.below(900_000)),
                mailbox_guid: rng.guid(),
                starts_on_day: if i == NEW_HIRE { 8 } else { 0 },
            };
            if i == TRAVELLER_SALES {
                let first = 9 + rng.range(0, 2);
                user.trips.push(Trip { first_day: first, last_day: first + 3, place: TORONTO, ip: "198.51.100.201".into(), utc_offset: -5 });
                let second = 23 + rng.range(0, 1);
                user.trips.push(Trip { first_day: second, last_day: second + 2, place: MONTERREY, ip: "198.51.100.214".into(), utc_offset: -6 });
            }
            if i == TRAVELLER_EXEC {
                let first = 15 + rng.range(0, 2);
                user.trips.push(Trip { first_day: first, last_day: first + 4, place: LONDON, ip: "198.51.100.227".into(), utc_offset: 0 });
            }
            user
        })
        .collect()
}

impl User {
    pub fn trip_on(&self, day: i64) -> Option<&Trip> {
        self.trips.iter().find(|t| (t.first_day..=t.last_day).contains(&day))
    }

    /// Working-time offset on a given day (travellers keep local hours abroad).
    pub fn offset_on(&self, day: i64) -> i64 {
        self.trip_on(day).map_or(self.utc_offset, |t| t.utc_offset)
    }

    pub fn mailbox_path(&self) -> String {
        self.upn.replace(['.', '@'], "_")
    }

    pub fn onedrive_url(&self) -> String {
        format!("https://{}/personal/{}/", ONEDRIVE_HOST, self.mailbox_path())
    }
}

/// An application as sign-in logs name it: display name and app id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct App {
    pub name: Cow<'static, str>,
    pub id: Cow<'static, str>,
}

const fn app(name: &'static str, id: &'static str) -> App {
    App { name: Cow::Borrowed(name), id: Cow::Borrowed(id) }
}

// Microsoft first-party applications (public, well-known app ids).
pub const APP_OFFICE_HOME: App = app("OfficeHome", "4765445b-32c6-49b0-83e6-1d93765276ca");
pub const APP_OFFICE: App = app("Microsoft Office", "d3590ed6-52b3-4102-aeff-aad2292ab01c");
pub const APP_TEAMS: App = app("Microsoft Teams", "1fec8e78-bce4-4aaf-ab1b-5451cc387264");
pub const APP_OUTLOOK_MOBILE: App = app("Outlook Mobile", "27922004-5251-4030-b22d-91ecd9a37ea4");
pub const APP_ONEDRIVE_SYNC: App = app("OneDrive SyncEngine", "ab9b8c07-8f02-4f72-87fa-80105867a763");
pub const APP_MY_SIGNINS: App = app("My Signins", "19db86c3-b2b9-44cc-b339-36da233a3be2");
pub const APP_AZURE_PORTAL: App = app("Azure Portal", "c44b4083-3bb0-49c1-b47d-974e53cbdf3c");
pub const APP_WINDOWS_SIGN_IN: App = app("Windows Sign In", "38aa3b87-a06d-4817-b275-7a316988d93b");
pub const APP_ADMIN_CENTER: App = app("ADIbizaUX", "74658136-14ec-4630-ad9b-26e160ff0fc6");
pub const APP_OWA: App = app("Outlook Web App", "00000002-0000-0ff1-ce00-000000000000");

// Resources (what a token is for).
pub const RES_EXCHANGE: App = app("Office 365 Exchange Online", "00000002-0000-0ff1-ce00-000000000000");
pub const RES_SHAREPOINT: App = app("Office 365 SharePoint Online", "00000003-0000-0ff1-ce00-000000000000");
pub const RES_GRAPH: App = app("Microsoft Graph", "00000003-0000-0000-c000-000000000000");
pub const RES_TEAMS: App = app("Microsoft Teams Services", "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe");
pub const RES_AAD_GRAPH: App = app("Windows Azure Active Directory", "00000002-0000-0000-c000-000000000000");
pub const RES_AZURE_MGMT: App = app("Windows Azure Service Management API", "797f4846-ba00-4fd7-ba43-dac1f8f63013");
