# relgate — build, test, lint, bench, demo.
# trivy needs encoding/json/v2, so every go command runs with GOEXPERIMENT=jsonv2.
export GOEXPERIMENT := jsonv2

GO        ?= go
BIN       := bin/relgate
# relgate-scanners runs the scanners built on trivy and osv-scanner, which
# relgate does not link (scanners/heavy): it is installed beside relgate.
HELPER    := bin/relgate-scanners
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
TOOLS     := $(CURDIR)/.tools
GOLANGCI_LINT_VERSION := v2.15.0
GOLANGCI_LINT := $(TOOLS)/bin/golangci-lint
ACTIONLINT_VERSION := v1.7.12
ACTIONLINT := $(TOOLS)/bin/actionlint

.DEFAULT_GOAL := help

.PHONY: help
help: ## Show the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## Build bin/relgate and bin/relgate-scanners
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/relgate
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(HELPER) ./cmd/relgate-scanners

# The tests run Prometheus, pre-commit, curl and the SARIF validators for
# real: .ci/deps.sh installs whatever is missing (quick when nothing is) and
# prints the environment the tests read. A missing tool fails its test.
# internal/cmd/testsum prints a line per package, failing tests' output and
# every skipped test with its reason; a skip fails the run unless
# RELGATE_TEST_SHORT=1 asked for skips.
.PHONY: test
test: ## Run every test (Go and Rego), installing the tools they need; RELGATE_TEST_SHORT=1 skips the slow end-to-end ones
	@env=$$(bash .ci/deps.sh) && eval "$$env" && \
	  $(GO) build -o $(TOOLS)/bin/testsum ./internal/cmd/testsum && \
	  echo "$(GO) test $(TEST_SHORT_FLAG) -json ./... | testsum" && \
	  bash -o pipefail -c '$(GO) test $(TEST_SHORT_FLAG) -json ./... | $(TOOLS)/bin/testsum $(TEST_SHORT_FLAG)'

TEST_SHORT_FLAG := $(if $(filter 1,$(RELGATE_TEST_SHORT)),-short)

.PHONY: lint
lint: $(GOLANGCI_LINT) ## Vet, lint and check formatting
	$(GO) vet ./...
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GOLANGCI_LINT) run ./...

$(GOLANGCI_LINT):
	GOBIN=$(TOOLS)/bin $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

# actionlint lints workflows only inside a project with .github/workflows:
# the sample workflows are linted in such a copy (with the action beside
# them). shellcheck, where installed, checks the run: scripts (actionlint)
# and the action's own scripts. The samples use the published action
# (relgate/relgate@vX.Y.Z), so their with: keys are checked against
# action.yml's inputs by TestExampleWorkflowPR/Offline, which run them.
.PHONY: lint-action
lint-action: $(ACTIONLINT) ## Lint action.yml, its scripts and the sample workflows in docs/examples
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	  mkdir -p "$$tmp/.github/workflows" "$$tmp/action" && \
	  cp action.yml "$$tmp/" && cp action/*.sh "$$tmp/action/" && cp docs/examples/*.yml "$$tmp/.github/workflows/" && \
	  cd "$$tmp" && git init -q && $(ACTIONLINT) -no-color
	@if command -v shellcheck >/dev/null; then shellcheck action/*.sh; else echo "shellcheck not installed: action scripts not checked"; fi

$(ACTIONLINT):
	GOBIN=$(TOOLS)/bin $(GO) install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)

.PHONY: bench
bench: ## Run the benchmarks
	$(GO) test -run '^$$' -bench . -benchmem ./...

# The demo project is built to fail: a leaked key, vulnerable dependencies,
# a dangerous migration… so relgate's exit 1 is the expected outcome and make
# succeeds on it; any other code is a broken demo.
.PHONY: demo
demo: build ## Run the gate on the bundled demo project (it fails, by design), reports in bin/
	@code=0; \
	$(BIN) check testdata/demo --offline --report sarif=bin/demo.sarif --report markdown=bin/demo.md --report html=bin/demo.html || code=$$?; \
	  echo; \
	  case $$code in \
	  1) echo "relgate exited 1: the gate failed, as it should on the demo project.";; \
	  0) echo "relgate exited 0: the gate passed, but the demo project must fail: a bug." >&2;; \
	  2) echo "relgate exited 2: a usage, config, policy or input error; nothing was judged." >&2;; \
	  *) echo "relgate exited $$code: a runtime error; no decision was made." >&2;; \
	  esac; \
	  echo "Exit codes: 0 pass (or warn), 1 fail, 2 usage/config/policy error, 3 runtime error."; \
	  echo "Reports: bin/demo.sarif (SARIF 2.1.0), bin/demo.md (Markdown) and bin/demo.html (open it in a browser); the table above is stdout."; \
	  [ $$code -eq 1 ]

# Release: stripped, version-stamped binaries (cgo: pg_query is C), each in
# a tar.gz with a CycloneDX SBOM read from the binary's own build info, and
# SHA256SUMS over all of them (what the GitHub Action verifies). linux/arm64
# needs the cross compiler (Debian: gcc-aarch64-linux-gnu); a platform whose
# C compiler is missing stops the release. darwin needs a macOS SDK for cgo
# and is not built here.
RELEASE_PLATFORMS ?= linux/amd64 linux/arm64
DIST := dist
CC_linux_amd64 ?= gcc
CC_linux_arm64 ?= aarch64-linux-gnu-gcc

.PHONY: release
release: ## Build the release archives, SBOMs and SHA256SUMS into dist/ (RELEASE_PLATFORMS="linux/amd64" for one)
	rm -rf $(DIST) && mkdir -p $(DIST)
	@set -e; for p in $(RELEASE_PLATFORMS); do \
	  os=$${p%/*}; arch=$${p#*/}; name=relgate_$(VERSION)_$${os}_$${arch}; \
	  case $$p in linux/amd64) cc="$(CC_linux_amd64)";; linux/arm64) cc="$(CC_linux_arm64)";; *) echo "no C toolchain known for $$p" >&2; exit 1;; esac; \
	  command -v $$cc >/dev/null || { echo "release $$p: C compiler $$cc not found (Debian: apt-get install gcc-aarch64-linux-gnu)" >&2; exit 1; }; \
	  echo "== $$p ($$cc)"; \
	  mkdir -p $(DIST)/$$name; \
	  CGO_ENABLED=1 GOOS=$$os GOARCH=$$arch CC=$$cc $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(DIST)/$$name/relgate ./cmd/relgate; \
	  CGO_ENABLED=1 GOOS=$$os GOARCH=$$arch CC=$$cc $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(DIST)/$$name/relgate-scanners ./cmd/relgate-scanners; \
	  cp README.md $(DIST)/$$name/; \
	  $(GO) run ./internal/sbom/gen $(DIST)/$$name/relgate $(VERSION) > $(DIST)/$$name.cdx.json; \
	  $(GO) run ./internal/sbom/gen $(DIST)/$$name/relgate-scanners $(VERSION) > $(DIST)/$$name.scanners.cdx.json; \
	  tar -czf $(DIST)/$$name.tar.gz -C $(DIST)/$$name relgate relgate-scanners README.md; \
	  rm -rf $(DIST)/$$name; \
	done
	cd $(DIST) && sha256sum *.tar.gz *.cdx.json > SHA256SUMS
	@ls -l $(DIST)

.PHONY: fmt
fmt: ## Format the code
	gofmt -w $$(git ls-files '*.go')

.PHONY: update
update: ## Regenerate golden files and JSON Schemas after an intended change
	$(GO) test ./engine ./config ./report -run 'Schema|Golden|Reference' -update

# Mutation check of the built-in policies: each comparison flipped and each
# number changed, one at a time, must fail a Rego test, or be listed in
# policies/mutants-equivalent.txt with the reason it cannot change a decision.
# MUTATE_SKIP is a regular expression over policy paths (under policies/)
# that make mutate leaves alone; empty (the default) mutates every file.
MUTATE_SKIP ?=
.PHONY: mutate
mutate: ## Check that the Rego tests catch every mutant of the built-in policies (MUTATE_SKIP= to include every file)
	$(GO) run ./internal/policymutate -dir policies -equivalent policies/mutants-equivalent.txt -skip '$(MUTATE_SKIP)'

# The container image (Dockerfile): docker, else buildah. IMAGE names it.
IMAGE ?= relgate:$(VERSION)
.PHONY: image
image: ## Build the container images $(IMAGE) (distroless, serve) and $(IMAGE)-git (pre-commit) with docker or buildah
	@if command -v docker >/dev/null; then docker build --build-arg VERSION=$(VERSION) -t $(IMAGE) . && \
		docker build --build-arg VERSION=$(VERSION) --target git -t $(IMAGE)-git .; \
	elif command -v buildah >/dev/null; then buildah bud --build-arg VERSION=$(VERSION) -t $(IMAGE) . && \
		buildah bud --build-arg VERSION=$(VERSION) --target git -t $(IMAGE)-git .; \
	else echo "make image: neither docker nor buildah is installed" >&2; exit 1; fi

.PHONY: bench-peers
bench-peers: ## Compare relgate with conftest, gitleaks, osv-scanner and trivy (installs them into .tools/peers; N=runs)
	scripts/bench-peers.sh
