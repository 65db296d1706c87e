//! Which lane of a suspect's story a row belongs to: what kind of thing the
//! intruder did. Operations are recognised by the detectors' own lists, so
//! the story and the findings always agree on what, say, an MFA change is.

use crate::detect::app_credentials::CREDENTIAL_OPS;
use crate::detect::attacker_mail::SEND_OPS;
use crate::detect::facts::{changes, op_named};
use crate::detect::inbox_rules::RULE_OPS;
use crate::detect::mail_forwarding::{MAILBOX_OPS, TRANSPORT_OPS};
use crate::detect::mfa_changes::{MFA_OFF_OPS, SECURITY_INFO_OPS, STRONG_AUTH_PREFIX};
use crate::detect::oauth_apps::{GRANT_OPS, NEW_APP_OPS};
use crate::detect::role_changes::{ADD_OPS, REMOVE_OPS};
use crate::detect::window_activity::{DOWNLOAD_OPS, MAIL_READ_OPS};
use crate::model::Source;
use crate::store::{EventStore, TextColumn};

/// One kind of activity, drawn as one row of marks on the story's time axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Lane {
    SignIns,
    /// Sign-in methods registered, changed or removed; MFA turned off.
    Mfa,
    /// Consents, new applications, and credentials added to applications.
    Apps,
    /// Inbox rules, mailbox forwarding and transport rules.
    MailRules,
    /// Mail read and sent (audit log and message trace).
    Mail,
    FileDownloads,
    RoleChanges,
    /// Azure Activity, CloudTrail and Google Cloud audit rows.
    Cloud,
    /// Microsoft Graph requests.
    Graph,
}

impl Lane {
    /// Every lane, top to bottom as drawn: roughly the order an intrusion
    /// unfolds in (in, persist, take, spread).
    pub const ALL: [Lane; 9] = [Lane::SignIns, Lane::Mfa, Lane::Apps, Lane::MailRules, Lane::Mail, Lane::FileDownloads, Lane::RoleChanges, Lane::Cloud, Lane::Graph];

    /// A stable name for markup and tests (`data-lane`).
    pub fn key(self) -> &'static str {
        match self {
            Lane::SignIns => "signins",
            Lane::Mfa => "mfa",
            Lane::Apps => "apps",
            Lane::MailRules => "mail-rules",
            Lane::Mail => "mail",
            Lane::FileDownloads => "files",
            Lane::RoleChanges => "roles",
            Lane::Cloud => "cloud",
            Lane::Graph => "graph",
        }
    }

    /// What the analyst reads beside the lane.
    pub fn label(self) -> &'static str {
        match self {
            Lane::SignIns => "Sign-ins",
            Lane::Mfa => "MFA changes",
            Lane::Apps => "Apps and consents",
            Lane::MailRules => "Inbox rules, forwarding",
            Lane::Mail => "Mail read and sent",
            Lane::FileDownloads => "Files downloaded",
            Lane::RoleChanges => "Role changes",
            Lane::Cloud => "Cloud actions",
            Lane::Graph => "Graph calls",
        }
    }

    fn index(self) -> usize {
        Lane::ALL.iter().position(|&l| l == self).unwrap_or(0)
    }
}

/// The lane of a row, or `None` for activity the story leaves out (it is
/// still in the timeline).
pub fn lane_of(store: &EventStore, row: u32) -> Option<Lane> {
    match store.source(row) {
        Source::SignIn => Some(Lane::SignIns),
        Source::AzureActivity | Source::CloudTrail | Source::GcpAudit => Some(Lane::Cloud),
        Source::GraphActivity => Some(Lane::Graph),
        // A trace row's actor is the sender: mail the account sent.
        Source::MessageTrace => Some(Lane::Mail),
        Source::RiskDetection => None,
        Source::DirectoryAudit | Source::UnifiedAudit => match operation_lane(store.operation(row)) {
            OperationLane::Lane(lane) => Some(lane),
            OperationLane::IfChanged(lane) => changes_credentials(store, row, lane).then_some(lane),
            OperationLane::None => None,
        },
    }
}

/// What an audit operation's name alone says about its lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OperationLane {
    Lane(Lane),
    /// A general update (`Update user`, `Update application`) that belongs
    /// to the lane only when its changed properties say so.
    IfChanged(Lane),
    None,
}

fn operation_lane(operation: &str) -> OperationLane {
    let is = |names: &[&str]| op_named(operation, names);
    let lane = if is(&SECURITY_INFO_OPS) || is(&MFA_OFF_OPS) {
        Lane::Mfa
    } else if is(&GRANT_OPS) || is(&NEW_APP_OPS) || is(&CREDENTIAL_OPS) {
        Lane::Apps
    } else if is(&RULE_OPS) || is(&MAILBOX_OPS) || is(&TRANSPORT_OPS) {
        Lane::MailRules
    } else if is(&MAIL_READ_OPS) || is(&SEND_OPS) {
        Lane::Mail
    } else if is(&DOWNLOAD_OPS) {
        Lane::FileDownloads
    } else if is(&ADD_OPS) || is(&REMOVE_OPS) {
        Lane::RoleChanges
    } else if is(&["Update user"]) {
        return OperationLane::IfChanged(Lane::Mfa);
    } else if is(&["Update application", "Update service principal"]) {
        return OperationLane::IfChanged(Lane::Apps);
    } else {
        return OperationLane::None;
    };
    OperationLane::Lane(lane)
}

/// Whether a general update changed what the lane is about: the
/// StrongAuthentication properties of a user (as `mfa_changes` reads
/// them), or the keys of an application (as `app_credentials` does).
fn changes_credentials(store: &EventStore, row: u32, lane: Lane) -> bool {
    let changed = changes(store, row);
    match lane {
        Lane::Mfa => changed.iter().any(|c| c.property.starts_with(STRONG_AUTH_PREFIX)),
        Lane::Apps => changed.iter().any(|c| c.property.eq_ignore_ascii_case("KeyDescription") || c.property.eq_ignore_ascii_case("FederatedIdentityCredentials")),
        _ => false,
    }
}

/// `lane_of` for many rows: operation names are judged once per distinct
/// name, so a million rows cost a million look-ups, not string tests.
pub struct LaneClassifier {
    /// Per operation id: `None` until judged.
    by_operation: Vec<Option<OperationLane>>,
}

impl LaneClassifier {
    pub fn new(store: &EventStore) -> LaneClassifier {
        LaneClassifier { by_operation: vec![None; store.text_id_count(TextColumn::Operation)] }
    }

    pub fn lane(&mut self, store: &EventStore, row: u32) -> Option<Lane> {
        if !matches!(store.source(row), Source::DirectoryAudit | Source::UnifiedAudit) {
            return lane_of(store, row);
        }
        let id = store.text_id(row, TextColumn::Operation);
        let judged = match self.by_operation.get_mut(id as usize) {
            Some(Some(judged)) => *judged,
            Some(slot) => *slot.insert(operation_lane(store.operation(row))),
            None => operation_lane(store.operation(row)),
        };
        match judged {
            OperationLane::Lane(lane) => Some(lane),
            OperationLane::IfChanged(lane) => changes_credentials(store, row, lane).then_some(lane),
            OperationLane::None => None,
        }
    }
}

/// Lanes as array positions, for per-lane tables.
pub(crate) fn lane_index(lane: Lane) -> usize {
    lane.index()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{audit, signin, store_of, ual, EventExt};
    use crate::model::{attr, Event};

    fn lanes(events: Vec<Event>) -> Vec<Option<Lane>> {
        let store = store_of(events);
        let mut classifier = LaneClassifier::new(&store);
        let by_row: Vec<Option<Lane>> = (0..store.len() as u32).map(|r| lane_of(&store, r)).collect();
        let cached: Vec<Option<Lane>> = (0..store.len() as u32).map(|r| classifier.lane(&store, r)).collect();
        assert_eq!(by_row, cached, "the classifier's cache must not change any answer");
        by_row
    }

    #[test]
    fn each_kind_of_activity_has_its_lane() {
        let found = lanes(vec![
            signin("2026-03-01T08:00:00Z", "alice@contoso.com", "203.0.113.7", "NL"),
            audit("2026-03-01T08:01:00Z", "User registered security info", "alice@contoso.com", "alice@contoso.com"),
            audit("2026-03-01T08:02:00Z", "Consent to application", "alice@contoso.com", "Mail Reader"),
            audit("2026-03-01T08:03:00Z", "Add service principal credentials", "alice@contoso.com", "Backup App"),
            ual("2026-03-01T08:04:00Z", "New-InboxRule", "alice@contoso.com", "203.0.113.7"),
            ual("2026-03-01T08:05:00Z", "Set-Mailbox", "alice@contoso.com", "203.0.113.7"),
            ual("2026-03-01T08:06:00Z", "MailItemsAccessed", "alice@contoso.com", "203.0.113.7"),
            ual("2026-03-01T08:07:00Z", "SendAs", "alice@contoso.com", "203.0.113.7"),
            ual("2026-03-01T08:08:00Z", "FileSyncDownloadedFull", "alice@contoso.com", "203.0.113.7"),
            audit("2026-03-01T08:09:00Z", "Add member to role.", "alice@contoso.com", "mallory@contoso.com"),
            Event { source: Source::CloudTrail, operation: "CreateAccessKey".into(), ..audit("2026-03-01T08:10:00Z", "", "alice@contoso.com", "") },
            Event { source: Source::GraphActivity, operation: "GET /users/{id}/messages".into(), ..audit("2026-03-01T08:11:00Z", "", "obj-1", "") },
            Event { source: Source::MessageTrace, operation: "Delivered".into(), ..audit("2026-03-01T08:12:00Z", "", "alice@contoso.com", "bob@fabrikam.com") },
            ual("2026-03-01T08:13:00Z", "FileAccessed", "alice@contoso.com", "203.0.113.7"),
        ]);
        use Lane::*;
        let expected = [SignIns, Mfa, Apps, Apps, MailRules, MailRules, Mail, Mail, FileDownloads, RoleChanges, Cloud, Graph, Mail];
        assert_eq!(&found[..expected.len()], expected.map(Some).as_slice());
        assert_eq!(found[expected.len()], None, "reading a file is not a download");
    }

    #[test]
    fn general_updates_count_only_when_they_touch_credentials() {
        let found = lanes(vec![
            audit("2026-03-01T08:00:00Z", "Update user", "admin@contoso.com", "alice@contoso.com")
                .with(attr::MODIFIED_PROPERTIES, r#"[{"displayName":"StrongAuthenticationMethod","oldValue":"[]","newValue":"[{\"MethodType\":6}]"}]"#),
            audit("2026-03-01T08:01:00Z", "Update user", "admin@contoso.com", "alice@contoso.com")
                .with(attr::MODIFIED_PROPERTIES, r#"[{"displayName":"JobTitle","oldValue":"","newValue":"Clerk"}]"#),
            audit("2026-03-01T08:02:00Z", "Update application", "alice@contoso.com", "Backup App")
                .with(attr::MODIFIED_PROPERTIES, r#"[{"displayName":"KeyDescription","oldValue":"[]","newValue":"[\"secret\"]"}]"#),
            audit("2026-03-01T08:03:00Z", "Update application", "alice@contoso.com", "Backup App"),
        ]);
        assert_eq!(found, vec![Some(Lane::Mfa), None, Some(Lane::Apps), None]);
    }

    #[test]
    fn keys_are_distinct() {
        let keys: std::collections::BTreeSet<&str> = Lane::ALL.iter().map(|l| l.key()).collect();
        assert_eq!(keys.len(), Lane::ALL.len());
        assert!(Lane::ALL.iter().enumerate().all(|(i, &l)| lane_index(l) == i));
    }
}
