//! Mail as the message trace sees it: how a message becomes one row per
//! recipient, and the month's ordinary mail. Every message staff sent is
//! already in the Unified Audit Log as a `Send` record; the trace gives
//! each of them its recipients, with the same message id, size and
//! subject, so the two logs agree. Mail arriving from partners, newsletters
//! and spam (which the audit log does not record) is added around it.
//!
//! Who mails outside follows the job: finance, sales, operations and the
//! executive deal with partners; IT, HR and marketing write to colleagues.

use super::clock::{self, DAY, HOUR, MINUTE};
use super::formats::json::J;
use super::people::{self, User};
use super::records::{Evidence, TracedMessage, UalRecord};
use super::rng::Rng;
use super::world::{self, World};
use std::collections::BTreeSet;

/// A partner's domain, a few of its people, and its mail server's address.
pub struct Partner {
    pub domain: &'static str,
    pub people: &'static [&'static str],
    pub server: &'static str,
    pub subjects: &'static [&'static str],
}

pub const PARTNERS: [Partner; 5] = [
    Partner {
        domain: "northgate-retail.example",
        people: &["buyers", "j.okonkwo", "logistics"],
        server: "198.51.100.61",
        subjects: &["PO 88213 delivery window", "Re: Store 14 pallet returns", "Updated receiving hours"],
    },
    Partner {
        domain: "midwest-carriers.example",
        people: &["dispatch", "rates", "m.kowalski"],
        server: "198.51.100.72",
        subjects: &["Rate confirmation - load 55102", "Re: Detention charges", "Driver availability next week"],
    },
    Partner {
        domain: "tristate-fuel.example",
        people: &["billing", "accounts"],
        server: "198.51.100.83",
        subjects: &["Invoice TSF-20931", "Statement of account", "Fuel card renewals"],
    },
    Partner {
        domain: "harbor-terminals.example",
        people: &["bookings", "a.nguyen"],
        server: "198.51.100.94",
        subjects: &["Vessel schedule update", "Re: Container release 7731", "Gate hours change"],
    },
    Partner {
        domain: "brightpath-insurance.example",
        people: &["claims", "r.castillo"],
        server: "198.51.100.105",
        subjects: &["Policy renewal documents", "Re: Claim 44-1187", "Certificate of insurance request"],
    },
];

const NEWSLETTERS: [(&str, &str, &str); 3] = [
    ("news@freight-weekly.example", "198.51.100.116", "Freight Weekly: rates, capacity and what's next"),
    ("updates@dock-software.example", "198.51.100.117", "Release notes: DockPlanner 6.2"),
    ("events@logistics-council.example", "198.51.100.118", "Regional logistics council: spring meeting"),
];

const SPAM: [(&str, &str, &str); 3] = [
    ("promo@cheap-pallets.example", "203.0.113.241", "LIMITED OFFER pallets 70% off"),
    ("support@parcel-track-notice.example", "203.0.113.242", "Your parcel could not be delivered"),
    ("hr@salary-review.example", "203.0.113.243", "Salary adjustment document shared with you"),
];

/// Departments that write to partners.
const OUTWARD: [&str; 8] = ["Finance", "Accounts Payable", "Operations", "Sales", "Customer Service", "Logistics", "Executive", "Legal"];

/// The company's distribution list every member is on.
pub fn all_staff() -> String {
    format!("all-staff@{}", people::DOMAIN)
}

/// Shared mailboxes of the tenant (no one signs in to them).
pub fn shared_mailboxes() -> Vec<String> {
    ["accounts.payable", "billing", "dispatch", "customer.service", "careers", "info", "safety"].iter().map(|m| format!("{m}@{}", people::DOMAIN)).collect()
}

pub fn is_outward(user: &User) -> bool {
    OUTWARD.contains(&user.department)
}

/// A message being traced: one `trace_id` for all its recipient rows.
pub struct Message {
    pub time: i64,
    pub sender: String,
    pub subject: String,
    pub from_ip: String,
    pub size: i64,
    pub message_id: String,
    pub trace_id: String,
}

impl Message {
    pub fn new(rng: &mut Rng, time: i64, sender: &str, subject: &str, from_ip: &str, size: i64, message_id: &str) -> Message {
        Message { time, sender: sender.into(), subject: subject.into(), from_ip: from_ip.into(), size, message_id: message_id.into(), trace_id: rng.guid() }
    }

    /// The row for one recipient, `to_ip` set for outside ones.
    pub fn to(&self, recipient: &str, status: &'static str, to_ip: &str, delay_ms: i64) -> TracedMessage {
        TracedMessage {
            time: self.time + delay_ms,
            sender: self.sender.clone(),
            recipient: recipient.into(),
            subject: self.subject.clone(),
            status,
            from_ip: self.from_ip.clone(),
            to_ip: to_ip.into(),
            size: self.size,
            message_id: self.message_id.clone(),
            trace_id: self.trace_id.clone(),
        }
    }
}

/// An outside message id, as the partner's server makes them.
pub fn outside_message_id(rng: &mut Rng, domain: &str) -> String {
    format!("<{}.{}@{}>", rng.hex_upper(16), rng.below(100_000), domain)
}

fn text(record: &UalRecord, key: &str) -> String {
    match record.audit_data.get(key) {
        Some(J::Str(s)) => s.clone(),
        _ => String::new(),
    }
}

fn item_field(record: &UalRecord, key: &str) -> Option<J> {
    match record.audit_data.get("Item") {
        Some(J::Obj(item)) => item.get(key).cloned(),
        _ => None,
    }
}

/// Colleagues who had a mailbox on `day`, the sender left out.
fn colleagues<'a>(world: &'a World, sender: &str, day: i64) -> Vec<&'a User> {
    world.users.iter().filter(|u| u.upn != sender && u.starts_on_day <= day).collect()
}

/// The month's ordinary mail: each `Send` in the audit log not listed in
/// `not_background` with its recipients, then mail from outside.
pub fn background(world: &World, ev: &Evidence, rng: &mut Rng, not_background: &BTreeSet<&str>) -> Vec<TracedMessage> {
    let mut rows = Vec::new();
    let mut sends: Vec<&UalRecord> = ev.ual.iter().filter(|r| r.operation == "Send" && !not_background.contains(r.id.as_str())).collect();
    sends.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.id.cmp(&b.id)));
    for send in sends {
        let Some(user) = world.users.iter().find(|u| u.upn == send.user_id) else { continue };
        let day = (send.time - clock::WINDOW_START) / DAY;
        let subject = match item_field(send, "Subject") {
            Some(J::Str(s)) => s,
            _ => continue,
        };
        let Some(J::Str(message_id)) = item_field(send, "InternetMessageId") else { continue };
        let size = match item_field(send, "SizeInBytes") {
            Some(J::Int(n)) => n,
            _ => 20_000,
        };
        let message = Message::new(rng, send.time, &user.upn, &subject, &text(send, "ClientIP"), size, &message_id);
        let delay = |rng: &mut Rng| 2_000 + rng.below(9_000) as i64;
        if subject == "Holiday calendar" && user.department == "HR" {
            // To everyone through the list: the list's row, then each member's.
            rows.push(message.to(&all_staff(), "Expanded", "", delay(rng)));
            for member in colleagues(world, &user.upn, day) {
                let d = delay(rng);
                rows.push(message.to(&member.upn, "Delivered", "", d));
            }
            continue;
        }
        let mut to: Vec<String> = Vec::new();
        if is_outward(user) && rng.chance(0.35) {
            let partner = rng.pick(&PARTNERS);
            to.push(format!("{}@{}", rng.pick(partner.people), partner.domain));
        }
        let others = colleagues(world, &user.upn, day);
        for _ in 0..rng.range(if to.is_empty() { 1 } else { 0 }, 2) {
            let colleague = rng.pick(&others);
            if !to.contains(&colleague.upn) {
                to.push(colleague.upn.clone());
            }
        }
        for recipient in to {
            let outside = PARTNERS.iter().find(|p| recipient.ends_with(&format!("@{}", p.domain)));
            let d = delay(rng);
            rows.push(match outside {
                // Now and then an old contact bounces.
                Some(_) if rng.chance(0.04) => message.to(&recipient, "Failed", "", d),
                Some(p) => message.to(&recipient, "Delivered", p.server, d),
                None => message.to(&recipient, "Delivered", "", d),
            });
        }
    }
    rows.extend(from_outside(world, rng));
    rows
}

/// Partners writing to the staff who deal with them, newsletters on
/// Tuesdays, and spam the filter caught.
fn from_outside(world: &World, rng: &mut Rng) -> Vec<TracedMessage> {
    let mut rows = Vec::new();
    for day in 0..clock::DAYS {
        for user in world.users.iter().filter(|u| u.starts_on_day <= day) {
            let weekday = clock::local_weekday(clock::local_midnight(day, user.utc_offset) + 12 * HOUR, user.utc_offset);
            if weekday >= 5 {
                continue;
            }
            if is_outward(user) && rng.chance(0.45) {
                let partner = rng.pick(&PARTNERS);
                let sender = format!("{}@{}", rng.pick(partner.people), partner.domain);
                let subject = *rng.pick(partner.subjects);
                let at = world::local_time(day, user.utc_offset, 7 + rng.range(0, 9), rng.range(0, 59));
                let id = outside_message_id(rng, partner.domain);
                let size = 8_000 + rng.below(400_000) as i64;
                let message = Message::new(rng, at, &sender, subject, partner.server, size, &id);
                rows.push(message.to(&user.upn, "Delivered", "", 0));
            }
            if weekday == 1 && rng.chance(0.6) {
                let (sender, server, subject) = *rng.pick(&NEWSLETTERS);
                let at = world::local_time(day, user.utc_offset, 6, rng.range(0, 59));
                let id = outside_message_id(rng, sender.rsplit_once('@').map_or("", |(_, d)| d));
                let size = 60_000 + rng.below(90_000) as i64;
                let message = Message::new(rng, at, sender, subject, server, size, &id);
                rows.push(message.to(&user.upn, "Delivered", "", 0));
            }
            if rng.chance(0.08) {
                let (sender, server, subject) = *rng.pick(&SPAM);
                let at = clock::local_midnight(day, 0) + rng.range(0, 23) * HOUR + rng.range(0, 59) * MINUTE;
                let id = outside_message_id(rng, sender.rsplit_once('@').map_or("", |(_, d)| d));
                let size = 15_000 + rng.below(60_000) as i64;
                let message = Message::new(rng, at, sender, subject, server, size, &id);
                rows.push(message.to(&user.upn, "FilteredAsSpam", "", 0));
            }
        }
    }
    rows.retain(|r| (clock::WINDOW_START..clock::WINDOW_END).contains(&r.time));
    rows
}
