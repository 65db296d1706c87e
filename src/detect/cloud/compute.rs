//! Step 4: new or changed compute. A VM, instance or scale set created by
//! the stolen identity is the attacker's foothold (or crypto-miner) inside
//! the cloud; commands run on existing machines and new SSH keys or open
//! firewall rules get them onto the network.

use super::{keep_as_is, scan, GroupBy, Rule};
use crate::detect::{Context, DetectorDef, Finding, History, Severity};
use crate::model::Source;
use crate::store::EventStore;

pub const DEF: DetectorDef = DetectorDef { id: "cloud.compute", step: 4, title: "New or changed virtual machines and instances", run, sliced: None };

pub const RULES: &[Rule] = &[
    Rule {
        source: Source::AzureActivity,
        ops: &["Microsoft.Compute/virtualMachines/write", "Create or Update Virtual Machine", "Microsoft.Compute/virtualMachineScaleSets/write", "Create or Update Virtual Machine Scale Set"],
        what: "created or changed a virtual machine",
        base: Severity::Medium,
    },
    Rule {
        source: Source::AzureActivity,
        ops: &["Microsoft.Compute/virtualMachines/runCommand/action", "Run Command on Virtual Machine", "Microsoft.Compute/virtualMachines/extensions/write", "Create or Update Virtual Machine Extension"],
        what: "ran code on a virtual machine",
        base: Severity::High,
    },
    Rule { source: Source::AzureActivity, ops: &["Microsoft.Network/networkSecurityGroups/securityRules/write", "Create or Update Security Rule"], what: "changed a network security rule", base: Severity::Low },
    Rule { source: Source::CloudTrail, ops: &["RunInstances", "CreateLaunchTemplate", "CreateLaunchTemplateVersion", "RequestSpotInstances"], what: "launched instances", base: Severity::Medium },
    Rule { source: Source::CloudTrail, ops: &["ModifyInstanceAttribute", "StartInstances", "ImportKeyPair", "CreateKeyPair"], what: "changed an instance or its keys", base: Severity::Low },
    Rule { source: Source::CloudTrail, ops: &["SendCommand", "StartSession"], what: "ran commands on an instance", base: Severity::High },
    Rule { source: Source::CloudTrail, ops: &["AuthorizeSecurityGroupIngress"], what: "opened a security group", base: Severity::Low },
    Rule { source: Source::GcpAudit, ops: &["compute.instances.insert", "compute.instanceGroupManagers.insert"], what: "created a VM instance", base: Severity::Medium },
    Rule {
        source: Source::GcpAudit,
        ops: &["compute.instances.setMetadata", "compute.projects.setCommonInstanceMetadata", "compute.instances.start"],
        what: "changed an instance or its SSH keys",
        base: Severity::Low,
    },
    Rule { source: Source::GcpAudit, ops: &["compute.firewalls.insert", "compute.firewalls.patch"], what: "changed a firewall rule", base: Severity::Low },
];

const WHY: &str = "Compute the stolen identity creates or changes gives the attacker a machine inside the cloud account: a foothold that survives the password reset, \
or capacity for crypto-mining. Each one needs an owner who can explain it, or it is stopped and imaged.";

fn run(store: &EventStore, ctx: &Context, _: &History) -> Vec<Finding> {
    scan(&DEF, store, ctx, RULES, GroupBy::Target, keep_as_is, WHY)
}

#[cfg(test)]
mod tests {
    use super::super::test_rows::*;
    use super::*;
    use crate::detect::testkit::*;

    #[test]
    fn instances_launched_by_the_suspect_rank_above_routine_ones() {
        let store = store_of(vec![
            azure("2026-02-20T09:00:00Z", "Microsoft.Compute/virtualMachines/write", "ops@contoso.com", "198.51.100.10", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/web-01"),
            azure("2026-03-01T16:39:58Z", "Microsoft.Compute/virtualMachines/write", "victim@contoso.com", "203.0.113.7", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/build-07").failed(),
            azure("2026-03-01T16:40:12Z", "MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE", "victim@contoso.com", "203.0.113.7", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/build-07"),
            aws("2026-03-01T17:09:00Z", "RunInstances", "arn:aws:sts::1:assumed-role/Admins/victim@contoso.com", "203.0.113.7", "ami-1"),
            gcp("2026-03-01T17:15:00Z", "v1.compute.instances.insert", "victim@contoso.com", "203.0.113.7", "projects/p/zones/z/instances/miner-01"),
            aws("2026-03-01T17:09:00Z", "DescribeInstances", "arn:aws:sts::1:assumed-role/Admins/victim@contoso.com", "203.0.113.7", ""),
        ]);
        let ctx = Context { suspect_accounts: vec!["victim@contoso.com".into()], window: Some((t("2026-03-01T00:00:00Z"), t("2026-03-02T00:00:00Z"))), ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(Vec<u32>, Severity)> = findings.iter().map(|f| (f.rows.clone(), f.severity)).collect();
        assert_eq!(got, vec![(vec![0], Severity::Info), (vec![1, 2], Severity::Critical), (vec![3], Severity::Critical), (vec![5], Severity::Critical)]);
        assert_eq!(findings[1].title, "victim@contoso.com created or changed a virtual machine: virtualMachines/build-07 (Microsoft.Compute/virtualMachines/write, Azure sub-1) — by suspect victim@contoso.com, in the compromise window");
        assert!(findings[0].benign_signals.iter().any(|b| b.contains("no suspect")));
        assert!(findings[1].details.iter().any(|d| d == "1 of 2 calls failed"));
    }

    #[test]
    fn nothing_without_compute_changes() {
        let store = store_of(vec![aws("2026-03-01T17:09:00Z", "DescribeInstances", "arn:aws:iam::1:user/ops", "198.51.100.10", "")]);
        assert!(findings_of(&DEF, &store, &Context::default()).is_empty());
    }
}
