//! Configuration: `Leptos.toml` (its `[sightline]` section and Leptos' own section), overridden
//! by `SIGHTLINE_*` and `LEPTOS_*` environment variables.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use app::auth::rules::{LoginLimits, SessionLifetimes};
use app::settings::{self as setting, AnonymousSettings, Setting, Settings, MB, MINUTE_MS};
use leptos::config::LeptosOptions;

#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub listen: SocketAddr,
    pub settings: Settings,
    /// Proxies in front of Sightline that append to `X-Forwarded-For`.
    pub trusted_proxies: usize,
    pub json_logs: bool,
    /// How long a stopping process stays up, unready, before it stops taking requests.
    pub shutdown_drain: std::time::Duration,
    /// The bearer token `/metrics` asks for; empty: `/metrics` is off.
    pub metrics_token: String,
    pub leptos: LeptosOptions,
}

/// Reads one `[sightline]` value: the environment variable first, then the file, then the default.
/// Looks up an environment variable (the process's, or a test's).
type Env = Box<dyn Fn(&str) -> Option<String>>;

struct Source {
    table: toml::Table,
    env: Env,
}

impl Source {
    fn raw(&self, key: &str, default: &str) -> String {
        if let Some(value) = (self.env)(&format!("SIGHTLINE_{}", key.to_uppercase())) {
            return value;
        }
        match self.table.get(key) {
            Some(toml::Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => default.to_string(),
        }
    }

    fn text(&self, setting: Setting) -> String {
        self.raw(setting.key, setting.text())
    }

    fn number(&self, setting: Setting) -> Result<i64, String> {
        let key = setting.key;
        let text = self.raw(key, &setting.number().to_string());
        match text.trim().parse::<i64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!(
                "The setting {key} must be a whole number above 0; it is \"{text}\"."
            )),
        }
    }

    /// A number that may be 0; `default` when neither the file nor the environment sets it.
    fn count(&self, setting: Setting, default: usize) -> Result<usize, String> {
        let key = setting.key;
        let text = self.raw(key, &default.to_string());
        text.trim().parse::<usize>().map_err(|_| {
            format!("The setting {key} must be a whole number, 0 or more; it is \"{text}\".")
        })
    }

    fn flag(&self, key: &str) -> Result<bool, String> {
        let text = self.raw(key, "false");
        match text.trim() {
            "true" | "1" | "yes" => Ok(true),
            "false" | "0" | "no" | "" => Ok(false),
            _ => Err(format!(
                "The setting {key} must be true or false; it is \"{text}\"."
            )),
        }
    }
}

/// Where the site (the stylesheet, the scripts, the WebAssembly) may be: `site_root` as set
/// (relative to the working directory), then beside the binary as a build leaves it
/// (`target/<profile>/sightline` next to `target/site`) and as an install would (`site/`
/// next to the binary). The first that holds `pkg_dir` wins.
pub fn site_candidates(site_root: &str, exe: Option<&Path>) -> Vec<PathBuf> {
    let mut places = vec![std::env::current_dir()
        .map(|cwd| cwd.join(site_root))
        .unwrap_or_else(|_| PathBuf::from(site_root))];
    if let Some(dir) = exe.and_then(Path::parent) {
        places.push(dir.join("site"));
        if let Some(target) = dir.parent() {
            places.push(target.join("site"));
        }
    }
    places
}

impl Config {
    /// Finds the site the server sends to browsers, from any working directory, and keeps its
    /// absolute path; or says where it looked and which setting to use.
    pub fn find_site(&mut self) -> Result<(), String> {
        let pkg = self.leptos.site_pkg_dir.trim_matches('/').to_string();
        let exe = std::env::current_exe().ok();
        let places = site_candidates(&self.leptos.site_root, exe.as_deref());
        match places.iter().find(|p| p.join(&pkg).is_dir()) {
            Some(found) => {
                self.leptos.site_root = found.display().to_string().into();
                // A build names its files by their contents and lists the names here; Leptos
                // reads the list (an absolute path: it would look beside the binary).
                let names = found.join("hash.txt");
                self.leptos.hash_files = names.is_file();
                self.leptos.hash_file = names.display().to_string().into();
                Ok(())
            }
            None => Err(format!(
                "Cannot find the site (its {pkg}/ folder of scripts and styles). Looked in: {}. Build it with scripts/build.sh, or set LEPTOS_SITE_ROOT to the folder that holds {pkg}/.",
                places
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// Loads from `path` (if it exists) and the process environment.
    pub fn load(path: &Path) -> Result<Config, String> {
        Config::load_with(path, |key| std::env::var(key).ok())
    }

    pub fn load_with(
        path: &Path,
        env: impl Fn(&str) -> Option<String> + 'static,
    ) -> Result<Config, String> {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let document: toml::Table = if text.is_empty() {
            toml::Table::new()
        } else {
            text.parse()
                .map_err(|e| format!("{} is not valid TOML: {e}", path.display()))?
        };
        let table = match document.get("sightline") {
            Some(toml::Value::Table(t)) => t.clone(),
            _ => toml::Table::new(),
        };
        let leptos = if text.is_empty() {
            LeptosOptions::builder()
                .output_name("sightline")
                .site_root(env("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".into()))
                .build()
        } else {
            leptos_config::get_config_from_str(&text)
                .map_err(|e| format!("Leptos settings in {}: {e}", path.display()))?
        };
        let source = Source {
            table,
            env: Box::new(env),
        };

        let data_dir = PathBuf::from(source.text(setting::DATA_DIR));
        let mut database_url = source.text(setting::DATABASE_URL);
        if database_url.trim().is_empty() {
            database_url = format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("sightline.db").display()
            );
        }
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(format!("SIGHTLINE_DATABASE_URL must start with sqlite: or postgres://; it is \"{database_url}\"."));
        }
        let listen_text = source.text(setting::LISTEN);
        let listen = if listen_text.trim().is_empty() {
            leptos.site_addr
        } else {
            listen_text.parse().map_err(|_| format!("SIGHTLINE_LISTEN must be an address such as 127.0.0.1:3000; it is \"{listen_text}\"."))?
        };
        let mut public_url = source.text(setting::PUBLIC_URL);
        if public_url.trim().is_empty() {
            public_url = format!("http://{listen}");
        }
        let megabytes = |s: Setting| -> Result<u64, String> { Ok(source.number(s)? as u64 * MB) };
        let settings = Settings {
            session: SessionLifetimes {
                idle_ms: source.number(setting::SESSION_IDLE_MINUTES)? * MINUTE_MS,
                absolute_ms: source.number(setting::SESSION_ABSOLUTE_HOURS)? * 60 * MINUTE_MS,
            },
            login_limits: LoginLimits {
                per_account: source.number(setting::LOGIN_FAILURES_PER_ACCOUNT)? as usize,
                per_address: source.number(setting::LOGIN_FAILURES_PER_ADDRESS)? as usize,
                window_ms: source.number(setting::LOGIN_WINDOW_MINUTES)? * MINUTE_MS,
            },
            invite_lifetime_ms: source.number(setting::INVITE_DAYS)? * 24 * 60 * MINUTE_MS,
            secure_cookies: public_url.starts_with("https://"),
            public_url: public_url.trim_end_matches('/').to_string(),
            max_upload_bytes: megabytes(setting::MAX_UPLOAD_MB)?,
            max_staged_bytes: megabytes(setting::MAX_STAGED_MB)?,
            memory_budget_bytes: megabytes(setting::MEMORY_BUDGET_MB)? as usize,
            anonymous: AnonymousSettings {
                session_ms: source.number(setting::ANONYMOUS_SESSION_SECONDS)? * 1000,
                starts_per_minute: source
                    .number(setting::ANONYMOUS_SESSIONS_PER_ADDRESS_PER_MINUTE)?
                    as u32,
                sessions_per_address: source.number(setting::ANONYMOUS_SESSIONS_PER_ADDRESS)?
                    as u32,
                memory_budget_bytes: megabytes(setting::ANONYMOUS_MEMORY_BUDGET_MB)? as usize,
            },
            mail: app::settings::MailSettings {
                smtp_server: source.text(setting::SMTP_SERVER).trim().to_string(),
                from: source.text(setting::MAIL_FROM).trim().to_string(),
            },
            sources: app::settings::SourceSettings {
                key: source.text(setting::CONNECTION_KEY).trim().to_string(),
                previous_keys: source
                    .text(setting::CONNECTION_KEYS_PREVIOUS)
                    .trim()
                    .to_string(),
                folders: app::connections::rules::parse_folders(
                    &source.text(setting::DATA_FOLDERS),
                )?,
                query_ms: source.number(setting::SOURCE_QUERY_SECONDS)? as u64 * 1000,
                max_rows: source.number(setting::SOURCE_MAX_ROWS)? as u64,
            },
        };
        let json_logs = match source.text(setting::LOG_FORMAT).as_str() {
            "json" => true,
            "pretty" => false,
            other => {
                return Err(format!(
                    "log_format must be \"pretty\" or \"json\"; it is \"{other}\"."
                ))
            }
        };
        // trust_proxy = true (before trusted_proxies existed) means one proxy.
        let trusted_proxies = source.count(
            setting::TRUSTED_PROXIES,
            usize::from(source.flag("trust_proxy")?),
        )?;
        Ok(Config {
            data_dir,
            database_url,
            listen,
            settings,
            trusted_proxies,
            json_logs,
            shutdown_drain: std::time::Duration::from_secs(source.count(
                setting::SHUTDOWN_DRAIN_SECONDS,
                setting::SHUTDOWN_DRAIN_SECONDS.number() as usize,
            )? as u64),
            metrics_token: source.text(setting::METRICS_TOKEN).trim().to_string(),
            leptos,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempdir::Dir, PathBuf) {
        let dir = tempdir::Dir::new();
        let path = dir.0.join("Leptos.toml");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    mod tempdir {
        pub struct Dir(pub std::path::PathBuf);
        impl Dir {
            pub fn new() -> Dir {
                let path = std::env::temp_dir().join(format!(
                    "sightline-config-{}-{:?}",
                    std::process::id(),
                    std::thread::current().id()
                ));
                std::fs::create_dir_all(&path).unwrap();
                Dir(path)
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    const FILE: &str = "[sightline]\ndata_dir = \"/tmp/x\"\nsession_idle_minutes = 30\n\n[package.metadata.leptos]\noutput-name = \"sightline\"\nsite-addr = \"127.0.0.1:4000\"\n";

    #[test]
    fn the_file_sets_defaults_and_environment_variables_override_them() {
        let (_dir, path) = write(FILE);
        let config = Config::load_with(&path, |_| None).unwrap();
        assert_eq!(config.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(config.settings.session.idle_ms, 30 * 60 * 1000);
        assert_eq!(config.listen.to_string(), "127.0.0.1:4000");
        assert!(config.database_url.starts_with("sqlite://"));

        let config = Config::load_with(&path, |key| match key {
            "SIGHTLINE_SESSION_IDLE_MINUTES" => Some("5".into()),
            "SIGHTLINE_DATABASE_URL" => Some("postgres://localhost/x".into()),
            "SIGHTLINE_LISTEN" => Some("0.0.0.0:8080".into()),
            "SIGHTLINE_PUBLIC_URL" => Some("https://bi.example.com/".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(config.settings.session.idle_ms, 5 * 60 * 1000);
        assert_eq!(config.database_url, "postgres://localhost/x");
        assert_eq!(config.listen.to_string(), "0.0.0.0:8080");
        assert_eq!(config.settings.public_url, "https://bi.example.com");
        assert!(config.settings.secure_cookies);
    }

    /// The settings table of docs/OPERATING.md, as `app::settings` defines them.
    fn settings_table() -> String {
        let mut table = String::from("| variable | meaning | default |\n|---|---|---|\n");
        for s in setting::ALL {
            let default = match s.default {
                setting::Value::Number(n) => n.to_string(),
                setting::Value::Text("") => "empty".to_string(),
                setting::Value::Text(text) => format!("`{text}`"),
            };
            table.push_str(&format!(
                "| `{}` | {} | {default} |\n",
                s.variable(),
                s.about
            ));
        }
        table
    }

    #[test]
    fn an_empty_file_gives_the_defaults_the_tests_use() {
        let (_dir, path) = write("");
        let config = Config::load_with(&path, |_| None).unwrap();
        assert_eq!(config.settings, Settings::default());
        assert_eq!(config.trusted_proxies, 0);
        assert!(!config.json_logs);
    }

    #[test]
    fn leptos_toml_lists_every_setting_with_its_default() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let text = std::fs::read_to_string(root.join("Leptos.toml")).unwrap();
        let document: toml::Table = text.parse().unwrap();
        let section = document["sightline"].as_table().unwrap();
        for s in setting::ALL {
            let expected = match s.default {
                setting::Value::Number(n) => toml::Value::Integer(n),
                setting::Value::Text(text) => toml::Value::String(text.into()),
            };
            assert_eq!(
                section.get(s.key),
                Some(&expected),
                "Leptos.toml: {}",
                s.key
            );
        }
        let known: Vec<&str> = setting::ALL.iter().map(|s| s.key).collect();
        for key in section.keys() {
            assert!(
                known.contains(&key.as_str()),
                "Leptos.toml sets {key}, which nothing reads"
            );
        }
    }

    #[test]
    fn the_operating_guide_lists_every_setting_with_its_default() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let readme = std::fs::read_to_string(root.join("docs/OPERATING.md")).unwrap();
        let table = settings_table();
        assert!(
            readme.contains(&table),
            "docs/OPERATING.md's settings table differs from app/src/settings.rs; it should read:\n{table}"
        );
    }

    #[test]
    fn bad_values_are_named() {
        let (_dir, path) = write(FILE);
        let err = Config::load_with(&path, |key| {
            (key == "SIGHTLINE_SESSION_IDLE_MINUTES").then(|| "soon".into())
        })
        .unwrap_err();
        assert!(
            err.contains("session_idle_minutes") && err.contains("soon"),
            "{err}"
        );
        let err = Config::load_with(&path, |key| {
            (key == "SIGHTLINE_DATABASE_URL").then(|| "mysql://x".into())
        })
        .unwrap_err();
        assert!(err.contains("postgres://"), "{err}");
    }

    #[test]
    fn the_site_is_looked_for_where_it_is_set_then_beside_the_binary() {
        let exe = Path::new("/opt/build/target/debug/sightline");
        let places = site_candidates("target/site", Some(exe));
        assert_eq!(
            places[0],
            std::env::current_dir().unwrap().join("target/site")
        );
        assert_eq!(places[1], Path::new("/opt/build/target/debug/site"));
        assert_eq!(places[2], Path::new("/opt/build/target/site"));
        let mut config = Config::load_with(Path::new("/nonexistent/Leptos.toml"), |key| {
            (key == "LEPTOS_SITE_ROOT").then(|| "/nonexistent/site".to_string())
        })
        .unwrap();
        assert_eq!(&*config.leptos.site_root, "/nonexistent/site");
        let refused = config.find_site().unwrap_err();
        assert!(
            refused.contains("/nonexistent/site") && refused.contains("LEPTOS_SITE_ROOT"),
            "{refused}"
        );
    }
}
