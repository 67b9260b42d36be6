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
            format!("The password has {count} characters; at most {MAX_PASSWORD_CHARS} are allowed."),
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

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits { per_account: 5, per_address: 20, window_ms: 15 * 60 * 1000 }
    }
}

/// When a subject has `limit` failures inside the window, it is blocked until the oldest of
/// those failures leaves the window. Returns the seconds to wait, if blocked.
fn blocked_for(failures: &[i64], limit: usize, window_ms: i64, now: i64) -> Option<u64> {
    let mut recent: Vec<i64> = failures.iter().copied().filter(|at| now - at < window_ms).collect();
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
        message: format!("Too many failed sign-ins {whom}. Try again in {}.", wait_phrase(wait)),
        retry_after_secs: wait,
    })
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
    Valid { touch: bool },
    Expired,
}

/// How stale `last_seen_at` may get before a request records a new one.
pub const TOUCH_EVERY_MS: i64 = 60 * 1000;

pub fn session_verdict(created_at: i64, last_seen_at: i64, lifetimes: SessionLifetimes, now: i64) -> SessionVerdict {
    if now - created_at >= lifetimes.absolute_ms || now - last_seen_at >= lifetimes.idle_ms {
        return SessionVerdict::Expired;
    }
    SessionVerdict::Valid { touch: now - last_seen_at >= TOUCH_EVERY_MS }
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
            let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or(origin);
            host.is_some_and(|host| origin_host.eq_ignore_ascii_case(host))
        }
    }
}

/// Reads an API key out of an `Authorization: Bearer …` header value.
pub fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

/// Finds one cookie's value in a `Cookie` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').filter_map(|pair| pair.trim().split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60 * 1000;

    #[test]
    fn passwords_need_ten_characters() {
        assert!(check_password_policy("short").unwrap_err().to_string().contains("at least 10"));
        assert!(check_password_policy("long enough!").is_ok());
        assert!(check_password_policy(&"x".repeat(257)).is_err());
    }

    #[test]
    fn failed_sign_ins_are_limited_per_account_and_per_address() {
        let limits = LoginLimits::default();
        let now = 100 * MIN;
        let four: Vec<i64> = (0..4).map(|i| now - i * MIN).collect();
        let five: Vec<i64> = (0..5).map(|i| now - i * MIN).collect();
        let old_five: Vec<i64> = (0..5).map(|i| now - 20 * MIN - i * MIN).collect();
        let twenty: Vec<i64> = (0..20).map(|i| now - i * 10_000).collect();
        let cases: Vec<(&str, &[i64], &[i64], Option<&str>)> = vec![
            ("four failures leave the account open", &four, &[], None),
            ("the fifth failure within 15 minutes locks the account", &five, &[], Some("for this account")),
            ("failures older than the window are forgotten", &old_five, &[], None),
            ("twenty failures from one address lock the address", &[], &twenty, Some("network address")),
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
        let limits = LoginLimits::default();
        let now = 100 * MIN;
        // Oldest counted failure was 4 minutes ago: 11 minutes left.
        let five: Vec<i64> = (0..5).map(|i| now - i * MIN).collect();
        match check_login_allowed(&five, &[], limits, now) {
            Err(AppError::TooManyRequests { message, retry_after_secs }) => {
                assert_eq!(retry_after_secs, 11 * 60);
                assert!(message.contains("Try again in 11 minutes"), "{message}");
            }
            other => panic!("expected a lock, got {other:?}"),
        }
    }

    #[test]
    fn sessions_end_when_idle_or_too_old() {
        let lifetimes = SessionLifetimes { idle_ms: 30 * MIN, absolute_ms: 8 * 60 * MIN };
        let cases = [
            ("fresh", 0, 0, 10_000, SessionVerdict::Valid { touch: false }),
            ("used two minutes ago", 0, 0, 2 * MIN, SessionVerdict::Valid { touch: true }),
            ("idle 30 minutes", 0, 0, 30 * MIN, SessionVerdict::Expired),
            ("in use but 8 hours old", 0, 8 * 60 * MIN - MIN, 8 * 60 * MIN, SessionVerdict::Expired),
        ];
        for (case, created, seen, now, expected) in cases {
            assert_eq!(session_verdict(created, seen, lifetimes, now), expected, "{case}");
        }
    }

    #[test]
    fn state_changing_requests_from_other_origins_are_refused() {
        let host = Some("portal.example.com");
        let cases = [
            ("a GET is never refused", "GET", Some("https://evil.example"), None, true),
            ("same origin", "POST", Some("https://portal.example.com"), Some("same-origin"), true),
            ("another origin", "POST", Some("https://evil.example"), None, false),
            ("a sandboxed frame", "POST", Some("null"), None, false),
            ("the browser says cross-site", "DELETE", None, Some("cross-site"), false),
            ("a non-browser client", "PATCH", None, None, true),
        ];
        for (case, method, origin, site, expected) in cases {
            assert_eq!(is_same_origin_request(method, origin, site, host), expected, "{case}");
        }
    }

    #[test]
    fn headers_are_read_carefully() {
        assert_eq!(bearer_token("Bearer sl_abc"), Some("sl_abc"));
        assert_eq!(bearer_token("bearer   sl_abc "), Some("sl_abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(cookie_value("a=1; sightline_session=xyz; b=2", "sightline_session"), Some("xyz"));
        assert_eq!(cookie_value("a=1", "sightline_session"), None);
    }
}
