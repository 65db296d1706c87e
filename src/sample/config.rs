//! The fictional tenant's configuration, and the two Microsoft Graph
//! snapshots of it an analyst would compare: the known-good baseline
//! exported before the month starts, and the current one exported after it
//! ends, with every change made in between (the attacker's and the IT
//! team's) applied in time order.
//!
//! Each snapshot is one file per collection, each file one Graph response
//! page (`@odata.context` and `value`) as a script saving `GET` responses
//! writes it; the authentication methods policy is a single entity, and the
//! users page carries each user's registered sign-in methods under
//! `authenticationMethods`, merged in by the export script (Graph lists
//! them per user at `users/{id}/authentication/methods`).

use super::clock::{self, DAY, HOUR, MINUTE};
use super::formats::json::{Obj, J};
use super::formats::MICROSOFT_TENANT;
use super::people;
use super::records::ConfigChange;
use super::rng::Rng;
use super::world::World;
use super::SampleFile;

const METADATA: &str = "https://graph.microsoft.com/v1.0/$metadata#";

/// When the tenant was set up, and its policies written.
const TENANT_CREATED: i64 = clock::WINDOW_START - 612 * DAY + 14 * HOUR;
const POLICIES_WRITTEN: i64 = clock::WINDOW_START - 401 * DAY + 16 * HOUR;

/// Built-in role template ids (the same in every tenant).
pub const GLOBAL_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";
pub const HELPDESK_ADMINISTRATOR: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
pub const AUTHENTICATION_ADMINISTRATOR: &str = "c4e39bd9-1100-46d3-8c65-fb160da0071f";
/// The roles "Require MFA for administrators" covers.
const ADMIN_ROLES: [&str; 10] = [
    GLOBAL_ADMINISTRATOR,
    "e8611ab8-c189-46e8-94e1-60213ab1f814", // Privileged Role Administrator
    "194ae4cb-b126-40b2-bd5b-6091b380977d", // Security Administrator
    "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9", // Conditional Access Administrator
    "29232cdf-9323-42fd-ade2-1d097af3e4de", // Exchange Administrator
    "f28a1f50-f6e7-4571-818b-6a12f2af6b6c", // SharePoint Administrator
    "fe930be7-5e62-47db-91af-98c3a49a38b1", // User Administrator
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", // Application Administrator
    HELPDESK_ADMINISTRATOR,
    AUTHENTICATION_ADMINISTRATOR,
];

/// Microsoft Graph's permissions the tenant's grants and apps use:
/// (id, value, display name). Ids are the same in every tenant.
const GRAPH_SCOPES: [(&str, &str, &str); 8] = [
    ("e1fe6dd8-ba31-4d61-89e7-88639da4683d", "User.Read", "Sign in and read user profile"),
    ("7427e0e9-2fba-42fe-b0c0-848c9e6a8182", "offline_access", "Maintain access to data you have given it access to"),
    ("37f7f235-527c-4136-accd-4a02d197296e", "openid", "Sign users in"),
    ("14dad69e-099b-42c9-810b-d002981feec1", "profile", "View users' basic profile"),
    ("570282fd-fa5c-430d-a7fd-fc8dc98a9dca", "Mail.Read", "Read user mail"),
    ("024d486e-b451-40bb-833d-3e66d98c5c73", "Mail.ReadWrite", "Read and write access to user mail"),
    ("e383f46e-2787-4529-855e-0e479a3ffac0", "Mail.Send", "Send mail as a user"),
    ("465a38f9-76ea-45b9-9f34-9e8b0d4b0b42", "Calendars.Read", "Read user calendars"),
];
const GRAPH_ROLES: [(&str, &str, &str); 5] = [
    ("810c84a8-4a9e-49e6-bf7d-12d183f40d01", "Mail.Read", "Read mail in all mailboxes"),
    ("e2a3a72e-5f79-4c64-b1b1-878b674786c9", "Mail.ReadWrite", "Read and write mail in all mailboxes"),
    ("b633e1c5-b582-4048-a93e-9f11b44c7e96", "Mail.Send", "Send mail as any user"),
    ("df021288-bdef-4463-88db-98f22de89214", "User.Read.All", "Read all users' full profiles"),
    ("7ab1d382-f21e-4acd-a863-ba3e13f7da61", "Directory.Read.All", "Read directory data"),
];
/// The id of a Graph permission by its value (`Scope` or `Role`).
pub fn graph_permission(value: &str, role: bool) -> Option<&'static str> {
    let list: &[(&str, &str, &str)] = if role { &GRAPH_ROLES } else { &GRAPH_SCOPES };
    list.iter().find(|(_, v, _)| *v == value).map(|(id, _, _)| *id)
}

/// The password method's id is the same for every user.
const PASSWORD_METHOD: &str = "28c10230-6103-485e-b985-444c60001490";
/// The mobile phone method's fixed id.
const MOBILE_PHONE_METHOD: &str = "3179e48a-750b-4051-897c-87b9720928f7";

/// A Conditional Access policy: the conditions and controls this tenant uses.
#[derive(Clone, Debug, Default)]
pub struct CaPolicy {
    pub id: String,
    pub name: String,
    pub created: i64,
    pub modified: Option<i64>,
    pub state: String,
    pub include_users: Vec<String>,
    pub exclude_users: Vec<String>,
    pub include_roles: Vec<String>,
    pub include_apps: Vec<String>,
    pub client_app_types: Vec<String>,
    pub include_locations: Vec<String>,
    pub exclude_locations: Vec<String>,
    pub include_platforms: Vec<String>,
    pub sign_in_risk: Vec<String>,
    pub controls: Vec<String>,
}

fn strings(v: &[String]) -> J {
    J::Arr(v.iter().map(J::from).collect())
}

fn time(ms: i64) -> J {
    J::from(clock::iso_seconds(ms))
}

impl CaPolicy {
    /// Graph's `conditionalAccessPolicy` (v1.0).
    pub fn to_obj(&self) -> Obj {
        let locations = if self.include_locations.is_empty() && self.exclude_locations.is_empty() {
            J::Null
        } else {
            J::Obj(Obj::new().with("includeLocations", strings(&self.include_locations)).with("excludeLocations", strings(&self.exclude_locations)))
        };
        let platforms = if self.include_platforms.is_empty() {
            J::Null
        } else {
            J::Obj(Obj::new().with("includePlatforms", strings(&self.include_platforms)).with("excludePlatforms", J::Arr(Vec::new())))
        };
        let none = || J::Arr(Vec::new());
        let conditions = Obj::new()
            .with("userRiskLevels", none())
            .with("signInRiskLevels", strings(&self.sign_in_risk))
            .with("clientAppTypes", strings(&self.client_app_types))
            .with("servicePrincipalRiskLevels", none())
            .with("platforms", platforms)
            .with("locations", locations)
            .with("devices", J::Null)
            .with("clientApplications", J::Null)
            .with(
                "applications",
                Obj::new()
                    .with("includeApplications", strings(&self.include_apps))
                    .with("excludeApplications", none())
                    .with("includeUserActions", none())
                    .with("includeAuthenticationContextClassReferences", none())
                    .with("applicationFilter", J::Null),
            )
            .with(
                "users",
                Obj::new()
                    .with("includeUsers", strings(&self.include_users))
                    .with("excludeUsers", strings(&self.exclude_users))
                    .with("includeGroups", none())
                    .with("excludeGroups", none())
                    .with("includeRoles", strings(&self.include_roles))
                    .with("excludeRoles", none())
                    .with("includeGuestsOrExternalUsers", J::Null)
                    .with("excludeGuestsOrExternalUsers", J::Null),
            );
        Obj::new()
            .with("id", &self.id)
            .with("templateId", J::Null)
            .with("displayName", &self.name)
            .with("createdDateTime", time(self.created))
            .with("modifiedDateTime", self.modified.map(time))
            .with("state", &self.state)
            .with("sessionControls", J::Null)
            .with("conditions", conditions)
            .with(
                "grantControls",
                Obj::new()
                    .with("operator", "OR")
                    .with("builtInControls", strings(&self.controls))
                    .with("customAuthenticationFactors", none())
                    .with("termsOfUse", none())
                    .with("authenticationStrength", J::Null),
            )
    }
}

/// A named location: IP ranges, or a list of countries.
#[derive(Clone, Debug)]
pub struct NamedLocation {
    pub id: String,
    pub name: String,
    pub created: i64,
    pub modified: i64,
    pub trusted: bool,
    pub ranges: Vec<String>,
    /// Set for a country location (then `ranges` is empty).
    pub countries: Vec<String>,
}

impl NamedLocation {
    /// Graph's `ipNamedLocation` or `countryNamedLocation`.
    pub fn to_obj(&self) -> Obj {
        if !self.countries.is_empty() {
            return Obj::new()
                .with("@odata.type", "#microsoft.graph.countryNamedLocation")
                .with("id", &self.id)
                .with("displayName", &self.name)
                .with("modifiedDateTime", time(self.modified))
                .with("createdDateTime", time(self.created))
                .with("countriesAndRegions", strings(&self.countries))
                .with("includeUnknownCountriesAndRegions", false)
                .with("countryLookupMethod", "clientIpAddress");
        }
        let ranges: Vec<J> = self
            .ranges
            .iter()
            .map(|r| {
                let kind = if r.contains(':') { "#microsoft.graph.iPv6CidrRange" } else { "#microsoft.graph.iPv4CidrRange" };
                J::Obj(Obj::new().with("@odata.type", kind).with("cidrAddress", r))
            })
            .collect();
        Obj::new()
            .with("@odata.type", "#microsoft.graph.ipNamedLocation")
            .with("id", &self.id)
            .with("displayName", &self.name)
            .with("modifiedDateTime", time(self.modified))
            .with("createdDateTime", time(self.created))
            .with("isTrusted", self.trusted)
            .with("ipRanges", ranges)
    }
}

/// A client secret on an app registration.
#[derive(Clone, Debug)]
pub struct Secret {
    pub key_id: String,
    pub name: String,
    pub hint: String,
    pub start: i64,
    pub end: i64,
}

/// A certificate on an app registration.
#[derive(Clone, Debug)]
pub struct Certificate {
    pub key_id: String,
    pub name: String,
    pub thumbprint: String,
    pub start: i64,
    pub end: i64,
}

/// One of the tenant's own app registrations, with its service principal
/// and the Graph permissions it holds.
#[derive(Clone, Debug)]
pub struct OwnApp {
    pub name: String,
    pub app_id: String,
    pub object_id: String,
    pub sp_id: String,
    pub created: i64,
    pub secrets: Vec<Secret>,
    pub certificates: Vec<Certificate>,
    /// Graph application permissions (values), admin-consented.
    pub app_permissions: Vec<String>,
}

/// An enterprise app from another publisher, in the tenant through consent.
#[derive(Clone, Debug)]
struct ConsentedSp {
    id: String,
    app_id: String,
    name: String,
    publisher: String,
    created: i64,
}

#[derive(Clone, Debug)]
struct Grant {
    id: String,
    client_id: String,
    principal: Option<String>,
    scope: String,
}

#[derive(Clone, Debug)]
struct AppRoleAssignment {
    id: String,
    created: i64,
    role_id: String,
    principal_name: String,
    principal_id: String,
}

#[derive(Clone, Debug)]
struct RoleAssignment {
    id: String,
    principal_id: String,
    template: String,
}

/// A registered sign-in method.
#[derive(Clone, Debug)]
enum Method {
    Password,
    Authenticator { id: String, device: String, created: i64 },
    Phone { number: String },
    Fido2 { id: String, name: String, created: i64 },
}

#[derive(Clone, Debug)]
struct Account {
    id: String,
    upn: String,
    display_name: String,
    given: Option<String>,
    surname: Option<String>,
    department: Option<String>,
    job_title: Option<String>,
    phones: Vec<String>,
    created: i64,
    methods: Vec<Method>,
}

/// The tenant's configuration at one moment.
#[derive(Clone, Debug)]
pub struct Tenant {
    tenant_id: String,
    graph_sp_id: String,
    pub policies: Vec<CaPolicy>,
    pub locations: Vec<NamedLocation>,
    pub apps: Vec<OwnApp>,
    consented: Vec<ConsentedSp>,
    grants: Vec<Grant>,
    app_roles: Vec<AppRoleAssignment>,
    roles: Vec<RoleAssignment>,
    accounts: Vec<Account>,
    rng: Rng,
}

pub const POLICY_MFA_ALL: &str = "Require MFA for all users";
pub const POLICY_MFA_ADMINS: &str = "Require MFA for administrators";
pub const LOCATION_OFFICE: &str = "Head office";

fn v(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_string()).collect()
}

/// `+1 6145550142` from the helpdesk's `+1 614 555 0142`.
fn graph_phone(number: &str) -> String {
    match number.split_once(' ') {
        Some((country, rest)) => format!("{country} {}", rest.replace(' ', "")),
        None => number.to_string(),
    }
}

impl Tenant {
    /// The configuration as the baseline export found it: staff (without
    /// anyone who joins during the month) and a break-glass account, the
    /// IT admin as Global Administrator and the helpdesk lead as Helpdesk
    /// Administrator, five Conditional Access policies, three named locations.
    pub fn baseline(world: &World, mut rng: Rng) -> Tenant {
        let break_glass = rng.guid();
        let mut accounts = vec![Account {
            id: break_glass.clone(),
            upn: format!("breakglass01@{}", people::ONMICROSOFT),
            display_name: "Emergency Access 01".into(),
            given: None,
            surname: None,
            department: None,
            job_title: None,
            phones: Vec::new(),
            created: TENANT_CREATED + 2 * HOUR,
            methods: vec![Method::Password, Method::Fido2 { id: rng.guid(), name: "Break glass key 1".into(), created: TENANT_CREATED + 3 * HOUR }],
        }];
        for (i, user) in world.users.iter().enumerate().filter(|(_, u)| u.starts_on_day == 0) {
            let created = TENANT_CREATED + (i as i64 * 37 + rng.range(0, 300)) * DAY / 10;
            let registered = created + rng.range(1, 20) * DAY;
            let mut methods = vec![Method::Password];
            if user.mfa_method == "Text message" {
                methods.push(Method::Phone { number: format!("+1 614555{:04}", 100 + rng.below(9800)) });
            } else {
                methods.push(Method::Authenticator { id: rng.guid(), device: user.phone.name.clone(), created: registered });
            }
            accounts.push(Account::staff(user, created, methods));
        }
        let admin = &world.users[people::VPN_USER];
        let helpdesk = &world.users[people::HELPDESK];
        let mut roles = Vec::new();
        for (principal, template) in [(&break_glass, GLOBAL_ADMINISTRATOR), (&admin.id, GLOBAL_ADMINISTRATOR), (&helpdesk.id, HELPDESK_ADMINISTRATOR)] {
            roles.push(RoleAssignment { id: format!("{}-1", rng.base64ish(43)), principal_id: principal.clone(), template: template.into() });
        }
        let office = NamedLocation {
            id: rng.guid(),
            name: LOCATION_OFFICE.into(),
            created: POLICIES_WRITTEN - 2 * DAY,
            modified: POLICIES_WRITTEN - 2 * DAY,
            trusted: true,
            ranges: v(&["192.0.2.8/29"]),
            countries: Vec::new(),
        };
        let vpn = NamedLocation {
            id: rng.guid(),
            name: "Company VPN".into(),
            created: POLICIES_WRITTEN - 2 * DAY + 20 * MINUTE,
            modified: POLICIES_WRITTEN - 2 * DAY + 20 * MINUTE,
            trusted: true,
            ranges: vec![format!("{}/32", people::VPN_EGRESS)],
            countries: Vec::new(),
        };
        let countries = NamedLocation {
            id: rng.guid(),
            name: "Operating countries".into(),
            created: POLICIES_WRITTEN - DAY,
            modified: POLICIES_WRITTEN + 90 * DAY,
            trusted: false,
            ranges: Vec::new(),
            countries: v(&["US", "CA", "MX", "GB", "NL"]),
        };
        let policy = |rng: &mut Rng, name: &str, minutes: i64| CaPolicy {
            id: rng.guid(),
            name: name.into(),
            created: POLICIES_WRITTEN + minutes * MINUTE,
            modified: None,
            state: "enabled".into(),
            include_users: v(&["All"]),
            exclude_users: vec![break_glass.clone()],
            include_apps: v(&["All"]),
            client_app_types: v(&["all"]),
            ..CaPolicy::default()
        };
        let mut policies = Vec::new();
        let mut p = policy(&mut rng, POLICY_MFA_ALL, 0);
        p.exclude_locations = v(&["AllTrusted"]);
        p.controls = v(&["mfa"]);
        policies.push(p);
        let mut p = policy(&mut rng, "Block legacy authentication", 6);
        p.client_app_types = v(&["exchangeActiveSync", "other"]);
        p.controls = v(&["block"]);
        policies.push(p);
        let mut p = policy(&mut rng, POLICY_MFA_ADMINS, 11);
        p.include_users = Vec::new();
        p.include_roles = v(&ADMIN_ROLES);
        p.controls = v(&["mfa"]);
        policies.push(p);
        let mut p = policy(&mut rng, "Require MFA for admin portals", 15);
        p.include_apps = v(&["MicrosoftAdminPortals"]);
        p.controls = v(&["mfa"]);
        policies.push(p);
        let mut p = policy(&mut rng, "Require MFA for risky sign-ins", 22);
        p.sign_in_risk = v(&["high", "medium"]);
        p.controls = v(&["mfa"]);
        p.modified = Some(POLICIES_WRITTEN + 140 * DAY);
        policies.push(p);
        let mut p = policy(&mut rng, "Block sign-ins outside operating countries (pilot)", 31);
        p.state = "enabledForReportingButNotEnforced".into();
        p.include_locations = v(&["All"]);
        p.exclude_locations = vec![countries.id.clone()];
        p.controls = v(&["block"]);
        p.modified = Some(POLICIES_WRITTEN + 90 * DAY);
        policies.push(p);
        Tenant {
            tenant_id: world.tenant_id.clone(),
            graph_sp_id: world.graph_sp_id.clone(),
            policies,
            locations: vec![office, vpn, countries],
            apps: Vec::new(),
            consented: Vec::new(),
            grants: Vec::new(),
            app_roles: Vec::new(),
            roles,
            accounts,
            rng,
        }
    }

    pub fn policy(&self, name: &str) -> Option<&CaPolicy> {
        self.policies.iter().find(|p| p.name == name)
    }

    pub fn location(&self, name: &str) -> Option<&NamedLocation> {
        self.locations.iter().find(|l| l.name == name)
    }

    /// The id of `principal`'s assignment of role `template`, if any.
    pub fn role_assignment_id(&self, principal: &str, template: &str) -> Option<String> {
        self.roles.iter().find(|r| r.principal_id == principal && r.template == template).map(|r| r.id.clone())
    }

    /// Add one of the tenant's own apps as it stood before the month.
    pub fn add_own_app(&mut self, app: OwnApp) {
        for permission in &app.app_permissions {
            if let Some(role_id) = graph_permission(permission, true) {
                let id = self.rng.base64ish(43);
                self.app_roles.push(AppRoleAssignment { id, created: app.created + HOUR, role_id: role_id.into(), principal_name: app.name.clone(), principal_id: app.sp_id.clone() });
            }
        }
        self.apps.push(app);
    }

    /// The configuration after `changes`, applied in time order (stable).
    pub fn after(&self, changes: &[(i64, ConfigChange)]) -> Tenant {
        let mut next = self.clone();
        let mut ordered: Vec<&(i64, ConfigChange)> = changes.iter().collect();
        ordered.sort_by_key(|(t, _)| *t);
        for (t, change) in ordered {
            next.apply(*t, change);
        }
        next
    }

    fn apply(&mut self, t: i64, change: &ConfigChange) {
        match change {
            ConfigChange::Consent { app_name, app_id, sp_id, grant_id, scopes, principal, publisher } => {
                if !self.consented.iter().any(|s| &s.id == sp_id) {
                    self.consented.push(ConsentedSp { id: sp_id.clone(), app_id: app_id.clone(), name: app_name.clone(), publisher: publisher.clone(), created: t });
                }
                self.grants.push(Grant { id: grant_id.clone(), client_id: sp_id.clone(), principal: principal.clone(), scope: scopes.clone() });
            }
            ConfigChange::UserAdded { id, upn, display_name, department } => {
                let (given, surname) = match display_name.split_once(' ') {
                    Some((g, s)) if !department.is_empty() => (Some(g.to_string()), Some(s.to_string())),
                    _ => (None, None),
                };
                self.accounts.push(Account {
                    id: id.clone(),
                    upn: upn.clone(),
                    display_name: display_name.clone(),
                    given,
                    surname,
                    department: Some(department.clone()).filter(|d| !d.is_empty()),
                    job_title: None,
                    phones: Vec::new(),
                    created: t,
                    methods: vec![Method::Password],
                });
            }
            ConfigChange::PhoneSet { user_id, phone } => {
                if let Some(a) = self.accounts.iter_mut().find(|a| &a.id == user_id) {
                    a.phones = vec![phone.clone()];
                }
            }
            ConfigChange::AuthenticatorAdded { user_id, method_id, device } => {
                let id = method_id.clone().unwrap_or_else(|| self.rng.guid());
                if let Some(a) = self.accounts.iter_mut().find(|a| &a.id == user_id) {
                    a.methods.push(Method::Authenticator { id, device: device.clone(), created: t });
                }
            }
            ConfigChange::AppSecrets { app_object_id, secrets } => {
                let hints: Vec<String> = secrets.iter().map(|_| self.rng.base64ish(3)).collect();
                if let Some(app) = self.apps.iter_mut().find(|a| &a.object_id == app_object_id) {
                    let kept: Vec<Secret> = app.secrets.iter().filter(|s| secrets.iter().any(|(id, _, _)| *id == s.key_id)).cloned().collect();
                    let mut list = kept;
                    for ((id, name, days), hint) in secrets.iter().zip(hints) {
                        if !list.iter().any(|s| &s.key_id == id) {
                            list.push(Secret { key_id: id.clone(), name: name.clone(), hint, start: t, end: t + days * DAY });
                        }
                    }
                    app.secrets = list;
                }
            }
            ConfigChange::RoleAdded { assignment_id, principal_id, template } => {
                self.roles.push(RoleAssignment { id: assignment_id.clone(), principal_id: principal_id.clone(), template: template.clone() });
            }
            ConfigChange::RoleRemoved { principal_id, template } => self.roles.retain(|r| !(&r.principal_id == principal_id && &r.template == template)),
            ConfigChange::PolicyState { policy_id, state } => {
                if let Some(p) = self.policies.iter_mut().find(|p| &p.id == policy_id) {
                    p.state = state.clone();
                    p.modified = Some(t);
                }
            }
            ConfigChange::PolicyAdded { policy } => self.policies.push((**policy).clone()),
            ConfigChange::LocationRangeAdded { location_id, cidr } => {
                if let Some(l) = self.locations.iter_mut().find(|l| &l.id == location_id) {
                    l.ranges.push(cidr.clone());
                    l.modified = t;
                }
            }
        }
    }

    /// Whether an object of this Graph type (`tenant::ObjectKind::slug`) and id is here.
    pub fn contains(&self, kind: &str, id: &str) -> bool {
        match kind {
            "conditionalAccessPolicy" => self.policies.iter().any(|p| p.id == id),
            "namedLocation" => self.locations.iter().any(|l| l.id == id),
            "application" => self.apps.iter().any(|a| a.object_id == id),
            "servicePrincipal" => id == self.graph_sp_id || self.apps.iter().any(|a| a.sp_id == id) || self.consented.iter().any(|s| s.id == id),
            "oauth2PermissionGrant" => self.grants.iter().any(|g| g.id == id),
            "roleAssignment" => self.roles.iter().any(|r| r.id == id),
            "user" => self.accounts.iter().any(|a| a.id == id),
            _ => false,
        }
    }

    /// The snapshot's files, each in `folder/`.
    pub fn files(&self, folder: &str) -> Vec<SampleFile> {
        let page = |context: &str, items: Vec<Obj>| -> Vec<u8> {
            let value: Vec<J> = items.into_iter().map(J::Obj).collect();
            let obj = Obj::new().with("@odata.context", format!("{METADATA}{context}")).with("value", value);
            pretty(&obj)
        };
        let file = |name: &str, contents: Vec<u8>| SampleFile { name: format!("{folder}/{name}"), contents };
        let users_select = "users(id,displayName,givenName,surname,userPrincipalName,mail,businessPhones,jobTitle,department,accountEnabled,createdDateTime)";
        vec![
            file(FILE_POLICIES, page("identity/conditionalAccess/policies", self.policies.iter().map(CaPolicy::to_obj).collect())),
            file(FILE_LOCATIONS, page("identity/conditionalAccess/namedLocations", self.locations.iter().map(NamedLocation::to_obj).collect())),
            file(FILE_AUTH_POLICY, pretty(&auth_methods_policy())),
            file(FILE_DOMAINS, page("domains", domains())),
            file(FILE_APPLICATIONS, page("applications", self.apps.iter().map(|a| self.application(a)).collect())),
            file(FILE_SERVICE_PRINCIPALS, page("servicePrincipals", self.service_principals())),
            file(FILE_GRANTS, page("oauth2PermissionGrants", self.grants.iter().map(|g| self.grant(g)).collect())),
            file(FILE_APP_ROLES, page(&format!("servicePrincipals('{}')/appRoleAssignedTo", self.graph_sp_id), self.app_roles.iter().map(|a| self.app_role(a)).collect())),
            file(FILE_ROLES, page("roleManagement/directory/roleAssignments", self.roles.iter().map(role_assignment).collect())),
            file(FILE_USERS, page(users_select, self.accounts.iter().map(Account::to_obj).collect())),
        ]
    }

    fn application(&self, app: &OwnApp) -> Obj {
        let secrets: Vec<J> = app
            .secrets
            .iter()
            .map(|s| {
                J::Obj(
                    Obj::new()
                        .with("customKeyIdentifier", J::Null)
                        .with("displayName", &s.name)
                        .with("endDateTime", time(s.end))
                        .with("hint", &s.hint)
                        .with("keyId", &s.key_id)
                        .with("secretText", J::Null)
                        .with("startDateTime", time(s.start)),
                )
            })
            .collect();
        let certificates: Vec<J> = app
            .certificates
            .iter()
            .map(|c| {
                J::Obj(
                    Obj::new()
                        .with("customKeyIdentifier", &c.thumbprint)
                        .with("displayName", &c.name)
                        .with("endDateTime", time(c.end))
                        .with("key", J::Null)
                        .with("keyId", &c.key_id)
                        .with("startDateTime", time(c.start))
                        .with("type", "AsymmetricX509Cert")
                        .with("usage", "Verify"),
                )
            })
            .collect();
        let access: Vec<J> = app
            .app_permissions
            .iter()
            .filter_map(|p| graph_permission(p, true))
            .map(|id| J::Obj(Obj::new().with("id", id).with("type", "Role")))
            .collect();
        Obj::new()
            .with("id", &app.object_id)
            .with("deletedDateTime", J::Null)
            .with("appId", &app.app_id)
            .with("createdDateTime", time(app.created))
            .with("displayName", &app.name)
            .with("publisherDomain", people::DOMAIN)
            .with("signInAudience", "AzureADMyOrg")
            .with("identifierUris", J::Arr(Vec::new()))
            .with("keyCredentials", certificates)
            .with("passwordCredentials", secrets)
            .with(
                "web",
                Obj::new()
                    .with("homePageUrl", J::Null)
                    .with("logoutUrl", J::Null)
                    .with("redirectUris", J::Arr(Vec::new()))
                    .with("implicitGrantSettings", Obj::new().with("enableAccessTokenIssuance", false).with("enableIdTokenIssuance", false)),
            )
            .with("requiredResourceAccess", vec![J::Obj(Obj::new().with("resourceAppId", people::RES_GRAPH.id.as_ref()).with("resourceAccess", access))])
    }

    fn service_principals(&self) -> Vec<Obj> {
        let scopes: Vec<J> = GRAPH_SCOPES
            .iter()
            .map(|(id, value, name)| {
                J::Obj(
                    Obj::new()
                        .with("adminConsentDescription", format!("Allows the app to {}.", name.to_lowercase()))
                        .with("adminConsentDisplayName", *name)
                        .with("id", *id)
                        .with("isEnabled", true)
                        .with("type", "User")
                        .with("userConsentDescription", format!("Allows the app to {}.", name.to_lowercase()))
                        .with("userConsentDisplayName", *name)
                        .with("value", *value),
                )
            })
            .collect();
        let roles: Vec<J> = GRAPH_ROLES
            .iter()
            .map(|(id, value, name)| {
                J::Obj(
                    Obj::new()
                        .with("allowedMemberTypes", vec![J::from("Application")])
                        .with("description", format!("Allows the app to {} without a signed-in user.", name.to_lowercase()))
                        .with("displayName", *name)
                        .with("id", *id)
                        .with("isEnabled", true)
                        .with("origin", "Application")
                        .with("value", *value),
                )
            })
            .collect();
        let sp = |id: &str, app_id: &str, name: &str, owner: &str, created: i64, tags: Vec<J>| {
            Obj::new()
                .with("id", id)
                .with("deletedDateTime", J::Null)
                .with("accountEnabled", true)
                .with("appDisplayName", name)
                .with("appId", app_id)
                .with("appOwnerOrganizationId", owner)
                .with("appRoleAssignmentRequired", false)
                .with("createdDateTime", time(created))
                .with("displayName", name)
                .with("servicePrincipalNames", vec![J::from(app_id)])
                .with("servicePrincipalType", "Application")
                .with("signInAudience", if owner == self.tenant_id { "AzureADMyOrg" } else { "AzureADMultipleOrgs" })
                .with("tags", tags)
                .with("keyCredentials", J::Arr(Vec::new()))
                .with("passwordCredentials", J::Arr(Vec::new()))
                .with("replyUrls", J::Arr(Vec::new()))
        };
        let mut graph = sp(&self.graph_sp_id, people::RES_GRAPH.id.as_ref(), "Microsoft Graph", MICROSOFT_TENANT, TENANT_CREATED, Vec::new());
        graph.push("appRoles", roles);
        graph.push("oauth2PermissionScopes", scopes);
        let integrated = || vec![J::from("HideApp"), J::from("WindowsAzureActiveDirectoryIntegratedApp")];
        let mut out = vec![graph];
        for app in &self.apps {
            let mut o = sp(&app.sp_id, &app.app_id, &app.name, &self.tenant_id, app.created, integrated());
            o.push("appRoles", J::Arr(Vec::new()));
            o.push("oauth2PermissionScopes", J::Arr(Vec::new()));
            out.push(o);
        }
        for c in &self.consented {
            let mut o = sp(&c.id, &c.app_id, &c.name, &c.publisher, c.created, vec![J::from("WindowsAzureActiveDirectoryIntegratedApp")]);
            o.push("appRoles", J::Arr(Vec::new()));
            o.push("oauth2PermissionScopes", J::Arr(Vec::new()));
            out.push(o);
        }
        out
    }

    fn grant(&self, g: &Grant) -> Obj {
        Obj::new()
            .with("clientId", &g.client_id)
            .with("consentType", if g.principal.is_some() { "Principal" } else { "AllPrincipals" })
            .with("id", &g.id)
            .with("principalId", g.principal.as_ref())
            .with("resourceId", &self.graph_sp_id)
            .with("scope", &g.scope)
    }

    fn app_role(&self, a: &AppRoleAssignment) -> Obj {
        Obj::new()
            .with("id", &a.id)
            .with("deletedDateTime", J::Null)
            .with("appRoleId", &a.role_id)
            .with("createdDateTime", time(a.created))
            .with("principalDisplayName", &a.principal_name)
            .with("principalId", &a.principal_id)
            .with("principalType", "ServicePrincipal")
            .with("resourceDisplayName", "Microsoft Graph")
            .with("resourceId", &self.graph_sp_id)
    }
}

fn role_assignment(r: &RoleAssignment) -> Obj {
    Obj::new().with("id", &r.id).with("principalId", &r.principal_id).with("directoryScopeId", "/").with("roleDefinitionId", &r.template)
}

impl Account {
    fn staff(user: &people::User, created: i64, methods: Vec<Method>) -> Account {
        let (given, surname) = user.display_name.split_once(' ').map_or((None, None), |(g, s)| (Some(g.to_string()), Some(s.to_string())));
        Account {
            id: user.id.clone(),
            upn: user.upn.clone(),
            display_name: user.display_name.clone(),
            given,
            surname,
            department: Some(user.department.to_string()),
            job_title: None,
            phones: Vec::new(),
            created,
            methods,
        }
    }

    fn to_obj(&self) -> Obj {
        let methods: Vec<J> = self
            .methods
            .iter()
            .map(|m| {
                J::Obj(match m {
                    Method::Password => Obj::new()
                        .with("@odata.type", "#microsoft.graph.passwordAuthenticationMethod")
                        .with("id", PASSWORD_METHOD)
                        .with("password", J::Null)
                        .with("createdDateTime", J::Null),
                    Method::Authenticator { id, device, created } => Obj::new()
                        .with("@odata.type", "#microsoft.graph.microsoftAuthenticatorAuthenticationMethod")
                        .with("id", id)
                        .with("displayName", device)
                        .with("deviceTag", "SoftwareTokenActivated")
                        .with("phoneAppVersion", "6.2401.0119")
                        .with("createdDateTime", time(*created)),
                    Method::Phone { number } => Obj::new()
                        .with("@odata.type", "#microsoft.graph.phoneAuthenticationMethod")
                        .with("id", MOBILE_PHONE_METHOD)
                        .with("phoneNumber", number)
                        .with("phoneType", "mobile")
                        .with("smsSignInState", "notAllowedByPolicy"),
                    Method::Fido2 { id, name, created } => Obj::new()
                        .with("@odata.type", "#microsoft.graph.fido2AuthenticationMethod")
                        .with("id", id)
                        .with("displayName", name)
                        .with("createdDateTime", time(*created))
                        .with("aaGuid", "cb69481e-8ff7-4039-93ec-0a2729a154a8")
                        .with("model", "YubiKey 5 Series")
                        .with("attestationCertificates", J::Arr(Vec::new()))
                        .with("attestationLevel", "attested"),
                })
            })
            .collect();
        let phones: Vec<J> = self.phones.iter().map(|p| J::from(graph_phone(p))).collect();
        Obj::new()
            .with("id", &self.id)
            .with("displayName", &self.display_name)
            .with("givenName", self.given.as_ref())
            .with("surname", self.surname.as_ref())
            .with("userPrincipalName", &self.upn)
            .with("mail", if self.upn.ends_with(people::DOMAIN) { J::from(&self.upn) } else { J::Null })
            .with("businessPhones", phones)
            .with("jobTitle", self.job_title.as_ref())
            .with("department", self.department.as_ref())
            .with("accountEnabled", true)
            .with("createdDateTime", time(self.created))
            .with("authenticationMethods", methods)
    }
}

pub const FILE_POLICIES: &str = "conditional_access_policies.json";
pub const FILE_LOCATIONS: &str = "named_locations.json";
pub const FILE_AUTH_POLICY: &str = "authentication_methods_policy.json";
pub const FILE_DOMAINS: &str = "domains.json";
pub const FILE_APPLICATIONS: &str = "applications.json";
pub const FILE_SERVICE_PRINCIPALS: &str = "service_principals.json";
pub const FILE_GRANTS: &str = "oauth2_permission_grants.json";
pub const FILE_APP_ROLES: &str = "app_role_assignments_microsoft_graph.json";
pub const FILE_ROLES: &str = "directory_role_assignments.json";
pub const FILE_USERS: &str = "users_with_authentication_methods.json";

/// Pretty JSON with a final newline, as `ConvertTo-Json` or `jq` would save it.
fn pretty(obj: &Obj) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(obj).unwrap_or_default();
    out.push(b'\n');
    out
}

fn domains() -> Vec<Obj> {
    let domain = |id: &str, default: bool, initial: bool| {
        Obj::new()
            .with("authenticationType", "Managed")
            .with("availabilityStatus", J::Null)
            .with("id", id)
            .with("isAdminManaged", true)
            .with("isDefault", default)
            .with("isInitial", initial)
            .with("isRoot", true)
            .with("isVerified", true)
            .with("passwordNotificationWindowInDays", 14i64)
            .with("passwordValidityPeriodInDays", 2_147_483_647i64)
            .with("supportedServices", if initial { vec![J::from("Email"), J::from("OfficeCommunicationsOnline")] } else { vec![J::from("Email"), J::from("OfficeCommunicationsOnline"), J::from("Intune")] })
            .with("state", J::Null)
    };
    vec![domain(people::DOMAIN, true, false), domain(people::ONMICROSOFT, false, true)]
}

/// The tenant-wide methods policy: Authenticator with number matching,
/// FIDO2 keys, and text messages for the few who have no smartphone app.
fn auth_methods_policy() -> Obj {
    let all_users = |extra: Obj| J::Arr(vec![J::Obj(Obj::new().with("targetType", "group").with("id", "all_users").with("isRegistrationRequired", false).merge(extra))]);
    let feature = |state: &str| {
        Obj::new()
            .with("state", state)
            .with("includeTarget", Obj::new().with("targetType", "group").with("id", "all_users"))
            .with("excludeTarget", Obj::new().with("targetType", "group").with("id", "00000000-0000-0000-0000-000000000000"))
    };
    let method = |kind: &str, id: &str, state: &str| Obj::new().with("@odata.type", format!("#microsoft.graph.{kind}AuthenticationMethodConfiguration")).with("id", id).with("state", state).with("excludeTargets", J::Arr(Vec::new()));
    let configs = vec![
        J::Obj(
            method("fido2", "Fido2", "enabled")
                .with("isAttestationEnforced", true)
                .with("isSelfServiceRegistrationAllowed", true)
                .with("keyRestrictions", Obj::new().with("isEnforced", false).with("enforcementType", "block").with("aaGuids", J::Arr(Vec::new())))
                .with("includeTargets", all_users(Obj::new())),
        ),
        J::Obj(
            method("microsoftAuthenticator", "MicrosoftAuthenticator", "enabled")
                .with("isSoftwareOathEnabled", false)
                .with(
                    "featureSettings",
                    Obj::new()
                        .with("numberMatchingRequiredState", feature("enabled"))
                        .with("displayAppInformationRequiredState", feature("enabled"))
                        .with("displayLocationInformationRequiredState", feature("enabled")),
                )
                .with("includeTargets", all_users(Obj::new().with("authenticationMode", "any"))),
        ),
        J::Obj(method("sms", "Sms", "enabled").with("includeTargets", all_users(Obj::new().with("isUsableForSignIn", false)))),
        J::Obj(method("voice", "Voice", "disabled").with("isOfficePhoneAllowed", false).with("includeTargets", all_users(Obj::new()))),
        J::Obj(method("email", "Email", "disabled").with("allowExternalIdToUseEmailOtp", "default").with("includeTargets", J::Arr(Vec::new()))),
        J::Obj(
            method("temporaryAccessPass", "TemporaryAccessPass", "disabled")
                .with("defaultLifetimeInMinutes", 60i64)
                .with("defaultLength", 8i64)
                .with("minimumLifetimeInMinutes", 60i64)
                .with("maximumLifetimeInMinutes", 480i64)
                .with("isUsableOnce", false)
                .with("includeTargets", all_users(Obj::new())),
        ),
        J::Obj(method("softwareOath", "SoftwareOath", "disabled").with("includeTargets", J::Arr(Vec::new()))),
    ];
    Obj::new()
        .with("@odata.context", format!("{METADATA}policies/authenticationMethodsPolicy/$entity"))
        .with("id", "authenticationMethodsPolicy")
        .with("displayName", "Authentication Methods Policy")
        .with("description", "The tenant-wide policy that controls which authentication methods are allowed in the tenant, authentication method registration requirements, and self-service password reset settings")
        .with("lastModifiedDateTime", time(POLICIES_WRITTEN + 3 * HOUR))
        .with("policyVersion", "1.5")
        .with("policyMigrationState", "migrationComplete")
        .with(
            "registrationEnforcement",
            Obj::new().with(
                "authenticationMethodsRegistrationCampaign",
                Obj::new()
                    .with("snoozeDurationInDays", 1i64)
                    .with("enforceRegistrationAfterAllowedSnoozes", true)
                    .with("state", "enabled")
                    .with("excludeTargets", J::Arr(Vec::new()))
                    .with("includeTargets", vec![J::Obj(Obj::new().with("id", "all_users").with("targetType", "group").with("targetedAuthenticationMethod", "microsoftAuthenticator"))]),
            ),
        )
        .with("authenticationMethodConfigurations", configs)
}

/// The publisher tenant of the scheduling tool the IT admin approves.
pub const SHIFTBOARD_PUBLISHER: &str = "5c1e7a4d-2b93-4f0e-8d61-a7b3c9e2f408";

/// The audit record's JSON value for a policy or location: compact Graph JSON.
pub fn audit_value(obj: &Obj) -> String {
    obj.to_json()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_in_graph_spelling() {
        assert_eq!(graph_phone("+1 614 555 0142"), "+1 6145550142");
        assert_eq!(graph_permission("Mail.Read", true), Some("810c84a8-4a9e-49e6-bf7d-12d183f40d01"));
        assert_eq!(graph_permission("Mail.Read", false), Some("570282fd-fa5c-430d-a7fd-fc8dc98a9dca"));
    }
}
