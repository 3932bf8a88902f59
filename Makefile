# aeserve — the two commands: `make run` (install what is missing, build, run) and `make test`.
SWIFT ?= swift
CONFIG ?= release
BIN = .build/$(CONFIG)/aeserve
PYTHON = .venv/bin/python

.PHONY: all bootstrap build run test container-check models bench screenshots clean

all: build

bootstrap:
	@scripts/bootstrap.sh

build: bootstrap
	SWIFT=$(SWIFT) scripts/build-release.sh

# Serves the bundled models on port 8080 (config/aeserve.json) until Ctrl-C.
run: build
	$(BIN) serve --config config/aeserve.json

test: build
	AESERVE_PYTHON=$(CURDIR)/$(PYTHON) $(SWIFT) test --parallel

# Builds the Dockerfile with a real Docker engine (installed and started privately when missing)
# and checks the image as an operator runs it; see scripts/container-check.sh.
container-check: build
	scripts/container-check.sh

models: build
	scripts/make-models.sh

# Engine (vs NumPy), HTTP server, the whole service under wrk, latency while a job trains (yield
# timer on and off), publishing under load, OIP and batching, dataset uploads (beside dd and
# gzip -d), then one-class anomaly detection against PCA and an isolation forest; see BENCHMARKS.md.
bench: build
	AESERVE_PYTHON=$(CURDIR)/$(PYTHON) scripts/bench.sh
	scripts/bench-http.sh
	scripts/bench-service.sh
	scripts/bench-training-latency.sh
	scripts/bench-publish.sh
	AESERVE_PYTHON=$(CURDIR)/$(PYTHON) scripts/bench-oip.sh
	AESERVE_PYTHON=$(CURDIR)/$(PYTHON) scripts/bench-upload.sh
	AESERVE_PYTHON=$(CURDIR)/$(PYTHON) scripts/bench-anomaly.sh

# Drives the web console in headless Chromium (scripts/check-console.py), writes a screenshot of
# each view to .build/console-screenshots and refreshes the two the README shows (docs/).
screenshots: build
	$(PYTHON) scripts/check-console.py --aeserve $(BIN) --screenshots .build/console-screenshots
	cp .build/console-screenshots/playground.png docs/console-playground.png
	cp .build/console-screenshots/job.png docs/console-job.png

clean:
	rm -rf .build
