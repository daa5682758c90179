#!/usr/bin/env bash
# Starts a throw-away Mosquitto MQTT broker on a free 127.0.0.1 port for the tests.
#   source scripts/mosquitto.sh start   -> exports INSPECTION_TEST_MQTT (host:port), MQTT_TEST_DIR
#   scripts/mosquitto.sh stop            -> stops the broker in $MQTT_TEST_DIR and removes it
set -euo pipefail
MOSQUITTO="${MOSQUITTO:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}"

case "${1:-start}" in
  start)
    if [ ! -x "$MOSQUITTO" ]; then
      echo "Mosquitto not found; installing it" >&2
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mosquitto mosquitto-clients >/dev/null
      MOSQUITTO=/usr/sbin/mosquitto
      service mosquitto stop >/dev/null 2>&1 || true
    fi
    MQTT_TEST_DIR="$(mktemp -d /tmp/inspection-mqtt.XXXXXX)"
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    cat > "$MQTT_TEST_DIR/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence false
pid_file $MQTT_TEST_DIR/mosquitto.pid
log_dest file $MQTT_TEST_DIR/log
CONF
    [ "$(id -u)" = 0 ] && chown -R mosquitto "$MQTT_TEST_DIR" 2>/dev/null || true
    "$MOSQUITTO" -c "$MQTT_TEST_DIR/mosquitto.conf" -d
    # Ready when the port accepts connections.
    for _ in $(seq 1 50); do
      python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && break
      sleep 0.1
    done
    export MQTT_TEST_DIR
    export INSPECTION_TEST_MQTT="127.0.0.1:$port"
    echo "Mosquitto test broker on 127.0.0.1:$port ($MQTT_TEST_DIR)" >&2
    ;;
  stop)
    if [ -n "${MQTT_TEST_DIR:-}" ] && [ -f "$MQTT_TEST_DIR/mosquitto.pid" ]; then
      kill "$(cat "$MQTT_TEST_DIR/mosquitto.pid")" 2>/dev/null || true
      rm -rf "$MQTT_TEST_DIR"
    fi
    ;;
esac
