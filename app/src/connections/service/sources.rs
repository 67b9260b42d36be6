//! A load plan's sources opened for the one load: uploaded files and a folder's text files as
//! bytes, a database's queries as rows streamed from a reading task (a query starts when the
//! load reaches its table, and its rows come a batch at a time over a small channel, so that a
//! source's whole result is never held), workbooks' sheets as rows. Then `engine::load`.

use std::path::PathBuf;
use std::time::Duration;

use super::super::model::{ConnectionKind, Preview, SourceTable};
use super::super::rules::{self, FileKind};
use super::super::{MAX_TABLES_LISTED, PREVIEW_ROWS};
use super::drivers::{self, Limits, Message, Target};
use crate::access::load_connection;
use crate::auth::principal::Principal;
use crate::error::AppError;
use crate::state::AppState;
use engine::{Batch, RowSource, Source};

/// How long a preview may take.
const PREVIEW_SECONDS: u64 = 15;

/// The tables a database offers, or the files of a folder.
pub async fn tables(target: &Target) -> Result<Vec<SourceTable>, AppError> {
    if target.kind == ConnectionKind::Folder {
        let mut tables = Vec::new();
        for file in super::folders::list(&target.path)? {
            if rules::file_kind(&file) != Some(FileKind::Workbook) {
                tables.push(SourceTable {
                    query: file.clone(),
                    name: file,
                    sheet: None,
                });
                continue;
            }
            let path = super::folders::inside(&target.path, &file)?;
            let sheets = tokio::task::spawn_blocking(move || super::workbooks::sheet_names(&path))
                .await
                .map_err(AppError::internal)?;
            // A workbook that cannot be read is listed once, and says why when it is picked.
            for sheet in sheets.unwrap_or_default() {
                tables.push(SourceTable {
                    name: format!("{file}: {sheet}"),
                    query: file.clone(),
                    sheet: Some(sheet),
                });
            }
        }
        return Ok(tables);
    }
    let catalog = match target.kind {
        ConnectionKind::Postgres => "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY table_schema, table_name",
        ConnectionKind::Mysql => "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name",
        _ => "SELECT NULL, name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name",
    };
    let _turn = drivers::turn().await?;
    let mut db = drivers::connect(target).await?;
    let rows = drivers::text_rows(&mut db, catalog, MAX_TABLES_LISTED)
        .await
        .map_err(|e| AppError::invalid("connection", drivers::explain(target, &e)))?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let schema = row.first().cloned().flatten();
            let table = row.get(1).cloned().flatten()?;
            let schema = schema.filter(|s| target.kind == ConnectionKind::Postgres || s.is_empty());
            Some(SourceTable {
                name: match &schema {
                    Some(schema) if schema != "public" => format!("{schema}.{table}"),
                    _ => table.clone(),
                },
                query: rules::table_query(target.kind, schema.as_deref(), &table),
                sheet: None,
            })
        })
        .collect())
}

/// The first rows of a query, or of a folder's file.
pub async fn preview(
    state: &AppState,
    target: &Target,
    source: &SourceTable,
) -> Result<Preview, AppError> {
    let limits = Limits {
        time: Duration::from_secs(PREVIEW_SECONDS),
        max_rows: state.settings.sources.max_rows,
    };
    let mut rows: Box<dyn RowSource> = match target.kind {
        ConnectionKind::Folder => {
            let path = super::folders::inside(&target.path, &source.query)?;
            match &source.sheet {
                Some(sheet) => Box::new(super::workbooks::SheetRows::new(
                    path,
                    sheet.clone(),
                    0,
                    limits.max_rows,
                )) as Box<dyn RowSource>,
                None => {
                    let head =
                        tokio::task::spawn_blocking(move || read_file(&path, Some(PREVIEW_BYTES)))
                            .await
                            .map_err(AppError::internal)??;
                    return file_preview(head);
                }
            }
        }
        _ => {
            let query = rules::check_query(&source.query)?;
            Box::new(QueryRows::new(target.clone(), query, limits))
        }
    };
    tokio::task::spawn_blocking(move || {
        let headers = rows.headers().map_err(|m| AppError::invalid("query", m))?;
        let mut batch = Batch::new(headers.len());
        let mut out = Vec::new();
        while out.len() < PREVIEW_ROWS
            && rows
                .next_batch(&mut batch)
                .map_err(|m| AppError::invalid("query", m))?
        {
            for row in 0..batch.rows().min(PREVIEW_ROWS - out.len()) {
                out.push(
                    (0..headers.len())
                        .map(|c| batch.text(row, c).map(str::to_string))
                        .collect(),
                );
            }
        }
        Ok(Preview { headers, rows: out })
    })
    .await
    .map_err(AppError::internal)?
}

/// Bytes of a file a preview reads: enough for its first rows, not the whole file.
const PREVIEW_BYTES: u64 = 1 << 20;

/// A folder's text file, for the CSV reader: whole, or its first `limit` bytes cut after the
/// last whole line.
fn read_file(path: &std::path::Path, limit: Option<u64>) -> Result<Vec<u8>, AppError> {
    use std::io::Read;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match rules::file_kind(&name) {
        Some(FileKind::Text) => {}
        Some(FileKind::Workbook) => {
            return Err(AppError::invalid(
                "file",
                format!("{name} is an Excel workbook: pick one of its sheets."),
            ))
        }
        None => {
            return Err(AppError::invalid(
                "file",
                format!("{name} is not a CSV, TSV or Excel file."),
            ))
        }
    }
    let file = std::fs::File::open(path).map_err(AppError::internal)?;
    let mut bytes = Vec::new();
    match limit {
        None => file.take(u64::MAX).read_to_end(&mut bytes),
        Some(limit) => file.take(limit).read_to_end(&mut bytes),
    }
    .map_err(AppError::internal)?;
    if limit.is_some_and(|l| bytes.len() as u64 == l) {
        let whole_lines = bytes
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |at| at + 1);
        bytes.truncate(whole_lines);
    }
    Ok(bytes)
}

fn file_preview(bytes: Vec<u8>) -> Result<Preview, AppError> {
    let mut records =
        engine::csv::Records::open(&bytes).map_err(|e| AppError::invalid("file", e.to_string()))?;
    let headers = records.headers.clone();
    let mut cells = engine::csv::Cells::default();
    let mut rows = Vec::new();
    while rows.len() < PREVIEW_ROWS
        && records
            .next_into(&mut cells)
            .map_err(|e| AppError::invalid("file", e.to_string()))?
    {
        rows.push(
            (0..headers.len())
                .map(|c| cells.text(c).map(str::to_string))
                .collect(),
        );
    }
    Ok(Preview { headers, rows })
}

/// A query's rows for the load: the reading starts on the async runtime when the load asks for
/// the columns, and each batch is taken as the load is ready for it.
pub struct QueryRows {
    target: Target,
    query: String,
    limits: Limits,
    handle: tokio::runtime::Handle,
    receiver: Option<tokio::sync::mpsc::Receiver<Message>>,
}

impl QueryRows {
    /// Made on the async runtime (it keeps a handle to it); read on a blocking thread.
    pub fn new(target: Target, query: String, limits: Limits) -> QueryRows {
        QueryRows {
            target,
            query,
            limits,
            handle: tokio::runtime::Handle::current(),
            receiver: None,
        }
    }
}

impl RowSource for QueryRows {
    fn headers(&mut self) -> Result<Vec<String>, String> {
        let (send, mut receive) = tokio::sync::mpsc::channel(2);
        let (target, query, limits) = (self.target.clone(), self.query.clone(), self.limits);
        self.handle.spawn(async move {
            let _turn = match drivers::turn().await {
                Ok(turn) => turn,
                Err(error) => {
                    let _ = send.send(Message::Failed(error.to_string())).await;
                    return;
                }
            };
            match drivers::connect(&target).await {
                Ok(db) => drivers::read(db, query, limits, send).await,
                Err(error) => {
                    let _ = send.send(Message::Failed(error.to_string())).await;
                }
            }
        });
        let first = receive.blocking_recv();
        self.receiver = Some(receive);
        match first {
            Some(Message::Headers(headers)) => Ok(headers),
            Some(Message::Failed(message)) => Err(message),
            _ => Err("The database stopped answering before the query's columns came.".into()),
        }
    }

    fn next_batch(&mut self, batch: &mut Batch) -> Result<bool, String> {
        let Some(receiver) = self.receiver.as_mut() else {
            return Err("The query was not started.".into());
        };
        match receiver.blocking_recv() {
            Some(Message::Rows(rows)) => {
                *batch = rows;
                Ok(true)
            }
            Some(Message::Failed(message)) => Err(message),
            Some(Message::Headers(_)) => Err("The database sent the columns twice.".into()),
            None => Ok(false),
        }
    }
}

/// A source of the plan, ready to open on the load's thread.
enum Input {
    /// An uploaded file, or a folder's text file.
    File(PathBuf),
    Query(QueryRows),
    /// A workbook's sheet: the workbook, the sheet, the rows above its header.
    Sheet(PathBuf, String, usize),
}

/// Loads `plan` from the app's uploaded files (`files`: name and path) and the plan's own
/// sources, which `principal` must be allowed to use (a data connection's space roles), on at
/// most `threads` cores (0: as many as large questions get). The one way an app's data loads.
pub async fn read_and_load(
    state: &AppState,
    principal: &Principal,
    files: Vec<(String, PathBuf)>,
    plan: engine::LoadPlan,
    threads: usize,
) -> Result<(engine::Loaded, engine::LoadPlan), AppError> {
    let plan = {
        let files = files.clone();
        tokio::task::spawn_blocking(move || expand_workbooks(plan, &files))
            .await
            .map_err(AppError::internal)??
    };
    let max_rows = state.settings.sources.max_rows;
    let mut inputs: Vec<(String, Input)> = files
        .into_iter()
        .map(|(n, p)| (n, Input::File(p)))
        .collect();
    if !plan.sources.is_empty() {
        let limits = Limits {
            time: Duration::from_millis(state.settings.sources.query_ms),
            max_rows: state.settings.sources.max_rows,
        };
        let mut conn = state.db.acquire().await?;
        for source in &plan.sources {
            let Some(id) = &source.connection else {
                // A sheet of an uploaded workbook.
                let path = source
                    .file
                    .as_ref()
                    .and_then(|f| inputs.iter().find(|(n, _)| n == f))
                    .and_then(|(_, input)| match input {
                        Input::File(path) => Some(path.clone()),
                        _ => None,
                    });
                match (path, &source.sheet) {
                    (Some(path), Some(sheet)) => {
                        inputs.push((source.name.clone(), Input::Sheet(path, sheet.clone(), source.header_row)));
                        continue;
                    }
                    _ => return Err(AppError::invalid("plan", format!("{}: its workbook is not among the app's files any more: upload it again, or take the table out of the model.", source.name))),
                }
            };
            let (row, _, _) = load_connection(&mut conn, principal, id).await.map_err(|_| {
                AppError::invalid("plan", format!("{}: its data connection is gone, or {} may no longer use it (Can consume data in its space).", source.name, principal.name))
            })?;
            let target = super::target(state, &mut conn, &row).await?;
            let input = match (&source.query, &source.file) {
                (Some(query), _) if target.kind.is_database() => {
                    Input::Query(QueryRows::new(target, rules::check_query(query)?, limits))
                }
                (_, Some(file)) if target.kind == ConnectionKind::Folder => {
                    let path = super::folders::inside(&target.path, file)?;
                    match &source.sheet {
                        Some(sheet) => Input::Sheet(path, sheet.clone(), source.header_row),
                        None => Input::File(path),
                    }
                }
                _ => {
                    return Err(AppError::invalid(
                        "plan",
                        format!(
                            "{}: the connection {} does not read this kind of source.",
                            source.name, row.name
                        ),
                    ))
                }
            };
            inputs.push((source.name.clone(), input));
        }
    }
    tokio::task::spawn_blocking(move || {
        let mut bytes: Vec<(String, Vec<u8>)> = Vec::new();
        let mut rows: Vec<(String, Box<dyn RowSource>)> = Vec::new();
        let read: Vec<String> = plan
            .tables
            .iter()
            .flat_map(|t| t.sources().map(str::to_string).collect::<Vec<_>>())
            .collect();
        for (name, input) in inputs {
            match input {
                // A workbook read through its sheets is not read whole.
                Input::File(_) if !read.contains(&name) => {}
                Input::File(path) => bytes.push((name, read_file(&path, None)?)),
                Input::Query(query) => rows.push((name, Box::new(query))),
                Input::Sheet(path, sheet, header) => rows.push((
                    name,
                    Box::new(super::workbooks::SheetRows::new(
                        path, sheet, header, max_rows,
                    )),
                )),
            }
        }
        let (row_names, row_sources): (Vec<String>, Vec<_>) = rows.into_iter().unzip();
        let sources: Vec<(&str, Source)> = bytes
            .iter()
            .map(|(n, b)| (n.as_str(), Source::Csv(b.as_slice())))
            .chain(
                row_names
                    .iter()
                    .map(String::as_str)
                    .zip(row_sources.into_iter().map(Source::Rows)),
            )
            .collect();
        let load = || engine::load::load(&plan, sources);
        let loaded = match threads {
            0 => load(),
            n => engine::parallel::with_threads(n, load),
        }
        .map_err(|e| AppError::invalid("plan", e.to_string()))?;
        Ok((loaded, plan))
    })
    .await
    .map_err(AppError::internal)?
}

/// The plan with each table that reads an uploaded workbook whole replaced by one table per
/// sheet (what a new app's default plan does with a workbook): named after the sheet, or after
/// the workbook and the sheet when another table has the sheet's name.
fn expand_workbooks(
    mut plan: engine::LoadPlan,
    files: &[(String, PathBuf)],
) -> Result<engine::LoadPlan, AppError> {
    let mut tables = Vec::with_capacity(plan.tables.len());
    for table in std::mem::take(&mut plan.tables) {
        let workbook = files.iter().find(|(name, _)| {
            *name == table.source && rules::file_kind(name) == Some(FileKind::Workbook)
        });
        let Some((file, path)) = workbook else {
            tables.push(table);
            continue;
        };
        let sheets = super::workbooks::sheet_names(path)?;
        let stem = crate::content::rules::table_name(file);
        for sheet in &sheets {
            let clashes = |name: &str| {
                tables
                    .iter()
                    .any(|t: &engine::plan::TablePlan| t.name.eq_ignore_ascii_case(name))
                    || plan
                        .tables
                        .iter()
                        .any(|t| t.name.eq_ignore_ascii_case(name))
            };
            let name = if sheets.len() == 1 {
                stem.clone()
            } else if clashes(sheet) {
                format!("{stem} {sheet}")
            } else {
                sheet.clone()
            };
            let source = format!("{file}: {sheet}");
            plan.sources.push(engine::plan::SourcePlan {
                name: source.clone(),
                file: Some(file.clone()),
                sheet: Some(sheet.clone()),
                ..Default::default()
            });
            tables.push(engine::plan::TablePlan {
                source,
                appended: Vec::new(),
                name,
                qualify: table.qualify,
                columns: Vec::new(),
            });
        }
    }
    plan.tables = tables;
    Ok(plan)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_preview_reads_whole_lines_from_the_start_of_a_file() {
        let path = std::env::temp_dir().join(format!("sl-head-{}.csv", std::process::id()));
        std::fs::write(&path, "a,b\n1,2\n3,4\n").unwrap();
        assert_eq!(super::read_file(&path, Some(10)).unwrap(), b"a,b\n1,2\n");
        assert_eq!(
            super::read_file(&path, Some(100)).unwrap(),
            b"a,b\n1,2\n3,4\n"
        );
        assert_eq!(super::read_file(&path, None).unwrap(), b"a,b\n1,2\n3,4\n");
        let _ = std::fs::remove_file(&path);
    }
}
