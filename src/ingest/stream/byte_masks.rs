//! Where the bytes CSV reading stops at lie in 64 bytes of text, as bit
//! masks (bit k for byte k), so a scan can step from one to the next with
//! a shift and a count of trailing zeros.
//!
//! JSON held in a CSV field (`AuditData`) has a quote every few bytes:
//! looking for each one on its own (`memchr`, or eight bytes at a time)
//! pays a set-up per quote. On x86_64 the masks take SSE2 (part of every
//! x86_64 CPU, so nothing to detect at run time): sixteen bytes compared
//! per instruction, a block's masks once per 64 bytes. Other targets (the
//! browser's wasm) keep the byte-at-a-time scans that work well there; the
//! portable masks below are what the tests hold the SSE2 ones to.

/// Bytes in a block: one bit each in a `u64`.
pub(super) const BLOCK: usize = 64;

/// The stopping bytes of one block of text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Masks {
    /// Bytes that are `"`.
    pub quotes: u64,
    /// Bytes that are `"`, `\n` or `\r`: what matters outside quotes.
    pub specials: u64,
}

/// Masks of `bytes[at..at + 64]`; past the end of `bytes` no bit is set.
#[inline]
pub(super) fn masks_at(bytes: &[u8], at: usize) -> Masks {
    let rest = bytes.get(at..).unwrap_or_default();
    match rest.first_chunk::<BLOCK>() {
        Some(block) => masks(block),
        None => {
            // The last, short block: zero bytes stop nothing.
            let mut padded = [0u8; BLOCK];
            padded[..rest.len()].copy_from_slice(rest);
            masks(&padded)
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn masks(block: &[u8; BLOCK]) -> Masks {
    use std::arch::x86_64::{__m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8};
    let mut out = Masks { quotes: 0, specials: 0 };
    // SAFETY: the intrinsics need SSE2, which every x86_64 CPU has (it is
    // on in the x86_64 targets' baseline; Rust still asks for `unsafe` to
    // call them from a function without `#[target_feature]`).
    // `_mm_loadu_si128` reads 16 bytes from the pointer with no alignment
    // needed, and each `sixteen` is exactly 16 bytes (`chunks_exact`).
    unsafe {
        let quote = _mm_set1_epi8(b'"' as i8);
        let newline = _mm_set1_epi8(b'\n' as i8);
        let carriage = _mm_set1_epi8(b'\r' as i8);
        for (k, sixteen) in block.chunks_exact(16).enumerate() {
            let v = _mm_loadu_si128(sixteen.as_ptr().cast::<__m128i>());
            let q = _mm_cmpeq_epi8(v, quote);
            let s = _mm_or_si128(q, _mm_or_si128(_mm_cmpeq_epi8(v, newline), _mm_cmpeq_epi8(v, carriage)));
            out.quotes |= u64::from(_mm_movemask_epi8(q) as u16) << (16 * k);
            out.specials |= u64::from(_mm_movemask_epi8(s) as u16) << (16 * k);
        }
    }
    out
}

#[cfg(any(test, not(target_arch = "x86_64")))]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
#[inline]
fn portable_masks(block: &[u8; BLOCK]) -> Masks {
    let mut out = Masks { quotes: 0, specials: 0 };
    for (k, &b) in block.iter().enumerate() {
        out.quotes |= u64::from(b == b'"') << k;
        out.specials |= u64::from(matches!(b, b'"' | b'\n' | b'\r')) << k;
    }
    out
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn masks(block: &[u8; BLOCK]) -> Masks {
    portable_masks(block)
}

/// Finds quotes one after another in one text, reusing a block's mask
/// while the positions asked for stay inside it.
#[derive(Clone, Copy, Debug)]
pub(super) struct QuoteFinder {
    /// Start of the block `quotes` describes.
    #[cfg(target_arch = "x86_64")]
    at: usize,
    #[cfg(target_arch = "x86_64")]
    quotes: u64,
}

impl Default for QuoteFinder {
    fn default() -> Self {
        // No block yet: the first call computes one.
        QuoteFinder {
            #[cfg(target_arch = "x86_64")]
            at: usize::MAX,
            #[cfg(target_arch = "x86_64")]
            quotes: 0,
        }
    }
}

impl QuoteFinder {
    /// The first `"` in `bytes` at or after `from`. Always the same
    /// `bytes` for one finder.
    #[cfg(target_arch = "x86_64")]
    #[inline]
    pub fn next(&mut self, bytes: &[u8], mut from: usize) -> Option<usize> {
        loop {
            if from < self.at || from - self.at >= BLOCK {
                if from >= bytes.len() {
                    return None;
                }
                self.at = from;
                self.quotes = masks_at(bytes, from).quotes;
            }
            let ahead = self.quotes >> (from - self.at);
            if ahead != 0 {
                return Some(from + ahead.trailing_zeros() as usize);
            }
            from = self.at + BLOCK;
        }
    }

    /// Without SSE2, a mask costs a step per byte: the quote is looked for
    /// eight bytes at a time instead.
    #[cfg(not(target_arch = "x86_64"))]
    #[inline]
    pub fn next(&mut self, bytes: &[u8], from: usize) -> Option<usize> {
        super::csv_bounds::next_quote(bytes, from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_match_the_portable_ones() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..2_000 {
            let mut block = [0u8; BLOCK];
            for b in &mut block {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                // Mostly the stopping bytes and their neighbours, some of anything.
                *b = match state % 8 {
                    0 => b'"',
                    1 => b'\n',
                    2 => b'\r',
                    3 => b'"' ^ 0x80,
                    4 => b'\n' + 1,
                    _ => (state >> 8) as u8,
                };
            }
            assert_eq!(masks(&block), portable_masks(&block));
        }
    }

    #[test]
    fn short_last_block_is_padded_with_nothing() {
        let text = b"a\"\n\r";
        assert_eq!(masks_at(text, 0), Masks { quotes: 0b10, specials: 0b1110 });
        assert_eq!(masks_at(text, 2), Masks { quotes: 0, specials: 0b11 });
        assert_eq!(masks_at(text, 4), Masks { quotes: 0, specials: 0 });
        assert_eq!(masks_at(text, 9), Masks { quotes: 0, specials: 0 });
    }

    #[test]
    fn quote_finder_finds_every_quote_in_any_order_of_asking() {
        let mut text = Vec::new();
        for i in 0..300usize {
            text.push(if i % 7 == 0 || i % 61 == 3 || (130..140).contains(&i) { b'"' } else { b'x' });
        }
        let want = |from: usize| text.iter().skip(from).position(|&b| b == b'"').map(|p| from + p);
        let mut finder = QuoteFinder::default();
        for from in 0..=text.len() + 2 {
            assert_eq!(finder.next(&text, from), want(from), "{from}");
        }
        let mut finder = QuoteFinder::default();
        for from in (0..=text.len()).rev() {
            assert_eq!(finder.next(&text, from), want(from), "{from}");
        }
        assert_eq!(QuoteFinder::default().next(b"", 0), None);
    }
}
