// Training jobs: the list (running ones followed live), one job's page with a loss chart fed by
// its server-sent events, cancel, and the form that starts a job.
import { get, mutate, hasRoute, serverFacts } from "./api.js";
import { h, facts, errorBox, field } from "./dom.js";
import { lineChart } from "./charts.js";
import * as format from "./format.js";

const finalStates = new Set(["succeeded", "failed", "cancelled"]);
/** Event streams the list keeps open at once: browsers allow six connections per host. */
const maxListStreams = 2;

export async function renderJobs(main, _parameters, _query, isStale) {
  const status = h("div", { "aria-live": "polite" });
  const table = h("div", { id: "jobs-list" });
  const streams = new Map();
  const refresh = h("button", { type: "button", onclick: () => load() }, "Refresh");
  const form = h("div", { id: "job-form-card", class: "card" }, h("p", { class: "muted" }, "Loading the form…"));
  main.replaceChildren(
    h("div", { class: "card-head" }, h("h1", {}, "Jobs"), refresh, h("button", { type: "button", onclick: () => {
      // The form is further down this page; a hash link would leave the view.
      const first = document.getElementById("job-model");
      if (first) { first.scrollIntoView({ block: "center" }); first.focus(); }
    } }, "Start a job")),
    status, h("div", { class: "card" }, table), form);

  function closeStreams() {
    for (const stream of streams.values()) stream.close();
    streams.clear();
  }

  async function load() {
    try {
      const { jobs } = await get("/train-job");
      if (isStale()) return;
      closeStreams();
      table.replaceChildren(jobs.length ? jobsTable(jobs) : h("p", {}, "No jobs yet."));
      // Follow the jobs that are not over yet through their event streams (no polling).
      for (const job of jobs.filter((j) => !finalStates.has(j.state)).slice(0, maxListStreams)) follow(job);
      status.replaceChildren();
    } catch (error) {
      table.replaceChildren(error.code === "training_disabled" ? h("p", {}, error.message) : errorBox(error));
    }
  }

  function follow(job) {
    const stream = new EventSource(`/train-job/${encodeURIComponent(job.id)}/events`);
    streams.set(job.id, stream);
    stream.addEventListener("epoch", (event) => {
      const data = JSON.parse(event.data);
      job.progress = { ...job.progress, epoch: data.epoch.epoch, epochs: data.epochs, train_loss: data.epoch.train_loss,
        validation_loss: data.epoch.validation_loss, samples_per_second: data.epoch.samples_per_second };
      if (job.state === "queued") job.state = "running";
      replaceRow(job);
    });
    stream.addEventListener("end", (event) => {
      stream.close();
      streams.delete(job.id);
      replaceRow(JSON.parse(event.data));
    });
  }

  function replaceRow(job) {
    const row = table.querySelector(`tr[data-job="${CSS.escape(job.id)}"]`);
    if (row) row.replaceWith(jobRow(job));
  }

  await Promise.all([load(), jobForm(form, isStale)]);
  return closeStreams;
}

function jobsTable(jobs) {
  return h("div", { class: "table-wrap" }, h("table", {},
    h("caption", { class: "muted" }, "Newest first. Running jobs update as their epochs finish."),
    h("thead", {}, h("tr", {}, ...["Job", "Model", "State", "Progress", "Train loss", "Validation loss", "Created", "Finished"]
      .map((title) => h("th", { scope: "col" }, title)))),
    h("tbody", {}, jobs.map(jobRow))));
}

function jobRow(job) {
  const progress = job.progress || {};
  return h("tr", { "data-job": job.id, "data-state": job.state },
    h("td", { class: "nowrap" }, h("a", { href: `#/jobs/${encodeURIComponent(job.id)}` }, job.id)),
    h("td", {}, job.request ? job.request.model : "–"),
    h("td", { class: `state-${job.state}` }, job.state),
    h("td", { class: "nowrap" }, progressElement(progress)),
    h("td", { class: "num" }, format.loss(progress.train_loss)),
    h("td", { class: "num" }, format.loss(progress.validation_loss)),
    h("td", {}, format.timeElement(job.created_at)),
    h("td", {}, job.finished_at ? format.timeElement(job.finished_at) : "–"));
}

function progressElement(progress) {
  const epochs = progress.epochs || 0, epoch = progress.epoch || 0;
  return h("span", {}, h("progress", { max: Math.max(epochs, 1), value: epoch, "aria-label": `${epoch} of ${epochs} epochs` }),
    ` ${format.count(epoch)} / ${format.count(epochs)} epochs`);
}

/** One job: facts, live loss chart, cancel. */
export async function renderJob(main, [id], _query, isStale) {
  let job;
  try {
    job = await get(`/train-job/${encodeURIComponent(id)}`);
  } catch (error) {
    main.replaceChildren(h("h1", {}, `Job ${id}`), errorBox(error), h("p", {}, h("a", { href: "#/jobs" }, "All jobs")));
    return null;
  }
  if (isStale()) return null;
  const history = new Map(job.history.map((record) => [record.epoch, record]));
  const chart = lineChart({ title: `Loss per epoch of ${job.id}`, xLabel: "Epoch", yLabel: "Loss", integerX: true });
  chart.svg.id = "loss-chart";
  // The header is built once and updated in place, so a focused Cancel button keeps its focus
  // while epochs arrive.
  const state = h("span", { id: "job-state", class: "badge" });
  const cancelButton = h("button", { type: "button", class: "danger", id: "job-cancel", onclick: () => cancel() }, "Cancel job");
  const header = h("div", { class: "card-head" }, h("h1", {}, `Job ${job.id}`), state, cancelButton);
  const summary = h("div");
  const status = h("div", { "aria-live": "polite" });
  main.replaceChildren(
    h("p", {}, h("a", { href: "#/jobs" }, "← All jobs")),
    header, status,
    h("section", { class: "card", "aria-label": "Loss" },
      h("h2", {}, "Loss"),
      h("div", { class: "legend" }, h("span", {}, h("span", { class: "swatch train" }), "train"),
        h("span", {}, h("span", { class: "swatch validation" }), "validation")),
      chart.svg),
    h("section", { class: "card", "aria-label": "Details" }, summary));

  const cancel = async () => {
    cancelButton.disabled = true;
    try {
      job = await mutate("DELETE", `/train-job/${encodeURIComponent(job.id)}`);
      status.replaceChildren(h("div", { class: "notice ok", role: "status" },
        job.state === "cancelled" ? "Cancelled." : "Cancelling: the job stops at its next batch."));
      draw();
    } catch (error) {
      cancelButton.disabled = false;
      status.replaceChildren(errorBox(error));
    }
  };

  function draw() {
    const records = [...history.values()].sort((a, b) => a.epoch - b.epoch);
    chart.update([
      { name: "train", key: "train", points: records.map((r) => [r.epoch, Number(r.train_loss)]) },
      { name: "validation", key: "validation", points: records.filter((r) => r.validation_loss !== undefined && r.validation_loss !== null)
        .map((r) => [r.epoch, Number(r.validation_loss)]) },
    ]);
    const last = records[records.length - 1];
    const epochs = job.progress.epochs;
    const meanSeconds = records.length ? records.reduce((sum, r) => sum + r.seconds, 0) / records.length : NaN;
    const eta = finalStates.has(job.state) ? 0 : last ? (epochs - last.epoch) * meanSeconds : job.progress.eta_seconds;
    state.textContent = job.state;
    state.className = `badge state-${job.state}`;
    state.dataset.state = job.state;
    cancelButton.hidden = finalStates.has(job.state);
    const request = job.request || {};
    const training = request.training || {};
    summary.replaceChildren(
      h("h2", {}, "Progress"),
      facts([
        ["Epochs", progressElement({ epoch: last ? last.epoch : job.progress.epoch, epochs })],
        ["Speed", format.rate(last ? last.samples_per_second : job.progress.samples_per_second)],
        ["Time left (estimate)", finalStates.has(job.state) ? "–" : format.duration(eta)],
        ["Train loss", format.loss(last ? last.train_loss : job.progress.train_loss)],
        ["Validation loss", format.loss(last ? last.validation_loss : job.progress.validation_loss)],
        ["Created", format.timeElement(job.created_at)],
        ["Started", job.started_at ? format.timeElement(job.started_at) : "–"],
        ["Finished", job.finished_at ? format.timeElement(job.finished_at) : "–"],
      ]),
      job.error ? h("div", { class: "notice error", role: "alert" }, job.error) : null,
      job.result ? h("div", { class: "notice ok", role: "status" }, `Wrote ${job.result.model} v${job.result.version}`,
        job.result.activated ? " (now served). " : ". ",
        h("a", { href: `#/playground/${encodeURIComponent(job.result.model)}` }, "Try it in the playground"), " · ",
        h("a", { href: "#/" }, "Models")) : null,
      h("h2", {}, "Request"),
      facts([
        ["Model", request.model],
        ["Starts from", request.base_version ? `v${request.base_version} of ${request.model}` : format.layerPath(request.architecture)],
        ["Dataset", datasetText(request.dataset)],
        ["Optimizer", training.optimizer ? `${training.optimizer}, learning rate ${training.learning_rate}` : undefined],
        ["Loss", training.loss], ["Batch size", training.batch_size], ["Validation split", training.validation_split],
        ["Seed", training.seed],
      ]));
  }

  draw();
  if (finalStates.has(job.state)) return null;
  const stream = new EventSource(`/train-job/${encodeURIComponent(job.id)}/events`);
  stream.addEventListener("epoch", (event) => {
    const data = JSON.parse(event.data);
    history.set(data.epoch.epoch, data.epoch);
    job.progress.epochs = data.epochs;
    if (job.state === "queued") job.state = "running";
    draw();
  });
  stream.addEventListener("end", (event) => {
    stream.close();
    job = JSON.parse(event.data);
    for (const record of job.history) history.set(record.epoch, record);
    draw();
  });
  return () => stream.close();
}

function datasetText(dataset) {
  if (!dataset) return "–";
  if (dataset.path) return dataset.limit ? `${dataset.path} (first ${format.count(dataset.limit)})` : dataset.path;
  if (dataset.id) return `uploaded dataset ${dataset.id}`;
  if (dataset.vector_count !== undefined) return `${format.count(dataset.vector_count)} inline vectors`;
  return "–";
}

/** An architecture as JSON a person reads: fields in the API's order, one layer per line. */
function architectureText(a) {
  const layers = (list) => `[\n${list.map((l) => `    ${JSON.stringify({ units: l.units, activation: l.activation })}`).join(",\n")}\n  ]`;
  const lines = [`  "kind": ${JSON.stringify(a.kind)}`, `  "input_dim": ${a.input_dim}`];
  if (a.latent_dim !== undefined) lines.push(`  "latent_dim": ${a.latent_dim}`);
  lines.push(`  "encoder": ${layers(a.encoder)}`, `  "decoder": ${layers(a.decoder)}`);
  return `{\n${lines.join(",\n")}\n}`;
}

/** The form that starts a job; shows the server's error as it is when the job is refused. */
async function jobForm(card, isStale) {
  const [server, models, files, uploads] = await Promise.all([
    serverFacts(), get("/models").catch(() => ({ models: [] })), get("/data/files").catch(() => ({ files: [] })),
    hasRoute("GET", "/datasets").then((has) => (has ? get("/datasets").catch(() => null) : null)),
  ]);
  if (isStale()) return;
  const presets = server.presets || {};
  const control = (tag, attributes, ...children) => h(tag, attributes, ...children);

  const model = control("input", { id: "job-model", name: "model", required: true, value: "my-model", pattern: "[A-Za-z0-9][A-Za-z0-9._-]*",
    autocomplete: "off", list: "job-model-names" });
  const modelNames = h("datalist", { id: "job-model-names" }, models.models.map((m) => h("option", { value: m.name })));
  const source = control("select", { id: "job-source" },
    Object.keys(presets).map((name) => h("option", { value: `preset:${name}` }, `Preset: ${name}`)),
    h("option", { value: "custom" }, "Architecture JSON (edit below)"),
    h("option", { value: "base" }, "Fine-tune an existing version"));
  const architecture = control("textarea", { id: "job-architecture", spellcheck: "false" });
  const baseVersion = control("select", { id: "job-base-version" });
  const datasetKind = control("select", { id: "job-dataset-kind" },
    h("option", { value: "path" }, "A file under a data root"),
    uploads ? h("option", { value: "id" }, "An uploaded dataset") : null);
  const path = control("input", { id: "job-dataset-path", list: "job-dataset-files", autocomplete: "off",
    value: (files.files.find((f) => /t10k-images/.test(f.path)) || files.files[0] || { path: "" }).path });
  const fileList = h("datalist", { id: "job-dataset-files" }, files.files.map((f) => h("option", { value: f.path }, `${f.format}, ${format.bytes(f.bytes)}`)));
  const uploaded = control("select", { id: "job-dataset-id" },
    (uploads ? uploads.datasets || [] : []).map((d) => h("option", { value: d.id }, `${d.name || d.id} (${format.count(d.rows)} × ${format.count(d.dims)})`)));
  const limit = control("input", { id: "job-dataset-limit", type: "number", min: 1, step: 1, placeholder: "all" });
  const epochs = control("input", { id: "job-epochs", type: "number", min: 1, max: (server.limits || {}).max_epochs, step: 1, value: 5, required: true });
  const batch = control("input", { id: "job-batch-size", type: "number", min: 1, step: 1, value: 256 });
  const optimizer = control("select", { id: "job-optimizer" }, ["adam", "adamw", "sgd"].map((o) => h("option", { value: o }, o)));
  const rate = control("input", { id: "job-learning-rate", type: "number", min: 0, step: "any", value: 0.001 });
  const lossKind = control("select", { id: "job-loss" }, ["mse", "bce"].map((o) => h("option", { value: o }, o)));
  const split = control("input", { id: "job-validation-split", type: "number", min: 0, max: 0.99, step: "any", value: 0.1 });
  const seed = control("input", { id: "job-seed", type: "number", min: 0, step: 1, value: 42 });
  const noise = control("input", { id: "job-noise", type: "number", min: 0, step: "any", value: 0 });
  const beta = control("input", { id: "job-beta", type: "number", min: 0, step: "any", value: 1 });
  const activate = control("input", { id: "job-activate", type: "checkbox", checked: true });
  const result = h("div", { id: "job-form-result", "aria-live": "assertive" });
  const submit = h("button", { type: "submit", class: "primary", id: "job-submit" }, "Start job");

  const archField = field("Architecture (JSON, as GET /models/{name} shows it)", architecture);
  const baseField = field("Version to fine-tune", baseVersion, "Versions of the model named above.");
  const pathField = field("Dataset path (relative to a data root)", path, files.files.length
    ? `${files.files.length} dataset files found on the server; type to pick one.` : "No dataset file was found under the data roots.");
  const idField = field("Uploaded dataset", uploaded);

  function syncSource() {
    const value = source.value;
    if (value.startsWith("preset:")) architecture.value = architectureText(presets[value.slice(7)]);
    archField[0].hidden = value === "base";
    baseField[0].hidden = value !== "base";
    if (value === "base") {
      const named = models.models.find((m) => m.name === model.value);
      baseVersion.replaceChildren(...(named ? named.versions : []).map((v) => h("option", { value: v }, `v${v}`)));
    }
  }
  function syncDataset() {
    pathField[0].hidden = datasetKind.value !== "path";
    idField[0].hidden = datasetKind.value !== "id";
  }
  source.addEventListener("change", syncSource);
  model.addEventListener("change", syncSource);
  architecture.addEventListener("input", () => { source.value = "custom"; });
  datasetKind.addEventListener("change", syncDataset);

  const number = (input) => (input.value === "" ? undefined : Number(input.value));
  function body() {
    const request = { model: model.value.trim(), activate: activate.checked };
    if (source.value === "base") {
      request.base_version = Number(baseVersion.value);
    } else {
      try {
        request.architecture = JSON.parse(architecture.value);
      } catch (error) {
        throw { code: "invalid_json", message: `the architecture is not valid JSON: ${error.message}` };
      }
    }
    request.dataset = datasetKind.value === "id" ? { id: uploaded.value } : { path: path.value.trim() };
    if (number(limit) !== undefined) request.dataset.limit = number(limit);
    request.training = { epochs: number(epochs), batch_size: number(batch), optimizer: optimizer.value, learning_rate: number(rate),
      loss: lossKind.value, validation_split: number(split), seed: number(seed), noise: number(noise), beta: number(beta) };
    for (const key of Object.keys(request.training)) if (request.training[key] === undefined) delete request.training[key];
    return request;
  }

  const form = h("form", { id: "job-form", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    result.replaceChildren();
    submit.disabled = true;
    try {
      const job = await mutate("POST", "/train-job", body());
      location.hash = `#/jobs/${encodeURIComponent(job.id)}`;
    } catch (error) {
      // The server's own code and message, unchanged: they name the field and what it expected.
      result.replaceChildren(errorBox(error));
    } finally {
      submit.disabled = false;
    }
  } },
  h("h2", { id: "job-form-title" }, "Start a training job"),
  server.training_enabled === false ? h("p", { class: "notice error" }, "Training is disabled on this server (setting training.enabled).") : null,
  h("fieldset", {}, h("legend", {}, "Model"),
    h("div", { class: "grid" }, field("Model name (a new version of it is written)", model)[0], field("Start from", source)[0]),
    modelNames, archField[0], baseField[0]),
  h("fieldset", {}, h("legend", {}, "Data"),
    h("div", { class: "grid" }, field("Source", datasetKind)[0], pathField[0], idField[0],
      field("Use only the first (rows)", limit, "Empty: every row.")[0]), fileList),
  h("fieldset", {}, h("legend", {}, "Training"),
    h("div", { class: "grid" },
      field("Epochs", epochs)[0], field("Batch size (samples)", batch)[0], field("Optimizer", optimizer)[0],
      field("Learning rate", rate)[0], field("Loss", lossKind)[0], field("Validation split (fraction)", split)[0],
      field("Seed", seed)[0], field("Input noise σ (denoising; 0 = off)", noise)[0], field("β of the KL term (variational)", beta)[0]),
    h("label", { class: "inline", for: "job-activate" }, activate, "Serve the new version as soon as it is written")),
  result,
  h("div", { class: "actions" }, submit));
  card.replaceChildren(form);
  syncSource();
  syncDataset();
}
