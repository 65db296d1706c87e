//! Unified Audit Log records (`AuditData` objects, fields in the order the
//! service writes them) and the `Search-UnifiedAuditLog | Export-Csv` file
//! that carries them (Windows PowerShell 5: `#TYPE` line, every field
//! quoted, CRLF line ends, `CreationDate` in the exporting machine's locale
//! and time zone).

use super::super::clock;
use super::super::people::{User, EXCHANGE_SERVERS, ONMICROSOFT};
use super::super::records::UalRecord;
use super::super::rng::Rng;
use super::json::{name_value, Obj, J};

pub const TYPE_LINE: &str = "#TYPE Deserialized.Microsoft.Exchange.Data.ApplicationLogic.UnifiedAuditLogEvent";
pub const HEADERS: [&str; 11] =
    ["RunspaceId", "RecordType", "CreationDate", "UserIds", "Operations", "AuditData", "ResultIndex", "ResultCount", "Identity", "IsValid", "ObjectState"];

/// UTC offset of the machine that ran the export (an analyst in US Eastern).
pub const EXPORT_UTC_OFFSET: i64 = -5;

/// Where a mailbox action came from.
#[derive(Clone, Debug)]
pub struct Client {
    pub ip: String,
    /// Exchange's `ClientInfoString`, e.g. `Client=OWA;Mozilla/5.0 …`.
    pub info: String,
    pub app_id: String,
    /// Source port Exchange admin records append to `ClientIP`.
    pub port: u16,
}

/// Tenant-wide values every record carries.
#[derive(Clone, Debug)]
pub struct Org {
    pub id: String,
}

/// What kind of record: its operation, numeric `RecordType`, result and workload.
struct Kind<'a> {
    operation: &'a str,
    record_type: i64,
    /// SharePoint records have no `ResultStatus`.
    result: Option<&'a str>,
    workload: &'a str,
}

/// A mailbox action: when, whose mailbox, from which client, in which session.
#[derive(Clone, Copy, Debug)]
pub struct MailboxCall<'a> {
    pub time: i64,
    pub user: &'a User,
    pub client: &'a Client,
    pub session: &'a str,
}

/// The fields every record starts with.
fn common(org: &Org, time: i64, id: &str, kind: &Kind, user_key: &str) -> Obj {
    let mut o = Obj::new()
        .with("CreationTime", clock::ual_creation_time(time))
        .with("Id", id)
        .with("Operation", kind.operation)
        .with("OrganizationId", &org.id)
        .with("RecordType", kind.record_type);
    if let Some(result) = kind.result {
        o.push("ResultStatus", result);
    }
    o.with("UserKey", user_key).with("UserType", 0i64).with("Version", 1i64).with("Workload", kind.workload)
}

/// Exchange `LogonType`: who opened the mailbox relative to its owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogonType {
    Owner = 0,
    Admin = 1,
    Delegate = 2,
}

/// Fields every Exchange mailbox-audit record (RecordType 2 and 50) shares.
/// `owner` is whose mailbox it is; `user` who opened it.
fn mailbox_fields(mut o: Obj, rng: &mut Rng, user: &User, owner: &User, logon: LogonType, client: &Client) -> Obj {
    o.push("ClientIP", &client.ip);
    o.push("UserId", &user.upn);
    o.push("AppId", &client.app_id);
    o.push("ClientAppId", "");
    o.push("ClientIPAddress", &client.ip);
    o.push("ClientInfoString", &client.info);
    o.push("ExternalAccess", false);
    o.push("InternalLogonType", 0i64);
    o.push("LogonType", logon as i64);
    o.push("LogonUserSid", &user.sid);
    o.push("MailboxGuid", &owner.mailbox_guid);
    o.push("MailboxOwnerSid", &owner.sid);
    o.push("MailboxOwnerUPN", &owner.upn);
    o.push("OrganizationName", ONMICROSOFT);
    o.push("OriginatingServer", *rng.pick(&EXCHANGE_SERVERS));
    o
}

/// A message as a mailbox audit names it.
#[derive(Clone, Debug)]
pub struct MessageRef {
    pub internet_message_id: String,
    pub size: i64,
}

/// `MailItemsAccessed` (RecordType 50): one folder's bound or synced items.
pub fn mail_items_accessed(org: &Org, rng: &mut Rng, call: MailboxCall, access: &str, folder: &str, items: &[MessageRef]) -> UalRecord {
    let owner = call.user;
    mail_items_accessed_in(org, rng, call, owner, LogonType::Owner, access, folder, items)
}

/// `MailItemsAccessed` in `owner`'s mailbox by `call.user` (a delegate with
/// FullAccess, or an admin): `MailboxOwnerUPN` then differs from `UserId`.
#[allow(clippy::too_many_arguments)]
pub fn mail_items_accessed_in(org: &Org, rng: &mut Rng, call: MailboxCall, owner: &User, logon: LogonType, access: &str, folder: &str, items: &[MessageRef]) -> UalRecord {
    let MailboxCall { time, user, client, session } = call;
    let id = rng.guid();
    let kind = Kind { operation: "MailItemsAccessed", record_type: 50, result: Some("Succeeded"), workload: "Exchange" };
    let o = common(org, time, &id, &kind, &user.puid);
    let mut o = mailbox_fields(o, rng, user, owner, logon, client);
    o.push("OperationProperties", vec![name_value("MailAccessType", access), name_value("IsThrottled", "False")]);
    o.push("SessionId", session);
    let folder_items: Vec<J> = items
        .iter()
        .map(|m| J::Obj(Obj::new().with("InternetMessageId", &m.internet_message_id).with("SizeInBytes", m.size)))
        .collect();
    let folder_id = format!("LgAAAAA{}AQ{}AAAC", rng.base64ish(40), rng.base64ish(18));
    if access == "Sync" {
        o.push("Folders", vec![J::Obj(Obj::new().with("Id", folder_id).with("Path", folder))]);
    } else {
        o.push("Folders", vec![J::Obj(Obj::new().with("FolderItems", folder_items).with("Id", folder_id).with("Path", folder))]);
    }
    o.push("OperationCount", items.len().max(1) as i64);
    UalRecord { time, id, record_type: "ExchangeItemAggregated", operation: "MailItemsAccessed".into(), user_id: user.upn.clone(), audit_data: o }
}

/// `Send` (RecordType 2): a message sent from the mailbox.
pub fn send(org: &Org, rng: &mut Rng, call: MailboxCall, subject: &str, message: &MessageRef) -> UalRecord {
    let MailboxCall { time, user, client, session } = call;
    let id = rng.guid();
    let kind = Kind { operation: "Send", record_type: 2, result: Some("Succeeded"), workload: "Exchange" };
    let o = common(org, time, &id, &kind, &user.puid);
    let mut o = mailbox_fields(o, rng, user, user, LogonType::Owner, client);
    o.push("SessionId", session);
    let item = Obj::new()
        .with("Id", format!("RgAAAAD{}BwA{}AAA=", rng.base64ish(44), rng.base64ish(22)))
        .with("InternetMessageId", &message.internet_message_id)
        .with("ParentFolder", Obj::new().with("Id", format!("LgAAAAA{}AQ{}AAAB", rng.base64ish(40), rng.base64ish(18))).with("Path", "\\Sent Items"))
        .with("SizeInBytes", message.size)
        .with("Subject", subject);
    o.push("Item", item);
    UalRecord { time, id, record_type: "ExchangeItem", operation: "Send".into(), user_id: user.upn.clone(), audit_data: o }
}

/// `New-InboxRule` (RecordType 1, ExchangeAdmin) with its cmdlet parameters.
pub fn new_inbox_rule(org: &Org, rng: &mut Rng, call: MailboxCall, rule_name: &str, parameters: &[(&str, String)]) -> UalRecord {
    let mut params = vec![("AlwaysDeleteOutlookRulesBlob", "False".to_string()), ("Force", "False".to_string())];
    params.extend(parameters.iter().cloned());
    let object_id = format!("{}\\{}", call.user.upn, rule_name);
    admin_cmdlet(org, rng, call, "New-InboxRule", &object_id, &params)
}

/// An Exchange admin cmdlet (RecordType 1, ExchangeAdmin), e.g.
/// `Add-MailboxPermission`, with its parameters in the order given.
pub fn admin_cmdlet(org: &Org, rng: &mut Rng, call: MailboxCall, operation: &str, object_id: &str, parameters: &[(&str, String)]) -> UalRecord {
    let MailboxCall { time, user, client, session } = call;
    let id = rng.guid();
    let kind = Kind { operation, record_type: 1, result: Some("True"), workload: "Exchange" };
    let mut o = common(org, time, &id, &kind, &user.puid);
    let ip = if client.ip.contains(':') { format!("[{}]:{}", client.ip, client.port) } else { format!("{}:{}", client.ip, client.port) };
    o.push("ClientIP", ip);
    o.push("ObjectId", object_id);
    o.push("UserId", &user.upn);
    o.push("AppId", &client.app_id);
    o.push("ClientAppId", "");
    o.push("ExternalAccess", false);
    o.push("OrganizationName", ONMICROSOFT);
    o.push("OriginatingServer", *rng.pick(&EXCHANGE_SERVERS));
    let params: Vec<J> = parameters.iter().map(|(n, v)| name_value(n, v.as_str())).collect();
    o.push("Parameters", params);
    o.push("SessionId", session);
    UalRecord { time, id, record_type: "ExchangeAdmin", operation: operation.into(), user_id: user.upn.clone(), audit_data: o }
}

/// A OneDrive or SharePoint file, as file operations name it.
#[derive(Clone, Debug)]
pub struct FileRef {
    /// `https://…/personal/user/` or `https://…/sites/Finance/`.
    pub site_url: String,
    /// Folder under the site, e.g. `Documents/Payments` or `Shared Documents`.
    pub folder: String,
    pub name: String,
    pub onedrive: bool,
    pub site_id: String,
    pub web_id: String,
    pub list_id: String,
}

/// How a browser or sync client looks in SharePoint records.
#[derive(Clone, Debug)]
pub struct FileClient {
    pub ip: String,
    pub user_agent: String,
    pub browser: String,
    pub browser_version: String,
    pub platform: String,
    pub device: String,
    pub managed: bool,
    pub app_id: String,
}

/// SharePoint/OneDrive file operation (RecordType 6), e.g. `FileDownloaded`.
pub fn file_operation(org: &Org, rng: &mut Rng, time: i64, user: &User, client: &FileClient, operation: &str, file: &FileRef) -> UalRecord {
    let id = rng.guid();
    let workload = if file.onedrive { "OneDrive" } else { "SharePoint" };
    let user_key = format!("i:0h.f|membership|{}@live.com", user.puid.to_ascii_lowercase());
    let kind = Kind { operation, record_type: 6, result: None, workload };
    let mut o = common(org, time, &id, &kind, &user_key);
    let extension = file.name.rsplit('.').next().unwrap_or("").to_string();
    o.push("ClientIP", &client.ip);
    o.push("ObjectId", format!("{}{}/{}", file.site_url, file.folder, file.name));
    o.push("UserId", &user.upn);
    o.push("CorrelationId", rng.guid());
    o.push("EventSource", "SharePoint");
    o.push("ItemType", "File");
    o.push("ListId", &file.list_id);
    o.push("ListItemUniqueId", rng.guid());
    o.push("Site", &file.site_id);
    o.push("UserAgent", &client.user_agent);
    o.push("WebId", &file.web_id);
    o.push("ApplicationId", &client.app_id);
    o.push("AuthenticationType", "OAuth");
    o.push("BrowserName", &client.browser);
    o.push("BrowserVersion", &client.browser_version);
    o.push("DeviceDisplayName", &client.device);
    o.push("GeoLocation", "NAM");
    o.push("IsManagedDevice", client.managed);
    o.push("Platform", &client.platform);
    o.push("HighPriorityMediaProcessing", false);
    o.push("SourceFileExtension", extension);
    o.push("SiteUrl", &file.site_url);
    o.push("SourceFileName", &file.name);
    o.push("SourceRelativeUrl", &file.folder);
    UalRecord { time, id, record_type: "SharePointFileOperation", operation: operation.into(), user_id: user.upn.clone(), audit_data: o }
}

/// The application a user consented to, as Entra records name it.
#[derive(Clone, Debug)]
pub struct ConsentedApp {
    pub name: String,
    pub app_id: String,
    pub sp_object_id: String,
    pub grant_id: String,
    pub graph_sp_id: String,
    pub scopes: String,
}

/// `Consent to application.` (RecordType 8, AzureActiveDirectory): the UAL
/// copy of the Entra audit event.
pub fn consent_to_application(org: &Org, rng: &mut Rng, time: i64, user: &User, app: &ConsentedApp, user_agent: &str) -> UalRecord {
    let id = rng.guid();
    let kind = Kind { operation: "Consent to application.", record_type: 8, result: Some("Success"), workload: "AzureActiveDirectory" };
    let mut o = common(org, time, &id, &kind, &format!("{}@{}", user.puid, ONMICROSOFT));
    o.push("ClientIP", "");
    o.push("ObjectId", &app.sp_object_id);
    o.push("UserId", &user.upn);
    o.push("AzureActiveDirectoryEventType", 1i64);
    let details = Obj::new().with("User-Agent", user_agent).with("AppId", &app.app_id).with("ServicePrincipalProvisioningType", "Consent");
    o.push("ExtendedProperties", vec![name_value("additionalDetails", details.to_json()), name_value("extendedAuditEventCategory", "ServicePrincipal")]);
    let permissions = format!(
        "[] => [[Id: {}, ClientId: {}, PrincipalId: {}, ResourceId: {}, ConsentType: Principal, Scope: {}, CreatedDateTime: , LastModifiedDateTime ]]; ",
        app.grant_id, app.sp_object_id, user.id, app.graph_sp_id, app.scopes
    );
    let modified = |name: &str, new: &str| J::Obj(Obj::new().with("Name", name).with("NewValue", new).with("OldValue", ""));
    o.push(
        "ModifiedProperties",
        vec![
            modified("ConsentContext.IsAdminConsent", "False"),
            modified("ConsentContext.IsAppOnly", "False"),
            modified("ConsentContext.OnBehalfOfAll", "False"),
            modified("ConsentContext.Tags", "WindowsAzureActiveDirectoryIntegratedApp"),
            modified("ConsentAction.Permissions", &permissions),
            modified("ConsentAction.Reason", "Risky application detected"),
            modified("TargetId.ServicePrincipalNames", &app.app_id),
        ],
    );
    o.push("Actor", vec![J::Obj(Obj::new().with("ID", &user.upn).with("Type", 5i64)), J::Obj(Obj::new().with("ID", format!("User_{}", user.id)).with("Type", 2i64)), J::Obj(Obj::new().with("ID", &user.id).with("Type", 2i64))]);
    o.push("ActorContextId", &org.id);
    o.push("InterSystemsId", rng.guid());
    o.push("IntraSystemId", rng.guid());
    o.push("SupportTicketId", "");
    o.push(
        "Target",
        vec![
            J::Obj(Obj::new().with("ID", format!("ServicePrincipal_{}", app.sp_object_id)).with("Type", 2i64)),
            J::Obj(Obj::new().with("ID", &app.sp_object_id).with("Type", 2i64)),
            J::Obj(Obj::new().with("ID", &app.name).with("Type", 1i64)),
            J::Obj(Obj::new().with("ID", &app.app_id).with("Type", 2i64)),
        ],
    );
    o.push("TargetContextId", &org.id);
    UalRecord { time, id, record_type: "AzureActiveDirectory", operation: "Consent to application.".into(), user_id: user.upn.clone(), audit_data: o }
}

/// The export file. `searches` are the result sets of separate
/// `Search-UnifiedAuditLog` runs appended to one file (each numbered from 1,
/// newest first), which is how one record can appear twice.
pub fn write(searches: &[(String, Vec<&UalRecord>)]) -> Vec<u8> {
    let mut out = csv::WriterBuilder::new().quote_style(csv::QuoteStyle::Always).terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let _ = out.write_record(HEADERS);
    for (runspace, records) in searches {
        let mut rows = records.clone();
        rows.sort_by(|a, b| b.time.cmp(&a.time).then_with(|| a.id.cmp(&b.id)));
        let count = rows.len().to_string();
        for (i, r) in rows.iter().enumerate() {
            let row = [
                runspace.clone(),
                r.record_type.to_string(),
                clock::en_us_local(r.time, EXPORT_UTC_OFFSET),
                r.user_id.clone(),
                r.operation.clone(),
                r.audit_data.to_json(),
                (i + 1).to_string(),
                count.clone(),
                r.id.clone(),
                "True".into(),
                "Unchanged".into(),
            ];
            let _ = out.write_record(&row);
        }
    }
    let body = out.into_inner().unwrap_or_default();
    let mut file = format!("{TYPE_LINE}\r\n").into_bytes();
    file.extend_from_slice(&body);
    file
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(time: i64, id: &str) -> UalRecord {
        let audit_data = Obj::new().with("CreationTime", clock::ual_creation_time(time)).with("Id", id).with("Subject", "a \"quoted\", comma");
        UalRecord { time, id: id.into(), record_type: "ExchangeItem", operation: "Send".into(), user_id: "u@larkspurfreight.example".into(), audit_data }
    }

    #[test]
    fn writes_powershell_5_export_csv() {
        let (a, b) = (record(1_000, "id-a"), record(2_000, "id-b"));
        let bytes = write(&[("run-1".into(), vec![&a, &b]), ("run-2".into(), vec![&a])]);
        let text = String::from_utf8(bytes).unwrap_or_default();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0], TYPE_LINE);
        assert!(lines[1].starts_with("\"RunspaceId\",\"RecordType\",\"CreationDate\""));
        assert!(lines[2].starts_with("\"run-1\",\"ExchangeItem\",\"12/31/1969 7:00:02 PM\",\"u@larkspurfreight.example\",\"Send\",\"{\"\"CreationTime\"\":\"\"1970-01-01T00:00:02\"\",\"\"Id\"\":\"\"id-b\"\""), "{}", lines[2]);
        assert!(lines[2].ends_with("\"1\",\"2\",\"id-b\",\"True\",\"Unchanged\""));
        assert!(lines[4].starts_with("\"run-2\"") && lines[4].contains("\"1\",\"1\",\"id-a\""));
        assert_eq!(lines.len(), 6, "three records and a final line break");
    }
}
