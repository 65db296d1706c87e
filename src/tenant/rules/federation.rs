//! Domains and federation: a domain switched to federated, or a federation
//! trust whose signing certificate or issuer changed, lets whoever holds
//! the signing key mint tokens for any user of the domain (the "golden
//! SAML" and rogue-federation backdoors).

use super::{Risk, RuleCtx};
use crate::detect::Severity;
use crate::tenant::diff::ChangeKind;

pub fn assess_domain(ctx: &RuleCtx) -> Vec<Risk> {
    let name = ctx.quoted();
    let (before, after) = ctx.str_change("authenticationType");
    let federated = |t: Option<&str>| t.is_some_and(|t| t.eq_ignore_ascii_case("Federated"));
    match ctx.change {
        ChangeKind::Added if federated(after) => {
            vec![Risk::new(Severity::Critical, format!("new domain {name} added as federated: its users sign in through an outside identity provider"))]
        }
        ChangeKind::Added => vec![Risk::new(Severity::Medium, format!("new domain {name} added"))],
        ChangeKind::Removed => vec![Risk::new(Severity::Low, format!("domain {name} removed"))],
        ChangeKind::Changed => {
            let mut risks = Vec::new();
            if federated(after) && !federated(before) {
                risks.push(Risk::new(
                    Severity::Critical,
                    format!("domain {name} switched to federated: sign-ins for its users are now decided by an outside identity provider"),
                ));
            }
            if ctx.new.and_then(|o| o.bool_at("isVerified")) == Some(true) && ctx.old.and_then(|o| o.bool_at("isVerified")) == Some(false) {
                risks.push(Risk::new(Severity::Medium, format!("domain {name} verified")));
            }
            risks
        }
    }
}

/// Properties of a federation trust that decide who can sign tokens.
const TRUST: [(&str, &str); 6] = [
    ("signingCertificate", "token-signing certificate"),
    ("nextSigningCertificate", "next token-signing certificate"),
    ("issuerUri", "issuer"),
    ("passiveSignInUri", "sign-in address"),
    ("activeSignInUri", "active sign-in address"),
    ("metadataExchangeUri", "metadata address"),
];

pub fn assess_federation(ctx: &RuleCtx) -> Vec<Risk> {
    let name = ctx.quoted();
    match ctx.change {
        ChangeKind::Added => {
            let issuer = ctx.new.and_then(|o| o.str_at("issuerUri")).unwrap_or("unknown issuer");
            vec![Risk::new(Severity::Critical, format!("new federation trust {name} (issuer {issuer}): its signing key can sign in as the domain's users"))]
        }
        ChangeKind::Removed => vec![Risk::new(Severity::Low, format!("federation settings {name} removed"))],
        ChangeKind::Changed => {
            let mut risks = Vec::new();
            for (path, what) in TRUST {
                let (before, after) = ctx.str_change(path);
                if after.is_some() && before != after {
                    let level = if path.contains("ertificate") || path == "issuerUri" { Severity::Critical } else { Severity::High };
                    risks.push(Risk::new(level, format!("federation {name}: {what} changed; whoever holds the new key or endpoint can sign users in")));
                }
            }
            let (before, after) = ctx.str_change("federatedIdpMfaBehavior");
            if let Some(a) = after {
                if before != after && !a.eq_ignore_ascii_case("rejectMfaByFederatedIdp") {
                    risks.push(Risk::new(Severity::High, format!("federation {name} now accepts MFA claimed by the federated provider ({a})")));
                }
            }
            risks
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::only;
    use crate::detect::Severity;

    fn domain(auth: &str) -> String {
        format!(r##"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#domains","value":[{{"id":"contoso.com","authenticationType":"{auth}","isDefault":true,"isRoot":true,"isVerified":true,"supportedServices":["Email","OfficeCommunicationsOnline"]}}]}}"##)
    }

    fn federation(cert: &str, issuer: &str) -> String {
        format!(r##"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#domains('contoso.com')/federationConfiguration","value":[{{"@odata.type":"#microsoft.graph.internalDomainFederation","id":"6601d14b-d113-8f64-fda2-9b5ddda18ecc","displayName":"Contoso","issuerUri":"{issuer}","passiveSignInUri":"https://sts.contoso.com/adfs/ls/","preferredAuthenticationProtocol":"wsFed","signingCertificate":"{cert}","federatedIdpMfaBehavior":"rejectMfaByFederatedIdp"}}]}}"##)
    }

    #[test]
    fn domain_federated() {
        let c = only(&domain("Managed"), &domain("Federated"));
        assert_eq!(c.risk, Severity::Critical);
        assert!(c.reason().contains("switched to federated"));
    }

    #[test]
    fn signing_certificate_or_issuer_changed() {
        let c = only(&federation("MIIC1", "http://sts.contoso.com/adfs/services/trust"), &federation("MIIC2", "http://sts.contoso.com/adfs/services/trust"));
        assert_eq!(c.risk, Severity::Critical);
        assert!(c.reason().contains("token-signing certificate"), "{}", c.reason());
        assert!(c.name.starts_with("contoso.com"), "{}", c.name);
        let c = only(&federation("MIIC1", "http://sts.contoso.com/adfs/services/trust"), &federation("MIIC1", "http://any.example/"));
        assert!(c.reason().contains("issuer"));
    }
}
