//! Actions for what the intruder set up in mail: inbox rules, mailbox
//! forwarding, transport rules and mailbox permissions. One action per
//! rule or setting the step 9 and step 10 findings cite.

use super::identity::query_value;
use super::quote::ps;
use super::{actionable, exchange, key, Action, Promise};
use crate::detect::facts::{op_is, param};
use crate::detect::mailflow::mail_rule;
use crate::detect::{Finding, History};
use crate::store::EventStore;

const INBOX_RULE_OPS: [&str; 4] = ["New-InboxRule", "Set-InboxRule", "UpdateInboxRules", "Enable-InboxRule"];
const TRANSPORT_OPS: [&str; 3] = ["New-TransportRule", "Set-TransportRule", "Enable-TransportRule"];

/// The tenant's domains come from `history`, worked out there once (and
/// only when a rule finding asks for them).
pub fn actions(store: &EventStore, findings: &[Finding], history: &History) -> Vec<Action> {
    taken(findings).into_iter().flat_map(|f| actions_of(store, f, history)).collect()
}

/// The findings this part acts on, in the order it takes them: rules and
/// forwarding first, then mailbox permissions.
pub fn taken(findings: &[Finding]) -> Vec<&Finding> {
    actionable(findings, "mail.inbox_rule").chain(actionable(findings, "mail.forwarding")).chain(actionable(findings, "scope.mailbox_permission")).collect()
}

/// The actions for one of the findings `taken` returns.
pub fn actions_of(store: &EventStore, f: &Finding, history: &History) -> Vec<Action> {
    if f.detector == "scope.mailbox_permission" {
        permission_actions(store, f)
    } else {
        rule_actions(store, f, history)
    }
}

/// Removing an inbox or transport rule, or mailbox forwarding.
fn rule_actions(store: &EventStore, f: &Finding, history: &History) -> Vec<Action> {
    let mut out = Vec::new();
    for &row in &f.rows {
        let rule = mail_rule(store, row, history.tenant_domains());
        if op_is(store, row, &INBOX_RULE_OPS) {
            let mailbox = rule_mailbox(store, row);
            if mailbox.is_empty() {
                continue;
            }
            let named = !rule.name.is_empty();
            let removal = if named {
                format!("Remove-InboxRule -Mailbox {} -Identity {} -Confirm:$false", ps(&mailbox), ps(&rule.name))
            } else {
                "# The log does not name the rule: pick it from the list above by what it does.\nRemove-InboxRule -Mailbox '<mailbox>' -Identity '<rule identity>' -Confirm:$false"
                    .replace("'<mailbox>'", &ps(&mailbox))
            };
            out.push(Action {
                id: format!("remove_inbox_rule:{}:{}", key(&mailbox), key(&rule.name)),
                step: 11,
                title: if named { format!("Remove inbox rule '{}' from {mailbox}", rule.name) } else { format!("Remove the intruder's inbox rule from {mailbox}") },
                why: format!(
                    "The rule {} and keeps working after the password is reset. List the rules first: Outlook can hide a rule from Get-InboxRule unless -IncludeHidden is given.",
                    if rule.actions().is_empty() { "was created by the intruder".to_string() } else { rule.actions().join(", ") }
                ),
                commands: vec![exchange(&format!(
                    "Get-InboxRule -Mailbox {} -IncludeHidden | Format-List Name, Identity, Enabled, ForwardTo, RedirectTo, DeleteMessage, MoveToFolder\n{removal}",
                    ps(&mailbox)
                ))],
                portal: "Exchange admin center has no rule editor: use PowerShell, or Outlook on the web signed in as the user › Settings › Mail › Rules".into(),
                findings: vec![f.id.clone()],
                rows: vec![row],
                query: format!("op:New-InboxRule,Set-InboxRule,UpdateInboxRules target:{}*", query_value(&mailbox)),
                promise: Some(Promise { operations: INBOX_RULE_OPS.iter().map(|s| s.to_string()).collect(), account: Some(mailbox.clone()), ..Promise::default() }),
            });
        } else if op_is(store, row, &TRANSPORT_OPS) {
            if rule.name.is_empty() {
                continue;
            }
            out.push(Action {
                id: format!("remove_transport_rule:{}", key(&rule.name)),
                step: 11,
                title: format!("Remove transport rule '{}'", rule.name),
                why: format!("An organisation-wide mail flow rule that {}. It affects every mailbox, not just the compromised one.", rule.actions().join(", ")),
                commands: vec![exchange(&format!("Get-TransportRule -Identity {name} | Format-List\nRemove-TransportRule -Identity {name} -Confirm:$false", name = ps(&rule.name)))],
                portal: "Exchange admin center › Mail flow › Rules › (the rule) › Delete".into(),
                findings: vec![f.id.clone()],
                rows: vec![row],
                query: "op:New-TransportRule,Set-TransportRule,Enable-TransportRule".into(),
                promise: Some(Promise { operations: TRANSPORT_OPS.iter().map(|s| s.to_string()).collect(), ..Promise::default() }),
            });
        } else if op_is(store, row, &["Set-Mailbox"]) {
            let mailbox = param(store, row, "Identity").unwrap_or(store.target(row)).trim().to_string();
            if mailbox.is_empty() {
                continue;
            }
            out.push(Action {
                id: format!("remove_forwarding:{}", key(&mailbox)),
                step: 11,
                title: format!("Turn off forwarding on {mailbox}"),
                why: format!("The mailbox {} at the mailbox level, which no inbox rule list shows.", rule.actions().join(", ")),
                commands: vec![exchange(&format!(
                    "Set-Mailbox -Identity {m} -ForwardingSmtpAddress $null -ForwardingAddress $null -DeliverToMailboxAndForward $false\nGet-Mailbox -Identity {m} | Format-List ForwardingSmtpAddress, ForwardingAddress, DeliverToMailboxAndForward",
                    m = ps(&mailbox)
                ))],
                portal: "Microsoft 365 admin center › Users › Active users › (the user) › Mail › Email forwarding › Manage email forwarding (off)".into(),
                findings: vec![f.id.clone()],
                rows: vec![row],
                query: format!("op:Set-Mailbox target:{}", query_value(&mailbox)),
                promise: Some(Promise { operations: vec!["Set-Mailbox".into()], ..Promise::default() }),
            });
        }
    }
    out
}

/// Taking a delegated mailbox permission away.
fn permission_actions(store: &EventStore, f: &Finding) -> Vec<Action> {
    let mut out = Vec::new();
    for &row in &f.rows {
        let mailbox = param(store, row, "Identity").unwrap_or(store.target(row)).trim().to_string();
        let grantee = param(store, row, "User").or_else(|| param(store, row, "Trustee")).unwrap_or("").trim().to_string();
        if mailbox.is_empty() || grantee.is_empty() {
            continue;
        }
        let rights = param(store, row, "AccessRights").unwrap_or("FullAccess").trim().to_string();
        let command = if op_is(store, row, &["Add-RecipientPermission"]) {
            format!("Remove-RecipientPermission -Identity {} -Trustee {} -AccessRights SendAs -Confirm:$false", ps(&mailbox), ps(&grantee))
        } else if op_is(store, row, &["Add-MailboxFolderPermission", "Set-MailboxFolderPermission"]) {
            format!("Remove-MailboxFolderPermission -Identity {} -User {} -Confirm:$false", ps(&mailbox), ps(&grantee))
        } else {
            format!("Remove-MailboxPermission -Identity {} -User {} -AccessRights {} -InheritanceType All -Confirm:$false", ps(&mailbox), ps(&grantee), ps(&rights))
        };
        out.push(Action {
            id: format!("remove_mailbox_permission:{}:{}", key(&mailbox), key(&grantee)),
            step: 11,
            title: format!("Take {grantee}'s {rights} off {mailbox}"),
            why: "A delegated mailbox permission lets the grantee keep reading (or sending as) the mailbox whatever happens to the owner's password.".into(),
            commands: vec![exchange(&format!("Get-MailboxPermission -Identity {} | Where-Object {{ -not $_.IsInherited }}\n{command}", ps(&mailbox)))],
            portal: "Exchange admin center › Recipients › Mailboxes › (the mailbox) › Delegation › Read and manage (Full Access) / Send as › Edit".into(),
            findings: vec![f.id.clone()],
            rows: vec![row],
            query: format!("op:Add-MailboxPermission,Add-RecipientPermission,Add-MailboxFolderPermission,MailItemsAccessed user:{}", query_value(&grantee)),
            promise: None,
        });
    }
    out
}

/// The mailbox an inbox-rule row belongs to: `Param.Mailbox`, else the
/// UAL `ObjectId` (`mailbox\rule`), else the acting account.
fn rule_mailbox(store: &EventStore, row: u32) -> String {
    if let Some(m) = param(store, row, "Mailbox").filter(|m| !m.trim().is_empty()) {
        return m.trim().to_string();
    }
    let target = store.target(row);
    let from_object = target.split('\\').next().unwrap_or("").trim();
    if from_object.contains('@') {
        return from_object.to_string();
    }
    store.actor(row).trim().to_string()
}
