//! The few URL facts the rules need: is it an absolute http(s) URL, what is its origin, is its
//! host a loopback name. The widget never rewrites a URL it was given: it checks it and appends
//! parameters.

use crate::core::text::{cat, find, has_control, is_one_of, parse_decimal, push_decimal, Lend};

/// An absolute `http:` or `https:` URL's origin, `scheme://host[:port]`, lower case, default
/// port dropped; `None` for anything else, user info, a fragment, white space or control
/// characters included.
#[allow(clippy::redundant_guards)]
pub fn origin_of(url: &str) -> Option<String> {
    if has_control(url, b" #") {
        return None;
    }
    // Lowered once, whole (only the scheme and authority are read from it).
    let url = url.to_ascii_lowercase();
    let (scheme_slashes, default_port, after) = match url.strip_prefix("http://") {
        Some(after) => ("http://", 80, after),
        None => ("https://", 443, url.strip_prefix("https://")?),
    };
    // A backslash ends it too: http(s) URLs read it as `/` (`https://a.example\x` is a.example's).
    // User info, an `@` in it, is read as its end, and refused.
    let end = find(after, b"/?\\@").unwrap_or(after.len());
    if after.as_bytes().get(end) == Some(&b'@') {
        return None;
    }
    let authority = after.get(..end)?;
    let host_end = match authority.strip_prefix("[") {
        // An IPv6 literal holds something between its brackets, and nothing but an address's
        // characters (a browser refuses `[zz]`, so it is never a page's origin).
        // Read as: the first byte that is no address character is its `]`, after one that is.
        Some(v6) => {
            let (mut at, mut rest) = (0, v6.as_bytes());
            while let [b, tail @ ..] = rest {
                if !is_one_of(*b, b"0123456789abcdef:.") {
                    break;
                }
                at += 1;
                rest = tail;
            }
            match rest {
                [b']', ..] if at > 0 => at + 2,
                _ => return None,
            }
        }
        None => find(authority, b":").unwrap_or(authority.len()),
    };
    let (host, port) = authority.split_at_checked(host_end)?;
    if host.is_empty() {
        return None;
    }
    // A port is a number to 65535, written as the page's origin writes it: the scheme's default
    // dropped, and no leading zero, however it is written (`:080` is `http:`'s, `:08080` 8080).
    // None written (`a.example:/`) is the default, as browsers read it. The number is written
    // anew, in place, so with no leading zero.
    let port = match port.strip_prefix(":") {
        None if port.is_empty() => default_port,
        // `is_empty`, not the `""` pattern clippy asks for: that calls the slices' comparison.
        Some(digits) if digits.is_empty() => default_port,
        digits => match parse_decimal(digits?, 5)? {
            n if n > 65535 => return None,
            n => n,
        },
    };
    let mut origin = cat(&[scheme_slashes, host]);
    if port != default_port {
        origin.push(':');
        push_decimal(&mut origin, port);
    }
    Some(origin)
}

/// Whether `origin` (as [`origin_of`] gives it) is `https:`, or plain `http:` on a loopback host.
pub fn is_secure(origin: &str) -> bool {
    let Some(host) = origin.strip_prefix("http://") else {
        return origin.starts_with("https://");
    };
    // A loopback name, then the origin's end or its port's `:` (all `origin_of` writes after a
    // host), compared as bytes in place: no host is cut out first.
    let host = host.as_bytes();
    let mut names: &[&str] = &["localhost", "127.0.0.1", "[::1]"];
    while let [name, tail @ ..] = names {
        if host.starts_with(name.as_bytes()) && matches!(host.get(name.len()), None | Some(b':')) {
            return true;
        }
        names = tail;
    }
    false
}

/// Whether `url` is an `https:` URL, or a plain `http:` one on a loopback host (a provider on
/// this machine): one function for the discovery document's endpoints and the profile's picture.
pub fn is_secure_url(url: &str) -> bool {
    // The origin lent (no origin reads as none that is secure): dropped in one place.
    is_secure(origin_of(url).lend().unwrap_or(""))
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalised() {
        for (url, origin) in [
            ("HTTPS://Example.COM:443/p?q", "https://example.com"),
            ("http://[::1]:8080", "http://[::1]:8080"),
            ("http://[::1]", "http://[::1]"),
            ("http://a.example:8080?x", "http://a.example:8080"),
            ("http://a.example:80/", "http://a.example"),
            ("http://localhost:080/cb", "http://localhost"),
            ("https://a.example:0443", "https://a.example"),
            ("http://a.example:65535/", "http://a.example:65535"),
            ("http://a.example:0/", "http://a.example:0"),
            ("http://a.example:08080/", "http://a.example:8080"),
            ("http://a.example:00/", "http://a.example:0"),
            // As `new URL(...).origin` reads them: an empty port, a backslash for a slash.
            ("http://a.example:/p", "http://a.example"),
            ("http://[::1]:/", "http://[::1]"),
            ("https://a.example\\x/", "https://a.example"),
            ("https://a.example:8443\\", "https://a.example:8443"),
            (
                "http://[::ffff:127.0.0.1]:09/",
                "http://[::ffff:127.0.0.1]:9",
            ),
        ] {
            assert_eq!(origin_of(url).as_deref(), Some(origin), "{url}");
        }
    }

    #[test]
    fn anything_but_a_plain_absolute_http_url_is_refused() {
        for bad in [
            "http://",
            "http://:80/",
            "http://a:b/",
            "http://a:123456/",
            "http://a:65536/",
            "http://a:70000/",
            "ftp://a/",
            "http://a b/",
            "http://u@a/",
            "https://a/#f",
            "/relative",
            "javascript:alert(1)",
            "http://[::1/",
            "http://[zz]/",
            "http://[::1%25eth0]/",
            "http:/a",
            "http://a\u{7f}/",
        ] {
            assert_eq!(origin_of(bad), None, "{bad}");
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
            assert!(is_secure(&origin_of(url).unwrap()), "{url}");
        }
        for url in [
            "http://x.example/",
            "http://localhost.evil.example/",
            "http://127.0.0.1.nip.io/",
        ] {
            assert!(!is_secure(&origin_of(url).unwrap()), "{url}");
        }
    }
}
