#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft: broker and controller in one JVM) on 127.0.0.1
# for the integration tests.
#
#   kafka_broker.sh start   STATE_DIR   start (first time: pick ports, make certificates, format)
#   kafka_broker.sh stop    STATE_DIR   SIGTERM, then SIGKILL after 30 s
#   kafka_broker.sh restart STATE_DIR   stop, then start on the same ports with the same data
#   kafka_broker.sh create-topic STATE_DIR NAME [PARTITIONS]   (python3-kafka's admin client)
#
# Everything lives in STATE_DIR: server.properties, data/, broker.log, broker.pid, and what
# clients need: bootstrap (PLAINTEXT), bootstrap.sasl (SASL_PLAINTEXT with PLAIN and
# SCRAM-SHA-256, user millrace, password millrace-secret), bootstrap.ssl (SSL) and ca.pem (the CA
# that signed the broker's certificate). `start` prints the same as KEY=VALUE lines.
#
# Environment: MILLRACE_KAFKA_LIBS, the broker's jars (default: what fetch_kafka.sh prints,
# fetching them if needed); MILLRACE_KAFKA_OWNER_PID, a process whose end stops the broker too
# (the test that started it, so a crashed test leaves no JVM behind); JAVA, the java binary.
set -euo pipefail

readonly sasl_user=millrace
readonly sasl_password=millrace-secret
readonly ready_timeout=90
readonly stop_timeout=30

here=$(cd "$(dirname "$0")" && pwd)

die() {
    echo "kafka_broker.sh: $*" >&2
    exit 1
}

usage() {
    sed -n '5,8p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

java_binary() {
    if [ -n "${JAVA:-}" ]; then
        echo "$JAVA"
    elif [ -x /usr/lib/jvm/java-17-openjdk-amd64/bin/java ]; then
        echo /usr/lib/jvm/java-17-openjdk-amd64/bin/java
    elif command -v java >/dev/null; then
        command -v java
    else
        die "no java found: install openjdk-17-jre-headless (packaging/dev.sh deps)"
    fi
}

kafka_libs() {
    if [ -n "${MILLRACE_KAFKA_LIBS:-}" ]; then
        echo "$MILLRACE_KAFKA_LIBS"
    else
        "$here/fetch_kafka.sh" || die "could not fetch the Kafka broker's jars (see above)"
    fi
}

# The pid in broker.pid when that process is still this state dir's broker (not a reused pid).
running_pid() {
    local pid
    pid=$(cat "$state/broker.pid" 2>/dev/null) || return 1
    [ -n "$pid" ] && grep -qF "$state/server.properties" "/proc/$pid/cmdline" 2>/dev/null &&
        echo "$pid"
}

# Four free ports on 127.0.0.1 (PLAINTEXT, SASL_PLAINTEXT, SSL, CONTROLLER), all held open while
# picking so they differ.
pick_ports() {
    /usr/bin/python3 -c '
import socket
sockets = [socket.socket() for _ in range(4)]
for s in sockets:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in sockets))'
}

# A Kafka cluster id: 16 random bytes, URL-safe base64 without padding; not starting with '-',
# which the storage tool would read as an option.
cluster_id() {
    local id
    while :; do
        id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
        [ "${id:0:1}" != "-" ] && break
    done
    echo "$id"
}

# A CA and a broker certificate it signs (for 127.0.0.1 and localhost), once per state dir. The
# broker reads PEM directly (ssl.keystore.type=PEM), so no keystore passwords are involved.
make_certificates() {
    local tls="$state/tls"
    [ -f "$tls/broker-keystore.pem" ] && [ -f "$state/ca.pem" ] && return
    command -v openssl >/dev/null || die "openssl not found: install Debian's openssl"
    mkdir -p "$tls"
    (
        cd "$tls"
        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=Millrace test CA" \
            -keyout ca.key -out ca.pem
        openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
            -keyout broker.key -out broker.csr
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' \
            >broker.ext
        openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
            -extfile broker.ext -out broker.pem
        # Kafka's PEM key store wants the PKCS#8 key followed by the certificate chain.
        openssl pkcs8 -topk8 -nocrypt -in broker.key -out broker-pkcs8.key
        cat broker-pkcs8.key broker.pem ca.pem >broker-keystore.pem.tmp
        mv broker-keystore.pem.tmp broker-keystore.pem
    ) >"$state/tls.log" 2>&1 || die "could not make the TLS certificates: $(cat "$state/tls.log")"
    cp "$tls/ca.pem" "$state/ca.pem"
}

write_config() {
    local plain_port=$1 sasl_port=$2 ssl_port=$3 controller_port=$4
    cat >"$state/server.properties" <<EOF
# Written by kafka_broker.sh: one node that is broker and controller (KRaft, no ZooKeeper).
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:$plain_port,SASL_PLAINTEXT://127.0.0.1:$sasl_port,SSL://127.0.0.1:$ssl_port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$plain_port,SASL_PLAINTEXT://127.0.0.1:$sasl_port,SSL://127.0.0.1:$ssl_port
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$state/data

# SASL: PLAIN's users are listed here; SCRAM's credentials were added when formatting.
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$sasl_user="$sasl_password";
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;

# SSL: server authentication only; clients trust ca.pem.
ssl.keystore.type=PEM
ssl.keystore.location=$state/tls/broker-keystore.pem
ssl.client.auth=none

# One node: every internal topic with one replica; small ones, so they are created quickly.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
min.insync.replicas=1
default.replication.factor=1
num.partitions=1
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=0

# Small: the tests run on two cores next to other tests.
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=8388608
EOF
    cat >"$state/log4j.properties" <<'EOF'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.org.apache.kafka.common.utils.AppInfoParser=WARN
EOF
}

# Sets `jvm` to the java command line as Kafka's own scripts start it, with a smaller heap.
# TieredStopAtLevel=1 (no C2 compiler) starts the broker in about 5 s instead of 9 s on two cores;
# the lower peak speed does not matter for test traffic.
set_jvm() {
    local libs=$1
    jvm=("$(java_binary)" -Xmx512m -Xms256m -XX:+UseG1GC -XX:MaxGCPauseMillis=20
        -XX:TieredStopAtLevel=1
        -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
        -Dlog4j.configuration="file:$state/log4j.properties" -Dkafka.logs.dir="$state"
        -cp "$libs/*")
}

# Whether kcat gets metadata from a listener; extra arguments are kcat's -X options.
answers_metadata() {
    local address=$1
    shift
    kcat -b "$address" "$@" -L -m 5 >/dev/null 2>&1
}

# Why a start failed: the errors this start logged (each with the line after it, which holds the
# exception's message), then the end of the log.
explain_failure() {
    echo "kafka_broker.sh: $1" >&2
    local this_start
    this_start=$(awk '/^=== kafka_broker.sh start/ { text = "" } { text = text $0 "\n" }
                      END { printf "%s", text }' "$state/broker.log")
    echo "--- errors in $state/broker.log:" >&2
    grep -A1 -E '^\[[^]]*\] (ERROR|FATAL)' <<<"$this_start" | cut -c1-400 | head -n 30 >&2 || true
    echo "--- the end of $state/broker.log:" >&2
    tail -n 10 <<<"$this_start" | cut -c1-400 >&2
}

start() {
    [ -n "$(running_pid)" ] && die "a broker already runs in $state (pid $(running_pid))"
    command -v kcat >/dev/null || die "kcat not found: install Debian's kcat"
    [ -x /usr/bin/python3 ] || die "/usr/bin/python3 not found"
    local libs
    libs=$(kafka_libs)
    compgen -G "$libs/kafka_2.13-*.jar" >/dev/null || die "no Kafka jars in $libs"
    set_jvm "$libs"

    # The ports are chosen once per state dir: a restart comes back where the clients expect it.
    if [ ! -f "$state/ports" ]; then
        pick_ports >"$state/ports.tmp"
        mv "$state/ports.tmp" "$state/ports"
    fi
    local plain_port sasl_port ssl_port controller_port
    read -r plain_port sasl_port ssl_port controller_port <"$state/ports"
    make_certificates
    write_config "$plain_port" "$sasl_port" "$ssl_port" "$controller_port"

    if [ ! -f "$state/data/meta.properties" ]; then
        "${jvm[@]}" kafka.tools.StorageTool format --ignore-formatted \
            -t "$(cluster_id)" -c "$state/server.properties" \
            --add-scram "SCRAM-SHA-256=[name=$sasl_user,password=$sasl_password]" \
            >"$state/format.log" 2>&1 ||
            die "formatting the storage failed: $(tail -n 30 "$state/format.log")"
    fi

    echo "=== kafka_broker.sh start $(date -Is)" >>"$state/broker.log"
    rm -f "$state/broker.pid"
    # setsid: the broker outlives this script and is not in the caller's process group, so it is
    # stopped by `stop` (or by the owner watchdog below), never by accident.
    # shellcheck disable=SC2016 # expanded by the inner shell
    setsid bash -c 'echo $$ >"$1/broker.pid.tmp"; mv "$1/broker.pid.tmp" "$1/broker.pid"
                    shift; exec "$@"' \
        _ "$state" "${jvm[@]}" kafka.Kafka "$state/server.properties" \
        </dev/null >>"$state/broker.log" 2>&1 &
    local pid=""
    for _ in $(seq 50); do
        pid=$(cat "$state/broker.pid" 2>/dev/null) && [ -n "$pid" ] && break
        sleep 0.1
    done
    [ -n "$pid" ] || die "the broker's JVM did not start: $(tail -n 30 "$state/broker.log")"

    if [ -n "${MILLRACE_KAFKA_OWNER_PID:-}" ]; then
        # When the owner ends without stopping the broker (a crashed test), stop it.
        # shellcheck disable=SC2016 # expanded by the inner shell
        setsid bash -c 'owner=$1 pid=$2
            while kill -0 "$owner" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do sleep 1; done
            kill -0 "$owner" 2>/dev/null && exit 0
            kill -TERM "$pid" 2>/dev/null || exit 0
            for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 1; done
            kill -KILL "$pid" 2>/dev/null' _ "$MILLRACE_KAFKA_OWNER_PID" "$pid" \
            </dev/null >/dev/null 2>&1 &
    fi

    # Wait for the port first: kcat gives a closed port its whole metadata timeout.
    local deadline=$((SECONDS + ready_timeout))
    until (exec 3<>"/dev/tcp/127.0.0.1/$plain_port") 2>/dev/null; do
        kill -0 "$pid" 2>/dev/null || break
        [ $SECONDS -lt $deadline ] || break
        sleep 0.2
    done
    # Ready when every listener answers: a mistake in the SASL or SSL set-up shows here, with the
    # broker's log, rather than as a puzzling failure in a test.
    local sasl_options=(-X security.protocol=sasl_plaintext -X sasl.mechanisms=PLAIN
        -X "sasl.username=$sasl_user" -X "sasl.password=$sasl_password")
    local ssl_options=(-X security.protocol=ssl -X "ssl.ca.location=$state/ca.pem")
    until answers_metadata "127.0.0.1:$plain_port" &&
        answers_metadata "127.0.0.1:$sasl_port" "${sasl_options[@]}" &&
        answers_metadata "127.0.0.1:$ssl_port" "${ssl_options[@]}"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            explain_failure "the broker exited while starting"
            exit 1
        fi
        if [ $SECONDS -ge $deadline ]; then
            explain_failure "the broker did not answer within ${ready_timeout} s"
            stop
            exit 1
        fi
        sleep 0.5
    done

    echo "127.0.0.1:$plain_port" >"$state/bootstrap"
    echo "127.0.0.1:$sasl_port" >"$state/bootstrap.sasl"
    echo "127.0.0.1:$ssl_port" >"$state/bootstrap.ssl"
    echo "bootstrap=127.0.0.1:$plain_port"
    echo "bootstrap.sasl=127.0.0.1:$sasl_port"
    echo "bootstrap.ssl=127.0.0.1:$ssl_port"
    echo "ca=$state/ca.pem"
    echo "sasl.user=$sasl_user"
    echo "sasl.password=$sasl_password"
    echo "pid=$pid"
}

stop() {
    local pid
    pid=$(running_pid) || {
        rm -f "$state/broker.pid"
        return 0
    }
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + stop_timeout))
    while kill -0 "$pid" 2>/dev/null; do
        if [ $SECONDS -ge $deadline ]; then
            echo "kafka_broker.sh: the broker ignored SIGTERM for ${stop_timeout} s: SIGKILL" >&2
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.2
    done
    # Its listening ports are free only once the process is really gone.
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    rm -f "$state/broker.pid"
}

create_topic() {
    local name=$1 partitions=${2:-1}
    [ -f "$state/bootstrap" ] || die "no broker was started in $state"
    /usr/bin/python3 - "$(cat "$state/bootstrap")" "$name" "$partitions" <<'EOF' ||
import sys
from kafka.admin import KafkaAdminClient, NewTopic

bootstrap, name, partitions = sys.argv[1], sys.argv[2], int(sys.argv[3])
admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="millrace-tests",
                         request_timeout_ms=20000)
try:
    admin.create_topics([NewTopic(name, partitions, 1)], timeout_ms=20000)
finally:
    admin.close()
EOF
        die "could not create topic $name"
}

[ $# -ge 2 ] || usage
command=$1
mkdir -p "$2"
state=$(cd "$2" && pwd)
case "$command" in
start) start ;;
stop) stop ;;
restart)
    stop
    start
    ;;
create-topic)
    [ $# -ge 3 ] || usage
    create_topic "$3" "${4:-1}"
    ;;
*) usage ;;
esac
