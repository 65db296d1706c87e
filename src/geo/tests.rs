//! The sign-in map on tiny stores: places and their counts, the country
//! fallback, marked addresses, travel lines, the click's query and the
//! report's SVG with hostile text.

use super::drawing::{layout, point_radius, route_title, routes_by_significance, to_svg, ROUTES_DRAWN_APART};
use super::row_places::RowPlaces;
use super::signin_map::{place_query, Located, SigninMap, TravelHops, TravelHopsBuilder};
use super::tally::PlaceTally;
use crate::detect::impossible_travel::DEF as TRAVEL;
use crate::detect::testkit::*;
use crate::detect::Context;
use crate::model::Outcome;
use crate::store::{parse, EventStore};

const PARIS: (f64, f64) = (48.856, 2.352);
const LAGOS: (f64, f64) = (6.45, 3.39);

fn all_rows(store: &EventStore) -> Vec<u32> {
    (0..store.len() as u32).collect()
}

fn map_of(store: &EventStore, marked: &[String]) -> SigninMap {
    let ctx = Context::default();
    let findings = findings_of(&TRAVEL, store, &ctx);
    SigninMap::build(store, &all_rows(store), marked, &findings, &ctx)
}

#[test]
fn sign_ins_gather_by_place_with_counts_by_outcome() {
    let store = store_of(vec![
        signin("2026-03-01T08:00:00Z", "alice@contoso.com", "198.51.100.10", "FR").geo(PARIS.0, PARIS.1),
        // A few hundred metres away: the same place.
        signin("2026-03-01T09:00:00Z", "bob@contoso.com", "198.51.100.11", "FR").geo(PARIS.0 + 0.002, PARIS.1 + 0.002).failed(),
        signin("2026-03-01T10:00:00Z", "alice@contoso.com", "198.51.100.10", "FR").geo(PARIS.0, PARIS.1),
        signin("2026-03-05T10:00:00Z", "carol@contoso.com", "203.0.113.7", "NG").geo(LAGOS.0, LAGOS.1).failed(),
        // Not a sign-in: left off the map even with an address.
        ual("2026-03-01T11:00:00Z", "MailItemsAccessed", "alice@contoso.com", "203.0.113.9"),
        // A sign-in with no location at all.
        signin("2026-03-01T12:00:00Z", "dave@contoso.com", "192.0.2.1", ""),
    ]);
    let map = map_of(&store, &[]);
    assert_eq!(map.places.len(), 2);
    assert_eq!(map.unplaced, 1);
    let paris = &map.places[0];
    assert_eq!(paris.located, Located::Coordinates);
    assert_eq!((paris.counts.success, paris.counts.failure, paris.counts.total()), (2, 1, 3));
    assert_eq!(paris.counts.dominant(), Outcome::Success);
    assert_eq!(paris.addresses, vec!["198.51.100.10", "198.51.100.11"]);
    assert_eq!(paris.accounts, vec!["alice@contoso.com", "bob@contoso.com"]);
    assert_eq!(paris.country_code, "FR");
    let lagos = &map.places[1];
    assert_eq!(lagos.counts.dominant(), Outcome::Failure);
    assert!(!lagos.is_marked());
    // The drawing rings Paris's failures and fills Lagos as failed.
    let drawing = layout(&map);
    let paris_point = drawing.points.iter().find(|p| p.place == 0).expect("Paris point");
    assert!(paris_point.failure_ring);
    assert!(paris_point.title.contains("3 sign-in(s): 2 succeeded, 1 failed"), "{}", paris_point.title);
    let lagos_point = drawing.points.iter().find(|p| p.place == 1).expect("Lagos point");
    assert!(!lagos_point.failure_ring && lagos_point.outcome == Outcome::Failure);
    assert!(lagos_point.r < paris_point.r);
}

#[test]
fn an_address_or_account_seen_at_two_places_is_listed_once_at_each() {
    // The same address placed in Paris, then in Lagos (a geolocation that
    // changed), and back; and each account at each place once.
    let store = store_of(vec![
        signin("2026-03-01T08:00:00Z", "alice@contoso.com", "198.51.100.10", "FR").geo(PARIS.0, PARIS.1),
        signin("2026-03-01T09:00:00Z", "alice@contoso.com", "198.51.100.10", "NG").geo(LAGOS.0, LAGOS.1),
        signin("2026-03-01T10:00:00Z", "alice@contoso.com", "198.51.100.10", "FR").geo(PARIS.0, PARIS.1),
        signin("2026-03-01T11:00:00Z", "bob@contoso.com", "198.51.100.10", "NG").geo(LAGOS.0, LAGOS.1),
        signin("2026-03-01T12:00:00Z", "bob@contoso.com", "203.0.113.7", "NG").geo(LAGOS.0, LAGOS.1),
        signin("2026-03-01T13:00:00Z", "alice@contoso.com", "198.51.100.10", "NG").geo(LAGOS.0, LAGOS.1),
    ]);
    let map = map_of(&store, &[]);
    assert_eq!(map.places.len(), 2);
    let paris = map.places.iter().find(|p| p.country == "FR").expect("Paris");
    assert_eq!(paris.addresses, vec!["198.51.100.10"]);
    assert_eq!(paris.accounts, vec!["alice@contoso.com"]);
    assert_eq!(paris.counts.total(), 2);
    let lagos = map.places.iter().find(|p| p.country == "NG").expect("Lagos");
    assert_eq!(lagos.addresses, vec!["198.51.100.10", "203.0.113.7"]);
    assert_eq!(lagos.accounts, vec!["alice@contoso.com", "bob@contoso.com"]);
    assert_eq!(lagos.counts.total(), 4);
    // A filter of some rows counts only those.
    let some = SigninMap::build(&store, &[1, 4], &[], &[], &Context::default());
    assert_eq!(some.places.len(), 1);
    assert_eq!((some.places[0].addresses.len(), some.places[0].accounts.len(), some.places[0].counts.total()), (2, 2, 2));
}

#[test]
fn a_country_code_or_name_without_coordinates_falls_back_to_the_centroid() {
    let store = store_of(vec![
        signin("2026-03-01T08:00:00Z", "alice@contoso.com", "203.0.113.7", "NG"),
        signin("2026-03-01T09:00:00Z", "alice@contoso.com", "203.0.113.8", "Nigeria"),
        signin("2026-03-01T10:00:00Z", "bob@contoso.com", "203.0.113.9", "nigeria"),
        signin("2026-03-01T10:00:00Z", "bob@contoso.com", "192.0.2.9", "Atlantis"),
    ]);
    let map = map_of(&store, &[]);
    assert_eq!(map.places.len(), 1, "{:?}", map.places);
    assert_eq!(map.unplaced, 1, "a country the table does not know is not placed");
    let nigeria = &map.places[0];
    assert_eq!(nigeria.located, Located::CountryCentroid);
    assert_eq!(nigeria.counts.total(), 3);
    assert_eq!(nigeria.country_code, "NG");
    assert_eq!(nigeria.label(), "Nigeria (country only)");
    assert!((4.0..14.0).contains(&nigeria.lat) && (3.0..15.0).contains(&nigeria.lon), "{} {}", nigeria.lat, nigeria.lon);
}

#[test]
fn a_place_is_marked_when_any_of_its_addresses_is_an_indicator() {
    let store = store_of(vec![
        signin("2026-03-01T08:00:00Z", "alice@contoso.com", "198.51.100.10", "FR").geo(PARIS.0, PARIS.1),
        signin("2026-03-01T09:00:00Z", "alice@contoso.com", "2001:DB8::7", "NG").geo(LAGOS.0, LAGOS.1),
        signin("2026-03-01T09:30:00Z", "alice@contoso.com", "203.0.113.7", "NG").geo(LAGOS.0, LAGOS.1),
    ]);
    let map = map_of(&store, &[" 2001:db8::7 ".to_string(), "evil.example".to_string()]);
    let lagos = map.places.iter().find(|p| p.country == "NG").expect("Lagos");
    assert_eq!(lagos.marked_addresses, vec!["2001:DB8::7"]);
    let paris = map.places.iter().find(|p| p.country == "FR").expect("Paris");
    assert!(!paris.is_marked());
    let drawing = layout(&map);
    assert!(drawing.points.iter().any(|p| p.marked && p.country == "NG" && p.title.contains("Marked indicators: 2001:DB8::7")));
}

#[test]
fn impossible_travel_is_a_line_labelled_with_distance_time_and_speed() {
    let store = store_of(vec![
        signin("2026-03-01T08:00:00Z", "alice@contoso.com", "198.51.100.10", "FR").geo(PARIS.0, PARIS.1),
        signin("2026-03-01T09:05:00Z", "alice@contoso.com", "203.0.113.7", "NG").geo(LAGOS.0, LAGOS.1),
    ]);
    let map = map_of(&store, &[]);
    assert_eq!(map.lines.len(), 1);
    let line = &map.lines[0];
    assert_eq!(map.places[line.from].country, "FR");
    assert_eq!(map.places[line.to].country, "NG");
    assert_eq!(line.elapsed_ms, 65 * 60_000);
    // Paris to Lagos is about 4,700 km.
    assert!((4_600.0..4_800.0).contains(&line.km), "{}", line.km);
    let label = line.label();
    assert!(label.contains(" km in 1 h 05 min, ") && label.ends_with(" km/h"), "{label}");
    assert!(label.starts_with("4,"), "thousands are grouped: {label}");
    let drawing = layout(&map);
    assert_eq!(drawing.lines.len(), 1);
    assert!(drawing.lines[0].title.contains("alice@contoso.com signed in from Paris") || drawing.lines[0].title.contains("from FR then NG"), "{}", drawing.lines[0].title);
}

#[test]
fn a_hop_is_drawn_only_when_both_sign_ins_are_in_the_filter() {
    let store = store_of(vec![
        signin("2026-03-01T08:00:00Z", "alice@contoso.com", "198.51.100.10", "FR").geo(PARIS.0, PARIS.1),
        signin("2026-03-01T08:30:00Z", "alice@contoso.com", "203.0.113.7", "NG").geo(LAGOS.0, LAGOS.1),
    ]);
    let ctx = Context::default();
    let findings = findings_of(&TRAVEL, &store, &ctx);
    let only_lagos = SigninMap::build(&store, &[1], &[], &findings, &ctx);
    assert_eq!(only_lagos.places.len(), 1);
    assert!(only_lagos.lines.is_empty());
    // A faster travel speed in the context makes the hop ordinary: no line.
    let relaxed = Context { travel_speed_kmh: 100_000.0, ..Context::default() };
    assert!(SigninMap::build(&store, &[0, 1], &[], &findings, &relaxed).lines.is_empty());
}

#[test]
fn hops_worked_out_once_draw_the_same_lines_for_every_filter() {
    // There and back again: one line of two hops; Bob's hop is his own line.
    let store = store_of(vec![
        signin("2026-03-01T08:00:00Z", "alice@contoso.com", "198.51.100.10", "FR").geo(PARIS.0, PARIS.1),
        signin("2026-03-01T08:30:00Z", "bob@contoso.com", "198.51.100.11", "FR").geo(PARIS.0, PARIS.1),
        signin("2026-03-01T09:05:00Z", "alice@contoso.com", "203.0.113.7", "NG").geo(LAGOS.0, LAGOS.1),
        signin("2026-03-01T09:40:00Z", "alice@contoso.com", "198.51.100.10", "FR").geo(PARIS.0, PARIS.1),
        signin("2026-03-01T09:50:00Z", "bob@contoso.com", "203.0.113.8", "US").geo(40.71, -74.0),
    ]);
    let ctx = Context::default();
    let findings = findings_of(&TRAVEL, &store, &ctx);
    let hops = TravelHops::of(&store, &ctx, &findings);
    // The page works them out a finding at a time.
    let mut one_by_one = TravelHopsBuilder::default();
    for finding in findings.chunks(1) {
        one_by_one.add(&store, &ctx, finding);
    }
    assert_eq!(one_by_one.finish(&store), hops);
    for rows in [vec![0, 1, 2, 3, 4], vec![0, 2], vec![2, 3, 4], vec![1, 4], vec![]] {
        let map = SigninMap::build_with(&store, &rows, &[], &hops);
        assert_eq!(map, SigninMap::build(&store, &rows, &[], &findings, &ctx), "rows {rows:?}");
    }
    let all = SigninMap::build_with(&store, &[0, 1, 2, 3, 4], &[], &hops);
    assert_eq!(all.lines.len(), 2, "{:?}", all.lines);
    let alice = all.lines.iter().find(|l| l.account == "alice@contoso.com").expect("Alice's line");
    assert_eq!((alice.hops, alice.elapsed_ms), (2, 65 * 60_000), "the first hop labels the line");
    assert_eq!(SigninMap::build_with(&store, &[0, 2], &[], &hops).lines[0].hops, 1, "only hops inside the filter count");
}

#[test]
fn clicking_a_place_narrows_the_query_to_its_addresses() {
    let store = store_of(vec![
        signin("2026-03-01T08:00:00Z", "alice@contoso.com", "203.0.113.7", "NG").geo(LAGOS.0, LAGOS.1),
        signin("2026-03-01T08:10:00Z", "bob@contoso.com", "203.0.113.8", "NG").geo(LAGOS.0, LAGOS.1),
        signin("2026-03-01T08:20:00Z", "carol@contoso.com", "198.51.100.1", "FR").geo(PARIS.0, PARIS.1),
    ]);
    let map = map_of(&store, &[]);
    let lagos = map.places.iter().find(|p| p.country == "NG").expect("Lagos");
    let current = parse("after:2026-02-01 ip:198.51.100.1 -user:bob").expect("query");
    let text = place_query(&current, lagos);
    assert_eq!(text, "after:2026-02-01 -user:bob source:signin ip:203.0.113.7,203.0.113.8");
    let shown = store.filter(&parse(&text).expect("reparses"), &Context::default().eval_context()).expect("runs");
    assert_eq!(shown, vec![0]);
    // A country-only place filters by its country as the log wrote it.
    let store = store_of(vec![signin("2026-03-01T08:00:00Z", "alice@contoso.com", "", "Nigeria")]);
    let map = map_of(&store, &[]);
    assert_eq!(place_query(&parse("").expect("empty"), &map.places[0]), "source:signin country:Nigeria");
}

#[test]
fn points_grow_with_the_square_root_of_their_count() {
    let (small, quarter, full) = (point_radius(0, 100), point_radius(25, 100), point_radius(100, 100));
    assert!(small < quarter && quarter < full);
    // A quarter of the sign-ins: half-way between the smallest and largest radius.
    assert!(((quarter - small) - (full - small) / 2.0).abs() < 1e-9);
    assert_eq!(point_radius(5, 0), small);
}

#[test]
fn the_svg_escapes_hostile_evidence_and_draws_every_mark() {
    let hostile = "<script>alert(1)</script>\"' onload=\"x";
    let mut city_row = signin("2026-03-01T08:00:00Z", hostile, "203.0.113.7", "NG\"><svg onload=alert(2)>").geo(LAGOS.0, LAGOS.1);
    city_row.city = "</title><script>alert(3)</script>".into();
    let store = store_of(vec![
        signin("2026-03-01T07:30:00Z", hostile, "198.51.100.10", "FR").geo(PARIS.0, PARIS.1),
        city_row,
    ]);
    let map = map_of(&store, &["203.0.113.7".to_string()]);
    assert_eq!(map.lines.len(), 1);
    let svg = to_svg(&map);
    assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
    for bad in ["<script", "<svg onload", "onload=\"", "</title><script"] {
        assert!(!svg.contains(bad), "{bad} in the SVG");
    }
    assert!(svg.contains("&lt;script&gt;alert(1)"));
    assert!(svg.contains("data-country=\"NG&quot;&gt;&lt;svg onload=alert(2)&gt;\""));
    assert_eq!(svg.matches("<circle cx=").count(), 2 + 5, "two places and the legend's five dots");
    assert_eq!(svg.matches("<title>").count(), 3, "two points and a line have tooltips");
    assert!(svg.contains("km/h"));
    assert!(!svg.contains("http://") || svg.matches("http://").count() == 1, "only the SVG namespace");
}

#[test]
fn an_empty_filter_draws_nothing() {
    let store = store_of(vec![ual("2026-03-01T11:00:00Z", "MailItemsAccessed", "alice@contoso.com", "203.0.113.9")]);
    let map = map_of(&store, &[]);
    assert!(map.is_empty());
    assert_eq!(map.unplaced, 0);
}

#[test]
fn places_resolved_in_slices_and_rows_counted_in_slices_give_the_one_pass_map() {
    let store = store_of(vec![
        signin("2026-03-01T08:00:00Z", "alice@contoso.com", "198.51.100.10", "FR").geo(PARIS.0, PARIS.1),
        ual("2026-03-01T08:10:00Z", "MailItemsAccessed", "alice@contoso.com", "203.0.113.9"),
        signin("2026-03-01T08:30:00Z", "bob@contoso.com", "198.51.100.11", "FR").geo(PARIS.0, PARIS.1).failed(),
        signin("2026-03-01T09:05:00Z", "alice@contoso.com", "203.0.113.7", "NG").geo(LAGOS.0, LAGOS.1),
        signin("2026-03-01T09:10:00Z", "dave@contoso.com", "192.0.2.1", ""),
        signin("2026-03-01T09:20:00Z", "carol@contoso.com", "192.0.2.2", "Nigeria"),
        signin("2026-03-01T09:40:00Z", "alice@contoso.com", "198.51.100.10", "FR").geo(PARIS.0, PARIS.1),
    ]);
    let ctx = Context::default();
    let findings = findings_of(&TRAVEL, &store, &ctx);
    let hops = TravelHops::of(&store, &ctx, &findings);
    let mut places = RowPlaces::new(store.len());
    while !places.is_complete() {
        places.resolve(&store, 2);
    }
    assert_eq!(places.resolved(), store.len());
    // Paris, Lagos and Nigeria's centroid; the UAL row and Dave have none.
    assert_eq!(places.spots().len(), 3);
    let marked = ["198.51.100.11".to_string()];
    for rows in [all_rows(&store), vec![6, 0, 3], vec![1, 4], vec![5], vec![]] {
        let one_pass = SigninMap::build_with(&store, &rows, &marked, &hops);
        assert_eq!(SigninMap::of_places(&store, &places, &rows, &marked, &hops), one_pass, "rows {rows:?}");
        let mut tally = PlaceTally::new(&store, &places, &hops);
        for slice in rows.chunks(2) {
            tally.add(&store, &places, &hops, slice);
        }
        assert_eq!(tally.finish(&store, &places, &marked, &hops), one_pass, "rows {rows:?} in slices");
    }
    // A place with no row of the filter is left off.
    let only_lagos = SigninMap::of_places(&store, &places, &[3], &[], &hops);
    assert_eq!(only_lagos.places.len(), 1);
    assert_eq!(only_lagos.places[0].country, "NG");
    assert_eq!(SigninMap::of_places(&store, &places, &[4], &[], &hops).unplaced, 1);
}

/// One account hopping between `n + 1` places minutes apart, each far
/// from the last: `n` routes, the first ones travelled twice.
fn hopping(n: usize) -> EventStore {
    let place = |i: usize| (-60.0 + 2.5 * i as f64, if i % 2 == 0 { -100.0 } else { 100.0 });
    let mut events = Vec::new();
    let mut minute = 0;
    let mut at = |i: usize, events: &mut Vec<_>| {
        let (lat, lon) = place(i);
        events.push(signin(&format!("2026-03-01T{:02}:{:02}:00Z", minute / 60, minute % 60), "alice@contoso.com", &format!("198.51.100.{i}"), "FR").geo(lat, lon));
        minute += 10;
    };
    // There and back on the first route, then on along the others.
    for i in [0, 1, 0] {
        at(i, &mut events);
    }
    for i in 1..=n {
        at(i, &mut events);
    }
    store_of(events)
}

#[test]
fn past_the_most_significant_routes_the_others_are_one_path_and_none_is_dropped() {
    let store = hopping(ROUTES_DRAWN_APART + 5);
    let map = map_of(&store, &[]);
    assert_eq!(map.lines.len(), ROUTES_DRAWN_APART + 5, "one route per pair of places");
    let drawing = layout(&map);
    assert_eq!(drawing.lines.len(), ROUTES_DRAWN_APART);
    assert_eq!(drawing.other_route_count, 5);
    assert_eq!(drawing.other_routes.matches('M').count(), 5);
    assert!(drawing.other_routes.starts_with('M') && !drawing.other_routes.contains('<'));
    // The route travelled most comes first; every route is drawn once.
    let first = &map.lines[drawing.lines[0].route];
    assert_eq!(first.hops, 3, "{first:?}");
    let order = routes_by_significance(&map);
    let mut every: Vec<usize> = order.clone();
    every.sort_unstable();
    assert_eq!(every, (0..map.lines.len()).collect::<Vec<_>>());
    assert_eq!(drawing.lines.iter().map(|l| l.route).collect::<Vec<_>>(), order[..ROUTES_DRAWN_APART].to_vec());
    // Each route has its text for the list.
    assert!(route_title(&map, &map.lines[order[ROUTES_DRAWN_APART]]).is_some_and(|t| t.starts_with("Impossible travel: alice@contoso.com signed in from ")));
    // The report draws the same: the labelled lines and one path.
    let svg = to_svg(&map);
    assert_eq!(svg.matches("<line x1=").count(), ROUTES_DRAWN_APART + 1, "and the legend's line");
    assert_eq!(svg.matches("stroke-opacity=\"0.35\"").count(), 1, "the other routes' one path");
}

#[test]
fn a_route_touching_a_marked_address_is_more_significant_than_a_busier_one() {
    let store = hopping(ROUTES_DRAWN_APART + 5);
    let last = format!("198.51.100.{}", ROUTES_DRAWN_APART + 5);
    let map = map_of(&store, &[last.clone()]);
    let order = routes_by_significance(&map);
    let top = &map.lines[order[0]];
    assert!([top.from, top.to].iter().any(|&p| map.places[p].addresses.contains(&last)), "{top:?}");
    assert!(layout(&map).lines.iter().any(|l| l.title.contains(&format!("{}", map.places[top.to].label()))));
}
