//! The sign-in map as marks to draw (where each point and line goes, its
//! size, colour class, label and tooltip), and the static SVG of them for
//! the HTML report. The UI's component draws the same `Drawing` with Yew,
//! so the two cannot drift apart. Every text here may hold evidence
//! (addresses, accounts, city names): `to_svg` escapes all of it.

use super::signin_map::{MapPlace, SigninMap, TravelLine};
use super::world::{countries, project, HEIGHT, WIDTH};
use crate::model::Outcome;
use crate::report::document::html_text;
use std::fmt::Write;

/// Point radii in map units (the map is `WIDTH` units across and shows at
/// about half that in pixels, so the smallest is still a target to click).
const SMALLEST_POINT: f64 = 8.0;
const LARGEST_POINT: f64 = 30.0;
/// Addresses and accounts a tooltip lists before "and N more".
const LISTED_IN_TOOLTIP: usize = 8;
/// Impossible-travel routes drawn each as a line of its own with a label
/// and a tooltip, the most significant first (`routes_by_significance`).
/// A million generated events had 920 routes: about 2,800 SVG elements in
/// one redraw, their labels printed over each other. The other routes are
/// drawn together as one thin path, so every route still shows on the map,
/// and the panel lists every route as text. Forty labels still printed over
/// each other on those events (routes between the same few regions); a
/// dozen can mostly be read.
pub const ROUTES_DRAWN_APART: usize = 12;

/// One place's point.
#[derive(Clone, Debug, PartialEq)]
pub struct PointMark {
    /// Index in `SigninMap::places`.
    pub place: usize,
    pub x: f64,
    pub y: f64,
    pub r: f64,
    /// The place's most common outcome sets the fill.
    pub outcome: Outcome,
    /// Some sign-ins failed although most did not: drawn as a ring.
    pub failure_ring: bool,
    /// An address here is a marked indicator.
    pub marked: bool,
    /// ISO alpha-2 code (or the country as written).
    pub country: String,
    pub label: String,
    /// The tooltip: place, counts, addresses, accounts.
    pub title: String,
}

/// One impossible-travel line.
#[derive(Clone, Debug, PartialEq)]
pub struct LineMark {
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
    /// The short label ("5,230 km in 1 h 05 min, …") and where it goes:
    /// the line's middle, above it, or below it for every other line so
    /// that lines meeting at one place do not print over each other.
    pub label: String,
    pub label_x: f64,
    pub label_y: f64,
    /// The tooltip: who went from where to where.
    pub title: String,
    /// Index in `SigninMap::lines`.
    pub route: usize,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Drawing {
    /// Largest first, so smaller points are drawn over them.
    pub points: Vec<PointMark>,
    /// The `ROUTES_DRAWN_APART` most significant routes, most significant
    /// first.
    pub lines: Vec<LineMark>,
    /// Every other route, as the `d` of one SVG path ("M x1 y1 L x2 y2 …");
    /// empty when there are none.
    pub other_routes: String,
    /// How many routes `other_routes` draws.
    pub other_route_count: usize,
}

/// Radius of a point for `count` sign-ins when the busiest place has
/// `largest`: the area grows with the count (square-root scale).
pub fn point_radius(count: u32, largest: u32) -> f64 {
    if largest == 0 {
        return SMALLEST_POINT;
    }
    let share = (f64::from(count) / f64::from(largest)).clamp(0.0, 1.0);
    SMALLEST_POINT + (LARGEST_POINT - SMALLEST_POINT) * share.sqrt()
}

/// The CSS class (and legend key) of an outcome.
pub fn outcome_class(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Success => "success",
        Outcome::Failure => "failure",
        Outcome::Interrupted => "interrupted",
        Outcome::Unknown => "unknown",
    }
}

/// "a, b, c and 4 more".
fn listed(items: &[String]) -> String {
    let shown = items.iter().take(LISTED_IN_TOOLTIP).map(String::as_str).collect::<Vec<_>>().join(", ");
    match items.len().saturating_sub(LISTED_IN_TOOLTIP) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}

/// The tooltip of a place, one fact a line.
pub fn place_title(place: &MapPlace) -> String {
    let c = &place.counts;
    let mut title = format!(
        "{}\n{} sign-in(s): {} succeeded, {} failed, {} interrupted",
        place.label(),
        c.total(),
        c.success,
        c.failure,
        c.interrupted
    );
    if c.unknown > 0 {
        let _ = write!(title, ", {} without outcome", c.unknown);
    }
    let _ = write!(title, "\nAddresses: {}", listed(&place.addresses));
    if place.is_marked() {
        let _ = write!(title, "\nMarked indicators: {}", listed(&place.marked_addresses));
    }
    let _ = write!(title, "\nAccounts: {}", listed(&place.accounts));
    title
}

/// The indexes of `map.lines`, most significant first: a route touching a
/// place with a marked address, then the route of more hops, then the
/// faster (the same moment first), then the order the hops happened.
pub fn routes_by_significance(map: &SigninMap) -> Vec<usize> {
    let touches_marked = |line: &TravelLine| [line.from, line.to].iter().any(|&p| map.places.get(p).is_some_and(MapPlace::is_marked));
    let mut order: Vec<usize> = (0..map.lines.len()).collect();
    order.sort_by(|&a, &b| {
        let (la, lb) = (&map.lines[a], &map.lines[b]);
        touches_marked(lb).cmp(&touches_marked(la)).then(lb.hops.cmp(&la.hops)).then(lb.kmh.total_cmp(&la.kmh)).then(a.cmp(&b))
    });
    order
}

/// A route's tooltip and list entry: "Impossible travel: alice signed in
/// from Paris, FR then Lagos, NG: 4,700 km in 1 h 05 min, …".
pub fn route_title(map: &SigninMap, line: &TravelLine) -> Option<String> {
    let (from, to) = (map.places.get(line.from)?, map.places.get(line.to)?);
    Some(format!("Impossible travel: {} signed in from {} then {}: {}", line.account, from.label(), to.label(), line.label()))
}

/// Where every mark of `map` goes.
pub fn layout(map: &SigninMap) -> Drawing {
    let largest = map.places.iter().map(|p| p.counts.total()).max().unwrap_or(0);
    let mut points: Vec<PointMark> = map
        .places
        .iter()
        .enumerate()
        .map(|(i, place)| {
            let (x, y) = project(place.lat, place.lon);
            let outcome = place.counts.dominant();
            PointMark {
                place: i,
                x,
                y,
                r: point_radius(place.counts.total(), largest),
                outcome,
                failure_ring: place.counts.failure > 0 && outcome != Outcome::Failure,
                marked: place.is_marked(),
                country: place.country_code.clone(),
                label: place.label(),
                title: place_title(place),
            }
        })
        .collect();
    points.sort_by(|a, b| b.r.total_cmp(&a.r).then(a.place.cmp(&b.place)));
    let ends = |line: &TravelLine| -> Option<((f64, f64), (f64, f64))> {
        let (from, to) = (map.places.get(line.from)?, map.places.get(line.to)?);
        Some((project(from.lat, from.lon), project(to.lat, to.lon)))
    };
    let order = routes_by_significance(map);
    let (apart, together) = order.split_at(order.len().min(ROUTES_DRAWN_APART));
    let lines = apart
        .iter()
        .enumerate()
        .filter_map(|(i, &route)| {
            let line = map.lines.get(route)?;
            let ((x1, y1), (x2, y2)) = ends(line)?;
            let (label_x, label_y) = ((x1 + x2) / 2.0, (y1 + y2) / 2.0 + if i % 2 == 0 { -8.0 } else { 26.0 });
            Some(LineMark { x1, y1, x2, y2, label: line.label(), label_x, label_y, title: route_title(map, line)?, route })
        })
        .collect();
    let mut other_routes = String::new();
    let mut other_route_count = 0;
    for line in together.iter().filter_map(|&route| map.lines.get(route)) {
        if let Some(((x1, y1), (x2, y2))) = ends(line) {
            let gap = if other_routes.is_empty() { "" } else { " " };
            let _ = write!(other_routes, "{gap}M{x1:.1} {y1:.1}L{x2:.1} {y2:.1}");
            other_route_count += 1;
        }
    }
    Drawing { points, lines, other_routes, other_route_count }
}

/// Fill colours of the report's static map (a printed page: light only).
fn report_fill(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Success => "#1d6b35",
        Outcome::Failure => "#b3261e",
        Outcome::Interrupted => "#d9a441",
        Outcome::Unknown => "#808894",
    }
}

const MARKED_STROKE: &str = "#6a1b9a";
const FAILURE_STROKE: &str = "#b3261e";
const TRAVEL_STROKE: &str = "#1a56b0";

/// The map as a standalone SVG element for the HTML report: the outline,
/// travel lines with their labels, points with tooltips, a legend. No
/// script, no link, no outside resource; every text escaped.
pub fn to_svg(map: &SigninMap) -> String {
    let drawing = layout(map);
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"100%\" role=\"img\" aria-label=\"Sign-in map: {} place(s), {} impossible-travel line(s)\">",
        map.places.len(),
        map.lines.len()
    );
    let _ = write!(out, "<rect width=\"{WIDTH}\" height=\"{HEIGHT}\" fill=\"#f4f7fb\"/>");
    out.push_str("<g fill=\"#dde3ea\" stroke=\"#ffffff\" stroke-width=\"0.8\">");
    for country in countries().iter().filter(|c| !c.outline.is_empty()) {
        // Our own bundled data, checked by a test to hold only path syntax.
        let _ = write!(out, "<path d=\"{}\"/>", country.outline);
    }
    out.push_str("</g>");
    for line in &drawing.lines {
        let _ = write!(
            out,
            "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{TRAVEL_STROKE}\" stroke-width=\"2.5\" stroke-dasharray=\"8 5\"><title>{}</title></line>",
            line.x1,
            line.y1,
            line.x2,
            line.y2,
            html_text(&line.title)
        );
    }
    if !drawing.other_routes.is_empty() {
        // Coordinates only (numbers formatted here): nothing to escape.
        let _ = write!(out, "<path d=\"{}\" fill=\"none\" stroke=\"{TRAVEL_STROKE}\" stroke-opacity=\"0.35\" stroke-width=\"1.2\"/>", drawing.other_routes);
    }
    for point in &drawing.points {
        let (stroke, width) = match (point.marked, point.failure_ring) {
            (true, _) => (MARKED_STROKE, 5.0),
            (false, true) => (FAILURE_STROKE, 3.0),
            (false, false) => ("#ffffff", 1.0),
        };
        let _ = write!(
            out,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{:.1}\" fill=\"{}\" fill-opacity=\"0.85\" stroke=\"{stroke}\" stroke-width=\"{width}\" data-country=\"{}\"><title>{}</title></circle>",
            point.x,
            point.y,
            point.r,
            report_fill(point.outcome),
            html_text(&point.country),
            html_text(&point.title)
        );
    }
    for line in &drawing.lines {
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"22\" text-anchor=\"middle\" fill=\"#111\" stroke=\"#fff\" stroke-width=\"5\" paint-order=\"stroke\">{}</text>",
            line.label_x,
            line.label_y,
            html_text(&line.label)
        );
    }
    legend(&mut out);
    out.push_str("</svg>");
    out
}

/// The key in the lower left corner (the southern ocean is empty).
fn legend(out: &mut String) {
    let items: [(&str, &str, f64, &str); 6] = [
        (report_fill(Outcome::Success), "#ffffff", 1.0, "mostly succeeded"),
        (report_fill(Outcome::Failure), "#ffffff", 1.0, "mostly failed"),
        (report_fill(Outcome::Interrupted), "#ffffff", 1.0, "mostly interrupted"),
        (report_fill(Outcome::Success), FAILURE_STROKE, 3.0, "some failed"),
        ("#f4f7fb", MARKED_STROKE, 5.0, "marked indicator address"),
        ("none", TRAVEL_STROKE, 2.5, "impossible travel"),
    ];
    let top = HEIGHT - 24.0 * items.len() as f64 - 8.0;
    for (i, (fill, stroke, width, text)) in items.iter().enumerate() {
        let y = top + 24.0 * i as f64 + 12.0;
        if *fill == "none" {
            let _ = write!(out, "<line x1=\"12\" y1=\"{y}\" x2=\"36\" y2=\"{y}\" stroke=\"{stroke}\" stroke-width=\"{width}\" stroke-dasharray=\"8 5\"/>");
        } else {
            let _ = write!(out, "<circle cx=\"24\" cy=\"{y}\" r=\"8\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{width}\"/>");
        }
        let _ = write!(out, "<text x=\"44\" y=\"{}\" font-size=\"15\" fill=\"#111\">{}</text>", y + 5.0, html_text(text));
    }
}
