# Convenience wrappers around the scripts in .ci/ (the README's two commands).
.PHONY: run test
run:
	bash .ci/launch
test:
	bash .ci/test
