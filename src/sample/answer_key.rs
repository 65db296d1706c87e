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
    /// directory audit `id`, UAL AuditData `Id`.
    pub record_id: String,
    /// Playbook step that covers it (1 validate alert, 3 credentials and
    /// MFA, 5 identity logs, 6 UAL activity, 8 OAuth apps, 9 mailbox rules,
    /// 10 lateral movement).
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
}

impl AnswerKey {
    /// Items a playbook step should surface.
    pub fn items_for_step(&self, step: u8) -> impl Iterator<Item = &AnswerItem> {
        self.items.iter().filter(move |i| i.step == step)
    }
}
