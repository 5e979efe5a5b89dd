#!/bin/sh
# deps.sh - install the Debian 12 packages that building and testing awsearch need.
#
#   scripts/deps.sh          what building and running need
#   scripts/deps.sh --test   that, and what the test suite needs too
#
# Idempotent: packages already present are left alone and apt is only called
# when something is missing.  Run as root (or through sudo).
set -eu

# xapian-tools: xapian-compact merges the shards of awindex --rebuild -j N.
# zlib1g-dev: awindex --abstracts reads gzip'd arXiv snapshots.
PKGS="build-essential cmake pkg-config \
libxapian-dev xapian-tools libuv1-dev libmsgpack-dev \
libcurl4-openssl-dev libxml2-dev libjansson-dev zlib1g-dev"
if [ "${1:-}" = "--test" ]; then
    # cmocka for the unit tests; python3-msgpack (and xapian-delve, above)
    # as implementations we did not write; neovim for the editor tests;
    # clang for the libFuzzer build.
    PKGS="$PKGS libcmocka-dev python3 python3-msgpack neovim clang"
fi

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=sudo
    else
        echo "deps.sh: missing packages:$missing (run as root to install them)" >&2
        exit 1
    fi
else
    SUDO=
fi

echo "deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
