#![recursion_limit = "512"]
//! `sightline`: the one binary. See `sightline help`.

use std::path::Path;
use std::process::ExitCode;

use app::auth::principal::{load_principal, Credential};
use app::auth::service::create_api_key;
use app::directory::model::UserQuery;
use app::directory::service;
use server::cli::{self, Command};
use server::config::Config;
use server::security::LayerSettings;
use server::{build_state_now, demo, drain_then_stop, serve};

fn init_logs(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("SIGHTLINE_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match cli::parse(&args) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    if command == Command::Help {
        println!("{}", cli::USAGE);
        return ExitCode::SUCCESS;
    }
    if command == Command::Version {
        println!("{}", cli::version_text(server::db::latest_schema()));
        return ExitCode::SUCCESS;
    }
    let mut config = match Config::load(Path::new("Leptos.toml")) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("Configuration error: {message}");
            return ExitCode::from(2);
        }
    };
    init_logs(config.json_logs);
    // Pages without their scripts and styles would look broken and say nothing: the server
    // finds its site from any working directory, or says at start where it looked and which
    // setting to use (the REST API and the health checks work without it).
    if matches!(command, Command::Serve { .. }) {
        if let Err(message) = config.find_site() {
            tracing::warn!(
                "{message} Until then pages are served without their scripts and styles."
            );
        }
    }
    let json_logs = config.json_logs;
    match run(command, config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) if json_logs => {
            tracing::error!("{message}");
            ExitCode::FAILURE
        }
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> Result<(), String> {
    // A backup reads the database as it is (a running server's, maybe of another version); a
    // restore replaces it: neither migrates it first.
    match command {
        Command::Backup { file } => return backup(&config, Path::new(&file)).await,
        Command::Restore { file, force } => {
            let report = server::backup::restore(&config, Path::new(&file), force).await?;
            println!(
                "Restored {file}: the database (schema {}, made by Sightline {} on {}) and {} \
                 file(s) of the data directory, in {:.1} s. The database is now at schema {}.",
                report.manifest.schema,
                report.manifest.sightline,
                app::timefmt::rfc3339(report.manifest.created_at),
                report.files,
                report.seconds,
                server::db::latest_schema()
            );
            return Ok(());
        }
        _ => {}
    }
    let state = build_state_now(&config).await?;
    let say = |e: app::error::AppError| e.to_string();
    match command {
        Command::Migrate => {
            println!(
                "The database is up to date ({}).",
                server::db::redact(&config.database_url)
            );
        }
        Command::Demo => {
            if demo::load(&state).await.map_err(say)? {
                println!(
                    "Loaded the demo tenant. {}",
                    demo::sign_in_hint(&config.settings.public_url)
                );
            } else {
                println!("The database already has a tenant; the demo was not loaded.");
            }
        }
        Command::CreateAdmin {
            email,
            name,
            tenant,
        } => {
            let (password, generated) = cli::admin_password();
            let user = service::create_admin(&state, &tenant, &email, &name, &password)
                .await
                .map_err(say)?;
            println!("{} ({}) is a tenant admin.", user.name, user.email);
            if generated {
                println!("Their password, shown this once: {password}");
            }
        }
        Command::ApiKeyCreate { email, name } => {
            let console = service::console_principal(&state).await.map_err(say)?;
            let page = service::list_users(
                &state,
                &console,
                UserQuery {
                    email: email.clone(),
                    limit: 1,
                    ..Default::default()
                },
            )
            .await
            .map_err(say)?;
            let user = page
                .items
                .first()
                .ok_or_else(|| format!("No user has the email {email}."))?;
            let mut conn = state.db.acquire().await.map_err(|e| e.to_string())?;
            let principal = load_principal(&mut conn, &user.id, Credential::Console)
                .await
                .map_err(say)?
                .ok_or_else(|| format!("{email} is not active, so they cannot have API keys."))?;
            drop(conn);
            let key = create_api_key(&state, &principal, &name)
                .await
                .map_err(say)?;
            println!("{}", key.secret);
            eprintln!(
                "API key \"{}\" for {email}. It is shown this once; store it now.",
                key.info.name
            );
        }
        Command::Serve { demo: with_demo } => {
            if with_demo && demo::load(&state).await.map_err(say)? {
                tracing::info!("loaded the demo tenant");
            }
            let listener = tokio::net::TcpListener::bind(config.listen)
                .await
                .map_err(|e| format!("Cannot listen on {}: {e}", config.listen))?;
            let address = listener.local_addr().map_err(|e| e.to_string())?;
            tracing::info!(%address, database = %server::db::redact(&config.database_url), "Sightline is listening");
            // For people at a terminal; a log collector has the line above (every line of a
            // JSON log is JSON).
            if !config.json_logs {
                println!("Sightline is running at {}", config.settings.public_url);
                if with_demo {
                    println!("{}", demo::sign_in_hint(&config.settings.public_url));
                }
            }
            server::spawn_listener(state.clone(), &config.database_url);
            let stopping = drain_then_stop(state.lifecycle.clone(), config.shutdown_drain);
            serve(
                listener,
                state,
                LayerSettings {
                    trusted_proxies: config.trusted_proxies,
                    metrics_token: config.metrics_token.as_str().into(),
                },
                stopping,
            )
            .await
            .map_err(|e| format!("The server stopped: {e}"))?;
        }
        Command::Help | Command::Version | Command::Backup { .. } | Command::Restore { .. } => {}
    }
    Ok(())
}

async fn backup(config: &Config, file: &Path) -> Result<(), String> {
    let report = server::backup::backup(config, file).await?;
    println!(
        "Wrote {}: the {} database and {} file(s) of the data directory, {} MB read, {} MB \
         written, in {:.1} s.",
        file.display(),
        report.database,
        report.files,
        report.bytes.div_ceil(1 << 20),
        report.archive_bytes.div_ceil(1 << 20),
        report.seconds
    );
    if !report.lost.is_empty() {
        eprintln!(
            "Warning: the database names {} file(s) that were already missing from the data \
             directory before the backup began, so the archive lacks them too: {}",
            report.lost.len(),
            report.lost.join(", ")
        );
    }
    Ok(())
}
