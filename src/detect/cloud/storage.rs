//! Step 4: storage accounts and buckets, and above all their public
//! access. An attacker stages data for exfiltration by creating a bucket
//! or opening an existing one to the internet: a bucket policy for `*`, an
//! ACL for AllUsers, a removed public access block, `allowBlobPublicAccess`.

use super::{payload, scan, GroupBy, Rule};
use crate::detect::{Context, DetectorDef, Finding, History, Severity};
use crate::model::Source;
use crate::store::EventStore;

pub const DEF: DetectorDef = DetectorDef { id: "cloud.storage", step: 4, title: "Storage accounts and buckets, and their public access", run, sliced: None };

pub const RULES: &[Rule] = &[
    Rule { source: Source::AzureActivity, ops: &["Microsoft.Storage/storageAccounts/write", "Create/Update Storage Account"], what: "created or changed a storage account", base: Severity::Low },
    Rule {
        source: Source::AzureActivity,
        ops: &["Microsoft.Storage/storageAccounts/blobServices/containers/write", "Put blob container"],
        what: "created or changed a blob container",
        base: Severity::Low,
    },
    Rule { source: Source::CloudTrail, ops: &["CreateBucket"], what: "created a bucket", base: Severity::Low },
    Rule { source: Source::CloudTrail, ops: &["PutBucketPolicy", "PutBucketAcl", "PutObjectAcl"], what: "changed who can read a bucket", base: Severity::Medium },
    Rule {
        source: Source::CloudTrail,
        ops: &["DeleteBucketPublicAccessBlock", "DeleteAccountPublicAccessBlock", "DeletePublicAccessBlock"],
        what: "removed the public access block",
        base: Severity::High,
    },
    Rule { source: Source::CloudTrail, ops: &["PutBucketPublicAccessBlock", "PutAccountPublicAccessBlock"], what: "changed the public access block", base: Severity::Low },
    Rule { source: Source::CloudTrail, ops: &["PutBucketReplication", "ModifySnapshotAttribute", "ModifyDBSnapshotAttribute"], what: "shared or copied stored data", base: Severity::Medium },
    Rule { source: Source::GcpAudit, ops: &["storage.buckets.create", "storage.buckets.update"], what: "created or changed a bucket", base: Severity::Low },
    Rule { source: Source::GcpAudit, ops: &["storage.setIamPermissions"], what: "changed who can read a bucket", base: Severity::Medium },
];

const WHY: &str = "Storage opened to the internet, or new storage the attacker controls, is how data is staged and taken out of a cloud account. \
A bucket or account made public during the compromise is a likely exfiltration path; check what it holds and its access logs.";

/// Public access granted: the request says so in the words each cloud uses.
fn opens_public_access(text: &str) -> Option<&'static str> {
    const SIGNS: [(&str, &str); 8] = [
        ("\"allowblobpublicaccess\":true", "allowBlobPublicAccess set to true"),
        ("\"publicaccess\":\"blob\"", "container public access level Blob"),
        ("\"publicaccess\":\"container\"", "container public access level Container"),
        ("\"principal\":\"*\"", "bucket policy grants Principal \"*\""),
        ("\"principal\":{\"aws\":\"*\"}", "bucket policy grants Principal AWS \"*\""),
        ("acs.amazonaws.com/groups/global/allusers", "ACL grants AllUsers"),
        ("acs.amazonaws.com/groups/global/authenticatedusers", "ACL grants AuthenticatedUsers (any AWS account)"),
        ("\"member\":\"allusers\"", "IAM grants allUsers"),
    ];
    if text.contains("allauthenticatedusers") {
        return Some("IAM grants allAuthenticatedUsers");
    }
    if text.contains("\"allusers\"") && !text.contains("acs.amazonaws.com") {
        return Some("IAM grants allUsers");
    }
    if text.contains("x-amz-acl\":[\"public-read") || text.contains("\"x-amz-acl\":\"public-read") {
        return Some("canned ACL public-read");
    }
    if text.contains("\"blockpublicacls\":false") || text.contains("\"blockpublicpolicy\":false") || text.contains("\"restrictpublicbuckets\":false") {
        return Some("public access block turned off");
    }
    if text.contains("\"createvolumepermission\"") && text.contains("\"group\":\"all\"") || text.contains("\"attributename\":\"restore\"") && text.contains("\"valuestoadd\":[\"all\"]") {
        return Some("snapshot shared with everyone");
    }
    SIGNS.iter().find(|(sign, _)| text.contains(sign)).map(|(_, what)| *what)
}

fn refine(store: &EventStore, row: u32, rule: &Rule) -> Option<(Severity, String)> {
    match opens_public_access(&payload(store, row)) {
        Some(what) => Some((rule.base.max(Severity::High), format!("public access: {what}"))),
        None => Some((rule.base, String::new())),
    }
}

fn run(store: &EventStore, ctx: &Context, _: &History) -> Vec<Finding> {
    scan(&DEF, store, ctx, RULES, GroupBy::Target, refine, WHY)
}

#[cfg(test)]
mod tests {
    use super::super::test_rows::*;
    use super::*;
    use crate::detect::testkit::*;
    use crate::model::attr;

    #[test]
    fn public_access_ranks_above_other_storage_changes() {
        let policy = r#"{"bucketName":"finance","bucketPolicy":{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject"}]}}"#;
        let store = store_of(vec![
            aws("2026-03-01T17:00:00Z", "CreateBucket", "arn:aws:iam::1:user/ops", "198.51.100.10", "logs-archive"),
            aws("2026-03-01T17:07:30Z", "PutBucketPolicy", "arn:aws:iam::1:user/ops", "198.51.100.10", "finance").with(attr::REQUEST, policy),
            azure("2026-03-01T16:55:21Z", "Microsoft.Storage/storageAccounts/write", "victim@contoso.com", "203.0.113.7", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/xfer")
                .with(attr::REQUEST, r#"{"properties":{"allowBlobPublicAccess": true}}"#),
            gcp("2026-03-01T17:16:00Z", "storage.setIamPermissions", "ops@contoso.com", "198.51.100.10", "projects/_/buckets/exports")
                .with("ServiceData", r#"{"policyDelta":{"bindingDeltas":[{"action":"ADD","role":"roles/storage.objectViewer","member":"allUsers"}]}}"#),
        ]);
        let ctx = Context { indicators: vec![crate::detect::Indicator::new(crate::detect::IndicatorKind::Ip, "203.0.113.7", "")], ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(Vec<u32>, Severity)> = findings.iter().map(|f| (f.rows.clone(), f.severity)).collect();
        assert_eq!(got, vec![(vec![0], Severity::Critical), (vec![1], Severity::Info), (vec![2], Severity::Medium), (vec![3], Severity::Medium)]);
        assert_eq!(findings[0].details, ["public access: allowBlobPublicAccess set to true"]);
        assert_eq!(findings[2].details, ["public access: bucket policy grants Principal \"*\""]);
        assert_eq!(findings[3].details, ["public access: IAM grants allUsers"]);
    }

    #[test]
    fn a_private_policy_is_not_public_access() {
        let private = r#"{"bucketPolicy":{"Statement":[{"Principal":{"AWS":"arn:aws:iam::1:role/backup"}}]}}"#;
        let store = store_of(vec![aws("2026-03-01T17:07:30Z", "PutBucketPolicy", "arn:aws:iam::1:user/ops", "198.51.100.10", "finance").with(attr::REQUEST, private)]);
        let findings = findings_of(&DEF, &store, &Context::default());
        assert_eq!(findings.len(), 1);
        assert_eq!((findings[0].severity, findings[0].details.len()), (Severity::Low, 0));
    }
}
