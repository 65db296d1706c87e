//! What a mailbox rule or forwarding change does, read from the UAL
//! cmdlet parameters (`Param.*`) of every form it takes: `New-InboxRule` /
//! `Set-InboxRule`, Outlook's `UpdateInboxRules` (`RuleActions`,
//! `RuleCondition` …), `Set-Mailbox` forwarding and transport rules.

use super::facts::{email_addresses, is_internal_domain, params, upn_domain};
use crate::store::EventStore;
use std::collections::BTreeSet;

/// Folders people rarely open, where a hiding rule puts mail.
const RARE_FOLDERS: [&str; 10] =
    ["rss feeds", "rss subscriptions", "archive", "conversation history", "junk email", "deleted items", "sync issues", "notes", "clutter", "scheduled"];

/// Words in a rule's conditions that target security notices or payments.
const KEYWORDS: [&str; 19] = [
    "password", "mfa", "security", "invoice", "payment", "wire", "phish", "hack", "compromis", "suspicious", "fraud", "bank", "transfer", "remittance", "verify",
    "verification", "helpdesk", "unusual", "sign-in",
];

/// Parameters that name who mail goes to.
const RECIPIENT_PARAMS: [&str; 10] = [
    "ForwardTo",
    "ForwardAsAttachmentTo",
    "RedirectTo",
    "ForwardingSmtpAddress",
    "ForwardingAddress",
    "RedirectMessageTo",
    "BlindCopyTo",
    "AddToRecipients",
    "CopyTo",
    "AddManagerAsRecipientType",
];

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MailRule {
    pub name: String,
    /// Every recipient the rule or setting sends mail to.
    pub recipients: Vec<String>,
    /// Those outside the tenant's domains.
    pub external: Vec<String>,
    pub deletes: bool,
    /// Target folder, if the rule moves mail.
    pub folder: Option<String>,
    pub rare_folder: bool,
    pub marks_read: bool,
    pub keywords: Vec<String>,
}

impl MailRule {
    pub fn hides(&self) -> bool {
        self.deletes || self.rare_folder || self.marks_read
    }

    /// The rule's actions in words, for titles.
    pub fn actions(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.external.is_empty() {
            out.push(format!("forwards to external {}", self.external.join(", ")));
        } else if !self.recipients.is_empty() {
            out.push(format!("forwards to {}", self.recipients.join(", ")));
        }
        if self.deletes {
            out.push("deletes messages".to_string());
        }
        if let Some(folder) = &self.folder {
            out.push(format!("moves mail to '{folder}'"));
        }
        if self.marks_read {
            out.push("marks them read".to_string());
        }
        if !self.keywords.is_empty() {
            out.push(format!("matches '{}'", self.keywords.join("', '")));
        }
        out
    }
}

fn is_true(value: &str) -> bool {
    value.trim().eq_ignore_ascii_case("true") || value.trim() == "1"
}

/// The rule a UAL row creates or changes.
pub fn mail_rule(store: &EventStore, row: u32, tenant: &BTreeSet<String>) -> MailRule {
    mail_rule_of(&params(store, row), tenant)
}

/// The rule a UAL row's parameters (`facts::params`) create or change.
pub fn mail_rule_of(params: &[(&str, &str)], tenant: &BTreeSet<String>) -> MailRule {
    let mut rule = MailRule::default();
    let mut recipients: Vec<String> = Vec::new();
    for &(name, value) in params {
        let lower_name = name.to_ascii_lowercase();
        let condition = lower_name.contains("words") || lower_name.contains("condition") || lower_name.starts_with("subject") || lower_name.starts_with("body");
        // Only rule actions and conditions are read lower-cased.
        let lower_value = if condition || lower_name == "ruleactions" { value.to_lowercase() } else { String::new() };
        if RECIPIENT_PARAMS.iter().any(|p| p.eq_ignore_ascii_case(name)) {
            let found = email_addresses(value);
            if found.is_empty() && !value.trim().is_empty() && !is_true(value) && !value.trim().eq_ignore_ascii_case("false") {
                recipients.push(value.trim().to_string());
            }
            recipients.extend(found);
        }
        match lower_name.as_str() {
            "name" | "rulename" => rule.name = value.trim().to_string(),
            "deletemessage" | "softdeletemessage" if is_true(value) => rule.deletes = true,
            "markasread" if is_true(value) => rule.marks_read = true,
            "movetofolder" | "copytofolder" if !value.trim().is_empty() => rule.folder = Some(value.trim().to_string()),
            "ruleactions" => {
                // Outlook client rules: the action list as text or JSON.
                if lower_value.contains("forward") || lower_value.contains("redirect") {
                    recipients.extend(email_addresses(value));
                }
                if lower_value.contains("delete") {
                    rule.deletes = true;
                }
                if lower_value.contains("markasread") || lower_value.contains("mark as read") {
                    rule.marks_read = true;
                }
                if lower_value.contains("move") {
                    rule.folder = Some(RARE_FOLDERS.iter().find(|f| lower_value.contains(*f)).map_or_else(|| "another folder".to_string(), |f| f.to_string()));
                }
            }
            _ => {}
        }
        if condition {
            for word in lower_value.split(|c: char| !c.is_alphanumeric() && c != '-') {
                if let Some(k) = KEYWORDS.iter().find(|k| word.starts_with(*k)) {
                    if !rule.keywords.iter().any(|x| x == k) {
                        rule.keywords.push(k.to_string());
                    }
                }
            }
        }
    }
    if let Some(folder) = &rule.folder {
        let lower = folder.to_lowercase();
        rule.rare_folder = RARE_FOLDERS.iter().any(|f| lower.contains(f));
    }
    recipients.sort_by_key(|r| r.to_lowercase());
    recipients.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    rule.external = recipients.iter().filter(|r| upn_domain(r).is_some_and(|d| !is_internal_domain(&d, tenant))).cloned().collect();
    rule.recipients = recipients;
    rule
}

/// The domains of the external recipients.
pub fn external_domains(rule: &MailRule) -> Vec<String> {
    let mut domains: Vec<String> = rule.external.iter().filter_map(|r| upn_domain(r)).collect();
    domains.dedup();
    domains
}
