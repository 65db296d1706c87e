//! The two logs that follow the rest: Microsoft Graph activity and the
//! Exchange message trace. Each scenario adds what its attacker did there
//! (`takeover_traffic`, `admin_traffic`) to the month's ordinary calls and
//! mail (`graph_calls`, `mail_flow`), and notes every attacker row in the
//! answer key like the other files' records.
//!
//! Both are made after the other logs, from copies of their records, and
//! draw from random streams of their own: every other file stays byte for
//! byte what it was.

use super::answer_key::AnswerItem;
use super::formats;
use super::records::{Evidence, GraphCall, TracedMessage};
use super::rng::Rng;
use super::world::World;
use super::{graph_calls, mail_flow, SampleFile, FILE_GRAPH_ACTIVITY, FILE_MESSAGE_TRACE};
use std::collections::BTreeSet;

/// What a scenario's attacker did through Graph and by mail.
#[derive(Default)]
pub struct Traffic {
    pub graph: Vec<GraphCall>,
    pub mail: Vec<TracedMessage>,
    pub items: Vec<AnswerItem>,
}

impl Traffic {
    pub fn graph_call(&mut self, call: GraphCall, step: u8, what: &str, why: &str) {
        self.items.push(AnswerItem { file: FILE_GRAPH_ACTIVITY.into(), record_id: call.request_id.clone(), step, what: what.into(), why: why.into() });
        self.graph.push(call);
    }

    /// When the attacker's last row here was, if any.
    pub fn last_time(&self) -> Option<i64> {
        self.graph.iter().map(|c| c.time).chain(self.mail.iter().map(|m| m.time)).max()
    }

    pub fn mail(&mut self, row: TracedMessage, step: u8, what: &str, why: &str) {
        self.items.push(AnswerItem { file: FILE_MESSAGE_TRACE.into(), record_id: row.record_id(), step, what: what.into(), why: why.into() });
        self.mail.push(row);
    }
}

/// The month's ordinary Graph calls and mail. `attack_records` are the
/// other logs' attacker records (their sign-ins and sends are not the staff's).
pub struct Background {
    pub graph: Vec<GraphCall>,
    pub mail: Vec<TracedMessage>,
}

pub fn background(world: &World, ev: &Evidence, seed: u64, attack_records: &[AnswerItem], attacker_ips: &[String], admins: &[&str]) -> Background {
    let not_background: BTreeSet<&str> = attack_records.iter().map(|i| i.record_id.as_str()).collect();
    Background {
        graph: graph_calls::background(ev, &mut Rng::new(seed).fork(GRAPH_STREAM), &not_background, attacker_ips, admins),
        mail: mail_flow::background(world, ev, &mut Rng::new(seed).fork(MAIL_STREAM), &not_background),
    }
}

/// The two files, the attacker's rows among the background's.
pub fn files(world: &World, background: Background, traffic: &mut Traffic) -> Vec<SampleFile> {
    let Background { mut graph, mut mail } = background;
    graph.append(&mut traffic.graph);
    mail.append(&mut traffic.mail);
    vec![
        SampleFile { name: FILE_GRAPH_ACTIVITY.into(), contents: formats::graph_activity::write(&graph, &world.tenant_id) },
        SampleFile { name: FILE_MESSAGE_TRACE.into(), contents: formats::message_trace::write(&mail) },
    ]
}

/// A scenario's own stream for these logs.
pub fn scenario_rng(seed: u64) -> Rng {
    Rng::new(seed).fork(SCENARIO_STREAM)
}

/// Purposes of the random streams: the background of each log, and the
/// scenario's own additions.
const GRAPH_STREAM: u64 = 0x6A4F_0000;
const MAIL_STREAM: u64 = 0x3A11_0000;
const SCENARIO_STREAM: u64 = 0x7AFF_0000;
