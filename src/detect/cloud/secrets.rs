//! Step 11: secrets and keys read. What the stolen identity read from Key
//! Vault, Secrets Manager, SSM Parameter Store, Secret Manager, or as
//! storage account keys, is what must be rotated: reading a secret makes
//! it the attacker's even after the account is cleaned up.

use super::{payload, scan, GroupBy, Rule};
use crate::detect::{Context, DetectorDef, Finding, History, Severity};
use crate::model::Source;
use crate::store::EventStore;

pub const DEF: DetectorDef = DetectorDef { id: "cloud.secret_read", step: 11, title: "Secrets and keys read from cloud vaults and storage", run };

pub const RULES: &[Rule] = &[
    Rule { source: Source::AzureActivity, ops: &["Microsoft.Storage/storageAccounts/listKeys/action", "List Storage Account Keys"], what: "listed storage account keys", base: Severity::High },
    Rule {
        source: Source::AzureActivity,
        ops: &["Microsoft.Storage/storageAccounts/listAccountSas/action", "Microsoft.Storage/storageAccounts/listServiceSas/action", "Microsoft.Compute/disks/beginGetAccess/action"],
        what: "made a shared access signature",
        base: Severity::Medium,
    },
    Rule {
        source: Source::AzureActivity,
        ops: &[
            "Microsoft.Web/sites/config/list/action",
            "Microsoft.Web/sites/publishxml/action",
            "Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action",
            "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action",
        ],
        what: "read deployment or cluster credentials",
        base: Severity::High,
    },
    Rule { source: Source::AzureActivity, ops: &["SecretGet", "SecretBackup", "KeyBackup", "CertificateGet"], what: "read Key Vault secrets", base: Severity::High },
    Rule { source: Source::AzureActivity, ops: &["SecretList", "KeyList", "CertificateList", "VaultGet"], what: "listed Key Vault contents", base: Severity::Low },
    Rule { source: Source::CloudTrail, ops: &["GetSecretValue", "BatchGetSecretValue", "GetPasswordData"], what: "read secrets", base: Severity::High },
    Rule { source: Source::CloudTrail, ops: &["GetParameter", "GetParameters", "GetParametersByPath"], what: "read decrypted parameters", base: Severity::Medium },
    Rule { source: Source::CloudTrail, ops: &["Decrypt"], what: "decrypted with a KMS key", base: Severity::Low },
    Rule { source: Source::CloudTrail, ops: &["ListSecrets"], what: "listed secrets", base: Severity::Low },
    Rule { source: Source::GcpAudit, ops: &["AccessSecretVersion"], what: "read secrets", base: Severity::High },
    Rule { source: Source::GcpAudit, ops: &["GenerateAccessToken", "SignBlob", "SignJwt"], what: "minted service account credentials", base: Severity::Medium },
    Rule { source: Source::GcpAudit, ops: &["ListSecrets"], what: "listed secrets", base: Severity::Low },
];

const WHY: &str = "A secret the attacker read stays usable after the account is reset: database passwords, API keys, storage keys and signing keys \
have to be rotated. The list of what was read is the rotation list.";

/// Parameters are only secrets when read with decryption; KMS decrypts made
/// by AWS services on a caller's behalf are routine.
fn refine(store: &EventStore, row: u32, rule: &Rule) -> Option<(Severity, String)> {
    match store.operation(row) {
        op if op.starts_with("GetParameter") => payload(store, row).contains("\"withdecryption\":true").then_some((rule.base, String::new())),
        "Decrypt" if store.ip(row).is_empty() => Some((Severity::Info, "called by an AWS service on the caller's behalf".into())),
        _ => Some((rule.base, String::new())),
    }
}

fn run(store: &EventStore, ctx: &Context, _: &History) -> Vec<Finding> {
    scan(&DEF, store, ctx, RULES, GroupBy::Actor, refine, WHY)
}

#[cfg(test)]
mod tests {
    use super::super::test_rows::*;
    use super::*;
    use crate::detect::testkit::*;
    use crate::model::attr;

    #[test]
    fn reads_are_grouped_per_identity_with_their_resources() {
        let suspect = "arn:aws:sts::1:assumed-role/Admins/victim@contoso.com";
        let store = store_of(vec![
            aws("2026-03-01T17:04:00Z", "GetSecretValue", suspect, "203.0.113.7", "prod/payments/db"),
            aws("2026-03-01T17:04:10Z", "GetSecretValue", suspect, "203.0.113.7", "prod/api/stripe"),
            aws("2026-03-01T17:05:00Z", "GetParameter", suspect, "203.0.113.7", "/prod/plain").with(attr::REQUEST, r#"{"name":"/prod/plain"}"#),
            aws("2026-03-01T17:05:01Z", "GetParameter", suspect, "203.0.113.7", "/prod/key").with(attr::REQUEST, r#"{"name":"/prod/key","withDecryption":true}"#),
            azure("2026-03-01T16:45:03Z", "MICROSOFT.STORAGE/STORAGEACCOUNTS/LISTKEYS/ACTION", "backup@contoso.com", "198.51.100.10", "/subscriptions/s/providers/Microsoft.Storage/storageAccounts/finance"),
            gcp("2026-03-01T17:12:05Z", "google.cloud.secretmanager.v1.SecretManagerService.AccessSecretVersion", "victim@contoso.com", "203.0.113.7", "projects/p/secrets/stripe/versions/latest"),
        ]);
        let ctx = Context { suspect_accounts: vec!["victim@contoso.com".into()], window: Some((t("2026-03-01T00:00:00Z"), t("2026-03-02T00:00:00Z"))), ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(Vec<u32>, Severity)> = findings.iter().map(|f| (f.rows.clone(), f.severity)).collect();
        assert_eq!(got, vec![(vec![0], Severity::Medium), (vec![4], Severity::Critical), (vec![1, 2], Severity::Critical), (vec![5], Severity::Critical)]);
        assert!(findings[2].title.contains("read secrets: prod/payments/db and 1 more"), "{}", findings[2].title);
        assert!(findings[2].details[0].contains("prod/api/stripe"));
        assert!(findings[0].benign_signals.iter().any(|b| b.contains("no suspect")));
    }
}
