//! String interning for the store's columns: every distinct value is kept
//! once and rows hold its 4-byte symbol. Texts live in one arena (no
//! allocation per string), and a lower-cased copy is cached (only for texts
//! that change when lower-cased) so query matching never lower-cases per row.

use std::borrow::Cow;

/// Symbol of the empty string; every interner starts with it.
pub const EMPTY: u32 = 0;

/// Marks a lower-case span that lives in the `lower` arena rather than `text`.
const IN_LOWER: u32 = 1 << 31;
const NO_SLOT: u32 = u32::MAX;

/// A set of distinct strings, each with a dense `u32` symbol (0 = "").
#[derive(Clone, Debug)]
pub struct Interner {
    text: String,
    lower: String,
    /// Per symbol: (start, end) in `text`.
    spans: Vec<(u32, u32)>,
    /// Per symbol: (start, end) of the lower-cased text; `start` has
    /// `IN_LOWER` set when it is in `lower`, else it points into `text`.
    lower_spans: Vec<(u32, u32)>,
    /// Open-addressing hash table of symbols (`NO_SLOT` = empty), load ≤ 1/2.
    table: Vec<u32>,
}

impl Default for Interner {
    fn default() -> Self {
        Interner::new()
    }
}

impl Interner {
    /// Look up `from`'s symbols `remap.len()..` in `self` (adding those it
    /// lacks), at most `*left` of them, so that `remap[i]` is our symbol for
    /// their `i`; false when it stopped for `left`.
    pub(super) fn continue_remap(&mut self, from: &Interner, remap: &mut Vec<u32>, left: &mut usize) -> bool {
        while remap.len() < from.len() {
            if *left == 0 {
                return false;
            }
            remap.push(self.intern(from.resolve(remap.len() as u32)));
            *left -= 1;
        }
        true
    }

    pub fn new() -> Interner {
        let mut interner = Interner { text: String::new(), lower: String::new(), spans: Vec::new(), lower_spans: Vec::new(), table: vec![NO_SLOT; 16] };
        interner.intern("");
        interner
    }

    /// Number of symbols, including the empty string.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Never true: the empty string is always interned.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The symbol for `s`, adding it if new.
    pub fn intern(&mut self, s: &str) -> u32 {
        if s.is_empty() && !self.spans.is_empty() {
            return EMPTY;
        }
        let hash = hash_text(s.as_bytes());
        let mask = self.table.len() - 1;
        let mut slot = (hash as usize) & mask;
        loop {
            match self.table.get(slot).copied() {
                Some(NO_SLOT) | None => break,
                Some(sym) => {
                    if self.resolve(sym) == s {
                        return sym;
                    }
                    slot = (slot + 1) & mask;
                }
            }
        }
        let sym = self.spans.len() as u32;
        let start = self.text.len() as u32;
        self.text.push_str(s);
        self.spans.push((start, self.text.len() as u32));
        match lowered(s) {
            Cow::Owned(lower) => {
                let lower_start = self.lower.len() as u32;
                self.lower.push_str(&lower);
                self.lower_spans.push((lower_start | IN_LOWER, self.lower.len() as u32));
            }
            Cow::Borrowed(_) => self.lower_spans.push((start, self.text.len() as u32)),
        }
        if let Some(entry) = self.table.get_mut(slot) {
            *entry = sym;
        }
        if self.spans.len() * 2 > self.table.len() {
            self.grow();
        }
        sym
    }

    /// The symbol for `s` if it was interned.
    pub fn get(&self, s: &str) -> Option<u32> {
        let mask = self.table.len() - 1;
        let mut slot = (hash_text(s.as_bytes()) as usize) & mask;
        loop {
            match self.table.get(slot).copied() {
                Some(NO_SLOT) | None => return None,
                Some(sym) if self.resolve(sym) == s => return Some(sym),
                Some(_) => slot = (slot + 1) & mask,
            }
        }
    }

    /// The text of a symbol (`""` for an unknown symbol).
    pub fn resolve(&self, sym: u32) -> &str {
        match self.spans.get(sym as usize) {
            Some(&(start, end)) => self.text.get(start as usize..end as usize).unwrap_or(""),
            None => "",
        }
    }

    /// The lower-cased text of a symbol.
    pub fn lower(&self, sym: u32) -> &str {
        match self.lower_spans.get(sym as usize) {
            Some(&(start, end)) if start & IN_LOWER != 0 => self.lower.get((start & !IN_LOWER) as usize..end as usize).unwrap_or(""),
            Some(&(start, end)) => self.text.get(start as usize..end as usize).unwrap_or(""),
            None => "",
        }
    }

    /// Every symbol with its lower-cased text, for building match sets.
    pub fn iter_lower(&self) -> impl Iterator<Item = (u32, &str)> + '_ {
        (0..self.spans.len() as u32).map(move |sym| (sym, self.lower(sym)))
    }

    /// Heap bytes held, for memory figures.
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity() + self.lower.capacity() + self.spans.capacity() * 8 + self.lower_spans.capacity() * 8 + self.table.capacity() * 4
    }

    /// Give back spare arena capacity once a batch of strings is in.
    pub fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.lower.shrink_to_fit();
        self.spans.shrink_to_fit();
        self.lower_spans.shrink_to_fit();
    }

    fn grow(&mut self) {
        let size = self.table.len() * 2;
        let mask = size - 1;
        let mut table = vec![NO_SLOT; size];
        for sym in 0..self.spans.len() as u32 {
            let mut slot = (hash_text(self.resolve(sym).as_bytes()) as usize) & mask;
            while table.get(slot).is_some_and(|&s| s != NO_SLOT) {
                slot = (slot + 1) & mask;
            }
            if let Some(entry) = table.get_mut(slot) {
                *entry = sym;
            }
        }
        self.table = table;
    }
}

/// `s` lower-cased as query matching sees it: as it is unless it has a
/// capital.
pub(super) fn lowered(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        // The same answer without decoding characters.
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(s.to_ascii_lowercase())
        } else {
            Cow::Borrowed(s)
        }
    } else if s.chars().any(char::is_uppercase) {
        Cow::Owned(s.to_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// A fast non-cryptographic hash (word-at-a-time multiply-rotate with a
/// final avalanche); the table's inputs are evidence strings, not attacker
/// controlled keys in a long-lived server, so flooding is not a concern.
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h: u64 = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut word = [0u8; 8];
        word[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h
}

/// `hash_bytes` two words at a time, in two independent multiply chains,
/// for tables that only look strings up by it (nothing keeps or compares
/// these hashes): a GUID takes 3 steps instead of 5, a user agent 9
/// instead of 17, and each lane's multiply overlaps the other's. Every
/// word is read whole (the last one overlapping the one before, the
/// length being mixed in), never copied into a padded buffer: the copies
/// of a variable length were a tenth of the numbering's samples.
pub fn hash_text(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    const K2: u64 = 0x9e37_79b9_7f4a_7c15;
    let mix = |h: u64, k: u64, word: u64| (h.rotate_left(5) ^ word).wrapping_mul(k);
    let word = |at: usize| bytes.get(at..at + 8).and_then(|w| w.try_into().ok()).map_or(0, u64::from_le_bytes);
    let half = |at: usize| bytes.get(at..at + 4).and_then(|w| w.try_into().ok()).map_or(0, u32::from_le_bytes);
    let len = bytes.len();
    let (mut a, mut b) = (len as u64, K2);
    if len >= 8 {
        let mut at = 0;
        while at + 16 <= len {
            a = mix(a, K, word(at));
            b = mix(b, K2, word(at + 8));
            at += 16;
        }
        if at + 8 <= len {
            a = mix(a, K, word(at));
            at += 8;
        }
        if at < len {
            b = mix(b, K2, word(len - 8));
        }
    } else if len >= 4 {
        a = mix(a, K, u64::from(half(0)) | u64::from(half(len - 4)) << 32);
    } else if len > 0 {
        a = mix(a, K, u64::from(bytes[0]) | u64::from(bytes[len / 2]) << 8 | u64::from(bytes[len - 1]) << 16);
    }
    let mut h = a ^ b.rotate_left(32);
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h
}

/// A set of symbols of one interner, as a bitset.
#[derive(Clone, Debug, Default)]
pub struct SymSet {
    bits: Vec<u64>,
    count: usize,
}

impl SymSet {
    pub fn with_capacity(symbols: usize) -> SymSet {
        SymSet { bits: vec![0; symbols.div_ceil(64)], count: 0 }
    }

    pub fn insert(&mut self, sym: u32) {
        let word = (sym / 64) as usize;
        if word >= self.bits.len() {
            self.bits.resize(word + 1, 0);
        }
        if let Some(w) = self.bits.get_mut(word) {
            let bit = 1u64 << (sym % 64);
            if *w & bit == 0 {
                *w |= bit;
                self.count += 1;
            }
        }
    }

    #[inline]
    pub fn contains(&self, sym: u32) -> bool {
        self.bits.get((sym / 64) as usize).is_some_and(|w| w & (1u64 << (sym % 64)) != 0)
    }

    /// Number of symbols in the set.
    pub fn count(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_hash_takes_in_every_byte_and_the_length() {
        for len in 0..48usize {
            let text: Vec<u8> = (0..len as u8).map(|i| b'a' + i % 26).collect();
            let hash = hash_text(&text);
            for at in 0..len {
                let mut changed = text.clone();
                changed[at] ^= 0x20;
                assert_ne!(hash_text(&changed), hash, "byte {at} of {len}");
            }
            let mut longer = text.clone();
            longer.push(0);
            assert_ne!(hash_text(&longer), hash, "length {len}");
        }
    }

    #[test]
    fn interns_each_text_once_and_resolves_it() {
        let mut i = Interner::new();
        let a = i.intern("Alice@Contoso.com");
        let b = i.intern("bob");
        assert_eq!(i.intern("Alice@Contoso.com"), a);
        assert_eq!(i.intern(""), EMPTY);
        assert_eq!((a, b), (1, 2));
        assert_eq!(i.resolve(a), "Alice@Contoso.com");
        assert_eq!(i.lower(a), "alice@contoso.com");
        assert_eq!(i.lower(b), "bob");
        assert_eq!(i.get("bob"), Some(b));
        assert_eq!(i.get("carol"), None);
        assert_eq!(i.resolve(99), "");
    }

    #[test]
    fn lowered_only_when_there_are_capitals() {
        assert!(matches!(lowered("alice@contoso.com"), Cow::Borrowed(_)));
        assert_eq!(lowered("Alice@Contoso.COM"), "alice@contoso.com");
        assert_eq!(lowered("ÉCOLE Straße"), "école straße");
        assert!(matches!(lowered("école"), Cow::Borrowed(_)));
        // A title-case letter is not a capital: kept as it is, as before.
        assert!(matches!(lowered("ǅ"), Cow::Borrowed(_)));
    }

    #[test]
    fn survives_growth() {
        let mut i = Interner::new();
        let syms: Vec<u32> = (0..5000).map(|n| i.intern(&format!("Value{n}"))).collect();
        assert_eq!(i.len(), 5001);
        for (n, sym) in syms.iter().enumerate() {
            assert_eq!(i.resolve(*sym), format!("Value{n}"));
            assert_eq!(i.lower(*sym), format!("value{n}"));
            assert_eq!(i.get(&format!("Value{n}")), Some(*sym));
        }
    }

    #[test]
    fn symset_counts_distinct_members() {
        let mut s = SymSet::with_capacity(10);
        s.insert(3);
        s.insert(3);
        s.insert(200);
        assert!(s.contains(3) && s.contains(200) && !s.contains(4) && !s.contains(10_000));
        assert_eq!(s.count(), 2);
    }
}
