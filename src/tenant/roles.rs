//! Directory roles that matter to an intruder, by role template id. The
//! template ids of built-in roles are the same in every tenant (Microsoft's
//! "Microsoft Entra built-in roles" reference lists them), and a built-in
//! role's `roleDefinitionId` in an assignment is its template id.

use crate::detect::Severity;

/// A privileged built-in role: its template id, name and how much a new
/// holder of it matters.
pub struct PrivilegedRole {
    pub template_id: &'static str,
    pub name: &'static str,
    pub risk: Severity,
}

const fn role(template_id: &'static str, name: &'static str, risk: Severity) -> PrivilegedRole {
    PrivilegedRole { template_id, name, risk }
}

/// Roles that can take over the tenant (critical), or its apps, mail, users
/// or security settings (high). Others are not listed: a new holder of them
/// is reported as a plain change.
pub const PRIVILEGED_ROLES: [PrivilegedRole; 24] = [
    role("62e90394-69f5-4237-9190-012177145e10", "Global Administrator", Severity::Critical),
    role("e8611ab8-c189-46e8-94e1-60213ab1f814", "Privileged Role Administrator", Severity::Critical),
    role("7be44c8a-adaf-4e2a-84d6-ab2649e08a13", "Privileged Authentication Administrator", Severity::Critical),
    role("8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2", "Hybrid Identity Administrator", Severity::Critical),
    role("be2f45a1-457d-42af-a067-6ec1fa63bc45", "External Identity Provider Administrator", Severity::High),
    role("8329153b-31d0-4727-b945-745eb3bc5f31", "Domain Name Administrator", Severity::High),
    role("d29b2b05-8046-44ba-8758-1e26182fcf32", "Directory Synchronization Accounts", Severity::High),
    role("9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", "Application Administrator", Severity::High),
    role("158c047a-c907-4556-b7ef-446551a6b5f7", "Cloud Application Administrator", Severity::High),
    role("29232cdf-9323-42fd-ade2-1d097af3e4de", "Exchange Administrator", Severity::High),
    role("194ae4cb-b126-40b2-bd5b-6091b380977d", "Security Administrator", Severity::High),
    role("b1be1c3e-b65d-4f19-8427-f6fa0d97feb9", "Conditional Access Administrator", Severity::High),
    role("c4e39bd9-1100-46d3-8c65-fb160da0071f", "Authentication Administrator", Severity::High),
    role("0526716b-113d-4c15-b2c8-68e3c22b9f80", "Authentication Policy Administrator", Severity::High),
    role("fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator", Severity::High),
    role("f28a1f50-f6e7-4571-818b-6a12f2af6b6c", "SharePoint Administrator", Severity::High),
    role("3a2c62db-5318-420d-8d74-23affee5d9d5", "Intune Administrator", Severity::High),
    role("69091246-20e8-4a56-aa4d-066075b2a7a8", "Teams Administrator", Severity::High),
    role("9360feb5-f418-4baa-8175-e2a00bac4301", "Directory Writers", Severity::High),
    role("729827e3-9c14-49f7-bb1b-9608f156bbb8", "Helpdesk Administrator", Severity::Medium),
    role("966707d0-3269-4727-9be2-8c3a10f19b9d", "Password Administrator", Severity::Medium),
    role("fdd7a751-b60b-444a-984c-02652fe8fa1c", "Groups Administrator", Severity::Medium),
    role("17315797-102d-40b4-93e0-432062caca18", "Compliance Administrator", Severity::Medium),
    role("f2ef992c-3afb-46b9-b7cf-a126ee74c451", "Global Reader", Severity::Medium),
];

/// The privileged role with this template id (any case).
pub fn privileged_role(template_id: &str) -> Option<&'static PrivilegedRole> {
    PRIVILEGED_ROLES.iter().find(|r| r.template_id.eq_ignore_ascii_case(template_id.trim()))
}

/// The privileged role with this display name (reports that name roles
/// rather than give their ids). "Company Administrator" is the old name of
/// Global Administrator, still seen in older exports.
pub fn privileged_role_by_name(name: &str) -> Option<&'static PrivilegedRole> {
    let name = name.trim();
    let name = if name.eq_ignore_ascii_case("Company Administrator") { "Global Administrator" } else { name };
    PRIVILEGED_ROLES.iter().find(|r| r.name.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_up_by_template_id() {
        assert_eq!(privileged_role("62E90394-69F5-4237-9190-012177145E10").map(|r| r.name), Some("Global Administrator"));
        assert_eq!(privileged_role("158c047a-c907-4556-b7ef-446551a6b5f7").map(|r| r.risk), Some(Severity::High));
        assert!(privileged_role("88d8e3e3-8f55-4a1e-953a-9b9898b8876b").is_none(), "Directory Readers is not privileged");
        let mut ids: Vec<&str> = PRIVILEGED_ROLES.iter().map(|r| r.template_id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), PRIVILEGED_ROLES.len());
        assert_eq!(privileged_role_by_name("company administrator").map(|r| r.template_id), Some("62e90394-69f5-4237-9190-012177145e10"));
        assert!(privileged_role_by_name("Directory Readers").is_none());
    }
}
