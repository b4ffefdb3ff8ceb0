// The minimap of a large graph: every node as a dot on a <canvas>, the visible area as a
// frame; clicking or dragging on it moves the view there.

import { h } from "./dom.js";
import { SIZE } from "./layout.js";

const WIDTH = 220;
const HEIGHT = 150;

function colour(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#888";
}

export class Minimap {
  /** `drawn` from layout(); `panzoom` the canvas' PanZoom. */
  constructor(drawn, panzoom) {
    this.drawn = drawn;
    this.panzoom = panzoom;
    const ratio = window.devicePixelRatio || 1;
    this.canvas = h("canvas", { class: "minimap", width: WIDTH * ratio, height: HEIGHT * ratio,
      role: "img", "aria-label": "Minimap of the whole graph; click to move the view there" });
    this.scale = Math.min(WIDTH / drawn.width, HEIGHT / drawn.height);
    // the picture centred on the map
    this.ox = (WIDTH - drawn.width * this.scale) / 2;
    this.oy = (HEIGHT - drawn.height * this.scale) / 2;
    this.ratio = ratio;
    this.frameColour = colour("--focus");  // read once: a style read per frame costs a recalc
    this.nodes = this.paintNodes();
    this.canvas.addEventListener("pointerdown", (e) => this.onDown(e));
  }

  /** The nodes, painted once into an offscreen canvas the frame is drawn over. */
  paintNodes() {
    const layer = document.createElement("canvas");
    layer.width = this.canvas.width;
    layer.height = this.canvas.height;
    const ctx = layer.getContext("2d");
    ctx.translate(this.ox * this.ratio, this.oy * this.ratio);
    ctx.scale(this.ratio * this.scale, this.ratio * this.scale);
    const fills = { DATASET: colour("--dataset-stroke"), JOB: colour("--job-stroke"),
      MODEL: colour("--model-stroke"), MORE: colour("--more-stroke"), FIELD: colour("--dataset-stroke") };
    for (const [type, x, y, height] of this.strips()) {
      ctx.fillStyle = fills[type] || fills.DATASET;
      ctx.fillRect(x, y, SIZE.width, height);
    }
    return layer;
  }

  /**
   * The nodes as vertical strips [type, x, y, height]: nodes of one type in one column that
   * touch on the map (less than a map pixel apart) are painted as one rectangle, so a column
   * of thousands of nodes costs a few canvas calls.
   */
  strips() {
    const gap = 1 / this.scale;  // one map pixel, in picture units
    const nodes = [...this.drawn.nodes].sort((a, b) => (a.x - b.x) || (a.y - b.y));
    const out = [];
    for (const node of nodes) {
      const last = out.at(-1);
      if (last && last[0] === node.type && last[1] === node.x &&
        node.y - (last[2] + last[3]) < gap) {
        last[3] = node.y + SIZE.height - last[2];
      } else out.push([node.type, node.x, node.y, SIZE.height]);
    }
    return out;
  }

  draw() {
    const ctx = this.canvas.getContext("2d");
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.drawImage(this.nodes, 0, 0);
    const area = this.panzoom.visible();
    const s = this.scale * this.ratio;
    ctx.strokeStyle = this.frameColour;
    ctx.lineWidth = 2 * this.ratio;
    ctx.strokeRect(this.ox * this.ratio + area.x * s, this.oy * this.ratio + area.y * s,
      area.width * s, area.height * s);
  }

  onDown(event) {
    const move = (e) => {
      const box = this.canvas.getBoundingClientRect();
      const px = ((e.clientX - box.left) / (box.width / WIDTH) - this.ox) / this.scale;
      const py = ((e.clientY - box.top) / (box.height / HEIGHT) - this.oy) / this.scale;
      this.panzoom.centreOn(px, py);
    };
    move(event);
    const up = () => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
  }
}
