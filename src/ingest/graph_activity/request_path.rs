//! The operation name of a Graph request: its method and resource path with
//! the host, the API version, the query and the identifiers taken out, so
//! that a thousand reads of different messages are one operation to group,
//! count and filter on. `GET https://graph.microsoft.com/v1.0/users/8f0c…/messages/AAMk…=?$top=10`
//! is `GET /users/{id}/messages/{id}`.
//!
//! Graph's own names are camelCase words (`mailFolders`, `servicePrincipals`),
//! `$`-prefixed system segments (`$value`, `$batch`) or qualified names
//! (`microsoft.graph.delta`); anything else in a path is a key: a GUID, a
//! UPN, a base64 message id, a drive item id, a SharePoint host. Keys are told
//! by their shape, because the same collection may be addressed by object id
//! or by UPN. Well-known names that are keys too (`inbox`, `root`) look like
//! words and stay, which only splits a group, never merges two.

/// What stands for a key in an operation.
pub const ID: &str = "{id}";
/// What stands for a drive item path (`root:/Finance/plan.xlsx:`).
const PATH: &str = "{path}";

/// `METHOD /path` with keys replaced; `/` alone for an empty path.
pub fn operation(method: &str, uri: &str) -> String {
    let path = resource_path(uri);
    match method.trim() {
        "" => path,
        method => format!("{} {path}", method.to_ascii_uppercase()),
    }
}

/// The path of a request URI with keys replaced, without scheme, host, API
/// version, query or fragment.
pub fn resource_path(uri: &str) -> String {
    let uri = uri.trim();
    let after_host = match uri.find("://") {
        Some(at) => uri.get(at + 3..).and_then(|rest| rest.find('/').and_then(|slash| rest.get(slash..))).unwrap_or(""),
        None => uri,
    };
    let path = after_host.split(['?', '#']).next().unwrap_or("");
    let mut segments = path.split('/').filter(|s| !s.is_empty()).peekable();
    if segments.peek().is_some_and(|first| is_api_version(first)) {
        segments.next();
    }
    let mut out = String::new();
    // Inside a drive item path (`root:/a/b.docx:`), whose segments are the
    // item's folders and name, not resources.
    let mut in_item_path = false;
    for segment in segments {
        if in_item_path {
            if segment.ends_with(':') {
                out.push(':');
                in_item_path = false;
            }
            continue;
        }
        out.push('/');
        if let Some(opening) = segment.strip_suffix(':').filter(|s| !s.contains('(')) {
            out.push_str(&segment_name(opening));
            out.push(':');
            out.push_str(PATH);
            in_item_path = true;
        } else {
            out.push_str(&segment_name(segment));
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// `v1.0`, `beta`, `v2.0`.
fn is_api_version(segment: &str) -> bool {
    let s = segment.to_ascii_lowercase();
    s == "beta" || s.strip_prefix('v').is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
}

/// One segment as it shows in an operation: a key becomes `{id}`; a key
/// or function call in parentheses keeps its name (`users(…)`,
/// `delta()`); a name stays as written.
fn segment_name(segment: &str) -> String {
    if let Some((name, args)) = segment.split_once('(') {
        let args = args.trim_end_matches(')');
        let name = if is_key(name) { ID } else { name };
        return if args.is_empty() { format!("{name}()") } else { format!("{name}(…)") };
    }
    if is_key(segment) {
        ID.to_string()
    } else {
        segment.to_string()
    }
}

/// Whether a path segment is a key rather than one of Graph's names.
fn is_key(segment: &str) -> bool {
    if segment.starts_with('$') || segment.to_ascii_lowercase().starts_with("microsoft.") {
        return false;
    }
    // Names are letters and digits only; keys carry `@`, `%`, `-`, `=`,
    // `!`, `,`, `.`, `:` or `_` (UPNs, GUIDs, base64, `host,site,web` ids).
    if !segment.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return true;
    }
    let digits = segment.bytes().filter(u8::is_ascii_digit).count();
    if digits == segment.len() {
        return true;
    }
    // Opaque ids without punctuation (drive items: `01BYE5RZ6QN3ZWBTUFOFD3GSPGOHDJD36K`)
    // are mostly capitals and digits; names such as `oauth2PermissionGrants`
    // are mostly lower case.
    let capitals = segment.bytes().filter(u8::is_ascii_uppercase).count();
    segment.len() >= 16 && digits > 0 && (digits + capitals) * 2 >= segment.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_version_query_and_keys_are_taken_out() {
        let cases = [
            ("GET", "https://graph.microsoft.com/v1.0/users/87d30957-9758-4040-949e-9e9fe9c7cfcf/messages?$top=50&$select=subject", "GET /users/{id}/messages"),
            ("get", "https://graph.microsoft.com/beta/users/rob@contoso.com/mailFolders/inbox/messages/AAMkAGI2TG93AAA=/attachments", "GET /users/{id}/mailFolders/inbox/messages/{id}/attachments"),
            ("GET", "https://graph.microsoft.com/v1.0/users/rob%40contoso.com", "GET /users/{id}"),
            ("GET", "https://graph.microsoft.com/v1.0/me/drive/root:/Finance/Q3 plan.xlsx:/content", "GET /me/drive/root:{path}:/content"),
            ("GET", "https://graph.microsoft.com/v1.0/drives/b!-RIj2DuyvEyV1T4NlOaMHk8XkS_I8MdFlUCq/items/01BYE5RZ6QN3ZWBTUFOFD3GSPGOHDJD36K/content", "GET /drives/{id}/items/{id}/content"),
            ("GET", "https://graph.microsoft.com/v1.0/sites/contoso.sharepoint.com,2C712604-1370-44E7-A1F5-426573FDA80A,2D2244C3-251A-49EA-93A8-39E1C3A060FE/drive", "GET /sites/{id}/drive"),
            ("GET", "https://graph.microsoft.com/v1.0/oauth2PermissionGrants", "GET /oauth2PermissionGrants"),
            ("GET", "https://graph.microsoft.com/v1.0/me/messages/$count", "GET /me/messages/$count"),
            ("GET", "https://graph.microsoft.com/v1.0/reports/getOffice365ActiveUserDetail(period='D7')", "GET /reports/getOffice365ActiveUserDetail(…)"),
            ("GET", "https://graph.microsoft.com/v1.0/users/delta()", "GET /users/delta()"),
            ("GET", "https://graph.microsoft.com/v1.0/groups/12/members/microsoft.graph.user", "GET /groups/{id}/members/microsoft.graph.user"),
            ("POST", "https://graph.microsoft.com/v1.0/$batch", "POST /$batch"),
            ("GET", "https://graph.microsoft.com/v1.0/", "GET /"),
            ("", "/v1.0/me", "/me"),
            ("GET", "https://graph.microsoft.com/v1.0/me/drive/root:/Shared", "GET /me/drive/root:{path}"),
        ];
        for (method, uri, want) in cases {
            assert_eq!(operation(method, uri), want, "{uri}");
        }
    }

    #[test]
    fn odd_input_gives_a_path_and_never_panics() {
        for uri in ["", "https://", "https://graph.microsoft.com", "::::", "/(", "/users('é')", "///", "https://graph.microsoft.com/v1.0/é/ü:"] {
            assert!(resource_path(uri).starts_with('/'), "{uri}");
        }
        assert_eq!(resource_path("/users('87d30957')"), "/users(…)");
    }
}
