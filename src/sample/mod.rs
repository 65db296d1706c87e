//! Deterministic training incidents: a month of ordinary activity in a
//! fictional tenant and one compromise, written in the real export layouts
//! (Entra sign-in download CSV, Graph sign-ins and directory audits JSON,
//! Search-UnifiedAuditLog CSV, Microsoft Graph activity logs, message
//! trace), with an answer key naming every attacker record.
//!
//! Each `Scenario` is a different compromise over the same month: the same
//! seed gives the same tenant, staff and background in every scenario, and
//! always the same bytes; nothing reads the clock or the environment.
//! `rng` is the only source of variation, `world` and `people` set the
//! scene, `background` makes the month, `attack` (mailbox takeover) and
//! `admin` (compromised admin) the incidents, `traffic` what each did in
//! Microsoft Graph and by mail, `formats` writes them,
//! `answer_key` says what they mean.

mod admin;
mod admin_traffic;
pub mod answer_key;
mod attack;
mod background;
pub mod clock;
mod cloud;
mod config;
pub mod formats;
mod graph_calls;
mod mail_flow;
mod people;
mod records;
mod rng;
mod takeover_traffic;
mod traffic;
mod training;
mod world;

pub use answer_key::{AnswerItem, AnswerKey, ConfigChangeItem, Difficulty, KeyMark, MaliciousApp, MarkKind, StepHints, Window};

use records::Evidence;
use rng::Rng;
use serde::Serialize;
use world::World;

/// The seed of the bundled sample incident.
pub const DEFAULT_SEED: u64 = 20_260_224;

pub const FILE_INTERACTIVE: &str = "signins_interactive.csv";
pub const FILE_NON_INTERACTIVE: &str = "signins_noninteractive_graph.json";
pub const FILE_SERVICE_PRINCIPAL: &str = "signins_serviceprincipal_graph.json";
pub const FILE_AUDIT: &str = "audit_graph.json";
pub const FILE_UAL: &str = "ual_search.csv";
pub const FILE_AZURE_ACTIVITY: &str = "azure_activity.json";
pub const FILE_KEY_VAULT: &str = "keyvault_audit.json";
pub const FILE_CLOUDTRAIL: &str = "cloudtrail_records.json";
pub const FILE_GRAPH_ACTIVITY: &str = "graph_activity_PT1H.json";
pub const FILE_MESSAGE_TRACE: &str = "message_trace.csv";
pub const FILE_ANSWER_KEY: &str = "answer_key.json";
pub const FILE_MANIFEST: &str = "manifest.json";

pub const SCENARIO: &str = "Password spray to mailbox takeover with a consented mail app";

/// A training incident the generator can tell. Each has its own attack,
/// decoys and answer key over the same month of ordinary activity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Scenario {
    /// Password spray against finance staff, an attacker-registered
    /// authenticator, a consented mail app, an inbox rule, internal phishing.
    #[default]
    MailboxTakeover,
    /// An IT administrator phished through an adversary-in-the-middle proxy;
    /// the stolen session adds a secret to a trusted app, makes a new Global
    /// Administrator and opens an executive's mailbox.
    CompromisedAdmin,
}

impl Scenario {
    pub const ALL: [Scenario; 2] = [Scenario::MailboxTakeover, Scenario::CompromisedAdmin];

    /// The name the command line and file paths use.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::MailboxTakeover => "mailbox-takeover",
            Scenario::CompromisedAdmin => "compromised-admin",
        }
    }

    /// The one-line title the manifest and answer key carry.
    pub fn title(self) -> &'static str {
        match self {
            Scenario::MailboxTakeover => SCENARIO,
            Scenario::CompromisedAdmin => admin::SCENARIO,
        }
    }

    /// The scenario called `name` (as `name()` spells it; case ignored).
    pub fn from_name(name: &str) -> Option<Scenario> {
        Scenario::ALL.into_iter().find(|s| s.name().eq_ignore_ascii_case(name.trim()))
    }
}

/// One generated evidence file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SampleFile {
    pub name: String,
    pub contents: Vec<u8>,
}

/// The evidence files and what they contain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SampleSet {
    /// Log exports.
    pub files: Vec<SampleFile>,
    /// The tenant configuration snapshots (names include their folder).
    pub snapshots: Snapshots,
    pub answer_key: AnswerKey,
}

impl SampleSet {
    /// The log exports read into one store, as the app reads them (for
    /// tests, benchmarks and the command line).
    pub fn to_store(&self) -> crate::store::EventStore {
        let mut store = crate::store::EventStore::new();
        let mut dedupe = crate::ingest::Deduper::default();
        for file in &self.files {
            let (report, events, text) = crate::ingest::ingest_bytes(&file.name, &file.contents, &mut dedupe);
            store.add_file(report, text, events);
        }
        store
    }
}

/// The tenant's configuration as Microsoft Graph JSON, one file per
/// collection: before the month (`baseline/`) and after it (`current/`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshots {
    pub baseline: Vec<SampleFile>,
    pub current: Vec<SampleFile>,
}

/// Folders the snapshots are written to.
pub const DIR_BASELINE: &str = "baseline";
pub const DIR_CURRENT: &str = "current";

/// `manifest.json`: what the web UI fetches first. `files` lists the logs
/// only; the configuration snapshots are listed apart, by folder.
#[derive(Serialize)]
struct Manifest<'a> {
    name: &'a str,
    description: &'a str,
    difficulty: Difficulty,
    files: Vec<&'a str>,
    snapshots: ManifestSnapshots<'a>,
}

#[derive(Serialize)]
struct ManifestSnapshots<'a> {
    baseline: Vec<&'a str>,
    current: Vec<&'a str>,
}

/// Generate the default scenario (mailbox takeover) for `seed`.
pub fn generate(seed: u64) -> SampleSet {
    generate_scenario(Scenario::MailboxTakeover, seed)
}

/// Generate `scenario` for `seed`: the month every scenario shares, then
/// the scenario's own records.
pub fn generate_scenario(scenario: Scenario, seed: u64) -> SampleSet {
    let mut rng = Rng::new(seed);
    let world = World::new(&mut rng.fork(1));
    let mut evidence = Evidence::default();
    background::generate(&world, &mut rng.fork(2), &mut evidence);
    evidence.retain_window();
    // The configuration draws from streams of its own, so the logs every
    // scenario shares stay as they were before snapshots existed.
    let mut tenant = config::Tenant::baseline(&world, Rng::new(seed).fork(CONFIG_STREAM));
    background::configuration_work(&world, &tenant, &mut Rng::new(seed).fork(CONFIG_STREAM + 1), &mut evidence);
    let mut set = match scenario {
        Scenario::MailboxTakeover => mailbox_takeover(seed, &world, &mut rng, &mut evidence),
        Scenario::CompromisedAdmin => compromised_admin(seed, &world, &mut rng, &mut evidence, &mut tenant),
    };
    let current = tenant.after(&evidence.config);
    set.snapshots = Snapshots { baseline: tenant.files(DIR_BASELINE), current: current.files(DIR_CURRENT) };
    set.answer_key.config_changes = config_changes(&tenant, &current, std::mem::take(&mut evidence.config_notes));
    // The decoy records that made it into the month's export, then the
    // scenario's own (its cloud logs), then the exercise's marks and hints.
    let mut decoys = std::mem::take(&mut evidence.decoys);
    decoys.retain(|d| d.kind != MarkKind::Event || evidence.has_record(&d.value));
    decoys.append(&mut set.answer_key.decoys);
    set.answer_key.decoys = decoys;
    training::complete(scenario, &world, &mut set.answer_key);
    set
}

/// Purpose of the random streams the configuration uses.
const CONFIG_STREAM: u64 = 0xC0F1_6000;
/// Purpose of the random stream the cloud logs use.
const CLOUD_STREAM: u64 = 0xC10D_0000;

/// One answer-key entry per changed object: the attacker's note wins over
/// an ordinary one on the same object, audit records of the same side are
/// pooled, and each says whether the object was added, changed or removed.
fn config_changes(baseline: &config::Tenant, current: &config::Tenant, notes: Vec<ConfigChangeItem>) -> Vec<ConfigChangeItem> {
    let mut out: Vec<ConfigChangeItem> = Vec::new();
    for note in notes {
        match out.iter_mut().find(|o| o.kind == note.kind && o.object_id == note.object_id) {
            // The attacker's note replaces an ordinary one: the object's
            // diff risk is then the attacker's, and only their records count.
            Some(existing) if note.attacker && !existing.attacker => *existing = note,
            Some(existing) if note.attacker == existing.attacker => {
                for id in note.audit_record_ids {
                    if !existing.audit_record_ids.contains(&id) {
                        existing.audit_record_ids.push(id);
                    }
                }
            }
            Some(_) => {}
            None => out.push(note),
        }
    }
    for item in &mut out {
        item.change = match (baseline.contains(&item.kind, &item.object_id), current.contains(&item.kind, &item.object_id)) {
            (false, _) => "added",
            (true, false) => "removed",
            (true, true) => "changed",
        }
        .into();
    }
    out
}

fn mailbox_takeover(seed: u64, world: &World, rng: &mut Rng, evidence: &mut Evidence) -> SampleSet {
    let attack = attack::generate(world, &mut rng.fork(3), evidence);
    let mut names = rng.fork(4);

    let duplicate = evidence.ual.iter().find(|r| r.id == attack.duplicate_id);
    let all_ual: Vec<&records::UalRecord> = evidence.ual.iter().collect();
    let mut searches = vec![(names.guid(), all_ual)];
    if let Some(dup) = duplicate {
        searches.push((names.guid(), vec![dup]));
    }
    let skip_token = names.base64ish(24);
    let app_owner = |app_id: &str| {
        if app_id == attack.app_id {
            // The attacker's app lives in the attacker's own tenant.
            ATTACKER_TENANT.to_string()
        } else {
            formats::MICROSOFT_TENANT.to_string()
        }
    };
    let files = vec![
        SampleFile { name: FILE_INTERACTIVE.into(), contents: formats::signin_csv::write(&evidence.interactive, &world.tenant_id, app_owner) },
        SampleFile { name: FILE_NON_INTERACTIVE.into(), contents: formats::graph_signin::write(&evidence.non_interactive, &world.tenant_id, &skip_token) },
        SampleFile { name: FILE_AUDIT.into(), contents: formats::graph_audit::write(&evidence.audits) },
        SampleFile { name: FILE_UAL.into(), contents: formats::ual::write(&searches) },
    ];
    let mut files = files;
    let background = traffic::background(world, evidence, seed, &attack.items, &attack.ips, &[]);
    let mut traffic = takeover_traffic::generate(world, &attack, &background.mail, &mut traffic::scenario_rng(seed));
    // The rule forwards mail and the app reads until the export ends: the
    // window closes with the attacker's last row in any file.
    let end = traffic.last_time().map_or(attack.end, |t| t.max(attack.end));
    files.extend(traffic::files(world, background, &mut traffic));
    let mut items = attack.items;
    items.append(&mut traffic.items);

    let victim_name = world.users.iter().find(|u| u.upn == attack.victim).map_or(attack.victim.as_str(), |u| u.display_name.as_str());
    let description = format!(
        "{} ({}): {} days of ordinary activity for {} staff, and one compromise. A script on {} sprays passwords at finance staff and gets {}'s; \
         the attacker registers an Authenticator app, consents to '{}' (Mail.ReadWrite, offline_access), adds an inbox rule forwarding to {} \
         and deleting security mail, downloads finance files and sends internal phishing. Decoys: travellers and a VPN user signing in abroad, \
         a new starter registering MFA, an admin-approved app, ordinary inbox rules. The UAL export holds one record twice (a second, \
         overlapping Search-UnifiedAuditLog run appended to the file); its CreationDate column is US Eastern local time, AuditData times are UTC. \
         The tenant's configuration is exported before the month (baseline/) and after it (current/), with a report-only pilot policy and \
         the helpdesk's phone number edits among the ordinary changes. The Microsoft Graph activity log shows the attacker's session listing \
         the directory and the app paging through the mailbox; the message trace shows the rule forwarding mail out, and the phishing \
         reaching every colleague through the all-staff list and the company's vendors.",
        people::TENANT_NAME,
        people::DOMAIN,
        clock::DAYS,
        world.users.len(),
        attack.ips.first().map_or("", String::as_str),
        victim_name,
        attack.app_name,
        attack.forward_to,
    );
    let answer_key = AnswerKey {
        scenario: SCENARIO.into(),
        description,
        seed,
        tenant: people::DOMAIN.into(),
        tenant_name: people::TENANT_NAME.into(),
        tenant_id: world.tenant_id.clone(),
        victims: vec![attack.victim.clone()],
        targeted_accounts: attack.targeted.clone(),
        attacker_ips: attack.ips.clone(),
        attacker_user_agent: attack::SCRIPT_UA.into(),
        attacker_user_agents: vec![attack::SCRIPT_UA.into(), attack::BROWSER_UA.into()],
        malicious_app: MaliciousApp { name: attack.app_name.clone(), app_id: attack.app_id.clone() },
        forwarding_address: attack.forward_to.clone(),
        compromise_window: Window { start: crate::model::format_utc(attack.start), end: crate::model::format_utc(end) },
        duplicate_record_ids: vec![attack.duplicate_id.clone()],
        created_accounts: Vec::new(),
        accessed_mailboxes: Vec::new(),
        items,
        config_changes: Vec::new(),
        difficulty: Difficulty::default(),
        marks: Vec::new(),
        decoys: Vec::new(),
        hints: Vec::new(),
        remediation: vec![
            format!("revoke_sessions:{}", attack.victim),
            format!("reset_password:{}", attack.victim),
            format!("remove_method:{}:authenticator", attack.victim),
            format!("block_legacy_protocols:{}", attack.victim),
            format!("remove_inbox_rule:{}:", attack.victim),
            format!("revoke_app:{}", attack.app_id),
        ],
    };
    SampleSet { files, snapshots: Snapshots::default(), answer_key }
}

fn compromised_admin(seed: u64, world: &World, rng: &mut Rng, evidence: &mut Evidence, tenant: &mut config::Tenant) -> SampleSet {
    let mut attack = admin::generate(world, &mut rng.fork(3), evidence, tenant);
    let mut names = rng.fork(4);
    let all_ual: Vec<&records::UalRecord> = evidence.ual.iter().collect();
    let searches = vec![(names.guid(), all_ual)];
    let skip_token = names.base64ish(24);
    // Every app in this scenario is Microsoft's or the tenant's own.
    let app_owner = |app_id: &str| if attack.tenant_apps.iter().any(|a| a == app_id) { world.tenant_id.clone() } else { formats::MICROSOFT_TENANT.to_string() };
    let mut files = vec![
        SampleFile { name: FILE_INTERACTIVE.into(), contents: formats::signin_csv::write(&evidence.interactive, &world.tenant_id, app_owner) },
        SampleFile { name: FILE_NON_INTERACTIVE.into(), contents: formats::graph_signin::write(&evidence.non_interactive, &world.tenant_id, &skip_token) },
    ];
    if !evidence.service_principal.is_empty() {
        files.push(SampleFile { name: FILE_SERVICE_PRINCIPAL.into(), contents: formats::graph_signin::write_service_principal(&evidence.service_principal, &world.tenant_id, &skip_token) });
    }
    files.push(SampleFile { name: FILE_AUDIT.into(), contents: formats::graph_audit::write(&evidence.audits) });
    files.push(SampleFile { name: FILE_UAL.into(), contents: formats::ual::write(&searches) });
    // The cloud logs draw from a stream of their own: every file above stays as it was.
    let cloud = cloud::generate(world, &attack, &mut Rng::new(seed).fork(CLOUD_STREAM), evidence);
    files.extend(cloud.files);
    let admins = [attack.victim.as_str()];
    let background = traffic::background(world, evidence, seed, &attack.items, &attack.ips, &admins);
    let mut traffic = admin_traffic::generate(world, &attack, &mut traffic::scenario_rng(seed));
    files.extend(traffic::files(world, background, &mut traffic));
    let description = format!("{} {} {}", attack.description(world), cloud.description, admin_traffic::DESCRIPTION);
    let mut items = std::mem::take(&mut attack.items);
    items.extend(cloud.items);
    items.append(&mut traffic.items);
    let cloud_decoys = cloud.decoys;
    let victim = &attack.victim;
    let mut remediation = vec![
        format!("revoke_sessions:{victim}"),
        format!("reset_password:{victim}"),
        format!("remove_app_credential:{}:{}", attack.app_object_id, attack.secret_key_id),
        format!("disable_app:{}", attack.app_id),
        format!("remove_role:{}:global administrator", attack.created_account),
        format!("disable_created_account:{}", attack.created_account),
        format!("remove_mailbox_permission:{}:{victim}", attack.accessed_mailbox),
    ];
    remediation.extend(cloud.remediation);
    let answer_key = AnswerKey {
        scenario: admin::SCENARIO.into(),
        description,
        seed,
        tenant: people::DOMAIN.into(),
        tenant_name: people::TENANT_NAME.into(),
        tenant_id: world.tenant_id.clone(),
        victims: vec![attack.victim.clone()],
        targeted_accounts: Vec::new(),
        attacker_ips: attack.ips.clone(),
        attacker_user_agent: admin::REPLAY_UA.into(),
        attacker_user_agents: vec![admin::REPLAY_UA.into()],
        malicious_app: MaliciousApp { name: attack.app_name.clone(), app_id: attack.app_id.clone() },
        forwarding_address: String::new(),
        compromise_window: Window { start: crate::model::format_utc(attack.start), end: crate::model::format_utc(attack.end) },
        duplicate_record_ids: Vec::new(),
        created_accounts: vec![attack.created_account.clone()],
        accessed_mailboxes: vec![attack.accessed_mailbox.clone()],
        items,
        config_changes: Vec::new(),
        remediation,
        difficulty: Difficulty::default(),
        marks: Vec::new(),
        decoys: cloud_decoys,
        hints: Vec::new(),
    };
    SampleSet { files, snapshots: Snapshots::default(), answer_key }
}

/// The tenant id the attacker's multi-tenant app is registered in.
pub(crate) const ATTACKER_TENANT: &str = "7b3f1c92-5e0a-4d6b-9a41-c2f0e8d3b715";

impl SampleSet {
    /// `manifest.json` as bytes.
    pub fn manifest_json(&self) -> Vec<u8> {
        let manifest = Manifest {
            name: &self.answer_key.scenario,
            description: &self.answer_key.description,
            difficulty: self.answer_key.difficulty,
            files: self.files.iter().map(|f| f.name.as_str()).collect(),
            snapshots: ManifestSnapshots {
                baseline: self.snapshots.baseline.iter().map(|f| f.name.as_str()).collect(),
                current: self.snapshots.current.iter().map(|f| f.name.as_str()).collect(),
            },
        };
        serde_json::to_vec_pretty(&manifest).unwrap_or_default()
    }

    /// `answer_key.json` as bytes.
    pub fn answer_key_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(&self.answer_key).unwrap_or_default()
    }

    pub fn file(&self, name: &str) -> Option<&SampleFile> {
        self.files.iter().find(|f| f.name == name)
    }
}

/// Write every evidence file plus `answer_key.json` and `manifest.json`.
pub fn write_to_dir(set: &SampleSet, dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for file in set.files.iter().chain(&set.snapshots.baseline).chain(&set.snapshots.current) {
        let path = dir.join(&file.name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, &file.contents)?;
    }
    std::fs::write(dir.join(FILE_ANSWER_KEY), set.answer_key_json())?;
    std::fs::write(dir.join(FILE_MANIFEST), set.manifest_json())?;
    Ok(())
}
