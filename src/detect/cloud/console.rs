//! Step 4: console sign-ins to AWS. Through Entra single sign-on the
//! stolen identity opens the AWS console without a password of its own;
//! the `ConsoleLogin` events show when and from where.

use super::{keep_as_is, scan, GroupBy, Rule};
use crate::detect::{Context, DetectorDef, Finding, History, Severity};
use crate::model::Source;
use crate::store::EventStore;

pub const DEF: DetectorDef = DetectorDef { id: "cloud.console_login", step: 4, title: "Cloud console sign-ins", run, sliced: None };

pub const RULES: &[Rule] = &[
    Rule { source: Source::CloudTrail, ops: &["ConsoleLogin"], what: "signed in to the AWS console", base: Severity::Info },
    Rule { source: Source::CloudTrail, ops: &["GetSigninToken", "SwitchRole"], what: "opened a federated console session", base: Severity::Info },
];

const WHY: &str = "A console session is the attacker working by hand in the cloud account. Sign-ins by the suspect or from a marked address mark \
where to start reading that account's activity; the role and account they opened tell what the attacker could reach.";

fn run(store: &EventStore, ctx: &Context, _: &History) -> Vec<Finding> {
    scan(&DEF, store, ctx, RULES, GroupBy::Actor, keep_as_is, WHY)
}

#[cfg(test)]
mod tests {
    use super::super::test_rows::*;
    use super::*;
    use crate::detect::testkit::*;

    #[test]
    fn suspect_console_sessions_stand_out() {
        // Rows are numbered in time order.
        let store = store_of(vec![
            aws("2026-03-01T16:58:09Z", "ConsoleLogin", "arn:aws:sts::1:assumed-role/Admins/victim@contoso.com", "203.0.113.7", ""),
            aws("2026-03-01T08:00:00Z", "ConsoleLogin", "arn:aws:iam::1:user/ops", "198.51.100.10", ""),
            aws("2026-03-01T09:00:00Z", "ConsoleLogin", "arn:aws:iam::1:user/ops", "198.51.100.10", ""),
        ]);
        let ctx = Context { suspect_accounts: vec!["victim@contoso.com".into()], window: Some((t("2026-03-01T16:00:00Z"), t("2026-03-02T00:00:00Z"))), ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(Vec<u32>, Severity)> = findings.iter().map(|f| (f.rows.clone(), f.severity)).collect();
        assert_eq!(got, vec![(vec![0, 1], Severity::Info), (vec![2], Severity::High)]);
    }
}
