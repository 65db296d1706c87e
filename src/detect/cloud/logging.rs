//! Step 4: logging turned off or narrowed. Stopping a trail, deleting a
//! diagnostic setting or a log sink blinds the defenders for everything
//! that follows, and is rarely done by anyone but an attacker mid-incident.

use super::{keep_as_is, scan, GroupBy, Rule};
use crate::detect::{Context, DetectorDef, Finding, History, Severity};
use crate::model::Source;
use crate::store::EventStore;

pub const DEF: DetectorDef = DetectorDef { id: "cloud.logging_disabled", step: 4, title: "Cloud logging stopped, deleted or narrowed", run, sliced: None };

pub const RULES: &[Rule] = &[
    Rule {
        source: Source::CloudTrail,
        ops: &["StopLogging", "DeleteTrail", "DeleteDetector", "DeleteConfigurationRecorder", "StopConfigurationRecorder", "DisableSecurityHub", "DeleteFlowLogs"],
        what: "stopped or deleted logging",
        base: Severity::High,
    },
    Rule { source: Source::CloudTrail, ops: &["UpdateTrail", "PutEventSelectors", "DeleteLogGroup", "PutRetentionPolicy", "UpdateDetector"], what: "narrowed logging", base: Severity::Medium },
    Rule {
        source: Source::AzureActivity,
        ops: &["Microsoft.Insights/diagnosticSettings/delete", "Delete diagnostic setting", "Microsoft.Insights/logProfiles/delete", "Microsoft.OperationalInsights/workspaces/delete"],
        what: "deleted log export",
        base: Severity::High,
    },
    Rule { source: Source::AzureActivity, ops: &["Microsoft.Insights/diagnosticSettings/write", "Create or update resource diagnostic setting"], what: "changed a diagnostic setting", base: Severity::Low },
    Rule { source: Source::GcpAudit, ops: &["DeleteSink", "DeleteLog", "DeleteBucket"], what: "deleted a log sink or logs", base: Severity::High },
    Rule { source: Source::GcpAudit, ops: &["UpdateSink", "CreateExclusion", "UpdateExclusion"], what: "narrowed logging", base: Severity::Medium },
];

const WHY: &str = "With logging stopped the attacker's next steps leave no record, and the gap itself is evidence. \
Turn logging back on first, then treat the time it was off as unknown activity.";

fn run(store: &EventStore, ctx: &Context, _: &History) -> Vec<Finding> {
    scan(&DEF, store, ctx, RULES, GroupBy::Target, keep_as_is, WHY)
}

#[cfg(test)]
mod tests {
    use super::super::test_rows::*;
    use super::*;
    use crate::detect::testkit::*;

    #[test]
    fn stopped_trails_and_failed_sink_deletions() {
        let store = store_of(vec![
            aws("2026-03-01T17:06:30Z", "StopLogging", "arn:aws:sts::1:assumed-role/Admins/victim@contoso.com", "203.0.113.7", "org-trail"),
            gcp("2026-03-01T17:13:00Z", "google.logging.v2.ConfigServiceV2.DeleteSink", "victim@contoso.com", "203.0.113.7", "projects/p/sinks/to-siem").failed(),
            azure("2026-03-01T09:00:00Z", "Microsoft.Insights/diagnosticSettings/write", "ops@contoso.com", "198.51.100.10", "/subscriptions/s/providers/microsoft.insights/diagnosticSettings/x"),
        ]);
        let ctx = Context { suspect_accounts: vec!["victim@contoso.com".into()], window: Some((t("2026-03-01T16:00:00Z"), t("2026-03-02T00:00:00Z"))), ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(Vec<u32>, Severity)> = findings.iter().map(|f| (f.rows.clone(), f.severity)).collect();
        assert_eq!(got, vec![(vec![0], Severity::Info), (vec![1], Severity::Critical), (vec![2], Severity::High)]);
        assert!(findings[2].benign_signals.iter().any(|b| b.contains("failed")));
    }
}
