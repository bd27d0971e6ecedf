//! Provider presets: where each provider's authorization endpoint is, which scopes it asks for
//! by default, how it separates scopes, and where its API wants the token.
//!
//! Endpoints are the providers' documented ones. Some providers have narrowed the implicit
//! grant since (the README says which); a page can always point `authorize-url` elsewhere.

/// Where `fetch()` puts the token for a provider's API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPlacement {
    /// `Authorization: Bearer <token>` (RFC 6750 2.1).
    BearerHeader,
    /// An `access_token` query parameter (RFC 6750 2.3), as Instagram's classic API requires.
    QueryParameter,
}

/// One provider's fixed facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    /// The `provider` attribute value.
    pub id: &'static str,
    /// The name shown on the button.
    pub display_name: &'static str,
    /// The authorization endpoint.
    pub authorize_url: &'static str,
    /// Scopes requested when the page names none.
    pub default_scopes: &'static [&'static str],
    /// How the provider joins scopes in the `scope` parameter.
    pub scope_separator: &'static str,
    /// Where `fetch()` puts the token.
    pub token_placement: TokenPlacement,
    /// Whether a response without `token_type` means `bearer` (Instagram's implicit flow omits it).
    pub token_type_optional: bool,
}

/// Every preset, in the order the contract lists them.
pub const PRESETS: &[Preset] = &[
    Preset {
        id: "instagram",
        display_name: "Instagram",
        authorize_url: "https://api.instagram.com/oauth/authorize",
        default_scopes: &["basic"],
        scope_separator: " ",
        token_placement: TokenPlacement::QueryParameter,
        token_type_optional: true,
    },
    Preset {
        id: "facebook",
        display_name: "Facebook",
        authorize_url: "https://www.facebook.com/v19.0/dialog/oauth",
        default_scopes: &["public_profile"],
        scope_separator: ",",
        token_placement: TokenPlacement::BearerHeader,
        token_type_optional: false,
    },
    Preset {
        id: "google",
        display_name: "Google",
        authorize_url: "https://accounts.google.com/o/oauth2/v2/auth",
        default_scopes: &["openid", "email", "profile"],
        scope_separator: " ",
        token_placement: TokenPlacement::BearerHeader,
        token_type_optional: false,
    },
    Preset {
        id: "linkedin",
        display_name: "LinkedIn",
        authorize_url: "https://www.linkedin.com/oauth/v2/authorization",
        default_scopes: &["openid", "profile", "email"],
        scope_separator: " ",
        token_placement: TokenPlacement::BearerHeader,
        token_type_optional: false,
    },
    Preset {
        id: "box",
        display_name: "Box",
        authorize_url: "https://account.box.com/api/oauth2/authorize",
        default_scopes: &[],
        scope_separator: " ",
        token_placement: TokenPlacement::BearerHeader,
        token_type_optional: false,
    },
];

/// The facts used when no `provider` is given: the page supplies `authorize-url`.
pub const CUSTOM: Preset = Preset {
    id: "custom",
    display_name: "",
    authorize_url: "",
    default_scopes: &[],
    scope_separator: " ",
    token_placement: TokenPlacement::BearerHeader,
    token_type_optional: false,
};

/// Finds a preset by its `provider` attribute value (exact, lower case).
pub fn find(id: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_contract_preset_exists_with_an_https_endpoint() {
        for id in ["instagram", "facebook", "google", "linkedin", "box"] {
            let preset = find(id).unwrap_or_else(|| panic!("missing preset {id}"));
            assert!(preset.authorize_url.starts_with("https://"), "{id}");
            assert!(!preset.display_name.is_empty(), "{id}");
        }
        assert_eq!(find("Instagram"), None);
        assert_eq!(find("custom"), None);
    }

    #[test]
    fn separators_and_placements_follow_the_providers() {
        assert_eq!(find("facebook").map(|p| p.scope_separator), Some(","));
        assert_eq!(find("google").map(|p| p.scope_separator), Some(" "));
        assert_eq!(
            find("instagram").map(|p| (p.token_placement, p.token_type_optional)),
            Some((TokenPlacement::QueryParameter, true))
        );
    }
}
