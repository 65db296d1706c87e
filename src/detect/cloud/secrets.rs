//! Step 11: secrets and keys read. What the stolen identity read from Key
//! Vault, Secrets Manager, SSM Parameter Store, Secret Manager, or as
//! storage account keys, is what must be rotated: reading a secret makes
//! it the attacker's even after the account is cleaned up.

use super::{payload, scan, GroupBy, Rule};
use crate::detect::{Context, DetectorDef, Finding, History, Severity};
use crate::model::Source;
use crate::store::EventStore;

pub const DEF: DetectorDef = DetectorDef { id: "cloud.secret_read", step: 11, title: "Secrets and keys read from cloud vaults and storage", run, sliced: None };

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

/// An address inside a private network (RFC 1918, IPv6 unique local).
fn private_address(ip: &str) -> bool {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v4)) => v4.is_private(),
        Ok(std::net::IpAddr::V6(v6)) => (v6.segments()[0] & 0xfe00) == 0xfc00,
        Err(_) => false,
    }
}

/// Parameters are only secrets when read with decryption; KMS decrypts made
/// by AWS services on a caller's behalf are routine. A workload identity
/// (no user name) reading a vault from inside the private network is an
/// application fetching its own configuration, which Key Vault logs all
/// day: one step lower, so only a suspect or a marked address lifts it.
fn refine(store: &EventStore, row: u32, rule: &Rule) -> Option<(Severity, String)> {
    match store.operation(row) {
        op if op.starts_with("GetParameter") => payload(store, row).contains("\"withdecryption\":true").then_some((rule.base, String::new())),
        "Decrypt" if store.ip(row).is_empty() => Some((Severity::Info, "called by an AWS service on the caller's behalf".into())),
        "SecretGet" | "CertificateGet" if !store.actor(row).contains('@') && private_address(store.ip(row)) => {
            Some((rule.base.lowered(), "an application identity reading from inside the private network".into()))
        }
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

    #[test]
    fn a_workload_reading_its_secret_from_the_network_is_routine() {
        let secret = "https://kv-1.vault.azure.net/secrets/sftp/0a1b";
        let store = store_of(vec![
            azure("2026-03-01T10:00:00Z", "SecretGet", "5f1c2d3e-0000-4000-8000-000000000001", "10.40.2.15", secret),
            azure("2026-03-01T11:00:00Z", "SecretGet", "5f1c2d3e-0000-4000-8000-000000000002", "198.51.100.9", secret),
            azure("2026-03-01T12:00:00Z", "SecretGet", "ops@contoso.com", "10.40.2.16", secret),
        ]);
        let ctx = Context { window: Some((t("2026-03-01T00:00:00Z"), t("2026-03-02T00:00:00Z"))), ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(Vec<u32>, Severity)> = findings.iter().map(|f| (f.rows.clone(), f.severity)).collect();
        assert_eq!(got, vec![(vec![0], Severity::Low), (vec![1], Severity::Medium), (vec![2], Severity::Medium)]);
        assert_eq!(findings[0].details, ["an application identity reading from inside the private network"]);
        assert!(private_address("fd00::1") && !private_address("203.0.113.7") && !private_address(""));
    }
}
