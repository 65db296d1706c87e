//! The answer key: what happened in the sample incident and which records
//! prove it, each tied to the playbook step that should surface it. Tests
//! and detectors check themselves against this.

use serde::{Deserialize, Serialize};

/// One record of the attack.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerItem {
    /// File name inside the sample set.
    pub file: String,
    /// The id parsers use for the record: sign-in `id` / `Request ID`,
    /// directory audit `id`, UAL AuditData `Id`, Activity Log `eventDataId`,
    /// Key Vault `correlationId`, CloudTrail `eventID`.
    pub record_id: String,
    /// Playbook step that covers it (1 validate alert, 3 credentials and
    /// MFA, 4 cloud infrastructure, 5 identity logs, 6 UAL activity, 8 OAuth
    /// apps, 9 mailbox rules, 10 lateral movement, 11 secrets to rotate).
    pub step: u8,
    /// Short label.
    pub what: String,
    /// Why it matters, in one sentence.
    pub why: String,
}

/// The application the attacker used: one they had a user consent to, or
/// an existing one they added a credential to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaliciousApp {
    pub name: String,
    #[serde(rename = "appId")]
    pub app_id: String,
}

/// RFC 3339 UTC bounds of the attacker's activity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub start: String,
    pub end: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerKey {
    pub scenario: String,
    pub description: String,
    pub seed: u64,
    /// The tenant's primary domain.
    pub tenant: String,
    pub tenant_name: String,
    pub tenant_id: String,
    /// Accounts the attacker took over.
    pub victims: Vec<String>,
    /// Accounts sprayed without success.
    pub targeted_accounts: Vec<String>,
    pub attacker_ips: Vec<String>,
    /// The scripted client used for the spray, downloads and token use.
    pub attacker_user_agent: String,
    /// Every user agent the attacker showed (script and browser).
    pub attacker_user_agents: Vec<String>,
    pub malicious_app: MaliciousApp,
    /// Where the attacker's inbox rule forwarded mail (empty when none).
    pub forwarding_address: String,
    pub compromise_window: Window,
    /// UAL record ids exported twice on purpose (overlapping searches).
    pub duplicate_record_ids: Vec<String>,
    /// Accounts the attacker created to come back with (absent when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub created_accounts: Vec<String>,
    /// Other people's mailboxes the attacker gave themselves access to and read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accessed_mailboxes: Vec<String>,
    pub items: Vec<AnswerItem>,
    /// Differences between the baseline and current configuration
    /// snapshots: the attacker's, and ordinary ones made during the month.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config_changes: Vec<ConfigChangeItem>,
    /// Action ids the remediation plan must hold (`remediate::plan` with
    /// the suggested context); one ending in `:` is a prefix, for an id
    /// whose last part the key does not fix (an inbox rule's name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remediation: Vec<String>,
    /// How hard the scenario is to work as an exercise.
    #[serde(default)]
    pub difficulty: Difficulty,
    /// What a trainee should mark as the attacker's (accounts, addresses,
    /// apps, user agents, mail addresses), each with why it matters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub marks: Vec<KeyMark>,
    /// What looks suspicious and is not (the VPN user, travellers, an
    /// admin-approved app, ordinary inbox rules…), each with why it is benign.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decoys: Vec<KeyMark>,
    /// Hints per playbook step, from a gentle nudge to the answer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<StepHints>,
}

/// How hard a training scenario is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Difficulty {
    Beginner,
    #[default]
    Intermediate,
    Advanced,
}

impl Difficulty {
    pub fn label(self) -> &'static str {
        match self {
            Difficulty::Beginner => "Beginner",
            Difficulty::Intermediate => "Intermediate",
            Difficulty::Advanced => "Advanced",
        }
    }
}

/// What a marked value is, as the answer key names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkKind {
    Account,
    Ip,
    App,
    UserAgent,
    EmailAddress,
    Domain,
    /// One record (`value` is its record id, `file` its file).
    Event,
}

/// One value of the key: something to mark (in `marks`) or a decoy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyMark {
    pub kind: MarkKind,
    /// UPN, address, app id, user agent, mail address, domain, record id.
    pub value: String,
    /// Other spellings that count as the same (an app's display name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<String>,
    /// For an event: the file the record is in.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub file: String,
    /// Playbook step where it shows (0 when none in particular).
    #[serde(default)]
    pub step: u8,
    /// Short label.
    pub what: String,
    /// For a mark: why it matters; for a decoy: why it is benign.
    pub why: String,
}

impl KeyMark {
    pub fn new(kind: MarkKind, value: impl Into<String>, step: u8, what: impl Into<String>, why: impl Into<String>) -> KeyMark {
        KeyMark { kind, value: value.into(), also: Vec::new(), file: String::new(), step, what: what.into(), why: why.into() }
    }

    /// A record that looks like the attacker's and is not.
    pub fn event(file: &str, record_id: &str, step: u8, what: &str, why: &str) -> KeyMark {
        KeyMark { file: file.into(), ..KeyMark::new(MarkKind::Event, record_id, step, what, why) }
    }

    pub fn also(mut self, other: impl Into<String>) -> KeyMark {
        self.also.push(other.into());
        self
    }
}

/// The hints for one playbook step, gentlest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepHints {
    pub step: u8,
    pub hints: Vec<String>,
}

/// One object that differs between the configuration snapshots.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigChangeItem {
    /// The Graph type, as `tenant::ObjectKind::slug` spells it (`conditionalAccessPolicy`).
    pub kind: String,
    /// The object's `id` in the snapshot.
    pub object_id: String,
    pub display_name: String,
    /// `added`, `changed` or `removed`.
    pub change: String,
    /// What changed, in one sentence.
    pub what: String,
    /// True for the attacker's changes; false for the month's ordinary ones.
    pub attacker: bool,
    /// Attacker's change: the lowest risk a baseline diff should give it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_risk: Option<String>,
    /// Ordinary change: the highest risk a baseline diff should give it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_risk: Option<String>,
    /// Directory audit records (`audit_graph.json` ids) that show the change being made.
    pub audit_record_ids: Vec<String>,
}

impl ConfigChangeItem {
    /// The attacker's change to `kind` object `id`: a diff should rate it at least `min`.
    pub fn attacker(kind: &str, id: &str, name: &str, what: &str, min: crate::detect::Severity, audits: Vec<String>) -> ConfigChangeItem {
        ConfigChangeItem {
            kind: kind.into(),
            object_id: id.into(),
            display_name: name.into(),
            change: String::new(),
            what: what.into(),
            attacker: true,
            min_risk: Some(min.label().to_ascii_lowercase()),
            max_risk: None,
            audit_record_ids: audits,
        }
    }

    /// An ordinary change made during the month: a diff should rate it at most `max`.
    pub fn ordinary(kind: &str, id: &str, name: &str, what: &str, max: crate::detect::Severity, audits: Vec<String>) -> ConfigChangeItem {
        ConfigChangeItem { attacker: false, min_risk: None, max_risk: Some(max.label().to_ascii_lowercase()), ..ConfigChangeItem::attacker(kind, id, name, what, max, audits) }
    }
}

impl AnswerKey {
    /// Whether `action_id` satisfies the `remediation` entry `wanted`.
    pub fn remediation_matches(wanted: &str, action_id: &str) -> bool {
        if wanted.ends_with(':') {
            action_id.starts_with(wanted)
        } else {
            action_id == wanted
        }
    }

    /// The hints for `step` (empty when it has none).
    pub fn hints_for(&self, step: u8) -> &[String] {
        self.hints.iter().find(|h| h.step == step).map_or(&[], |h| h.hints.as_slice())
    }

    /// Items a playbook step should surface.
    pub fn items_for_step(&self, step: u8) -> impl Iterator<Item = &AnswerItem> {
        self.items.iter().filter(move |i| i.step == step)
    }
}
