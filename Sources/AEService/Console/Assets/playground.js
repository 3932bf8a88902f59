// The playground: pick a model and an input (a dataset sample, a drawing or an uploaded image),
// and see original, reconstruction and per-pixel error side by side with the error and the
// anomaly verdict; variational models also draw samples; any two inputs can be interpolated.
import { get, post, hasRoute } from "./api.js";
import { h, facts, errorBox, field } from "./dom.js";
import { isImageWidth, paintGray, paintHeat, vectorPlot } from "./charts.js";
import { drawPad, imageVector } from "./drawing.js";
import * as format from "./format.js";

const pageSize = 16;

export async function renderPlayground(main, [requested], _query, isStale) {
  let overview, files, routes;
  try {
    [overview, files, routes] = await Promise.all([get("/models"), get("/data/files").catch(() => ({ files: [] })),
      Promise.all([hasRoute("POST", "/interpolate"), hasRoute("POST", "/score")])]);
  } catch (error) {
    main.replaceChildren(h("h1", {}, "Playground"), errorBox(error));
    return null;
  }
  if (isStale()) return null;
  const [canInterpolate, canScore] = routes;
  const models = overview.models;
  if (models.length === 0) {
    main.replaceChildren(h("h1", {}, "Playground"), h("p", {}, "No model is loaded."));
    return null;
  }
  let model = models.find((m) => m.name === requested) || models.find((m) => m.name === overview.default) || models[0];

  const modelSelect = h("select", { id: "pg-model" }, models.map((m) =>
    h("option", { value: m.name, selected: m.name === model.name }, `${m.name} (v${m.version}, ${m.kind})`)));
  const modelFacts = h("div");
  const status = h("div", { "aria-live": "polite" });
  const inputCard = h("section", { class: "card", "aria-labelledby": "pg-input-title" });
  const ownCard = h("section", { class: "card", "aria-labelledby": "pg-own-title" });
  const resultCard = h("section", { class: "card", id: "pg-result", "aria-labelledby": "pg-result-title" });
  const interpolationCard = h("section", { class: "card", "aria-labelledby": "pg-interpolate-title" });
  const samplesCard = h("section", { class: "card", "aria-labelledby": "pg-samples-title" });
  main.replaceChildren(h("h1", {}, "Playground"),
    h("div", { class: "narrow" }, field("Model", modelSelect)[0]), modelFacts, status,
    inputCard, resultCard, canInterpolate ? interpolationCard : null, ownCard, samplesCard);

  /** The loaded page of dataset rows, and the current input. */
  let rows = [], offset = 0, current = null, calibrated = false;

  modelSelect.addEventListener("change", () => {
    model = models.find((m) => m.name === modelSelect.value);
    history.replaceState(null, "", `#/playground/${encodeURIComponent(model.name)}`);
    setUp();
  });

  async function setUp() {
    current = null;
    rows = [];
    status.replaceChildren();
    modelFacts.replaceChildren(facts([
      ["Kind", model.kind], ["Input → latent", `${format.count(model.input_dim)} → ${format.count(model.latent_dim)} values`],
      ["Served version", `v${model.version}`], ["Parameters", format.count(model.parameters)],
    ]));
    calibrated = false;
    if (canScore) {
      try {
        const detail = await get(`/models/${encodeURIComponent(model.name)}`);
        const served = (detail.version_details || []).find((v) => v.version === detail.version);
        calibrated = Boolean(detail.calibration || (served && served.calibration));
      } catch { calibrated = false; }
    }
    buildInput();
    resultCard.replaceChildren(h("h2", { id: "pg-result-title" }, "Reconstruction"), h("p", { class: "muted" }, "Pick an input above."));
    buildInterpolation();
    buildSamples();
    await loadRows();
  }

  // ---- input: dataset rows, drawing, upload ----
  const image = () => isImageWidth(model.input_dim);
  let pathInput, offsetInput, rowStrip, nextButton;

  function buildInput() {
    const matching = files.files.filter((f) => !/idx1/.test(f.path));
    const preferred = matching.find((f) => image() && /t10k-images/.test(f.path)) || matching[0];
    pathInput = h("input", { id: "pg-path", list: "pg-files", autocomplete: "off", value: preferred ? preferred.path : "" });
    offsetInput = h("input", { id: "pg-offset", type: "number", min: 0, step: pageSize, value: 0 });
    rowStrip = h("div", { class: "strip samples", id: "pg-rows", role: "list" });
    const load = h("button", { type: "button", id: "pg-load", onclick: () => { offset = Number(offsetInput.value) || 0; loadRows(); } }, "Load rows");
    const previous = h("button", { type: "button", onclick: () => { offset = Math.max(0, offset - pageSize); offsetInput.value = offset; loadRows(); } }, "Previous");
    nextButton = h("button", { type: "button", onclick: () => { offset += pageSize; offsetInput.value = offset; loadRows(); } }, "Next");
    inputCard.replaceChildren(
      h("h2", { id: "pg-input-title" }, "Samples from a dataset on the server"),
      h("div", { class: "row" }, field("Dataset file (relative to a data root)", pathInput)[0], field("First row", offsetInput)[0], load, previous, nextButton),
      h("datalist", { id: "pg-files" }, matching.map((f) => h("option", { value: f.path }))),
      h("p", { class: "hint" }, "Pick a sample to reconstruct it."), rowStrip);
    const parts = [h("h2", { id: "pg-own-title" }, "Your own input")];
    if (image()) {
      const pad = drawPad((values) => use(values, "your drawing"));
      const upload = h("input", { id: "pg-upload", type: "file", accept: "image/*" });
      const invert = h("select", { id: "pg-invert" }, h("option", { value: "auto" }, "automatic"),
        h("option", { value: "yes" }, "invert"), h("option", { value: "no" }, "keep"));
      const readUpload = async () => {
        const file = upload.files && upload.files[0];
        if (!file) return;
        try {
          const choice = invert.value === "auto" ? undefined : invert.value === "yes";
          const { values, inverted } = await imageVector(file, choice);
          use(values, `${file.name}${inverted ? " (inverted)" : ""}`);
        } catch (error) {
          status.replaceChildren(errorBox({ code: "image", message: `could not read ${file.name} as an image: ${error.message}` }));
        }
      };
      upload.addEventListener("change", readUpload);
      invert.addEventListener("change", readUpload);
      parts.push(h("div", { class: "panels" },
        h("div", {}, h("h3", {}, "Draw (28×28)"), pad.element,
          h("div", { class: "actions" }, h("button", { type: "button", onclick: pad.clear }, "Clear drawing"))),
        h("div", {}, h("h3", {}, "Upload an image"), field("Image file (scaled to 28×28, gray)", upload)[0],
          field("Colours", invert, "Fashion-MNIST items are light on black; light photos are inverted automatically.")[0])));
    } else {
      const text = h("textarea", { id: "pg-vector", spellcheck: "false", placeholder: `[${model.input_dim} numbers]` });
      parts.push(field(`A JSON array of ${model.input_dim} numbers`, text)[0],
        h("div", { class: "actions" }, h("button", { type: "button", id: "pg-reconstruct-vector", onclick: () => {
          try {
            const values = JSON.parse(text.value);
            if (!Array.isArray(values)) throw new Error("not an array");
            use(values.map(Number), "pasted vector");
          } catch (error) {
            status.replaceChildren(errorBox({ code: "invalid_json", message: `the vector is not a JSON array of numbers: ${error.message}` }));
          }
        } }, "Reconstruct")));
    }
    ownCard.replaceChildren(...parts);
  }

  async function loadRows() {
    if (!pathInput.value) { rowStrip.replaceChildren(h("p", { class: "muted" }, "No dataset file found on the server.")); return; }
    const path = pathInput.value.trim();
    try {
      const page = await get(`/data/rows?path=${encodeURIComponent(path)}&offset=${offset}&limit=${pageSize}`);
      if (isStale()) return;
      rows = page.rows.map((values, i) => ({ values, label: `${path} row ${page.offset + i}`, index: page.offset + i }));
      // A short page is the file's last: there is no next one to ask for.
      nextButton.disabled = rows.length < pageSize;
      if (page.dims !== model.input_dim) {
        rowStrip.replaceChildren(errorBox({ code: "dimension_mismatch",
          message: `${path} has rows of ${page.dims} values; ${model.name} takes ${model.input_dim}` }));
        return;
      }
      rowStrip.replaceChildren(...rows.map((row, i) => {
        const thumb = h("canvas", { class: "pixels" });
        if (image()) paintGray(thumb, row.values);
        return h("button", { type: "button", role: "listitem", class: "sample", "data-row": row.index, "aria-label": `Use row ${row.index}`,
          "aria-pressed": "false", onclick: () => use(row.values, row.label, i) }, image() ? thumb : `Row ${row.index}`);
      }));
      buildInterpolation();
      if (rows.length) use(rows[0].values, rows[0].label, 0);
    } catch (error) {
      rowStrip.replaceChildren(errorBox(error));
    }
  }

  // ---- reconstruction ----
  async function use(values, label, rowIndex) {
    current = { values, label, rowIndex };
    for (const button of rowStrip.querySelectorAll("button.sample")) {
      button.setAttribute("aria-pressed", String(rowIndex !== undefined && rows[rowIndex] && Number(button.dataset.row) === rows[rowIndex].index));
    }
    const title = h("h2", { id: "pg-result-title" }, "Reconstruction");
    resultCard.replaceChildren(title, h("p", { class: "muted" }, `Reconstructing ${label}…`));
    try {
      const answer = await post("/reconstruct", { model: model.name, vector: values });
      if (current.values !== values) return;
      const reconstruction = answer.reconstruction;
      const errors = values.map((v, i) => Math.abs(v - reconstruction[i]));
      const maxError = Math.max(...errors);
      const verdict = calibrated ? await score(values) : null;
      const summary = facts([
        ["Input", label], ["Mean squared error", h("span", { id: "pg-mse" }, format.loss(answer.error))],
        ["Largest pixel error", format.loss(maxError)],
        ["Answered by", `${answer.model.name} v${answer.model.version}`],
      ]);
      let panels;
      if (image()) {
        const original = h("canvas", { class: "pixels", id: "pg-original" });
        const rebuilt = h("canvas", { class: "pixels", id: "pg-reconstruction", "data-model": answer.model.name, "data-version": answer.model.version });
        const heat = h("canvas", { class: "pixels", id: "pg-error" });
        paintGray(original, values);
        paintGray(rebuilt, reconstruction);
        paintHeat(heat, errors, maxError);
        panels = h("div", { class: "panels" },
          h("figure", {}, original, h("figcaption", {}, "Original")),
          h("figure", {}, rebuilt, h("figcaption", {}, "Reconstruction")),
          h("figure", {}, heat, h("figcaption", {}, `Per-pixel error |x − x̂| (white = ${format.loss(maxError)})`)));
      } else {
        panels = h("div", {},
          vectorPlot(`Original and reconstruction of ${label}`, [{ name: "original", values }, { name: "reconstruction", values: reconstruction }]),
          h("div", { class: "legend" }, h("span", {}, h("span", { class: "swatch train" }), "original"),
            h("span", {}, h("span", { class: "swatch validation" }), "reconstruction")));
      }
      resultCard.replaceChildren(...[title, panels, summary, verdict].filter(Boolean));
      if (canInterpolate) syncInterpolationEnds();
    } catch (error) {
      resultCard.replaceChildren(title, errorBox(error));
    }
  }

  /** The anomaly verdict from /score (only for calibrated models, which /score can judge). */
  async function score(values) {
    try {
      const answer = await post("/score", { model: model.name, vectors: [values] });
      const value = answer.scores ? answer.scores[0] : answer.score;
      const anomalous = Array.isArray(answer.is_anomaly) ? answer.is_anomaly[0] : answer.is_anomaly;
      const threshold = answer.threshold || {};
      return h("p", { id: "pg-verdict" }, h("span", { class: `verdict ${anomalous ? "anomaly" : "normal"}` }, anomalous ? "Anomaly" : "Normal"),
        `: score ${format.loss(value)} against the threshold ${format.loss(threshold.value)}`,
        threshold.quantile !== undefined ? ` (quantile ${threshold.quantile} of the ${threshold.source || "calibration"})` : "");
    } catch (error) {
      return errorBox(error);
    }
  }

  // ---- interpolation ----
  let endSelect, stepsInput, modeSelect, strip;
  function buildInterpolation() {
    if (!canInterpolate) return;
    endSelect = h("select", { id: "pg-interpolate-to" }, rows.map((row, i) => h("option", { value: i }, row.label)));
    stepsInput = h("input", { id: "pg-steps", type: "number", min: 2, max: 64, value: 8 });
    modeSelect = h("select", { id: "pg-mode" }, h("option", { value: "linear" }, "linear"), h("option", { value: "spherical" }, "spherical (slerp)"));
    strip = h("div", { id: "pg-strip" });
    const run = h("button", { type: "button", id: "pg-interpolate", class: "primary", onclick: interpolate }, "Interpolate");
    interpolationCard.replaceChildren(h("h2", { id: "pg-interpolate-title" }, "Latent interpolation"),
      h("p", { class: "muted" }, "From the current input to another sample, through the latent space; each point decoded."),
      h("div", { class: "row" }, field("To", endSelect)[0], field("Points (both ends included)", stepsInput)[0], field("Path", modeSelect)[0], run),
      strip);
    syncInterpolationEnds();
  }
  function syncInterpolationEnds() {
    if (!endSelect || !current || current.rowIndex === undefined || rows.length < 2) return;
    endSelect.value = String((current.rowIndex + 1) % rows.length);
  }
  async function interpolate() {
    if (!current || rows.length === 0) { strip.replaceChildren(h("p", { class: "muted" }, "Load dataset rows and pick an input first.")); return; }
    const end = rows[Number(endSelect.value)];
    try {
      const answer = await post("/interpolate", { model: model.name, from: current.values, to: end.values,
        steps: Number(stepsInput.value), mode: modeSelect.value });
      const note = answer.fallback ? h("p", { class: "hint" }, `The arc is undefined here (${answer.fallback.replace("_", " ")}), so the path is a line.`) : null;
      if (image()) {
        strip.replaceChildren(h("div", { class: "strip", role: "list" }, answer.vectors.map((vector, i) => {
          const canvas = h("canvas", { class: "pixels", "data-step": i });
          paintGray(canvas, vector);
          return h("figure", { role: "listitem" }, canvas, h("figcaption", {}, `t = ${answer.t[i].toFixed(2)}`));
        })), ...(note ? [note] : []));
      } else {
        strip.replaceChildren(vectorPlot("Decoded points", answer.vectors.map((values, i) => ({ name: `t = ${answer.t[i]}`, values }))), ...(note ? [note] : []));
      }
    } catch (error) {
      strip.replaceChildren(errorBox(error));
    }
  }

  // ---- samples from a variational model ----
  function buildSamples() {
    samplesCard.hidden = model.kind !== "variational";
    if (samplesCard.hidden) { samplesCard.replaceChildren(); return; }
    const seed = h("input", { id: "pg-seed", type: "number", min: 0, step: 1, value: 7 });
    const count = h("input", { id: "pg-count", type: "number", min: 1, max: 64, value: 16 });
    const grid = h("div", { id: "pg-samples" });
    const draw = async () => {
      try {
        const answer = await post("/sample", { model: model.name, count: Number(count.value), seed: Number(seed.value) });
        grid.replaceChildren(image()
          ? h("div", { class: "strip", role: "list" }, answer.vectors.map((vector, i) => {
            const canvas = h("canvas", { class: "pixels", "data-sample": i });
            paintGray(canvas, vector);
            return h("figure", { role: "listitem" }, canvas, h("figcaption", {}, `#${i + 1}`));
          }))
          : vectorPlot("Samples", answer.vectors.map((values, i) => ({ name: `#${i + 1}`, values }))));
      } catch (error) {
        grid.replaceChildren(errorBox(error));
      }
    };
    samplesCard.replaceChildren(h("h2", { id: "pg-samples-title" }, "Samples from the prior"),
      h("p", { class: "muted" }, "Latent codes drawn from N(0, I) with the seed, decoded. The same seed gives the same images."),
      h("div", { class: "row" }, field("Seed", seed)[0], field("How many", count)[0],
        h("button", { type: "button", id: "pg-sample", class: "primary", onclick: draw }, "Draw samples")),
      grid);
    draw();
  }

  await setUp();
  return null;
}
