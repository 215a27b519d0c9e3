#!/usr/bin/env bash
# Prints the home of a JDK 21 or newer, for Pulsar 4.0 (the library itself is Java 17):
# $PULSAR_JAVA_HOME if set, else the newest one under /usr/lib/jvm. Fails with a clear message.
set -euo pipefail
version_of() { # major version of the JDK at $1, or 0
  local release="$1/release"
  [[ -x "$1/bin/java" && -f $release ]] || { echo 0; return; }
  sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release" | head -1
}
if [[ -n ${PULSAR_JAVA_HOME:-} ]]; then
  v=$(version_of "$PULSAR_JAVA_HOME")
  ((v >= 21)) || { echo "PULSAR_JAVA_HOME=$PULSAR_JAVA_HOME is not a JDK 21 or newer (found version ${v:-none})" >&2; exit 1; }
  echo "$PULSAR_JAVA_HOME"; exit 0
fi
best="" best_v=0
for home in /usr/lib/jvm/*/; do
  home=${home%/}
  [[ -L $home ]] && continue
  v=$(version_of "$home")
  if ((v >= 21 && v > best_v)); then best=$home best_v=$v; fi
done
[[ -n $best ]] || { echo "no JDK 21 or newer under /usr/lib/jvm: Pulsar 4.0 needs one; install one (e.g. Temurin) or set PULSAR_JAVA_HOME" >&2; exit 1; }
echo "$best"
