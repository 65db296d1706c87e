// Writes src/geo/world.tsv: the country outlines the sign-in map draws and
// the table that places a sign-in known only by its country. Run by hand,
// once; the output is committed and the build never fetches anything.
//
//   cd /tmp && npm pack world-atlas@2.0.2 i18n-iso-countries@7.14.0
//   mkdir wa iso && tar xzf world-atlas-2.0.2.tgz -C wa && tar xzf i18n-iso-countries-7.14.0.tgz -C iso
//   node scripts/world-outline.mjs /tmp/wa/package /tmp/iso/package > src/geo/world.tsv
//
// Sources:
// - world-atlas 2.0.2 (Mike Bostock, ISC licence): Natural Earth's
//   Admin 0 countries as TopoJSON. Natural Earth is public domain
//   (https://www.naturalearthdata.com/about/terms-of-use/). Outlines come
//   from the 1:110m file; centroids from the 1:50m file, which also has the
//   small countries 1:110m leaves out (Singapore, Bahrain, Malta …).
// - i18n-iso-countries 7.14.0 (MIT): ISO 3166 numeric → alpha-2 codes and
//   English names (with their common variants), so that "NG", "Nigeria" and
//   Natural Earth's own "Nigeria" all find the same row.
//
// Output, one country a line, tab-separated:
//   alpha-2 code ("-" when ISO has none), names ("|"-separated, ISO's
//   English names first, then Natural Earth's), centroid latitude and
//   longitude (of the country's largest polygon, 2 decimals), outline path.
// The path is in the map's own coordinates: equirectangular, 4 units per
// degree, x = (lon + 180) × 4, y = (90 − lat) × 4, integers; each ring is
// `M x y` then relative `l dx dy` steps and `z`. Steps that round to nothing
// are dropped, which is what keeps the file small. A ring that crosses the
// antimeridian is written twice, once on each side. Antarctica is left out
// (no sign-in comes from it and it would take a fifth of the height).
// Lines starting with '#' are comments.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [atlasDir, isoDir] = process.argv.slice(2);
if (!atlasDir || !isoDir) {
  console.error('usage: node scripts/world-outline.mjs WORLD_ATLAS_DIR I18N_ISO_COUNTRIES_DIR');
  process.exit(2);
}
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
const outline = readJson(join(atlasDir, 'countries-110m.json'));
const detailed = readJson(join(atlasDir, 'countries-50m.json'));
const codes = readJson(join(isoDir, 'codes.json'));
const english = readJson(join(isoDir, 'langs', 'en.json')).countries;

const UNITS_PER_DEGREE = 4;
const alpha2ByNumeric = new Map(codes.map(([alpha2, , numeric]) => [numeric, alpha2]));
// Features world-atlas leaves without a numeric id.
const alpha2ByName = new Map([['Kosovo', 'XK']]);

/** The geometry's polygons as rings of [lon, lat], decoded from TopoJSON arcs. */
function polygonsOf(topology, geometry) {
  const [sx, sy] = topology.transform.scale;
  const [tx, ty] = topology.transform.translate;
  const arcs = topology.arcs.map((arc) => {
    let x = 0;
    let y = 0;
    return arc.map(([dx, dy]) => {
      x += dx;
      y += dy;
      return [x * sx + tx, y * sy + ty];
    });
  });
  const ring = (indexes) => {
    const points = [];
    for (const index of indexes) {
      const arc = index >= 0 ? arcs[index] : arcs[~index].slice().reverse();
      // Each arc starts where the previous one ended.
      points.push(...(points.length ? arc.slice(1) : arc));
    }
    return unwrapped(points);
  };
  if (geometry.type === 'Polygon') return [geometry.arcs.map(ring)];
  if (geometry.type === 'MultiPolygon') return geometry.arcs.map((polygon) => polygon.map(ring));
  return [];
}

/**
 * The ring with longitudes made continuous: a ring that crosses the
 * antimeridian (Fiji, Chukotka) jumps by 360° in the data, which would make
 * its area, centroid and drawing nonsense. Afterwards it may reach past ±180.
 */
function unwrapped(points) {
  const out = [];
  for (const [lon, lat] of points) {
    let x = lon;
    const previous = out.length ? out[out.length - 1][0] : x;
    while (x - previous > 180) x -= 360;
    while (x - previous < -180) x += 360;
    out.push([x, lat]);
  }
  return out;
}

/** Longitude brought back into −180..180. */
function normalised(lon) {
  return ((((lon + 180) % 360) + 360) % 360) - 180;
}

/** Signed area and area centroid of a ring, in degrees (flat). */
function ringCentroid(points) {
  let area = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < points.length; i++) {
    const [x0, y0] = points[i];
    const [x1, y1] = points[(i + 1) % points.length];
    const cross = x0 * y1 - x1 * y0;
    area += cross;
    cx += (x0 + x1) * cross;
    cy += (y0 + y1) * cross;
  }
  area /= 2;
  if (area === 0) return { area: 0, lon: points[0][0], lat: points[0][1] };
  return { area: Math.abs(area), lon: cx / (6 * area), lat: cy / (6 * area) };
}

/** Centroid of the largest polygon's outer ring: a country's main land. */
function centroidOf(polygons) {
  let best = null;
  for (const polygon of polygons) {
    const c = ringCentroid(polygon[0]);
    if (!best || c.area > best.area) best = c;
  }
  return best && { ...best, lon: normalised(best.lon) };
}

function project([lon, lat]) {
  return [Math.round((lon + 180) * UNITS_PER_DEGREE), Math.round((90 - lat) * UNITS_PER_DEGREE)];
}

function pathOf(polygons) {
  let d = '';
  const number = (n, first) => (first || n < 0 ? `${n}` : ` ${n}`);
  // A ring reaching past the antimeridian is drawn twice, a world apart;
  // the map's frame clips what falls outside.
  const shifted = (ring, by) => ring.map(([lon, lat]) => [lon + by, lat]);
  const rings = polygons.flatMap((polygon) => polygon.flatMap((ring) => {
    const lons = ring.map(([lon]) => lon);
    if (Math.max(...lons) > 180) return [ring, shifted(ring, -360)];
    if (Math.min(...lons) < -180) return [ring, shifted(ring, 360)];
    return [ring];
  }));
  {
    for (const ring of rings) {
      const points = ring.map(project);
      let [x, y] = points[0];
      let steps = '';
      let count = 0;
      for (const [px, py] of points.slice(1)) {
        const [dx, dy] = [px - x, py - y];
        if (dx === 0 && dy === 0) continue;
        steps += number(dx, steps === '') + number(dy, false);
        [x, y] = [px, py];
        count++;
      }
      // A ring that collapses to a line or a point shows nothing.
      if (count < 2) continue;
      d += `M${points[0][0]} ${points[0][1]}l${steps}z`;
    }
  }
  return d;
}

function codeOf(geometry) {
  return alpha2ByNumeric.get(geometry.id) ?? alpha2ByName.get(geometry.properties.name) ?? '-';
}

function namesOf(code, naturalEarthName) {
  const iso = english[code];
  const names = iso === undefined ? [] : Array.isArray(iso) ? iso : [iso];
  return [...new Set([...names, naturalEarthName])].map((n) => n.replace(/[|\t\n]/g, ' '));
}

const rows = new Map();
for (const geometry of detailed.objects.countries.geometries) {
  if (geometry.properties.name === 'Antarctica') continue;
  const code = codeOf(geometry);
  const key = code === '-' ? geometry.properties.name : code;
  const c = centroidOf(polygonsOf(detailed, geometry));
  if (!c) continue;
  rows.set(key, { code, names: namesOf(code, geometry.properties.name), lat: c.lat, lon: c.lon, path: '' });
}
for (const geometry of outline.objects.countries.geometries) {
  if (geometry.properties.name === 'Antarctica') continue;
  const code = codeOf(geometry);
  const key = code === '-' ? geometry.properties.name : code;
  const polygons = polygonsOf(outline, geometry);
  const row = rows.get(key) ?? (() => {
    const c = centroidOf(polygons);
    return { code, names: namesOf(code, geometry.properties.name), lat: c.lat, lon: c.lon };
  })();
  row.path = pathOf(polygons);
  rows.set(key, row);
}

const lines = [
  '# Country outlines and centroids for the sign-in map, written by scripts/world-outline.mjs.',
  '# Natural Earth (public domain) through world-atlas 2.0.2 (ISC); ISO codes and names from i18n-iso-countries 7.14.0 (MIT).',
  '# code\tnames\tlat\tlon\tpath (4 units per degree, x = (lon + 180) * 4, y = (90 - lat) * 4)',
];
for (const row of [...rows.values()].sort((a, b) => (a.code + a.names[0]).localeCompare(b.code + b.names[0]))) {
  lines.push([row.code, row.names.join('|'), row.lat.toFixed(2), row.lon.toFixed(2), row.path].join('\t'));
}
process.stdout.write(lines.join('\n') + '\n');
