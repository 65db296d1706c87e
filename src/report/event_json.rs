//! One event as a flat JSON object: the line format of `loupe timeline`, and
//! the evidence rows of findings.

use crate::model::{format_utc, Event};
use serde_json::{json, Map, Value};

/// The event's normalised fields (empty ones left out, except the core five),
/// with the file and line it came from.
pub fn event_json(event: &Event, file: &str) -> Value {
    let mut obj = Map::new();
    obj.insert("time".into(), json!(format_utc(event.time)));
    obj.insert("source".into(), json!(event.source.key()));
    obj.insert("operation".into(), json!(event.operation));
    obj.insert("actor".into(), json!(event.actor));
    obj.insert("ip".into(), json!(event.ip));
    obj.insert("outcome".into(), json!(event.outcome.key()));
    for (key, value) in [
        ("target", &event.target),
        ("country", &event.country),
        ("city", &event.city),
        ("user_agent", &event.user_agent),
        ("app", &event.app),
    ] {
        if !value.is_empty() {
            obj.insert(key.into(), json!(value));
        }
    }
    if !event.attrs.is_empty() {
        let attrs: Map<String, Value> = event.attrs.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        obj.insert("attrs".into(), Value::Object(attrs));
    }
    obj.insert("file".into(), json!(file));
    obj.insert("line".into(), json!(event.line));
    Value::Object(obj)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Outcome, Source};

    #[test]
    fn keeps_core_fields_and_drops_empty_extras() {
        let event = Event {
            time: 0,
            source: Source::SignIn,
            operation: "Sign-in".into(),
            actor: "a@example.com".into(),
            outcome: Outcome::Failure,
            attrs: vec![("ErrorCode".into(), "50126".into())],
            line: 7,
            ..Event::default()
        };
        let v = event_json(&event, "s.csv");
        assert_eq!(v["time"], "1970-01-01T00:00:00.000Z");
        assert_eq!(v["source"], "signin");
        assert_eq!(v["outcome"], "failure");
        assert_eq!(v["ip"], "");
        assert_eq!(v["attrs"]["ErrorCode"], "50126");
        assert_eq!(v["line"], 7);
        assert!(v.get("city").is_none());
    }
}
