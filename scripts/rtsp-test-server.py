#!/usr/bin/python3
"""An RTSP server for tests and benchmarks: GStreamer's own (Debian's gir1.2-gst-rtsp-server-1.0, python3-gi) serving
a live test pattern as H.264 at rtsp://127.0.0.1:PORT/PATH, as an IP camera would.
Usage: rtsp-test-server.py PORT [PATH=camera] [WIDTH=640] [HEIGHT=480] [FPS=10] [PATTERN=ball]
Prints "ready rtsp://..." once it listens; stops on SIGTERM."""
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

port = sys.argv[1]
path, width, height, fps, pattern = (sys.argv[2:] + ["camera", "640", "480", "10", "ball"][len(sys.argv) - 2:])[:5]
Gst.init(None)
server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
server.set_service(port)
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(
    f"( videotestsrc is-live=true pattern={pattern} ! video/x-raw,width={width},height={height},framerate={fps}/1 "
    f"! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={fps} ! rtph264pay name=pay0 pt=96 )")
factory.set_shared(True)
server.get_mount_points().add_factory(f"/{path}", factory)
if server.attach(None) == 0:
    sys.exit(f"cannot listen on 127.0.0.1:{port}")
loop = GLib.MainLoop()
signal.signal(signal.SIGTERM, lambda *_: loop.quit())
print(f"ready rtsp://127.0.0.1:{port}/{path}", flush=True)
loop.run()
