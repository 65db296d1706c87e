//! The incident report on the training incident, worked by a scripted
//! analyst: every section is there and says what the case recorded, and
//! hostile text typed by the analyst or found in evidence stays text in
//! both the Markdown and the HTML rendering.

use loupe::case::annotations::row_key;
use loupe::case::{Case, CaseAction, EventChange, EventSummary, FindingVerdict, StepStatus, Verdict};
use loupe::detect::{run_all, suggest_context, Severity};
use loupe::ingest::{ingest_bytes, Deduper};
use loupe::report::{incident, to_html, to_markdown, ReportInput};
use loupe::sample::{generate_scenario, Scenario, DEFAULT_SEED};
use loupe::store::{parse, EvalContext, EventStore};

const HOSTILE: &str = "<script>alert(1)</script> | =cmd| [x](javascript:alert(1)) **";
const T0: i64 = 1_772_000_000_000;

fn load() -> EventStore {
    let set = generate_scenario(Scenario::MailboxTakeover, DEFAULT_SEED);
    let mut store = EventStore::new();
    let mut dedupe = Deduper::default();
    for file in &set.files {
        let (report, events, text) = ingest_bytes(&file.name, &file.contents, &mut dedupe);
        store.add_file(report, text, events);
    }
    store
}

fn first_row(store: &EventStore, query: &str) -> u32 {
    store.filter(&parse(query).unwrap(), &EvalContext::default()).unwrap()[0]
}

#[test]
fn the_report_says_what_the_analyst_recorded_and_escapes_everything() {
    let store = load();
    let ctx = suggest_context(&store);
    let findings = run_all(&store, &ctx);
    let plan = loupe::remediate::plan(&store, &ctx, &findings);
    let mut case = Case { name: format!("IR-42 {HOSTILE}"), ..Case::default() };
    case.apply(CaseAction::SetIncidentStart(Some(T0)), T0);
    case.apply(CaseAction::SetStepStatus { step: 1, status: StepStatus::Done }, T0 + 10 * 60_000);
    case.apply(CaseAction::SetStepNote { step: 1, note: "alert is real".into() }, T0 + 10 * 60_000);
    case.apply(CaseAction::SetStepStatus { step: 2, status: StepStatus::Done }, T0 + 20 * 60_000);
    case.apply(CaseAction::SetNotes(format!("Case notes {HOSTILE}")), T0);

    let rule = first_row(&store, "op:New-InboxRule user:priya.raman");
    let key = row_key(&store, rule).unwrap();
    for change in [EventChange::AddTag("malicious".into()), EventChange::SetBookmark(true), EventChange::SetNote(format!("forwards out {HOSTILE}"))] {
        case.apply(CaseAction::AnnotateEvent { key: key.clone(), summary: EventSummary::of_row(&store, rule), change }, T0);
    }
    let high: Vec<_> = findings.iter().filter(|f| f.severity >= Severity::High).collect();
    let (confirmed, dismissed) = (high[0], high[1]);
    case.apply(CaseAction::SetFindingVerdict { id: confirmed.id.clone(), verdict: Some(FindingVerdict::new(confirmed, Verdict::Confirmed, T0)) }, T0);
    case.apply(CaseAction::SetFindingVerdict { id: dismissed.id.clone(), verdict: Some(FindingVerdict::new(dismissed, Verdict::Dismissed, T0)) }, T0);
    case.apply(CaseAction::SetFindingNote { id: dismissed.id.clone(), note: "known VPN exit".into() }, T0);
    let revoke = plan.actions.iter().find(|a| a.id.starts_with("revoke_sessions:")).unwrap();
    case.apply(CaseAction::SetActionDone { id: revoke.id.clone(), done: true }, T0 + 5 * 60_000);

    let empty = loupe::tenant::Snapshot::new();
    let (changes, changes_from) = incident::config_changes(&empty, &empty, &store, &ctx);
    let input = ReportInput {
        case: &case,
        context: &ctx,
        findings: &findings,
        plan: &plan,
        contradictions: &[],
        changes: &changes,
        changes_from,
        store: &store,
        generated_at: T0 + 3_600_000,
    };
    let doc = incident::build(&input);
    let md = to_markdown(&doc);
    let html = to_html(&doc);

    for section in ["Summary", "Accounts involved", "Timeline of tagged events", "Findings by checklist step", "Indicators", "Configuration changes", "Remediation actions", "Checklist", "Case notes"] {
        assert!(md.contains(&format!("## {section}")), "markdown lacks {section}");
        assert!(html.contains(&format!("<h2>{section}</h2>")), "html lacks {section}");
    }
    // Accounts: the victim as a suspect, with their activity.
    assert!(md.contains("| priya.raman@larkspurfreight.example | suspect |"), "{md}");
    // The tagged rule, with its tags and note.
    let tagged = md.lines().find(|l| l.contains("New-InboxRule")).expect("tagged event listed");
    assert!(tagged.contains("malicious, bookmarked") && tagged.contains("forwards out"), "{tagged}");
    // Verdicts, with the dismissal's reason.
    assert!(md.lines().any(|l| l.contains("| Confirmed |")), "confirmed finding listed");
    assert!(md.lines().any(|l| l.contains("| Dismissed |") && l.contains("known VPN exit")), "dismissed finding listed with its note");
    // Remediation status and the checklist with times (step 2 closed after the 15-minute box).
    let revoked = md.lines().find(|l| l.contains("Revoke every session")).unwrap();
    assert!(revoked.contains("done 2026-"), "{revoked}");
    let step1 = md.lines().find(|l| l.contains("1. Validate the alert")).unwrap();
    assert!(step1.contains("Done") && step1.contains("alert is real") && !step1.contains("after the phase deadline"), "{step1}");
    let step2 = md.lines().find(|l| l.contains("2. Revoke sessions")).unwrap();
    assert!(step2.contains("after the phase deadline"), "{step2}");
    // Indicators and the consented app.
    assert!(md.contains("203.0.113.61"));
    assert!(md.contains("PDF SecureView Pro"));

    // Hostile text: never markup in HTML, never a link or a table break in Markdown.
    assert!(!html.contains("<script>"), "script tag leaked into the HTML");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!md.contains("<script>"));
    assert!(md.contains("\\<script\\>"));
    assert!(!md.replace("\\]", "").contains("](javascript"), "a link formed in the Markdown");
    let notes_line = md.lines().find(|l| l.contains("Case notes \\<script")).unwrap();
    assert!(notes_line.contains("\\| =cmd\\|"), "{notes_line}");
}

#[test]
fn a_case_with_no_evidence_still_reports_its_records() {
    let mut case = Case { name: "Empty".into(), ..Case::default() };
    let summary = EventSummary { time: T0, operation: "Set-Mailbox".into(), actor: "a@b.example".into(), ..EventSummary::default() };
    case.apply(CaseAction::AnnotateEvent { key: "ffff:1:0".into(), summary, change: EventChange::AddTag("malicious".into()) }, T0);
    let verdict = FindingVerdict { verdict: Verdict::Confirmed, note: String::new(), at: T0, title: "Mail forwarded out".into(), step: 9, severity: Severity::High };
    case.apply(CaseAction::SetFindingVerdict { id: "mail_forwarding:x".into(), verdict: Some(verdict) }, T0);
    let store = EventStore::new();
    let ctx = loupe::detect::Context::default();
    let plan = loupe::remediate::Plan::default();
    let input = ReportInput { case: &case, context: &ctx, findings: &[], plan: &plan, contradictions: &[], changes: &[], changes_from: "", store: &store, generated_at: T0 };
    let md = to_markdown(&incident::build(&input));
    assert!(md.contains("Set-Mailbox"), "{md}");
    assert!(md.contains("Confirmed (evidence not loaded)"), "{md}");
    assert!(md.contains("No configuration changes"), "{md}");
}
