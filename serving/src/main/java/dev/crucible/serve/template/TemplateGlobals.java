package dev.crucible.serve.template;

import java.time.LocalDateTime;

/**
 * The globals transformers adds to its chat-template environment, as static methods Jinjava can call:
 * {@code raise_exception(message)} and {@code strftime_now(format)} (local time, like Python's
 * {@code datetime.now().strftime}).
 */
public final class TemplateGlobals {

    private TemplateGlobals() {}

    public static Object raiseException(Object message) {
        throw new TemplateRaisedException(message == null ? "None" : String.valueOf(message));
    }

    public static String strftimeNow(String format) {
        return PythonStrftime.format(format, LocalDateTime.now());
    }
}
