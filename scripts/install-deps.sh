#!/usr/bin/env bash
# Installs every Debian package that voipsec's build, tests, benchmarks and demo need.
# This is the only place in the project that names packages. Idempotent: packages already
# installed are not fetched again. Fails loudly (non-zero exit, the failing step on stderr).
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake pkg-config clang llvm libclang-rt-14-dev
  # libraries the product links
  libpcap-dev libsqlite3-dev libssl-dev libxml2-dev libzxcvbn-dev libsodium-dev
  # unit tests
  libcmocka-dev
  # benchmark peers
  libosip2-dev
  # tools used by tests, benchmarks and scripts: reference decoder, real SIP peers and attackers
  python3 tshark tcpdump iproute2 procps
  kamailio kamailio-sqlite-modules kamailio-tls-modules sqlite3
  sipvicious sipsak nmap baresip
)

need=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    need+=("$p")
  fi
done

if [ ${#need[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "install-deps: missing packages (${need[*]}) and not root; run as root" >&2; exit 1
  fi
else
  SUDO=
fi

echo "install-deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo 'wireshark-common wireshark-common/install-setuid boolean false' | $SUDO debconf-set-selections
$SUDO apt-get update -qq || { echo "install-deps: apt-get update failed" >&2; exit 1; }
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" \
  || { echo "install-deps: apt-get install failed for: ${need[*]}" >&2; exit 1; }
echo "install-deps: done"
