//! Step 4: new access keys and service account keys. A long-lived key made
//! from the stolen session is the most common way an attacker keeps AWS or
//! Google Cloud access after the Entra account is reset.

use super::{keep_as_is, scan, GroupBy, Rule};
use crate::detect::{Context, DetectorDef, Finding, History, Severity};
use crate::model::Source;
use crate::store::EventStore;

pub const DEF: DetectorDef = DetectorDef { id: "cloud.access_key", step: 4, title: "New access keys and service account keys", run, sliced: None };

pub const RULES: &[Rule] = &[
    Rule { source: Source::CloudTrail, ops: &["CreateAccessKey"], what: "created an access key", base: Severity::High },
    Rule { source: Source::CloudTrail, ops: &["UpdateAccessKey", "CreateServiceSpecificCredential", "UploadSSHPublicKey"], what: "activated or added a credential", base: Severity::Medium },
    Rule { source: Source::GcpAudit, ops: &["CreateServiceAccountKey", "UploadServiceAccountKey"], what: "created a service account key", base: Severity::High },
    Rule { source: Source::GcpAudit, ops: &["EnableServiceAccountKey", "EnableServiceAccount"], what: "re-enabled a service account or key", base: Severity::Medium },
    Rule {
        source: Source::AzureActivity,
        ops: &["Microsoft.Storage/storageAccounts/regenerateKey/action", "Regenerate Storage Account Keys"],
        what: "regenerated storage account keys",
        base: Severity::Medium,
    },
];

const WHY: &str = "An access key or service account key works from anywhere, without MFA and without the Entra account, until someone deletes it. \
Keys created from the stolen session are deleted, not just disabled, once what they did has been reviewed.";

fn run(store: &EventStore, ctx: &Context, _: &History) -> Vec<Finding> {
    scan(&DEF, store, ctx, RULES, GroupBy::Target, keep_as_is, WHY)
}

#[cfg(test)]
mod tests {
    use super::super::test_rows::*;
    use super::*;
    use crate::detect::testkit::*;

    #[test]
    fn keys_made_from_a_marked_address_are_critical() {
        let store = store_of(vec![
            aws("2026-03-01T17:02:15Z", "CreateAccessKey", "arn:aws:sts::1:assumed-role/Admins/someone@contoso.com", "203.0.113.7", "svc-backup-sync"),
            gcp("2026-03-01T17:10:44Z", "google.iam.admin.v1.CreateServiceAccountKey", "ci@acme.iam.gserviceaccount.com", "198.51.100.10", "projects/-/serviceAccounts/1"),
        ]);
        let ctx = Context { indicators: vec![crate::detect::Indicator::new(crate::detect::IndicatorKind::Ip, "203.0.113.7", "")], ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(Vec<u32>, Severity)> = findings.iter().map(|f| (f.rows.clone(), f.severity)).collect();
        assert_eq!(got, vec![(vec![0], Severity::Critical), (vec![1], Severity::Medium)]);
        assert!(findings[0].title.ends_with("— from marked address 203.0.113.7"), "{}", findings[0].title);
    }
}
