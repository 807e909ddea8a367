# Schema governance: the checks a hosted schema registry would run, offline. Included by the root Makefile.
#   make schema-check [BASE=<git ref>] [REPORT=<path.md>]
#     exports the schemas afresh (`make schema`), then compares each subgraph, the supergraph and the
#     API schema with BASE (default main): breaking changes fail unless acknowledged in
#     schema/ACCEPTED_CHANGES.md; both composers must compose and agree. Writes a Markdown report.
#   make test-governance    only the governance tests (npm test runs them too)

.PHONY: schema-check test-governance

schema-check: schema
	node supergraph/governance/cli.mjs --base '$(or $(BASE),main)' --report '$(or $(REPORT),supergraph/governance/schema-report.md)'

test-governance: bootstrap
	cd supergraph && node --test test/governance*.test.mjs

# Its tests run in test-router (npm test); CI also runs the check itself, which on main compares main with main.
EXTRA_TESTS += schema-check
