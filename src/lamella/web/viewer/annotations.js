/**
 * EXACT annotation vectors <-> plain shapes in map coordinates. Pure: no OpenLayers, no DOM.
 *
 * EXACT vectors hold level-0 pixel coordinates with y pointing DOWN ({"x1","y1",...}); the map
 * uses the same pixels with y pointing UP, so map [x, y] is image (x, -y).
 * A shape is {kind: 'Polygon'|'LineString'|'Point', coordinates, radius?}; Polygon coordinates
 * are one closed ring, Point carries the circle radius in image pixels.
 */

export const VectorType = Object.freeze({
  BOX: 1,
  POINT: 2,
  LINE: 3,
  MULTI_LINE: 4,
  POLYGON: 5,
  FIXED_BOX: 6,
  GLOBAL: 7,
  SEGMENTATION: 8,
});

/** Image pixel (x, y down) to map coordinate (x, y up). */
export function toMap(x, y) {
  return [x, -y];
}

/** Map coordinate to image pixel [x, y] (y down). */
export function toImage(coordinate) {
  return [coordinate[0], -coordinate[1]];
}

/** The ordered [x, y] image nodes of a vector (keys x1, y1, ... xn, yn). */
export function nodesOf(vector) {
  const nodes = [];
  if (!vector) return nodes;
  for (let i = 1; `x${i}` in vector && `y${i}` in vector; i += 1) {
    nodes.push([Number(vector[`x${i}`]), Number(vector[`y${i}`])]);
  }
  return nodes;
}

function ring(nodes) {
  const coordinates = nodes.map(([x, y]) => toMap(x, y));
  coordinates.push(coordinates[0].slice());
  return coordinates;
}

/** The shape of an EXACT vector, or null when it has no place on the image (global, null). */
export function vectorToShape(vector, vectorType) {
  const nodes = nodesOf(vector);
  switch (vectorType) {
    case VectorType.BOX:
    case VectorType.FIXED_BOX: {
      if (nodes.length < 2) return null;
      const [[x1, y1], [x2, y2]] = nodes;
      return { kind: 'Polygon', coordinates: ring([[x1, y1], [x2, y1], [x2, y2], [x1, y2]]) };
    }
    case VectorType.POINT: {
      if (nodes.length < 2) return null;
      const [[x1, y1], [x2, y2]] = nodes;
      const radius = Math.max(Math.abs(x2 - x1), Math.abs(y2 - y1)) / 2;
      return { kind: 'Point', coordinates: toMap((x1 + x2) / 2, (y1 + y2) / 2), radius };
    }
    case VectorType.LINE:
    case VectorType.MULTI_LINE:
      if (nodes.length < 2) return null;
      return { kind: 'LineString', coordinates: nodes.map(([x, y]) => toMap(x, y)) };
    case VectorType.POLYGON:
      if (nodes.length < 3) return null;
      return { kind: 'Polygon', coordinates: ring(nodes) };
    default:
      return null;
  }
}

function vectorOf(nodes, frame) {
  const vector = {};
  nodes.forEach(([x, y], index) => {
    vector[`x${index + 1}`] = Math.round(x);
    vector[`y${index + 1}`] = Math.round(y);
  });
  if (frame) vector.frame = frame;
  return vector;
}

/** [xMin, yMin, xMax, yMax] in image pixels of a list of map coordinates. */
export function imageBounds(coordinates) {
  const xs = coordinates.map((c) => c[0]);
  const ys = coordinates.map((c) => -c[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

function clamp(value, low, high) {
  return Math.min(Math.max(value, low), high);
}

/**
 * The EXACT vector of a shape drawn for an annotation type.
 * options: frame (added as "frame" when given), width/height (image size: nodes are kept inside),
 * defaultWidth/defaultHeight (size of fixed boxes and points drawn by one click).
 */
export function shapeToVector(shape, vectorType, options = {}) {
  const { frame = null, width = Infinity, height = Infinity } = options;
  const inside = ([x, y]) => [clamp(x, 0, width), clamp(y, 0, height)];
  switch (vectorType) {
    case VectorType.BOX: {
      const [x1, y1, x2, y2] = imageBounds(flatRing(shape));
      const [a, b] = [inside([x1, y1]), inside([x2, y2])].map((n) => n.map(Math.round));
      // EXACT wants x2 > x1 and y2 > y1: a click without a drag still makes a 1-pixel box.
      return vectorOf([a, [Math.max(b[0], a[0] + 1), Math.max(b[1], a[1] + 1)]], frame);
    }
    case VectorType.FIXED_BOX:
    case VectorType.POINT: {
      const [cx, cy] = centreOf(shape);
      const size = sizeFor(shape, vectorType, options);
      return vectorOf(
        [
          [cx - size[0] / 2, cy - size[1] / 2],
          [cx + size[0] / 2, cy + size[1] / 2],
        ],
        frame,
      );
    }
    case VectorType.LINE: {
      const nodes = shape.coordinates.map(toImage).map(inside);
      return vectorOf([nodes[0], nodes[nodes.length - 1]], frame);
    }
    case VectorType.MULTI_LINE:
      return vectorOf(shape.coordinates.map(toImage).map(inside), frame);
    case VectorType.POLYGON: {
      const nodes = openRing(flatRing(shape)).map(toImage).map(inside);
      return vectorOf(dropRepeats(nodes), frame);
    }
    case VectorType.GLOBAL:
      return { frame: frame || 1 };
    default:
      throw new Error(`vector type ${vectorType} cannot be drawn`);
  }
}

function flatRing(shape) {
  // Polygons come as one ring; a point or a line is already a list of coordinates.
  if (shape.kind === 'Polygon') return shape.coordinates;
  if (shape.kind === 'Point') return [shape.coordinates];
  return shape.coordinates;
}

function openRing(coordinates) {
  const last = coordinates[coordinates.length - 1];
  const first = coordinates[0];
  const closed = coordinates.length > 1 && last[0] === first[0] && last[1] === first[1];
  return closed ? coordinates.slice(0, -1) : coordinates;
}

function dropRepeats(nodes) {
  const rounded = nodes.map(([x, y]) => [Math.round(x), Math.round(y)]);
  return rounded.filter((node, i) => {
    const previous = rounded[i - 1];
    return !previous || previous[0] !== node[0] || previous[1] !== node[1];
  });
}

function centreOf(shape) {
  if (shape.kind === 'Point') return toImage(shape.coordinates);
  const [x1, y1, x2, y2] = imageBounds(flatRing(shape));
  return [(x1 + x2) / 2, (y1 + y2) / 2];
}

function sizeFor(shape, vectorType, options) {
  const { defaultWidth = 50, defaultHeight = 50 } = options;
  if (vectorType === VectorType.POINT && shape.kind === 'Point' && shape.radius) {
    return [shape.radius * 2, shape.radius * 2];
  }
  if (vectorType === VectorType.POINT && shape.kind === 'Point') {
    const diameter = Math.max(defaultWidth, defaultHeight);
    return [diameter, diameter];
  }
  return [defaultWidth, defaultHeight];
}

/** Area (closed shapes) and length (lines, perimeters) in pixels, and in µm when mpp > 0. */
export function measure(shape, mpp = 0) {
  let areaPx = 0;
  let lengthPx = 0;
  if (shape.kind === 'Point') {
    areaPx = Math.PI * shape.radius ** 2;
    lengthPx = 2 * Math.PI * shape.radius;
  } else {
    const c = shape.coordinates;
    for (let i = 1; i < c.length; i += 1) {
      lengthPx += Math.hypot(c[i][0] - c[i - 1][0], c[i][1] - c[i - 1][1]);
      if (shape.kind === 'Polygon') areaPx += c[i - 1][0] * c[i][1] - c[i][0] * c[i - 1][1];
    }
    areaPx = Math.abs(areaPx) / 2;
  }
  const result = { areaPx, lengthPx, areaUm2: null, lengthUm: null };
  if (mpp > 0) {
    result.areaUm2 = areaPx * mpp * mpp;
    result.lengthUm = lengthPx * mpp;
  }
  return result;
}

/** A short human text for a measurement, in µm when known. */
export function formatMeasure(m, kind) {
  const closed = kind !== 'LineString';
  if (m.lengthUm !== null) {
    const length = `${m.lengthUm.toFixed(1)} µm`;
    return closed ? `${m.areaUm2.toFixed(1)} µm² · ${length}` : length;
  }
  const length = `${m.lengthPx.toFixed(0)} px`;
  return closed ? `${m.areaPx.toFixed(0)} px² · ${length}` : length;
}
