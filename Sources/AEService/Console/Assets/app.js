// The console's entry point: a hash router over three views (models, jobs, playground). Each
// view renders into <main> and returns a function that closes what it opened (event streams),
// so a view nobody looks at costs the server nothing.
import { showKeyState } from "./api.js";
import { h } from "./dom.js";
import { renderModels } from "./models.js";
import { renderJobs, renderJob } from "./jobs.js";
import { renderPlayground } from "./playground.js";

const routes = [
  { pattern: /^#?\/?$/, nav: "models", title: "Models", render: renderModels },
  { pattern: /^#\/models\/?$/, nav: "models", title: "Models", render: renderModels },
  { pattern: /^#\/jobs\/?$/, nav: "jobs", title: "Jobs", render: renderJobs },
  { pattern: /^#\/jobs\/([^/?]+)$/, nav: "jobs", title: "Job", render: renderJob },
  { pattern: /^#\/playground(?:\/([^/?]+))?\/?$/, nav: "playground", title: "Playground", render: renderPlayground },
];

let cleanup = null;
let generation = 0;

async function show() {
  if (cleanup) { try { cleanup(); } catch { /* a view's cleanup must not stop navigation */ } }
  cleanup = null;
  generation += 1;
  const mine = generation;
  const hash = location.hash.split("?")[0];
  const query = new URLSearchParams(location.hash.includes("?") ? location.hash.slice(location.hash.indexOf("?") + 1) : "");
  const route = routes.find((candidate) => candidate.pattern.test(hash));
  const main = document.getElementById("view");
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (route && link.dataset.nav === route.nav) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (!route) {
    main.replaceChildren(h("h1", {}, "Not found"), h("p", {}, "No view here. ", h("a", { href: "#/" }, "Models")));
    return;
  }
  document.title = `${route.title} · aeserve`;
  const match = hash.match(route.pattern);
  const parameters = match.slice(1).map((part) => (part ? decodeURIComponent(part) : part));
  main.replaceChildren(h("p", { class: "muted" }, "Loading…"));
  const result = await route.render(main, parameters, query, () => mine !== generation);
  // A view that finished after the user had already moved on closes at once.
  if (mine !== generation) { if (typeof result === "function") result(); return; }
  cleanup = typeof result === "function" ? result : null;
}

window.addEventListener("hashchange", () => {
  show();
  document.getElementById("view").focus({ preventScroll: true });
});
showKeyState();
show();
