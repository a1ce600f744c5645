#!/usr/bin/env bash
# Starts, stops and reports Apache Iceberg's REST catalog server for the
# integration tests: org.apache.iceberg.rest.RESTCatalogServer, the test
# fixture behind the apache/iceberg-rest-fixture image. Its jars come from
# Maven Central through .ci/iceberg-rest/pom.xml; nothing else is downloaded.
# The server keeps its catalog in SQLite (JdbcCatalog) and its tables in a
# local warehouse directory, both fresh at each start.
#
#   .ci/iceberg-rest.sh start    fetch the jars (once), start, wait for the port
#   .ci/iceberg-rest.sh stop     stop the server started by this script
#   .ci/iceberg-rest.sh status   exit 0 when it runs and answers GET /v1/config
#   .ci/iceberg-rest.sh env      print the export lines the tests read
#
# The server listens on ICEBERG_REST_PORT (default 8181); the fixture has no
# setting for the address, so it binds every interface, and the tests talk to
# it on 127.0.0.1 only. Environment: ICEBERG_REST_HOME (.ci/cache/iceberg-rest),
# ICEBERG_REST_START_TIMEOUT seconds (90).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
home="${ICEBERG_REST_HOME:-$here/cache/iceberg-rest}"
port="${ICEBERG_REST_PORT:-8181}"
timeout="${ICEBERG_REST_START_TIMEOUT:-90}"
libs="$home/libs"
warehouse="$home/warehouse"
pidfile="$home/server.pid"
logfile="$home/server.log"

log() { echo "iceberg-rest.sh: $*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

running() {
	[[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

# answers: the REST endpoint replies to GET /v1/config (bash's /dev/tcp, so
# that no curl is needed).
answers() {
	local reply
	reply="$(
		{ exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || exit 1
		printf 'GET /v1/config HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
		timeout 5 cat <&3
	)" 2>/dev/null || return 1
	[[ "$reply" == *'"defaults"'* ]]
}

fetch_jars() {
	if [[ -f "$libs/.complete" ]]; then
		return
	fi
	command -v mvn >/dev/null || { log "mvn not found (apt-get install -y maven)"; exit 1; }
	log "fetching the Iceberg REST catalog server's jars from Maven Central into $libs"
	rm -rf "$libs"
	mkdir -p "$libs"
	(cd "$here/iceberg-rest" && mvn -B -q -Dstyle.color=never dependency:copy-dependencies \
		-DoutputDirectory="$libs" -DincludeScope=runtime) >"$home/mvn.log" 2>&1 || {
		log "mvn dependency:copy-dependencies failed; its output:"
		tail -n 40 "$home/mvn.log" >&2
		exit 1
	}
	touch "$libs/.complete"
}

start() {
	if running && answers; then
		log "already running (pid $(cat "$pidfile")) on 127.0.0.1:$port"
		return
	fi
	if port_open "$port"; then
		log "port $port is taken by another process; set ICEBERG_REST_PORT"
		exit 1
	fi
	command -v java >/dev/null || { log "java not found (apt-get install -y openjdk-17-jre-headless)"; exit 1; }
	mkdir -p "$home"
	fetch_jars
	rm -rf "$warehouse" "$home/catalog.db"
	mkdir -p "$warehouse"
	: >"$logfile"
	log "starting the Iceberg REST catalog on 127.0.0.1:$port (warehouse $warehouse, log: $logfile)"
	# RCKUtils maps CATALOG_* variables to catalog properties: CATALOG_URI ->
	# uri, CATALOG_REST_PORT -> rest.port, CATALOG_WAREHOUSE -> warehouse.
	CATALOG_URI="jdbc:sqlite:$home/catalog.db" \
		CATALOG_WAREHOUSE="file://$warehouse" \
		CATALOG_REST_PORT="$port" \
		nohup java -Xms64m -Xmx512m -XX:+UseSerialGC -Djava.awt.headless=true \
		-Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
		-cp "$libs/*" org.apache.iceberg.rest.RESTCatalogServer >>"$logfile" 2>&1 </dev/null &
	echo $! >"$pidfile"
	local deadline=$((SECONDS + timeout))
	until answers; do
		if ! running; then
			log "the server exited during start-up; log tail:"
			tail -n 40 "$logfile" >&2
			rm -f "$pidfile"
			exit 1
		fi
		if ((SECONDS >= deadline)); then
			log "the server did not answer on 127.0.0.1:$port within ${timeout}s; log tail:"
			tail -n 40 "$logfile" >&2
			stop
			exit 1
		fi
		sleep 0.5
	done
	log "the Iceberg REST catalog is up on 127.0.0.1:$port (pid $(cat "$pidfile"))"
}

stop() {
	if ! [[ -f "$pidfile" ]]; then
		log "not running (no pid file)"
		return
	fi
	local pid
	pid="$(cat "$pidfile")"
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 1 40); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.5
		done
		if kill -0 "$pid" 2>/dev/null; then
			log "server (pid $pid) did not stop in 20s; killing it"
			kill -9 "$pid" 2>/dev/null || true
		fi
	fi
	rm -f "$pidfile"
	log "stopped"
}

status() {
	if running && answers; then
		echo "running: pid $(cat "$pidfile"), http://127.0.0.1:$port (warehouse $warehouse)"
		return 0
	fi
	echo "not running"
	return 1
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
env)
	echo "export CHATSQL_ICEBERG_REST_URI=http://127.0.0.1:$port"
	echo "export CHATSQL_ICEBERG_REST_WAREHOUSE=file://$warehouse"
	;;
*)
	echo "usage: $0 start|stop|status|env" >&2
	exit 2
	;;
esac
