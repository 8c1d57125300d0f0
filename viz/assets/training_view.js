// blameflow training view: watch a network learn, one recorded step at a time.
//
// Python (viz/training_view.py) computed every number before this page was written: the
// curves, each recorded step's parameters and gradients, the boundary's grid of scores.
// They are in the JSON of #training-data. This script draws them as SVG (no libraries)
// and redraws what changes when the slider moves. Every text from the data (run labels,
// parameter names) goes in with textContent, never as markup.
"use strict";

const data = JSON.parse(document.getElementById("training-data").textContent);
const NS = "http://www.w3.org/2000/svg";
const RED = "#c0392b";
const BLUE = "#2166ac";
const GOLD = "#f0a800";
// One colour per run, for the curves (the first is black: one run reads as plain).
const RUN_COLOURS = ["#222222", "#e08214", "#1b9e77", "#7570b3", "#d95f02", "#66a61e"];
const PLAY_MS = 120;
// A weight's line is MIN_WIDTH wide at 0 and MAX_WIDTH at the run's largest |value|.
const MIN_WIDTH = 0.4;
const MAX_WIDTH = 6;
// The halo adds up to HALO_WIDTH for the largest |gradient| of the step.
const HALO_WIDTH = 12;
const HALO_SHOWN = 0.02;  // halos for a smaller share of the step's largest are hidden

const state = { run: 0, frame: 0, timer: null, inspected: null, charts: [], network: null, boundary: null };

// ---- small helpers ---------------------------------------------------------------------

function svgElement(tag, attributes, parent) {
  const element = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (parent) parent.appendChild(element);
  return element;
}

function svgText(parent, x, y, text, attributes = {}) {
  const element = svgElement("text", { x, y, ...attributes }, parent);
  element.textContent = text;
  return element;
}

function formatNumber(x) {
  if (x === null || x === undefined) return "-";
  return Number(x.toPrecision(4)).toString();
}

// An axis label: the whole number in at most about 7 characters, so it fits its margin:
// 3 significant digits, and powers of ten for the very small and large (3.85e-4, 1e-5).
function tickLabel(x) {
  if (x === 0) return "0";
  const size = Math.abs(x);
  if (size < 1e-3 || size >= 1e5) return x.toExponential(2).replace(/\.?0+e/, "e").replace("e+", "e");
  return Number(x.toPrecision(3)).toString();
}

// The left margin that holds the longest of these axis labels (11px digits are about
// 6.5 units wide; one label character never shrinks below that).
function marginFor(labels) {
  return 10 + 6.8 * Math.max(2, ...labels.map((label) => label.length));
}

function run() {
  return data.runs[state.run];
}

function currentStep() {
  return run().frames.length ? run().frames[state.frame] : run().steps - 1;
}

// ---- line charts: loss, accuracy, gradient sizes ----------------------------------------

// A chart maps steps to x and numbers to y in its plot area; log: a log-10 y axis.
// left: the plot area's left edge (charts that share a step axis share it); by default
// just wide enough for the y axis labels.
function makeChart(svg, { top, bottom, log, yLabel, maxStep, left }) {
  const box = svg.viewBox.baseVal;
  const labels = [bottom, top].map(tickLabel);
  const area = { left: left ?? marginFor(labels), right: box.width - 10, top: 20, bottom: box.height - 24 };
  const chart = { svg, area, log, top, bottom, maxStep: Math.max(maxStep, 1) };
  const transform = (v) => (log ? Math.log10(v) : v);
  chart.x = (step) => area.left + (area.right - area.left) * step / chart.maxStep;
  chart.y = (value) => {
    const share = (transform(value) - transform(bottom)) / (transform(top) - transform(bottom) || 1);
    return area.bottom - (area.bottom - area.top) * Math.min(Math.max(share, 0), 1);
  };
  svgElement("rect", { x: area.left, y: area.top, width: area.right - area.left,
    height: area.bottom - area.top, class: "plot-area" }, svg);
  [bottom, top].forEach((value, index) => {
    svgText(svg, area.left - 4, chart.y(value) + 4, labels[index],
      { class: "tick y-tick", "text-anchor": "end", "data-value": value });
  });
  svgText(svg, area.left, box.height - 6, "step 0", { class: "tick" });
  svgText(svg, area.right, box.height - 6, `step ${chart.maxStep}`, { class: "tick", "text-anchor": "end" });
  svgText(svg, area.left, area.top - 5, yLabel, { class: "axis-name" });
  chart.cursor = svgElement("line", { y1: area.top, y2: area.bottom, class: "cursor" }, svg);
  state.charts.push(chart);
  return chart;
}

// On a log axis a 0 (a layer that gets no gradient at all: dead ReLUs) lies on the floor.
function drawLine(chart, values, steps, colour, extra = {}) {
  const points = [];
  values.forEach((value, index) => {
    if (value === null || value < 0 || (chart.log && value === 0 && !chart.zeroOnFloor)) return;
    const shown = chart.log && value === 0 ? chart.bottom : value;
    points.push(`${chart.x(steps[index]).toFixed(1)},${chart.y(shown).toFixed(1)}`);
  });
  return svgElement("polyline", { points: points.join(" "), stroke: colour, class: "curve", ...extra }, chart.svg);
}

function range(values) {
  const known = values.filter((v) => v !== null && Number.isFinite(v));
  return [Math.min(...known), Math.max(...known)];
}

function drawCurves() {
  const maxStep = Math.max(...data.runs.map((r) => r.steps - 1));
  const losses = data.runs.flatMap((r) => r.loss);
  const [low, high] = range(losses);
  // A log axis when the loss spans orders of magnitude (and never reaches 0).
  const log = low > 0 && high / low > 100;
  const bottom = log ? low : Math.min(low, 0);
  // The loss and accuracy charts share their left edge, so their cursors line up.
  const left = marginFor([high, bottom, 0, 1].map(tickLabel));
  const loss = makeChart(document.getElementById("loss-chart"), {
    top: high, bottom, log, maxStep, left, yLabel: log ? "loss (log scale)" : "loss" });
  // Accuracy only where the rows fall in classes: a regression's accuracy is noise.
  const accuracySvg = document.getElementById("accuracy-chart");
  const accuracy = data.showAccuracy ? makeChart(accuracySvg, {
    top: 1, bottom: 0, log: false, maxStep, left, yLabel: "accuracy" }) : null;
  accuracySvg.classList.toggle("off", !data.showAccuracy);
  document.getElementById("curves-title").textContent = data.showAccuracy ? "Loss and accuracy" : "Loss";
  const legend = document.getElementById("legend");
  data.runs.forEach((r, index) => {
    const steps = r.loss.map((_, step) => step);
    const colour = RUN_COLOURS[index % RUN_COLOURS.length];
    drawLine(loss, r.loss, steps, colour, { "data-run": index });
    if (accuracy) drawLine(accuracy, r.accuracy, steps, colour, { "data-run": index });
    if (data.runs.length > 1) {
      const item = document.createElement("span");
      item.className = "legend-item";
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.dataset.colour = String(index % RUN_COLOURS.length);
      item.append(swatch, document.createTextNode(r.label));
      legend.appendChild(item);
    }
  });
}

function drawLayerGradients() {
  const svg = document.getElementById("gradient-chart");
  svg.replaceChildren();
  state.charts = state.charts.filter((chart) => chart.svg !== svg);
  const r = run();
  const all = r.layerGradients.series.flat().filter((v) => v !== null && v > 0);
  if (!r.frames.length || !all.length) {
    svgText(svg, 20, 40, "No gradients recorded.", { class: "axis-name" });
    return;
  }
  const top = 10 ** Math.ceil(Math.log10(Math.max(...all)));
  const bottom = 10 ** Math.floor(Math.log10(Math.min(...all)));
  const chart = makeChart(svg, { top, bottom: bottom === top ? top / 10 : bottom, log: true,
    yLabel: "mean |gradient|", maxStep: r.steps - 1 });
  chart.zeroOnFloor = true;
  if (r.layerGradients.series.flat().some((v) => v === 0)) {
    svgText(svg, chart.area.right - 4, chart.area.bottom - 4, "on the floor: exactly 0",
      { class: "tick", "text-anchor": "end" });
  }
  const palette = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02"];
  r.layerGradients.series.forEach((series, index) => {
    const colour = palette[index % palette.length];
    drawLine(chart, series, r.frames, colour, { "data-layer": r.layerGradients.names[index] });
    // The legend: the layers' names in their colours along the top of the chart.
    const x = chart.area.left + 110 + 62 * index;
    svgElement("line", { x1: x, x2: x + 14, y1: 8, y2: 8, stroke: colour, "stroke-width": 3 }, svg);
    svgText(svg, x + 18, 12, r.layerGradients.names[index], { class: "tick" });
  });
}

function moveCursors() {
  const step = currentStep();
  for (const chart of state.charts) {
    const x = chart.x(step).toFixed(1);
    chart.cursor.setAttribute("x1", x);
    chart.cursor.setAttribute("x2", x);
    chart.cursor.dataset.step = String(step);
  }
}

// ---- the decision boundary --------------------------------------------------------------

function scoreColour(score, threshold, span) {
  if (score === null) return "#999999";
  const share = Math.min(Math.abs(score - threshold) / span, 1);
  const [r, g, b] = score > threshold ? [192, 57, 43] : [33, 102, 172];
  const mix = (channel) => Math.round(255 - (255 - channel) * 0.75 * share);
  return `rgb(${mix(r)}, ${mix(g)}, ${mix(b)})`;
}

// Lays out the grid's cells and the data points once per run; paintBoundary recolours.
function drawBoundary() {
  const svg = document.getElementById("boundary-chart");
  const caption = document.getElementById("boundary-caption");
  const boundary = run().boundary;
  svg.replaceChildren();
  state.boundary = null;
  if (!boundary || !data.grid) {
    svgText(svg, 150, 150, "No boundary for this run", { class: "axis-name", "text-anchor": "middle" });
    caption.textContent = "It is drawn for networks with one output and one or two inputs, " +
      "with recorded steps (see the notes below the gradient sizes).";
    return;
  }
  if (data.picture === "curve") {
    drawOutputCurve(svg, boundary);
    return;
  }
  const xs = data.grid.xs;
  const ys = data.grid.ys;
  const n = xs.length;
  const cell = 300 / n;
  // Grid points are cell centres; the outermost cells are cut by the picture's edge.
  const place = (x, y) => [cell / 2 + (300 - cell) * (x - xs[0]) / (xs[n - 1] - xs[0]),
    300 - cell / 2 - (300 - cell) * (y - ys[0]) / (ys[n - 1] - ys[0])];
  const group = svgElement("g", { id: "boundary-cells" }, svg);
  const cells = [];
  for (let k = 0; k < n * n; k += 1) {
    const [cx, cy] = place(xs[k % n], ys[Math.floor(k / n)]);
    cells.push(svgElement("rect", { x: (cx - cell / 2).toFixed(2), y: (cy - cell / 2).toFixed(2),
      width: (cell + 0.4).toFixed(2), height: (cell + 0.4).toFixed(2), "data-index": k }, group));
  }
  const line = svgElement("path", { id: "boundary-line" }, svg);
  for (const [x, y, positive] of data.points) {
    const [px, py] = place(x, y);
    svgElement("circle", { cx: px.toFixed(1), cy: py.toFixed(1), r: 3.2,
      fill: positive ? RED : BLUE, class: "point" }, svg);
  }
  state.boundary = { ...boundary, cells, line, place, n };
}

// One input: the model's output over the input's range (a line that moves as it trains)
// and the data points (input, target) it is fitting.
function drawOutputCurve(svg, boundary) {
  const xs = data.grid.xs;
  const outputs = boundary.scores.flat().filter((s) => s !== null);
  const threshold = data.showAccuracy ? [boundary.threshold] : [];
  let [low, high] = range([...outputs, ...data.points.map((p) => p[1]), ...threshold]);
  if (low === high) [low, high] = [low - 1, high + 1];
  const labels = [low, high].map(tickLabel);
  const area = { left: marginFor(labels), right: 290, top: 22, bottom: 268 };
  // 5% of room above and below, so that a point at the lowest or highest is not cut.
  const pad = 0.05 * (high - low);
  const place = (x, y) => [area.left + (area.right - area.left) * (x - xs[0]) / (xs[xs.length - 1] - xs[0]),
    area.bottom - (area.bottom - area.top) * (y - low + pad) / (high - low + 2 * pad)];
  svgElement("rect", { x: area.left, y: area.top, width: area.right - area.left,
    height: area.bottom - area.top, class: "plot-area" }, svg);
  [low, high].forEach((value, index) => {
    svgText(svg, area.left - 4, place(xs[0], value)[1] + 4, labels[index],
      { class: "tick y-tick", "text-anchor": "end", "data-value": value });
  });
  [[xs[0], "start"], [xs[xs.length - 1], "end"]].forEach(([value, anchor]) => {
    svgText(svg, place(value, low)[0], 284, tickLabel(value),
      { class: "tick x-tick", "text-anchor": anchor, "data-value": value });
  });
  svgText(svg, (area.left + area.right) / 2, 284, "input", { class: "axis-name", "text-anchor": "middle" });
  svgText(svg, area.left, area.top - 6, "output", { class: "axis-name" });
  if (threshold.length) {
    const [, y] = place(xs[0], boundary.threshold);
    svgElement("line", { x1: area.left, x2: area.right, y1: y, y2: y, class: "zero" }, svg);
    svgText(svg, area.right - 4, y - 4, "threshold", { class: "tick", "text-anchor": "end" });
  }
  const curve = svgElement("path", { id: "output-curve" }, svg);
  for (const [x, target] of data.points) {
    const [px, py] = place(x, target);
    svgElement("circle", { cx: px.toFixed(1), cy: py.toFixed(1), r: 3.5, class: "point target" }, svg);
  }
  document.getElementById("boundary-title").textContent = "The model's output";
  state.boundary = { ...boundary, curve, place, xs };
}

function paintOutputCurve(boundary) {
  const scores = boundary.scores[state.frame];
  const points = scores.map((score, k) => (score === null ? null : boundary.place(boundary.xs[k], score)))
    .filter(Boolean).map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`);
  boundary.curve.setAttribute("d", points.length ? `M${points.join("L")}` : "M0,0");
  document.getElementById("boundary-caption").textContent =
    `Step ${currentStep()}: the line is the model's output for each input, the dots the ` +
    `data (input, target) it learns to fit.`;
}

function paintBoundary() {
  const boundary = state.boundary;
  if (!boundary) return;
  if (boundary.curve) {
    paintOutputCurve(boundary);
    return;
  }
  const scores = boundary.scores[state.frame];
  scores.forEach((score, k) => {
    const cell = boundary.cells[k];
    cell.setAttribute("fill", scoreColour(score, boundary.threshold, boundary.span));
    cell.setAttribute("class", score !== null && score > boundary.threshold ? "cell positive-cell" : "cell negative-cell");
  });
  boundary.line.setAttribute("d", contour(scores, boundary.threshold, boundary.n, boundary.place));
  const positives = scores.filter((s) => s !== null && s > boundary.threshold).length;
  document.getElementById("boundary-caption").textContent =
    `Step ${currentStep()}: red where the score is above ${boundary.threshold} ` +
    `(${positives} of ${scores.length} grid points), blue below; black line: the boundary.`;
}

// Marching squares: the line where the score crosses the threshold, cell by cell, each
// crossing placed by linear interpolation along the cell's edge.
function contour(scores, threshold, n, place) {
  const xs = data.grid.xs;
  const ys = data.grid.ys;
  const segments = [];
  const value = (i, j) => (scores[j * n + i] ?? threshold) - threshold;
  for (let j = 0; j < n - 1; j += 1) {
    for (let i = 0; i < n - 1; i += 1) {
      const corners = [[i, j], [i + 1, j], [i + 1, j + 1], [i, j + 1]];
      const crossings = [];
      for (let c = 0; c < 4; c += 1) {
        const [ai, aj] = corners[c];
        const [bi, bj] = corners[(c + 1) % 4];
        const a = value(ai, aj);
        const b = value(bi, bj);
        if ((a > 0) !== (b > 0)) {
          const t = a / (a - b);
          crossings.push(place(xs[ai] + (xs[bi] - xs[ai]) * t, ys[aj] + (ys[bj] - ys[aj]) * t));
        }
      }
      for (let c = 0; c + 1 < crossings.length; c += 2) {
        const [p, q] = [crossings[c], crossings[c + 1]];
        segments.push(`M${p[0].toFixed(1)},${p[1].toFixed(1)}L${q[0].toFixed(1)},${q[1].toFixed(1)}`);
      }
    }
  }
  return segments.join("") || "M0,0";
}

// ---- the network: neurons, weights, blame -----------------------------------------------

function neuronPosition(sizes, column, index) {
  const x = 40 + 480 * column / (sizes.length - 1);
  const count = sizes[column];
  const y = count === 1 ? 160 : 20 + 280 * index / (count - 1);
  return [x, y];
}

function drawNetwork() {
  const svg = document.getElementById("network-chart");
  svg.replaceChildren();
  const network = run().network;
  state.network = null;
  if (!network) {
    svgText(svg, 280, 160, "The network is not drawn for this run (see the notes).",
      { class: "axis-name", "text-anchor": "middle" });
    return;
  }
  const scale = Math.max(...network.values.flat().map((v) => Math.abs(v ?? 0))) || 1;
  const halos = svgElement("g", { id: "halos" }, svg);
  const weights = svgElement("g", { id: "weights" }, svg);
  const lines = network.lines.map((line) => {
    const [x1, y1] = neuronPosition(network.sizes, line.layer, line.from);
    const [x2, y2] = neuronPosition(network.sizes, line.layer + 1, line.to);
    const ends = { x1, y1, x2, y2 };
    const halo = svgElement("line", { ...ends, class: "halo", stroke: GOLD }, halos);
    const element = svgElement("line", { ...ends, class: "weight", tabindex: 0,
      "aria-label": `weight ${network.names[line.parameter]}`,
      "data-parameter": line.parameter, "data-name": network.names[line.parameter] }, weights);
    element.addEventListener("mouseenter", () => inspect(line.parameter));
    element.addEventListener("focus", () => inspect(line.parameter));
    return { ...line, element, halo };
  });
  // The inspected weight, drawn again on top of the others so that it stands out.
  const picked = svgElement("line", { id: "picked", visibility: "hidden" }, svg);
  const neurons = svgElement("g", { id: "neurons" }, svg);
  network.sizes.forEach((count, column) => {
    for (let index = 0; index < count; index += 1) {
      const [x, y] = neuronPosition(network.sizes, column, index);
      svgElement("circle", { cx: x, cy: y, r: count > 20 ? 3 : 6, class: "neuron",
        "data-column": column, "data-index": index }, neurons);
    }
    svgText(svg, neuronPosition(network.sizes, column, 0)[0], 316,
      column === 0 ? `${count} inputs` : `layer${column - 1}: ${count}`,
      { class: "tick", "text-anchor": "middle" });
  });
  const biases = network.biases.map((bias) => {
    const element = neurons.querySelector(`circle[data-column="${bias.layer + 1}"][data-index="${bias.neuron}"]`);
    element.setAttribute("tabindex", "0");
    element.setAttribute("aria-label", `bias ${network.names[bias.parameter]}`);
    element.dataset.parameter = String(bias.parameter);
    element.addEventListener("mouseenter", () => inspect(bias.parameter));
    element.addEventListener("focus", () => inspect(bias.parameter));
    return { ...bias, element };
  });
  state.network = { ...network, scale, lines, biases, picked };
}

// The widths and colours of the weights at the current frame (the test reads them).
function weightWidth(value, scale) {
  return MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * Math.min(Math.abs(value ?? 0) / scale, 1);
}

function paintNetwork() {
  const network = state.network;
  if (!network) return;
  const values = network.values[state.frame];
  const gradients = network.gradients[state.frame];
  const largest = Math.max(...network.lines.map((l) => Math.abs(gradients[l.parameter] ?? 0))) || 1;
  for (const line of network.lines) {
    const value = values[line.parameter];
    const width = weightWidth(value, network.scale);
    line.element.setAttribute("stroke-width", width.toFixed(3));
    line.element.setAttribute("stroke", value > 0 ? RED : value < 0 ? BLUE : "#8c8c8c");
    const share = Math.abs(gradients[line.parameter] ?? 0) / largest;
    line.halo.setAttribute("stroke-width", (width + HALO_WIDTH * share).toFixed(3));
    line.halo.setAttribute("stroke-opacity", (0.15 + 0.6 * share).toFixed(3));
    line.halo.setAttribute("visibility", share < HALO_SHOWN ? "hidden" : "visible");
  }
  for (const bias of network.biases) {
    const value = values[bias.parameter];
    bias.element.setAttribute("fill", value > 0 ? RED : value < 0 ? BLUE : "#ffffff");
    bias.element.setAttribute("fill-opacity", (0.25 + 0.75 * Math.min(Math.abs(value ?? 0) / network.scale, 1)).toFixed(3));
  }
}

// ---- the inspector: one parameter's value and gradient over time -----------------------

function inspect(parameter) {
  state.inspected = parameter;
  const line = state.network.lines.find((l) => l.parameter === parameter);
  const picked = state.network.picked;
  picked.setAttribute("visibility", line ? "visible" : "hidden");
  if (line) {
    for (const end of ["x1", "y1", "x2", "y2"]) picked.setAttribute(end, line.element.getAttribute(end));
  }
  showInspected();
}

function sparkline(svg, series, frame, name) {
  svg.replaceChildren();
  svgText(svg, 236, 10, name, { class: "tick", "text-anchor": "end" });
  const known = series.filter((v) => v !== null);
  const low = Math.min(...known, 0);
  const high = Math.max(...known, 0);
  const y = (v) => 36 - 32 * (v - low) / (high - low || 1);
  const x = (i) => 4 + 232 * i / Math.max(series.length - 1, 1);
  svgElement("line", { x1: 4, x2: 236, y1: y(0), y2: y(0), class: "zero" }, svg);
  const points = series.map((v, i) => (v === null ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`)).filter(Boolean);
  svgElement("polyline", { points: points.join(" "), class: "spark-line" }, svg);
  if (series[frame] !== null) svgElement("circle", { cx: x(frame), cy: y(series[frame]), r: 3, class: "spark-dot" }, svg);
  return [Math.min(...known), Math.max(...known)];  // the scale also takes in 0; these do not
}

function showInspected() {
  const network = state.network;
  const body = document.getElementById("inspector-body");
  if (!network || state.inspected === null || state.inspected >= network.names.length) {
    body.hidden = true;
    document.getElementById("inspector-hint").hidden = false;
    return;
  }
  const k = state.inspected;
  body.hidden = false;
  document.getElementById("inspector-hint").hidden = true;
  document.getElementById("inspector-name").textContent = network.names[k];
  const values = network.values.map((row) => row[k]);
  const gradients = network.gradients.map((row) => row[k]);
  document.getElementById("inspector-value").textContent = `value ${formatNumber(values[state.frame])}`;
  document.getElementById("inspector-gradient").textContent = `gradient ${formatNumber(gradients[state.frame])}`;
  const [vLow, vHigh] = sparkline(document.getElementById("inspector-values"), values, state.frame, "value");
  const [gLow, gHigh] = sparkline(document.getElementById("inspector-gradients"), gradients, state.frame, "gradient");
  document.getElementById("inspector-range").textContent =
    `over the recorded steps (gold dot: this step): value from ${formatNumber(vLow)} to ` +
    `${formatNumber(vHigh)}, gradient from ${formatNumber(gLow)} to ${formatNumber(gHigh)}`;
}

// ---- the step: slider, play, run picker -------------------------------------------------

function showFrame(frame) {
  const frames = run().frames.length;
  state.frame = Math.max(0, Math.min(frame, Math.max(frames - 1, 0)));
  const slider = document.getElementById("slider");
  slider.value = String(state.frame);
  const step = currentStep();
  document.body.dataset.frame = String(state.frame);
  document.body.dataset.step = String(step);
  const r = run();
  const accuracy = r.accuracy[step];
  const shownAccuracy = accuracy === null ? "-" : `${Math.round(accuracy * 100)}%`;
  document.getElementById("step-counter").textContent =
    `step ${step} of ${r.steps - 1}: loss ${formatNumber(r.loss[step])}` +
    (data.showAccuracy ? `, accuracy ${shownAccuracy}` : "");
  moveCursors();
  paintBoundary();
  paintNetwork();
  showInspected();
}

function play() {
  if (state.timer !== null) {
    stop();
    return;
  }
  if (state.frame >= run().frames.length - 1) showFrame(0);
  document.body.dataset.playing = "true";
  document.getElementById("button-play").textContent = "\u275A\u275A pause";
  state.timer = setInterval(() => {
    if (state.frame >= run().frames.length - 1) {
      stop();
      return;
    }
    showFrame(state.frame + 1);
  }, PLAY_MS);
}

function stop() {
  clearInterval(state.timer);
  state.timer = null;
  document.body.dataset.playing = "false";
  document.getElementById("button-play").textContent = "\u25B6 play";
}

function chooseRun(index) {
  const step = currentStep();
  state.run = index;
  state.inspected = null;  // a parameter of the run shown before
  const frames = run().frames;
  // The recorded step of the new run nearest to the one shown.
  let nearest = 0;
  frames.forEach((s, i) => { if (Math.abs(s - step) < Math.abs(frames[nearest] - step)) nearest = i; });
  document.getElementById("slider").max = String(Math.max(frames.length - 1, 0));
  for (const curve of document.querySelectorAll("#curves .curve")) {
    curve.classList.toggle("selected", curve.dataset.run === String(index) && data.runs.length > 1);
  }
  drawNetwork();
  drawBoundary();
  drawLayerGradients();
  showNotes();
  showFrame(nearest);
}

function showNotes() {
  const list = document.getElementById("notes");
  list.replaceChildren();
  const notes = data.boundaryNote ? [data.boundaryNote, ...run().notes] : run().notes;
  for (const note of notes) {
    const item = document.createElement("li");
    item.textContent = data.runs.length > 1 ? `${run().label}: ${note}` : note;
    list.appendChild(item);
  }
}

function setUp() {
  drawCurves();
  const picker = document.getElementById("run-picker");
  data.runs.forEach((r, index) => {
    const option = document.createElement("option");
    option.value = String(index);
    option.textContent = r.label;
    picker.appendChild(option);
  });
  document.getElementById("run-picker-label").hidden = data.runs.length < 2;
  // No run has a boundary: the page gives its space to the others.
  const noBoundary = data.runs.every((r) => !r.boundary);
  document.getElementById("boundary").hidden = noBoundary;
  document.body.classList.toggle("no-boundary", noBoundary);
  picker.addEventListener("change", () => chooseRun(Number(picker.value)));
  document.getElementById("slider").addEventListener("input", (event) => {
    stop();
    showFrame(Number(event.target.value));
  });
  document.getElementById("button-play").addEventListener("click", play);
  document.addEventListener("keydown", (event) => {
    if (event.key === " " && event.target.tagName !== "BUTTON" && event.target.tagName !== "SELECT") {
      event.preventDefault();
      play();
    }
  });
  chooseRun(0);
}

setUp();
