//! (stub)
use super::Context;
use crate::store::EventStore;

pub fn suggest_context(_store: &EventStore) -> Context {
    Context::default()
}
