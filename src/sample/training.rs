//! What the answer key adds for exercise mode: how hard each scenario is,
//! the values a trainee should mark (with why each matters), the decoys
//! that must not be marked (with why each is benign), and hints per
//! playbook step from a gentle nudge to the answer. Everything here is
//! read from the world and the key already built, so no random draw is
//! made and the evidence files stay byte for byte what they were.

use super::answer_key::{AnswerKey, Difficulty, KeyMark, MarkKind, StepHints};
use super::people;
use super::world::World;
use super::Scenario;

pub fn difficulty(scenario: Scenario) -> Difficulty {
    match scenario {
        Scenario::MailboxTakeover => Difficulty::Beginner,
        Scenario::CompromisedAdmin => Difficulty::Advanced,
    }
}

/// Fill in `marks`, the account and address decoys, and `hints`. Event
/// decoys come from the generators (`Evidence::decoys`) and are kept.
pub fn complete(scenario: Scenario, world: &World, key: &mut AnswerKey) {
    key.difficulty = difficulty(scenario);
    key.marks = match scenario {
        Scenario::MailboxTakeover => mailbox_marks(world, key),
        Scenario::CompromisedAdmin => admin_marks(world, key),
    };
    let mut decoys = world_decoys(world, key);
    decoys.append(&mut key.decoys);
    key.decoys = decoys;
    key.hints = match scenario {
        Scenario::MailboxTakeover => mailbox_hints(world, key),
        Scenario::CompromisedAdmin => admin_hints(world, key),
    };
}

fn name_of<'a>(world: &'a World, upn: &'a str) -> &'a str {
    world.users.iter().find(|u| u.upn.eq_ignore_ascii_case(upn)).map_or(upn, |u| u.display_name.as_str())
}

fn first(list: &[String]) -> &str {
    list.first().map_or("", String::as_str)
}

fn nth(list: &[String], i: usize) -> &str {
    list.get(i).map_or("", String::as_str)
}

fn mailbox_marks(world: &World, key: &AnswerKey) -> Vec<KeyMark> {
    let victim = first(&key.victims);
    let (spray, api) = (nth(&key.attacker_ips, 0), nth(&key.attacker_ips, 1));
    let mut marks = vec![
        KeyMark::new(
            MarkKind::Account,
            victim,
            1,
            format!("{}, the account taken over", name_of(world, victim)),
            "The password fell to the spray and the attacker signed in with it: this is the account whose sessions must be revoked and whose activity the rest of the investigation follows.",
        ),
        KeyMark::new(
            MarkKind::Ip,
            spray,
            1,
            "the spray and break-in address",
            "A scripted client on this hosting address sprayed passwords, broke in, registered MFA, set the inbox rule and downloaded files: marking it finds every account and action it touched.",
        ),
        KeyMark::new(
            MarkKind::Ip,
            api,
            8,
            "the malicious app's address",
            "The consented app read mail from this address with its refresh token: this access survives a password reset until the grant is revoked.",
        ),
        KeyMark::new(
            MarkKind::App,
            &key.malicious_app.app_id,
            8,
            format!("the app '{}'", key.malicious_app.name),
            "An unverified app the victim consented to with Mail.ReadWrite and offline_access: it reads the mailbox without the password or MFA until its grant is revoked and the app disabled.",
        )
        .also(&key.malicious_app.name),
        KeyMark::new(
            MarkKind::UserAgent,
            super::attack::SCRIPT_UA,
            3,
            "the spray script's user agent",
            "Nobody in the company uses python-requests: every record with it is the attacker's tooling (the spray, the downloads).",
        ),
        KeyMark::new(
            MarkKind::UserAgent,
            super::attack::BROWSER_UA,
            5,
            "the attacker's browser",
            "A Chrome release two years older than the staff's, seen only from the attacker's address: it tells the intruder's sessions from the victim's own.",
        ),
    ];
    if !key.forwarding_address.is_empty() {
        let domain = key.forwarding_address.rsplit_once('@').map_or("", |(_, d)| d);
        let mut mark = KeyMark::new(
            MarkKind::EmailAddress,
            &key.forwarding_address,
            9,
            "where the inbox rule forwards mail",
            "The attacker's rule sends mail mentioning security, passwords, MFA or invoices here: the company's mail leaks to this address until the rule is removed, and a block on it (or its domain) stops the leak.",
        );
        if !domain.is_empty() {
            mark = mark.also(domain);
        }
        marks.push(mark);
    }
    marks
}

fn admin_marks(world: &World, key: &AnswerKey) -> Vec<KeyMark> {
    let victim = first(&key.victims);
    let created = first(&key.created_accounts);
    let (proxy, replay, server) = (nth(&key.attacker_ips, 0), nth(&key.attacker_ips, 1), nth(&key.attacker_ips, 2));
    vec![
        KeyMark::new(
            MarkKind::Account,
            victim,
            1,
            format!("{}, the phished administrator", name_of(world, victim)),
            "Her session was stolen through an adversary-in-the-middle proxy after she approved MFA herself: every attacker action ran as her, so her sessions must be revoked first.",
        ),
        KeyMark::new(
            MarkKind::Account,
            created,
            10,
            "the attacker's new Global Administrator",
            "Created and made Global Administrator in the stolen session, then signed in from the attacker's address: a way back in that survives the admin's password reset.",
        ),
        KeyMark::new(
            MarkKind::Ip,
            proxy,
            1,
            "the phishing proxy in Amsterdam",
            "The proxy relayed her sign-in and MFA approval: the same city as the company VPN, but a hosting network that is not the VPN. The session was stolen here.",
        ),
        KeyMark::new(
            MarkKind::Ip,
            replay,
            5,
            "the address the stolen session was replayed from",
            "From here the attacker added the app secret, made the new Global Administrator, weakened the MFA policy, opened the executive's mailbox and worked in Azure and AWS.",
        ),
        KeyMark::new(
            MarkKind::Ip,
            server,
            8,
            "the attacker's server using the app secret",
            "The trusted app signed in with the added secret from this address for days, and the new AWS key was tried from it: the backdoors in use.",
        ),
        KeyMark::new(
            MarkKind::App,
            &key.malicious_app.app_id,
            8,
            format!("the app '{}'", key.malicious_app.name),
            "A trusted app allowed to read mail, given a new client secret in the stolen session: it is the attacker's until that secret is removed.",
        )
        .also(&key.malicious_app.name),
        KeyMark::new(
            MarkKind::UserAgent,
            super::admin::REPLAY_UA,
            5,
            "the replaying browser",
            "Chrome on Linux, a platform nobody in the tenant uses: it tells the replayed session from the admin's own.",
        ),
        KeyMark::new(
            MarkKind::Domain,
            super::admin_traffic::LURE_DOMAIN,
            10,
            "the phishing lure's look-alike domain",
            "The lure that led to the proxy came from this look-alike of the company's SharePoint: the message trace shows who else received it, and blocking the domain stops the next one.",
        )
        .also(super::admin_traffic::LURE_SENDER),
    ]
}

/// Accounts and addresses that look suspicious and are not: the VPN user
/// (unless she is the victim), travellers and their hotels, the new
/// starter, the VPN exit. Anyone the attack touched is left out.
fn world_decoys(world: &World, key: &AnswerKey) -> Vec<KeyMark> {
    let involved = |upn: &str| {
        key.victims.iter().chain(&key.created_accounts).chain(&key.accessed_mailboxes).chain(&key.targeted_accounts).any(|a| a.eq_ignore_ascii_case(upn))
    };
    let mut decoys = Vec::new();
    let vpn = &world.users[people::VPN_USER];
    if !involved(&vpn.upn) {
        decoys.push(KeyMark::new(
            MarkKind::Account,
            &vpn.upn,
            1,
            format!("{}, signing in from Amsterdam", vpn.display_name),
            format!(
                "An IT administrator who works through the company VPN, whose exit is in Amsterdam ({}, the 'Company VPN' named location): those sign-ins are hers, on her managed laptop with MFA, at her working hours.",
                people::VPN_EGRESS
            ),
        ));
    }
    decoys.push(KeyMark::new(
        MarkKind::Ip,
        people::VPN_EGRESS,
        1,
        "the company VPN exit in Amsterdam",
        "The company's own VPN concentrator (the 'Company VPN' named location): IT staff sign in through it from abroad. Foreign is not the same as hostile; the attacker's addresses are on other networks, even one in the same city.",
    ));
    for index in [people::TRAVELLER_SALES, people::TRAVELLER_EXEC] {
        let user = &world.users[index];
        let places: Vec<&str> = user.trips.iter().map(|t| t.place.city).collect();
        if !involved(&user.upn) {
            decoys.push(KeyMark::new(
                MarkKind::Account,
                &user.upn,
                1,
                format!("{}, signing in from {}", user.display_name, places.join(" and ")),
                "Business travel: the sign-ins abroad come from hotel networks on the same managed laptop, with MFA, at local working hours, and the sign-ins from home stop meanwhile.",
            ));
        }
        for trip in &user.trips {
            decoys.push(KeyMark::new(
                MarkKind::Ip,
                &trip.ip,
                1,
                format!("a hotel network in {}", trip.place.city),
                format!("{} used this hotel's network on a business trip, with the managed laptop and MFA: a traveller, not an intruder.", user.display_name),
            ));
        }
    }
    let hire = &world.users[people::NEW_HIRE];
    if !involved(&hire.upn) {
        decoys.push(KeyMark::new(
            MarkKind::Account,
            &hire.upn,
            3,
            format!("{}, the new starter", hire.display_name),
            "Her account was created by the helpdesk and she registered the Authenticator app on her first morning, from the office: new, but not the attacker's.",
        ));
    }
    decoys
}

fn hints(list: Vec<(u8, Vec<String>)>) -> Vec<StepHints> {
    list.into_iter().map(|(step, hints)| StepHints { step, hints }).collect()
}

fn mailbox_hints(world: &World, key: &AnswerKey) -> Vec<StepHints> {
    let victim = first(&key.victims);
    let name = name_of(world, victim);
    let (spray, api) = (nth(&key.attacker_ips, 0), nth(&key.attacker_ips, 1));
    let app = &key.malicious_app.name;
    let sprayed = key.targeted_accounts.len();
    hints(vec![
        (1, vec![
            "The alert is a successful sign-in that does not fit its account. Start from the sign-ins that succeeded, and from the countries the company does not work in.".into(),
            "Filter `source:signin outcome:success` and look at the country and IP facets. Travellers and the VPN user sign in from abroad too: compare the network, the user agent and the device.".into(),
            format!("{name} ({victim}) signed in from {spray} with a python-requests user agent and no device: mark the account as a suspect and the address as an indicator (open the event, then Mark account as suspect, Mark IP)."),
        ]),
        (2, vec![
            "Containment comes before the rest of the investigation: what stops a stolen session from working?".into(),
            "Once the suspect is marked, the remediation plan (under steps 2 and 11) lists the containment actions: mark done what you would do.".into(),
            format!("Mark 'revoke sessions' for {victim} done, and reset the password."),
        ]),
        (3, vec![
            "How did the intruder get the password, and did they leave a way back in?".into(),
            format!("Look at the failed sign-ins from the same address before the alert (`ip:{spray} outcome:failure`), then at security info registrations in the audit log after it."),
            format!("{spray} sprayed passwords at {sprayed} finance accounts and then registered an Authenticator app on {victim}: tag those events malicious, mark the script's user agent, and remove the method."),
        ]),
        (4, vec!["This incident has no Azure, AWS or Google Cloud logs: nothing is expected here. Mark the step not applicable.".into()]),
        (5, vec![
            "Where else does the intruder's session show up after the break-in?".into(),
            format!("Look at the suspect's sign-ins after the alert (`user:{victim} source:signin`), interactive and not: which user agents and addresses are not hers?"),
            "An old Chrome (96) from the attacker's address signed in with the new MFA method and kept refreshing tokens: mark that user agent and tag the events malicious.".into(),
        ]),
        (6, vec![
            "What did the intruder do with the mailbox and the files?".into(),
            format!("In the Unified Audit Log, filter on the attacker's addresses (`ip:{spray}`, and the `ioc` term once they are marked): mail read, files downloaded."),
            format!("Mail was read in Outlook on the web from {spray}, finance files were downloaded by the script, and the app '{app}' read mail from {api} (hundreds of Graph requests in its first hour): tag these malicious. The message trace shows the rule's forwards and the phishing to vendors leaving the tenant."),
        ]),
        (7, vec![
            "Two configuration snapshots are loaded: what changed in the tenant during the month?".into(),
            "Open the configuration view and compare the baseline with the current snapshot; most changes are the IT team's own.".into(),
            format!("The only change that belongs to the incident is the consent to '{app}'; the pilot policy, the phone numbers, the new starter and ShiftBoard Scheduler are ordinary."),
        ]),
        (8, vec![
            "Did the intruder give something else access to the mailbox, something a password reset does not stop?".into(),
            "Look for consent to applications in the audit log (`op:consent`): who consented, for whom, with which permissions, from where?".into(),
            format!("{victim} consented to '{app}' (Mail.ReadWrite, offline_access) from {spray}, and the app kept reading mail from {api}: mark the app and that address. ShiftBoard Scheduler was approved by the IT admin: leave it."),
        ]),
        (9, vec![
            "Attackers often hide their tracks and keep a copy of the mail: look at the mailbox's rules.".into(),
            "Filter `op:New-InboxRule` (and Set-InboxRule): which rule forwards outside the company or deletes mail?".into(),
            format!("The rule on {victim}'s mailbox forwards to {} and deletes security mail: tag it malicious, mark the address, and remove the rule. The newsletter and carrier rules are the owners' own.", key.forwarding_address),
        ]),
        (10, vec![
            "Did the intruder use the mailbox to reach other people?".into(),
            format!("Look at mail sent from {victim}'s mailbox (`user:{victim} op:Send`): which messages went out from the attacker's address?"),
            "Internal phishing was sent from the victim's mailbox to every colleague through the all-staff list (the message trace lists each recipient), after the attacker's session paged through the directory in Graph: tag it malicious and check the recipients' sign-ins.".into(),
        ]),
        (11, vec![
            "What must be changed so the intruder's access is gone for good?".into(),
            "Work through the remediation plan: password, sign-in methods, legacy protocols, the inbox rule, the app's grants.".into(),
            format!("Reset {victim}'s password, remove the attacker's Authenticator app, block legacy protocols, remove the inbox rule and revoke '{app}': mark each done."),
        ]),
        (12, vec![
            "What would have stopped the spray or the consent?".into(),
            "Check the Conditional Access posture in the configuration view: legacy authentication, user consent settings, MFA for everyone.".into(),
            "Block legacy authentication and restrict user consent to verified publishers: the spray used a legacy-style scripted sign-in, and the consent needed no admin.".into(),
        ]),
    ])
}

fn admin_hints(world: &World, key: &AnswerKey) -> Vec<StepHints> {
    let victim = first(&key.victims);
    let name = name_of(world, victim);
    let created = first(&key.created_accounts);
    let mailbox = first(&key.accessed_mailboxes);
    let (proxy, replay, server) = (nth(&key.attacker_ips, 0), nth(&key.attacker_ips, 1), nth(&key.attacker_ips, 2));
    let app = &key.malicious_app.name;
    hints(vec![
        (1, vec![
            "The alert is a risky sign-in by an administrator. Careful: she often works through the company VPN, which exits in Amsterdam.".into(),
            format!("Look at {name}'s sign-ins (`user:{victim} source:signin`) and compare the addresses: which Amsterdam sign-in is not from the VPN's {} ?", people::VPN_EGRESS),
            format!("Her sign-in through {proxy} (a hosting network in Amsterdam, not the VPN) was relayed by a phishing proxy: mark {victim} as a suspect and {proxy} as an indicator. Do not mark the VPN address."),
        ]),
        (2, vec![
            "An administrator's stolen session is an emergency: what ends it?".into(),
            "Once the suspect is marked, the remediation plan lists revoking her sessions and resetting her password: mark done what you would do.".into(),
            format!("Mark 'revoke sessions' and 'reset password' for {victim} done."),
        ]),
        (3, vec![
            "Did she lose her password, her MFA, or only her session?".into(),
            "An adversary-in-the-middle proxy captures the session cookie after MFA: look at whether MFA was completed on the proxied sign-in.".into(),
            "She approved MFA herself through the proxy: reset the password and revoke the sessions; no MFA method was added, so there is none to remove.".into(),
        ]),
        (4, vec![
            "The admin can also reach Azure and AWS: did her identity do anything there?".into(),
            format!("Filter the Azure Activity Log and CloudTrail on the replay address (`ip:{replay}`), and look for new VMs, keys and console sign-ins."),
            format!("From {replay} the attacker built a VM, listed storage keys, signed in to the AWS console through Entra ID and made an access key for an existing IAM user: tag those malicious. The CI user rotating its own key is routine."),
        ]),
        (5, vec![
            "Where was the stolen session used from?".into(),
            format!("Look at {name}'s sign-ins after the proxied one: which addresses and user agents (`ua:`) are new?"),
            format!("The session was replayed from {replay} in a Linux Chrome nobody uses: mark both; then look at what the audit log shows from that address (new admin, MFA policy, named location)."),
        ]),
        (6, vec![
            "What did the attacker read in mail?".into(),
            format!("Filter the Unified Audit Log on the replay address (`source:ual ip:{replay}`)."),
            format!("The attacker read the admin's own mail and then {mailbox}'s, after granting FullAccess: tag those malicious."),
        ]),
        (7, vec![
            "Compare the two configuration snapshots: what did the month change?".into(),
            "Most changes are the IT team's own (a pilot policy, role moves, a secret rotation, phone numbers). Look for the ones made from an attacker's address.".into(),
            format!("The attacker's changes: a secret on '{app}', the account {created} made Global Administrator, the administrators' MFA policy set to report-only, and {replay} added to a trusted named location."),
        ]),
        (8, vec![
            "Did the attacker leave a credential that does not depend on the admin's session?".into(),
            "Look at application credential changes in the audit log (`source:audit op:secret`) and at the service principal sign-ins.".into(),
            format!("A client secret was added to '{app}' from {replay} and the app signed in with it from {server}: mark the app and the address. The secret rotation on Fleet Telematics Bridge was its owner's routine."),
        ]),
        (9, vec!["No inbox rule was made in this incident; check the rules listed and move on when none is the attacker's.".into()]),
        (10, vec![
            "Did the attacker give themselves a second way in, or reach other people's data?".into(),
            "Look for accounts created and roles granted during the window, and for mailbox permissions (`op:MailboxPermission`).".into(),
            format!("{created} was created and made Global Administrator, and signed in from {replay}; FullAccess to {mailbox}'s mailbox was granted to the admin; the replayed session listed the whole directory through Graph first; the phishing lure from {} reached the admin and the helpdesk lead: mark the account and the domain, and tag the events. The helpdesk lead's role move the week before was the admin's own.", super::admin_traffic::LURE_DOMAIN),
        ]),
        (11, vec![
            "What secrets could the attacker have read, and what must be rotated?".into(),
            "Look at Key Vault secret reads, storage account key listings and Secrets Manager reads from the attacker's addresses.".into(),
            "Two Key Vault secrets, the archive storage keys and a Secrets Manager secret were read: rotate each, stop the attacker's VM and disable the new AWS key (mark the actions done).".into(),
        ]),
        (12, vec![
            "Which policy changes let the attacker in more easily?".into(),
            "Compare the Conditional Access policies and named locations between the snapshots.".into(),
            format!("Put the administrators' MFA policy back to enforced, remove {replay} from the trusted location, and require phishing-resistant MFA for admins."),
        ]),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_has_hints_gentle_first() {
        for scenario in Scenario::ALL {
            let set = super::super::generate_scenario(scenario, super::super::DEFAULT_SEED);
            let key = &set.answer_key;
            for step in 1..=12u8 {
                let hints = key.hints_for(step);
                assert!(!hints.is_empty(), "{} step {step} has no hint", scenario.name());
            }
            assert!(key.marks.iter().all(|m| !m.value.is_empty() && !m.why.is_empty()));
            let vpn = key.decoys.iter().find(|d| d.kind == MarkKind::Ip && d.value == people::VPN_EGRESS);
            assert!(vpn.is_some(), "the VPN exit is a decoy in {}", scenario.name());
        }
    }
}
