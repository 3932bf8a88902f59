// Talks to the aeserve API: JSON in and out, the server's error messages kept as they are,
// and the API key asked for (once per tab) before an action that changes things.

/** An error answer from the server: its status, code and message, unchanged. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const keyStorage = "aeserve.apiKey";
let facts = null;

/** What this server told the console about itself (/console/server.json), fetched once. */
export async function serverFacts() {
  if (!facts) facts = request("GET", "/console/server.json");
  return facts;
}

let openapi = null;

/** Whether the server has a route (read from /openapi.json, so no probe ever answers 404). */
export async function hasRoute(method, path) {
  if (!openapi) openapi = request("GET", "/openapi.json").catch(() => ({ paths: {} }));
  const doc = await openapi;
  return Boolean(doc.paths && doc.paths[path] && doc.paths[path][method.toLowerCase()]);
}

/** GET `path` → parsed JSON. */
export function get(path) {
  return request("GET", path);
}

/** A request that changes things: asks for the API key first when the server needs one. */
export async function mutate(method, path, body) {
  const { api_key_required: needsKey } = await serverFacts();
  let key = sessionStorage.getItem(keyStorage);
  if (needsKey && !key) key = await askForKey("This server asks for an API key for actions that change things.");
  try {
    return await request(method, path, body, key);
  } catch (error) {
    // A wrong or missing key: ask again once, with the server's own reason.
    if (error instanceof ApiError && (error.status === 401 || (error.status === 403 && needsKey))) {
      sessionStorage.removeItem(keyStorage);
      showKeyState();
      const retry = await askForKey(error.message);
      return request(method, path, body, retry);
    }
    throw error;
  }
}

/** POST `path` with a JSON body → parsed JSON (for read-only computations such as /reconstruct). */
export function post(path, body) {
  return request("POST", path, body);
}

async function request(method, path, body, key) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (key) headers.Authorization = `Bearer ${key}`;
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (cause) {
    throw new ApiError(0, "network", `the server did not answer (${cause.message})`);
  }
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!response.ok) {
    const error = json && json.error;
    if (error && typeof error === "object") throw new ApiError(response.status, error.code, error.message);
    throw new ApiError(response.status, `http_${response.status}`, text.trim() || response.statusText);
  }
  return json;
}

/** Opens the key dialog; resolves with the key, or rejects when the user cancels. */
function askForKey(reason) {
  const dialog = document.getElementById("key-dialog");
  const input = document.getElementById("key-input");
  document.getElementById("key-reason").textContent = reason;
  input.value = "";
  return new Promise((resolve, reject) => {
    const form = document.getElementById("key-form");
    const cancel = document.getElementById("key-cancel");
    const done = (value) => {
      form.removeEventListener("submit", onSubmit);
      cancel.removeEventListener("click", onCancel);
      dialog.removeEventListener("cancel", onCancel);
      if (dialog.open) dialog.close();
      if (value) {
        sessionStorage.setItem(keyStorage, value);
        showKeyState();
        resolve(value);
      } else {
        reject(new ApiError(401, "no_key", "no API key was given; the action was not sent"));
      }
    };
    const onSubmit = (event) => { event.preventDefault(); done(input.value.trim()); };
    const onCancel = (event) => { event.preventDefault(); done(null); };
    form.addEventListener("submit", onSubmit);
    cancel.addEventListener("click", onCancel);
    dialog.addEventListener("cancel", onCancel);
    dialog.showModal();
    input.focus();
  });
}

/** Shows in the header whether this tab holds a key, with a way to forget it. */
export function showKeyState() {
  const element = document.getElementById("key-state");
  if (!element) return;
  element.replaceChildren();
  if (!sessionStorage.getItem(keyStorage)) { element.hidden = true; return; }
  element.hidden = false;
  const forget = document.createElement("button");
  forget.type = "button";
  forget.textContent = "Forget API key";
  forget.addEventListener("click", () => { sessionStorage.removeItem(keyStorage); showKeyState(); });
  element.append(forget);
}
