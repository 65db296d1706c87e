//! The common event model: one `Event` per thing that happened, whatever log it
//! came from. Parsers produce owned `Event`s; the store interns them.

pub mod attr;
pub mod bidi;
mod time;

pub use time::{format_utc, parse_rfc3339_utc, TimeMs};

use serde::{Deserialize, Serialize};

/// Which log an event came from. The key is what the query language and the
/// command line use (`source:ual`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Entra ID sign-in log (interactive, non-interactive, service principal).
    SignIn,
    /// Entra ID directory audit log.
    DirectoryAudit,
    /// Microsoft 365 Unified Audit Log. (The default only so that `Event`
    /// can derive `Default` for tests and builders.)
    #[default]
    UnifiedAudit,
    /// Azure Activity Log (subscription control plane: Resource Manager operations).
    AzureActivity,
    /// AWS CloudTrail management and data events.
    CloudTrail,
    /// Google Cloud audit logs (Cloud Logging `LogEntry` with an `AuditLog` payload).
    GcpAudit,
    /// Microsoft Graph activity logs: one row per API request a token made
    /// to Microsoft Graph (`MicrosoftGraphActivityLogs`).
    GraphActivity,
    /// Exchange Online message trace: one row per message and recipient
    /// (`Get-MessageTrace`, `Get-MessageTraceV2`, the admin center's
    /// downloadable report).
    MessageTrace,
    /// Entra ID Protection: risk detections (one row per detection and
    /// state change) and the risk state of users and service principals
    /// (`riskDetections`, `riskyUsers`, `AADUserRiskEvents` …).
    RiskDetection,
}

impl Source {
    /// Every source; the store keeps a row's source as its index here, so
    /// new sources go at the end.
    pub const ALL: [Source; 9] = [
        Source::SignIn,
        Source::DirectoryAudit,
        Source::UnifiedAudit,
        Source::AzureActivity,
        Source::CloudTrail,
        Source::GcpAudit,
        Source::GraphActivity,
        Source::MessageTrace,
        Source::RiskDetection,
    ];

    /// The cloud infrastructure logs (Azure, AWS, Google Cloud), as opposed
    /// to the Entra ID and Microsoft 365 logs.
    pub const CLOUD: [Source; 3] = [Source::AzureActivity, Source::CloudTrail, Source::GcpAudit];

    /// Its place in `ALL`: how the store, worker batches and dedupe keys
    /// write a source as one byte.
    pub fn index(self) -> u8 {
        Source::ALL.iter().position(|s| *s == self).unwrap_or(0) as u8
    }

    pub fn is_cloud(self) -> bool {
        Source::CLOUD.contains(&self)
    }

    /// Short key used in queries, exports and the command line.
    pub fn key(self) -> &'static str {
        match self {
            Source::SignIn => "signin",
            Source::DirectoryAudit => "audit",
            Source::UnifiedAudit => "ual",
            Source::AzureActivity => "azure",
            Source::CloudTrail => "cloudtrail",
            Source::GcpAudit => "gcp",
            Source::GraphActivity => "graph",
            Source::MessageTrace => "trace",
            Source::RiskDetection => "risk",
        }
    }

    /// Name shown to the analyst.
    pub fn label(self) -> &'static str {
        match self {
            Source::SignIn => "Entra sign-in log",
            Source::DirectoryAudit => "Entra audit log",
            Source::UnifiedAudit => "Unified Audit Log",
            Source::AzureActivity => "Azure Activity Log",
            Source::CloudTrail => "AWS CloudTrail",
            Source::GcpAudit => "Google Cloud audit log",
            Source::GraphActivity => "Microsoft Graph activity log",
            Source::MessageTrace => "Exchange message trace",
            Source::RiskDetection => "Entra ID Protection",
        }
    }

    pub fn from_key(key: &str) -> Option<Source> {
        let key = key.to_ascii_lowercase();
        Source::ALL.into_iter().find(|s| s.key() == key).or(match key.as_str() {
            "signins" | "signinlogs" | "sign-in" => Some(Source::SignIn),
            "auditlogs" | "directoryaudit" | "directoryaudits" => Some(Source::DirectoryAudit),
            "unifiedaudit" | "officeactivity" | "m365" => Some(Source::UnifiedAudit),
            "azureactivity" | "activitylog" | "arm" => Some(Source::AzureActivity),
            "aws" | "trail" => Some(Source::CloudTrail),
            "gcpaudit" | "gcloud" | "googlecloud" | "gcp_audit" => Some(Source::GcpAudit),
            "graphactivity" | "graph_activity" | "microsoftgraphactivitylogs" => Some(Source::GraphActivity),
            "messagetrace" | "message_trace" | "mailtrace" => Some(Source::MessageTrace),
            "identityprotection" | "riskdetection" | "riskdetections" | "riskevents" | "riskyusers" => Some(Source::RiskDetection),
            _ => None,
        })
    }
}

/// Whether the action succeeded, as the log reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Failure,
    /// Sign-in stopped partway, typically waiting for MFA (Entra "Interrupted").
    Interrupted,
    #[default]
    Unknown,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [Outcome::Success, Outcome::Failure, Outcome::Interrupted, Outcome::Unknown];

    /// Its place in `ALL` (one byte in the store and in worker batches).
    pub fn index(self) -> u8 {
        Outcome::ALL.iter().position(|o| *o == self).unwrap_or(0) as u8
    }

    pub fn key(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Interrupted => "interrupted",
            Outcome::Unknown => "unknown",
        }
    }

    pub fn from_key(key: &str) -> Option<Outcome> {
        let key = key.to_ascii_lowercase();
        Outcome::ALL.into_iter().find(|o| o.key() == key).or(match key.as_str() {
            "succeeded" | "ok" | "true" => Some(Outcome::Success),
            "failed" | "fail" | "false" => Some(Outcome::Failure),
            _ => None,
        })
    }
}

/// Where a record sits in the file it came from, so the detail pane, the
/// exports and the bundle can read the original back on demand. Offsets are
/// bytes of the file as loaded (of the unpacked stream for a gzip file); a
/// `u64` because exports of several GB exist and wasm's `usize` is 32 bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RawSpan {
    pub start: u64,
    pub len: u32,
}

impl RawSpan {
    pub fn new(start: u64, end: u64) -> RawSpan {
        let len = u32::try_from(end.saturating_sub(start)).unwrap_or(u32::MAX);
        RawSpan { start, len }
    }

    pub fn end(self) -> u64 {
        self.start + u64::from(self.len)
    }

    /// The record's text in a text whose offsets are the file's, or `""`
    /// when the span does not fit the text.
    pub fn slice(self, text: &str) -> &str {
        let Ok(start) = usize::try_from(self.start) else { return "" };
        let end = start.saturating_add(self.len as usize);
        text.get(start..end).unwrap_or("")
    }
}

/// An event's fields borrowed from wherever they are (an `Event`, or the
/// bytes a parsing worker sent back), so the store can take them without a
/// `String` per field.
#[derive(Clone, Copy, Debug)]
pub struct EventRef<'a> {
    pub time: TimeMs,
    pub source: Source,
    pub outcome: Outcome,
    pub operation: &'a str,
    pub actor: &'a str,
    pub target: &'a str,
    pub ip: &'a str,
    pub country: &'a str,
    pub city: &'a str,
    pub user_agent: &'a str,
    pub app: &'a str,
    pub geo: Option<(f64, f64)>,
    pub attrs: AttrList<'a>,
    pub source_time: &'a str,
    pub line: u32,
    pub raw: RawSpan,
    pub record_id: &'a str,
}

impl EventRef<'_> {
    /// An owned copy.
    pub fn to_event(&self) -> Event {
        Event {
            time: self.time,
            source: self.source,
            operation: self.operation.to_string(),
            actor: self.actor.to_string(),
            target: self.target.to_string(),
            ip: self.ip.to_string(),
            country: self.country.to_string(),
            city: self.city.to_string(),
            geo: self.geo,
            outcome: self.outcome,
            user_agent: self.user_agent.to_string(),
            app: self.app.to_string(),
            attrs: self.attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            source_time: self.source_time.to_string(),
            line: self.line,
            raw: self.raw,
            record_id: self.record_id.to_string(),
        }
    }
}

/// An event's attributes, owned by an `Event` or borrowed.
#[derive(Clone, Copy, Debug)]
pub enum AttrList<'a> {
    Owned(&'a [(String, String)]),
    Borrowed(&'a [(&'a str, &'a str)]),
}

impl<'a> AttrList<'a> {
    pub fn iter(self) -> impl Iterator<Item = (&'a str, &'a str)> {
        let (owned, borrowed) = match self {
            AttrList::Owned(pairs) => (pairs, &[][..]),
            AttrList::Borrowed(pairs) => (&[][..], pairs),
        };
        owned.iter().map(|(k, v)| (k.as_str(), v.as_str())).chain(borrowed.iter().copied())
    }

    pub fn get(self, key: &str) -> Option<&'a str> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

/// One normalised event. Empty strings mean "the log did not say".
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Event {
    /// UTC, milliseconds since the Unix epoch.
    pub time: TimeMs,
    pub source: Source,
    /// What happened: the log's own operation / activity name
    /// (`New-InboxRule`, `Add member to role`, `Sign-in` …).
    pub operation: String,
    /// Who did it: a UPN where the log has one, else an app or service name.
    pub actor: String,
    /// What it was done to: a user, mailbox, object, file or resource.
    pub target: String,
    pub ip: String,
    pub country: String,
    pub city: String,
    /// Latitude and longitude, where the log gives them.
    pub geo: Option<(f64, f64)>,
    pub outcome: Outcome,
    pub user_agent: String,
    /// Application or client involved (sign-in app, OAuth client, UAL client).
    pub app: String,
    /// Further fields worth keeping, under the names in `model::attr`.
    pub attrs: Vec<(String, String)>,
    /// The record's own time as written in the log, before normalisation.
    pub source_time: String,
    /// 1-based line where the record starts in the file.
    pub line: u32,
    pub raw: RawSpan,
    /// Identity of the record for de-duplication (UAL `Id`), if any.
    pub record_id: String,
}

impl Event {
    /// The value of an attribute, if the parser kept it.
    /// The event's fields, borrowed.
    pub fn as_ref(&self) -> EventRef<'_> {
        EventRef {
            time: self.time,
            source: self.source,
            outcome: self.outcome,
            operation: &self.operation,
            actor: &self.actor,
            target: &self.target,
            ip: &self.ip,
            country: &self.country,
            city: &self.city,
            user_agent: &self.user_agent,
            app: &self.app,
            geo: self.geo,
            attrs: AttrList::Owned(&self.attrs),
            source_time: &self.source_time,
            line: self.line,
            raw: self.raw,
            record_id: &self.record_id,
        }
    }

    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Keep an attribute unless its value is empty.
    pub fn set_attr(&mut self, key: &str, value: impl Into<String>) {
        let value = value.into();
        if !value.trim().is_empty() {
            self.attrs.push((key.to_string(), value));
        }
    }

    /// `set_attr` for each pair: the readers list a record's attributes as
    /// one table of (key, value).
    pub fn set_attrs<'k, V: Into<String>>(&mut self, attrs: impl IntoIterator<Item = (&'k str, V)>) {
        for (key, value) in attrs {
            self.set_attr(key, value);
        }
    }
}
