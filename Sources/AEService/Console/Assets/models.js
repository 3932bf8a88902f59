// The models overview (the console's front page): every model and version, what is served and
// why, training facts, calibration, and activation (roll back or forward).
import { get, mutate } from "./api.js";
import { h, facts, errorBox } from "./dom.js";
import { histogram } from "./charts.js";
import * as format from "./format.js";

export async function renderModels(main, _parameters, _query, isStale) {
  const status = h("div", { id: "models-status", "aria-live": "polite" });
  const list = h("div", { id: "models" });
  const refresh = h("button", { type: "button", onclick: () => load() }, "Refresh");
  main.replaceChildren(
    h("div", { class: "card-head" }, h("h1", {}, "Models"), refresh),
    h("p", { class: "muted" }, "Every model in the models root with its versions. The served version is the highest one unless another was activated."),
    status, list);

  async function load(message) {
    refresh.disabled = true;
    try {
      const overview = await get("/models");
      const details = await Promise.all(overview.models.map((model) => get(`/models/${encodeURIComponent(model.name)}`)));
      if (isStale()) return;
      list.replaceChildren(...overview.models.map((model, i) => modelCard(model, details[i], overview.default, activate)));
      if (overview.models.length === 0) list.replaceChildren(h("p", {}, "No model is loaded. Train one from the Jobs view."));
      status.replaceChildren(message ? h("div", { class: "notice ok", role: "status" }, message) : "");
    } catch (error) {
      status.replaceChildren(errorBox(error));
    } finally {
      refresh.disabled = false;
    }
  }

  async function activate(name, version, button) {
    button.disabled = true;
    try {
      const served = await mutate("POST", `/models/${encodeURIComponent(name)}/activate`, { version });
      await load(`${served.name} now serves version ${served.version}.`);
    } catch (error) {
      button.disabled = false;
      status.replaceChildren(errorBox(error));
    }
  }

  await load();
}

function modelCard(model, detail, defaultName, activate) {
  const servedReason = model.activated ? "activated" : "highest version";
  const versions = (detail.version_details || []).slice().sort((a, b) => b.version - a.version);
  const rows = versions.map((version) => versionRow(model, version, activate));
  const calibration = calibrationOf(model, versions.find((v) => v.version === model.version));
  return h("section", { class: "card", "data-model": model.name, "data-served-version": model.version, "aria-labelledby": `model-${model.name}` },
    h("div", { class: "card-head" },
      h("h2", { id: `model-${model.name}` }, model.name),
      h("span", { class: "badge" }, model.kind),
      model.name === defaultName ? h("span", { class: "badge" }, "default model") : null,
      h("span", { class: "badge served", "data-served": "" }, `serving v${model.version} · ${servedReason}`),
      h("a", { href: `#/playground/${encodeURIComponent(model.name)}` }, "Open in playground")),
    facts([
      ["Input → latent", `${format.count(model.input_dim)} → ${format.count(model.latent_dim)} values`],
      ["Parameters (served)", format.count(model.parameters)],
      ["Layers", format.layerPath(model.architecture)],
      ["Activations", activations(model.architecture)],
      ["sha256 (served)", h("span", { class: "mono", title: model.sha256 }, `${model.sha256.slice(0, 12)}…`)],
    ]),
    h("h3", {}, "Versions"),
    h("div", { class: "table-wrap" }, h("table", {},
      h("thead", {}, h("tr", {}, ...["Version", "Serve", "Created", "Parameters", "Dataset", "Epochs", "Train loss",
        "Validation loss", "Test MSE", "Size"].map((title, i) => h("th", { class: i >= 3 && i !== 4 ? "num" : "", scope: "col" }, title)))),
      h("tbody", {}, rows))),
    calibration);
}

function versionRow(model, version, activate) {
  const training = version.training || {};
  const served = version.version === model.version;
  const direction = version.version < model.version ? "Roll back to" : "Serve";
  const action = served
    ? h("span", { class: "badge served" }, model.activated ? "served (activated)" : "served (highest)")
    : h("button", { type: "button", "data-activate": version.version, "aria-label": `${direction} ${model.name} version ${version.version}`,
      onclick: (event) => activate(model.name, version.version, event.currentTarget) }, `${direction} v${version.version}`);
  return h("tr", { class: served ? "current" : "", "data-version": version.version },
    h("td", { class: "nowrap" }, `v${version.version}`),
    h("td", { class: "action" }, action),
    h("td", {}, format.timeElement(training.created_at || version.loaded_at)),
    h("td", { class: "num" }, format.count(format.parameterCount(version.architecture))),
    h("td", {}, training.dataset || "–"),
    h("td", { class: "num" }, training.epochs !== undefined ? format.count(training.epochs) : "–"),
    h("td", { class: "num" }, format.loss(training.train_loss)),
    h("td", { class: "num" }, format.loss(training.validation_loss)),
    h("td", { class: "num" }, format.loss(training.test_mse)),
    h("td", { class: "num" }, format.bytes(version.bytes)));
}

function activations(architecture) {
  if (!architecture) return "–";
  const names = [...architecture.encoder, ...architecture.decoder].map((layer) => layer.activation);
  return [...new Set(names)].join(", ");
}

/**
 * The served version's calibration (the distribution of its validation scores), when the server
 * reports one: `{"scores": {"mse": {count, quantiles, max, histogram: {edges, counts}, source}, …}}`.
 * Shows the reconstruction-error (mse) distribution with the default threshold, the 0.99 quantile.
 */
function calibrationOf(model, detail) {
  const calibration = (detail && detail.calibration) || model.calibration;
  if (!calibration || typeof calibration !== "object") return null;
  const kinds = calibration.scores && typeof calibration.scores === "object" ? calibration.scores : { [calibration.score || "mse"]: calibration };
  const kind = kinds.mse ? "mse" : Object.keys(kinds)[0];
  const scores = kinds[kind];
  if (!scores || typeof scores !== "object") return null;
  const quantiles = quantileList(scores.quantiles);
  const thresholdQuantile = 0.99;
  const threshold = quantiles.find((q) => Math.abs(q.quantile - thresholdQuantile) < 1e-9);
  const bars = histogramOf(scores.histogram);
  return h("div", { class: "calibration", "data-calibration": kind },
    h("h3", {}, "Calibration"),
    h("p", { class: "muted" }, `How the served version scores its own validation data; /score flags a vector above the threshold.`,
      Object.keys(kinds).length > 1 ? ` Score kinds: ${Object.keys(kinds).join(", ")} (shown: ${kind}).` : ""),
    facts([
      ["Scores", scores.count !== undefined ? `${format.count(scores.count)} vectors` : undefined],
      ["From", sourceText(scores.source)],
      ["Calibrated", scores.created_at ? format.timeElement(scores.created_at) : undefined],
      ["Max", scores.max !== undefined ? format.loss(scores.max) : undefined],
      ...quantiles.map((q) => [`Quantile ${q.quantile}`, format.loss(q.value)]),
    ]),
    bars ? histogram({ title: `Validation scores (${kind}) of ${model.name} v${model.version}`, edges: bars.edges, counts: bars.counts,
      threshold: threshold ? threshold.value : NaN,
      thresholdLabel: threshold ? `threshold (quantile ${thresholdQuantile}) ${format.loss(threshold.value)}` : undefined }) : null);
}

/** Where calibration scores came from, in words. */
function sourceText(source) {
  if (!source) return undefined;
  if (typeof source !== "object") return String(source);
  const parts = [];
  if (source.kind === "validation_split") parts.push(`validation split${source.fraction ? ` (${format.count(source.fraction * 100)} %)` : ""}`);
  else if (source.kind) parts.push(String(source.kind).replace(/_/g, " "));
  if (source.dataset) parts.push(`of ${source.dataset}`);
  if (source.seed !== undefined) parts.push(`seed ${source.seed}`);
  return parts.join(" ");
}

/** Quantiles given as {"0.99": v} or [{quantile, value}] → [{quantile, value}] sorted. */
function quantileList(quantiles) {
  if (!quantiles) return [];
  const list = Array.isArray(quantiles)
    ? quantiles.map((q) => ({ quantile: Number(q.quantile ?? q.q), value: Number(q.value ?? q.score) }))
    : Object.entries(quantiles).map(([q, value]) => ({ quantile: Number(q), value: Number(value) }));
  return list.filter((q) => Number.isFinite(q.quantile) && Number.isFinite(q.value)).sort((a, b) => a.quantile - b.quantile);
}

/** A histogram given as {edges, counts} (edges one longer than counts) → the same, checked. */
function histogramOf(value) {
  if (!value || typeof value !== "object") return null;
  const edges = value.edges || value.bin_edges, counts = value.counts;
  if (!Array.isArray(edges) || !Array.isArray(counts) || edges.length !== counts.length + 1 || counts.length === 0) return null;
  return { edges: edges.map(Number), counts: counts.map(Number) };
}
