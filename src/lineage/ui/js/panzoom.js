// Pan and zoom of a picture: wheel zooms around the pointer, dragging pans, keys and buttons
// do both. The picture sits in a "plane" moved by a CSS transform, once per animation frame;
// while it moves the plane is its own compositor layer (`.moving`: will-change), so a pan
// costs no repaint; once it rests it is drawn again, sharp at the new scale.

export const MIN_SCALE = 0.05;
export const MAX_SCALE = 2.5;
const clamp = (k) => Math.min(MAX_SCALE, Math.max(MIN_SCALE, k));

export class PanZoom {
  /**
   * `surface` receives the events, `plane` gets the transform; `onChange({x, y, k})` runs
   * after each applied frame (minimap, address).
   */
  constructor(surface, plane, onChange = () => {}) {
    this.surface = surface;
    this.layer = plane;
    this.onChange = onChange;
    this.view = { x: 0, y: 0, k: 1 };
    this.frame = 0;
    this.moved = false;
    surface.addEventListener("wheel", (e) => this.onWheel(e), { passive: false });
    surface.addEventListener("pointerdown", (e) => this.onDown(e));
  }

  /**
   * The surface's size: measured once, then kept up to date by the owner (`resized`), so a
   * frame never forces the browser to lay out the page just to read it.
   */
  size() {
    if (!this.box) {
      const box = this.surface.getBoundingClientRect();
      if (!box.width || !box.height) return { width: 1, height: 1 };
      this.box = { width: box.width, height: box.height };
    }
    return this.box;
  }

  /** Record the surface's new size (from a ResizeObserver). */
  resized(width, height) {
    this.box = width && height ? { width, height } : null;
  }

  set(view) {
    this.view = { x: view.x, y: view.y, k: clamp(view.k) };
    this.touched = true;  // the user moved the view (centreOn, used by fitting, does not)
    this.moving();
    if (!this.frame) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.apply();
      });
    }
  }

  apply() {
    const { x, y, k } = this.view;
    this.layer.style.transform = `translate(${x.toFixed(1)}px,${y.toFixed(1)}px) scale(${k.toFixed(4)})`;
    this.onChange(this.view);
  }

  /** Mark the plane as moving until it has rested for a moment. */
  moving() {
    this.layer.classList.add("moving");
    clearTimeout(this.rest);
    this.rest = setTimeout(() => this.layer.classList.remove("moving"), 180);
  }

  /** Put picture point (px, py) at the centre of the canvas at scale k (now, no frame wait). */
  centreOn(px, py, k = this.view.k) {
    const { width, height } = this.size();
    const scale = clamp(k);
    this.view = { x: width / 2 - px * scale, y: height / 2 - py * scale, k: scale };
    this.apply();
  }

  /**
   * The largest scale (at most `max`) at which a box around (cx, cy) of half-extents fits;
   * not clamped to the zoom range, so two fits can be compared (centreOn clamps).
   */
  fitScale(halfWidth, halfHeight, max = 1.25) {
    const { width, height } = this.size();
    return Math.min(max, width / (2 * halfWidth), height / (2 * halfHeight));
  }

  zoomAt(factor, cx, cy) {
    const { x, y, k } = this.view;
    const next = clamp(k * factor);
    const ratio = next / k;
    this.set({ x: cx - (cx - x) * ratio, y: cy - (cy - y) * ratio, k: next });
  }

  zoom(factor) {
    const { width, height } = this.size();
    this.zoomAt(factor, width / 2, height / 2);
  }

  pan(dx, dy) {
    this.set({ ...this.view, x: this.view.x + dx, y: this.view.y + dy });
  }

  /** Picture coordinates of the visible area: {x, y, width, height}. */
  visible() {
    const { width, height } = this.size();
    const { x, y, k } = this.view;
    return { x: -x / k, y: -y / k, width: width / k, height: height / k };
  }

  onWheel(event) {
    event.preventDefault();
    const box = this.surface.getBoundingClientRect();
    const delta = event.deltaMode === 1 ? event.deltaY * 16 : event.deltaY;
    this.zoomAt(Math.exp(-delta * 0.0015), event.clientX - box.left, event.clientY - box.top);
  }

  onDown(event) {
    if (event.button !== 0 || event.target.closest(".toggle, .zoom-controls")) return;
    const start = { x: event.clientX, y: event.clientY, view: { ...this.view } };
    this.moved = false;
    const move = (e) => {
      const dx = e.clientX - start.x;
      const dy = e.clientY - start.y;
      if (!this.moved && Math.hypot(dx, dy) < 4) return;  // a click, not a drag
      if (!this.moved) this.surface.classList.add("dragging");
      this.moved = true;
      this.set({ ...start.view, x: start.view.x + dx, y: start.view.y + dy });
    };
    const up = () => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
      this.surface.classList.remove("dragging");
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
  }

  /** Keys that pan and zoom; returns true when the key was one of them. */
  onKey(event, { arrows = true } = {}) {
    const step = event.shiftKey ? 200 : 60;
    const keys = {
      "+": () => this.zoom(1.25), "=": () => this.zoom(1.25), "-": () => this.zoom(0.8),
      _: () => this.zoom(0.8),
    };
    if (arrows) {
      Object.assign(keys, { ArrowLeft: () => this.pan(step, 0), ArrowRight: () => this.pan(-step, 0),
        ArrowUp: () => this.pan(0, step), ArrowDown: () => this.pan(0, -step) });
    }
    const action = keys[event.key];
    if (!action) return false;
    event.preventDefault();
    action();
    return true;
  }
}
