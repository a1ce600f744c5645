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
source "$here/lib.sh"
name=hive-metastore.sh
home="${HIVE_METASTORE_HOME:-$here/cache/hive-metastore}"
host=127.0.0.1
port="${HIVE_METASTORE_PORT:-9183}"
timeout="${HIVE_METASTORE_START_TIMEOUT:-120}"
libs="$home/libs"
conf="$home/conf"
pidfile="$home/metastore.pid"
logfile="$home/metastore.log"

# log_tail leaves the Java stack frames out: the metastore logs long traces.
# It never fails (grep finds nothing in an empty log), so that under set -e
# a failed start still goes on to stop the metastore.
log_tail() { grep -v '^\s*at ' "$logfile" | tail -n 40 >&2 || true; }

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
	already_running port_open "$port" && return
	refuse_taken_port HIVE_METASTORE_PORT
	need_java
	mkdir -p "$home"
	fetch_jars "the Hive metastore's jars" hive-metastore
	write_config
	rm -rf "$home/metastore_db" "$home/warehouse"
	mkdir -p "$home/warehouse"
	: >"$logfile"
	log "starting the Hive metastore on 127.0.0.1:$port (log: $logfile)"
	start_background java -Xms64m -Xmx768m -XX:+UseSerialGC -Djava.awt.headless=true \
		-Dderby.stream.error.file="$home/derby.log" \
		-cp "$conf:$libs/*" org.apache.hadoop.hive.metastore.HiveMetaStore -p "$port"
	wait_ready "the metastore" 0.5 port_open "$port"
	log "the Hive metastore is up on 127.0.0.1:$port (pid $(cat "$pidfile"))"
}

stop() { stop_process metastore 20; }

status() { report_status "thrift://127.0.0.1:$port" port_open "$port"; }

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
