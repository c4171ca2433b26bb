#!/usr/bin/env bash
# Checks what a user gets from npm: builds the prebuilt addon, packs the
# tarball, installs it into an empty project with no compiler on PATH (only
# node, npm and a shell), then serves one request through it. Needs the
# repository's node_modules (npm ci) and network or npm's cache for the
# dependencies. Usage: bash scripts/check-pack.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

npm run prebuilds >/dev/null
tarball=$(npm pack --pack-destination "$work" 2>/dev/null | tail -1)

# A PATH without g++, cc or make: a build from source would fail here.
mkdir -p "$work/bin" "$work/project"
for tool in node npm sh bash env; do ln -s "$(command -v "$tool")" "$work/bin/$tool"; done
cd "$work/project"
echo '{ "name": "check-pack", "version": "1.0.0", "private": true, "type": "module" }' > package.json
PATH="$work/bin" npm install --ignore-scripts=false --prefer-offline --no-audit --no-fund "$work/$tarball" >/dev/null

cat > serve.mjs <<'EOF'
import { createApp } from 'griddle'
import { request } from 'node:http'
import { existsSync } from 'node:fs'
if (existsSync('node_modules/griddle/build')) throw new Error('the install built the addon from source')
const app = createApp()
app.get('/hello/:name', (req) => ({ hello: req.params.name }))
const { port } = await app.listen(0)
request({ host: '127.0.0.1', port, path: '/hello/prebuilt' }, (res) => {
  let body = ''
  res.on('data', (c) => { body += c })
  res.on('end', async () => {
    await app.close()
    if (res.statusCode !== 200 || body !== '{"hello":"prebuilt"}') throw new Error(`got ${res.statusCode} ${body}`)
    console.log(`check-pack: ${process.version} served ${body} from the prebuilt addon, with no compiler on PATH`)
  })
}).end()
EOF
PATH="$work/bin" node serve.mjs
cd "$repo"
