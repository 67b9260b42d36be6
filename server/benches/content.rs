//! What a viewer costs: the memory one idle viewer's selection state takes in the server, and
//! the time to answer one selection on the demo sales app (120,000 orders, 2,000 customers):
//! evaluate the selection and recompute every chart of its first sheet. Prints `figure` lines.
//! `make bench` runs it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Instant;

use app::content::compute::{chart_data, fields_info};
use app::content::engines::{Engines, ModelKey};
use app::content::rules::first_sheet;
use engine::{evaluate, DataModel, Selections};

/// Counts the bytes live on the heap, so that a structure's cost is measured, not estimated.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    const VIEWERS: usize = 10_000;
    let engines = Engines::new(usize::MAX);
    let key = ModelKey {
        app_id: "0123456789abcdef01234567".into(),
        data_version: 1,
        access: String::new(),
    };
    let empty = DataModel {
        fields: Vec::new(),
        tables: Vec::new(),
    };
    let before = live();
    for i in 0..VIEWERS {
        // Viewer keys are a session digest: 64 hex characters.
        engines.with_viewer(&format!("session:{i:064x}"), &key, &empty, 0, |_| ());
    }
    let idle = (live() - before) as f64 / VIEWERS as f64;
    println!("figure viewer_idle_state_bytes {idle:.0}");
    let before = live();
    for i in 0..VIEWERS {
        engines.with_viewer(&format!("session:{i:064x}"), &key, &empty, 1, |state| {
            state.select(3, vec![1, 5, 9])
        });
    }
    let selected = (live() - before) as f64 / VIEWERS as f64;
    println!("figure viewer_one_selection_extra_bytes {selected:.0}");

    let orders = server::demo_data::orders_csv(server::demo::SALES_ORDERS);
    let customers = server::demo_data::customers_csv();
    let start = Instant::now();
    let model = DataModel::from_csv(&[
        ("orders", orders.as_bytes()),
        ("customers", customers.as_bytes()),
    ])
    .expect("the demo data loads");
    let load_ms = start.elapsed().as_secs_f64() * 1000.0;
    let charts = first_sheet(&fields_info(&model));
    let region = model.field("Region").expect("Region");
    let mut timings = Vec::new();
    for round in 0..30 {
        let mut selections = Selections::default();
        selections.select(region, vec![(round % 4) as u32]);
        let start = Instant::now();
        let evaluation = evaluate(&model, &selections);
        for chart in &charts {
            std::hint::black_box(chart_data(&model, &evaluation, &selections, chart));
        }
        timings.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    let sheet_ms = median(timings);
    println!("figure demo_load_ms {load_ms:.0}");
    println!("figure demo_selection_sheet_ms_median {sheet_ms:.2}");
    println!();
    println!("One idle viewer's selection state: {idle:.0} bytes ({VIEWERS} viewers measured on the heap); one selection of 3 values adds {selected:.0} bytes.");
    println!("Demo sales app ({} rows): loads in {load_ms:.0} ms; a selection and its first sheet of {} charts: median {sheet_ms:.2} ms.", model.rows(), charts.len());
}
