# Sourced by the .ci scripts: the life of a test service run in the
# background (kafka.sh, iceberg-rest.sh, moto.sh, hive-metastore.sh; pg_ctl
# runs postgres.sh's server) and test.sh's way of starting one. Sourcing it
# sets ci_dir (this folder) and defines functions, nothing else.
#
# A service script sets, before it calls them:
#   name      the first word of its log lines (kafka.sh)
#   home      its folder under .ci/cache
#   host      the host its messages name (localhost or 127.0.0.1)
#   port      the port it listens on (always probed on 127.0.0.1)
#   timeout   the seconds a start may take
#   pidfile   the pid of the process started in the background
#   logfile   that process's output
#   libs      (the Java services) the folder its jars are fetched into
# and defines stop, which a start that timed out calls.

ci_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

log() { echo "$name: $*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

running() {
	[[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

# http_get PATH prints the service's reply to GET PATH (bash's /dev/tcp, so
# that no curl is needed); it fails when nothing answers.
http_get() {
	(
		{ exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || exit 1
		printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$1" >&3
		timeout 5 cat <&3
	) 2>/dev/null
}

# log_tail shows the end of the service's log; a script may define its own
# after sourcing this file.
log_tail() { tail -n 40 "$logfile" >&2; }

need_java() {
	command -v java >/dev/null || { log "java not found (apt-get install -y openjdk-17-jre-headless)"; exit 1; }
}

# fetch_jars WHAT POMDIR copies the runtime dependencies of
# .ci/POMDIR/pom.xml from Maven Central into $libs, once ($libs/.complete).
fetch_jars() {
	local what=$1 pomdir=$2
	if [[ -f "$libs/.complete" ]]; then
		return
	fi
	command -v mvn >/dev/null || { log "mvn not found (apt-get install -y maven)"; exit 1; }
	log "fetching $what from Maven Central into $libs"
	rm -rf "$libs"
	mkdir -p "$libs"
	(cd "$ci_dir/$pomdir" && mvn -B -q -Dstyle.color=never dependency:copy-dependencies \
		-DoutputDirectory="$libs" -DincludeScope=runtime) >"$home/mvn.log" 2>&1 || {
		log "mvn dependency:copy-dependencies failed; its output:"
		tail -n 40 "$home/mvn.log" >&2
		exit 1
	}
	touch "$libs/.complete"
}

# already_running READY... succeeds, saying so, when the process of the pid
# file runs and the command READY succeeds (the service answers).
already_running() {
	if running && "$@"; then
		log "already running (pid $(cat "$pidfile")) on $host:$port"
		return 0
	fi
	return 1
}

# refuse_taken_port PORTVAR exits when another process holds the port.
refuse_taken_port() {
	if port_open "$port"; then
		log "port $port is taken by another process; set $1"
		exit 1
	fi
}

# start_background COMMAND... runs COMMAND detached, its output appended to
# $logfile, its pid in $pidfile.
start_background() {
	nohup "$@" >>"$logfile" 2>&1 </dev/null &
	echo $! >"$pidfile"
}

# wait_ready WHAT PAUSE READY... waits up to $timeout seconds, PAUSE seconds
# apart, for the command READY to succeed; it exits when the process dies
# first, or stops it when the time is up. WHAT names it in the messages.
wait_ready() {
	local what=$1 pause=$2
	shift 2
	local deadline=$((SECONDS + timeout))
	until "$@"; do
		if ! running; then
			log "$what exited during start-up; log tail:"
			log_tail
			rm -f "$pidfile"
			exit 1
		fi
		if ((SECONDS >= deadline)); then
			log "$what did not answer on $host:$port within ${timeout}s; log tail:"
			log_tail
			stop
			exit 1
		fi
		sleep "$pause"
	done
}

# stop_process WHAT GRACE stops the process of the pid file: TERM, then KILL
# when it still runs GRACE seconds later.
stop_process() {
	local what=$1 grace=$2
	if ! [[ -f "$pidfile" ]]; then
		log "not running (no pid file)"
		return
	fi
	local pid
	pid="$(cat "$pidfile")"
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 1 $((grace * 2))); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.5
		done
		if kill -0 "$pid" 2>/dev/null; then
			log "$what (pid $pid) did not stop in ${grace}s; killing it"
			kill -9 "$pid" 2>/dev/null || true
		fi
	fi
	rm -f "$pidfile"
	log "stopped"
}

# report_status WHERE READY... prints "running: pid N, WHERE" and succeeds
# when the process runs and READY succeeds, else prints "not running".
report_status() {
	local where=$1
	shift
	if running && "$@"; then
		echo "running: pid $(cat "$pidfile"), $where"
		return 0
	fi
	echo "not running"
	return 1
}

# ensure_service SCRIPT (test.sh) starts .ci/SCRIPT unless its status says
# it runs, records it in started_services when this run started it, and
# succeeds when its status says it runs.
ensure_service() {
	local script=$1
	if ! bash "$ci_dir/$script" status >/dev/null 2>&1; then
		bash "$ci_dir/$script" start && started_services+=("$script")
	fi
	bash "$ci_dir/$script" status >/dev/null 2>&1
}
