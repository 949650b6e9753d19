.PHONY: test bench demo

test:
	./scripts/test.sh

bench:
	[ -x .venv/bin/python ] || python3 -m venv .venv
	.venv/bin/python -m pip install -q -e '.[dev,bench]'
	.venv/bin/python -m bench

demo:
	.venv/bin/oc-console demo
