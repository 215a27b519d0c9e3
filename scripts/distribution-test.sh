#!/usr/bin/env bash
# A template-made function in Apache Pulsar's own server distribution, as users run it:
# `java -jar pulsar-wasm.jar new --lang go`, `mvn package`, then the distribution's
# `bin/pulsar standalone` (process runtime, its default), the literal `bin/pulsar-admin functions
# create --jar …`, messages through `bin/pulsar-client`, the function's log checked for its
# precompiled code, the function deleted and the broker stopped with nothing left running.
#
# The broker runs in a private network namespace (`unshare -n`, with `-r` when not root): the
# process runtime's instance JVMs bind ports on all interfaces, and nothing here may listen
# beyond this machine. Needs the library built and installed (scripts/build.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
PULSAR_VERSION=4.0.8
WORK=$ROOT/target/distribution-test
JAR=$ROOT/java/core/target/pulsar-wasm-0.1.0-SNAPSHOT.jar
[[ -f $JAR ]] || { echo "$JAR is missing: run scripts/build.sh first" >&2; exit 1; }
JAVA21=$(scripts/java21.sh)
step() { printf '\n--> %s\n' "$*"; }

command -v ip >/dev/null || { echo "ip (iproute2) is missing: examples/build.sh installs it" >&2; exit 1; }

rm -rf "$WORK"
mkdir -p "$WORK"
step "the distribution: org.apache.pulsar:pulsar-server-distribution:$PULSAR_VERSION:tar.gz:bin (Maven registry)"
mvn -B -ntp -q dependency:copy -Dartifact="org.apache.pulsar:pulsar-server-distribution:$PULSAR_VERSION:tar.gz:bin" \
  -DoutputDirectory="$WORK" -Dmdep.stripVersion=false
tar -xzf "$WORK/pulsar-server-distribution-$PULSAR_VERSION-bin.tar.gz" -C "$WORK"
PULSAR_HOME=$WORK/apache-pulsar-$PULSAR_VERSION
[[ -x $PULSAR_HOME/bin/pulsar ]] || { echo "no bin/pulsar in $PULSAR_HOME" >&2; exit 1; }

step "a new function project: java -jar pulsar-wasm.jar new --lang go greet"
(cd "$WORK" && java -jar "$JAR" new --lang go greet)
(cd "$WORK/greet" && mvn -B -ntp -q package)
PACKAGE=$WORK/greet/target/greet.jar
[[ -f $PACKAGE ]] || { echo "mvn package wrote no $PACKAGE" >&2; exit 1; }

# Everything below runs inside the namespace; its exit status is the test's.
cat > "$WORK/inside.sh" <<'INSIDE'
#!/usr/bin/env bash
set -euo pipefail
cd "$PULSAR_HOME"
ip link set lo up
export PATH=$JAVA_HOME/bin:$PATH   # the process runtime starts instances with the `java` on PATH
export PULSAR_MEM="-Xms256m -Xmx1g -XX:MaxDirectMemorySize=512m"
fail() { echo "FAILED: $*" >&2; tail -n 60 "$WORK/standalone.log" >&2 || true; exit 1; }
bin/pulsar standalone --advertised-address 127.0.0.1 --no-stream-storage > "$WORK/standalone.log" 2>&1 &
STANDALONE=$!
cleanup() {
  kill "$STANDALONE" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$STANDALONE" 2>/dev/null || break; sleep 1; done
  kill -9 "$STANDALONE" 2>/dev/null || true
}
trap cleanup EXIT
started=$SECONDS
until bin/pulsar-admin brokers healthcheck >/dev/null 2>&1; do
  kill -0 "$STANDALONE" 2>/dev/null || fail "bin/pulsar standalone exited"
  ((SECONDS - started < 300)) || fail "the broker was not healthy within 300 s"
  sleep 2
done
until bin/pulsar-admin functions list --tenant public --namespace default >/dev/null 2>&1; do
  ((SECONDS - started < 300)) || fail "the functions worker was not ready within 300 s"
  sleep 2
done
echo "standalone up in $((SECONDS - started)) s"

echo "bin/pulsar-admin functions create --jar $PACKAGE --name greet ..."
bin/pulsar-admin functions create --jar "$PACKAGE" --name greet \
  --classname io.github.pulsarwasm.pulsar.WasmRecordFunction \
  --inputs persistent://public/default/names --output persistent://public/default/greetings \
  --user-config '{"wasm.resource": "function.wasm", "greeting": "Hej"}'
until bin/pulsar-admin functions status --name greet 2>/dev/null | grep -q '"running" : true'; do
  ((SECONDS - started < 600)) || fail "the function was not running within 600 s: $(bin/pulsar-admin functions status --name greet 2>&1)"
  sleep 2
done
echo "function running"

timeout 300 bin/pulsar-client consume persistent://public/default/greetings -s check -n 3 -p Earliest \
  > "$WORK/consumed.log" 2>&1 &
CONSUMER=$!
until bin/pulsar-admin topics subscriptions persistent://public/default/greetings 2>/dev/null | grep -q check; do
  kill -0 "$CONSUMER" 2>/dev/null || fail "pulsar-client consume exited: $(tail -n 20 "$WORK/consumed.log")"
  sleep 1
done
bin/pulsar-client produce persistent://public/default/names -m Ada -m Grace -m Edsger > "$WORK/produced.log" 2>&1 \
  || fail "pulsar-client produce failed: $(tail -n 20 "$WORK/produced.log")"
wait "$CONSUMER" || fail "pulsar-client consume failed: $(tail -n 20 "$WORK/consumed.log")"
for who in Ada Grace Edsger; do
  grep -q "content:Hej, $who!" "$WORK/consumed.log" || fail "no greeting for $who: $(grep content: "$WORK/consumed.log")"
done
echo "3 greetings consumed: $(grep -o 'content:Hej, [A-Za-z]*!' "$WORK/consumed.log" | tr '\n' ' ')"

LOG=logs/functions/public/default/greet/greet-0.log
grep -q "loaded from its precompiled artifact" "$LOG" || fail "the instance did not load the precompiled Go code: $(grep -i 'loaded WASM' "$LOG")"
echo "instance log: $(grep -o 'loaded from its precompiled artifact in [0-9]* µs' "$LOG")"

bin/pulsar-admin functions delete --name greet 2>/dev/null
cleanup
trap - EXIT
left=$(pgrep -f "$PULSAR_HOME" || true)
[[ -z $left ]] || fail "processes left running: $(ps -o pid,cmd -p $left)"
echo "function deleted, broker stopped, nothing left running"
INSIDE
chmod +x "$WORK/inside.sh"

step "bin/pulsar standalone in a private network namespace; functions create; produce; consume"
NS=(unshare -n)
[[ $(id -u) -eq 0 ]] || NS=(unshare -rn)
env WORK="$WORK" PULSAR_HOME="$PULSAR_HOME" PACKAGE="$PACKAGE" JAVA_HOME="$JAVA21" "${NS[@]}" "$WORK/inside.sh"
step "the Pulsar distribution ran the template's function"
