/** Flat styles (one rule per annotation type) shared by the WebGL and canvas layers. */

function rgba(hex, alpha) {
  const value = /^#?([0-9a-f]{6})$/i.exec(hex || '');
  const n = value ? parseInt(value[1], 16) : 0xcc4444;
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255, alpha];
}

function flat(color, width, fillAlpha) {
  const stroke = rgba(color, 1);
  const fill = rgba(color, fillAlpha);
  return {
    'stroke-color': stroke,
    'stroke-width': width,
    'fill-color': fill,
    // Points are circles of a size in image pixels, so their screen radius follows the zoom.
    'circle-radius': ['clamp', ['/', ['get', 'radius'], ['resolution']], 3, 100000],
    'circle-fill-color': fill,
    'circle-stroke-color': stroke,
    'circle-stroke-width': width,
  };
}

/**
 * The style of saved annotations: each type in its colour; model-generated ones dashed, and
 * hidden below the score threshold (people's annotations carry score 1, so they always show).
 */
export function annotationStyle(types, { threshold = 0 } = {}) {
  const rules = [];
  for (const type of types) {
    const ofType = ['==', ['get', 'type'], type.id];
    const scored = ['>=', ['get', 'score'], threshold];
    rules.push(
      { filter: ['all', ofType, ['==', ['get', 'generated'], 0]], style: flat(type.color_code, 2, 0.12) },
      {
        filter: ['all', ofType, ['==', ['get', 'generated'], 1], scored],
        style: { ...flat(type.color_code, 2, 0.05), 'stroke-line-dash': [8, 6] },
      },
    );
  }
  const known = types.length ? ['!', ['in', ['get', 'type'], types.map((t) => t.id)]] : true;
  rules.push({ filter: known, style: flat('#cc4444', 2, 0.12) });
  return rules;
}

/** The style of selected annotations: thicker, brighter, on the canvas editing layer. */
export function selectedStyle(types) {
  return [
    ...types.map((type) => ({
      filter: ['==', ['get', 'type'], type.id],
      style: flat(type.color_code, 4, 0.3),
    })),
    { else: true, style: flat('#ffcc00', 4, 0.3) },
  ];
}
