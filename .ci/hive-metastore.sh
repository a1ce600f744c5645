#!/usr/bin/env bash
# Starts, stops and reports an Apache Hive metastore (the standalone
# metastore 3.1.3) for the Hive catalog's integration tests. Its jars come
# from Maven Central through .ci/hive-metastore/pom.xml; nothing else is
# downloaded. It keeps its catalog in an embedded Derby database, fresh at
# each start, under .ci/cache/hive-metastore; tables go where the tests say.
#
#   .ci/hive-metastore.sh start    fetch the jars (once), start, wait for the port
#   .ci/hive-metastore.sh stop     stop the metastore started by this script
#   .ci/hive-metastore.sh status   exit 0 when it runs and its port answers
#   .ci/hive-metastore.sh env      print the export line the tests read
#
# Environment: HIVE_METASTORE_PORT (default 9183, on 127.0.0.1),
# HIVE_METASTORE_HOME (.ci/cache/hive-metastore), HIVE_METASTORE_START_TIMEOUT
# seconds (120).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
home="${HIVE_METASTORE_HOME:-$here/cache/hive-metastore}"
port="${HIVE_METASTORE_PORT:-9183}"
timeout="${HIVE_METASTORE_START_TIMEOUT:-120}"
libs="$home/libs"
conf="$home/conf"
pidfile="$home/metastore.pid"
logfile="$home/metastore.log"

log() { echo "hive-metastore.sh: $*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

running() {
	[[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

fetch_jars() {
	if [[ -f "$libs/.complete" ]]; then
		return
	fi
	command -v mvn >/dev/null || { log "mvn not found (apt-get install -y maven)"; exit 1; }
	log "fetching the Hive metastore's jars from Maven Central into $libs"
	rm -rf "$libs"
	mkdir -p "$libs"
	(cd "$here/hive-metastore" && mvn -B -q -Dstyle.color=never dependency:copy-dependencies \
		-DoutputDirectory="$libs" -DincludeScope=runtime) >"$home/mvn.log" 2>&1 || {
		log "mvn dependency:copy-dependencies failed; its output:"
		tail -n 40 "$home/mvn.log" >&2
		exit 1
	}
	touch "$libs/.complete"
}

# write_config: a metastore on embedded Derby whose schema DataNucleus
# creates. hive.in.test makes the metastore create its transaction tables
# too (the table locks iceberg-go takes for commits live there; the SQL
# scripts of schematool are not in the jars), and the capability check that
# it turns on is turned off again. The expression proxy and the background
# tasks named are the ones in the metastore's own jar (the defaults live in
# hive-exec). The lock of a writer killed while committing is timed out
# after 10 s (the default is 300 s) by the housekeeper run every 2 s, so that
# the kill-and-restart test's restarted writer gets it back.
write_config() {
	mkdir -p "$conf" "$home/warehouse"
	cat >"$conf/metastore-site.xml" <<EOF
<?xml version="1.0"?>
<!-- Written by .ci/hive-metastore.sh -->
<configuration>
  <property><name>metastore.thrift.port</name><value>$port</value></property>
  <property><name>metastore.thrift.bind.host</name><value>127.0.0.1</value></property>
  <property><name>javax.jdo.option.ConnectionURL</name><value>jdbc:derby:;databaseName=$home/metastore_db;create=true</value></property>
  <property><name>javax.jdo.option.ConnectionDriverName</name><value>org.apache.derby.jdbc.EmbeddedDriver</value></property>
  <property><name>datanucleus.schema.autoCreateAll</name><value>true</value></property>
  <property><name>metastore.schema.verification</name><value>false</value></property>
  <property><name>metastore.warehouse.dir</name><value>file://$home/warehouse</value></property>
  <property><name>metastore.expression.proxy</name><value>org.apache.hadoop.hive.metastore.DefaultPartitionExpressionProxy</value></property>
  <property><name>metastore.task.threads.always</name><value>org.apache.hadoop.hive.metastore.events.EventCleanerTask,org.apache.hadoop.hive.metastore.txn.AcidHouseKeeperService</value></property>
  <property><name>hive.in.test</name><value>true</value></property>
  <property><name>metastore.hive.in.test</name><value>true</value></property>
  <property><name>metastore.client.capability.check</name><value>false</value></property>
  <property><name>metastore.txn.timeout</name><value>10s</value></property>
  <property><name>metastore.timedout.txn.reaper.interval</name><value>2s</value></property>
  <property><name>metastore.event.db.notification.api.auth</name><value>false</value></property>
</configuration>
EOF
}

start() {
	if running && port_open "$port"; then
		log "already running (pid $(cat "$pidfile")) on 127.0.0.1:$port"
		return
	fi
	if port_open "$port"; then
		log "port $port is taken by another process; set HIVE_METASTORE_PORT"
		exit 1
	fi
	command -v java >/dev/null || { log "java not found (apt-get install -y openjdk-17-jre-headless)"; exit 1; }
	mkdir -p "$home"
	fetch_jars
	write_config
	rm -rf "$home/metastore_db" "$home/warehouse"
	mkdir -p "$home/warehouse"
	: >"$logfile"
	log "starting the Hive metastore on 127.0.0.1:$port (log: $logfile)"
	nohup java -Xms64m -Xmx768m -XX:+UseSerialGC -Djava.awt.headless=true \
		-Dderby.stream.error.file="$home/derby.log" \
		-cp "$conf:$libs/*" org.apache.hadoop.hive.metastore.HiveMetaStore -p "$port" >>"$logfile" 2>&1 </dev/null &
	echo $! >"$pidfile"
	local deadline=$((SECONDS + timeout))
	until port_open "$port"; do
		if ! running; then
			log "the metastore exited during start-up; log tail:"
			grep -v '^\s*at ' "$logfile" | tail -n 40 >&2
			rm -f "$pidfile"
			exit 1
		fi
		if ((SECONDS >= deadline)); then
			log "the metastore did not answer on 127.0.0.1:$port within ${timeout}s; log tail:"
			grep -v '^\s*at ' "$logfile" | tail -n 40 >&2
			stop
			exit 1
		fi
		sleep 0.5
	done
	log "the Hive metastore is up on 127.0.0.1:$port (pid $(cat "$pidfile"))"
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
			log "metastore (pid $pid) did not stop in 20s; killing it"
			kill -9 "$pid" 2>/dev/null || true
		fi
	fi
	rm -f "$pidfile"
	log "stopped"
}

status() {
	if running && port_open "$port"; then
		echo "running: pid $(cat "$pidfile"), thrift://127.0.0.1:$port"
		return 0
	fi
	echo "not running"
	return 1
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
env) echo "export CHATSQL_HIVE_METASTORE_URI=thrift://127.0.0.1:$port" ;;
*)
	echo "usage: $0 start|stop|status|env" >&2
	exit 2
	;;
esac
