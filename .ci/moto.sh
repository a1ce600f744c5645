#!/usr/bin/env bash
# Starts, stops and reports moto's server (PyPI: moto, with the S3 and Glue
# extras and the server's Flask; moto[server] would pull every service) for the
# integration tests: one HTTP endpoint that emulates AWS S3 and AWS Glue
# (and the rest of AWS, unused). moto goes into a venv under .ci/cache from
# PyPI; nothing else is downloaded. moto keeps its state in memory: a start
# is an empty S3 and an empty Glue catalog.
#
#   .ci/moto.sh start    install moto (once), start, wait for the port
#   .ci/moto.sh stop     stop the server started by this script
#   .ci/moto.sh status   exit 0 when it runs and answers
#   .ci/moto.sh env      print the export lines the tests read
#
# Environment: MOTO_PORT (default 5055, on 127.0.0.1), MOTO_HOME
# (.ci/cache/moto), MOTO_START_TIMEOUT seconds (60).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
home="${MOTO_HOME:-$here/cache/moto}"
port="${MOTO_PORT:-5055}"
timeout="${MOTO_START_TIMEOUT:-60}"
venv="$home/venv"
pidfile="$home/moto.pid"
logfile="$home/moto.log"

log() { echo "moto.sh: $*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

running() {
	[[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

# answers: moto's own dashboard API replies (bash's /dev/tcp, no curl).
answers() {
	local reply
	reply="$(
		{ exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || exit 1
		printf 'GET /moto-api/data.json HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
		timeout 5 cat <&3
	)" 2>/dev/null || return 1
	[[ "$reply" == "HTTP/1."[01]" 200"* ]]
}

install() {
	if "$venv/bin/python" -c 'import moto.server, flask_cors' >/dev/null 2>&1; then
		return
	fi
	command -v python3 >/dev/null || { log "python3 not found"; exit 1; }
	log "installing moto[s3,glue] flask flask-cors from PyPI into $venv"
	mkdir -p "$home"
	{ python3 -m venv "$venv" && "$venv/bin/pip" install -q 'moto[s3,glue]' flask flask-cors; } >"$home/pip.log" 2>&1 || {
		log "pip install 'moto[s3,glue]' flask flask-cors failed; its output:"
		tail -n 20 "$home/pip.log" >&2
		exit 1
	}
}

start() {
	if running && answers; then
		log "already running (pid $(cat "$pidfile")) on 127.0.0.1:$port"
		return
	fi
	if port_open "$port"; then
		log "port $port is taken by another process; set MOTO_PORT"
		exit 1
	fi
	install
	: >"$logfile"
	log "starting moto (S3, Glue) on 127.0.0.1:$port (log: $logfile)"
	nohup "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >>"$logfile" 2>&1 </dev/null &
	echo $! >"$pidfile"
	local deadline=$((SECONDS + timeout))
	until answers; do
		if ! running; then
			log "moto exited during start-up; log tail:"
			tail -n 40 "$logfile" >&2
			rm -f "$pidfile"
			exit 1
		fi
		if ((SECONDS >= deadline)); then
			log "moto did not answer on 127.0.0.1:$port within ${timeout}s; log tail:"
			tail -n 40 "$logfile" >&2
			stop
			exit 1
		fi
		sleep 0.3
	done
	log "moto is up on 127.0.0.1:$port (pid $(cat "$pidfile"))"
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
		for _ in $(seq 1 20); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.5
		done
		if kill -0 "$pid" 2>/dev/null; then
			log "moto (pid $pid) did not stop in 10s; killing it"
			kill -9 "$pid" 2>/dev/null || true
		fi
	fi
	rm -f "$pidfile"
	log "stopped"
}

status() {
	if running && answers; then
		echo "running: pid $(cat "$pidfile"), http://127.0.0.1:$port"
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
	echo "export CHATSQL_S3_ENDPOINT=http://127.0.0.1:$port"
	echo "export CHATSQL_GLUE_ENDPOINT=http://127.0.0.1:$port"
	;;
*)
	echo "usage: $0 start|stop|status|env" >&2
	exit 2
	;;
esac
