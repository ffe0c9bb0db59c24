package dev.crucible.safetensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/** Reads how much of the files mapped into this process is resident in its memory, from Linux {@code /proc}. */
public final class ResidentMappings {

    private static final Path SMAPS = Path.of("/proc/self/smaps");
    // The first line of a mapping in smaps: its address range, e.g. "7f3a1c000000-7f3a1c172000 r--s ...".
    private static final Pattern MAPPING_LINE = Pattern.compile("^[0-9a-f]+-[0-9a-f]+ ");

    private ResidentMappings() {
    }

    /** Whether this system reports mappings (Linux). */
    public static boolean available() {
        return Files.isReadable(SMAPS);
    }

    /** Resident bytes of this process's mappings of files under {@code dir}. */
    public static long residentBytesUnder(Path dir) throws IOException {
        String prefix = dir.toAbsolutePath().toString();
        long kib = 0;
        boolean inside = false;
        for (String line : Files.readAllLines(SMAPS)) {
            if (MAPPING_LINE.matcher(line).find()) {
                inside = line.contains(prefix);
            } else if (inside && line.startsWith("Rss:")) {
                kib += Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return kib << 10;
    }
}
