//! The anonymous side of the server that lives in memory: the signing key, the seats of live
//! sessions, the new-session rate per address, counters not yet written, and the first views and
//! models that visitors share. `state.rs` holds one; the anonymous service reads and changes it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::rules::RateWindow;
use super::store::LinkRow;
use crate::apps::store::AppRow;
use crate::content::engines::Engines;
use crate::content::model::SheetView;
use crate::content::rules::DataAccess;
use crate::sql::{Changes, Watched};

#[derive(Debug, Clone, Copy, Default)]
pub(super) struct HourCounts {
    pub(super) peak: i64,
    pub(super) started: i64,
    pub(super) refused: i64,
}

/// A live session's seat: until when, which client address holds it, through which link.
#[derive(Debug, Clone)]
pub(super) struct Seat {
    pub(super) expires_at: i64,
    pub(super) address: String,
    pub(super) link_id: String,
    /// When the session last asked for anything: an idle seat still holds the tenant's
    /// capacity until it ends, but no longer counts against its address.
    pub(super) seen_at: i64,
}

/// One tenant's seats, with what admitting a session asks of them kept at hand: how many each
/// address holds, and which end first. Admission costs the same with ten seats as with a
/// hundred thousand.
#[derive(Default)]
pub(super) struct TenantSeats {
    seats: Sharded<Seat>,
    /// address -> the sessions holding its seats (a few: the per-address limit and rate bound
    /// them).
    by_address: Sharded<Vec<String>>,
    /// (end, session): popped as they end; a seat given back earlier is skipped then.
    ending: std::collections::BinaryHeap<std::cmp::Reverse<(i64, String)>>,
}

impl TenantSeats {
    /// Forgets the seats that ended by `now`.
    pub(super) fn drop_expired(&mut self, now: i64) {
        while let Some(std::cmp::Reverse((end, _))) = self.ending.peek() {
            if *end > now {
                break;
            }
            let Some(std::cmp::Reverse((end, id))) = self.ending.pop() else {
                break;
            };
            if self.seats.get(&id).is_some_and(|s| s.expires_at == end) {
                self.remove(&id);
            }
        }
        // Seats given back early leave their entry behind: start again when those dominate.
        if self.ending.len() > 2 * self.seats.len() + 1024 {
            self.ending = self
                .seats
                .iter()
                .map(|(id, s)| std::cmp::Reverse((s.expires_at, id.clone())))
                .collect();
        }
    }

    pub(super) fn len(&self) -> usize {
        self.seats.len()
    }

    /// The seats `address` holds that were used within `SEAT_IDLE_MS` of `now`.
    pub(super) fn held_by(&self, address: &str, now: i64) -> usize {
        self.by_address.get(address).map_or(0, |ids| {
            ids.iter()
                .filter_map(|id| self.seats.get(id))
                .filter(|s| s.seen_at > now - super::rules::SEAT_IDLE_MS)
                .count()
        })
    }

    /// The session asked for something at `now`.
    pub(super) fn touch(&mut self, id: &str, now: i64) {
        if let Some(seat) = self.seats.get_mut(id) {
            seat.seen_at = seat.seen_at.max(now);
        }
    }

    pub(super) fn insert(&mut self, id: String, seat: Seat) {
        self.by_address
            .get_or_insert_with(&seat.address, Vec::new)
            .push(id.clone());
        self.ending
            .push(std::cmp::Reverse((seat.expires_at, id.clone())));
        self.seats.insert(id, seat);
    }

    /// When the first seat `address` counts stops counting: it ends, or falls idle (looked for
    /// only when the address is refused one more).
    pub(super) fn first_end_of(&self, address: &str) -> Option<i64> {
        self.by_address
            .get(address)?
            .iter()
            .filter_map(|id| self.seats.get(id))
            .map(|s| s.expires_at.min(s.seen_at + super::rules::SEAT_IDLE_MS))
            .min()
    }

    /// The session still holds its seat at `now`.
    pub(super) fn holds(&self, id: &str, now: i64) -> bool {
        self.seats.get(id).is_some_and(|s| s.expires_at > now)
    }

    pub(super) fn remove(&mut self, id: &str) -> Option<Seat> {
        let seat = self.seats.remove(id)?;
        if let Some(held) = self.by_address.get_mut(&seat.address) {
            held.retain(|other| other != id);
            if held.is_empty() {
                self.by_address.remove(&seat.address);
            }
        }
        Some(seat)
    }

    fn release_link(&mut self, link_id: &str) {
        let ids: Vec<String> = self
            .seats
            .iter()
            .filter(|(_, s)| s.link_id == link_id)
            .map(|(id, _)| id.clone())
            .collect();
        for id in ids {
            self.remove(&id);
        }
    }
}

#[derive(Default)]
pub(super) struct Live {
    /// tenant -> session id -> seat: the sessions this process issued that have not expired.
    pub(super) sessions: HashMap<String, TenantSeats>,
    /// client address -> new sessions this minute.
    pub(super) starts: StartCounts,
    /// (link, day) -> views not yet written.
    pub(super) views: HashMap<(String, i64), i64>,
    /// (tenant, hour) -> use not yet written.
    pub(super) usage: HashMap<(String, i64), HourCounts>,
    /// app -> (when read, frame-ancestors directive).
    pub(super) frame_ancestors: HashMap<String, (i64, String)>,
    /// tenant -> the place after the one this process last gave a seat (PostgreSQL): the next
    /// claim looks there first, so places are taken round the ring and a claim reads few.
    pub(super) next_places: HashMap<String, i64>,
}

/// New sessions per client address in the current minute. Each minute starts a new map and the
/// last one is retired whole, to be dropped outside the lock (`take_retired`): a public page
/// under a crowd sees a new address with nearly every visit, and forgetting a minute of them
/// one by one under the lock that admits every visitor would hold them all up meanwhile.
#[derive(Default)]
pub(super) struct StartCounts {
    minute: i64,
    counts: Sharded<RateWindow>,
    retired: Vec<Sharded<RateWindow>>,
}

impl StartCounts {
    /// Counts one more session start by `address` at `now`, or says how long to wait.
    pub(super) fn allow(
        &mut self,
        address: &str,
        now: i64,
        per_minute: u32,
    ) -> Result<(), crate::error::AppError> {
        let minute = now.div_euclid(60_000);
        if minute > self.minute {
            self.minute = minute;
            let last = std::mem::take(&mut self.counts);
            if !last.is_empty() {
                self.retired.push(last);
            }
        }
        match self.counts.get_mut(address) {
            Some(window) => window.allow(now, per_minute),
            None => {
                let mut window = RateWindow::default();
                window.allow(now, per_minute)?;
                self.counts.insert(address.to_string(), window);
                Ok(())
            }
        }
    }

    /// The maps of past minutes, for the caller to drop once it has let go of the lock.
    pub(super) fn take_retired(&mut self) -> Vec<Sharded<RateWindow>> {
        std::mem::take(&mut self.retired)
    }

    #[cfg(test)]
    pub(super) fn addresses(&self) -> usize {
        self.counts.len()
    }
}

/// The channel on which processes tell each other that an app's `frame-ancestors` changed:
/// the app's id, or `*` for every app of a tenant whose allowed origins changed.
pub const CACHE_CHANNEL: &str = "sightline_frame_ancestors";

/// How many first views are kept (see `Anonymous::first_views`).
const FIRST_VIEWS_KEPT: usize = 256;

/// Everything a visit to an app's links reads: the app, its links, the tenant's capacity and
/// what each link shows of the data. Read once per app and kept until any of it changes
/// (`sql::Watched` "visits": the database counts every change to what it was read from), so a
/// visit reads one counter on SQLite and nothing on PostgreSQL.
pub struct VisitFacts {
    pub app: AppRow,
    pub links: Vec<LinkRow>,
    pub capacity: i64,
    /// By link id: the link's own reduction within its maker's section access.
    pub data_access: HashMap<String, DataAccess>,
}

/// A first page as it left the server, cut where the session's token and the response's CSP
/// nonce go, so that the next visitor's page is these bytes with theirs spliced in: no render,
/// no query beyond the visit's.
pub struct FirstPage {
    parts: Vec<PagePart>,
    bytes: usize,
}

enum PagePart {
    Bytes(Vec<u8>),
    Token,
    Nonce,
}

impl FirstPage {
    /// The page `body`, in which `token` and `nonce` are replaced wherever they occur.
    pub fn cut(body: &[u8], token: &str, nonce: &str) -> FirstPage {
        let mut parts = Vec::new();
        let mut rest = body;
        let mut literal = Vec::new();
        while !rest.is_empty() {
            let found = [
                (token.as_bytes(), PagePart::Token),
                (nonce.as_bytes(), PagePart::Nonce),
            ]
            .into_iter()
            .find(|(needle, _)| !needle.is_empty() && rest.starts_with(needle));
            match found {
                Some((needle, part)) => {
                    parts.push(PagePart::Bytes(std::mem::take(&mut literal)));
                    parts.push(part);
                    rest = &rest[needle.len()..];
                }
                None => {
                    literal.push(rest[0]);
                    rest = &rest[1..];
                }
            }
        }
        parts.push(PagePart::Bytes(literal));
        FirstPage {
            parts,
            bytes: body.len(),
        }
    }

    /// Whether the session's token was found in the page: a page kept without would hand every
    /// later visitor the first one's session.
    pub fn holds_token(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, PagePart::Token))
    }

    /// The page for one visitor.
    pub fn render(&self, token: &str, nonce: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.bytes + 256);
        for part in &self.parts {
            match part {
                PagePart::Bytes(bytes) => out.extend_from_slice(bytes),
                PagePart::Token => out.extend_from_slice(token.as_bytes()),
                PagePart::Nonce => out.extend_from_slice(nonce.as_bytes()),
            }
        }
        out
    }
}

/// A visit the server already refused while answering it from a kept page (the per-address
/// rate, the capacity): the page is then rendered to say why, and says it without counting the
/// refusal a second time.
#[derive(Debug, Clone)]
pub struct PriorRefusal(pub crate::error::AppError);

/// Where a render tells the server what to keep of its page: put in the request by the server
/// before a visitor page renders, filled by `start_anonymous_session` when the first view is
/// one every visitor of the link shares.
pub struct PageCapture {
    /// The page's address (path and query): the page's options are in it.
    pub address: String,
    kept: Mutex<Option<(String, String)>>,
}

impl PageCapture {
    pub fn new(address: String) -> Self {
        PageCapture {
            address,
            kept: Mutex::default(),
        }
    }

    pub(super) fn keep(&self, key: String, token: String) {
        *self.kept.lock().unwrap_or_else(|p| p.into_inner()) = Some((key, token));
    }

    /// The page's key and the token it holds, if the render said the page may be kept.
    pub fn take(&self) -> Option<(String, String)> {
        self.kept.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// Who renders a first page that is not kept yet (`Anonymous::page_render`).
pub enum PageRender {
    Lead(RenderLead),
    Follow(Arc<tokio::sync::Mutex<()>>),
}

impl PageRender {
    /// For a follower: until the render under way ends (kept or not), or `patience` passes.
    pub async fn wait(&self, patience: std::time::Duration) {
        if let PageRender::Follow(gate) = self {
            let _ = tokio::time::timeout(patience, gate.lock()).await;
        }
    }
}

/// The render under way of one first page: dropping it (rendered, refused, or the visitor
/// gone) lets those waiting go on.
pub struct RenderLead {
    _guard: tokio::sync::OwnedMutexGuard<()>,
    key: String,
    renders: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

impl Drop for RenderLead {
    fn drop(&mut self) {
        self.renders
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.key);
    }
}

/// How many first pages are kept (see `FirstPage`).
const FIRST_PAGES_KEPT: usize = 256;

/// Apps whose visit facts are kept at most.
const VISIT_FACTS_KEPT: usize = 10_000;

/// The anonymous side of the server, shared by every request.
pub struct Anonymous {
    pub(super) key: Vec<u8>,
    /// The first view of a link (no selections yet) is the same for every visitor of one app
    /// version through one reduction: computed once, not per visit. Public sheets of an app in a
    /// managed space change only by republishing, which changes the versions in the key.
    pub(super) first_views: Mutex<HashMap<String, SheetView>>,
    /// First pages as bytes, by first view and address (`FirstPage`).
    /// key -> (when last served, in `page_clock` ticks; the page).
    first_pages: Mutex<HashMap<String, (u64, Arc<FirstPage>)>>,
    page_clock: std::sync::atomic::AtomicU64,
    /// How many first pages were rendered and kept since the start.
    pages_kept: std::sync::atomic::AtomicU64,
    /// First pages being rendered, by key: the others who ask meanwhile (a crowd arriving as an
    /// app's new data comes in) wait for that render and take the page it kept, rather than
    /// each rendering the same page. An entry lives while its render does.
    page_renders: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
    /// Models opened anonymously, under their own memory budget: a crowd of visitors cannot
    /// push the tenant's own users' apps out of memory.
    pub engines: Engines,
    /// Visit facts by app id.
    pub visits: Watched<String, VisitFacts>,
    pub(super) live: Mutex<Live>,
}

impl Anonymous {
    /// `changes`: how the visit facts' cache hears of changes (see `sql::Watched`).
    pub fn new(key: &str, budget_bytes: usize, changes: Changes) -> Self {
        Anonymous {
            key: key.as_bytes().to_vec(),
            first_views: Mutex::new(HashMap::new()),
            first_pages: Mutex::default(),
            page_clock: std::sync::atomic::AtomicU64::new(0),
            pages_kept: std::sync::atomic::AtomicU64::new(0),
            page_renders: Arc::default(),
            engines: Engines::new(budget_bytes),
            visits: Watched::new("visits", changes, VISIT_FACTS_KEPT),
            live: Mutex::new(Live::default()),
        }
    }

    pub(super) fn first_view(&self, key: &str) -> Option<SheetView> {
        self.first_views
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
    }

    pub(super) fn keep_first_view(&self, key: String, view: &SheetView) {
        let mut views = self.first_views.lock().unwrap_or_else(|p| p.into_inner());
        if views.len() >= FIRST_VIEWS_KEPT {
            // Old app versions' views are never asked for again; starting over is simplest.
            views.clear();
        }
        views.insert(key, view.clone());
    }

    fn tick(&self) -> u64 {
        self.page_clock
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    pub(super) fn first_page(&self, key: &str) -> Option<Arc<FirstPage>> {
        let tick = self.tick();
        let mut pages = self.first_pages.lock().unwrap_or_else(|p| p.into_inner());
        let (used, page) = pages.get_mut(key)?;
        *used = tick;
        Some(page.clone())
    }

    /// The render of a first page not kept yet: `Lead` to render it (the others wait until it is
    /// dropped), or `Follow` to wait for the one under way.
    pub fn page_render(&self, key: &str) -> PageRender {
        let mut renders = self.page_renders.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(under_way) = renders.get(key) {
            return PageRender::Follow(under_way.clone());
        }
        let gate = Arc::new(tokio::sync::Mutex::new(()));
        let guard = gate
            .clone()
            .try_lock_owned()
            .expect("a gate nobody else has seen yet is open");
        renders.insert(key.to_string(), gate);
        PageRender::Lead(RenderLead {
            _guard: guard,
            key: key.to_string(),
            renders: self.page_renders.clone(),
        })
    }

    /// How many first pages were rendered to be kept since the start (for tests and metrics).
    pub fn first_pages_rendered(&self) -> u64 {
        self.pages_kept.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// How many first pages are kept (for tests and metrics).
    pub fn first_pages_kept(&self) -> usize {
        self.first_pages
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }

    /// Keeps a first page; past `FIRST_PAGES_KEPT`, the one served least recently goes (never
    /// all of them: a visitor cycling addresses cannot make every other visitor render again).
    pub fn keep_first_page(&self, key: String, page: FirstPage) {
        self.pages_kept
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tick = self.tick();
        let mut pages = self.first_pages.lock().unwrap_or_else(|p| p.into_inner());
        if pages.len() >= FIRST_PAGES_KEPT && !pages.contains_key(&key) {
            let oldest = pages
                .iter()
                .min_by_key(|(_, (used, _))| *used)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                pages.remove(&oldest);
            }
        }
        pages.insert(key, (tick, Arc::new(page)));
    }

    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, Live> {
        self.live
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Gives back the seats of a link's sessions: its code was reset, or it was paused or
    /// deleted, so none of them can take another step.
    pub(super) fn release_link(&self, link_id: &str) {
        let mut live = self.lock();
        for seats in live.sessions.values_mut() {
            seats.release_link(link_id);
        }
    }

    /// Live sessions of every tenant that this process admitted, at `now`.
    pub fn total(&self, now: i64) -> usize {
        let mut live = self.lock();
        live.sessions
            .values_mut()
            .map(|seats| {
                seats.drop_expired(now);
                seats.len()
            })
            .sum()
    }

    /// Live sessions of the tenant at `now` (dropping the expired).
    pub fn current(&self, tenant_id: &str, now: i64) -> usize {
        let mut live = self.lock();
        live.sessions
            .get_mut(tenant_id)
            .map(|seats| {
                seats.drop_expired(now);
                seats.len()
            })
            .unwrap_or(0)
    }
}

mod sharded;
use sharded::Sharded;

#[cfg(test)]
mod tests;
