//! The demo sales data: orders and customers, generated from a fixed seed so that every demo
//! tenant holds the same figures. Two tables associated through CustomerId.

use engine::seeded::SeededRng as Rng;

pub const CUSTOMERS: usize = 2_000;

const REGIONS: &[(&str, &[&str])] = &[
    ("North", &["Sweden", "Norway", "Finland", "Denmark"]),
    ("South", &["Spain", "Italy", "Portugal", "Greece"]),
    ("East", &["Poland", "Czechia", "Hungary", "Romania"]),
    ("West", &["France", "Ireland", "Belgium", "Netherlands"]),
];
const SEGMENTS: &[&str] = &["Enterprise", "Mid-market", "Small business"];
const NAMES: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Vandelay",
    "Wonka",
    "Stark",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Gringotts",
    "Oscorp",
    "Wayne",
    "Aperture",
    "Monarch",
    "Dunder",
    "Pied Piper",
    "Prestige",
    "Massive",
];
const SUFFIXES: &[&str] = &[
    "Ltd", "Group", "AB", "GmbH", "Inc", "& Co", "SA", "Partners",
];
/// Product, category, unit price.
const PRODUCTS: &[(&str, &str, f64)] = &[
    ("Trail bike", "Bikes", 1290.0),
    ("City bike", "Bikes", 690.0),
    ("Kids bike", "Bikes", 240.0),
    ("Helmet", "Protection", 59.0),
    ("Knee pads", "Protection", 25.0),
    ("Gloves", "Protection", 19.0),
    ("Front lamp", "Accessories", 35.0),
    ("Lock", "Accessories", 45.0),
    ("Bottle", "Accessories", 9.0),
    ("Inner tube", "Parts", 7.0),
    ("Chain", "Parts", 29.0),
    ("Brake set", "Parts", 79.0),
];

/// `customers.csv`: CustomerId, Customer, Region, Country, Segment.
pub fn customers_csv() -> String {
    let mut rng = Rng::new(0x0DE5_CAFE);
    let mut out = String::from("CustomerId,Customer,Region,Country,Segment\n");
    for id in 1..=CUSTOMERS {
        let (region, countries) = rng.pick(REGIONS);
        let name = format!("{} {} {}", rng.pick(NAMES), rng.pick(SUFFIXES), id);
        out.push_str(&format!(
            "{id},{name},{region},{},{}\n",
            rng.pick(countries),
            rng.pick(SEGMENTS)
        ));
    }
    out
}

/// `orders.csv`: OrderId, OrderDate, Month, CustomerId, Product, Category, Quantity, Amount;
/// January 2025 to October 2026, busier in spring and before Christmas.
pub fn orders_csv(rows: usize) -> String {
    let mut rng = Rng::new(0x5A1E_5EED);
    let mut out = String::with_capacity(rows * 72);
    out.push_str("OrderId,OrderDate,Month,CustomerId,Product,Category,Quantity,Amount\n");
    const MONTHS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    const SEASON: [u64; 12] = [6, 6, 9, 11, 11, 10, 8, 7, 8, 9, 11, 13];
    let months: Vec<(i32, u32)> = (0..22)
        .map(|i| (2025 + i / 12, (i % 12) as u32 + 1))
        .collect();
    let weights: Vec<u64> = months
        .iter()
        .map(|(y, m)| SEASON[*m as usize - 1] + if *y == 2026 { 2 } else { 0 })
        .collect();
    let total: u64 = weights.iter().sum();
    for id in 1..=rows {
        let mut roll = rng.below(total);
        let mut which = 0;
        while roll >= weights[which] {
            roll -= weights[which];
            which += 1;
        }
        let (year, month) = months[which];
        let day = rng.below(u64::from(MONTHS[month as usize - 1])) + 1;
        // A few big customers buy much more than the rest.
        let customer = if rng.below(4) == 0 {
            rng.below(50) + 1
        } else {
            rng.below(CUSTOMERS as u64) + 1
        };
        let (product, category, price) = rng.pick(PRODUCTS);
        let quantity = rng.below(8) + 1;
        let discount = 1.0 - (rng.below(16) as f64) / 100.0;
        let amount = (price * quantity as f64 * discount * 100.0).round() / 100.0;
        out.push_str(&format!("{id},{year}-{month:02}-{day:02},{year}-{month:02},{customer},{product},{category},{quantity},{amount:.2}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_data_is_the_same_every_time_and_loads() {
        assert_eq!(orders_csv(100), orders_csv(100));
        let orders = orders_csv(1000);
        let customers = customers_csv();
        let model = engine::DataModel::from_csv(&[
            ("orders", orders.as_bytes()),
            ("customers", customers.as_bytes()),
        ])
        .unwrap();
        assert_eq!(model.tables[0].rows, 1000);
        assert_eq!(model.tables[1].rows, CUSTOMERS);
        assert_eq!(
            model.fields[model.field("Amount").unwrap()].field_type,
            engine::types::FieldType::Decimal
        );
        assert_eq!(
            model.fields[model.field("OrderDate").unwrap()].field_type,
            engine::types::FieldType::Date
        );
        assert_eq!(model.fields[model.field("Region").unwrap()].values.len(), 4);
    }
}
