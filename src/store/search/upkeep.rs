//! Folding new messages into segments and merging segments, outside the room writer's
//! transactions, so the writer does no indexing for a new message at all.
//!
//! The work goes in bounded steps, each its own short write transaction of at most
//! [`ROWS_PER_STEP`] rows: a message waits for one step, never for a whole fold or merge. A
//! segment is planned from one snapshot (reading and splitting the words, the slow part, with
//! no write lock held), its rows are written a step at a time under an id no search looks at
//! yet, and one step publishes it and moves its rooms' marks. Then the changed rows it took
//! are retired, a step at a time, and the rows of the segments a merge replaced are removed
//! as orphans. A crash or a reopen at any point leaves only orphan rows behind, which the
//! next steps remove.
//!
//! Steps commit without an fsync of their own: the writer's next durable commit (within a
//! second of any message) carries them, and a crash before it only means some upkeep is done
//! again.

use std::time::Instant;

use redb::{Durability, ReadTransaction, ReadableTable, ReadableTableMetadata, WriteTransaction};

use super::super::{Store, StoreError, tables};
use super::pending::Rooms;
use super::segment::{self, Built, FOLD_AT};

/// Rows written or removed in one step.
pub const ROWS_PER_STEP: usize = 128;

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
    /// Published; changed rows retired so far.
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
                // Its rows, if any, are orphans now, and its rooms must be looked at again.
                self.job = None;
                store.search_pending.forget();
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

    /// With no segment in progress: removes orphan rows first, then plans a merge, then a
    /// fold when one is due.
    fn start(&mut self, store: &Store) -> Result<Progress, StoreError> {
        let (orphan, merged, changed) = store.read(|txn| {
            if let Some(id) = orphan_in(txn)? {
                return Ok((Some(id), None, 0));
            }
            let changed = txn.open_table(tables::SEARCH_CHANGED)?.len()?;
            Ok((None, merge_in(txn)?, changed))
        })?;
        if let Some(id) = orphan {
            store.write(Durability::None, |txn| {
                segment::remove_rows(txn, id, ROWS_PER_STEP)
            })?;
            return Ok(Progress::Worked);
        }
        if let Some(built) = merged {
            self.begin(built);
            return Ok(Progress::Worked);
        }
        let pending = &store.search_pending;
        if !pending.due(Instant::now()) && changed < FOLD_AT {
            return Ok(Progress::Idle);
        }
        let rooms = pending.take();
        let fold = store
            .read(|txn| fold_in(txn, &rooms))
            .inspect_err(|_| pending.forget())?;
        pending.put_back(&fold.unfinished);
        let built = fold.built;
        if built.is_empty() && built.replaces.marks.is_empty() && built.replaces.changed.is_empty()
        {
            return Ok(Progress::Idle);
        }
        self.begin(built);
        Ok(Progress::Worked)
    }

    fn begin(&mut self, built: Built) {
        self.job = Some(Job {
            built,
            id: None,
            stage: Stage::Rows(0),
        });
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
                Ok(!built.replaces.changed.is_empty())
            }
            Stage::Retire(done) => {
                let rows = &built.replaces.changed;
                let to = (done + ROWS_PER_STEP).min(rows.len());
                segment::retire_changed(txn, &rows[done..to])?;
                self.stage = Stage::Retire(to);
                Ok(to < rows.len())
            }
        }
    }
}

/// A merge, if one is due.
fn merge_in(txn: &ReadTransaction) -> Result<Option<Built>, StoreError> {
    segment::merge(
        &txn.open_table(tables::SEARCH_SEGMENTS)?,
        &txn.open_table(tables::SEARCH_WORDS)?,
        &txn.open_table(tables::SEARCH_AUTHORS)?,
    )
}

/// A fold of what `rooms` hold past their marks, and of the changed rows.
fn fold_in(txn: &ReadTransaction, rooms: &Rooms) -> Result<segment::Fold, StoreError> {
    let every;
    let rooms = match rooms {
        Rooms::These(rooms) => rooms,
        Rooms::Every => {
            let table = txn.open_table(tables::ROOMS)?;
            let mut ids = Vec::new();
            for entry in table.iter()? {
                ids.push(entry?.0.value());
            }
            every = ids;
            &every
        }
    };
    segment::fold(
        &txn.open_table(tables::HISTORY)?,
        &txn.open_table(tables::SEARCH_MARKS)?,
        &txn.open_table(tables::SEARCH_CHANGED)?,
        rooms,
    )
}

fn orphan_in(txn: &ReadTransaction) -> Result<Option<u64>, StoreError> {
    segment::orphan(
        &txn.open_table(tables::SEARCH_SEGMENTS)?,
        &txn.open_table(tables::SEARCH_WORDS)?,
        &txn.open_table(tables::SEARCH_AUTHORS)?,
    )
}
