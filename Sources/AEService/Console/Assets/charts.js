// Small charts of our own: SVG line charts (loss curves, vectors), a histogram with a marked
// threshold, and 28×28 images painted pixel for pixel on canvases.
import { s } from "./dom.js";
import { loss } from "./format.js";

const margin = { top: 14, right: 16, bottom: 36, left: 62 };

/**
 * An SVG drawn at its real width in pixels (so its text stays 11 px on a phone and on a wide
 * screen), drawn again when that width changes. `draw(svg, width, height)` fills it.
 */
function responsiveSVG(title, draw) {
  const svg = s("svg", { class: "chart", role: "img", "aria-label": title });
  let drawnWidth = 0, watched = null;
  /** The width inside the parent's padding, or 0 while the chart is not on the page. */
  const available = () => {
    const parent = svg.parentElement;
    if (!parent) return 0;
    const style = getComputedStyle(parent);
    return Math.floor(parent.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight));
  };
  const redraw = () => {
    const width = Math.max(280, available() || 640);
    const height = Math.round(Math.min(300, Math.max(200, width * 0.4)));
    drawnWidth = width;
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    svg.replaceChildren(s("title", {}, title));
    draw(svg, width, height);
  };
  // The chart's own box changes when it is placed; from then on its parent's width decides.
  const observer = new ResizeObserver(() => {
    if (svg.parentElement && watched !== svg.parentElement) {
      if (watched) observer.unobserve(watched);
      watched = svg.parentElement;
      observer.observe(watched);
    }
    const width = available();
    if (width && Math.abs(Math.max(280, width) - drawnWidth) > 1) redraw();
  });
  observer.observe(svg);
  return { svg, redraw };
}

/** Round tick values covering [low, high] on a linear axis. */
function linearTicks(low, high, wanted = 5) {
  if (!(high > low)) return [low];
  const rough = (high - low) / wanted;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= rough) || rough;
  const ticks = [];
  for (let value = Math.ceil(low / step) * step; value <= high + step * 1e-9; value += step) ticks.push(Number(value.toPrecision(12)));
  return ticks;
}

/** Ticks at 1, 2, 5 × powers of ten within [low, high] (both > 0). */
function logTicks(low, high) {
  const ticks = [];
  for (let power = Math.floor(Math.log10(low)); power <= Math.ceil(Math.log10(high)); power += 1) {
    for (const m of [1, 2, 5]) {
      const value = m * 10 ** power;
      if (value >= low && value <= high) ticks.push(value);
    }
  }
  return ticks.length >= 2 ? ticks : [low, high];
}

/**
 * A line chart that can be redrawn with more points: `chart.update(series)` where series is
 * [{name, key, points: [[x, y], …]}]; `key` picks the CSS class (train, validation). The y axis
 * turns logarithmic when the values span more than a factor of 20 (loss curves do).
 */
export function lineChart({ title, xLabel, yLabel, integerX = false, pointMarkers = true }) {
  let series = [];
  const { svg, redraw } = responsiveSVG(title, (svg, width, height) => {
    const all = series.flatMap((one) => one.points.filter(([, y]) => Number.isFinite(y)));
    svg.dataset.points = String(series.length ? series[0].points.length : 0);
    if (all.length === 0) {
      svg.append(s("text", { x: width / 2, y: height / 2, "text-anchor": "middle" }, "No points yet"));
      return;
    }
    const xs = all.map(([x]) => x), ys = all.map(([, y]) => y);
    let xMin = Math.min(...xs), xMax = Math.max(...xs);
    if (xMin === xMax) { xMin -= 1; xMax += 1; }
    let yMin = Math.min(...ys), yMax = Math.max(...ys);
    const log = yMin > 0 && yMax / yMin > 20;
    if (yMin === yMax) { const pad = Math.abs(yMin) * 0.1 || 1; yMin -= pad; yMax += pad; }
    const plotWidth = width - margin.left - margin.right, plotHeight = height - margin.top - margin.bottom;
    const fx = (x) => margin.left + ((x - xMin) / (xMax - xMin)) * plotWidth;
    const fy = log
      ? (y) => margin.top + (1 - (Math.log(y) - Math.log(yMin)) / (Math.log(yMax) - Math.log(yMin))) * plotHeight
      : (y) => margin.top + (1 - (y - yMin) / (yMax - yMin)) * plotHeight;
    const axis = s("g", { class: "axis" });
    for (const tick of log ? logTicks(yMin, yMax) : linearTicks(yMin, yMax)) {
      axis.append(s("line", { class: "grid-line", x1: margin.left, x2: width - margin.right, y1: fy(tick), y2: fy(tick) }),
        s("text", { x: margin.left - 6, y: fy(tick) + 4, "text-anchor": "end" }, loss(tick)));
    }
    const xTicks = linearTicks(xMin, xMax, Math.max(2, Math.floor(plotWidth / 70))).filter((tick) => !integerX || Number.isInteger(tick));
    for (const tick of xTicks) {
      axis.append(s("text", { x: fx(tick), y: height - margin.bottom + 16, "text-anchor": "middle" }, String(tick)));
    }
    axis.append(
      s("path", { d: `M${margin.left},${margin.top}V${height - margin.bottom}H${width - margin.right}` }),
      s("text", { x: margin.left + plotWidth / 2, y: height - 4, "text-anchor": "middle" }, xLabel),
      s("text", { x: 12, y: margin.top + plotHeight / 2, "text-anchor": "middle",
        transform: `rotate(-90 12 ${margin.top + plotHeight / 2})` }, log ? `${yLabel} (log scale)` : yLabel));
    svg.append(axis);
    for (const one of series) {
      const points = one.points.filter(([, y]) => Number.isFinite(y));
      if (points.length === 0) continue;
      const d = points.map(([x, y], i) => `${i ? "L" : "M"}${fx(x).toFixed(1)},${fy(y).toFixed(1)}`).join("");
      const group = s("g", { "data-series": one.key });
      group.append(s("path", { class: `series-${one.key}`, d }));
      if (pointMarkers) {
        for (const [x, y] of points) {
          group.append(s("circle", { class: `point-${one.key}`, cx: fx(x).toFixed(1), cy: fy(y).toFixed(1), r: 3 },
            s("title", {}, `${one.name}, ${xLabel.toLowerCase()} ${x}: ${loss(y)}`)));
        }
      }
      svg.append(group);
    }
  });
  const chart = {
    svg,
    /** Draws `next` ([{name, key, points: [[x, y], …]}]) in place of what was drawn. */
    update(next) {
      series = next;
      redraw();
    },
  };
  chart.update([]);
  return chart;
}

/**
 * A histogram of scores: bars over `edges` (counts.length + 1 values) with a vertical line at
 * `threshold`, labelled.
 */
export function histogram({ title, edges, counts, threshold, thresholdLabel }) {
  const { svg, redraw } = responsiveSVG(title, (svg, width, height) => {
    const plotWidth = width - margin.left - margin.right, plotHeight = height - margin.top - margin.bottom;
    const low = edges[0];
    const high = Math.max(edges[edges.length - 1], Number.isFinite(threshold) ? threshold : -Infinity);
    const top = Math.max(1, ...counts);
    const fx = (x) => margin.left + ((x - low) / (high - low || 1)) * plotWidth;
    const fy = (c) => margin.top + (1 - c / top) * plotHeight;
    const axis = s("g", { class: "axis" });
    for (const tick of linearTicks(0, top, 4)) {
      axis.append(s("line", { class: "grid-line", x1: margin.left, x2: width - margin.right, y1: fy(tick), y2: fy(tick) }),
        s("text", { x: margin.left - 6, y: fy(tick) + 4, "text-anchor": "end" }, String(tick)));
    }
    for (const tick of linearTicks(low, high, Math.max(2, Math.floor(plotWidth / 80)))) {
      axis.append(s("text", { x: fx(tick), y: height - margin.bottom + 16, "text-anchor": "middle" }, loss(tick)));
    }
    axis.append(s("path", { d: `M${margin.left},${margin.top}V${height - margin.bottom}H${width - margin.right}` }),
      s("text", { x: margin.left + plotWidth / 2, y: height - 4, "text-anchor": "middle" }, "score (reconstruction error)"));
    svg.append(axis);
    counts.forEach((c, i) => {
      const x0 = fx(edges[i]), x1 = fx(edges[i + 1]);
      svg.append(s("rect", { class: "bar", x: x0.toFixed(1), y: fy(c).toFixed(1), width: Math.max(1, x1 - x0 - 1).toFixed(1),
        height: (height - margin.bottom - fy(c)).toFixed(1) }, s("title", {}, `${loss(edges[i])} – ${loss(edges[i + 1])}: ${c}`)));
    });
    if (Number.isFinite(threshold)) {
      const x = fx(threshold);
      svg.append(s("line", { class: "threshold", x1: x, x2: x, y1: margin.top, y2: height - margin.bottom }),
        s("text", { class: "threshold-label", x: x > width - 200 ? x - 4 : x + 4, y: margin.top + 10,
          "text-anchor": x > width - 200 ? "end" : "start" }, thresholdLabel || `threshold ${loss(threshold)}`));
    }
  });
  redraw();
  return svg;
}

/** Vectors of a non-image model as lines over their feature index. */
export function vectorPlot(title, rows) {
  const chart = lineChart({ title, xLabel: "Feature", yLabel: "Value", integerX: true, pointMarkers: false });
  chart.update(rows.map((row, i) => ({ name: row.name, key: i === 0 ? "train" : "validation",
    points: row.values.map((v, x) => [x, v]) })));
  return chart.svg;
}

/** Whether vectors of this width are shown as images (28×28, Fashion-MNIST's shape). */
export function isImageWidth(widthOfVector) {
  return widthOfVector === 784;
}

/** The 8-bit gray level a value in [0, 1] is painted with (clamped, rounded). */
export function grayLevel(value) {
  return Math.round(Math.min(1, Math.max(0, value)) * 255);
}

/** Paints a 784-vector on a 28×28 canvas, one value per pixel, gray levels 0–255. */
export function paintGray(canvas, values) {
  const side = Math.round(Math.sqrt(values.length));
  canvas.width = side; canvas.height = side;
  const context = canvas.getContext("2d");
  const image = context.createImageData(side, side);
  values.forEach((value, i) => {
    const level = grayLevel(value);
    image.data[4 * i] = level; image.data[4 * i + 1] = level; image.data[4 * i + 2] = level; image.data[4 * i + 3] = 255;
  });
  context.putImageData(image, 0, 0);
}

/** Paints per-pixel errors as a heat map (black → red → yellow → white) scaled to `max`. */
export function paintHeat(canvas, values, max) {
  const side = Math.round(Math.sqrt(values.length));
  canvas.width = side; canvas.height = side;
  const context = canvas.getContext("2d");
  const image = context.createImageData(side, side);
  const scale = max > 0 ? max : 1;
  values.forEach((value, i) => {
    const t = Math.min(1, Math.max(0, value / scale));
    image.data[4 * i] = Math.round(255 * Math.min(1, t * 3));
    image.data[4 * i + 1] = Math.round(255 * Math.min(1, Math.max(0, t * 3 - 1)));
    image.data[4 * i + 2] = Math.round(255 * Math.min(1, Math.max(0, t * 3 - 2)));
    image.data[4 * i + 3] = 255;
  });
  context.putImageData(image, 0, 0);
}
