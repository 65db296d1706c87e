//! When the evidence is not in the tab: the commands that collect what a
//! checklist step lacks, and the queries that ask the case's questions
//! tenant-wide in the engine where a large tenant's logs live (Sentinel /
//! Log Analytics / Azure Data Explorer in KQL, Splunk in SPL). Each is
//! filled in with the case's suspects, window and indicators, quoted for
//! its language, and says which file it writes and how Loupe reads it, so
//! the result can be dropped back into the case.

mod cli;
mod kql;
mod powershell;
pub mod quote;
mod scope;
mod spl;

pub use scope::Scope;

use crate::detect::Context;
use crate::ingest::Schema;
use crate::model::Source;
use crate::playbook::{self, Need};
use serde::Serialize;

/// Where a command runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// Microsoft Sentinel, Log Analytics, Azure Data Explorer.
    Kql,
    /// Splunk with the Microsoft 365, Azure and AWS add-ons.
    Spl,
    /// Exchange Online, Microsoft Graph PowerShell, Microsoft-Extractor-Suite.
    #[serde(rename = "powershell")]
    PowerShell,
    /// `az`, `aws`, `gcloud` in a POSIX shell.
    Cli,
}

impl Engine {
    pub const ALL: [Engine; 4] = [Engine::Kql, Engine::Spl, Engine::PowerShell, Engine::Cli];

    pub fn key(self) -> &'static str {
        match self {
            Engine::Kql => "kql",
            Engine::Spl => "spl",
            Engine::PowerShell => "powershell",
            Engine::Cli => "cli",
        }
    }

    pub fn from_key(key: &str) -> Option<Engine> {
        Engine::ALL.into_iter().find(|e| e.key().eq_ignore_ascii_case(key))
    }

    pub fn label(self) -> &'static str {
        match self {
            Engine::Kql => "KQL (Sentinel, Log Analytics, Data Explorer)",
            Engine::Spl => "SPL (Splunk)",
            Engine::PowerShell => "PowerShell",
            Engine::Cli => "Cloud CLI (shell)",
        }
    }
}

/// One command or query to copy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Command {
    /// The checklist step it serves.
    pub step: u8,
    pub engine: Engine,
    /// What it gets, in a sentence.
    pub purpose: String,
    pub query: String,
    /// The file it leaves and how to save it.
    pub writes: String,
    /// The layout Loupe reads that file as (`None` for a tenant snapshot).
    #[serde(skip)]
    pub reads_as: Option<Schema>,
}

/// The commands that collect each missing piece of evidence of every step,
/// for the case's scope. `loaded` are the sources already in the case;
/// evidence a step only benefits from is included when missing too.
pub fn collect(ctx: &Context, loaded: &[Source], has_snapshot: bool) -> Vec<Command> {
    let mut out: Vec<Command> = Vec::new();
    for step in playbook::all_steps() {
        for command in for_step(step.number, ctx, loaded, has_snapshot) {
            // A source several steps need is collected once, for the first.
            if !out.iter().any(|c| c.query == command.query) {
                out.push(command);
            }
        }
    }
    out
}

/// The commands for one step's missing evidence (required, then helpful),
/// whether or not an earlier step lists the same source.
pub fn for_step(step: u8, ctx: &Context, loaded: &[Source], has_snapshot: bool) -> Vec<Command> {
    let Some(step) = playbook::step(step) else { return Vec::new() };
    let scope = Scope::of(ctx);
    step.needs
        .iter()
        .chain(step.helps)
        .filter(|need| !need.is_loaded(loaded, has_snapshot))
        .flat_map(|&need| commands_for(need, &scope))
        .map(|c| Command { step: step.number, ..c })
        .collect()
}

/// Every way Loupe knows to collect one kind of evidence.
pub fn commands_for(need: Need, scope: &Scope) -> Vec<Command> {
    let mut out = Vec::new();
    out.extend(kql::pull(need, scope));
    out.extend(spl::pull(need, scope));
    out.extend(powershell::pull(need, scope));
    out.extend(cli::pull(need, scope));
    out
}

/// Tenant-wide questions from the case's indicators: who else signed in
/// from a marked address or with a marked user agent, who else consented
/// to a marked app, who else forwards to a marked domain, which mailboxes a
/// marked address read. Empty until indicators are marked.
pub fn hunt(ctx: &Context) -> Vec<Command> {
    let scope = Scope::of(ctx);
    let mut out = kql::hunt(&scope);
    out.extend(spl::hunt(&scope));
    out.extend(powershell::hunt(&scope));
    out
}

fn command(engine: Engine, purpose: impl Into<String>, query: String, writes: impl Into<String>, reads_as: Option<Schema>) -> Command {
    Command { step: 0, engine, purpose: purpose.into(), query, writes: writes.into(), reads_as }
}

#[cfg(test)]
mod tests;
