// Layered left-to-right layout: a node's column is its signed depth from the root
// (upstream negative, downstream positive). Fan-outs wider than a threshold collapse into a
// "+N more" node, so a 2,000-node neighbourhood draws as a readable picture.

export const SIZE = { width: 200, height: 36, column: 250, row: 50, margin: 24 };

function adjacency(edges) {
  const out = new Map();
  const inn = new Map();
  for (const { from, to } of edges) {
    if (!out.has(from)) out.set(from, []);
    if (!inn.has(to)) inn.set(to, []);
    out.get(from).push(to);
    inn.get(to).push(from);
  }
  return { out, inn };
}

const byName = (nodes) => (a, b) => {
  const x = nodes.get(a);
  const y = nodes.get(b);
  return x.name < y.name ? -1 : x.name > y.name ? 1 : a < b ? -1 : 1;
};

/** The outward neighbours of `id` on one side (+1 downstream, -1 upstream), one level further. */
export function outward(model, adj, id, side) {
  const depth = model.nodes.get(id).depth;
  const next = (side > 0 ? adj.out : adj.inn).get(id) || [];
  return next.filter((n) => model.nodes.has(n) && model.nodes.get(n).depth === depth + side);
}

function sidesOf(depth) {
  return depth === 0 ? [1, -1] : [Math.sign(depth)];
}

/**
 * Choose what to draw: breadth-first from the root, skipping collapsed nodes' subtrees and
 * replacing the tail of each fan-out wider than `fanout` by one "+N more" node.
 */
export function visible(model, { fanout = 12, collapsed = new Set(), opened = new Set() } = {}) {
  const adj = adjacency(model.edges);
  const roots = model.roots || [model.root];
  const shown = new Map(roots.map((id) => [id, model.nodes.get(id)]));
  const more = [];
  let frontier = [...roots];
  const order = byName(model.nodes);
  while (frontier.length) {
    const next = [];
    for (const id of frontier) {
      if (collapsed.has(id)) continue;
      for (const side of sidesOf(model.nodes.get(id).depth)) {
        const fresh = outward(model, adj, id, side).filter((n) => !shown.has(n)).sort(order);
        const key = `more:${side}:${id}`;
        const keep = fanout > 0 && fresh.length > fanout && !opened.has(key) ? fanout : fresh.length;
        for (const n of fresh.slice(0, keep)) {
          shown.set(n, model.nodes.get(n));
          next.push(n);
        }
        if (keep < fresh.length) {
          const depth = model.nodes.get(id).depth + side;
          more.push({ id: key, type: "MORE", owner: id, side, depth, count: fresh.length - keep,
            name: `+${fresh.length - keep} more` });
        }
      }
    }
    frontier = next;
  }
  return { shown, more, adj };
}

function columnsOf(nodes) {
  const columns = new Map();
  for (const node of nodes) {
    if (!columns.has(node.depth)) columns.set(node.depth, []);
    columns.get(node.depth).push(node);
  }
  return columns;
}

function orderColumn(column, toward, position) {
  const score = (node) => {
    if (node.type === "MORE") return (position.get(node.owner) ?? 0) + 0.5;
    const near = toward(node.id).filter((n) => position.has(n));
    if (!near.length) return Number.MAX_SAFE_INTEGER;
    return near.reduce((sum, n) => sum + position.get(n), 0) / near.length;
  };
  const scored = column.map((node) => [score(node), node]);
  // nodes of one group (the fields of one dataset) stay together, where their best member is
  const best = new Map();
  for (const [value, node] of scored) {
    if (node.group !== undefined) best.set(node.group, Math.min(best.get(node.group) ?? value, value));
  }
  const key = ([value, node]) => (node.group === undefined ? value : best.get(node.group));
  const group = (node) => node.group ?? "";
  scored.sort((a, b) => key(a) - key(b) || (group(a[1]) < group(b[1]) ? -1
    : group(a[1]) > group(b[1]) ? 1 : 0) || a[0] - b[0] || (a[1].name < b[1].name ? -1 : 1));
  scored.forEach(([, node], index) => position.set(node.id, index));
  return scored.map(([, node]) => node);
}

/**
 * Pitches that make the picture's shape match the canvas (`aspect` = width / height), so a
 * shallow graph spreads downwards and a tall one spreads sideways, within readable bounds.
 * `half` is the number of columns on the wider side of the root: the view is centred on it.
 */
export function pitches(half, tallest, aspect) {
  const { width, column, row } = SIZE;
  const wide = 2 * half * column + width;
  const high = tallest * row;
  if (wide / high > aspect) {
    return { column, row: Math.min(row * 2.4, Math.max(row, wide / aspect / tallest)) };
  }
  const grown = half ? (high * aspect - width) / (2 * half) : column;
  return { column: Math.min(column * 1.7, Math.max(column, grown)), row };
}

/**
 * Lay out `model` ({root, nodes: Map id -> {id, type, name, depth}, edges: [{from, to}]}) for
 * a canvas of shape `options.aspect` (width / height). Returns {nodes: [{...node, x, y}],
 * edges, width, height, root: {x, y} (the root's centre), adj}.
 */
export function layout(model, options = {}) {
  const { shown, more, adj } = visible(model, options);
  const all = [...shown.values(), ...more];
  const columns = columnsOf(all);
  const depths = [...columns.keys()].sort((a, b) => a - b);
  const tallest = Math.max(...[...columns.values()].map((c) => c.length));
  const half = Math.max(-depths[0], depths.at(-1));
  const pitch = pitches(half, tallest, options.aspect || 1.6);
  const position = new Map();
  const placed = [];
  let root = { x: 0, y: 0 };
  const walkOrder = [0, ...depths.filter((d) => d > 0), ...depths.filter((d) => d < 0).reverse()];
  for (const depth of walkOrder) {
    if (!columns.has(depth)) continue;
    const toward = (id) => (depth > 0 ? adj.inn : adj.out).get(id) || [];
    const column = orderColumn(columns.get(depth), toward, position);
    const top = ((tallest - column.length) * pitch.row) / 2 + SIZE.margin;
    const x = (depth - depths[0]) * pitch.column + SIZE.margin;
    column.forEach((node, index) => {
      const y = top + index * pitch.row;
      placed.push({ ...node, x, y });
      if (node.id === model.root) root = { x: x + SIZE.width / 2, y: y + SIZE.height / 2 };
    });
  }
  const edges = model.edges.filter((e) => shown.has(e.from) && shown.has(e.to));
  for (const m of more) {
    edges.push(m.side > 0 ? { from: m.owner, to: m.id } : { from: m.id, to: m.owner });
  }
  return {
    nodes: placed,
    edges,
    width: (depths.at(-1) - depths[0]) * pitch.column + SIZE.width + 2 * SIZE.margin,
    height: (tallest - 1) * pitch.row + SIZE.height + 2 * SIZE.margin,
    root,
    adj,
  };
}
