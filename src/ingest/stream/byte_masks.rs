//! Where the bytes CSV reading stops at lie in 64 bytes of text, as bit
//! masks (bit k for byte k), so a scan can step from one to the next with
//! a shift and a count of trailing zeros.
//!
//! JSON held in a CSV field (`AuditData`) has a quote every few bytes:
//! looking for each one on its own (`memchr`, or eight bytes at a time)
//! pays a set-up per quote. The masks compare sixteen bytes per
//! instruction, a block's masks once per 64 bytes: SSE2 on x86_64 (part of
//! every x86_64 CPU, so nothing to detect at run time) and SIMD128 in the
//! browser's wasm (the web build turns it on, `.cargo/config.toml`). Other
//! targets keep the scans that jump from one byte to the next; the
//! portable masks below are what the checks hold the vector ones to.

/// Bytes in a block: one bit each in a `u64`.
pub(super) const BLOCK: usize = 64;

/// Whether `masks` compares sixteen bytes at a time on this target. Where
/// it would compare one byte at a time, a mask costs a step per byte and
/// the scans that jump from one stopping byte to the next are faster.
pub(super) const VECTOR_MASKS: bool = cfg!(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128")));

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

/// The browser's build: the same masks in WebAssembly SIMD128, whose
/// `i8x16.bitmask` V8 turns into the SSE2 `pmovmskb` above.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline]
fn masks(block: &[u8; BLOCK]) -> Masks {
    use std::arch::wasm32::{u8x16_bitmask, u8x16_eq, u8x16_splat, v128, v128_load, v128_or};
    let mut out = Masks { quotes: 0, specials: 0 };
    let quote = u8x16_splat(b'"');
    let newline = u8x16_splat(b'\n');
    let carriage = u8x16_splat(b'\r');
    for (k, sixteen) in block.chunks_exact(16).enumerate() {
        // SAFETY: `v128_load` reads 16 bytes from the pointer, with no
        // alignment needed in wasm, and each `sixteen` is exactly 16 bytes
        // (`chunks_exact`).
        let v = unsafe { v128_load(sixteen.as_ptr().cast::<v128>()) };
        let q = u8x16_eq(v, quote);
        let s = v128_or(q, v128_or(u8x16_eq(v, newline), u8x16_eq(v, carriage)));
        out.quotes |= u64::from(u8x16_bitmask(q)) << (16 * k);
        out.specials |= u64::from(u8x16_bitmask(s)) << (16 * k);
    }
    out
}

#[inline]
pub(super) fn portable_masks(block: &[u8; BLOCK]) -> Masks {
    let mut out = Masks { quotes: 0, specials: 0 };
    for (k, &b) in block.iter().enumerate() {
        out.quotes |= u64::from(b == b'"') << k;
        out.specials |= u64::from(matches!(b, b'"' | b'\n' | b'\r')) << k;
    }
    out
}

#[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
#[inline]
fn masks(block: &[u8; BLOCK]) -> Masks {
    portable_masks(block)
}

/// Where the first byte of `bytes` that is one of `stops` lies. JSON's
/// structure scan (`json_bounds`) passes over strings and nested values
/// with it: sixteen bytes per step where `VECTOR_MASKS`, against one.
#[inline]
pub(super) fn first_of<const N: usize>(bytes: &[u8], stops: [u8; N]) -> Option<usize> {
    let mut at = 0;
    if VECTOR_MASKS {
        while let Some(sixteen) = bytes.get(at..).and_then(|rest| rest.first_chunk::<16>()) {
            let hits = stops_in(sixteen, stops);
            if hits != 0 {
                return Some(at + hits.trailing_zeros() as usize);
            }
            at += 16;
        }
    }
    portable_first_of(bytes.get(at..).unwrap_or_default(), stops).map(|p| at + p)
}

#[inline]
pub(super) fn portable_first_of<const N: usize>(bytes: &[u8], stops: [u8; N]) -> Option<usize> {
    bytes.iter().position(|b| stops.contains(b))
}

/// Bit k set where byte k of `sixteen` is one of `stops`.
#[cfg(target_arch = "x86_64")]
#[inline]
fn stops_in<const N: usize>(sixteen: &[u8; 16], stops: [u8; N]) -> u32 {
    use std::arch::x86_64::{__m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8, _mm_setzero_si128};
    // SAFETY: SSE2 is in every x86_64 CPU (see `masks`); the load reads
    // exactly the 16 bytes of `sixteen`, with no alignment needed.
    unsafe {
        let v = _mm_loadu_si128(sixteen.as_ptr().cast::<__m128i>());
        let mut any = _mm_setzero_si128();
        for stop in stops {
            any = _mm_or_si128(any, _mm_cmpeq_epi8(v, _mm_set1_epi8(stop as i8)));
        }
        _mm_movemask_epi8(any) as u32 & 0xffff
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline]
fn stops_in<const N: usize>(sixteen: &[u8; 16], stops: [u8; N]) -> u32 {
    use std::arch::wasm32::{u8x16_bitmask, u8x16_eq, u8x16_splat, v128, v128_load, v128_or};
    // SAFETY: `v128_load` reads the 16 bytes of `sixteen`, with no
    // alignment needed in wasm.
    let v = unsafe { v128_load(sixteen.as_ptr().cast::<v128>()) };
    let mut any = u8x16_splat(0);
    for stop in stops {
        any = v128_or(any, u8x16_eq(v, u8x16_splat(stop)));
    }
    u32::from(u8x16_bitmask(any))
}

#[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
#[inline]
fn stops_in<const N: usize>(sixteen: &[u8; 16], stops: [u8; N]) -> u32 {
    sixteen.iter().enumerate().filter(|(_, b)| stops.contains(b)).fold(0, |bits, (k, _)| bits | 1 << k)
}

/// Finds quotes one after another in one text, reusing a block's mask
/// while the positions asked for stay inside it.
#[derive(Clone, Copy, Debug)]
pub(super) struct QuoteFinder {
    /// Start of the block `quotes` describes.
    at: usize,
    quotes: u64,
}

impl Default for QuoteFinder {
    fn default() -> Self {
        // No block yet: the first call computes one.
        QuoteFinder { at: usize::MAX, quotes: 0 }
    }
}

impl QuoteFinder {
    /// The first `"` in `bytes` at or after `from`. Always the same
    /// `bytes` for one finder.
    #[inline]
    pub fn next(&mut self, bytes: &[u8], mut from: usize) -> Option<usize> {
        if !VECTOR_MASKS {
            // A mask would cost a step per byte: eight bytes at a time instead.
            return super::csv_bounds::next_quote(bytes, from);
        }
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_last_block_is_padded_with_nothing() {
        let text = b"a\"\n\r";
        assert_eq!(masks_at(text, 0), Masks { quotes: 0b10, specials: 0b1110 });
        assert_eq!(masks_at(text, 2), Masks { quotes: 0, specials: 0b11 });
        assert_eq!(masks_at(text, 4), Masks { quotes: 0, specials: 0 });
        assert_eq!(masks_at(text, 9), Masks { quotes: 0, specials: 0 });
    }
}
