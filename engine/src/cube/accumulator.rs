//! One group's running figures for one measure, and what they come to.

use std::collections::HashSet;

use super::Aggregation;

/// One group's running figures for one measure. Distinct codes are kept only for count
/// distinct, in a set made on first use.
#[derive(Debug, Clone)]
pub(super) struct Accumulator {
    pub(super) sum: f64,
    /// Values (not missing).
    pub(super) count: u64,
    /// Values that are numbers: what an average divides by.
    pub(super) numbers: u64,
    pub(super) min: f64,
    pub(super) max: f64,
    // Boxed: one pointer instead of a 48-byte set in every accumulator of a cube, most of which
    // never count distinct values.
    #[allow(clippy::box_collection)]
    pub(super) distinct: Option<Box<HashSet<u32>>>,
}

impl Default for Accumulator {
    fn default() -> Self {
        Accumulator {
            sum: 0.0,
            count: 0,
            numbers: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            distinct: None,
        }
    }
}

impl Accumulator {
    #[inline]
    pub(super) fn add(&mut self, code: u32, number: f64, distinct: bool) {
        self.count += 1;
        if distinct {
            self.distinct
                .get_or_insert_with(Default::default)
                .insert(code);
        }
        // NaN: a value that is not a number counts, but adds nothing.
        if !number.is_nan() {
            self.numbers += 1;
            self.sum += number;
            self.min = self.min.min(number);
            self.max = self.max.max(number);
        }
    }

    pub(super) fn merge(&mut self, other: &Accumulator) {
        self.sum += other.sum;
        self.count += other.count;
        self.numbers += other.numbers;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        if let Some(theirs) = &other.distinct {
            self.distinct
                .get_or_insert_with(Default::default)
                .extend(theirs.iter().copied());
        }
    }

    pub(super) fn value(&self, aggregation: Aggregation) -> Option<f64> {
        match aggregation {
            Aggregation::Sum => Some(self.sum),
            Aggregation::Count => Some(self.count as f64),
            Aggregation::CountDistinct => {
                Some(self.distinct.as_ref().map_or(0, |d| d.len()) as f64)
            }
            Aggregation::Avg => (self.numbers > 0).then(|| self.sum / self.numbers as f64),
            Aggregation::Min => (self.min != f64::INFINITY).then_some(self.min),
            Aggregation::Max => (self.max != f64::NEG_INFINITY).then_some(self.max),
        }
    }
}
