/**
 * Drawing tools, one per EXACT vector type: box (drag), fixed-size box and point (click),
 * line (two clicks), multi-line and polygon (clicks, double-click or Enter to finish; freehand
 * with the toggle or Shift-drag), and the whole-image label (no drawing: one click on the type).
 */

import Draw, { createBox } from 'ol/interaction/Draw.js';

import { VectorType } from './annotations.js';
import { geometryToShape, newUuid } from './features.js';
import { shapeToVector } from './annotations.js';

function drawOptions(type, freehand) {
  switch (type.vector_type) {
    case VectorType.BOX:
      return { type: 'Circle', geometryFunction: createBox(), freehand: true };
    case VectorType.POINT:
    case VectorType.FIXED_BOX:
      return { type: 'Point' };
    case VectorType.LINE:
      return { type: 'LineString', maxPoints: 2 };
    case VectorType.MULTI_LINE:
      return { type: 'LineString', freehand };
    case VectorType.POLYGON:
      return { type: 'Polygon', freehand };
    default:
      return null;
  }
}

export class Drawing {
  constructor({ map, store, config }) {
    this.map = map;
    this.store = store;
    this.config = config;
    this.draw = null;
    this.type = null;
    this.freehand = false;
    this.onCreate = () => {};
  }

  get active() {
    return this.draw !== null;
  }

  /** Start drawing annotations of `type`; a global type is created at once. */
  start(type) {
    this.stop();
    this.type = type;
    if (type.vector_type === VectorType.GLOBAL) {
      this.create(type, shapeToVector(null, VectorType.GLOBAL, { frame: this.frameKey() }));
      return;
    }
    const options = drawOptions(type, this.freehand);
    if (!options) return;
    this.draw = new Draw({ ...options, stopClick: true });
    this.draw.on('drawend', (event) => {
      const shape = geometryToShape(event.feature.getGeometry());
      const { width, height } = this.config.image;
      const vector = shapeToVector(shape, type.vector_type, {
        frame: this.frameKey(),
        width,
        height,
        defaultWidth: type.default_width,
        defaultHeight: type.default_height,
      });
      this.create(type, vector);
    });
    this.map.addInteraction(this.draw);
  }

  /** Restart the current tool, e.g. after the freehand toggle changed. */
  restart() {
    if (this.draw && this.type) this.start(this.type);
  }

  stop() {
    if (this.draw) this.map.removeInteraction(this.draw);
    this.draw = null;
  }

  finish() {
    if (this.draw) this.draw.finishDrawing();
  }

  removeLastPoint() {
    if (this.draw) this.draw.removeLastPoint();
  }

  frameKey() {
    // EXACT keeps the frame inside the vector; single-frame images leave it out.
    return this.config.image.frames > 1 ? this.store.frame : null;
  }

  create(type, vector) {
    const snapshot = { unique_identifier: newUuid(), annotation_type: type.id, vector, deleted: false };
    this.store.apply(snapshot);
    this.onCreate(snapshot);
  }
}
