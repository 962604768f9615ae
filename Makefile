# DoseKeeper deployment targets. Everything runs without Docker; see docs/deploy.md for the walk-through.
PYTHON ?= .venv/bin/python
# A Python 3.12 (the Lambda runtime's version) to precompile the artefact. Empty: the build looks on PATH
# and in pyenv's versions, and stops with a clear message when none runs. NO_COMPILE=1 ships no .pyc files.
PYTHON_LAMBDA ?=
NO_COMPILE ?=
STACK ?= dosekeeper
CFN_LINT := $(dir $(PYTHON))cfn-lint

.PHONY: build build-host lint-template deploy-tools deploy skill-package clean

build:  ## build/lambda.zip for Lambda (arm64, Python 3.12, precompiled), with its size
	$(PYTHON) scripts/build_lambda.py $(if $(PYTHON_LAMBDA),--compile-with $(PYTHON_LAMBDA)) \
		$(if $(NO_COMPILE),--no-compile)

build-host:  ## the same artefact for this machine, as the tests build it
	$(PYTHON) scripts/build_lambda.py --host --out build/host

deploy-tools:  ## what `make deploy` runs: the venv, cfn-lint in it (installed if missing), and the SAM CLI
	@test -x $(PYTHON) || { echo "error: $(PYTHON) not found: set up the venv first (./scripts/setup)" >&2; exit 1; }
	@test -x $(CFN_LINT) || { echo "cfn-lint is not in $(dir $(PYTHON)); installing it there"; \
		$(PYTHON) -m pip install --quiet --disable-pip-version-check \
			$(if $(wildcard constraints.txt),-c constraints.txt) "cfn-lint>=1.0"; }
	@command -v sam >/dev/null || { echo "error: the AWS SAM CLI (sam) is not on PATH; install it:" \
		"https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/install-sam-cli.html" >&2; \
		exit 1; }

lint-template: deploy-tools
	$(CFN_LINT) template.yaml

deploy: lint-template build  ## first run asks for the parameters and saves them to samconfig.toml
	sam deploy --template-file template.yaml --stack-name $(STACK) --capabilities CAPABILITY_IAM \
		--resolve-s3 $(if $(wildcard samconfig.toml),,--guided)

skill-package:  ## build/ask/ for `ask deploy`: make skill-package PRIVACY_URL=… TERMS_URL=… [ENDPOINT=arn]
	$(PYTHON) scripts/skill_package.py --privacy-url "$(PRIVACY_URL)" --terms-url "$(TERMS_URL)" \
		$(if $(ENDPOINT),--endpoint "$(ENDPOINT)")

# Everything under build/ except build/ask/.ask/, the ASK CLI's record of which skill this is: without it
# the next `ask deploy` would create a second skill with a new id instead of updating yours.
clean:
	@mkdir -p build
	find build -mindepth 1 -maxdepth 1 ! -name ask -exec rm -rf {} +
	@if [ -d build/ask ]; then find build/ask -mindepth 1 -maxdepth 1 ! -name .ask -exec rm -rf {} +; fi
