.PHONY: test bench demo

test:
	./scripts/test.sh

# A budget that could not be measured prints `skip` and fails the run; `make bench
# BENCH_ALLOW_SKIP=1` accepts skips (a machine without a tool a bench needs).
bench:
	[ -x .venv/bin/python ] || python3 -m venv .venv
	.venv/bin/python -m pip install -q -e '.[dev,bench]'
	.venv/bin/python -m bench

demo:
	.venv/bin/oc-console demo
