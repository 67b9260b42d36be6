//! The command line of the one binary.

use std::io::{IsTerminal, Read};

pub const USAGE: &str = "\
Sightline: a self-hosted portal for sharing analytics apps.

Usage: sightline <command> [options]

Commands:
  serve [--demo]                       Run the server. With --demo, load the demo tenant into an
                                       empty database first and print how to sign in.
  migrate                              Bring the database schema up to date, then exit.
  create-admin --email E [--name N] [--tenant T]
                                       Make E a tenant admin (creating the tenant and the user if
                                       needed). The password is read from standard input; with
                                       none, one is generated and printed once.
  api-key create --email E --name N    Create a personal API key for E and print it once.
  demo                                 Load the demo tenant into an empty database.
  backup FILE                          Write one archive of the database and the data directory
                                       to FILE (a .tar.gz), while the server runs and serves.
                                       PostgreSQL's needs pg_dump.
  restore FILE [--force]               Put a backup back into this installation, which must be
                                       empty (or --force, to replace it; stop the server first),
                                       and bring it up to this version's schema.
  version                              Show this Sightline's version and database schema
                                       (also --version).
  help                                 Show this text.

Settings come from Leptos.toml and SIGHTLINE_* environment variables (docs/OPERATING.md).";

#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Serve {
        demo: bool,
    },
    Migrate,
    CreateAdmin {
        email: String,
        name: String,
        tenant: String,
    },
    ApiKeyCreate {
        email: String,
        name: String,
    },
    Demo,
    Backup {
        file: String,
    },
    Restore {
        file: String,
        force: bool,
    },
    Version,
    Help,
}

fn option(args: &[String], flag: &str) -> Option<String> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn required(args: &[String], flag: &str, command: &str) -> Result<String, String> {
    option(args, flag)
        .filter(|v| !v.starts_with("--"))
        .ok_or_else(|| format!("`{command}` needs {flag} <value>. Run `sightline help`."))
}

/// The one file a command names.
fn file_argument(args: &[String], command: &str) -> Result<String, String> {
    let files: Vec<&String> = args[1..].iter().filter(|a| !a.starts_with("--")).collect();
    match files.as_slice() {
        [file] => Ok(file.to_string()),
        [] => Err(format!(
            "`{command}` needs the archive's file: sightline {command} FILE. Run `sightline help`."
        )),
        _ => Err(format!("`{command}` takes one file. Run `sightline help`.")),
    }
}

/// `sightline --version`: the release, and the newest database schema it knows.
pub fn version_text(schema: i64) -> String {
    format!(
        "sightline {} (database schema {schema})",
        env!("CARGO_PKG_VERSION")
    )
}

/// Reads the words after the program name.
pub fn parse(args: &[String]) -> Result<Command, String> {
    let known_flags = |allowed: &[&str]| -> Result<(), String> {
        for arg in args.iter().filter(|a| a.starts_with("--")) {
            if !allowed.contains(&arg.as_str()) {
                return Err(format!("Unknown option {arg}. Run `sightline help`."));
            }
        }
        Ok(())
    };
    match args.first().map(String::as_str) {
        None | Some("serve") => {
            known_flags(&["--demo"])?;
            Ok(Command::Serve {
                demo: args.iter().any(|a| a == "--demo"),
            })
        }
        Some("migrate") => Ok(Command::Migrate),
        Some("create-admin") => {
            known_flags(&["--email", "--name", "--tenant"])?;
            Ok(Command::CreateAdmin {
                email: required(args, "--email", "create-admin")?,
                name: option(args, "--name").unwrap_or_default(),
                tenant: option(args, "--tenant").unwrap_or_else(|| "Sightline".into()),
            })
        }
        Some("api-key") if args.get(1).map(String::as_str) == Some("create") => {
            known_flags(&["--email", "--name"])?;
            Ok(Command::ApiKeyCreate {
                email: required(args, "--email", "api-key create")?,
                name: required(args, "--name", "api-key create")?,
            })
        }
        Some("api-key") => Err("Use `sightline api-key create --email E --name N`.".into()),
        Some("demo") => Ok(Command::Demo),
        Some("backup") => {
            known_flags(&[])?;
            Ok(Command::Backup {
                file: file_argument(args, "backup")?,
            })
        }
        Some("restore") => {
            known_flags(&["--force"])?;
            Ok(Command::Restore {
                file: file_argument(args, "restore")?,
                force: args.iter().any(|a| a == "--force"),
            })
        }
        Some("version" | "--version" | "-V") => Ok(Command::Version),
        Some("help" | "--help" | "-h") => Ok(Command::Help),
        Some(other) => Err(format!("Unknown command `{other}`. Run `sightline help`.")),
    }
}

/// The password for `create-admin`: standard input if something is piped in, else a new one.
/// Returns the password and whether it was generated (and so must be printed).
pub fn admin_password() -> (String, bool) {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut text = String::new();
        if stdin.lock().read_to_string(&mut text).is_ok() {
            let password = text.trim_end_matches(['\n', '\r']).to_string();
            if !password.is_empty() {
                return (password, false);
            }
        }
    }
    (app::ids::new_secret()[..20].to_string(), true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn commands_are_read() {
        assert_eq!(parse(&args("")).unwrap(), Command::Serve { demo: false });
        assert_eq!(
            parse(&args("serve --demo")).unwrap(),
            Command::Serve { demo: true }
        );
        assert_eq!(
            parse(&args("create-admin --email a@b.co")).unwrap(),
            Command::CreateAdmin {
                email: "a@b.co".into(),
                name: String::new(),
                tenant: "Sightline".into()
            }
        );
        assert_eq!(
            parse(&args("api-key create --email a@b.co --name ci")).unwrap(),
            Command::ApiKeyCreate {
                email: "a@b.co".into(),
                name: "ci".into()
            }
        );
    }

    #[test]
    fn mistakes_are_explained() {
        assert!(parse(&args("create-admin"))
            .unwrap_err()
            .contains("--email"));
        assert!(parse(&args("api-key create --email a@b.co"))
            .unwrap_err()
            .contains("--name"));
        assert!(parse(&args("serve --dmeo")).unwrap_err().contains("--dmeo"));
        assert!(parse(&args("launch")).unwrap_err().contains("launch"));
        assert!(parse(&args("backup")).unwrap_err().contains("FILE"));
        assert!(parse(&args("restore a b"))
            .unwrap_err()
            .contains("one file"));
        assert!(parse(&args("restore a --froce"))
            .unwrap_err()
            .contains("--froce"));
    }

    #[test]
    fn backups_and_versions_are_read() {
        assert_eq!(
            parse(&args("backup /var/backups/s.tar.gz")).unwrap(),
            Command::Backup {
                file: "/var/backups/s.tar.gz".into()
            }
        );
        assert_eq!(
            parse(&args("restore s.tar.gz --force")).unwrap(),
            Command::Restore {
                file: "s.tar.gz".into(),
                force: true
            }
        );
        for line in ["version", "--version", "-V"] {
            assert_eq!(parse(&args(line)).unwrap(), Command::Version);
        }
        assert!(version_text(18).starts_with("sightline 0."));
    }
}
