//! The detection engine: detectors read the event store and the
//! investigation `Context` and return `Finding`s, each tied to a playbook
//! step and to the rows that prove it, with the timeline query that shows
//! them. Every detector is deterministic and explains itself; a finding
//! without evidence rows cannot be built.
//!
//! - `context`: the investigation context (suspects, window, indicators …).
//! - `finding`: `Finding`, `Severity`, `Entity` and the builder detectors use.
//! - `facts`, `signins`, `mailflow`, `scopes`, `graph_calls`, `mail_trace`,
//!   `identity_risk`: facts about
//!   rows shared by several detectors.
//! - `history`: per-account history (sign-ins, addresses, novelties) built
//!   once per run and handed to every detector.
//! - `suggest`: a starting context inferred from the evidence.
//! - `order`: how the findings list is sorted and thinned for reading.
//! - one module per detector, listed in `DETECTORS` in playbook order;
//!   `cloud` holds the Azure / AWS / Google Cloud detectors (steps 4 and 11).

mod context;
pub(crate) mod facts;
mod finding;
mod graph_calls;
mod history;
mod identity_risk;
mod mail_trace;
mod order;
mod sliced_by;
pub(crate) mod mailflow;
pub(crate) mod scopes;
mod signins;
mod suggest;

mod after_containment;
mod app_activity;
pub(crate) mod attacker_mail;
pub(crate) mod app_credentials;
mod cloud;
mod conditional_access;
mod first_seen;
mod graph_attacker_address;
mod graph_data_reads;
mod graph_directory_reads;
pub(crate) mod impossible_travel;
pub(crate) mod inbox_rules;
mod ioc_other_accounts;
pub(crate) mod mail_forwarding;
mod mailbox_permissions;
pub(crate) mod mfa_changes;
mod mfa_gaps;
mod new_users;
pub(crate) mod oauth_apps;
mod other_mailboxes;
mod password_changes;
mod password_spray;
mod risk_dismissed;
mod risk_flagged_accounts;
mod risk_marked_address;
mod risky_signin;
pub(crate) mod role_changes;
mod trace_internal_phishing;
mod trace_marked_sender;
mod trace_forwarded_out;
mod trace_outside_mail;
mod unfamiliar_ip;
mod unmanaged_device;
mod unusual_client;
pub(crate) mod window_activity;

#[cfg(test)]
mod slices_tests;
#[cfg(test)]
pub(crate) mod testkit;

pub use context::{cidr_contains, is_network, parse_ip, parse_networks, Context, Indicator, IndicatorKind};
pub use finding::{subject_keys, Entity, EntityKind, Finding, FindingBuilder, Severity};
pub use history::{AddressUse, History, NoveltiesInSlices, SigninsByAccount};
pub use order::{FindingOrder, FindingSortKey};
pub use scopes::scope_risk;
pub use suggest::{suggest_context, suggest_context_from, Suggesting};

use crate::store::EventStore;

/// A detector: its id, the playbook step it serves, what it looks for, and
/// the function that runs it over the store, the context and the history
/// shared by the run.
pub struct DetectorDef {
    pub id: &'static str,
    pub step: u8,
    pub title: &'static str,
    pub run: fn(&EventStore, &Context, &History) -> Vec<Finding>,
    /// The same work cut into slices, for detectors that can take long
    /// pauses of the page on millions of rows; `run` is then its whole.
    pub sliced: Option<StartSlices>,
}

/// A detector's work cut into pieces (rows, accounts, groups of rows)
/// done a slice at a time, so the page can paint between slices. Whoever
/// runs it calls `work` over `0..pieces()` in order, in slices of any size,
/// until `pieces()` stops growing (work in rounds counts the next round's
/// pieces once the last is done), then `finish`; the findings are the same
/// however it was sliced.
pub trait Slices {
    fn pieces(&self) -> usize;
    fn work(&mut self, pieces: std::ops::Range<usize>);
    fn finish(self: Box<Self>) -> Vec<Finding>;
}

/// Starts a detector's sliced work over a store, a context and the run's
/// shared history.
pub type StartSlices = for<'h> fn(&'h EventStore, &'h Context, &'h History<'_>) -> Box<dyn Slices + 'h>;

/// Sliced work done in one go (what `run` of a sliced detector does).
pub fn whole(mut work: Box<dyn Slices + '_>) -> Vec<Finding> {
    work_rounds(&mut work, usize::MAX);
    work.finish()
}

/// Work cut into pieces whose count may grow in rounds: a detector's
/// `Slices`, the suggestion (`Suggesting`).
pub trait Rounds {
    fn pieces(&self) -> usize;
    fn work(&mut self, pieces: std::ops::Range<usize>);
}

impl Rounds for Box<dyn Slices + '_> {
    fn pieces(&self) -> usize {
        self.as_ref().pieces()
    }

    fn work(&mut self, pieces: std::ops::Range<usize>) {
        self.as_mut().work(pieces)
    }
}

/// Every round of `work`, in slices of at most `size` pieces, until its
/// pieces stop growing (the page paces its own slices instead).
pub fn work_rounds(work: &mut impl Rounds, size: usize) {
    let mut done = 0;
    while done < work.pieces() {
        let pieces = work.pieces();
        let mut at = done;
        while at < pieces {
            let end = at.saturating_add(size.max(1)).min(pieces);
            work.work(at..end);
            at = end;
        }
        done = pieces;
    }
}

/// Every detector, in playbook order of the steps they serve.
pub static DETECTORS: &[DetectorDef] = &[
    first_seen::DEF,
    impossible_travel::DEF,
    risky_signin::DEF,
    risk_flagged_accounts::DEF,
    unusual_client::DEF,
    unmanaged_device::DEF,
    after_containment::DEF,
    password_spray::DEF,
    mfa_changes::DEF,
    password_changes::DEF,
    mfa_gaps::DEF,
    cloud::console::DEF,
    cloud::compute::DEF,
    cloud::storage::DEF,
    cloud::iam::DEF,
    cloud::keys::DEF,
    cloud::logging::DEF,
    cloud::suspect::DEF,
    unfamiliar_ip::DEF,
    graph_attacker_address::DEF,
    role_changes::DEF,
    conditional_access::DEF,
    risk_dismissed::DEF,
    window_activity::DEF,
    graph_data_reads::DEF,
    trace_outside_mail::DEF,
    oauth_apps::DEF,
    app_credentials::DEF,
    app_activity::DEF,
    inbox_rules::DEF,
    mail_forwarding::DEF,
    trace_forwarded_out::DEF,
    ioc_other_accounts::DEF,
    risk_marked_address::DEF,
    attacker_mail::DEF,
    trace_marked_sender::DEF,
    trace_internal_phishing::DEF,
    other_mailboxes::DEF,
    mailbox_permissions::DEF,
    graph_directory_reads::DEF,
    new_users::DEF,
    cloud::secrets::DEF,
];

/// The detector with this id.
pub fn detector(id: &str) -> Option<&'static DetectorDef> {
    DETECTORS.iter().find(|d| d.id == id)
}

/// Run every detector; findings come most severe first, then by time of
/// their first evidence, then by id (so the order is the same every run).
/// The accounts' history is worked out once and shared by the detectors.
pub fn run_all(store: &EventStore, ctx: &Context) -> Vec<Finding> {
    let ctx = &detection_context(ctx);
    let history = History::new(store, ctx);
    let mut findings: Vec<Finding> = DETECTORS.iter().flat_map(|d| (d.run)(store, ctx, &history)).collect();
    order_findings(&mut findings);
    findings
}

/// The context the detectors run with: the analyst's, with tuning values
/// brought into range. Whoever runs the detectors one by one (the page,
/// between paints) starts here, as `run_all` does.
pub fn detection_context(ctx: &Context) -> Context {
    ctx.clone().with_sane_tuning()
}

/// Findings in their one order: most severe first, then by time of first
/// evidence, then by id.
pub fn order_findings(findings: &mut [Finding]) {
    let order = FindingOrder::default();
    findings.sort_by(|a, b| order.compare(a, b));
}
