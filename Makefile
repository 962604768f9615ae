# DoseKeeper deployment targets. Everything runs without Docker; see docs/deploy.md for the walk-through.
PYTHON ?= .venv/bin/python
# A Python 3.12 (Lambda's version) to precompile the artefact; the build works without one, only slower to start.
PYTHON_LAMBDA ?= $(shell command -v python3.12 2>/dev/null)
STACK ?= dosekeeper

.PHONY: build build-host lint-template deploy skill-package clean

build:  ## build/lambda.zip for Lambda (arm64, Python 3.12), with its size
	$(PYTHON) scripts/build_lambda.py $(if $(PYTHON_LAMBDA),--compile-with $(PYTHON_LAMBDA))

build-host:  ## the same artefact for this machine, as the tests build it
	$(PYTHON) scripts/build_lambda.py --host --out build/host

lint-template:
	$(dir $(PYTHON))cfn-lint template.yaml

deploy: build lint-template  ## first run asks for the parameters and saves them to samconfig.toml
	sam deploy --template-file template.yaml --stack-name $(STACK) --capabilities CAPABILITY_IAM \
		--resolve-s3 $(if $(wildcard samconfig.toml),,--guided)

skill-package:  ## build/ask/ for `ask deploy`: make skill-package PRIVACY_URL=… TERMS_URL=… [ENDPOINT=arn]
	$(PYTHON) scripts/skill_package.py --privacy-url "$(PRIVACY_URL)" --terms-url "$(TERMS_URL)" \
		$(if $(ENDPOINT),--endpoint "$(ENDPOINT)")

clean:
	rm -rf build
