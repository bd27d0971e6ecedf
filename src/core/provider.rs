//! Provider presets as the providers are today: where each one's authorization endpoint is,
//! which flows it still serves, its default scopes and separator, and where its API wants the
//! token. The README's preset table says the same for people, with what to register.

/// Where `fetch()` puts the token for a provider's API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPlacement {
    /// `Authorization: Bearer <token>` (RFC 6750 2.1).
    BearerHeader,
    /// An `access_token` query parameter (RFC 6750 2.3), as Instagram's API takes it.
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
    /// Whether an answer without `token_type` means `bearer` (Instagram's and Facebook's omit it).
    pub token_type_optional: bool,
    /// Whether the provider still hands out tokens in the fragment (the implicit grant).
    pub serves_implicit: bool,
}

/// Every preset, in the order the contract lists them.
pub const PRESETS: &[Preset] = &[
    Preset {
        id: "instagram",
        display_name: "Instagram",
        // Instagram API with Instagram Login (the classic API at api.instagram.com is gone).
        authorize_url: "https://www.instagram.com/oauth/authorize",
        default_scopes: &["instagram_business_basic"],
        scope_separator: ",",
        token_placement: TokenPlacement::QueryParameter,
        token_type_optional: true,
        serves_implicit: false,
    },
    Preset {
        id: "facebook",
        display_name: "Facebook",
        authorize_url: "https://www.facebook.com/v26.0/dialog/oauth",
        default_scopes: &["public_profile"],
        scope_separator: ",",
        token_placement: TokenPlacement::BearerHeader,
        token_type_optional: true,
        serves_implicit: true,
    },
    Preset {
        id: "google",
        display_name: "Google",
        authorize_url: "https://accounts.google.com/o/oauth2/v2/auth",
        default_scopes: &["openid", "email", "profile"],
        scope_separator: " ",
        token_placement: TokenPlacement::BearerHeader,
        token_type_optional: false,
        serves_implicit: true,
    },
    Preset {
        id: "linkedin",
        display_name: "LinkedIn",
        authorize_url: "https://www.linkedin.com/oauth/v2/authorization",
        default_scopes: &["openid", "profile", "email"],
        scope_separator: " ",
        token_placement: TokenPlacement::BearerHeader,
        token_type_optional: false,
        serves_implicit: false,
    },
    Preset {
        id: "box",
        display_name: "Box",
        authorize_url: "https://account.box.com/api/oauth2/authorize",
        default_scopes: &[],
        scope_separator: " ",
        token_placement: TokenPlacement::BearerHeader,
        token_type_optional: false,
        serves_implicit: false,
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
    serves_implicit: true,
};

/// Finds a preset by its `provider` attribute value (exact, lower case); `custom` is the
/// preset-less provider, as a stored record names it.
pub fn find(id: &str) -> Option<&'static Preset> {
    if id == CUSTOM.id {
        return Some(&CUSTOM);
    }
    PRESETS.iter().find(|p| p.id == id)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
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
        assert_eq!(find("custom"), Some(&CUSTOM));
    }

    #[test]
    fn presets_follow_the_providers_of_today() {
        let flows: Vec<(&str, bool)> = PRESETS.iter().map(|p| (p.id, p.serves_implicit)).collect();
        assert_eq!(
            flows,
            [
                ("instagram", false),
                ("facebook", true),
                ("google", true),
                ("linkedin", false),
                ("box", false)
            ]
        );
        let instagram = find("instagram").unwrap();
        assert_eq!(
            (instagram.scope_separator, instagram.default_scopes),
            (",", &["instagram_business_basic"][..])
        );
        assert_eq!(instagram.token_placement, TokenPlacement::QueryParameter);
        let facebook = find("facebook").unwrap();
        assert!(
            facebook.authorize_url.contains("/v26.0/"),
            "a Graph API version that has not expired"
        );
        assert!(
            facebook.token_type_optional,
            "Facebook's fragment has no token_type"
        );
    }
}
