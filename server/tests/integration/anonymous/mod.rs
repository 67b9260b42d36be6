//! Anonymous access on SQLite and PostgreSQL, as the seed "Sharing app content with anonymous
//! access" describes it: who turns it on, who copies what, links and their codes, 15-minute
//! sessions, resets, pauses, expiry, capacity, the per-address limit, data reductions, the
//! members list, allowed origins, and that a visit writes nothing to the database.
//!
//! `links`: links and their codes, who copies what. `visitors`: what visitors get. Below: the
//! helpers they share.

mod links;
mod visitors;

use crate::common::TestDb;
use app::anonymous::model::*;
use app::anonymous::service::{self as anonymous, Visit};
use app::apps::service as apps;
use app::auth::principal::Principal;
use app::content::model::*;
use app::content::service as content;
use app::directory::model::UserChanges;
use app::directory::service as directory;
use app::error::AppError;
use app::sharing::model::{MemberQuery, ShareAssignee, ShareChanges, ShareQuery};
use app::sharing::service as sharing;
use app::spaces::model::*;
use app::spaces::rules::SpaceRole;
use app::spaces::service as spaces;

use crate::common::world::{world, World, ALL, NORTH};

fn visit(addr: &str) -> Visit<'_> {
    Visit {
        client_addr: addr,
        page: None,
    }
}

async fn turn_on(t: &TestDb, w: &World) -> LinkInfo {
    let panel = anonymous::set_anonymous_access(&t.state, &w.anna, &w.app.id, true)
        .await
        .unwrap();
    panel
        .links
        .into_iter()
        .next()
        .expect("turning it on makes a link")
}

async fn start(t: &TestDb, w: &World, code: &str) -> Result<AnonymousSession, AppError> {
    anonymous::start_anonymous_session(
        &t.state,
        visit("203.0.113.7"),
        &w.app.id,
        code,
        None,
        None,
        None,
        "",
    )
    .await
}

fn kpi(view: &SheetView) -> f64 {
    view.charts
        .iter()
        .find_map(|c| match (&c.spec.kind, &c.data) {
            (ChartKind::Kpi, ChartData::Cube { totals, .. }) => totals[0],
            _ => None,
        })
        .expect("a KPI with a value")
}

fn code_of(link: &LinkInfo) -> String {
    link.code.clone().expect("the manager sees the code")
}
