//! The trainee's answers against the answer key: per category what they
//! found, what they missed (with why it mattered), what they marked that is
//! not the attacker's (with why it is benign when it is a planted decoy),
//! and one score out of 100.
//!
//! Scoring: each category has a weight (accounts 20, addresses 15, apps 10,
//! other indicators 5, events and rules 30, remediation 20); a category
//! earns its weight times the share of its items found, and categories the
//! scenario has nothing in are left out (the rest scaled to 100). Then each
//! false positive costs `FALSE_POSITIVE_PENALTY` points, each attack item
//! called benign `WRONG_CALL_PENALTY`, and each hint `HINT_PENALTY`.
//! Attack events count by group: records showing the same thing at the same
//! step (nine spray attempts, fifty mail reads) are found by marking any one.

use super::answers::Answers;
use super::key::{event_groups, expected_marks, matches, neutral_account, remediation_explained, AnswerKey, Difficulty};
use crate::detect::IndicatorKind;
use crate::sample::{KeyMark, MarkKind};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub const FALSE_POSITIVE_PENALTY: f64 = 5.0;
pub const WRONG_CALL_PENALTY: f64 = 5.0;
pub const HINT_PENALTY: f64 = 1.0;

/// What the scorecard groups items by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Accounts,
    Ips,
    Apps,
    Indicators,
    Events,
    Remediation,
}

impl Category {
    pub const ALL: [Category; 6] = [Category::Accounts, Category::Ips, Category::Apps, Category::Indicators, Category::Events, Category::Remediation];

    pub fn label(self) -> &'static str {
        match self {
            Category::Accounts => "Accounts",
            Category::Ips => "IP addresses",
            Category::Apps => "Applications",
            Category::Indicators => "Other indicators",
            Category::Events => "Events and rules",
            Category::Remediation => "Remediation",
        }
    }

    /// Points out of 100 when every category has items.
    pub fn weight(self) -> f64 {
        match self {
            Category::Accounts => 20.0,
            Category::Ips => 15.0,
            Category::Apps => 10.0,
            Category::Indicators => 5.0,
            Category::Events => 30.0,
            Category::Remediation => 20.0,
        }
    }

    fn of_mark(kind: MarkKind) -> Category {
        match kind {
            MarkKind::Account => Category::Accounts,
            MarkKind::Ip => Category::Ips,
            MarkKind::App => Category::Apps,
            MarkKind::UserAgent | MarkKind::EmailAddress | MarkKind::Domain => Category::Indicators,
            MarkKind::Event => Category::Events,
        }
    }

    fn of_indicator(kind: IndicatorKind) -> Category {
        match kind {
            IndicatorKind::Account => Category::Accounts,
            IndicatorKind::Ip => Category::Ips,
            IndicatorKind::AppId => Category::Apps,
            IndicatorKind::UserAgent | IndicatorKind::Domain | IndicatorKind::EmailAddress | IndicatorKind::Other => Category::Indicators,
        }
    }

    /// Why a marked value that is not the attacker's (and no planted decoy) is wrong.
    fn not_the_attackers(self) -> &'static str {
        match self {
            Category::Accounts => "Nothing in the evidence ties this account to the attacker: containing it would lock someone out for nothing.",
            Category::Ips => "No attacker activity comes from this address.",
            Category::Apps => "This application is not part of the attack.",
            Category::Indicators => "The attacker did not use this value.",
            Category::Events => "This record is not part of the attack.",
            Category::Remediation => "This action is not needed to undo the attack.",
        }
    }
}

/// One line of the scorecard.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ScoredItem {
    /// The value, or for events where the records are.
    pub value: String,
    pub what: String,
    /// Found or missed: why it matters. False positive or cleared: why it is benign.
    pub why: String,
    /// Playbook step where it shows (0: none in particular).
    pub step: u8,
    /// How the trainee marked it (found, false positive, cleared), or
    /// what happened to it (missed).
    pub how: String,
    /// A false positive on a decoy the scenario planted on purpose.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub decoy: bool,
    /// Missed and called benign (tagged benign, or its finding dismissed).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub called_benign: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CategoryScore {
    pub category: Category,
    pub label: &'static str,
    pub weight: f64,
    pub found: Vec<ScoredItem>,
    pub missed: Vec<ScoredItem>,
    pub false_positives: Vec<ScoredItem>,
    /// Decoys the trainee called benign: right, and said so.
    pub cleared: Vec<ScoredItem>,
    /// Marked, and neither right nor wrong (a sprayed account, an extra action).
    pub not_scored: Vec<ScoredItem>,
}

impl CategoryScore {
    fn new(category: Category) -> CategoryScore {
        CategoryScore {
            category,
            label: category.label(),
            weight: category.weight(),
            found: Vec::new(),
            missed: Vec::new(),
            false_positives: Vec::new(),
            cleared: Vec::new(),
            not_scored: Vec::new(),
        }
    }

    pub fn expected(&self) -> usize {
        self.found.len() + self.missed.len()
    }

    /// Share found, 0 to 1.
    pub fn share(&self) -> f64 {
        if self.expected() == 0 {
            0.0
        } else {
            self.found.len() as f64 / self.expected() as f64
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scorecard {
    pub scenario: String,
    pub difficulty: Difficulty,
    /// Out of 100, after penalties.
    pub score: u32,
    /// What was found, in points out of 100, before penalties.
    pub found_points: f64,
    pub penalty_points: f64,
    pub found: usize,
    pub expected: usize,
    pub false_positives: usize,
    /// Attack items the trainee called benign.
    pub called_benign: usize,
    pub hints_used: u32,
    pub hints_by_step: BTreeMap<u8, u8>,
    pub categories: Vec<CategoryScore>,
    /// What could not be scored, and why.
    pub notes: Vec<String>,
}

impl Scorecard {
    pub fn category(&self, category: Category) -> Option<&CategoryScore> {
        self.categories.iter().find(|c| c.category == category)
    }
}

/// Score `answers` against `key`.
pub fn score(key: &AnswerKey, answers: &Answers) -> Scorecard {
    let mut categories: Vec<CategoryScore> = Category::ALL.into_iter().map(CategoryScore::new).collect();
    let at = |category: Category| Category::ALL.iter().position(|c| *c == category).unwrap_or(0);
    score_values(key, answers, &mut categories, &at);
    score_events(key, answers, &mut categories[at(Category::Events)]);
    score_remediation(key, answers, &mut categories[at(Category::Remediation)]);
    for category in &mut categories {
        for list in [&mut category.found, &mut category.missed, &mut category.false_positives, &mut category.cleared, &mut category.not_scored] {
            list.sort_by_key(|item| item.step);
        }
    }

    let scored: Vec<&CategoryScore> = categories.iter().filter(|c| c.expected() > 0).collect();
    let total_weight: f64 = scored.iter().map(|c| c.weight).sum();
    let found_points = if total_weight > 0.0 { scored.iter().map(|c| c.weight * c.share()).sum::<f64>() / total_weight * 100.0 } else { 0.0 };
    let false_positives: usize = categories.iter().map(|c| c.false_positives.len()).sum();
    let called_benign: usize = categories.iter().flat_map(|c| &c.missed).filter(|i| i.called_benign).count();
    let hints_used: u32 = answers.hints.values().map(|&n| u32::from(n)).sum();
    let penalty_points = false_positives as f64 * FALSE_POSITIVE_PENALTY + called_benign as f64 * WRONG_CALL_PENALTY + f64::from(hints_used) * HINT_PENALTY;
    let score = (found_points - penalty_points).round().clamp(0.0, 100.0) as u32;

    let mut notes = Vec::new();
    if !answers.context_confirmed {
        notes.push("No investigation context was confirmed: Loupe's suggestion is not your answer, so no account or indicator counted.".to_string());
    }
    if answers.unresolved_events > 0 {
        notes.push(format!("{} tagged event(s) are in files that are not loaded and could not be scored.", answers.unresolved_events));
    }
    if answers.unmatched_findings > 0 {
        notes.push(format!("{} finding verdict(s) are on findings the loaded evidence and context no longer produce; not scored.", answers.unmatched_findings));
    }
    Scorecard {
        scenario: key.scenario.clone(),
        difficulty: key.difficulty,
        score,
        found_points: (found_points * 10.0).round() / 10.0,
        penalty_points,
        found: categories.iter().map(|c| c.found.len()).sum(),
        expected: categories.iter().map(CategoryScore::expected).sum(),
        false_positives,
        called_benign,
        hints_used,
        hints_by_step: answers.hints.iter().filter(|(_, &n)| n > 0).map(|(&s, &n)| (s, n)).collect(),
        categories,
        notes,
    }
}

fn item(mark: &KeyMark, how: String) -> ScoredItem {
    ScoredItem { value: mark.value.clone(), what: mark.what.clone(), why: mark.why.clone(), step: mark.step, how, ..ScoredItem::default() }
}

/// Accounts, addresses, apps and other indicators: each marked value is
/// one of the attacker's (found), a sprayed or read account (not scored), a
/// decoy or anything else (false positive).
fn score_values(key: &AnswerKey, answers: &Answers, categories: &mut [CategoryScore], at: &dyn Fn(Category) -> usize) {
    let marks: Vec<KeyMark> = expected_marks(key).into_iter().filter(|m| m.kind != MarkKind::Event).collect();
    let mut how_found: Vec<Option<String>> = vec![None; marks.len()];
    let marked = answers
        .accounts
        .iter()
        .map(|a| (Category::Accounts, a.as_str(), "marked as a suspect account".to_string()))
        .chain(answers.indicators.iter().map(|i| (Category::of_indicator(i.kind), i.value.as_str(), format!("marked as an indicator ({})", indicator_label(i.kind)))));
    for (category, value, how) in marked {
        let hits: Vec<usize> = marks.iter().enumerate().filter(|(_, m)| matches(m, value)).map(|(i, _)| i).collect();
        if !hits.is_empty() {
            for i in hits {
                how_found[i].get_or_insert_with(|| how.clone());
            }
            continue;
        }
        if let Some(why) = neutral_account(key, value) {
            let what = "an account the attack touched".to_string();
            categories[at(Category::Accounts)].not_scored.push(ScoredItem { value: value.to_string(), what, why: why.to_string(), how, ..ScoredItem::default() });
            continue;
        }
        match key.decoys.iter().find(|d| d.kind != MarkKind::Event && matches(d, value)) {
            Some(decoy) => categories[at(Category::of_mark(decoy.kind))].false_positives.push(ScoredItem { value: value.to_string(), decoy: true, ..item(decoy, how) }),
            None => categories[at(category)].false_positives.push(ScoredItem {
                value: value.to_string(),
                what: value.to_string(),
                why: category.not_the_attackers().to_string(),
                how,
                ..ScoredItem::default()
            }),
        }
    }
    for (mark, how) in marks.iter().zip(how_found) {
        let category = &mut categories[at(Category::of_mark(mark.kind))];
        match how {
            Some(how) => category.found.push(item(mark, how)),
            None => category.missed.push(item(mark, "not marked".into())),
        }
    }
}

fn indicator_label(kind: IndicatorKind) -> &'static str {
    match kind {
        IndicatorKind::Ip => "IP",
        IndicatorKind::UserAgent => "user agent",
        IndicatorKind::AppId => "app",
        IndicatorKind::Domain => "domain",
        IndicatorKind::EmailAddress => "address",
        IndicatorKind::Account => "account",
        IndicatorKind::Other => "other",
    }
}

/// Events: tagged records and judged findings against the key's groups of
/// attack records and its decoy records.
fn score_events(key: &AnswerKey, answers: &Answers, category: &mut CategoryScore) {
    let groups = event_groups(key);
    let mut group_of: HashMap<&str, Vec<usize>> = HashMap::new();
    for (g, group) in groups.iter().enumerate() {
        for item in &group.items {
            group_of.entry(item.record_id.as_str()).or_default().push(g);
        }
    }
    let decoy_of: HashMap<&str, &KeyMark> = key.decoys.iter().filter(|d| d.kind == MarkKind::Event).map(|d| (d.value.as_str(), d)).collect();
    let mut found: Vec<Option<String>> = vec![None; groups.len()];
    let mut benign: Vec<Option<String>> = vec![None; groups.len()];
    let mut wrong = BTreeSet::new();
    let mut cleared = BTreeSet::new();

    for event in &answers.events {
        if let Some(hit) = group_of.get(event.record_id.as_str()) {
            for &g in hit {
                let slot = if event.malicious { &mut found[g] } else { &mut benign[g] };
                slot.get_or_insert_with(|| format!("{} {}", if event.malicious { "tagged malicious:" } else { "you tagged it benign:" }, event.label));
            }
            continue;
        }
        let decoy = decoy_of.get(event.record_id.as_str()).copied();
        if event.malicious && wrong.insert(event.record_id.clone()) {
            let how = format!("tagged malicious: {}", event.label);
            category.false_positives.push(match decoy {
                Some(d) => ScoredItem { value: format!("{} in {}", event.record_id, event.file), decoy: true, ..item(d, how) },
                None => ScoredItem {
                    value: format!("{} in {}", event.record_id, event.file),
                    what: event.label.clone(),
                    why: Category::Events.not_the_attackers().into(),
                    how,
                    ..ScoredItem::default()
                },
            });
        } else if let (false, Some(d)) = (event.malicious, decoy) {
            if cleared.insert(event.record_id.clone()) {
                category.cleared.push(ScoredItem { value: format!("{} in {}", event.record_id, event.file), ..item(d, format!("tagged benign: {}", event.label)) });
            }
        }
    }

    for finding in &answers.findings {
        let hits: BTreeSet<usize> = finding.record_ids.iter().filter_map(|r| group_of.get(r.as_str())).flatten().copied().collect();
        let decoy = finding.record_ids.iter().find_map(|r| decoy_of.get(r.as_str()).copied());
        let what = format!("finding '{}'", finding.title);
        if finding.confirmed {
            if hits.is_empty() {
                let (how, what) = (format!("confirmed the {what}"), what.clone());
                category.false_positives.push(match decoy {
                    Some(d) => ScoredItem { value: finding.id.clone(), what, step: finding.step, decoy: true, how, ..item(d, String::new()) },
                    None => ScoredItem { value: finding.id.clone(), what, why: "None of its evidence is the attacker's.".into(), step: finding.step, how, ..ScoredItem::default() },
                });
            }
            for g in hits {
                found[g].get_or_insert_with(|| format!("confirmed the {what}"));
            }
        } else if hits.is_empty() {
            if let Some(d) = decoy {
                category.cleared.push(ScoredItem { value: finding.id.clone(), what, step: finding.step, how: "dismissed it".into(), ..item(d, String::new()) });
            }
        } else {
            for g in hits {
                benign[g].get_or_insert_with(|| format!("you dismissed the {what}"));
            }
        }
    }

    for ((group, found), benign) in groups.iter().zip(found).zip(benign) {
        let files: BTreeSet<&str> = group.items.iter().map(|i| i.file.as_str()).collect();
        let records = group.items.len();
        let value = format!("{records} record{} in {}", if records == 1 { "" } else { "s" }, files.into_iter().collect::<Vec<_>>().join(", "));
        let base = ScoredItem { value, what: group.what.to_string(), why: group.why.to_string(), step: group.step, ..ScoredItem::default() };
        match (found, benign) {
            (Some(how), _) => category.found.push(ScoredItem { how, ..base }),
            (None, Some(how)) => category.missed.push(ScoredItem { how, called_benign: true, ..base }),
            (None, None) => category.missed.push(ScoredItem { how: "not marked".into(), ..base }),
        }
    }
}

/// Remediation: every action of the key done; a done action that names a
/// decoy account or app is a false positive, any other extra is not scored.
fn score_remediation(key: &AnswerKey, answers: &Answers, category: &mut CategoryScore) {
    let is_match = |wanted: &str, done: &str| AnswerKey::remediation_matches(&wanted.to_lowercase(), &done.to_lowercase());
    for wanted in &key.remediation {
        let (step, what, why) = remediation_explained(wanted);
        let base = ScoredItem { value: wanted.trim_end_matches(':').to_string(), what: what.into(), why: why.into(), step, ..ScoredItem::default() };
        match answers.remediation_done.iter().find(|d| is_match(wanted, d)) {
            Some(done) => category.found.push(ScoredItem { how: format!("marked done: {done}"), ..base }),
            None => category.missed.push(ScoredItem { how: "not marked done".into(), ..base }),
        }
    }
    for done in &answers.remediation_done {
        if key.remediation.iter().any(|w| is_match(w, done)) {
            continue;
        }
        let (step, what, _) = remediation_explained(done);
        let lower = done.to_lowercase();
        let decoy = key.decoys.iter().find(|d| matches!(d.kind, MarkKind::Account | MarkKind::App) && lower.contains(&d.value.to_lowercase()));
        let base = ScoredItem { value: done.clone(), what: what.into(), step, how: "marked done".into(), ..ScoredItem::default() };
        match decoy {
            Some(d) => category.false_positives.push(ScoredItem { what: format!("{what}: {}", d.what), why: d.why.clone(), decoy: true, ..base }),
            None => category.not_scored.push(ScoredItem { why: "Not among the actions the answer key requires; not scored.".into(), ..base }),
        }
    }
}
