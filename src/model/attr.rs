//! Names of the extra fields parsers keep in `Event::attrs`. Parsers of
//! different export layouts map their own column names onto these, so
//! detections read one name whatever file the event came from.
//! A field with no entry here is kept under the source's own name.

/// The record's own id (`Event::record_id`), as the store exposes it.
pub const RECORD_ID: &str = "RecordId";

// Sign-in log
pub const USER_ID: &str = "UserId";
pub const USER_DISPLAY_NAME: &str = "UserDisplayName";
pub const APP_ID: &str = "AppId";
pub const RESOURCE: &str = "Resource";
pub const RESOURCE_ID: &str = "ResourceId";
pub const CLIENT_APP: &str = "ClientApp";
pub const SIGNIN_ID: &str = "RequestId";
pub const CORRELATION_ID: &str = "CorrelationId";
pub const ERROR_CODE: &str = "ErrorCode";
pub const FAILURE_REASON: &str = "FailureReason";
pub const RISK_LEVEL_AGGREGATED: &str = "RiskLevelAggregated";
pub const RISK_LEVEL_DURING_SIGNIN: &str = "RiskLevelDuringSignIn";
pub const RISK_STATE: &str = "RiskState";
pub const RISK_DETAIL: &str = "RiskDetail";
pub const RISK_EVENT_TYPES: &str = "RiskEventTypes";
pub const AUTH_REQUIREMENT: &str = "AuthenticationRequirement";
pub const MFA_RESULT: &str = "MfaResult";
pub const MFA_METHOD: &str = "MfaMethod";
pub const CONDITIONAL_ACCESS: &str = "ConditionalAccessStatus";
pub const DEVICE_ID: &str = "DeviceId";
pub const DEVICE_NAME: &str = "DeviceName";
pub const DEVICE_OS: &str = "OperatingSystem";
pub const DEVICE_BROWSER: &str = "Browser";
pub const DEVICE_COMPLIANT: &str = "IsCompliant";
pub const DEVICE_MANAGED: &str = "IsManaged";
pub const DEVICE_TRUST: &str = "TrustType";
pub const SIGNIN_EVENT_TYPE: &str = "SignInEventType";
pub const INTERACTIVE: &str = "IsInteractive";
pub const TOKEN_ISSUER_TYPE: &str = "TokenIssuerType";
pub const STATE_PROVINCE: &str = "StateProvince";

// Directory audit log
pub const CATEGORY: &str = "Category";
pub const SERVICE: &str = "LoggedByService";
pub const RESULT_REASON: &str = "ResultReason";
pub const TARGET_TYPE: &str = "TargetType";
pub const TARGET_ID: &str = "TargetId";
/// JSON text: `[{"target":…, "property":…, "old":…, "new":…}]`.
pub const MODIFIED_PROPERTIES: &str = "ModifiedProperties";
/// JSON text: the audit record's `additionalDetails` as `{key: value}`.
pub const ADDITIONAL_DETAILS: &str = "AdditionalDetails";
pub const INITIATED_BY_APP: &str = "InitiatedByApp";
pub const ACTIVITY_ID: &str = "ActivityId";

// Unified Audit Log
pub const WORKLOAD: &str = "Workload";
pub const RECORD_TYPE: &str = "RecordType";
pub const OBJECT_ID: &str = "ObjectId";
pub const USER_TYPE: &str = "UserType";
pub const MAILBOX_OWNER: &str = "MailboxOwnerUPN";
pub const LOGON_TYPE: &str = "LogonType";
pub const SITE_URL: &str = "SiteUrl";
pub const SOURCE_FILE_NAME: &str = "SourceFileName";
pub const FILE_SIZE: &str = "FileSizeBytes";
pub const CLIENT_INFO: &str = "ClientInfoString";
pub const SESSION_ID: &str = "SessionId";
/// Cmdlet parameters are kept as `Param.<Name>` (e.g. `Param.ForwardTo`).
pub const PARAM_PREFIX: &str = "Param.";
/// Count of mail items in a MailItemsAccessed / folder-bind record.
pub const ITEM_COUNT: &str = "ItemCount";

// Cloud infrastructure logs (Azure Activity, CloudTrail, Google Cloud audit)
/// The cloud service called: `iam.amazonaws.com`, `Microsoft.Compute`,
/// `compute.googleapis.com`.
pub const CLOUD_SERVICE: &str = "CloudService";
/// The operation's display name where the log has one besides its
/// canonical name (Azure `operationName.localizedValue`).
pub const OPERATION_DISPLAY: &str = "OperationDisplayName";
/// Subscription, AWS account or Google Cloud project the event is in.
pub const CLOUD_ACCOUNT: &str = "CloudAccount";
/// AWS region or Azure / Google Cloud location.
pub const CLOUD_REGION: &str = "CloudRegion";
/// The identity's type as the log states it (`AssumedRole`, `IAMUser`, `User`).
pub const IDENTITY_TYPE: &str = "IdentityType";
/// The session or federated name behind a role: for a role assumed through
/// Entra ID (SAML or OIDC) this is usually the user's UPN, which is how a
/// suspect account is found in AWS.
pub const FEDERATED_NAME: &str = "FederatedName";
/// The role or issuer a federated session came through (AWS `sessionIssuer.arn`).
pub const SESSION_ISSUER: &str = "SessionIssuer";
/// The log's own status text (`Succeeded`, `Started`, `AccessDenied`, `7`).
pub const STATUS: &str = "Status";
pub const ERROR_MESSAGE: &str = "ErrorMessage";
/// JSON text: the request's parameters (CloudTrail `requestParameters`,
/// Google Cloud `request`, Azure `properties.requestbody` or `properties`).
pub const REQUEST: &str = "Request";
/// JSON text: the response (CloudTrail `responseElements`, Google Cloud `response`).
pub const RESPONSE: &str = "Response";
/// Access key that signed the request (AWS).
pub const ACCESS_KEY_ID: &str = "AccessKeyId";
/// Whether the identity used MFA for the session, as the log says.
pub const MFA_AUTHENTICATED: &str = "MfaAuthenticated";

// Microsoft Graph activity log
/// The request's own id: the record id of a Graph activity row. The same
/// key as `SIGNIN_ID`, so a `RequestId:` query finds either.
pub const REQUEST_ID: &str = "RequestId";
/// The HTTP method as sent (`GET`, `POST` …).
pub const HTTP_METHOD: &str = "RequestMethod";
/// The HTTP status Graph answered with (`200`, `403` …).
pub const HTTP_STATUS: &str = "ResponseStatusCode";
pub const RESPONSE_SIZE: &str = "ResponseSizeBytes";
pub const API_VERSION: &str = "ApiVersion";
/// Shared by the requests of one `$batch`; otherwise one per request.
pub const OPERATION_ID: &str = "OperationId";
pub const CLIENT_REQUEST_ID: &str = "ClientRequestId";
/// The calling service principal's object id (app-only tokens).
pub const SERVICE_PRINCIPAL_ID: &str = "ServicePrincipalId";
/// Delegated permissions in the token, space-separated (`Mail.Read User.Read`).
pub const SCOPES: &str = "Scopes";
/// Application permissions in the token, space-separated (`Mail.Read`).
pub const ROLES: &str = "Roles";
/// The sign-in that issued the token: the sign-in log's `UniqueTokenIdentifier`.
pub const SIGNIN_ACTIVITY_ID: &str = "SignInActivityId";
pub const TOKEN_ISSUED_AT: &str = "TokenIssuedAt";
/// How the client proved itself: public client, client secret or certificate.
pub const CLIENT_AUTH_METHOD: &str = "ClientAuthMethod";
/// The Entra tenant (Log Analytics' own `TenantId` is the workspace).
pub const ENTRA_TENANT_ID: &str = "AadTenantId";

// Exchange Online message trace
/// The message's subject as the trace shows it (the admin center's report
/// cuts it at 256 characters).
pub const SUBJECT: &str = "Subject";
/// The `Message-ID` header, the same for every recipient of one message.
pub const MESSAGE_ID: &str = "MessageId";
/// Exchange's id of one message's trace (`MessageTraceId`; the admin
/// center's `network_message_id`, which is the same value without dashes).
pub const MESSAGE_TRACE_ID: &str = "MessageTraceId";
/// The delivery status as the trace wrote it (`Delivered`, `Failed` …).
pub const DELIVERY_STATUS: &str = "DeliveryStatus";
pub const MESSAGE_SIZE: &str = "SizeBytes";
/// The address the message was handed to (outbound mail: the receiving
/// server's). Where it came from is the event's `ip`.
pub const TO_IP: &str = "ToIP";
/// `Inbound` or `Outbound` where the export says which (the admin center's
/// `directionality`).
pub const DIRECTION: &str = "Direction";
pub const CONNECTOR: &str = "Connector";

// Entra ID Protection (risk detections, risky users and service principals).
// A detection's sign-in is under `SIGNIN_ID` and `CORRELATION_ID`, the
// sign-in log's own keys, so `RequestId:` finds both rows.
/// `low`, `medium`, `high`, `hidden` or `none`: of the detection, or of the
/// user or service principal for a risk state row.
pub const RISK_LEVEL: &str = "RiskLevel";
/// `realtime`, `nearRealtime` or `offline`.
pub const DETECTION_TIMING: &str = "DetectionTimingType";
/// Who detected it (`IdentityProtection`, `MicrosoftCloudAppSecurity` …).
pub const RISK_SOURCE: &str = "RiskSource";
/// What the detection is tied to: `signin`, `user` or `servicePrincipal`.
pub const RISK_ACTIVITY: &str = "RiskActivity";
/// JSON text: the detection's `additionalInfo` (user agent, alert URL …).
pub const ADDITIONAL_INFO: &str = "AdditionalInfo";
pub const DETECTED_AT: &str = "DetectedDateTime";
pub const LAST_UPDATED: &str = "LastUpdatedDateTime";
/// The object id of who changed a risk state (`riskyUserHistoryItem`).
pub const INITIATED_BY: &str = "InitiatedBy";
/// Which credentials of a service principal a detection names.
pub const KEY_IDS: &str = "KeyIds";
/// What a row is: `detection`, `user risk state` or `service principal risk state`.
pub const RISK_RECORD: &str = "RiskRecord";
