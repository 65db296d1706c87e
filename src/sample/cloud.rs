//! The compromised admin's cloud: the company's Azure subscription and its
//! AWS account (signed in to through Entra ID over SAML), with a month of
//! ordinary operations and what the attacker did there with her identity.
//!
//! Three exports, in the layouts responders get them:
//! - `azure_activity.json`: `az monitor activity-log list` output, newest
//!   first, a Begin and an End request per operation.
//! - `keyvault_audit.json`: the vault's `AuditEvent` resource logs from a
//!   diagnostic setting's storage archive (`{"records": [...]}`). Reading a
//!   secret's value is a data-plane call: it is logged here as `SecretGet`,
//!   never in the Activity Log.
//! - `cloudtrail_records.json`: the trail's S3 delivery (`{"Records": [...]}`),
//!   the hourly files of the month joined into one.
//!
//! The attacker, from the replay address on the day of the break-in:
//! builds a VM in the production resource group (public IP, NIC, VM),
//! lists a storage account's keys, reads two Key Vault secrets; then opens
//! the AWS console through the Entra SAML app, makes an access key for an
//! existing IAM user and reads a Secrets Manager secret. The next day the
//! new key is tried from the attacker's cloud server.
//!
//! The cloud logs draw from their own random stream, so every other file
//! stays byte for byte what it was.

use super::admin::{self, AdminAttack};
use super::answer_key::{AnswerItem, KeyMark};
use super::clock::{self, DAY, HOUR, MINUTE, SECOND};
use super::formats::json::{Obj, J};
use super::people::{self, User};
use super::records::Evidence;
use super::rng::Rng;
use super::world::{self, World};
use super::{SampleFile, FILE_AZURE_ACTIVITY, FILE_CLOUDTRAIL, FILE_KEY_VAULT};

/// The production subscription (fictional).
const SUBSCRIPTION: &str = "6d1f3a2e-8b47-4c59-9e0d-2a7c41b5f813";
/// The AWS account (fictional).
const AWS_ACCOUNT: &str = "364018529716";
const REGION: &str = "centralus";
const AWS_REGION: &str = "us-east-2";
const VAULT: &str = "kv-larkspur-prod";
const STORAGE: &str = "stlarkspurarchive";
/// The role Entra's AWS app signs administrators in to, and its SAML provider.
const ADMIN_ROLE: &str = "EntraID-Administrators";
const SAML_PROVIDER: &str = "EntraID";
/// The IAM user the EDI gateway uses for its S3 uploads; the attacker gives it a second key.
const EDI_USER: &str = "svc-edi-transfer";
const INVENTORY_USER: &str = "svc-inventory";
const CI_USER: &str = "ci-deploy";
const SECRET_NAME: &str = "prod/tms/database";

const APP_AZURE_CLI: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
const CLI_UA: &str = "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-1014-aws exe/x86_64.ubuntu.22 prompt/off";
const BOTO_UA: &str = "Boto3/1.34.49 md/Botocore#1.34.49 ua/2.0 os/linux#5.15.0-1055-azure md/arch#x86_64 lang/python#3.10.12 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.49";
/// Hosts of the company's own automation.
const PIPELINE_HOST: &str = "198.51.100.242";
const AUTOMATION_HOST: &str = "198.51.100.243";
const CI_HOST: &str = "198.51.100.241";
const INVENTORY_HOST: &str = "198.51.100.236";
/// The EDI gateway VM inside the virtual network.
const EDI_GATEWAY_IP: &str = "10.40.2.15";

/// The files, the answer-key items for the attacker's records, the
/// remediation actions the plan must hold, and a sentence for the description.
pub struct CloudLogs {
    pub files: Vec<SampleFile>,
    pub items: Vec<AnswerItem>,
    pub remediation: Vec<String>,
    pub description: String,
    /// Cloud records that look like the attacker's and are not.
    pub decoys: Vec<KeyMark>,
}

/// Who made an Azure call.
struct AzCaller {
    /// `caller`: a UPN for people, the app id for service principals.
    name: String,
    object_id: String,
    app_id: String,
    ip: String,
    user: Option<(String, String)>,
}

/// Who made an AWS call.
enum AwsWho {
    IamUser { name: &'static str, id: String, key: String },
    /// A role session opened through Entra ID (the session name is the UPN).
    Role { upn: String, role_id: String, key: String, since: i64 },
    Saml { upn: String, qualifier: String },
}

struct Out {
    activity: Vec<(i64, Obj)>,
    vault: Vec<(i64, Obj)>,
    trail: Vec<(i64, Obj)>,
    items: Vec<AnswerItem>,
    tenant: String,
}

fn resource(group: &str, provider_type: &str, name: &str) -> String {
    format!("/subscriptions/{SUBSCRIPTION}/resourceGroups/{group}/providers/{provider_type}/{name}")
}

/// .NET ticks of a UTC time, as Activity Log event ids carry them.
fn ticks(ms: i64) -> i64 {
    ms * 10_000 + 621_355_968_000_000_000
}

/// CloudTrail's `createDate` style: `Feb 23, 2026, 4:55:03 PM`.
fn aws_date(ms: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms).map(|t| t.format("%b %-d, %Y, %-I:%M:%S %p").to_string()).unwrap_or_default()
}

fn epoch_seconds(ms: i64) -> String {
    (ms / 1000).to_string()
}

impl Out {
    fn note(&mut self, file: &str, id: &str, step: u8, what: &str, why: &str) {
        self.items.push(AnswerItem { file: file.into(), record_id: id.into(), step, what: what.into(), why: why.into() });
    }

    fn claims(&self, r: &mut Rng, time: i64, c: &AzCaller) -> Obj {
        let issued = time - r.range(5, 50) * MINUTE;
        let mut o = Obj::new()
            .with("aud", "https://management.core.windows.net/")
            .with("iss", format!("https://sts.windows.net/{}/", self.tenant))
            .with("iat", epoch_seconds(issued))
            .with("nbf", epoch_seconds(issued))
            .with("exp", epoch_seconds(issued + 75 * MINUTE));
        match &c.user {
            Some((upn, display)) => {
                o = o
                    .with("http://schemas.microsoft.com/claims/authnclassreference", "1")
                    .with("aio", r.base64ish(48))
                    .with("http://schemas.microsoft.com/claims/authnmethodsreferences", "pwd,mfa")
                    .with("appid", c.app_id.as_str())
                    .with("appidacr", "0")
                    .with("name", display.as_str())
                    .with("http://schemas.microsoft.com/identity/claims/objectidentifier", c.object_id.as_str())
                    .with("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn", upn.as_str())
                    .with("ipaddr", c.ip.as_str());
            }
            None => {
                o = o
                    .with("aio", r.base64ish(48))
                    .with("appid", c.app_id.as_str())
                    .with("appidacr", "2")
                    .with("idtyp", "app")
                    .with("http://schemas.microsoft.com/identity/claims/objectidentifier", c.object_id.as_str());
            }
        }
        o.with("http://schemas.microsoft.com/identity/claims/tenantid", self.tenant.as_str()).with("uti", r.base64ish(22)).with("ver", "1.0")
    }

    /// One Resource Manager operation: its Begin request (Started) and End
    /// request (Succeeded). Returns the two `eventDataId`s.
    #[allow(clippy::too_many_arguments)]
    fn activity(&mut self, r: &mut Rng, time: i64, c: &AzCaller, op: &str, display: &str, target: &str, method: &str, body: Option<String>) -> [String; 2] {
        let correlation = r.guid();
        let operation_id = r.guid();
        let client_request = r.guid();
        let claims = self.claims(r, time, c);
        let group = target.split('/').skip_while(|p| !p.eq_ignore_ascii_case("resourceGroups")).nth(1).unwrap_or("").to_string();
        let provider = op.split('/').next().unwrap_or("").to_string();
        // `Microsoft.Compute/virtualMachines` from `…/providers/Microsoft.Compute/virtualMachines/name`.
        let kind = target.split("/providers/").nth(1).map(|rest| rest.split('/').take(2).collect::<Vec<_>>().join("/")).unwrap_or_default();
        let done = time + r.range(2, 40) * SECOND + r.range(0, 999);
        let mut ids = [String::new(), String::new()];
        for (k, (at, event, status)) in [(time, ("BeginRequest", "Begin request"), "Started"), (done, ("EndRequest", "End request"), "Succeeded")].into_iter().enumerate() {
            let id = r.guid();
            let mut properties = Obj::new().with("eventCategory", "Administrative").with("entity", target).with("message", op).with("hierarchy", format!("{}/{SUBSCRIPTION}", self.tenant));
            if k == 1 {
                properties.push("statusCode", if method == "PUT" { "Created" } else { "OK" });
                properties.push("serviceRequestId", J::Null);
            }
            if let (0, Some(b)) = (k, &body) {
                properties.push("requestbody", b.as_str());
            }
            let record = Obj::new()
                .with("authorization", Obj::new().with("action", op).with("scope", target))
                .with("caller", c.name.as_str())
                .with("category", Obj::new().with("localizedValue", "Administrative").with("value", "Administrative"))
                .with("claims", claims.clone())
                .with("correlationId", correlation.as_str())
                .with("description", "")
                .with("eventDataId", id.as_str())
                .with("eventName", Obj::new().with("localizedValue", event.1).with("value", event.0))
                .with("eventTimestamp", clock::iso_ticks(at, r.below(10_000) as u32))
                .with("httpRequest", Obj::new().with("clientIpAddress", c.ip.as_str()).with("clientRequestId", client_request.as_str()).with("method", method))
                .with("id", format!("{target}/events/{id}/ticks/{}", ticks(at)))
                .with("level", "Informational")
                .with("operationId", operation_id.as_str())
                .with("operationName", Obj::new().with("localizedValue", display).with("value", op))
                .with("properties", properties)
                .with("resourceGroupName", group.as_str())
                .with("resourceId", target)
                .with("resourceProviderName", Obj::new().with("localizedValue", provider.as_str()).with("value", provider.as_str()))
                .with("resourceType", Obj::new().with("localizedValue", kind.as_str()).with("value", kind.as_str()))
                .with("status", Obj::new().with("localizedValue", status).with("value", status))
                .with("subStatus", if k == 1 { Obj::new().with("localizedValue", "OK (HTTP Status Code: 200)").with("value", "OK") } else { Obj::new().with("localizedValue", "").with("value", "") })
                .with("submissionTimestamp", clock::iso_ticks(at + r.range(40, 170) * SECOND, r.below(10_000) as u32))
                .with("subscriptionId", SUBSCRIPTION)
                .with("tenantId", self.tenant.as_str());
            ids[k] = id;
            self.activity.push((at, record));
        }
        ids
    }

    /// A Key Vault `AuditEvent` record; the record id is its `correlationId`
    /// (the caller's request id).
    #[allow(clippy::too_many_arguments)]
    fn vault(&mut self, r: &mut Rng, time: i64, c: &AzCaller, op: &str, secret: &str, version: &str, client: &str) -> String {
        let correlation = r.guid();
        let mut claim = Obj::new().with("http://schemas.microsoft.com/identity/claims/objectidentifier", c.object_id.as_str());
        if let Some((upn, _)) = &c.user {
            claim.push("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn", upn.as_str());
        }
        claim.push("appid", c.app_id.as_str());
        let host = format!("https://{VAULT}.vault.azure.net");
        let record = Obj::new()
            .with("time", clock::iso_ticks(time, r.below(10_000) as u32))
            .with("resourceId", format!("/SUBSCRIPTIONS/{}/RESOURCEGROUPS/RG-SHARED/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/{}", SUBSCRIPTION.to_uppercase(), VAULT.to_uppercase()))
            .with("operationName", op)
            .with("operationVersion", "7.4")
            .with("category", "AuditEvent")
            .with("resultType", "Success")
            .with("resultSignature", "OK")
            .with("resultDescription", "")
            .with("durationMs", r.range(6, 40).to_string())
            .with("callerIpAddress", c.ip.as_str())
            .with("correlationId", correlation.as_str())
            .with("identity", Obj::new().with("claim", claim))
            .with(
                "properties",
                Obj::new()
                    .with("id", format!("{host}/secrets/{secret}/{version}"))
                    .with("clientInfo", client)
                    .with("requestUri", format!("{host}/secrets/{secret}/{}?api-version=7.4", if op == "SecretGet" { version } else { "" }))
                    .with("httpStatusCode", 200i64)
                    .with("isAccessPolicyMatch", false)
                    .with("isRbacAuthorized", true)
                    .with("tlsVersion", "TLS1_3"),
            )
            .with("location", REGION);
        self.vault.push((time, record));
        correlation
    }

    /// One CloudTrail management event. Returns its `eventID`.
    #[allow(clippy::too_many_arguments)]
    fn trail(&mut self, r: &mut Rng, time: i64, who: &AwsWho, source: &str, name: &str, region: &str, ip: &str, ua: &str, request: J, response: J, read_only: bool) -> String {
        let identity = match who {
            AwsWho::IamUser { name: user, id, key } => Obj::new()
                .with("type", "IAMUser")
                .with("principalId", id.as_str())
                .with("arn", format!("arn:aws:iam::{AWS_ACCOUNT}:user/{user}"))
                .with("accountId", AWS_ACCOUNT)
                .with("accessKeyId", key.as_str())
                .with("userName", *user),
            AwsWho::Role { upn, role_id, key, since } => {
                let mut o = Obj::new()
                    .with("type", "AssumedRole")
                    .with("principalId", format!("{role_id}:{upn}"))
                    .with("arn", format!("arn:aws:sts::{AWS_ACCOUNT}:assumed-role/{ADMIN_ROLE}/{upn}"))
                    .with("accountId", AWS_ACCOUNT);
                if name != "ConsoleLogin" {
                    o.push("accessKeyId", key.as_str());
                }
                o.with(
                    "sessionContext",
                    Obj::new()
                        .with(
                            "sessionIssuer",
                            Obj::new()
                                .with("type", "Role")
                                .with("principalId", role_id.as_str())
                                .with("arn", format!("arn:aws:iam::{AWS_ACCOUNT}:role/{ADMIN_ROLE}"))
                                .with("accountId", AWS_ACCOUNT)
                                .with("userName", ADMIN_ROLE),
                        )
                        .with("webIdFederationData", Obj::new())
                        .with("attributes", Obj::new().with("creationDate", clock::iso_seconds(*since)).with("mfaAuthenticated", "false")),
                )
            }
            AwsWho::Saml { upn, qualifier } => Obj::new()
                .with("type", "SAMLUser")
                .with("principalId", format!("{qualifier}:{upn}"))
                .with("userName", upn.as_str())
                .with("identityProvider", qualifier.as_str()),
        };
        let id = r.guid();
        let mut e = Obj::new()
            .with("eventVersion", if name == "ConsoleLogin" { "1.09" } else { "1.08" })
            .with("userIdentity", identity)
            .with("eventTime", clock::iso_seconds(time))
            .with("eventSource", source)
            .with("eventName", name)
            .with("awsRegion", region)
            .with("sourceIPAddress", ip)
            .with("userAgent", ua)
            .with("requestParameters", request)
            .with("responseElements", response);
        if name == "ConsoleLogin" {
            e.push(
                "additionalEventData",
                Obj::new()
                    .with("LoginTo", "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true")
                    .with("MobileVersion", "No")
                    .with("MFAUsed", "No")
                    .with("SamlProviderArn", format!("arn:aws:iam::{AWS_ACCOUNT}:saml-provider/{SAML_PROVIDER}")),
            );
        } else {
            e.push("requestID", r.guid());
        }
        e.push("eventID", id.as_str());
        e.push("readOnly", read_only);
        e.push("eventType", if name == "ConsoleLogin" { "AwsConsoleSignIn" } else { "AwsApiCall" });
        e.push("managementEvent", true);
        e.push("recipientAccountId", AWS_ACCOUNT);
        e.push("eventCategory", "Management");
        if ua == "AWS Internal" {
            e.push("sessionCredentialFromConsole", "true");
        }
        self.trail.push((time, e));
        id
    }

    /// Entra's AWS app signing someone in to the console: the SAML role
    /// assumption, then the console sign-in. Returns the session and both event ids.
    #[allow(clippy::too_many_arguments)]
    fn console_sign_in(&mut self, r: &mut Rng, time: i64, user: &User, ip: &str, ua: &str, role_id: &str, qualifier: &str) -> (AwsWho, [String; 2]) {
        let key = format!("ASIA{}", r.alnum_upper(16));
        let saml = AwsWho::Saml { upn: user.upn.clone(), qualifier: qualifier.into() };
        let role_arn = format!("arn:aws:iam::{AWS_ACCOUNT}:role/{ADMIN_ROLE}");
        let provider_arn = format!("arn:aws:iam::{AWS_ACCOUNT}:saml-provider/{SAML_PROVIDER}");
        let request = Obj::new()
            .with("sAMLAssertionID", format!("_{}", r.guid()))
            .with("roleSessionName", user.upn.as_str())
            .with("principalArn", provider_arn.as_str())
            .with("roleArn", role_arn.as_str())
            .with("durationSeconds", 3600i64);
        let response = Obj::new()
            .with("credentials", Obj::new().with("accessKeyId", key.as_str()).with("expiration", aws_date(time + HOUR)))
            .with("assumedRoleUser", Obj::new().with("assumedRoleId", format!("{role_id}:{}", user.upn)).with("arn", format!("arn:aws:sts::{AWS_ACCOUNT}:assumed-role/{ADMIN_ROLE}/{}", user.upn)))
            .with("subject", user.upn.as_str())
            .with("subjectType", "persistent")
            .with("issuer", format!("https://sts.windows.net/{}/", self.tenant))
            .with("audience", "https://signin.aws.amazon.com/saml")
            .with("nameQualifier", qualifier);
        let assume = self.trail(r, time, &saml, "sts.amazonaws.com", "AssumeRoleWithSAML", "us-east-1", ip, ua, request.into(), response.into(), true);
        let session = AwsWho::Role { upn: user.upn.clone(), role_id: role_id.into(), key, since: time };
        let login_at = time + r.range(1, 3) * SECOND;
        let login = self.trail(r, login_at, &session, "signin.amazonaws.com", "ConsoleLogin", "us-east-1", ip, ua, J::Null, Obj::new().with("ConsoleLogin", "Success").into(), false);
        (session, [assume, login])
    }
}

fn person(user: &User, ip: &str, app: &str) -> AzCaller {
    AzCaller { name: user.upn.clone(), object_id: user.id.clone(), app_id: app.into(), ip: ip.into(), user: Some((user.upn.clone(), user.display_name.clone())) }
}

fn describe_instances() -> J {
    Obj::new().with("instancesSet", Obj::new()).with("filterSet", Obj::new()).into()
}

/// Days 0..DAYS that are weekdays (the window starts on a Monday).
fn weekday(day: i64) -> bool {
    day.rem_euclid(7) < 5
}

/// Make the cloud logs. `ev` holds the month's sign-ins (for where people work from).
pub fn generate(world: &World, attack: &AdminAttack, rng: &mut Rng, ev: &Evidence) -> CloudLogs {
    let admin = &world.users[people::VPN_USER];
    let it = &world.users[people::HELPDESK];
    let mut out = Out { activity: Vec::new(), vault: Vec::new(), trail: Vec::new(), items: Vec::new(), tenant: world.tenant_id.clone() };
    let mut routine = rng.fork(1);
    let mut r = rng.fork(2);
    let portal: &str = &people::APP_AZURE_PORTAL.id;
    let vms = ["vm-tms-app01", "vm-tms-app02", "vm-edi-gw01"];
    let vm_id = |name: &str| resource("rg-tms-prod", "Microsoft.Compute/virtualMachines", name);
    let storage_id = resource("rg-shared", "Microsoft.Storage/storageAccounts", STORAGE);

    // The release pipeline deploys the transport management system on weekday nights.
    let pipeline = AzCaller { name: routine.guid(), object_id: routine.guid(), app_id: String::new(), ip: PIPELINE_HOST.into(), user: None };
    let pipeline = AzCaller { app_id: pipeline.name.clone(), ..pipeline };
    // The patching runbook restarts the VMs on Sunday mornings.
    let runbook = AzCaller { name: routine.guid(), object_id: routine.guid(), app_id: String::new(), ip: AUTOMATION_HOST.into(), user: None };
    let runbook = AzCaller { app_id: runbook.name.clone(), ..runbook };
    for day in 0..clock::DAYS {
        if weekday(day) && day % 7 != 4 {
            let at = clock::local_midnight(day, -5) + 26 * HOUR + routine.range(0, 40) * MINUTE;
            let name = format!("tms-release-{}", clock::iso_seconds(at).replace(['-', ':'], "").trim_end_matches('Z').replace('T', "-"));
            out.activity(&mut routine, at, &pipeline, "Microsoft.Resources/deployments/write", "Create Deployment", &resource("rg-tms-prod", "Microsoft.Resources/deployments", &name), "PUT", None);
        }
        if day % 7 == 6 {
            for (k, vm) in vms.iter().enumerate() {
                let at = clock::local_midnight(day, -5) + 3 * HOUR + (k as i64 * 12 + routine.range(0, 8)) * MINUTE;
                out.activity(&mut routine, at, &runbook, "Microsoft.Compute/virtualMachines/restart/action", "Restart Virtual Machine", &vm_id(vm), "POST", None);
            }
        }
    }
    // The EDI gateway's managed identity reads its SFTP password every few hours.
    let gateway = AzCaller { name: String::new(), object_id: routine.guid(), app_id: routine.guid(), ip: EDI_GATEWAY_IP.into(), user: None };
    let (sftp_v1, sftp_v2) = (routine.hex_upper(32).to_lowercase(), routine.hex_upper(32).to_lowercase());
    let sql_version = routine.hex_upper(32).to_lowercase();
    let sftp_rotated = world::local_time(16, it.utc_offset, 15, routine.range(0, 30));
    let mut at = clock::WINDOW_START + routine.range(0, 120) * MINUTE;
    while at < clock::WINDOW_END {
        let version = if at < sftp_rotated { &sftp_v1 } else { &sftp_v2 };
        out.vault(&mut routine, at, &gateway, "SecretGet", "edi-sftp-password", version, "azsdk-net-Security.KeyVault.Secrets/4.5.0 (.NET 8.0.2; Ubuntu 22.04.4 LTS)");
        at += routine.range(5 * 60, 7 * 60) * MINUTE + routine.range(0, 59) * SECOND;
    }

    // IT staff at work: restarts, the archive account's TLS floor, a resize,
    // a role for a contractor, the SFTP password rotation.
    let it_at = |day: i64, hour: i64, r: &mut Rng| world::local_time(day, it.utc_offset, hour, r.range(0, 50));
    let it_ip_on = |t: i64| admin::usual_address(ev, it, t);
    for (day, vm) in [(3, vms[0]), (10, vms[2]), (17, vms[1]), (24, vms[0])] {
        let t = it_at(day, 10, &mut routine);
        out.activity(&mut routine, t, &person(it, &it_ip_on(t), portal), "Microsoft.Compute/virtualMachines/restart/action", "Restart Virtual Machine", &vm_id(vm), "POST", None);
    }
    let t = it_at(12, 14, &mut routine);
    let body = format!("{{\"sku\":{{\"name\":\"Standard_GRS\"}},\"kind\":\"StorageV2\",\"location\":\"{REGION}\",\"properties\":{{\"minimumTlsVersion\":\"TLS1_2\",\"allowBlobPublicAccess\":false,\"supportsHttpsTrafficOnly\":true}}}}");
    out.activity(&mut routine, t, &person(it, &it_ip_on(t), portal), "Microsoft.Storage/storageAccounts/write", "Create/Update Storage Account", &storage_id, "PUT", Some(body));
    let t = sftp_rotated - 4 * MINUTE;
    let set = out.vault(&mut routine, t, &person(it, &it_ip_on(t), portal), "SecretSet", "edi-sftp-password", &sftp_v2, it.laptop.browser_ua);
    let mut decoys = vec![KeyMark::event(
        FILE_KEY_VAULT,
        &set,
        11,
        "the SFTP password changed in Key Vault by IT",
        "IT staff rotating the gateway's SFTP password from their usual address, a week before the break-in; the gateway picks up the new version on its next read.",
    )];
    let t = it_at(24, 15, &mut routine);
    let body = format!("{{\"location\":\"{REGION}\",\"properties\":{{\"hardwareProfile\":{{\"vmSize\":\"Standard_D8s_v5\"}}}}}}");
    out.activity(&mut routine, t, &person(it, &it_ip_on(t), portal), "Microsoft.Compute/virtualMachines/write", "Create or Update Virtual Machine", &vm_id(vms[1]), "PUT", Some(body));
    let t = it_at(26, 11, &mut routine);
    let assignment = resource("rg-tms-prod", "Microsoft.Authorization/roleAssignments", &routine.guid());
    let body = format!(
        "{{\"Id\":\"{}\",\"Properties\":{{\"PrincipalId\":\"{}\",\"PrincipalType\":\"User\",\"RoleDefinitionId\":\"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7\",\"Scope\":\"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-tms-prod\"}}}}",
        assignment.rsplit('/').next().unwrap_or(""),
        routine.guid()
    );
    out.activity(&mut routine, t, &person(it, &it_ip_on(t), portal), "Microsoft.Authorization/roleAssignments/write", "Create role assignment", &assignment, "PUT", Some(body));

    // The admin's own work before the break-in: a restart, a deployment, a firewall rule.
    let admin_at = |day: i64, hour: i64, r: &mut Rng| world::local_time(day, admin.utc_offset, hour, r.range(0, 50));
    let admin_ip_on = |t: i64| admin::usual_address(ev, admin, t);
    let t = admin_at(4, 16, &mut routine);
    out.activity(&mut routine, t, &person(admin, &admin_ip_on(t), portal), "Microsoft.Compute/virtualMachines/restart/action", "Restart Virtual Machine", &vm_id(vms[2]), "POST", None);
    let t = admin_at(8, 11, &mut routine);
    let rule = resource("rg-tms-prod", "Microsoft.Network/networkSecurityGroups", "nsg-edi/securityRules/allow-carrier-sftp");
    let body = "{\"properties\":{\"protocol\":\"Tcp\",\"sourcePortRange\":\"*\",\"destinationPortRange\":\"22\",\"sourceAddressPrefix\":\"192.0.2.128/26\",\"destinationAddressPrefix\":\"10.40.2.15\",\"access\":\"Allow\",\"priority\":310,\"direction\":\"Inbound\"}}";
    out.activity(&mut routine, t, &person(admin, &admin_ip_on(t), portal), "Microsoft.Network/networkSecurityGroups/securityRules/write", "Create or Update Security Rule", &rule, "PUT", Some(body.into()));
    let t = admin_at(11, 15, &mut routine);
    out.activity(&mut routine, t, &person(admin, &admin_ip_on(t), APP_AZURE_CLI), "Microsoft.Resources/deployments/write", "Create Deployment", &resource("rg-integration", "Microsoft.Resources/deployments", "edi-gateway-config"), "PUT", None);

    // AWS: the inventory job, the CI user rotating its own key, IT staff in the console.
    let inventory = AwsWho::IamUser { name: INVENTORY_USER, id: format!("AIDA{}", routine.alnum_upper(17)), key: format!("AKIA{}", routine.alnum_upper(16)) };
    let mut at = clock::WINDOW_START + routine.range(0, 90) * MINUTE;
    while at < clock::WINDOW_END {
        out.trail(&mut routine, at, &inventory, "ec2.amazonaws.com", "DescribeInstances", AWS_REGION, INVENTORY_HOST, BOTO_UA, describe_instances(), J::Null, true);
        let next = at + routine.range(1, 4) * SECOND;
        out.trail(&mut routine, next, &inventory, "ec2.amazonaws.com", "DescribeVolumes", AWS_REGION, INVENTORY_HOST, BOTO_UA, Obj::new().with("volumeSet", Obj::new()).with("filterSet", Obj::new()).into(), J::Null, true);
        at += routine.range(5 * 60, 7 * 60) * MINUTE + routine.range(0, 59) * SECOND;
    }
    let ci_id = format!("AIDA{}", routine.alnum_upper(17));
    let (ci_old, ci_new) = (format!("AKIA{}", routine.alnum_upper(16)), format!("AKIA{}", routine.alnum_upper(16)));
    let rotate_day = 9;
    for day in 0..clock::DAYS {
        if !weekday(day) {
            continue;
        }
        let at = world::local_time(day, -5, 13, routine.range(0, 240));
        let key = if day <= rotate_day { &ci_old } else { &ci_new };
        let ci = AwsWho::IamUser { name: CI_USER, id: ci_id.clone(), key: key.clone() };
        out.trail(&mut routine, at, &ci, "cloudformation.amazonaws.com", "DescribeStacks", AWS_REGION, CI_HOST, CLI_UA, Obj::new().with("stackName", "tms-web").into(), J::Null, true);
        if day == rotate_day {
            let t = at + 5 * MINUTE;
            let made = Obj::new().with("accessKey", Obj::new().with("userName", CI_USER).with("accessKeyId", ci_new.as_str()).with("status", "Active").with("createDate", aws_date(t)));
            let id = out.trail(&mut routine, t, &ci, "iam.amazonaws.com", "CreateAccessKey", "us-east-1", CI_HOST, CLI_UA, Obj::new().with("userName", CI_USER).into(), made.into(), false);
            decoys.push(KeyMark::event(
                FILE_CLOUDTRAIL,
                &id,
                4,
                "an access key created for the CI user",
                "The CI user rotating its own key from the build server, then switching the old key off and deleting it: routine rotation, not a second key kept by an intruder.",
            ));
            let ci_new_who = AwsWho::IamUser { name: CI_USER, id: ci_id.clone(), key: ci_new.clone() };
            let t = t + 20 * MINUTE;
            out.trail(&mut routine, t, &ci_new_who, "iam.amazonaws.com", "UpdateAccessKey", "us-east-1", CI_HOST, CLI_UA, Obj::new().with("userName", CI_USER).with("accessKeyId", ci_old.as_str()).with("status", "Inactive").into(), J::Null, false);
            out.trail(&mut routine, t + DAY, &ci_new_who, "iam.amazonaws.com", "DeleteAccessKey", "us-east-1", CI_HOST, CLI_UA, Obj::new().with("userName", CI_USER).with("accessKeyId", ci_old.as_str()).into(), J::Null, false);
        }
    }
    let role_id = format!("AROA{}", routine.alnum_upper(17));
    let qualifier = routine.base64ish(27).replace(['-', '_'], "x") + "=";
    let edi_id = format!("AIDA{}", routine.alnum_upper(17));
    for day in [2, 9, 15, 23, 27] {
        let t = it_at(day, 9, &mut routine);
        let (session, _) = out.console_sign_in(&mut routine, t, it, &it_ip_on(t), it.laptop.browser_ua, &role_id, &qualifier);
        out.trail(&mut routine, t + 2 * MINUTE, &session, "ec2.amazonaws.com", "DescribeInstances", AWS_REGION, &it_ip_on(t), "AWS Internal", describe_instances(), J::Null, true);
        if day == 15 {
            let ids = Obj::new().with("instancesSet", Obj::new().with("items", vec![J::Obj(Obj::new().with("instanceId", "i-0a41c7e2d95b3f608"))]));
            out.trail(&mut routine, t + 6 * MINUTE, &session, "ec2.amazonaws.com", "StartInstances", AWS_REGION, &it_ip_on(t), "AWS Internal", ids.clone().with("force", false).into(), J::Null, false);
        }
    }
    for day in [5, 12] {
        let t = admin_at(day, 14, &mut routine);
        let ip = admin_ip_on(t);
        let (session, _) = out.console_sign_in(&mut routine, t, admin, &ip, admin.laptop.browser_ua, &role_id, &qualifier);
        out.trail(&mut routine, t + 3 * MINUTE, &session, "iam.amazonaws.com", "ListUsers", "us-east-1", &ip, "AWS Internal", J::Null, J::Null, true);
        out.trail(&mut routine, t + 5 * MINUTE, &session, "ec2.amazonaws.com", "DescribeInstances", AWS_REGION, &ip, "AWS Internal", describe_instances(), J::Null, true);
    }

    // The attack, from the replay address with the stolen session.
    let ip = attack.ips.get(1).cloned().unwrap_or_default();
    let server = attack.ips.get(2).cloned().unwrap_or_default();
    let me = person(admin, &ip, portal);
    let mut t = attack.grant_at + r.range(14, 22) * MINUTE + r.range(0, 59) * SECOND;
    let names = ["tms-batch03", "vm-tms-worker4", "edi-gw02"];
    let vm_name = (*r.pick(&names)).to_string();
    let stamp = clock::iso_seconds(t).replace(['-', ':', 'T', 'Z'], "");
    let deployment = resource("rg-tms-prod", "Microsoft.Resources/deployments", &format!("CreateVm-canonical.0001-com-ubuntu-server-jammy-2-{stamp}"));
    let pip = resource("rg-tms-prod", "Microsoft.Network/publicIPAddresses", &format!("{vm_name}-ip"));
    let nic = resource("rg-tms-prod", "Microsoft.Network/networkInterfaces", &format!("{vm_name}{}", r.range(100, 999)));
    let vm = vm_id(&vm_name);
    let why_net = "Part of the VM the attacker built from the replay address: its deployment, public address and network card.";
    for (target, op, display) in [
        (&deployment, "Microsoft.Resources/deployments/write", "Create Deployment"),
        (&pip, "Microsoft.Network/publicIPAddresses/write", "Create or Update Public Ip Address"),
        (&nic, "Microsoft.Network/networkInterfaces/write", "Create or Update Network Interface"),
    ] {
        for id in out.activity(&mut r, t, &me, op, display, target, "PUT", None) {
            out.note(FILE_AZURE_ACTIVITY, &id, 4, "the attacker's VM being built", why_net);
        }
        t += r.range(4, 15) * SECOND;
    }
    let body = format!(
        "{{\"location\":\"{REGION}\",\"properties\":{{\"hardwareProfile\":{{\"vmSize\":\"Standard_D4s_v5\"}},\"osProfile\":{{\"computerName\":\"{vm_name}\",\"adminUsername\":\"azureuser\",\"linuxConfiguration\":{{\"disablePasswordAuthentication\":true}}}},\"networkProfile\":{{\"networkInterfaces\":[{{\"id\":\"{nic}\"}}]}}}}}}"
    );
    for id in out.activity(&mut r, t, &me, "Microsoft.Compute/virtualMachines/write", "Create or Update Virtual Machine", &vm, "PUT", Some(body)) {
        out.note(FILE_AZURE_ACTIVITY, &id, 4, "VM created by the attacker", "A Linux VM with a public address made in the production resource group by the admin's identity from the replay address: a foothold inside Azure that outlives her password reset.");
    }
    t += r.range(3, 6) * MINUTE;
    for id in out.activity(&mut r, t, &me, "Microsoft.Storage/storageAccounts/listKeys/action", "List Storage Account Keys", &storage_id, "POST", None) {
        out.note(FILE_AZURE_ACTIVITY, &id, 11, "storage account keys listed", "The archive account's keys, listed from the replay address: full access to its data until both keys are renewed.");
    }
    t += r.range(2, 4) * MINUTE;
    let me_vault = person(admin, &ip, portal);
    for (secret, version) in [("tms-sql-admin", sql_version.as_str()), ("edi-sftp-password", sftp_v2.as_str())] {
        let id = out.vault(&mut r, t, &me_vault, "SecretGet", secret, version, admin::REPLAY_UA);
        out.note(FILE_KEY_VAULT, &id, 11, "Key Vault secret read by the attacker", "The secret's value shown in the portal to the admin's identity at the replay address: the attacker holds it until it is changed.");
        t += r.range(30, 90) * SECOND;
    }

    // AWS through Entra's SAML app.
    t += r.range(12, 25) * MINUTE;
    let (session, ids) = out.console_sign_in(&mut r, t, admin, &ip, admin::REPLAY_UA, &role_id, &qualifier);
    out.note(FILE_CLOUDTRAIL, &ids[0], 4, "AWS role assumed with the admin's SAML sign-in", "Entra ID signed the stolen session in to the AWS administrators' role: the attacker's way into the AWS account.");
    out.note(FILE_CLOUDTRAIL, &ids[1], 4, "AWS console sign-in from the replay address", "The admin's federated console session, opened from the replay address in a Linux browser.");
    t += r.range(1, 3) * MINUTE;
    let recon = [
        ("iam.amazonaws.com", "ListUsers", "us-east-1", J::Null),
        ("iam.amazonaws.com", "ListAccessKeys", "us-east-1", Obj::new().with("userName", EDI_USER).into()),
    ];
    for (source, name, region, request) in recon {
        let id = out.trail(&mut r, t, &session, source, name, region, &ip, "AWS Internal", request, J::Null, true);
        out.note(FILE_CLOUDTRAIL, &id, 4, "the attacker looks through IAM", "Listing users and their keys from the replay address, just before making a key.");
        t += r.range(20, 70) * SECOND;
    }
    let new_key = format!("AKIA{}", r.alnum_upper(16));
    let made = Obj::new().with("accessKey", Obj::new().with("userName", EDI_USER).with("accessKeyId", new_key.as_str()).with("status", "Active").with("createDate", aws_date(t)));
    let id = out.trail(&mut r, t, &session, "iam.amazonaws.com", "CreateAccessKey", "us-east-1", &ip, "AWS Internal", Obj::new().with("userName", EDI_USER).into(), made.into(), false);
    out.note(FILE_CLOUDTRAIL, &id, 4, "access key created for an existing IAM user", "A second, long-lived key for the EDI transfer user, made in the stolen session: it works from anywhere without Entra ID or MFA.");
    t += r.range(2, 5) * MINUTE;
    let secret_arn = format!("arn:aws:secretsmanager:{AWS_REGION}:{AWS_ACCOUNT}:secret:{SECRET_NAME}-{}", r.base64ish(6).replace(['-', '_'], "x"));
    let id = out.trail(&mut r, t, &session, "secretsmanager.amazonaws.com", "GetSecretValue", AWS_REGION, &ip, "AWS Internal", Obj::new().with("secretId", secret_arn.as_str()).into(), J::Null, true);
    out.note(FILE_CLOUDTRAIL, &id, 11, "Secrets Manager secret read by the attacker", "The database credentials of the transport system, read in the stolen session: they must be rotated.");
    // The next evening the new key is tried from the attacker's cloud server.
    let mut t = t + DAY + r.range(6, 9) * HOUR;
    let edi = AwsWho::IamUser { name: EDI_USER, id: edi_id, key: new_key.clone() };
    for (source, name, region) in [("sts.amazonaws.com", "GetCallerIdentity", "us-east-1"), ("s3.amazonaws.com", "ListBuckets", "us-east-1")] {
        let id = out.trail(&mut r, t, &edi, source, name, region, &server, CLI_UA, J::Null, J::Null, true);
        out.note(FILE_CLOUDTRAIL, &id, 10, "the new access key used from the attacker's server", "The key made in the stolen session, used from the attacker's cloud address: the EDI transfer user is in the attacker's hands too.");
        t += r.range(5, 40) * SECOND;
    }

    let remediation = vec![
        format!("aws_disable_key:{AWS_ACCOUNT}:{}", new_key.to_lowercase()),
        format!("aws_rotate_secret:{AWS_ACCOUNT}:{}", secret_arn.to_lowercase()),
        format!("azure_stop_vm:{}", vm.to_lowercase()),
        format!("azure_renew_storage_keys:{}", storage_id.to_lowercase()),
        format!("azure_rotate_secret:{VAULT}:tms-sql-admin"),
        format!("azure_rotate_secret:{VAULT}:edi-sftp-password"),
    ];
    let description = format!(
        "In Azure the stolen identity builds the VM {vm_name}, lists the keys of {STORAGE} and reads two Key Vault secrets; in AWS (account {AWS_ACCOUNT}, signed in through Entra ID) it makes an access key for {EDI_USER}, which is tried from {server} the next day, and reads {SECRET_NAME}. \
         Cloud decoys: nightly deployments, Sunday patch restarts, the EDI gateway reading its secret, IT staff restarting and resizing VMs and rotating a secret, a CI user rotating its own key, and the admin's own console and firewall work before the break-in."
    );
    CloudLogs { files: files(out.activity, out.vault, out.trail), items: out.items, remediation, description, decoys }
}

fn files(mut activity: Vec<(i64, Obj)>, mut vault: Vec<(i64, Obj)>, mut trail: Vec<(i64, Obj)>) -> Vec<SampleFile> {
    // The export covers the month and nothing else.
    let inside = |(t, _): &(i64, Obj)| world::in_window(*t);
    activity.retain(inside);
    vault.retain(inside);
    trail.retain(inside);
    // `az monitor activity-log list` prints the newest events first.
    activity.sort_by_key(|(t, _)| std::cmp::Reverse(*t));
    vault.sort_by_key(|(t, _)| *t);
    trail.sort_by_key(|(t, _)| *t);
    let activity: Vec<J> = activity.into_iter().map(|(_, o)| J::Obj(o)).collect();
    let vault = Obj::new().with("records", vault.into_iter().map(|(_, o)| J::Obj(o)).collect::<Vec<J>>());
    let trail = Obj::new().with("Records", trail.into_iter().map(|(_, o)| J::Obj(o)).collect::<Vec<J>>());
    vec![
        SampleFile { name: FILE_AZURE_ACTIVITY.into(), contents: serde_json::to_vec_pretty(&J::Arr(activity)).unwrap_or_default() },
        SampleFile { name: FILE_KEY_VAULT.into(), contents: vault.to_json().into_bytes() },
        SampleFile { name: FILE_CLOUDTRAIL.into(), contents: trail.to_json().into_bytes() },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_the_services_write_them() {
        let t = clock::WINDOW_START + 16 * HOUR + 55 * MINUTE + 3 * SECOND;
        assert_eq!(aws_date(t), "Feb 2, 2026, 4:55:03 PM");
        assert_eq!(ticks(0), 621_355_968_000_000_000);
        assert!(weekday(0) && !weekday(5) && weekday(7));
    }
}
