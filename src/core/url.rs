//! The few URL facts the rules need: is it an absolute http(s) URL, what is its origin, is its
//! host a loopback name. Deliberately small: the widget never rewrites a URL it was given, it only
//! checks it and appends parameters.

use super::ascii;
use super::error::text;

/// The parts of an absolute `http:` or `https:` URL that the rules look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlParts {
    /// `http` or `https`, lower case.
    pub scheme: String,
    /// The host, lower case, without the port (IPv6 keeps its brackets).
    pub host: String,
    /// The origin, `scheme://host[:port]`, default ports dropped, lower case.
    pub origin: String,
}

/// Splits an absolute http(s) URL; `None` for anything else, including URLs with user info,
/// a fragment, white space or control characters.
pub fn split_url(url: &str) -> Option<UrlParts> {
    if url
        .chars()
        .any(|c| c.is_ascii_whitespace() || c.is_control())
        || ascii::find(url, b"#").is_some()
    {
        return None;
    }
    // `:` then `//`, not a search for `"://"`: a `str` pattern brings std's two-way searcher
    // (0.9 KB) into the wasm.
    let (scheme, after) = ascii::split_once(url, b':')?;
    let after = after.strip_prefix("//")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => ":80",
        "https" => ":443",
        _ => return None,
    };
    let end = ascii::find(after, b"/?").unwrap_or(after.len());
    let authority = after.get(..end)?;
    if authority.is_empty() || ascii::find(authority, b"@").is_some() {
        return None;
    }
    let authority = authority.to_ascii_lowercase();
    let host_end = match authority.strip_prefix('[') {
        Some(v6) => ascii::find(v6, b"]")? + 2,
        None => ascii::find(&authority, b":").unwrap_or(authority.len()),
    };
    let host = authority.get(..host_end)?;
    let port = authority.get(host_end..)?;
    if host.is_empty() || host == "[]" || !(port.is_empty() || is_port(port)) {
        return None;
    }
    let port = if port == default_port { "" } else { port };
    let origin = text(&[scheme.as_str(), "://", host, port]);
    Some(UrlParts {
        host: host.to_owned(),
        origin,
        scheme,
    })
}

fn is_port(text: &str) -> bool {
    text.strip_prefix(':').is_some_and(|digits| {
        (1..=5).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Whether `host` is a loopback name the contract allows over plain http.
pub fn is_loopback(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

/// Whether `url` is `https:`, or plain `http:` on a loopback host.
pub fn is_secure_endpoint(url: &UrlParts) -> bool {
    url.scheme == "https" || is_loopback(&url.host)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalised() {
        let parts = split_url("HTTPS://Example.COM:443/p?q").unwrap();
        assert_eq!(
            (parts.origin.as_str(), parts.host.as_str()),
            ("https://example.com", "example.com")
        );
        assert_eq!(
            split_url("http://[::1]:8080").unwrap().origin,
            "http://[::1]:8080"
        );
        assert_eq!(split_url("http://[::1]").unwrap().host, "[::1]");
        assert_eq!(
            split_url("http://a.example:8080?x").unwrap().origin,
            "http://a.example:8080"
        );
    }

    #[test]
    fn anything_but_a_plain_absolute_http_url_is_refused() {
        for bad in [
            "http://",
            "http://:80/",
            "http://a:b/",
            "http://a:123456/",
            "ftp://a/",
            "http://a b/",
            "http://u@a/",
            "https://a/#f",
            "/relative",
            "javascript:alert(1)",
            "http://[::1/",
        ] {
            assert_eq!(split_url(bad), None, "{bad}");
        }
    }

    #[test]
    fn loopback_may_use_http() {
        for url in [
            "http://localhost/a",
            "http://127.0.0.1:9090/a",
            "http://[::1]:1/a",
            "https://x.example/",
        ] {
            assert!(is_secure_endpoint(&split_url(url).unwrap()), "{url}");
        }
        for url in ["http://x.example/", "http://localhost.evil.example/"] {
            assert!(!is_secure_endpoint(&split_url(url).unwrap()), "{url}");
        }
    }
}
