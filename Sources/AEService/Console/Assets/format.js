// Numbers with units and times in the viewer's locale.

const locale = undefined; // the browser's own

const integer = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "medium" });

/** 944176 → "944,176" (in the viewer's locale). */
export function count(value) {
  return Number.isFinite(value) ? integer.format(value) : "–";
}

/** A loss or error: four significant digits, small values in scientific notation. */
export function loss(value) {
  const number = typeof value === "string" ? Number(value) : value;
  if (number === null || number === undefined || Number.isNaN(number)) return value === "NaN" ? "NaN" : "–";
  if (!Number.isFinite(number)) return String(number);
  const magnitude = Math.abs(number);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5)) return number.toExponential(3);
  return new Intl.NumberFormat(locale, { maximumSignificantDigits: 4 }).format(number);
}

/** 3_776_704 → "3.8 MB" (decimal units, as disks are sold). */
export function bytes(value) {
  if (!Number.isFinite(value)) return "–";
  const units = ["B", "kB", "MB", "GB", "TB"];
  let size = value, unit = 0;
  while (size >= 1000 && unit < units.length - 1) { size /= 1000; unit += 1; }
  const digits = unit === 0 ? 0 : size < 10 ? 1 : 0;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(size)} ${units[unit]}`;
}

/** 75.4 → "1 min 15 s"; 0.42 → "0.42 s". */
export function duration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return "–";
  if (seconds < 10) return `${new Intl.NumberFormat(locale, { maximumSignificantDigits: 2 }).format(seconds)} s`;
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600), m = Math.floor((whole % 3600) / 60), s = whole % 60;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${s} s`;
  return `${s} s`;
}

/** Samples per second with its unit. */
export function rate(value) {
  return Number.isFinite(value) ? `${integer.format(value)} samples/s` : "–";
}

/** An ISO 8601 time → the viewer's local date and time; the ISO text stays in a title. */
export function time(iso) {
  if (!iso) return "–";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : dateTime.format(date);
}

/** A <time> element with the local text and the machine-readable value. */
export function timeElement(iso) {
  const element = document.createElement("time");
  element.textContent = time(iso);
  if (iso) { element.dateTime = iso; element.title = iso; }
  return element;
}

/** The number of trainable values of an architecture (weights and biases of every layer). */
export function parameterCount(architecture) {
  if (!architecture || !Array.isArray(architecture.encoder) || !Array.isArray(architecture.decoder)) return NaN;
  let inputs = architecture.input_dim, total = 0;
  const layer = (units) => { total += units * (inputs + 1); inputs = units; };
  architecture.encoder.forEach((l) => layer(l.units));
  if (architecture.kind === "variational") {
    const hidden = inputs;
    total += 2 * architecture.latent_dim * (hidden + 1); // mean and log-variance heads
    inputs = architecture.latent_dim;
  }
  architecture.decoder.forEach((l) => layer(l.units));
  return total;
}

/** "784 → 512 → 128 → 32 → 128 → 512 → 784" with each layer's activation in a title. */
export function layerPath(architecture) {
  if (!architecture) return "–";
  const widths = [architecture.input_dim, ...architecture.encoder.map((l) => l.units)];
  if (architecture.kind === "variational") widths.push(`(${architecture.latent_dim})`);
  widths.push(...architecture.decoder.map((l) => l.units));
  return widths.join(" → ");
}
