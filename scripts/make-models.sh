#!/usr/bin/env bash
# The recipe of the bundled models: trains each with our own trainer and installs it as
# models/<name>/1, then records what was reached in models/README.md (`make models`).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${AESERVE_BIN:-.build/release/aeserve}
data=/usr/share/datasets/fashion-mnist
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# name | preset | extra options (all other options are aeserve train's defaults)
recipes=(
  "fashion-mnist|fashion-mnist|--epochs 20 --batch-size 256 --optimizer adam --learning-rate 0.001 --loss mse --seed 42 --validation-split 0.1"
  "fashion-mnist-vae|fashion-mnist-vae|--epochs 20 --batch-size 256 --optimizer adam --learning-rate 0.001 --loss mse --beta 0.001 --seed 42 --validation-split 0.1"
)

{
  echo "# Bundled models"
  echo
  echo "Made by \`make models\` (scripts/make-models.sh) from Debian's dataset-fashion-mnist with"
  echo "\`aeserve train\`; \`aeserve inspect models/<name>\` shows the same facts from the checkpoint."
  echo
  echo "| model | architecture | options | test-set MSE | seconds |"
  echo "|---|---|---|---|---|"
} > "$work/README.md"

for recipe in "${recipes[@]}"; do
  IFS='|' read -r name preset options <<<"$recipe"
  echo "== $name"
  # shellcheck disable=SC2086
  "$bin" train --preset "$preset" $options \
    --dataset "$data/train-images-idx3-ubyte.gz" --test-set "$data/t10k-images-idx3-ubyte.gz" \
    --out "$work/$name"
  mse=$("$bin" inspect "$work/$name" --json | python3 -c 'import json,sys; t=json.load(sys.stdin)["training"]; print(t["test_mse"])')
  secs=$("$bin" inspect "$work/$name" --json | python3 -c 'import json,sys; t=json.load(sys.stdin)["training"]; print(round(float(t["training_seconds"]), 1))')
  rm -rf "models/$name"
  mkdir -p "models/$name"
  mv "$work/$name/1" "models/$name/1"
  printf '| %s | preset `%s` | `%s` | %.5f | %s |\n' "$name" "$preset" "$options" "$mse" "$secs" >> "$work/README.md"
done
mv "$work/README.md" models/README.md
cat models/README.md
