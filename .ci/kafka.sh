#!/usr/bin/env bash
# Starts, stops and reports a single-node Apache Kafka broker (KRaft mode) for
# the integration tests. The broker's jars come from Maven Central through
# .ci/kafka/pom.xml; nothing else is downloaded.
#
#   .ci/kafka.sh start    fetch the jars (once), format storage, start, wait for the port
#   .ci/kafka.sh stop     stop the broker started by this script
#   .ci/kafka.sh status   exit 0 when it runs and answers on its port
#
# Environment: KAFKA_PORT (default 9092), KAFKA_CONTROLLER_PORT (9093),
# KAFKA_START_TIMEOUT seconds (90), KAFKA_HOME (.ci/cache/kafka).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/lib.sh"
name=kafka.sh
home="${KAFKA_HOME:-$here/cache/kafka}"
host=localhost
port="${KAFKA_PORT:-9092}"
cport="${KAFKA_CONTROLLER_PORT:-9093}"
timeout="${KAFKA_START_TIMEOUT:-90}"
libs="$home/libs"
data="$home/data"
pidfile="$home/kafka.pid"
logfile="$home/kafka.log"
props="$home/server.properties"

write_config() {
	mkdir -p "$home"
	cat >"$props" <<EOF
# Written by .ci/kafka.sh: one node that is both broker and controller.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:$cport
listeners=PLAINTEXT://localhost:$port,CONTROLLER://localhost:$cport
advertised.listeners=PLAINTEXT://localhost:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$data
num.partitions=3
default.replication.factor=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=1
log.segment.bytes=16777216
EOF
	cat >"$home/log4j2.properties" <<EOF
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $logfile
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.apache.name = org.apache.kafka
logger.apache.level = WARN
EOF
}

java_run() {
	java -Xms256m -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true \
		-Dlog4j2.configurationFile="$home/log4j2.properties" \
		-cp "$libs/*" "$@"
}

start() {
	already_running port_open "$port" && return
	refuse_taken_port KAFKA_PORT
	need_java
	mkdir -p "$home"
	fetch_jars "the Kafka broker jars" kafka
	write_config
	# A fresh log directory each start: tests create their own topics and a
	# leftover cluster id from another configuration would refuse to start.
	rm -rf "$data"
	: >"$logfile"
	local cluster_id
	# (|| true: a failed java leaves the id empty, and the message below says so)
	cluster_id="$(java_run kafka.tools.StorageTool random-uuid 2>>"$logfile" | tail -n1)" || true
	if [[ -z "$cluster_id" ]]; then
		log "could not make a cluster id; log tail:"
		log_tail
		exit 1
	fi
	if ! java_run kafka.tools.StorageTool format -t "$cluster_id" -c "$props" >>"$logfile" 2>&1; then
		log "formatting the KRaft storage failed; log tail:"
		log_tail
		exit 1
	fi
	log "starting Kafka on localhost:$port (log: $logfile)"
	start_background java -Xms256m -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true \
		-Dlog4j2.configurationFile="$home/log4j2.properties" \
		-Dkafka.logs.dir="$home" \
		-cp "$libs/*" kafka.Kafka "$props"
	# The broker opens its client listener only once its metadata is loaded.
	wait_ready "the broker" 0.5 port_open "$port"
	log "Kafka is up on localhost:$port (pid $(cat "$pidfile"))"
}

stop() { stop_process broker 30; }

status() { report_status "localhost:$port" port_open "$port"; }

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
*)
	echo "usage: $0 start|stop|status" >&2
	exit 2
	;;
esac
