//! Who logged in, for people: the profile from the verified claims, then from the provider's
//! profile endpoint, each preset's fields mapped onto OpenID Connect's standard claims (Core 5.1).
//!
//! Text from the provider stays text: the JS sets it with `textContent`, never as HTML.

use crate::core::json::{self, Value};
use crate::core::oauth::provider::UserinfoShape;
use crate::core::oauth::url::is_secure_url;
use crate::core::text::{cat, find, split, split_once};
use std::borrow::Cow;

/// The `profile` of the `oauth-login` detail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    /// Who, for the issuer (`sub`, or the provider's user id).
    pub sub: Option<String>,
    /// The full name.
    pub name: Option<String>,
    /// The email address.
    pub email: Option<String>,
    /// Whether the provider verified `email`.
    pub email_verified: Option<bool>,
    /// An `https:` avatar URL (or `http:` on a loopback host); any other is dropped.
    pub picture: Option<String>,
    /// `preferred_username`, or the provider's own user name.
    pub username: Option<String>,
}

/// The members holding sub, name, email, picture, username and email_verified, in that order:
/// `a.b` walks into objects, `a|b` takes the first present, empty means the shape has none.
/// Lent from static tables (fewer bytes than copying an array out), and inlined: a table
/// lookup at each of its two callers.
#[inline(always)]
fn members(shape: UserinfoShape) -> &'static [&'static str; 6] {
    match shape {
        UserinfoShape::Oidc => &[
            "sub",
            "name",
            "email",
            "picture",
            "preferred_username",
            "email_verified",
        ],
        UserinfoShape::Facebook => &["id", "name", "email", "picture.data.url", "", ""],
        UserinfoShape::Instagram => &[
            "user_id|id",
            "name",
            "",
            "profile_picture_url",
            "username",
            "",
        ],
        UserinfoShape::Box => &["id", "name", "login", "avatar_url", "", ""],
    }
}

/// The profile the verified id_token's claims (a JSON object's text) give; empty for anything
/// else.
#[inline(always)]
pub fn profile_from_claims(claims: &str) -> Profile {
    profile_from_parsed(json::parse(claims))
}

/// [`profile_from_claims`] on the claims' text as parsed (`None`: not JSON), for a caller that
/// parsed them to check them: one parse for both.
#[inline(always)]
pub fn profile_from_parsed(claims: Option<Value>) -> Profile {
    read(&claims.unwrap_or(Value::Null), UserinfoShape::Oidc)
}

/// The profile a profile endpoint answered, read as `shape`: the body must be a JSON object
/// naming the user (the error, a sentence for the console, says which member is missing).
#[inline(always)]
pub fn profile_from_userinfo(body: &str, shape: UserinfoShape) -> Result<Profile, String> {
    let Some(object @ Value::Object(_)) = &json::parse(body) else {
        return Err("the profile answer is not a JSON object".into());
    };
    let profile = read(object, shape);
    if profile.sub.is_none() {
        let &[sub, ..] = members(shape);
        let sub = split_once(sub, b'|').map_or(sub, |(first, _)| first);
        return Err(cat(&["the profile answer has no `", sub, "`"]));
    }
    Ok(profile)
}

/// Reads a profile from `object`'s members as `shape` names them. Strings are kept when not
/// empty; an id may also be a whole number (Instagram's ids sometimes are), kept as written;
/// `email_verified` may be a boolean or the string `"true"`/`"false"` (some providers send one).
fn read(object: &Value, shape: UserinfoShape) -> Profile {
    // Each path taken by its place (see `members`) where it is read: destructured, all six were
    // loaded first.
    let names = members(shape);
    let sub = match member(object, names[0]) {
        // A JSON number is whole and not negative when it has no sign, point or exponent.
        Some(Value::Number(n)) if find(n, b"-+.eE").is_none() => Some(n.into()),
        found => text(found),
    };
    let email_verified = match member(object, names[5]) {
        Some(Value::Bool(b)) => Some(b),
        Some(given) if given.is_str("true") => Some(true),
        Some(given) if given.is_str("false") => Some(false),
        _ => None,
    };
    // Read before the plain texts, which are then written straight into the profile.
    let picture = text(member(object, names[3])).filter(|url| is_secure_url(url));
    Profile {
        sub,
        name: text(member(object, names[1])),
        email: text(member(object, names[2])),
        email_verified,
        picture,
        username: text(member(object, names[4])),
    }
}

/// A non-empty string's text (the profile's texts, and the claims' `sub`). Told empty by its raw
/// text, quotes included (an escape is never empty): nothing is copied to be dropped.
pub(crate) fn text(value: Option<Value>) -> Option<String> {
    // Matched by reference: the value is read where it is, not copied first.
    match &value {
        Some(string @ Value::Str(raw)) if raw.len() > 2 => string.as_str().map(Cow::into_owned),
        _ => None,
    }
}

/// The member at `path` (see [`members`]), if present once at each step and not `null`.
fn member<'a>(object: &Value<'a>, path: &str) -> Option<Value<'a>> {
    if path.is_empty() {
        return None;
    }
    'alternatives: for alternative in split(path, b"|") {
        let mut at = *object;
        for name in split(alternative, b".") {
            match at.get(name) {
                Some(next) => at = next,
                None => continue 'alternatives,
            }
        }
        if !matches!(at, Value::Null) {
            return Some(at);
        }
    }
    None
}

/// The profile after the profile endpoint answered: `userinfo`'s fields fill and override the
/// claims' in `profile` (`email_verified` always with its `email`), provided it names the same
/// `sub` (Core 5.3.4: otherwise it may be someone else's answer, and is not used; the error says
/// why, for the console, and `profile` is left as it was). Without claims (no OpenID),
/// `userinfo` is taken as it is.
#[inline(always)]
pub fn merge(profile: &mut Profile, userinfo: Profile) -> Result<(), String> {
    if profile.sub.is_some() && profile.sub != userinfo.sub {
        return Err(
            "the profile answer's sub is not the id_token's: the profile is ignored".into(),
        );
    }
    // `email_verified` speaks of one address: it comes with the email it belongs to, the
    // claims' too where the answer repeats their email.
    let own = userinfo.email.is_none() || userinfo.email == profile.email;
    profile.email_verified = (userinfo.email.as_ref())
        .and(userinfo.email_verified)
        .or(profile.email_verified.filter(|_| own));
    // Filled in place: the claims are neither cloned nor rebuilt.
    fill(&mut profile.sub, userinfo.sub);
    fill(&mut profile.name, userinfo.name);
    fill(&mut profile.email, userinfo.email);
    fill(&mut profile.picture, userinfo.picture);
    fill(&mut profile.username, userinfo.username);
    Ok(())
}

/// `given`, where there is one, in place of `claimed`: one function for the five texts.
fn fill(claimed: &mut Option<String>, given: Option<String>) {
    if given.is_some() {
        *claimed = given;
    }
}

/// What the button shows for `profile`: the name, else the user name, else the email.
#[inline(always)]
pub fn display_name(profile: &Profile) -> Option<&str> {
    // The first given, lent as text once.
    (profile.name.as_ref())
        .or(profile.username.as_ref())
        .or(profile.email.as_ref())
        .map(String::as_str)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `claims` after [`merge`] with `userinfo`.
    fn after_merge(claims: &Profile, userinfo: Profile) -> Result<Profile, String> {
        let mut profile = claims.clone();
        merge(&mut profile, userinfo).map(|()| profile)
    }

    fn some(text: &str) -> Option<String> {
        Some(text.into())
    }

    #[test]
    fn standard_claims() {
        let claims = r#"{"iss":"https://accounts.google.com","sub":"110169484474386276334",
            "email":"jane@example.com","email_verified":true,"name":"Jane Doe",
            "picture":"https://lh3.googleusercontent.com/a/x=s96-c","given_name":"Jane",
            "preferred_username":"jdoe"}"#;
        assert_eq!(
            profile_from_claims(claims),
            Profile {
                sub: some("110169484474386276334"),
                name: some("Jane Doe"),
                email: some("jane@example.com"),
                email_verified: Some(true),
                picture: some("https://lh3.googleusercontent.com/a/x=s96-c"),
                username: some("jdoe"),
            }
        );
        assert_eq!(profile_from_claims("not json"), Profile::default());
        let odd =
            r#"{"sub":"s","name":"","email_verified":"false","picture":"http://x.example/a.png"}"#;
        assert_eq!(
            profile_from_claims(odd),
            Profile {
                sub: some("s"),
                email_verified: Some(false),
                ..Profile::default()
            }
        );
    }

    #[test]
    fn each_shape_maps_its_fields() {
        // LinkedIn's documented UserInfo answer.
        let linkedin = r#"{"sub":"782bbtaQ","name":"John Doe","given_name":"John","family_name":"Doe",
            "picture":"https://media.licdn-ei.com/dms/image/C5F03AQHqK8v7tB1HCQ/profile-displayphoto-shrink_100_100/0/",
            "locale":"en-US","email":"doe@email.com","email_verified":true}"#;
        let facebook = r#"{"id":"10158","name":"Jane Doe","email":"jane@example.com",
            "picture":{"data":{"height":50,"is_silhouette":false,"url":"https://platform-lookaside.fbsbx.com/platform/profilepic/?asid=10158&height=50&width=50","width":50}}}"#;
        let instagram = r#"{"user_id":"17841405822304914","username":"jane.doe","name":"Jane",
            "profile_picture_url":"https://scontent.cdninstagram.com/v/t51/1.jpg","id":"7590"}"#;
        let instagram_id_only = r#"{"id":"7590","username":"jane.doe"}"#;
        let instagram_number = r#"{"user_id":17841405822304914}"#;
        let box_ = r#"{"type":"user","id":"11446498","name":"Aaron Levie","login":"ceo@example.com",
            "avatar_url":"https://www.box.com/api/avatar/large/181216415","status":"active"}"#;
        for (body, shape, profile) in [
            (linkedin, UserinfoShape::Oidc, Profile {
                sub: some("782bbtaQ"), name: some("John Doe"), email: some("doe@email.com"), email_verified: Some(true),
                picture: some("https://media.licdn-ei.com/dms/image/C5F03AQHqK8v7tB1HCQ/profile-displayphoto-shrink_100_100/0/"),
                username: None,
            }),
            (facebook, UserinfoShape::Facebook, Profile {
                sub: some("10158"), name: some("Jane Doe"), email: some("jane@example.com"), email_verified: None,
                picture: some("https://platform-lookaside.fbsbx.com/platform/profilepic/?asid=10158&height=50&width=50"),
                username: None,
            }),
            (instagram, UserinfoShape::Instagram, Profile {
                sub: some("17841405822304914"), name: some("Jane"), email: None, email_verified: None,
                picture: some("https://scontent.cdninstagram.com/v/t51/1.jpg"), username: some("jane.doe"),
            }),
            (instagram_id_only, UserinfoShape::Instagram, Profile {
                sub: some("7590"), username: some("jane.doe"), ..Profile::default()
            }),
            (instagram_number, UserinfoShape::Instagram, Profile {
                sub: some("17841405822304914"), ..Profile::default()
            }),
            (box_, UserinfoShape::Box, Profile {
                sub: some("11446498"), name: some("Aaron Levie"), email: some("ceo@example.com"), email_verified: None,
                picture: some("https://www.box.com/api/avatar/large/181216415"), username: None,
            }),
        ] {
            assert_eq!(profile_from_userinfo(body, shape), Ok(profile), "{body}");
        }
    }

    #[test]
    fn answers_that_name_nobody_are_errors() {
        for (body, shape, message) in [
            (
                "<html>",
                UserinfoShape::Oidc,
                "the profile answer is not a JSON object",
            ),
            (
                "[]",
                UserinfoShape::Box,
                "the profile answer is not a JSON object",
            ),
            (
                r#"{"name":"x"}"#,
                UserinfoShape::Oidc,
                "the profile answer has no `sub`",
            ),
            (
                r#"{"sub":""}"#,
                UserinfoShape::Oidc,
                "the profile answer has no `sub`",
            ),
            (
                r#"{"sub":1.5}"#,
                UserinfoShape::Oidc,
                "the profile answer has no `sub`",
            ),
            (
                r#"{"error":{"message":"Invalid OAuth access token.","code":190}}"#,
                UserinfoShape::Facebook,
                "the profile answer has no `id`",
            ),
            (
                r#"{"username":"x","user_id":null}"#,
                UserinfoShape::Instagram,
                "the profile answer has no `user_id`",
            ),
            (
                r#"{"type":"error","status":401}"#,
                UserinfoShape::Box,
                "the profile answer has no `id`",
            ),
        ] {
            assert_eq!(
                profile_from_userinfo(body, shape),
                Err(message.into()),
                "{body}"
            );
        }
        // A picture that is not https is dropped, the rest kept.
        let body = r#"{"sub":"s","picture":"javascript:alert(1)","name":"<b>x</b>"}"#;
        assert_eq!(
            profile_from_userinfo(body, UserinfoShape::Oidc),
            Ok(Profile {
                sub: some("s"),
                name: some("<b>x</b>"),
                ..Profile::default()
            })
        );
    }

    #[test]
    fn userinfo_fills_and_overrides_only_for_the_same_sub() {
        let claims = Profile {
            sub: some("s"),
            name: some("Old"),
            email: some("a@x"),
            email_verified: Some(true),
            ..Profile::default()
        };
        let userinfo = Profile {
            sub: some("s"),
            name: some("New"),
            picture: some("https://x.example/p"),
            ..Profile::default()
        };
        assert_eq!(
            after_merge(&claims, userinfo.clone()),
            Ok(Profile {
                sub: some("s"),
                name: some("New"),
                email: some("a@x"),
                email_verified: Some(true),
                picture: some("https://x.example/p"),
                username: None
            })
        );
        let stranger = Profile {
            sub: some("t"),
            ..userinfo.clone()
        };
        assert_eq!(
            after_merge(&claims, stranger.clone()),
            Err("the profile answer's sub is not the id_token's: the profile is ignored".into())
        );
        // Refused, the answer leaves the profile as it was.
        let mut kept = claims.clone();
        assert!(merge(&mut kept, stranger).is_err());
        assert_eq!(kept, claims);
        // A new email does not inherit the old one's verification.
        let claims = Profile {
            sub: some("s"),
            email: some("a@x"),
            email_verified: Some(true),
            ..Profile::default()
        };
        let userinfo_email = Profile {
            sub: some("s"),
            email: some("b@x"),
            ..Profile::default()
        };
        let merged = after_merge(&claims, userinfo_email).unwrap();
        assert_eq!((merged.email, merged.email_verified), (some("b@x"), None));
        // Without OpenID there are no claims: the answer is the profile.
        assert_eq!(
            after_merge(&Profile::default(), userinfo.clone()),
            Ok(userinfo)
        );
    }

    #[test]
    fn the_button_shows_name_else_username_else_email() {
        let mut p = Profile {
            email: some("e@x"),
            ..Profile::default()
        };
        assert_eq!(display_name(&p), Some("e@x"));
        p.username = some("u");
        assert_eq!(display_name(&p), Some("u"));
        p.name = some("N");
        assert_eq!(display_name(&p), Some("N"));
        assert_eq!(display_name(&Profile::default()), None);
    }

    #[test]
    fn an_answer_repeating_the_email_without_email_verified_keeps_the_claims() {
        // The profile endpoint's fields fill in the claims': an answer repeating the
        // id_token's email without `email_verified` says nothing against the claims' own.
        let claims = Profile {
            sub: some("s"),
            email: some("a@x"),
            email_verified: Some(true),
            ..Profile::default()
        };
        let userinfo = Profile {
            sub: some("s"),
            email: some("a@x"),
            name: some("A"),
            ..Profile::default()
        };
        let merged = after_merge(&claims, userinfo).unwrap();
        assert_eq!(
            (merged.email, merged.email_verified),
            (some("a@x"), Some(true))
        );
    }

    proptest! {
        #[test]
        fn never_panics(body in "\\PC{0,200}") {
            for shape in [UserinfoShape::Oidc, UserinfoShape::Facebook, UserinfoShape::Instagram, UserinfoShape::Box] {
                let _ = profile_from_userinfo(&body, shape);
            }
            let _ = profile_from_claims(&body);
        }

        #[test]
        fn never_panics_on_structured_junk(
            members in proptest::collection::vec(
                (prop::sample::select(&["sub", "id", "user_id", "name", "email", "login", "picture", "avatar_url", "username", "email_verified"][..]),
                 prop_oneof![
                    "\"\\PC{0,6}\"",
                    Just("{\"data\":{\"url\":\"https://x.example/p\"}}".to_owned()),
                    Just("{\"data\":null}".to_owned()),
                    "-?[0-9]{1,25}(\\.[0-9])?",
                    Just("true".to_owned()),
                    Just("null".to_owned()),
                 ]),
                0..8,
            )
        ) {
            let body = format!("{{{}}}", members.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect::<Vec<_>>().join(","));
            for shape in [UserinfoShape::Oidc, UserinfoShape::Facebook, UserinfoShape::Instagram, UserinfoShape::Box] {
                if let Ok(profile) = profile_from_userinfo(&body, shape) {
                    prop_assert!(profile.sub.is_some());
                    prop_assert!(profile.picture.iter().all(|p| p.starts_with("https://")));
                    let _ = after_merge(&profile_from_claims(&body), profile);
                }
            }
        }
    }
}
