#!/usr/bin/env python3
"""test_awindex_progress.py - the progress line: on a terminal only, unless asked.

stderr is a pseudo-terminal here.  --progress auto draws \\r-updated
"awindex: writing N/M" lines there and clears them before the report;
--progress never and -q draw nothing; --progress always draws on a pipe
too.
"""

import os
import pty
import subprocess

from awindex_util import AWINDEX, BUNDLED, TempDir, check, env_for


def run_on_pty(tmp, *args):
    """Runs awindex with stderr on a pseudo-terminal; returns its bytes."""
    master, slave = pty.openpty()
    p = subprocess.Popen([AWINDEX, "--fetch", "never"] + list(args), env=env_for(tmp),
                         stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:          # EIO: the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    check(p.wait(timeout=120) == 0, "awindex %s failed: %r" % (args, out[-500:]))
    return out.decode("utf-8", "replace")


def main():
    with TempDir() as tmp:
        db = os.path.join(tmp, "db")
        err = run_on_pty(tmp, "--db", db, BUNDLED)
        check("\rawindex: writing " in err, "no progress on a terminal: %r" % err[:300])
        check("\r\033[K" in err, "the progress line is not cleared: %r" % err[-300:])
        check("documents: " in err, "no report after the progress: %r" % err[-300:])

        err = run_on_pty(tmp, "--progress", "never", "--db", db, BUNDLED)
        check("\r" not in err.replace("\r\n", "\n"), "--progress never drew: %r" % err[:300])
        err = run_on_pty(tmp, "-q", "--db", db, BUNDLED)
        check(err == "", "-q printed on a terminal: %r" % err[:300])

        # Bytes, not text: text mode would turn each \r into \n.
        p = subprocess.run([AWINDEX, "--fetch", "never", "--progress", "always", "--db", db,
                            BUNDLED], env=env_for(tmp), capture_output=True, timeout=120)
        check(p.returncode == 0 and b"\rawindex: writing " in p.stderr,
              "--progress always on a pipe: %r" % p.stderr[:300])


if __name__ == "__main__":
    main()
