//! The scopes this provider knows; any other is refused with `invalid_scope` (RFC 6749
//! 4.1.2.1 and 4.2.2.1), so a page asking for a misspelt scope learns of it at once.

/// Instagram's classic scopes, the `instagram` and `facebook` presets' defaults (asked of
/// this provider by the end-to-end tests), and OpenID Connect's.
pub const KNOWN: [&str; 12] = [
    "basic",
    "public_content",
    "follower_list",
    "comments",
    "relationships",
    "likes",
    "instagram_business_basic",
    "public_profile",
    "openid",
    "profile",
    "email",
    "offline_access",
];

/// Splits a scope list on spaces, commas or `+` (Instagram accepted all three),
/// dropping empties and duplicates.
pub fn parse(raw: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in raw.split([' ', ',', '+']).filter(|s| !s.is_empty()) {
        if !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    }
    out
}

/// The first scope this provider does not know, if any.
pub fn first_unknown(scopes: &[String]) -> Option<&str> {
    scopes
        .iter()
        .map(String::as_str)
        .find(|s| !KNOWN.contains(s))
}

/// Why `scopes` are refused, for the `error_description` of `invalid_scope`.
pub fn unknown_message(scope: &str) -> String {
    format!(
        "Unknown scope `{scope}`. This provider knows: {}.",
        KNOWN.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_split_on_space_comma_plus() {
        assert_eq!(
            parse("basic,likes+comments  basic"),
            ["basic", "likes", "comments"]
        );
        assert!(parse(" , ").is_empty());
    }

    #[test]
    fn unknown_scopes_are_found() {
        assert_eq!(
            first_unknown(&parse("openid profile email offline_access")),
            None
        );
        assert_eq!(
            first_unknown(&parse("basic likes comments relationships")),
            None
        );
        assert_eq!(
            first_unknown(&parse("email public_profile instagram_business_basic")),
            None
        );
        assert_eq!(first_unknown(&parse("basic admin")), Some("admin"));
        assert!(unknown_message("admin").starts_with("Unknown scope `admin`."));
    }
}
