/**
 * The density layer: when a view holds too many annotations to draw, a small picture shows
 * where they are and how many, one pixel per grid cell scaled up without smoothing, in the
 * colour of the cell's most frequent type and more opaque the more it holds.
 *
 * A picture, not squares on the WebGL layer: drawing it is one scaled image per frame, and it
 * needs no WebGL canvas, buffers or shaders of its own (SwiftShader, the software renderer of
 * headless Chromium, spends seconds compiling shaders on a busy machine).
 */

import ImageState from 'ol/ImageState.js';
import ImageLayer from 'ol/layer/Image.js';
import ImageSource from 'ol/source/Image.js';

import { densityCells } from './lod.js';
import { rgba } from './style.js';

const ALPHA = [0.2, 0.75];

/** The picture of a density answer: a canvas of one pixel per cell, and its map extent. */
export function densityPicture(density, colours) {
  const cells = densityCells(density);
  if (!cells.length) return null;
  const xs = cells.map((c) => c.x);
  const ys = cells.map((c) => c.y);
  const [left, top] = [Math.min(...xs), Math.min(...ys)];
  const [width, height] = [Math.max(...xs) - left + 1, Math.max(...ys) - top + 1];
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  const pixels = context.createImageData(width, height);
  for (const cell of cells) {
    const [r, g, b] = colours.get(cell.type) || rgba('#cc4444', 1);
    const at = ((cell.y - top) * width + (cell.x - left)) * 4;
    pixels.data.set([r, g, b, Math.round(255 * (ALPHA[0] + (ALPHA[1] - ALPHA[0]) * cell.level))], at);
  }
  context.putImageData(pixels, 0, 0);
  const { cell } = density;
  // Image pixels, y down, to map coordinates, y up.
  const extent = [left * cell, -(top + height) * cell, (left + width) * cell, -top * cell];
  return { canvas, extent, resolution: cell };
}

export class DensityLayer {
  constructor(types) {
    this.colours = new Map(types.map((type) => [type.id, rgba(type.color_code, 1)]));
    this.layer = new ImageLayer({ zIndex: 4 });
    this.shown = null;
  }

  /** Draw a density answer; false when it is already drawn. */
  show(density) {
    if (this.shown === density) return false;
    const picture = densityPicture(density, this.colours);
    // A loader without arguments is asked once: the picture serves every resolution.
    const loader = () => ({ image: picture.canvas, extent: picture.extent, resolution: picture.resolution, pixelRatio: 1 });
    this.layer.setSource(picture ? new ImageSource({ loader, interpolate: false }) : null);
    this.shown = density;
    return true;
  }

  /** Remove the picture; false when none was drawn. */
  hide() {
    if (!this.shown) return false;
    this.layer.setSource(null);
    this.shown = null;
    return true;
  }

  /** Whether what `show` set is on screen (the picture is handed over a microtask later). */
  ready() {
    const source = this.layer.getSource();
    return !source || !source.image || source.image.getState() !== ImageState.LOADING;
  }
}
