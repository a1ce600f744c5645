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
home="${KAFKA_HOME:-$here/cache/kafka}"
port="${KAFKA_PORT:-9092}"
cport="${KAFKA_CONTROLLER_PORT:-9093}"
timeout="${KAFKA_START_TIMEOUT:-90}"
libs="$home/libs"
data="$home/data"
pidfile="$home/kafka.pid"
logfile="$home/kafka.log"
props="$home/server.properties"

log() { echo "kafka.sh: $*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

running() {
	[[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

fetch_jars() {
	if [[ -f "$libs/.complete" ]]; then
		return
	fi
	command -v mvn >/dev/null || { log "mvn not found (apt-get install -y maven)"; exit 1; }
	log "fetching the Kafka broker jars from Maven Central into $libs"
	rm -rf "$libs"
	mkdir -p "$libs"
	mkdir -p "$home"
	(cd "$here/kafka" && mvn -B -q -Dstyle.color=never dependency:copy-dependencies \
		-DoutputDirectory="$libs" -DincludeScope=runtime) >"$home/mvn.log" 2>&1 || {
		log "mvn dependency:copy-dependencies failed; its output:"
		tail -n 40 "$home/mvn.log" >&2
		exit 1
	}
	touch "$libs/.complete"
}

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
	if running && port_open "$port"; then
		log "already running (pid $(cat "$pidfile")) on localhost:$port"
		return
	fi
	if port_open "$port"; then
		log "port $port is taken by another process; set KAFKA_PORT"
		exit 1
	fi
	command -v java >/dev/null || { log "java not found (apt-get install -y openjdk-17-jre-headless)"; exit 1; }
	fetch_jars
	write_config
	# A fresh log directory each start: tests create their own topics and a
	# leftover cluster id from another configuration would refuse to start.
	rm -rf "$data"
	: >"$logfile"
	local cluster_id
	cluster_id="$(java_run kafka.tools.StorageTool random-uuid 2>>"$logfile" | tail -n1)"
	if [[ -z "$cluster_id" ]]; then
		log "could not make a cluster id; log tail:"
		tail -n 40 "$logfile" >&2
		exit 1
	fi
	if ! java_run kafka.tools.StorageTool format -t "$cluster_id" -c "$props" >>"$logfile" 2>&1; then
		log "formatting the KRaft storage failed; log tail:"
		tail -n 40 "$logfile" >&2
		exit 1
	fi
	log "starting Kafka on localhost:$port (log: $logfile)"
	nohup java -Xms256m -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true \
		-Dlog4j2.configurationFile="$home/log4j2.properties" \
		-Dkafka.logs.dir="$home" \
		-cp "$libs/*" kafka.Kafka "$props" >>"$logfile" 2>&1 </dev/null &
	echo $! >"$pidfile"
	local deadline=$((SECONDS + timeout))
	# The broker opens its client listener only once its metadata is loaded.
	until port_open "$port"; do
		if ! running; then
			log "the broker exited during start-up; log tail:"
			tail -n 40 "$logfile" >&2
			rm -f "$pidfile"
			exit 1
		fi
		if ((SECONDS >= deadline)); then
			log "the broker did not answer on localhost:$port within ${timeout}s; log tail:"
			tail -n 40 "$logfile" >&2
			stop
			exit 1
		fi
		sleep 0.5
	done
	log "Kafka is up on localhost:$port (pid $(cat "$pidfile"))"
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
		for _ in $(seq 1 60); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.5
		done
		if kill -0 "$pid" 2>/dev/null; then
			log "broker (pid $pid) did not stop in 30s; killing it"
			kill -9 "$pid" 2>/dev/null || true
		fi
	fi
	rm -f "$pidfile"
	log "stopped"
}

status() {
	if running && port_open "$port"; then
		echo "running: pid $(cat "$pidfile"), localhost:$port"
		return 0
	fi
	echo "not running"
	return 1
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
*)
	echo "usage: $0 start|stop|status" >&2
	exit 2
	;;
esac
