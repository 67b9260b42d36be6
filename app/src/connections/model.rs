//! Data connections as pages and the REST API see them. A password is written, never read
//! back: a connection says only whether it has one.

use serde::{Deserialize, Serialize};

/// What a connection reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConnectionKind {
    Postgres,
    Mysql,
    Sqlite,
    Folder,
}

impl ConnectionKind {
    pub const ALL: [ConnectionKind; 4] = [
        ConnectionKind::Postgres,
        ConnectionKind::Mysql,
        ConnectionKind::Sqlite,
        ConnectionKind::Folder,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionKind::Postgres => "postgres",
            ConnectionKind::Mysql => "mysql",
            ConnectionKind::Sqlite => "sqlite",
            ConnectionKind::Folder => "folder",
        }
    }

    pub fn parse(text: &str) -> Option<ConnectionKind> {
        let text = match text.to_ascii_lowercase().as_str() {
            "postgresql" => "postgres".to_string(),
            "mariadb" => "mysql".to_string(),
            other => other.to_string(),
        };
        ConnectionKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The name people read.
    pub fn label(self) -> &'static str {
        match self {
            ConnectionKind::Postgres => "PostgreSQL",
            ConnectionKind::Mysql => "MySQL or MariaDB",
            ConnectionKind::Sqlite => "SQLite file",
            ConnectionKind::Folder => "Server folder",
        }
    }

    /// Whether it is a database reached over the network (host, port, user, password).
    pub fn is_network(self) -> bool {
        matches!(self, ConnectionKind::Postgres | ConnectionKind::Mysql)
    }

    /// Whether its tables are read by queries (a folder's are files).
    pub fn is_database(self) -> bool {
        self != ConnectionKind::Folder
    }

    pub fn default_port(self) -> u16 {
        match self {
            ConnectionKind::Postgres => 5432,
            ConnectionKind::Mysql => 3306,
            _ => 0,
        }
    }
}

/// A connection as shown: everything but its password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    pub id: String,
    pub space_id: String,
    pub space_name: String,
    pub name: String,
    pub kind: ConnectionKind,
    pub host: String,
    pub port: u16,
    pub database: String,
    pub username: String,
    /// Whether a password is kept (it is never shown).
    pub has_password: bool,
    /// The operator's folder a SQLite file or folder connection is in.
    pub folder: String,
    /// The file or subfolder inside it.
    pub path: String,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// Whether the caller may change and delete it (besides using it).
    pub can_manage: bool,
}

/// A connection as its form writes it. On a change, `password: None` keeps the one kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionInput {
    pub space_id: String,
    pub name: String,
    pub kind: String,
    #[serde(default)]
    pub host: String,
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub database: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub folder: String,
    #[serde(default)]
    pub path: String,
}

/// A table a connection offers: a database's table or view, or a folder's file (a workbook's
/// sheets each one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceTable {
    /// `schema.table`, or the file's path in the folder.
    pub name: String,
    /// The query that reads it whole (databases), or the file (folders).
    pub query: String,
    /// A workbook's sheet.
    pub sheet: Option<String>,
}

/// The first rows of a query or file, as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preview {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

/// The operator's folders a connection may read, by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataFolder {
    pub name: String,
}

/// The connections page of a space: its connections, what the caller may do, and what a new one
/// may name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionsPage {
    pub connections: Vec<Connection>,
    pub can_create: bool,
    pub folders: Vec<DataFolder>,
}

/// The hosts the tenant's database connections may reach, one pattern a line, and whether the
/// caller (a tenant admin) may change them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionHosts {
    pub hosts: String,
    pub can_edit: bool,
}
