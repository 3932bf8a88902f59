// Turns what a user draws or uploads into a 784-vector (28×28, values in [0, 1], light on
// black as Fashion-MNIST's images are).
import { h } from "./dom.js";

const side = 28;
const scale = 10; // the pad is drawn at 280×280 and averaged down, as a pen on paper would blur

/** A drawing pad: calls `onVector(values)` after each stroke. Returns {element, clear}. */
export function drawPad(onVector) {
  const canvas = h("canvas", { class: "pixels draw", width: side * scale, height: side * scale, id: "pg-draw",
    "aria-label": "Drawing pad, 28 by 28 pixels: draw with a mouse, pen or finger" });
  const context = canvas.getContext("2d", { willReadFrequently: true });
  const clear = () => { context.fillStyle = "#000"; context.fillRect(0, 0, canvas.width, canvas.height); };
  clear();
  let last = null;
  const position = (event) => {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * (canvas.width / box.width), (event.clientY - box.top) * (canvas.height / box.height)];
  };
  canvas.addEventListener("pointerdown", (event) => {
    canvas.setPointerCapture(event.pointerId);
    last = position(event);
    stroke(last, last);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!last) return;
    const next = position(event);
    stroke(last, next);
    last = next;
  });
  const end = () => {
    if (!last) return;
    last = null;
    onVector(downsample(canvas));
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  function stroke(from, to) {
    context.strokeStyle = "#fff";
    context.lineWidth = 2.2 * scale;
    context.lineCap = "round";
    context.beginPath();
    context.moveTo(...from);
    context.lineTo(...to);
    context.stroke();
  }
  return { element: canvas, clear: () => { clear(); onVector(downsample(canvas)); } };
}

/** The 28×28 gray levels of `source` (any canvas or bitmap), averaged down, in [0, 1]. */
function downsample(source, invert = false) {
  const small = document.createElement("canvas");
  small.width = side; small.height = side;
  const context = small.getContext("2d", { willReadFrequently: true });
  context.fillStyle = invert ? "#fff" : "#000";
  context.fillRect(0, 0, side, side);
  context.imageSmoothingEnabled = true;
  context.imageSmoothingQuality = "high";
  // Fit the source inside the square, centred, keeping its aspect ratio.
  const ratio = Math.min(side / source.width, side / source.height);
  const w = source.width * ratio, hgt = source.height * ratio;
  context.drawImage(source, (side - w) / 2, (side - hgt) / 2, w, hgt);
  const data = context.getImageData(0, 0, side, side).data;
  const values = [];
  for (let i = 0; i < side * side; i += 1) {
    const gray = (0.299 * data[4 * i] + 0.587 * data[4 * i + 1] + 0.114 * data[4 * i + 2]) / 255;
    values.push(invert ? 1 - gray : gray);
  }
  return values;
}

/**
 * An uploaded image as a 784-vector. Photos are usually dark on light, the opposite of
 * Fashion-MNIST, so a mostly light image is inverted unless `invert` says otherwise.
 */
export async function imageVector(file, invert) {
  const bitmap = await createImageBitmap(file);
  const plain = downsample(bitmap, false);
  const mean = plain.reduce((sum, v) => sum + v, 0) / plain.length;
  const flip = invert === undefined ? mean > 0.5 : invert;
  const values = flip ? downsample(bitmap, true) : plain;
  bitmap.close();
  return { values, inverted: flip };
}
