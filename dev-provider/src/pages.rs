//! HTML for the consent, account, signed-out and error pages. Every interpolated value
//! goes through [`escape_html`]: app names, scopes, URIs and `state` are
//! attacker-influenced.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::users::{User, USERS};

/// Escapes text for use in HTML element content and double- or single-quoted attributes.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;background:#fafafa;color:#262626;margin:0;padding:2rem 1rem}\
main{max-width:26rem;margin:0 auto;background:#fff;border:1px solid #dbdbdb;border-radius:8px;padding:1.5rem 2rem}\
h1{font-size:1.3rem;margin:.2rem 0 1rem}.brand{color:#8e8e8e;font-size:.85rem;margin:0}\
ul{padding-left:1.2rem}li{margin:.2rem 0}code{word-break:break-all}.muted{color:#8e8e8e;font-size:.9rem}\
.actions{display:flex;gap:.75rem;margin-top:1.5rem}\
button{flex:1;font:inherit;font-weight:600;padding:.6rem;border-radius:6px;cursor:pointer}\
.allow{background:#0095f6;color:#fff;border:1px solid #0095f6}.deny{background:#fff;color:#262626;border:1px solid #dbdbdb}\
.error h1{color:#c62828}.accounts button{display:block;width:100%;margin:.4rem 0;text-align:left;background:#fff;border:1px solid #dbdbdb}\
.accounts button.current{border-color:#0095f6}";

/// Wraps a body in the shared document skeleton.
fn document(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        escape_html(title)
    )
}

/// An HTML response that must not be cached, framed or leak its URL (which holds
/// `state`) via the Referer header.
pub fn html_response(status: StatusCode, html: String) -> Response {
    (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                // No form-action: Chrome applies it to the post-submit redirect too.
                HeaderValue::from_static(
                    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
                ),
            ),
        ],
        html,
    )
        .into_response()
}

/// The 400 page for requests that cannot safely be redirected back to the client.
pub fn error_page(message: &str) -> Response {
    error_page_titled("Authorization error", message)
}

/// [`error_page`] with a heading that names the problem (e.g. `Invalid redirect_uri`).
pub fn error_page_titled(heading: &str, message: &str) -> Response {
    let body = format!(
        "<main class=\"error\">\n<p class=\"brand\">dev-provider</p>\n<h1 id=\"error-title\">{}</h1>\n\
         <p id=\"error-message\">{}</p>\n\
         <p class=\"muted\">The application sent an invalid authorization request, so you were not redirected back to it.</p>\n</main>\n",
        escape_html(heading),
        escape_html(message)
    );
    html_response(StatusCode::BAD_REQUEST, document(heading, &body))
}

/// Everything the consent page shows and re-submits.
#[derive(Debug, Clone, Copy)]
pub struct Consent<'a> {
    /// Client display name.
    pub app_name: &'a str,
    /// Parsed scopes, for display.
    pub scopes: &'a [String],
    /// The request parameters to carry as hidden fields, in order.
    pub hidden: &'a [(&'a str, &'a str)],
    /// Where the user will be sent afterwards.
    pub redirect_uri: &'a str,
    /// The signed-in user.
    pub user: &'a User,
    /// The "Use another account" link: the account page, returning here.
    pub switch_account: &'a str,
}

/// The consent page with **Allow** and **Deny** buttons.
pub fn consent_page(c: &Consent<'_>) -> Response {
    let app = escape_html(c.app_name);
    let scopes = if c.scopes.is_empty() {
        "<p class=\"muted\" id=\"no-scopes\">No specific permissions were requested (basic profile access).</p>\n"
            .to_owned()
    } else {
        let items: String = c
            .scopes
            .iter()
            .map(|s| format!("<li>{}</li>\n", escape_html(s)))
            .collect();
        format!("<p><strong>{app}</strong> is requesting these permissions:</p>\n<ul id=\"scopes\">\n{items}</ul>\n")
    };
    let hidden: String = c
        .hidden
        .iter()
        .map(|(name, value)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
                escape_html(name),
                escape_html(value)
            )
        })
        .collect();
    let body = format!(
        "<main>\n<p class=\"brand\">dev-provider &middot; Instagram-style OAuth</p>\n\
         <h1>Authorize {app}</h1>\n\
         <p>Signed in as <strong id=\"signed-in\">@{user}</strong> ({name}). \
         <a id=\"switch-account\" href=\"{switch}\">Use another account</a></p>\n{scopes}\
         <p class=\"muted\">You will be redirected to <code>{redirect}</code>.</p>\n\
         <form method=\"post\" action=\"/oauth/authorize\">\n{hidden}\
         <div class=\"actions\">\n\
         <button type=\"submit\" name=\"decision\" value=\"allow\" class=\"allow\">Allow</button>\n\
         <button type=\"submit\" name=\"decision\" value=\"deny\" class=\"deny\">Deny</button>\n\
         </div>\n</form>\n</main>\n",
        user = escape_html(c.user.username),
        name = escape_html(c.user.full_name),
        switch = escape_html(c.switch_account),
        redirect = escape_html(c.redirect_uri),
    );
    html_response(
        StatusCode::OK,
        document(&format!("Authorize {}", c.app_name), &body),
    )
}

/// The account page: one button per built-in user (`id="account-<username>"`), posting
/// to `/account`, which signs in and goes back to `return_to` (the authorization request).
pub fn account_page(current: Option<&User>, return_to: Option<&str>) -> Response {
    let hidden = return_to.map_or(String::new(), |r| {
        format!(
            "<input type=\"hidden\" name=\"return\" value=\"{}\">\n",
            escape_html(r)
        )
    });
    let buttons: String = USERS
        .iter()
        .map(|u| {
            let class = if current == Some(u) {
                " class=\"current\""
            } else {
                ""
            };
            format!(
                "<button type=\"submit\" name=\"user\" value=\"{0}\" id=\"account-{0}\"{class}>\
                 <strong>{1}</strong> @{0} &middot; {2}</button>\n",
                escape_html(u.username),
                escape_html(u.full_name),
                escape_html(u.email)
            )
        })
        .collect();
    let status = match current {
        Some(u) => format!(
            "<p id=\"account-status\">Signed in as <strong>@{}</strong>.</p>\n",
            escape_html(u.username)
        ),
        None => "<p id=\"account-status\">You are signed out.</p>\n".to_owned(),
    };
    let body = format!(
        "<main>\n<p class=\"brand\">dev-provider</p>\n<h1>Choose an account</h1>\n{status}\
         <form method=\"post\" action=\"/account\" class=\"accounts\">\n{hidden}{buttons}</form>\n</main>\n"
    );
    html_response(StatusCode::OK, document("Choose an account", &body))
}

/// The page `GET /logout` shows when it has nowhere to send the browser back to.
pub fn signed_out_page() -> Response {
    let body = "<main>\n<p class=\"brand\">dev-provider</p>\n<h1 id=\"signed-out\">You are signed out</h1>\n\
                <p class=\"muted\">The next login will ask which account to use.</p>\n</main>\n";
    html_response(StatusCode::OK, document("Signed out", body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_all_special_characters() {
        assert_eq!(
            escape_html(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
