//! The mailbox takeover in Microsoft Graph and the message trace.
//!
//! Graph: the attacker's browser session on the spray address looks at the
//! victim's profile and sign-in methods, then pages through the directory
//! (every colleague, their manager and groups) to pick whom to phish; the
//! consented app, from the second address, pages through the mailbox on its
//! first sync, reads new mail on every later token refresh, and sends the
//! phishing.
//!
//! Mail: the inbox rule forwards mail mentioning invoices or security to
//! the attacker's address; the phishing goes to every colleague through the
//! all-staff list and the shared mailboxes, and to the company's vendors.

use super::attack::{Attack, PHISH_SUBJECT, RULE_WORDS, SCRIPT_UA};
use super::clock::{DAY, MINUTE, SECOND};
use super::graph_calls::{Token, WID_MEMBER};
use super::mail_flow::{self, Message, PARTNERS};
use super::records::{GraphCaller, SignIn, TracedMessage};
use super::rng::Rng;
use super::traffic::Traffic;
use super::world::{self, World};

const STEP5_BROWSER: (&str, &str) = (
    "the victim's token used from the spray address",
    "Graph requests with the session the attacker opened from the spray address: what they looked at beyond signing in.",
);
const STEP10_DIRECTORY: (&str, &str) = (
    "the directory paged through from the attacker's session",
    "Every colleague's profile, manager and groups read within minutes by the attacker's session: choosing whom the phishing should reach and whom it should impersonate.",
);
const STEP6_APP_READ: (&str, &str) = (
    "mail read in bulk by the consented app",
    "The malicious app's delegated token paging through the victim's mailbox from the attacker's second address: every message listed or fetched left the tenant.",
);
const STEP5_APP: (&str, &str) = (
    "the consented app's token used from the attacker's second address",
    "The app acting as the victim through Graph from an address she never used, with no password or MFA involved.",
);

/// A Graph message id (`AAMkAD…`), as paths and `$skip` pages carry them.
fn graph_message_id(rng: &mut Rng) -> String {
    format!("AAMkAD{}AAA=", rng.base64ish(60))
}

pub fn generate(world: &World, attack: &Attack, background_mail: &[TracedMessage], rng: &mut Rng) -> Traffic {
    let mut traffic = Traffic::default();
    let victim = &world.users[attack.trail.victim_index];
    browser_session(world, attack, rng, &mut traffic);
    app_reads(attack, &victim.id, rng, &mut traffic);
    forwarded_mail(world, attack, background_mail, rng, &mut traffic);
    phishing(world, attack, rng, &mut traffic);
    traffic
}

fn browser_session(world: &World, attack: &Attack, rng: &mut Rng, traffic: &mut Traffic) {
    let victim = &world.users[attack.trail.victim_index];
    let [my_signins, office] = [0, 1].map(|i| attack.trail.browser.get(i).cloned());
    let (Some(my_signins), Some(office)) = (my_signins, office) else { return };
    let token = Token::of_sign_in(&my_signins, "UserAuthenticationMethod.ReadWrite User.Read", WID_MEMBER);
    let mut at = my_signins.time + 6 * SECOND;
    for (path, bytes) in [("/me", 1_150), ("/me/authentication/methods", 640), ("/me/authentication/phoneMethods", 210)] {
        traffic.graph_call(token.call(rng, at, "GET", path, 200, bytes), 5, STEP5_BROWSER.0, STEP5_BROWSER.1);
        at += rng.range(2, 9) * SECOND;
    }
    let token = Token::of_sign_in(&office, "Files.ReadWrite.All People.Read Sites.Read.All User.Read User.ReadBasic.All", WID_MEMBER);
    let mut at = office.time + 10 * SECOND;
    for (path, bytes) in [("/me", 1_150), ("/me/drive/recent", 14_200), ("/me/people?$top=50", 21_000)] {
        traffic.graph_call(token.call(rng, at, "GET", path, 200, bytes), 5, STEP5_BROWSER.0, STEP5_BROWSER.1);
        at += rng.range(3, 20) * SECOND;
    }
    // The directory, a request every few seconds.
    at += 2 * MINUTE;
    let day = (office.time - super::clock::WINDOW_START) / DAY;
    let colleagues: Vec<_> = world.users.iter().filter(|u| u.upn != victim.upn && u.starts_on_day <= day).collect();
    let mut paths = vec![("/users?$select=displayName,mail,jobTitle,department&$top=999".to_string(), 9_800u64), ("/groups?$select=displayName,mail&$top=999".to_string(), 4_100)];
    for _ in 0..6 {
        paths.push((format!("/groups/{}/members?$select=displayName,mail", rng.guid()), 2_300));
    }
    for user in &colleagues {
        for (suffix, bytes) in [("", 1_300u64), ("/manager", 1_100), ("/memberOf", 1_900), ("/directReports", 400), ("/photo/$value", 8_900), ("/licenseDetails", 700)] {
            paths.push((format!("/users/{}{suffix}", user.id), bytes));
        }
    }
    for (path, bytes) in paths {
        let bytes = bytes / 2 + rng.below(bytes);
        traffic.graph_call(token.call(rng, at, "GET", &path, 200, bytes), 10, STEP10_DIRECTORY.0, STEP10_DIRECTORY.1);
        at += rng.range(4, 11) * SECOND;
    }
}

/// The app's delegated token from each refresh: the first sync pages
/// through the inbox and sent items and opens most messages; later ones
/// ask for what is new and open it.
fn app_reads(attack: &Attack, victim_id: &str, rng: &mut Rng, traffic: &mut Traffic) {
    let token_of = |s: &SignIn| Token {
        caller: GraphCaller::User { id: victim_id.to_string() },
        app_id: attack.app_id.clone(),
        ip: s.ip.clone(),
        user_agent: SCRIPT_UA.into(),
        scopes: "Mail.ReadWrite User.Read".into(),
        sign_in_id: s.unique_token.clone(),
        issued: s.time,
        session: String::new(),
        wids: WID_MEMBER.into(),
    };
    for (k, (refresh, new_messages)) in attack.trail.app_refreshes.iter().enumerate() {
        let token = token_of(refresh);
        let mut at = refresh.time + rng.range(3, 12) * SECOND;
        if k == 0 {
            let me = token.call(rng, at, "GET", "/me", 200, 1_150);
            traffic.graph_call(me, 5, STEP5_APP.0, STEP5_APP.1);
            at += 4 * SECOND;
        }
        let mut read = |rng: &mut Rng, at: &mut i64, path: String, bytes: u64| {
            let bytes = bytes / 2 + rng.below(bytes);
            let call = token.call(rng, *at, "GET", &path, 200, bytes);
            traffic.graph_call(call, 6, STEP6_APP_READ.0, STEP6_APP_READ.1);
            *at += rng.range(3, 14) * SECOND;
        };
        if k == 0 {
            read(rng, &mut at, "/me/mailFolders?$top=100".into(), 3_800);
            for (folder, pages) in [("inbox", 12), ("sentitems", 5)] {
                for page in 0..pages {
                    read(rng, &mut at, format!("/me/mailFolders/{folder}/messages?$top=50&$skip={}&$select=subject,from,toRecipients,receivedDateTime", page * 50), 96_000);
                }
            }
            for n in 0..95 {
                let id = graph_message_id(rng);
                read(rng, &mut at, format!("/users/{victim_id}/messages/{id}"), 38_000);
                if n % 6 == 0 {
                    read(rng, &mut at, format!("/users/{victim_id}/messages/{id}/attachments"), 420_000);
                }
            }
        } else {
            let delta = rng.base64ish(40);
            read(rng, &mut at, format!("/me/mailFolders/inbox/messages/delta?$deltatoken={delta}"), 7_500);
            for _ in 0..*new_messages {
                let id = graph_message_id(rng);
                read(rng, &mut at, format!("/users/{victim_id}/messages/{id}"), 38_000);
            }
        }
    }
    // The phishing goes out through the same token.
    for (time, _) in &attack.trail.phish {
        let Some((refresh, _)) = attack.trail.app_refreshes.iter().rev().find(|(s, _)| s.time <= *time) else { continue };
        let at = *time - rng.range(1, 3) * SECOND;
        let send = token_of(refresh).call(rng, at, "POST", "/me/sendMail", 202, 0);
        traffic.graph_call(send, 5, STEP5_APP.0, "The phishing was sent as the victim by the app's token through Graph, from the attacker's second address.");
    }
}

/// Whether the attacker's rule catches a subject.
fn rule_catches(subject: &str) -> bool {
    let subject = subject.to_ascii_lowercase();
    RULE_WORDS.split(';').any(|w| subject.contains(&w.to_ascii_lowercase()))
}

/// Mail arriving after the rule was made that mentions its words leaves
/// again for the attacker's address; the mailbox is the sender, Exchange
/// the client. Vendors' invoices and a sign-in alert arrive in those days.
fn forwarded_mail(world: &World, attack: &Attack, background: &[TracedMessage], rng: &mut Rng, traffic: &mut Traffic) {
    let victim = &world.users[attack.trail.victim_index];
    let rule_day = (attack.trail.rule_at - super::clock::WINDOW_START) / DAY;
    let mut arriving: Vec<TracedMessage> = Vec::new();
    for (k, (partner, subject)) in [(2usize, "Invoice TSF-21377"), (1, "Invoice MWC-55190 - February loads"), (2, "Invoice TSF-21402")].into_iter().enumerate() {
        let partner = &PARTNERS[partner];
        let day = rule_day + 1 + k as i64 * 2;
        let at = world::local_time(day, victim.utc_offset, 9 + rng.range(0, 6), rng.range(0, 59));
        let id = mail_flow::outside_message_id(rng, partner.domain);
        let size = 60_000 + rng.below(200_000) as i64;
        let message = Message::new(rng, at, &format!("billing@{}", partner.domain), subject, partner.server, size, &id);
        arriving.push(message.to(&victim.upn, "Delivered", "", 0));
    }
    let alert_at = world::local_time(rule_day + 1, victim.utc_offset, 7, rng.range(0, 30));
    let id = mail_flow::outside_message_id(rng, "accountprotection.microsoft.example");
    let alert = Message::new(rng, alert_at, "account-security-noreply@accountprotection.microsoft.example", "Microsoft account security alert: unusual sign-in activity", "198.51.100.130", 24_000, &id);
    arriving.push(alert.to(&victim.upn, "Delivered", "", 0));
    let mut caught: Vec<TracedMessage> = background.iter().filter(|m| m.recipient == victim.upn && m.time > attack.trail.rule_at && m.status == "Delivered" && rule_catches(&m.subject)).cloned().collect();
    caught.extend(arriving.iter().filter(|m| m.time < super::clock::WINDOW_END).cloned());
    caught.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.trace_id.cmp(&b.trace_id)));
    let drop_server = format!("203.0.113.{}", 240 + rng.below(10));
    for m in caught {
        let id = super::background::message_id(rng);
        let at = m.time + rng.range(1, 4) * SECOND;
        let forward = Message::new(rng, at, &victim.upn, &format!("FW: {}", m.subject), "", m.size + 2_000, &id);
        traffic.mail(
            forward.to(&attack.forward_to, "Delivered", &drop_server, 0),
            6,
            "mail forwarded outside by the attacker's inbox rule",
            "The rule sent a copy of every message mentioning invoices or security to the attacker's address: the company's mail leaving the tenant.",
        );
    }
    traffic.mail.extend(arriving.into_iter().filter(|m| m.time < super::clock::WINDOW_END));
}

/// The two phishing messages: the first to every colleague through the
/// all-staff list and to the shared mailboxes, the second to the vendors
/// the company pays.
fn phishing(world: &World, attack: &Attack, rng: &mut Rng, traffic: &mut Traffic) {
    let victim = &world.users[attack.trail.victim_index];
    let ip = attack.ips.get(1).cloned().unwrap_or_default();
    let Some(((first_at, first), (second_at, second))) = attack.trail.phish.first().zip(attack.trail.phish.get(1)) else { return };
    let day = (first_at - super::clock::WINDOW_START) / DAY;
    let inside = Message::new(rng, *first_at, &victim.upn, PHISH_SUBJECT, &ip, first.size, &first.internet_message_id);
    let why = "One message from the victim's mailbox to every colleague and shared mailbox within minutes, asking for payment details to be changed: internal phishing sent by the attacker.";
    let what = "internal phishing from the victim's mailbox";
    traffic.mail(inside.to(&mail_flow::all_staff(), "Expanded", "", 1_500), 10, what, why);
    for member in world.users.iter().filter(|u| u.upn != victim.upn && u.starts_on_day <= day) {
        let delay = 2_000 + rng.below(6_000) as i64;
        traffic.mail(inside.to(&member.upn, "Delivered", "", delay), 10, what, why);
    }
    for shared in mail_flow::shared_mailboxes() {
        let delay = 2_000 + rng.below(6_000) as i64;
        traffic.mail(inside.to(&shared, "Delivered", "", delay), 10, what, why);
    }
    let outside = Message::new(rng, *second_at, &victim.upn, PHISH_SUBJECT, &ip, second.size, &second.internet_message_id);
    for partner in &PARTNERS {
        let contact = format!("{}@{}", partner.people[0], partner.domain);
        let delay = 3_000 + rng.below(8_000) as i64;
        traffic.mail(
            outside.to(&contact, "Delivered", partner.server, delay),
            6,
            "payment-change request sent to a vendor",
            "The same phishing sent outside to the company's partners in the victim's name, asking them to use new bank details: business email compromise.",
        );
    }
}
