//! Sign-in and request rules: password policy, failed-sign-in limits, session lifetimes and the
//! Origin check on state-changing requests. Pure: `now` is always a parameter.

use crate::error::AppError;
use crate::timefmt::wait_phrase;

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 256;
/// API keys are `sl_` followed by 64 hex characters; the prefix makes a leaked key easy to spot.
pub const API_KEY_PREFIX: &str = "sl_";

pub fn check_password_policy(password: &str) -> Result<(), AppError> {
    let count = password.chars().count();
    if count < MIN_PASSWORD_CHARS {
        return Err(AppError::invalid(
            "password",
            format!("The password has {count} characters; use at least {MIN_PASSWORD_CHARS}."),
        ));
    }
    if count > MAX_PASSWORD_CHARS {
        return Err(AppError::invalid(
            "password",
            format!(
                "The password has {count} characters; at most {MAX_PASSWORD_CHARS} are allowed."
            ),
        ));
    }
    Ok(())
}

/// How many failed sign-ins are tolerated, per account and per client address, in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimits {
    pub per_account: usize,
    pub per_address: usize,
    pub window_ms: i64,
}

/// When a subject has `limit` failures inside the window, it is blocked until the oldest of
/// those failures leaves the window. Returns the seconds to wait, if blocked.
fn blocked_for(failures: &[i64], limit: usize, window_ms: i64, now: i64) -> Option<u64> {
    let mut recent: Vec<i64> = failures
        .iter()
        .copied()
        .filter(|at| now - at < window_ms)
        .collect();
    if recent.len() < limit {
        return None;
    }
    recent.sort_unstable();
    let oldest_counted = recent[recent.len() - limit];
    let wait_ms = oldest_counted + window_ms - now;
    Some((wait_ms.max(1) as u64).div_ceil(1000))
}

/// Decides whether a sign-in attempt may be tried at all, given the recent failures for the
/// account and for the client address. The error says when to retry.
pub fn check_login_allowed(
    account_failures: &[i64],
    address_failures: &[i64],
    limits: LoginLimits,
    now: i64,
) -> Result<(), AppError> {
    let account = blocked_for(account_failures, limits.per_account, limits.window_ms, now);
    let address = blocked_for(address_failures, limits.per_address, limits.window_ms, now);
    let (wait, whom) = match (account, address) {
        (None, None) => return Ok(()),
        (Some(a), Some(b)) if b > a => (b, "from your network address"),
        (Some(a), _) => (a, "for this account"),
        (None, Some(b)) => (b, "from your network address"),
    };
    Err(AppError::TooManyRequests {
        message: format!(
            "Too many failed sign-ins {whom}. Try again in {}.",
            wait_phrase(wait)
        ),
        retry_after_secs: wait,
    })
}

/// `check_login_allowed` for an attempt already counted in both lists (written at `now` before
/// its password is checked, so it is the newest of each): the limits apply to the attempts
/// before it.
pub fn check_attempt_allowed(
    account_attempts: &[i64],
    address_attempts: &[i64],
    limits: LoginLimits,
    now: i64,
) -> Result<(), AppError> {
    let without_newest = |attempts: &[i64]| {
        let mut earlier = attempts.to_vec();
        if let Some(newest) = earlier
            .iter()
            .enumerate()
            .max_by_key(|(_, at)| **at)
            .map(|(i, _)| i)
        {
            earlier.swap_remove(newest);
        }
        earlier
    };
    check_login_allowed(
        &without_newest(account_attempts),
        &without_newest(address_attempts),
        limits,
        now,
    )
}

/// The address the per-address limits count: an IPv4 address, or the /64 network of an IPv6
/// one (a single client commonly holds a whole /64, and could otherwise pick a new address for
/// every request).
pub fn address_bucket(addr: &str) -> String {
    match addr.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(std::net::IpAddr::V6(v6)) => v6
            .to_ipv4_mapped()
            .map(|v4| v4.to_string())
            .unwrap_or_default(),
        _ => addr.to_string(),
    }
}

/// The client's address from the peer and `X-Forwarded-For`, past `trusted_proxies` proxies:
/// each proxy appends the address it was reached from, so the client is the entry that many
/// places from the right. Entries left of it are whatever the client sent, and never count.
pub fn client_address(peer: &str, forwarded_for: Option<&str>, trusted_proxies: usize) -> String {
    if trusted_proxies == 0 {
        return peer.to_string();
    }
    let hops: Vec<&str> = forwarded_for
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .collect();
    match hops.len().checked_sub(trusted_proxies) {
        Some(i) => hops[i].to_string(),
        // Fewer hops than proxies: the request did not come through all of them.
        None => hops
            .first()
            .map(|h| h.to_string())
            .unwrap_or_else(|| peer.to_string()),
    }
}

/// A path of this site and nothing a browser would read as another site: one leading `/`, then
/// only the characters of Sightline's own paths and queries (no `\\`, no second `/` first, no
/// control characters, which browsers drop or turn into `/`).
pub fn is_local_path(next: &str) -> bool {
    let mut chars = next.chars();
    chars.next() == Some('/')
        && !next.starts_with("//")
        && next.len() <= 2000
        && chars.all(|c| c.is_ascii_alphanumeric() || "/-_.~?=&%+:,".contains(c))
}

/// Whether a request's Host is one Sightline answers to: the public URL's host, or a loopback
/// name (for `make run` and tests). A page of another site that resolves its own name to this
/// server (DNS rebinding) sends its own name, and is refused.
pub fn host_allowed(host: &str, public_url: &str) -> bool {
    let name = |h: &str| -> String {
        let h = h.trim().to_ascii_lowercase();
        if let Some(rest) = h.strip_prefix('[') {
            return rest.split(']').next().unwrap_or("").to_string();
        }
        h.rsplit_once(':')
            .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
            .map(|(n, _)| n.to_string())
            .unwrap_or(h)
    };
    let host = name(host);
    let public = public_url
        .split("://")
        .nth(1)
        .unwrap_or("")
        .split('/')
        .next()
        .unwrap_or("");
    host.is_empty()
        || host == name(public)
        || host == "localhost"
        || host.ends_with(".localhost")
        || host == "::1"
        || host.starts_with("127.")
}

/// Session lifetimes: a session ends after `idle_ms` without use, and in any case `absolute_ms`
/// after sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLifetimes {
    pub idle_ms: i64,
    pub absolute_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionVerdict {
    /// Valid; `touch` says whether to record the use (throttled to spare the database a write
    /// per request).
    Valid {
        touch: bool,
    },
    Expired,
}

/// How stale `last_seen_at` may get before a request records a new one.
pub const TOUCH_EVERY_MS: i64 = 60 * 1000;

pub fn session_verdict(
    created_at: i64,
    last_seen_at: i64,
    lifetimes: SessionLifetimes,
    now: i64,
) -> SessionVerdict {
    if now - created_at >= lifetimes.absolute_ms || now - last_seen_at >= lifetimes.idle_ms {
        return SessionVerdict::Expired;
    }
    SessionVerdict::Valid {
        touch: now - last_seen_at >= TOUCH_EVERY_MS,
    }
}

/// The Origin check for state-changing requests. A browser names the page that sent the
/// request in `Origin` (and says `Sec-Fetch-Site: cross-site` when it is another site); a
/// request from another origin is refused. Requests with neither header come from non-browser
/// clients (curl, Qlik API clients with a bearer key), which no other site can forge.
pub fn is_same_origin_request(
    method: &str,
    origin: Option<&str>,
    sec_fetch_site: Option<&str>,
    host: Option<&str>,
) -> bool {
    if matches!(method, "GET" | "HEAD" | "OPTIONS") {
        return true;
    }
    if sec_fetch_site == Some("cross-site") {
        return false;
    }
    match origin {
        None => true,
        Some("null") => false,
        Some(origin) => {
            let origin_host = origin
                .split_once("://")
                .map(|(_, rest)| rest)
                .unwrap_or(origin);
            host.is_some_and(|host| origin_host.eq_ignore_ascii_case(host))
        }
    }
}

/// Reads an API key out of an `Authorization: Bearer …` header value.
pub fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Finds one cookie's value in a `Cookie` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Links to choose a new password one email may be sent in the sign-in window: enough for a
/// lost message, too few to flood someone's mailbox.
pub const RESETS_PER_ACCOUNT: usize = 3;
/// Reset requests one client address may make in the window, for any emails.
pub const RESETS_PER_ADDRESS: usize = 10;

/// Whether a "forgot password" request is sent, given the requests in the window (this one
/// included) for its email and from its address.
pub fn reset_allowed(account_requests: usize, address_requests: usize) -> bool {
    account_requests <= RESETS_PER_ACCOUNT && address_requests <= RESETS_PER_ADDRESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_after_sign_in_is_a_path_of_this_site() {
        assert!(is_local_path("/spaces/abc?tab=members"));
        assert!(is_local_path("/"));
        for evil in [
            "//evil.example",
            "/\\evil.example",
            "/\tevil.example",
            "/%09/x\n",
            "https://evil.example",
            "evil",
            "",
        ] {
            assert!(!is_local_path(evil), "{evil:?}");
        }
    }

    #[test]
    fn only_the_public_host_and_loopback_names_are_answered() {
        let public = "https://bi.example.com";
        assert!(host_allowed("bi.example.com", public));
        assert!(host_allowed("BI.example.com:443", public));
        assert!(host_allowed("127.0.0.1:3000", public));
        assert!(host_allowed("localhost:3000", public));
        assert!(host_allowed("[::1]:3000", public));
        assert!(
            !host_allowed("evil.example:3000", public),
            "a rebinding site's own name"
        );
        assert!(!host_allowed("bi.example.com.evil.example", public));
        assert!(host_allowed("sightline.test", "http://sightline.test"));
    }

    #[test]
    fn the_client_is_read_from_the_right_past_the_trusted_proxies() {
        assert_eq!(
            client_address("10.0.0.1", Some("6.6.6.6, 203.0.113.7"), 0),
            "10.0.0.1",
            "no proxy: the header is the client's own words"
        );
        assert_eq!(
            client_address("10.0.0.1", Some("6.6.6.6, 203.0.113.7"), 1),
            "203.0.113.7",
            "one proxy appended the real address; the spoofed one is left of it"
        );
        assert_eq!(
            client_address("10.0.0.1", Some("6.6.6.6, 203.0.113.7, 10.0.0.9"), 2),
            "203.0.113.7"
        );
        assert_eq!(client_address("10.0.0.1", None, 1), "10.0.0.1");
        assert_eq!(address_bucket("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(
            address_bucket("2001:db8:1:2:bbbb::9"),
            "2001:db8:1:2::/64",
            "one /64 is one client"
        );
        assert_eq!(address_bucket("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(address_bucket("203.0.113.7"), "203.0.113.7");
    }

    #[test]
    fn an_attempt_counted_before_its_check_is_held_to_the_limit_of_those_before_it() {
        let limits = LoginLimits {
            per_account: 2,
            per_address: 10,
            window_ms: 60_000,
        };
        assert!(
            check_attempt_allowed(&[1000], &[1000], limits, 1000).is_ok(),
            "the first attempt"
        );
        assert!(
            check_attempt_allowed(&[10, 20, 1000], &[1000], limits, 1000).is_err(),
            "two failures before it: refused"
        );
        assert!(check_attempt_allowed(&[10, 1000], &[1000], limits, 1000).is_ok());
    }

    const MIN: i64 = 60 * 1000;

    #[test]
    fn passwords_need_ten_characters() {
        assert!(check_password_policy("short")
            .unwrap_err()
            .to_string()
            .contains("at least 10"));
        assert!(check_password_policy("long enough!").is_ok());
        assert!(check_password_policy(&"x".repeat(257)).is_err());
    }

    #[test]
    fn failed_sign_ins_are_limited_per_account_and_per_address() {
        let limits = LoginLimits {
            per_account: 5,
            per_address: 20,
            window_ms: 15 * MIN,
        };
        let now = 100 * MIN;
        let four: Vec<i64> = (0..4).map(|i| now - i * MIN).collect();
        let five: Vec<i64> = (0..5).map(|i| now - i * MIN).collect();
        let old_five: Vec<i64> = (0..5).map(|i| now - 20 * MIN - i * MIN).collect();
        let twenty: Vec<i64> = (0..20).map(|i| now - i * 10_000).collect();
        let cases: Vec<(&str, &[i64], &[i64], Option<&str>)> = vec![
            ("four failures leave the account open", &four, &[], None),
            (
                "the fifth failure within 15 minutes locks the account",
                &five,
                &[],
                Some("for this account"),
            ),
            (
                "failures older than the window are forgotten",
                &old_five,
                &[],
                None,
            ),
            (
                "twenty failures from one address lock the address",
                &[],
                &twenty,
                Some("network address"),
            ),
        ];
        for (case, account, address, expected) in cases {
            let got = check_login_allowed(account, address, limits, now);
            match expected {
                None => assert!(got.is_ok(), "{case}: {got:?}"),
                Some(fragment) => {
                    let err = got.expect_err(case);
                    assert!(err.to_string().contains(fragment), "{case}: {err}");
                }
            }
        }
    }

    #[test]
    fn a_locked_account_is_told_when_to_retry() {
        let limits = LoginLimits {
            per_account: 5,
            per_address: 20,
            window_ms: 15 * MIN,
        };
        let now = 100 * MIN;
        // Oldest counted failure was 4 minutes ago: 11 minutes left.
        let five: Vec<i64> = (0..5).map(|i| now - i * MIN).collect();
        match check_login_allowed(&five, &[], limits, now) {
            Err(AppError::TooManyRequests {
                message,
                retry_after_secs,
            }) => {
                assert_eq!(retry_after_secs, 11 * 60);
                assert!(message.contains("Try again in 11 minutes"), "{message}");
            }
            other => panic!("expected a lock, got {other:?}"),
        }
    }

    #[test]
    fn sessions_end_when_idle_or_too_old() {
        let lifetimes = SessionLifetimes {
            idle_ms: 30 * MIN,
            absolute_ms: 8 * 60 * MIN,
        };
        let cases = [
            (
                "fresh",
                0,
                0,
                10_000,
                SessionVerdict::Valid { touch: false },
            ),
            (
                "used two minutes ago",
                0,
                0,
                2 * MIN,
                SessionVerdict::Valid { touch: true },
            ),
            ("idle 30 minutes", 0, 0, 30 * MIN, SessionVerdict::Expired),
            (
                "in use but 8 hours old",
                0,
                8 * 60 * MIN - MIN,
                8 * 60 * MIN,
                SessionVerdict::Expired,
            ),
        ];
        for (case, created, seen, now, expected) in cases {
            assert_eq!(
                session_verdict(created, seen, lifetimes, now),
                expected,
                "{case}"
            );
        }
    }

    #[test]
    fn state_changing_requests_from_other_origins_are_refused() {
        let host = Some("portal.example.com");
        let cases = [
            (
                "a GET is never refused",
                "GET",
                Some("https://evil.example"),
                None,
                true,
            ),
            (
                "same origin",
                "POST",
                Some("https://portal.example.com"),
                Some("same-origin"),
                true,
            ),
            (
                "another origin",
                "POST",
                Some("https://evil.example"),
                None,
                false,
            ),
            ("a sandboxed frame", "POST", Some("null"), None, false),
            (
                "the browser says cross-site",
                "DELETE",
                None,
                Some("cross-site"),
                false,
            ),
            ("a non-browser client", "PATCH", None, None, true),
        ];
        for (case, method, origin, site, expected) in cases {
            assert_eq!(
                is_same_origin_request(method, origin, site, host),
                expected,
                "{case}"
            );
        }
    }

    #[test]
    fn headers_are_read_carefully() {
        assert_eq!(bearer_token("Bearer sl_abc"), Some("sl_abc"));
        assert_eq!(bearer_token("bearer   sl_abc "), Some("sl_abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(
            cookie_value("a=1; sightline_session=xyz; b=2", "sightline_session"),
            Some("xyz")
        );
        assert_eq!(cookie_value("a=1", "sightline_session"), None);
    }

    #[test]
    fn a_reset_link_is_sent_three_times_an_email_and_ten_times_an_address() {
        for (account, address, sent) in [
            (1, 1, true),
            (3, 3, true),
            (4, 4, false),
            (1, 10, true),
            (1, 11, false),
        ] {
            assert_eq!(reset_allowed(account, address), sent, "{account} {address}");
        }
    }
}
