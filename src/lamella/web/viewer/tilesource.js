/** The slide as an OpenLayers tile layer from a Deep Zoom descriptor. */

import TileLayer from 'ol/layer/Tile.js';
import TileImage from 'ol/source/TileImage.js';
import TileGrid from 'ol/tilegrid/TileGrid.js';

import { parseDzi, pyramid, tileCrop, tileUrl, tilesBase } from './dzi.js';

/** Fetch and parse a DZI descriptor. */
export async function loadDzi(url) {
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return parseDzi(await response.text());
}

/** The map extent of an image: x right, y up, so the image lies below the x axis. */
export function imageExtent(width, height) {
  return [0, -height, width, 0];
}

/**
 * Draw the tile proper into a tileSize canvas: strips Deep Zoom's overlap and keeps partial
 * edge tiles at their true size, where OpenLayers would otherwise stretch them.
 */
function croppingLoader(info, levels) {
  return (tile, src) => {
    const [z, col, row] = tile.getTileCoord();
    const crop = tileCrop(levels[z], col, row, info);
    const image = new Image();
    image.crossOrigin = 'anonymous';
    image.onload = () => {
      const whole = crop.x === 0 && crop.y === 0 && crop.width === info.tileSize && crop.height === info.tileSize;
      if (whole && image.naturalWidth === info.tileSize && image.naturalHeight === info.tileSize) {
        tile.setImage(image);
        return;
      }
      const canvas = document.createElement('canvas');
      canvas.width = info.tileSize;
      canvas.height = info.tileSize;
      const width = Math.min(crop.width, image.naturalWidth - crop.x);
      const height = Math.min(crop.height, image.naturalHeight - crop.y);
      canvas.getContext('2d').drawImage(image, crop.x, crop.y, width, height, 0, 0, width, height);
      tile.setImage(canvas);
    };
    image.onerror = () => tile.setState(3); // TileState.ERROR
    image.src = src;
  };
}

/** A tile layer for a DZI descriptor found at `dziUrl`. */
export function dziLayer(info, dziUrl) {
  const { levels, resolutions } = pyramid(info);
  const extent = imageExtent(info.width, info.height);
  const base = tilesBase(dziUrl, info);
  const tileGrid = new TileGrid({ extent, origin: [0, 0], resolutions, tileSize: info.tileSize });
  const source = new TileImage({
    tileGrid,
    tileUrlFunction: ([z, col, row]) => tileUrl(base, levels[z].level, col, row, info.format),
    tileLoadFunction: croppingLoader(info, levels),
    crossOrigin: 'anonymous',
  });
  return new TileLayer({ source, extent, preload: 1 });
}

/**
 * Change the query of every tile URL (frame, channel displays) and redraw: the new key makes
 * OpenLayers drop the tiles it has, which were rendered for the old query.
 */
export function setTileQuery(layer, info, dziUrl, queryText) {
  const { levels } = pyramid(info);
  const [path] = tilesBase(dziUrl, info).split('?');
  const base = queryText ? `${path}?${queryText}` : path;
  const source = layer.getSource();
  source.setTileUrlFunction(([z, col, row]) => tileUrl(base, levels[z].level, col, row, info.format), base);
}
