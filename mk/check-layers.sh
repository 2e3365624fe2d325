#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# A layer includes only headers of the layers before it (DESIGN.md, "Layers").
set -eu
layers="mem pin vm fs devmap gup dev host scenario"
bad=0
i=0
for l in $layers; do
	i=$((i + 1))
	allowed=$(echo $layers | cut -d' ' -f1-$i)
	# The host layer drives the running kernel, not the model: itself only.
	[ "$l" = host ] && allowed=host
	for f in $(ls src/$l/*.c src/$l/*.h include/pinmm/$l/*.h 2>/dev/null); do
		for inc in $(sed -n 's|^#include <pinmm/\([a-z]*\)/.*|\1|p' "$f" | sort -u); do
			case " $allowed " in *" $inc "*) ;; *)
				echo "$f: layer '$l' includes upper layer '$inc'" >&2; bad=1 ;;
			esac
		done
	done
done
exit $bad
