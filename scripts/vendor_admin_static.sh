#!/usr/bin/env bash
# Fetch the admin site's browser libraries from the npm registry into the package
# (bot/admin/static/), so the site never loads anything from a CDN at run time.
# Run it when bumping a version; the files it writes are committed.
set -euo pipefail
cd "$(dirname "$0")/.."
HTMX_VERSION="2.0.4"
ECHARTS_VERSION="5.5.1"
target="bot/admin/static"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "htmx.org@${HTMX_VERSION}" "echarts@${ECHARTS_VERSION}" >/dev/null)
tar -xzf "$work/htmx.org-${HTMX_VERSION}.tgz" -C "$work" package/dist/htmx.min.js
cp "$work/package/dist/htmx.min.js" "$target/htmx.min.js"
rm -rf "$work/package"
tar -xzf "$work/echarts-${ECHARTS_VERSION}.tgz" -C "$work" package/dist/echarts.min.js package/LICENSE
cp "$work/package/dist/echarts.min.js" "$target/echarts.min.js"
cp "$work/package/LICENSE" "$target/ECHARTS-LICENSE"
printf 'htmx.org %s\necharts %s\n' "$HTMX_VERSION" "$ECHARTS_VERSION" > "$target/VERSIONS"
