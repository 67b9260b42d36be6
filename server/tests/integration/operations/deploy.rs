//! The files in `deploy/` and the `Containerfile`, checked as an operator would use them: systemd
//! verifies the service unit, nginx runs the TLS configuration in front of a live server (HTTP
//! sent to HTTPS, HTTP/2, the operators' endpoints), and the container file has the shape the
//! docs promise (its build needs a registry and a container runtime this machine lacks:
//! docs/OPERATING.md, "Installing").

use std::path::{Path, PathBuf};
use std::process::Command;

use super::free_port;
use crate::common::live;
use crate::common::{run, Backend, TestDb};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repository().join(path)).unwrap()
}

#[test]
fn systemd_verifies_the_service_unit() {
    let dir = tempfile_dir("unit");
    // The unit as installed, naming the binary where the build put it.
    let unit = read("deploy/sightline.service")
        .replace("/usr/local/bin/sightline", env!("CARGO_BIN_EXE_sightline"));
    let path = dir.join("sightline.service");
    std::fs::write(&path, unit).unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .expect("systemd-analyze (Debian's systemd; scripts/setup.sh test installs it)");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(
        !said.contains("sightline.service"),
        "no warning about the unit: {said}"
    );
    let unit = read("deploy/sightline.service");
    for hardening in [
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "DynamicUser=yes",
        "CapabilityBoundingSet=",
    ] {
        assert!(unit.contains(hardening), "{hardening}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

fn tempfile_dir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sightline-{what}-{}", &app::ids::new_id()[..12]));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Debian's nginx is in /usr/sbin, which is not on every user's PATH.
fn nginx_binary() -> &'static str {
    if Path::new("/usr/sbin/nginx").exists() {
        "/usr/sbin/nginx"
    } else {
        "nginx"
    }
}

/// curl, off the runtime's threads: a worker blocked on it could hold the live server's tasks.
async fn curl(args: &[&str]) -> String {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let out = Command::new("curl")
            .args(["-s", "-k", "--max-time", "10"])
            .args(&args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).to_string()
    })
    .await
    .unwrap()
}

#[test]
fn nginx_serves_sightline_over_tls_and_http2_with_the_shipped_configuration() {
    run(async {
        let live = live::start(TestDb::new(Backend::Sqlite).await).await;
        let upstream = live.base.trim_start_matches("http://").to_string();
        let dir = tempfile_dir("nginx");
        let (cert, key) = (dir.join("fullchain.pem"), dir.join("privkey.pem"));
        let made = Command::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            ])
            .args(["-subj", "/CN=sightline.example.com"])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output()
            .unwrap();
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
        let (http, https) = (free_port(), free_port());
        let prefix = dir.display().to_string();
        // The shipped file with this machine's places in it: the three lines marked CHANGE and
        // nginx's own files, as an operator edits it.
        let conf = read("deploy/nginx.conf")
            .replace("/etc/ssl/sightline/fullchain.pem", &cert.display().to_string())
            .replace("/etc/ssl/sightline/privkey.pem", &key.display().to_string())
            .replace("server 127.0.0.1:3000;", &format!("server {upstream};"))
            .replace("listen 80;", &format!("listen 127.0.0.1:{http};"))
            .replace("listen 443 ssl http2;", &format!("listen 127.0.0.1:{https} ssl http2;"))
            .replace("listen [::]:80;", "")
            .replace("listen [::]:443 ssl http2;", "")
            .replace("/run/nginx.pid", &format!("{prefix}/nginx.pid"))
            .replace("/var/log/nginx", &prefix)
            .replace(
                "http {",
                &format!(
                    "http {{\n    client_body_temp_path {prefix}/body;\n    proxy_temp_path {prefix}/proxy;\n    fastcgi_temp_path {prefix}/fastcgi;\n    uwsgi_temp_path {prefix}/uwsgi;\n    scgi_temp_path {prefix}/scgi;"
                ),
            );
        assert!(!conf.contains("CHANGE: every") || conf.contains(&upstream));
        std::fs::write(dir.join("nginx.conf"), &conf).unwrap();
        std::fs::copy(
            repository().join("deploy/sightline-locations.conf"),
            dir.join("sightline-locations.conf"),
        )
        .unwrap();
        let nginx = |args: &[&str]| {
            Command::new(nginx_binary())
                .args(["-p", &prefix, "-c"])
                .arg(dir.join("nginx.conf"))
                .args(args)
                .output()
                .expect("nginx (Debian's; scripts/setup.sh test installs it)")
        };
        let checked = nginx(&["-t"]);
        assert!(
            checked.status.success(),
            "nginx -t: {}",
            String::from_utf8_lossy(&checked.stderr)
        );
        let _running = Stopped(
            Command::new(nginx_binary())
                .args(["-p", &prefix, "-c"])
                .arg(dir.join("nginx.conf"))
                .args(["-g", "daemon off;"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap(),
        );
        let secure = format!("https://127.0.0.1:{https}");
        let mut ready = String::new();
        for _ in 0..100 {
            ready = curl(&[
                "-o",
                "/dev/null",
                "-w",
                "%{http_code} %{http_version}",
                &format!("{secure}/readyz"),
            ])
            .await;
            if ready.starts_with("200") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(ready, "200 2", "ready, over HTTP/2 and TLS");
        let redirect = curl(&[
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{redirect_url}",
            &format!("http://127.0.0.1:{http}/apps?x=1"),
        ])
        .await;
        assert!(
            redirect.starts_with("301 https://"),
            "plain HTTP goes to HTTPS: {redirect}"
        );
        let page = curl(&["-D", "-", "-o", "/dev/null", &format!("{secure}/login")]).await;
        assert!(page.starts_with("HTTP/2 200"), "{page}");
        assert!(
            page.to_lowercase().contains("strict-transport-security"),
            "{page}"
        );
        assert!(page.to_lowercase().contains("x-request-id"), "{page}");
        let _ = std::fs::remove_dir_all(dir);
    });
}

/// A child process stopped however the test ends.
struct Stopped(std::process::Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        // As an operator stops nginx (SIGQUIT: the workers finish and go too; a SIGKILL would
        // leave them running).
        let _ = Command::new("kill")
            .args(["-QUIT", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

/// The Containerfile's instructions, continuation lines joined.
fn instructions(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || (line.is_empty() && current.is_empty()) {
            continue;
        }
        current.push_str(line.trim_end_matches('\\'));
        current.push(' ');
        if !line.ends_with('\\') {
            let (word, rest) = current
                .trim()
                .split_once(' ')
                .unwrap_or((current.trim(), ""));
            out.push((word.to_string(), rest.trim().to_string()));
            current.clear();
        }
    }
    out
}

#[test]
fn the_containerfile_builds_in_one_stage_and_runs_slim_as_a_user_that_is_not_root() {
    let text = read("Containerfile");
    let steps = instructions(&text);
    const KNOWN: [&str; 18] = [
        "FROM",
        "RUN",
        "CMD",
        "LABEL",
        "EXPOSE",
        "ENV",
        "ADD",
        "COPY",
        "ENTRYPOINT",
        "VOLUME",
        "USER",
        "WORKDIR",
        "ARG",
        "ONBUILD",
        "STOPSIGNAL",
        "HEALTHCHECK",
        "SHELL",
        "MAINTAINER",
    ];
    for (word, rest) in &steps {
        assert!(
            KNOWN.contains(&word.as_str()),
            "unknown instruction {word} {rest}"
        );
        assert!(!rest.is_empty(), "{word} without arguments");
    }
    let stages: Vec<&String> = steps
        .iter()
        .filter(|(w, _)| w == "FROM")
        .map(|(_, r)| r)
        .collect();
    assert_eq!(
        stages.len(),
        2,
        "a build stage and a runtime stage: {stages:?}"
    );
    assert!(stages[0].ends_with(" AS build"), "{}", stages[0]);
    assert!(stages[1].contains("debian:bookworm-slim"), "{}", stages[1]);
    let runtime: Vec<&(String, String)> = steps
        .iter()
        .skip_while(|(w, r)| !(w == "FROM" && r.contains("slim")))
        .collect();
    for (word, rest) in &runtime {
        if word == "COPY" && rest.starts_with("--from=") {
            assert!(
                rest.starts_with("--from=build "),
                "copies from the build stage: {rest}"
            );
        }
    }
    let user = runtime.iter().find(|(w, _)| w == "USER").expect("a USER");
    assert!(user.1 != "root" && user.1 != "0", "not root: {}", user.1);
    for (word, expected) in [
        ("VOLUME", "/var/lib/sightline"),
        ("EXPOSE", "3000"),
        ("STOPSIGNAL", "SIGTERM"),
        ("ENTRYPOINT", "[\"sightline\"]"),
    ] {
        assert!(
            runtime.iter().any(|(w, r)| w == word && r == expected),
            "{word} {expected}"
        );
    }
    let env = runtime
        .iter()
        .find(|(w, _)| w == "ENV")
        .expect("ENV")
        .1
        .clone();
    assert!(
        env.contains("LEPTOS_SITE_ROOT=/usr/local/share/sightline/site"),
        "{env}"
    );
    let copies_site = runtime.iter().any(|(w, r)| {
        w == "COPY" && r.ends_with("/src/target/site /usr/local/share/sightline/site")
    });
    assert!(copies_site, "the site goes where LEPTOS_SITE_ROOT says");
}
