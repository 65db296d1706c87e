//! What a tenant configuration object is, told from its content: the
//! object's own `@odata.type`, else the `@odata.context` of the page (or of
//! the object) it came in, else the properties it has.

use serde_json::{Map, Value};

/// The kinds of tenant configuration Loupe understands. Anything else is
/// kept as `Other` with the type name the export gave it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectKind {
    ConditionalAccessPolicy,
    NamedLocation,
    Application,
    ServicePrincipal,
    /// Delegated permissions granted to an app (`oAuth2PermissionGrant`).
    OAuth2PermissionGrant,
    /// An app role (application permission, or a user's access to an app).
    AppRoleAssignment,
    /// An active directory role assignment, including PIM assignment schedules.
    RoleAssignment,
    /// A PIM eligibility (schedule or instance): the principal can activate the role.
    RoleEligibility,
    RoleDefinition,
    Domain,
    /// A federated domain's settings (`internalDomainFederation`).
    FederationConfiguration,
    AuthenticationMethodsPolicy,
    /// One method's settings, exported on its own (`…AuthenticationMethodConfiguration`).
    AuthenticationMethodConfiguration,
    /// One sign-in method registered by a user (`…AuthenticationMethod`).
    AuthenticationMethod,
    User,
    /// An Outlook inbox rule of one mailbox (`Get-InboxRule`, as exported
    /// by Extractor-Suite or Hawk).
    InboxRule,
    /// A mailbox's forwarding settings (`ForwardingSmtpAddress` …).
    MailboxForwarding,
    /// An Exchange mail flow (transport) rule.
    TransportRule,
    /// One right (FullAccess, SendAs, SendOnBehalf, an Inbox folder right)
    /// one trustee holds on one mailbox.
    MailboxPermission,
    /// Whether a mailbox's actions are audited.
    MailboxAuditSetting,
    /// A Graph type Loupe has no rules for; diffed generically.
    Other(String),
}

/// Every kind with rules, in the order reports list them.
pub const KNOWN_KINDS: [ObjectKind; 20] = [
    ObjectKind::ConditionalAccessPolicy,
    ObjectKind::NamedLocation,
    ObjectKind::AuthenticationMethodsPolicy,
    ObjectKind::AuthenticationMethodConfiguration,
    ObjectKind::Domain,
    ObjectKind::FederationConfiguration,
    ObjectKind::Application,
    ObjectKind::ServicePrincipal,
    ObjectKind::OAuth2PermissionGrant,
    ObjectKind::AppRoleAssignment,
    ObjectKind::RoleAssignment,
    ObjectKind::RoleEligibility,
    ObjectKind::RoleDefinition,
    ObjectKind::User,
    ObjectKind::AuthenticationMethod,
    ObjectKind::InboxRule,
    ObjectKind::MailboxForwarding,
    ObjectKind::TransportRule,
    ObjectKind::MailboxPermission,
    ObjectKind::MailboxAuditSetting,
];

impl ObjectKind {
    /// The name used in JSON output (Graph's own type name, camelCase).
    pub fn slug(&self) -> &str {
        match self {
            ObjectKind::ConditionalAccessPolicy => "conditionalAccessPolicy",
            ObjectKind::NamedLocation => "namedLocation",
            ObjectKind::Application => "application",
            ObjectKind::ServicePrincipal => "servicePrincipal",
            ObjectKind::OAuth2PermissionGrant => "oauth2PermissionGrant",
            ObjectKind::AppRoleAssignment => "appRoleAssignment",
            ObjectKind::RoleAssignment => "roleAssignment",
            ObjectKind::RoleEligibility => "roleEligibility",
            ObjectKind::RoleDefinition => "roleDefinition",
            ObjectKind::Domain => "domain",
            ObjectKind::FederationConfiguration => "federationConfiguration",
            ObjectKind::AuthenticationMethodsPolicy => "authenticationMethodsPolicy",
            ObjectKind::AuthenticationMethodConfiguration => "authenticationMethodConfiguration",
            ObjectKind::AuthenticationMethod => "authenticationMethod",
            ObjectKind::User => "user",
            ObjectKind::InboxRule => "inboxRule",
            ObjectKind::MailboxForwarding => "mailboxForwarding",
            ObjectKind::TransportRule => "transportRule",
            ObjectKind::MailboxPermission => "mailboxPermission",
            ObjectKind::MailboxAuditSetting => "mailboxAuditSetting",
            ObjectKind::Other(name) => name,
        }
    }

    /// A short human label ("Conditional Access policy").
    pub fn label(&self) -> &str {
        match self {
            ObjectKind::ConditionalAccessPolicy => "Conditional Access policy",
            ObjectKind::NamedLocation => "named location",
            ObjectKind::Application => "app registration",
            ObjectKind::ServicePrincipal => "enterprise app (service principal)",
            ObjectKind::OAuth2PermissionGrant => "delegated permission grant",
            ObjectKind::AppRoleAssignment => "app role assignment",
            ObjectKind::RoleAssignment => "directory role assignment",
            ObjectKind::RoleEligibility => "PIM role eligibility",
            ObjectKind::RoleDefinition => "directory role definition",
            ObjectKind::Domain => "domain",
            ObjectKind::FederationConfiguration => "domain federation settings",
            ObjectKind::AuthenticationMethodsPolicy => "authentication methods policy",
            ObjectKind::AuthenticationMethodConfiguration => "authentication method settings",
            ObjectKind::AuthenticationMethod => "registered sign-in method",
            ObjectKind::User => "user",
            ObjectKind::InboxRule => "inbox rule",
            ObjectKind::MailboxForwarding => "mailbox forwarding",
            ObjectKind::TransportRule => "mail flow (transport) rule",
            ObjectKind::MailboxPermission => "mailbox permission",
            ObjectKind::MailboxAuditSetting => "mailbox audit setting",
            ObjectKind::Other(name) => name,
        }
    }

    pub fn is_known(&self) -> bool {
        !matches!(self, ObjectKind::Other(_))
    }
}

/// How the kind was decided, strongest first; reported so the analyst can
/// see when Loupe guessed from the shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Evidence {
    ODataType,
    Context,
    Shape,
}

/// The kind of one object. `page_context` is the `@odata.context` of the
/// page the object was listed in, if any. `None` when nothing says what it
/// is (the caller lists it as unknown).
pub fn classify(object: &Map<String, Value>, page_context: Option<&str>) -> Option<(ObjectKind, Evidence)> {
    if let Some(kind) = object.get("@odata.type").and_then(Value::as_str).and_then(from_odata_type) {
        return Some((kind, Evidence::ODataType));
    }
    let own_context = object.get("@odata.context").and_then(Value::as_str);
    if let Some(kind) = own_context.or(page_context).and_then(from_context) {
        return Some((kind, Evidence::Context));
    }
    if let Some(kind) = from_shape(object) {
        return Some((kind, Evidence::Shape));
    }
    // A type name Loupe has no rules for is still a name: keep it.
    let named = object.get("@odata.type").and_then(Value::as_str).map(short_type_name).filter(|n| !n.is_empty());
    let named = named.or_else(|| own_context.or(page_context).and_then(context_entity_name));
    named.map(|n| (ObjectKind::Other(n), Evidence::ODataType))
}

/// `#microsoft.graph.ipNamedLocation` → `ipNamedLocation`.
pub fn short_type_name(odata_type: &str) -> String {
    let t = odata_type.trim_start_matches('#');
    t.rsplit('.').next().unwrap_or(t).to_string()
}

fn from_odata_type(odata_type: &str) -> Option<ObjectKind> {
    let name = short_type_name(odata_type).to_ascii_lowercase();
    let kind = match name.as_str() {
        "conditionalaccesspolicy" => ObjectKind::ConditionalAccessPolicy,
        "namedlocation" | "ipnamedlocation" | "countrynamedlocation" | "compliantnetworknamedlocation" => ObjectKind::NamedLocation,
        "application" => ObjectKind::Application,
        "serviceprincipal" => ObjectKind::ServicePrincipal,
        "oauth2permissiongrant" => ObjectKind::OAuth2PermissionGrant,
        "approleassignment" => ObjectKind::AppRoleAssignment,
        "unifiedroleassignment" | "unifiedroleassignmentschedule" | "unifiedroleassignmentscheduleinstance" => ObjectKind::RoleAssignment,
        "unifiedroleeligibilityschedule" | "unifiedroleeligibilityscheduleinstance" => ObjectKind::RoleEligibility,
        "unifiedroledefinition" => ObjectKind::RoleDefinition,
        "domain" => ObjectKind::Domain,
        "internaldomainfederation" => ObjectKind::FederationConfiguration,
        "authenticationmethodspolicy" => ObjectKind::AuthenticationMethodsPolicy,
        "user" => ObjectKind::User,
        n if n.ends_with("authenticationmethodconfiguration") => ObjectKind::AuthenticationMethodConfiguration,
        n if n.ends_with("authenticationmethod") => ObjectKind::AuthenticationMethod,
        _ => return None,
    };
    Some(kind)
}

/// The path part of an `@odata.context` (after `$metadata#`), with key
/// segments and `$select` lists in parentheses and `/$entity` removed:
/// `…$metadata#domains('contoso.com')/federationConfiguration/$entity` →
/// `["domains", "federationConfiguration"]`.
fn context_segments(context: &str) -> Vec<String> {
    let path = context.split_once("$metadata#").map_or(context, |(_, p)| p);
    let mut clean = String::new();
    let mut depth = 0usize;
    for c in path.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => clean.push(c),
            _ => {}
        }
    }
    clean.split('/').filter(|s| !s.is_empty() && *s != "$entity").map(str::to_string).collect()
}

/// The first parenthesised key in a context after `segment`:
/// `users('abc')/authentication/methods`, `users` → `abc`.
pub fn context_key(context: &str, segment: &str) -> Option<String> {
    let path = context.split_once("$metadata#").map_or(context, |(_, p)| p);
    let at = path.find(&format!("{segment}("))? + segment.len() + 1;
    let rest = path.get(at..)?;
    let end = rest.find(')')?;
    let key = rest.get(..end)?.trim_matches(|c| c == '\'' || c == '"');
    (!key.is_empty() && !key.contains(',')).then(|| key.to_string())
}

/// The kind of the objects a page's `@odata.context` lists, if Loupe knows it.
pub fn from_context(context: &str) -> Option<ObjectKind> {
    if let Some(inner) = collection_type(context) {
        return from_odata_type(&inner);
    }
    let segments = context_segments(context);
    let lower: Vec<String> = segments.iter().map(|s| s.to_ascii_lowercase()).collect();
    let last = lower.last()?.as_str();
    let before = lower.len().checked_sub(2).and_then(|i| lower.get(i)).map_or("", String::as_str);
    let kind = match (before, last) {
        ("conditionalaccess", "policies") => ObjectKind::ConditionalAccessPolicy,
        (_, "namedlocations") => ObjectKind::NamedLocation,
        (_, "applications") => ObjectKind::Application,
        (_, "serviceprincipals") => ObjectKind::ServicePrincipal,
        (_, "oauth2permissiongrants") => ObjectKind::OAuth2PermissionGrant,
        (_, "approleassignedto" | "approleassignments") => ObjectKind::AppRoleAssignment,
        (_, "roleassignments" | "roleassignmentschedules" | "roleassignmentscheduleinstances") => ObjectKind::RoleAssignment,
        (_, "roleeligibilityschedules" | "roleeligibilityscheduleinstances") => ObjectKind::RoleEligibility,
        (_, "roledefinitions") => ObjectKind::RoleDefinition,
        (_, "domains") => ObjectKind::Domain,
        (_, "federationconfiguration") => ObjectKind::FederationConfiguration,
        (_, "authenticationmethodspolicy") => ObjectKind::AuthenticationMethodsPolicy,
        (_, "authenticationmethodconfigurations") => ObjectKind::AuthenticationMethodConfiguration,
        ("authentication", "methods") => ObjectKind::AuthenticationMethod,
        (_, "users") => ObjectKind::User,
        _ => return None,
    };
    Some(kind)
}

/// `…$metadata#Collection(microsoft.graph.user)` → `microsoft.graph.user`.
fn collection_type(context: &str) -> Option<String> {
    let path = context.split_once("$metadata#").map_or(context, |(_, p)| p);
    let inner = path.strip_prefix("Collection(")?.strip_suffix(')')?;
    Some(inner.to_string())
}

/// The entity set a context names, for listing unknown objects by name.
fn context_entity_name(context: &str) -> Option<String> {
    if let Some(inner) = collection_type(context) {
        return Some(short_type_name(&inner));
    }
    context_segments(context).last().cloned()
}

fn has(object: &Map<String, Value>, key: &str) -> bool {
    object.contains_key(key)
}

/// Recognise an object by the properties Graph gives each type.
fn from_shape(o: &Map<String, Value>) -> Option<ObjectKind> {
    let kind = if has(o, "conditions") && (has(o, "grantControls") || has(o, "sessionControls")) {
        ObjectKind::ConditionalAccessPolicy
    } else if has(o, "ipRanges") || has(o, "countriesAndRegions") {
        ObjectKind::NamedLocation
    } else if has(o, "servicePrincipalType") || (has(o, "appId") && has(o, "servicePrincipalNames")) {
        ObjectKind::ServicePrincipal
    } else if has(o, "appId") && (has(o, "requiredResourceAccess") || has(o, "signInAudience") || has(o, "passwordCredentials")) {
        ObjectKind::Application
    } else if has(o, "clientId") && has(o, "consentType") && has(o, "scope") {
        ObjectKind::OAuth2PermissionGrant
    } else if has(o, "appRoleId") && has(o, "principalId") && has(o, "resourceId") {
        ObjectKind::AppRoleAssignment
    } else if has(o, "roleDefinitionId") && has(o, "principalId") {
        let eligible = has(o, "roleEligibilityScheduleId")
            || (has(o, "scheduleInfo") && !has(o, "assignmentType"))
            || (has(o, "memberType") && !has(o, "assignmentType") && has(o, "endDateTime") && !has(o, "roleAssignmentOriginId"));
        if eligible {
            ObjectKind::RoleEligibility
        } else {
            ObjectKind::RoleAssignment
        }
    } else if has(o, "rolePermissions") || (has(o, "isBuiltIn") && has(o, "templateId")) {
        ObjectKind::RoleDefinition
    } else if has(o, "authenticationType") && has(o, "isVerified") {
        ObjectKind::Domain
    } else if has(o, "signingCertificate") || has(o, "issuerUri") || has(o, "passiveSignInUri") || has(o, "passiveLogOnUri") {
        ObjectKind::FederationConfiguration
    } else if has(o, "authenticationMethodConfigurations") {
        ObjectKind::AuthenticationMethodsPolicy
    } else if has(o, "userPrincipalName") {
        ObjectKind::User
    } else {
        return None;
    };
    Some(kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kind_of(v: Value, context: Option<&str>) -> Option<ObjectKind> {
        classify(v.as_object().expect("object"), context).map(|(k, _)| k)
    }

    #[test]
    fn odata_type_wins() {
        let v = json!({"@odata.type": "#microsoft.graph.countryNamedLocation", "id": "x", "userPrincipalName": "decoy"});
        assert_eq!(kind_of(v, Some("https://graph.microsoft.com/v1.0/$metadata#users")), Some(ObjectKind::NamedLocation));
        let m = json!({"@odata.type": "#microsoft.graph.phoneAuthenticationMethod", "id": "x"});
        assert_eq!(kind_of(m, None), Some(ObjectKind::AuthenticationMethod));
        let c = json!({"@odata.type": "#microsoft.graph.smsAuthenticationMethodConfiguration", "id": "Sms"});
        assert_eq!(kind_of(c, None), Some(ObjectKind::AuthenticationMethodConfiguration));
    }

    #[test]
    fn context_names_the_collection() {
        let ctx = |c: &str| kind_of(json!({"id": "1"}), Some(c));
        assert_eq!(ctx("https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/policies"), Some(ObjectKind::ConditionalAccessPolicy));
        assert_eq!(ctx("https://graph.microsoft.com/beta/$metadata#identity/conditionalAccess/policies/$entity"), Some(ObjectKind::ConditionalAccessPolicy));
        assert_eq!(ctx("https://graph.microsoft.com/v1.0/$metadata#domains('contoso.com')/federationConfiguration"), Some(ObjectKind::FederationConfiguration));
        assert_eq!(ctx("https://graph.microsoft.com/v1.0/$metadata#users(id,displayName,userPrincipalName)"), Some(ObjectKind::User));
        assert_eq!(ctx("https://graph.microsoft.com/v1.0/$metadata#users('9f1c')/authentication/methods"), Some(ObjectKind::AuthenticationMethod));
        assert_eq!(ctx("https://graph.microsoft.com/v1.0/$metadata#servicePrincipals('abc')/appRoleAssignedTo"), Some(ObjectKind::AppRoleAssignment));
        assert_eq!(ctx("https://graph.microsoft.com/v1.0/$metadata#roleManagement/directory/roleEligibilityScheduleInstances"), Some(ObjectKind::RoleEligibility));
        assert_eq!(ctx("https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.unifiedRoleDefinition)"), Some(ObjectKind::RoleDefinition));
        assert_eq!(context_key("https://x/$metadata#domains('contoso.com')/federationConfiguration", "domains").as_deref(), Some("contoso.com"));
        assert_eq!(context_key("https://x/$metadata#users(id,displayName)", "users"), None);
    }

    #[test]
    fn shape_when_nothing_else_says() {
        assert_eq!(kind_of(json!({"id": "1", "conditions": {}, "grantControls": null}), None), Some(ObjectKind::ConditionalAccessPolicy));
        assert_eq!(kind_of(json!({"id": "1", "ipRanges": []}), None), Some(ObjectKind::NamedLocation));
        assert_eq!(kind_of(json!({"id": "1", "appId": "a", "servicePrincipalType": "Application", "passwordCredentials": []}), None), Some(ObjectKind::ServicePrincipal));
        assert_eq!(kind_of(json!({"id": "1", "appId": "a", "passwordCredentials": [], "requiredResourceAccess": []}), None), Some(ObjectKind::Application));
        assert_eq!(kind_of(json!({"id": "1", "clientId": "c", "consentType": "AllPrincipals", "scope": "Mail.Read"}), None), Some(ObjectKind::OAuth2PermissionGrant));
        assert_eq!(kind_of(json!({"id": "1", "appRoleId": "r", "principalId": "p", "resourceId": "s"}), None), Some(ObjectKind::AppRoleAssignment));
        assert_eq!(kind_of(json!({"id": "1", "roleDefinitionId": "r", "principalId": "p", "directoryScopeId": "/"}), None), Some(ObjectKind::RoleAssignment));
        assert_eq!(kind_of(json!({"id": "1", "roleDefinitionId": "r", "principalId": "p", "directoryScopeId": "/", "scheduleInfo": {}}), None), Some(ObjectKind::RoleEligibility));
        assert_eq!(kind_of(json!({"id": "1", "roleDefinitionId": "r", "principalId": "p", "directoryScopeId": "/", "assignmentType": "Activated", "scheduleInfo": {}}), None), Some(ObjectKind::RoleAssignment));
        assert_eq!(kind_of(json!({"id": "1", "rolePermissions": []}), None), Some(ObjectKind::RoleDefinition));
        assert_eq!(kind_of(json!({"id": "contoso.com", "authenticationType": "Managed", "isVerified": true}), None), Some(ObjectKind::Domain));
        assert_eq!(kind_of(json!({"id": "1", "issuerUri": "http://idp/"}), None), Some(ObjectKind::FederationConfiguration));
        assert_eq!(kind_of(json!({"id": "authenticationMethodsPolicy", "authenticationMethodConfigurations": []}), None), Some(ObjectKind::AuthenticationMethodsPolicy));
        assert_eq!(kind_of(json!({"id": "1", "userPrincipalName": "a@b.c"}), None), Some(ObjectKind::User));
    }

    #[test]
    fn unknown_types_keep_their_name_or_none() {
        assert_eq!(kind_of(json!({"@odata.type": "#microsoft.graph.group", "id": "g"}), None), Some(ObjectKind::Other("group".into())));
        assert_eq!(kind_of(json!({"id": "g"}), Some("https://graph.microsoft.com/v1.0/$metadata#groups")), Some(ObjectKind::Other("groups".into())));
        assert_eq!(kind_of(json!({"foo": 1}), None), None);
    }
}
