package dev.crucible.serve.template;

import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * Python's {@code strftime} directives in the C locale, for {@code strftime_now}. Covers the directives
 * chat templates use (Llama 3.2's {@code "%d %b %Y"}, Mistral's {@code "%Y-%m-%d"}) and the rest of the
 * common set, including glibc's {@code %-d} (no padding); an unknown directive is kept as written, as glibc does.
 */
public final class PythonStrftime {

    private PythonStrftime() {}

    public static String format(String format, LocalDateTime t) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                out.append(c);
                continue;
            }
            char d = format.charAt(++i);
            boolean pad = true;
            if (d == '-' && i + 1 < format.length()) {
                pad = false;
                d = format.charAt(++i);
            }
            switch (d) {
                case 'Y' -> out.append(t.getYear());
                case 'y' -> out.append(two(t.getYear() % 100, pad));
                case 'm' -> out.append(two(t.getMonthValue(), pad));
                case 'd' -> out.append(two(t.getDayOfMonth(), pad));
                case 'e' -> out.append(String.format("%2d", t.getDayOfMonth()));
                case 'H' -> out.append(two(t.getHour(), pad));
                case 'I' -> out.append(two(t.getHour() % 12 == 0 ? 12 : t.getHour() % 12, pad));
                case 'M' -> out.append(two(t.getMinute(), pad));
                case 'S' -> out.append(two(t.getSecond(), pad));
                case 'p' -> out.append(t.getHour() < 12 ? "AM" : "PM");
                case 'j' -> out.append(pad ? String.format("%03d", t.getDayOfYear()) : String.valueOf(t.getDayOfYear()));
                case 'b', 'h' -> out.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.US));
                case 'B' -> out.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.US));
                case 'a' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.US));
                case 'A' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.US));
                case 'w' -> out.append(t.getDayOfWeek().getValue() % 7);
                case 'u' -> out.append(t.getDayOfWeek().getValue());
                case 'F' -> out.append(t.getYear()).append('-').append(two(t.getMonthValue(), true)).append('-')
                        .append(two(t.getDayOfMonth(), true));
                case 'T' -> out.append(two(t.getHour(), true)).append(':').append(two(t.getMinute(), true)).append(':')
                        .append(two(t.getSecond(), true));
                case '%' -> out.append('%');
                default -> out.append('%').append(pad ? "" : "-").append(d);
            }
        }
        return out.toString();
    }

    private static String two(int v, boolean pad) {
        return pad && v < 10 ? "0" + v : String.valueOf(v);
    }
}
