//! What a query is narrowed to: the case's suspects, its window (or the
//! last 30 days when none is set) and its marked indicators, in the forms
//! the engines want.

use crate::detect::{Context, IndicatorKind};
use crate::model::{format_utc, TimeMs};

/// How far back a query looks when the case has no window yet.
pub const DEFAULT_LOOKBACK_DAYS: i64 = 30;
/// Slack around the window: sign-ins before it show how the intruder got
/// in, activity after it whether containment held.
const MARGIN_MS: TimeMs = 24 * 60 * 60 * 1000;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    pub suspects: Vec<String>,
    /// Start and end, UTC ms; `None`: the last `DEFAULT_LOOKBACK_DAYS`.
    pub window: Option<(TimeMs, TimeMs)>,
    pub ips: Vec<String>,
    pub user_agents: Vec<String>,
    pub app_ids: Vec<String>,
    pub domains: Vec<String>,
    pub addresses: Vec<String>,
}

impl Scope {
    pub fn of(ctx: &Context) -> Scope {
        let of_kind = |kind: IndicatorKind| -> Vec<String> {
            let mut values: Vec<String> = ctx.indicators.iter().filter(|i| i.kind == kind).map(|i| i.value.trim().to_string()).filter(|v| !v.is_empty()).collect();
            values.sort();
            values.dedup();
            values
        };
        let mut suspects: Vec<String> = ctx.suspect_accounts.iter().map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty()).collect();
        suspects.extend(of_kind(IndicatorKind::Account).into_iter().map(|a| a.to_lowercase()));
        suspects.sort();
        suspects.dedup();
        Scope {
            suspects,
            window: ctx.window.map(|(start, end)| (start.saturating_sub(MARGIN_MS), end.saturating_add(MARGIN_MS))),
            ips: of_kind(IndicatorKind::Ip),
            user_agents: of_kind(IndicatorKind::UserAgent),
            app_ids: of_kind(IndicatorKind::AppId),
            domains: of_kind(IndicatorKind::Domain).into_iter().map(|d| d.to_lowercase()).collect(),
            addresses: of_kind(IndicatorKind::EmailAddress).into_iter().map(|a| a.to_lowercase()).collect(),
        }
    }

    /// ISO 8601 UTC start and end, or `None` without a window.
    pub fn iso_window(&self) -> Option<(String, String)> {
        self.window.map(|(s, e)| (iso_seconds(s), iso_seconds(e)))
    }

    /// Unix seconds, for Splunk's `earliest=` / `latest=`.
    pub fn epoch_window(&self) -> Option<(i64, i64)> {
        self.window.map(|(s, e)| (s.div_euclid(1000), e.div_euclid(1000) + 1))
    }

    /// A sentence naming the scope, for purposes.
    pub fn describe_window(&self) -> String {
        match self.iso_window() {
            Some((s, e)) => format!("from {s} to {e} (the case's window with a day either side)"),
            None => format!("over the last {DEFAULT_LOOKBACK_DAYS} days (the case has no window yet)"),
        }
    }
}

/// `2026-03-01T16:05:06Z`: every engine here reads it.
fn iso_seconds(ms: TimeMs) -> String {
    let text = format_utc(ms);
    match text.find('.') {
        Some(dot) => format!("{}Z", &text[..dot]),
        None => text,
    }
}
