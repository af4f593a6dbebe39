#!/usr/bin/env bash
# The model recipes' tests (`npm run test:model`), each recipe in a pytest process of its own: the recipes import
# their modules by plain name (data, network, export...), and one process cannot hold two modules of one name.
# Every suite runs even when one fails; each writes .reports/pytest-<recipe>.xml for scripts/ci-summary.js.
set -u
cd "$(dirname "$0")/.."
mkdir -p .reports
status=0
for suite in training/ecg-rhythm/tests training/tools/tests training/digits/tests training/tweet-sentiment/tests; do
  recipe=$(basename "$(dirname "$suite")")
  /usr/bin/python3 -m pytest -q -p no:cacheprovider "$suite" --junitxml=".reports/pytest-$recipe.xml" || status=1
done
exit "$status"
