#!/usr/bin/env bash
# Install everything and run the whole test suite on a bare Debian bookworm machine (as
# root), including the tests against a real MediaWiki 1.39 (Debian's packages).
# Needs access to the Debian archive and PyPI only. Extra arguments go to pytest.
set -euo pipefail

cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Debian packages: MediaWiki and PHP for the test wiki, Python if the image lacks it.
packages=()
if ! command -v php >/dev/null 2>&1 || [ ! -f /usr/share/mediawiki/maintenance/install.php ]; then
    packages+=(mediawiki php-cli php-sqlite3 php-intl php-mbstring php-xml)
fi
if ! command -v python3 >/dev/null 2>&1; then
    packages+=(python3 python3-pip python3-venv)
elif ! python3 -m pip --version >/dev/null 2>&1; then
    packages+=(python3-pip python3-venv)
fi
if [ "${#packages[@]}" -gt 0 ]; then
    echo "Installing Debian packages: ${packages[*]}"
    as_root apt-get update
    as_root apt-get install -y --no-install-recommends "${packages[@]}"
fi

# Debian's own Python refuses pip installs outside a virtual environment (PEP 668);
# use one there. Any other Python (e.g. an image's own build) installs directly.
if python3 - <<'EOF'
import os
import sys
import sysconfig

marker = os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")
sys.exit(0 if os.path.exists(marker) and sys.prefix == sys.base_prefix else 1)
EOF
then
    venv="${WIKISYNC_CI_VENV:-${TMPDIR:-/tmp}/wikisync-ci-venv}"
    if ! python3 -m venv "$venv" 2>/dev/null; then
        as_root apt-get update
        as_root apt-get install -y --no-install-recommends python3-venv
        python3 -m venv "$venv"
    fi
    # shellcheck disable=SC1091
    . "$venv/bin/activate"
fi

python3 -m pip install -e '.[dev]'

python3 -m pytest "$@"
