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
source "$here/lib.sh"
name=iceberg-rest.sh
home="${ICEBERG_REST_HOME:-$here/cache/iceberg-rest}"
host=127.0.0.1
port="${ICEBERG_REST_PORT:-8181}"
timeout="${ICEBERG_REST_START_TIMEOUT:-90}"
libs="$home/libs"
warehouse="$home/warehouse"
pidfile="$home/server.pid"
logfile="$home/server.log"

# answers: the REST endpoint replies to GET /v1/config.
answers() {
	local reply
	reply="$(http_get /v1/config)" || return 1
	[[ "$reply" == *'"defaults"'* ]]
}

start() {
	already_running answers && return
	refuse_taken_port ICEBERG_REST_PORT
	need_java
	mkdir -p "$home"
	fetch_jars "the Iceberg REST catalog server's jars" iceberg-rest
	rm -rf "$warehouse" "$home/catalog.db"
	mkdir -p "$warehouse"
	: >"$logfile"
	log "starting the Iceberg REST catalog on 127.0.0.1:$port (warehouse $warehouse, log: $logfile)"
	# RCKUtils maps CATALOG_* variables to catalog properties: CATALOG_URI ->
	# uri, CATALOG_REST_PORT -> rest.port, CATALOG_WAREHOUSE -> warehouse.
	start_background env CATALOG_URI="jdbc:sqlite:$home/catalog.db" \
		CATALOG_WAREHOUSE="file://$warehouse" \
		CATALOG_REST_PORT="$port" \
		java -Xms64m -Xmx512m -XX:+UseSerialGC -Djava.awt.headless=true \
		-Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
		-cp "$libs/*" org.apache.iceberg.rest.RESTCatalogServer
	wait_ready "the server" 0.5 answers
	log "the Iceberg REST catalog is up on 127.0.0.1:$port (pid $(cat "$pidfile"))"
}

stop() { stop_process server 20; }

status() { report_status "http://127.0.0.1:$port (warehouse $warehouse)" answers; }

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
