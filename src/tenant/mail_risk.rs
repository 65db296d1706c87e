//! What makes a mailbox object dangerous, judged on the object as it is:
//! an inbox rule that sends mail outside or hides it, forwarding to an
//! outside address, a transport rule that copies mail out or lowers spam
//! filtering, a mailbox delegated to someone else, a mailbox whose actions
//! are not audited. The posture checks list these for the current state;
//! the diff rules use the same judgement for what changed.
//!
//! "Outside" means a domain the snapshot does not show to be the tenant's:
//! its verified domains when exported, else the domains of its own users
//! and mailboxes. With none of these, every address counts as outside and
//! the reason says the tenant's domains were unknown.

use super::kind::ObjectKind;
use super::object::TenantObject;
use super::rules::Risk;
use super::snapshot::Snapshot;
use super::tabular::values::{addresses, domain_of};
use crate::detect::Severity;
use serde_json::Value;
use std::collections::BTreeSet;

/// The tenant's own mail domains, as far as the snapshot shows them.
#[derive(Debug, Default)]
pub struct TenantDomains {
    domains: BTreeSet<String>,
}

impl TenantDomains {
    pub fn of(snapshot: &Snapshot) -> TenantDomains {
        let mut domains = BTreeSet::new();
        for o in snapshot.objects() {
            let mut add = |text: &str| {
                for a in addresses(text) {
                    // A guest's UPN (`eve_evil.test#EXT#@contoso.onmicrosoft.com`)
                    // is in the tenant's domain; the guest's own is not added.
                    if let Some(d) = domain_of(&a) {
                        domains.insert(d);
                    }
                }
            };
            match o.kind {
                ObjectKind::Domain => {
                    domains.insert(o.id.to_ascii_lowercase());
                }
                ObjectKind::User => add(o.str_at("userPrincipalName").unwrap_or("")),
                ObjectKind::InboxRule | ObjectKind::MailboxForwarding | ObjectKind::MailboxPermission | ObjectKind::MailboxAuditSetting => {
                    for key in ["mailbox", "userPrincipalName", "primarySmtpAddress"] {
                        add(o.str_at(key).unwrap_or(""));
                    }
                }
                _ => {}
            }
        }
        TenantDomains { domains }
    }

    #[cfg(test)]
    pub fn from_list(list: &[&str]) -> TenantDomains {
        TenantDomains { domains: list.iter().map(|d| d.to_ascii_lowercase()).collect() }
    }

    /// Whether an address is not in one of the tenant's domains (or a
    /// subdomain of one).
    pub fn is_outside(&self, address: &str) -> bool {
        let Some(domain) = domain_of(address) else { return false };
        !self.domains.iter().any(|d| domain == *d || domain.ends_with(&format!(".{d}")))
    }

    /// The addresses among `texts` that are outside.
    fn outside(&self, texts: &[String]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for a in texts.iter().flat_map(|t| addresses(t)) {
            if self.is_outside(&a) && !out.contains(&a) {
                out.push(a);
            }
        }
        out
    }

    /// A caveat for reasons when the tenant's domains are unknown.
    fn caveat(&self) -> &'static str {
        if self.domains.is_empty() {
            " (the tenant's own domains are not in the snapshot, so every address counts as outside: load the domains or users export to tell)"
        } else {
            ""
        }
    }
}

fn strings(o: &TenantObject, key: &str) -> Vec<String> {
    match o.raw.get(key) {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        Some(Value::String(s)) if !s.trim().is_empty() => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn is_true(o: &TenantObject, key: &str) -> bool {
    o.bool_at(key) == Some(true)
}

/// Words an intruder hides or watches for: the victim must not see the
/// bank's or the security team's mail, and the intruder wants invoices.
const LURE_WORDS: [&str; 24] = [
    "invoice", "payment", "wire", "transfer", "bank", "iban", "remittance", "swift", "ach", "paypal", "purchase order", "security", "phish",
    "hack", "compromis", "suspicious", "fraud", "password", "mfa", "verif", "sign-in", "alert", "helpdesk", "unusual",
];

/// Folders nobody reads: mail moved there is hidden from the owner.
const HIDDEN_FOLDERS: [&str; 7] = ["rss", "conversation history", "archive", "deleted items", "junk", "notes", "clutter"];

fn lure_words(words: &[String]) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for w in words {
        let lower = w.to_ascii_lowercase();
        // Short words match whole words only: "ach" is in "attachment".
        let hit = LURE_WORDS.iter().any(|l| if l.len() <= 4 { lower.split(|c: char| !c.is_ascii_alphanumeric()).any(|t| t == *l) } else { lower.contains(l) });
        if hit && !found.contains(w) {
            found.push(w.clone());
        }
    }
    found
}

fn quoted_list(items: &[String]) -> String {
    let shown: Vec<String> = items.iter().take(6).map(|i| format!("'{i}'")).collect();
    let more = if items.len() > 6 { format!(" and {} more", items.len() - 6) } else { String::new() };
    format!("{}{more}", shown.join(", "))
}

/// An inbox rule that forwards or redirects outside, or hides mail (deletes,
/// moves to a folder nobody reads, marks read) that matches lure words or
/// all mail.
pub fn inbox_rule(rule: &TenantObject, domains: &TenantDomains) -> Option<Risk> {
    let mut targets = strings(rule, "forwardTo");
    targets.extend(strings(rule, "forwardAsAttachmentTo"));
    targets.extend(strings(rule, "redirectTo"));
    let outside = domains.outside(&targets);
    let folder = rule.str_at("moveToFolder").unwrap_or("").to_string();
    let to_hidden_folder = !folder.is_empty() && HIDDEN_FOLDERS.iter().any(|f| folder.to_ascii_lowercase().contains(f));
    let deletes = is_true(rule, "deleteMessage") || is_true(rule, "softDeleteMessage");
    let mut hides: Vec<String> = Vec::new();
    if deletes {
        hides.push("deletes".into());
    }
    if !folder.is_empty() {
        hides.push(format!("moves to '{folder}'"));
    }
    if is_true(rule, "markAsRead") {
        hides.push("marks as read".into());
    }
    let mut conditions = Vec::new();
    for key in ["subjectContainsWords", "subjectOrBodyContainsWords", "bodyContainsWords", "fromAddressContainsWords", "from"] {
        conditions.extend(strings(rule, key));
    }
    let mut lures = lure_words(&conditions);
    if lures.is_empty() && !hides.is_empty() {
        lures = lure_words(&[rule.str_at("name").unwrap_or("").to_string()]);
    }
    let (mut level, mut reason) = if !outside.is_empty() {
        let mut reason = format!("sends mail to {} outside the tenant{}", quoted_list(&outside), domains.caveat());
        if !hides.is_empty() {
            reason.push_str(&format!(", and {} it so the owner does not see it", hides.join(", ")));
        }
        (if hides.is_empty() { Severity::High } else { Severity::Critical }, reason)
    } else if !hides.is_empty() && !lures.is_empty() {
        (Severity::High, format!("{} mail about {}: rules like this hide the bank's, the supplier's or the security team's replies from the owner", hides.join(", "), quoted_list(&lures)))
    } else if (deletes || to_hidden_folder) && conditions.is_empty() {
        (Severity::Medium, format!("{} every incoming message", hides.join(", ")))
    } else {
        return None;
    };
    if rule.bool_at("enabled") == Some(false) {
        level = level.lowered();
        reason.push_str(" (the rule is disabled now: check when it ran)");
    }
    Some(Risk::new(level, reason))
}

/// Forwarding set on the mailbox itself, to an outside address.
pub fn forwarding(setting: &TenantObject, domains: &TenantDomains) -> Option<Risk> {
    let smtp = setting.str_at("forwardingSmtpAddress").unwrap_or("").trim().to_string();
    let recipient = setting.str_at("forwardingAddress").unwrap_or("").trim().to_string();
    let keeps_copy = setting.bool_at("deliverToMailboxAndForward");
    let copy_note = if keeps_copy == Some(false) { ", keeping no copy in the mailbox" } else { "" };
    let outside = domains.outside(&[smtp.clone(), recipient.clone()]);
    if !outside.is_empty() {
        let level = if keeps_copy == Some(false) { Severity::Critical } else { Severity::High };
        return Some(Risk::new(level, format!("forwards all mail to {}{copy_note}{}", quoted_list(&outside), domains.caveat())));
    }
    if !recipient.is_empty() && addresses(&recipient).is_empty() {
        return Some(Risk::new(Severity::Medium, format!("forwards all mail to the recipient '{recipient}'{copy_note}: a mail contact can point outside the tenant, check its address")));
    }
    None
}

/// A mail flow rule that copies or sends mail outside, or lowers spam filtering.
pub fn transport_rule(rule: &TenantObject, domains: &TenantDomains) -> Option<Risk> {
    let description = rule.str_at("description").unwrap_or("");
    let lower = description.to_ascii_lowercase();
    // Exchange describes a rule as "If the message: … Take the following
    // actions: …": only the actions say where mail goes.
    let actions = lower.find("take the following action").and_then(|i| description.get(i..)).unwrap_or(description);
    let actions_lower = actions.to_ascii_lowercase();
    let mut targets: Vec<String> = Vec::new();
    for key in ["blindCopyTo", "redirectMessageTo", "addToRecipients", "copyTo"] {
        targets.extend(strings(rule, key));
    }
    let copies = ["blind carbon copy", "bcc", "redirect", "add recipient", "add the recipient", "add a recipient", "copy the message", "forward"];
    if copies.iter().any(|w| actions_lower.contains(w)) {
        targets.push(actions.to_string());
    }
    let outside = domains.outside(&targets);
    let scl = rule.str_at("setScl").is_some_and(|s| s.trim() == "-1")
        || (lower.contains("scl") && (lower.contains("'-1'") || lower.contains("to -1") || lower.contains("\"-1\"")))
        || lower.contains("bypass spam filtering");
    let mut found: Vec<String> = Vec::new();
    let mut level = Severity::Info;
    if !outside.is_empty() {
        found.push(format!("copies or sends mail to {} outside the tenant{}", quoted_list(&outside), domains.caveat()));
        level = Severity::Critical;
    }
    if scl {
        found.push("sets the spam confidence level to -1, so matching mail skips spam filtering".into());
        level = level.max(Severity::High);
    }
    if found.is_empty() {
        return None;
    }
    let mut reason = found.join("; ");
    let state = rule.str_at("state").unwrap_or("");
    let mode = rule.str_at("mode").unwrap_or("");
    if state.eq_ignore_ascii_case("disabled") {
        level = level.lowered();
        reason.push_str(" (the rule is disabled now: check when it ran)");
    } else if mode.to_ascii_lowercase().starts_with("audit") {
        level = level.lowered();
        reason.push_str(&format!(" (mode {mode}: tested, not enforced)"));
    }
    Some(Risk::new(level, reason))
}

/// A mailbox right held by someone other than the owner.
pub fn permission(grant: &TenantObject, domains: &TenantDomains, suspects: &[String]) -> Option<Risk> {
    let right = grant.str_at("accessRight").unwrap_or("");
    let mailbox = grant.str_at("mailbox").unwrap_or("").to_ascii_lowercase();
    let trustee = grant.str_at("trustee").unwrap_or("");
    let trustee_address = grant.str_at("trusteeAddress").unwrap_or("").to_ascii_lowercase();
    if (!trustee_address.is_empty() && trustee_address == mailbox) || trustee.eq_ignore_ascii_case(&mailbox) {
        return None;
    }
    let lower_right = right.to_ascii_lowercase();
    let mut level = if lower_right.starts_with("inbox") {
        if lower_right.contains("none") || lower_right.contains("availabilityonly") {
            return None;
        }
        Severity::Low
    } else if lower_right.contains("fullaccess") || lower_right.contains("sendas") {
        Severity::Medium
    } else if lower_right.contains("sendonbehalf") {
        Severity::Low
    } else {
        return None;
    };
    let who = if trustee.is_empty() { trustee_address.clone() } else { trustee.to_string() };
    let mut reason = format!("{who} holds {right} on {}", grant.str_at("mailboxDisplayName").unwrap_or(&mailbox));
    let shared = grant.str_at("recipientTypeDetails").is_some_and(|t| ["shared", "room", "equipment"].iter().any(|s| t.to_ascii_lowercase().contains(s)));
    if shared {
        level = level.lowered();
        reason.push_str(" (a shared or resource mailbox, where delegation is expected)");
    }
    if !trustee_address.is_empty() && domains.is_outside(&trustee_address) && !domains.domains.is_empty() {
        level = level.raised();
        reason.push_str("; the trustee is outside the tenant");
    }
    let is_suspect = suspects.iter().any(|s| !s.trim().is_empty() && (s.trim().eq_ignore_ascii_case(&trustee_address) || s.trim().eq_ignore_ascii_case(trustee)));
    if is_suspect {
        level = level.max(Severity::High);
        reason.push_str("; the trustee is a suspect account: it can read or send as this mailbox");
    }
    Some(Risk::new(level, reason))
}

/// A mailbox whose actions are not (or not all) audited: an evidence gap.
pub fn auditing(setting: &TenantObject) -> Option<Risk> {
    let effective = setting.str_at("effectiveAuditState").unwrap_or("").to_ascii_lowercase();
    let bypass = setting.bool_at("auditBypassEnabled") == Some(true) || effective.contains("bypass");
    if bypass {
        return Some(Risk::new(Severity::High, "audit bypass is set: nothing done in this mailbox, by its owner or anyone else, reaches the audit log; check who set it"));
    }
    if effective.contains("enabled") {
        return None;
    }
    if setting.bool_at("auditEnabled") == Some(false) || effective.contains("disabled") {
        return Some(Risk::new(Severity::Medium, "mailbox auditing is off: mail read, moved or deleted in it (MailItemsAccessed and the like) is missing from the Unified Audit Log, so its review has a gap"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(kind: ObjectKind, raw: Value) -> TenantObject {
        TenantObject::new(kind, "x".into(), None, raw, "f", "line 2")
    }

    #[test]
    fn inbox_rules() {
        let d = TenantDomains::from_list(&["contoso.com"]);
        let fwd = object(ObjectKind::InboxRule, json!({"mailbox":"a@contoso.com","enabled":true,"forwardTo":["\"Eve\" [SMTP:eve@evil.test]"],"deleteMessage":true}));
        assert_eq!(inbox_rule(&fwd, &d).map(|r| r.level), Some(Severity::Critical));
        let internal = object(ObjectKind::InboxRule, json!({"mailbox":"a@contoso.com","forwardTo":["b@contoso.com"]}));
        assert!(inbox_rule(&internal, &d).is_none());
        let hide = object(ObjectKind::InboxRule, json!({"mailbox":"a@contoso.com","moveToFolder":"RSS Feeds","markAsRead":true,"subjectContainsWords":["Invoice","attachment"]}));
        let r = inbox_rule(&hide, &d).expect("hiding rule");
        assert_eq!(r.level, Severity::High);
        assert!(r.reason.contains("'Invoice'") && !r.reason.contains("attachment"), "{}", r.reason);
        let ordinary = object(ObjectKind::InboxRule, json!({"mailbox":"a@contoso.com","moveToFolder":"Newsletters","from":["news@shop.test"]}));
        assert!(inbox_rule(&ordinary, &d).is_none());
        let disabled = object(ObjectKind::InboxRule, json!({"enabled":false,"redirectTo":["x@evil.test"]}));
        assert_eq!(inbox_rule(&disabled, &d).map(|r| r.level), Some(Severity::Medium));
    }

    #[test]
    fn transport_rules_read_the_actions_only() {
        let d = TenantDomains::from_list(&["contoso.com"]);
        let bcc = object(ObjectKind::TransportRule, json!({"state":"Enabled","description":"If the message:\n\tIs received from 'partner@vendor.test'\nTake the following actions:\n\tBlind carbon copy (Bcc) the message to 'drop@evil.test'\n"}));
        assert_eq!(transport_rule(&bcc, &d).map(|r| r.level), Some(Severity::Critical));
        let condition_only = object(ObjectKind::TransportRule, json!({"state":"Enabled","description":"If the message:\n\tIs received from 'partner@vendor.test'\nTake the following actions:\n\tApply a disclaimer to the message\n"}));
        assert!(transport_rule(&condition_only, &d).is_none());
        let scl = object(ObjectKind::TransportRule, json!({"state":"Enabled","description":"Take the following actions: Set the spam confidence level (SCL) to '-1'"}));
        assert_eq!(transport_rule(&scl, &d).map(|r| r.level), Some(Severity::High));
    }

    #[test]
    fn permissions_and_auditing() {
        let d = TenantDomains::from_list(&["contoso.com"]);
        let full = object(ObjectKind::MailboxPermission, json!({"mailbox":"ceo@contoso.com","trustee":"Eve","trusteeAddress":"eve@contoso.com","accessRight":"FullAccess","recipientTypeDetails":"UserMailbox"}));
        assert_eq!(permission(&full, &d, &[]).map(|r| r.level), Some(Severity::Medium));
        assert_eq!(permission(&full, &d, &["eve@contoso.com".into()]).map(|r| r.level), Some(Severity::High));
        let own = object(ObjectKind::MailboxPermission, json!({"mailbox":"ceo@contoso.com","trusteeAddress":"ceo@contoso.com","accessRight":"FullAccess"}));
        assert!(permission(&own, &d, &[]).is_none());
        assert!(auditing(&object(ObjectKind::MailboxAuditSetting, json!({"auditEnabled":true,"auditBypassEnabled":false}))).is_none());
        assert_eq!(auditing(&object(ObjectKind::MailboxAuditSetting, json!({"auditEnabled":false}))).map(|r| r.level), Some(Severity::Medium));
        assert!(auditing(&object(ObjectKind::MailboxAuditSetting, json!({"auditEnabled":false,"effectiveAuditState":"Enabled (Organization Policy)"}))).is_none());
    }
}
