//! One place that loads what a request names and decides whether the caller may touch it.
//!
//! Every service starts here: `load_app` and `load_space` give the row with the caller's access
//! (from one query and the pure decision in `sharing::rules`), and the gates below refuse what
//! the caller may not do, each refusal worded once in [`Refusal`]. What is not visible is "not
//! found", so that other people's spaces and apps are not disclosed. Server-only; uses stores
//! and rules, never a service.

use sqlx::AnyConnection;

pub mod grants;
pub use grants::Grants;

use crate::anonymous::rules::check_can_manage;
use crate::anonymous::store::{self as link_store, LinkRow};
use crate::apps::store::{self as app_store, AppRow};
use crate::auth::principal::Principal;
use crate::content::rules::{
    data_access, may_edit_sheet, may_see_sheet, sees_all_rows, DataAccess, StoredRule,
};
use crate::content::store::{self as content_store, ChartRow, SheetRow};
use crate::directory::rules::Permission;
use crate::error::AppError;
use crate::sharing::rules::{
    check_can_share, effective_access, space_access, Access, AppAction, Grant, SharerPermissions,
    Source, SpaceAccess, SpaceAction,
};
use crate::sharing::store::{self as share_store, GrantRow, ShareRow};
use crate::spaces::rules::{roles_from_text, SpaceType};
use crate::spaces::store::{self as space_store, SpaceRow};

/// Every refusal the gates below give, worded once: what is missing and what to do instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    PersonalSpaceMembers,
    ManageMembers,
    ViewMembers,
    SeeShares,
    EditPrivateSheet,
    EditSheets,
    EditSectionAccess,
}

impl Refusal {
    pub fn message(self) -> &'static str {
        match self {
            Refusal::PersonalSpaceMembers => "A personal space has no members; move the app to a shared or managed space to work with others.",
            Refusal::ManageMembers => "Only the space owner and members who can manage the space change its members.",
            Refusal::ViewMembers => "Only space members see the members of a space.",
            Refusal::SeeShares => "Only space members see the space's shares.",
            Refusal::EditPrivateSheet => "Only its maker changes a private sheet.",
            Refusal::EditSheets => "Changing the app's sheets needs Can edit or ownership of the space; with Can contribute, add a private sheet of your own.",
            Refusal::EditSectionAccess => "Section access is set by the app's editors (Can edit or ownership of the space).",
        }
    }
}

impl From<Refusal> for AppError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::PersonalSpaceMembers => AppError::invalid("space", refusal.message()),
            _ => AppError::forbidden(refusal.message()),
        }
    }
}

// --- Loading -------------------------------------------------------------------------------

/// The tenant permissions that sharing actions need, as the rules take them.
pub fn sharer(principal: &Principal) -> SharerPermissions {
    SharerPermissions {
        share_apps: principal.has(Permission::ShareApps),
        anonymous_access_link: principal.has(Permission::AnonymousAccessLink),
    }
}

fn source_of(kind: &str, group_id: &str) -> Option<Source> {
    Some(match kind {
        "owner" => Source::SpaceOwner,
        "member" => Source::SpaceMember,
        "space_group" => Source::SpaceGroup {
            group_id: group_id.to_string(),
        },
        "share_user" => Source::ShareToUser,
        "share_group" => Source::ShareToGroup {
            group_id: group_id.to_string(),
        },
        "share_everyone" => Source::ShareToEveryone,
        _ => return None,
    })
}

/// Stored grants as the rules take them; shares of other apps than `app_id` are left out.
pub fn grants_for_app(rows: &[GrantRow], app_id: &str) -> Vec<Grant> {
    rows.iter()
        .filter(|r| r.app_id.is_empty() || r.app_id == app_id)
        .filter_map(|r| {
            Some(Grant {
                source: source_of(&r.kind, &r.group_id)?,
                roles: roles_from_text(&r.roles),
            })
        })
        .collect()
}

fn not_found_space(id: &str) -> AppError {
    AppError::not_found(format!(
        "There is no space with id {id}, or you cannot see it."
    ))
}

fn not_found_app(id: &str) -> AppError {
    AppError::not_found(format!(
        "There is no app with id {id}, or you cannot open it."
    ))
}

/// What the principal may do with a space, from one query.
pub async fn access_to_space(
    conn: &mut AnyConnection,
    principal: &Principal,
    space: &SpaceRow,
) -> Result<SpaceAccess, AppError> {
    let rows = share_store::grants(conn, &principal.user_id, &space.id, "").await?;
    let has_app_shares = rows.iter().any(|r| r.kind.starts_with("share_"));
    Ok(space_access(
        space.kind(),
        &grants_for_app(&rows, ""),
        has_app_shares,
        principal.has(Permission::ManageSpaces),
    ))
}

/// A space the principal can see, with what they may do there; "not found" otherwise, so that
/// the existence of other people's spaces is not disclosed.
pub async fn load_space(
    conn: &mut AnyConnection,
    principal: &Principal,
    space_id: &str,
) -> Result<(SpaceRow, SpaceAccess), AppError> {
    let space = space_store::get_space(conn, &principal.tenant_id, space_id)
        .await?
        .ok_or_else(|| not_found_space(space_id))?;
    let access = access_to_space(conn, principal, &space).await?;
    if !access.can(SpaceAction::View) {
        return Err(not_found_space(space_id));
    }
    Ok((space, access))
}

/// What the principal may do with one app: one query for every source, one pure decision.
pub async fn access_to_app(
    conn: &mut AnyConnection,
    principal: &Principal,
    app: &AppRow,
    space: SpaceType,
) -> Result<Access, AppError> {
    let rows = share_store::app_grants(conn, &principal.user_id, &app.space_id, &app.id).await?;
    Ok(effective_access(
        space,
        &grants_for_app(&rows, &app.id),
        sharer(principal),
    ))
}

/// An app the principal can open, its space, and what they may do with it. Changes (inside
/// their transaction) start here: the grants are read from the database.
pub async fn load_app(
    conn: &mut AnyConnection,
    principal: &Principal,
    app_id: &str,
) -> Result<(AppRow, SpaceRow, Access), AppError> {
    let (app, space) = app_and_space(conn, principal, app_id).await?;
    let access = access_to_app(conn, principal, &app, space.kind()).await?;
    gate_open(app, space, access)
}

/// `load_app` for looking at an app (a sheet, a selection, its page): the grants come from the
/// cache of `grants`, which every change to them empties on every process.
pub async fn open_app(
    grants: &Grants,
    conn: &mut AnyConnection,
    principal: &Principal,
    app_id: &str,
) -> Result<(AppRow, SpaceRow, Access), AppError> {
    let (app, space) = app_and_space(conn, principal, app_id).await?;
    let rows = grants
        .app_grants(conn, &principal.user_id, &app.space_id, &app.id)
        .await?;
    let access = effective_access(
        space.kind(),
        &grants_for_app(&rows, &app.id),
        sharer(principal),
    );
    gate_open(app, space, access)
}

async fn app_and_space(
    conn: &mut AnyConnection,
    principal: &Principal,
    app_id: &str,
) -> Result<(AppRow, SpaceRow), AppError> {
    let app = app_store::get_app(conn, &principal.tenant_id, app_id)
        .await?
        .ok_or_else(|| not_found_app(app_id))?;
    let space = space_store::get_space(conn, &principal.tenant_id, &app.space_id)
        .await?
        .ok_or_else(|| not_found_app(app_id))?;
    Ok((app, space))
}

fn gate_open(
    app: AppRow,
    space: SpaceRow,
    access: Access,
) -> Result<(AppRow, SpaceRow, Access), AppError> {
    if !access.can(AppAction::Open) {
        return Err(not_found_app(&app.id));
    }
    Ok((app, space, access))
}

// --- Spaces ---------------------------------------------------------------------------------

pub async fn members_space(
    conn: &mut AnyConnection,
    principal: &Principal,
    space_id: &str,
    manage: bool,
) -> Result<SpaceRow, AppError> {
    let (row, access) = load_space(conn, principal, space_id).await?;
    if row.kind() == SpaceType::Personal {
        return Err(Refusal::PersonalSpaceMembers.into());
    }
    let needed = if manage {
        SpaceAction::ManageMembers
    } else {
        SpaceAction::ViewMembers
    };
    if !access.can(needed) {
        return Err(if manage {
            Refusal::ManageMembers
        } else {
            Refusal::ViewMembers
        }
        .into());
    }
    Ok(row)
}

// --- Shares ---------------------------------------------------------------------------------

/// Shares are listed to those who manage the space's members, and, for one app, to those who
/// may share it.
pub async fn ensure_can_see_shares(
    conn: &mut AnyConnection,
    principal: &Principal,
    space: &SpaceRow,
    access: &SpaceAccess,
    app_id: &str,
) -> Result<(), AppError> {
    if access.can(SpaceAction::ManageMembers) || access.can(SpaceAction::ViewMembers) {
        return Ok(());
    }
    if !app_id.is_empty() {
        if let Some(app) = app_store::get_app(conn, &principal.tenant_id, app_id).await? {
            if app.space_id == space.id
                && access_to_app(conn, principal, &app, space.kind())
                    .await?
                    .can(AppAction::Share)
            {
                return Ok(());
            }
        }
    }
    Err(Refusal::SeeShares.into())
}

/// The share's app, in this space, with the sharer's right to share it checked.
pub async fn shareable_app(
    conn: &mut AnyConnection,
    principal: &Principal,
    space: &SpaceRow,
    app_id: &str,
) -> Result<AppRow, AppError> {
    let app = app_store::get_app(conn, &principal.tenant_id, app_id)
        .await?
        .filter(|a| a.space_id == space.id)
        .ok_or_else(|| {
            AppError::invalid(
                "resourceId",
                format!("There is no app with id {app_id} in this space."),
            )
        })?;
    let access = access_to_app(conn, principal, &app, space.kind()).await?;
    check_can_share(space.kind(), &access, sharer(principal))?;
    Ok(app)
}

/// Changing or removing a share takes the same right as making it.
pub async fn managed_share(
    conn: &mut AnyConnection,
    principal: &Principal,
    space_id: &str,
    id: &str,
) -> Result<(SpaceRow, ShareRow), AppError> {
    let (space, _) = load_space(conn, principal, space_id).await?;
    let row = share_store::get_share(conn, space_id, id)
        .await?
        .ok_or_else(|| {
            AppError::not_found(format!("There is no share with id {id} in this space."))
        })?;
    shareable_app(conn, principal, &space, &row.app_id).await?;
    Ok((space, row))
}

// --- Content --------------------------------------------------------------------------------

/// The sheet, its app and the caller's access, when the caller may change the sheet.
pub async fn editable_sheet(
    conn: &mut AnyConnection,
    principal: &Principal,
    sheet_id: &str,
) -> Result<(SheetRow, AppRow), AppError> {
    let sheet = content_store::get_sheet(conn, sheet_id)
        .await?
        .ok_or_else(|| AppError::not_found("There is no such sheet. It may have been deleted."))?;
    let (app, _, access) = load_app(conn, principal, &sheet.app_id).await?;
    if !may_see_sheet(sheet.owner_id.as_deref(), &principal.user_id) {
        return Err(AppError::not_found(
            "There is no such sheet. It may have been deleted.",
        ));
    }
    if !may_edit_sheet(sheet.owner_id.as_deref(), &principal.user_id, &access) {
        return Err(if sheet.owner_id.is_some() {
            Refusal::EditPrivateSheet
        } else {
            Refusal::EditSheets
        }
        .into());
    }
    Ok((sheet, app))
}

pub async fn editable_chart(
    conn: &mut AnyConnection,
    principal: &Principal,
    chart_id: &str,
) -> Result<ChartRow, AppError> {
    let chart = content_store::get_chart(conn, chart_id)
        .await?
        .ok_or_else(|| AppError::not_found("There is no such chart. It may have been deleted."))?;
    editable_sheet(conn, principal, &chart.sheet_id).await?;
    Ok(chart)
}

/// Section access is the app's editors' to read and change.
pub async fn editable_app(
    conn: &mut AnyConnection,
    principal: &Principal,
    app_id: &str,
) -> Result<AppRow, AppError> {
    let (app, _, access) = load_app(conn, principal, app_id).await?;
    if !access.can(AppAction::Edit) {
        return Err(Refusal::EditSectionAccess.into());
    }
    Ok(app)
}

// --- Anonymous links ------------------------------------------------------------------------

/// The app, its space type and the caller's access, when the caller can open it.
pub async fn app_for(
    conn: &mut AnyConnection,
    principal: &Principal,
    app_id: &str,
) -> Result<(AppRow, SpaceType, Access), AppError> {
    let (app, space, access) = load_app(conn, principal, app_id).await?;
    Ok((app, space.kind(), access))
}

pub async fn managed_app(
    conn: &mut AnyConnection,
    principal: &Principal,
    app_id: &str,
) -> Result<AppRow, AppError> {
    let (app, space, access) = app_for(conn, principal, app_id).await?;
    check_can_manage(
        space,
        &access,
        principal.has(Permission::AnonymousAccessLink),
    )?;
    Ok(app)
}

/// A link of an app the caller manages.
pub async fn managed_link(
    conn: &mut AnyConnection,
    principal: &Principal,
    link_id: &str,
) -> Result<(LinkRow, AppRow), AppError> {
    let link = link_store::get_link(conn, link_id)
        .await?
        .filter(|l| l.tenant_id == principal.tenant_id)
        .ok_or_else(|| {
            AppError::not_found(format!("There is no anonymous link with id {link_id}."))
        })?;
    let app = managed_app(conn, principal, &link.app_id).await?;
    Ok((link, app))
}

// --- Rows (section access) ------------------------------------------------------------------

async fn stored_rules(conn: &mut AnyConnection, app_id: &str) -> Result<Vec<StoredRule>, AppError> {
    Ok(content_store::rules_of_app(conn, app_id)
        .await?
        .into_iter()
        // A rule whose values cannot be read allows nothing rather than everything.
        .map(|r| StoredRule {
            user_id: r.user_id,
            group_id: r.group_id,
            field: r.field,
            allowed: serde_json::from_str(&r.allowed).unwrap_or_default(),
        })
        .collect())
}

/// What section access leaves a person of an app, given their access to it: the one place the
/// rules are read for a tenant user (pages, server functions, REST, copies and links).
pub async fn data_access_of(
    conn: &mut AnyConnection,
    user_id: &str,
    app_id: &str,
    sees_all: bool,
) -> Result<DataAccess, AppError> {
    let rules = stored_rules(conn, app_id).await?;
    if rules.is_empty() || sees_all {
        return Ok(DataAccess::All);
    }
    let groups = content_store::group_ids_of(conn, user_id).await?;
    Ok(data_access(&rules, user_id, &groups, sees_all))
}

/// Refuses what would show data to others, or later, through a credential a host's token
/// narrowed (an anonymous link, a collaborative session): those are read with the person's own
/// section access, wider than the narrowing.
pub fn refuse_narrowed(principal: &Principal, what: &str) -> Result<(), AppError> {
    if principal.narrowing.is_empty() {
        Ok(())
    } else {
        Err(AppError::forbidden(format!(
            "You signed in through a site whose token narrows the rows you see, so you cannot {what}: it would show others more than you see here. Sign in to the portal directly."
        )))
    }
}

/// `data_access_of` for the caller, from their access to the app in its space.
pub async fn caller_data_access(
    conn: &mut AnyConnection,
    principal: &Principal,
    app: &AppRow,
    space: SpaceType,
    access: &Access,
) -> Result<DataAccess, AppError> {
    let own = data_access_of(
        conn,
        &principal.user_id,
        &app.id,
        sees_all_rows(space, access),
    )
    .await?;
    // A credential's narrowing (an identity provider's claims) only ever takes away.
    Ok(if principal.narrowing.is_empty() {
        own
    } else {
        own.intersect(&DataAccess::Reduced(principal.narrowing.clone()))
    })
}

/// What the principal may do with a space's data connections: from their space roles, decided
/// in `connections::rules::access`. A space they cannot see gives nothing.
pub async fn connection_access(
    conn: &mut AnyConnection,
    principal: &Principal,
    space: &SpaceRow,
) -> Result<crate::connections::rules::ConnectionAccess, AppError> {
    let access = access_to_space(conn, principal, space).await?;
    if !access.can(SpaceAction::View) {
        return Ok(Default::default());
    }
    let roles: Vec<_> = access.roles.iter().map(|(role, _)| *role).collect();
    Ok(crate::connections::rules::access(
        space.kind(),
        access.owner,
        &roles,
    ))
}

/// A data connection the principal may use, its space, and whether they may also manage it;
/// "not found" when they may not use it, so that other spaces' connections are not disclosed.
pub async fn load_connection(
    conn: &mut AnyConnection,
    principal: &Principal,
    id: &str,
) -> Result<
    (
        crate::connections::store::ConnectionRow,
        SpaceRow,
        crate::connections::rules::ConnectionAccess,
    ),
    AppError,
> {
    let not_found = || {
        AppError::not_found(format!(
            "There is no data connection with id {id}, or you may not use it."
        ))
    };
    let row = crate::connections::store::get(conn, &principal.tenant_id, id)
        .await?
        .ok_or_else(not_found)?;
    let space = space_store::get_space(conn, &principal.tenant_id, &row.space_id)
        .await?
        .ok_or_else(not_found)?;
    let access = connection_access(conn, principal, &space).await?;
    if !access.use_ {
        return Err(not_found());
    }
    Ok((row, space, access))
}
