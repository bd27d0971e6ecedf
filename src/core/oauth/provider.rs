//! Provider presets as the providers are today: where each one's authorization endpoint is,
//! which flows it still serves, its default scopes and separator, and where its API wants the
//! token. The README's preset table says the same for people, with what to register there.

/// One provider's fixed facts.
#[derive(Debug, PartialEq, Eq)]
pub struct Preset {
    /// The `provider` attribute value; `custom` for none.
    pub id: &'static str,
    /// The name shown on the button; empty for a custom provider.
    pub name: &'static str,
    /// The authorization endpoint; empty for a custom provider.
    pub authorize_url: &'static str,
    /// Scopes requested when the page names none, separated by spaces.
    pub default_scope: &'static str,
    /// How the provider joins scopes in the `scope` parameter.
    pub scope_separator: &'static str,
    /// Whether its API takes the token as an `access_token` query parameter (RFC 6750 2.3,
    /// Instagram) rather than an `Authorization: Bearer` header.
    pub token_in_query: bool,
    /// Whether an answer without `token_type` means `bearer` (Instagram's and Facebook's omit it).
    pub token_type_optional: bool,
    /// Whether it still serves the implicit grant (`response-type="token"`).
    pub serves_implicit: bool,
    /// Its OpenID Connect issuer, where the widget discovers its key set (Google's).
    pub issuer: Option<&'static str>,
}

/// The presets of the contract, checked against each provider's documentation on 2026-11-20.
pub const PRESETS: &[Preset] = &[
    // Instagram API with Instagram Login: code only; the classic API (implicit) is gone.
    Preset {
        id: "instagram",
        name: "Instagram",
        authorize_url: "https://www.instagram.com/oauth/authorize",
        default_scope: "instagram_business_basic",
        scope_separator: ",",
        token_in_query: true,
        token_type_optional: true,
        serves_implicit: false,
        issuer: None,
    },
    Preset {
        id: "facebook",
        name: "Facebook",
        authorize_url: "https://www.facebook.com/v26.0/dialog/oauth",
        default_scope: "public_profile",
        scope_separator: ",",
        token_in_query: false,
        token_type_optional: true,
        serves_implicit: true,
        issuer: None,
    },
    Preset {
        id: "google",
        name: "Google",
        authorize_url: "https://accounts.google.com/o/oauth2/v2/auth",
        default_scope: "openid email profile",
        scope_separator: " ",
        token_in_query: false,
        token_type_optional: false,
        serves_implicit: true,
        issuer: Some("https://accounts.google.com"),
    },
    Preset {
        id: "linkedin",
        name: "LinkedIn",
        authorize_url: "https://www.linkedin.com/oauth/v2/authorization",
        default_scope: "openid profile email",
        scope_separator: " ",
        token_in_query: false,
        token_type_optional: false,
        serves_implicit: false,
        issuer: None,
    },
    Preset {
        id: "box",
        name: "Box",
        authorize_url: "https://account.box.com/api/oauth2/authorize",
        default_scope: "",
        scope_separator: " ",
        token_in_query: false,
        token_type_optional: false,
        serves_implicit: false,
        issuer: None,
    },
];

/// A provider given by `authorize-url` alone.
pub const CUSTOM: Preset = Preset {
    id: "custom",
    name: "",
    authorize_url: "",
    default_scope: "",
    scope_separator: " ",
    token_in_query: false,
    token_type_optional: false,
    serves_implicit: true,
    issuer: None,
};

/// The preset named `id` (`custom` included).
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
            assert!(!preset.name.is_empty(), "{id}");
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
            (instagram.scope_separator, instagram.default_scope),
            (",", "instagram_business_basic")
        );
        assert!(instagram.token_in_query);
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
