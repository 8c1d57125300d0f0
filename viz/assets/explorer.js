// blameflow explorer: step through the forward and backward pass of one graph.
//
// Python (viz/explorer.py) did all the work before this page was written: Graphviz laid
// out each fold level of the graph (one SVG per level on the page, all but one hidden),
// and every number and sentence shown here is in the JSON of #graph-data. This script
// only adds and removes CSS classes on SVG elements that are already there, puts the
// texts Python wrote into them, moves the view, and fills in the side panel.
//
// Steps: a level with N boxes has 2N steps. Steps 1..N are the forward pass (box k of
// the forward order is computed); steps N+1..2N are the backward pass (the gradients of
// box k of the backward order are complete). state.step counts the steps done.
"use strict";

const graph = JSON.parse(document.getElementById("graph-data").textContent);
const values = graph.values;

// What a box whose text is at least this tall can be read at, in CSS pixels.
const READABLE_PX = 11.5;
const ZOOM_STEP = 1.25;

const state = { level: null, step: 0, timer: null, selected: null, lit: [] };

// ---- one fold level: its SVG, boxes, arrows and steps -------------------------------

function makeLevel(data, index) {
  const container = document.getElementById(data.svg);
  const svg = container.querySelector("svg");
  const boxes = data.boxes.map((box, boxIndex) => makeBox(box, boxIndex));
  const arrows = data.arrows.map((arrow) => ({ ...arrow, element: document.getElementById(arrow.id) }));
  const level = { ...data, index, container, svg, boxes, arrows, camera: null };
  level.stepCount = 2 * boxes.length;
  // The step at which each box is computed, and the one at which it is complete.
  data.forward.forEach((boxIndex, position) => { boxes[boxIndex].computedAt = position + 1; });
  data.backward.forEach((boxIndex, position) => {
    boxes[boxIndex].completeAt = boxes.length + position + 1;
  });
  for (const arrow of arrows) {
    boxes[arrow.target].arrowsIn.push(arrow);
    boxes[arrow.source].arrowsOut.push(arrow);
  }
  return level;
}

function makeBox(data, index) {
  const elements = data.elements.map((id) => document.getElementById(id)).filter(Boolean);
  const main = elements[0];
  main.classList.add(data.value === null ? "group-box" : "value-box");
  main.dataset.box = String(index);
  const texts = [...main.querySelectorAll("text")];
  return {
    ...data,
    index,
    elements,
    main,
    // Each changing line: its SVG text, what it says while pending, while computed, and
    // (as drawn) once complete.
    lines: data.lines.map(([line, pending, computed]) => ({
      element: texts[line], pending, computed, complete: texts[line]?.textContent ?? "",
    })).filter((line) => line.element),
    arrowsIn: [],
    arrowsOut: [],
  };
}

const levels = graph.levels.map(makeLevel);

function stepCount() {
  return state.level.stepCount;
}

// ---- painting: what a box or an arrow looks like at the current step -----------------

function isComputed(box) { return state.step >= box.computedAt; }
function isComplete(box) { return state.step >= box.completeAt; }

function paintBox(box) {
  const computed = isComputed(box);
  const complete = isComplete(box);
  for (const element of box.elements) element.classList.toggle("pending", !computed);
  box.main.classList.toggle("no-grad", !complete);
  for (const line of box.lines) {
    line.element.textContent = !computed ? line.pending : !complete ? line.computed : line.complete;
  }
  box.main.setAttribute("aria-label", boxAnnouncement(box, computed, complete));
}

// What a screen reader says on reaching a box: its name, data and grad as far as known.
function boxAnnouncement(box, computed, complete) {
  if (box.value !== null) {
    const value = values[box.value];
    const data = computed ? value.dataText : "not computed yet";
    const grad = complete ? value.gradText : "not known yet";
    const about = value.description === value.name ? "" : ` (${value.description})`;
    return `${value.name}${about}: data ${data}, grad ${grad}`;
  }
  const size = `${box.name}, a folded box of ${box.size} values`;
  const data = computed ? "computed" : "not computed yet";
  const grad = !complete ? "grad not known yet"
    : box.largestGrad === null ? "grad complete" : `largest parameter |grad| ${box.largestGrad}`;
  return `${size}: data ${data}, ${grad}`;
}

// An arrow carries values forward once the box it leads to is computed, and blame back
// once that box's gradients are complete.
function paintArrow(arrow) {
  const target = state.level.boxes[arrow.target];
  arrow.element.classList.toggle("pending", !isComputed(target));
  arrow.element.classList.toggle("unsent", !isComplete(target));
}

function paintLevel() {
  for (const box of state.level.boxes) paintBox(box);
  for (const arrow of state.level.arrows) paintArrow(arrow);
}

// ---- stepping ------------------------------------------------------------------------

function isForwardStep(step) {
  return step <= state.level.boxes.length;
}

function boxOfStep(step) {
  const level = state.level;
  const count = level.boxes.length;
  const index = isForwardStep(step) ? level.forward[step - 1] : level.backward[step - count - 1];
  return level.boxes[index];
}

// One step changes one box and the arrows into it.
function repaintStep(step) {
  const box = boxOfStep(step);
  paintBox(box);
  for (const arrow of box.arrowsIn) paintArrow(arrow);
}

function stepForward() {
  if (state.step === stepCount()) return false;
  state.step += 1;
  repaintStep(state.step);
  afterMove(true);
  return true;
}

function stepBack() {
  if (state.step === 0) return;
  state.step -= 1;
  repaintStep(state.step + 1);
  afterMove(true);
}

function goTo(target) {
  while (state.step < target) { state.step += 1; repaintStep(state.step); }
  while (state.step > target) { state.step -= 1; repaintStep(state.step + 1); }
  afterMove(true);
}

function reset() {
  pause();
  goTo(0);
}

// After any move: light up this step, keep it in view, and update the texts.
function afterMove(follow) {
  lightCurrentStep(follow);
  showProgress();
  showInspector();
}

// Gold for this step's box. Forward, the arrows into it (the values it read); backward,
// the arrows out of it (the blame that added up to its gradient).
function lightCurrentStep(follow) {
  for (const element of state.lit) element.classList.remove("current", "lit");
  state.lit = [];
  if (state.step === 0) return;
  const box = boxOfStep(state.step);
  for (const element of box.elements) light(element, "current");
  for (const arrow of isForwardStep(state.step) ? box.arrowsIn : box.arrowsOut) {
    light(arrow.element, "lit");
  }
  if (follow) state.level.camera.show(box.main);
}

function light(element, className) {
  element.classList.add(className);
  state.lit.push(element);
}

function showProgress() {
  const step = state.step;
  const count = state.level.boxes.length;
  document.body.dataset.step = String(step);
  const scrubber = document.getElementById("scrubber");
  scrubber.max = String(stepCount());
  scrubber.value = String(step);
  setText("step-counter", `step ${step} of ${stepCount()}`);
  if (step === 0) {
    setText("phase", "Ready");
    setText("caption", "Press step (or the right arrow) to run the forward pass, " +
      "one box at a time.");
    return;
  }
  const box = boxOfStep(step);
  const forward = isForwardStep(step);
  setText("phase", forward ? `Forward pass: step ${step} of ${count}`
    : `Backward pass: step ${step - count} of ${count}`);
  if (box.value !== null) {
    setText("caption", forward ? values[box.value].formula : values[box.value].chainRule);
  } else {
    setText("caption", forward ? box.forwardCaption : box.backwardCaption);
  }
}

// ---- play / pause --------------------------------------------------------------------

function play() {
  if (state.timer !== null) return;
  if (state.step === stepCount()) goTo(0); // playing from the end starts again
  const delay = Number(document.getElementById("speed").value);
  state.timer = setInterval(() => { if (!stepForward()) pause(); }, delay);
  showPlaying(true);
}

function pause() {
  if (state.timer === null) return;
  clearInterval(state.timer);
  state.timer = null;
  showPlaying(false);
}

function togglePlay() {
  if (state.timer === null) play(); else pause();
}

function showPlaying(playing) {
  document.body.dataset.playing = String(playing);
  const button = document.getElementById("button-play");
  button.textContent = playing ? "\u2016 pause" : "\u25B6 play";
  button.setAttribute("aria-pressed", String(playing));
}

// ---- the view: zoom and pan like a map -----------------------------------------------

// The camera of one SVG: the point of the graph at the middle of the pane (cx, cy, in
// the SVG's own units, Graphviz's points) and how many CSS pixels one unit takes (scale).
// It writes them as the SVG's viewBox, sized to the pane so nothing is stretched.
class Camera {
  constructor(svg) {
    this.svg = svg;
    const box = svg.viewBox.baseVal;
    this.graph = { x: box.x, y: box.y, width: box.width, height: box.height };
    this.scale = 1;
    this.cx = box.x + box.width / 2;
    this.cy = box.y + box.height / 2;
  }

  pane() {
    const pane = document.getElementById("graph-pane");
    return { width: pane.clientWidth || 1, height: pane.clientHeight || 1 };
  }

  apply() {
    const { width, height } = this.pane();
    const w = width / this.scale;
    const h = height / this.scale;
    this.svg.setAttribute("viewBox", `${this.cx - w / 2} ${this.cy - h / 2} ${w} ${h}`);
  }

  // The whole graph in the pane, with a small margin.
  fitScale() {
    const { width, height } = this.pane();
    return Math.min(width / (this.graph.width + 16), height / (this.graph.height + 16));
  }

  // The scale at which box text is READABLE_PX tall.
  readableScale() {
    const text = this.svg.querySelector("g.value-box text, g.group-box text");
    const size = text ? parseFloat(text.getAttribute("font-size")) || 11 : 11;
    return READABLE_PX / size;
  }

  fit() {
    this.scale = this.fitScale();
    this.cx = this.graph.x + this.graph.width / 2;
    this.cy = this.graph.y + this.graph.height / 2;
    this.apply();
  }

  // The first view: the whole graph if it can be read at once. Else readable, with the
  // output in view and as many other boxes as one readable view can hold: Graphviz lays
  // a network out as a staircase, and a view merely centred on the output (the staircase's
  // last corner) showed mostly empty paper.
  start(output) {
    if (this.fitScale() >= this.readableScale()) { this.fit(); return; }
    this.scale = this.readableScale();
    const view = this.visible();
    const width = (view.right - view.left) / this.scale;
    const height = (view.bottom - view.top) / this.scale;
    const centres = [...this.svg.querySelectorAll("g.value-box, g.group-box")]
      .map((box) => this.centreOf(box));
    const out = this.boundsOf(output);
    const margin = 24 / this.scale;
    // Slide the view over every place that still holds the output; keep the fullest.
    const spans = (low, high, size) => {
      const first = high + margin - size;
      const last = low - margin;
      if (first >= last) return [(low + high - size) / 2];
      return Array.from({ length: 13 }, (_, step) => first + (last - first) * step / 12);
    };
    // Among equally full views, the one whose boxes sit most in its middle.
    let best = { count: -1, offset: Infinity, left: 0, top: 0 };
    for (const left of spans(out.left, out.right, width)) {
      for (const top of spans(out.top, out.bottom, height)) {
        const inside = centres.filter((point) => point.x >= left && point.x <= left + width &&
          point.y >= top && point.y <= top + height);
        const mean = (axis) => inside.reduce((sum, point) => sum + point[axis], 0) / inside.length;
        const offset = Math.hypot(mean("x") - left - width / 2, mean("y") - top - height / 2);
        if (inside.length > best.count || (inside.length === best.count && offset < best.offset)) {
          best = { count: inside.length, offset, left, top };
        }
      }
    }
    this.centreOn({ x: best.left + width / 2, y: best.top + height / 2 });
    this.apply();
  }

  // An element's bounding box in the SVG's own units.
  boundsOf(element) {
    const centre = this.centreOf(element);
    const box = element.getBBox();
    return { left: centre.x - box.width / 2, right: centre.x + box.width / 2,
      top: centre.y - box.height / 2, bottom: centre.y + box.height / 2 };
  }

  // An element's centre in the SVG's own units.
  centreOf(element) {
    const box = element.getBBox();
    const matrix = element.getCTM();
    const root = this.svg.getCTM();
    const point = new DOMPoint(box.x + box.width / 2, box.y + box.height / 2)
      .matrixTransform(root.inverse().multiply(matrix));
    return { x: point.x, y: point.y };
  }

  // A point of the pane (CSS pixels from its corner) in the SVG's own units.
  unitsAt(px, py) {
    const { width, height } = this.pane();
    return { x: this.cx + (px - width / 2) / this.scale, y: this.cy + (py - height / 2) / this.scale };
  }

  zoomBy(factor, px, py) {
    const { width, height } = this.pane();
    const at = px === undefined ? { x: this.cx, y: this.cy } : this.unitsAt(px, py);
    const limit = Math.min(this.fitScale(), this.readableScale()) / 2;
    const scale = Math.min(Math.max(this.scale * factor, limit), 8);
    // Keep the point under the pointer where it is.
    const ox = px === undefined ? width / 2 : px;
    const oy = py === undefined ? height / 2 : py;
    this.scale = scale;
    this.cx = at.x - (ox - width / 2) / scale;
    this.cy = at.y - (oy - height / 2) / scale;
    this.apply();
  }

  panBy(dx, dy) {
    this.cx -= dx / this.scale;
    this.cy -= dy / this.scale;
    this.apply();
  }

  // The part of the pane not covered by the bottom sheet (on a phone), in pane pixels.
  visible() {
    const pane = document.getElementById("graph-pane").getBoundingClientRect();
    const sheet = document.getElementById("side");
    let bottom = pane.height;
    if (!document.body.classList.contains("panel-closed") &&
        getComputedStyle(sheet).position === "fixed") {
      bottom = Math.max(pane.height / 3, sheet.getBoundingClientRect().top - pane.top);
    }
    return { left: 0, top: 0, right: pane.width, bottom };
  }

  // Put a point of the graph (SVG units) at the middle of the visible part of the pane.
  centreOn(point) {
    const { width, height } = this.pane();
    const view = this.visible();
    this.cx = point.x - ((view.left + view.right) / 2 - width / 2) / this.scale;
    this.cy = point.y - ((view.top + view.bottom) / 2 - height / 2) / this.scale;
  }

  // Bring an element into view (centred) if any of it is outside the visible pane.
  show(element) {
    const pane = document.getElementById("graph-pane").getBoundingClientRect();
    const view = this.visible();
    const rect = element.getBoundingClientRect();
    const margin = 24;
    const inside = rect.left >= pane.left + view.left + margin &&
      rect.right <= pane.left + view.right - margin &&
      rect.top >= pane.top + view.top + margin && rect.bottom <= pane.top + view.bottom - margin;
    if (inside) return;
    this.centreOn(this.centreOf(element));
    this.apply();
  }
}

// Dragging pans; two fingers pinch to zoom; a press that does not move is a click.
const pointers = new Map();
let dragged = false;

function onPointerDown(event) {
  if (event.target.closest("button")) return;
  pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
  if (pointers.size === 1) dragged = false;
}

function onPointerMove(event) {
  const last = pointers.get(event.pointerId);
  if (!last) return;
  const camera = state.level.camera;
  if (pointers.size === 1) {
    const dx = event.clientX - last.x;
    const dy = event.clientY - last.y;
    if (!dragged && Math.abs(dx) + Math.abs(dy) > 3) {
      dragged = true;
      // From now on the pane follows this pointer even past its edge; a press that does
      // not move is left alone, so that it stays a click on the box under it.
      document.getElementById("graph-pane").setPointerCapture?.(event.pointerId);
    }
    if (dragged) {
      camera.panBy(dx, dy);
      document.getElementById("graph-pane").classList.add("dragging");
    }
  } else if (pointers.size === 2) {
    const [a, b] = [...pointers.values()];
    const other = a === last ? b : a;
    const before = Math.hypot(last.x - other.x, last.y - other.y);
    const after = Math.hypot(event.clientX - other.x, event.clientY - other.y);
    const pane = document.getElementById("graph-pane").getBoundingClientRect();
    if (before > 0) {
      camera.zoomBy(after / before, (event.clientX + other.x) / 2 - pane.left,
        (event.clientY + other.y) / 2 - pane.top);
    }
    dragged = true;
  }
  pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
}

function onPointerUp(event) {
  pointers.delete(event.pointerId);
  document.getElementById("graph-pane").classList.remove("dragging");
}

function onWheel(event) {
  event.preventDefault(); // the wheel zooms the graph, not the page
  const pane = document.getElementById("graph-pane").getBoundingClientRect();
  const lines = event.deltaMode === 1 ? 16 : 1; // some mice count lines, not pixels
  state.level.camera.zoomBy(Math.exp(-event.deltaY * lines * 0.0015),
    event.clientX - pane.left, event.clientY - pane.top);
}

// ---- the inspector -------------------------------------------------------------------

function select(selection) {
  if (state.selected) selectedBox(state.selected)?.main.classList.remove("selected");
  state.selected = selection;
  selectedBox(selection)?.main.classList.add("selected");
  openPanel(true);
  showInspector();
}

// The box a selection is drawn in at the current level.
function selectedBox(selection) {
  if (selection.kind === "group") return state.level.boxes[selection.box] ?? null;
  const index = values[selection.id]?.boxes[state.level.index];
  return index === undefined ? null : state.level.boxes[index];
}

function showInspector() {
  const selection = state.selected;
  const group = selection?.kind === "group" && selection.level === state.level.index;
  const node = selection?.kind === "node";
  document.getElementById("inspector-hint").hidden = node || group;
  document.getElementById("inspector-node").hidden = !node;
  document.getElementById("inspector-group").hidden = !group;
  if (node) showValue(selection.id);
  if (group) showGroup(state.level.boxes[selection.box]);
}

// The numbers of a Value as far as the passes have got: data once the forward pass has
// computed its box, grad once the backward pass has completed it.
function showValue(id) {
  const value = values[id];
  const box = selectedBox({ kind: "node", id });
  const computed = isComputed(box);
  const complete = isComplete(box);
  const backwardStep = box.completeAt - state.level.boxes.length;
  setText("inspector-name", value.name);
  setText("inspector-description", value.description === value.name ? "" : value.description);
  setText("inspector-kind", value.kind);
  setText("inspector-op", value.op ? `${opName(value)}: ${value.math}` : "none (a leaf)");
  setText("inspector-scope", value.scope || "none");
  setText("inspector-data", computed ? value.dataText
    : `not computed yet (forward step ${box.computedAt})`);
  setText("inspector-grad", complete ? value.gradText
    : `not known yet (backward step ${backwardStep})`);
  setText("inspector-formula", computed ? value.formula
    : `shown once the forward pass computes it (step ${box.computedAt})`);
  setText("inspector-chain", complete ? value.chainRule
    : `shown once the backward pass reaches it (backward step ${backwardStep})`);
  listItems("inspector-children", value.children.map(([child, name, local]) =>
    linkItem(child, name, local)));
  listItems("inspector-parents", value.parents.map(([parent, name, blame]) => {
    const parentBox = selectedBox({ kind: "node", id: parent });
    const sent = parentBox === null || isComplete(parentBox);
    return linkItem(parent, name, sent ? `sent back blame ${blame}` : "blame not sent yet");
  }));
}

// "mul (*)", but "tanh" rather than "tanh (tanh)".
function opName(value) {
  return value.symbol === value.op ? value.op : `${value.op} (${value.symbol})`;
}

function showGroup(box) {
  // "neuron3 (layer0/neuron3)" says where the box is; "layer1 (layer1)" would only repeat.
  const where = box.scope && box.scope !== box.name ? ` (${box.scope})` : "";
  setText("group-name", box.name + where);
  setText("group-count", `${box.size.toLocaleString("en")} values are folded into this box.`);
  setText("group-caption", isComplete(box) ? box.backwardCaption
    : isComputed(box) ? box.forwardCaption : "not computed yet");
  listItems("group-parameters", [
    ...box.parameters.map((id) => linkItem(id, values[id].description,
      isComplete(box) ? `grad ${values[id].gradText}` : "grad not known yet")),
    ...more(box.parameterCount - box.parameters.length, "parameters")]);
  listItems("group-outputs", [
    ...box.outputs.map((id) => linkItem(id, values[id].description,
      isComputed(box) ? `data ${values[id].dataText}` : "not computed yet")),
    ...more(box.outputCount - box.outputs.length, "outputs")]);
  document.getElementById("button-unfold").hidden = finerLevel() === null;
}

function more(count, what) {
  return count > 0 ? [textItem(`and ${count} more ${what}`)] : [];
}

function listItems(listId, items) {
  const list = document.getElementById(listId);
  list.replaceChildren(...items);
  if (items.length === 0) list.append(textItem("none"));
}

// A button naming a Value (if the page knows it), then a note.
function linkItem(id, name, note) {
  const item = document.createElement("li");
  if (values[id]) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = name;
    button.dataset.node = id;
    button.addEventListener("click", () => select({ kind: "node", id }));
    item.append(button);
  } else {
    item.append(name);
  }
  if (note) item.append(` ${note}`);
  return item;
}

function textItem(text) {
  const item = document.createElement("li");
  item.textContent = text;
  return item;
}

// textContent, never innerHTML: labels are the user's own text.
function setText(id, text) {
  document.getElementById(id).textContent = text;
}

// ---- fold levels ---------------------------------------------------------------------

// Show another level's SVG, at the same point of the passes: the boxes whose Values are
// all computed (or complete) there are computed (or complete) here too.
function showLevel(index) {
  const old = state.level;
  const level = levels[index];
  if (old === level) return;
  const step = old === null ? 0 : matchingStep(old, level);
  for (const element of state.lit) element.classList.remove("current", "lit");
  state.lit = [];
  if (old) old.container.hidden = true;
  level.container.hidden = false;
  state.level = level;
  state.step = step;
  if (level.camera === null) {
    level.camera = new Camera(level.svg);
    paintLevel();
    level.camera.start(level.boxes[level.root].main);
  } else {
    paintLevel();
    level.camera.apply();
  }
  for (const button of document.querySelectorAll("#level-buttons button")) {
    button.setAttribute("aria-checked", String(Number(button.dataset.level) === index));
  }
  afterMove(false);
}

function matchingStep(from, to) {
  const step = state.step;
  if (step === 0) return 0;
  if (step === from.stepCount) return to.stepCount;
  const box = from.boxes[step <= from.boxes.length ? from.forward[step - 1]
    : from.backward[step - from.boxes.length - 1]];
  if (step <= from.boxes.length) {
    return to.boxes.filter((other) => other.last <= box.last).length;
  }
  return to.boxes.length + to.boxes.filter((other) => other.first >= box.first).length;
}

function finerLevel() {
  return state.level.index > 0 ? state.level.index - 1 : null;
}

function buildLevelButtons() {
  const list = document.getElementById("level-buttons");
  for (const level of levels) {
    const button = document.createElement("button");
    button.type = "button";
    button.setAttribute("role", "radio");
    button.dataset.level = String(level.index);
    button.textContent = level.name;
    button.addEventListener("click", () => showLevel(level.index));
    list.append(button);
  }
  document.getElementById("missing-levels")
    .replaceChildren(...graph.missing.map((note) => textItem(note)));
}

function unfoldSelected() {
  const finer = finerLevel();
  const selection = state.selected;
  if (finer === null || selection?.kind !== "group") return;
  const firstValue = state.level.boxes[selection.box].parameters[0] ??
    state.level.boxes[selection.box].outputs[0];
  showLevel(finer);
  if (firstValue !== undefined) {
    select({ kind: "node", id: firstValue });
    state.level.camera.show(selectedBox(state.selected).main);
  }
}

// ---- the panel: beside the graph, or a bottom sheet on a phone -----------------------

function openPanel(open) {
  document.body.classList.toggle("panel-closed", !open);
  document.getElementById("button-panel").hidden = open;
  state.level?.camera?.apply(); // the pane changed size
}

// ---- wiring up -----------------------------------------------------------------------

function boxOfElement(element) {
  const node = element.closest("g.node");
  if (!node) return null;
  const main = node.dataset.box !== undefined ? node
    : document.getElementById(node.id.replace(/_op$/, "")); // an op node: its Value's box
  if (!main || main.dataset.box === undefined || main.closest(".view") !== state.level.container) {
    return null;
  }
  return state.level.boxes[Number(main.dataset.box)];
}

function selectBox(box) {
  if (box.value !== null) select({ kind: "node", id: box.value });
  else select({ kind: "group", level: state.level.index, box: box.index });
}

// A click on a box (or its op node) selects it, unless the pointer dragged the view.
function onGraphClick(event) {
  if (dragged) { dragged = false; return; }
  const box = boxOfElement(event.target);
  if (box) selectBox(box);
}

// Keys act only while this page has the focus (in a notebook, the page is an iframe);
// the speed menu and the slider keep their own keys.
function onKey(event) {
  if (event.target instanceof Element && event.target.closest("select, input")) return;
  if (event.key === "Enter" && event.target instanceof Element) {
    const box = boxOfElement(event.target);
    if (box) { event.preventDefault(); selectBox(box); }
    return;
  }
  const camera = state.level.camera;
  const actions = {
    ArrowRight: () => { pause(); stepForward(); },
    ArrowLeft: () => { pause(); stepBack(); },
    " ": togglePlay,
    Home: reset,
    End: () => { pause(); goTo(stepCount()); },
    "+": () => camera.zoomBy(ZOOM_STEP),
    "=": () => camera.zoomBy(ZOOM_STEP),
    "-": () => camera.zoomBy(1 / ZOOM_STEP),
    "0": () => camera.fit(),
  };
  const action = actions[event.key];
  if (!action || event.ctrlKey || event.metaKey || event.altKey) return;
  event.preventDefault(); // no page scroll, no second "click" on a focused button
  action();
}

function onButton(id, action) {
  document.getElementById(id).addEventListener("click", (event) => {
    action();
    event.currentTarget.blur(); // so that space means play/pause, not "press it again"
  });
}

function start() {
  onButton("button-reset", reset);
  onButton("button-back", () => { pause(); stepBack(); });
  onButton("button-play", togglePlay);
  onButton("button-step", () => { pause(); stepForward(); });
  onButton("button-end", () => { pause(); goTo(stepCount()); });
  onButton("button-zoom-in", () => state.level.camera.zoomBy(ZOOM_STEP));
  onButton("button-zoom-out", () => state.level.camera.zoomBy(1 / ZOOM_STEP));
  onButton("button-fit", () => state.level.camera.fit());
  onButton("button-panel", () => openPanel(true));
  onButton("button-close-panel", () => openPanel(false));
  onButton("button-unfold", unfoldSelected);
  const scrubber = document.getElementById("scrubber");
  scrubber.addEventListener("input", () => { pause(); goTo(Number(scrubber.value)); });
  document.getElementById("speed").addEventListener("change", () => {
    if (state.timer !== null) { pause(); play(); } // the new speed takes effect now
  });
  const pane = document.getElementById("graph-pane");
  pane.addEventListener("click", onGraphClick);
  pane.addEventListener("pointerdown", onPointerDown);
  pane.addEventListener("pointermove", onPointerMove);
  pane.addEventListener("pointerup", onPointerUp);
  pane.addEventListener("pointercancel", onPointerUp);
  pane.addEventListener("wheel", onWheel, { passive: false });
  window.addEventListener("resize", () => state.level.camera.apply());
  document.addEventListener("keydown", onKey);
  buildLevelButtons();
  showLevel(graph.initial);
}

start();
