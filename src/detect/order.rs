//! How the findings list is ordered and thinned for reading: by severity
//! (triage), by time (the story as it happened) or by playbook step (the
//! checklist's order), with a severity floor to hide the background noise.

use super::{Finding, Severity};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// What the findings list is sorted by. Each key has the direction an
/// analyst reads it in; `reversed` flips it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingSortKey {
    /// Most severe first, then earliest first.
    #[default]
    Severity,
    /// Earliest first, then most severe first.
    Time,
    /// Playbook step, then most severe, then earliest.
    Step,
}

impl FindingSortKey {
    pub const ALL: [FindingSortKey; 3] = [FindingSortKey::Severity, FindingSortKey::Time, FindingSortKey::Step];

    pub fn label(self) -> &'static str {
        match self {
            FindingSortKey::Severity => "severity",
            FindingSortKey::Time => "time",
            FindingSortKey::Step => "step",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FindingOrder {
    pub key: FindingSortKey,
    pub reversed: bool,
    /// Findings below this severity are left out.
    pub at_least: Option<Severity>,
}

impl FindingOrder {
    /// Clicking a sort key: a new key starts in its reading direction, the
    /// current key flips.
    pub fn toggled(self, key: FindingSortKey) -> FindingOrder {
        if key == self.key {
            FindingOrder { reversed: !self.reversed, ..self }
        } else {
            FindingOrder { key, reversed: false, ..self }
        }
    }

    pub(crate) fn compare(self, a: &Finding, b: &Finding) -> Ordering {
        let by_severity = b.severity.cmp(&a.severity);
        let by_time = a.first.cmp(&b.first);
        let primary = match self.key {
            FindingSortKey::Severity => by_severity.then(by_time),
            FindingSortKey::Time => by_time.then(by_severity),
            FindingSortKey::Step => a.step.cmp(&b.step).then(by_severity).then(by_time),
        };
        let primary = if self.reversed { primary.reverse() } else { primary };
        // The id keeps equal findings in one stable order.
        primary.then_with(|| a.id.cmp(&b.id))
    }

    /// The findings to show, in this order.
    pub fn apply<'a>(self, findings: &'a [Finding]) -> Vec<&'a Finding> {
        let mut shown: Vec<&Finding> = findings.iter().filter(|f| self.at_least.is_none_or(|floor| f.severity >= floor)).collect();
        shown.sort_by(|a, b| self.compare(a, b));
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(id: &str, step: u8, severity: Severity, first: i64) -> Finding {
        Finding {
            id: id.into(),
            detector: "test",
            step,
            severity,
            title: id.into(),
            why: String::new(),
            entities: Vec::new(),
            rows: vec![0],
            query: String::new(),
            first,
            benign_signals: Vec::new(),
            details: Vec::new(),
        }
    }

    fn ids(list: Vec<&Finding>) -> Vec<&str> {
        list.into_iter().map(|f| f.id.as_str()).collect()
    }

    fn sample() -> Vec<Finding> {
        vec![
            finding("rule", 9, Severity::Critical, 300),
            finding("spray", 3, Severity::Critical, 100),
            finding("traveller", 1, Severity::Low, 50),
            finding("novelty", 1, Severity::Info, 10),
            finding("consent", 8, Severity::High, 200),
        ]
    }

    #[test]
    fn severity_first_then_time() {
        let findings = sample();
        assert_eq!(ids(FindingOrder::default().apply(&findings)), ["spray", "rule", "consent", "traveller", "novelty"]);
    }

    #[test]
    fn time_tells_the_story_and_reverses() {
        let findings = sample();
        let order = FindingOrder::default().toggled(FindingSortKey::Time);
        assert_eq!(ids(order.apply(&findings)), ["novelty", "traveller", "spray", "consent", "rule"]);
        assert_eq!(ids(order.toggled(FindingSortKey::Time).apply(&findings)), ["rule", "consent", "spray", "traveller", "novelty"]);
    }

    #[test]
    fn step_order_and_severity_floor() {
        let findings = sample();
        let order = FindingOrder { key: FindingSortKey::Step, reversed: false, at_least: Some(Severity::Low) };
        assert_eq!(ids(order.apply(&findings)), ["traveller", "spray", "consent", "rule"]);
        let order = FindingOrder { at_least: Some(Severity::Critical), ..order };
        assert_eq!(ids(order.apply(&findings)), ["spray", "rule"]);
    }

    #[test]
    fn a_new_key_starts_unreversed() {
        let order = FindingOrder::default().toggled(FindingSortKey::Severity);
        assert!(order.reversed);
        assert!(!order.toggled(FindingSortKey::Step).reversed);
    }
}
