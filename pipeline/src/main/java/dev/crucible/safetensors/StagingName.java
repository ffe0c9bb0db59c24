package dev.crucible.safetensors;

import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The name of a hidden folder beside an output target that belongs to one running process:
 * {@code .TARGET.tmp-PID-START-RANDOM} while the output is staged, {@code .TARGET.old-PID-START-RANDOM} while an
 * older output it replaces is being deleted. The process id and its start time (milliseconds since the epoch, 0
 * where the system does not tell) let a later run see that the owner is gone (killed with {@code kill -9}, a power
 * cut) and remove what it left; the start time tells a reused process id apart.
 *
 * @param target the output folder's name
 * @param kind   {@code tmp} or {@code old}
 * @param pid    the owning process
 * @param start  the owner's start time in epoch milliseconds, or 0 when unknown
 */
record StagingName(String target, String kind, long pid, long start) {

    static final String STAGING = "tmp";
    static final String REPLACED = "old";
    private static final long START_TOLERANCE_MS = 5_000;

    /** A name of {@code kind} owned by this process. */
    static StagingName ours(String target, String kind) {
        ProcessHandle self = ProcessHandle.current();
        return new StagingName(target, kind, self.pid(), startOf(self));
    }

    /** The folder name, with a random tail so that one process can stage the same target twice. */
    String fileName() {
        return "." + target + "." + kind + "-" + pid + "-" + start + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** The owner of {@code file} when it is a staging or replaced folder of {@code target}. */
    static Optional<StagingName> parse(String target, Path file) {
        Matcher m = Pattern.compile("\\." + Pattern.quote(target) + "\\.(tmp|old)-(\\d{1,19})-(\\d{1,19})-[0-9a-f]{8}")
                .matcher(file.getFileName().toString());
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new StagingName(target, m.group(1), Long.parseLong(m.group(2)),
                    Long.parseLong(m.group(3))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Whether the owning process still runs (the same process: a reused id with another start time is not it). */
    boolean ownerAlive() {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().isAlive()) {
            return false;
        }
        long actual = startOf(handle.get());
        // Each JVM derives start times from the boot time as it reads it, which clock adjustments move by a
        // second or so: within the tolerance it is the same process.
        return start == 0 || actual == 0 || Math.abs(actual - start) <= START_TOLERANCE_MS;
    }

    private static long startOf(ProcessHandle process) {
        return process.info().startInstant().map(i -> i.toEpochMilli()).orElse(0L);
    }
}
