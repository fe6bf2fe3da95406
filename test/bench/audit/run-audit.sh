#!/usr/bin/env bash
# Runs the federation-gateway-audit (github.com/graphql-hive/federation-gateway-audit) against our
# gateway and stock @apollo/gateway. See test/bench/README.md, "Federation audit".
#
#   test/bench/audit/run-audit.sh [ours] [apollo-stock]     (default: both)
#
# AUDIT_SOURCE  git URL or local clone of the audit (default: its GitHub repository)
# AUDIT_DIR     where it is set up (default: .data/federation-gateway-audit, git-ignored)
# AUDIT_SUITE   run only this suite (e.g. abstract-types)
# AUDIT_PORT    first of the two gateway ports (default 4411; the audit kills whatever listens there)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
SOURCE="${AUDIT_SOURCE:-https://github.com/graphql-hive/federation-gateway-audit.git}"
DIR="${AUDIT_DIR:-$REPO_ROOT/.data/federation-gateway-audit}"
COMMIT="f59c05e3f48f4a4f8e8a731d67a1b71a9788a96f" # 0.0.3 plus the partial-union suites: 46 suites
PORT="${AUDIT_PORT:-4411}"
GATEWAYS=("$@")
[ ${#GATEWAYS[@]} -eq 0 ] && GATEWAYS=(ours apollo-stock)

if [ ! -d "$DIR/.git" ]; then
  git clone --quiet "$SOURCE" "$DIR"
fi
git -C "$DIR" checkout --quiet "$COMMIT"

cd "$DIR"
if [ ! -d node_modules/@apollo/gateway ]; then
  # Dev dependencies the registry here does not serve or the audit does not need (release tooling,
  # the Guild's own gateways), dropped before installing.
  node -e '
    const fs = require("node:fs");
    const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
    for (const name of Object.keys(pkg.devDependencies))
      if (/^@changesets\/|^@graphql-hive\/|^(pkgroll|wgc|prettier)$/.test(name)) delete pkg.devDependencies[name];
    fs.writeFileSync("package.json", JSON.stringify(pkg, null, 2) + "\n");
  '
  rm -f package-lock.json
  npm install --no-audit --no-fund --loglevel=error
fi

# The audit calls Promise.withResolvers (Node 22); Node 20 gets a polyfill preloaded.
cat > polyfill.mjs <<'JS'
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve, reject;
    const promise = new this((yes, no) => { resolve = yes; reject = no; });
    return { promise, resolve, reject };
  };
}
JS
export NODE_OPTIONS="--import $DIR/polyfill.mjs ${NODE_OPTIONS:-}"
# How long the audit waits for a gateway to answer its health check (its default, 5 s, is shorter
# than a TypeScript gateway's start on a busy 2-core machine).
export GATEWAY_TIMEOUT="${GATEWAY_TIMEOUT:-60000}"

# One folder per gateway under test: gateway.json (URLs) and run.sh (fetch the suite's
# supergraph, then start the gateway on it), as the audit's own gateways/* folders are.
write_gateway() { # name port start-command
  mkdir -p "gateways/$1"
  cat > "gateways/$1/gateway.json" <<JSON
{ "name": "$1", "graphql": "http://127.0.0.1:$2/graphql", "health": "$4" }
JSON
  cat > "gateways/$1/run.sh" <<SH
npm start supergraph -- --cwd ./gateways/$1 --test \$1
$3
SH
}

OURS_PORT="$PORT"
STOCK_PORT="$((PORT + 1))"
write_gateway aetherial "$OURS_PORT" \
  "supergraph=\"\$PWD/supergraph.graphql\"; cd \"$REPO_ROOT/gateway\" && exec node --import tsx ../test/bench/audit/start-ours.ts \"\$supergraph\" $OURS_PORT" \
  "http://127.0.0.1:$OURS_PORT/ready"
# Stock @apollo/gateway: the audit's own apollo-gateway runner, on a port of its own.
mkdir -p gateways/apollo-gateway-stock
sed "s/port: 4000/port: $STOCK_PORT/; s/localhost:4000/localhost:$STOCK_PORT/" \
  gateways/apollo-gateway/run.ts > gateways/apollo-gateway-stock/run.ts
write_gateway apollo-gateway-stock "$STOCK_PORT" "npx tsx ./run.ts" "http://127.0.0.1:$STOCK_PORT/health"

for gateway in "${GATEWAYS[@]}"; do
  case "$gateway" in
    ours) folder=aetherial ;;
    apollo-stock) folder=apollo-gateway-stock ;;
    *) echo "unknown gateway $gateway (ours, apollo-stock)" >&2; exit 2 ;;
  esac
  echo "== federation-gateway-audit: $gateway"
  graphql="$(node -p "require('./gateways/$folder/gateway.json').graphql")"
  health="$(node -p "require('./gateways/$folder/gateway.json').health")"
  if [ -n "${AUDIT_SUITE:-}" ]; then # one suite, with its test log
    npm start --silent -- test-suite --test "$AUDIT_SUITE" --cwd "./gateways/$folder" \
      --run-script ./run.sh --reporter dot --graphql "$graphql" --healthcheck "$health" || true
    echo "log: $DIR/gateways/$folder/logs/$AUDIT_SUITE-tests.log"
    continue
  fi
  npm start --silent -- test --cwd "./gateways/$folder" \
    --run-script ./run.sh --reporter dot --graphql "$graphql" --healthcheck "$health"
  echo "results: $DIR/gateways/$folder/results.txt"
  tail -4 "gateways/$folder/results.txt"
done
