#!/usr/bin/env bash
# Rebuild static/vendor/codemirror-bundle.js and its licence file from the npm registry.
# Builds in a temporary folder so no node_modules ever lands under static/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$here/editor.js" "$work/"
[ -f "$here/package-lock.json" ] && cp "$here/package-lock.json" "$work/"
cd "$work"
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
npm run build
cp dist/codemirror-bundle.js "$here/../codemirror-bundle.js"
{
  echo "codemirror-bundle.js bundles these npm packages (all MIT). Their licence texts follow."
  for pkg in node_modules/codemirror node_modules/@codemirror/* node_modules/@lezer/* node_modules/crelt \
             node_modules/style-mod node_modules/w3c-keyname node_modules/@marijn/*; do
    [ -d "$pkg" ] || continue
    version="$(node -p "require('./$pkg/package.json').version")"
    echo; echo "==== ${pkg#node_modules/}@$version"
    cat "$pkg"/LICENSE* 2>/dev/null || echo "(licence: $(node -p "require('./$pkg/package.json').license"))"
  done
} > "$here/../codemirror-LICENSE.txt"
[ -f "$here/package-lock.json" ] || cp package-lock.json "$here/"
echo "wrote static/vendor/codemirror-bundle.js ($(wc -c < "$here/../codemirror-bundle.js") bytes)"
