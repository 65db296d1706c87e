//! Sliced work (`DetectorDef::sliced`, `facts::TenantAccounts`, a plan
//! part a finding at a time) finds what the whole run finds, whatever the
//! slices: the page runs them sliced, the command line whole.

use super::facts::{tenant_domains, TenantAccounts};
use super::history::signins_by_account;
use super::{detection_context, suggest_context, suggest_context_from, whole, work_rounds, AddressUse, Context, History, SigninsByAccount, Suggesting, DETECTORS};
use crate::remediate::{plan, PlanBuilder, PLAN_PARTS};
use crate::sample::{generate_scenario, Scenario, DEFAULT_SEED};
use crate::store::EventStore;

/// Slice sizes from one piece at a time to all at once.
const SLICE_SIZES: [usize; 4] = [1, 7, 1000, usize::MAX];

/// `0..pieces` in slices of `size`.
fn slices(pieces: usize, size: usize) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < pieces {
        let end = at.saturating_add(size).min(pieces);
        out.push(at..end);
        at = end;
    }
    out
}

/// The two training incidents, with Loupe's suggested context (suspects
/// named, so findings are raised) and with none.
fn cases() -> Vec<(String, EventStore, Context)> {
    let mut cases = Vec::new();
    for scenario in Scenario::ALL {
        let store = generate_scenario(scenario, DEFAULT_SEED).to_store();
        let suggested = suggest_context(&store);
        cases.push((format!("{scenario:?}, suggested context"), generate_scenario(scenario, DEFAULT_SEED).to_store(), suggested));
        cases.push((format!("{scenario:?}, no context"), store, Context::default()));
    }
    cases
}

#[test]
fn sliced_detectors_find_what_their_whole_run_finds() {
    let sliced: Vec<_> = DETECTORS.iter().filter(|d| d.sliced.is_some()).collect();
    assert!(sliced.len() >= 2, "the slow detectors are sliced");
    let mut findings_seen = 0;
    for (name, store, ctx) in cases() {
        let ctx = detection_context(&ctx);
        let history = History::new(&store, &ctx);
        for detector in &sliced {
            let start = detector.sliced.expect("sliced");
            let expected = (detector.run)(&store, &ctx, &history);
            assert_eq!(whole(start(&store, &ctx, &history)), expected, "{name}: {}", detector.id);
            for size in SLICE_SIZES {
                let mut work = start(&store, &ctx, &history);
                work_rounds(&mut work, size);
                assert_eq!(work.finish(), expected, "{name}: {} in slices of {size}", detector.id);
            }
            findings_seen += expected.len();
        }
    }
    assert!(findings_seen > 0, "the training incidents give the sliced detectors something to find");
}

#[test]
fn tenant_domains_in_slices_are_the_whole_scans() {
    for (name, store, _) in cases() {
        let expected = tenant_domains(&store);
        assert!(!expected.is_empty(), "{name}");
        for size in SLICE_SIZES {
            let mut accounts = TenantAccounts::new(&store);
            for rows in slices(store.len(), size) {
                accounts.rows(rows.start as u32..rows.end as u32);
            }
            assert_eq!(accounts.domains(), expected, "{name}, slices of {size}");
        }
    }
}

#[test]
fn plan_parts_a_finding_at_a_time_make_the_whole_plan() {
    let mut sliced_actions = 0;
    for (name, store, ctx) in cases() {
        let findings = super::run_all(&store, &ctx);
        let expected = plan(&store, &ctx, &findings);
        let history = History::new(&store, &ctx);
        for size in SLICE_SIZES {
            let mut builder = PlanBuilder::new(&ctx);
            for part in &PLAN_PARTS {
                match PlanBuilder::taken_each(part, &findings) {
                    Some(taken) => {
                        for slice in slices(taken.len(), size) {
                            builder.add_each(part, &store, &taken[slice], &history);
                        }
                        if size == 1 {
                            sliced_actions += taken.len();
                        }
                    }
                    None => builder.add(part, &store, &findings, &history),
                }
            }
            assert_eq!(builder.finish(), expected, "{name}, slices of {size}");
        }
    }
    assert!(sliced_actions > 0, "the training incidents have findings the sliced parts act on");
}

#[test]
fn signins_and_addresses_in_slices_are_the_whole_scans() {
    for (name, store, _) in cases() {
        let (expected_signins, expected_addresses) = (signins_by_account(&store), AddressUse::of(&store));
        assert!(!expected_signins.is_empty(), "{name}");
        for size in SLICE_SIZES {
            let (mut signins, mut addresses) = (SigninsByAccount::default(), AddressUse::default());
            for rows in slices(store.len(), size) {
                let rows = rows.start as u32..rows.end as u32;
                signins.add_rows(&store, rows.clone());
                addresses.add_rows(&store, rows);
            }
            assert_eq!(signins.finish(), expected_signins, "{name}, slices of {size}");
            assert_eq!(addresses, expected_addresses, "{name}, slices of {size}");
        }
    }
}

/// What the page does: one history for the suggestion, told the sign-ins,
/// addresses and domains worked out in slices, then shared with the
/// detectors' context. The same suggestion and findings as apart.
#[test]
fn a_history_shared_between_suggestion_and_detectors_changes_nothing() {
    for (name, store, _) in cases() {
        let no_context = Context::default();
        let shared = History::new(&store, &no_context);
        let mut tenant = TenantAccounts::new(&store);
        tenant.rows(0..store.len() as u32);
        shared.know_tenant_domains(tenant.domains());
        shared.know_signins_and_addresses(signins_by_account(&store), AddressUse::of(&store));
        let suggested = suggest_context_from(&store, &shared);
        assert_eq!(suggested, suggest_context(&store), "{name}");
        let ctx = detection_context(&suggested);
        let history = shared.for_context(&ctx);
        let findings: Vec<_> = DETECTORS.iter().flat_map(|d| (d.run)(&store, &ctx, &history)).collect();
        let apart = History::new(&store, &ctx);
        let expected: Vec<_> = DETECTORS.iter().flat_map(|d| (d.run)(&store, &ctx, &apart)).collect();
        assert!(!expected.is_empty(), "{name}");
        assert_eq!(findings, expected, "{name}");
    }
}

/// The page finds the novelties an account at a time and weighs the
/// break-in in slices; the suggestion and the novelties are those of the
/// whole runs.
#[test]
fn novelties_and_suggestion_in_slices_are_the_whole_runs() {
    let mut suggestions = 0;
    for (name, store, ctx) in cases() {
        let whole_history = History::new(&store, &ctx);
        let expected_novelties = whole_history.novelties().to_vec();
        let no_context = Context::default();
        let expected_suggestion = suggest_context(&store);
        assert!(!expected_novelties.is_empty(), "{name}: the training incidents have first-seen sign-ins");
        suggestions += usize::from(!expected_suggestion.suspect_accounts.is_empty());
        for size in SLICE_SIZES {
            let history = History::new(&store, &ctx);
            let mut finding = history.novelties_in_slices();
            for slice in slices(finding.pieces(), size) {
                finding.work(slice);
            }
            finding.finish();
            assert_eq!(history.novelties(), expected_novelties.as_slice(), "{name}, slices of {size}");

            let shared = History::new(&store, &no_context);
            let mut suggesting = Suggesting::new(&store, &shared);
            work_rounds(&mut suggesting, size);
            assert_eq!(suggesting.finish(), expected_suggestion, "{name}, slices of {size}");
        }
    }
    assert!(suggestions > 0, "the training incidents suggest a break-in");
}
