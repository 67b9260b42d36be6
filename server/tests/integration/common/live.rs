//! The real server on port 0, driven over HTTP with reqwest.

use app::directory::service::create_admin;
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use server::security::LayerSettings;

use super::TestDb;

pub use super::PASSWORD;

pub struct Live {
    pub base: String,
    pub t: TestDb,
    pub key: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

pub async fn start(t: TestDb) -> Live {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    start_on(t, listener).await
}

/// The server on a listener already bound (a test whose settings name its address binds first).
pub async fn start_on(t: TestDb, listener: tokio::net::TcpListener) -> Live {
    create_admin(&t.state, "Acme", "root@acme.test", "Root", PASSWORD)
        .await
        .unwrap();
    let root = t.principal("root@acme.test").await;
    let key = app::auth::service::create_api_key(&t.state, &root, "tests")
        .await
        .unwrap()
        .secret;
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let state = t.state.clone();
    tokio::spawn(server::serve(
        listener,
        state,
        LayerSettings::default(),
        async {
            let _ = stopped.await;
        },
    ));
    Live {
        base,
        t,
        key,
        _stop: stop,
    }
}

impl Live {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn client(&self) -> Client {
        // A timeout turns a hung request into a failure that names it.
        Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .unwrap()
    }

    pub async fn sign_in(&self, client: &Client, email: &str, password: &str) -> Response {
        client
            .post(self.url("/api/sign_in"))
            .header("accept", "application/json")
            .form(&[("email", email), ("password", password)])
            .send()
            .await
            .unwrap()
    }

    pub async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .client()
            .request(method, self.url(path))
            .bearer_auth(&self.key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

impl Live {
    /// Sends a request that must be refused with `status`, and a detail that names the problem.
    pub async fn expect_refusal(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
        status: StatusCode,
        fragment: &str,
    ) {
        let (got, answer) = self.api(method, path, Some(body.clone())).await;
        assert_eq!(got, status, "{body} -> {answer}");
        assert!(
            detail(&answer).contains(fragment),
            "{body}: {}",
            detail(&answer)
        );
    }
}

pub fn detail(body: &Value) -> String {
    body["errors"][0]["detail"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}
