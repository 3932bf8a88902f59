#!/usr/bin/env bash
# The recipe of the bundled models: trains each with our own trainer and installs it as
# models/<name>/1, calibrated on the validation split it was trained with, then records what was
# reached in models/README.md (`make models`). A model already there is not trained again (its
# checkpoint stays byte-identical): it is only calibrated again. RETRAIN=1 trains every model anew.
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
  echo "Each is calibrated on the validation split it was trained with (calibration.json beside"
  echo "the checkpoint): the score a vector must exceed to be flagged by \`/score\` is the 0.99 quantile."
  echo
  echo "| model | architecture | options | test-set MSE | seconds | mse q0.99 (calibration) |"
  echo "|---|---|---|---|---|---|"
} > "$work/README.md"

# The options of a recipe that choose the validation split and the ELBO objective, for calibrate.
calibration_options() {
  local -a words=($1) picked=()
  for ((i = 0; i < ${#words[@]}; i++)); do
    case ${words[i]} in
      --seed|--validation-split|--beta|--loss) picked+=("${words[i]}" "${words[i + 1]}") ;;
    esac
  done
  echo "${picked[@]}"
}

for recipe in "${recipes[@]}"; do
  IFS='|' read -r name preset options <<<"$recipe"
  if [ "${RETRAIN:-0}" = 1 ] || [ ! -f "models/$name/1/model.safetensors" ]; then
    echo "== $name: training"
    # shellcheck disable=SC2086
    "$bin" train --preset "$preset" $options \
      --dataset "$data/train-images-idx3-ubyte.gz" --test-set "$data/t10k-images-idx3-ubyte.gz" \
      --out "$work/$name"
    rm -rf "models/$name"
    mkdir -p "models/$name"
    mv "$work/$name/1" "models/$name/1"
  else
    echo "== $name: calibrating (the checkpoint is kept; RETRAIN=1 trains it again)"
    # shellcheck disable=SC2046
    "$bin" calibrate "models/$name/1" --dataset "$data/train-images-idx3-ubyte.gz" $(calibration_options "$options")
  fi
  "$bin" inspect "models/$name/1" --json > "$work/inspect.json"
  row=$(python3 - "$work/inspect.json" <<'PY'
import json, sys
facts = json.load(open(sys.argv[1]))
training, mse = facts["training"], facts["calibration"]["scores"]["mse"]
q99 = next(q["value"] for q in mse["quantiles"] if q["quantile"] == 0.99)
print(f'{float(training["test_mse"]):.5f} | {round(float(training["training_seconds"]), 1)} | {q99:.5f} ({mse["count"]} {mse["source"]["kind"]} vectors)')
PY
)
  printf '| %s | preset `%s` | `%s` | %s |\n' "$name" "$preset" "$options" "$row" >> "$work/README.md"
done
mv "$work/README.md" models/README.md
cat models/README.md
