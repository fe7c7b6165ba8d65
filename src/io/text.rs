//! Text helpers every import format shares: turning a file's bytes into text (byte-order
//! marks, UTF-16 without one, UTF-8, else the legacy code page a spreadsheet or Outlook
//! saved in) and finding a CSV file's separator.
//!
//! Excel on Windows saves "CSV" in the system code page (Windows-1252 in the Americas and
//! Western Europe, Shift_JIS in Japan) and Outlook exports Windows-1252 or UTF-16, so
//! refusing anything but UTF-8 would refuse most of the files salespeople have.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};

/// How the encoding of a file was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detection {
    /// The file starts with a byte-order mark.
    ByteOrderMark,
    /// UTF-16 without a byte-order mark, recognised by its zero bytes.
    ZeroBytePattern,
    /// The bytes are valid UTF-8.
    ValidUtf8,
    /// Not UTF-8: the most likely legacy encoding, guessed from the bytes.
    Guessed,
    /// The person importing chose it.
    Chosen,
}

impl Detection {
    /// A phrase for people, as in "Windows-1252 (guessed from the text)".
    pub fn label(self) -> &'static str {
        match self {
            Self::ByteOrderMark => "from the file's byte-order mark",
            Self::ZeroBytePattern => "UTF-16 recognised without a byte-order mark",
            Self::ValidUtf8 => "the file is valid UTF-8",
            Self::Guessed => "guessed from the text",
            Self::Chosen => "chosen by you",
        }
    }
}

/// A file's text and how it was decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The text, without a byte-order mark.
    pub text: String,
    pub encoding: &'static Encoding,
    pub how_detected: Detection,
    /// Bytes that are not valid in `encoding` and became U+FFFD: never silent, the import
    /// reports them so the person can choose another encoding.
    pub undecodable: usize,
}

/// The encodings offered when the person changes the one Candor detected: those seen in
/// exported contacts and spreadsheets.
pub const ENCODING_CHOICES: &[&Encoding] = &[
    UTF_8,
    encoding_rs::WINDOWS_1252,
    UTF_16LE,
    UTF_16BE,
    encoding_rs::ISO_8859_15,
    encoding_rs::WINDOWS_1250,
    encoding_rs::WINDOWS_1251,
    encoding_rs::MACINTOSH,
    encoding_rs::SHIFT_JIS,
    encoding_rs::EUC_KR,
    encoding_rs::GBK,
    encoding_rs::BIG5,
];

/// Decodes a file: with `chosen` when the person picked an encoding, else by its
/// byte-order mark, else UTF-16 by its zero bytes, else UTF-8 when valid, else the legacy
/// encoding `chardetng` finds most likely.
pub fn decode(bytes: &[u8], chosen: Option<&'static Encoding>) -> Decoded {
    let (encoding, how_detected, body) = match chosen {
        Some(encoding) => {
            // A chosen encoding still drops its own byte-order mark.
            let body = match Encoding::for_bom(bytes) {
                Some((bom, len)) if bom == encoding => &bytes[len..],
                _ => bytes,
            };
            (encoding, Detection::Chosen, body)
        }
        None => detect(bytes),
    };
    let (text, had_errors) = encoding.decode_without_bom_handling(body);
    let undecodable = if had_errors {
        text.chars()
            .filter(|c| *c == char::REPLACEMENT_CHARACTER)
            .count()
    } else {
        0
    };
    Decoded {
        text: text.into_owned(),
        encoding,
        how_detected,
        undecodable,
    }
}

/// Like [`decode`], taking the bytes: UTF-8 text (the usual case) becomes the text without
/// a copy, which matters for a million-row file.
pub fn decode_owned(mut bytes: Vec<u8>, chosen: Option<&'static Encoding>) -> Decoded {
    let (encoding, how_detected, _) = match chosen {
        Some(encoding) => (encoding, Detection::Chosen, &[][..]),
        None => detect(&bytes),
    };
    if encoding == UTF_8 {
        if bytes.starts_with(crate::io::UTF8_BOM) {
            bytes.drain(..crate::io::UTF8_BOM.len());
        }
        match String::from_utf8(bytes) {
            Ok(text) => {
                return Decoded {
                    text,
                    encoding,
                    how_detected,
                    undecodable: 0,
                };
            }
            Err(e) => bytes = e.into_bytes(),
        }
    }
    decode(&bytes, chosen)
}

fn detect(bytes: &[u8]) -> (&'static Encoding, Detection, &[u8]) {
    if let Some((encoding, len)) = Encoding::for_bom(bytes) {
        return (encoding, Detection::ByteOrderMark, &bytes[len..]);
    }
    if let Some(encoding) = utf16_by_zero_bytes(bytes) {
        return (encoding, Detection::ZeroBytePattern, bytes);
    }
    if std::str::from_utf8(bytes).is_ok() {
        return (UTF_8, Detection::ValidUtf8, bytes);
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    // Not UTF-8 (checked above), so a UTF-8 guess would only be wrong.
    let guess = detector.guess(None, chardetng::Utf8Detection::Deny);
    (guess, Detection::Guessed, bytes)
}

/// UTF-16 text of mostly Latin letters has a zero byte in every other position: before
/// each letter in big-endian, after it in little-endian. Text in any 8-bit encoding has
/// almost none.
pub(crate) fn utf16_by_zero_bytes(bytes: &[u8]) -> Option<&'static Encoding> {
    let sample = &bytes[..bytes.len().min(4096) & !1];
    let pairs = sample.len() / 2;
    if pairs < 2 {
        return None;
    }
    let zeros_at = |parity: usize| {
        sample
            .iter()
            .skip(parity)
            .step_by(2)
            .filter(|b| **b == 0)
            .count()
    };
    let (even, odd) = (zeros_at(0), zeros_at(1));
    let mostly = |n: usize| n * 10 >= pairs * 3;
    let hardly = |n: usize| n * 20 <= pairs;
    if mostly(even) && hardly(odd) {
        Some(UTF_16BE)
    } else if mostly(odd) && hardly(even) {
        Some(UTF_16LE)
    } else {
        None
    }
}

/// A CSV file's separator, and how many bytes of the text to skip before the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Separator {
    pub byte: u8,
    /// True when the file names it on a `sep=` first line (Excel's hint), which is then
    /// not part of the data.
    pub from_sep_line: bool,
    /// The length of the `sep=` line with its line break, 0 without one.
    pub skip: usize,
}

/// The separators Candor recognises without asking.
pub const SEPARATOR_CANDIDATES: &[u8] = b",;\t|";

/// How many records are compared to choose a separator.
const SNIFF_RECORDS: usize = 20;

/// The separator of a CSV text: the one a `sep=X` first line names, else the candidate
/// (comma, semicolon, tab, bar) that gives the header more than one column and the most
/// following records the same number of columns, separators inside quotes ignored.
pub fn detect_separator(text: &str) -> Separator {
    let first_line_end = text.find('\n').map_or(text.len(), |i| i + 1);
    let first = text[..first_line_end].trim_end_matches(['\r', '\n']);
    if let Some(rest) = first
        .get(..4)
        .filter(|p| p.eq_ignore_ascii_case("sep="))
        .map(|_| &first[4..])
        && rest.len() == 1
        && rest.is_ascii()
    {
        return Separator {
            byte: rest.as_bytes()[0],
            from_sep_line: true,
            skip: first_line_end,
        };
    }
    let mut best = (b',', (0usize, 0usize));
    for &candidate in SEPARATOR_CANDIDATES {
        let counts = field_counts(text.as_bytes(), candidate, SNIFF_RECORDS);
        let Some((&header, rest)) = counts.split_first() else {
            continue;
        };
        if header < 2 {
            continue;
        }
        let consistent = 1 + rest.iter().filter(|n| **n == header).count();
        let score = (consistent, header);
        if score > best.1 {
            best = (candidate, score);
        }
    }
    Separator {
        byte: best.0,
        from_sep_line: false,
        skip: 0,
    }
}

/// The number of fields of the text's first record (its header), quotes respected.
pub fn first_record_fields(text: &str, separator: u8) -> usize {
    field_counts(text.as_bytes(), separator, 1)
        .first()
        .copied()
        .unwrap_or(0)
}

/// The number of fields of each of the first `limit` non-empty records, quotes respected.
fn field_counts(bytes: &[u8], separator: u8, limit: usize) -> Vec<usize> {
    let mut counts = Vec::new();
    let mut fields = 1usize;
    let mut in_quotes = false;
    let mut at_field_start = true;
    let mut record_has_text = false;
    // A quote right after a closing quote is an escaped quote: the field goes on.
    let mut just_closed = false;
    for (i, &b) in bytes.iter().enumerate() {
        if counts.len() >= limit {
            break;
        }
        let b = if b == b'\r' && is_line_end(bytes, i, b) {
            b'\n'
        } else {
            b
        };
        if in_quotes {
            if b == b'"' {
                in_quotes = false;
                just_closed = true;
            }
            continue;
        }
        let reopens = std::mem::take(&mut just_closed) && b == b'"';
        match b {
            b'"' if at_field_start || reopens => {
                in_quotes = true;
                at_field_start = false;
                record_has_text = true;
            }
            b'\n' => {
                if record_has_text {
                    counts.push(fields);
                }
                fields = 1;
                at_field_start = true;
                record_has_text = false;
            }
            b'\r' => {}
            _ if b == separator => {
                fields += 1;
                at_field_start = true;
                record_has_text = true;
            }
            _ => {
                at_field_start = false;
                record_has_text = true;
            }
        }
    }
    if record_has_text && counts.len() < limit {
        counts.push(fields);
    }
    counts
}

/// True when `prefix`, the start of a longer text, holds every record that
/// [`detect_separator`] and [`first_record_fields`] look at, so they find in it what they
/// would find in the whole text.
pub fn sniffs_alike(prefix: &str) -> bool {
    SEPARATOR_CANDIDATES
        .iter()
        .all(|&c| field_counts(prefix.as_bytes(), c, SNIFF_RECORDS + 1).len() > SNIFF_RECORDS)
}

/// True when byte `b` at `i` ends a line: LF, or CR not followed by LF.
pub fn is_line_end(bytes: &[u8], i: usize, b: u8) -> bool {
    b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
}

/// Where a quoted field opens that never closes properly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunawayQuote {
    /// The line of the opening quote, counting from 1 within the scanned text.
    pub line: usize,
    /// The line where the record holding that quote starts.
    pub record_line: usize,
    /// The byte offset where that record starts.
    pub record_start: usize,
}

/// Finds a quoted field that swallows the rows after it: one still open at the end of the
/// text, or one whose content holds at least two lines that each look like a whole row of
/// `columns` fields. The `csv` crate would silently read either as one long cell.
pub fn find_runaway_quote(text: &str, separator: u8, columns: usize) -> Option<RunawayQuote> {
    let mut scanner = RunawayScanner::new(separator, columns);
    scanner
        .push_bytes(0, text.as_bytes(), None)
        .or_else(|| scanner.finish())
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum QuoteState {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

/// [`find_runaway_quote`] a byte at a time, so a file too large to hold can be checked as
/// it is read: feed every byte with the one after it, then ask [`RunawayScanner::finish`].
#[derive(Debug, Clone)]
pub struct RunawayScanner {
    separator: u8,
    columns: usize,
    state: QuoteState,
    line: usize,
    record: (usize, usize),
    opened: RunawayQuote,
    // Inside a quoted field: separators on the current line, and inner lines that looked
    // like whole rows.
    separators_on_line: usize,
    row_like_lines: usize,
}

impl RunawayScanner {
    /// A scanner for text separated by `separator` whose header has `columns` fields.
    pub fn new(separator: u8, columns: usize) -> Self {
        Self {
            separator,
            columns,
            state: QuoteState::FieldStart,
            line: 1,
            record: (1, 0),
            opened: RunawayQuote {
                line: 1,
                record_line: 1,
                record_start: 0,
            },
            separators_on_line: 0,
            row_like_lines: 0,
        }
    }

    /// Reads byte `b` at offset `i`, followed by `next` (`None` at the end of the text).
    /// Returns the runaway quote as soon as one is certain.
    pub fn push(&mut self, i: usize, b: u8, next: Option<u8>) -> Option<RunawayQuote> {
        // Two-column files are left to the end-of-text check: an address with a comma on
        // each of its lines would look like rows.
        let columns = self.columns;
        let row_like = |separators: usize| columns >= 3 && separators + 1 >= columns;
        // Lines end at LF or at a CR alone; the CR of a CRLF is skipped.
        let b = match b {
            b'\r' if next != Some(b'\n') => b'\n',
            other => other,
        };
        let separator = self.separator;
        match self.state {
            QuoteState::FieldStart | QuoteState::Unquoted => match b {
                b'"' if self.state == QuoteState::FieldStart => {
                    self.state = QuoteState::Quoted;
                    self.opened = RunawayQuote {
                        line: self.line,
                        record_line: self.record.0,
                        record_start: self.record.1,
                    };
                    self.separators_on_line = 0;
                    self.row_like_lines = 0;
                }
                b'\n' => {
                    self.line += 1;
                    self.record = (self.line, i + 1);
                    self.state = QuoteState::FieldStart;
                }
                b'\r' => {}
                _ if b == separator => self.state = QuoteState::FieldStart,
                _ => self.state = QuoteState::Unquoted,
            },
            QuoteState::Quoted => match b {
                b'"' => self.state = QuoteState::QuoteInQuoted,
                b'\n' => {
                    if row_like(self.separators_on_line) {
                        self.row_like_lines += 1;
                    }
                    self.separators_on_line = 0;
                    self.line += 1;
                }
                _ if b == separator => self.separators_on_line += 1,
                _ => {}
            },
            QuoteState::QuoteInQuoted => {
                if b != b'"' && self.row_like_lines >= 2 {
                    return Some(self.opened);
                }
                match b {
                    b'"' => self.state = QuoteState::Quoted,
                    b'\n' => {
                        self.line += 1;
                        self.record = (self.line, i + 1);
                        self.state = QuoteState::FieldStart;
                    }
                    b'\r' => {}
                    _ if b == separator => self.state = QuoteState::FieldStart,
                    _ => self.state = QuoteState::Unquoted,
                }
            }
        }
        None
    }

    /// [`Self::push`] of each byte of `bytes`, the first at offset `offset`; `after` is the
    /// byte after the last (`None` at the end of the text).
    ///
    /// Inside a field, only a quote, a line end or the separator can change anything: the
    /// bytes between them are skipped (most of a file: a timeline of 175 MB has some 30
    /// million of those).
    pub fn push_bytes(
        &mut self,
        offset: usize,
        bytes: &[u8],
        after: Option<u8>,
    ) -> Option<RunawayQuote> {
        let separator = self.separator;
        let matters = |b: u8| b == b'"' || b == b'\n' || b == b'\r' || b == separator;
        let mut i = 0;
        while i < bytes.len() {
            let next = bytes.get(i + 1).copied().or(after);
            if let Some(found) = self.push(offset + i, bytes[i], next) {
                return Some(found);
            }
            i += 1;
            if matches!(self.state, QuoteState::Unquoted | QuoteState::Quoted) {
                while i < bytes.len() && !matters(bytes[i]) {
                    i += 1;
                }
            }
        }
        None
    }

    /// The runaway quote still open at the end of the text, if any.
    pub fn finish(&self) -> Option<RunawayQuote> {
        match self.state {
            QuoteState::Quoted => Some(self.opened),
            QuoteState::QuoteInQuoted if self.row_like_lines >= 2 => Some(self.opened),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_order_marks_utf8_and_legacy_code_pages_are_told_apart() {
        let utf8 = decode("\u{feff}Zoë".as_bytes(), None);
        assert_eq!((utf8.text.as_str(), utf8.encoding), ("Zoë", UTF_8));
        assert_eq!(utf8.how_detected, Detection::ByteOrderMark);

        let mut with_bom = vec![0xFF, 0xFE];
        with_bom.extend(
            "Name,Email\r\nZoë Müller,zoe@example.com\r\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        );
        let decoded = decode(&with_bom, None);
        assert_eq!(decoded.encoding, UTF_16LE);
        assert!(decoded.text.starts_with("Name,Email\r\nZoë Müller"));

        let be: Vec<u8> = "Name,Email\r\nZoë Müller,zoe@example.com\r\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        let decoded = decode(&be, None);
        assert_eq!(
            (decoded.encoding, decoded.how_detected),
            (UTF_16BE, Detection::ZeroBytePattern)
        );
        assert!(decoded.text.contains("Zoë Müller"));

        let plain = decode("Zoë".as_bytes(), None);
        assert_eq!(plain.how_detected, Detection::ValidUtf8);

        let cp1252 = decode(
            b"Name,Company\r\nZo\xEB M\xFCller,Caf\xE9 Cr\xE8me\r\nFran\xE7ois,\xC9l\xE9gance\r\n",
            None,
        );
        assert_eq!(cp1252.encoding, encoding_rs::WINDOWS_1252);
        assert_eq!(cp1252.how_detected, Detection::Guessed);
        assert!(cp1252.text.contains("Zoë Müller,Café Crème"));
        assert_eq!(cp1252.undecodable, 0);
    }

    #[test]
    fn owned_bytes_decode_as_borrowed_ones_do() {
        for bytes in [
            "\u{feff}Zoë,x".as_bytes().to_vec(),
            b"Zo\xEB M\xFCller,Caf\xE9".to_vec(),
            b"Zo\xEB".to_vec(),
        ] {
            for chosen in [None, Some(UTF_8), Some(encoding_rs::WINDOWS_1252)] {
                let mut via_slice = decode(&bytes, chosen);
                let via_vec = decode_owned(bytes.clone(), chosen);
                if chosen == Some(UTF_8) && bytes.starts_with(crate::io::UTF8_BOM) {
                    via_slice.text = via_slice.text.trim_start_matches('\u{feff}').to_owned();
                }
                assert_eq!(via_vec, via_slice, "{bytes:?} {chosen:?}");
            }
        }
    }

    #[test]
    fn bytes_the_chosen_encoding_cannot_read_are_counted() {
        let decoded = decode(b"Zo\xEB \xFF\xFE", Some(UTF_8));
        assert_eq!(decoded.how_detected, Detection::Chosen);
        assert_eq!(decoded.undecodable, 3);
        assert_eq!(decode("a\u{fffd}b".as_bytes(), None).undecodable, 0);
    }

    #[test]
    fn separators_are_found_without_asking() {
        let sep = detect_separator("sep=;\r\nName;Company\r\nAda;Engines, Ltd\r\n");
        assert_eq!((sep.byte, sep.from_sep_line, sep.skip), (b';', true, 7));
        assert_eq!(detect_separator("Name;Company\nAda;\"a;b\"\n").byte, b';');
        assert_eq!(detect_separator("Name\tCompany\nAda\tX, Y\n").byte, b'\t');
        assert_eq!(detect_separator("Name,Company\nAda,X; Y\n").byte, b',');
        assert_eq!(detect_separator("Name|Company\nAda|X\n").byte, b'|');
        // A comma in every name does not outvote the semicolons that split the columns.
        assert_eq!(
            detect_separator("Name;Phone\n\"Weber, Jörg\";1\n\"Lee, Kim\";2\n").byte,
            b';'
        );
        assert_eq!(detect_separator("Name\nAda\n").byte, b',');
        assert_eq!(
            detect_separator("Name;Company\rAda;X, Y\rBo;Z, W\r").byte,
            b';'
        );
    }

    #[test]
    fn a_quote_that_never_closes_is_found_on_its_line() {
        let text = "Name,Email\nAda,a@x\n\"Bob,b@x\nCy,c@x\nDi,d@x\n";
        let found = find_runaway_quote(text, b',', 2).unwrap();
        assert_eq!((found.line, found.record_line), (3, 3));
        assert_eq!(&text[found.record_start..found.record_start + 4], "\"Bob");
        // Old Mac line ends count as lines too.
        let mac = "Name,Email\rAda,a@x\r\"Bob,b@x\rCy,c@x\r";
        assert_eq!(find_runaway_quote(mac, b',', 2).unwrap().line, 3);
        // Notes over several lines are fine.
        let notes = "Name,Notes\nAda,\"line one\nline two\"\nBob,x\n";
        assert_eq!(find_runaway_quote(notes, b',', 2), None);
        // A stray quote closed by a later one still swallows the rows between.
        let closed = "Name,Email,Phone\n\"Ada,a@x,1\nBo,b@x,2\nCy,c@x,3\nDi,\"d@x\",4\n";
        assert_eq!(find_runaway_quote(closed, b',', 3).unwrap().line, 2);
        // A quote inside an unquoted field is a plain character.
        assert_eq!(find_runaway_quote("Name\nO\"Brien\n", b',', 1), None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// The bytes skipped inside fields change nothing: the scanner fed in pieces (as
        /// the import's first pass reads a file) finds what it finds a byte at a time.
        #[test]
        fn pieces_skipping_inside_fields_find_what_single_bytes_find(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "a", "bc", ",", ";", "\"", "\"\"", "\n", "\r", "\r\n", "é", " ",
                ]),
                0..120,
            ),
            separator in proptest::sample::select(vec![b',', b';']),
            columns in 1usize..5,
            cuts in proptest::collection::vec(0usize..400, 0..4),
        ) {
            let bytes = pieces.concat().into_bytes();
            let mut one_at_a_time = RunawayScanner::new(separator, columns);
            let expected = bytes
                .iter()
                .enumerate()
                .find_map(|(i, &b)| one_at_a_time.push(i, b, bytes.get(i + 1).copied()))
                .or_else(|| one_at_a_time.finish());

            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
            cuts.push(0);
            cuts.push(bytes.len());
            cuts.sort_unstable();
            let mut in_pieces = RunawayScanner::new(separator, columns);
            let found = cuts
                .windows(2)
                .find_map(|w| {
                    in_pieces.push_bytes(w[0], &bytes[w[0]..w[1]], bytes.get(w[1]).copied())
                })
                .or_else(|| in_pieces.finish());
            proptest::prop_assert_eq!(found, expected);
            let text = String::from_utf8(bytes).expect("pieces are UTF-8");
            proptest::prop_assert_eq!(find_runaway_quote(&text, separator, columns), expected);
        }
    }
}
