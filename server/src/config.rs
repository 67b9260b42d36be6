//! Configuration: `Leptos.toml` (its `[sightline]` section and Leptos' own section), overridden
//! by `SIGHTLINE_*` and `LEPTOS_*` environment variables.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use app::auth::rules::{LoginLimits, SessionLifetimes};
use app::state::{AnonymousSettings, Settings};
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
    fn text(&self, key: &str, default: &str) -> String {
        if let Some(value) = (self.env)(&format!("SIGHTLINE_{}", key.to_uppercase())) {
            return value;
        }
        match self.table.get(key) {
            Some(toml::Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => default.to_string(),
        }
    }

    fn number(&self, key: &str, default: i64) -> Result<i64, String> {
        let text = self.text(key, &default.to_string());
        match text.trim().parse::<i64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!(
                "The setting {key} must be a whole number above 0; it is \"{text}\"."
            )),
        }
    }

    fn count(&self, key: &str, default: usize) -> Result<usize, String> {
        let text = self.text(key, &default.to_string());
        text.trim().parse::<usize>().map_err(|_| {
            format!("The setting {key} must be a whole number, 0 or more; it is \"{text}\".")
        })
    }

    fn flag(&self, key: &str) -> Result<bool, String> {
        let text = self.text(key, "false");
        match text.trim() {
            "true" | "1" | "yes" => Ok(true),
            "false" | "0" | "no" | "" => Ok(false),
            _ => Err(format!(
                "The setting {key} must be true or false; it is \"{text}\"."
            )),
        }
    }
}

impl Config {
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
                .site_root("target/site")
                .build()
        } else {
            leptos_config::get_config_from_str(&text)
                .map_err(|e| format!("Leptos settings in {}: {e}", path.display()))?
        };
        let source = Source {
            table,
            env: Box::new(env),
        };

        let data_dir = PathBuf::from(source.text("data_dir", "data"));
        let mut database_url = source.text("database_url", "");
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
        let listen_text = source.text("listen", "");
        let listen = if listen_text.trim().is_empty() {
            leptos.site_addr
        } else {
            listen_text.parse().map_err(|_| format!("SIGHTLINE_LISTEN must be an address such as 127.0.0.1:3000; it is \"{listen_text}\"."))?
        };
        let mut public_url = source.text("public_url", "");
        if public_url.trim().is_empty() {
            public_url = format!("http://{listen}");
        }
        let minute = 60 * 1000;
        let settings = Settings {
            session: SessionLifetimes {
                idle_ms: source.number("session_idle_minutes", 120)? * minute,
                absolute_ms: source.number("session_absolute_hours", 12)? * 60 * minute,
            },
            login_limits: LoginLimits {
                per_account: source.number("login_failures_per_account", 5)? as usize,
                per_address: source.number("login_failures_per_address", 20)? as usize,
                window_ms: source.number("login_window_minutes", 15)? * minute,
            },
            invite_lifetime_ms: source.number("invite_days", 7)? * 24 * 60 * minute,
            secure_cookies: public_url.starts_with("https://"),
            public_url: public_url.trim_end_matches('/').to_string(),
            max_upload_bytes: source.number("max_upload_mb", 200)? as u64 * 1024 * 1024,
            max_staged_bytes: source.number("max_staged_mb", 1024)? as u64 * 1024 * 1024,
            memory_budget_bytes: source.number("memory_budget_mb", 1024)? as usize * 1024 * 1024,
            anonymous: AnonymousSettings {
                session_ms: source.number("anonymous_session_seconds", 15 * 60)? * 1000,
                starts_per_minute: source.number("anonymous_sessions_per_address_per_minute", 30)?
                    as u32,
                sessions_per_address: source.number("anonymous_sessions_per_address", 5)? as u32,
                memory_budget_bytes: source.number("anonymous_memory_budget_mb", 256)? as usize
                    * 1024
                    * 1024,
            },
        };
        let json_logs = match source.text("log_format", "pretty").as_str() {
            "json" => true,
            "pretty" => false,
            other => {
                return Err(format!(
                    "log_format must be \"pretty\" or \"json\"; it is \"{other}\"."
                ))
            }
        };
        // trust_proxy = true (before trusted_proxies existed) means one proxy.
        let trusted_proxies =
            source.count("trusted_proxies", usize::from(source.flag("trust_proxy")?))?;
        Ok(Config {
            data_dir,
            database_url,
            listen,
            settings,
            trusted_proxies,
            json_logs,
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
}
