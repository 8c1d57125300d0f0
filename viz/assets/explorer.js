// blameflow explorer: step through the forward and backward pass of one graph.
//
// Python (viz/explorer.py) did all the work before this page was written: Graphviz laid
// the graph out (the SVG on the page), and every number and sentence shown here is in the
// JSON of #graph-data. This script only adds and removes CSS classes on SVG elements that
// are already there, swaps a few SVG texts, and fills in the side panel. Each step touches
// only the Value of that step and its arrows, so big graphs step as fast as small ones.
//
// Steps: with N Values there are 2N steps. Steps 1..N are the forward pass (Value k of the
// topological order is computed); steps N+1..2N are the backward pass (the gradient of
// Value k of the reverse order is complete). state.step counts the steps done.
"use strict";

const graph = JSON.parse(document.getElementById("graph-data").textContent);
const nodeCount = graph.nodes.length;
const stepCount = 2 * nodeCount;

// Every Value, by id, with its place in the forward order.
const nodes = new Map(graph.nodes.map((node, order) => [node.id, { ...node, order }]));

const state = { step: 0, timer: null, selected: null, lit: [] };

// ---- the SVG elements each Value and arrow is drawn with ----------------------------

// Texts such as "data 2" and "grad -0.5" (and "|grad| 0.5" in a folded box), with the
// number captured, so the page can show "grad -" until the number is known.
const DATA_NUMBER = /\b(data) (\S+)/g;
const GRAD_NUMBER = /\b(grad\|?) (\S+)/g;

// A drawn box: one Value, or a folded scope holding many. It is computed (or has its
// gradient) once all of its Values are; the counters say how many are.
const boxes = new Map(graph.boxes.map((box) => [box.id, makeBox(box)]));

function makeBox(box) {
  const elements = box.elements.map((id) => document.getElementById(id)).filter(Boolean);
  const main = elements[0];
  main.classList.add(box.group ? "group-box" : "value-box");
  const texts = [...main.querySelectorAll("text")];
  // A Value's box reads [label], "data ...", "grad ...": the last two lines hold numbers
  // (the label is the user's text, which might itself say "data"). A folded box's first
  // line is its name; the others may hold numbers.
  const numberTexts = box.group ? texts.slice(1) : texts.slice(-2);
  return {
    ...box,
    elements,
    texts: numberTexts.map((element) => ({ element, shown: element.textContent })),
    computed: 0,
    graded: 0,
  };
}

// A drawn arrow stands for one edge, or for several between folded boxes. "computed"
// counts its edges whose parent has been computed (the value has been read), "graded"
// those whose parent's gradient is complete (the blame has been sent back along it).
const arrows = new Map();
for (const edge of graph.edges) {
  if (edge.arrow === null) continue; // inside a folded box: not drawn
  if (!arrows.has(edge.arrow)) {
    arrows.set(edge.arrow, {
      element: document.getElementById(edge.arrow), edges: 0, computed: 0, graded: 0,
    });
  }
  arrows.get(edge.arrow).edges += 1;
}

function arrowOf(edgeIndex) {
  const id = graph.edges[edgeIndex].arrow;
  return id === null ? null : arrows.get(id);
}

// ---- painting: what a box or an arrow looks like for its counters -------------------

function paintBox(box) {
  const size = box.members.length;
  const computed = box.computed === size;
  const graded = box.graded === size;
  for (const element of box.elements) element.classList.toggle("pending", !computed);
  box.elements[0].classList.toggle("no-grad", !graded);
  for (const text of box.texts) {
    let shown = text.shown;
    if (!computed) shown = shown.replace(DATA_NUMBER, "$1 -");
    if (!graded) shown = shown.replace(GRAD_NUMBER, "$1 -");
    text.element.textContent = shown;
  }
}

function paintArrow(arrow) {
  arrow.element.classList.toggle("pending", arrow.computed < arrow.edges);
  arrow.element.classList.toggle("unsent", arrow.graded < arrow.edges);
}

// ---- stepping ------------------------------------------------------------------------

function isForwardStep(step) {
  return step <= nodeCount;
}

function nodeOfStep(step) {
  const id = isForwardStep(step) ? graph.forward[step - 1] : graph.backward[step - nodeCount - 1];
  return nodes.get(id);
}

// Do (direction +1) or undo (-1) step number `step`. Forward, the Value is computed and
// its op reads its children along the arrows into it; backward, its gradient is complete
// and it sends blame back to its children along those same arrows.
function apply(step, direction) {
  const node = nodeOfStep(step);
  const counter = isForwardStep(step) ? "computed" : "graded";
  const box = boxes.get(node.box);
  box[counter] += direction;
  paintBox(box);
  for (const edgeIndex of node.children) {
    const arrow = arrowOf(edgeIndex);
    if (arrow === null) continue;
    arrow[counter] += direction;
    paintArrow(arrow);
  }
}

function stepForward() {
  if (state.step === stepCount) return false;
  state.step += 1;
  apply(state.step, +1);
  afterMove();
  return true;
}

function stepBack() {
  if (state.step === 0) return;
  apply(state.step, -1);
  state.step -= 1;
  afterMove();
}

function goTo(target) {
  while (state.step < target) { state.step += 1; apply(state.step, +1); }
  while (state.step > target) { apply(state.step, -1); state.step -= 1; }
  afterMove();
}

function reset() {
  pause();
  goTo(0);
}

// After any move: light up this step, and bring the text on the page up to date.
function afterMove() {
  lightCurrentStep();
  showProgress();
  showInspector();
}

// Gold for this step's box. Forward, the arrows into its op (the values it read);
// backward, the arrows out of it (the blame that added up to its gradient).
function lightCurrentStep() {
  for (const element of state.lit) element.classList.remove("current", "lit");
  state.lit = [];
  if (state.step === 0) return;
  const node = nodeOfStep(state.step);
  const box = boxes.get(node.box);
  for (const element of box.elements) light(element, "current");
  // Keep this step's box on screen in a graph wider than the pane.
  box.elements[0].scrollIntoView({ block: "nearest", inline: "nearest" });
  const edges = isForwardStep(state.step) ? node.children : node.parents;
  for (const edgeIndex of edges) {
    const arrow = arrowOf(edgeIndex);
    if (arrow !== null) light(arrow.element, "lit");
  }
}

function light(element, className) {
  element.classList.add(className);
  state.lit.push(element);
}

function showProgress() {
  const step = state.step;
  document.body.dataset.step = String(step);
  document.getElementById("scrubber").value = String(step);
  document.getElementById("step-counter").textContent = `step ${step} of ${stepCount}`;
  const phase = document.getElementById("phase");
  const caption = document.getElementById("caption");
  if (step === 0) {
    phase.textContent = "Ready";
    caption.textContent = "Press step (or the right arrow) to run the forward pass, " +
      "one value at a time.";
  } else if (isForwardStep(step)) {
    phase.textContent = `Forward pass: step ${step} of ${nodeCount}`;
    caption.textContent = nodeOfStep(step).formula;
  } else {
    phase.textContent = `Backward pass: step ${step - nodeCount} of ${nodeCount}`;
    caption.textContent = nodeOfStep(step).chainRule;
  }
}

// ---- play / pause --------------------------------------------------------------------

function play() {
  if (state.timer !== null) return;
  if (state.step === stepCount) goTo(0); // playing from the end starts again
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

// ---- the inspector -------------------------------------------------------------------

function select(selection) {
  const old = state.selected && boxes.get(selectedBoxId(state.selected));
  if (old) old.elements[0].classList.remove("selected");
  state.selected = selection;
  const box = boxes.get(selectedBoxId(selection));
  if (box) box.elements[0].classList.add("selected");
  showInspector();
}

function selectedBoxId(selection) {
  return selection.kind === "node" ? nodes.get(selection.id).box : selection.id;
}

function showInspector() {
  const selection = state.selected;
  document.getElementById("inspector-hint").hidden = selection !== null;
  document.getElementById("inspector-node").hidden = selection?.kind !== "node";
  document.getElementById("inspector-group").hidden = selection?.kind !== "group";
  if (selection?.kind === "node") showNode(nodes.get(selection.id));
  if (selection?.kind === "group") showGroup(boxes.get(selection.id));
}

// The numbers of a Value as far as the passes have got: data once the forward pass has
// computed it, grad once the backward pass has completed it.
function showNode(node) {
  const computedAt = node.order + 1;
  const gradedAt = stepCount - node.order;
  const computed = state.step >= computedAt;
  const graded = state.step >= gradedAt;
  setText("inspector-name", node.name);
  setText("inspector-kind", node.kind);
  setText("inspector-op", node.op ? `${opName(node)}: ${node.math}` : "none (a leaf)");
  setText("inspector-scope", node.scope || "none");
  setText("inspector-data", computed ? node.dataText
    : `not computed yet (forward step ${computedAt})`);
  setText("inspector-grad", graded ? node.gradText
    : `not known yet (backward step ${gradedAt - nodeCount})`);
  setText("inspector-formula", computed ? node.formula
    : `shown once the forward pass computes it (step ${computedAt})`);
  setText("inspector-chain", graded ? node.chainRule
    : `shown once the backward pass reaches it (backward step ${gradedAt - nodeCount})`);
  listEdges("inspector-children", node.children, (edge) => {
    const child = nodes.get(edge.child);
    return [child, `d ${node.operand}/d ${child.operand} = ${edge.localText}`];
  });
  listEdges("inspector-parents", node.parents, (edge) => {
    const parent = nodes.get(edge.parent);
    const sent = state.step >= stepCount - parent.order;
    return [parent, sent ? `sent back blame ${edge.blameText}` : "blame not sent yet"];
  });
}

// "mul (*)", but "tanh" rather than "tanh (tanh)".
function opName(node) {
  return node.symbol === node.op ? node.op : `${node.op} (${node.symbol})`;
}

function showGroup(box) {
  setText("group-name", box.name);
  setText("group-count", `${box.members.length} values are folded into this box:`);
  const list = document.getElementById("group-members");
  list.replaceChildren(...box.members.map((id) => linkItem(nodes.get(id), "")));
}

// One list item per edge: a button naming the Value at its other end, then a note.
function listEdges(listId, edgeIndices, describe) {
  const items = edgeIndices.map((edgeIndex) => {
    const [other, note] = describe(graph.edges[edgeIndex]);
    return linkItem(other, note);
  });
  const list = document.getElementById(listId);
  list.replaceChildren(...items);
  if (items.length === 0) list.append(textItem("none"));
}

function linkItem(node, note) {
  const item = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = node.name;
  button.dataset.node = node.id;
  button.addEventListener("click", () => select({ kind: "node", id: node.id }));
  item.append(button);
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

// ---- folding scope frames ------------------------------------------------------------

// How many folded frames hide each SVG element: a box inside a folded neuron inside a
// folded layer stays hidden until both are unfolded.
const hiddenBy = new Map();

const clusters = graph.clusters.map((cluster) => ({
  ...cluster,
  element: document.getElementById(cluster.id),
  folded: false,
  summary: null,
  button: null,
}));

function setFolded(cluster, folded) {
  if (cluster.folded === folded) return;
  cluster.folded = folded;
  for (const id of cluster.elements) {
    const count = (hiddenBy.get(id) ?? 0) + (folded ? 1 : -1);
    hiddenBy.set(id, count);
    document.getElementById(id)?.classList.toggle("folded-away", count > 0);
  }
  cluster.element.classList.toggle("folded", folded);
  if (folded && cluster.summary === null) cluster.summary = makeSummary(cluster);
  if (cluster.summary) cluster.summary.style.display = folded ? "" : "none";
  cluster.button.textContent = folded ? "unfold" : "fold";
  cluster.button.setAttribute("aria-pressed", String(folded));
}

function valuesInside(cluster) {
  return cluster.boxes.reduce((total, id) => total + boxes.get(id).members.length, 0);
}

// A line of text in the middle of the folded frame, saying what it hides.
function makeSummary(cluster) {
  const frame = cluster.element.querySelector("path, polygon").getBBox();
  const text = document.createElementNS(cluster.element.namespaceURI, "text"); // an SVG <text>
  text.classList.add("fold-summary");
  text.setAttribute("x", String(frame.x + frame.width / 2));
  text.setAttribute("y", String(frame.y + frame.height / 2));
  text.setAttribute("text-anchor", "middle");
  text.textContent = `${valuesInside(cluster)} values folded`; // short: frames can be narrow
  cluster.element.append(text);
  return text;
}

function buildScopeList() {
  const list = document.getElementById("scope-list");
  for (const cluster of clusters) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.scope = cluster.scope;
    button.textContent = "fold";
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", () => setFolded(cluster, !cluster.folded));
    cluster.button = button;
    item.append(button, ` ${cluster.scope} (${valuesInside(cluster)} values)`);
    list.append(item);
    // The frame's name in the graph folds it too.
    cluster.element.querySelector("text")
      ?.addEventListener("click", () => setFolded(cluster, !cluster.folded));
  }
  if (clusters.length === 0) setText("scopes-hint", "This graph has no scopes (made with scope(name)).");
}

// ---- wiring up -----------------------------------------------------------------------

// A click anywhere on a box selects it; a click on an op node selects the Value it makes.
function onGraphClick(event) {
  const element = event.target.closest("g.node");
  if (!element) return;
  const id = element.id.endsWith("_op") ? element.id.slice(0, -"_op".length) : element.id;
  const box = boxes.get(id);
  if (!box) return;
  select(box.group ? { kind: "group", id } : { kind: "node", id: box.members[0] });
}

// Keys work anywhere except in the speed menu and the slider, which use the arrows.
function onKey(event) {
  if (event.target instanceof Element && event.target.closest("select, input")) return;
  const actions = {
    ArrowRight: () => { pause(); stepForward(); },
    ArrowLeft: () => { pause(); stepBack(); },
    " ": togglePlay,
    Home: reset,
    End: () => { pause(); goTo(stepCount); },
  };
  const action = actions[event.key];
  if (!action) return;
  event.preventDefault(); // no page scroll, no second "click" on a focused button
  action();
}

function onButton(id, action) {
  document.getElementById(id).addEventListener("click", (event) => {
    action();
    event.currentTarget.blur(); // so that space means play/pause, not "press it again"
  });
}

// Shrink the graph to the pane's width, or show it at full size with scroll bars.
function showFitted(fitted) {
  document.getElementById("graph-pane").classList.toggle("fit", fitted);
  document.getElementById("button-fit").textContent = fitted ? "full size" : "fit";
}

// Fitting a long graph into the pane would shrink its text past reading: a wide graph
// starts at full size (scroll along it), a smaller one fitted.
function fitsReadably() {
  const pane = document.getElementById("graph-pane");
  const width = document.querySelector("#graph-pane svg").viewBox.baseVal.width;
  return pane.clientWidth / width > 0.6;
}

function start() {
  onButton("button-reset", reset);
  onButton("button-back", () => { pause(); stepBack(); });
  onButton("button-play", togglePlay);
  onButton("button-step", () => { pause(); stepForward(); });
  onButton("button-end", () => { pause(); goTo(stepCount); });
  onButton("button-fit", () => showFitted(!document.getElementById("graph-pane")
    .classList.contains("fit")));
  showFitted(fitsReadably());
  const scrubber = document.getElementById("scrubber");
  scrubber.max = String(stepCount);
  scrubber.addEventListener("input", () => { pause(); goTo(Number(scrubber.value)); });
  document.getElementById("speed").addEventListener("change", () => {
    if (state.timer !== null) { pause(); play(); } // the new speed takes effect now
  });
  document.querySelector("#graph-pane svg").addEventListener("click", onGraphClick);
  document.addEventListener("keydown", onKey);
  buildScopeList();
  for (const box of boxes.values()) paintBox(box);
  for (const arrow of arrows.values()) paintArrow(arrow);
  afterMove();
}

start();
