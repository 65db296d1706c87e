//! Writers for each export layout. Each turns the generator's records into
//! the bytes the real tool produces; none of them decides what happened.

pub mod graph_activity;
pub mod graph_audit;
pub mod graph_signin;
pub mod json;
pub mod message_trace;
pub mod signin_csv;
pub mod ual;

/// The tenant Microsoft's own applications and resources belong to.
pub const MICROSOFT_TENANT: &str = "f8cdef31-a31e-4b4a-93e4-5f571e91255a";
