/**
 * Deep Zoom (DZI) descriptors and pyramid arithmetic. Pure: no OpenLayers, no DOM.
 *
 * Level n of a Deep Zoom pyramid is the image scaled by 2^(n - maxLevel), maxLevel being
 * ceil(log2(max(width, height))). Names carry their frame: l0_ level-0 pixels, z_ OpenLayers
 * zoom, level a Deep Zoom level.
 */

function attribute(text, element, name) {
  const tag = new RegExp(`<(?:\\w+:)?${element}\\b([^>]*)>`, 'i').exec(text);
  if (!tag) return null;
  const value = new RegExp(`\\b${name}\\s*=\\s*"([^"]*)"`, 'i').exec(tag[1]);
  return value ? value[1] : null;
}

/** {tileSize, overlap, format, width, height, url} from DZI XML; throws on a malformed one. */
export function parseDzi(text) {
  const info = {
    tileSize: Number(attribute(text, 'Image', 'TileSize')),
    overlap: Number(attribute(text, 'Image', 'Overlap') ?? 0),
    format: attribute(text, 'Image', 'Format') || 'jpeg',
    width: Number(attribute(text, 'Size', 'Width')),
    height: Number(attribute(text, 'Size', 'Height')),
    url: attribute(text, 'Image', 'Url'),
  };
  for (const key of ['tileSize', 'width', 'height']) {
    if (!Number.isInteger(info[key]) || info[key] <= 0) {
      throw new Error(`DZI descriptor has no valid ${key}`);
    }
  }
  if (!Number.isInteger(info.overlap) || info.overlap < 0) throw new Error('DZI overlap is invalid');
  return info;
}

/** Where the tiles of a DZI live: the descriptor's Url, else "<name>_files/" beside it. */
export function tilesBase(dziUrl, info) {
  if (info.url) return info.url.endsWith('/') ? info.url : `${info.url}/`;
  const [path, query = ''] = dziUrl.split('?');
  const stem = path.replace(/\.(dzi|xml)$/i, '');
  return `${stem}_files/${query ? `?${query}` : ''}`;
}

/** The URL of one tile; keeps a query string of the base (e.g. a version) at the end. */
export function tileUrl(base, level, col, row, format) {
  const [path, query] = base.split('?');
  const url = `${path}${level}/${col}_${row}.${format}`;
  return query ? `${url}?${query}` : url;
}

/**
 * The pyramid as OpenLayers wants it: Deep Zoom levels from the largest one that fits in one
 * tile (smaller ones are useless thumbnails) to full resolution.
 */
export function pyramid({ width, height, tileSize }) {
  const l0_size = Math.max(width, height, 1);
  const maxLevel = Math.ceil(Math.log2(l0_size));
  let minLevel = maxLevel;
  while (minLevel > 0 && Math.ceil(l0_size / 2 ** (maxLevel - minLevel)) > tileSize) {
    minLevel -= 1;
  }
  const levels = [];
  for (let level = minLevel; level <= maxLevel; level += 1) {
    const scale = 2 ** (maxLevel - level);
    const l_width = Math.ceil(width / scale);
    const l_height = Math.ceil(height / scale);
    levels.push({
      level,
      resolution: scale,
      width: l_width,
      height: l_height,
      cols: Math.ceil(l_width / tileSize),
      rows: Math.ceil(l_height / tileSize),
    });
  }
  return { maxLevel, minLevel, levels, resolutions: levels.map((l) => l.resolution) };
}

/**
 * Which part of a served tile image is the tile proper: Deep Zoom adds `overlap` pixels on
 * every side that has a neighbour. Returns {x, y, width, height} in the served image.
 */
export function tileCrop(levelInfo, col, row, { tileSize, overlap }) {
  return {
    x: col > 0 ? overlap : 0,
    y: row > 0 ? overlap : 0,
    width: Math.min(tileSize, levelInfo.width - col * tileSize),
    height: Math.min(tileSize, levelInfo.height - row * tileSize),
  };
}
