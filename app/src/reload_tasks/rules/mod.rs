//! What a reload task may be, decided without a database: its recurrence rules read and put in
//! words, the instants they name in a time zone, and when repeated failures turn it off.

pub mod recurrence;
#[cfg(feature = "ssr")]
pub mod schedule;

use crate::reloads::model::ReloadStatus;

/// Failed runs in a row after which a schedule turns itself off.
pub const MAX_CONSECUTIVE_FAILURES: u32 = 5;

/// A task's failures in a row after one of its reloads ended, and whether it now turns off.
/// A cancelled reload (someone chose to stop it) neither counts nor clears the count.
pub fn streak(failures: u32, ended: ReloadStatus) -> (u32, bool) {
    match ended {
        ReloadStatus::Succeeded => (0, false),
        ReloadStatus::Failed | ReloadStatus::ExceededLimit => {
            let failures = failures + 1;
            (failures, failures >= MAX_CONSECUTIVE_FAILURES)
        }
        _ => (failures, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schedule_turns_off_after_five_failures_in_a_row() {
        use ReloadStatus::*;
        // (the reloads' ends in order, the failures in a row after each, turned off after each)
        let cases: &[(&[ReloadStatus], &[u32], &[bool])] = &[
            (
                &[Failed, Failed, Failed, Failed, Failed],
                &[1, 2, 3, 4, 5],
                &[false, false, false, false, true],
            ),
            (
                &[Failed, Failed, Succeeded, Failed],
                &[1, 2, 0, 1],
                &[false; 4],
            ),
            (
                &[Failed, ExceededLimit, Failed, Failed, ExceededLimit],
                &[1, 2, 3, 4, 5],
                &[false, false, false, false, true],
            ),
            (&[Failed, Canceled, Failed], &[1, 1, 2], &[false; 3]),
        ];
        for (ends, counts, offs) in cases {
            let mut failures = 0;
            for (i, end) in ends.iter().enumerate() {
                let (now, off) = streak(failures, *end);
                assert_eq!((now, off), (counts[i], offs[i]), "{ends:?} at {i}");
                failures = now;
            }
        }
    }
}
