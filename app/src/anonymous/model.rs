//! What the portal, the anonymous pages and the REST API say about anonymous links, embeds,
//! allowed origins and anonymous capacity.

use serde::{Deserialize, Serialize};

use crate::content::model::{SheetInfo, SheetView};
use crate::content::rules::Locale;
use crate::error::AppError;

/// Whether a link lets visitors in now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkStatus {
    Live,
    /// Turned off by its app's managers; turning it on again restores the same code.
    Paused,
    /// Its expiry date has passed.
    Expired,
}

impl LinkStatus {
    pub fn label(self) -> &'static str {
        match self {
            LinkStatus::Live => "Live",
            LinkStatus::Paused => "Paused",
            LinkStatus::Expired => "Expired",
        }
    }
}

/// A link's locked data reduction: its visitors see only the rows whose `field` is one of
/// `allowed`, in every chart, list and count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkReduction {
    pub field: String,
    pub allowed: Vec<String>,
}

/// The snippets a site pastes to embed the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbedCodes {
    pub iframe: String,
    pub web_component: String,
    /// The same embed in Qlik's qlik-embed markup, for pages written for Qlik Cloud.
    pub qlik_embed: String,
}

/// One anonymous link to an app, as its dialog and the REST API show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkInfo {
    pub id: String,
    pub app_id: String,
    pub space_id: String,
    pub name: String,
    pub status: LinkStatus,
    pub disabled: bool,
    pub expires_at: Option<i64>,
    pub reduction: Option<LinkReduction>,
    /// The link as the caller may copy it: with its access code for space members who may
    /// open the app, without it for others.
    pub url: String,
    pub has_code: bool,
    /// The access code itself, for those who may copy embed codes (to build them per option).
    pub code: Option<String>,
    /// Only for those who may copy embed codes (Owner or Can manage, with the permission).
    pub embed: Option<EmbedCodes>,
    pub views_today: i64,
    pub views_30_days: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Changes to a link; `None` keeps what it has. `expires_at: Some(None)` removes the expiry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkChanges {
    pub name: Option<String>,
    pub expires_at: Option<Option<i64>>,
    pub reduction: Option<Option<LinkReduction>>,
    pub disabled: Option<bool>,
}

/// A chart an embed can show: where it is and what it is called.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbeddableChart {
    pub sheet_id: String,
    pub chart_id: String,
    pub title: String,
}

/// The "Anyone with the link" part of an app's share dialog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnonymousPanel {
    pub app_id: String,
    pub app_name: String,
    pub public_url: String,
    /// The caller may turn anonymous access on and off, add, change and reset links.
    pub can_manage: bool,
    /// Why the caller may not, in words, when they may not.
    pub why_not: Option<String>,
    pub can_copy_code: bool,
    pub can_copy_embed: bool,
    /// The app has section access rules; a link without a reduction then shows no data.
    pub has_section_access: bool,
    pub links: Vec<LinkInfo>,
    pub sheets: Vec<SheetInfo>,
    pub charts: Vec<EmbeddableChart>,
    pub fields: Vec<String>,
}

/// What embed pages can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EmbedUi {
    /// The whole app: sheet tabs, selections bar, charts.
    App,
    /// One sheet.
    Sheet,
    /// One chart.
    Chart,
    /// The selections bar alone.
    Selections,
    /// One field's filter pane.
    Field,
}

impl EmbedUi {
    pub const ALL: [EmbedUi; 5] = [
        EmbedUi::App,
        EmbedUi::Sheet,
        EmbedUi::Chart,
        EmbedUi::Selections,
        EmbedUi::Field,
    ];

    /// Qlik's name of this UI in qlik-embed markup.
    pub fn qlik_name(self) -> &'static str {
        match self {
            EmbedUi::App => "classic/app",
            EmbedUi::Sheet => "analytics/sheet",
            EmbedUi::Chart => "analytics/chart",
            EmbedUi::Selections => "analytics/selections",
            EmbedUi::Field => "analytics/field",
        }
    }

    pub fn api_name(self) -> &'static str {
        match self {
            EmbedUi::App => "app",
            EmbedUi::Sheet => "sheet",
            EmbedUi::Chart => "chart",
            EmbedUi::Selections => "selections",
            EmbedUi::Field => "field",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EmbedUi::App => "Whole app",
            EmbedUi::Sheet => "One sheet",
            EmbedUi::Chart => "One chart",
            EmbedUi::Selections => "Selections bar",
            EmbedUi::Field => "One field (filter pane)",
        }
    }

    pub fn parse(name: &str) -> Option<EmbedUi> {
        EmbedUi::ALL.into_iter().find(|u| u.api_name() == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

impl Theme {
    pub fn api_name(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn parse(name: &str) -> Option<Theme> {
        [Theme::Light, Theme::Dark]
            .into_iter()
            .find(|t| t.api_name() == name)
    }
}

/// What an anonymous page or embed shows, from its address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbedOptions {
    pub ui: EmbedUi,
    pub sheet: Option<String>,
    /// A chart id (`object`), for `ui = chart`.
    pub object: Option<String>,
    /// A field name, for `ui = field`.
    pub field: Option<String>,
    pub theme: Theme,
    /// Hide the selections toolbar (back, forward, clear) above a chart or sheet.
    pub toolbar: bool,
    /// Initial selections: `Field:value|value;Field:value`.
    pub select: String,
    /// How numbers are written (`de-DE`), whatever the visitor's browser prefers; none follows
    /// the browser's `Accept-Language`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

/// The `locale` of an address: a language tag Sightline writes numbers for, or what to do.
pub fn locale_of(tag: Option<String>) -> Result<Option<String>, AppError> {
    match tag {
        None => Ok(None),
        Some(tag) if Locale::of_tag(&tag).is_some() => Ok(Some(tag)),
        Some(tag) => Err(AppError::invalid(
            "locale",
            format!("Sightline does not know how \"{tag}\" writes numbers: use a language tag such as en-US, de-DE or fr-FR, or leave locale out to follow the visitor's browser."),
        )),
    }
}

impl EmbedOptions {
    /// The one field an embed of a field shows (its pane alone is computed); none otherwise.
    pub fn only_field(&self) -> Option<&str> {
        (self.ui == EmbedUi::Field)
            .then_some(self.field.as_deref())
            .flatten()
    }

    /// The embed options from an embed page's address, or what is wrong with it.
    pub fn from_address(
        ui: &str,
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<EmbedOptions, AppError> {
        let ui = EmbedUi::parse(ui).ok_or_else(|| {
            let known: Vec<&str> = EmbedUi::ALL.iter().map(|u| u.api_name()).collect();
            AppError::invalid(
                "ui",
                format!(
                    "\"{ui}\" is not something Sightline embeds. Use one of: {}.",
                    known.join(", ")
                ),
            )
        })?;
        let theme = match get("theme") {
            None => Theme::Light,
            Some(name) => Theme::parse(&name).ok_or_else(|| {
                AppError::invalid(
                    "theme",
                    format!("The theme \"{name}\" does not exist: use light or dark."),
                )
            })?,
        };
        let toolbar = !matches!(get("toolbar").as_deref(), Some("0" | "false" | "no"));
        let options = EmbedOptions {
            ui,
            sheet: get("sheet"),
            object: get("object"),
            field: get("field"),
            theme,
            toolbar,
            select: get("select").unwrap_or_default(),
            locale: locale_of(get("locale"))?,
        };
        if ui == EmbedUi::Chart && options.object.is_none() {
            return Err(AppError::invalid("object", "Embedding one chart needs its id: add object=<chart id> to the address (the embed dialog writes it for you)."));
        }
        if ui == EmbedUi::Field && options.field.is_none() {
            return Err(AppError::invalid(
                "field",
                "Embedding a field needs its name: add field=<field name> to the address.",
            ));
        }
        Ok(options)
    }
}

impl Default for EmbedOptions {
    fn default() -> Self {
        EmbedOptions {
            ui: EmbedUi::App,
            sheet: None,
            object: None,
            field: None,
            theme: Theme::Light,
            toolbar: true,
            select: String::new(),
            locale: None,
        }
    }
}

/// A new anonymous session and what it sees first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnonymousSession {
    /// Signed: names the app, the link, its code generation and the expiry. Sent back with
    /// every selection; no cookie, so it works inside other sites' iframes.
    pub token: String,
    /// Milliseconds the session has left when it is issued.
    pub lasts_ms: i64,
    pub view: SheetView,
}

/// What a visitor's page sends to `rules::SHEET_HTML_PATH` with a change (`assets/visitor.js`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SheetHtmlRequest {
    pub token: String,
    /// The page's options, on the sheet now open: what the answer draws.
    pub page: EmbedOptions,
    pub change: Option<crate::content::model::SelectionChange>,
}

/// The answer: the view's new HTML, the sheet it shows and its selections (which an embedding
/// page hears of), or why not, with the session's end said apart.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SheetHtml {
    pub html: Option<String>,
    pub sheet: Option<String>,
    pub selections: Vec<crate::content::model::SelectionChip>,
    pub error: Option<String>,
    pub ended: Option<String>,
}

/// A site allowed to frame Sightline's embed pages (Qlik Cloud's CSP origin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowedOrigin {
    pub id: String,
    pub name: String,
    /// `https://host[:port]`, or `https://*.host` for every subdomain.
    pub origin: String,
    pub description: String,
    pub frame_ancestors: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOrigin {
    pub name: String,
    pub origin: String,
    pub description: String,
    pub frame_ancestors: bool,
}

/// One hour of anonymous use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageHour {
    /// Unix milliseconds at the start of the hour.
    pub hour_start: i64,
    pub peak: i64,
    pub started: i64,
    pub refused: i64,
}

/// The admin center's view of anonymous capacity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnonymousUsage {
    pub max_sessions: i64,
    pub current: i64,
    /// The highest number of sessions at once in the history shown.
    pub peak: i64,
    pub session_minutes: i64,
    /// The last 48 hours, oldest first; hours without anonymous use are left out.
    pub history: Vec<UsageHour>,
    pub memory_budget_mb: u64,
    pub memory_used_mb: u64,
}
