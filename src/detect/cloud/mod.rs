//! Cloud infrastructure reached through the stolen identity (playbook step
//! 4, and step 11 for secrets and keys read): Azure Activity, CloudTrail and
//! Google Cloud audit rows matched against tables of telling operations.
//!
//! - `Identities`: who the suspects are in each cloud. Besides the UPN, an
//!   Azure row may name the user by object id, an AWS row by the session
//!   name of a role assumed through Entra ID, a Google Cloud row by email.
//! - `Rule` and `scan`: the operations each detector looks for, and the
//!   one loop that groups matching rows into findings whose severity says
//!   whether a suspect account or a marked address was involved, inside the
//!   compromise window.
//!
//! One module per detector: `compute`, `storage`, `secrets`, `iam`,
//! `keys`, `logging`, `console`, and `suspect` for everything else the
//! suspects did in a cloud.

pub mod compute;
pub mod console;
pub mod iam;
pub mod keys;
pub mod logging;
pub mod secrets;
pub mod storage;
pub mod suspect;

use super::facts::account_key;
use super::{Context, DetectorDef, EntityKind, Finding, FindingBuilder, IndicatorKind, Severity};
use crate::model::{attr, Outcome, Source};
use crate::store::{EventStore, Field};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The suspects as each cloud may name them: UPNs and accounts marked as
/// indicators, plus the Entra object ids those accounts have in the
/// sign-in and audit logs (with the account each belongs to).
pub struct Identities {
    names: HashSet<String>,
    object_ids: HashMap<String, String>,
}

impl Identities {
    pub fn new(store: &EventStore, ctx: &Context) -> Identities {
        let mut names: HashSet<String> = ctx.suspect_accounts.iter().map(|a| account_key(a)).filter(|a| !a.is_empty()).collect();
        names.extend(ctx.indicator_values(IndicatorKind::Account).map(account_key));
        let mut object_ids = HashMap::new();
        if !names.is_empty() {
            for row in 0..store.len() as u32 {
                let source = store.source(row);
                if matches!(source, Source::SignIn | Source::DirectoryAudit) && names.contains(&account_key(store.actor(row))) {
                    if let Some(id) = store.attr(row, attr::USER_ID).map(account_key).filter(|id| !id.is_empty()) {
                        object_ids.entry(id).or_insert_with(|| store.actor(row).trim().to_string());
                    }
                }
            }
        }
        Identities { names, object_ids }
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Which suspect a cloud row belongs to, as the row names them.
    pub fn matched(&self, store: &EventStore, row: u32) -> Option<String> {
        if self.names.is_empty() {
            return None;
        }
        let actor = account_key(store.actor(row));
        if self.names.contains(&actor) {
            return Some(store.actor(row).to_string());
        }
        if let Some(name) = store.attr(row, attr::FEDERATED_NAME).filter(|n| self.names.contains(&account_key(n))) {
            return Some(name.to_string());
        }
        let id = store.attr(row, attr::USER_ID).map(account_key).unwrap_or_default();
        // AWS principal ids end in the session name (`AROA…:alice@contoso.com`).
        let tail = id.rsplit(':').next().unwrap_or("");
        if !id.is_empty() && (self.object_ids.contains_key(&id) || self.names.contains(tail)) || self.object_ids.contains_key(&actor) {
            return Some(store.actor(row).to_string());
        }
        None
    }

    /// The suspect account an Entra object id belongs to, as its sign-in
    /// or audit rows name it.
    pub fn account_of_object_id(&self, object_id: &str) -> Option<&str> {
        self.object_ids.get(&account_key(object_id)).map(String::as_str)
    }
}

/// An operation a detector looks for.
pub struct Rule {
    pub source: Source,
    /// Operation names: Azure's canonical names (any case) and their
    /// portal display names, AWS event names, Google Cloud method names
    /// (matched whole or as the last dotted part).
    pub ops: &'static [&'static str],
    /// What the operation does, for the title ("created an access key").
    pub what: &'static str,
    pub base: Severity,
}

/// Operation equal to `name`, or ending in `.name` (Google Cloud's
/// `google.iam.admin.v1.CreateServiceAccountKey` for `CreateServiceAccountKey`).
pub fn op_matches(op: &str, name: &str) -> bool {
    let op = op.trim();
    op.eq_ignore_ascii_case(name)
        || (op.len() > name.len() && op.as_bytes()[op.len() - name.len() - 1] == b'.' && op[op.len() - name.len()..].eq_ignore_ascii_case(name))
}

pub fn rule_for<'r>(rules: &'r [Rule], store: &EventStore, row: u32) -> Option<&'r Rule> {
    let source = store.source(row);
    let op = store.operation(row);
    rules.iter().find(|r| r.source == source && r.ops.iter().any(|n| op_matches(op, n)))
}

/// A row's request, response and properties text, lower-cased with JSON
/// escapes and spaces removed, for checks such as "public access allowed".
pub fn payload(store: &EventStore, row: u32) -> String {
    [attr::REQUEST, attr::RESPONSE, "Properties", "ServiceData"]
        .iter()
        .filter_map(|k| store.attr(row, k))
        .flat_map(|t| t.chars())
        .filter(|c| *c != '\\' && !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// How the rows of one would-be finding are grouped.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// One finding per identity, operation and resource (a change).
    Target,
    /// One finding per identity and operation, resources listed (reads).
    Actor,
}

/// What a detector adds to a matched row: a more precise severity and a
/// line of detail, or `None` to leave the row out.
pub type Refine = fn(&EventStore, u32, &Rule) -> Option<(Severity, String)>;

pub fn keep_as_is(_: &EventStore, _: u32, rule: &Rule) -> Option<(Severity, String)> {
    Some((rule.base, String::new()))
}

struct Group {
    rows: Vec<u32>,
    severity: Severity,
    what: &'static str,
    details: Vec<String>,
    targets: Vec<String>,
}

/// Scan the cloud rows for `rules` and make one finding per group.
pub fn scan(def: &'static DetectorDef, store: &EventStore, ctx: &Context, rules: &[Rule], group_by: GroupBy, refine: Refine, why: &str) -> Vec<Finding> {
    let ids = Identities::new(store, ctx);
    let mut groups: BTreeMap<(u8, String, String, String), Group> = BTreeMap::new();
    for row in 0..store.len() as u32 {
        if !store.source(row).is_cloud() {
            continue;
        }
        let Some(rule) = rule_for(rules, store, row) else { continue };
        let Some((severity, detail)) = refine(store, row, rule) else { continue };
        let who = ids.matched(store, row).unwrap_or_else(|| store.actor(row).to_string());
        let target = if group_by == GroupBy::Target { store.target(row).to_lowercase() } else { String::new() };
        let key = (store.source(row) as u8, account_key(&who), store.operation(row).to_lowercase(), target);
        let group = groups.entry(key).or_insert_with(|| Group { rows: Vec::new(), severity, what: rule.what, details: Vec::new(), targets: Vec::new() });
        group.rows.push(row);
        group.severity = group.severity.max(severity);
        if !detail.is_empty() && !group.details.contains(&detail) {
            group.details.push(detail);
        }
        let t = store.target(row);
        if !t.is_empty() && !group.targets.iter().any(|x| x.eq_ignore_ascii_case(t)) {
            group.targets.push(t.to_string());
        }
    }
    groups.into_values().filter_map(|g| finding(def, store, ctx, &ids, g, why)).collect()
}

/// Involvement of the suspects, marked addresses and the window in a set of rows.
pub struct Assessment {
    pub suspect: Option<String>,
    pub marked_ip: Option<String>,
    pub in_window: bool,
    pub all_failed: bool,
}

pub fn assess(store: &EventStore, ctx: &Context, ids: &Identities, rows: &[u32]) -> Assessment {
    Assessment {
        suspect: rows.iter().find_map(|&r| ids.matched(store, r)),
        marked_ip: rows.iter().map(|&r| store.ip(r)).find(|ip| ctx.is_indicator_ip(ip)).map(str::to_string),
        in_window: rows.iter().any(|&r| ctx.in_window(store.time(r))),
        all_failed: rows.iter().all(|&r| store.outcome(r) == Outcome::Failure),
    }
}

impl Assessment {
    /// The severity of a finding whose operations alone rate `base`.
    pub fn severity(&self, ctx: &Context, base: Severity) -> Severity {
        let mut severity = if self.marked_ip.is_some() || (self.suspect.is_some() && self.in_window) {
            base.raised().raised().max(Severity::High)
        } else if self.suspect.is_some() && ctx.window.is_none() {
            base.raised().max(Severity::Medium)
        } else if self.suspect.is_some() {
            base
        } else if ctx.window.is_some() && !self.in_window {
            // Nobody suspected: routine until tied to the attacker, so
            // never above Medium, and lower again outside the window.
            base.lowered().lowered().min(Severity::Medium)
        } else {
            base.lowered().min(Severity::Medium)
        };
        if self.all_failed {
            severity = severity.lowered();
        }
        severity
    }

    /// Title suffix and benign signals.
    pub fn explain(&self, ctx: &Context) -> (Vec<String>, Vec<String>) {
        let mut reasons = Vec::new();
        let mut benign = Vec::new();
        if let Some(who) = &self.suspect {
            reasons.push(format!("by suspect {who}"));
        }
        if let Some(ip) = &self.marked_ip {
            reasons.push(format!("from marked address {ip}"));
        }
        if self.suspect.is_none() && self.marked_ip.is_none() {
            benign.push("no suspect account or marked address involved".to_string());
        }
        if ctx.window.is_some() {
            if self.in_window {
                reasons.push("in the compromise window".to_string());
            } else {
                benign.push("outside the compromise window".to_string());
            }
        }
        if self.all_failed {
            benign.push("the call failed, so nothing was changed or read".to_string());
        }
        (reasons, benign)
    }
}

/// The account, subscription or project the rows are in, for titles.
pub fn where_of(store: &EventStore, row: u32) -> String {
    let cloud = match store.source(row) {
        Source::AzureActivity => "Azure",
        Source::CloudTrail => "AWS",
        Source::GcpAudit => "Google Cloud",
        _ => "",
    };
    match store.attr(row, attr::CLOUD_ACCOUNT).map(str::trim).filter(|a| !a.is_empty()) {
        Some(account) => format!("{cloud} {account}"),
        None => cloud.to_string(),
    }
}

/// A resource id shortened for a title: its last two path parts.
/// A version or key under its parent (`secrets/x/versions/latest`) keeps four.
pub fn short(resource: &str) -> String {
    let all: Vec<&str> = resource.trim_end_matches('/').split('/').collect();
    let keep = match all.len().checked_sub(2).and_then(|i| all.get(i)) {
        Some(kind) if ["versions", "keys"].iter().any(|k| kind.eq_ignore_ascii_case(k)) => 4,
        _ => 2,
    };
    if all.len() > keep + 1 {
        all[all.len() - keep..].join("/")
    } else {
        resource.to_string()
    }
}

fn finding(def: &'static DetectorDef, store: &EventStore, ctx: &Context, ids: &Identities, g: Group, why: &str) -> Option<Finding> {
    let first = *g.rows.first()?;
    let a = assess(store, ctx, ids, &g.rows);
    let severity = a.severity(ctx, g.severity);
    let (reasons, benign) = a.explain(ctx);
    let actor = store.actor(first);
    let who = a.suspect.clone().unwrap_or_else(|| if actor.is_empty() { "an unnamed caller".to_string() } else { actor.to_string() });
    let on = match g.targets.as_slice() {
        [] => String::new(),
        [one] => format!(": {}", short(one)),
        [one, rest @ ..] => format!(": {} and {} more", short(one), rest.len()),
    };
    let op = store.operation(first);
    let display = store.attr(first, attr::OPERATION_DISPLAY).filter(|d| !d.is_empty()).unwrap_or(op);
    let mut title = format!("{who} {}{on} ({display}, {})", g.what, where_of(store, first));
    if !reasons.is_empty() {
        title = format!("{title} — {}", reasons.join(", "));
    }
    let sources: Vec<&str> = {
        let mut s: Vec<&str> = g.rows.iter().map(|&r| store.source(r).key()).collect();
        s.dedup();
        s
    };
    let ops: Vec<&str> = g.rows.iter().map(|&r| store.operation(r)).collect();
    let actors: Vec<&str> = g.rows.iter().map(|&r| store.actor(r)).collect();
    let mut b = FindingBuilder::new(def, severity, title, why)
        .rows(g.rows.iter().copied())
        .entity(EntityKind::Account, &who)
        .entity(EntityKind::Ip, a.marked_ip.as_deref().unwrap_or(store.ip(first)))
        .matching(Field::Source, &sources)
        .matching(Field::Op, &dedup(ops))
        .matching(Field::Actor, &dedup(actors));
    for t in g.targets.iter().take(10) {
        b = b.entity(EntityKind::CloudResource, t);
    }
    if g.targets.len() > 1 {
        b = b.detail(format!("{} resources: {}", g.targets.len(), g.targets.iter().take(20).cloned().collect::<Vec<_>>().join(", ")));
    }
    for d in g.details {
        b = b.detail(d);
    }
    let failed = g.rows.iter().filter(|&&r| store.outcome(r) == Outcome::Failure).count();
    if failed > 0 && failed < g.rows.len() {
        b = b.detail(format!("{failed} of {} calls failed", g.rows.len()));
    }
    for s in benign {
        b = b.benign(s);
    }
    b.build(store)
}

fn dedup(mut values: Vec<&str>) -> Vec<&str> {
    values.sort_unstable();
    values.dedup();
    values
}

#[cfg(test)]
pub(crate) mod test_rows {
    //! Cloud rows shaped as the parsers produce them.
    use super::super::testkit::t;
    use crate::model::{attr, Event, Outcome, Source};

    pub fn aws(time: &str, name: &str, arn: &str, ip: &str, target: &str) -> Event {
        let mut e = Event { time: t(time), source: Source::CloudTrail, operation: name.into(), actor: arn.into(), ip: ip.into(), target: target.into(), outcome: Outcome::Success, ..Event::default() };
        if let Some(session) = crate::ingest::cloudtrail::session_name_of_arn(arn) {
            e.set_attr(attr::FEDERATED_NAME, session);
        }
        e.set_attr(attr::CLOUD_ACCOUNT, "111122223333");
        e
    }

    pub fn azure(time: &str, op: &str, caller: &str, ip: &str, resource: &str) -> Event {
        let mut e = Event { time: t(time), source: Source::AzureActivity, operation: op.into(), actor: caller.into(), ip: ip.into(), target: resource.into(), outcome: Outcome::Success, ..Event::default() };
        e.set_attr(attr::CLOUD_ACCOUNT, "sub-1");
        e
    }

    pub fn gcp(time: &str, method: &str, email: &str, ip: &str, resource: &str) -> Event {
        let mut e = Event { time: t(time), source: Source::GcpAudit, operation: method.into(), actor: email.into(), ip: ip.into(), target: resource.into(), outcome: Outcome::Success, ..Event::default() };
        e.set_attr(attr::CLOUD_ACCOUNT, "acme-prod");
        e
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::test_rows::*;
    use super::*;

    #[test]
    fn resource_names_are_shortened_for_titles() {
        assert_eq!(short("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1"), "virtualMachines/vm1");
        assert_eq!(short("projects/p/secrets/stripe/versions/latest"), "secrets/stripe/versions/latest");
        assert_eq!(short("prod/db"), "prod/db");
        assert_eq!(short("svc-backup"), "svc-backup");
    }

    #[test]
    fn operation_names_match_whole_or_by_last_part() {
        assert!(op_matches("google.iam.admin.v1.CreateServiceAccountKey", "CreateServiceAccountKey"));
        assert!(op_matches("MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE", "Microsoft.Compute/virtualMachines/write"));
        assert!(!op_matches("google.iam.admin.v1.XCreateServiceAccountKey", "CreateServiceAccountKey"));
        assert!(!op_matches("Key", "CreateServiceAccountKey"));
    }

    #[test]
    fn suspects_are_found_by_session_name_object_id_and_email() {
        let signin = signin("2026-03-01T10:00:00Z", "victim@contoso.com", "203.0.113.7", "NL").with(attr::USER_ID, "OID-1");
        let store = store_of(vec![
            signin,
            aws("2026-03-01T11:00:00Z", "ListUsers", "arn:aws:sts::1:assumed-role/Admins/Victim@Contoso.com", "", ""),
            azure("2026-03-01T11:00:00Z", "x/write", "oid-1", "", ""),
            gcp("2026-03-01T11:00:00Z", "SetIamPolicy", "victim@contoso.com", "", ""),
            aws("2026-03-01T11:00:00Z", "ListUsers", "arn:aws:iam::1:user/ops", "", "").with(attr::USER_ID, "AIDA:ops"),
            aws("2026-03-01T11:00:00Z", "ListUsers", "arn:aws:iam::1:user/x", "", "").with(attr::USER_ID, "AROA1:victim@contoso.com"),
        ]);
        let ctx = Context { suspect_accounts: vec!["victim@contoso.com".into()], ..Context::default() };
        let ids = Identities::new(&store, &ctx);
        let matched: Vec<bool> = (1..6).map(|r| ids.matched(&store, r).is_some()).collect();
        assert_eq!(matched, [true, true, true, false, true]);
        assert!(Identities::new(&store, &Context::default()).matched(&store, 1).is_none());
    }

    #[test]
    fn severity_follows_involvement_window_and_failure() {
        let ctx = Context { window: Some((t("2026-03-01T00:00:00Z"), t("2026-03-02T00:00:00Z"))), ..Context::default() };
        let a = |suspect: bool, ip: bool, in_window: bool, failed: bool| Assessment {
            suspect: suspect.then(|| "v".to_string()),
            marked_ip: ip.then(|| "1.2.3.4".to_string()),
            in_window,
            all_failed: failed,
        };
        assert_eq!(a(true, false, true, false).severity(&ctx, Severity::Medium), Severity::Critical);
        assert_eq!(a(true, false, true, false).severity(&ctx, Severity::Low), Severity::High);
        assert_eq!(a(false, true, false, false).severity(&ctx, Severity::Medium), Severity::Critical);
        assert_eq!(a(true, false, false, false).severity(&ctx, Severity::Medium), Severity::Medium);
        assert_eq!(a(false, false, false, false).severity(&ctx, Severity::Medium), Severity::Info);
        assert_eq!(a(false, false, true, false).severity(&ctx, Severity::Medium), Severity::Low);
        assert_eq!(a(false, false, true, false).severity(&ctx, Severity::High), Severity::Medium);
        assert_eq!(a(true, false, true, true).severity(&ctx, Severity::Medium), Severity::High);
        let no_window = Context::default();
        assert_eq!(a(true, false, false, false).severity(&no_window, Severity::Medium), Severity::High);
    }
}
