// Builds elements without HTML strings (so nothing the server sends is ever parsed as markup).

/**
 * h("button", {type: "button", onclick: f}, "Label") → an element. Attributes starting with
 * "on" become listeners, `dataset` and `hidden`/`disabled` are set as properties, and children
 * may be strings, nodes, arrays, null or false.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

const svgNamespace = "http://www.w3.org/2000/svg";

/** Like `h`, for SVG elements. */
export function s(tag, attributes = {}, ...children) {
  const element = document.createElementNS(svgNamespace, tag);
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

function setAttributes(element, attributes) {
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (name === "value" || name === "checked" || name === "selected") element[name] = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

/** A definition list of [term, value] pairs, in the `.facts` grid. */
export function facts(pairs) {
  return h("dl", { class: "facts" },
    pairs.filter(([, value]) => value !== undefined && value !== null && value !== "")
      .map(([term, value]) => h("div", {}, h("dt", {}, term), h("dd", {}, value))));
}

/** An error box showing the server's message as it is (role=alert, so screen readers say it). */
export function errorBox(error) {
  const code = error && error.code ? h("span", { class: "code" }, `${error.status ? error.status + " " : ""}${error.code}: `) : null;
  return h("div", { class: "notice error", role: "alert" }, code, error && error.message ? error.message : String(error));
}

let uniqueCounter = 0;

/** An id unique within the page, for label/field pairs. */
export function uid(prefix) {
  uniqueCounter += 1;
  return `${prefix}-${uniqueCounter}`;
}

/** A labelled form field: returns [wrapper, control]. */
export function field(label, control, hint) {
  if (!control.id) control.id = uid("field");
  const wrapper = h("div", {}, h("label", { for: control.id }, label), control, hint ? h("p", { class: "hint" }, hint) : null);
  return [wrapper, control];
}
