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
    /// Its profile endpoint (`GET`, bearer token); empty for a custom provider.
    pub userinfo_url: &'static str,
    /// How the profile endpoint's answer names the fields.
    pub userinfo_shape: UserinfoShape,
    /// Its RFC 7009 revocation endpoint, where it has one.
    pub revoke_url: Option<&'static str>,
}

/// How a profile endpoint's answer names the fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserinfoShape {
    /// OpenID Connect's UserInfo (Core 5.3.2): the standard claims.
    Oidc,
    /// Facebook Graph `me?fields=id,name,email,picture`.
    Facebook,
    /// Instagram `me?fields=user_id,username,name,profile_picture_url`.
    Instagram,
    /// Box `GET /2.0/users/me`.
    Box,
}

/// The presets of the contract. The authorization facts were checked against each provider's
/// documentation on 2026-11-20; the profile and revocation facts are "as documented on
/// 2026-12-05", written that day from the providers' developer documentation as the author knew
/// it, with no page fetched: re-check them against the live pages when a provider changes its API.
///
/// - google: its discovery document (`https://accounts.google.com/.well-known/openid-configuration`)
///   gives `issuer` `https://accounts.google.com`, `userinfo_endpoint`
///   `https://openidconnect.googleapis.com/v1/userinfo`, `revocation_endpoint`
///   `https://oauth2.googleapis.com/revoke`, and the `jwks_uri`, read from it at run time.
/// - linkedin ("Sign In with LinkedIn using OpenID Connect"): `GET
///   https://api.linkedin.com/v2/userinfo` answers the standard claims (`sub`, `name`, `email`,
///   `email_verified`, `picture`). No issuer here (the page sets `issuer` to verify); no
///   revocation endpoint for a public client.
/// - facebook (Graph API, User node): `GET /me` with `fields=id,name,email,picture`, `picture`
///   being `{"data":{"url":...}}`; `email` only with the `email` permission. The version, v26.0,
///   is the project's choice (a Graph version lives about two years). Facebook has no RFC 7009
///   endpoint (it revokes by `DELETE /me/permissions`).
/// - instagram (Instagram API with Instagram Login): `GET https://graph.instagram.com/me` with
///   `fields=user_id,username,name,profile_picture_url`; no revocation endpoint.
/// - box: `GET https://api.box.com/2.0/users/me` answers `id`, `name`, `login` (the email) and
///   `avatar_url`; `POST https://api.box.com/oauth2/revoke` revokes, and wants the client secret,
///   so a browser reaches it through the exchange.
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
        userinfo_url:
            "https://graph.instagram.com/me?fields=user_id,username,name,profile_picture_url",
        userinfo_shape: UserinfoShape::Instagram,
        revoke_url: None,
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
        userinfo_url: "https://graph.facebook.com/v26.0/me?fields=id,name,email,picture",
        userinfo_shape: UserinfoShape::Facebook,
        revoke_url: None,
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
        userinfo_url: "https://openidconnect.googleapis.com/v1/userinfo",
        userinfo_shape: UserinfoShape::Oidc,
        revoke_url: Some("https://oauth2.googleapis.com/revoke"),
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
        userinfo_url: "https://api.linkedin.com/v2/userinfo",
        userinfo_shape: UserinfoShape::Oidc,
        revoke_url: None,
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
        userinfo_url: "https://api.box.com/2.0/users/me",
        userinfo_shape: UserinfoShape::Box,
        revoke_url: Some("https://api.box.com/oauth2/revoke"),
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
    userinfo_url: "",
    userinfo_shape: UserinfoShape::Oidc,
    revoke_url: None,
};

/// The preset named `id`: one of [`PRESETS`] (`custom` names none: it is what no `provider`
/// means, never a value of it).
#[inline(always)]
pub fn find(id: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| *p.id == *id)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn every_contract_preset_exists_with_an_https_endpoint() {
        for id in ["instagram", "facebook", "google", "linkedin", "box"] {
            let preset = find(id).unwrap_or_else(|| panic!("missing preset {id}"));
            assert!(!preset.name.is_empty(), "{id}");
            // Every endpoint a preset names is https.
            for url in [Some(preset.authorize_url), Some(preset.userinfo_url)]
                .into_iter()
                .chain([preset.issuer, preset.revoke_url])
                .flatten()
            {
                assert!(url.starts_with("https://"), "{id}: {url}");
            }
        }
        assert_eq!(find("Instagram"), None);
        // `custom` is no value of `provider` (config refuses it as unknown; absent means it).
        assert_eq!(find("custom"), None);
    }

    #[test]
    fn presets_know_their_profile_and_revocation_endpoints() {
        let google = find("google").unwrap();
        assert_eq!(
            (google.issuer, google.revoke_url, google.userinfo_shape),
            (
                Some("https://accounts.google.com"),
                Some("https://oauth2.googleapis.com/revoke"),
                UserinfoShape::Oidc
            )
        );
        let shapes: Vec<_> = PRESETS.iter().map(|p| p.userinfo_shape).collect();
        assert_eq!(
            shapes,
            [
                UserinfoShape::Instagram,
                UserinfoShape::Facebook,
                UserinfoShape::Oidc,
                UserinfoShape::Oidc,
                UserinfoShape::Box
            ]
        );
        // The unknown-provider rule reads the custom preset as the one without a name.
        assert_eq!(
            (CUSTOM.name, CUSTOM.userinfo_url, CUSTOM.revoke_url),
            ("", "", None)
        );
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
