//! Folding fresh rows into segments and merging segments, outside the room writer's
//! transactions, so the writer only ever adds a message's fresh row.
//!
//! The work goes in bounded steps, each its own short write transaction of at most
//! [`ROWS_PER_STEP`] rows: a message waits for one step, never for a whole fold or merge. A
//! segment is planned from one snapshot (the slow part, done with no write lock held), its
//! rows are written a step at a time under an id no search looks at yet, and one step
//! publishes it. Then the fresh rows it replaces are retired, a step at a time, and the rows
//! of the segments a merge replaced are removed as orphans. A crash or a reopen at any point
//! leaves only orphan rows behind, which the next steps remove.
//!
//! Steps commit without an fsync of their own: the writer's next durable commit (within a
//! second of any message) carries them, and a crash before it only means some upkeep is done
//! again.

use redb::{Durability, ReadTransaction, WriteTransaction};

use super::super::{Store, StoreError, tables};
use super::segment::{self, Built, Replaces};

/// Rows written or removed in one step.
pub const ROWS_PER_STEP: usize = 500;

/// What a step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Worked,
    /// Nothing is due.
    Idle,
}

/// The upkeep's state between steps: the segment being written, if any.
#[derive(Default)]
pub struct Upkeep {
    job: Option<Job>,
}

struct Job {
    built: Built,
    /// Chosen by the first step.
    id: Option<u64>,
    stage: Stage,
}

enum Stage {
    /// Rows written so far.
    Rows(usize),
    /// Published; fresh rows retired so far.
    Retire(usize),
}

impl Upkeep {
    /// Does one step of whatever is due.
    pub fn step(&mut self, store: &Store) -> Result<Progress, StoreError> {
        let Some(job) = self.job.as_mut() else {
            return self.start(store);
        };
        match store.write(Durability::None, |txn| job.advance(txn)) {
            Ok(true) => {}
            Ok(false) => self.job = None,
            Err(err) => {
                // Its rows, if any, are orphans now.
                self.job = None;
                return Err(err);
            }
        }
        Ok(Progress::Worked)
    }

    /// Steps until nothing is due (a bench that times building the index, and tests).
    pub fn run_until_idle(&mut self, store: &Store) -> Result<(), StoreError> {
        while self.step(store)? == Progress::Worked {}
        Ok(())
    }

    /// With no segment in progress: removes orphan rows first, then plans what is due.
    fn start(&mut self, store: &Store) -> Result<Progress, StoreError> {
        let (orphan, planned) = store.read(|txn| {
            let orphan = orphan_in(txn)?;
            let planned = match orphan {
                Some(_) => None,
                None => plan(txn)?,
            };
            Ok((orphan, planned))
        })?;
        if let Some(id) = orphan {
            store.write(Durability::None, |txn| {
                segment::remove_rows(txn, id, ROWS_PER_STEP)
            })?;
            return Ok(Progress::Worked);
        }
        Ok(match planned {
            Some(built) => {
                self.job = Some(Job {
                    built,
                    id: None,
                    stage: Stage::Rows(0),
                });
                Progress::Worked
            }
            None => Progress::Idle,
        })
    }
}

impl Job {
    /// One step's share of the job, in `txn`; whether any is left.
    fn advance(&mut self, txn: &WriteTransaction) -> Result<bool, StoreError> {
        let built = &self.built;
        match self.stage {
            Stage::Rows(written) => {
                let id = match self.id {
                    Some(id) => {
                        if written > 0 && !built.has_row(txn, id, written - 1)? {
                            // A reopen rolled back rows written before: start again.
                            tracing::info!("search index segment lost by a reopen; rebuilding");
                            return Ok(false);
                        }
                        id
                    }
                    None => segment::next_id(txn)?,
                };
                let to = (written + ROWS_PER_STEP).min(built.rows());
                built.write_rows(txn, id, written, to)?;
                self.id = Some(id);
                if to < built.rows() {
                    self.stage = Stage::Rows(to);
                    return Ok(true);
                }
                built.publish(txn, id)?;
                self.stage = Stage::Retire(0);
                Ok(matches!(built.replaces, Replaces::Fresh(_)))
            }
            Stage::Retire(done) => {
                let Replaces::Fresh(rows) = &built.replaces else {
                    return Ok(false);
                };
                let to = (done + ROWS_PER_STEP).min(rows.len());
                segment::retire_fresh(txn, &rows[done..to])?;
                self.stage = Stage::Retire(to);
                Ok(to < rows.len())
            }
        }
    }
}

/// The segment due next: a merge before a fold, so no tier holds many segments.
fn plan(txn: &ReadTransaction) -> Result<Option<Built>, StoreError> {
    let merged = segment::merge(
        &txn.open_table(tables::SEARCH_SEGMENTS)?,
        &txn.open_table(tables::SEARCH_WORDS)?,
        &txn.open_table(tables::SEARCH_AUTHORS)?,
    )?;
    if merged.is_some() {
        return Ok(merged);
    }
    segment::fold(&txn.open_table(tables::SEARCH_FRESH)?)
}

fn orphan_in(txn: &ReadTransaction) -> Result<Option<u64>, StoreError> {
    segment::orphan(
        &txn.open_table(tables::SEARCH_SEGMENTS)?,
        &txn.open_table(tables::SEARCH_WORDS)?,
        &txn.open_table(tables::SEARCH_AUTHORS)?,
    )
}

/// Folds and merges everything due inside `txn`, all at once: for a migration, which holds
/// the only write transaction anyway.
pub(in crate::store) fn settle_in(txn: &WriteTransaction) -> Result<(), StoreError> {
    loop {
        let merged = segment::merge(
            &txn.open_table(tables::SEARCH_SEGMENTS)?,
            &txn.open_table(tables::SEARCH_WORDS)?,
            &txn.open_table(tables::SEARCH_AUTHORS)?,
        )?;
        let planned = match merged {
            Some(built) => Some(built),
            None => segment::fold(&txn.open_table(tables::SEARCH_FRESH)?)?,
        };
        let Some(built) = planned else {
            return Ok(());
        };
        let id = segment::next_id(txn)?;
        built.write_rows(txn, id, 0, built.rows())?;
        built.publish(txn, id)?;
        match &built.replaces {
            Replaces::Fresh(rows) => segment::retire_fresh(txn, rows)?,
            Replaces::Segments(replaced) => {
                for &old in replaced {
                    segment::remove_rows(txn, old, usize::MAX)?;
                }
            }
        }
    }
}
