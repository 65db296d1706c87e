//! Decoding a file to UTF-8 piece by piece, as its bytes arrive.
//!
//! The encoding is decided once, from the first bytes (see `text::sniff`);
//! afterwards every piece is decoded on its own, carrying across pieces
//! the few bytes that a piece boundary can cut: an unfinished UTF-8
//! sequence, the odd byte of a UTF-16 code unit, a high surrogate waiting
//! for its pair.
//!
//! Offsets stay exact: a record's place in the original file is computed
//! from its decoded text with `original_len`, so for UTF-8 input, bytes that
//! turn out not to be UTF-8 after the encoding was decided become one `?`
//! each (one byte for one byte) rather than a U+FFFD of three.

use crate::ingest::text::Encoding;

/// Turns a file's bytes into UTF-8 text, one piece at a time.
#[derive(Debug)]
pub struct StreamDecoder {
    encoding: Encoding,
    /// Bytes of an unfinished character from the previous piece.
    carry: Vec<u8>,
    /// A UTF-16 high surrogate waiting for its low half.
    high_surrogate: Option<u16>,
    /// Units or bytes that could not be decoded.
    pub replaced: u64,
    /// Original offset of the first byte not yet seen by `decode`.
    pub consumed: u64,
}

impl StreamDecoder {
    /// `skip` is the length of a byte-order mark the caller has already
    /// dropped from the first piece.
    pub fn new(encoding: Encoding, skip: u64) -> StreamDecoder {
        StreamDecoder { encoding, carry: Vec::new(), high_surrogate: None, replaced: 0, consumed: skip }
    }

    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// Decode the next piece, appending its text to `out`. Returns the
    /// original offset where the appended text begins (bytes carried from
    /// the previous piece count as this piece's).
    pub fn decode(&mut self, piece: &[u8], out: &mut String) -> u64 {
        let start = self.consumed - self.carry.len() as u64;
        self.consumed += piece.len() as u64;
        match self.encoding {
            Encoding::Utf8 | Encoding::Utf8Bom => self.utf8(piece, out),
            Encoding::Utf16Le => self.utf16(piece, u16::from_le_bytes, out),
            Encoding::Utf16Be => self.utf16(piece, u16::from_be_bytes, out),
            Encoding::Windows1252 => out.extend(piece.iter().map(|&b| super::super::text::windows_1252_char(b))),
        }
        start
    }

    /// The end of the file: whatever is still carried is an unfinished
    /// character and becomes U+FFFD (`?` for UTF-8, keeping offsets).
    pub fn finish(&mut self, out: &mut String) {
        if self.high_surrogate.take().is_some() {
            self.replaced += 1;
            out.push(char::REPLACEMENT_CHARACTER);
        }
        if !self.carry.is_empty() {
            let n = self.carry.len();
            self.carry.clear();
            self.replaced += n as u64;
            match self.encoding {
                Encoding::Utf16Le | Encoding::Utf16Be => out.push(char::REPLACEMENT_CHARACTER),
                _ => out.extend(std::iter::repeat_n('?', n)),
            }
        }
    }

    fn utf8(&mut self, piece: &[u8], out: &mut String) {
        let joined;
        let mut bytes = piece;
        if !self.carry.is_empty() {
            let mut v = std::mem::take(&mut self.carry);
            v.extend_from_slice(piece);
            joined = v;
            bytes = &joined;
        }
        loop {
            match std::str::from_utf8(bytes) {
                Ok(text) => {
                    out.push_str(text);
                    return;
                }
                Err(e) => {
                    let good = e.valid_up_to();
                    // Safe: from_utf8 vouched for the first `good` bytes.
                    out.push_str(std::str::from_utf8(&bytes[..good]).unwrap_or_default());
                    match e.error_len() {
                        None => {
                            // Cut by the piece boundary: finish it with the next piece.
                            self.carry.extend_from_slice(&bytes[good..]);
                            return;
                        }
                        Some(bad) => {
                            self.replaced += bad as u64;
                            out.extend(std::iter::repeat_n('?', bad));
                            bytes = &bytes[good + bad..];
                        }
                    }
                }
            }
        }
    }

    fn utf16(&mut self, piece: &[u8], unit: fn([u8; 2]) -> u16, out: &mut String) {
        let mut pending = std::mem::take(&mut self.carry);
        let mut units = Vec::with_capacity(piece.len() / 2 + 1);
        let mut rest = piece;
        if pending.len() == 1 && !rest.is_empty() {
            pending.push(rest[0]);
            rest = &rest[1..];
            units.push(unit([pending[0], pending[1]]));
            pending.clear();
        }
        let mut pairs = rest.chunks_exact(2);
        units.extend(pairs.by_ref().map(|p| unit([p[0], p[1]])));
        self.carry = pairs.remainder().to_vec();
        out.reserve(units.len());
        for u in units {
            match (self.high_surrogate.take(), u) {
                (None, 0xD800..=0xDBFF) => self.high_surrogate = Some(u),
                (None, 0xDC00..=0xDFFF) => self.bad(out),
                (None, _) => out.push(char::from_u32(u32::from(u)).unwrap_or(char::REPLACEMENT_CHARACTER)),
                (Some(high), 0xDC00..=0xDFFF) => {
                    let c = 0x10000 + ((u32::from(high) - 0xD800) << 10) + (u32::from(u) - 0xDC00);
                    out.push(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
                }
                (Some(_), 0xD800..=0xDBFF) => {
                    self.bad(out);
                    self.high_surrogate = Some(u);
                }
                (Some(_), _) => {
                    self.bad(out);
                    out.push(char::from_u32(u32::from(u)).unwrap_or(char::REPLACEMENT_CHARACTER));
                }
            }
        }
    }

    fn bad(&mut self, out: &mut String) {
        self.replaced += 1;
        out.push(char::REPLACEMENT_CHARACTER);
    }
}

/// How many bytes of the original file `text` (decoded by this encoding)
/// came from. Exact for everything `StreamDecoder` produces.
pub fn original_len(encoding: Encoding, text: &str) -> u64 {
    match encoding {
        Encoding::Utf8 | Encoding::Utf8Bom => text.len() as u64,
        // One unit per BMP char and per U+FFFD, two per supplementary char.
        Encoding::Utf16Le | Encoding::Utf16Be => 2 * text.chars().map(|c| c.len_utf16() as u64).sum::<u64>(),
        Encoding::Windows1252 => text.chars().count() as u64,
    }
}

/// Decode a record's original bytes on their own (for reading back).
pub fn decode_record(encoding: Encoding, bytes: &[u8]) -> String {
    let mut decoder = StreamDecoder::new(encoding, 0);
    let mut out = String::with_capacity(bytes.len());
    decoder.decode(bytes, &mut out);
    decoder.finish(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_in_pieces(encoding: Encoding, bytes: &[u8], cut: usize) -> String {
        let mut d = StreamDecoder::new(encoding, 0);
        let mut out = String::new();
        d.decode(&bytes[..cut], &mut out);
        d.decode(&bytes[cut..], &mut out);
        d.finish(&mut out);
        out
    }

    #[test]
    fn a_cut_anywhere_decodes_the_same() {
        let text = "Zoë → 𝄞 café\r\n";
        let mut le = Vec::new();
        let mut be = Vec::new();
        for u in text.encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
            be.extend_from_slice(&u.to_be_bytes());
        }
        for cut in 0..=text.len() {
            assert_eq!(decode_in_pieces(Encoding::Utf8, text.as_bytes(), cut), text, "utf-8 cut at {cut}");
        }
        for cut in 0..=le.len() {
            assert_eq!(decode_in_pieces(Encoding::Utf16Le, &le, cut), text, "utf-16le cut at {cut}");
            assert_eq!(decode_in_pieces(Encoding::Utf16Be, &be, cut), text, "utf-16be cut at {cut}");
        }
        assert_eq!(original_len(Encoding::Utf16Le, text), le.len() as u64);
    }

    #[test]
    fn stray_bytes_keep_offsets() {
        let bytes = b"ab\xFFcd\xE2\x82";
        let mut d = StreamDecoder::new(Encoding::Utf8, 0);
        let mut out = String::new();
        d.decode(bytes, &mut out);
        d.finish(&mut out);
        assert_eq!(out, "ab?cd??");
        assert_eq!(original_len(Encoding::Utf8, &out), bytes.len() as u64);
        assert_eq!(d.replaced, 3);
        let w = decode_record(Encoding::Windows1252, b"caf\xE9 \x80");
        assert_eq!(w, "café €");
        assert_eq!(original_len(Encoding::Windows1252, &w), 6);
    }

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        let units: [u16; 4] = [0x61, 0xD800, 0x62, 0xDC00];
        let bytes: Vec<u8> = units.iter().flat_map(|u| u.to_le_bytes()).collect();
        let out = decode_record(Encoding::Utf16Le, &bytes);
        assert_eq!(out, "a\u{FFFD}b\u{FFFD}");
        assert_eq!(original_len(Encoding::Utf16Le, &out), bytes.len() as u64);
    }
}
