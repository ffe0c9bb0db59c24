package dev.crucible.safetensors;

import dev.crucible.error.CrucibleException;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte counts as people write them: mergekit's {@code 5B}, {@code 500M}, {@code 1000K} (its {@code parse_kmb} in
 * {@code mergekit/common.py}: a single letter K, M or B multiplies by a thousand, a million or a billion), Hugging
 * Face's {@code 5GB} (decimal), {@code 1.5GiB} (binary), or a plain number of bytes.
 */
public final class ByteSize {

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]i?b|[kmb])?");

    private ByteSize() {
    }

    /**
     * Parses a size (case-insensitive): as mergekit, K, M and B are 10^3, 10^6 and 10^9 bytes (so {@code 5B} is
     * five billion bytes, not five); KB, MB, GB, TB are powers of 1000 and KiB, MiB, GiB, TiB powers of 1024; no
     * unit means bytes. Junk, zero and fractional byte counts are refused.
     */
    public static long parseSize(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        Matcher m = SIZE.matcher(t);
        if (!m.matches()) {
            throw new CrucibleException("size '" + text + "' is not understood; write e.g. 5B (mergekit: 5 billion bytes), 500M, 1000K, 5GB, 1.5GiB or 4096");
        }
        String unit = m.group(2) == null ? "bytes" : m.group(2);
        long factor = switch (unit) {
            case "bytes" -> 1L;
            case "k", "kb" -> 1_000L;
            case "m", "mb" -> 1_000_000L;
            case "b", "gb" -> 1_000_000_000L;
            case "tb" -> 1_000_000_000_000L;
            case "kib" -> 1L << 10;
            case "mib" -> 1L << 20;
            case "gib" -> 1L << 30;
            case "tib" -> 1L << 40;
            default -> throw new IllegalStateException("pattern admits only the units above");
        };
        BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(factor));
        if (bytes.signum() <= 0 || bytes.stripTrailingZeros().scale() > 0
                || bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new CrucibleException("size '" + text + "' must be a positive whole number of bytes");
        }
        return bytes.longValueExact();
    }

    /** A short human form using binary units, e.g. {@code 1.41 MiB}. */
    public static String format(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.2f %s", v, units[u]);
    }
}
