//! The remediation plan: from the findings and the investigation context,
//! the concrete actions that contain the intruder (step 2) and remove what
//! they left behind (step 11; step 4 for cloud infrastructure), each with
//! the command for today's tooling filled in with the identifiers from the
//! evidence, where to click instead, and the evidence that asks for it.
//!
//! Commands are text for the analyst to review and copy; Loupe never runs
//! anything. Every identifier goes into a command through `quote`, so a
//! hostile rule name or UPN cannot break out of its string.
//!
//! - `quote`: PowerShell, shell and OData quoting.
//! - `identity`: per suspect account (sessions, password, methods, protocols).
//! - `mail`: inbox rules, forwarding, mailbox permissions.
//! - `apps`: consented apps, their grants and added credentials.
//! - `directory`: role memberships and accounts the intruder created.
//! - `cloud`: keys, grants, machines and logging in Azure, AWS and Google
//!   Cloud (step 4), and the cloud secrets to rotate (step 11).
//! - `verify`: evidence after containment that contradicts a done action.

mod apps;
mod cloud;
mod directory;
mod identity;
mod mail;
pub mod quote;
mod verify;

pub use verify::{verify, Contradiction};

use crate::detect::{Context, Finding};
use crate::model::TimeMs;
use crate::store::EventStore;
use serde::Serialize;

/// The tool a command line is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tool {
    /// Microsoft Graph PowerShell SDK (`Connect-MgGraph`).
    GraphPowerShell,
    /// Exchange Online PowerShell (`Connect-ExchangeOnline`).
    ExchangeOnline,
    AzureCli,
    AwsCli,
    Gcloud,
}

impl Tool {
    pub fn label(self) -> &'static str {
        match self {
            Tool::GraphPowerShell => "Microsoft Graph PowerShell",
            Tool::ExchangeOnline => "Exchange Online PowerShell",
            Tool::AzureCli => "Azure CLI",
            Tool::AwsCli => "AWS CLI",
            Tool::Gcloud => "gcloud",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CommandLine {
    pub tool: Tool,
    /// One or more lines; `#` lines are comments for the reader.
    pub text: String,
}

/// What a done action promises, so later evidence can be checked against it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Promise {
    /// Activity by this account (any of these names) should stop.
    pub account: Option<String>,
    /// Only activity from the marked indicator addresses counts.
    pub from_indicators: bool,
    /// Only these operations count (empty: any).
    pub operations: Vec<String>,
    /// Only activity by this application (app id or name) counts.
    pub app: Option<String>,
    /// Only successful events count.
    pub successful_only: bool,
    /// How long after the action activity is still expected (token lifetime).
    pub grace_minutes: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Action {
    /// Stable across reloads: what is done and to what.
    pub id: String,
    /// Playbook step the action belongs to (2, 4 or 11).
    pub step: u8,
    pub title: String,
    /// Why it is needed, and what to watch out for.
    pub why: String,
    pub commands: Vec<CommandLine>,
    /// Where to do it by hand in an admin center.
    pub portal: String,
    /// Findings that call for it (empty for actions every compromise needs).
    pub findings: Vec<String>,
    /// Evidence rows behind it.
    pub rows: Vec<u32>,
    /// Timeline query that shows the evidence.
    pub query: String,
    pub promise: Option<Promise>,
}

/// The plan, in the order an analyst works it: containment first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub actions: Vec<Action>,
    /// Facts about the plan as a whole (e.g. how long tokens stay valid).
    pub notes: Vec<String>,
}

impl Plan {
    pub fn for_step(&self, step: u8) -> impl Iterator<Item = &Action> {
        self.actions.iter().filter(move |a| a.step == step)
    }

    pub fn action(&self, id: &str) -> Option<&Action> {
        self.actions.iter().find(|a| a.id == id)
    }
}

/// Build the plan for what Loupe has seen. `findings` are `run_all`'s for
/// the same store and context.
pub fn plan(store: &EventStore, ctx: &Context, findings: &[Finding]) -> Plan {
    plan_with(store, ctx, findings, &crate::detect::History::new(store, ctx))
}

/// `plan`, reusing what the detectors already worked out about the store
/// (`history`): on millions of rows the tenant's domains alone take a pass
/// over every row.
pub fn plan_with(store: &EventStore, ctx: &Context, findings: &[Finding], history: &crate::detect::History) -> Plan {
    let mut builder = PlanBuilder::new(ctx);
    for part in &PLAN_PARTS {
        builder.add(part, store, findings, history);
    }
    builder.finish()
}

/// One kind of remediation, worked out from the findings.
pub struct PlanPart {
    pub name: &'static str,
    actions: fn(&EventStore, &Context, &[Finding], &crate::detect::History) -> Vec<Action>,
    /// For parts that take findings one at a time: the same actions, a
    /// finding at a time (the page paints between slices of them).
    each: Option<EachFinding>,
}

/// A plan part cut by finding: `taken` lists the findings it acts on in
/// its order, `actions_of` makes one finding's actions. Concatenated in
/// that order they are the part's `actions`.
struct EachFinding {
    taken: for<'f> fn(&'f [Finding]) -> Vec<&'f Finding>,
    actions_of: fn(&EventStore, &Context, &Finding, &crate::detect::History) -> Vec<Action>,
}

/// The plan's parts in the order their actions are listed before sorting.
/// The page works them out one at a time, painting in between: with
/// thousands of findings one part can take tens of milliseconds.
pub const PLAN_PARTS: [PlanPart; 5] = [
    PlanPart { name: "remediation: identity", actions: |store, ctx, findings, _| identity::actions(store, ctx, findings), each: None },
    // A removal per inbox rule: thousands in a large tenant's export.
    PlanPart {
        name: "remediation: mail",
        actions: |store, _, findings, history| mail::actions(store, findings, history),
        each: Some(EachFinding { taken: mail::taken, actions_of: |store, _, finding, history| mail::actions_of(store, finding, history) }),
    },
    PlanPart { name: "remediation: apps", actions: |store, ctx, findings, _| apps::actions(store, ctx, findings), each: None },
    PlanPart { name: "remediation: directory", actions: |store, ctx, findings, _| directory::actions(store, ctx, findings), each: None },
    PlanPart { name: "remediation: cloud", actions: |store, ctx, findings, _| cloud::actions(store, ctx, findings), each: None },
];

/// The plan put together part by part (`PLAN_PARTS`).
pub struct PlanBuilder {
    ctx: Context,
    actions: Vec<Action>,
}

impl PlanBuilder {
    pub fn new(ctx: &Context) -> PlanBuilder {
        PlanBuilder { ctx: ctx.clone().with_sane_tuning(), actions: Vec::new() }
    }

    pub fn add(&mut self, part: &PlanPart, store: &EventStore, findings: &[Finding], history: &crate::detect::History) {
        self.actions.extend((part.actions)(store, &self.ctx, findings, history));
    }

    /// The findings `part` takes one at a time, in its order, for
    /// `add_each`; `None` when it is added whole (`add`).
    pub fn taken_each<'f>(part: &PlanPart, findings: &'f [Finding]) -> Option<Vec<&'f Finding>> {
        part.each.as_ref().map(|each| (each.taken)(findings))
    }

    /// Add `part`'s actions for a slice of what `taken_each` listed; the
    /// slices, added in order, add what `add` would.
    pub fn add_each(&mut self, part: &PlanPart, store: &EventStore, taken: &[&Finding], history: &crate::detect::History) {
        let Some(each) = &part.each else { return };
        for finding in taken {
            self.actions.extend((each.actions_of)(store, &self.ctx, finding, history));
        }
    }

    pub fn finish(self) -> Plan {
        let mut plan = Plan::default();
        if let Some(at) = self.ctx.containment {
            plan.notes.push(token_note(at, self.ctx.token_lifetime_minutes));
        }
        // One action per id: two findings about the same rule make one removal.
        let mut seen = std::collections::BTreeMap::<String, usize>::new();
        for action in self.actions {
            match seen.get(&action.id) {
                Some(&i) => {
                    let kept: &mut Action = &mut plan.actions[i];
                    for f in action.findings {
                        if !kept.findings.contains(&f) {
                            kept.findings.push(f);
                        }
                    }
                    kept.rows.extend(action.rows);
                    kept.rows.sort_unstable();
                    kept.rows.dedup();
                }
                None => {
                    seen.insert(action.id.clone(), plan.actions.len());
                    plan.actions.push(action);
                }
            }
        }
        plan.actions.sort_by_key(|a| match a.step {
            2 => 0,
            4 => 2,
            _ => 1,
        });
        plan
    }
}

fn token_note(containment: TimeMs, lifetime_minutes: i64) -> String {
    let until = containment + lifetime_minutes * 60_000;
    format!(
        "Sessions were revoked at {}. Access tokens issued before then stay valid until they expire: allow until about {} ({} min) before reading later activity as a failed containment. Apps that support continuous access evaluation drop them sooner.",
        crate::model::format_utc(containment),
        crate::model::format_utc(until),
        lifetime_minutes
    )
}

/// Findings of one detector at or above Medium: the ones worth acting on.
fn actionable<'a>(findings: &'a [Finding], detector: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
    findings.iter().filter(move |f| f.detector == detector && f.severity >= crate::detect::Severity::Medium)
}

/// `Connect-…` preamble lines, so each block can be pasted on its own.
const GRAPH_CONNECT: &str = "Connect-MgGraph -Scopes";
const EXO_CONNECT: &str = "Connect-ExchangeOnline";

fn graph(scopes: &[&str], body: &str) -> CommandLine {
    let scopes: Vec<String> = scopes.iter().map(|s| quote::ps(s)).collect();
    CommandLine { tool: Tool::GraphPowerShell, text: format!("{GRAPH_CONNECT} {}\n{body}", scopes.join(",")) }
}

fn exchange(body: &str) -> CommandLine {
    CommandLine { tool: Tool::ExchangeOnline, text: format!("{EXO_CONNECT}\n{body}") }
}

/// A short stable key for an identifier in an action id.
fn key(value: &str) -> String {
    value.trim().to_lowercase()
}

#[cfg(test)]
mod tests;
