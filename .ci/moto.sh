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
source "$here/lib.sh"
name=moto.sh
home="${MOTO_HOME:-$here/cache/moto}"
host=127.0.0.1
port="${MOTO_PORT:-5055}"
timeout="${MOTO_START_TIMEOUT:-60}"
venv="$home/venv"
pidfile="$home/moto.pid"
logfile="$home/moto.log"

# answers: moto's own dashboard API replies.
answers() {
	local reply
	reply="$(http_get /moto-api/data.json)" || return 1
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
	already_running answers && return
	refuse_taken_port MOTO_PORT
	install
	: >"$logfile"
	log "starting moto (S3, Glue) on 127.0.0.1:$port (log: $logfile)"
	start_background "$venv/bin/moto_server" -H 127.0.0.1 -p "$port"
	wait_ready moto 0.3 answers
	log "moto is up on 127.0.0.1:$port (pid $(cat "$pidfile"))"
}

stop() { stop_process moto 10; }

status() { report_status "http://127.0.0.1:$port" answers; }

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
