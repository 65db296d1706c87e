//! The response playbook Loupe follows: three time-boxed phases of four steps
//! each, what every step is for, and which evidence it needs. The facts come
//! from the team's cloud identity compromise quickstart; the wording is ours.

use crate::model::Source;

/// Evidence a step needs before it can be answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Need {
    Log(Source),
    /// Exported tenant configuration (Conditional Access, apps, roles …).
    TenantSnapshot,
}

impl Need {
    pub fn label(self) -> &'static str {
        match self {
            Need::Log(Source::SignIn) => "Entra sign-in logs",
            Need::Log(Source::DirectoryAudit) => "Entra audit logs",
            Need::Log(Source::UnifiedAudit) => "Microsoft 365 Unified Audit Log",
            Need::Log(Source::AzureActivity) => "Azure Activity Log",
            Need::Log(Source::CloudTrail) => "AWS CloudTrail logs",
            Need::Log(Source::GcpAudit) => "Google Cloud audit logs",
            Need::Log(Source::GraphActivity) => "Microsoft Graph activity logs",
            Need::Log(Source::MessageTrace) => "Exchange message trace",
            Need::Log(Source::RiskDetection) => "Entra ID Protection risk detections",
            Need::TenantSnapshot => "tenant configuration snapshot",
        }
    }

    /// Whether the case has this evidence: `loaded` are the sources of the
    /// rows in the store, `has_snapshot` whether a tenant export is open.
    pub fn is_loaded(self, loaded: &[Source], has_snapshot: bool) -> bool {
        match self {
            Need::Log(source) => loaded.contains(&source),
            Need::TenantSnapshot => has_snapshot,
        }
    }
}

/// One step of the checklist.
#[derive(Debug, PartialEq, Eq)]
pub struct Step {
    /// 1 to 12, in playbook order.
    pub number: u8,
    pub title: &'static str,
    /// What the step is for, in two or three sentences.
    pub summary: &'static str,
    pub needs: &'static [Need],
    /// Evidence that answers part of the step better when a tenant has it
    /// (not every tenant keeps it): shown as optional, never as missing.
    pub helps: &'static [Need],
}

/// A time box of four steps.
#[derive(Debug, PartialEq, Eq)]
pub struct Phase {
    pub id: &'static str,
    pub title: &'static str,
    /// Deadline, in minutes after the incident start.
    pub minutes: i64,
    pub steps: [Step; 4],
}

const SIGNIN: Need = Need::Log(Source::SignIn);
const AUDIT: Need = Need::Log(Source::DirectoryAudit);
const UAL: Need = Need::Log(Source::UnifiedAudit);
const AZURE: Need = Need::Log(Source::AzureActivity);
const AWS: Need = Need::Log(Source::CloudTrail);
const GCP: Need = Need::Log(Source::GcpAudit);
const GRAPH: Need = Need::Log(Source::GraphActivity);
const TRACE: Need = Need::Log(Source::MessageTrace);
const RISK: Need = Need::Log(Source::RiskDetection);

pub static PHASES: [Phase; 3] = [
    Phase {
        id: "15m",
        title: "First 15 minutes",
        minutes: 15,
        steps: [
            Step {
                number: 1,
                title: "Validate the alert",
                summary: "Check the sign-in behind the alert in the sign-in log: where it came from, the device and its compliance, the client and user agent, and the risk Entra assigned. Rule out travel and VPN quickly, so a real compromise is acted on and a false alarm does not lock a user out.",
                needs: &[SIGNIN],
                helps: &[RISK],
            },
            Step {
                number: 2,
                title: "Revoke sessions and refresh tokens",
                summary: "Revoke the account's refresh tokens and sessions so every device must sign in again. Access tokens already issued stay valid until they expire, typically 60 to 90 minutes, so watch for activity from the attacker in that window.",
                needs: &[SIGNIN, UAL],
                helps: &[GRAPH],
            },
            Step {
                number: 3,
                title: "Reset credentials and check MFA",
                summary: "Reset the password and disable the account if the compromise is severe. Look for MFA methods the attacker registered and remove them, and close any MFA exclusion or legacy protocol that lets a sign-in skip MFA.",
                needs: &[AUDIT, SIGNIN],
                helps: &[],
            },
            Step {
                number: 4,
                title: "Check cloud infrastructure access",
                summary: "If the identity reaches Azure subscriptions, AWS accounts or GCP projects, look for new virtual machines, storage, keys and IAM roles the attacker may use to stay in. Restrict the account's access to sensitive resources while you look.",
                needs: &[AZURE, AWS, GCP],
                helps: &[],
            },
        ],
    },
    Phase {
        id: "60m",
        title: "First 60 minutes",
        minutes: 60,
        steps: [
            Step {
                number: 5,
                title: "Review identity logs",
                summary: "Pull at least 30 days of sign-in and audit logs for the account and the service principals around it. Focus on successful sign-ins from unfamiliar addresses, MFA registrations, role assignment changes and Conditional Access changes: they give the scope and timeline.",
                needs: &[SIGNIN, AUDIT],
                helps: &[GRAPH, RISK],
            },
            Step {
                number: 6,
                title: "Review the Unified Audit Log",
                summary: "Establish what the account did during the compromise window: mail read, files downloaded from SharePoint and OneDrive, Teams messages read, and administrative operations. This is the record that tells whether data left the tenant or settings were changed.",
                needs: &[UAL],
                helps: &[GRAPH, TRACE],
            },
            Step {
                number: 7,
                title: "Capture and compare tenant configuration",
                summary: "Export the current Conditional Access policies, authentication methods, named locations, app registrations, enterprise apps, custom roles and federation settings. Compare them with the known-good baseline: an attacker with privilege weakens controls or plants backdoors here.",
                needs: &[Need::TenantSnapshot, AUDIT],
                helps: &[],
            },
            Step {
                number: 8,
                title: "Audit OAuth applications",
                summary: "List every app the account consented to and every app registered or changed during the window. Apps holding broad permissions such as Mail.ReadWrite or Files.ReadWrite.All keep working after a password reset, so revoke and remove what should not be there.",
                needs: &[AUDIT, Need::TenantSnapshot],
                helps: &[GRAPH],
            },
        ],
    },
    Phase {
        id: "4h",
        title: "First 4 hours",
        minutes: 240,
        steps: [
            Step {
                number: 9,
                title: "Review mailbox rules",
                summary: "Check inbox rules and forwarding on this mailbox and any other the attacker reached. Forwarding to outside addresses, and rules that delete or hide security alerts, password-reset or MFA mail, let the attacker keep watching after remediation.",
                needs: &[UAL],
                helps: &[TRACE, Need::TenantSnapshot],
            },
            Step {
                number: 10,
                title: "Trace lateral movement and escalation",
                summary: "Follow the identity to other mailboxes, SharePoint sites, subscriptions and admin portals. Look for privilege escalation: the account added to admin roles, new admin accounts created, or PIM settings changed.",
                needs: &[UAL, AUDIT, SIGNIN],
                helps: &[GRAPH, TRACE, RISK],
            },
            Step {
                number: 11,
                title: "Complete credential remediation",
                summary: "Finish the clean-up: password reset, token revocation, removal and re-enrolment of every MFA method, app passwords disabled, personal access tokens and API keys revoked. Rotate secrets of service principals, managed identities and Key Vaults the account could reach, and confirm Conditional Access now requires MFA for it everywhere.",
                needs: &[AUDIT, AZURE, AWS, GCP],
                helps: &[],
            },
            Step {
                number: 12,
                title: "Strengthen Conditional Access",
                summary: "Tighten policies against the attack paths seen: MFA for all users including administrators, legacy authentication blocked, non-compliant devices restricted, admin portals limited by location, compliant devices for sensitive resources. Record every change and test it so legitimate users are not locked out.",
                needs: &[Need::TenantSnapshot],
                helps: &[],
            },
        ],
    },
];

/// A step by its number (1 to 12).
pub fn step(number: u8) -> Option<&'static Step> {
    all_steps().find(|s| s.number == number)
}

/// Every step in order.
pub fn all_steps() -> impl Iterator<Item = &'static Step> {
    PHASES.iter().flat_map(|p| p.steps.iter())
}

/// Index (0..3) of the phase holding a step.
pub fn phase_of(number: u8) -> Option<usize> {
    PHASES.iter().position(|p| p.steps.iter().any(|s| s.number == number))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_steps_numbered_in_order() {
        let numbers: Vec<u8> = all_steps().map(|s| s.number).collect();
        assert_eq!(numbers, (1..=12).collect::<Vec<u8>>());
        assert_eq!(PHASES.iter().map(|p| p.minutes).collect::<Vec<_>>(), [15, 60, 240]);
        assert_eq!(phase_of(5), Some(1));
        assert_eq!(step(9).map(|s| s.title), Some("Review mailbox rules"));
        assert!(step(13).is_none());
    }

    #[test]
    fn every_step_says_what_it_needs() {
        for s in all_steps() {
            assert!(!s.needs.is_empty(), "step {}", s.number);
            assert!(s.summary.len() > 100, "step {}", s.number);
            assert!(s.helps.iter().all(|h| !s.needs.contains(h)), "step {}: optional evidence is not also required", s.number);
        }
    }
}
