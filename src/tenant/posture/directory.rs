//! Who is who in a snapshot, for deciding whether a policy applies to an
//! account: users by UPN, group and role membership when the export holds
//! it, guests, break-glass accounts, and readable names for ids.
//!
//! Membership is only as good as the export: a group listed without its
//! `members`, or a user without `memberOf`, leaves the answer unknown, and
//! the checks say "cannot judge" rather than guess.

use crate::tenant::kind::ObjectKind;
use crate::tenant::object::{canonical_id, TenantObject};
use crate::tenant::roles::privileged_role;
use crate::tenant::rules::role_template;
use crate::tenant::snapshot::Snapshot;
use serde_json::Value;

/// An answer the snapshot may not hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Known {
    Yes,
    No,
    Unknown,
}

pub struct Directory<'a> {
    pub snapshot: &'a Snapshot,
}

/// Words that mark an emergency access ("break-glass") account or group.
const BREAK_GLASS: [&str; 4] = ["breakglass", "break-glass", "break glass", "emergency"];

fn is_group_kind(kind: &ObjectKind) -> bool {
    matches!(kind, ObjectKind::Other(name) if name.eq_ignore_ascii_case("group") || name.eq_ignore_ascii_case("groups"))
}

/// The ids of the objects in an array property (`members`, `memberOf`).
fn ids_in(raw: &Value, key: &str) -> Option<Vec<String>> {
    let list = raw.get(key)?.as_array()?;
    Some(list.iter().filter_map(|m| m.get("id").and_then(Value::as_str).or_else(|| m.as_str())).map(canonical_id).collect())
}

impl<'a> Directory<'a> {
    pub fn new(snapshot: &'a Snapshot) -> Directory<'a> {
        Directory { snapshot }
    }

    /// The user with this UPN (or mail, or object id).
    pub fn user(&self, account: &str) -> Option<&'a TenantObject> {
        let account = account.trim();
        if let Some(u) = self.snapshot.get(&ObjectKind::User, account) {
            return Some(u);
        }
        self.snapshot.of_kind(&ObjectKind::User).find(|u| {
            ["userPrincipalName", "mail"].iter().any(|k| u.str_at(k).is_some_and(|v| v.trim().eq_ignore_ascii_case(account)))
        })
    }

    pub fn group(&self, id: &str) -> Option<&'a TenantObject> {
        let id = canonical_id(id);
        self.snapshot.objects().find(|o| is_group_kind(&o.kind) && o.id == id)
    }

    /// A readable name for a user, group, role, app or location id.
    pub fn label(&self, id: &str) -> String {
        if let Some(role) = privileged_role(id) {
            return role.name.to_string();
        }
        if let Some(u) = self.snapshot.get(&ObjectKind::User, id) {
            return u.name.clone();
        }
        self.snapshot.name_of(id).map_or_else(|| id.to_string(), str::to_string)
    }

    /// Names for ids, joined for a sentence (at most 6 shown).
    pub fn labels(&self, ids: &[String]) -> String {
        let mut shown: Vec<String> = ids.iter().take(6).map(|id| self.label(id)).collect();
        if ids.len() > 6 {
            shown.push(format!("and {} more", ids.len() - 6));
        }
        shown.join(", ")
    }

    /// Whether the id is a user or group named like an emergency account.
    /// `None` when the id is in neither list of the snapshot.
    pub fn is_break_glass(&self, id: &str) -> Option<bool> {
        let object = self.snapshot.get(&ObjectKind::User, id).or_else(|| self.group(id))?;
        let texts = [object.str_at("userPrincipalName"), object.str_at("displayName"), object.str_at("mailNickname"), Some(object.name.as_str())];
        Some(texts.into_iter().flatten().any(|t| {
            let t = t.to_ascii_lowercase();
            BREAK_GLASS.iter().any(|w| t.contains(w))
        }))
    }

    pub fn is_guest(&self, user: &TenantObject) -> bool {
        user.str_at("userType").is_some_and(|t| t.eq_ignore_ascii_case("Guest")) || user.str_at("userPrincipalName").is_some_and(|u| u.contains("#EXT#"))
    }

    /// Whether the user is in the group (directly or, when the export has
    /// `transitiveMemberOf`, through nesting).
    pub fn in_group(&self, user: Option<&TenantObject>, group_id: &str) -> Known {
        let group_id = canonical_id(group_id);
        let Some(user) = user else { return Known::Unknown };
        for key in ["transitiveMemberOf", "memberOf"] {
            if let Some(ids) = ids_in(&user.raw, key) {
                if ids.contains(&group_id) {
                    return Known::Yes;
                }
                if key == "transitiveMemberOf" {
                    return Known::No;
                }
            }
        }
        if let Some(group) = self.group(&group_id) {
            for key in ["transitiveMembers", "members"] {
                if let Some(ids) = ids_in(&group.raw, key) {
                    return if ids.contains(&user.id) { Known::Yes } else { Known::No };
                }
            }
        }
        Known::Unknown
    }

    /// Whether the user holds the role (template id) actively. Unknown when
    /// the snapshot has no role assignments, or the user is not in it.
    pub fn holds_role(&self, user: Option<&TenantObject>, template_id: &str) -> Known {
        let Some(user) = user else { return Known::Unknown };
        if let Some(ids) = ids_in(&user.raw, "memberOf") {
            let via_member_of = user.raw.get("memberOf").and_then(Value::as_array).into_iter().flatten().any(|m| {
                m.get("roleTemplateId").and_then(Value::as_str).is_some_and(|t| t.eq_ignore_ascii_case(template_id))
            });
            if via_member_of || ids.iter().any(|i| i.eq_ignore_ascii_case(template_id)) {
                return Known::Yes;
            }
        }
        if !self.snapshot.covers(&ObjectKind::RoleAssignment) {
            return Known::Unknown;
        }
        let holds = self.snapshot.of_kind(&ObjectKind::RoleAssignment).any(|a| {
            a.str_at("principalId").is_some_and(|p| p.eq_ignore_ascii_case(&user.id))
                && a.str_at("roleDefinitionId").is_some_and(|r| {
                    r.eq_ignore_ascii_case(template_id) || role_template(self.snapshot, r).is_some_and(|t| t.template_id.eq_ignore_ascii_case(template_id))
                })
        });
        if holds {
            Known::Yes
        } else {
            Known::No
        }
    }

    /// The trusted named locations, by id.
    pub fn trusted_locations(&self) -> Vec<&'a TenantObject> {
        self.snapshot.of_kind(&ObjectKind::NamedLocation).filter(|l| l.bool_at("isTrusted") == Some(true)).collect()
    }

    /// The CIDR ranges of a named location.
    pub fn ranges(&self, location_id: &str) -> Vec<String> {
        let Some(l) = self.snapshot.get(&ObjectKind::NamedLocation, location_id) else { return Vec::new() };
        l.raw
            .get("ipRanges")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|r| r.get("cidrAddress").and_then(Value::as_str)).map(str::to_string).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn membership_from_either_side_or_unknown() {
        let users = br##"[{"id":"u1","userPrincipalName":"a@contoso.com","memberOf":[{"@odata.type":"#microsoft.graph.group","id":"g1"}]},
            {"id":"u2","userPrincipalName":"bg-admin@contoso.onmicrosoft.com","displayName":"Emergency access 1"},
            {"@odata.type":"#microsoft.graph.group","id":"g2","displayName":"Finance","members":[{"id":"u2"}]},
            {"@odata.type":"#microsoft.graph.group","id":"g3","displayName":"Sales"}]"##;
        let s = Snapshot::from_files([("u.json", &users[..])]);
        let d = Directory::new(&s);
        let a = d.user("A@Contoso.com");
        let b = d.user("bg-admin@contoso.onmicrosoft.com");
        assert_eq!(d.in_group(a, "g1"), Known::Yes);
        assert_eq!(d.in_group(b, "g2"), Known::Yes);
        assert_eq!(d.in_group(a, "g2"), Known::No);
        assert_eq!(d.in_group(a, "g3"), Known::Unknown);
        assert_eq!(d.in_group(None, "g1"), Known::Unknown);
        assert_eq!(d.is_break_glass("u2"), Some(true));
        assert_eq!(d.is_break_glass("u1"), Some(false));
        assert_eq!(d.is_break_glass("nobody"), None);
        assert_eq!(d.holds_role(a, "62e90394-69f5-4237-9190-012177145e10"), Known::Unknown);
    }
}
