//! What a connection may be and who may do what with it, pure and table-tested: the space roles
//! that make, use and see connections; a connection's settings checked, each mistake named; the
//! hosts a tenant allows (by default none of the server's own or private addresses); paths that
//! stay inside their folder; and the query that reads a picked table.

use std::net::IpAddr;

use super::model::{ConnectionInput, ConnectionKind};
use crate::error::AppError;
use crate::spaces::rules::{SpaceRole, SpaceType};

#[cfg(test)]
mod tests;

/// What a person may do with a space's connections.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConnectionAccess {
    /// See them and load apps' data through them.
    pub use_: bool,
    /// Make, change and delete them.
    pub manage: bool,
}

/// Qlik's rules for a space's data connections: the owner and those who "Can manage" make and
/// change them; in a shared space "Can edit" does too; "Can consume data" and "Can edit data in
/// apps" use them; viewers neither see nor use them. A personal space's are its owner's alone.
pub fn access(space: SpaceType, owner: bool, roles: &[SpaceRole]) -> ConnectionAccess {
    if owner {
        return ConnectionAccess {
            use_: true,
            manage: true,
        };
    }
    let holds = |role: SpaceRole| roles.contains(&role);
    let manage = match space {
        SpaceType::Personal => false,
        SpaceType::Shared => holds(SpaceRole::Facilitator) || holds(SpaceRole::Producer),
        SpaceType::Managed => holds(SpaceRole::Facilitator),
    };
    let use_ = manage
        || (space != SpaceType::Personal
            && (holds(SpaceRole::DataConsumer) || holds(SpaceRole::CoDeveloper)));
    ConnectionAccess { use_, manage }
}

/// A connection's settings, checked: what the store keeps (the password apart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub name: String,
    pub kind: ConnectionKind,
    pub host: String,
    pub port: u16,
    pub database: String,
    pub username: String,
    pub folder: String,
    pub path: String,
}

fn refused(field: &str, message: impl Into<String>) -> AppError {
    AppError::invalid(field, message)
}

fn plain(field: &str, label: &str, text: &str, max: usize) -> Result<String, AppError> {
    let text = text.trim();
    if text.chars().count() > max || text.chars().any(char::is_control) {
        return Err(refused(
            field,
            format!("The {label} must be at most {max} characters, with no line breaks."),
        ));
    }
    Ok(text.to_string())
}

/// Checks what the form sent; `folders` are the names of the folders the operator allows.
pub fn check_input(input: &ConnectionInput, folders: &[String]) -> Result<Checked, AppError> {
    let name = plain("name", "name", &input.name, 100)?;
    if name.is_empty() {
        return Err(refused("name", "Give the connection a name."));
    }
    let kind = ConnectionKind::parse(&input.kind).ok_or_else(|| {
        refused(
            "kind",
            format!(
                "\"{}\" is not a kind of connection: use postgres, mysql, sqlite or folder.",
                input.kind
            ),
        )
    })?;
    let mut checked = Checked {
        name,
        kind,
        host: String::new(),
        port: 0,
        database: String::new(),
        username: String::new(),
        folder: String::new(),
        path: String::new(),
    };
    if kind.is_network() {
        let host = plain("host", "host", &input.host, 253)?.to_ascii_lowercase();
        if host.is_empty() || host.contains(['/', ' ', '@', '?', '#']) {
            return Err(refused(
                "host",
                "Give the database server's host name or address (db.example.com, 10.0.0.5).",
            ));
        }
        checked.host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        checked.port = match input.port {
            Some(0) => return Err(refused("port", "The port is a number from 1 to 65535.")),
            Some(port) => port,
            None => kind.default_port(),
        };
        checked.database = plain("database", "database name", &input.database, 128)?;
        if checked.database.is_empty() {
            return Err(refused("database", "Name the database to read."));
        }
        checked.username = plain("username", "user name", &input.username, 128)?;
        if checked.username.is_empty() {
            return Err(refused("username", "Name the database user to connect as."));
        }
        if input.password.as_ref().is_some_and(|p| p.len() > 1024) {
            return Err(refused(
                "password",
                "The password is longer than 1024 bytes.",
            ));
        }
    } else {
        let folder = input.folder.trim();
        if !folders.iter().any(|f| f == folder) {
            return Err(refused(
                "folder",
                if folders.is_empty() {
                    "The operator allows no server folders: ask them to list one in data_folders."
                        .to_string()
                } else {
                    format!(
                        "Choose one of the server folders allowed: {}.",
                        folders.join(", ")
                    )
                },
            ));
        }
        checked.folder = folder.to_string();
        checked.path = relative_path(&input.path)?.join("/");
        if kind == ConnectionKind::Sqlite && checked.path.is_empty() {
            return Err(refused("path", "Name the SQLite file inside the folder."));
        }
    }
    Ok(checked)
}

/// A path inside a folder, as its parts: relative, no `..`, no hidden trick of separators. An
/// empty path is the folder itself.
pub fn relative_path(path: &str) -> Result<Vec<String>, AppError> {
    let outside = || {
        refused(
            "path",
            format!("\"{path}\" is not a path inside the folder: write it relative to the folder, without .. (sales/2026.csv)."),
        )
    };
    if path.len() > 1024 || path.contains(['\0', '\\', ':']) || path.starts_with('/') {
        return Err(outside());
    }
    let mut parts = Vec::new();
    for part in path.split('/') {
        match part.trim() {
            "" | "." => continue,
            ".." => return Err(outside()),
            part if part.len() > 255 || part.chars().any(char::is_control) => return Err(outside()),
            part => parts.push(part.to_string()),
        }
    }
    Ok(parts)
}

/// The files a folder connection offers: CSV and TSV text, and Excel workbooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Text,
    Workbook,
}

pub fn file_kind(name: &str) -> Option<FileKind> {
    let lower = name.to_ascii_lowercase();
    if [".csv", ".tsv", ".txt", ".tab"]
        .iter()
        .any(|e| lower.ends_with(e))
    {
        Some(FileKind::Text)
    } else if lower.ends_with(".xlsx") {
        Some(FileKind::Workbook)
    } else {
        None
    }
}

/// The operator's folders from the `data_folders` setting: `name=/path` pairs separated by
/// commas.
pub fn parse_folders(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut folders: Vec<(String, String)> = Vec::new();
    for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let Some((name, path)) = entry.split_once('=') else {
            return Err(format!(
                "data_folders: \"{entry}\" is not name=/absolute/path"
            ));
        };
        let (name, path) = (name.trim(), path.trim());
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_ ".contains(c))
            || !path.starts_with('/')
        {
            return Err(format!(
                "data_folders: \"{entry}\" needs a plain name (letters, digits, - and _) and an absolute path"
            ));
        }
        if folders.iter().any(|(n, _)| n == name) {
            return Err(format!("data_folders: the name \"{name}\" is given twice"));
        }
        folders.push((name.to_string(), path.trim_end_matches('/').to_string()));
    }
    Ok(folders)
}

/// A line of the hosts a tenant allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    /// A host name, exactly (any case).
    Name(String),
    /// `*.example.com`: any name under it.
    Under(String),
    /// An address or a range of them (`10.0.0.0/8`).
    Range(IpAddr, u8),
}

/// The tenant's list, one pattern a line (blank lines and `#` comments skipped).
pub fn parse_hosts(text: &str) -> Result<Vec<HostPattern>, AppError> {
    let mut patterns = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || {
            refused(
                "hosts",
                format!("\"{line}\" is not a host name, *.domain, address or address/bits."),
            )
        };
        let pattern = if let Some(domain) = line.strip_prefix("*.") {
            if domain.is_empty() || domain.contains(['*', '/', ' ']) {
                return Err(bad());
            }
            HostPattern::Under(domain.to_ascii_lowercase())
        } else if let Some((address, bits)) = line.split_once('/') {
            let address: IpAddr = address.parse().map_err(|_| bad())?;
            let bits: u8 = bits.parse().map_err(|_| bad())?;
            let max = if address.is_ipv4() { 32 } else { 128 };
            if bits > max {
                return Err(bad());
            }
            HostPattern::Range(address, bits)
        } else if let Ok(address) = line.parse::<IpAddr>() {
            HostPattern::Range(address, if address.is_ipv4() { 32 } else { 128 })
        } else {
            if line.contains(['*', '/', ' ', '@']) || line.len() > 253 {
                return Err(bad());
            }
            HostPattern::Name(line.to_ascii_lowercase())
        };
        patterns.push(pattern);
    }
    if patterns.len() > 100 {
        return Err(refused("hosts", "List at most 100 hosts."));
    }
    Ok(patterns)
}

fn in_range(address: IpAddr, base: IpAddr, bits: u8) -> bool {
    match (address, base) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

/// The server's own and private addresses: loopback, private ranges, link-local (where clouds
/// answer with their metadata), shared address space, unique local, and the unspecified.
pub fn is_internal(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || in_range(address, IpAddr::from([100, 64, 0, 0]), 10)
                || v4.octets()[0] == 0
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_internal(IpAddr::V4(v4)),
            None => {
                v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || in_range(address, "fc00::".parse().expect("an address"), 7)
                    || in_range(address, "fe80::".parse().expect("an address"), 10)
            }
        },
    }
}

/// Whether a connection may reach `host`, which resolved to `addresses`. With no list, any host
/// whose every address is public; with a list, a host it names (whatever it resolves to), or
/// one whose every address is in a range it names.
pub fn check_host(
    patterns: &[HostPattern],
    host: &str,
    addresses: &[IpAddr],
) -> Result<(), String> {
    let host = host.to_ascii_lowercase();
    let named = patterns.iter().any(|p| match p {
        HostPattern::Name(name) => *name == host,
        HostPattern::Under(domain) => host.ends_with(&format!(".{domain}")),
        HostPattern::Range(..) => false,
    });
    if named {
        return Ok(());
    }
    if addresses.is_empty() {
        return Err(format!("The host {host} has no address."));
    }
    if patterns.is_empty() {
        return match addresses.iter().find(|a| is_internal(**a)) {
            Some(address) => Err(format!("The host {host} is at {address}, an address of the server's own network, which connections may not reach unless a tenant admin lists it among the hosts connections may reach.")),
            None => Ok(()),
        };
    }
    let ranged = addresses.iter().all(|a| {
        patterns.iter().any(|p| match p {
            HostPattern::Range(base, bits) => in_range(*a, *base, *bits),
            _ => false,
        })
    });
    if ranged {
        Ok(())
    } else {
        Err(format!("The host {host} is not among the hosts a tenant admin allows connections to reach: ask one to list it."))
    }
}

/// A query the user wrote, trimmed of a final semicolon; one statement is run, read-only.
pub fn check_query(text: &str) -> Result<String, AppError> {
    let query = text.trim().trim_end_matches(';').trim();
    if query.is_empty() {
        return Err(refused(
            "query",
            "Write the query that reads the table (SELECT …).",
        ));
    }
    if query.chars().count() > super::MAX_QUERY_CHARS {
        return Err(refused(
            "query",
            format!(
                "The query is longer than {} characters.",
                super::MAX_QUERY_CHARS
            ),
        ));
    }
    Ok(query.to_string())
}

/// A connection as Qlik writes it (`qConnectStatement`): `CUSTOM CONNECT TO "provider=…;…;"`,
/// what it reaches and never its password.
pub fn connect_statement(c: &super::model::Connection) -> String {
    let pairs = match c.kind.is_network() {
        true => format!("host={};port={};db={};", c.host, c.port, c.database),
        false => format!("folder={};path={};", c.folder, c.path),
    };
    format!(
        "CUSTOM CONNECT TO \"provider=sightline;driver={};{pairs}\"",
        c.kind.as_str()
    )
}

/// The `key=value;` pairs of a connect statement, keys in lower case (`CUSTOM CONNECT TO "…"`
/// or the pairs alone).
pub fn parse_connect_statement(text: &str) -> Vec<(String, String)> {
    let text = text.trim();
    let inner = text
        .strip_prefix("CUSTOM CONNECT TO")
        .or_else(|| text.strip_prefix("custom connect to"))
        .map(|rest| rest.trim().trim_matches('"'))
        .unwrap_or(text);
    inner
        .split(';')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect()
}

/// The query that reads a picked table whole, its names quoted as the database quotes them.
pub fn table_query(kind: ConnectionKind, schema: Option<&str>, table: &str) -> String {
    let quote = |name: &str| match kind {
        ConnectionKind::Mysql => format!("`{}`", name.replace('`', "``")),
        _ => format!("\"{}\"", name.replace('"', "\"\"")),
    };
    match schema {
        Some(schema) => format!("SELECT * FROM {}.{}", quote(schema), quote(table)),
        None => format!("SELECT * FROM {}", quote(table)),
    }
}
