//! What the generator produces before any file layout is applied: sign-ins,
//! directory audit records and Unified Audit Log records, each with the id
//! the parsers use for identity. The writers in `formats` turn these into
//! the real export layouts.

use super::clock;
use super::formats::json::Obj;
use super::people::{App, Device, Place};

/// Entra sign-in outcome as the admin center's `Status` column says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInStatus {
    Success,
    Failure,
    Interrupted,
}

/// MFA details of a sign-in (all empty for single-factor sign-ins).
#[derive(Clone, Debug, Default)]
pub struct Mfa {
    /// `Single-factor authentication` / `Multifactor authentication`.
    pub requirement_mfa: bool,
    /// e.g. `MFA requirement satisfied by claim in the token`.
    pub result: String,
    /// e.g. `Mobile app notification`, `Previously satisfied`.
    pub method: String,
}

/// One Entra sign-in (interactive or not).
#[derive(Clone, Debug)]
pub struct SignIn {
    pub time: i64,
    pub request_id: String,
    pub correlation_id: String,
    pub session_id: String,
    pub user_id: String,
    pub user_display: String,
    pub upn: String,
    pub app: App,
    pub resource: App,
    pub ip: String,
    pub place: Place,
    pub status: SignInStatus,
    pub error_code: u32,
    pub failure_reason: String,
    /// Admin center spelling (`Browser`, `Mobile Apps and Desktop clients`).
    pub client_app: &'static str,
    pub device: Option<Device>,
    /// Browser/OS when there is no registered device (attacker, phones).
    pub browser: String,
    pub os: String,
    pub user_agent: String,
    pub mfa: Mfa,
    /// `Success`, `Failure` or `Not Applied`.
    pub conditional_access: &'static str,
    pub interactive: bool,
    /// Graph spelling, e.g. `none`, `ropc`.
    pub auth_protocol: &'static str,
    /// Graph spelling, e.g. `none`, `primaryRefreshToken`.
    pub incoming_token: &'static str,
    pub asn: u32,
    pub latency_ms: u32,
    pub unique_token: String,
    /// Graph spelling (`none`, `low`, `medium`, `high`).
    pub risk_during: &'static str,
    pub risk_aggregated: &'static str,
    pub risk_state: &'static str,
}

/// How an application proved its identity when it signed in on its own.
#[derive(Clone, Debug)]
pub enum AppCredential {
    /// A client secret (password credential), by its key id.
    Secret { key_id: String },
    /// A certificate, by its key id and thumbprint.
    Certificate { key_id: String, thumbprint: String },
}

/// One service principal sign-in: an application using its own credential
/// (client credentials flow), no user involved.
#[derive(Clone, Debug)]
pub struct AppSignIn {
    pub time: i64,
    pub request_id: String,
    pub correlation_id: String,
    pub app_name: String,
    pub app_id: String,
    /// Object id of the app's service principal in the tenant.
    pub sp_id: String,
    pub resource: App,
    pub ip: String,
    pub place: Place,
    pub asn: u32,
    pub credential: AppCredential,
    pub latency_ms: u32,
    pub unique_token: String,
}

/// Who performed a directory change.
#[derive(Clone, Debug)]
pub enum Initiator {
    User { id: String, upn: String, ip: String },
    App { app_id: String, name: String, sp_id: String },
}

/// One `modifiedProperties` entry (values already JSON-encoded as Entra writes them).
#[derive(Clone, Debug)]
pub struct Modified {
    pub name: String,
    pub old: String,
    pub new: String,
}

#[derive(Clone, Debug)]
pub struct Target {
    pub id: String,
    pub display_name: String,
    /// `User`, `Group`, `ServicePrincipal`, `Application`, `Other`.
    pub kind: &'static str,
    pub upn: String,
    pub modified: Vec<Modified>,
}

/// One Entra directory audit record.
#[derive(Clone, Debug)]
pub struct DirectoryAudit {
    pub time: i64,
    /// Digits below the millisecond of `activityDateTime`.
    pub ticks: u32,
    pub id: String,
    pub correlation_id: String,
    pub activity: &'static str,
    pub category: &'static str,
    pub service: &'static str,
    pub operation_type: &'static str,
    pub result_reason: String,
    pub initiated_by: Initiator,
    pub targets: Vec<Target>,
    pub additional: Vec<(String, String)>,
}

/// One Unified Audit Log record: the export's summary columns plus the
/// whole `AuditData` object.
#[derive(Clone, Debug)]
pub struct UalRecord {
    pub time: i64,
    pub id: String,
    /// The `RecordType` column's name for the record type, e.g. `ExchangeAdmin`.
    pub record_type: &'static str,
    pub operation: String,
    pub user_id: String,
    pub audit_data: Obj,
}

/// Everything generated, unsorted; the writers sort newest first like the portals.
#[derive(Debug, Default)]
pub struct Evidence {
    pub interactive: Vec<SignIn>,
    pub non_interactive: Vec<SignIn>,
    /// Service principal sign-ins (empty unless the scenario has apps
    /// signing in on their own).
    pub service_principal: Vec<AppSignIn>,
    pub audits: Vec<DirectoryAudit>,
    pub ual: Vec<UalRecord>,
    /// Changes to the tenant's configuration, in the order they were made,
    /// with their times: what turns the baseline snapshot into the current one.
    pub config: Vec<(i64, ConfigChange)>,
    /// What the answer key says about those changes, one per object.
    pub config_notes: Vec<super::answer_key::ConfigChangeItem>,
    /// Records made to look like an attack and not one (for the answer key).
    pub decoys: Vec<super::answer_key::KeyMark>,
}

/// One change to the tenant's configuration, as the directory audit record
/// that goes with it describes it.
#[derive(Clone, Debug)]
pub enum ConfigChange {
    /// An enterprise app created by consent, with its delegated grant
    /// (`principal` is the one user consented for, `None` for everyone).
    Consent { app_name: String, app_id: String, sp_id: String, grant_id: String, scopes: String, principal: Option<String>, publisher: String },
    UserAdded { id: String, upn: String, display_name: String, department: String },
    /// The helpdesk set a user's office phone.
    PhoneSet { user_id: String, phone: String },
    /// An Authenticator app registered on a user (`method_id` as the audit
    /// names it, or `None` to draw one).
    AuthenticatorAdded { user_id: String, method_id: Option<String>, device: String },
    /// An app registration's client secrets after the change (key id, name, lifetime in days).
    AppSecrets { app_object_id: String, secrets: Vec<(String, String, i64)> },
    RoleAdded { assignment_id: String, principal_id: String, template: String },
    RoleRemoved { principal_id: String, template: String },
    PolicyState { policy_id: String, state: String },
    PolicyAdded { policy: Box<super::config::CaPolicy> },
    LocationRangeAdded { location_id: String, cidr: String },
}

impl Evidence {
    /// Whether a log record with this id was made (and kept).
    pub fn has_record(&self, id: &str) -> bool {
        self.interactive.iter().chain(&self.non_interactive).any(|s| s.request_id == id)
            || self.service_principal.iter().any(|s| s.request_id == id)
            || self.audits.iter().any(|a| a.id == id)
            || self.ual.iter().any(|r| r.id == id)
    }

    /// Drop what falls outside the exported 30 days (late workers on the
    /// last day, early birds on the first), as a dated export would.
    pub fn retain_window(&mut self) {
        let inside = |t: i64| (clock::WINDOW_START..clock::WINDOW_END).contains(&t);
        self.interactive.retain(|s| inside(s.time));
        self.non_interactive.retain(|s| inside(s.time));
        self.service_principal.retain(|s| inside(s.time));
        self.audits.retain(|a| inside(a.time));
        self.ual.retain(|r| inside(r.time));
    }
}

/// Who a Microsoft Graph request was made as.
#[derive(Clone, Debug)]
pub enum GraphCaller {
    /// A delegated token: the signed-in user's object id.
    User { id: String },
    /// An app-only token: the app's service principal in the tenant.
    App { sp_id: String },
}

/// One request to Microsoft Graph, as the activity log records it.
#[derive(Clone, Debug)]
pub struct GraphCall {
    pub time: i64,
    pub request_id: String,
    pub client_request_id: String,
    /// `GET`, `POST`, `PATCH` …
    pub method: &'static str,
    /// The whole URI, host and version included.
    pub uri: String,
    pub status: u16,
    pub ip: String,
    pub user_agent: String,
    pub app_id: String,
    pub caller: GraphCaller,
    /// Delegated scopes (empty for app-only calls, which carry `roles`).
    pub scopes: String,
    pub roles: String,
    /// The sign-in that issued the token (its `uniqueTokenIdentifier`).
    pub sign_in_activity_id: String,
    pub token_issued_at: i64,
    pub session_id: String,
    /// Directory role template ids the caller holds (`wids` claim).
    pub wids: String,
    pub response_bytes: u64,
    pub duration_ms: u32,
}

/// One message to one recipient, as the message trace lists it.
#[derive(Clone, Debug)]
pub struct TracedMessage {
    pub time: i64,
    pub sender: String,
    pub recipient: String,
    pub subject: String,
    /// `Delivered`, `Expanded`, `Failed`, `FilteredAsSpam`.
    pub status: &'static str,
    /// The client or server the message came from (empty when Exchange made it).
    pub from_ip: String,
    /// The server it was handed to (outside recipients only).
    pub to_ip: String,
    pub size: i64,
    pub message_id: String,
    /// Shared by every recipient row of one message.
    pub trace_id: String,
}

impl TracedMessage {
    /// The id the message trace reader gives this row.
    pub fn record_id(&self) -> String {
        format!("{}|{}", self.trace_id.to_ascii_lowercase().replace('-', ""), self.recipient.to_ascii_lowercase())
    }
}
