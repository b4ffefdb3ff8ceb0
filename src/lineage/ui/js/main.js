// Entry point: theme, search, and the hash router choosing a view.

import { setupAuth } from "./auth.js";
import { current } from "./router.js";
import { setupSearch } from "./search.js";
import { setupTheme } from "./theme.js";
import { columnsView } from "./views/columns.js";
import { datasetView } from "./views/dataset.js";
import { homeView } from "./views/home.js";
import { impactView } from "./views/impact.js";
import { incidentsView } from "./views/incidents.js";
import { jobView } from "./views/job.js";
import { lineageView } from "./views/lineage.js";
import { modelsView, modelView } from "./views/model.js";
import { runView } from "./views/run.js";

const VIEWS = {
  node: lineageView,
  dataset: datasetView,
  job: jobView,
  columns: columnsView,
  model: modelView,
  models: modelsView,
  impact: impactView,
  incidents: incidentsView,
  run: runView,
};

let closeAuth = () => {};

async function route() {
  closeAuth();
  const { view, args, params } = current();
  delete document.body.dataset.graph;
  const render = VIEWS[view];
  await (render || homeView)(args, params);
  document.body.dataset.view = view || "home";
}

closeAuth = setupAuth(route);
setupTheme();
setupSearch();
window.addEventListener("hashchange", route);
route();
