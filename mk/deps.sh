#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Install (as root) or name (otherwise) the Debian packages a build target needs.
# Usage: deps.sh base|bench|fuzz|models
set -eu
what=${1:-base}
pkgs="liburcu-dev libcmocka-dev zlib1g-dev liburing-dev pkg-config"
case "${CC:-gcc}" in *clang*) pkgs="$pkgs clang libclang-rt-14-dev" ;; esac
case "$what" in
bench)  pkgs="$pkgs gnuplot-nox" ;;
fuzz)   pkgs="$pkgs clang libclang-rt-14-dev" ;;
models) pkgs="$pkgs spin gcc" ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps: not a Debian system; make sure these are installed: $pkgs" >&2
	exit 0
fi
missing=""
for p in $pkgs; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in *"ok installed"*) ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: run as root: apt-get install$missing" >&2
	exit 1
fi
