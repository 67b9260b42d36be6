//! Security and data safety on SQLite and PostgreSQL, one test per finding of the December 2026
//! review: section access binds everyone who opens an app and fails closed, a link shows no
//! more than its maker may see, visitors reach only what public sheets show, no request without
//! an account can exhaust memory, limits and invariants hold under concurrency, and no data is
//! lost to housekeeping or a deleted account.
//!
//! By finding: `section_access` (1-4), `limits` (5-7, 9, 11), `data` (8), `over_http`. Below: the
//! helpers they share.

mod data;
mod limits;
mod narrowing;
pub(crate) mod over_http;
mod section_access;

use crate::common::world::{world, World, ALL, NORTH};
use crate::common::{TestDb, PASSWORD};
use app::anonymous::model::*;
use app::anonymous::service::{self as anonymous, Visit};
use app::apps::model::*;
use app::apps::service as apps;
use app::auth::principal::{Principal, RequestInfo};
use app::auth::service as auth;
use app::content::model::*;
use app::content::service as content;
use app::directory::model::{NewGroup, UserChanges};
use app::directory::service as directory;
use app::error::AppError;
use app::sharing::model::{NewShare, ShareAssignee};
use app::sharing::service as sharing;
use app::spaces::model::*;
use app::spaces::rules::{SpaceRole, SpaceType};
use app::spaces::service as spaces;

/// Runs the futures at once, each on its own task, and gathers their results in order.
async fn all<T: Send + 'static, F: std::future::Future<Output = T> + Send + 'static>(
    tasks: impl IntoIterator<Item = F>,
) -> Vec<T> {
    let handles: Vec<_> = tasks.into_iter().map(tokio::spawn).collect();
    let mut results = Vec::new();
    for handle in handles {
        results.push(handle.await.unwrap());
    }
    results
}

fn kpi(view: &SheetView) -> Option<f64> {
    view.charts
        .iter()
        .find_map(|c| match (&c.spec.kind, &c.data) {
            (ChartKind::Kpi, ChartData::Cube { totals, .. }) => Some(totals[0].unwrap_or(0.0)),
            _ => None,
        })
}

async fn sees(t: &TestDb, who: &Principal, app_id: &str) -> f64 {
    kpi(&content::open_sheet(&t.state, who, app_id, None, None)
        .await
        .unwrap())
    .expect("a KPI")
}

fn rule(assignee_type: &str, id: &str, allowed: &str) -> NewAccessRule {
    NewAccessRule {
        assignee_type: assignee_type.into(),
        assignee_id: id.into(),
        field: "Region".into(),
        allowed: allowed.into(),
    }
}

/// Adds section-access rules to the draft of the world's app and republishes it.
async fn publish_rules(t: &TestDb, w: &World, rules: Vec<NewAccessRule>) {
    let draft = w.app.source_app_id.clone().unwrap();
    for r in rules {
        content::add_section_access(&t.state, &w.anna, &draft, r)
            .await
            .unwrap();
    }
    apps::republish_app(&t.state, &w.anna, &draft, &w.app.id)
        .await
        .unwrap();
}

async fn turn_on(t: &TestDb, w: &World) -> LinkInfo {
    anonymous::set_anonymous_access(&t.state, &w.anna, &w.app.id, true)
        .await
        .unwrap()
        .links
        .remove(0)
}

async fn visit(
    t: &TestDb,
    w: &World,
    code: &str,
    addr: &str,
) -> Result<AnonymousSession, AppError> {
    anonymous::start_anonymous_session(
        &t.state,
        Visit {
            client_addr: addr,
            page: None,
        },
        &w.app.id,
        code,
        None,
        None,
        None,
        "",
    )
    .await
}

fn forbidden_with(result: Result<impl std::fmt::Debug, AppError>, fragment: &str) {
    match result {
        Err(AppError::Forbidden(message)) => assert!(message.contains(fragment), "{message}"),
        other => panic!("expected a refusal saying \"{fragment}\", got {other:?}"),
    }
}
