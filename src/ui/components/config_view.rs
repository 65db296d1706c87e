//! The tenant configuration view (steps 7, 8 and 12, and 6, 9 and 10 for
//! mailbox reports): the snapshot files and which side each is on, the
//! changes (baseline against current, or rebuilt from the audit log when
//! there is no baseline), the app inventory, and the posture (Conditional
//! Access, and the mailbox state tool reports show). Every item names the
//! step it serves and opens the log events about its object.

use crate::detect::{Context, Severity};
use crate::store::EventStore;
use crate::tenant::inventory::{self, Origin};
use crate::tenant::posture::{self, CheckResult};
use crate::model::format_utc;
use crate::report::incident::{config_changes, ConfigChange};
use crate::tenant::{ObjectKind, Snapshot};
use crate::ui::components::findings_panel::severity_class;
use crate::ui::state::{SnapshotFile, SnapshotRole};
use crate::ui::format::evidence_text;
use std::cell::RefCell;
use std::rc::Rc;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[derive(Properties)]
pub struct ConfigViewProps {
    pub files: Rc<Vec<SnapshotFile>>,
    pub snapshots_generation: u64,
    pub store: Rc<RefCell<EventStore>>,
    pub generation: u64,
    pub context: Context,
    /// The current snapshot's posture checks (worked out once, in the app,
    /// which also lists their gaps under the checklist's steps).
    pub checks: Rc<Vec<posture::PostureCheck>>,
    pub on_role: Callback<(u32, SnapshotRole)>,
    pub on_remove: Callback<u32>,
    pub on_open: Callback<String>,
}

impl PartialEq for ConfigViewProps {
    fn eq(&self, other: &Self) -> bool {
        self.snapshots_generation == other.snapshots_generation && self.generation == other.generation && self.context == other.context && Rc::ptr_eq(&self.checks, &other.checks)
    }
}

/// The playbook step a configuration object belongs to.
fn step_of(kind: &ObjectKind) -> u8 {
    match kind {
        ObjectKind::Application | ObjectKind::ServicePrincipal | ObjectKind::OAuth2PermissionGrant | ObjectKind::AppRoleAssignment => 8,
        ObjectKind::RoleAssignment | ObjectKind::RoleEligibility | ObjectKind::RoleDefinition => 10,
        ObjectKind::InboxRule | ObjectKind::MailboxForwarding | ObjectKind::TransportRule => 9,
        ObjectKind::MailboxPermission => 10,
        ObjectKind::MailboxAuditSetting => 6,
        _ => 7,
    }
}

/// The objects of every snapshot file on one side.
pub fn side(files: &[SnapshotFile], role: SnapshotRole) -> Snapshot {
    let mut snapshot = Snapshot::new();
    for f in files.iter().filter(|f| f.role == role) {
        for object in &f.read.objects {
            snapshot.add_object(object.clone());
        }
    }
    snapshot
}

fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('"', ""))
}

/// What the view shows, worked out from the snapshots and the evidence.
struct Analysis {
    changes: Vec<ConfigChange>,
    changes_from: &'static str,
    apps: inventory::Inventory,
}

fn analyse(files: &[SnapshotFile], store: &EventStore, context: &Context) -> Analysis {
    let baseline = side(files, SnapshotRole::Baseline);
    let current = side(files, SnapshotRole::Current);
    let current_ref = (!current.is_empty()).then_some(&current);
    let (changes, changes_from) = config_changes(&baseline, &current, store, context);
    let apps = inventory::build(current_ref, Some((store, context)));
    Analysis { changes, changes_from, apps }
}

#[function_component(ConfigView)]
pub fn config_view(props: &ConfigViewProps) -> Html {
    let filter = use_state(inventory::Filter::default);
    // The analysis reads every audit row: worked out when the snapshots, the
    // evidence or the context change, not on every redraw (a filter click).
    let analysis = {
        let (files, store) = (props.files.clone(), props.store.clone());
        use_memo((props.snapshots_generation, props.generation, props.context.clone()), move |(_, _, context)| {
            crate::ui::analysis::timed("configuration changes and apps", || analyse(&files, &store.borrow(), context))
        })
    };
    let Analysis { changes, changes_from, apps } = &*analysis;
    let checks = &*props.checks;
    let serious = changes.iter().filter(|c| c.change.risk >= Severity::High).count();
    // The diff grouped by object type, the riskiest group first.
    let mut groups: Vec<(String, Vec<&ConfigChange>)> = Vec::new();
    for c in changes.iter() {
        let label = c.change.kind.label().to_string();
        match groups.iter_mut().find(|(l, _)| *l == label) {
            Some((_, list)) => list.push(c),
            None => groups.push((label, vec![c])),
        }
    }
    groups.sort_by(|a, b| {
        let top = |g: &[&ConfigChange]| g.iter().map(|c| c.change.risk).max();
        top(&b.1).cmp(&top(&a.1)).then(a.0.cmp(&b.0))
    });
    let shown_apps = apps.filtered(*filter);
    let filter_box = |label: &'static str, testid: &'static str, on: bool, set: fn(&mut inventory::Filter, bool)| {
        let filter = filter.clone();
        let onchange = Callback::from(move |e: Event| {
            let mut next = *filter;
            set(&mut next, e.target_unchecked_into::<web_sys::HtmlInputElement>().checked());
            filter.set(next);
        });
        html! { <label class="inline"><input type="checkbox" checked={on} {onchange} data-testid={testid} />{ format!(" {label}") }</label> }
    };
    let gaps = checks.iter().filter(|c| c.result == CheckResult::Gap).count();

    let file_line = |f: &SnapshotFile| {
        let id = f.id;
        let on_role = props.on_role.reform(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            (id, if value == "baseline" { SnapshotRole::Baseline } else { SnapshotRole::Current })
        });
        let remove = props.on_remove.reform(move |_: MouseEvent| id);
        let headline: Vec<String> = f.read.reports.iter().map(|r| r.headline()).collect();
        html! {
            <li class="snapshot-file" data-testid="snapshot-file">
                <select aria-label={format!("Side of {}", f.name)} data-testid="snapshot-role" onchange={on_role}>
                    <option value="current" selected={f.role == SnapshotRole::Current}>{ "current" }</option>
                    <option value="baseline" selected={f.role == SnapshotRole::Baseline}>{ "baseline" }</option>
                </select>
                <span class="value" title={headline.join("\n")}>{ headline.join("; ") }</span>
                <button class="remove" onclick={remove} aria-label={format!("Remove {}", f.name)}>{ "×" }</button>
            </li>
        }
    };
    let change_line = |c: &ConfigChange| {
        let ch = &c.change;
        let open = props.on_open.reform({
            let q = quoted(if ch.id.is_empty() { &ch.name } else { &ch.id });
            move |_: MouseEvent| q.clone()
        });
        html! {
            <li data-testid="config-change">
                <details>
                    <summary>
                        <span class={classes!("sev", severity_class(ch.risk))}>{ ch.risk.label() }</span>
                        <span class="step-no">{ format!("step {}", step_of(&ch.kind)) }</span>
                        <span class="kind">{ ch.kind.label() }</span>
                        <span class="title">{ format!("{} {}", evidence_text(&ch.name), crate::tenant::reconstruct::change_word(ch.change)) }</span>
                        if let Some(when) = c.when { <span class="when">{ format_utc(when) }</span> }
                    </summary>
                    <p class="reason">{ evidence_text(&ch.reason()) }</p>
                    if !ch.changes.is_empty() {
                        <table class="props">
                            <tr><th>{ "property" }</th><th>{ "before" }</th><th>{ "after" }</th></tr>
                            { for ch.changes.iter().take(40).map(|p| html! { <tr><td>{ evidence_text(&p.path) }</td><td>{ evidence_text(&p.old.to_string()) }</td><td>{ evidence_text(&p.new.to_string()) }</td></tr> }) }
                        </table>
                    }
                    <button class="link" onclick={open}>{ if c.rows > 0 { format!("Show the {} log record(s)", c.rows) } else { "Show log events about this object".to_string() } }</button>
                </details>
            </li>
        }
    };
    let app_row = |a: &inventory::AppEntry| {
        let open = props.on_open.reform({
            let q = quoted(&a.app_id);
            move |_: MouseEvent| q.clone()
        });
        let mut perms: Vec<&inventory::Permission> = a.delegated.iter().flat_map(|d| d.permissions.iter()).chain(a.app_roles.iter().map(|r| &r.permission)).collect();
        perms.sort_by(|x, y| y.risk.cmp(&x.risk));
        let flags: Vec<&str> = [
            (a.consented_by_suspect, "consented by a suspect"),
            (a.created_in_window, "created in window"),
            (a.changed_in_window, "changed in window"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, label)| *label)
        .collect();
        let origin = match a.origin {
            Origin::OwnTenant => "this tenant",
            Origin::Microsoft => "Microsoft",
            Origin::Foreign => "another tenant",
            Origin::Unknown => "unknown",
        };
        html! {
            <tr data-testid="app-row">
                <td><span class={classes!("sev", severity_class(a.risk))}>{ a.risk.label() }</span></td>
                <td title={a.app_id.clone()}>{ evidence_text(if a.name.is_empty() { &a.app_id } else { &a.name }) }</td>
                <td>{ origin }</td>
                <td class="perms">{ perms.iter().take(6).map(|p| p.name.as_str()).collect::<Vec<_>>().join(" ") }</td>
                <td>{ evidence_text(&a.consented_by.join(", ")) }</td>
                <td class="flags">{ flags.join(" · ") }</td>
                <td><button class="link" onclick={open}>{ "events" }</button></td>
            </tr>
        }
    };
    html! {
        <details class="config-panel" data-testid="config">
            <summary>{ format!("Tenant configuration: {} snapshot file(s) · {} change(s), {serious} high or above · {} app(s) · {gaps} posture gap(s)", props.files.len(), changes.len(), apps.apps.len()) }</summary>
            if props.files.is_empty() {
                <p class="hint">{ "Open Microsoft Graph JSON exports of the tenant's configuration (or a .zip of them), or the tenant reports of Microsoft-Extractor-Suite or Hawk (mailbox rules, forwarding, permissions, audit status, transport rules, OAuth grants, MFA, CA policies, roles), to compare a known-good baseline with the current state and check Conditional Access and mailboxes. Without them, changes and apps come from the audit log." }</p>
            } else {
                <ul class="snapshot-files">{ for props.files.iter().map(file_line) }</ul>
            }
            <h3>{ format!("Changes, {changes_from}") }</h3>
            if changes.is_empty() { <p class="hint">{ "None found." }</p> }
            <div class="config-changes">
                { for groups.iter().map(|(label, list)| html! {
                    <section class="change-group" data-testid="change-group">
                        <h4>{ format!("{label} ({})", list.len()) }</h4>
                        <ul>{ for list.iter().map(|c| change_line(c)) }</ul>
                    </section>
                }) }
            </div>
            <h3>{ "Applications (step 8)" }</h3>
            <div class="app-filters">
                { filter_box("broad permissions", "apps-broad", filter.broad_permissions, |f, on| f.broad_permissions = on) }
                { filter_box("created in the window", "apps-in-window", filter.created_in_window, |f, on| f.created_in_window = on) }
                { filter_box("consented by a suspect", "apps-by-suspect", filter.consented_by_suspect, |f, on| f.consented_by_suspect = on) }
                <span class="hint">{ format!(" {} of {} shown", shown_apps.len(), apps.apps.len()) }</span>
            </div>
            if shown_apps.is_empty() {
                <p class="hint">{ "No applications to show." }</p>
            } else {
                <table class="apps">
                    <tr><th>{ "risk" }</th><th>{ "app" }</th><th>{ "owner" }</th><th>{ "permissions" }</th><th>{ "consented by" }</th><th>{ "flags" }</th><th></th></tr>
                    { for shown_apps.into_iter().map(app_row) }
                </table>
            }
            { for apps.notes.iter().map(|n| html! { <p class="hint">{ n }</p> }) }
            if !checks.is_empty() {
                <h3>{ "Posture: Conditional Access (step 12) and mailboxes (steps 6, 9, 10)" }</h3>
                <ul class="posture">
                    { for checks.iter().map(|c| html! {
                        <li data-testid="posture-check" class={classes!(match c.result { CheckResult::Pass => "pass", CheckResult::Gap => "gap", CheckResult::NotEvaluable => "unknown" })}>
                            <span class="result">{ match c.result { CheckResult::Pass => "pass", CheckResult::Gap => "gap", CheckResult::NotEvaluable => "not evaluable" } }</span>
                            <span class="step-no">{ format!("step {}", c.step) }</span>
                            <span class="title">{ c.title }</span>
                            <p class="reason">{ evidence_text(&c.reason) }</p>
                            if !c.policies.is_empty() {
                                <p class="hint">{ format!("Policies: {}", c.policies.iter().map(|p| format!("{} ({})", evidence_text(&p.name), p.state)).collect::<Vec<_>>().join("; ")) }</p>
                            }
                            if !c.cannot_judge.is_empty() {
                                <p class="hint">{ format!("Cannot judge from a snapshot: {}", c.cannot_judge.join("; ")) }</p>
                            }
                        </li>
                    }) }
                </ul>
            }
        </details>
    }
}
