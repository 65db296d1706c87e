//! Named locations: marking one trusted, or widening its IP ranges or
//! countries, quietly changes every policy that includes or excludes it.

use super::{Risk, RuleCtx};
use crate::detect::Severity;
use crate::tenant::diff::ChangeKind;
use crate::tenant::kind::ObjectKind;
use crate::tenant::object::TenantObject;
use serde_json::Value;

/// The CIDR ranges of an IP named location.
fn ranges(object: Option<&TenantObject>) -> Vec<String> {
    object
        .and_then(|o| o.raw.get("ipRanges"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|r| r.get("cidrAddress").and_then(Value::as_str)).map(str::to_string).collect())
        .unwrap_or_default()
}

/// Names of enabled or report-only CA policies in the current snapshot
/// that exclude the location `id` (or all trusted locations, when trusted).
fn excluded_by(ctx: &RuleCtx, id: &str, trusted: bool) -> Vec<String> {
    ctx.current
        .of_kind(&ObjectKind::ConditionalAccessPolicy)
        .filter(|p| p.str_at("state") != Some("disabled"))
        .filter(|p| {
            p.strings_at("conditions.locations.excludeLocations")
                .iter()
                .any(|l| l.eq_ignore_ascii_case(id) || (trusted && l.eq_ignore_ascii_case("AllTrusted")))
        })
        .map(|p| format!("'{}'", p.name))
        .collect()
}

pub fn assess(ctx: &RuleCtx) -> Vec<Risk> {
    let Some(object) = ctx.object() else { return Vec::new() };
    let name = ctx.quoted();
    let trusted_now = ctx.new.and_then(|o| o.bool_at("isTrusted")).unwrap_or(false);
    let trusted_before = ctx.old.and_then(|o| o.bool_at("isTrusted")).unwrap_or(false);
    let exempt = excluded_by(ctx, &object.id, trusted_now);
    let exempt_note = if exempt.is_empty() { String::new() } else { format!("; excluded from CA policy {}", exempt.join(", ")) };
    let old_ranges = ranges(ctx.old);
    let new_ranges: Vec<String> = ranges(ctx.new).into_iter().filter(|r| !old_ranges.iter().any(|o| o.eq_ignore_ascii_case(r))).collect();
    let countries = ctx.added_strings("countriesAndRegions");
    let mut risks = Vec::new();
    match ctx.change {
        ChangeKind::Removed => return vec![Risk::new(Severity::Low, format!("named location {name} deleted: policies that used it changed meaning"))],
        ChangeKind::Added => {
            let what = if !new_ranges.is_empty() {
                format!(" with ranges {}", new_ranges.join(", "))
            } else if !countries.is_empty() {
                format!(" with countries {}", countries.join(", "))
            } else {
                String::new()
            };
            let (level, trust) = if trusted_now { (Severity::High, "trusted ") } else if !exempt.is_empty() { (Severity::High, "") } else { (Severity::Low, "") };
            risks.push(Risk::new(level, format!("new {trust}named location {name}{what}{exempt_note}")));
            return risks;
        }
        ChangeKind::Changed => {}
    }
    if trusted_now && !trusted_before {
        risks.push(Risk::new(Severity::High, format!("named location {name} now trusted: sign-ins from it count as from a known place{exempt_note}")));
    }
    let widened_level = if trusted_now || !exempt.is_empty() { Severity::High } else { Severity::Medium };
    if !new_ranges.is_empty() {
        risks.push(Risk::new(widened_level, format!("named location {name} gained IP ranges {}{exempt_note}", new_ranges.join(", "))));
    }
    if !countries.is_empty() {
        risks.push(Risk::new(widened_level, format!("named location {name} gained countries {}{exempt_note}", countries.join(", "))));
    }
    if ctx.new.and_then(|o| o.bool_at("includeUnknownCountriesAndRegions")) == Some(true) && ctx.old.and_then(|o| o.bool_at("includeUnknownCountriesAndRegions")) != Some(true) {
        risks.push(Risk::new(widened_level, format!("named location {name} now also matches addresses of unknown country")));
    }
    risks
}

#[cfg(test)]
mod tests {
    use super::super::testkit::only;
    use crate::detect::Severity;

    fn location(trusted: bool, ranges: &str) -> String {
        format!(
            r##"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/namedLocations","value":[
            {{"@odata.type":"#microsoft.graph.ipNamedLocation","id":"3f9d2a1e-7b1c-4c55-9a8e-1d2c3b4a5f60","displayName":"HQ egress","isTrusted":{trusted},
              "ipRanges":[{ranges}]}}]}}"##
        )
    }
    const HQ: &str = r##"{"@odata.type":"#microsoft.graph.iPv4CidrRange","cidrAddress":"198.51.100.0/24"}"##;
    const VPS: &str = r##"{"@odata.type":"#microsoft.graph.iPv4CidrRange","cidrAddress":"203.0.113.77/32"}"##;

    #[test]
    fn trusted_and_widened() {
        let c = only(&location(false, HQ), &location(true, HQ));
        assert_eq!(c.risk, Severity::High);
        assert!(c.reason().contains("now trusted"));
        let c = only(&location(true, HQ), &location(true, &format!("{HQ},{VPS}")));
        assert_eq!(c.risk, Severity::High);
        assert!(c.reason().contains("203.0.113.77/32"), "{}", c.reason());
        let c = only(&location(false, HQ), &location(false, &format!("{HQ},{VPS}")));
        assert_eq!(c.risk, Severity::Medium);
    }

    #[test]
    fn new_trusted_location() {
        let empty = r##"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/namedLocations","value":[]}"##;
        let c = only(empty, &location(true, VPS));
        assert_eq!(c.risk, Severity::High);
        assert!(c.reason().contains("new trusted named location"));
    }
}
