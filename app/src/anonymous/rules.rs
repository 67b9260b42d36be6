//! The rules of anonymous access, as the seed document states them, and the small pure pieces
//! around them: link state, who copies what, what a visitor sees, capacity, the per-address
//! limit, origins, and the embed snippets. Every service and page asks these.

use serde::{Deserialize, Serialize};

use super::model::*;
use crate::content::rules::DataAccess;
use crate::error::AppError;
use crate::sharing::rules::Access;
use crate::spaces::rules::{SpaceRole, SpaceType};

/// How long an anonymous session lasts unless the server is told otherwise.
pub const DEFAULT_SESSION_MS: i64 = 15 * 60 * 1000;
pub const MAX_LINKS_PER_APP: usize = 20;
pub const MAX_LINK_NAME: usize = 100;

/// Turning anonymous access on and off, adding links and resetting codes: the Public link
/// creation permission (`anonymous_access_link`), and Owner or Can manage in a managed space.
/// Says what is missing when something is.
pub fn check_can_manage(
    space: SpaceType,
    access: &Access,
    has_permission: bool,
) -> Result<(), AppError> {
    if space != SpaceType::Managed {
        return Err(AppError::forbidden("Anonymous access is for apps in managed spaces. Publish the app to a managed space first."));
    }
    if !(access.owner || holds_space_role(access, SpaceRole::Facilitator)) {
        return Err(AppError::forbidden("Only the space owner and members who Can manage the space turn anonymous access on and off."));
    }
    if !has_permission {
        return Err(AppError::forbidden("You need the permission \"Create anonymous access links and embed codes\" (Public link creation). A tenant admin grants it in the User Default role or a custom role."));
    }
    Ok(())
}

/// A role held as a space member (not through an app share).
fn holds_space_role(access: &Access, role: SpaceRole) -> bool {
    access
        .roles
        .iter()
        .any(|(r, sources)| *r == role && sources.iter().any(|s| s.makes_member()))
}

/// Copying the link with its access code: Owner, Can manage, Can contribute, Can view, Has
/// restricted view and Can operate in the app's space. Others copy it without the code.
pub fn may_copy_link_with_code(access: &Access) -> bool {
    const ROLES: [SpaceRole; 5] = [
        SpaceRole::Facilitator,
        SpaceRole::Contributor,
        SpaceRole::Consumer,
        SpaceRole::BasicConsumer,
        SpaceRole::Operator,
    ];
    access.owner || ROLES.into_iter().any(|role| holds_space_role(access, role))
}

/// Copying the embed code: the permission, and Owner or Can manage (the same as managing).
pub fn may_copy_embed(space: SpaceType, access: &Access, has_permission: bool) -> bool {
    check_can_manage(space, access, has_permission).is_ok()
}

/// Whether a link lets visitors in at `now`.
pub fn link_status(disabled: bool, expires_at: Option<i64>, now: i64) -> LinkStatus {
    if disabled {
        LinkStatus::Paused
    } else if expires_at.is_some_and(|at| at <= now) {
        LinkStatus::Expired
    } else {
        LinkStatus::Live
    }
}

pub fn check_link_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::invalid(
            "name",
            "Give the link a name, such as the site it is for.",
        ));
    }
    if name.chars().count() > MAX_LINK_NAME {
        return Err(AppError::invalid(
            "name",
            format!("A link's name has at most {MAX_LINK_NAME} characters."),
        ));
    }
    Ok(name.to_string())
}

/// An expiry must lie ahead: a link that expires in the past would never work.
pub fn check_expiry(expires_at: Option<i64>, now: i64) -> Result<Option<i64>, AppError> {
    match expires_at {
        Some(at) if at <= now => Err(AppError::invalid(
            "expiresAt",
            "The expiry date has passed. Choose a date in the future, or none.",
        )),
        other => Ok(other),
    }
}

pub fn check_link_count(existing: usize) -> Result<(), AppError> {
    if existing >= MAX_LINKS_PER_APP {
        return Err(AppError::conflict(format!(
            "An app has at most {MAX_LINKS_PER_APP} links. Delete one it no longer needs."
        )));
    }
    Ok(())
}

/// A reduction names a field of the app and at least one value.
pub fn check_reduction(
    reduction: &LinkReduction,
    fields: &[String],
) -> Result<LinkReduction, AppError> {
    if reduction
        .allowed
        .iter()
        .any(|v| v.trim() == crate::content::rules::EVERY_VALUE)
    {
        return Err(AppError::invalid("reduction", "A link's reduction names the values it shows; to show every value, remove the reduction."));
    }
    let field = fields
        .iter()
        .find(|f| f.eq_ignore_ascii_case(reduction.field.trim()))
        .ok_or_else(|| {
            AppError::invalid(
                "reduction",
                format!(
                    "The app has no field \"{}\". Pick one of its fields.",
                    reduction.field.trim()
                ),
            )
        })?;
    let allowed = crate::content::rules::parse_allowed(&reduction.allowed.join(","))?;
    Ok(LinkReduction {
        field: field.clone(),
        allowed,
    })
}

/// What a visitor through a link sees: what the link's maker may see of the app (their section
/// access; everything when the app has none), narrowed by the link's own reduction. A link
/// never shows more than its maker may see: a maker no rule names, or one whose account is gone,
/// makes a link that shows no data on an app with section access.
pub fn visitor_access(reduction: Option<&LinkReduction>, maker: &DataAccess) -> DataAccess {
    match reduction {
        Some(r) => maker.intersect(&DataAccess::Reduced(vec![(
            r.field.clone(),
            r.allowed.clone(),
        )])),
        None => maker.clone(),
    }
}

/// A link's reduction as a person may read it in the link settings: only managers see it, and
/// only the values their own section access lets them see.
pub fn reduction_shown_to(
    reduction: Option<LinkReduction>,
    may_manage: bool,
    viewer: &DataAccess,
) -> Option<LinkReduction> {
    let mut reduction = reduction.filter(|_| may_manage)?;
    if let Some(mine) = viewer.allowed_in(&reduction.field) {
        reduction.allowed.retain(|v| mine.contains(v));
    }
    Some(reduction)
}

/// Where a visitor's page sends its token when it goes away (the server ends that session).
pub const END_SESSION_PATH: &str = "/api/anonymous_end";

/// `anonymous_sheet` answered with the view's HTML, for visitor pages (`assets/visitor.js`):
/// the body is `SheetHtmlRequest` as JSON.
pub const SHEET_HTML_PATH: &str = "/api/anonymous_sheet_html";

/// The script that makes a visitor's server-rendered page live.
pub const VISITOR_SCRIPT_PATH: &str = "/visitor.js";

/// A seat that asked for nothing this long no longer counts against its address (it keeps its
/// place in the tenant's capacity until it ends): a page left open, or a client that never gives
/// its seat back, does not block an office behind one address for long.
pub const SEAT_IDLE_MS: i64 = 3 * 60_000;

/// A client address holds at most `per_address` sessions at once. Refused, the answer says
/// when the first of its sessions ends (`first_ends_in_ms`): closing a page ends its session at
/// once, and a page left open stops counting after `SEAT_IDLE_MS` without a click.
pub fn admit_from_address(
    held: usize,
    per_address: u32,
    first_ends_in_ms: impl FnOnce() -> i64,
) -> Result<(), AppError> {
    if held < per_address as usize {
        return Ok(());
    }
    let secs = ((first_ends_in_ms() + 999) / 1000).max(1);
    let when = if secs < 90 {
        format!("{secs} seconds")
    } else {
        format!("{} minutes", (secs + 59) / 60)
    };
    Err(AppError::TooManyRequests {
        message: format!("Your address already has {held} anonymous sessions open, the most one address may hold. Close one of those pages, or wait: the first of them stops counting in {when}."),
        retry_after_secs: secs as u64,
    })
}

/// A new session is admitted while fewer than `max` are live.
pub fn admit(live: usize, max: i64) -> Result<(), AppError> {
    if (live as i64) < max {
        return Ok(());
    }
    Err(every_seat_taken())
}

/// The answer when the tenant's capacity is reached.
pub fn every_seat_taken() -> AppError {
    AppError::Unavailable {
        message: "This content is very popular right now: every anonymous seat is taken. Try again in a minute.".into(),
        retry_after_secs: 60,
    }
}

/// The advisory lock that one client address of a tenant is admitted under (PostgreSQL): the
/// same number on every process, from the two names (FNV-1a, 64 bits). Two addresses that share
/// a number only wait for each other.
pub fn address_lock_key(tenant_id: &str, address: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in tenant_id.bytes().chain([0]).chain(address.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash as i64
}

/// New sessions one client address started in the current minute.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateWindow {
    pub minute: i64,
    pub count: u32,
}

impl RateWindow {
    /// Counts one more session start at `now`, or says how long to wait.
    pub fn allow(&mut self, now: i64, per_minute: u32) -> Result<(), AppError> {
        let minute = now.div_euclid(60_000);
        if minute != self.minute {
            *self = RateWindow { minute, count: 0 };
        }
        if self.count >= per_minute {
            let retry = ((minute + 1) * 60_000 - now + 999) / 1000;
            return Err(AppError::TooManyRequests {
                message: "Too many new sessions from your address. Wait a minute and refresh."
                    .into(),
                retry_after_secs: retry.max(1) as u64,
            });
        }
        self.count += 1;
        Ok(())
    }
}

/// The same limit counted across every process (PostgreSQL): `started` sessions by this address
/// in the last minute, whichever process admitted them.
pub fn admit_recent_starts(started: i64, per_minute: u32) -> Result<(), AppError> {
    if started < i64::from(per_minute) {
        return Ok(());
    }
    Err(AppError::TooManyRequests {
        message: "Too many new sessions from your address. Wait a minute and refresh.".into(),
        retry_after_secs: 60,
    })
}

/// A site allowed to frame Sightline: `https://host[:port]` or `https://*.host`, lower-cased,
/// without a path. A bare host (`example.com`, as Qlik's console takes it) means its https
/// origin. Anything else is refused, so nothing but an origin reaches the CSP header.
pub fn check_origin(origin: &str) -> Result<String, AppError> {
    let origin = origin.trim().trim_end_matches('/').to_ascii_lowercase();
    let origin = if origin.contains("://") || origin.is_empty() {
        origin
    } else {
        format!("https://{origin}")
    };
    let bad = |why: &str| {
        AppError::invalid("origin", format!("\"{origin}\" is not a site's origin: {why}. Write it as https://example.com (or https://*.example.com for every subdomain)."))
    };
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or_else(|| bad("it needs https:// or http://"))?;
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    if let Some(port) = port {
        if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("its port is not a number"));
        }
    }
    let host = host.strip_prefix("*.").unwrap_or(host);
    if host.is_empty() || host.len() > 253 {
        return Err(bad("it has no host"));
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
    };
    if !host.split('.').all(label_ok) {
        return Err(bad(
            "only a host name, with no path, query or spaces, may follow the scheme",
        ));
    }
    Ok(origin)
}

pub fn check_origin_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid(
            "name",
            "Name the site in 1 to 100 characters.",
        ));
    }
    Ok(name.to_string())
}

/// The `frame-ancestors` directive for embed pages: the allowed origins, or `'none'`.
pub fn frame_ancestors(origins: &[String]) -> String {
    if origins.is_empty() {
        "frame-ancestors 'none'".to_string()
    } else {
        format!("frame-ancestors {}", origins.join(" "))
    }
}

pub fn check_capacity(max: i64) -> Result<i64, AppError> {
    if !(0..=100_000).contains(&max) {
        return Err(AppError::invalid("maxSessions", "Anonymous capacity is a number of sessions from 0 (anonymous access closed) to 100,000."));
    }
    Ok(max)
}

// --- Addresses and snippets -------------------------------------------------------------------

/// The anonymous link: `/a/<app>?eac=<code>`, or without the code for those who may not copy it.
pub fn link_url(base: &str, app_id: &str, code: Option<&str>) -> String {
    match code {
        Some(code) => format!("{}/a/{app_id}?eac={code}", base.trim_end_matches('/')),
        None => format!("{}/a/{app_id}", base.trim_end_matches('/')),
    }
}

/// The embed page's address for these options.
pub fn embed_url(base: &str, app_id: &str, code: &str, options: &EmbedOptions) -> String {
    let mut url = format!(
        "{}/embed/{app_id}/{}?eac={code}",
        base.trim_end_matches('/'),
        options.ui.api_name()
    );
    for (name, value) in embed_query(options) {
        url.push_str(&format!("&{name}={}", crate::url::percent_encode(&value)));
    }
    url
}

/// The options that differ from the defaults, as query pairs.
fn embed_query(options: &EmbedOptions) -> Vec<(&'static str, String)> {
    let mut pairs = Vec::new();
    if let Some(sheet) = &options.sheet {
        pairs.push(("sheet", sheet.clone()));
    }
    if let Some(object) = &options.object {
        pairs.push(("object", object.clone()));
    }
    if let Some(field) = &options.field {
        pairs.push(("field", field.clone()));
    }
    if options.theme != Theme::Light {
        pairs.push(("theme", options.theme.api_name().to_string()));
    }
    if !options.toolbar {
        pairs.push(("toolbar", "0".to_string()));
    }
    if !options.select.is_empty() {
        pairs.push(("select", options.select.clone()));
    }
    if let Some(locale) = &options.locale {
        pairs.push(("locale", locale.clone()));
    }
    pairs
}

fn html_attr(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The three snippets of the embed dialog: an iframe, the `<sightline-embed>` element, and
/// Qlik's qlik-embed markup (served by the same `/embed.js`).
pub fn embed_codes(
    base: &str,
    app_id: &str,
    code: &str,
    options: &EmbedOptions,
    title: &str,
) -> EmbedCodes {
    let base = base.trim_end_matches('/');
    let height = match options.ui {
        EmbedUi::App | EmbedUi::Sheet => 720,
        EmbedUi::Chart | EmbedUi::Field => 420,
        EmbedUi::Selections => 80,
    };
    let iframe = format!(
        "<iframe src=\"{}\" title=\"{}\" width=\"100%\" height=\"{height}\" style=\"border:0\" loading=\"lazy\" referrerpolicy=\"no-referrer\"></iframe>",
        html_attr(&embed_url(base, app_id, code, options)),
        html_attr(title)
    );
    let mut attributes = vec![
        ("host", base.to_string()),
        ("app", app_id.to_string()),
        ("ui", options.ui.api_name().to_string()),
    ];
    attributes.extend(
        embed_query(options)
            .into_iter()
            .map(|(name, value)| (if name == "object" { "object" } else { name }, value)),
    );
    attributes.push(("access-code", code.to_string()));
    let attributes: String = attributes
        .iter()
        .map(|(name, value)| format!(" {name}=\"{}\"", html_attr(value)))
        .collect();
    let web_component = format!("<script src=\"{base}/embed.js\" defer></script>\n<sightline-embed{attributes}></sightline-embed>");
    EmbedCodes {
        iframe,
        web_component,
        qlik_embed: qlik_embed(base, app_id, code, options),
    }
}

/// The embed in Qlik's markup: the script tag of Qlik's anonymous embed, pointed at Sightline,
/// a `<qlik-embed>` element, and `<qlik-initial-selections>` for the initial selections.
fn qlik_embed(base: &str, app_id: &str, code: &str, options: &EmbedOptions) -> String {
    let mut element = vec![
        ("ui", options.ui.qlik_name().to_string()),
        ("app-id", app_id.to_string()),
    ];
    match options.ui {
        EmbedUi::Chart => element.extend(options.object.clone().map(|o| ("object-id", o))),
        EmbedUi::Sheet => element.extend(options.sheet.clone().map(|s| ("object-id", s))),
        EmbedUi::App => element.extend(options.sheet.clone().map(|s| ("sheet-id", s))),
        EmbedUi::Field => element.extend(options.field.clone().map(|f| ("field-id", f))),
        EmbedUi::Selections => {}
    }
    if options.theme != Theme::Light {
        element.push(("theme", options.theme.api_name().to_string()));
    }
    let attributes: String = element
        .iter()
        .map(|(name, value)| format!(" {name}=\"{}\"", html_attr(value)))
        .collect();
    let mut out = format!(
        "<script crossorigin=\"anonymous\" type=\"application/javascript\" src=\"{base}/embed.js\" data-host=\"{base}\" data-access-code=\"{}\"></script>\n<qlik-embed{attributes}></qlik-embed>",
        html_attr(code)
    );
    // Sightline's `Field:a|b;Field:c` as Qlik's fields, values separated by `;`.
    let fields: Vec<String> = parse_selections(&options.select)
        .unwrap_or_default()
        .into_iter()
        .map(|(field, values)| {
            format!(
                "\n  <field name=\"{}\" values=\"{}\"></field>",
                html_attr(&field),
                html_attr(&values.join(";"))
            )
        })
        .collect();
    if !fields.is_empty() {
        out.push_str(&format!(
            "\n<qlik-initial-selections app-id=\"{}\">{}\n</qlik-initial-selections>",
            html_attr(app_id),
            fields.concat()
        ));
    }
    out
}

/// Initial selections from an embed address: `Field:value|value;Field:value`.
pub fn parse_selections(text: &str) -> Result<Vec<(String, Vec<String>)>, AppError> {
    let mut out = Vec::new();
    for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (field, values) = part.split_once(':').ok_or_else(|| {
            AppError::invalid("select", format!("\"{part}\" is not a selection. Write Field:value, with | between values and ; between fields."))
        })?;
        let values: Vec<String> = values
            .split('|')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect();
        if field.trim().is_empty() || values.is_empty() {
            return Err(AppError::invalid(
                "select",
                format!("\"{part}\" names no field or no value."),
            ));
        }
        out.push((field.trim().to_string(), values));
    }
    if out.len() > 20 {
        return Err(AppError::invalid("select", "Select in at most 20 fields."));
    }
    Ok(out)
}

// --- Session tokens ---------------------------------------------------------------------------

/// What a session token says. Bound to one app, one link and one code generation: resetting
/// the code or pausing the link ends the session at its next request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    pub session_id: String,
    pub app_id: String,
    pub link_id: String,
    pub generation: i64,
    pub expires_at: i64,
}

#[cfg(feature = "ssr")]
mod tokens {
    use hmac::{Hmac, Mac};
    use sha2::Sha256;

    use super::SessionClaims;

    type HmacSha256 = Hmac<Sha256>;

    fn mac(key: &[u8], payload: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
        mac.update(payload.as_bytes());
        mac
    }

    /// `<session>.<app>.<link>.<generation>.<expiry>.<hmac>`: ids are hex, so dots separate.
    pub fn sign(key: &[u8], claims: &SessionClaims) -> String {
        let payload = format!(
            "{}.{}.{}.{}.{}",
            claims.session_id, claims.app_id, claims.link_id, claims.generation, claims.expires_at
        );
        let tag = hex::encode(mac(key, &payload).finalize().into_bytes());
        format!("{payload}.{tag}")
    }

    /// The claims of a token this server signed, if it is one. Expiry is the caller's to check.
    pub fn verify(key: &[u8], token: &str) -> Option<SessionClaims> {
        let (payload, tag) = token.rsplit_once('.')?;
        let tag = hex::decode(tag).ok()?;
        // verify_slice compares in constant time.
        mac(key, payload).verify_slice(&tag).ok()?;
        let mut parts = payload.split('.');
        let claims = SessionClaims {
            session_id: parts.next()?.to_string(),
            app_id: parts.next()?.to_string(),
            link_id: parts.next()?.to_string(),
            generation: parts.next()?.parse().ok()?,
            expires_at: parts.next()?.parse().ok()?,
        };
        parts.next().is_none().then_some(claims)
    }
}

#[cfg(feature = "ssr")]
pub use tokens::{sign, verify};

/// Why a session token no longer opens anything, in the words the visitor sees.
pub fn session_ended(expired: bool) -> AppError {
    if expired {
        AppError::SessionEnded(
            "Your session has ended. Refresh the page to start a new one.".into(),
        )
    } else {
        AppError::SessionEnded("This link was changed by its owner: your session has ended. Refresh the page; if the link still does not work, ask for a new one.".into())
    }
}

/// The one answer for a wrong code, an old code and a missing app, so that a guess learns
/// nothing about which apps exist.
pub fn no_such_link() -> AppError {
    AppError::not_found("This link does not work. It may have been mistyped or replaced: ask whoever shared it for the current link.")
}

#[cfg(test)]
mod tests;
