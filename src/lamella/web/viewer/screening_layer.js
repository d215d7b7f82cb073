/**
 * The screening grid over the slide: tile lines, screened tiles shaded green, the current tile
 * outlined in cyan. One canvas drawn for the visible tiles only, so a
 * grid of 100,000 tiles costs what the screen shows, not what the slide holds.
 */

import ImageLayer from 'ol/layer/Image.js';
import ImageCanvasSource from 'ol/source/ImageCanvas.js';

const SCREENED = 'rgba(30, 200, 90, 0.3)';
const LINE = 'rgba(255, 255, 255, 0.6)';
// Cyan over a dark halo: visible on the pinks and purples of H&E, where EXACT's magenta is not.
const CURRENT = 'rgb(0, 229, 255)';
const HALO = 'rgba(0, 0, 0, 0.6)';

/** Draw `screening`'s tiles for a map extent (x right, y up; image y is -map y). */
function drawGrid(screening, extent, resolution, pixelRatio, size) {
  const canvas = document.createElement('canvas');
  [canvas.width, canvas.height] = [Math.round(size[0]), Math.round(size[1])];
  const context = canvas.getContext('2d');
  const state = screening();
  if (!state) return canvas;
  const scale = pixelRatio / resolution;
  const [minX, , , maxY] = extent;
  const rect = ([x0, y0, x1, y1]) => [(x0 - minX) * scale, (maxY + y0) * scale, (x1 - x0) * scale, (y1 - y0) * scale];
  const visible = state.tilesIn([extent[0], -extent[3], extent[2], -extent[1]]);
  // Lines only while a tile is a few pixels wide; shading always, so progress shows zoomed out.
  const first = visible.length ? rect(state.bounds(visible[0])) : null;
  const lines = first && first[2] >= 6 && first[3] >= 6;
  context.fillStyle = SCREENED;
  context.strokeStyle = LINE;
  context.lineWidth = pixelRatio;
  for (const index of visible) {
    const [x, y, width, height] = rect(state.bounds(index));
    if (state.isScreened(index)) context.fillRect(x, y, width, height);
    if (lines) context.strokeRect(x, y, width, height);
  }
  const current = state.bounds(state.current);
  if (current) {
    for (const [style, width] of [[HALO, 5], [CURRENT, 2.5]]) {
      context.strokeStyle = style;
      context.lineWidth = width * pixelRatio;
      context.strokeRect(...rect(current));
    }
  }
  return canvas;
}

/**
 * A layer (and its source) drawing `screening()`, a function returning the live Screening or
 * null; call `source.changed()` after a move to redraw. Hidden until screening starts.
 */
export function screeningLayer(screening, extent) {
  const source = new ImageCanvasSource({
    canvasFunction: (box, resolution, pixelRatio, size) => drawGrid(screening, box, resolution, pixelRatio, size),
    ratio: 1,
  });
  const layer = new ImageLayer({ source, extent, zIndex: 4, visible: false, properties: { name: 'screening' } });
  return { layer, source };
}
