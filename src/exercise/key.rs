//! The answer key as exercise mode reads it: `sample::AnswerKey` (the file
//! the generator writes as `answer_key.json`), and what a trainee is
//! expected to find in it, grouped the way they would mark it: values to
//! mark, attack events grouped by what they show, remediation actions.

use crate::detect::parse_ip;
use crate::sample::{AnswerItem, KeyMark, MarkKind};
pub use crate::sample::{AnswerKey, Difficulty};

/// Read an `answer_key.json`.
pub fn parse_key(bytes: &[u8]) -> Result<AnswerKey, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(bytes);
    serde_json::from_slice(bytes).map_err(|e| format!("This is not a Loupe answer key: {e}"))
}

/// The values to mark. A key written before exercise mode has no `marks`:
/// they are made from its victims, addresses and app instead.
pub fn expected_marks(key: &AnswerKey) -> Vec<KeyMark> {
    if !key.marks.is_empty() {
        return key.marks.clone();
    }
    let mut marks: Vec<KeyMark> = key
        .victims
        .iter()
        .map(|v| KeyMark::new(MarkKind::Account, v, 1, "an account the attacker took over", "The attacker used this account: it is the one to contain."))
        .collect();
    marks.extend(key.created_accounts.iter().map(|a| KeyMark::new(MarkKind::Account, a, 10, "an account the attacker created", "A way back in for the attacker.")));
    marks.extend(key.attacker_ips.iter().map(|ip| KeyMark::new(MarkKind::Ip, ip, 1, "an attacker address", "The attacker worked from this address.")));
    if !key.malicious_app.app_id.is_empty() {
        marks.push(
            KeyMark::new(MarkKind::App, &key.malicious_app.app_id, 8, format!("the app '{}'", key.malicious_app.name), "The attacker's way into the data without the password.")
                .also(&key.malicious_app.name),
        );
    }
    marks
}

/// Accounts the attack touched without taking them over (sprayed, or
/// whose mailbox was read): marking one is neither found nor wrong.
pub fn neutral_account(key: &AnswerKey, account: &str) -> Option<&'static str> {
    let is = |list: &[String]| list.iter().any(|a| a.eq_ignore_ascii_case(account.trim()));
    if is(&key.accessed_mailboxes) {
        Some("The attacker read this mailbox through another account; this account itself was not used by the attacker. Not scored.")
    } else if is(&key.targeted_accounts) {
        Some("Sprayed with passwords, but the password did not fall: worth watching, not compromised. Not scored.")
    } else {
        None
    }
}

/// Whether a value the trainee marked is `mark`'s (its value or another
/// spelling; addresses compared as addresses, a marked network counting for
/// the addresses it holds; a marked domain counting for an address in it).
pub fn matches(mark: &KeyMark, marked: &str) -> bool {
    let marked = marked.trim();
    if marked.is_empty() {
        return false;
    }
    let same = |value: &str| {
        if value.eq_ignore_ascii_case(marked) {
            return true;
        }
        if let (Some(a), Some(b)) = (parse_ip(value), parse_ip(marked)) {
            return a == b;
        }
        if mark.kind == MarkKind::Ip && marked.contains('/') {
            return parse_ip(value).is_some_and(|ip| crate::detect::cidr_contains(marked, ip));
        }
        false
    };
    std::iter::once(&mark.value).chain(&mark.also).any(|v| same(v))
}

/// Attack records that show the same thing (`what`) at the same step: the
/// trainee finds the group by marking any one of them.
#[derive(Clone, Debug, PartialEq)]
pub struct EventGroup<'a> {
    pub step: u8,
    pub what: &'a str,
    pub why: &'a str,
    pub items: Vec<&'a AnswerItem>,
}

pub fn event_groups(key: &AnswerKey) -> Vec<EventGroup<'_>> {
    let mut groups: Vec<EventGroup> = Vec::new();
    for item in &key.items {
        match groups.iter_mut().find(|g| g.step == item.step && g.what == item.what) {
            Some(group) => group.items.push(item),
            None => groups.push(EventGroup { step: item.step, what: &item.what, why: &item.why, items: vec![item] }),
        }
    }
    groups
}

/// What a remediation action in the key is, and why doing it matters, by
/// the action id's kind (`revoke_sessions:…`).
pub fn remediation_explained(id: &str) -> (u8, &'static str, &'static str) {
    let kind = id.split(':').next().unwrap_or("");
    match kind {
        "revoke_sessions" => (2, "Revoke the account's sessions", "Ends the stolen session and its refresh tokens: without it a password reset leaves the attacker signed in."),
        "disable_account" => (2, "Block the account's sign-in", "Keeps the attacker out while the investigation goes on."),
        "reset_password" => (11, "Reset the password", "The attacker knows it, or had a session that could change it: a new one closes the front door."),
        "remove_method" => (11, "Remove the attacker's sign-in method", "An MFA method the attacker registered lets them pass MFA as the victim after the reset."),
        "require_mfa_reregistration" => (11, "Require MFA registration again", "Every method registered during the compromise is suspect."),
        "block_legacy_protocols" => (11, "Turn off legacy protocols", "Legacy authentication skips MFA: it is how sprays and scripted clients get in."),
        "remove_inbox_rule" => (11, "Remove the attacker's inbox rule", "The rule keeps forwarding and hiding mail long after the attacker is gone."),
        "remove_forwarding" => (11, "Remove mail forwarding", "Forwarding keeps leaking mail after the attacker is gone."),
        "remove_transport_rule" => (11, "Remove the transport rule", "A transport rule copies or hides mail for the whole organisation."),
        "remove_mailbox_permission" => (11, "Remove the mailbox permission", "The permission the attacker granted keeps another mailbox open to the account."),
        "revoke_app" => (11, "Revoke the app's grants", "The consented app reads mail with its own refresh token: a password reset does not stop it."),
        "disable_app" => (2, "Disable the application", "Stops the app signing in at once while its credentials are cleaned up."),
        "remove_app_credential" => (11, "Remove the credential added to the app", "The secret the attacker added lets them sign in as the app from anywhere, without any user."),
        "remove_role" => (11, "Take the granted role away", "An administrator role given in the attack keeps full control of the tenant."),
        "disable_created_account" => (11, "Disable the account the attacker created", "The attacker's own account is their way back in."),
        "aws_disable_key" => (4, "Deactivate the new AWS access key", "A long-lived key works from anywhere without Entra ID or MFA."),
        "aws_user" => (4, "Remove the AWS user", "An IAM user made in the attack is a way back in."),
        "aws_detach" => (4, "Detach the AWS policy", "A policy attached in the attack grants the attacker's permissions."),
        "aws_rotate_secret" | "azure_rotate_secret" | "gcp_rotate_secret" | "aws_rotate_parameter" => {
            (11, "Rotate the secret that was read", "The attacker has read its value: it stays theirs until it is changed.")
        }
        "aws_stop_instances" | "azure_stop_vm" => (4, "Stop the attacker's machines", "A machine the attacker built is a foothold that outlives the password reset."),
        "aws_logging" => (4, "Turn logging back on", "Logging turned off hides what comes next."),
        "azure_role_assignment" | "gcp_iam_policy" => (4, "Remove the role assignment", "A role given in the attack keeps the attacker's access to the resources."),
        "azure_renew_storage_keys" => (11, "Renew the storage account keys", "The listed keys give full access to the account's data until both are renewed."),
        "gcp_disable_key" => (4, "Disable the service account key", "A key made in the attack works from anywhere."),
        _ => (11, "Remediation action", "Part of undoing what the attacker left."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marked_values_match_as_the_kind_needs() {
        let ip = KeyMark::new(MarkKind::Ip, "203.0.113.61", 1, "", "");
        assert!(matches(&ip, " 203.0.113.61 "));
        assert!(matches(&ip, "203.0.113.61:443"));
        assert!(matches(&ip, "203.0.113.0/24"));
        assert!(!matches(&ip, "203.0.113.6"));
        let app = KeyMark::new(MarkKind::App, "eca30e09", 8, "", "").also("PDF SecureView Pro");
        assert!(matches(&app, "pdf secureview pro") && matches(&app, "ECA30E09"));
        let address = KeyMark::new(MarkKind::EmailAddress, "x@evil.example", 9, "", "").also("evil.example");
        assert!(matches(&address, "EVIL.example") && !matches(&address, ""));
    }

    #[test]
    fn remediation_is_explained_by_kind() {
        assert_eq!(remediation_explained("revoke_sessions:a@b").0, 2);
        assert_eq!(remediation_explained("azure_rotate_secret:kv:x").1, "Rotate the secret that was read");
        assert_eq!(remediation_explained("nonsense").1, "Remediation action");
    }
}
