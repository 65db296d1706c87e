//! Turning a file's bytes into UTF-8 text: byte-order marks, UTF-16 (the
//! default of Windows PowerShell's `Export-Csv` and `Out-File`), and a
//! Windows-1252 fallback for files that are not valid UTF-8.

/// The text encoding a file was read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    /// Not valid UTF-8; read as Windows-1252 (what Excel writes on Western systems).
    Windows1252,
}

impl Encoding {
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 with BOM",
            Encoding::Utf16Le => "UTF-16LE",
            Encoding::Utf16Be => "UTF-16BE",
            Encoding::Windows1252 => "Windows-1252 (not valid UTF-8)",
        }
    }
}

/// A file's text after decoding.
#[derive(Debug)]
pub struct Decoded {
    pub text: String,
    pub encoding: Encoding,
    /// Code units that could not be decoded and became U+FFFD.
    pub replaced: usize,
}

/// Decode a file's bytes. Never fails: undecodable units become U+FFFD and
/// are counted, so one bad byte cannot lose a file.
pub fn decode(bytes: &[u8]) -> Decoded {
    decode_owned(bytes.to_vec())
}

/// Like `decode`, but UTF-8 input (the common case) becomes the text without
/// a copy: a 200 MB export must not need 400 MB to load.
pub fn decode_owned(mut bytes: Vec<u8>) -> Decoded {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
        return utf8_in_place(bytes, Encoding::Utf8Bom);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return decode_utf16(rest, u16::from_le_bytes, Encoding::Utf16Le);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return decode_utf16(rest, u16::from_be_bytes, Encoding::Utf16Be);
    }
    match looks_like_utf16_without_bom(&bytes) {
        Some(Encoding::Utf16Le) => decode_utf16(&bytes, u16::from_le_bytes, Encoding::Utf16Le),
        Some(Encoding::Utf16Be) => decode_utf16(&bytes, u16::from_be_bytes, Encoding::Utf16Be),
        _ => utf8_in_place(bytes, Encoding::Utf8),
    }
}

fn utf8_in_place(bytes: Vec<u8>, encoding: Encoding) -> Decoded {
    match String::from_utf8(bytes) {
        Ok(text) => Decoded { text, encoding, replaced: 0 },
        // Only the last character is cut off (a truncated file): still UTF-8.
        Err(e) if e.utf8_error().error_len().is_none() => {
            let valid = e.utf8_error().valid_up_to();
            let mut bytes = e.into_bytes();
            bytes.truncate(valid);
            let mut text = String::from_utf8(bytes).unwrap_or_default();
            text.push(char::REPLACEMENT_CHARACTER);
            Decoded { text, encoding, replaced: 1 }
        }
        Err(e) => Decoded { text: e.as_bytes().iter().map(|&b| windows_1252_char(b)).collect(), encoding: Encoding::Windows1252, replaced: 0 },
    }
}

fn decode_utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16, encoding: Encoding) -> Decoded {
    let units = bytes.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    let mut replaced = usize::from(bytes.len() % 2 == 1);
    let mut text = String::with_capacity(bytes.len() / 2);
    for decoded in char::decode_utf16(units) {
        match decoded {
            Ok(c) => text.push(c),
            Err(_) => {
                replaced += 1;
                text.push(char::REPLACEMENT_CHARACTER);
            }
        }
    }
    Decoded { text, encoding, replaced }
}

/// The encoding of a file from its first bytes, and the length of its
/// byte-order mark. A UTF-8 sequence cut at the end of `head` does not
/// count against UTF-8, whether more is to come or the file was cut off
/// there (`_complete`). The same rules as `decode_owned`, for a file read
/// piece by piece.
pub fn sniff_encoding(head: &[u8], _complete: bool) -> (Encoding, usize) {
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return (Encoding::Utf8Bom, 3);
    }
    if head.starts_with(&[0xFF, 0xFE]) {
        return (Encoding::Utf16Le, 2);
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return (Encoding::Utf16Be, 2);
    }
    if let Some(utf16) = looks_like_utf16_without_bom(head) {
        return (utf16, 0);
    }
    match std::str::from_utf8(head) {
        Ok(_) => (Encoding::Utf8, 0),
        // Valid UTF-8 up to a character cut off at the end of what was read
        // (more to come, or a file that was truncated): still UTF-8.
        Err(e) if e.error_len().is_none() => (Encoding::Utf8, 0),
        Err(_) => (Encoding::Windows1252, 0),
    }
}

/// ASCII-heavy text in UTF-16 has a zero byte in every other position.
fn looks_like_utf16_without_bom(bytes: &[u8]) -> Option<Encoding> {
    let sample = &bytes[..bytes.len().min(4096) & !1];
    if sample.len() < 4 {
        return None;
    }
    let pairs = sample.len() / 2;
    let zero_odd = sample.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    let zero_even = sample.iter().step_by(2).filter(|&&b| b == 0).count();
    if zero_odd * 10 >= pairs * 7 && zero_even * 10 < pairs {
        Some(Encoding::Utf16Le)
    } else if zero_even * 10 >= pairs * 7 && zero_odd * 10 < pairs {
        Some(Encoding::Utf16Be)
    } else {
        None
    }
}

/// Windows-1252 differs from Latin-1 only in 0x80..=0x9F.
pub(crate) fn windows_1252_char(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}', '\u{90}', '‘', '’', '“',
        '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9F => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(s: &str, bom: bool) -> Vec<u8> {
        let mut out = if bom { vec![0xFF, 0xFE] } else { vec![] };
        for unit in s.encode_utf16() {
            out.extend_from_slice(&unit.to_le_bytes());
        }
        out
    }

    #[test]
    fn strips_utf8_bom() {
        let d = decode(b"\xEF\xBB\xBFa,b\n");
        assert_eq!(d.text, "a,b\n");
        assert_eq!(d.encoding, Encoding::Utf8Bom);
    }

    #[test]
    fn reads_utf16le_with_and_without_bom() {
        for bom in [true, false] {
            let d = decode(&utf16le("CreationDate,UserIds\r\nÄ,b\r\n", bom));
            assert_eq!(d.text, "CreationDate,UserIds\r\nÄ,b\r\n");
            assert_eq!(d.encoding, Encoding::Utf16Le);
        }
    }

    #[test]
    fn falls_back_to_windows_1252() {
        let d = decode(b"caf\xE9 \x80");
        assert_eq!(d.text, "café €");
        assert_eq!(d.encoding, Encoding::Windows1252);
    }

    #[test]
    fn counts_lone_surrogates() {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend_from_slice(&0xD800u16.to_le_bytes());
        bytes.extend_from_slice(&u16::from(b'a').to_le_bytes());
        let d = decode(&bytes);
        assert_eq!(d.replaced, 1);
        assert!(d.text.ends_with('a'));
    }
}
