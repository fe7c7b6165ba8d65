//! A large CSV in an encoding other than UTF-8 (Windows-1252 from Excel, UTF-16, Shift_JIS
//! …) copied as UTF-8 into a temporary file as it is read, so the import can read the copy
//! a window at a time like any UTF-8 file (see `stream.rs`) instead of holding the file.
//! The encoding is found as [`crate::io::text::decode`] finds it for the whole file, and the
//! bytes it cannot read are counted the same way.

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

use encoding_rs::{CoderResult, Encoding, UTF_8};

use super::ImportError;
use crate::io::text::{Detection, utf16_by_zero_bytes};

/// How much is read at a time.
const CHUNK_BYTES: usize = 1 << 20;

/// A file's UTF-8 copy, removed when this is dropped.
pub(super) struct Transcoded {
    pub(super) copy: tempfile::NamedTempFile,
    pub(super) encoding: &'static Encoding,
    pub(super) how_detected: Detection,
    /// Bytes not valid in `encoding`, copied as U+FFFD.
    pub(super) undecodable: usize,
}

/// The UTF-8 copy of `path`, read in `chosen` or else in the encoding found as for the
/// whole file. `None` when the file is UTF-8 after all, or when no copy can be written
/// (a full disk, no temporary folder): it is then read whole, as before.
pub(super) fn transcode(
    path: &Path,
    chosen: Option<&'static Encoding>,
) -> Result<Option<Transcoded>, ImportError> {
    let read_error = |source: std::io::Error| ImportError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(read_error)?;
    let mut start = Vec::new();
    (&mut file)
        .take(4096)
        .read_to_end(&mut start)
        .map_err(read_error)?;
    let (encoding, how_detected, skip) = match chosen {
        Some(encoding) if encoding == UTF_8 => return Ok(None),
        // A chosen encoding still drops its own byte-order mark.
        Some(encoding) => match Encoding::for_bom(&start) {
            Some((bom, length)) if bom == encoding => (encoding, Detection::Chosen, length),
            _ => (encoding, Detection::Chosen, 0),
        },
        None => match Encoding::for_bom(&start) {
            Some((encoding, _)) if encoding == UTF_8 => return Ok(None),
            Some((encoding, length)) => (encoding, Detection::ByteOrderMark, length),
            None => match utf16_by_zero_bytes(&start) {
                Some(encoding) => (encoding, Detection::ZeroBytePattern, 0),
                None => match guess(&mut file).map_err(read_error)? {
                    Some(encoding) => (encoding, Detection::Guessed, 0),
                    None => return Ok(None),
                },
            },
        },
    };
    drop(file);
    copy_as_utf8(path, encoding, how_detected, skip)
}

/// The UTF-8 copy of `path` read in `encoding` from byte `skip` on (after a byte-order
/// mark). `None` when no copy can be written (a full disk, no temporary folder).
pub(super) fn copy_as_utf8(
    path: &Path,
    encoding: &'static Encoding,
    how_detected: Detection,
    skip: usize,
) -> Result<Option<Transcoded>, ImportError> {
    let read_error = |source: std::io::Error| ImportError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(read_error)?;
    file.seek(SeekFrom::Start(skip as u64))
        .map_err(read_error)?;
    let Ok(copy) = tempfile::NamedTempFile::new() else {
        return Ok(None);
    };
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut out = BufWriter::new(copy.as_file());
    let mut input = vec![0u8; CHUNK_BYTES];
    let mut output = vec![0u8; CHUNK_BYTES * 3 + 16];
    let (mut replaced, mut replacements) = (false, 0usize);
    loop {
        let read = file.read(&mut input).map_err(read_error)?;
        let last = read == 0;
        let mut pending = &input[..read];
        loop {
            let (result, used, written, had_replacements) =
                decoder.decode_to_utf8(pending, &mut output, last);
            pending = &pending[used..];
            let text = &output[..written];
            replaced |= had_replacements;
            replacements += text
                .windows(3)
                .filter(|w| *w == "\u{fffd}".as_bytes())
                .count();
            if out.write_all(text).is_err() {
                return Ok(None);
            }
            if result == CoderResult::InputEmpty {
                break;
            }
        }
        if last {
            break;
        }
    }
    if out.flush().is_err() {
        return Ok(None);
    }
    drop(out);
    Ok(Some(Transcoded {
        copy,
        encoding,
        how_detected,
        // As for the whole file: every U+FFFD counts once any byte could not be read.
        undecodable: if replaced { replacements } else { 0 },
    }))
}

/// The legacy encoding `chardetng` finds most likely for the whole file, read from its
/// start; `None` when the file is valid UTF-8.
pub(super) fn guess(file: &mut File) -> std::io::Result<Option<&'static Encoding>> {
    if is_utf8(file)? {
        return Ok(None);
    }
    file.seek(SeekFrom::Start(0))?;
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    let mut buffer = vec![0u8; CHUNK_BYTES];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        detector.feed(&buffer[..read], false);
    }
    detector.feed(&[], true);
    // Not UTF-8 (checked above), so a UTF-8 guess would only be wrong.
    Ok(Some(detector.guess(None, chardetng::Utf8Detection::Deny)))
}

/// True when the file is valid UTF-8 from its start to its end. Most files are, so the
/// guess above reads them only once.
fn is_utf8(file: &mut File) -> std::io::Result<bool> {
    file.seek(SeekFrom::Start(0))?;
    let mut buffer = vec![0u8; CHUNK_BYTES + 4];
    // Bytes of a character cut by the end of the last chunk.
    let mut carried = 0usize;
    loop {
        let read = file.read(&mut buffer[carried..])?;
        if read == 0 {
            return Ok(carried == 0);
        }
        let whole = &buffer[..carried + read];
        carried = match std::str::from_utf8(whole) {
            Ok(_) => 0,
            Err(e) if e.error_len().is_none() => whole.len() - e.valid_up_to(),
            Err(_) => return Ok(false),
        };
        let from = whole.len() - carried;
        buffer.copy_within(from..from + carried, 0);
    }
}
