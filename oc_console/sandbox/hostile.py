"""The `hostile` scenario's text: what anyone who can write a log line, a SQL comment or a
probe's answer can put in front of the on-call engineer's terminal.

Each piece is a control sequence a terminal obeys: OSC 52 writes the clipboard, OSC 0 sets the
window title, CSI 2J clears the screen, U+009B is the 8-bit CSI (here colouring what follows
red), U+202E reverses the text after it. The console must show them, visibly and inert.
"""

from __future__ import annotations

OSC52_CLIPBOARD = "\x1b]52;c;cHduZWQ=\x07"
OSC0_TITLE = "\x1b]0;pwned\x07"
CSI_CLEAR = "\x1b[2J"
CSI_8BIT = "\x9b31m"
BIDI_OVERRIDE = "\u202e"

PIECES = (OSC52_CLIPBOARD, OSC0_TITLE, CSI_CLEAR, CSI_8BIT, BIDI_OVERRIDE)
# One string with every piece, between words so a reader can tell where each one sits.
TEXT = (
    f"clip{OSC52_CLIPBOARD} title{OSC0_TITLE} clear{CSI_CLEAR} red{CSI_8BIT} "
    f"rtl{BIDI_OVERRIDE}gnp.exe"
)
