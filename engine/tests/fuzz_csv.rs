//! A bounded fuzz run of the CSV loader: valid files mutated at random (bytes flipped, inserted,
//! deleted; quotes, delimiters, line breaks and invalid UTF-8 spliced in; cut short). Whatever
//! comes in, loading must not panic, and it ends either in a whole, consistent model or in an
//! error that says where. Seeded, so a failure is repeatable: the seed is printed.
//!
//! `SIGHTLINE_FUZZ_SECONDS` bounds the run (CI: a few seconds); `SIGHTLINE_FUZZ_SEED` repeats one.

use std::time::{Duration, Instant};

use engine::model::NULL;
use engine::seeded::SeededRng as Rng;

fn below(rng: &mut Rng, n: usize) -> usize {
    rng.below(n as u64) as usize
}
use engine::DataModel;

const SEEDS: &[&[u8]] = &[
    b"OrderId,CustomerId,Amount,Day\n1,10,100.5,2026-01-02\n2,,50,2026-01-03\n3,20,\"1,5\",\n",
    b"CustomerId;Region;Note\n10;North;\"said \"\"hi\"\"\"\n20;South;\"two\nlines\"\n",
    b"\xEF\xBB\xBFa\tb\n1\t2\n\n3\t4\n",
    b"x|y\n2026-01-01 10:00:00|007\n2026-01-02 11:00:00|8\n",
];

const SPLICES: &[&[u8]] = &[
    b"\"",
    b",",
    b";",
    b"\n",
    b"\r\n",
    b"\t",
    b"\xFF",
    b"\xC3",
    b"\"\"",
    b"",
    b"-1",
    b"1e400",
    b"2026-02-30",
];

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut bytes = input.to_vec();
    for _ in 0..1 + below(rng, 6) {
        let at = below(rng, bytes.len() + 1);
        match below(rng, 5) {
            0 if !bytes.is_empty() => {
                let i = below(rng, bytes.len());
                bytes[i] = rng.next_u64() as u8;
            }
            1 if at < bytes.len() => {
                bytes.remove(at);
            }
            2 => {
                let splice = SPLICES[below(rng, SPLICES.len())];
                bytes.splice(at..at, splice.iter().copied());
            }
            3 => bytes.truncate(at),
            _ => {
                // Repeat a slice of the file: more rows, or longer cells.
                let from = below(rng, bytes.len() + 1);
                let to = (from + below(rng, 64)).min(bytes.len());
                let copy = bytes[from..to].to_vec();
                bytes.splice(at..at, copy);
            }
        }
    }
    bytes
}

/// What must hold of any load's outcome.
fn check(seed: u64, files: &[(&str, &[u8])]) {
    match DataModel::from_csv(files) {
        Ok(model) => {
            for table in &model.tables {
                for column in &table.columns {
                    assert_eq!(
                        column.codes.len(),
                        table.rows,
                        "seed {seed}: a column has as many codes as its table has rows"
                    );
                    let values = model.fields[column.field].values.len();
                    assert!(
                        column
                            .codes
                            .to_vec()
                            .iter()
                            .all(|&c| c == NULL || (c as usize) < values),
                        "seed {seed}: codes point into their field"
                    );
                }
            }
            for field in &model.fields {
                assert!(
                    field
                        .values
                        .to_vec()
                        .windows(2)
                        .all(|w| w[0].cmp_total(&w[1]).is_lt()),
                    "seed {seed}: {}'s values sorted and distinct",
                    field.name
                );
                assert_eq!(
                    field.values.field_type(),
                    field.field_type,
                    "seed {seed}: {}'s values are of its type",
                    field.name
                );
            }
            let mut bytes = Vec::new();
            engine::snapshot::write(&model, &mut bytes).unwrap();
            let back = engine::snapshot::read(&mut bytes.as_slice()).unwrap();
            for (a, b) in back.fields.iter().zip(&model.fields) {
                assert_eq!(
                    a.values, b.values,
                    "seed {seed}: a snapshot keeps every value"
                );
            }
        }
        Err(error) => {
            let text = error.to_string();
            assert!(
                files.iter().any(|(name, _)| text.starts_with(name)),
                "seed {seed}: the error names the file: {text}"
            );
            assert!(
                text.len() > error.file.len() + 4,
                "seed {seed}: the error says what is wrong: {text}"
            );
        }
    }
}

#[test]
fn the_loader_survives_mutated_files() {
    let seconds: u64 = std::env::var("SIGHTLINE_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    let first_seed: u64 = std::env::var("SIGHTLINE_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut runs = 0u64;
    let mut loaded = 0u64;
    let mut seed = first_seed;
    while Instant::now() < deadline || runs < 200 {
        let mut rng = Rng::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let (first, second) = (
            SEEDS[below(&mut rng, SEEDS.len())],
            SEEDS[below(&mut rng, SEEDS.len())],
        );
        let a = mutate(&mut rng, first);
        let b = mutate(&mut rng, second);
        check(seed, &[("a.csv", &a), ("b.csv", &b)]);
        loaded += DataModel::from_csv(&[("a.csv", &a)]).is_ok() as u64;
        runs += 1;
        seed += 1;
        if std::env::var("SIGHTLINE_FUZZ_SEED").is_ok() {
            break;
        }
    }
    println!("fuzz: {runs} mutated file pairs from seed {first_seed}, {loaded} loaded whole, the rest refused with a located error");
}
