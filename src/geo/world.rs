//! The bundled world: country outlines already in the map's coordinates,
//! and each country's code, names and centroid, for sign-ins a log places
//! only by country ("NG" in one export, "Nigeria" in another).
//!
//! `world.tsv` is written once by `scripts/world-outline.mjs` from Natural
//! Earth's Admin 0 countries (public domain; 1:110m outlines, 1:50m
//! centroids) as packaged by world-atlas 2.0.2 (ISC), with ISO 3166 codes
//! and English names from i18n-iso-countries 7.14.0 (MIT). It is compiled
//! in: the map never fetches anything.

use std::collections::HashMap;
use std::sync::OnceLock;

const WORLD_TSV: &str = include_str!("world.tsv");

/// The outline's units per degree (see the script's header).
const UNITS_PER_DEGREE: f64 = 4.0;
/// The southernmost latitude shown: Antarctica is left out of the outline.
const SOUTH_EDGE_LAT: f64 = -58.0;
/// The map's width and height in its own units (the SVG viewBox).
pub const WIDTH: f64 = 360.0 * UNITS_PER_DEGREE;
pub const HEIGHT: f64 = (90.0 - SOUTH_EDGE_LAT) * UNITS_PER_DEGREE;

/// Where latitude and longitude fall on the map (equirectangular, the
/// projection the outline was written in), clamped to its frame.
pub fn project(lat: f64, lon: f64) -> (f64, f64) {
    let x = (lon.clamp(-180.0, 180.0) + 180.0) * UNITS_PER_DEGREE;
    let y = (90.0 - lat.clamp(SOUTH_EDGE_LAT, 90.0)) * UNITS_PER_DEGREE;
    (x, y)
}

/// One country of the bundled table.
#[derive(Debug, PartialEq)]
pub struct Country {
    /// ISO 3166 alpha-2, or empty for the few areas ISO has no code for
    /// (N. Cyprus, Somaliland …).
    pub code: &'static str,
    /// English names, ISO's first.
    pub names: Vec<&'static str>,
    /// Centroid of the largest polygon, (latitude, longitude).
    pub centroid: (f64, f64),
    /// SVG path data in map units; empty for countries too small for the
    /// 1:110m outline (they still have a centroid).
    pub outline: &'static str,
}

impl Country {
    /// The name to show: ISO's first English name unless it is long, then
    /// the shortest ("Russia", not "Russian Federation"), leaving out
    /// abbreviations ("USA", "Dem. Rep. Congo") and names another country
    /// claims too ("Congo").
    pub fn name(&self) -> &'static str {
        const SHORT_ENOUGH: usize = 16;
        let own = |n: &&'static str| !n.contains('.') && n.chars().any(char::is_lowercase) && find_country(n).is_some_and(|c| std::ptr::eq(c, self));
        let mut names = self.names.iter().copied().filter(own);
        match names.next() {
            Some(first) if first.len() <= SHORT_ENOUGH => first,
            Some(first) => names.fold(first, |best, n| if n.len() < best.len() { n } else { best }),
            None => self.names.first().copied().unwrap_or(self.code),
        }
    }
}

struct World {
    countries: Vec<Country>,
    /// Lowercased codes and names → index in `countries`.
    by_key: HashMap<String, usize>,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| parse_world(WORLD_TSV))
}

fn parse_world(text: &'static str) -> World {
    let mut countries = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let mut fields = line.split('\t');
        let (Some(code), Some(names), Some(lat), Some(lon)) = (fields.next(), fields.next(), fields.next(), fields.next()) else { continue };
        let (Ok(lat), Ok(lon)) = (lat.parse::<f64>(), lon.parse::<f64>()) else { continue };
        countries.push(Country {
            code: if code == "-" { "" } else { code },
            names: names.split('|').filter(|n| !n.is_empty()).collect(),
            centroid: (lat, lon),
            outline: fields.next().unwrap_or(""),
        });
    }
    let mut by_key = HashMap::new();
    // Codes first, so a name can never take a code's place ("US" the name
    // variant is the United States' own code anyway).
    for (i, c) in countries.iter().enumerate().filter(|(_, c)| !c.code.is_empty()) {
        by_key.insert(c.code.to_ascii_lowercase(), i);
    }
    // A name two countries claim ("Congo") finds neither: guessing would
    // put sign-ins on the wrong side of a border.
    let mut claims: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, c) in countries.iter().enumerate() {
        for name in &c.names {
            let owners = claims.entry(name.to_lowercase()).or_default();
            if !owners.contains(&i) {
                owners.push(i);
            }
        }
    }
    for (name, owners) in claims {
        if let [only] = owners[..] {
            by_key.entry(name).or_insert(only);
        }
    }
    World { countries, by_key }
}

/// Every country of the bundled table, outlined or not.
pub fn countries() -> &'static [Country] {
    &world().countries
}

/// The country a log's country field names: an ISO alpha-2 code or an
/// English name, any case.
pub fn find_country(text: &str) -> Option<&'static Country> {
    country_index(text).and_then(country_at)
}

/// `find_country`'s answer as an index in `countries()`.
pub fn country_index(text: &str) -> Option<usize> {
    let key = text.trim().to_lowercase();
    if key.is_empty() {
        return None;
    }
    world().by_key.get(&key).copied()
}

pub fn country_at(index: usize) -> Option<&'static Country> {
    world().countries.get(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projection_puts_the_corners_and_the_origin_where_the_outline_has_them() {
        assert_eq!(project(90.0, -180.0), (0.0, 0.0));
        assert_eq!(project(0.0, 0.0), (720.0, 360.0));
        assert_eq!(project(SOUTH_EDGE_LAT, 180.0), (WIDTH, HEIGHT));
        // Off the frame (bad data) is held at its edge, never outside.
        assert_eq!(project(-89.0, 200.0), (WIDTH, HEIGHT));
        // Lagos: west Africa, just north of the equator.
        let (x, y) = project(6.45, 3.39);
        assert!((x - 733.56).abs() < 1e-9 && (y - 334.2).abs() < 1e-9, "{x} {y}");
    }

    #[test]
    fn countries_are_found_by_code_and_by_name_in_any_case() {
        let nigeria = find_country("NG").expect("NG");
        assert_eq!(Some(nigeria), find_country("nigeria"));
        assert_eq!(Some(nigeria), find_country(" Nigeria "));
        let (lat, lon) = nigeria.centroid;
        assert!((4.0..14.0).contains(&lat) && (3.0..15.0).contains(&lon), "{lat} {lon}");
        assert!(!nigeria.outline.is_empty());
        assert_eq!(find_country("United States").map(|c| c.code), Some("US"));
        assert_eq!(find_country("Russia").map(|c| c.name()), Some("Russia"));
        assert_eq!(find_country("us").map(|c| c.name()), Some("United States"));
        assert_eq!(find_country("CD").map(|c| c.name()), Some("Democratic Republic of the Congo"));
        // Too small for the 1:110m outline, still placed.
        let singapore = find_country("SG").expect("SG");
        assert!(singapore.outline.is_empty());
        assert!((singapore.centroid.0 - 1.36).abs() < 0.2);
        assert_eq!(find_country("Atlantis"), None);
        assert_eq!(find_country("Congo"), None, "two countries go by it");
        assert_eq!(find_country("Republic of the Congo").map(|c| c.code), Some("CG"));
        assert_eq!(find_country(""), None);
    }

    #[test]
    fn countries_across_the_antimeridian_have_a_centroid_on_land() {
        // Decoded naively, Fiji's and Russia's rings jump a whole world
        // and their centroids land in the ocean.
        let (_, fiji_lon) = find_country("FJ").expect("FJ").centroid;
        assert!(fiji_lon > 175.0, "{fiji_lon}");
        let (_, russia_lon) = find_country("RU").expect("RU").centroid;
        assert!((40.0..140.0).contains(&russia_lon), "{russia_lon}");
    }

    #[test]
    fn the_outline_is_small_and_every_path_starts_with_a_move() {
        assert!(WORLD_TSV.len() < 150_000, "{}", WORLD_TSV.len());
        assert!(countries().len() > 200);
        for c in countries().iter().filter(|c| !c.outline.is_empty()) {
            assert!(c.outline.starts_with('M') && c.outline.ends_with('z'), "{}", c.code);
            assert!(c.outline.bytes().all(|b| b"Mlz -0123456789".contains(&b)), "{}", c.code);
        }
    }
}
