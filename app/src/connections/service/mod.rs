//! Data connections' operations: list, make (tested first), change, remove and test them, the
//! tables one offers and a preview of a query's first rows; the hosts a tenant lets them reach.
//! Who may do each is decided by `access::connection_access`; passwords are sealed
//! (`secrets`) and leave the server never.

pub mod drivers;
pub mod folders;
pub mod secrets;
pub mod sources;
pub mod workbooks;

use sqlx::AnyConnection;

use super::model::*;
use super::rules::{self, Checked, ConnectionAccess};
use super::store::{self, ConnectionRow};
use crate::access::{connection_access, load_connection, load_space};
use crate::audit::model::AuditAction;
use crate::audit::service::{record, Target as AuditTarget};
use crate::auth::principal::Principal;
use crate::error::AppError;
use crate::ids::new_id;
use crate::spaces::store::SpaceRow;
use crate::state::AppState;
use drivers::Target;
use secrets::Keyring;

/// The settings' keys.
pub fn keyring(state: &AppState) -> Result<Keyring, AppError> {
    let sources = &state.settings.sources;
    Keyring::new(&sources.key, &sources.previous_keys).map_err(AppError::internal)
}

/// The names of the folders the operator allows.
fn folder_names(state: &AppState) -> Vec<String> {
    state
        .settings
        .sources
        .folders
        .iter()
        .map(|(n, _)| n.clone())
        .collect()
}

fn shown(row: &ConnectionRow, space: &SpaceRow, access: ConnectionAccess) -> Connection {
    Connection {
        id: row.id.clone(),
        space_id: row.space_id.clone(),
        space_name: space.display_name(),
        name: row.name.clone(),
        kind: ConnectionKind::parse(&row.kind).unwrap_or(ConnectionKind::Postgres),
        host: row.host.clone(),
        port: row.port as u16,
        database: row.database_name.clone(),
        username: row.username.clone(),
        has_password: !row.secret.is_empty(),
        folder: row.folder.clone(),
        path: row.path.clone(),
        created_by: row.creator_name.clone().unwrap_or_default(),
        created_at: row.created_at,
        updated_at: row.updated_at,
        can_manage: access.manage,
    }
}

/// Where a connection reads, its password opened and its path resolved inside its folder.
pub async fn target(
    state: &AppState,
    conn: &mut AnyConnection,
    row: &ConnectionRow,
) -> Result<Target, AppError> {
    let kind = ConnectionKind::parse(&row.kind)
        .ok_or_else(|| AppError::internal(format!("connection kind {}", row.kind)))?;
    let password = match row.secret.as_str() {
        "" => String::new(),
        sealed => keyring(state)?.open(sealed)?,
    };
    let path = match kind.is_network() {
        true => Default::default(),
        false => folders::resolve(state, &row.folder, &row.path)?,
    };
    let hosts = rules::parse_hosts(&store::hosts(conn, &row.tenant_id).await?)?;
    Ok(Target {
        kind,
        host: row.host.clone(),
        port: row.port as u16,
        database: row.database_name.clone(),
        username: row.username.clone(),
        password,
        path,
        hosts,
    })
}

/// Connects and says what answered: a database's name and version, or a folder's files.
async fn try_target(target: &Target) -> Result<String, AppError> {
    if target.kind == ConnectionKind::Folder {
        let files = folders::list(&target.path)?;
        return Ok(format!(
            "The folder holds {} file{} to load.",
            files.len(),
            if files.len() == 1 { "" } else { "s" }
        ));
    }
    let _turn = drivers::turn().await?;
    let mut db = drivers::connect(target).await?;
    drivers::version(&mut db)
        .await
        .map(|v| format!("Connected to {v}."))
        .map_err(|e| AppError::invalid("connection", drivers::explain(target, &e)))
}

/// The connections of a space the caller may use, or of every space (`None`).
pub async fn list_connections(
    state: &AppState,
    principal: &Principal,
    space_id: Option<&str>,
) -> Result<ConnectionsPage, AppError> {
    let mut conn = state.db.acquire().await?;
    let mut connections = Vec::new();
    let mut can_create = false;
    match space_id {
        Some(space_id) => {
            let (space, _) = load_space(&mut conn, principal, space_id).await?;
            let access = connection_access(&mut conn, principal, &space).await?;
            can_create = access.manage;
            if access.use_ {
                for row in store::in_space(&mut conn, &space.id).await? {
                    connections.push(shown(&row, &space, access));
                }
            }
        }
        None => {
            let mut spaces: Vec<(SpaceRow, ConnectionAccess)> = Vec::new();
            for row in store::of_tenant(&mut conn, &principal.tenant_id).await? {
                if !spaces.iter().any(|(s, _)| s.id == row.space_id) {
                    let Some(space) = crate::spaces::store::get_space(
                        &mut conn,
                        &principal.tenant_id,
                        &row.space_id,
                    )
                    .await?
                    else {
                        continue;
                    };
                    let access = connection_access(&mut conn, principal, &space).await?;
                    spaces.push((space, access));
                }
                let (space, access) = spaces
                    .iter()
                    .find(|(s, _)| s.id == row.space_id)
                    .expect("just added");
                if access.use_ {
                    connections.push(shown(&row, space, *access));
                }
            }
        }
    }
    Ok(ConnectionsPage {
        connections,
        can_create,
        folders: folder_names(state)
            .into_iter()
            .map(|name| DataFolder { name })
            .collect(),
    })
}

pub async fn get_connection(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<Connection, AppError> {
    let mut conn = state.db.acquire().await?;
    let (row, space, access) = load_connection(&mut conn, principal, id).await?;
    Ok(shown(&row, &space, access))
}

/// A space the caller may make connections in.
async fn managed_space(
    conn: &mut AnyConnection,
    principal: &Principal,
    space_id: &str,
) -> Result<SpaceRow, AppError> {
    // No space named: the caller's personal space, as Qlik makes it.
    let personal;
    let space_id = match space_id {
        "" => {
            personal = crate::spaces::store::personal_space_of(conn, &principal.user_id)
                .await?
                .ok_or_else(|| AppError::invalid("space", "Name the space of the connection."))?
                .id;
            personal.as_str()
        }
        id => id,
    };
    let (space, _) = load_space(conn, principal, space_id).await?;
    if !connection_access(conn, principal, &space).await?.manage {
        return Err(AppError::forbidden("Data connections of this space are made and changed by its owner and those who Can manage it (in a shared space, also those who Can edit)."));
    }
    Ok(space)
}

/// The row a form makes, its password sealed.
fn row_of(
    state: &AppState,
    base: ConnectionRow,
    checked: Checked,
    password: Option<&str>,
) -> Result<ConnectionRow, AppError> {
    let secret = match password {
        Some("") => String::new(),
        Some(password) => keyring(state)?.seal(password),
        None => base.secret.clone(),
    };
    Ok(ConnectionRow {
        name: checked.name,
        kind: checked.kind.as_str().to_string(),
        host: checked.host,
        port: checked.port as i64,
        database_name: checked.database,
        username: checked.username,
        folder: checked.folder,
        path: checked.path,
        secret: if checked.kind.is_network() {
            secret
        } else {
            String::new()
        },
        ..base
    })
}

/// Tests what a form says without keeping it; `id` names the connection whose kept password
/// stands in for one not written again.
pub async fn test_connection(
    state: &AppState,
    principal: &Principal,
    id: Option<&str>,
    input: ConnectionInput,
) -> Result<String, AppError> {
    let checked = rules::check_input(&input, &folder_names(state))?;
    let mut conn = state.db.acquire().await?;
    let base = match id {
        Some(id) => {
            let (row, _, access) = load_connection(&mut conn, principal, id).await?;
            if !access.manage {
                return Err(AppError::forbidden(
                    "Only those who may change this connection test it with other settings.",
                ));
            }
            row
        }
        None => {
            managed_space(&mut conn, principal, &input.space_id).await?;
            blank(principal, &input.space_id, state.now())
        }
    };
    let row = row_of(state, base, checked, input.password.as_deref())?;
    let target = target(state, &mut conn, &row).await?;
    drop(conn);
    try_target(&target).await
}

fn blank(principal: &Principal, space_id: &str, now: i64) -> ConnectionRow {
    ConnectionRow {
        id: new_id(),
        tenant_id: principal.tenant_id.clone(),
        space_id: space_id.to_string(),
        name: String::new(),
        kind: String::new(),
        host: String::new(),
        port: 0,
        database_name: String::new(),
        username: String::new(),
        secret: String::new(),
        folder: String::new(),
        path: String::new(),
        created_by: Some(principal.user_id.clone()),
        created_at: now,
        updated_at: now,
        creator_name: Some(principal.name.clone()),
    }
}

/// Makes a connection in a space, once it connects: a connection that cannot is not kept, and
/// the error says why ("password authentication failed for user x").
pub async fn create_connection(
    state: &AppState,
    principal: &Principal,
    input: ConnectionInput,
) -> Result<Connection, AppError> {
    let checked = rules::check_input(&input, &folder_names(state))?;
    let mut conn = state.db.acquire().await?;
    let space = managed_space(&mut conn, principal, &input.space_id).await?;
    if store::count_in_space(&mut conn, &space.id).await? as usize >= super::MAX_PER_SPACE {
        return Err(AppError::conflict(format!(
            "A space holds at most {} data connections: remove one first.",
            super::MAX_PER_SPACE
        )));
    }
    let row = row_of(
        state,
        blank(principal, &space.id, state.now()),
        checked,
        input.password.as_deref(),
    )?;
    let target = target(state, &mut conn, &row).await?;
    drop(conn);
    try_target(&target).await?;
    let mut tx = state.db.begin().await?;
    if store::name_taken(&mut tx, &space.id, &row.name.to_lowercase(), "").await? {
        return Err(AppError::conflict(format!(
            "The space already has a data connection named {}: give this one another name.",
            row.name
        )));
    }
    store::insert(&mut tx, &row).await?;
    record(
        &mut tx,
        state.now(),
        &principal.actor(),
        AuditAction::ConnectionCreate,
        AuditTarget {
            kind: "data_connection",
            id: &row.id,
            name: &row.name,
        },
        format!("{} in {}", describe(&row), space.display_name()),
    )
    .await?;
    tx.commit().await?;
    let access = ConnectionAccess {
        use_: true,
        manage: true,
    };
    Ok(shown(&row, &space, access))
}

/// What a connection reaches, for the audit log (never its password).
fn describe(row: &ConnectionRow) -> String {
    match row.kind.as_str() {
        "postgres" | "mysql" => format!(
            "{} {}@{}:{}/{}",
            row.kind, row.username, row.host, row.port, row.database_name
        ),
        _ => format!("{} {}/{}", row.kind, row.folder, row.path),
    }
}

/// Changes a connection (tested again first); a password not written again is kept.
pub async fn update_connection(
    state: &AppState,
    principal: &Principal,
    id: &str,
    input: ConnectionInput,
) -> Result<Connection, AppError> {
    let checked = rules::check_input(&input, &folder_names(state))?;
    let mut conn = state.db.acquire().await?;
    let (old, _, access) = load_connection(&mut conn, principal, id).await?;
    if !access.manage {
        return Err(AppError::forbidden("Data connections of this space are changed by its owner and those who Can manage it (in a shared space, also those who Can edit)."));
    }
    let space = managed_space(&mut conn, principal, &input.space_id).await?;
    let mut row = row_of(state, old, checked, input.password.as_deref())?;
    row.space_id = space.id.clone();
    row.updated_at = state.now();
    let target = target(state, &mut conn, &row).await?;
    drop(conn);
    try_target(&target).await?;
    let mut tx = state.db.begin().await?;
    if store::name_taken(&mut tx, &space.id, &row.name.to_lowercase(), &row.id).await? {
        return Err(AppError::conflict(format!(
            "The space already has a data connection named {}: give this one another name.",
            row.name
        )));
    }
    store::update(&mut tx, &row).await?;
    record(
        &mut tx,
        state.now(),
        &principal.actor(),
        AuditAction::ConnectionUpdate,
        AuditTarget {
            kind: "data_connection",
            id: &row.id,
            name: &row.name,
        },
        describe(&row),
    )
    .await?;
    tx.commit().await?;
    Ok(shown(&row, &space, access))
}

/// Removes a connection. The apps that load from it keep their data; their next reload says the
/// connection is gone.
pub async fn delete_connection(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    let (row, _, access) = load_connection(&mut tx, principal, id).await?;
    if !access.manage {
        return Err(AppError::forbidden("Data connections of this space are removed by its owner and those who Can manage it (in a shared space, also those who Can edit)."));
    }
    store::delete(&mut tx, &row.id).await?;
    record(
        &mut tx,
        state.now(),
        &principal.actor(),
        AuditAction::ConnectionDelete,
        AuditTarget {
            kind: "data_connection",
            id: &row.id,
            name: &row.name,
        },
        describe(&row),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The tables (and views) a database offers, or the files of a folder, to pick from.
pub async fn connection_tables(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<Vec<SourceTable>, AppError> {
    let mut conn = state.db.acquire().await?;
    let (row, _, _) = load_connection(&mut conn, principal, id).await?;
    let target = target(state, &mut conn, &row).await?;
    drop(conn);
    sources::tables(&target).await
}

/// The first rows of a query, or of a folder's file (a workbook's sheet).
pub async fn preview_source(
    state: &AppState,
    principal: &Principal,
    id: &str,
    source: SourceTable,
) -> Result<Preview, AppError> {
    let mut conn = state.db.acquire().await?;
    let (row, _, _) = load_connection(&mut conn, principal, id).await?;
    let target = target(state, &mut conn, &row).await?;
    drop(conn);
    sources::preview(state, &target, &source).await
}

/// The hosts the tenant's connections may reach, one pattern a line.
pub async fn get_connection_hosts(
    state: &AppState,
    principal: &Principal,
) -> Result<ConnectionHosts, AppError> {
    let mut conn = state.db.acquire().await?;
    Ok(ConnectionHosts {
        hosts: store::hosts(&mut conn, &principal.tenant_id).await?,
        can_edit: principal.is_tenant_admin,
    })
}

/// Sets the hosts the tenant's connections may reach: a tenant admin's.
pub async fn set_connection_hosts(
    state: &AppState,
    principal: &Principal,
    hosts: &str,
) -> Result<String, AppError> {
    if !principal.is_tenant_admin {
        return Err(AppError::forbidden(
            "The hosts data connections may reach are set by a tenant admin.",
        ));
    }
    rules::parse_hosts(hosts)?;
    let hosts: Vec<&str> = hosts
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let hosts = hosts.join("\n");
    let mut tx = state.db.begin().await?;
    store::set_hosts(&mut tx, &principal.tenant_id, &hosts).await?;
    record(
        &mut tx,
        state.now(),
        &principal.actor(),
        AuditAction::ConnectionHosts,
        AuditTarget {
            kind: "tenant",
            id: &principal.tenant_id,
            name: &principal.tenant_name,
        },
        hosts.replace('\n', ", "),
    )
    .await?;
    tx.commit().await?;
    Ok(hosts)
}

/// At start: a key for sealing when the settings give none (made once, kept in the data
/// directory, readable by this user alone).
pub fn ensure_key(data_dir: &std::path::Path, key: &mut String) -> Result<(), String> {
    if !key.trim().is_empty() {
        return Ok(());
    }
    let path = data_dir.join("connection.key");
    if let Ok(text) = std::fs::read_to_string(&path) {
        *key = text.trim().to_string();
        return Ok(());
    }
    std::fs::create_dir_all(data_dir).map_err(|e| format!("{}: {e}", data_dir.display()))?;
    let made = Keyring::generate();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    use std::io::Write;
    options
        .open(&path)
        .and_then(|mut f| f.write_all(made.as_bytes()))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    *key = made;
    Ok(())
}

/// At start: every password sealed under an earlier key is sealed again under the current one.
/// Returns how many.
pub async fn reseal(state: &AppState) -> Result<usize, AppError> {
    let keys = keyring(state)?;
    let mut conn = state.db.acquire().await?;
    let mut count = 0;
    for (id, sealed) in store::secrets(&mut conn).await? {
        if keys.is_current(&sealed) {
            continue;
        }
        match keys.open(&sealed) {
            Ok(password) => {
                store::set_secret(&mut conn, &id, &keys.seal(&password)).await?;
                count += 1;
            }
            Err(error) => {
                tracing::warn!(connection = %id, %error, "a data connection's password could not be sealed again")
            }
        }
    }
    Ok(count)
}
