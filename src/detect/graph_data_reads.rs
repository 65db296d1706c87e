//! Step 6: mail, Teams messages or files read in bulk through Microsoft
//! Graph inside the compromise window, by a suspect account or by an app a
//! suspect let in: a mailbox or a drive paged through by a script leaves
//! hundreds of requests an hour, which the Unified Audit Log may not show
//! when the intruder used an app's own token. One finding per caller and
//! kind of data (thresholds in `graph_calls`).

use super::graph_calls::{bulk_read_findings, DataKind};
use super::{Context, DetectorDef, Finding, History};
use crate::store::EventStore;

pub const DEF: DetectorDef = DetectorDef {
    id: "graph.bulk_data_reads",
    step: 6,
    title: "Mail or files read in bulk through Microsoft Graph",
    run,
    sliced: None,
};

const WHY: &str = "These requests are the data itself leaving through the API: each message or file listed or fetched was sent to the caller. \
                   Hundreds within an hour is a script or a sync tool, not a person reading; check whether the owner runs such a tool.";

fn run(store: &EventStore, ctx: &Context, history: &History) -> Vec<Finding> {
    bulk_read_findings(&DEF, store, ctx, history, &[DataKind::Mail, DataKind::TeamsMessages, DataKind::Files], WHY)
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::detect::Severity;
    use crate::model::{attr, Event, Outcome, Source};

    const OID: &str = "4f1c2e3a-8b7d-4c6e-9a15-0d2b3c4e5f60";

    fn read(time: i64, op: &str, actor: &str) -> Event {
        Event { time, source: Source::GraphActivity, operation: op.into(), actor: actor.into(), ip: "203.0.113.45".into(), outcome: Outcome::Success, app: "app-1".into(), ..Event::default() }
            .with(attr::USER_ID, actor)
    }

    #[test]
    fn a_burst_of_message_reads_in_the_window_and_not_a_trickle() {
        let start = t("2026-03-14T10:00:00Z");
        let mut events = vec![signin("2026-03-14T09:59:00Z", "megan@contoso.com", "203.0.113.45", "NL").with(attr::USER_ID, OID)];
        events.extend((0..150).map(|i| read(start + i * 10_000, "GET /users/{id}/messages/{id}", OID)));
        // Spread over the day: 99 in the busiest hour at most.
        events.extend((0..99).map(|i| read(start + i * 36_000, "GET /me/drive/root:{path}:/content", OID)));
        let store = store_of(events);
        let ctx = Context { suspect_accounts: vec!["megan@contoso.com".into()], window: Some((start, start + 86_400_000)), ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(&str, Severity, usize)> = findings.iter().map(|f| (f.title.as_str(), f.severity, f.rows.len())).collect();
        assert_eq!(got, vec![("megan@contoso.com read mail through Microsoft Graph: 150 request(s) in the window, 150 within an hour", Severity::Medium, 150)]);
    }

    #[test]
    fn a_burst_from_the_owners_long_used_address_is_capped_low() {
        let start = t("2026-03-14T10:00:00Z");
        let mut events = daily("2026-03-01T08:00:00Z", 10, "megan@contoso.com", "203.0.113.45", "NL");
        for e in &mut events {
            e.set_attr(attr::USER_ID, OID.to_string());
        }
        events.extend((0..120).map(|i| read(start + i * 10_000, "GET /me/messages", OID)));
        let store = store_of(events);
        let ctx = Context { suspect_accounts: vec!["megan@contoso.com".into()], window: Some((start, start + 86_400_000)), ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        assert_eq!(findings.iter().map(|f| (f.severity, f.rows.len())).collect::<Vec<_>>(), vec![(Severity::Low, 120)]);
        assert_eq!(findings[0].benign_signals, ["every read came from addresses megan@contoso.com had signed in from on 7 or more days before"]);
    }
}

