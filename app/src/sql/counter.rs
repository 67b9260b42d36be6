//! SQLite's change counters (the `changes` table of migration 0009, bumped by triggers), read on
//! a connection of this process's own, in the calling thread.
//!
//! Why not through sqlx: its SQLite driver runs every statement on a worker thread and the
//! round trip alone is 60-90 µs, more than the access check it guards is allowed in all. Here a
//! read is one prepared statement stepped in place, a few microseconds, and it still asks the
//! database: a change made by any connection of any process is seen on the next read.

use std::ffi::{c_int, CStr, CString};
use std::path::Path;
use std::ptr;
use std::sync::Mutex;

use libsqlite3_sys as ffi;

/// A read-only connection to the database file and one prepared statement per counter.
pub struct Counter {
    inner: Mutex<Connection>,
}

struct Connection {
    db: *mut ffi::sqlite3,
    statements: Vec<(&'static str, *mut ffi::sqlite3_stmt)>,
}

// SAFETY: the connection is opened with SQLITE_OPEN_NOMUTEX and only ever used under the
// `Counter`'s mutex, one thread at a time, which is what SQLite requires of such a connection.
unsafe impl Send for Connection {}

impl Counter {
    /// Opens `path` read-only. The database must already be migrated (the `changes` table is
    /// prepared against on first read).
    pub fn open(path: &Path) -> Result<Counter, String> {
        let name = CString::new(path.as_os_str().as_encoded_bytes())
            .map_err(|_| format!("The database path {} holds a NUL byte", path.display()))?;
        let mut db = ptr::null_mut();
        // SAFETY: `name` is NUL-terminated and outlives the call; `db` receives the handle, which
        // SQLite sets even on failure (and which must then be closed).
        let code = unsafe {
            ffi::sqlite3_open_v2(
                name.as_ptr(),
                &mut db,
                ffi::SQLITE_OPEN_READONLY | ffi::SQLITE_OPEN_NOMUTEX,
                ptr::null(),
            )
        };
        let connection = Connection {
            db,
            statements: Vec::new(),
        };
        if code != ffi::SQLITE_OK {
            return Err(format!(
                "Cannot open {} to read its change counters: {}",
                path.display(),
                connection.error()
            ));
        }
        // A checkpoint can hold the database for a moment; the writer's pool waits as long.
        // SAFETY: `db` is an open connection.
        unsafe { ffi::sqlite3_busy_timeout(connection.db, 5_000) };
        Ok(Counter {
            inner: Mutex::new(connection),
        })
    }

    /// The counter `name` now. `name` is one of the `changes` rows' names (a constant of this
    /// code base, never input).
    pub fn version(&self, name: &'static str) -> Result<i64, String> {
        let mut connection = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let statement = connection.statement(name)?;
        // SAFETY: `statement` is a live statement of this connection, used under its mutex; it
        // is reset before the lock is released, ending its read transaction.
        unsafe {
            let code = ffi::sqlite3_step(statement);
            let version =
                (code == ffi::SQLITE_ROW).then(|| ffi::sqlite3_column_int64(statement, 0));
            ffi::sqlite3_reset(statement);
            version.ok_or_else(|| {
                format!(
                    "Reading the change counter {name} failed: {}",
                    connection.error()
                )
            })
        }
    }
}

impl Connection {
    fn statement(&mut self, name: &'static str) -> Result<*mut ffi::sqlite3_stmt, String> {
        if let Some((_, statement)) = self.statements.iter().find(|(n, _)| *n == name) {
            return Ok(*statement);
        }
        assert!(
            name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "a change counter's name is a lowercase constant"
        );
        let sql = CString::new(format!("SELECT version FROM changes WHERE name = '{name}'"))
            .expect("no NUL in the statement");
        let mut statement = ptr::null_mut();
        // SAFETY: `sql` is NUL-terminated (length -1: read to the NUL) and `statement` receives
        // the prepared statement, kept until the connection is dropped.
        let code = unsafe {
            ffi::sqlite3_prepare_v2(self.db, sql.as_ptr(), -1, &mut statement, ptr::null_mut())
        };
        if code != ffi::SQLITE_OK {
            return Err(format!(
                "Cannot read the change counter {name}: {}",
                self.error()
            ));
        }
        self.statements.push((name, statement));
        Ok(statement)
    }

    fn error(&self) -> String {
        if self.db.is_null() {
            return "out of memory".into();
        }
        // SAFETY: `db` is a connection handle; SQLite returns a NUL-terminated message it owns,
        // copied out before any other call on the connection.
        unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(self.db)) }
            .to_string_lossy()
            .into_owned()
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        // SAFETY: every statement belongs to `db` and is finalised once, before `db` is closed.
        unsafe {
            for (_, statement) in self.statements.drain(..) {
                ffi::sqlite3_finalize(statement);
            }
            let _: c_int = ffi::sqlite3_close(self.db);
        }
    }
}
