#!/usr/bin/python3
"""Asks the X11 window titled like argv[1] to close, the way a window
manager does when the user clicks its close button: a WM_DELETE_WINDOW
client message. (WebDriver's "close window" destroys the webview instead,
which skips the app's save-before-close path.)"""
import sys
from Xlib import X, display, protocol

title = sys.argv[1] if len(sys.argv) > 1 else "Signoff"
d = display.Display()
root = d.screen().root
wm_protocols = d.intern_atom("WM_PROTOCOLS")
wm_delete = d.intern_atom("WM_DELETE_WINDOW")


def walk(w):
    yield w
    for c in w.query_tree().children:
        yield from walk(c)


sent = 0
for w in walk(root):
    try:
        name = w.get_wm_name()
        protocols = w.get_wm_protocols() or []
    except Exception:
        continue
    if name == title and wm_delete in protocols:
        ev = protocol.event.ClientMessage(window=w, client_type=wm_protocols, data=(32, [wm_delete, X.CurrentTime, 0, 0, 0]))
        w.send_event(ev, event_mask=X.NoEventMask)
        sent += 1
d.flush()
if not sent:
    sys.exit(f"no window titled {title!r} accepts WM_DELETE_WINDOW")
print(f"asked {sent} window(s) to close")
