#!/usr/bin/env bash
# Rebuilds static/vector-tile-2.0.4/vector-tile.js (the vector tile decoder of the map's workers) from the
# pinned npm packages of package-lock.json: one IIFE file exposing self.IfnMvt = {Pbf, VectorTile}.
# Not part of the set-up: the bundle is vendored. Needs Node.js and npm.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
cp "$here/package.json" "$here/package-lock.json" "$here/entry.js" "$work/"
cd "$work"
npm ci --no-audit --no-fund
npx esbuild entry.js --bundle --format=iife --minify --target=es2020 --outfile="$here/../../../static/vector-tile-2.0.4/vector-tile.js"
rm -rf "$work"
