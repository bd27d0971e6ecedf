//! The built-in users, who is signed in (a cookie on the provider's origin), and their
//! profile pictures.
//!
//! There are no passwords: a browser is signed in as `snoopdogg` (Instagram's documented
//! example user) until the consent page's "Use another account" picks another, or
//! `GET /logout` signs it out. Each browser (each test's browser context) has its own
//! cookie, so tests running side by side do not see each other's account.

use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};

/// One built-in user.
#[derive(Debug, PartialEq, Eq)]
pub struct User {
    /// The stable id: the `sub` of id_tokens, the `id` of the `/v1` API.
    pub id: &'static str,
    /// The username (`preferred_username`).
    pub username: &'static str,
    /// The display name (`name`).
    pub full_name: &'static str,
    /// The e-mail address (`email`, verified).
    pub email: &'static str,
    /// The avatar's colour, so each user's picture differs.
    color: &'static str,
}

/// Everyone who can sign in; the first is signed in until another is chosen.
pub const USERS: [User; 3] = [
    User {
        id: "1574083",
        username: "snoopdogg",
        full_name: "Snoop Dogg",
        email: "snoopdogg@dev-provider.example",
        color: "#8e44ad",
    },
    User {
        id: "2048001",
        username: "alice",
        full_name: "Alice Liddell",
        email: "alice@dev-provider.example",
        color: "#d35400",
    },
    User {
        id: "2048002",
        username: "bob",
        full_name: "Bob Builder",
        email: "bob@dev-provider.example",
        color: "#16a085",
    },
];

/// The user a browser without the cookie is signed in as.
pub fn default_user() -> &'static User {
    &USERS[0]
}

/// The user with this username.
pub fn find(username: &str) -> Option<&'static User> {
    USERS.iter().find(|u| u.username == username)
}

/// The cookie naming the signed-in user, or [`SIGNED_OUT`].
const COOKIE: &str = "dev_provider_user";
/// The cookie's value after a logout.
const SIGNED_OUT: &str = "-";

/// Who the browser is signed in as: the cookie's user, the default user without a cookie,
/// nobody after a logout (or with a cookie naming no user).
pub fn signed_in(headers: &HeaderMap) -> Option<&'static User> {
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value);
    match cookie {
        None => Some(default_user()),
        Some(username) => find(username),
    }
}

/// `Set-Cookie` signing the browser in as `user`, or out.
pub fn set_cookie(user: Option<&User>) -> HeaderValue {
    let value = user.map_or(SIGNED_OUT, |u| u.username);
    // Lax: sent on the top-level navigations to /oauth/authorize and /logout.
    HeaderValue::from_str(&format!("{COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax"))
        .unwrap_or(HeaderValue::from_static("dev_provider_user=-; Path=/"))
}

/// The absolute URL of `user`'s picture. The first user keeps Instagram's historical
/// `/static/avatar.svg`.
pub fn picture_url(origin: &str, user: &User) -> String {
    if user == default_user() {
        format!("{origin}/static/avatar.svg")
    } else {
        format!("{origin}/static/avatar/{}.svg", user.username)
    }
}

/// `GET /static/avatar/{username}.svg`: a round picture with the user's initial.
pub async fn avatar(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let user = file.strip_suffix(".svg").and_then(find);
    let Some(user) = user.filter(|u| *u != default_user()) else {
        return crate::plain(
            axum::http::StatusCode::NOT_FOUND,
            format!("404 Not Found: no avatar {file}\n"),
        );
    };
    let initial = user.full_name.chars().next().unwrap_or('?');
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"150\" height=\"150\" viewBox=\"0 0 150 150\">\
         <circle cx=\"75\" cy=\"75\" r=\"75\" fill=\"{}\"/>\
         <text x=\"75\" y=\"98\" font-family=\"sans-serif\" font-size=\"64\" fill=\"#fff\" text-anchor=\"middle\">{initial}</text></svg>\n",
        user.color
    );
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        svg,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_cookie(cookie: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_str(cookie).unwrap());
        headers
    }

    #[test]
    fn the_cookie_says_who_is_signed_in() {
        assert_eq!(signed_in(&HeaderMap::new()), Some(default_user()));
        assert_eq!(
            signed_in(&with_cookie("a=1; dev_provider_user=alice")).map(|u| u.username),
            Some("alice")
        );
        assert_eq!(signed_in(&with_cookie("dev_provider_user=-")), None);
        assert_eq!(signed_in(&with_cookie("dev_provider_user=mallory")), None);
        assert_eq!(
            set_cookie(find("bob")),
            "dev_provider_user=bob; Path=/; HttpOnly; SameSite=Lax"
        );
        assert_eq!(
            set_cookie(None),
            "dev_provider_user=-; Path=/; HttpOnly; SameSite=Lax"
        );
    }

    #[test]
    fn users_are_distinct() {
        for (i, a) in USERS.iter().enumerate() {
            for b in &USERS[i + 1..] {
                assert!(a.id != b.id && a.username != b.username && a.email != b.email);
                assert!(a.full_name != b.full_name && a.color != b.color);
            }
        }
        assert_eq!(
            picture_url("http://h", default_user()),
            "http://h/static/avatar.svg"
        );
        assert_eq!(
            picture_url("http://h", &USERS[1]),
            "http://h/static/avatar/alice.svg"
        );
    }
}
