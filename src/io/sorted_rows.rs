//! Formatted rows put in key order within a bounded amount of memory: an external merge
//! sort for reports too large to hold.
//!
//! Rows arrive in whatever order SQLite stores them. They are kept in memory up to
//! [`SortedRows::new`]'s `run_bytes`; beyond that each full run is sorted and appended to
//! one temporary file, and at the end the runs are merged, reading each through a small
//! buffer. Memory therefore stays near `run_bytes` however long the report is, at the cost
//! of writing and reading the rows once more (which the file system cache mostly absorbs).
//! A report that fits in one run never touches the disk.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The key rows are sorted by: e.g. a time as a number, then an id to break ties.
pub type RowKey = (u64, i64);

/// Where one row sits in the current run.
struct Placed {
    key: RowKey,
    start: usize,
    end: usize,
}

/// Bytes before each spilled row: its key (16) and its length (4).
const HEADER_BYTES: usize = 20;

/// Each spilled run is read back through a buffer this large while the runs are merged.
const MERGE_BUFFER_BYTES: usize = 64 << 10;

static SPILL_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Collects formatted rows and writes them out in key order (see the module comment).
pub struct SortedRows {
    run: Vec<u8>,
    placed: Vec<Placed>,
    run_bytes: usize,
    spill_dir: PathBuf,
    spill: Option<Spill>,
    rows: usize,
}

/// The temporary file holding sorted runs, removed when dropped.
struct Spill {
    path: PathBuf,
    writer: BufWriter<File>,
    /// Byte range of each run in the file.
    runs: Vec<(u64, u64)>,
    written: u64,
}

impl Drop for Spill {
    fn drop(&mut self) {
        let _ = self.writer.flush();
        let _ = fs::remove_file(&self.path);
    }
}

impl SortedRows {
    /// Rows are held in memory up to about `run_bytes` (one row may overshoot) before a
    /// run is spilled to a temporary file in `spill_dir`.
    pub fn new(spill_dir: &Path, run_bytes: usize) -> Self {
        Self {
            run: Vec::with_capacity(run_bytes.min(64 << 20) + (64 << 10)),
            placed: Vec::new(),
            run_bytes: run_bytes.max(1),
            spill_dir: spill_dir.to_path_buf(),
            spill: None,
            rows: 0,
        }
    }

    /// Adds one row: `format` appends its bytes to the buffer it is given.
    pub fn push(&mut self, key: RowKey, format: impl FnOnce(&mut Vec<u8>)) -> io::Result<()> {
        let start = self.run.len();
        format(&mut self.run);
        self.placed.push(Placed {
            key,
            start,
            end: self.run.len(),
        });
        self.rows += 1;
        if self.run.len() >= self.run_bytes {
            self.spill_run()?;
        }
        Ok(())
    }

    /// Whether any run went to the temporary file (for tests).
    pub fn spilled_runs(&self) -> usize {
        self.spill.as_ref().map_or(0, |spill| spill.runs.len())
    }

    fn sort_run(&mut self) {
        // Stable, so rows with equal keys keep the order they came in.
        self.placed.sort_by_key(|p| p.key);
    }

    fn spill_run(&mut self) -> io::Result<()> {
        if self.placed.is_empty() {
            return Ok(());
        }
        self.sort_run();
        let spill = match &mut self.spill {
            Some(spill) => spill,
            None => self.spill.insert(create_spill(&self.spill_dir)?),
        };
        let start = spill.written;
        for p in &self.placed {
            let bytes = &self.run[p.start..p.end];
            let len = u32::try_from(bytes.len()).map_err(|_| {
                io::Error::new(io::ErrorKind::InvalidData, "one row is larger than 4 GB")
            })?;
            let mut header = [0u8; HEADER_BYTES];
            header[..8].copy_from_slice(&p.key.0.to_le_bytes());
            header[8..16].copy_from_slice(&p.key.1.to_le_bytes());
            header[16..].copy_from_slice(&len.to_le_bytes());
            spill.writer.write_all(&header)?;
            spill.writer.write_all(bytes)?;
            spill.written += (HEADER_BYTES + bytes.len()) as u64;
        }
        spill.runs.push((start, spill.written));
        self.run.clear();
        self.placed.clear();
        Ok(())
    }

    /// Writes every row to `out` in key order; returns how many there were.
    pub fn write_sorted(self, out: &mut impl Write) -> io::Result<usize> {
        Self::write_merged(vec![self], out)
    }

    /// Writes the rows of all `parts` to `out` as one list in key order (rows with equal
    /// keys: those of the first part first, each part's in the order they came); returns
    /// how many there were. The parts were filled apart, e.g. from two halves of a table
    /// read at once.
    pub fn write_merged(mut parts: Vec<SortedRows>, out: &mut impl Write) -> io::Result<usize> {
        let rows = parts.iter().map(|part| part.rows).sum();
        if let [part] = parts.as_mut_slice()
            && part.spill.is_none()
        {
            part.sort_run();
            for p in &part.placed {
                out.write_all(&part.run[p.start..p.end])?;
            }
            return Ok(rows);
        }
        for part in &mut parts {
            if part.spill.is_none() {
                part.sort_run();
                continue;
            }
            part.spill_run()?;
            // The rows are in the file now: give their memory back before merging.
            part.run = Vec::new();
            part.placed = Vec::new();
            if let Some(spill) = &mut part.spill {
                spill.writer.flush()?;
            }
        }
        let mut sources: Vec<Source<'_>> = Vec::new();
        for part in &parts {
            match &part.spill {
                None => sources.push(Source::Held {
                    run: &part.run,
                    placed: &part.placed,
                    next: 0,
                }),
                Some(spill) => {
                    for &(start, end) in &spill.runs {
                        let mut file = File::open(&spill.path)?;
                        file.seek(SeekFrom::Start(start))?;
                        sources.push(Source::Spilled(RunReader {
                            input: BufReader::with_capacity(MERGE_BUFFER_BYTES, file)
                                .take(end - start),
                            row: Vec::new(),
                        }));
                    }
                }
            }
        }
        let mut heap = BinaryHeap::with_capacity(sources.len());
        for (index, source) in sources.iter_mut().enumerate() {
            if let Some(key) = source.next()? {
                heap.push(Reverse((key, index)));
            }
        }
        // Equal keys come out in source order (part by part, run by run), and each run
        // kept their arrival order.
        while let Some(Reverse((_, index))) = heap.pop() {
            let source = &mut sources[index];
            out.write_all(source.row())?;
            if let Some(key) = source.next()? {
                heap.push(Reverse((key, index)));
            }
        }
        Ok(rows)
    }
}

/// Where the merge reads one sorted run from: memory, or the temporary file.
enum Source<'a> {
    Held {
        run: &'a [u8],
        placed: &'a [Placed],
        /// The row after the current one.
        next: usize,
    },
    Spilled(RunReader),
}

impl Source<'_> {
    /// Moves to the next row; its key, or `None` at the end of the run.
    fn next(&mut self) -> io::Result<Option<RowKey>> {
        match self {
            Self::Held { placed, next, .. } => {
                let key = placed.get(*next).map(|p| p.key);
                *next += 1;
                Ok(key)
            }
            Self::Spilled(reader) => reader.next(),
        }
    }

    /// The current row's bytes.
    fn row(&self) -> &[u8] {
        match self {
            Self::Held { run, placed, next } => placed
                .get(next.wrapping_sub(1))
                .map_or(&[][..], |p| &run[p.start..p.end]),
            Self::Spilled(reader) => &reader.row,
        }
    }
}

/// Reads the rows of one spilled run back, one at a time.
struct RunReader {
    input: io::Take<BufReader<File>>,
    row: Vec<u8>,
}

impl RunReader {
    /// Reads the next row into `self.row`; `None` at the end of the run.
    fn next(&mut self) -> io::Result<Option<RowKey>> {
        let mut header = [0u8; HEADER_BYTES];
        match self.input.read_exact(&mut header) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        }
        let field = |range: std::ops::Range<usize>| -> [u8; 8] {
            let mut bytes = [0u8; 8];
            bytes[..range.len()].copy_from_slice(&header[range]);
            bytes
        };
        let time = u64::from_le_bytes(field(0..8));
        let id = i64::from_le_bytes(field(8..16));
        let len = u64::from_le_bytes(field(16..20));
        self.row.clear();
        (&mut self.input).take(len).read_to_end(&mut self.row)?;
        if self.row.len() as u64 != len {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the temporary sort file was cut short",
            ));
        }
        Ok(Some((time, id)))
    }
}

/// Creates a new temporary file for runs in `dir`.
fn create_spill(dir: &Path) -> io::Result<Spill> {
    loop {
        let n = SPILL_COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!(".candor-sort.{}.{n}.tmp", std::process::id()));
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => {
                return Ok(Spill {
                    path,
                    writer: BufWriter::with_capacity(1 << 20, file),
                    runs: Vec::new(),
                    written: 0,
                });
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(keys: &[RowKey], run_bytes: usize) -> (Vec<u8>, usize, usize) {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut rows = SortedRows::new(dir.path(), run_bytes);
        for &(time, id) in keys {
            rows.push((time, id), |buf| {
                buf.extend_from_slice(format!("{time}:{id};").as_bytes());
            })
            .expect("push");
        }
        let runs = rows.spilled_runs();
        let mut out = Vec::new();
        let count = rows.write_sorted(&mut out).expect("write");
        let left: Vec<_> = fs::read_dir(dir.path()).expect("dir").collect();
        assert!(left.is_empty(), "the temporary sort file is removed");
        (out, count, runs)
    }

    fn expected(keys: &[RowKey]) -> Vec<u8> {
        let mut keys = keys.to_vec();
        keys.sort();
        keys.iter()
            .flat_map(|(t, i)| format!("{t}:{i};").into_bytes())
            .collect()
    }

    #[test]
    fn rows_come_out_in_key_order_whether_held_or_spilled() {
        // A shuffled but reproducible order, with repeated times.
        let keys: Vec<RowKey> = (0..5_000i64)
            .map(|i| (((i * 7_919) % 1_237) as u64, (i * 104_729) % 5_003))
            .collect();
        let (held, count, runs) = sorted(&keys, 1 << 30);
        assert_eq!((count, runs), (5_000, 0));
        assert_eq!(held, expected(&keys));
        let (spilled, count, runs) = sorted(&keys, 4_000);
        assert_eq!(count, 5_000);
        assert!(runs > 10, "{runs} runs");
        assert_eq!(spilled, expected(&keys));
    }

    #[test]
    fn parts_filled_apart_come_out_as_one_list_in_key_order() {
        let keys: Vec<RowKey> = (0..6_000i64)
            .map(|i| (((i * 7_919) % 1_237) as u64, (i * 104_729) % 6_007))
            .collect();
        let (first, second) = keys.split_at(2_500);
        // Held or spilled, each part.
        for (first_run, second_run) in [
            (1 << 30, 1 << 30),
            (3_000, 1 << 30),
            (1 << 30, 3_000),
            (3_000, 5_000),
        ] {
            let dir = tempfile::tempdir().expect("temp dir");
            let part = |keys: &[RowKey], run_bytes| {
                let mut rows = SortedRows::new(dir.path(), run_bytes);
                for &(time, id) in keys {
                    rows.push((time, id), |buf| {
                        buf.extend_from_slice(format!("{time}:{id};").as_bytes());
                    })
                    .expect("push");
                }
                rows
            };
            let parts = vec![part(first, first_run), part(second, second_run)];
            let mut out = Vec::new();
            let count = SortedRows::write_merged(parts, &mut out).expect("write");
            assert_eq!(count, 6_000);
            assert_eq!(
                out,
                expected(&keys),
                "runs of {first_run} and {second_run} bytes"
            );
            let left: Vec<_> = fs::read_dir(dir.path()).expect("dir").collect();
            assert!(left.is_empty(), "the temporary sort files are removed");
        }
    }

    #[test]
    fn no_rows_write_nothing() {
        let (out, count, runs) = sorted(&[], 10);
        assert_eq!((out.len(), count, runs), (0, 0, 0));
    }
}
