//! OAuth permissions named in directory audit records (consent, permission
//! grants, app role assignments), and how much each one exposes.

use super::facts::{additional_details, changes};
use super::Severity;
use crate::store::EventStore;

/// One permission and how dangerous it is in an attacker's app.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Scope {
    pub risk: Severity,
    pub name: String,
}

/// How dangerous a permission is: reading or sending everyone's mail or
/// files, or changing the directory, is critical; one user's mail or files
/// is high; offline access (tokens that outlive a password reset) medium.
pub fn scope_risk(name: &str) -> Severity {
    let lower = name.to_ascii_lowercase();
    let all = lower.ends_with(".all");
    let family = lower.split('.').next().unwrap_or("");
    let writes = lower.contains("readwrite") || lower.contains("fullcontrol") || lower.contains(".send") || lower.contains("manage");
    match (family, all, writes) {
        _ if lower == "full_access_as_app" || lower == "ews.accessasuser.all" || lower == "exchange.manageasapp" => Severity::Critical,
        ("directory" | "rolemanagement" | "approleassignment" | "application" | "policy" | "domain", _, true) => Severity::Critical,
        ("mail" | "files" | "sites" | "mailboxsettings" | "user", true, true) => Severity::Critical,
        ("mail" | "files" | "sites" | "notes" | "chat" | "channelmessage" | "contacts" | "mailboxsettings", _, _) => Severity::High,
        ("directory" | "user" | "group" | "auditlog" | "rolemanagement" | "application", true, _) => Severity::High,
        _ if lower == "offline_access" || lower == "imap.accessasuser.all" || lower == "pop.accessasuser.all" || lower == "smtp.send" => Severity::Medium,
        _ if writes || all => Severity::Medium,
        _ => Severity::Low,
    }
}

/// Whether a word looks like a permission name (`Mail.Read`, `offline_access`).
fn is_permission(word: &str) -> bool {
    const BARE: [&str; 6] = ["offline_access", "openid", "profile", "email", "full_access_as_app", "user_impersonation"];
    if BARE.iter().any(|b| b.eq_ignore_ascii_case(word)) {
        return true;
    }
    let parts: Vec<&str> = word.split('.').collect();
    parts.len() >= 2
        && parts.len() <= 4
        && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && parts.first().is_some_and(|p| p.starts_with(|c: char| c.is_ascii_uppercase()))
        && parts.get(1).is_some_and(|p| p.starts_with(|c: char| c.is_ascii_uppercase()))
}

/// Permissions named in the row's modified properties' new values and its
/// additional details, riskiest first.
pub fn scopes(store: &EventStore, row: u32) -> Vec<Scope> {
    let mut texts: Vec<String> = changes(store, row)
        .into_iter()
        .filter(|c| {
            let p = c.property.to_ascii_lowercase();
            p.contains("scope") || p.contains("permission") || p.contains("approle.value") || p.contains("consentaction")
        })
        .map(|c| c.new)
        .collect();
    texts.extend(additional_details(store, row).into_iter().filter(|(k, _)| k.to_ascii_lowercase().contains("scope") || k.to_ascii_lowercase().contains("permission")).map(|(_, v)| v));
    let mut found: Vec<Scope> = Vec::new();
    for text in &texts {
        for word in text.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '"' | '\'' | '[' | ']' | '(' | ')' | '{' | '}' | ':' | '=' | '>')) {
            if is_permission(word) && !found.iter().any(|s| s.name.eq_ignore_ascii_case(word)) {
                found.push(Scope { risk: scope_risk(word), name: word.to_string() });
            }
        }
    }
    found.sort_by(|a, b| b.risk.cmp(&a.risk).then_with(|| a.name.cmp(&b.name)));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_permissions() {
        assert_eq!(scope_risk("full_access_as_app"), Severity::Critical);
        assert_eq!(scope_risk("Mail.ReadWrite.All"), Severity::Critical);
        assert_eq!(scope_risk("Directory.ReadWrite.All"), Severity::Critical);
        assert_eq!(scope_risk("Mail.Read"), Severity::High);
        assert_eq!(scope_risk("Files.ReadWrite"), Severity::High);
        assert_eq!(scope_risk("Directory.Read.All"), Severity::High);
        assert_eq!(scope_risk("offline_access"), Severity::Medium);
        assert_eq!(scope_risk("User.Read"), Severity::Low);
        assert_eq!(scope_risk("openid"), Severity::Low);
        assert!(is_permission("Mail.Send") && is_permission("offline_access") && !is_permission("ClientId") && !is_permission("2026.03.01"));
    }
}
