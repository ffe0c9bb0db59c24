"""Runs commands alternately and reports wall time and peak RSS of each (the child's ru_maxrss from wait4:
the launcher script execs the JVM, so it is the JVM's peak)."""
import os
import statistics
import subprocess
import time


def load_average():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def run(command, env=None, cwd=None):
    """(wall seconds, peak RSS MiB, output, CPU seconds) of one command; raises with its output when it fails.
    CPU seconds (user + system) say more than wall time when other work shares the cores."""
    start = time.perf_counter()
    p = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=cwd)
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    text = out.decode(errors="replace")
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({p.returncode}):\n{text}")
    return wall, usage.ru_maxrss / 1024, text, usage.ru_utime + usage.ru_stime


def summary(label, walls, rss, cpus):
    return (f"{label:<36} wall min {min(walls):7.2f} s  median {statistics.median(walls):7.2f} s;  "
            f"CPU min {min(cpus):7.2f} s;  peak RSS {max(rss):6.0f} MiB  ({len(walls)} runs)")
